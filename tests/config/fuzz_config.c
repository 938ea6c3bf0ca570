/* config_parse on hostile bytes: it must never crash, leak or overrun, and whatever it accepts
 * must hold only what the checks allow.
 *
 * An input starting with '!' goes through the environment instead: its second byte picks a
 * variable and the rest, up to a NUL, is its value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static const char *const variables[] = {
    "NETRA_REDIS_SHARD_URLS",    "NETRA_REDIS_SHARDS",       "NETRA_REDIS_URL",
    "NETRA_STREAM_MAX_LEN",      "NETRA_WORKER_SUSPECT_THRESHOLD",
    "NETRA_PROCESS_LOG_LEVEL",   "NETRA_CRAWLER_USER_AGENT",
};

static void check_loaded(const struct netra_config *config)
{
    if (config->redis.shards < 1 || config->redis.shards > 1024)
        abort();
    if (config->redis.shard_url_count != 0 &&
        config->redis.shard_url_count != (size_t)config->redis.shards)
        abort();
    for (int shard = 0; shard < config->redis.shards; shard++)
        if (config_shard_url(config, shard) == NULL)
            abort();
    if (config->worker.suspect_threshold < 0 || config->worker.suspect_threshold > 1)
        abort();
    if (config->engagement.interval_s < 60 || config->engagement.max_pages < 1 ||
        config->platforms.bluesky.pds_url == NULL ||
        config->platforms.feed.follows || config->platforms.jsonapi.likes ||
        config->platforms.mastodon.likes)
        abort();
}

static int parse(const char *text, size_t len)
{
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN];
    if (config_parse(text, len, "fuzz.jsonc", &config, err, sizeof(err)) == 0) {
        check_loaded(config);
        config_free(config);
    } else if (config != NULL || err[0] == '\0' || strlen(err) >= sizeof(err)) {
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || data[0] != '!')
        return parse((const char *)data, size);

    /* putenv keeps this buffer rather than a copy, so each run reuses it instead of growing the
     * environment's store of old values as setenv would. */
    static char entry[512];
    const char *name = variables[data[1] % (sizeof(variables) / sizeof(variables[0]))];
    size_t name_len = strlen(name);
    size_t value_len = strnlen((const char *)data + 2, size - 2);
    if (value_len > sizeof(entry) - name_len - 2)
        value_len = sizeof(entry) - name_len - 2;
    memcpy(entry, name, name_len);
    entry[name_len] = '=';
    memcpy(entry + name_len + 1, data + 2, value_len);
    entry[name_len + 1 + value_len] = '\0';
    if (putenv(entry) != 0)
        abort();
    parse("{\"redis\": {\"shards\": 2}}", strlen("{\"redis\": {\"shards\": 2}}"));
    unsetenv(name);
    return 0;
}
