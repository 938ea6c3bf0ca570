/* A blocking Redis connection (hiredis) for the CLI, tests and simple loops.
 *
 * redis_sync_open() connects at once (AUTH, SELECT) and fails with a message naming the URL,
 * never the password. Every command has redis.command_timeout_ms (plus extra_timeout_ms for
 * blocking commands). When the connection breaks, the command fails; the next command
 * reconnects first, waiting out a capped exponential backoff (redis.reconnect_min_ms..max_ms,
 * jittered) after failed attempts. A command that finds its connection dead before any reply
 * (EOF/reset, as after a Redis restart) is sent once more on a fresh connection, so every
 * command sent through here must be safe to repeat: netra's are (dedup, lease tokens, XACK).
 * A timed-out command is not repeated.
 *
 * The struct redis_sync is the caller's; redis_sync_close() releases it. Replies handed out are
 * the caller's to freeReplyObject(). Not thread-safe: one connection per thread. */
#ifndef NETRA_QUEUE_REDIS_SYNC_H
#define NETRA_QUEUE_REDIS_SYNC_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "config/config.h"
#include "queue/redis_cmd.h"

struct redis_sync;

int redis_sync_open(const struct netra_config *config, const char *url, struct redis_sync **out,
                    char *err, size_t err_len);
void redis_sync_close(struct redis_sync *redis);

/* The URL without its password, for messages. */
const char *redis_sync_display_url(const struct redis_sync *redis);

/* Sends one command. Returns 0 and *reply (any type, error replies included), or -1 with err
 * when there is no reply (connection, timeout, out of memory). */
int redis_sync_command(struct redis_sync *redis, const struct redis_args *args,
                       int extra_timeout_ms, redisReply **reply, char *err, size_t err_len);

/* redis_sync_command of a printf-less argv: every string up to the first NULL. */
int redis_sync_commandv(struct redis_sync *redis, redisReply **reply, char *err, size_t err_len,
                        ...);

/* redis_sync_commandv of a command whose reply is an integer (XLEN, ZCARD, ...). */
int redis_sync_integer(struct redis_sync *redis, long long *out, char *err, size_t err_len, ...);

/* Every key matching pattern (SCAN MATCH), sorted, each once. *keys is the caller's:
 * redis_sync_keys_free(). */
int redis_sync_scan(struct redis_sync *redis, const char *pattern, char ***keys, size_t *count,
                    char *err, size_t err_len);
void redis_sync_keys_free(char **keys, size_t count);

/* Redis server time in milliseconds (TIME). */
int redis_sync_time_ms(struct redis_sync *redis, long long *now_ms, char *err, size_t err_len);

#endif
