/* netra-crawler against netra-sim and Redis: every post the simulated platforms published is
 * queued exactly once, a second pass adds nothing, a post published now is queued within one
 * interval, and a rescan pages back to its date and reports its totals. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/keys.h"
#include "tests/crawler/crawler_test.h"

#define ACCOUNTS 10
/* schedule.default_interval_s of the test config. */
#define INTERVAL_MS 2000

struct crawled_since {
    struct test_crawl *crawl;
    long long since_ms;
    int accounts;
};

/* Every account's last good crawl is after since_ms. */
static int all_crawled_since(void *arg)
{
    struct crawled_since *c = arg;
    for (int i = 1; i <= c->accounts; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        if (test_account_number(c->crawl, id, "last_ok") <= c->since_ms)
            return 0;
    }
    return 1;
}

static void wait_all_crawled_since(struct test_crawl *crawl, long long since_ms, int accounts)
{
    struct crawled_since c = {crawl, since_ms, accounts};
    if (!test_wait_for(all_crawled_since, &c, 30000)) {
        for (int i = 1; i <= accounts; i++) {
            char id[16];
            snprintf(id, sizeof(id), "acc-%d", i);
            char *error = test_account_field(crawl, id, "last_error");
            fprintf(stderr, "%s: last_ok %lld, last_error \"%s\"\n", id,
                    test_account_number(crawl, id, "last_ok"), error);
            free(error);
        }
        fail_msg("not every account was crawled within 30 s");
    }
}

struct in_stream {
    struct test_crawl *crawl;
    const char *id;
};

static int is_in_stream(void *arg)
{
    struct in_stream *s = arg;
    struct test_stream stream;
    test_stream_read(s->crawl, &stream);
    int found = test_ids_contains(&stream.ids, s->id);
    test_stream_free(&stream);
    return found;
}

/* 1 when the sim says post id was edited. */
static int sim_edited(struct test_sim *sim, const char *id)
{
    cJSON *answer = test_sim_call(sim, "GET", "/_sim/posts", NULL, 200);
    int edited = 0;
    const cJSON *post;
    cJSON_ArrayForEach(post, cJSON_GetObjectItemCaseSensitive(answer, "posts")) {
        const cJSON *post_id = cJSON_GetObjectItemCaseSensitive(post, "id");
        if (cJSON_IsString(post_id) && strcmp(post_id->valuestring, id) == 0)
            edited = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(post, "edited"));
    }
    cJSON_Delete(answer);
    return edited;
}

static void every_post_is_queued_once_and_new_ones_within_an_interval(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 11, ACCOUNTS, "--feed-items", "1000", "--history-days", "2", NULL);
    test_crawl_setup(&crawl, &sim, "crawl", "");
    test_crawl_import(&crawl);
    long long started = test_now_ms();
    pid_t crawler = test_crawler_start(&crawl, "crawler-1");
    wait_all_crawled_since(&crawl, 0, ACCOUNTS);
    fprintf(stderr, "first pass of %d accounts: %lld ms\n", ACCOUNTS, test_now_ms() - started);

    /* Exactly the sim's posts: each one served is queued, nothing else is. */
    struct test_ids published, ever;
    struct test_stream first;
    test_stream_read(&crawl, &first);
    test_sim_post_ids(&sim, NULL, 0, &published);
    test_sim_post_ids(&sim, NULL, 1, &ever);
    assert_true(published.count > 5 * ACCOUNTS);
    for (size_t i = 0; i < published.count; i++)
        if (!test_ids_contains(&first.ids, published.ids[i]))
            fail_msg("%s was published but not queued", published.ids[i]);
    for (size_t i = 0; i < first.ids.count; i++) {
        if (!test_ids_contains(&ever, first.ids.ids[i]))
            fail_msg("%s was queued but never published", first.ids.ids[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(first.ids.ids[i], first.ids.ids[j]) == 0 &&
                !sim_edited(&sim, first.ids.ids[i]))
                fail_msg("%s was queued twice without an edit", first.ids.ids[i]);
    }
    assert_true(test_heartbeat_reaches(&crawl, "crawler-1", "crawls_ok", ACCOUNTS, 2000));
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-1", "items_skipped"), 0);
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-1", "crawls_failed"), 0);

    /* A second pass over everything adds only what the sim published or edited since. */
    long long second = test_now_ms();
    wait_all_crawled_since(&crawl, second, ACCOUNTS);
    struct test_stream after;
    test_stream_read(&crawl, &after);
    for (size_t i = first.ids.count; i < after.ids.count; i++)
        if (test_ids_contains(&first.ids, after.ids.ids[i]) &&
            !sim_edited(&sim, after.ids.ids[i]))
            fail_msg("the second pass queued %s again", after.ids.ids[i]);
    /* Feeds answered 304 the second time (conditional GET). */
    assert_true(test_heartbeat_reaches(&crawl, "crawler-1", "fetches_3xx", 1, 2000));

    /* A post published now, on each platform, is queued within one interval. */
    for (int i = 1; i <= 5; i++) {
        char body[200];
        snprintf(body, sizeof(body),
                 "{\"account\": \"acc-%d\", \"text\": \"Rapat koordinasi %d hari ini #netra\"}", i,
                 i);
        cJSON *answer = test_sim_call(&sim, "POST", "/_sim/publish", body, 201);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(answer, "id");
        assert_true(cJSON_IsString(id));
        long long published_at = test_now_ms();
        struct in_stream wanted = {&crawl, id->valuestring};
        if (!test_wait_for(is_in_stream, &wanted, INTERVAL_MS + 2000))
            fail_msg("%s was not queued within %d ms", id->valuestring, INTERVAL_MS + 2000);
        fprintf(stderr, "acc-%d: %s queued after %lld ms\n", i, id->valuestring,
                test_now_ms() - published_at);
        cJSON_Delete(answer);
    }

    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    test_stream_free(&first);
    test_stream_free(&after);
    test_ids_free(&published);
    test_ids_free(&ever);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

struct crawled {
    struct test_crawl *crawl;
    const char *account;
};

static int was_crawled(void *arg)
{
    struct crawled *c = arg;
    return test_account_number(c->crawl, c->account, "last_ok") > 0;
}

/* "rescan R done: P pages, S posts read, N new, E errors" -> S and N. */
static void read_totals(const char *out, const char *rid, long long *seen, long long *added)
{
    char start[128];
    snprintf(start, sizeof(start), "rescan %s done: ", rid);
    const char *line = strstr(out, start);
    if (line == NULL)
        fail_msg("no totals in: %s", out);
    long long pages, errors;
    if (sscanf(line + strlen(start), "%lld pages, %lld posts read, %lld new, %lld errors", &pages,
               seen, added, &errors) != 4)
        fail_msg("unreadable totals: %s", line);
    assert_true(pages >= 2);
    assert_int_equal(errors, 0);
}

static void a_rescan_pages_back_to_its_date_and_reports_its_totals(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 12, 5, "--history-days", "3", "--faults", "error_503:acc-2", NULL);
    /* Scheduled crawls read one small page: only a rescan goes further back. */
    test_crawl_setup(&crawl, &sim, "rescan",
                     "{\"crawler\": {\"max_pages\": 1, \"rescan_max_pages\": 100},"
                     " \"platforms\": {\"mastodon\": {\"page_size\": 5}}}");
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-r");
    struct crawled first = {&crawl, "acc-1"};
    assert_true(test_wait_for(was_crawled, &first, 20000));

    struct test_ids history;
    test_sim_post_ids(&sim, "acc-1", 0, &history);
    struct test_stream before;
    test_stream_read(&crawl, &before);
    size_t queued_before = 0;
    for (size_t i = 0; i < history.count; i++)
        queued_before += test_ids_contains(&before.ids, history.ids[i]);
    assert_true(queued_before <= 5);
    assert_true(history.count > queued_before + 5);

    char since[16];
    time_t back = time(NULL) - 4 * 86400;
    struct tm utc;
    gmtime_r(&back, &utc);
    strftime(since, sizeof(since), "%Y-%m-%d", &utc);
    char *out = NULL;
    /* No worker runs here: the totals come as soon as the crawl ends. */
    assert_int_equal(test_netra(&crawl, &out, "rescan", "acc-1", "--since", since, "--wait",
                                "--scoring-wait", "0", (char *)NULL),
                     0);
    char rid[80];
    assert_int_equal(sscanf(out, "rescan %79s queued: acc-1", rid), 1);
    long long seen, added;
    read_totals(out, rid, &seen, &added);
    free(out);

    /* Every post of the account back to the date is queued now, the rescan's marked with it. */
    struct test_stream after;
    test_stream_read(&crawl, &after);
    long long marked = 0;
    for (size_t i = 0; i < history.count; i++)
        if (!test_ids_contains(&after.ids, history.ids[i]))
            fail_msg("%s was not backfilled", history.ids[i]);
    for (size_t i = 0; i < after.ids.count; i++)
        marked += strcmp(after.rescans[i], rid) == 0;
    assert_int_equal(marked, added);
    assert_int_equal(added, (long long)(history.count - queued_before));
    assert_true(seen >= (long long)history.count);

    /* No such account: refused at once. A failing platform: the rescan reports its failure. */
    assert_int_equal(test_netra(&crawl, NULL, "rescan", "acc-99", (char *)NULL), 1);
    assert_int_equal(test_netra(&crawl, &out, "rescan", "acc-2", "--wait", (char *)NULL), 1);
    assert_non_null(strstr(out, "failed: HTTP 503"));
    free(out);

    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    test_stream_free(&before);
    test_stream_free(&after);
    test_ids_free(&history);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

/* Accounts spread over shards: each shard's posts land in that shard's own stream. */
static void each_shards_accounts_are_queued_into_its_stream(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 13, ACCOUNTS, "--feed-items", "1000", "--history-days", "1", NULL);
    test_crawl_setup(&crawl, &sim, "shards", "{\"redis\": {\"shards\": 3}}");
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-s");
    wait_all_crawled_since(&crawl, 0, ACCOUNTS);
    struct test_stream streams[3];
    for (int shard = 0; shard < 3; shard++)
        test_stream_read_shard(&crawl, shard, &streams[shard]);
    int used[3] = {0, 0, 0};
    for (int i = 1; i <= ACCOUNTS; i++) {
        char account[16];
        snprintf(account, sizeof(account), "acc-%d", i);
        int shard = keys_shard(account, 3);
        used[shard] = 1;
        struct test_ids published;
        test_sim_post_ids(&sim, account, 0, &published);
        for (size_t p = 0; p < published.count; p++)
            for (int other = 0; other < 3; other++)
                if (test_ids_contains(&streams[other].ids, published.ids[p]) != (other == shard))
                    fail_msg("%s of %s (shard %d): %s in the stream of shard %d", published.ids[p],
                             account, shard, other == shard ? "missing" : "also", other);
        test_ids_free(&published);
    }
    assert_true(used[0] && used[1] && used[2]);
    for (int shard = 0; shard < 3; shard++)
        test_stream_free(&streams[shard]);
    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_shards_accounts_are_queued_into_its_stream),
        cmocka_unit_test(every_post_is_queued_once_and_new_ones_within_an_interval),
        cmocka_unit_test(a_rescan_pages_back_to_its_date_and_reports_its_totals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
