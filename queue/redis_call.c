#include "queue/redis_call.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"

struct sent_call {
    redis_async_fn *fn;
    max_align_t context[]; /* the caller's context, aligned for whatever it holds */
};

static void on_reply(struct redis_async *redis, redisReply *reply, const char *error, void *data)
{
    struct sent_call *sent = data;
    sent->fn(redis, reply, error, sent->context);
    free(sent);
}

__attribute__((format(printf, 4, 0))) static void send_failed(char *err, size_t err_len,
                                                              const char *problem,
                                                              const char *what_format,
                                                              va_list ap)
{
    char what[NETRA_ERR_LEN / 2];
    vsnprintf(what, sizeof(what), what_format, ap);
    error_set(err, err_len, "%s: %s", what, problem);
}

int redis_call_send(struct redis_async *redis, const struct redis_script *script,
                    const struct redis_args *args, redis_async_fn *fn, const void *context,
                    size_t context_size, char *err, size_t err_len, const char *what_format, ...)
{
    if (redis_args_ok(args, err, err_len) != 0)
        return -1;
    const char *problem = "out of memory";
    struct sent_call *sent = malloc(sizeof(*sent) + context_size);
    if (sent != NULL) {
        sent->fn = fn;
        memcpy(sent->context, context, context_size);
        if ((script != NULL ? scripts_run_async(redis, script, args, on_reply, sent)
                            : redis_async_command(redis, args, 0, on_reply, sent)) == 0)
            return 0;
        free(sent);
        problem = "Redis connection closed or out of memory";
    }
    va_list ap;
    va_start(ap, what_format);
    send_failed(err, err_len, problem, what_format, ap);
    va_end(ap);
    return -1;
}
