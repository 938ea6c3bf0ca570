/* The simulated world without HTTP: determinism from the seed, the mix of posts, time-ordered
 * ids, edits and deletions, entity offsets, fault specs, gzip negotiation, time formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "config/utf8.h"
#include "sim/bank.h"
#include "sim/entities.h"
#include "sim/faults.h"
#include "sim/gzip.h"
#include "sim/html.h"
#include "sim/timefmt.h"
#include "sim/world.h"

#define START_MS (1730000000LL * 1000)

static void make_world(struct sim_world *world, uint64_t seed, size_t accounts)
{
    struct sim_world_options options = {
        .seed = seed,
        .accounts = accounts,
        .start_ms = START_MS,
        .speed = 1e-6,
        .posts_per_day = 10,
        .history_days = 20,
    };
    char err[NETRA_ERR_LEN];
    assert_int_equal(world_init(world, &options, err, sizeof(err)), 0);
    assert_true(world_advance(world) >= START_MS);
}

static void test_same_seed_same_world(void **state)
{
    (void)state;
    struct sim_world a, b;
    make_world(&a, 42, 12);
    make_world(&b, 42, 12);
    for (size_t i = 0; i < a.account_count; i++) {
        const struct sim_account *x = &a.accounts[i], *y = &b.accounts[i];
        assert_string_equal(x->id, y->id);
        assert_string_equal(x->username, y->username);
        assert_string_equal(x->native_id, y->native_id);
        assert_string_equal(x->person.nip, y->person.nip);
        assert_int_equal(x->post_count, y->post_count);
        for (size_t j = 0; j < x->post_count; j++) {
            assert_string_equal(x->posts[j]->native_id, y->posts[j]->native_id);
            assert_string_equal(x->posts[j]->text, y->posts[j]->text);
            assert_int_equal(x->posts[j]->created_ms, y->posts[j]->created_ms);
            assert_int_equal(x->posts[j]->deleted_ms, y->posts[j]->deleted_ms);
        }
    }
    world_free(&a);
    world_free(&b);
}

static void test_other_seed_other_world(void **state)
{
    (void)state;
    struct sim_world a, b;
    make_world(&a, 1, 5);
    make_world(&b, 2, 5);
    int differ = 0;
    for (size_t i = 0; i < a.account_count; i++)
        differ += strcmp(a.accounts[i].native_id, b.accounts[i].native_id) != 0;
    assert_true(differ >= 4);
    world_free(&a);
    world_free(&b);
}

static void test_accounts_cover_platforms_and_regions(void **state)
{
    (void)state;
    struct sim_world w;
    make_world(&w, 3, 50);
    int platforms[SIM_PLATFORM_COUNT] = {0};
    int regions = 0, seen[16] = {0};
    for (size_t i = 0; i < w.account_count; i++) {
        const struct sim_account *a = &w.accounts[i];
        platforms[a->platform]++;
        if (!seen[a->region]++)
            regions++;
        assert_int_equal(strlen(a->person.nip), 18);
        if (a->platform == SIM_X)
            assert_true(strlen(a->username) <= 15);
        for (size_t j = 0; j < i; j++)
            if (w.accounts[j].platform == a->platform)
                assert_string_not_equal(w.accounts[j].username, a->username);
    }
    for (int p = 0; p < SIM_PLATFORM_COUNT; p++)
        assert_int_equal(platforms[p], 10);
    assert_true(regions >= 6);
    assert_string_equal(w.accounts[0].id, "acc-1");
    assert_int_equal(w.accounts[6].platform, SIM_BLUESKY); /* acc-7 */
    world_free(&w);
}

static void test_history_ids_and_kinds(void **state)
{
    (void)state;
    struct sim_world w;
    make_world(&w, 9, 20);
    size_t total = 0, by_category[BANK_CATEGORY_COUNT] = {0}, by_kind[4] = {0}, photos = 0;
    for (size_t i = 0; i < w.account_count; i++) {
        const struct sim_account *a = &w.accounts[i];
        /* 20 days at 10 a day: about 200 each, all before start. */
        assert_true(a->post_count > 120 && a->post_count < 300);
        for (size_t j = 0; j < a->post_count; j++) {
            const struct sim_post *p = a->posts[j];
            assert_true(p->created_ms <= START_MS);
            assert_true(p->created_ms >= START_MS - 20LL * 86400000);
            if (j > 0) {
                assert_true(p->seq > a->posts[j - 1]->seq);
                assert_true(p->created_ms >= a->posts[j - 1]->created_ms);
            }
            assert_true(utf8_valid(p->text, strlen(p->text), NULL));
            /* Edits and deletions come only after start. */
            assert_true(p->edited_ms == 0 || p->edited_ms > START_MS);
            assert_true(p->deleted_ms == 0 || p->deleted_ms > START_MS);
            if (a->platform == SIM_FEED || a->platform == SIM_JSONAPI)
                assert_int_equal(p->kind, SIM_KIND_POST);
            if (p->kind != SIM_KIND_POST)
                assert_non_null(p->ref.text);
            by_category[p->category]++;
            by_kind[p->kind]++;
            photos += p->alt != NULL;
            total++;
        }
    }
    double everyday = (double)by_category[BANK_EVERYDAY] / (double)total;
    double political = (double)by_category[BANK_POLITICAL] / (double)total;
    double partisan = (double)by_category[BANK_PARTISAN] / (double)total;
    assert_true(everyday > 0.80 && everyday < 0.90);
    assert_true(political > 0.07 && political < 0.13);
    assert_true(partisan > 0.03 && partisan < 0.07);
    for (int k = 0; k < 4; k++)
        assert_true(by_kind[k] > 0);
    assert_true(photos > total / 10);
    world_free(&w);
}

static void test_ids_are_platform_shaped(void **state)
{
    (void)state;
    struct sim_world w;
    make_world(&w, 4, 10);
    for (size_t i = 0; i < w.account_count; i++) {
        const struct sim_account *a = &w.accounts[i];
        const struct sim_post *p = a->posts[0];
        switch (a->platform) {
        case SIM_BLUESKY:
            assert_int_equal(strncmp(a->native_id, "did:plc:", 8), 0);
            assert_int_equal(strncmp(p->native_id, "at://did:plc:", 13), 0);
            assert_int_equal(strlen(p->rkey), 13);
            break;
        case SIM_FEED:
            assert_true(strncmp(p->native_id, "https://", 8) == 0 ||
                        strncmp(p->native_id, "yt:video:", 9) == 0);
            break;
        default:
            assert_int_equal(strspn(p->native_id, "0123456789"), strlen(p->native_id));
            break;
        }
    }
    world_free(&w);
}

static void test_publish_edit_delete(void **state)
{
    (void)state;
    struct sim_world w;
    make_world(&w, 5, 5);
    struct sim_account *a = world_account_by_id(&w, "acc-3");
    assert_non_null(a);
    size_t before = a->post_count;
    uint64_t last = a->posts[before - 1]->seq;
    char err[NETRA_ERR_LEN];
    struct sim_post *p = world_publish(&w, a, "Halo dunia #tes", err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(a->post_count, before + 1);
    assert_true(p->seq > last);
    char id[256];
    snprintf(id, sizeof(id), "x:%s", p->native_id);
    assert_ptr_equal(world_post_by_id(&w, id), p);
    assert_null(world_post_by_id(&w, "mastodon:1"));
    assert_null(world_post_by_id(&w, "nonsense"));

    int64_t now = world_now_ms(&w);
    assert_int_equal(world_edit(&w, p, "Halo dunia (edit)", err, sizeof(err)), 0);
    now = world_now_ms(&w);
    assert_true(sim_post_edited(p, now));
    assert_string_equal(sim_post_text(p, now), "Halo dunia (edit)");
    world_delete(&w, p);
    assert_false(sim_post_visible(p, world_now_ms(&w)));
    world_free(&w);
}

static void test_posts_keep_coming(void **state)
{
    (void)state;
    struct sim_world_options options = {
        .seed = 1, .accounts = 3, .start_ms = START_MS, .speed = 86400.0 * 10, /* 10 days/s */
        .posts_per_day = 24, .history_days = 0,
    };
    struct sim_world w;
    char err[NETRA_ERR_LEN];
    assert_int_equal(world_init(&w, &options, err, sizeof(err)), 0);
    world_advance(&w);
    size_t first = w.accounts[0].post_count;
    struct timespec pause = {0, 100 * 1000000L};
    nanosleep(&pause, NULL);
    world_advance(&w);
    /* 0.1 s is a virtual day: about 24 more posts. */
    assert_true(w.accounts[0].post_count > first + 10);
    world_free(&w);
}

static void test_bad_world_options(void **state)
{
    (void)state;
    struct sim_world w;
    struct sim_world_options options = {.seed = 1, .accounts = 0, .start_ms = START_MS,
                                         .speed = 1, .posts_per_day = 1, .history_days = 1};
    char err[NETRA_ERR_LEN];
    assert_int_equal(world_init(&w, &options, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "accounts"));
    options.accounts = 1;
    options.speed = 0;
    assert_int_equal(world_init(&w, &options, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "speed"));
}

static void test_entities_bytes_and_code_points(void **state)
{
    (void)state;
    const char *text = "Ayo 🇮🇩 #Timnas @KPU_ID lihat https://kpu.go.id/info. (c) a@b #1";
    struct entities e;
    entities_scan(text, &e);
    assert_int_equal(e.count, 3);
    assert_int_equal(e.items[0].type, ENTITY_HASHTAG);
    assert_int_equal(e.items[0].byte_start, strstr(text, "#Timnas") - text);
    assert_int_equal(e.items[0].byte_end - e.items[0].byte_start, 7);
    /* "Ayo " is 4 code points, the flag 2 (two regional indicators), then a space. */
    assert_int_equal(e.items[0].cp_start, 7);
    assert_int_equal(e.items[1].type, ENTITY_MENTION);
    assert_int_equal(e.items[1].cp_end - e.items[1].cp_start, 7);
    assert_int_equal(e.items[2].type, ENTITY_LINK);
    /* The trailing full stop is not part of the link. */
    assert_int_equal(e.items[2].byte_end - e.items[2].byte_start, strlen("https://kpu.go.id/info"));
}

static void test_html_escapes_and_marks_up(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out);
    html_from_text(&out, "Tom & Jerry's <b>\nbaris 2\n\nparagraf #Tag @Ani", HTML_MASTODON,
                   "https://sim.mastodon");
    assert_non_null(strstr(out.data, "Tom &amp; Jerry&#39;s &lt;b&gt;<br />baris 2</p><p>paragraf"));
    assert_non_null(strstr(out.data, "class=\"mention hashtag\" rel=\"tag\">#<span>Tag</span></a>"));
    assert_non_null(strstr(out.data, "<span class=\"h-card\" translate=\"no\"><a href=\"https://sim.mastodon/@Ani\" class=\"u-url mention\">@<span>Ani</span></a></span>"));
    buf_free(&out);
}

static void test_fault_specs(void **state)
{
    (void)state;
    struct faults f;
    faults_init(&f);
    char err[NETRA_ERR_LEN];
    assert_int_equal(faults_parse_spec(&f, "error_503:acc-7:3,rate_limit,stall::2:5,error_500:4", err, sizeof(err)), 0);
    struct fault list[8];
    assert_int_equal(faults_list(&f, list, 8), 4);
    assert_string_equal(list[0].account, "acc-7");
    assert_int_equal(list[0].remaining, 3);
    assert_int_equal(list[1].mode, FAULT_RATE_LIMIT);
    assert_int_equal(list[1].remaining, -1);
    assert_string_equal(list[2].account, "");
    assert_int_equal(list[2].remaining, 2);
    assert_true(list[2].seconds == 5);
    assert_string_equal(list[3].account, "");
    assert_int_equal(list[3].remaining, 4);

    /* acc-7 takes its own fault first, three times; then the oldest one for everybody. */
    struct fault got;
    for (int i = 0; i < 3; i++) {
        assert_true(faults_take(&f, "acc-7", &got));
        assert_int_equal(got.mode, FAULT_ERROR_503);
    }
    assert_true(faults_take(&f, "acc-7", &got));
    assert_int_equal(got.mode, FAULT_RATE_LIMIT);
    faults_clear(&f);
    assert_false(faults_take(&f, "acc-7", &got));

    assert_int_equal(faults_parse_spec(&f, "teleport:acc-1", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown mode"));
    assert_int_equal(faults_parse_spec(&f, "stall:acc-1:x", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a number"));
    assert_int_equal(faults_parse_spec(&f, "stall:a:1:2:3", err, sizeof(err)), -1);
    assert_int_equal(faults_parse_spec(&f, "stall:a:0", err, sizeof(err)), -1);
    faults_destroy(&f);
}

static void test_gzip_negotiation(void **state)
{
    (void)state;
    assert_true(gzip_accepted("gzip"));
    assert_true(gzip_accepted("deflate, gzip;q=0.5"));
    assert_true(gzip_accepted("br, x-gzip"));
    assert_false(gzip_accepted("gzip;q=0"));
    assert_false(gzip_accepted("identity"));
    assert_false(gzip_accepted("gzipped"));
    assert_false(gzip_accepted(NULL));
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(gzip_compress("hello hello hello", 17, &out, &len), 0);
    assert_true(len > 18);
    assert_int_equal((unsigned char)out[0], 0x1f);
    assert_int_equal((unsigned char)out[1], 0x8b);
    free(out);
}

static void test_time_formats(void **state)
{
    (void)state;
    char text[SIM_TIME_LEN];
    int64_t ms = 1707879845678LL; /* 2024-02-14T03:04:05.678Z, a Wednesday */
    time_rfc3339_ms(ms, text);
    assert_string_equal(text, "2024-02-14T03:04:05.678Z");
    time_rfc3339_wib(ms, text);
    assert_string_equal(text, "2024-02-14T10:04:05+07:00");
    time_rfc822_wib(ms, text);
    assert_string_equal(text, "Wed, 14 Feb 2024 10:04:05 +0700");
    time_http_date(ms, text);
    assert_string_equal(text, "Wed, 14 Feb 2024 03:04:05 GMT");
    int64_t parsed;
    assert_int_equal(time_parse_rfc3339("2024-02-14T10:04:05.678+07:00", &parsed), 0);
    assert_int_equal(parsed, ms);
    assert_int_equal(time_parse_http_date("Wed, 14 Feb 2024 03:04:05 GMT", &parsed), 0);
    assert_int_equal(parsed, ms / 1000 * 1000);
    assert_int_equal(time_parse_rfc3339("2024-02-14 10:04:05Z", &parsed), -1);
    assert_int_equal(time_parse_rfc3339("2024-02-14T10:04:05", &parsed), -1);
}

static void test_bank_is_valid_utf8(void **state)
{
    (void)state;
    for (int c = 0; c < BANK_CATEGORY_COUNT; c++) {
        assert_true(bank_text_count((enum bank_category)c) >= 10);
        for (size_t i = 0; i < bank_text_count((enum bank_category)c); i++) {
            const char *t = bank_text_at((enum bank_category)c, i)->text;
            assert_true(utf8_valid(t, strlen(t), NULL));
        }
    }
}

/* Quoted and reposted authors appear as X users too, so every handle must be a valid X username. */
static void test_bank_authors_are_valid_usernames_everywhere(void **state)
{
    (void)state;
    struct sim_rng rng;
    sim_rng_init(&rng, 42, 7);
    for (int c = 0; c < BANK_CATEGORY_COUNT; c++)
        for (int i = 0; i < 200; i++) {
            const char *handle = bank_pick_author(&rng, (enum bank_category)c)->handle;
            size_t len = strlen(handle);
            if (len < 1 || len > 15 ||
                strspn(handle, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
                    len)
                fail_msg("author handle \"%s\" is not an X username", handle);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_world),
        cmocka_unit_test(test_other_seed_other_world),
        cmocka_unit_test(test_accounts_cover_platforms_and_regions),
        cmocka_unit_test(test_history_ids_and_kinds),
        cmocka_unit_test(test_ids_are_platform_shaped),
        cmocka_unit_test(test_publish_edit_delete),
        cmocka_unit_test(test_posts_keep_coming),
        cmocka_unit_test(test_bad_world_options),
        cmocka_unit_test(test_entities_bytes_and_code_points),
        cmocka_unit_test(test_html_escapes_and_marks_up),
        cmocka_unit_test(test_fault_specs),
        cmocka_unit_test(test_gzip_negotiation),
        cmocka_unit_test(test_time_formats),
        cmocka_unit_test(test_bank_is_valid_utf8),
        cmocka_unit_test(test_bank_authors_are_valid_usernames_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
