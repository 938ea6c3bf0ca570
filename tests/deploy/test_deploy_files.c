/* deploy/: the systemd units pass systemd-analyze (syntax and exposure), compose.yaml and the
 * Kubernetes manifests have what an operator relies on (tests/deploy/check_manifests.py), the
 * configs they ship load with netra's own loader, and the image's processes run as non-root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/test_support.h"

/* Runs argv (NULL-terminated) in dir with its output captured. */
static struct test_run run_in(const char *dir, char *const argv[])
{
    return test_run_program(argv, NULL, dir, NULL);
}

static int have_program(const char *name)
{
    char *argv[] = {"sh", "-c", "command -v \"$0\"", (char *)name, NULL};
    struct test_run run = run_in(NULL, argv);
    int found = run.status == 0;
    test_run_free(&run);
    return found;
}

static char *read_deploy_file(const char *relative)
{
    char path[512];
    snprintf(path, sizeof(path), "deploy/%s", relative);
    char *full = test_source_path(path);
    char *text = test_read_file(full, NULL);
    free(full);
    return text;
}

static const char *const units[] = {"netra-crawler@.service", "netra-worker@.service",
                                    "netra-desk.service"};

/* What issue 6 asks of every unit, and what the processes' shutdown and secrets rely on. */
static void every_unit_is_hardened_and_restarts_on_failure(void **state)
{
    (void)state;
    static const char *const required[] = {
        "DynamicUser=yes\n", "ProtectSystem=strict\n", "ProtectHome=yes\n",
        "NoNewPrivileges=yes\n", "PrivateTmp=yes\n", "PrivateDevices=yes\n",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n",
        "SystemCallFilter=@system-service\n", "CapabilityBoundingSet=\n",
        "Restart=on-failure\n", "RestartSec=", "KillSignal=SIGTERM\n",
        "--config /etc/netra/netra.jsonc", "EnvironmentFile=-/etc/netra/secrets.env\n",
        "WorkingDirectory=/usr/local/share/netra\n"};
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        char relative[128];
        snprintf(relative, sizeof(relative), "systemd/%s", units[u]);
        char *text = read_deploy_file(relative);
        for (size_t r = 0; r < sizeof(required) / sizeof(required[0]); r++)
            if (strstr(text, required[r]) == NULL)
                fail_msg("deploy/%s: no \"%s\"", relative, required[r]);
        free(text);
    }
}

/* The units as installed, except that ExecStart points at stand-ins of the same names in a
 * temporary folder: systemd-analyze refuses a unit whose program is missing, and a misspelt
 * program name still fails. */
static void units_pass_systemd_analyze_verify_and_security(void **state)
{
    (void)state;
    if (!have_program("systemd-analyze")) {
        print_message("systemd-analyze is not installed: the units are not verified\n");
        skip();
    }
    char dir[] = "/tmp/netra-deploy-units-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char bin[128], path[256];
    snprintf(bin, sizeof(bin), "%s/bin", dir);
    assert_int_equal(mkdir(bin, 0700), 0);
    static const char *const programs[] = {"netra-crawler", "netra-worker", "netra-desk"};
    for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", bin, programs[i]);
        assert_int_equal(symlink("/bin/true", path), 0);
    }
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        char relative[128];
        snprintf(relative, sizeof(relative), "systemd/%s", units[u]);
        char *text = read_deploy_file(relative);
        snprintf(path, sizeof(path), "%s/%s", dir, units[u]);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        for (const char *p = text; *p != '\0';) {
            const char *hit = strstr(p, "/usr/local/bin/");
            size_t keep = hit != NULL ? (size_t)(hit - p) : strlen(p);
            fwrite(p, 1, keep, f);
            p += keep;
            if (hit != NULL) {
                fprintf(f, "%s/", bin);
                p += strlen("/usr/local/bin/");
            }
        }
        assert_int_equal(fclose(f), 0);
        free(text);
    }

    /* Templates are verified through an instance; warnings (an unknown key, a bad value that
     * systemd would ignore) fail too. */
    char desk[256], crawler[256], worker[256];
    snprintf(desk, sizeof(desk), "%s/netra-desk.service", dir);
    snprintf(crawler, sizeof(crawler), "%s/netra-crawler@1.service", dir);
    snprintf(worker, sizeof(worker), "%s/netra-worker@1.service", dir);
    char *verify[] = {"systemd-analyze", "verify", "--man=no", desk, crawler, worker, NULL};
    struct test_run run = run_in(dir, verify);
    if (run.status != 0 || run.err[0] != '\0' || run.out[0] != '\0')
        fail_msg("systemd-analyze verify (exit %d):\n%s%s", run.status, run.out, run.err);
    test_run_free(&run);

    /* Exposure 0 (locked down) .. 10 (exposed); these score 1.4 today. */
    char *const instances[] = {desk, crawler, worker};
    for (size_t i = 0; i < sizeof(instances) / sizeof(instances[0]); i++) {
        char *security[] = {"systemd-analyze", "security", "--offline=yes", "--threshold=20",
                            instances[i], NULL};
        run = run_in(dir, security);
        if (run.status != 0)
            fail_msg("%s: exposure above 2.0 (exit %d):\n%s%s", instances[i], run.status,
                     run.out, run.err);
        test_run_free(&run);
    }

    char *cleanup[] = {"rm", "-rf", dir, NULL};
    run = run_in(NULL, cleanup);
    test_run_free(&run);
}

/* Loads a shipped netra.jsonc with netra's own loader (`netra score` reads the config and the
 * rulesets, and needs no Redis), from the source tree as the image's working folder. The
 * "$ENV:NAME" secrets an operator would set are given stand-ins. */
static void assert_config_loads(const char *config_path)
{
    const char *netra = getenv("NETRA_BIN");
    if (netra == NULL)
        fail_msg("NETRA_BIN is not set: run through ctest");
    char *source = test_source_path(".");
    char *argv[] = {(char *)netra, "--config", (char *)config_path, "score", "/dev/null", NULL};
    setenv("NETRA_WEBHOOK_BAWASLU_SECRET", "a webhook key of sixteen bytes or more", 1);
    struct test_run run = run_in(source, argv);
    if (run.status != 0)
        fail_msg("%s does not load (exit %d): %s", config_path, run.status, run.err);
    test_run_free(&run);
    free(source);
}

static void compose_and_kubernetes_manifests_hold_what_operators_rely_on(void **state)
{
    (void)state;
    char *deploy = test_source_path("deploy");
    char *checker = test_source_path("tests/deploy/check_manifests.py");
    char configmap[] = "/tmp/netra-deploy-configmap-XXXXXX";
    int fd = mkstemp(configmap);
    assert_true(fd >= 0);
    close(fd);

    if (!have_program("python3")) {
        print_message("python3 is not installed: the manifests are not checked\n");
        goto skipped;
    }
    char *argv[] = {"python3", checker, deploy, configmap, NULL};
    struct test_run run = run_in(NULL, argv);
    if (run.status == 77) {
        print_message("python3 has no yaml module (python3-yaml): the manifests are not "
                      "checked\n");
        test_run_free(&run);
        goto skipped;
    }
    if (run.status != 0)
        fail_msg("deploy manifests:\n%s%s", run.out, run.err);
    test_run_free(&run);
    assert_config_loads(configmap);
    unlink(configmap);
    free(checker);
    free(deploy);
    return;

skipped:
    unlink(configmap);
    free(checker);
    free(deploy);
    skip();
}

static void compose_config_loads(void **state)
{
    (void)state;
    char *path = test_source_path("deploy/compose/netra.jsonc");
    assert_config_loads(path);
    free(path);
}

/* The value of the last `USER` in [from, to), or NULL. */
static char *last_user(const char *from, const char *to)
{
    char *user = NULL;
    for (const char *line = from; line != NULL && line < to;) {
        if (strncmp(line, "USER ", 5) == 0) {
            const char *end = strchr(line, '\n');
            free(user);
            user = strndup(line + 5, end != NULL ? (size_t)(end - line - 5) : strlen(line + 5));
        }
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    return user;
}

/* Whether an instruction (a line that is not a comment) in [from, to) contains needle. */
static int instructions_mention(const char *from, const char *to, const char *needle)
{
    for (const char *line = from; line != NULL && line < to;) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        const char *hit = line[0] != '#' ? strstr(line, needle) : NULL;
        if (hit != NULL && hit < line + len && hit < to)
            return 1;
        line = end != NULL ? end + 1 : NULL;
    }
    return 0;
}

static int is_root(const char *user)
{
    return strcmp(user, "root") == 0 || strcmp(user, "0") == 0 ||
           strncmp(user, "root:", 5) == 0 || strncmp(user, "0:", 2) == 0;
}

static void image_runs_every_process_as_non_root(void **state)
{
    (void)state;
    char *text = read_deploy_file("docker/Dockerfile");
    const char *builder = strstr(text, "\nFROM debian:12-slim AS builder\n");
    const char *runtime = strstr(text, "\nFROM debian:12-slim AS runtime\n");
    assert_non_null(builder);
    assert_non_null(runtime);
    assert_true(builder < runtime);
    assert_non_null(strstr(builder, "RUN scripts/install-deps"));

    const char *first_final = strstr(runtime, "\nFROM runtime AS ");
    assert_non_null(first_final);
    char *user = last_user(runtime + 1, first_final);
    assert_non_null(user);
    if (is_root(user))
        fail_msg("deploy/docker/Dockerfile: the runtime stage runs as %s", user);
    free(user);
    /* Only the build needs compilers and headers. */
    assert_false(instructions_mention(runtime + 1, first_final, "-dev"));
    assert_false(instructions_mention(runtime + 1, first_final, "install-deps"));

    static const char *const finals[][2] = {
        {"crawler", "/usr/local/bin/netra-crawler"}, {"worker", "/usr/local/bin/netra-worker"},
        {"desk", "/usr/local/bin/netra-desk"}, {"cli", "/usr/local/bin/netra"}};
    for (size_t i = 0; i < sizeof(finals) / sizeof(finals[0]); i++) {
        char from[64], entry[128];
        snprintf(from, sizeof(from), "\nFROM runtime AS %s\n", finals[i][0]);
        snprintf(entry, sizeof(entry), "ENTRYPOINT [\"%s\"]", finals[i][1]);
        const char *stage = strstr(text, from);
        if (stage == NULL)
            fail_msg("deploy/docker/Dockerfile: no stage %s", finals[i][0]);
        const char *next = strstr(stage + 1, "\nFROM ");
        const char *end = next != NULL ? next : stage + strlen(stage);
        char *own = last_user(stage + 1, end);
        if (own != NULL && is_root(own))
            fail_msg("deploy/docker/Dockerfile: stage %s runs as %s", finals[i][0], own);
        free(own);
        const char *hit = strstr(stage, entry);
        if (hit == NULL || hit > end)
            fail_msg("deploy/docker/Dockerfile: stage %s does not start %s", finals[i][0],
                     finals[i][1]);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_unit_is_hardened_and_restarts_on_failure),
        cmocka_unit_test(units_pass_systemd_analyze_verify_and_security),
        cmocka_unit_test(compose_and_kubernetes_manifests_hold_what_operators_rely_on),
        cmocka_unit_test(compose_config_loads),
        cmocka_unit_test(image_runs_every_process_as_non_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
