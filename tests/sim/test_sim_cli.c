/* The netra-sim program: its port file, stdout line, watchlist and config files, refusing a
 * non-loopback address and bad options, and a clean exit on SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/log.h"
#include "config/watchlist.h"
#include "sim_test.h"
#include "tests/support/test_support.h"

struct run {
    pid_t pid;
    int out; /* the child's stdout */
    int err; /* the child's stderr */
};

static char *program(void)
{
    const char *dir = getenv("NETRA_BINARY_DIR");
    assert_non_null(dir);
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/sim/netra-sim", dir);
    return path;
}

static void start(struct run *run, char *const argv[])
{
    int out[2], err[2];
    assert_int_equal(pipe(out), 0);
    assert_int_equal(pipe(err), 0);
    run->pid = fork();
    assert_true(run->pid >= 0);
    if (run->pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]);
        close(err[0]);
        char *path = program();
        execv(path, argv);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    run->out = out[0];
    run->err = err[0];
}

static int wait_exit(struct run *run)
{
    int status = 0;
    assert_int_equal(waitpid(run->pid, &status, 0), run->pid);
    close(run->out);
    close(run->err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *read_all(int fd)
{
    char *data = calloc(1, 65536);
    size_t len = 0;
    ssize_t n;
    while (len < 65535 && (n = read(fd, data + len, 65535 - len)) > 0)
        len += (size_t)n;
    return data;
}

static char *temp_dir(void)
{
    char *dir = strdup("/tmp/netra-sim-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static char *join(const char *dir, const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

static void test_serves_and_writes_its_files(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *port_file = join(dir, "port");
    char *watchlist = join(dir, "watchlist.csv");
    char *config = join(dir, "platforms.jsonc");
    char *argv[] = {"netra-sim", "--port-file", port_file, "--watchlist-out", watchlist,
                    "--config-out", config, "--accounts", "12", "--seed", "3",
                    "--start", "1730000000", "--speed", "60", NULL};
    struct run run;
    start(&run, argv);

    /* The port file appears, whole, once the server accepts connections. */
    char *line = NULL;
    for (int i = 0; i < 100 && line == NULL; i++) {
        struct stat st;
        if (stat(port_file, &st) == 0)
            line = test_read_file(port_file, NULL);
        else
            usleep(50 * 1000);
    }
    assert_non_null(line);
    assert_int_equal(strncmp(line, "127.0.0.1:", 10), 0);
    assert_int_equal(line[strlen(line) - 1], '\n');
    int port = atoi(line + 10);
    assert_true(port > 0 && port < 65536);

    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/_sim/accounts", port);
    struct http_response r;
    http_get(url, &r);
    assert_int_equal(r.status, 200);
    cJSON *accounts = http_json(&r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(accounts, "accounts")), 12);
    http_response_free(&r);

    /* The watchlist is one netra reads without a complaint, and names the same accounts. */
    size_t len = 0;
    char *csv = test_read_file(watchlist, &len);
    struct watchlist list;
    char err[NETRA_ERR_LEN];
    assert_int_equal(watchlist_parse(csv, len, &list, err, sizeof(err)), 0);
    assert_int_equal(list.count, 12);
    assert_int_equal(list.bad_rows, 0);
    for (size_t i = 0; i < list.count; i++) {
        cJSON *a = cJSON_GetArrayItem(cJSON_GetObjectItem(accounts, "accounts"), (int)i);
        assert_string_equal(list.entries[i].id, json_string(a, "id"));
        assert_string_equal(list.entries[i].platform, json_string(a, "platform"));
        assert_string_equal(list.entries[i].handle, json_string(a, "handle"));
        assert_int_equal(strlen(list.entries[i].nip), 18);
        assert_true(list.entries[i].interval_s >= 60);
    }
    char expected[128];
    snprintf(expected, sizeof(expected), "http://127.0.0.1:%d/feed/acc-4.rss", port);
    assert_string_equal(list.entries[3].handle, expected);
    assert_non_null(strstr(list.entries[0].handle, "@sim.mastodon"));
    assert_non_null(strstr(list.entries[1].handle, ".bsky.sim"));
    watchlist_free(&list);
    free(csv);

    /* The config fragment: comments, then JSON pointing every platform at this port. */
    char *jsonc = test_read_file(config, NULL);
    char *json = calloc(1, strlen(jsonc) + 1);
    for (char *p = jsonc, *next; p != NULL && *p; p = next) {
        next = strchr(p, '\n');
        size_t n = next != NULL ? (size_t)(next - p + 1) : strlen(p);
        if (strncmp(p, "//", 2) != 0)
            strncat(json, p, n);
        if (next != NULL)
            next++;
    }
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    cJSON *platforms = cJSON_GetObjectItem(doc, "platforms");
    static const char *const names[] = {"mastodon", "bluesky", "x", "feed", "jsonapi"};
    for (int i = 0; i < 5; i++) {
        cJSON *p = cJSON_GetObjectItem(platforms, names[i]);
        snprintf(expected, sizeof(expected), "http://127.0.0.1:%d/%s", port, names[i]);
        assert_string_equal(json_string(p, "base_url"), expected);
    }
    assert_string_equal(json_string(cJSON_GetObjectItem(platforms, "x"), "token"), "$ENV:NETRA_X_TOKEN");
    assert_non_null(strstr(json_string(cJSON_GetObjectItem(platforms, "jsonapi"), "url"), "{handle}"));
    cJSON_Delete(doc);
    free(json);
    free(jsonc);
    cJSON_Delete(accounts);

    assert_int_equal(kill(run.pid, SIGTERM), 0);
    char *out = read_all(run.out);
    snprintf(expected, sizeof(expected), "netra-sim listening on http://127.0.0.1:%d\n", port);
    assert_string_equal(out, expected);
    assert_int_equal(wait_exit(&run), 0);
    free(out);
    free(line);
    unlink(port_file);
    unlink(watchlist);
    unlink(config);
    rmdir(dir);
    free(port_file);
    free(watchlist);
    free(config);
    free(dir);
}

static void test_refuses_a_non_loopback_address(void **state)
{
    (void)state;
    char *argv[] = {"netra-sim", "--listen", "0.0.0.0:0", NULL};
    struct run run;
    start(&run, argv);
    char *err = read_all(run.err);
    assert_int_equal(wait_exit(&run), 1);
    assert_non_null(strstr(err, "not loopback"));
    free(err);
}

static void test_bad_options(void **state)
{
    (void)state;
    char *bad[][4] = {
        {"netra-sim", "--bogus", NULL, NULL},
        {"netra-sim", "--accounts", "0", NULL},
        {"netra-sim", "--speed", "fast", NULL},
        {"netra-sim", "--listen", "127.0.0.1", NULL},
        {"netra-sim", "--faults", "teleport", NULL},
    };
    const char *expect[] = {"--bogus", "--accounts", "--speed", "--listen", "teleport"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct run run;
        start(&run, bad[i]);
        char *err = read_all(run.err);
        int status = wait_exit(&run);
        assert_int_equal(status, 2);
        if (strstr(err, expect[i]) == NULL)
            fail_msg("no \"%s\" in: %s", expect[i], err);
        free(err);
    }
    char *help[] = {"netra-sim", "--help", NULL};
    struct run run;
    start(&run, help);
    char *out = read_all(run.out);
    assert_int_equal(wait_exit(&run), 0);
    assert_non_null(strstr(out, "--watchlist-out"));
    free(out);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serves_and_writes_its_files),
        cmocka_unit_test(test_refuses_a_non_loopback_address),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
