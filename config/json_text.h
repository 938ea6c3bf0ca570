/* What netra checks in JSON text before cJSON reads it, for every JSON body from outside
 * (platform answers, stream messages).
 *
 * cJSON 1.7.15 decodes a \u escape whose four characters are not all hex digits as U+0000,
 * which ends the C string there: a post "ayo \uZZZZ coblos nomor 2" would be scored as "ayo ".
 * Such text is not JSON (RFC 8259, section 7), so netra refuses it instead. */
#ifndef NETRA_CONFIG_JSON_TEXT_H
#define NETRA_CONFIG_JSON_TEXT_H

#include <stddef.h>

/* The UTF-16 code unit of the "\uXXXX" escape at json[at], or -1 when none starts there. */
long json_unicode_escape_at(const char *json, size_t len, size_t at);

/* 1 when json[0..len) holds a \u escape without four hex digits after it, with *offset the
 * byte offset of its backslash; otherwise 0. Backslashes pair from left to right, so "\\u" (an
 * escaped backslash, then the letter u) is no escape. */
int json_bad_unicode_escape(const char *json, size_t len, size_t *offset);

#endif
