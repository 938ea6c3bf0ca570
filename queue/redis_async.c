#include "queue/redis_async.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>

#include "config/log.h"
#include "queue/redis_conn.h"
#include "config/redis_url.h"

enum async_state { STATE_WAITING, STATE_CONNECTING, STATE_HANDSHAKE, STATE_READY, STATE_CLOSING };

struct async_request {
    struct redis_async *redis;
    redis_async_fn *fn;
    void *data;
    uint64_t deadline; /* uv_now() time */
    char error[256];   /* why it failed before reaching Redis */
    struct async_request *prev, *next;
};

struct request_list {
    struct async_request *head, *tail;
};

struct redis_async {
    uv_loop_t *loop;
    struct redis_url url;
    char display[REDIS_URL_MAX_LEN + 32];
    int connect_timeout_ms, command_timeout_ms, reconnect_min_ms, reconnect_max_ms;
    redis_async_state_fn *on_state;
    void *state_data;

    enum async_state state;
    redisAsyncContext *context; /* NULL unless CONNECTING, HANDSHAKE or READY */
    int failed_attempts;
    int handshake_pending;
    int handshake_failed;
    char last_error[256];

    uv_timer_t timer;    /* WAITING: the backoff; CONNECTING/HANDSHAKE: the connect timeout */
    uv_timer_t watchdog; /* command deadlines while READY */
    uv_timer_t failer;   /* fails the requests in `failed` on the next loop turn */
    int open_handles;

    struct request_list in_flight; /* sent, in reply order */
    struct request_list failed;
};

static void on_timer(uv_timer_t *timer);

static void list_push(struct request_list *list, struct async_request *request)
{
    request->next = NULL;
    request->prev = list->tail;
    if (list->tail)
        list->tail->next = request;
    else
        list->head = request;
    list->tail = request;
}

static void list_remove(struct request_list *list, struct async_request *request)
{
    if (request->prev)
        request->prev->next = request->next;
    else
        list->head = request->next;
    if (request->next)
        request->next->prev = request->prev;
    else
        list->tail = request->prev;
    request->prev = request->next = NULL;
}

static void set_state(struct redis_async *redis, enum async_state state)
{
    int was_ready = redis->state == STATE_READY;
    redis->state = state;
    if (redis->on_state != NULL && was_ready != (state == STATE_READY))
        redis->on_state(redis, state == STATE_READY, redis->state_data);
}

static void schedule_reconnect(struct redis_async *redis)
{
    if (redis->state == STATE_CLOSING)
        return;
    set_state(redis, STATE_WAITING);
    int delay = redis_backoff_ms(redis->failed_attempts, redis->reconnect_min_ms,
                                 redis->reconnect_max_ms);
    uv_timer_start(&redis->timer, on_timer, (uint64_t)delay, 0);
}

/* Drops the connection from our side. Safe inside hiredis callbacks: hiredis defers the free
 * until the callback returns. In-flight requests fail with last_error. */
static void drop_connection(struct redis_async *redis, int failed_attempt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void drop_connection(struct redis_async *redis, int failed_attempt, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(redis->last_error, sizeof(redis->last_error), fmt, ap);
    va_end(ap);
    redisAsyncContext *context = redis->context;
    redis->context = NULL;
    uv_timer_stop(&redis->timer);
    if (redis->state != STATE_CLOSING)
        set_state(redis, STATE_WAITING);
    if (failed_attempt)
        redis->failed_attempts++;
    if (context != NULL) {
        context->data = NULL; /* our own drop: on_disconnect has nothing to add */
        redisAsyncFree(context);
    }
    schedule_reconnect(redis);
}

static void connect_failed(struct redis_async *redis, const char *why)
{
    error_set(redis->last_error, sizeof(redis->last_error), "cannot connect: %s", why);
    log_warn("redis %s: cannot connect: %s", redis->display, why);
    redis->failed_attempts++;
    schedule_reconnect(redis);
}

/* The error a request without a reply gets. */
static const char *request_error(const struct redis_async *redis, const redisAsyncContext *context)
{
    if (context != NULL && context->err)
        return context->errstr;
    return redis->last_error[0] ? redis->last_error : "connection lost";
}

static void on_reply(redisAsyncContext *context, void *reply, void *privdata)
{
    struct async_request *request = privdata;
    struct redis_async *redis = request->redis;
    list_remove(&redis->in_flight, request);
    char error[320];
    if (reply == NULL)
        error_set(error, sizeof(error), "%s: %s", redis->display, request_error(redis, context));
    request->fn(redis, reply, reply == NULL ? error : NULL, request->data);
    free(request);
}

static void on_failer(uv_timer_t *timer)
{
    struct redis_async *redis = timer->data;
    /* Taken as a whole: callbacks may queue more failures, which wait for the next turn. */
    struct async_request *request = redis->failed.head;
    redis->failed.head = redis->failed.tail = NULL;
    while (request != NULL) {
        struct async_request *next = request->next;
        request->fn(redis, NULL, request->error, request->data);
        free(request);
        request = next;
    }
}

static void fail_later(struct redis_async *redis, struct async_request *request, const char *why)
{
    error_set(request->error, sizeof(request->error), "%s: %s", redis->display, why);
    list_push(&redis->failed, request);
    uv_timer_start(&redis->failer, on_failer, 0, 0);
}

static int send_request(struct redis_async *redis, const struct redis_args *args,
                        int extra_timeout_ms, redis_async_fn *fn, void *data)
{
    struct async_request *request = calloc(1, sizeof(*request));
    if (request == NULL)
        return -1;
    request->redis = redis;
    request->fn = fn;
    request->data = data;
    char why[256];
    if (redis_args_ok(args, why, sizeof(why)) != 0 || args->argc == 0) {
        fail_later(redis, request, args->argc == 0 ? "empty command" : why);
        return 0;
    }
    if (redis->context == NULL ||
        redisAsyncCommandArgv(redis->context, on_reply, request, args->argc,
                              (const char **)args->argv, args->lens) != REDIS_OK) {
        error_set(why, sizeof(why), "not connected (%s)",
                 redis->last_error[0] ? redis->last_error : "connecting");
        fail_later(redis, request, why);
        return 0;
    }
    request->deadline = uv_now(redis->loop) + (uint64_t)redis->command_timeout_ms +
                        (uint64_t)(extra_timeout_ms > 0 ? extra_timeout_ms : 0);
    list_push(&redis->in_flight, request);
    return 0;
}

static void on_handshake_reply(struct redis_async *redis, redisReply *reply, const char *error,
                               void *data)
{
    (void)data;
    if (redis->state != STATE_HANDSHAKE)
        return;
    if (!redis->handshake_failed && (reply == NULL || reply->type == REDIS_REPLY_ERROR)) {
        redis->handshake_failed = 1;
        error_set(redis->last_error, sizeof(redis->last_error), "handshake refused: %.*s",
                 reply ? (int)reply->len : (int)strlen(error), reply ? reply->str : error);
    }
    if (--redis->handshake_pending > 0)
        return;
    if (redis->handshake_failed) {
        log_warn("redis %s: %s", redis->display, redis->last_error);
        drop_connection(redis, 1, "%s", redis->last_error);
        return;
    }
    uv_timer_stop(&redis->timer);
    redis->failed_attempts = 0;
    redis->last_error[0] = '\0';
    log_info("redis %s: connected", redis->display);
    set_state(redis, STATE_READY);
}

static void on_connect(const redisAsyncContext *context, int status)
{
    struct redis_async *redis = context->data;
    if (redis == NULL)
        return;
    if (status != REDIS_OK) {
        redis->context = NULL; /* hiredis frees it after this callback */
        connect_failed(redis, context->errstr);
        return;
    }
    redis->state = STATE_HANDSHAKE;
    redis->handshake_failed = 0;
    struct redis_args cmds[3];
    for (int i = 0; i < 3; i++)
        redis_args_init(&cmds[i]);
    int n = redis_handshake(&redis->url, cmds);
    /* A PING last: its reply means every handshake command before it was answered. */
    redis_args_add_str(&cmds[n++], "PING");
    redis->handshake_pending = n;
    for (int i = 0; i < n; i++)
        if (send_request(redis, &cmds[i], 0, on_handshake_reply, NULL) != 0)
            redis->handshake_pending--;
    for (int i = 0; i < 3; i++)
        redis_args_free(&cmds[i]);
}

static void on_disconnect(const redisAsyncContext *context, int status)
{
    (void)status;
    struct redis_async *redis = context->data;
    if (redis == NULL)
        return;
    redis->context = NULL;
    error_set(redis->last_error, sizeof(redis->last_error), "connection lost: %s",
             context->err ? context->errstr : "closed by the server");
    log_warn("redis %s: %s", redis->display, redis->last_error);
    schedule_reconnect(redis);
}

static void start_connect(struct redis_async *redis)
{
    redisAsyncContext *context = redis->url.kind == REDIS_URL_UNIX
                                     ? redisAsyncConnectUnix(redis->url.path)
                                     : redisAsyncConnect(redis->url.host, redis->url.port);
    if (context == NULL) {
        connect_failed(redis, "out of memory");
        return;
    }
    if (context->err) {
        char why[256];
        error_set(why, sizeof(why), "%s", context->errstr);
        redisAsyncFree(context);
        connect_failed(redis, why);
        return;
    }
    if (redisLibuvAttach(context, redis->loop) != REDIS_OK) {
        redisAsyncFree(context);
        connect_failed(redis, "cannot attach to the event loop");
        return;
    }
    context->data = redis;
    redisAsyncSetConnectCallback(context, on_connect);
    redisAsyncSetDisconnectCallback(context, on_disconnect);
    redis->context = context;
    redis->state = STATE_CONNECTING;
    uv_timer_start(&redis->timer, on_timer, (uint64_t)redis->connect_timeout_ms, 0);
}

static void on_timer(uv_timer_t *timer)
{
    struct redis_async *redis = timer->data;
    if (redis->state == STATE_WAITING)
        start_connect(redis);
    else if (redis->state == STATE_CONNECTING || redis->state == STATE_HANDSHAKE)
        drop_connection(redis, 1, "connect timed out after %d ms", redis->connect_timeout_ms);
}

static void on_watchdog(uv_timer_t *timer)
{
    struct redis_async *redis = timer->data;
    if (redis->state != STATE_READY)
        return;
    uint64_t now = uv_now(redis->loop);
    for (struct async_request *r = redis->in_flight.head; r != NULL; r = r->next) {
        if (now >= r->deadline) {
            log_warn("redis %s: a command timed out, reconnecting", redis->display);
            drop_connection(redis, 0, "command timed out");
            return;
        }
    }
}

static void on_handle_closed(uv_handle_t *handle)
{
    struct redis_async *redis = handle->data;
    if (--redis->open_handles == 0)
        free(redis);
}

int redis_async_open(uv_loop_t *loop, const struct netra_config *config, const char *url,
                     redis_async_state_fn *on_state, void *state_data, struct redis_async **out,
                     char *err, size_t err_len)
{
    *out = NULL;
    struct redis_async *redis = calloc(1, sizeof(*redis));
    if (redis == NULL)
        return error_set(err, err_len, "out of memory");
    char problem[NETRA_ERR_LEN];
    if (redis_url_parse(url, &redis->url, problem, sizeof(problem)) != 0) {
        free(redis);
        return error_set(err, err_len, "redis URL: %s", problem);
    }
    redis_url_display(&redis->url, redis->display, sizeof(redis->display));
    redis->loop = loop;
    redis->connect_timeout_ms = config->redis.connect_timeout_ms;
    redis->command_timeout_ms = config->redis.command_timeout_ms;
    redis->reconnect_min_ms = config->redis.reconnect_min_ms;
    redis->reconnect_max_ms = config->redis.reconnect_max_ms;
    redis->on_state = on_state;
    redis->state_data = state_data;
    uv_timer_t *timers[] = {&redis->timer, &redis->watchdog, &redis->failer};
    for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
        uv_timer_init(loop, timers[i]);
        timers[i]->data = redis;
    }
    redis->open_handles = (int)(sizeof(timers) / sizeof(timers[0]));
    int tick = redis->command_timeout_ms / 4;
    uv_timer_start(&redis->watchdog, on_watchdog, (uint64_t)(tick < 10 ? 10 : tick),
                   (uint64_t)(tick < 10 ? 10 : tick));
    start_connect(redis);
    *out = redis;
    return 0;
}

void redis_async_close(struct redis_async *redis)
{
    if (redis == NULL || redis->state == STATE_CLOSING)
        return;
    set_state(redis, STATE_CLOSING);
    if (redis->context != NULL)
        drop_connection(redis, 0, "closed");
    error_set(redis->last_error, sizeof(redis->last_error), "closed");
    for (struct async_request *r = redis->failed.head; r != NULL; r = r->next)
        error_set(r->error, sizeof(r->error), "%s: closed", redis->display);
    on_failer(&redis->failer);
    uv_timer_t *timers[] = {&redis->timer, &redis->watchdog, &redis->failer};
    for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
        uv_timer_stop(timers[i]);
        uv_close((uv_handle_t *)timers[i], on_handle_closed);
    }
}

int redis_async_ready(const struct redis_async *redis)
{
    return redis->state == STATE_READY;
}

const char *redis_async_display_url(const struct redis_async *redis)
{
    return redis->display;
}

int redis_async_command(struct redis_async *redis, const struct redis_args *args,
                        int extra_timeout_ms, redis_async_fn *fn, void *data)
{
    if (redis->state == STATE_CLOSING)
        return -1;
    if (redis->state != STATE_READY) {
        struct async_request *request = calloc(1, sizeof(*request));
        if (request == NULL)
            return -1;
        request->redis = redis;
        request->fn = fn;
        request->data = data;
        fail_later(redis, request, redis->last_error[0] ? redis->last_error : "connecting");
        return 0;
    }
    return send_request(redis, args, extra_timeout_ms, fn, data);
}
