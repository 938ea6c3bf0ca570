/* The explanation as netra printed it before explain formatted its own numbers: a plain cJSON
 * tree of copied strings and cJSON numbers. Tests and fuzzing hold explain to it byte for byte. */
#ifndef NETRA_TESTS_WORKER_EXPLAIN_ORACLE_H
#define NETRA_TESTS_WORKER_EXPLAIN_ORACLE_H

#include "worker/score.h"

/* The JSON line (the caller frees it with cJSON_free), or NULL when out of memory. */
char *explain_oracle_json(const char *id, const struct score_result *result);

#endif
