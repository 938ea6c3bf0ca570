/* The review API against the real netra-desk and Redis: the queue lists labelled suspect posts
 * sorted, filtered and paged (each case once); the case detail's offsets point at the matched
 * terms in bytes and in UTF-16 units; every decision is audited; four-eyes needs a second,
 * different reviewer and gives exactly one alert; roles are enforced; a rescan request lands in
 * the rescan stream and the audit log; stats and the account page count what was seeded; a follow
 * or a like case carries its kind and target, its marks placed in the target's fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "queue/keys.h"
#include "tests/desk/desk_test.h"
#include "tests/support/test_support.h"

#define LABELLED_POSTS 12

struct seeded {
    char ids[LABELLED_POSTS][CASE_ID_LEN + 1];
    char regions[LABELLED_POSTS][64];
    char accounts[LABELLED_POSTS][64];
    size_t count;
};

/* The first LABELLED_POSTS partisan posts of the labelled dev set, each a case of its account. */
static void seed_labelled(struct desk_test *desk, struct seeded *out)
{
    char *path = test_shared_path("data/labelled/dev.jsonl");
    char *data = test_read_file(path, NULL);
    memset(out, 0, sizeof(*out));
    for (char *line = strtok(data, "\n"); line && out->count < LABELLED_POSTS;
         line = strtok(NULL, "\n")) {
        cJSON *post = cJSON_Parse(line);
        assert_non_null(post);
        const cJSON *label = cJSON_GetObjectItem(post, "label");
        if (cJSON_IsTrue(cJSON_GetObjectItem(label, "partisan"))) {
            const char *account = cJSON_GetObjectItem(post, "account")->valuestring;
            const char *region = cJSON_GetObjectItem(post, "region")->valuestring;
            char post_id[128];
            snprintf(post_id, sizeof(post_id), "%s:%s",
                     cJSON_GetObjectItem(post, "platform")->valuestring,
                     cJSON_GetObjectItem(post, "id")->valuestring);
            desk_test_seed_account(desk, account,
                                   cJSON_GetObjectItem(post, "platform")->valuestring,
                                   "Nama ASN", out->count % 2 ? "Dinas A" : "Dinas B", region);
            struct desk_test_post seed = {
                .account = account, .post_id = post_id,
                .text = cJSON_GetObjectItem(post, "text")->valuestring, .region = region,
            };
            desk_test_seed_case(desk, &seed, out->ids[out->count]);
            snprintf(out->regions[out->count], sizeof(out->regions[0]), "%s", region);
            snprintf(out->accounts[out->count], sizeof(out->accounts[0]), "%s", account);
            out->count++;
        }
        cJSON_Delete(post);
    }
    assert_int_equal(out->count, LABELLED_POSTS);
    free(data);
    free(path);
}

/* GET path as auth, expecting status; returns the parsed body (the caller deletes it). */
static cJSON *get_json(struct desk_test *desk, const char *path,
                       const struct desk_test_auth *auth, long status)
{
    struct desk_test_response r;
    desk_test_request(desk, "GET", path, auth, NULL, &r);
    if (r.status != status)
        fail_msg("GET %s: %ld, expected %ld: %s", path, r.status, status, r.body);
    cJSON *json = cJSON_Parse(r.body);
    assert_non_null(json);
    desk_test_response_free(&r);
    return json;
}

static cJSON *decide(struct desk_test *desk, const char *case_id,
                     const struct desk_test_auth *auth, const char *body, long status)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/cases/%s/decision", case_id);
    struct desk_test_response r;
    desk_test_request(desk, "POST", path, auth, body, &r);
    if (r.status != status)
        fail_msg("POST %s %s: %ld, expected %ld: %s", path, body, r.status, status, r.body);
    cJSON *json = cJSON_Parse(r.body);
    assert_non_null(json);
    desk_test_response_free(&r);
    return json;
}

static const char *string_of(const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItem(object, name);
    assert_true(cJSON_IsString(item));
    return item->valuestring;
}

static double number_of(const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItem(object, name);
    assert_true(cJSON_IsNumber(item));
    return item->valuedouble;
}

static long long stream_length(struct desk_test *desk, const char *name, int shard)
{
    char key[KEYS_MAX_LEN], err[256];
    int rc = strcmp(name, "alerts") == 0
                 ? keys_alerts(key, sizeof(key), desk->config->redis.key_prefix, shard, err,
                               sizeof(err))
             : strcmp(name, "audit") == 0
                 ? keys_audit(key, sizeof(key), desk->config->redis.key_prefix, shard, err,
                              sizeof(err))
                 : keys_rescan(key, sizeof(key), desk->config->redis.key_prefix, shard, err,
                               sizeof(err));
    assert_int_equal(rc, 0);
    redisReply *reply = redisCommand(desk->redis, "XLEN %s", key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    long long length = reply->integer;
    freeReplyObject(reply);
    return length;
}

/* The audit entries (GET /api/audit as the supervisor) with action and subject. */
static int audited(struct desk_test *desk, const char *action, const char *subject,
                   const char *who)
{
    cJSON *audit = get_json(desk, "/api/audit?limit=1000", &desk_test_supervisor, 200);
    int found = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItem(audit, "entries"))
    {
        if (strcmp(string_of(entry, "action"), action) == 0 &&
            strcmp(string_of(entry, "subject"), subject) == 0 &&
            strcmp(string_of(entry, "who"), who) == 0) {
            assert_string_equal(string_of(entry, "from"), "127.0.0.1");
            assert_true(number_of(entry, "at") > 0);
            found++;
        }
    }
    cJSON_Delete(audit);
    return found;
}

static void test_queue_sorts_filters_and_pages_each_case_once(void **state)
{
    (void)state;
    struct desk_test desk;
    struct seeded seeded;
    desk_test_start(&desk, "api_queue", NULL);
    seed_labelled(&desk, &seeded);

    /* Pages of 5 by score: every case once, highest partisan first. */
    int seen[LABELLED_POSTS] = {0};
    size_t total = 0;
    double last_score = 2;
    char path[256] = "/api/cases?limit=5";
    for (int page = 0; page < 10; page++) {
        cJSON *json = get_json(&desk, path, &desk_test_reviewer, 200);
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItem(json, "cases"))
        {
            double score = number_of(item, "partisan");
            assert_true(score <= last_score);
            last_score = score;
            assert_string_equal(string_of(item, "status"), "pending");
            for (size_t i = 0; i < seeded.count; i++)
                if (strcmp(seeded.ids[i], string_of(item, "id")) == 0)
                    seen[i]++;
            total++;
        }
        const cJSON *next = cJSON_GetObjectItem(json, "next_cursor");
        int more = cJSON_IsString(next);
        if (more)
            snprintf(path, sizeof(path), "/api/cases?limit=5&cursor=%s", next->valuestring);
        cJSON_Delete(json);
        if (!more)
            break;
    }
    assert_int_equal(total, LABELLED_POSTS);
    for (size_t i = 0; i < seeded.count; i++)
        assert_int_equal(seen[i], 1);

    /* Filtered by region: exactly the seeded cases of that region. */
    size_t expected = 0;
    for (size_t i = 0; i < seeded.count; i++)
        expected += strcmp(seeded.regions[i], seeded.regions[0]) == 0;
    snprintf(path, sizeof(path), "/api/cases?region=%s", seeded.regions[0]);
    cJSON *json = get_json(&desk, path, &desk_test_reviewer, 200);
    const cJSON *item;
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "cases")), expected);
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(json, "cases"))
        assert_string_equal(string_of(item, "region"), seeded.regions[0]);
    cJSON_Delete(json);

    /* By agency (from the watchlist), by age oldest first. */
    json = get_json(&desk, "/api/cases?agency=Dinas%20A&sort=age", &desk_test_reviewer, 200);
    double last_created = 0;
    size_t agency_count = 0;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(json, "cases"))
    {
        assert_string_equal(string_of(cJSON_GetObjectItem(item, "account"), "agency"),
                            "Dinas A");
        assert_true(number_of(item, "created") >= last_created);
        last_created = number_of(item, "created");
        agency_count++;
    }
    assert_true(agency_count > 0 && agency_count < LABELLED_POSTS);
    cJSON_Delete(json);

    /* A score range nothing reaches, and bad parameters. */
    json = get_json(&desk, "/api/cases?min_score=0.999&max_score=1", &desk_test_reviewer, 200);
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(json, "cases"))
        assert_true(number_of(item, "partisan") >= 0.999);
    cJSON_Delete(json);
    cJSON_Delete(get_json(&desk, "/api/cases?min_score=abc", &desk_test_reviewer, 400));
    cJSON_Delete(get_json(&desk, "/api/cases?limit=0", &desk_test_reviewer, 400));
    cJSON_Delete(get_json(&desk, "/api/cases?cursor=zz", &desk_test_reviewer, 400));
    cJSON_Delete(get_json(&desk, "/api/cases?status=lost", &desk_test_reviewer, 400));
    desk_test_stop(&desk);
}

static void test_case_detail_offsets_point_at_matched_terms(void **state)
{
    (void)state;
    struct desk_test desk;
    desk_test_start(&desk, "api_detail", NULL);
    desk_test_seed_account(&desk, "aceh-6015", "facebook", "Teuku", "Dinas Pendidikan", "aceh");
    /* Two emoji (4 UTF-8 bytes, 2 UTF-16 units each) before the terms shift the two offsets
     * apart by 4. */
    const char *text = "\xF0\x9F\x98\x80\xF0\x9F\x98\x80 Undangan: deklarasi dukungan untuk "
                       "Mualem-Dek Fadh di lapangan Blang Padang. Ayo coblos nomor 2!";
    struct desk_test_post post = {.account = "aceh-6015", .post_id = "facebook:42",
                                  .text = text, .region = "aceh"};
    char case_id[CASE_ID_LEN + 1], path[128];
    desk_test_seed_case(&desk, &post, case_id);
    snprintf(path, sizeof(path), "/api/cases/%s", case_id);
    cJSON *json = get_json(&desk, path, &desk_test_reviewer, 200);
    assert_string_equal(string_of(json, "id"), case_id);
    assert_string_equal(string_of(cJSON_GetObjectItem(json, "post"), "text"), text);
    const cJSON *account = cJSON_GetObjectItem(json, "account");
    assert_string_equal(string_of(account, "name"), "Teuku");
    assert_string_equal(string_of(account, "region"), "aceh");
    const cJSON *evidence = cJSON_GetObjectItem(json, "evidence");
    assert_int_equal(strlen(string_of(evidence, "raw_sha256")), 64);
    assert_int_equal(strlen(string_of(evidence, "evidence")), 64);
    assert_true(number_of(evidence, "chain_position") >= 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "decisions")), 0);

    size_t in_text = 0;
    const cJSON *match;
    cJSON_ArrayForEach(match, cJSON_GetObjectItem(cJSON_GetObjectItem(json, "explanation"),
                                                  "matches"))
    {
        if (strcmp(string_of(match, "field"), "text") != 0)
            continue;
        size_t start = (size_t)number_of(match, "start"), end = (size_t)number_of(match, "end");
        assert_true(start >= 8 && start < end && end <= strlen(text));
        /* The bytes are the matched words of the post. */
        assert_true(text[start] != ' ' && text[end - 1] != ' ');
        assert_int_equal((size_t)number_of(match, "start16"), start - 4);
        assert_int_equal((size_t)number_of(match, "end16"), end - 4);
        in_text++;
    }
    assert_true(in_text > 0);
    cJSON_Delete(json);
    cJSON_Delete(get_json(&desk, "/api/cases/ffffffffffffffffffffffffffffffff",
                          &desk_test_reviewer, 404));
    cJSON_Delete(get_json(&desk, "/api/cases/not-a-case", &desk_test_reviewer, 404));
    desk_test_stop(&desk);
}

/* A post edited after its case was opened: the case carries both versions, oldest first, each
 * with its text, verdict, fetch time and own link. */
static void test_case_detail_carries_every_version(void **state)
{
    (void)state;
    struct desk_test desk;
    desk_test_start(&desk, "api_versions", NULL);
    desk_test_seed_account(&desk, "pns-7001", "mastodon", "Sari", "Dinas Kesehatan", "jakarta");
    struct desk_test_post first = {.account = "pns-7001", .post_id = "mastodon:7001",
                                   .text = "Ayo coblos nomor 2, dukung Prabowo-Gibran!"};
    struct desk_test_post edited = first;
    edited.text = "Ayo datang ke TPS tanggal 14 Februari.";
    char case_id[CASE_ID_LEN + 1], again[CASE_ID_LEN + 1], path[128];
    desk_test_seed_case(&desk, &first, case_id);
    desk_test_seed_case(&desk, &edited, again);
    assert_string_equal(again, case_id);
    snprintf(path, sizeof(path), "/api/cases/%s", case_id);
    cJSON *json = get_json(&desk, path, &desk_test_reviewer, 200);
    const cJSON *versions = cJSON_GetObjectItem(json, "versions");
    assert_int_equal(cJSON_GetArraySize(versions), 2);
    assert_true(number_of(json, "versions_dropped") == 0);
    const char *texts[] = {first.text, edited.text};
    double previous_link = 0;
    for (int i = 0; i < 2; i++) {
        const cJSON *version = cJSON_GetArrayItem(versions, i);
        assert_true(number_of(version, "version") == i + 1);
        assert_string_equal(string_of(cJSON_GetObjectItem(version, "post"), "text"), texts[i]);
        assert_string_equal(string_of(version, "verdict"), "suspect");
        assert_string_equal(string_of(version, "fetched_at"), "2024-01-05T10:05:00Z");
        assert_true(number_of(version, "recorded") > 0);
        const cJSON *evidence = cJSON_GetObjectItem(version, "evidence");
        assert_int_equal(strlen(string_of(evidence, "evidence")), 64);
        assert_true(number_of(evidence, "chain_position") > previous_link);
        previous_link = number_of(evidence, "chain_position");
    }
    /* The case's own fields stay those of the version that opened it. */
    assert_string_equal(string_of(cJSON_GetObjectItem(json, "post"), "text"), first.text);
    cJSON_Delete(json);
    desk_test_stop(&desk);
}

/* The follow and the like of the engagement tests: a campaign team's account, whose display name
 * holds an emoji with a variation selector (4 + 3 UTF-8 bytes, 2 + 1 UTF-16 units), followed; one
 * of its posts, with an em dash (3 bytes, 1 unit), liked. */
#define TEAM_NAME "Tim Kampanye \xF0\x9F\x97\xB3\xEF\xB8\x8F Prabowo"
#define TEAM_BIO "Akun resmi tim kampanye nasional"
#define LIKED_TEXT "Coblos nomor 2 \xE2\x80\x94 Prabowo-Gibran!"

static const struct desk_test_post follow_post = {
    .account = "jatim-7001", .post_id = "mastodon:follow:7001:990", .text = "",
    .region = "jawa-timur", .kind = "follow",
    .target = {.id = "990", .account = "timkampanye@kampanye.social", .account_id = "990",
               .name = TEAM_NAME, .url = "https://kampanye.social/@timkampanye",
               .text = TEAM_BIO},
    .explanation =
        "{\"matches\": ["
        "{\"rule\": \"follow-campaign\", \"category\": \"campaign_team\", \"term\": "
        "\"@mastodon:timkampanye@kampanye.social\", \"field\": \"target.account\", "
        "\"weight\": 0.9, \"start\": 0, \"end\": 27},"
        "{\"rule\": \"team-name\", \"category\": \"campaign_team\", \"term\": \"prabowo\", "
        "\"field\": \"target.name\", \"weight\": 0.3, \"start\": 21, \"end\": 28},"
        "{\"rule\": \"team-bio\", \"category\": \"campaign_team\", \"term\": \"tim kampanye\", "
        "\"field\": \"target.text\", \"weight\": 0.3, \"start\": 11, \"end\": 23},"
        "{\"rule\": \"inside\", \"category\": \"campaign_team\", \"term\": \"x\", "
        "\"field\": \"target.name\", \"weight\": 0.1, \"start\": 14, \"end\": 21},"
        "{\"rule\": \"nowhere\", \"category\": \"campaign_team\", \"term\": \"x\", "
        "\"field\": \"target.bio\", \"weight\": 0.1, \"start\": 0, \"end\": 1}]}",
};

static const struct desk_test_post like_post = {
    .account = "jatim-7001", .post_id = "mastodon:like:7001:5501", .text = "",
    .region = "jawa-timur", .kind = "like",
    .target = {.id = "5501", .account = "timkampanye@kampanye.social", .account_id = "990",
               .name = TEAM_NAME, .url = "https://kampanye.social/@timkampanye/5501",
               .text = LIKED_TEXT},
    .explanation =
        "{\"matches\": ["
        "{\"rule\": \"candidate\", \"category\": \"candidate_praise\", \"term\": "
        "\"prabowo-gibran\", \"field\": \"target.text\", \"weight\": 0.8, \"start\": 19, "
        "\"end\": 33}]}",
};

/* The match of the case's explanation made by rule. */
static const cJSON *match_of(const cJSON *json, const char *rule)
{
    const cJSON *match;
    cJSON_ArrayForEach(match, cJSON_GetObjectItem(cJSON_GetObjectItem(json, "explanation"),
                                                  "matches"))
    {
        if (strcmp(string_of(match, "rule"), rule) == 0)
            return match;
    }
    fail_msg("no match of rule %s", rule);
    return NULL;
}

static void assert_placed(const cJSON *json, const char *rule, int start16, int end16)
{
    const cJSON *match = match_of(json, rule);
    assert_int_equal((int)number_of(match, "start16"), start16);
    assert_int_equal((int)number_of(match, "end16"), end16);
}

static void assert_unplaced(const cJSON *json, const char *rule)
{
    const cJSON *match = match_of(json, rule);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(match, "start16")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(match, "end16")));
}

static void test_follow_and_like_cases_carry_kind_target_and_offsets(void **state)
{
    (void)state;
    struct desk_test desk;
    char follow_id[CASE_ID_LEN + 1], like_id[CASE_ID_LEN + 1], post_id[CASE_ID_LEN + 1];
    char path[128];
    desk_test_start(&desk, "api_engagement", NULL);
    desk_test_seed_account(&desk, "jatim-7001", "mastodon", "Budi Santoso", "Dinas Kesehatan",
                           "jawa-timur");
    desk_test_seed_case(&desk, &follow_post, follow_id);
    desk_test_seed_case(&desk, &like_post, like_id);
    struct desk_test_post post = {.account = "jatim-7001", .post_id = "mastodon:7001",
                                  .text = "Ayo coblos nomor 2"};
    desk_test_seed_case(&desk, &post, post_id);

    /* The queue says what each case is. */
    cJSON *list = get_json(&desk, "/api/cases?status=all", &desk_test_reviewer, 200);
    const cJSON *row;
    int seen = 0;
    cJSON_ArrayForEach(row, cJSON_GetObjectItem(list, "cases"))
    {
        const char *id = string_of(row, "id");
        const cJSON *target = cJSON_GetObjectItem(row, "target");
        if (strcmp(id, post_id) == 0) {
            assert_string_equal(string_of(row, "kind"), "post");
            assert_true(cJSON_IsNull(target));
            seen |= 1;
            continue;
        }
        int follow = strcmp(id, follow_id) == 0;
        assert_true(follow || strcmp(id, like_id) == 0);
        assert_string_equal(string_of(row, "kind"), follow ? "follow" : "like");
        assert_string_equal(string_of(row, "text"), "");
        assert_string_equal(string_of(target, "account"), "timkampanye@kampanye.social");
        assert_string_equal(string_of(target, "account_id"), "990");
        assert_string_equal(string_of(target, "name"), TEAM_NAME);
        assert_string_equal(string_of(target, "text"), follow ? TEAM_BIO : LIKED_TEXT);
        assert_string_equal(string_of(target, "url"),
                            follow ? follow_post.target.url : like_post.target.url);
        seen |= follow ? 2 : 4;
    }
    assert_int_equal(seen, 7);
    cJSON_Delete(list);

    /* The follow: whom, with the marks placed in the target's own fields. */
    snprintf(path, sizeof(path), "/api/cases/%s", follow_id);
    cJSON *json = get_json(&desk, path, &desk_test_reviewer, 200);
    assert_string_equal(string_of(json, "kind"), "follow");
    assert_string_equal(string_of(cJSON_GetObjectItem(json, "target"), "id"), "990");
    const cJSON *message = cJSON_GetObjectItem(json, "post");
    assert_string_equal(string_of(message, "kind"), "follow");
    assert_string_equal(string_of(cJSON_GetObjectItem(message, "target"), "text"), TEAM_BIO);
    assert_placed(json, "follow-campaign", 0, 27);
    /* "Prabowo" after the emoji and its selector: bytes 21..28, UTF-16 units 17..24. */
    assert_placed(json, "team-name", 17, 24);
    assert_placed(json, "team-bio", 11, 23);
    assert_unplaced(json, "inside");  /* starts inside the emoji */
    assert_unplaced(json, "nowhere"); /* a field no message has */
    cJSON_Delete(json);

    /* The like: the liked post's text, marked past the em dash. */
    snprintf(path, sizeof(path), "/api/cases/%s", like_id);
    json = get_json(&desk, path, &desk_test_reviewer, 200);
    assert_string_equal(string_of(json, "kind"), "like");
    const cJSON *target = cJSON_GetObjectItem(cJSON_GetObjectItem(json, "post"), "target");
    assert_string_equal(string_of(target, "text"), LIKED_TEXT);
    assert_string_equal(string_of(target, "url"), like_post.target.url);
    assert_placed(json, "candidate", 17, 31);
    cJSON_Delete(json);

    snprintf(path, sizeof(path), "/api/cases/%s", post_id);
    json = get_json(&desk, path, &desk_test_reviewer, 200);
    assert_string_equal(string_of(json, "kind"), "post");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(json, "target")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "post"), "target")));
    cJSON_Delete(json);
    desk_test_stop(&desk);
}

static void test_four_eyes_and_every_decision_audited(void **state)
{
    (void)state;
    struct desk_test desk;
    desk_test_start(&desk, "api_four_eyes", "\"four_eyes\": true");
    desk_test_seed_account(&desk, "aceh-6015", "facebook", "Teuku", "Dinas Pendidikan", "aceh");
    struct desk_test_post post = {.account = "aceh-6015", .post_id = "facebook:7",
                                  .text = "Ayo coblos nomor 2, pilih paslon kita!",
                                  .region = "aceh"};
    char case_id[CASE_ID_LEN + 1];
    desk_test_seed_case(&desk, &post, case_id);
    int shard = keys_shard("aceh-6015", desk.config->redis.shards);

    cJSON *json = decide(&desk, case_id, &desk_test_reviewer,
                         "{\"action\":\"confirm\",\"category\":\"vote_call\",\"note\":\"jelas\"}",
                         200);
    assert_string_equal(string_of(json, "status"), "confirming");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(json, "alert")));
    cJSON_Delete(json);
    assert_int_equal(stream_length(&desk, "alerts", shard), 0);
    assert_int_equal(audited(&desk, "decision.confirm", case_id, "rina"), 1);

    json = decide(&desk, case_id, &desk_test_reviewer,
                  "{\"action\":\"confirm\",\"category\":\"vote_call\"}", 409);
    assert_non_null(strstr(string_of(json, "error"), "already confirmed"));
    cJSON_Delete(json);
    assert_int_equal(audited(&desk, "decision.confirm", case_id, "rina"), 1);

    json = decide(&desk, case_id, &desk_test_reviewer2,
                  "{\"action\":\"confirm\",\"category\":\"vote_call\"}", 200);
    assert_string_equal(string_of(json, "status"), "confirmed");
    assert_true(cJSON_IsString(cJSON_GetObjectItem(json, "alert")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "confirmed_by")), 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "decisions")), 2);
    cJSON_Delete(json);
    assert_int_equal(stream_length(&desk, "alerts", shard), 1);
    assert_int_equal(audited(&desk, "decision.confirm", case_id, "budi"), 1);

    /* Confirmed cases leave the queue; the supervisor reopens, a reviewer dismisses. */
    json = get_json(&desk, "/api/cases", &desk_test_reviewer, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "cases")), 0);
    cJSON_Delete(json);
    cJSON_Delete(decide(&desk, case_id, &desk_test_supervisor,
                        "{\"action\":\"reopen\",\"reason\":\"bukti baru\"}", 200));
    assert_int_equal(audited(&desk, "decision.reopen", case_id, "sari"), 1);
    cJSON_Delete(decide(&desk, case_id, &desk_test_reviewer,
                        "{\"action\":\"escalate\",\"note\":\"ragu\"}", 200));
    assert_int_equal(audited(&desk, "decision.escalate", case_id, "rina"), 1);
    cJSON_Delete(decide(&desk, case_id, &desk_test_reviewer2,
                        "{\"action\":\"dismiss\",\"reason\":\"bukan ajakan\"}", 200));
    assert_int_equal(audited(&desk, "decision.dismiss", case_id, "budi"), 1);
    assert_int_equal(stream_length(&desk, "alerts", shard), 1);

    /* Bad bodies are 400 and write nothing. */
    cJSON_Delete(decide(&desk, case_id, &desk_test_supervisor, "{\"action\":\"reopen\"}", 400));
    cJSON_Delete(decide(&desk, case_id, &desk_test_supervisor, "not json", 400));
    cJSON_Delete(decide(&desk, case_id, &desk_test_supervisor,
                        "{\"action\":\"confirm\",\"category\":\"election_info\"}", 400));
    json = get_json(&desk, "/api/stats", &desk_test_reviewer, 200);
    const cJSON *totals = cJSON_GetObjectItem(json, "totals");
    assert_int_equal((int)number_of(totals, "suspects"), 1);
    assert_int_equal((int)number_of(totals, "dismissed"), 1);
    cJSON_Delete(json);
    desk_test_stop(&desk);
}

static void test_roles_are_enforced(void **state)
{
    (void)state;
    struct desk_test desk;
    desk_test_start(&desk, "api_roles", NULL);
    desk_test_seed_account(&desk, "jatim-1", "x", "Budi", "Dinas B", "jawa-timur");
    struct desk_test_post post = {.account = "jatim-1", .post_id = "x:1",
                                  .text = "Ayo coblos nomor 1", .region = "jawa-timur"};
    char case_id[CASE_ID_LEN + 1], path[128];
    desk_test_seed_case(&desk, &post, case_id);
    const char *paths[] = {"/api/cases", "/api/stats", "/api/audit", "/api/accounts/jatim-1"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        cJSON_Delete(get_json(&desk, paths[i], NULL, 401));
        cJSON_Delete(get_json(&desk, paths[i], &desk_test_feed, 403));
    }
    snprintf(path, sizeof(path), "/api/cases/%s", case_id);
    cJSON_Delete(get_json(&desk, path, &desk_test_feed, 403));
    cJSON_Delete(get_json(&desk, "/api/audit", &desk_test_reviewer, 403));
    cJSON_Delete(decide(&desk, case_id, &desk_test_feed, "{\"action\":\"escalate\"}", 403));
    cJSON_Delete(decide(&desk, case_id, &desk_test_reviewer,
                        "{\"action\":\"confirm\",\"category\":\"vote_call\"}", 200));
    cJSON_Delete(decide(&desk, case_id, &desk_test_reviewer,
                        "{\"action\":\"reopen\",\"reason\":\"salah\"}", 403));
    cJSON *json = decide(&desk, case_id, &desk_test_supervisor,
                         "{\"action\":\"reopen\",\"reason\":\"salah\"}", 200);
    assert_string_equal(string_of(json, "status"), "pending");
    cJSON_Delete(json);
    json = decide(&desk, case_id, &desk_test_supervisor,
                  "{\"action\":\"reopen\",\"reason\":\"lagi\"}", 409);
    assert_string_equal(string_of(json, "error"), "cannot reopen: the case is pending");
    cJSON_Delete(json);

    /* A console session must send its CSRF token to decide. */
    struct desk_test_session session;
    desk_test_login(&desk, "rina", "pw-rina", &session);
    struct desk_test_auth no_csrf = {.cookie = session.cookie};
    cJSON_Delete(decide(&desk, case_id, &no_csrf, "{\"action\":\"escalate\"}", 403));
    cJSON_Delete(decide(&desk, case_id, &session.auth, "{\"action\":\"escalate\"}", 200));
    desk_test_stop(&desk);
}

static void test_rescan_and_account_page(void **state)
{
    (void)state;
    struct desk_test desk;
    desk_test_start(&desk, "api_rescan", NULL);
    desk_test_seed_account(&desk, "aceh-7", "mastodon", "Cut Nyak", "Dinas C", "aceh");
    struct desk_test_post post = {.account = "aceh-7", .post_id = "mastodon:9",
                                  .text = "Coblos paslon 01 ya", .region = "aceh"};
    char case_id[CASE_ID_LEN + 1];
    desk_test_seed_case(&desk, &post, case_id);
    int shard = keys_shard("aceh-7", desk.config->redis.shards);

    struct desk_test_response r;
    desk_test_request(&desk, "POST", "/api/accounts/aceh-7/rescan", &desk_test_supervisor,
                      "{\"since\": 1700000000}", &r);
    assert_int_equal(r.status, 202);
    cJSON *json = cJSON_Parse(r.body);
    assert_int_equal((long long)number_of(json, "since"), 1700000000LL);
    assert_string_equal(string_of(json, "account"), "aceh-7");
    cJSON_Delete(json);
    desk_test_response_free(&r);
    assert_int_equal(stream_length(&desk, "rescan", shard), 1);
    assert_int_equal(audited(&desk, "rescan.request", "aceh-7", "sari"), 1);

    desk_test_request(&desk, "POST", "/api/accounts/aceh-7/rescan", &desk_test_reviewer, NULL,
                      &r);
    assert_int_equal(r.status, 403);
    desk_test_response_free(&r);
    desk_test_request(&desk, "POST", "/api/accounts/nobody/rescan", &desk_test_supervisor, NULL,
                      &r);
    assert_int_equal(r.status, 404);
    desk_test_response_free(&r);
    desk_test_request(&desk, "POST", "/api/accounts/aceh-7/rescan", &desk_test_supervisor,
                      "{\"since\": \"yesterday\"}", &r);
    assert_int_equal(r.status, 400);
    desk_test_response_free(&r);
    assert_int_equal(stream_length(&desk, "rescan", shard), 1);

    json = get_json(&desk, "/api/accounts/aceh-7", &desk_test_reviewer, 200);
    const cJSON *account = cJSON_GetObjectItem(json, "account");
    assert_string_equal(string_of(account, "name"), "Cut Nyak");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(account, "watched")));
    const cJSON *cases = cJSON_GetObjectItem(json, "cases");
    assert_int_equal(cJSON_GetArraySize(cases), 1);
    assert_string_equal(string_of(cJSON_GetArrayItem(cases, 0), "id"), case_id);
    const cJSON *results = cJSON_GetObjectItem(json, "results");
    assert_int_equal(cJSON_GetArraySize(results), 1);
    assert_string_equal(string_of(cJSON_GetArrayItem(results, 0), "post_id"), "mastodon:9");
    assert_string_equal(string_of(cJSON_GetArrayItem(results, 0), "case"), case_id);
    cJSON_Delete(json);
    cJSON_Delete(get_json(&desk, "/api/accounts/nobody", &desk_test_reviewer, 404));
    desk_test_stop(&desk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_sorts_filters_and_pages_each_case_once),
        cmocka_unit_test(test_case_detail_offsets_point_at_matched_terms),
        cmocka_unit_test(test_case_detail_carries_every_version),
        cmocka_unit_test(test_follow_and_like_cases_carry_kind_target_and_offsets),
        cmocka_unit_test(test_four_eyes_and_every_decision_audited),
        cmocka_unit_test(test_roles_are_enforced),
        cmocka_unit_test(test_rescan_and_account_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
