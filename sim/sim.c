#include "sim/sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/log.h"
#include "sim/timefmt.h"

void sim_options_defaults(struct sim_options *options)
{
    memset(options, 0, sizeof(*options));
    snprintf(options->listen_host, sizeof(options->listen_host), "127.0.0.1");
    options->port = 0;
    options->world.seed = 1;
    options->world.accounts = 50;
    options->world.start_ms = time_real_ms() / 1000 * 1000;
    options->world.speed = 1;
    options->world.posts_per_day = 6;
    options->world.history_days = 7;
    options->token = SIM_DEFAULT_TOKEN;
    options->rate_limit = 100000;
    options->rate_window_s = 900;
    options->feed_items = 30;
}

int sim_init(struct sim *sim, const struct sim_options *options, char *err, size_t err_len)
{
    memset(sim, 0, sizeof(*sim));
    sim->options = *options;
    if (options->token == NULL || options->token[0] == '\0')
        return error_set(err, err_len, "token: must not be empty");
    if (options->rate_limit < 1 || options->rate_window_s < 1)
        return error_set(err, err_len, "rate limit and window must be at least 1");
    if (options->feed_items < 1 || options->feed_items > 1000)
        return error_set(err, err_len, "feed items: must be 1..1000");
    if (world_init(&sim->world, &options->world, err, err_len) != 0)
        return -1;
    engage_init(&sim->engage);
    faults_init(&sim->faults);
    rate_limits_init(&sim->limits, options->rate_limit, options->rate_window_s);
    pthread_mutex_init(&sim->stop_lock, NULL);
    pthread_cond_init(&sim->stop_cond, NULL);
    sim->account_ids = calloc(sim->world.account_count, sizeof(*sim->account_ids));
    if (sim->account_ids == NULL || stats_init(&sim->stats, sim->world.account_count) != 0) {
        error_set(err, err_len, "out of memory for statistics");
        goto fail;
    }
    for (size_t i = 0; i < sim->world.account_count; i++)
        sim->account_ids[i] = sim->world.accounts[i].id;
    if (options->faults != NULL &&
        faults_parse_spec(&sim->faults, options->faults, err, err_len) != 0) {
        stats_destroy(&sim->stats);
        goto fail;
    }
    return 0;
fail:
    free(sim->account_ids);
    pthread_cond_destroy(&sim->stop_cond);
    pthread_mutex_destroy(&sim->stop_lock);
    rate_limits_destroy(&sim->limits);
    faults_destroy(&sim->faults);
    engage_free(&sim->engage);
    world_free(&sim->world);
    return -1;
}

void sim_free(struct sim *sim)
{
    sim_stop(sim);
    stats_destroy(&sim->stats);
    free(sim->account_ids);
    pthread_cond_destroy(&sim->stop_cond);
    pthread_mutex_destroy(&sim->stop_lock);
    rate_limits_destroy(&sim->limits);
    faults_destroy(&sim->faults);
    engage_free(&sim->engage);
    world_free(&sim->world);
}

int sim_wait_or_stop(struct sim *sim, double seconds)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    double whole = floor(seconds);
    deadline.tv_sec += (time_t)whole;
    deadline.tv_nsec += (long)((seconds - whole) * 1e9);
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&sim->stop_lock);
    int rc = 0;
    while (!sim->stopping && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&sim->stop_cond, &sim->stop_lock, &deadline);
    int stopping = sim->stopping;
    pthread_mutex_unlock(&sim->stop_lock);
    return stopping;
}
