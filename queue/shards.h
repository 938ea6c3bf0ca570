/* The sync connections of every shard: shard i talks to config_shard_url(config, i), and
 * shards sharing a URL share one connection. The scripts are loaded (SCRIPT LOAD) on each.
 *
 * struct shards is the caller's: shards_close() closes every connection. The connections it
 * hands out stay its own. */
#ifndef NETRA_QUEUE_SHARDS_H
#define NETRA_QUEUE_SHARDS_H

#include <stddef.h>

#include "config/config.h"
#include "queue/redis_sync.h"

struct shards;

int shards_open(const struct netra_config *config, struct shards **out, char *err,
                size_t err_len);
void shards_close(struct shards *shards);

int shards_count(const struct shards *shards);
struct redis_sync *shards_get(const struct shards *shards, int shard);
/* The connection of the account's shard (keys_shard). */
struct redis_sync *shards_for_account(const struct shards *shards, const char *account);

#endif
