/* Follows and likes as evidence, through the whole of netra: a watched account on netra-sim
 * starts following a campaign account, or likes a campaign account's partisan post, and the
 * engagement crawl, the worker and the rulesets (the shipped ones plus netra-sim's campaign
 * accounts, as the demo runs them) make exactly one case of it with its evidence; following a
 * colleague or liking a friend's recipe makes none; an unfollow and a re-follow make no second
 * case. */
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
#include "tests/e2e/e2e_test.h"
#include "tests/support/test_support.h"

/* --platforms x,bluesky,mastodon in round-robin order: acc-1 and acc-4 on X, acc-2 and acc-5 on
 * Bluesky, acc-3 and acc-6 on Mastodon. */
#define ACCOUNTS 6
#define ON_X "acc-1"
#define ON_BLUESKY "acc-2"
#define ON_MASTODON "acc-3"
/* engagement.interval_s of the test config, and how long a change may take to become a result:
 * the next engagement crawl, then the worker. */
#define ENGAGE_INTERVAL_S 2
#define ARRIVAL_MS 15000
#define PARTISAN_TEXT                                                                          \
    "Ayo bapak ibu, tanggal 27 November coblos nomor 2 Pak Hendra Wiratmaja! Dukung terus "  \
    "paslon nomor 2 #HendraMenang"
#define RECIPE_TEXT                                                                            \
    "Resep rendang daging sapi: bumbu halus, santan kental, masak tiga jam dengan api kecil. " \
    "Enak sekali buat makan siang keluarga."

struct world {
    struct test_sim sim;
    struct test_crawl crawl;
    pid_t crawler, worker;
    char rules[64];
};

/* The worker's rules: the shipped rulesets plus the simulator's campaign accounts, which the
 * simulator writes into the folder when it starts. */
static void rules_dir_with_shipped_rules(char *dir)
{
    char *shipped = test_source_path("config/rules");
    char command[1024];
    assert_non_null(mkdtemp(dir));
    snprintf(command, sizeof(command), "cp '%s'/*.jsonc '%s'/", shipped, dir);
    free(shipped);
    assert_int_equal(system(command), 0);
}

static void world_start(struct world *w, const char *name)
{
    char rules_out[128], extra[1024];
    snprintf(w->rules, sizeof(w->rules), "/tmp/netra-engage-rules-XXXXXX");
    rules_dir_with_shipped_rules(w->rules);
    snprintf(rules_out, sizeof(rules_out), "%s/sim-campaign-accounts.jsonc", w->rules);
    test_sim_start(&w->sim, 71, ACCOUNTS, "--start", "1730000000", "--history-days", "1",
                   "--platforms", "x,bluesky,mastodon", "--rules-out", rules_out, NULL);
    snprintf(extra, sizeof(extra),
             "{\"worker\": {\"rules_dir\": \"%s\"},"
             " \"engagement\": {\"enabled\": true, \"interval_s\": %d},"
             " \"platforms\": {\"x\": {\"likes\": true}}}",
             w->rules, ENGAGE_INTERVAL_S);
    e2e_setup(&w->crawl, &w->sim, name, NULL, NULL, extra);
    test_crawl_import(&w->crawl);
    w->crawler = test_crawler_start(&w->crawl, "crawler-e");
    w->worker = e2e_worker_start(&w->crawl, "worker-e");
}

static void world_stop(struct world *w)
{
    assert_int_equal(test_crawler_stop(w->worker, SIGTERM, 10000), 0);
    assert_int_equal(test_crawler_stop(w->crawler, SIGTERM, 10000), 0);
    test_crawl_teardown(&w->crawl);
    test_sim_stop(&w->sim);
    char command[128];
    snprintf(command, sizeof(command), "rm -rf '%s'", w->rules);
    assert_int_equal(system(command), 0);
}

static void world_report(struct world *w)
{
    e2e_report(&w->crawl, "crawler-e", "worker-e", (char *)NULL);
}

/* ---- what Redis holds -------------------------------------------------------------------- */

static long long followed_count(struct test_crawl *crawl, const char *account)
{
    char key[512], err[256];
    assert_int_equal(keys_follows(key, sizeof(key), crawl->config->redis.key_prefix, 0, account,
                                  err, sizeof(err)),
                     0);
    redisReply *reply = redisCommand(crawl->redis, "ZCARD %s", key);
    assert_non_null(reply);
    long long count = reply->integer;
    freeReplyObject(reply);
    return count;
}

static int follows_target(struct test_crawl *crawl, const char *account, const char *target_id)
{
    char key[512], err[256];
    assert_int_equal(keys_follows(key, sizeof(key), crawl->config->redis.key_prefix, 0, account,
                                  err, sizeof(err)),
                     0);
    redisReply *reply = redisCommand(crawl->redis, "ZSCORE %s %s", key, target_id);
    assert_non_null(reply);
    int held = reply->type != REDIS_REPLY_NIL;
    freeReplyObject(reply);
    return held;
}

/* Cases of account whose post id has the marker (":follow:", ":like:") in it. */
static long long cases_with(struct test_crawl *crawl, const char *account, const char *marker)
{
    long long count = 0;
    char pattern[300], err[256];
    assert_int_equal(keys_case_pattern(pattern, sizeof(pattern), crawl->config->redis.key_prefix,
                                       0, err, sizeof(err)),
                     0);
    char cursor[64] = "0";
    do {
        redisReply *scan =
            redisCommand(crawl->redis, "SCAN %s MATCH %s COUNT 1000", cursor, pattern);
        assert_non_null(scan);
        snprintf(cursor, sizeof(cursor), "%s", scan->element[0]->str);
        for (size_t i = 0; i < scan->element[1]->elements; i++) {
            redisReply *fields = redisCommand(crawl->redis, "HMGET %s account post_id",
                                              scan->element[1]->element[i]->str);
            assert_non_null(fields);
            if (fields->element[0]->type == REDIS_REPLY_STRING &&
                fields->element[1]->type == REDIS_REPLY_STRING &&
                strcmp(fields->element[0]->str, account) == 0 &&
                strstr(fields->element[1]->str, marker) != NULL)
                count++;
            freeReplyObject(fields);
        }
        freeReplyObject(scan);
    } while (strcmp(cursor, "0") != 0);
    return count;
}

static int case_exists(struct test_crawl *crawl, const char *account, const char *post_id)
{
    char id[CASE_ID_LEN + 1], key[300], err[256];
    cases_id(account, post_id, id);
    assert_int_equal(
        keys_case(key, sizeof(key), crawl->config->redis.key_prefix, 0, id, err, sizeof(err)), 0);
    redisReply *reply = redisCommand(crawl->redis, "EXISTS %s", key);
    assert_non_null(reply);
    int exists = reply->integer == 1;
    freeReplyObject(reply);
    return exists;
}

/* ---- the simulated world ------------------------------------------------------------------ */

static char *account_native_id(struct test_sim *sim, const char *account)
{
    cJSON *all = test_sim_call(sim, "GET", "/_sim/accounts", NULL, 200);
    char *native = NULL;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(all, "accounts"))
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(item, "id")->valuestring, account) == 0)
            native = strdup(cJSON_GetObjectItemCaseSensitive(item, "native_id")->valuestring);
    }
    cJSON_Delete(all);
    assert_non_null(native);
    return native;
}

static cJSON *engagement_of(struct test_sim *sim, const char *account)
{
    char path[128];
    snprintf(path, sizeof(path), "/_sim/engagement?account=%s", account);
    return test_sim_call(sim, "GET", path, NULL, 200);
}

/* The first of handles the account does not follow yet (the world's own follows are drawn
 * from the seed). */
static const char *not_yet_followed(struct test_sim *sim, const char *account,
                                    const char *const *handles, size_t count)
{
    cJSON *engagement = engagement_of(sim, account);
    const char *found = NULL;
    for (size_t i = 0; i < count && found == NULL; i++) {
        int followed = 0;
        const cJSON *follow;
        cJSON_ArrayForEach(follow, cJSON_GetObjectItemCaseSensitive(engagement, "follows"))
        {
            const char *handle = cJSON_GetObjectItemCaseSensitive(follow, "handle")->valuestring;
            if (strcasecmp(handle, handles[i]) == 0)
                followed = 1;
        }
        if (!followed)
            found = handles[i];
    }
    cJSON_Delete(engagement);
    assert_non_null(found);
    return found;
}

/* POST /_sim/follow or /_sim/unfollow; returns the target's native id (caller frees). */
static char *sim_follow(struct test_sim *sim, const char *route, const char *account,
                        const char *target, long expect)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"account\": \"%s\", \"target\": \"%s\"}", account, target);
    cJSON *answer = test_sim_call(sim, "POST", route, body, expect);
    char *target_id =
        strdup(cJSON_GetObjectItemCaseSensitive(answer, "target_id")->valuestring);
    cJSON_Delete(answer);
    return target_id;
}

/* POST /_sim/like of a new post by author; returns the liked post's native id (caller frees). */
static char *sim_like(struct test_sim *sim, const char *account, const char *author,
                      const char *text)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"account\": \"%s\", \"author\": \"%s\", \"text\": \"%s\"}",
             account, author, text);
    cJSON *answer = test_sim_call(sim, "POST", "/_sim/like", body, 201);
    char *native = strdup(cJSON_GetObjectItemCaseSensitive(answer, "native_id")->valuestring);
    cJSON_Delete(answer);
    return native;
}

/* ---- waiting -------------------------------------------------------------------------------- */

struct listed {
    struct world *w;
    const char *account;
};

/* The first engagement crawl of the account has stored its whole following list. */
static int following_list_stored(void *arg)
{
    struct listed *l = arg;
    cJSON *engagement = engagement_of(&l->w->sim, l->account);
    long long expected = (long long)cJSON_GetObjectItemCaseSensitive(engagement, "follow_count")
                             ->valuedouble;
    cJSON_Delete(engagement);
    return followed_count(&l->w->crawl, l->account) == expected;
}

struct scored {
    struct test_crawl *crawl;
    const char *post_id;
};

static int is_scored(void *arg)
{
    struct scored *s = arg;
    char *verdict = e2e_result_field(s->crawl, s->post_id, "verdict");
    int done = verdict[0] != '\0';
    free(verdict);
    return done;
}

static char *wait_for_verdict(struct world *w, const char *post_id)
{
    struct scored scored = {&w->crawl, post_id};
    if (!test_wait_for(is_scored, &scored, ARRIVAL_MS)) {
        world_report(w);
        fail_msg("%s was not scored within %d ms", post_id, ARRIVAL_MS);
    }
    return e2e_result_field(&w->crawl, post_id, "verdict");
}

struct membership {
    struct test_crawl *crawl;
    const char *account, *target_id;
    int want;
};

static int membership_is(void *arg)
{
    struct membership *m = arg;
    return follows_target(m->crawl, m->account, m->target_id) == m->want;
}

static void wait_for_membership(struct world *w, const char *account, const char *target_id,
                                int want)
{
    struct membership m = {&w->crawl, account, target_id, want};
    if (!test_wait_for(membership_is, &m, ARRIVAL_MS)) {
        world_report(w);
        fail_msg("%s %s %s in its followed set after %d ms", account,
                 want ? "does not hold" : "still holds", target_id, ARRIVAL_MS);
    }
}

static void wait_for_first_listing(struct world *w, const char *account)
{
    struct listed listed = {w, account};
    if (!test_wait_for(following_list_stored, &listed, 30000)) {
        world_report(w);
        fail_msg("the following list of %s was not stored", account);
    }
}

/* ---- the behaviour ----------------------------------------------------------------------- */

static void follow_case(struct world *w, const char *account, const char *const *campaign,
                        size_t campaign_count, const char *const *neighbours,
                        size_t neighbour_count)
{
    char *watched = account_native_id(&w->sim, account);
    wait_for_first_listing(w, account);
    long long follow_cases_before = cases_with(&w->crawl, account, ":follow:");

    const char *candidate = not_yet_followed(&w->sim, account, campaign, campaign_count);
    const char *neighbour = not_yet_followed(&w->sim, account, neighbours, neighbour_count);
    char *candidate_id = sim_follow(&w->sim, "/_sim/follow", account, candidate, 201);
    char *neighbour_id = sim_follow(&w->sim, "/_sim/follow", account, neighbour, 201);

    char platform[16];
    snprintf(platform, sizeof(platform), "%s",
             strcmp(account, ON_X) == 0 ? "x" : strcmp(account, ON_BLUESKY) == 0 ? "bluesky"
                                                                                 : "mastodon");
    char candidate_post[512], neighbour_post[512];
    snprintf(candidate_post, sizeof(candidate_post), "%s:follow:%s:%s", platform, watched,
             candidate_id);
    snprintf(neighbour_post, sizeof(neighbour_post), "%s:follow:%s:%s", platform, watched,
             neighbour_id);

    char *verdict = wait_for_verdict(w, candidate_post);
    assert_string_equal(verdict, "suspect");
    free(verdict);
    assert_true(case_exists(&w->crawl, account, candidate_post));
    verdict = wait_for_verdict(w, neighbour_post);
    assert_string_not_equal(verdict, "suspect");
    free(verdict);
    assert_false(case_exists(&w->crawl, account, neighbour_post));
    assert_int_equal(cases_with(&w->crawl, account, ":follow:"), follow_cases_before + 1);

    /* Unfollow: a complete listing drops it from the set. Follow again: it is new to the set,
     * goes through the worker again, and finds the case it already has. */
    free(sim_follow(&w->sim, "/_sim/unfollow", account, candidate, 200));
    wait_for_membership(w, account, candidate_id, 0);
    free(sim_follow(&w->sim, "/_sim/follow", account, candidate, 201));
    wait_for_membership(w, account, candidate_id, 1);
    usleep(2 * ENGAGE_INTERVAL_S * 1000 * 1000);
    assert_int_equal(cases_with(&w->crawl, account, ":follow:"), follow_cases_before + 1);
    assert_true(case_exists(&w->crawl, account, candidate_post));

    free(candidate_id);
    free(neighbour_id);
    free(watched);
}

static void a_follow_of_a_campaign_account_is_one_case_and_a_colleagues_none(void **state)
{
    (void)state;
    struct world w;
    world_start(&w, "follow");
    static const char *const campaign_x[] = {"gerindra", "PDI_Perjuangan", "hendra_wiratma",
                                             "ratnakusuma_ofc", "relawan_yudis"};
    static const char *const colleagues_x[] = {"dian_kusuma", "rahmat_hidayat", "kuliner_nusa"};
    follow_case(&w, ON_X, campaign_x, 5, colleagues_x, 3);
    static const char *const campaign_mastodon[] = {
        "gerindra@sim.mastodon", "PDI_Perjuangan@sim.mastodon", "hendra_wiratma@sim.mastodon",
        "ratnakusuma_ofc@sim.mastodon", "relawan_yudis@sim.mastodon"};
    static const char *const colleagues_mastodon[] = {
        "dian_kusuma@sim.mastodon", "rahmat_hidayat@sim.mastodon", "kuliner_nusa@sim.mastodon"};
    follow_case(&w, ON_MASTODON, campaign_mastodon, 5, colleagues_mastodon, 3);
    e2e_check_all_scored_once(&w.crawl, 30000);
    world_stop(&w);
}

static void like_case(struct world *w, const char *account, const char *platform,
                      const char *campaign, const char *friend)
{
    char *watched = account_native_id(&w->sim, account);
    long long like_cases_before = cases_with(&w->crawl, account, ":like:");
    char *partisan = sim_like(&w->sim, account, campaign, PARTISAN_TEXT);
    char *recipe = sim_like(&w->sim, account, friend, RECIPE_TEXT);
    char partisan_like[600], recipe_like[600];
    snprintf(partisan_like, sizeof(partisan_like), "%s:like:%s:%s", platform, watched, partisan);
    snprintf(recipe_like, sizeof(recipe_like), "%s:like:%s:%s", platform, watched, recipe);

    char *verdict = wait_for_verdict(w, partisan_like);
    assert_string_equal(verdict, "suspect");
    free(verdict);
    assert_true(case_exists(&w->crawl, account, partisan_like));
    verdict = wait_for_verdict(w, recipe_like);
    assert_string_equal(verdict, "clear");
    free(verdict);
    assert_false(case_exists(&w->crawl, account, recipe_like));
    assert_int_equal(cases_with(&w->crawl, account, ":like:"), like_cases_before + 1);
    free(partisan);
    free(recipe);
    free(watched);
}

static void a_like_of_a_campaign_post_is_a_case_and_of_a_recipe_none(void **state)
{
    (void)state;
    struct world w;
    world_start(&w, "like");
    wait_for_first_listing(&w, ON_BLUESKY);
    wait_for_first_listing(&w, ON_X);
    like_case(&w, ON_BLUESKY, "bluesky", "gerindra.bsky.sim", "dian-kusuma.bsky.sim");
    like_case(&w, ON_X, "x", "gerindra", "dian_kusuma");
    e2e_check_all_scored_once(&w.crawl, 30000);
    world_stop(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_follow_of_a_campaign_account_is_one_case_and_a_colleagues_none),
        cmocka_unit_test(a_like_of_a_campaign_post_is_a_case_and_of_a_recipe_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
