/* netra-crawler with Redis and no platform it may reach: accounts it cannot fetch back off one by
 * one, each for its own reason (a host not allowed, a refused connection, no adapter); an
 * account an operator paused is left alone; rescan requests end as failed with the reason, also
 * for an account that is not on the watchlist; and the crawler rides out a Redis restart. */
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

#include "queue/keys.h"
#include "tests/crawler/crawler_test.h"
#include "tests/support/test_support.h"

#define BACKOFF_MIN_MS 4000
#define INTERVAL_MS 2000

/* f-1: a feed whose host no config allows; m-1: a Mastodon instance on a loopback port nothing
 * listens on; p-1: paused by an operator. */
static const char watchlist[] = "id,platform,handle,name,nip,agency,region,interval\n"
                                "f-1,feed,https://feeds.example.invalid/ani.rss,Ani,,,aceh,\n"
                                "m-1,mastodon,budi@127.0.0.1,Budi,,,aceh,\n"
                                "p-1,mastodon,rudi@127.0.0.1,Rudi,,,aceh,\n";

static void hash_set(struct test_crawl *crawl, const char *account, const char *field,
                     const char *value)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_acct(key, sizeof(key), crawl->prefix, 0, account, err, sizeof(err)), 0);
    freeReplyObject(redisCommand(crawl->redis, "HSET %s %s %s", key, field, value));
}

struct failing {
    struct test_crawl *crawl;
    const char *const *accounts;
    long long at_least;
};

static int have_failed(void *arg)
{
    struct failing *f = arg;
    for (size_t i = 0; f->accounts[i] != NULL; i++)
        if (test_account_number(f->crawl, f->accounts[i], "error_count") < f->at_least)
            return 0;
    return 1;
}

struct counter_is {
    struct test_crawl *crawl;
    const char *counter;
    long long value;
};

static int counter_is(void *arg)
{
    struct counter_is *c = arg;
    return test_heartbeat_counter(c->crawl, "crawler-l", c->counter) == c->value;
}

static void accounts_it_cannot_fetch_back_off_for_their_own_reasons(void **state)
{
    (void)state;
    struct test_sim none;
    struct test_crawl crawl;
    test_sim_none(&none, watchlist);
    test_crawl_setup(&crawl, &none, "loop", "");
    test_crawl_import(&crawl);
    /* An account whose platform netra has no adapter for (written by hand: the watchlist
     * refuses it), and one an operator paused. */
    hash_set(&crawl, "x-1", "platform", "myspace");
    hash_set(&crawl, "x-1", "handle", "someone");
    char sched[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_sched(sched, sizeof(sched), crawl.prefix, 0, err, sizeof(err)), 0);
    freeReplyObject(redisCommand(crawl.redis, "ZADD %s 0 x-1", sched));
    hash_set(&crawl, "p-1", "status", "paused");

    pid_t crawler = test_crawler_start(&crawl, "crawler-l");
    const char *const failing[] = {"f-1", "m-1", "x-1", NULL};
    struct failing twice = {&crawl, failing, 2};
    assert_true(test_wait_for(have_failed, &twice, 3 * BACKOFF_MIN_MS));
    long long now = test_now_ms();

    const char *const reasons[] = {"platforms.feed.allowed_hosts", "127.0.0.1",
                                   "no adapter for platform \"myspace\""};
    for (size_t i = 0; failing[i] != NULL; i++) {
        char *error = test_account_field(&crawl, failing[i], "last_error");
        char *lease = test_account_lease(&crawl, failing[i]);
        if (strstr(error, reasons[i]) == NULL)
            fail_msg("%s: last_error \"%s\" does not say \"%s\"", failing[i], error, reasons[i]);
        long long due = test_account_due(&crawl, failing[i]);
        long long fetched = test_account_number(&crawl, failing[i], "last_fetch");
        if (lease[0] == '\0' && due - fetched < BACKOFF_MIN_MS / 2 - 100)
            fail_msg("%s: due %lld ms after its failure", failing[i], due - fetched);
        assert_true(test_account_number(&crawl, failing[i], "error_count") <= 3);
        free(error);
        free(lease);
    }
    /* Paused: never fetched, only moved on by its interval. */
    assert_int_equal(test_account_number(&crawl, "p-1", "last_fetch"), 0);
    assert_true(test_account_due(&crawl, "p-1") > now - INTERVAL_MS);
    struct counter_is backing_off = {&crawl, "accounts_backing_off", 3};
    assert_true(test_wait_for(counter_is, &backing_off, 2000));
    assert_true(test_heartbeat_reaches(&crawl, "crawler-l", "errors_bad_url", 2, 2000));
    assert_true(test_heartbeat_reaches(&crawl, "crawler-l", "errors_connect", 2, 2000));
    assert_true(test_heartbeat_reaches(&crawl, "crawler-l", "errors_request", 2, 2000));
    assert_int_equal(test_heartbeat_counter(&crawl, "crawler-l", "fetches_2xx"), 0);

    /* A rescan that cannot fetch ends as failed, with the reason. */
    char *out = NULL;
    assert_int_equal(test_netra(&crawl, &out, "rescan", "m-1", "--wait", (char *)NULL), 1);
    assert_non_null(strstr(out, "failed: "));
    assert_non_null(strstr(out, "127.0.0.1"));
    free(out);
    /* A request for an account not on the watchlist (only netra's CLI checks): failed too. */
    char stream[KEYS_MAX_LEN], progress[KEYS_MAX_LEN];
    assert_int_equal(keys_rescan(stream, sizeof(stream), crawl.prefix, 0, err, sizeof(err)), 0);
    assert_int_equal(keys_rescan_progress(progress, sizeof(progress), crawl.prefix, 0, "r-ghost",
                                          err, sizeof(err)),
                     0);
    freeReplyObject(
        redisCommand(crawl.redis, "XADD %s * rid r-ghost account ghost since 1700000000", stream));
    for (int waited = 0; waited < 5000; waited += 50) {
        redisReply *status = redisCommand(crawl.redis, "HGET %s status", progress);
        int ended = status->type == REDIS_REPLY_STRING && strcmp(status->str, "failed") == 0;
        freeReplyObject(status);
        if (ended)
            break;
        usleep(50 * 1000);
    }
    redisReply *error = redisCommand(crawl.redis, "HGET %s error", progress);
    assert_int_equal(error->type, REDIS_REPLY_STRING);
    assert_string_equal(error->str, "the account is not on the watchlist");
    freeReplyObject(error);

    assert_true(test_crawler_alive(crawler));
    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    test_crawl_teardown(&crawl);
    test_sim_stop(&none);
}

static int beats_again(void *arg)
{
    struct test_crawl *crawl = arg;
    return test_heartbeat_counter(crawl, "crawler-l", "in_flight") >= 0;
}

static void the_crawler_rides_out_a_redis_restart(void **state)
{
    (void)state;
    struct test_redis_server server;
    test_redis_server_start(&server);
    struct test_sim none;
    struct test_crawl crawl;
    char extra[256];
    snprintf(extra, sizeof(extra),
             "{\"redis\": {\"url\": \"%s\", \"reconnect_min_ms\": 50, \"reconnect_max_ms\": 200}}",
             server.url);
    test_sim_none(&none, watchlist);
    test_crawl_setup(&crawl, &none, "restart", extra);
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-l");
    const char *const failing[] = {"m-1", NULL};
    struct failing once = {&crawl, failing, 1};
    assert_true(test_wait_for(have_failed, &once, 5000));

    redisFree(crawl.redis);
    test_redis_server_restart(&server);
    crawl.redis = test_redis_connect(server.url);
    freeReplyObject(redisCommand(crawl.redis, "FLUSHALL"));
    assert_true(test_crawler_alive(crawler));
    /* It reconnects by itself and carries on: heartbeats come back, accounts are crawled. */
    test_crawl_import(&crawl);
    assert_true(test_wait_for(beats_again, &crawl, 5000));
    assert_true(test_wait_for(have_failed, &once, 5000));

    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    test_crawl_teardown(&crawl);
    test_sim_stop(&none);
    test_redis_server_stop(&server);
}

/* A supervisor that repeats its SIGTERM (the demo's stop, systemd's) while the crawler is already
 * closing must still see a clean exit, not a death by the signal's default action. */
static void a_repeated_sigterm_while_closing_still_exits_cleanly(void **state)
{
    (void)state;
    struct test_sim none;
    struct test_crawl crawl;
    test_sim_none(&none, watchlist);
    test_crawl_setup(&crawl, &none, "repeat", "");
    test_crawl_import(&crawl);
    for (int round = 0; round < 5; round++) {
        pid_t crawler = test_crawler_start(&crawl, "crawler-l");
        assert_true(test_wait_for(beats_again, &crawl, 5000));
        int status = 0;
        pid_t done = 0;
        long long until = test_now_ms() + 30000;
        while (done == 0 && test_now_ms() < until) {
            kill(crawler, SIGTERM);
            usleep(1000);
            done = waitpid(crawler, &status, WNOHANG);
        }
        if (done == 0) {
            kill(crawler, SIGKILL);
            waitpid(crawler, &status, 0);
            fail_msg("the crawler did not stop within 30 s of repeated SIGTERMs");
        }
        if (!WIFEXITED(status))
            fail_msg("round %d: the crawler died of signal %d while closing", round,
                     WTERMSIG(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        freeReplyObject(redisCommand(crawl.redis, "DEL %sproc:crawler-l", crawl.prefix));
    }
    test_crawl_teardown(&crawl);
    test_sim_stop(&none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accounts_it_cannot_fetch_back_off_for_their_own_reasons),
        cmocka_unit_test(the_crawler_rides_out_a_redis_restart),
        cmocka_unit_test(a_repeated_sigterm_while_closing_still_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
