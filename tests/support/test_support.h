/* Helpers for netra's cmocka tests.
 *
 * The suite's shared redis-server comes from the CTest `redis` fixture (NETRA_TEST_REDIS_URL).
 * Tests run in parallel against it, so each test works under its own key prefix from
 * test_key_prefix(). A test that needs to stop or restart Redis starts a private one with
 * test_redis_server_start(). Every function here fails the running test on error instead of
 * returning one. Strings returned by test_*_path() and test_read_file() are the caller's to free. */
#ifndef NETRA_TEST_SUPPORT_H
#define NETRA_TEST_SUPPORT_H

#include <stddef.h>
#include <sys/types.h>
#include <hiredis/hiredis.h>

/* The URL of the suite's redis-server. */
const char *test_redis_url(void);

/* Writes a prefix unique to this process and call, ending in ':', e.g. "t:queue:4242:3:". */
void test_key_prefix(char *out, size_t out_len, const char *test_name);

/* A plain hiredis connection for inspecting what the code under test wrote; redisFree() it. */
redisContext *test_redis_connect(const char *url);

/* Deletes every key that starts with prefix. */
void test_redis_delete_prefix(redisContext *redis, const char *prefix);

/* A private redis-server on a free loopback port, for tests that stop and restart Redis. */
struct test_redis_server {
    pid_t pid;
    int port;
    char dir[256];
    char url[64];
    int appendonly; /* set by test_redis_server_start_aof */
};
void test_redis_server_start(struct test_redis_server *server);
/* The same with the append-only file on, fsynced at every write. */
void test_redis_server_start_aof(struct test_redis_server *server);
void test_redis_server_stop(struct test_redis_server *server);
/* Stops and starts it again on the same port and folder (an RDB save keeps the data). */
void test_redis_server_restart(struct test_redis_server *server);
/* SIGKILL, then starts it again on the same port and folder: only the AOF keeps the data. */
void test_redis_server_crash_restart(struct test_redis_server *server);

/* Paths under the source tree and under ../shared. */
char *test_source_path(const char *relative);
char *test_shared_path(const char *relative);

/* The whole file, NUL-terminated (*len excludes the NUL); NULL-safe len. */
char *test_read_file(const char *path, size_t *len);

/* What a child program did: its exit status (127 when it could not be started) and everything it
 * wrote, NUL-terminated. test_run_free() releases it. */
struct test_run {
    int status;
    char *out;
    char *err;
};

/* Runs argv[0] (searched in PATH) with argv (NULL-terminated), stdin from input_path (NULL:
 * /dev/null), in dir (NULL: here), after applying env (NULL, or a NULL-terminated list in which
 * "NAME=value" sets and a bare "NAME" unsets). Fails the test when the program did not exit. */
struct test_run test_run_program(char *const argv[], const char *const env[], const char *dir,
                                 const char *input_path);
void test_run_free(struct test_run *run);

/* Writes data to a new temporary file and returns its path. */
char *test_write_temp_file(const char *data, size_t len, const char *suffix);

#endif
