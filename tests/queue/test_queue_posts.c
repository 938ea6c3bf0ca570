/* The posts stream: deduplicated publishing, batched consuming, reclaiming from dead consumers,
 * dead-lettering, and malformed entries reported rather than fatal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/keys.h"
#include "queue/posts_stream.h"
#include "queue/redis_sync.h"
#include "tests/queue/queue_test.h"
#include "tests/support/test_support.h"

struct fixture {
    struct netra_config *config;
    struct redis_sync *redis;
    redisContext *inspect;
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[NETRA_ERR_LEN];
    f->config = queue_test_config(test_redis_url(), "posts");
    f->config->stream.block_ms = 10;
    if (redis_sync_open(f->config, test_redis_url(), &f->redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    f->inspect = test_redis_connect(test_redis_url());
    assert_int_equal(keys_posts(f->posts, KEYS_MAX_LEN, f->config->redis.key_prefix, 0, err,
                                sizeof(err)), 0);
    assert_int_equal(keys_posts_dead(f->dead, KEYS_MAX_LEN, f->config->redis.key_prefix, 0, err,
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

static long long inspect_integer(redisContext *redis, const char *command, const char *key)
{
    redisReply *reply = redisCommand(redis, "%s %s", command, key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    long long value = reply->integer;
    freeReplyObject(reply);
    return value;
}

static long long pending_count(struct fixture *f)
{
    redisReply *reply = redisCommand(f->inspect, "XPENDING %s %s", f->posts, POSTS_GROUP);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    long long count = reply->element[0]->integer;
    freeReplyObject(reply);
    return count;
}

static void publish(struct fixture *f, const char *id, const char *text,
                    enum posts_publish_result expected)
{
    char err[NETRA_ERR_LEN];
    enum posts_publish_result result;
    struct post_message *message = queue_test_post(id, "acct-1", text);
    if (posts_stream_publish(f->redis, f->config, message, &result, err, sizeof(err)) != 0)
        fail_msg("publish: %s", err);
    assert_int_equal(result, expected);
    post_message_free(message);
}

static void same_post_twice_is_one_message_and_an_edit_is_another(void **state)
{
    struct fixture *f = *state;
    publish(f, "mastodon:1", "Selamat pagi", POSTS_PUBLISH_NEW);
    publish(f, "mastodon:1", "Selamat pagi", POSTS_PUBLISH_UNCHANGED);
    assert_int_equal(inspect_integer(f->inspect, "XLEN", f->posts), 1);
    publish(f, "mastodon:1", "Selamat pagi, dukung paslon 2!", POSTS_PUBLISH_CHANGED);
    publish(f, "mastodon:1", "Selamat pagi, dukung paslon 2!", POSTS_PUBLISH_UNCHANGED);
    assert_int_equal(inspect_integer(f->inspect, "XLEN", f->posts), 2);
    publish(f, "mastodon:2", "Selamat pagi", POSTS_PUBLISH_NEW);
    assert_int_equal(inspect_integer(f->inspect, "XLEN", f->posts), 3);

    char seen[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_seen(seen, sizeof(seen), f->config->redis.key_prefix, 0, "mastodon:1",
                               err, sizeof(err)), 0);
    long long ttl = inspect_integer(f->inspect, "TTL", seen);
    assert_in_range(ttl, 29LL * 86400, 30LL * 86400);
}

static void read_decodes_what_was_published_and_ack_clears_it(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    publish(f, "mastodon:10", "pertama", POSTS_PUBLISH_NEW);
    publish(f, "mastodon:11", "kedua", POSTS_PUBLISH_NEW);
    struct posts_batch batch;
    if (posts_stream_read(f->redis, f->config, 0, "w1", &batch, err, sizeof(err)) != 0)
        fail_msg("read: %s", err);
    assert_int_equal(batch.count, 2);
    assert_non_null(batch.entries[0].message);
    assert_string_equal(batch.entries[0].message->id, "mastodon:10");
    assert_string_equal(batch.entries[0].message->text, "pertama");
    assert_int_equal(batch.entries[0].message->raw_len, strlen("pertama"));
    assert_memory_equal(batch.entries[0].message->raw, "pertama", strlen("pertama"));
    assert_string_equal(batch.entries[1].message->account, "acct-1");
    assert_int_equal(pending_count(f), 2);
    const char *ids[] = {batch.entries[0].id, batch.entries[1].id};
    assert_int_equal(posts_stream_ack(f->redis, f->config, 0, ids, 2, err, sizeof(err)), 0);
    assert_int_equal(pending_count(f), 0);
    posts_batch_free(&batch);

    assert_int_equal(posts_stream_read(f->redis, f->config, 0, "w1", &batch, err, sizeof(err)), 0);
    assert_int_equal(batch.count, 0);
    posts_batch_free(&batch);
}

static void unacked_messages_of_a_dead_consumer_are_reclaimed(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    f->config->stream.reclaim_idle_ms = 50;
    for (int i = 0; i < 3; i++) {
        char id[32];
        snprintf(id, sizeof(id), "mastodon:2%d", i);
        publish(f, id, id, POSTS_PUBLISH_NEW);
    }
    struct posts_batch batch;
    assert_int_equal(posts_stream_read(f->redis, f->config, 0, "dies", &batch, err, sizeof(err)), 0);
    assert_int_equal(batch.count, 3);
    posts_batch_free(&batch);

    /* Not idle long enough yet: nothing to take. */
    assert_int_equal(posts_stream_reclaim(f->redis, f->config, 0, "rescuer", "0-0", &batch, err,
                                          sizeof(err)), 0);
    assert_int_equal(batch.count, 0);
    posts_batch_free(&batch);

    usleep(120 * 1000);
    if (posts_stream_reclaim(f->redis, f->config, 0, "rescuer", "0-0", &batch, err,
                             sizeof(err)) != 0)
        fail_msg("reclaim: %s", err);
    assert_int_equal(batch.count, 3);
    assert_int_equal(batch.dead, 0);
    const char *ids[3];
    for (size_t i = 0; i < batch.count; i++) {
        assert_non_null(batch.entries[i].message);
        assert_int_equal(batch.entries[i].deliveries, 2);
        ids[i] = batch.entries[i].id;
    }
    assert_string_equal(batch.entries[2].message->text, "mastodon:22");
    assert_int_equal(posts_stream_ack(f->redis, f->config, 0, ids, 3, err, sizeof(err)), 0);
    assert_int_equal(pending_count(f), 0);
    posts_batch_free(&batch);
}

static void a_message_delivered_too_often_goes_to_dead_letters(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    f->config->stream.reclaim_idle_ms = 20;
    f->config->stream.max_deliveries = 2;
    publish(f, "mastodon:30", "racun", POSTS_PUBLISH_NEW);
    struct posts_batch batch;
    assert_int_equal(posts_stream_read(f->redis, f->config, 0, "c1", &batch, err, sizeof(err)), 0);
    assert_int_equal(batch.count, 1);
    posts_batch_free(&batch);

    usleep(50 * 1000);
    assert_int_equal(posts_stream_reclaim(f->redis, f->config, 0, "c2", "0-0", &batch, err,
                                          sizeof(err)), 0);
    assert_int_equal(batch.count, 1); /* second delivery */
    posts_batch_free(&batch);

    usleep(50 * 1000);
    assert_int_equal(posts_stream_reclaim(f->redis, f->config, 0, "c3", "0-0", &batch, err,
                                          sizeof(err)), 0);
    assert_int_equal(batch.count, 0); /* a third delivery is one too many */
    assert_int_equal(batch.dead, 1);
    posts_batch_free(&batch);
    assert_int_equal(pending_count(f), 0);

    redisReply *reply = redisCommand(f->inspect, "XRANGE %s - +", f->dead);
    assert_non_null(reply);
    assert_int_equal(reply->elements, 1);
    redisReply *fields = reply->element[0]->element[1];
    int saw_reason = 0, saw_msg = 0;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        if (strcmp(fields->element[i]->str, "reason") == 0) {
            saw_reason = 1;
            assert_non_null(strstr(fields->element[i + 1]->str, "delivered 3 times"));
        }
        if (strcmp(fields->element[i]->str, "msg") == 0) {
            saw_msg = 1;
            assert_non_null(strstr(fields->element[i + 1]->str, "racun"));
        }
    }
    assert_true(saw_reason && saw_msg);
    freeReplyObject(reply);
}

static void malformed_entries_are_reported_and_can_be_dead_lettered(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    assert_int_equal(posts_stream_create_group(f->redis, f->config, 0, err, sizeof(err)), 0);
    assert_int_equal(posts_stream_create_group(f->redis, f->config, 0, err, sizeof(err)), 0);
    const char *good = "{\"id\":\"mastodon:40\",\"text\":\"ok\"}";
    freeReplyObject(redisCommand(f->inspect, "XADD %s * other x", f->posts));
    freeReplyObject(redisCommand(f->inspect, "XADD %s * msg %s", f->posts, "{not json"));
    freeReplyObject(redisCommand(f->inspect, "XADD %s * msg %s raw %s", f->posts, good,
                                 "definitely not zlib"));
    freeReplyObject(redisCommand(f->inspect, "XADD %s * msg %s sha256 %s", f->posts, good, "zz"));
    freeReplyObject(redisCommand(f->inspect, "XADD %s * msg", f->posts) /* wrong arity */);
    freeReplyObject(redisCommand(f->inspect, "XADD %s * msg %s", f->posts, good));

    struct posts_batch batch;
    if (posts_stream_read(f->redis, f->config, 0, "w", &batch, err, sizeof(err)) != 0)
        fail_msg("read: %s", err);
    assert_int_equal(batch.count, 5);
    const char *ids[4], *reasons[4];
    for (size_t i = 0; i < 4; i++) {
        assert_null(batch.entries[i].message);
        assert_non_null(batch.entries[i].error);
        ids[i] = batch.entries[i].id;
        reasons[i] = batch.entries[i].error;
    }
    assert_string_equal(batch.entries[0].error, "no msg field");
    assert_true(strncmp(batch.entries[1].error, "msg: ", 5) == 0);
    assert_true(strncmp(batch.entries[2].error, "raw: ", 5) == 0);
    assert_non_null(batch.entries[4].message);
    assert_null(batch.entries[4].error);

    long long moved = 0;
    assert_int_equal(posts_stream_dead_letter(f->redis, f->config, 0, ids, reasons, 4, &moved,
                                              err, sizeof(err)), 0);
    assert_int_equal(moved, 4);
    /* Again: no longer pending, nothing moves twice. */
    assert_int_equal(posts_stream_dead_letter(f->redis, f->config, 0, ids, reasons, 4, &moved,
                                              err, sizeof(err)), 0);
    assert_int_equal(moved, 0);
    assert_int_equal(inspect_integer(f->inspect, "XLEN", f->dead), 4);
    assert_int_equal(pending_count(f), 1);
    posts_batch_free(&batch);
}

static void publish_refuses_a_message_without_account(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    enum posts_publish_result result;
    struct post_message *message = queue_test_post("mastodon:50", "acct-1", "x");
    free(message->account);
    message->account = NULL;
    assert_int_equal(posts_stream_publish(f->redis, f->config, message, &result, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "account"));
    post_message_free(message);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(same_post_twice_is_one_message_and_an_edit_is_another,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(read_decodes_what_was_published_and_ack_clears_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(unacked_messages_of_a_dead_consumer_are_reclaimed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_message_delivered_too_often_goes_to_dead_letters, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(malformed_entries_are_reported_and_can_be_dead_lettered,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(publish_refuses_a_message_without_account, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
