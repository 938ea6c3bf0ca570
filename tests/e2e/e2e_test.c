#include "tests/e2e/e2e_test.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/keys.h"
#include "tests/support/test_support.h"

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

void e2e_setup(struct test_crawl *crawl, struct test_sim *sim, const char *name,
               const char *redis_url, const char *key_prefix, const char *extra)
{
    char *rules_dir = test_source_path("config/rules");
    char base[2048];
    /* Reconnects are quick and commands give up soon, so a test sees recovery within seconds;
     * a worker's messages are reclaimed 1.5 s after it dies. */
    snprintf(base, sizeof(base),
             "{\"redis\": {\"reconnect_min_ms\": 50, \"reconnect_max_ms\": 1000,"
             "             \"connect_timeout_ms\": 1000, \"command_timeout_ms\": 2000},"
             " \"stream\": {\"batch\": 16, \"block_ms\": 100, \"reclaim_idle_ms\": 1500},"
             " \"worker\": {\"rules_dir\": \"%s\"}}",
             rules_dir);
    free(rules_dir);
    cJSON *config = cJSON_Parse(base);
    assert_non_null(config);
    if (redis_url != NULL || key_prefix != NULL) {
        cJSON *redis = cJSON_GetObjectItemCaseSensitive(config, "redis");
        if (redis_url != NULL)
            cJSON_AddStringToObject(redis, "url", redis_url);
        if (key_prefix != NULL)
            cJSON_AddStringToObject(redis, "key_prefix", key_prefix);
    }
    if (extra != NULL && extra[0] != '\0') {
        cJSON *overrides = cJSON_Parse(extra);
        if (overrides == NULL)
            fail_msg("extra config is not JSON: %s", extra);
        merge(config, overrides);
        cJSON_Delete(overrides);
    }
    char *text = cJSON_PrintUnformatted(config);
    assert_non_null(text);
    cJSON_Delete(config);
    test_crawl_setup(crawl, sim, name, text);
    free(text);
    /* The helpers look under crawl->prefix: make it the one the processes use. */
    snprintf(crawl->prefix, sizeof(crawl->prefix), "%s", crawl->config->redis.key_prefix);
}

pid_t e2e_worker_start(struct test_crawl *crawl, const char *name)
{
    const char *binary = getenv("NETRA_WORKER_BIN");
    char log[400];
    if (binary == NULL || binary[0] == '\0')
        fail_msg("NETRA_WORKER_BIN is not set: run this test through ctest");
    snprintf(log, sizeof(log), "%s/%s.log", crawl->sim->dir, name);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* A failing test leaves by longjmp: the kernel ends the worker with the test. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int err = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int out = open("/dev/null", O_WRONLY);
        if (err < 0 || out < 0)
            _exit(126);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        unsetenv("NETRA_CONFIG");
        execl(binary, binary, "--config", crawl->config_path, "--name", name, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static redisReply *command(struct test_crawl *crawl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *reply = redisvCommand(crawl->redis, fmt, ap);
    va_end(ap);
    if (reply == NULL)
        fail_msg("redis: %s", crawl->redis->errstr);
    if (reply->type == REDIS_REPLY_ERROR)
        fail_msg("redis: %s", reply->str);
    return reply;
}

static void shard_key(struct test_crawl *crawl, char key[KEYS_MAX_LEN],
                      int (*name)(char *, size_t, const char *, int, char *, size_t))
{
    char err[NETRA_ERR_LEN];
    if (name(key, KEYS_MAX_LEN, crawl->prefix, 0, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

static long long integer_of(struct test_crawl *crawl, const char *fmt, const char *key)
{
    redisReply *reply = command(crawl, fmt, key);
    long long value = reply->type == REDIS_REPLY_INTEGER ? reply->integer
                      : reply->type == REDIS_REPLY_STRING ? atoll(reply->str)
                                                          : 0;
    freeReplyObject(reply);
    return value;
}

long long e2e_pending_of(struct test_crawl *crawl, const char *consumer)
{
    char key[KEYS_MAX_LEN];
    shard_key(crawl, key, keys_posts);
    redisReply *reply =
        redisCommand(crawl->redis, "XPENDING %s scorers - + 100000 %s", key, consumer);
    if (reply == NULL)
        fail_msg("redis: %s", crawl->redis->errstr);
    /* An error is NOGROUP: no worker has created the group yet. */
    long long count = reply->type == REDIS_REPLY_ARRAY ? (long long)reply->elements : 0;
    freeReplyObject(reply);
    return count;
}

/* Entries delivered to some worker of shard 0 and not acknowledged. */
static long long pending_total(struct test_crawl *crawl)
{
    char key[KEYS_MAX_LEN];
    shard_key(crawl, key, keys_posts);
    redisReply *reply = redisCommand(crawl->redis, "XPENDING %s scorers", key);
    if (reply == NULL)
        fail_msg("redis: %s", crawl->redis->errstr);
    /* No group yet: no worker has read anything. */
    long long count = reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
                              reply->element[0]->type == REDIS_REPLY_INTEGER
                          ? reply->element[0]->integer
                          : reply->type == REDIS_REPLY_ERROR ? 1 : 0;
    freeReplyObject(reply);
    return count;
}

char *e2e_result_field(struct test_crawl *crawl, const char *post_id, const char *field)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    if (keys_result(key, sizeof(key), crawl->prefix, 0, post_id, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    redisReply *reply = command(crawl, "HGET %s %s", key, field);
    char *value = strdup(reply->type == REDIS_REPLY_STRING ? reply->str : "");
    assert_non_null(value);
    freeReplyObject(reply);
    return value;
}

/* For each id, its result's verdict and case ("" when there is no result), in one pipeline. */
static void results_of(struct test_crawl *crawl, const struct test_ids *ids, char **verdicts,
                       char **cases)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    for (size_t i = 0; i < ids->count; i++) {
        if (keys_result(key, sizeof(key), crawl->prefix, 0, ids->ids[i], err, sizeof(err)) != 0)
            fail_msg("%s", err);
        redisAppendCommand(crawl->redis, "HMGET %s verdict case", key);
    }
    for (size_t i = 0; i < ids->count; i++) {
        redisReply *reply = NULL;
        if (redisGetReply(crawl->redis, (void **)&reply) != REDIS_OK || reply == NULL)
            fail_msg("redis: %s", crawl->redis->errstr);
        assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
        const redisReply *verdict = reply->element[0], *kase = reply->element[1];
        verdicts[i] = strdup(verdict->type == REDIS_REPLY_STRING ? verdict->str : "");
        cases[i] = strdup(kase->type == REDIS_REPLY_STRING ? kase->str : "");
        assert_non_null(verdicts[i]);
        assert_non_null(cases[i]);
        freeReplyObject(reply);
    }
}

static void strings_free(char **strings, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(strings[i]);
    free(strings);
}

/* The posts the sim shows now without a result, written into missing (count returned). */
static size_t unscored(struct test_crawl *crawl, struct test_ids *missing)
{
    struct test_ids shown;
    test_sim_post_ids(crawl->sim, NULL, 0, &shown);
    char **verdicts = calloc(shown.count + 1, sizeof(*verdicts));
    char **cases = calloc(shown.count + 1, sizeof(*cases));
    assert_non_null(verdicts);
    assert_non_null(cases);
    results_of(crawl, &shown, verdicts, cases);
    memset(missing, 0, sizeof(*missing));
    missing->ids = calloc(shown.count + 1, sizeof(*missing->ids));
    assert_non_null(missing->ids);
    for (size_t i = 0; i < shown.count; i++) {
        if (verdicts[i][0] == '\0') {
            missing->ids[missing->count] = shown.ids[i];
            shown.ids[i] = NULL;
            missing->count++;
        }
    }
    strings_free(verdicts, shown.count);
    strings_free(cases, shown.count);
    test_ids_free(&shown);
    return missing->count;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every case of shard 0 as "account\npost id", sorted. */
static char **case_identities(struct test_crawl *crawl, size_t *count)
{
    char pattern[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    if (keys_case_pattern(pattern, sizeof(pattern), crawl->prefix, 0, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    char **identities = NULL;
    size_t used = 0;
    char cursor[32] = "0";
    do {
        redisReply *page = command(crawl, "SCAN %s MATCH %s COUNT 1000", cursor, pattern);
        snprintf(cursor, sizeof(cursor), "%s", page->element[0]->str);
        const redisReply *keys = page->element[1];
        for (size_t i = 0; i < keys->elements; i++) {
            redisReply *fields = command(crawl, "HMGET %s account post_id", keys->element[i]->str);
            char identity[1024];
            snprintf(identity, sizeof(identity), "%s\n%s",
                     fields->element[0]->type == REDIS_REPLY_STRING ? fields->element[0]->str : "",
                     fields->element[1]->type == REDIS_REPLY_STRING ? fields->element[1]->str
                                                                    : "");
            freeReplyObject(fields);
            char **grown = realloc(identities, (used + 1) * sizeof(*grown));
            assert_non_null(grown);
            identities = grown;
            identities[used] = strdup(identity);
            assert_non_null(identities[used]);
            used++;
        }
        freeReplyObject(page);
    } while (strcmp(cursor, "0") != 0);
    if (used > 0)
        qsort(identities, used, sizeof(*identities), compare_strings);
    *count = used;
    return identities;
}

size_t e2e_check_all_scored_once(struct test_crawl *crawl, int deadline_ms)
{
    struct test_ids missing = {NULL, 0};
    long long end = test_now_ms() + deadline_ms, pending = 0;
    for (;;) {
        test_ids_free(&missing);
        pending = pending_total(crawl);
        if (unscored(crawl, &missing) == 0 && pending == 0)
            break;
        if (test_now_ms() >= end) {
            for (size_t i = 0; i < missing.count && i < 10; i++)
                fprintf(stderr, "no result: %s\n", missing.ids[i]);
            fail_msg("%zu posts without a result and %lld messages pending after %d ms",
                     missing.count, pending, deadline_ms);
        }
        usleep(200 * 1000);
    }
    test_ids_free(&missing);

    /* One case per (account, post): no two case hashes name the same pair. */
    size_t case_count = 0;
    char **identities = case_identities(crawl, &case_count);
    for (size_t i = 1; i < case_count; i++)
        if (strcmp(identities[i - 1], identities[i]) == 0)
            fail_msg("two cases for %s", identities[i]);
    strings_free(identities, case_count);

    /* One evidence link per case: a case opened twice would have added a second one. */
    char key[KEYS_MAX_LEN];
    shard_key(crawl, key, keys_evidence);
    assert_int_equal(integer_of(crawl, "XLEN %s", key), (long long)case_count);
    shard_key(crawl, key, keys_evidence_head);
    assert_int_equal(integer_of(crawl, "HGET %s position", key), (long long)case_count);
    shard_key(crawl, key, keys_posts_dead);
    assert_int_equal(integer_of(crawl, "XLEN %s", key), 0);

    /* Every suspect post is held by its case. */
    struct test_ids shown;
    test_sim_post_ids(crawl->sim, NULL, 0, &shown);
    char **verdicts = calloc(shown.count + 1, sizeof(*verdicts));
    char **cases = calloc(shown.count + 1, sizeof(*cases));
    assert_non_null(verdicts);
    assert_non_null(cases);
    results_of(crawl, &shown, verdicts, cases);
    size_t suspects = 0;
    for (size_t i = 0; i < shown.count; i++) {
        if (strcmp(verdicts[i], "suspect") != 0)
            continue;
        suspects++;
        if (cases[i][0] == '\0')
            fail_msg("suspect %s has no case", shown.ids[i]);
        char case_key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
        if (keys_case(case_key, sizeof(case_key), crawl->prefix, 0, cases[i], err,
                      sizeof(err)) != 0)
            fail_msg("%s", err);
        assert_int_equal(integer_of(crawl, "EXISTS %s", case_key), 1);
    }
    assert_true(suspects <= case_count);
    size_t checked = shown.count;
    strings_free(verdicts, shown.count);
    strings_free(cases, shown.count);
    test_ids_free(&shown);

    char *out = NULL;
    if (test_netra(crawl, &out, "evidence", "verify", (char *)NULL) != 0)
        fail_msg("netra evidence verify: %s", out);
    free(out);
    fprintf(stderr, "%zu posts scored once, %zu cases, %zu suspects among the posts shown\n",
            checked, case_count, suspects);
    return checked;
}

void e2e_report(struct test_crawl *crawl, ...)
{
    va_list ap;
    va_start(ap, crawl);
    for (const char *name = va_arg(ap, const char *); name != NULL;
         name = va_arg(ap, const char *))
        test_crawler_report(crawl, name);
    va_end(ap);
}
