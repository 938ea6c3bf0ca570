/* GET /api/cases (the queue: filters, sorts, cursor paging) and GET /api/cases/<cid> (case
 * detail with highlight offsets in bytes and in UTF-16 code units). */
#include "desk/api.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/accounts.h"
#include "queue/keys.h"
#include "queue/scripts.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 200
#define PREVIEW_BYTES 280

/* case... | field... -> {{value of each field}...}: the summary of many cases in one call. */
static const struct redis_script script_hmget_many = {
    "hmget_many",
    "local out = {}\n"
    "for i, key in ipairs(KEYS) do out[i] = redis.call('HMGET', key, unpack(ARGV)) end\n"
    "return out\n",
};

static const char *const row_fields[] = {
    "status", "account", "platform", "author", "url", "created_at", "region",
    "categories", "verdict", "partisan", "political", "created", "decisions", "confirmed_at",
    "deleted_at",
};
enum {
    F_STATUS, F_ACCOUNT, F_PLATFORM, F_AUTHOR, F_URL, F_CREATED_AT, F_REGION, F_CATEGORIES,
    F_VERDICT, F_PARTISAN, F_POLITICAL, F_CREATED, F_DECISIONS, F_CONFIRMED_AT, F_DELETED_AT,
    F_COUNT
};

static void case_row_clear(struct case_row *row)
{
    char **strings[] = {&row->status, &row->account, &row->platform, &row->author, &row->url,
                        &row->created_at, &row->region, &row->categories, &row->verdict,
                        &row->decisions};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        free(*strings[i]);
        *strings[i] = NULL;
    }
}

void case_rows_free(struct case_rows *rows)
{
    for (size_t i = 0; i < rows->count; i++)
        case_row_clear(&rows->items[i]);
    free(rows->items);
    memset(rows, 0, sizeof(*rows));
}

cJSON *api_split_list(const char *list)
{
    cJSON *array = cJSON_CreateArray();
    if (array == NULL || list == NULL)
        return array;
    const char *start = list;
    while (*start != '\0') {
        const char *end = strchr(start, ',');
        size_t len = end ? (size_t)(end - start) : strlen(start);
        char item[256];
        if (len > 0 && len < sizeof(item)) {
            memcpy(item, start, len);
            item[len] = '\0';
            cJSON *s = cJSON_CreateString(item);
            if (s == NULL || !cJSON_AddItemToArray(array, s)) {
                cJSON_Delete(s);
                cJSON_Delete(array);
                return NULL;
            }
        }
        if (end == NULL)
            break;
        start = end + 1;
    }
    return array;
}

static char *reply_copy(const redisReply *reply)
{
    if (redis_reply_is_string(reply))
        return redis_reply_strdup(reply);
    return strdup("");
}

static long long reply_long(const redisReply *reply)
{
    return redis_reply_is_string(reply) ? strtoll(reply->str, NULL, 10) : 0;
}

/* Fills row from one HMGET answer; 0 when the case is gone (no status), 1 when filled, -1 when
 * out of memory. */
static int row_fill(struct case_row *row, const redisReply *values)
{
    if (values->type != REDIS_REPLY_ARRAY || values->elements != F_COUNT ||
        !redis_reply_is_string(values->element[F_STATUS]))
        return 0;
    char **strings[] = {
        [F_STATUS] = &row->status,     [F_ACCOUNT] = &row->account,
        [F_PLATFORM] = &row->platform, [F_AUTHOR] = &row->author,
        [F_URL] = &row->url,           [F_CREATED_AT] = &row->created_at,
        [F_REGION] = &row->region,     [F_CATEGORIES] = &row->categories,
        [F_VERDICT] = &row->verdict,   [F_DECISIONS] = &row->decisions,
    };
    for (size_t f = 0; f < F_COUNT; f++) {
        if (f >= sizeof(strings) / sizeof(strings[0]) || strings[f] == NULL)
            continue;
        if ((*strings[f] = reply_copy(values->element[f])) == NULL)
            return -1;
    }
    const redisReply *partisan = values->element[F_PARTISAN];
    double p = redis_reply_is_string(partisan) ? strtod(partisan->str, NULL) : 0;
    row->partisan_milli = isfinite(p) ? llround(p * 1000) : 0;
    const redisReply *political = values->element[F_POLITICAL];
    row->political = redis_reply_is_string(political) ? strtod(political->str, NULL) : 0;
    if (!isfinite(row->political))
        row->political = 0;
    row->created_ms = reply_long(values->element[F_CREATED]);
    row->confirmed_at_ms = reply_long(values->element[F_CONFIRMED_AT]);
    row->deleted_at_ms = reply_long(values->element[F_DELETED_AT]);
    return 1;
}

static int rows_grow(struct case_rows *rows, size_t more, char *err, size_t err_len)
{
    struct case_row *items = realloc(rows->items, (rows->count + more) * sizeof(*items));
    if (items == NULL)
        return error_set(err, err_len, "cases: out of memory");
    rows->items = items;
    return 0;
}

/* Reads the summaries of ids[0..count) into rows. */
static int rows_read_batch(struct redis_sync *redis, const struct netra_config *config,
                           int shard, char ids[][CASE_ID_LEN + 1], size_t count,
                           const char *account, struct case_rows *rows, char *err,
                           size_t err_len)
{
    char *keys[API_BATCH] = {0};
    redisReply *reply = NULL;
    int rc = -1;
    for (size_t i = 0; i < count; i++) {
        char key[KEYS_MAX_LEN];
        if (keys_case(key, sizeof(key), config->redis.key_prefix, shard, ids[i], err,
                      err_len) != 0)
            goto cleanup;
        if ((keys[i] = strdup(key)) == NULL) {
            error_set(err, err_len, "cases: out of memory");
            goto cleanup;
        }
    }
    if (api_hmget_many(redis, keys, count, row_fields, F_COUNT, &reply, err, err_len) != 0 ||
        rows_grow(rows, count, err, err_len) != 0)
        goto cleanup;
    for (size_t i = 0; i < count; i++) {
        struct case_row *row = &rows->items[rows->count];
        memset(row, 0, sizeof(*row));
        memcpy(row->id, ids[i], sizeof(row->id));
        row->shard = shard;
        int filled = row_fill(row, reply->element[i]);
        if (filled < 0) {
            case_row_clear(row);
            error_set(err, err_len, "cases: out of memory");
            goto cleanup;
        }
        if (filled == 0 || (account != NULL && strcmp(row->account, account) != 0)) {
            case_row_clear(row);
            continue;
        }
        rows->count++;
    }
    rc = 0;
cleanup:
    for (size_t i = 0; i < count; i++)
        free(keys[i]);
    freeReplyObject(reply);
    return rc;
}

int api_scan_keys(struct redis_sync *redis, const char *pattern, size_t max, char ***keys,
                  size_t *count, int *truncated, char *err, size_t err_len)
{
    redisReply *reply = NULL;
    size_t capacity = 0;
    char cursor[32] = "0";
    int rc = -1;
    *keys = NULL;
    *count = 0;
    do {
        freeReplyObject(reply);
        reply = NULL;
        if (redis_sync_commandv(redis, &reply, err, err_len, "SCAN", cursor, "MATCH", pattern,
                                "COUNT", "1000", (char *)NULL) != 0)
            goto cleanup;
        if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
            !redis_reply_is_string(reply->element[0]) ||
            reply->element[1]->type != REDIS_REPLY_ARRAY) {
            error_set(err, err_len, "SCAN %s: unexpected reply", pattern);
            goto cleanup;
        }
        snprintf(cursor, sizeof(cursor), "%s", reply->element[0]->str);
        const redisReply *found = reply->element[1];
        for (size_t i = 0; i < found->elements; i++) {
            if (!redis_reply_is_string(found->element[i]))
                continue;
            if (*count == max) {
                *truncated = 1;
                break;
            }
            if (*count == capacity) {
                size_t grown = capacity ? capacity * 2 : 256;
                char **more = realloc(*keys, grown * sizeof(*more));
                if (more == NULL) {
                    error_set(err, err_len, "SCAN: out of memory");
                    goto cleanup;
                }
                *keys = more;
                capacity = grown;
            }
            if (((*keys)[*count] = redis_reply_strdup(found->element[i])) == NULL) {
                error_set(err, err_len, "SCAN: out of memory");
                goto cleanup;
            }
            (*count)++;
        }
    } while (strcmp(cursor, "0") != 0 && *count < max);
    rc = 0;
cleanup:
    if (rc != 0) {
        api_keys_free(*keys, *count);
        *keys = NULL;
        *count = 0;
    }
    freeReplyObject(reply);
    return rc;
}

void api_keys_free(char **keys, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(keys[i]);
    free(keys);
}

int api_hmget_many(struct redis_sync *redis, char *const *keys, size_t count,
                   const char *const *fields, size_t field_count, redisReply **reply,
                   char *err, size_t err_len)
{
    struct redis_args call;
    redis_args_init(&call);
    *reply = NULL;
    redis_args_add_long(&call, (long long)count);
    for (size_t i = 0; i < count; i++)
        redis_args_add_str(&call, keys[i]);
    for (size_t f = 0; f < field_count; f++)
        redis_args_add_str(&call, fields[f]);
    int rc = redis_args_ok(&call, err, err_len);
    if (rc == 0)
        rc = scripts_run_sync(redis, &script_hmget_many, &call, reply, err, err_len);
    if (rc == 0)
        rc = redis_reply_expect(*reply, REDIS_REPLY_ARRAY, count, "HMGET of many", err, err_len);
    if (rc == 0)
        for (size_t i = 0; i < count && rc == 0; i++)
            if ((*reply)->element[i]->type != REDIS_REPLY_ARRAY ||
                (*reply)->element[i]->elements != field_count)
                rc = error_set(err, err_len, "HMGET of many: unexpected reply");
    if (rc != 0) {
        freeReplyObject(*reply);
        *reply = NULL;
    }
    redis_args_free(&call);
    return rc;
}

/* The case ids of a shard: the review queue, or a SCAN of its case keys capped at API_SCAN_MAX. */
static int shard_case_ids(struct redis_sync *redis, const struct netra_config *config, int shard,
                          enum case_source source, char (**ids)[CASE_ID_LEN + 1], size_t *count,
                          int *truncated, char *err, size_t err_len)
{
    const char *prefix = config->redis.key_prefix;
    char key[KEYS_MAX_LEN], start[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    char **keys = NULL;
    size_t key_count = 0;
    int rc = -1;
    *ids = NULL;
    *count = 0;
    if (keys_case(start, sizeof(start), prefix, shard, "x", err, err_len) != 0)
        goto cleanup;
    start[strlen(start) - 1] = '\0'; /* "<prefix>{s<n>}:case:" */
    if (source == CASES_OPEN) {
        if (keys_review(key, sizeof(key), prefix, shard, err, err_len) != 0 ||
            redis_sync_commandv(redis, &reply, err, err_len, "ZRANGE", key, "0",
                                API_SCAN_MAX_TEXT, (char *)NULL) != 0 ||
            redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "ZRANGE review", err, err_len) != 0)
            goto cleanup;
        *truncated = *truncated || reply->elements > API_SCAN_MAX;
        if (reply->elements > 0 && (*ids = calloc(reply->elements, sizeof(**ids))) == NULL) {
            error_set(err, err_len, "cases: out of memory");
            goto cleanup;
        }
        for (size_t i = 0; i < reply->elements && *count < API_SCAN_MAX; i++)
            if (redis_reply_is_string(reply->element[i]) &&
                cases_id_valid(reply->element[i]->str))
                memcpy((*ids)[(*count)++], reply->element[i]->str, CASE_ID_LEN + 1);
        rc = 0;
        goto cleanup;
    }
    if (keys_case_pattern(key, sizeof(key), prefix, shard, err, err_len) != 0 ||
        api_scan_keys(redis, key, API_SCAN_MAX, &keys, &key_count, truncated, err, err_len) != 0)
        goto cleanup;
    if (key_count > 0 && (*ids = calloc(key_count, sizeof(**ids))) == NULL) {
        error_set(err, err_len, "cases: out of memory");
        goto cleanup;
    }
    size_t start_len = strlen(start);
    for (size_t i = 0; i < key_count; i++)
        if (strncmp(keys[i], start, start_len) == 0 && cases_id_valid(keys[i] + start_len))
            memcpy((*ids)[(*count)++], keys[i] + start_len, CASE_ID_LEN + 1);
    rc = 0;
cleanup:
    if (rc != 0) {
        free(*ids);
        *ids = NULL;
        *count = 0;
    }
    api_keys_free(keys, key_count);
    freeReplyObject(reply);
    return rc;
}

int case_rows_read(struct redis_sync *redis, const struct netra_config *config, int shard,
                   enum case_source source, const char *account, struct case_rows *rows,
                   char *err, size_t err_len)
{
    char(*ids)[CASE_ID_LEN + 1] = NULL;
    size_t count = 0;
    int rc = shard_case_ids(redis, config, shard, source, &ids, &count, &rows->truncated, err,
                            err_len);
    for (size_t done = 0; rc == 0 && done < count; done += API_BATCH) {
        size_t n = count - done < API_BATCH ? count - done : API_BATCH;
        rc = rows_read_batch(redis, config, shard, ids + done, n, account, rows, err, err_len);
    }
    free(ids);
    return rc;
}

/* Cuts s to at most max bytes without splitting a UTF-8 character. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* Adds a string member; s NULL adds null. 0, or -1 when out of memory. */
static int add_string(cJSON *object, const char *name, const char *s)
{
    cJSON *item = s ? cJSON_CreateString(s) : cJSON_CreateNull();
    if (item == NULL || !cJSON_AddItemToObject(object, name, item)) {
        cJSON_Delete(item);
        return -1;
    }
    return 0;
}

static int add_number(cJSON *object, const char *name, double value)
{
    return cJSON_AddNumberToObject(object, name, value) ? 0 : -1;
}

/* The account's identity: {id, name, nip, agency, region, platform, handle} (with_place adds
 * region, platform, handle); "" when the account left the watchlist. */
static cJSON *account_json(struct redis_sync *redis, const struct netra_config *config,
                           const char *account_id, int with_place, char *err, size_t err_len)
{
    struct account *account = NULL;
    cJSON *json = NULL;
    if (accounts_get(redis, config, account_id, &account, err, err_len) != 0)
        return NULL;
    json = cJSON_CreateObject();
    int failed = json == NULL || add_string(json, "id", account_id) != 0 ||
                 add_string(json, "name", account ? account->name : "") != 0 ||
                 add_string(json, "agency", account ? account->agency : "") != 0 ||
                 add_string(json, "nip", account ? account->nip : "") != 0;
    if (!failed && with_place)
        failed = add_string(json, "region", account ? account->region : "") != 0 ||
                 add_string(json, "platform", account ? account->platform : "") != 0 ||
                 add_string(json, "handle", account ? account->handle : "") != 0;
    account_free(account);
    if (failed) {
        cJSON_Delete(json);
        error_set(err, err_len, "account: out of memory");
        return NULL;
    }
    return json;
}

/* The target members a case shows (queue/post_message.h): whom a follow followed, or the post a
 * like liked and its author. */
static const char *const target_members[] = {"id", "account", "account_id", "name", "url",
                                             "text"};

/* Adds "kind" (the message's, "post" when it has none) and "target": null for a post, else
 * {id, account, account_id, name, url, text} (null when absent) with the text (a bio or a liked
 * post) cut to text_max bytes on a character boundary. 0, or -1 when out of memory. */
static int add_engagement(cJSON *object, const cJSON *message, size_t text_max)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(message, "kind");
    const char *kind_name = cJSON_IsString(kind) ? kind->valuestring : "post";
    if (add_string(object, "kind", kind_name) != 0)
        return -1;
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(message, "target");
    if (!cJSON_IsObject(target))
        return cJSON_AddNullToObject(object, "target") ? 0 : -1;
    cJSON *json = cJSON_CreateObject();
    if (json == NULL || !cJSON_AddItemToObject(object, "target", json)) {
        cJSON_Delete(json);
        return -1;
    }
    for (size_t i = 0; i < sizeof(target_members) / sizeof(target_members[0]); i++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(target, target_members[i]);
        if (!cJSON_IsString(value)) {
            if (add_string(json, target_members[i], NULL) != 0)
                return -1;
            continue;
        }
        size_t len = strcmp(target_members[i], "text") == 0
                         ? utf8_cut(value->valuestring, text_max)
                         : strlen(value->valuestring);
        char *cut = strndup(value->valuestring, len);
        int rc = cut == NULL ? -1 : add_string(json, target_members[i], cut);
        free(cut);
        if (rc != 0)
            return -1;
    }
    return 0;
}

cJSON *case_row_json(struct redis_sync *redis, const struct netra_config *config,
                     const struct case_row *row, char *err, size_t err_len)
{
    char key[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    cJSON *message = NULL, *json = NULL, *out = NULL;
    if (keys_case(key, sizeof(key), config->redis.key_prefix, row->shard, row->id, err,
                  err_len) != 0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "HGET", key, "message", (char *)NULL) !=
            0)
        goto cleanup;
    if (redis_reply_is_string(reply))
        message = cJSON_ParseWithLength(reply->str, reply->len);
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(message, "text");
    char preview[PREVIEW_BYTES + 1] = "";
    if (cJSON_IsString(text)) {
        size_t len = utf8_cut(text->valuestring, PREVIEW_BYTES);
        memcpy(preview, text->valuestring, len);
        preview[len] = '\0';
    }
    cJSON *decisions = cJSON_Parse(row->decisions);
    int decision_count = cJSON_IsArray(decisions) ? cJSON_GetArraySize(decisions) : 0;
    cJSON_Delete(decisions);
    cJSON *categories = api_split_list(row->categories);
    cJSON *account = NULL;
    if ((json = cJSON_CreateObject()) == NULL || categories == NULL ||
        add_string(json, "id", row->id) != 0 || add_string(json, "status", row->status) != 0 ||
        add_number(json, "partisan", (double)row->partisan_milli / 1000.0) != 0 ||
        add_number(json, "political", row->political) != 0 ||
        add_string(json, "verdict", row->verdict) != 0 ||
        !cJSON_AddItemToObject(json, "categories", categories)) {
        cJSON_Delete(categories);
        error_set(err, err_len, "case: out of memory");
        goto cleanup;
    }
    if (add_string(json, "platform", row->platform) != 0 ||
        add_string(json, "author", row->author) != 0 || add_string(json, "url", row->url) != 0 ||
        add_string(json, "created_at", row->created_at) != 0 ||
        add_number(json, "created", (double)row->created_ms) != 0 ||
        add_string(json, "region", row->region) != 0) {
        error_set(err, err_len, "case: out of memory");
        goto cleanup;
    }
    if ((account = account_json(redis, config, row->account, 0, err, err_len)) == NULL)
        goto cleanup;
    if (!cJSON_AddItemToObject(json, "account", account)) {
        cJSON_Delete(account);
        error_set(err, err_len, "case: out of memory");
        goto cleanup;
    }
    /* The post was deleted on its platform after netra flagged it (queue/deletions.h). */
    if (add_number(json, "deleted_at", (double)row->deleted_at_ms) != 0 ||
        add_string(json, "text", preview) != 0 ||
        add_engagement(json, message, PREVIEW_BYTES) != 0 ||
        add_number(json, "decisions", decision_count) != 0) {
        error_set(err, err_len, "case: out of memory");
        goto cleanup;
    }
    out = json;
    json = NULL;
cleanup:
    cJSON_Delete(json);
    cJSON_Delete(message);
    freeReplyObject(reply);
    return out;
}

/* ---- GET /api/cases ---- */

struct list_query {
    const char *status; /* NULL for "open" */
    enum case_source source;
    const char *region, *agency, *platform, *category;
    long long min_milli, max_milli;
    int by_age, descending;
    size_t limit;
    int has_cursor;
    long long cursor_key;
    char cursor_id[CASE_ID_LEN + 1];
};

static int parse_long(const char *s, long long min, long long max, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

static int parse_score(const char *s, long long *milli)
{
    char *end = NULL;
    errno = 0;
    double value = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(value >= 0 && value <= 1))
        return -1;
    *milli = llround(value * 1000);
    return 0;
}

/* Fills q from the query; -1 with the message for a 400 in err. */
static int list_query_parse(const struct desk_request *request, struct list_query *q, char *err,
                            size_t err_len)
{
    memset(q, 0, sizeof(*q));
    q->max_milli = 1000;
    q->limit = LIST_LIMIT_DEFAULT;
    const char *status = desk_query(request, "status");
    q->source = CASES_OPEN;
    if (status != NULL && strcmp(status, "open") != 0) {
        if (strcmp(status, "confirmed") == 0 || strcmp(status, "dismissed") == 0 ||
            strcmp(status, "all") == 0)
            q->source = CASES_SCAN_ALL;
        else if (strcmp(status, "pending") != 0 && strcmp(status, "confirming") != 0 &&
                 strcmp(status, "escalated") != 0)
            return error_set(err, err_len, "status: expected open, pending, confirming, "
                             "escalated, confirmed, dismissed or all");
        if (strcmp(status, "all") != 0)
            q->status = status;
    }
    q->region = desk_query(request, "region");
    q->agency = desk_query(request, "agency");
    q->platform = desk_query(request, "platform");
    q->category = desk_query(request, "category");
    const char *min = desk_query(request, "min_score"), *max = desk_query(request, "max_score");
    if (min != NULL && parse_score(min, &q->min_milli) != 0)
        return error_set(err, err_len, "min_score: expected a number between 0 and 1");
    if (max != NULL && parse_score(max, &q->max_milli) != 0)
        return error_set(err, err_len, "max_score: expected a number between 0 and 1");
    const char *sort = desk_query(request, "sort");
    if (sort != NULL && strcmp(sort, "score") != 0 && strcmp(sort, "age") != 0)
        return error_set(err, err_len, "sort: expected score or age");
    q->by_age = sort != NULL && strcmp(sort, "age") == 0;
    q->descending = !q->by_age;
    const char *order = desk_query(request, "order");
    if (order != NULL) {
        if (strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0)
            return error_set(err, err_len, "order: expected asc or desc");
        q->descending = strcmp(order, "desc") == 0;
    }
    const char *limit = desk_query(request, "limit");
    long long value;
    if (limit != NULL) {
        if (parse_long(limit, 1, LIST_LIMIT_MAX, &value) != 0)
            return error_set(err, err_len, "limit: expected 1..%d", LIST_LIMIT_MAX);
        q->limit = (size_t)value;
    }
    const char *cursor = desk_query(request, "cursor");
    if (cursor != NULL && cursor[0] != '\0') {
        const char *sep = strchr(cursor, '_');
        char number[32];
        size_t len = sep ? (size_t)(sep - cursor) : 0;
        if (sep == NULL || len == 0 || len >= sizeof(number) || !cases_id_valid(sep + 1))
            return error_set(err, err_len, "cursor: not one this API gave");
        memcpy(number, cursor, len);
        number[len] = '\0';
        if (parse_long(number, 0, INT64_MAX, &q->cursor_key) != 0)
            return error_set(err, err_len, "cursor: not one this API gave");
        memcpy(q->cursor_id, sep + 1, CASE_ID_LEN + 1);
        q->has_cursor = 1;
    }
    return 0;
}

static int has_category(const char *categories, const char *category)
{
    size_t len = strlen(category);
    for (const char *p = categories; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t item = end ? (size_t)(end - p) : strlen(p);
        if (item == len && strncmp(p, category, len) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static long long row_key(const struct case_row *row, int by_age)
{
    return by_age ? row->created_ms : row->partisan_milli;
}

/* <0 when a comes before b in ascending order (key, then id). */
static int row_compare_asc(const struct case_row *a, const struct case_row *b, int by_age)
{
    long long ka = row_key(a, by_age), kb = row_key(b, by_age);
    if (ka != kb)
        return ka < kb ? -1 : 1;
    return strcmp(a->id, b->id);
}

static int compare_score_asc(const void *a, const void *b)
{
    return row_compare_asc(a, b, 0);
}
static int compare_score_desc(const void *a, const void *b)
{
    return row_compare_asc(b, a, 0);
}
static int compare_age_asc(const void *a, const void *b)
{
    return row_compare_asc(a, b, 1);
}
static int compare_age_desc(const void *a, const void *b)
{
    return row_compare_asc(b, a, 1);
}

/* 1 when row comes strictly after the cursor in the query's order. */
static int after_cursor(const struct list_query *q, const struct case_row *row)
{
    if (!q->has_cursor)
        return 1;
    struct case_row mark;
    memset(&mark, 0, sizeof(mark));
    memcpy(mark.id, q->cursor_id, sizeof(mark.id));
    mark.partisan_milli = mark.created_ms = q->cursor_key;
    int c = row_compare_asc(row, &mark, q->by_age);
    return q->descending ? c < 0 : c > 0;
}

/* An account's agency, remembered for the request (few accounts, many cases). */
struct agency_cache {
    char **accounts, **agencies;
    size_t count;
};

static void agency_cache_free(struct agency_cache *cache)
{
    for (size_t i = 0; i < cache->count; i++) {
        free(cache->accounts[i]);
        free(cache->agencies[i]);
    }
    free(cache->accounts);
    free(cache->agencies);
}

static int agency_of(struct agency_cache *cache, struct redis_sync *redis,
                     const struct netra_config *config, const char *account_id,
                     const char **agency, char *err, size_t err_len)
{
    for (size_t i = 0; i < cache->count; i++)
        if (strcmp(cache->accounts[i], account_id) == 0) {
            *agency = cache->agencies[i];
            return 0;
        }
    struct account *account = NULL;
    if (accounts_get(redis, config, account_id, &account, err, err_len) != 0)
        return -1;
    char **accounts = realloc(cache->accounts, (cache->count + 1) * sizeof(char *));
    if (accounts != NULL)
        cache->accounts = accounts;
    char **agencies = realloc(cache->agencies, (cache->count + 1) * sizeof(char *));
    if (agencies != NULL)
        cache->agencies = agencies;
    char *id = strdup(account_id), *name = strdup(account ? account->agency : "");
    account_free(account);
    if (accounts == NULL || agencies == NULL || id == NULL || name == NULL) {
        free(id);
        free(name);
        return error_set(err, err_len, "cases: out of memory");
    }
    cache->accounts[cache->count] = id;
    cache->agencies[cache->count++] = name;
    *agency = name;
    return 0;
}

static int row_matches(const struct list_query *q, const struct case_row *row)
{
    if (q->status != NULL ? strcmp(row->status, q->status) != 0
                          : q->source == CASES_OPEN && strcmp(row->status, "pending") != 0 &&
                                strcmp(row->status, "confirming") != 0 &&
                                strcmp(row->status, "escalated") != 0)
        return 0;
    if ((q->region != NULL && strcmp(row->region, q->region) != 0) ||
        (q->platform != NULL && strcmp(row->platform, q->platform) != 0) ||
        (q->category != NULL && !has_category(row->categories, q->category)))
        return 0;
    return row->partisan_milli >= q->min_milli && row->partisan_milli <= q->max_milli;
}

int api_cases_list(struct desk *desk, const struct desk_request *request,
                   struct desk_response *response, char *err, size_t err_len)
{
    const struct netra_config *config = desk_config(desk);
    struct list_query q;
    struct case_rows rows = {0};
    struct agency_cache agencies = {0};
    cJSON *json = NULL, *list = NULL;
    int rc = -1;
    char message[NETRA_ERR_LEN];
    if (list_query_parse(request, &q, message, sizeof(message)) != 0)
        return desk_error(response, 400, "%s", message);
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL)
        return -1;
    for (int s = 0; s < shards_count(shards); s++)
        if (case_rows_read(shards_get(shards, s), config, s, q.source, NULL, &rows, err,
                           err_len) != 0)
            goto cleanup;
    /* Keep what matches, in place. */
    size_t kept = 0;
    for (size_t i = 0; i < rows.count; i++) {
        struct case_row *row = &rows.items[i];
        int keep = row_matches(&q, row) && after_cursor(&q, row);
        if (keep && q.agency != NULL) {
            const char *agency = NULL;
            if (agency_of(&agencies, shards_get(shards, row->shard), config, row->account,
                          &agency, err, err_len) != 0)
                goto cleanup;
            keep = strcmp(agency, q.agency) == 0;
        }
        if (keep)
            rows.items[kept++] = *row;
        else
            case_row_clear(row);
    }
    rows.count = kept;
    int (*compare)(const void *, const void *) =
        q.by_age ? (q.descending ? compare_age_desc : compare_age_asc)
                 : (q.descending ? compare_score_desc : compare_score_asc);
    if (rows.count > 1)
        qsort(rows.items, rows.count, sizeof(*rows.items), compare);

    size_t page = rows.count < q.limit ? rows.count : q.limit;
    if ((json = cJSON_CreateObject()) == NULL || (list = cJSON_CreateArray()) == NULL ||
        !cJSON_AddItemToObject(json, "cases", list)) {
        cJSON_Delete(list);
        error_set(err, err_len, "cases: out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < page; i++) {
        const struct case_row *row = &rows.items[i];
        cJSON *item = case_row_json(shards_get(shards, row->shard), config, row, err, err_len);
        if (item == NULL)
            goto cleanup;
        cJSON_AddItemToArray(list, item);
    }
    char next[64];
    const char *next_cursor = NULL;
    if (rows.count > page) {
        const struct case_row *last = &rows.items[page - 1];
        snprintf(next, sizeof(next), "%lld_%s", row_key(last, q.by_age), last->id);
        next_cursor = next;
    }
    if (add_string(json, "next_cursor", next_cursor) != 0 ||
        !cJSON_AddBoolToObject(json, "truncated", rows.truncated)) {
        error_set(err, err_len, "cases: out of memory");
        goto cleanup;
    }
    rc = desk_json(response, 200, json);
    json = NULL;
cleanup:
    cJSON_Delete(json);
    agency_cache_free(&agencies);
    case_rows_free(&rows);
    return rc;
}

/* ---- GET /api/cases/<cid> ---- */

/* UTF-16 code units in the first `offset` bytes of the UTF-8 text s (len bytes); -1 when offset
 * is past the end or inside a character. */
static long long utf16_offset(const char *s, size_t len, long long offset)
{
    if (offset < 0 || (unsigned long long)offset > len)
        return -1;
    if ((size_t)offset < len && ((unsigned char)s[offset] & 0xC0) == 0x80)
        return -1;
    long long units = 0;
    for (long long i = 0; i < offset; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80)
            units += c >= 0xF0 ? 2 : 1;
    }
    return units;
}

/* The string a match's field names in the post message ("text", "media[2].alt", ...), or NULL. */
static const cJSON *match_field(const cJSON *message, const char *field)
{
    if (strcmp(field, "text") == 0)
        return cJSON_GetObjectItemCaseSensitive(message, "text");
    if (strcmp(field, "repost_of.text") == 0 || strcmp(field, "repost_of.author") == 0)
        return cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(message, "repost_of"), field + strlen("repost_of."));
    if (strncmp(field, "target.", strlen("target.")) == 0) {
        const char *member = field + strlen("target.");
        for (size_t i = 0; i < sizeof(target_members) / sizeof(target_members[0]); i++)
            if (strcmp(member, target_members[i]) == 0)
                return cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(message, "target"), member);
        return NULL;
    }
    const char *lists[] = {"media", "hashtags", "mentions"};
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        size_t len = strlen(lists[l]);
        if (strncmp(field, lists[l], len) != 0 || field[len] != '[')
            continue;
        char *end = NULL;
        errno = 0;
        long index = strtol(field + len + 1, &end, 10);
        if (errno != 0 || end == field + len + 1 || *end != ']' || index < 0 || index > 100000)
            return NULL;
        const cJSON *item =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(message, lists[l]), (int)index);
        if (l == 0)
            return strcmp(end, "].alt") == 0 ? cJSON_GetObjectItemCaseSensitive(item, "alt")
                                             : NULL;
        return strcmp(end, "]") == 0 ? item : NULL;
    }
    return NULL;
}

/* Adds start16/end16 to every match of explanation (null when they cannot be placed). */
static int explanation_add_utf16(cJSON *explanation, const cJSON *message)
{
    const cJSON *match;
    cJSON_ArrayForEach(match, cJSON_GetObjectItemCaseSensitive(explanation, "matches"))
    {
        const cJSON *field = cJSON_GetObjectItemCaseSensitive(match, "field");
        const cJSON *start = cJSON_GetObjectItemCaseSensitive(match, "start");
        const cJSON *end = cJSON_GetObjectItemCaseSensitive(match, "end");
        long long start16 = -1, end16 = -1;
        const cJSON *text = cJSON_IsString(field) ? match_field(message, field->valuestring)
                                                  : NULL;
        if (cJSON_IsString(text) && cJSON_IsNumber(start) && cJSON_IsNumber(end) &&
            start->valuedouble >= 0 && start->valuedouble <= end->valuedouble &&
            end->valuedouble < 1e9) {
            size_t len = strlen(text->valuestring);
            start16 = utf16_offset(text->valuestring, len, (long long)start->valuedouble);
            end16 = utf16_offset(text->valuestring, len, (long long)end->valuedouble);
        }
        cJSON *a = start16 >= 0 && end16 >= 0 ? cJSON_CreateNumber((double)start16)
                                              : cJSON_CreateNull();
        cJSON *b = start16 >= 0 && end16 >= 0 ? cJSON_CreateNumber((double)end16)
                                              : cJSON_CreateNull();
        int ok_a = a != NULL && cJSON_AddItemToObject((cJSON *)match, "start16", a);
        if (!ok_a)
            cJSON_Delete(a);
        int ok_b = b != NULL && cJSON_AddItemToObject((cJSON *)match, "end16", b);
        if (!ok_b)
            cJSON_Delete(b);
        if (!ok_a || !ok_b)
            return -1;
    }
    return 0;
}

/* The post as the console shows it: the message's reader-facing members (null when absent). */
static cJSON *post_json(const cJSON *message)
{
    static const char *const members[] = {"id", "platform", "kind", "author", "url",
                                          "created_at", "fetched_at", "text", "lang",
                                          "hashtags", "mentions", "links", "media", "repost_of",
                                          "target"};
    cJSON *post = cJSON_CreateObject();
    if (post == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(message, members[i]);
        cJSON *copy = value ? cJSON_Duplicate(value, 1) : cJSON_CreateNull();
        if (copy == NULL || !cJSON_AddItemToObject(post, members[i], copy)) {
            cJSON_Delete(copy);
            cJSON_Delete(post);
            return NULL;
        }
    }
    return post;
}

/* Parses a stored JSON field, or creates fallback() when absent or not JSON. */
static cJSON *stored_json(const struct case_fields *fields, const char *name, int want_array)
{
    const struct case_field *field = case_field(fields, name);
    cJSON *json = field ? cJSON_ParseWithLength(field->value, field->len) : NULL;
    if (json != NULL && (want_array ? cJSON_IsArray(json) : cJSON_IsObject(json)))
        return json;
    cJSON_Delete(json);
    return want_array ? cJSON_CreateArray() : cJSON_CreateObject();
}

static double field_number(const struct case_fields *fields, const char *name)
{
    const char *s = case_string(fields, name);
    double value = s ? strtod(s, NULL) : 0;
    return isfinite(value) ? value : 0;
}

/* Adds each named string field of the case (null when absent). */
static int add_fields(cJSON *object, const struct case_fields *fields,
                      const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (add_string(object, names[i], case_string(fields, names[i])) != 0)
            return -1;
    return 0;
}

/* Finds the case on its shard; *shard = -1 when no shard has it. */
static int case_find(struct shards *shards, const struct netra_config *config,
                     const char *case_id, struct case_fields *fields, int *shard, char *err,
                     size_t err_len)
{
    *shard = -1;
    for (int s = 0; s < shards_count(shards); s++) {
        int found = 0;
        if (cases_get(shards_get(shards, s), config, s, case_id, fields, &found, err, err_len) !=
            0)
            return -1;
        if (found) {
            *shard = s;
            return 0;
        }
    }
    return 0;
}

/* ---- versions of the post (queue/cases.h) ---- */

static cJSON *version_number(const struct case_fields *fields, long long version,
                             const char *name)
{
    const char *s = case_version_string(fields, version, name);
    double value = s ? strtod(s, NULL) : NAN;
    return isfinite(value) ? cJSON_CreateNumber(value) : cJSON_CreateNull();
}

static int add_item(cJSON *object, const char *name, cJSON *item)
{
    if (item == NULL || !cJSON_AddItemToObject(object, name, item)) {
        cJSON_Delete(item);
        return -1;
    }
    return 0;
}

/* One version as the console compares it: when it was fetched and kept, its result, the post
 * as it read then, and its evidence. */
static cJSON *version_json(const struct case_fields *fields, long long version)
{
    static const char *const evidence_names[] = {"raw_sha256", "message_sha256", "evidence",
                                                 "chain_id", "chain"};
    const struct case_field *stored = case_version_field(fields, version, "message");
    cJSON *message = stored ? cJSON_ParseWithLength(stored->value, stored->len) : NULL;
    cJSON *json = cJSON_CreateObject(), *evidence = NULL, *out = NULL;
    if (!cJSON_IsObject(message)) {
        cJSON_Delete(message);
        message = cJSON_CreateObject();
    }
    if (json == NULL || message == NULL || add_number(json, "version", (double)version) != 0 ||
        add_string(json, "fetched_at", case_version_string(fields, version, "fetched_at")) != 0 ||
        add_item(json, "recorded",
                 version_number(fields, version, version == 1 ? "created" : "recorded")) != 0 ||
        add_string(json, "verdict", case_version_string(fields, version, "verdict")) != 0 ||
        add_item(json, "partisan", version_number(fields, version, "partisan")) != 0 ||
        add_item(json, "political", version_number(fields, version, "political")) != 0 ||
        add_item(json, "categories",
                 api_split_list(case_version_string(fields, version, "categories"))) != 0 ||
        add_item(json, "post", post_json(message)) != 0 ||
        add_item(json, "evidence", evidence = cJSON_CreateObject()) != 0 ||
        add_item(evidence, "chain_position", version_number(fields, version, "chain_position")) !=
            0)
        goto cleanup;
    for (size_t i = 0; i < sizeof(evidence_names) / sizeof(evidence_names[0]); i++)
        if (add_string(evidence, evidence_names[i],
                       case_version_string(fields, version, evidence_names[i])) != 0)
            goto cleanup;
    out = json;
    json = NULL;
cleanup:
    cJSON_Delete(json);
    cJSON_Delete(message);
    return out;
}

/* versions (oldest first, the first being the case's own) and versions_dropped; -1 when out of
 * memory. A malformed count shows the first version alone. */
static int add_versions(cJSON *json, const struct case_fields *fields)
{
    long long count = case_versions(fields);
    cJSON *versions = cJSON_CreateArray();
    if (add_item(json, "versions", versions) != 0 ||
        add_number(json, "versions_dropped", field_number(fields, "versions_dropped")) != 0)
        return -1;
    for (long long k = 1; k <= (count > 0 ? count : 1); k++) {
        cJSON *version = version_json(fields, k);
        if (version == NULL || !cJSON_AddItemToArray(versions, version)) {
            cJSON_Delete(version);
            return -1;
        }
    }
    return 0;
}

/* "deleted": null, or when the post was deleted on its platform after netra flagged it:
 * {"deleted_at": first missed (ms), "last_seen": ms, "how": "listing" | "check listing"}. */
static int add_deleted(cJSON *json, const struct case_fields *fields)
{
    const char *deleted_at = case_string(fields, "deleted_at");
    if (deleted_at == NULL)
        return cJSON_AddNullToObject(json, "deleted") != NULL ? 0 : -1;
    cJSON *deleted = cJSON_CreateObject();
    if (deleted == NULL || !cJSON_AddItemToObject(json, "deleted", deleted)) {
        cJSON_Delete(deleted);
        return -1;
    }
    return add_number(deleted, "deleted_at", field_number(fields, "deleted_at")) != 0 ||
                   add_number(deleted, "last_seen", field_number(fields, "deleted_last_seen")) !=
                       0 ||
                   add_string(deleted, "how", case_string(fields, "deleted_how")) != 0
               ? -1
               : 0;
}

static cJSON *case_detail_json(struct redis_sync *redis, const struct netra_config *config,
                               const char *case_id, const struct case_fields *fields, char *err,
                               size_t err_len)
{
    cJSON *json = cJSON_CreateObject(), *message = stored_json(fields, "message", 0);
    cJSON *explanation = stored_json(fields, "explanation", 0);
    cJSON *evidence = cJSON_CreateObject(), *account = NULL;
    cJSON *out = NULL;
    static const char *const evidence_fields[] = {"raw_sha256", "message_sha256", "evidence",
                                                   "chain_id", "chain"};
    if (json == NULL || message == NULL || explanation == NULL || evidence == NULL)
        goto oom;
    const char *status = case_string(fields, "status");
    if (add_string(json, "id", case_id) != 0 ||
        add_string(json, "status", status ? status : "pending") != 0 ||
        add_number(json, "created", field_number(fields, "created")) != 0 ||
        add_number(json, "partisan", field_number(fields, "partisan")) != 0 ||
        add_number(json, "political", field_number(fields, "political")) != 0 ||
        add_string(json, "verdict", case_string(fields, "verdict")) != 0 ||
        !cJSON_AddItemToObject(json, "categories",
                               api_split_list(case_string(fields, "categories"))) ||
        add_string(json, "ruleset", case_string(fields, "ruleset")) != 0 ||
        add_engagement(json, message, SIZE_MAX) != 0)
        goto oom;
    cJSON *post = post_json(message);
    if (post == NULL || !cJSON_AddItemToObject(json, "post", post)) {
        cJSON_Delete(post);
        goto oom;
    }
    /* Only matches go out: the rest of the stored explanation repeats the case's scores. */
    cJSON *matches = cJSON_DetachItemFromObjectCaseSensitive(explanation, "matches");
    cJSON_Delete(explanation);
    explanation = cJSON_CreateObject();
    if (!cJSON_IsArray(matches)) {
        cJSON_Delete(matches);
        matches = cJSON_CreateArray();
    }
    if (explanation == NULL || matches == NULL ||
        !cJSON_AddItemToObject(explanation, "matches", matches)) {
        cJSON_Delete(matches);
        goto oom;
    }
    if (explanation_add_utf16(explanation, message) != 0 ||
        !cJSON_AddItemToObject(json, "explanation", explanation))
        goto oom;
    explanation = NULL;

    const char *account_id = case_string(fields, "account");
    if ((account = account_json(redis, config, account_id ? account_id : "", 1, err,
                                err_len)) == NULL)
        goto cleanup;
    if (!cJSON_AddItemToObject(json, "account", account)) {
        cJSON_Delete(account);
        goto oom;
    }
    if (add_fields(evidence, fields, evidence_fields, 3) != 0 ||
        add_number(evidence, "chain_position", field_number(fields, "chain_position")) != 0 ||
        add_fields(evidence, fields, evidence_fields + 3, 2) != 0 ||
        !cJSON_AddItemToObject(json, "evidence", evidence))
        goto oom;
    evidence = NULL;
    if (!cJSON_AddItemToObject(json, "decisions", stored_json(fields, "decisions", 1)) ||
        add_string(json, "confirmed_category", case_string(fields, "confirmed_category")) != 0 ||
        !cJSON_AddItemToObject(json, "confirmed_by",
                               api_split_list(case_string(fields, "confirmed_by"))))
        goto oom;
    const char *confirmed_at = case_string(fields, "confirmed_at");
    cJSON *at = confirmed_at ? cJSON_CreateNumber(strtod(confirmed_at, NULL)) : cJSON_CreateNull();
    if (at == NULL || !cJSON_AddItemToObject(json, "confirmed_at", at)) {
        cJSON_Delete(at);
        goto oom;
    }
    if (add_versions(json, fields) != 0)
        goto oom;
    if (add_deleted(json, fields) != 0)
        goto oom;
    out = json;
    json = NULL;
    goto cleanup;
oom:
    error_set(err, err_len, "case %s: out of memory", case_id);
cleanup:
    cJSON_Delete(json);
    cJSON_Delete(message);
    cJSON_Delete(explanation);
    cJSON_Delete(evidence);
    return out;
}

int api_case_get(struct desk *desk, const struct desk_request *request,
                 struct desk_response *response, char *err, size_t err_len)
{
    const struct netra_config *config = desk_config(desk);
    const char *case_id = request->path_rest;
    struct case_fields fields = {0};
    int shard, rc = -1;
    if (!cases_id_valid(case_id))
        return desk_error(response, 404, "no case %.40s", case_id);
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL || case_find(shards, config, case_id, &fields, &shard, err, err_len) != 0)
        goto cleanup;
    if (shard < 0) {
        rc = desk_error(response, 404, "no case %s", case_id);
        goto cleanup;
    }
    cJSON *json = case_detail_json(shards_get(shards, shard), config, case_id, &fields, err,
                                   err_len);
    if (json != NULL)
        rc = desk_json(response, 200, json);
cleanup:
    case_fields_free(&fields);
    return rc;
}
