/* Reading post messages a line at a time: every byte of a line is kept (NUL bytes too) across
 * the reader's read-ahead, a last line needs no newline, and a line over the limit is reported
 * as too long without being held, the next line read whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/test_support.h"
#include "worker/batch.h"

static FILE *open_input(const char *data, size_t len)
{
    char *path = test_write_temp_file(data, len, ".jsonl");
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    unlink(path);
    free(path);
    return in;
}

static void expect_line(FILE *in, struct batch_line *line, const char *text, size_t len)
{
    assert_int_equal(batch_read_line(in, line), 1);
    assert_false(line->too_long);
    assert_int_equal(line->len, len);
    assert_memory_equal(line->text, text, len);
    assert_int_equal(line->text[len], '\0');
}

static void reads_lines_with_and_without_a_last_newline(void **state)
{
    (void)state;
    static const char data[] = "{\"id\":\"a\"}\n\n{\"id\":\"b\",\"text\":\"x\0y\"}\nlast";
    static const char with_nul[] = "{\"id\":\"b\",\"text\":\"x\0y\"}";
    FILE *in = open_input(data, sizeof(data) - 1);
    struct batch_line *line = calloc(1, sizeof(*line));
    assert_non_null(line);
    expect_line(in, line, "{\"id\":\"a\"}", 10);
    expect_line(in, line, "", 0);
    expect_line(in, line, with_nul, sizeof(with_nul) - 1);
    expect_line(in, line, "last", 4);
    assert_int_equal(batch_read_line(in, line), 0);
    assert_false(ferror(in));
    batch_line_free(line);
    free(line);
    fclose(in);
}

/* Lines of every length around the read-ahead's size keep every byte in order. */
static void lines_across_the_read_ahead_stay_whole(void **state)
{
    (void)state;
    static const size_t lengths[] = {BATCH_READ_AHEAD - 1, BATCH_READ_AHEAD, 1,
                                     BATCH_READ_AHEAD + 1, 3 * BATCH_READ_AHEAD + 17, 0, 5};
    size_t count = sizeof(lengths) / sizeof(lengths[0]), total = 0;
    for (size_t i = 0; i < count; i++)
        total += lengths[i] + 1;
    char *data = malloc(total);
    assert_non_null(data);
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < lengths[i]; k++)
            data[at++] = (char)('a' + (i + k) % 26);
        data[at++] = '\n';
    }
    FILE *in = open_input(data, total);
    struct batch_line *line = calloc(1, sizeof(*line));
    assert_non_null(line);
    at = 0;
    for (size_t i = 0; i < count; i++) {
        expect_line(in, line, data + at, lengths[i]);
        at += lengths[i] + 1;
    }
    assert_int_equal(batch_read_line(in, line), 0);
    batch_line_free(line);
    free(line);
    fclose(in);
    free(data);
}

static void a_line_over_the_limit_is_too_long_and_the_next_is_read(void **state)
{
    (void)state;
    size_t long_len = (size_t)POST_MESSAGE_MAX_JSON_BYTES + 10;
    size_t total = long_len + 1 + 4;
    char *data = malloc(total);
    assert_non_null(data);
    memset(data, 'x', long_len);
    data[long_len] = '\n';
    memcpy(data + long_len + 1, "next", 4);
    FILE *in = open_input(data, total);
    struct batch_line *line = calloc(1, sizeof(*line));
    assert_non_null(line);
    assert_int_equal(batch_read_line(in, line), 1);
    assert_true(line->too_long);
    assert_true(line->len <= (size_t)POST_MESSAGE_MAX_JSON_BYTES);
    assert_true(line->cap <= 2 * (size_t)POST_MESSAGE_MAX_JSON_BYTES);
    expect_line(in, line, "next", 4);
    assert_int_equal(batch_read_line(in, line), 0);
    batch_line_free(line);
    free(line);
    fclose(in);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_lines_with_and_without_a_last_newline),
        cmocka_unit_test(lines_across_the_read_ahead_stay_whole),
        cmocka_unit_test(a_line_over_the_limit_is_too_long_and_the_next_is_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
