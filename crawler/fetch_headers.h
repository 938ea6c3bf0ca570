/* Reading the values of the response headers the fetch engine acts on. Header values are
 * hostile: every function takes any bytes, returns -1 for anything it does not fully understand,
 * and clamps what it accepts to a sane range so no arithmetic on it can overflow.
 *
 * Times are Unix milliseconds (now_ms is the wall clock when the answer arrived); waits are
 * milliseconds from now_ms, never negative, at most FETCH_HEADERS_MAX_WAIT_MS. */
#ifndef NETRA_CRAWLER_FETCH_HEADERS_H
#define NETRA_CRAWLER_FETCH_HEADERS_H

/* A day: the longest window any platform netra reads states (Bluesky's daily budget). */
#define FETCH_HEADERS_MAX_WAIT_MS (24LL * 3600 * 1000)

/* Retry-After: delay-seconds or an HTTP-date (RFC 9110 10.2.3) -> the wait in *wait_ms. */
int fetch_headers_retry_after(const char *value, long long now_ms, long long *wait_ms);

/* A rate-limit reset time -> Unix ms in *reset_ms. Accepts Unix seconds (X, Bluesky), an
 * RFC 3339 time (Mastodon: "2026-11-22T10:05:00.019685Z"), and, for a number too small to be a
 * Unix time, seconds from now (the IETF RateLimit-Reset draft). */
int fetch_headers_rate_limit_reset(const char *value, long long now_ms, long long *reset_ms);

/* A rate-limit remaining count: a non-negative decimal integer, clamped to LONG_MAX. */
int fetch_headers_count(const char *value, long *count);

#endif
