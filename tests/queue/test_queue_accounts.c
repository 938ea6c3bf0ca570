/* Accounts: import keeps crawl state, remove unschedules, listing and heartbeats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "queue/accounts.h"
#include "queue/heartbeat.h"
#include "queue/keys.h"
#include "queue/redis_sync.h"
#include "queue/sched.h"
#include "tests/queue/queue_test.h"
#include "tests/support/test_support.h"

struct fixture {
    struct netra_config *config;
    struct redis_sync *redis;
    redisContext *inspect;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[NETRA_ERR_LEN];
    f->config = queue_test_config(test_redis_url(), "accounts");
    if (redis_sync_open(f->config, test_redis_url(), &f->redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    f->inspect = test_redis_connect(test_redis_url());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_redis_delete_prefix(f->inspect, f->config->redis.key_prefix);
    redisFree(f->inspect);
    redis_sync_close(f->redis);
    config_free(f->config);
    free(f);
    return 0;
}

static struct watchlist_entry entry(char *id, char *handle, char *name)
{
    struct watchlist_entry e = {id, "mastodon", handle, name, "199001012020121001", "Dinas X",
                                "Aceh", 900, 2};
    return e;
}

static long long due_of(struct fixture *f, const char *id)
{
    char sched[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_sched(sched, sizeof(sched), f->config->redis.key_prefix, 0, err,
                                sizeof(err)), 0);
    redisReply *reply = redisCommand(f->inspect, "ZSCORE %s %s", sched, id);
    assert_non_null(reply);
    long long due = reply->type == REDIS_REPLY_STRING ? atoll(reply->str) : -1;
    freeReplyObject(reply);
    return due;
}

static long long engage_due_of(struct fixture *f, const char *id)
{
    char engage[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_engage(engage, sizeof(engage), f->config->redis.key_prefix, 0, err,
                                 sizeof(err)), 0);
    redisReply *reply = redisCommand(f->inspect, "ZSCORE %s %s", engage, id);
    assert_non_null(reply);
    long long due = reply->type == REDIS_REPLY_STRING ? atoll(reply->str) : -1;
    freeReplyObject(reply);
    return due;
}

static void command(struct fixture *f, const char *format, const char *key, const char *value)
{
    redisReply *reply = redisCommand(f->inspect, format, key, value);
    assert_non_null(reply);
    assert_int_not_equal(reply->type, REDIS_REPLY_ERROR);
    freeReplyObject(reply);
}

static void reimport_keeps_crawl_state_and_schedule(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    int is_new = -1;
    struct watchlist_entry e = entry("pns-1", "@budi@kab.go.id", "Budi");
    assert_int_equal(accounts_upsert(f->redis, f->config, &e, &is_new, err, sizeof(err)), 0);
    assert_int_equal(is_new, 1);
    long long now_ms;
    assert_int_equal(redis_sync_time_ms(f->redis, &now_ms, err, sizeof(err)), 0);
    assert_in_range(due_of(f, "pns-1"), now_ms - 5000, now_ms);

    struct account *account;
    assert_int_equal(accounts_get(f->redis, f->config, "pns-1", &account, err, sizeof(err)), 0);
    assert_non_null(account);
    assert_string_equal(account->status, "active");
    assert_string_equal(account->cursor, "");
    free(account->cursor);
    account->cursor = strdup("1122");
    free(account->native_id);
    account->native_id = strdup("109");
    free(account->etag);
    account->etag = strdup("W/\"e1\"");
    account->error_count = 3;
    account->last_ok_ms = 1700000000000LL;
    int found = 0;
    assert_int_equal(accounts_save_state(f->redis, f->config, account, &found, err, sizeof(err)),
                     0);
    assert_int_equal(found, 1);
    account_free(account);
    assert_int_equal(sched_set_due(f->redis, f->config, SCHED_POSTS, "pns-1", 4102444800000LL, 0,
                                   err, sizeof(err)), 0);

    e = entry("pns-1", "@budi@kab.go.id", "Budi Santoso");
    assert_int_equal(accounts_upsert(f->redis, f->config, &e, &is_new, err, sizeof(err)), 0);
    assert_int_equal(is_new, 0);
    assert_int_equal(accounts_get(f->redis, f->config, "pns-1", &account, err, sizeof(err)), 0);
    assert_string_equal(account->name, "Budi Santoso");
    assert_string_equal(account->cursor, "1122");
    assert_string_equal(account->native_id, "109");
    assert_string_equal(account->etag, "W/\"e1\"");
    assert_int_equal(account->error_count, 3);
    assert_int_equal(account->last_ok_ms, 1700000000000LL);
    assert_int_equal(account->interval_s, 900);
    account_free(account);
    assert_int_equal(due_of(f, "pns-1"), 4102444800000LL);

    /* Another handle is another account on the platform: its crawl position starts over. */
    e = entry("pns-1", "@budi@pemprov.go.id", "Budi Santoso");
    assert_int_equal(accounts_upsert(f->redis, f->config, &e, &is_new, err, sizeof(err)), 0);
    assert_int_equal(accounts_get(f->redis, f->config, "pns-1", &account, err, sizeof(err)), 0);
    assert_string_equal(account->cursor, "");
    assert_string_equal(account->native_id, "");
    assert_int_equal(account->error_count, 3);
    account_free(account);
}

static void remove_unschedules_and_list_is_sorted(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    const char *ids[] = {"c-3", "a-1", "b-2"};
    for (size_t i = 0; i < 3; i++) {
        struct watchlist_entry e = entry((char *)ids[i], "@x@y", "X");
        assert_int_equal(accounts_upsert(f->redis, f->config, &e, NULL, err, sizeof(err)), 0);
    }
    struct account **list;
    size_t count;
    assert_int_equal(accounts_list(f->redis, f->config, 0, &list, &count, err, sizeof(err)), 0);
    assert_int_equal(count, 3);
    assert_string_equal(list[0]->id, "a-1");
    assert_string_equal(list[2]->id, "c-3");
    accounts_list_free(list, count);

    int removed = 0;
    assert_int_equal(accounts_remove(f->redis, f->config, "b-2", &removed, err, sizeof(err)), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(due_of(f, "b-2"), -1);
    assert_int_equal(accounts_remove(f->redis, f->config, "b-2", &removed, err, sizeof(err)), 0);
    assert_int_equal(removed, 0);
    struct account *account;
    assert_int_equal(accounts_get(f->redis, f->config, "b-2", &account, err, sizeof(err)), 0);
    assert_null(account);

    /* A crawler finishing with a removed account does not bring it back. */
    struct account ghost = {0};
    ghost.id = "b-2";
    int found = 1;
    assert_int_equal(accounts_save_state(f->redis, f->config, &ghost, &found, err, sizeof(err)), 0);
    assert_int_equal(found, 0);
    assert_int_equal(accounts_list(f->redis, f->config, 0, &list, &count, err, sizeof(err)), 0);
    assert_int_equal(count, 2);
    accounts_list_free(list, count);
}

/* Accounts enter the engage schedule with the post one, when their platform has engagement
 * crawls on; a re-import after the config changed takes them off it. */
static void import_schedules_engagement_where_the_platform_has_it(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    struct watchlist_entry e = entry("m-1", "@budi@kab.go.id", "Budi");
    assert_int_equal(accounts_upsert(f->redis, f->config, &e, NULL, err, sizeof(err)), 0);
    e = entry("f-1", "https://kab.go.id/feed.xml", "Feed");
    e.platform = "feed";
    assert_int_equal(accounts_upsert(f->redis, f->config, &e, NULL, err, sizeof(err)), 0);
    f->config->platforms.x.follows = 0; /* and x likes are off by default */
    e = entry("x-1", "budi", "Budi");
    e.platform = "x";
    assert_int_equal(accounts_upsert(f->redis, f->config, &e, NULL, err, sizeof(err)), 0);
    long long now_ms;
    assert_int_equal(redis_sync_time_ms(f->redis, &now_ms, err, sizeof(err)), 0);
    assert_in_range(engage_due_of(f, "m-1"), now_ms - 5000, now_ms);
    assert_int_equal(engage_due_of(f, "f-1"), -1);
    assert_int_equal(engage_due_of(f, "x-1"), -1);
    assert_true(due_of(f, "f-1") > 0 && due_of(f, "x-1") > 0);

    /* A re-import does not move a due time, and one with engagement off takes the account off. */
    assert_int_equal(sched_set_due(f->redis, f->config, SCHED_ENGAGE, "m-1", 4102444800000LL, 0,
                                   err, sizeof(err)), 0);
    e = entry("m-1", "@budi@kab.go.id", "Budi");
    assert_int_equal(accounts_upsert(f->redis, f->config, &e, NULL, err, sizeof(err)), 0);
    assert_int_equal(engage_due_of(f, "m-1"), 4102444800000LL);
    f->config->engagement.enabled = 0;
    assert_int_equal(accounts_upsert(f->redis, f->config, &e, NULL, err, sizeof(err)), 0);
    assert_int_equal(engage_due_of(f, "m-1"), -1);
    assert_true(due_of(f, "m-1") > 0);
}

/* The engagement crawl's cursors and status read back; another handle starts them over with the
 * followed set; removing the account drops its engage entry, lease and followed set. */
static void engagement_state_starts_over_with_a_new_handle_and_goes_with_the_account(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN], acct[KEYS_MAX_LEN], follows[KEYS_MAX_LEN], lease[KEYS_MAX_LEN];
    struct watchlist_entry e = entry("pns-1", "@budi@kab.go.id", "Budi");
    assert_int_equal(accounts_upsert(f->redis, f->config, &e, NULL, err, sizeof(err)), 0);
    assert_int_equal(keys_acct(acct, sizeof(acct), f->config->redis.key_prefix, 0, "pns-1", err,
                               sizeof(err)), 0);
    assert_int_equal(keys_follows(follows, sizeof(follows), f->config->redis.key_prefix, 0,
                                  "pns-1", err, sizeof(err)), 0);
    assert_int_equal(keys_engage_lease(lease, sizeof(lease), f->config->redis.key_prefix, 0, err,
                                       sizeof(err)), 0);
    command(f, "HSET %s cursor:bluesky-likes %s", acct, "3kabc");
    command(f, "HSET %s engage_error_count %s", acct, "2");
    command(f, "HSET %s engage_last_error %s", acct, "HTTP 500 from x");
    command(f, "ZADD %s 1000 %s", follows, "109");

    struct account *account;
    assert_int_equal(accounts_get(f->redis, f->config, "pns-1", &account, err, sizeof(err)), 0);
    assert_int_equal(account->cursor_count, 1);
    assert_string_equal(account_cursor(account, "bluesky-likes"), "3kabc");
    assert_string_equal(account_cursor(account, "x-liked"), "");
    assert_int_equal(account->engage_error_count, 2);
    assert_string_equal(account->engage_last_error, "HTTP 500 from x");
    assert_string_equal(account->cursor, "");
    assert_int_equal(account_set_cursor(account, "x-liked", "99"), 0);
    assert_int_equal(account_set_cursor(account, "bluesky-likes", "3kdef"), 0);
    assert_string_equal(account_cursor(account, "x-liked"), "99");
    assert_string_equal(account_cursor(account, "bluesky-likes"), "3kdef");
    account_free(account);

    e = entry("pns-1", "@budi@pemprov.go.id", "Budi");
    assert_int_equal(accounts_upsert(f->redis, f->config, &e, NULL, err, sizeof(err)), 0);
    assert_int_equal(accounts_get(f->redis, f->config, "pns-1", &account, err, sizeof(err)), 0);
    assert_int_equal(account->cursor_count, 0);
    account_free(account);
    redisReply *reply = redisCommand(f->inspect, "EXISTS %s", follows);
    assert_int_equal(reply->integer, 0);
    freeReplyObject(reply);

    command(f, "ZADD %s 1000 %s", follows, "109");
    command(f, "HSET %s pns-1 %s", lease, "a/1/1");
    char shown[KEYS_MAX_LEN], listed[KEYS_MAX_LEN];
    assert_int_equal(keys_shown(shown, sizeof(shown), f->config->redis.key_prefix, 0, "pns-1", err,
                                sizeof(err)),
                     0);
    assert_int_equal(keys_listed(listed, sizeof(listed), f->config->redis.key_prefix, 0, "pns-1",
                                 err, sizeof(err)),
                     0);
    command(f, "ZADD %s 1000 %s", shown, "mastodon:1");
    command(f, "HSET %s %s 1000", listed, "mastodon:1");
    int removed = 0;
    assert_int_equal(accounts_remove(f->redis, f->config, "pns-1", &removed, err, sizeof(err)), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(engage_due_of(f, "pns-1"), -1);
    reply = redisCommand(f->inspect, "EXISTS %s", follows);
    assert_int_equal(reply->integer, 0);
    freeReplyObject(reply);
    reply = redisCommand(f->inspect, "HEXISTS %s pns-1", lease);
    assert_int_equal(reply->integer, 0);
    freeReplyObject(reply);
    reply = redisCommand(f->inspect, "EXISTS %s %s", shown, listed);
    assert_int_equal(reply->integer, 0);
    freeReplyObject(reply);
}

static void heartbeats_are_listed_with_counters_and_ttl(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    struct heartbeat_counter counters[] = {{"fetched", 12}, {"errors", 1}};
    assert_int_equal(heartbeat_beat(f->redis, f->config, "crawler@h:1", counters, 2, err,
                                    sizeof(err)), 0);
    assert_int_equal(heartbeat_beat(f->redis, f->config, "worker@h:2", counters, 1, err,
                                    sizeof(err)), 0);
    struct heartbeat_proc *procs;
    size_t count;
    assert_int_equal(heartbeat_list(f->redis, f->config, &procs, &count, err, sizeof(err)), 0);
    assert_int_equal(count, 2);
    assert_string_equal(procs[0].name, "crawler@h:1");
    assert_in_range(procs[0].ttl_ms, 1, 30000);
    int saw_fetched = 0, saw_last_seen = 0;
    for (size_t i = 0; i < procs[0].field_count; i++) {
        if (strcmp(procs[0].fields[i].name, "fetched") == 0)
            saw_fetched = strcmp(procs[0].fields[i].value, "12") == 0;
        if (strcmp(procs[0].fields[i].name, "last_seen") == 0)
            saw_last_seen = 1;
    }
    assert_true(saw_fetched && saw_last_seen);
    heartbeat_list_free(procs, count);
}

/* A hash edited by hand (or by an older netra) still reads: a value that is not what its field
 * holds reads as 0 or "", and a NUL byte inside a number does not end it early. */
static void hand_edited_hash_reads_with_defaults(void **state)
{
    struct fixture *f = *state;
    char acct[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_acct(acct, sizeof(acct), f->config->redis.key_prefix,
                               keys_shard("pns-9", f->config->redis.shards), "pns-9", err,
                               sizeof(err)), 0);
    redisReply *reply = redisCommand(f->inspect,
                                     "HSET %s id pns-9 interval abc last_fetch %b last_ok -5 "
                                     "error_count 99999999999999999999 handle %b unknown 1",
                                     acct, "12\0", (size_t)3, "@a\0b", (size_t)4);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    freeReplyObject(reply);

    struct account *account;
    assert_int_equal(accounts_get(f->redis, f->config, "pns-9", &account, err, sizeof(err)), 0);
    assert_non_null(account);
    assert_string_equal(account->id, "pns-9");
    assert_int_equal(account->interval_s, 0);
    assert_int_equal(account->last_fetch_ms, 0);
    assert_int_equal(account->last_ok_ms, -5);
    assert_int_equal(account->error_count, 0);
    assert_memory_equal(account->handle, "@a\0b", 5);
    assert_string_equal(account->status, "");
    assert_string_equal(account->platform, "");
    account_free(account);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reimport_keeps_crawl_state_and_schedule, setup, teardown),
        cmocka_unit_test_setup_teardown(remove_unschedules_and_list_is_sorted, setup, teardown),
        cmocka_unit_test_setup_teardown(import_schedules_engagement_where_the_platform_has_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            engagement_state_starts_over_with_a_new_handle_and_goes_with_the_account, setup,
            teardown),
        cmocka_unit_test_setup_teardown(heartbeats_are_listed_with_counters_and_ttl, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(hand_edited_hash_reads_with_defaults, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
