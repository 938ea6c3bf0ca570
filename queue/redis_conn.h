/* What the sync and async clients share about one connection's life: the reconnect delay and the
 * commands sent right after connecting. Pure functions, no I/O. */
#ifndef NETRA_QUEUE_REDIS_CONN_H
#define NETRA_QUEUE_REDIS_CONN_H

#include "queue/redis_cmd.h"
#include "config/redis_url.h"

/* The wait before reconnect attempt `attempt` (0-based): min_ms * 2^attempt capped at max_ms,
 * then "equal jitter" (a uniform draw in [delay/2, delay]) so a fleet that lost Redis together
 * does not come back in lockstep. */
int redis_backoff_ms(int attempt, int min_ms, int max_ms);

/* The handshake: AUTH [user] password when the URL has a password, SELECT db when db != 0.
 * Fills up to two commands into cmds (initialised by the caller) and returns how many. */
int redis_handshake(const struct redis_url *url, struct redis_args cmds[2]);

#endif
