#include "queue/posts_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/redis_call.h"
#include "queue/scripts.h"

void posts_batch_free(struct posts_batch *batch)
{
    for (size_t i = 0; i < batch->count; i++) {
        post_message_free(batch->entries[i].message);
        free(batch->entries[i].error);
    }
    free(batch->entries);
    memset(batch, 0, sizeof(*batch));
}

/* posts and posts:dead of one shard. */
static int stream_keys(const struct netra_config *config, int shard, char posts[KEYS_MAX_LEN],
                       char dead[KEYS_MAX_LEN], char *err, size_t err_len)
{
    if (keys_shard_check(shard, config->redis.shards, err, err_len) != 0 ||
        keys_posts(posts, KEYS_MAX_LEN, config->redis.key_prefix, shard, err, err_len) != 0)
        return -1;
    return keys_posts_dead(dead, KEYS_MAX_LEN, config->redis.key_prefix, shard, err, err_len);
}

/* One call touches one shard's keys: every post of it must be on the first one's shard. */
static int publish_check(const struct post_message *message, size_t index, int shards,
                         int *shard, char *err, size_t err_len)
{
    if (message->id == NULL || message->id[0] == '\0' || message->account == NULL ||
        message->account[0] == '\0')
        return error_set(err, err_len, "publish: a post message needs an id and an account");
    int own = keys_shard(message->account, shards);
    if (index == 0)
        *shard = own;
    else if (own != *shard)
        return error_set(err, err_len, "publish %s: account %s is not on the shard of the page",
                         message->id, message->account);
    return 0;
}

int posts_message_args(const struct post_message *message, struct redis_args *call, char *err,
                       size_t err_len)
{
    char content[65];
    unsigned char *deflated = NULL;
    size_t deflated_len = 0;
    int rc = -1;
    char *json = post_message_to_json(message);
    if (json == NULL) {
        error_set(err, err_len, "publish %s: out of memory encoding the message", message->id);
        goto cleanup;
    }
    if (message->raw != NULL && message->raw_len > 0 &&
        post_raw_deflate(message->raw, message->raw_len, &deflated, &deflated_len, err,
                         err_len) != 0)
        goto cleanup;
    post_message_content_hash(message, content);
    redis_args_add_str(call, content);
    redis_args_add_str(call, json);
    redis_args_add(call, deflated, deflated_len);
    redis_args_add_str(call, message->sha256);
    rc = 0;

cleanup:
    free(json);
    free(deflated);
    return rc;
}

int posts_publish_args(const struct netra_config *config,
                       const struct post_message *const *messages, size_t count,
                       struct redis_args *call, char *err, size_t err_len)
{
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN], seen[KEYS_MAX_LEN];
    int shard = 0;

    if (count == 0 || count > POSTS_PUBLISH_PAGE_MAX)
        return error_set(err, err_len, "publish: %zu posts in one call (1 to %d)", count,
                         POSTS_PUBLISH_PAGE_MAX);
    for (size_t i = 0; i < count; i++)
        if (publish_check(messages[i], i, config->redis.shards, &shard, err, err_len) != 0)
            return -1;
    if (stream_keys(config, shard, posts, dead, err, err_len) != 0)
        return -1;
    redis_args_add_long(call, (long long)count + 1);
    redis_args_add_str(call, posts);
    for (size_t i = 0; i < count; i++) {
        if (keys_seen(seen, sizeof(seen), config->redis.key_prefix, shard, messages[i]->id, err,
                      err_len) != 0)
            return -1;
        redis_args_add_str(call, seen);
    }
    redis_args_add_long(call, (long long)config->retention.unflagged_days * 86400000LL);
    redis_args_add_long(call, config->stream.max_len);
    for (size_t i = 0; i < count; i++)
        if (posts_message_args(messages[i], call, err, err_len) != 0)
            return -1;
    return redis_args_ok(call, err, err_len);
}

/* {code, stream id or ''} per post, in the posts' order. */
static int publish_parse(const redisReply *reply, size_t count,
                         enum posts_publish_result *results, char *err, size_t err_len)
{
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 2 * count, "publish", err, err_len) != 0)
        return -1;
    if (reply->elements != 2 * count)
        return error_set(err, err_len, "publish: %zu results for %zu posts", reply->elements / 2,
                         count);
    for (size_t i = 0; i < count; i++) {
        long long code;
        if (redis_reply_integer(reply->element[2 * i], &code) != 0 || code < 0 || code > 2)
            return error_set(err, err_len, "publish: unexpected reply");
        results[i] = (enum posts_publish_result)code;
    }
    return 0;
}

int posts_stream_publish(struct redis_sync *redis, const struct netra_config *config,
                         const struct post_message *message, enum posts_publish_result *result,
                         char *err, size_t err_len)
{
    struct redis_args call;
    redisReply *reply = NULL;
    int rc = -1;
    redis_args_init(&call);
    if (posts_publish_args(config, &message, 1, &call, err, err_len) != 0 ||
        scripts_run_sync(redis, &script_posts_publish, &call, &reply, err, err_len) != 0 ||
        publish_parse(reply, 1, result, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    redis_args_free(&call);
    return rc;
}

/* One call's callback: a page's, or a single post's. */
struct publish_call {
    posts_publish_page_fn *page;
    posts_publish_fn *post;
    void *data;
    size_t count;
};

static void on_publish_reply(struct redis_async *redis, redisReply *reply, const char *error,
                             void *data)
{
    (void)redis;
    const struct publish_call *call = data;
    char message[NETRA_ERR_LEN];
    enum posts_publish_result results[POSTS_PUBLISH_PAGE_MAX];
    if (error == NULL &&
        publish_parse(reply, call->count, results, message, sizeof(message)) != 0)
        error = message;
    if (call->page != NULL)
        call->page(error == NULL ? results : NULL, call->count, error, call->data);
    else
        call->post(error == NULL ? results[0] : POSTS_PUBLISH_UNCHANGED, error, call->data);
}

static int publish_send(struct redis_async *redis, const struct netra_config *config,
                        const struct post_message *const *messages,
                        const struct publish_call *call, char *err, size_t err_len)
{
    struct redis_args args;
    redis_args_init(&args);
    int rc = posts_publish_args(config, messages, call->count, &args, err, err_len);
    if (rc == 0)
        rc = redis_call_send(redis, &script_posts_publish, &args, on_publish_reply, call,
                             sizeof(*call), err, err_len, "publish");
    redis_args_free(&args);
    return rc;
}

int posts_stream_publish_async(struct redis_async *redis, const struct netra_config *config,
                               const struct post_message *message, posts_publish_fn *fn,
                               void *data, char *err, size_t err_len)
{
    const struct publish_call call = {NULL, fn, data, 1};
    return publish_send(redis, config, &message, &call, err, err_len);
}

int posts_stream_publish_page_async(struct redis_async *redis, const struct netra_config *config,
                                    const struct post_message *const *messages, size_t count,
                                    posts_publish_page_fn *fn, void *data, char *err,
                                    size_t err_len)
{
    const struct publish_call call = {fn, NULL, data, count};
    return publish_send(redis, config, messages, &call, err, err_len);
}

int posts_stream_create_group(struct redis_sync *redis, const struct netra_config *config,
                              int shard, char *err, size_t err_len)
{
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    int rc = -1;
    if (stream_keys(config, shard, posts, dead, err, err_len) != 0)
        return -1;
    /* From the stream's start: entries published before any worker ever ran are not skipped. */
    if (redis_sync_commandv(redis, &reply, err, err_len, "XGROUP", "CREATE", posts, POSTS_GROUP,
                            "0", "MKSTREAM", (char *)NULL) != 0)
        goto cleanup;
    if (!redis_reply_is_error(reply, "BUSYGROUP") &&
        redis_reply_check(reply, "XGROUP CREATE", err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

static int entry_fail(struct posts_entry *entry, const char *reason)
{
    post_message_free(entry->message);
    entry->message = NULL;
    entry->error = strdup(reason);
    return entry->error == NULL ? -1 : 0;
}

int posts_entry_decode(const redisReply *fields, struct posts_entry *entry)
{
    char reason[NETRA_ERR_LEN], problem[NETRA_ERR_LEN];
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    entry->message = NULL;
    entry->error = NULL;

    if (fields == NULL || fields->type != REDIS_REPLY_ARRAY)
        return entry_fail(entry, "entry has no fields (deleted from the stream?)");
    if (fields->elements % 2 != 0)
        return entry_fail(entry, "entry fields are not name/value pairs");
    const redisReply *msg = redis_reply_field(fields, "msg");
    const redisReply *deflated = redis_reply_field(fields, "raw");
    const redisReply *sha256 = redis_reply_field(fields, "sha256");
    if (!redis_reply_is_string(msg))
        return entry_fail(entry, "no msg field");
    if (msg->len > (size_t)POST_MESSAGE_MAX_JSON_BYTES)
        return entry_fail(entry, "msg larger than the limit");
    if (deflated != NULL && !redis_reply_is_string(deflated))
        return entry_fail(entry, "raw field is not a string");
    if (sha256 != NULL && (!redis_reply_is_string(sha256) || sha256->len > 64))
        return entry_fail(entry, "sha256 field is not a hex SHA-256");

    if (post_message_from_json(msg->str, msg->len, &entry->message, problem, sizeof(problem)) !=
        0) {
        entry->message = NULL;
        error_set(reason, sizeof(reason), "msg: %s", problem);
        return entry_fail(entry, reason);
    }
    if (deflated == NULL || deflated->len == 0) {
        if (sha256 != NULL && sha256->len > 0)
            return entry_fail(entry, "sha256 given without raw bytes");
        return 0;
    }
    if (post_raw_inflate(deflated->str, deflated->len, (size_t)POST_MESSAGE_MAX_RAW_BYTES, &raw,
                         &raw_len, problem, sizeof(problem)) != 0) {
        error_set(reason, sizeof(reason), "raw: %s", problem);
        return entry_fail(entry, reason);
    }
    char actual[65];
    post_sha256_hex(raw, raw_len, actual);
    if (sha256 != NULL && !redis_reply_equals(sha256, actual)) {
        free(raw);
        return entry_fail(entry, "raw bytes do not match their sha256");
    }
    free(entry->message->raw);
    entry->message->raw = raw;
    entry->message->raw_len = raw_len;
    memcpy(entry->message->sha256, actual, sizeof(actual));
    return 0;
}

/* Decodes [[id, fields, (deliveries)], ...] into out. */
static int decode_entries(const redisReply *entries, struct posts_batch *out, char *err,
                          size_t err_len)
{
    if (entries->elements == 0)
        return 0;
    out->entries = calloc(entries->elements, sizeof(*out->entries));
    if (out->entries == NULL)
        return error_set(err, err_len, "out of memory");
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *item = entries->element[i];
        struct posts_entry *entry = &out->entries[out->count];
        if (item == NULL || item->type != REDIS_REPLY_ARRAY || item->elements < 2 ||
            redis_reply_copy(item->element[0], entry->id, sizeof(entry->id)) != 0)
            continue; /* without an id there is nothing the caller could ack or dead-letter */
        entry->deliveries = 1;
        if (item->elements >= 3)
            redis_reply_integer(item->element[2], &entry->deliveries);
        out->count++;
        if (posts_entry_decode(item->element[1], entry) != 0)
            return error_set(err, err_len, "out of memory decoding entry %s", entry->id);
    }
    return 0;
}

static int read_once(struct redis_sync *redis, const struct netra_config *config,
                     const char *posts, const char *consumer, redisReply **reply, char *err,
                     size_t err_len)
{
    struct redis_args args;
    redis_args_init(&args);
    redis_args_add_str(&args, "XREADGROUP");
    redis_args_add_str(&args, "GROUP");
    redis_args_add_str(&args, POSTS_GROUP);
    redis_args_add_str(&args, consumer);
    redis_args_add_str(&args, "COUNT");
    redis_args_add_long(&args, config->stream.batch);
    if (config->stream.block_ms > 0) {
        redis_args_add_str(&args, "BLOCK");
        redis_args_add_long(&args, config->stream.block_ms);
    }
    redis_args_add_str(&args, "STREAMS");
    redis_args_add_str(&args, posts);
    redis_args_add_str(&args, ">");
    int rc = redis_sync_command(redis, &args, config->stream.block_ms, reply, err, err_len);
    redis_args_free(&args);
    return rc;
}

int posts_stream_read(struct redis_sync *redis, const struct netra_config *config, int shard,
                      const char *consumer, struct posts_batch *out, char *err, size_t err_len)
{
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (stream_keys(config, shard, posts, dead, err, err_len) != 0)
        return -1;
    if (read_once(redis, config, posts, consumer, &reply, err, err_len) != 0)
        goto cleanup;
    if (redis_reply_is_error(reply, "NOGROUP")) {
        freeReplyObject(reply);
        reply = NULL;
        if (posts_stream_create_group(redis, config, shard, err, err_len) != 0 ||
            read_once(redis, config, posts, consumer, &reply, err, err_len) != 0)
            goto cleanup;
    }
    if (redis_reply_check(reply, "XREADGROUP", err, err_len) != 0)
        goto cleanup;
    if (reply->type == REDIS_REPLY_NIL) {
        rc = 0;
        goto cleanup;
    }
    /* [[stream, [[id, fields], ...]]] */
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 1, "XREADGROUP", err, err_len) != 0 ||
        redis_reply_expect(reply->element[0], REDIS_REPLY_ARRAY, 2, "XREADGROUP", err,
                           err_len) != 0 ||
        redis_reply_expect(reply->element[0]->element[1], REDIS_REPLY_ARRAY, 0, "XREADGROUP",
                           err, err_len) != 0)
        goto cleanup;
    rc = decode_entries(reply->element[0]->element[1], out, err, err_len);

cleanup:
    if (rc != 0)
        posts_batch_free(out);
    freeReplyObject(reply);
    return rc;
}

int posts_stream_ack(struct redis_sync *redis, const struct netra_config *config, int shard,
                     const char *const *ids, size_t count, char *err, size_t err_len)
{
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN];
    struct redis_args args;
    redisReply *reply = NULL;
    int rc = -1;
    if (count == 0)
        return 0;
    if (stream_keys(config, shard, posts, dead, err, err_len) != 0)
        return -1;
    redis_args_init(&args);
    redis_args_add_str(&args, "XACK");
    redis_args_add_str(&args, posts);
    redis_args_add_str(&args, POSTS_GROUP);
    for (size_t i = 0; i < count; i++)
        redis_args_add_str(&args, ids[i]);
    if (redis_sync_command(redis, &args, 0, &reply, err, err_len) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_INTEGER, 0, "XACK", err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    redis_args_free(&args);
    return rc;
}

int posts_stream_reclaim(struct redis_sync *redis, const struct netra_config *config, int shard,
                         const char *consumer, const char *start, struct posts_batch *out,
                         char *err, size_t err_len)
{
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN];
    struct redis_args call;
    redisReply *reply = NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    snprintf(out->next, sizeof(out->next), "0-0");
    redis_args_init(&call);
    if (stream_keys(config, shard, posts, dead, err, err_len) != 0)
        goto cleanup;
    redis_args_add_str(&call, "2");
    redis_args_add_str(&call, posts);
    redis_args_add_str(&call, dead);
    redis_args_add_str(&call, POSTS_GROUP);
    redis_args_add_long(&call, config->stream.max_len);
    redis_args_add_str(&call, consumer);
    redis_args_add_long(&call, config->stream.reclaim_idle_ms);
    redis_args_add_str(&call, start);
    redis_args_add_long(&call, config->stream.batch);
    redis_args_add_long(&call, config->stream.max_deliveries);
    if (scripts_run_sync(redis, &script_posts_reclaim, &call, &reply, err, err_len) != 0)
        goto cleanup;
    /* {next, {{id, fields, deliveries}...}, moved} */
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 3, "reclaim", err, err_len) != 0 ||
        redis_reply_copy(reply->element[0], out->next, sizeof(out->next)) != 0 ||
        redis_reply_integer(reply->element[2], &out->dead) != 0) {
        error_set(err, err_len, "reclaim: unexpected reply");
        goto cleanup;
    }
    /* Lua turns an empty table into an empty array, or into nil in older servers. */
    if (reply->element[1]->type == REDIS_REPLY_ARRAY &&
        decode_entries(reply->element[1], out, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    if (rc != 0)
        posts_batch_free(out);
    freeReplyObject(reply);
    redis_args_free(&call);
    return rc;
}

int posts_stream_dead_letter(struct redis_sync *redis, const struct netra_config *config,
                             int shard, const char *const *ids, const char *const *reasons,
                             size_t count, long long *moved, char *err, size_t err_len)
{
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN];
    struct redis_args call;
    redisReply *reply = NULL;
    long long n = 0;
    int rc = -1;
    redis_args_init(&call);
    if (stream_keys(config, shard, posts, dead, err, err_len) != 0)
        goto cleanup;
    redis_args_add_str(&call, "2");
    redis_args_add_str(&call, posts);
    redis_args_add_str(&call, dead);
    redis_args_add_str(&call, POSTS_GROUP);
    redis_args_add_long(&call, config->stream.max_len);
    for (size_t i = 0; i < count; i++) {
        redis_args_add_str(&call, ids[i]);
        redis_args_add_str(&call, reasons[i]);
    }
    if (scripts_run_sync(redis, &script_posts_dead_letter, &call, &reply, err, err_len) != 0)
        goto cleanup;
    if (redis_reply_integer(reply, &n) != 0) {
        error_set(err, err_len, "dead letter: unexpected reply");
        goto cleanup;
    }
    if (moved != NULL)
        *moved = n;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    redis_args_free(&call);
    return rc;
}

void posts_stream_stats_free(struct posts_stream_stats *stats)
{
    for (size_t i = 0; i < stats->group_count; i++)
        free(stats->groups[i].name);
    free(stats->groups);
    memset(stats, 0, sizeof(*stats));
}

/* One XINFO GROUPS entry: [name, value, ...]. Only the name is required; a count missing or
 * not a number is shown as 0 rather than hiding the group. */
static int group_stats(const redisReply *info, struct posts_group_stats *group)
{
    redis_reply_integer(redis_reply_field(info, "consumers"), &group->consumers);
    redis_reply_integer(redis_reply_field(info, "pending"), &group->pending);
    group->name = redis_reply_strdup(redis_reply_field(info, "name"));
    return group->name == NULL ? -1 : 0;
}

int posts_stream_stats(struct redis_sync *redis, const struct netra_config *config, int shard,
                       struct posts_stream_stats *out, char *err, size_t err_len)
{
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (stream_keys(config, shard, posts, dead, err, err_len) != 0 ||
        redis_sync_integer(redis, &out->length, err, err_len, "XLEN", posts, (char *)NULL) != 0 ||
        redis_sync_integer(redis, &out->dead, err, err_len, "XLEN", dead, (char *)NULL) != 0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "XINFO", "GROUPS", posts,
                            (char *)NULL) != 0)
        goto cleanup;
    if (redis_reply_is_error(reply, "ERR no such key")) {
        rc = 0; /* nothing published yet */
        goto cleanup;
    }
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "XINFO GROUPS", err, err_len) != 0)
        goto cleanup;
    if (reply->elements > 0 &&
        (out->groups = calloc(reply->elements, sizeof(*out->groups))) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < reply->elements; i++) {
        if (group_stats(reply->element[i], &out->groups[out->group_count]) != 0) {
            free(out->groups[out->group_count].name);
            error_set(err, err_len, "XINFO GROUPS: unexpected reply");
            goto cleanup;
        }
        out->group_count++;
    }
    rc = 0;

cleanup:
    if (rc != 0)
        posts_stream_stats_free(out);
    freeReplyObject(reply);
    return rc;
}
