/* The shared post builders on arbitrary bytes: HTML to text, platform times and the tag scan never
 * crash, and what they return is valid UTF-8 (text) or a well-formed UTC time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"
#include "crawler/adapters/post_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[NETRA_ERR_LEN];
    char *text = NULL;
    if (post_build_html_to_text((const char *)data, size, &text, err, sizeof(err)) == 0) {
        if (!utf8_valid(text, strlen(text), NULL))
            abort();
        struct post_message *message = post_message_new();
        if (message != NULL) {
            message->text = text;
            text = NULL;
            post_build_scan_text(message, err, sizeof(err));
            post_message_free(message);
        }
    }
    free(text);

    char *line = malloc(size + 1);
    if (line == NULL)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    char time[32];
    long long unix_s;
    if (post_build_time(line, time, &unix_s, err, sizeof(err)) == 0 &&
        (strlen(time) != 20 || time[19] != 'Z'))
        abort();
    free(line);
    return 0;
}
