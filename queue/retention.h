/* Retention: forgetting what netra no longer needs, on the lifetimes of the config's retention
 * section, and forgetting one account on an operator's request.
 *
 * Expiring by TTL where written: seen:<post id> and result:<post id> of posts no case holds
 * (unflagged_days), rescan progress, heartbeats, console sessions. Removed per shard by
 * retention_purge_expired() (`netra purge --expired`, daily from deploy/systemd/netra-purge.timer):
 *   posts, posts:dead   entries older than unflagged_days (XTRIM MINID)
 *   dismissed cases     dismissed more than dismissed_days ago (index decided:dismissed)
 *   confirmed cases     confirmed more than confirmed_days ago, when not 0 (decided:confirmed),
 *                       and alerts older than that (XTRIM MINID)
 *   audit               entries older than audit_days, when not 0 (XTRIM MINID)
 *
 * A purged case becomes a tombstone so its evidence chain stays verifiable: the hash keeps only
 * what its link covers (id, evidence, raw_sha256, message_sha256, fetched_at, chain_position,
 * chain_id, chain, created) and status "purged", purged_at (server ms), purged_from (the status
 * it had), purged_why; the post message, raw bytes, account, author, url, explanation and
 * decisions are deleted, with its result. retention_tombstone_check() tells a verifier whether a
 * tombstone still covers its link. Confirmed cases are never purged for an account, only by
 * their own lifetime.
 *
 * Audited on the shard purged, with the counts: "purge.expired" when it removed something (a
 * daily run that found nothing leaves no trace), "purge.account" every time but a dry run (an
 * operator asked). Times are the Redis server's. */
#ifndef NETRA_QUEUE_RETENTION_H
#define NETRA_QUEUE_RETENTION_H

#include <stddef.h>

#include "config/config.h"
#include "queue/evidence.h"
#include "queue/redis_sync.h"
#include "queue/shards.h"

/* Result keys examined at most by one status read: beyond, the count is a lower bound. */
#define RETENTION_STATUS_SCAN_MAX 100000

struct retention_expired {
    long long posts, dead_letters, dismissed_cases, confirmed_cases, alerts, audit;
};

/* Purges what outlived its lifetime on one shard. who names the operator in the audit entry. */
int retention_purge_expired(struct redis_sync *redis, const struct netra_config *config,
                            int shard, const char *who, struct retention_expired *out, char *err,
                            size_t err_len);

struct retention_account_request {
    const char *account;
    const char *who;
    int dry_run;        /* count, change nothing, audit nothing */
    int remove_account; /* also delete acct:<id>; else it stays, out of every schedule */
};

struct retention_account_counts {
    long long results;         /* result:<post id> deleted */
    long long seen;            /* seen:<post id> deleted */
    long long cases;           /* cases turned into tombstones */
    long long confirmed_kept;  /* confirmed cases left intact */
    long long follows;         /* members of the followed set deleted (its index of listed
                                * posts, shown/listed, goes too) */
    long long schedules;       /* schedule entries (sched, engage) removed */
    long long account_removed; /* 1 when acct:<id> was deleted */
};

/* Removes everything about request->account not under a confirmed case, on its shard. The
 * results are found by a full SCAN of the shard's result keys (an operator's command, not a
 * hot path). */
int retention_purge_account(struct shards *shards, const struct netra_config *config,
                            const struct retention_account_request *request,
                            struct retention_account_counts *out, char *err, size_t err_len);

/* What a shard holds, per kind, for netra status: count and the oldest item's time (Unix ms, 0
 * when none or unknown). Counts are exact (XLEN, ZCARD) except results, found by a SCAN bounded
 * by RETENTION_STATUS_SCAN_MAX (results_exact = 0 when it stopped there). */
struct retention_holding {
    long long count;
    long long oldest_ms;
};

struct retention_holdings {
    struct retention_holding posts, dead_letters, results, pending_cases, dismissed_cases,
        confirmed_cases, evidence_links, alerts, audit;
    int results_exact;
};

int retention_holdings_read(struct redis_sync *redis, const struct netra_config *config,
                            int shard, struct retention_holdings *out, char *err,
                            size_t err_len);

/* For a verifier: 1 when a case's status says it is a tombstone. */
int retention_is_tombstone(const char *status);
/* 0 when a tombstone's stored hashes still make up evidence (SHA-256(raw_sha256 ||
 * message_sha256) = evidence, each 64 hex digits), else -1 with why. */
int retention_tombstone_check(const char *raw_sha256, const char *message_sha256,
                              const char *evidence, char *why, size_t why_len);

#endif
