/* netra score: post messages (JSONL) in, one JSON result a line out, no Redis. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "config/log.h"
#include "worker/batch.h"
#include "worker/explain.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: netra score [--rules DIR] [--region R] [--political-threshold X]\n"
            "                   [--suspect-threshold Y] [FILE|-]\n\n"
            "Scores post messages, one JSON object a line (only \"id\" and \"text\" are\n"
            "required), and prints one JSON result a line: id, political, partisan, verdict,\n"
            "categories, matches (rule, category, term, field, start, end, weight) and ruleset.\n"
            "Start and end are byte offsets in that field of the original post.\n\n"
            "  --rules DIR               rulesets (default: worker.rules_dir of the config)\n"
            "  --region R                region slug for posts that carry none (e.g. aceh)\n"
            "  --political-threshold X   political >= X is at least \"political\" (0..1)\n"
            "  --suspect-threshold Y     partisan >= Y is \"suspect\" (0..1)\n\n"
            "A line that is not a valid post message is reported on stderr with its number and\n"
            "skipped; the exit code is then 1.\n");
}

int cmd_score(int argc, char **argv)
{
    struct batch_options options = {NULL, -1, -1};
    const char *region = NULL, *path = "-";
    int have_path = 0;
    char err[NETRA_ERR_LEN];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int taken = batch_parse_option(argc, argv, &i, &options, err, sizeof(err));
        if (taken < 0) {
            fprintf(stderr, "netra score: %s\n", err);
            return 2;
        }
        if (taken > 0)
            continue;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(arg, "--region") == 0 && i + 1 < argc) {
            region = argv[++i];
        } else if ((arg[0] != '-' || strcmp(arg, "-") == 0) && !have_path) {
            path = arg;
            have_path = 1;
        } else {
            fprintf(stderr, "netra score: unexpected argument \"%s\"\n\n", arg);
            usage(stderr);
            return 2;
        }
    }

    struct scorer *scorer = NULL;
    struct score_thresholds thresholds;
    struct score_scratch scratch;
    struct batch_line line = {0};
    struct explain_writer writer;
    static char out_buffer[1 << 16];
    size_t number = 0, failed = 0;
    int rc = 1;
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    score_scratch_init(&scratch);
    explain_writer_init(&writer);
    setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
    if (in == NULL) {
        fprintf(stderr, "netra score: %s: cannot open\n", path);
        goto done;
    }
    if (batch_open(&options, &scorer, &thresholds, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra score: %s\n", err);
        goto done;
    }
    while (batch_read_line(in, &line)) {
        struct post_message *post = NULL;
        struct score_result result;
        const char *problem = NULL, *json = NULL;
        size_t json_len = 0;
        number++;
        if (line.len == 0 && !line.too_long)
            continue;
        if (batch_parse_post(&line, &post, NULL, err, sizeof(err)) != 0 ||
            score_post(scorer, &scratch, post, post->region ? post->region : region, &thresholds,
                       &result, err, sizeof(err)) != 0)
            problem = err;
        else if ((json = explain_write(&writer, post->id, &result, &json_len)) == NULL)
            problem = "out of memory";
        if (problem != NULL) {
            fprintf(stderr, "netra score: %s: line %zu: %s\n", path, number, problem);
            failed++;
        } else {
            fwrite(json, 1, json_len, stdout);
            putchar('\n');
        }
        post_message_free(post);
    }
    if (ferror(in))
        fprintf(stderr, "netra score: %s: read error\n", path);
    else if (failed > 0)
        fprintf(stderr, "netra score: %zu of %zu lines failed\n", failed, number);
    else
        rc = 0;
done:
    if (in != NULL && in != stdin)
        fclose(in);
    batch_line_free(&line);
    explain_writer_free(&writer);
    score_scratch_free(&scratch);
    scorer_free(scorer);
    return fflush(stdout) == 0 ? rc : 1;
}
