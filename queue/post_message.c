/* The post message codec: JSON through cJSON, hashes through OpenSSL, raw bytes through zlib.
 *
 * One table per JSON object (the message, a media item) names every field once; the encoder, the
 * decoder and post_message_free() all walk it, so a field cannot be written under one name and
 * read under another.
 *
 * Encoder rule for absent fields: a NULL optional string, an empty list, an empty sha256 and a
 * repost_of or target whose members are all NULL are left out; everything else is written,
 * including "" strings, and `id`, `kind` and `text` always are. The decoder reads a missing field
 * or a JSON null as absent (NULL, count 0), so decoding what the encoder wrote gives back an
 * equal message. */
#define ZLIB_CONST
#include "queue/post_message.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "config/json_text.h"
#include "config/log.h"
#include "config/utf8.h"

#define SHA256_BYTES 32
/* Field names in errors, such as "media[1023].alt"; the precisions in their formats keep every
 * name within the buffer. */
#define FIELD_NAME_LEN 96

/* Raw bytes over inflate's first guess grow the output buffer by doubling, up to max_len. */
#define INFLATE_FIRST_CAPACITY (64 * 1024)

/* cJSON copies a NUL (raw, or escaped as \u0000) into its C strings, which would silently cut a
 * string short. Every NUL in the input is overwritten with this byte before parsing; it never
 * occurs in UTF-8, so the string check refuses the string that held the NUL, by name. */
#define NUL_MARK 0xFF

static const char *const kind_names[] = {"post", "repost", "reply", "quote", "follow", "like"};

enum field_type {
    FIELD_STRING,
    FIELD_TIMESTAMP, /* a string holding an RFC 3339 UTC time */
    FIELD_KIND,
    FIELD_SHA256,    /* char[65], 64 lowercase hex digits or "" */
    FIELD_STRINGS,   /* struct post_strings */
    FIELD_MEDIA,     /* the message's media and media_count */
    FIELD_OBJECT,    /* a nested object whose members live in the same struct */
};

struct field {
    const char *name;
    enum field_type type;
    size_t offset; /* of the member in the struct the table describes; unused for FIELD_MEDIA
                    * and FIELD_OBJECT */
    int required;
    const struct field *members; /* FIELD_OBJECT and FIELD_MEDIA */
    size_t member_count;
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static const struct field media_fields[] = {
    {"type", FIELD_STRING, offsetof(struct post_media, type), 0, NULL, 0},
    {"url", FIELD_STRING, offsetof(struct post_media, url), 0, NULL, 0},
    {"alt", FIELD_STRING, offsetof(struct post_media, alt), 0, NULL, 0},
};

static const struct field repost_fields[] = {
    {"author", FIELD_STRING, offsetof(struct post_message, repost_of.author), 0, NULL, 0},
    {"url", FIELD_STRING, offsetof(struct post_message, repost_of.url), 0, NULL, 0},
    {"text", FIELD_STRING, offsetof(struct post_message, repost_of.text), 0, NULL, 0},
};

static const struct field target_fields[] = {
    {"id", FIELD_STRING, offsetof(struct post_message, target.id), 0, NULL, 0},
    {"account", FIELD_STRING, offsetof(struct post_message, target.account), 0, NULL, 0},
    {"account_id", FIELD_STRING, offsetof(struct post_message, target.account_id), 0, NULL, 0},
    {"name", FIELD_STRING, offsetof(struct post_message, target.name), 0, NULL, 0},
    {"url", FIELD_STRING, offsetof(struct post_message, target.url), 0, NULL, 0},
    {"text", FIELD_STRING, offsetof(struct post_message, target.text), 0, NULL, 0},
};

static const struct field message_fields[] = {
    {"id", FIELD_STRING, offsetof(struct post_message, id), 1, NULL, 0},
    {"platform", FIELD_STRING, offsetof(struct post_message, platform), 0, NULL, 0},
    {"account", FIELD_STRING, offsetof(struct post_message, account), 0, NULL, 0},
    {"author", FIELD_STRING, offsetof(struct post_message, author), 0, NULL, 0},
    {"url", FIELD_STRING, offsetof(struct post_message, url), 0, NULL, 0},
    {"created_at", FIELD_TIMESTAMP, offsetof(struct post_message, created_at), 0, NULL, 0},
    {"fetched_at", FIELD_TIMESTAMP, offsetof(struct post_message, fetched_at), 0, NULL, 0},
    {"kind", FIELD_KIND, offsetof(struct post_message, kind), 0, NULL, 0},
    {"text", FIELD_STRING, offsetof(struct post_message, text), 1, NULL, 0},
    {"hashtags", FIELD_STRINGS, offsetof(struct post_message, hashtags), 0, NULL, 0},
    {"mentions", FIELD_STRINGS, offsetof(struct post_message, mentions), 0, NULL, 0},
    {"links", FIELD_STRINGS, offsetof(struct post_message, links), 0, NULL, 0},
    {"media", FIELD_MEDIA, 0, 0, media_fields, COUNT(media_fields)},
    {"repost_of", FIELD_OBJECT, 0, 0, repost_fields, COUNT(repost_fields)},
    {"target", FIELD_OBJECT, 0, 0, target_fields, COUNT(target_fields)},
    {"lang", FIELD_STRING, offsetof(struct post_message, lang), 0, NULL, 0},
    {"region", FIELD_STRING, offsetof(struct post_message, region), 0, NULL, 0},
    {"rescan", FIELD_STRING, offsetof(struct post_message, rescan), 0, NULL, 0},
    {"sha256", FIELD_SHA256, offsetof(struct post_message, sha256), 0, NULL, 0},
};

/* The decoder remembers which fields it has seen in one bit each. */
_Static_assert(COUNT(message_fields) <= 32, "a field table must fit a uint32_t");

static char **string_at(void *base, const struct field *field)
{
    return (char **)((char *)base + field->offset);
}

static const char *const_string_at(const void *base, const struct field *field)
{
    return *(char *const *)((const char *)base + field->offset);
}


/* ---- kinds, allocation ---- */

const char *post_kind_name(enum post_kind kind)
{
    if ((size_t)kind >= COUNT(kind_names))
        return NULL;
    return kind_names[kind];
}

int post_kind_is_engagement(enum post_kind kind)
{
    return kind == POST_KIND_FOLLOW || kind == POST_KIND_LIKE;
}

int post_kind_from_name(const char *name, enum post_kind *kind)
{
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < COUNT(kind_names); i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *kind = (enum post_kind)i;
            return 0;
        }
    }
    return -1;
}

struct post_message *post_message_new(void)
{
    return calloc(1, sizeof(struct post_message));
}

static void strings_free(struct post_strings *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

static void fields_free(const struct field *fields, size_t field_count, void *base)
{
    for (size_t i = 0; i < field_count; i++) {
        const struct field *field = &fields[i];
        switch (field->type) {
        case FIELD_STRING:
        case FIELD_TIMESTAMP:
            free(*string_at(base, field));
            *string_at(base, field) = NULL;
            break;
        case FIELD_STRINGS:
            strings_free((struct post_strings *)((char *)base + field->offset));
            break;
        case FIELD_MEDIA: {
            struct post_message *message = base;
            for (size_t j = 0; j < message->media_count; j++)
                fields_free(field->members, field->member_count, &message->media[j]);
            free(message->media);
            message->media = NULL;
            message->media_count = 0;
            break;
        }
        case FIELD_OBJECT:
            fields_free(field->members, field->member_count, base);
            break;
        case FIELD_KIND:
        case FIELD_SHA256:
            break;
        }
    }
}

void post_message_free(struct post_message *message)
{
    if (message == NULL)
        return;
    fields_free(message_fields, COUNT(message_fields), message);
    free(message->raw);
    free(message);
}

/* ---- SHA-256 ---- */

static void hex_encode(const unsigned char *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0x0F];
    }
    out[2 * len] = '\0';
}

static int sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    out[0] = '\0';
    if (EVP_Digest(len > 0 ? data : "", len, digest, &digest_len, EVP_sha256(), NULL) != 1 ||
        digest_len != SHA256_BYTES)
        return -1;
    hex_encode(digest, digest_len, out);
    return 0;
}

void post_sha256_hex(const void *data, size_t len, char out[65])
{
    sha256_hex(data, len, out);
}

int post_message_set_raw(struct post_message *message, const void *raw, size_t len)
{
    char hex[65];
    if (raw == NULL && len > 0)
        return -1;
    if (len == 0) { /* no bytes are no evidence: the message carries none rather than a hash of nothing */
        free(message->raw);
        message->raw = NULL;
        message->raw_len = 0;
        message->sha256[0] = '\0';
        return 0;
    }
    unsigned char *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        return -1;
    if (len > 0)
        memcpy(copy, raw, len);
    if (sha256_hex(copy, len, hex) != 0) {
        free(copy);
        return -1;
    }
    free(message->raw);
    message->raw = copy;
    message->raw_len = len;
    memcpy(message->sha256, hex, sizeof(hex));
    return 0;
}

/* ---- content hash ---- */

/* The content hash streams a prefix-free serialisation into SHA-256: every string is its byte
 * length (8 bytes, big-endian) and then its bytes, every list its item count and then its items,
 * in a fixed field order, so no two different contents serialise alike. A NULL string reads the
 * same as "" (a reader cannot tell an absent alt text from an empty one). A digest failure (out
 * of memory in OpenSSL) sticks, and the hash comes out "". */
struct content_hasher {
    EVP_MD_CTX *context;
    int failed;
};

static void hash_bytes(struct content_hasher *hasher, const void *bytes, size_t len)
{
    if (!hasher->failed && EVP_DigestUpdate(hasher->context, bytes, len) != 1)
        hasher->failed = 1;
}

static void hash_length(struct content_hasher *hasher, size_t length)
{
    unsigned char big_endian[8];
    uint64_t value = length;
    for (int i = 7; i >= 0; i--) {
        big_endian[i] = (unsigned char)(value & 0xFF);
        value >>= 8;
    }
    hash_bytes(hasher, big_endian, sizeof(big_endian));
}

static void hash_string(struct content_hasher *hasher, const char *string)
{
    size_t len = string != NULL ? strlen(string) : 0;
    hash_length(hasher, len);
    hash_bytes(hasher, string != NULL ? string : "", len);
}

static void hash_strings(struct content_hasher *hasher, const struct post_strings *list)
{
    hash_length(hasher, list->count);
    for (size_t i = 0; i < list->count; i++)
        hash_string(hasher, list->items[i]);
}

void post_message_content_hash(const struct post_message *message, char out[65])
{
    static const char version[] = "netra post content v1";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    struct content_hasher hasher = {EVP_MD_CTX_new(), 0};

    out[0] = '\0';
    if (hasher.context == NULL || EVP_DigestInit_ex(hasher.context, EVP_sha256(), NULL) != 1)
        goto done;
    hash_string(&hasher, version);
    hash_string(&hasher, message->id);
    hash_string(&hasher, post_kind_name(message->kind));
    hash_string(&hasher, message->text);
    hash_strings(&hasher, &message->hashtags);
    hash_strings(&hasher, &message->mentions);
    hash_strings(&hasher, &message->links);
    hash_length(&hasher, message->media_count);
    for (size_t i = 0; i < message->media_count; i++) {
        hash_string(&hasher, message->media[i].type);
        hash_string(&hasher, message->media[i].url);
        hash_string(&hasher, message->media[i].alt);
    }
    hash_string(&hasher, message->repost_of.author);
    hash_string(&hasher, message->repost_of.url);
    hash_string(&hasher, message->repost_of.text);
    if (post_kind_is_engagement(message->kind)) {
        hash_string(&hasher, message->target.id);
        hash_string(&hasher, message->target.account);
        hash_string(&hasher, message->target.account_id);
        hash_string(&hasher, message->target.name);
        hash_string(&hasher, message->target.url);
        hash_string(&hasher, message->target.text);
    }
    if (!hasher.failed && EVP_DigestFinal_ex(hasher.context, digest, &digest_len) == 1 &&
        digest_len == SHA256_BYTES)
        hex_encode(digest, digest_len, out);
done:
    EVP_MD_CTX_free(hasher.context);
}

/* ---- encoder ---- */

static int encode_string(cJSON *object, const char *name, const char *value)
{
    return cJSON_AddStringToObject(object, name, value) != NULL ? 0 : -1;
}

static int encode_strings(cJSON *object, const char *name, const struct post_strings *list)
{
    if (list->count == 0)
        return 0;
    cJSON *array = cJSON_AddArrayToObject(object, name);
    if (array == NULL)
        return -1;
    for (size_t i = 0; i < list->count; i++) {
        cJSON *item = cJSON_CreateString(list->items[i]);
        if (item == NULL || !cJSON_AddItemToArray(array, item)) {
            cJSON_Delete(item);
            return -1;
        }
    }
    return 0;
}

static int encode_fields(cJSON *object, const struct field *fields, size_t field_count,
                         const void *base);

static int encode_media(cJSON *object, const struct field *field, const void *base)
{
    const struct post_message *message = base;
    if (message->media_count == 0)
        return 0;
    cJSON *array = cJSON_AddArrayToObject(object, field->name);
    if (array == NULL)
        return -1;
    for (size_t i = 0; i < message->media_count; i++) {
        cJSON *item = cJSON_CreateObject();
        if (item == NULL || !cJSON_AddItemToArray(array, item)) {
            cJSON_Delete(item);
            return -1;
        }
        if (encode_fields(item, field->members, field->member_count, &message->media[i]) != 0)
            return -1;
    }
    return 0;
}

/* A nested object is written only when at least one of its members is. */
static int encode_object(cJSON *object, const struct field *field, const void *base)
{
    cJSON *child = cJSON_CreateObject();
    if (child == NULL)
        return -1;
    if (encode_fields(child, field->members, field->member_count, base) != 0) {
        cJSON_Delete(child);
        return -1;
    }
    if (child->child == NULL) {
        cJSON_Delete(child);
        return 0;
    }
    if (!cJSON_AddItemToObject(object, field->name, child)) {
        cJSON_Delete(child);
        return -1;
    }
    return 0;
}

static int encode_field(cJSON *object, const struct field *field, const void *base)
{
    const char *at = (const char *)base + field->offset;
    switch (field->type) {
    case FIELD_STRING:
    case FIELD_TIMESTAMP: {
        const char *value = const_string_at(base, field);
        if (value == NULL)
            return field->required ? encode_string(object, field->name, "") : 0;
        return encode_string(object, field->name, value);
    }
    case FIELD_KIND: {
        const char *name = post_kind_name(*(const enum post_kind *)at);
        return name != NULL ? encode_string(object, field->name, name) : -1;
    }
    case FIELD_SHA256:
        return at[0] != '\0' ? encode_string(object, field->name, at) : 0;
    case FIELD_STRINGS:
        return encode_strings(object, field->name, (const struct post_strings *)at);
    case FIELD_MEDIA:
        return encode_media(object, field, base);
    case FIELD_OBJECT:
        return encode_object(object, field, base);
    }
    return -1;
}

static int encode_fields(cJSON *object, const struct field *fields, size_t field_count,
                         const void *base)
{
    for (size_t i = 0; i < field_count; i++) {
        if (encode_field(object, &fields[i], base) != 0)
            return -1;
    }
    return 0;
}

char *post_message_to_json(const struct post_message *message)
{
    char *json = NULL;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    if (encode_fields(root, message_fields, COUNT(message_fields), message) == 0)
        json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return json;
}

/* ---- decoder ---- */

struct decoder {
    char *err;
    size_t err_len;
    int input_had_mark; /* the input held NUL_MARK bytes of its own, not only marked NULs */
    int strings_valid;  /* every string cJSON yields is valid UTF-8 (see input_is_plain) */
};

/* A field's name in errors ("text", "hashtags[3]", "media[2].url"), kept as its parts and
 * written out only for an error: formatting it for every field cost more than decoding most
 * fields. The root object has no name (NULL). */
struct field_name {
    const struct field_name *parent; /* the list or object it is in; NULL for the root's members */
    const char *member;              /* NULL for a list item */
    size_t index;                    /* of a list item */
};

static void field_name_format(const struct field_name *name, char *out, size_t out_len)
{
    char parent[FIELD_NAME_LEN];
    if (name == NULL) {
        out[0] = '\0';
    } else if (name->parent == NULL) {
        snprintf(out, out_len, "%.32s", name->member);
    } else {
        field_name_format(name->parent, parent, sizeof(parent));
        if (name->member == NULL)
            snprintf(out, out_len, "%.48s[%zu]", parent, name->index);
        else
            snprintf(out, out_len, "%.48s.%.32s", parent, name->member);
    }
}

/* "field \"<name>\": <problem>" into the decoder's err; returns -1. */
__attribute__((format(printf, 3, 4))) static int field_error(const struct decoder *decoder,
                                                             const struct field_name *name,
                                                             const char *problem_format, ...)
{
    char shown[FIELD_NAME_LEN];
    char problem[128]; /* longer than any problem the decoder states */
    va_list args;
    field_name_format(name, shown, sizeof(shown));
    va_start(args, problem_format);
    vsnprintf(problem, sizeof(problem), problem_format, args);
    va_end(args);
    return error_set(decoder->err, decoder->err_len, "field \"%s\": %s", shown, problem);
}

static int timestamp_valid(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int values[6] = {0};
    int value = 0;

    for (size_t i = 0; i < sizeof(shape) - 1; i++) {
        if (shape[i] != 'd') {
            if (s[i] != shape[i])
                return 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return 0;
        values[value] = values[value] * 10 + (s[i] - '0');
        if (shape[i + 1] != 'd')
            value++;
    }
    const char *rest = s + sizeof(shape) - 1;
    if (*rest == '.') {
        const char *digits = ++rest;
        while (*rest >= '0' && *rest <= '9')
            rest++;
        if (rest == digits)
            return 0;
    }
    if (strcmp(rest, "Z") != 0)
        return 0;

    int year = values[0], month = values[1], day = values[2];
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1])
        return 0;
    if (month == 2 && day == 29 && !leap)
        return 0;
    /* RFC 3339 allows second 60 for a leap second. */
    return values[3] <= 23 && values[4] <= 59 && values[5] <= 60;
}

static int sha256_hex_valid(const char *s)
{
    size_t i = 0;
    for (; s[i] != '\0'; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return i == 2 * SHA256_BYTES;
}

static int decode_string(const struct decoder *decoder, const struct field_name *name,
                         const cJSON *item, char **out)
{
    size_t offset;
    if (!cJSON_IsString(item))
        return field_error(decoder, name, "expected a string");
    const char *value = item->valuestring;
    size_t len = strlen(value);
    if (!decoder->strings_valid && !utf8_valid(value, len, &offset)) {
        if ((unsigned char)value[offset] == NUL_MARK && !decoder->input_had_mark)
            return field_error(decoder, name, "NUL character (\\u0000) at byte %zu", offset);
        return field_error(decoder, name, "invalid UTF-8 at byte %zu", offset);
    }
    *out = malloc(len + 1);
    if (*out == NULL)
        return field_error(decoder, name, "out of memory");
    memcpy(*out, value, len + 1);
    return 0;
}

/* Checks that item is an array of at most POST_MESSAGE_MAX_LIST items and counts them. */
static int decode_array_length(const struct decoder *decoder, const struct field_name *name,
                               const cJSON *item, const char *expected, size_t *count)
{
    if (!cJSON_IsArray(item))
        return field_error(decoder, name, "expected an array of %s", expected);
    *count = 0;
    for (const cJSON *child = item->child; child != NULL; child = child->next) {
        if (++*count > POST_MESSAGE_MAX_LIST)
            return field_error(decoder, name, "more than %d items", POST_MESSAGE_MAX_LIST);
    }
    return 0;
}

static int decode_strings(const struct decoder *decoder, const struct field_name *name,
                          const cJSON *item, struct post_strings *list)
{
    size_t count = 0;
    if (decode_array_length(decoder, name, item, "strings", &count) != 0)
        return -1;
    if (count == 0)
        return 0;
    list->items = calloc(count, sizeof(char *));
    if (list->items == NULL)
        return field_error(decoder, name, "out of memory");
    for (const cJSON *child = item->child; child != NULL; child = child->next) {
        struct field_name item_name = {name, NULL, list->count};
        if (decode_string(decoder, &item_name, child, &list->items[list->count]) != 0)
            return -1;
        list->count++;
    }
    return 0;
}

static int decode_object(const struct decoder *decoder, const struct field_name *object_name,
                         const cJSON *object, const struct field *fields, size_t field_count,
                         void *base);

static int decode_media(const struct decoder *decoder, const struct field_name *name,
                        const cJSON *item, const struct field *field, void *base)
{
    size_t count = 0;
    struct post_message *message = base;
    if (decode_array_length(decoder, name, item, "objects", &count) != 0)
        return -1;
    if (count == 0)
        return 0;
    message->media = calloc(count, sizeof(struct post_media));
    if (message->media == NULL)
        return field_error(decoder, name, "out of memory");
    message->media_count = count;
    size_t i = 0;
    for (const cJSON *child = item->child; child != NULL; child = child->next, i++) {
        struct field_name item_name = {name, NULL, i};
        if (decode_object(decoder, &item_name, child, field->members, field->member_count,
                          &message->media[i]) != 0)
            return -1;
    }
    return 0;
}

static int decode_field(const struct decoder *decoder, const struct field_name *name,
                        const cJSON *item, const struct field *field, void *base)
{
    char *at = (char *)base + field->offset;
    switch (field->type) {
    case FIELD_STRING:
        return decode_string(decoder, name, item, string_at(base, field));
    case FIELD_TIMESTAMP:
        if (decode_string(decoder, name, item, string_at(base, field)) != 0)
            return -1;
        if (!timestamp_valid(*string_at(base, field)))
            return field_error(decoder, name,
                               "expected an RFC 3339 UTC time such as 2024-01-05T10:00:00Z");
        return 0;
    case FIELD_KIND:
        if (!cJSON_IsString(item) || post_kind_from_name(item->valuestring, (enum post_kind *)at) != 0)
            return field_error(decoder, name, "expected one of post, repost, reply, quote, follow, like");
        return 0;
    case FIELD_SHA256:
        if (!cJSON_IsString(item) || !sha256_hex_valid(item->valuestring))
            return field_error(decoder, name, "expected 64 lowercase hex digits");
        memcpy(at, item->valuestring, 2 * SHA256_BYTES + 1);
        return 0;
    case FIELD_STRINGS:
        return decode_strings(decoder, name, item, (struct post_strings *)at);
    case FIELD_MEDIA:
        return decode_media(decoder, name, item, field, base);
    case FIELD_OBJECT:
        return decode_object(decoder, name, item, field->members, field->member_count, base);
    }
    return -1;
}

/* The field a member name belongs to, or field_count when it is none of them. The first byte
 * settles most misses without a call. */
static size_t field_index(const struct field *fields, size_t field_count, const char *member)
{
    size_t i = 0;
    while (i < field_count &&
           (member[0] != fields[i].name[0] || strcmp(member, fields[i].name) != 0))
        i++;
    return i;
}

/* Unknown members are skipped: newer crawlers may add fields. A known member twice is refused,
 * since JSON readers disagree on which of the two counts. */
static int decode_object(const struct decoder *decoder, const struct field_name *object_name,
                         const cJSON *object, const struct field *fields, size_t field_count,
                         void *base)
{
    uint32_t seen = 0;

    if (!cJSON_IsObject(object))
        return field_error(decoder, object_name, "expected an object");
    for (const cJSON *item = object->child; item != NULL; item = item->next) {
        size_t i = field_index(fields, field_count, item->string);
        if (i == field_count)
            continue;
        const struct field *field = &fields[i];
        struct field_name name = {object_name, field->name, 0};
        if (seen & (UINT32_C(1) << i))
            return field_error(decoder, &name, "appears twice");
        seen |= UINT32_C(1) << i;
        if (cJSON_IsNull(item) && !field->required)
            continue;
        if (decode_field(decoder, &name, item, field, base) != 0)
            return -1;
    }
    for (size_t i = 0; i < field_count; i++) {
        if (fields[i].required && !(seen & (UINT32_C(1) << i))) {
            struct field_name name = {object_name, fields[i].name, 0};
            return field_error(decoder, &name, "missing");
        }
    }
    return 0;
}

/* A NUL-terminated copy of the input with every NUL, raw or escaped, overwritten by NUL_MARK
 * bytes of the same length (see NUL_MARK). Escapes are skipped in pairs so that "\\u0000", an
 * escaped backslash and then text, stays text. */
static char *copy_marking_nuls(const char *json, size_t len, int *input_had_mark)
{
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return NULL;
    if (len > 0)
        memcpy(copy, json, len);
    copy[len] = '\0';
    *input_had_mark = memchr(copy, NUL_MARK, len) != NULL;
    for (size_t i = 0; i < len; i++) {
        if (copy[i] == '\0')
            copy[i] = (char)NUL_MARK;
    }
    for (size_t i = 0; i + 1 < len; i++) {
        if (copy[i] != '\\')
            continue;
        if (copy[i + 1] == 'u' && len - i >= 6 && memcmp(copy + i + 2, "0000", 4) == 0) {
            memset(copy + i, NUL_MARK, 6);
            i += 5;
        } else {
            i++;
        }
    }
    return copy;
}

/* Whether the 8 bytes at p hold one that input_is_plain must look at alone: a NUL, a
 * backslash, a byte of a multibyte sequence. (x - 0x0101..) & ~x & 0x8080.. is nonzero exactly
 * when some byte of x is 0. */
static int bytes_need_a_look(const unsigned char *p)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t highs = UINT64_C(0x8080808080808080);
    uint64_t bytes, backslash;
    memcpy(&bytes, p, sizeof(bytes));
    backslash = bytes ^ ('\\' * ones);
    return ((bytes | ((bytes - ones) & ~bytes) | ((backslash - ones) & ~backslash)) & highs) != 0;
}

/* 1 when the input is valid UTF-8 and holds nothing copy_marking_nuls would mark (no NUL byte,
 * no \u0000 escape). Such input is parsed in place, and every string cJSON yields from it is
 * valid UTF-8 without a check of its own: quotes and escapes are ASCII, so a string's raw bytes
 * are whole sequences, and cJSON writes a \u escape as valid UTF-8 (one without four hex
 * digits, which it would write as a NUL, is refused before). 0 only sends the input the careful
 * way. */
static int input_is_plain(const char *json, size_t len)
{
    const unsigned char *p = (const unsigned char *)json;
    size_t i = 0;
    while (i < len) {
        size_t stop = len - i >= 8 ? i + 8 : len;
        if (stop - i == 8 && !bytes_need_a_look(p + i)) {
            i = stop;
            continue;
        }
        while (i < stop) {
            uint32_t code_point;
            if (p[i] == '\0')
                return 0;
            if (p[i] == '\\' && len - i >= 6 && memcmp(p + i + 1, "u0000", 5) == 0)
                return 0;
            if (p[i] < 0x80) {
                i++;
                continue;
            }
            size_t used = utf8_decode(p + i, len - i, &code_point);
            if (code_point == UTF8_REPLACEMENT && used == 1)
                return 0;
            i += used;
        }
    }
    return 1;
}

/* cJSON reads no further than len, so plain input needs no copy. After the value only
 * whitespace may follow, as cJSON counts it (bytes up to 32; plain input holds no NUL). NULL
 * when cJSON refuses the input or something follows the value. */
static cJSON *parse_in_place(const char *json, size_t len)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (root == NULL)
        return NULL;
    while (end < json + len && (unsigned char)*end <= 32)
        end++;
    if (end != json + len) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int post_message_from_json(const char *json, size_t len, struct post_message **out, char *err,
                           size_t err_len)
{
    struct decoder decoder = {err, err_len, 0, 0};
    struct post_message *message = NULL;
    cJSON *root = NULL;
    char *copy = NULL;
    const char *end = NULL;
    int rc = -1;

    *out = NULL;
    if (len > (size_t)POST_MESSAGE_MAX_JSON_BYTES) {
        error_set(err, err_len, "message: %zu bytes, over the limit of %ld", len,
                  POST_MESSAGE_MAX_JSON_BYTES);
        goto done;
    }
    message = post_message_new();
    if (message == NULL) {
        error_set(err, err_len, "message: out of memory");
        goto done;
    }
    size_t bad_escape;
    if (json_bad_unicode_escape(json, len, &bad_escape)) {
        error_set(err, err_len, "message: invalid JSON at byte %zu: \\u needs four hex digits",
                  bad_escape);
        goto done;
    }
    decoder.strings_valid = input_is_plain(json, len);
    if (decoder.strings_valid)
        root = parse_in_place(json, len);
    /* Refused input goes the careful way too, so the error names the byte as it always has. */
    if (root == NULL) {
        copy = copy_marking_nuls(json, len, &decoder.input_had_mark);
        if (copy == NULL) {
            error_set(err, err_len, "message: out of memory");
            goto done;
        }
        /* The length includes the terminating NUL: cJSON then refuses anything after the
         * value. */
        root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
        if (root == NULL) {
            error_set(err, err_len, "message: invalid JSON at byte %zu",
                      end != NULL ? (size_t)(end - copy) : (size_t)0);
            goto done;
        }
    }
    if (!cJSON_IsObject(root)) {
        error_set(err, err_len, "message: expected a JSON object");
        goto done;
    }
    if (decode_object(&decoder, NULL, root, message_fields, COUNT(message_fields), message) != 0)
        goto done;
    if (message->id[0] == '\0') {
        error_set(err, err_len, "field \"id\": empty");
        goto done;
    }
    *out = message;
    message = NULL;
    rc = 0;
done:
    cJSON_Delete(root);
    free(copy);
    post_message_free(message);
    return rc;
}

/* ---- raw bytes ---- */

static uInt chunk_length(size_t remaining)
{
    return remaining < UINT_MAX ? (uInt)remaining : UINT_MAX;
}

/* zlib's default state (a 32 KiB window, 256 KiB in all) costs more to set up and tear down than
 * a post's few KiB cost to compress. A window just over the input (zlib looks back at most the
 * window less MIN_LOOKAHEAD, 262 bytes) finds every match the default one would, and a hash
 * and symbol buffer scaled with it keep the state near 8 times the window; the zlib header
 * names the window, so inflate reads any size. From 32 KiB of input on it is zlib's default. */
static void deflate_sizes(size_t len, int *window_bits, int *mem_level)
{
    int bits = 9;
    while (bits < MAX_WBITS && ((size_t)1 << bits) < len + 262)
        bits++;
    *window_bits = bits;
    *mem_level = bits - 7;
}

int post_raw_deflate(const void *raw, size_t len, unsigned char **out, size_t *out_len, char *err,
                     size_t err_len)
{
    z_stream stream;
    unsigned char *buffer = NULL;
    int rc = -1;

    *out = NULL;
    *out_len = 0;
    memset(&stream, 0, sizeof(stream));
    int window_bits, mem_level;
    deflate_sizes(len, &window_bits, &mem_level);
    int status = deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, mem_level,
                              Z_DEFAULT_STRATEGY);
    if (status != Z_OK)
        return error_set(err, err_len, "deflate: %s", zError(status));
    size_t capacity = deflateBound(&stream, len);
    buffer = malloc(capacity);
    if (buffer == NULL) {
        error_set(err, err_len, "deflate: out of memory for %zu bytes", capacity);
        goto done;
    }
    const unsigned char *input = len > 0 ? raw : (const unsigned char *)"";
    stream.next_in = input;
    stream.next_out = buffer;
    for (;;) {
        size_t in_left = len - (size_t)(stream.next_in - input);
        stream.avail_in = chunk_length(in_left);
        stream.avail_out = chunk_length(capacity - (size_t)(stream.next_out - buffer));
        status = deflate(&stream, stream.avail_in == in_left ? Z_FINISH : Z_NO_FLUSH);
        if (status == Z_STREAM_END)
            break;
        if (status != Z_OK) {
            error_set(err, err_len, "deflate: %s", stream.msg ? stream.msg : zError(status));
            goto done;
        }
    }
    *out_len = (size_t)(stream.next_out - buffer);
    *out = buffer;
    buffer = NULL;
    rc = 0;
done:
    deflateEnd(&stream);
    free(buffer);
    return rc;
}

/* The output buffer grows by doubling but never past max_len; once it is full, inflate writes
 * into a one-byte probe, and any byte landing there means the output is over max_len. So a
 * deflate bomb costs at most max_len bytes of memory. */
int post_raw_inflate(const void *deflated, size_t len, size_t max_len, unsigned char **out,
                     size_t *out_len, char *err, size_t err_len)
{
    z_stream stream;
    unsigned char *buffer = NULL;
    unsigned char probe;
    size_t produced = 0;
    int rc = -1;

    *out = NULL;
    *out_len = 0;
    memset(&stream, 0, sizeof(stream));
    int status = inflateInit(&stream);
    if (status != Z_OK)
        return error_set(err, err_len, "inflate: %s", zError(status));
    size_t capacity = max_len < INFLATE_FIRST_CAPACITY ? max_len : INFLATE_FIRST_CAPACITY;
    buffer = malloc(capacity > 0 ? capacity : 1);
    if (buffer == NULL) {
        error_set(err, err_len, "inflate: out of memory");
        goto done;
    }
    const unsigned char *input = len > 0 ? deflated : (const unsigned char *)"";
    stream.next_in = input;
    for (;;) {
        if (produced == capacity && capacity < max_len) {
            size_t grown = capacity > max_len / 2 ? max_len : capacity * 2;
            unsigned char *larger = realloc(buffer, grown);
            if (larger == NULL) {
                error_set(err, err_len, "inflate: out of memory for %zu bytes", grown);
                goto done;
            }
            buffer = larger;
            capacity = grown;
        }
        int probing = produced == capacity;
        stream.next_out = probing ? &probe : buffer + produced;
        stream.avail_out = probing ? 1 : chunk_length(capacity - produced);
        stream.avail_in = chunk_length(len - (size_t)(stream.next_in - input));
        status = inflate(&stream, Z_NO_FLUSH);
        if (probing && stream.avail_out == 0) {
            error_set(err, err_len, "inflate: output over the limit of %zu bytes", max_len);
            goto done;
        }
        if (!probing)
            produced = (size_t)(stream.next_out - buffer);
        if (status == Z_STREAM_END)
            break;
        if (status == Z_BUF_ERROR) {
            error_set(err, err_len, "inflate: truncated input");
            goto done;
        }
        if (status != Z_OK) {
            error_set(err, err_len, "inflate: %s", stream.msg ? stream.msg : zError(status));
            goto done;
        }
    }
    if ((size_t)(stream.next_in - input) != len) {
        error_set(err, err_len, "inflate: %zu bytes after the end of the stream",
                  len - (size_t)(stream.next_in - input));
        goto done;
    }
    *out_len = produced;
    *out = buffer;
    buffer = NULL;
    rc = 0;
done:
    inflateEnd(&stream);
    free(buffer);
    return rc;
}
