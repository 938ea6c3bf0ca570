/* Every fault the simulated platforms can throw at once, one account each: the crawler lives on,
 * counts each fault by kind, backs the failing accounts off one by one, marks the gone one,
 * waits out the rate limit without holding it against the account, keeps fetching the healthy
 * accounts on time, and picks a failing account up again once its platform heals. */
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

#include "tests/crawler/crawler_test.h"

#define ACCOUNTS 16
#define INTERVAL_MS 2000
#define BACKOFF_MIN_MS 4000

struct fault {
    const char *account;
    const char *mode;
    const char *extra; /* more of the fault's JSON, or "" */
    const char *counter;  /* the heartbeat counter it must raise */
    const char *error;    /* in the account's last_error, or NULL */
};

/* acc-1..acc-11; acc-12..acc-16 stay healthy, one per platform. */
static const struct fault faults[] = {
    {"acc-1", "rate_limit", ", \"count\": 1, \"seconds\": 2", "rate_limited", "rate limited"},
    {"acc-2", "error_500", "", "errors_http_5xx", "HTTP 500"},
    {"acc-3", "error_503", "", "errors_http_5xx", "HTTP 503"},
    {"acc-4", "stall", ", \"seconds\": 30", "errors_timeout", NULL},
    {"acc-5", "truncated", "", "errors_protocol", NULL},
    {"acc-6", "invalid_body", "", "errors_parse", NULL},
    {"acc-7", "oversized", ", \"seconds\": 2", "errors_too_big", NULL},
    {"acc-8", "redirect_loop", "", "errors_redirect", NULL},
    {"acc-9", "redirect_offsite", "", "errors_redirect", NULL},
    {"acc-10", "slow_drip", "", "errors_timeout", NULL},
    {"acc-11", "gone", "", "gone", "gone"},
};
#define FAULT_COUNT (sizeof(faults) / sizeof(faults[0]))
#define FAILING_FIRST 1 /* faults[1..9] fail and back off */
#define FAILING_LAST 9

struct scene {
    struct test_crawl *crawl;
};

static int every_fault_counted(void *arg)
{
    struct scene *scene = arg;
    for (size_t i = 0; i < FAULT_COUNT; i++)
        if (test_heartbeat_counter(scene->crawl, "crawler-f", faults[i].counter) < 1)
            return 0;
    return test_heartbeat_counter(scene->crawl, "crawler-f", "errors_timeout") >= 2 &&
           test_heartbeat_counter(scene->crawl, "crawler-f", "errors_redirect") >= 2;
}

static int every_failing_account_failed(void *arg)
{
    struct scene *scene = arg;
    for (size_t i = FAILING_FIRST; i <= FAILING_LAST; i++)
        if (test_account_number(scene->crawl, faults[i].account, "error_count") < 1)
            return 0;
    return 1;
}

static int recovered(void *arg)
{
    struct scene *scene = arg;
    return test_account_number(scene->crawl, "acc-2", "error_count") == 0 &&
           test_account_number(scene->crawl, "acc-2", "last_ok") > 0;
}

static void every_fault_is_survived_counted_and_backed_off(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 21, ACCOUNTS, "--history-days", "1", NULL);
    for (size_t i = 0; i < FAULT_COUNT; i++) {
        char body[256];
        snprintf(body, sizeof(body), "{\"account\": \"%s\", \"mode\": \"%s\"%s}",
                 faults[i].account, faults[i].mode, faults[i].extra);
        cJSON_Delete(test_sim_call(&sim, "POST", "/_sim/faults", body, 0));
    }
    test_crawl_setup(&crawl, &sim, "faults", "");
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-f");
    struct scene scene = {&crawl};

    assert_true(test_wait_for(every_fault_counted, &scene, 20000));
    assert_true(test_wait_for(every_failing_account_failed, &scene, 10000));
    /* Let a few intervals pass with every fault still on. */
    usleep(3 * INTERVAL_MS * 1000);
    assert_true(test_crawler_alive(crawler));
    long long now = test_now_ms();

    for (size_t i = FAILING_FIRST; i <= FAILING_LAST; i++) {
        const char *account = faults[i].account;
        long long errors = test_account_number(&crawl, account, "error_count");
        char *last_error = test_account_field(&crawl, account, "last_error");
        char *lease = test_account_lease(&crawl, account);
        long long last_fetch = test_account_number(&crawl, account, "last_fetch");
        long long due = test_account_due(&crawl, account);
        fprintf(stderr, "%s (%s): %lld failures, due in %lld ms: %s\n", account, faults[i].mode,
                errors, due - now, last_error);
        /* Backed off: a healthy account is crawled every 2 s, a failing one waits 2..8 s. */
        assert_in_range(errors, 1, 5);
        assert_true(last_error[0] != '\0');
        if (faults[i].error != NULL && strstr(last_error, faults[i].error) == NULL)
            fail_msg("%s: last_error \"%s\" does not say \"%s\"", account, last_error,
                     faults[i].error);
        if (lease[0] == '\0')
            assert_true(due - last_fetch >= BACKOFF_MIN_MS / 2 - 100);
        free(last_error);
        free(lease);
    }

    /* A rate limit is the platform's, not the account's; gone is marked, and left for a week. */
    assert_int_equal(test_account_number(&crawl, "acc-1", "error_count"), 0);
    char *status = test_account_field(&crawl, "acc-11", "status");
    assert_string_equal(status, "gone");
    free(status);
    assert_true(test_account_due(&crawl, "acc-11") > now + 6LL * 86400 * 1000);

    /* The healthy accounts were fetched on time throughout, and all their posts are queued. */
    for (int i = 12; i <= ACCOUNTS; i++) {
        char account[16];
        snprintf(account, sizeof(account), "acc-%d", i);
        long long age = now - test_account_number(&crawl, account, "last_ok");
        if (age > 2 * INTERVAL_MS + 1000)
            fail_msg("%s: last crawled %lld ms ago", account, age);
        assert_int_equal(test_account_number(&crawl, account, "error_count"), 0);
        struct test_ids published;
        struct test_stream stream;
        test_sim_post_ids(&sim, account, 0, &published);
        test_stream_read(&crawl, &stream);
        for (size_t p = 0; p < published.count; p++)
            if (!test_ids_contains(&stream.ids, published.ids[p]))
                fail_msg("%s: %s not queued", account, published.ids[p]);
        test_ids_free(&published);
        test_stream_free(&stream);
    }
    cJSON *stats = test_sim_call(&sim, "GET", "/_sim/stats", NULL, 200);
    const cJSON *per_account = cJSON_GetObjectItemCaseSensitive(stats, "per_account");
    long long healthy = cJSON_GetObjectItemCaseSensitive(
                            cJSON_GetObjectItemCaseSensitive(per_account, "acc-12"), "requests")
                            ->valuedouble;
    long long failing = cJSON_GetObjectItemCaseSensitive(
                            cJSON_GetObjectItemCaseSensitive(per_account, "acc-2"), "requests")
                            ->valuedouble;
    fprintf(stderr, "requests: healthy acc-12 %lld, failing acc-2 %lld\n", healthy, failing);
    assert_true(failing < healthy);
    cJSON_Delete(stats);

    /* The platform heals: the account is fetched again after its backoff, and its count resets. */
    cJSON_Delete(test_sim_call(&sim, "DELETE", "/_sim/faults", NULL, 0));
    assert_true(test_wait_for(recovered, &scene, 10000 + INTERVAL_MS));

    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

struct all_gone {
    struct test_crawl *crawl;
    int accounts;
};

static int are_gone(void *arg)
{
    struct all_gone *g = arg;
    for (int i = 1; i <= g->accounts; i++) {
        char account[16];
        snprintf(account, sizeof(account), "acc-%d", i);
        char *status = test_account_field(g->crawl, account, "status");
        int gone = strcmp(status, "gone") == 0;
        free(status);
        if (!gone)
            return 0;
    }
    return 1;
}

/* Each platform says "no such account" its own way: 404 (Mastodon, feeds, jsonapi), 400
 * InvalidRequest (Bluesky), 200 with a resource-not-found error (X). */
static void an_account_gone_from_any_platform_is_marked_gone(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 22, 5, "--faults",
                   "gone:acc-1,gone:acc-2,gone:acc-3,gone:acc-4,gone:acc-5", NULL);
    test_crawl_setup(&crawl, &sim, "gone", "");
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-g");
    struct all_gone gone = {&crawl, 5};
    assert_true(test_wait_for(are_gone, &gone, 10000));
    long long now = test_now_ms();
    for (int i = 1; i <= 5; i++) {
        char account[16];
        snprintf(account, sizeof(account), "acc-%d", i);
        assert_true(test_account_due(&crawl, account) > now + 6LL * 86400 * 1000);
        assert_int_equal(test_account_number(&crawl, account, "error_count"), 0);
    }
    assert_true(test_heartbeat_reaches(&crawl, "crawler-g", "gone", 5, 2000));
    assert_int_equal(test_stream_length(&crawl), 0);
    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_fault_is_survived_counted_and_backed_off),
        cmocka_unit_test(an_account_gone_from_any_platform_is_marked_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
