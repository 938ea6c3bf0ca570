/* Helpers for the netra-sim tests: a simulator running in the test process on a free loopback
 * port, and an HTTP client (libcurl) to talk to it. Every helper fails the running test on error
 * instead of returning one. Responses and JSON documents are the caller's to free. */
#ifndef NETRA_TESTS_SIM_TEST_H
#define NETRA_TESTS_SIM_TEST_H

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stddef.h>

#include "sim/sim.h"

/* Start at a fixed virtual time, so runs are identical. */
#define SIM_TEST_START_S 1730000000LL

/* Options for a small world whose clock all but stands still (speed 1e-6): what one request
 * sees, the next one sees too. */
void sim_test_options(struct sim_options *options);
/* Starts a simulator; free it with sim_test_stop(). */
struct sim *sim_test_start(const struct sim_options *options);
void sim_test_stop(struct sim *sim);
/* "http://127.0.0.1:PORT" + path */
char *sim_test_url(const struct sim *sim, const char *path);

struct http_response {
    CURLcode result;
    long status;
    char *body; /* NUL-terminated */
    size_t len;
    char *headers; /* every header line as received */
    double seconds;
};

struct http_options {
    const char *method;          /* NULL: GET, or POST when body is set */
    const char *body;            /* request body (JSON) or NULL */
    const char *const *headers;  /* NULL-terminated extra request headers, or NULL */
    long timeout_ms;             /* 0: 10 s */
    int follow_redirects;        /* at most 5 */
    int decode;                  /* ask for and undo gzip (CURLOPT_ACCEPT_ENCODING) */
};

void http_do(const char *url, const struct http_options *options, struct http_response *out);
/* GET, 10 s timeout, no extra headers. */
void http_get(const char *url, struct http_response *out);
void http_response_free(struct http_response *response);
/* A response header's value (the last one of that name), a new string, or NULL. */
char *http_header(const struct http_response *response, const char *name);
/* The body as JSON; fails the test when it is not. */
cJSON *http_json(const struct http_response *response);

/* GET path on the simulator, expect `status`, return the body as JSON. */
cJSON *sim_test_get_json(const struct sim *sim, const char *path, long status);
/* POST a JSON body to a control endpoint, expect `status`, return the answer as JSON. */
cJSON *sim_test_post_json(const struct sim *sim, const char *path, const char *body, long status);

/* The account of a platform: the first one, by /_sim/accounts. Returns a new object. */
cJSON *sim_test_account(const struct sim *sim, const char *platform);
/* Ids ("<platform>:<native id>") of every visible (not deleted) post of an account, from
 * /_sim/posts, as a JSON array of strings. */
cJSON *sim_test_visible_ids(const struct sim *sim, const char *account);

/* A JSON string member, failing the test when it is missing. */
const char *json_string(const cJSON *object, const char *name);
/* 1 when the array of strings holds s. */
int json_array_has(const cJSON *array, const char *s);

#endif
