#include "queue/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/audit.h"
#include "queue/cases.h"
#include "queue/keys.h"
#include "queue/redis_cmd.h"
#include "queue/redis_reply.h"
#include "queue/scripts.h"

/* Case ids taken from an index per round trip. */
#define PURGE_BATCH 256

#define DAY_MS 86400000.0

#define STRINGIFY(x) #x
#define TEXT_OF(x) STRINGIFY(x) /* a macro's value as text, for a script's source */

/* case, review, decided:dismissed, decided:confirmed, result, seen
 *   | case_id post_id why keep_confirmed expected_status drop_seen
 *   -> "purged" | "kept" (confirmed, keep_confirmed) | "absent" | "already" (a tombstone)
 *    | "changed" (its status is no longer expected_status, or its post is not post_id)
 * The tombstone keeps what the case's chain links (one per version of its post, queue/cases.h)
 * cover and nothing that names a person. */
static const struct redis_script script_case_purge = {
    "case_purge",
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local c = redis.call('HMGET', KEYS[1], 'status', 'post_id', 'evidence', 'raw_sha256',\n"
    "  'message_sha256', 'fetched_at', 'chain_position', 'chain_id', 'chain', 'created')\n"
    "if not c[1] then\n"
    "  redis.call('ZREM', KEYS[3], ARGV[1])\n"
    "  redis.call('ZREM', KEYS[4], ARGV[1])\n"
    "  return 'absent'\n"
    "end\n"
    "if c[1] == 'purged' then return 'already' end\n"
    "if ARGV[4] == '1' and c[1] == 'confirmed' then return 'kept' end\n"
    "if (ARGV[5] ~= '' and c[1] ~= ARGV[5]) or c[2] ~= ARGV[2] then return 'changed' end\n"
    "local function s(v) if v then return v end return '' end\n"
    "local versions = math.min(tonumber(redis.call('HGET', KEYS[1], 'versions')) or 1,\n"
    "                         " TEXT_OF(CASES_MAX_VERSIONS) ")\n"
    "local later = {}\n"
    "for k = 2, versions do\n"
    "  for _, name in ipairs({'evidence', 'raw_sha256', 'message_sha256', 'fetched_at',\n"
    "                         'chain_position', 'chain_id', 'chain'}) do\n"
    "    local field = 'v' .. k .. '.' .. name\n"
    "    later[#later + 1] = field\n"
    "    later[#later + 1] = s(redis.call('HGET', KEYS[1], field))\n"
    "  end\n"
    "end\n"
    "redis.call('DEL', KEYS[1])\n"
    "redis.call('HSET', KEYS[1], 'id', ARGV[1], 'status', 'purged', 'purged_from', c[1],\n"
    "  'purged_at', now, 'purged_why', ARGV[3], 'evidence', s(c[3]), 'raw_sha256', s(c[4]),\n"
    "  'message_sha256', s(c[5]), 'fetched_at', s(c[6]), 'chain_position', s(c[7]),\n"
    "  'chain_id', s(c[8]), 'chain', s(c[9]), 'created', s(c[10]), 'versions', versions)\n"
    "if #later > 0 then redis.call('HSET', KEYS[1], unpack(later)) end\n"
    "redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "redis.call('ZREM', KEYS[3], ARGV[1])\n"
    "redis.call('ZREM', KEYS[4], ARGV[1])\n"
    "redis.call('DEL', KEYS[5])\n"
    "if ARGV[6] == '1' then redis.call('DEL', KEYS[6]) end\n"
    "return 'purged'\n",
};

/* acct, sched, lease, engage, engage:lease, follows, shown, listed | id remove_account dry_run
 *   -> {follows members, schedule entries, account removed} */
static const struct redis_script script_account_forget = {
    "account_forget",
    "local follows = redis.call('ZCARD', KEYS[6])\n"
    "local schedules = 0\n"
    "if redis.call('ZSCORE', KEYS[2], ARGV[1]) then schedules = schedules + 1 end\n"
    "if redis.call('ZSCORE', KEYS[4], ARGV[1]) then schedules = schedules + 1 end\n"
    "local account = 0\n"
    "if ARGV[2] == '1' then account = redis.call('EXISTS', KEYS[1]) end\n"
    "if ARGV[3] == '1' then return {follows, schedules, account} end\n"
    "redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "redis.call('HDEL', KEYS[3], ARGV[1])\n"
    "redis.call('ZREM', KEYS[4], ARGV[1])\n"
    "redis.call('HDEL', KEYS[5], ARGV[1])\n"
    "redis.call('DEL', KEYS[6], KEYS[7], KEYS[8])\n"
    "if ARGV[2] == '1' then redis.call('DEL', KEYS[1]) end\n"
    "return {follows, schedules, account}\n",
};

enum purge_result { PURGE_DONE, PURGE_KEPT, PURGE_SKIPPED };

struct case_purge {
    const char *case_id;
    const char *post_id;
    const char *why;
    int keep_confirmed;
    const char *expected_status; /* "" for any */
    int drop_seen;
};

static long long lifetime_ms(double days)
{
    return (long long)(days * DAY_MS);
}

/* Turns one case into its tombstone, with its result (and seen key when asked). */
static int case_purge(struct redis_sync *redis, const struct netra_config *config, int shard,
                      const struct case_purge *purge, enum purge_result *out, char *err,
                      size_t err_len)
{
    const char *prefix = config->redis.key_prefix;
    char kase[KEYS_MAX_LEN], review[KEYS_MAX_LEN], dismissed[KEYS_MAX_LEN],
        confirmed[KEYS_MAX_LEN], result[KEYS_MAX_LEN], seen[KEYS_MAX_LEN];
    struct redis_args call;
    redisReply *reply = NULL;
    int rc = -1;
    redis_args_init(&call);
    if (keys_case(kase, sizeof(kase), prefix, shard, purge->case_id, err, err_len) != 0 ||
        keys_review(review, sizeof(review), prefix, shard, err, err_len) != 0 ||
        keys_decided(dismissed, sizeof(dismissed), prefix, shard, "dismissed", err, err_len) !=
            0 ||
        keys_decided(confirmed, sizeof(confirmed), prefix, shard, "confirmed", err, err_len) !=
            0 ||
        keys_result(result, sizeof(result), prefix, shard, purge->post_id, err, err_len) != 0 ||
        keys_seen(seen, sizeof(seen), prefix, shard, purge->post_id, err, err_len) != 0)
        goto cleanup;
    const char *args[] = {kase, review, dismissed, confirmed, result, seen, purge->case_id,
                          purge->post_id, purge->why, purge->keep_confirmed ? "1" : "0",
                          purge->expected_status, purge->drop_seen ? "1" : "0"};
    redis_args_add_long(&call, 6);
    for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
        redis_args_add_str(&call, args[i]);
    if (redis_args_ok(&call, err, err_len) != 0 ||
        scripts_run_sync(redis, &script_case_purge, &call, &reply, err, err_len) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_STRING, 0, "case_purge", err, err_len) != 0)
        goto cleanup;
    *out = redis_reply_equals(reply, "purged") ? PURGE_DONE
           : redis_reply_equals(reply, "kept") ? PURGE_KEPT
                                               : PURGE_SKIPPED;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    redis_args_free(&call);
    return rc;
}

/* A case's post id; "" when the case is gone. */
static int case_post_id(struct redis_sync *redis, const struct netra_config *config, int shard,
                        const char *case_id, char *out, size_t out_len, char *err,
                        size_t err_len)
{
    char key[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    int rc = -1;
    out[0] = '\0';
    if (keys_case(key, sizeof(key), config->redis.key_prefix, shard, case_id, err, err_len) !=
            0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "HGET", key, "post_id", (char *)NULL) !=
            0 ||
        redis_reply_check(reply, "HGET case", err, err_len) != 0)
        goto cleanup;
    if (redis_reply_is_string(reply) && redis_reply_copy(reply, out, out_len) != 0) {
        error_set(err, err_len, "case %s: post id too long", case_id);
        goto cleanup;
    }
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

/* Purges the cases of one decided index whose decision is older than cutoff_ms. */
static int purge_decided(struct redis_sync *redis, const struct netra_config *config, int shard,
                         const char *status, long long cutoff_ms, long long *purged, char *err,
                         size_t err_len)
{
    char index[KEYS_MAX_LEN], max[32], why[64], batch[16];
    snprintf(max, sizeof(max), "(%lld", cutoff_ms);
    snprintf(batch, sizeof(batch), "%d", PURGE_BATCH);
    snprintf(why, sizeof(why), "retention.%s_days", status);
    if (keys_decided(index, sizeof(index), config->redis.key_prefix, shard, status, err,
                     err_len) != 0)
        return -1;
    for (;;) {
        redisReply *reply = NULL;
        if (redis_sync_commandv(redis, &reply, err, err_len, "ZRANGEBYSCORE", index, "-inf", max,
                                "LIMIT", "0", batch, (char *)NULL) != 0 ||
            redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "ZRANGEBYSCORE decided", err,
                               err_len) != 0) {
            freeReplyObject(reply);
            return -1;
        }
        size_t taken = reply->elements;
        for (size_t i = 0; i < reply->elements; i++) {
            char case_id[64], post_id[KEYS_MAX_LEN];
            enum purge_result result = PURGE_SKIPPED;
            struct case_purge purge = {case_id, post_id, why, 0, status, 0};
            int rc = 0;
            if (redis_reply_copy(reply->element[i], case_id, sizeof(case_id)) != 0)
                rc = error_set(err, err_len, "%s: a member is not a case id", index);
            if (rc == 0)
                rc = case_post_id(redis, config, shard, case_id, post_id, sizeof(post_id), err,
                                  err_len);
            /* A case already gone has nothing left to purge. */
            if (rc == 0 && post_id[0] != '\0')
                rc = case_purge(redis, config, shard, &purge, &result, err, err_len);
            /* A case that is gone or changed meanwhile (reopened, or no longer what its index
             * says) leaves the index here; a later decision puts it back. */
            if (rc == 0 && result == PURGE_SKIPPED)
                rc = redis_sync_integer(redis, &(long long){0}, err, err_len, "ZREM", index,
                                        case_id, (char *)NULL);
            if (rc != 0) {
                freeReplyObject(reply);
                return -1;
            }
            *purged += result == PURGE_DONE;
        }
        freeReplyObject(reply);
        if (taken < PURGE_BATCH)
            return 0;
    }
}

/* XTRIM key MINID cutoff: entries older than cutoff_ms. */
static int trim_before(struct redis_sync *redis, const char *key, long long cutoff_ms,
                       long long *trimmed, char *err, size_t err_len)
{
    char minid[32];
    snprintf(minid, sizeof(minid), "%lld-0", cutoff_ms);
    return redis_sync_integer(redis, trimmed, err, err_len, "XTRIM", key, "MINID", minid,
                              (char *)NULL);
}

static int audit_purge(struct redis_sync *redis, const struct netra_config *config, int shard,
                       const char *who, const char *action, const char *subject,
                       const char *details, char *err, size_t err_len)
{
    struct audit_entry entry = {who, "operator", action, subject, "cli", details};
    return audit_append(redis, config, shard, &entry, err, err_len);
}

int retention_purge_expired(struct redis_sync *redis, const struct netra_config *config,
                            int shard, const char *who, struct retention_expired *out, char *err,
                            size_t err_len)
{
    const struct netra_config *c = config;
    const char *prefix = c->redis.key_prefix;
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN], alerts[KEYS_MAX_LEN], audit[KEYS_MAX_LEN];
    char details[512];
    long long now;
    memset(out, 0, sizeof(*out));
    if (keys_shard_check(shard, c->redis.shards, err, err_len) != 0 ||
        keys_posts(posts, sizeof(posts), prefix, shard, err, err_len) != 0 ||
        keys_posts_dead(dead, sizeof(dead), prefix, shard, err, err_len) != 0 ||
        keys_alerts(alerts, sizeof(alerts), prefix, shard, err, err_len) != 0 ||
        keys_audit(audit, sizeof(audit), prefix, shard, err, err_len) != 0 ||
        redis_sync_time_ms(redis, &now, err, err_len) != 0)
        return -1;
    long long unflagged = now - (long long)c->retention.unflagged_days * 86400000LL;
    if (trim_before(redis, posts, unflagged, &out->posts, err, err_len) != 0 ||
        trim_before(redis, dead, unflagged, &out->dead_letters, err, err_len) != 0 ||
        purge_decided(redis, c, shard, "dismissed", now - lifetime_ms(c->retention.dismissed_days),
                      &out->dismissed_cases, err, err_len) != 0)
        return -1;
    if (c->retention.confirmed_days > 0) {
        long long cutoff = now - lifetime_ms(c->retention.confirmed_days);
        if (purge_decided(redis, c, shard, "confirmed", cutoff, &out->confirmed_cases, err,
                          err_len) != 0 ||
            trim_before(redis, alerts, cutoff, &out->alerts, err, err_len) != 0)
            return -1;
    }
    if (c->retention.audit_days > 0 &&
        trim_before(redis, audit, now - lifetime_ms(c->retention.audit_days), &out->audit, err,
                    err_len) != 0)
        return -1;
    if (out->posts + out->dead_letters + out->dismissed_cases + out->confirmed_cases +
            out->alerts + out->audit == 0)
        return 0;
    snprintf(details, sizeof(details),
             "{\"posts\":%lld,\"dead_letters\":%lld,\"dismissed_cases\":%lld,"
             "\"confirmed_cases\":%lld,\"alerts\":%lld,\"audit\":%lld}",
             out->posts, out->dead_letters, out->dismissed_cases, out->confirmed_cases,
             out->alerts, out->audit);
    return audit_purge(redis, c, shard, who, "purge.expired", "", details, err, err_len);
}

/* The part of a result key after "result:", or NULL when key does not start with result_prefix. */
static const char *result_post_id(const char *key, const char *result_prefix, size_t prefix_len)
{
    return strncmp(key, result_prefix, prefix_len) == 0 && key[prefix_len] != '\0'
               ? key + prefix_len
               : NULL;
}

/* One result of the account: its post forgotten unless a confirmed case holds it. */
static int purge_account_post(struct redis_sync *redis, const struct netra_config *config,
                              int shard, const struct retention_account_request *request,
                              const char *post_id, const char *case_id,
                              struct retention_account_counts *out, char *err, size_t err_len)
{
    const char *prefix = config->redis.key_prefix;
    char result[KEYS_MAX_LEN], seen[KEYS_MAX_LEN], status[32] = "";
    if (keys_result(result, sizeof(result), prefix, shard, post_id, err, err_len) != 0 ||
        keys_seen(seen, sizeof(seen), prefix, shard, post_id, err, err_len) != 0)
        return -1;
    if (case_id[0] != '\0') {
        char kase[KEYS_MAX_LEN];
        redisReply *reply = NULL;
        if (keys_case(kase, sizeof(kase), prefix, shard, case_id, err, err_len) != 0 ||
            redis_sync_commandv(redis, &reply, err, err_len, "HGET", kase, "status",
                                (char *)NULL) != 0 ||
            redis_reply_check(reply, "HGET case", err, err_len) != 0) {
            freeReplyObject(reply);
            return -1;
        }
        if (redis_reply_is_string(reply))
            redis_reply_copy(reply, status, sizeof(status));
        freeReplyObject(reply);
    }
    if (strcmp(status, "confirmed") == 0) {
        out->confirmed_kept++;
        return 0;
    }
    long long existed = 0;
    if (redis_sync_integer(redis, &existed, err, err_len, "EXISTS", seen, (char *)NULL) != 0)
        return -1;
    if (request->dry_run) {
        out->results++;
        out->seen += existed;
        out->cases += status[0] != '\0' && strcmp(status, "purged") != 0;
        return 0;
    }
    if (status[0] != '\0' && strcmp(status, "purged") != 0) {
        enum purge_result done = PURGE_SKIPPED;
        struct case_purge purge = {case_id, post_id, "purge.account", 1, "", 1};
        if (case_purge(redis, config, shard, &purge, &done, err, err_len) != 0)
            return -1;
        if (done == PURGE_KEPT) { /* confirmed since it was read */
            out->confirmed_kept++;
            return 0;
        }
        out->cases += done == PURGE_DONE;
    }
    long long deleted = 0;
    if (redis_sync_integer(redis, &deleted, err, err_len, "DEL", result, seen, (char *)NULL) != 0)
        return -1;
    out->results++;
    out->seen += existed;
    return 0;
}

/* One SCAN step over pattern: *reply holds the keys found (element[1], an array; the caller
 * frees it) and cursor the next cursor ("0" when done). */
static int scan_step(struct redis_sync *redis, char *cursor, size_t cursor_len,
                     const char *pattern, redisReply **reply, char *err, size_t err_len)
{
    *reply = NULL;
    err[0] = '\0';
    if (redis_sync_commandv(redis, reply, err, err_len, "SCAN", cursor, "MATCH", pattern,
                            "COUNT", "1000", (char *)NULL) == 0 &&
        redis_reply_expect(*reply, REDIS_REPLY_ARRAY, 2, "SCAN", err, err_len) == 0 &&
        (*reply)->element[1]->type == REDIS_REPLY_ARRAY &&
        redis_reply_copy((*reply)->element[0], cursor, cursor_len) == 0)
        return 0;
    if (err[0] == '\0')
        error_set(err, err_len, "SCAN: unexpected reply");
    freeReplyObject(*reply);
    *reply = NULL;
    return -1;
}

/* The account's results in one SCAN batch. */
static int purge_account_batch(struct redis_sync *redis, const struct netra_config *config,
                               int shard, const struct retention_account_request *request,
                               const redisReply *batch, const char *result_prefix,
                               struct retention_account_counts *out, char *err, size_t err_len)
{
    size_t prefix_len = strlen(result_prefix);
    for (size_t i = 0; i < batch->elements; i++) {
        char key[KEYS_MAX_LEN], case_id[64] = "";
        redisReply *reply = NULL;
        if (redis_reply_copy(batch->element[i], key, sizeof(key)) != 0)
            continue;
        const char *post_id = result_post_id(key, result_prefix, prefix_len);
        if (post_id == NULL)
            continue;
        if (redis_sync_commandv(redis, &reply, err, err_len, "HMGET", key, "account", "case",
                                (char *)NULL) != 0 ||
            redis_reply_expect(reply, REDIS_REPLY_ARRAY, 2, "HMGET result", err, err_len) != 0) {
            freeReplyObject(reply);
            return -1;
        }
        int ours = redis_reply_equals(reply->element[0], request->account);
        if (redis_reply_is_string(reply->element[1]))
            redis_reply_copy(reply->element[1], case_id, sizeof(case_id));
        freeReplyObject(reply);
        if (ours && purge_account_post(redis, config, shard, request, post_id, case_id, out, err,
                                       err_len) != 0)
            return -1;
    }
    return 0;
}

static int account_forget(struct redis_sync *redis, const struct netra_config *config, int shard,
                          const struct retention_account_request *request,
                          struct retention_account_counts *out, char *err, size_t err_len)
{
    const char *prefix = config->redis.key_prefix, *id = request->account;
    char acct[KEYS_MAX_LEN], sched[KEYS_MAX_LEN], lease[KEYS_MAX_LEN], engage[KEYS_MAX_LEN],
        engage_lease[KEYS_MAX_LEN], follows[KEYS_MAX_LEN], shown[KEYS_MAX_LEN],
        listed[KEYS_MAX_LEN];
    struct redis_args call;
    redisReply *reply = NULL;
    int rc = -1;
    redis_args_init(&call);
    if (keys_acct(acct, sizeof(acct), prefix, shard, id, err, err_len) != 0 ||
        keys_sched(sched, sizeof(sched), prefix, shard, err, err_len) != 0 ||
        keys_lease(lease, sizeof(lease), prefix, shard, err, err_len) != 0 ||
        keys_engage(engage, sizeof(engage), prefix, shard, err, err_len) != 0 ||
        keys_engage_lease(engage_lease, sizeof(engage_lease), prefix, shard, err, err_len) != 0 ||
        keys_follows(follows, sizeof(follows), prefix, shard, id, err, err_len) != 0 ||
        keys_shown(shown, sizeof(shown), prefix, shard, id, err, err_len) != 0 ||
        keys_listed(listed, sizeof(listed), prefix, shard, id, err, err_len) != 0)
        goto cleanup;
    const char *args[] = {acct,   sched, lease,  engage, engage_lease,
                          follows, shown, listed, id,     request->remove_account ? "1" : "0",
                          request->dry_run ? "1" : "0"};
    redis_args_add_long(&call, 8);
    for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
        redis_args_add_str(&call, args[i]);
    if (redis_args_ok(&call, err, err_len) != 0 ||
        scripts_run_sync(redis, &script_account_forget, &call, &reply, err, err_len) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 3, "account_forget", err, err_len) != 0)
        goto cleanup;
    if (redis_reply_integer(reply->element[0], &out->follows) != 0 ||
        redis_reply_integer(reply->element[1], &out->schedules) != 0 ||
        redis_reply_integer(reply->element[2], &out->account_removed) != 0) {
        error_set(err, err_len, "account_forget: unexpected reply");
        goto cleanup;
    }
    rc = 0;

cleanup:
    freeReplyObject(reply);
    redis_args_free(&call);
    return rc;
}

int retention_purge_account(struct shards *shards, const struct netra_config *config,
                            const struct retention_account_request *request,
                            struct retention_account_counts *out, char *err, size_t err_len)
{
    const char *prefix = config->redis.key_prefix;
    char pattern[KEYS_MAX_LEN], result_prefix[KEYS_MAX_LEN], cursor[32] = "0", details[512];
    memset(out, 0, sizeof(*out));
    if (request->account == NULL || request->account[0] == '\0')
        return error_set(err, err_len, "purge: no account given");
    int shard = keys_shard(request->account, config->redis.shards);
    struct redis_sync *redis = shards_get(shards, shard);
    /* result:<post id> with an empty post id names the prefix every result key starts with. */
    if (keys_result_pattern(pattern, sizeof(pattern), prefix, shard, err, err_len) != 0 ||
        keys_result(result_prefix, sizeof(result_prefix), prefix, shard, "x", err, err_len) != 0)
        return -1;
    result_prefix[strlen(result_prefix) - 1] = '\0';
    do {
        redisReply *reply = NULL;
        if (scan_step(redis, cursor, sizeof(cursor), pattern, &reply, err, err_len) != 0)
            return -1;
        int rc = purge_account_batch(redis, config, shard, request, reply->element[1],
                                     result_prefix, out, err, err_len);
        freeReplyObject(reply);
        if (rc != 0)
            return -1;
    } while (strcmp(cursor, "0") != 0);
    if (account_forget(redis, config, shard, request, out, err, err_len) != 0)
        return -1;
    if (request->dry_run)
        return 0;
    snprintf(details, sizeof(details),
             "{\"results\":%lld,\"seen\":%lld,\"cases\":%lld,\"confirmed_kept\":%lld,"
             "\"follows\":%lld,\"schedules\":%lld,\"account_removed\":%lld}",
             out->results, out->seen, out->cases, out->confirmed_kept, out->follows,
             out->schedules, out->account_removed);
    return audit_purge(redis, config, shard, request->who, "purge.account", request->account,
                       details, err, err_len);
}

/* Length of a stream and the time of its first entry. */
static int stream_holding(struct redis_sync *redis, const char *key, struct retention_holding *out,
                          char *err, size_t err_len)
{
    redisReply *reply = NULL;
    out->oldest_ms = 0;
    if (redis_sync_integer(redis, &out->count, err, err_len, "XLEN", key, (char *)NULL) != 0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "XRANGE", key, "-", "+", "COUNT", "1",
                            (char *)NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "XRANGE", err, err_len) != 0) {
        freeReplyObject(reply);
        return -1;
    }
    char id[EVIDENCE_ID_LEN];
    if (reply->elements > 0 && reply->element[0]->type == REDIS_REPLY_ARRAY &&
        reply->element[0]->elements >= 1 &&
        redis_reply_copy(reply->element[0]->element[0], id, sizeof(id)) == 0)
        out->oldest_ms = strtoll(id, NULL, 10);
    freeReplyObject(reply);
    return 0;
}

/* Size of a zset and, when with_oldest, its lowest score (a time in ms). */
static int zset_holding(struct redis_sync *redis, const char *key, int with_oldest,
                        struct retention_holding *out, char *err, size_t err_len)
{
    redisReply *reply = NULL;
    out->oldest_ms = 0;
    if (redis_sync_integer(redis, &out->count, err, err_len, "ZCARD", key, (char *)NULL) != 0)
        return -1;
    if (!with_oldest)
        return 0;
    if (redis_sync_commandv(redis, &reply, err, err_len, "ZRANGE", key, "0", "0", "WITHSCORES",
                            (char *)NULL) != 0 ||
        redis_reply_expect_pairs(reply, "ZRANGE", err, err_len) != 0) {
        freeReplyObject(reply);
        return -1;
    }
    char score[64];
    if (reply->elements == 2 && redis_reply_copy(reply->element[1], score, sizeof(score)) == 0)
        out->oldest_ms = (long long)strtod(score, NULL);
    freeReplyObject(reply);
    return 0;
}

/* Results counted by a SCAN of at most RETENTION_STATUS_SCAN_MAX keys. */
static int results_holding(struct redis_sync *redis, const char *pattern,
                           struct retention_holding *out, int *exact, char *err, size_t err_len)
{
    char cursor[32] = "0";
    long long examined = 0;
    out->count = 0;
    out->oldest_ms = 0;
    do {
        redisReply *reply = NULL;
        if (scan_step(redis, cursor, sizeof(cursor), pattern, &reply, err, err_len) != 0)
            return -1;
        out->count += (long long)reply->element[1]->elements;
        freeReplyObject(reply);
        examined += 1000;
    } while (strcmp(cursor, "0") != 0 && examined < RETENTION_STATUS_SCAN_MAX);
    *exact = strcmp(cursor, "0") == 0;
    return 0;
}

int retention_holdings_read(struct redis_sync *redis, const struct netra_config *config,
                            int shard, struct retention_holdings *out, char *err,
                            size_t err_len)
{
    const char *prefix = config->redis.key_prefix;
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN], results[KEYS_MAX_LEN], review[KEYS_MAX_LEN],
        dismissed[KEYS_MAX_LEN], confirmed[KEYS_MAX_LEN], evidence[KEYS_MAX_LEN],
        alerts[KEYS_MAX_LEN], audit[KEYS_MAX_LEN];
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    if (keys_shard_check(shard, config->redis.shards, err, err_len) != 0 ||
        keys_posts(posts, sizeof(posts), prefix, shard, err, err_len) != 0 ||
        keys_posts_dead(dead, sizeof(dead), prefix, shard, err, err_len) != 0 ||
        keys_result_pattern(results, sizeof(results), prefix, shard, err, err_len) != 0 ||
        keys_review(review, sizeof(review), prefix, shard, err, err_len) != 0 ||
        keys_decided(dismissed, sizeof(dismissed), prefix, shard, "dismissed", err, err_len) !=
            0 ||
        keys_decided(confirmed, sizeof(confirmed), prefix, shard, "confirmed", err, err_len) !=
            0 ||
        keys_evidence(evidence, sizeof(evidence), prefix, shard, err, err_len) != 0 ||
        keys_alerts(alerts, sizeof(alerts), prefix, shard, err, err_len) != 0 ||
        keys_audit(audit, sizeof(audit), prefix, shard, err, err_len) != 0)
        return -1;
    if (stream_holding(redis, posts, &out->posts, err, err_len) != 0 ||
        stream_holding(redis, dead, &out->dead_letters, err, err_len) != 0 ||
        results_holding(redis, results, &out->results, &out->results_exact, err, err_len) != 0 ||
        zset_holding(redis, review, 0, &out->pending_cases, err, err_len) != 0 ||
        zset_holding(redis, dismissed, 1, &out->dismissed_cases, err, err_len) != 0 ||
        zset_holding(redis, confirmed, 1, &out->confirmed_cases, err, err_len) != 0 ||
        stream_holding(redis, evidence, &out->evidence_links, err, err_len) != 0 ||
        stream_holding(redis, alerts, &out->alerts, err, err_len) != 0 ||
        stream_holding(redis, audit, &out->audit, err, err_len) != 0)
        return -1;
    return 0;
}

int retention_is_tombstone(const char *status)
{
    return status != NULL && strcmp(status, "purged") == 0;
}

int retention_tombstone_check(const char *raw_sha256, const char *message_sha256,
                              const char *evidence, char *why, size_t why_len)
{
    char computed[EVIDENCE_HASH_LEN + 1];
    if (!evidence_hex_valid(raw_sha256) || !evidence_hex_valid(message_sha256) ||
        !evidence_hex_valid(evidence))
        return error_set(why, why_len, "the purged case's hashes are missing or malformed");
    evidence_hash(raw_sha256, message_sha256, computed);
    if (strcmp(computed, evidence) != 0)
        return error_set(why, why_len, "the purged case's hashes do not make up its evidence");
    return 0;
}
