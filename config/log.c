#include "config/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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
    int wanted = vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    /* A message cut to fit must not end inside a UTF-8 sequence: messages travel on as UTF-8. */
    if (wanted > 0 && (size_t)wanted >= err_len) {
        size_t end = strlen(err);
        size_t start = end;
        while (start > 0 && ((unsigned char)err[start - 1] & 0xC0) == 0x80)
            start--;
        if (start > 0 && ((unsigned char)err[start - 1] & 0x80) != 0) {
            unsigned char lead = (unsigned char)err[start - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (end - (start - 1) < need)
                err[start - 1] = '\0';
        }
    }
    return -1;
}

const char *error_shown(char *out, size_t out_len, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)(value != NULL ? value : ""); *p != '\0';
         p++) {
        char piece[4] = {(char)*p};
        size_t piece_len = 1;
        if (*p < 0x20 || *p >= 0x7F || *p == '"' || *p == '\\') {
            piece[0] = '\\';
            piece[1] = 'x';
            piece[2] = hex[*p >> 4];
            piece[3] = hex[*p & 0xF];
            piece_len = 4;
        }
        if (used + piece_len + sizeof("...") > out_len) {
            memcpy(out + used, "...", sizeof("..."));
            return out;
        }
        memcpy(out + used, piece, piece_len);
        used += piece_len;
    }
    out[used] = '\0';
    return out;
}
