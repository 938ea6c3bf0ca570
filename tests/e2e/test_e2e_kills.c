/* kill -9 in the middle of the work: workers killed while they hold an unacknowledged batch and
 * crawlers killed while a fetch is in flight, three times each, while netra-sim serves 50
 * accounts. Afterwards every post the sim shows has exactly one result, no case is duplicated
 * and the evidence chain holds one link per case. */
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

#include "tests/e2e/e2e_test.h"

#define ACCOUNTS 50
#define KILLS 3

static void kill_hard(pid_t pid)
{
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
}

struct held {
    struct test_crawl *crawl;
    const char *consumer;
};

static int holds_a_batch(void *arg)
{
    struct held *h = arg;
    return e2e_pending_of(h->crawl, h->consumer) > 0;
}

static int stream_has_backlog(void *arg)
{
    return test_stream_length(arg) >= 150;
}

/* The sim's only fault was taken by a request, which now hangs in the stall. */
static int fault_taken(void *arg)
{
    cJSON *answer = test_sim_call(arg, "GET", "/_sim/faults", NULL, 200);
    int taken = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(answer, "faults")) == 0;
    cJSON_Delete(answer);
    return taken;
}

static void killed_workers_and_crawlers_lose_nothing_and_double_nothing(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 31, ACCOUNTS, "--start", "1730000000", "--history-days", "4", NULL);
    /* Small pages: each crawl is several requests, so there is always a fetch to cut. */
    e2e_setup(&crawl, &sim, "kills", NULL, NULL,
              "{\"crawler\": {\"max_pages\": 100},"
              " \"platforms\": {\"mastodon\": {\"page_size\": 5}, \"bluesky\": {\"page_size\": 5},"
              "               \"x\": {\"page_size\": 5}}}");
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-0");
    assert_true(test_wait_for(stream_has_backlog, &crawl, 30000));

    /* Workers: each killed while it holds a batch it has not acknowledged. A kill that came
     * just after an acknowledgement does not count; the next worker tries again. */
    int mid_batch = 0;
    for (int attempt = 0; attempt < 4 * KILLS && mid_batch < KILLS; attempt++) {
        char name[32];
        snprintf(name, sizeof(name), "worker-k%d", attempt);
        pid_t worker = e2e_worker_start(&crawl, name);
        struct held held = {&crawl, name};
        /* A fast worker may score a whole backlog between two looks: then the kill below finds
         * nothing pending and the attempt does not count. */
        test_wait_for(holds_a_batch, &held, 5000);
        kill_hard(worker);
        mid_batch += e2e_pending_of(&crawl, name) > 0;
    }
    if (mid_batch < KILLS)
        fail_msg("only %d of %d worker kills came mid-batch", mid_batch, KILLS);

    /* Crawlers: each killed while a request of its hangs in a stall at the sim. */
    for (int i = 1; i <= KILLS; i++) {
        cJSON_Delete(test_sim_call(&sim, "POST", "/_sim/faults",
                                   "{\"mode\": \"stall\", \"count\": 1, \"seconds\": 3}", 201));
        if (!test_wait_for(fault_taken, &sim, 15000)) {
            e2e_report(&crawl, "crawler-0", (char *)NULL);
            fail_msg("no request took the stall");
        }
        assert_true(test_crawler_alive(crawler));
        kill_hard(crawler);
        char name[32];
        snprintf(name, sizeof(name), "crawler-%d", i);
        crawler = test_crawler_start(&crawl, name);
    }

    pid_t workers[2] = {e2e_worker_start(&crawl, "worker-a"), e2e_worker_start(&crawl, "worker-b")};
    e2e_check_all_scored_once(&crawl, 60000);

    for (int i = 0; i < 2; i++)
        assert_int_equal(test_crawler_stop(workers[i], SIGTERM, 10000), 0);
    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(killed_workers_and_crawlers_lose_nothing_and_double_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
