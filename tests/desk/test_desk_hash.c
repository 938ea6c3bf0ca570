/* Secret hashes: what `netra desk-hash` writes and netra-desk checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "desk/auth.h"

static void a_hash_verifies_its_secret_and_no_other(void **state)
{
    (void)state;
    char hash[DESK_HASH_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(desk_hash_secret("kata sandi", 10, 1000, hash, sizeof(hash), err,
                                      sizeof(err)), 0);
    assert_int_equal(strncmp(hash, "pbkdf2-sha256$1000$", 19), 0);
    assert_int_equal(desk_hash_verify(hash, "kata sandi", 10, 1000, err, sizeof(err)), 1);
    assert_int_equal(desk_hash_verify(hash, "kata sandI", 10, 1000, err, sizeof(err)), 0);
    assert_int_equal(desk_hash_verify(hash, "kata sand", 9, 1000, err, sizeof(err)), 0);
    assert_int_equal(desk_hash_verify(hash, "", 0, 1000, err, sizeof(err)), 0);
}

static void the_same_secret_hashes_differently_each_time(void **state)
{
    (void)state;
    char first[DESK_HASH_LEN], second[DESK_HASH_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(desk_hash_secret("s", 1, 10, first, sizeof(first), err, sizeof(err)), 0);
    assert_int_equal(desk_hash_secret("s", 1, 10, second, sizeof(second), err, sizeof(err)), 0);
    assert_string_not_equal(first, second);
    assert_int_equal(desk_hash_verify(second, "s", 1, 10, err, sizeof(err)), 1);
}

/* A hash from elsewhere, known good: PBKDF2-HMAC-SHA256("password", salt "0123456789abcdef",
 * 1000 iterations), as Python's hashlib.pbkdf2_hmac computes it. */
static void a_hash_made_elsewhere_verifies(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    const char *hash = "pbkdf2-sha256$1000$MDEyMzQ1Njc4OWFiY2RlZg=="
                       "$hRRjgXWkW8ResfIvBP99J/T4vkgEmMRV/0tJTOjR59I=";
    assert_int_equal(desk_hash_verify(hash, "password", 8, 1, err, sizeof(err)), 1);
}

static void malformed_and_weak_hashes_are_refused_with_a_reason(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN], hash[DESK_HASH_LEN];
    const char *malformed[] = {
        "",
        "password",
        "pbkdf2-sha1$1000$MDEyMzQ1Njc4OWFiY2RlZg==$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "pbkdf2-sha256$0$MDEyMzQ1Njc4OWFiY2RlZg==$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "pbkdf2-sha256$x$MDEyMzQ1Njc4OWFiY2RlZg==$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "pbkdf2-sha256$1000$MDEy$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "pbkdf2-sha256$1000$MDEyMzQ1Njc4OWFiY2RlZg==$MDEy",
        "pbkdf2-sha256$1000$MDEyMzQ1Njc4OWFiY2RlZg==",
        "pbkdf2-sha256$1000$!!!!MzQ1Njc4OWFiY2RlZg==$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    };
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        err[0] = '\0';
        if (desk_hash_verify(malformed[i], "password", 8, 1, err, sizeof(err)) != -1)
            fail_msg("accepted %s", malformed[i]);
        assert_true(strlen(err) > 0);
    }
    assert_int_equal(desk_hash_secret("p", 1, 1000, hash, sizeof(hash), err, sizeof(err)), 0);
    assert_int_equal(desk_hash_verify(hash, "p", 1, DESK_PASSWORD_MIN_ITERATIONS, err,
                                      sizeof(err)), -1);
    assert_non_null(strstr(err, "fewer than"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_hash_verifies_its_secret_and_no_other),
        cmocka_unit_test(the_same_secret_hashes_differently_each_time),
        cmocka_unit_test(a_hash_made_elsewhere_verifies),
        cmocka_unit_test(malformed_and_weak_hashes_are_refused_with_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
