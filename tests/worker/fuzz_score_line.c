/* libFuzzer target: any bytes as one line of `netra score` input, through what it does with
 * it: parse the post message, score it, print the result with one explain_writer kept across
 * inputs (as `netra score` keeps it across lines). The line must equal explain_to_json's and
 * the plain cJSON tree's (explain_oracle) byte for byte, whatever the writer printed before. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config/log.h"
#include "tests/worker/explain_oracle.h"
#include "worker/batch.h"
#include "worker/explain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scorer *scorer;
static struct score_scratch scratch;
static struct explain_writer writer;

static void setup(void)
{
    char err[NETRA_ERR_LEN], dir[4096];
    const char *source = getenv("NETRA_SOURCE_DIR");
    snprintf(dir, sizeof(dir), "%s/config/rules", source ? source : ".");
    if (scorer_load(dir, &scorer, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_score_line: %s\n", err);
        abort();
    }
    score_scratch_init(&scratch);
    explain_writer_init(&writer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct score_thresholds thresholds = {SCORE_DEFAULT_POLITICAL_THRESHOLD,
                                                       SCORE_DEFAULT_SUSPECT_THRESHOLD};
    struct batch_line line = {0};
    struct post_message *post = NULL;
    struct score_result result;
    char err[NETRA_ERR_LEN];
    if (scorer == NULL)
        setup();
    line.text = malloc(size + 1);
    if (line.text == NULL)
        return 0;
    memcpy(line.text, data, size);
    line.text[size] = '\0';
    line.len = size;
    line.cap = size + 1;
    if (batch_parse_post(&line, &post, NULL, err, sizeof(err)) == 0 &&
        score_post(scorer, &scratch, post, post->region, &thresholds, &result, err,
                   sizeof(err)) == 0) {
        size_t len = 0;
        const char *written = explain_write(&writer, post->id, &result, &len);
        char *alone = explain_to_json(post->id, &result);
        char *oracle = explain_oracle_json(post->id, &result);
        if (written == NULL || alone == NULL || oracle == NULL || strlen(written) != len ||
            strcmp(written, oracle) != 0 || strcmp(alone, oracle) != 0)
            abort();
        cJSON_free(alone);
        cJSON_free(oracle);
    }
    post_message_free(post);
    batch_line_free(&line);
    return 0;
}
