/* A non-blocking Redis connection on a libuv loop (hiredis async + its libuv adapter).
 *
 * It connects by itself and keeps reconnecting after any loss, waiting a capped exponential
 * backoff (redis.reconnect_min_ms..max_ms, jittered) between attempts; a connect or handshake
 * (AUTH, SELECT) that takes over redis.connect_timeout_ms counts as a failed attempt. A command
 * without a reply after redis.command_timeout_ms (+ its extra_timeout_ms) drops the connection,
 * since hiredis cannot cancel one command; every command then in flight fails.
 *
 * Every command's callback runs exactly once, always from the loop, never from inside
 * redis_async_command(): with the reply, or with reply NULL and error set — a command issued
 * while disconnected fails on the next loop turn instead of queueing. The reply is borrowed for
 * the callback's duration (it may be an error reply).
 *
 * redis_async_close() fails what is in flight ("closed") and frees the struct once the loop has
 * closed its handles; the caller keeps running the loop until then. All calls from the loop's
 * thread. */
#ifndef NETRA_QUEUE_REDIS_ASYNC_H
#define NETRA_QUEUE_REDIS_ASYNC_H

#include <stddef.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "config/config.h"
#include "queue/redis_cmd.h"

struct redis_async;

typedef void redis_async_fn(struct redis_async *redis, redisReply *reply, const char *error,
                            void *data);
/* Told of every change: ready = 1 after a completed handshake, 0 when the connection is lost. */
typedef void redis_async_state_fn(struct redis_async *redis, int ready, void *data);

/* Validates the URL and starts connecting; returns -1 with err only for a bad URL or no memory. */
int redis_async_open(uv_loop_t *loop, const struct netra_config *config, const char *url,
                     redis_async_state_fn *on_state, void *state_data, struct redis_async **out,
                     char *err, size_t err_len);
void redis_async_close(struct redis_async *redis);

int redis_async_ready(const struct redis_async *redis);
const char *redis_async_display_url(const struct redis_async *redis);

/* Sends args (copied; the caller may free them at once). Returns 0 when fn will be called, or
 * -1 (fn will not be) when out of memory or after redis_async_close(). */
int redis_async_command(struct redis_async *redis, const struct redis_args *args,
                         int extra_timeout_ms, redis_async_fn *fn, void *data);

#endif
