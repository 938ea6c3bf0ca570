/* Several crawlers on one schedule, and crawlers that stop: two crawlers never fetch one account
 * at the same time; the accounts of a crawler killed with SIGKILL are fetched by the other once
 * their leases end; SIGTERM lets what is in flight end within the grace period, hands every
 * lease back and exits 0. */
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
#include "tests/crawler/crawler_test.h"

#define INTERVAL_MS 2000
#define LEASE_MS 3000

static void set_fault(struct test_sim *sim, const char *account, const char *fault)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"account\": \"%s\", %s}", account, fault);
    cJSON_Delete(test_sim_call(sim, "POST", "/_sim/faults", body, 0));
}

/* The sim's count for one account ("requests", "in_flight", "concurrent_max"). */
static long long sim_account_stat(struct test_sim *sim, const char *account, const char *name)
{
    cJSON *stats = test_sim_call(sim, "GET", "/_sim/stats", NULL, 200);
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(stats, "per_account"),
                                         account),
        name);
    long long number = cJSON_IsNumber(value) ? (long long)value->valuedouble : 0;
    cJSON_Delete(stats);
    return number;
}

struct accounts_state {
    struct test_crawl *crawl;
    int first, last;    /* acc-<first> .. acc-<last> */
    long long since_ms; /* crawled after this */
    int times;          /* the sim saw this many requests of each */
};

static int crawled_since(void *arg)
{
    struct accounts_state *s = arg;
    for (int i = s->first; i <= s->last; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        if (test_account_number(s->crawl, id, "last_ok") <= s->since_ms)
            return 0;
    }
    return 1;
}

static int requested_often(void *arg)
{
    struct accounts_state *s = arg;
    for (int i = s->first; i <= s->last; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        if (sim_account_stat(s->crawl->sim, id, "requests") < s->times)
            return 0;
    }
    return 1;
}

/* Each account's request is hanging in the sim under a lease of holder's. */
struct hanging {
    struct test_crawl *crawl;
    const char *holder;
    int first, last;
};

static int are_hanging(void *arg)
{
    struct hanging *h = arg;
    for (int i = h->first; i <= h->last; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        char *lease = test_account_lease(h->crawl, id);
        int held = strncmp(lease, h->holder, strlen(h->holder)) == 0 &&
                   lease[strlen(h->holder)] == '/';
        free(lease);
        if (!held || sim_account_stat(h->crawl->sim, id, "in_flight") != 1)
            return 0;
    }
    return 1;
}

static void two_crawlers_never_fetch_one_account_at_once(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 31, 20, "--history-days", "1", NULL);
    /* Four accounts answer after a second's stall: long requests, where a second crawler of the
     * same account would show. */
    for (int i = 1; i <= 4; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        set_fault(&sim, id, "\"mode\": \"stall\", \"seconds\": 1");
    }
    test_crawl_setup(&crawl, &sim, "fleet",
                     "{\"crawler\": {\"max_in_flight\": 3, \"claim_batch\": 2,"
                     "              \"backoff_min_s\": 1, \"backoff_max_s\": 1}}");
    test_crawl_import(&crawl);
    pid_t a = test_crawler_start(&crawl, "crawler-a");
    pid_t b = test_crawler_start(&crawl, "crawler-b");
    struct accounts_state often = {&crawl, 1, 20, 0, 4};
    assert_true(test_wait_for(requested_often, &often, 30000));

    cJSON *stats = test_sim_call(&sim, "GET", "/_sim/stats", NULL, 200);
    const cJSON *entry;
    int accounts = 0;
    const cJSON *most = cJSON_GetObjectItemCaseSensitive(stats, "concurrent_max_per_account");
    cJSON_ArrayForEach(entry, most) {
        if (entry->valuedouble > 1)
            fail_msg("%s was fetched %g times at once", entry->string, entry->valuedouble);
        accounts++;
    }
    assert_int_equal(accounts, 20);
    cJSON_Delete(stats);
    /* Both took their share. A crawler may draw only the stalled accounts for a while, so a
     * finished crawl that failed counts as much as one that succeeded. */
    const char *const names[] = {"crawler-a", "crawler-b"};
    for (size_t i = 0; i < 2; i++) {
        if (test_heartbeat_reaches(&crawl, names[i], "crawls_ok", 1, 10000) ||
            test_heartbeat_reaches(&crawl, names[i], "crawls_failed", 1, 1000))
            continue;
        test_crawler_report(&crawl, names[0]);
        test_crawler_report(&crawl, names[1]);
        fail_msg("%s finished no crawl", names[i]);
    }
    /* And one cursor between them: nothing queued twice. */
    struct test_stream stream;
    test_stream_read(&crawl, &stream);
    for (size_t i = 0; i < stream.ids.count; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(stream.ids.ids[i], stream.ids.ids[j]) == 0)
                fail_msg("%s queued twice", stream.ids.ids[i]);
    test_stream_free(&stream);

    assert_int_equal(test_crawler_stop(a, SIGTERM, 10000), 0);
    assert_int_equal(test_crawler_stop(b, SIGTERM, 10000), 0);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

static void a_killed_crawlers_accounts_go_to_the_other_when_their_leases_end(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 32, 8, "--history-days", "1", NULL);
    /* The first request of acc-1..acc-3 hangs: crawler-a is in the middle of them when killed. */
    for (int i = 1; i <= 3; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        set_fault(&sim, id, "\"mode\": \"stall\", \"count\": 1, \"seconds\": 60");
    }
    test_crawl_setup(&crawl, &sim, "kill",
                     "{\"crawler\": {\"low_speed_time_s\": 60, \"total_timeout_ms\": 60000}}");
    test_crawl_import(&crawl);
    pid_t a = test_crawler_start(&crawl, "crawler-a");
    struct hanging hanging = {&crawl, "crawler-a", 1, 3};
    assert_true(test_wait_for(are_hanging, &hanging, 10000));
    /* Leases are extended while crawls run: one lease later they are still crawler-a's. */
    usleep(LEASE_MS * 1000);
    assert_true(are_hanging(&hanging));

    pid_t b = test_crawler_start(&crawl, "crawler-b");
    long long killed = test_now_ms();
    assert_int_equal(test_crawler_stop(a, SIGKILL, 5000), -1);
    struct accounts_state taken = {&crawl, 1, 3, killed, 0};
    assert_true(test_wait_for(crawled_since, &taken, LEASE_MS + 2 * INTERVAL_MS + 2000));
    long long earliest = 0;
    for (int i = 1; i <= 3; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        long long ok = test_account_number(&crawl, id, "last_ok");
        earliest = earliest == 0 || ok < earliest ? ok : earliest;
        struct test_ids published;
        struct test_stream stream;
        test_sim_post_ids(&sim, id, 0, &published);
        test_stream_read(&crawl, &stream);
        for (size_t p = 0; p < published.count; p++)
            if (!test_ids_contains(&stream.ids, published.ids[p]))
                fail_msg("%s: %s not queued after the takeover", id, published.ids[p]);
        test_ids_free(&published);
        test_stream_free(&stream);
    }
    fprintf(stderr, "taken over %lld ms after the kill (lease %d ms)\n", earliest - killed,
            LEASE_MS);
    /* Not before crawler-a's lease ended: it was extended every third of a lease. */
    assert_true(earliest - killed >= 2 * LEASE_MS / 3 - 200);

    assert_int_equal(test_crawler_stop(b, SIGTERM, 10000), 0);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

static void sigterm_ends_in_flight_work_within_the_grace_and_hands_leases_back(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 33, 6, "--history-days", "1", NULL);
    set_fault(&sim, "acc-1", "\"mode\": \"stall\", \"seconds\": 60");
    set_fault(&sim, "acc-2", "\"mode\": \"stall\", \"seconds\": 60");
    test_crawl_setup(&crawl, &sim, "drain",
                     "{\"crawler\": {\"low_speed_time_s\": 60, \"total_timeout_ms\": 60000,"
                     "              \"shutdown_grace_ms\": 1500}}");
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-d");
    struct hanging hanging = {&crawl, "crawler-d", 1, 2};
    assert_true(test_wait_for(are_hanging, &hanging, 10000));
    struct accounts_state others = {&crawl, 3, 6, 0, 0};
    assert_true(test_wait_for(crawled_since, &others, 10000));

    long long signalled = test_now_ms();
    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 1500 + 3000), 0);
    long long exited = test_now_ms();
    fprintf(stderr, "exited %lld ms after SIGTERM (grace 1500 ms)\n", exited - signalled);
    assert_true(exited - signalled >= 1400);

    /* No lease left behind; the cut crawls are due again at once, with no failure counted. */
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_lease(key, sizeof(key), crawl.prefix, 0, err, sizeof(err)), 0);
    redisReply *leases = redisCommand(crawl.redis, "HKEYS %s", key);
    for (size_t i = 0; i < leases->elements; i++)
        if (strcmp(leases->element[i]->str, "#seq") != 0)
            fail_msg("a lease of %s is left", leases->element[i]->str);
    freeReplyObject(leases);
    for (int i = 1; i <= 2; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        assert_true(test_account_due(&crawl, id) <= exited);
        assert_int_equal(test_account_number(&crawl, id, "error_count"), 0);
    }
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_crawlers_never_fetch_one_account_at_once),
        cmocka_unit_test(a_killed_crawlers_accounts_go_to_the_other_when_their_leases_end),
        cmocka_unit_test(sigterm_ends_in_flight_work_within_the_grace_and_hands_leases_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
