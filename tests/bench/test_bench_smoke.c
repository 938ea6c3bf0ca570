/* `bench/run --smoke`: every benchmark still runs against this build and reports every figure the
 * operations sizing is computed from, with its peer side by side and its targets judged. The
 * figures of a smoke run mean nothing (tiny sizes, a loaded machine): this pins down that the
 * benchmarks work, never how fast anything is. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "tests/support/test_support.h"

struct bench_expectation {
    const char *name;
    const char *title;              /* the start of its section's heading */
    const char *const figures[8];   /* figures it must report, each a finite number >= 0 */
    int targets;                    /* how many of the targets it judges */
};

static const struct bench_expectation expected[] = {
    {"fetch", "## Fetch engine",
     {"engine_requests_per_s", "engine_cpu_us_per_request", "peer_requests_per_s",
      "peer_cpu_us_per_request"},
     0},
    {"score", "## score",
     {"netra_score_posts_per_s", "scorer_posts_per_s", "python_re_posts_per_s",
      "hyperscan_posts_per_s", "terms", "posts"},
     3},
    {"e2e", "## End to end",
     {"results_per_s", "offered_posts_per_s", "latency_p50_ms", "latency_p99_ms", "scored_p99_ms",
      "redis_cmds_per_post", "crawl_period_s"},
     0},
    {"memory", "## Memory",
     {"import_s", "crawler_idle_rss_mib", "crawler_busy_rss_mib", "crawler_peak_hwm_mib",
      "scrapy_busy_rss_mib", "worker_idle_rss_mib", "worker_busy_rss_mib",
      "redis_bytes_per_account"},
     0},
};

static char work_dir[] = "/tmp/netra-bench-smoke.XXXXXX";
static char *report;

static int run_bench_smoke(void **state)
{
    (void)state;
    if (mkdtemp(work_dir) == NULL)
        return -1;
    char *driver = test_source_path("bench/run");
    const char *build = getenv("NETRA_BINARY_DIR");
    char out[sizeof(work_dir) + 16];
    snprintf(out, sizeof(out), "%s/RESULTS.md", work_dir);
    char *argv[] = {driver, "--smoke", "--build", (char *)build, "--work", work_dir, "--out", out,
                    NULL};
    struct test_run run = test_run_program(argv, NULL, NULL, NULL);
    if (run.status != 0)
        fprintf(stderr, "bench/run --smoke exited %d:\n%s\n", run.status, run.err);
    int status = run.status;
    test_run_free(&run);
    free(driver);
    report = test_read_file(out, NULL);
    return status == 0 && report != NULL ? 0 : -1;
}

static int remove_work_dir(void **state)
{
    (void)state;
    char command[sizeof(work_dir) + 16];
    snprintf(command, sizeof(command), "rm -rf %s", work_dir);
    free(report);
    return system(command) == 0 ? 0 : -1;
}

static cJSON *read_bench_json(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s/%s.json", work_dir, name, name);
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    cJSON *json = cJSON_Parse(text);
    free(text);
    assert_non_null(json);
    return json;
}

static void every_benchmark_reports_its_figures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        const struct bench_expectation *bench = &expected[i];
        cJSON *json = read_bench_json(bench->name);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(json, "smoke")));
        cJSON *figures = cJSON_GetObjectItem(json, "figures");
        for (size_t f = 0; f < 8 && bench->figures[f] != NULL; f++) {
            cJSON *figure = cJSON_GetObjectItem(figures, bench->figures[f]);
            if (!cJSON_IsNumber(figure))
                fail_msg("%s reports no figure %s", bench->name, bench->figures[f]);
            assert_true(isfinite(figure->valuedouble) && figure->valuedouble >= 0);
        }
        cJSON *targets = cJSON_GetObjectItem(json, "targets");
        assert_int_equal(cJSON_GetArraySize(targets), bench->targets);
        cJSON *target;
        cJSON_ArrayForEach(target, targets)
        {
            assert_true(cJSON_IsString(cJSON_GetObjectItem(target, "what")));
            assert_true(cJSON_IsNumber(cJSON_GetObjectItem(target, "value")));
            assert_true(cJSON_IsNumber(cJSON_GetObjectItem(target, "target")));
            assert_true(cJSON_IsBool(cJSON_GetObjectItem(target, "met")));
        }
        cJSON_Delete(json);
    }
}

static void the_report_holds_every_section_between_its_markers(void **state)
{
    (void)state;
    const char *begin = strstr(report, "<!-- bench:begin");
    const char *end = strstr(report, "<!-- bench:end -->");
    assert_non_null(begin);
    assert_non_null(end);
    assert_non_null(strstr(report, "- **Machine**: "));
    assert_non_null(strstr(report, "`bench/run --smoke`"));
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        const char *section = strstr(report, expected[i].title);
        if (section == NULL || section < begin || section > end)
            fail_msg("the report has no section \"%s\"", expected[i].title);
    }
    assert_null(strstr(report, "The benchmark stopped before it measured"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_benchmark_reports_its_figures),
        cmocka_unit_test(the_report_holds_every_section_between_its_markers),
    };
    return cmocka_run_group_tests(tests, run_bench_smoke, remove_work_dir);
}
