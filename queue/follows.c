#include "queue/follows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/posts_stream.h"
#include "queue/redis_call.h"
#include "queue/scripts.h"

/* A stamp is a Redis score: integral and exact in a double. */
#define STAMP_MAX (1LL << 53)

static int message_check(const struct post_message *message, const char *account, char *err,
                         size_t err_len)
{
    if (message->id == NULL || message->id[0] == '\0')
        return error_set(err, err_len, "follows: a message needs an id");
    if (message->kind != POST_KIND_FOLLOW)
        return error_set(err, err_len, "follows %s: not a follow", message->id);
    if (message->account == NULL || strcmp(message->account, account) != 0)
        return error_set(err, err_len, "follows %s: not a follow of account %s", message->id,
                         account);
    if (message->target.id == NULL || message->target.id[0] == '\0')
        return error_set(err, err_len, "follows %s: no target id", message->id);
    return 0;
}

int follows_publish_args(const struct netra_config *config, const char *account,
                         long long stamp_ms, const struct post_message *const *messages,
                         size_t count, int complete, struct redis_args *call, char *err,
                         size_t err_len)
{
    char posts[KEYS_MAX_LEN], follows[KEYS_MAX_LEN];
    if (account == NULL || account[0] == '\0')
        return error_set(err, err_len, "follows: empty account id");
    if (count > FOLLOWS_PAGE_MAX)
        return error_set(err, err_len, "follows: %zu messages in one call (at most %d)", count,
                         FOLLOWS_PAGE_MAX);
    if (stamp_ms <= 0 || stamp_ms >= STAMP_MAX)
        return error_set(err, err_len, "follows: listing stamp %lld out of range", stamp_ms);
    int shard = keys_shard(account, config->redis.shards);
    if (keys_posts(posts, sizeof(posts), config->redis.key_prefix, shard, err, err_len) != 0 ||
        keys_follows(follows, sizeof(follows), config->redis.key_prefix, shard, account, err,
                     err_len) != 0)
        return -1;
    redis_args_add_str(call, "2");
    redis_args_add_str(call, posts);
    redis_args_add_str(call, follows);
    redis_args_add_long(call, stamp_ms);
    redis_args_add_long(call, config->stream.max_len);
    redis_args_add_str(call, complete ? "1" : "0");
    for (size_t i = 0; i < count; i++) {
        if (message_check(messages[i], account, err, err_len) != 0)
            return -1;
        redis_args_add_str(call, messages[i]->target.id);
        if (posts_message_args(messages[i], call, err, err_len) != 0)
            return -1;
    }
    return redis_args_ok(call, err, err_len);
}

/* {0|1 per message..., removed}. */
static int publish_parse(const redisReply *reply, size_t count, int *new_follows,
                         long long *removed, char *err, size_t err_len)
{
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, count + 1, "follows", err, err_len) != 0)
        return -1;
    if (reply->elements != count + 1)
        return error_set(err, err_len, "follows: %zu results for %zu messages",
                         reply->elements - 1, count);
    for (size_t i = 0; i < count; i++) {
        long long code;
        if (redis_reply_integer(reply->element[i], &code) != 0 || code < 0 || code > 1)
            return error_set(err, err_len, "follows: unexpected reply");
        new_follows[i] = (int)code;
    }
    if (redis_reply_integer(reply->element[count], removed) != 0 || *removed < 0)
        return error_set(err, err_len, "follows: unexpected reply");
    return 0;
}

int follows_publish_page(struct redis_sync *redis, const struct netra_config *config,
                         const char *account, long long stamp_ms,
                         const struct post_message *const *messages, size_t count, int complete,
                         int *new_follows, long long *removed, char *err, size_t err_len)
{
    struct redis_args call;
    redisReply *reply = NULL;
    int rc = -1;
    *removed = 0;
    redis_args_init(&call);
    if (follows_publish_args(config, account, stamp_ms, messages, count, complete, &call, err,
                             err_len) != 0 ||
        scripts_run_sync(redis, &script_follows_publish, &call, &reply, err, err_len) != 0 ||
        publish_parse(reply, count, new_follows, removed, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    redis_args_free(&call);
    return rc;
}

struct publish_call {
    follows_publish_fn *fn;
    void *data;
    size_t count;
};

static void on_publish_reply(struct redis_async *redis, redisReply *reply, const char *error,
                             void *data)
{
    (void)redis;
    const struct publish_call *call = data;
    char message[NETRA_ERR_LEN];
    int new_follows[FOLLOWS_PAGE_MAX];
    long long removed = 0;
    if (error == NULL && publish_parse(reply, call->count, new_follows, &removed, message,
                                       sizeof(message)) != 0)
        error = message;
    call->fn(error == NULL ? new_follows : NULL, call->count, error == NULL ? removed : 0, error,
             call->data);
}

int follows_publish_page_async(struct redis_async *redis, const struct netra_config *config,
                               const char *account, long long stamp_ms,
                               const struct post_message *const *messages, size_t count,
                               int complete, follows_publish_fn *fn, void *data, char *err,
                               size_t err_len)
{
    struct redis_args args;
    const struct publish_call call = {fn, data, count};
    redis_args_init(&args);
    int rc = follows_publish_args(config, account, stamp_ms, messages, count, complete, &args,
                                  err, err_len);
    if (rc == 0)
        rc = redis_call_send(redis, &script_follows_publish, &args, on_publish_reply, &call,
                             sizeof(call), err, err_len, "follows of %s", account);
    redis_args_free(&args);
    return rc;
}

void follows_list_free(char **targets, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(targets[i]);
    free(targets);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int follows_list(struct redis_sync *redis, const struct netra_config *config, const char *account,
                 char ***targets, size_t *count, char *err, size_t err_len)
{
    char follows[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    char **out = NULL;
    size_t n = 0;
    int rc = -1;
    *targets = NULL;
    *count = 0;
    if (keys_follows(follows, sizeof(follows), config->redis.key_prefix,
                     keys_shard(account, config->redis.shards), account, err, err_len) != 0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "ZRANGE", follows, "0", "-1",
                            (char *)NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "ZRANGE", err, err_len) != 0)
        goto cleanup;
    if (reply->elements > 0 && (out = calloc(reply->elements, sizeof(*out))) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    for (; n < reply->elements; n++) {
        if ((out[n] = redis_reply_strdup(reply->element[n])) == NULL) {
            error_set(err, err_len, "ZRANGE: unexpected member or out of memory");
            goto cleanup;
        }
    }
    if (n > 1)
        qsort(out, n, sizeof(*out), compare_strings);
    *targets = out;
    *count = n;
    out = NULL;
    n = 0;
    rc = 0;

cleanup:
    follows_list_free(out, n);
    freeReplyObject(reply);
    return rc;
}
