/* Rescan requests and the loop's calls the crawler makes: a request is queued with its progress,
 * read once by one crawler (or taken over once stale), begun only by taking its account's lease,
 * reported and acknowledged; leases extend only for their holder; accounts and heartbeats work
 * from the loop as they do blocking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "config/watchlist.h"
#include "queue/accounts.h"
#include "queue/heartbeat.h"
#include "queue/keys.h"
#include "queue/redis_async.h"
#include "queue/redis_sync.h"
#include "queue/rescan.h"
#include "queue/sched.h"
#include "tests/queue/queue_test.h"
#include "tests/support/test_support.h"

struct fixture {
    struct netra_config *config;
    struct redis_sync *sync;
    redisContext *inspect;
    uv_loop_t loop;
    uv_timer_t timer;
    struct redis_async *async;
    /* What the last callback said. */
    int calls;
    char error[NETRA_ERR_LEN];
    struct rescan_requests requests;
    enum rescan_begin_result begun;
    char token[SCHED_TOKEN_MAX];
    long long lease_until;
    struct account *account;
    int found;
};

static void on_timer(uv_timer_t *timer)
{
    uv_stop(timer->loop);
}

/* Runs the loop until `calls` callbacks have come, for at most 5 s. */
static void run_until_calls(struct fixture *f, int calls)
{
    for (int waited = 0; f->calls < calls && waited < 5000; waited += 10) {
        uv_timer_start(&f->timer, on_timer, 10, 0);
        uv_run(&f->loop, UV_RUN_DEFAULT);
    }
    if (f->calls < calls)
        fail_msg("only %d of %d callbacks came", f->calls, calls);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[NETRA_ERR_LEN];
    f->config = queue_test_config(test_redis_url(), "rescan");
    f->config->schedule.lease_ms = 1000;
    if (redis_sync_open(f->config, test_redis_url(), &f->sync, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    f->inspect = test_redis_connect(test_redis_url());
    uv_loop_init(&f->loop);
    uv_timer_init(&f->loop, &f->timer);
    if (redis_async_open(&f->loop, f->config, test_redis_url(), NULL, NULL, &f->async, err,
                         sizeof(err)) != 0)
        fail_msg("%s", err);
    for (int waited = 0; !redis_async_ready(f->async) && waited < 5000; waited += 10) {
        uv_timer_start(&f->timer, on_timer, 10, 0);
        uv_run(&f->loop, UV_RUN_DEFAULT);
    }
    assert_true(redis_async_ready(f->async));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    redis_async_close(f->async);
    uv_close((uv_handle_t *)&f->timer, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    rescan_requests_free(&f->requests);
    account_free(f->account);
    test_redis_delete_prefix(f->inspect, f->config->redis.key_prefix);
    redisFree(f->inspect);
    redis_sync_close(f->sync);
    config_free(f->config);
    free(f);
    return 0;
}

static void add_account(struct fixture *f, const char *id)
{
    char err[NETRA_ERR_LEN];
    struct watchlist_entry entry = {(char *)id, "mastodon", "budi@kab.go.id", "Budi", "", "",
                                    "Aceh", 0, 1};
    if (accounts_upsert(f->sync, f->config, &entry, NULL, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

static void on_read(struct rescan_requests *requests, const char *error, void *data)
{
    struct fixture *f = data;
    f->calls++;
    snprintf(f->error, sizeof(f->error), "%s", error ? error : "");
    rescan_requests_free(&f->requests);
    if (requests != NULL) {
        f->requests = *requests; /* taken over: the callee's copy is emptied */
        memset(requests, 0, sizeof(*requests));
    }
}

static void read_requests(struct fixture *f, const char *consumer, int max, long long stale_ms)
{
    char err[NETRA_ERR_LEN];
    int calls = f->calls;
    if (rescan_read_async(f->async, f->config, 0, consumer, max, stale_ms, on_read, f, err,
                          sizeof(err)) != 0)
        fail_msg("%s", err);
    run_until_calls(f, calls + 1);
    if (f->error[0] != '\0')
        fail_msg("read: %s", f->error);
}

static void on_written(const char *error, void *data)
{
    struct fixture *f = data;
    f->calls++;
    snprintf(f->error, sizeof(f->error), "%s", error ? error : "");
}

static void on_begun(enum rescan_begin_result result, const char *token, long long lease_until,
                     const char *error, void *data)
{
    struct fixture *f = data;
    f->calls++;
    f->begun = result;
    snprintf(f->token, sizeof(f->token), "%s", token ? token : "");
    f->lease_until = lease_until;
    snprintf(f->error, sizeof(f->error), "%s", error ? error : "");
}

static enum rescan_begin_result begin(struct fixture *f, const struct rescan_request *request,
                                      const char *owner)
{
    char err[NETRA_ERR_LEN];
    int calls = f->calls;
    if (rescan_begin_async(f->async, f->config, request, owner, owner, on_begun, f, err,
                           sizeof(err)) != 0)
        fail_msg("%s", err);
    run_until_calls(f, calls + 1);
    if (f->error[0] != '\0')
        fail_msg("begin: %s", f->error);
    return f->begun;
}

static long long hash_number(struct fixture *f, const char *key, const char *field)
{
    redisReply *reply = redisCommand(f->inspect, "HGET %s %s", key, field);
    assert_non_null(reply);
    long long value = reply->type == REDIS_REPLY_STRING ? atoll(reply->str) : -1;
    freeReplyObject(reply);
    return value;
}

static char *hash_text(struct fixture *f, const char *key, const char *field)
{
    redisReply *reply = redisCommand(f->inspect, "HGET %s %s", key, field);
    assert_non_null(reply);
    char *value = strdup(reply->type == REDIS_REPLY_STRING ? reply->str : "(nil)");
    freeReplyObject(reply);
    return value;
}

static void progress_key(struct fixture *f, const char *account, const char *rid,
                         char key[KEYS_MAX_LEN])
{
    char err[NETRA_ERR_LEN];
    assert_int_equal(keys_rescan_progress(key, KEYS_MAX_LEN, f->config->redis.key_prefix,
                                          keys_shard(account, f->config->redis.shards), rid, err,
                                          sizeof(err)),
                     0);
}

static void queue_request(struct fixture *f, const char *rid, const char *account, long long since)
{
    char err[NETRA_ERR_LEN];
    if (rescan_queue(f->sync, f->config, rid, account, since, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

/* ---- ids ---------------------------------------------------------------------------------- */

static void new_ids_are_valid_and_distinct(void **state)
{
    (void)state;
    char a[RESCAN_ID_MAX + 1], b[RESCAN_ID_MAX + 1], err[NETRA_ERR_LEN];
    assert_int_equal(rescan_new_id(a, err, sizeof(err)), 0);
    assert_int_equal(rescan_new_id(b, err, sizeof(err)), 0);
    assert_true(rescan_id_valid(a));
    assert_string_not_equal(a, b);
    assert_int_equal(a[0], 'r');
    assert_false(rescan_id_valid(""));
    assert_false(rescan_id_valid("a/b"));
    assert_false(rescan_id_valid("a b"));
    assert_false(rescan_id_valid("a:b"));
    char long_id[RESCAN_ID_MAX + 2];
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    assert_false(rescan_id_valid(long_id));
    long_id[RESCAN_ID_MAX] = '\0';
    assert_true(rescan_id_valid(long_id));
}

/* ---- queue, read, begin, report, acknowledge ------------------------------------------------ */

static void a_queued_request_has_its_progress_and_is_read_once(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    add_account(f, "pns-1");
    queue_request(f, "r-1", "pns-1", 1700000000);

    struct rescan_progress progress;
    int found = 0;
    assert_int_equal(rescan_progress_get(f->sync, f->config, "pns-1", "r-1", &progress, &found,
                                         err, sizeof(err)),
                     0);
    assert_true(found);
    assert_string_equal(progress.status, "queued");
    assert_string_equal(progress.account, "pns-1");
    assert_int_equal(progress.since_s, 1700000000);
    assert_true(progress.created_ms > 1700000000000LL);
    assert_int_equal(progress.counts.pages, 0);
    rescan_progress_free(&progress);
    assert_int_equal(rescan_progress_get(f->sync, f->config, "pns-1", "r-unknown", &progress,
                                         &found, err, sizeof(err)),
                     0);
    assert_false(found);
    assert_int_equal(rescan_progress_get(f->sync, f->config, "pns-1", "bad id", &progress,
                                         &found, err, sizeof(err)),
                     -1);
    assert_int_equal(rescan_queue(f->sync, f->config, "r-2", "pns-1", 0, err, sizeof(err)), -1);

    read_requests(f, "crawler-a", 10, 60000);
    assert_int_equal(f->requests.count, 1);
    assert_null(f->requests.items[0].error);
    assert_string_equal(f->requests.items[0].rid, "r-1");
    assert_string_equal(f->requests.items[0].account, "pns-1");
    assert_int_equal(f->requests.items[0].since_s, 1700000000);
    /* Neither the same consumer nor another one gets it again while it is fresh. */
    read_requests(f, "crawler-a", 10, 60000);
    assert_int_equal(f->requests.count, 0);
    read_requests(f, "crawler-b", 10, 60000);
    assert_int_equal(f->requests.count, 0);
}

static void malformed_requests_come_back_with_their_reason(void **state)
{
    struct fixture *f = *state;
    char stream[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_rescan(stream, sizeof(stream), f->config->redis.key_prefix, 0, err,
                                 sizeof(err)),
                     0);
    const char *adds[] = {
        "XADD %s * rid r/1 account pns-1 since 1700000000",
        "XADD %s * rid r-3 since 1700000000",
        "XADD %s * rid r-4 account pns-1 since yesterday",
        "XADD %s * rid r-5 account pns-1 since 1700000000",
    };
    for (size_t i = 0; i < sizeof(adds) / sizeof(adds[0]); i++)
        freeReplyObject(redisCommand(f->inspect, adds[i], stream));
    read_requests(f, "crawler-a", 10, 60000);
    assert_int_equal(f->requests.count, 4);
    assert_string_equal(f->requests.items[0].error, "missing or malformed rid");
    assert_string_equal(f->requests.items[1].error, "missing or malformed account");
    assert_string_equal(f->requests.items[2].error, "missing or malformed since");
    assert_null(f->requests.items[3].error);
    assert_string_equal(f->requests.items[3].rid, "r-5");
    assert_true(f->requests.items[0].entry_id[0] != '\0');
}

static void a_stale_request_is_taken_over_unless_touched(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    add_account(f, "pns-1");
    queue_request(f, "r-1", "pns-1", 1700000000);
    read_requests(f, "crawler-a", 10, 600);
    assert_int_equal(f->requests.count, 1);
    char entry[RESCAN_ENTRY_ID_LEN];
    memcpy(entry, f->requests.items[0].entry_id, sizeof(entry));

    usleep(800 * 1000);
    /* crawler-a is still at it: the touch resets the idle time. */
    int calls = f->calls;
    assert_int_equal(rescan_touch_async(f->async, f->config, 0, "crawler-a", entry, on_written, f,
                                        err, sizeof(err)),
                     0);
    run_until_calls(f, calls + 1);
    assert_string_equal(f->error, "");
    read_requests(f, "crawler-b", 10, 600);
    assert_int_equal(f->requests.count, 0);

    /* crawler-a went quiet: crawler-b takes the request over. */
    usleep(800 * 1000);
    read_requests(f, "crawler-b", 10, 600);
    assert_int_equal(f->requests.count, 1);
    assert_string_equal(f->requests.items[0].rid, "r-1");
    assert_string_equal(f->requests.items[0].entry_id, entry);
}

static void begin_takes_the_lease_or_waits_for_it(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN], key[KEYS_MAX_LEN];
    add_account(f, "pns-1");
    queue_request(f, "r-1", "pns-1", 1700000000);
    queue_request(f, "r-2", "pns-9", 1700000000);
    read_requests(f, "crawler-a", 10, 60000);
    assert_int_equal(f->requests.count, 2);

    /* A scheduled crawl holds the account: the rescan waits. */
    struct sched_claims claims;
    assert_int_equal(sched_claim_due(f->sync, f->config, SCHED_POSTS, 0, "crawler-b", 10, &claims,
                                     err, sizeof(err)), 0);
    assert_int_equal(claims.count, 1);
    assert_int_equal(begin(f, &f->requests.items[0], "crawler-a"), RESCAN_BUSY);
    enum sched_finish_result finished;
    assert_int_equal(sched_complete(f->sync, f->config, SCHED_POSTS, "pns-1", claims.items[0].token,
                                    900, &finished, err, sizeof(err)), 0);
    assert_int_equal(finished, SCHED_FINISHED);
    sched_claims_free(&claims);

    /* Free again (and not due for 15 minutes): the rescan takes it all the same. */
    assert_int_equal(begin(f, &f->requests.items[0], "crawler-a"), RESCAN_TAKEN);
    assert_non_null(strstr(f->token, "crawler-a/"));
    progress_key(f, "pns-1", "r-1", key);
    char *status = hash_text(f, key, "status");
    char *crawler = hash_text(f, key, "crawler");
    assert_string_equal(status, "running");
    assert_string_equal(crawler, "crawler-a");
    free(status);
    free(crawler);
    assert_true(hash_number(f, key, "started") > 0);
    /* ... and holds it like a claim: nobody claims it, a second begin waits. */
    assert_int_equal(sched_claim_due(f->sync, f->config, SCHED_POSTS, 0, "crawler-b", 10, &claims,
                                     err, sizeof(err)), 0);
    assert_int_equal(claims.count, 0);
    sched_claims_free(&claims);
    char token[SCHED_TOKEN_MAX];
    snprintf(token, sizeof(token), "%s", f->token);
    assert_int_equal(begin(f, &f->requests.items[0], "crawler-b"), RESCAN_BUSY);

    /* Its end written, a request taken over later is only acknowledged. */
    struct rescan_counts counts = {3, 5, 40, 1};
    int calls = f->calls;
    assert_int_equal(rescan_report_async(f->async, f->config, "pns-1", "r-1", &counts, "done", "",
                                         on_written, f, err, sizeof(err)),
                     0);
    run_until_calls(f, calls + 1);
    assert_string_equal(f->error, "");
    assert_int_equal(sched_release(f->sync, f->config, SCHED_POSTS, "pns-1", token, &finished, err,
                                   sizeof(err)),
                     0);
    assert_int_equal(finished, SCHED_FINISHED);
    assert_int_equal(begin(f, &f->requests.items[0], "crawler-b"), RESCAN_FINISHED);

    /* An account not on the watchlist. */
    assert_int_equal(begin(f, &f->requests.items[1], "crawler-a"), RESCAN_NO_ACCOUNT);
}

static void reports_write_progress_and_acks_empty_the_pending_list(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN], key[KEYS_MAX_LEN], stream[KEYS_MAX_LEN];
    add_account(f, "pns-1");
    queue_request(f, "r-1", "pns-1", 1700000000);
    read_requests(f, "crawler-a", 10, 60000);
    progress_key(f, "pns-1", "r-1", key);

    struct rescan_counts counts = {2, 7, 30, 0};
    int calls = f->calls;
    assert_int_equal(rescan_report_async(f->async, f->config, "pns-1", "r-1", &counts, NULL, NULL,
                                         on_written, f, err, sizeof(err)),
                     0);
    run_until_calls(f, calls + 1);
    assert_int_equal(hash_number(f, key, "pages"), 2);
    assert_int_equal(hash_number(f, key, "posts_new"), 7);
    assert_int_equal(hash_number(f, key, "posts_seen"), 30);
    assert_int_equal(hash_number(f, key, "finished"), -1);
    char *status = hash_text(f, key, "status");
    assert_string_equal(status, "queued"); /* a report does not end it */
    free(status);

    counts.errors = 1;
    assert_int_equal(rescan_report_async(f->async, f->config, "pns-1", "r-1", &counts, "failed",
                                         "HTTP 503 from the platform", on_written, f, err,
                                         sizeof(err)),
                     0);
    run_until_calls(f, calls + 2);
    struct rescan_progress progress;
    int found;
    assert_int_equal(rescan_progress_get(f->sync, f->config, "pns-1", "r-1", &progress, &found,
                                         err, sizeof(err)),
                     0);
    assert_string_equal(progress.status, "failed");
    assert_string_equal(progress.error, "HTTP 503 from the platform");
    assert_int_equal(progress.counts.errors, 1);
    assert_true(progress.finished_ms >= progress.created_ms);
    rescan_progress_free(&progress);
    redisReply *ttl = redisCommand(f->inspect, "PTTL %s", key);
    assert_true(ttl->integer > 86400000LL);
    freeReplyObject(ttl);

    assert_int_equal(keys_rescan(stream, sizeof(stream), f->config->redis.key_prefix, 0, err,
                                 sizeof(err)),
                     0);
    redisReply *pending = redisCommand(f->inspect, "XPENDING %s %s", stream, RESCAN_GROUP);
    assert_int_equal(pending->element[0]->integer, 1);
    freeReplyObject(pending);
    assert_int_equal(rescan_ack_async(f->async, f->config, 0, f->requests.items[0].entry_id,
                                      on_written, f, err, sizeof(err)),
                     0);
    run_until_calls(f, calls + 3);
    pending = redisCommand(f->inspect, "XPENDING %s %s", stream, RESCAN_GROUP);
    assert_int_equal(pending->element[0]->integer, 0);
    freeReplyObject(pending);
}

/* ---- leases ------------------------------------------------------------------------------- */

static void on_extended(long long lease_until, const char *error, void *data)
{
    struct fixture *f = data;
    f->calls++;
    f->lease_until = lease_until;
    snprintf(f->error, sizeof(f->error), "%s", error ? error : "");
}

static long long extend(struct fixture *f, const char *account, const char *token)
{
    char err[NETRA_ERR_LEN];
    int calls = f->calls;
    if (sched_extend_async(f->async, f->config, SCHED_POSTS, account, token, on_extended, f, err,
                           sizeof(err)) != 0)
        fail_msg("%s", err);
    run_until_calls(f, calls + 1);
    if (f->error[0] != '\0')
        fail_msg("extend: %s", f->error);
    return f->lease_until;
}

static void only_the_holder_extends_a_live_lease(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    add_account(f, "pns-1");
    struct sched_claims claims;
    assert_int_equal(sched_claim_due(f->sync, f->config, SCHED_POSTS, 0, "crawler-a", 1, &claims,
                                     err, sizeof(err)), 0);
    assert_int_equal(claims.count, 1);
    usleep(700 * 1000);
    long long until = extend(f, "pns-1", claims.items[0].token);
    assert_true(until >= claims.lease_until_ms + 600);
    assert_int_equal(extend(f, "pns-1", "crawler-b/1/1"), 0);
    /* Extended, it outlives its first end. */
    usleep(500 * 1000);
    struct sched_claims again;
    assert_int_equal(sched_claim_due(f->sync, f->config, SCHED_POSTS, 0, "crawler-b", 1, &again,
                                     err, sizeof(err)), 0);
    assert_int_equal(again.count, 0);
    sched_claims_free(&again);
    /* Once over, it cannot be brought back. */
    usleep(1000 * 1000);
    assert_int_equal(extend(f, "pns-1", claims.items[0].token), 0);
    sched_claims_free(&claims);
}

/* ---- accounts and heartbeats from the loop ------------------------------------------------- */

static void on_account(struct account *account, const char *error, void *data)
{
    struct fixture *f = data;
    f->calls++;
    account_free(f->account);
    f->account = account;
    snprintf(f->error, sizeof(f->error), "%s", error ? error : "");
}

static void on_saved(int found, const char *error, void *data)
{
    struct fixture *f = data;
    f->calls++;
    f->found = found;
    snprintf(f->error, sizeof(f->error), "%s", error ? error : "");
}

static void accounts_are_read_and_saved_from_the_loop(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    add_account(f, "pns-1");
    int calls = f->calls;
    assert_int_equal(accounts_get_async(f->async, f->config, "pns-1", on_account, f, err,
                                        sizeof(err)),
                     0);
    run_until_calls(f, ++calls);
    assert_non_null(f->account);
    assert_string_equal(f->account->handle, "budi@kab.go.id");
    assert_string_equal(f->account->region, "Aceh");
    assert_string_equal(f->account->cursor, "");

    free(f->account->cursor);
    f->account->cursor = strdup("111734300000000010");
    f->account->error_count = 2;
    f->account->last_fetch_ms = 1700000000123LL;
    assert_int_equal(accounts_save_state_async(f->async, f->config, f->account, on_saved, f, err,
                                               sizeof(err)),
                     0);
    run_until_calls(f, ++calls);
    assert_true(f->found);
    struct account *read = NULL;
    assert_int_equal(accounts_get(f->sync, f->config, "pns-1", &read, err, sizeof(err)), 0);
    assert_string_equal(read->cursor, "111734300000000010");
    assert_int_equal(read->error_count, 2);
    assert_int_equal(read->last_fetch_ms, 1700000000123LL);
    account_free(read);

    /* Removed meanwhile: not recreated. */
    int removed;
    assert_int_equal(accounts_remove(f->sync, f->config, "pns-1", &removed, err, sizeof(err)), 0);
    assert_int_equal(accounts_save_state_async(f->async, f->config, f->account, on_saved, f, err,
                                               sizeof(err)),
                     0);
    run_until_calls(f, ++calls);
    assert_false(f->found);
    assert_int_equal(accounts_get_async(f->async, f->config, "pns-1", on_account, f, err,
                                        sizeof(err)),
                     0);
    run_until_calls(f, ++calls);
    assert_null(f->account);
    assert_string_equal(f->error, "");
}

static void on_beat(const char *error, void *data)
{
    on_written(error, data);
}

static void heartbeats_are_written_from_the_loop(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    struct heartbeat_counter counters[] = {{"fetches_2xx", 12}, {"errors_timeout", 3}};
    int calls = f->calls;
    assert_int_equal(heartbeat_beat_async(f->async, f->config, "crawler@test:1", counters, 2,
                                          on_beat, f, err, sizeof(err)),
                     0);
    run_until_calls(f, calls + 1);
    assert_string_equal(f->error, "");
    struct heartbeat_proc *procs = NULL;
    size_t count = 0;
    assert_int_equal(heartbeat_list(f->sync, f->config, &procs, &count, err, sizeof(err)), 0);
    assert_int_equal(count, 1);
    assert_string_equal(procs[0].name, "crawler@test:1");
    int seen = 0;
    for (size_t i = 0; i < procs[0].field_count; i++)
        if (strcmp(procs[0].fields[i].name, "errors_timeout") == 0) {
            assert_string_equal(procs[0].fields[i].value, "3");
            seen = 1;
        }
    assert_true(seen);
    heartbeat_list_free(procs, count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_ids_are_valid_and_distinct),
        cmocka_unit_test_setup_teardown(a_queued_request_has_its_progress_and_is_read_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(malformed_requests_come_back_with_their_reason, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_stale_request_is_taken_over_unless_touched, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(begin_takes_the_lease_or_waits_for_it, setup, teardown),
        cmocka_unit_test_setup_teardown(reports_write_progress_and_acks_empty_the_pending_list,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(only_the_holder_extends_a_live_lease, setup, teardown),
        cmocka_unit_test_setup_teardown(accounts_are_read_and_saved_from_the_loop, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(heartbeats_are_written_from_the_loop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
