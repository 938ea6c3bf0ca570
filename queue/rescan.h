/* On-demand rescans of one account ("this account was reported to us").
 *
 * `netra rescan` writes the progress hash rescan:<rid> (status "queued") and then appends a
 * request {rid, account, since} to the rescan stream of the account's shard. Crawlers read that
 * stream through the consumer group "crawlers": rescan_read_async() first takes over requests
 * left idle for long in a consumer that stopped, then reads new ones. A crawler begins a request
 * by taking the account's schedule lease (rescan_begin_async(): a rescan and a scheduled crawl
 * of one account never run at once; a busy account is tried again later), reports progress into
 * rescan:<rid> as pages come in, ends it ("done" or "failed") and acknowledges the entry. A
 * request whose progress already ended is not run twice.
 *
 * Progress fields: account, since (Unix s), status (queued | running | done | failed), created,
 * started, finished (Unix ms), crawler, pages, posts_new, posts_seen, errors, error. The hash
 * expires retention.unflagged_days after its last write.
 *
 * Everything works on the account's shard: pass that shard's connection. Structs here own their
 * strings: rescan_requests_free(), rescan_progress_free(). */
#ifndef NETRA_QUEUE_RESCAN_H
#define NETRA_QUEUE_RESCAN_H

#include <stddef.h>

#include "config/config.h"
#include "queue/redis_async.h"
#include "queue/redis_sync.h"

#define RESCAN_GROUP "crawlers"
#define RESCAN_ID_MAX 64
#define RESCAN_ENTRY_ID_LEN 48

struct rescan_request {
    char entry_id[RESCAN_ENTRY_ID_LEN]; /* the stream entry, to acknowledge */
    char *rid;        /* NULL when the entry is malformed */
    char *account;    /* NULL when the entry is malformed */
    long long since_s;
    char *error;      /* why it is malformed; NULL when rid and account are set */
};

struct rescan_requests {
    struct rescan_request *items;
    size_t count;
};

void rescan_requests_free(struct rescan_requests *requests);

struct rescan_counts {
    long long pages;
    long long posts_new;  /* versions appended to the posts stream */
    long long posts_seen; /* posts read, new or not */
    long long errors;
};

struct rescan_progress {
    char *account;
    char *status;
    char *crawler;
    char *error;
    long long since_s;
    long long created_ms, started_ms, finished_ms;
    struct rescan_counts counts;
    long long scored, suspects; /* counted up by the workers as they score the rescan's posts */
};

void rescan_progress_free(struct rescan_progress *progress);

/* A fresh request id, "r<Unix ms>-<8 random hex digits>". */
int rescan_new_id(char out[RESCAN_ID_MAX + 1], char *err, size_t err_len);
/* 1 when id can name a request: [A-Za-z0-9._-], 1..RESCAN_ID_MAX bytes. */
int rescan_id_valid(const char *id);

/* Writes the progress (status queued) and appends the request. since_s > 0. */
int rescan_queue(struct redis_sync *redis, const struct netra_config *config, const char *rid,
                 const char *account, long long since_s, char *err, size_t err_len);

/* *found = 0 when there is no such progress (never queued, or expired). */
int rescan_progress_get(struct redis_sync *redis, const struct netra_config *config,
                        const char *account, const char *rid, struct rescan_progress *out,
                        int *found, char *err, size_t err_len);

/* Up to max requests for consumer: those idle over stale_ms in any consumer first, then new
 * ones. Creates the group when missing. The requests in the callback are the callee's
 * (freed after it returns); NULL with error on failure. */
typedef void rescan_read_fn(struct rescan_requests *requests, const char *error, void *data);
int rescan_read_async(struct redis_async *redis, const struct netra_config *config, int shard,
                      const char *consumer, int max, long long stale_ms, rescan_read_fn *fn,
                      void *data, char *err, size_t err_len);

enum rescan_begin_result {
    RESCAN_TAKEN,      /* the lease is ours (token, lease_until) and the status is running */
    RESCAN_BUSY,       /* someone holds the account's lease: try again later */
    RESCAN_FINISHED,   /* it already ended: only acknowledge it */
    RESCAN_NO_ACCOUNT, /* the account is not on the watchlist */
};
typedef void rescan_begin_fn(enum rescan_begin_result result, const char *token,
                             long long lease_until_ms, const char *error, void *data);
/* owner as for sched_claim_due; crawler is the name shown in the progress. */
int rescan_begin_async(struct redis_async *redis, const struct netra_config *config,
                       const struct rescan_request *request, const char *owner,
                       const char *crawler, rescan_begin_fn *fn, void *data, char *err,
                       size_t err_len);

/* Writes the counts; with status "done" or "failed" also the end (finished, error when not
 * NULL). status NULL leaves the request running. */
typedef void rescan_written_fn(const char *error, void *data);
int rescan_report_async(struct redis_async *redis, const struct netra_config *config,
                        const char *account, const char *rid, const struct rescan_counts *counts,
                        const char *status, const char *error, rescan_written_fn *fn, void *data,
                        char *err, size_t err_len);

/* Acknowledges an entry; touch instead resets its idle time, so a long rescan that is still
 * running is not taken over as stale. */
int rescan_ack_async(struct redis_async *redis, const struct netra_config *config, int shard,
                     const char *entry_id, rescan_written_fn *fn, void *data, char *err,
                     size_t err_len);
int rescan_touch_async(struct redis_async *redis, const struct netra_config *config, int shard,
                       const char *consumer, const char *entry_id, rescan_written_fn *fn,
                       void *data, char *err, size_t err_len);

#endif
