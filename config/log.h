/* Logging and error text for every netra process.
 *
 * Log lines go to stderr as "2026-11-22T10:00:00.123Z level process: message". Functions that
 * can fail return -1 (or NULL) and describe the failure in a caller-supplied buffer `err` of
 * `err_len` bytes (NETRA_ERR_LEN is enough); the text names what failed and where, so a caller can
 * print it as is. */
#ifndef NETRA_CONFIG_LOG_H
#define NETRA_CONFIG_LOG_H

#include <stddef.h>

#define NETRA_ERR_LEN 1024

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* The process name shown on every line (not copied: pass a string that lives as long). */
void log_set_process(const char *name);
void log_set_level(enum log_level level);
/* "debug" | "info" | "warn" | "error" -> 0 and *level; anything else -> -1. */
int log_level_from_name(const char *name, enum log_level *level);

void log_message(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_message(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_message(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_message(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_message(LOG_LEVEL_ERROR, __VA_ARGS__)

/* snprintf into err when err is not NULL; always returns -1 so callers can `return error_set(...)`. */
int error_set(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* value (NULL is "") made safe to quote in a log line or error, so hostile text can neither
 * break the line in two nor make it long: printable ASCII other than '"' and '\' as is, every
 * other byte as \xNN, cut with "..." to fit out_len. Returns out. */
const char *error_shown(char *out, size_t out_len, const char *value);

#endif
