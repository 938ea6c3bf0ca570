#include "config/json_text.h"

#include <string.h>

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

long json_unicode_escape_at(const char *json, size_t len, size_t at)
{
    if (at + 6 > len || json[at] != '\\' || json[at + 1] != 'u')
        return -1;
    long unit = 0;
    for (size_t i = at + 2; i < at + 6; i++) {
        int digit = hex_digit(json[i]);
        if (digit < 0)
            return -1;
        unit = unit * 16 + digit;
    }
    return unit;
}

int json_bad_unicode_escape(const char *json, size_t len, size_t *offset)
{
    size_t at = 0;
    while (at + 1 < len) {
        const char *backslash = memchr(json + at, '\\', len - 1 - at);
        if (backslash == NULL)
            break;
        at = (size_t)(backslash - json);
        if (json[at + 1] == 'u' && json_unicode_escape_at(json, len, at) < 0) {
            *offset = at;
            return 1;
        }
        at += 2;
    }
    return 0;
}
