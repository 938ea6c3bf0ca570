/* Redis killed (SIGKILL, no save) and started again mid-run with the append-only file on: the
 * crawler, two workers and the desk reconnect and carry on, and nothing is lost: every post the
 * sim shows ends with exactly one result, and a post published after the crash too. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/keys.h"
#include "tests/desk/desk_test.h"
#include "tests/e2e/e2e_test.h"
#include "tests/support/test_support.h"

static const char *const process_names[] = {"crawler-rr", "worker-rr1", "worker-rr2"};
#define PROCESSES 3

static int mid_run(void *arg)
{
    struct test_crawl *crawl = arg;
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_posts(key, sizeof(key), crawl->prefix, 0, err, sizeof(err)), 0);
    redisReply *reply = redisCommand(crawl->redis, "XINFO GROUPS %s", key);
    assert_non_null(reply);
    /* Some posts queued and some scored, with more to come. */
    int started = reply->type == REDIS_REPLY_ARRAY && reply->elements > 0;
    freeReplyObject(reply);
    return started && test_stream_length(crawl) >= 100;
}

/* Every process wrote its heartbeat again after it was deleted. */
static int all_beating(void *arg)
{
    struct test_crawl *crawl = arg;
    for (int i = 0; i < PROCESSES; i++)
        if (test_heartbeat_counter(crawl, process_names[i], "last_seen") < 0)
            return 0;
    return 1;
}

static void delete_heartbeats(struct test_crawl *crawl)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    for (int i = 0; i < PROCESSES; i++) {
        assert_int_equal(
            keys_proc(key, sizeof(key), crawl->prefix, process_names[i], err, sizeof(err)), 0);
        freeReplyObject(redisCommand(crawl->redis, "DEL %s", key));
    }
}

static void a_crashed_redis_with_aof_loses_nothing_and_everyone_carries_on(void **state)
{
    (void)state;
    struct test_redis_server redis;
    struct test_sim sim;
    struct test_crawl crawl;
    struct desk_test desk;
    test_redis_server_start_aof(&redis);
    test_sim_start(&sim, 41, 30, "--start", "1730000000", "--history-days", "3", NULL);
    desk_test_start_on(&desk, "e2e_restart", redis.url, NULL);
    e2e_setup(&crawl, &sim, "restart", redis.url, desk.config->redis.key_prefix,
              "{\"platforms\": {\"mastodon\": {\"page_size\": 5}, \"bluesky\": {\"page_size\": 5},"
              "               \"x\": {\"page_size\": 5}}}");
    test_crawl_import(&crawl);
    pid_t pids[PROCESSES] = {test_crawler_start(&crawl, process_names[0]),
                             e2e_worker_start(&crawl, process_names[1]),
                             e2e_worker_start(&crawl, process_names[2])};
    assert_true(test_wait_for(mid_run, &crawl, 30000));

    long long queued_before = test_stream_length(&crawl);
    test_redis_server_crash_restart(&redis);
    redisFree(crawl.redis);
    crawl.redis = test_redis_connect(redis.url);
    redisFree(desk.redis);
    desk.redis = test_redis_connect(redis.url);
    fprintf(stderr, "Redis killed with %lld posts queued, %lld after the restart\n", queued_before,
            test_stream_length(&crawl));
    cJSON *post = test_sim_call(&sim, "POST", "/_sim/publish",
                                "{\"account\": \"acc-2\", \"text\": \"Coblos nomor 2! Pak Hendra "
                                "Wiratmaja pemimpin yang merakyat #HendraMenang\"}",
                                201);
    cJSON_Delete(post);

    /* Every process is back: its heartbeat, deleted now, is written again. */
    delete_heartbeats(&crawl);
    if (!test_wait_for(all_beating, &crawl, 20000)) {
        e2e_report(&crawl, process_names[0], process_names[1], process_names[2], (char *)NULL);
        fail_msg("not every process came back after the restart");
    }
    e2e_check_all_scored_once(&crawl, 60000);
    struct desk_test_response response;
    desk_test_request(&desk, "GET", "/healthz", NULL, NULL, &response);
    assert_int_equal(response.status, 200);
    desk_test_response_free(&response);
    desk_test_request(&desk, "GET", "/api/cases?status=all", &desk_test_reviewer, NULL, &response);
    assert_int_equal(response.status, 200);
    desk_test_response_free(&response);

    for (int i = 0; i < PROCESSES; i++) {
        assert_true(test_crawler_alive(pids[i]));
        assert_int_equal(test_crawler_stop(pids[i], SIGTERM, 10000), 0);
    }
    desk_test_stop(&desk);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
    test_redis_server_stop(&redis);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_crashed_redis_with_aof_loses_nothing_and_everyone_carries_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
