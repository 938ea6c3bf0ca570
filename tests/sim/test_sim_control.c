/* The control endpoints: publish, edit and delete as the platforms then show them, the ground
 * truth in /_sim/posts, /_sim/accounts, statistics (requests, statuses, per-account
 * concurrency), bad requests, and determinism from the seed over HTTP. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_test.h"

struct fixture {
    struct sim *sim;
    char statuses[200]; /* acc-1 on Mastodon */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct sim_options options;
    sim_test_options(&options);
    f->sim = sim_test_start(&options);
    snprintf(f->statuses, sizeof(f->statuses), "/mastodon/api/v1/accounts/%s/statuses?limit=5",
             f->sim->world.accounts[0].native_id);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sim_test_stop(f->sim);
    free(f);
    return 0;
}

static cJSON *find_post(cJSON *posts_doc, const char *id)
{
    cJSON *post;
    cJSON_ArrayForEach(post, cJSON_GetObjectItem(posts_doc, "posts"))
    {
        if (strcmp(json_string(post, "id"), id) == 0)
            return post;
    }
    return NULL;
}

static void test_accounts(void **state)
{
    struct fixture *f = *state;
    cJSON *doc = sim_test_get_json(f->sim, "/_sim/accounts", 200);
    cJSON *accounts = cJSON_GetObjectItem(doc, "accounts");
    assert_int_equal(cJSON_GetArraySize(accounts), 10);
    static const char *const platforms[] = {"mastodon", "bluesky", "x", "feed", "jsonapi"};
    int i = 0;
    cJSON *a;
    cJSON_ArrayForEach(a, accounts)
    {
        char id[16];
        snprintf(id, sizeof(id), "acc-%d", i + 1);
        assert_string_equal(json_string(a, "id"), id);
        assert_string_equal(json_string(a, "platform"), platforms[i % 5]);
        json_string(a, "handle");
        json_string(a, "native_id");
        json_string(a, "region");
        assert_int_equal(strlen(json_string(a, "nip")), 18);
        i++;
    }
    cJSON *mastodon = cJSON_GetArrayItem(accounts, 0);
    assert_non_null(strstr(json_string(mastodon, "handle"), "@sim.mastodon"));
    cJSON *feed = cJSON_GetArrayItem(accounts, 3);
    char expected[160];
    snprintf(expected, sizeof(expected), "%s/feed/acc-4.rss", f->sim->world.base_url);
    assert_string_equal(json_string(feed, "handle"), expected);
    cJSON_Delete(doc);
}

static void test_posts_are_the_ground_truth(void **state)
{
    struct fixture *f = *state;
    cJSON *doc = sim_test_get_json(f->sim, "/_sim/posts", 200);
    cJSON *posts = cJSON_GetObjectItem(doc, "posts");
    assert_true(cJSON_GetArraySize(posts) > 1000);
    int kinds[4] = {0};
    cJSON *p;
    cJSON_ArrayForEach(p, posts)
    {
        const char *id = json_string(p, "id");
        char expected[300];
        snprintf(expected, sizeof(expected), "%s:%s", json_string(p, "platform"), json_string(p, "native_id"));
        assert_string_equal(id, expected);
        assert_int_equal(strlen(json_string(p, "created_at")), 24);
        assert_true(strcmp(json_string(p, "created_at"), "2024-10-27T03:33:20.000Z") <= 0);
        const char *kind = json_string(p, "kind");
        kinds[strcmp(kind, "post") == 0 ? 0 : strcmp(kind, "repost") == 0 ? 1 : strcmp(kind, "reply") == 0 ? 2 : 3]++;
        assert_true(cJSON_IsBool(cJSON_GetObjectItem(p, "edited")));
        /* History before start is never edited or deleted. */
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(p, "deleted")));
        json_string(p, "text");
        json_string(p, "account");
    }
    for (int k = 0; k < 4; k++)
        assert_true(kinds[k] > 0);
    cJSON_Delete(doc);
    doc = sim_test_get_json(f->sim, "/_sim/posts?account=acc-2", 200);
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(doc, "posts"))
    {
        assert_string_equal(json_string(p, "account"), "acc-2");
    }
    cJSON_Delete(doc);
}

static void test_publish_edit_delete_as_mastodon_shows_them(void **state)
{
    struct fixture *f = *state;
    cJSON *made = sim_test_post_json(f->sim, "/_sim/publish", "{\"account\":\"acc-1\",\"text\":\"Apel pagi\"}", 201);
    const char *id = json_string(made, "id");
    assert_string_equal(json_string(made, "platform"), "mastodon");
    assert_string_equal(json_string(made, "account"), "acc-1");

    cJSON *list = sim_test_get_json(f->sim, f->statuses, 200);
    assert_string_equal(json_string(cJSON_GetArrayItem(list, 0), "id"), json_string(made, "native_id"));
    assert_string_equal(json_string(cJSON_GetArrayItem(list, 0), "content"), "<p>Apel pagi</p>");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "edited_at")));
    cJSON_Delete(list);

    char body[256];
    snprintf(body, sizeof(body), "{\"id\":\"%s\",\"text\":\"Apel pagi diundur jam 8\"}", id);
    cJSON *done = sim_test_post_json(f->sim, "/_sim/edit", body, 200);
    cJSON_Delete(done);
    list = sim_test_get_json(f->sim, f->statuses, 200);
    cJSON *top = cJSON_GetArrayItem(list, 0);
    assert_string_equal(json_string(top, "content"), "<p>Apel pagi diundur jam 8</p>");
    json_string(top, "edited_at");
    cJSON_Delete(list);
    cJSON *truth = sim_test_get_json(f->sim, "/_sim/posts?account=acc-1", 200);
    cJSON *post = find_post(truth, id);
    assert_non_null(post);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(post, "edited")));
    assert_string_equal(json_string(post, "text"), "Apel pagi diundur jam 8");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(post, "category")));
    cJSON_Delete(truth);

    snprintf(body, sizeof(body), "{\"id\":\"%s\"}", id);
    done = sim_test_post_json(f->sim, "/_sim/delete", body, 200);
    cJSON_Delete(done);
    list = sim_test_get_json(f->sim, f->statuses, 200);
    assert_string_not_equal(json_string(cJSON_GetArrayItem(list, 0), "id"), json_string(made, "native_id"));
    cJSON_Delete(list);
    truth = sim_test_get_json(f->sim, "/_sim/posts?account=acc-1", 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(find_post(truth, id), "deleted")));
    cJSON_Delete(truth);

    /* A deleted post cannot be edited; deleting again is fine. */
    snprintf(body, sizeof(body), "{\"id\":\"%s\",\"text\":\"lagi\"}", id);
    cJSON *e = sim_test_post_json(f->sim, "/_sim/edit", body, 409);
    cJSON_Delete(e);
    snprintf(body, sizeof(body), "{\"id\":\"%s\"}", id);
    done = sim_test_post_json(f->sim, "/_sim/delete", body, 200);
    cJSON_Delete(done);
    cJSON_Delete(made);
}

/* Every platform shows a published post at once, under the id /_sim/publish gave. */
static void test_publish_reaches_every_platform(void **state)
{
    struct fixture *f = *state;
    struct sim_world *w = &f->sim->world;
    for (int i = 1; i <= 4; i++) {
        char body[128];
        snprintf(body, sizeof(body), "{\"account\":\"acc-%d\",\"text\":\"Kabar hari ini %d\"}", i + 1, i);
        cJSON *made = sim_test_post_json(f->sim, "/_sim/publish", body, 201);
        const char *native = json_string(made, "native_id");
        char path[512];
        const char *const *headers = NULL;
        const char *auth[] = {"Authorization: Bearer " SIM_DEFAULT_TOKEN, NULL};
        switch (i) {
        case 1:
            snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=%s&limit=1", w->accounts[1].native_id);
            break;
        case 2:
            snprintf(path, sizeof(path), "/x/2/users/%s/tweets?max_results=5", w->accounts[2].native_id);
            headers = auth;
            break;
        case 3:
            snprintf(path, sizeof(path), "/feed/acc-4.rss");
            break;
        default:
            snprintf(path, sizeof(path), "/jsonapi/accounts/%s/posts", w->accounts[4].username);
            break;
        }
        char *url = sim_test_url(f->sim, path);
        struct http_options options = {.headers = headers};
        struct http_response r;
        http_do(url, &options, &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, native));
        char text[32];
        snprintf(text, sizeof(text), "Kabar hari ini %d", i);
        assert_non_null(strstr(r.body, text));
        http_response_free(&r);
        free(url);
        cJSON_Delete(made);
    }
}

static void test_bad_control_requests(void **state)
{
    struct fixture *f = *state;
    cJSON *e = sim_test_post_json(f->sim, "/_sim/publish", "{\"account\":\"acc-1\"", 400);
    assert_non_null(strstr(json_string(e, "error"), "not JSON"));
    cJSON_Delete(e);
    e = sim_test_post_json(f->sim, "/_sim/publish", "{\"text\":\"x\"}", 400);
    assert_non_null(strstr(json_string(e, "error"), "\"account\""));
    cJSON_Delete(e);
    e = sim_test_post_json(f->sim, "/_sim/publish", "{\"account\":\"acc-1\",\"text\":\"\"}", 400);
    cJSON_Delete(e);
    e = sim_test_post_json(f->sim, "/_sim/publish", "{\"account\":\"acc-1\",\"text\":\"bad \xff byte\"}", 400);
    assert_non_null(strstr(json_string(e, "error"), "UTF-8"));
    cJSON_Delete(e);
    e = sim_test_post_json(f->sim, "/_sim/publish", "{\"account\":\"acc-77\",\"text\":\"x\"}", 404);
    cJSON_Delete(e);
    e = sim_test_post_json(f->sim, "/_sim/publish", "[1,2]", 400);
    cJSON_Delete(e);
    e = sim_test_post_json(f->sim, "/_sim/edit", "{\"id\":\"mastodon:1\",\"text\":\"x\"}", 404);
    cJSON_Delete(e);
    e = sim_test_post_json(f->sim, "/_sim/delete", "{\"id\":\"nope\"}", 404);
    cJSON_Delete(e);
    e = sim_test_post_json(f->sim, "/_sim/teleport", "{}", 404);
    cJSON_Delete(e);

    /* A body over 64 KiB is refused, not buffered. */
    size_t big = 70 * 1024;
    char *body = malloc(big + 64);
    snprintf(body, 64, "{\"account\":\"acc-1\",\"text\":\"");
    size_t at = strlen(body);
    memset(body + at, 'a', big);
    snprintf(body + at + big, 8, "\"}");
    e = sim_test_post_json(f->sim, "/_sim/publish", body, 413);
    cJSON_Delete(e);
    free(body);

    /* Platforms take GET only; unknown prefixes are 404. */
    char *url = sim_test_url(f->sim, f->statuses);
    struct http_options post = {.body = "{}"};
    struct http_response r;
    http_do(url, &post, &r);
    assert_int_equal(r.status, 405);
    http_response_free(&r);
    free(url);
    e = sim_test_get_json(f->sim, "/facebook/graph", 404);
    cJSON_Delete(e);
}

static void test_stats_count_requests(void **state)
{
    struct fixture *f = *state;
    char *url = sim_test_url(f->sim, "/_sim/stats");
    struct http_options reset = {.method = "DELETE"};
    struct http_response r;
    http_do(url, &reset, &r);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    free(url);
    for (int i = 0; i < 3; i++) {
        cJSON *list = sim_test_get_json(f->sim, f->statuses, 200);
        cJSON_Delete(list);
    }
    cJSON *e = sim_test_get_json(f->sim, "/feed/acc-77.rss", 404);
    cJSON_Delete(e);
    cJSON *stats = sim_test_get_json(f->sim, "/_sim/stats", 200);
    /* Three statuses, one 404, and this stats request itself. */
    assert_int_equal(cJSON_GetObjectItem(stats, "requests")->valueint, 5);
    char path[200];
    snprintf(path, sizeof(path), "/mastodon/api/v1/accounts/%s/statuses", f->sim->world.accounts[0].native_id);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(stats, "by_path"), path)->valueint, 3);
    /* The three statuses and the reset's own answer (this request's is not sent yet). */
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(stats, "by_status"), "200")->valueint, 4);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(stats, "by_status"), "404")->valueint, 1);
    cJSON *acc = cJSON_GetObjectItem(cJSON_GetObjectItem(stats, "per_account"), "acc-1");
    assert_int_equal(cJSON_GetObjectItem(acc, "requests")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItem(acc, "concurrent_max")->valueint, 1);
    assert_true(cJSON_GetObjectItem(acc, "last_at_ms")->valuedouble > 1.7e12);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(stats, "concurrent_max_per_account"), "acc-1")->valueint, 1);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(stats, "per_account"), "acc-2"));
    cJSON_Delete(stats);
}

struct slow_fetch {
    char *url;
    struct http_response r;
};

static void *slow_fetch_thread(void *cls)
{
    struct slow_fetch *s = cls;
    struct http_options options = {.timeout_ms = 5000};
    http_do(s->url, &options, &s->r);
    return NULL;
}

/* Two requests for one account at once show as concurrent_max 2. */
static void test_stats_see_overlapping_requests(void **state)
{
    struct fixture *f = *state;
    cJSON *done = sim_test_post_json(f->sim, "/_sim/faults",
                                     "{\"account\":\"acc-1\",\"mode\":\"stall\",\"count\":2,\"seconds\":0.6}", 201);
    cJSON_Delete(done);
    struct slow_fetch a = {sim_test_url(f->sim, f->statuses), {0}};
    struct slow_fetch b = {sim_test_url(f->sim, f->statuses), {0}};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, slow_fetch_thread, &a);
    pthread_create(&tb, NULL, slow_fetch_thread, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    http_response_free(&a.r);
    http_response_free(&b.r);
    free(a.url);
    free(b.url);
    cJSON *stats = sim_test_get_json(f->sim, "/_sim/stats", 200);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(stats, "concurrent_max_per_account"), "acc-1")->valueint, 2);
    cJSON *acc = cJSON_GetObjectItem(cJSON_GetObjectItem(stats, "per_account"), "acc-1");
    assert_int_equal(cJSON_GetObjectItem(acc, "in_flight")->valueint, 0);
    cJSON_Delete(stats);
}

/* Two simulators with one seed and start serve the same world; another seed, another world. */
static void test_same_seed_same_answers(void **state)
{
    (void)state;
    struct sim_options options;
    sim_test_options(&options);
    struct sim *a = sim_test_start(&options);
    struct sim *b = sim_test_start(&options);
    options.world.seed = 8;
    struct sim *c = sim_test_start(&options);
    cJSON *pa = sim_test_get_json(a, "/_sim/posts", 200);
    cJSON *pb = sim_test_get_json(b, "/_sim/posts", 200);
    cJSON *pc = sim_test_get_json(c, "/_sim/posts", 200);
    assert_true(cJSON_Compare(pa, pb, 1));
    assert_false(cJSON_Compare(pa, pc, 1));
    char path[200];
    snprintf(path, sizeof(path), "/mastodon/api/v1/accounts/%s/statuses?limit=40", a->world.accounts[0].native_id);
    cJSON *sa = sim_test_get_json(a, path, 200);
    cJSON *sb = sim_test_get_json(b, path, 200);
    assert_true(cJSON_Compare(sa, sb, 1));
    cJSON_Delete(sa);
    cJSON_Delete(sb);
    cJSON_Delete(pa);
    cJSON_Delete(pb);
    cJSON_Delete(pc);
    sim_test_stop(a);
    sim_test_stop(b);
    sim_test_stop(c);
}

/* Virtual time runs at --speed: at a day per second, new posts appear within a second. */
static void test_posts_appear_as_time_passes(void **state)
{
    (void)state;
    struct sim_options options;
    sim_test_options(&options);
    options.world.speed = 86400;
    options.world.posts_per_day = 48;
    options.world.accounts = 2;
    struct sim *sim = sim_test_start(&options);
    cJSON *before = sim_test_get_json(sim, "/_sim/posts?account=acc-1", 200);
    cJSON *clock = sim_test_get_json(sim, "/_sim/clock", 200);
    assert_true(cJSON_GetObjectItem(clock, "now_ms")->valuedouble >= SIM_TEST_START_S * 1000.0);
    struct timespec pause = {0, 500 * 1000000L};
    nanosleep(&pause, NULL);
    cJSON *after = sim_test_get_json(sim, "/_sim/posts?account=acc-1", 200);
    /* Half a virtual day at 48 a day: about 24 more. */
    int grown = cJSON_GetArraySize(cJSON_GetObjectItem(after, "posts")) -
                cJSON_GetArraySize(cJSON_GetObjectItem(before, "posts"));
    assert_true(grown >= 8 && grown <= 60);
    cJSON_Delete(before);
    cJSON_Delete(after);
    cJSON_Delete(clock);
    sim_test_stop(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accounts),
        cmocka_unit_test(test_posts_are_the_ground_truth),
        cmocka_unit_test(test_publish_edit_delete_as_mastodon_shows_them),
        cmocka_unit_test(test_publish_reaches_every_platform),
        cmocka_unit_test(test_bad_control_requests),
        cmocka_unit_test(test_stats_count_requests),
        cmocka_unit_test(test_stats_see_overlapping_requests),
        cmocka_unit_test(test_same_seed_same_answers),
        cmocka_unit_test(test_posts_appear_as_time_passes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
