/* GET /metrics: Prometheus text format 0.0.4, for any authenticated role.
 *
 * Per shard: the posts stream's length, the scorers group's pending and lag, dead letters, the
 * review queue, alerts and audit entries, and cases by status. Cases are counted by a script
 * that SCANs the shard's case keys inside Redis (one round trip per shard, O(cases) work in
 * Redis per scrape: fine for the tens of thousands of cases an election brings, and always
 * right, where counters kept beside the decisions could drift). Per live process (heartbeats):
 * netra_process_up and every counter it reports as netra_process_<counter>{process="..."}.
 * Posts scored and suspects found per minute come from the workers' counters between two
 * scrapes of this process (0 at the first). */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "desk/desk.h"
#include "desk/server.h"
#include "queue/heartbeat.h"
#include "queue/keys.h"
#include "queue/posts_stream.h"
#include "queue/redis_cmd.h"

desk_handler_fn desk_metrics;

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Returns {status, count, status, count, ...} for the case keys matching ARGV[1]. KEYS[1] is the
 * shard's review key: it names the slot, as the case keys share its hash tag. */
static const char count_cases_script[] =
    "local counts = {}\n"
    "local cursor = '0'\n"
    "repeat\n"
    "  local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)\n"
    "  cursor = page[1]\n"
    "  for _, key in ipairs(page[2]) do\n"
    "    local status = redis.call('HGET', key, 'status') or 'unknown'\n"
    "    counts[status] = (counts[status] or 0) + 1\n"
    "  end\n"
    "until cursor == '0'\n"
    "local flat = {}\n"
    "for status, count in pairs(counts) do\n"
    "  flat[#flat + 1] = status\n"
    "  flat[#flat + 1] = count\n"
    "end\n"
    "return flat\n";

struct text {
    char *data;
    size_t len, capacity;
    int oom;
};

static void text_add(struct text *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *text, const char *fmt, ...)
{
    va_list ap;
    if (text->oom)
        return;
    for (;;) {
        size_t room = text->capacity - text->len;
        va_start(ap, fmt);
        int n = vsnprintf(text->data != NULL ? text->data + text->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            text->oom = 1;
            return;
        }
        if ((size_t)n < room) {
            text->len += (size_t)n;
            return;
        }
        size_t capacity = text->capacity == 0 ? 8192 : text->capacity * 2;
        while (capacity - text->len <= (size_t)n)
            capacity *= 2;
        char *grown = realloc(text->data, capacity);
        if (grown == NULL) {
            text->oom = 1;
            return;
        }
        text->data = grown;
        text->capacity = capacity;
    }
}

/* A label value as the format wants it: \, " and newline escaped. Process names come from
 * Redis, so they are treated as any outside text. */
static void label_value(const char *value, char *out, size_t out_len)
{
    size_t used = 0;
    for (const char *p = value; *p != '\0' && used + 3 < out_len; p++) {
        if (*p == '\\' || *p == '"') {
            out[used++] = '\\';
            out[used++] = *p;
        } else if (*p == '\n') {
            out[used++] = '\\';
            out[used++] = 'n';
        } else {
            out[used++] = *p;
        }
    }
    out[used] = '\0';
}

/* Counter names become part of a metric name: [a-zA-Z0-9_] only, or they are left out. */
static int metric_name_part(const char *name)
{
    if (*name == '\0' || strlen(name) > 64)
        return 0;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
           strlen(name);
}

static void family(struct text *text, const char *name, const char *type, const char *help)
{
    text_add(text, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int integer_command(struct redis_sync *redis, long long *out, char *err, size_t err_len,
                           const char *command, const char *key)
{
    return redis_sync_integer(redis, out, err, err_len, command, key, NULL);
}

struct shard_figures {
    long long stream_length, dead_letters, review, alerts, audit, pending, lag;
    int has_lag;
};

static int group_figures(struct redis_sync *redis, const char *posts_key,
                         struct shard_figures *figures, char *err, size_t err_len)
{
    redisReply *reply = NULL;
    figures->pending = 0;
    figures->has_lag = 0;
    if (redis_sync_commandv(redis, &reply, err, err_len, "XINFO", "GROUPS", posts_key, NULL) != 0)
        return -1;
    /* No stream yet: nothing is pending. */
    if (reply->type == REDIS_REPLY_ERROR) {
        freeReplyObject(reply);
        return 0;
    }
    for (size_t g = 0; reply->type == REDIS_REPLY_ARRAY && g < reply->elements; g++) {
        const redisReply *group = reply->element[g];
        int ours = 0;
        long long pending = 0, lag = 0;
        int has_lag = 0;
        for (size_t i = 0; group->type == REDIS_REPLY_ARRAY && i + 1 < group->elements; i += 2) {
            const redisReply *field = group->element[i], *value = group->element[i + 1];
            if (!redis_reply_is_string(field))
                continue;
            if (strcmp(field->str, "name") == 0 && redis_reply_is_string(value))
                ours = strcmp(value->str, POSTS_GROUP) == 0;
            else if (strcmp(field->str, "pending") == 0)
                redis_reply_integer(value, &pending);
            else if (strcmp(field->str, "lag") == 0)
                has_lag = redis_reply_integer(value, &lag) == 0;
        }
        if (ours) {
            figures->pending = pending;
            figures->lag = lag;
            figures->has_lag = has_lag;
        }
    }
    freeReplyObject(reply);
    return 0;
}

static int shard_metrics(struct redis_sync *redis, const struct netra_config *config, int shard,
                         struct shard_figures *figures, char *err, size_t err_len)
{
    char posts[KEYS_MAX_LEN], dead[KEYS_MAX_LEN], review[KEYS_MAX_LEN], alerts[KEYS_MAX_LEN],
        audit[KEYS_MAX_LEN];
    const char *prefix = config->redis.key_prefix;
    if (keys_posts(posts, sizeof(posts), prefix, shard, err, err_len) != 0 ||
        keys_posts_dead(dead, sizeof(dead), prefix, shard, err, err_len) != 0 ||
        keys_review(review, sizeof(review), prefix, shard, err, err_len) != 0 ||
        keys_alerts(alerts, sizeof(alerts), prefix, shard, err, err_len) != 0 ||
        keys_audit(audit, sizeof(audit), prefix, shard, err, err_len) != 0)
        return -1;
    if (integer_command(redis, &figures->stream_length, err, err_len, "XLEN", posts) != 0 ||
        integer_command(redis, &figures->dead_letters, err, err_len, "XLEN", dead) != 0 ||
        integer_command(redis, &figures->review, err, err_len, "ZCARD", review) != 0 ||
        integer_command(redis, &figures->alerts, err, err_len, "XLEN", alerts) != 0 ||
        integer_command(redis, &figures->audit, err, err_len, "XLEN", audit) != 0)
        return -1;
    return group_figures(redis, posts, figures, err, err_len);
}

static int case_metrics(struct redis_sync *redis, const struct netra_config *config, int shard,
                        struct text *text, char *err, size_t err_len)
{
    char review[KEYS_MAX_LEN], pattern[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    int rc = -1;
    if (keys_review(review, sizeof(review), config->redis.key_prefix, shard, err, err_len) != 0 ||
        keys_case_pattern(pattern, sizeof(pattern), config->redis.key_prefix, shard, err,
                          err_len) != 0)
        return -1;
    if (redis_sync_commandv(redis, &reply, err, err_len, "EVAL", count_cases_script, "1", review,
                            pattern, NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "count cases", err, err_len) != 0)
        goto cleanup;
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        long long count;
        char status[64];
        if (!redis_reply_is_string(reply->element[i]) ||
            redis_reply_integer(reply->element[i + 1], &count) != 0)
            continue;
        label_value(reply->element[i]->str, status, sizeof(status));
        text_add(text, "netra_cases{shard=\"%d\",status=\"%s\"} %lld\n", shard, status, count);
    }
    rc = 0;
cleanup:
    freeReplyObject(reply);
    return rc;
}

/* The workers' totals at the previous scrape, for the per-minute rates. */
static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static long long rate_at_ms, rate_scored, rate_suspects;

static void rates(long long now_ms, long long scored, long long suspects, double *scored_per_min,
                  double *suspects_per_min)
{
    *scored_per_min = 0;
    *suspects_per_min = 0;
    pthread_mutex_lock(&rate_lock);
    /* A total that went down means a worker left; that interval tells nothing. */
    if (rate_at_ms > 0 && now_ms > rate_at_ms && scored >= rate_scored &&
        suspects >= rate_suspects) {
        double minutes = (double)(now_ms - rate_at_ms) / 60000.0;
        *scored_per_min = (double)(scored - rate_scored) / minutes;
        *suspects_per_min = (double)(suspects - rate_suspects) / minutes;
    }
    rate_at_ms = now_ms;
    rate_scored = scored;
    rate_suspects = suspects;
    pthread_mutex_unlock(&rate_lock);
}

static long long field_value(const struct heartbeat_proc *proc, const char *name, int *found)
{
    for (size_t i = 0; i < proc->field_count; i++) {
        if (strcmp(proc->fields[i].name, name) == 0) {
            char *end;
            long long value = strtoll(proc->fields[i].value, &end, 10);
            *found = *end == '\0' && end != proc->fields[i].value;
            return *found ? value : 0;
        }
    }
    *found = 0;
    return 0;
}

static void process_metrics(const struct heartbeat_proc *procs, size_t count, struct text *text)
{
    family(text, "netra_processes_live", "gauge", "processes whose heartbeat is alive");
    text_add(text, "netra_processes_live %zu\n", count);
    family(text, "netra_process_up", "gauge", "1 for each live process");
    for (size_t p = 0; p < count; p++) {
        char name[256];
        label_value(procs[p].name, name, sizeof(name));
        text_add(text, "netra_process_up{process=\"%s\"} 1\n", name);
    }
    /* One family per counter name, with every process that reports it. */
    for (size_t p = 0; p < count; p++) {
        for (size_t f = 0; f < procs[p].field_count; f++) {
            const char *counter = procs[p].fields[f].name;
            int seen_before = 0, found;
            if (!metric_name_part(counter) || strcmp(counter, "last_seen") == 0)
                continue;
            for (size_t q = 0; q < p && !seen_before; q++) {
                field_value(&procs[q], counter, &found);
                seen_before = found;
            }
            for (size_t g = 0; g < f && !seen_before; g++)
                seen_before = strcmp(procs[p].fields[g].name, counter) == 0;
            if (seen_before)
                continue;
            char metric[96];
            snprintf(metric, sizeof(metric), "netra_process_%s", counter);
            family(text, metric, "gauge", "a counter from the process's heartbeat");
            for (size_t q = p; q < count; q++) {
                long long value = field_value(&procs[q], counter, &found);
                if (!found)
                    continue;
                char name[256];
                label_value(procs[q].name, name, sizeof(name));
                text_add(text, "%s{process=\"%s\"} %lld\n", metric, name, value);
            }
        }
    }
}

int desk_metrics(struct desk *desk, const struct desk_request *request,
                 struct desk_response *response, char *err, size_t err_len)
{
    const struct netra_config *config = desk_config(desk);
    struct text text = {NULL, 0, 0, 0};
    struct heartbeat_proc *procs = NULL;
    size_t proc_count = 0;
    struct shard_figures *figures = NULL;
    int rc = -1;
    (void)request;
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL)
        goto cleanup;
    int count = shards_count(shards);
    if ((figures = calloc((size_t)count, sizeof(*figures))) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    for (int shard = 0; shard < count; shard++)
        if (shard_metrics(shards_get(shards, shard), config, shard, &figures[shard], err,
                          err_len) != 0)
            goto cleanup;
    const struct {
        const char *name, *help;
        size_t offset;
    } per_shard[] = {
        {"netra_stream_length", "entries in the shard's posts stream",
         offsetof(struct shard_figures, stream_length)},
        {"netra_stream_pending", "posts delivered to a worker and not yet acknowledged",
         offsetof(struct shard_figures, pending)},
        {"netra_dead_letters", "entries in the shard's posts:dead stream",
         offsetof(struct shard_figures, dead_letters)},
        {"netra_review_queue", "cases waiting in the shard's review queue",
         offsetof(struct shard_figures, review)},
        {"netra_alerts", "confirmed findings in the shard's alerts stream",
         offsetof(struct shard_figures, alerts)},
        {"netra_audit_entries", "entries in the shard's audit stream",
         offsetof(struct shard_figures, audit)},
    };
    for (size_t m = 0; m < sizeof(per_shard) / sizeof(per_shard[0]); m++) {
        family(&text, per_shard[m].name, "gauge", per_shard[m].help);
        for (int shard = 0; shard < count; shard++)
            text_add(&text, "%s{shard=\"%d\"} %lld\n", per_shard[m].name, shard,
                     *(const long long *)((const char *)&figures[shard] + per_shard[m].offset));
    }
    family(&text, "netra_stream_lag", "gauge", "posts not yet delivered to any worker");
    for (int shard = 0; shard < count; shard++)
        if (figures[shard].has_lag)
            text_add(&text, "netra_stream_lag{shard=\"%d\"} %lld\n", shard, figures[shard].lag);
    family(&text, "netra_cases", "gauge", "cases by review status");
    for (int shard = 0; shard < count; shard++)
        if (case_metrics(shards_get(shards, shard), config, shard, &text, err, err_len) != 0)
            goto cleanup;

    if (heartbeat_list(shards_get(shards, 0), config, &procs, &proc_count, err, err_len) != 0)
        goto cleanup;
    process_metrics(procs, proc_count, &text);
    long long scored = 0, suspects = 0;
    for (size_t p = 0; p < proc_count; p++) {
        int found;
        scored += field_value(&procs[p], "scored", &found);
        suspects += field_value(&procs[p], "suspect", &found);
    }
    double scored_per_min, suspects_per_min;
    rates(desk_now_ms(), scored, suspects, &scored_per_min, &suspects_per_min);
    family(&text, "netra_posts_scored_per_minute", "gauge",
           "posts scored by the live workers per minute since the previous scrape");
    text_add(&text, "netra_posts_scored_per_minute %.3f\n", scored_per_min);
    family(&text, "netra_suspects_per_minute", "gauge",
           "suspect posts found by the live workers per minute since the previous scrape");
    text_add(&text, "netra_suspects_per_minute %.3f\n", suspects_per_min);
    if (text.oom) {
        error_set(err, err_len, "metrics: out of memory");
        goto cleanup;
    }
    response->status = 200;
    response->content_type = METRICS_TYPE;
    response->body = text.data;
    response->body_len = text.len;
    text.data = NULL;
    rc = 0;
cleanup:
    free(text.data);
    free(figures);
    heartbeat_list_free(procs, proc_count);
    return rc;
}
