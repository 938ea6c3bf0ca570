/* Sending one command or script call on the async connection with a context of the caller's
 * own (typically its typed callback and that callback's data), so that no caller allocates,
 * frees or reports a failed send by hand.
 *
 * redis_call_send() copies context (context_size bytes: it may live on the caller's stack) and
 * hands the copy to fn as data; the copy is freed when fn returns, so fn never frees it. With
 * script NULL, args is sent as a plain command and fn may get an error reply; otherwise args is
 * `numkeys key... arg...` of script, run by scripts_run_async() (fn gets no error reply).
 * Returns 0 when fn will be called exactly once, or -1 with err when it will not be: args ran
 * out of memory while built, or "<what>: ..." (what formatted like printf) when it cannot be
 * sent. */
#ifndef NETRA_QUEUE_REDIS_CALL_H
#define NETRA_QUEUE_REDIS_CALL_H

#include <stddef.h>

#include "queue/redis_async.h"
#include "queue/scripts.h"

int redis_call_send(struct redis_async *redis, const struct redis_script *script,
                    const struct redis_args *args, redis_async_fn *fn, const void *context,
                    size_t context_size, char *err, size_t err_len, const char *what_format, ...)
    __attribute__((format(printf, 9, 10)));

#endif
