#include "sim/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"
#include "sim/timefmt.h"

int stats_init(struct stats *stats, size_t account_count)
{
    memset(stats, 0, sizeof(*stats));
    stats->accounts = calloc(account_count ? account_count : 1, sizeof(*stats->accounts));
    stats->path_slots = calloc(STATS_PATH_SLOTS, sizeof(*stats->path_slots));
    if (stats->accounts == NULL || stats->path_slots == NULL) {
        free(stats->accounts);
        free(stats->path_slots);
        return -1;
    }
    stats->account_count = account_count;
    pthread_mutex_init(&stats->lock, NULL);
    return 0;
}

static void free_paths(struct stats *stats)
{
    for (size_t i = 0; i < stats->path_count; i++)
        free(stats->paths[i].path);
    free(stats->paths);
    stats->paths = NULL;
    stats->path_count = 0;
    memset(stats->path_slots, 0, STATS_PATH_SLOTS * sizeof(*stats->path_slots));
}

void stats_destroy(struct stats *stats)
{
    free_paths(stats);
    free(stats->path_slots);
    free(stats->accounts);
    pthread_mutex_destroy(&stats->lock);
}

void stats_reset(struct stats *stats)
{
    pthread_mutex_lock(&stats->lock);
    free_paths(stats);
    stats->requests = 0;
    stats->other_paths = 0;
    memset(stats->by_status, 0, sizeof(stats->by_status));
    for (size_t i = 0; i < stats->account_count; i++) {
        /* Requests in flight stay counted so their ends still balance. */
        int in_flight = stats->accounts[i].in_flight;
        memset(&stats->accounts[i], 0, sizeof(stats->accounts[i]));
        stats->accounts[i].in_flight = in_flight;
        stats->accounts[i].concurrent_max = in_flight;
    }
    pthread_mutex_unlock(&stats->lock);
}

void stats_request(struct stats *stats, const char *path)
{
    size_t len = strlen(path);
    size_t slot = (size_t)sim_hash_bytes(path, len, 0) & (STATS_PATH_SLOTS - 1);
    pthread_mutex_lock(&stats->lock);
    stats->requests++;
    while (stats->path_slots[slot] != 0 &&
           strcmp(stats->paths[stats->path_slots[slot] - 1].path, path) != 0)
        slot = (slot + 1) & (STATS_PATH_SLOTS - 1);
    if (stats->path_slots[slot] != 0) {
        stats->paths[stats->path_slots[slot] - 1].count++;
    } else if (stats->path_count < STATS_MAX_PATHS && len <= 256) {
        struct stats_path *grown = realloc(stats->paths, (stats->path_count + 1) * sizeof(*grown));
        char *copy = strdup(path);
        if (grown != NULL)
            stats->paths = grown;
        if (grown != NULL && copy != NULL) {
            stats->paths[stats->path_count].path = copy;
            stats->paths[stats->path_count].count = 1;
            stats->path_count++;
            stats->path_slots[slot] = (uint32_t)stats->path_count;
        } else {
            free(copy);
            stats->other_paths++;
        }
    } else {
        stats->other_paths++;
    }
    pthread_mutex_unlock(&stats->lock);
}

void stats_account_begin(struct stats *stats, size_t index)
{
    if (index >= stats->account_count)
        return;
    pthread_mutex_lock(&stats->lock);
    struct stats_account *a = &stats->accounts[index];
    a->requests++;
    a->in_flight++;
    if (a->in_flight > a->concurrent_max)
        a->concurrent_max = a->in_flight;
    a->last_at_ms = time_real_ms();
    pthread_mutex_unlock(&stats->lock);
}

void stats_account_end(struct stats *stats, size_t index)
{
    if (index >= stats->account_count)
        return;
    pthread_mutex_lock(&stats->lock);
    stats->accounts[index].in_flight--;
    pthread_mutex_unlock(&stats->lock);
}

void stats_status(struct stats *stats, int status)
{
    if (status < 0 || status >= 600)
        return;
    pthread_mutex_lock(&stats->lock);
    stats->by_status[status]++;
    pthread_mutex_unlock(&stats->lock);
}

cJSON *stats_to_json(struct stats *stats, const char *const *account_ids)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    pthread_mutex_lock(&stats->lock);
    cJSON_AddNumberToObject(root, "requests", (double)stats->requests);
    cJSON *by_path = cJSON_AddObjectToObject(root, "by_path");
    for (size_t i = 0; by_path != NULL && i < stats->path_count; i++)
        cJSON_AddNumberToObject(by_path, stats->paths[i].path, (double)stats->paths[i].count);
    if (by_path != NULL && stats->other_paths > 0)
        cJSON_AddNumberToObject(by_path, "(other)", (double)stats->other_paths);
    cJSON *by_status = cJSON_AddObjectToObject(root, "by_status");
    for (int s = 0; by_status != NULL && s < 600; s++) {
        if (stats->by_status[s] == 0)
            continue;
        char key[8];
        snprintf(key, sizeof(key), "%d", s);
        cJSON_AddNumberToObject(by_status, key, (double)stats->by_status[s]);
    }
    cJSON *concurrent = cJSON_AddObjectToObject(root, "concurrent_max_per_account");
    cJSON *per_account = cJSON_AddObjectToObject(root, "per_account");
    for (size_t i = 0; concurrent != NULL && per_account != NULL && i < stats->account_count; i++) {
        const struct stats_account *a = &stats->accounts[i];
        if (a->requests == 0)
            continue;
        cJSON_AddNumberToObject(concurrent, account_ids[i], a->concurrent_max);
        cJSON *entry = cJSON_AddObjectToObject(per_account, account_ids[i]);
        if (entry == NULL)
            break;
        cJSON_AddNumberToObject(entry, "requests", (double)a->requests);
        cJSON_AddNumberToObject(entry, "concurrent_max", a->concurrent_max);
        cJSON_AddNumberToObject(entry, "in_flight", a->in_flight);
        cJSON_AddNumberToObject(entry, "last_at_ms", (double)a->last_at_ms);
    }
    pthread_mutex_unlock(&stats->lock);
    if (by_path == NULL || by_status == NULL || concurrent == NULL || per_account == NULL) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
