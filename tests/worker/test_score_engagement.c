/* Follows and likes: a follow of a campaign account is suspect and a neighbour's follow is not,
 * whatever the bio says; a like weighs the liked post's words and its author, at 0.7 of writing
 * them. Platform-qualified account terms match whole, case-insensitive, on their platform only;
 * "kinds" limits a rule; a ruleset of region "all" applies everywhere; explanations point into
 * the target fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "config/log.h"
#include "tests/worker/worker_test.h"
#include "worker/compile.h"
#include "worker/explain.h"

struct engagement {
    const char *platform;
    enum post_kind kind;
    const char *account;    /* target.account */
    const char *account_id; /* target.account_id */
    const char *name;       /* target.name */
    const char *text;       /* target.text */
};

static struct post_message *message(const struct engagement *e)
{
    struct post_message *post = worker_test_post("");
    const char *const values[] = {e->platform, e->account, e->account_id, e->name, e->text};
    char **const slots[] = {&post->platform, &post->target.account, &post->target.account_id,
                            &post->target.name, &post->target.text};
    post->kind = e->kind;
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
        if (values[i] != NULL)
            assert_non_null(*slots[i] = strdup(values[i]));
    return post;
}

/* Scores post in region; the result's matches stay valid until the scratch is freed. */
static void score(const struct scorer *scorer, struct score_scratch *scratch,
                  const struct post_message *post, const char *region,
                  struct score_result *result)
{
    char err[NETRA_ERR_LEN];
    struct score_thresholds thresholds = {SCORE_DEFAULT_POLITICAL_THRESHOLD,
                                          SCORE_DEFAULT_SUSPECT_THRESHOLD};
    assert_int_equal(score_post(scorer, scratch, post, region, &thresholds, result, err,
                                sizeof(err)),
                     0);
}

static enum score_verdict verdict_of(const struct scorer *scorer, const struct engagement *e)
{
    struct score_scratch scratch;
    struct score_result result;
    struct post_message *post = message(e);
    score_scratch_init(&scratch);
    score(scorer, &scratch, post, NULL, &result);
    score_scratch_free(&scratch);
    post_message_free(post);
    return result.verdict;
}

static void expect(const struct scorer *scorer, const struct engagement *cases, size_t count,
                   enum score_verdict expected)
{
    for (size_t i = 0; i < count; i++) {
        enum score_verdict got = verdict_of(scorer, &cases[i]);
        if (got != expected)
            fail_msg("%s of %s \"%s\": got %s, expected %s", post_kind_name(cases[i].kind),
                     cases[i].account, cases[i].text ? cases[i].text : "",
                     score_verdict_name(got), score_verdict_name(expected));
    }
}

/* The explanation entry of rule, or a failed test. */
static const struct score_match *match_of(const struct score_result *result, const char *rule)
{
    for (size_t i = 0; i < result->match_count; i++)
        if (strcmp(result->matches[i].rule, rule) == 0)
            return &result->matches[i];
    fail_msg("rule %s did not fire", rule);
    return NULL;
}

static const char *field_of(const struct score_match *match)
{
    static char field[48];
    explain_field_name(match, field, sizeof(field));
    return field;
}

/* ---- follows with the shipped rulesets ------------------------------------------------- */

static void following_a_campaign_account_is_suspect(void **state)
{
    const struct scorer *scorer = *state;
    static const struct engagement cases[] = {
        {"x", POST_KIND_FOLLOW, "prabowo", "1234", "Prabowo Subianto", "Ketua Umum"},
        {"x", POST_KIND_FOLLOW, "Gerindra", NULL, "Partai Gerindra", NULL},
        {"x", POST_KIND_FOLLOW, "PDI_Perjuangan", NULL, NULL, NULL},
        /* a bio full of election news lowers nothing: the account is what is followed */
        {"x", POST_KIND_FOLLOW, "aniesbaswedan", NULL, "Anies Baswedan",
         "Berita dan info resmi. Netralitas ASN wajib, kata Bawaslu."},
        /* no list holds it, its name says what it is */
        {"bluesky", POST_KIND_FOLLOW, "relawan-bogor.bsky.social", "did:plc:r1",
         "Relawan Prabowo-Gibran Kab. Bogor", "Akun relawan"},
        {"mastodon", POST_KIND_FOLLOW, "tim@kampanye.social", "77",
         "Tim Pemenangan Kab. Bogor", NULL},
    };
    expect(scorer, cases, sizeof(cases) / sizeof(cases[0]), SCORE_SUSPECT);

    struct score_scratch scratch;
    struct score_result result;
    struct post_message *post = message(&cases[0]);
    score_scratch_init(&scratch);
    score(scorer, &scratch, post, NULL, &result);
    assert_string_equal(result.categories[0], "campaign_follow");
    const struct score_match *m = match_of(&result, "follow-campaign-account");
    assert_string_equal(field_of(m), "target.account");
    assert_int_equal(m->start, 0);
    assert_int_equal(m->end, strlen("prabowo"));
    post_message_free(post);

    post = message(&cases[4]);
    score(scorer, &scratch, post, NULL, &result);
    m = match_of(&result, "follow-campaign-team-name");
    assert_string_equal(field_of(m), "target.name");
    /* "Relawan" near "Prabowo", at their bytes in the name */
    assert_int_equal(m->start, 0);
    assert_int_equal(m->end, strlen("Relawan"));
    assert_string_equal(field_of(m + 1), "target.name");
    assert_int_equal(m[1].start, strlen("Relawan "));
    assert_int_equal(m[1].end, strlen("Relawan Prabowo"));
    post_message_free(post);
    score_scratch_free(&scratch);
}

static void following_a_neighbour_or_an_official_account_is_clear_whatever_the_bio(void **state)
{
    const struct scorer *scorer = *state;
    static const struct engagement cases[] = {
        {"x", POST_KIND_FOLLOW, "budi_santoso", "99", "Budi Santoso",
         "Pendukung setia Prabowo-Gibran! Coblos nomor 2 \xE2\x9C\x8C\xEF\xB8\x8F #PrabowoGibran"},
        {"x", POST_KIND_FOLLOW, "prabowo_fans", NULL, "Fans Prabowo",
         "Ayo menangkan Prabowo satu putaran"},
        {"x", POST_KIND_FOLLOW, "KPU_ID", NULL, "KPU RI", "Komisi Pemilihan Umum"},
        {"x", POST_KIND_FOLLOW, "bawaslu_ri", NULL, "Bawaslu RI",
         "Bersama rakyat awasi pemilu, bersama Bawaslu tegakkan keadilan pemilu"},
        {"mastodon", POST_KIND_FOLLOW, "berita@kabar.social", NULL, "Kabar Pemilu",
         "Liputan debat capres dan hasil survei"},
        {"bluesky", POST_KIND_FOLLOW, "relawan-banjir.bsky.social", NULL,
         "Relawan Tanggap Bencana Bogor", "Relawan banjir dan gempa"},
    };
    expect(scorer, cases, sizeof(cases) / sizeof(cases[0]), SCORE_CLEAR);
}

/* ---- likes with the shipped rulesets --------------------------------------------------- */

static void a_like_weighs_the_liked_post_and_its_author(void **state)
{
    const struct scorer *scorer = *state;
    static const struct engagement suspect[] = {
        {"x", POST_KIND_LIKE, "prabowo", "1", "Prabowo Subianto",
         "Ayo coblos nomor 2 tanggal 14 Februari!"},
        {"x", POST_KIND_LIKE, "Gerindra", "2", "Partai Gerindra",
         "Prabowo-Gibran pemimpin yang tegas dan merakyat"},
        /* two cues: suspect even from a friend */
        {"x", POST_KIND_LIKE, "teman_kantor", "3", "Teman",
         "Coblos nomor 2! Prabowo-Gibran pemimpin tegas \xE2\x9C\x8C\xEF\xB8\x8F"},
    };
    static const struct engagement political[] = {
        /* a campaign account's greeting: its author alone is not enough */
        {"x", POST_KIND_LIKE, "prabowo", "1", "Prabowo Subianto",
         "Selamat Hari Raya Idul Fitri, mohon maaf lahir dan batin"},
        /* one cue from a friend: writing it is suspect, liking it is not */
        {"x", POST_KIND_LIKE, "teman_kantor", "3", "Teman", "Ayo coblos nomor 2 tanggal 14!"},
    };
    static const struct engagement clear[] = {
        {"x", POST_KIND_LIKE, "teman_kantor", "3", "Teman",
         "Resep rendang ala ibu: pilih daging sapi yang segar, masak 4 jam"},
        {"bluesky", POST_KIND_LIKE, "sahabat.bsky.social", "did:plc:s1", "Sahabat",
         "Selamat ulang tahun, nomor 2 di hatiku"},
        /* a like of a post that could not be read: nothing to weigh */
        {"bluesky", POST_KIND_LIKE, NULL, "did:plc:s2", NULL, NULL},
    };
    expect(scorer, suspect, sizeof(suspect) / sizeof(suspect[0]), SCORE_SUSPECT);
    expect(scorer, political, sizeof(political) / sizeof(political[0]), SCORE_POLITICAL);
    expect(scorer, clear, sizeof(clear) / sizeof(clear[0]), SCORE_CLEAR);
    assert_int_equal(worker_test_verdict((struct scorer *)scorer, NULL,
                                         "Ayo coblos nomor 2 tanggal 14!"),
                     SCORE_SUSPECT);
}

static void a_like_explains_itself_in_the_target_fields_and_its_kind(void **state)
{
    const struct scorer *scorer = *state;
    static const struct engagement like = {"x", POST_KIND_LIKE, "prabowo", "1", "Prabowo",
                                           "Hari ini: ayo coblos nomor 2!"};
    struct score_scratch scratch;
    struct score_result result;
    struct post_message *post = message(&like);
    score_scratch_init(&scratch);
    score(scorer, &scratch, post, NULL, &result);
    assert_int_equal(result.verdict, SCORE_SUSPECT);
    assert_true(result.partisan < 0.7 + 1e-9); /* at most the like's factor */

    const struct score_match *m = match_of(&result, "like-campaign-author");
    assert_string_equal(field_of(m), "target.account");
    assert_string_equal(m->term, "@prabowo");
    m = match_of(&result, "vote-call");
    assert_string_equal(field_of(m), "target.text");
    assert_int_equal(m->start, strlen("Hari ini: "));
    assert_int_equal(m->end, strlen("Hari ini: ayo"));
    m = match_of(&result, "like-weaker-than-writing");
    assert_string_equal(field_of(m), "kind");
    assert_string_equal(m->term, "like");
    assert_int_equal(m->end, strlen("like"));

    char *json = explain_to_json("x:like:1:2", &result);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"field\":\"target.text\",\"start\":10,\"end\":13"));
    cJSON_free(json);
    post_message_free(post);
    score_scratch_free(&scratch);
}

/* ---- the language, with rulesets of the test's own ------------------------------------- */

#define NATIONAL                                                                               \
    "{\"name\": \"n\", \"version\": \"1\", \"categories\": {\"campaign_follow\": "              \
    "{\"weight\": 1, \"partisan\": true}}, \"lists\": {\"campaign_account\": []}, "             \
    "\"rules\": [{\"id\": \"follow\", \"kind\": \"term\", \"category\": \"campaign_follow\", "  \
    "\"weight\": 0.9, \"lists\": \"campaign_account\", \"kinds\": \"follow\"}, "                \
    "{\"id\": \"any\", \"kind\": \"term\", \"category\": \"campaign_follow\", "                 \
    "\"weight\": 0.9, \"lists\": \"campaign_account\", \"kinds\": [\"post\", \"like\"], "       \
    "\"fields\": [\"mentions\", \"repost_of.author\", \"target.account\"]}]}"

/* One election's campaign accounts in a file of their own. */
#define CAMPAIGN                                                                               \
    "{\"name\": \"campaign\", \"version\": \"2\", \"region\": \"all\", \"lists\": "             \
    "{\"campaign_account\": [\"@x:Prabowo\", \"@bluesky:gerindra.bsky.social\", "               \
    "\"@bluesky:did:plc:abc234\", \"@mastodon:gerindra@kampanye.social\", "                    \
    "\"@mastodon:109876\"]}}"

#define REGIONAL "{\"name\": \"aceh\", \"version\": \"3\", \"region\": \"aceh\"}"

static struct scorer *compile(const char *const *texts, size_t count)
{
    char err[NETRA_ERR_LEN];
    struct ruleset **sets = calloc(count, sizeof(*sets));
    struct scorer *scorer = NULL;
    assert_non_null(sets);
    for (size_t i = 0; i < count; i++)
        if (ruleset_parse("t.jsonc", texts[i], strlen(texts[i]), &sets[i], err, sizeof(err)) != 0)
            fail_msg("%s", err);
    if (compile_scorer(sets, count, &scorer, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return scorer;
}

static void qualified_accounts_match_whole_on_their_platform_only(void **state)
{
    (void)state;
    static const char *const texts[] = {NATIONAL, CAMPAIGN};
    struct scorer *scorer = compile(texts, 2);
    static const struct engagement suspect[] = {
        {"x", POST_KIND_FOLLOW, "prabowo", NULL, NULL, NULL},
        {"x", POST_KIND_FOLLOW, "PRABOWO", NULL, NULL, NULL},
        {"x", POST_KIND_FOLLOW, "@Prabowo", NULL, NULL, NULL},
        {"bluesky", POST_KIND_FOLLOW, "Gerindra.bsky.social", NULL, NULL, NULL},
        {"bluesky", POST_KIND_FOLLOW, NULL, "did:plc:abc234", NULL, NULL},
        {"bluesky", POST_KIND_FOLLOW, "renamed.bsky.social", "did:plc:abc234", NULL, NULL},
        {"mastodon", POST_KIND_FOLLOW, "gerindra@kampanye.social", NULL, NULL, NULL},
        {"mastodon", POST_KIND_FOLLOW, "other@elsewhere.social", "109876", NULL, NULL},
        {"x", POST_KIND_LIKE, "prabowo", NULL, NULL, "Selamat pagi"},
    };
    static const struct engagement clear[] = {
        /* prefixes, suffixes and look-alikes */
        {"x", POST_KIND_FOLLOW, "prabowo_fans", NULL, NULL, NULL},
        {"x", POST_KIND_FOLLOW, "prabow", NULL, NULL, NULL},
        {"x", POST_KIND_FOLLOW, "prabowo.", NULL, NULL, NULL},
        {"bluesky", POST_KIND_FOLLOW, "gerindra.bsky.social.evil.example", NULL, NULL, NULL},
        {"bluesky", POST_KIND_FOLLOW, NULL, "did:plc:abc2345", NULL, NULL},
        {"mastodon", POST_KIND_FOLLOW, "gerindra@kampanye.social.evil", NULL, NULL, NULL},
        {"mastodon", POST_KIND_FOLLOW, "gerindra", NULL, NULL, NULL},
        {"mastodon", POST_KIND_FOLLOW, NULL, "1098760", NULL, NULL},
        /* the same names on another platform */
        {"bluesky", POST_KIND_FOLLOW, "prabowo", NULL, NULL, NULL},
        {"mastodon", POST_KIND_FOLLOW, "prabowo", NULL, NULL, NULL},
        {"x", POST_KIND_FOLLOW, "gerindra.bsky.social", NULL, NULL, NULL},
        {"x", POST_KIND_FOLLOW, NULL, "did:plc:abc234", NULL, NULL},
        {"x", POST_KIND_FOLLOW, "109876", NULL, NULL, NULL},
        /* no platform, or one netra does not know, qualifies nothing */
        {NULL, POST_KIND_FOLLOW, "prabowo", NULL, NULL, NULL},
        {"x:x", POST_KIND_FOLLOW, "prabowo", NULL, NULL, NULL},
        /* words are not accounts */
        {"x", POST_KIND_FOLLOW, NULL, NULL, "prabowo", "@prabowo x:prabowo"},
    };
    expect(scorer, suspect, sizeof(suspect) / sizeof(suspect[0]), SCORE_SUSPECT);
    expect(scorer, clear, sizeof(clear) / sizeof(clear[0]), SCORE_CLEAR);

    /* In a post: a mention (shown in the text or not) and a repost's author are accounts, the
     * text's words are not. */
    struct score_scratch scratch;
    struct score_result result;
    struct post_message *post = worker_test_post("Halo @prabowo, selamat pagi");
    score_scratch_init(&scratch);
    assert_non_null(post->platform = strdup("x"));
    score(scorer, &scratch, post, NULL, &result);
    assert_int_equal(result.verdict, SCORE_CLEAR);
    post->mentions.items = calloc(1, sizeof(char *));
    assert_non_null(post->mentions.items);
    assert_non_null(post->mentions.items[0] = strdup("Prabowo"));
    post->mentions.count = 1;
    score(scorer, &scratch, post, NULL, &result);
    assert_int_equal(result.verdict, SCORE_SUSPECT);
    assert_string_equal(field_of(&result.matches[0]), "mentions[0]");
    assert_string_equal(result.matches[0].term, "@x:Prabowo");
    free(post->platform);
    assert_non_null(post->platform = strdup("bluesky"));
    score(scorer, &scratch, post, NULL, &result);
    assert_int_equal(result.verdict, SCORE_CLEAR);
    assert_non_null(post->repost_of.author = strdup("gerindra.bsky.social"));
    score(scorer, &scratch, post, NULL, &result);
    assert_int_equal(result.verdict, SCORE_SUSPECT);
    assert_string_equal(field_of(&result.matches[0]), "repost_of.author");
    /* a reply is none of the rule's kinds */
    post->kind = POST_KIND_REPLY;
    score(scorer, &scratch, post, NULL, &result);
    assert_int_equal(result.verdict, SCORE_CLEAR);
    post_message_free(post);
    score_scratch_free(&scratch);
    scorer_free(scorer);
}

static void kinds_limit_a_rule_and_follows_need_rules_of_their_own(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "{\"name\": \"n\", \"version\": \"1\", \"categories\": {\"c\": {\"weight\": 1, "
        "\"partisan\": true}}, \"lists\": {\"cue\": [\"coblos\"], \"news\": [\"berita\"]}, "
        "\"rules\": [{\"id\": \"cue\", \"kind\": \"term\", \"category\": \"c\", \"weight\": 0.8, "
        "\"lists\": \"cue\"}, {\"id\": \"quoted\", \"kind\": \"dampen\", \"factor\": 0.5, "
        "\"kinds\": \"quote\"}, {\"id\": \"news\", \"kind\": \"dampen\", \"factor\": 0.5, "
        "\"lists\": \"news\"}]}"};
    struct scorer *scorer = compile(texts, 1);
    static const struct engagement cases[] = {
        {"x", POST_KIND_LIKE, "a", NULL, NULL, "coblos"},
        {"x", POST_KIND_FOLLOW, "a", NULL, "coblos", "coblos"},
    };
    assert_int_equal(verdict_of(scorer, &cases[0]), SCORE_SUSPECT);
    /* a rule without "kinds" never reads a follow's name or bio */
    assert_int_equal(verdict_of(scorer, &cases[1]), SCORE_CLEAR);

    struct score_scratch scratch;
    struct score_result result;
    struct post_message *post = worker_test_post("coblos");
    score_scratch_init(&scratch);
    score(scorer, &scratch, post, NULL, &result);
    assert_int_equal(result.verdict, SCORE_SUSPECT);
    assert_true(result.partisan > 0.79 && result.partisan < 0.81);
    post->kind = POST_KIND_QUOTE; /* "quoted" weighs every quote, with or without a match */
    score(scorer, &scratch, post, NULL, &result);
    assert_true(result.partisan > 0.39 && result.partisan < 0.41);
    assert_string_equal(field_of(match_of(&result, "quoted")), "kind");
    free(post->text);
    assert_non_null(post->text = strdup("berita"));
    score(scorer, &scratch, post, NULL, &result);
    assert_int_equal(result.verdict, SCORE_CLEAR);
    assert_int_equal(result.match_count, 2); /* the kind's and the news word's dampening */
    post_message_free(post);
    score_scratch_free(&scratch);
    scorer_free(scorer);
}

static void a_ruleset_for_all_regions_joins_every_scope(void **state)
{
    (void)state;
    static const char *const texts[] = {NATIONAL, CAMPAIGN, REGIONAL};
    struct scorer *scorer = compile(texts, 3);
    static const struct engagement follow = {"x", POST_KIND_FOLLOW, "prabowo", NULL, NULL, NULL};
    static const char *const regions[] = {NULL, "aceh", "papua"};
    static const char *const labels[] = {"n@1+campaign@2", "n@1+campaign@2+aceh@3",
                                         "n@1+campaign@2"};
    struct score_scratch scratch;
    struct score_result result;
    struct post_message *post = message(&follow);
    score_scratch_init(&scratch);
    for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
        score(scorer, &scratch, post, regions[i], &result);
        assert_int_equal(result.verdict, SCORE_SUSPECT);
        assert_string_equal(result.ruleset, labels[i]);
    }
    /* "all" is no region of its own */
    assert_int_equal(scorer->scope_count, 2);
    post_message_free(post);
    score_scratch_free(&scratch);
    scorer_free(scorer);
}

int main(void)
{
    const struct CMUnitTest shipped[] = {
        cmocka_unit_test(following_a_campaign_account_is_suspect),
        cmocka_unit_test(following_a_neighbour_or_an_official_account_is_clear_whatever_the_bio),
        cmocka_unit_test(a_like_weighs_the_liked_post_and_its_author),
        cmocka_unit_test(a_like_explains_itself_in_the_target_fields_and_its_kind),
    };
    const struct CMUnitTest language[] = {
        cmocka_unit_test(qualified_accounts_match_whole_on_their_platform_only),
        cmocka_unit_test(kinds_limit_a_rule_and_follows_need_rules_of_their_own),
        cmocka_unit_test(a_ruleset_for_all_regions_joins_every_scope),
    };
    return cmocka_run_group_tests(shipped, worker_test_setup, worker_test_teardown) |
           cmocka_run_group_tests(language, NULL, NULL);
}
