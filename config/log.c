#include "config/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static const char *log_process = "netra";
static enum log_level log_threshold = LOG_LEVEL_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_process(const char *name)
{
    log_process = name;
}

void log_set_level(enum log_level level)
{
    log_threshold = level;
}

int log_level_from_name(const char *name, enum log_level *level)
{
    for (int i = LOG_LEVEL_DEBUG; i <= LOG_LEVEL_ERROR; i++) {
        const char *a = level_names[i], *b = name;
        while (*a && *a == *b) {
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0') {
            *level = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_message(enum log_level level, const char *fmt, ...)
{
    if (level < log_threshold)
        return;
    struct timespec now;
    struct tm utc;
    char stamp[32];
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &utc);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);

    /* One fprintf per line so concurrent writers do not interleave within a line. */
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s.%03ldZ %s %s: %s\n", stamp, now.tv_nsec / 1000000L, level_names[level],
            log_process, line);
}

int error_set(char *err, size_t err_len, const char *fmt, ...)
{
    if (err == NULL || err_len == 0)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}
