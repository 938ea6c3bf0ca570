/* Deleted posts: what netra queued for an account and a listing no longer shows.
 *
 * Index (per account, on its shard): shown:<account> post id -> created (ms), listed:<account>
 * post id -> stamp of the last listing that showed it. Each page of a post crawl indexes its own
 * posts (kind post, reply or quote: a repost carries the reposted post's time, so it would bend
 * the window) under the listing's stamp (its start, Unix ms, unique per account). Members older
 * than retention.unflagged_days leave it; both keys expire that long after the last listing.
 *
 * Sweep, only after a listing that completed (every page 2xx and parsed, no max_pages cut, not
 * a rescan): the listing covered every post created after after_ms (the caller decides: the
 * last own post it listed, or the time a check listing paged back to). Known posts created
 * after after_ms that it did not show are deleted, first missed at stamp, last seen at the stamp
 * of the last listing that showed them; at most DELETIONS_SWEEP_MAX per sweep, the rest found by
 * the next. Each leaves the index, in one script per sweep:
 *   under a case (queue/cases.h)  the case gets deleted_at (= stamp), deleted_last_seen and
 *                                 deleted_how once, its evidence untouched; an audit entry
 *                                 "case.deleted_after_flag"; a pending case's review priority
 *                                 rises by boost (partisan thousandths, as the priority counts)
 *   under none                    result:<id> and the stream entry it names are deleted; seen:<id>
 *                                 stays, so the id stays deduplicated, and deleted:<id> (JSON:
 *                                 deleted_at, last_seen, how) lives as long as it does; a post
 *                                 with a tombstone is not indexed again.
 * A post not yet scored has no result: its stream entry is left to the worker, whose case (if
 * any) is then opened for a post already gone.
 *
 * Strings given are borrowed. */
#ifndef NETRA_QUEUE_DELETIONS_H
#define NETRA_QUEUE_DELETIONS_H

#include <stddef.h>

#include "config/config.h"
#include "queue/post_message.h"
#include "queue/redis_async.h"
#include "queue/redis_cmd.h"
#include "queue/redis_sync.h"

/* Posts per index call (a page's publish calls are as large). */
#define DELETIONS_PAGE_MAX 256
/* Deletions applied per sweep: bounds one script's time; a mass deletion takes a few crawls. */
#define DELETIONS_SWEEP_MAX 64

/* 1 when a post message belongs in the index: an own post with an id and a created_at. */
int deletions_indexable(const struct post_message *message);
/* created_at (RFC 3339 UTC, "2026-03-01T08:00:00Z", fraction optional) in Unix ms. */
int deletions_time_ms(const char *rfc3339, long long *ms, char *err, size_t err_len);

/* The index call of the indexable messages among count (others are left out; a call with none
 * still drops members past retention). */
int deletions_index_args(const struct netra_config *config, const char *account,
                         long long stamp_ms, const struct post_message *const *messages,
                         size_t count, struct redis_args *call, char *err, size_t err_len);
int deletions_index(struct redis_sync *redis, const struct netra_config *config,
                    const char *account, long long stamp_ms,
                    const struct post_message *const *messages, size_t count, char *err,
                    size_t err_len);
typedef void deletions_index_fn(const char *error, void *data);
/* -1 with err when the call cannot be built or sent; otherwise fn is called once. */
int deletions_index_async(struct redis_async *redis, const struct netra_config *config,
                          const char *account, long long stamp_ms,
                          const struct post_message *const *messages, size_t count,
                          deletions_index_fn *fn, void *data, char *err, size_t err_len);

struct deletions_sweep {
    const char *account;
    long long stamp_ms; /* the completed listing's */
    long long after_ms; /* it covered every post created after this */
    const char *how;    /* "listing" or "check listing": recorded in the case and tombstone */
};

struct deletions_counts {
    long long detected; /* missing posts that left the index */
    long long flagged;  /* of them, under a case */
    long long purged;   /* of them, under none: purged */
};

int deletions_sweep(struct redis_sync *redis, const struct netra_config *config,
                    const struct deletions_sweep *sweep, struct deletions_counts *out, char *err,
                    size_t err_len);
/* counts NULL with error when a call failed (then the sweep wrote nothing or all of what it
 * applied); -1 with err when the first call cannot be sent, otherwise fn is called once. */
typedef void deletions_sweep_fn(const struct deletions_counts *counts, const char *error,
                                void *data);
int deletions_sweep_async(struct redis_async *redis, const struct netra_config *config,
                          const struct deletions_sweep *sweep, deletions_sweep_fn *fn, void *data,
                          char *err, size_t err_len);

#endif
