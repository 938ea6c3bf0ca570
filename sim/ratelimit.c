#include "sim/ratelimit.h"

#include <stdio.h>
#include <string.h>

#include "sim/timefmt.h"

void rate_limits_init(struct rate_limits *limits, long limit, int window_s)
{
    memset(limits, 0, sizeof(*limits));
    limits->limit = limit;
    limits->window_s = window_s;
    pthread_mutex_init(&limits->lock, NULL);
}

void rate_limits_destroy(struct rate_limits *limits)
{
    pthread_mutex_destroy(&limits->lock);
}

/* The window for key, started or rolled over as of now. Past RATELIMIT_MAX_KEYS keys the last
 * slot is shared, so the table never grows. */
static struct rate_window *window_for(struct rate_limits *limits, const char *key, int64_t now)
{
    struct rate_window *w = NULL;
    for (int i = 0; i < limits->count && w == NULL; i++)
        if (strcmp(limits->windows[i].key, key) == 0)
            w = &limits->windows[i];
    if (w == NULL && limits->count < RATELIMIT_MAX_KEYS) {
        w = &limits->windows[limits->count++];
        snprintf(w->key, sizeof(w->key), "%s", key);
        w->start_ms = now;
        w->used = 0;
    }
    if (w == NULL)
        w = &limits->windows[RATELIMIT_MAX_KEYS - 1];
    int64_t window_ms = (int64_t)limits->window_s * 1000;
    if (now - w->start_ms >= window_ms) {
        w->start_ms = now - (now - w->start_ms) % window_ms;
        w->used = 0;
    }
    return w;
}

static void fill(const struct rate_limits *limits, const struct rate_window *w,
                 struct rate_state *out)
{
    out->limit = limits->limit;
    out->remaining = w->used >= limits->limit ? 0 : limits->limit - w->used;
    out->reset_ms = w->start_ms + (int64_t)limits->window_s * 1000;
}

void rate_limits_spend(struct rate_limits *limits, const char *key, struct rate_state *out)
{
    pthread_mutex_lock(&limits->lock);
    struct rate_window *w = window_for(limits, key, time_real_ms());
    out->exceeded = w->used >= limits->limit;
    if (!out->exceeded)
        w->used++;
    fill(limits, w, out);
    pthread_mutex_unlock(&limits->lock);
}

void rate_limits_peek(struct rate_limits *limits, const char *key, struct rate_state *out)
{
    pthread_mutex_lock(&limits->lock);
    struct rate_window *w = window_for(limits, key, time_real_ms());
    out->exceeded = 0;
    fill(limits, w, out);
    pthread_mutex_unlock(&limits->lock);
}
