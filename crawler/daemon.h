/* The crawler daemon's state, shared by its two parts: crawler.c (the loop, claiming due
 * accounts, heartbeats, shutdown) and rescans.c (rescan requests). Not a public interface:
 * netra-crawler's is crawler.h.
 *
 * Work is counted so the daemon never takes more than crawler.max_in_flight crawls: `active`
 * crawls run, `reserved` are being claimed or begun. `pending` counts the Redis calls that must
 * be answered before the connections may close (claims and rescan requests to hand back or
 * finish), so a shutdown loses nothing it could still write. */
#ifndef NETRA_CRAWLER_DAEMON_H
#define NETRA_CRAWLER_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "config/config.h"
#include "crawler/crawl.h"
#include "queue/redis_async.h"
#include "queue/rescan.h"

#define CRAWLER_NAME_MAX 128

enum crawler_state { CRAWLER_RUNNING, CRAWLER_DRAINING, CRAWLER_CLOSING };

/* One crawl the daemon runs: a scheduled one, or a rescan's (rescan != NULL). */
struct running {
    struct crawler *crawler;
    struct crawl *crawl;
    char *account;
    struct rescan_run *rescan;
    struct running *prev, *next;
};

/* A rescan request from its stream until it is acknowledged. */
struct rescan_run {
    struct rescan_request request; /* owned copies */
    int shard;
    struct rescan_counts counts;
    uint64_t touched_at; /* uv_now() of the last idle reset of its stream entry */
    struct rescan_run *next; /* in the waiting list, while its account is busy */
};

/* The accounts whose last crawl here failed, sorted, for the "accounts_backing_off" count. */
struct account_set {
    char **ids;
    size_t count, capacity;
};

struct shard_link {
    char *url;
    struct redis_async *redis;
};

struct crawler {
    const struct netra_config *config;
    char name[CRAWLER_NAME_MAX + 1]; /* heartbeat name, lease owner, rescan consumer */
    uv_loop_t *loop;
    enum crawler_state state;

    struct crawl_counters counters;
    struct crawl_context context;
    struct crawl_platforms *platforms;
    struct shard_link *links; /* one per distinct Redis URL */
    size_t link_count;
    struct redis_async **shard_redis; /* per shard, into links */

    uv_timer_t poll_timer, heartbeat_timer, grace_timer;
    uv_signal_t sigterm, sigint;

    int polling;    /* a poll round is going through the shards */
    int poll_first; /* the shard it started with */
    int poll_again; /* a claim came back full: more may be due */
    size_t active, reserved, pending;
    struct running *running;
    struct rescan_run *waiting;
    size_t waiting_count;
    struct account_set backing_off;
    int beating;

    long long crawls_ok, crawls_failed, rescans_done, rescans_failed;
};

/* Crawls that may still start now. */
size_t crawler_capacity(const struct crawler *crawler);

/* Starts a crawl of a claimed account (rescan NULL) or of a rescan whose lease is taken (the
 * run then belongs to the crawl until rescans_ended()). When it cannot start (out of memory, or
 * the daemon is stopping) the lease is handed back and -1 returned. */
int crawler_start_crawl(struct crawler *crawler, const char *account, const char *token,
                        struct rescan_run *rescan);

/* Closes the daemon once draining and nothing is left to wait for. */
void crawler_maybe_close(struct crawler *crawler);

/* rescans.c: one shard's new and stale requests, then next(crawler, shard) — always, once. */
typedef void crawler_step_fn(struct crawler *crawler, int shard);
void rescans_poll(struct crawler *crawler, int shard, crawler_step_fn *next);
/* Tries the waiting requests again, as capacity allows; keeps long rescans from going stale. */
void rescans_retry_waiting(struct crawler *crawler);
void rescans_touch_running(struct crawler *crawler);
/* Forgets the waiting requests (shutdown): another crawler takes them over once stale. */
void rescans_drop_waiting(struct crawler *crawler);
/* A rescan's crawl reported a page, or ended. */
void rescans_progress(struct crawler *crawler, struct rescan_run *run,
                      const struct crawl_result *result);
void rescans_ended(struct crawler *crawler, struct rescan_run *run,
                   const struct crawl_result *result);
void rescan_run_free(struct rescan_run *run);

#endif
