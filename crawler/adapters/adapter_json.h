/* What the adapters that read JSON (mastodon, bluesky, x, jsonapi and the feed adapter's JSON Feed
 * reader) share: one way to take a hostile body into cJSON, to read members by type, to quote
 * hostile text in a message (the feed's XML reader does too), to build requests and to fill a
 * result.
 *
 * Bodies: at most ADAPTER_JSON_MAX_BODY bytes. cJSON cuts a string short, without a word, at an
 * escaped NUL (\u0000), and refuses the whole document for one lone UTF-16 surrogate escape. Both
 * are legal JSON that no post can hold, and an author who writes them must not thereby hide a
 * post from review nor cost the rest of the page: each becomes \uFFFD (U+FFFD) before parsing, so
 * the post keeps its text, marked where it held what no post can. A raw NUL byte is not JSON and,
 * like any other syntax error, refuses the body with its offset and line. A UTF-8 byte order mark
 * is passed over; anything after the value is an error.
 *
 * Members: absent and JSON null are the same. On error the message names the member's path,
 * "<where>.<name>: missing" or "<where>.<name>: expected an object" (just "<name>" when where is
 * ""). Nothing returned points anywhere but into the cJSON tree.
 *
 * Every function returning int returns 0, or -1 with err (err may be NULL). */
#ifndef NETRA_CRAWLER_ADAPTERS_ADAPTER_JSON_H
#define NETRA_CRAWLER_ADAPTERS_ADAPTER_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "crawler/adapters/adapter.h"

#define ADAPTER_JSON_MAX_BODY ((size_t)POST_MESSAGE_MAX_RAW_BYTES)
/* An item whose compact JSON is over this is refused rather than carried through the pipeline:
 * real ones are a few kilobytes, and the worker takes post messages of at most
 * POST_MESSAGE_MAX_JSON_BYTES. */
#define ADAPTER_ITEM_MAX_BYTES (1024 * 1024)
/* Room for the path of a nested member, "statuses[39].reblog.media_attachments[3]". */
#define ADAPTER_WHERE_LEN 128
/* Room for a hostile value quoted in a message (see error_shown), and for a platform's own
 * words on why it refused a request. */
#define ADAPTER_SHOWN_LEN 64
#define ADAPTER_SHOWN_REASON_LEN 192

/* ---- bodies and members ---- */

/* *root = the body parsed (the caller cJSON_Delete()s it); what ("body", "JSON Feed") starts
 * every error: "body: not valid JSON near byte 13 (line 1)". */
int adapter_json_parse(const char *body, size_t len, const char *what, cJSON **root, char *err,
                       size_t err_len);

/* object.name, of the type the name says, into *out; *out is NULL when it is absent and not
 * required. object may be NULL (every member is then absent). A string's *out is its text. */
int adapter_json_object(const cJSON *object, const char *name, int required, const char *where,
                        cJSON **out, char *err, size_t err_len);
int adapter_json_array(const cJSON *object, const char *name, int required, const char *where,
                       cJSON **out, char *err, size_t err_len);
int adapter_json_string(const cJSON *object, const char *name, int required, const char *where,
                        const char **out, char *err, size_t err_len);

/* message->raw = item (at where) re-serialised compactly, the evidence of the post. An item over
 * ADAPTER_ITEM_MAX_BYTES is refused ("<where>: N bytes, over the 1048576 an item may have"). */
int adapter_json_set_raw(struct post_message *message, const cJSON *item, const char *where,
                         char *err, size_t err_len);

/* The path of a member, "feed[3]" + ".post" -> "feed[3].post", and of an array element,
 * "feed[3].post" + ".images", 2 -> "feed[3].post.images[2]", into out (not where); cut to fit
 * ADAPTER_WHERE_LEN. */
void adapter_where(char out[ADAPTER_WHERE_LEN], const char *where, const char *member);
void adapter_where_index(char out[ADAPTER_WHERE_LEN], const char *where, const char *member,
                         size_t index);

/* ---- text for messages ---- */


/* A malloc'd printf; NULL when out of memory. */
char *adapter_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- requests ---- */

/* 1 when s starts with http:// or https://. */
int adapter_http_url(const char *s);

/* value with every byte but RFC 3986's unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX, so that it
 * can change neither the host, the path nor another parameter of the URL it goes in. malloc'd;
 * NULL when out of memory. */
char *adapter_percent_encode(const char *value);

/* *out = the configured base URL of platforms.<platform>, else fallback, without trailing
 * slashes (malloc'd; NULL when neither is set); refused unless it is an http(s) URL of at most
 * 2048 bytes. */
int adapter_base_url(const char *platform, const char *configured, const char *fallback,
                     char **out, char *err, size_t err_len);

/* The page size asked for: settings' page_size, or max when unset or above it, at least min. */
int adapter_page_size(const struct adapter_settings *settings, int min, int max);

/* Appends "Authorization: Bearer <token>"; a token with a byte a header cannot carry is refused,
 * naming platforms.<platform>.token and the byte. */
int adapter_request_bearer(struct adapter_request *request, const char *platform,
                           const char *token, char *err, size_t err_len);

/* Appends "Accept: application/json" and, when settings hold a token (not NULL or ""), the
 * bearer. settings may be NULL. */
int adapter_request_json_headers(struct adapter_request *request, const char *platform,
                                 const struct adapter_settings *settings, char *err,
                                 size_t err_len);

/* ---- results ---- */

/* Appends message to the result's posts, which grow only through this function. Takes message:
 * on failure it is freed. */
int adapter_result_add(struct adapter_result *result, struct post_message *message, char *err,
                       size_t err_len);

/* Counts an item as skipped, keeping the first reason. */
int adapter_result_skip(struct adapter_result *result, const char *reason, char *err,
                        size_t err_len);

#endif
