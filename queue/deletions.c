#include "queue/deletions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/cases.h"
#include "queue/keys.h"
#include "queue/redis_call.h"
#include "queue/redis_reply.h"
#include "queue/scripts.h"

/* A time is a Redis score: integral and exact in a double. */
#define TIME_MAX_MS (1LL << 53)

int deletions_indexable(const struct post_message *message)
{
    long long ms;
    char err[NETRA_ERR_LEN];
    if (message->id == NULL || message->id[0] == '\0' || message->created_at == NULL)
        return 0;
    if (message->kind != POST_KIND_POST && message->kind != POST_KIND_REPLY &&
        message->kind != POST_KIND_QUOTE)
        return 0;
    return deletions_time_ms(message->created_at, &ms, err, sizeof(err)) == 0;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The number in text[from, from + len), all digits, or -1. */
static int digits_at(const char *text, size_t from, size_t len)
{
    int value = 0;
    for (size_t i = from; i < from + len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

int deletions_time_ms(const char *rfc3339, long long *ms, char *err, size_t err_len)
{
    *ms = 0;
    const char *text = rfc3339 != NULL ? rfc3339 : "";
    /* "YYYY-MM-DDTHH:MM:SS" (d: a digit), checked first so nothing is read past the end. */
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; i < sizeof(shape) - 1; i++)
        if (text[i] == '\0' || (shape[i] != 'd' && text[i] != shape[i]))
            return error_set(err, err_len, "created_at \"%.40s\": expected an RFC 3339 UTC time",
                             text);
    int year = digits_at(text, 0, 4), month = digits_at(text, 5, 2), day = digits_at(text, 8, 2);
    int hour = digits_at(text, 11, 2), minute = digits_at(text, 14, 2);
    int second = digits_at(text, 17, 2);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
        minute < 0 || minute > 59 || second < 0 || second > 60)
        return error_set(err, err_len, "created_at \"%.40s\": expected an RFC 3339 UTC time",
                         text);
    long long millis = 0;
    const char *rest = text + sizeof(shape) - 1;
    if (*rest == '.') {
        int digits = 0;
        for (rest++; *rest >= '0' && *rest <= '9'; rest++, digits++)
            if (digits < 3)
                millis = millis * 10 + (*rest - '0');
        if (digits == 0)
            return error_set(err, err_len, "created_at \"%.40s\": empty fraction", text);
        for (; digits < 3; digits++)
            millis *= 10;
    }
    if (strcmp(rest, "Z") != 0)
        return error_set(err, err_len, "created_at \"%.40s\": expected a UTC time ending in Z",
                         text);
    *ms = ((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60000LL +
          second * 1000LL + millis;
    return 0;
}

static long long retention_ms(const struct netra_config *config)
{
    return (long long)config->retention.unflagged_days * 86400 * 1000;
}

int deletions_index_args(const struct netra_config *config, const char *account,
                         long long stamp_ms, const struct post_message *const *messages,
                         size_t count, struct redis_args *call, char *err, size_t err_len)
{
    char shown[KEYS_MAX_LEN], listed[KEYS_MAX_LEN], deleted[KEYS_MAX_LEN];
    const char *prefix = config->redis.key_prefix;
    if (account == NULL || account[0] == '\0')
        return error_set(err, err_len, "deletions: empty account id");
    if (count > DELETIONS_PAGE_MAX)
        return error_set(err, err_len, "deletions: %zu posts in one call (at most %d)", count,
                         DELETIONS_PAGE_MAX);
    if (stamp_ms <= 0 || stamp_ms >= TIME_MAX_MS)
        return error_set(err, err_len, "deletions: listing stamp %lld out of range", stamp_ms);
    int shard = keys_shard(account, config->redis.shards);
    if (keys_shown(shown, sizeof(shown), prefix, shard, account, err, err_len) != 0 ||
        keys_listed(listed, sizeof(listed), prefix, shard, account, err, err_len) != 0)
        return -1;
    size_t indexed = 0;
    for (size_t i = 0; i < count; i++)
        indexed += (size_t)deletions_indexable(messages[i]);
    redis_args_add_long(call, (long long)(2 + indexed));
    redis_args_add_str(call, shown);
    redis_args_add_str(call, listed);
    for (size_t i = 0; i < count; i++) {
        if (!deletions_indexable(messages[i]))
            continue;
        if (keys_deleted(deleted, sizeof(deleted), prefix, shard, messages[i]->id, err,
                         err_len) != 0)
            return -1;
        redis_args_add_str(call, deleted);
    }
    redis_args_add_long(call, stamp_ms);
    redis_args_add_long(call, retention_ms(config));
    redis_args_add_long(call, stamp_ms - retention_ms(config));
    for (size_t i = 0; i < count; i++) {
        long long created_ms;
        if (!deletions_indexable(messages[i]))
            continue;
        if (deletions_time_ms(messages[i]->created_at, &created_ms, err, err_len) != 0)
            return -1;
        /* A post dated after the listing that showed it carries a client's clock, not the
         * platform's order: it is indexed at the listing's time. */
        redis_args_add_str(call, messages[i]->id);
        redis_args_add_long(call, created_ms < stamp_ms ? created_ms : stamp_ms);
    }
    return redis_args_ok(call, err, err_len);
}

int deletions_index(struct redis_sync *redis, const struct netra_config *config,
                    const char *account, long long stamp_ms,
                    const struct post_message *const *messages, size_t count, char *err,
                    size_t err_len)
{
    struct redis_args call;
    redisReply *reply = NULL;
    redis_args_init(&call);
    int rc = deletions_index_args(config, account, stamp_ms, messages, count, &call, err,
                                  err_len);
    if (rc == 0)
        rc = scripts_run_sync(redis, &script_deletions_index, &call, &reply, err, err_len);
    freeReplyObject(reply);
    redis_args_free(&call);
    return rc;
}

struct index_call {
    deletions_index_fn *fn;
    void *data;
};

static void on_index_reply(struct redis_async *redis, redisReply *reply, const char *error,
                           void *data)
{
    (void)redis;
    (void)reply;
    const struct index_call *call = data;
    call->fn(error, call->data);
}

int deletions_index_async(struct redis_async *redis, const struct netra_config *config,
                          const char *account, long long stamp_ms,
                          const struct post_message *const *messages, size_t count,
                          deletions_index_fn *fn, void *data, char *err, size_t err_len)
{
    struct redis_args args;
    const struct index_call call = {fn, data};
    redis_args_init(&args);
    int rc = deletions_index_args(config, account, stamp_ms, messages, count, &args, err,
                                  err_len);
    if (rc == 0)
        rc = redis_call_send(redis, &script_deletions_index, &args, on_index_reply, &call,
                             sizeof(call), err, err_len, "index of %s", account);
    redis_args_free(&args);
    return rc;
}

/* ---- sweeps ------------------------------------------------------------------------------- */

static int sweep_check(const struct deletions_sweep *sweep, char *err, size_t err_len)
{
    if (sweep->account == NULL || sweep->account[0] == '\0')
        return error_set(err, err_len, "deletions: empty account id");
    if (sweep->stamp_ms <= 0 || sweep->stamp_ms >= TIME_MAX_MS || sweep->after_ms < 0 ||
        sweep->after_ms >= TIME_MAX_MS)
        return error_set(err, err_len, "deletions of %s: stamp %lld or window start %lld out "
                         "of range", sweep->account, sweep->stamp_ms, sweep->after_ms);
    if (sweep->how == NULL || sweep->how[0] == '\0')
        return error_set(err, err_len, "deletions of %s: how they were found is empty",
                         sweep->account);
    return 0;
}

static int detect_args(const struct netra_config *config, const struct deletions_sweep *sweep,
                       struct redis_args *call, char *err, size_t err_len)
{
    char shown[KEYS_MAX_LEN], listed[KEYS_MAX_LEN];
    const char *prefix = config->redis.key_prefix;
    int shard = keys_shard(sweep->account, config->redis.shards);
    if (sweep_check(sweep, err, err_len) != 0 ||
        keys_shown(shown, sizeof(shown), prefix, shard, sweep->account, err, err_len) != 0 ||
        keys_listed(listed, sizeof(listed), prefix, shard, sweep->account, err, err_len) != 0)
        return -1;
    redis_args_add_str(call, "2");
    redis_args_add_str(call, shown);
    redis_args_add_str(call, listed);
    redis_args_add_long(call, sweep->after_ms);
    redis_args_add_long(call, sweep->stamp_ms);
    redis_args_add_long(call, DELETIONS_SWEEP_MAX);
    return redis_args_ok(call, err, err_len);
}

/* The apply call of what detect found ({post id, last listed}...); *count 0 when it found
 * nothing (then there is no call). */
static int apply_args(const struct netra_config *config, const struct deletions_sweep *sweep,
                      const redisReply *found, struct redis_args *call, size_t *count, char *err,
                      size_t err_len)
{
    char key[KEYS_MAX_LEN];
    const char *prefix = config->redis.key_prefix;
    int shard = keys_shard(sweep->account, config->redis.shards);
    *count = 0;
    if (redis_reply_expect(found, REDIS_REPLY_ARRAY, 0, "deletions", err, err_len) != 0)
        return -1;
    if (found->elements % 2 != 0 || found->elements > 2 * DELETIONS_SWEEP_MAX)
        return error_set(err, err_len, "deletions of %s: unexpected reply", sweep->account);
    for (size_t i = 0; i < found->elements; i += 2)
        if (found->element[i]->type != REDIS_REPLY_STRING || found->element[i]->len == 0)
            return error_set(err, err_len, "deletions of %s: unexpected reply", sweep->account);
    size_t n = found->elements / 2;
    if (n == 0)
        return 0;
    redis_args_add_long(call, (long long)(5 + 4 * n));
    if (keys_shown(key, sizeof(key), prefix, shard, sweep->account, err, err_len) != 0)
        return -1;
    redis_args_add_str(call, key);
    if (keys_listed(key, sizeof(key), prefix, shard, sweep->account, err, err_len) != 0)
        return -1;
    redis_args_add_str(call, key);
    if (keys_review(key, sizeof(key), prefix, shard, err, err_len) != 0)
        return -1;
    redis_args_add_str(call, key);
    if (keys_posts(key, sizeof(key), prefix, shard, err, err_len) != 0)
        return -1;
    redis_args_add_str(call, key);
    if (keys_audit(key, sizeof(key), prefix, shard, err, err_len) != 0)
        return -1;
    redis_args_add_str(call, key);
    for (size_t i = 0; i < n; i++) {
        const char *id = found->element[2 * i]->str;
        char case_id[CASE_ID_LEN + 1];
        cases_id(sweep->account, id, case_id);
        if (keys_seen(key, sizeof(key), prefix, shard, id, err, err_len) != 0)
            return -1;
        redis_args_add_str(call, key);
        if (keys_result(key, sizeof(key), prefix, shard, id, err, err_len) != 0)
            return -1;
        redis_args_add_str(call, key);
        if (keys_case(key, sizeof(key), prefix, shard, case_id, err, err_len) != 0)
            return -1;
        redis_args_add_str(call, key);
        if (keys_deleted(key, sizeof(key), prefix, shard, id, err, err_len) != 0)
            return -1;
        redis_args_add_str(call, key);
    }
    redis_args_add_long(call, sweep->stamp_ms);
    redis_args_add_long(call, config->crawler.deleted_priority_boost);
    redis_args_add_long(call, retention_ms(config));
    redis_args_add_str(call, sweep->how);
    for (size_t i = 0; i < n; i++) {
        const char *id = found->element[2 * i]->str;
        char case_id[CASE_ID_LEN + 1];
        cases_id(sweep->account, id, case_id);
        redis_args_add_str(call, id);
        redis_args_add_str(call, case_id);
    }
    *count = n;
    return redis_args_ok(call, err, err_len);
}

/* {0|1|2 per post}. */
static int apply_parse(const redisReply *reply, size_t count, struct deletions_counts *out,
                       char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, count, "deletions", err, err_len) != 0)
        return -1;
    if (reply->elements != count)
        return error_set(err, err_len, "deletions: %zu results for %zu posts", reply->elements,
                         count);
    for (size_t i = 0; i < count; i++) {
        long long code;
        if (redis_reply_integer(reply->element[i], &code) != 0 || code < 0 || code > 2)
            return error_set(err, err_len, "deletions: unexpected reply");
        out->detected += code != 0;
        out->flagged += code == 1;
        out->purged += code == 2;
    }
    return 0;
}

int deletions_sweep(struct redis_sync *redis, const struct netra_config *config,
                    const struct deletions_sweep *sweep, struct deletions_counts *out, char *err,
                    size_t err_len)
{
    struct redis_args detect, apply;
    redisReply *found = NULL, *applied = NULL;
    size_t count = 0;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    redis_args_init(&detect);
    redis_args_init(&apply);
    if (detect_args(config, sweep, &detect, err, err_len) != 0 ||
        scripts_run_sync(redis, &script_deletions_detect, &detect, &found, err, err_len) != 0 ||
        apply_args(config, sweep, found, &apply, &count, err, err_len) != 0)
        goto cleanup;
    if (count > 0 &&
        (scripts_run_sync(redis, &script_deletions_apply, &apply, &applied, err, err_len) != 0 ||
         apply_parse(applied, count, out, err, err_len) != 0))
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(found);
    freeReplyObject(applied);
    redis_args_free(&detect);
    redis_args_free(&apply);
    return rc;
}

/* The loop's sweep: detect, then apply what it found, one call after the other. */
struct sweep_call {
    struct redis_async *redis;
    const struct netra_config *config;
    struct deletions_sweep sweep; /* account and how copied below */
    char *account, *how;
    size_t count;
    deletions_sweep_fn *fn;
    void *data;
};

static void sweep_end(struct sweep_call *call, const struct deletions_counts *counts,
                      const char *error)
{
    call->fn(counts, error, call->data);
    free(call->account);
    free(call->how);
    free(call);
}

static void on_applied(struct redis_async *redis, redisReply *reply, const char *error,
                       void *data)
{
    (void)redis;
    struct sweep_call *call = *(struct sweep_call **)data;
    char message[NETRA_ERR_LEN];
    struct deletions_counts counts;
    if (error == NULL &&
        apply_parse(reply, call->count, &counts, message, sizeof(message)) != 0)
        error = message;
    sweep_end(call, error == NULL ? &counts : NULL, error);
}

static void on_detected(struct redis_async *redis, redisReply *reply, const char *error,
                        void *data)
{
    struct sweep_call *call = *(struct sweep_call **)data;
    char message[NETRA_ERR_LEN];
    struct redis_args apply;
    const struct deletions_counts none = {0, 0, 0};
    redis_args_init(&apply);
    if (error != NULL) {
        sweep_end(call, NULL, error);
    } else if (apply_args(call->config, &call->sweep, reply, &apply, &call->count, message,
                          sizeof(message)) != 0) {
        sweep_end(call, NULL, message);
    } else if (call->count == 0) {
        sweep_end(call, &none, NULL);
    } else if (redis_call_send(redis, &script_deletions_apply, &apply, on_applied, &call,
                               sizeof(call), message, sizeof(message), "deletions of %s",
                               call->account) != 0) {
        sweep_end(call, NULL, message);
    }
    redis_args_free(&apply);
}

int deletions_sweep_async(struct redis_async *redis, const struct netra_config *config,
                          const struct deletions_sweep *sweep, deletions_sweep_fn *fn, void *data,
                          char *err, size_t err_len)
{
    struct redis_args detect;
    int rc = -1;
    redis_args_init(&detect);
    struct sweep_call *call = calloc(1, sizeof(*call));
    if (call == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    call->redis = redis;
    call->config = config;
    call->fn = fn;
    call->data = data;
    call->account = strdup(sweep->account != NULL ? sweep->account : "");
    call->how = strdup(sweep->how != NULL ? sweep->how : "");
    if (call->account == NULL || call->how == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    call->sweep = *sweep;
    call->sweep.account = call->account;
    call->sweep.how = call->how;
    if (detect_args(config, &call->sweep, &detect, err, err_len) != 0 ||
        redis_call_send(redis, &script_deletions_detect, &detect, on_detected, &call,
                        sizeof(call), err, err_len, "deletions of %s", call->account) != 0)
        goto cleanup;
    call = NULL;
    rc = 0;

cleanup:
    if (call != NULL) {
        free(call->account);
        free(call->how);
        free(call);
    }
    redis_args_free(&detect);
    return rc;
}
