/* The post message: one version of one post, as it travels from crawler to worker.
 *
 * JSON per DESIGN.md ("The post message"). Beside the JSON travel the raw platform bytes the post
 * was read from, deflated with zlib, so evidence is what the platform served; `sha256` is the
 * hex SHA-256 of those raw bytes (before deflating). The content hash is different: it covers only
 * what a reader sees (text, kind, media, links, repost_of, ...), not counters such as likes that
 * change on every fetch, so it decides whether a re-fetched post is a new version.
 *
 * Every string and array in a struct post_message is owned by it; post_message_free() releases
 * them. Absent optional strings are NULL; absent lists have count 0. */
#ifndef NETRA_QUEUE_POST_MESSAGE_H
#define NETRA_QUEUE_POST_MESSAGE_H

#include <stddef.h>

/* Decoder limits: a larger message is refused rather than held. */
#define POST_MESSAGE_MAX_JSON_BYTES (4L * 1024 * 1024)
#define POST_MESSAGE_MAX_RAW_BYTES (16L * 1024 * 1024)
#define POST_MESSAGE_MAX_LIST 1024

/* follow and like are engagement events, not posts: the account followed someone, or liked
 * someone's post. Their `target` says whom or what; their text is "". */
enum post_kind {
    POST_KIND_POST,
    POST_KIND_REPOST,
    POST_KIND_REPLY,
    POST_KIND_QUOTE,
    POST_KIND_FOLLOW,
    POST_KIND_LIKE,
};

struct post_strings {
    char **items;
    size_t count;
};

struct post_media {
    char *type; /* image | video | audio | gifv | unknown */
    char *url;
    char *alt;  /* description / alt text, or NULL */
};

struct post_message {
    char *id;         /* "<platform>:<native id>", required */
    char *platform;
    char *account;    /* watchlist id */
    char *author;     /* the platform handle that wrote it */
    char *url;
    char *created_at; /* RFC 3339 UTC, e.g. 2024-01-05T10:00:00Z */
    char *fetched_at; /* RFC 3339 UTC */
    enum post_kind kind;
    char *text;       /* plain text, required ("" allowed) */
    struct post_strings hashtags; /* without '#' */
    struct post_strings mentions; /* handles without '@' */
    struct post_strings links;
    struct post_media *media;
    size_t media_count;
    struct {
        char *author; /* all NULL when the post repeats or quotes nothing */
        char *url;
        char *text;
    } repost_of;
    /* follow: the account followed; like: the post liked and its author. All NULL for posts. */
    struct {
        char *id;         /* native id of the followed account, or of the liked post */
        char *account;    /* handle of the followed account, or of the liked post's author */
        char *account_id; /* native id of that account (X user id, Bluesky DID, Mastodon id) */
        char *name;       /* its display name */
        char *url;        /* its profile URL, or the liked post's URL */
        char *text;       /* the followed account's bio, or the liked post's text */
    } target;
    char *lang;
    char *region;     /* the account's region, when the crawler knows it (scoring scope) */
    char *rescan;     /* the rescan request id, when it came from one */
    char sha256[65];  /* hex SHA-256 of raw; "" when there are no raw bytes */
    unsigned char *raw; /* the raw platform bytes (not deflated), or NULL */
    size_t raw_len;
};

struct post_message *post_message_new(void);
void post_message_free(struct post_message *message);

const char *post_kind_name(enum post_kind kind);
/* "post" | "repost" | "reply" | "quote" | "follow" | "like" -> 0; else -1. */
int post_kind_from_name(const char *name, enum post_kind *kind);
/* 1 for follow and like. */
int post_kind_is_engagement(enum post_kind kind);

/* Copies raw into the message and sets sha256; zero bytes clear both (no raw bytes). */
int post_message_set_raw(struct post_message *message, const void *raw, size_t len);

/* The JSON text (NUL-terminated, the caller frees it), or NULL when out of memory.
 * Raw bytes are not part of the JSON; they travel deflated beside it. */
char *post_message_to_json(const struct post_message *message);

/* Parses a JSON message. `id` and `text` are required, every other field is optional but must
 * have the right type; strings must be valid UTF-8. Returns 0 and *out (the caller frees it), or
 * -1 with the reason in err ("field \"kind\": expected one of post, repost, reply, quote, follow, like"). */
int post_message_from_json(const char *json, size_t len, struct post_message **out, char *err,
                           size_t err_len);

/* Hex SHA-256 over what a reader sees of the post (see the top of this file). */
void post_message_content_hash(const struct post_message *message, char out[65]);

/* zlib deflate / inflate of raw bytes. Outputs are malloc'd; the caller frees them. inflate
 * refuses output over max_len (a deflate bomb) with an error. */
int post_raw_deflate(const void *raw, size_t len, unsigned char **out, size_t *out_len, char *err,
                     size_t err_len);
int post_raw_inflate(const void *deflated, size_t len, size_t max_len, unsigned char **out,
                     size_t *out_len, char *err, size_t err_len);

/* Hex SHA-256 of any bytes (OpenSSL libcrypto EVP). */
void post_sha256_hex(const void *data, size_t len, char out[65]);

#endif
