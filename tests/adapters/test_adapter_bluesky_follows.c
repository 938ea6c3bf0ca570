/* The bluesky-follows adapter against app.bsky.graph.getFollows answers written from the lexicon:
 * one follow message per followed profile, paging by cursor to the end, the lookup and the gone
 * answers of the bluesky adapter, and hostile answers refused or skipped with the place named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define HANDLE "budi.bsky.social"
#define DID "did:plc:w4xbfzo7kqfes5zb7r6qv3rw"

static void crawl_init(struct adapter_test_crawl *crawl, const char *native_id, const char *page)
{
    adapter_test_crawl_init(crawl, &adapter_bluesky_follows, HANDLE, native_id, "", page, 0);
}

static void the_lookup_is_the_bluesky_adapters(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, "", NULL);
    adapter_test_assert_url(&crawl, "https://public.api.bsky.app/xrpc/"
                                    "com.atproto.identity.resolveHandle?handle=budi.bsky.social");
    const char answer[] = "{\"did\":\"" DID "\"}";
    adapter_test_parse(&crawl, 200, answer, strlen(answer), NULL, &result);
    assert_string_equal(result.native_id, DID);
    adapter_result_free(&result);
}

static void pages_ask_for_100_follows_with_the_cursor_encoded(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, DID, NULL);
    adapter_test_assert_url(&crawl, "https://public.api.bsky.app/xrpc/app.bsky.graph.getFollows?"
                                    "actor=did%3Aplc%3Aw4xbfzo7kqfes5zb7r6qv3rw&limit=100");
    crawl_init(&crawl, DID, "3kx&actor=did:plc:other");
    crawl.settings.base_url = "http://127.0.0.1:8080/bluesky";
    adapter_test_assert_url(&crawl,
                            "http://127.0.0.1:8080/bluesky/xrpc/app.bsky.graph.getFollows?actor="
                            "did%3Aplc%3Aw4xbfzo7kqfes5zb7r6qv3rw&limit=100&cursor="
                            "3kx%26actor%3Ddid%3Aplc%3Aother");
    crawl_init(&crawl, "not-a-did", NULL);
    adapter_test_request_refused(&crawl, "account DID \"not-a-did\": not a DID");
}

static void each_followed_profile_becomes_a_follow_message(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, NULL);
    adapter_test_parse_fixture(&crawl, 200, "follows_first_page.json", NULL, &result);
    assert_int_equal(result.count, 2);
    assert_string_equal(result.next_page, "3kxbqmonyxs2a");
    assert_null(result.new_cursor);

    const struct post_message *party =
        adapter_test_post(&result, "bluesky:follow:" DID ":did:plc:gerindra2bsky7campaign22");
    assert_int_equal(party->kind, POST_KIND_FOLLOW);
    assert_string_equal(party->author, HANDLE);
    assert_string_equal(party->text, "");
    assert_null(party->created_at);
    assert_string_equal(party->url, "https://bsky.app/profile/gerindra.bsky.social");
    assert_string_equal(party->target.id, "did:plc:gerindra2bsky7campaign22");
    assert_string_equal(party->target.account, "gerindra.bsky.social");
    assert_string_equal(party->target.account_id, "did:plc:gerindra2bsky7campaign22");
    assert_string_equal(party->target.name, "Gerindra \xF0\x9F\x9A\x80");
    assert_string_equal(party->target.text,
                        "Akun resmi Partai Gerindra. Coblos no. 2 & menangkan!");
    adapter_test_assert_contains((const char *)party->raw, "\"associated\":{\"chat\"");

    /* A handle that does not verify: the profile is named by its DID. */
    const struct post_message *neighbour =
        adapter_test_post(&result, "bluesky:follow:" DID ":did:plc:neighbourunverified00001");
    assert_string_equal(neighbour->target.account, "did:plc:neighbourunverified00001");
    assert_string_equal(neighbour->target.url,
                        "https://bsky.app/profile/did:plc:neighbourunverified00001");
    assert_null(neighbour->target.text);
    adapter_result_free(&result);
}

static void an_answer_without_cursor_or_follows_is_the_last(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, "3kxbqmonyxs2a");
    adapter_test_parse_fixture(&crawl, 200, "follows_last_page.json", NULL, &result);
    assert_int_equal(result.count, 1);
    assert_null(result.next_page);
    assert_string_equal(result.posts[0]->target.account_id, "did:web:berita.example");
    adapter_result_free(&result);

    const char empty[] = "{\"follows\":[],\"cursor\":\"3kxbqmonyxs2z\"}";
    adapter_test_parse(&crawl, 200, empty, strlen(empty), NULL, &result);
    assert_null(result.next_page);
    adapter_result_free(&result);

    const char same[] = "{\"follows\":[{\"did\":\"did:plc:a\"}],\"cursor\":\"3kxbqmonyxs2a\"}";
    adapter_test_parse(&crawl, 200, same, strlen(same), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_null(result.next_page); /* the same cursor again would never end */
    adapter_result_free(&result);
}

static void a_missing_profile_is_gone_and_another_subject_refused(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    size_t len;
    crawl_init(&crawl, DID, NULL);
    char *body = adapter_test_fixture("bluesky-follows", "profile_not_found.json", &len);
    adapter_test_parse(&crawl, 400, body, len, NULL, &result);
    assert_int_equal(result.gone, 1);
    adapter_result_free(&result);
    free(body);
    body = adapter_test_fixture("bluesky-follows", "follows_other_subject.json", &len);
    adapter_test_parse_refused(&crawl, 200, body, len, NULL,
                               "body.subject.did \"did:plc:someoneelse0000000000000\"");
    free(body);
    const char limited[] = "{\"error\":\"RateLimitExceeded\",\"message\":\"slow down\"}";
    adapter_test_parse_refused(&crawl, 403, limited, strlen(limited), NULL,
                               "HTTP 403: RateLimitExceeded: slow down");
}

static void one_bad_profile_is_skipped_and_the_others_kept(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, NULL);
    adapter_test_parse_fixture(&crawl, 200, "follows_one_bad.json", NULL, &result);
    assert_int_equal(result.count, 2);
    assert_int_equal(result.skipped, 2);
    adapter_test_assert_contains(result.first_skip_reason, "follows[1].did: missing");
    assert_string_equal(result.next_page, "3kxbqmonyxs2b");
    adapter_result_free(&result);
}

static void malformed_bodies_are_refused_with_the_place_named(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, DID, NULL);
    const char *cases[][2] = {
        {"{\"follows\":", "body: not valid JSON near byte 11"},
        {"[]", "body: expected an object with follows"},
        {"{\"cursor\":\"a\"}", "body.follows: missing"},
        {"{\"follows\":{}}", "body.follows: expected an array"},
        {"{\"follows\":[],\"subject\":\"x\"}", "body.subject: expected an object"},
        {"{\"follows\":[{\"did\":\"did:plc:a\"}],\"cursor\":\"a\\u0001b\"}",
         "body.cursor \"a\\x01b\": not a cursor"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        adapter_test_parse_refused(&crawl, 200, cases[i][0], strlen(cases[i][0]), NULL,
                                   cases[i][1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_lookup_is_the_bluesky_adapters),
        cmocka_unit_test(pages_ask_for_100_follows_with_the_cursor_encoded),
        cmocka_unit_test(each_followed_profile_becomes_a_follow_message),
        cmocka_unit_test(an_answer_without_cursor_or_follows_is_the_last),
        cmocka_unit_test(a_missing_profile_is_gone_and_another_subject_refused),
        cmocka_unit_test(one_bad_profile_is_skipped_and_the_others_kept),
        cmocka_unit_test(malformed_bodies_are_refused_with_the_place_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
