/* One request of the fetch engine as a curl easy transfer: the copied request, the curl options
 * every hop gets, the capped body and headers, manual redirects checked against the request's
 * allowed hosts, and the curl outcome turned into a struct fetch_response.
 *
 * The engine (fetch.c) owns scheduling and the multi handle; a transfer knows nothing of either.
 * A transfer owns its easy handle, its copies of the request's strings and everything its
 * response points to; fetch_transfer_free() releases them all. */
#ifndef NETRA_CRAWLER_FETCH_TRANSFER_H
#define NETRA_CRAWLER_FETCH_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "crawler/fetch.h"

#define FETCH_MAX_REDIRECTS 5
/* Per hop. A real answer's header block is a few KiB; Mastodon's Link is the longest line. */
#define FETCH_MAX_HEADER_LINES 100
#define FETCH_MAX_HEADER_LINE 8192
#define FETCH_MAX_HEADER_BYTES (64 * 1024)

struct fetch_key;

struct fetch_transfer {
    /* The request, copied. url is the current hop's. */
    char *url;
    char *headers[FETCH_MAX_HEADERS];
    size_t header_count;
    char *etag, *last_modified;
    char *key_name;
    char *allowed_hosts[FETCH_MAX_ALLOWED_HOSTS];
    size_t allowed_host_count;
    fetch_done_fn *done;
    void *data;
    const char *invalid; /* why the request itself is unusable, NULL when it is not */

    /* The engine's bookkeeping. */
    struct fetch_key *key;
    struct fetch_transfer *prev, *next;
    uint64_t submitted_ms, started_ms; /* uv_hrtime() in ms */

    /* The current hop. */
    CURL *easy;
    struct curl_slist *header_list;
    int hops;
    int cross_host; /* a redirect left the first URL's host: credentials stay behind */
    char curl_error[CURL_ERROR_SIZE];
    long max_body_bytes;
    char *body;
    size_t body_len, body_cap;
    size_t header_lines, header_bytes;
    const char *abort_reason; /* why a callback stopped the hop, NULL when none did */
    int too_big;

    struct fetch_response response;
    char *response_strings[4]; /* content_type, etag, last_modified, link copies */
};

/* Copies request; NULL when out of memory. The politeness key defaults to the URL's host. */
struct fetch_transfer *fetch_transfer_new(const struct fetch_request *request,
                                          fetch_done_fn *done, void *data);
void fetch_transfer_free(struct fetch_transfer *transfer);

/* Checks the request and its current URL (http or https, host allowed): 0, or -1 with the
 * response filled as `error` (FETCH_ERROR_BAD_URL or FETCH_ERROR_REDIRECT) and the reason. */
int fetch_transfer_check_url(struct fetch_transfer *transfer, enum fetch_error error);

/* Makes the easy handle ready for the current hop; total_timeout_ms is what is left of the
 * request's budget. 0, or -1 with the response filled as an error. share may be NULL. */
int fetch_transfer_prepare(struct fetch_transfer *transfer, const struct fetch_limits *limits,
                           CURLSH *share, long total_timeout_ms);

enum fetch_transfer_next { FETCH_TRANSFER_DONE, FETCH_TRANSFER_REDIRECT };

/* After curl finished the hop with result: fills transfer->response, or, for a redirect that
 * may be followed, sets the next hop's URL and returns FETCH_TRANSFER_REDIRECT (the caller
 * prepares and re-adds it). */
enum fetch_transfer_next fetch_transfer_finish(struct fetch_transfer *transfer, CURLcode result,
                                               long long now_ms);

/* Fills transfer->response as the failure error with a formatted reason. */
void fetch_transfer_fail(struct fetch_transfer *transfer, enum fetch_error error,
                         const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
