/* libFuzzer target: any bytes as a ruleset file. A file that parses is compiled as the national
 * ruleset and scores a post, so every accepted file is also a usable one. */
#include <stdint.h>
#include <stdlib.h>

#include "config/log.h"
#include "worker/compile.h"
#include "worker/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[NETRA_ERR_LEN];
    struct ruleset *set = NULL;
    if (ruleset_parse("fuzz.jsonc", (const char *)data, size, &set, err, sizeof(err)) != 0)
        return 0;
    struct ruleset **sets = malloc(sizeof(*sets));
    if (sets == NULL) {
        ruleset_free(set);
        return 0;
    }
    sets[0] = set;
    struct scorer *scorer = NULL;
    if (compile_scorer(sets, 1, &scorer, err, sizeof(err)) != 0)
        return 0;
    struct score_scratch scratch;
    struct score_result result;
    struct score_thresholds thresholds = {0.35, 0.6};
    struct post_message post = {0};
    post.id = "fuzz";
    post.text = "Ayo coblos nomor 2 #PrabowoGibran \xE2\x9C\x8C\xEF\xB8\x8F @prabowo";
    score_scratch_init(&scratch);
    if (score_post(scorer, &scratch, &post, set->region, &thresholds, &result, err,
                   sizeof(err)) != 0)
        abort();
    score_scratch_free(&scratch);
    scorer_free(scorer);
    return 0;
}
