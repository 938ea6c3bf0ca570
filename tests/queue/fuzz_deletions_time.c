/* libFuzzer target: any bytes as a post's created_at, through the time the deletions index keeps.
 * Whatever the bytes, nothing is read past their end; an accepted time is in the Unix era, is
 * the same time without its fraction plus at most 999 ms, and reads the same twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/deletions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[NETRA_ERR_LEN];
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    long long ms, again;
    if (deletions_time_ms(text, &ms, err, sizeof(err)) == 0) {
        if (ms < 0 || deletions_time_ms(text, &again, err, sizeof(err)) != 0 || again != ms)
            abort();
        char whole[21];
        memcpy(whole, text, 19);
        whole[19] = 'Z';
        whole[20] = '\0';
        long long seconds;
        if (deletions_time_ms(whole, &seconds, err, sizeof(err)) != 0 || ms < seconds ||
            ms > seconds + 999)
            abort();
    } else if (err[0] == '\0') {
        abort();
    }
    free(text);
    return 0;
}
