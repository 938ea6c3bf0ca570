/* The real `netra` binary against the test Redis: `netra purge --account` (dry run, then for
 * real: confirmed cases stay, and their evidence still exports, the rest goes, audited with
 * who), `netra purge --expired`, bad usage, and what `netra status` reports held. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "config/config.h"
#include "queue/cases.h"
#include "queue/post_message.h"
#include "queue/redis_sync.h"
#include "tests/support/test_support.h"

#define CONFIRMED_CASE "11111111111111111111111111111111"
#define PENDING_CASE "22222222222222222222222222222222"
#define DISMISSED_CASE "33333333333333333333333333333333"

static char prefix[128];

/* Runs netra with args (NULL-terminated) under this test's key prefix and Redis URL. */
static struct test_run run_netra(const char *redis_url, ...)
{
    const char *bin = getenv("NETRA_BIN");
    if (bin == NULL)
        fail_msg("NETRA_BIN is not set: run through ctest");
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)bin;
    va_list ap;
    va_start(ap, redis_url);
    for (char *arg = va_arg(ap, char *); arg != NULL && argc < 15; arg = va_arg(ap, char *))
        argv[argc++] = arg;
    va_end(ap);
    argv[argc] = NULL;

    char url_setting[512], prefix_setting[192];
    snprintf(url_setting, sizeof(url_setting), "NETRA_REDIS_URL=%s", redis_url);
    snprintf(prefix_setting, sizeof(prefix_setting), "NETRA_REDIS_KEY_PREFIX=%s", prefix);
    const char *env[] = {url_setting, prefix_setting, "NETRA_CONFIG", "USER=ops", NULL};
    return test_run_program(argv, env, NULL, NULL);
}

static void command(redisContext *redis, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    redisReply *reply = redisvCommand(redis, format, ap);
    va_end(ap);
    assert_non_null(reply);
    assert_int_not_equal(reply->type, REDIS_REPLY_ERROR);
    freeReplyObject(reply);
}

static long long exists(redisContext *redis, const char *suffix)
{
    redisReply *reply = redisCommand(redis, "EXISTS %s{s0}:%s", prefix, suffix);
    assert_non_null(reply);
    long long n = reply->integer;
    freeReplyObject(reply);
    return n;
}

/* pns-1: one post no case holds, one under a pending case, one under a confirmed case, two
 * followed accounts, its schedule entry; and pns-2's post. */
static void watch_two_accounts(redisContext *redis)
{
    const char *posts[][3] = {
        {"mastodon:1", "pns-1", ""},
        {"mastodon:2", "pns-1", PENDING_CASE},
        {"mastodon:3", "pns-1", CONFIRMED_CASE},
        {"mastodon:9", "pns-2", ""},
    };
    for (size_t i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
        command(redis, "HSET %s{s0}:result:%s account %s verdict suspect case %s", prefix,
                posts[i][0], posts[i][1], posts[i][2]);
        command(redis, "SET %s{s0}:seen:%s somehash", prefix, posts[i][0]);
    }
    command(redis, "HSET %s{s0}:case:%s id %s account pns-1 post_id mastodon:2 status pending "
            "message secret evidence e", prefix, PENDING_CASE, PENDING_CASE);
    command(redis, "HSET %s{s0}:case:%s id %s account pns-1 post_id mastodon:3 status confirmed "
            "message kept", prefix, CONFIRMED_CASE, CONFIRMED_CASE);
    command(redis, "ZADD %s{s0}:review 1 %s", prefix, PENDING_CASE);
    command(redis, "ZADD %s{s0}:decided:confirmed 1700000000000 %s", prefix, CONFIRMED_CASE);
    command(redis, "ZADD %s{s0}:follows:pns-1 1 a 1 b", prefix);
    command(redis, "ZADD %s{s0}:sched 1 pns-1 1 pns-2", prefix);
    command(redis, "HSET %s{s0}:acct:pns-1 id pns-1", prefix);
}

static void purge_account_keeps_confirmed_cases(void **state)
{
    (void)state;
    const char *url = test_redis_url();
    test_key_prefix(prefix, sizeof(prefix), "cli-purge");
    redisContext *redis = test_redis_connect(url);
    watch_two_accounts(redis);

    struct test_run run = run_netra(url, "purge", "--account", "pns-1", "--dry-run", NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "account pns-1: would purge results 2, dedup keys 2, "
                                    "cases 1, followed accounts 2, schedule entries 1, "
                                    "account kept; confirmed cases kept 1"));
    test_run_free(&run);
    assert_true(exists(redis, "result:mastodon:1"));
    assert_false(exists(redis, "audit"));

    run = run_netra(url, "purge", "--account", "pns-1", NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "account pns-1: purged results 2, dedup keys 2, cases 1"));
    test_run_free(&run);
    assert_false(exists(redis, "result:mastodon:1"));
    assert_false(exists(redis, "seen:mastodon:2"));
    assert_false(exists(redis, "follows:pns-1"));
    assert_true(exists(redis, "result:mastodon:3"));
    assert_true(exists(redis, "result:mastodon:9"));
    assert_true(exists(redis, "acct:pns-1"));
    redisReply *reply = redisCommand(redis, "HMGET %s{s0}:case:%s status message", prefix,
                                     PENDING_CASE);
    assert_string_equal(reply->element[0]->str, "purged");
    assert_int_equal(reply->element[1]->type, REDIS_REPLY_NIL);
    freeReplyObject(reply);
    reply = redisCommand(redis, "HMGET %s{s0}:case:%s status message", prefix, CONFIRMED_CASE);
    assert_string_equal(reply->element[0]->str, "confirmed");
    assert_string_equal(reply->element[1]->str, "kept");
    freeReplyObject(reply);

    /* Who, what and how much, in the audit trail `netra audit` reads. */
    run = run_netra(url, "audit", "--json", NULL);
    assert_int_equal(run.status, 0);
    cJSON *entries = cJSON_Parse(run.out);
    test_run_free(&run);
    assert_int_equal(cJSON_GetArraySize(entries), 1);
    const cJSON *entry = cJSON_GetArrayItem(entries, 0);
    assert_string_equal(cJSON_GetObjectItem(entry, "action")->valuestring, "purge.account");
    assert_string_equal(cJSON_GetObjectItem(entry, "who")->valuestring, "ops");
    assert_string_equal(cJSON_GetObjectItem(entry, "subject")->valuestring, "pns-1");
    const cJSON *details = cJSON_GetObjectItem(entry, "details");
    assert_int_equal(cJSON_GetObjectItem(details, "results")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(details, "cases")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(details, "confirmed_kept")->valueint, 1);
    cJSON_Delete(entries);

    run = run_netra(url, "purge", "--account", "pns-1", "--remove-account", "--by", "ratna",
                    NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "account removed; confirmed cases kept 1"));
    test_run_free(&run);
    assert_false(exists(redis, "acct:pns-1"));
    assert_true(exists(redis, "case:" CONFIRMED_CASE));

    test_redis_delete_prefix(redis, prefix);
    redisFree(redis);
}

static void purge_expired_and_status_report_by_kind(void **state)
{
    (void)state;
    const char *url = test_redis_url();
    test_key_prefix(prefix, sizeof(prefix), "cli-purge");
    redisContext *redis = test_redis_connect(url);
    watch_two_accounts(redis);
    command(redis, "HSET %s{s0}:case:%s id %s post_id mastodon:7 status dismissed evidence e",
            prefix, DISMISSED_CASE, DISMISSED_CASE);
    command(redis, "ZADD %s{s0}:decided:dismissed 1000 %s", prefix, DISMISSED_CASE);
    command(redis, "XADD %s{s0}:posts 1000-0 msg old", prefix);
    command(redis, "XADD %s{s0}:posts * msg new", prefix);

    struct test_run run = run_netra(url, "status", NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "held dismissed_cases  1, oldest 1970-01-01T00:00:01Z, "
                                    "kept 365 days"));
    assert_non_null(strstr(run.out, "held confirmed_cases  1, oldest 2023-11-14T22:13:20Z, "
                                    "kept forever"));
    assert_non_null(strstr(run.out, "held posts            2, oldest 1970-01-01T00:00:01Z"));
    assert_non_null(strstr(run.out, "held results          4,"));
    test_run_free(&run);

    run = run_netra(url, "purge", "--expired", NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "shard 0: posts 1, dead letters 0, dismissed cases 1, "
                                    "confirmed cases 0, alerts 0, audit entries 0 purged"));
    test_run_free(&run);

    run = run_netra(url, "status", "--json", NULL);
    assert_int_equal(run.status, 0);
    cJSON *json = cJSON_Parse(run.out);
    assert_non_null(json);
    const cJSON *shard = cJSON_GetArrayItem(cJSON_GetObjectItem(json, "shards"), 0);
    const cJSON *held = cJSON_GetObjectItem(shard, "held");
    const cJSON *dismissed = cJSON_GetObjectItem(held, "dismissed_cases");
    assert_int_equal(cJSON_GetObjectItem(dismissed, "count")->valueint, 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(dismissed, "oldest_ms")));
    const cJSON *posts = cJSON_GetObjectItem(held, "posts");
    assert_int_equal(cJSON_GetObjectItem(posts, "count")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(posts, "lifetime_days")->valueint, 30);
    const cJSON *audit = cJSON_GetObjectItem(held, "audit");
    assert_int_equal(cJSON_GetObjectItem(audit, "count")->valueint, 1); /* the purge's own */
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(held, "results"),
                                                 "exact")));
    cJSON_Delete(json);
    test_run_free(&run);

    test_redis_delete_prefix(redis, prefix);
    redisFree(redis);
}

/* One suspect post of account recorded as the worker records it: its case holds the real
 * message and deflated raw bytes, and its link extends head. Writes the case id. */
static void record_case(struct redis_sync *sync, const struct netra_config *config,
                        struct evidence_head *head, const char *account, const char *post_id,
                        char case_id[CASE_ID_LEN + 1])
{
    char err[NETRA_ERR_LEN];
    static const char raw[] = "{\"id\":\"1\",\"content\":\"<p>coblos nomor dua</p>\"}";
    struct post_message *message = post_message_new();
    assert_non_null(message);
    message->id = strdup(post_id);
    message->platform = strdup("mastodon");
    message->account = strdup(account);
    message->fetched_at = strdup("2024-01-05T10:05:00Z");
    message->text = strdup("coblos nomor dua");
    assert_int_equal(post_message_set_raw(message, raw, sizeof(raw) - 1), 0);
    char *json = post_message_to_json(message);
    assert_non_null(json);
    unsigned char *deflated = NULL;
    size_t deflated_len = 0;
    assert_int_equal(post_raw_deflate(raw, sizeof(raw) - 1, &deflated, &deflated_len, err,
                                      sizeof(err)), 0);
    struct post_record record = {
        .entry_id = post_id, .post_id = post_id, .account = account, .verdict = "suspect",
        .categories = "vote_call", .explanation = "[]", .open_case = 1, .priority = 800,
        .platform = "mastodon", .fetched_at = "2024-01-05T10:05:00Z", .message_json = json,
        .raw_deflated = deflated, .raw_deflated_len = deflated_len,
    };
    post_sha256_hex(raw, sizeof(raw) - 1, record.raw_sha256);
    post_sha256_hex(json, strlen(json), record.message_sha256);
    evidence_hash(record.raw_sha256, record.message_sha256, record.evidence);
    cases_id(account, post_id, record.case_id);
    struct record_outcome outcome;
    if (cases_record(sync, config, 0, &record, head, &outcome, err, sizeof(err)) != 0)
        fail_msg("cases_record: %s", err);
    snprintf(case_id, CASE_ID_LEN + 1, "%s", record.case_id);
    free(deflated);
    free(json);
    post_message_free(message);
}

static void confirmed_evidence_survives_purge_account(void **state)
{
    (void)state;
    const char *url = test_redis_url();
    char err[NETRA_ERR_LEN], purged[CASE_ID_LEN + 1], confirmed[CASE_ID_LEN + 1];
    test_key_prefix(prefix, sizeof(prefix), "cli-purge");
    struct netra_config *config = NULL;
    struct redis_sync *sync = NULL;
    struct evidence_head head;
    assert_int_equal(config_load_defaults(&config, err, sizeof(err)), 0);
    free(config->redis.key_prefix);
    config->redis.key_prefix = strdup(prefix);
    if (redis_sync_open(config, url, &sync, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    evidence_head_init(&head);
    record_case(sync, config, &head, "pns-1", "mastodon:1", purged);
    record_case(sync, config, &head, "pns-1", "mastodon:2", confirmed);
    redisContext *redis = test_redis_connect(url);
    command(redis, "HSET %s{s0}:case:%s status confirmed", prefix, confirmed);
    struct test_run run = run_netra(url, "evidence", "verify", NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "shard 0: 2 links verified, head"));
    test_run_free(&run);

    run = run_netra(url, "purge", "--account", "pns-1", NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "cases 1,"));
    assert_non_null(strstr(run.out, "confirmed cases kept 1"));
    test_run_free(&run);

    run = run_netra(url, "evidence", "verify", NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "shard 0: 2 links verified (1 of purged cases)"));
    test_run_free(&run);
    /* A tombstone whose hashes were altered breaks its link. */
    command(redis, "HSET %s{s0}:case:%s raw_sha256 %s", prefix, purged,
            "0000000000000000000000000000000000000000000000000000000000000001");
    run = run_netra(url, "evidence", "verify", NULL);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.out, "link 1 is broken"));
    assert_non_null(strstr(run.out, "the purged case's hashes do not make up its evidence"));
    test_run_free(&run);

    run = run_netra(url, "evidence", "export", confirmed, NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "netra-evidence-bundle/1"));
    test_run_free(&run);
    run = run_netra(url, "evidence", "export", purged, NULL);
    assert_int_equal(run.status, 1); /* nothing left to hand over */
    test_run_free(&run);

    test_redis_delete_prefix(redis, prefix);
    redisFree(redis);
    redis_sync_close(sync);
    config_free(config);
}

static void bad_usage_is_refused(void **state)
{
    (void)state;
    const char *url = test_redis_url();
    test_key_prefix(prefix, sizeof(prefix), "cli-purge");
    const char *const usages[][4] = {
        {"purge", NULL, NULL, NULL},
        {"purge", "--expired", "--dry-run", NULL},
        {"purge", "--expired", "--account", "pns-1"},
        {"purge", "--account", NULL, NULL},
        {"purge", "--everything", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(usages) / sizeof(usages[0]); i++) {
        struct test_run run = run_netra(url, usages[i][0], usages[i][1], usages[i][2],
                                        usages[i][3], NULL);
        assert_int_equal(run.status, 2);
        assert_non_null(strstr(run.err, "usage: netra purge"));
        test_run_free(&run);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(purge_account_keeps_confirmed_cases),
        cmocka_unit_test(purge_expired_and_status_report_by_kind),
        cmocka_unit_test(confirmed_evidence_survives_purge_account),
        cmocka_unit_test(bad_usage_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
