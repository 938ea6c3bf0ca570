/* Follows and likes: the five requests in the platforms' formats, paging that lists every item
 * exactly once (checked against /_sim/engagement), limits, the control routes (follow, unfollow,
 * like, unlike, like again), a fault on the second page, determinism from the seed and change
 * over virtual time, and the --rules-out ruleset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "sim/buf.h"
#include "sim/cli.h"
#include "sim/engage.h"
#include "sim/outputs.h"
#include "sim_test.h"
#include "tests/support/test_support.h"

static const char *const bearer[] = {"Authorization: Bearer " SIM_DEFAULT_TOKEN, NULL};

static int setup(void **state)
{
    struct sim_options options;
    sim_test_options(&options);
    *state = sim_test_start(&options);
    return 0;
}

static int teardown(void **state)
{
    sim_test_stop(*state);
    return 0;
}

/* acc-N's native id. */
static const char *native_id(const struct sim *sim, const char *account)
{
    return world_account_by_id((struct sim_world *)&sim->world, account)->native_id;
}

static cJSON *engagement(const struct sim *sim, const char *account)
{
    char path[128];
    snprintf(path, sizeof(path), "/_sim/engagement?account=%s", account);
    return sim_test_get_json(sim, path, 200);
}

/* The values of one field of the ground truth's follows or likes, in order. */
static cJSON *truth_list(const struct sim *sim, const char *account, const char *list,
                         const char *field)
{
    cJSON *doc = engagement(sim, account);
    cJSON *out = cJSON_CreateArray();
    cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, list))
    {
        cJSON_AddItemToArray(out, cJSON_CreateString(json_string(item, field)));
    }
    cJSON_Delete(doc);
    return out;
}

static void assert_same_list(const cJSON *expected, const cJSON *got)
{
    assert_int_equal(cJSON_GetArraySize(expected), cJSON_GetArraySize(got));
    for (int i = 0; i < cJSON_GetArraySize(expected); i++)
        assert_string_equal(cJSON_GetArrayItem(expected, i)->valuestring,
                            cJSON_GetArrayItem(got, i)->valuestring);
}

/* The rel="next" target of a Link header, as a path on the sim, or NULL. */
static char *next_path(const struct sim *sim, const struct http_response *response)
{
    char *link = http_header(response, "Link");
    char *out = NULL;
    if (link != NULL) {
        char *next = strstr(link, ">; rel=\"next\"");
        if (next != NULL) {
            *next = '\0';
            char *start = strrchr(link, '<');
            assert_non_null(start);
            out = strdup(start + 1 + strlen(sim->world.base_url));
        }
    }
    free(link);
    return out;
}

static cJSON *mastodon_following(const struct sim *sim, const char *account, long limit,
                                 int *pages)
{
    cJSON *ids = cJSON_CreateArray();
    char first[256];
    snprintf(first, sizeof(first), "/mastodon/api/v1/accounts/%s/following?limit=%ld",
             native_id(sim, account), limit);
    char *path = strdup(first);
    *pages = 0;
    while (path != NULL) {
        char *url = sim_test_url(sim, path);
        struct http_response r;
        http_get(url, &r);
        assert_int_equal(r.status, 200);
        cJSON *list = http_json(&r);
        assert_true(cJSON_IsArray(list));
        assert_true(cJSON_GetArraySize(list) <= limit);
        cJSON *a;
        cJSON_ArrayForEach(a, list)
        {
            json_string(a, "username");
            json_string(a, "acct");
            json_string(a, "display_name");
            json_string(a, "url");
            json_string(a, "note");
            assert_false(json_array_has(ids, json_string(a, "id")));
            cJSON_AddItemToArray(ids, cJSON_CreateString(json_string(a, "id")));
        }
        free(path);
        path = next_path(sim, &r);
        (*pages)++;
        cJSON_Delete(list);
        http_response_free(&r);
        free(url);
    }
    return ids;
}

static void test_mastodon_following_pages_cover_the_list_once(void **state)
{
    struct sim *sim = *state;
    cJSON *truth = truth_list(sim, "acc-1", "follows", "native_id");
    assert_true(cJSON_GetArraySize(truth) >= 3);
    int pages = 0;
    cJSON *got = mastodon_following(sim, "acc-1", 2, &pages);
    assert_same_list(truth, got);
    assert_true(pages >= 2);
    cJSON_Delete(got);
    got = mastodon_following(sim, "acc-1", 40, &pages);
    assert_same_list(truth, got);
    assert_int_equal(pages, 1);
    cJSON_Delete(got);
    cJSON_Delete(truth);
}

static void test_mastodon_following_limit_is_clamped(void **state)
{
    struct sim *sim = *state;
    char path[256];
    snprintf(path, sizeof(path), "/mastodon/api/v1/accounts/%s/following?limit=500",
             native_id(sim, "acc-1"));
    char *url = sim_test_url(sim, path);
    struct http_response r;
    http_get(url, &r);
    assert_int_equal(r.status, 200);
    char *link = http_header(&r, "Link");
    assert_non_null(link);
    assert_non_null(strstr(link, "limit=80&since_id="));
    free(link);
    http_response_free(&r);
    free(url);
}

static void test_bluesky_follows_pages_with_cursor(void **state)
{
    struct sim *sim = *state;
    cJSON *truth = truth_list(sim, "acc-2", "follows", "native_id");
    cJSON *got = cJSON_CreateArray();
    char cursor[64] = "";
    int pages = 0;
    do {
        char path[256];
        snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.graph.getFollows?actor=%s&limit=2%s%s",
                 native_id(sim, "acc-2"), cursor[0] ? "&cursor=" : "", cursor);
        cJSON *doc = sim_test_get_json(sim, path, 200);
        assert_string_equal(json_string(cJSON_GetObjectItem(doc, "subject"), "did"),
                            native_id(sim, "acc-2"));
        cJSON *p;
        cJSON_ArrayForEach(p, cJSON_GetObjectItem(doc, "follows"))
        {
            json_string(p, "handle");
            json_string(p, "displayName");
            json_string(p, "description");
            json_string(p, "indexedAt");
            assert_false(json_array_has(got, json_string(p, "did")));
            cJSON_AddItemToArray(got, cJSON_CreateString(json_string(p, "did")));
        }
        const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "cursor"));
        snprintf(cursor, sizeof(cursor), "%s", next != NULL ? next : "");
        cJSON_Delete(doc);
        pages++;
    } while (cursor[0] != '\0');
    assert_same_list(truth, got);
    assert_true(pages >= 2);
    cJSON_Delete(truth);
    cJSON_Delete(got);

    char path[256];
    snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.graph.getFollows?actor=%s&limit=101",
             native_id(sim, "acc-2"));
    cJSON *bad = sim_test_get_json(sim, path, 400);
    assert_string_equal(json_string(bad, "error"), "InvalidRequest");
    cJSON_Delete(bad);
}

static void test_x_following_pages_with_token(void **state)
{
    struct sim *sim = *state;
    cJSON *truth = truth_list(sim, "acc-3", "follows", "native_id");
    cJSON *got = cJSON_CreateArray();
    char token[64] = "";
    do {
        char path[256];
        snprintf(path, sizeof(path),
                 "/x/2/users/%s/following?max_results=2&user.fields=description,url%s%s",
                 native_id(sim, "acc-3"), token[0] ? "&pagination_token=" : "", token);
        char *url = sim_test_url(sim, path);
        struct http_response r;
        http_do(url, &(struct http_options){.headers = bearer}, &r);
        assert_int_equal(r.status, 200);
        cJSON *doc = http_json(&r);
        cJSON *meta = cJSON_GetObjectItem(doc, "meta");
        cJSON *u;
        int n = 0;
        cJSON_ArrayForEach(u, cJSON_GetObjectItem(doc, "data"))
        {
            json_string(u, "username");
            json_string(u, "name");
            json_string(u, "description");
            cJSON_AddItemToArray(got, cJSON_CreateString(json_string(u, "id")));
            n++;
        }
        assert_int_equal(cJSON_GetObjectItem(meta, "result_count")->valueint, n);
        const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(meta, "next_token"));
        snprintf(token, sizeof(token), "%s", next != NULL ? next : "");
        cJSON_Delete(doc);
        http_response_free(&r);
        free(url);
    } while (token[0] != '\0');
    assert_same_list(truth, got);
    cJSON_Delete(truth);
    cJSON_Delete(got);

    char path[256];
    snprintf(path, sizeof(path), "/x/2/users/%s/following", native_id(sim, "acc-3"));
    char *url = sim_test_url(sim, path);
    struct http_response r;
    http_get(url, &r);
    assert_int_equal(r.status, 401);
    http_response_free(&r);
    snprintf(path, sizeof(path), "/x/2/users/%s/following?max_results=1001",
             native_id(sim, "acc-3"));
    free(url);
    url = sim_test_url(sim, path);
    http_do(url, &(struct http_options){.headers = bearer}, &r);
    assert_int_equal(r.status, 400);
    http_response_free(&r);
    free(url);
}

/* Every like record's subject URI, paging with limit; reverse lists oldest first. */
static cJSON *like_subjects(const struct sim *sim, const char *account, int limit, int reverse)
{
    cJSON *got = cJSON_CreateArray();
    char cursor[64] = "";
    do {
        char path[512];
        snprintf(path, sizeof(path),
                 "/bluesky/xrpc/com.atproto.repo.listRecords?repo=%s&collection=app.bsky.feed.like"
                 "&limit=%d%s%s%s",
                 native_id(sim, account), limit, reverse ? "&reverse=true" : "",
                 cursor[0] ? "&cursor=" : "", cursor);
        cJSON *doc = sim_test_get_json(sim, path, 200);
        cJSON *record;
        int n = 0;
        cJSON_ArrayForEach(record, cJSON_GetObjectItem(doc, "records"))
        {
            char prefix[128];
            snprintf(prefix, sizeof(prefix), "at://%s/app.bsky.feed.like/",
                     native_id(sim, account));
            assert_memory_equal(json_string(record, "uri"), prefix, strlen(prefix));
            json_string(record, "cid");
            cJSON *value = cJSON_GetObjectItem(record, "value");
            assert_string_equal(json_string(value, "$type"), "app.bsky.feed.like");
            json_string(value, "createdAt");
            cJSON *subject = cJSON_GetObjectItem(value, "subject");
            json_string(subject, "cid");
            cJSON_AddItemToArray(got, cJSON_CreateString(json_string(subject, "uri")));
            n++;
        }
        assert_true(n <= limit);
        const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "cursor"));
        snprintf(cursor, sizeof(cursor), "%s", next != NULL ? next : "");
        cJSON_Delete(doc);
    } while (cursor[0] != '\0');
    return got;
}

static void test_bluesky_like_records_page_and_reverse(void **state)
{
    struct sim *sim = *state;
    cJSON *truth = truth_list(sim, "acc-2", "likes", "uri");
    assert_true(cJSON_GetArraySize(truth) > 20);
    cJSON *got = like_subjects(sim, "acc-2", 7, 0);
    assert_same_list(truth, got);
    cJSON *reversed = like_subjects(sim, "acc-2", 100, 1);
    int n = cJSON_GetArraySize(truth);
    assert_int_equal(cJSON_GetArraySize(reversed), n);
    for (int i = 0; i < n; i++)
        assert_string_equal(cJSON_GetArrayItem(truth, i)->valuestring,
                            cJSON_GetArrayItem(reversed, n - 1 - i)->valuestring);
    cJSON_Delete(truth);
    cJSON_Delete(got);
    cJSON_Delete(reversed);

    char path[256];
    snprintf(path, sizeof(path),
             "/bluesky/xrpc/com.atproto.repo.listRecords?repo=nobody.bsky.sim"
             "&collection=app.bsky.feed.like");
    cJSON *bad = sim_test_get_json(sim, path, 400);
    assert_string_equal(json_string(bad, "error"), "RepoNotFound");
    cJSON_Delete(bad);
}

static void test_bluesky_get_posts_reads_liked_posts(void **state)
{
    struct sim *sim = *state;
    cJSON *truth = truth_list(sim, "acc-2", "likes", "uri");
    struct buf path;
    buf_init(&path);
    buf_puts(&path, "/bluesky/xrpc/app.bsky.feed.getPosts?uris=at://did:plc:unknown/"
                    "app.bsky.feed.post/3lc6y2re6tcbz");
    for (int i = 0; i < 24; i++)
        buf_printf(&path, "&uris=%s", cJSON_GetArrayItem(truth, i)->valuestring);
    cJSON *doc = sim_test_get_json(sim, path.data, 200);
    cJSON *posts = cJSON_GetObjectItem(doc, "posts");
    assert_int_equal(cJSON_GetArraySize(posts), 24);
    for (int i = 0; i < 24; i++) {
        cJSON *post = cJSON_GetArrayItem(posts, i);
        assert_string_equal(json_string(post, "uri"), cJSON_GetArrayItem(truth, i)->valuestring);
        assert_true(strlen(json_string(cJSON_GetObjectItem(post, "record"), "text")) > 0);
        json_string(cJSON_GetObjectItem(post, "author"), "handle");
        /* The author is the DID in the post's URI. */
        const char *did = json_string(cJSON_GetObjectItem(post, "author"), "did");
        assert_memory_equal(json_string(post, "uri") + 5, did, strlen(did));
    }
    cJSON_Delete(doc);
    buf_printf(&path, "&uris=%s", cJSON_GetArrayItem(truth, 24)->valuestring);
    doc = sim_test_get_json(sim, path.data, 400);
    cJSON_Delete(doc);
    buf_free(&path);
    cJSON_Delete(truth);
}

/* A post by someone outside the watchlist names its author by the DID its profile shows, the
 * DID netra takes from a like's subject URI when the post cannot be read. */
static void test_bluesky_other_authors_posts_carry_their_did(void **state)
{
    struct sim *sim = *state;
    char path[256];
    snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=%s&limit=100",
             native_id(sim, "acc-2"));
    cJSON *doc = sim_test_get_json(sim, path, 200);
    int reposts = 0;
    cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, "feed"))
    {
        if (cJSON_GetObjectItem(item, "reason") == NULL)
            continue;
        cJSON *post = cJSON_GetObjectItem(item, "post");
        const char *did = json_string(cJSON_GetObjectItem(post, "author"), "did");
        assert_memory_equal(json_string(post, "uri") + 5, did, strlen(did));
        reposts++;
    }
    assert_true(reposts > 0);
    cJSON_Delete(doc);
}

static void test_x_liked_tweets_page_with_authors(void **state)
{
    struct sim *sim = *state;
    cJSON *truth = truth_list(sim, "acc-3", "likes", "native_id");
    cJSON *got = cJSON_CreateArray();
    char token[64] = "";
    do {
        char path[512];
        snprintf(path, sizeof(path),
                 "/x/2/users/%s/liked_tweets?max_results=10&expansions=author_id"
                 "&tweet.fields=created_at,author_id,lang&user.fields=username,name%s%s",
                 native_id(sim, "acc-3"), token[0] ? "&pagination_token=" : "", token);
        char *url = sim_test_url(sim, path);
        struct http_response r;
        http_do(url, &(struct http_options){.headers = bearer}, &r);
        assert_int_equal(r.status, 200);
        cJSON *doc = http_json(&r);
        cJSON *users = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "includes"), "users");
        cJSON *tweet;
        cJSON_ArrayForEach(tweet, cJSON_GetObjectItem(doc, "data"))
        {
            json_string(tweet, "text");
            json_string(tweet, "created_at");
            const char *author = json_string(tweet, "author_id");
            int found = 0;
            cJSON *u;
            cJSON_ArrayForEach(u, users)
            {
                found |= strcmp(json_string(u, "id"), author) == 0;
            }
            assert_true(found);
            cJSON_AddItemToArray(got, cJSON_CreateString(json_string(tweet, "id")));
        }
        const char *next = cJSON_GetStringValue(
            cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "next_token"));
        snprintf(token, sizeof(token), "%s", next != NULL ? next : "");
        cJSON_Delete(doc);
        http_response_free(&r);
        free(url);
    } while (token[0] != '\0');
    assert_same_list(truth, got);
    cJSON_Delete(truth);
    cJSON_Delete(got);
}

static void test_control_follow_and_unfollow(void **state)
{
    struct sim *sim = *state;
    cJSON *out = sim_test_post_json(sim, "/_sim/follow",
                                    "{\"account\":\"acc-2\",\"target\":\"gerindra.bsky.sim\"}", 201);
    assert_string_equal(json_string(out, "target"), "gerindra.bsky.sim");
    char did[96];
    snprintf(did, sizeof(did), "%s", json_string(out, "target_id"));
    cJSON_Delete(out);
    /* Newest first: the new follow heads the list. */
    char path[256];
    snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.graph.getFollows?actor=%s",
             native_id(sim, "acc-2"));
    cJSON *doc = sim_test_get_json(sim, path, 200);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "follows"), 0);
    assert_string_equal(json_string(first, "did"), did);
    assert_string_equal(json_string(first, "handle"), "gerindra.bsky.sim");
    cJSON_Delete(doc);

    out = sim_test_post_json(sim, "/_sim/follow",
                             "{\"account\":\"acc-2\",\"target\":\"gerindra.bsky.sim\"}", 409);
    cJSON_Delete(out);
    out = sim_test_post_json(sim, "/_sim/unfollow",
                             "{\"account\":\"acc-2\",\"target\":\"gerindra.bsky.sim\"}", 200);
    cJSON_Delete(out);
    cJSON *truth = truth_list(sim, "acc-2", "follows", "native_id");
    assert_false(json_array_has(truth, did));
    cJSON_Delete(truth);

    /* X and Mastodon by their own handles; a watched neighbour too. */
    out = sim_test_post_json(sim, "/_sim/follow",
                             "{\"account\":\"acc-3\",\"target\":\"hendra_wiratma\"}", 201);
    cJSON_Delete(out);
    out = sim_test_post_json(sim, "/_sim/follow",
                             "{\"account\":\"acc-1\",\"target\":\"relawan_yudis@sim.mastodon\"}",
                             201);
    cJSON_Delete(out);
    cJSON *mastodon = truth_list(sim, "acc-1", "follows", "handle");
    assert_string_equal(cJSON_GetArrayItem(mastodon, 0)->valuestring,
                        "relawan_yudis@sim.mastodon");
    cJSON_Delete(mastodon);

    out = sim_test_post_json(sim, "/_sim/follow", "{\"account\":\"acc-2\",\"target\":\"nobody\"}",
                             404);
    assert_non_null(strstr(json_string(out, "error"), "\"target\""));
    cJSON_Delete(out);
    out = sim_test_post_json(sim, "/_sim/follow", "{\"account\":\"acc-4\",\"target\":\"x\"}", 400);
    assert_non_null(strstr(json_string(out, "error"), "\"account\""));
    cJSON_Delete(out);
    out = sim_test_post_json(sim, "/_sim/follow", "{\"account\":\"acc-2\"}", 400);
    assert_non_null(strstr(json_string(out, "error"), "\"target\""));
    cJSON_Delete(out);
}

static void test_control_like_unlike_and_like_again(void **state)
{
    struct sim *sim = *state;
    cJSON *out = sim_test_post_json(
        sim, "/_sim/like",
        "{\"account\":\"acc-2\",\"author\":\"hendra-wiratma.bsky.sim\",\"text\":\"Coblos nomor 2!\"}",
        201);
    char uri[256];
    snprintf(uri, sizeof(uri), "%s", json_string(out, "uri"));
    assert_non_null(strstr(json_string(out, "url"), "https://bsky.app/profile/hendra-wiratma"));
    cJSON_Delete(out);

    cJSON *subjects = like_subjects(sim, "acc-2", 100, 0);
    assert_string_equal(cJSON_GetArrayItem(subjects, 0)->valuestring, uri);
    cJSON_Delete(subjects);
    char path[512];
    snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.feed.getPosts?uris=%s", uri);
    cJSON *doc = sim_test_get_json(sim, path, 200);
    cJSON *post = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "posts"), 0);
    assert_string_equal(json_string(cJSON_GetObjectItem(post, "record"), "text"),
                        "Coblos nomor 2!");
    cJSON_Delete(doc);

    char body[512];
    snprintf(body, sizeof(body), "{\"account\":\"acc-2\",\"post\":\"%s\"}", uri);
    out = sim_test_post_json(sim, "/_sim/unlike", body, 200);
    cJSON_Delete(out);
    subjects = like_subjects(sim, "acc-2", 100, 0);
    assert_false(json_array_has(subjects, uri));
    cJSON_Delete(subjects);
    out = sim_test_post_json(sim, "/_sim/unlike", body, 409);
    cJSON_Delete(out);
    out = sim_test_post_json(sim, "/_sim/like", body, 201);
    assert_string_equal(json_string(out, "uri"), uri);
    cJSON_Delete(out);
    subjects = like_subjects(sim, "acc-2", 100, 0);
    assert_string_equal(cJSON_GetArrayItem(subjects, 0)->valuestring, uri);
    cJSON_Delete(subjects);
    out = sim_test_post_json(sim, "/_sim/like", body, 409);
    cJSON_Delete(out);

    /* A watched account's post, on X: a new post of that account, liked. */
    out = sim_test_post_json(sim, "/_sim/like",
                             "{\"account\":\"acc-3\",\"author\":\"acc-8\",\"text\":\"x\"}", 404);
    assert_non_null(strstr(json_string(out, "error"), "\"author\""));
    cJSON_Delete(out);
    snprintf(body, sizeof(body), "{\"account\":\"acc-3\",\"author\":\"%s\",\"text\":\"Resep rendang\"}",
             sim->world.accounts[7].username);
    out = sim_test_post_json(sim, "/_sim/like", body, 201);
    char tweet[64];
    snprintf(tweet, sizeof(tweet), "%s", json_string(out, "native_id"));
    cJSON_Delete(out);
    cJSON *liked = truth_list(sim, "acc-3", "likes", "native_id");
    assert_string_equal(cJSON_GetArrayItem(liked, 0)->valuestring, tweet);
    cJSON_Delete(liked);
    cJSON *visible = sim_test_visible_ids(sim, "acc-8");
    char id[96];
    snprintf(id, sizeof(id), "x:%s", tweet);
    assert_true(json_array_has(visible, id));
    cJSON_Delete(visible);

    out = sim_test_post_json(sim, "/_sim/like",
                             "{\"account\":\"acc-1\",\"author\":\"gerindra\",\"text\":\"x\"}", 400);
    assert_non_null(strstr(json_string(out, "error"), "\"account\""));
    cJSON_Delete(out);
}

static void test_fault_on_the_second_page(void **state)
{
    struct sim *sim = *state;
    cJSON *truth = truth_list(sim, "acc-1", "follows", "native_id");
    char path[256];
    snprintf(path, sizeof(path), "/mastodon/api/v1/accounts/%s/following?limit=2",
             native_id(sim, "acc-1"));
    char *url = sim_test_url(sim, path);
    struct http_response r;
    http_get(url, &r);
    assert_int_equal(r.status, 200);
    char *second = next_path(sim, &r);
    assert_non_null(second);
    http_response_free(&r);
    free(url);

    cJSON *fault = sim_test_post_json(
        sim, "/_sim/faults", "{\"mode\":\"error_500\",\"account\":\"acc-1\",\"count\":1}", 201);
    cJSON_Delete(fault);
    fault = sim_test_post_json(
        sim, "/_sim/faults", "{\"mode\":\"rate_limit\",\"account\":\"acc-1\",\"count\":1}", 201);
    cJSON_Delete(fault);
    url = sim_test_url(sim, second);
    http_get(url, &r);
    assert_int_equal(r.status, 500);
    http_response_free(&r);
    http_get(url, &r);
    assert_int_equal(r.status, 429);
    http_response_free(&r);
    /* The retry gets the same page: what the first page did not list. */
    http_get(url, &r);
    assert_int_equal(r.status, 200);
    cJSON *page = http_json(&r);
    assert_string_equal(json_string(cJSON_GetArrayItem(page, 0), "id"),
                        cJSON_GetArrayItem(truth, 2)->valuestring);
    cJSON_Delete(page);
    http_response_free(&r);
    free(url);
    free(second);
    cJSON_Delete(truth);
}

static void test_engagement_names_the_account(void **state)
{
    struct sim *sim = *state;
    cJSON *doc = sim_test_get_json(sim, "/_sim/engagement?account=acc-99", 404);
    assert_non_null(strstr(json_string(doc, "error"), "\"account\""));
    cJSON_Delete(doc);
    doc = sim_test_get_json(sim, "/_sim/engagement", 400);
    cJSON_Delete(doc);
    doc = engagement(sim, "acc-4");
    assert_int_equal(cJSON_GetObjectItem(doc, "follow_count")->valueint, 0);
    assert_int_equal(cJSON_GetObjectItem(doc, "like_count")->valueint, 0);
    cJSON_Delete(doc);
}

/* ---- the world without HTTP ---- */

static void world_for(struct sim_world *world, uint64_t seed, size_t accounts)
{
    struct sim_world_options options = {
        .seed = seed,
        .accounts = accounts,
        .start_ms = SIM_TEST_START_S * 1000,
        .speed = 1e-6,
        .posts_per_day = 8,
        .history_days = 20,
    };
    char err[NETRA_ERR_LEN];
    assert_int_equal(world_init(world, &options, err, sizeof(err)), 0);
}

/* follows then likes of an account, as "handle@since" and native ids, one string. */
static char *describe(const struct sim_world *world, const struct engage *engage, size_t index,
                      int64_t now)
{
    struct buf out;
    buf_init(&out);
    struct engage_follow *follows = NULL;
    struct engage_like *likes = NULL;
    size_t follow_count = 0, like_count = 0;
    const struct sim_account *account = &world->accounts[index];
    assert_int_equal(engage_follows(world, engage, account, now, &follows, &follow_count), 0);
    assert_int_equal(engage_likes(world, engage, account, now, &likes, &like_count), 0);
    for (size_t i = 0; i < follow_count; i++) {
        char handle[256];
        engage_target_handle(world, account->platform, &follows[i].target, handle, sizeof(handle));
        buf_printf(&out, "%s@%lld ", handle, (long long)follows[i].since_ms);
    }
    for (size_t i = 0; i < like_count; i++)
        buf_printf(&out, "%s ", likes[i].post.native_id);
    engage_follows_free(follows);
    engage_likes_free(likes, like_count);
    return buf_steal(&out, NULL);
}

static void test_deterministic_from_the_seed(void **state)
{
    (void)state;
    struct sim_world a, b, c;
    struct engage none;
    engage_init(&none);
    world_for(&a, 7, 30);
    world_for(&b, 7, 30);
    world_for(&c, 8, 30);
    int64_t now = SIM_TEST_START_S * 1000;
    /* Asked in different orders, the same answers. */
    char *late = describe(&b, &none, 29, now);
    for (size_t i = 0; i < 30; i++) {
        char *x = describe(&a, &none, i, now);
        char *y = describe(&b, &none, i, now);
        char *z = describe(&c, &none, i, now);
        assert_string_equal(x, y);
        if (a.accounts[i].platform <= SIM_X)
            assert_string_not_equal(x, z);
        if (i == 29)
            assert_string_equal(x, late);
        free(x);
        free(y);
        free(z);
    }
    free(late);
    world_free(&a);
    world_free(&b);
    world_free(&c);
}

static void test_follows_and_likes_change_over_time(void **state)
{
    (void)state;
    struct sim_world world;
    struct engage none;
    engage_init(&none);
    world_for(&world, 7, 200);
    int64_t start = SIM_TEST_START_S * 1000, later = start + 40 * 86400000LL;
    size_t new_follows = 0, unfollows = 0, new_likes = 0;
    for (size_t i = 0; i < world.account_count; i++) {
        const struct sim_account *account = &world.accounts[i];
        struct engage_follow *before = NULL, *after = NULL;
        size_t nb = 0, na = 0;
        assert_int_equal(engage_follows(&world, &none, account, start, &before, &nb), 0);
        assert_int_equal(engage_follows(&world, &none, account, later, &after, &na), 0);
        for (size_t j = 0; j < na; j++) {
            int seen = 0;
            for (size_t k = 0; k < nb; k++)
                seen |= before[k].target.kind == after[j].target.kind &&
                        before[k].target.index == after[j].target.index;
            new_follows += !seen;
        }
        for (size_t k = 0; k < nb; k++) {
            int kept = 0;
            for (size_t j = 0; j < na; j++)
                kept |= before[k].target.kind == after[j].target.kind &&
                        before[k].target.index == after[j].target.index;
            unfollows += !kept;
        }
        engage_follows_free(before);
        engage_follows_free(after);
        struct engage_like *lb = NULL, *la = NULL;
        assert_int_equal(engage_likes(&world, &none, account, start, &lb, &nb), 0);
        assert_int_equal(engage_likes(&world, &none, account, later, &la, &na), 0);
        if (na > nb)
            new_likes += na - nb;
        engage_likes_free(lb, nb);
        engage_likes_free(la, na);
    }
    assert_true(new_follows > 0);
    assert_true(unfollows > 0);
    assert_true(new_likes > 0);
    world_free(&world);
}

static void test_some_accounts_follow_campaign_accounts(void **state)
{
    (void)state;
    struct sim_world world;
    struct engage none;
    engage_init(&none);
    world_for(&world, 7, 1000);
    size_t followers = 0, social = 0;
    for (size_t i = 0; i < world.account_count; i++) {
        const struct sim_account *account = &world.accounts[i];
        struct engage_follow *follows = NULL;
        size_t n = 0;
        assert_int_equal(engage_follows(&world, &none, account, INT64_MAX / 2, &follows, &n), 0);
        int campaign = 0;
        for (size_t j = 0; j < n; j++)
            campaign |= follows[j].target.kind == ENGAGE_AUTHOR &&
                        bank_author_at(follows[j].target.index)->role != BANK_ROLE_NONE;
        followers += (size_t)campaign;
        social += account->platform <= SIM_X;
        engage_follows_free(follows);
    }
    /* A few percent: 4% of the social accounts, give or take chance and unfollows. */
    assert_true(followers >= social / 100);
    assert_true(followers <= social / 10);
    world_free(&world);
}

static void test_rules_out_lists_campaign_accounts(void **state)
{
    struct sim *sim = *state;
    char *path = test_write_temp_file("", 0, ".jsonc");
    char err[NETRA_ERR_LEN];
    assert_int_equal(outputs_write_rules(sim, path, err, sizeof(err)), 0);
    char *text = test_read_file(path, NULL);
    assert_memory_equal(text, "//", 2);
    cJSON *doc = cJSON_Parse(strchr(text, '\n'));
    assert_non_null(doc);
    assert_string_equal(json_string(doc, "name"), "sim-campaign-accounts");
    assert_string_equal(json_string(doc, "region"), "all");
    cJSON *lists = cJSON_GetObjectItem(doc, "lists");
    cJSON *party = cJSON_GetObjectItem(lists, "party_account");
    assert_true(json_array_has(party, "@x:gerindra"));
    assert_true(json_array_has(party, "@bluesky:gerindra.bsky.sim"));
    assert_true(json_array_has(party, "@mastodon:gerindra@sim.mastodon"));
    cJSON *out = sim_test_post_json(sim, "/_sim/follow",
                                    "{\"account\":\"acc-7\",\"target\":\"gerindra.bsky.sim\"}", 201);
    char did[128];
    snprintf(did, sizeof(did), "@bluesky:%s", json_string(out, "target_id"));
    assert_true(json_array_has(party, did));
    cJSON_Delete(out);
    cJSON *candidates = cJSON_GetObjectItem(lists, "candidate_account");
    assert_true(json_array_has(candidates, "@x:hendra_wiratma"));
    assert_false(json_array_has(candidates, "@x:gerindra"));
    assert_true(json_array_has(cJSON_GetObjectItem(lists, "campaign_team_account"),
                               "@x:relawan_yudis"));
    /* News and government accounts are never campaign accounts. */
    cJSON *list;
    cJSON_ArrayForEach(list, lists)
    {
        assert_false(json_array_has(list, "@x:KPU_ID"));
        assert_false(json_array_has(list, "@x:kompascom"));
    }
    cJSON_Delete(doc);
    free(text);
    remove(path);
    free(path);

    struct sim_cli cli;
    char *argv[] = {"netra-sim", "--rules-out", "/tmp/rules.jsonc", NULL};
    assert_int_equal(sim_cli_parse(3, argv, &cli, err, sizeof(err)), 0);
    assert_string_equal(cli.rules_out, "/tmp/rules.jsonc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mastodon_following_pages_cover_the_list_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_mastodon_following_limit_is_clamped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bluesky_follows_pages_with_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_x_following_pages_with_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bluesky_like_records_page_and_reverse, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bluesky_get_posts_reads_liked_posts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bluesky_other_authors_posts_carry_their_did, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_x_liked_tweets_page_with_authors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_follow_and_unfollow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_like_unlike_and_like_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_on_the_second_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engagement_names_the_account, setup, teardown),
        cmocka_unit_test(test_deterministic_from_the_seed),
        cmocka_unit_test(test_follows_and_likes_change_over_time),
        cmocka_unit_test(test_some_accounts_follow_campaign_accounts),
        cmocka_unit_test_setup_teardown(test_rules_out_lists_campaign_accounts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
