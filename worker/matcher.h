/* matcher: finds every pattern (a sequence of normalised tokens) in a token stream at once,
 * with an Aho-Corasick automaton over token ids. Built once per ruleset scope, then read-only:
 * any number of threads may run it, each with its own match buffer.
 *
 * Tokens match by key: a word or emoji by its text, a mention by "@handle", a number by its
 * class: "<ballot>" (a ballot number up to 99: "nomor 2", "02"), "<num>" (another number up to
 * 99) or "<big>" (years and the rest). Patterns never span two fields: the automaton restarts
 * where the field changes. A word the vocabulary lacks is retried without a clitic
 * (-nya, -lah, -kah, -pun, -ku, -mu), so "pilihannya" finds "pilihan". */
#ifndef NETRA_WORKER_MATCHER_H
#define NETRA_WORKER_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "worker/normalize.h"
#include "worker/strmap.h"

#define MATCHER_MAX_PATTERN_TOKENS 8
#define MATCHER_MAX_PATTERNS 65536
#define MATCHER_MAX_MATCHES 4096 /* per post; more are dropped */

struct matcher_state;
struct matcher_output;

struct matcher {
    struct strmap vocab; /* token key -> id, ids from 1 */
    struct matcher_state *states;
    size_t state_count;
    size_t state_cap;
    uint64_t *edge_keys; /* (state << 32 | token id) + 1; 0 marks an empty slot */
    uint32_t *edge_targets;
    size_t edge_cap;
    size_t edge_count;
    struct matcher_output *outputs;
    size_t output_count;
    size_t output_cap;
    size_t pattern_count;
    int built;
};

struct match {
    uint32_t payload; /* the caller's value given to matcher_add */
    uint32_t first;   /* token indices, inclusive */
    uint32_t last;
};

struct match_buffer {
    struct match *items;
    size_t count;
    size_t cap;
};

void matcher_init(struct matcher *matcher);
void matcher_free(struct matcher *matcher);

/* The key a token matches by (see above). */
const char *matcher_token_key(const struct norm_scratch *scratch, const struct norm_token *token);

/* Adds the pattern tokens[0..count) (from normalising a term). A match also needs every token
 * to carry need_flags (NORM_UPPER, NORM_HASHTAG). -1 and err when too long, too many or OOM. */
int matcher_add(struct matcher *matcher, const struct norm_scratch *scratch,
                const struct norm_token *tokens, size_t count, uint8_t need_flags,
                uint32_t payload, char *err, size_t err_len);

/* Computes failure links; after this the matcher is read-only. */
int matcher_build(struct matcher *matcher, char *err, size_t err_len);

void match_buffer_init(struct match_buffer *buffer);
void match_buffer_free(struct match_buffer *buffer);

/* Replaces buffer's matches with those in the scratch's tokens, ordered by end token. -1 only
 * when out of memory. */
int matcher_run(const struct matcher *matcher, const struct norm_scratch *scratch,
                struct match_buffer *buffer);

#endif
