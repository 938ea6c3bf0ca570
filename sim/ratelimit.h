/* Fixed-window request budgets, one per key (a platform, or X's bearer token), on the real
 * clock: a client reads the reset time against its own clock, so virtual time has no part here.
 * Each request spends one unit; once a window's budget is spent, requests are refused until
 * the window resets. Thread-safe. */
#ifndef NETRA_SIM_RATELIMIT_H
#define NETRA_SIM_RATELIMIT_H

#include <pthread.h>
#include <stdint.h>

#define RATELIMIT_MAX_KEYS 64

struct rate_window {
    char key[64];
    int64_t start_ms;
    long used;
};

struct rate_limits {
    pthread_mutex_t lock;
    long limit;
    int window_s;
    struct rate_window windows[RATELIMIT_MAX_KEYS];
    int count;
};

struct rate_state {
    long limit;
    long remaining;
    int64_t reset_ms; /* real Unix ms when the window starts over */
    int exceeded;     /* this request is over budget */
};

void rate_limits_init(struct rate_limits *limits, long limit, int window_s);
void rate_limits_destroy(struct rate_limits *limits);
void rate_limits_spend(struct rate_limits *limits, const char *key, struct rate_state *out);
/* The state without spending (for headers on a fault reply). */
void rate_limits_peek(struct rate_limits *limits, const char *key, struct rate_state *out);

#endif
