#include "sim/timefmt.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WIB_OFFSET_S (7 * 3600)

static const char *const day_names[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void split(int64_t ms, int64_t offset_s, struct tm *tm, int *millis)
{
    int64_t seconds = ms / 1000;
    int64_t rest = ms % 1000;
    if (rest < 0) {
        rest += 1000;
        seconds -= 1;
    }
    time_t t = (time_t)(seconds + offset_s);
    gmtime_r(&t, tm);
    *millis = (int)rest;
}

void time_rfc3339_ms(int64_t ms, char out[SIM_TIME_LEN])
{
    struct tm tm;
    int millis;
    split(ms, 0, &tm, &millis);
    snprintf(out, SIM_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

void time_rfc3339_wib(int64_t ms, char out[SIM_TIME_LEN])
{
    struct tm tm;
    int millis;
    split(ms, WIB_OFFSET_S, &tm, &millis);
    snprintf(out, SIM_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d+07:00", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void time_rfc822_wib(int64_t ms, char out[SIM_TIME_LEN])
{
    struct tm tm;
    int millis;
    split(ms, WIB_OFFSET_S, &tm, &millis);
    snprintf(out, SIM_TIME_LEN, "%s, %02d %s %04d %02d:%02d:%02d +0700", day_names[tm.tm_wday],
             tm.tm_mday, month_names[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

void time_http_date(int64_t ms, char out[SIM_TIME_LEN])
{
    struct tm tm;
    int millis;
    split(ms, 0, &tm, &millis);
    snprintf(out, SIM_TIME_LEN, "%s, %02d %s %04d %02d:%02d:%02d GMT", day_names[tm.tm_wday],
             tm.tm_mday, month_names[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

static int digits(const char *s, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return 0;
}

int time_parse_rfc3339(const char *text, int64_t *ms)
{
    int year, month, day, hour, minute, second;
    if (strlen(text) < 20 || digits(text, 4, &year) || text[4] != '-' ||
        digits(text + 5, 2, &month) || text[7] != '-' || digits(text + 8, 2, &day) ||
        (text[10] != 'T' && text[10] != 't') || digits(text + 11, 2, &hour) || text[13] != ':' ||
        digits(text + 14, 2, &minute) || text[16] != ':' || digits(text + 17, 2, &second))
        return -1;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return -1;
    const char *p = text + 19;
    int millis = 0;
    if (*p == '.') {
        p++;
        int places = 0;
        while (*p >= '0' && *p <= '9') {
            if (places < 3)
                millis = millis * 10 + (*p - '0');
            places++;
            p++;
        }
        if (places == 0)
            return -1;
        for (; places < 3; places++)
            millis *= 10;
    }
    int64_t offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset_s = (int64_t)(oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    int64_t seconds = (int64_t)timegm(&tm) - offset_s;
    *ms = seconds * 1000 + millis;
    return 0;
}

int time_parse_http_date(const char *text, int64_t *ms)
{
    time_t t = curl_getdate(text, NULL);
    if (t == (time_t)-1)
        return -1;
    *ms = (int64_t)t * 1000;
    return 0;
}

int64_t time_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
