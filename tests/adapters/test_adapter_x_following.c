/* The x-following adapter against X API v2 follows lookup answers written from its documentation:
 * one follow message per followed user, paging by next_token to the end, the x adapter's lookup,
 * an access level without the endpoint reported in X's own words, and hostile users skipped. */
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

#define USER_ID "1111111111"

static void crawl_init(struct adapter_test_crawl *crawl, const char *native_id, const char *page)
{
    adapter_test_crawl_init(crawl, &adapter_x_following, "budi_asn", native_id, "", page, 0);
    crawl->settings.token = "AAAA-test-token";
}

static void the_lookup_is_the_x_adapters(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, "", NULL);
    adapter_test_assert_url(&crawl, "https://api.x.com/2/users/by/username/budi_asn");
}

static void pages_ask_for_1000_users_with_the_bearer_token(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_request request;
    crawl_init(&crawl, USER_ID, NULL);
    assert_string_equal(adapter_test_request(&crawl, &request),
                        "https://api.x.com/2/users/1111111111/following?max_results=1000&"
                        "user.fields=description,url");
    assert_int_equal(request.header_count, 1);
    assert_string_equal(request.headers[0], "Authorization: Bearer AAAA-test-token");
    adapter_request_free(&request);
    crawl_init(&crawl, USER_ID, "7140dib&x=1");
    crawl.settings.base_url = "http://127.0.0.1:8080/x";
    adapter_test_assert_url(&crawl, "http://127.0.0.1:8080/x/2/users/1111111111/following?"
                                    "max_results=1000&user.fields=description,url&"
                                    "pagination_token=7140dib%26x%3D1");
    crawl.settings.token = NULL;
    adapter_test_request_refused(&crawl, "platforms.x.token is not set");
    crawl_init(&crawl, "1/../2", NULL);
    adapter_test_request_refused(&crawl, "expected an X user id");
}

static void each_followed_user_becomes_a_follow_message(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, USER_ID, NULL);
    adapter_test_parse_fixture(&crawl, 200, "following_first_page.json", NULL, &result);
    assert_int_equal(result.count, 2);
    assert_null(result.new_cursor);
    assert_string_equal(result.next_page, "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i");
    const struct post_message *candidate =
        adapter_test_post(&result, "x:follow:1111111111:1234567890123456789");
    assert_int_equal(candidate->kind, POST_KIND_FOLLOW);
    assert_string_equal(candidate->author, "budi_asn");
    assert_null(candidate->created_at);
    assert_string_equal(candidate->url, "https://x.com/prabowo");
    assert_string_equal(candidate->target.account, "prabowo");
    assert_string_equal(candidate->target.account_id, "1234567890123456789");
    assert_string_equal(candidate->target.name, "Prabowo Subianto");
    assert_string_equal(candidate->target.text,
                        "Calon Presiden RI 2024 &amp; Ketua Umum Partai Gerindra");
    adapter_test_assert_contains((const char *)candidate->raw,
                                 "{\"data\":{\"id\":\"1234567890123456789\"");
    adapter_test_assert_contains((const char *)candidate->raw, "\"created_at\"");
    const struct post_message *neighbour =
        adapter_test_post(&result, "x:follow:1111111111:2244994945");
    assert_null(neighbour->target.text);
    adapter_result_free(&result);
}

static void the_last_page_and_an_empty_list_end_the_crawl(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, USER_ID, "7140dib");
    adapter_test_parse_fixture(&crawl, 200, "following_last_page.json", NULL, &result);
    assert_int_equal(result.count, 1);
    assert_null(result.next_page);
    adapter_result_free(&result);
    adapter_test_parse_fixture(&crawl, 200, "following_empty.json", NULL, &result);
    assert_int_equal(result.count, 0);
    assert_null(result.next_page);
    adapter_result_free(&result);
}

static void an_access_level_without_the_endpoint_is_an_error_a_missing_user_gone(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    size_t len;
    crawl_init(&crawl, USER_ID, NULL);
    char *body = adapter_test_fixture("x-following", "client_forbidden.json", &len);
    adapter_test_parse_refused(&crawl, 403, body, len, NULL,
                               "HTTP 403: Client Forbidden: When authenticating");
    adapter_test_parse_refused(&crawl, 403, body, len, NULL, "(client-not-enrolled)");
    free(body);
    adapter_test_parse_refused(&crawl, 401, "", 0, NULL, "HTTP 401");
    body = adapter_test_fixture("x-following", "user_not_found.json", &len);
    adapter_test_parse(&crawl, 200, body, len, NULL, &result);
    assert_int_equal(result.gone, 1);
    adapter_result_free(&result);
    free(body);
}

static void bad_users_are_skipped_and_bodies_refused_with_the_place_named(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, USER_ID, NULL);
    const char mixed[] = "{\"data\":[{\"id\":\"1\",\"username\":\"ok_user\"},"
                         "{\"id\":\"2\",\"username\":\"no spaces\"},{\"username\":\"x\"},"
                         "{\"id\":\"3\",\"username\":\"b\",\"name\":\"\\udc00\"},[]]}";
    adapter_test_parse(&crawl, 200, mixed, strlen(mixed), NULL, &result);
    assert_int_equal(result.count, 2); /* the lone surrogate becomes U+FFFD */
    assert_int_equal(result.skipped, 3);
    adapter_test_assert_contains(result.first_skip_reason, "data[1].username \"no spaces\"");
    adapter_result_free(&result);

    const char *cases[][2] = {
        {"{\"data\":[", "body: not valid JSON near byte 9"},
        {"[]", "body: expected a JSON object"},
        {"{\"data\":{}}", "data: expected an array"},
        {"{\"data\":[],\"meta\":{\"next_token\":7}}", "meta.next_token: expected a string"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        adapter_test_parse_refused(&crawl, 200, cases[i][0], strlen(cases[i][0]), NULL,
                                   cases[i][1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_lookup_is_the_x_adapters),
        cmocka_unit_test(pages_ask_for_1000_users_with_the_bearer_token),
        cmocka_unit_test(each_followed_user_becomes_a_follow_message),
        cmocka_unit_test(the_last_page_and_an_empty_list_end_the_crawl),
        cmocka_unit_test(an_access_level_without_the_endpoint_is_an_error_a_missing_user_gone),
        cmocka_unit_test(bad_users_are_skipped_and_bodies_refused_with_the_place_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
