/* libFuzzer target: normalize_text against the oracle it replaced, in every mode, field for
 * field; any difference aborts with both token lists on stderr. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "normalize_oracle.h"
#include "worker/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scorer *scorer;
static struct norm_scratch fast, oracle;

static void print_tokens(const char *name, const struct norm_scratch *scratch)
{
    fprintf(stderr, "%s: %zu tokens\n", name, scratch->count);
    for (size_t i = 0; i < scratch->count; i++) {
        const struct norm_token *t = &scratch->tokens[i];
        fprintf(stderr, "  \"%s\" len %u [%u,%u) value %u hash %08x kind %u flags %u field %u\n",
                norm_token_text(scratch, t), t->len, t->start, t->end, t->value, t->hash,
                t->kind, t->flags, t->field);
    }
}

static int same_token(const struct norm_token *a, const struct norm_token *b)
{
    return a->len == b->len && a->start == b->start && a->end == b->end &&
           a->value == b->value && a->hash == b->hash && a->kind == b->kind &&
           a->flags == b->flags && a->field == b->field &&
           memcmp(fast.bytes + a->text, oracle.bytes + b->text, a->len + 1) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[NETRA_ERR_LEN];
    if (scorer == NULL) {
        const char *source = getenv("NETRA_SOURCE_DIR");
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/config/rules", source ? source : ".");
        if (scorer_load(dir, &scorer, err, sizeof(err)) != 0)
            abort();
        norm_scratch_init(&fast);
        norm_scratch_init(&oracle);
    }
    const struct normalizer *normalizer = scorer_normalizer(scorer);
    for (int mode = NORM_MODE_TEXT; mode <= NORM_MODE_HANDLE; mode++) {
        /* A second field appended after the first: offsets and merges start mid-scratch. */
        norm_scratch_reset(&fast);
        norm_scratch_reset(&oracle);
        for (uint8_t field = 0; field < 2; field++) {
            if (normalize_text(normalizer, &fast, (const char *)data, size, field, mode, err,
                               sizeof(err)) != 0 ||
                normalize_text_oracle(normalizer, &oracle, (const char *)data, size, field, mode,
                                      err, sizeof(err)) != 0)
                abort();
        }
        int same = fast.count == oracle.count;
        for (size_t i = 0; same && i < fast.count; i++)
            same = same_token(&fast.tokens[i], &oracle.tokens[i]);
        if (!same) {
            fprintf(stderr, "mode %d differs\n", mode);
            print_tokens("normalize_text", &fast);
            print_tokens("oracle", &oracle);
            abort();
        }
    }
    return 0;
}
