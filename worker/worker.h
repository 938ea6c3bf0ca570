/* worker: the loop of netra-worker. Each round, on every shard: take over the messages other
 * consumers left idle for stream.reclaim_idle_ms (checked every half of that), then read a batch
 * of new messages through the consumer group "scorers"; score each post and record it
 * (worker/cases.h, queue/cases.h); acknowledge the batch only after its records are written.
 *
 * Nothing is lost and nothing counts twice: a message whose record failed (Redis) stays pending
 * and comes back through reclaim, and recording is idempotent per stream entry, so a message
 * recorded by a worker that died before acknowledging it writes nothing the second time. A
 * message that can never be recorded (undecodable, no account, an account of another shard, an
 * id too long for a key) goes to posts:dead with the reason and never stops the batch. A
 * message delivered more than stream.max_deliveries times goes there too (posts_stream_reclaim).
 *
 * The rulesets come from worker.rules_dir; worker_reload() compiles them again and keeps the old
 * ones when the new ones are refused. Scoring uses the region the crawler put in the message.
 * The worker's name is its consumer name and its heartbeat's. One thread; struct worker is the
 * caller's: worker_close(). */
#ifndef NETRA_WORKER_WORKER_H
#define NETRA_WORKER_WORKER_H

#include <signal.h>
#include <stddef.h>

#include "config/config.h"

struct worker_counters {
    long long scored;         /* messages recorded (a redelivered one is not counted again) */
    long long clear, political, suspect; /* of scored, by verdict */
    long long cases_created;
    long long duplicates;     /* messages found recorded already (redelivered) */
    long long dead_lettered;  /* by this worker, for a reason or too many deliveries */
    long long reclaimed;      /* messages taken over from consumers that went idle */
    long long errors;         /* Redis failures, rescan ids refused */
    long long reloads;        /* rulesets compiled again on request ... */
    long long reload_failures; /* ... and refused, the old ones kept */
    long long case_versions;    /* new versions of a post kept by its case (queue/cases.h) */
    long long versions_dropped; /* ... and not kept: the case held CASES_MAX_VERSIONS */
};

struct worker;

/* Compiles the rulesets (-1 with err naming file, path and problem when refused). name:
 * 1..128 bytes. config must outlive the worker. */
int worker_open(const struct netra_config *config, const char *name, struct worker **out,
                char *err, size_t err_len);
/* Connects to every shard and creates the consumer group where it is missing; needed once
 * before the calls below. -1 with err when a shard's Redis cannot be reached (try again). */
int worker_connect(struct worker *worker, char *err, size_t err_len);
void worker_close(struct worker *worker);

/* One round over every shard (see the top). -1 with err when Redis failed on a shard; the
 * other shards had their round, and what the failed one could not finish comes back through
 * reclaim. */
int worker_round(struct worker *worker, char *err, size_t err_len);

/* Compiles worker.rules_dir again. -1 with err (the old rulesets stay in use) when refused. */
int worker_reload(struct worker *worker, char *err, size_t err_len);

/* Writes the heartbeat proc:<name> with the counters. */
int worker_beat(struct worker *worker, char *err, size_t err_len);

const struct worker_counters *worker_counters(const struct worker *worker);

/* Rounds until *stop is set (after finishing and acknowledging the batch in hand); rulesets
 * reloaded whenever *reload is set; a heartbeat every process.heartbeat_interval_ms. Failures
 * are logged, counted and waited out; it returns 0 once stopped. */
int worker_run(struct worker *worker, volatile sig_atomic_t *stop,
               volatile sig_atomic_t *reload);

#endif
