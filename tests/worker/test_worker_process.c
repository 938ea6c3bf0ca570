/* The real netra-worker binary as a child process: killed with SIGKILL in the middle of a batch,
 * another worker takes its messages over and every post ends with exactly one result and at
 * most one case; SIGHUP with a broken ruleset keeps the old one, with a good one takes it;
 * SIGTERM exits 0. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/keys.h"
#include "queue/posts_stream.h"
#include "worker/score.h"
#include "tests/support/test_support.h"
#include "tests/worker/daemon_test.h"
#include "tests/worker/worker_test.h"

struct child {
    pid_t pid;
    char *log_path;
};

struct fixture {
    struct netra_config *config;
    struct redis_sync *redis;
    redisContext *inspect;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[NETRA_ERR_LEN];
    assert_non_null(f);
    f->config = daemon_test_config("wproc");
    if (redis_sync_open(f->config, test_redis_url(), &f->redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    f->inspect = test_redis_connect(test_redis_url());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_redis_delete_prefix(f->inspect, f->config->redis.key_prefix);
    redisFree(f->inspect);
    redis_sync_close(f->redis);
    config_free(f->config);
    free(f);
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts netra-worker --name name on this test's keys, its stderr in a file. */
static struct child start_worker(struct fixture *f, const char *name, const char *rules_dir,
                                 int batch)
{
    const char *bin = getenv("NETRA_WORKER_BIN");
    char batch_text[16];
    struct child child = {0, test_write_temp_file("", 0, ".log")};
    if (bin == NULL)
        fail_msg("NETRA_WORKER_BIN is not set: run this test through ctest");
    snprintf(batch_text, sizeof(batch_text), "%d", batch);
    child.pid = fork();
    assert_true(child.pid >= 0);
    if (child.pid == 0) {
        if (freopen(child.log_path, "w", stderr) == NULL)
            _exit(126);
        unsetenv("NETRA_CONFIG");
        setenv("NETRA_REDIS_URL", test_redis_url(), 1);
        setenv("NETRA_REDIS_KEY_PREFIX", f->config->redis.key_prefix, 1);
        setenv("NETRA_STREAM_BLOCK_MS", "50", 1);
        setenv("NETRA_STREAM_RECLAIM_IDLE_MS", "1000", 1);
        setenv("NETRA_STREAM_BATCH", batch_text, 1);
        setenv("NETRA_PROCESS_HEARTBEAT_INTERVAL_MS", "200", 1);
        setenv("NETRA_WORKER_RULES_DIR", rules_dir, 1);
        execl(bin, bin, "--name", name, (char *)NULL);
        _exit(127);
    }
    return child;
}

/* Waits up to timeout_ms for the child to exit; its exit status, or fails. */
static int wait_exit(struct child *child, long long timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    int status;
    while (waitpid(child->pid, &status, WNOHANG) == 0) {
        if (now_ms() > deadline) {
            kill(child->pid, SIGKILL);
            waitpid(child->pid, &status, 0);
            fail_msg("netra-worker did not exit in time");
        }
        usleep(10 * 1000);
    }
    child->pid = 0;
    return status;
}

static void child_free(struct child *child)
{
    if (child->pid > 0) {
        kill(child->pid, SIGKILL);
        waitpid(child->pid, NULL, 0);
    }
    remove(child->log_path);
    free(child->log_path);
}

static long long results(struct fixture *f)
{
    return daemon_test_count(f->inspect, f->config, 0, "result");
}

static void command_ok(redisContext *redis, const char *command)
{
    redisReply *reply = redisCommand(redis, command);
    assert_non_null(reply);
    if (reply->type == REDIS_REPLY_ERROR)
        fail_msg("%s: %s", command, reply->str);
    freeReplyObject(reply);
}

/* The stream ids pending for consumer; *count of them. */
static char **pending_of(struct fixture *f, const char *consumer, size_t *count)
{
    char posts[KEYS_MAX_LEN];
    daemon_test_key(posts, sizeof(posts), f->config, 0, "posts", NULL);
    redisReply *reply = redisCommand(f->inspect, "XPENDING %s %s - + 100000 %s", posts,
                                     POSTS_GROUP, consumer);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    char **ids = calloc(reply->elements + 1, sizeof(*ids));
    assert_non_null(ids);
    for (size_t i = 0; i < reply->elements; i++)
        ids[i] = strdup(reply->element[i]->element[0]->str);
    *count = reply->elements;
    freeReplyObject(reply);
    return ids;
}

/* Results whose stream entry is one of ids: posts recorded by a worker that never acked them. */
static long long results_of_entries(struct fixture *f, char **ids, size_t count,
                                    struct post_message **posts, size_t post_count)
{
    long long n = 0;
    for (size_t p = 0; p < post_count; p++) {
        char key[KEYS_MAX_LEN];
        daemon_test_key(key, sizeof(key), f->config, 0, "result", posts[p]->id);
        char *entry = daemon_test_hget(f->inspect, key, "entry");
        for (size_t i = 0; entry != NULL && i < count; i++)
            n += strcmp(entry, ids[i]) == 0;
        free(entry);
    }
    return n;
}

static long long proc_counter(struct fixture *f, const char *name, const char *counter)
{
    char key[KEYS_MAX_LEN];
    snprintf(key, sizeof(key), "%sproc:%s", f->config->redis.key_prefix, name);
    char *value = daemon_test_hget(f->inspect, key, counter);
    if (value == NULL)
        fail_msg("%s has no %s", key, counter);
    long long n = atoll(value);
    free(value);
    return n;
}

static void a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(void **state)
{
    struct fixture *f = *state;
    size_t labelled_count;
    struct post_message **posts = daemon_test_labelled(&labelled_count);
    struct scorer *scorer = worker_test_scorer();
    struct score_scratch scratch;
    struct score_thresholds thresholds = {f->config->worker.political_threshold,
                                          f->config->worker.suspect_threshold};
    char err[NETRA_ERR_LEN];
    long long suspects = 0;
    score_scratch_init(&scratch);
    /* Three copies of the labelled set under other post ids: more than one batch. */
    size_t count = 3 * labelled_count;
    struct post_message **all = calloc(count, sizeof(*all));
    assert_non_null(all);
    for (size_t i = 0; i < count; i++) {
        const struct post_message *source = posts[i % labelled_count];
        char id[128];
        struct score_result result;
        snprintf(id, sizeof(id), "%s-%zu", source->id, i / labelled_count);
        all[i] = daemon_test_post(id, source->account, source->text);
        if (source->region != NULL)
            all[i]->region = strdup(source->region);
        assert_int_equal(score_post(scorer, &scratch, all[i], all[i]->region, &thresholds,
                                    &result, err, sizeof(err)), 0);
        suspects += result.verdict == SCORE_SUSPECT;
        daemon_test_publish(f->redis, f->config, all[i]);
    }
    score_scratch_free(&scratch);
    scorer_free(scorer);
    char *rules = test_source_path("config/rules");

    struct child killed = start_worker(f, "w-killed", rules, 500);
    long long deadline = now_ms() + 60000;
    while (results(f) < 100 && now_ms() < deadline)
        usleep(200);
    /* Hold its writes (the scripts wait) while we look, then kill it. */
    command_ok(f->inspect, "CLIENT PAUSE 20000 WRITE");
    size_t pending_count;
    char **pending = pending_of(f, "w-killed", &pending_count);
    long long recorded_unacked =
        results_of_entries(f, pending, pending_count, all, count);
    long long before = results(f);
    kill(killed.pid, SIGKILL);
    int status = wait_exit(&killed, 10000);
    command_ok(f->inspect, "CLIENT UNPAUSE");
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    print_message("killed holding %zu messages, %lld of them recorded; %lld of %zu posts had "
                  "results\n", pending_count, recorded_unacked, before, count);
    assert_true(pending_count > 0);      /* it died holding a batch ... */
    assert_true(recorded_unacked > 0);   /* ... part of which it had recorded */
    assert_true(before < (long long)count);

    struct child rescuer = start_worker(f, "w-rescuer", rules, 64);
    deadline = now_ms() + 120000;
    while ((results(f) < (long long)count || daemon_test_pending(f->inspect, f->config, 0) > 0) &&
           now_ms() < deadline)
        usleep(20 * 1000);
    kill(rescuer.pid, SIGTERM);
    status = wait_exit(&rescuer, 30000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    if (results(f) != (long long)count) {
        char *log = test_read_file(rescuer.log_path, NULL);
        fprintf(stderr, "the rescuer logged:\n%s", log);
        free(log);
        fail_msg("%lld of %zu posts recorded", results(f), count);
    }
    assert_int_equal(daemon_test_pending(f->inspect, f->config, 0), 0);
    assert_int_equal(daemon_test_count(f->inspect, f->config, 0, "case"), suspects);
    char key[KEYS_MAX_LEN];
    daemon_test_key(key, sizeof(key), f->config, 0, "evidence", NULL);
    redisReply *reply = redisCommand(f->inspect, "XLEN %s", key);
    assert_int_equal(reply->integer, suspects);
    freeReplyObject(reply);
    daemon_test_key(key, sizeof(key), f->config, 0, "review", NULL);
    reply = redisCommand(f->inspect, "ZCARD %s", key);
    assert_int_equal(reply->integer, suspects);
    freeReplyObject(reply);
    assert_int_equal(proc_counter(f, "w-rescuer", "reclaimed"), pending_count);
    assert_int_equal(proc_counter(f, "w-rescuer", "duplicates"), recorded_unacked);
    assert_int_equal(proc_counter(f, "w-rescuer", "scored"), (long long)count - before);

    /* The chain the two workers built verifies. */
    const char *netra = getenv("NETRA_BIN");
    char command[2048], expected[64];
    snprintf(command, sizeof(command),
             "NETRA_CONFIG= NETRA_REDIS_URL='%s' NETRA_REDIS_KEY_PREFIX='%s' '%s' evidence verify "
             "| grep -qx '%lld links verified'",
             test_redis_url(), f->config->redis.key_prefix, netra, suspects);
    snprintf(expected, sizeof(expected), "%lld links verified", suspects);
    if (system(command) != 0)
        fail_msg("netra evidence verify did not say \"%s\"", expected);

    for (size_t i = 0; i < pending_count; i++)
        free(pending[i]);
    free(pending);
   
    child_free(&killed);
    child_free(&rescuer);
    free(rules);
    daemon_test_posts_free(all, count);
    daemon_test_posts_free(posts, labelled_count);
}

static char *copy_rules(void)
{
    char *source = test_source_path("config/rules");
    char *dir = strdup("/tmp/netra-rules-XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    DIR *listing = opendir(source);
    assert_non_null(listing);
    for (struct dirent *e; (e = readdir(listing)) != NULL;) {
        if (strstr(e->d_name, ".jsonc") == NULL)
            continue;
        char from[1024], to[1024];
        size_t len;
        snprintf(from, sizeof(from), "%s/%s", source, e->d_name);
        snprintf(to, sizeof(to), "%s/%s", dir, e->d_name);
        char *text = test_read_file(from, &len);
        FILE *out = fopen(to, "wb");
        assert_non_null(out);
        assert_int_equal(fwrite(text, 1, len, out), len);
        fclose(out);
        free(text);
    }
    closedir(listing);
    free(source);
    return dir;
}

static void write_file(const char *path, const char *text)
{
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

static void wait_for_log(const struct child *child, const char *line)
{
    long long deadline = now_ms() + 30000;
    while (now_ms() < deadline) {
        char *log = test_read_file(child->log_path, NULL);
        int found = strstr(log, line) != NULL;
        free(log);
        if (found)
            return;
        usleep(20 * 1000);
    }
    fail_msg("netra-worker never logged \"%s\"", line);
}

/* Publishes a suspect post and returns the ruleset its result names. */
static char *score_through_worker(struct fixture *f, const char *id)
{
    struct post_message *post =
        daemon_test_post(id, "pns-7", "Ayo coblos nomor 2, dukung Prabowo-Gibran sampai menang!");
    daemon_test_publish(f->redis, f->config, post);
    post_message_free(post);
    char key[KEYS_MAX_LEN];
    daemon_test_key(key, sizeof(key), f->config, 0, "result", id);
    long long deadline = now_ms() + 30000;
    char *verdict = NULL;
    while ((verdict = daemon_test_hget(f->inspect, key, "verdict")) == NULL && now_ms() < deadline)
        usleep(20 * 1000);
    if (verdict == NULL)
        fail_msg("post %s was not scored in time", id);
    assert_string_equal(verdict, "suspect");
    free(verdict);
    return daemon_test_hget(f->inspect, key, "ruleset");
}

static void sighup_keeps_the_old_rules_when_the_new_ones_are_broken(void **state)
{
    struct fixture *f = *state;
    char *rules = copy_rules(), national[1024];
    snprintf(national, sizeof(national), "%s/national.jsonc", rules);
    size_t len;
    char *good = test_read_file(national, &len);
    struct child worker = start_worker(f, "w-hup", rules, 64);

    char *first = score_through_worker(f, "mastodon:801");
    assert_non_null(strstr(first, "id-national-2024@1.1.0"));

    write_file(national, "{ \"name\": \"id-national-2024\", \"version\": ");
    kill(worker.pid, SIGHUP);
    wait_for_log(&worker, "rulesets not reloaded, the old ones stay in use");
    wait_for_log(&worker, "national.jsonc");
    char *second = score_through_worker(f, "mastodon:802");
    assert_string_equal(second, first);

    char *bumped = strstr(good, "\"1.1.0\"");
    assert_non_null(bumped);
    memcpy(bumped, "\"1.0.9\"", 7);
    write_file(national, good);
    kill(worker.pid, SIGHUP);
    wait_for_log(&worker, "rulesets reloaded from");
    char *third = score_through_worker(f, "mastodon:803");
    assert_non_null(strstr(third, "id-national-2024@1.0.9"));

    kill(worker.pid, SIGTERM);
    int status = wait_exit(&worker, 30000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    wait_for_log(&worker, "stopped after 3 posts scored, 3 cases opened");
    assert_int_equal(proc_counter(f, "w-hup", "reloads"), 2);
    assert_int_equal(proc_counter(f, "w-hup", "reload_failures"), 1);

    char command[1100];
    snprintf(command, sizeof(command), "rm -rf '%s'", rules);
    assert_int_equal(system(command), 0);
    child_free(&worker);
    free(first);
    free(second);
    free(third);
    free(good);
    free(rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(sighup_keeps_the_old_rules_when_the_new_ones_are_broken,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
