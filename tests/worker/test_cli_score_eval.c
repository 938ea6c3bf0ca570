/* The real `netra score` and `netra eval` binaries ($NETRA_BIN): output lines, errors with line
 * numbers, exit codes, --help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "tests/support/test_support.h"

/* Runs `netra args` with stdout and stderr captured; returns the exit code. */
static int run(const char *args, char **out, char **err)
{
    const char *bin = getenv("NETRA_BIN");
    char *rules = test_source_path("config/rules");
    char *out_path = test_write_temp_file("", 0, ".out");
    char *err_path = test_write_temp_file("", 0, ".err");
    char command[8192];
    if (bin == NULL)
        fail_msg("NETRA_BIN is not set: run this test through ctest");
    snprintf(command, sizeof(command), "NETRA_CONFIG= '%s' %s --rules '%s' >'%s' 2>'%s'", bin, args,
             rules, out_path, err_path);
    int status = system(command);
    assert_true(status != -1 && WIFEXITED(status));
    *out = test_read_file(out_path, NULL);
    *err = test_read_file(err_path, NULL);
    remove(out_path);
    remove(err_path);
    free(out_path);
    free(err_path);
    free(rules);
    return WEXITSTATUS(status);
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static void score_prints_one_result_a_line_and_reports_bad_lines(void **state)
{
    (void)state;
    const char *input = "{\"id\": \"a\", \"text\": \"Yuk coblos Prabowo-Gibran!\"}\n"
                        "{\"id\": \"b\", \"text\": 42}\n"
                        "not json\n"
                        "{\"id\": \"c\", \"text\": \"Mualem sosok pemersatu\", "
                        "\"region\": \"aceh\"}\n";
    char *path = test_write_temp_file(input, strlen(input), ".jsonl");
    char args[4096], *out, *err;
    snprintf(args, sizeof(args), "score '%s'", path);
    assert_int_equal(run(args, &out, &err), 1);
    assert_int_equal(count_lines(out), 2);
    assert_non_null(strstr(out, "{\"id\":\"a\",\"political\":"));
    assert_non_null(strstr(out, "\"verdict\":\"suspect\""));
    assert_non_null(strstr(out, "\"field\":\"text\",\"start\":"));
    assert_non_null(strstr(out, "aceh-pilkada-2024@1.0.0"));
    assert_non_null(strstr(err, "line 2:"));
    assert_non_null(strstr(err, "line 3:"));
    assert_non_null(strstr(err, "2 of 4 lines failed"));
    free(out);
    free(err);

    snprintf(args, sizeof(args), "score --suspect-threshold 1 '%s'", path);
    assert_int_equal(run(args, &out, &err), 1);
    assert_null(strstr(out, "\"verdict\":\"suspect\""));
    free(out);
    free(err);
    remove(path);
    free(path);
}

static void eval_reports_figures_and_misclassified_posts(void **state)
{
    (void)state;
    const char *input =
        "{\"id\": \"a\", \"text\": \"Yuk coblos Prabowo-Gibran!\", \"label\": {\"political\": "
        "true, \"partisan\": true}}\n"
        "{\"id\": \"b\", \"text\": \"Makan siang rendang\", \"label\": {\"political\": false, "
        "\"partisan\": false}}\n"
        "{\"id\": \"c\", \"text\": \"Makan siang soto\", \"label\": {\"political\": true}}\n";
    char *path = test_write_temp_file(input, strlen(input), ".jsonl");
    char args[4096], *out, *err;
    snprintf(args, sizeof(args), "eval '%s'", path);
    assert_int_equal(run(args, &out, &err), 0);
    assert_non_null(strstr(out, "partisan (verdict suspect vs label.partisan): 2 posts"));
    assert_non_null(strstr(out, "precision 1.000  recall 1.000  F1 1.000"));
    assert_non_null(strstr(out, "confusion: tp 1  fp 0  fn 1  tn 1"));
    assert_non_null(strstr(out, "  c: labelled political, got clear"));
    assert_non_null(strstr(out, "not-clear rate 0.3333 (1/3)"));
    free(out);
    free(err);
    remove(path);
    free(path);
}

static void both_have_help(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(run("score --help", &out, &err), 0);
    assert_non_null(strstr(out, "usage: netra score"));
    free(out);
    free(err);
    assert_int_equal(run("eval --help", &out, &err), 0);
    assert_non_null(strstr(out, "usage: netra eval"));
    free(out);
    free(err);
    assert_int_equal(run("score --bogus", &out, &err), 2);
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(score_prints_one_result_a_line_and_reports_bad_lines),
        cmocka_unit_test(eval_reports_figures_and_misclassified_posts),
        cmocka_unit_test(both_have_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
