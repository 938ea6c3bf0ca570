/* The jsonapi adapter: the settings it refuses, the URL it fills in, how JSON pointers find each
 * field, how it pages and where a crawl stops, and what it does with broken bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define EMOJI_GRIN "\xF0\x9F\x98\x80"
#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */
/* A body and its length. */
#define BODY(literal) literal, sizeof(literal) - 1

static struct adapter_test_crawl crawl;

static int reset(void **state)
{
    (void)state;
    adapter_test_crawl_init(&crawl, &adapter_jsonapi, "budi.santoso", "", "", NULL, 0);
    crawl.settings = adapter_test_jsonapi_settings;
    return 0;
}

/* build_request and parse both refuse bad settings with the same words. */
static void settings_refused(const char *expected)
{
    char err[NETRA_ERR_LEN];
    assert_string_equal(adapter_test_request_fails(&crawl, err), expected);
    assert_string_equal(adapter_test_parse_fails(&crawl, 200, BODY("{}"), NULL, err), expected);
}

static void parse_fails(const char *body, size_t len, const char *expected)
{
    char err[NETRA_ERR_LEN];
    assert_string_equal(adapter_test_parse_fails(&crawl, 200, body, len, NULL, err), expected);
}

/* ---- requests ------------------------------------------------------------------------------ */

static void the_first_request_fills_the_template_with_an_empty_cursor(void **state)
{
    (void)state;
    struct adapter_request request;
    adapter_test_request(&crawl, &request);
    assert_string_equal(request.url,
                        "http://127.0.0.1:8080/jsonapi/accounts/budi.santoso/posts?cursor=");
    assert_int_equal(request.is_lookup, 0);
    assert_int_equal(request.header_count, 1);
    assert_string_equal(request.headers[0], "Accept: application/json");
    adapter_request_free(&request);

    crawl.context.page = "c2";
    adapter_test_assert_url(&crawl,
                            "http://127.0.0.1:8080/jsonapi/accounts/budi.santoso/posts?cursor=c2");
}

static void handle_and_cursor_cannot_change_host_path_or_parameters(void **state)
{
    (void)state;
    crawl.account.handle = "../x?a=1#f@evil.example:81/ \xC3\xA9";
    crawl.context.page = "n&admin=1/..%2F";
    adapter_test_assert_url(
        &crawl, "http://127.0.0.1:8080/jsonapi/accounts/..%2Fx%3Fa%3D1%23f%40evil.example%3A81%2F%"
                "20%C3%A9/posts?cursor=n%26admin%3D1%2F..%252F");
}

static void every_placeholder_is_filled_and_a_token_is_sent(void **state)
{
    (void)state;
    crawl.settings.jsonapi_url =
        "https://api.example.go.id/v1/{handle}/feed?u={handle}&after={cursor}";
    crawl.settings.token = "s3cret";
    crawl.context.page = "42";
    struct adapter_request request;
    adapter_test_request(&crawl, &request);
    assert_string_equal(request.url,
                        "https://api.example.go.id/v1/budi.santoso/feed?u=budi.santoso&after=42");
    assert_int_equal(request.header_count, 2);
    assert_string_equal(request.headers[0], "Accept: application/json");
    assert_string_equal(request.headers[1], "Authorization: Bearer s3cret");
    adapter_request_free(&request);
}

static void malformed_settings_are_refused_by_name(void **state)
{
    (void)state;
    crawl.settings.jsonapi_items = "data/posts";
    settings_refused("platforms.jsonapi.items \"data/posts\": not a JSON pointer (RFC 6901): it "
                     "must start with '/'");
    reset(NULL);
    crawl.settings.jsonapi_id = "/a~2b";
    settings_refused("platforms.jsonapi.id \"/a~2b\": not a JSON pointer (RFC 6901): '~' at byte "
                     "2 must be followed by 0 or 1");
    reset(NULL);
    crawl.settings.jsonapi_author = "/user~";
    settings_refused("platforms.jsonapi.author \"/user~\": not a JSON pointer (RFC 6901): '~' at "
                     "byte 5 must be followed by 0 or 1");
    reset(NULL);
    crawl.settings.jsonapi_created_at = NULL;
    settings_refused("platforms.jsonapi.created_at is not set");
    reset(NULL);
    crawl.settings.jsonapi_url = NULL;
    settings_refused("platforms.jsonapi.url is not set");
    reset(NULL);
    crawl.settings.jsonapi_url = "file:///etc/{handle}";
    settings_refused("platforms.jsonapi.url \"file:///etc/{handle}\": expected an http:// or "
                     "https:// URL of at most 4096 bytes");
    reset(NULL);
    crawl.settings.jsonapi_url = "http://h/{handle} x";
    settings_refused("platforms.jsonapi.url: a space or control byte at byte 17");
    reset(NULL);
    crawl.settings.jsonapi_url = "http://h/posts?cursor={cursor}";
    settings_refused(
        "platforms.jsonapi.url has no {handle}: every account would fetch the same URL");
    reset(NULL);
    crawl.settings.jsonapi_url = "http://h/{handle}/posts";
    settings_refused("platforms.jsonapi.next is set, but platforms.jsonapi.url has no {cursor} "
                     "to send it in");
    /* Without next there is one page, and no cursor to send. */
    crawl.settings.jsonapi_next = NULL;
    adapter_test_assert_url(&crawl, "http://h/budi.santoso/posts");
    reset(NULL);
    crawl.settings.token = "abc\ndef";
    char err[NETRA_ERR_LEN];
    assert_string_equal(adapter_test_request_fails(&crawl, err),
                        "platforms.jsonapi.token holds a space, control or non-ASCII byte at byte "
                        "3: it cannot go in an HTTP header");
}

/* ---- pages ----------------------------------------------------------------------------------- */

static void each_field_is_read_through_its_pointer(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "first_page.json", NULL, &result);
    assert_int_equal(result.count, 4);
    assert_int_equal(result.skipped, 0);

    const struct post_message *p = result.posts[0];
    assert_string_equal(p->id, "jsonapi:9004");
    assert_string_equal(p->platform, "jsonapi");
    assert_int_equal(p->kind, POST_KIND_POST);
    assert_string_equal(p->text,
                        "Ayo datang ke TPS! #PemiluDamai bersama @kpu.semarang " EMOJI_GRIN);
    assert_string_equal(p->created_at, "2024-05-14T03:15:00Z");
    assert_string_equal(p->url, "https://portal.example.go.id/p/9004");
    assert_string_equal(p->author, "budi.santoso");
    assert_int_equal(p->hashtags.count, 1);
    assert_string_equal(p->hashtags.items[0], "PemiluDamai");
    assert_int_equal(p->mentions.count, 1);
    assert_string_equal(p->mentions.items[0], "kpu.semarang");
    assert_null(p->repost_of.url);
    assert_null(p->lang);
    assert_int_equal(strlen(p->sha256), 64);
    assert_memory_equal(p->raw, "{\"post_id\":9004,\"body\":", 23);

    /* Markup is text here: the endpoint said nothing of HTML. */
    p = result.posts[1];
    assert_string_equal(p->id, "jsonapi:9003");
    assert_string_equal(p->text, "<b>Coblos</b> nomor 1 &amp; menang!");
    assert_null(p->url);
    assert_string_equal(p->author, "budi.santoso");

    /* A null text is empty; a missing url or author is none and the handle. */
    p = result.posts[2];
    assert_string_equal(p->text, "");
    assert_string_equal(p->created_at, "2024-05-13T13:00:00Z");
    assert_null(p->url);
    assert_string_equal(p->author, "budi.santoso");
    assert_string_equal(result.posts[3]->created_at, "2024-05-13T01:00:00Z");

    assert_string_equal(result.next_page, "c2");
    assert_string_equal(result.new_cursor, "2024-05-14T03:15:00Z 9004");
    adapter_result_free(&result);
}

static void pointers_unescape_tilde_and_slash_and_index_arrays(void **state)
{
    (void)state;
    crawl.settings.jsonapi_items = "/a~1b/1";
    crawl.settings.jsonapi_id = "/ids/0";
    crawl.settings.jsonapi_text = "/t~0x";
    crawl.settings.jsonapi_url_field = NULL;
    crawl.settings.jsonapi_author = "/nama";
    crawl.settings.jsonapi_next = "/pages/-";
    struct adapter_result result;
    adapter_test_parse(&crawl, 200,
                       BODY("{\"a/b\":[[],[{\"ids\":[\"p1\",\"p2\"],\"t~x\":\"isi\",\"created\":"
                            "\"2024-01-01T00:00:00Z\"}]],\"pages\":[\"n\"]}"),
                       NULL, &result);
    assert_int_equal(result.count, 1);
    assert_string_equal(result.posts[0]->id, "jsonapi:p1");
    assert_string_equal(result.posts[0]->text, "isi");
    /* No such member: the handle stands in. "-" names no element: the last page. */
    assert_string_equal(result.posts[0]->author, "budi.santoso");
    assert_null(result.next_page);
    adapter_result_free(&result);

    /* A leading zero or a sign is not an array index. */
    crawl.settings.jsonapi_id = "/ids/00";
    adapter_test_parse(&crawl, 200,
                       BODY("{\"a/b\":[[],[{\"ids\":[\"p1\"],\"t~x\":\"x\",\"created\":"
                            "\"2024-01-01T00:00:00Z\"}]]}"),
                       NULL, &result);
    assert_int_equal(result.count, 0);
    assert_string_equal(result.first_skip_reason,
                        "/a~1b/1/0/ids/00: expected a string or a whole number");
    adapter_result_free(&result);
}

static void the_next_cursor_is_a_string_or_a_whole_number_or_the_end(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *next;
    } cases[] = {
        {"{\"data\":{\"posts\":[]},\"paging\":{\"next_cursor\":\"abc\"}}", "abc"},
        {"{\"data\":{\"posts\":[]},\"paging\":{\"next_cursor\":12345678901}}", "12345678901"},
        {"{\"data\":{\"posts\":[]},\"paging\":{\"next_cursor\":null}}", NULL},
        {"{\"data\":{\"posts\":[]},\"paging\":{\"next_cursor\":\"\"}}", NULL},
        {"{\"data\":{\"posts\":[]},\"paging\":{}}", NULL},
        {"{\"data\":{\"posts\":[]}}", NULL},
        /* The same cursor as this page's would fetch it forever. */
        {"{\"data\":{\"posts\":[]},\"paging\":{\"next_cursor\":\"this-page\"}}", NULL},
    };
    crawl.context.page = "this-page";
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct adapter_result result;
        adapter_test_parse(&crawl, 200, cases[i].body, strlen(cases[i].body), NULL, &result);
        if (cases[i].next == NULL)
            assert_null(result.next_page);
        else
            assert_string_equal(result.next_page, cases[i].next);
        adapter_result_free(&result);
    }
    parse_fails(BODY("{\"data\":{\"posts\":[]},\"paging\":{\"next_cursor\":{}}}"),
                "/paging/next_cursor: expected a string or a whole number");
    parse_fails(BODY("{\"data\":{\"posts\":[]},\"paging\":{\"next_cursor\":1.5}}"),
                "/paging/next_cursor: expected a string or a whole number");
    char body[1200];
    snprintf(body, sizeof(body),
             "{\"data\":{\"posts\":[]},\"paging\":{\"next_cursor\":\"%01025d\"}}", 7);
    parse_fails(body, strlen(body), "/paging/next_cursor: 1025 bytes, over the limit of 1024");
}

static void the_last_and_an_empty_page_end_the_crawl(void **state)
{
    (void)state;
    crawl.context.page = "c2";
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "last_page.json", NULL, &result);
    assert_int_equal(result.count, 2);
    assert_null(result.next_page);
    /* Only a crawl's first page holds the newest post. */
    assert_null(result.new_cursor);
    adapter_result_free(&result);

    crawl.context.page = NULL;
    crawl.context.cursor = "2024-05-14T03:15:00Z 9004";
    adapter_test_parse_fixture(&crawl, 200, "empty_page.json", NULL, &result);
    assert_int_equal(result.count, 0);
    assert_null(result.posts);
    assert_null(result.next_page);
    assert_null(result.new_cursor);
    adapter_result_free(&result);

    /* A null list is an empty page too. */
    adapter_test_parse(&crawl, 200, BODY("{\"data\":{\"posts\":null}}"), NULL, &result);
    assert_int_equal(result.count, 0);
    adapter_result_free(&result);
}

static void a_crawl_stops_at_the_post_the_cursor_names_or_older(void **state)
{
    (void)state;
    static const char *const cursors[] = {
        "2024-05-14T01:00:00Z 9003", /* the post itself */
        "2024-05-14T02:00:00Z 7777", /* a newer one, since deleted */
        "2024-05-14T03:15:00Z 9999", /* as old as the newest post: that one is kept */
    };
    for (size_t i = 0; i < 3; i++) {
        crawl.context.cursor = cursors[i];
        struct adapter_result result;
        adapter_test_parse_fixture(&crawl, 200, "first_page.json", NULL, &result);
        assert_int_equal(result.count, 1);
        assert_string_equal(result.posts[0]->id, "jsonapi:9004");
        assert_int_equal(result.skipped, 0);
        assert_null(result.next_page);
        assert_string_equal(result.new_cursor, "2024-05-14T03:15:00Z 9004");
        adapter_result_free(&result);
    }

    /* Nothing new: the cursor stays. */
    crawl.context.cursor = "2024-05-14T03:15:00Z 9004";
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "first_page.json", NULL, &result);
    assert_int_equal(result.count, 0);
    assert_null(result.new_cursor);
    assert_null(result.next_page);
    adapter_result_free(&result);
}

static void a_rescan_stops_at_older_posts_and_keeps_the_cursor(void **state)
{
    (void)state;
    crawl.context.cursor = "2024-05-14T03:15:00Z 9004";
    crawl.context.since_s = 1715644800; /* 2024-05-14T00:00:00Z */
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "first_page.json", NULL, &result);
    assert_int_equal(result.count, 2);
    assert_string_equal(result.posts[1]->id, "jsonapi:9003");
    assert_null(result.next_page);
    assert_null(result.new_cursor);
    adapter_result_free(&result);
}

static void the_newest_post_gives_the_cursor_whatever_its_place(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse(
        &crawl, 200,
        BODY("{\"data\":{\"posts\":[{\"post_id\":\"b\",\"body\":\"\",\"created\":"
             "\"2024-01-01T00:00:00Z\"},{\"post_id\":\"a\",\"body\":\"\",\"created\":"
             "\"2024-01-02T00:00:00Z\"}]}}"),
        NULL, &result);
    assert_string_equal(result.new_cursor, "2024-01-02T00:00:00Z a");
    adapter_result_free(&result);

    crawl.context.cursor = "yesterday 9004";
    parse_fails(BODY("{\"data\":{\"posts\":[]}}"),
                "cursor \"yesterday 9004\": expected \"<RFC 3339 UTC time> <post id>\"");
}

static void one_bad_post_is_skipped_and_the_others_kept(void **state)
{
    (void)state;
    static const struct {
        const char *item;
        const char *reason;
    } bad[] = {
        {"{\"post_id\":{},\"body\":\"x\",\"created\":\"2024-01-01T00:00:00Z\"}",
         "/data/posts/1/post_id: expected a string or a whole number"},
        {"{\"post_id\":1.5,\"body\":\"x\",\"created\":\"2024-01-01T00:00:00Z\"}",
         "/data/posts/1/post_id: expected a string or a whole number"},
        {"{\"post_id\":1e300,\"body\":\"x\",\"created\":\"2024-01-01T00:00:00Z\"}",
         "/data/posts/1/post_id: expected a string or a whole number"},
        {"{\"post_id\":\"a b\",\"body\":\"x\",\"created\":\"2024-01-01T00:00:00Z\"}",
         "/data/posts/1/post_id: post id contains a space or control byte"},
        {"{\"post_id\":2,\"body\":\"x\",\"created\":\"besok\"}",
         "/data/posts/1/created: expected an RFC 3339 time"},
        {"{\"post_id\":2,\"body\":\"x\",\"created\":1704067200}",
         "/data/posts/1/created: expected an RFC 3339 time"},
        {"{\"post_id\":2,\"body\":7,\"created\":\"2024-01-01T00:00:00Z\"}",
         "/data/posts/1/body: expected a string"},
        {"{\"post_id\":2,\"created\":\"2024-01-01T00:00:00Z\"}",
         "/data/posts/1/body: expected a string"},
        {"{\"post_id\":2,\"body\":\"a\xC3(\",\"created\":\"2024-01-01T00:00:00Z\"}",
         "/data/posts/1/body: invalid UTF-8 at byte 1"},
        {"{\"post_id\":2,\"body\":\"x\",\"created\":\"2024-01-01T00:00:00Z\",\"links\":{\"self\":"
         "\"javascript:alert(1)\"}}",
         "/data/posts/1/links/self: expected an http:// or https:// URL"},
        {"{\"post_id\":2,\"body\":\"x\",\"created\":\"2024-01-01T00:00:00Z\",\"user\":{\"name\":"
         "[]}}",
         "/data/posts/1/user/name: expected a string"},
        {"\"just text\"", "/data/posts/1/post_id: expected a string or a whole number"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char body[1024];
        snprintf(body, sizeof(body),
                 "{\"data\":{\"posts\":[{\"post_id\":3,\"body\":\"satu\",\"created\":"
                 "\"2024-01-03T00:00:00Z\"},%s,{\"post_id\":1,\"body\":\"tiga\",\"created\":"
                 "\"2024-01-01T00:00:00Z\"}]},\"paging\":{\"next_cursor\":\"n\"}}",
                 bad[i].item);
        struct adapter_result result;
        adapter_test_parse(&crawl, 200, body, strlen(body), NULL, &result);
        assert_int_equal(result.count, 2);
        assert_string_equal(result.posts[0]->text, "satu");
        assert_string_equal(result.posts[1]->text, "tiga");
        assert_int_equal(result.skipped, 1);
        assert_string_equal(result.first_skip_reason, bad[i].reason);
        assert_string_equal(result.next_page, "n");
        adapter_result_free(&result);
    }
}

/* An author cannot hide a post by writing what no post can hold: it is kept, marked. */
static void an_escaped_nul_or_lone_surrogate_becomes_a_replacement_character(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse(&crawl, 200,
                       BODY("{\"data\":{\"posts\":[{\"post_id\":3,\"body\":\"cut \\ud83d\","
                            "\"created\":\"2024-01-01T00:00:00Z\"},{\"post_id\":2,\"body\":"
                            "\"a\\u0000b\",\"created\":\"2024-01-01T00:00:00Z\"},{\"post_id\":1,"
                            "\"body\":\"\\ud83d\\ude00\",\"created\":\"2024-01-01T00:00:00Z\"}]}}"),
                       NULL, &result);
    assert_int_equal(result.count, 3);
    assert_int_equal(result.skipped, 0);
    assert_string_equal(result.posts[0]->text, "cut " REPLACEMENT);
    assert_string_equal(result.posts[1]->text, "a" REPLACEMENT "b");
    assert_string_equal(result.posts[2]->text, EMOJI_GRIN);
    adapter_result_free(&result);
}

static void malformed_bodies_name_the_position_or_pointer(void **state)
{
    (void)state;
    parse_fails(BODY(""), "body: not valid JSON near byte 0 (line 1)");
    parse_fails(BODY("{\"data\":{\"posts\":[1,]}}"), "body: not valid JSON near byte 20 (line 1)");
    parse_fails(BODY("{\"data\":\r\n{\"posts\":[\0]}}"), "body: NUL byte at offset 20 (line 2)");
    parse_fails(BODY("{\"data\":{}}"),
                "platforms.jsonapi.items \"/data/posts\": the body has no such value");
    parse_fails(BODY("[]"), "platforms.jsonapi.items \"/data/posts\": the body has no such value");
    parse_fails(BODY("{\"data\":{\"posts\":{}}}"), "/data/posts: expected an array of posts");

    /* The whole body may be the list. */
    crawl.settings.jsonapi_items = "";
    crawl.settings.jsonapi_next = NULL;
    struct adapter_result result;
    adapter_test_parse(
        &crawl, 200, BODY("[{\"post_id\":1,\"body\":\"a\",\"created\":\"2024-01-01T00:00:00Z\"}]"),
        NULL, &result);
    assert_int_equal(result.count, 1);
    adapter_result_free(&result);
    parse_fails(BODY("{\"posts\":[]}"), "the body: expected an array of posts");
}

static void an_oversized_body_is_refused_unread(void **state)
{
    (void)state;
    size_t len = (size_t)POST_MESSAGE_MAX_RAW_BYTES + 1;
    /* Untouched anonymous pages cost no memory; reading them would be the failure. */
    char *data = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    assert_true(data != MAP_FAILED);
    parse_fails(data, len, "body: 16777217 bytes, over the limit of 16777216");
    munmap(data, len);
}

static void deeply_nested_input_is_refused_or_skipped(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *body = malloc(depth);
    assert_non_null(body);
    memset(body, '{', depth);
    adapter_test_parse_refused(&crawl, 200, body, depth, NULL, "body: not valid JSON near byte ");
    free(body);

    struct adapter_result result;

    char nested[4096];
    int at = snprintf(nested, sizeof(nested),
                      "{\"data\":{\"posts\":[{\"post_id\":1,\"created\":\"2024-01-01T00:00:00Z\","
                      "\"body\":");
    for (int i = 0; i < 500; i++)
        nested[at++] = '[';
    for (int i = 0; i < 500; i++)
        nested[at++] = ']';
    at += snprintf(nested + at, sizeof(nested) - (size_t)at, "}]}}");
    adapter_test_parse(&crawl, 200, nested, (size_t)at, NULL, &result);
    assert_int_equal(result.count, 0);
    assert_string_equal(result.first_skip_reason, "/data/posts/0/body: expected a string");
    adapter_result_free(&result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(the_first_request_fills_the_template_with_an_empty_cursor, reset),
        cmocka_unit_test_setup(handle_and_cursor_cannot_change_host_path_or_parameters, reset),
        cmocka_unit_test_setup(every_placeholder_is_filled_and_a_token_is_sent, reset),
        cmocka_unit_test_setup(malformed_settings_are_refused_by_name, reset),
        cmocka_unit_test_setup(each_field_is_read_through_its_pointer, reset),
        cmocka_unit_test_setup(pointers_unescape_tilde_and_slash_and_index_arrays, reset),
        cmocka_unit_test_setup(the_next_cursor_is_a_string_or_a_whole_number_or_the_end, reset),
        cmocka_unit_test_setup(the_last_and_an_empty_page_end_the_crawl, reset),
        cmocka_unit_test_setup(a_crawl_stops_at_the_post_the_cursor_names_or_older, reset),
        cmocka_unit_test_setup(a_rescan_stops_at_older_posts_and_keeps_the_cursor, reset),
        cmocka_unit_test_setup(the_newest_post_gives_the_cursor_whatever_its_place, reset),
        cmocka_unit_test_setup(one_bad_post_is_skipped_and_the_others_kept, reset),
        cmocka_unit_test_setup(an_escaped_nul_or_lone_surrogate_becomes_a_replacement_character,
                               reset),
        cmocka_unit_test_setup(malformed_bodies_name_the_position_or_pointer, reset),
        cmocka_unit_test_setup(an_oversized_body_is_refused_unread, reset),
        cmocka_unit_test_setup(deeply_nested_input_is_refused_or_skipped, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
