/* netra-desk's server: authentication on every route, roles, limits, security headers, static
 * files, health, and a clean stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <regex.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "desk/desk.h"
#include "tests/desk/desk_test.h"
#include "tests/support/test_support.h"

static struct desk_test desk;

static int start(void **state)
{
    (void)state;
    desk_test_start(&desk, "desk_server", NULL);
    return 0;
}

static int stop(void **state)
{
    (void)state;
    desk_test_stop(&desk);
    return 0;
}

/* A concrete path for a route: prefixes get an id after them. */
static void route_path(const struct desk_route *route, char *out, size_t out_len)
{
    size_t len = strlen(route->path);
    snprintf(out, out_len, "%s%s", route->path,
             route->path[len - 1] == '/' ? "0123456789abcdef0123456789abcdef" : "");
}

static void every_route_but_the_public_ones_needs_authentication(void **state)
{
    (void)state;
    size_t public_routes = 0;
    for (size_t i = 0; i < desk_route_count; i++) {
        const struct desk_route *route = &desk_routes[i];
        char path[256], header[256];
        struct desk_test_response response;
        if (route->roles == 0) {
            public_routes++;
            continue;
        }
        route_path(route, path, sizeof(path));
        desk_test_request(&desk, route->method, path, NULL,
                          strcmp(route->method, "GET") == 0 ? NULL : "{}", &response);
        if (response.status != 401)
            fail_msg("%s %s without credentials: %ld, want 401", route->method, path,
                     response.status);
        assert_non_null(desk_test_header(&response, "WWW-Authenticate", header, sizeof(header)));
        assert_string_equal(header, "Bearer realm=\"netra-desk\"");
        desk_test_response_free(&response);

    }
    /* /healthz and /api/login, nothing else. */
    assert_int_equal(public_routes, 2);
}

/* One try only: failures from this address count towards its slowdown (test_desk_auth). */
static void a_forged_token_is_401(void **state)
{
    (void)state;
    struct desk_test_auth forged = {"token-rina-0123456789abcdeX", NULL, NULL};
    struct desk_test_response response;
    desk_test_request(&desk, "GET", "/api/me", &forged, NULL, &response);
    assert_int_equal(response.status, 401);
    assert_string_equal(response.body, "{\"error\":\"invalid token\"}");
    desk_test_response_free(&response);
}

static void unknown_api_paths_need_authentication_before_they_are_not_found(void **state)
{
    (void)state;
    struct desk_test_response response;
    desk_test_request(&desk, "GET", "/api/no-such-thing", NULL, NULL, &response);
    assert_int_equal(response.status, 401);
    desk_test_response_free(&response);
    desk_test_request(&desk, "GET", "/api/no-such-thing", &desk_test_reviewer, NULL, &response);
    assert_int_equal(response.status, 404);
    desk_test_response_free(&response);
}

static void each_role_is_refused_the_routes_it_has_no_right_to(void **state)
{
    (void)state;
    const struct {
        const struct desk_test_auth *auth;
        enum desk_role role;
    } users[] = {
        {&desk_test_reviewer, DESK_ROLE_REVIEWER},
        {&desk_test_supervisor, DESK_ROLE_SUPERVISOR},
        {&desk_test_feed, DESK_ROLE_FEED},
    };
    size_t refusals = 0, closed_routes = 0;
    for (size_t i = 0; i < desk_route_count; i++) {
        const struct desk_route *route = &desk_routes[i];
        char path[256];
        if (route->roles == 0)
            continue;
        route_path(route, path, sizeof(path));
        closed_routes += route->roles != DESK_ROLES_ANY;
        for (size_t u = 0; u < sizeof(users) / sizeof(users[0]); u++) {
            if ((route->roles & (int)users[u].role) != 0)
                continue;
            struct desk_test_response response;
            desk_test_request(&desk, route->method, path, users[u].auth,
                              strcmp(route->method, "GET") == 0 ? NULL : "{}", &response);
            if (response.status != 403)
                fail_msg("%s %s as %s: %ld, want 403", route->method, path,
                         users[u].auth->token, response.status);
            desk_test_response_free(&response);
            refusals++;
        }
    }
    /* Every route closed to some role was tried by at least one of them. */
    assert_true(refusals >= closed_routes);
}

static void a_wrong_method_is_405_with_the_allowed_ones(void **state)
{
    (void)state;
    struct desk_test_response response;
    char allow[128];
    desk_test_request(&desk, "DELETE", "/api/me", &desk_test_reviewer, NULL, &response);
    assert_int_equal(response.status, 405);
    assert_non_null(desk_test_header(&response, "Allow", allow, sizeof(allow)));
    assert_string_equal(allow, "GET");
    desk_test_response_free(&response);
}

static void every_answer_carries_the_security_headers(void **state)
{
    (void)state;
    const char *paths[] = {"/healthz", "/api/me", "/api/nothing", "/no-such-file.html"};
    const struct desk_test_auth *auths[] = {NULL, &desk_test_reviewer, NULL, NULL};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct desk_test_response response;
        char value[512];
        desk_test_request(&desk, "GET", paths[i], auths[i], NULL, &response);
        assert_non_null(desk_test_header(&response, "Content-Security-Policy", value,
                                         sizeof(value)));
        assert_string_equal(value, "default-src 'self'; script-src 'self'; style-src 'self'; "
                                   "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                                   "frame-ancestors 'none'");
        assert_non_null(desk_test_header(&response, "X-Content-Type-Options", value,
                                         sizeof(value)));
        assert_string_equal(value, "nosniff");
        assert_non_null(desk_test_header(&response, "Referrer-Policy", value, sizeof(value)));
        assert_string_equal(value, "no-referrer");
        if (strncmp(paths[i], "/api/", 5) == 0) {
            assert_non_null(desk_test_header(&response, "Cache-Control", value, sizeof(value)));
            assert_string_equal(value, "no-store");
        }
        desk_test_response_free(&response);
    }
}

static void a_body_over_the_limit_is_413(void **state)
{
    (void)state;
    size_t len = (size_t)desk.config->desk.max_body_bytes + 1;
    char *body = malloc(len);
    assert_non_null(body);
    memset(body, 'a', len);
    struct desk_test_response response;
    desk_test_request_typed(&desk, "POST", "/api/logout", &desk_test_reviewer, "text/plain", body,
                            len, &response);
    assert_int_equal(response.status, 413);
    desk_test_response_free(&response);
    /* Exactly the limit is fine. */
    desk_test_request_typed(&desk, "POST", "/api/logout", &desk_test_reviewer, "text/plain", body,
                            len - 1, &response);
    assert_int_equal(response.status, 200);
    desk_test_response_free(&response);
    free(body);
}

static void headers_over_the_limit_are_refused(void **state)
{
    (void)state;
    size_t len = (size_t)desk.config->desk.max_header_bytes + 1024;
    char *path = malloc(len + 16);
    assert_non_null(path);
    memcpy(path, "/api/me?q=", 10);
    memset(path + 10, 'b', len);
    path[10 + len] = '\0';
    struct desk_test_response response;
    desk_test_request(&desk, "GET", path, &desk_test_reviewer, NULL, &response);
    if (response.status != 431)
        fail_msg("%zu bytes of headers: %ld, want 431", len, response.status);
    desk_test_response_free(&response);
    free(path);
    /* Far past the limit, libmicrohttpd refuses it before netra-desk sees it. */
    len = (size_t)desk.config->desk.max_header_bytes * 4;
    path = malloc(len + 16);
    assert_non_null(path);
    memcpy(path, "/api/me?q=", 10);
    memset(path + 10, 'b', len);
    path[10 + len] = '\0';
    desk_test_request(&desk, "GET", path, &desk_test_reviewer, NULL, &response);
    if (response.status != 431 && response.status != 414)
        fail_msg("%zu bytes of headers: %ld, want 431 or 414", len, response.status);
    desk_test_response_free(&response);
    free(path);
    /* The server still answers afterwards. */
    desk_test_request(&desk, "GET", "/healthz", NULL, NULL, &response);
    assert_int_equal(response.status, 200);
    desk_test_response_free(&response);
}

static void healthz_needs_no_token_and_says_redis_is_ok(void **state)
{
    (void)state;
    struct desk_test_response response;
    desk_test_request(&desk, "GET", "/healthz", NULL, NULL, &response);
    assert_int_equal(response.status, 200);
    assert_string_equal(response.body, "{\"redis\":\"ok\"}");
    desk_test_response_free(&response);
}

static void healthz_is_503_while_redis_hangs_and_200_again_after(void **state)
{
    (void)state;
    struct test_redis_server redis;
    struct desk_test private_desk;
    struct desk_test_response response;
    test_redis_server_start(&redis);
    desk_test_start_on(&private_desk, "desk_health", redis.url, NULL);
    desk_test_request(&private_desk, "GET", "/healthz", NULL, NULL, &response);
    assert_int_equal(response.status, 200);
    desk_test_response_free(&response);

    /* A stopped process keeps its socket open and never answers: the command times out. */
    assert_int_equal(kill(redis.pid, SIGSTOP), 0);
    desk_test_request(&private_desk, "GET", "/healthz", NULL, NULL, &response);
    assert_int_equal(kill(redis.pid, SIGCONT), 0);
    assert_int_equal(response.status, 503);
    assert_string_equal(response.body, "{\"redis\":\"unreachable\"}");
    desk_test_response_free(&response);

    desk_test_request(&private_desk, "GET", "/healthz", NULL, NULL, &response);
    assert_int_equal(response.status, 200);
    desk_test_response_free(&response);
    desk_test_stop(&private_desk);
    test_redis_server_stop(&redis);
}

static void healthz_is_503_when_redis_refuses_connections(void **state)
{
    (void)state;
    struct test_redis_server redis;
    struct desk_test private_desk;
    struct desk_test_response response;
    test_redis_server_start(&redis);
    desk_test_start_on(&private_desk, "desk_health", redis.url, NULL);
    test_redis_server_stop(&redis);
    desk_test_request(&private_desk, "GET", "/healthz", NULL, NULL, &response);
    assert_int_equal(response.status, 503);
    desk_test_response_free(&response);
    /* Nothing is left to clean in a Redis that is gone. */
    redisFree(private_desk.redis);
    private_desk.redis = NULL;
    desk_test_stop(&private_desk);
}

/* Every line is a comment (# HELP / # TYPE) or a sample `name{label="value",...} number`. */
static void assert_prometheus_text(const char *text)
{
    regex_t sample, comment;
    assert_int_equal(regcomp(&sample,
                             "^[a-zA-Z_:][a-zA-Z0-9_:]*"
                             "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\""
                             "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\")*\\})?"
                             " -?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    assert_int_equal(regcomp(&comment,
                             "^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
                             "(gauge|counter|untyped))$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
    char *copy = strdup(text), *saveptr = NULL;
    assert_non_null(copy);
    for (char *line = strtok_r(copy, "\n", &saveptr); line != NULL;
         line = strtok_r(NULL, "\n", &saveptr))
        if (regexec(&sample, line, 0, NULL, 0) != 0 && regexec(&comment, line, 0, NULL, 0) != 0)
            fail_msg("not Prometheus text: \"%s\"", line);
    free(copy);
    regfree(&sample);
    regfree(&comment);
}

static void metrics_are_prometheus_text_with_streams_cases_and_processes(void **state)
{
    (void)state;
    char posts[512], proc[512];
    snprintf(posts, sizeof(posts), "%s{s0}:posts", desk.config->redis.key_prefix);
    snprintf(proc, sizeof(proc), "%sproc:worker@host\"1", desk.config->redis.key_prefix);
    for (int i = 0; i < 3; i++)
        freeReplyObject(redisCommand(desk.redis, "XADD %s * post x", posts));
    freeReplyObject(redisCommand(desk.redis, "HSET %s scored 42 suspect 7 last_seen 1 bad-name 3",
                                 proc));
    freeReplyObject(redisCommand(desk.redis, "EXPIRE %s 60", proc));
    char case_id[CASE_ID_LEN + 1];
    struct desk_test_post post = {.account = "pns-1", .post_id = "mastodon:1",
                                  .text = "Coblos nomor 2!"};
    desk_test_seed_case(&desk, &post, case_id);

    struct desk_test_response response;
    char type[128];
    desk_test_request(&desk, "GET", "/metrics", &desk_test_feed, NULL, &response);
    assert_int_equal(response.status, 200);
    assert_non_null(desk_test_header(&response, "Content-Type", type, sizeof(type)));
    assert_string_equal(type, "text/plain; version=0.0.4; charset=utf-8");
    assert_prometheus_text(response.body);
    const char *expected[] = {
        "\nnetra_stream_length{shard=\"0\"} 3\n",
        "\nnetra_dead_letters{shard=\"0\"} 0\n",
        "\nnetra_review_queue{shard=\"0\"} 1\n",
        "\nnetra_cases{shard=\"0\",status=\"pending\"} 1\n",
        "\nnetra_processes_live 1\n",
        "\nnetra_process_scored{process=\"worker@host\\\"1\"} 42\n",
        "\nnetra_process_suspect{process=\"worker@host\\\"1\"} 7\n",
        "\nnetra_posts_scored_per_minute ",
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        if (strstr(response.body, expected[i]) == NULL)
            fail_msg("no \"%s\" in\n%s", expected[i], response.body);
    assert_null(strstr(response.body, "bad-name"));
    assert_null(strstr(response.body, "netra_process_last_seen"));
    desk_test_response_free(&response);
    freeReplyObject(redisCommand(desk.redis, "DEL %s", proc));
}

/* A web_dir of our own, with a secret file beside it that traversal would reach. */
static void static_files_stay_inside_web_dir(void **state)
{
    (void)state;
    char root[] = "/tmp/netra-desk-web-XXXXXX", web[256], path[512], members[512];
    assert_non_null(mkdtemp(root));
    snprintf(web, sizeof(web), "%s/web", root);
    assert_int_equal(mkdir(web, 0700), 0);
    snprintf(path, sizeof(path), "%s/secret.txt", root);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("SECRET", file);
    fclose(file);
    snprintf(path, sizeof(path), "%s/index.html", web);
    file = fopen(path, "w");
    assert_non_null(file);
    fputs("<!doctype html><title>netra</title>", file);
    fclose(file);
    snprintf(path, sizeof(path), "%s/app.js", web);
    file = fopen(path, "w");
    assert_non_null(file);
    fputs("export {};", file);
    fclose(file);
    snprintf(path, sizeof(path), "%s/link.txt", web);
    char target[300];
    snprintf(target, sizeof(target), "%s/secret.txt", root);
    assert_int_equal(symlink(target, path), 0);

    struct desk_test web_desk;
    snprintf(members, sizeof(members), "\"web_dir\": \"%s\"", web);
    desk_test_start(&web_desk, "desk_static", members);
    struct desk_test_response response;
    char type[128];
    desk_test_request(&web_desk, "GET", "/", NULL, NULL, &response);
    assert_int_equal(response.status, 200);
    assert_string_equal(response.body, "<!doctype html><title>netra</title>");
    assert_non_null(desk_test_header(&response, "Content-Type", type, sizeof(type)));
    assert_string_equal(type, "text/html; charset=utf-8");
    desk_test_response_free(&response);
    desk_test_request(&web_desk, "GET", "/app.js", NULL, NULL, &response);
    assert_int_equal(response.status, 200);
    assert_non_null(desk_test_header(&response, "Content-Type", type, sizeof(type)));
    assert_string_equal(type, "text/javascript; charset=utf-8");
    desk_test_response_free(&response);

    const char *refused[] = {
        "/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/link.txt",
        "/.hidden.js",    "//etc/passwd",       "/app.js/",         "/secret.txt",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char url[600];
        snprintf(url, sizeof(url), "%s", refused[i]);
        desk_test_request(&web_desk, "GET", url, NULL, NULL, &response);
        if (response.status != 404 || strstr(response.body, "SECRET") != NULL)
            fail_msg("GET %s: %ld %s", url, response.status, response.body);
        desk_test_response_free(&response);
    }
    desk_test_stop(&web_desk);
    snprintf(path, sizeof(path), "rm -rf '%s'", root);
    assert_int_equal(system(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_route_but_the_public_ones_needs_authentication),
        cmocka_unit_test(a_forged_token_is_401),
        cmocka_unit_test(unknown_api_paths_need_authentication_before_they_are_not_found),
        cmocka_unit_test(each_role_is_refused_the_routes_it_has_no_right_to),
        cmocka_unit_test(a_wrong_method_is_405_with_the_allowed_ones),
        cmocka_unit_test(every_answer_carries_the_security_headers),
        cmocka_unit_test(a_body_over_the_limit_is_413),
        cmocka_unit_test(headers_over_the_limit_are_refused),
        cmocka_unit_test(healthz_needs_no_token_and_says_redis_is_ok),
        cmocka_unit_test(healthz_is_503_while_redis_hangs_and_200_again_after),
        cmocka_unit_test(healthz_is_503_when_redis_refuses_connections),
        cmocka_unit_test(static_files_stay_inside_web_dir),
        cmocka_unit_test(metrics_are_prometheus_text_with_streams_cases_and_processes),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
