#include "tests/worker/worker_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "tests/support/test_support.h"

struct scorer *worker_test_scorer(void)
{
    char err[NETRA_ERR_LEN];
    char *dir = test_source_path("config/rules");
    struct scorer *scorer = NULL;
    if (scorer_load(dir, &scorer, err, sizeof(err)) != 0)
        fail_msg("config/rules: %s", err);
    free(dir);
    return scorer;
}

int worker_test_setup(void **state)
{
    *state = worker_test_scorer();
    return 0;
}

int worker_test_teardown(void **state)
{
    scorer_free(*state);
    return 0;
}

struct post_message *worker_test_post(const char *text)
{
    struct post_message *post = post_message_new();
    assert_non_null(post);
    post->id = strdup("t");
    post->text = strdup(text);
    assert_non_null(post->id);
    assert_non_null(post->text);
    return post;
}

enum score_verdict worker_test_verdict(struct scorer *scorer, const char *region,
                                       const char *text)
{
    char err[NETRA_ERR_LEN];
    struct score_scratch scratch;
    struct score_result result;
    struct score_thresholds thresholds = {SCORE_DEFAULT_POLITICAL_THRESHOLD,
                                          SCORE_DEFAULT_SUSPECT_THRESHOLD};
    struct post_message *post = worker_test_post(text);
    score_scratch_init(&scratch);
    assert_int_equal(score_post(scorer, &scratch, post, region, &thresholds, &result, err,
                                sizeof(err)),
                     0);
    enum score_verdict verdict = result.verdict;
    score_scratch_free(&scratch);
    post_message_free(post);
    return verdict;
}
