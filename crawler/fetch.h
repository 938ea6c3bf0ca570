/* The fetch engine: HTTP GETs on a libuv loop through curl multi (curl_multi_socket_action with
 * socket and timer callbacks), with the limits and politeness a crawler owes the platforms.
 *
 * A request names its politeness key (a host, or "host#token" where a platform limits by
 * token). Per key the engine holds at most limits.max_connections transfers at once, starts them
 * at least limits.min_interval_ms apart, and after a 429 / rate-limit headers saying the budget
 * is spent (X-RateLimit-Remaining / x-rate-limit-remaining 0 with a reset time) or a Retry-After,
 * starts nothing more for that key until then; queued requests wait (the wait is not a failure).
 * A key's queue is FIFO and bounded only by what the caller submits: keep requests in flight few.
 *
 * Every transfer: http and https only, redirects followed (at most 5) only to the hosts in the
 * request's allowed_hosts (else FETCH_ERROR_REDIRECT), connect / total / low-speed timeouts,
 * gzip and deflate accepted and decoded, HTTP/2 where offered, connections reused, the body
 * aborted beyond limits.max_body_bytes (also after decoding: FETCH_ERROR_TOO_BIG). Conditional
 * GET when the request carries an ETag or Last-Modified (a 304 is a success with no body).
 *
 * The done callback runs exactly once per submitted request, from the loop, never from inside
 * fetch_submit(); the response is borrowed for the callback's duration. fetch_close() fails
 * whatever is queued or in flight with FETCH_ERROR_CANCELLED and frees the engine once its libuv
 * handles are closed; keep running the loop until then. All calls from the loop's thread. */
#ifndef NETRA_CRAWLER_FETCH_H
#define NETRA_CRAWLER_FETCH_H

#include <stddef.h>

#include <uv.h>

#define FETCH_MAX_HEADERS 8
#define FETCH_MAX_ALLOWED_HOSTS 8

struct fetch_limits {
    int connect_timeout_ms;
    int total_timeout_ms;
    int low_speed_bytes;   /* abort a transfer slower than this many bytes/s ... */
    int low_speed_time_s;  /* ... for this long */
    long max_body_bytes;
    int max_connections;   /* per politeness key */
    int min_interval_ms;   /* per politeness key, between starts */
    int max_total_connections;
    const char *user_agent;
};

enum fetch_error {
    FETCH_OK,               /* an HTTP answer arrived (any status) */
    FETCH_ERROR_TIMEOUT,
    FETCH_ERROR_CONNECT,    /* DNS, refused, reset, TLS */
    FETCH_ERROR_TOO_BIG,
    FETCH_ERROR_REDIRECT,   /* to a host not allowed, a non-http(s) scheme, or too many */
    FETCH_ERROR_BAD_URL,    /* not http(s), or its host is not allowed */
    FETCH_ERROR_PROTOCOL,   /* truncated body, bad encoding, malformed answer */
    FETCH_ERROR_CANCELLED,
};

struct fetch_request {
    const char *url;
    const char *headers[FETCH_MAX_HEADERS]; /* "Name: value" */
    size_t header_count;
    const char *etag;          /* or NULL */
    const char *last_modified; /* or NULL */
    const char *politeness_key; /* NULL: the URL's host */
    const char *allowed_hosts[FETCH_MAX_ALLOWED_HOSTS]; /* the URL's and every redirect's host */
    size_t allowed_host_count;
};

struct fetch_response {
    enum fetch_error error;
    char error_text[256];   /* "" when error is FETCH_OK */
    long status;            /* 0 unless an HTTP answer arrived */
    const char *body;       /* decoded, NUL-terminated; "" for none */
    size_t body_len;
    const char *content_type, *etag, *last_modified, *link; /* NULL when absent */
    long long retry_after_ms;     /* from Retry-After (seconds or HTTP date), else -1 */
    long long rate_limit_reset_ms; /* Unix ms the platform's budget resets, else -1 */
    long rate_limit_remaining;     /* else -1 */
    long long elapsed_ms;
    long long queued_ms;           /* how long politeness held it before it started */
};

struct fetch;

typedef void fetch_done_fn(const struct fetch_response *response, void *data);

int fetch_open(uv_loop_t *loop, const struct fetch_limits *limits, struct fetch **out, char *err,
               size_t err_len);
/* Copies the request; 0 when done will be called, -1 with err (done will not be) when out of
 * memory or after fetch_close(). */
int fetch_submit(struct fetch *fetch, const struct fetch_request *request, fetch_done_fn *done,
                 void *data, char *err, size_t err_len);
void fetch_close(struct fetch *fetch);

/* Requests queued or in flight. */
size_t fetch_pending(const struct fetch *fetch);

#endif
