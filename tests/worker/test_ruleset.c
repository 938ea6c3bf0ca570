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
                       "\"jawa-tengah\", or \"all\"");
    expect_parse_error("{\"version\": \"1\"}", "config/rules/aceh.jsonc: name: must be a string");
    expect_parse_error("[1, 2]", "config/rules/aceh.jsonc: (top): must be an object");
}

#define TERM_RULE(term)                                                                        \
    NATIONAL_HEAD "\"lists\": {\"a\": [\"@x:ok\", " term "]}}"

/* Qualified accounts, kinds, the lists-less dampen and region "all": every malformed form is
 * refused with its path, so a typo never becomes a rule that silently matches nothing. */
static void refuses_malformed_engagement_forms(void **state)
{
    (void)state;
    expect_parse_error(TERM_RULE("\"@fb:prabowo\""),
                       "config/rules/aceh.jsonc: lists.a[1]: \"@fb:prabowo\": unknown platform "
                       "\"fb\" (expected mastodon, bluesky, x, feed, jsonapi)");
    expect_parse_error(TERM_RULE("\"@:prabowo\""),
                       "config/rules/aceh.jsonc: lists.a[1]: \"@:prabowo\": unknown platform "
                       "\"\" (expected mastodon, bluesky, x, feed, jsonapi)");
    expect_parse_error(TERM_RULE("\"@X:prabowo\""),
                       "config/rules/aceh.jsonc: lists.a[1]: \"@X:prabowo\": unknown platform "
                       "\"X\" (expected mastodon, bluesky, x, feed, jsonapi)");
    expect_parse_error(TERM_RULE("\"@x:\""),
                       "config/rules/aceh.jsonc: lists.a[1]: \"@x:\": no account after the "
                       "platform");
    expect_parse_error(TERM_RULE("\"@x:prabowo fans\""),
                       "config/rules/aceh.jsonc: lists.a[1]: \"@x:prabowo fans\": not an X "
                       "username or user id (1..20 letters, digits and _)");
    expect_parse_error(TERM_RULE("\"@x:prabowo_official_account\""),
                       "config/rules/aceh.jsonc: lists.a[1]: \"@x:prabowo_official_account\": not "
                       "an X username or user id (1..20 letters, digits and _)");
    expect_parse_error(TERM_RULE("\"@mastodon:gerindra\""),
                       "config/rules/aceh.jsonc: lists.a[1]: \"@mastodon:gerindra\": not a "
                       "Mastodon account (user@domain) or account id (digits)");
    expect_parse_error(TERM_RULE("\"@mastodon:gerindra@social\""),
                       "config/rules/aceh.jsonc: lists.a[1]: \"@mastodon:gerindra@social\": not "
                       "a Mastodon account (user@domain) or account id (digits)");
    expect_parse_error(TERM_RULE("\"@bluesky:gerindra\""),
                       "config/rules/aceh.jsonc: lists.a[1]: \"@bluesky:gerindra\": not a "
                       "Bluesky handle (a domain name: name.bsky.social) or DID (did:method:id)");
    expect_parse_error(TERM_RULE("\"@bluesky:did:plc\""),
                       "config/rules/aceh.jsonc: lists.a[1]: \"@bluesky:did:plc\": not a "
                       "Bluesky handle (a domain name: name.bsky.social) or DID (did:method:id)");
    expect_parse_error(TERM_RULE("\"@bluesky:a..bsky.social\""),
                       "config/rules/aceh.jsonc: lists.a[1]: \"@bluesky:a..bsky.social\": not a "
                       "Bluesky handle (a domain name: name.bsky.social) or DID (did:method:id)");
    expect_parse_error(NATIONAL_HEAD "\"rules\": [{\"id\": \"r\", \"kind\": \"term\", "
                       "\"category\": \"vote_call\", \"weight\": 1, \"lists\": \"a\", "
                       "\"kinds\": [\"follow\", \"folow\"]}]}",
                       "config/rules/aceh.jsonc: rules[0].kinds: \"folow\": must be one of post, "
                       "repost, reply, quote, follow, like");
    expect_parse_error(NATIONAL_HEAD "\"rules\": [{\"id\": \"r\", \"kind\": \"term\", "
                       "\"category\": \"vote_call\", \"weight\": 1, \"lists\": \"a\", "
                       "\"kinds\": []}]}",
                       "config/rules/aceh.jsonc: rules[0].kinds: must list 1..6 names");
    expect_parse_error(NATIONAL_HEAD "\"rules\": [{\"id\": \"r\", \"kind\": \"term\", "
                       "\"category\": \"vote_call\", \"weight\": 1, \"lists\": \"a\", "
                       "\"fields\": \"target.bio\"}]}",
                       "config/rules/aceh.jsonc: rules[0].fields: \"target.bio\": must be one of "
                       "text, repost_of.text, repost_of.author, media.alt, hashtags, mentions, "
                       "target.account, target.account_id, target.name, target.text");
    /* Only a dampen rule limited by kinds does without lists. */
    expect_parse_error(NATIONAL_HEAD "\"rules\": [{\"id\": \"r\", \"kind\": \"dampen\", "
                       "\"factor\": 0.5}]}",
                       "config/rules/aceh.jsonc: rules[0].lists: must be a string or an array of "
                       "strings");
    expect_parse_error(NATIONAL_HEAD "\"rules\": [{\"id\": \"r\", \"kind\": \"term\", "
                       "\"category\": \"vote_call\", \"weight\": 1, \"kinds\": \"like\"}]}",
                       "config/rules/aceh.jsonc: rules[0].lists: must be a string or an array of "
                       "strings");
    expect_parse_error("{\"name\": \"r\", \"version\": \"1\", \"region\": \"all\", "
                       "\"also\": [\"aceh\"]}",
                       "config/rules/aceh.jsonc: also: a ruleset of region \"all\" applies to "
                       "every region");
    expect_parse_error("{\"name\": \"r\", \"version\": \"1\", \"region\": \"all\", "
                       "\"normalize\": {}}",
                       "config/rules/aceh.jsonc: normalize: only the national ruleset has "
                       "normaliser tables");
}

static void accepts_every_engagement_form(void **state)
{
    (void)state;
    static const char text[] =
        "{\"name\": \"campaign\", \"version\": \"1\", \"region\": \"all\", \"lists\": {"
        "\"candidate_account\": [\"@x:Prabowo\", \"@x:1234567890\", "
        "\"@bluesky:gerindra.bsky.social\", \"@bluesky:did:plc:abc234\", "
        "\"@bluesky:did:web:kampanye.example\", \"@mastodon:gerindra@kampanye.social\", "
        "\"@mastodon:109876543210\", \"@feed:https://kampanye.example/feed\", \"@prabowo\"],"
        "\"campaign_team_account\": []}, \"rules\": [{\"id\": \"w\", \"kind\": \"dampen\", "
        "\"factor\": 0.5, \"kinds\": [\"like\", \"repost\"]}]}";
    char err[NETRA_ERR_LEN];
    struct ruleset *set = NULL;
    if (ruleset_parse("all.jsonc", text, strlen(text), &set, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(set->region, "all");
    const struct rule_list *accounts = &set->lists[0];
    assert_int_equal(accounts->count, 9);
    assert_string_equal(accounts->terms[0].platform, "x");
    assert_string_equal(accounts->terms[0].text, "Prabowo");
    assert_int_equal(accounts->terms[0].flags, RULE_TERM_ACCOUNT | RULE_TERM_PLATFORM);
    assert_string_equal(accounts->terms[3].platform, "bluesky");
    assert_string_equal(accounts->terms[3].text, "did:plc:abc234");
    assert_string_equal(accounts->terms[5].text, "gerindra@kampanye.social");
    assert_null(accounts->terms[8].platform);
    assert_int_equal(accounts->terms[8].flags, RULE_TERM_ACCOUNT);
    assert_int_equal(set->lists[1].count, 0);
    assert_int_equal(set->rules[0].lists.count, 0);
    assert_int_equal(set->rules[0].kinds, 1u << POST_KIND_LIKE | 1u << POST_KIND_REPOST);
    ruleset_free(set);
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
    assert_string_equal(result.ruleset, "id-national-2024@1.1.0+aceh-pilkada-2024@1.0.0");
    assert_int_equal(score_post(scorer, &scratch, post, "jawa-barat", &thresholds, &result, err,
                                sizeof(err)),
                     0);
    assert_string_equal(result.ruleset, "id-national-2024@1.1.0+dki-jakarta-pilkada-2024@1.0.0");
    assert_int_equal(score_post(scorer, &scratch, post, NULL, &thresholds, &result, err,
                                sizeof(err)),
                     0);
    assert_string_equal(result.ruleset, "id-national-2024@1.1.0");
    score_scratch_free(&scratch);
    post_message_free(post);
    scorer_free(scorer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refuses_bad_values_with_their_path),
        cmocka_unit_test(refuses_malformed_engagement_forms),
        cmocka_unit_test(accepts_every_engagement_form),
        cmocka_unit_test(reports_json_syntax_by_line_and_column),
        cmocka_unit_test(strips_comments_but_not_strings),
        cmocka_unit_test(refuses_hostile_sizes),
        cmocka_unit_test(refuses_unknown_lists_and_categories_at_compile),
        cmocka_unit_test(shipped_rulesets_load_with_their_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
