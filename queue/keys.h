/* Redis key names: every key netra writes is named here and nowhere else.
 *
 * Account-bound keys carry the shard hash tag "{s<n>}" so that the keys one script touches
 * together live in the same Cluster slot and on the same shard Redis:
 *     <prefix>{s<n>}:<name>[:<suffix>]        e.g. netra:{s0}:posts, netra:{s3}:acct:pns-17
 * n = FNV-1a 32-bit (offset basis 2166136261, prime 16777619) of the account id's bytes, modulo
 * the shard count. This function decides where data lives: it must never change, or every
 * account moves to another shard.
 *
 * Process heartbeats belong to no shard: <prefix>proc:<name>, kept on shard 0's Redis.
 *
 * Every function writes a NUL-terminated name into out and returns 0, or -1 with err when the
 * name would not fit (KEYS_MAX_LEN) or a part is empty. */
#ifndef NETRA_QUEUE_KEYS_H
#define NETRA_QUEUE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_MAX_LEN 1024

uint32_t keys_fnv1a(const void *data, size_t len);
/* The shard of an account, 0..shards-1 (shards < 1 counts as 1). */
int keys_shard(const char *account_id, int shards);
/* 0 when 0 <= shard < shards (shards < 1 counts as 1), else -1 with err. */
int keys_shard_check(int shard, int shards, char *err, size_t err_len);

int keys_posts(char *out, size_t out_len, const char *prefix, int shard, char *err,
               size_t err_len);
int keys_posts_dead(char *out, size_t out_len, const char *prefix, int shard, char *err,
                    size_t err_len);
int keys_sched(char *out, size_t out_len, const char *prefix, int shard, char *err,
               size_t err_len);
/* Hash: account id -> claim token of the live lease. */
int keys_lease(char *out, size_t out_len, const char *prefix, int shard, char *err,
               size_t err_len);
/* The engagement schedule (zset engage: account id -> next due ms) and its leases (hash
 * engage:lease), kept apart from sched so follows and likes run on their own interval. */
int keys_engage(char *out, size_t out_len, const char *prefix, int shard, char *err,
                size_t err_len);
int keys_engage_lease(char *out, size_t out_len, const char *prefix, int shard, char *err,
                      size_t err_len);
/* Zset follows:<account id>: the native ids the account follows -> the listing that saw them. */
int keys_follows(char *out, size_t out_len, const char *prefix, int shard,
                 const char *account_id, char *err, size_t err_len);
int keys_seen(char *out, size_t out_len, const char *prefix, int shard, const char *post_id,
              char *err, size_t err_len);
int keys_acct(char *out, size_t out_len, const char *prefix, int shard, const char *account_id,
              char *err, size_t err_len);
/* The SCAN pattern matching every acct key of a shard (glob characters of the prefix escaped). */
int keys_acct_pattern(char *out, size_t out_len, const char *prefix, int shard, char *err,
                      size_t err_len);
int keys_proc(char *out, size_t out_len, const char *prefix, const char *name, char *err,
              size_t err_len);
int keys_proc_pattern(char *out, size_t out_len, const char *prefix, char *err, size_t err_len);

/* Stream of rescan requests of one shard, and the progress hash of one request (rescan:<rid>). */
int keys_rescan(char *out, size_t out_len, const char *prefix, int shard, char *err,
                size_t err_len);
int keys_rescan_progress(char *out, size_t out_len, const char *prefix, int shard,
                         const char *rescan_id, char *err, size_t err_len);

/* The account id back from an acct key, the process name from a proc key (pointers into key),
 * or NULL when key is not one. */
const char *keys_acct_id(const char *key, const char *prefix, int shard);
const char *keys_proc_name(const char *key, const char *prefix);

/* Scoring and evidence, all on the post's account's shard so one script writes them together:
 * result:<post id> (hash), case:<cid> (hash), review (zset of case ids by priority), evidence
 * (stream: the hash chain of the shard's cases) and evidence:head (hash: the chain's last link). */
int keys_result(char *out, size_t out_len, const char *prefix, int shard, const char *post_id,
                char *err, size_t err_len);
int keys_case(char *out, size_t out_len, const char *prefix, int shard, const char *case_id,
              char *err, size_t err_len);
int keys_review(char *out, size_t out_len, const char *prefix, int shard, char *err,
                size_t err_len);
int keys_evidence(char *out, size_t out_len, const char *prefix, int shard, char *err,
                  size_t err_len);
int keys_evidence_head(char *out, size_t out_len, const char *prefix, int shard, char *err,
                       size_t err_len);

/* netra-desk. alerts: stream of confirmed findings of a shard (the feeds); audit: stream of
 * reviewer and operator acts of a shard (shard 0 holds those tied to no account); session:<id
 * hash> (hash): one console login, on shard 0's Redis, belonging to no shard like proc:. */
int keys_alerts(char *out, size_t out_len, const char *prefix, int shard, char *err,
                size_t err_len);
int keys_audit(char *out, size_t out_len, const char *prefix, int shard, char *err,
               size_t err_len);
int keys_session(char *out, size_t out_len, const char *prefix, const char *session_hash,
                 char *err, size_t err_len);

/* SCAN patterns matching every case:<cid> and every result:<post id> of a shard (netra-desk's
 * listings and stats). */
int keys_case_pattern(char *out, size_t out_len, const char *prefix, int shard, char *err,
                      size_t err_len);
int keys_result_pattern(char *out, size_t out_len, const char *prefix, int shard, char *err,
                        size_t err_len);

/* netra-desk's webhook deliveries to one receiver (webhook_id: desk/webhook.h), per shard:
 * webhook:<id> (hash: alert entry id -> state of a delivery still being tried) and
 * webhook:<id>:log (capped stream of finished deliveries). */
int keys_webhook(char *out, size_t out_len, const char *prefix, int shard, const char *webhook_id,
                 char *err, size_t err_len);
int keys_webhook_log(char *out, size_t out_len, const char *prefix, int shard,
                     const char *webhook_id, char *err, size_t err_len);

/* Retention's indexes of decided cases (queue/retention.h): decided:<status> (zset: case id ->
 * decision time, ms) for status "dismissed" and "confirmed", kept by the decide script. */
int keys_decided(char *out, size_t out_len, const char *prefix, int shard, const char *status,
                 char *err, size_t err_len);

/* Deletions (queue/deletions.h), on the account's shard: shown:<account id> (zset: post id ->
 * created, ms) and listed:<account id> (hash: post id -> stamp of the last listing that showed
 * it), the index of what netra queued; deleted:<post id> (string): the tombstone of a post
 * deleted under no case, beside its seen key. */
int keys_shown(char *out, size_t out_len, const char *prefix, int shard, const char *account_id,
               char *err, size_t err_len);
int keys_listed(char *out, size_t out_len, const char *prefix, int shard, const char *account_id,
                char *err, size_t err_len);
int keys_deleted(char *out, size_t out_len, const char *prefix, int shard, const char *post_id,
                 char *err, size_t err_len);

#endif
