/* The engagement crawl against netra-sim and Redis: follows and likes run on their own schedule,
 * apart from posts; every follow and like the platforms show is queued once; an unfollow removes
 * the target from the followed set only when a following list was read to its end (a 5xx or a
 * 429 in its middle removes no one), and a follow again is queued again; posts and engagement
 * share the platform's politeness. */
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

/* mastodon, bluesky, x, mastodon */
#define ACCOUNTS 4
/* engagement.interval_s of the tests: the smallest allowed, far longer than a test runs. */
#define ENGAGEMENT_CONFIG "\"engagement\": {\"enabled\": true, \"interval_s\": 60}"

/* ---- helpers ------------------------------------------------------------------------------ */

/* The account's key of name ("engage", "sched", "follows") on shard 0 (the tests use one). */
static void key_of(struct test_crawl *crawl, const char *name, const char *account,
                   char key[KEYS_MAX_LEN])
{
    char err[NETRA_ERR_LEN];
    int rc = strcmp(name, "engage") == 0  ? keys_engage(key, KEYS_MAX_LEN, crawl->prefix, 0, err,
                                                        sizeof(err))
             : strcmp(name, "sched") == 0 ? keys_sched(key, KEYS_MAX_LEN, crawl->prefix, 0, err,
                                                       sizeof(err))
                                          : keys_follows(key, KEYS_MAX_LEN, crawl->prefix, 0,
                                                         account, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
}

/* Due at due_ms on the named schedule ("engage" or "sched"). */
static void set_due(struct test_crawl *crawl, const char *schedule, const char *account,
                    long long due_ms)
{
    char key[KEYS_MAX_LEN];
    key_of(crawl, schedule, account, key);
    redisReply *reply = redisCommand(crawl->redis, "ZADD %s %lld %s", key, due_ms, account);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    freeReplyObject(reply);
}

static long long due_on(struct test_crawl *crawl, const char *schedule, const char *account)
{
    char key[KEYS_MAX_LEN];
    key_of(crawl, schedule, account, key);
    redisReply *reply = redisCommand(crawl->redis, "ZSCORE %s %s", key, account);
    assert_non_null(reply);
    long long due = reply->type == REDIS_REPLY_STRING ? atoll(reply->str) : -1;
    freeReplyObject(reply);
    return due;
}

/* 1 when target is in the account's followed set. */
static int in_followed_set(struct test_crawl *crawl, const char *account, const char *target)
{
    char key[KEYS_MAX_LEN];
    key_of(crawl, "follows", account, key);
    redisReply *reply = redisCommand(crawl->redis, "ZSCORE %s %s", key, target);
    assert_non_null(reply);
    int found = reply->type == REDIS_REPLY_STRING;
    freeReplyObject(reply);
    return found;
}

static long long followed_count(struct test_crawl *crawl, const char *account)
{
    char key[KEYS_MAX_LEN];
    key_of(crawl, "follows", account, key);
    redisReply *reply = redisCommand(crawl->redis, "ZCARD %s", key);
    assert_non_null(reply);
    long long count = reply->integer;
    freeReplyObject(reply);
    return count;
}

/* How often id is in the posts stream. */
static int times_queued(struct test_crawl *crawl, const char *id)
{
    struct test_stream stream;
    test_stream_read(crawl, &stream);
    int times = 0;
    for (size_t i = 0; i < stream.ids.count; i++)
        times += strcmp(stream.ids.ids[i], id) == 0;
    test_stream_free(&stream);
    return times;
}

/* "<platform>:follow:<watched native id>:<target native id>" */
static void follow_id(struct test_crawl *crawl, const char *platform, const char *account,
                      const char *target_id, char *out, size_t out_len)
{
    char *native = test_account_field(crawl, account, "native_id");
    snprintf(out, out_len, "%s:follow:%s:%s", platform, native, target_id);
    free(native);
}

static cJSON *ground_truth(struct test_sim *sim, const char *account)
{
    char path[128];
    snprintf(path, sizeof(path), "/_sim/engagement?account=%s", account);
    return test_sim_call(sim, "GET", path, NULL, 200);
}

/* The sim's account following target, or not: its native id (caller frees). */
static char *sim_follow(struct test_sim *sim, const char *account, const char *target, int on)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"account\": \"%s\", \"target\": \"%s\"}", account, target);
    cJSON *answer =
        test_sim_call(sim, "POST", on ? "/_sim/follow" : "/_sim/unfollow", body, on ? 201 : 200);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(answer, "target_id");
    assert_true(cJSON_IsString(id));
    char *copy = strdup(id->valuestring);
    cJSON_Delete(answer);
    return copy;
}

/* The handle of watched account `id` as the sim renders it. */
static char *sim_handle(struct test_sim *sim, const char *id)
{
    cJSON *answer = test_sim_call(sim, "GET", "/_sim/accounts", NULL, 200);
    char *handle = NULL;
    const cJSON *account;
    cJSON_ArrayForEach(account, cJSON_GetObjectItemCaseSensitive(answer, "accounts")) {
        const cJSON *this_id = cJSON_GetObjectItemCaseSensitive(account, "id");
        if (cJSON_IsString(this_id) && strcmp(this_id->valuestring, id) == 0)
            handle = strdup(cJSON_GetObjectItemCaseSensitive(account, "handle")->valuestring);
    }
    cJSON_Delete(answer);
    assert_non_null(handle);
    return handle;
}

static long long sim_requests(struct test_sim *sim, const char *account)
{
    cJSON *stats = test_sim_call(sim, "GET", "/_sim/stats", NULL, 200);
    const cJSON *entry = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(stats, "per_account"), account);
    const cJSON *requests = cJSON_GetObjectItemCaseSensitive(entry, "requests");
    long long count = cJSON_IsNumber(requests) ? (long long)requests->valuedouble : 0;
    cJSON_Delete(stats);
    return count;
}

struct counter_at_least {
    struct test_crawl *crawl;
    const char *crawler, *counter;
    long long value;
};

static int counter_reached(void *arg)
{
    struct counter_at_least *c = arg;
    return test_heartbeat_counter(c->crawl, c->crawler, c->counter) >= c->value;
}

static void wait_counter(struct test_crawl *crawl, const char *crawler, const char *counter,
                         long long value, int deadline_ms)
{
    struct counter_at_least c = {crawl, crawler, counter, value};
    if (!test_wait_for(counter_reached, &c, deadline_ms)) {
        test_crawler_report(crawl, crawler);
        fail_msg("%s did not reach %lld within %d ms (it is %lld)", counter, value, deadline_ms,
                 test_heartbeat_counter(crawl, crawler, counter));
    }
}

struct requests_above {
    struct test_sim *sim;
    const char *account;
    long long value;
};

static int requests_went_above(void *arg)
{
    struct requests_above *r = arg;
    return sim_requests(r->sim, r->account) > r->value;
}

/* ---- tests -------------------------------------------------------------------------------- */

/* Posts come every 2 s, engagement once a minute: in the time posts are read several times over,
 * each account's follows and likes are read once, and all of them are queued, once. A follow
 * made after that waits for the engagement schedule, then is queued once; an unfollow is not
 * queued but leaves the set; a follow again is queued again. */
static void follows_and_likes_run_on_their_own_schedule(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 21, ACCOUNTS, "--platforms", "mastodon,bluesky,x", NULL);
    test_crawl_setup(&crawl, &sim, "engage",
                     "{" ENGAGEMENT_CONFIG ", \"platforms\": {\"x\": {\"likes\": true}}}");
    test_crawl_import(&crawl);
    long long started = test_now_ms();
    pid_t crawler = test_crawler_start(&crawl, "crawler-e");
    wait_counter(&crawl, "crawler-e", "engagement_ok", ACCOUNTS, 20000);
    /* Every account due again for engagement an interval later, whatever its posts did. */
    for (int i = 1; i <= ACCOUNTS; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        assert_in_range(due_on(&crawl, "engage", id), started + 50000, test_now_ms() + 70000);
    }
    char *status = NULL;
    assert_int_equal(test_netra(&crawl, &status, "status", (char *)NULL), 0);
    if (strstr(status, "engagement: accounts 4, due now 0") == NULL)
        fail_msg("netra status does not show the engage schedule:\n%s", status);
    free(status);
    wait_counter(&crawl, "crawler-e", "crawls_ok", 3 * ACCOUNTS, 20000);
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-e", "engagement_ok"), ACCOUNTS);
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-e", "engagement_failed"), 0);
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-e", "items_skipped"), 0);

    /* What the platforms show is what was queued: every follow and like, once. */
    static const char *const platforms[] = {"mastodon", "bluesky", "x"};
    long long follows = 0, likes = 0;
    for (int i = 1; i <= ACCOUNTS; i++) {
        char id[16], message[512];
        snprintf(id, sizeof(id), "acc-%d", i);
        cJSON *truth = ground_truth(&sim, id);
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(truth, "follows")) {
            const char *target = cJSON_GetObjectItemCaseSensitive(item, "native_id")->valuestring;
            follow_id(&crawl, platforms[(i - 1) % 3], id, target, message, sizeof(message));
            if (times_queued(&crawl, message) != 1)
                fail_msg("%s queued %d times", message, times_queued(&crawl, message));
            assert_true(in_followed_set(&crawl, id, target));
            follows++;
        }
        assert_int_equal(followed_count(&crawl, id),
                         cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(truth, "follows")));
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(truth, "likes")) {
            char *native = test_account_field(&crawl, id, "native_id");
            snprintf(message, sizeof(message), "%s:like:%s:%s", platforms[(i - 1) % 3], native,
                     cJSON_GetObjectItemCaseSensitive(item, "native_id")->valuestring);
            free(native);
            if (times_queued(&crawl, message) != 1)
                fail_msg("%s queued %d times", message, times_queued(&crawl, message));
            likes++;
        }
        cJSON_Delete(truth);
    }
    fprintf(stderr, "%lld follows and %lld likes queued\n", follows, likes);
    assert_true(follows > 0);
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-e", "follows_new"), follows);
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-e", "likes_new"), likes);

    /* A new follow waits for the engagement schedule: posts are read meanwhile, not follows. */
    char *target_handle = sim_handle(&sim, "acc-4"); /* on mastodon too, not yet followed */
    char *target = sim_follow(&sim, "acc-1", target_handle, 1);
    char message[512];
    follow_id(&crawl, "mastodon", "acc-1", target, message, sizeof(message));
    long long crawls = test_heartbeat_counter(&crawl, "crawler-e", "crawls_ok");
    wait_counter(&crawl, "crawler-e", "crawls_ok", crawls + ACCOUNTS, 20000);
    assert_int_equal(times_queued(&crawl, message), 0);
    set_due(&crawl, "engage", "acc-1", 0);
    wait_counter(&crawl, "crawler-e", "engagement_ok", ACCOUNTS + 1, 20000);
    assert_int_equal(times_queued(&crawl, message), 1);
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-e", "follows_new"), follows + 1);

    /* An unfollow leaves the set without a message; following again is a new follow. */
    free(sim_follow(&sim, "acc-1", target_handle, 0));
    set_due(&crawl, "engage", "acc-1", 0);
    wait_counter(&crawl, "crawler-e", "engagement_ok", ACCOUNTS + 2, 20000);
    assert_false(in_followed_set(&crawl, "acc-1", target));
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-e", "follows_removed"), 1);
    assert_int_equal(times_queued(&crawl, message), 1);
    free(sim_follow(&sim, "acc-1", target_handle, 1));
    set_due(&crawl, "engage", "acc-1", 0);
    wait_counter(&crawl, "crawler-e", "engagement_ok", ACCOUNTS + 3, 20000);
    assert_true(in_followed_set(&crawl, "acc-1", target));
    assert_int_equal(times_queued(&crawl, message), 2);

    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    free(target);
    free(target_handle);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

/* Injects fault (mode) once into acc-1's following list after its first page was served, then
 * waits for the engagement crawl to end failed or rate limited. */
static void fail_after_the_first_page(struct test_sim *sim, struct test_crawl *crawl,
                                      const char *mode, const char *counter, long long value)
{
    long long before = sim_requests(sim, "acc-1");
    set_due(crawl, "engage", "acc-1", 0);
    struct requests_above first_page = {sim, "acc-1", before};
    assert_true(test_wait_for(requests_went_above, &first_page, 10000));
    char body[128];
    snprintf(body, sizeof(body),
             "{\"mode\": \"%s\", \"account\": \"acc-1\", \"count\": 1, \"seconds\": 1}", mode);
    cJSON_Delete(test_sim_call(sim, "POST", "/_sim/faults", body, 0));
    wait_counter(crawl, "crawler-m", counter, value, 20000);
    assert_true(sim_requests(sim, "acc-1") >= before + 2); /* it failed past the first page */
}

static void a_failure_in_the_middle_of_a_following_list_removes_no_one(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 22, 6, "--platforms", "mastodon", NULL);
    /* Two follows a page, requests 500 ms apart: room to break the list after its first page. */
    test_crawl_setup(&crawl, &sim, "engage-fault",
                     "{" ENGAGEMENT_CONFIG ", \"crawler\": {\"backoff_min_s\": 60,"
                     " \"backoff_max_s\": 60}, \"platforms\": {\"mastodon\":"
                     " {\"page_size\": 2, \"min_interval_ms\": 500}}}");
    test_crawl_import(&crawl);
    /* Only acc-1's engagement is crawled: no other request of the account takes the fault. */
    for (int i = 1; i <= 6; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        set_due(&crawl, "sched", id, 4102444800000LL);
        if (i > 1)
            set_due(&crawl, "engage", id, 4102444800000LL);
    }
    for (int i = 2; i <= 6; i++) {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i);
        char *handle = sim_handle(&sim, id);
        cJSON *truth = ground_truth(&sim, "acc-1");
        int already = 0;
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(truth, "follows"))
            already |= strcmp(cJSON_GetObjectItemCaseSensitive(item, "handle")->valuestring,
                              handle) == 0;
        cJSON_Delete(truth);
        if (!already)
            free(sim_follow(&sim, "acc-1", handle, 1));
        free(handle);
    }
    pid_t crawler = test_crawler_start(&crawl, "crawler-m");
    wait_counter(&crawl, "crawler-m", "engagement_ok", 1, 20000);
    long long followed = followed_count(&crawl, "acc-1");
    assert_true(followed >= 5); /* three pages at least */

    /* Two accounts unfollowed; the next listings break after their first page. */
    char *gone_handle = sim_handle(&sim, "acc-2");
    char *gone = sim_follow(&sim, "acc-1", gone_handle, 0);
    char *also_handle = sim_handle(&sim, "acc-6");
    char *also = sim_follow(&sim, "acc-1", also_handle, 0);
    fail_after_the_first_page(&sim, &crawl, "error_503", "engagement_failed", 1);
    assert_int_equal(followed_count(&crawl, "acc-1"), followed);
    assert_true(in_followed_set(&crawl, "acc-1", gone) && in_followed_set(&crawl, "acc-1", also));
    fail_after_the_first_page(&sim, &crawl, "rate_limit", "rate_limited", 1);
    assert_int_equal(followed_count(&crawl, "acc-1"), followed);
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-m", "follows_removed"), 0);
    /* Neither touched the account's post-crawl status. */
    char *error = test_account_field(&crawl, "acc-1", "last_error");
    assert_string_equal(error, "");
    free(error);
    assert_int_equal(test_account_number(&crawl, "acc-1", "error_count"), 0);
    error = test_account_field(&crawl, "acc-1", "engage_last_error");
    assert_non_null(strstr(error, "429"));
    free(error);
    assert_int_equal(test_account_number(&crawl, "acc-1", "engage_error_count"), 1);

    /* A listing read to its end removes them, and queues nothing for it. */
    long long length = test_stream_length(&crawl);
    set_due(&crawl, "engage", "acc-1", 0);
    wait_counter(&crawl, "crawler-m", "engagement_ok", 2, 20000);
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-m", "follows_removed"), 2);
    assert_false(in_followed_set(&crawl, "acc-1", gone) || in_followed_set(&crawl, "acc-1", also));
    assert_int_equal(followed_count(&crawl, "acc-1"), followed - 2);
    assert_int_equal(test_stream_length(&crawl), length);
    assert_int_equal(test_account_number(&crawl, "acc-1", "engage_error_count"), 0);

    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    free(gone);
    free(gone_handle);
    free(also);
    free(also_handle);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

/* One account whose posts and follows are due at once, 400 ms between requests to the host:
 * however the two crawls interleave, no two requests start within 400 ms. Sampled every few ms,
 * two requests seen within less than that would be two engines (or none) keeping the pace. */
static void posts_and_follows_share_the_politeness_of_the_host(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    test_sim_start(&sim, 23, 1, "--platforms", "mastodon", NULL);
    test_crawl_setup(&crawl, &sim, "engage-polite",
                     "{\"engagement\": {\"enabled\": true, \"interval_s\": 60, \"max_pages\": 3},"
                     " \"schedule\": {\"default_interval_s\": 60}, \"crawler\": {\"max_pages\": 3},"
                     " \"platforms\": {\"mastodon\": {\"page_size\": 2, \"min_interval_ms\":"
                     " 400}}}");
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-p");
    enum { SAMPLES = 10000 };
    static long long at[SAMPLES], count[SAMPLES];
    size_t taken = 0;
    long long deadline = test_now_ms() + 40000;
    while (taken < SAMPLES && test_now_ms() < deadline &&
           (test_heartbeat_counter(&crawl, "crawler-p", "engagement_ok") < 1 ||
            test_heartbeat_counter(&crawl, "crawler-p", "crawls_ok") < 1)) {
        at[taken] = test_now_ms();
        count[taken] = sim_requests(&sim, "acc-1");
        taken++;
        usleep(5000);
    }
    assert_true(test_heartbeat_counter(&crawl, "crawler-p", "engagement_ok") >= 1);
    assert_true(test_heartbeat_counter(&crawl, "crawler-p", "crawls_ok") >= 1);
    long long total = count[taken - 1];
    fprintf(stderr, "%lld requests over %lld ms, %zu samples\n", total, at[taken - 1] - at[0],
            taken);
    assert_true(total >= 4); /* both crawls took at least two requests */
    for (size_t i = 0; i < taken; i++)
        for (size_t j = i + 1; j < taken && at[j] - at[i] < 350; j++)
            if (count[j] - count[i] > 1)
                fail_msg("%lld requests started within %lld ms", count[j] - count[i],
                         at[j] - at[i]);

    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(follows_and_likes_run_on_their_own_schedule),
        cmocka_unit_test(a_failure_in_the_middle_of_a_following_list_removes_no_one),
        cmocka_unit_test(posts_and_follows_share_the_politeness_of_the_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
