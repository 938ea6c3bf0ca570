/* Watched accounts: the acct:<id> hash of each, on the account's shard.
 *
 * Fields: id, platform, handle, native_id, name, nip, agency, region, interval (seconds, 0 =
 * default), cursor, etag, last_modified, last_fetch, last_ok (Unix ms), last_error,
 * error_count, status ("active" unless an operator or the crawler says otherwise).
 *
 * accounts_upsert() is the watchlist import: it writes the identity fields only, so crawl state
 * survives a re-import (unless platform or handle changed: then native id, cursor and
 * validators start over), and puts a new account on the schedule due now without moving an
 * existing one. accounts_remove() also takes it off the schedule and drops its lease.
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
};

void account_free(struct account *account);

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

#endif
