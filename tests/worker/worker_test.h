/* Helpers shared by the worker tests: the shipped rulesets compiled once, and posts built from
 * literals. */
#ifndef NETRA_TESTS_WORKER_TEST_H
#define NETRA_TESTS_WORKER_TEST_H

#include "queue/post_message.h"
#include "worker/score.h"

/* The scorer of config/rules in the source tree; fails the test when it does not load. */
struct scorer *worker_test_scorer(void);

/* cmocka group setup and teardown that put worker_test_scorer() in *state. */
int worker_test_setup(void **state);
int worker_test_teardown(void **state);

/* A post with id "t" and text; the caller frees it with post_message_free. */
struct post_message *worker_test_post(const char *text);

/* Scores text (national + region rules, default thresholds) and returns the verdict. */
enum score_verdict worker_test_verdict(struct scorer *scorer, const char *region,
                                       const char *text);

#endif
