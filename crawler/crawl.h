/* One crawl of one account: a state machine on the loop, holding the account's schedule lease.
 *
 *   read acct:<id> -> [look up the native id, store it] -> page: build the request, fetch,
 *   parse, publish every post (dedup) -> next page ... -> save the account's crawl state ->
 *   finish the lease with the next due time.
 *
 * The cursor advances only when every page's posts are in the stream (a crawl cut short by an
 * error, crawler.max_pages or a stop stores none, and the next crawl repeats what dedup then
 * absorbs). A rescan is bounded by crawler.rescan_max_pages instead. Feeds are fetched conditionally (ETag / Last-Modified; 304 = nothing new). While it
 * runs, the crawl extends its lease every schedule.lease_ms / 3; a lease found lost stops it
 * before its next request, writing nothing.
 *
 * How a crawl ends, and when its account is due again:
 *   done, not modified, truncated (max pages), paused (an operator's status): the account's
 *     interval; a failure: crawler.backoff_min_s doubled per consecutive failure up to
 *     backoff_max_s, jittered, at least schedule.min_interval_s; rate limited (429): when the
 *     platform says, not counted as a failure; gone (404, 410, or the adapter says so): status
 *     "gone", looked at again after CRAWL_GONE_RECHECK_MS (so is a schedule entry whose
 *     account no longer exists, when the watchlist did not take it off); stopped: due now.
 *   A rescan (since_s > 0) pages back to since_s, never moves the cursor or the validators, does
 *   not count failures against the account, and hands the account back due now.
 * An answer other than 2xx is shown to the adapter only to learn whether the account is gone.
 *
 * An engagement crawl (job schedule SCHED_ENGAGE, from the engage schedule) is the same machine
 * run over a list of listings instead of one: the platform's engagement adapters whose
 * platforms.<p>.follows / .likes are on, one after the other, each with its own page loop,
 * engagement.max_pages and cursor (acct:<id> field cursor:<adapter name>, stored when that
 * listing completes), on the platform's fetch engine, so posts and engagement share its
 * politeness. A follow listing's pages go to the followed set (queue/follows.h): only new
 * follows are published, and only a listing that completes removes the unfollowed; likes are
 * published like posts (dedup by seen keys). A listing cut short by max pages is left there and
 * the next one runs; any other failure ends the crawl. The crawl writes only its own fields
 * (native_id, cursor:<name>, engage_last_fetch, engage_last_ok, engage_last_error,
 * engage_error_count): it backs off on engage_error_count like a post crawl on error_count, and
 * never changes the account's post-crawl status. Its due time counts from
 * engagement.interval_s; with no listing switched on it ends paused.
 *
 * Deleted posts (queue/deletions.h): every page of a post crawl indexes its own posts under the
 * listing's stamp, and a listing that completes (not a rescan) that showed at least one own post
 * sweeps: the known posts created after the last one it showed, and not shown, are deleted. A
 * listing cut short by anything sweeps nothing. Mastodon, X and Bluesky crawls list only what is
 * newer than their cursor (since_id, or paging down to it), a window that rarely holds a post
 * deleted later, so every crawler.deletion_check_s one crawl of such an account is a check
 * listing instead: the adapter is asked as a rescan would (since_s =
 * crawler.deletion_window_s ago: the cursor ignored and not moved), and its sweep covers
 * everything created after that time. It is chosen only when the account's last successful
 * crawl is inside that window, so it never skips posts a crawl after a long gap must read. A
 * failed sweep is logged, and the next complete listing finds the same posts again.
 *
 * The done callback runs exactly once, from the loop, after the state is saved and the lease
 * finished (or found impossible); the crawl frees itself once it returns. All calls from the
 * loop's thread. */
#ifndef NETRA_CRAWLER_CRAWL_H
#define NETRA_CRAWLER_CRAWL_H

#include <stddef.h>

#include <uv.h>

#include "config/config.h"
#include "crawler/platforms.h"
#include "queue/redis_async.h"
#include "queue/sched.h"

/* A week: a deleted or suspended account is looked at again in case it comes back. */
#define CRAWL_GONE_RECHECK_MS (7LL * 86400 * 1000)
/* Listings one crawl reads: posts have one, a platform's engagement at most a few. */
#define CRAWL_MAX_LISTINGS 4

enum crawl_error_kind {
    CRAWL_ERROR_NONE,
    CRAWL_ERROR_TIMEOUT,
    CRAWL_ERROR_CONNECT,
    CRAWL_ERROR_TOO_BIG,
    CRAWL_ERROR_REDIRECT,
    CRAWL_ERROR_BAD_URL,
    CRAWL_ERROR_PROTOCOL,
    CRAWL_ERROR_HTTP_4XX,
    CRAWL_ERROR_HTTP_5XX,
    CRAWL_ERROR_PARSE,
    CRAWL_ERROR_REQUEST, /* the adapter could not build a request (bad handle, no token, ...) */
    CRAWL_ERROR_REDIS,
    CRAWL_ERROR_MAX_PAGES,
    CRAWL_ERROR_KINDS,
};

/* "timeout", "http_5xx", ... as heartbeat counters name them. */
const char *crawl_error_kind_name(enum crawl_error_kind kind);

/* Counters every crawl adds to; the daemon owns them and reports them in its heartbeat. */
struct crawl_counters {
    long long fetches_2xx, fetches_3xx, fetches_4xx, fetches_5xx, fetches_failed;
    long long bytes;
    long long posts_new, posts_changed, posts_duplicate, items_skipped;
    long long rate_limited, gone;
    /* Engagement crawls: those that ended done or truncated, and failed; new follows, members
     * removed from followed sets, likes appended. */
    long long engagement_ok, engagement_failed;
    long long follows_new, follows_removed, likes_new;
    /* Posts a complete listing no longer showed (queue/deletions.h): all, those under a case,
     * those purged. */
    long long deletions_detected, deleted_flagged, deleted_purged;
    long long errors[CRAWL_ERROR_KINDS];
};

enum crawl_outcome {
    CRAWL_DONE,
    CRAWL_NOT_MODIFIED,
    CRAWL_TRUNCATED,
    CRAWL_FAILED,
    CRAWL_RATE_LIMITED,
    CRAWL_GONE,
    CRAWL_PAUSED,
    CRAWL_REMOVED,    /* no longer on the watchlist: nothing written but the due time */
    CRAWL_STOPPED,    /* crawl_stop(): the lease released */
    CRAWL_LEASE_LOST, /* nothing written */
};

struct crawl_result {
    enum crawl_outcome outcome;
    enum crawl_error_kind error_kind;
    char error[512]; /* what went wrong, naming the account; "" when nothing did */
    long long pages;
    long long posts_new;  /* versions appended to the stream: new posts and edits, new follows
                           * and likes */
    long long posts_seen; /* posts (follows, likes) read, new or not */
    long long items_skipped;
};

/* What every crawl of one daemon shares; it must outlive the crawls. */
struct crawl_context {
    const struct netra_config *config;
    uv_loop_t *loop;
    struct crawl_platforms *platforms;
    struct crawl_counters *counters;
};

struct crawl_job {
    enum sched_kind schedule;   /* SCHED_POSTS, or SCHED_ENGAGE for an engagement crawl */
    const char *account;        /* copied */
    struct redis_async *redis;  /* the account's shard; must outlive the crawl */
    const char *token;          /* the lease's; copied */
    long long since_s;          /* > 0: a rescan back to this Unix time */
    const char *rescan_id;      /* copied; set on every post of a rescan */
};

struct crawl;

/* progress after each page of posts is in the stream; done once at the end. */
typedef void crawl_progress_fn(const struct crawl_result *so_far, void *data);
typedef void crawl_done_fn(const struct crawl_result *result, void *data);

/* 0 when done will be called; -1 with err (and no callback) when out of memory or when the
 * first Redis call cannot be sent. */
int crawl_start(const struct crawl_context *context, const struct crawl_job *job,
                crawl_progress_fn *progress, crawl_done_fn *done, void *data,
                struct crawl **out, char *err, size_t err_len);

/* Ends the crawl at its next step (a fetch in flight is waited for, or cancelled by closing the
 * fetch engines): the account's state is saved and its lease released. */
void crawl_stop(struct crawl *crawl);

#endif
