/* libFuzzer target: any bytes through the normaliser (text and hashtag modes) and the scorer.
 * Token offsets must stay inside the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "worker/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scorer *scorer;
static struct score_scratch scratch;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[NETRA_ERR_LEN];
    if (scorer == NULL) {
        const char *source = getenv("NETRA_SOURCE_DIR");
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/config/rules", source ? source : ".");
        if (scorer_load(dir, &scorer, err, sizeof(err)) != 0)
            abort();
        score_scratch_init(&scratch);
    }
    for (int mode = NORM_MODE_TEXT; mode <= NORM_MODE_HANDLE; mode++) {
        norm_scratch_reset(&scratch.norm);
        if (normalize_text(scorer_normalizer(scorer), &scratch.norm, (const char *)data, size, 0,
                           mode, err, sizeof(err)) != 0)
            abort();
        for (size_t i = 0; i < scratch.norm.count; i++)
            if (scratch.norm.tokens[i].start > scratch.norm.tokens[i].end ||
                scratch.norm.tokens[i].end > size)
                abort();
    }
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct post_message post = {0};
    struct score_result result;
    struct score_thresholds thresholds = {0.35, 0.6};
    post.id = "fuzz";
    post.text = text;
    post.repost_of.text = text;
    if (score_post(scorer, &scratch, &post, size % 2 ? "aceh" : NULL, &thresholds, &result, err,
                   sizeof(err)) != 0)
        abort();
    for (size_t i = 0; i < result.match_count; i++)
        if (result.matches[i].end > strlen(text))
            abort();
    free(text);
    return 0;
}
