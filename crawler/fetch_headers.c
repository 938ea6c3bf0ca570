#include "crawler/fetch_headers.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

/* More digits than any Unix time or wait a platform means; keeps every product below
 * LLONG_MAX. */
#define MAX_DIGITS 15

static long long clamp_wait(long long wait_ms)
{
    if (wait_ms < 0)
        return 0;
    return wait_ms > FETCH_HEADERS_MAX_WAIT_MS ? FETCH_HEADERS_MAX_WAIT_MS : wait_ms;
}

/* The value without surrounding spaces and tabs, NUL-terminated in text; -1 when empty or
 * longer than any value these headers carry. */
static int copy_trimmed(const char *value, char *text, size_t text_size, size_t *len)
{
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strlen(value);
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= text_size)
        return -1;
    memcpy(text, value, n);
    text[n] = '\0';
    *len = n;
    return 0;
}

static int all_digits(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)text[i]))
            return 0;
    return len > 0;
}

/* 1..MAX_DIGITS decimal digits. */
static int parse_digits(const char *text, size_t len, long long *out)
{
    if (!all_digits(text, len) || len > MAX_DIGITS)
        return -1;
    long long n = 0;
    for (size_t i = 0; i < len; i++)
        n = n * 10 + (text[i] - '0');
    *out = n;
    return 0;
}

int fetch_headers_retry_after(const char *value, long long now_ms, long long *wait_ms)
{
    char text[64];
    size_t len;
    if (copy_trimmed(value, text, sizeof(text), &len) != 0)
        return -1;
    if (all_digits(text, len)) {
        long long seconds;
        /* Too many digits to count is still a wait: the longest one honoured. */
        if (parse_digits(text, len, &seconds) != 0 ||
            seconds > FETCH_HEADERS_MAX_WAIT_MS / 1000)
            seconds = FETCH_HEADERS_MAX_WAIT_MS / 1000;
        *wait_ms = seconds * 1000;
        return 0;
    }
    time_t when = curl_getdate(text, NULL);
    if (when < 0 || (long long)when > LLONG_MAX / 1000 / 2)
        return -1;
    *wait_ms = clamp_wait((long long)when * 1000 - now_ms);
    return 0;
}

static int number(const char *digits, int count)
{
    int n = 0;
    for (int i = 0; i < count; i++)
        n = n * 10 + (digits[i] - '0');
    return n;
}

/* "2026-11-22T10:05:00.019685Z" or with a "+07:00" offset -> Unix ms. */
static int parse_rfc3339(const char *text, long long *unix_ms)
{
    static const char pattern[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; i < sizeof(pattern) - 1; i++) {
        if (pattern[i] == 'd' ? !isdigit((unsigned char)text[i]) : text[i] != pattern[i])
            return -1;
    }
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = number(text, 4) - 1900;
    tm.tm_mon = number(text + 5, 2) - 1;
    tm.tm_mday = number(text + 8, 2);
    tm.tm_hour = number(text + 11, 2);
    tm.tm_min = number(text + 14, 2);
    tm.tm_sec = number(text + 17, 2);
    const char *rest = text + sizeof(pattern) - 1;
    long long fraction_ms = 0;
    if (*rest == '.') {
        rest++;
        if (!isdigit((unsigned char)*rest))
            return -1;
        for (int place = 100; isdigit((unsigned char)*rest); rest++, place /= 10)
            fraction_ms += (*rest - '0') * place;
    }
    long long offset_s = 0;
    if (*rest == 'Z' || *rest == 'z') {
        rest++;
    } else if ((*rest == '+' || *rest == '-') && isdigit((unsigned char)rest[1]) &&
               isdigit((unsigned char)rest[2]) && rest[3] == ':' &&
               isdigit((unsigned char)rest[4]) && isdigit((unsigned char)rest[5])) {
        int hours = (rest[1] - '0') * 10 + (rest[2] - '0');
        int minutes = (rest[4] - '0') * 10 + (rest[5] - '0');
        if (hours > 23 || minutes > 59)
            return -1;
        offset_s = (rest[0] == '-' ? -1 : 1) * (hours * 3600LL + minutes * 60LL);
        rest += 6;
    } else {
        return -1;
    }
    if (*rest != '\0')
        return -1;
    struct tm fields = tm;
    time_t seconds = timegm(&tm);
    /* timegm() rolls 31 February into March: a time that does not come back is not a time. */
    if (seconds < 0 || tm.tm_mon != fields.tm_mon || tm.tm_mday != fields.tm_mday ||
        tm.tm_hour != fields.tm_hour || tm.tm_min != fields.tm_min || tm.tm_sec != fields.tm_sec)
        return -1;
    *unix_ms = ((long long)seconds - offset_s) * 1000 + fraction_ms;
    return 0;
}

int fetch_headers_rate_limit_reset(const char *value, long long now_ms, long long *reset_ms)
{
    char text[64];
    size_t len;
    if (copy_trimmed(value, text, sizeof(text), &len) != 0)
        return -1;
    long long when_ms;
    if (all_digits(text, len)) {
        long long seconds;
        if (parse_digits(text, len, &seconds) != 0)
            return -1;
        /* Below 1e9 (2001) no Unix time a platform sends today: a delta in seconds. */
        when_ms = seconds < 1000000000LL ? now_ms + seconds * 1000 : seconds * 1000;
    } else if (parse_rfc3339(text, &when_ms) != 0) {
        return -1;
    }
    *reset_ms = when_ms <= now_ms ? when_ms : now_ms + clamp_wait(when_ms - now_ms);
    return 0;
}

int fetch_headers_count(const char *value, long *count)
{
    char text[64];
    size_t len;
    if (copy_trimmed(value, text, sizeof(text), &len) != 0 || !all_digits(text, len))
        return -1;
    long long n;
    if (parse_digits(text, len, &n) != 0 || n > LONG_MAX)
        n = LONG_MAX;
    *count = (long)n;
    return 0;
}
