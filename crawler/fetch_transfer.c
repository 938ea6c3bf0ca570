#include "crawler/fetch_transfer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/log.h"
#include "crawler/fetch_headers.h"

/* How much of a hostile URL an error text quotes. */
#define URL_QUOTE "%.200s"

static char *copy_string(const char *s, int *failed)
{
    if (s == NULL)
        return NULL;
    char *copy = strdup(s);
    if (copy == NULL)
        *failed = 1;
    return copy;
}

/* The URL's host as curl reads it (malloc'd), or NULL with *code set. */
static char *url_host(const char *url, char **scheme, CURLUcode *code)
{
    char *host = NULL;
    CURLU *parsed = curl_url();
    if (parsed == NULL) {
        *code = CURLUE_OUT_OF_MEMORY;
        return NULL;
    }
    *code = curl_url_set(parsed, CURLUPART_URL, url, 0);
    if (*code == CURLUE_OK && scheme != NULL)
        *code = curl_url_get(parsed, CURLUPART_SCHEME, scheme, 0);
    if (*code == CURLUE_OK)
        *code = curl_url_get(parsed, CURLUPART_HOST, &host, 0);
    curl_url_cleanup(parsed);
    return host;
}

static int has_line_break(const char *s)
{
    return s != NULL && strpbrk(s, "\r\n") != NULL;
}

struct fetch_transfer *fetch_transfer_new(const struct fetch_request *request,
                                          fetch_done_fn *done, void *data)
{
    struct fetch_transfer *transfer = calloc(1, sizeof(*transfer));
    if (transfer == NULL)
        return NULL;
    int failed = 0;
    transfer->done = done;
    transfer->data = data;
    transfer->url = copy_string(request->url != NULL ? request->url : "", &failed);
    if (request->header_count > FETCH_MAX_HEADERS)
        transfer->invalid = "more than 8 request headers";
    if (request->allowed_host_count > FETCH_MAX_ALLOWED_HOSTS)
        transfer->invalid = "more than 8 allowed hosts";
    transfer->header_count =
        request->header_count < FETCH_MAX_HEADERS ? request->header_count : FETCH_MAX_HEADERS;
    for (size_t i = 0; i < transfer->header_count; i++)
        transfer->headers[i] = copy_string(request->headers[i] ? request->headers[i] : "",
                                           &failed);
    /* Validators travel from a platform's answer back into a request line: one with a line
     * break would smuggle a header, so the request goes out unconditional instead. */
    if (has_line_break(request->etag) || has_line_break(request->last_modified))
        log_warn("fetch %.200s: conditional GET dropped: a stored validator has a line break",
                 transfer->url ? transfer->url : "");
    else {
        transfer->etag = copy_string(request->etag, &failed);
        transfer->last_modified = copy_string(request->last_modified, &failed);
    }
    transfer->allowed_host_count = request->allowed_host_count < FETCH_MAX_ALLOWED_HOSTS
                                       ? request->allowed_host_count
                                       : FETCH_MAX_ALLOWED_HOSTS;
    for (size_t i = 0; i < transfer->allowed_host_count; i++)
        transfer->allowed_hosts[i] =
            copy_string(request->allowed_hosts[i] ? request->allowed_hosts[i] : "", &failed);
    if (request->politeness_key != NULL) {
        transfer->key_name = copy_string(request->politeness_key, &failed);
    } else if (transfer->url != NULL) {
        CURLUcode code;
        transfer->key_name = url_host(transfer->url, NULL, &code);
        if (transfer->key_name == NULL)
            transfer->key_name = copy_string("", &failed);
    }
    if (failed || transfer->url == NULL || transfer->key_name == NULL) {
        fetch_transfer_free(transfer);
        return NULL;
    }
    transfer->response.status = 0;
    transfer->response.body = "";
    transfer->response.retry_after_ms = -1;
    transfer->response.rate_limit_reset_ms = -1;
    transfer->response.rate_limit_remaining = -1;
    return transfer;
}

void fetch_transfer_free(struct fetch_transfer *transfer)
{
    if (transfer == NULL)
        return;
    if (transfer->easy != NULL)
        curl_easy_cleanup(transfer->easy);
    curl_slist_free_all(transfer->header_list);
    free(transfer->url);
    for (size_t i = 0; i < FETCH_MAX_HEADERS; i++)
        free(transfer->headers[i]);
    free(transfer->etag);
    free(transfer->last_modified);
    free(transfer->key_name);
    for (size_t i = 0; i < FETCH_MAX_ALLOWED_HOSTS; i++)
        free(transfer->allowed_hosts[i]);
    free(transfer->body);
    for (size_t i = 0; i < sizeof(transfer->response_strings) / sizeof(char *); i++)
        free(transfer->response_strings[i]);
    free(transfer);
}

void fetch_transfer_fail(struct fetch_transfer *transfer, enum fetch_error error,
                         const char *fmt, ...)
{
    transfer->response.error = error;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(transfer->response.error_text, sizeof(transfer->response.error_text), fmt, ap);
    va_end(ap);
}

static int host_allowed(const struct fetch_transfer *transfer, const char *host)
{
    for (size_t i = 0; i < transfer->allowed_host_count; i++)
        if (strcasecmp(transfer->allowed_hosts[i], host) == 0)
            return 1;
    return 0;
}

int fetch_transfer_check_url(struct fetch_transfer *transfer, enum fetch_error error)
{
    const char *what = error == FETCH_ERROR_REDIRECT ? "redirect to" : "URL";
    char *scheme = NULL;
    CURLUcode code;
    char *host = url_host(transfer->url, &scheme, &code);
    int rc = -1;
    if (transfer->invalid != NULL) {
        fetch_transfer_fail(transfer, FETCH_ERROR_BAD_URL, "request for " URL_QUOTE ": %s",
                            transfer->url, transfer->invalid);
        goto cleanup;
    }
    if (code != CURLUE_OK) {
        fetch_transfer_fail(transfer, error, "%s " URL_QUOTE ": %s", what, transfer->url,
                            curl_url_strerror(code));
        goto cleanup;
    }
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        fetch_transfer_fail(transfer, error, "%s " URL_QUOTE ": scheme %s is not http or https",
                            what, transfer->url, scheme);
        goto cleanup;
    }
    if (!host_allowed(transfer, host)) {
        fetch_transfer_fail(transfer, error, "%s " URL_QUOTE ": host %s is not allowed", what,
                            transfer->url, host);
        goto cleanup;
    }
    for (size_t i = 0; i < transfer->header_count; i++) {
        if (has_line_break(transfer->headers[i])) {
            fetch_transfer_fail(transfer, FETCH_ERROR_BAD_URL,
                                "request header %zu has a line break", i + 1);
            goto cleanup;
        }
    }
    rc = 0;
cleanup:
    curl_free(scheme);
    curl_free(host);
    return rc;
}

/* Only counts: the values are read through curl's header API once the answer is complete. */
static size_t on_header(char *buffer, size_t size, size_t count, void *data)
{
    (void)buffer;
    struct fetch_transfer *transfer = data;
    size_t len = size * count;
    transfer->header_lines++;
    transfer->header_bytes += len;
    if (len > FETCH_MAX_HEADER_LINE)
        transfer->abort_reason = "a header line is longer than 8192 bytes";
    else if (transfer->header_lines > FETCH_MAX_HEADER_LINES)
        transfer->abort_reason = "more than 100 header lines";
    else if (transfer->header_bytes > FETCH_MAX_HEADER_BYTES)
        transfer->abort_reason = "more than 64 KiB of headers";
    return transfer->abort_reason != NULL ? 0 : len;
}

static size_t on_body(char *buffer, size_t size, size_t count, void *data)
{
    struct fetch_transfer *transfer = data;
    size_t len = size * count;
    if (len > (size_t)transfer->max_body_bytes - transfer->body_len) {
        transfer->too_big = 1;
        return 0;
    }
    if (transfer->body_len + len + 1 > transfer->body_cap) {
        size_t cap = transfer->body_cap < 16384 ? 16384 : transfer->body_cap * 2;
        if (cap < transfer->body_len + len + 1)
            cap = transfer->body_len + len + 1;
        if (cap > (size_t)transfer->max_body_bytes + 1)
            cap = (size_t)transfer->max_body_bytes + 1;
        char *grown = realloc(transfer->body, cap);
        if (grown == NULL) {
            transfer->abort_reason = "out of memory for the body";
            return 0;
        }
        transfer->body = grown;
        transfer->body_cap = cap;
    }
    memcpy(transfer->body + transfer->body_len, buffer, len);
    transfer->body_len += len;
    transfer->body[transfer->body_len] = '\0';
    return len;
}

/* Credentials go only to the host they were given for, as curl does for its own redirects. */
static int is_credential(const char *header)
{
    return strncasecmp(header, "Authorization:", 14) == 0 ||
           strncasecmp(header, "Cookie:", 7) == 0;
}

static int append_header(struct curl_slist **list, const char *header)
{
    struct curl_slist *appended = curl_slist_append(*list, header);
    if (appended == NULL)
        return -1;
    *list = appended;
    return 0;
}

static int append_validator(struct curl_slist **list, const char *name, const char *value)
{
    if (value == NULL)
        return 0;
    size_t size = strlen(name) + strlen(value) + 3;
    char *line = malloc(size);
    if (line == NULL)
        return -1;
    snprintf(line, size, "%s: %s", name, value);
    int rc = append_header(list, line);
    free(line);
    return rc;
}

static int build_header_list(struct fetch_transfer *transfer)
{
    curl_slist_free_all(transfer->header_list);
    transfer->header_list = NULL;
    for (size_t i = 0; i < transfer->header_count; i++) {
        if (transfer->cross_host && is_credential(transfer->headers[i]))
            continue;
        if (append_header(&transfer->header_list, transfer->headers[i]) != 0)
            return -1;
    }
    /* Validators belong to the URL asked for, not to where it redirects. */
    if (transfer->hops > 0)
        return 0;
    if (append_validator(&transfer->header_list, "If-None-Match", transfer->etag) != 0 ||
        append_validator(&transfer->header_list, "If-Modified-Since", transfer->last_modified) != 0)
        return -1;
    return 0;
}

int fetch_transfer_prepare(struct fetch_transfer *transfer, const struct fetch_limits *limits,
                           CURLSH *share, long total_timeout_ms)
{
    if (transfer->easy == NULL)
        transfer->easy = curl_easy_init();
    else
        curl_easy_reset(transfer->easy);
    if (transfer->easy == NULL || build_header_list(transfer) != 0) {
        fetch_transfer_fail(transfer, FETCH_ERROR_CONNECT, "out of memory");
        return -1;
    }
    free(transfer->body);
    transfer->body = NULL;
    transfer->body_len = transfer->body_cap = 0;
    transfer->header_lines = transfer->header_bytes = 0;
    transfer->abort_reason = NULL;
    transfer->too_big = 0;
    transfer->max_body_bytes = limits->max_body_bytes;
    transfer->curl_error[0] = '\0';

    CURL *easy = transfer->easy;
    CURLcode rc;
    const char *option = NULL;
#define SET(name, value)                                                                    \
    do {                                                                                    \
        if ((rc = curl_easy_setopt(easy, name, value)) != CURLE_OK) {                       \
            option = #name;                                                                 \
            goto cleanup;                                                                   \
        }                                                                                   \
    } while (0)
    SET(CURLOPT_URL, transfer->url);
    SET(CURLOPT_PRIVATE, transfer);
    SET(CURLOPT_ERRORBUFFER, transfer->curl_error);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_HTTPGET, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    /* Waiting to multiplex on a connection still being set up pays off only where HTTP/2 may
     * come (TLS ALPN tells at once); on plain http curl would learn it from the first answer,
     * so a stalled request would hold back its key's others. */
    SET(CURLOPT_PIPEWAIT, strncasecmp(transfer->url, "https:", 6) == 0 ? 1L : 0L);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)limits->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, total_timeout_ms);
    SET(CURLOPT_LOW_SPEED_LIMIT, (long)limits->low_speed_bytes);
    SET(CURLOPT_LOW_SPEED_TIME, (long)limits->low_speed_time_s);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)limits->max_body_bytes);
    SET(CURLOPT_USERAGENT, limits->user_agent);
    SET(CURLOPT_HTTPHEADER, transfer->header_list);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, transfer);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, transfer);
    if (share != NULL)
        SET(CURLOPT_SHARE, share);
#undef SET
    return 0;
cleanup:
    fetch_transfer_fail(transfer, FETCH_ERROR_CONNECT, "curl refused %s: %s", option,
                        curl_easy_strerror(rc));
    return -1;
}

/* The first of the names the answer carries, or NULL. */
static const char *header_value(CURL *easy, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        struct curl_header *header;
        if (curl_easy_header(easy, names[i], 0, CURLH_HEADER, -1, &header) == CURLHE_OK)
            return header->value;
    }
    return NULL;
}

static const char *copy_header(struct fetch_transfer *transfer, size_t slot, const char *name)
{
    const char *value = header_value(transfer->easy, &name, 1);
    if (value == NULL)
        return NULL;
    transfer->response_strings[slot] = strdup(value);
    return transfer->response_strings[slot];
}

static void read_headers(struct fetch_transfer *transfer, long long now_ms)
{
    struct fetch_response *response = &transfer->response;
    response->content_type = copy_header(transfer, 0, "Content-Type");
    response->etag = copy_header(transfer, 1, "ETag");
    response->last_modified = copy_header(transfer, 2, "Last-Modified");
    response->link = copy_header(transfer, 3, "Link");

    static const char *const retry_after[] = {"Retry-After"};
    static const char *const remaining[] = {"X-RateLimit-Remaining", "X-Rate-Limit-Remaining",
                                            "RateLimit-Remaining"};
    static const char *const reset[] = {"X-RateLimit-Reset", "X-Rate-Limit-Reset",
                                        "RateLimit-Reset"};
    const char *value = header_value(transfer->easy, retry_after, 1);
    long long wait_ms;
    if (value != NULL && fetch_headers_retry_after(value, now_ms, &wait_ms) == 0)
        response->retry_after_ms = wait_ms;
    value = header_value(transfer->easy, remaining, 3);
    long count;
    if (value != NULL && fetch_headers_count(value, &count) == 0)
        response->rate_limit_remaining = count;
    value = header_value(transfer->easy, reset, 3);
    long long reset_ms;
    if (value != NULL && fetch_headers_rate_limit_reset(value, now_ms, &reset_ms) == 0)
        response->rate_limit_reset_ms = reset_ms;
}

static int is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* The curl failure as netra's error kind. */
static enum fetch_error error_kind(const struct fetch_transfer *transfer, CURLcode result)
{
    if (transfer->too_big || result == CURLE_FILESIZE_EXCEEDED)
        return FETCH_ERROR_TOO_BIG;
    switch (result) {
    case CURLE_OPERATION_TIMEDOUT:
        return FETCH_ERROR_TIMEOUT;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return FETCH_ERROR_BAD_URL;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_OUT_OF_MEMORY:
        return FETCH_ERROR_CONNECT;
    default:
        /* CURLE_PARTIAL_FILE (truncated), CURLE_BAD_CONTENT_ENCODING, CURLE_WEIRD_SERVER_REPLY,
         * CURLE_GOT_NOTHING, CURLE_HTTP2*, CURLE_WRITE_ERROR from a header cap: the answer
         * itself is wrong. */
        return FETCH_ERROR_PROTOCOL;
    }
}

static void fail_from_curl(struct fetch_transfer *transfer, CURLcode result)
{
    enum fetch_error kind = error_kind(transfer, result);
    if (transfer->too_big || result == CURLE_FILESIZE_EXCEEDED)
        fetch_transfer_fail(transfer, kind, "body larger than %ld bytes (decoded)",
                            transfer->max_body_bytes);
    else if (transfer->abort_reason != NULL)
        fetch_transfer_fail(transfer, kind, "%s", transfer->abort_reason);
    else
        fetch_transfer_fail(transfer, kind, "%s", transfer->curl_error[0]
                                                       ? transfer->curl_error
                                                       : curl_easy_strerror(result));
}

/* Sets up the next hop; FETCH_TRANSFER_DONE with the response failed when it may not be. */
static enum fetch_transfer_next follow(struct fetch_transfer *transfer)
{
    char *target = NULL;
    if (curl_easy_getinfo(transfer->easy, CURLINFO_REDIRECT_URL, &target) != CURLE_OK ||
        target == NULL) {
        struct curl_header *location;
        const char *shown = curl_easy_header(transfer->easy, "Location", 0, CURLH_HEADER, -1,
                                             &location) == CURLHE_OK
                                ? location->value
                                : "";
        fetch_transfer_fail(transfer, FETCH_ERROR_REDIRECT,
                            "redirect to " URL_QUOTE ": not a URL netra follows", shown);
        return FETCH_TRANSFER_DONE;
    }
    if (transfer->hops >= FETCH_MAX_REDIRECTS) {
        fetch_transfer_fail(transfer, FETCH_ERROR_REDIRECT, "more than %d redirects, last to "
                            URL_QUOTE, FETCH_MAX_REDIRECTS, target);
        return FETCH_TRANSFER_DONE;
    }
    char *next = strdup(target);
    CURLUcode code;
    char *from = url_host(transfer->url, NULL, &code);
    char *to = next != NULL ? url_host(next, NULL, &code) : NULL;
    if (next == NULL) {
        fetch_transfer_fail(transfer, FETCH_ERROR_CONNECT, "out of memory");
    } else {
        if (from == NULL || to == NULL || strcasecmp(from, to) != 0)
            transfer->cross_host = 1;
        free(transfer->url);
        transfer->url = next;
        transfer->hops++;
    }
    curl_free(from);
    curl_free(to);
    if (next == NULL || fetch_transfer_check_url(transfer, FETCH_ERROR_REDIRECT) != 0)
        return FETCH_TRANSFER_DONE;
    return FETCH_TRANSFER_REDIRECT;
}

enum fetch_transfer_next fetch_transfer_finish(struct fetch_transfer *transfer, CURLcode result,
                                               long long now_ms)
{
    struct fetch_response *response = &transfer->response;
    long status = 0;
    curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status);
    response->status = status;
    if (result != CURLE_OK) {
        fail_from_curl(transfer, result);
        return FETCH_TRANSFER_DONE;
    }
    struct curl_header *location;
    if (is_redirect(status) && curl_easy_header(transfer->easy, "Location", 0, CURLH_HEADER, -1,
                                                &location) == CURLHE_OK)
        return follow(transfer);
    response->error = FETCH_OK;
    response->error_text[0] = '\0';
    response->body = transfer->body != NULL ? transfer->body : "";
    response->body_len = transfer->body_len;
    read_headers(transfer, now_ms);
    return FETCH_TRANSFER_DONE;
}
