/* GET /api/audit: the audit trail of every shard, oldest first from `since`, for supervisors. */
#include "desk/api.h"

#include <errno.h>
#include <stdlib.h>

#include "config/log.h"
#include "queue/audit.h"

#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX 1000

static int parse_number(const char *s, long long min, long long max, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

static cJSON *record_json(const struct audit_record *record)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *details = cJSON_Parse(record->details);
    if (details == NULL || cJSON_IsNull(details) ||
        (cJSON_IsObject(details) && cJSON_GetArraySize(details) == 0)) {
        cJSON_Delete(details);
        details = cJSON_CreateNull();
    }
    if (json == NULL || details == NULL || !cJSON_AddStringToObject(json, "id", record->id) ||
        !cJSON_AddNumberToObject(json, "shard", record->shard) ||
        !cJSON_AddNumberToObject(json, "at", (double)record->at) ||
        !cJSON_AddStringToObject(json, "who", record->who) ||
        !cJSON_AddStringToObject(json, "role", record->role) ||
        !cJSON_AddStringToObject(json, "action", record->action) ||
        !cJSON_AddStringToObject(json, "subject", record->subject) ||
        !cJSON_AddStringToObject(json, "from", record->from) ||
        !cJSON_AddItemToObject(json, "details", details)) {
        cJSON_Delete(json);
        if (json == NULL || cJSON_GetObjectItem(json, "details") != details)
            cJSON_Delete(details);
        return NULL;
    }
    return json;
}

int api_audit(struct desk *desk, const struct desk_request *request,
              struct desk_response *response, char *err, size_t err_len)
{
    long long since = 0, limit = AUDIT_LIMIT_DEFAULT;
    const char *since_text = desk_query(request, "since"), *limit_text = desk_query(request, "limit");
    if (since_text != NULL && parse_number(since_text, 0, 1LL << 53, &since) != 0)
        return desk_error(response, 400, "since: expected Unix milliseconds");
    if (limit_text != NULL && parse_number(limit_text, 1, AUDIT_LIMIT_MAX, &limit) != 0)
        return desk_error(response, 400, "limit: expected 1..%d", AUDIT_LIMIT_MAX);
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL)
        return -1;
    struct audit_record *records = NULL;
    size_t count = 0;
    if (audit_read(shards, desk_config(desk), since, (size_t)limit, AUDIT_OLDEST_FIRST, &records,
                   &count, err, err_len) != 0)
        return -1;
    int rc = -1;
    cJSON *json = cJSON_CreateObject();
    cJSON *entries = cJSON_AddArrayToObject(json, "entries");
    if (entries == NULL)
        goto oom;
    for (size_t i = 0; i < count; i++) {
        cJSON *entry = record_json(&records[i]);
        if (entry == NULL)
            goto oom;
        cJSON_AddItemToArray(entries, entry);
    }
    /* A full page may have more after it; entries of the same millisecond as the last one
     * beyond the page are rare (a page holds up to 1000) and would be skipped, so the next page
     * starts one millisecond on rather than repeating entries forever. */
    cJSON *next = (size_t)limit == count && count > 0
                      ? cJSON_CreateNumber((double)(records[count - 1].at + 1))
                      : cJSON_CreateNull();
    if (next == NULL || !cJSON_AddItemToObject(json, "next_since", next)) {
        cJSON_Delete(next);
        goto oom;
    }
    rc = desk_json(response, 200, json);
    json = NULL;
    goto cleanup;
oom:
    error_set(err, err_len, "audit: out of memory");
cleanup:
    cJSON_Delete(json);
    audit_records_free(records, count);
    return rc;
}
