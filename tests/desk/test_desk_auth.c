/* Console sessions, CSRF, the failed-login slowdown and the audit of logins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/desk/desk_test.h"
#include "tests/support/test_support.h"

static void a_cookie_login_opens_a_session_with_a_csrf_token(void **state)
{
    (void)state;
    struct desk_test desk;
    struct desk_test_response response;
    char cookie[512];
    desk_test_start(&desk, "desk_login", NULL);
    desk_test_request(&desk, "POST", "/api/login", NULL,
                      "{\"name\": \"rina\", \"password\": \"pw-rina\"}", &response);
    assert_int_equal(response.status, 200);
    assert_non_null(desk_test_header(&response, "Set-Cookie", cookie, sizeof(cookie)));
    assert_int_equal(strncmp(cookie, "netra_session=", 14), 0);
    assert_non_null(strstr(cookie, "; HttpOnly"));
    assert_non_null(strstr(cookie, "; SameSite=Strict"));
    assert_non_null(strstr(cookie, "; Path=/"));
    assert_non_null(strstr(response.body, "\"user\":\"rina\",\"role\":\"reviewer\",\"csrf\":\""));
    desk_test_response_free(&response);

    struct desk_test_session session;
    desk_test_login(&desk, "sari", "pw-sari", &session);
    struct desk_test_auth cookie_only = {NULL, session.cookie, NULL};
    desk_test_request(&desk, "GET", "/api/me", &cookie_only, NULL, &response);
    assert_int_equal(response.status, 200);
    char expected[256];
    snprintf(expected, sizeof(expected), "{\"user\":\"sari\",\"role\":\"supervisor\",\"csrf\":\"%s\"}",
             session.csrf);
    assert_string_equal(response.body, expected);
    desk_test_response_free(&response);

    /* The session lives in Redis as a hash of its id, never the id itself. */
    redisReply *reply = redisCommand(desk.redis, "KEYS %ssession:*", desk.config->redis.key_prefix);
    assert_non_null(reply);
    assert_int_equal(reply->elements, 2);
    for (size_t i = 0; i < reply->elements; i++)
        assert_null(strstr(reply->element[i]->str, session.cookie));
    freeReplyObject(reply);

    struct desk_test_auth forged = {NULL, "00000000000000000000000000000000000000000000000000000000"
                                          "00000000", NULL};
    desk_test_request(&desk, "GET", "/api/me", &forged, NULL, &response);
    assert_int_equal(response.status, 401);
    desk_test_response_free(&response);
    desk_test_stop(&desk);
}

static void state_changing_requests_of_a_session_need_its_csrf_token(void **state)
{
    (void)state;
    struct desk_test desk;
    struct desk_test_session session;
    struct desk_test_response response;
    desk_test_start(&desk, "desk_csrf", NULL);
    desk_test_login(&desk, "rina", "pw-rina", &session);

    struct desk_test_auth no_csrf = {NULL, session.cookie, NULL};
    desk_test_request(&desk, "POST", "/api/logout", &no_csrf, "{}", &response);
    assert_int_equal(response.status, 403);
    assert_string_equal(response.body, "{\"error\":\"missing or wrong X-CSRF-Token\"}");
    desk_test_response_free(&response);

    char wrong[128];
    snprintf(wrong, sizeof(wrong), "%s", session.csrf);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    struct desk_test_auth wrong_csrf = {NULL, session.cookie, wrong};
    desk_test_request(&desk, "POST", "/api/logout", &wrong_csrf, "{}", &response);
    assert_int_equal(response.status, 403);
    desk_test_response_free(&response);

    /* Reading needs none. */
    desk_test_request(&desk, "GET", "/api/me", &no_csrf, NULL, &response);
    assert_int_equal(response.status, 200);
    desk_test_response_free(&response);

    desk_test_request(&desk, "POST", "/api/logout", &session.auth, "{}", &response);
    assert_int_equal(response.status, 200);
    desk_test_response_free(&response);
    /* Logged out: the cookie opens nothing any more. */
    desk_test_request(&desk, "GET", "/api/me", &no_csrf, NULL, &response);
    assert_int_equal(response.status, 401);
    desk_test_response_free(&response);

    /* A bearer token is no ambient credential: no CSRF token needed. */
    desk_test_request(&desk, "POST", "/api/logout", &desk_test_reviewer, "{}", &response);
    assert_int_equal(response.status, 200);
    desk_test_response_free(&response);
    desk_test_stop(&desk);
}

static void bad_logins_are_refused_alike(void **state)
{
    (void)state;
    struct desk_test desk;
    struct desk_test_response response;
    desk_test_start(&desk, "desk_badlogin", NULL);
    const char *wrong[] = {
        "{\"name\": \"rina\", \"password\": \"pw-budi\"}",
        "{\"name\": \"nobody\", \"password\": \"pw-rina\"}",
        "{\"name\": \"rina\", \"password\": \"\"}",
    };
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        desk_test_request(&desk, "POST", "/api/login", NULL, wrong[i], &response);
        assert_int_equal(response.status, 401);
        assert_string_equal(response.body, "{\"error\":\"wrong name or password\"}");
        desk_test_response_free(&response);
    }
    const char *malformed[] = {"", "[]", "{\"name\": 1, \"password\": \"x\"}", "{\"name\": \"rina\"",
                               "{\"name\": \"rina\"}"};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        desk_test_request(&desk, "POST", "/api/login", NULL, malformed[i], &response);
        assert_int_equal(response.status, 400);
        desk_test_response_free(&response);
    }
    desk_test_stop(&desk);
}

static void failed_logins_are_slowed_down_after_five(void **state)
{
    (void)state;
    struct desk_test desk;
    struct desk_test_response response;
    char retry_after[32];
    desk_test_start(&desk, "desk_throttle", NULL);
    for (int i = 0; i < 5; i++) {
        desk_test_request(&desk, "POST", "/api/login", NULL,
                          "{\"name\": \"rina\", \"password\": \"guess\"}", &response);
        assert_int_equal(response.status, 401);
        desk_test_response_free(&response);
    }
    /* Now even the right password, or a good token, waits. */
    desk_test_request(&desk, "POST", "/api/login", NULL,
                      "{\"name\": \"rina\", \"password\": \"pw-rina\"}", &response);
    assert_int_equal(response.status, 429);
    assert_non_null(desk_test_header(&response, "Retry-After", retry_after, sizeof(retry_after)));
    assert_string_equal(retry_after, "1");
    desk_test_response_free(&response);
    desk_test_request(&desk, "GET", "/api/me", &desk_test_reviewer, NULL, &response);
    assert_int_equal(response.status, 429);
    desk_test_response_free(&response);

    /* After the wait, one more failure doubles it. */
    usleep(1100 * 1000);
    desk_test_request(&desk, "POST", "/api/login", NULL,
                      "{\"name\": \"rina\", \"password\": \"guess\"}", &response);
    assert_int_equal(response.status, 401);
    desk_test_response_free(&response);
    desk_test_request(&desk, "POST", "/api/login", NULL,
                      "{\"name\": \"rina\", \"password\": \"pw-rina\"}", &response);
    assert_int_equal(response.status, 429);
    assert_non_null(desk_test_header(&response, "Retry-After", retry_after, sizeof(retry_after)));
    assert_string_equal(retry_after, "2");
    desk_test_response_free(&response);

    /* The right password after the wait gets in and clears the slate. */
    usleep(2100 * 1000);
    struct desk_test_session session;
    desk_test_login(&desk, "rina", "pw-rina", &session);
    desk_test_request(&desk, "POST", "/api/login", NULL,
                      "{\"name\": \"rina\", \"password\": \"guess\"}", &response);
    assert_int_equal(response.status, 401);
    desk_test_response_free(&response);
    desk_test_stop(&desk);
}

/* Runs `netra <args>` with desk's config; the output, which the caller frees. */
static char *run_netra(const struct desk_test *desk, const char *args)
{
    char command[1024];
    const char *netra = getenv("NETRA_BIN");
    assert_non_null(netra);
    snprintf(command, sizeof(command), "NETRA_CONFIG='%s' '%s' %s", desk->config_path, netra, args);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    size_t len = 0;
    char *output = malloc(1 << 20);
    assert_non_null(output);
    len = fread(output, 1, (1 << 20) - 1, pipe);
    output[len] = '\0';
    int status = pclose(pipe);
    if (status != 0)
        fail_msg("%s: status %d\n%s", command, status, output);
    return output;
}

static void logins_failed_logins_and_logouts_are_audited(void **state)
{
    (void)state;
    struct desk_test desk;
    struct desk_test_response response;
    struct desk_test_session session;
    desk_test_start(&desk, "desk_audit", NULL);
    desk_test_request(&desk, "POST", "/api/login", NULL,
                      "{\"name\": \"budi\\u001b[31m\", \"password\": \"guess\"}", &response);
    assert_int_equal(response.status, 401);
    desk_test_response_free(&response);
    desk_test_request(&desk, "POST", "/api/login", NULL,
                      "{\"name\": \"budi\", \"password\": \"guess\"}", &response);
    assert_int_equal(response.status, 401);
    desk_test_response_free(&response);
    desk_test_login(&desk, "budi", "pw-budi", &session);
    desk_test_request(&desk, "POST", "/api/logout", &session.auth, "{}", &response);
    assert_int_equal(response.status, 200);
    desk_test_response_free(&response);

    char *text = run_netra(&desk, "audit");
    const char *lines[] = {
        " (not a user name) (-)  login_failed  -  from 127.0.0.1\n",
        " budi (-)  login_failed  -  from 127.0.0.1\n",
        " budi (reviewer)  login  -  from 127.0.0.1\n",
        " budi (reviewer)  logout  -  from 127.0.0.1\n",
    };
    const char *at = text;
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        const char *found = strstr(at, lines[i]);
        if (found == NULL)
            fail_msg("no line \"%s\" after the ones before in:\n%s", lines[i], text);
        at = found + strlen(lines[i]);
    }
    assert_null(strchr(text, '\x1b'));
    free(text);

    char *json = run_netra(&desk, "audit --json --limit 2");
    assert_non_null(strstr(json, "\"action\":\t\"login_failed\""));
    assert_null(strstr(json, "\"action\":\t\"login\""));
    free(json);

    char *future = run_netra(&desk, "audit --since 2999-01-01");
    assert_string_equal(future, "");
    free(future);
    desk_test_stop(&desk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_cookie_login_opens_a_session_with_a_csrf_token),
        cmocka_unit_test(state_changing_requests_of_a_session_need_its_csrf_token),
        cmocka_unit_test(bad_logins_are_refused_alike),
        cmocka_unit_test(failed_logins_are_slowed_down_after_five),
        cmocka_unit_test(logins_failed_logins_and_logouts_are_audited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
