/* Watched accounts: the acct:<id> hash of each, on the account's shard.
 *
 * Fields: id, platform, handle, native_id, name, nip, agency, region, interval (seconds, 0 =
 * default), cursor, etag, last_modified, last_fetch, last_ok (Unix ms), last_error,
 * error_count, status ("active" unless an operator or the crawler says otherwise). Engagement
 * crawls keep their own: cursor:<adapter name> per engagement listing, engage_last_fetch,
 * engage_last_ok, engage_last_error, engage_error_count; they never write the post fields above
 * (but for native_id, which both may look up).
 *
 * accounts_upsert() is the watchlist import: it writes the identity fields only, so crawl state
 * survives a re-import (unless platform or handle changed: then native id, cursors, validators
 * and the followed set start over), and puts a new account on the schedule due now without
 * moving an existing one; the same for the engage schedule when config_engagement_on() says so
 * for its platform (otherwise it is taken off it). accounts_remove() also takes it off both
 * schedules, drops its leases, its followed set and its index of listed posts (deletions.h).
 *
 * Every function takes the connection of the account's shard (keys_shard of its id); listing
 * works per shard. A struct account owns its strings: account_free(). */
#ifndef NETRA_QUEUE_ACCOUNTS_H
#define NETRA_QUEUE_ACCOUNTS_H

#include <stddef.h>

#include "config/config.h"
#include "config/watchlist.h"
#include "queue/redis_async.h"
#include "queue/redis_sync.h"

struct account {
    char *id;
    char *platform;
    char *handle;
    char *native_id;
    char *name;
    char *nip;
    char *agency;
    char *region;
    int interval_s;
    char *cursor;
    char *etag;
    char *last_modified;
    long long last_fetch_ms;
    long long last_ok_ms;
    char *last_error;
    long long error_count;
    char *status;
    /* The engagement crawls' state. */
    struct account_cursor *cursors; /* the cursor:<name> fields */
    size_t cursor_count;
    long long engage_last_fetch_ms;
    long long engage_last_ok_ms;
    char *engage_last_error;
    long long engage_error_count;
};

/* Cursor fields an account may hold; more are ignored. */
#define ACCOUNT_MAX_CURSORS 16

struct account_cursor {
    char *name; /* the adapter's, without "cursor:" */
    char *value;
};

void account_free(struct account *account);

/* The cursor of one engagement listing: "" when it has none. */
const char *account_cursor(const struct account *account, const char *name);
/* Sets (or adds) it; -1 when out of memory or when the account already holds
 * ACCOUNT_MAX_CURSORS others. */
int account_set_cursor(struct account *account, const char *name, const char *value);

/* *is_new (may be NULL) = 1 when the account did not exist. */
int accounts_upsert(struct redis_sync *redis, const struct netra_config *config,
                    const struct watchlist_entry *entry, int *is_new, char *err, size_t err_len);

/* 0 and *out (NULL when there is no such account), or -1 with err. Unset string fields are ""
 * in *out, never NULL. */
int accounts_get(struct redis_sync *redis, const struct netra_config *config, const char *id,
                 struct account **out, char *err, size_t err_len);

/* Writes the crawl-state fields of account (native_id, cursor, etag, last_modified, last_fetch,
 * last_ok, last_error, error_count, status) onto an existing account; an account removed in the
 * meantime is not recreated (*found = 0). */
int accounts_save_state(struct redis_sync *redis, const struct netra_config *config,
                        const struct account *account, int *found, char *err, size_t err_len);

/* *removed = 1 when it existed. */
int accounts_remove(struct redis_sync *redis, const struct netra_config *config, const char *id,
                    int *removed, char *err, size_t err_len);

/* Every account of one shard, sorted by id; the array and accounts are the caller's:
 * accounts_list_free(). */
int accounts_list(struct redis_sync *redis, const struct netra_config *config, int shard,
                  struct account ***out, size_t *count, char *err, size_t err_len);
void accounts_list_free(struct account **accounts, size_t count);

/* The loop's versions of accounts_get and accounts_save_state: -1 with err when the call cannot
 * be built or sent, otherwise fn is called once. The account handed to accounts_get_fn (NULL
 * when there is none, or on error) becomes the callee's: account_free(). */
typedef void accounts_get_fn(struct account *account, const char *error, void *data);
typedef void accounts_save_fn(int found, const char *error, void *data);
int accounts_get_async(struct redis_async *redis, const struct netra_config *config,
                       const char *id, accounts_get_fn *fn, void *data, char *err,
                       size_t err_len);
int accounts_save_state_async(struct redis_async *redis, const struct netra_config *config,
                              const struct account *account, accounts_save_fn *fn, void *data,
                              char *err, size_t err_len);
/* The same for an engagement crawl's state: native_id (unless ""), the cursor:<name> fields and
 * the engage_* fields, nothing else. */
int accounts_save_engagement_async(struct redis_async *redis, const struct netra_config *config,
                                   const struct account *account, accounts_save_fn *fn,
                                   void *data, char *err, size_t err_len);

#endif
