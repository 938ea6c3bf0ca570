/* scripts/demo as a newcomer runs it: within a minute the summary shows suspects; the printed
 * reviewer login confirms a case, which the summary then counts and the alert feed (read with
 * the printed feed token) lists; and when the demo ends, by --for or by Ctrl-C, every process it
 * started is gone and its temporary folder removed. It runs the script against this build's
 * programs with a TMPDIR of its own, so "nothing left behind" means that folder is empty again. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "tests/support/test_support.h"

/* The demo promises suspects within a minute of its start, in every build. */
#define SUSPECTS_WITHIN_S 60
/* Room for the sanitizer build's slower start and for a clean stop (15 s per process at most). */
#define FINISH_WITHIN_S 150
#define OUTPUT_MAX (512 * 1024)

struct demo_run {
    pid_t pid; /* the script, 0 once reaped */
    int out;   /* its stdout and stderr */
    char tmpdir[64];
    char output[OUTPUT_MAX];
    size_t len;
};

/* The run in progress, stopped by the teardown when a test fails half-way. */
static struct demo_run *running;

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void demo_fail(const struct demo_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void demo_fail(const struct demo_run *run, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    fprintf(stderr, "---- scripts/demo output ----\n%.*s\n-----------------------------\n",
            (int)run->len, run->output);
    fail_msg("%s", message);
    abort();
}

static void demo_start(struct demo_run *run, const char *run_for)
{
    memset(run, 0, sizeof(*run));
    snprintf(run->tmpdir, sizeof(run->tmpdir), "/tmp/netra-demo-test.XXXXXX");
    assert_non_null(mkdtemp(run->tmpdir));
    char *script = test_source_path("scripts/demo");
    const char *build_dir = getenv("NETRA_BINARY_DIR");
    if (build_dir == NULL)
        fail_msg("NETRA_BINARY_DIR is not set: run this test through ctest");
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    fflush(NULL);
    run->pid = fork();
    assert_true(run->pid >= 0);
    if (run->pid == 0) {
        if (dup2(pipe_fds[1], STDOUT_FILENO) < 0 || dup2(pipe_fds[1], STDERR_FILENO) < 0 ||
            setenv("TMPDIR", run->tmpdir, 1) != 0)
            _exit(127);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        if (run_for != NULL)
            execl(script, script, "--desk-port", "0", "--for", run_for, build_dir, (char *)NULL);
        else
            execl(script, script, "--desk-port", "0", build_dir, (char *)NULL);
        _exit(127);
    }
    close(pipe_fds[1]);
    run->out = pipe_fds[0];
    free(script);
    running = run;
}

/* Reads what the script wrote until deadline_ms. Returns 1 at end of output, else 0. */
static int demo_read_until(struct demo_run *run, long deadline_ms)
{
    for (;;) {
        long left = deadline_ms - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = {.fd = run->out, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)(left < 1000 ? left : 1000));
        if (ready < 0 && errno != EINTR)
            demo_fail(run, "poll: %s", strerror(errno));
        if (ready <= 0)
            continue;
        if (run->len >= sizeof(run->output) - 1)
            demo_fail(run, "scripts/demo wrote more than %d bytes", OUTPUT_MAX);
        ssize_t n = read(run->out, run->output + run->len, sizeof(run->output) - 1 - run->len);
        if (n < 0 && errno != EINTR)
            demo_fail(run, "read: %s", strerror(errno));
        if (n == 0)
            return 1;
        if (n > 0) {
            run->len += (size_t)n;
            run->output[run->len] = '\0';
            return 0;
        }
    }
}

/* The value after "  <label>" on its own line of the banner, copied up to the end of line. */
static int banner_value(const struct demo_run *run, const char *label, char *out, size_t out_len)
{
    char key[64];
    snprintf(key, sizeof(key), "\n  %s ", label);
    const char *at = strstr(run->output, key);
    if (at == NULL)
        return -1;
    at += strlen(key);
    at += strspn(at, " ");
    size_t len = strcspn(at, "\n");
    if (at[len] != '\n' || len >= out_len)
        return -1;
    memcpy(out, at, len);
    out[len] = '\0';
    return 0;
}

/* The first summary line showing suspects: its time since the start, or -1 when none yet. */
static int first_suspects_at(const struct demo_run *run, long *suspects)
{
    for (const char *line = run->output; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        int minutes, seconds, crawled, accounts;
        long posts;
        if (end != NULL &&
            sscanf(line, "[%d:%d] crawled %d/%d accounts | %ld posts queued | %ld suspects",
                   &minutes, &seconds, &crawled, &accounts, &posts, suspects) == 6 &&
            *suspects > 0)
            return minutes * 60 + seconds;
        line = end != NULL ? end + 1 : NULL;
    }
    return -1;
}

static int wait_for_suspects(struct demo_run *run, long *suspects)
{
    long deadline = now_ms() + (SUSPECTS_WITHIN_S + 30) * 1000L;
    int at;
    while ((at = first_suspects_at(run, suspects)) < 0) {
        if (demo_read_until(run, deadline) || now_ms() >= deadline)
            demo_fail(run, "no summary line with suspects");
    }
    return at;
}

/* Reads to the end of the output and reaps the script; its exit status. */
static int demo_finish(struct demo_run *run)
{
    long deadline = now_ms() + FINISH_WITHIN_S * 1000L;
    while (!demo_read_until(run, deadline))
        if (now_ms() >= deadline)
            demo_fail(run, "scripts/demo did not end within %d s", FINISH_WITHIN_S);
    int status;
    pid_t reaped;
    while ((reaped = waitpid(run->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    assert_int_equal(reaped, run->pid);
    run->pid = 0;
    close(run->out);
    running = NULL;
    if (!WIFEXITED(status))
        demo_fail(run, "scripts/demo ended by signal %d", WTERMSIG(status));
    return WEXITSTATUS(status);
}

struct http_answer {
    long status;
    char *body;    /* NUL-terminated */
    char *headers; /* the raw header lines, NUL-terminated */
};

static size_t collect(char *data, size_t size, size_t count, void *userdata)
{
    char **text = userdata;
    size_t had = *text != NULL ? strlen(*text) : 0, add = size * count;
    char *grown = realloc(*text, had + add + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + had, data, add);
    grown[had + add] = '\0';
    *text = grown;
    return add;
}

/* method GET, or POST when body is not NULL; any of bearer, cookie, csrf may be NULL. */
static void http_request(const char *url, const char *bearer, const char *cookie,
                         const char *csrf, const char *body, struct http_answer *out)
{
    char header[256];
    struct curl_slist *headers = NULL;
    memset(out, 0, sizeof(*out));
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    if (bearer != NULL) {
        snprintf(header, sizeof(header), "Authorization: Bearer %s", bearer);
        headers = curl_slist_append(headers, header);
    }
    if (csrf != NULL) {
        snprintf(header, sizeof(header), "X-CSRF-Token: %s", csrf);
        headers = curl_slist_append(headers, header);
    }
    if (body != NULL) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    }
    if (cookie != NULL) {
        snprintf(header, sizeof(header), "netra_session=%s", cookie);
        curl_easy_setopt(curl, CURLOPT_COOKIE, header);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out->body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out->headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    if (out->body == NULL)
        out->body = strdup("");
    if (out->headers == NULL)
        out->headers = strdup("");
    assert_non_null(out->body);
    assert_non_null(out->headers);
}

static void http_answer_free(struct http_answer *answer)
{
    free(answer->body);
    free(answer->headers);
}

static long http_status(const char *url, const char *bearer, const char *body)
{
    struct http_answer answer;
    http_request(url, bearer, NULL, NULL, body, &answer);
    http_answer_free(&answer);
    return answer.status;
}

/* The string member name of the JSON object json, or with array of its first element of that
 * array member, copied into out. */
static void json_string(const struct demo_run *run, const char *json, const char *array,
                        const char *name, char *out, size_t out_len)
{
    cJSON *root = cJSON_Parse(json);
    const cJSON *object = root;
    if (array != NULL)
        object = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, array), 0);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!cJSON_IsString(item) || strlen(item->valuestring) >= out_len) {
        cJSON_Delete(root);
        demo_fail(run, "no string %s%s%s in %.300s", array != NULL ? array : "",
                  array != NULL ? "[0]." : "", name, json);
    }
    snprintf(out, out_len, "%s", item->valuestring);
    cJSON_Delete(root);
}

/* The banner's console URL, login and feed token are the ones netra-desk accepts: the demo
 * reviewer logs in as in the console and confirms the queue's first case, which the summary
 * then counts as confirmed and the alert feed read with the feed token lists. */
static void check_review_works(struct demo_run *run)
{
    char console[128], login[128], feed[512], url[256], body[256], token[80];
    if (banner_value(run, "console", console, sizeof(console)) != 0 ||
        banner_value(run, "login", login, sizeof(login)) != 0 ||
        banner_value(run, "alert feed", feed, sizeof(feed)) != 0)
        demo_fail(run, "the banner lacks the console, login or alert feed line");
    char password[64];
    if (sscanf(login, "demo / %63s", password) != 1)
        demo_fail(run, "cannot read the password from \"%s\"", login);
    if (sscanf(feed, "curl -H 'Authorization: Bearer %79[0-9a-f]'", token) != 1)
        demo_fail(run, "cannot read the feed token from \"%s\"", feed);

    snprintf(url, sizeof(url), "%sapi/login", console);
    snprintf(body, sizeof(body), "{\"name\": \"demo\", \"password\": \"not-%s\"}", password);
    assert_int_equal(http_status(url, NULL, body), 401);
    snprintf(body, sizeof(body), "{\"name\": \"demo\", \"password\": \"%s\"}", password);
    struct http_answer answer;
    http_request(url, NULL, NULL, NULL, body, &answer);
    if (answer.status != 200)
        demo_fail(run, "login as demo: HTTP %ld %.200s", answer.status, answer.body);
    char csrf[128], cookie[128], case_id[64];
    json_string(run, answer.body, NULL, "csrf", csrf, sizeof(csrf));
    const char *set_cookie = strstr(answer.headers, "netra_session=");
    if (set_cookie == NULL ||
        sscanf(set_cookie, "netra_session=%127[^;\r\n]", cookie) != 1)
        demo_fail(run, "login as demo: no session cookie");
    http_answer_free(&answer);

    snprintf(url, sizeof(url), "%sapi/cases?limit=1", console);
    http_request(url, NULL, cookie, NULL, NULL, &answer);
    assert_int_equal(answer.status, 200);
    json_string(run, answer.body, "cases", "id", case_id, sizeof(case_id));
    http_answer_free(&answer);

    snprintf(url, sizeof(url), "%sapi/cases/%s/decision", console, case_id);
    http_request(url, NULL, cookie, csrf,
                 "{\"action\": \"confirm\", \"category\": \"vote_call\", "
                 "\"note\": \"test_demo_smoke\"}",
                 &answer);
    if (answer.status != 200)
        demo_fail(run, "confirm %s: HTTP %ld %.200s", case_id, answer.status, answer.body);
    http_answer_free(&answer);

    long deadline = now_ms() + 30 * 1000L;
    while (strstr(run->output, "| 1 confirmed\n") == NULL)
        if (demo_read_until(run, deadline) || now_ms() >= deadline)
            demo_fail(run, "no summary line counts the confirmed case");

    char entry_id[96];
    snprintf(url, sizeof(url), "%sfeeds/alerts.atom", console);
    snprintf(entry_id, sizeof(entry_id), "urn:netra:alert:%s", case_id);
    assert_int_equal(http_status(url, NULL, NULL), 401);
    http_request(url, token, NULL, NULL, NULL, &answer);
    assert_int_equal(answer.status, 200);
    if (strstr(answer.body, entry_id) == NULL)
        demo_fail(run, "the alert feed lacks %s", entry_id);
    http_answer_free(&answer);
}

/* Every process of the banner's pids line is gone, and so is every file the demo made. */
static void check_nothing_left(const struct demo_run *run)
{
    char pids[512], folder[128];
    if (banner_value(run, "pids", pids, sizeof(pids)) != 0 ||
        banner_value(run, "folder", folder, sizeof(folder)) != 0)
        demo_fail(run, "the banner lacks the pids or folder line");
    int count = 0;
    for (char *save = NULL, *item = strtok_r(pids, " ", &save); item != NULL;
         item = strtok_r(NULL, " ", &save), count++) {
        const char *equals = strchr(item, '=');
        if (equals == NULL)
            demo_fail(run, "bad pids entry \"%s\"", item);
        pid_t pid = (pid_t)atol(equals + 1);
        if (pid <= 1 || kill(pid, 0) == 0 || errno != ESRCH)
            demo_fail(run, "%s is still running after the demo ended", item);
    }
    assert_int_equal(count, 6); /* redis, sim, desk, crawler, two workers */

    struct stat st;
    folder[strcspn(folder, " ")] = '\0';
    if (strncmp(folder, run->tmpdir, strlen(run->tmpdir)) != 0)
        demo_fail(run, "the demo's folder %s is not under TMPDIR %s", folder, run->tmpdir);
    if (stat(folder, &st) == 0 || errno != ENOENT)
        demo_fail(run, "%s is still there", folder);
    DIR *dir = opendir(run->tmpdir);
    assert_non_null(dir);
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            demo_fail(run, "%s/%s was left behind", run->tmpdir, entry->d_name);
    closedir(dir);
    assert_int_equal(rmdir(run->tmpdir), 0);
}

static void demo_for_40_seconds_shows_suspects_and_cleans_up(void **state)
{
    (void)state;
    static struct demo_run run;
    demo_start(&run, "40");
    long suspects;
    int at = wait_for_suspects(&run, &suspects);
    if (at > SUSPECTS_WITHIN_S)
        demo_fail(&run, "first suspects after %d s", at);
    check_review_works(&run);
    int status = demo_finish(&run);
    if (status != 0)
        demo_fail(&run, "scripts/demo --for 40 exited %d", status);
    if (strstr(run.output, "demo: stopped,") == NULL)
        demo_fail(&run, "no \"demo: stopped\" line");
    check_nothing_left(&run);
    print_message("first suspects (%ld) after %d s\n", suspects, at);
}

static void ctrl_c_stops_every_process_and_removes_the_folder(void **state)
{
    (void)state;
    static struct demo_run run;
    demo_start(&run, NULL);
    long suspects;
    wait_for_suspects(&run, &suspects);
    long interrupted = now_ms();
    assert_int_equal(kill(run.pid, SIGINT), 0);
    int status = demo_finish(&run);
    if (status != 0)
        demo_fail(&run, "scripts/demo exited %d after SIGINT", status);
    check_nothing_left(&run);
    print_message("stopped %ld ms after SIGINT\n", now_ms() - interrupted);
}

/* A test that failed half-way leaves a demo running: stop it as Ctrl-C would, then for good. */
static int stop_leftover_demo(void **state)
{
    (void)state;
    if (running == NULL || running->pid <= 0)
        return 0;
    kill(running->pid, SIGINT);
    pid_t reaped = 0;
    for (int i = 0; i < 300 && (reaped = waitpid(running->pid, NULL, WNOHANG)) == 0; i++)
        usleep(100 * 1000);
    if (reaped == 0) {
        kill(running->pid, SIGKILL);
        waitpid(running->pid, NULL, 0);
    }
    close(running->out);
    running = NULL;
    return 0;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(demo_for_40_seconds_shows_suspects_and_cleans_up,
                                  stop_leftover_demo),
        cmocka_unit_test_teardown(ctrl_c_stops_every_process_and_removes_the_folder,
                                  stop_leftover_demo),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
