/* Rulesets: the shipped ones load; a bad one is refused with file, JSON path and problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "tests/support/test_support.h"
#include "tests/worker/worker_test.h"
#include "worker/compile.h"
#include "worker/ruleset.h"

#define NATIONAL_HEAD                                                                          \
    "{\"name\": \"n\", \"version\": \"1\", "                                                  \
    "\"categories\": {\"vote_call\": {\"weight\": 1, \"partisan\": true}}, "

static void expect_parse_error(const char *text, const char *expected)
{
    char err[NETRA_ERR_LEN] = "";
    struct ruleset *set = NULL;
    assert_int_equal(ruleset_parse("config/rules/aceh.jsonc", text, strlen(text), &set, err,
                                   sizeof(err)),
                     -1);
    assert_null(set);
    if (strcmp(err, expected) != 0)
        fail_msg("got      %s\nexpected %s", err, expected);
}

static void refuses_bad_values_with_their_path(void **state)
{
    (void)state;
    expect_parse_error(NATIONAL_HEAD "\"lists\": {\"a\": [\"x\"]}, \"rules\": [{\"id\": \"r0\", "
                       "\"kind\": \"term\", \"category\": \"vote_call\", \"weight\": 0.5, "
                       "\"lists\": \"a\"}, {\"id\": \"r1\", \"kind\": \"term\", \"category\": "
                       "\"vote_call\", \"weight\": 2, \"lists\": \"a\"}]}",
                       "config/rules/aceh.jsonc: rules[1].weight: must be a number in 0..1");
    expect_parse_error(NATIONAL_HEAD "\"rules\": [{\"id\": \"r\", \"kind\": \"near\", "
                       "\"category\": \"vote_call\", \"weight\": 1, \"lists\": \"a\"}]}",
                       "config/rules/aceh.jsonc: rules[0].near: required");
    expect_parse_error(NATIONAL_HEAD "\"rules\": [{\"id\": \"r\", \"kind\": \"teleport\"}]}",
                       "config/rules/aceh.jsonc: rules[0].kind: must be one of term, near, "
                       "suppress, dampen");
    expect_parse_error(NATIONAL_HEAD "\"rules\": [{\"id\": \"r\", \"kind\": \"near\", "
                       "\"category\": \"vote_call\", \"weight\": 1, \"lists\": \"a\", \"near\": "
                       "\"b\", \"window\": 1000}]}",
                       "config/rules/aceh.jsonc: rules[0].window: must be an integer in 0..64");
    expect_parse_error(NATIONAL_HEAD "\"rules\": [{\"id\": \"r\", \"kind\": \"term\", "
                       "\"category\": \"vote_call\", \"wieght\": 1, \"lists\": \"a\"}]}",
                       "config/rules/aceh.jsonc: rules[0]: unknown key \"wieght\"");
    expect_parse_error(NATIONAL_HEAD "\"lists\": {\"a\": [\"x\", 3]}}",
                       "config/rules/aceh.jsonc: lists.a[1]: must be a string");
    expect_parse_error(NATIONAL_HEAD "\"lists\": {\"Bad Name\": [\"x\"]}}",
                       "config/rules/aceh.jsonc: lists.Bad Name: a list name must be lower-case "
                       "letters, digits and _");
    expect_parse_error("{\"name\": \"r\", \"version\": \"1\", \"region\": \"aceh\", "
                       "\"categories\": {}}",
                       "config/rules/aceh.jsonc: categories: only the national ruleset defines "
                       "categories");
    expect_parse_error("{\"name\": \"r\", \"version\": \"1\", \"region\": \"Aceh Besar\"}",
                       "config/rules/aceh.jsonc: region: must be a lower-case slug such as "
                       "\"jawa-tengah\"");
    expect_parse_error("{\"version\": \"1\"}", "config/rules/aceh.jsonc: name: must be a string");
    expect_parse_error("[1, 2]", "config/rules/aceh.jsonc: (top): must be an object");
}

static void reports_json_syntax_by_line_and_column(void **state)
{
    (void)state;
    expect_parse_error("// a comment\n{\"name\": \"n\",\n  \"version\": }",
                       "config/rules/aceh.jsonc:3:14: not valid JSON");
}

static void strips_comments_but_not_strings(void **state)
{
    (void)state;
    char text[] = "{\"a\": \"x // y /* z */\", // gone\n \"b\": /* gone\n too */ 1}";
    jsonc_strip_comments(text, strlen(text));
    assert_string_equal(text, "{\"a\": \"x // y /* z */\",        \n \"b\":        \n        1}");
}

static void refuses_hostile_sizes(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    struct ruleset *set = NULL;
    size_t len = RULESET_MAX_FILE_BYTES + 10;
    char *big = malloc(len);
    assert_non_null(big);
    memset(big, ' ', len);
    assert_int_equal(ruleset_parse("big.jsonc", big, len, &set, err, sizeof(err)), -1);
    assert_string_equal(err, "big.jsonc: larger than 1048576 bytes");
    free(big);
    char deep[4096] = "";
    for (int i = 0; i < 1000; i++)
        strcat(deep, "[");
    assert_int_equal(ruleset_parse("deep.jsonc", deep, strlen(deep), &set, err, sizeof(err)),
                     -1);
}

/* Problems only visible once the national and regional files meet. */
static void refuses_unknown_lists_and_categories_at_compile(void **state)
{
    (void)state;
    static const char *const regional[] = {
        "{\"name\": \"r\", \"version\": \"1\", \"region\": \"aceh\", \"rules\": [{\"id\": \"x\", "
        "\"kind\": \"term\", \"category\": \"vote_call\", \"weight\": 1, \"lists\": "
        "[\"a\", \"nope\"]}]}",
        "{\"name\": \"r\", \"version\": \"1\", \"region\": \"aceh\", \"rules\": [{\"id\": \"x\", "
        "\"kind\": \"term\", \"category\": \"gossip\", \"weight\": 1, \"lists\": \"a\"}]}",
        "{\"name\": \"r\", \"version\": \"1\", \"region\": \"aceh\", \"lists\": {\"a\": "
        "[\"one two three four five six seven eight nine\"]}}",
    };
    static const char *const expected[] = {
        "config/rules/aceh.jsonc: rules[0].lists[1]: unknown list \"nope\"",
        "config/rules/aceh.jsonc: rules[0].category: unknown category \"gossip\"",
        ("config/rules/aceh.jsonc: lists.a[0]: \"one two three four five six seven eight nine\" "
         "normalises to 9 tokens, must be 1..8"),
    };
    const char *national = NATIONAL_HEAD "\"lists\": {\"a\": [\"x\"]}}";
    for (size_t i = 0; i < sizeof(regional) / sizeof(regional[0]); i++) {
        char err[NETRA_ERR_LEN];
        struct ruleset **sets = calloc(2, sizeof(*sets));
        struct scorer *scorer = NULL;
        assert_non_null(sets);
        assert_int_equal(ruleset_parse("config/rules/national.jsonc", national, strlen(national),
                                       &sets[0], err, sizeof(err)),
                         0);
        assert_int_equal(ruleset_parse("config/rules/aceh.jsonc", regional[i],
                                       strlen(regional[i]), &sets[1], err, sizeof(err)),
                         0);
        assert_int_equal(compile_scorer(sets, 2, &scorer, err, sizeof(err)), -1);
        assert_null(scorer);
        assert_string_equal(err, expected[i]);
    }
}

static void shipped_rulesets_load_with_their_versions(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    char *dir = test_source_path("config/rules");
    struct ruleset **sets;
    size_t count;
    assert_int_equal(ruleset_load_dir(dir, &sets, &count, err, sizeof(err)), 0);
    static const char *const regions[] = {"aceh",          "dki-jakarta",      "jawa-tengah",
                                          "jawa-timur",    "kalimantan-timur", "sulawesi-tenggara"};
    for (size_t r = 0; r < sizeof(regions) / sizeof(regions[0]); r++) {
        int found = 0;
        for (size_t i = 0; i < count; i++)
            found |= sets[i]->region != NULL && strcmp(sets[i]->region, regions[r]) == 0;
        if (!found)
            fail_msg("no ruleset for region %s", regions[r]);
    }
    ruleset_free_all(sets, count);
    free(dir);

    struct scorer *scorer = worker_test_scorer();
    struct score_scratch scratch;
    struct score_result result;
    struct score_thresholds thresholds = {0.35, 0.6};
    struct post_message *post = worker_test_post("halo");
    score_scratch_init(&scratch);
    assert_int_equal(score_post(scorer, &scratch, post, "aceh", &thresholds, &result, err,
                                sizeof(err)),
                     0);
    assert_string_equal(result.ruleset, "id-national-2024@1.0.0+aceh-pilkada-2024@1.0.0");
    assert_int_equal(score_post(scorer, &scratch, post, "jawa-barat", &thresholds, &result, err,
                                sizeof(err)),
                     0);
    assert_string_equal(result.ruleset, "id-national-2024@1.0.0+dki-jakarta-pilkada-2024@1.0.0");
    assert_int_equal(score_post(scorer, &scratch, post, NULL, &thresholds, &result, err,
                                sizeof(err)),
                     0);
    assert_string_equal(result.ruleset, "id-national-2024@1.0.0");
    score_scratch_free(&scratch);
    post_message_free(post);
    scorer_free(scorer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refuses_bad_values_with_their_path),
        cmocka_unit_test(reports_json_syntax_by_line_and_column),
        cmocka_unit_test(strips_comments_but_not_strings),
        cmocka_unit_test(refuses_hostile_sizes),
        cmocka_unit_test(refuses_unknown_lists_and_categories_at_compile),
        cmocka_unit_test(shipped_rulesets_load_with_their_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
