/* Redis unreachable for 30 s (SIGSTOP: connections hang rather than fail, the harder case): the
 * crawler, the worker and the desk do not exit, the desk says so on /healthz, they retry with
 * backoff (a handful of connections each, not a storm), and once Redis answers again they carry
 * on: a post published during the outage is crawled and scored, nothing lost or doubled. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/desk/desk_test.h"
#include "tests/e2e/e2e_test.h"
#include "tests/support/test_support.h"

#define OUTAGE_S 30
/* Each of three processes reconnecting at most every reconnect_max_ms (1 s) and every command
 * timing out after 2 s makes a few dozen connections in 30 s; a client retrying without
 * backoff makes thousands (Redis's accept backlog of 511 caps what it then sees). */
#define MAX_OUTAGE_CONNECTIONS 300

static long long connections_received(struct test_crawl *crawl)
{
    redisReply *reply = redisCommand(crawl->redis, "INFO stats");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    const char *line = strstr(reply->str, "total_connections_received:");
    assert_non_null(line);
    long long count = atoll(line + strlen("total_connections_received:"));
    freeReplyObject(reply);
    return count;
}

static void a_redis_unreachable_for_30_s_is_waited_out(void **state)
{
    (void)state;
    struct test_redis_server redis;
    struct test_sim sim;
    struct test_crawl crawl;
    struct desk_test desk;
    test_redis_server_start(&redis);
    test_sim_start(&sim, 43, 10, "--start", "1730000000", "--history-days", "1", NULL);
    desk_test_start_on(&desk, "e2e_outage", redis.url, NULL);
    e2e_setup(&crawl, &sim, "outage", redis.url, desk.config->redis.key_prefix, "");
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-o");
    pid_t worker = e2e_worker_start(&crawl, "worker-o");
    e2e_check_all_scored_once(&crawl, 30000);

    long long connections_before = connections_received(&crawl);
    assert_int_equal(kill(redis.pid, SIGSTOP), 0);
    cJSON *post = test_sim_call(&sim, "POST", "/_sim/publish",
                                "{\"account\": \"acc-3\", \"text\": \"Salam satu jari! Bersama "
                                "Ibu Ratna Kusumawardani, coblos nomor 1 #RatnaMenang\"}",
                                201);
    char post_id[256];
    snprintf(post_id, sizeof(post_id), "%s",
             cJSON_GetObjectItemCaseSensitive(post, "id")->valuestring);
    cJSON_Delete(post);
    long long outage_end = test_now_ms() + OUTAGE_S * 1000;
    struct desk_test_response response;
    desk_test_request(&desk, "GET", "/healthz", NULL, NULL, &response);
    assert_int_equal(response.status, 503);
    desk_test_response_free(&response);
    while (test_now_ms() < outage_end) {
        if (!test_crawler_alive(crawler) || !test_crawler_alive(worker) ||
            waitpid(desk.pid, NULL, WNOHANG) != 0) {
            e2e_report(&crawl, "crawler-o", "worker-o", (char *)NULL);
            fail_msg("a process exited while Redis was unreachable");
        }
        usleep(500 * 1000);
    }
    assert_int_equal(kill(redis.pid, SIGCONT), 0);

    /* What piled up in the accept queue is counted once Redis runs again. */
    usleep(500 * 1000);
    long long connections = connections_received(&crawl) - connections_before;
    fprintf(stderr, "%lld connections during the %d s outage\n", connections, OUTAGE_S);
    assert_true(connections < MAX_OUTAGE_CONNECTIONS);

    e2e_check_all_scored_once(&crawl, 60000);
    char *verdict = e2e_result_field(&crawl, post_id, "verdict");
    assert_string_equal(verdict, "suspect");
    free(verdict);
    desk_test_request(&desk, "GET", "/healthz", NULL, NULL, &response);
    assert_int_equal(response.status, 200);
    desk_test_response_free(&response);

    assert_int_equal(test_crawler_stop(worker, SIGTERM, 10000), 0);
    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    desk_test_stop(&desk);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
    test_redis_server_stop(&redis);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_redis_unreachable_for_30_s_is_waited_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
