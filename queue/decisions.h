/* Reviewers' decisions on a case, each in one Lua script on the case's shard: the state check,
 * the four-eyes rule, the case's new status and decision history, its place in review, the alert
 * of a confirmation and the decision's audit entry are written together or not at all.
 *
 *   confirm | dismiss | escalate   from pending, confirming or escalated
 *   reopen                         from confirmed or dismissed, supervisors only (back to pending)
 *
 * With four_eyes, a first confirmation moves the case to "confirming" (confirming_by,
 * confirming_category) and it stays in review; a second one by a different user with the same
 * category confirms it. A dismiss or escalate drops a pending confirmation. A confirmation
 * appends one entry to the shard's alerts stream (the feeds' source) and sets confirmed_category,
 * confirmed_at (server ms) and confirmed_by (comma-separated). confirmed and dismissed cases leave
 * review; reopen puts the case back with the priority the worker gave it. A dismissal or a
 * confirmation enters the case, with its time, into the index retention purges by
 * (decided:dismissed, decided:confirmed: queue/retention.h); reopen takes it out.
 *
 * Categories a case can be confirmed with are a fixed list: the partisan categories of netra's
 * rulesets (a confirmed finding is a breach of neutrality). decision_outcome owns its strings:
 * decision_outcome_free(). */
#ifndef NETRA_QUEUE_DECISIONS_H
#define NETRA_QUEUE_DECISIONS_H

#include <stddef.h>

#include "config/config.h"
#include "queue/redis_sync.h"

#define DECISION_MAX_TEXT 2000 /* bytes of note or reason */

/* 1 when category may be confirmed. */
int decisions_category_valid(const char *category);
/* The list, NULL-terminated. */
extern const char *const decisions_categories[];

struct decision {
    const char *case_id;
    const char *account; /* the case's account: its shard and identity (acct hash) */
    const char *by;      /* user name */
    const char *role;    /* "reviewer" | "supervisor" */
    const char *action;  /* "confirm" | "dismiss" | "escalate" | "reopen" */
    const char *category; /* confirm: decisions_category_valid(); else NULL */
    const char *note;    /* NULL or "" for none */
    const char *reason;  /* dismiss, reopen: required */
    const char *from;    /* the remote address, for the audit entry */
    int four_eyes;
};

enum decision_result {
    DECISION_DONE,
    DECISION_NO_CASE,  /* no such case on that shard */
    DECISION_CONFLICT, /* not allowed now: outcome.message says why */
};

struct decision_outcome {
    enum decision_result result;
    char *message;  /* DECISION_CONFLICT: why, for the reviewer */
    char *status;   /* the case's status after the decision */
    char *alert_id; /* the alert's stream entry when this decision confirmed the case, or NULL */
    char *confirmed_category, *confirmed_by; /* NULL until confirmed */
    long long confirmed_at;
    char *decisions; /* the case's decision history (JSON array) */
};

void decision_outcome_free(struct decision_outcome *outcome);

/* 0 with outcome (any result), or -1 with err: an invalid decision (which the caller should have
 * refused: unknown action, missing category or reason, text too long), or Redis failed (then
 * nothing was written). */
int decisions_decide(struct redis_sync *redis, const struct netra_config *config,
                     const struct decision *decision, struct decision_outcome *outcome,
                     char *err, size_t err_len);

/* The check decisions_decide makes first, for answering 400: 0, or -1 with err naming the
 * field. */
int decisions_check(const struct decision *decision, char *err, size_t err_len);

#endif
