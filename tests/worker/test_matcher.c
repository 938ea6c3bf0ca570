/* The Aho-Corasick matcher over normalised tokens: phrases, overlaps, word and field
 * boundaries, flags, clitics, number classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "worker/matcher.h"
#include "worker/normalize.h"

static const char *const patterns[] = {
    "coblos",         /* 0 */
    "coblos nomor 2", /* 1: coblos <ballot> */
    "prabowo gibran", /* 2 */
    "gibran",         /* 3 */
    "pilihan",        /* 4 */
    "amin",           /* 5: upper only */
    "satu putaran",   /* 6: <num> putaran */
    "@prabowo",       /* 7 */
    "tim sukses",     /* 8 */
    "sukses",         /* 9 */
};

struct fixture {
    struct normalizer normalizer;
    struct matcher matcher;
    struct norm_scratch scratch;
    struct match_buffer matches;
};

static int setup(void **state)
{
    static struct fixture f;
    char err[NETRA_ERR_LEN];
    normalizer_init(&f.normalizer);
    matcher_init(&f.matcher);
    norm_scratch_init(&f.scratch);
    match_buffer_init(&f.matches);
    assert_int_equal(normalizer_add_marker(&f.normalizer, "nomor", err, sizeof(err)), 0);
    assert_int_equal(normalizer_add_number_word(&f.normalizer, "satu", 1, err, sizeof(err)), 0);
    assert_int_equal(normalizer_add_number_word(&f.normalizer, "dua", 2, err, sizeof(err)), 0);
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        int mode = patterns[i][0] == '@' ? NORM_MODE_HANDLE : NORM_MODE_TEXT;
        norm_scratch_reset(&f.scratch);
        assert_int_equal(normalize_text(&f.normalizer, &f.scratch, patterns[i],
                                        strlen(patterns[i]), 0, mode, err, sizeof(err)),
                         0);
        assert_int_equal(matcher_add(&f.matcher, &f.scratch, f.scratch.tokens, f.scratch.count,
                                     i == 5 ? NORM_UPPER : 0, (uint32_t)i, err, sizeof(err)),
                         0);
    }
    assert_int_equal(matcher_build(&f.matcher, err, sizeof(err)), 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    normalizer_free(&f->normalizer);
    matcher_free(&f->matcher);
    norm_scratch_free(&f->scratch);
    match_buffer_free(&f->matches);
    return 0;
}

/* Matches of text (two fields when split by '|') as "payload:first-last" joined by spaces. */
static void run(struct fixture *f, const char *text, char *out, size_t out_len)
{
    char err[NETRA_ERR_LEN];
    const char *bar = strchr(text, '|');
    size_t first_len = bar ? (size_t)(bar - text) : strlen(text);
    norm_scratch_reset(&f->scratch);
    assert_int_equal(normalize_text(&f->normalizer, &f->scratch, text, first_len, 0,
                                    NORM_MODE_TEXT, err, sizeof(err)),
                     0);
    if (bar != NULL)
        assert_int_equal(normalize_text(&f->normalizer, &f->scratch, bar + 1, strlen(bar + 1), 1,
                                        NORM_MODE_TEXT, err, sizeof(err)),
                         0);
    assert_int_equal(matcher_run(&f->matcher, &f->scratch, &f->matches), 0);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < f->matches.count && used < out_len; i++)
        used += (size_t)snprintf(out + used, out_len - used, "%s%u:%u-%u", i ? " " : "",
                                 f->matches.items[i].payload, f->matches.items[i].first,
                                 f->matches.items[i].last);
}

static void expect(void **state, const char *text, const char *expected)
{
    char got[512];
    run(*state, text, got, sizeof(got));
    if (strcmp(got, expected) != 0)
        fail_msg("\"%s\": got \"%s\", expected \"%s\"", text, got, expected);
}

static void finds_terms_and_phrases(void **state)
{
    expect(state, "ayo coblos nomor 2", "0:1-1 1:1-2");
    expect(state, "Prabowo Gibran menang", "2:0-1 3:1-1");
    expect(state, "tim sukses gibran", "8:0-1 9:1-1 3:2-2");
    expect(state, "coblos coblos", "0:0-0 0:1-1");
}

static void respects_word_boundaries(void **state)
{
    expect(state, "prabowonomics gibraltar", "");
    expect(state, "mencoblos pilihanku", "4:1-1"); /* a clitic is dropped, a prefix is not */
}

static void never_spans_fields(void **state)
{
    expect(state, "prabowo|gibran", "3:1-1");
}

static void needs_flags(void **state)
{
    expect(state, "amin ya allah", "");
    expect(state, "relawan AMIN", "5:1-1");
}

static void matches_number_classes_and_mentions(void **state)
{
    expect(state, "dua putaran", "6:0-1");
    expect(state, "coblos 2", "0:0-0"); /* a bare number is not a ballot number */
    expect(state, "halo @Prabowo", "7:1-1");
    expect(state, "halo prabowo", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_terms_and_phrases),
        cmocka_unit_test(respects_word_boundaries),
        cmocka_unit_test(never_spans_fields),
        cmocka_unit_test(needs_flags),
        cmocka_unit_test(matches_number_classes_and_mentions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
