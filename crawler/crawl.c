#include "crawler/crawl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/log.h"
#include "queue/accounts.h"
#include "queue/deletions.h"
#include "queue/follows.h"
#include "queue/posts_stream.h"
#include "queue/redis_conn.h"
#include "queue/sched.h"

_Static_assert(DELETIONS_PAGE_MAX >= POSTS_PUBLISH_PAGE_MAX,
               "a page's publish call is indexed in one call");

/* A lookup answer that leads to another lookup would loop forever. */
#define MAX_LOOKUPS 1
/* A rate limit that says nothing of when it ends. */
#define RATE_LIMIT_DEFAULT_WAIT_MS 60000

static const char *const error_kind_names[CRAWL_ERROR_KINDS] = {
    [CRAWL_ERROR_NONE] = "none",         [CRAWL_ERROR_TIMEOUT] = "timeout",
    [CRAWL_ERROR_CONNECT] = "connect",   [CRAWL_ERROR_TOO_BIG] = "too_big",
    [CRAWL_ERROR_REDIRECT] = "redirect", [CRAWL_ERROR_BAD_URL] = "bad_url",
    [CRAWL_ERROR_PROTOCOL] = "protocol", [CRAWL_ERROR_HTTP_4XX] = "http_4xx",
    [CRAWL_ERROR_HTTP_5XX] = "http_5xx", [CRAWL_ERROR_PARSE] = "parse",
    [CRAWL_ERROR_REQUEST] = "request",   [CRAWL_ERROR_REDIS] = "redis",
    [CRAWL_ERROR_MAX_PAGES] = "max_pages",
};

const char *crawl_error_kind_name(enum crawl_error_kind kind)
{
    return kind >= 0 && kind < CRAWL_ERROR_KINDS ? error_kind_names[kind] : "unknown";
}

struct crawl {
    struct crawl_context context;
    enum sched_kind schedule;
    struct redis_async *redis;
    char *account_id, *token, *rescan_id;
    long long since_s;
    crawl_progress_fn *progress;
    crawl_done_fn *done;
    void *data;

    struct account *account; /* NULL until read */
    struct crawl_platform *platform;
    /* What the crawl reads, one listing after the other: the platform's adapter for posts, the
     * engagement adapters switched on for an engagement crawl. */
    const struct adapter *listings[CRAWL_MAX_LISTINGS];
    size_t listing_count, listing;
    const struct adapter *adapter; /* listings[listing] */
    long long listing_pages;
    long long listing_stamp; /* the followed set's stamp of this listing */
    int truncated;           /* a listing stopped at its max pages */
    long long check_since_s; /* > 0: a check listing back to this Unix time (not a rescan) */
    long long last_listed_ms; /* created, of the listing's last own post so far; -1: none */
    uv_timer_t lease_timer;
    int extending;      /* a lease extension is waiting for its reply */
    int lease_lost;
    int stopping;
    int ended;          /* done was called; freed once the timer is closed and no reply is due */
    int timer_closed;

    struct adapter_request built; /* the request in flight */
    int conditional;              /* it carries the account's validators */
    int lookups;
    char first_host[CRAWL_HOST_MAX];
    char key[CRAWL_KEY_MAX];
    char *page;       /* the next page, from the last parse */
    char *new_cursor; /* the last one a parse returned */
    char *etag, *last_modified; /* the first page's validators (feeds) */
    int have_validators;

    size_t publishing; /* publish replies still due for the current page */
    int publish_failed;
    char publish_error[256];

    struct crawl_result result;
};

static void next_request(struct crawl *crawl);

static long long wall_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void rfc3339_now(char out[32])
{
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &utc);
}

static int replace(char **slot, const char *value)
{
    char *copy = strdup(value != NULL ? value : "");
    if (copy == NULL)
        return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

/* ---- the end ------------------------------------------------------------------------------ */

static void maybe_free(struct crawl *crawl)
{
    if (!crawl->ended || !crawl->timer_closed || crawl->extending)
        return;
    account_free(crawl->account);
    adapter_request_free(&crawl->built);
    free(crawl->account_id);
    free(crawl->token);
    free(crawl->rescan_id);
    free(crawl->page);
    free(crawl->new_cursor);
    free(crawl->etag);
    free(crawl->last_modified);
    free(crawl);
}

static void on_timer_closed(uv_handle_t *handle)
{
    struct crawl *crawl = handle->data;
    crawl->timer_closed = 1;
    maybe_free(crawl);
}

static void end(struct crawl *crawl)
{
    crawl->ended = 1;
    crawl->done(&crawl->result, crawl->data);
    uv_timer_stop(&crawl->lease_timer);
    uv_close((uv_handle_t *)&crawl->lease_timer, on_timer_closed);
}

static void on_lease_finished(enum sched_finish_result result, const char *error, void *data)
{
    struct crawl *crawl = data;
    if (error != NULL)
        log_warn("account %s: cannot hand back its lease (it ends by itself): %s",
                 crawl->account_id, error);
    else if (result == SCHED_REFUSED && crawl->result.outcome != CRAWL_REMOVED)
        log_warn("account %s: its lease had already ended", crawl->account_id);
    end(crawl);
}

static int is_rescan(const struct crawl *crawl)
{
    return crawl->since_s > 0;
}

static int is_engagement(const struct crawl *crawl)
{
    return crawl->schedule == SCHED_ENGAGE;
}

/* A post crawl's listing tells which posts are gone; a rescan's or an engagement crawl's not. */
static int finds_deletions(const struct crawl *crawl)
{
    return !is_engagement(crawl) && !is_rescan(crawl);
}

/* What the adapter is told to page back to: a rescan's date, or a check listing's. */
static long long adapter_since_s(const struct crawl *crawl)
{
    return is_rescan(crawl) ? crawl->since_s : crawl->check_since_s;
}

/* The stored cursor of the listing being read. */
static const char *listing_cursor(const struct crawl *crawl)
{
    return is_engagement(crawl) ? account_cursor(crawl->account, crawl->adapter->name)
                                : crawl->account->cursor;
}

/* When the account is due again, counted from now; 0 hands it back due now. */
static long long next_due_delay_ms(const struct crawl *crawl, long long rate_limit_wait_ms)
{
    const struct netra_config *config = crawl->context.config;
    long long min_ms = (long long)config->schedule.min_interval_s * 1000;
    switch (crawl->result.outcome) {
    case CRAWL_RATE_LIMITED:
        return rate_limit_wait_ms > min_ms ? rate_limit_wait_ms : min_ms;
    case CRAWL_GONE:
    case CRAWL_REMOVED: /* a schedule entry left without its account: looked at rarely */
        return CRAWL_GONE_RECHECK_MS;
    case CRAWL_STOPPED:
        return 0;
    default:
        break;
    }
    if (is_rescan(crawl))
        return 0;
    if (crawl->result.outcome == CRAWL_FAILED) {
        /* The same capped, jittered doubling as Redis reconnects, once per failure in a row. */
        long long failures = crawl->account == NULL ? 1
                             : is_engagement(crawl) ? crawl->account->engage_error_count
                                                    : crawl->account->error_count;
        int doublings = failures <= 1 ? 0 : failures > 31 ? 30 : (int)failures - 1;
        long long delay = redis_backoff_ms(doublings, config->crawler.backoff_min_s * 1000,
                                           config->crawler.backoff_max_s * 1000);
        return delay > min_ms ? delay : min_ms;
    }
    if (is_engagement(crawl))
        return sched_complete_delay_ms(config, config->engagement.interval_s);
    return sched_complete_delay_ms(config, crawl->account != NULL ? crawl->account->interval_s : 0);
}

static void finish_lease(struct crawl *crawl, long long delay_ms)
{
    char err[NETRA_ERR_LEN];
    if (crawl->result.outcome == CRAWL_LEASE_LOST) {
        end(crawl);
        return;
    }
    if (sched_finish_async(crawl->redis, crawl->context.config, crawl->schedule, crawl->account_id,
                           crawl->token, delay_ms, on_lease_finished, crawl, err,
                           sizeof(err)) != 0) {
        log_warn("account %s: cannot hand back its lease (it ends by itself): %s",
                 crawl->account_id, err);
        end(crawl);
    }
}

struct saving {
    struct crawl *crawl;
    long long delay_ms;
};

static void on_saved(int found, const char *error, void *data)
{
    struct saving *saving = data;
    struct crawl *crawl = saving->crawl;
    long long delay_ms = saving->delay_ms;
    free(saving);
    if (error != NULL)
        log_warn("account %s: cannot save its crawl state: %s", crawl->account_id, error);
    else if (!found)
        crawl->result.outcome = CRAWL_REMOVED;
    finish_lease(crawl, delay_ms);
}

/* What an engagement crawl's outcome changes in acct:<id>: its own fields only (the cursors of
 * the listings that completed are already in the account). */
static void update_engagement(struct crawl *crawl, long long now)
{
    struct account *account = crawl->account;
    const struct crawl_result *result = &crawl->result;
    switch (result->outcome) {
    case CRAWL_DONE:
    case CRAWL_TRUNCATED:
        account->engage_last_ok_ms = now;
        account->engage_error_count = 0;
        break;
    case CRAWL_FAILED:
        account->engage_error_count++;
        break;
    case CRAWL_RATE_LIMITED:
    case CRAWL_GONE:
        break;
    default:
        return; /* stopped: only the native id and cursors may have changed */
    }
    account->engage_last_fetch_ms = now;
    if (replace(&account->engage_last_error, result->error) != 0)
        log_warn("account %s: out of memory updating its state", crawl->account_id);
}

/* What the outcome changes in acct:<id>. */
static void update_account(struct crawl *crawl, long long now)
{
    if (is_engagement(crawl)) {
        update_engagement(crawl, now);
        return;
    }
    struct account *account = crawl->account;
    const struct crawl_result *result = &crawl->result;
    int failed = 0;
    switch (result->outcome) {
    case CRAWL_DONE:
    case CRAWL_NOT_MODIFIED:
    case CRAWL_TRUNCATED:
        account->last_fetch_ms = now;
        account->last_ok_ms = now;
        if (replace(&account->status, "active") != 0 ||
            replace(&account->last_error, result->error) != 0)
            failed = 1;
        account->error_count = 0;
        if (!is_rescan(crawl) && result->outcome == CRAWL_DONE && crawl->new_cursor != NULL &&
            replace(&account->cursor, crawl->new_cursor) != 0)
            failed = 1;
        if (!is_rescan(crawl) && crawl->have_validators &&
            (replace(&account->etag, crawl->etag) != 0 ||
             replace(&account->last_modified, crawl->last_modified) != 0))
            failed = 1;
        break;
    case CRAWL_FAILED:
    case CRAWL_RATE_LIMITED:
        account->last_fetch_ms = now;
        if (replace(&account->last_error, result->error) != 0)
            failed = 1;
        if (result->outcome == CRAWL_FAILED && !is_rescan(crawl))
            account->error_count++;
        break;
    case CRAWL_GONE:
        account->last_fetch_ms = now;
        if (replace(&account->status, "gone") != 0 ||
            replace(&account->last_error, result->error) != 0)
            failed = 1;
        break;
    default:
        break; /* stopped: only the native id may have changed */
    }
    if (failed)
        log_warn("account %s: out of memory updating its state", crawl->account_id);
}

static void finish(struct crawl *crawl, long long rate_limit_wait_ms)
{
    char err[NETRA_ERR_LEN];
    /* From here on the lease is only handed back; extending it would only race that. */
    uv_timer_stop(&crawl->lease_timer);
    adapter_request_free(&crawl->built);
    enum crawl_outcome outcome = crawl->result.outcome;
    if (outcome == CRAWL_FAILED)
        crawl->context.counters->errors[crawl->result.error_kind]++;
    else if (outcome == CRAWL_TRUNCATED)
        crawl->context.counters->errors[CRAWL_ERROR_MAX_PAGES]++;
    else if (outcome == CRAWL_RATE_LIMITED)
        crawl->context.counters->rate_limited++;
    else if (outcome == CRAWL_GONE)
        crawl->context.counters->gone++;
    if (is_engagement(crawl) && (outcome == CRAWL_DONE || outcome == CRAWL_TRUNCATED))
        crawl->context.counters->engagement_ok++;
    else if (is_engagement(crawl) && outcome == CRAWL_FAILED)
        crawl->context.counters->engagement_failed++;

    int saves = crawl->account != NULL && outcome != CRAWL_PAUSED &&
                outcome != CRAWL_REMOVED && outcome != CRAWL_LEASE_LOST;
    if (saves)
        update_account(crawl, wall_ms());
    long long delay_ms = next_due_delay_ms(crawl, rate_limit_wait_ms);
    if (!saves) {
        finish_lease(crawl, delay_ms);
        return;
    }
    struct saving *saving = malloc(sizeof(*saving));
    if (saving != NULL) {
        saving->crawl = crawl;
        saving->delay_ms = delay_ms;
        int (*save)(struct redis_async *, const struct netra_config *, const struct account *,
                    accounts_save_fn *, void *, char *, size_t) =
            is_engagement(crawl) ? accounts_save_engagement_async : accounts_save_state_async;
        if (save(crawl->redis, crawl->context.config, crawl->account, on_saved, saving, err,
                 sizeof(err)) == 0)
            return;
        free(saving);
        log_warn("account %s: cannot save its crawl state: %s", crawl->account_id, err);
    } else {
        log_warn("account %s: cannot save its crawl state: out of memory", crawl->account_id);
    }
    finish_lease(crawl, delay_ms);
}

static void fail(struct crawl *crawl, enum crawl_outcome outcome, enum crawl_error_kind kind,
                 long long rate_limit_wait_ms, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Ends the crawl with outcome and what went wrong. */
static void fail(struct crawl *crawl, enum crawl_outcome outcome, enum crawl_error_kind kind,
                 long long rate_limit_wait_ms, const char *fmt, ...)
{
    crawl->result.outcome = outcome;
    crawl->result.error_kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(crawl->result.error, sizeof(crawl->result.error), fmt, ap);
    va_end(ap);
    finish(crawl, rate_limit_wait_ms);
}

/* Stops before the next step when the crawl was told to, or its lease is gone. */
static int should_stop(struct crawl *crawl)
{
    if (crawl->platform != NULL && crawl->platform->fetch == NULL)
        crawl->stopping = 1; /* the engines are closed: the daemon is going down */
    if (crawl->lease_lost) {
        fail(crawl, CRAWL_LEASE_LOST, CRAWL_ERROR_NONE, 0, "its lease ended before the crawl");
        return 1;
    }
    if (crawl->stopping) {
        fail(crawl, CRAWL_STOPPED, CRAWL_ERROR_NONE, 0, "stopped");
        return 1;
    }
    return 0;
}

/* ---- the lease ---------------------------------------------------------------------------- */

static void on_extended(long long lease_until_ms, const char *error, void *data)
{
    struct crawl *crawl = data;
    crawl->extending = 0;
    if (crawl->ended) {
        maybe_free(crawl);
        return;
    }
    if (error != NULL) {
        log_warn("account %s: cannot extend its lease: %s", crawl->account_id, error);
    } else if (lease_until_ms == 0) {
        log_warn("account %s: its lease ended while it was crawled; stopping", crawl->account_id);
        crawl->lease_lost = 1;
    }
}

static void on_lease_timer(uv_timer_t *timer)
{
    struct crawl *crawl = timer->data;
    char err[NETRA_ERR_LEN];
    if (crawl->extending || crawl->ended || crawl->lease_lost)
        return;
    if (sched_extend_async(crawl->redis, crawl->context.config, crawl->schedule, crawl->account_id,
                           crawl->token, on_extended, crawl, err, sizeof(err)) == 0)
        crawl->extending = 1;
    else
        log_warn("account %s: cannot extend its lease: %s", crawl->account_id, err);
}

/* ---- pages -------------------------------------------------------------------------------- */

static void start_listing(struct crawl *crawl)
{
    crawl->adapter = crawl->listings[crawl->listing];
    free(crawl->page);
    crawl->page = NULL;
    free(crawl->new_cursor);
    crawl->new_cursor = NULL;
    crawl->listing_pages = 0;
    crawl->last_listed_ms = -1;
    /* Unique per listing, so the followed set tells this listing's members from older ones. */
    long long now = wall_ms();
    crawl->listing_stamp = now > crawl->listing_stamp ? now : crawl->listing_stamp + 1;
    next_request(crawl);
}

/* The listing ended, complete or cut short at its max pages: the next one, or the end. */
static void next_listing(struct crawl *crawl)
{
    if (++crawl->listing < crawl->listing_count) {
        start_listing(crawl);
        return;
    }
    crawl->result.outcome = crawl->truncated ? CRAWL_TRUNCATED : CRAWL_DONE;
    crawl->result.error_kind = crawl->truncated ? CRAWL_ERROR_MAX_PAGES : CRAWL_ERROR_NONE;
    finish(crawl, 0);
}

static void truncate_listing(struct crawl *crawl)
{
    crawl->truncated = 1;
    if (is_engagement(crawl))
        snprintf(crawl->result.error, sizeof(crawl->result.error),
                 "%s stopped after %lld pages (engagement.max_pages): the rest was not read, "
                 "its cursor did not move and no one left the followed set",
                 crawl->adapter->name, crawl->listing_pages);
    else if (is_rescan(crawl))
        snprintf(crawl->result.error, sizeof(crawl->result.error),
                 "stopped after %lld pages (crawler.rescan_max_pages) before reaching its date",
                 crawl->listing_pages);
    else
        snprintf(crawl->result.error, sizeof(crawl->result.error),
                 "stopped after %lld pages (crawler.max_pages): older posts were not read "
                 "and the cursor did not move; raise it or run a rescan",
                 crawl->listing_pages);
    next_listing(crawl);
}

static void on_swept(const struct deletions_counts *counts, const char *error, void *data)
{
    struct crawl *crawl = data;
    struct crawl_counters *counters = crawl->context.counters;
    if (error != NULL) {
        log_warn("account %s: cannot sweep its deleted posts (the next listing will): %s",
                 crawl->account_id, error);
    } else {
        counters->deletions_detected += counts->detected;
        counters->deleted_flagged += counts->flagged;
        counters->deleted_purged += counts->purged;
        if (counts->detected > 0)
            log_info("account %s: %lld posts deleted on the platform (%lld under a case, %lld "
                     "purged)",
                     crawl->account_id, counts->detected, counts->flagged, counts->purged);
    }
    next_listing(crawl);
}

/* The complete listing's sweep; one that showed no own post says nothing (an empty answer is
 * likelier a platform's hiccup than every post deleted at once). */
static void sweep_deletions(struct crawl *crawl)
{
    char err[NETRA_ERR_LEN];
    if (crawl->last_listed_ms < 0) {
        next_listing(crawl);
        return;
    }
    /* A check listing read every post created from check_since_s on; whole seconds, so what
     * is inside starts after the last millisecond of that second. Another covers what is newer
     * than its last own post: listings run newest first, and the last post is never a pinned
     * one shown out of order at the top, whose old time would stretch the window over posts
     * that simply fell off the listing's end. */
    long long after_ms = crawl->check_since_s > 0 ? crawl->check_since_s * 1000 + 999
                                                  : crawl->last_listed_ms;
    const struct deletions_sweep sweep = {crawl->account_id, crawl->listing_stamp, after_ms,
                                          crawl->check_since_s > 0 ? "check listing"
                                                                   : "listing"};
    if (deletions_sweep_async(crawl->redis, crawl->context.config, &sweep, on_swept, crawl, err,
                              sizeof(err)) != 0) {
        log_warn("account %s: cannot sweep its deleted posts (the next listing will): %s",
                 crawl->account_id, err);
        next_listing(crawl);
    }
}

static void page_published(struct crawl *crawl)
{
    if (crawl->publish_failed) {
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_REDIS, 0, "cannot queue its posts: %s",
             crawl->publish_error);
        return;
    }
    if (crawl->progress != NULL)
        crawl->progress(&crawl->result, crawl->data);
    if (crawl->page == NULL) {
        /* A post crawl's cursor is stored only when the whole crawl is done; a listing's of an
         * engagement crawl as soon as that listing is. */
        if (is_engagement(crawl) && crawl->new_cursor != NULL &&
            account_set_cursor(crawl->account, crawl->adapter->name, crawl->new_cursor) != 0) {
            fail(crawl, CRAWL_FAILED, CRAWL_ERROR_REDIS, 0, "out of memory");
            return;
        }
        if (finds_deletions(crawl))
            sweep_deletions(crawl);
        else
            next_listing(crawl);
        return;
    }
    const struct netra_config *config = crawl->context.config;
    long long max_pages = is_engagement(crawl) ? config->engagement.max_pages
                          : is_rescan(crawl)   ? config->crawler.rescan_max_pages
                                               : config->crawler.max_pages;
    if (crawl->listing_pages >= max_pages) {
        truncate_listing(crawl);
        return;
    }
    next_request(crawl);
}

static void on_published(const enum posts_publish_result *results, size_t count,
                         const char *error, void *data)
{
    struct crawl *crawl = data;
    struct crawl_counters *counters = crawl->context.counters;
    if (error != NULL) {
        if (!crawl->publish_failed)
            snprintf(crawl->publish_error, sizeof(crawl->publish_error), "%.200s", error);
        crawl->publish_failed = 1;
    }
    for (size_t i = 0; error == NULL && i < count; i++) {
        if (is_engagement(crawl)) {
            if (results[i] != POSTS_PUBLISH_UNCHANGED) {
                counters->likes_new++;
                crawl->result.posts_new++;
            }
        } else if (results[i] == POSTS_PUBLISH_NEW) {
            counters->posts_new++;
            crawl->result.posts_new++;
        } else if (results[i] == POSTS_PUBLISH_CHANGED) {
            counters->posts_changed++;
            crawl->result.posts_new++;
        } else {
            counters->posts_duplicate++;
        }
    }
    if (--crawl->publishing == 0)
        page_published(crawl);
}

static void on_follows_published(const int *new_follows, size_t count, long long removed,
                                 const char *error, void *data)
{
    struct crawl *crawl = data;
    struct crawl_counters *counters = crawl->context.counters;
    if (error != NULL) {
        if (!crawl->publish_failed)
            snprintf(crawl->publish_error, sizeof(crawl->publish_error), "%.200s", error);
        crawl->publish_failed = 1;
    }
    for (size_t i = 0; error == NULL && i < count; i++) {
        counters->follows_new += new_follows[i];
        crawl->result.posts_new += new_follows[i];
    }
    counters->follows_removed += removed;
    if (--crawl->publishing == 0)
        page_published(crawl);
}

/* A follow listing's page into the followed set, FOLLOWS_PAGE_MAX per call; the last page of a
 * complete listing says so on its last call (one with no follows when the page had none). */
static void publish_follows(struct crawl *crawl, struct adapter_result *parsed)
{
    char err[NETRA_ERR_LEN];
    int complete = crawl->page == NULL;
    size_t first = 0;
    do {
        size_t count = parsed->count - first;
        if (count > FOLLOWS_PAGE_MAX)
            count = FOLLOWS_PAGE_MAX;
        if (count == 0 && !complete)
            break;
        crawl->result.posts_seen += (long long)count;
        /* An empty last page has no array to point into. */
        struct post_message **messages = count > 0 ? parsed->posts + first : NULL;
        if (follows_publish_page_async(
                crawl->redis, crawl->context.config, crawl->account_id, crawl->listing_stamp,
                (const struct post_message *const *)messages, count,
                complete && first + count == parsed->count, on_follows_published, crawl, err,
                sizeof(err)) != 0) {
            snprintf(crawl->publish_error, sizeof(crawl->publish_error), "%.200s", err);
            crawl->publish_failed = 1;
            break;
        }
        crawl->publishing++;
        first += count;
    } while (first < parsed->count);
}

static void on_indexed(const char *error, void *data)
{
    struct crawl *crawl = data;
    if (error != NULL && !crawl->publish_failed) {
        snprintf(crawl->publish_error, sizeof(crawl->publish_error), "index: %.200s", error);
        crawl->publish_failed = 1;
    }
    if (--crawl->publishing == 0)
        page_published(crawl);
}

/* A post crawl's own posts into the deletions index, after their publish call on the same
 * connection; the last one's time is remembered for the sweep. */
static int index_posts(struct crawl *crawl, struct post_message *const *posts, size_t count,
                       char *err, size_t err_len)
{
    for (size_t i = 0; i < count; i++) {
        long long created_ms;
        if (deletions_indexable(posts[i]) &&
            deletions_time_ms(posts[i]->created_at, &created_ms, err, err_len) == 0)
            crawl->last_listed_ms = created_ms;
    }
    if (deletions_index_async(crawl->redis, crawl->context.config, crawl->account_id,
                              crawl->listing_stamp, (const struct post_message *const *)posts,
                              count, on_indexed, crawl, err, err_len) != 0)
        return -1;
    crawl->publishing++;
    return 0;
}

/* Posts and likes, POSTS_PUBLISH_PAGE_MAX per call. */
static void publish_posts(struct crawl *crawl, struct adapter_result *parsed)
{
    char err[NETRA_ERR_LEN];
    for (size_t first = 0; first < parsed->count; first += POSTS_PUBLISH_PAGE_MAX) {
        size_t count = parsed->count - first;
        if (count > POSTS_PUBLISH_PAGE_MAX)
            count = POSTS_PUBLISH_PAGE_MAX;
        crawl->result.posts_seen += (long long)count;
        if (posts_stream_publish_page_async(
                crawl->redis, crawl->context.config,
                (const struct post_message *const *)(parsed->posts + first), count, on_published,
                crawl, err, sizeof(err)) != 0) {
            snprintf(crawl->publish_error, sizeof(crawl->publish_error), "%.200s", err);
            crawl->publish_failed = 1;
            break;
        }
        crawl->publishing++;
        if (finds_deletions(crawl) &&
            index_posts(crawl, parsed->posts + first, count, err, sizeof(err)) != 0) {
            snprintf(crawl->publish_error, sizeof(crawl->publish_error), "index: %.200s", err);
            crawl->publish_failed = 1;
            break;
        }
    }
}

/* Fills in what the engine owes every message of the page and sends them all at once. */
static void publish(struct crawl *crawl, struct adapter_result *parsed)
{
    char fetched_at[32];
    rfc3339_now(fetched_at);
    crawl->publish_failed = 0;
    crawl->publishing = 1; /* held until every call is sent, so no reply ends the page early */
    const char *region = crawl->account->region;
    for (size_t i = 0; i < parsed->count; i++) {
        struct post_message *post = parsed->posts[i];
        if (replace(&post->account, crawl->account_id) != 0 ||
            replace(&post->fetched_at, fetched_at) != 0 ||
            (region[0] != '\0' && replace(&post->region, region) != 0) ||
            (crawl->rescan_id != NULL && replace(&post->rescan, crawl->rescan_id) != 0)) {
            snprintf(crawl->publish_error, sizeof(crawl->publish_error), "out of memory");
            crawl->publish_failed = 1;
            break;
        }
    }
    /* A following list's pages go to the followed set: only a complete listing removes anyone. */
    if (!crawl->publish_failed && is_engagement(crawl) &&
        crawl->adapter->listing == ADAPTER_LISTS_FOLLOWS)
        publish_follows(crawl, parsed);
    else if (!crawl->publish_failed)
        publish_posts(crawl, parsed);
    if (--crawl->publishing == 0)
        page_published(crawl);
}

/* A 2xx answer (or another 4xx, to learn whether the account is gone). */
static void parse_answer(struct crawl *crawl, const struct fetch_response *response)
{
    char err[NETRA_ERR_LEN];
    struct adapter_result parsed;
    memset(&parsed, 0, sizeof(parsed));
    struct adapter_account account = {crawl->account_id, crawl->account->handle,
                                      crawl->account->native_id};
    struct adapter_context context = {&crawl->platform->settings, &account,
                                      listing_cursor(crawl), crawl->page,
                                      adapter_since_s(crawl)};
    struct adapter_response answer = {response->status, response->body, response->body_len,
                                      response->content_type, response->link};
    int ok = response->status >= 200 && response->status <= 299;
    int is_lookup = crawl->built.is_lookup;
    const char *name = crawl->adapter->name;
    int rc = crawl->adapter->parse(&context, &answer, &parsed, err, sizeof(err));

    if (rc == 0 && parsed.gone) {
        fail(crawl, CRAWL_GONE, CRAWL_ERROR_NONE, 0, "gone: %s answered HTTP %ld", name,
             response->status);
    } else if (!ok) {
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_HTTP_4XX, 0, "HTTP %ld from %s", response->status,
             crawl->built.url);
    } else if (rc != 0) {
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_PARSE, 0, "%s %s: %s", name,
             is_lookup ? "lookup" : "page", err);
    } else if (is_lookup) {
        if (parsed.native_id == NULL || parsed.native_id[0] == '\0')
            fail(crawl, CRAWL_FAILED, CRAWL_ERROR_PARSE, 0, "%s lookup: no id in the answer",
                 name);
        else if (replace(&crawl->account->native_id, parsed.native_id) != 0)
            fail(crawl, CRAWL_FAILED, CRAWL_ERROR_REDIS, 0, "out of memory");
        else
            next_request(crawl);
    } else {
        crawl->context.counters->items_skipped += (long long)parsed.skipped;
        crawl->result.items_skipped += (long long)parsed.skipped;
        if (parsed.skipped > 0)
            log_warn("account %s: %zu malformed items left out, the first: %s", crawl->account_id,
                     parsed.skipped,
                     parsed.first_skip_reason != NULL ? parsed.first_skip_reason : "?");
        crawl->result.pages++;
        crawl->listing_pages++;
        free(crawl->page);
        crawl->page = parsed.next_page;
        parsed.next_page = NULL;
        if (parsed.new_cursor != NULL) {
            free(crawl->new_cursor);
            crawl->new_cursor = parsed.new_cursor;
            parsed.new_cursor = NULL;
        }
        if (crawl->result.pages == 1 && strcmp(crawl->platform->name, "feed") == 0) {
            crawl->have_validators = replace(&crawl->etag, response->etag) == 0 &&
                                     replace(&crawl->last_modified, response->last_modified) == 0;
        }
        publish(crawl, &parsed);
    }
    adapter_result_free(&parsed);
}

static enum crawl_error_kind fetch_error_kind(enum fetch_error error)
{
    switch (error) {
    case FETCH_ERROR_TIMEOUT:
        return CRAWL_ERROR_TIMEOUT;
    case FETCH_ERROR_CONNECT:
        return CRAWL_ERROR_CONNECT;
    case FETCH_ERROR_TOO_BIG:
        return CRAWL_ERROR_TOO_BIG;
    case FETCH_ERROR_REDIRECT:
        return CRAWL_ERROR_REDIRECT;
    case FETCH_ERROR_BAD_URL:
        return CRAWL_ERROR_BAD_URL;
    default:
        return CRAWL_ERROR_PROTOCOL;
    }
}

/* How long a 429 asks to wait. */
static long long rate_limit_wait_ms(const struct fetch_response *response)
{
    if (response->retry_after_ms >= 0)
        return response->retry_after_ms;
    if (response->rate_limit_reset_ms >= 0) {
        long long wait = response->rate_limit_reset_ms - wall_ms();
        return wait > 0 ? wait : 0;
    }
    return RATE_LIMIT_DEFAULT_WAIT_MS;
}

static void on_fetched(const struct fetch_response *response, void *data)
{
    struct crawl *crawl = data;
    struct crawl_counters *counters = crawl->context.counters;
    long status = response->status;
    if (response->error != FETCH_OK)
        counters->fetches_failed++;
    else if (status >= 500)
        counters->fetches_5xx++;
    else if (status >= 400)
        counters->fetches_4xx++;
    else if (status >= 300)
        counters->fetches_3xx++;
    else
        counters->fetches_2xx++;
    counters->bytes += (long long)response->body_len;

    if (response->error == FETCH_ERROR_CANCELLED)
        crawl->stopping = 1;
    if (should_stop(crawl))
        return;
    const char *url = crawl->built.url;
    if (response->error != FETCH_OK)
        fail(crawl, CRAWL_FAILED, fetch_error_kind(response->error), 0, "%s", response->error_text);
    else if (status == 304 && crawl->conditional)
        fail(crawl, CRAWL_NOT_MODIFIED, CRAWL_ERROR_NONE, 0, "%s", "");
    else if (status == 404 || status == 410)
        fail(crawl, CRAWL_GONE, CRAWL_ERROR_NONE, 0, "gone: %s answered HTTP %ld",
             crawl->adapter->name, status);
    else if (status == 429)
        fail(crawl, CRAWL_RATE_LIMITED, CRAWL_ERROR_NONE, rate_limit_wait_ms(response),
             "rate limited by %s (HTTP 429)", crawl->adapter->name);
    else if (status >= 500)
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_HTTP_5XX, 0, "HTTP %ld from %s", status, url);
    else if ((status >= 200 && status <= 299) || (status >= 400 && status <= 499))
        parse_answer(crawl, response);
    else
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_PROTOCOL, 0, "unexpected HTTP %ld from %s", status,
             url);
}

static void next_request(struct crawl *crawl)
{
    char err[NETRA_ERR_LEN];
    if (should_stop(crawl))
        return;
    struct account *account = crawl->account;
    struct adapter_account who = {crawl->account_id, account->handle, account->native_id};
    const char *name = crawl->adapter->name;
    struct adapter_context context = {&crawl->platform->settings, &who, listing_cursor(crawl),
                                      crawl->page, adapter_since_s(crawl)};
    adapter_request_free(&crawl->built);
    if (crawl->adapter->build_request(&context, &crawl->built, err, sizeof(err)) != 0) {
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_REQUEST, 0, "%s request: %s", name, err);
        return;
    }
    if (crawl->built.is_lookup && ++crawl->lookups > MAX_LOOKUPS) {
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_PARSE, 0,
             "%s: the looked-up id did not satisfy the adapter", name);
        return;
    }
    if (crawl->first_host[0] == '\0' &&
        crawl_url_host(crawl->built.url, crawl->first_host, err, sizeof(err)) != 0) {
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_BAD_URL, 0, "%s request: %s", name, err);
        return;
    }
    struct fetch_request request;
    if (crawl_platform_request(crawl->platform, &crawl->built, crawl->first_host, &request,
                               crawl->key, err, sizeof(err)) != 0) {
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_BAD_URL, 0, "%s", err);
        return;
    }
    /* Only a feed's first page has validators worth sending: an API page's URL moves with the
     * cursor, and a rescan wants the whole answer. */
    crawl->conditional = strcmp(crawl->platform->name, "feed") == 0 && !is_rescan(crawl) &&
                         crawl->page == NULL && !crawl->built.is_lookup &&
                         (account->etag[0] != '\0' || account->last_modified[0] != '\0');
    if (crawl->conditional) {
        request.etag = account->etag[0] != '\0' ? account->etag : NULL;
        request.last_modified = account->last_modified[0] != '\0' ? account->last_modified : NULL;
    }
    if (fetch_submit(crawl->platform->fetch, &request, on_fetched, crawl, err, sizeof(err)) != 0)
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_PROTOCOL, 0, "cannot send the request: %s", err);
}

/* ---- the start ---------------------------------------------------------------------------- */

/* When a Mastodon, X or Bluesky post crawl is a check listing, the Unix time it pages back to; else 0.
 * Once per crawler.deletion_check_s (the first crawl in a new period of it), and only when the
 * last good crawl came less than that period ago, so the check reads everything a crawl from
 * the cursor would (the window is longer) and a check never follows a check, which would leave
 * the cursor behind for good. */
static long long check_listing_since_s(const struct crawl *crawl, long long now_ms)
{
    const struct netra_config *config = crawl->context.config;
    const struct account *account = crawl->account;
    long long every_ms = (long long)config->crawler.deletion_check_s * 1000;
    long long window_ms = (long long)config->crawler.deletion_window_s * 1000;
    const char *name = crawl->platform->name;
    if (!finds_deletions(crawl) || every_ms == 0 || account->cursor[0] == '\0' ||
        (strcmp(name, "mastodon") != 0 && strcmp(name, "x") != 0 &&
         strcmp(name, "bluesky") != 0))
        return 0;
    long long since_ok_ms = now_ms - account->last_ok_ms;
    if (account->last_ok_ms <= 0 || since_ok_ms >= every_ms || since_ok_ms >= window_ms ||
        now_ms / every_ms == account->last_ok_ms / every_ms)
        return 0;
    return (now_ms - window_ms) / 1000;
}

/* Statuses the crawler fetches; any other was set by an operator to keep the account still. */
static int is_crawled_status(const char *status)
{
    return status[0] == '\0' || strcmp(status, "active") == 0 || strcmp(status, "gone") == 0;
}

static void on_loaded(struct account *account, const char *error, void *data)
{
    struct crawl *crawl = data;
    crawl->account = account;
    if (error != NULL) {
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_REDIS, 0, "cannot read the account: %s", error);
        return;
    }
    if (account == NULL) {
        fail(crawl, CRAWL_REMOVED, CRAWL_ERROR_NONE, 0, "no longer on the watchlist");
        return;
    }
    /* The key names the account, whatever its id field says (a hash edited by hand). */
    if (strcmp(account->id, crawl->account_id) != 0 &&
        replace(&account->id, crawl->account_id) != 0) {
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_REDIS, 0, "out of memory");
        return;
    }
    crawl->platform = crawl_platforms_find(crawl->context.platforms, account->platform);
    if (crawl->platform == NULL) {
        fail(crawl, CRAWL_FAILED, CRAWL_ERROR_REQUEST, 0, "no adapter for platform \"%.64s\"",
             account->platform);
        return;
    }
    if (!is_crawled_status(account->status)) {
        fail(crawl, CRAWL_PAUSED, CRAWL_ERROR_NONE, 0, "status \"%.64s\": not fetched",
             account->status);
        return;
    }
    if (!is_engagement(crawl)) {
        crawl->listings[crawl->listing_count++] = crawl->platform->adapter;
    } else if (crawl->context.config->engagement.enabled) {
        const struct platform_config *settings = crawl->platform->config;
        size_t count = 0;
        const struct adapter *const *all = adapter_engagement(account->platform, &count);
        for (size_t i = 0; i < count && crawl->listing_count < CRAWL_MAX_LISTINGS; i++)
            if (all[i]->listing == ADAPTER_LISTS_FOLLOWS ? settings->follows : settings->likes)
                crawl->listings[crawl->listing_count++] = all[i];
    }
    if (crawl->listing_count == 0) {
        fail(crawl, CRAWL_PAUSED, CRAWL_ERROR_NONE, 0,
             "no engagement listing of %.64s is switched on", account->platform);
        return;
    }
    crawl->check_since_s = check_listing_since_s(crawl, wall_ms());
    start_listing(crawl);
}

int crawl_start(const struct crawl_context *context, const struct crawl_job *job,
                crawl_progress_fn *progress, crawl_done_fn *done, void *data,
                struct crawl **out, char *err, size_t err_len)
{
    *out = NULL;
    struct crawl *crawl = calloc(1, sizeof(*crawl));
    if (crawl == NULL)
        return error_set(err, err_len, "out of memory");
    crawl->context = *context;
    crawl->schedule = job->schedule;
    crawl->redis = job->redis;
    crawl->since_s = job->since_s;
    crawl->progress = progress;
    crawl->done = done;
    crawl->data = data;
    crawl->account_id = strdup(job->account);
    crawl->token = strdup(job->token);
    crawl->rescan_id = job->rescan_id != NULL ? strdup(job->rescan_id) : NULL;
    if (crawl->account_id == NULL || crawl->token == NULL ||
        (job->rescan_id != NULL && crawl->rescan_id == NULL)) {
        error_set(err, err_len, "out of memory");
        goto fail;
    }
    if (accounts_get_async(crawl->redis, context->config, crawl->account_id, on_loaded, crawl,
                           err, err_len) != 0)
        goto fail;
    uv_timer_init(context->loop, &crawl->lease_timer);
    crawl->lease_timer.data = crawl;
    uint64_t every = (uint64_t)context->config->schedule.lease_ms / 3;
    uv_timer_start(&crawl->lease_timer, on_lease_timer, every, every);
    *out = crawl;
    return 0;

fail:
    free(crawl->account_id);
    free(crawl->token);
    free(crawl->rescan_id);
    free(crawl);
    return -1;
}

void crawl_stop(struct crawl *crawl)
{
    crawl->stopping = 1;
}
