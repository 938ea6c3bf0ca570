#include "crawler/adapters/adapter_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/json_text.h"
#include "config/log.h"

#define BASE_URL_MAX 2048
/* result->posts holds room for this many posts at first, then twice as many each time it fills. */
#define RESULT_FIRST_CAPACITY 8
/* Room on the stack for an item's compact JSON: a Mastodon status is 2 to 4 KB. */
#define RAW_PRINT_ROOM (16 * 1024)

/* ---- bodies and members --------------------------------------------------------------------- */

/* Rewrites every \u0000 and lone surrogate escape as \uFFFD, the same six bytes. Backslashes
 * only occur in strings, where each one escapes the next character, so pairing them from left to
 * right finds every escape without parsing the JSON ("\\u0000" is a backslash, then text). */
static void repair_escapes(char *json, size_t len)
{
    size_t at = 0;
    while (at + 1 < len) {
        const char *backslash = memchr(json + at, '\\', len - 1 - at);
        if (backslash == NULL)
            break;
        at = (size_t)(backslash - json);
        long unit = json_unicode_escape_at(json, len, at);
        if (unit < 0) {
            at += 2;
            continue;
        }
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            long low = json_unicode_escape_at(json, len, at + 6);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                at += 12;
                continue;
            }
        }
        if (unit == 0 || (unit >= 0xD800 && unit <= 0xDFFF))
            memcpy(json + at, "\\uFFFD", 6);
        at += 6;
    }
}

/* The line of byte offset at in text, counted from 1. */
static size_t line_of(const char *text, size_t at)
{
    size_t line = 1;
    for (size_t i = 0; i < at; i++)
        line += text[i] == '\n';
    return line;
}

int adapter_json_parse(const char *body, size_t len, const char *what, cJSON **root, char *err,
                       size_t err_len)
{
    *root = NULL;
    if (body == NULL)
        len = 0;
    /* Checked before a byte is read: the limit is what keeps a hostile body from costing more. */
    if (len > ADAPTER_JSON_MAX_BODY)
        return error_set(err, err_len, "%s: %zu bytes, over the limit of %zu", what, len,
                         ADAPTER_JSON_MAX_BODY);
    const char *nul = len > 0 ? memchr(body, '\0', len) : NULL;
    if (nul != NULL) {
        size_t at = (size_t)(nul - body);
        return error_set(err, err_len, "%s: NUL byte at offset %zu (line %zu)", what, at,
                         line_of(body, at));
    }
    size_t bad_escape;
    if (json_bad_unicode_escape(body, len, &bad_escape))
        return error_set(err, err_len,
                         "%s: not valid JSON near byte %zu (line %zu): \\u needs four hex digits",
                         what, bad_escape, line_of(body, bad_escape));
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return error_set(err, err_len, "%s: out of memory", what);
    if (len > 0)
        memcpy(copy, body, len);
    copy[len] = '\0';
    repair_escapes(copy, len);
    size_t bom = len >= 3 && memcmp(copy, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    const char *end = NULL;
    /* The length counts the terminating NUL, so cJSON refuses anything after the value. */
    *root = cJSON_ParseWithLengthOpts(copy + bom, len - bom + 1, &end, 1);
    int rc = 0;
    if (*root == NULL) {
        size_t at = end != NULL && end >= copy && end <= copy + len ? (size_t)(end - copy) : 0;
        rc = error_set(err, err_len, "%s: not valid JSON near byte %zu (line %zu)", what, at,
                       line_of(copy, at));
    }
    free(copy);
    return rc;
}

enum member_type { MEMBER_STRING, MEMBER_ARRAY, MEMBER_OBJECT };

static int member(const cJSON *object, const char *name, enum member_type type, int required,
                  const char *where, cJSON **out, char *err, size_t err_len)
{
    static const char *const expected[] = {"expected a string", "expected an array",
                                           "expected an object"};
    cJSON *value = cJSON_GetObjectItemCaseSensitive(object, name);
    int absent = value == NULL || cJSON_IsNull(value);
    int fits = type == MEMBER_STRING  ? cJSON_IsString(value) && value->valuestring != NULL
               : type == MEMBER_ARRAY ? cJSON_IsArray(value)
                                      : cJSON_IsObject(value);
    *out = fits ? value : NULL;
    if (fits || (absent && !required))
        return 0;
    return error_set(err, err_len, "%s%s%s: %s", where, where[0] != '\0' ? "." : "", name,
                     absent ? "missing" : expected[type]);
}

int adapter_json_object(const cJSON *object, const char *name, int required, const char *where,
                        cJSON **out, char *err, size_t err_len)
{
    return member(object, name, MEMBER_OBJECT, required, where, out, err, err_len);
}

int adapter_json_array(const cJSON *object, const char *name, int required, const char *where,
                       cJSON **out, char *err, size_t err_len)
{
    return member(object, name, MEMBER_ARRAY, required, where, out, err, err_len);
}

int adapter_json_string(const cJSON *object, const char *name, int required, const char *where,
                        const char **out, char *err, size_t err_len)
{
    cJSON *value;
    int rc = member(object, name, MEMBER_STRING, required, where, &value, err, err_len);
    *out = value != NULL ? value->valuestring : NULL;
    return rc;
}

int adapter_json_set_raw(struct post_message *message, const cJSON *item, const char *where,
                         char *err, size_t err_len)
{
    /* Most items fit here, which spares cJSON's growing of a heap buffer for each of them; the
     * same printer writes the same bytes either way. It fails on an item that does not fit. */
    char printed[RAW_PRINT_ROOM];
    char *raw = NULL;
    const char *bytes = printed;
    int rc = 0;
    if (!cJSON_PrintPreallocated((cJSON *)item, printed, (int)sizeof(printed), 0)) {
        raw = cJSON_PrintUnformatted(item);
        if (raw == NULL)
            return error_set(err, err_len, "out of memory");
        bytes = raw;
    }
    size_t len = strlen(bytes);
    if (len > ADAPTER_ITEM_MAX_BYTES)
        rc = error_set(err, err_len, "%s: %zu bytes, over the %d an item may have", where, len,
                       ADAPTER_ITEM_MAX_BYTES);
    else if (post_message_set_raw(message, bytes, len) != 0)
        rc = error_set(err, err_len, "out of memory");
    cJSON_free(raw);
    return rc;
}

/* At most max bytes of s at out; returns the bytes written. */
static size_t copy_cut(char *out, const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    memcpy(out, s, n);
    return n;
}

/* Paths are made for every item of every page, mostly never shown: plain copies, not printf.
 * The cuts (80 bytes of where, 40 or 20 of member, 20 digits) keep every path within
 * ADAPTER_WHERE_LEN. */
void adapter_where(char out[ADAPTER_WHERE_LEN], const char *where, const char *member)
{
    size_t used = copy_cut(out, where, 80);
    used += copy_cut(out + used, member, 40);
    out[used] = '\0';
}

void adapter_where_index(char out[ADAPTER_WHERE_LEN], const char *where, const char *member,
                         size_t index)
{
    char digits[24];
    size_t count = 0;
    do {
        digits[count++] = (char)('0' + index % 10);
        index /= 10;
    } while (index > 0);
    size_t used = copy_cut(out, where, 80);
    used += copy_cut(out + used, member, 20);
    out[used++] = '[';
    while (count > 0)
        out[used++] = digits[--count];
    out[used++] = ']';
    out[used] = '\0';
}

/* ---- text for messages ---------------------------------------------------------------------- */

char *adapter_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int length = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (length < 0)
        return NULL;
    char *s = malloc((size_t)length + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)length + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* ---- requests ------------------------------------------------------------------------------- */

int adapter_http_url(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

char *adapter_percent_encode(const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(value) * 3 + 1);
    if (out == NULL)
        return NULL;
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out[used++] = (char)c;
        } else {
            out[used++] = '%';
            out[used++] = hex[c >> 4];
            out[used++] = hex[c & 0xF];
        }
    }
    out[used] = '\0';
    return out;
}

int adapter_base_url(const char *platform, const char *configured, const char *fallback,
                     char **out, char *err, size_t err_len)
{
    char shown[ADAPTER_SHOWN_LEN];
    const char *base = configured != NULL && configured[0] != '\0' ? configured : fallback;
    *out = NULL;
    if (base == NULL)
        return 0;
    size_t length = strlen(base);
    if (!adapter_http_url(base) || length > BASE_URL_MAX)
        return error_set(err, err_len,
                         "platforms.%s.base_url \"%s\": expected an http:// or https:// URL",
                         platform, error_shown(shown, sizeof(shown), base));
    while (length > 0 && base[length - 1] == '/')
        length--;
    *out = strndup(base, length);
    return *out != NULL ? 0 : error_set(err, err_len, "out of memory");
}

int adapter_page_size(const struct adapter_settings *settings, int min, int max)
{
    int asked = settings != NULL ? settings->page_size : 0;
    if (asked <= 0 || asked > max)
        return max;
    return asked < min ? min : asked;
}

static int header_add(struct adapter_request *request, char *header, char *err, size_t err_len)
{
    if (header == NULL)
        return error_set(err, err_len, "out of memory");
    if (request->header_count == ADAPTER_MAX_HEADERS) {
        free(header);
        return error_set(err, err_len, "request: more than %d headers", ADAPTER_MAX_HEADERS);
    }
    request->headers[request->header_count++] = header;
    return 0;
}

int adapter_request_bearer(struct adapter_request *request, const char *platform,
                           const char *token, char *err, size_t err_len)
{
    for (const char *p = token; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7F)
            return error_set(err, err_len,
                             "platforms.%s.token holds a space, control or non-ASCII byte at "
                             "byte %zu: it cannot go in an HTTP header",
                             platform, (size_t)(p - token));
    return header_add(request, adapter_format("Authorization: Bearer %s", token), err, err_len);
}

int adapter_request_json_headers(struct adapter_request *request, const char *platform,
                                 const struct adapter_settings *settings, char *err,
                                 size_t err_len)
{
    const char *token = settings != NULL ? settings->token : NULL;
    if (header_add(request, strdup("Accept: application/json"), err, err_len) != 0)
        return -1;
    if (token == NULL || token[0] == '\0')
        return 0;
    return adapter_request_bearer(request, platform, token, err, err_len);
}

/* ---- results -------------------------------------------------------------------------------- */

int adapter_result_add(struct adapter_result *result, struct post_message *message, char *err,
                       size_t err_len)
{
    size_t count = result->count;
    /* posts holds RESULT_FIRST_CAPACITY, then the next power of two: it is full when count is
     * 0 or such a power, and doubling keeps a page of many posts linear. */
    if (count == 0 || (count >= RESULT_FIRST_CAPACITY && (count & (count - 1)) == 0)) {
        size_t capacity = count == 0 ? RESULT_FIRST_CAPACITY : 2 * count;
        struct post_message **posts = realloc(result->posts, capacity * sizeof(*posts));
        if (posts == NULL) {
            post_message_free(message);
            return error_set(err, err_len, "out of memory");
        }
        result->posts = posts;
    }
    result->posts[result->count++] = message;
    return 0;
}

int adapter_result_skip(struct adapter_result *result, const char *reason, char *err,
                        size_t err_len)
{
    result->skipped++;
    if (result->first_skip_reason != NULL)
        return 0;
    result->first_skip_reason = strdup(reason);
    return result->first_skip_reason != NULL ? 0 : error_set(err, err_len, "out of memory");
}
