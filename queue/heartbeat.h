/* Process heartbeats: every running netra process writes proc:<name> (a hash of its counters,
 * plus last_seen in server milliseconds) every process.heartbeat_interval_ms with a TTL of
 * process.heartbeat_ttl_s, so a process that died disappears by itself. The keys belong to no
 * shard and live on shard 0's Redis.
 *
 * heartbeat_list() returns what is there now, sorted by name; the result is the caller's:
 * heartbeat_list_free(). */
#ifndef NETRA_QUEUE_HEARTBEAT_H
#define NETRA_QUEUE_HEARTBEAT_H

#include <stddef.h>

#include "config/config.h"
#include "queue/redis_async.h"
#include "queue/redis_sync.h"

struct heartbeat_counter {
    const char *name;  /* e.g. "fetched", "published", "errors"; not "last_seen" */
    long long value;
};

struct heartbeat_field {
    char *name;
    char *value;
};

struct heartbeat_proc {
    char *name;
    struct heartbeat_field *fields;
    size_t field_count;
    long long ttl_ms; /* time left before it is forgotten */
};

/* name: 1..128 bytes, e.g. "crawler@host:1234". */
int heartbeat_beat(struct redis_sync *redis, const struct netra_config *config, const char *name,
                   const struct heartbeat_counter *counters, size_t count, char *err,
                   size_t err_len);

/* heartbeat_beat from a libuv loop: -1 with err when it cannot be sent, otherwise fn is called
 * once (error NULL when the beat was written). */
typedef void heartbeat_fn(const char *error, void *data);
int heartbeat_beat_async(struct redis_async *redis, const struct netra_config *config,
                         const char *name, const struct heartbeat_counter *counters, size_t count,
                         heartbeat_fn *fn, void *data, char *err, size_t err_len);

int heartbeat_list(struct redis_sync *redis, const struct netra_config *config,
                   struct heartbeat_proc **out, size_t *count, char *err, size_t err_len);
void heartbeat_list_free(struct heartbeat_proc *procs, size_t count);

#endif
