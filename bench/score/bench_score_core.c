/* bench_score_core RULES_DIR FILE [ROUNDS]: the scorer alone, in process. Loads the rulesets
 * (as `netra score` does: config thresholds, --rules dir), reads and parses every post message
 * of FILE (JSONL) first, then times the per-post work of `netra score` over them: score_post,
 * and score_post + explain_write (the JSON line it prints). Prints one JSON object:
 * {"posts", "rounds", "score_s", "score_explain_s", "suspect", "political", "clear"}, the times
 * the best of ROUNDS (default 1) passes, in CPU seconds of this process; the verdict counts let
 * the caller check it scored what `netra score` scored. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config/log.h"
#include "worker/batch.h"
#include "worker/explain.h"

static double cpu_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

struct posts {
    struct post_message **items;
    size_t count;
    size_t cap;
};

static int read_posts(const char *path, struct posts *posts)
{
    struct batch_line *line = calloc(1, sizeof(*line));
    char err[NETRA_ERR_LEN];
    size_t number = 0;
    int rc = -1;
    FILE *in = fopen(path, "rb");
    if (in == NULL || line == NULL) {
        fprintf(stderr, "bench_score_core: %s: cannot open\n", path);
        goto done;
    }
    while (batch_read_line(in, line)) {
        struct post_message *post;
        number++;
        if (batch_parse_post(line, &post, NULL, err, sizeof(err)) != 0) {
            fprintf(stderr, "bench_score_core: %s: line %zu: %s\n", path, number, err);
            goto done;
        }
        if (posts->count == posts->cap) {
            size_t cap = posts->cap ? posts->cap * 2 : 1024;
            struct post_message **items = realloc(posts->items, cap * sizeof(*items));
            if (items == NULL) {
                post_message_free(post);
                fprintf(stderr, "bench_score_core: out of memory\n");
                goto done;
            }
            posts->items = items;
            posts->cap = cap;
        }
        posts->items[posts->count++] = post;
    }
    rc = ferror(in) ? -1 : 0;
done:
    if (in != NULL)
        fclose(in);
    if (line != NULL)
        batch_line_free(line);
    free(line);
    return rc;
}

int main(int argc, char **argv)
{
    struct batch_options options = {NULL, -1, -1};
    struct scorer *scorer = NULL;
    struct score_thresholds thresholds;
    struct score_scratch scratch;
    struct explain_writer writer;
    struct posts posts = {0};
    size_t verdicts[3] = {0};
    double best_score = 0, best_explain = 0;
    char err[NETRA_ERR_LEN];
    int rounds = argc == 4 ? atoi(argv[3]) : 1, rc = 1;
    score_scratch_init(&scratch);
    explain_writer_init(&writer);
    if ((argc != 3 && argc != 4) || rounds < 1) {
        fprintf(stderr, "usage: bench_score_core RULES_DIR FILE [ROUNDS]\n");
        return 2;
    }
    options.rules_dir = argv[1];
    if (batch_open(&options, &scorer, &thresholds, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_score_core: %s\n", err);
        goto done;
    }
    if (read_posts(argv[2], &posts) != 0)
        goto done;
    for (int round = 0; round < 2 * rounds; round++) {
        int with_explain = round % 2;
        double start = cpu_seconds();
        for (size_t i = 0; i < posts.count; i++) {
            const struct post_message *post = posts.items[i];
            struct score_result result;
            size_t len;
            if (score_post(scorer, &scratch, post, post->region, &thresholds, &result, err,
                           sizeof(err)) != 0 ||
                (with_explain && explain_write(&writer, post->id, &result, &len) == NULL)) {
                fprintf(stderr, "bench_score_core: post %zu: %s\n", i + 1,
                        with_explain ? "out of memory" : err);
                goto done;
            }
            if (round == 0)
                verdicts[result.verdict]++;
        }
        double took = cpu_seconds() - start;
        double *best = with_explain ? &best_explain : &best_score;
        if (round < 2 || took < *best)
            *best = took;
    }
    printf("{\"posts\":%zu,\"rounds\":%d,\"score_s\":%.6f,\"score_explain_s\":%.6f,"
           "\"suspect\":%zu,\"political\":%zu,\"clear\":%zu}\n",
           posts.count, rounds, best_score, best_explain, verdicts[SCORE_SUSPECT],
           verdicts[SCORE_POLITICAL], verdicts[SCORE_CLEAR]);
    rc = 0;
done:
    for (size_t i = 0; i < posts.count; i++)
        post_message_free(posts.items[i]);
    free(posts.items);
    explain_writer_free(&writer);
    score_scratch_free(&scratch);
    scorer_free(scorer);
    return rc;
}
