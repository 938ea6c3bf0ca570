/* GET /api/stats: cases by status, and suspects (cases created) and confirmations (by
 * confirmed_at) per region and per UTC day over the last `days` days.
 *
 * One pass over every shard's case hashes (SCAN, then one batched read per API_BATCH cases),
 * capped at API_SCAN_MAX per shard: netra opens a few thousand cases a year, so this stays well
 * under a second; counters kept by the worker's and the decide scripts would replace it at a
 * larger scale. */
#include "desk/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/log.h"

#define STATS_DAYS_DEFAULT 30
#define STATS_DAYS_MAX 366
#define DAY_MS 86400000LL

struct region_counts {
    char *region;
    long long suspects, confirmed;
    long long day_suspects[STATS_DAYS_MAX], day_confirmed[STATS_DAYS_MAX];
};

struct stats {
    long long from_day; /* Unix day number of the window's first day */
    int days;
    struct region_counts *regions;
    size_t region_count;
    long long suspects, confirmed, dismissed, pending, confirming, escalated;
};

static void stats_free(struct stats *stats)
{
    for (size_t i = 0; i < stats->region_count; i++)
        free(stats->regions[i].region);
    free(stats->regions);
}

static struct region_counts *stats_region(struct stats *stats, const char *region)
{
    for (size_t i = 0; i < stats->region_count; i++)
        if (strcmp(stats->regions[i].region, region) == 0)
            return &stats->regions[i];
    struct region_counts *regions =
        realloc(stats->regions, (stats->region_count + 1) * sizeof(*regions));
    if (regions == NULL)
        return NULL;
    stats->regions = regions;
    struct region_counts *added = &regions[stats->region_count];
    memset(added, 0, sizeof(*added));
    if ((added->region = strdup(region)) == NULL)
        return NULL;
    stats->region_count++;
    return added;
}

/* The window's index of a time in ms, or -1 outside it. */
static int stats_day(const struct stats *stats, long long ms)
{
    if (ms <= 0)
        return -1;
    long long day = ms / DAY_MS - stats->from_day;
    return day >= 0 && day < stats->days ? (int)day : -1;
}

static int stats_count(struct stats *stats, const struct case_row *row)
{
    const char *status = row->status;
    stats->suspects++;
    stats->confirmed += strcmp(status, "confirmed") == 0;
    stats->dismissed += strcmp(status, "dismissed") == 0;
    stats->pending += strcmp(status, "pending") == 0;
    stats->confirming += strcmp(status, "confirming") == 0;
    stats->escalated += strcmp(status, "escalated") == 0;
    int created = stats_day(stats, row->created_ms);
    int confirmed = strcmp(status, "confirmed") == 0 ? stats_day(stats, row->confirmed_at_ms) : -1;
    if (created < 0 && confirmed < 0)
        return 0;
    struct region_counts *region = stats_region(stats, row->region);
    if (region == NULL)
        return -1;
    if (created >= 0) {
        region->suspects++;
        region->day_suspects[created]++;
    }
    if (confirmed >= 0) {
        region->confirmed++;
        region->day_confirmed[confirmed]++;
    }
    return 0;
}

static int compare_regions(const void *a, const void *b)
{
    return strcmp(((const struct region_counts *)a)->region,
                  ((const struct region_counts *)b)->region);
}

static void day_name(long long day, char out[16])
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* {name: value...} items appended to array; -1 when out of memory. */
static int add_counts(cJSON *array, const char *key_name, const char *key, const char *day,
                      long long suspects, long long confirmed)
{
    cJSON *item = cJSON_CreateObject();
    if (item == NULL || (key_name && !cJSON_AddStringToObject(item, key_name, key)) ||
        (day && !cJSON_AddStringToObject(item, "day", day)) ||
        !cJSON_AddNumberToObject(item, "suspects", (double)suspects) ||
        !cJSON_AddNumberToObject(item, "confirmed", (double)confirmed) ||
        !cJSON_AddItemToArray(array, item)) {
        cJSON_Delete(item);
        return -1;
    }
    return 0;
}

static cJSON *stats_json(struct stats *stats, int truncated)
{
    char from[16], to[16];
    day_name(stats->from_day, from);
    day_name(stats->from_day + stats->days - 1, to);
    if (stats->region_count > 1)
        qsort(stats->regions, stats->region_count, sizeof(*stats->regions), compare_regions);
    cJSON *json = cJSON_CreateObject();
    cJSON *totals = cJSON_AddObjectToObject(json, "totals");
    cJSON *regions = cJSON_AddArrayToObject(json, "regions");
    cJSON *days = cJSON_AddArrayToObject(json, "days");
    cJSON *by_region_day = cJSON_AddArrayToObject(json, "by_region_day");
    int ok = json != NULL && totals != NULL && regions != NULL && days != NULL &&
             by_region_day != NULL && cJSON_AddStringToObject(json, "from", from) &&
             cJSON_AddStringToObject(json, "to", to) &&
             cJSON_AddBoolToObject(json, "truncated", truncated);
    const struct { const char *name; long long value; } totals_of[] = {
        {"suspects", stats->suspects},     {"confirmed", stats->confirmed},
        {"dismissed", stats->dismissed},
        {"open", stats->pending + stats->confirming + stats->escalated},
        {"pending", stats->pending},       {"confirming", stats->confirming},
        {"escalated", stats->escalated},
    };
    for (size_t i = 0; ok && i < sizeof(totals_of) / sizeof(totals_of[0]); i++)
        ok = cJSON_AddNumberToObject(totals, totals_of[i].name, (double)totals_of[i].value) !=
             NULL;
    for (size_t r = 0; ok && r < stats->region_count; r++) {
        const struct region_counts *region = &stats->regions[r];
        ok = add_counts(regions, "region", region->region, NULL, region->suspects,
                        region->confirmed) == 0;
        for (int d = 0; ok && d < stats->days; d++) {
            char day[16];
            day_name(stats->from_day + d, day);
            if (region->day_suspects[d] > 0 || region->day_confirmed[d] > 0)
                ok = add_counts(by_region_day, "region", region->region, day,
                                region->day_suspects[d], region->day_confirmed[d]) == 0;
        }
    }
    for (int d = 0; ok && d < stats->days; d++) {
        long long suspects = 0, confirmed = 0;
        for (size_t r = 0; r < stats->region_count; r++) {
            suspects += stats->regions[r].day_suspects[d];
            confirmed += stats->regions[r].day_confirmed[d];
        }
        char day[16];
        day_name(stats->from_day + d, day);
        if (suspects > 0 || confirmed > 0)
            ok = add_counts(days, NULL, NULL, day, suspects, confirmed) == 0;
    }
    if (!ok) {
        cJSON_Delete(json);
        return NULL;
    }
    return json;
}

int api_stats(struct desk *desk, const struct desk_request *request,
              struct desk_response *response, char *err, size_t err_len)
{
    const struct netra_config *config = desk_config(desk);
    struct stats stats = {0};
    int truncated = 0, rc = -1;
    stats.days = STATS_DAYS_DEFAULT;
    const char *days = desk_query(request, "days");
    if (days != NULL) {
        char *end = NULL;
        long value = strtol(days, &end, 10);
        if (end == days || *end != '\0' || value < 1 || value > STATS_DAYS_MAX)
            return desk_error(response, 400, "days: expected 1..%d", STATS_DAYS_MAX);
        stats.days = (int)value;
    }
    stats.from_day = (long long)time(NULL) / 86400 - stats.days + 1;
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL)
        return -1;
    for (int s = 0; s < shards_count(shards); s++) {
        struct case_rows rows = {0};
        if (case_rows_read(shards_get(shards, s), config, s, CASES_SCAN_ALL, NULL, &rows, err,
                           err_len) != 0)
            goto cleanup;
        truncated = truncated || rows.truncated;
        int counted = 0;
        for (size_t i = 0; i < rows.count && counted == 0; i++)
            counted = stats_count(&stats, &rows.items[i]);
        case_rows_free(&rows);
        if (counted != 0) {
            error_set(err, err_len, "stats: out of memory");
            goto cleanup;
        }
    }
    cJSON *json = stats_json(&stats, truncated);
    if (json == NULL) {
        error_set(err, err_len, "stats: out of memory");
        goto cleanup;
    }
    rc = desk_json(response, 200, json);
cleanup:
    stats_free(&stats);
    return rc;
}
