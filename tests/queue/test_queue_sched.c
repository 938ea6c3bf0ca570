/* The schedule: claims are exclusive leases decided by the server clock; an expired lease comes
 * back and its late completion is refused. */
#include <limits.h>
#include <setjmp.h>
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
#include "queue/redis_sync.h"
#include "queue/sched.h"
#include "tests/queue/queue_test.h"
#include "tests/support/test_support.h"

#define ACCOUNTS 60

struct fixture {
    struct netra_config *config;
    struct redis_sync *a, *b;
    redisContext *inspect;
};

static struct redis_sync *open_sync(const struct netra_config *config)
{
    struct redis_sync *redis;
    char err[NETRA_ERR_LEN];
    if (redis_sync_open(config, test_redis_url(), &redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return redis;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->config = queue_test_config(test_redis_url(), "sched");
    f->a = open_sync(f->config);
    f->b = open_sync(f->config);
    f->inspect = test_redis_connect(test_redis_url());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_redis_delete_prefix(f->inspect, f->config->redis.key_prefix);
    redisFree(f->inspect);
    redis_sync_close(f->a);
    redis_sync_close(f->b);
    config_free(f->config);
    free(f);
    return 0;
}

static void schedule_accounts(struct fixture *f, int count)
{
    char err[NETRA_ERR_LEN], id[32];
    for (int i = 0; i < count; i++) {
        snprintf(id, sizeof(id), "acct-%03d", i);
        if (sched_set_due(f->a, f->config, SCHED_POSTS, id, 0, 0, err, sizeof(err)) != 0)
            fail_msg("%s", err);
    }
}

static int account_index(const char *id)
{
    int index = atoi(id + 5);
    assert_in_range(index, 0, ACCOUNTS - 1);
    return index;
}

static void two_claimers_never_hold_the_same_account(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    schedule_accounts(f, ACCOUNTS);
    /* held[i]: 0 free, 1 held by a, 2 held by b; tokens to finish with. */
    int held[ACCOUNTS] = {0};
    char *tokens[ACCOUNTS] = {NULL};
    long total = 0;
    for (int round = 0; round < 60; round++) {
        int who = 1 + round % 2;
        struct sched_claims claims;
        if (sched_claim_due(who == 1 ? f->a : f->b, f->config, SCHED_POSTS, 0, who == 1 ? "a" : "b",
                            7, &claims, err, sizeof(err)) != 0)
            fail_msg("claim: %s", err);
        for (size_t i = 0; i < claims.count; i++) {
            int index = account_index(claims.items[i].account);
            if (held[index] != 0)
                fail_msg("%s claimed while held by %d", claims.items[i].account, held[index]);
            held[index] = who;
            tokens[index] = strdup(claims.items[i].token);
            total++;
        }
        sched_claims_free(&claims);
        /* Every few rounds, give back what the other one holds: due again now. */
        for (int i = 0; i < ACCOUNTS; i++) {
            if (held[i] == 0 || held[i] == who || (i + round) % 3 != 0)
                continue;
            char id[32];
            enum sched_finish_result result;
            snprintf(id, sizeof(id), "acct-%03d", i);
            assert_int_equal(sched_release(held[i] == 1 ? f->a : f->b, f->config, SCHED_POSTS, id,
                                           tokens[i], &result, err, sizeof(err)), 0);
            assert_int_equal(result, SCHED_FINISHED);
            free(tokens[i]);
            tokens[i] = NULL;
            held[i] = 0;
        }
    }
    assert_true(total > ACCOUNTS);
    for (int i = 0; i < ACCOUNTS; i++)
        free(tokens[i]);
}

/* Processes claiming at the same moment: every account is claimed exactly once in all. */
static void concurrent_claimers_split_the_accounts(void **state)
{
    struct fixture *f = *state;
    schedule_accounts(f, ACCOUNTS);
    int pipes[4][2];
    pid_t pids[4];
    for (int p = 0; p < 4; p++) {
        assert_int_equal(pipe(pipes[p]), 0);
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            close(pipes[p][0]);
            struct redis_sync *redis = open_sync(f->config);
            char err[NETRA_ERR_LEN], owner[16];
            snprintf(owner, sizeof(owner), "p%d", p);
            for (;;) {
                struct sched_claims claims;
                if (sched_claim_due(redis, f->config, SCHED_POSTS, 0, owner, 3, &claims, err,
                                    sizeof(err)) != 0)
                    _exit(2);
                if (claims.count == 0)
                    break;
                for (size_t i = 0; i < claims.count; i++) {
                    enum sched_finish_result result;
                    dprintf(pipes[p][1], "%s\n", claims.items[i].account);
                    if (sched_complete(redis, f->config, SCHED_POSTS, claims.items[i].account,
                                       claims.items[i].token, 3600, &result, err,
                                       sizeof(err)) != 0 ||
                        result != SCHED_FINISHED)
                        _exit(3);
                }
                sched_claims_free(&claims);
            }
            redis_sync_close(redis);
            _exit(0);
        }
        close(pipes[p][1]);
    }
    int seen[ACCOUNTS] = {0};
    for (int p = 0; p < 4; p++) {
        FILE *in = fdopen(pipes[p][0], "r");
        char line[64];
        while (fgets(line, sizeof(line), in) != NULL)
            seen[account_index(line)]++;
        fclose(in);
        int status;
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    for (int i = 0; i < ACCOUNTS; i++)
        assert_int_equal(seen[i], 1);
}

static void an_expired_lease_is_claimed_again_and_the_late_completion_refused(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    f->config->schedule.lease_ms = 150;
    schedule_accounts(f, 1);
    struct sched_claims first, second;
    assert_int_equal(sched_claim_due(f->a, f->config, SCHED_POSTS, 0, "a", 10, &first, err,
                                     sizeof(err)), 0);
    assert_int_equal(first.count, 1);
    assert_int_equal(first.lease_until_ms - first.now_ms, 150);
    assert_int_equal(sched_claim_due(f->b, f->config, SCHED_POSTS, 0, "b", 10, &second, err,
                                     sizeof(err)), 0);
    assert_int_equal(second.count, 0); /* still leased */
    sched_claims_free(&second);

    usleep(250 * 1000);
    assert_int_equal(sched_claim_due(f->b, f->config, SCHED_POSTS, 0, "b", 10, &second, err,
                                     sizeof(err)), 0);
    assert_int_equal(second.count, 1);
    assert_string_equal(second.items[0].account, "acct-000");
    assert_string_not_equal(second.items[0].token, first.items[0].token);

    enum sched_finish_result result;
    assert_int_equal(sched_complete(f->a, f->config, SCHED_POSTS, "acct-000", first.items[0].token,
                                    60, &result, err, sizeof(err)), 0);
    assert_int_equal(result, SCHED_REFUSED);
    assert_int_equal(sched_complete(f->b, f->config, SCHED_POSTS, "acct-000", second.items[0].token,
                                    60, &result, err, sizeof(err)), 0);
    assert_int_equal(result, SCHED_FINISHED);
    /* Finished once: the same token again is refused. */
    assert_int_equal(sched_complete(f->b, f->config, SCHED_POSTS, "acct-000", second.items[0].token,
                                    60, &result, err, sizeof(err)), 0);
    assert_int_equal(result, SCHED_REFUSED);
    sched_claims_free(&first);
    sched_claims_free(&second);
}

static void a_lease_that_ran_out_cannot_complete_even_unclaimed(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    f->config->schedule.lease_ms = 100;
    schedule_accounts(f, 1);
    struct sched_claims claims;
    assert_int_equal(sched_claim_due(f->a, f->config, SCHED_POSTS, 0, "a", 1, &claims, err,
                                     sizeof(err)), 0);
    assert_int_equal(claims.count, 1);
    usleep(200 * 1000);
    enum sched_finish_result result;
    assert_int_equal(sched_complete(f->a, f->config, SCHED_POSTS, "acct-000", claims.items[0].token,
                                    60, &result, err, sizeof(err)), 0);
    assert_int_equal(result, SCHED_REFUSED);
    sched_claims_free(&claims);
}

static void complete_schedules_the_next_fetch_within_the_jitter(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN], sched[KEYS_MAX_LEN];
    f->config->schedule.jitter_pct = 10;
    schedule_accounts(f, 1);
    struct sched_claims claims;
    assert_int_equal(sched_claim_due(f->a, f->config, SCHED_POSTS, 0, "a", 1, &claims, err,
                                     sizeof(err)), 0);
    assert_int_equal(claims.count, 1);
    enum sched_finish_result result;
    assert_int_equal(sched_complete(f->a, f->config, SCHED_POSTS, "acct-000", claims.items[0].token,
                                    1000, &result, err, sizeof(err)), 0);
    assert_int_equal(result, SCHED_FINISHED);
    assert_int_equal(keys_sched(sched, sizeof(sched), f->config->redis.key_prefix, 0, err,
                                sizeof(err)), 0);
    redisReply *reply = redisCommand(f->inspect, "ZSCORE %s acct-000", sched);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    long long due = atoll(reply->str);
    freeReplyObject(reply);
    assert_in_range(due, claims.now_ms + 900000, claims.now_ms + 1100000 + 5000);

    struct sched_counts counts;
    assert_int_equal(sched_counts(f->a, f->config, SCHED_POSTS, 0, &counts, err, sizeof(err)), 0);
    assert_int_equal(counts.scheduled, 1);
    assert_int_equal(counts.due, 0);
    assert_int_equal(counts.leased, 0);
    sched_claims_free(&claims);
}

static void release_makes_an_account_due_again_now(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    schedule_accounts(f, 2);
    struct sched_claims claims, again;
    assert_int_equal(sched_claim_due(f->a, f->config, SCHED_POSTS, 0, "a", 5, &claims, err,
                                     sizeof(err)), 0);
    assert_int_equal(claims.count, 2);
    struct sched_counts counts;
    assert_int_equal(sched_counts(f->a, f->config, SCHED_POSTS, 0, &counts, err, sizeof(err)), 0);
    assert_int_equal(counts.leased, 2);
    enum sched_finish_result result;
    assert_int_equal(sched_release(f->a, f->config, SCHED_POSTS, claims.items[1].account,
                                   claims.items[1].token, &result, err, sizeof(err)), 0);
    assert_int_equal(result, SCHED_FINISHED);
    assert_int_equal(sched_claim_due(f->b, f->config, SCHED_POSTS, 0, "b", 5, &again, err,
                                     sizeof(err)), 0);
    assert_int_equal(again.count, 1);
    assert_string_equal(again.items[0].account, claims.items[1].account);
    sched_claims_free(&claims);
    sched_claims_free(&again);
}

static void bad_owner_is_refused(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    struct sched_claims claims;
    assert_int_equal(sched_claim_due(f->a, f->config, SCHED_POSTS, 0, "a/b", 5, &claims, err,
                                     sizeof(err)), -1);
    assert_int_equal(sched_claim_due(f->a, f->config, SCHED_POSTS, 0, "", 5, &claims, err,
                                     sizeof(err)), -1);
    assert_int_equal(sched_claim_due(f->a, f->config, SCHED_POSTS, 3, "a", 5, &claims, err,
                                     sizeof(err)), -1);
}

/* An operator may park an account with ZADD +inf by hand: listing the schedule still works. */
static void a_schedule_set_to_infinity_by_hand_lists_as_the_farthest_time(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN], sched[KEYS_MAX_LEN];
    assert_int_equal(keys_sched(sched, sizeof(sched), f->config->redis.key_prefix, 0, err,
                                sizeof(err)),
                     0);
    redisReply *reply = redisCommand(f->inspect, "ZADD %s +inf parked -inf first 1700000000000 "
                                                 "normal",
                                     sched);
    assert_non_null(reply);
    freeReplyObject(reply);
    struct sched_entry *entries = NULL;
    size_t count = 0;
    if (sched_list(f->a, f->config, SCHED_POSTS, 0, &entries, &count, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(count, 3);
    assert_string_equal(entries[0].account, "first");
    assert_true(entries[0].due_ms == LLONG_MIN);
    assert_string_equal(entries[1].account, "normal");
    assert_true(entries[1].due_ms == 1700000000000LL);
    assert_string_equal(entries[2].account, "parked");
    assert_true(entries[2].due_ms == LLONG_MAX);
    sched_entries_free(entries, count);
}

/* The engage schedule runs apart: a claim from one schedule never takes an account from the
 * other, and a token of one finishes nothing in the other. */
static void the_engage_schedule_is_claimed_and_finished_apart_from_sched(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    assert_int_equal(sched_set_due(f->a, f->config, SCHED_POSTS, "pns-1", 0, 0, err, sizeof(err)),
                     0);
    assert_int_equal(sched_set_due(f->a, f->config, SCHED_ENGAGE, "pns-1", 4102444800000LL, 0, err,
                                   sizeof(err)), 0);
    assert_int_equal(sched_set_due(f->a, f->config, SCHED_ENGAGE, "pns-2", 0, 0, err, sizeof(err)),
                     0);

    struct sched_claims posts, engage;
    assert_int_equal(sched_claim_due(f->a, f->config, SCHED_POSTS, 0, "a", 10, &posts, err,
                                     sizeof(err)), 0);
    assert_int_equal(posts.count, 1);
    assert_string_equal(posts.items[0].account, "pns-1");
    assert_int_equal(sched_claim_due(f->b, f->config, SCHED_ENGAGE, 0, "b", 10, &engage, err,
                                     sizeof(err)), 0);
    assert_int_equal(engage.count, 1); /* pns-1 is not due for engagement, whatever its posts */
    assert_string_equal(engage.items[0].account, "pns-2");

    struct sched_counts counts;
    assert_int_equal(sched_counts(f->a, f->config, SCHED_ENGAGE, 0, &counts, err, sizeof(err)),
                     0);
    assert_int_equal(counts.scheduled, 2);
    assert_int_equal(counts.leased, 1);

    /* A token finishes only a lease of the schedule that gave it. */
    enum sched_finish_result result;
    assert_int_equal(sched_complete(f->a, f->config, SCHED_ENGAGE, "pns-1", posts.items[0].token,
                                    86400, &result, err, sizeof(err)), 0);
    assert_int_equal(result, SCHED_REFUSED);
    assert_int_equal(sched_complete(f->b, f->config, SCHED_POSTS, "pns-2", engage.items[0].token,
                                    900, &result, err, sizeof(err)), 0);
    assert_int_equal(result, SCHED_REFUSED);
    assert_int_equal(sched_complete(f->b, f->config, SCHED_ENGAGE, "pns-2", engage.items[0].token,
                                    86400, &result, err, sizeof(err)), 0);
    assert_int_equal(result, SCHED_FINISHED);
    assert_int_equal(sched_complete(f->a, f->config, SCHED_POSTS, "pns-1", posts.items[0].token,
                                    900, &result, err, sizeof(err)), 0);
    assert_int_equal(result, SCHED_FINISHED);

    struct sched_entry *entries = NULL;
    size_t count = 0;
    assert_int_equal(sched_list(f->a, f->config, SCHED_ENGAGE, 0, &entries, &count, err,
                                sizeof(err)), 0);
    assert_int_equal(count, 2);
    assert_string_equal(entries[0].account, "pns-2");
    assert_in_range(entries[0].due_ms, engage.now_ms + 86400000LL * 9 / 10,
                    engage.now_ms + 86400000LL * 11 / 10 + 5000);
    assert_string_equal(entries[1].account, "pns-1");
    assert_true(entries[1].due_ms == 4102444800000LL);
    sched_entries_free(entries, count);
    assert_int_equal(sched_list(f->a, f->config, SCHED_POSTS, 0, &entries, &count, err,
                                sizeof(err)), 0);
    assert_int_equal(count, 1);
    sched_entries_free(entries, count);
    sched_claims_free(&posts);
    sched_claims_free(&engage);
}

/* The engage schedule's leases are the same as sched's: an expired one is claimed again. */
static void an_expired_engage_lease_comes_back(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    f->config->schedule.lease_ms = 100;
    assert_int_equal(sched_set_due(f->a, f->config, SCHED_ENGAGE, "pns-1", 0, 0, err, sizeof(err)),
                     0);
    struct sched_claims first, second;
    assert_int_equal(sched_claim_due(f->a, f->config, SCHED_ENGAGE, 0, "a", 1, &first, err,
                                     sizeof(err)), 0);
    assert_int_equal(first.count, 1);
    usleep(200 * 1000);
    assert_int_equal(sched_claim_due(f->b, f->config, SCHED_ENGAGE, 0, "b", 1, &second, err,
                                     sizeof(err)), 0);
    assert_int_equal(second.count, 1);
    enum sched_finish_result result;
    assert_int_equal(sched_complete(f->a, f->config, SCHED_ENGAGE, "pns-1", first.items[0].token,
                                    60, &result, err, sizeof(err)), 0);
    assert_int_equal(result, SCHED_REFUSED);
    sched_claims_free(&first);
    sched_claims_free(&second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(two_claimers_never_hold_the_same_account, setup, teardown),
        cmocka_unit_test_setup_teardown(
            the_engage_schedule_is_claimed_and_finished_apart_from_sched, setup, teardown),
        cmocka_unit_test_setup_teardown(an_expired_engage_lease_comes_back, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_claimers_split_the_accounts, setup, teardown),
        cmocka_unit_test_setup_teardown(
            an_expired_lease_is_claimed_again_and_the_late_completion_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_lease_that_ran_out_cannot_complete_even_unclaimed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(complete_schedules_the_next_fetch_within_the_jitter, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(release_makes_an_account_due_again_now, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_owner_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_schedule_set_to_infinity_by_hand_lists_as_the_farthest_time,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
