/* The evidence chain: an intact chain verifies (in process and through `netra evidence verify`);
 * an altered raw byte, a coherently rewritten case, an altered, deleted or moved stream entry, a
 * deleted tail or head and a missing case are each found at their link; an exported bundle
 * verifies by recomputation here and by the documented sha256sum/base64/jq steps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "queue/cases.h"
#include "queue/evidence.h"
#include "queue/keys.h"
#include "worker/evidence.h"
#include "worker/worker.h"
#include "tests/support/test_support.h"
#include "tests/worker/daemon_test.h"

#define LINKS 6

struct fixture {
    struct netra_config *config;
    struct redis_sync *redis;
    redisContext *inspect;
    char case_ids[LINKS][CASE_ID_LEN + 1]; /* in chain order */
    char evidence[KEYS_MAX_LEN];
};

/* Raw platform bytes that are not text: the bundle must carry them exactly. */
static const unsigned char binary_raw[] = {0x7b, 0x00, 0xff, 0xfe, 0x0a, 0x22, 0x80, 0x7d};

static const char *const texts[LINKS] = {
    "Ayo coblos nomor 2, dukung Prabowo-Gibran sampai menang!",
    "Coblos 01 AMIN! Perubahan untuk Indonesia, pilih Anies-Muhaimin",
    "Dukung Ganjar-Mahfud, coblos nomor 3 tanggal 14 Februari!",
    "Prabowo-Gibran satu putaran, coblos 02!",
    "Yuk menangkan Anies-Muhaimin, pilih nomor 1!",
    "Ayo dukung Ganjar Mahfud, sikat sat set coblos nomor tiga",
};

static void ids_in_chain_order(struct fixture *f)
{
    redisReply *reply = redisCommand(f->inspect, "XRANGE %s - +", f->evidence);
    assert_non_null(reply);
    assert_int_equal(reply->elements, LINKS);
    for (size_t i = 0; i < LINKS; i++) {
        const redisReply *fields = reply->element[i]->element[1];
        for (size_t k = 0; k + 1 < fields->elements; k += 2)
            if (strcmp(fields->element[k]->str, "case") == 0)
                snprintf(f->case_ids[i], sizeof(f->case_ids[i]), "%s",
                         fields->element[k + 1]->str);
    }
    freeReplyObject(reply);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[NETRA_ERR_LEN];
    assert_non_null(f);
    f->config = daemon_test_config("evidence");
    if (redis_sync_open(f->config, test_redis_url(), &f->redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    f->inspect = test_redis_connect(test_redis_url());
    daemon_test_key(f->evidence, sizeof(f->evidence), f->config, 0, "evidence", NULL);
    for (int i = 0; i < LINKS; i++) {
        char id[32], account[32];
        snprintf(id, sizeof(id), "mastodon:70%d", i);
        snprintf(account, sizeof(account), "pns-%d", i);
        struct post_message *post = daemon_test_post(id, account, texts[i]);
        if (i == 1)
            assert_int_equal(post_message_set_raw(post, binary_raw, sizeof(binary_raw)), 0);
        daemon_test_publish(f->redis, f->config, post);
        post_message_free(post);
    }
    struct worker *worker = NULL;
    if (worker_open(f->config, "w-evidence", &worker, err, sizeof(err)) != 0 ||
        worker_connect(worker, err, sizeof(err)) != 0)
        fail_msg("worker: %s", err);
    for (int i = 0; i < 100 && worker_counters(worker)->scored < LINKS; i++)
        if (worker_round(worker, err, sizeof(err)) != 0)
            fail_msg("round: %s", err);
    assert_int_equal(worker_counters(worker)->cases_created, LINKS);
    worker_close(worker);
    ids_in_chain_order(f);
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

static struct evidence_report verify(struct fixture *f)
{
    struct evidence_report report;
    char err[NETRA_ERR_LEN];
    if (evidence_verify(f->redis, f->config, 0, &report, err, sizeof(err)) != 0)
        fail_msg("verify: %s", err);
    return report;
}

static void assert_broken(struct fixture *f, long long position, const char *why)
{
    struct evidence_report report = verify(f);
    if (!report.broken)
        fail_msg("the chain verified; expected link %lld broken (%s)", position, why);
    if (report.position != position || strstr(report.why, why) == NULL)
        fail_msg("link %lld broken: %s; expected link %lld: %s", report.position, report.why,
                 position, why);
    assert_int_equal(report.links, position - 1);
}

struct run {
    int status;
    char *out;
    char *err;
};

/* Runs the netra binary under this test's Redis and key prefix: `netra evidence args...`. */
static struct run run_netra(struct fixture *f, const char *args)
{
    const char *bin = getenv("NETRA_BIN");
    char command[4096];
    char *out_path = test_write_temp_file("", 0, ".out");
    char *err_path = test_write_temp_file("", 0, ".err");
    if (bin == NULL)
        fail_msg("NETRA_BIN is not set: run this test through ctest");
    snprintf(command, sizeof(command),
             "NETRA_CONFIG= NETRA_REDIS_URL='%s' NETRA_REDIS_KEY_PREFIX='%s' '%s' evidence %s "
             ">'%s' 2>'%s'",
             test_redis_url(), f->config->redis.key_prefix, bin, args, out_path, err_path);
    int status = system(command);
    assert_true(status != -1 && WIFEXITED(status));
    struct run run = {WEXITSTATUS(status), test_read_file(out_path, NULL),
                      test_read_file(err_path, NULL)};
    remove(out_path);
    remove(err_path);
    free(out_path);
    free(err_path);
    return run;
}

static void run_free(struct run *run)
{
    free(run->out);
    free(run->err);
}

static void an_intact_chain_verifies(void **state)
{
    struct fixture *f = *state;
    struct evidence_report report = verify(f);
    assert_false(report.broken);
    assert_int_equal(report.links, LINKS);
    assert_int_equal(report.head.position, LINKS);

    struct run run = run_netra(f, "verify");
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "6 links verified"));
    assert_non_null(strstr(run.out, report.head.chain));
    run_free(&run);

    run = run_netra(f, "verify --shard 1");
    assert_int_equal(run.status, 2);
    assert_non_null(strstr(run.err, "there are 1 shards"));
    run_free(&run);
    run = run_netra(f, "export");
    assert_int_equal(run.status, 2);
    run_free(&run);
    run = run_netra(f, "export not-a-case-id");
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.err, "is not a case id"));
    run_free(&run);
}

static void case_key(struct fixture *f, int link, char *out, size_t out_len)
{
    daemon_test_key(out, out_len, f->config, 0, "case", f->case_ids[link - 1]);
}

/* The raw bytes of the case at link, inflated. */
static unsigned char *case_raw(struct fixture *f, int link, size_t *len)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    unsigned char *raw = NULL;
    case_key(f, link, key, sizeof(key));
    redisReply *reply = redisCommand(f->inspect, "HGET %s raw", key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    assert_int_equal(post_raw_inflate(reply->str, reply->len, 1 << 20, &raw, len, err,
                                      sizeof(err)), 0);
    freeReplyObject(reply);
    return raw;
}

static void case_set_raw(struct fixture *f, int link, const unsigned char *raw, size_t len)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    unsigned char *deflated = NULL;
    size_t deflated_len = 0;
    case_key(f, link, key, sizeof(key));
    assert_int_equal(post_raw_deflate(raw, len, &deflated, &deflated_len, err, sizeof(err)), 0);
    freeReplyObject(redisCommand(f->inspect, "HSET %s raw %b", key, deflated, deflated_len));
    free(deflated);
}

static void case_set(struct fixture *f, int link, const char *field, const char *value)
{
    char key[KEYS_MAX_LEN];
    case_key(f, link, key, sizeof(key));
    freeReplyObject(redisCommand(f->inspect, "HSET %s %s %s", key, field, value));
}

static void an_altered_raw_byte_is_found_at_its_link(void **state)
{
    struct fixture *f = *state;
    size_t len;
    unsigned char *raw = case_raw(f, 3, &len);
    raw[len / 2] ^= 0x01;
    case_set_raw(f, 3, raw, len);
    assert_broken(f, 3, "the raw bytes do not match the case's raw_sha256");

    struct run run = run_netra(f, "verify");
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.out, "shard 0: link 3 is broken"));
    assert_non_null(strstr(run.out, f->case_ids[2]));
    run_free(&run);
    free(raw);
}

static void a_case_rewritten_with_matching_hashes_is_found_by_its_link(void **state)
{
    struct fixture *f = *state;
    size_t len;
    unsigned char *raw = case_raw(f, 2, &len);
    raw[0] ^= 0x20;
    case_set_raw(f, 2, raw, len);
    /* The forger recomputes every hash the case holds, and the message's own sha256. */
    char raw_sha256[65], message_sha256[65], evidence[65], key[KEYS_MAX_LEN];
    post_sha256_hex(raw, len, raw_sha256);
    case_key(f, 2, key, sizeof(key));
    char *message = daemon_test_hget(f->inspect, key, "message");
    cJSON *json = cJSON_Parse(message);
    cJSON_ReplaceItemInObject(json, "sha256", cJSON_CreateString(raw_sha256));
    char *forged = cJSON_PrintUnformatted(json);
    post_sha256_hex(forged, strlen(forged), message_sha256);
    evidence_hash(raw_sha256, message_sha256, evidence);
    case_set(f, 2, "message", forged);
    case_set(f, 2, "raw_sha256", raw_sha256);
    case_set(f, 2, "message_sha256", message_sha256);
    case_set(f, 2, "evidence", evidence);
    assert_broken(f, 2, "the entry's evidence hash is not the case's evidence");
    cJSON_free(forged);
    cJSON_Delete(json);
    free(message);
    free(raw);
}

/* Rewrites the evidence stream with the same entry ids; mutate may change entry i's fields. */
static void rewrite_stream(struct fixture *f, void (*mutate)(size_t i, redisReply **fields))
{
    redisReply *all = redisCommand(f->inspect, "XRANGE %s - +", f->evidence);
    assert_non_null(all);
    redisReply *fields[LINKS];
    for (size_t i = 0; i < LINKS; i++)
        fields[i] = all->element[i]->element[1];
    for (size_t i = 0; i < LINKS; i++)
        mutate(i, fields);
    freeReplyObject(redisCommand(f->inspect, "DEL %s", f->evidence));
    for (size_t i = 0; i < LINKS; i++) {
        const char *argv[3 + 16];
        size_t lens[3 + 16];
        int argc = 0;
        argv[argc] = "XADD", lens[argc++] = 4;
        argv[argc] = f->evidence, lens[argc++] = strlen(f->evidence);
        argv[argc] = all->element[i]->element[0]->str;
        lens[argc++] = all->element[i]->element[0]->len;
        for (size_t k = 0; k < fields[i]->elements && argc < 19; k++) {
            argv[argc] = fields[i]->element[k]->str;
            lens[argc++] = fields[i]->element[k]->len;
        }
        redisReply *added = redisCommandArgv(f->inspect, argc, argv, lens);
        assert_non_null(added);
        assert_int_equal(added->type, REDIS_REPLY_STRING);
        freeReplyObject(added);
    }
    freeReplyObject(all);
}

static void alter_fetched_at_of_link_4(size_t i, redisReply **fields)
{
    if (i != 3)
        return;
    for (size_t k = 0; k + 1 < fields[i]->elements; k += 2)
        if (strcmp(fields[i]->element[k]->str, "fetched_at") == 0)
            fields[i]->element[k + 1]->str[3] = '9'; /* 2024 -> 2029 */
}

static void swap_links_2_and_3(size_t i, redisReply **fields)
{
    if (i != 1)
        return;
    redisReply *second = fields[1];
    fields[1] = fields[2];
    fields[2] = second;
}

static void an_altered_stream_entry_is_found_at_its_link(void **state)
{
    struct fixture *f = *state;
    rewrite_stream(f, alter_fetched_at_of_link_4);
    assert_broken(f, 4, "the entry's fetched_at is not the message's");
}

static void entries_in_another_order_are_found(void **state)
{
    struct fixture *f = *state;
    rewrite_stream(f, swap_links_2_and_3);
    assert_broken(f, 2, "the entry says position 3");
}

static void a_deleted_entry_is_found_where_it_was(void **state)
{
    struct fixture *f = *state;
    redisReply *ids = redisCommand(f->inspect, "XRANGE %s - +", f->evidence);
    assert_non_null(ids);
    freeReplyObject(redisCommand(f->inspect, "XDEL %s %s", f->evidence,
                                 ids->element[3]->element[0]->str));
    freeReplyObject(ids);
    assert_broken(f, 4, "the entry says position 5");
}

static void a_deleted_tail_is_found_by_the_head(void **state)
{
    struct fixture *f = *state;
    redisReply *ids = redisCommand(f->inspect, "XRANGE %s - +", f->evidence);
    assert_non_null(ids);
    freeReplyObject(redisCommand(f->inspect, "XDEL %s %s", f->evidence,
                                 ids->element[LINKS - 1]->element[0]->str));
    freeReplyObject(ids);
    assert_broken(f, LINKS, "the head says 6 links but the chain ends after 5");
}

static void a_deleted_head_is_found(void **state)
{
    struct fixture *f = *state;
    char head[KEYS_MAX_LEN];
    daemon_test_key(head, sizeof(head), f->config, 0, "evidence:head", NULL);
    freeReplyObject(redisCommand(f->inspect, "DEL %s", head));
    assert_broken(f, 1, "the chain has links but its head is missing");
}

static void a_missing_case_is_found(void **state)
{
    struct fixture *f = *state;
    char key[KEYS_MAX_LEN];
    case_key(f, 5, key, sizeof(key));
    freeReplyObject(redisCommand(f->inspect, "DEL %s", key));
    assert_broken(f, 5, "is missing");
}

/* ---- the bundle, recomputed with libcrypto here and with the documented shell steps ---- */

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[32];
    unsigned int digest_len = 0;
    assert_int_equal(EVP_Digest(data, len, digest, &digest_len, EVP_sha256(), NULL), 1);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static const char *string_at(const cJSON *root, const char *path)
{
    char copy[128];
    snprintf(copy, sizeof(copy), "%s", path);
    const cJSON *item = root;
    for (char *part = strtok(copy, "."); part != NULL && item != NULL; part = strtok(NULL, "."))
        item = cJSON_GetObjectItemCaseSensitive(item, part);
    if (!cJSON_IsString(item))
        fail_msg("bundle: %s is not a string", path);
    return item->valuestring;
}

static void sha256_of_texts(const char *a, const char *b, const char *c, const char *d,
                            char out[65])
{
    char joined[4096];
    snprintf(joined, sizeof(joined), "%s%s%s%s", a, b, c, d);
    sha256_hex(joined, strlen(joined), out);
}

static void assert_bundle_recomputes(const char *text, const unsigned char *raw_expected,
                                     size_t raw_expected_len, const char *case_id)
{
    char hash[65];
    cJSON *bundle = cJSON_Parse(text);
    assert_non_null(bundle);
    assert_string_equal(string_at(bundle, "case"), case_id);

    const char *raw64 = string_at(bundle, "raw_base64");
    size_t raw64_len = strlen(raw64);
    unsigned char *raw = malloc(raw64_len / 4 * 3 + 1);
    assert_non_null(raw);
    int raw_len = EVP_DecodeBlock(raw, (const unsigned char *)raw64, (int)raw64_len);
    assert_true(raw_len >= 0);
    raw_len -= (raw64_len > 0 && raw64[raw64_len - 1] == '=') +
               (raw64_len > 1 && raw64[raw64_len - 2] == '=');
    assert_int_equal(raw_len, raw_expected_len);
    assert_memory_equal(raw, raw_expected, raw_expected_len);
    sha256_hex(raw, (size_t)raw_len, hash);
    assert_string_equal(hash, string_at(bundle, "raw_sha256"));
    free(raw);

    const char *message = string_at(bundle, "message_json");
    sha256_hex(message, strlen(message), hash);
    assert_string_equal(hash, string_at(bundle, "message_sha256"));
    sha256_of_texts(string_at(bundle, "raw_sha256"), string_at(bundle, "message_sha256"), "", "",
                    hash);
    assert_string_equal(hash, string_at(bundle, "evidence_hash"));
    sha256_of_texts(string_at(bundle, "chain.prev"), case_id, string_at(bundle, "evidence_hash"),
                    string_at(bundle, "fetched_at"), hash);
    assert_string_equal(hash, string_at(bundle, "chain.hash"));
    sha256_of_texts(string_at(bundle, "chain.hash"), string_at(bundle, "chain.next.case"),
                    string_at(bundle, "chain.next.evidence_hash"),
                    string_at(bundle, "chain.next.fetched_at"), hash);
    assert_string_equal(hash, string_at(bundle, "chain.next.hash"));

    cJSON *parsed = cJSON_Parse(message);
    assert_non_null(parsed);
    char identity[512];
    snprintf(identity, sizeof(identity), "%s\n%s", string_at(parsed, "account"),
             string_at(parsed, "id"));
    sha256_hex(identity, strlen(identity), hash);
    assert_memory_equal(hash, case_id, CASE_ID_LEN);
    assert_string_equal(string_at(parsed, "fetched_at"), string_at(bundle, "fetched_at"));
    cJSON_Delete(parsed);
    cJSON_Delete(bundle);
}

/* The output of a documented step (which reads bundle.json) run in a folder holding only the
 * bundle under that name, without sha256sum's trailing "  -". */
static char *shell(const char *pipeline, const char *path)
{
    char dir[] = "/tmp/netra-bundle-XXXXXX", command[2048], out_path[64];
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

static void assert_documented_steps_hold(const char *path, const char *text)
{
    cJSON *bundle = cJSON_Parse(text);
    assert_non_null(bundle);
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(bundle, "verify");
    assert_true(cJSON_IsArray(steps));
    const struct {
        const char *field;
        size_t compare; /* leading characters compared, 0 for all */
    } expected[] = {
        {"raw_sha256", 0}, {"message_sha256", 0}, {"evidence_hash", 0},
        {"chain.hash", 0}, {"chain.next.hash", 0}, {"case", CASE_ID_LEN},
    };
    size_t checked = 0;
    const cJSON *step;
    cJSON_ArrayForEach(step, steps)
    {
        const char *colon = strstr(step->valuestring, ": ");
        for (size_t i = 0; colon != NULL && i < sizeof(expected) / sizeof(expected[0]); i++) {
            size_t name_len = strlen(expected[i].field);
            if (strncmp(step->valuestring, expected[i].field, name_len) != 0 ||
                (step->valuestring[name_len] != ':' && step->valuestring[name_len] != ' '))
                continue;
            char *got = shell(colon + 2, path);
            const char *want = string_at(bundle, expected[i].field);
            if (expected[i].compare ? strncmp(got, want, expected[i].compare) != 0
                                    : strcmp(got, want) != 0)
                fail_msg("step \"%s\" printed \"%s\", the bundle says %s", step->valuestring, got,
                         want);
            free(got);
            checked++;
        }
    }
    assert_int_equal(checked, sizeof(expected) / sizeof(expected[0]));
    cJSON_Delete(bundle);
}

static void an_exported_bundle_verifies_on_its_own(void **state)
{
    struct fixture *f = *state;
    char *path = test_write_temp_file("", 0, ".json"), args[512];
    snprintf(args, sizeof(args), "export %s -o '%s'", f->case_ids[1], path);
    struct run run = run_netra(f, args);
    if (run.status != 0)
        fail_msg("export: %s", run.err);
    run_free(&run);
    char *text = test_read_file(path, NULL);
    assert_bundle_recomputes(text, binary_raw, sizeof(binary_raw), f->case_ids[1]);
    assert_documented_steps_hold(path, text);
    free(text);

    /* The last link has no next one yet; its bundle still verifies up to itself. */
    struct shards *shards = NULL;
    char err[NETRA_ERR_LEN], *json = NULL;
    int found = 0;
    assert_int_equal(shards_open(f->config, &shards, err, sizeof(err)), 0);
    assert_int_equal(evidence_export(shards, f->config, f->case_ids[LINKS - 1], &json, &found,
                                     err, sizeof(err)), 0);
    assert_true(found);
    cJSON *bundle = cJSON_Parse(json);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(bundle, "chain"), "next")));
    assert_string_equal(string_at(bundle, "chain.hash"), string_at(bundle, "chain.head.hash"));
    cJSON_Delete(bundle);
    free(json);

    assert_int_equal(evidence_export(shards, f->config, "0123456789abcdef0123456789abcdef", &json,
                                     &found, err, sizeof(err)), 0);
    assert_false(found);
    shards_close(shards);
    run = run_netra(f, "export 0123456789abcdef0123456789abcdef");
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.err, "no case 0123456789abcdef0123456789abcdef"));
    run_free(&run);

    /* A case whose evidence was altered is not exported. */
    case_set(f, 2, "raw_sha256", EVIDENCE_GENESIS);
    snprintf(args, sizeof(args), "export %s", f->case_ids[1]);
    run = run_netra(f, args);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.err, "its evidence does not verify"));
    run_free(&run);
    remove(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(an_intact_chain_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(an_altered_raw_byte_is_found_at_its_link, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_case_rewritten_with_matching_hashes_is_found_by_its_link,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(an_altered_stream_entry_is_found_at_its_link, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(entries_in_another_order_are_found, setup, teardown),
        cmocka_unit_test_setup_teardown(a_deleted_entry_is_found_where_it_was, setup, teardown),
        cmocka_unit_test_setup_teardown(a_deleted_tail_is_found_by_the_head, setup, teardown),
        cmocka_unit_test_setup_teardown(a_deleted_head_is_found, setup, teardown),
        cmocka_unit_test_setup_teardown(a_missing_case_is_found, setup, teardown),
        cmocka_unit_test_setup_teardown(an_exported_bundle_verifies_on_its_own, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
