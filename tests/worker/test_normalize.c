/* The normaliser: input text -> tokens with their bytes in the original, table driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "tests/worker/normalize_oracle.h"
#include "tests/worker/worker_test.h"
#include "worker/normalize.h"


/* Renders tokens as "text[start,end)" separated by spaces; numbers as "#value", ballot numbers
 * as "#value!", emoji as "<emoji>", upper-case words with a trailing "^", hashtag parts with a
 * leading "~". */
static void render(const struct norm_scratch *scratch, char *out, size_t out_len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < scratch->count && used < out_len; i++) {
        const struct norm_token *t = &scratch->tokens[i];
        char text[256];
        if (t->kind == NORM_NUMBER)
            snprintf(text, sizeof(text), "%s#%u%s", t->flags & NORM_HASHTAG ? "~" : "", t->value,
                     t->flags & NORM_BALLOT ? "!" : "");
        else
            snprintf(text, sizeof(text), "%s%s%s", t->flags & NORM_HASHTAG ? "~" : "",
                     norm_token_text(scratch, t), t->flags & NORM_UPPER ? "^" : "");
        used += (size_t)snprintf(out + used, out_len - used, "%s%s[%u,%u)", i ? " " : "", text,
                                 t->start, t->end);
    }
}

struct norm_case {
    const char *input;
    int mode;
    const char *expected;
};

static const struct norm_case cases[] = {
    {"Pilihhhh Prabowo yg terbaik", NORM_MODE_TEXT,
     "pilih[0,8) prabowo[9,16) yang[17,19) terbaik[20,27)"},
    {"\xF0\x9D\x90\x8F\xF0\x9D\x90\xAB\xF0\x9D\x90\x9A\xF0\x9D\x90\x9B\xF0\x9D\x90\xA8"
     "\xF0\x9D\x90\xB0\xF0\x9D\x90\xA8", /* 𝐏𝐫𝐚𝐛𝐨𝐰𝐨 */
     NORM_MODE_TEXT, "prabowo[0,28)"},
    {"\xEF\xBD\x90\xEF\xBD\x92\xEF\xBD\x81\xEF\xBD\x82\xEF\xBD\x8F\xEF\xBD\x97\xEF\xBD\x8F",
     NORM_MODE_TEXT, "prabowo[0,21)"}, /* ｐｒａｂｏｗｏ */
    {"Caf\xC3\xA9 Mas'ud", NORM_MODE_TEXT, "cafe[0,5) masud[6,12)"},
    {"cafe\xCC\x81", NORM_MODE_TEXT, "cafe[0,6)"}, /* combining acute accent */
    {"c0bl0s n0m0r 2", NORM_MODE_TEXT, "coblos[0,6) #2![7,14)"},
    {"tahun 2024 pasangan 01", NORM_MODE_TEXT,
     "tahun[0,5) #2024[6,10) pasangan[11,19) #1![20,22)"},
    {"#PrabowoGibran2024", NORM_MODE_TEXT, "~prabowo[1,8) ~gibran[8,14) ~#2024[14,18)"},
    {"#coblosnomor2 #RKSuswono", NORM_MODE_TEXT,
     "~coblos[1,7) ~#2![7,13) ~rk^[15,17) ~suswono[17,24)"},
    {"prabowogibran", NORM_MODE_HASHTAG, "~prabowo[0,7) ~gibran[7,13)"},
    {"\xE2\x9C\x8C\xEF\xB8\x8F\xE2\x98\x9D\xF0\x9F\x8F\xBB\xF0\x9F\xA4\x9F", NORM_MODE_TEXT,
     "\xE2\x9C\x8C[0,6) \xE2\x98\x9D[6,13) \xF0\x9F\xA4\x9F[13,17)"}, /* ✌️ ☝🏻 🤟 */
    {"nomor urut dua, no. 3, nomer wahid", NORM_MODE_TEXT, "#2![0,14) #3![16,21) #1![23,34)"},
    {"satu dua tiga", NORM_MODE_TEXT, "#1[0,4) #2[5,8) #3[9,13)"},
    {"sodara2 rekan2 ASN", NORM_MODE_TEXT, "sodara[0,7) rekan[8,14) asn^[15,18)"},
    {"\xFF\xFE" "abc\xC3", NORM_MODE_TEXT, "abc[2,5)"},
    {"@Prabowo. halo", NORM_MODE_TEXT, "@prabowo[0,8) halo[10,14)"},
    {"lihat https://t.co/c6x9 dan www.kpu.go.id/a coblos", NORM_MODE_TEXT,
     "lihat[0,5) dan[24,27) coblos[44,50)"},
    {"saat mantaaap gk", NORM_MODE_TEXT, "saat[0,4) mantap[5,13) tidak[14,16)"},
    {"p@slon AMIN", NORM_MODE_TEXT, "paslon[0,6) amin^[7,11)"},
    {"", NORM_MODE_TEXT, ""},
    {"0 007 12345678901 dua", NORM_MODE_TEXT, "#0[0,1) #7[2,5) #999999999[6,17) #2[18,21)"},
    {"HALO Halo hALO Ok", NORM_MODE_TEXT, "halo^[0,4) halo[5,9) halo[10,14) ok[15,17)"},
    {"caf\xC3\xA9\xC3\xA9\xC3\xA9 MANTAAAP", NORM_MODE_TEXT, "cafe[0,9) mantap^[10,18)"},
};

static void normalises_table(void **state)
{
    struct scorer *scorer = *state;
    char err[NETRA_ERR_LEN], got[2048];
    struct norm_scratch scratch;
    norm_scratch_init(&scratch);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        norm_scratch_reset(&scratch);
        assert_int_equal(normalize_text(scorer_normalizer(scorer), &scratch, cases[i].input,
                                        strlen(cases[i].input), 0, cases[i].mode, err,
                                        sizeof(err)),
                         0);
        render(&scratch, got, sizeof(got));
        if (strcmp(got, cases[i].expected) != 0)
            fail_msg("case %zu \"%s\":\n  got      %s\n  expected %s", i, cases[i].input, got,
                     cases[i].expected);
    }
    norm_scratch_free(&scratch);
}

/* Every token's bytes lie inside the input, whatever the input. */
static void offsets_stay_inside_hostile_input(void **state)
{
    struct scorer *scorer = *state;
    char err[NETRA_ERR_LEN], input[4096];
    struct norm_scratch scratch;
    uint32_t seed = 12345;
    norm_scratch_init(&scratch);
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % 200);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            static const char alphabet[] =
                "aA0#@ .'\xF0\x9D\x90\x8F\xE2\x9C\x8C\xEF\xB8\x8F\xFF" "2n";
            input[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        norm_scratch_reset(&scratch);
        assert_int_equal(normalize_text(scorer_normalizer(scorer), &scratch, input, len, 0,
                                        round % 2 ? NORM_MODE_HASHTAG : NORM_MODE_TEXT, err,
                                        sizeof(err)),
                         0);
        for (size_t t = 0; t < scratch.count; t++) {
            assert_true(scratch.tokens[t].start <= scratch.tokens[t].end);
            assert_true(scratch.tokens[t].end <= len);
        }
    }
    norm_scratch_free(&scratch);
}

static int same_tokens(const struct norm_scratch *a, const struct norm_scratch *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++) {
        const struct norm_token *x = &a->tokens[i], *y = &b->tokens[i];
        if (x->len != y->len || x->start != y->start || x->end != y->end ||
            x->value != y->value || x->hash != y->hash || x->kind != y->kind ||
            x->flags != y->flags || x->field != y->field ||
            strcmp(norm_token_text(a, x), norm_token_text(b, y)) != 0)
            return 0;
    }
    return 1;
}

/* The fast path gives what the plain scan it replaced gave: every field of every token, for
 * words, numbers, runs, slang, markers, links, hashtags, mentions, styled letters and broken
 * bytes, in every mode, with a second field appended after the first. */
static void tokens_match_the_plain_scan(void **state)
{
    static const char *const pieces[] = {
        "a", "Z", "yg", "gk", "dua", "nomor", "urut", "no.", "2", "02", "2024", "c0bl0s", "HALO",
        "pilihhh", "aaa", "#", "@", "_", ".", "'", "$", " ", "  ", "\n", "http://x.y/z",
        "www.", "https://", "Prabowo", "RKSuswono", "\xC3\xA9", "\xF0\x9D\x90\x8F",
        "\xEF\xBD\x90", "\xE2\x9C\x8C", "\xEF\xB8\x8F", "\xCC\x81", "\xFF", "\xC3",
        "\xE2\x80\x99", "\xD0\x90", "0", "9999999999", "rekan2", "sodara2",
        "paslonnomorurutdua", "pemilu", "coblos",
    };
    const size_t piece_count = sizeof(pieces) / sizeof(pieces[0]);
    struct scorer *scorer = *state;
    const struct normalizer *normalizer = scorer_normalizer(scorer);
    char err[NETRA_ERR_LEN], input[2048];
    struct norm_scratch fast, plain;
    uint32_t seed = 777;
    norm_scratch_init(&fast);
    norm_scratch_init(&plain);
    for (int round = 0; round < 20000; round++) {
        size_t len = 0;
        for (int piece = 0; piece < round % 40; piece++) {
            seed = seed * 1103515245u + 12345u;
            const char *text = pieces[(seed >> 16) % piece_count];
            size_t n = strlen(text);
            if (len + n >= sizeof(input))
                break;
            memcpy(input + len, text, n);
            len += n;
        }
        int mode = round % 3;
        norm_scratch_reset(&fast);
        norm_scratch_reset(&plain);
        for (uint8_t field = 0; field < 2; field++) {
            assert_int_equal(normalize_text(normalizer, &fast, input, len, field, mode, err,
                                             sizeof(err)),
                             0);
            assert_int_equal(normalize_text_oracle(normalizer, &plain, input, len, field, mode,
                                                    err, sizeof(err)),
                             0);
        }
        if (!same_tokens(&fast, &plain))
            fail_msg("round %d, mode %d: \"%.*s\" gives other tokens", round, mode, (int)len,
                     input);
    }
    norm_scratch_free(&fast);
    norm_scratch_free(&plain);
}

/* A field larger than the limit is read up to the limit, and the token count is bounded. */
static void long_input_is_bounded(void **state)
{
    struct scorer *scorer = *state;
    char err[NETRA_ERR_LEN];
    size_t len = NORM_MAX_FIELD_BYTES * 2;
    char *input = malloc(len);
    assert_non_null(input);
    for (size_t i = 0; i < len; i++)
        input[i] = i % 2 ? ' ' : 'a';
    struct norm_scratch scratch;
    norm_scratch_init(&scratch);
    assert_int_equal(normalize_text(scorer_normalizer(scorer), &scratch, input, len, 0,
                                    NORM_MODE_TEXT, err, sizeof(err)),
                     0);
    assert_true(scratch.count <= NORM_MAX_TOKENS);
    assert_true(scratch.tokens[scratch.count - 1].end <= NORM_MAX_FIELD_BYTES);
    norm_scratch_free(&scratch);
    free(input);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalises_table),
        cmocka_unit_test(offsets_stay_inside_hostile_input),
        cmocka_unit_test(long_input_is_bounded),
        cmocka_unit_test(tokens_match_the_plain_scan),
    };
    return cmocka_run_group_tests(tests, worker_test_setup, worker_test_teardown);
}
