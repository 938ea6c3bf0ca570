/* The x-liked adapter against X API v2 liked posts answers written from its documentation: one
 * like message per liked post with its author from includes, paging by next_token until the first
 * liked post of the last complete crawl, and hostile posts skipped with the place named. */
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

static void crawl_init(struct adapter_test_crawl *crawl, const char *cursor, const char *page,
                       long long since_s)
{
    adapter_test_crawl_init(crawl, &adapter_x_liked, "budi_asn", USER_ID, cursor, page, since_s);
    crawl->settings.token = "AAAA-test-token";
}

static void pages_ask_for_100_liked_posts_with_their_authors(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, "", NULL, 0);
    adapter_test_assert_url(&crawl, "https://api.x.com/2/users/1111111111/liked_tweets?"
                                    "max_results=100&expansions=author_id&tweet.fields="
                                    "created_at,author_id,lang&user.fields=username,name");
    crawl_init(&crawl, "", "7140dib", 0);
    crawl.settings.page_size = 5; /* X's minimum here is 10 */
    adapter_test_assert_url(&crawl, "https://api.x.com/2/users/1111111111/liked_tweets?"
                                    "max_results=10&expansions=author_id&tweet.fields="
                                    "created_at,author_id,lang&user.fields=username,name&"
                                    "pagination_token=7140dib");
}

static void each_liked_post_becomes_a_like_message(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "liked_first_page.json", NULL, &result);
    assert_int_equal(result.count, 3);
    assert_string_equal(result.new_cursor, "1743000000000000005"); /* the first, not the largest */
    assert_string_equal(result.next_page, "7140dibdnow9c7btw481ebfnyqy2j2s8jjgqk6tt2p0v1");

    const struct post_message *campaign =
        adapter_test_post(&result, "x:like:1111111111:1743000000000000005");
    assert_int_equal(campaign->kind, POST_KIND_LIKE);
    assert_string_equal(campaign->author, "budi_asn");
    assert_string_equal(campaign->text, "");
    assert_null(campaign->created_at); /* X does not say when the like happened */
    assert_string_equal(campaign->url, "https://x.com/prabowo/status/1743000000000000005");
    assert_string_equal(campaign->target.id, "1743000000000000005");
    assert_string_equal(campaign->target.account, "prabowo");
    assert_string_equal(campaign->target.account_id, "1234567890123456789");
    assert_string_equal(campaign->target.name, "Prabowo Subianto");
    assert_string_equal(campaign->target.text,
                        "Pilih nomor 2! Bersama kita menang & maju https://t.co/xyz123");
    adapter_test_assert_contains((const char *)campaign->raw,
                                 "{\"data\":{\"id\":\"1743000000000000005\"");
    adapter_test_assert_contains((const char *)campaign->raw,
                                 "\"includes\":{\"users\":[{\"id\":\"1234567890123456789\"");

    const struct post_message *recipe =
        adapter_test_post(&result, "x:like:1111111111:1742000000000000009");
    assert_string_equal(recipe->target.text, "Resep sambal <pedas> \xF0\x9F\x8C\xB6\xEF\xB8\x8F");

    /* An author X did not include: the post's id-only URL, the author's id. */
    const struct post_message *unknown =
        adapter_test_post(&result, "x:like:1111111111:1744000000000000001");
    assert_string_equal(unknown->url, "https://x.com/i/status/1744000000000000001");
    assert_null(unknown->target.account);
    assert_string_equal(unknown->target.account_id, "4444444444");
    adapter_result_free(&result);
}

static void a_crawl_stops_at_the_first_like_of_the_last_crawl(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, "1742000000000000009", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "liked_first_page.json", NULL, &result);
    assert_int_equal(result.count, 1);
    assert_null(result.next_page);
    assert_string_equal(result.new_cursor, "1743000000000000005");
    adapter_result_free(&result);

    /* Later pages keep the cursor; a rescan reads to the end and leaves it alone. */
    crawl_init(&crawl, "1742000000000000009", "7140dib", 0);
    adapter_test_parse_fixture(&crawl, 200, "liked_last_page.json", NULL, &result);
    assert_null(result.new_cursor);
    assert_null(result.next_page);
    adapter_result_free(&result);
    crawl_init(&crawl, "1742000000000000009", NULL, 1700000000);
    adapter_test_parse_fixture(&crawl, 200, "liked_first_page.json", NULL, &result);
    assert_int_equal(result.count, 3);
    assert_null(result.new_cursor);
    assert_non_null(result.next_page);
    adapter_result_free(&result);

    crawl_init(&crawl, "17420000&x", NULL, 0);
    adapter_test_parse_refused(&crawl, 200, "{\"data\":[]}", 11, NULL,
                               "cursor \"17420000&x\": expected an X post id");
}

static void bad_posts_are_skipped_and_the_others_kept(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "liked_one_bad.json", NULL, &result);
    assert_int_equal(result.count, 1);
    assert_int_equal(result.skipped, 4);
    adapter_test_assert_contains(result.first_skip_reason, "data[1].id \"../../evil\"");
    adapter_test_post(&result, "x:like:1111111111:1743000000000000005");
    adapter_result_free(&result);
}

static void oversized_pages_and_refusals_are_errors(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, "", NULL, 0);
    char body[4096] = "{\"data\":[";
    for (int i = 0; i < 101; i++)
        strcat(body, i > 0 ? ",{}" : "{}");
    strcat(body, "]}");
    adapter_test_parse_refused(&crawl, 200, body, strlen(body), NULL,
                               "data: 101 items, over the 100");
    const char tier[] = "{\"title\":\"Forbidden\",\"detail\":\"Your client app is not permitted "
                        "to access this resource.\",\"type\":\"about:blank\",\"status\":403}";
    adapter_test_parse_refused(&crawl, 403, tier, strlen(tier), NULL,
                               "HTTP 403: Forbidden: Your client app is not permitted");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pages_ask_for_100_liked_posts_with_their_authors),
        cmocka_unit_test(each_liked_post_becomes_a_like_message),
        cmocka_unit_test(a_crawl_stops_at_the_first_like_of_the_last_crawl),
        cmocka_unit_test(bad_posts_are_skipped_and_the_others_kept),
        cmocka_unit_test(oversized_pages_and_refusals_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
