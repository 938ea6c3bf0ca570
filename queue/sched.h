/* The schedules of each shard, zsets with member account id and score the next due time in
 * Unix milliseconds: sched (post crawls) and engage (follows and likes), each with its own lease
 * hash (lease, engage:lease), so an account's two kinds of crawl are claimed, leased and finished
 * apart. Every call names the schedule it works on; both follow the same rules below.
 *
 * Claims are leases. sched_claim_due() takes up to `max` due accounts in one script, moves each
 * one's score to now + schedule.lease_ms and records a token naming this claim in the shard's
 * lease hash; two claimers never hold the same account, and an account whose holder died is
 * due again when the lease ends. Finishing a claim (complete: next due = now + interval +/-
 * schedule.jitter_pct; release: due again now) needs the token and a lease that has not ended,
 * so a late completion of an expired or re-claimed lease is refused. Every "now" in a script is
 * the Redis server's clock.
 *
 * Every call here works on one shard: pass that shard's connection. A struct sched_claims owns
 * its strings: sched_claims_free(). */
#ifndef NETRA_QUEUE_SCHED_H
#define NETRA_QUEUE_SCHED_H

#include <stddef.h>

#include "config/config.h"
#include "queue/redis_async.h"
#include "queue/redis_cmd.h"
#include "queue/redis_sync.h"

#define SCHED_TOKEN_MAX 256

enum sched_kind {
    SCHED_POSTS,  /* sched, lease */
    SCHED_ENGAGE, /* engage, engage:lease */
};

/* "sched" or "engage", as keys and logs name them. */
const char *sched_kind_name(enum sched_kind kind);

struct sched_claim {
    char *account; /* watchlist id */
    char *token;   /* hand back to sched_complete / sched_release */
};

struct sched_claims {
    struct sched_claim *items;
    size_t count;
    int shard;
    long long now_ms;         /* server time of the claim */
    long long lease_until_ms; /* when these leases end */
};

void sched_claims_free(struct sched_claims *claims);

enum sched_finish_result {
    SCHED_FINISHED = 1,
    SCHED_REFUSED = 0,        /* not the lease holder, or the lease is over */
    SCHED_ACCOUNT_GONE = -1,  /* removed while it was held */
};

/* Due now or at due_ms (Unix ms): ZADD, or ZADD NX when only_if_absent. */
int sched_set_due(struct redis_sync *redis, const struct netra_config *config, enum sched_kind kind,
                  const char *account, long long due_ms, int only_if_absent, char *err,
                  size_t err_len);

/* The claim call (numkeys key... arg...), built once for both paths. owner names the claimer
 * (e.g. "crawler-host-pid") and goes into tokens: no '/' in it, at most 128 bytes. */
int sched_claim_args(const struct netra_config *config, enum sched_kind kind, int shard,
                     const char *owner, int max, struct redis_args *call, char *err,
                     size_t err_len);
int sched_claim_parse(const redisReply *reply, int shard, struct sched_claims *out, char *err,
                      size_t err_len);
int sched_claim_due(struct redis_sync *redis, const struct netra_config *config,
                    enum sched_kind kind, int shard, const char *owner, int max,
                    struct sched_claims *out, char *err, size_t err_len);

/* Finishing call for one account: delay_ms after now it is due again. complete picks the delay
 * from interval_s (<= 0: schedule.default_interval_s; at least schedule.min_interval_s) with
 * jitter; release uses 0. */
int sched_complete_delay_ms(const struct netra_config *config, int interval_s);
int sched_finish_args(const struct netra_config *config, enum sched_kind kind, const char *account,
                      const char *token, long long delay_ms, struct redis_args *call, char *err,
                      size_t err_len);
int sched_complete(struct redis_sync *redis, const struct netra_config *config,
                   enum sched_kind kind, const char *account, const char *token, int interval_s,
                   enum sched_finish_result *result, char *err, size_t err_len);
int sched_release(struct redis_sync *redis, const struct netra_config *config, enum sched_kind kind,
                  const char *account, const char *token, enum sched_finish_result *result,
                  char *err, size_t err_len);

/* The loop's versions. claims in the callback are the callee's (freed after it returns).
 * Each returns -1 with err when it cannot be sent; otherwise its fn is called once. */
typedef void sched_claim_fn(struct sched_claims *claims, const char *error, void *data);
typedef void sched_finish_fn(enum sched_finish_result result, const char *error, void *data);
int sched_claim_due_async(struct redis_async *redis, const struct netra_config *config,
                          enum sched_kind kind, int shard, const char *owner, int max,
                          sched_claim_fn *fn, void *data, char *err, size_t err_len);
/* delay_ms from sched_complete_delay_ms() to complete, 0 to release. */
int sched_finish_async(struct redis_async *redis, const struct netra_config *config,
                       enum sched_kind kind, const char *account, const char *token,
                       long long delay_ms, sched_finish_fn *fn, void *data, char *err,
                       size_t err_len);

/* Moves the end of a live lease to now + schedule.lease_ms, for a crawl that runs long. fn gets
 * the new end (server ms), or 0 when the token no longer holds a live lease (then stop: the
 * account may already be someone else's). -1 with err when it cannot be sent. */
typedef void sched_extend_fn(long long lease_until_ms, const char *error, void *data);
int sched_extend_async(struct redis_async *redis, const struct netra_config *config,
                       enum sched_kind kind, const char *account, const char *token,
                       sched_extend_fn *fn, void *data, char *err, size_t err_len);

/* Counts on one shard: scheduled accounts, those due at the server's now, and claims not yet
 * finished (including those whose lease ran out). */
struct sched_counts {
    long long scheduled;
    long long due;
    long long leased;
};
int sched_counts(struct redis_sync *redis, const struct netra_config *config, enum sched_kind kind,
                 int shard, struct sched_counts *out, char *err, size_t err_len);

/* Every scheduled account of one shard by due time; *out is the caller's: sched_entries_free(). */
struct sched_entry {
    char *account;
    long long due_ms;
};
int sched_list(struct redis_sync *redis, const struct netra_config *config, enum sched_kind kind,
               int shard, struct sched_entry **out, size_t *count, char *err, size_t err_len);
void sched_entries_free(struct sched_entry *entries, size_t count);

#endif
