/* A small HTTP server on 127.0.0.1 (libmicrohttpd, a thread per connection) that misbehaves on
 * demand, for the fetch engine's tests. Paths (query arguments in brackets):
 *
 *   /ok               200 "hello netra" with Content-Type, ETag "v1", Last-Modified, Link
 *   /etag             304 when If-None-Match is "v1", else 200 with ETag "v1"
 *   /gzip             "hello netra" x 100, gzip-encoded
 *   /bad-gzip         Content-Encoding: gzip over bytes that are not gzip
 *   /gzip-bomb        [n] n zero bytes (default 1 MiB), gzip-encoded (about 1 KiB on the wire)
 *   /big              [n] n bytes with a Content-Length
 *   /big-chunked      [n] n bytes, chunked (no length known up front)
 *   /redirect         [to] 302 to `to`
 *   /loop             302 to /loop, forever
 *   /429              [retry] 429 with Retry-After: retry (seconds)
 *   /503-date         [retry] 503 with Retry-After: an HTTP date retry seconds ahead
 *   /ratelimit-mastodon [in] 200, X-RateLimit-Remaining: 0, X-RateLimit-Reset RFC 3339 `in` s ahead
 *   /ratelimit-x      [in] 200, x-rate-limit-remaining: 0, x-rate-limit-reset Unix seconds
 *   /ratelimit-bluesky [in] 200, RateLimit-Remaining: 0, RateLimit-Reset Unix seconds
 *   /slow             [ms] answers after ms (default 150)
 *   /stall            never answers (until the server stops)
 *   /truncate         advertises 1000 bytes, sends 100, closes
 *   /drip             one byte every 300 ms, chunked, for as long as the client stays
 *   /many-headers     200 with 150 header lines
 *   /long-header      200 with a 10000-byte header value
 *
 * Every request is recorded per path: how many arrived, the most in flight at once, when each
 * arrived (wall-clock ms) and the Authorization header of the last one; and the server counts
 * the TCP connections it accepted. */
#ifndef NETRA_TESTS_CRAWLER_FETCH_TEST_SERVER_H
#define NETRA_TESTS_CRAWLER_FETCH_TEST_SERVER_H

#define FETCH_TEST_MAX_ARRIVALS 64

struct fetch_test_server;

struct fetch_test_hits {
    int count;
    int max_in_flight;
    long long arrived_ms[FETCH_TEST_MAX_ARRIVALS];
    char authorization[128]; /* "" when the last request had none */
};

/* Fails the running test when the server cannot start. */
struct fetch_test_server *fetch_test_server_start(void);
void fetch_test_server_stop(struct fetch_test_server *server);
int fetch_test_server_port(const struct fetch_test_server *server);
void fetch_test_server_hits(struct fetch_test_server *server, const char *path,
                            struct fetch_test_hits *hits);

int fetch_test_server_connections(struct fetch_test_server *server);

long long fetch_test_wall_ms(void);

#endif
