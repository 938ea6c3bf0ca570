/* The simulator at benchmark size: tens of thousands of accounts found by id, username and
 * native id, names and ids unique per platform, post ids unique across accounts that share the
 * account bits of an id, the first accounts the same whatever the world's size, and a request
 * that generates the history of its own account only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "config/log.h"
#include "sim/world.h"
#include "sim_test.h"

static void make_world(struct sim_world *world, size_t accounts, enum sim_platform only,
                       double history_days)
{
    struct sim_world_options options = {
        .seed = 11,
        .accounts = accounts,
        .start_ms = SIM_TEST_START_S * 1000,
        .speed = 1e-6,
        .posts_per_day = 6,
        .history_days = history_days,
    };
    if (only != SIM_PLATFORM_COUNT) {
        options.platforms[0] = only;
        options.platform_count = 1;
    }
    char err[NETRA_ERR_LEN];
    assert_int_equal(world_init(world, &options, err, sizeof(err)), 0);
}

struct name {
    int platform;
    const char *text;
};

static int compare_names(const void *a, const void *b)
{
    const struct name *x = a, *y = b;
    if (x->platform != y->platform)
        return x->platform - y->platform;
    return strcasecmp(x->text, y->text);
}

/* No two accounts of one platform share a username (in any case) or a native id. */
static void assert_names_unique(const struct sim_world *w)
{
    struct name *names = calloc(w->account_count, sizeof(*names));
    assert_non_null(names);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < w->account_count; i++) {
            names[i].platform = (int)w->accounts[i].platform;
            names[i].text = pass == 0 ? w->accounts[i].username : w->accounts[i].native_id;
        }
        qsort(names, w->account_count, sizeof(*names), compare_names);
        for (size_t i = 1; i < w->account_count; i++)
            if (compare_names(&names[i - 1], &names[i]) == 0)
                fail_msg("two accounts are named \"%s\"", names[i].text);
    }
    free(names);
}

static void test_names_unique_at_the_largest_size(void **state)
{
    (void)state;
    struct sim_world w;
    make_world(&w, SIM_MAX_ACCOUNTS, SIM_PLATFORM_COUNT, 0);
    assert_int_equal(w.account_count, SIM_MAX_ACCOUNTS);
    assert_names_unique(&w);
    world_free(&w);

    make_world(&w, 100000, SIM_MASTODON, 0);
    assert_names_unique(&w);
    world_free(&w);
}

static void test_lookups_find_every_account(void **state)
{
    (void)state;
    struct sim_world w;
    make_world(&w, 20000, SIM_PLATFORM_COUNT, 0);
    for (size_t i = 0; i < w.account_count; i++) {
        struct sim_account *a = &w.accounts[i];
        assert_ptr_equal(world_account_by_id(&w, a->id), a);
        assert_ptr_equal(world_account_by_native_id(&w, a->platform, a->native_id), a);
        const char *name = a->platform == SIM_FEED ? a->id : a->username;
        assert_ptr_equal(world_account_by_username(&w, a->platform, name), a);
    }
    assert_null(world_account_by_id(&w, "acc-20001"));
    assert_null(world_account_by_id(&w, "acc-0"));
    assert_null(world_account_by_id(&w, "acc-019999"));
    assert_null(world_account_by_id(&w, "acc-19999x"));
    assert_null(world_account_by_id(&w, "acc-99999999999999999999999"));
    /* An account is found on its own platform only. */
    assert_null(world_account_by_native_id(&w, SIM_BLUESKY, w.accounts[0].native_id));
    world_free(&w);
}

static void test_first_accounts_same_in_a_larger_world(void **state)
{
    (void)state;
    struct sim_world small, large;
    make_world(&small, 1000, SIM_PLATFORM_COUNT, 0);
    make_world(&large, 20000, SIM_PLATFORM_COUNT, 0);
    for (size_t i = 0; i < small.account_count; i++) {
        const struct sim_account *x = &small.accounts[i], *y = &large.accounts[i];
        assert_string_equal(x->id, y->id);
        assert_int_equal(x->platform, y->platform);
        assert_string_equal(x->username, y->username);
        assert_string_equal(x->native_id, y->native_id);
        assert_string_equal(x->person.nip, y->person.nip);
    }
    world_free(&small);
    world_free(&large);
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Accounts 1, 1025, 2049, ... share the 10 account bits of a post id; posts made at the same
 * instant still get different ids. */
static void test_post_ids_unique_across_accounts_sharing_id_bits(void **state)
{
    (void)state;
    struct sim_world w;
    make_world(&w, 5000, SIM_MASTODON, 0);
    char err[NETRA_ERR_LEN];
    uint64_t seqs[5];
    for (size_t k = 0; k < 5; k++) {
        struct sim_post *p = world_publish(&w, &w.accounts[k * 1024], "Selamat pagi", err,
                                           sizeof(err));
        assert_non_null(p);
        assert_true(p->created_ms <= world_now_ms(&w));
        seqs[k] = p->seq;
    }
    qsort(seqs, 5, sizeof(seqs[0]), compare_u64);
    for (size_t k = 1; k < 5; k++)
        assert_true(seqs[k] != seqs[k - 1]);
    world_free(&w);

    /* And over whole histories. */
    make_world(&w, 5000, SIM_MASTODON, 7);
    assert_true(world_advance(&w) > 0);
    size_t total = 0;
    for (size_t i = 0; i < w.account_count; i++)
        total += w.accounts[i].post_count;
    uint64_t *all = malloc(total * sizeof(*all));
    assert_non_null(all);
    size_t n = 0;
    for (size_t i = 0; i < w.account_count; i++)
        for (size_t j = 0; j < w.accounts[i].post_count; j++)
            all[n++] = w.accounts[i].posts[j]->seq;
    qsort(all, n, sizeof(*all), compare_u64);
    for (size_t i = 1; i < n; i++)
        assert_true(all[i] != all[i - 1]);
    free(all);
    world_free(&w);
}

/* acc-19999 in a world of 20,000 Mastodon accounts, over HTTP: lookup by acct gives its id,
 * its statuses are its newest posts, and no other account's history was made for it. */
static void test_large_world_answers_a_lookup(void **state)
{
    (void)state;
    struct sim_options options;
    sim_test_options(&options);
    options.world.accounts = 20000;
    options.world.platforms[0] = SIM_MASTODON;
    options.world.platform_count = 1;
    struct sim *sim = sim_test_start(&options);
    const struct sim_account *account = &sim->world.accounts[19998];
    assert_string_equal(account->id, "acc-19999");
    assert_int_equal(account->platform, SIM_MASTODON);

    char path[256];
    snprintf(path, sizeof(path), "/mastodon/api/v1/accounts/lookup?acct=%s@sim.mastodon",
             account->username);
    cJSON *found = sim_test_get_json(sim, path, 200);
    assert_string_equal(json_string(found, "id"), account->native_id);
    assert_string_equal(json_string(found, "username"), account->username);
    cJSON_Delete(found);

    snprintf(path, sizeof(path), "/mastodon/api/v1/accounts/%s/statuses?limit=20",
             account->native_id);
    cJSON *statuses = sim_test_get_json(sim, path, 200);
    cJSON *visible = sim_test_visible_ids(sim, "acc-19999");
    int count = cJSON_GetArraySize(visible);
    assert_true(count >= 20);
    assert_int_equal(cJSON_GetArraySize(statuses), 20);
    for (int i = 0; i < 20; i++) {
        /* /_sim/posts lists oldest first, statuses come newest first. */
        char id[SIM_ID_LEN + 16];
        snprintf(id, sizeof(id), "mastodon:%s",
                 json_string(cJSON_GetArrayItem(statuses, i), "id"));
        assert_string_equal(id, cJSON_GetArrayItem(visible, count - 1 - i)->valuestring);
    }
    cJSON_Delete(statuses);
    cJSON_Delete(visible);

    world_lock(&sim->world);
    size_t with_posts = 0;
    for (size_t i = 0; i < sim->world.account_count; i++)
        with_posts += sim->world.accounts[i].post_count > 0;
    world_unlock(&sim->world);
    assert_int_equal(with_posts, 1);
    sim_test_stop(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_unique_at_the_largest_size),
        cmocka_unit_test(test_lookups_find_every_account),
        cmocka_unit_test(test_first_accounts_same_in_a_larger_world),
        cmocka_unit_test(test_post_ids_unique_across_accounts_sharing_id_bits),
        cmocka_unit_test(test_large_world_answers_a_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
