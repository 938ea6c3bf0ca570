#include "sim/faults.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"

static const char *const mode_names[FAULT_MODE_COUNT] = {
    "rate_limit", "error_500",    "error_503",       "stall",     "truncated", "invalid_body",
    "oversized",  "redirect_loop", "redirect_offsite", "slow_drip", "gone",
};

const char *fault_mode_name(enum fault_mode mode)
{
    return mode_names[mode];
}

int fault_mode_from_name(const char *name, enum fault_mode *mode)
{
    for (int m = 0; m < FAULT_MODE_COUNT; m++) {
        if (strcmp(name, mode_names[m]) == 0) {
            *mode = (enum fault_mode)m;
            return 0;
        }
    }
    return -1;
}

double fault_default_seconds(enum fault_mode mode)
{
    switch (mode) {
    case FAULT_STALL:
        return 30;
    case FAULT_RATE_LIMIT:
        return 2;
    case FAULT_OVERSIZED:
        return 64;
    default:
        return 0;
    }
}

void faults_init(struct faults *faults)
{
    memset(faults, 0, sizeof(*faults));
    pthread_mutex_init(&faults->lock, NULL);
}

void faults_destroy(struct faults *faults)
{
    pthread_mutex_destroy(&faults->lock);
}

int faults_add(struct faults *faults, const struct fault *fault, char *err, size_t err_len)
{
    if (fault->remaining == 0 || fault->remaining < -1)
        return error_set(err, err_len, "fault count must be at least 1 (or omitted)");
    if (!(fault->seconds >= 0) || fault->seconds > 3600)
        return error_set(err, err_len, "fault seconds must be 0..3600");
    pthread_mutex_lock(&faults->lock);
    int rc = 0;
    if (faults->count == FAULTS_MAX)
        rc = error_set(err, err_len, "too many faults set at once (at most %d)", FAULTS_MAX);
    else
        faults->items[faults->count++] = *fault;
    pthread_mutex_unlock(&faults->lock);
    return rc;
}

void faults_clear(struct faults *faults)
{
    pthread_mutex_lock(&faults->lock);
    faults->count = 0;
    pthread_mutex_unlock(&faults->lock);
}

static int take_at(struct faults *faults, size_t i, struct fault *out)
{
    *out = faults->items[i];
    struct fault *f = &faults->items[i];
    if (f->remaining > 0 && --f->remaining == 0) {
        memmove(f, f + 1, (faults->count - i - 1) * sizeof(*f));
        faults->count--;
    }
    return 1;
}

int faults_take(struct faults *faults, const char *account, struct fault *out)
{
    int found = 0;
    pthread_mutex_lock(&faults->lock);
    if (account != NULL)
        for (size_t i = 0; i < faults->count && !found; i++)
            if (strcmp(faults->items[i].account, account) == 0)
                found = take_at(faults, i, out);
    for (size_t i = 0; i < faults->count && !found; i++)
        if (faults->items[i].account[0] == '\0')
            found = take_at(faults, i, out);
    pthread_mutex_unlock(&faults->lock);
    return found;
}

size_t faults_list(struct faults *faults, struct fault *out, size_t max)
{
    pthread_mutex_lock(&faults->lock);
    size_t n = faults->count < max ? faults->count : max;
    memcpy(out, faults->items, n * sizeof(*out));
    pthread_mutex_unlock(&faults->lock);
    return n;
}

static int all_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int parse_one(struct faults *faults, char *item, char *err, size_t err_len)
{
    char *fields[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    char *p = item;
    for (;;) {
        if (n == 4)
            return error_set(err, err_len, "fault \"%s\": more than mode:account:count:seconds",
                             fields[0]);
        fields[n++] = p;
        char *colon = strchr(p, ':');
        if (colon == NULL)
            break;
        *colon = '\0';
        p = colon + 1;
    }

    struct fault fault = {.remaining = -1};
    if (fault_mode_from_name(fields[0], &fault.mode) != 0)
        return error_set(err, err_len,
                         "fault \"%s\": unknown mode (expected rate_limit, error_500, error_503, "
                         "stall, truncated, invalid_body, oversized, redirect_loop, "
                         "redirect_offsite, slow_drip, gone)",
                         fields[0]);
    size_t next = 1;
    if (fields[1] != NULL && !(n == 2 && all_digits(fields[1]))) {
        if (strlen(fields[1]) >= sizeof(fault.account))
            return error_set(err, err_len, "fault %s: account id too long", fields[0]);
        snprintf(fault.account, sizeof(fault.account), "%s", fields[1]);
        next = 2;
    }
    if (next < n && fields[next] != NULL) {
        if (!all_digits(fields[next]) || strlen(fields[next]) > 9)
            return error_set(err, err_len, "fault %s: count \"%s\" is not a number", fields[0],
                             fields[next]);
        fault.remaining = strtol(fields[next], NULL, 10);
        next++;
    }
    if (next < n && fields[next] != NULL) {
        char *end = NULL;
        fault.seconds = strtod(fields[next], &end);
        if (end == fields[next] || *end != '\0')
            return error_set(err, err_len, "fault %s: seconds \"%s\" is not a number", fields[0],
                             fields[next]);
    }
    char reason[256];
    if (faults_add(faults, &fault, reason, sizeof(reason)) != 0)
        return error_set(err, err_len, "fault %s: %s", fields[0], reason);
    return 0;
}

int faults_parse_spec(struct faults *faults, const char *spec, char *err, size_t err_len)
{
    char *copy = strdup(spec);
    if (copy == NULL)
        return error_set(err, err_len, "out of memory reading --faults");
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item != NULL && rc == 0;
         item = strtok_r(NULL, ",", &save))
        rc = parse_one(faults, item, err, err_len);
    free(copy);
    return rc;
}
