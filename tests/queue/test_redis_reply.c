/* Replies are read by their type and length only: a wrong shape is an error naming the command
 * and what was expected, a NUL inside a string never makes it read as another, and nothing is
 * written where it does not fit. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "queue/redis_reply.h"

static redisReply string_of(const char *bytes, size_t len)
{
    redisReply reply = {.type = REDIS_REPLY_STRING, .str = (char *)bytes, .len = len};
    return reply;
}

static redisReply text(const char *s)
{
    return string_of(s, strlen(s));
}

static redisReply integer(long long value)
{
    redisReply reply = {.type = REDIS_REPLY_INTEGER, .integer = value};
    return reply;
}

static redisReply array_of(redisReply **elements, size_t count)
{
    redisReply reply = {.type = REDIS_REPLY_ARRAY, .element = elements, .elements = count};
    return reply;
}

static void check_names_the_command_and_the_server_error(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    redisReply error = text("NOGROUP No such key 'posts'");
    error.type = REDIS_REPLY_ERROR;
    redisReply ok = text("OK");
    ok.type = REDIS_REPLY_STATUS;

    assert_int_equal(redis_reply_check(NULL, "XACK", err, sizeof(err)), -1);
    assert_string_equal(err, "XACK: no reply");
    assert_int_equal(redis_reply_check(&error, "XACK", err, sizeof(err)), -1);
    assert_string_equal(err, "XACK: NOGROUP No such key 'posts'");
    assert_int_equal(redis_reply_check(&ok, "XACK", err, sizeof(err)), 0);

    assert_true(redis_reply_is_error(&error, "NOGROUP"));
    assert_false(redis_reply_is_error(&error, "BUSYGROUP"));
    assert_false(redis_reply_is_error(&ok, "OK"));
    assert_false(redis_reply_is_error(NULL, "NOGROUP"));
}

static void expect_says_what_was_expected_and_what_came(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    redisReply one = integer(1);
    redisReply *elements[] = {&one};
    redisReply short_array = array_of(elements, 1);

    assert_int_equal(redis_reply_expect(&one, REDIS_REPLY_ARRAY, 0, "ZRANGE", err, sizeof(err)),
                     -1);
    assert_string_equal(err, "ZRANGE: expected array reply, got integer");
    assert_int_equal(
        redis_reply_expect(&short_array, REDIS_REPLY_ARRAY, 3, "claim", err, sizeof(err)), -1);
    assert_string_equal(err, "claim: expected at least 3 elements, got 1");
    assert_int_equal(
        redis_reply_expect(&short_array, REDIS_REPLY_ARRAY, 1, "claim", err, sizeof(err)), 0);
    assert_int_equal(redis_reply_expect(&one, REDIS_REPLY_INTEGER, 0, "ZADD", err, sizeof(err)), 0);
}

static void expect_pairs_refuses_a_name_without_its_value(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    redisReply name = text("status"), value = text("active"), orphan = text("cursor");
    redisReply *elements[] = {&name, &value, &orphan};
    redisReply odd = array_of(elements, 3), even = array_of(elements, 2),
               empty = array_of(NULL, 0);

    assert_int_equal(redis_reply_expect_pairs(&odd, "HGETALL", err, sizeof(err)), -1);
    assert_string_equal(err, "HGETALL: expected pairs, got 3 elements");
    assert_int_equal(redis_reply_expect_pairs(&even, "HGETALL", err, sizeof(err)), 0);
    assert_int_equal(redis_reply_expect_pairs(&empty, "HGETALL", err, sizeof(err)), 0);
    assert_int_equal(redis_reply_expect_pairs(&name, "HGETALL", err, sizeof(err)), -1);
    assert_string_equal(err, "HGETALL: expected array reply, got string");
}

static void equals_compares_every_byte_of_the_string(void **state)
{
    (void)state;
    redisReply msg = text("msg"), longer = string_of("msg\0raw", 7), shorter = text("ms");
    redisReply status = text("taken");
    status.type = REDIS_REPLY_STATUS;
    redisReply number = integer(0);

    assert_true(redis_reply_equals(&msg, "msg"));
    assert_false(redis_reply_equals(&longer, "msg"));
    assert_false(redis_reply_equals(&shorter, "msg"));
    assert_true(redis_reply_equals(&status, "taken"));
    assert_false(redis_reply_equals(&number, "0"));
    assert_false(redis_reply_equals(NULL, ""));
}

static void integer_reads_integers_and_whole_decimal_strings(void **state)
{
    (void)state;
    long long out = 7;
    redisReply value = integer(-3);
    assert_int_equal(redis_reply_integer(&value, &out), 0);
    assert_int_equal(out, -3);

    value = text("1700000000123");
    assert_int_equal(redis_reply_integer(&value, &out), 0);
    assert_int_equal(out, 1700000000123LL);
    value = text("-9223372036854775808");
    assert_int_equal(redis_reply_integer(&value, &out), 0);
    assert_true(out == LLONG_MIN);

    const redisReply refused[] = {
        text(""), text("12x"), string_of("12\0", 3), text("9223372036854775808"),
        text("000000000000000000001"), text("1.5"),
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        out = 7;
        assert_int_equal(redis_reply_integer(&refused[i], &out), -1);
        assert_int_equal(out, 7);
    }
    redisReply nil = {.type = REDIS_REPLY_NIL};
    assert_int_equal(redis_reply_integer(&nil, &out), -1);
    assert_int_equal(redis_reply_integer(NULL, &out), -1);
    assert_int_equal(out, 7);
}

static void copy_writes_only_what_fits(void **state)
{
    (void)state;
    char out[8];
    redisReply id = text("1700-0"), fits = text("1234567"), too_long = text("12345678");
    redisReply number = integer(5);

    assert_int_equal(redis_reply_copy(&id, out, sizeof(out)), 0);
    assert_string_equal(out, "1700-0");
    assert_int_equal(redis_reply_copy(&fits, out, sizeof(out)), 0);
    assert_string_equal(out, "1234567");
    memcpy(out, "kept", 5);
    assert_int_equal(redis_reply_copy(&too_long, out, sizeof(out)), -1);
    assert_int_equal(redis_reply_copy(&number, out, sizeof(out)), -1);
    assert_int_equal(redis_reply_copy(NULL, out, sizeof(out)), -1);
    assert_string_equal(out, "kept");
}

static void strdup_copies_every_byte_and_a_nul(void **state)
{
    (void)state;
    redisReply binary = string_of("a\0b", 3), number = integer(5);
    char *copy = redis_reply_strdup(&binary);
    assert_non_null(copy);
    assert_memory_equal(copy, "a\0b\0", 4);
    free(copy);
    assert_null(redis_reply_strdup(&number));
    assert_null(redis_reply_strdup(NULL));
}

static void field_finds_the_first_pair_by_its_name(void **state)
{
    (void)state;
    /* [raw, msg, msg, {"id":1}, 7, x, msg, second, sha256] */
    redisReply raw = text("raw"), msg_as_value = text("msg"), msg = text("msg"),
               json = text("{\"id\":1}"), number = integer(7), x = text("x"), again = text("msg"),
               second = text("second"), orphan = text("sha256");
    redisReply *elements[] = {&raw, &msg_as_value, &msg, &json, &number, &x, &again, &second,
                              &orphan};
    redisReply pairs = array_of(elements, 9);

    assert_ptr_equal(redis_reply_field(&pairs, "msg"), &json);
    assert_ptr_equal(redis_reply_field(&pairs, "raw"), &msg_as_value);
    assert_null(redis_reply_field(&pairs, "7"));
    assert_null(redis_reply_field(&pairs, "sha256"));
    assert_null(redis_reply_field(&pairs, "{\"id\":1}"));
    assert_null(redis_reply_field(&raw, "raw"));
    assert_null(redis_reply_field(NULL, "raw"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_names_the_command_and_the_server_error),
        cmocka_unit_test(expect_says_what_was_expected_and_what_came),
        cmocka_unit_test(expect_pairs_refuses_a_name_without_its_value),
        cmocka_unit_test(equals_compares_every_byte_of_the_string),
        cmocka_unit_test(integer_reads_integers_and_whole_decimal_strings),
        cmocka_unit_test(copy_writes_only_what_fits),
        cmocka_unit_test(strdup_copies_every_byte_and_a_nul),
        cmocka_unit_test(field_finds_the_first_pair_by_its_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
