/* cases: what the worker makes of one scored post, the record queue/cases.h writes for it: its
 * result always and, for a suspect, a case with the evidence: the post message JSON, the raw
 * platform bytes deflated, their SHA-256s and the evidence hash (queue/evidence.h).
 *
 * Only the verdict "suspect" opens a case: "political" posts (news, civic information) are
 * what civil servants may share, and reviewers see only what may breach neutrality. A case's
 * priority in review is its partisan score in thousandths (ties: the oldest case first).
 *
 * The evidence is built for a suspect at once, and for any other verdict only when the record
 * script asks for it (a case keeps the post's new version: queue/cases.h), so posts under no
 * case cost no deflating: case_draft_add_evidence().
 *
 * A message's rescan id is used only when rescan_id_valid(); otherwise the post is still
 * recorded and rescan_refused says so. A struct case_draft owns what its record points to,
 * except what the message and result own: case_draft_free(). */
#ifndef NETRA_WORKER_CASES_H
#define NETRA_WORKER_CASES_H

#include <stddef.h>

#include "queue/cases.h"
#include "queue/post_message.h"
#include "worker/score.h"

struct case_draft {
    struct post_record record;
    int rescan_refused;
    char *categories;
    char *explanation;
    char *message_json;
    unsigned char *raw_deflated;
    char content[EVIDENCE_HASH_LEN + 1];
};

/* -1 with err when out of memory or the raw bytes cannot be deflated. */
int case_draft_build(const struct post_message *message, const char *entry_id,
                     const struct score_result *result, struct case_draft *out, char *err,
                     size_t err_len);
/* Adds the evidence to a draft built without it, and sets has_evidence (nothing to do when it
 * is set); -1 with err as above. */
int case_draft_add_evidence(const struct post_message *message, struct case_draft *draft,
                            char *err, size_t err_len);
void case_draft_free(struct case_draft *draft);

#endif
