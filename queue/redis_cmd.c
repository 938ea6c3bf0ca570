#include "queue/redis_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"

void redis_args_init(struct redis_args *args)
{
    memset(args, 0, sizeof(*args));
}

void redis_args_free(struct redis_args *args)
{
    for (int i = 0; i < args->argc; i++)
        free(args->argv[i]);
    free(args->argv);
    free(args->lens);
    memset(args, 0, sizeof(*args));
}

static int args_grow(struct redis_args *args)
{
    if (args->argc < args->capacity)
        return 0;
    int capacity = args->capacity ? args->capacity * 2 : 16;
    char **argv = realloc(args->argv, (size_t)capacity * sizeof(*argv));
    if (argv == NULL)
        return -1;
    args->argv = argv;
    size_t *lens = realloc(args->lens, (size_t)capacity * sizeof(*lens));
    if (lens == NULL)
        return -1;
    args->lens = lens;
    args->capacity = capacity;
    return 0;
}

void redis_args_add(struct redis_args *args, const void *data, size_t len)
{
    if (args->oom)
        return;
    /* One spare byte keeps every argument NUL-terminated for callers that print them. */
    char *copy = malloc(len + 1);
    if (copy == NULL || args_grow(args) != 0) {
        free(copy);
        args->oom = 1;
        return;
    }
    if (len > 0)
        memcpy(copy, data, len);
    copy[len] = '\0';
    args->argv[args->argc] = copy;
    args->lens[args->argc] = len;
    args->argc++;
}

void redis_args_add_str(struct redis_args *args, const char *s)
{
    redis_args_add(args, s, strlen(s));
}

void redis_args_add_long(struct redis_args *args, long long value)
{
    char text[24];
    int n = snprintf(text, sizeof(text), "%lld", value);
    redis_args_add(args, text, (size_t)n);
}

void redis_args_append(struct redis_args *args, const struct redis_args *other)
{
    for (int i = 0; i < other->argc; i++)
        redis_args_add(args, other->argv[i], other->lens[i]);
    if (other->oom)
        args->oom = 1;
}

int redis_args_ok(const struct redis_args *args, char *err, size_t err_len)
{
    if (args->oom)
        return error_set(err, err_len, "out of memory building a Redis command");
    return 0;
}
