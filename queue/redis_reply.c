#include "queue/redis_reply.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"

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

int redis_reply_expect_pairs(const redisReply *reply, const char *what, char *err,
                             size_t err_len)
{
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, what, err, err_len) != 0)
        return -1;
    if (reply->elements % 2 != 0)
        return error_set(err, err_len, "%s: expected pairs, got %zu elements", what,
                         reply->elements);
    return 0;
}

int redis_reply_is_string(const redisReply *reply)
{
    return reply != NULL && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS);
}

int redis_reply_equals(const redisReply *reply, const char *text)
{
    size_t len = strlen(text);
    return redis_reply_is_string(reply) && reply->len == len && memcmp(reply->str, text, len) == 0;
}

int redis_reply_integer(const redisReply *reply, long long *out)
{
    if (reply == NULL)
        return -1;
    if (reply->type == REDIS_REPLY_INTEGER) {
        *out = reply->integer;
        return 0;
    }
    char text[21], *end; /* the longest, "-9223372036854775808", and a NUL */
    if (redis_reply_copy(reply, text, sizeof(text)) != 0 || text[0] == '\0')
        return -1;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end != text + reply->len) /* a NUL inside is not the end of the number */
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

int redis_reply_copy(const redisReply *reply, char *out, size_t out_size)
{
    if (!redis_reply_is_string(reply) || reply->len >= out_size)
        return -1;
    memcpy(out, reply->str, reply->len);
    out[reply->len] = '\0';
    return 0;
}

const redisReply *redis_reply_field(const redisReply *pairs, const char *name)
{
    if (pairs == NULL || pairs->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < pairs->elements; i += 2)
        if (redis_reply_equals(pairs->element[i], name))
            return pairs->element[i + 1];
    return NULL;
}
