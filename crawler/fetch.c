/* The fetch engine's loop side: libuv watches the sockets and the one timer curl multi asks for
 * (curl_multi_socket_action), and a scheduler decides which queued request starts when.
 *
 * Every request is in exactly one list: its politeness key's FIFO queue (waiting), the engine's
 * in-flight list, or the failed list (decided before it could start, delivered on the next loop
 * turn). The queues are bounded only by what the caller submits: the crawler keeps its requests
 * in flight few, so nothing here caps them.
 *
 * Scheduling is round robin over the keys with waiting requests, so one busy key cannot starve
 * the others of the engine-wide connection budget. A key's next_start is the earliest loop time
 * its next request may start: the last start plus min_interval_ms, pushed later by a platform's
 * Retry-After or spent rate-limit budget. */
#include "crawler/fetch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "config/log.h"
#include "crawler/fetch_transfer.h"

/* A 429 that says neither when to retry nor when the budget resets. */
#define DEFAULT_BACKOFF_MS 60000
/* Idle keys (nothing queued, nothing running, no wait pending) are forgotten this often. */
#define SWEEP_INTERVAL_MS 60000
#define INITIAL_BUCKETS 64
#define MAX_SPARE_HANDLES 64

struct transfer_list {
    struct fetch_transfer *head, *tail;
};

struct fetch_key {
    char *name;
    struct transfer_list waiting;
    int in_flight;
    uint64_t next_start; /* uv_now() time */
    struct fetch_key *bucket_next;
    struct fetch_key *turn_prev, *turn_next; /* in fetch->turns while waiting is not empty */
    int has_turn;
};

struct socket_watch {
    uv_poll_t poll;
    curl_socket_t fd;
    struct fetch *fetch;
    struct socket_watch *prev, *next;
};

struct fetch {
    uv_loop_t *loop;
    struct fetch_limits limits;
    char *user_agent;
    CURLM *multi;
    CURLSH *share;
    int closing;

    uv_timer_t curl_timer; /* the timeout curl asked for */
    uv_timer_t kick;       /* next loop turn: deliver failures, start work, or tear down */
    uv_timer_t wake;       /* the earliest next_start of a key held back by time */
    uv_timer_t sweep;      /* forgets idle keys */
    int open_handles;      /* the four timers and every socket watch */

    struct fetch_key **buckets;
    size_t bucket_count, key_count;
    struct fetch_key *turns_head, *turns_tail; /* keys with waiting requests, in turn order */

    struct transfer_list in_flight, failed;
    size_t pending, running;
    struct socket_watch *watches;

    /* Easy handles of finished transfers, reset and reused: creating one costs more than a
     * small GET on a kept-alive connection. */
    CURL **spare;
    size_t spare_count, spare_cap;
};

static uint64_t hrtime_ms(void)
{
    return uv_hrtime() / 1000000u;
}

static long long wall_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* ---- transfer lists ---- */

static void list_push(struct transfer_list *list, struct fetch_transfer *transfer)
{
    transfer->next = NULL;
    transfer->prev = list->tail;
    if (list->tail != NULL)
        list->tail->next = transfer;
    else
        list->head = transfer;
    list->tail = transfer;
}

static void list_remove(struct transfer_list *list, struct fetch_transfer *transfer)
{
    if (transfer->prev != NULL)
        transfer->prev->next = transfer->next;
    else
        list->head = transfer->next;
    if (transfer->next != NULL)
        transfer->next->prev = transfer->prev;
    else
        list->tail = transfer->prev;
    transfer->prev = transfer->next = NULL;
}

static void list_append(struct transfer_list *to, struct transfer_list *from)
{
    while (from->head != NULL) {
        struct fetch_transfer *transfer = from->head;
        list_remove(from, transfer);
        list_push(to, transfer);
    }
}

/* ---- politeness keys ---- */

static size_t key_hash(const char *name)
{
    uint64_t hash = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
        hash = (hash ^ *p) * 1099511628211ULL;
    return (size_t)hash;
}

static int grow_buckets(struct fetch *fetch)
{
    size_t count = fetch->bucket_count * 2;
    struct fetch_key **buckets = calloc(count, sizeof(*buckets));
    if (buckets == NULL)
        return -1;
    for (size_t i = 0; i < fetch->bucket_count; i++) {
        struct fetch_key *key = fetch->buckets[i];
        while (key != NULL) {
            struct fetch_key *next = key->bucket_next;
            size_t slot = key_hash(key->name) & (count - 1);
            key->bucket_next = buckets[slot];
            buckets[slot] = key;
            key = next;
        }
    }
    free(fetch->buckets);
    fetch->buckets = buckets;
    fetch->bucket_count = count;
    return 0;
}

static struct fetch_key *key_get(struct fetch *fetch, const char *name)
{
    size_t slot = key_hash(name) & (fetch->bucket_count - 1);
    for (struct fetch_key *key = fetch->buckets[slot]; key != NULL; key = key->bucket_next)
        if (strcmp(key->name, name) == 0)
            return key;
    /* A failed growth only makes chains longer. */
    if (fetch->key_count >= fetch->bucket_count && grow_buckets(fetch) == 0)
        slot = key_hash(name) & (fetch->bucket_count - 1);
    struct fetch_key *key = calloc(1, sizeof(*key));
    if (key == NULL || (key->name = strdup(name)) == NULL) {
        free(key);
        return NULL;
    }
    key->bucket_next = fetch->buckets[slot];
    fetch->buckets[slot] = key;
    fetch->key_count++;
    return key;
}

static void key_free(struct fetch_key *key)
{
    free(key->name);
    free(key);
}

static int key_idle(const struct fetch_key *key, uint64_t now)
{
    return key->waiting.head == NULL && key->in_flight == 0 && key->next_start <= now;
}

static void sweep_keys(struct fetch *fetch, int all)
{
    uint64_t now = uv_now(fetch->loop);
    for (size_t i = 0; i < fetch->bucket_count; i++) {
        struct fetch_key **link = &fetch->buckets[i];
        while (*link != NULL) {
            struct fetch_key *key = *link;
            if (all || key_idle(key, now)) {
                *link = key->bucket_next;
                fetch->key_count--;
                key_free(key);
            } else {
                link = &key->bucket_next;
            }
        }
    }
}

static void turn_add(struct fetch *fetch, struct fetch_key *key)
{
    if (key->has_turn)
        return;
    key->has_turn = 1;
    key->turn_next = NULL;
    key->turn_prev = fetch->turns_tail;
    if (fetch->turns_tail != NULL)
        fetch->turns_tail->turn_next = key;
    else
        fetch->turns_head = key;
    fetch->turns_tail = key;
}

static void turn_remove(struct fetch *fetch, struct fetch_key *key)
{
    if (!key->has_turn)
        return;
    if (key->turn_prev != NULL)
        key->turn_prev->turn_next = key->turn_next;
    else
        fetch->turns_head = key->turn_next;
    if (key->turn_next != NULL)
        key->turn_next->turn_prev = key->turn_prev;
    else
        fetch->turns_tail = key->turn_prev;
    key->turn_prev = key->turn_next = NULL;
    key->has_turn = 0;
}

/* Waits the platform asked for: Retry-After, or a spent budget until its reset. */
static void apply_platform_wait(struct fetch *fetch, struct fetch_key *key,
                                const struct fetch_response *response)
{
    if (response->status == 0)
        return;
    long long wait_ms = response->retry_after_ms;
    if (response->rate_limit_remaining == 0 && response->rate_limit_reset_ms >= 0) {
        long long until_reset = response->rate_limit_reset_ms - wall_ms();
        if (until_reset > wait_ms)
            wait_ms = until_reset;
    }
    if (response->status == 429 && wait_ms < 0)
        wait_ms = DEFAULT_BACKOFF_MS;
    if (wait_ms <= 0)
        return;
    /* +1: loop time counts whole milliseconds, and the wait must not end early. */
    uint64_t until = uv_now(fetch->loop) + (uint64_t)wait_ms + 1;
    if (until > key->next_start)
        key->next_start = until;
}

/* ---- the curl multi and the loop ---- */

static void on_handle_closed(uv_handle_t *handle);
static void process_finished(struct fetch *fetch);
static void dispatch(struct fetch *fetch);

static void watch_close(struct socket_watch *watch)
{
    struct fetch *fetch = watch->fetch;
    if (watch->prev != NULL)
        watch->prev->next = watch->next;
    else
        fetch->watches = watch->next;
    if (watch->next != NULL)
        watch->next->prev = watch->prev;
    uv_close((uv_handle_t *)&watch->poll, on_handle_closed);
}

static void on_poll(uv_poll_t *poll, int status, int events)
{
    struct socket_watch *watch = poll->data;
    struct fetch *fetch = watch->fetch;
    if (fetch->closing)
        return;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(fetch->multi, watch->fd, flags, &running);
    process_finished(fetch);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int action, void *data, void *socket_data)
{
    (void)easy;
    struct fetch *fetch = data;
    struct socket_watch *watch = socket_data;
    if (action == CURL_POLL_REMOVE) {
        if (watch != NULL) {
            curl_multi_assign(fetch->multi, fd, NULL);
            watch_close(watch);
        }
        return 0;
    }
    if (watch == NULL) {
        watch = calloc(1, sizeof(*watch));
        if (watch == NULL)
            return -1;
        if (uv_poll_init_socket(fetch->loop, &watch->poll, fd) != 0) {
            free(watch);
            return -1;
        }
        watch->poll.data = watch;
        watch->fd = fd;
        watch->fetch = fetch;
        watch->next = fetch->watches;
        if (fetch->watches != NULL)
            fetch->watches->prev = watch;
        fetch->watches = watch;
        fetch->open_handles++;
        curl_multi_assign(fetch->multi, fd, watch);
    }
    int events = 0;
    if (action & CURL_POLL_IN)
        events |= UV_READABLE;
    if (action & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    return uv_poll_start(&watch->poll, events, on_poll) == 0 ? 0 : -1;
}

static void on_curl_timeout(uv_timer_t *timer)
{
    struct fetch *fetch = timer->data;
    if (fetch->closing)
        return;
    int running;
    curl_multi_socket_action(fetch->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    process_finished(fetch);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *data)
{
    (void)multi;
    struct fetch *fetch = data;
    /* Never socket_action from here: curl forbids the recursion, so even 0 waits a turn. */
    if (timeout_ms < 0)
        uv_timer_stop(&fetch->curl_timer);
    else
        uv_timer_start(&fetch->curl_timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

static void on_kick(uv_timer_t *timer);
static void on_wake(uv_timer_t *timer);

static void kick(struct fetch *fetch)
{
    uv_timer_start(&fetch->kick, on_kick, 0, 0);
}

/* ---- starting and finishing requests ---- */

/* Starts the transfer's current hop; -1 with its response failed. */
static int start_hop(struct fetch *fetch, struct fetch_transfer *transfer)
{
    long long used_ms = (long long)(hrtime_ms() - transfer->started_ms);
    long long left_ms = fetch->limits.total_timeout_ms - used_ms;
    if (left_ms <= 0) {
        fetch_transfer_fail(transfer, FETCH_ERROR_TIMEOUT,
                            "no time left for redirect %d to %.200s", transfer->hops,
                            transfer->url);
        return -1;
    }
    if (fetch_transfer_prepare(transfer, &fetch->limits, fetch->share, (long)left_ms) != 0)
        return -1;
    CURLMcode rc = curl_multi_add_handle(fetch->multi, transfer->easy);
    if (rc != CURLM_OK) {
        fetch_transfer_fail(transfer, FETCH_ERROR_CONNECT, "curl multi: %s",
                            curl_multi_strerror(rc));
        return -1;
    }
    return 0;
}

static void fail_later(struct fetch *fetch, struct fetch_transfer *transfer)
{
    transfer->key = NULL;
    list_push(&fetch->failed, transfer);
    kick(fetch);
}

static void start(struct fetch *fetch, struct fetch_key *key, uint64_t now)
{
    struct fetch_transfer *transfer = key->waiting.head;
    list_remove(&key->waiting, transfer);
    if (key->waiting.head == NULL)
        turn_remove(fetch, key);
    key->next_start = now + (uint64_t)fetch->limits.min_interval_ms;
    transfer->started_ms = hrtime_ms();
    if (fetch->spare_count > 0)
        transfer->easy = fetch->spare[--fetch->spare_count];
    if (start_hop(fetch, transfer) != 0) {
        fail_later(fetch, transfer);
        return;
    }
    key->in_flight++;
    fetch->running++;
    list_push(&fetch->in_flight, transfer);
}

static int can_start(const struct fetch *fetch, const struct fetch_key *key, uint64_t now)
{
    return key->in_flight < fetch->limits.max_connections && key->next_start <= now;
}

static void dispatch(struct fetch *fetch)
{
    if (fetch->closing)
        return;
    uv_update_time(fetch->loop);
    uint64_t now = uv_now(fetch->loop);
    while (fetch->running < (size_t)fetch->limits.max_total_connections) {
        struct fetch_key *key = fetch->turns_head;
        while (key != NULL && !can_start(fetch, key, now))
            key = key->turn_next;
        if (key == NULL)
            break;
        /* To the back of the line: the other keys get the next free connections. */
        turn_remove(fetch, key);
        turn_add(fetch, key);
        start(fetch, key, now);
    }
    uint64_t earliest = UINT64_MAX;
    for (struct fetch_key *key = fetch->turns_head; key != NULL; key = key->turn_next)
        if (key->in_flight < fetch->limits.max_connections && key->next_start > now &&
            key->next_start < earliest)
            earliest = key->next_start;
    if (earliest != UINT64_MAX)
        uv_timer_start(&fetch->wake, on_wake, earliest - now, 0);
    else
        uv_timer_stop(&fetch->wake);
}

static void on_wake(uv_timer_t *timer)
{
    dispatch(timer->data);
}

static void deliver(struct fetch *fetch, struct fetch_transfer *transfer)
{
    struct fetch_response *response = &transfer->response;
    uint64_t now = hrtime_ms();
    if (transfer->started_ms != 0) {
        response->queued_ms = (long long)(transfer->started_ms - transfer->submitted_ms);
        response->elapsed_ms = (long long)(now - transfer->started_ms);
    } else {
        response->queued_ms = (long long)(now - transfer->submitted_ms);
    }
    fetch->pending--;
    transfer->done(response, transfer->data);
    if (transfer->easy != NULL && !fetch->closing &&
        fetch->spare_count < fetch->spare_cap) {
        fetch->spare[fetch->spare_count++] = transfer->easy;
        transfer->easy = NULL;
    }
    fetch_transfer_free(transfer);
}

static void finish(struct fetch *fetch, struct fetch_transfer *transfer)
{
    struct fetch_key *key = transfer->key;
    list_remove(&fetch->in_flight, transfer);
    fetch->running--;
    key->in_flight--;
    apply_platform_wait(fetch, key, &transfer->response);
    deliver(fetch, transfer);
}

static void process_finished(struct fetch *fetch)
{
    CURLMsg *message;
    int left;
    /* A done callback may close the engine: what is still running is then cancelled. */
    while (!fetch->closing && (message = curl_multi_info_read(fetch->multi, &left)) != NULL) {
        if (message->msg != CURLMSG_DONE)
            continue;
        CURL *easy = message->easy_handle;
        CURLcode result = message->data.result;
        struct fetch_transfer *transfer = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&transfer);
        curl_multi_remove_handle(fetch->multi, easy);
        if (fetch_transfer_finish(transfer, result, wall_ms()) == FETCH_TRANSFER_REDIRECT &&
            start_hop(fetch, transfer) == 0)
            continue;
        finish(fetch, transfer);
    }
    dispatch(fetch);
}

static void deliver_failed(struct fetch *fetch)
{
    /* Taken whole: failures the callbacks cause wait for the next turn. */
    struct transfer_list failed = fetch->failed;
    fetch->failed.head = fetch->failed.tail = NULL;
    while (failed.head != NULL) {
        struct fetch_transfer *transfer = failed.head;
        list_remove(&failed, transfer);
        deliver(fetch, transfer);
    }
}

/* ---- closing ---- */

static void free_engine(struct fetch *fetch)
{
    sweep_keys(fetch, 1);
    free(fetch->buckets);
    free(fetch->spare);
    free(fetch->user_agent);
    free(fetch);
    curl_global_cleanup();
}

static void on_handle_closed(uv_handle_t *handle)
{
    struct fetch *fetch;
    if (handle->type == UV_POLL) {
        struct socket_watch *watch = handle->data;
        fetch = watch->fetch;
        free(watch);
    } else {
        fetch = handle->data;
    }
    if (--fetch->open_handles == 0)
        free_engine(fetch);
}

static void tear_down(struct fetch *fetch)
{
    struct transfer_list cancelled = {NULL, NULL};
    for (struct fetch_transfer *t = fetch->in_flight.head; t != NULL; t = t->next)
        curl_multi_remove_handle(fetch->multi, t->easy);
    list_append(&cancelled, &fetch->in_flight);
    while (fetch->turns_head != NULL) {
        struct fetch_key *key = fetch->turns_head;
        list_append(&cancelled, &key->waiting);
        turn_remove(fetch, key);
    }
    curl_multi_cleanup(fetch->multi);
    fetch->multi = NULL;
    while (fetch->watches != NULL)
        watch_close(fetch->watches);

    for (struct fetch_transfer *t = cancelled.head; t != NULL; t = t->next) {
        fetch_transfer_fail(t, FETCH_ERROR_CANCELLED, "the fetch engine was closed");
        t->response.status = 0;
    }
    list_append(&cancelled, &fetch->failed);
    while (cancelled.head != NULL) {
        struct fetch_transfer *transfer = cancelled.head;
        list_remove(&cancelled, transfer);
        deliver(fetch, transfer);
    }
    while (fetch->spare_count > 0)
        curl_easy_cleanup(fetch->spare[--fetch->spare_count]);
    curl_share_cleanup(fetch->share);
    fetch->share = NULL;

    uv_timer_t *timers[] = {&fetch->curl_timer, &fetch->kick, &fetch->wake, &fetch->sweep};
    for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
        uv_timer_stop(timers[i]);
        uv_close((uv_handle_t *)timers[i], on_handle_closed);
    }
}

static void on_kick(uv_timer_t *timer)
{
    struct fetch *fetch = timer->data;
    if (fetch->closing) {
        tear_down(fetch);
        return;
    }
    deliver_failed(fetch);
    dispatch(fetch);
}

static void on_sweep(uv_timer_t *timer)
{
    sweep_keys(timer->data, 0);
}

/* ---- the contract ---- */

static int check_limits(const struct fetch_limits *limits, char *err, size_t err_len)
{
    if (limits->connect_timeout_ms <= 0 || limits->total_timeout_ms <= 0)
        return error_set(err, err_len, "fetch limits: timeouts must be positive (connect %d ms, "
                         "total %d ms)", limits->connect_timeout_ms, limits->total_timeout_ms);
    if (limits->low_speed_bytes < 0 || limits->low_speed_time_s < 0)
        return error_set(err, err_len, "fetch limits: low speed %d bytes/s for %d s is negative",
                         limits->low_speed_bytes, limits->low_speed_time_s);
    if (limits->max_body_bytes <= 0 || limits->max_body_bytes >= (long)(SIZE_MAX / 2))
        return error_set(err, err_len, "fetch limits: max_body_bytes %ld is out of range",
                         limits->max_body_bytes);
    if (limits->max_connections <= 0 || limits->max_total_connections <= 0)
        return error_set(err, err_len, "fetch limits: connections must be positive (per key %d, "
                         "total %d)", limits->max_connections, limits->max_total_connections);
    if (limits->min_interval_ms < 0)
        return error_set(err, err_len, "fetch limits: min_interval_ms %d is negative",
                         limits->min_interval_ms);
    if (limits->user_agent == NULL || limits->user_agent[0] == '\0' ||
        strpbrk(limits->user_agent, "\r\n") != NULL)
        return error_set(err, err_len, "fetch limits: user_agent is missing or has a line break");
    return 0;
}

int fetch_open(uv_loop_t *loop, const struct fetch_limits *limits, struct fetch **out, char *err,
               size_t err_len)
{
    *out = NULL;
    if (check_limits(limits, err, err_len) != 0)
        return -1;
    CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (global != CURLE_OK)
        return error_set(err, err_len, "curl: %s", curl_easy_strerror(global));
    struct fetch *fetch = calloc(1, sizeof(*fetch));
    if (fetch == NULL)
        goto out_of_memory;
    fetch->loop = loop;
    fetch->limits = *limits;
    fetch->user_agent = strdup(limits->user_agent);
    fetch->limits.user_agent = fetch->user_agent;
    fetch->bucket_count = INITIAL_BUCKETS;
    fetch->buckets = calloc(fetch->bucket_count, sizeof(*fetch->buckets));
    fetch->spare_cap = limits->max_total_connections < MAX_SPARE_HANDLES
                           ? (size_t)limits->max_total_connections
                           : MAX_SPARE_HANDLES;
    fetch->spare = calloc(fetch->spare_cap, sizeof(*fetch->spare));
    fetch->multi = curl_multi_init();
    fetch->share = curl_share_init();
    if (fetch->user_agent == NULL || fetch->buckets == NULL || fetch->spare == NULL ||
        fetch->multi == NULL || fetch->share == NULL)
        goto out_of_memory;
    /* TLS sessions are per easy handle unless shared; connections and DNS the multi shares. */
    if (curl_share_setopt(fetch->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
        curl_multi_setopt(fetch->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
        curl_multi_setopt(fetch->multi, CURLMOPT_SOCKETDATA, fetch) != CURLM_OK ||
        curl_multi_setopt(fetch->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK ||
        curl_multi_setopt(fetch->multi, CURLMOPT_TIMERDATA, fetch) != CURLM_OK ||
        /* Backstops behind the scheduler's own limits. Keys sharing a host ("host#token")
         * share its connections: HTTP/2 multiplexes them, on HTTP/1.1 curl queues the rest. */
        curl_multi_setopt(fetch->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                          (long)limits->max_connections) != CURLM_OK ||
        curl_multi_setopt(fetch->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                          (long)limits->max_total_connections) != CURLM_OK) {
        error_set(err, err_len, "curl refused the multi handle's options");
        goto cleanup;
    }
    uv_timer_t *timers[] = {&fetch->curl_timer, &fetch->kick, &fetch->wake, &fetch->sweep};
    for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
        uv_timer_init(loop, timers[i]);
        timers[i]->data = fetch;
    }
    fetch->open_handles = (int)(sizeof(timers) / sizeof(timers[0]));
    uv_timer_start(&fetch->sweep, on_sweep, SWEEP_INTERVAL_MS, SWEEP_INTERVAL_MS);
    uv_unref((uv_handle_t *)&fetch->sweep);
    *out = fetch;
    return 0;
out_of_memory:
    error_set(err, err_len, "out of memory");
cleanup:
    if (fetch != NULL) {
        if (fetch->multi != NULL)
            curl_multi_cleanup(fetch->multi);
        if (fetch->share != NULL)
            curl_share_cleanup(fetch->share);
        free(fetch->buckets);
        free(fetch->spare);
        free(fetch->user_agent);
        free(fetch);
    }
    curl_global_cleanup();
    return -1;
}

int fetch_submit(struct fetch *fetch, const struct fetch_request *request, fetch_done_fn *done,
                 void *data, char *err, size_t err_len)
{
    if (fetch->closing)
        return error_set(err, err_len, "the fetch engine is closed");
    if (done == NULL)
        return error_set(err, err_len, "fetch_submit without a done callback");
    struct fetch_transfer *transfer = fetch_transfer_new(request, done, data);
    if (transfer == NULL)
        return error_set(err, err_len, "out of memory");
    transfer->submitted_ms = hrtime_ms();
    if (fetch_transfer_check_url(transfer, FETCH_ERROR_BAD_URL) != 0) {
        fetch->pending++;
        fail_later(fetch, transfer);
        return 0;
    }
    struct fetch_key *key = key_get(fetch, transfer->key_name);
    if (key == NULL) {
        fetch_transfer_free(transfer);
        return error_set(err, err_len, "out of memory");
    }
    transfer->key = key;
    list_push(&key->waiting, transfer);
    turn_add(fetch, key);
    fetch->pending++;
    kick(fetch);
    return 0;
}

void fetch_close(struct fetch *fetch)
{
    if (fetch == NULL || fetch->closing)
        return;
    fetch->closing = 1;
    uv_timer_stop(&fetch->curl_timer);
    uv_timer_stop(&fetch->wake);
    uv_timer_stop(&fetch->sweep);
    for (struct socket_watch *watch = fetch->watches; watch != NULL; watch = watch->next)
        uv_poll_stop(&watch->poll);
    kick(fetch);
}

size_t fetch_pending(const struct fetch *fetch)
{
    return fetch->pending;
}
