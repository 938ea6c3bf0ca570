#include "queue/redis_sync.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/log.h"
#include "queue/redis_conn.h"
#include "config/redis_url.h"

struct redis_sync {
    struct redis_url url;
    char display[REDIS_URL_MAX_LEN + 32];
    redisContext *context;     /* NULL while disconnected */
    int connect_timeout_ms;
    int command_timeout_ms;
    int reconnect_min_ms;
    int reconnect_max_ms;
    int failed_attempts;       /* connection attempts failed since the last success */
};

static struct timeval to_timeval(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int run_handshake(struct redis_sync *redis, char *err, size_t err_len)
{
    struct redis_args cmds[2];
    redis_args_init(&cmds[0]);
    redis_args_init(&cmds[1]);
    int n = redis_handshake(&redis->url, cmds);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        rc = redis_args_ok(&cmds[i], err, err_len);
        if (rc != 0)
            break;
        redisReply *reply = redisCommandArgv(redis->context, cmds[i].argc,
                                             (const char **)cmds[i].argv, cmds[i].lens);
        if (reply == NULL)
            rc = error_set(err, err_len, "%s: %s failed: %s", redis->display, cmds[i].argv[0],
                           redis->context->errstr);
        else if (reply->type == REDIS_REPLY_ERROR)
            rc = error_set(err, err_len, "%s: %s refused: %.*s", redis->display,
                           cmds[i].argv[0], (int)reply->len, reply->str);
        freeReplyObject(reply);
    }
    redis_args_free(&cmds[0]);
    redis_args_free(&cmds[1]);
    return rc;
}

static void drop_connection(struct redis_sync *redis)
{
    if (redis->context != NULL)
        redisFree(redis->context);
    redis->context = NULL;
}

/* One connection attempt, after the backoff that previous failures earned. */
static int connect_once(struct redis_sync *redis, char *err, size_t err_len)
{
    if (redis->failed_attempts > 0)
        sleep_ms(redis_backoff_ms(redis->failed_attempts - 1, redis->reconnect_min_ms,
                                  redis->reconnect_max_ms));
    struct timeval connect_timeout = to_timeval(redis->connect_timeout_ms);
    if (redis->url.kind == REDIS_URL_UNIX)
        redis->context = redisConnectUnixWithTimeout(redis->url.path, connect_timeout);
    else
        redis->context = redisConnectWithTimeout(redis->url.host, redis->url.port,
                                                 connect_timeout);
    int rc = -1;
    if (redis->context == NULL) {
        error_set(err, err_len, "cannot connect to %s: out of memory", redis->display);
        goto cleanup;
    }
    if (redis->context->err) {
        error_set(err, err_len, "cannot connect to %s: %s", redis->display,
                  redis->context->errstr);
        goto cleanup;
    }
    if (redisSetTimeout(redis->context, to_timeval(redis->command_timeout_ms)) != REDIS_OK) {
        error_set(err, err_len, "cannot set the command timeout on %s", redis->display);
        goto cleanup;
    }
    if (run_handshake(redis, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    if (rc != 0) {
        drop_connection(redis);
        redis->failed_attempts++;
    } else {
        redis->failed_attempts = 0;
    }
    return rc;
}

int redis_sync_open(const struct netra_config *config, const char *url, struct redis_sync **out,
                    char *err, size_t err_len)
{
    *out = NULL;
    struct redis_sync *redis = calloc(1, sizeof(*redis));
    if (redis == NULL)
        return error_set(err, err_len, "out of memory");
    char problem[NETRA_ERR_LEN];
    if (redis_url_parse(url, &redis->url, problem, sizeof(problem)) != 0) {
        free(redis);
        return error_set(err, err_len, "redis URL: %s", problem);
    }
    redis_url_display(&redis->url, redis->display, sizeof(redis->display));
    redis->connect_timeout_ms = config->redis.connect_timeout_ms;
    redis->command_timeout_ms = config->redis.command_timeout_ms;
    redis->reconnect_min_ms = config->redis.reconnect_min_ms;
    redis->reconnect_max_ms = config->redis.reconnect_max_ms;
    if (connect_once(redis, err, err_len) != 0) {
        free(redis);
        return -1;
    }
    *out = redis;
    return 0;
}

void redis_sync_close(struct redis_sync *redis)
{
    if (redis == NULL)
        return;
    drop_connection(redis);
    free(redis);
}

const char *redis_sync_display_url(const struct redis_sync *redis)
{
    return redis->display;
}

/* A connection that broke under a command before any reply: a restarted or failed-over server.
 * Timeouts (EAGAIN) are not: the command may still be running there. */
static int connection_lost(const redisContext *context, int saved_errno)
{
    if (context->err == REDIS_ERR_EOF)
        return 1;
    return context->err == REDIS_ERR_IO &&
           (saved_errno == ECONNRESET || saved_errno == EPIPE || saved_errno == ENOTCONN);
}

int redis_sync_command(struct redis_sync *redis, const struct redis_args *args,
                       int extra_timeout_ms, redisReply **reply, char *err, size_t err_len)
{
    *reply = NULL;
    if (redis_args_ok(args, err, err_len) != 0)
        return -1;
    if (args->argc == 0)
        return error_set(err, err_len, "empty Redis command");
    for (int attempt = 0; attempt < 2; attempt++) {
        int fresh = redis->context == NULL;
        if (fresh && connect_once(redis, err, err_len) != 0)
            return -1;
        if (extra_timeout_ms > 0)
            redisSetTimeout(redis->context,
                            to_timeval(redis->command_timeout_ms + extra_timeout_ms));
        errno = 0;
        *reply = redisCommandArgv(redis->context, args->argc, (const char **)args->argv,
                                  args->lens);
        int saved_errno = errno;
        if (*reply != NULL) {
            if (extra_timeout_ms > 0)
                redisSetTimeout(redis->context, to_timeval(redis->command_timeout_ms));
            return 0;
        }
        int lost = connection_lost(redis->context, saved_errno);
        error_set(err, err_len, "%s: %s: %s", redis->display, args->argv[0],
                  redis->context->err == REDIS_ERR_IO && saved_errno == EAGAIN
                      ? "timed out"
                      : redis->context->errstr);
        drop_connection(redis);
        if (!lost || fresh)
            return -1;
    }
    return -1;
}

static int command_va(struct redis_sync *redis, redisReply **reply, char *err, size_t err_len,
                      va_list ap)
{
    struct redis_args args;
    redis_args_init(&args);
    for (const char *arg = va_arg(ap, const char *); arg != NULL; arg = va_arg(ap, const char *))
        redis_args_add_str(&args, arg);
    int rc = redis_sync_command(redis, &args, 0, reply, err, err_len);
    redis_args_free(&args);
    return rc;
}

int redis_sync_commandv(struct redis_sync *redis, redisReply **reply, char *err, size_t err_len,
                        ...)
{
    va_list ap;
    va_start(ap, err_len);
    int rc = command_va(redis, reply, err, err_len, ap);
    va_end(ap);
    return rc;
}

int redis_sync_integer(struct redis_sync *redis, long long *out, char *err, size_t err_len, ...)
{
    redisReply *reply = NULL;
    va_list ap;
    va_start(ap, err_len);
    int rc = command_va(redis, &reply, err, err_len, ap);
    va_end(ap);
    if (rc == 0 && redis_reply_expect(reply, REDIS_REPLY_INTEGER, 0, "command", err, err_len) != 0)
        rc = -1;
    if (rc == 0)
        *out = reply->integer;
    freeReplyObject(reply);
    return rc;
}

void redis_sync_keys_free(char **keys, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(keys[i]);
    free(keys);
}

static int add_key(char ***keys, size_t *count, size_t *capacity, const redisReply *key)
{
    if (*count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 64;
        char **larger = realloc(*keys, grown * sizeof(*larger));
        if (larger == NULL)
            return -1;
        *keys = larger;
        *capacity = grown;
    }
    if (((*keys)[*count] = redis_reply_strdup(key)) == NULL)
        return -1;
    (*count)++;
    return 0;
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int redis_sync_scan(struct redis_sync *redis, const char *pattern, char ***keys, size_t *count,
                    char *err, size_t err_len)
{
    char cursor[32] = "0";
    redisReply *reply = NULL;
    char **found = NULL;
    size_t n = 0, capacity = 0;
    int rc = -1;
    *keys = NULL;
    *count = 0;
    do {
        if (redis_sync_commandv(redis, &reply, err, err_len, "SCAN", cursor, "MATCH", pattern,
                                "COUNT", "1000", (char *)NULL) != 0 ||
            redis_reply_expect(reply, REDIS_REPLY_ARRAY, 2, "SCAN", err, err_len) != 0)
            goto cleanup;
        const redisReply *next = reply->element[0], *batch = reply->element[1];
        if (batch->type != REDIS_REPLY_ARRAY ||
            redis_reply_copy(next, cursor, sizeof(cursor)) != 0) {
            error_set(err, err_len, "SCAN: unexpected reply");
            goto cleanup;
        }
        for (size_t i = 0; i < batch->elements; i++) {
            if (redis_reply_is_string(batch->element[i]) &&
                add_key(&found, &n, &capacity, batch->element[i]) != 0) {
                error_set(err, err_len, "SCAN: out of memory");
                goto cleanup;
            }
        }
        freeReplyObject(reply);
        reply = NULL;
    } while (strcmp(cursor, "0") != 0);

    /* SCAN may return a key more than once. */
    if (n > 1)
        qsort(found, n, sizeof(*found), compare_keys);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++) {
        if (unique > 0 && strcmp(found[i], found[unique - 1]) == 0)
            free(found[i]);
        else
            found[unique++] = found[i];
    }
    *keys = found;
    *count = unique;
    found = NULL;
    n = 0;
    rc = 0;

cleanup:
    redis_sync_keys_free(found, n);
    freeReplyObject(reply);
    return rc;
}

int redis_sync_time_ms(struct redis_sync *redis, long long *now_ms, char *err, size_t err_len)
{
    redisReply *reply = NULL;
    long long seconds, micros;
    int rc = -1;
    if (redis_sync_commandv(redis, &reply, err, err_len, "TIME", (char *)NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 2, "TIME", err, err_len) != 0)
        goto cleanup;
    if (redis_reply_integer(reply->element[0], &seconds) != 0 ||
        redis_reply_integer(reply->element[1], &micros) != 0) {
        error_set(err, err_len, "TIME: unexpected reply");
        goto cleanup;
    }
    *now_ms = seconds * 1000 + micros / 1000;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}
