/* What the simulator has been asked, for GET /_sim/stats: requests by path and by status, and
 * per account the requests, the most served at the same time (a crawler fleet must never fetch
 * one account twice at once) and when it was last asked. Thread-safe; paths beyond
 * STATS_MAX_PATHS distinct ones are counted under "(other)" so a client cannot grow it. */
#ifndef NETRA_SIM_STATS_H
#define NETRA_SIM_STATS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define STATS_MAX_PATHS 4096
/* Hash slots for the paths: a power of two, twice STATS_MAX_PATHS, so a lookup is a probe or
 * two rather than a scan of every path. */
#define STATS_PATH_SLOTS 8192

struct stats_account {
    uint64_t requests;
    int in_flight;
    int concurrent_max;
    int64_t last_at_ms; /* real Unix milliseconds */
};

struct stats_path {
    char *path;
    uint64_t count;
};

struct stats {
    pthread_mutex_t lock;
    uint64_t requests;
    uint64_t by_status[600];
    struct stats_path *paths;
    size_t path_count;
    uint32_t *path_slots; /* STATS_PATH_SLOTS entries: index into paths + 1, 0 = empty */
    uint64_t other_paths;
    struct stats_account *accounts; /* indexed like the world's accounts */
    size_t account_count;
};

int stats_init(struct stats *stats, size_t account_count);
void stats_destroy(struct stats *stats);
void stats_reset(struct stats *stats);
void stats_request(struct stats *stats, const char *path);
/* A request for account `index` starts / ends (ends exactly once per start). */
void stats_account_begin(struct stats *stats, size_t index);
void stats_account_end(struct stats *stats, size_t index);
void stats_status(struct stats *stats, int status);
/* The /_sim/stats document; account_ids[i] names account i. NULL on allocation failure. */
cJSON *stats_to_json(struct stats *stats, const char *const *account_ids);

#endif
