#include "desk/export.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config/log.h"
#include "desk/alerts.h"
#include "queue/keys.h"

static const char utf8_bom[] = "\xEF\xBB\xBF";

/* The columns, in order: where each value comes from. */
enum source {
    FROM_CASE,
    FROM_ACCOUNT,
    FROM_REGION, /* the case's (the post's own), else the account's */
    FROM_MESSAGE, /* a string member of the case's message ("text", "target.url", ...) */
    FROM_CASE_TIME,
};

struct column {
    const char *title;
    enum source source;
    const char *field; /* of the case or account hash, or the message member */
};

static const struct column columns[] = {
    {"case", FROM_CASE, "id"},
    {"status", FROM_CASE, "status"},
    {"platform", FROM_CASE, "platform"},
    {"account", FROM_CASE, "account"},
    {"name", FROM_ACCOUNT, "name"},
    {"nip", FROM_ACCOUNT, "nip"},
    {"agency", FROM_ACCOUNT, "agency"},
    {"region", FROM_REGION, "region"},
    {"author", FROM_CASE, "author"},
    {"post_id", FROM_CASE, "post_id"},
    {"url", FROM_CASE, "url"},
    {"created_at", FROM_CASE, "created_at"},
    {"text", FROM_MESSAGE, "text"},
    {"verdict", FROM_CASE, "verdict"},
    {"political", FROM_CASE, "political"},
    {"partisan", FROM_CASE, "partisan"},
    {"categories", FROM_CASE, "categories"},
    {"confirmed_category", FROM_CASE, "confirmed_category"},
    {"confirmed_by", FROM_CASE, "confirmed_by"},
    {"confirmed_at", FROM_CASE_TIME, "confirmed_at"},
    {"evidence", FROM_CASE, "evidence"},
    {"chain_position", FROM_CASE, "chain_position"},
    {"opened_at", FROM_CASE_TIME, "created"},
    /* What a follow or a like engaged with; added after the columns readers already know. */
    {"kind", FROM_MESSAGE, "kind"},
    {"target_account", FROM_MESSAGE, "target.account"},
    {"target_account_id", FROM_MESSAGE, "target.account_id"},
    {"target_name", FROM_MESSAGE, "target.name"},
    {"target_url", FROM_MESSAGE, "target.url"},
    {"target_text", FROM_MESSAGE, "target.text"},
};
#define COLUMN_COUNT (sizeof(columns) / sizeof(columns[0]))

static const char *const statuses[] = {"pending",   "confirming", "confirmed",
                                       "dismissed", "escalated",  "all"};

struct row {
    long long order; /* confirmed_at, else the case's opening (ms) */
    char *csv;       /* the CSV line, CRLF included */
    size_t len;
};

struct rows {
    struct row *items;
    size_t count, capacity;
    size_t bytes;
    int truncated;
};

static void rows_free(struct rows *rows)
{
    for (size_t i = 0; i < rows->count; i++)
        free(rows->items[i].csv);
    free(rows->items);
}

/* One field, quoted by libcsv, with the spreadsheet-formula guard. */
static int write_field(FILE *out, const char *value, size_t len, int first)
{
    char *clean = alert_clean_text(value, len), *field = NULL;
    int rc = -1;
    if (clean == NULL)
        return -1;
    size_t clean_len = strlen(clean);
    /* A spreadsheet runs a cell that starts with one of these as a formula. */
    size_t guard = clean_len > 0 && strchr("=+-@\t\r", clean[0]) != NULL;
    if ((field = malloc(clean_len + 2)) == NULL)
        goto cleanup;
    field[0] = '\'';
    memcpy(field + guard, clean, clean_len);
    if ((!first && fputc(',', out) == EOF) || csv_fwrite(out, field, clean_len + guard) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    free(clean);
    free(field);
    return rc;
}

static const char *string_at(const redisReply *reply, size_t i, size_t *len)
{
    if (i >= reply->elements || !redis_reply_is_string(reply->element[i])) {
        *len = 0;
        return "";
    }
    *len = reply->element[i]->len;
    return reply->element[i]->str;
}

/* A string member of the message ("kind" defaults to "post"), "" when it has none. */
static const char *message_string(const cJSON *message, const char *path)
{
    const char *target = "target.";
    const cJSON *value =
        strncmp(path, target, strlen(target)) != 0
            ? cJSON_GetObjectItemCaseSensitive(message, path)
            : cJSON_GetObjectItemCaseSensitive(
                  cJSON_GetObjectItemCaseSensitive(message, "target"), path + strlen(target));
    if (cJSON_IsString(value))
        return value->valuestring;
    return strcmp(path, "kind") == 0 ? "post" : "";
}

/* Reads one case and, when it passes the filters, appends its row. */
static int export_case(struct redis_sync *redis, const struct netra_config *config, int shard,
                       const char *case_key, const char *status, const char *region,
                       struct rows *rows, char *err, size_t err_len)
{
    struct redis_args args;
    redisReply *kase = NULL, *account = NULL;
    char account_key[KEYS_MAX_LEN], when[32];
    char *line = NULL;
    cJSON *message = NULL;
    size_t line_len = 0, len;
    FILE *out = NULL;
    int rc = -1;

    redis_args_init(&args);
    redis_args_add_str(&args, "HMGET");
    redis_args_add_str(&args, case_key);
    /* One value per column at the column's index (account and message columns name no field of
     * the case and read nil there), then the message, parsed once for all its columns. */
    for (size_t c = 0; c < COLUMN_COUNT; c++)
        redis_args_add_str(&args, columns[c].field);
    redis_args_add_str(&args, "message");
    if (redis_args_ok(&args, err, err_len) != 0 ||
        redis_sync_command(redis, &args, 0, &kase, err, err_len) != 0 ||
        redis_reply_expect(kase, REDIS_REPLY_ARRAY, COLUMN_COUNT + 1, "HMGET case", err,
                           err_len) != 0)
        goto cleanup;

    const char *case_status = string_at(kase, 1, &len);
    if (len == 0)
        case_status = "pending";
    if ((strcmp(status, "all") != 0 && strcmp(case_status, status) != 0) ||
        string_at(kase, 0, &len)[0] == '\0') {
        rc = 0;
        goto cleanup;
    }
    if (keys_acct(account_key, sizeof(account_key), config->redis.key_prefix, shard,
                  string_at(kase, 3, &len), err, err_len) != 0 ||
        redis_sync_commandv(redis, &account, err, err_len, "HMGET", account_key, "name", "nip",
                            "agency", "region", (char *)NULL) != 0 ||
        redis_reply_expect(account, REDIS_REPLY_ARRAY, 4, "HMGET acct", err, err_len) != 0)
        goto cleanup;
    const char *case_region = string_at(kase, 7, &len);
    if (len == 0)
        case_region = string_at(account, 3, &len);
    if (region != NULL && strcmp(case_region, region) != 0) {
        rc = 0;
        goto cleanup;
    }
    if (rows->count == EXPORT_MAX_ROWS || rows->bytes >= (size_t)EXPORT_MAX_BYTES) {
        rows->truncated = 1;
        rc = 0;
        goto cleanup;
    }

    const char *json = string_at(kase, COLUMN_COUNT, &len);
    message = cJSON_ParseWithLength(json, len);
    out = open_memstream(&line, &line_len);
    if (out == NULL)
        goto oom;
    long long order = 0, ms;
    for (size_t c = 0; c < COLUMN_COUNT; c++) {
        const char *value = string_at(kase, c, &len);
        if (columns[c].source == FROM_ACCOUNT) {
            size_t a = strcmp(columns[c].field, "name") == 0  ? 0
                       : strcmp(columns[c].field, "nip") == 0 ? 1
                                                               : 2;
            value = string_at(account, a, &len);
        } else if (columns[c].source == FROM_REGION) {
            value = case_region;
            len = strlen(case_region);
        } else if (columns[c].source == FROM_MESSAGE) {
            value = message_string(message, columns[c].field);
            len = strlen(value);
        } else if (columns[c].source == FROM_CASE_TIME && len > 0 &&
                   redis_reply_integer(kase->element[c], &ms) == 0) {
            alert_format_time(ms, when);
            if (order == 0 || strcmp(columns[c].field, "confirmed_at") == 0)
                order = ms;
            value = when;
            len = strlen(when);
        }
        if (write_field(out, value, len, c == 0) != 0)
            goto oom;
    }
    if (fputs("\r\n", out) == EOF || fclose(out) != 0) {
        out = NULL;
        goto oom;
    }
    out = NULL;
    if (rows->count == rows->capacity) {
        size_t capacity = rows->capacity == 0 ? 64 : rows->capacity * 2;
        struct row *items = realloc(rows->items, capacity * sizeof(*items));
        if (items == NULL)
            goto oom;
        rows->items = items;
        rows->capacity = capacity;
    }
    rows->items[rows->count++] = (struct row){order, line, line_len};
    rows->bytes += line_len;
    line = NULL;
    rc = 0;
    goto cleanup;

oom:
    error_set(err, err_len, "export: out of memory");
cleanup:
    if (out != NULL)
        fclose(out);
    free(line);
    cJSON_Delete(message);
    freeReplyObject(kase);
    freeReplyObject(account);
    redis_args_free(&args);
    return rc;
}

/* Newer first; rows of the same millisecond in case id order (each line starts with it), so an
 * export is the same every time. */
static int row_newer_first(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? 1 : -1;
    return strcmp(x->csv, y->csv);
}

static int export_shard(struct redis_sync *redis, const struct netra_config *config, int shard,
                        const char *status, const char *region, struct rows *rows, char *err,
                        size_t err_len)
{
    char pattern[KEYS_MAX_LEN];
    char **keys = NULL;
    size_t count = 0;
    int rc = -1;
    if (keys_case_pattern(pattern, sizeof(pattern), config->redis.key_prefix, shard, err,
                          err_len) != 0 ||
        redis_sync_scan(redis, pattern, &keys, &count, err, err_len) != 0)
        goto cleanup;
    for (size_t i = 0; i < count; i++) {
        if (export_case(redis, config, shard, keys[i], status, region, rows, err, err_len) != 0)
            goto cleanup;
    }
    rc = 0;

cleanup:
    redis_sync_keys_free(keys, count);
    return rc;
}

static int details_json(const char *status, const char *region, size_t rows, int truncated,
                        char **out)
{
    cJSON *details = cJSON_CreateObject();
    *out = NULL;
    if (details != NULL && cJSON_AddStringToObject(details, "status", status) != NULL &&
        (region == NULL || cJSON_AddStringToObject(details, "region", region) != NULL) &&
        cJSON_AddNumberToObject(details, "rows", (double)rows) != NULL &&
        cJSON_AddBoolToObject(details, "truncated", truncated) != NULL)
        *out = cJSON_PrintUnformatted(details);
    cJSON_Delete(details);
    return *out == NULL ? -1 : 0;
}

int export_cases_csv(struct desk *desk, const struct desk_request *request,
                     struct desk_response *response, char *err, size_t err_len)
{
    const struct netra_config *config = desk_config(desk);
    const char *status = desk_query(request, "status"), *region = desk_query(request, "region");
    struct rows rows = {0};
    struct shards *shards;
    char *body = NULL, *details = NULL;
    size_t body_len = 0;
    FILE *out = NULL;
    int known = 0, rc = -1;

    if (status == NULL || status[0] == '\0')
        status = "confirmed";
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        known |= strcmp(status, statuses[i]) == 0;
    if (!known)
        return desk_error(response, 400,
                          "status: must be pending, confirming, confirmed, dismissed, "
                          "escalated or all");
    if (region != NULL && region[0] == '\0')
        region = NULL;
    if ((shards = desk_shards(desk, err, err_len)) == NULL)
        goto cleanup;
    for (int s = 0; s < shards_count(shards); s++) {
        if (export_shard(shards_get(shards, s), config, s, status, region, &rows, err,
                         err_len) != 0)
            goto cleanup;
    }
    qsort(rows.items, rows.count, sizeof(*rows.items), row_newer_first);

    out = open_memstream(&body, &body_len);
    if (out == NULL || fputs(utf8_bom, out) == EOF)
        goto oom;
    for (size_t c = 0; c < COLUMN_COUNT; c++) {
        if (write_field(out, columns[c].title, strlen(columns[c].title), c == 0) != 0)
            goto oom;
    }
    if (fputs("\r\n", out) == EOF)
        goto oom;
    for (size_t i = 0; i < rows.count; i++) {
        if (fwrite(rows.items[i].csv, 1, rows.items[i].len, out) != rows.items[i].len)
            goto oom;
    }
    if (fclose(out) != 0) {
        out = NULL;
        goto oom;
    }
    out = NULL;

    /* An export nobody can account for is not handed out. */
    if (details_json(status, region, rows.count, rows.truncated, &details) != 0)
        goto oom;
    if (desk_audit(desk, request, "export.csv", "", details, err, err_len) != 0)
        goto cleanup;

    response->status = 200;
    response->body = body;
    response->body_len = body_len;
    response->content_type = "text/csv; charset=utf-8; header=present";
    response->headers[response->header_count][0] = "Content-Disposition";
    response->headers[response->header_count++][1] = "attachment; filename=\"netra-cases.csv\"";
    if (rows.truncated) {
        response->headers[response->header_count][0] = "X-Netra-Export-Truncated";
        response->headers[response->header_count++][1] = "true";
    }
    body = NULL;
    rc = 0;
    goto cleanup;

oom:
    error_set(err, err_len, "export: out of memory");
cleanup:
    if (out != NULL)
        fclose(out);
    free(body);
    free(details);
    rows_free(&rows);
    return rc;
}
