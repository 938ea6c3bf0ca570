/* cases: what the worker makes of one scored post, the record queue/cases.h writes for it: its
 * result always and, for a suspect, a case with the evidence: the post message JSON, the raw
 * platform bytes deflated, their SHA-256s and the evidence hash (queue/evidence.h).
 *
 * Only the verdict "suspect" opens a case: "political" posts (news, civic information) are
 * what civil servants may share, and reviewers see only what may breach neutrality. A case's
 * priority in review is its partisan score in thousandths (ties: the oldest case first).
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
};

/* -1 with err when out of memory or the raw bytes cannot be deflated. */
int case_draft_build(const struct post_message *message, const char *entry_id,
                     const struct score_result *result, struct case_draft *out, char *err,
                     size_t err_len);
void case_draft_free(struct case_draft *draft);

#endif
