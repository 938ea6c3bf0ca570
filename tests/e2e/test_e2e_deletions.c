/* Deleted posts through the whole of netra: a post netra-sim deletes after netra queued it is
 * found by the next complete listing. A flagged one keeps its case, which says "deleted after
 * flag" and still verifies; an unflagged one loses its result and stream entry while its id stays
 * deduplicated; a listing answered 429 or 500 deletes nothing. */
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

#include "queue/cases.h"
#include "queue/keys.h"
#include "tests/desk/desk_test.h"
#include "tests/e2e/e2e_test.h"
#include "tests/support/test_support.h"

/* --platforms bluesky,mastodon,x in round-robin order. */
#define ACCOUNTS 3
#define ON_BLUESKY "acc-1"
#define ON_MASTODON "acc-2"
#define ON_X "acc-3"
/* How long a change may take to show: a check listing comes every CHECK_S, then the worker. */
#define CHECK_S 3
#define ARRIVAL_MS 20000
#define PARTISAN_TEXT                                                                          \
    "Ayo bapak ibu, tanggal 27 November coblos nomor 2 Pak Hendra Wiratmaja! Dukung terus "  \
    "paslon nomor 2 #HendraMenang"
#define RECIPE_TEXT                                                                            \
    "Resep rendang daging sapi: bumbu halus, santan kental, masak tiga jam dengan api kecil. " \
    "Enak sekali buat makan siang keluarga."

struct world {
    struct test_sim sim;
    struct test_crawl crawl;
    struct desk_test desk;
    pid_t crawler, worker;
};

static void world_start(struct world *w, const char *name)
{
    char extra[256];
    test_sim_start(&w->sim, 83, ACCOUNTS, "--history-days", "1", "--platforms",
                   "bluesky,mastodon,x", NULL);
    desk_test_start(&w->desk, name, NULL);
    snprintf(extra, sizeof(extra), "{\"crawler\": {\"deletion_check_s\": %d}}", CHECK_S);
    e2e_setup(&w->crawl, &w->sim, name, NULL, w->desk.config->redis.key_prefix, extra);
    test_crawl_import(&w->crawl);
    w->crawler = test_crawler_start(&w->crawl, "crawler-d");
    w->worker = e2e_worker_start(&w->crawl, "worker-d");
}

static void world_stop(struct world *w)
{
    assert_int_equal(test_crawler_stop(w->worker, SIGTERM, 10000), 0);
    assert_int_equal(test_crawler_stop(w->crawler, SIGTERM, 10000), 0);
    test_crawl_teardown(&w->crawl);
    desk_test_stop(&w->desk);
    test_sim_stop(&w->sim);
}

static void world_report(struct world *w)
{
    e2e_report(&w->crawl, "crawler-d", "worker-d", (char *)NULL);
}

/* POST /_sim/publish: the new post's id, "<platform>:<native id>" (caller frees). */
static char *sim_publish(struct world *w, const char *account, const char *text)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"account\": \"%s\", \"text\": \"%s\"}", account, text);
    cJSON *answer = test_sim_call(&w->sim, "POST", "/_sim/publish", body, 201);
    char *id = strdup(cJSON_GetObjectItemCaseSensitive(answer, "id")->valuestring);
    cJSON_Delete(answer);
    assert_non_null(id);
    return id;
}

static void sim_delete(struct world *w, const char *post_id)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"id\": \"%s\"}", post_id);
    cJSON_Delete(test_sim_call(&w->sim, "POST", "/_sim/delete", body, 200));
}

static void sim_fault(struct world *w, const char *account, const char *mode)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"account\": \"%s\", \"mode\": \"%s\"}", account, mode);
    cJSON_Delete(test_sim_call(&w->sim, "POST", "/_sim/faults", body, 201));
}

/* ---- what Redis holds -------------------------------------------------------------------- */

static void case_key_of(struct world *w, const char *account, const char *post_id,
                        char key[KEYS_MAX_LEN])
{
    char id[CASE_ID_LEN + 1], err[256];
    cases_id(account, post_id, id);
    assert_int_equal(keys_case(key, KEYS_MAX_LEN, w->crawl.prefix, 0, id, err, sizeof(err)), 0);
}

/* A field of the post's case, "" when absent (caller frees). */
static char *post_case_field(struct world *w, const char *account, const char *post_id,
                        const char *field)
{
    char key[KEYS_MAX_LEN];
    case_key_of(w, account, post_id, key);
    redisReply *reply = redisCommand(w->crawl.redis, "HGET %s %s", key, field);
    assert_non_null(reply);
    char *value = strdup(reply->type == REDIS_REPLY_STRING ? reply->str : "");
    freeReplyObject(reply);
    assert_non_null(value);
    return value;
}

static int key_exists(struct world *w, const char *key)
{
    redisReply *reply = redisCommand(w->crawl.redis, "EXISTS %s", key);
    assert_non_null(reply);
    int found = reply->integer == 1;
    freeReplyObject(reply);
    return found;
}

static int post_key_exists(struct world *w, const char *post_id,
                           int (*name)(char *, size_t, const char *, int, const char *, char *,
                                       size_t))
{
    char key[KEYS_MAX_LEN], err[256];
    assert_int_equal(name(key, sizeof(key), w->crawl.prefix, 0, post_id, err, sizeof(err)), 0);
    return key_exists(w, key);
}

static long long entries_with_id(struct world *w, const char *entry_id)
{
    char key[KEYS_MAX_LEN], err[256];
    assert_int_equal(keys_posts(key, sizeof(key), w->crawl.prefix, 0, err, sizeof(err)), 0);
    redisReply *reply = redisCommand(w->crawl.redis, "XRANGE %s %s %s", key, entry_id, entry_id);
    assert_non_null(reply);
    long long count = (long long)reply->elements;
    freeReplyObject(reply);
    return count;
}

/* GET path on the desk as a reviewer: the JSON answer (caller frees). */
static cJSON *desk_get(struct world *w, const char *path)
{
    struct desk_test_response response;
    desk_test_request(&w->desk, "GET", path, &desk_test_reviewer, NULL, &response);
    assert_int_equal(response.status, 200);
    cJSON *json = cJSON_Parse(response.body);
    if (json == NULL)
        fail_msg("not JSON: %.300s", response.body);
    desk_test_response_free(&response);
    return json;
}

/* The console's view of a case deleted after the flag: the case's "deleted" and its queue row's
 * deleted_at both say when it was first missed. */
static void assert_desk_shows_deleted(struct world *w, const char *account, const char *post_id,
                                      const char *deleted_at)
{
    char case_id[CASE_ID_LEN + 1], path[128];
    cases_id(account, post_id, case_id);
    snprintf(path, sizeof(path), "/api/cases/%s", case_id);
    cJSON *kase = desk_get(w, path);
    const cJSON *deleted = cJSON_GetObjectItemCaseSensitive(kase, "deleted");
    assert_true(cJSON_IsObject(deleted));
    assert_true(cJSON_GetObjectItemCaseSensitive(deleted, "deleted_at")->valuedouble ==
                strtod(deleted_at, NULL));
    assert_true(cJSON_GetObjectItemCaseSensitive(deleted, "last_seen")->valuedouble > 0);
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(deleted, "how")));
    cJSON_Delete(kase);

    cJSON *queue = desk_get(w, "/api/cases?status=all");
    int found = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(queue, "cases"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "id");
        if (cJSON_IsString(id) && strcmp(id->valuestring, case_id) == 0) {
            found = 1;
            assert_true(cJSON_GetObjectItemCaseSensitive(row, "deleted_at")->valuedouble ==
                        strtod(deleted_at, NULL));
        }
    }
    assert_true(found);
    cJSON_Delete(queue);
}

/* A counter of the crawler's heartbeat (0 when absent). */
static long long crawler_counter(struct world *w, const char *name)
{
    char key[KEYS_MAX_LEN], err[256];
    assert_int_equal(keys_proc(key, sizeof(key), w->crawl.prefix, "crawler-d", err, sizeof(err)),
                     0);
    redisReply *reply = redisCommand(w->crawl.redis, "HGET %s %s", key, name);
    assert_non_null(reply);
    long long value = reply->type == REDIS_REPLY_STRING ? atoll(reply->str) : 0;
    freeReplyObject(reply);
    return value;
}

struct counted {
    struct world *w;
    const char *name;
    long long at_least;
};

static int counter_reached(void *arg)
{
    struct counted *c = arg;
    return crawler_counter(c->w, c->name) >= c->at_least;
}

static void wait_for_counter(struct world *w, const char *name, long long at_least)
{
    struct counted counted = {w, name, at_least};
    if (!test_wait_for(counter_reached, &counted, 5000))
        fail_msg("the crawler's %s is %lld, not at least %lld", name, crawler_counter(w, name),
                 at_least);
}

/* ---- waiting -------------------------------------------------------------------------------- */

struct probe {
    struct world *w;
    const char *account, *post_id;
};

static int is_scored(void *arg)
{
    struct probe *p = arg;
    char *verdict = e2e_result_field(&p->w->crawl, p->post_id, "verdict");
    int done = verdict[0] != '\0';
    free(verdict);
    return done;
}

static char *wait_for_verdict(struct world *w, const char *post_id)
{
    struct probe probe = {w, NULL, post_id};
    if (!test_wait_for(is_scored, &probe, ARRIVAL_MS)) {
        world_report(w);
        fail_msg("%s was not scored within %d ms", post_id, ARRIVAL_MS);
    }
    return e2e_result_field(&w->crawl, post_id, "verdict");
}

static int case_says_deleted(void *arg)
{
    struct probe *p = arg;
    char *deleted_at = post_case_field(p->w, p->account, p->post_id, "deleted_at");
    int done = deleted_at[0] != '\0';
    free(deleted_at);
    return done;
}

static int is_purged(void *arg)
{
    struct probe *p = arg;
    return !post_key_exists(p->w, p->post_id, keys_result);
}

/* ---- the behaviour ----------------------------------------------------------------------- */

static void flagged_post_deleted(struct world *w, const char *account)
{
    char *post_id = sim_publish(w, account, PARTISAN_TEXT);
    char *verdict = wait_for_verdict(w, post_id);
    assert_string_equal(verdict, "suspect");
    free(verdict);
    char *evidence_before = post_case_field(w, account, post_id, "evidence");
    char *raw_before = post_case_field(w, account, post_id, "raw_sha256");
    assert_true(evidence_before[0] != '\0');

    long long deleted_ms = test_now_ms();
    sim_delete(w, post_id);
    struct probe probe = {w, account, post_id};
    if (!test_wait_for(case_says_deleted, &probe, ARRIVAL_MS)) {
        world_report(w);
        fail_msg("the case of %s does not say it was deleted after %d ms", post_id, ARRIVAL_MS);
    }
    char *deleted_at = post_case_field(w, account, post_id, "deleted_at");
    char *last_seen = post_case_field(w, account, post_id, "deleted_last_seen");
    char *how = post_case_field(w, account, post_id, "deleted_how");
    char *status = post_case_field(w, account, post_id, "status");
    char *evidence_after = post_case_field(w, account, post_id, "evidence");
    char *raw_after = post_case_field(w, account, post_id, "raw_sha256");
    /* First missed by a listing that began after the deletion; last seen by one before it. */
    assert_true(atoll(deleted_at) >= deleted_ms - 1000);
    assert_true(atoll(last_seen) > 0 && atoll(last_seen) <= deleted_ms);
    assert_true(strcmp(how, "listing") == 0 || strcmp(how, "check listing") == 0);
    assert_string_equal(status, "pending");
    assert_string_equal(evidence_after, evidence_before);
    assert_string_equal(raw_after, raw_before);
    assert_true(post_key_exists(w, post_id, keys_result));
    assert_desk_shows_deleted(w, account, post_id, deleted_at);
    free(deleted_at);
    free(last_seen);
    free(how);
    free(status);
    free(evidence_before);
    free(evidence_after);
    free(raw_before);
    free(raw_after);
    free(post_id);
}

static void a_flagged_post_deleted_keeps_its_case_which_says_so_and_verifies(void **state)
{
    (void)state;
    struct world w;
    world_start(&w, "del-flag");
    flagged_post_deleted(&w, ON_BLUESKY);
    flagged_post_deleted(&w, ON_MASTODON);
    flagged_post_deleted(&w, ON_X);
    wait_for_counter(&w, "deleted_flagged", 3);
    assert_true(crawler_counter(&w, "deletions_detected") >= 3);
    char *out = NULL;
    if (test_netra(&w.crawl, &out, "evidence", "verify", (char *)NULL) != 0)
        fail_msg("netra evidence verify: %s", out);
    free(out);
    world_stop(&w);
}

static void unflagged_post_deleted(struct world *w, const char *account)
{
    char *post_id = sim_publish(w, account, RECIPE_TEXT);
    char *verdict = wait_for_verdict(w, post_id);
    assert_string_equal(verdict, "clear");
    free(verdict);
    char *entry = e2e_result_field(&w->crawl, post_id, "entry");
    assert_int_equal(entries_with_id(w, entry), 1);

    sim_delete(w, post_id);
    struct probe probe = {w, account, post_id};
    if (!test_wait_for(is_purged, &probe, ARRIVAL_MS)) {
        world_report(w);
        fail_msg("the result of %s is still there %d ms after its deletion", post_id,
                 ARRIVAL_MS);
    }
    assert_int_equal(entries_with_id(w, entry), 0);
    assert_true(post_key_exists(w, post_id, keys_seen));
    assert_true(post_key_exists(w, post_id, keys_deleted));
    free(entry);
    free(post_id);
}

static void an_unflagged_post_deleted_is_purged_and_stays_deduplicated(void **state)
{
    (void)state;
    struct world w;
    world_start(&w, "del-purge");
    unflagged_post_deleted(&w, ON_BLUESKY);
    unflagged_post_deleted(&w, ON_MASTODON);
    unflagged_post_deleted(&w, ON_X);
    wait_for_counter(&w, "deleted_purged", 3);
    world_stop(&w);
}

/* While every page of one account is answered 429 and of another 500, no listing of theirs
 * completes and nothing they held is deleted; once the platform answers again, both deletions
 * are found. */
static void a_listing_answered_429_or_500_deletes_nothing(void **state)
{
    (void)state;
    struct world w;
    world_start(&w, "del-fault");
    static const char *const accounts[] = {ON_MASTODON, ON_X};
    static const char *const modes[] = {"rate_limit", "error_500"};
    char *post_ids[2];
    for (size_t i = 0; i < 2; i++) {
        post_ids[i] = sim_publish(&w, accounts[i], RECIPE_TEXT);
        free(wait_for_verdict(&w, post_ids[i]));
    }
    for (size_t i = 0; i < 2; i++) {
        sim_fault(&w, accounts[i], modes[i]);
        sim_delete(&w, post_ids[i]);
    }
    usleep(3 * CHECK_S * 1000 * 1000);
    for (size_t i = 0; i < 2; i++) {
        assert_true(post_key_exists(&w, post_ids[i], keys_result));
        assert_false(post_key_exists(&w, post_ids[i], keys_deleted));
    }
    cJSON_Delete(test_sim_call(&w.sim, "DELETE", "/_sim/faults", NULL, 200));
    for (size_t i = 0; i < 2; i++) {
        struct probe probe = {&w, accounts[i], post_ids[i]};
        if (!test_wait_for(is_purged, &probe, 2 * ARRIVAL_MS)) {
            world_report(&w);
            fail_msg("%s was not found deleted once the platform answered again", post_ids[i]);
        }
        free(post_ids[i]);
    }
    world_stop(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_flagged_post_deleted_keeps_its_case_which_says_so_and_verifies),
        cmocka_unit_test(an_unflagged_post_deleted_is_purged_and_stays_deduplicated),
        cmocka_unit_test(a_listing_answered_429_or_500_deletes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
