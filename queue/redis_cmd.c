#include "queue/redis_cmd.h"

#include <errno.h>
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

int redis_reply_check(const redisReply *reply, const char *what, char *err, size_t err_len)
{
    if (reply == NULL)
        return error_set(err, err_len, "%s: no reply", what);
    if (reply->type == REDIS_REPLY_ERROR)
        return error_set(err, err_len, "%s: %.*s", what, (int)reply->len, reply->str);
    return 0;
}

int redis_reply_is_error(const redisReply *reply, const char *code)
{
    size_t len = strlen(code);
    return reply != NULL && reply->type == REDIS_REPLY_ERROR && reply->len >= len &&
           memcmp(reply->str, code, len) == 0;
}

static const char *type_name(int type)
{
    switch (type) {
    case REDIS_REPLY_STRING: return "string";
    case REDIS_REPLY_ARRAY: return "array";
    case REDIS_REPLY_INTEGER: return "integer";
    case REDIS_REPLY_NIL: return "nil";
    case REDIS_REPLY_STATUS: return "status";
    case REDIS_REPLY_ERROR: return "error";
    default: return "unknown";
    }
}

int redis_reply_expect(const redisReply *reply, int type, size_t min_elements, const char *what,
                       char *err, size_t err_len)
{
    if (redis_reply_check(reply, what, err, err_len) != 0)
        return -1;
    if (reply->type != type)
        return error_set(err, err_len, "%s: expected %s reply, got %s", what, type_name(type),
                         type_name(reply->type));
    if (type == REDIS_REPLY_ARRAY && reply->elements < min_elements)
        return error_set(err, err_len, "%s: expected at least %zu elements, got %zu", what,
                         min_elements, reply->elements);
    return 0;
}

int redis_reply_is_string(const redisReply *reply)
{
    return reply != NULL && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS);
}

int redis_reply_integer(const redisReply *reply, long long *out)
{
    if (reply == NULL)
        return -1;
    if (reply->type == REDIS_REPLY_INTEGER) {
        *out = reply->integer;
        return 0;
    }
    if (!redis_reply_is_string(reply) || reply->len == 0 || reply->len > 20)
        return -1;
    char text[24], *end;
    memcpy(text, reply->str, reply->len);
    text[reply->len] = '\0';
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = value;
    return 0;
}

char *redis_reply_strdup(const redisReply *reply)
{
    if (!redis_reply_is_string(reply))
        return NULL;
    char *copy = malloc(reply->len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, reply->str, reply->len);
    copy[reply->len] = '\0';
    return copy;
}
