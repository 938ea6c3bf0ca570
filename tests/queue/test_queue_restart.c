/* Redis restarted under the clients: the sync client reconnects on the next command and the
 * async client reconnects by itself; commands issued while it is down fail fast. Scripts work
 * again after the restart emptied the script cache (NOSCRIPT -> EVAL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "queue/accounts.h"
#include "queue/posts_stream.h"
#include "queue/redis_async.h"
#include "queue/redis_sync.h"
#include "tests/queue/queue_test.h"
#include "tests/support/test_support.h"

static void publish_sync(struct redis_sync *redis, const struct netra_config *config,
                         const char *id)
{
    char err[NETRA_ERR_LEN];
    enum posts_publish_result result;
    struct post_message *message = queue_test_post(id, "acct-1", id);
    if (posts_stream_publish(redis, config, message, &result, err, sizeof(err)) != 0)
        fail_msg("publish %s: %s", id, err);
    assert_int_equal(result, POSTS_PUBLISH_NEW);
    post_message_free(message);
}

static void sync_client_carries_on_after_a_restart(void **state)
{
    (void)state;
    struct test_redis_server server;
    test_redis_server_start(&server);
    struct netra_config *config = queue_test_config(server.url, "restart");
    struct redis_sync *redis;
    char err[NETRA_ERR_LEN];
    if (redis_sync_open(config, server.url, &redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    publish_sync(redis, config, "mastodon:1");
    test_redis_server_restart(&server);
    publish_sync(redis, config, "mastodon:2"); /* stale socket, then a fresh one */

    redisReply *reply = NULL;
    assert_int_equal(redis_sync_commandv(redis, &reply, err, sizeof(err), "DBSIZE", (char *)NULL),
                     0);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    freeReplyObject(reply);

    /* Down for good: a clear error naming the URL. */
    test_redis_server_stop(&server);
    assert_int_equal(redis_sync_commandv(redis, &reply, err, sizeof(err), "PING", (char *)NULL),
                     -1);
    assert_non_null(strstr(err, server.url));
    redis_sync_close(redis);
    config_free(config);
}

struct async_state {
    uv_loop_t loop;
    uv_timer_t timer;
    int ready_changes;
    int replies, failures;
    char last_error[NETRA_ERR_LEN];
    uint64_t failed_at;
};

static void on_state(struct redis_async *redis, int ready, void *data)
{
    (void)redis;
    (void)ready;
    struct async_state *s = data;
    s->ready_changes++;
}

static void on_reply(struct redis_async *redis, redisReply *reply, const char *error, void *data)
{
    (void)redis;
    struct async_state *s = data;
    if (reply != NULL && reply->type != REDIS_REPLY_ERROR) {
        s->replies++;
    } else {
        s->failures++;
        s->failed_at = uv_now(&s->loop);
        snprintf(s->last_error, sizeof(s->last_error), "%s", error ? error : reply->str);
    }
}

static void on_published(enum posts_publish_result result, const char *error, void *data)
{
    struct async_state *s = data;
    if (error == NULL && result == POSTS_PUBLISH_NEW)
        s->replies++;
    else
        s->failures++;
}

static void on_account(struct account *account, const char *error, void *data)
{
    struct async_state *s = data;
    account_free(account);
    if (error == NULL)
        s->replies++;
    else
        s->failures++;
}

static void on_timer(uv_timer_t *timer)
{
    uv_stop(timer->loop);
}

/* Runs the loop until cond holds or ms pass. */
static int run_until(struct async_state *s, int (*cond)(struct async_state *, void *), void *arg,
                     int ms)
{
    for (int waited = 0; waited < ms; waited += 10) {
        if (cond(s, arg))
            return 1;
        uv_timer_start(&s->timer, on_timer, 10, 0);
        uv_run(&s->loop, UV_RUN_DEFAULT);
    }
    return cond(s, arg);
}

static int is_ready(struct async_state *s, void *arg)
{
    (void)s;
    return redis_async_ready(arg);
}

static int not_ready(struct async_state *s, void *arg)
{
    (void)s;
    return !redis_async_ready(arg);
}

static int has_outcomes(struct async_state *s, void *arg)
{
    return s->replies + s->failures >= *(int *)arg;
}

static void ping(struct redis_async *redis, struct async_state *s)
{
    struct redis_args args;
    redis_args_init(&args);
    redis_args_add_str(&args, "PING");
    assert_int_equal(redis_async_command(redis, &args, 0, on_reply, s), 0);
    redis_args_free(&args);
}

static void async_client_reconnects_by_itself(void **state)
{
    (void)state;
    struct test_redis_server server;
    test_redis_server_start(&server);
    struct netra_config *config = queue_test_config(server.url, "restart-async");
    config->redis.reconnect_min_ms = 400;
    config->redis.reconnect_max_ms = 800;
    struct async_state s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(uv_loop_init(&s.loop), 0);
    uv_timer_init(&s.loop, &s.timer);
    struct redis_async *redis;
    char err[NETRA_ERR_LEN];
    if (redis_async_open(&s.loop, config, server.url, on_state, &s, &redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_true(run_until(&s, is_ready, redis, 5000));
    ping(redis, &s);
    int want = 1;
    assert_true(run_until(&s, has_outcomes, &want, 5000));
    assert_int_equal(s.replies, 1);

    test_redis_server_restart(&server);
    assert_true(run_until(&s, not_ready, redis, 5000));
    /* Down (waiting out the backoff): fails on the next loop turn, not queued. */
    uint64_t issued = uv_now(&s.loop);
    ping(redis, &s);
    assert_int_equal(s.failures, 0); /* never from inside redis_async_command */
    want = 2;
    assert_true(run_until(&s, has_outcomes, &want, 5000));
    assert_int_equal(s.failures, 1);
    assert_true(s.failed_at - issued < 200);
    assert_non_null(strstr(s.last_error, "127.0.0.1"));

    assert_true(run_until(&s, is_ready, redis, 10000));
    struct post_message *message = queue_test_post("mastodon:9", "acct-1", "x");
    assert_int_equal(posts_stream_publish_async(redis, config, message, on_published, &s, err,
                                                sizeof(err)), 0);
    post_message_free(message);
    want = 3;
    assert_true(run_until(&s, has_outcomes, &want, 5000));
    assert_int_equal(s.replies, 2);
    assert_true(s.ready_changes >= 3);

    redis_async_close(redis);
    uv_close((uv_handle_t *)&s.timer, NULL);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&s.loop), 0);
    test_redis_server_stop(&server);
    config_free(config);
}

static void async_commands_to_a_dead_server_fail_and_close_is_clean(void **state)
{
    (void)state;
    struct netra_config *config = queue_test_config("redis://127.0.0.1:1/0", "dead-async");
    struct async_state s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(uv_loop_init(&s.loop), 0);
    uv_timer_init(&s.loop, &s.timer);
    struct redis_async *redis;
    char err[NETRA_ERR_LEN];
    assert_int_equal(redis_async_open(&s.loop, config, "redis://127.0.0.1:1/0", NULL, NULL,
                                      &redis, err, sizeof(err)), 0);
    ping(redis, &s);
    int want = 1;
    assert_true(run_until(&s, has_outcomes, &want, 2000));
    assert_int_equal(s.failures, 1);
    ping(redis, &s);
    redis_async_close(redis); /* the queued failure is delivered by close */
    assert_int_equal(s.failures, 2);

    /* Once closed, a call is refused at once, saying what it was; its callback never runs. */
    struct post_message *message = queue_test_post("mastodon:1", "acct-1", "x");
    assert_int_equal(posts_stream_publish_async(redis, config, message, on_published, &s, err,
                                                sizeof(err)), -1);
    assert_string_equal(err, "publish: Redis connection closed or out of memory");
    post_message_free(message);
    assert_int_equal(accounts_get_async(redis, config, "acct-1", on_account, &s, err,
                                        sizeof(err)), -1);
    assert_non_null(strstr(err, "acct:acct-1: Redis connection closed"));

    uv_close((uv_handle_t *)&s.timer, NULL);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    assert_int_equal(s.failures, 2);
    assert_int_equal(uv_loop_close(&s.loop), 0);
    assert_int_equal(redis_async_open(&s.loop, config, "redis://h:1/x", NULL, NULL, &redis, err,
                                      sizeof(err)), -1);
    config_free(config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sync_client_carries_on_after_a_restart),
        cmocka_unit_test(async_client_reconnects_by_itself),
        cmocka_unit_test(async_commands_to_a_dead_server_fail_and_close_is_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
