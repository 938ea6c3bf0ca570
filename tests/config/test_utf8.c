/* UTF-8 decoding is strict and never reads past the end, whatever the bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/utf8.h"

static void decodes_every_sequence_length(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(utf8_decode((const unsigned char *)"A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(utf8_decode((const unsigned char *)"\xC3\xA9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(utf8_decode((const unsigned char *)"\xEF\xBD\x90", 3, &cp), 3);
    assert_int_equal(cp, 0xFF50);
    assert_int_equal(utf8_decode((const unsigned char *)"\xF0\x9D\x90\x8F", 4, &cp), 4);
    assert_int_equal(cp, 0x1D40F);
}

static void bad_sequences_become_one_replacement_byte(void **state)
{
    (void)state;
    const char *bad[] = {
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong */
        "\xED\xA0\x80",     /* UTF-16 surrogate */
        "\xF4\x90\x80\x80", /* above U+10FFFF */
        "\x80",             /* lone continuation */
        "\xFF",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t cp;
        assert_int_equal(utf8_decode((const unsigned char *)bad[i], strlen(bad[i]), &cp), 1);
        assert_int_equal(cp, UTF8_REPLACEMENT);
    }
}

static void truncated_sequence_does_not_read_past_the_end(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(utf8_decode((const unsigned char *)"\xF0\x9D", 2, &cp), 1);
    assert_int_equal(cp, UTF8_REPLACEMENT);
}

static void valid_reports_first_bad_offset(void **state)
{
    (void)state;
    size_t offset = 99;
    assert_true(utf8_valid("Prabowo \xE2\x9C\x8C\xEF\xB8\x8F", 14, NULL));
    assert_true(utf8_valid("\xEF\xBF\xBD", 3, NULL)); /* a real U+FFFD is valid */
    assert_false(utf8_valid("abc\xC3(", 5, &offset));
    assert_int_equal(offset, 3);
}

static void encode_round_trips_and_refuses_surrogates(void **state)
{
    (void)state;
    unsigned char out[4];
    uint32_t samples[] = {0x41, 0xE9, 0x270C, 0x1F91F, 0x10FFFF};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        size_t n = utf8_encode(samples[i], out);
        uint32_t cp;
        assert_int_equal(utf8_decode(out, n, &cp), n);
        assert_int_equal(cp, samples[i]);
    }
    assert_int_equal(utf8_encode(0xD800, out), 0);
    assert_int_equal(utf8_encode(0x110000, out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_every_sequence_length),
        cmocka_unit_test(bad_sequences_become_one_replacement_byte),
        cmocka_unit_test(truncated_sequence_does_not_read_past_the_end),
        cmocka_unit_test(valid_reports_first_bad_offset),
        cmocka_unit_test(encode_round_trips_and_refuses_surrogates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
