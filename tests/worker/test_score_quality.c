/* The quality floor of the shipped rulesets, measured on the shared data ($NETRA_SHARED_DIR):
 * labelled dev posts, football tweets that only look political, 2019 election tweets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "tests/support/test_support.h"
#include "tests/worker/worker_test.h"
#include "worker/batch.h"

struct figures {
    size_t posts, suspects, not_clear;
    size_t ptp, pfp, pfn; /* partisan: suspect vs label.partisan */
    size_t ctp, cfp, cfn; /* political: not clear vs label.political */
};

static double ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static struct figures measure(struct scorer *scorer, const char *relative)
{
    char err[NETRA_ERR_LEN];
    char *path = test_shared_path(relative);
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        fail_msg("%s: cannot open (set NETRA_SHARED_DIR)", path);
    struct figures f = {0};
    struct batch_line line = {0};
    struct score_scratch scratch;
    struct score_thresholds thresholds = {SCORE_DEFAULT_POLITICAL_THRESHOLD,
                                          SCORE_DEFAULT_SUSPECT_THRESHOLD};
    score_scratch_init(&scratch);
    while (batch_read_line(in, &line)) {
        struct post_message *post;
        struct score_result result;
        cJSON *label;
        if (line.len == 0)
            continue;
        if (batch_parse_post(&line, &post, &label, err, sizeof(err)) != 0)
            fail_msg("%s: %s", relative, err);
        assert_int_equal(score_post(scorer, &scratch, post, post->region, &thresholds, &result,
                                    err, sizeof(err)),
                         0);
        int political = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(label, "political"));
        const cJSON *partisan = cJSON_GetObjectItemCaseSensitive(label, "partisan");
        int suspect = result.verdict == SCORE_SUSPECT, flagged = result.verdict != SCORE_CLEAR;
        f.posts++;
        f.suspects += (size_t)suspect;
        f.not_clear += (size_t)flagged;
        if (cJSON_IsBool(partisan)) {
            f.ptp += (size_t)(suspect && cJSON_IsTrue(partisan));
            f.pfp += (size_t)(suspect && !cJSON_IsTrue(partisan));
            f.pfn += (size_t)(!suspect && cJSON_IsTrue(partisan));
        }
        f.ctp += (size_t)(flagged && political);
        f.cfp += (size_t)(flagged && !political);
        f.cfn += (size_t)(!flagged && political);
        cJSON_Delete(label);
        post_message_free(post);
    }
    batch_line_free(&line);
    score_scratch_free(&scratch);
    fclose(in);
    free(path);
    return f;
}

static void meets_the_quality_floor(void **state)
{
    (void)state;
    struct scorer *scorer = worker_test_scorer();

    struct figures dev = measure(scorer, "data/labelled/dev.jsonl");
    double precision = ratio(dev.ptp, dev.ptp + dev.pfp);
    double recall = ratio(dev.ptp, dev.ptp + dev.pfn);
    double cp = ratio(dev.ctp, dev.ctp + dev.cfp), cr = ratio(dev.ctp, dev.ctp + dev.cfn);
    double political_f1 = cp + cr > 0 ? 2 * cp * cr / (cp + cr) : 0;
    printf("dev (%zu posts): partisan precision %.3f recall %.3f; political precision %.3f "
           "recall %.3f F1 %.3f\n",
           dev.posts, precision, recall, cp, cr, political_f1);

    struct figures football = measure(scorer, "data/external/football.jsonl");
    double football_suspect = ratio(football.suspects, football.posts);
    double football_flagged = ratio(football.not_clear, football.posts);
    printf("football (%zu posts): suspect %.4f not-clear %.4f\n", football.posts,
           football_suspect, football_flagged);

    struct figures pilpres = measure(scorer, "data/external/pilpres2019.jsonl");
    double pilpres_flagged = ratio(pilpres.not_clear, pilpres.posts);
    printf("pilpres2019 (%zu posts): not-clear %.4f\n", pilpres.posts, pilpres_flagged);

    assert_true(dev.posts > 0 && football.posts > 0 && pilpres.posts > 0);
    assert_true(precision >= 0.92);
    assert_true(recall >= 0.88);
    assert_true(political_f1 >= 0.90);
    assert_true(football_suspect <= 0.005);
    assert_true(football_flagged <= 0.05);
    assert_true(pilpres_flagged >= 0.60);
    scorer_free(scorer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(meets_the_quality_floor)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
