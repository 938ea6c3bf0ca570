/* What the feed adapter's format readers (feed_xml.c for RSS 2.0 and Atom 1.0, feed_json.c for
 * JSON Feed 1.1) share with feed.c, which owns everything common to the three formats.
 *
 * A reader walks the body's items in order. For each it asks feed_parse_admit() whether the item
 * may be read at all (the per-feed cap), starts a post_message, adds the item's lists to it
 * (feed_add_category / feed_add_link / feed_add_media), then hands the message and the item's
 * scalar fields to feed_parse_add(), which sets id, text, created_at, author, url, lang and raw,
 * and either keeps the post or skips it with a reason. A reader returns -1 only when the body as
 * a whole cannot be read; a bad item is skipped with feed_parse_skip() and reading goes on.
 *
 * Strings handed to these functions are borrowed: nothing here keeps a pointer to them. */
#ifndef NETRA_CRAWLER_ADAPTERS_FEED_READER_H
#define NETRA_CRAWLER_ADAPTERS_FEED_READER_H

#include <stddef.h>

#include "crawler/adapters/adapter.h"

/* Items read from one feed; later ones are skipped and counted. */
#define FEED_MAX_ITEMS 1000
/* "entry[999]" and the like, the prefix of every reason about one item. */
#define FEED_LABEL_LEN 32

struct feed_parse {
    const struct adapter_context *context;
    struct adapter_result *result;
    size_t capacity;    /* of result->posts */
    size_t items_met;   /* items admitted or refused so far */
    long long newest_s; /* the newest item time kept, or -1 */
    char newest[32];    /* its RFC 3339 form, "" while there is none */
    char *feed_author;  /* the feed-level author, inherited by items without one, or NULL */
    char *feed_lang;    /* the feed-level language, or NULL */
};

/* One item's scalar fields as the format wrote them (any may be NULL; surrounding whitespace is
 * ignored). title and body are already plain text. */
struct feed_item {
    const char *label; /* "item[3]" */
    const char *id;    /* guid / id */
    const char *url;   /* absolute http(s) permalink */
    const char *author;
    const char *title;
    const char *body;
    const char *published;      /* the publication time ... */
    const char *published_name; /* ... and the field it came from, for reasons ("pubDate") */
    const char *updated;
    const char *updated_name;
    const char *lang;
    const void *raw; /* the item's bytes */
    size_t raw_len;
};

int feed_xml_read(struct feed_parse *parse, const char *body, size_t len, char *err,
                  size_t err_len);
int feed_json_read(struct feed_parse *parse, const char *body, size_t len, char *err,
                   size_t err_len);

/* Counts one more item and writes its label (prefix "item", "entry" or "items") into label.
 * 1 when it may be read; 0 when it is over FEED_MAX_ITEMS (it is counted as skipped). */
int feed_parse_admit(struct feed_parse *parse, const char *prefix, char label[FEED_LABEL_LEN]);

/* Counts an item as skipped; the first reason is kept in the result. Always returns 0. */
int feed_parse_skip(struct feed_parse *parse, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Completes message from item and keeps it, or skips it (counted, with a reason), or leaves it
 * out silently when a rescan asked for newer posts only. Takes message in every case. */
void feed_parse_add(struct feed_parse *parse, struct post_message *message,
                    const struct feed_item *item);

/* Sets the feed-level author or language (the first non-empty one wins). -1 when out of memory. */
int feed_parse_set_author(struct feed_parse *parse, const char *author);
int feed_parse_set_lang(struct feed_parse *parse, const char *lang);

/* The lists of a message. Values that cannot belong in a post (empty, not UTF-8, not an
 * absolute http(s) URL, over the per-item caps) are left out quietly: a broken enclosure does
 * not cost the post. -1 only when out of memory. */
int feed_add_category(struct post_message *message, const char *category);
int feed_add_link(struct post_message *message, const char *url);
/* kind is a MIME type ("image/jpeg") or a Media RSS medium ("video"), or NULL. */
int feed_add_media(struct post_message *message, const char *kind, const char *url,
                   const char *alt);

/* href made absolute against base (either may be relative or NULL); a malloc'd absolute http(s)
 * URL, or NULL when there is none. */
char *feed_resolve_url(const char *href, const char *base);

/* 1 when text is NULL or only spaces, tabs and line breaks. */
int feed_blank(const char *text);

#endif
