/* Scoring with the shipped rulesets: cues aimed at contestants, innocent senses, neutralising
 * context, signals beyond the text, region scopes, thresholds and the explanation's offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "tests/worker/worker_test.h"
#include "worker/explain.h"


struct verdict_case {
    const char *region;
    const char *text;
    enum score_verdict expected;
};

static void expect_verdicts(struct scorer *scorer, const struct verdict_case *cases,
                            size_t count)
{
    for (size_t i = 0; i < count; i++) {
        enum score_verdict got = worker_test_verdict(scorer, cases[i].region, cases[i].text);
        if (got != cases[i].expected)
            fail_msg("\"%s\": got %s, expected %s", cases[i].text, score_verdict_name(got),
                     score_verdict_name(cases[i].expected));
    }
}

static void cues_aimed_at_contestants_are_suspect(void **state)
{
    struct scorer *scorer = *state;
    static const struct verdict_case cases[] = {
        {NULL, "Yuk coblos Prabowo-Gibran tanggal 14!", SCORE_SUSPECT},
        {NULL, "c0bl0s n0m0r 2 ya gaes", SCORE_SUSPECT},
        {NULL, "\xF0\x9D\x90\x82\xF0\x9D\x90\xA8\xF0\x9D\x90\x9B\xF0\x9D\x90\xA5\xF0\x9D\x90\xA8"
               "\xF0\x9D\x90\xAC nomor 3", SCORE_SUSPECT}, /* 𝐂𝐨𝐛𝐥𝐨𝐬 nomor 3 */
        {NULL, "Pak Ganjar pemimpin yang merakyat", SCORE_SUSPECT},
        {NULL, "Jangan pilih capres pelanggar HAM, tolak 02!", SCORE_SUSPECT},
        {NULL, "Bangga jadi bagian tim pemenangan kecamatan", SCORE_SUSPECT},
        {NULL, "Pagi yang cerah \xE2\x9C\x8C\xEF\xB8\x8F #PrabowoGibran", SCORE_SUSPECT},
        {"aceh", "Mualem sosok pemersatu Aceh", SCORE_SUSPECT},
        {"jawa-timur", "Ayo rek, Khofifah-Emil lanjut dua periode!", SCORE_SUSPECT},
        {"sulawesi-tenggara", "ASR-Hugua pilihan tepat, nomor 4 pasti menang", SCORE_SUSPECT},
    };
    expect_verdicts(scorer, cases, sizeof(cases) / sizeof(cases[0]));
}

static void innocent_senses_stay_clear(void **state)
{
    struct scorer *scorer = *state;
    static const struct verdict_case cases[] = {
        {NULL, "Pilih mana: mie ayam atau bakso buat makan siang?", SCORE_CLEAR},
        {NULL, "Jersey nomor 2 idola gue akhirnya kebeli", SCORE_CLEAR},
        {NULL, "Antrian nomor 3 di puskesmas sudah dipanggil", SCORE_CLEAR},
        {NULL, "Relawan tanggap bencana tiba di lokasi banjir", SCORE_CLEAR},
        {NULL, "Kampanye cuci tangan pakai sabun di SD", SCORE_CLEAR},
        {NULL, "Jual beras satu partai, harga grosir", SCORE_CLEAR},
        {NULL, "Ayo dukung UMKM desa kita, beli produknya ya", SCORE_CLEAR},
        {NULL, "Timnas menang 2-0! Salam dua jari buat pelatih \xE2\x9C\x8C\xEF\xB8\x8F",
         SCORE_CLEAR},
        {NULL, "Tiga jari tangan kanan kena pisau waktu masak", SCORE_CLEAR},
        {NULL, "Coblos kertas pakai paku untuk prakarya anak TK", SCORE_CLEAR},
        {NULL, "Semoga Allah mengabulkan doa kita, amin", SCORE_CLEAR},
    };
    expect_verdicts(scorer, cases, sizeof(cases) / sizeof(cases[0]));
}

static void neutral_context_is_political_not_suspect(void **state)
{
    struct scorer *scorer = *state;
    static const struct verdict_case cases[] = {
        {NULL, "Sosialisasi netralitas ASN: dilarang foto bersama paslon dan ikut kampanye.",
         SCORE_POLITICAL},
        {NULL, "Berita: 5 ASN dijatuhi sanksi karena ikut deklarasi dukungan kepada salah satu "
               "paslon.", SCORE_POLITICAL},
        {NULL, "Jangan golput, gunakan hak pilih sesuai hati nurani masing-masing.",
         SCORE_POLITICAL},
        {NULL, "Debat capres malam ini jam 19.00, tonton biar bisa menilai sendiri.",
         SCORE_POLITICAL},
        {"aceh", "Mualem", SCORE_POLITICAL},
        {NULL, "Mualem", SCORE_CLEAR}, /* an Aceh candidate is unknown to the national rules */
    };
    expect_verdicts(scorer, cases, sizeof(cases) / sizeof(cases[0]));
}

static void reads_signals_beyond_the_text(void **state)
{
    struct scorer *scorer = *state;
    char err[NETRA_ERR_LEN];
    struct score_scratch scratch;
    struct score_result result;
    struct score_thresholds thresholds = {0.35, 0.6};
    score_scratch_init(&scratch);

    struct post_message *post = worker_test_post("");
    post->repost_of.author = strdup("PKSejahtera");
    assert_int_equal(score_post(scorer, &scratch, post, NULL, &thresholds, &result, err,
                                sizeof(err)),
                     0);
    assert_int_equal(result.verdict, SCORE_SUSPECT);
    assert_string_equal(result.categories[0], "repost_candidate");
    assert_int_equal(result.matches[0].field, RULE_FIELD_REPOST_AUTHOR);
    post_message_free(post);

    post = worker_test_post("Momen langka hari ini");
    post->media = calloc(2, sizeof(*post->media));
    post->media_count = 2;
    post->media[1].alt = strdup("Foto bersama Anies Baswedan");
    assert_int_equal(score_post(scorer, &scratch, post, NULL, &thresholds, &result, err,
                                sizeof(err)),
                     0);
    assert_int_equal(result.verdict, SCORE_SUSPECT);
    assert_string_equal(result.categories[0], "candidate_photo");
    char field[48];
    explain_field_name(&result.matches[0], field, sizeof(field));
    assert_string_equal(field, "media[1].alt");
    post_message_free(post);

    post = worker_test_post("Pagi yang cerah \xE2\x9C\x8C\xEF\xB8\x8F");
    post->hashtags.items = calloc(1, sizeof(char *));
    post->hashtags.items[0] = strdup("PrabowoGibran2024");
    post->hashtags.count = 1;
    assert_int_equal(score_post(scorer, &scratch, post, NULL, &thresholds, &result, err,
                                sizeof(err)),
                     0);
    assert_int_equal(result.verdict, SCORE_SUSPECT);
    post_message_free(post);
    score_scratch_free(&scratch);
}

/* Offsets point at the original bytes, styled letters and all; thresholds are parameters. */
static void explains_with_original_offsets(void **state)
{
    struct scorer *scorer = *state;
    char err[NETRA_ERR_LEN];
    struct score_scratch scratch;
    struct score_result result;
    struct score_thresholds thresholds = {0.35, 0.6};
    const char *text = "Ayo \xF0\x9D\x90\x9C\xF0\x9D\x90\xA8\xF0\x9D\x90\x9B\xF0\x9D\x90\xA5"
                       "\xF0\x9D\x90\xA8\xF0\x9D\x90\xAC Ganjar!"; /* Ayo, styled coblos */
    struct post_message *post = worker_test_post(text);
    score_scratch_init(&scratch);
    assert_int_equal(score_post(scorer, &scratch, post, NULL, &thresholds, &result, err,
                                sizeof(err)),
                     0);
    assert_int_equal(result.verdict, SCORE_SUSPECT);
    int saw_coblos = 0, saw_ganjar = 0;
    for (size_t i = 0; i < result.match_count; i++) {
        const struct score_match *m = &result.matches[i];
        assert_true(m->start < m->end && m->end <= strlen(text));
        if (strcmp(m->term, "coblos") == 0 && m->start == 4 && m->end == 28)
            saw_coblos = 1;
        if (strcmp(m->term, "ganjar") == 0 && m->start == 29 && m->end == 35)
            saw_ganjar = 1;
    }
    assert_true(saw_coblos);
    assert_true(saw_ganjar);
    char *json = explain_to_json("t", &result);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"verdict\":\"suspect\""));
    assert_non_null(strstr(json, "\"ruleset\":\"id-national-2024@1.1.0\""));
    free(json);

    thresholds.suspect = 0.99;
    assert_int_equal(score_post(scorer, &scratch, post, NULL, &thresholds, &result, err,
                                sizeof(err)),
                     0);
    assert_int_equal(result.verdict, SCORE_POLITICAL);
    thresholds.political = 1.0;
    assert_int_equal(score_post(scorer, &scratch, post, NULL, &thresholds, &result, err,
                                sizeof(err)),
                     0);
    assert_int_equal(result.verdict, SCORE_CLEAR);
    score_scratch_free(&scratch);
    post_message_free(post);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cues_aimed_at_contestants_are_suspect),
        cmocka_unit_test(innocent_senses_stay_clear),
        cmocka_unit_test(neutral_context_is_political_not_suspect),
        cmocka_unit_test(reads_signals_beyond_the_text),
        cmocka_unit_test(explains_with_original_offsets),
    };
    return cmocka_run_group_tests(tests, worker_test_setup, worker_test_teardown);
}
