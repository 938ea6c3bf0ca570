/* Follows and likes read from Bluesky's own reference servers (PLC, PDS and AppView from
 * @atproto/dev-env, started by tests/interop/bluesky/run), with netra's own Redis, netra-crawler's
 * engagement crawl and netra-worker on the shipped rulesets plus a "region": "all" ruleset naming
 * the candidate's account by handle and by DID.
 *
 * Through the real PDS: two watched civil servants follow the candidate and a neighbour (whose bio
 * cheers for the candidate); one likes the candidate's partisan post, the neighbour's recipe post
 * and the neighbour's post of the same partisan words; a third does neither. Then: each followed
 * set holds exactly what getFollows shows, each follow queued once with its target as the AppView
 * names it; a follow of the candidate is one case, of the neighbour none; a like of the partisan
 * post is one case holding the text getPosts shows, of the recipe none, of the neighbour's same
 * words none (political); deleting the follow record (an unfollow) takes it out of the set
 * without a message, and following again makes no second case; likes made later arrive within
 * one pass; a second pass adds nothing. Listings are read one item a page, so paging runs on the
 * real services' cursors. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "queue/cases.h"
#include "queue/keys.h"
#include "tests/e2e/e2e_test.h"
#include "tests/interop/bluesky/bluesky_network.h"
#include "tests/support/test_support.h"

/* engagement.interval_s of the test config. */
#define ENGAGE_INTERVAL_S 2
#define ENGAGE_INTERVAL_MS (ENGAGE_INTERVAL_S * 1000)
/* A pass waits for a lease and a poll, then reads three listings on one fetch engine. */
#define PASS_MS (3 * ENGAGE_INTERVAL_MS + 6000)
#define FIRST_LISTING_MS 60000
/* A change reaches the followed set within one pass, and the worker's result soon after. */
#define ARRIVAL_MS 30000
#define WATCHED 3
#define ID_MAX (2 * BSKY_URI_MAX + 32)

#define CANDIDATE_NAME "Hendra Wijaya (Calon Gubernur)"
#define NEIGHBOUR_NAME "Rina Marlina"
/* A neighbour's support is her right: following her is clear whatever her bio says. */
#define NEIGHBOUR_BIO "Ibu rumah tangga, suka masak. Pendukung 02, coblos Hendra Wijaya!"
/* One vote call: suspect when a campaign account wrote it, only political from anyone else
 * (docs/rules.md, likes), so the case rests on the candidate's account being read right. */
#define PARTISAN_TEXT "Ayo coblos nomor 2 untuk Kendari yang lebih maju!"
#define SECOND_PARTISAN_TEXT "Ayo coblos nomor 2 untuk Sulawesi Tenggara yang lebih maju!"
#define RECIPE_TEXT                                                                            \
    "Resep rendang daging sapi: bumbu halus, santan kental, masak tiga jam dengan api kecil. " \
    "Enak sekali buat makan siang keluarga."

struct watched {
    const char *id; /* watchlist id */
    struct bsky_account account;
};

static struct world {
    struct test_redis_server redis;
    struct test_sim none; /* no simulator: only the watchlist and the config's folder */
    struct test_crawl crawl;
    pid_t crawler, worker;
    char rules[64];
    struct bsky_account candidate, neighbour;
    struct watched watched[WATCHED]; /* budi, siti, agus */
    struct bsky_ref partisan, recipe, neighbour_call; /* neighbour_call: PARTISAN_TEXT too */
    struct bsky_ref budi_follows_candidate, partisan_like;
    long long crawler_started_ms;
} world = {.watched = {{"asn-budi", {"", ""}}, {"asn-siti", {"", ""}}, {"asn-agus", {"", ""}}}};

#define BUDI (&world.watched[0])
#define SITI (&world.watched[1])
#define AGUS (&world.watched[2])

/* ---- writing through the PDS -------------------------------------------------------------- */

static void follow(const struct watched *who, const struct bsky_account *target,
                   struct bsky_ref *out)
{
    struct bsky_ref ignored;
    bsky_record_create(&who->account, "app.bsky.graph.follow", bsky_follow_record(target->did),
                       out != NULL ? out : &ignored);
}

static void like(const struct watched *who, const struct bsky_ref *post, struct bsky_ref *out)
{
    struct bsky_ref ignored;
    bsky_record_create(&who->account, "app.bsky.feed.like", bsky_like_record(post),
                       out != NULL ? out : &ignored);
}

static void write_world(void)
{
    bsky_account_create(&world.candidate, "hendra-wijaya.test", CANDIDATE_NAME);
    bsky_account_create(&world.neighbour, "rina-marlina.test", NEIGHBOUR_NAME);
    bsky_profile_set(&world.neighbour, NEIGHBOUR_NAME, NEIGHBOUR_BIO);
    bsky_account_create(&BUDI->account, "budi-santoso.test", "Budi Santoso, S.Pd.");
    bsky_account_create(&SITI->account, "siti-rahayu.test", "Siti Rahayu Ningsih");
    bsky_account_create(&AGUS->account, "agus-salim.test", "Agus Salim");

    bsky_record_create(&world.candidate, "app.bsky.feed.post", bsky_post_record(PARTISAN_TEXT),
                       &world.partisan);
    bsky_record_create(&world.neighbour, "app.bsky.feed.post", bsky_post_record(RECIPE_TEXT),
                       &world.recipe);
    bsky_record_create(&world.neighbour, "app.bsky.feed.post", bsky_post_record(PARTISAN_TEXT),
                       &world.neighbour_call);

    follow(BUDI, &world.candidate, &world.budi_follows_candidate);
    follow(BUDI, &world.neighbour, NULL);
    follow(SITI, &world.neighbour, NULL);
    like(SITI, &world.partisan, &world.partisan_like);
    like(SITI, &world.recipe, NULL);
    like(SITI, &world.neighbour_call, NULL);
}

/* The worker's rules: the shipped rulesets plus the candidate's account for every region. */
static void write_rules(void)
{
    char command[1024], path[128];
    char *shipped = test_source_path("config/rules");
    snprintf(world.rules, sizeof(world.rules), "/tmp/netra-interop-rules-XXXXXX");
    assert_non_null(mkdtemp(world.rules));
    snprintf(command, sizeof(command), "cp '%s'/*.jsonc '%s'/", shipped, world.rules);
    free(shipped);
    assert_int_equal(system(command), 0);

    cJSON *ruleset = cJSON_CreateObject();
    cJSON_AddStringToObject(ruleset, "name", "interop-campaign-accounts");
    cJSON_AddStringToObject(ruleset, "version", "1.0.0");
    cJSON_AddStringToObject(ruleset, "region", "all");
    cJSON *accounts = cJSON_AddArrayToObject(cJSON_AddObjectToObject(ruleset, "lists"),
                                             "candidate_account");
    char term[BSKY_HANDLE_MAX + 16];
    snprintf(term, sizeof(term), "@bluesky:%s", world.candidate.handle);
    cJSON_AddItemToArray(accounts, cJSON_CreateString(term));
    snprintf(term, sizeof(term), "@bluesky:%s", world.candidate.did);
    cJSON_AddItemToArray(accounts, cJSON_CreateString(term));
    char *text = cJSON_Print(ruleset);
    assert_non_null(text);
    snprintf(path, sizeof(path), "%s/campaign-accounts.jsonc", world.rules);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    assert_true(fputs(text, file) >= 0);
    assert_int_equal(fclose(file), 0);
    free(text);
    cJSON_Delete(ruleset);
}

/* ---- reading what netra holds ------------------------------------------------------------- */

static const char *string_of(const cJSON *object, const char *name)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsString(value) ? value->valuestring : "";
}

/* Every message of kind in the stream (NULL: every message), in order. */
static cJSON *stream_messages(const char *kind)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_posts(key, sizeof(key), world.crawl.prefix, 0, err, sizeof(err)), 0);
    redisReply *reply = redisCommand(world.crawl.redis, "XRANGE %s - +", key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    cJSON *messages = cJSON_CreateArray();
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *fields = reply->element[i]->element[1];
        for (size_t f = 0; f + 1 < fields->elements; f += 2) {
            if (strcmp(fields->element[f]->str, "msg") != 0)
                continue;
            cJSON *message = cJSON_Parse(fields->element[f + 1]->str);
            assert_non_null(message);
            if (kind == NULL || strcmp(string_of(message, "kind"), kind) == 0)
                cJSON_AddItemToArray(messages, message);
            else
                cJSON_Delete(message);
        }
    }
    freeReplyObject(reply);
    return messages;
}

/* The messages with this id; *count how many there are. Returns the last one (in messages). */
static const cJSON *message_with_id(const cJSON *messages, const char *id, int *count)
{
    const cJSON *message, *found = NULL;
    *count = 0;
    cJSON_ArrayForEach(message, messages)
        if (strcmp(string_of(message, "id"), id) == 0) {
            found = message;
            (*count)++;
        }
    return found;
}

static void follow_id(char *out, size_t out_len, const struct watched *who, const char *did)
{
    snprintf(out, out_len, "bluesky:follow:%s:%s", who->account.did, did);
}

static void like_id(char *out, size_t out_len, const struct watched *who, const char *uri)
{
    snprintf(out, out_len, "bluesky:like:%s:%s", who->account.did, uri);
}

static void followed_key(char *key, size_t key_len, const struct watched *who)
{
    char err[NETRA_ERR_LEN];
    assert_int_equal(keys_follows(key, key_len, world.crawl.config->redis.key_prefix, 0, who->id,
                                  err, sizeof(err)),
                     0);
}

/* The account's followed set, as a sorted list of DIDs. */
static void followed_set(const struct watched *who, struct test_ids *out)
{
    char key[KEYS_MAX_LEN];
    followed_key(key, sizeof(key), who);
    redisReply *reply = redisCommand(world.crawl.redis, "ZRANGE %s 0 -1", key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    out->count = 0;
    out->ids = calloc(reply->elements + 1, sizeof(char *));
    assert_non_null(out->ids);
    for (size_t i = 0; i < reply->elements; i++)
        out->ids[out->count++] = strdup(reply->element[i]->str);
    freeReplyObject(reply);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The DIDs getFollows shows for the account, sorted. */
static void follows_shown(const struct watched *who, struct test_ids *out)
{
    cJSON *follows = bsky_actor_list("app.bsky.graph.getFollows", who->account.did, "follows");
    const cJSON *profile;
    out->count = 0;
    out->ids = calloc((size_t)cJSON_GetArraySize(follows) + 1, sizeof(char *));
    assert_non_null(out->ids);
    cJSON_ArrayForEach(profile, follows)
        out->ids[out->count++] = strdup(string_of(profile, "did"));
    cJSON_Delete(follows);
    qsort(out->ids, out->count, sizeof(char *), compare_strings);
}

static int ids_equal(const struct test_ids *a, const struct test_ids *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->ids[i], b->ids[i]) != 0)
            return 0;
    return 1;
}

static void ids_print(const char *what, const struct test_ids *ids)
{
    fprintf(stderr, "%s (%zu):\n", what, ids->count);
    for (size_t i = 0; i < ids->count; i++)
        fprintf(stderr, "  %s\n", ids->ids[i]);
}

/* Every watched account has had an engagement crawl, and its followed set is what getFollows
 * shows. */
static int sets_match_follows(void *arg)
{
    (void)arg;
    int equal = 1;
    for (size_t i = 0; i < WATCHED && equal; i++) {
        struct test_ids shown, held;
        if (test_account_number(&world.crawl, world.watched[i].id, "engage_last_ok") <= 0)
            return 0;
        follows_shown(&world.watched[i], &shown);
        followed_set(&world.watched[i], &held);
        qsort(held.ids, held.count, sizeof(char *), compare_strings);
        equal = ids_equal(&shown, &held);
        test_ids_free(&shown);
        test_ids_free(&held);
    }
    return equal;
}

static void report_and_fail(const char *why)
{
    for (size_t i = 0; i < WATCHED; i++) {
        struct test_ids shown, held;
        const struct watched *who = &world.watched[i];
        char *error = test_account_field(&world.crawl, who->id, "engage_last_error");
        fprintf(stderr, "%s (%s): engage_last_ok %lld, engage_last_error \"%s\"\n", who->id,
                who->account.did, test_account_number(&world.crawl, who->id, "engage_last_ok"),
                error);
        free(error);
        follows_shown(who, &shown);
        followed_set(who, &held);
        ids_print("  getFollows shows", &shown);
        ids_print("  the followed set holds", &held);
        test_ids_free(&shown);
        test_ids_free(&held);
    }
    e2e_report(&world.crawl, "crawler", "worker", (char *)NULL);
    fail_msg("%s", why);
}

/* Cases of the account whose post id has marker (":follow:", ":like:") in it. */
static long long cases_with(const struct watched *who, const char *marker)
{
    long long count = 0;
    char pattern[KEYS_MAX_LEN], err[NETRA_ERR_LEN], cursor[64] = "0";
    assert_int_equal(keys_case_pattern(pattern, sizeof(pattern),
                                       world.crawl.config->redis.key_prefix, 0, err, sizeof(err)),
                     0);
    do {
        redisReply *scan =
            redisCommand(world.crawl.redis, "SCAN %s MATCH %s COUNT 1000", cursor, pattern);
        assert_non_null(scan);
        snprintf(cursor, sizeof(cursor), "%s", scan->element[0]->str);
        for (size_t i = 0; i < scan->element[1]->elements; i++) {
            redisReply *fields = redisCommand(world.crawl.redis, "HMGET %s account post_id",
                                              scan->element[1]->element[i]->str);
            assert_non_null(fields);
            if (fields->element[0]->type == REDIS_REPLY_STRING &&
                fields->element[1]->type == REDIS_REPLY_STRING &&
                strcmp(fields->element[0]->str, who->id) == 0 &&
                strstr(fields->element[1]->str, marker) != NULL)
                count++;
            freeReplyObject(fields);
        }
        freeReplyObject(scan);
    } while (strcmp(cursor, "0") != 0);
    return count;
}

static int case_exists(const struct watched *who, const char *post_id)
{
    char id[CASE_ID_LEN + 1], key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    cases_id(who->id, post_id, id);
    assert_int_equal(keys_case(key, sizeof(key), world.crawl.config->redis.key_prefix, 0, id, err,
                               sizeof(err)),
                     0);
    redisReply *reply = redisCommand(world.crawl.redis, "EXISTS %s", key);
    assert_non_null(reply);
    int exists = reply->integer == 1;
    freeReplyObject(reply);
    return exists;
}

static int is_scored(void *arg)
{
    char *verdict = e2e_result_field(&world.crawl, arg, "verdict");
    int done = verdict[0] != '\0';
    free(verdict);
    return done;
}

/* The worker's verdict on post_id, once it has one (caller frees). */
static char *verdict_of(const char *post_id)
{
    if (!test_wait_for(is_scored, (void *)post_id, ARRIVAL_MS))
        report_and_fail("a follow or like was not scored in time");
    return e2e_result_field(&world.crawl, post_id, "verdict");
}

/* The worker's group has been handed every entry of the stream and acknowledged them all. */
static int worker_caught_up(void *arg)
{
    (void)arg;
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN], last[64] = "";
    int caught_up = 0;
    assert_int_equal(keys_posts(key, sizeof(key), world.crawl.prefix, 0, err, sizeof(err)), 0);
    redisReply *newest = redisCommand(world.crawl.redis, "XREVRANGE %s + - COUNT 1", key);
    assert_non_null(newest);
    if (newest->type == REDIS_REPLY_ARRAY && newest->elements == 1)
        snprintf(last, sizeof(last), "%s", newest->element[0]->element[0]->str);
    freeReplyObject(newest);
    redisReply *groups = redisCommand(world.crawl.redis, "XINFO GROUPS %s", key);
    assert_non_null(groups);
    for (size_t g = 0; groups->type == REDIS_REPLY_ARRAY && g < groups->elements; g++) {
        const redisReply *group = groups->element[g];
        const char *name = "", *delivered = "";
        long long pending = -1;
        for (size_t f = 0; f + 1 < group->elements; f += 2) {
            const char *field = group->element[f]->str;
            const redisReply *value = group->element[f + 1];
            if (strcmp(field, "name") == 0 && value->type == REDIS_REPLY_STRING)
                name = value->str;
            else if (strcmp(field, "pending") == 0 && value->type == REDIS_REPLY_INTEGER)
                pending = value->integer;
            else if (strcmp(field, "last-delivered-id") == 0 && value->type == REDIS_REPLY_STRING)
                delivered = value->str;
        }
        if (strcmp(name, "scorers") == 0)
            caught_up = pending == 0 && strcmp(delivered, last) == 0;
    }
    freeReplyObject(groups);
    return caught_up;
}

/* Every watched account has completed an engagement crawl that started after since_ms. */
struct crawled_after {
    long long since_ms;
};

static int all_crawled_after(void *arg)
{
    long long since = ((struct crawled_after *)arg)->since_ms;
    for (size_t i = 0; i < WATCHED; i++)
        if (test_account_number(&world.crawl, world.watched[i].id, "engage_last_ok") <= since)
            return 0;
    return 1;
}

/* Waits until every watched account completed an engagement crawl that started after now. */
static void wait_full_pass(void)
{
    struct crawled_after after = {test_now_ms()};
    /* engage_last_ok is when a crawl ended; one that began before now may end after it. */
    if (!test_wait_for(all_crawled_after, &after, PASS_MS))
        report_and_fail("the accounts' engagement was not crawled within three intervals");
    after.since_ms = test_now_ms();
    if (!test_wait_for(all_crawled_after, &after, PASS_MS))
        report_and_fail("the accounts' engagement was not crawled again within three intervals");
}

struct membership {
    const struct watched *who;
    const char *did;
    int want;
};

static int membership_is(void *arg)
{
    struct membership *m = arg;
    char key[KEYS_MAX_LEN];
    followed_key(key, sizeof(key), m->who);
    redisReply *reply = redisCommand(world.crawl.redis, "ZSCORE %s %s", key, m->did);
    assert_non_null(reply);
    int held = reply->type != REDIS_REPLY_NIL;
    freeReplyObject(reply);
    return held == m->want;
}

/* ---- the world's life --------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    test_redis_server_start(&world.redis);
    /* The crawler harness reads the suite's Redis from here: this run's is its own. */
    setenv("NETRA_TEST_REDIS_URL", world.redis.url, 1);

    long long started = test_now_ms();
    write_world();
    fprintf(stderr,
            "interop: accounts, posts, follows and likes written through the PDS in %lld ms\n",
            test_now_ms() - started);
    write_rules();

    test_sim_none(&world.none,
                  "id,platform,handle,name,nip,agency,region,interval\n"
                  "asn-budi,bluesky,budi-santoso.test,Budi Santoso,198503122010011002,"
                  "Dinas Pendidikan,sulawesi-tenggara,\n"
                  "asn-siti,bluesky,siti-rahayu.test,Siti Rahayu Ningsih,198707242011012003,"
                  "SMPN 3 Kendari,sulawesi-tenggara,\n"
                  "asn-agus,bluesky,agus-salim.test,Agus Salim,,Kecamatan Poasia,"
                  "sulawesi-tenggara,\n");
    const char *pds = getenv("NETRA_BLUESKY_PDS_URL");
    if (pds == NULL || pds[0] == '\0')
        fail_msg("NETRA_BLUESKY_PDS_URL is not set: run this test through "
                 "tests/interop/bluesky/run");
    /* One item a page: listings page with the AppView's and the PDS's own cursors. */
    char extra[2048];
    snprintf(extra, sizeof(extra),
             "{\"worker\": {\"rules_dir\": \"%s\"},"
             " \"engagement\": {\"enabled\": true, \"interval_s\": %d},"
             " \"platforms\": {\"bluesky\": {\"base_url\": \"%s\", \"pds_url\": \"%s\","
             " \"min_interval_ms\": 0, \"page_size\": 1}}}",
             world.rules, ENGAGE_INTERVAL_S, bsky_appview_url(), pds);
    e2e_setup(&world.crawl, &world.none, "interop-bluesky-engage", world.redis.url, NULL, extra);
    test_crawl_import(&world.crawl);
    world.worker = e2e_worker_start(&world.crawl, "worker");
    world.crawler = test_crawler_start(&world.crawl, "crawler");
    world.crawler_started_ms = test_now_ms();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (world.crawler > 0)
        assert_int_equal(test_crawler_stop(world.crawler, SIGTERM, 10000), 0);
    if (world.worker > 0)
        assert_int_equal(test_crawler_stop(world.worker, SIGTERM, 10000), 0);
    test_crawl_teardown(&world.crawl);
    test_sim_stop(&world.none);
    test_redis_server_stop(&world.redis);
    if (world.rules[0] != '\0') {
        char command[128];
        snprintf(command, sizeof(command), "rm -rf '%s'", world.rules);
        assert_int_equal(system(command), 0);
    }
    return 0;
}

/* ---- the tests ---------------------------------------------------------------------------- */

static void test_followed_sets_and_stream_hold_exactly_what_getfollows_shows(void **state)
{
    (void)state;
    long long started = test_now_ms();
    if (!test_wait_for(sets_match_follows, NULL, FIRST_LISTING_MS))
        report_and_fail("the followed sets do not hold what getFollows shows");
    fprintf(stderr, "interop: first engagement pass stored every following list in %lld ms\n",
            test_now_ms() - started);

    cJSON *queued = stream_messages("follow");
    int shown_total = 0;
    for (size_t i = 0; i < WATCHED; i++) {
        const struct watched *who = &world.watched[i];
        cJSON *follows = bsky_actor_list("app.bsky.graph.getFollows", who->account.did, "follows");
        const cJSON *profile;
        cJSON_ArrayForEach(profile, follows) {
            char id[ID_MAX], page[BSKY_HANDLE_MAX + 32];
            int count;
            follow_id(id, sizeof(id), who, string_of(profile, "did"));
            const cJSON *message = message_with_id(queued, id, &count);
            if (count != 1)
                fail_msg("%s was queued %d times, expected once", id, count);
            const cJSON *target = cJSON_GetObjectItemCaseSensitive(message, "target");
            snprintf(page, sizeof(page), "https://bsky.app/profile/%s",
                     string_of(profile, "handle"));
            assert_string_equal(string_of(message, "platform"), "bluesky");
            assert_string_equal(string_of(message, "account"), who->id);
            assert_string_equal(string_of(message, "author"), who->account.handle);
            assert_string_equal(string_of(message, "text"), "");
            assert_string_equal(string_of(message, "url"), page);
            assert_string_equal(string_of(target, "id"), string_of(profile, "did"));
            assert_string_equal(string_of(target, "account_id"), string_of(profile, "did"));
            assert_string_equal(string_of(target, "account"), string_of(profile, "handle"));
            assert_string_equal(string_of(target, "name"), string_of(profile, "displayName"));
            assert_string_equal(string_of(target, "text"), string_of(profile, "description"));
            assert_string_equal(string_of(target, "url"), page);
            shown_total++;
        }
        cJSON_Delete(follows);
    }
    /* Budi: the candidate and the neighbour; Siti: the neighbour; Agus: nobody. */
    assert_int_equal(shown_total, 3);
    assert_int_equal(cJSON_GetArraySize(queued), shown_total);
    cJSON_Delete(queued);

    /* The AppView's names are the ones the test wrote. */
    char id[ID_MAX];
    int count;
    follow_id(id, sizeof(id), BUDI, world.candidate.did);
    queued = stream_messages("follow");
    const cJSON *target =
        cJSON_GetObjectItemCaseSensitive(message_with_id(queued, id, &count), "target");
    assert_string_equal(string_of(target, "account"), world.candidate.handle);
    assert_string_equal(string_of(target, "name"), CANDIDATE_NAME);
    follow_id(id, sizeof(id), SITI, world.neighbour.did);
    target = cJSON_GetObjectItemCaseSensitive(message_with_id(queued, id, &count), "target");
    assert_string_equal(string_of(target, "account"), world.neighbour.handle);
    assert_string_equal(string_of(target, "name"), NEIGHBOUR_NAME);
    assert_string_equal(string_of(target, "text"), NEIGHBOUR_BIO);
    cJSON_Delete(queued);
}

static void test_a_follow_of_the_candidate_is_one_case_of_the_neighbour_none(void **state)
{
    (void)state;
    char candidate[ID_MAX], neighbour[ID_MAX], siti_neighbour[ID_MAX];
    follow_id(candidate, sizeof(candidate), BUDI, world.candidate.did);
    follow_id(neighbour, sizeof(neighbour), BUDI, world.neighbour.did);
    follow_id(siti_neighbour, sizeof(siti_neighbour), SITI, world.neighbour.did);

    char *verdict = verdict_of(candidate);
    assert_string_equal(verdict, "suspect");
    free(verdict);
    assert_true(case_exists(BUDI, candidate));
    fprintf(stderr,
            "interop: the candidate's follow was a case %lld ms after the crawler started\n",
            test_now_ms() - world.crawler_started_ms);

    verdict = verdict_of(neighbour);
    assert_string_equal(verdict, "clear");
    free(verdict);
    verdict = verdict_of(siti_neighbour);
    assert_string_equal(verdict, "clear");
    free(verdict);
    assert_false(case_exists(BUDI, neighbour));
    assert_false(case_exists(SITI, siti_neighbour));
    assert_int_equal(cases_with(BUDI, ":follow:"), 1);
    assert_int_equal(cases_with(SITI, ":follow:"), 0);
    assert_int_equal(cases_with(AGUS, ":follow:"), 0);
}

/* The evidence bundle of the case opened for post_id, parsed (caller frees). */
static cJSON *evidence_of(const char *post_id)
{
    char *case_id = e2e_result_field(&world.crawl, post_id, "case");
    char *out = NULL;
    if (case_id[0] == '\0')
        fail_msg("%s has no case", post_id);
    if (test_netra(&world.crawl, &out, "evidence", "export", case_id, (char *)NULL) != 0)
        fail_msg("netra evidence export %s: %s", case_id, out);
    cJSON *bundle = cJSON_Parse(out);
    assert_non_null(bundle);
    free(out);
    free(case_id);
    return bundle;
}

/* The raw bytes of a bundle, as JSON. */
static cJSON *raw_of(const cJSON *bundle)
{
    const char *base64 = string_of(bundle, "raw_base64");
    size_t len = strlen(base64);
    assert_true(len > 0 && len % 4 == 0);
    unsigned char *raw = malloc(len / 4 * 3 + 1);
    assert_non_null(raw);
    int decoded = EVP_DecodeBlock(raw, (const unsigned char *)base64, (int)len);
    assert_true(decoded > 0);
    /* EVP_DecodeBlock counts the padding's zero bytes too; JSON ends at its closing brace. */
    while (decoded > 0 && raw[decoded - 1] == '\0')
        decoded--;
    cJSON *json = cJSON_ParseWithLength((const char *)raw, (size_t)decoded);
    assert_non_null(json);
    free(raw);
    return json;
}

static void test_a_like_of_the_partisan_post_is_one_case_of_the_recipe_none(void **state)
{
    (void)state;
    char partisan[ID_MAX], recipe[ID_MAX], call[ID_MAX], query[BSKY_URI_MAX * 3 + 16];
    like_id(partisan, sizeof(partisan), SITI, world.partisan.uri);
    like_id(recipe, sizeof(recipe), SITI, world.recipe.uri);
    like_id(call, sizeof(call), SITI, world.neighbour_call.uri);

    char *verdict = verdict_of(partisan);
    assert_string_equal(verdict, "suspect");
    free(verdict);
    assert_true(case_exists(SITI, partisan));
    verdict = verdict_of(recipe);
    assert_string_equal(verdict, "clear");
    free(verdict);
    assert_false(case_exists(SITI, recipe));
    /* The same words from the neighbour: a like of them is political, not a case. */
    verdict = verdict_of(call);
    assert_string_equal(verdict, "political");
    free(verdict);
    assert_false(case_exists(SITI, call));
    assert_int_equal(cases_with(SITI, ":like:"), 1);
    assert_int_equal(cases_with(BUDI, ":like:"), 0);

    /* The liked text is the one getPosts shows. */
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    char *uri = curl_easy_escape(curl, world.partisan.uri, 0);
    snprintf(query, sizeof(query), "uris=%s", uri);
    curl_free(uri);
    curl_easy_cleanup(curl);
    cJSON *posts = bsky_appview_get("app.bsky.feed.getPosts", query);
    const cJSON *post = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(posts, "posts"), 0);
    const cJSON *author = cJSON_GetObjectItemCaseSensitive(post, "author");
    const char *shown_text = string_of(cJSON_GetObjectItemCaseSensitive(post, "record"), "text");
    assert_string_equal(shown_text, PARTISAN_TEXT);

    int count;
    cJSON *queued = stream_messages("like");
    /* Siti's three likes, nobody else's. */
    assert_int_equal(cJSON_GetArraySize(queued), 3);
    const cJSON *message = message_with_id(queued, partisan, &count);
    assert_int_equal(count, 1);
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(message, "target");
    char page[BSKY_URI_MAX + 64];
    snprintf(page, sizeof(page), "https://bsky.app/profile/%s/post/%s", world.candidate.handle,
             strrchr(world.partisan.uri, '/') + 1);
    assert_string_equal(string_of(message, "author"), SITI->account.handle);
    assert_string_equal(string_of(message, "url"), page);
    assert_true(string_of(message, "created_at")[0] != '\0');
    assert_string_equal(string_of(target, "id"), world.partisan.uri);
    assert_string_equal(string_of(target, "account"), string_of(author, "handle"));
    assert_string_equal(string_of(target, "account_id"), world.candidate.did);
    assert_string_equal(string_of(target, "name"), string_of(author, "displayName"));
    assert_string_equal(string_of(target, "text"), shown_text);
    assert_string_equal(string_of(target, "url"), page);
    message_with_id(queued, recipe, &count);
    assert_int_equal(count, 1);
    message_with_id(queued, call, &count);
    assert_int_equal(count, 1);
    cJSON_Delete(queued);

    /* The case's evidence holds the liked text and the like record as the PDS listed it. */
    cJSON *bundle = evidence_of(partisan);
    const cJSON *evidence_message = cJSON_GetObjectItemCaseSensitive(bundle, "message");
    assert_string_equal(string_of(bundle, "post_id"), partisan);
    assert_string_equal(
        string_of(cJSON_GetObjectItemCaseSensitive(evidence_message, "target"), "text"),
        PARTISAN_TEXT);
    cJSON *raw = raw_of(bundle);
    assert_string_equal(string_of(cJSON_GetObjectItemCaseSensitive(raw, "like"), "uri"),
                        world.partisan_like.uri);
    assert_string_equal(string_of(cJSON_GetObjectItemCaseSensitive(raw, "post"), "uri"),
                        world.partisan.uri);
    cJSON_Delete(raw);
    cJSON_Delete(bundle);
    cJSON_Delete(posts);
}

/* Messages of kind in the stream. */
static int stream_count(const char *kind)
{
    cJSON *messages = stream_messages(kind);
    int count = cJSON_GetArraySize(messages);
    cJSON_Delete(messages);
    return count;
}

static void test_an_unfollow_is_silent_and_a_refollow_makes_no_second_case(void **state)
{
    (void)state;
    char candidate[ID_MAX];
    struct bsky_ref refollow;
    int count;
    follow_id(candidate, sizeof(candidate), BUDI, world.candidate.did);
    long long removed_before = test_heartbeat_counter(&world.crawl, "crawler", "follows_removed");
    int follows_before = stream_count("follow");

    bsky_record_delete(&BUDI->account, world.budi_follows_candidate.uri);
    long long unfollowed = test_now_ms();
    struct membership gone = {BUDI, world.candidate.did, 0};
    if (!test_wait_for(membership_is, &gone, PASS_MS))
        report_and_fail("an unfollow did not leave the followed set within one pass");
    fprintf(stderr, "interop: an unfollow left the followed set %lld ms after the PDS took it\n",
            test_now_ms() - unfollowed);
    assert_true(sets_match_follows(NULL));
    assert_int_equal(stream_count("follow"), follows_before);
    assert_true(test_heartbeat_reaches(&world.crawl, "crawler", "follows_removed",
                                       removed_before + 1, 5000));

    /* Following again is a new record, a new follow to the set, and queued again: the worker
     * finds the case it already opened for this message id. */
    follow(BUDI, &world.candidate, &refollow);
    assert_string_not_equal(refollow.uri, world.budi_follows_candidate.uri);
    struct membership back = {BUDI, world.candidate.did, 1};
    if (!test_wait_for(membership_is, &back, PASS_MS))
        report_and_fail("a follow made again did not return to the followed set within one pass");
    wait_full_pass();
    cJSON *queued = stream_messages("follow");
    message_with_id(queued, candidate, &count);
    assert_int_equal(count, 2);
    assert_int_equal(cJSON_GetArraySize(queued), follows_before + 1);
    cJSON_Delete(queued);
    if (!test_wait_for(worker_caught_up, NULL, ARRIVAL_MS))
        report_and_fail("the worker did not take in the stream");
    assert_int_equal(cases_with(BUDI, ":follow:"), 1);
    assert_true(case_exists(BUDI, candidate));
    world.budi_follows_candidate = refollow;
}

/* Likes made after the last crawl are above each account's likes cursor: the next pass queues
 * them alone, for an account that liked before (it pages down to its cursor) and one that never
 * did (no cursor yet). */
static void test_new_likes_arrive_within_one_pass(void **state)
{
    (void)state;
    char agus_like[ID_MAX], siti_like[ID_MAX];
    struct bsky_ref rally;
    int likes_before = stream_count("like");
    long long siti_cases_before = cases_with(SITI, ":like:");

    bsky_record_create(&world.candidate, "app.bsky.feed.post",
                       bsky_post_record(SECOND_PARTISAN_TEXT), &rally);
    like(AGUS, &world.partisan, NULL);
    like(SITI, &rally, NULL);
    long long liked = test_now_ms();
    like_id(agus_like, sizeof(agus_like), AGUS, world.partisan.uri);
    like_id(siti_like, sizeof(siti_like), SITI, rally.uri);
    char *verdict = verdict_of(agus_like);
    assert_string_equal(verdict, "suspect");
    free(verdict);
    verdict = verdict_of(siti_like);
    fprintf(stderr, "interop: two new likes were scored %lld ms after the PDS took them\n",
            test_now_ms() - liked);
    assert_string_equal(verdict, "suspect");
    free(verdict);
    assert_true(case_exists(AGUS, agus_like));
    assert_true(case_exists(SITI, siti_like));
    wait_full_pass();
    assert_int_equal(stream_count("like"), likes_before + 2);
    assert_int_equal(cases_with(AGUS, ":like:"), 1);
    assert_int_equal(cases_with(SITI, ":like:"), siti_cases_before + 1);
}

static void test_a_second_pass_adds_nothing(void **state)
{
    (void)state;
    long long before = test_stream_length(&world.crawl);
    wait_full_pass();
    assert_int_equal(test_stream_length(&world.crawl), before);
    if (!sets_match_follows(NULL))
        report_and_fail("after a second pass the followed sets are not what getFollows shows");
    assert_int_equal(cases_with(BUDI, ":follow:"), 1);
    assert_int_equal(cases_with(SITI, ":like:"), 2);
    assert_int_equal(cases_with(AGUS, ":like:"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_followed_sets_and_stream_hold_exactly_what_getfollows_shows),
        cmocka_unit_test(test_a_follow_of_the_candidate_is_one_case_of_the_neighbour_none),
        cmocka_unit_test(test_a_like_of_the_partisan_post_is_one_case_of_the_recipe_none),
        cmocka_unit_test(test_an_unfollow_is_silent_and_a_refollow_makes_no_second_case),
        cmocka_unit_test(test_new_likes_arrive_within_one_pass),
        cmocka_unit_test(test_a_second_pass_adds_nothing),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
