/* The test harness itself: the suite's Redis is reachable, prefixes keep tests apart, and a
 * private Redis survives a restart with its data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/test_support.h"

static void suite_redis_answers_ping(void **state)
{
    (void)state;
    redisContext *redis = test_redis_connect(test_redis_url());
    redisReply *reply = redisCommand(redis, "PING");
    assert_non_null(reply);
    assert_string_equal(reply->str, "PONG");
    freeReplyObject(reply);
    redisFree(redis);
}

static void key_prefixes_differ_between_calls(void **state)
{
    (void)state;
    char a[64], b[64];
    test_key_prefix(a, sizeof(a), "harness");
    test_key_prefix(b, sizeof(b), "harness");
    assert_string_not_equal(a, b);
    assert_int_equal(a[strlen(a) - 1], ':');
}

static void private_redis_keeps_data_across_restart(void **state)
{
    (void)state;
    struct test_redis_server server;
    test_redis_server_start(&server);
    redisContext *redis = test_redis_connect(server.url);
    freeReplyObject(redisCommand(redis, "SET k v"));
    redisFree(redis);

    test_redis_server_restart(&server);

    redis = test_redis_connect(server.url);
    redisReply *reply = redisCommand(redis, "GET k");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    assert_string_equal(reply->str, "v");
    freeReplyObject(reply);
    redisFree(redis);
    test_redis_server_stop(&server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(suite_redis_answers_ping),
        cmocka_unit_test(key_prefixes_differ_between_calls),
        cmocka_unit_test(private_redis_keeps_data_across_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
