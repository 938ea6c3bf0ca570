#include "tests/support/test_support.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static void test_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void test_failf(const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    fail_msg("%s", message);
    abort();
}

const char *test_redis_url(void)
{
    const char *url = getenv("NETRA_TEST_REDIS_URL");
    if (url == NULL || url[0] == '\0')
        test_failf("NETRA_TEST_REDIS_URL is not set: run this test through ctest (redis fixture)");
    return url;
}

void test_key_prefix(char *out, size_t out_len, const char *test_name)
{
    static unsigned counter;
    snprintf(out, out_len, "t:%s:%ld:%u:", test_name, (long)getpid(), counter++);
}

static void parse_host_port(const char *url, char *host, size_t host_len, int *port)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *at = strchr(p, '@');
    if (at)
        p = at + 1;
    const char *colon = strchr(p, ':');
    if (colon == NULL || (size_t)(colon - p) >= host_len)
        test_failf("cannot read host:port from %s", url);
    memcpy(host, p, (size_t)(colon - p));
    host[colon - p] = '\0';
    *port = atoi(colon + 1);
}

redisContext *test_redis_connect(const char *url)
{
    char host[128];
    int port;
    parse_host_port(url, host, sizeof(host), &port);
    struct timeval timeout = {5, 0};
    redisContext *redis = redisConnectWithTimeout(host, port, timeout);
    if (redis == NULL || redis->err)
        test_failf("cannot connect to %s: %s", url, redis ? redis->errstr : "out of memory");
    return redis;
}

void test_redis_delete_prefix(redisContext *redis, const char *prefix)
{
    char pattern[512];
    snprintf(pattern, sizeof(pattern), "%s*", prefix);
    char cursor[32] = "0";
    do {
        redisReply *reply = redisCommand(redis, "SCAN %s MATCH %s COUNT 1000", cursor, pattern);
        if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
            test_failf("SCAN failed while deleting %s", prefix);
        snprintf(cursor, sizeof(cursor), "%s", reply->element[0]->str);
        redisReply *keys = reply->element[1];
        for (size_t i = 0; i < keys->elements; i++)
            freeReplyObject(redisCommand(redis, "DEL %b", keys->element[i]->str,
                                         (size_t)keys->element[i]->len));
        freeReplyObject(reply);
    } while (strcmp(cursor, "0") != 0);
}

static int redis_ping(int port)
{
    struct timeval timeout = {1, 0};
    redisContext *redis = redisConnectWithTimeout("127.0.0.1", port, timeout);
    int ok = 0;
    if (redis != NULL && !redis->err) {
        redisReply *reply = redisCommand(redis, "PING");
        ok = reply != NULL && reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "PONG") == 0;
        freeReplyObject(reply);
    }
    if (redis)
        redisFree(redis);
    return ok;
}

static pid_t spawn_redis(struct test_redis_server *server)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", server->port);
    pid_t pid = fork();
    if (pid < 0)
        test_failf("fork: %s", strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        execlp("redis-server", "redis-server", "--bind", "127.0.0.1", "--port", port, "--dir",
               server->dir, "--save", "", "--appendonly", server->appendonly ? "yes" : "no",
               "--appendfsync", "always", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int wait_until_up(struct test_redis_server *server)
{
    for (int i = 0; i < 200; i++) {
        if (redis_ping(server->port))
            return 1;
        int status;
        if (waitpid(server->pid, &status, WNOHANG) == server->pid)
            return 0;
        usleep(20000);
    }
    return 0;
}

static void start_server(struct test_redis_server *server, int appendonly)
{
    memset(server, 0, sizeof(*server));
    server->appendonly = appendonly;
    snprintf(server->dir, sizeof(server->dir), "/tmp/netra-test-redis-XXXXXX");
    if (mkdtemp(server->dir) == NULL)
        test_failf("mkdtemp: %s", strerror(errno));
    srand((unsigned)(time(NULL) ^ getpid()));
    for (int attempt = 0; attempt < 30; attempt++) {
        server->port = 20000 + rand() % 40000;
        server->pid = spawn_redis(server);
        if (wait_until_up(server)) {
            snprintf(server->url, sizeof(server->url), "redis://127.0.0.1:%d/0", server->port);
            return;
        }
        kill(server->pid, SIGKILL);
        waitpid(server->pid, NULL, 0);
    }
    test_failf("could not start a private redis-server");
}

void test_redis_server_start(struct test_redis_server *server)
{
    start_server(server, 0);
}

void test_redis_server_start_aof(struct test_redis_server *server)
{
    start_server(server, 1);
}

static void stop_process(struct test_redis_server *server)
{
    if (server->pid <= 0)
        return;
    kill(server->pid, SIGTERM);
    waitpid(server->pid, NULL, 0);
    server->pid = 0;
}

void test_redis_server_stop(struct test_redis_server *server)
{
    stop_process(server);
    char command[400];
    snprintf(command, sizeof(command), "rm -rf '%s'", server->dir);
    if (system(command) != 0)
        test_failf("could not remove %s", server->dir);
}

void test_redis_server_restart(struct test_redis_server *server)
{
    redisContext *redis = test_redis_connect(server->url);
    freeReplyObject(redisCommand(redis, "SAVE"));
    redisFree(redis);
    stop_process(server);
    for (int attempt = 0; attempt < 50; attempt++) {
        server->pid = spawn_redis(server);
        if (wait_until_up(server))
            return;
        waitpid(server->pid, NULL, 0);
        usleep(100000);
    }
    test_failf("could not restart redis-server on port %d", server->port);
}

void test_redis_server_crash_restart(struct test_redis_server *server)
{
    kill(server->pid, SIGKILL);
    waitpid(server->pid, NULL, 0);
    for (int attempt = 0; attempt < 50; attempt++) {
        server->pid = spawn_redis(server);
        if (wait_until_up(server))
            return;
        waitpid(server->pid, NULL, 0);
        usleep(100000);
    }
    test_failf("could not restart redis-server on port %d", server->port);
}

static char *join_path(const char *env_name, const char *relative)
{
    const char *base = getenv(env_name);
    if (base == NULL)
        test_failf("%s is not set: run this test through ctest", env_name);
    size_t len = strlen(base) + strlen(relative) + 2;
    char *path = malloc(len);
    if (path == NULL)
        test_failf("out of memory");
    snprintf(path, len, "%s/%s", base, relative);
    return path;
}

char *test_source_path(const char *relative)
{
    return join_path("NETRA_SOURCE_DIR", relative);
}

char *test_shared_path(const char *relative)
{
    return join_path("NETRA_SHARED_DIR", relative);
}

char *test_read_file(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        test_failf("cannot open %s: %s", path, strerror(errno));
    size_t capacity = 1 << 16, used = 0;
    char *data = malloc(capacity);
    size_t n;
    while (data != NULL && (n = fread(data + used, 1, capacity - used - 1, file)) > 0) {
        used += n;
        if (capacity - used - 1 == 0) {
            char *grown = realloc(data, capacity * 2);
            if (grown == NULL) {
                free(data);
                data = NULL;
                break;
            }
            data = grown;
            capacity *= 2;
        }
    }
    fclose(file);
    if (data == NULL)
        test_failf("out of memory reading %s", path);
    data[used] = '\0';
    if (len)
        *len = used;
    return data;
}

char *test_write_temp_file(const char *data, size_t len, const char *suffix)
{
    char *path = malloc(256);
    if (path == NULL)
        test_failf("out of memory");
    snprintf(path, 256, "/tmp/netra-test-XXXXXX%s", suffix ? suffix : "");
    int fd = mkstemps(path, suffix ? (int)strlen(suffix) : 0);
    if (fd < 0)
        test_failf("mkstemps: %s", strerror(errno));
    if (write(fd, data, len) != (ssize_t)len)
        test_failf("write %s: %s", path, strerror(errno));
    close(fd);
    return path;
}

struct test_run test_run_program(char *const argv[], const char *const env[], const char *dir,
                                 const char *input_path)
{
    char out_path[] = "/tmp/netra-run-out-XXXXXX", err_path[] = "/tmp/netra-run-err-XXXXXX";
    int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
    assert_true(out_fd >= 0 && err_fd >= 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(input_path != NULL ? input_path : "/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
            dup2(err_fd, STDERR_FILENO) < 0)
            _exit(127);
        for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
            const char *equals = strchr(env[i], '=');
            if (equals == NULL) {
                unsetenv(env[i]);
            } else {
                char *name = strndup(env[i], (size_t)(equals - env[i]));
                if (name == NULL || setenv(name, equals + 1, 1) != 0)
                    _exit(127);
                free(name);
            }
        }
        if (dir != NULL && chdir(dir) != 0)
            _exit(127);
        execvp(argv[0], argv);
        _exit(127);
    }
    struct test_run run;
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    run.status = WEXITSTATUS(status);
    close(out_fd);
    close(err_fd);
    run.out = test_read_file(out_path, NULL);
    run.err = test_read_file(err_path, NULL);
    unlink(out_path);
    unlink(err_path);
    return run;
}

void test_run_free(struct test_run *run)
{
    free(run->out);
    free(run->err);
    run->out = run->err = NULL;
}
