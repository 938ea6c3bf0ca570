/* The followed set: a follow is published once, when it appears; only a complete listing removes
 * the accounts no longer followed; one followed again after that is new again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "queue/follows.h"
#include "queue/keys.h"
#include "queue/redis_sync.h"
#include "tests/queue/queue_test.h"
#include "tests/support/test_support.h"

#define ACCOUNT "pns-7"
#define MAX_PAGE 8

struct fixture {
    struct netra_config *config;
    struct redis_sync *redis;
    redisContext *inspect;
    char posts[KEYS_MAX_LEN];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[NETRA_ERR_LEN];
    f->config = queue_test_config(test_redis_url(), "follows");
    if (redis_sync_open(f->config, test_redis_url(), &f->redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    f->inspect = test_redis_connect(test_redis_url());
    assert_int_equal(keys_posts(f->posts, sizeof(f->posts), f->config->redis.key_prefix, 0, err,
                                sizeof(err)), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_redis_delete_prefix(f->inspect, f->config->redis.key_prefix);
    redisFree(f->inspect);
    redis_sync_close(f->redis);
    config_free(f->config);
    free(f);
    return 0;
}

static struct post_message *follow_of(const char *target)
{
    char id[128];
    snprintf(id, sizeof(id), "mastodon:follow:109:%s", target);
    struct post_message *message = queue_test_post(id, ACCOUNT, "");
    message->kind = POST_KIND_FOLLOW;
    free(message->created_at); /* no platform says when a follow happened */
    message->created_at = NULL;
    message->target.id = strdup(target);
    message->target.account = strdup("someone@kampanye.social");
    assert_non_null(message->target.id);
    return message;
}

/* One page of follows of the targets listed in a space-separated string ("" for none). */
struct page {
    struct post_message *messages[MAX_PAGE];
    size_t count;
    int new_follows[MAX_PAGE];
    long long removed;
};

static void publish(struct fixture *f, const char *targets, long long stamp, int complete,
                    struct page *page)
{
    char err[NETRA_ERR_LEN], list[256];
    memset(page, 0, sizeof(*page));
    snprintf(list, sizeof(list), "%s", targets);
    for (char *save = NULL, *t = strtok_r(list, " ", &save); t != NULL;
         t = strtok_r(NULL, " ", &save))
        page->messages[page->count++] = follow_of(t);
    if (follows_publish_page(f->redis, f->config, ACCOUNT, stamp,
                             (const struct post_message *const *)page->messages, page->count,
                             complete, page->new_follows, &page->removed, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    for (size_t i = 0; i < page->count; i++)
        post_message_free(page->messages[i]);
}

static long long stream_length(struct fixture *f)
{
    redisReply *reply = redisCommand(f->inspect, "XLEN %s", f->posts);
    assert_non_null(reply);
    long long length = reply->integer;
    freeReplyObject(reply);
    return length;
}

/* The targets of the set, space-separated in order. */
static void assert_followed(struct fixture *f, const char *expected)
{
    char err[NETRA_ERR_LEN], joined[512] = "";
    char **targets;
    size_t count;
    if (follows_list(f->redis, f->config, ACCOUNT, &targets, &count, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    for (size_t i = 0; i < count; i++)
        snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
                 i > 0 ? " " : "", targets[i]);
    follows_list_free(targets, count);
    assert_string_equal(joined, expected);
}

static void a_new_follow_is_published_once(void **state)
{
    struct fixture *f = *state;
    struct page page;
    publish(f, "a b", 1000, 0, &page);
    assert_int_equal(page.new_follows[0], 1);
    assert_int_equal(page.new_follows[1], 1);
    publish(f, "c a", 1000, 1, &page);
    assert_int_equal(page.new_follows[0], 1);
    assert_int_equal(page.new_follows[1], 0); /* a came on the first page of the listing */
    assert_int_equal(page.removed, 0);
    assert_int_equal(stream_length(f), 3);

    /* The next listing sees the same accounts: nothing is published again. */
    publish(f, "b c a", 2000, 1, &page);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(page.new_follows[i], 0);
    assert_int_equal(page.removed, 0);
    assert_int_equal(stream_length(f), 3);
    assert_followed(f, "a b c");

    /* What went to the stream is the follow message itself. */
    redisReply *reply = redisCommand(f->inspect, "XRANGE %s - + COUNT 1", f->posts);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    const redisReply *fields = reply->element[0]->element[1];
    assert_string_equal(fields->element[0]->str, "msg");
    assert_non_null(strstr(fields->element[1]->str, "\"kind\":\"follow\""));
    assert_non_null(strstr(fields->element[1]->str, "mastodon:follow:109:a"));
    freeReplyObject(reply);
}

static void a_complete_listing_removes_the_unfollowed_without_publishing(void **state)
{
    struct fixture *f = *state;
    struct page page;
    publish(f, "a b c d", 1000, 1, &page);
    assert_int_equal(stream_length(f), 4);
    publish(f, "a", 2000, 0, &page);
    publish(f, "c", 2000, 0, &page);
    publish(f, "", 2000, 1, &page); /* the last page was empty: the listing ends here */
    assert_int_equal(page.count, 0);
    assert_int_equal(page.removed, 2);
    assert_followed(f, "a c");
    assert_int_equal(stream_length(f), 4);
}

static void an_incomplete_listing_removes_no_one(void **state)
{
    struct fixture *f = *state;
    struct page page;
    publish(f, "a b c", 1000, 1, &page);
    /* The listing stops after one page (an error, a 429, max pages, a stop): b and c were simply
     * not read, they were not unfollowed. */
    publish(f, "a", 2000, 0, &page);
    assert_int_equal(page.removed, 0);
    assert_followed(f, "a b c");
    /* The next listing is complete and sees all three: still no one removed. */
    publish(f, "a b c", 3000, 1, &page);
    assert_int_equal(page.removed, 0);
    assert_followed(f, "a b c");
    assert_int_equal(stream_length(f), 3);
}

static void a_follow_again_after_an_unfollow_is_new_again(void **state)
{
    struct fixture *f = *state;
    struct page page;
    publish(f, "a b", 1000, 1, &page);
    publish(f, "a", 2000, 1, &page);
    assert_int_equal(page.removed, 1);
    publish(f, "a b", 3000, 1, &page);
    assert_int_equal(page.new_follows[0], 0);
    assert_int_equal(page.new_follows[1], 1);
    assert_int_equal(stream_length(f), 3); /* a, b, then b again */
}

/* A crawler whose clock runs behind stamps a listing lower than the one before: the members the
 * earlier listing stamped and this one did not see are still the ones removed. */
static void a_listing_stamped_earlier_than_the_last_still_removes_the_right_ones(void **state)
{
    struct fixture *f = *state;
    struct page page;
    publish(f, "a b c", 5000, 1, &page);
    publish(f, "a c", 4000, 1, &page);
    assert_int_equal(page.removed, 1);
    assert_followed(f, "a c");
}

static void an_empty_complete_listing_unfollows_everyone(void **state)
{
    struct fixture *f = *state;
    struct page page;
    publish(f, "a b", 1000, 1, &page);
    publish(f, "", 2000, 1, &page);
    assert_int_equal(page.removed, 2);
    assert_followed(f, "");
}

static void messages_that_are_not_follows_of_the_account_are_refused(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    int new_follows[1];
    long long removed;
    struct post_message *message = follow_of("a");
    const struct post_message *const page[] = {message};

    message->kind = POST_KIND_LIKE;
    assert_int_equal(follows_publish_page(f->redis, f->config, ACCOUNT, 1000, page, 1, 1,
                                          new_follows, &removed, err, sizeof(err)), -1);
    assert_string_equal(err, "follows mastodon:follow:109:a: not a follow");
    message->kind = POST_KIND_FOLLOW;
    assert_int_equal(follows_publish_page(f->redis, f->config, "pns-8", 1000, page, 1, 1,
                                          new_follows, &removed, err, sizeof(err)), -1);
    assert_string_equal(err, "follows mastodon:follow:109:a: not a follow of account pns-8");
    free(message->target.id);
    message->target.id = strdup("");
    assert_int_equal(follows_publish_page(f->redis, f->config, ACCOUNT, 1000, page, 1, 1,
                                          new_follows, &removed, err, sizeof(err)), -1);
    assert_string_equal(err, "follows mastodon:follow:109:a: no target id");
    assert_int_equal(follows_publish_page(f->redis, f->config, ACCOUNT, 0, page, 0, 1,
                                          new_follows, &removed, err, sizeof(err)), -1);
    assert_string_equal(err, "follows: listing stamp 0 out of range");
    post_message_free(message);
    assert_int_equal(stream_length(f), 0);
    assert_followed(f, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_new_follow_is_published_once, setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_complete_listing_removes_the_unfollowed_without_publishing, setup, teardown),
        cmocka_unit_test_setup_teardown(an_incomplete_listing_removes_no_one, setup, teardown),
        cmocka_unit_test_setup_teardown(a_follow_again_after_an_unfollow_is_new_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            a_listing_stamped_earlier_than_the_last_still_removes_the_right_ones, setup,
            teardown),
        cmocka_unit_test_setup_teardown(an_empty_complete_listing_unfollows_everyone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(messages_that_are_not_follows_of_the_account_are_refused,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
