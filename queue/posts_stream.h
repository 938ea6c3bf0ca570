/* The posts stream of each shard: crawlers publish post messages, workers consume them through
 * the consumer group "scorers".
 *
 * Publishing deduplicates in one script: seen:<post id> holds the content hash of the version
 * last queued (TTL retention.unflagged_days); a new post or a changed content hash is appended
 * (fields msg = JSON, raw = deflated raw bytes, sha256, content = content hash; MAXLEN ~
 * stream.max_len) and remembered, an unchanged one is not. The post's account decides the
 * shard, so the connection given must be that shard's (config_shard_url). A page of up to
 * POSTS_PUBLISH_PAGE_MAX posts of one shard goes in one script call, post by post in order, with
 * the same outcome as one call per post.
 *
 * Consuming: posts_stream_read() hands out up to stream.batch new entries, posts_stream_ack()
 * acknowledges many at once, posts_stream_reclaim() takes over entries idle longer than
 * stream.reclaim_idle_ms in other consumers and moves those delivered more than
 * stream.max_deliveries times to posts:dead (reason, original fields) instead. An entry that
 * cannot be decoded comes back with message NULL and the reason in error, for the caller to
 * dead-letter with posts_stream_dead_letter(); nothing here fails a batch because of one entry.
 *
 * A struct posts_batch owns its entries and their messages: posts_batch_free(). */
#ifndef NETRA_QUEUE_POSTS_STREAM_H
#define NETRA_QUEUE_POSTS_STREAM_H

#include <stddef.h>

#include "config/config.h"
#include "queue/post_message.h"
#include "queue/redis_async.h"
#include "queue/redis_cmd.h"
#include "queue/redis_sync.h"

#define POSTS_GROUP "scorers"
#define POSTS_ENTRY_ID_LEN 48
/* Posts per publish call: bounds one call's size and Redis' time in its script. */
#define POSTS_PUBLISH_PAGE_MAX 256

enum posts_publish_result {
    POSTS_PUBLISH_UNCHANGED = 0, /* same content as the version last queued: nothing appended */
    POSTS_PUBLISH_NEW = 1,
    POSTS_PUBLISH_CHANGED = 2, /* an edited post: appended as a new version */
};

struct posts_entry {
    char id[POSTS_ENTRY_ID_LEN];  /* the stream entry id, "1700000000000-0" */
    struct post_message *message; /* NULL when malformed */
    char *error;                  /* why it is malformed; NULL when message is set */
    long long deliveries;         /* 1 on first delivery */
};

struct posts_batch {
    struct posts_entry *entries;
    size_t count;
    char next[POSTS_ENTRY_ID_LEN]; /* reclaim: where the next reclaim starts ("0-0" when done) */
    long long dead;                /* reclaim: entries moved to posts:dead */
};

void posts_batch_free(struct posts_batch *batch);

/* The publish call (numkeys key... arg...) of count posts (1 to POSTS_PUBLISH_PAGE_MAX, all of
 * one shard), built once for both paths. */
int posts_publish_args(const struct netra_config *config,
                       const struct post_message *const *messages, size_t count,
                       struct redis_args *call, char *err, size_t err_len);
/* The four arguments one message has in a call that appends it: content hash, JSON, deflated
 * raw bytes, sha256 (also queue/follows.c's). */
int posts_message_args(const struct post_message *message, struct redis_args *call, char *err,
                       size_t err_len);
int posts_stream_publish(struct redis_sync *redis, const struct netra_config *config,
                         const struct post_message *message, enum posts_publish_result *result,
                         char *err, size_t err_len);

typedef void posts_publish_fn(enum posts_publish_result result, const char *error, void *data);
/* -1 with err when the call cannot be built or sent; otherwise fn is called once. */
int posts_stream_publish_async(struct redis_async *redis, const struct netra_config *config,
                               const struct post_message *message, posts_publish_fn *fn,
                               void *data, char *err, size_t err_len);

/* results[i] is messages[i]'s (results NULL with error when the call failed: then nothing is
 * known of any of them); results lives until fn returns. */
typedef void posts_publish_page_fn(const enum posts_publish_result *results, size_t count,
                                   const char *error, void *data);
/* The messages of one page in one call: -1 with err when the call cannot be built or sent (none
 * was); otherwise fn is called once. */
int posts_stream_publish_page_async(struct redis_async *redis, const struct netra_config *config,
                                    const struct post_message *const *messages, size_t count,
                                    posts_publish_page_fn *fn, void *data, char *err,
                                    size_t err_len);

/* Creates the group (and the stream) when missing; an existing group is fine. */
int posts_stream_create_group(struct redis_sync *redis, const struct netra_config *config,
                              int shard, char *err, size_t err_len);

/* XREADGROUP of new entries for consumer, blocking up to stream.block_ms. An empty batch is not
 * an error. Creates the group when it is missing. */
int posts_stream_read(struct redis_sync *redis, const struct netra_config *config, int shard,
                      const char *consumer, struct posts_batch *out, char *err, size_t err_len);

int posts_stream_ack(struct redis_sync *redis, const struct netra_config *config, int shard,
                     const char *const *ids, size_t count, char *err, size_t err_len);

/* One XAUTOCLAIM round from start ("0-0" the first time, then out->next). */
int posts_stream_reclaim(struct redis_sync *redis, const struct netra_config *config, int shard,
                         const char *consumer, const char *start, struct posts_batch *out,
                         char *err, size_t err_len);

/* Moves pending entries to posts:dead with their reasons and acks them; *moved (may be NULL)
 * counts those that were still pending. */
int posts_stream_dead_letter(struct redis_sync *redis, const struct netra_config *config,
                             int shard, const char *const *ids, const char *const *reasons,
                             size_t count, long long *moved, char *err, size_t err_len);

/* Sizes of one shard's streams and every consumer group reading posts; the caller frees it with
 * posts_stream_stats_free(). */
struct posts_group_stats {
    char *name;
    long long consumers;
    long long pending; /* delivered, not yet acknowledged */
};
struct posts_stream_stats {
    long long length;
    long long dead;
    struct posts_group_stats *groups;
    size_t group_count;
};
int posts_stream_stats(struct redis_sync *redis, const struct netra_config *config, int shard,
                       struct posts_stream_stats *out, char *err, size_t err_len);
void posts_stream_stats_free(struct posts_stream_stats *stats);

/* Decodes one entry's field list ([name, value, ...] as Redis returns it) into entry->message
 * or entry->error. Fails (-1) only when out of memory. */
int posts_entry_decode(const redisReply *fields, struct posts_entry *entry);

#endif
