/* The explanation's JSON: numbers print byte for byte as cJSON prints them (explain formats
 * offsets and thousandths itself), and a reused writer prints what explain_to_json prints,
 * whatever came before it. The oracle is the plain cJSON tree netra built before. */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "tests/worker/explain_oracle.h"
#include "worker/explain.h"

static struct score_match sample_match(uint32_t start, uint32_t end, double weight)
{
    return (struct score_match){"cue-coblos", "campaign", "coblos", RULE_FIELD_HASHTAG, 3,
                                start, end, weight};
}

static struct score_result sample_result(double political, double partisan,
                                         const struct score_match *matches, size_t count)
{
    struct score_result result = {0};
    result.political = political;
    result.partisan = partisan;
    result.verdict = SCORE_SUSPECT;
    result.categories[0] = "campaign";
    result.categories[1] = "support";
    result.category_count = 2;
    result.matches = matches;
    result.match_count = count;
    result.ruleset = "national@1.0.0+aceh@1.0.0";
    return result;
}

static void expect_as_cjson(struct explain_writer *writer, const char *id,
                            const struct score_result *result)
{
    char *expected = explain_oracle_json(id, result);
    char *got = explain_to_json(id, result);
    size_t len = 0;
    const char *written = explain_write(writer, id, result, &len);
    assert_non_null(expected);
    assert_non_null(got);
    assert_non_null(written);
    assert_string_equal(got, expected);
    assert_string_equal(written, expected);
    assert_int_equal(len, strlen(expected));
    cJSON_free(got);
    cJSON_free(expected);
}

static void scores_print_as_cjson_prints_them(void **state)
{
    (void)state;
    struct explain_writer writer;
    explain_writer_init(&writer);
    /* Every thousandth in and well beyond 0..1, both signs. */
    for (int k = -3000; k <= 3000; k++) {
        struct score_match match = sample_match(0, 1, k / 1000.0);
        struct score_result result = sample_result(k / 1000.0, -k / 1000.0, &match, 1);
        expect_as_cjson(&writer, "t", &result);
    }
    /* Products of weights as scoring makes them, and values no thousandth can show. */
    static const double values[] = {1.0 - (1.0 - 0.7) * (1.0 - 0.45) * (1.0 - 0.3),
                                    (1.0 - (1.0 - 0.8) * (1.0 - 0.6)) * 0.5,
                                    0.0005,
                                    0.9995,
                                    -0.0,
                                    1e-300,
                                    123456.789,
                                    999999999.999,
                                    1e9,
                                    -1e9,
                                    2147483647.0,
                                    2147483648.0,
                                    1e17,
                                    1e300,
                                    INFINITY,
                                    -INFINITY,
                                    NAN};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct score_match match = sample_match(0, 1, values[i]);
        struct score_result result = sample_result(values[i], values[i], &match, 1);
        expect_as_cjson(&writer, "t", &result);
    }
    explain_writer_free(&writer);
}

static void offsets_print_as_cjson_prints_them(void **state)
{
    (void)state;
    static const uint32_t offsets[] = {0,       1,         9,       10,          99,
                                       100,     65535,     262144,  1000000000,  INT_MAX - 1,
                                       INT_MAX, 2147483648u, 4000000000u, UINT32_MAX};
    struct explain_writer writer;
    explain_writer_init(&writer);
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        struct score_match match = sample_match(offsets[i], offsets[i], 0.5);
        struct score_result result = sample_result(0.5, 0.25, &match, 1);
        expect_as_cjson(&writer, "t", &result);
    }
    explain_writer_free(&writer);
}

/* One writer through results of every shape: no match, the most matches, every field, an id
 * longer than its buffer, then small again. */
static void a_reused_writer_prints_each_result_alone(void **state)
{
    (void)state;
    struct score_match many[SCORE_MAX_EXPLAIN];
    for (size_t i = 0; i < SCORE_MAX_EXPLAIN; i++) {
        many[i] = sample_match((uint32_t)i * 7, (uint32_t)i * 7 + 5, (double)i / 64.0);
        many[i].field = (enum rule_field)(i % RULE_FIELD_COUNT);
        many[i].index = (unsigned)i;
    }
    char *long_id = malloc(200000);
    assert_non_null(long_id);
    memset(long_id, 'x', 199999);
    long_id[199999] = '\0';
    memcpy(long_id, "x:\"quoted\"\\\n", 12);
    struct explain_writer writer;
    explain_writer_init(&writer);

    struct score_result clear = sample_result(0, 0, NULL, 0);
    clear.verdict = SCORE_CLEAR;
    clear.category_count = 0;
    expect_as_cjson(&writer, "mastodon:1", &clear);
    struct score_result full = sample_result(0.999, 0.75, many, SCORE_MAX_EXPLAIN);
    expect_as_cjson(&writer, "mastodon:2", &full);
    expect_as_cjson(&writer, long_id, &full);
    expect_as_cjson(&writer, "mastodon:3", &clear);
    struct score_result one = sample_result(0.5, 0, many + 3, 1);
    one.verdict = SCORE_POLITICAL;
    one.category_count = 1;
    expect_as_cjson(&writer, "x:\xF0\x9F\x98\x82", &one);
    expect_as_cjson(&writer, "mastodon:4", &clear);

    explain_writer_free(&writer);
    free(long_id);
}

/* Names are printed once and reused: a name that needs escapes prints as cJSON escapes it, and
 * new text at an address seen before prints as the new text, never the old. */
static void names_print_as_their_current_text(void **state)
{
    (void)state;
    char rule[32], category[32], term[32];
    struct score_match match = sample_match(1, 4, 0.5);
    match.rule = rule;
    match.category = category;
    match.term = term;
    struct score_result result = sample_result(0.5, 0.25, &match, 1);
    result.categories[0] = category;
    result.category_count = 1;
    struct explain_writer writer;
    explain_writer_init(&writer);

    strcpy(rule, "cue-\"quoted\"\\");
    strcpy(category, "campaign\n\x01");
    strcpy(term, "\xF0\x9F\x98\x82 coblos");
    expect_as_cjson(&writer, "mastodon:1", &result);
    strcpy(rule, "other-rule");
    strcpy(category, "support");
    strcpy(term, "pilih");
    expect_as_cjson(&writer, "mastodon:2", &result);
    match.term = "";
    expect_as_cjson(&writer, "mastodon:3", &result);

    explain_writer_free(&writer);
}

/* More names than the writer keeps: it starts over and still prints each one right. */
static void many_names_print_right(void **state)
{
    (void)state;
    static char names[5000][12];
    struct explain_writer writer;
    explain_writer_init(&writer);
    for (size_t i = 0; i < 5000; i++) {
        snprintf(names[i], sizeof(names[i]), "rule-%zu", i);
        struct score_match match = sample_match(1, 4, 0.5);
        match.rule = names[i];
        match.term = names[(i * 7) % 5000];
        struct score_result result = sample_result(0.5, 0.25, &match, 1);
        expect_as_cjson(&writer, "mastodon:1", &result);
    }
    explain_writer_free(&writer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scores_print_as_cjson_prints_them),
        cmocka_unit_test(offsets_print_as_cjson_prints_them),
        cmocka_unit_test(a_reused_writer_prints_each_result_alone),
        cmocka_unit_test(names_print_as_their_current_text),
        cmocka_unit_test(many_names_print_right),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
