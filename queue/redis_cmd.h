/* Building Redis commands and checking what comes back, shared by the sync and async clients.
 *
 * struct redis_args is a growing argv whose strings it owns (copies). Adding never fails at the
 * call site: an allocation failure is remembered and reported once by redis_args_ok(), so a
 * command is built in straight-line code and checked before it is sent.
 *
 * The reply helpers take any reply, including NULL, and never trust its shape: they check the
 * type and return -1 with a description in err when it is not what the command promises. */
#ifndef NETRA_QUEUE_REDIS_CMD_H
#define NETRA_QUEUE_REDIS_CMD_H

#include <stddef.h>

#include <hiredis/hiredis.h>

struct redis_args {
    int argc;
    int capacity;
    char **argv;
    size_t *lens;
    int oom;
};

void redis_args_init(struct redis_args *args);
void redis_args_free(struct redis_args *args);
void redis_args_add(struct redis_args *args, const void *data, size_t len);
void redis_args_add_str(struct redis_args *args, const char *s);
void redis_args_add_long(struct redis_args *args, long long value);
/* Appends every argument of other. */
void redis_args_append(struct redis_args *args, const struct redis_args *other);
/* 0, or -1 with err when an add ran out of memory. */
int redis_args_ok(const struct redis_args *args, char *err, size_t err_len);

/* -1 with the server's message in err when reply is NULL or an error reply, else 0. */
int redis_reply_check(const redisReply *reply, const char *what, char *err, size_t err_len);
/* 1 when reply is an error reply starting with code (e.g. "NOSCRIPT", "BUSYGROUP"). */
int redis_reply_is_error(const redisReply *reply, const char *code);
/* Checks type (and, for arrays, elements >= min_elements). */
int redis_reply_expect(const redisReply *reply, int type, size_t min_elements, const char *what,
                       char *err, size_t err_len);
/* Integer replies, and bulk/status strings holding a decimal integer. */
int redis_reply_integer(const redisReply *reply, long long *out);
/* A newly allocated NUL-terminated copy of a string reply; NULL when not a string or no memory. */
char *redis_reply_strdup(const redisReply *reply);
/* 1 when reply is a bulk or status string. */
int redis_reply_is_string(const redisReply *reply);

#endif
