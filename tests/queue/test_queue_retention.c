/* Retention against a real Redis: each kind of data goes when its lifetime (shortened here to
 * seconds) is over and not before; a purged case leaves a tombstone its chain link still
 * verifies against; confirmed cases stay by default and through `purge --account`; every purge
 * that removes something is audited; the holdings netra status shows are counted right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "queue/cases.h"
#include "queue/decisions.h"
#include "queue/evidence.h"
#include "queue/keys.h"
#include "queue/redis_sync.h"
#include "queue/retention.h"
#include "queue/shards.h"
#include "tests/queue/queue_test.h"
#include "tests/support/test_support.h"

#define SECOND_IN_DAYS (1.0 / 86400.0)

struct fixture {
    struct netra_config *config;
    struct shards *shards;
    struct redis_sync *sync;
    redisContext *inspect;
    struct evidence_head head;
    char prefix[256];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    char err[NETRA_ERR_LEN];
    f->config = queue_test_config(test_redis_url(), "retention");
    if (shards_open(f->config, &f->shards, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    f->sync = shards_get(f->shards, 0);
    f->inspect = test_redis_connect(test_redis_url());
    evidence_head_init(&f->head);
    snprintf(f->prefix, sizeof(f->prefix), "%s", f->config->redis.key_prefix);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_redis_delete_prefix(f->inspect, f->config->redis.key_prefix);
    redisFree(f->inspect);
    shards_close(f->shards);
    config_free(f->config);
    free(f);
    return 0;
}

/* Shard 0's key of a kind (netra's key functions, one shard). */
static void key_of(struct fixture *f, char out[KEYS_MAX_LEN], const char *kind, const char *id)
{
    char err[NETRA_ERR_LEN];
    int rc = -1;
    if (strcmp(kind, "result") == 0)
        rc = keys_result(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "seen") == 0)
        rc = keys_seen(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "case") == 0)
        rc = keys_case(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "acct") == 0)
        rc = keys_acct(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "follows") == 0)
        rc = keys_follows(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "shown") == 0)
        rc = keys_shown(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "listed") == 0)
        rc = keys_listed(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "decided") == 0)
        rc = keys_decided(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "posts") == 0)
        rc = keys_posts(out, KEYS_MAX_LEN, f->prefix, 0, err, sizeof(err));
    else if (strcmp(kind, "dead") == 0)
        rc = keys_posts_dead(out, KEYS_MAX_LEN, f->prefix, 0, err, sizeof(err));
    else if (strcmp(kind, "audit") == 0)
        rc = keys_audit(out, KEYS_MAX_LEN, f->prefix, 0, err, sizeof(err));
    else if (strcmp(kind, "alerts") == 0)
        rc = keys_alerts(out, KEYS_MAX_LEN, f->prefix, 0, err, sizeof(err));
    else if (strcmp(kind, "evidence") == 0)
        rc = keys_evidence(out, KEYS_MAX_LEN, f->prefix, 0, err, sizeof(err));
    else if (strcmp(kind, "sched") == 0)
        rc = keys_sched(out, KEYS_MAX_LEN, f->prefix, 0, err, sizeof(err));
    else if (strcmp(kind, "engage") == 0)
        rc = keys_engage(out, KEYS_MAX_LEN, f->prefix, 0, err, sizeof(err));
    if (rc != 0)
        fail_msg("key %s: %s", kind, err);
}

static long long integer_of(struct fixture *f, const char *command, const char *key)
{
    redisReply *reply = redisCommand(f->inspect, command, key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    long long value = reply->integer;
    freeReplyObject(reply);
    return value;
}

static int exists(struct fixture *f, const char *kind, const char *id)
{
    char key[KEYS_MAX_LEN];
    key_of(f, key, kind, id);
    return (int)integer_of(f, "EXISTS %s", key);
}

/* A hash field, or "" when absent; the caller frees it. */
static char *field_of(struct fixture *f, const char *kind, const char *id, const char *field)
{
    char key[KEYS_MAX_LEN];
    key_of(f, key, kind, id);
    redisReply *reply = redisCommand(f->inspect, "HGET %s %s", key, field);
    assert_non_null(reply);
    char *value = strdup(reply->type == REDIS_REPLY_STRING ? reply->str : "");
    freeReplyObject(reply);
    assert_non_null(value);
    return value;
}

static void assert_field(struct fixture *f, const char *kind, const char *id, const char *field,
                         const char *expected)
{
    char *value = field_of(f, kind, id, field);
    assert_string_equal(value, expected);
    free(value);
}

/* One scored post as the worker records it (a case and its chain link when open_case), and its
 * dedup key as the crawler leaves it. Writes the case id into case_id. */
static void record_post(struct fixture *f, const char *account, const char *post_id,
                        int open_case, char case_id[CASE_ID_LEN + 1])
{
    char err[NETRA_ERR_LEN], message[512], entry[64], seen[KEYS_MAX_LEN];
    static int entries;
    snprintf(message, sizeof(message),
             "{\"id\":\"%s\",\"account\":\"%s\",\"fetched_at\":\"2024-01-05T10:05:00Z\","
             "\"text\":\"coblos nomor dua\"}",
             post_id, account);
    snprintf(entry, sizeof(entry), "1704448800000-%d", ++entries);
    struct post_record record = {
        .entry_id = entry, .post_id = post_id, .account = account, .verdict = "suspect",
        .political = 0.9, .partisan = 0.8, .categories = "vote_call", .ruleset = "id-national@1",
        .explanation = "[]", .open_case = open_case, .priority = 800, .platform = "mastodon",
        .author = "someone@example.org", .url = "https://example.org/@someone/1",
        .created_at = "2024-01-05T10:00:00Z", .fetched_at = "2024-01-05T10:05:00Z",
        .region = "aceh", .message_json = message,
    };
    const char *none[] = {""}, *text[] = {message};
    evidence_sha256_text(none, 1, record.raw_sha256);
    evidence_sha256_text(text, 1, record.message_sha256);
    evidence_hash(record.raw_sha256, record.message_sha256, record.evidence);
    cases_id(account, post_id, record.case_id);
    struct record_outcome outcome;
    if (cases_record(f->sync, f->config, 0, &record, &f->head, &outcome, err, sizeof(err)) != 0)
        fail_msg("cases_record: %s", err);
    snprintf(case_id, CASE_ID_LEN + 1, "%s", record.case_id);
    key_of(f, seen, "seen", post_id);
    freeReplyObject(redisCommand(f->inspect, "SET %s somehash PX 86400000", seen));
}

static void decide(struct fixture *f, const char *account, const char *case_id,
                   const char *action, const char *role)
{
    char err[NETRA_ERR_LEN];
    struct decision decision = {
        .case_id = case_id, .account = account, .by = "ratna", .role = role, .action = action,
        .category = strcmp(action, "confirm") == 0 ? "vote_call" : NULL,
        .reason = strcmp(action, "confirm") == 0 ? NULL : "checked", .from = "192.0.2.7",
    };
    struct decision_outcome outcome = {0};
    if (decisions_decide(f->sync, f->config, &decision, &outcome, err, sizeof(err)) != 0)
        fail_msg("decide: %s", err);
    assert_int_equal(outcome.result, DECISION_DONE);
    decision_outcome_free(&outcome);
}

static struct retention_expired purge_expired(struct fixture *f)
{
    char err[NETRA_ERR_LEN];
    struct retention_expired done;
    if (retention_purge_expired(f->sync, f->config, 0, "ops", &done, err, sizeof(err)) != 0)
        fail_msg("purge: %s", err);
    return done;
}

static void sleep_ms(long ms)
{
    struct timespec wait = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&wait, NULL);
}

/* The newest audit entry's field, or "" when there is no entry; the caller frees it. */
static char *last_audit(struct fixture *f, const char *field)
{
    char key[KEYS_MAX_LEN];
    key_of(f, key, "audit", NULL);
    redisReply *reply = redisCommand(f->inspect, "XREVRANGE %s + - COUNT 1", key);
    assert_non_null(reply);
    char *value = strdup("");
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1) {
        const redisReply *fields = reply->element[0]->element[1];
        for (size_t i = 0; i + 1 < fields->elements; i += 2)
            if (strcmp(fields->element[i]->str, field) == 0) {
                free(value);
                value = strdup(fields->element[i + 1]->str);
            }
    }
    freeReplyObject(reply);
    assert_non_null(value);
    return value;
}

static long long audit_detail(struct fixture *f, const char *name)
{
    char *details = last_audit(f, "details");
    cJSON *json = cJSON_Parse(details);
    free(details);
    assert_non_null(json);
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(json, name);
    assert_true(cJSON_IsNumber(value));
    long long n = (long long)value->valuedouble;
    cJSON_Delete(json);
    return n;
}

/* What a verifier does with a tombstone: its kept hashes make up its evidence, and the chain's
 * link for it hashes from the previous link over exactly that evidence and fetched_at. */
static void assert_tombstone_verifies(struct fixture *f, const char *case_id)
{
    char err[NETRA_ERR_LEN], why[NETRA_ERR_LEN], chain[EVIDENCE_HASH_LEN + 1];
    struct case_fields kase;
    struct evidence_links links;
    int found = 0;
    if (cases_get(f->sync, f->config, 0, case_id, &kase, &found, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_true(found);
    assert_true(retention_is_tombstone(case_string(&kase, "status")));
    if (retention_tombstone_check(case_string(&kase, "raw_sha256"),
                                  case_string(&kase, "message_sha256"),
                                  case_string(&kase, "evidence"), why, sizeof(why)) != 0)
        fail_msg("tombstone: %s", why);
    if (evidence_links_read(f->sync, f->config, 0, case_string(&kase, "chain_id"), 1, 1, &links,
                            err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(links.count, 1);
    assert_string_equal(links.items[0].case_id, case_id);
    assert_string_equal(links.items[0].evidence, case_string(&kase, "evidence"));
    assert_string_equal(links.items[0].fetched_at, case_string(&kase, "fetched_at"));
    evidence_link_hash(links.items[0].prev, case_id, case_string(&kase, "evidence"),
                       case_string(&kase, "fetched_at"), chain);
    assert_string_equal(links.items[0].chain, chain);
    assert_string_equal(case_string(&kase, "chain"), chain);
    /* Nothing that names the post or its author is left. */
    const char *gone[] = {"message", "raw", "account", "post_id", "author", "url", "explanation",
                          "decisions", "region"};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
        if (case_field(&kase, gone[i]) != NULL)
            fail_msg("the tombstone still holds %s", gone[i]);
    evidence_links_free(&links);
    case_fields_free(&kase);
}

static void test_unflagged_result_expires_after_its_lifetime(void **state)
{
    struct fixture *f = *state;
    char unflagged[CASE_ID_LEN + 1], flagged[CASE_ID_LEN + 1], key[KEYS_MAX_LEN];
    record_post(f, "pns-1", "mastodon:1", 0, unflagged);
    record_post(f, "pns-1", "mastodon:2", 1, flagged);
    long long lifetime = (long long)f->config->retention.unflagged_days * 86400000LL;
    key_of(f, key, "result", "mastodon:1");
    long long ttl = integer_of(f, "PTTL %s", key);
    assert_true(ttl > lifetime - 60000 && ttl <= lifetime);
    key_of(f, key, "result", "mastodon:2");
    assert_int_equal(integer_of(f, "PTTL %s", key), -1); /* a case holds it */
}

static void test_dismissed_case_is_purged_when_its_lifetime_ends(void **state)
{
    struct fixture *f = *state;
    char first[CASE_ID_LEN + 1], second[CASE_ID_LEN + 1];
    f->config->retention.dismissed_days = 1.5 * SECOND_IN_DAYS;
    record_post(f, "pns-1", "mastodon:1", 1, first);
    record_post(f, "pns-1", "mastodon:2", 1, second);
    decide(f, "pns-1", first, "dismiss", "reviewer");

    struct retention_expired done = purge_expired(f);
    assert_int_equal(done.dismissed_cases, 0);
    assert_field(f, "case", first, "status", "dismissed");
    char *action = last_audit(f, "action");
    assert_string_equal(action, "decision.dismiss"); /* a purge of nothing is not audited */
    free(action);

    sleep_ms(1700);
    done = purge_expired(f);
    assert_int_equal(done.dismissed_cases, 1);
    assert_field(f, "case", first, "status", "purged");
    assert_field(f, "case", first, "purged_from", "dismissed");
    assert_field(f, "case", first, "purged_why", "retention.dismissed_days");
    assert_tombstone_verifies(f, first);
    assert_false(exists(f, "result", "mastodon:1"));
    assert_true(exists(f, "seen", "mastodon:1")); /* dedup keeps its own TTL */
    assert_field(f, "case", second, "status", "pending");
    assert_true(exists(f, "result", "mastodon:2"));
    action = last_audit(f, "action");
    assert_string_equal(action, "purge.expired");
    free(action);
    assert_int_equal(audit_detail(f, "dismissed_cases"), 1);

    assert_int_equal(purge_expired(f).dismissed_cases, 0);

    /* The post scored again: its tombstone holds no result, which expires like any other. */
    char again[CASE_ID_LEN + 1], result[KEYS_MAX_LEN];
    record_post(f, "pns-1", "mastodon:1", 1, again);
    assert_string_equal(again, first);
    assert_field(f, "case", first, "status", "purged");
    assert_field(f, "result", "mastodon:1", "case", "");
    key_of(f, result, "result", "mastodon:1");
    assert_true(integer_of(f, "PTTL %s", result) > 0);
}

static void test_reopened_case_is_not_purged(void **state)
{
    struct fixture *f = *state;
    char kase[CASE_ID_LEN + 1];
    f->config->retention.dismissed_days = SECOND_IN_DAYS / 2;
    record_post(f, "pns-1", "mastodon:1", 1, kase);
    decide(f, "pns-1", kase, "dismiss", "reviewer");
    decide(f, "pns-1", kase, "reopen", "supervisor");
    sleep_ms(800);
    assert_int_equal(purge_expired(f).dismissed_cases, 0);
    assert_field(f, "case", kase, "status", "pending");
}

static void test_index_entry_of_a_deleted_case_is_dropped(void **state)
{
    struct fixture *f = *state;
    char index[KEYS_MAX_LEN];
    key_of(f, index, "decided", "dismissed");
    freeReplyObject(redisCommand(f->inspect, "ZADD %s 1000 %s", index,
                                 "44444444444444444444444444444444"));
    assert_int_equal(purge_expired(f).dismissed_cases, 0);
    assert_int_equal(integer_of(f, "ZCARD %s", index), 0);
}

static void test_confirmed_case_is_kept_forever_unless_configured(void **state)
{
    struct fixture *f = *state;
    char kase[CASE_ID_LEN + 1], alerts[KEYS_MAX_LEN];
    key_of(f, alerts, "alerts", NULL);
    record_post(f, "pns-1", "mastodon:1", 1, kase);
    decide(f, "pns-1", kase, "confirm", "reviewer");
    assert_true(f->config->retention.confirmed_days == 0);
    sleep_ms(300);
    struct retention_expired done = purge_expired(f);
    assert_int_equal(done.confirmed_cases, 0);
    assert_int_equal(done.alerts, 0);
    assert_field(f, "case", kase, "status", "confirmed");
    assert_int_equal(integer_of(f, "XLEN %s", alerts), 1);

    f->config->retention.confirmed_days = 0.2 * SECOND_IN_DAYS;
    done = purge_expired(f);
    assert_int_equal(done.confirmed_cases, 1);
    assert_int_equal(done.alerts, 1);
    assert_field(f, "case", kase, "purged_from", "confirmed");
    assert_tombstone_verifies(f, kase);
    assert_int_equal(integer_of(f, "XLEN %s", alerts), 0);
}

static void test_streams_are_trimmed_by_age(void **state)
{
    struct fixture *f = *state;
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN], audit[KEYS_MAX_LEN];
    key_of(f, posts, "posts", NULL);
    key_of(f, dead, "dead", NULL);
    key_of(f, audit, "audit", NULL);
    f->config->retention.audit_days = 1;
    /* Entries from 1970 and from now. */
    const char *keys[] = {posts, dead, audit};
    for (size_t i = 0; i < 3; i++) {
        freeReplyObject(redisCommand(f->inspect, "XADD %s 1000-0 msg old", keys[i]));
        freeReplyObject(redisCommand(f->inspect, "XADD %s * msg new", keys[i]));
    }
    struct retention_expired done = purge_expired(f);
    assert_int_equal(done.posts, 1);
    assert_int_equal(done.dead_letters, 1);
    assert_int_equal(done.audit, 1);
    assert_int_equal(integer_of(f, "XLEN %s", posts), 1);
    assert_int_equal(integer_of(f, "XLEN %s", dead), 1);
    assert_int_equal(integer_of(f, "XLEN %s", audit), 2); /* the new one and the purge's own */

    f->config->retention.audit_days = 0; /* forever */
    freeReplyObject(redisCommand(f->inspect, "XADD %s 2000-0 msg old", audit));
    assert_int_equal(purge_expired(f).audit, 0);
}

static struct retention_account_counts purge_account(struct fixture *f, const char *account,
                                                     int dry_run, int remove_account)
{
    char err[NETRA_ERR_LEN];
    struct retention_account_request request = {account, "ops", dry_run, remove_account};
    struct retention_account_counts done;
    if (retention_purge_account(f->shards, f->config, &request, &done, err, sizeof(err)) != 0)
        fail_msg("purge account: %s", err);
    return done;
}

static void test_purge_account_keeps_confirmed_cases_and_removes_the_rest(void **state)
{
    struct fixture *f = *state;
    char plain[CASE_ID_LEN + 1], pending[CASE_ID_LEN + 1], confirmed[CASE_ID_LEN + 1],
        other[CASE_ID_LEN + 1], key[KEYS_MAX_LEN], sched[KEYS_MAX_LEN], engage[KEYS_MAX_LEN];
    record_post(f, "pns-1", "mastodon:1", 0, plain);
    record_post(f, "pns-1", "mastodon:2", 1, pending);
    record_post(f, "pns-1", "mastodon:3", 1, confirmed);
    record_post(f, "pns-2", "mastodon:9", 1, other);
    decide(f, "pns-1", confirmed, "confirm", "reviewer");
    key_of(f, key, "acct", "pns-1");
    freeReplyObject(redisCommand(f->inspect, "HSET %s id pns-1 platform mastodon", key));
    key_of(f, key, "follows", "pns-1");
    freeReplyObject(redisCommand(f->inspect, "ZADD %s 1 a 2 b", key));
    /* The index of its listed posts names post ids of the account: forgotten too. */
    key_of(f, key, "shown", "pns-1");
    freeReplyObject(redisCommand(f->inspect, "ZADD %s 1 mastodon:1", key));
    key_of(f, key, "listed", "pns-1");
    freeReplyObject(redisCommand(f->inspect, "HSET %s mastodon:1 1", key));
    key_of(f, sched, "sched", NULL);
    key_of(f, engage, "engage", NULL);
    freeReplyObject(redisCommand(f->inspect, "ZADD %s 1 pns-1 1 pns-2", sched));
    freeReplyObject(redisCommand(f->inspect, "ZADD %s 1 pns-1", engage));

    struct retention_account_counts counted = purge_account(f, "pns-1", 1, 0);
    assert_int_equal(counted.results, 2);
    assert_int_equal(counted.seen, 2);
    assert_int_equal(counted.cases, 1);
    assert_int_equal(counted.confirmed_kept, 1);
    assert_int_equal(counted.follows, 2);
    assert_int_equal(counted.schedules, 2);
    assert_true(exists(f, "result", "mastodon:1")); /* a dry run changes nothing */
    assert_field(f, "case", pending, "status", "pending");
    assert_true(exists(f, "follows", "pns-1"));

    struct retention_account_counts done = purge_account(f, "pns-1", 0, 0);
    assert_memory_equal(&done, &counted, sizeof(done));
    assert_false(exists(f, "result", "mastodon:1"));
    assert_false(exists(f, "seen", "mastodon:1"));
    assert_false(exists(f, "result", "mastodon:2"));
    assert_false(exists(f, "seen", "mastodon:2"));
    assert_field(f, "case", pending, "purged_why", "purge.account");
    assert_tombstone_verifies(f, pending);
    /* The confirmed case, its result and dedup key, and the other account: untouched. */
    assert_field(f, "case", confirmed, "status", "confirmed");
    char *message = field_of(f, "case", confirmed, "message");
    assert_non_null(strstr(message, "mastodon:3"));
    free(message);
    assert_true(exists(f, "result", "mastodon:3"));
    assert_true(exists(f, "seen", "mastodon:3"));
    assert_field(f, "case", other, "status", "pending");
    assert_true(exists(f, "result", "mastodon:9"));
    /* No longer crawled, still on the watchlist. */
    assert_false(exists(f, "follows", "pns-1"));
    assert_false(exists(f, "shown", "pns-1"));
    assert_false(exists(f, "listed", "pns-1"));
    assert_int_equal(integer_of(f, "ZCARD %s", sched), 1);
    assert_int_equal(integer_of(f, "ZCARD %s", engage), 0);
    assert_true(exists(f, "acct", "pns-1"));
    char *action = last_audit(f, "action"), *subject = last_audit(f, "subject"),
         *who = last_audit(f, "who");
    assert_string_equal(action, "purge.account");
    assert_string_equal(subject, "pns-1");
    assert_string_equal(who, "ops");
    free(action);
    free(subject);
    free(who);
    assert_int_equal(audit_detail(f, "cases"), 1);
    assert_int_equal(audit_detail(f, "confirmed_kept"), 1);

    done = purge_account(f, "pns-1", 0, 1);
    assert_int_equal(done.results, 0);
    assert_int_equal(done.cases, 0);
    assert_int_equal(done.confirmed_kept, 1);
    assert_int_equal(done.account_removed, 1);
    assert_false(exists(f, "acct", "pns-1"));
    assert_field(f, "case", confirmed, "status", "confirmed");
}

static void test_holdings_count_each_kind(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN], a[CASE_ID_LEN + 1], b[CASE_ID_LEN + 1], c[CASE_ID_LEN + 1],
        d[CASE_ID_LEN + 1], posts[KEYS_MAX_LEN];
    record_post(f, "pns-1", "mastodon:1", 0, a);
    record_post(f, "pns-1", "mastodon:2", 1, b);
    record_post(f, "pns-1", "mastodon:3", 1, c);
    record_post(f, "pns-1", "mastodon:4", 1, d);
    decide(f, "pns-1", c, "dismiss", "reviewer");
    decide(f, "pns-1", d, "confirm", "reviewer");
    key_of(f, posts, "posts", NULL);
    freeReplyObject(redisCommand(f->inspect, "XADD %s 1700000000000-0 msg x", posts));
    long long now_ms = (long long)time(NULL) * 1000;

    struct retention_holdings held;
    if (retention_holdings_read(f->sync, f->config, 0, &held, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(held.posts.count, 1);
    assert_int_equal(held.posts.oldest_ms, 1700000000000LL);
    assert_int_equal(held.dead_letters.count, 0);
    assert_int_equal(held.dead_letters.oldest_ms, 0);
    assert_int_equal(held.results.count, 4);
    assert_true(held.results_exact);
    assert_int_equal(held.pending_cases.count, 1);
    assert_int_equal(held.dismissed_cases.count, 1);
    assert_true(llabs(held.dismissed_cases.oldest_ms - now_ms) < 5000);
    assert_int_equal(held.confirmed_cases.count, 1);
    assert_true(llabs(held.confirmed_cases.oldest_ms - now_ms) < 5000);
    assert_int_equal(held.evidence_links.count, 3);
    assert_int_equal(held.alerts.count, 1);
    assert_int_equal(held.audit.count, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unflagged_result_expires_after_its_lifetime, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dismissed_case_is_purged_when_its_lifetime_ends,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopened_case_is_not_purged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_entry_of_a_deleted_case_is_dropped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_confirmed_case_is_kept_forever_unless_configured,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_streams_are_trimmed_by_age, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_purge_account_keeps_confirmed_cases_and_removes_the_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_holdings_count_each_kind, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
