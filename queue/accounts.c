#include "queue/accounts.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/redis_call.h"
#include "queue/redis_cmd.h"
#include "queue/scripts.h"

/* The hash fields kept as strings, and where they live in struct account. */
static const struct {
    const char *name;
    size_t offset;
} string_fields[] = {
    {"id", offsetof(struct account, id)},
    {"platform", offsetof(struct account, platform)},
    {"handle", offsetof(struct account, handle)},
    {"native_id", offsetof(struct account, native_id)},
    {"name", offsetof(struct account, name)},
    {"nip", offsetof(struct account, nip)},
    {"agency", offsetof(struct account, agency)},
    {"region", offsetof(struct account, region)},
    {"cursor", offsetof(struct account, cursor)},
    {"etag", offsetof(struct account, etag)},
    {"last_modified", offsetof(struct account, last_modified)},
    {"last_error", offsetof(struct account, last_error)},
    {"status", offsetof(struct account, status)},
    {"engage_last_error", offsetof(struct account, engage_last_error)},
};

#define CURSOR_FIELD "cursor:"
#define STRING_FIELD_COUNT (sizeof(string_fields) / sizeof(string_fields[0]))

static char **string_field(struct account *account, size_t i)
{
    return (char **)((char *)account + string_fields[i].offset);
}

void account_free(struct account *account)
{
    if (account == NULL)
        return;
    for (size_t i = 0; i < STRING_FIELD_COUNT; i++)
        free(*string_field(account, i));
    for (size_t i = 0; i < account->cursor_count; i++) {
        free(account->cursors[i].name);
        free(account->cursors[i].value);
    }
    free(account->cursors);
    free(account);
}

const char *account_cursor(const struct account *account, const char *name)
{
    for (size_t i = 0; i < account->cursor_count; i++)
        if (strcmp(account->cursors[i].name, name) == 0)
            return account->cursors[i].value;
    return "";
}

int account_set_cursor(struct account *account, const char *name, const char *value)
{
    char *copy = strdup(value);
    if (copy == NULL)
        return -1;
    for (size_t i = 0; i < account->cursor_count; i++) {
        if (strcmp(account->cursors[i].name, name) == 0) {
            free(account->cursors[i].value);
            account->cursors[i].value = copy;
            return 0;
        }
    }
    if (account->cursors == NULL &&
        (account->cursors = calloc(ACCOUNT_MAX_CURSORS, sizeof(*account->cursors))) == NULL)
        goto fail;
    if (account->cursor_count == ACCOUNT_MAX_CURSORS)
        goto fail;
    struct account_cursor *cursor = &account->cursors[account->cursor_count];
    if ((cursor->name = strdup(name)) == NULL)
        goto fail;
    cursor->value = copy;
    account->cursor_count++;
    return 0;

fail:
    free(copy);
    return -1;
}

static int acct_key(const struct netra_config *config, const char *id, char key[KEYS_MAX_LEN],
                    char *err, size_t err_len)
{
    if (id == NULL || id[0] == '\0')
        return error_set(err, err_len, "account: empty id");
    return keys_acct(key, KEYS_MAX_LEN, config->redis.key_prefix,
                     keys_shard(id, config->redis.shards), id, err, err_len);
}

static int shard_key(const struct netra_config *config, const char *id, char key[KEYS_MAX_LEN],
                     int (*name)(char *, size_t, const char *, int, char *, size_t), char *err,
                     size_t err_len)
{
    return name(key, KEYS_MAX_LEN, config->redis.key_prefix, keys_shard(id, config->redis.shards),
                err, err_len);
}

static int follows_key(const struct netra_config *config, const char *id,
                       char key[KEYS_MAX_LEN], char *err, size_t err_len)
{
    return keys_follows(key, KEYS_MAX_LEN, config->redis.key_prefix,
                        keys_shard(id, config->redis.shards), id, err, err_len);
}

/* Runs a script whose reply is one integer. */
static int run_integer(struct redis_sync *redis, const struct redis_script *script,
                       const struct redis_args *call, long long *out, char *err, size_t err_len)
{
    redisReply *reply = NULL;
    int rc = scripts_run_sync(redis, script, call, &reply, err, err_len);
    if (rc == 0 && redis_reply_integer(reply, out) != 0)
        rc = error_set(err, err_len, "%s: unexpected reply", script->name);
    freeReplyObject(reply);
    return rc;
}

int accounts_upsert(struct redis_sync *redis, const struct netra_config *config,
                    const struct watchlist_entry *entry, int *is_new, char *err, size_t err_len)
{
    char acct[KEYS_MAX_LEN], sched[KEYS_MAX_LEN], engage[KEYS_MAX_LEN], follows[KEYS_MAX_LEN];
    struct redis_args call;
    long long created = 0;
    int rc = -1;
    redis_args_init(&call);
    if (acct_key(config, entry->id, acct, err, err_len) != 0 ||
        shard_key(config, entry->id, sched, keys_sched, err, err_len) != 0 ||
        shard_key(config, entry->id, engage, keys_engage, err, err_len) != 0 ||
        follows_key(config, entry->id, follows, err, err_len) != 0)
        goto cleanup;
    redis_args_add_str(&call, "4");
    redis_args_add_str(&call, acct);
    redis_args_add_str(&call, sched);
    redis_args_add_str(&call, engage);
    redis_args_add_str(&call, follows);
    redis_args_add_str(&call, entry->id);
    redis_args_add_str(&call, entry->platform ? entry->platform : "");
    redis_args_add_str(&call, entry->handle ? entry->handle : "");
    redis_args_add_str(&call, entry->name ? entry->name : "");
    redis_args_add_str(&call, entry->nip ? entry->nip : "");
    redis_args_add_str(&call, entry->agency ? entry->agency : "");
    redis_args_add_str(&call, entry->region ? entry->region : "");
    redis_args_add_long(&call, entry->interval_s);
    redis_args_add_str(&call,
                       config_engagement_on(config, entry->platform ? entry->platform : "") ? "1"
                                                                                          : "0");
    if (run_integer(redis, &script_accounts_upsert, &call, &created, err, err_len) != 0)
        goto cleanup;
    if (is_new != NULL)
        *is_new = created == 1;
    rc = 0;

cleanup:
    redis_args_free(&call);
    return rc;
}

/* An account from HGETALL's [name, value, ...]; NULL when out of memory. Unknown fields are
 * ignored; a field missing or of the wrong type reads as "" or 0, so one bad field does not
 * hide the account from the crawler. */
static struct account *account_from_reply(const redisReply *reply)
{
    long long interval = 0;
    struct account *account = calloc(1, sizeof(*account));
    if (account == NULL)
        return NULL;
    for (size_t f = 0; f < STRING_FIELD_COUNT; f++) {
        const redisReply *value = redis_reply_field(reply, string_fields[f].name);
        char **slot = string_field(account, f);
        *slot = redis_reply_is_string(value) ? redis_reply_strdup(value) : strdup("");
        if (*slot == NULL) {
            account_free(account);
            return NULL;
        }
    }
    redis_reply_integer(redis_reply_field(reply, "interval"), &interval);
    account->interval_s = interval < 0 || interval > 0x7fffffff ? 0 : (int)interval;
    redis_reply_integer(redis_reply_field(reply, "last_fetch"), &account->last_fetch_ms);
    redis_reply_integer(redis_reply_field(reply, "last_ok"), &account->last_ok_ms);
    redis_reply_integer(redis_reply_field(reply, "error_count"), &account->error_count);
    redis_reply_integer(redis_reply_field(reply, "engage_last_fetch"),
                        &account->engage_last_fetch_ms);
    redis_reply_integer(redis_reply_field(reply, "engage_last_ok"), &account->engage_last_ok_ms);
    redis_reply_integer(redis_reply_field(reply, "engage_error_count"),
                        &account->engage_error_count);
    size_t prefix = strlen(CURSOR_FIELD);
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const redisReply *name = reply->element[i], *value = reply->element[i + 1];
        if (!redis_reply_is_string(name) || !redis_reply_is_string(value) ||
            name->len <= prefix || memcmp(name->str, CURSOR_FIELD, prefix) != 0 ||
            memchr(name->str, '\0', name->len) != NULL ||
            memchr(value->str, '\0', value->len) != NULL ||
            account->cursor_count == ACCOUNT_MAX_CURSORS)
            continue;
        char *text = redis_reply_strdup(name);
        int failed = text == NULL;
        if (!failed) {
            char *cursor = redis_reply_strdup(value);
            failed = cursor == NULL || account_set_cursor(account, text + prefix, cursor) != 0;
            free(cursor);
        }
        free(text);
        if (failed) {
            account_free(account);
            return NULL;
        }
    }
    return account;
}

static int get_by_key(struct redis_sync *redis, const char *key, struct account **out, char *err,
                      size_t err_len)
{
    redisReply *reply = NULL;
    int rc = -1;
    *out = NULL;
    if (redis_sync_commandv(redis, &reply, err, err_len, "HGETALL", key, (char *)NULL) != 0 ||
        redis_reply_expect_pairs(reply, "HGETALL", err, err_len) != 0)
        goto cleanup;
    if (reply->elements > 0 && (*out = account_from_reply(reply)) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

int accounts_get(struct redis_sync *redis, const struct netra_config *config, const char *id,
                 struct account **out, char *err, size_t err_len)
{
    char acct[KEYS_MAX_LEN];
    *out = NULL;
    if (acct_key(config, id, acct, err, err_len) != 0)
        return -1;
    return get_by_key(redis, acct, out, err, err_len);
}

/* The hash_update call writing account's crawl state, built once for both paths. */
static int save_state_args(const struct netra_config *config, const struct account *account,
                           struct redis_args *call, char *err, size_t err_len)
{
    char acct[KEYS_MAX_LEN];
    if (acct_key(config, account->id, acct, err, err_len) != 0)
        return -1;
    redis_args_add_str(call, "1");
    redis_args_add_str(call, acct);
    const struct {
        const char *name;
        const char *value;
    } strings[] = {
        {"native_id", account->native_id}, {"cursor", account->cursor},
        {"etag", account->etag},           {"last_modified", account->last_modified},
        {"last_error", account->last_error}, {"status", account->status},
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        redis_args_add_str(call, strings[i].name);
        redis_args_add_str(call, strings[i].value ? strings[i].value : "");
    }
    redis_args_add_str(call, "last_fetch");
    redis_args_add_long(call, account->last_fetch_ms);
    redis_args_add_str(call, "last_ok");
    redis_args_add_long(call, account->last_ok_ms);
    redis_args_add_str(call, "error_count");
    redis_args_add_long(call, account->error_count);
    return redis_args_ok(call, err, err_len);
}

/* The hash_update call writing an engagement crawl's state. */
static int save_engagement_args(const struct netra_config *config, const struct account *account,
                                struct redis_args *call, char *err, size_t err_len)
{
    char acct[KEYS_MAX_LEN], field[KEYS_MAX_LEN];
    if (acct_key(config, account->id, acct, err, err_len) != 0)
        return -1;
    redis_args_add_str(call, "1");
    redis_args_add_str(call, acct);
    /* A crawl that ended before its lookup must not blank the id the post crawl found meanwhile. */
    if (account->native_id != NULL && account->native_id[0] != '\0') {
        redis_args_add_str(call, "native_id");
        redis_args_add_str(call, account->native_id);
    }
    for (size_t i = 0; i < account->cursor_count; i++) {
        snprintf(field, sizeof(field), "%s%s", CURSOR_FIELD, account->cursors[i].name);
        redis_args_add_str(call, field);
        redis_args_add_str(call, account->cursors[i].value);
    }
    redis_args_add_str(call, "engage_last_error");
    redis_args_add_str(call, account->engage_last_error ? account->engage_last_error : "");
    redis_args_add_str(call, "engage_last_fetch");
    redis_args_add_long(call, account->engage_last_fetch_ms);
    redis_args_add_str(call, "engage_last_ok");
    redis_args_add_long(call, account->engage_last_ok_ms);
    redis_args_add_str(call, "engage_error_count");
    redis_args_add_long(call, account->engage_error_count);
    return redis_args_ok(call, err, err_len);
}

int accounts_save_state(struct redis_sync *redis, const struct netra_config *config,
                        const struct account *account, int *found, char *err, size_t err_len)
{
    struct redis_args call;
    long long written = 0;
    int rc = -1;
    redis_args_init(&call);
    if (save_state_args(config, account, &call, err, err_len) != 0 ||
        run_integer(redis, &script_hash_update, &call, &written, err, err_len) != 0)
        goto cleanup;
    if (found != NULL)
        *found = written == 1;
    rc = 0;

cleanup:
    redis_args_free(&call);
    return rc;
}

int accounts_remove(struct redis_sync *redis, const struct netra_config *config, const char *id,
                    int *removed, char *err, size_t err_len)
{
    char acct[KEYS_MAX_LEN], sched[KEYS_MAX_LEN], lease[KEYS_MAX_LEN];
    char engage[KEYS_MAX_LEN], engage_lease[KEYS_MAX_LEN], follows[KEYS_MAX_LEN];
    char shown[KEYS_MAX_LEN], listed[KEYS_MAX_LEN];
    struct redis_args call;
    long long deleted = 0;
    int shard = keys_shard(id, config->redis.shards);
    int rc = -1;
    redis_args_init(&call);
    if (acct_key(config, id, acct, err, err_len) != 0 ||
        shard_key(config, id, sched, keys_sched, err, err_len) != 0 ||
        shard_key(config, id, lease, keys_lease, err, err_len) != 0 ||
        shard_key(config, id, engage, keys_engage, err, err_len) != 0 ||
        shard_key(config, id, engage_lease, keys_engage_lease, err, err_len) != 0 ||
        follows_key(config, id, follows, err, err_len) != 0 ||
        keys_shown(shown, sizeof(shown), config->redis.key_prefix, shard, id, err, err_len) != 0 ||
        keys_listed(listed, sizeof(listed), config->redis.key_prefix, shard, id, err, err_len) != 0)
        goto cleanup;
    redis_args_add_str(&call, "8");
    redis_args_add_str(&call, acct);
    redis_args_add_str(&call, sched);
    redis_args_add_str(&call, lease);
    redis_args_add_str(&call, engage);
    redis_args_add_str(&call, engage_lease);
    redis_args_add_str(&call, follows);
    redis_args_add_str(&call, shown);
    redis_args_add_str(&call, listed);
    redis_args_add_str(&call, id);
    if (run_integer(redis, &script_accounts_remove, &call, &deleted, err, err_len) != 0)
        goto cleanup;
    if (removed != NULL)
        *removed = deleted > 0;
    rc = 0;

cleanup:
    redis_args_free(&call);
    return rc;
}

void accounts_list_free(struct account **accounts, size_t count)
{
    for (size_t i = 0; i < count; i++)
        account_free(accounts[i]);
    free(accounts);
}

int accounts_list(struct redis_sync *redis, const struct netra_config *config, int shard,
                  struct account ***out, size_t *count, char *err, size_t err_len)
{
    char pattern[2 * KEYS_MAX_LEN];
    char **keys = NULL;
    size_t key_count = 0;
    struct account **accounts = NULL;
    size_t n = 0;
    int rc = -1;
    *out = NULL;
    *count = 0;
    if (keys_acct_pattern(pattern, sizeof(pattern), config->redis.key_prefix, shard, err,
                          err_len) != 0 ||
        redis_sync_scan(redis, pattern, &keys, &key_count, err, err_len) != 0)
        goto cleanup;
    if (key_count > 0 && (accounts = calloc(key_count, sizeof(*accounts))) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < key_count; i++) {
        if (get_by_key(redis, keys[i], &accounts[n], err, err_len) != 0)
            goto cleanup;
        if (accounts[n] != NULL) /* removed since the scan */
            n++;
    }
    *out = accounts;
    *count = n;
    accounts = NULL;
    n = 0;
    rc = 0;

cleanup:
    accounts_list_free(accounts, n);
    redis_sync_keys_free(keys, key_count);
    return rc;
}

/* The loop's versions: one context shape for both calls. */
struct async_call {
    accounts_get_fn *get_fn;
    accounts_save_fn *save_fn;
    void *data;
};

static void on_get_reply(struct redis_async *redis, redisReply *reply, const char *error,
                         void *data)
{
    (void)redis;
    const struct async_call *call = data;
    char message[NETRA_ERR_LEN];
    struct account *account = NULL;
    if (error == NULL &&
        redis_reply_expect_pairs(reply, "HGETALL", message, sizeof(message)) != 0)
        error = message;
    else if (error == NULL && reply->elements > 0 &&
             (account = account_from_reply(reply)) == NULL)
        error = "HGETALL: out of memory";
    call->get_fn(account, error, call->data);
}

static void on_save_reply(struct redis_async *redis, redisReply *reply, const char *error,
                          void *data)
{
    (void)redis;
    const struct async_call *call = data;
    long long written = 0;
    if (error == NULL && redis_reply_integer(reply, &written) != 0)
        error = "hash_update: unexpected reply";
    call->save_fn(error == NULL && written == 1, error, call->data);
}

int accounts_get_async(struct redis_async *redis, const struct netra_config *config,
                       const char *id, accounts_get_fn *fn, void *data, char *err,
                       size_t err_len)
{
    char acct[KEYS_MAX_LEN];
    struct redis_args args;
    const struct async_call call = {fn, NULL, data};
    if (acct_key(config, id, acct, err, err_len) != 0)
        return -1;
    redis_args_init(&args);
    redis_args_add_str(&args, "HGETALL");
    redis_args_add_str(&args, acct);
    int rc = redis_call_send(redis, NULL, &args, on_get_reply, &call, sizeof(call), err, err_len,
                             "HGETALL %s", acct);
    redis_args_free(&args);
    return rc;
}

static int save_async(struct redis_async *redis, const struct netra_config *config,
                      const struct account *account, int engagement, accounts_save_fn *fn,
                      void *data, char *err, size_t err_len)
{
    struct redis_args args;
    const struct async_call call = {NULL, fn, data};
    redis_args_init(&args);
    int rc = engagement ? save_engagement_args(config, account, &args, err, err_len)
                        : save_state_args(config, account, &args, err, err_len);
    if (rc == 0)
        rc = redis_call_send(redis, &script_hash_update, &args, on_save_reply, &call,
                             sizeof(call), err, err_len, "save %s", account->id);
    redis_args_free(&args);
    return rc;
}

int accounts_save_state_async(struct redis_async *redis, const struct netra_config *config,
                              const struct account *account, accounts_save_fn *fn, void *data,
                              char *err, size_t err_len)
{
    return save_async(redis, config, account, 0, fn, data, err, err_len);
}

int accounts_save_engagement_async(struct redis_async *redis, const struct netra_config *config,
                                   const struct account *account, accounts_save_fn *fn,
                                   void *data, char *err, size_t err_len)
{
    return save_async(redis, config, account, 1, fn, data, err, err_len);
}
