/* evidence: checking the chains and handing one case's evidence to a third party.
 *
 * evidence_verify() walks one shard's chain from its first link up to the head it read first
 * (links appended meanwhile wait for the next run) and recomputes every link from what its case
 * holds (queue/evidence.h gives the hashes): the raw bytes inflated and hashed, the message
 * hashed and decoded, the case id derived from the message's account and post id, the evidence
 * hash and the link hash, each compared with what is stored, and the link's prev with the hash
 * of the link before it. So an altered byte, hash or field, a deleted, inserted or reordered
 * entry, or a missing case breaks the link where it happened; a deleted tail is found by the
 * head. It stops at the first broken link and reports its position, entry, case and why. A
 * link names the version of its case's post it covers (queue/cases.h); each version is checked
 * as the case's first is, from its own fields, and must point back at its own link.
 * A case purged by retention (queue/retention.h) is a tombstone: its link is verified from the
 * hashes it kept (raw_sha256 and message_sha256 make up its evidence, which the link covers
 * with its fetched_at), and counted as purged, not reported as missing.
 *
 * evidence_export() builds one case's bundle: a JSON object with the post message (as stored
 * and decoded), the raw bytes in base64, every hash, the link (position, prev, hash), the next
 * link and the head, the same for each later version of the post (later_versions), and the
 * steps that verify it with sha256sum, base64 and jq alone (docs/evidence.md). A case any of
 * whose versions does not verify is refused. */
#ifndef NETRA_WORKER_EVIDENCE_H
#define NETRA_WORKER_EVIDENCE_H

#include <stddef.h>

#include "config/config.h"
#include "config/log.h"
#include "queue/cases.h"
#include "queue/evidence.h"
#include "queue/redis_sync.h"
#include "queue/shards.h"

struct evidence_report {
    long long links;     /* links verified (before the broken one, if any) */
    long long purged;    /* of them, links whose case retention purged (a tombstone) */
    int broken;
    long long position;  /* the broken link's position, from 1 */
    char stream_id[EVIDENCE_ID_LEN];  /* its evidence stream entry ("" when it is missing) */
    char case_id[CASE_ID_LEN + 1];    /* its case ("" when unknown) */
    char why[NETRA_ERR_LEN];
    struct evidence_head head; /* as read before the walk */
};

/* 0 with the outcome in report (intact or broken), -1 with err when Redis failed. */
int evidence_verify(struct redis_sync *redis, const struct netra_config *config, int shard,
                    struct evidence_report *report, char *err, size_t err_len);

/* The bundle of case_id as JSON text (*json, the caller frees it) from whichever shard holds
 * it. *found = 0 (and 0 returned) when none does; -1 with err when Redis failed or the case's
 * evidence does not verify. */
int evidence_export(struct shards *shards, const struct netra_config *config,
                    const char *case_id, char **json, int *found, char *err, size_t err_len);

#endif
