#include "queue/shards.h"

#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/scripts.h"

struct shards {
    int count;
    struct redis_sync **by_shard; /* borrowed from `open` */
    struct redis_sync **open;     /* one per distinct URL, owned */
    const char **open_urls;
    int open_count;
};

void shards_close(struct shards *shards)
{
    if (shards == NULL)
        return;
    for (int i = 0; i < shards->open_count; i++)
        redis_sync_close(shards->open[i]);
    free(shards->open);
    free(shards->open_urls);
    free(shards->by_shard);
    free(shards);
}

int shards_open(const struct netra_config *config, struct shards **out, char *err,
                size_t err_len)
{
    int count = config->redis.shards < 1 ? 1 : config->redis.shards;
    struct shards *shards = calloc(1, sizeof(*shards));
    int rc = -1;
    *out = NULL;
    if (shards == NULL)
        return error_set(err, err_len, "out of memory");
    shards->count = count;
    shards->by_shard = calloc((size_t)count, sizeof(*shards->by_shard));
    shards->open = calloc((size_t)count, sizeof(*shards->open));
    shards->open_urls = calloc((size_t)count, sizeof(*shards->open_urls));
    if (shards->by_shard == NULL || shards->open == NULL || shards->open_urls == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < count; i++) {
        const char *url = config_shard_url(config, i);
        if (url == NULL) {
            error_set(err, err_len, "shard %d: no Redis URL", i);
            goto cleanup;
        }
        for (int j = 0; j < shards->open_count && shards->by_shard[i] == NULL; j++)
            if (strcmp(shards->open_urls[j], url) == 0)
                shards->by_shard[i] = shards->open[j];
        if (shards->by_shard[i] != NULL)
            continue;
        struct redis_sync *redis;
        if (redis_sync_open(config, url, &redis, err, err_len) != 0)
            goto cleanup;
        shards->open[shards->open_count] = redis;
        shards->open_urls[shards->open_count++] = url;
        shards->by_shard[i] = redis;
        if (scripts_load(redis, err, err_len) != 0)
            goto cleanup;
    }
    *out = shards;
    shards = NULL;
    rc = 0;

cleanup:
    shards_close(shards);
    return rc;
}

int shards_count(const struct shards *shards)
{
    return shards->count;
}

struct redis_sync *shards_get(const struct shards *shards, int shard)
{
    if (shard < 0 || shard >= shards->count)
        return NULL;
    return shards->by_shard[shard];
}

struct redis_sync *shards_for_account(const struct shards *shards, const char *account)
{
    return shards->by_shard[keys_shard(account, shards->count)];
}
