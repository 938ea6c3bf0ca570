#include "config/json_text.h"

#include <string.h>

static int is_hex_digit(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

int json_bad_unicode_escape(const char *json, size_t len, size_t *offset)
{
    size_t at = 0;
    while (at + 1 < len) {
        const char *backslash = memchr(json + at, '\\', len - 1 - at);
        if (backslash == NULL)
            break;
        at = (size_t)(backslash - json);
        if (json[at + 1] == 'u') {
            int digits = 0;
            while (digits < 4 && at + 2 + (size_t)digits < len &&
                   is_hex_digit(json[at + 2 + (size_t)digits]))
                digits++;
            if (digits < 4) {
                *offset = at;
                return 1;
            }
        }
        at += 2;
    }
    return 0;
}
