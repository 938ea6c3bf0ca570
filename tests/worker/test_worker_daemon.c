/* The worker loop against Redis, in process: every post gets one result, every suspect one case
 * with its evidence in the chain, redeliveries change nothing twice, a later version joins its
 * case, malformed messages go to dead letters, rescans are counted, workers racing on one chain
 * keep it intact, every shard keeps its own chain, and a shard whose Redis is down does not stop
 * the others; follows and likes become cases like posts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/cases.h"
#include "queue/keys.h"
#include "queue/posts_stream.h"
#include "worker/cases.h"
#include "worker/evidence.h"
#include "worker/worker.h"
#include "tests/support/test_support.h"
#include "tests/worker/daemon_test.h"
#include "tests/worker/worker_test.h"

struct fixture {
    struct netra_config *config;
    struct redis_sync *redis;
    redisContext *inspect;
    struct scorer *scorer;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[NETRA_ERR_LEN];
    assert_non_null(f);
    f->config = daemon_test_config("worker");
    if (redis_sync_open(f->config, test_redis_url(), &f->redis, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    f->inspect = test_redis_connect(test_redis_url());
    f->scorer = worker_test_scorer();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_redis_delete_prefix(f->inspect, f->config->redis.key_prefix);
    redisFree(f->inspect);
    redis_sync_close(f->redis);
    scorer_free(f->scorer);
    config_free(f->config);
    free(f);
    return 0;
}

static struct worker *open_worker(struct fixture *f, const char *name)
{
    struct worker *worker = NULL;
    char err[NETRA_ERR_LEN];
    if (worker_open(f->config, name, &worker, err, sizeof(err)) != 0 ||
        worker_connect(worker, err, sizeof(err)) != 0)
        fail_msg("worker: %s", err);
    return worker;
}

static void round_ok(struct worker *worker)
{
    char err[NETRA_ERR_LEN];
    if (worker_round(worker, err, sizeof(err)) != 0)
        fail_msg("round: %s", err);
}

/* Rounds until `results` results exist on the shards and nothing is pending, for 60 s at most. */
static void run_until_done(struct fixture *f, struct worker *worker, long long results)
{
    int shards = f->config->redis.shards;
    for (int i = 0; i < 6000; i++) {
        round_ok(worker);
        long long have = 0, pending = 0;
        for (int s = 0; s < shards; s++) {
            have += daemon_test_count(f->inspect, f->config, s, "result");
            pending += daemon_test_pending(f->inspect, f->config, s);
        }
        if (have >= results && pending == 0)
            return;
    }
    fail_msg("the worker did not record %lld posts in time", results);
}

static enum score_verdict expected_verdict(struct fixture *f, const struct post_message *post)
{
    char err[NETRA_ERR_LEN];
    struct score_scratch scratch;
    struct score_result result;
    struct score_thresholds thresholds = {f->config->worker.political_threshold,
                                          f->config->worker.suspect_threshold};
    score_scratch_init(&scratch);
    assert_int_equal(score_post(f->scorer, &scratch, post, post->region, &thresholds, &result,
                                err, sizeof(err)), 0);
    score_scratch_free(&scratch);
    return result.verdict;
}

static long long integer(redisContext *redis, const char *command, const char *key)
{
    redisReply *reply = redisCommand(redis, "%s %s", command, key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    long long value = reply->integer;
    freeReplyObject(reply);
    return value;
}

static void assert_chain_intact(struct fixture *f, int shard, long long links)
{
    struct evidence_report report;
    char err[NETRA_ERR_LEN];
    if (evidence_verify(f->redis, f->config, shard, &report, err, sizeof(err)) != 0)
        fail_msg("verify: %s", err);
    if (report.broken)
        fail_msg("shard %d: link %lld broken: %s", shard, report.position, report.why);
    assert_int_equal(report.links, links);
}

static void every_post_gets_one_result_and_every_suspect_one_case(void **state)
{
    struct fixture *f = *state;
    size_t count;
    struct post_message **posts = daemon_test_labelled(&count);
    long long suspects = 0;
    for (size_t i = 0; i < count; i++) {
        suspects += expected_verdict(f, posts[i]) == SCORE_SUSPECT;
        daemon_test_publish(f->redis, f->config, posts[i]);
    }
    assert_true(suspects >= 60); /* the labelled set has 90 partisan posts */

    struct worker *worker = open_worker(f, "w-all");
    run_until_done(f, worker, (long long)count);
    const struct worker_counters *counters = worker_counters(worker);
    assert_int_equal(counters->scored, count);
    assert_int_equal(counters->suspect, suspects);
    assert_int_equal(counters->clear + counters->political + counters->suspect, count);
    assert_int_equal(counters->cases_created, suspects);
    assert_int_equal(counters->dead_lettered, 0);
    assert_int_equal(daemon_test_count(f->inspect, f->config, 0, "result"), count);
    assert_int_equal(daemon_test_count(f->inspect, f->config, 0, "case"), suspects);

    char key[KEYS_MAX_LEN];
    daemon_test_key(key, sizeof(key), f->config, 0, "review", NULL);
    assert_int_equal(integer(f->inspect, "ZCARD", key), suspects);
    daemon_test_key(key, sizeof(key), f->config, 0, "evidence", NULL);
    assert_int_equal(integer(f->inspect, "XLEN", key), suspects);
    assert_chain_intact(f, 0, suspects);

    for (size_t i = 0; i < count; i++) {
        const struct post_message *post = posts[i];
        enum score_verdict verdict = expected_verdict(f, post);
        char cid[CASE_ID_LEN + 1];
        cases_id(post->account, post->id, cid);
        daemon_test_key(key, sizeof(key), f->config, 0, "result", post->id);
        char *stored = daemon_test_hget(f->inspect, key, "verdict");
        char *held_by = daemon_test_hget(f->inspect, key, "case");
        assert_non_null(stored);
        assert_string_equal(stored, score_verdict_name(verdict));
        long long ttl = integer(f->inspect, "TTL", key);
        if (verdict == SCORE_SUSPECT) {
            assert_non_null(held_by);
            assert_string_equal(held_by, cid);
            assert_int_equal(ttl, -1); /* a result a case holds does not expire */
            daemon_test_key(key, sizeof(key), f->config, 0, "case", cid);
            char *account = daemon_test_hget(f->inspect, key, "account");
            char *status = daemon_test_hget(f->inspect, key, "status");
            assert_string_equal(account, post->account);
            assert_string_equal(status, "pending");
            free(account);
            free(status);
        } else {
            assert_null(held_by);
            assert_in_range(ttl, 29LL * 86400, 30LL * 86400);
        }
        free(stored);
        free(held_by);
    }

    /* Highest partisan first. */
    daemon_test_key(key, sizeof(key), f->config, 0, "review", NULL);
    redisReply *order = redisCommand(f->inspect, "ZREVRANGE %s 0 -1", key);
    assert_non_null(order);
    double previous = 2.0;
    for (size_t i = 0; i < order->elements; i++) {
        char case_key[KEYS_MAX_LEN];
        daemon_test_key(case_key, sizeof(case_key), f->config, 0, "case", order->element[i]->str);
        char *partisan = daemon_test_hget(f->inspect, case_key, "partisan");
        assert_non_null(partisan);
        assert_true(atof(partisan) <= previous);
        previous = atof(partisan);
        free(partisan);
    }
    freeReplyObject(order);

    char err[NETRA_ERR_LEN];
    assert_int_equal(worker_beat(worker, err, sizeof(err)), 0);
    snprintf(key, sizeof(key), "%sproc:w-all", f->config->redis.key_prefix);
    char *scored = daemon_test_hget(f->inspect, key, "scored");
    char *created = daemon_test_hget(f->inspect, key, "cases_created");
    assert_non_null(scored);
    assert_int_equal(atoll(scored), count);
    assert_int_equal(atoll(created), suspects);
    free(scored);
    free(created);
    worker_close(worker);
    daemon_test_posts_free(posts, count);
}

static const char suspect_text[] = "Ayo coblos nomor 2, dukung Prabowo-Gibran sampai menang!";

static void a_redelivered_message_opens_no_second_case_and_a_later_version_joins_the_first(void **state)
{
    struct fixture *f = *state;
    char err[NETRA_ERR_LEN];
    struct post_message *post = daemon_test_post("mastodon:900", "pns-9", suspect_text);
    assert_int_equal(expected_verdict(f, post), SCORE_SUSPECT);
    daemon_test_publish(f->redis, f->config, post);

    /* A worker that recorded the message and died before acknowledging it. */
    struct posts_batch batch;
    struct score_scratch scratch;
    struct score_result result;
    struct case_draft draft;
    struct record_outcome outcome;
    struct evidence_head head;
    struct score_thresholds thresholds = {0.35, 0.6};
    evidence_head_init(&head);
    score_scratch_init(&scratch);
    assert_int_equal(posts_stream_read(f->redis, f->config, 0, "died", &batch, err, sizeof(err)),
                     0);
    assert_int_equal(batch.count, 1);
    assert_int_equal(score_post(f->scorer, &scratch, batch.entries[0].message, NULL, &thresholds,
                                &result, err, sizeof(err)), 0);
    assert_int_equal(case_draft_build(batch.entries[0].message, batch.entries[0].id, &result,
                                      &draft, err, sizeof(err)), 0);
    if (cases_record(f->redis, f->config, 0, &draft.record, &head, &outcome, err,
                     sizeof(err)) != 0)
        fail_msg("record: %s", err);
    assert_int_equal(outcome.kase, CASE_CREATED);
    case_draft_free(&draft);
    score_scratch_free(&scratch);
    posts_batch_free(&batch);

    f->config->stream.reclaim_idle_ms = 50;
    usleep(100 * 1000);
    struct worker *worker = open_worker(f, "w-rescuer");
    run_until_done(f, worker, 1);
    const struct worker_counters *counters = worker_counters(worker);
    assert_int_equal(counters->reclaimed, 1);
    assert_int_equal(counters->duplicates, 1);
    assert_int_equal(counters->scored, 0);
    assert_int_equal(counters->cases_created, 0);
    assert_int_equal(daemon_test_count(f->inspect, f->config, 0, "case"), 1);
    assert_chain_intact(f, 0, 1);

    /* The author edits the post: a new version, scored again, kept by the same case with its
     * own link. */
    struct post_message *edit =
        daemon_test_post("mastodon:900", "pns-9", "Coblos nomor 2! Prabowo-Gibran satu putaran!");
    daemon_test_publish(f->redis, f->config, edit);
    for (int i = 0; i < 100 && counters->scored == 0; i++)
        round_ok(worker);
    assert_int_equal(counters->scored, 1);
    assert_int_equal(counters->cases_created, 0);
    assert_int_equal(counters->case_versions, 1);
    assert_int_equal(daemon_test_count(f->inspect, f->config, 0, "case"), 1);
    assert_chain_intact(f, 0, 2);
    char key[KEYS_MAX_LEN];
    daemon_test_key(key, sizeof(key), f->config, 0, "result", "mastodon:900");
    assert_int_equal(integer(f->inspect, "TTL", key), -1);
    worker_close(worker);
    post_message_free(edit);
    post_message_free(post);
}

static void xadd(struct fixture *f, const char *msg, const char *raw)
{
    char posts[KEYS_MAX_LEN];
    daemon_test_key(posts, sizeof(posts), f->config, 0, "posts", NULL);
    redisReply *reply = raw != NULL
                            ? redisCommand(f->inspect, "XADD %s * msg %s raw %s", posts, msg, raw)
                            : redisCommand(f->inspect, "XADD %s * msg %s", posts, msg);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    freeReplyObject(reply);
}

static void malformed_messages_go_to_dead_letters_and_the_rest_is_scored(void **state)
{
    struct fixture *f = *state;
    char long_id[1500];
    memset(long_id, 'x', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    char *long_msg = malloc(sizeof(long_id) + 100);
    assert_non_null(long_msg);
    snprintf(long_msg, sizeof(long_id) + 100, "{\"id\":\"x:%s\",\"text\":\"a\",\"account\":\"p\"}",
             long_id);
    xadd(f, "not json", NULL);
    xadd(f, "{\"id\":\"x:1\",\"text\":\"hai\",\"account\":\"pns-1\"}", "not zlib at all");
    xadd(f, "{\"id\":\"x:2\",\"text\":\"hai\"}", NULL);
    xadd(f, long_msg, NULL);
    struct post_message *good = daemon_test_post("mastodon:901", "pns-1", "Selamat pagi semua");
    daemon_test_publish(f->redis, f->config, good);

    struct worker *worker = open_worker(f, "w-dead");
    run_until_done(f, worker, 1);
    const struct worker_counters *counters = worker_counters(worker);
    assert_int_equal(counters->dead_lettered, 4);
    assert_int_equal(counters->scored, 1);

    char dead[KEYS_MAX_LEN];
    daemon_test_key(dead, sizeof(dead), f->config, 0, "posts:dead", NULL);
    redisReply *reply = redisCommand(f->inspect, "XRANGE %s - +", dead);
    assert_non_null(reply);
    assert_int_equal(reply->elements, 4);
    const char *expected[] = {"malformed: msg: ", "malformed: raw: ", "x:2: no account",
                              "longer than"};
    for (size_t i = 0; i < 4; i++) {
        const redisReply *fields = reply->element[i]->element[1];
        assert_string_equal(fields->element[0]->str, "reason");
        if (strstr(fields->element[1]->str, expected[i]) == NULL)
            fail_msg("dead letter %zu: \"%s\" lacks \"%s\"", i, fields->element[1]->str,
                     expected[i]);
    }
    freeReplyObject(reply);
    worker_close(worker);
    post_message_free(good);
    free(long_msg);
}

static void posts_of_a_rescan_count_in_its_progress(void **state)
{
    struct fixture *f = *state;
    char progress[KEYS_MAX_LEN];
    daemon_test_key(progress, sizeof(progress), f->config, 0, "rescan", "r1-test");
    freeReplyObject(redisCommand(f->inspect, "HSET %s status running account pns-2", progress));
    const char *texts[] = {suspect_text, "Rapat koordinasi dinas besok pagi", suspect_text};
    const char *rescans[] = {"r1-test", "r1-test", "not a valid id!"};
    struct post_message *posts[3];
    for (int i = 0; i < 3; i++) {
        char id[32];
        snprintf(id, sizeof(id), "mastodon:91%d", i);
        posts[i] = daemon_test_post(id, "pns-2", texts[i]);
        posts[i]->rescan = strdup(rescans[i]);
        daemon_test_publish(f->redis, f->config, posts[i]);
    }
    struct worker *worker = open_worker(f, "w-rescan");
    run_until_done(f, worker, 3);
    char *scored = daemon_test_hget(f->inspect, progress, "scored");
    char *suspects = daemon_test_hget(f->inspect, progress, "suspects");
    assert_string_equal(scored, "2");
    assert_string_equal(suspects, "1");
    assert_true(integer(f->inspect, "PTTL", progress) > 0);
    assert_int_equal(worker_counters(worker)->errors, 1); /* the id that is not one */
    assert_int_equal(worker_counters(worker)->scored, 3);
    free(scored);
    free(suspects);
    worker_close(worker);
    for (int i = 0; i < 3; i++)
        post_message_free(posts[i]);
}

static void workers_racing_on_one_chain_keep_it_intact(void **state)
{
    struct fixture *f = *state;
    size_t count;
    struct post_message **posts = daemon_test_labelled(&count);
    long long suspects = 0;
    for (size_t i = 0; i < 80; i++) {
        suspects += expected_verdict(f, posts[i]) == SCORE_SUSPECT;
        daemon_test_publish(f->redis, f->config, posts[i]);
    }
    assert_true(suspects >= 10);
    f->config->stream.batch = 3;
    struct worker *a = open_worker(f, "w-a"), *b = open_worker(f, "w-b");
    for (int i = 0; i < 200 && worker_counters(a)->scored + worker_counters(b)->scored < 80;
         i++) {
        round_ok(a);
        round_ok(b);
    }
    assert_int_equal(worker_counters(a)->scored + worker_counters(b)->scored, 80);
    assert_true(worker_counters(a)->cases_created > 0 && worker_counters(b)->cases_created > 0);
    assert_int_equal(worker_counters(a)->cases_created + worker_counters(b)->cases_created,
                     suspects);
    assert_int_equal(daemon_test_count(f->inspect, f->config, 0, "case"), suspects);
    assert_chain_intact(f, 0, suspects);
    worker_close(a);
    worker_close(b);
    daemon_test_posts_free(posts, count);
}

static void each_shard_keeps_its_own_chain(void **state)
{
    struct fixture *f = *state;
    f->config->redis.shards = 2;
    const char *accounts[] = {"pns-a", "pns-b", "pns-c", "pns-d", "pns-e", "pns-f"};
    long long per_shard[2] = {0, 0};
    for (size_t i = 0; i < 6; i++) {
        char id[32];
        snprintf(id, sizeof(id), "mastodon:92%zu", i);
        struct post_message *post = daemon_test_post(id, accounts[i], suspect_text);
        per_shard[keys_shard(accounts[i], 2)]++;
        daemon_test_publish(f->redis, f->config, post);
        post_message_free(post);
    }
    assert_true(per_shard[0] > 0 && per_shard[1] > 0);
    struct worker *worker = open_worker(f, "w-shards");
    run_until_done(f, worker, 6);
    for (int shard = 0; shard < 2; shard++) {
        assert_int_equal(daemon_test_count(f->inspect, f->config, shard, "case"),
                         per_shard[shard]);
        assert_chain_intact(f, shard, per_shard[shard]);
    }
    worker_close(worker);
}

static void a_shard_whose_redis_is_down_does_not_hold_up_the_others(void **state)
{
    struct fixture *f = *state;
    struct test_redis_server second;
    char err[NETRA_ERR_LEN];
    test_redis_server_start(&second);
    f->config->redis.shards = 2;
    f->config->redis.shard_urls = calloc(2, sizeof(char *));
    assert_non_null(f->config->redis.shard_urls);
    f->config->redis.shard_urls[0] = strdup(test_redis_url());
    f->config->redis.shard_urls[1] = strdup(second.url);
    f->config->redis.shard_url_count = 2;
    f->config->redis.reconnect_min_ms = 10;
    f->config->redis.reconnect_max_ms = 20;
    const char *account = keys_shard("pns-a", 2) == 0 ? "pns-a" : "pns-b";
    assert_int_equal(keys_shard(account, 2), 0);
    struct worker *worker = open_worker(f, "w-half");
    test_redis_server_stop(&second);

    struct post_message *post = daemon_test_post("mastodon:930", account, suspect_text);
    daemon_test_publish(f->redis, f->config, post);
    for (int i = 0; i < 50 && worker_counters(worker)->scored == 0; i++)
        assert_int_equal(worker_round(worker, err, sizeof(err)), -1);
    assert_int_equal(worker_counters(worker)->scored, 1);
    assert_non_null(strstr(err, second.url + strlen("redis://")));
    assert_int_equal(daemon_test_count(f->inspect, f->config, 0, "case"), 1);
    worker_close(worker);
    post_message_free(post);
}

/* A follow or like as the crawler publishes it: no text, no created_at for a follow, the
 * target and the raw item the platform served. */
static struct post_message *engagement(const char *id, enum post_kind kind, const char *account,
                                       const char *name, const char *text)
{
    struct post_message *m = post_message_new();
    char raw[1024], url[256];
    assert_non_null(m);
    snprintf(url, sizeof(url), "https://x.example/%s", account);
    const char *const values[] = {id, "x", "pns-e", "asn_budi", url, "2024-01-05T10:05:00Z", "",
                                  account, account, name, url, text};
    char **const slots[] = {&m->id, &m->platform, &m->account, &m->author, &m->url,
                            &m->fetched_at, &m->text, &m->target.id, &m->target.account,
                            &m->target.name, &m->target.url, &m->target.text};
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
        assert_non_null(*slots[i] = strdup(values[i]));
    m->kind = kind;
    snprintf(raw, sizeof(raw), "{\"username\": \"%s\", \"name\": \"%s\", \"text\": \"%s\"}",
             account, name, text);
    assert_int_equal(post_message_set_raw(m, raw, strlen(raw)), 0);
    return m;
}

static void follows_and_likes_become_cases_with_their_evidence(void **state)
{
    struct fixture *f = *state;
    struct post_message *messages[] = {
        engagement("x:follow:7:prabowo", POST_KIND_FOLLOW, "prabowo", "Prabowo Subianto",
                   "Ketua Umum Partai Gerindra"),
        engagement("x:follow:7:tetangga", POST_KIND_FOLLOW, "tetangga", "Pak RT",
                   "Pendukung Prabowo-Gibran, coblos nomor 2!"),
        engagement("x:like:7:1001", POST_KIND_LIKE, "Gerindra", "Partai Gerindra",
                   "Ayo coblos nomor 2, Prabowo-Gibran pemimpin tegas!"),
        engagement("x:like:7:1002", POST_KIND_LIKE, "teman", "Teman",
                   "Resep rendang: pilih daging yang segar"),
    };
    static const enum score_verdict verdicts[] = {SCORE_SUSPECT, SCORE_CLEAR, SCORE_SUSPECT,
                                                  SCORE_CLEAR};
    size_t count = sizeof(messages) / sizeof(messages[0]);
    int shard = keys_shard("pns-e", f->config->redis.shards);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(expected_verdict(f, messages[i]), verdicts[i]);
        daemon_test_publish(f->redis, f->config, messages[i]);
    }
    struct worker *worker = open_worker(f, "w-engage");
    run_until_done(f, worker, (long long)count);
    assert_int_equal(worker_counters(worker)->scored, count);
    assert_int_equal(daemon_test_count(f->inspect, f->config, shard, "case"), 2);
    assert_chain_intact(f, shard, 2);

    char key[512], case_id[CASE_ID_LEN + 1];
    cases_id("pns-e", "x:follow:7:prabowo", case_id);
    daemon_test_key(key, sizeof(key), f->config, shard, "case", case_id);
    char *message = daemon_test_hget(f->inspect, key, "message");
    char *categories = daemon_test_hget(f->inspect, key, "categories");
    char *explanation = daemon_test_hget(f->inspect, key, "explanation");
    char *created_at = daemon_test_hget(f->inspect, key, "created_at");
    assert_non_null(message);
    assert_non_null(strstr(message, "\"kind\":\"follow\""));
    assert_non_null(strstr(message, "\"account\":\"prabowo\""));
    assert_string_equal(categories, "campaign_follow");
    assert_non_null(explanation);
    assert_non_null(strstr(explanation, "\"field\":\"target.account\",\"start\":0,\"end\":7"));
    assert_true(created_at == NULL || created_at[0] == '\0');
    free(message);
    free(categories);
    free(explanation);
    free(created_at);

    cases_id("pns-e", "x:like:7:1001", case_id);
    daemon_test_key(key, sizeof(key), f->config, shard, "case", case_id);
    explanation = daemon_test_hget(f->inspect, key, "explanation");
    assert_non_null(explanation);
    assert_non_null(strstr(explanation, "\"field\":\"target.text\""));
    assert_non_null(strstr(explanation, "\"rule\":\"like-campaign-author\""));
    free(explanation);
    worker_close(worker);
    for (size_t i = 0; i < count; i++)
        post_message_free(messages[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_post_gets_one_result_and_every_suspect_one_case,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_redelivered_message_opens_no_second_case_and_a_later_version_joins_the_first, setup, teardown),
        cmocka_unit_test_setup_teardown(
            malformed_messages_go_to_dead_letters_and_the_rest_is_scored, setup, teardown),
        cmocka_unit_test_setup_teardown(posts_of_a_rescan_count_in_its_progress, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(workers_racing_on_one_chain_keep_it_intact, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(each_shard_keeps_its_own_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(a_shard_whose_redis_is_down_does_not_hold_up_the_others,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(follows_and_likes_become_cases_with_their_evidence, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
