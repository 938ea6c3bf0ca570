#include "tests/worker/daemon_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/posts_stream.h"
#include "tests/support/test_support.h"
#include "worker/batch.h"

static char *copy(const char *s)
{
    char *c = strdup(s);
    assert_non_null(c);
    return c;
}

static void replace(char **slot, const char *value)
{
    free(*slot);
    *slot = copy(value);
}

struct netra_config *daemon_test_config(const char *test_name)
{
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN], prefix[128];
    if (config_load_defaults(&config, err, sizeof(err)) != 0)
        fail_msg("config_load_defaults: %s", err);
    test_key_prefix(prefix, sizeof(prefix), test_name);
    replace(&config->redis.url, test_redis_url());
    replace(&config->redis.key_prefix, prefix);
    free(config->worker.rules_dir);
    config->worker.rules_dir = test_source_path("config/rules");
    config->stream.block_ms = 10;
    return config;
}

struct post_message *daemon_test_post(const char *id, const char *account, const char *text)
{
    struct post_message *post = post_message_new();
    assert_non_null(post);
    post->id = copy(id);
    post->platform = copy("mastodon");
    post->account = copy(account);
    post->author = copy("asn@example.org");
    post->url = copy("https://example.org/@asn/1");
    post->created_at = copy("2024-01-05T10:00:00Z");
    post->fetched_at = copy("2024-01-05T10:05:00Z");
    post->text = copy(text);
    /* What a platform serves is never empty, even for a post without text. */
    char raw[4096];
    snprintf(raw, sizeof(raw), "{\"id\": \"%s\", \"content\": \"%s\"}", id, text);
    assert_int_equal(post_message_set_raw(post, raw, strlen(raw)), 0);
    return post;
}

struct post_message **daemon_test_labelled(size_t *count)
{
    char *path = test_shared_path("data/labelled/dev.jsonl");
    FILE *in = fopen(path, "rb");
    struct batch_line line = {0};
    struct post_message **posts = NULL;
    size_t n = 0;
    char err[NETRA_ERR_LEN];
    if (in == NULL)
        fail_msg("cannot open %s", path);
    while (batch_read_line(in, &line)) {
        struct post_message *post = NULL;
        cJSON *label = NULL;
        if (line.len == 0)
            continue;
        if (batch_parse_post(&line, &post, &label, err, sizeof(err)) != 0)
            fail_msg("%s: %s", path, err);
        cJSON_Delete(label);
        char url[256];
        snprintf(url, sizeof(url), "https://example.org/posts/%s", post->id);
        replace(&post->url, url);
        replace(&post->fetched_at, "2024-11-02T08:15:00Z");
        assert_int_equal(post_message_set_raw(post, line.text, line.len), 0);
        posts = realloc(posts, (n + 1) * sizeof(*posts));
        assert_non_null(posts);
        posts[n++] = post;
    }
    fclose(in);
    batch_line_free(&line);
    free(path);
    assert_true(n > 100);
    *count = n;
    return posts;
}

void daemon_test_posts_free(struct post_message **posts, size_t count)
{
    for (size_t i = 0; i < count; i++)
        post_message_free(posts[i]);
    free(posts);
}

void daemon_test_publish(struct redis_sync *redis, const struct netra_config *config,
                         const struct post_message *message)
{
    char err[NETRA_ERR_LEN];
    enum posts_publish_result result;
    if (posts_stream_publish(redis, config, message, &result, err, sizeof(err)) != 0)
        fail_msg("publish %s: %s", message->id, err);
    assert_int_not_equal(result, POSTS_PUBLISH_UNCHANGED);
}

long long daemon_test_count(redisContext *redis, const struct netra_config *config, int shard,
                            const char *name)
{
    char pattern[512], cursor[32] = "0";
    long long count = 0;
    snprintf(pattern, sizeof(pattern), "%s{s%d}:%s:*", config->redis.key_prefix, shard, name);
    do {
        redisReply *reply = redisCommand(redis, "SCAN %s MATCH %s COUNT 1000", cursor, pattern);
        assert_non_null(reply);
        assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
        snprintf(cursor, sizeof(cursor), "%s", reply->element[0]->str);
        count += (long long)reply->element[1]->elements;
        freeReplyObject(reply);
    } while (strcmp(cursor, "0") != 0);
    return count;
}

long long daemon_test_pending(redisContext *redis, const struct netra_config *config, int shard)
{
    char posts[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_posts(posts, sizeof(posts), config->redis.key_prefix, shard, err,
                                sizeof(err)), 0);
    redisReply *reply = redisCommand(redis, "XPENDING %s %s", posts, POSTS_GROUP);
    assert_non_null(reply);
    long long pending = 0;
    if (reply->type == REDIS_REPLY_ARRAY)
        pending = reply->element[0]->integer;
    freeReplyObject(reply);
    return pending;
}

char *daemon_test_hget(redisContext *redis, const char *key, const char *field)
{
    redisReply *reply = redisCommand(redis, "HGET %s %s", key, field);
    assert_non_null(reply);
    char *value = reply->type == REDIS_REPLY_STRING ? copy(reply->str) : NULL;
    freeReplyObject(reply);
    return value;
}

void daemon_test_key(char *out, size_t out_len, const struct netra_config *config, int shard,
                     const char *kind, const char *id)
{
    snprintf(out, out_len, "%s{s%d}:%s%s%s", config->redis.key_prefix, shard, kind,
             id != NULL ? ":" : "", id != NULL ? id : "");
}
