/* netra status: what is in Redis right now, per shard, and which processes are alive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli/commands.h"
#include "config/config.h"
#include "config/log.h"
#include "queue/heartbeat.h"
#include "queue/posts_stream.h"
#include "queue/retention.h"
#include "queue/sched.h"
#include "queue/shards.h"

static const char usage_text[] =
    "usage: netra status [--json]\n\n"
    "Per shard: accounts scheduled, due now and claimed, posts stream length, messages pending\n"
    "per consumer group, dead letters, and the engagement schedule (follows, likes): accounts,\n"
    "due now, claimed; what is held of each kind of data (count, oldest item, and the lifetime\n"
    "the config gives it: see `netra purge`); then every live process with its counters. --json\n"
    "adds every scheduled account with its next due time (Unix ms). Results are counted by a\n"
    "SCAN bounded at 100000 keys per shard: a larger count reads as \"at least\".\n";

struct shard_status {
    struct sched_counts counts;
    struct sched_counts engage;
    struct posts_stream_stats stream;
    struct retention_holdings held;
    struct sched_entry *schedule;
    size_t schedule_count;
};

static void shard_status_free(struct shard_status *status)
{
    posts_stream_stats_free(&status->stream);
    sched_entries_free(status->schedule, status->schedule_count);
}

/* The schedule is read only for --json: it lists every account, which the text form (a liveness
 * probe's) must not pay for with millions of them. */
static int shard_status_read(struct shards *shards, const struct netra_config *config, int shard,
                             int with_schedule, struct shard_status *out, char *err,
                             size_t err_len)
{
    struct redis_sync *redis = shards_get(shards, shard);
    memset(out, 0, sizeof(*out));
    if (sched_counts(redis, config, SCHED_POSTS, shard, &out->counts, err, err_len) != 0 ||
        sched_counts(redis, config, SCHED_ENGAGE, shard, &out->engage, err, err_len) != 0 ||
        posts_stream_stats(redis, config, shard, &out->stream, err, err_len) != 0 ||
        retention_holdings_read(redis, config, shard, &out->held, err, err_len) != 0 ||
        (with_schedule && sched_list(redis, config, SCHED_POSTS, shard, &out->schedule,
                                     &out->schedule_count, err, err_len) != 0)) {
        shard_status_free(out);
        return -1;
    }
    return 0;
}


/* What a shard holds, kind by kind, with the lifetime each is kept for (days; 0 forever, -1
 * while a reviewer has not decided). */
struct held_kind {
    const char *name;
    const struct retention_holding *holding;
    double lifetime_days;
};

static size_t held_kinds(const struct shard_status *s, const struct netra_config *config,
                         struct held_kind out[9])
{
    const struct retention_holdings *h = &s->held;
    const struct held_kind kinds[] = {
        {"posts", &h->posts, config->retention.unflagged_days},
        {"dead_letters", &h->dead_letters, config->retention.unflagged_days},
        {"results", &h->results, config->retention.unflagged_days},
        {"pending_cases", &h->pending_cases, -1},
        {"dismissed_cases", &h->dismissed_cases, config->retention.dismissed_days},
        {"confirmed_cases", &h->confirmed_cases, config->retention.confirmed_days},
        {"evidence_links", &h->evidence_links, 0},
        {"alerts", &h->alerts, config->retention.confirmed_days},
        {"audit", &h->audit, config->retention.audit_days},
    };
    memcpy(out, kinds, sizeof(kinds));
    return sizeof(kinds) / sizeof(kinds[0]);
}

static void utc_text(long long ms, char out[32])
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || gmtime_r(&seconds, &tm) == NULL ||
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "-");
}

static void print_held(const struct shard_status *s, const struct netra_config *config)
{
    struct held_kind kinds[9];
    size_t count = held_kinds(s, config, kinds);
    for (size_t k = 0; k < count; k++) {
        char oldest[32], lifetime[48];
        utc_text(kinds[k].holding->oldest_ms, oldest);
        if (kinds[k].lifetime_days < 0)
            snprintf(lifetime, sizeof(lifetime), "until decided");
        else if (kinds[k].lifetime_days == 0)
            snprintf(lifetime, sizeof(lifetime), "kept forever");
        else
            snprintf(lifetime, sizeof(lifetime), "kept %g days", kinds[k].lifetime_days);
        printf("  held %-16s %s%lld, oldest %s, %s\n", kinds[k].name,
               kinds[k].holding == &s->held.results && !s->held.results_exact ? "at least " : "",
               kinds[k].holding->count, oldest, lifetime);
    }
}

static void print_text(const struct shard_status *shards, int count,
                       const struct netra_config *config, const struct heartbeat_proc *procs,
                       size_t proc_count)
{
    for (int i = 0; i < count; i++) {
        const struct shard_status *s = &shards[i];
        printf("shard %d: accounts %lld, due now %lld, claimed %lld, stream %lld, dead letters "
               "%lld\n",
               i, s->counts.scheduled, s->counts.due, s->counts.leased, s->stream.length,
               s->stream.dead);
        printf("  engagement: accounts %lld, due now %lld, claimed %lld\n", s->engage.scheduled,
               s->engage.due, s->engage.leased);
        for (size_t g = 0; g < s->stream.group_count; g++)
            printf("  group %s: pending %lld, consumers %lld\n", s->stream.groups[g].name,
                   s->stream.groups[g].pending, s->stream.groups[g].consumers);
        print_held(s, config);
    }
    printf("processes: %zu live\n", proc_count);
    for (size_t i = 0; i < proc_count; i++) {
        printf("  %s", procs[i].name);
        for (size_t f = 0; f < procs[i].field_count; f++)
            if (strcmp(procs[i].fields[f].name, "name") != 0)
                printf(" %s=%s", procs[i].fields[f].name, procs[i].fields[f].value);
        printf("\n");
    }
}

static int held_json(cJSON *shard, const struct shard_status *s,
                     const struct netra_config *config)
{
    struct held_kind kinds[9];
    size_t count = held_kinds(s, config, kinds);
    cJSON *held = cJSON_AddObjectToObject(shard, "held");
    for (size_t k = 0; held != NULL && k < count; k++) {
        cJSON *kind = cJSON_AddObjectToObject(held, kinds[k].name);
        if (kind == NULL ||
            cJSON_AddNumberToObject(kind, "count", (double)kinds[k].holding->count) == NULL ||
            (kinds[k].holding->oldest_ms > 0
                 ? cJSON_AddNumberToObject(kind, "oldest_ms", (double)kinds[k].holding->oldest_ms)
                 : cJSON_AddNullToObject(kind, "oldest_ms")) == NULL ||
            (kinds[k].lifetime_days < 0
                 ? cJSON_AddNullToObject(kind, "lifetime_days")
                 : cJSON_AddNumberToObject(kind, "lifetime_days", kinds[k].lifetime_days)) ==
                NULL ||
            (kinds[k].holding == &s->held.results &&
             cJSON_AddBoolToObject(kind, "exact", s->held.results_exact) == NULL))
            return -1;
    }
    return held != NULL ? 0 : -1;
}

static cJSON *shard_json(const struct shard_status *s, int shard,
                         const struct netra_config *config)
{
    cJSON *o = cJSON_CreateObject(), *groups = NULL, *schedule = NULL, *engage = NULL;
    if (o == NULL || cJSON_AddNumberToObject(o, "shard", shard) == NULL ||
        cJSON_AddNumberToObject(o, "accounts", (double)s->counts.scheduled) == NULL ||
        cJSON_AddNumberToObject(o, "due", (double)s->counts.due) == NULL ||
        cJSON_AddNumberToObject(o, "claimed", (double)s->counts.leased) == NULL ||
        cJSON_AddNumberToObject(o, "stream_length", (double)s->stream.length) == NULL ||
        cJSON_AddNumberToObject(o, "dead_letters", (double)s->stream.dead) == NULL ||
        (engage = cJSON_AddObjectToObject(o, "engagement")) == NULL ||
        cJSON_AddNumberToObject(engage, "accounts", (double)s->engage.scheduled) == NULL ||
        cJSON_AddNumberToObject(engage, "due", (double)s->engage.due) == NULL ||
        cJSON_AddNumberToObject(engage, "claimed", (double)s->engage.leased) == NULL ||
        (groups = cJSON_AddArrayToObject(o, "groups")) == NULL ||
        (schedule = cJSON_AddArrayToObject(o, "schedule")) == NULL ||
        held_json(o, s, config) != 0)
        goto fail;
    for (size_t g = 0; g < s->stream.group_count; g++) {
        cJSON *group = cJSON_CreateObject();
        if (group == NULL || !cJSON_AddItemToArray(groups, group) ||
            cJSON_AddStringToObject(group, "name", s->stream.groups[g].name) == NULL ||
            cJSON_AddNumberToObject(group, "pending", (double)s->stream.groups[g].pending) ==
                NULL ||
            cJSON_AddNumberToObject(group, "consumers", (double)s->stream.groups[g].consumers) ==
                NULL)
            goto fail;
    }
    for (size_t i = 0; i < s->schedule_count; i++) {
        cJSON *entry = cJSON_CreateObject();
        if (entry == NULL || !cJSON_AddItemToArray(schedule, entry) ||
            cJSON_AddStringToObject(entry, "account", s->schedule[i].account) == NULL ||
            cJSON_AddNumberToObject(entry, "due_ms", (double)s->schedule[i].due_ms) == NULL)
            goto fail;
    }
    return o;

fail:
    cJSON_Delete(o);
    return NULL;
}

static cJSON *procs_json(const struct heartbeat_proc *procs, size_t count)
{
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; array != NULL && i < count; i++) {
        cJSON *proc = cJSON_CreateObject(), *fields = NULL;
        if (proc == NULL || !cJSON_AddItemToArray(array, proc) ||
            cJSON_AddStringToObject(proc, "name", procs[i].name) == NULL ||
            cJSON_AddNumberToObject(proc, "ttl_ms", (double)procs[i].ttl_ms) == NULL ||
            (fields = cJSON_AddObjectToObject(proc, "fields")) == NULL) {
            cJSON_Delete(array);
            return NULL;
        }
        for (size_t f = 0; f < procs[i].field_count; f++) {
            if (cJSON_AddStringToObject(fields, procs[i].fields[f].name,
                                        procs[i].fields[f].value) == NULL) {
                cJSON_Delete(array);
                return NULL;
            }
        }
    }
    return array;
}

static int print_json(const struct shard_status *shards, int count,
                      const struct netra_config *config, const struct heartbeat_proc *procs,
                      size_t proc_count)
{
    cJSON *root = cJSON_CreateObject(), *array = NULL, *processes = NULL;
    char *text = NULL;
    int rc = -1;
    if (root == NULL || (array = cJSON_AddArrayToObject(root, "shards")) == NULL)
        goto cleanup;
    for (int i = 0; i < count; i++) {
        cJSON *shard = shard_json(&shards[i], i, config);
        if (shard == NULL || !cJSON_AddItemToArray(array, shard)) {
            cJSON_Delete(shard);
            goto cleanup;
        }
    }
    if ((processes = procs_json(procs, proc_count)) == NULL ||
        !cJSON_AddItemToObject(root, "processes", processes)) {
        cJSON_Delete(processes);
        goto cleanup;
    }
    if ((text = cJSON_Print(root)) == NULL)
        goto cleanup;
    printf("%s\n", text);
    rc = 0;

cleanup:
    free(text);
    cJSON_Delete(root);
    return rc;
}

int cmd_status(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--json") != 0) {
            fprintf(stderr, "netra status: unknown argument \"%s\"\n\n%s", argv[i], usage_text);
            return 2;
        }
        json = 1;
    }
    char err[NETRA_ERR_LEN];
    struct netra_config *config = NULL;
    struct shards *shards = NULL;
    struct shard_status *status = NULL;
    struct heartbeat_proc *procs = NULL;
    size_t proc_count = 0;
    int read = 0, rc = 1;
    if (config_load(NULL, &config, err, sizeof(err)) != 0 ||
        shards_open(config, &shards, err, sizeof(err)) != 0)
        goto cleanup;
    status = calloc((size_t)shards_count(shards), sizeof(*status));
    if (status == NULL) {
        error_set(err, sizeof(err), "out of memory");
        goto cleanup;
    }
    for (; read < shards_count(shards); read++)
        if (shard_status_read(shards, config, read, json, &status[read], err, sizeof(err)) != 0)
            goto cleanup;
    if (heartbeat_list(shards_get(shards, 0), config, &procs, &proc_count, err, sizeof(err)) != 0)
        goto cleanup;
    if (json) {
        if (print_json(status, read, config, procs, proc_count) != 0) {
            error_set(err, sizeof(err), "out of memory");
            goto cleanup;
        }
    } else {
        print_text(status, read, config, procs, proc_count);
    }
    rc = 0;

cleanup:
    if (rc != 0)
        fprintf(stderr, "netra status: %s\n", err);
    heartbeat_list_free(procs, proc_count);
    for (int i = 0; i < read; i++)
        shard_status_free(&status[i]);
    free(status);
    shards_close(shards);
    config_free(config);
    return rc;
}
