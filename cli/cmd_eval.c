/* netra eval: precision, recall and F1 of the rulesets on labelled posts. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "config/log.h"
#include "worker/batch.h"
#include "worker/explain.h"

struct confusion {
    size_t tp, fp, fn, tn;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: netra eval FILE [--rules DIR] [--political-threshold X]\n"
            "                       [--suspect-threshold Y]\n\n"
            "Scores labelled posts (JSONL post messages with \"label\": {\"political\": bool,\n"
            "\"partisan\": bool}; partisan may be absent) and prints precision, recall, F1 and\n"
            "the confusion matrix for partisan (verdict \"suspect\" vs label.partisan) and\n"
            "political (verdict not \"clear\" vs label.political), the suspect and not-clear\n"
            "rates, and every misclassified post with its explanation.\n");
}

static void count(struct confusion *c, int predicted, int actual)
{
    if (predicted && actual)
        c->tp++;
    else if (predicted)
        c->fp++;
    else if (actual)
        c->fn++;
    else
        c->tn++;
}

static double ratio(size_t a, size_t b)
{
    return b > 0 ? (double)a / (double)b : 0.0;
}

static void report(const char *name, const char *rule, const struct confusion *c)
{
    double precision = ratio(c->tp, c->tp + c->fp), recall = ratio(c->tp, c->tp + c->fn);
    double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    printf("%s (%s): %zu posts\n", name, rule, c->tp + c->fp + c->fn + c->tn);
    printf("  precision %.3f  recall %.3f  F1 %.3f\n", precision, recall, f1);
    printf("  confusion: tp %zu  fp %zu  fn %zu  tn %zu\n", c->tp, c->fp, c->fn, c->tn);
}

/* Reads label.political and label.partisan: -1 when absent or not a boolean. */
static int label_flag(const cJSON *label, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(label, key);
    return cJSON_IsBool(item) ? cJSON_IsTrue(item) : -1;
}

int cmd_eval(int argc, char **argv)
{
    struct batch_options options = {NULL, -1, -1};
    const char *path = NULL;
    char err[NETRA_ERR_LEN];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int taken = batch_parse_option(argc, argv, &i, &options, err, sizeof(err));
        if (taken < 0) {
            fprintf(stderr, "netra eval: %s\n", err);
            return 2;
        }
        if (taken > 0)
            continue;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (arg[0] != '-' && path == NULL) {
            path = arg;
        } else {
            fprintf(stderr, "netra eval: unexpected argument \"%s\"\n\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (path == NULL) {
        usage(stderr);
        return 2;
    }

    struct scorer *scorer = NULL;
    struct score_thresholds thresholds;
    struct score_scratch scratch;
    struct batch_line line = {0};
    struct confusion partisan = {0}, political = {0};
    size_t number = 0, failed = 0, scored = 0, suspects = 0, not_clear = 0;
    int rc = 1;
    FILE *in = fopen(path, "rb");
    score_scratch_init(&scratch);
    if (in == NULL) {
        fprintf(stderr, "netra eval: %s: cannot open\n", path);
        goto done;
    }
    if (batch_open(&options, &scorer, &thresholds, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra eval: %s\n", err);
        goto done;
    }
    printf("misclassified:\n");
    while (batch_read_line(in, &line)) {
        struct post_message *post = NULL;
        struct score_result result;
        cJSON *label = NULL;
        number++;
        if (line.len == 0 && !line.too_long)
            continue;
        int is_political = -1, is_partisan = -1;
        if (batch_parse_post(&line, &post, &label, err, sizeof(err)) == 0 &&
            (is_political = label_flag(label, "political")) < 0)
            snprintf(err, sizeof(err), "label.political: must be true or false");
        if (is_political < 0 ||
            score_post(scorer, &scratch, post, post->region, &thresholds, &result, err,
                       sizeof(err)) != 0) {
            fprintf(stderr, "netra eval: %s: line %zu: %s\n", path, number, err);
            failed++;
            cJSON_Delete(label);
            post_message_free(post);
            continue;
        }
        is_partisan = label_flag(label, "partisan");
        int suspect = result.verdict == SCORE_SUSPECT, flagged = result.verdict != SCORE_CLEAR;
        scored++;
        suspects += (size_t)suspect;
        not_clear += (size_t)flagged;
        count(&political, flagged, is_political);
        if (is_partisan >= 0)
            count(&partisan, suspect, is_partisan);
        if ((is_partisan >= 0 && suspect != is_partisan) || flagged != is_political) {
            char *json = explain_to_json(post->id, &result);
            printf("  %s: labelled %s, got %s  %s\n", post->id,
                   is_partisan > 0 ? "partisan" : is_political ? "political" : "clear",
                   score_verdict_name(result.verdict), json ? json : "(out of memory)");
            cJSON_free(json);
        }
        cJSON_Delete(label);
        post_message_free(post);
    }
    printf("\n%s: %zu posts scored, %zu failed\n", path, scored, failed);
    report("partisan", "verdict suspect vs label.partisan", &partisan);
    report("political", "verdict not clear vs label.political", &political);
    printf("suspect rate %.4f (%zu/%zu)\nnot-clear rate %.4f (%zu/%zu)\n", ratio(suspects, scored),
           suspects, scored, ratio(not_clear, scored), not_clear, scored);
    rc = failed > 0 || ferror(in) ? 1 : 0;
done:
    if (in != NULL)
        fclose(in);
    batch_line_free(&line);
    score_scratch_free(&scratch);
    scorer_free(scorer);
    return fflush(stdout) == 0 ? rc : 1;
}
