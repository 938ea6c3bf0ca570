/* What the five engagement adapters share: adapter_find() and adapter_engagement() know them by
 * their names, each asks its post adapter's lookup while the native id is unknown, and none of
 * them is moved by an empty, oversized, deeply nested or failing answer to anything but a clear
 * refusal. */
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

static const struct {
    const struct adapter *adapter;
    const struct adapter *posts; /* the platform's post adapter */
    const char *handle;
    const char *native_id;
} engagement[] = {
    {&adapter_mastodon_following, &adapter_mastodon, "budi@mastodon.example", "109348271623544701"},
    {&adapter_bluesky_follows, &adapter_bluesky, "budi.bsky.social",
     "did:plc:w4xbfzo7kqfes5zb7r6qv3rw"},
    {&adapter_bluesky_likes, &adapter_bluesky, "budi.bsky.social",
     "did:plc:w4xbfzo7kqfes5zb7r6qv3rw"},
    {&adapter_x_following, &adapter_x, "budi_asn", "1111111111"},
    {&adapter_x_liked, &adapter_x, "budi_asn", "1111111111"},
};
#define ENGAGEMENT_COUNT (sizeof(engagement) / sizeof(engagement[0]))

static void crawl_init(struct adapter_test_crawl *crawl, size_t i, const char *native_id)
{
    adapter_test_crawl_init(crawl, engagement[i].adapter, engagement[i].handle, native_id, "",
                            NULL, 0);
    crawl->settings.token = "AAAA-test-token";
}

static void adapters_are_found_by_name_and_listed_per_platform(void **state)
{
    (void)state;
    size_t count;
    for (size_t i = 0; i < ENGAGEMENT_COUNT; i++)
        assert_ptr_equal(adapter_find(engagement[i].adapter->name), engagement[i].adapter);
    const struct adapter *const *list = adapter_engagement("mastodon", &count);
    assert_int_equal(count, 1);
    assert_ptr_equal(list[0], &adapter_mastodon_following);
    list = adapter_engagement("bluesky", &count);
    assert_int_equal(count, 2);
    assert_ptr_equal(list[0], &adapter_bluesky_follows);
    assert_ptr_equal(list[1], &adapter_bluesky_likes);
    list = adapter_engagement("x", &count);
    assert_int_equal(count, 2);
    assert_ptr_equal(list[0], &adapter_x_following);
    assert_ptr_equal(list[1], &adapter_x_liked);
    assert_null(adapter_engagement("feed", &count));
    assert_int_equal(count, 0);
    assert_null(adapter_engagement("jsonapi", &count));
    assert_null(adapter_engagement("bluesky-likes", &count));
}

/* The engine reads a following list whole and a likes list to its cursor, by this field. */
static void each_adapter_says_what_it_lists(void **state)
{
    (void)state;
    assert_int_equal(adapter_mastodon_following.listing, ADAPTER_LISTS_FOLLOWS);
    assert_int_equal(adapter_bluesky_follows.listing, ADAPTER_LISTS_FOLLOWS);
    assert_int_equal(adapter_x_following.listing, ADAPTER_LISTS_FOLLOWS);
    assert_int_equal(adapter_bluesky_likes.listing, ADAPTER_LISTS_LIKES);
    assert_int_equal(adapter_x_liked.listing, ADAPTER_LISTS_LIKES);
    const struct adapter *posts[] = {&adapter_mastodon, &adapter_bluesky, &adapter_x,
                                     &adapter_feed, &adapter_jsonapi};
    for (size_t i = 0; i < sizeof(posts) / sizeof(posts[0]); i++)
        assert_int_equal(posts[i]->listing, ADAPTER_LISTS_POSTS);
}

static void an_unknown_native_id_asks_the_post_adapters_lookup(void **state)
{
    (void)state;
    for (size_t i = 0; i < ENGAGEMENT_COUNT; i++) {
        struct adapter_test_crawl crawl, posts;
        struct adapter_request request, expected;
        crawl_init(&crawl, i, "");
        posts = crawl;
        posts.adapter = engagement[i].posts;
        assert_string_equal(adapter_test_request(&crawl, &request),
                            adapter_test_request(&posts, &expected));
        assert_int_equal(request.is_lookup, 1);
        adapter_request_free(&request);
        adapter_request_free(&expected);
    }
}

static void hostile_answers_are_refused_with_a_reason(void **state)
{
    (void)state;
    size_t nested_len = 4000;
    char *nested = malloc(nested_len + 1);
    assert_non_null(nested);
    memset(nested, '[', nested_len / 2);
    memset(nested + nested_len / 2, ']', nested_len / 2);
    nested[nested_len] = '\0';
    size_t huge_len = (size_t)16 * 1024 * 1024 + 1;
    char *huge = malloc(huge_len);
    assert_non_null(huge);
    memset(huge, ' ', huge_len);
    for (size_t i = 0; i < ENGAGEMENT_COUNT; i++) {
        struct adapter_test_crawl crawl;
        crawl_init(&crawl, i, engagement[i].native_id);
        adapter_test_parse_refused(&crawl, 200, "", 0, NULL, "body: not valid JSON near byte 0");
        adapter_test_parse_refused(&crawl, 200, nested, nested_len, NULL, "not valid JSON");
        adapter_test_parse_refused(&crawl, 200, huge, huge_len, NULL,
                                   "body: 16777217 bytes, over the limit");
        adapter_test_parse_refused(&crawl, 500, "<html>oops</html>", 17, NULL, "HTTP 500");
        adapter_test_parse_refused(&crawl, 200, "{\"a\":1} x", 9, NULL, "not valid JSON");
    }
    free(nested);
    free(huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adapters_are_found_by_name_and_listed_per_platform),
        cmocka_unit_test(each_adapter_says_what_it_lists),
        cmocka_unit_test(an_unknown_native_id_asks_the_post_adapters_lookup),
        cmocka_unit_test(hostile_answers_are_refused_with_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
