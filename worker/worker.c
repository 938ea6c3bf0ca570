#include "worker/worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/log.h"
#include "queue/cases.h"
#include "queue/evidence.h"
#include "queue/heartbeat.h"
#include "queue/keys.h"
#include "queue/posts_stream.h"
#include "queue/shards.h"
#include "worker/cases.h"
#include "worker/score.h"

/* Reclaim pages (of stream.batch messages) per shard per round, so new messages are not starved
 * by a large backlog of a dead consumer; the rest comes in the next rounds. */
#define WORKER_RECLAIM_PAGES 8

struct worker {
    const struct netra_config *config;
    /* The config for reads: with several shards each read blocks a share of stream.block_ms, so
     * an idle round still takes about block_ms and no shard waits for another's timeout. */
    struct netra_config read_config;
    char name[129];
    struct shards *shards;
    struct scorer *scorer;
    struct score_scratch scratch;
    struct score_thresholds thresholds;
    struct evidence_head *heads; /* per shard: the cached chain head */
    long long next_reclaim_ms;
    struct worker_counters counters;
};

/* What became of one message. */
enum outcome { OUTCOME_ACK, OUTCOME_DEAD, OUTCOME_RETRY };

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void worker_close(struct worker *worker)
{
    if (worker == NULL)
        return;
    shards_close(worker->shards);
    scorer_free(worker->scorer);
    score_scratch_free(&worker->scratch);
    free(worker->heads);
    free(worker);
}

int worker_open(const struct netra_config *config, const char *name, struct worker **out,
                char *err, size_t err_len)
{
    struct worker *worker = NULL;
    int rc = -1;
    *out = NULL;
    if (name == NULL || name[0] == '\0' || strlen(name) > 128)
        return error_set(err, err_len, "worker name must be 1..128 bytes");
    if ((worker = calloc(1, sizeof(*worker))) == NULL)
        return error_set(err, err_len, "out of memory");
    score_scratch_init(&worker->scratch);
    worker->config = config;
    worker->read_config = *config;
    int shards = config->redis.shards < 1 ? 1 : config->redis.shards;
    worker->read_config.stream.block_ms =
        config->stream.block_ms / shards > 0 ? config->stream.block_ms / shards : 1;
    snprintf(worker->name, sizeof(worker->name), "%s", name);
    worker->thresholds.political = config->worker.political_threshold;
    worker->thresholds.suspect = config->worker.suspect_threshold;
    if ((worker->heads = calloc((size_t)shards, sizeof(*worker->heads))) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < shards; i++)
        evidence_head_init(&worker->heads[i]);
    if (scorer_load(config->worker.rules_dir, &worker->scorer, err, err_len) != 0)
        goto cleanup;
    *out = worker;
    worker = NULL;
    rc = 0;

cleanup:
    worker_close(worker);
    return rc;
}

int worker_connect(struct worker *worker, char *err, size_t err_len)
{
    if (worker->shards == NULL &&
        shards_open(worker->config, &worker->shards, err, err_len) != 0)
        return -1;
    /* Reclaiming needs the group, which a first read would otherwise create. */
    for (int shard = 0; shard < shards_count(worker->shards); shard++)
        if (posts_stream_create_group(shards_get(worker->shards, shard), worker->config, shard,
                                      err, err_len) != 0)
            return -1;
    return 0;
}

const struct worker_counters *worker_counters(const struct worker *worker)
{
    return &worker->counters;
}

static void count_verdict(struct worker_counters *counters, enum score_verdict verdict)
{
    counters->scored++;
    if (verdict == SCORE_SUSPECT)
        counters->suspect++;
    else if (verdict == SCORE_POLITICAL)
        counters->political++;
    else
        counters->clear++;
}

/* Records draft; when the script finds a case that keeps this as a new version, builds the
 * evidence (left out for a post not suspect, to spare deflating posts under no case) and
 * records again. */
static int record_with_versions(struct worker *worker, int shard,
                                const struct post_message *message, struct case_draft *draft,
                                struct record_outcome *outcome, char *err, size_t err_len)
{
    struct redis_sync *redis = shards_get(worker->shards, shard);
    if (cases_record(redis, worker->config, shard, &draft->record, &worker->heads[shard],
                     outcome, err, err_len) != 0)
        return -1;
    if (!outcome->needs_evidence)
        return 0;
    if (case_draft_add_evidence(message, draft, err, err_len) != 0 ||
        cases_record(redis, worker->config, shard, &draft->record, &worker->heads[shard],
                     outcome, err, err_len) != 0)
        return -1;
    if (outcome->needs_evidence)
        return error_set(err, err_len, "post %s: the case asked for evidence it was given",
                         message->id);
    return 0;
}

/* Scores and records one decoded message; the reason for a dead letter goes to reason. */
static enum outcome record_post(struct worker *worker, int shard, const struct posts_entry *entry,
                                char *reason, size_t reason_len)
{
    const struct post_message *message = entry->message;
    struct case_draft draft;
    struct score_result result;
    struct record_outcome outcome;
    char err[NETRA_ERR_LEN];

    if (message->account == NULL || message->account[0] == '\0') {
        error_set(reason, reason_len, "post %s: no account", message->id);
        return OUTCOME_DEAD;
    }
    int home = keys_shard(message->account, shards_count(worker->shards));
    if (home != shard) {
        error_set(reason, reason_len, "post %s: account %s belongs to shard %d, not %d",
                  message->id, message->account, home, shard);
        return OUTCOME_DEAD;
    }
    if (score_post(worker->scorer, &worker->scratch, message, message->region,
                   &worker->thresholds, &result, err, sizeof(err)) != 0 ||
        case_draft_build(message, entry->id, &result, &draft, err, sizeof(err)) != 0) {
        log_error("shard %d entry %s: %s", shard, entry->id, err);
        worker->counters.errors++;
        return OUTCOME_RETRY;
    }
    enum outcome done = OUTCOME_ACK;
    if (draft.rescan_refused) {
        log_warn("shard %d entry %s: post %s: rescan id not valid, not counted in a rescan",
                 shard, entry->id, message->id);
        worker->counters.errors++;
    }
    if (cases_record_check(worker->config, shard, &draft.record, err, sizeof(err)) != 0) {
        error_set(reason, reason_len, "post %.100s: %s", message->id, err);
        done = OUTCOME_DEAD;
    } else if (record_with_versions(worker, shard, message, &draft, &outcome, err,
                                    sizeof(err)) != 0) {
        log_error("shard %d entry %s: %s", shard, entry->id, err);
        worker->counters.errors++;
        done = OUTCOME_RETRY;
    } else if (outcome.duplicate) {
        worker->counters.duplicates++;
    } else {
        count_verdict(&worker->counters, result.verdict);
        if (outcome.kase == CASE_CREATED) {
            worker->counters.cases_created++;
            log_info("case %s opened: post %s of %s, partisan %.3f, evidence link %lld",
                     draft.record.case_id, message->id, message->account, result.partisan,
                     outcome.chain_position);
        } else if (outcome.kase == CASE_VERSION) {
            worker->counters.case_versions++;
            log_info("case %s: version %lld of post %s kept (%s), evidence link %lld",
                     draft.record.case_id, outcome.version, message->id, draft.record.verdict,
                     outcome.chain_position);
        } else if (outcome.kase == CASE_VERSION_DROPPED) {
            worker->counters.versions_dropped++;
            log_warn("case %s: post %s edited again but the case holds %d versions already: "
                     "this one is not kept", draft.record.case_id, message->id,
                     CASES_MAX_VERSIONS);
        }
    }
    case_draft_free(&draft);
    return done;
}

/* Records every message of batch, then dead-letters and acknowledges what it can. A Redis
 * failure stops the batch: the rest stays pending for reclaim. */
static int process_batch(struct worker *worker, int shard, const struct posts_batch *batch,
                         char *err, size_t err_len)
{
    const char **acks = NULL, **dead = NULL;
    char **reasons = NULL;
    size_t ack_count = 0, dead_count = 0;
    int failed = 0, rc = -1;
    struct redis_sync *redis = shards_get(worker->shards, shard);
    if (batch->count == 0)
        return 0;
    acks = calloc(batch->count, sizeof(*acks));
    dead = calloc(batch->count, sizeof(*dead));
    reasons = calloc(batch->count, sizeof(*reasons));
    if (acks == NULL || dead == NULL || reasons == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < batch->count && !failed; i++) {
        const struct posts_entry *entry = &batch->entries[i];
        char reason[NETRA_ERR_LEN];
        enum outcome outcome = OUTCOME_DEAD;
        if (entry->message == NULL)
            error_set(reason, sizeof(reason), "malformed: %s", entry->error);
        else
            outcome = record_post(worker, shard, entry, reason, sizeof(reason));
        if (outcome == OUTCOME_ACK) {
            acks[ack_count++] = entry->id;
        } else if (outcome == OUTCOME_DEAD) {
            log_warn("shard %d entry %s: to dead letters: %s", shard, entry->id, reason);
            if ((reasons[dead_count] = strdup(reason)) == NULL) {
                error_set(err, err_len, "out of memory");
                goto cleanup;
            }
            dead[dead_count++] = entry->id;
        } else {
            failed = 1;
        }
    }
    long long moved = 0;
    if ((dead_count > 0 &&
         posts_stream_dead_letter(redis, worker->config, shard, dead,
                                  (const char *const *)reasons, dead_count, &moved, err,
                                  err_len) != 0) ||
        posts_stream_ack(redis, worker->config, shard, acks, ack_count, err, err_len) != 0)
        goto cleanup;
    worker->counters.dead_lettered += moved;
    if (failed) {
        error_set(err, err_len, "shard %d: a record failed; the rest of the batch waits", shard);
        goto cleanup;
    }
    rc = 0;

cleanup:
    for (size_t i = 0; reasons != NULL && i < dead_count; i++)
        free(reasons[i]);
    free(reasons);
    free(dead);
    free(acks);
    return rc;
}

static int reclaim_shard(struct worker *worker, int shard, char *err, size_t err_len)
{
    char start[POSTS_ENTRY_ID_LEN] = "0-0";
    struct redis_sync *redis = shards_get(worker->shards, shard);
    for (int page = 0; page < WORKER_RECLAIM_PAGES; page++) {
        struct posts_batch batch;
        if (posts_stream_reclaim(redis, worker->config, shard, worker->name, start, &batch, err,
                                 err_len) != 0)
            return -1;
        worker->counters.reclaimed += (long long)batch.count;
        worker->counters.dead_lettered += batch.dead;
        if (batch.count > 0 || batch.dead > 0)
            log_info("shard %d: took over %zu idle messages, %lld to dead letters", shard,
                     batch.count, batch.dead);
        int rc = process_batch(worker, shard, &batch, err, err_len);
        memcpy(start, batch.next, sizeof(start));
        posts_batch_free(&batch);
        if (rc != 0)
            return -1;
        if (strcmp(start, "0-0") == 0)
            break;
    }
    return 0;
}

/* Reclaims (when due) and reads one batch on shard. */
static int shard_round(struct worker *worker, int shard, int reclaim, char *err, size_t err_len)
{
    struct posts_batch batch;
    if (reclaim && reclaim_shard(worker, shard, err, err_len) != 0)
        return -1;
    if (posts_stream_read(shards_get(worker->shards, shard), &worker->read_config, shard,
                          worker->name, &batch, err, err_len) != 0)
        return -1;
    int rc = process_batch(worker, shard, &batch, err, err_len);
    posts_batch_free(&batch);
    return rc;
}

int worker_round(struct worker *worker, char *err, size_t err_len)
{
    char problem[NETRA_ERR_LEN];
    long long now = monotonic_ms();
    int reclaim = now >= worker->next_reclaim_ms, rc = 0;
    if (reclaim)
        worker->next_reclaim_ms = now + worker->config->stream.reclaim_idle_ms / 2;
    /* A shard whose Redis fails does not hold up the others; the first failure is reported. */
    for (int shard = 0; shard < shards_count(worker->shards); shard++) {
        if (shard_round(worker, shard, reclaim, problem, sizeof(problem)) != 0 && rc == 0) {
            error_set(err, err_len, "%s", problem);
            rc = -1;
        }
    }
    return rc;
}

int worker_reload(struct worker *worker, char *err, size_t err_len)
{
    struct scorer *scorer = NULL;
    worker->counters.reloads++;
    if (scorer_load(worker->config->worker.rules_dir, &scorer, err, err_len) != 0) {
        worker->counters.reload_failures++;
        return -1;
    }
    scorer_free(worker->scorer);
    worker->scorer = scorer;
    return 0;
}

int worker_beat(struct worker *worker, char *err, size_t err_len)
{
    const struct worker_counters *c = &worker->counters;
    const struct heartbeat_counter counters[] = {
        {"scored", c->scored},
        {"clear", c->clear},
        {"political", c->political},
        {"suspect", c->suspect},
        {"cases_created", c->cases_created},
        {"case_versions", c->case_versions},
        {"versions_dropped", c->versions_dropped},
        {"duplicates", c->duplicates},
        {"dead_lettered", c->dead_lettered},
        {"reclaimed", c->reclaimed},
        {"errors", c->errors},
        {"reloads", c->reloads},
        {"reload_failures", c->reload_failures},
    };
    return heartbeat_beat(shards_get(worker->shards, 0), worker->config, worker->name, counters,
                          sizeof(counters) / sizeof(counters[0]), err, err_len);
}

int worker_run(struct worker *worker, volatile sig_atomic_t *stop,
               volatile sig_atomic_t *reload)
{
    char err[NETRA_ERR_LEN];
    long long next_beat = 0;
    log_info("%s: scoring with the rulesets of %s", worker->name,
             worker->config->worker.rules_dir);
    while (!*stop) {
        if (*reload) {
            *reload = 0;
            if (worker_reload(worker, err, sizeof(err)) != 0)
                log_error("rulesets not reloaded, the old ones stay in use: %s", err);
            else
                log_info("rulesets reloaded from %s", worker->config->worker.rules_dir);
        }
        if (worker_round(worker, err, sizeof(err)) != 0) {
            worker->counters.errors++;
            log_error("%s", err);
            sleep_ms(worker->config->redis.reconnect_min_ms);
        }
        long long now = monotonic_ms();
        if (now >= next_beat) {
            next_beat = now + worker->config->process.heartbeat_interval_ms;
            if (worker_beat(worker, err, sizeof(err)) != 0)
                log_warn("heartbeat: %s", err);
        }
    }
    if (worker_beat(worker, err, sizeof(err)) != 0)
        log_warn("heartbeat: %s", err);
    log_info("%s: stopped after %lld posts scored, %lld cases opened", worker->name,
             worker->counters.scored, worker->counters.cases_created);
    return 0;
}
