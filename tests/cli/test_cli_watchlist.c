/* The real `netra` binary against the test Redis: watchlist import/list/remove and status. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/test_support.h"

static char prefix[128];

/* Runs netra with args (NULL-terminated) under this test's key prefix and Redis URL. */
static struct test_run run_netra(const char *redis_url, ...)
{
    const char *bin = getenv("NETRA_BIN");
    if (bin == NULL)
        fail_msg("NETRA_BIN is not set: run through ctest");
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)bin;
    va_list ap;
    va_start(ap, redis_url);
    for (char *arg = va_arg(ap, char *); arg != NULL && argc < 15; arg = va_arg(ap, char *))
        argv[argc++] = arg;
    va_end(ap);
    argv[argc] = NULL;

    char url_setting[512], prefix_setting[192];
    snprintf(url_setting, sizeof(url_setting), "NETRA_REDIS_URL=%s", redis_url);
    snprintf(prefix_setting, sizeof(prefix_setting), "NETRA_REDIS_KEY_PREFIX=%s", prefix);
    const char *env[] = {url_setting, prefix_setting, "NETRA_CONFIG", NULL};
    return test_run_program(argv, env, NULL, NULL);
}

static const char csv[] =
    "id,platform,handle,name,nip,agency,region,interval\n"
    "pns-1,mastodon,@budi@kab.go.id,Budi,199001012020121001,Dinas Kominfo,Aceh,15m\n"
    "pns-2,fb,budi.fb,Budi FB,,,,\n"
    "pns-3,bluesky,siti.bsky.social,Siti,,,Jawa Barat,\n"
    "pns-4,x,rudi_asn,Rudi,,,,1h\n"
    ",x,nobody,,,,,\n"
    "pns-5,feed,https://rsshub.example/ig/ani,Ani,,,,\n";

static void import_reports_bad_rows_and_imports_the_good_ones(void **state)
{
    (void)state;
    const char *url = test_redis_url();
    test_key_prefix(prefix, sizeof(prefix), "cli");
    char *path = test_write_temp_file(csv, sizeof(csv) - 1, ".csv");

    struct test_run run = run_netra(url, "watchlist", "import", path, (char *)NULL);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.out, "imported 4 accounts (4 new, 0 updated), 2 bad rows"));
    char expected[512];
    snprintf(expected, sizeof(expected), "%s: line 3: ", path);
    assert_non_null(strstr(run.err, expected));
    assert_non_null(strstr(run.err, "fb"));
    snprintf(expected, sizeof(expected), "%s: line 6: ", path);
    assert_non_null(strstr(run.err, expected));
    test_run_free(&run);

    /* The crawler moved pns-1 on: a re-import keeps that. */
    redisContext *redis = test_redis_connect(url);
    redisReply *reply = redisCommand(redis, "HSET %s{s0}:acct:pns-1 cursor 777 native_id 42",
                                     prefix);
    assert_non_null(reply);
    freeReplyObject(reply);

    run = run_netra(url, "watchlist", "import", path, (char *)NULL);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.out, "imported 4 accounts (0 new, 4 updated), 2 bad rows"));
    test_run_free(&run);
    reply = redisCommand(redis, "HMGET %s{s0}:acct:pns-1 cursor native_id name", prefix);
    assert_non_null(reply);
    assert_int_equal(reply->elements, 3);
    assert_string_equal(reply->element[0]->str, "777");
    assert_string_equal(reply->element[1]->str, "42");
    assert_string_equal(reply->element[2]->str, "Budi");
    freeReplyObject(reply);

    run = run_netra(url, "watchlist", "list", (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "pns-1"));
    assert_non_null(strstr(run.out, "pns-5"));
    assert_null(strstr(run.out, "pns-2"));
    test_run_free(&run);

    run = run_netra(url, "watchlist", "list", "--json", (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "\"cursor\":\t\"777\""));
    test_run_free(&run);

    run = run_netra(url, "status", "--json", (char *)NULL);
    assert_int_equal(run.status, 0);
    const char *ids[] = {"pns-1", "pns-3", "pns-4", "pns-5"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(expected, sizeof(expected), "\"account\":\t\"%s\"", ids[i]);
        assert_non_null(strstr(run.out, expected));
    }
    assert_non_null(strstr(run.out, "\"accounts\":\t4"));
    assert_non_null(strstr(run.out, "\"due\":\t4"));
    test_run_free(&run);

    run = run_netra(url, "status", (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "shard 0: accounts 4, due now 4"));
    test_run_free(&run);

    run = run_netra(url, "watchlist", "remove", "pns-3", (char *)NULL);
    assert_int_equal(run.status, 0);
    test_run_free(&run);
    run = run_netra(url, "watchlist", "remove", "pns-3", (char *)NULL);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.err, "no account"));
    test_run_free(&run);
    run = run_netra(url, "status", (char *)NULL);
    assert_non_null(strstr(run.out, "shard 0: accounts 3, due now 3"));
    test_run_free(&run);

    test_redis_delete_prefix(redis, prefix);
    redisFree(redis);
    unlink(path);
    free(path);
}

static void a_clean_import_exits_zero(void **state)
{
    (void)state;
    test_key_prefix(prefix, sizeof(prefix), "cli");
    static const char good[] = "id,platform,handle\nk1,mastodon,@k@x.id\n";
    char *path = test_write_temp_file(good, sizeof(good) - 1, ".csv");
    struct test_run run = run_netra(test_redis_url(), "watchlist", "import", path, (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "imported 1 accounts (1 new, 0 updated), 0 bad rows"));
    test_run_free(&run);
    redisContext *redis = test_redis_connect(test_redis_url());
    test_redis_delete_prefix(redis, prefix);
    redisFree(redis);
    unlink(path);
    free(path);
}

static void unreachable_redis_is_named_without_its_password(void **state)
{
    (void)state;
    struct test_run run = run_netra("redis://ops:hunter2@127.0.0.1:1/0", "status", (char *)NULL);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.err, "redis://ops@127.0.0.1:1/0"));
    assert_null(strstr(run.err, "hunter2"));
    test_run_free(&run);
}

static void help_and_bad_usage(void **state)
{
    (void)state;
    const char *url = test_redis_url();
    struct test_run run = run_netra(url, "watchlist", "--help", (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "usage: netra watchlist import FILE"));
    test_run_free(&run);
    run = run_netra(url, "watchlist", "import", "--help", (char *)NULL);
    assert_int_equal(run.status, 0);
    test_run_free(&run);
    run = run_netra(url, "status", "--help", (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "usage: netra status"));
    test_run_free(&run);
    run = run_netra(url, "watchlist", "frobnicate", (char *)NULL);
    assert_int_equal(run.status, 2);
    test_run_free(&run);
    run = run_netra(url, "status", "--yaml", (char *)NULL);
    assert_int_equal(run.status, 2);
    test_run_free(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(import_reports_bad_rows_and_imports_the_good_ones),
        cmocka_unit_test(a_clean_import_exits_zero),
        cmocka_unit_test(unreachable_redis_is_named_without_its_password),
        cmocka_unit_test(help_and_bad_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
