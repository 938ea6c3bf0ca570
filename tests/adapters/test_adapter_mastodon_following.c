/* The mastodon-following adapter against Account lists written from the REST API documentation:
 * requests go only to the configured instance, each followed account becomes one follow message
 * with its acct as user@domain, paging follows the Link header, and hidden or refused lists and
 * hostile answers are told apart. */
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

#define HANDLE "budi@mastodon.example"
#define ACCOUNT_ID "109348271623544701"
#define NEXT_LINK                                                                                  \
    "<https://mastodon.example/api/v1/accounts/109348271623544701/following?limit=80&max_id="      \
    "7163058>; rel=\"next\", <https://mastodon.example/api/v1/accounts/109348271623544701/"        \
    "following?limit=80&since_id=7163100>; rel=\"prev\""

static void crawl_init(struct adapter_test_crawl *crawl, const char *native_id, const char *page)
{
    adapter_test_crawl_init(crawl, &adapter_mastodon_following, HANDLE, native_id, "", page, 0);
}

static void the_lookup_is_the_mastodon_adapters(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, "", NULL);
    adapter_test_assert_url(&crawl, "https://mastodon.example/api/v1/accounts/lookup?acct=budi");
    const char lookup[] = "{\"id\":\"109348271623544701\",\"username\":\"budi\",\"acct\":\"budi\"}";
    adapter_test_parse(&crawl, 200, lookup, strlen(lookup), NULL, &result);
    assert_string_equal(result.native_id, ACCOUNT_ID);
    adapter_result_free(&result);
}

static void pages_ask_for_80_accounts_from_the_instance(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, ACCOUNT_ID, NULL);
    adapter_test_assert_url(
        &crawl, "https://mastodon.example/api/v1/accounts/109348271623544701/following?limit=80");
    crawl_init(&crawl, ACCOUNT_ID, "7163058");
    adapter_test_assert_url(&crawl, "https://mastodon.example/api/v1/accounts/"
                                    "109348271623544701/following?limit=80&max_id=7163058");
    crawl.settings.base_url = "http://127.0.0.1:8080/mastodon/";
    crawl.settings.page_size = 500;
    adapter_test_assert_url(&crawl, "http://127.0.0.1:8080/mastodon/api/v1/accounts/"
                                    "109348271623544701/following?limit=80&max_id=7163058");
}

static void a_page_or_id_that_could_steer_the_url_is_refused(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, ACCOUNT_ID, "1&admin=1");
    adapter_test_request_refused(&crawl, "page \"1&admin=1\": not a Mastodon max_id");
    crawl_init(&crawl, "../statuses", NULL);
    adapter_test_request_refused(&crawl, "not a Mastodon id");
}

static void each_followed_account_becomes_a_follow_message(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, NULL);
    adapter_test_parse_fixture(&crawl, 200, "following_first_page.json", NEXT_LINK, &result);
    assert_int_equal(result.count, 2);
    assert_int_equal(result.skipped, 0);
    assert_null(result.new_cursor);
    assert_string_equal(result.next_page, "7163058");

    const struct post_message *party = adapter_test_post(
        &result, "mastodon:follow:109348271623544701:109301234567890123");
    assert_int_equal(party->kind, POST_KIND_FOLLOW);
    assert_string_equal(party->platform, "mastodon");
    assert_string_equal(party->author, HANDLE);
    assert_string_equal(party->text, "");
    assert_null(party->created_at);
    assert_string_equal(party->url, "https://kampanye.social/@gerindra");
    assert_string_equal(party->target.id, "109301234567890123");
    assert_string_equal(party->target.account, "gerindra@kampanye.social");
    assert_string_equal(party->target.account_id, "109301234567890123");
    assert_string_equal(party->target.name, "Partai Gerindra \xF0\x9F\x87\xAE\xF0\x9F\x87\xA9");
    assert_string_equal(party->target.url, "https://kampanye.social/@gerindra");
    assert_string_equal(party->target.text, "Akun resmi & terverifikasi. #pemilu\nCoblos nomor 2!");
    /* The evidence is the Account as served, fields netra ignores included. */
    adapter_test_assert_contains((const char *)party->raw, "\"followers_count\":120345");
    adapter_test_assert_contains((const char *)party->raw, "\"verified_at\"");

    /* A local acct gets the host of its url. */
    const struct post_message *neighbour = adapter_test_post(
        &result, "mastodon:follow:109348271623544701:109348271623544777");
    assert_string_equal(neighbour->target.account, "tetangga@mastodon.example");
    assert_null(neighbour->target.name); /* "" display name */
    assert_null(neighbour->target.text);
    adapter_result_free(&result);
}

static void a_page_without_a_next_link_is_the_last(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "7163058");
    adapter_test_parse_fixture(&crawl, 200, "following_last_page.json",
                               "<https://mastodon.example/api/v1/accounts/1/following?since_id=9>;"
                               " rel=\"prev\"",
                               &result);
    assert_int_equal(result.count, 1);
    assert_null(result.next_page);
    assert_string_equal(result.posts[0]->target.text, "Kabar pemerintah <resmi>");
    adapter_result_free(&result);

    adapter_test_parse_fixture(&crawl, 200, "following_last_page.json", NULL, &result);
    assert_null(result.next_page);
    adapter_result_free(&result);
}

static void a_hidden_list_reads_as_an_empty_last_page(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, NULL);
    adapter_test_parse_fixture(&crawl, 200, "following_hidden.json", NEXT_LINK, &result);
    assert_int_equal(result.count, 0);
    assert_null(result.next_page);
    adapter_result_free(&result);
}

static void a_refused_list_is_an_error_and_a_missing_account_is_gone(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    size_t len;
    crawl_init(&crawl, ACCOUNT_ID, NULL);
    char *body = adapter_test_fixture("mastodon-following", "error_unauthorized.json", &len);
    adapter_test_parse_refused(&crawl, 401, body, len, NULL,
                               "HTTP 401: This method requires an authenticated user");
    adapter_test_parse_refused(&crawl, 403, body, len, NULL, "HTTP 403");
    free(body);
    const char missing[] = "{\"error\":\"Record not found\"}";
    adapter_test_parse(&crawl, 404, missing, strlen(missing), NULL, &result);
    assert_int_equal(result.gone, 1);
    assert_int_equal(result.count, 0);
    adapter_result_free(&result);
}

static void one_bad_account_is_skipped_and_the_others_kept(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, NULL);
    adapter_test_parse_fixture(&crawl, 200, "following_one_bad.json", NULL, &result);
    assert_int_equal(result.count, 2);
    assert_int_equal(result.skipped, 1);
    adapter_test_assert_contains(result.first_skip_reason,
                                 "accounts[1].id \"../../admin\": not a Mastodon id");
    adapter_test_post(&result, "mastodon:follow:109348271623544701:109301234567890999");
    adapter_result_free(&result);

    const char bad_acct[] = "[{\"id\":\"1\",\"acct\":\"a@b@c\"},{\"id\":\"2\"},7]";
    adapter_test_parse(&crawl, 200, bad_acct, strlen(bad_acct), NULL, &result);
    assert_int_equal(result.count, 0);
    assert_int_equal(result.skipped, 3);
    adapter_test_assert_contains(result.first_skip_reason, "accounts[0].acct \"a@b@c\"");
    adapter_result_free(&result);
}

static void malformed_bodies_and_links_are_refused_with_the_place_named(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, ACCOUNT_ID, NULL);
    const char cut[] = "[{\"id\":\"1\",";
    adapter_test_parse_refused(&crawl, 200, cut, strlen(cut), NULL, "body: not valid JSON");
    const char object[] = "{\"error\":\"x\"}";
    adapter_test_parse_refused(&crawl, 200, object, strlen(object), NULL,
                               "body: expected an array of accounts");
    const char one[] = "[{\"id\":\"1\",\"acct\":\"a\"}]";
    adapter_test_parse_refused(&crawl, 200, one, strlen(one), "<https://x/?max_id=a b>; rel=next",
                               "not a URL");
    crawl_init(&crawl, ACCOUNT_ID, "7163058");
    adapter_test_parse_refused(&crawl, 200, one, strlen(one), NEXT_LINK,
                               "repeats the page just fetched");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_lookup_is_the_mastodon_adapters),
        cmocka_unit_test(pages_ask_for_80_accounts_from_the_instance),
        cmocka_unit_test(a_page_or_id_that_could_steer_the_url_is_refused),
        cmocka_unit_test(each_followed_account_becomes_a_follow_message),
        cmocka_unit_test(a_page_without_a_next_link_is_the_last),
        cmocka_unit_test(a_hidden_list_reads_as_an_empty_last_page),
        cmocka_unit_test(a_refused_list_is_an_error_and_a_missing_account_is_gone),
        cmocka_unit_test(one_bad_account_is_skipped_and_the_others_kept),
        cmocka_unit_test(malformed_bodies_and_links_are_refused_with_the_place_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
