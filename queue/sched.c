#include "queue/sched.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/redis_call.h"
#include "queue/scripts.h"

void sched_claims_free(struct sched_claims *claims)
{
    for (size_t i = 0; i < claims->count; i++) {
        free(claims->items[i].account);
        free(claims->items[i].token);
    }
    free(claims->items);
    memset(claims, 0, sizeof(*claims));
}

const char *sched_kind_name(enum sched_kind kind)
{
    return kind == SCHED_ENGAGE ? "engage" : "sched";
}

/* The names of a shard's keys, one function per schedule. */
typedef int shard_key_fn(char *out, size_t out_len, const char *prefix, int shard, char *err,
                         size_t err_len);

static int shard_keys(const struct netra_config *config, enum sched_kind kind, int shard,
                      char sched[KEYS_MAX_LEN], char lease[KEYS_MAX_LEN], char *err,
                      size_t err_len)
{
    shard_key_fn *schedule = kind == SCHED_ENGAGE ? keys_engage : keys_sched;
    shard_key_fn *leases = kind == SCHED_ENGAGE ? keys_engage_lease : keys_lease;
    if (keys_shard_check(shard, config->redis.shards, err, err_len) != 0 ||
        schedule(sched, KEYS_MAX_LEN, config->redis.key_prefix, shard, err, err_len) != 0)
        return -1;
    return leases(lease, KEYS_MAX_LEN, config->redis.key_prefix, shard, err, err_len);
}

int sched_set_due(struct redis_sync *redis, const struct netra_config *config, enum sched_kind kind,
                  const char *account, long long due_ms, int only_if_absent, char *err,
                  size_t err_len)
{
    char sched[KEYS_MAX_LEN], lease[KEYS_MAX_LEN];
    struct redis_args args;
    redisReply *reply = NULL;
    int rc = -1;
    redis_args_init(&args);
    if (shard_keys(config, kind, keys_shard(account, config->redis.shards), sched, lease, err,
                   err_len) != 0)
        goto cleanup;
    redis_args_add_str(&args, "ZADD");
    redis_args_add_str(&args, sched);
    if (only_if_absent)
        redis_args_add_str(&args, "NX");
    redis_args_add_long(&args, due_ms);
    redis_args_add_str(&args, account);
    if (redis_sync_command(redis, &args, 0, &reply, err, err_len) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_INTEGER, 0, "ZADD", err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    redis_args_free(&args);
    return rc;
}

int sched_claim_args(const struct netra_config *config, enum sched_kind kind, int shard,
                     const char *owner, int max, struct redis_args *call, char *err,
                     size_t err_len)
{
    char sched[KEYS_MAX_LEN], lease[KEYS_MAX_LEN];
    if (owner == NULL || owner[0] == '\0' || strlen(owner) > 128 || strchr(owner, '/') != NULL)
        return error_set(err, err_len, "claim: owner must be 1..128 bytes without '/'");
    if (max < 1)
        return error_set(err, err_len, "claim: max must be at least 1");
    if (shard_keys(config, kind, shard, sched, lease, err, err_len) != 0)
        return -1;
    redis_args_add_str(call, "2");
    redis_args_add_str(call, sched);
    redis_args_add_str(call, lease);
    redis_args_add_str(call, owner);
    redis_args_add_long(call, max);
    redis_args_add_long(call, config->schedule.lease_ms);
    return redis_args_ok(call, err, err_len);
}

int sched_claim_parse(const redisReply *reply, int shard, struct sched_claims *out, char *err,
                      size_t err_len)
{
    memset(out, 0, sizeof(*out));
    out->shard = shard;
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 3, "claim", err, err_len) != 0)
        return -1;
    const redisReply *pairs = reply->element[2];
    if (redis_reply_integer(reply->element[0], &out->now_ms) != 0 ||
        redis_reply_integer(reply->element[1], &out->lease_until_ms) != 0)
        return error_set(err, err_len, "claim: unexpected reply");
    if (redis_reply_expect_pairs(pairs, "claim", err, err_len) != 0)
        return -1;
    if (pairs->elements == 0)
        return 0;
    out->items = calloc(pairs->elements / 2, sizeof(*out->items));
    if (out->items == NULL)
        return error_set(err, err_len, "out of memory");
    for (size_t i = 0; i + 1 < pairs->elements; i += 2) {
        struct sched_claim *claim = &out->items[out->count];
        claim->account = redis_reply_strdup(pairs->element[i]);
        claim->token = redis_reply_strdup(pairs->element[i + 1]);
        out->count++;
        if (claim->account == NULL || claim->token == NULL) {
            sched_claims_free(out);
            return error_set(err, err_len, "claim: unexpected reply or out of memory");
        }
    }
    return 0;
}

int sched_claim_due(struct redis_sync *redis, const struct netra_config *config,
                    enum sched_kind kind, int shard, const char *owner, int max,
                    struct sched_claims *out, char *err, size_t err_len)
{
    struct redis_args call;
    redisReply *reply = NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    redis_args_init(&call);
    if (sched_claim_args(config, kind, shard, owner, max, &call, err, err_len) != 0 ||
        scripts_run_sync(redis, &script_sched_claim, &call, &reply, err, err_len) != 0 ||
        sched_claim_parse(reply, shard, out, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    redis_args_free(&call);
    return rc;
}

int sched_complete_delay_ms(const struct netra_config *config, int interval_s)
{
    if (interval_s <= 0)
        interval_s = config->schedule.default_interval_s;
    if (interval_s < config->schedule.min_interval_s)
        interval_s = config->schedule.min_interval_s;
    long long interval_ms = (long long)interval_s * 1000;
    long long spread = interval_ms * config->schedule.jitter_pct / 100;
    long long delay = interval_ms;
    if (spread > 0)
        delay += random() % (2 * spread + 1) - spread;
    if (delay < (long long)config->schedule.min_interval_s * 1000)
        delay = (long long)config->schedule.min_interval_s * 1000;
    return delay > 0x7fffffff ? 0x7fffffff : (int)delay;
}

int sched_finish_args(const struct netra_config *config, enum sched_kind kind, const char *account,
                      const char *token, long long delay_ms, struct redis_args *call, char *err,
                      size_t err_len)
{
    char sched[KEYS_MAX_LEN], lease[KEYS_MAX_LEN];
    if (account == NULL || token == NULL || token[0] == '\0')
        return error_set(err, err_len, "finish: needs an account and its claim token");
    if (shard_keys(config, kind, keys_shard(account, config->redis.shards), sched, lease, err,
                   err_len) != 0)
        return -1;
    redis_args_add_str(call, "2");
    redis_args_add_str(call, sched);
    redis_args_add_str(call, lease);
    redis_args_add_str(call, account);
    redis_args_add_str(call, token);
    redis_args_add_long(call, delay_ms < 0 ? 0 : delay_ms);
    return redis_args_ok(call, err, err_len);
}

static int finish_parse(const redisReply *reply, enum sched_finish_result *result, char *err,
                        size_t err_len)
{
    long long code;
    if (redis_reply_integer(reply, &code) != 0 || code < -1 || code > 1)
        return error_set(err, err_len, "finish: unexpected reply");
    *result = (enum sched_finish_result)code;
    return 0;
}

static int sched_finish(struct redis_sync *redis, const struct netra_config *config,
                        enum sched_kind kind, const char *account, const char *token,
                        long long delay_ms, enum sched_finish_result *result, char *err,
                        size_t err_len)
{
    struct redis_args call;
    redisReply *reply = NULL;
    int rc = -1;
    redis_args_init(&call);
    if (sched_finish_args(config, kind, account, token, delay_ms, &call, err, err_len) != 0 ||
        scripts_run_sync(redis, &script_sched_finish, &call, &reply, err, err_len) != 0 ||
        finish_parse(reply, result, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    redis_args_free(&call);
    return rc;
}

int sched_complete(struct redis_sync *redis, const struct netra_config *config,
                   enum sched_kind kind, const char *account, const char *token, int interval_s,
                   enum sched_finish_result *result, char *err, size_t err_len)
{
    return sched_finish(redis, config, kind, account, token,
                        sched_complete_delay_ms(config, interval_s),
                        result, err, err_len);
}

int sched_release(struct redis_sync *redis, const struct netra_config *config, enum sched_kind kind,
                  const char *account, const char *token, enum sched_finish_result *result,
                  char *err, size_t err_len)
{
    return sched_finish(redis, config, kind, account, token, 0, result, err, err_len);
}

/* The async calls: one context shape, the reply parsed by the same functions as the sync path.
 * Exactly one of claim_fn and finish_fn is set. */
struct async_call {
    int shard;
    sched_claim_fn *claim_fn;
    sched_finish_fn *finish_fn;
    void *data;
};

static void on_async_reply(struct redis_async *redis, redisReply *reply, const char *error,
                           void *data)
{
    (void)redis;
    const struct async_call *call = data;
    char message[NETRA_ERR_LEN];
    if (call->claim_fn != NULL) {
        struct sched_claims claims;
        memset(&claims, 0, sizeof(claims));
        if (error == NULL && sched_claim_parse(reply, call->shard, &claims, message,
                                               sizeof(message)) != 0)
            error = message;
        call->claim_fn(error == NULL ? &claims : NULL, error, call->data);
        sched_claims_free(&claims);
    } else {
        enum sched_finish_result result = SCHED_REFUSED;
        if (error == NULL && finish_parse(reply, &result, message, sizeof(message)) != 0)
            error = message;
        call->finish_fn(result, error, call->data);
    }
}

int sched_claim_due_async(struct redis_async *redis, const struct netra_config *config,
                          enum sched_kind kind, int shard, const char *owner, int max,
                          sched_claim_fn *fn, void *data, char *err, size_t err_len)
{
    struct redis_args args;
    const struct async_call call = {shard, fn, NULL, data};
    redis_args_init(&args);
    int rc = sched_claim_args(config, kind, shard, owner, max, &args, err, err_len);
    if (rc == 0)
        rc = redis_call_send(redis, &script_sched_claim, &args, on_async_reply, &call,
                             sizeof(call), err, err_len, "claim");
    redis_args_free(&args);
    return rc;
}

int sched_finish_async(struct redis_async *redis, const struct netra_config *config,
                       enum sched_kind kind, const char *account, const char *token,
                       long long delay_ms, sched_finish_fn *fn, void *data, char *err,
                       size_t err_len)
{
    struct redis_args args;
    const struct async_call call = {0, NULL, fn, data};
    redis_args_init(&args);
    int rc = sched_finish_args(config, kind, account, token, delay_ms, &args, err, err_len);
    if (rc == 0)
        rc = redis_call_send(redis, &script_sched_finish, &args, on_async_reply, &call,
                             sizeof(call), err, err_len, "finish");
    redis_args_free(&args);
    return rc;
}

struct extend_call {
    sched_extend_fn *fn;
    void *data;
};

static void on_extend_reply(struct redis_async *redis, redisReply *reply, const char *error,
                            void *data)
{
    (void)redis;
    const struct extend_call *call = data;
    long long lease_until = 0;
    if (error == NULL && (redis_reply_integer(reply, &lease_until) != 0 || lease_until < 0))
        error = "extend: unexpected reply";
    call->fn(error == NULL ? lease_until : 0, error, call->data);
}

int sched_extend_async(struct redis_async *redis, const struct netra_config *config,
                       enum sched_kind kind, const char *account, const char *token,
                       sched_extend_fn *fn, void *data, char *err, size_t err_len)
{
    char sched[KEYS_MAX_LEN], lease[KEYS_MAX_LEN];
    struct redis_args args;
    const struct extend_call call = {fn, data};
    int rc = -1;
    redis_args_init(&args);
    if (account == NULL || token == NULL || token[0] == '\0') {
        error_set(err, err_len, "extend: needs an account and its claim token");
        goto cleanup;
    }
    if (shard_keys(config, kind, keys_shard(account, config->redis.shards), sched, lease, err,
                   err_len) != 0)
        goto cleanup;
    redis_args_add_str(&args, "2");
    redis_args_add_str(&args, sched);
    redis_args_add_str(&args, lease);
    redis_args_add_str(&args, account);
    redis_args_add_str(&args, token);
    redis_args_add_long(&args, config->schedule.lease_ms);
    rc = redis_call_send(redis, &script_sched_extend, &args, on_extend_reply, &call, sizeof(call),
                         err, err_len, "extend");

cleanup:
    redis_args_free(&args);
    return rc;
}

int sched_counts(struct redis_sync *redis, const struct netra_config *config, enum sched_kind kind,
                 int shard, struct sched_counts *out, char *err, size_t err_len)
{
    char sched[KEYS_MAX_LEN], lease[KEYS_MAX_LEN], now[24];
    long long now_ms, fields;
    memset(out, 0, sizeof(*out));
    if (shard_keys(config, kind, shard, sched, lease, err, err_len) != 0 ||
        redis_sync_time_ms(redis, &now_ms, err, err_len) != 0)
        return -1;
    snprintf(now, sizeof(now), "%lld", now_ms);
    if (redis_sync_integer(redis, &out->scheduled, err, err_len, "ZCARD", sched, (char *)NULL) != 0 ||
        redis_sync_integer(redis, &out->due, err, err_len, "ZCOUNT", sched, "-inf", now,
                           (char *)NULL) != 0 ||
        redis_sync_integer(redis, &fields, err, err_len, "HLEN", lease, (char *)NULL) != 0)
        return -1;
    /* Besides one field per claim not yet finished, the lease hash holds the "#seq" counter,
     * created with the first claim. */
    out->leased = fields > 0 ? fields - 1 : 0;
    return 0;
}

void sched_entries_free(struct sched_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(entries[i].account);
    free(entries);
}

/* netra writes whole milliseconds, but a score set by hand may be +inf ("never") or -inf, which
 * no long long holds: they read as the farthest time either way. */
static long long due_ms_of_score(double score)
{
    if (score >= 9.2e18)
        return LLONG_MAX;
    if (score <= -9.2e18)
        return LLONG_MIN;
    return (long long)score;
}

int sched_list(struct redis_sync *redis, const struct netra_config *config, enum sched_kind kind,
               int shard, struct sched_entry **out, size_t *count, char *err, size_t err_len)
{
    char sched[KEYS_MAX_LEN], lease[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    struct sched_entry *entries = NULL;
    size_t n = 0;
    int rc = -1;
    *out = NULL;
    *count = 0;
    if (shard_keys(config, kind, shard, sched, lease, err, err_len) != 0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "ZRANGE", sched, "0", "-1",
                            "WITHSCORES", (char *)NULL) != 0 ||
        redis_reply_expect_pairs(reply, "ZRANGE", err, err_len) != 0)
        goto cleanup;
    if (reply->elements > 0) {
        entries = calloc(reply->elements / 2, sizeof(*entries));
        if (entries == NULL) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
    }
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const redisReply *score = reply->element[i + 1];
        char text[64];
        if (redis_reply_copy(score, text, sizeof(text)) != 0) {
            error_set(err, err_len, "ZRANGE: unexpected score");
            goto cleanup;
        }
        entries[n].due_ms = due_ms_of_score(strtod(text, NULL));
        entries[n].account = redis_reply_strdup(reply->element[i]);
        if (entries[n++].account == NULL) {
            error_set(err, err_len, "ZRANGE: unexpected member or out of memory");
            goto cleanup;
        }
    }
    *out = entries;
    *count = n;
    entries = NULL;
    n = 0;
    rc = 0;

cleanup:
    sched_entries_free(entries, n);
    freeReplyObject(reply);
    return rc;
}
