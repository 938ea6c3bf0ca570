/* libFuzzer target: any bytes as a ruleset file. A file that parses is compiled as the national
 * ruleset and scores a post, a follow and a like, so every accepted file is also a usable one. */
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
    char *mentions[] = {"Prabowo", "gerindra@kampanye.social"};
    struct post_message post = {0}, follow = {0}, like = {0};
    post.id = "fuzz";
    post.platform = "x";
    post.text = "Ayo coblos nomor 2 #PrabowoGibran \xE2\x9C\x8C\xEF\xB8\x8F @prabowo";
    post.mentions = (struct post_strings){mentions, 2};
    follow.id = like.id = "fuzz";
    follow.text = like.text = "";
    follow.platform = "bluesky";
    follow.kind = POST_KIND_FOLLOW;
    follow.target.account = "gerindra.bsky.social";
    follow.target.account_id = "did:plc:abc234";
    follow.target.name = "Relawan Prabowo-Gibran Kab. Bogor";
    follow.target.text = "Tim pemenangan, coblos nomor 2";
    like = follow;
    like.platform = "mastodon";
    like.kind = POST_KIND_LIKE;
    like.target.account = "gerindra@kampanye.social";
    const struct post_message *messages[] = {&post, &follow, &like};
    score_scratch_init(&scratch);
    for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
        if (score_post(scorer, &scratch, messages[i], set->region, &thresholds, &result, err,
                       sizeof(err)) != 0)
            abort();
    score_scratch_free(&scratch);
    scorer_free(scorer);
    return 0;
}
