/* GET /api/accounts/<id> (identity, crawl state, cases, recent results) and
 * POST /api/accounts/<id>/rescan (queues a rescan, audited). */
#include "desk/api.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/log.h"
#include "queue/accounts.h"
#include "queue/keys.h"
#include "queue/rescan.h"

#define ACCOUNT_ID_MAX 200
#define ACCOUNT_CASES_MAX 200
#define ACCOUNT_RESULTS_MAX 50
#define RESCAN_SUFFIX "/rescan"
#define RESCAN_DEFAULT_DAYS 30

/* 1 when id can name an account in a path: 1..ACCOUNT_ID_MAX bytes, no '/' or control. */
static int account_id_valid(const char *id, size_t len)
{
    if (len == 0 || len > ACCOUNT_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (id[i] == '/' || (unsigned char)id[i] < 0x20 || id[i] == 0x7f)
            return 0;
    return 1;
}

static int add_string(cJSON *object, const char *name, const char *s)
{
    return cJSON_AddStringToObject(object, name, s ? s : "") ? 0 : -1;
}

static cJSON *identity_json(const char *id, const struct account *account,
                            const struct case_rows *cases)
{
    /* An account that left the watchlist is known by what its newest case recorded. */
    const struct case_row *row = cases->count > 0 ? &cases->items[0] : NULL;
    cJSON *json = cJSON_CreateObject();
    if (json == NULL ||
        add_string(json, "id", id) != 0 ||
        add_string(json, "platform", account ? account->platform : row->platform) != 0 ||
        add_string(json, "handle", account ? account->handle : row->author) != 0 ||
        add_string(json, "name", account ? account->name : "") != 0 ||
        add_string(json, "nip", account ? account->nip : "") != 0 ||
        add_string(json, "agency", account ? account->agency : "") != 0 ||
        add_string(json, "region", account ? account->region : row->region) != 0 ||
        add_string(json, "status", account ? account->status : "") != 0 ||
        !cJSON_AddBoolToObject(json, "watched", account != NULL)) {
        cJSON_Delete(json);
        return NULL;
    }
    return json;
}

static cJSON *crawl_json(const struct account *account)
{
    cJSON *json = cJSON_CreateObject();
    if (json == NULL ||
        !cJSON_AddNumberToObject(json, "last_fetch", account ? (double)account->last_fetch_ms : 0) ||
        !cJSON_AddNumberToObject(json, "last_ok", account ? (double)account->last_ok_ms : 0) ||
        add_string(json, "last_error", account ? account->last_error : "") != 0 ||
        !cJSON_AddNumberToObject(json, "error_count", account ? (double)account->error_count : 0) ||
        !cJSON_AddNumberToObject(json, "interval_s", account ? account->interval_s : 0)) {
        cJSON_Delete(json);
        return NULL;
    }
    return json;
}

static int compare_newest_first(const void *a, const void *b)
{
    const struct case_row *x = a, *y = b;
    if (x->created_ms != y->created_ms)
        return x->created_ms > y->created_ms ? -1 : 1;
    return strcmp(x->id, y->id);
}

struct result_row {
    char *post_id;
    cJSON *json;
    long long scored_at;
};

static int compare_results(const void *a, const void *b)
{
    const struct result_row *x = a, *y = b;
    if (x->scored_at != y->scored_at)
        return x->scored_at > y->scored_at ? -1 : 1;
    return strcmp(x->post_id, y->post_id);
}

static const char *const result_fields[] = {"account", "verdict", "political", "partisan",
                                            "categories", "scored_at", "case"};

static double reply_number(const redisReply *reply)
{
    double value = redis_reply_is_string(reply) ? strtod(reply->str, NULL) : 0;
    return isfinite(value) ? value : 0;
}

/* The result of key as JSON when it is id's, else NULL in *row->json. */
static int result_row_fill(const char *post_id, const redisReply *values, const char *id,
                           struct result_row *row)
{
    memset(row, 0, sizeof(*row));
    const redisReply *account = values->element[0];
    if (!redis_reply_is_string(account) || strcmp(account->str, id) != 0)
        return 0;
    const redisReply *kase = values->element[6];
    cJSON *json = cJSON_CreateObject();
    cJSON *categories = api_split_list(redis_reply_is_string(values->element[4])
                                           ? values->element[4]->str
                                           : "");
    row->scored_at = (long long)reply_number(values->element[5]);
    int ok = json != NULL && categories != NULL &&
             add_string(json, "post_id", post_id) == 0 &&
             add_string(json, "verdict", redis_reply_is_string(values->element[1])
                                             ? values->element[1]->str
                                             : "") == 0 &&
             cJSON_AddNumberToObject(json, "political", reply_number(values->element[2])) &&
             cJSON_AddNumberToObject(json, "partisan", reply_number(values->element[3])) &&
             cJSON_AddItemToObject(json, "categories", categories);
    if (!ok)
        cJSON_Delete(categories);
    ok = ok && cJSON_AddNumberToObject(json, "scored_at", (double)row->scored_at) &&
         cJSON_AddItemToObject(json, "case", redis_reply_is_string(kase)
                                                 ? cJSON_CreateString(kase->str)
                                                 : cJSON_CreateNull());
    row->post_id = strdup(post_id);
    if (!ok || row->post_id == NULL) {
        cJSON_Delete(json);
        free(row->post_id);
        row->post_id = NULL;
        return -1;
    }
    row->json = json;
    return 1;
}

/* The account's most recent results still kept, newest first, at most ACCOUNT_RESULTS_MAX. */
static cJSON *results_json(struct redis_sync *redis, const struct netra_config *config, int shard,
                           const char *id, int *truncated, char *err, size_t err_len)
{
    char pattern[KEYS_MAX_LEN], start[KEYS_MAX_LEN];
    char **keys = NULL;
    size_t count = 0, found = 0;
    struct result_row *rows = NULL;
    cJSON *out = NULL;
    if (keys_result_pattern(pattern, sizeof(pattern), config->redis.key_prefix, shard, err,
                            err_len) != 0 ||
        keys_result(start, sizeof(start), config->redis.key_prefix, shard, "x", err, err_len) != 0 ||
        api_scan_keys(redis, pattern, API_SCAN_MAX, &keys, &count, truncated, err, err_len) != 0)
        goto cleanup;
    start[strlen(start) - 1] = '\0';
    size_t start_len = strlen(start);
    if (count > 0 && (rows = calloc(count, sizeof(*rows))) == NULL) {
        error_set(err, err_len, "results: out of memory");
        goto cleanup;
    }
    for (size_t done = 0; done < count; done += API_BATCH) {
        size_t n = count - done < API_BATCH ? count - done : API_BATCH;
        redisReply *reply = NULL;
        if (api_hmget_many(redis, keys + done, n, result_fields,
                           sizeof(result_fields) / sizeof(result_fields[0]), &reply, err,
                           err_len) != 0)
            goto cleanup;
        for (size_t i = 0; i < n; i++) {
            const char *key = keys[done + i];
            if (strncmp(key, start, start_len) != 0)
                continue;
            int filled = result_row_fill(key + start_len, reply->element[i], id, &rows[found]);
            if (filled < 0) {
                freeReplyObject(reply);
                error_set(err, err_len, "results: out of memory");
                goto cleanup;
            }
            found += (size_t)filled;
        }
        freeReplyObject(reply);
    }
    if (found > 1)
        qsort(rows, found, sizeof(*rows), compare_results);
    if ((out = cJSON_CreateArray()) == NULL) {
        error_set(err, err_len, "results: out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < found && i < ACCOUNT_RESULTS_MAX; i++) {
        cJSON_AddItemToArray(out, rows[i].json);
        rows[i].json = NULL;
    }
cleanup:
    for (size_t i = 0; i < found; i++) {
        cJSON_Delete(rows[i].json);
        free(rows[i].post_id);
    }
    free(rows);
    api_keys_free(keys, count);
    return out;
}

int api_account_get(struct desk *desk, const struct desk_request *request,
                    struct desk_response *response, char *err, size_t err_len)
{
    const struct netra_config *config = desk_config(desk);
    const char *id = request->path_rest;
    struct account *account = NULL;
    struct case_rows cases = {0};
    cJSON *json = NULL, *list = NULL;
    int rc = -1;
    if (!account_id_valid(id, strlen(id)))
        return desk_error(response, 404, "no account %.200s", id);
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL)
        return -1;
    int shard = keys_shard(id, config->redis.shards);
    struct redis_sync *redis = shards_get(shards, shard);
    if (accounts_get(redis, config, id, &account, err, err_len) != 0 ||
        case_rows_read(redis, config, shard, CASES_SCAN_ALL, id, &cases, err, err_len) != 0)
        goto cleanup;
    if (account == NULL && cases.count == 0) {
        rc = desk_error(response, 404, "no account %s", id);
        goto cleanup;
    }
    if (cases.count > 1)
        qsort(cases.items, cases.count, sizeof(*cases.items), compare_newest_first);
    cJSON *identity = identity_json(id, account, &cases), *crawl = crawl_json(account);
    json = cJSON_CreateObject();
    list = cJSON_CreateArray();
    int ok = json != NULL && identity != NULL && crawl != NULL && list != NULL &&
             cJSON_AddItemToObject(json, "account", identity);
    if (ok)
        identity = NULL;
    ok = ok && cJSON_AddItemToObject(json, "crawl", crawl);
    if (ok)
        crawl = NULL;
    ok = ok && cJSON_AddItemToObject(json, "cases", list);
    cJSON_Delete(identity);
    cJSON_Delete(crawl);
    if (!ok) {
        if (json == NULL || cJSON_GetObjectItem(json, "cases") != list)
            cJSON_Delete(list);
        error_set(err, err_len, "account: out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < cases.count && i < ACCOUNT_CASES_MAX; i++) {
        cJSON *item = case_row_json(redis, config, &cases.items[i], err, err_len);
        if (item == NULL)
            goto cleanup;
        cJSON_AddItemToArray(list, item);
    }
    int truncated = cases.truncated;
    cJSON *results = results_json(redis, config, shard, id, &truncated, err, err_len);
    if (results == NULL)
        goto cleanup;
    if (!cJSON_AddItemToObject(json, "results", results)) {
        cJSON_Delete(results);
        error_set(err, err_len, "account: out of memory");
        goto cleanup;
    }
    if (!cJSON_AddBoolToObject(json, "truncated", truncated)) {
        error_set(err, err_len, "account: out of memory");
        goto cleanup;
    }
    rc = desk_json(response, 200, json);
    json = NULL;
cleanup:
    cJSON_Delete(json);
    case_rows_free(&cases);
    account_free(account);
    return rc;
}

/* since from the body: absent → RESCAN_DEFAULT_DAYS ago; else Unix seconds in (0, now]. */
static int rescan_since(const struct desk_request *request, long long now_s, long long *since,
                        char *message, size_t message_len)
{
    *since = now_s - RESCAN_DEFAULT_DAYS * 86400LL;
    if (request->body_len == 0)
        return 0;
    cJSON *body = cJSON_ParseWithLength(request->body, request->body_len);
    int rc = 0;
    if (!cJSON_IsObject(body)) {
        rc = error_set(message, message_len, "body: expected a JSON object");
        goto cleanup;
    }
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(body, "since");
    if (value == NULL || cJSON_IsNull(value))
        goto cleanup;
    if (!cJSON_IsNumber(value) || value->valuedouble != floor(value->valuedouble) ||
        value->valuedouble <= 0 || value->valuedouble > (double)now_s) {
        rc = error_set(message, message_len,
                       "since: expected Unix seconds after 0 and not in the future");
        goto cleanup;
    }
    *since = (long long)value->valuedouble;
cleanup:
    cJSON_Delete(body);
    return rc;
}

int api_account_rescan(struct desk *desk, const struct desk_request *request,
                       struct desk_response *response, char *err, size_t err_len)
{
    const struct netra_config *config = desk_config(desk);
    const char *rest = request->path_rest;
    size_t rest_len = strlen(rest), suffix_len = strlen(RESCAN_SUFFIX);
    char id[ACCOUNT_ID_MAX + 1], rid[RESCAN_ID_MAX + 1], message[NETRA_ERR_LEN];
    struct account *account = NULL;
    long long since;
    int rc = -1;
    if (rest_len <= suffix_len || strcmp(rest + rest_len - suffix_len, RESCAN_SUFFIX) != 0 ||
        !account_id_valid(rest, rest_len - suffix_len))
        return desk_error(response, 404, "no such path");
    memcpy(id, rest, rest_len - suffix_len);
    id[rest_len - suffix_len] = '\0';
    if (rescan_since(request, (long long)time(NULL), &since, message, sizeof(message)) != 0)
        return desk_error(response, 400, "%s", message);
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL)
        return -1;
    struct redis_sync *redis = shards_for_account(shards, id);
    if (accounts_get(redis, config, id, &account, err, err_len) != 0)
        goto cleanup;
    if (account == NULL) {
        rc = desk_error(response, 404, "no account %s on the watchlist", id);
        goto cleanup;
    }
    char details[128];
    if (rescan_new_id(rid, err, err_len) != 0 ||
        rescan_queue(redis, config, rid, id, since, err, err_len) != 0)
        goto cleanup;
    snprintf(details, sizeof(details), "{\"rescan\":\"%s\",\"since\":%lld}", rid, since);
    if (desk_audit(desk, request, "rescan.request", id, details, err, err_len) != 0)
        goto cleanup;
    cJSON *json = cJSON_CreateObject();
    if (json == NULL || !cJSON_AddStringToObject(json, "rescan", rid) ||
        !cJSON_AddStringToObject(json, "account", id) ||
        !cJSON_AddNumberToObject(json, "since", (double)since)) {
        cJSON_Delete(json);
        error_set(err, err_len, "rescan: out of memory");
        goto cleanup;
    }
    rc = desk_json(response, 202, json);
cleanup:
    account_free(account);
    return rc;
}
