/* Publishing a page of posts in one script call: each post's outcome is what it would have been
 * in a call of its own (including a post whose id comes twice in the page), in the page's order,
 * and a call that cannot be one shard's or is too large is refused before anything is sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "queue/keys.h"
#include "queue/posts_stream.h"
#include "queue/redis_sync.h"
#include "queue/scripts.h"
#include "tests/queue/queue_test.h"
#include "tests/support/test_support.h"

#define PAGE_MAX 8

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
    f->config = queue_test_config(test_redis_url(), "publish-page");
    if (redis_sync_open(f->config, test_redis_url(), &f->redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    f->inspect = test_redis_connect(test_redis_url());
    assert_int_equal(keys_posts(f->posts, KEYS_MAX_LEN, f->config->redis.key_prefix, 0, err,
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

struct page {
    struct post_message *posts[PAGE_MAX];
    size_t count;
};

static void page_add(struct page *page, const char *id, const char *text)
{
    assert_true(page->count < PAGE_MAX);
    page->posts[page->count++] = queue_test_post(id, "acct-1", text);
}

static void page_free(struct page *page)
{
    for (size_t i = 0; i < page->count; i++)
        post_message_free(page->posts[i]);
    page->count = 0;
}

/* Publishes the page in one call and checks each post's outcome, in order. */
static void publish_page(struct fixture *f, struct page *page,
                         const enum posts_publish_result *expected)
{
    char err[NETRA_ERR_LEN];
    struct redis_args call;
    redisReply *reply = NULL;
    redis_args_init(&call);
    if (posts_publish_args(f->config, (const struct post_message *const *)page->posts,
                           page->count, &call, err, sizeof(err)) != 0 ||
        scripts_run_sync(f->redis, &script_posts_publish, &call, &reply, err, sizeof(err)) != 0)
        fail_msg("publish: %s", err);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 2 * page->count);
    for (size_t i = 0; i < page->count; i++) {
        assert_int_equal(reply->element[2 * i]->type, REDIS_REPLY_INTEGER);
        if (reply->element[2 * i]->integer != (long long)expected[i])
            fail_msg("post %zu (%s): outcome %lld, expected %d", i, page->posts[i]->id,
                     reply->element[2 * i]->integer, (int)expected[i]);
        /* a stream entry id for what was appended, "" for what was not */
        assert_int_equal(reply->element[2 * i + 1]->len == 0,
                         expected[i] == POSTS_PUBLISH_UNCHANGED);
    }
    freeReplyObject(reply);
    redis_args_free(&call);
}

/* The text of each stream entry's message, oldest first, joined by '|'. */
static void stream_texts(struct fixture *f, char *out, size_t out_len)
{
    struct posts_batch batch;
    char err[NETRA_ERR_LEN];
    out[0] = '\0';
    if (posts_stream_read(f->redis, f->config, 0, "w1", &batch, err, sizeof(err)) != 0)
        fail_msg("read: %s", err);
    for (size_t i = 0; i < batch.count; i++) {
        assert_non_null(batch.entries[i].message);
        size_t used = strlen(out);
        snprintf(out + used, out_len - used, "%s%s", i > 0 ? "|" : "",
                 batch.entries[i].message->text);
    }
    posts_batch_free(&batch);
}

static void each_post_of_a_page_is_deduplicated_in_order(void **state)
{
    struct fixture *f = *state;
    struct page page = {0};
    page_add(&page, "mastodon:1", "satu");
    page_add(&page, "mastodon:2", "dua");
    page_add(&page, "mastodon:1", "satu");          /* the same post again: nothing new */
    page_add(&page, "mastodon:2", "dua, disunting"); /* edited later in the same page */
    page_add(&page, "mastodon:2", "dua, disunting");
    const enum posts_publish_result first[] = {POSTS_PUBLISH_NEW, POSTS_PUBLISH_NEW,
                                               POSTS_PUBLISH_UNCHANGED, POSTS_PUBLISH_CHANGED,
                                               POSTS_PUBLISH_UNCHANGED};
    publish_page(f, &page, first);
    page_free(&page);

    char texts[256];
    stream_texts(f, texts, sizeof(texts));
    assert_string_equal(texts, "satu|dua|dua, disunting");

    /* The next fetch of the same page appends nothing; one edit is one new version. */
    page_add(&page, "mastodon:1", "satu");
    page_add(&page, "mastodon:2", "dua, disunting");
    page_add(&page, "mastodon:3", "tiga");
    const enum posts_publish_result again[] = {POSTS_PUBLISH_UNCHANGED, POSTS_PUBLISH_UNCHANGED,
                                               POSTS_PUBLISH_NEW};
    publish_page(f, &page, again);
    page_free(&page);
    stream_texts(f, texts, sizeof(texts));
    assert_string_equal(texts, "tiga");

    char seen[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    for (int id = 1; id <= 3; id++) {
        char post_id[32];
        snprintf(post_id, sizeof(post_id), "mastodon:%d", id);
        assert_int_equal(keys_seen(seen, sizeof(seen), f->config->redis.key_prefix, 0, post_id,
                                   err, sizeof(err)),
                         0);
        redisReply *ttl = redisCommand(f->inspect, "TTL %s", seen);
        assert_non_null(ttl);
        assert_in_range(ttl->integer, 29LL * 86400, 30LL * 86400);
        freeReplyObject(ttl);
    }
}

/* One post a call (the worker tests' and tools' path) and a page agree on what is known. */
static void a_page_sees_what_single_posts_published(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    enum posts_publish_result result;
    struct post_message *single = queue_test_post("mastodon:7", "acct-1", "tujuh");
    assert_int_equal(posts_stream_publish(f->redis, f->config, single, &result, err,
                                          sizeof(err)),
                     0);
    assert_int_equal(result, POSTS_PUBLISH_NEW);
    post_message_free(single);

    struct page page = {0};
    page_add(&page, "mastodon:7", "tujuh");
    page_add(&page, "mastodon:8", "delapan");
    const enum posts_publish_result expected[] = {POSTS_PUBLISH_UNCHANGED, POSTS_PUBLISH_NEW};
    publish_page(f, &page, expected);
    page_free(&page);

    single = queue_test_post("mastodon:8", "acct-1", "delapan!");
    assert_int_equal(posts_stream_publish(f->redis, f->config, single, &result, err,
                                          sizeof(err)),
                     0);
    assert_int_equal(result, POSTS_PUBLISH_CHANGED);
    post_message_free(single);
}

static void a_call_that_is_not_one_shards_or_too_large_is_refused(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    struct redis_args call;

    redis_args_init(&call);
    assert_int_equal(posts_publish_args(f->config, NULL, 0, &call, err, sizeof(err)), -1);
    assert_string_equal(err, "publish: 0 posts in one call (1 to 256)");
    assert_int_equal(posts_publish_args(f->config, NULL, POSTS_PUBLISH_PAGE_MAX + 1, &call, err,
                                        sizeof(err)),
                     -1);
    assert_string_equal(err, "publish: 257 posts in one call (1 to 256)");
    redis_args_free(&call);

    /* Two accounts that fall on different shards of two. */
    f->config->redis.shards = 2;
    char other[16] = "";
    for (int i = 2; other[0] == '\0'; i++) {
        char account[16];
        snprintf(account, sizeof(account), "acct-%d", i);
        if (keys_shard(account, 2) != keys_shard("acct-1", 2))
            memcpy(other, account, sizeof(account));
    }
    struct post_message *posts[2] = {queue_test_post("mastodon:1", "acct-1", "satu"),
                                     queue_test_post("mastodon:2", other, "dua")};
    redis_args_init(&call);
    assert_int_equal(posts_publish_args(f->config, (const struct post_message *const *)posts, 2,
                                        &call, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "mastodon:2"));
    assert_non_null(strstr(err, "not on the shard of the page"));
    redis_args_free(&call);
    post_message_free(posts[0]);
    post_message_free(posts[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(each_post_of_a_page_is_deduplicated_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_page_sees_what_single_posts_published, setup, teardown),
        cmocka_unit_test_setup_teardown(a_call_that_is_not_one_shards_or_too_large_is_refused,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
