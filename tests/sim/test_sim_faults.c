/* Fault injection as clients see it: each mode in each platform's shape, counts, scoping to an
 * account or to everybody, faults set from the command-line spec, and stalls that hold up
 * nobody else. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "sim_test.h"

struct fixture {
    struct sim *sim;
    char mastodon_statuses[200]; /* acc-1 */
    char mastodon_other[200];    /* acc-6 */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct sim_options options;
    sim_test_options(&options);
    f->sim = sim_test_start(&options);
    snprintf(f->mastodon_statuses, sizeof(f->mastodon_statuses),
             "/mastodon/api/v1/accounts/%s/statuses", f->sim->world.accounts[0].native_id);
    snprintf(f->mastodon_other, sizeof(f->mastodon_other), "/mastodon/api/v1/accounts/%s/statuses",
             f->sim->world.accounts[5].native_id);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sim_test_stop(f->sim);
    free(f);
    xmlCleanupParser();
    return 0;
}

/* Faults are cleared after every test. */
static int clear_faults(void **state)
{
    struct fixture *f = *state;
    char *url = sim_test_url(f->sim, "/_sim/faults");
    struct http_options options = {.method = "DELETE"};
    struct http_response r;
    http_do(url, &options, &r);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    free(url);
    return 0;
}

static void set_fault(struct fixture *f, const char *json)
{
    cJSON *doc = sim_test_post_json(f->sim, "/_sim/faults", json, 201);
    cJSON_Delete(doc);
}

static struct http_response fetch(struct fixture *f, const char *path, long timeout_ms,
                                  int follow)
{
    char *url = sim_test_url(f->sim, path);
    struct http_options options = {.timeout_ms = timeout_ms, .follow_redirects = follow};
    struct http_response r;
    http_do(url, &options, &r);
    free(url);
    return r;
}

static void test_rate_limit_fault(void **state)
{
    struct fixture *f = *state;
    set_fault(f, "{\"account\":\"acc-1\",\"mode\":\"rate_limit\",\"count\":1,\"seconds\":3}");
    struct http_response r = fetch(f, f->mastodon_statuses, 0, 0);
    assert_int_equal(r.status, 429);
    char *retry = http_header(&r, "Retry-After");
    char *remaining = http_header(&r, "X-RateLimit-Remaining");
    assert_string_equal(retry, "3");
    assert_string_equal(remaining, "0");
    free(retry);
    free(remaining);
    http_response_free(&r);
    /* The count was one: the next request is served. */
    r = fetch(f, f->mastodon_statuses, 0, 0);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
}

static void test_server_errors_in_platform_shapes(void **state)
{
    struct fixture *f = *state;
    set_fault(f, "{\"account\":\"acc-2\",\"mode\":\"error_503\",\"count\":1}");
    set_fault(f, "{\"account\":\"acc-3\",\"mode\":\"error_500\",\"count\":1}");
    char path[256];
    snprintf(path, sizeof(path), "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=%s",
             f->sim->world.accounts[1].native_id);
    cJSON *e = sim_test_get_json(f->sim, path, 503);
    json_string(e, "error");
    json_string(e, "message");
    cJSON_Delete(e);
    const char *auth[] = {"Authorization: Bearer " SIM_DEFAULT_TOKEN, NULL};
    snprintf(path, sizeof(path), "/x/2/users/%s/tweets", f->sim->world.accounts[2].native_id);
    char *url = sim_test_url(f->sim, path);
    struct http_options options = {.headers = auth};
    struct http_response r;
    http_do(url, &options, &r);
    assert_int_equal(r.status, 500);
    e = http_json(&r);
    assert_int_equal(cJSON_GetObjectItem(e, "status")->valueint, 500);
    cJSON_Delete(e);
    http_response_free(&r);
    http_do(url, &options, &r);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    free(url);
}

struct timed_fetch {
    struct fixture *f;
    const char *path;
    struct http_response r;
};

static void *fetch_thread(void *cls)
{
    struct timed_fetch *t = cls;
    t->r = fetch(t->f, t->path, 5000, 0);
    return NULL;
}

/* A stall sends nothing for its seconds, then closes; meanwhile everyone else is served. */
static void test_stall_holds_up_nobody_else(void **state)
{
    struct fixture *f = *state;
    set_fault(f, "{\"account\":\"acc-1\",\"mode\":\"stall\",\"seconds\":1.5}");
    struct timed_fetch stalled = {f, f->mastodon_statuses, {0}};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, fetch_thread, &stalled), 0);
    struct timespec pause = {0, 200 * 1000000L};
    nanosleep(&pause, NULL);
    struct http_response other = fetch(f, f->mastodon_other, 0, 0);
    assert_int_equal(other.status, 200);
    assert_true(other.seconds < 1.0); /* well inside the 1.5 s stall */
    http_response_free(&other);
    pthread_join(thread, NULL);
    assert_int_equal(stalled.r.result, CURLE_GOT_NOTHING);
    assert_true(stalled.r.seconds >= 1.4 && stalled.r.seconds < 4);
    http_response_free(&stalled.r);

    /* A client that gives up sooner times out. */
    struct http_response r = fetch(f, f->mastodon_statuses, 300, 0);
    assert_int_equal(r.result, CURLE_OPERATION_TIMEDOUT);
    http_response_free(&r);
}

static void test_truncated_body(void **state)
{
    struct fixture *f = *state;
    set_fault(f, "{\"account\":\"acc-1\",\"mode\":\"truncated\",\"count\":1}");
    struct http_response r = fetch(f, f->mastodon_statuses, 0, 0);
    assert_int_equal(r.result, CURLE_PARTIAL_FILE);
    assert_int_equal(r.status, 200);
    char *length = http_header(&r, "Content-Length");
    assert_true((size_t)atol(length) > r.len);
    assert_true(r.len > 0);
    free(length);
    http_response_free(&r);
}

static void test_invalid_body(void **state)
{
    struct fixture *f = *state;
    set_fault(f, "{\"account\":\"acc-1\",\"mode\":\"invalid_body\",\"count\":1}");
    set_fault(f, "{\"account\":\"acc-4\",\"mode\":\"invalid_body\",\"count\":1}");
    struct http_response r = fetch(f, f->mastodon_statuses, 0, 0);
    assert_int_equal(r.result, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_null(cJSON_ParseWithLength(r.body, r.len));
    http_response_free(&r);
    r = fetch(f, "/feed/acc-4.rss", 0, 0);
    assert_int_equal(r.status, 200);
    xmlDocPtr doc = xmlReadMemory(r.body, (int)r.len, "x.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    assert_null(doc);
    http_response_free(&r);
}

static void test_oversized_body(void **state)
{
    struct fixture *f = *state;
    set_fault(f, "{\"account\":\"acc-1\",\"mode\":\"oversized\",\"count\":1,\"seconds\":2}");
    struct http_response r = fetch(f, f->mastodon_statuses, 0, 0);
    assert_int_equal(r.result, CURLE_OK);
    assert_int_equal(r.len, 2 * 1024 * 1024);
    assert_int_equal(strncmp(r.body, "{\"filler\":\"xxx", 14), 0);
    http_response_free(&r);
}

static void test_redirects(void **state)
{
    struct fixture *f = *state;
    set_fault(f, "{\"account\":\"acc-1\",\"mode\":\"redirect_loop\"}");
    struct http_response r = fetch(f, f->mastodon_statuses, 0, 0);
    assert_int_equal(r.status, 302);
    char *location = http_header(&r, "Location");
    char *url = sim_test_url(f->sim, f->mastodon_statuses);
    assert_string_equal(location, url);
    free(location);
    free(url);
    http_response_free(&r);
    r = fetch(f, f->mastodon_statuses, 0, 1);
    assert_int_equal(r.result, CURLE_TOO_MANY_REDIRECTS);
    http_response_free(&r);
    clear_faults(state);

    set_fault(f, "{\"account\":\"acc-1\",\"mode\":\"redirect_offsite\",\"count\":1}");
    r = fetch(f, f->mastodon_statuses, 0, 0);
    assert_int_equal(r.status, 302);
    location = http_header(&r, "Location");
    assert_int_equal(strncmp(location, "http://203.0.113.1/mastodon/", 28), 0);
    free(location);
    http_response_free(&r);
}

static void test_slow_drip(void **state)
{
    struct fixture *f = *state;
    set_fault(f, "{\"account\":\"acc-1\",\"mode\":\"slow_drip\",\"count\":1}");
    struct http_response r = fetch(f, f->mastodon_statuses, 1100, 0);
    assert_int_equal(r.result, CURLE_OPERATION_TIMEDOUT);
    assert_int_equal(r.status, 200);
    /* One byte every 200 ms: about five in a second. */
    assert_true(r.len >= 3 && r.len <= 6);
    assert_int_equal(r.body[0], '[');
    http_response_free(&r);
}

static void test_gone_in_platform_shapes(void **state)
{
    struct fixture *f = *state;
    set_fault(f, "{\"account\":\"acc-1\",\"mode\":\"gone\"}");
    set_fault(f, "{\"account\":\"acc-2\",\"mode\":\"gone\"}");
    set_fault(f, "{\"account\":\"acc-3\",\"mode\":\"gone\"}");
    set_fault(f, "{\"account\":\"acc-4\",\"mode\":\"gone\"}");
    char path[256];
    snprintf(path, sizeof(path), "/mastodon/api/v1/accounts/lookup?acct=%s",
             f->sim->world.accounts[0].username);
    cJSON *e = sim_test_get_json(f->sim, path, 404);
    assert_string_equal(json_string(e, "error"), "Record not found");
    cJSON_Delete(e);
    snprintf(path, sizeof(path), "/bluesky/xrpc/com.atproto.identity.resolveHandle?handle=%s",
             f->sim->world.accounts[1].username);
    e = sim_test_get_json(f->sim, path, 400);
    assert_string_equal(json_string(e, "message"), "Unable to resolve handle");
    cJSON_Delete(e);
    snprintf(path, sizeof(path), "/x/2/users/by/username/%s", f->sim->world.accounts[2].username);
    char *url = sim_test_url(f->sim, path);
    const char *auth[] = {"Authorization: Bearer " SIM_DEFAULT_TOKEN, NULL};
    struct http_options options = {.headers = auth};
    struct http_response r;
    http_do(url, &options, &r);
    assert_int_equal(r.status, 200);
    e = http_json(&r);
    assert_string_equal(json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "errors"), 0), "title"),
                        "Not Found Error");
    cJSON_Delete(e);
    http_response_free(&r);
    free(url);
    r = fetch(f, "/feed/acc-4.rss", 0, 0);
    assert_int_equal(r.status, 404);
    http_response_free(&r);
}

static void test_fault_scope_and_count(void **state)
{
    struct fixture *f = *state;
    /* Two 503s for acc-1; acc-6 on the same platform is untouched. */
    set_fault(f, "{\"account\":\"acc-1\",\"mode\":\"error_503\",\"count\":2}");
    struct http_response r = fetch(f, f->mastodon_other, 0, 0);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    for (int i = 0; i < 2; i++) {
        r = fetch(f, f->mastodon_statuses, 0, 0);
        assert_int_equal(r.status, 503);
        http_response_free(&r);
    }
    r = fetch(f, f->mastodon_statuses, 0, 0);
    assert_int_equal(r.status, 200);
    http_response_free(&r);

    /* Without an account it is everybody's, also a request naming nobody. */
    set_fault(f, "{\"mode\":\"error_500\"}");
    r = fetch(f, f->mastodon_other, 0, 0);
    assert_int_equal(r.status, 500);
    http_response_free(&r);
    r = fetch(f, "/mastodon/api/v1/accounts/lookup?acct=nobody", 0, 0);
    assert_int_equal(r.status, 500);
    http_response_free(&r);
    /* Control endpoints never fault. */
    cJSON *list = sim_test_get_json(f->sim, "/_sim/faults", 200);
    cJSON *fault = cJSON_GetArrayItem(cJSON_GetObjectItem(list, "faults"), 0);
    assert_string_equal(json_string(fault, "mode"), "error_500");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(fault, "account")));
    assert_int_equal(cJSON_GetObjectItem(fault, "count")->valueint, -1);
    cJSON_Delete(list);
}

static void test_bad_fault_requests(void **state)
{
    struct fixture *f = *state;
    cJSON *e = sim_test_post_json(f->sim, "/_sim/faults", "{\"mode\":\"teleport\"}", 400);
    assert_non_null(strstr(json_string(e, "error"), "teleport"));
    cJSON_Delete(e);
    e = sim_test_post_json(f->sim, "/_sim/faults", "{\"mode\":\"stall\",\"account\":\"acc-999\"}", 404);
    cJSON_Delete(e);
    e = sim_test_post_json(f->sim, "/_sim/faults", "{\"mode\":\"stall\",\"count\":0}", 400);
    cJSON_Delete(e);
    e = sim_test_post_json(f->sim, "/_sim/faults", "{\"mode\":\"stall\",\"seconds\":\"long\"}", 400);
    cJSON_Delete(e);
}

static void test_faults_from_the_command_line_spec(void **state)
{
    (void)state;
    struct sim_options options;
    sim_test_options(&options);
    options.faults = "error_503:acc-1:2,gone:acc-4";
    struct sim *sim = sim_test_start(&options);
    char path[256];
    snprintf(path, sizeof(path), "/mastodon/api/v1/accounts/%s/statuses", sim->world.accounts[0].native_id);
    char *url = sim_test_url(sim, path);
    long statuses[3];
    for (int i = 0; i < 3; i++) {
        struct http_response r;
        http_get(url, &r);
        statuses[i] = r.status;
        http_response_free(&r);
    }
    assert_int_equal(statuses[0], 503);
    assert_int_equal(statuses[1], 503);
    assert_int_equal(statuses[2], 200);
    free(url);
    url = sim_test_url(sim, "/feed/acc-4.rss");
    struct http_response r;
    http_get(url, &r);
    assert_int_equal(r.status, 404);
    http_response_free(&r);
    free(url);
    sim_test_stop(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_rate_limit_fault, clear_faults),
        cmocka_unit_test_teardown(test_server_errors_in_platform_shapes, clear_faults),
        cmocka_unit_test_teardown(test_stall_holds_up_nobody_else, clear_faults),
        cmocka_unit_test_teardown(test_truncated_body, clear_faults),
        cmocka_unit_test_teardown(test_invalid_body, clear_faults),
        cmocka_unit_test_teardown(test_oversized_body, clear_faults),
        cmocka_unit_test_teardown(test_redirects, clear_faults),
        cmocka_unit_test_teardown(test_slow_drip, clear_faults),
        cmocka_unit_test_teardown(test_gone_in_platform_shapes, clear_faults),
        cmocka_unit_test_teardown(test_fault_scope_and_count, clear_faults),
        cmocka_unit_test_teardown(test_bad_fault_requests, clear_faults),
        cmocka_unit_test(test_faults_from_the_command_line_spec),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
