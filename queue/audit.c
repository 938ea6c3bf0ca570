#include "queue/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/redis_cmd.h"

#define AUDIT_MAX_READ 100000

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

int audit_append(struct redis_sync *redis, const struct netra_config *config, int shard,
                 const struct audit_entry *entry, char *err, size_t err_len)
{
    char key[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    struct redis_args args;
    long long now_ms;
    int rc = -1;
    redis_args_init(&args);
    if (entry->action == NULL || entry->action[0] == '\0')
        return error_set(err, err_len, "audit: an entry needs an action");
    const char *details = entry->details != NULL ? entry->details : "{}";
    if (strlen(details) > AUDIT_MAX_DETAILS)
        return error_set(err, err_len, "audit %s: details longer than %d bytes", entry->action,
                         AUDIT_MAX_DETAILS);
    if (keys_audit(key, sizeof(key), config->redis.key_prefix, shard, err, err_len) != 0)
        return -1;
    if (redis_sync_time_ms(redis, &now_ms, err, err_len) != 0)
        return -1;
    redis_args_add_str(&args, "XADD");
    redis_args_add_str(&args, key);
    redis_args_add_str(&args, "*");
    redis_args_add_str(&args, "at");
    redis_args_add_long(&args, now_ms);
    const char *fields[][2] = {
        {"who", or_empty(entry->who)},         {"role", or_empty(entry->role)},
        {"action", entry->action},             {"subject", or_empty(entry->subject)},
        {"from", or_empty(entry->from)},       {"details", details},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        redis_args_add_str(&args, fields[i][0]);
        redis_args_add_str(&args, fields[i][1]);
    }
    if (redis_args_ok(&args, err, err_len) != 0)
        goto cleanup;
    if (redis_sync_command(redis, &args, 0, &reply, err, err_len) != 0)
        goto cleanup;
    if (redis_reply_expect(reply, REDIS_REPLY_STRING, 0, "audit XADD", err, err_len) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    freeReplyObject(reply);
    redis_args_free(&args);
    return rc;
}

static void free_range(struct audit_record *records, size_t from, size_t to)
{
    for (size_t i = from; records != NULL && i < to; i++) {
        struct audit_record *r = &records[i];
        free(r->id);
        free(r->who);
        free(r->role);
        free(r->action);
        free(r->subject);
        free(r->from);
        free(r->details);
    }
}

void audit_records_free(struct audit_record *records, size_t count)
{
    free_range(records, 0, count);
    free(records);
}

static char *copy_or_empty(const redisReply *value)
{
    char *copy = value != NULL ? redis_reply_strdup(value) : NULL;
    return copy != NULL ? copy : strdup("");
}

/* One XRANGE entry [id, [field, value, ...]] into record; -1 when it is not shaped so. */
static int record_from_entry(const redisReply *entry, int shard, struct audit_record *record,
                             char *err, size_t err_len)
{
    memset(record, 0, sizeof(*record));
    if (redis_reply_expect(entry, REDIS_REPLY_ARRAY, 2, "audit entry", err, err_len) != 0 ||
        redis_reply_expect(entry->element[1], REDIS_REPLY_ARRAY, 0, "audit fields", err,
                           err_len) != 0)
        return -1;
    const redisReply *fields = entry->element[1];
    const redisReply *found[7] = {NULL};
    static const char *const names[7] = {"at", "who", "role", "action", "subject", "from",
                                         "details"};
    for (size_t n = 0; n < 7; n++)
        found[n] = redis_reply_field(fields, names[n]);
    record->shard = shard;
    record->id = copy_or_empty(entry->element[0]);
    /* An entry without a readable "at" keeps the time of its stream id. */
    if (found[0] == NULL || redis_reply_integer(found[0], &record->at) != 0)
        record->at = record->id != NULL ? strtoll(record->id, NULL, 10) : 0;
    record->who = copy_or_empty(found[1]);
    record->role = copy_or_empty(found[2]);
    record->action = copy_or_empty(found[3]);
    record->subject = copy_or_empty(found[4]);
    record->from = copy_or_empty(found[5]);
    record->details = found[6] != NULL ? copy_or_empty(found[6]) : strdup("{}");
    if (record->id == NULL || record->who == NULL || record->role == NULL ||
        record->action == NULL || record->subject == NULL || record->from == NULL ||
        record->details == NULL)
        return error_set(err, err_len, "out of memory");
    return 0;
}

static int by_time(const void *a, const void *b)
{
    const struct audit_record *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    if (x->shard != y->shard)
        return x->shard < y->shard ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int by_time_reversed(const void *a, const void *b)
{
    return by_time(b, a);
}

int audit_read(const struct shards *shards, const struct netra_config *config, long long since_ms,
               size_t limit, enum audit_order order, struct audit_record **out, size_t *count,
               char *err, size_t err_len)
{
    struct audit_record *records = NULL;
    size_t used = 0;
    int rc = -1;
    *out = NULL;
    *count = 0;
    if (limit < 1 || limit > AUDIT_MAX_READ)
        return error_set(err, err_len, "audit: limit must be 1..%d, got %zu", AUDIT_MAX_READ,
                         limit);
    if (since_ms < 0)
        since_ms = 0;
    char since[32], count_text[32];
    snprintf(since, sizeof(since), "%lld", since_ms);
    snprintf(count_text, sizeof(count_text), "%zu", limit);
    for (int shard = 0; shard < shards_count(shards); shard++) {
        char key[KEYS_MAX_LEN];
        redisReply *reply = NULL;
        if (keys_audit(key, sizeof(key), config->redis.key_prefix, shard, err, err_len) != 0)
            goto cleanup;
        /* Stream ids are the server's milliseconds, as "at" is, so the range does the filter. */
        int sent = order == AUDIT_OLDEST_FIRST
                       ? redis_sync_commandv(shards_get(shards, shard), &reply, err, err_len,
                                             "XRANGE", key, since, "+", "COUNT", count_text, NULL)
                       : redis_sync_commandv(shards_get(shards, shard), &reply, err, err_len,
                                             "XREVRANGE", key, "+", since, "COUNT", count_text,
                                             NULL);
        if (sent != 0)
            goto cleanup;
        if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "audit XRANGE", err, err_len) != 0) {
            freeReplyObject(reply);
            goto cleanup;
        }
        if (reply->elements > 0) {
            struct audit_record *grown =
                realloc(records, (used + reply->elements) * sizeof(*records));
            if (grown == NULL) {
                freeReplyObject(reply);
                error_set(err, err_len, "out of memory");
                goto cleanup;
            }
            records = grown;
        }
        for (size_t i = 0; i < reply->elements; i++) {
            int bad = record_from_entry(reply->element[i], shard, &records[used], err, err_len);
            used++;
            if (bad != 0) {
                freeReplyObject(reply);
                goto cleanup;
            }
        }
        freeReplyObject(reply);
    }
    if (used > 0)
        qsort(records, used, sizeof(*records),
              order == AUDIT_OLDEST_FIRST ? by_time : by_time_reversed);
    *out = records;
    *count = used < limit ? used : limit;
    /* The entries past limit were only needed for the merge. */
    free_range(records, *count, used);
    records = NULL;
    rc = 0;
cleanup:
    audit_records_free(records, used);
    return rc;
}
