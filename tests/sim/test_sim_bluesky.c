/* Bluesky's AppView as the simulator serves it: handle resolution, the author feed's
 * feedViewPost shape, cursor paging, facets, reposts, replies, quotes, pins, errors. */
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
    cJSON *account;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct sim_options options;
    sim_test_options(&options);
    f->sim = sim_test_start(&options);
    f->account = sim_test_account(f->sim, "bluesky");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    cJSON_Delete(f->account);
    sim_test_stop(f->sim);
    free(f);
    return 0;
}

static cJSON *feed_page(struct fixture *f, const char *extra)
{
    char path[512];
    snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=%s%s",
             json_string(f->account, "native_id"), extra);
    return sim_test_get_json(f->sim, path, 200);
}

static void test_resolve_handle(void **state)
{
    struct fixture *f = *state;
    char path[256];
    snprintf(path, sizeof(path), "/bluesky/xrpc/com.atproto.identity.resolveHandle?handle=%s",
             json_string(f->account, "handle"));
    cJSON *doc = sim_test_get_json(f->sim, path, 200);
    assert_string_equal(json_string(doc, "did"), json_string(f->account, "native_id"));
    cJSON_Delete(doc);
    doc = sim_test_get_json(f->sim, "/bluesky/xrpc/com.atproto.identity.resolveHandle?handle=nobody.bsky.sim", 400);
    assert_string_equal(json_string(doc, "error"), "InvalidRequest");
    assert_string_equal(json_string(doc, "message"), "Unable to resolve handle");
    cJSON_Delete(doc);
}

static void test_feed_view_post_shape(void **state)
{
    struct fixture *f = *state;
    cJSON *page = feed_page(f, "&limit=100");
    cJSON *feed = cJSON_GetObjectItem(page, "feed");
    assert_int_equal(cJSON_GetArraySize(feed), 100);
    int reposts = 0, replies = 0, quotes = 0, images = 0;
    cJSON *item;
    cJSON_ArrayForEach(item, feed)
    {
        cJSON *post = cJSON_GetObjectItem(item, "post");
        const char *uri = json_string(post, "uri");
        assert_int_equal(strncmp(uri, "at://did:plc:", 13), 0);
        assert_int_equal(strncmp(json_string(post, "cid"), "bafyrei", 7), 0);
        cJSON *author = cJSON_GetObjectItem(post, "author");
        json_string(author, "did");
        json_string(author, "handle");
        cJSON *record = cJSON_GetObjectItem(post, "record");
        assert_string_equal(json_string(record, "$type"), "app.bsky.feed.post");
        json_string(record, "createdAt");
        const char *text = json_string(record, "text");
        json_string(post, "indexedAt");
        cJSON *reason = cJSON_GetObjectItem(item, "reason");
        if (reason != NULL) {
            assert_string_equal(json_string(reason, "$type"), "app.bsky.feed.defs#reasonRepost");
            assert_string_equal(json_string(cJSON_GetObjectItem(reason, "by"), "did"),
                                json_string(f->account, "native_id"));
            assert_non_null(strstr(json_string(reason, "uri"), "/app.bsky.feed.repost/"));
            assert_string_not_equal(json_string(author, "did"), json_string(f->account, "native_id"));
            reposts++;
        } else {
            assert_string_equal(json_string(author, "did"), json_string(f->account, "native_id"));
        }
        if (cJSON_GetObjectItem(record, "reply") != NULL) {
            cJSON *reply = cJSON_GetObjectItem(item, "reply");
            assert_non_null(reply);
            assert_string_equal(json_string(cJSON_GetObjectItem(reply, "parent"), "uri"),
                                json_string(cJSON_GetObjectItem(cJSON_GetObjectItem(record, "reply"), "parent"), "uri"));
            replies++;
        }
        cJSON *embed = cJSON_GetObjectItem(post, "embed");
        if (embed != NULL) {
            const char *type = json_string(embed, "$type");
            if (strcmp(type, "app.bsky.embed.record#view") == 0 ||
                strcmp(type, "app.bsky.embed.recordWithMedia#view") == 0)
                quotes++;
            if (strcmp(type, "app.bsky.embed.images#view") == 0) {
                images++;
                cJSON *image = cJSON_GetArrayItem(cJSON_GetObjectItem(embed, "images"), 0);
                assert_true(strlen(json_string(image, "alt")) > 0);
                json_string(image, "fullsize");
            }
        }
        /* Facets point at the bytes they describe. */
        cJSON *facet;
        cJSON_ArrayForEach(facet, cJSON_GetObjectItem(record, "facets"))
        {
            cJSON *index = cJSON_GetObjectItem(facet, "index");
            int start = cJSON_GetObjectItem(index, "byteStart")->valueint;
            int end = cJSON_GetObjectItem(index, "byteEnd")->valueint;
            assert_true(start >= 0 && end > start && (size_t)end <= strlen(text));
            cJSON *feature = cJSON_GetArrayItem(cJSON_GetObjectItem(facet, "features"), 0);
            const char *type = json_string(feature, "$type");
            if (strcmp(type, "app.bsky.richtext.facet#tag") == 0) {
                assert_int_equal(text[start], '#');
                assert_int_equal(strncmp(text + start + 1, json_string(feature, "tag"), (size_t)(end - start - 1)), 0);
            } else if (strcmp(type, "app.bsky.richtext.facet#mention") == 0) {
                assert_int_equal(text[start], '@');
                assert_int_equal(strncmp(json_string(feature, "did"), "did:plc:", 8), 0);
            } else {
                assert_string_equal(type, "app.bsky.richtext.facet#link");
                assert_int_equal(strncmp(text + start, json_string(feature, "uri"), (size_t)(end - start)), 0);
            }
        }
    }
    assert_true(reposts > 0 && replies > 0 && quotes > 0 && images > 0);
    cJSON_Delete(page);
}

static void test_cursor_pages_through_everything_once(void **state)
{
    struct fixture *f = *state;
    cJSON *truth = sim_test_visible_ids(f->sim, json_string(f->account, "id"));
    cJSON *seen = cJSON_CreateArray();
    char extra[128] = "&limit=9";
    for (int pages = 0;; pages++) {
        assert_true(pages < 100);
        cJSON *page = feed_page(f, extra);
        cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItem(page, "feed"))
        {
            cJSON *reason = cJSON_GetObjectItem(item, "reason");
            const char *uri = reason != NULL ? json_string(reason, "uri")
                                             : json_string(cJSON_GetObjectItem(item, "post"), "uri");
            char id[256];
            snprintf(id, sizeof(id), "bluesky:%s", uri);
            assert_false(json_array_has(seen, id));
            cJSON_AddItemToArray(seen, cJSON_CreateString(id));
        }
        cJSON *cursor = cJSON_GetObjectItem(page, "cursor");
        if (cursor == NULL) {
            cJSON_Delete(page);
            break;
        }
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(page, "feed")), 9);
        snprintf(extra, sizeof(extra), "&limit=9&cursor=%s", cursor->valuestring);
        cJSON_Delete(page);
    }
    assert_int_equal(cJSON_GetArraySize(seen), cJSON_GetArraySize(truth));
    cJSON *id;
    cJSON_ArrayForEach(id, truth)
    {
        assert_true(json_array_has(seen, id->valuestring));
    }
    cJSON_Delete(seen);
    cJSON_Delete(truth);
}

static void test_default_limit_and_bounds(void **state)
{
    struct fixture *f = *state;
    cJSON *page = feed_page(f, "");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(page, "feed")), 50);
    cJSON_Delete(page);
    char path[512];
    snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=%s&limit=101",
             json_string(f->account, "native_id"));
    cJSON *e = sim_test_get_json(f->sim, path, 400);
    assert_string_equal(json_string(e, "error"), "InvalidRequest");
    cJSON_Delete(e);
    snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=%s&cursor=zzz",
             json_string(f->account, "native_id"));
    e = sim_test_get_json(f->sim, path, 400);
    cJSON_Delete(e);
    e = sim_test_get_json(f->sim, "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=did:plc:nobody", 400);
    assert_string_equal(json_string(e, "message"), "Profile not found");
    cJSON_Delete(e);
    e = sim_test_get_json(f->sim, "/bluesky/xrpc/app.bsky.feed.getTimeline", 404);
    cJSON_Delete(e);
}

static void test_actor_by_handle_and_filters(void **state)
{
    struct fixture *f = *state;
    char path[512];
    snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=%s&limit=100&filter=posts_no_replies",
             json_string(f->account, "handle"));
    cJSON *page = sim_test_get_json(f->sim, path, 200);
    cJSON *item;
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(page, "feed")) > 10);
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(page, "feed"))
    {
        assert_null(cJSON_GetObjectItem(item, "reply"));
    }
    cJSON_Delete(page);
}

/* Half the accounts pin a post; with includePins it heads the first page only. */
static void test_pinned_post_heads_the_first_page(void **state)
{
    struct fixture *f = *state;
    cJSON *accounts = sim_test_get_json(f->sim, "/_sim/accounts", 200);
    int pinned_accounts = 0;
    cJSON *account;
    cJSON_ArrayForEach(account, cJSON_GetObjectItem(accounts, "accounts"))
    {
        if (strcmp(json_string(account, "platform"), "bluesky") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=%s&limit=5&includePins=true",
                 json_string(account, "native_id"));
        cJSON *page = sim_test_get_json(f->sim, path, 200);
        cJSON *feed = cJSON_GetObjectItem(page, "feed");
        cJSON *reason = cJSON_GetObjectItem(cJSON_GetArrayItem(feed, 0), "reason");
        if (reason != NULL && strcmp(json_string(reason, "$type"), "app.bsky.feed.defs#reasonPin") == 0) {
            pinned_accounts++;
            assert_int_equal(cJSON_GetArraySize(feed), 6);
            /* Without includePins the same page starts with the newest post. */
            snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=%s&limit=5",
                     json_string(account, "native_id"));
            cJSON *plain = sim_test_get_json(f->sim, path, 200);
            cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(plain, "feed"), 0);
            assert_string_equal(json_string(cJSON_GetObjectItem(first, "post"), "uri"),
                                json_string(cJSON_GetObjectItem(cJSON_GetArrayItem(feed, 1), "post"), "uri"));
            cJSON_Delete(plain);
        }
        cJSON_Delete(page);
    }
    assert_true(pinned_accounts >= 1);
    cJSON_Delete(accounts);
}

static void test_rate_headers(void **state)
{
    struct fixture *f = *state;
    char path[512];
    snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=%s",
             json_string(f->account, "native_id"));
    char *url = sim_test_url(f->sim, path);
    struct http_response r;
    http_get(url, &r);
    free(url);
    char *limit = http_header(&r, "RateLimit-Limit");
    char *reset = http_header(&r, "RateLimit-Reset");
    char *remaining = http_header(&r, "RateLimit-Remaining");
    assert_string_equal(limit, "100000");
    assert_true(atoll(reset) > 1700000000LL);
    assert_true(atol(remaining) < 100000);
    free(limit);
    free(reset);
    free(remaining);
    http_response_free(&r);
}

static void test_facets_count_utf8_bytes(void **state)
{
    struct fixture *f = *state;
    char body[256];
    snprintf(body, sizeof(body), "{\"account\":\"%s\",\"text\":\"Selamat 🎉🇮🇩 #HUTRI ke-79 @kpu-id.bsky.sim\"}",
             json_string(f->account, "id"));
    cJSON *made = sim_test_post_json(f->sim, "/_sim/publish", body, 201);
    cJSON *page = feed_page(f, "&limit=1");
    cJSON *post = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(page, "feed"), 0), "post");
    assert_string_equal(json_string(post, "uri"), json_string(made, "native_id"));
    cJSON *facets = cJSON_GetObjectItem(cJSON_GetObjectItem(post, "record"), "facets");
    cJSON *tag = cJSON_GetObjectItem(cJSON_GetArrayItem(facets, 0), "index");
    /* "Selamat " 8 bytes, party popper 4, flag 8, space 1. */
    assert_int_equal(cJSON_GetObjectItem(tag, "byteStart")->valueint, 21);
    assert_int_equal(cJSON_GetObjectItem(tag, "byteEnd")->valueint, 27);
    cJSON *mention = cJSON_GetArrayItem(facets, 1);
    assert_string_equal(json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(mention, "features"), 0), "$type"),
                        "app.bsky.richtext.facet#mention");
    cJSON_Delete(page);
    cJSON_Delete(made);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_handle),
        cmocka_unit_test(test_feed_view_post_shape),
        cmocka_unit_test(test_cursor_pages_through_everything_once),
        cmocka_unit_test(test_default_limit_and_bounds),
        cmocka_unit_test(test_actor_by_handle_and_filters),
        cmocka_unit_test(test_pinned_post_heads_the_first_page),
        cmocka_unit_test(test_rate_headers),
        cmocka_unit_test(test_facets_count_utf8_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
