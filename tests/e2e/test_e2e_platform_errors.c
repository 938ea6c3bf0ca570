/* One platform answering only errors for a while (every X account gets HTTP 500): the accounts
 * of the other platforms are still crawled every interval and a post published on one of them
 * is scored within an interval; the X accounts back off, and catch up once X answers again. */
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

#include "tests/e2e/e2e_test.h"

#define ACCOUNTS 15 /* three per platform: acc-3, acc-8 and acc-13 are on X */
#define FAILING_S 12
/* schedule.default_interval_s of the test config, and what "on time" allows beyond it. */
#define INTERVAL_MS 2000
#define SLACK_MS 3000

static int on_x(int account)
{
    return account % 5 == 3;
}

struct since {
    struct test_crawl *crawl;
    long long since_ms;
    int x_too;
};

static int all_crawled_since(void *arg)
{
    struct since *s = arg;
    for (int i = 1; i <= ACCOUNTS; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        if ((s->x_too || !on_x(i)) && test_account_number(s->crawl, id, "last_ok") <= s->since_ms)
            return 0;
    }
    return 1;
}

struct scored {
    struct test_crawl *crawl;
    const char *post_id;
};

static int is_scored(void *arg)
{
    struct scored *s = arg;
    char *verdict = e2e_result_field(s->crawl, s->post_id, "verdict");
    int done = verdict[0] != '\0';
    free(verdict);
    return done;
}

static void the_other_platforms_are_crawled_on_time_while_one_fails(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 51, ACCOUNTS, "--start", "1730000000", "--history-days", "1", NULL);
    e2e_setup(&crawl, &sim, "platform", NULL, NULL, "");
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-p");
    pid_t worker = e2e_worker_start(&crawl, "worker-p");
    struct since first = {&crawl, 0, 1};
    assert_true(test_wait_for(all_crawled_since, &first, 30000));

    for (int i = 3; i <= ACCOUNTS; i += 5) {
        char fault[128];
        snprintf(fault, sizeof(fault), "{\"account\": \"acc-%d\", \"mode\": \"error_500\"}", i);
        cJSON_Delete(test_sim_call(&sim, "POST", "/_sim/faults", fault, 201));
    }
    long long failing_from = test_now_ms();

    /* Every second: each other account was crawled within an interval (and the slack). */
    int published = 0;
    char post_id[256] = "";
    while (test_now_ms() < failing_from + FAILING_S * 1000) {
        usleep(1000 * 1000);
        long long now = test_now_ms();
        for (int i = 1; i <= ACCOUNTS; i++) {
            char id[16];
            snprintf(id, sizeof(id), "acc-%d", i);
            long long last_ok = test_account_number(&crawl, id, "last_ok");
            if (on_x(i) || now - last_ok <= INTERVAL_MS + SLACK_MS)
                continue;
            e2e_report(&crawl, "crawler-p", (char *)NULL);
            fail_msg("%s last crawled %lld ms ago while X failed", id, now - last_ok);
        }
        if (!published && now - failing_from > 3000) {
            cJSON *post = test_sim_call(&sim, "POST", "/_sim/publish",
                                        "{\"account\": \"acc-1\", \"text\": \"Ayo coblos nomor 2 "
                                        "Pak Hendra Wiratmaja! #HendraMenang\"}",
                                        201);
            snprintf(post_id, sizeof(post_id), "%s",
                     cJSON_GetObjectItemCaseSensitive(post, "id")->valuestring);
            cJSON_Delete(post);
            struct scored scored = {&crawl, post_id};
            assert_true(test_wait_for(is_scored, &scored, INTERVAL_MS + SLACK_MS));
            published = 1;
        }
    }
    /* The X accounts failed and back off; none was crawled successfully meanwhile. */
    for (int i = 3; i <= ACCOUNTS; i += 5) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        assert_true(test_account_number(&crawl, id, "last_ok") < failing_from);
        assert_true(test_account_number(&crawl, id, "error_count") >= 1);
    }
    assert_true(test_heartbeat_counter(&crawl, "crawler-p", "errors_http_5xx") >= 3);

    /* X answers again: its accounts catch up within their backoff (backoff_max_s 8). */
    cJSON_Delete(test_sim_call(&sim, "DELETE", "/_sim/faults", NULL, 0));
    struct since again = {&crawl, test_now_ms(), 1};
    if (!test_wait_for(all_crawled_since, &again, 8000 + INTERVAL_MS + SLACK_MS)) {
        e2e_report(&crawl, "crawler-p", (char *)NULL);
        fail_msg("the X accounts did not recover");
    }
    e2e_check_all_scored_once(&crawl, 30000);

    assert_int_equal(test_crawler_stop(worker, SIGTERM, 10000), 0);
    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_other_platforms_are_crawled_on_time_while_one_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
