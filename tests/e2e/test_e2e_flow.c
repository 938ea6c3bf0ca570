/* The whole of netra as real processes on loopback: a partisan post published on a simulated
 * platform is crawled into the posts stream, scored into a result and a case, confirmed by two
 * reviewers through the desk's API (four-eyes), and then found in the Atom alert feed and
 * delivered, signed, to a webhook receiver. `netra rescan ID --since DATE --wait` on one account
 * pages back through its history and reports its posts; the workers count its scored posts and
 * suspects into the rescan's progress. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "queue/keys.h"
#include "tests/desk/desk_test.h"
#include "tests/e2e/e2e_test.h"

#define HOOK_SECRET "e2e-hook-secret-0123456789abcdef"
/* netra-sim's world at a fixed time, so the history (and what the rules find in it) is the
 * same on every run. */
#define SIM_START 1730000000L
#define PARTISAN_TEXT                                                                          \
    "Ayo bapak ibu, tanggal 27 November coblos nomor 2 Pak Hendra Wiratmaja! Dukung terus "  \
    "paslon nomor 2 #HendraMenang"

/* ---- a webhook receiver that checks signatures as docs/feeds.md tells receivers to ---------- */

struct receiver {
    struct MHD_Daemon *daemon;
    int port;
    pthread_mutex_t lock;
    int requests, bad_signatures;
    char *last_body;
};

struct upload {
    char *data;
    size_t len;
};

static int signature_valid(const char *timestamp, const char *signature, const char *body,
                           size_t body_len)
{
    unsigned char mac[32];
    unsigned int mac_len = sizeof(mac);
    char expected[80] = "sha256=";
    size_t stamp_len = strlen(timestamp), message_len = stamp_len + 1 + body_len;
    unsigned char *message = malloc(message_len);
    assert_non_null(message);
    memcpy(message, timestamp, stamp_len);
    message[stamp_len] = '.';
    memcpy(message + stamp_len + 1, body, body_len);
    HMAC(EVP_sha256(), HOOK_SECRET, (int)strlen(HOOK_SECRET), message, message_len, mac,
         &mac_len);
    free(message);
    for (unsigned int i = 0; i < mac_len; i++)
        snprintf(expected + 7 + 2 * i, 3, "%02x", mac[i]);
    long long sent = atoll(timestamp), now = (long long)time(NULL);
    return strlen(signature) == strlen(expected) &&
           CRYPTO_memcmp(signature, expected, strlen(expected)) == 0 && sent > now - 300 &&
           sent < now + 300;
}

static enum MHD_Result receive(void *cls, struct MHD_Connection *connection, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    (void)url;
    (void)version;
    struct receiver *receiver = cls;
    struct upload *upload = *con_cls;
    if (upload == NULL) {
        *con_cls = calloc(1, sizeof(*upload));
        return *con_cls != NULL ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size > 0) {
        char *grown = realloc(upload->data, upload->len + *upload_data_size + 1);
        if (grown == NULL)
            return MHD_NO;
        upload->data = grown;
        memcpy(upload->data + upload->len, upload_data, *upload_data_size);
        upload->len += *upload_data_size;
        upload->data[upload->len] = '\0';
        *upload_data_size = 0;
        return MHD_YES;
    }
    const char *timestamp =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Netra-Timestamp");
    const char *signature =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Netra-Signature");
    pthread_mutex_lock(&receiver->lock);
    receiver->requests++;
    if (strcmp(method, "POST") != 0 || timestamp == NULL || signature == NULL ||
        upload->data == NULL || !signature_valid(timestamp, signature, upload->data, upload->len))
        receiver->bad_signatures++;
    else {
        free(receiver->last_body);
        receiver->last_body = strdup(upload->data);
    }
    pthread_mutex_unlock(&receiver->lock);
    struct MHD_Response *response =
        MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result queued = MHD_queue_response(connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return queued;
}

static void request_done(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)connection;
    (void)code;
    struct upload *upload = *con_cls;
    if (upload != NULL)
        free(upload->data);
    free(upload);
    *con_cls = NULL;
}

static void receiver_start(struct receiver *receiver)
{
    memset(receiver, 0, sizeof(*receiver));
    pthread_mutex_init(&receiver->lock, NULL);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    receiver->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, receive, receiver,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address, MHD_OPTION_NOTIFY_COMPLETED,
        request_done, NULL, MHD_OPTION_END);
    assert_non_null(receiver->daemon);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(receiver->daemon, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    receiver->port = info->port;
}

static void receiver_stop(struct receiver *receiver)
{
    MHD_stop_daemon(receiver->daemon);
    pthread_mutex_destroy(&receiver->lock);
    free(receiver->last_body);
}

static int receiver_has_body(void *arg)
{
    struct receiver *receiver = arg;
    pthread_mutex_lock(&receiver->lock);
    int has = receiver->last_body != NULL || receiver->bad_signatures > 0;
    pthread_mutex_unlock(&receiver->lock);
    return has;
}

/* ---- the pipeline -------------------------------------------------------------------------- */

struct scored {
    struct test_crawl *crawl;
    const char *post_id;
};

static int is_scored(void *arg)
{
    struct scored *s = arg;
    char *verdict = e2e_result_field(s->crawl, s->post_id, "verdict");
    int done = verdict[0] != '\0';
    free(verdict);
    return done;
}

static cJSON *json_of(const struct desk_test_response *response)
{
    cJSON *json = cJSON_Parse(response->body);
    if (json == NULL)
        fail_msg("not JSON: %.300s", response->body);
    return json;
}

static const char *string_of(const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!cJSON_IsString(item))
        fail_msg("no string \"%s\" in %.300s", name, cJSON_PrintUnformatted(object));
    return item->valuestring;
}

static void decide(struct desk_test *desk, const struct desk_test_auth *who, const char *case_id,
                   const char *expect_status, int expect_alert)
{
    char path[128];
    struct desk_test_response response;
    snprintf(path, sizeof(path), "/api/cases/%s/decision", case_id);
    desk_test_request(desk, "POST", path, who,
                      "{\"action\": \"confirm\", \"category\": \"vote_call\","
                      " \"note\": \"ajakan memilih paslon nomor 2\"}",
                      &response);
    if (response.status != 200)
        fail_msg("decision: %ld %s", response.status, response.body);
    cJSON *answer = json_of(&response);
    assert_string_equal(string_of(answer, "status"), expect_status);
    assert_int_equal(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(answer, "alert")),
                     expect_alert);
    cJSON_Delete(answer);
    desk_test_response_free(&response);
}

static void a_published_partisan_post_ends_confirmed_in_the_feed_and_the_webhook(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    struct desk_test desk;
    struct receiver receiver;
    char members[512], start[32];
    snprintf(start, sizeof(start), "%ld", SIM_START);
    test_sim_start(&sim, 21, 5, "--start", start, "--history-days", "2", NULL);
    receiver_start(&receiver);
    snprintf(members, sizeof(members),
             "\"four_eyes\": true, \"webhooks\": [{\"url\": \"http://127.0.0.1:%d/hook\","
             " \"secret\": \"%s\"}], \"webhook_backoff_ms\": 200",
             receiver.port, HOOK_SECRET);
    desk_test_start(&desk, "e2e_flow", members);
    e2e_setup(&crawl, &sim, "flow", NULL, desk.config->redis.key_prefix, "");
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-f");
    pid_t worker = e2e_worker_start(&crawl, "worker-f");

    /* Published on Mastodon (acc-1), as a civil servant would. */
    cJSON *post = test_sim_call(&sim, "POST", "/_sim/publish",
                                "{\"account\": \"acc-1\", \"text\": \"" PARTISAN_TEXT "\"}", 201);
    char post_id[256];
    snprintf(post_id, sizeof(post_id), "%s", string_of(post, "id"));
    cJSON_Delete(post);
    struct scored scored = {&crawl, post_id};
    if (!test_wait_for(is_scored, &scored, 30000)) {
        e2e_report(&crawl, "crawler-f", "worker-f", (char *)NULL);
        fail_msg("%s was not scored within 30 s", post_id);
    }
    struct test_stream stream;
    test_stream_read(&crawl, &stream);
    assert_true(test_ids_contains(&stream.ids, post_id));
    test_stream_free(&stream);
    char *verdict = e2e_result_field(&crawl, post_id, "verdict");
    char *case_id = e2e_result_field(&crawl, post_id, "case");
    assert_string_equal(verdict, "suspect");
    assert_int_equal(strlen(case_id), CASE_ID_LEN);

    /* The case, as a reviewer sees it. */
    char path[256];
    struct desk_test_response response;
    snprintf(path, sizeof(path), "/api/cases/%s", case_id);
    desk_test_request(&desk, "GET", path, &desk_test_reviewer, NULL, &response);
    assert_int_equal(response.status, 200);
    cJSON *kase = json_of(&response);
    assert_string_equal(string_of(kase, "status"), "pending");
    const cJSON *case_post = cJSON_GetObjectItemCaseSensitive(kase, "post");
    assert_string_equal(string_of(case_post, "id"), post_id);
    assert_string_equal(string_of(case_post, "text"), PARTISAN_TEXT);
    assert_string_equal(string_of(cJSON_GetObjectItemCaseSensitive(kase, "account"), "id"),
                        "acc-1");
    cJSON_Delete(kase);
    desk_test_response_free(&response);

    /* Four eyes: the first confirmation publishes nothing, the second (another reviewer) does. */
    decide(&desk, &desk_test_reviewer, case_id, "confirming", 0);
    desk_test_request(&desk, "GET", "/feeds/alerts.atom", &desk_test_feed, NULL, &response);
    assert_int_equal(response.status, 200);
    assert_null(strstr(response.body, case_id));
    desk_test_response_free(&response);
    decide(&desk, &desk_test_reviewer2, case_id, "confirmed", 1);

    char alert_id[128];
    snprintf(alert_id, sizeof(alert_id), "urn:netra:alert:%s", case_id);
    desk_test_request(&desk, "GET", "/feeds/alerts.atom", &desk_test_feed, NULL, &response);
    assert_int_equal(response.status, 200);
    if (strstr(response.body, alert_id) == NULL || strstr(response.body, "Pak Hendra") == NULL)
        fail_msg("%s is not in the feed:\n%.2000s", alert_id, response.body);
    desk_test_response_free(&response);

    assert_true(test_wait_for(receiver_has_body, &receiver, 20000));
    pthread_mutex_lock(&receiver.lock);
    assert_int_equal(receiver.bad_signatures, 0);
    cJSON *alert = cJSON_Parse(receiver.last_body);
    pthread_mutex_unlock(&receiver.lock);
    assert_non_null(alert);
    assert_string_equal(string_of(alert, "id"), alert_id);
    assert_string_equal(string_of(alert, "post_id"), post_id);
    assert_string_equal(string_of(alert, "category"), "vote_call");
    cJSON_Delete(alert);

    assert_int_equal(test_crawler_stop(worker, SIGTERM, 10000), 0);
    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    free(verdict);
    free(case_id);
    desk_test_stop(&desk);
    receiver_stop(&receiver);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

/* ---- a rescan --------------------------------------------------------------------------------*/

struct counted {
    struct test_crawl *crawl;
    const char *rid;
    long long scored;
};

static long long progress_number(struct test_crawl *crawl, const char *rid, const char *field)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    if (keys_rescan_progress(key, sizeof(key), crawl->prefix, 0, rid, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    redisReply *reply = redisCommand(crawl->redis, "HGET %s %s", key, field);
    assert_non_null(reply);
    long long value = reply->type == REDIS_REPLY_STRING ? atoll(reply->str) : 0;
    freeReplyObject(reply);
    return value;
}

static int all_counted(void *arg)
{
    struct counted *c = arg;
    return progress_number(c->crawl, c->rid, "scored") >= c->scored;
}

static int first_crawl_done(void *arg)
{
    return test_account_number(arg, "acc-1", "last_ok") > 0;
}

static void a_rescan_reports_the_accounts_posts_and_suspects(void **state)
{
    (void)state;
    struct test_sim sim;
    struct test_crawl crawl;
    char start[32];
    snprintf(start, sizeof(start), "%ld", SIM_START);
    test_sim_start(&sim, 21, 5, "--start", start, "--history-days", "4", NULL);
    /* Scheduled crawls read one small page of acc-1: only the rescan goes further back. */
    e2e_setup(&crawl, &sim, "rescan", NULL, NULL,
              "{\"crawler\": {\"max_pages\": 1, \"rescan_max_pages\": 100},"
              " \"platforms\": {\"mastodon\": {\"page_size\": 5}}}");
    test_crawl_import(&crawl);
    pid_t crawler = test_crawler_start(&crawl, "crawler-r");
    pid_t worker = e2e_worker_start(&crawl, "worker-r");
    assert_true(test_wait_for(first_crawl_done, &crawl, 20000));

    char since[16], *out = NULL;
    time_t back = (time_t)SIM_START - 5 * 86400;
    struct tm utc;
    gmtime_r(&back, &utc);
    strftime(since, sizeof(since), "%Y-%m-%d", &utc);
    int rc = test_netra(&crawl, &out, "rescan", "acc-1", "--since", since, "--wait", (char *)NULL);
    if (rc != 0)
        fail_msg("netra rescan: exit %d: %s", rc, out);
    char rid[80];
    assert_int_equal(sscanf(out, "rescan %79s queued: acc-1", rid), 1);
    char done[128];
    snprintf(done, sizeof(done), "rescan %s done: ", rid);
    const char *totals = strstr(out, done);
    if (totals == NULL)
        fail_msg("no totals in: %s", out);
    long long pages, read, added, errors;
    assert_int_equal(sscanf(totals + strlen(done), "%lld pages, %lld posts read, %lld new, "
                            "%lld errors", &pages, &read, &added, &errors), 4);
    long long shown_scored = -1, shown_suspects = -1;
    const char *scoring = strstr(totals, "; ");
    if (scoring == NULL ||
        sscanf(scoring, "; %lld scored, %lld suspects", &shown_scored, &shown_suspects) != 2)
        fail_msg("no scored and suspects in: %s", totals);
    free(out);
    struct test_ids history;
    test_sim_post_ids(&sim, "acc-1", 0, &history);
    assert_true(read >= (long long)history.count);
    assert_true(added > 5);
    assert_int_equal(errors, 0);

    /* The workers count every post the rescan queued, and its suspects: the ones they scored
     * suspect among the stream entries marked with the rescan. */
    struct counted counted = {&crawl, rid, added};
    if (!test_wait_for(all_counted, &counted, 30000))
        fail_msg("rescan %s: %lld of %lld posts scored", rid, progress_number(&crawl, rid, "scored"),
                 added);
    assert_int_equal(progress_number(&crawl, rid, "scored"), added);
    struct test_stream stream;
    test_stream_read(&crawl, &stream);
    long long suspects = 0, marked = 0;
    for (size_t i = 0; i < stream.ids.count; i++) {
        if (strcmp(stream.rescans[i], rid) != 0)
            continue;
        marked++;
        char *verdict = e2e_result_field(&crawl, stream.ids.ids[i], "verdict");
        suspects += strcmp(verdict, "suspect") == 0;
        free(verdict);
    }
    assert_int_equal(marked, added);
    assert_int_equal(progress_number(&crawl, rid, "suspects"), suspects);
    /* --wait reported them: it waits for the workers after the crawl. */
    assert_int_equal(shown_scored, added);
    assert_int_equal(shown_suspects, suspects);
    fprintf(stderr, "rescan of acc-1: %lld pages, %lld posts read, %lld new, %lld suspects\n",
            pages, read, added, suspects);
    /* The world of seed 21 at SIM_START holds partisan posts in acc-1's history. */
    assert_true(suspects > 0);
    test_stream_free(&stream);

    assert_int_equal(test_crawler_stop(worker, SIGTERM, 10000), 0);
    assert_int_equal(test_crawler_stop(crawler, SIGTERM, 10000), 0);
    test_ids_free(&history);
    test_crawl_teardown(&crawl);
    test_sim_stop(&sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_published_partisan_post_ends_confirmed_in_the_feed_and_the_webhook),
        cmocka_unit_test(a_rescan_reports_the_accounts_posts_and_suspects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
