/* compile: rulesets -> the scorer's read-only tables. One scope per region slug named by a
 * regional ruleset's "region" or "also", holding the national ruleset merged with every regional
 * one that applies there (lists of the same name are joined, rules appended); scope 0 is the
 * national ruleset alone. Lists are resolved to bit sets and terms to matcher patterns here, so
 * scoring does no lookups by name. Internal to worker/: score.h is the public face. */
#ifndef NETRA_WORKER_COMPILE_H
#define NETRA_WORKER_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "worker/matcher.h"
#include "worker/normalize.h"
#include "worker/ruleset.h"
#include "worker/strmap.h"

#define COMPILE_MAX_LISTS 256
#define COMPILE_MAX_RULES 1024 /* per scope */

struct list_set {
    uint64_t bits[COMPILE_MAX_LISTS / 64];
};

static inline int list_set_has(const struct list_set *set, uint32_t list)
{
    return (set->bits[list / 64] >> (list % 64)) & 1;
}

struct compiled_term {
    char *display; /* the term with its =, # or @ prefix */
    uint32_t list;
};

struct compiled_rule {
    const struct rule *rule;
    double weight;         /* rule weight x category weight */
    int partisan;          /* its category counts towards partisan */
    struct list_set lists;
    struct list_set near;
    struct list_set targets;
};

struct scope {
    char *label;           /* "national@1+aceh@1" */
    struct matcher matcher;
    struct strmap list_ids; /* list name -> id */
    struct compiled_term *terms; /* indexed by match payload */
    size_t term_count;
    struct compiled_rule *rules;
    size_t rule_count;
};

struct scorer {
    struct ruleset **rulesets;
    size_t ruleset_count;
    const struct ruleset *national;
    struct normalizer normalizer;
    struct scope *scopes;
    size_t scope_count;
    struct strmap regions; /* slug -> scope index */
};

int compile_scorer(struct ruleset **rulesets, size_t count, struct scorer **out, char *err,
                   size_t err_len);

#endif
