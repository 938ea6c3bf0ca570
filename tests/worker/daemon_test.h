/* Helpers for the tests of netra-worker against Redis: a config under a private key prefix,
 * the labelled posts of ../shared as post messages, publishing, and looking at what was
 * written. Every helper fails the test on error; the caller frees what it gets (config_free,
 * daemon_test_posts_free, free). */
#ifndef NETRA_TESTS_WORKER_DAEMON_TEST_H
#define NETRA_TESTS_WORKER_DAEMON_TEST_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "config/config.h"
#include "queue/post_message.h"
#include "queue/redis_sync.h"

/* Defaults, the suite's Redis, a fresh key prefix, the shipped rulesets, short blocking reads. */
struct netra_config *daemon_test_config(const char *test_name);

/* Every post of data/labelled/dev.jsonl, each with a url, fetched_at and its JSON line as the
 * raw platform bytes. */
struct post_message **daemon_test_labelled(size_t *count);
void daemon_test_posts_free(struct post_message **posts, size_t count);

/* A post of account with text, and raw platform bytes that hold the text. */
struct post_message *daemon_test_post(const char *id, const char *account, const char *text);

/* Publishes message on its account's shard; fails the test unless it was appended. */
void daemon_test_publish(struct redis_sync *redis, const struct netra_config *config,
                         const struct post_message *message);

/* Keys of the shard named "<prefix>{s<shard>}:<name>:*". */
long long daemon_test_count(redisContext *redis, const struct netra_config *config, int shard,
                            const char *name);
/* Messages delivered to the group "scorers" and not acknowledged, on shard's posts stream. */
long long daemon_test_pending(redisContext *redis, const struct netra_config *config, int shard);
/* A field of a hash as a new string, or NULL when absent. */
char *daemon_test_hget(redisContext *redis, const char *key, const char *field);
/* The name of key kind ("result", "case", ...) for id on shard, into out. */
void daemon_test_key(char *out, size_t out_len, const struct netra_config *config, int shard,
                     const char *kind, const char *id);

#endif
