/* UTF-8 checks for every byte string netra reads from outside (platforms, files, HTTP clients).
 * Strict RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
#ifndef NETRA_CONFIG_UTF8_H
#define NETRA_CONFIG_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFDu

/* Decodes the code point at s[0..len): returns how many bytes it used (1..4) and sets *cp.
 * An invalid or truncated sequence uses 1 byte and yields U+FFFD, so a caller that loops on it
 * always advances and never reads past len. len must be > 0. */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Writes cp (<= U+10FFFF, not a surrogate) as 1..4 bytes into out; returns the count, or 0 when
 * cp cannot be encoded. */
size_t utf8_encode(uint32_t cp, unsigned char out[4]);

/* 1 when every byte of s[0..len) belongs to a valid sequence; otherwise 0 and, when offset is
 * not NULL, the offset of the first bad byte. */
int utf8_valid(const char *s, size_t len, size_t *offset);

#endif
