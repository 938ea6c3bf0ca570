#include "tests/crawler/crawler_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "config/watchlist.h"
#include "queue/accounts.h"
#include "queue/keys.h"
#include "queue/redis_sync.h"
#include "tests/support/test_support.h"

extern char **environ;

long long test_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int test_wait_for(int (*cond)(void *), void *arg, int deadline_ms)
{
    long long end = test_now_ms() + deadline_ms;
    for (;;) {
        if (cond(arg))
            return 1;
        if (test_now_ms() >= end)
            return 0;
        usleep(50 * 1000);
    }
}

static const char *binary(const char *variable)
{
    const char *path = getenv(variable);
    if (path == NULL || path[0] == '\0')
        fail_msg("%s is not set: run this test through ctest", variable);
    return path;
}

/* fork + exec with stdout and stderr into files (NULL: /dev/null) and extra environment
 * entries ("NAME=value", NULL-terminated). */
static pid_t spawn(char *const argv[], const char *out_path, const char *err_path,
                   const char *const *env)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* A test that fails leaves by longjmp, without stopping what it started: the kernel
         * does it when the test process ends. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (out < 0 || err < 0)
            _exit(126);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        unsetenv("NETRA_CONFIG");
        for (size_t i = 0; env != NULL && env[i] != NULL; i++)
            putenv((char *)env[i]);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* ---- the simulator ------------------------------------------------------------------------ */

void test_sim_start(struct test_sim *sim, int seed, int accounts, ...)
{
    memset(sim, 0, sizeof(*sim));
    snprintf(sim->dir, sizeof(sim->dir), "/tmp/netra-crawler-test-XXXXXX");
    assert_non_null(mkdtemp(sim->dir));
    char port_file[300], log[300], seed_text[16], accounts_text[16];
    snprintf(port_file, sizeof(port_file), "%s/port", sim->dir);
    snprintf(log, sizeof(log), "%s/sim.log", sim->dir);
    snprintf(sim->watchlist, sizeof(sim->watchlist), "%s/watchlist.csv", sim->dir);
    snprintf(sim->fragment, sizeof(sim->fragment), "%s/platforms.jsonc", sim->dir);
    snprintf(seed_text, sizeof(seed_text), "%d", seed);
    snprintf(accounts_text, sizeof(accounts_text), "%d", accounts);
    char *argv[40];
    int argc = 0;
    const char *fixed[] = {binary("NETRA_SIM_BIN"), "--listen", "127.0.0.1:0", "--port-file",
                           port_file, "--seed", seed_text, "--accounts", accounts_text,
                           "--watchlist-out", sim->watchlist, "--config-out", sim->fragment,
                           "--token", CRAWLER_TEST_X_TOKEN};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        argv[argc++] = (char *)fixed[i];
    va_list ap;
    va_start(ap, accounts);
    for (char *arg = va_arg(ap, char *); arg != NULL && argc < 39; arg = va_arg(ap, char *))
        argv[argc++] = arg;
    va_end(ap);
    argv[argc] = NULL;
    sim->pid = spawn(argv, log, log, NULL);

    for (int waited = 0; waited < 10000 && sim->port == 0; waited += 20) {
        FILE *file = fopen(port_file, "r");
        if (file != NULL) {
            if (fscanf(file, "127.0.0.1:%d", &sim->port) != 1)
                sim->port = 0;
            fclose(file);
        }
        if (sim->port == 0)
            usleep(20 * 1000);
    }
    if (sim->port == 0)
        fail_msg("netra-sim did not start (see %s)", log);
    snprintf(sim->base_url, sizeof(sim->base_url), "http://127.0.0.1:%d", sim->port);
}

void test_sim_none(struct test_sim *sim, const char *watchlist_csv)
{
    memset(sim, 0, sizeof(*sim));
    snprintf(sim->dir, sizeof(sim->dir), "/tmp/netra-crawler-test-XXXXXX");
    assert_non_null(mkdtemp(sim->dir));
    snprintf(sim->watchlist, sizeof(sim->watchlist), "%s/watchlist.csv", sim->dir);
    snprintf(sim->fragment, sizeof(sim->fragment), "%s/platforms.jsonc", sim->dir);
    const char *files[][2] = {{sim->watchlist, watchlist_csv}, {sim->fragment, "{}"}};
    for (size_t i = 0; i < 2; i++) {
        FILE *file = fopen(files[i][0], "w");
        assert_non_null(file);
        fputs(files[i][1], file);
        fclose(file);
    }
}

/* The sim's folder holds only files. */
static void remove_folder(const char *path)
{
    DIR *dir = opendir(path);
    if (dir == NULL)
        return;
    for (struct dirent *entry = readdir(dir); entry != NULL; entry = readdir(dir)) {
        char file[600];
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        snprintf(file, sizeof(file), "%s/%s", path, entry->d_name);
        unlink(file);
    }
    closedir(dir);
    rmdir(path);
}

void test_sim_stop(struct test_sim *sim)
{
    if (sim->pid > 0)
        test_crawler_stop(sim->pid, SIGTERM, 5000);
    sim->pid = 0;
    const char *keep = getenv("NETRA_TEST_KEEP");
    if (keep != NULL && keep[0] == '1')
        fprintf(stderr, "kept %s\n", sim->dir);
    else if (sim->dir[0] != '\0')
        remove_folder(sim->dir);
}

struct body {
    char *data;
    size_t len;
};

static size_t on_body(char *data, size_t size, size_t count, void *arg)
{
    struct body *body = arg;
    size_t n = size * count;
    char *grown = realloc(body->data, body->len + n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + body->len, data, n);
    body->len += n;
    grown[body->len] = '\0';
    body->data = grown;
    return n;
}

cJSON *test_sim_call(const struct test_sim *sim, const char *method, const char *path,
                     const char *body, long expect)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", sim->base_url, path);
    struct body answer = {NULL, 0};
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (body != NULL)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    CURLcode result = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    int as_expected = expect == 0 ? status >= 200 && status <= 299 : status == expect;
    if (result != CURLE_OK || !as_expected)
        fail_msg("%s %s: %s, HTTP %ld (expected %ld): %.300s", method, path,
                 curl_easy_strerror(result), status, expect, answer.data ? answer.data : "");
    cJSON *json = NULL;
    if (answer.len > 0 && (json = cJSON_Parse(answer.data)) == NULL)
        fail_msg("%s %s: not JSON: %.300s", method, path, answer.data);
    free(answer.data);
    return json;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void test_ids_free(struct test_ids *ids)
{
    for (size_t i = 0; i < ids->count; i++)
        free(ids->ids[i]);
    free(ids->ids);
    memset(ids, 0, sizeof(*ids));
}

int test_ids_contains(const struct test_ids *ids, const char *id)
{
    for (size_t i = 0; i < ids->count; i++)
        if (strcmp(ids->ids[i], id) == 0)
            return 1;
    return 0;
}

static void ids_add(struct test_ids *ids, const char *id)
{
    char **grown = realloc(ids->ids, (ids->count + 1) * sizeof(*grown));
    assert_non_null(grown);
    ids->ids = grown;
    ids->ids[ids->count] = strdup(id);
    assert_non_null(ids->ids[ids->count]);
    ids->count++;
}

void test_sim_post_ids(const struct test_sim *sim, const char *account, int with_deleted,
                       struct test_ids *out)
{
    char path[256];
    memset(out, 0, sizeof(*out));
    if (account != NULL)
        snprintf(path, sizeof(path), "/_sim/posts?account=%s", account);
    else
        snprintf(path, sizeof(path), "/_sim/posts");
    cJSON *answer = test_sim_call(sim, "GET", path, NULL, 200);
    const cJSON *post;
    cJSON_ArrayForEach(post, cJSON_GetObjectItemCaseSensitive(answer, "posts")) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(post, "id");
        assert_true(cJSON_IsString(id));
        if (with_deleted || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(post, "deleted")))
            ids_add(out, id->valuestring);
    }
    cJSON_Delete(answer);
    if (out->count > 0)
        qsort(out->ids, out->count, sizeof(*out->ids), compare_strings);
}

/* ---- one test's crawl --------------------------------------------------------------------- */

/* Copies every member of from into to, objects merged key by key. */
static void merge(cJSON *to, const cJSON *from)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, from) {
        cJSON *existing = cJSON_GetObjectItemCaseSensitive(to, item->string);
        if (cJSON_IsObject(existing) && cJSON_IsObject(item)) {
            merge(existing, item);
            continue;
        }
        cJSON *copy = cJSON_Duplicate(item, 1);
        assert_non_null(copy);
        if (existing != NULL)
            cJSON_ReplaceItemInObjectCaseSensitive(to, item->string, copy);
        else
            cJSON_AddItemToObject(to, item->string, copy);
    }
}

/* The sim's fragment with its // comment lines left out. */
static cJSON *read_fragment(const char *path)
{
    char *text = test_read_file(path, NULL);
    for (char *line = text; *line != '\0';) {
        char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        if (strncmp(line + strspn(line, " \t"), "//", 2) == 0)
            memset(line, ' ', length);
        line += length + (end != NULL);
    }
    cJSON *json = cJSON_Parse(text);
    if (json == NULL)
        fail_msg("%s: not JSON", path);
    free(text);
    return json;
}

void test_crawl_setup(struct test_crawl *crawl, struct test_sim *sim, const char *name,
                      const char *extra)
{
    char base[1024], err[NETRA_ERR_LEN];
    memset(crawl, 0, sizeof(crawl[0]));
    crawl->sim = sim;
    test_key_prefix(crawl->prefix, sizeof(crawl->prefix), name);
    snprintf(base, sizeof(base),
             "{\"redis\": {\"url\": \"%s\", \"key_prefix\": \"%s\"},"
             " \"schedule\": {\"lease_ms\": 3000, \"jitter_pct\": 0, \"default_interval_s\": 2,"
             "               \"min_interval_s\": 1},"
             " \"crawler\": {\"poll_interval_ms\": 100, \"backoff_min_s\": 4, \"backoff_max_s\": 8,"
             "              \"connect_timeout_ms\": 2000, \"total_timeout_ms\": 4000,"
             "              \"low_speed_time_s\": 2, \"max_body_bytes\": 1048576,"
             "              \"shutdown_grace_ms\": 2000},"
             " \"process\": {\"heartbeat_interval_ms\": 200, \"heartbeat_ttl_s\": 5},"
             " \"engagement\": {\"enabled\": false}}",
             test_redis_url(), crawl->prefix);
    cJSON *config = read_fragment(sim->fragment);
    cJSON *defaults = cJSON_Parse(base);
    assert_non_null(defaults);
    merge(config, defaults);
    cJSON_Delete(defaults);
    /* The sim answers every platform on one host: no politeness wait between its accounts. */
    const cJSON *platform;
    cJSON_ArrayForEach(platform, cJSON_GetObjectItemCaseSensitive(config, "platforms")) {
        cJSON *fast = cJSON_Parse("{\"min_interval_ms\": 0, \"max_connections\": 8}");
        merge((cJSON *)platform, fast);
        cJSON_Delete(fast);
    }
    if (extra != NULL && extra[0] != '\0') {
        cJSON *overrides = cJSON_Parse(extra);
        if (overrides == NULL)
            fail_msg("extra config is not JSON: %s", extra);
        merge(config, overrides);
        cJSON_Delete(overrides);
    }
    char *text = cJSON_Print(config);
    cJSON_Delete(config);
    snprintf(crawl->config_path, sizeof(crawl->config_path), "%s/%s.jsonc", sim->dir, name);
    FILE *file = fopen(crawl->config_path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
    free(text);

    setenv("NETRA_X_TOKEN", CRAWLER_TEST_X_TOKEN, 1);
    if (config_load(crawl->config_path, &crawl->config, err, sizeof(err)) != 0)
        fail_msg("%s: %s", crawl->config_path, err);
    crawl->redis = test_redis_connect(crawl->config->redis.url);
}

void test_crawl_teardown(struct test_crawl *crawl)
{
    test_redis_delete_prefix(crawl->redis, crawl->prefix);
    redisFree(crawl->redis);
    config_free(crawl->config);
}

void test_crawl_import(struct test_crawl *crawl)
{
    char err[NETRA_ERR_LEN];
    size_t len;
    char *data = test_read_file(crawl->sim->watchlist, &len);
    struct watchlist list;
    if (watchlist_parse(data, len, &list, err, sizeof(err)) != 0)
        fail_msg("%s: %s", crawl->sim->watchlist, err);
    assert_int_equal(list.bad_rows, 0);
    struct redis_sync *redis;
    if (redis_sync_open(crawl->config, crawl->config->redis.url, &redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    for (size_t i = 0; i < list.count; i++) {
        list.entries[i].interval_s = 0;
        if (accounts_upsert(redis, crawl->config, &list.entries[i], NULL, err, sizeof(err)) != 0)
            fail_msg("%s", err);
    }
    redis_sync_close(redis);
    watchlist_free(&list);
    free(data);
}

pid_t test_crawler_start(struct test_crawl *crawl, const char *name)
{
    char log[400];
    snprintf(log, sizeof(log), "%s/%s.log", crawl->sim->dir, name);
    char *argv[] = {(char *)binary("NETRA_CRAWLER_BIN"), "--config", crawl->config_path,
                    "--name", (char *)name, NULL};
    static const char *const env[] = {"NETRA_X_TOKEN=" CRAWLER_TEST_X_TOKEN, NULL};
    return spawn(argv, NULL, log, env);
}

int test_crawler_alive(pid_t pid)
{
    int status;
    return waitpid(pid, &status, WNOHANG) == 0;
}

int test_crawler_stop(pid_t pid, int signal, int wait_ms)
{
    int status;
    kill(pid, signal);
    for (int waited = 0; waited < wait_ms; waited += 10) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        usleep(10 * 1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    fail_msg("process %ld did not end within %d ms of signal %d", (long)pid, wait_ms, signal);
    return -1;
}

int test_netra(struct test_crawl *crawl, char **out, ...)
{
    char out_path[400];
    snprintf(out_path, sizeof(out_path), "%s/netra.out", crawl->sim->dir);
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)binary("NETRA_BIN");
    argv[argc++] = "--config";
    argv[argc++] = crawl->config_path;
    va_list ap;
    va_start(ap, out);
    for (char *arg = va_arg(ap, char *); arg != NULL && argc < 15; arg = va_arg(ap, char *))
        argv[argc++] = arg;
    va_end(ap);
    argv[argc] = NULL;
    static const char *const env[] = {"NETRA_X_TOKEN=" CRAWLER_TEST_X_TOKEN, NULL};
    pid_t pid = spawn(argv, out_path, NULL, env);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (out != NULL)
        *out = test_read_file(out_path, NULL);
    return WEXITSTATUS(status);
}

/* ---- Redis -------------------------------------------------------------------------------- */

static redisReply *command(struct test_crawl *crawl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *reply = redisvCommand(crawl->redis, fmt, ap);
    va_end(ap);
    if (reply == NULL)
        fail_msg("redis: %s", crawl->redis->errstr);
    return reply;
}

/* A key of the account's shard. */
static void key_of(struct test_crawl *crawl, const char *account, char key[KEYS_MAX_LEN],
                   int (*name)(char *, size_t, const char *, int, char *, size_t))
{
    char err[NETRA_ERR_LEN];
    int shard = keys_shard(account, crawl->config->redis.shards);
    assert_int_equal(name(key, KEYS_MAX_LEN, crawl->prefix, shard, err, sizeof(err)), 0);
}

void test_stream_read(struct test_crawl *crawl, struct test_stream *out)
{
    test_stream_read_shard(crawl, 0, out);
}

void test_stream_read_shard(struct test_crawl *crawl, int shard, struct test_stream *out)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    memset(out, 0, sizeof(*out));
    assert_int_equal(keys_posts(key, sizeof(key), crawl->prefix, shard, err, sizeof(err)), 0);
    redisReply *reply = command(crawl, "XRANGE %s - +", key);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    out->rescans = calloc(reply->elements + 1, sizeof(*out->rescans));
    assert_non_null(out->rescans);
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *fields = reply->element[i]->element[1];
        const char *json = NULL;
        for (size_t f = 0; f + 1 < fields->elements; f += 2)
            if (strcmp(fields->element[f]->str, "msg") == 0)
                json = fields->element[f + 1]->str;
        assert_non_null(json);
        cJSON *message = cJSON_Parse(json);
        assert_non_null(message);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(message, "id");
        const cJSON *rescan = cJSON_GetObjectItemCaseSensitive(message, "rescan");
        assert_true(cJSON_IsString(id));
        out->rescans[out->ids.count] = strdup(cJSON_IsString(rescan) ? rescan->valuestring : "");
        ids_add(&out->ids, id->valuestring);
        cJSON_Delete(message);
    }
    freeReplyObject(reply);
}

void test_stream_free(struct test_stream *stream)
{
    for (size_t i = 0; i < stream->ids.count; i++)
        free(stream->rescans[i]);
    free(stream->rescans);
    test_ids_free(&stream->ids);
}

long long test_stream_length(struct test_crawl *crawl)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_posts(key, sizeof(key), crawl->prefix, 0, err, sizeof(err)), 0);
    redisReply *reply = command(crawl, "XLEN %s", key);
    long long length = reply->integer;
    freeReplyObject(reply);
    return length;
}

char *test_account_field(struct test_crawl *crawl, const char *account, const char *field)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    int shard = keys_shard(account, crawl->config->redis.shards);
    assert_int_equal(keys_acct(key, sizeof(key), crawl->prefix, shard, account, err, sizeof(err)),
                     0);
    redisReply *reply = command(crawl, "HGET %s %s", key, field);
    char *value = strdup(reply->type == REDIS_REPLY_STRING ? reply->str : "");
    assert_non_null(value);
    freeReplyObject(reply);
    return value;
}

long long test_account_number(struct test_crawl *crawl, const char *account, const char *field)
{
    char *text = test_account_field(crawl, account, field);
    long long value = atoll(text);
    free(text);
    return value;
}

long long test_account_due(struct test_crawl *crawl, const char *account)
{
    char key[KEYS_MAX_LEN];
    key_of(crawl, account, key, keys_sched);
    redisReply *reply = command(crawl, "ZSCORE %s %s", key, account);
    long long due = reply->type == REDIS_REPLY_STRING ? (long long)atof(reply->str) : -1;
    freeReplyObject(reply);
    return due;
}

char *test_account_lease(struct test_crawl *crawl, const char *account)
{
    char key[KEYS_MAX_LEN];
    key_of(crawl, account, key, keys_lease);
    redisReply *reply = command(crawl, "HGET %s %s", key, account);
    char *token = strdup(reply->type == REDIS_REPLY_STRING ? reply->str : "");
    assert_non_null(token);
    freeReplyObject(reply);
    return token;
}

long long test_heartbeat_counter(struct test_crawl *crawl, const char *name, const char *counter)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_proc(key, sizeof(key), crawl->prefix, name, err, sizeof(err)), 0);
    redisReply *reply = command(crawl, "HGET %s %s", key, counter);
    long long value = reply->type == REDIS_REPLY_STRING ? atoll(reply->str) : -1;
    freeReplyObject(reply);
    return value;
}

int test_heartbeat_reaches(struct test_crawl *crawl, const char *name, const char *counter,
                           long long value, int deadline_ms)
{
    long long end = test_now_ms() + deadline_ms;
    for (;;) {
        if (test_heartbeat_counter(crawl, name, counter) >= value)
            return 1;
        if (test_now_ms() >= end)
            return 0;
        usleep(50 * 1000);
    }
}

void test_crawler_report(struct test_crawl *crawl, const char *name)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN], log[400];
    assert_int_equal(keys_proc(key, sizeof(key), crawl->prefix, name, err, sizeof(err)), 0);
    redisReply *reply = command(crawl, "HGETALL %s", key);
    fprintf(stderr, "%s:", name);
    for (size_t i = 0; i + 1 < reply->elements; i += 2)
        fprintf(stderr, " %s=%s", reply->element[i]->str, reply->element[i + 1]->str);
    fprintf(stderr, "\n");
    freeReplyObject(reply);
    snprintf(log, sizeof(log), "%s/%s.log", crawl->sim->dir, name);
    size_t len = 0;
    char *text = test_read_file(log, &len);
    fprintf(stderr, "%s\n", len > 4000 ? text + len - 4000 : text);
    free(text);
}
