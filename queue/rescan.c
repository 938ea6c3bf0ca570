#include "queue/rescan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/redis_call.h"
#include "queue/redis_cmd.h"
#include "queue/scripts.h"

void rescan_requests_free(struct rescan_requests *requests)
{
    for (size_t i = 0; i < requests->count; i++) {
        free(requests->items[i].rid);
        free(requests->items[i].account);
        free(requests->items[i].error);
    }
    free(requests->items);
    memset(requests, 0, sizeof(*requests));
}

void rescan_progress_free(struct rescan_progress *progress)
{
    free(progress->account);
    free(progress->status);
    free(progress->crawler);
    free(progress->error);
    memset(progress, 0, sizeof(*progress));
}

int rescan_id_valid(const char *id)
{
    size_t length = strlen(id);
    if (length == 0 || length > RESCAN_ID_MAX)
        return 0;
    for (const char *p = id; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

int rescan_new_id(char out[RESCAN_ID_MAX + 1], char *err, size_t err_len)
{
    unsigned char bytes[4];
    struct timespec now;
    if (RAND_bytes(bytes, sizeof(bytes)) != 1)
        return error_set(err, err_len, "rescan: no random bytes for an id");
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(out, RESCAN_ID_MAX + 1, "r%lld-%02x%02x%02x%02x",
             (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000, bytes[0], bytes[1], bytes[2],
             bytes[3]);
    return 0;
}

static int stream_key(const struct netra_config *config, int shard, char key[KEYS_MAX_LEN],
                      char *err, size_t err_len)
{
    if (keys_shard_check(shard, config->redis.shards, err, err_len) != 0)
        return -1;
    return keys_rescan(key, KEYS_MAX_LEN, config->redis.key_prefix, shard, err, err_len);
}

static int progress_key(const struct netra_config *config, const char *account, const char *rid,
                        char key[KEYS_MAX_LEN], char *err, size_t err_len)
{
    if (account == NULL || account[0] == '\0')
        return error_set(err, err_len, "rescan: empty account");
    if (rid == NULL || !rescan_id_valid(rid))
        return error_set(err, err_len, "rescan: an id is 1..%d of A-Z a-z 0-9 . _ -",
                         RESCAN_ID_MAX);
    return keys_rescan_progress(key, KEYS_MAX_LEN, config->redis.key_prefix,
                                keys_shard(account, config->redis.shards), rid, err, err_len);
}

static long long retention_ms(const struct netra_config *config)
{
    return (long long)config->retention.unflagged_days * 86400000LL;
}

int rescan_queue(struct redis_sync *redis, const struct netra_config *config, const char *rid,
                 const char *account, long long since_s, char *err, size_t err_len)
{
    char progress[KEYS_MAX_LEN], stream[KEYS_MAX_LEN];
    struct redis_args call, add;
    redisReply *reply = NULL;
    int rc = -1;
    redis_args_init(&call);
    redis_args_init(&add);
    if (since_s <= 0) {
        error_set(err, err_len, "rescan: since must be a time after 1970");
        goto cleanup;
    }
    if (progress_key(config, account, rid, progress, err, err_len) != 0 ||
        stream_key(config, keys_shard(account, config->redis.shards), stream, err, err_len) != 0)
        goto cleanup;
    /* The progress first: a crawler that reads the request finds it. */
    redis_args_add_str(&call, "1");
    redis_args_add_str(&call, progress);
    redis_args_add_long(&call, retention_ms(config));
    redis_args_add_str(&call, "created");
    const char *const fields[] = {"account", account, "status", "queued", "pages", "0",
                                  "posts_new", "0", "posts_seen", "0", "errors", "0"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        redis_args_add_str(&call, fields[i]);
    redis_args_add_str(&call, "since");
    redis_args_add_long(&call, since_s);
    if (redis_args_ok(&call, err, err_len) != 0 ||
        scripts_run_sync(redis, &script_rescan_write, &call, &reply, err, err_len) != 0)
        goto cleanup;
    freeReplyObject(reply);
    reply = NULL;

    redis_args_add_str(&add, "XADD");
    redis_args_add_str(&add, stream);
    redis_args_add_str(&add, "*");
    redis_args_add_str(&add, "rid");
    redis_args_add_str(&add, rid);
    redis_args_add_str(&add, "account");
    redis_args_add_str(&add, account);
    redis_args_add_str(&add, "since");
    redis_args_add_long(&add, since_s);
    if (redis_args_ok(&add, err, err_len) != 0 ||
        redis_sync_command(redis, &add, 0, &reply, err, err_len) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_STRING, 0, "XADD", err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    redis_args_free(&call);
    redis_args_free(&add);
    return rc;
}

int rescan_progress_get(struct redis_sync *redis, const struct netra_config *config,
                        const char *account, const char *rid, struct rescan_progress *out,
                        int *found, char *err, size_t err_len)
{
    char key[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    *found = 0;
    if (progress_key(config, account, rid, key, err, err_len) != 0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "HGETALL", key, (char *)NULL) != 0 ||
        redis_reply_expect_pairs(reply, "HGETALL", err, err_len) != 0)
        goto cleanup;
    struct {
        const char *name;
        char **text;
        long long *number;
    } fields[] = {
        {"account", &out->account, NULL},
        {"status", &out->status, NULL},
        {"crawler", &out->crawler, NULL},
        {"error", &out->error, NULL},
        {"since", NULL, &out->since_s},
        {"created", NULL, &out->created_ms},
        {"started", NULL, &out->started_ms},
        {"finished", NULL, &out->finished_ms},
        {"pages", NULL, &out->counts.pages},
        {"posts_new", NULL, &out->counts.posts_new},
        {"posts_seen", NULL, &out->counts.posts_seen},
        {"errors", NULL, &out->counts.errors},
        {"scored", NULL, &out->scored},
        {"suspects", NULL, &out->suspects},
    };
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        const redisReply *value = redis_reply_field(reply, fields[f].name);
        if (value == NULL)
            continue;
        if (fields[f].number != NULL) {
            redis_reply_integer(value, fields[f].number); /* not a number: stays 0 */
        } else if ((*fields[f].text = redis_reply_strdup(value)) == NULL) {
            error_set(err, err_len, "HGETALL %s: unexpected reply or out of memory", key);
            rescan_progress_free(out);
            goto cleanup;
        }
    }
    *found = reply->elements > 0;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

/* One entry {id, {field, value, ...}} of the stream; a malformed one keeps its reason. Fails
 * (-1) only when out of memory. */
static int request_decode(const redisReply *entry, struct rescan_request *request)
{
    memset(request, 0, sizeof(*request));
    const char *problem = NULL;
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY ||
        redis_reply_copy(entry->element[0], request->entry_id, sizeof(request->entry_id)) != 0)
        return (request->error = strdup("not a stream entry")) == NULL ? -1 : 0;
    const redisReply *fields = entry->element[1];
    char *rid = redis_reply_strdup(redis_reply_field(fields, "rid"));
    char *account = redis_reply_strdup(redis_reply_field(fields, "account"));
    long long since_s = 0;
    redis_reply_integer(redis_reply_field(fields, "since"), &since_s);
    if (rid == NULL || !rescan_id_valid(rid))
        problem = "missing or malformed rid";
    else if (account == NULL || account[0] == '\0' || strlen(account) > 64)
        problem = "missing or malformed account";
    else if (since_s <= 0)
        problem = "missing or malformed since";
    if (problem != NULL) {
        free(rid);
        free(account);
        return (request->error = strdup(problem)) == NULL ? -1 : 0;
    }
    request->rid = rid;
    request->account = account;
    request->since_s = since_s;
    return 0;
}

static int read_parse(const redisReply *reply, struct rescan_requests *out, char *err,
                      size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "rescan read", err, err_len) != 0)
        return -1;
    if (reply->elements == 0)
        return 0;
    if ((out->items = calloc(reply->elements, sizeof(*out->items))) == NULL)
        return error_set(err, err_len, "out of memory");
    for (size_t i = 0; i < reply->elements; i++) {
        int failed = request_decode(reply->element[i], &out->items[out->count]);
        out->count++;
        if (failed) {
            rescan_requests_free(out);
            return error_set(err, err_len, "out of memory");
        }
    }
    return 0;
}

static int begin_parse(const redisReply *reply, enum rescan_begin_result *result, char **token,
                       long long *lease_until, char *err, size_t err_len)
{
    *token = NULL;
    *lease_until = 0;
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 1, "rescan begin", err, err_len) != 0)
        return -1;
    const redisReply *word = reply->element[0];
    if (redis_reply_equals(word, "busy"))
        *result = RESCAN_BUSY;
    else if (redis_reply_equals(word, "finished"))
        *result = RESCAN_FINISHED;
    else if (redis_reply_equals(word, "no_account"))
        *result = RESCAN_NO_ACCOUNT;
    else if (redis_reply_equals(word, "taken") && reply->elements == 3 &&
             (*token = redis_reply_strdup(reply->element[1])) != NULL &&
             redis_reply_integer(reply->element[2], lease_until) == 0)
        *result = RESCAN_TAKEN;
    else {
        free(*token);
        *token = NULL;
        return error_set(err, err_len, "rescan begin: unexpected reply");
    }
    return 0;
}

/* Every async call here: one context, the reply parsed by the kind's own function. */
enum call_kind { CALL_READ, CALL_BEGIN, CALL_WRITTEN };

struct async_call {
    enum call_kind kind;
    rescan_read_fn *read_fn;
    rescan_begin_fn *begin_fn;
    rescan_written_fn *written_fn;
    void *data;
};

static void on_reply(struct redis_async *redis, redisReply *reply, const char *error, void *data)
{
    (void)redis;
    const struct async_call *call = data;
    char message[NETRA_ERR_LEN];
    switch (call->kind) {
    case CALL_READ: {
        struct rescan_requests requests;
        memset(&requests, 0, sizeof(requests));
        if (error == NULL && read_parse(reply, &requests, message, sizeof(message)) != 0)
            error = message;
        call->read_fn(error == NULL ? &requests : NULL, error, call->data);
        rescan_requests_free(&requests);
        break;
    }
    case CALL_BEGIN: {
        enum rescan_begin_result result = RESCAN_BUSY;
        char *token = NULL;
        long long lease_until = 0;
        if (error == NULL &&
            begin_parse(reply, &result, &token, &lease_until, message, sizeof(message)) != 0)
            error = message;
        call->begin_fn(result, token, lease_until, error, call->data);
        free(token);
        break;
    }
    case CALL_WRITTEN:
        if (error == NULL && reply->type == REDIS_REPLY_ERROR &&
            redis_reply_check(reply, "rescan", message, sizeof(message)) != 0)
            error = message;
        call->written_fn(error, call->data);
        break;
    }
}

/* Sends args as a script call (script not NULL) or a plain command. */
static int send_call(struct redis_async *redis, const struct redis_script *script,
                     const struct redis_args *args, const struct async_call *call, char *err,
                     size_t err_len)
{
    return redis_call_send(redis, script, args, on_reply, call, sizeof(*call), err, err_len,
                           "rescan");
}

int rescan_read_async(struct redis_async *redis, const struct netra_config *config, int shard,
                      const char *consumer, int max, long long stale_ms, rescan_read_fn *fn,
                      void *data, char *err, size_t err_len)
{
    char stream[KEYS_MAX_LEN];
    struct redis_args args;
    const struct async_call call = {.kind = CALL_READ, .read_fn = fn, .data = data};
    int rc = -1;
    redis_args_init(&args);
    if (max < 1) {
        error_set(err, err_len, "rescan read: max must be at least 1");
        goto cleanup;
    }
    if (stream_key(config, shard, stream, err, err_len) != 0)
        goto cleanup;
    redis_args_add_str(&args, "1");
    redis_args_add_str(&args, stream);
    redis_args_add_str(&args, RESCAN_GROUP);
    redis_args_add_str(&args, consumer);
    redis_args_add_long(&args, max);
    redis_args_add_long(&args, stale_ms);
    rc = send_call(redis, &script_rescan_read, &args, &call, err, err_len);

cleanup:
    redis_args_free(&args);
    return rc;
}

int rescan_begin_async(struct redis_async *redis, const struct netra_config *config,
                       const struct rescan_request *request, const char *owner,
                       const char *crawler, rescan_begin_fn *fn, void *data, char *err,
                       size_t err_len)
{
    char progress[KEYS_MAX_LEN], acct[KEYS_MAX_LEN], sched[KEYS_MAX_LEN], lease[KEYS_MAX_LEN];
    struct redis_args args;
    const struct async_call call = {.kind = CALL_BEGIN, .begin_fn = fn, .data = data};
    int rc = -1;
    redis_args_init(&args);
    if (progress_key(config, request->account, request->rid, progress, err, err_len) != 0)
        goto cleanup;
    int shard = keys_shard(request->account, config->redis.shards);
    const char *prefix = config->redis.key_prefix;
    if (keys_acct(acct, sizeof(acct), prefix, shard, request->account, err, err_len) != 0 ||
        keys_sched(sched, sizeof(sched), prefix, shard, err, err_len) != 0 ||
        keys_lease(lease, sizeof(lease), prefix, shard, err, err_len) != 0)
        goto cleanup;
    redis_args_add_str(&args, "4");
    redis_args_add_str(&args, progress);
    redis_args_add_str(&args, acct);
    redis_args_add_str(&args, sched);
    redis_args_add_str(&args, lease);
    redis_args_add_str(&args, request->account);
    redis_args_add_str(&args, owner);
    redis_args_add_long(&args, config->schedule.lease_ms);
    redis_args_add_str(&args, crawler);
    redis_args_add_long(&args, retention_ms(config));
    rc = send_call(redis, &script_rescan_begin, &args, &call, err, err_len);

cleanup:
    redis_args_free(&args);
    return rc;
}

int rescan_report_async(struct redis_async *redis, const struct netra_config *config,
                        const char *account, const char *rid, const struct rescan_counts *counts,
                        const char *status, const char *error, rescan_written_fn *fn, void *data,
                        char *err, size_t err_len)
{
    char progress[KEYS_MAX_LEN];
    struct redis_args args;
    const struct async_call call = {.kind = CALL_WRITTEN, .written_fn = fn, .data = data};
    int rc = -1;
    redis_args_init(&args);
    if (progress_key(config, account, rid, progress, err, err_len) != 0)
        goto cleanup;
    redis_args_add_str(&args, "1");
    redis_args_add_str(&args, progress);
    redis_args_add_long(&args, retention_ms(config));
    redis_args_add_str(&args, status != NULL ? "finished" : "");
    const struct {
        const char *name;
        long long value;
    } numbers[] = {
        {"pages", counts->pages},
        {"posts_new", counts->posts_new},
        {"posts_seen", counts->posts_seen},
        {"errors", counts->errors},
    };
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        redis_args_add_str(&args, numbers[i].name);
        redis_args_add_long(&args, numbers[i].value);
    }
    if (status != NULL) {
        redis_args_add_str(&args, "status");
        redis_args_add_str(&args, status);
        redis_args_add_str(&args, "error");
        redis_args_add_str(&args, error != NULL ? error : "");
    }
    rc = send_call(redis, &script_rescan_write, &args, &call, err, err_len);

cleanup:
    redis_args_free(&args);
    return rc;
}

/* `command stream RESCAN_GROUP words...` sent as it is; fn hears whether it was written. */
static int stream_command_async(struct redis_async *redis, const struct netra_config *config,
                                int shard, const char *command, const char *const *words,
                                size_t word_count, rescan_written_fn *fn, void *data, char *err,
                                size_t err_len)
{
    char stream[KEYS_MAX_LEN];
    struct redis_args args;
    const struct async_call call = {.kind = CALL_WRITTEN, .written_fn = fn, .data = data};
    if (stream_key(config, shard, stream, err, err_len) != 0)
        return -1;
    redis_args_init(&args);
    redis_args_add_str(&args, command);
    redis_args_add_str(&args, stream);
    redis_args_add_str(&args, RESCAN_GROUP);
    for (size_t i = 0; i < word_count; i++)
        redis_args_add_str(&args, words[i]);
    int rc = send_call(redis, NULL, &args, &call, err, err_len);
    redis_args_free(&args);
    return rc;
}

int rescan_ack_async(struct redis_async *redis, const struct netra_config *config, int shard,
                     const char *entry_id, rescan_written_fn *fn, void *data, char *err,
                     size_t err_len)
{
    const char *const words[] = {entry_id};
    return stream_command_async(redis, config, shard, "XACK", words, 1, fn, data, err, err_len);
}

int rescan_touch_async(struct redis_async *redis, const struct netra_config *config, int shard,
                       const char *consumer, const char *entry_id, rescan_written_fn *fn,
                       void *data, char *err, size_t err_len)
{
    /* Claiming one's own entry with min-idle 0 resets its idle time and changes nothing else. */
    const char *const words[] = {consumer, "0", entry_id, "JUSTID"};
    return stream_command_async(redis, config, shard, "XCLAIM", words,
                                sizeof(words) / sizeof(words[0]), fn, data, err, err_len);
}
