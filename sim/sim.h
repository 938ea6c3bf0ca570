/* netra-sim: simulated platforms on loopback.
 *
 * One HTTP server (libmicrohttpd, a thread per connection, so a stalled or dripping reply
 * holds up nobody else) serves every platform under its own path prefix, /mastodon, /bluesky,
 * /x, /feed and /jsonapi, plus the control endpoints under /_sim/. What it serves comes from
 * the world (sim/world.h); faults, rate budgets and statistics sit between the wire and the
 * renderers. docs/sim.md is the user's guide.
 *
 * Lifecycle: sim_init() builds the world from the options, sim_start() listens (port 0 picks a
 * free port, readable in sim->port), sim_stop() ends every connection (stalls and drips wake up
 * and close) and sim_free() releases everything. */
#ifndef NETRA_SIM_SIM_H
#define NETRA_SIM_SIM_H

#include <pthread.h>
#include <stddef.h>

#include "sim/engage.h"
#include "sim/faults.h"
#include "sim/ratelimit.h"
#include "sim/stats.h"
#include "sim/world.h"

#define SIM_DEFAULT_TOKEN "netra-sim-token"

struct sim_options {
    char listen_host[64]; /* a loopback IPv4 address */
    int port;             /* 0: any free port */
    struct sim_world_options world;
    const char *faults;   /* --faults spec, or NULL */
    const char *token;    /* X bearer token */
    long rate_limit;      /* requests per window per platform (X: per token) */
    int rate_window_s;
    int feed_items;       /* items per feed document */
};

struct sim {
    struct sim_options options;
    struct sim_world world;
    struct engage engage; /* follows and likes changed through control; under the world's lock */
    struct faults faults;
    struct stats stats;
    struct rate_limits limits;
    const char **account_ids; /* the world's account ids, for stats */
    void *daemon;             /* struct MHD_Daemon */
    int port;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    int stopping;
};

/* The defaults: 127.0.0.1:0, seed 1, 50 accounts, start now, speed 1, 6 posts a day, 7 days of
 * history, the default token, 100000 requests per 900 s, 30 feed items. */
void sim_options_defaults(struct sim_options *options);

int sim_init(struct sim *sim, const struct sim_options *options, char *err, size_t err_len);
int sim_start(struct sim *sim, char *err, size_t err_len);
void sim_stop(struct sim *sim);
void sim_free(struct sim *sim);

/* Waits up to `seconds` unless the server is stopping; returns 1 when it is. */
int sim_wait_or_stop(struct sim *sim, double seconds);

#endif
