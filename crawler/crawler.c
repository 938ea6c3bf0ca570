/* The daemon's loop: Redis links per shard, the poll round (rescans, then claims from the post
 * schedule, then from the engage schedule), crawls in flight, heartbeats, and the shutdown.
 * Rescan requests are rescans.c's. */
#include "crawler/crawler.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/log.h"
#include "crawler/daemon.h"
#include "queue/heartbeat.h"
#include "queue/keys.h"
#include "queue/sched.h"

/* ---- accounts backing off ----------------------------------------------------------------- */

/* Where id is or would go in the sorted set. */
static size_t set_position(const struct account_set *set, const char *id, int *found)
{
    size_t low = 0, high = set->count;
    *found = 0;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = strcmp(set->ids[middle], id);
        if (order == 0) {
            *found = 1;
            return middle;
        }
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

static void set_add(struct account_set *set, const char *id)
{
    int found;
    size_t at = set_position(set, id, &found);
    if (found)
        return;
    if (set->count == set->capacity) {
        size_t capacity = set->capacity ? set->capacity * 2 : 16;
        char **grown = realloc(set->ids, capacity * sizeof(*grown));
        if (grown == NULL)
            return; /* only a count is lost */
        set->ids = grown;
        set->capacity = capacity;
    }
    char *copy = strdup(id);
    if (copy == NULL)
        return;
    memmove(set->ids + at + 1, set->ids + at, (set->count - at) * sizeof(*set->ids));
    set->ids[at] = copy;
    set->count++;
}

static void set_remove(struct account_set *set, const char *id)
{
    int found;
    size_t at = set_position(set, id, &found);
    if (!found)
        return;
    free(set->ids[at]);
    memmove(set->ids + at, set->ids + at + 1, (set->count - at - 1) * sizeof(*set->ids));
    set->count--;
}

static void set_free(struct account_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        free(set->ids[i]);
    free(set->ids);
    memset(set, 0, sizeof(*set));
}

/* ---- crawls ------------------------------------------------------------------------------- */

size_t crawler_capacity(const struct crawler *crawler)
{
    size_t max = (size_t)crawler->config->crawler.max_in_flight;
    size_t used = crawler->active + crawler->reserved;
    return crawler->state != CRAWLER_RUNNING || used >= max ? 0 : max - used;
}

static struct redis_async *account_redis(const struct crawler *crawler, const char *account)
{
    return crawler->shard_redis[keys_shard(account, crawler->config->redis.shards)];
}

static void on_released(enum sched_finish_result result, const char *error, void *data)
{
    (void)result;
    struct crawler *crawler = data;
    crawler->pending--;
    if (error != NULL)
        log_warn("cannot hand back a lease (it ends by itself): %s", error);
    crawler_maybe_close(crawler);
}

/* Due again now, for whoever claims it next. */
static void release_lease(struct crawler *crawler, enum sched_kind schedule, const char *account,
                          const char *token)
{
    char err[NETRA_ERR_LEN];
    if (sched_finish_async(account_redis(crawler, account), crawler->config, schedule, account,
                           token, 0, on_released, crawler, err, sizeof(err)) != 0) {
        log_warn("account %s: cannot hand back its lease (it ends by itself): %s", account, err);
        return;
    }
    crawler->pending++;
}

static void log_result(const char *account, const struct crawl_result *result)
{
    switch (result->outcome) {
    case CRAWL_PAUSED:
        log_debug("account %s: %s", account, result->error);
        break;
    case CRAWL_DONE:
    case CRAWL_NOT_MODIFIED:
        log_debug("account %s: %lld pages, %lld posts read, %lld new", account, result->pages,
                  result->posts_seen, result->posts_new);
        break;
    case CRAWL_FAILED:
        log_warn("account %s: %s error: %s", account, crawl_error_kind_name(result->error_kind),
                 result->error);
        break;
    case CRAWL_STOPPED:
    case CRAWL_REMOVED:
        log_info("account %s: %s", account, result->error);
        break;
    default:
        log_warn("account %s: %s", account, result->error);
        break;
    }
}

static void on_crawl_progress(const struct crawl_result *so_far, void *data)
{
    struct running *running = data;
    rescans_progress(running->crawler, running->rescan, so_far);
}

/* Takes a crawl that ended out of the running list. */
static void unlink_running(struct running *running, const struct crawl_result *result)
{
    struct crawler *crawler = running->crawler;
    if (running->prev != NULL)
        running->prev->next = running->next;
    else
        crawler->running = running->next;
    if (running->next != NULL)
        running->next->prev = running->prev;
    crawler->active--;
    log_result(running->account, result);
}

/* An engagement crawl says nothing of the account's posts: it stays out of backing_off. */
static void on_engagement_done(const struct crawl_result *result, void *data)
{
    struct running *running = data;
    struct crawler *crawler = running->crawler;
    unlink_running(running, result);
    free(running->account);
    free(running);
    crawler_maybe_close(crawler);
}

static void on_crawl_done(const struct crawl_result *result, void *data)
{
    struct running *running = data;
    struct crawler *crawler = running->crawler;
    unlink_running(running, result);
    if (running->rescan != NULL) {
        rescans_ended(crawler, running->rescan, result);
    } else {
        switch (result->outcome) {
        case CRAWL_FAILED:
            crawler->crawls_failed++;
            set_add(&crawler->backing_off, running->account);
            break;
        case CRAWL_DONE:
        case CRAWL_NOT_MODIFIED:
        case CRAWL_TRUNCATED:
            crawler->crawls_ok++;
            set_remove(&crawler->backing_off, running->account);
            break;
        case CRAWL_GONE:
        case CRAWL_REMOVED:
            set_remove(&crawler->backing_off, running->account);
            break;
        default:
            break; /* rate limited, paused, stopped, lease lost: nothing said of the account */
        }
    }
    free(running->account);
    free(running);
    crawler_maybe_close(crawler);
}

static int start_crawl(struct crawler *crawler, enum sched_kind schedule, const char *account,
                       const char *token, struct rescan_run *rescan)
{
    char err[NETRA_ERR_LEN];
    struct running *running = NULL;
    if (crawler->state != CRAWLER_RUNNING) {
        error_set(err, sizeof(err), "the crawler is stopping");
        goto fail;
    }
    if ((running = calloc(1, sizeof(*running))) == NULL ||
        (running->account = strdup(account)) == NULL) {
        error_set(err, sizeof(err), "out of memory");
        goto fail;
    }
    running->crawler = crawler;
    running->rescan = rescan;
    struct crawl_job job = {
        .schedule = schedule,
        .account = account,
        .redis = account_redis(crawler, account),
        .token = token,
        .since_s = rescan != NULL ? rescan->request.since_s : 0,
        .rescan_id = rescan != NULL ? rescan->request.rid : NULL,
    };
    if (crawl_start(&crawler->context, &job, rescan != NULL ? on_crawl_progress : NULL,
                    schedule == SCHED_ENGAGE ? on_engagement_done : on_crawl_done, running,
                    &running->crawl, err, sizeof(err)) != 0)
        goto fail;
    running->next = crawler->running;
    if (crawler->running != NULL)
        crawler->running->prev = running;
    crawler->running = running;
    crawler->active++;
    return 0;

fail:
    if (running != NULL)
        free(running->account);
    free(running);
    if (crawler->state == CRAWLER_RUNNING)
        log_warn("account %s: cannot start its crawl: %s", account, err);
    release_lease(crawler, schedule, account, token);
    return -1;
}

int crawler_start_crawl(struct crawler *crawler, const char *account, const char *token,
                        struct rescan_run *rescan)
{
    return start_crawl(crawler, SCHED_POSTS, account, token, rescan);
}

/* ---- the poll round ----------------------------------------------------------------------- */

static void on_poll_timer(uv_timer_t *timer);
static void poll_from(struct crawler *crawler, int step);

/* The step of the round after shard's: rounds start at a different shard each time, so no shard
 * takes all the room every round. */
static int step_after(const struct crawler *crawler, int shard)
{
    int shards = crawler->config->redis.shards;
    return (shard - crawler->poll_first + shards) % shards + 1;
}

static void poll_end(struct crawler *crawler)
{
    crawler->polling = 0;
    if (crawler->poll_again && crawler_capacity(crawler) > 0)
        uv_timer_start(&crawler->poll_timer, on_poll_timer, 0,
                       (uint64_t)crawler->config->crawler.poll_interval_ms);
    crawler_maybe_close(crawler);
}

struct claim_call {
    struct crawler *crawler;
    enum sched_kind schedule;
    int shard;
    int max;
};

static void claim(struct crawler *crawler, int shard, enum sched_kind schedule);

static void on_claimed(struct sched_claims *claims, const char *error, void *data)
{
    struct claim_call *call = data;
    struct crawler *crawler = call->crawler;
    int shard = call->shard;
    enum sched_kind schedule = call->schedule;
    crawler->reserved -= (size_t)call->max;
    crawler->pending--;
    if (error != NULL) {
        log_warn("shard %d: cannot claim due accounts from %s: %s", shard,
                 sched_kind_name(schedule), error);
    } else {
        for (size_t i = 0; i < claims->count; i++)
            start_crawl(crawler, schedule, claims->items[i].account, claims->items[i].token,
                        NULL);
        if (claims->count == (size_t)call->max)
            crawler->poll_again = 1;
    }
    free(call);
    if (schedule == SCHED_POSTS && crawler->config->engagement.enabled)
        claim(crawler, shard, SCHED_ENGAGE);
    else
        poll_from(crawler, step_after(crawler, shard));
}

/* A step of a shard's turn: its post schedule after its rescan requests, then its engage
 * schedule with the room left. */
static void claim(struct crawler *crawler, int shard, enum sched_kind schedule)
{
    char err[NETRA_ERR_LEN];
    size_t room = crawler_capacity(crawler);
    if (room == 0) {
        poll_end(crawler);
        return;
    }
    struct claim_call *call = malloc(sizeof(*call));
    if (call == NULL) {
        log_warn("shard %d: cannot claim due accounts: out of memory", shard);
        poll_end(crawler);
        return;
    }
    int batch = crawler->config->crawler.claim_batch;
    call->crawler = crawler;
    call->schedule = schedule;
    call->shard = shard;
    call->max = room < (size_t)batch ? (int)room : batch;
    if (sched_claim_due_async(crawler->shard_redis[shard], crawler->config, schedule, shard,
                              crawler->name, call->max, on_claimed, call, err,
                              sizeof(err)) != 0) {
        log_warn("shard %d: cannot claim due accounts from %s: %s", shard,
                 sched_kind_name(schedule), err);
        free(call);
        poll_from(crawler, step_after(crawler, shard));
        return;
    }
    crawler->reserved += (size_t)call->max;
    crawler->pending++;
}

static void claim_due(struct crawler *crawler, int shard)
{
    claim(crawler, shard, SCHED_POSTS);
}

static void poll_from(struct crawler *crawler, int step)
{
    int shards = crawler->config->redis.shards;
    for (; step < shards && crawler_capacity(crawler) > 0; step++) {
        int shard = (crawler->poll_first + step) % shards;
        if (redis_async_ready(crawler->shard_redis[shard])) {
            rescans_poll(crawler, shard, claim_due);
            return;
        }
    }
    poll_end(crawler);
}

static void on_poll_timer(uv_timer_t *timer)
{
    struct crawler *crawler = timer->data;
    if (crawler->polling || crawler->state != CRAWLER_RUNNING)
        return;
    crawler->polling = 1;
    crawler->poll_again = 0;
    rescans_touch_running(crawler);
    rescans_retry_waiting(crawler);
    crawler->poll_first = (crawler->poll_first + 1) % crawler->config->redis.shards;
    poll_from(crawler, 0);
}

/* ---- heartbeat ---------------------------------------------------------------------------- */

static void on_beat(const char *error, void *data)
{
    struct crawler *crawler = data;
    crawler->beating = 0;
    if (error != NULL && crawler->state != CRAWLER_CLOSING)
        log_warn("heartbeat: %s", error);
}

static void on_heartbeat_timer(uv_timer_t *timer)
{
    struct crawler *crawler = timer->data;
    const struct crawl_counters *c = &crawler->counters;
    char err[NETRA_ERR_LEN];
    if (crawler->beating || !redis_async_ready(crawler->shard_redis[0]))
        return;
    struct heartbeat_counter counters[32 + CRAWL_ERROR_KINDS] = {
        {"in_flight", (long long)crawler->active},
        {"accounts_backing_off", (long long)crawler->backing_off.count},
        {"crawls_ok", crawler->crawls_ok},
        {"crawls_failed", crawler->crawls_failed},
        {"rescans_done", crawler->rescans_done},
        {"rescans_failed", crawler->rescans_failed},
        {"fetches_2xx", c->fetches_2xx},
        {"fetches_3xx", c->fetches_3xx},
        {"fetches_4xx", c->fetches_4xx},
        {"fetches_5xx", c->fetches_5xx},
        {"fetches_error", c->fetches_failed},
        {"bytes", c->bytes},
        {"posts_new", c->posts_new},
        {"posts_changed", c->posts_changed},
        {"posts_duplicate", c->posts_duplicate},
        {"items_skipped", c->items_skipped},
        {"rate_limited", c->rate_limited},
        {"gone", c->gone},
        {"engagement_ok", c->engagement_ok},
        {"engagement_failed", c->engagement_failed},
        {"follows_new", c->follows_new},
        {"follows_removed", c->follows_removed},
        {"likes_new", c->likes_new},
        {"deletions_detected", c->deletions_detected},
        {"deleted_flagged", c->deleted_flagged},
        {"deleted_purged", c->deleted_purged},
    };
    size_t count = 0; /* the named ones above; the rest of the array is the errors' */
    while (counters[count].name != NULL)
        count++;
    char names[CRAWL_ERROR_KINDS][32];
    for (int kind = CRAWL_ERROR_NONE + 1; kind < CRAWL_ERROR_KINDS; kind++) {
        snprintf(names[kind], sizeof(names[kind]), "errors_%s", crawl_error_kind_name(kind));
        counters[count].name = names[kind];
        counters[count++].value = c->errors[kind];
    }
    if (heartbeat_beat_async(crawler->shard_redis[0], crawler->config, crawler->name, counters,
                             count, on_beat, crawler, err, sizeof(err)) != 0)
        log_warn("heartbeat: %s", err);
    else
        crawler->beating = 1;
}

/* ---- shutdown ----------------------------------------------------------------------------- */

/* Handles never initialised (a failed start) have no data. */
static void close_handle(uv_handle_t *handle)
{
    if (handle->data != NULL && !uv_is_closing(handle))
        uv_close(handle, NULL);
}

void crawler_maybe_close(struct crawler *crawler)
{
    if (crawler->state != CRAWLER_DRAINING || crawler->active > 0 || crawler->reserved > 0 ||
        crawler->pending > 0 || crawler->polling)
        return;
    crawler->state = CRAWLER_CLOSING;
    log_info("every crawl ended and every lease is handed back: closing");
    uv_handle_t *handles[] = {(uv_handle_t *)&crawler->poll_timer,
                              (uv_handle_t *)&crawler->heartbeat_timer,
                              (uv_handle_t *)&crawler->grace_timer,
                              (uv_handle_t *)&crawler->sigterm, (uv_handle_t *)&crawler->sigint};
    /* Closing the signal handles gives SIGTERM and SIGINT back their default action: a supervisor
     * repeating its SIGTERM then would kill a crawler already on its way out (exit status 143
     * instead of 0). The stop is decided, so further stop signals are ignored; they are blocked
     * while the handles close, and one that arrived meanwhile is discarded by SIG_IGN. */
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++)
        close_handle(handles[i]);
    struct sigaction ignore = {0};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGTERM, &ignore, NULL);
    sigaction(SIGINT, &ignore, NULL);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    crawl_platforms_close(crawler->platforms);
    for (size_t i = 0; i < crawler->link_count; i++)
        redis_async_close(crawler->links[i].redis);
}

/* The grace is over (or a second signal came): what still runs is stopped. Closing the fetch
 * engines cancels the requests in flight, and each crawl then saves and hands back. */
static void stop_crawls(struct crawler *crawler)
{
    if (crawler->active > 0)
        log_info("stopping %zu crawls still in flight", crawler->active);
    for (struct running *running = crawler->running; running != NULL; running = running->next)
        crawl_stop(running->crawl);
    crawl_platforms_close(crawler->platforms);
}

static void on_grace_timer(uv_timer_t *timer)
{
    stop_crawls(timer->data);
}

static void on_signal(uv_signal_t *handle, int signum)
{
    struct crawler *crawler = handle->data;
    if (crawler->state == CRAWLER_RUNNING) {
        log_info("signal %d: no more claims; %zu crawls may run on for up to %d ms", signum,
                 crawler->active, crawler->config->crawler.shutdown_grace_ms);
        crawler->state = CRAWLER_DRAINING;
        uv_timer_stop(&crawler->poll_timer);
        rescans_drop_waiting(crawler);
        uv_timer_start(&crawler->grace_timer, on_grace_timer,
                       (uint64_t)crawler->config->crawler.shutdown_grace_ms, 0);
        crawler_maybe_close(crawler);
    } else if (crawler->state == CRAWLER_DRAINING) {
        log_info("signal %d again: stopping now", signum);
        stop_crawls(crawler);
    }
}

/* ---- start and end ------------------------------------------------------------------------ */

void crawler_default_name(char *out, size_t out_len)
{
    char host[65] = "";
    if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
        snprintf(host, sizeof(host), "unknown");
    for (char *p = host; *p != '\0'; p++)
        if (*p == '/')
            *p = '_';
    snprintf(out, out_len, "crawler@%s:%ld", host, (long)getpid());
}

static int open_links(struct crawler *crawler, char *err, size_t err_len)
{
    int shards = crawler->config->redis.shards;
    crawler->links = calloc((size_t)shards, sizeof(*crawler->links));
    crawler->shard_redis = calloc((size_t)shards, sizeof(*crawler->shard_redis));
    if (crawler->links == NULL || crawler->shard_redis == NULL)
        return error_set(err, err_len, "out of memory");
    for (int shard = 0; shard < shards; shard++) {
        const char *url = config_shard_url(crawler->config, shard);
        struct shard_link *link = NULL;
        for (size_t i = 0; i < crawler->link_count && link == NULL; i++)
            if (strcmp(crawler->links[i].url, url) == 0)
                link = &crawler->links[i];
        if (link == NULL) {
            link = &crawler->links[crawler->link_count];
            if ((link->url = strdup(url)) == NULL)
                return error_set(err, err_len, "out of memory");
            if (redis_async_open(crawler->loop, crawler->config, url, NULL, NULL, &link->redis,
                                 err, err_len) != 0) {
                free(link->url);
                return -1;
            }
            crawler->link_count++;
        }
        crawler->shard_redis[shard] = link->redis;
    }
    return 0;
}

static void init_handles(struct crawler *crawler)
{
    uv_timer_t *timers[] = {&crawler->poll_timer, &crawler->heartbeat_timer,
                            &crawler->grace_timer};
    for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
        uv_timer_init(crawler->loop, timers[i]);
        timers[i]->data = crawler;
    }
    uv_signal_t *signals[] = {&crawler->sigterm, &crawler->sigint};
    int numbers[] = {SIGTERM, SIGINT};
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        uv_signal_init(crawler->loop, signals[i]);
        signals[i]->data = crawler;
        uv_signal_start(signals[i], on_signal, numbers[i]);
    }
}

int crawler_run(const struct netra_config *config, const char *name, char *err, size_t err_len)
{
    struct crawler crawler;
    uv_loop_t loop;
    int rc = -1;
    memset(&crawler, 0, sizeof(crawler));
    if (name == NULL || name[0] == '\0' || strlen(name) > CRAWLER_NAME_MAX ||
        strchr(name, '/') != NULL)
        return error_set(err, err_len, "crawler name: 1..%d bytes without '/'",
                         CRAWLER_NAME_MAX);
    if (uv_loop_init(&loop) != 0)
        return error_set(err, err_len, "cannot create the event loop");
    snprintf(crawler.name, sizeof(crawler.name), "%s", name);
    crawler.config = config;
    crawler.loop = &loop;
    crawler.state = CRAWLER_RUNNING;
    if (open_links(&crawler, err, err_len) != 0 ||
        crawl_platforms_open(&loop, config, &crawler.platforms, err, err_len) != 0) {
        crawler.state = CRAWLER_DRAINING;
        crawler_maybe_close(&crawler);
        uv_run(&loop, UV_RUN_DEFAULT);
        goto cleanup;
    }
    crawler.context.config = config;
    crawler.context.loop = &loop;
    crawler.context.platforms = crawler.platforms;
    crawler.context.counters = &crawler.counters;
    init_handles(&crawler);
    uv_timer_start(&crawler.poll_timer, on_poll_timer, 0,
                   (uint64_t)config->crawler.poll_interval_ms);
    uv_timer_start(&crawler.heartbeat_timer, on_heartbeat_timer, 0,
                   (uint64_t)config->process.heartbeat_interval_ms);
    log_info("%s: %d shards, up to %d crawls at once", crawler.name, config->redis.shards,
             config->crawler.max_in_flight);
    uv_run(&loop, UV_RUN_DEFAULT);
    rc = 0;

cleanup:
    if (uv_loop_close(&loop) != 0)
        log_warn("the event loop still had open handles at exit");
    crawl_platforms_free(crawler.platforms);
    for (size_t i = 0; i < crawler.link_count; i++)
        free(crawler.links[i].url);
    free(crawler.links);
    free(crawler.shard_redis);
    set_free(&crawler.backing_off);
    return rc;
}
