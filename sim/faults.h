/* Fault injection: what the simulator does wrong, to whom, and how many more times.
 *
 * A fault names a mode, an account (watchlist id) or none for every account, a count of
 * requests it still applies to (-1 = until cleared) and seconds (stall length, Retry-After, or
 * megabytes for oversized; 0 = the mode's default). Each platform request takes at most one
 * fault: the oldest one for its account, else the oldest one for everybody. Thread-safe. */
#ifndef NETRA_SIM_FAULTS_H
#define NETRA_SIM_FAULTS_H

#include <pthread.h>
#include <stddef.h>

#define FAULTS_MAX 256

enum fault_mode {
    FAULT_RATE_LIMIT,
    FAULT_ERROR_500,
    FAULT_ERROR_503,
    FAULT_STALL,
    FAULT_TRUNCATED,
    FAULT_INVALID_BODY,
    FAULT_OVERSIZED,
    FAULT_REDIRECT_LOOP,
    FAULT_REDIRECT_OFFSITE,
    FAULT_SLOW_DRIP,
    FAULT_GONE,
    FAULT_MODE_COUNT
};

struct fault {
    char account[64]; /* "" = every account */
    enum fault_mode mode;
    long remaining;   /* requests it still applies to; -1 = until cleared */
    double seconds;   /* 0 = the mode's default */
};

struct faults {
    pthread_mutex_t lock;
    struct fault items[FAULTS_MAX];
    size_t count;
};

const char *fault_mode_name(enum fault_mode mode);
int fault_mode_from_name(const char *name, enum fault_mode *mode);
/* The default stall / Retry-After seconds, oversized megabytes. */
double fault_default_seconds(enum fault_mode mode);

void faults_init(struct faults *faults);
void faults_destroy(struct faults *faults);
int faults_add(struct faults *faults, const struct fault *fault, char *err, size_t err_len);
void faults_clear(struct faults *faults);
/* 1 and *out when a fault applies to a request for `account` (NULL: a request naming no known
 * account, which only faults for everybody reach); the fault's count goes down by one. */
int faults_take(struct faults *faults, const char *account, struct fault *out);
/* "mode[:account][:count][:seconds],..." -> faults added; an all-digit second field is a count
 * ("error_503:3"); an empty account means everybody ("stall::2:5"). */
int faults_parse_spec(struct faults *faults, const char *spec, char *err, size_t err_len);
/* A snapshot for GET /_sim/faults; returns how many were copied. */
size_t faults_list(struct faults *faults, struct fault *out, size_t max);

#endif
