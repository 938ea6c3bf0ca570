/* The bluesky-likes adapter against com.atproto.repo.listRecords and app.bsky.feed.getPosts
 * answers written from the lexicons: like records are read on the PDS, the liked posts on the
 * AppView 25 at a time, every like becomes one like message (also when its post cannot be read),
 * the cursor stops a crawl at the newest like already seen, and hostile records, posts and page
 * strings are skipped or refused with the place named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define HANDLE "budi.bsky.social"
#define DID "did:plc:w4xbfzo7kqfes5zb7r6qv3rw"
#define PARTY_POST "at://did:plc:gerindra2bsky7campaign22/app.bsky.feed.post/3kzd7aaaaaa2a"
#define RECIPE_POST "at://did:plc:friendrecipes00000000000/app.bsky.feed.post/3kzd5wwwwww2a"
#define DELETED_POST "at://did:plc:deletedauthor00000000000/app.bsky.feed.post/3kzd4uuuuuu2a"

static void crawl_init(struct adapter_test_crawl *crawl, const char *cursor, const char *page,
                       long long since_s)
{
    adapter_test_crawl_init(crawl, &adapter_bluesky_likes, HANDLE, DID, cursor, page, since_s);
    crawl->settings.base_url = "http://127.0.0.1:8080/bluesky";
    crawl->settings.pds_url = "http://127.0.0.1:8080/pds";
}

/* The page a listRecords fixture leads to; the caller frees it. */
static char *records_page(const char *fixture, const char *cursor)
{
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, cursor, NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, fixture, NULL, &result);
    assert_int_equal(result.count, 0);
    assert_non_null(result.next_page);
    char *page = result.next_page;
    result.next_page = NULL;
    adapter_result_free(&result);
    return page;
}

static void the_lookup_is_the_bluesky_adapters(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, "", NULL, 0);
    crawl.account.native_id = "";
    adapter_test_assert_url(&crawl, "http://127.0.0.1:8080/bluesky/xrpc/"
                                    "com.atproto.identity.resolveHandle?handle=budi.bsky.social");
}

static void like_records_are_listed_on_the_pds(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, "", NULL, 0);
    adapter_test_assert_url(&crawl, "http://127.0.0.1:8080/pds/xrpc/com.atproto.repo.listRecords?"
                                    "repo=did%3Aplc%3Aw4xbfzo7kqfes5zb7r6qv3rw&collection="
                                    "app.bsky.feed.like&limit=100");
    crawl.settings.pds_url = NULL; /* no PDS configured: the base URL */
    adapter_test_assert_url(&crawl, "http://127.0.0.1:8080/bluesky/xrpc/com.atproto.repo."
                                    "listRecords?repo=did%3Aplc%3Aw4xbfzo7kqfes5zb7r6qv3rw&"
                                    "collection=app.bsky.feed.like&limit=100");
    crawl.settings.base_url = NULL;
    adapter_test_assert_url(&crawl, "https://bsky.social/xrpc/com.atproto.repo.listRecords?repo="
                                    "did%3Aplc%3Aw4xbfzo7kqfes5zb7r6qv3rw&collection="
                                    "app.bsky.feed.like&limit=100");
}

static void a_records_page_leads_to_the_liked_posts_then_the_next_records(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "records_first_page.json", NULL, &result);
    assert_int_equal(result.count, 0);
    assert_int_equal(result.skipped, 0);
    assert_string_equal(result.new_cursor, "3kzd7hxqf2k2c");
    char *posts_page = result.next_page;
    result.next_page = NULL;
    adapter_result_free(&result);

    /* The like of a feed generator is left out: three posts to read. */
    crawl_init(&crawl, "", posts_page, 0);
    adapter_test_assert_url(&crawl, "http://127.0.0.1:8080/bluesky/xrpc/app.bsky.feed.getPosts?"
                                    "uris=at%3A%2F%2Fdid%3Aplc%3Agerindra2bsky7campaign22%2Fapp."
                                    "bsky.feed.post%2F3kzd7aaaaaa2a&uris=at%3A%2F%2Fdid%3Aplc%3A"
                                    "friendrecipes00000000000%2Fapp.bsky.feed.post%2F3kzd5wwwwww"
                                    "2a&uris=at%3A%2F%2Fdid%3Aplc%3Adeletedauthor00000000000%2F"
                                    "app.bsky.feed.post%2F3kzd4uuuuuu2a");
    adapter_test_parse_fixture(&crawl, 200, "posts.json", NULL, &result);
    assert_int_equal(result.count, 3);
    assert_null(result.new_cursor);
    assert_non_null(result.next_page);

    crawl_init(&crawl, "", result.next_page, 0);
    adapter_test_assert_url(&crawl, "http://127.0.0.1:8080/pds/xrpc/com.atproto.repo.listRecords?"
                                    "repo=did%3Aplc%3Aw4xbfzo7kqfes5zb7r6qv3rw&collection="
                                    "app.bsky.feed.like&limit=100&cursor=3kzd4vvvvvv2d");
    adapter_result_free(&result);
    free(posts_page);
}

static void each_like_carries_the_liked_post_and_its_author(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    char *page = records_page("records_first_page.json", "");
    crawl_init(&crawl, "", page, 0);
    adapter_test_parse_fixture(&crawl, 200, "posts.json", NULL, &result);

    const struct post_message *party =
        adapter_test_post(&result, "bluesky:like:" DID ":" PARTY_POST);
    assert_int_equal(party->kind, POST_KIND_LIKE);
    assert_string_equal(party->author, HANDLE);
    assert_string_equal(party->text, "");
    assert_string_equal(party->created_at, "2024-01-05T10:00:00Z"); /* the like's, in UTC */
    assert_string_equal(party->url,
                        "https://bsky.app/profile/gerindra.bsky.social/post/3kzd7aaaaaa2a");
    assert_string_equal(party->target.id, PARTY_POST);
    assert_string_equal(party->target.account, "gerindra.bsky.social");
    assert_string_equal(party->target.account_id, "did:plc:gerindra2bsky7campaign22");
    assert_string_equal(party->target.name, "Gerindra");
    assert_string_equal(party->target.text, "Pilih nomor 2 pada 14 Februari! #Pemilu2024");
    assert_string_equal(party->target.url, party->url);
    adapter_test_assert_contains((const char *)party->raw,
                                 "{\"like\":{\"uri\":\"at://" DID "/app.bsky.feed.like/"
                                 "3kzd7hxqf2k2c\"");
    adapter_test_assert_contains((const char *)party->raw, "\"post\":{\"uri\":\"" PARTY_POST);
    adapter_test_assert_contains((const char *)party->raw, "\"likeCount\":2000");

    const struct post_message *recipe =
        adapter_test_post(&result, "bluesky:like:" DID ":" RECIPE_POST);
    assert_string_equal(recipe->target.text,
                        "Resep rendang \xF0\x9F\x8D\x9B: daging, santan & bumbu");
    assert_string_equal(recipe->target.account, "sari.bsky.social");
    adapter_result_free(&result);
    free(page);
}

static void a_like_of_a_post_that_cannot_be_read_is_kept(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    char *page = records_page("records_first_page.json", "");
    crawl_init(&crawl, "", page, 0);
    adapter_test_parse_fixture(&crawl, 200, "posts.json", NULL, &result);
    const struct post_message *deleted =
        adapter_test_post(&result, "bluesky:like:" DID ":" DELETED_POST);
    assert_string_equal(deleted->target.account_id, "did:plc:deletedauthor00000000000");
    assert_null(deleted->target.account);
    assert_null(deleted->target.text);
    assert_string_equal(deleted->target.url, "https://bsky.app/profile/"
                                             "did:plc:deletedauthor00000000000/post/3kzd4uuuuuu2a");
    adapter_test_assert_contains((const char *)deleted->raw, ",\"post\":null}");
    adapter_result_free(&result);

    /* A post view whose author is not the URI's: counted, and the like kept without it. */
    const char forged[] = "{\"posts\":[{\"uri\":\"" PARTY_POST "\",\"author\":{\"did\":"
                          "\"did:plc:someoneelse0000000000000\",\"handle\":\"x.bsky.social\"},"
                          "\"record\":{\"text\":\"forged\"}}]}";
    adapter_test_parse(&crawl, 200, forged, strlen(forged), NULL, &result);
    assert_int_equal(result.count, 3);
    assert_int_equal(result.skipped, 1);
    adapter_test_assert_contains(result.first_skip_reason, "not the author of the post URI");
    const struct post_message *party =
        adapter_test_post(&result, "bluesky:like:" DID ":" PARTY_POST);
    assert_null(party->target.text);
    assert_null(party->target.account);
    adapter_result_free(&result);
    free(page);
}

static void a_crawl_stops_at_the_newest_like_already_seen(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, "3kzd5xxxxxx2c", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "records_first_page.json", NULL, &result);
    assert_string_equal(result.new_cursor, "3kzd7hxqf2k2c");
    cJSON *page = cJSON_Parse(result.next_page);
    assert_non_null(page);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(page, "records")), 1);
    assert_null(cJSON_GetObjectItem(page, "cursor")); /* nothing to list after these */
    cJSON_Delete(page);
    adapter_result_free(&result);

    /* Nothing newer than the cursor: the crawl is complete at once. */
    crawl_init(&crawl, "3kzd7hxqf2k2c", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "records_first_page.json", NULL, &result);
    assert_null(result.next_page);
    adapter_result_free(&result);

    /* A rescan ignores the cursor, stops at likes older than since_s and keeps the cursor. */
    crawl_init(&crawl, "3kzd7hxqf2k2c", NULL, 1704355200); /* 2024-01-04T08:00:00Z */
    adapter_test_parse_fixture(&crawl, 200, "records_first_page.json", NULL, &result);
    assert_null(result.new_cursor);
    page = cJSON_Parse(result.next_page);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(page, "records")), 2);
    assert_null(cJSON_GetObjectItem(page, "cursor"));
    cJSON_Delete(page);
    adapter_result_free(&result);
}

static void the_last_records_page_and_an_empty_one_end_the_crawl(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    char *page = records_page("records_last_page.json", "");
    crawl_init(&crawl, "", page, 0);
    const char none[] = "{\"posts\":[]}";
    adapter_test_parse(&crawl, 200, none, strlen(none), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_null(result.next_page);
    adapter_result_free(&result);
    free(page);

    crawl_init(&crawl, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "records_empty.json", NULL, &result);
    assert_null(result.next_page);
    assert_null(result.new_cursor);
    adapter_result_free(&result);
}

static void posts_are_read_25_at_a_time(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    struct adapter_request request;
    char body[65536];
    size_t used = (size_t)snprintf(body, sizeof(body), "{\"records\":[");
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(
            body + used, sizeof(body) - used,
            "%s{\"uri\":\"at://" DID "/app.bsky.feed.like/3kzd7hxqf%04d\",\"cid\":\"c\","
            "\"value\":{\"$type\":\"app.bsky.feed.like\",\"subject\":{\"uri\":\"at://"
            "did:plc:gerindra2bsky7campaign22/app.bsky.feed.post/3kzd6aaaa%04d\",\"cid\":\"c\"},"
            "\"createdAt\":\"2024-01-05T10:00:00Z\"}}",
            i > 0 ? "," : "", 9999 - i, i);
    snprintf(body + used, sizeof(body) - used, "],\"cursor\":\"3kzd7hxqf9970\"}");
    crawl_init(&crawl, "", NULL, 0);
    adapter_test_parse(&crawl, 200, body, strlen(body), NULL, &result);
    char *page = result.next_page;
    result.next_page = NULL;
    adapter_result_free(&result);

    crawl_init(&crawl, "", page, 0);
    size_t uris = 0;
    for (const char *p = adapter_test_request(&crawl, &request); (p = strstr(p, "uris=")); p++)
        uris++;
    assert_int_equal(uris, 25);
    adapter_request_free(&request);
    const char none[] = "{\"posts\":[]}";
    adapter_test_parse(&crawl, 200, none, strlen(none), NULL, &result);
    assert_int_equal(result.count, 25);
    free(page);
    page = result.next_page;
    result.next_page = NULL;
    adapter_result_free(&result);

    crawl_init(&crawl, "", page, 0);
    uris = 0;
    for (const char *p = adapter_test_request(&crawl, &request); (p = strstr(p, "uris=")); p++)
        uris++;
    assert_int_equal(uris, 5);
    adapter_request_free(&request);
    adapter_test_parse(&crawl, 200, none, strlen(none), NULL, &result);
    assert_int_equal(result.count, 5);
    assert_string_equal(result.next_page, "{\"cursor\":\"3kzd7hxqf9970\"}");
    adapter_result_free(&result);
    free(page);
}

static void bad_records_are_skipped_and_the_others_kept(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "records_one_bad.json", NULL, &result);
    assert_int_equal(result.skipped, 3);
    adapter_test_assert_contains(result.first_skip_reason,
                                 "records[1].value.subject.uri \"https://evil.example/post\"");
    cJSON *page = cJSON_Parse(result.next_page);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(page, "records")), 2);
    cJSON_Delete(page);
    adapter_result_free(&result);
}

static void hostile_bodies_and_pages_are_refused(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, "", NULL, 0);
    const char *records_cases[][2] = {
        {"{\"records\":[", "body: not valid JSON near byte 12"},
        {"[]", "body: expected an object with records"},
        {"{\"cursor\":\"x\"}", "body.records: missing"},
        {"{\"records\":[],\"cursor\":7}", "body.cursor: expected a string"},
    };
    for (size_t i = 0; i < sizeof(records_cases) / sizeof(records_cases[0]); i++)
        adapter_test_parse_refused(&crawl, 200, records_cases[i][0], strlen(records_cases[i][0]),
                                   NULL, records_cases[i][1]);
    char many[8192] = "{\"records\":[";
    for (int i = 0; i < 101; i++)
        strcat(many, i > 0 ? ",{}" : "{}");
    strcat(many, "]}");
    adapter_test_parse_refused(&crawl, 200, many, strlen(many), NULL,
                               "body.records: 101 records, over the 100");

    char *page = records_page("records_first_page.json", "");
    crawl_init(&crawl, "", page, 0);
    adapter_test_parse_refused(&crawl, 200, "{}", 2, NULL, "body.posts: missing");
    free(page);

    const char *pages[] = {"garbage", "{}", "{\"records\":[]}", "{\"cursor\":\"a\\u0001\"}"};
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        crawl_init(&crawl, "", pages[i], 0);
        adapter_test_request_refused(&crawl, "page");
        adapter_test_parse_refused(&crawl, 200, "{\"posts\":[]}", 12, NULL, "page");
    }
    char *huge = malloc(300 * 1024);
    assert_non_null(huge);
    memset(huge, ' ', 300 * 1024 - 1);
    huge[300 * 1024 - 1] = '\0';
    crawl_init(&crawl, "", huge, 0);
    adapter_test_request_refused(&crawl, "bytes, over the");
    free(huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_lookup_is_the_bluesky_adapters),
        cmocka_unit_test(like_records_are_listed_on_the_pds),
        cmocka_unit_test(a_records_page_leads_to_the_liked_posts_then_the_next_records),
        cmocka_unit_test(each_like_carries_the_liked_post_and_its_author),
        cmocka_unit_test(a_like_of_a_post_that_cannot_be_read_is_kept),
        cmocka_unit_test(a_crawl_stops_at_the_newest_like_already_seen),
        cmocka_unit_test(the_last_records_page_and_an_empty_one_end_the_crawl),
        cmocka_unit_test(posts_are_read_25_at_a_time),
        cmocka_unit_test(bad_records_are_skipped_and_the_others_kept),
        cmocka_unit_test(hostile_bodies_and_pages_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
