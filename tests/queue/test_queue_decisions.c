/* Decisions on a case: each one changes the status and the review queue as the state machine
 * says, appends to the history and the audit stream, a confirmation appends exactly one alert,
 * four-eyes needs two different users agreeing, and a refused decision writes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "queue/decisions.h"
#include "queue/keys.h"
#include "queue/redis_sync.h"
#include "tests/queue/queue_test.h"
#include "tests/support/test_support.h"

#define ACCOUNT "aceh-6015"
#define CASE_ID "0f3a9c6e1b2d4f5a6c7e8d9f0a1b2c3d"
/* partisan 0.85 and created at 1704448800 s, as the worker would rank it. */
#define PRIORITY "8508295551199"

struct fixture {
    struct netra_config *config;
    struct redis_sync *sync;
    redisContext *inspect;
    int shard;
    char kase[KEYS_MAX_LEN], review[KEYS_MAX_LEN], alerts[KEYS_MAX_LEN], audit[KEYS_MAX_LEN];
};

static redisReply *inspect(struct fixture *f, const char *fmt, const char *key)
{
    redisReply *reply = redisCommand(f->inspect, fmt, key);
    assert_non_null(reply);
    return reply;
}

static long long inspect_integer(struct fixture *f, const char *fmt, const char *key)
{
    redisReply *reply = inspect(f, fmt, key);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    long long value = reply->integer;
    freeReplyObject(reply);
    return value;
}

/* The case's field, or "" when absent; the caller frees it. */
static char *case_get(struct fixture *f, const char *field)
{
    redisReply *reply = redisCommand(f->inspect, "HGET %s %s", f->kase, field);
    assert_non_null(reply);
    char *value = strdup(reply->type == REDIS_REPLY_STRING ? reply->str : "");
    freeReplyObject(reply);
    assert_non_null(value);
    return value;
}

static void assert_case_field(struct fixture *f, const char *field, const char *expected)
{
    char *value = case_get(f, field);
    assert_string_equal(value, expected);
    free(value);
}

static int in_review(struct fixture *f)
{
    redisReply *reply = redisCommand(f->inspect, "ZSCORE %s %s", f->review, CASE_ID);
    assert_non_null(reply);
    int found = reply->type == REDIS_REPLY_STRING;
    if (found)
        assert_string_equal(reply->str, PRIORITY);
    freeReplyObject(reply);
    return found;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    char err[NETRA_ERR_LEN];
    f->config = queue_test_config(test_redis_url(), "decisions");
    if (redis_sync_open(f->config, test_redis_url(), &f->sync, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    f->inspect = test_redis_connect(test_redis_url());
    const char *prefix = f->config->redis.key_prefix;
    f->shard = keys_shard(ACCOUNT, f->config->redis.shards);
    assert_int_equal(keys_case(f->kase, KEYS_MAX_LEN, prefix, f->shard, CASE_ID, err,
                               sizeof(err)), 0);
    assert_int_equal(keys_review(f->review, KEYS_MAX_LEN, prefix, f->shard, err, sizeof(err)),
                     0);
    assert_int_equal(keys_alerts(f->alerts, KEYS_MAX_LEN, prefix, f->shard, err, sizeof(err)),
                     0);
    assert_int_equal(keys_audit(f->audit, KEYS_MAX_LEN, prefix, f->shard, err, sizeof(err)), 0);
    char acct[KEYS_MAX_LEN];
    assert_int_equal(keys_acct(acct, KEYS_MAX_LEN, prefix, f->shard, ACCOUNT, err, sizeof(err)),
                     0);

    /* A pending case as the worker leaves it, and its account on the watchlist. */
    redisReply *reply = redisCommand(
        f->inspect,
        "HSET %s id %s account %s post_id facebook:1 platform facebook author teuku.fadh "
        "url https://facebook.example/1 created_at 2024-01-05T10:00:00Z "
        "fetched_at 2024-01-05T10:03:00Z region aceh partisan 0.850 created 1704448800123 "
        "evidence e1 chain_position 7 status pending message %s",
        f->kase, CASE_ID, ACCOUNT,
        "{\"id\":\"facebook:1\",\"text\":\"deklarasi dukungan untuk Mualem\"}");
    assert_non_null(reply);
    freeReplyObject(reply);
    reply = redisCommand(f->inspect, "ZADD %s " PRIORITY " %s", f->review, CASE_ID);
    freeReplyObject(reply);
    reply = redisCommand(f->inspect,
                         "HSET %s id %s name %s agency %s nip 198001012005011001 region aceh",
                         acct, ACCOUNT, "Teuku Fadhli", "Dinas Pendidikan Aceh");
    freeReplyObject(reply);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_redis_delete_prefix(f->inspect, f->config->redis.key_prefix);
    redisFree(f->inspect);
    redis_sync_close(f->sync);
    config_free(f->config);
    free(f);
    return 0;
}

static struct decision decision_of(const char *by, const char *role, const char *action,
                                   const char *category, const char *reason, int four_eyes)
{
    struct decision d = {
        .case_id = CASE_ID, .account = ACCOUNT, .by = by, .role = role, .action = action,
        .category = category, .note = "catatan", .reason = reason, .from = "192.0.2.7",
        .four_eyes = four_eyes,
    };
    return d;
}

/* Decides and expects result; returns the outcome (the caller frees it). */
static struct decision_outcome decide(struct fixture *f, struct decision d,
                                      enum decision_result result)
{
    struct decision_outcome outcome;
    char err[NETRA_ERR_LEN];
    if (decisions_decide(f->sync, f->config, &d, &outcome, err, sizeof(err)) != 0)
        fail_msg("decide: %s", err);
    assert_int_equal(outcome.result, result);
    return outcome;
}

/* The stream's last entry field, or NULL; the caller frees it. */
static char *last_entry_field(struct fixture *f, const char *stream, const char *field)
{
    redisReply *reply = redisCommand(f->inspect, "XREVRANGE %s + - COUNT 1", stream);
    assert_non_null(reply);
    char *value = NULL;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1) {
        redisReply *fields = reply->element[0]->element[1];
        for (size_t i = 0; i + 1 < fields->elements; i += 2)
            if (strcmp(fields->element[i]->str, field) == 0)
                value = strdup(fields->element[i + 1]->str);
    }
    freeReplyObject(reply);
    return value;
}

static void assert_last_entry(struct fixture *f, const char *stream, const char *field,
                              const char *expected)
{
    char *value = last_entry_field(f, stream, field);
    assert_non_null(value);
    assert_string_equal(value, expected);
    free(value);
}

static void test_confirm_writes_alert_audit_and_leaves_review(void **state)
{
    struct fixture *f = *state;
    struct decision_outcome out =
        decide(f, decision_of("ani", "reviewer", "confirm", "campaign_event", NULL, 0),
               DECISION_DONE);
    assert_string_equal(out.status, "confirmed");
    assert_non_null(out.alert_id);
    assert_string_equal(out.confirmed_by, "ani");
    assert_string_equal(out.confirmed_category, "campaign_event");
    assert_true(out.confirmed_at > 1704448800123LL);

    cJSON *history = cJSON_Parse(out.decisions);
    assert_non_null(history);
    assert_int_equal(cJSON_GetArraySize(history), 1);
    cJSON *first = cJSON_GetArrayItem(history, 0);
    assert_string_equal(cJSON_GetObjectItem(first, "by")->valuestring, "ani");
    assert_string_equal(cJSON_GetObjectItem(first, "action")->valuestring, "confirm");
    assert_string_equal(cJSON_GetObjectItem(first, "note")->valuestring, "catatan");
    cJSON_Delete(history);

    assert_case_field(f, "status", "confirmed");
    assert_case_field(f, "confirmed_by", "ani");
    assert_false(in_review(f));

    assert_int_equal(inspect_integer(f, "XLEN %s", f->alerts), 1);
    assert_last_entry(f, f->alerts, "case", CASE_ID);
    assert_last_entry(f, f->alerts, "name", "Teuku Fadhli");
    assert_last_entry(f, f->alerts, "agency", "Dinas Pendidikan Aceh");
    assert_last_entry(f, f->alerts, "nip", "198001012005011001");
    assert_last_entry(f, f->alerts, "text", "deklarasi dukungan untuk Mualem");
    assert_last_entry(f, f->alerts, "category", "campaign_event");
    assert_last_entry(f, f->alerts, "evidence", "e1");
    assert_last_entry(f, f->alerts, "chain_position", "7");

    assert_int_equal(inspect_integer(f, "XLEN %s", f->audit), 1);
    assert_last_entry(f, f->audit, "who", "ani");
    assert_last_entry(f, f->audit, "action", "decision.confirm");
    assert_last_entry(f, f->audit, "subject", CASE_ID);
    assert_last_entry(f, f->audit, "from", "192.0.2.7");
    decision_outcome_free(&out);
}

static void test_four_eyes_needs_a_second_different_user(void **state)
{
    struct fixture *f = *state;
    struct decision_outcome out =
        decide(f, decision_of("ani", "reviewer", "confirm", "vote_call", NULL, 1),
               DECISION_DONE);
    assert_string_equal(out.status, "confirming");
    assert_null(out.alert_id);
    decision_outcome_free(&out);
    assert_true(in_review(f));
    assert_int_equal(inspect_integer(f, "EXISTS %s", f->alerts), 0);

    out = decide(f, decision_of("ani", "reviewer", "confirm", "vote_call", NULL, 1),
                 DECISION_CONFLICT);
    assert_string_equal(out.message, "four-eyes: ani already confirmed this case");
    decision_outcome_free(&out);
    out = decide(f, decision_of("budi", "reviewer", "confirm", "candidate_praise", NULL, 1),
                 DECISION_CONFLICT);
    assert_non_null(strstr(out.message, "category vote_call"));
    decision_outcome_free(&out);
    /* Refused decisions wrote nothing: one decision, one audit entry. */
    assert_int_equal(inspect_integer(f, "XLEN %s", f->audit), 1);
    assert_case_field(f, "status", "confirming");

    out = decide(f, decision_of("budi", "supervisor", "confirm", "vote_call", NULL, 1),
                 DECISION_DONE);
    assert_string_equal(out.status, "confirmed");
    assert_string_equal(out.confirmed_by, "ani,budi");
    assert_non_null(out.alert_id);
    decision_outcome_free(&out);
    assert_int_equal(inspect_integer(f, "XLEN %s", f->alerts), 1);
    assert_last_entry(f, f->alerts, "confirmed_by", "ani,budi");
    assert_int_equal(inspect_integer(f, "XLEN %s", f->audit), 2);
    assert_false(in_review(f));
}

static void test_dismiss_drops_pending_confirmation(void **state)
{
    struct fixture *f = *state;
    struct decision_outcome out =
        decide(f, decision_of("ani", "reviewer", "confirm", "vote_call", NULL, 1),
               DECISION_DONE);
    decision_outcome_free(&out);
    out = decide(f, decision_of("budi", "reviewer", "dismiss", NULL, "berita netral", 1),
                 DECISION_DONE);
    assert_string_equal(out.status, "dismissed");
    decision_outcome_free(&out);
    assert_case_field(f, "confirming_by", "");
    assert_false(in_review(f));
    assert_last_entry(f, f->audit, "action", "decision.dismiss");
}

static void test_transitions_and_reopen(void **state)
{
    struct fixture *f = *state;
    struct decision_outcome out =
        decide(f, decision_of("ani", "reviewer", "escalate", NULL, NULL, 0), DECISION_DONE);
    assert_string_equal(out.status, "escalated");
    decision_outcome_free(&out);
    assert_true(in_review(f));

    out = decide(f, decision_of("ani", "reviewer", "reopen", NULL, "salah", 0),
                 DECISION_CONFLICT);
    assert_string_equal(out.message, "only a supervisor can reopen a case");
    decision_outcome_free(&out);
    out = decide(f, decision_of("sri", "supervisor", "reopen", NULL, "salah", 0),
                 DECISION_CONFLICT);
    assert_string_equal(out.message, "cannot reopen: the case is escalated");
    decision_outcome_free(&out);

    out = decide(f, decision_of("ani", "reviewer", "dismiss", NULL, "bukan ajakan", 0),
                 DECISION_DONE);
    decision_outcome_free(&out);
    out = decide(f, decision_of("ani", "reviewer", "confirm", "vote_call", NULL, 0),
                 DECISION_CONFLICT);
    assert_string_equal(out.message, "cannot confirm: the case is dismissed");
    decision_outcome_free(&out);

    out = decide(f, decision_of("sri", "supervisor", "reopen", NULL, "bukti baru", 0),
                 DECISION_DONE);
    assert_string_equal(out.status, "pending");
    cJSON *history = cJSON_Parse(out.decisions);
    assert_int_equal(cJSON_GetArraySize(history), 3);
    cJSON_Delete(history);
    decision_outcome_free(&out);
    /* Back in review with the priority the worker gave it. */
    assert_true(in_review(f));
    assert_last_entry(f, f->audit, "action", "decision.reopen");
    assert_last_entry(f, f->audit, "role", "supervisor");
    assert_int_equal(inspect_integer(f, "XLEN %s", f->audit), 3);
}

static void test_no_case(void **state)
{
    struct fixture *f = *state;
    struct decision d = decision_of("ani", "reviewer", "escalate", NULL, NULL, 0);
    d.case_id = "ffffffffffffffffffffffffffffffff";
    struct decision_outcome out = decide(f, d, DECISION_NO_CASE);
    decision_outcome_free(&out);
    assert_int_equal(inspect_integer(f, "EXISTS %s", f->audit), 0);
}

static void assert_refused(struct decision d, const char *expected)
{
    char err[NETRA_ERR_LEN] = "";
    assert_int_equal(decisions_check(&d, err, sizeof(err)), -1);
    assert_non_null(strstr(err, expected));
}

static void test_invalid_decisions_are_refused(void **state)
{
    (void)state;
    assert_refused(decision_of("ani", "reviewer", "confirm", "election_info", NULL, 0),
                   "\"election_info\" is not a category");
    assert_refused(decision_of("ani", "reviewer", "confirm", NULL, NULL, 0), "category");
    assert_refused(decision_of("ani", "reviewer", "dismiss", NULL, "", 0), "reason: required");
    assert_refused(decision_of("ani", "reviewer", "approve", NULL, NULL, 0),
                   "\"approve\" is not confirm");
    assert_refused(decision_of("ani", "reviewer", "escalate", "vote_call", NULL, 0),
                   "only a confirmation");
    char long_note[DECISION_MAX_TEXT + 2];
    memset(long_note, 'x', sizeof(long_note) - 1);
    long_note[sizeof(long_note) - 1] = '\0';
    struct decision d = decision_of("ani", "reviewer", "escalate", NULL, NULL, 0);
    d.note = long_note;
    assert_refused(d, "note: longer than 2000 bytes");
    d = decision_of("ani", "reviewer", "escalate", NULL, NULL, 0);
    d.action = NULL;
    assert_refused(d, "action: missing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_confirm_writes_alert_audit_and_leaves_review, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_four_eyes_needs_a_second_different_user, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dismiss_drops_pending_confirmation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_transitions_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_case, setup, teardown),
        cmocka_unit_test(test_invalid_decisions_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
