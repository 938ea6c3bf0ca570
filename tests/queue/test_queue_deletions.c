/* Deleted posts against a real Redis: only a post a complete listing should have shown and did
 * not is deleted (the window's edges, a post listed again, pages indexed without a sweep); under
 * a case it is recorded and raised in review with its evidence untouched; under none its result
 * and stream entry go while its id stays deduplicated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "queue/cases.h"
#include "queue/deletions.h"
#include "queue/evidence.h"
#include "queue/keys.h"
#include "queue/posts_stream.h"
#include "queue/redis_sync.h"
#include "tests/queue/queue_test.h"
#include "tests/support/test_support.h"

#define ACCOUNT "pns-9"
/* 2024-01-05T10:00:00Z, the created_at of queue_test_post(). */
#define T0 1704448800000LL
#define MINUTE 60000LL
/* A listing's stamp, an hour after the posts. */
#define AT(n) (T0 + 60 * MINUTE + (n))

struct fixture {
    struct netra_config *config;
    struct redis_sync *redis;
    redisContext *inspect;
    struct evidence_head head;
    char prefix[256];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    char err[NETRA_ERR_LEN];
    f->config = queue_test_config(test_redis_url(), "deletions");
    if (redis_sync_open(f->config, test_redis_url(), &f->redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
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
    redis_sync_close(f->redis);
    config_free(f->config);
    free(f);
    return 0;
}

/* Post "<n>" of the account, created n minutes after T0. */
static struct post_message *post_at(int n, enum post_kind kind)
{
    char id[64], created[32];
    snprintf(id, sizeof(id), "mastodon:%d", n);
    snprintf(created, sizeof(created), "2024-01-05T10:%02d:00Z", n);
    struct post_message *message = queue_test_post(id, ACCOUNT, "coblos nomor dua");
    free(message->created_at);
    message->created_at = strdup(created);
    assert_non_null(message->created_at);
    message->kind = kind;
    return message;
}

/* A listing stamped stamp showed the posts numbered in a space-separated list: published (as
 * the crawler does first) and indexed, one page. */
static void listed(struct fixture *f, long long stamp, const char *numbers)
{
    char err[NETRA_ERR_LEN], list[256];
    struct post_message *page[16];
    size_t count = 0;
    snprintf(list, sizeof(list), "%s", numbers);
    for (char *save = NULL, *n = strtok_r(list, " ", &save); n != NULL;
         n = strtok_r(NULL, " ", &save))
        page[count++] = post_at(atoi(n), n[strlen(n) - 1] == 'r' ? POST_KIND_REPOST
                                                                 : POST_KIND_POST);
    for (size_t i = 0; i < count; i++) {
        enum posts_publish_result result;
        if (posts_stream_publish(f->redis, f->config, page[i], &result, err, sizeof(err)) != 0)
            fail_msg("publish: %s", err);
    }
    if (deletions_index(f->redis, f->config, ACCOUNT, stamp,
                        (const struct post_message *const *)page, count, err, sizeof(err)) != 0)
        fail_msg("index: %s", err);
    for (size_t i = 0; i < count; i++)
        post_message_free(page[i]);
}

static struct deletions_counts sweep(struct fixture *f, long long stamp, long long after_ms)
{
    char err[NETRA_ERR_LEN];
    struct deletions_counts counts;
    const struct deletions_sweep what = {ACCOUNT, stamp, after_ms, "listing"};
    if (deletions_sweep(f->redis, f->config, &what, &counts, err, sizeof(err)) != 0)
        fail_msg("sweep: %s", err);
    return counts;
}

static void key_of(struct fixture *f, char out[KEYS_MAX_LEN], const char *kind, const char *id)
{
    char err[NETRA_ERR_LEN];
    int rc = -1;
    if (strcmp(kind, "result") == 0)
        rc = keys_result(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "seen") == 0)
        rc = keys_seen(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "deleted") == 0)
        rc = keys_deleted(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "case") == 0)
        rc = keys_case(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "shown") == 0)
        rc = keys_shown(out, KEYS_MAX_LEN, f->prefix, 0, id, err, sizeof(err));
    else if (strcmp(kind, "posts") == 0)
        rc = keys_posts(out, KEYS_MAX_LEN, f->prefix, 0, err, sizeof(err));
    else if (strcmp(kind, "review") == 0)
        rc = keys_review(out, KEYS_MAX_LEN, f->prefix, 0, err, sizeof(err));
    else if (strcmp(kind, "audit") == 0)
        rc = keys_audit(out, KEYS_MAX_LEN, f->prefix, 0, err, sizeof(err));
    if (rc != 0)
        fail_msg("key %s: %s", kind, err);
}

static int exists(struct fixture *f, const char *kind, const char *id)
{
    char key[KEYS_MAX_LEN];
    key_of(f, key, kind, id);
    redisReply *reply = redisCommand(f->inspect, "EXISTS %s", key);
    assert_non_null(reply);
    int found = (int)reply->integer;
    freeReplyObject(reply);
    return found;
}

/* The reply of a command on one key; the caller frees it. */
static redisReply *ask(struct fixture *f, const char *command, const char *kind, const char *id)
{
    char key[KEYS_MAX_LEN];
    key_of(f, key, kind, id);
    redisReply *reply = redisCommand(f->inspect, command, key);
    assert_non_null(reply);
    return reply;
}

static void assert_field(struct fixture *f, const char *kind, const char *id, const char *field,
                         const char *expected)
{
    char command[128];
    snprintf(command, sizeof(command), "HGET %%s %s", field);
    redisReply *reply = ask(f, command, kind, id);
    assert_string_equal(reply->type == REDIS_REPLY_STRING ? reply->str : "", expected);
    freeReplyObject(reply);
}

static long long stream_length(struct fixture *f)
{
    redisReply *reply = ask(f, "XLEN %s", "posts", "");
    long long length = reply->integer;
    freeReplyObject(reply);
    return length;
}

/* The stream entry id of post n (its only version). */
static void entry_of(struct fixture *f, int n, char out[POSTS_ENTRY_ID_LEN])
{
    char needle[64];
    snprintf(needle, sizeof(needle), "\"mastodon:%d\"", n);
    redisReply *reply = ask(f, "XRANGE %s - +", "posts", "");
    out[0] = '\0';
    for (size_t i = 0; i < reply->elements; i++)
        if (strstr(reply->element[i]->element[1]->element[1]->str, needle) != NULL)
            snprintf(out, POSTS_ENTRY_ID_LEN, "%s", reply->element[i]->element[0]->str);
    freeReplyObject(reply);
    assert_true(out[0] != '\0');
}

/* Post n scored as the worker records it: its result, and a case when open_case. */
static void scored(struct fixture *f, int n, int open_case, char case_id[CASE_ID_LEN + 1])
{
    char err[NETRA_ERR_LEN], id[64], message[256], entry[POSTS_ENTRY_ID_LEN];
    snprintf(id, sizeof(id), "mastodon:%d", n);
    snprintf(message, sizeof(message), "{\"id\":\"%s\",\"text\":\"coblos nomor dua\"}", id);
    entry_of(f, n, entry);
    struct post_record record = {
        .entry_id = entry, .post_id = id, .account = ACCOUNT, .verdict = "suspect",
        .political = 0.9, .partisan = 0.8, .categories = "vote_call",
        .ruleset = "id-national@1", .explanation = "[]", .content = "c0", .open_case = open_case,
        .has_evidence = 1, .priority = 800, .platform = "mastodon",
        .author = "someone@example.org", .url = "https://example.org/@someone/1",
        .created_at = "2024-01-05T10:00:00Z", .fetched_at = "2024-01-05T10:05:00Z",
        .region = "aceh", .message_json = message,
    };
    const char *none[] = {""}, *text[] = {message};
    evidence_sha256_text(none, 1, record.raw_sha256);
    evidence_sha256_text(text, 1, record.message_sha256);
    evidence_hash(record.raw_sha256, record.message_sha256, record.evidence);
    cases_id(ACCOUNT, id, record.case_id);
    struct record_outcome outcome;
    if (cases_record(f->redis, f->config, 0, &record, &f->head, &outcome, err, sizeof(err)) != 0)
        fail_msg("cases_record: %s", err);
    snprintf(case_id, CASE_ID_LEN + 1, "%s", record.case_id);
}

static void rfc3339_times_read_to_the_millisecond(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    long long ms;
    assert_int_equal(deletions_time_ms("2024-01-05T10:00:00Z", &ms, err, sizeof(err)), 0);
    assert_int_equal(ms, T0);
    assert_int_equal(deletions_time_ms("2024-01-05T10:00:00.5Z", &ms, err, sizeof(err)), 0);
    assert_int_equal(ms, T0 + 500);
    assert_int_equal(deletions_time_ms("2024-01-05T10:00:00.123456Z", &ms, err, sizeof(err)),
                     0);
    assert_int_equal(ms, T0 + 123);
    assert_int_equal(deletions_time_ms("2000-02-29T00:00:00Z", &ms, err, sizeof(err)), 0);
    assert_int_equal(ms, 951782400000LL);
    const char *bad[] = {"", "2024-01-05", "2024-01-05T10:00:00", "2024-01-05T10:00:00+07:00",
                         "2024-13-05T10:00:00Z", "2024-01-05T10:00:00.Z", "x2024-01-05T10:00Z",
                         "2024- 1-05T10:00:00Z", "+024-01-05T10:00:00Z", "2024-01-05T10:00:00ZZ"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(deletions_time_ms(bad[i], &ms, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "created_at"));
    }
}

static void a_post_missing_from_a_complete_listing_under_no_case_is_purged(void **state)
{
    struct fixture *f = *state;
    char case_id[CASE_ID_LEN + 1];
    listed(f, AT(1000), "3 2 1");
    scored(f, 2, 0, case_id);
    assert_int_equal(stream_length(f), 3);

    listed(f, AT(2000), "3 1");
    struct deletions_counts counts = sweep(f, AT(2000), T0 + 1 * MINUTE);
    assert_int_equal(counts.detected, 1);
    assert_int_equal(counts.purged, 1);
    assert_int_equal(counts.flagged, 0);
    assert_int_equal(exists(f, "result", "mastodon:2"), 0);
    assert_int_equal(stream_length(f), 2); /* its entry went with its result */
    assert_int_equal(exists(f, "seen", "mastodon:2"), 1);

    redisReply *tombstone = ask(f, "GET %s", "deleted", "mastodon:2");
    assert_int_equal(tombstone->type, REDIS_REPLY_STRING);
    cJSON *json = cJSON_Parse(tombstone->str);
    assert_non_null(json);
    assert_int_equal(cJSON_GetObjectItem(json, "deleted_at")->valuedouble, AT(2000));
    assert_int_equal(cJSON_GetObjectItem(json, "last_seen")->valuedouble, AT(1000));
    assert_string_equal(cJSON_GetObjectItem(json, "how")->valuestring, "listing");
    cJSON_Delete(json);
    freeReplyObject(tombstone);
    redisReply *ttl = ask(f, "PTTL %s", "deleted", "mastodon:2");
    assert_true(ttl->integer > 0);
    freeReplyObject(ttl);

    /* Listed again (a platform's hiccup, or undeleted): deduplicated, not queued, not indexed,
     * so never purged twice. */
    listed(f, AT(3000), "3 2 1");
    assert_int_equal(stream_length(f), 2);
    listed(f, AT(4000), "3 1");
    counts = sweep(f, AT(4000), T0 + 1 * MINUTE);
    assert_int_equal(counts.detected, 0);
}

static void only_posts_inside_the_window_are_judged(void **state)
{
    struct fixture *f = *state;
    listed(f, AT(1000), "5 4 3 2 1");
    /* The next listing reached down to post 3 only: 1 and 2 are older than what it covered,
     * 3 is its edge (it was listed), 4 and 5 inside. */
    listed(f, AT(2000), "5 3");
    struct deletions_counts counts = sweep(f, AT(2000), T0 + 3 * MINUTE);
    assert_int_equal(counts.detected, 1); /* 4 */
    redisReply *reply = ask(f, "ZRANGE %s 0 -1", "shown", ACCOUNT);
    assert_int_equal(reply->elements, 4);
    assert_string_equal(reply->element[0]->str, "mastodon:1");
    assert_string_equal(reply->element[1]->str, "mastodon:2");
    assert_string_equal(reply->element[2]->str, "mastodon:3");
    assert_string_equal(reply->element[3]->str, "mastodon:5");
    freeReplyObject(reply);
    assert_int_equal(exists(f, "deleted", "mastodon:4"), 1);

    /* A post created at the window's very start is not inside it: a listing cut at a page
     * boundary may stop between two posts of the same time. */
    listed(f, AT(3000), "5");
    counts = sweep(f, AT(3000), T0 + 3 * MINUTE);
    assert_int_equal(counts.detected, 0);
    assert_int_equal(exists(f, "deleted", "mastodon:3"), 0);
}

static void a_post_listed_again_is_not_deleted(void **state)
{
    struct fixture *f = *state;
    listed(f, AT(1000), "3 2 1");
    listed(f, AT(2000), "3 2 1");
    struct deletions_counts counts = sweep(f, AT(2000), 0);
    assert_int_equal(counts.detected, 0);
    assert_int_equal(stream_length(f), 3);
}

/* The crawler sweeps only after a complete listing: pages indexed by listings that were cut
 * short leave every post known, and a later complete listing that shows them deletes none. */
static void pages_of_incomplete_listings_delete_nothing(void **state)
{
    struct fixture *f = *state;
    listed(f, AT(1000), "4 3 2 1");
    listed(f, AT(2000), "4");    /* then a 429 */
    listed(f, AT(3000), "4 3");  /* then max_pages */
    listed(f, AT(4000), "4 3 2 1");
    struct deletions_counts counts = sweep(f, AT(4000), T0 + 1 * MINUTE);
    assert_int_equal(counts.detected, 0);
    assert_int_equal(stream_length(f), 4);
}

static void a_repost_is_never_judged(void **state)
{
    struct fixture *f = *state;
    listed(f, AT(1000), "3 2r 1");
    listed(f, AT(2000), "3 1");
    struct deletions_counts counts = sweep(f, AT(2000), 0);
    assert_int_equal(counts.detected, 0);
    redisReply *reply = ask(f, "ZCARD %s", "shown", ACCOUNT);
    assert_int_equal(reply->integer, 2);
    freeReplyObject(reply);
}

static void a_deleted_post_under_a_case_keeps_its_evidence_and_rises_in_review(void **state)
{
    struct fixture *f = *state;
    char case_id[CASE_ID_LEN + 1], other[CASE_ID_LEN + 1];
    listed(f, AT(1000), "3 2 1");
    scored(f, 2, 1, case_id);
    scored(f, 3, 1, other);
    char key[KEYS_MAX_LEN], review[KEYS_MAX_LEN];
    key_of(f, review, "review", "");
    redisReply *before = redisCommand(f->inspect, "ZSCORE %s %s", review, case_id);
    double score_before = atof(before->str);
    freeReplyObject(before);
    redisReply *evidence_before = ask(f, "HMGET %s evidence raw_sha256 message chain", "case",
                                      case_id);

    listed(f, AT(2000), "3 1");
    struct deletions_counts counts = sweep(f, AT(2000), T0 + 1 * MINUTE);
    assert_int_equal(counts.detected, 1);
    assert_int_equal(counts.flagged, 1);
    assert_int_equal(counts.purged, 0);
    char when[32];
    snprintf(when, sizeof(when), "%lld", AT(2000));
    assert_field(f, "case", case_id, "deleted_at", when);
    snprintf(when, sizeof(when), "%lld", AT(1000));
    assert_field(f, "case", case_id, "deleted_last_seen", when);
    assert_field(f, "case", case_id, "deleted_how", "listing");
    assert_field(f, "case", case_id, "status", "pending");
    assert_field(f, "case", other, "deleted_at", "");
    assert_int_equal(exists(f, "result", "mastodon:2"), 1);
    assert_int_equal(exists(f, "deleted", "mastodon:2"), 0);
    assert_int_equal(stream_length(f), 3);

    redisReply *evidence_after = ask(f, "HMGET %s evidence raw_sha256 message chain", "case",
                                     case_id);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(evidence_after->element[i]->str, evidence_before->element[i]->str);
    freeReplyObject(evidence_before);
    freeReplyObject(evidence_after);

    redisReply *after = redisCommand(f->inspect, "ZSCORE %s %s", review, case_id);
    assert_true(atof(after->str) - score_before ==
                (double)f->config->crawler.deleted_priority_boost * 1e10);
    freeReplyObject(after);

    key_of(f, key, "audit", "");
    redisReply *audit = redisCommand(f->inspect, "XRANGE %s - +", key);
    assert_int_equal(audit->elements, 1);
    const redisReply *fields = audit->element[0]->element[1];
    int saw_action = 0, saw_subject = 0;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        if (strcmp(fields->element[i]->str, "action") == 0)
            saw_action = strcmp(fields->element[i + 1]->str, "case.deleted_after_flag") == 0;
        if (strcmp(fields->element[i]->str, "subject") == 0)
            saw_subject = strcmp(fields->element[i + 1]->str, case_id) == 0;
    }
    assert_true(saw_action && saw_subject);
    freeReplyObject(audit);

    /* It left the index: the next listing neither records it again nor audits it twice. */
    listed(f, AT(3000), "3 1");
    counts = sweep(f, AT(3000), T0 + 1 * MINUTE);
    assert_int_equal(counts.detected, 0);
}

static void posts_past_retention_leave_the_index(void **state)
{
    struct fixture *f = *state;
    listed(f, T0 + 10 * MINUTE, "2 1");
    long long later = T0 + 10 * MINUTE + (long long)f->config->retention.unflagged_days * 86400000;
    listed(f, later, "");
    redisReply *reply = ask(f, "ZCARD %s", "shown", ACCOUNT);
    assert_int_equal(reply->integer, 0);
    freeReplyObject(reply);
}

static void bad_sweeps_are_refused(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    struct deletions_counts counts;
    const struct deletions_sweep no_account = {"", AT(2000), 0, "listing"};
    assert_int_equal(deletions_sweep(f->redis, f->config, &no_account, &counts, err, sizeof(err)),
                     -1);
    const struct deletions_sweep no_stamp = {ACCOUNT, 0, 0, "listing"};
    assert_int_equal(deletions_sweep(f->redis, f->config, &no_stamp, &counts, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, ACCOUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc3339_times_read_to_the_millisecond),
        cmocka_unit_test_setup_teardown(
            a_post_missing_from_a_complete_listing_under_no_case_is_purged, setup, teardown),
        cmocka_unit_test_setup_teardown(only_posts_inside_the_window_are_judged, setup, teardown),
        cmocka_unit_test_setup_teardown(a_post_listed_again_is_not_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(pages_of_incomplete_listings_delete_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_repost_is_never_judged, setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_deleted_post_under_a_case_keeps_its_evidence_and_rises_in_review, setup, teardown),
        cmocka_unit_test_setup_teardown(posts_past_retention_leave_the_index, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_sweeps_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
