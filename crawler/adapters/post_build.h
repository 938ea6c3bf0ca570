/* What every adapter needs to turn a platform item into a struct post_message: owned copies of
 * hostile strings (invalid UTF-8 refused), list appends, HTML to plain text, and platform times to
 * RFC 3339 UTC. Every function returns 0, or -1 with err; a message is left valid on failure
 * (free it with post_message_free()). No function here keeps a pointer to its inputs. */
#ifndef NETRA_CRAWLER_ADAPTERS_POST_BUILD_H
#define NETRA_CRAWLER_ADAPTERS_POST_BUILD_H

#include <stddef.h>

#include <libxml/tree.h>

#include "queue/post_message.h"

/* *slot = a copy of text (the old value freed). text must be valid UTF-8 with no NUL. */
int post_build_set(char **slot, const char *text, char *err, size_t err_len);

/* "<platform>:<native id>" into message->id and platform into message->platform. */
int post_build_set_id(struct post_message *message, const char *platform, const char *native_id,
                      char *err, size_t err_len);

/* Appends a copy of item unless the list already holds it (case-sensitive), up to
 * POST_MESSAGE_MAX_LIST items (further ones are dropped silently: a post with a thousand
 * hashtags is still one post). */
int post_build_add_string(struct post_strings *list, const char *item, char *err, size_t err_len);

/* Appends a media item; type one of image|video|audio|gifv|unknown (anything else becomes
 * unknown); alt may be NULL or "". */
int post_build_add_media(struct post_message *message, const char *type, const char *url,
                         const char *alt, char *err, size_t err_len);

/* Plain text of an HTML fragment (libxml2's HTML parser): tags dropped, entities decoded, <br> as
 * "\n", each <p>/<div>/<li> ends with "\n" and blank lines collapse, surrounding whitespace
 * trimmed. *out is malloc'd (the caller frees it). */
int post_build_html_to_text(const char *html, size_t len, char **out, char *err, size_t err_len);

/* The same in two steps, for a caller that reads more of the HTML than its text (links) and so
 * parses it once: *doc = the parsed fragment (NULL for ""; the caller xmlFreeDoc()s it), refused
 * as post_build_html_to_text refuses; then its plain text, exactly post_build_html_to_text's
 * (doc may be NULL: ""). */
int post_build_html_read(const char *html, size_t len, xmlDoc **doc, char *err, size_t err_len);
int post_build_html_doc_text(const xmlDoc *doc, char **out, char *err, size_t err_len);

/* RFC 3339 / ISO 8601 with any offset ("2024-01-05T17:00:00+07:00", "...Z", fractions) or RFC 822
 * as in RSS ("Fri, 05 Jan 2024 10:00:00 +0700", "GMT", "WIB") -> "2024-01-05T10:00:00Z" and the
 * Unix time (may be NULL). -1 when the text is not such a time. */
int post_build_time(const char *text, char out[32], long long *unix_s, char *err, size_t err_len);

/* Hashtags (#tag) and mentions (@user, @user@host) found in plain text, for platforms that do
 * not list them: a tag is letters, digits and _ (any script), a mention user likewise plus '.'
 * and '-'. Added with post_build_add_string. */
int post_build_scan_text(struct post_message *message, char *err, size_t err_len);

#endif
