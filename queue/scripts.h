/* netra's Lua scripts and how they are run.
 *
 * Each script is called with every key it touches in KEYS[] (all under one shard hash tag, so
 * they are valid on Cluster) and decides leases by the server clock (redis.call('TIME')), never
 * a client's. A call is described once, as `numkeys key... arg...` in a struct redis_args built
 * by the operation's own *_args() function, and run by either path below: EVALSHA first (the
 * SHA-1 of the source, computed here), EVAL on NOSCRIPT (a restarted or flushed Redis), which
 * also caches it again. scripts_load() does SCRIPT LOAD of every script up front.
 *
 * The scripts are static data; nothing here allocates what it returns except replies, which
 * are the caller's (sync) or borrowed for the callback (async). */
#ifndef NETRA_QUEUE_SCRIPTS_H
#define NETRA_QUEUE_SCRIPTS_H

#include <stddef.h>

#include "queue/redis_async.h"
#include "queue/redis_cmd.h"
#include "queue/redis_sync.h"

struct redis_script {
    const char *name;
    const char *source;
};

/* posts, seen:<id of post 1>, ..., seen:<id of post n> | retention_ms max_len
 *   (content_hash msg raw sha256){n} -> {0 unchanged|1 new|2 changed, stream id or ''}{n} */
extern const struct redis_script script_posts_publish;
/* posts, posts:dead | group max_len (id reason)... -> count moved */
extern const struct redis_script script_posts_dead_letter;
/* posts, posts:dead | group max_len consumer min_idle start count max_deliveries
 *   -> {next start, {{id, fields, deliveries}...}, count moved to dead} */
extern const struct redis_script script_posts_reclaim;
/* sched, lease | owner max lease_ms -> {now, lease_until, {id, token, ...}} */
extern const struct redis_script script_sched_claim;
/* sched, lease | id token delay_ms -> 1 done, 0 refused (not the holder or lease over), -1 gone */
extern const struct redis_script script_sched_finish;
/* sched, lease | id token lease_ms -> the lease's new end, or 0 (not the holder or lease over) */
extern const struct redis_script script_sched_extend;
/* rescan:<rid>, acct, sched, lease | id owner lease_ms crawler ttl_ms
 *   -> {"taken", token, lease_until} | {"busy"} | {"finished"} | {"no_account"} */
extern const struct redis_script script_rescan_begin;
/* rescan | group consumer max stale_ms -> {{id, fields}...}: stale entries taken over, then new */
extern const struct redis_script script_rescan_read;
/* rescan:<rid> | ttl_ms stamp_field (field value)... -> 1; stamp_field ("" for none) = now */
extern const struct redis_script script_rescan_write;
/* posts, follows:<account> | stamp max_len complete (target content msg raw sha256)...
 *   -> {0 known|1 new per message..., members removed} */
extern const struct redis_script script_follows_publish;
/* acct, sched, engage, follows:<id> | id platform handle name nip agency region interval engage
 *   -> 1 new, 0 existing */
extern const struct redis_script script_accounts_upsert;
/* acct, sched, lease, engage, engage:lease, follows:<id> | id -> 1 removed, 0 absent */
extern const struct redis_script script_accounts_remove;
/* acct | (field value)... -> 1 written, 0 no such hash (not recreated) */
extern const struct redis_script script_hash_update;
/* proc | ttl_s (field value)... -> 1; also sets last_seen (server ms) */
extern const struct redis_script script_heartbeat;

/* 40 hex digits and a NUL. */
void scripts_sha1(const struct redis_script *script, char out[41]);

/* SCRIPT LOAD of every script above. */
int scripts_load(struct redis_sync *redis, char *err, size_t err_len);

/* Runs script with call = numkeys key... arg... Returns 0 and *reply (never an error reply), or
 * -1 with err (the script's error reply included). */
int scripts_run_sync(struct redis_sync *redis, const struct redis_script *script,
                     const struct redis_args *call, redisReply **reply, char *err,
                     size_t err_len);

/* The same on the async connection: fn gets a non-error reply, or NULL and the error.
 * Returns -1 (fn not called) only when out of memory or closed. */
int scripts_run_async(struct redis_async *redis, const struct redis_script *script,
                      const struct redis_args *call, redis_async_fn *fn, void *data);

/* result, case, review, evidence, evidence:head [, rescan:<rid>] | entry ttl_ms open_case case_id
 *   prev chain evidence fetched_at priority n (field value){n/2 result} (field value)... case
 *   -> {"written", "none"|"created"|"existing", chain position} | {"duplicate", "none", 0}
 *    | {"moved", head chain, head position}: the chain head is not prev, nothing written */
extern const struct redis_script script_post_record;

/* shown:<account>, listed:<account>, deleted:<id 1>, ..., deleted:<id n> | stamp ttl_ms horizon
 *   (post id, created ms){n} -> members older than horizon dropped */
extern const struct redis_script script_deletions_index;
/* shown:<account>, listed:<account> | after_ms stamp limit -> {post id, last listed ms}... */
extern const struct redis_script script_deletions_detect;
/* shown, listed, review, posts, audit, (seen, result, case, deleted){n} | stamp boost ttl_ms how
 *   (post id, case id){n} -> {1 flagged|2 purged|0 no longer missing}{n} */
extern const struct redis_script script_deletions_apply;

#endif
