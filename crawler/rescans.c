/* Rescan requests, from their stream to their acknowledgement.
 *
 * A request read from a shard's stream begins by taking its account's lease; an account busy
 * with another crawl keeps the request waiting here, tried again each poll round. Its crawl
 * reports every page into rescan:<rid>; at the end the progress says done or failed and the
 * entry is acknowledged. A request cut short by a shutdown, or by this crawler's death, is
 * neither: its entry stays pending and another crawler takes it over once it has been idle for
 * RESCAN_STALE_LEASES leases (a rescan still running resets that idle time every lease). */
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "crawler/daemon.h"
#include "queue/keys.h"

#define RESCAN_STALE_LEASES 3

void rescan_run_free(struct rescan_run *run)
{
    if (run == NULL)
        return;
    free(run->request.rid);
    free(run->request.account);
    free(run->request.error);
    free(run);
}

static struct rescan_run *run_new(const struct rescan_request *request, int shard)
{
    struct rescan_run *run = calloc(1, sizeof(*run));
    if (run == NULL)
        return NULL;
    memcpy(run->request.entry_id, request->entry_id, sizeof(run->request.entry_id));
    run->request.since_s = request->since_s;
    run->request.rid = strdup(request->rid);
    run->request.account = strdup(request->account);
    run->shard = shard;
    if (run->request.rid == NULL || run->request.account == NULL) {
        rescan_run_free(run);
        return NULL;
    }
    return run;
}

static void wait_again(struct crawler *crawler, struct rescan_run *run)
{
    struct rescan_run **tail = &crawler->waiting;
    while (*tail != NULL)
        tail = &(*tail)->next;
    run->next = NULL;
    *tail = run;
    crawler->waiting_count++;
}

/* Writes that nothing waits for: a lost one is only a progress line behind. */
static void on_written(const char *error, void *data)
{
    (void)data;
    if (error != NULL)
        log_warn("rescan progress: %s", error);
}

static struct rescan_counts counts_of(const struct crawl_result *result)
{
    struct rescan_counts counts = {result->pages, result->posts_new, result->posts_seen,
                                   result->items_skipped};
    return counts;
}

/* ---- the end of a request ----------------------------------------------------------------- */

struct closing {
    struct crawler *crawler;
    struct rescan_run *run;
};

static void on_acked(const char *error, void *data)
{
    struct closing *closing = data;
    struct crawler *crawler = closing->crawler;
    if (error != NULL)
        log_warn("rescan %s: cannot acknowledge it (it is not run again: its progress says it "
                 "ended): %s",
                 closing->run->request.rid, error);
    crawler->pending--;
    rescan_run_free(closing->run);
    free(closing);
    crawler_maybe_close(crawler);
}

static void ack(struct crawler *crawler, struct closing *closing)
{
    char err[NETRA_ERR_LEN];
    if (rescan_ack_async(crawler->shard_redis[closing->run->shard], crawler->config,
                         closing->run->shard, closing->run->request.entry_id, on_acked, closing,
                         err, sizeof(err)) == 0) {
        crawler->pending++;
        return;
    }
    log_warn("rescan %s: cannot acknowledge it: %s", closing->run->request.rid, err);
    rescan_run_free(closing->run);
    free(closing);
}

static void on_reported(const char *error, void *data)
{
    struct closing *closing = data;
    struct crawler *crawler = closing->crawler;
    crawler->pending--;
    if (error != NULL) {
        /* Unacknowledged, the request is taken over later and its end written then. */
        log_warn("rescan %s: cannot write its end: %s", closing->run->request.rid, error);
        rescan_run_free(closing->run);
        free(closing);
    } else {
        ack(crawler, closing);
    }
    crawler_maybe_close(crawler);
}

/* Writes the end (status "done" or "failed"), then acknowledges the entry. */
static void close_request(struct crawler *crawler, struct rescan_run *run, const char *status,
                          const char *error)
{
    char err[NETRA_ERR_LEN];
    struct closing *closing = malloc(sizeof(*closing));
    if (closing == NULL) {
        log_warn("rescan %s: out of memory ending it", run->request.rid);
        rescan_run_free(run);
        return;
    }
    closing->crawler = crawler;
    closing->run = run;
    if (strcmp(status, "done") == 0)
        crawler->rescans_done++;
    else
        crawler->rescans_failed++;
    log_info("rescan %s of %s: %s, %lld pages, %lld posts read, %lld new%s%s", run->request.rid,
             run->request.account, status, run->counts.pages, run->counts.posts_seen,
             run->counts.posts_new, error[0] != '\0' ? ": " : "", error);
    if (rescan_report_async(crawler->shard_redis[run->shard], crawler->config,
                            run->request.account, run->request.rid, &run->counts, status, error,
                            on_reported, closing, err, sizeof(err)) == 0) {
        crawler->pending++;
        return;
    }
    log_warn("rescan %s: cannot write its end: %s", run->request.rid, err);
    rescan_run_free(run);
    free(closing);
}

void rescans_progress(struct crawler *crawler, struct rescan_run *run,
                      const struct crawl_result *result)
{
    char err[NETRA_ERR_LEN];
    run->counts = counts_of(result);
    if (rescan_report_async(crawler->shard_redis[run->shard], crawler->config,
                            run->request.account, run->request.rid, &run->counts, NULL, NULL,
                            on_written, crawler, err, sizeof(err)) != 0)
        log_warn("rescan %s: %s", run->request.rid, err);
}

void rescans_ended(struct crawler *crawler, struct rescan_run *run,
                   const struct crawl_result *result)
{
    run->counts = counts_of(result);
    switch (result->outcome) {
    case CRAWL_DONE:
    case CRAWL_NOT_MODIFIED:
        close_request(crawler, run, "done", "");
        break;
    case CRAWL_STOPPED:
    case CRAWL_LEASE_LOST:
        log_info("rescan %s: %s; it is taken over later", run->request.rid, result->error);
        rescan_run_free(run);
        break;
    default:
        run->counts.errors++;
        close_request(crawler, run, "failed", result->error);
        break;
    }
}

/* ---- beginning ---------------------------------------------------------------------------- */

struct beginning {
    struct crawler *crawler;
    struct rescan_run *run;
};

static void on_begun(enum rescan_begin_result result, const char *token,
                     long long lease_until_ms, const char *error, void *data)
{
    (void)lease_until_ms;
    struct beginning *beginning = data;
    struct crawler *crawler = beginning->crawler;
    struct rescan_run *run = beginning->run;
    free(beginning);
    crawler->reserved--;
    crawler->pending--;
    if (error != NULL) {
        log_warn("rescan %s: cannot begin it, trying again: %s", run->request.rid, error);
        wait_again(crawler, run);
    } else if (result == RESCAN_BUSY) {
        wait_again(crawler, run);
    } else if (result == RESCAN_FINISHED) {
        struct closing *closing = malloc(sizeof(*closing));
        if (closing != NULL) {
            closing->crawler = crawler;
            closing->run = run;
            ack(crawler, closing);
        } else {
            rescan_run_free(run);
        }
    } else if (result == RESCAN_NO_ACCOUNT) {
        run->counts.errors = 1;
        close_request(crawler, run, "failed", "the account is not on the watchlist");
    } else {
        run->touched_at = uv_now(crawler->loop);
        /* A crawl that cannot start hands the lease back; the request waits for another go. */
        if (crawler_start_crawl(crawler, run->request.account, token, run) != 0) {
            if (crawler->state == CRAWLER_RUNNING)
                wait_again(crawler, run);
            else
                rescan_run_free(run);
        }
    }
    crawler_maybe_close(crawler);
}

static void begin(struct crawler *crawler, struct rescan_run *run)
{
    char err[NETRA_ERR_LEN];
    struct beginning *beginning = malloc(sizeof(*beginning));
    if (beginning == NULL) {
        wait_again(crawler, run);
        return;
    }
    beginning->crawler = crawler;
    beginning->run = run;
    if (rescan_begin_async(crawler->shard_redis[run->shard], crawler->config, &run->request,
                           crawler->name, crawler->name, on_begun, beginning, err,
                           sizeof(err)) != 0) {
        log_warn("rescan %s: cannot begin it, trying again: %s", run->request.rid, err);
        free(beginning);
        wait_again(crawler, run);
        return;
    }
    crawler->reserved++;
    crawler->pending++;
}

void rescans_retry_waiting(struct crawler *crawler)
{
    struct rescan_run *run = crawler->waiting;
    crawler->waiting = NULL;
    crawler->waiting_count = 0;
    while (run != NULL) {
        struct rescan_run *next = run->next;
        run->next = NULL;
        if (crawler_capacity(crawler) > 0 && redis_async_ready(crawler->shard_redis[run->shard]))
            begin(crawler, run);
        else
            wait_again(crawler, run);
        run = next;
    }
}

void rescans_drop_waiting(struct crawler *crawler)
{
    while (crawler->waiting != NULL) {
        struct rescan_run *next = crawler->waiting->next;
        rescan_run_free(crawler->waiting);
        crawler->waiting = next;
    }
    crawler->waiting_count = 0;
}

void rescans_touch_running(struct crawler *crawler)
{
    char err[NETRA_ERR_LEN];
    uint64_t now = uv_now(crawler->loop);
    uint64_t every = (uint64_t)crawler->config->schedule.lease_ms;
    for (struct running *running = crawler->running; running != NULL; running = running->next) {
        struct rescan_run *run = running->rescan;
        if (run == NULL || now - run->touched_at < every)
            continue;
        run->touched_at = now;
        if (rescan_touch_async(crawler->shard_redis[run->shard], crawler->config, run->shard,
                               crawler->name, run->request.entry_id, on_written, crawler, err,
                               sizeof(err)) != 0)
            log_warn("rescan %s: %s", run->request.rid, err);
    }
}

/* ---- reading ------------------------------------------------------------------------------ */

struct reading {
    struct crawler *crawler;
    int shard;
    int max;
    crawler_step_fn *next;
};

static void on_read(struct rescan_requests *requests, const char *error, void *data)
{
    struct reading *reading = data;
    struct crawler *crawler = reading->crawler;
    int shard = reading->shard;
    crawler_step_fn *next = reading->next;
    crawler->reserved -= (size_t)reading->max;
    crawler->pending--;
    free(reading);
    if (error != NULL)
        log_warn("shard %d: cannot read rescan requests: %s", shard, error);
    for (size_t i = 0; error == NULL && i < requests->count; i++) {
        const struct rescan_request *request = &requests->items[i];
        if (request->error != NULL) {
            log_warn("shard %d: rescan request %s dropped: %s", shard, request->entry_id,
                     request->error);
            struct closing *closing = malloc(sizeof(*closing));
            struct rescan_run *run = calloc(1, sizeof(*run));
            if (closing == NULL || run == NULL) {
                free(closing);
                free(run);
                continue;
            }
            memcpy(run->request.entry_id, request->entry_id, sizeof(run->request.entry_id));
            run->shard = shard;
            closing->crawler = crawler;
            closing->run = run;
            ack(crawler, closing);
            continue;
        }
        /* Left unacknowledged when stopping: another crawler takes it over. */
        if (crawler->state != CRAWLER_RUNNING)
            continue;
        struct rescan_run *run = run_new(request, shard);
        if (run == NULL) {
            log_warn("rescan %s: out of memory; it is taken over later", request->rid);
            continue;
        }
        log_info("rescan %s of %s back to %lld: begins", run->request.rid, run->request.account,
                 run->request.since_s);
        begin(crawler, run);
    }
    next(crawler, shard);
}

void rescans_poll(struct crawler *crawler, int shard, crawler_step_fn *next)
{
    char err[NETRA_ERR_LEN];
    size_t room = crawler_capacity(crawler);
    int batch = crawler->config->crawler.claim_batch;
    /* Requests waiting for busy accounts are held here: no more are read while they are many,
     * so a flood of requests stays in Redis, not in memory. */
    if (crawler->waiting_count >= (size_t)crawler->config->crawler.max_in_flight)
        room = 0;
    struct reading *reading = room > 0 ? malloc(sizeof(*reading)) : NULL;
    if (reading == NULL) {
        next(crawler, shard);
        return;
    }
    reading->crawler = crawler;
    reading->shard = shard;
    reading->max = room < (size_t)batch ? (int)room : batch;
    reading->next = next;
    long long stale_ms = (long long)crawler->config->schedule.lease_ms * RESCAN_STALE_LEASES;
    if (rescan_read_async(crawler->shard_redis[shard], crawler->config, shard, crawler->name,
                          reading->max, stale_ms, on_read, reading, err, sizeof(err)) != 0) {
        log_warn("shard %d: cannot read rescan requests: %s", shard, err);
        free(reading);
        next(crawler, shard);
        return;
    }
    crawler->reserved += (size_t)reading->max;
    crawler->pending++;
}
