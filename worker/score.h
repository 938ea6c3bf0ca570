/* score: is a post political, is it partisan, and why. A follow or a like is scored the same
 * way over its target fields, by the rules that apply to its kind (ruleset.h).
 *
 * A scorer is compiled once from a folder of rulesets (see ruleset.h): one normaliser and, per
 * region, one matcher over the national ruleset plus the regional ones that apply there. It is
 * read-only afterwards; each thread scores with its own score_scratch, which stops allocating
 * once it has seen the largest post.
 *
 * Scoring: every term and near rule fires at most once per post, with weight = the rule's weight
 * x its category's weight; political = 1 - prod(1 - w) over all fired rules, partisan the same
 * over rules of partisan categories, multiplied by the factor of every dampen rule that fired;
 * political is at least partisan. Verdict: "suspect" when partisan >= suspect threshold, else
 * "political" when political >= political threshold, else "clear". The explanation lists every
 * match that fired a rule, with its bytes in the original field. */
#ifndef NETRA_WORKER_SCORE_H
#define NETRA_WORKER_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "queue/post_message.h"
#include "worker/matcher.h"
#include "worker/normalize.h"
#include "worker/ruleset.h"

#define SCORE_DEFAULT_POLITICAL_THRESHOLD 0.35
#define SCORE_DEFAULT_SUSPECT_THRESHOLD 0.6
#define SCORE_MAX_EXPLAIN 64     /* explanation entries per post; more are left out */
#define SCORE_MAX_PER_FIELD 64   /* media items, hashtags and mentions read per post */
#define SCORE_MAX_SOURCES (7 + 3 * SCORE_MAX_PER_FIELD) /* fits the tokens' uint8_t field */

enum score_verdict { SCORE_CLEAR, SCORE_POLITICAL, SCORE_SUSPECT };

/* "clear" | "political" | "suspect" */
const char *score_verdict_name(enum score_verdict verdict);

struct score_thresholds {
    double political;
    double suspect;
};

struct score_match {
    const char *rule;     /* rule id */
    const char *category; /* the rule's category; "context" for a dampen rule without one */
    const char *term;     /* the term as the ruleset writes it; the kind for RULE_FIELD_KIND */
    enum rule_field field;
    unsigned index;       /* which media item, hashtag or mention; 0 for the other fields */
    uint32_t start;       /* [start, end) bytes in that field of the original post */
    uint32_t end;
    double weight;        /* the rule's weight; a dampen rule's factor */
};

struct score_result {
    double political;
    double partisan;
    enum score_verdict verdict;
    const char *categories[RULESET_MAX_CATEGORIES]; /* fired categories, strongest first */
    size_t category_count;
    const struct score_match *matches; /* in the scratch: valid until its next use */
    size_t match_count;
    const char *ruleset; /* "national@1.0.0+aceh@1.0.0" */
};

struct scorer;

struct score_source {
    enum rule_field field;
    unsigned index;
};

struct score_scratch {
    struct norm_scratch norm;
    struct match_buffer matches;
    uint8_t suppressed[MATCHER_MAX_MATCHES];
    struct score_source sources[SCORE_MAX_SOURCES];
    size_t source_count;
    struct score_match explain[SCORE_MAX_EXPLAIN];
    size_t explain_count;
};

/* Compiles every ruleset of dir. -1 and err naming the file, JSON path and problem. */
int scorer_load(const char *dir, struct scorer **out, char *err, size_t err_len);
void scorer_free(struct scorer *scorer);

/* The normaliser the scorer compiled its terms with (tests, tools). */
const struct normalizer *scorer_normalizer(const struct scorer *scorer);

void score_scratch_init(struct score_scratch *scratch);
void score_scratch_free(struct score_scratch *scratch);

/* Scores post against the rules of region (a slug; NULL or unknown: the national rules and
 * those of region "all" only).
 * Returns 0, or -1 only when out of memory. */
int score_post(const struct scorer *scorer, struct score_scratch *scratch,
               const struct post_message *post, const char *region,
               const struct score_thresholds *thresholds, struct score_result *result, char *err,
               size_t err_len);

#endif
