/* The fetch engine against a real HTTP server on loopback: what a request comes back as, the
 * limits that protect netra from hostile answers, and the politeness that protects the
 * platforms from netra. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "config/log.h"
#include "crawler/fetch.h"
#include "crawler/fetch_headers.h"
#include "tests/crawler/fetch_test_server.h"

#define MAX_OUTCOMES 16

/* What one done callback saw, copied out of the borrowed response. */
struct outcome {
    int calls;
    enum fetch_error error;
    char error_text[256];
    long status;
    char *body;
    size_t body_len;
    char *content_type, *etag, *last_modified, *link;
    long long retry_after_ms, rate_limit_reset_ms;
    long rate_limit_remaining;
    long long elapsed_ms, queued_ms;
    long long done_at_ms; /* wall clock */
};

struct harness {
    uv_loop_t loop;
    struct fetch *fetch;
    struct fetch_test_server *server;
    char base[64];  /* http://127.0.0.1:port */
    char other[64]; /* http://localhost:port: another host name for the same server */
    struct outcome outcomes[MAX_OUTCOMES];
};

static char *copy_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static void on_done(const struct fetch_response *response, void *data)
{
    struct outcome *outcome = data;
    outcome->calls++;
    if (outcome->calls > 1)
        return;
    outcome->error = response->error;
    snprintf(outcome->error_text, sizeof(outcome->error_text), "%s", response->error_text);
    outcome->status = response->status;
    assert_non_null(response->body);
    assert_int_equal(response->body[response->body_len], '\0');
    outcome->body = malloc(response->body_len + 1);
    memcpy(outcome->body, response->body, response->body_len + 1);
    outcome->body_len = response->body_len;
    outcome->content_type = copy_or_null(response->content_type);
    outcome->etag = copy_or_null(response->etag);
    outcome->last_modified = copy_or_null(response->last_modified);
    outcome->link = copy_or_null(response->link);
    outcome->retry_after_ms = response->retry_after_ms;
    outcome->rate_limit_reset_ms = response->rate_limit_reset_ms;
    outcome->rate_limit_remaining = response->rate_limit_remaining;
    outcome->elapsed_ms = response->elapsed_ms;
    outcome->queued_ms = response->queued_ms;
    outcome->done_at_ms = fetch_test_wall_ms();
}

static struct fetch_limits default_limits(void)
{
    struct fetch_limits limits = {
        .connect_timeout_ms = 2000,
        .total_timeout_ms = 5000,
        .low_speed_bytes = 1,
        .low_speed_time_s = 30,
        .max_body_bytes = 1 << 20,
        .max_connections = 4,
        .min_interval_ms = 0,
        .max_total_connections = 16,
        .user_agent = "netra-test/1",
    };
    return limits;
}

static void open_engine(struct harness *h, const struct fetch_limits *limits)
{
    char err[NETRA_ERR_LEN];
    if (fetch_open(&h->loop, limits, &h->fetch, err, sizeof(err)) != 0)
        fail_msg("fetch_open: %s", err);
}

static int setup(void **state)
{
    struct harness *h = calloc(1, sizeof(*h));
    h->server = fetch_test_server_start();
    int port = fetch_test_server_port(h->server);
    snprintf(h->base, sizeof(h->base), "http://127.0.0.1:%d", port);
    snprintf(h->other, sizeof(h->other), "http://localhost:%d", port);
    assert_int_equal(uv_loop_init(&h->loop), 0);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    struct harness *h = *state;
    if (h->fetch != NULL) {
        fetch_close(h->fetch);
        uv_run(&h->loop, UV_RUN_DEFAULT);
    }
    /* Every handle of the engine is closed: nothing leaks into the loop. */
    assert_int_equal(uv_loop_close(&h->loop), 0);
    fetch_test_server_stop(h->server);
    for (int i = 0; i < MAX_OUTCOMES; i++) {
        struct outcome *o = &h->outcomes[i];
        assert_true(o->calls <= 1);
        free(o->body);
        free(o->content_type);
        free(o->etag);
        free(o->last_modified);
        free(o->link);
    }
    free(h);
    return 0;
}

/* A request for url (a path is taken relative to base) on politeness key, allowed to reach the
 * hosts named in the NULL-terminated list (default: 127.0.0.1). */
static struct fetch_request request_for(const char *url, const char *key, const char **hosts)
{
    static const char *loopback[] = {"127.0.0.1", NULL};
    struct fetch_request request;
    memset(&request, 0, sizeof(request));
    request.url = url;
    request.politeness_key = key;
    for (const char **host = hosts != NULL ? hosts : loopback; *host != NULL; host++)
        request.allowed_hosts[request.allowed_host_count++] = *host;
    return request;
}

static void submit_request(struct harness *h, const struct fetch_request *request, int slot)
{
    char err[NETRA_ERR_LEN];
    if (fetch_submit(h->fetch, request, on_done, &h->outcomes[slot], err, sizeof(err)) != 0)
        fail_msg("fetch_submit: %s", err);
}

static void submit(struct harness *h, const char *path, const char *key, int slot)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", h->base, path);
    struct fetch_request request = request_for(url, key, NULL);
    submit_request(h, &request, slot);
}

/* Runs the loop until outcomes [0, count) are all done. */
static void run_until_done(struct harness *h, int count)
{
    for (;;) {
        int done = 0;
        for (int i = 0; i < count; i++)
            done += h->outcomes[i].calls > 0;
        if (done == count)
            return;
        uv_run(&h->loop, UV_RUN_ONCE);
    }
}

static struct outcome *fetch_one(struct harness *h, const char *path)
{
    if (h->fetch == NULL) {
        struct fetch_limits limits = default_limits();
        open_engine(h, &limits);
    }
    submit(h, path, NULL, 0); /* the key defaults to the URL's host */
    run_until_done(h, 1);
    return &h->outcomes[0];
}

static void assert_error(const struct outcome *outcome, enum fetch_error error)
{
    if (outcome->error != error)
        fail_msg("expected error %d, got %d (%s)", error, outcome->error, outcome->error_text);
    if (error != FETCH_OK)
        assert_true(outcome->error_text[0] != '\0');
}

static struct fetch_test_hits hits(struct harness *h, const char *path)
{
    struct fetch_test_hits seen;
    fetch_test_server_hits(h->server, path, &seen);
    return seen;
}

/* ---- answers ---- */

static void an_answer_carries_its_body_and_the_headers_netra_reads(void **state)
{
    struct harness *h = *state;
    struct outcome *o = fetch_one(h, "/ok");
    assert_error(o, FETCH_OK);
    assert_int_equal(o->status, 200);
    assert_string_equal(o->body, "hello netra");
    assert_int_equal(o->body_len, 11);
    assert_string_equal(o->error_text, "");
    assert_string_equal(o->content_type, "application/json; charset=utf-8");
    assert_string_equal(o->etag, "\"v1\"");
    assert_string_equal(o->last_modified, "Sun, 22 Nov 2026 10:00:00 GMT");
    assert_string_equal(o->link, "<http://127.0.0.1/ok?max_id=1>; rel=\"next\"");
    assert_int_equal(o->retry_after_ms, -1);
    assert_int_equal(o->rate_limit_reset_ms, -1);
    assert_int_equal(o->rate_limit_remaining, -1);
    assert_true(o->elapsed_ms >= 0 && o->elapsed_ms < 2000);
    assert_int_equal(fetch_pending(h->fetch), 0);
}

static void an_error_status_is_an_answer_not_a_failure(void **state)
{
    struct harness *h = *state;
    struct outcome *o = fetch_one(h, "/nowhere");
    assert_error(o, FETCH_OK);
    assert_int_equal(o->status, 404);
    assert_string_equal(o->body, "not found");
    assert_null(o->etag);
}

static void gzip_is_decoded(void **state)
{
    struct harness *h = *state;
    struct outcome *o = fetch_one(h, "/gzip");
    assert_error(o, FETCH_OK);
    assert_int_equal(o->body_len, 1100);
    for (size_t i = 0; i < 1100; i += 11)
        assert_memory_equal(o->body + i, "hello netra", 11);
}

static void bad_gzip_is_a_protocol_error(void **state)
{
    struct harness *h = *state;
    assert_error(fetch_one(h, "/bad-gzip"), FETCH_ERROR_PROTOCOL);
}

static void a_matching_etag_gets_304_with_no_body(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    open_engine(h, &limits);
    char url[128];
    snprintf(url, sizeof(url), "%s/etag", h->base);
    struct fetch_request conditional = request_for(url, "k", NULL);
    conditional.etag = "\"v1\"";
    conditional.last_modified = "Sun, 22 Nov 2026 10:00:00 GMT";
    submit_request(h, &conditional, 0);
    struct fetch_request stale = request_for(url, "k", NULL);
    stale.etag = "\"v0\"";
    submit_request(h, &stale, 1);
    run_until_done(h, 2);
    assert_error(&h->outcomes[0], FETCH_OK);
    assert_int_equal(h->outcomes[0].status, 304);
    assert_string_equal(h->outcomes[0].body, "");
    assert_int_equal(h->outcomes[0].body_len, 0);
    assert_error(&h->outcomes[1], FETCH_OK);
    assert_int_equal(h->outcomes[1].status, 200);
    assert_string_equal(h->outcomes[1].body, "hello netra");
}

static void a_validator_with_a_line_break_is_dropped_not_sent(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    open_engine(h, &limits);
    char url[128];
    snprintf(url, sizeof(url), "%s/etag", h->base);
    struct fetch_request request = request_for(url, "k", NULL);
    request.etag = "\"v1\"\r\nX-Injected: 1";
    submit_request(h, &request, 0);
    run_until_done(h, 1);
    assert_error(&h->outcomes[0], FETCH_OK);
    assert_int_equal(h->outcomes[0].status, 200);
}

/* ---- URLs and redirects ---- */

static void done_is_never_called_from_inside_submit(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    open_engine(h, &limits);
    submit(h, "/ok", "k", 0);
    struct fetch_request bad = request_for("ftp://127.0.0.1/x", "k", NULL);
    submit_request(h, &bad, 1);
    assert_int_equal(h->outcomes[0].calls + h->outcomes[1].calls, 0);
    assert_int_equal(fetch_pending(h->fetch), 2);
    run_until_done(h, 2);
    assert_int_equal(fetch_pending(h->fetch), 0);
}

static void only_http_urls_of_allowed_hosts_are_fetched(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    open_engine(h, &limits);
    char other_host[128], header_break[128];
    snprintf(other_host, sizeof(other_host), "%s/ok", h->other);
    snprintf(header_break, sizeof(header_break), "%s/ok", h->base);
    const char *urls[] = {"ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1/",
                          "not a url", "", other_host};
    size_t count = sizeof(urls) / sizeof(urls[0]);
    for (size_t i = 0; i < count; i++) {
        struct fetch_request request = request_for(urls[i], "k", NULL);
        submit_request(h, &request, (int)i);
    }
    struct fetch_request smuggler = request_for(header_break, "k", NULL);
    smuggler.headers[0] = "Accept: */*\r\nX-Injected: 1";
    smuggler.header_count = 1;
    submit_request(h, &smuggler, (int)count);
    struct fetch_request overfull = request_for(header_break, "k", NULL);
    overfull.header_count = FETCH_MAX_HEADERS + 1;
    submit_request(h, &overfull, (int)count + 1);
    run_until_done(h, (int)count + 2);
    for (size_t i = 0; i <= count + 1; i++)
        assert_error(&h->outcomes[i], FETCH_ERROR_BAD_URL);
    assert_non_null(strstr(h->outcomes[count].error_text, "line break"));
    assert_non_null(strstr(h->outcomes[count + 1].error_text, "more than 8 request headers"));
    assert_non_null(strstr(h->outcomes[0].error_text, "scheme ftp is not http or https"));
    assert_non_null(strstr(h->outcomes[count - 1].error_text, "host localhost is not allowed"));
    assert_int_equal(hits(h, "/ok").count, 0);
}

static void a_redirect_to_an_allowed_host_is_followed(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    open_engine(h, &limits);
    const char *both[] = {"127.0.0.1", "localhost", NULL};
    char url[256];
    snprintf(url, sizeof(url), "%s/redirect?to=/ok", h->base);
    struct fetch_request same_host = request_for(url, "k", NULL);
    submit_request(h, &same_host, 0);
    run_until_done(h, 1);
    assert_error(&h->outcomes[0], FETCH_OK);
    assert_int_equal(h->outcomes[0].status, 200);
    assert_string_equal(h->outcomes[0].body, "hello netra");

    snprintf(url, sizeof(url), "%s/redirect?to=%s/ok", h->base, h->other);
    struct fetch_request cross = request_for(url, "k", both);
    cross.headers[0] = "Authorization: Bearer secret";
    cross.headers[1] = "Accept: application/json";
    cross.header_count = 2;
    submit_request(h, &cross, 1);
    run_until_done(h, 2);
    assert_error(&h->outcomes[1], FETCH_OK);
    assert_string_equal(h->outcomes[1].body, "hello netra");
    /* The token was for 127.0.0.1: it does not follow a redirect to another host. */
    assert_string_equal(hits(h, "/redirect").authorization, "Bearer secret");
    assert_string_equal(hits(h, "/ok").authorization, "");
}

static void a_redirect_to_a_host_not_allowed_is_refused(void **state)
{
    struct harness *h = *state;
    char path[256];
    snprintf(path, sizeof(path), "/redirect?to=%s/ok", h->other);
    struct outcome *o = fetch_one(h, path);
    assert_error(o, FETCH_ERROR_REDIRECT);
    assert_non_null(strstr(o->error_text, "host localhost is not allowed"));
    assert_int_equal(hits(h, "/ok").count, 0);
}

static void a_redirect_to_another_scheme_is_refused(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    open_engine(h, &limits);
    const char *targets[] = {"ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)"};
    for (int i = 0; i < 3; i++) {
        char path[256];
        snprintf(path, sizeof(path), "/redirect?to=%s", targets[i]);
        submit(h, path, "k", i);
    }
    run_until_done(h, 3);
    for (int i = 0; i < 3; i++)
        assert_error(&h->outcomes[i], FETCH_ERROR_REDIRECT);
}

static void a_redirect_loop_stops_after_five_hops(void **state)
{
    struct harness *h = *state;
    struct outcome *o = fetch_one(h, "/loop");
    assert_error(o, FETCH_ERROR_REDIRECT);
    assert_non_null(strstr(o->error_text, "more than 5 redirects"));
    assert_int_equal(hits(h, "/loop").count, 6);
}

/* ---- limits on what comes back ---- */

static void a_body_over_the_limit_is_aborted(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.max_body_bytes = 65536;
    open_engine(h, &limits);
    submit(h, "/big?n=2097152", "k", 0);         /* refused on its Content-Length */
    submit(h, "/big-chunked?n=2097152", "k", 1); /* no length: cut while it streams */
    submit(h, "/big?n=65536", "k", 2);           /* exactly the limit is fine */
    submit(h, "/big-chunked?n=65537", "k", 3);   /* one byte over is not */
    run_until_done(h, 4);
    assert_error(&h->outcomes[0], FETCH_ERROR_TOO_BIG);
    assert_error(&h->outcomes[1], FETCH_ERROR_TOO_BIG);
    assert_error(&h->outcomes[2], FETCH_OK);
    assert_int_equal(h->outcomes[2].body_len, 65536);
    assert_error(&h->outcomes[3], FETCH_ERROR_TOO_BIG);
}

static void a_small_gzip_that_inflates_past_the_limit_is_aborted(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.max_body_bytes = 65536;
    open_engine(h, &limits);
    submit(h, "/gzip-bomb?n=1048576", "k", 0);
    submit(h, "/gzip-bomb?n=60000", "k", 1);
    run_until_done(h, 2);
    assert_error(&h->outcomes[0], FETCH_ERROR_TOO_BIG);
    assert_error(&h->outcomes[1], FETCH_OK);
    assert_int_equal(h->outcomes[1].body_len, 60000);
}

static void a_truncated_body_is_a_protocol_error(void **state)
{
    struct harness *h = *state;
    assert_error(fetch_one(h, "/truncate"), FETCH_ERROR_PROTOCOL);
}

static void hostile_headers_are_capped(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    open_engine(h, &limits);
    submit(h, "/many-headers", "k", 0);
    submit(h, "/long-header", "k", 1);
    run_until_done(h, 2);
    assert_error(&h->outcomes[0], FETCH_ERROR_PROTOCOL);
    assert_non_null(strstr(h->outcomes[0].error_text, "header lines"));
    assert_error(&h->outcomes[1], FETCH_ERROR_PROTOCOL);
    assert_non_null(strstr(h->outcomes[1].error_text, "longer than"));
}

/* ---- timeouts and connection failures ---- */

static void a_stalled_server_times_out(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.total_timeout_ms = 800;
    open_engine(h, &limits);
    submit(h, "/stall", "k", 0);
    run_until_done(h, 1);
    assert_error(&h->outcomes[0], FETCH_ERROR_TIMEOUT);
    assert_in_range(h->outcomes[0].elapsed_ms, 750, 2000);
}

static void a_slow_drip_hits_the_low_speed_limit(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.low_speed_bytes = 100;
    limits.low_speed_time_s = 1;
    limits.total_timeout_ms = 20000;
    open_engine(h, &limits);
    submit(h, "/drip", "k", 0);
    run_until_done(h, 1);
    assert_error(&h->outcomes[0], FETCH_ERROR_TIMEOUT);
    assert_in_range(h->outcomes[0].elapsed_ms, 900, 5000);
}

static int unused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
    socklen_t len = sizeof(address);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&address, &len), 0);
    close(fd);
    return ntohs(address.sin_port);
}

static void a_refused_connection_is_a_connect_error(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    open_engine(h, &limits);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok", unused_port());
    struct fetch_request request = request_for(url, "k", NULL);
    submit_request(h, &request, 0);
    run_until_done(h, 1);
    assert_error(&h->outcomes[0], FETCH_ERROR_CONNECT);
    assert_int_equal(h->outcomes[0].status, 0);
}

static void connections_are_kept_alive_and_reused(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.max_connections = 1;
    open_engine(h, &limits);
    for (int i = 0; i < 5; i++)
        submit(h, "/ok", "k", i);
    run_until_done(h, 5);
    assert_int_equal(hits(h, "/ok").count, 5);
    assert_int_equal(fetch_test_server_connections(h->server), 1);
}

/* ---- politeness ---- */

static void a_key_never_has_more_than_max_connections(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.max_connections = 2;
    open_engine(h, &limits);
    for (int i = 0; i < 8; i++)
        submit(h, "/slow?ms=150", "mastodon.example", i);
    run_until_done(h, 8);
    for (int i = 0; i < 8; i++)
        assert_error(&h->outcomes[i], FETCH_OK);
    struct fetch_test_hits seen = hits(h, "/slow");
    assert_int_equal(seen.count, 8);
    assert_int_equal(seen.max_in_flight, 2);
    /* Four rounds of two: the last ones waited for three rounds. */
    assert_true(h->outcomes[7].queued_ms >= 3 * 150 - 20);
}

static void keys_run_side_by_side(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.max_connections = 1;
    open_engine(h, &limits);
    const char *both[] = {"127.0.0.1", "localhost", NULL};
    for (int i = 0; i < 6; i++) {
        char url[128];
        snprintf(url, sizeof(url), "%s/slow?ms=200", i % 2 ? h->other : h->base);
        struct fetch_request request = request_for(url, i % 2 ? "localhost" : "127.0.0.1", both);
        submit_request(h, &request, i);
    }
    run_until_done(h, 6);
    struct fetch_test_hits seen = hits(h, "/slow");
    assert_int_equal(seen.count, 6);
    assert_int_equal(seen.max_in_flight, 2);
}

static void the_engine_wide_limit_holds_across_keys(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.max_connections = 4;
    limits.max_total_connections = 3;
    open_engine(h, &limits);
    for (int i = 0; i < 9; i++) {
        char key[16];
        snprintf(key, sizeof(key), "token-%d", i % 3);
        submit(h, "/slow?ms=150", key, i);
    }
    run_until_done(h, 9);
    assert_int_equal(hits(h, "/slow").max_in_flight, 3);
    /* Three rounds of three: the last round waited in the engine, not inside curl. */
    long long longest_queued = 0;
    for (int i = 0; i < 9; i++)
        if (h->outcomes[i].queued_ms > longest_queued)
            longest_queued = h->outcomes[i].queued_ms;
    assert_true(longest_queued >= 2 * 150 - 20);
}

static void starts_on_a_key_are_min_interval_apart(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.min_interval_ms = 200;
    open_engine(h, &limits);
    for (int i = 0; i < 4; i++)
        submit(h, "/ok", "k", i);
    submit(h, "/gzip", "another-key", 4); /* not held back by k's interval */
    run_until_done(h, 5);
    struct fetch_test_hits seen = hits(h, "/ok");
    assert_int_equal(seen.count, 4);
    for (int i = 1; i < 4; i++) {
        long long gap = seen.arrived_ms[i] - seen.arrived_ms[i - 1];
        if (gap < 190)
            fail_msg("requests %d and %d on one key arrived %lld ms apart", i - 1, i, gap);
        assert_true(h->outcomes[i].queued_ms >= i * 200 - 5);
    }
    assert_true(h->outcomes[4].queued_ms < 100);
}

static void retry_after_holds_the_key_back(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.max_connections = 1;
    open_engine(h, &limits);
    submit(h, "/429?retry=1", "k", 0);
    submit(h, "/ok", "k", 1);
    run_until_done(h, 2);
    assert_error(&h->outcomes[0], FETCH_OK);
    assert_int_equal(h->outcomes[0].status, 429);
    assert_int_equal(h->outcomes[0].retry_after_ms, 1000);
    assert_error(&h->outcomes[1], FETCH_OK);
    long long waited = hits(h, "/ok").arrived_ms[0] - h->outcomes[0].done_at_ms;
    if (waited < 995)
        fail_msg("the request after a 429 with Retry-After: 1 started %lld ms later", waited);
    assert_true(h->outcomes[1].queued_ms >= 1000);
}

static void retry_after_as_an_http_date_is_understood(void **state)
{
    struct harness *h = *state;
    struct outcome *o = fetch_one(h, "/503-date?retry=3");
    assert_int_equal(o->status, 503);
    /* The date has whole seconds: 3 s ahead of a time inside the current second. */
    assert_in_range(o->retry_after_ms, 1500, 3000);
}

static void a_spent_budget_waits_for_its_reset(const char *path, void **state)
{
    char path_and_query[128];
    snprintf(path_and_query, sizeof(path_and_query), "%s?in=1", path);
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.max_connections = 1;
    open_engine(h, &limits);
    submit(h, path_and_query, "k", 0);
    submit(h, "/ok", "k", 1);
    run_until_done(h, 2);
    struct outcome *spent = &h->outcomes[0];
    assert_error(spent, FETCH_OK);
    assert_int_equal(spent->rate_limit_remaining, 0);
    long long arrived = hits(h, path).arrived_ms[0];
    /* Reset is whole seconds 1..2 s after the answer was made. */
    assert_in_range(spent->rate_limit_reset_ms, arrived + 0, arrived + 2000);
    assert_true(spent->rate_limit_reset_ms % 1000 == 0);
    long long next = hits(h, "/ok").arrived_ms[0];
    if (next < spent->rate_limit_reset_ms)
        fail_msg("the next request started %lld ms before the reset",
                 spent->rate_limit_reset_ms - next);
}

static void a_spent_mastodon_budget_waits_for_its_reset(void **state)
{
    a_spent_budget_waits_for_its_reset("/ratelimit-mastodon", state);
}

static void a_spent_x_budget_waits_for_its_reset(void **state)
{
    a_spent_budget_waits_for_its_reset("/ratelimit-x", state);
}

static void a_spent_bluesky_budget_waits_for_its_reset(void **state)
{
    a_spent_budget_waits_for_its_reset("/ratelimit-bluesky", state);
}

/* ---- closing ---- */

static void close_cancels_queued_and_running_requests_once_each(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.max_connections = 2;
    open_engine(h, &limits);
    for (int i = 0; i < 5; i++)
        submit(h, "/stall", "k", i);
    while (hits(h, "/stall").count < 2)
        uv_run(&h->loop, UV_RUN_NOWAIT);
    for (int i = 0; i < 5; i++)
        if (h->outcomes[i].calls)
            fail_msg("request %d ended before the close: %s", i, h->outcomes[i].error_text);
    assert_int_equal(fetch_pending(h->fetch), 5);
    fetch_close(h->fetch);
    char err[NETRA_ERR_LEN];
    struct fetch_request late = request_for("http://127.0.0.1/ok", "k", NULL);
    assert_int_equal(fetch_submit(h->fetch, &late, on_done, &h->outcomes[5], err, sizeof(err)),
                     -1);
    uv_run(&h->loop, UV_RUN_DEFAULT);
    h->fetch = NULL;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(h->outcomes[i].calls, 1);
        assert_error(&h->outcomes[i], FETCH_ERROR_CANCELLED);
    }
    assert_int_equal(h->outcomes[5].calls, 0);
}

struct closer {
    struct harness *harness;
    int calls;
};

static void close_from_done(const struct fetch_response *response, void *data)
{
    struct closer *closer = data;
    closer->calls++;
    assert_int_equal(response->error, FETCH_OK);
    fetch_close(closer->harness->fetch);
}

static void a_done_callback_may_close_the_engine(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    open_engine(h, &limits);
    char err[NETRA_ERR_LEN], url[128];
    snprintf(url, sizeof(url), "%s/ok", h->base);
    struct closer closer = {h, 0};
    struct fetch_request request = request_for(url, "k", NULL);
    assert_int_equal(fetch_submit(h->fetch, &request, close_from_done, &closer, err,
                                  sizeof(err)), 0);
    submit(h, "/stall", "k", 0);
    submit(h, "/stall", "k", 1);
    uv_run(&h->loop, UV_RUN_DEFAULT);
    h->fetch = NULL;
    assert_int_equal(closer.calls, 1);
    assert_error(&h->outcomes[0], FETCH_ERROR_CANCELLED);
    assert_error(&h->outcomes[1], FETCH_ERROR_CANCELLED);
}

struct chain {
    struct harness *harness;
    int remaining;
    int calls;
};

static void submit_again(const struct fetch_response *response, void *data);

static void submit_chained(struct chain *chain)
{
    char err[NETRA_ERR_LEN], url[128];
    snprintf(url, sizeof(url), "%s/ok", chain->harness->base);
    struct fetch_request request = request_for(url, "k", NULL);
    assert_int_equal(fetch_submit(chain->harness->fetch, &request, submit_again, chain, err,
                                  sizeof(err)), 0);
}

static void submit_again(const struct fetch_response *response, void *data)
{
    struct chain *chain = data;
    chain->calls++;
    assert_int_equal(response->error, FETCH_OK);
    if (--chain->remaining > 0)
        submit_chained(chain);
}

static void a_done_callback_may_submit_the_next_request(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    open_engine(h, &limits);
    struct chain chain = {h, 3, 0};
    submit_chained(&chain);
    while (chain.calls < 3)
        uv_run(&h->loop, UV_RUN_ONCE);
    assert_int_equal(hits(h, "/ok").count, 3);
    assert_int_equal(fetch_pending(h->fetch), 0);
}

static void bad_limits_are_refused(void **state)
{
    struct harness *h = *state;
    struct fetch_limits limits = default_limits();
    limits.max_connections = 0;
    struct fetch *fetch = NULL;
    char err[NETRA_ERR_LEN];
    assert_int_equal(fetch_open(&h->loop, &limits, &fetch, err, sizeof(err)), -1);
    assert_null(fetch);
    assert_non_null(strstr(err, "connections"));
    limits = default_limits();
    limits.user_agent = "netra\r\nX-Injected: 1";
    assert_int_equal(fetch_open(&h->loop, &limits, &fetch, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "user_agent"));
}

/* ---- header values ---- */

static void retry_after_values(void **state)
{
    (void)state;
    long long wait;
    long long now = 1795000000000LL; /* 2026-11-18T11:06:40Z */
    assert_int_equal(fetch_headers_retry_after("120", now, &wait), 0);
    assert_int_equal(wait, 120000);
    assert_int_equal(fetch_headers_retry_after(" 0 ", now, &wait), 0);
    assert_int_equal(wait, 0);
    assert_int_equal(fetch_headers_retry_after("99999999999999999999999", now, &wait), 0);
    assert_int_equal(wait, FETCH_HEADERS_MAX_WAIT_MS);
    assert_int_equal(fetch_headers_retry_after("Wed, 18 Nov 2026 11:07:40 GMT", now, &wait), 0);
    assert_int_equal(wait, 60000);
    assert_int_equal(fetch_headers_retry_after("Wed, 18 Nov 2026 11:00:00 GMT", now, &wait), 0);
    assert_int_equal(wait, 0); /* in the past: no wait */
    assert_int_equal(fetch_headers_retry_after("-5", now, &wait), -1);
    assert_int_equal(fetch_headers_retry_after("", now, &wait), -1);
    assert_int_equal(fetch_headers_retry_after("soon", now, &wait), -1);
}

static void rate_limit_reset_values(void **state)
{
    (void)state;
    long long reset;
    long long now = 1795000000000LL;
    assert_int_equal(fetch_headers_rate_limit_reset("1795000300", now, &reset), 0); /* X */
    assert_int_equal(reset, 1795000300000LL);
    assert_int_equal(fetch_headers_rate_limit_reset("2026-11-18T11:11:40.019685Z", now, &reset),
                     0); /* Mastodon */
    assert_int_equal(reset, 1795000300019LL);
    assert_int_equal(fetch_headers_rate_limit_reset("2026-11-18T18:11:40+07:00", now, &reset),
                     0);
    assert_int_equal(reset, 1795000300000LL);
    assert_int_equal(fetch_headers_rate_limit_reset("30", now, &reset), 0); /* a delta */
    assert_int_equal(reset, now + 30000);
    assert_int_equal(fetch_headers_rate_limit_reset("4102444800", now, &reset), 0); /* 2100 */
    assert_int_equal(reset, now + FETCH_HEADERS_MAX_WAIT_MS);
    assert_int_equal(fetch_headers_rate_limit_reset("2026-02-31T00:00:00Z", now, &reset), -1);
    assert_int_equal(fetch_headers_rate_limit_reset("2026-11-18T11:11:40", now, &reset), -1);
    assert_int_equal(fetch_headers_rate_limit_reset("2026-11-18 11:11:40Z", now, &reset), -1);
    assert_int_equal(fetch_headers_rate_limit_reset("1e9", now, &reset), -1);

    long count;
    assert_int_equal(fetch_headers_count("0", &count), 0);
    assert_int_equal(count, 0);
    assert_int_equal(fetch_headers_count("299", &count), 0);
    assert_int_equal(count, 299);
    assert_int_equal(fetch_headers_count("-1", &count), -1);
    assert_int_equal(fetch_headers_count("12abc", &count), -1);
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(an_answer_carries_its_body_and_the_headers_netra_reads,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(an_error_status_is_an_answer_not_a_failure, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(gzip_is_decoded, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_gzip_is_a_protocol_error, setup, teardown),
        cmocka_unit_test_setup_teardown(a_matching_etag_gets_304_with_no_body, setup, teardown),
        cmocka_unit_test_setup_teardown(a_validator_with_a_line_break_is_dropped_not_sent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(done_is_never_called_from_inside_submit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(only_http_urls_of_allowed_hosts_are_fetched, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_redirect_to_an_allowed_host_is_followed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_redirect_to_a_host_not_allowed_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_redirect_to_another_scheme_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_redirect_loop_stops_after_five_hops, setup, teardown),
        cmocka_unit_test_setup_teardown(a_body_over_the_limit_is_aborted, setup, teardown),
        cmocka_unit_test_setup_teardown(a_small_gzip_that_inflates_past_the_limit_is_aborted,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_truncated_body_is_a_protocol_error, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_headers_are_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(a_stalled_server_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(a_slow_drip_hits_the_low_speed_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(a_refused_connection_is_a_connect_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(connections_are_kept_alive_and_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_key_never_has_more_than_max_connections, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(keys_run_side_by_side, setup, teardown),
        cmocka_unit_test_setup_teardown(the_engine_wide_limit_holds_across_keys, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(starts_on_a_key_are_min_interval_apart, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(retry_after_holds_the_key_back, setup, teardown),
        cmocka_unit_test_setup_teardown(retry_after_as_an_http_date_is_understood, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_spent_mastodon_budget_waits_for_its_reset, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_spent_x_budget_waits_for_its_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(a_spent_bluesky_budget_waits_for_its_reset, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(close_cancels_queued_and_running_requests_once_each,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_done_callback_may_close_the_engine, setup, teardown),
        cmocka_unit_test_setup_teardown(a_done_callback_may_submit_the_next_request, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_limits_are_refused, setup, teardown),
        cmocka_unit_test(retry_after_values),
        cmocka_unit_test(rate_limit_reset_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
