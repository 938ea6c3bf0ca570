/* Redis URLs from the config are parsed strictly, and key names and shard tags never change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/redis_conn.h"
#include "config/redis_url.h"

static void parses_good_urls(void **state)
{
    (void)state;
    struct redis_url url;
    char err[NETRA_ERR_LEN];

    assert_int_equal(redis_url_parse("redis://127.0.0.1:6380/2", &url, err, sizeof(err)), 0);
    assert_int_equal(url.kind, REDIS_URL_TCP);
    assert_string_equal(url.host, "127.0.0.1");
    assert_int_equal(url.port, 6380);
    assert_int_equal(url.db, 2);
    assert_string_equal(url.password, "");

    assert_int_equal(redis_url_parse("redis://cache.internal", &url, err, sizeof(err)), 0);
    assert_int_equal(url.port, 6379);
    assert_int_equal(url.db, 0);

    assert_int_equal(redis_url_parse("redis://:s3cret@h:1/", &url, err, sizeof(err)), 0);
    assert_string_equal(url.user, "");
    assert_string_equal(url.password, "s3cret");

    assert_int_equal(redis_url_parse("redis://netra:p%40ss:w@rd@h/15", &url, err, sizeof(err)), 0);
    assert_string_equal(url.user, "netra");
    assert_string_equal(url.password, "p@ss:w@rd");
    assert_string_equal(url.host, "h");
    assert_int_equal(url.db, 15);

    assert_int_equal(redis_url_parse("redis://[::1]:7000/3", &url, err, sizeof(err)), 0);
    assert_string_equal(url.host, "::1");
    assert_int_equal(url.port, 7000);

    assert_int_equal(redis_url_parse("unix:///run/redis/redis.sock?db=4", &url, err, sizeof(err)),
                     0);
    assert_int_equal(url.kind, REDIS_URL_UNIX);
    assert_string_equal(url.path, "/run/redis/redis.sock");
    assert_int_equal(url.db, 4);
}

static void refuses_bad_urls(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "http://h:6379",
        "rediss://h:6379",
        "redis://",
        "redis://:6379",
        "redis://h:0",
        "redis://h:65536",
        "redis://h:-1",
        "redis://h:",
        "redis://h:63 79",
        "redis://h/db",
        "redis://h/-1",
        "redis://h/99999999999999999999",
        "redis://h/1?x=1",
        "redis://h/1#frag",
        "redis://user@h",        /* no ':' between user and password */
        "redis://u:@h",          /* empty password */
        "redis://u:p%4@h",       /* truncated escape */
        "redis://u:p%zz@h",      /* bad escape */
        "redis://u:p%00x@h",     /* NUL smuggled into AUTH */
        "redis://h\r\nFLUSHALL:1",
        "redis://h\x01:1",
        "redis://h\xc3\xa9:1",
        "redis://[::1",
        "redis://[::1]x",
        "redis://[zz]:1",
        "redis://h$x:1",
        "unix://relative/path",
        "unix:///p?db=x",
        "unix:///p?password=x",
        "unix:///p#x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct redis_url url;
        char err[NETRA_ERR_LEN] = "";
        if (redis_url_parse(bad[i], &url, err, sizeof(err)) == 0)
            fail_msg("accepted %s", bad[i]);
        assert_true(err[0] != '\0');
    }
}

static void refuses_oversized_parts(void **state)
{
    (void)state;
    struct redis_url url;
    char err[NETRA_ERR_LEN], text[REDIS_URL_MAX_LEN + 64];

    memset(text, 'a', sizeof(text));
    memcpy(text, "redis://", 8);
    text[sizeof(text) - 1] = '\0';
    assert_int_equal(redis_url_parse(text, &url, err, sizeof(err)), -1); /* whole URL */

    snprintf(text, sizeof(text), "redis://%0300d:1", 0); /* host over 255 bytes */
    assert_int_equal(redis_url_parse(text, &url, err, sizeof(err)), -1);

    memset(text, 'p', 600);
    memcpy(text, "redis://:", 9);
    strcpy(text + 600, "@h:1");
    assert_int_equal(redis_url_parse(text, &url, err, sizeof(err)), -1); /* password */

    memset(text, 'x', 200);
    memcpy(text, "unix:///", 8);
    text[200] = '\0';
    assert_int_equal(redis_url_parse(text, &url, err, sizeof(err)), -1); /* sun_path */
}

static void errors_and_display_never_show_the_password(void **state)
{
    (void)state;
    struct redis_url url;
    char err[NETRA_ERR_LEN], shown[256];
    assert_int_equal(redis_url_parse("redis://u:hunter2@h:7/1?x", &url, err, sizeof(err)), -1);
    assert_null(strstr(err, "hunter2"));
    assert_int_equal(redis_url_parse("redis://u:hunter2@h:7/x", &url, err, sizeof(err)), -1);
    assert_null(strstr(err, "hunter2"));
    assert_int_equal(redis_url_parse("redis://u:hunter2@h:7/1", &url, err, sizeof(err)), 0);
    redis_url_display(&url, shown, sizeof(shown));
    assert_string_equal(shown, "redis://u@h:7/1");
    assert_int_equal(redis_url_parse("redis://:hunter2@[::1]", &url, err, sizeof(err)), 0);
    redis_url_display(&url, shown, sizeof(shown));
    assert_string_equal(shown, "redis://[::1]:6379/0");
    /* A user name holding ':' and '@' is shown encoded, so it cannot pass for ":password@". */
    assert_int_equal(redis_url_parse("redis://ops%3a%40pw:pw@h:7/1", &url, err, sizeof(err)), 0);
    redis_url_display(&url, shown, sizeof(shown));
    assert_string_equal(shown, "redis://ops%3A%40pw@h:7/1");
}

static void handshake_sends_auth_and_select(void **state)
{
    (void)state;
    struct redis_url url;
    char err[NETRA_ERR_LEN];
    struct redis_args cmds[2];
    assert_int_equal(redis_url_parse("redis://u:p@h/3", &url, err, sizeof(err)), 0);
    redis_args_init(&cmds[0]);
    redis_args_init(&cmds[1]);
    assert_int_equal(redis_handshake(&url, cmds), 2);
    assert_int_equal(cmds[0].argc, 3);
    assert_string_equal(cmds[0].argv[1], "u");
    assert_string_equal(cmds[0].argv[2], "p");
    assert_string_equal(cmds[1].argv[0], "SELECT");
    assert_string_equal(cmds[1].argv[1], "3");
    redis_args_free(&cmds[0]);
    redis_args_free(&cmds[1]);

    assert_int_equal(redis_url_parse("redis://:p@h", &url, err, sizeof(err)), 0);
    redis_args_init(&cmds[0]);
    redis_args_init(&cmds[1]);
    assert_int_equal(redis_handshake(&url, cmds), 1);
    assert_int_equal(cmds[0].argc, 2); /* AUTH password, no user */
    redis_args_free(&cmds[0]);
    redis_args_free(&cmds[1]);
}

static void backoff_doubles_within_bounds(void **state)
{
    (void)state;
    for (int attempt = 0; attempt < 40; attempt++) {
        int delay = redis_backoff_ms(attempt, 100, 30000);
        long long full = 100LL << (attempt < 20 ? attempt : 20);
        if (full > 30000)
            full = 30000;
        assert_in_range(delay, full / 2, full);
    }
}

static void shard_hash_is_fnv1a_and_stable(void **state)
{
    (void)state;
    /* Published FNV-1a 32-bit vectors: if these change, every account moves shard. */
    assert_int_equal(keys_fnv1a("", 0), 0x811c9dc5u);
    assert_int_equal(keys_fnv1a("a", 1), 0xe40c292cu);
    assert_int_equal(keys_fnv1a("foobar", 6), 0xbf9cf968u);
    assert_int_equal(keys_shard("anything", 1), 0);
    assert_int_equal(keys_shard("foobar", 16), (int)(0xbf9cf968u % 16));
    assert_int_equal(keys_shard("pns-0001", 7), (int)(keys_fnv1a("pns-0001", 8) % 7));
}

static void key_names_follow_the_design(void **state)
{
    (void)state;
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_posts(key, sizeof(key), "netra:", 0, err, sizeof(err)), 0);
    assert_string_equal(key, "netra:{s0}:posts");
    assert_int_equal(keys_posts_dead(key, sizeof(key), "netra:", 3, err, sizeof(err)), 0);
    assert_string_equal(key, "netra:{s3}:posts:dead");
    assert_int_equal(keys_seen(key, sizeof(key), "netra:", 0, "mastodon:1", err, sizeof(err)), 0);
    assert_string_equal(key, "netra:{s0}:seen:mastodon:1");
    assert_int_equal(keys_acct(key, sizeof(key), "netra:", 12, "pns-1", err, sizeof(err)), 0);
    assert_string_equal(key, "netra:{s12}:acct:pns-1");
    assert_string_equal(keys_acct_id(key, "netra:", 12), "pns-1");
    assert_null(keys_acct_id(key, "netra:", 1));
    assert_int_equal(keys_sched(key, sizeof(key), "netra:", 0, err, sizeof(err)), 0);
    assert_string_equal(key, "netra:{s0}:sched");
    assert_int_equal(keys_lease(key, sizeof(key), "netra:", 0, err, sizeof(err)), 0);
    assert_string_equal(key, "netra:{s0}:lease");
    assert_int_equal(keys_proc(key, sizeof(key), "netra:", "crawler@h:1", err, sizeof(err)), 0);
    assert_string_equal(key, "netra:proc:crawler@h:1");
    assert_string_equal(keys_proc_name(key, "netra:"), "crawler@h:1");
    assert_int_equal(keys_acct_pattern(key, sizeof(key), "a*[b]?:", 2, err, sizeof(err)), 0);
    assert_string_equal(key, "a\\*\\[b\\]\\?:{s2}:acct:*");

    assert_int_equal(keys_acct(key, sizeof(key), "netra:", 0, "", err, sizeof(err)), -1);
    char long_id[KEYS_MAX_LEN + 8];
    memset(long_id, 'x', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    assert_int_equal(keys_seen(key, sizeof(key), "netra:", 0, long_id, err, sizeof(err)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_good_urls),
        cmocka_unit_test(refuses_bad_urls),
        cmocka_unit_test(refuses_oversized_parts),
        cmocka_unit_test(errors_and_display_never_show_the_password),
        cmocka_unit_test(handshake_sends_auth_and_select),
        cmocka_unit_test(backoff_doubles_within_bounds),
        cmocka_unit_test(shard_hash_is_fnv1a_and_stable),
        cmocka_unit_test(key_names_follow_the_design),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
