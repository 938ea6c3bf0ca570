/* explain: a score result as the JSON object netra prints (`netra score`) and stores: id,
 * political, partisan, verdict, categories, matches (rule, category, term, field, start, end,
 * weight; start/end are byte offsets in that field of the original post) and ruleset. Fields
 * read "text", "repost_of.text", "repost_of.author", "media[i].alt", "hashtags[i]",
 * "mentions[i]". */
#ifndef NETRA_WORKER_EXPLAIN_H
#define NETRA_WORKER_EXPLAIN_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "worker/score.h"

/* The field a match came from, as above, into out. */
void explain_field_name(const struct score_match *match, char *out, size_t out_len);

/* A new cJSON object (the caller deletes it), or NULL when out of memory. */
cJSON *explain_to_cjson(const char *id, const struct score_result *result);

/* One line of JSON without a newline (the caller frees it), or NULL when out of memory. */
char *explain_to_json(const char *id, const struct score_result *result);

#endif
