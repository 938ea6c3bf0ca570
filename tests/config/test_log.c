/* Error text: a message cut to fit its buffer stays valid UTF-8, and hostile values are quoted on
 * one line of ASCII. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "config/utf8.h"

static void a_cut_message_never_ends_inside_a_character(void **state)
{
    (void)state;
    /* "é" is two bytes, "😀" four: cut at every length, the text stays valid UTF-8. */
    for (size_t len = 1; len < 24; len++) {
        char err[24];
        assert_int_equal(error_set(err, len, "ab%s%s", "\xC3\xA9", "\xF0\x9F\x98\x80zz"), -1);
        if (!utf8_valid(err, strlen(err), NULL))
            fail_msg("cut to %zu bytes, the message is not UTF-8", len);
    }
    char err[5];
    error_set(err, sizeof(err), "ab%s", "\xF0\x9F\x98\x80");
    assert_string_equal(err, "ab");
    error_set(err, sizeof(err), "a%s", "\xC3\xA9xyz");
    assert_string_equal(err, "a\xC3\xA9x");
}

static void shown_values_are_one_line_of_ascii(void **state)
{
    (void)state;
    char out[16];
    assert_string_equal(error_shown(out, sizeof(out), "a\"b\\\r\n\xC3\xA9"),
                        "a\\x22b\\x5C...");
    assert_string_equal(error_shown(out, sizeof(out), NULL), "");
    assert_string_equal(error_shown(out, sizeof(out), "budi"), "budi");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_cut_message_never_ends_inside_a_character),
        cmocka_unit_test(shown_values_are_one_line_of_ascii),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
