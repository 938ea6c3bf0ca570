/* Versions of a post under a case: an edited flagged post keeps both versions under one case,
 * each its own verified link (in process, through `netra evidence verify` and in the exported
 * bundle), even when the edit is no longer suspect; a redelivered version, an old entry
 * delivered late and the same content again write nothing; a more partisan version raises a
 * pending case, a softer one never lowers it and a decided case is not put back in review; a
 * post edited past the cap keeps the first versions and counts the rest; an altered or removed
 * later version is found at its link; a purged case still verifies every version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "queue/cases.h"
#include "queue/keys.h"
#include "queue/retention.h"
#include "queue/shards.h"
#include "worker/cases.h"
#include "worker/evidence.h"
#include "worker/worker.h"
#include "tests/support/test_support.h"
#include "tests/worker/daemon_test.h"
#include "tests/worker/worker_test.h"

static const char suspect_text[] = "Ayo coblos nomor 2, dukung Prabowo-Gibran sampai menang!";
static const char softened_text[] = "Rapat koordinasi dinas besok pagi di aula kantor";

struct fixture {
    struct netra_config *config;
    struct redis_sync *redis;
    redisContext *inspect;
    struct scorer *scorer;
    struct evidence_head head;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[NETRA_ERR_LEN];
    assert_non_null(f);
    f->config = daemon_test_config("versions");
    if (redis_sync_open(f->config, test_redis_url(), &f->redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    f->inspect = test_redis_connect(test_redis_url());
    f->scorer = worker_test_scorer();
    evidence_head_init(&f->head);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_redis_delete_prefix(f->inspect, f->config->redis.key_prefix);
    redisFree(f->inspect);
    redis_sync_close(f->redis);
    scorer_free(f->scorer);
    config_free(f->config);
    free(f);
    return 0;
}

/* daemon_test_post fetched at fetched_at. */
static struct post_message *post_at(const char *account, const char *text,
                                    const char *fetched_at)
{
    struct post_message *post = daemon_test_post("mastodon:800", account, text);
    free(post->fetched_at);
    post->fetched_at = strdup(fetched_at);
    assert_non_null(post->fetched_at);
    return post;
}

/* Scores post and records it as stream entry entry_id, as the worker does (evidence built when
 * the case asks for it); priority >= 0 stands in for the score's. */
static struct record_outcome record(struct fixture *f, const struct post_message *post,
                                    const char *entry_id, int priority)
{
    char err[NETRA_ERR_LEN];
    struct score_scratch scratch;
    struct score_result result;
    struct case_draft draft;
    struct record_outcome outcome;
    struct score_thresholds thresholds = {f->config->worker.political_threshold,
                                          f->config->worker.suspect_threshold};
    score_scratch_init(&scratch);
    if (score_post(f->scorer, &scratch, post, NULL, &thresholds, &result, err, sizeof(err)) != 0 ||
        case_draft_build(post, entry_id, &result, &draft, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    if (priority >= 0)
        draft.record.priority = priority;
    if (cases_record(f->redis, f->config, 0, &draft.record, &f->head, &outcome, err,
                     sizeof(err)) != 0)
        fail_msg("record: %s", err);
    if (outcome.needs_evidence) {
        assert_false(draft.record.open_case);
        if (case_draft_add_evidence(post, &draft, err, sizeof(err)) != 0 ||
            cases_record(f->redis, f->config, 0, &draft.record, &f->head, &outcome, err,
                         sizeof(err)) != 0)
            fail_msg("record with evidence: %s", err);
        assert_false(outcome.needs_evidence);
    }
    case_draft_free(&draft);
    score_scratch_free(&scratch);
    return outcome;
}

static void case_id_of(const char *account, char out[CASE_ID_LEN + 1])
{
    cases_id(account, "mastodon:800", out);
}

/* A field of the case of account's post, or NULL; the caller frees it. */
static char *case_get(struct fixture *f, const char *account, const char *field)
{
    char key[KEYS_MAX_LEN], cid[CASE_ID_LEN + 1];
    case_id_of(account, cid);
    daemon_test_key(key, sizeof(key), f->config, 0, "case", cid);
    return daemon_test_hget(f->inspect, key, field);
}

static void assert_case_field(struct fixture *f, const char *account, const char *field,
                              const char *expected)
{
    char *value = case_get(f, account, field);
    if (value == NULL)
        fail_msg("the case holds no %s", field);
    assert_string_equal(value, expected);
    free(value);
}

static long long chain_length(struct fixture *f)
{
    char key[KEYS_MAX_LEN];
    daemon_test_key(key, sizeof(key), f->config, 0, "evidence", NULL);
    redisReply *reply = redisCommand(f->inspect, "XLEN %s", key);
    assert_non_null(reply);
    long long length = reply->integer;
    freeReplyObject(reply);
    return length;
}

static double review_score(struct fixture *f, const char *account)
{
    char key[KEYS_MAX_LEN], cid[CASE_ID_LEN + 1];
    case_id_of(account, cid);
    daemon_test_key(key, sizeof(key), f->config, 0, "review", NULL);
    redisReply *reply = redisCommand(f->inspect, "ZSCORE %s %s", key, cid);
    assert_non_null(reply);
    double score = reply->type == REDIS_REPLY_STRING ? atof(reply->str) : -1.0;
    freeReplyObject(reply);
    return score;
}

static struct evidence_report verify(struct fixture *f)
{
    struct evidence_report report;
    char err[NETRA_ERR_LEN];
    if (evidence_verify(f->redis, f->config, 0, &report, err, sizeof(err)) != 0)
        fail_msg("verify: %s", err);
    return report;
}

static void assert_intact(struct fixture *f, long long links)
{
    struct evidence_report report = verify(f);
    if (report.broken)
        fail_msg("link %lld broken: %s", report.position, report.why);
    assert_int_equal(report.links, links);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    assert_int_equal(EVP_Digest(data, len, digest, &digest_len, EVP_sha256(), NULL), 1);
    for (unsigned int i = 0; i < digest_len; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static const char *json_string(const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!cJSON_IsString(item))
        fail_msg("the bundle has no string %s", name);
    return item->valuestring;
}

/* A version in the bundle recomputes: its raw bytes and message to their hashes, those to its
 * evidence hash, and its link from its prev. */
static void assert_bundle_version_recomputes(const cJSON *version, const char *case_id,
                                             const char *expected_raw)
{
    char hash[65], evidence_text[129];
    const char *raw64 = json_string(version, "raw_base64");
    unsigned char *raw = malloc(strlen(raw64) + 1);
    assert_non_null(raw);
    size_t text_len = strlen(raw64);
    int len = EVP_DecodeBlock(raw, (const unsigned char *)raw64, (int)text_len);
    assert_true(len >= 0);
    /* EVP_DecodeBlock counts the bytes padding stands for. */
    for (size_t i = text_len; i > 0 && raw64[i - 1] == '='; i--)
        len--;
    assert_int_equal(len, strlen(expected_raw));
    assert_memory_equal(raw, expected_raw, (size_t)len);
    sha256_hex(raw, (size_t)len, hash);
    assert_string_equal(hash, json_string(version, "raw_sha256"));
    const char *message = json_string(version, "message_json");
    sha256_hex(message, strlen(message), hash);
    assert_string_equal(hash, json_string(version, "message_sha256"));
    snprintf(evidence_text, sizeof(evidence_text), "%s%s", json_string(version, "raw_sha256"),
             json_string(version, "message_sha256"));
    sha256_hex(evidence_text, strlen(evidence_text), hash);
    assert_string_equal(hash, json_string(version, "evidence_hash"));
    const cJSON *chain = cJSON_GetObjectItemCaseSensitive(version, "chain");
    char link_text[512];
    snprintf(link_text, sizeof(link_text), "%s%s%s%s", json_string(chain, "prev"), case_id,
             json_string(version, "evidence_hash"), json_string(version, "fetched_at"));
    sha256_hex(link_text, strlen(link_text), hash);
    assert_string_equal(hash, json_string(chain, "hash"));
    free(raw);
}

static char *shell(const char *pipeline, const char *path)
{
    char dir[] = "/tmp/netra-versions-XXXXXX", command[2048], out_path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(out_path, sizeof(out_path), "%s/out", dir);
    snprintf(command, sizeof(command), "cp '%s' '%s/bundle.json' && cd '%s' && (%s) >out 2>&1",
             path, dir, dir, pipeline);
    assert_int_equal(system(command), 0);
    char *out = test_read_file(out_path, NULL);
    snprintf(command, sizeof(command), "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
    char *end = strstr(out, "  -");
    if (end != NULL)
        *end = '\0';
    return out;
}

/* The bundle's own steps for its later versions ("later_versions[0].<field>: <command>") print
 * what the bundle says. */
static void assert_version_steps_hold(const cJSON *bundle, const char *text)
{
    static const char prefix[] = "later_versions[0].";
    char *path = test_write_temp_file(text, strlen(text), ".json");
    const cJSON *version = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(bundle,
                                                                               "later_versions"),
                                              0);
    const cJSON *step;
    size_t checked = 0;
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(bundle, "verify"))
    {
        const char *colon = strstr(step->valuestring, ": ");
        if (colon == NULL || strncmp(step->valuestring, prefix, strlen(prefix)) != 0)
            continue;
        char field[64];
        snprintf(field, sizeof(field), "%.*s", (int)(colon - step->valuestring - strlen(prefix)),
                 step->valuestring + strlen(prefix));
        const cJSON *holder = version;
        const char *name = field;
        if (strncmp(field, "chain.", 6) == 0) {
            holder = cJSON_GetObjectItemCaseSensitive(version, "chain");
            name = field + 6;
        }
        char *got = shell(colon + 2, path);
        assert_string_equal(got, json_string(holder, name));
        free(got);
        checked++;
    }
    assert_int_equal(checked, 4);
    remove(path);
    free(path);
}

/* The raw bytes daemon_test_post serves for text. */
static void raw_of(const char *text, char *out, size_t out_len)
{
    snprintf(out, out_len, "{\"id\": \"%s\", \"content\": \"%s\"}", "mastodon:800", text);
}

static int run_netra_verify(struct fixture *f)
{
    const char *bin = getenv("NETRA_BIN");
    char command[4096];
    if (bin == NULL)
        fail_msg("NETRA_BIN is not set: run this test through ctest");
    snprintf(command, sizeof(command),
             "NETRA_CONFIG= NETRA_REDIS_URL='%s' NETRA_REDIS_KEY_PREFIX='%s' '%s' evidence verify "
             ">/dev/null 2>&1",
             test_redis_url(), f->config->redis.key_prefix, bin);
    int status = system(command);
    assert_true(status != -1 && WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void publish_and_score(struct fixture *f, struct worker *worker,
                              const struct post_message *post, long long scored)
{
    char err[NETRA_ERR_LEN];
    daemon_test_publish(f->redis, f->config, post);
    for (int i = 0; i < 100 && worker_counters(worker)->scored < scored; i++)
        if (worker_round(worker, err, sizeof(err)) != 0)
            fail_msg("round: %s", err);
    assert_int_equal(worker_counters(worker)->scored, scored);
}

static void an_edited_flagged_post_keeps_both_versions_under_one_case(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN], cid[CASE_ID_LEN + 1], raw[512];
    struct worker *worker = NULL;
    if (worker_open(f->config, "w-versions", &worker, err, sizeof(err)) != 0 ||
        worker_connect(worker, err, sizeof(err)) != 0)
        fail_msg("worker: %s", err);
    struct post_message *first = post_at("pns-1", suspect_text, "2024-01-05T10:05:00Z");
    struct post_message *edit = post_at("pns-1", softened_text, "2024-01-05T11:05:00Z");
    publish_and_score(f, worker, first, 1);
    char *priority = case_get(f, "pns-1", "priority");
    double score = review_score(f, "pns-1");
    assert_non_null(priority);

    /* The edit is no longer suspect: it is still kept, its evidence built on the case's
     * request. */
    publish_and_score(f, worker, edit, 2);
    const struct worker_counters *counters = worker_counters(worker);
    assert_int_equal(counters->cases_created, 1);
    assert_int_equal(counters->case_versions, 1);
    assert_int_equal(daemon_test_count(f->inspect, f->config, 0, "case"), 1);
    assert_case_field(f, "pns-1", "versions", "2");
    assert_case_field(f, "pns-1", "verdict", "suspect");
    assert_case_field(f, "pns-1", "v2.verdict", "clear");
    assert_case_field(f, "pns-1", "v2.fetched_at", "2024-01-05T11:05:00Z");
    assert_case_field(f, "pns-1", "v2.chain_position", "2");
    assert_case_field(f, "pns-1", "priority", priority);
    assert_true(score > 0 && review_score(f, "pns-1") == score);
    char *message = case_get(f, "pns-1", "v2.message");
    assert_non_null(message);
    assert_non_null(strstr(message, softened_text));
    free(message);

    assert_intact(f, 2);
    assert_int_equal(run_netra_verify(f), 0);

    struct shards *shards = NULL;
    char *json = NULL;
    int found = 0;
    case_id_of("pns-1", cid);
    if (shards_open(f->config, &shards, err, sizeof(err)) != 0 ||
        evidence_export(shards, f->config, cid, &json, &found, err, sizeof(err)) != 0)
        fail_msg("export: %s", err);
    assert_true(found);
    cJSON *bundle = cJSON_Parse(json);
    assert_non_null(bundle);
    raw_of(suspect_text, raw, sizeof(raw));
    assert_bundle_version_recomputes(bundle, cid, raw);
    const cJSON *later = cJSON_GetObjectItemCaseSensitive(bundle, "later_versions");
    assert_int_equal(cJSON_GetArraySize(later), 1);
    const cJSON *second = cJSON_GetArrayItem(later, 0);
    raw_of(softened_text, raw, sizeof(raw));
    assert_bundle_version_recomputes(second, cid, raw);
    assert_string_equal(json_string(cJSON_GetObjectItemCaseSensitive(second, "score"), "verdict"),
                        "clear");
    assert_version_steps_hold(bundle, json);
    /* The second link follows the first: the chain between them is in the bundle. */
    const cJSON *chain = cJSON_GetObjectItemCaseSensitive(bundle, "chain");
    assert_string_equal(json_string(cJSON_GetObjectItemCaseSensitive(second, "chain"), "prev"),
                        json_string(chain, "hash"));

    cJSON_Delete(bundle);
    free(json);
    shards_close(shards);
    free(priority);
    post_message_free(edit);
    post_message_free(first);
    worker_close(worker);
}

static void a_redelivered_version_writes_nothing(void **state)
{
    struct fixture *f = *state;
    struct post_message *first = post_at("pns-2", suspect_text, "2024-01-05T10:05:00Z");
    struct post_message *edit = post_at("pns-2", softened_text, "2024-01-05T11:05:00Z");
    assert_int_equal(record(f, first, "1-0", -1).kase, CASE_CREATED);
    struct record_outcome second = record(f, edit, "2-0", -1);
    assert_int_equal(second.kase, CASE_VERSION);
    assert_int_equal(second.version, 2);
    assert_int_equal(chain_length(f), 2);

    assert_true(record(f, edit, "2-0", -1).duplicate);
    struct post_message *third = post_at("pns-2", "Pilih 02!", "2024-01-05T12:05:00Z");
    assert_int_equal(record(f, third, "3-0", -1).kase, CASE_VERSION);
    assert_int_equal(chain_length(f), 3);
    /* Entries delivered again after a later one was recorded: the result names the third
     * entry, but the case knows the first and second. */
    assert_true(record(f, first, "1-0", -1).duplicate);
    assert_true(record(f, edit, "2-0", -1).duplicate);
    /* The same content published again (another entry) is no new version. */
    struct record_outcome again = record(f, edit, "4-0", -1);
    assert_false(again.duplicate);
    assert_int_equal(again.kase, CASE_EXISTING);

    assert_int_equal(chain_length(f), 3);
    assert_case_field(f, "pns-2", "versions", "3");
    assert_intact(f, 3);
    post_message_free(third);
    post_message_free(edit);
    post_message_free(first);
}

static void a_version_raises_a_pending_case_and_never_lowers_it(void **state)
{
    struct fixture *f = *state;
    const char *texts[] = {suspect_text, "Coblos nomor 2! Prabowo-Gibran satu putaran!",
                           softened_text, "Pilih 02, dukung Prabowo-Gibran menang!"};
    const int priorities[] = {400, 900, 200, 1000};
    struct post_message *posts[4];
    for (int i = 0; i < 4; i++) {
        char fetched[32];
        snprintf(fetched, sizeof(fetched), "2024-01-05T1%d:05:00Z", i);
        posts[i] = post_at("pns-3", texts[i], fetched);
    }
    record(f, posts[0], "1-0", priorities[0]);
    double first = review_score(f, "pns-3");
    assert_case_field(f, "pns-3", "priority", "400");

    assert_int_equal(record(f, posts[1], "2-0", priorities[1]).kase, CASE_VERSION);
    assert_case_field(f, "pns-3", "priority", "900");
    /* Same creation time, higher priority: exactly 500 thousandths further up. */
    assert_true(review_score(f, "pns-3") == first + 500 * 1e10);

    assert_int_equal(record(f, posts[2], "3-0", priorities[2]).kase, CASE_VERSION);
    assert_case_field(f, "pns-3", "priority", "900");
    assert_true(review_score(f, "pns-3") == first + 500 * 1e10);

    /* A reviewer dismissed the case: a later version is kept but does not bring it back. */
    char key[KEYS_MAX_LEN], review[KEYS_MAX_LEN], cid[CASE_ID_LEN + 1];
    case_id_of("pns-3", cid);
    daemon_test_key(key, sizeof(key), f->config, 0, "case", cid);
    daemon_test_key(review, sizeof(review), f->config, 0, "review", NULL);
    freeReplyObject(redisCommand(f->inspect, "HSET %s status dismissed", key));
    freeReplyObject(redisCommand(f->inspect, "ZREM %s %s", review, cid));
    assert_int_equal(record(f, posts[3], "4-0", priorities[3]).kase, CASE_VERSION);
    assert_case_field(f, "pns-3", "priority", "900");
    assert_case_field(f, "pns-3", "status", "dismissed");
    assert_true(review_score(f, "pns-3") < 0);
    assert_intact(f, 4);
    for (int i = 0; i < 4; i++)
        post_message_free(posts[i]);
}

static void a_post_edited_past_the_cap_keeps_the_first_versions(void **state)
{
    struct fixture *f = *state;
    const int edits = CASES_MAX_VERSIONS + 3;
    char text[128], entry[32], fetched[32], last_entry[32] = "";
    for (int i = 0; i < edits; i++) {
        snprintf(text, sizeof(text), "%s (suntingan %d)", suspect_text, i);
        snprintf(entry, sizeof(entry), "%d-0", i + 1);
        snprintf(fetched, sizeof(fetched), "2024-01-%02dT10:05:00Z", i + 1);
        struct post_message *post = post_at("pns-4", text, fetched);
        struct record_outcome outcome = record(f, post, entry, -1);
        enum case_outcome expected = i == 0                      ? CASE_CREATED
                                     : i < CASES_MAX_VERSIONS ? CASE_VERSION
                                                              : CASE_VERSION_DROPPED;
        assert_int_equal(outcome.kase, expected);
        snprintf(last_entry, sizeof(last_entry), "%s", entry);
        post_message_free(post);
    }
    char count[16];
    snprintf(count, sizeof(count), "%d", CASES_MAX_VERSIONS);
    assert_case_field(f, "pns-4", "versions", count);
    assert_case_field(f, "pns-4", "versions_dropped", "3");
    assert_int_equal(chain_length(f), CASES_MAX_VERSIONS);
    assert_intact(f, CASES_MAX_VERSIONS);
    /* A version not kept still leaves its result. */
    char key[KEYS_MAX_LEN];
    daemon_test_key(key, sizeof(key), f->config, 0, "result", "mastodon:800");
    char *result_entry = daemon_test_hget(f->inspect, key, "entry");
    assert_non_null(result_entry);
    assert_string_equal(result_entry, last_entry);
    free(result_entry);
}

static void two_versions(struct fixture *f, const char *account)
{
    struct post_message *first = post_at(account, suspect_text, "2024-01-05T10:05:00Z");
    struct post_message *edit = post_at(account, softened_text, "2024-01-05T11:05:00Z");
    assert_int_equal(record(f, first, "1-0", -1).kase, CASE_CREATED);
    assert_int_equal(record(f, edit, "2-0", -1).kase, CASE_VERSION);
    post_message_free(edit);
    post_message_free(first);
}

static void assert_broken(struct fixture *f, long long position, const char *why)
{
    struct evidence_report report = verify(f);
    if (!report.broken)
        fail_msg("the chain verified; expected link %lld broken (%s)", position, why);
    if (report.position != position || strstr(report.why, why) == NULL)
        fail_msg("link %lld broken: %s; expected link %lld: %s", report.position, report.why,
                 position, why);
}

static void an_altered_later_version_is_found_at_its_link(void **state)
{
    struct fixture *f = *state;
    char key[KEYS_MAX_LEN], cid[CASE_ID_LEN + 1];
    two_versions(f, "pns-5");
    assert_intact(f, 2);
    case_id_of("pns-5", cid);
    daemon_test_key(key, sizeof(key), f->config, 0, "case", cid);
    char *message = case_get(f, "pns-5", "v2.message");
    assert_non_null(message);
    message[strlen(message) / 2] ^= 1;
    freeReplyObject(redisCommand(f->inspect, "HSET %s v2.message %s", key, message));
    assert_broken(f, 2, "the message does not match");
    freeReplyObject(redisCommand(f->inspect, "HDEL %s v2.message", key));
    assert_broken(f, 2, "no message (version 2)");
    freeReplyObject(redisCommand(f->inspect, "HSET %s versions 1", key));
    assert_broken(f, 2, "names version 2");
    free(message);
}

static void a_purged_case_still_verifies_every_version(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    struct shards *shards = NULL;
    struct retention_account_counts counts;
    struct retention_account_request request = {"pns-6", "ops", 0, 0};
    two_versions(f, "pns-6");
    if (shards_open(f->config, &shards, err, sizeof(err)) != 0 ||
        retention_purge_account(shards, f->config, &request, &counts, err, sizeof(err)) != 0)
        fail_msg("purge: %s", err);
    assert_int_equal(counts.cases, 1);
    assert_case_field(f, "pns-6", "status", "purged");
    char *message = case_get(f, "pns-6", "v2.message");
    assert_null(message);
    struct evidence_report report = verify(f);
    if (report.broken)
        fail_msg("link %lld broken: %s", report.position, report.why);
    assert_int_equal(report.links, 2);
    assert_int_equal(report.purged, 2);
    shards_close(shards);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(an_edited_flagged_post_keeps_both_versions_under_one_case,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_redelivered_version_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(a_version_raises_a_pending_case_and_never_lowers_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_post_edited_past_the_cap_keeps_the_first_versions,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(an_altered_later_version_is_found_at_its_link, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_purged_case_still_verifies_every_version, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
