/* Building Redis commands, shared by the sync and async clients.
 *
 * struct redis_args is a growing argv whose strings it owns (copies). Adding never fails at the
 * call site: an allocation failure is remembered and reported once by redis_args_ok(), so a
 * command is built in straight-line code and checked before it is sent.
 *
 * What comes back is read with queue/redis_reply.h, included here for every client's users. */
#ifndef NETRA_QUEUE_REDIS_CMD_H
#define NETRA_QUEUE_REDIS_CMD_H

#include <stddef.h>

#include "queue/redis_reply.h"

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

#endif
