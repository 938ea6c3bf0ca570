/* Any bytes as the value of Retry-After, a rate-limit reset and a remaining count: no crash,
 * and whatever is accepted stays inside the bounds the scheduler relies on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crawler/fetch_headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = malloc(size + 1);
    if (value == NULL)
        return 0;
    memcpy(value, data, size);
    value[size] = '\0';
    const long long now = 1795000000000LL;

    long long wait;
    if (fetch_headers_retry_after(value, now, &wait) == 0 &&
        (wait < 0 || wait > FETCH_HEADERS_MAX_WAIT_MS))
        abort();
    long long reset;
    if (fetch_headers_rate_limit_reset(value, now, &reset) == 0 &&
        (reset < 0 || reset > now + FETCH_HEADERS_MAX_WAIT_MS))
        abort();
    long count;
    if (fetch_headers_count(value, &count) == 0 && count < 0)
        abort();
    free(value);
    return 0;
}
