#include "queue/heartbeat.h"

#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/redis_call.h"
#include "queue/redis_cmd.h"
#include "queue/scripts.h"

/* The heartbeat call, built once for both paths. */
static int beat_args(const struct netra_config *config, const char *name,
                     const struct heartbeat_counter *counters, size_t count,
                     struct redis_args *call, char *err, size_t err_len)
{
    char key[KEYS_MAX_LEN];
    if (name == NULL || strlen(name) > 128)
        return error_set(err, err_len, "heartbeat: process name must be 1..128 bytes");
    if (keys_proc(key, sizeof(key), config->redis.key_prefix, name, err, err_len) != 0)
        return -1;
    redis_args_add_str(call, "1");
    redis_args_add_str(call, key);
    redis_args_add_long(call, config->process.heartbeat_ttl_s);
    redis_args_add_str(call, "name");
    redis_args_add_str(call, name);
    for (size_t i = 0; i < count; i++) {
        redis_args_add_str(call, counters[i].name);
        redis_args_add_long(call, counters[i].value);
    }
    return redis_args_ok(call, err, err_len);
}

int heartbeat_beat(struct redis_sync *redis, const struct netra_config *config, const char *name,
                   const struct heartbeat_counter *counters, size_t count, char *err,
                   size_t err_len)
{
    struct redis_args call;
    redisReply *reply = NULL;
    int rc = -1;
    redis_args_init(&call);
    if (beat_args(config, name, counters, count, &call, err, err_len) != 0 ||
        scripts_run_sync(redis, &script_heartbeat, &call, &reply, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    redis_args_free(&call);
    return rc;
}

void heartbeat_list_free(struct heartbeat_proc *procs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        for (size_t f = 0; f < procs[i].field_count; f++) {
            free(procs[i].fields[f].name);
            free(procs[i].fields[f].value);
        }
        free(procs[i].fields);
        free(procs[i].name);
    }
    free(procs);
}

/* Reads one proc hash and its TTL; *found = 0 when it expired since the scan. */
static int read_proc(struct redis_sync *redis, const char *key, const char *name,
                     struct heartbeat_proc *proc, int *found, char *err, size_t err_len)
{
    redisReply *reply = NULL;
    int rc = -1;
    *found = 0;
    if (redis_sync_commandv(redis, &reply, err, err_len, "HGETALL", key, (char *)NULL) != 0 ||
        redis_reply_expect_pairs(reply, "HGETALL", err, err_len) != 0)
        goto cleanup;
    if (reply->elements == 0) {
        rc = 0;
        goto cleanup;
    }
    proc->name = strdup(name);
    proc->fields = calloc(reply->elements / 2, sizeof(*proc->fields));
    if (proc->name == NULL || proc->fields == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        struct heartbeat_field *field = &proc->fields[proc->field_count];
        field->name = redis_reply_strdup(reply->element[i]);
        field->value = redis_reply_strdup(reply->element[i + 1]);
        proc->field_count++;
        if (field->name == NULL || field->value == NULL) {
            error_set(err, err_len, "HGETALL %s: unexpected reply or out of memory", key);
            goto cleanup;
        }
    }
    freeReplyObject(reply);
    reply = NULL;
    if (redis_sync_commandv(redis, &reply, err, err_len, "PTTL", key, (char *)NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_INTEGER, 0, "PTTL", err, err_len) != 0)
        goto cleanup;
    proc->ttl_ms = reply->integer;
    *found = 1;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

int heartbeat_list(struct redis_sync *redis, const struct netra_config *config,
                   struct heartbeat_proc **out, size_t *count, char *err, size_t err_len)
{
    char pattern[2 * KEYS_MAX_LEN];
    char **keys = NULL;
    size_t key_count = 0, n = 0;
    struct heartbeat_proc *procs = NULL;
    int rc = -1;
    *out = NULL;
    *count = 0;
    if (keys_proc_pattern(pattern, sizeof(pattern), config->redis.key_prefix, err, err_len) != 0 ||
        redis_sync_scan(redis, pattern, &keys, &key_count, err, err_len) != 0)
        goto cleanup;
    if (key_count > 0 && (procs = calloc(key_count, sizeof(*procs))) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < key_count; i++) {
        int found;
        const char *name = keys_proc_name(keys[i], config->redis.key_prefix);
        if (name == NULL)
            continue;
        int failed = read_proc(redis, keys[i], name, &procs[n], &found, err, err_len);
        if (failed || found)
            n++; /* a half-read proc is freed with the rest */
        if (failed)
            goto cleanup;
    }
    *out = procs;
    *count = n;
    procs = NULL;
    n = 0;
    rc = 0;

cleanup:
    heartbeat_list_free(procs, n);
    redis_sync_keys_free(keys, key_count);
    return rc;
}

struct beat_call {
    heartbeat_fn *fn;
    void *data;
};

static void on_beat_reply(struct redis_async *redis, redisReply *reply, const char *error,
                          void *data)
{
    (void)redis;
    (void)reply;
    const struct beat_call *call = data;
    call->fn(error, call->data);
}

int heartbeat_beat_async(struct redis_async *redis, const struct netra_config *config,
                         const char *name, const struct heartbeat_counter *counters, size_t count,
                         heartbeat_fn *fn, void *data, char *err, size_t err_len)
{
    struct redis_args args;
    const struct beat_call call = {fn, data};
    redis_args_init(&args);
    int rc = beat_args(config, name, counters, count, &args, err, err_len);
    if (rc == 0)
        rc = redis_call_send(redis, &script_heartbeat, &args, on_beat_reply, &call, sizeof(call),
                             err, err_len, "heartbeat");
    redis_args_free(&args);
    return rc;
}
