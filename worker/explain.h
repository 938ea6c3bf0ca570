/* explain: a score result as the JSON object netra prints (`netra score`) and stores: id,
 * political, partisan, verdict, categories, matches (rule, category, term, field, start, end,
 * weight; start/end are byte offsets in that field of the original post) and ruleset. Fields
 * read "text", "repost_of.text", "repost_of.author", "media[i].alt", "hashtags[i]",
 * "mentions[i]", "target.account", "target.account_id", "target.name", "target.text", and
 * "kind" for a rule that weighs the message's kind (its term is the kind). Numbers print exactly
 * as cJSON prints them (scores to three decimals). */
#ifndef NETRA_WORKER_EXPLAIN_H
#define NETRA_WORKER_EXPLAIN_H

#include <stddef.h>

#include "worker/score.h"

/* The field a match came from, as above, into out. */
void explain_field_name(const struct score_match *match, char *out, size_t out_len);

/* One line of JSON without a newline (the caller frees it with cJSON_free), or NULL when out
 * of memory. */
char *explain_to_json(const char *id, const struct score_result *result);

/* For printing many results: one JSON tree and one line buffer reused from result to result,
 * so a warm writer allocates only the items of categories and matches. */
struct explain_tree;

struct explain_writer {
    struct explain_tree *tree;
    char *buffer;
    size_t cap;
};

void explain_writer_init(struct explain_writer *writer);
void explain_writer_free(struct explain_writer *writer);

/* The line (NUL-terminated, *len bytes, valid until the writer's next use), or NULL when out
 * of memory. The same bytes as explain_to_json. */
const char *explain_write(struct explain_writer *writer, const char *id,
                          const struct score_result *result, size_t *len);

#endif
