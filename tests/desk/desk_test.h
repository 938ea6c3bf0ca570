/* Helpers for the tests of netra-desk: the real binary on a free loopback port with a temporary
 * config (its own key prefix, four users with known secrets), HTTP through libcurl, and cases
 * seeded as netra-worker writes them.
 *
 *     struct desk_test desk;
 *     desk_test_start(&desk, "api", NULL);             // or extra "desk" members as JSON text
 *     struct desk_test_response r;
 *     desk_test_request(&desk, "GET", "/api/cases", &desk_test_reviewer, NULL, &r);
 *     assert_int_equal(r.status, 200);
 *     desk_test_response_free(&r);
 *     desk_test_stop(&desk);                           // SIGTERM; fails unless it exits 0
 *
 * Every helper fails the running test on error. Users (password "pw-<name>", token
 * "token-<name>-0123456789abcdef"): rina and budi (reviewer), sari (supervisor), bawaslu (feed). */
#ifndef NETRA_TESTS_DESK_DESK_TEST_H
#define NETRA_TESTS_DESK_DESK_TEST_H

#include <stddef.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "config/config.h"
#include "queue/cases.h"

struct desk_test {
    struct netra_config *config; /* what netra-desk runs with (loaded from config_path) */
    char *config_path;
    char *log_path;              /* netra-desk's stderr, printed when a helper fails */
    pid_t pid;
    int port;
    char url[64];                /* "http://127.0.0.1:<port>" */
    redisContext *redis;         /* shard 0's Redis, for looking at what was written */
};

/* How a request authenticates: a bearer token, or a console session (cookie and, for
 * state-changing requests, its CSRF token). All NULL: anonymous. */
struct desk_test_auth {
    const char *token;
    const char *cookie; /* the netra_session value */
    const char *csrf;
};

extern const struct desk_test_auth desk_test_reviewer;   /* rina's token */
extern const struct desk_test_auth desk_test_reviewer2;  /* budi's token */
extern const struct desk_test_auth desk_test_supervisor; /* sari's token */
extern const struct desk_test_auth desk_test_feed;       /* bawaslu's token */

/* desk_members: NULL, or members added to the config's "desk" object, e.g.
 * "\"four_eyes\": true" (web_dir defaults to the source tree's desk/web unless given here).
 * Uses the suite's Redis. */
void desk_test_start(struct desk_test *desk, const char *test_name, const char *desk_members);
/* The same against another Redis (a private one from test_redis_server_start). */
void desk_test_start_on(struct desk_test *desk, const char *test_name, const char *redis_url,
                        const char *desk_members);
/* SIGTERM, waits for exit status 0, deletes the test's keys, frees everything. */
void desk_test_stop(struct desk_test *desk);

struct desk_test_response {
    long status;
    char *body; /* NUL-terminated */
    size_t body_len;
    char *headers; /* the raw header lines */
};

/* body: NULL for none; sent as application/json unless content_type says otherwise. */
void desk_test_request(struct desk_test *desk, const char *method, const char *path,
                       const struct desk_test_auth *auth, const char *body,
                       struct desk_test_response *out);
void desk_test_request_typed(struct desk_test *desk, const char *method, const char *path,
                             const struct desk_test_auth *auth, const char *content_type,
                             const char *body, size_t body_len, struct desk_test_response *out);
/* The value of header name (case-insensitive) in out, or NULL when absent. */
const char *desk_test_header(const struct desk_test_response *response, const char *name,
                             char *out, size_t out_len);
void desk_test_response_free(struct desk_test_response *response);

/* A console login through POST /api/login; fails the test unless it answers 200 with a cookie. */
struct desk_test_session {
    char cookie[128];
    char csrf[128];
    struct desk_test_auth auth; /* points into this struct */
};
void desk_test_login(struct desk_test *desk, const char *user, const char *password,
                     struct desk_test_session *out);

/* A watched account, as `netra watchlist import` writes it. */
void desk_test_seed_account(struct desk_test *desk, const char *id, const char *platform,
                            const char *name, const char *agency, const char *region);

struct desk_test_post {
    const char *account;
    const char *post_id; /* "<platform>:<native id>" */
    const char *text;
    const char *created_at; /* NULL: "2024-01-05T10:00:00Z" */
    const char *region;     /* NULL: none */
    /* An engagement event instead of a post: kind "follow" or "like" (text ""), and its target
     * (queue/post_message.h). NULL: a post. */
    const char *kind;
    struct {
        const char *id, *account, *account_id, *name, *url, *text;
    } target;
    /* NULL: the scorer's explanation; else this JSON is recorded as the case's explanation. */
    const char *explanation;
};

/* Scores post with the shipped rulesets and records it as netra-worker does (result, case,
 * review queue, evidence chain). A post the rules do not find suspect is recorded as one with
 * partisan 0.9, so any text (hostile ones too) can be a case. Writes the case id. */
void desk_test_seed_case(struct desk_test *desk, const struct desk_test_post *post,
                         char case_id[CASE_ID_LEN + 1]);

#endif
