/* The feed adapter: the account's handle is a feed URL; one GET of it, and its body, RSS 2.0,
 * Atom 1.0 or JSON Feed 1.1 (told apart by the body itself: the Content-Type is often wrong),
 * becomes posts. The format readers live in feed_xml.c and feed_json.c; this file holds the
 * request and what every format shares (see feed_reader.h).
 *
 * A feed is a window of recent items, not a stream with pages. Every crawl is one request that
 * returns the whole window as posts, and the engine's dedup drops the versions it has queued
 * before. The cursor records the newest item time, but no item is dropped for being older than
 * it: an RSS item edited in place keeps its pubDate, and one item dated years ahead would
 * otherwise hide every later post. A rescan keeps the items published or updated since since_s;
 * it cannot reach further back than the window the feed serves.
 *
 * Post ids are "feed:<guid or id>" when that is at most 128 bytes of URL characters, otherwise
 * "feed:sha256:<the first 32 hex digits of its SHA-256>"; an item with no id at all takes its
 * link, and one with no link either the hash of its own bytes (so an edit shows up as a new post,
 * never as nothing). */
#include "crawler/adapters/adapter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/uri.h>

#include "config/log.h"
#include "config/utf8.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/feed_reader.h"
#include "crawler/adapters/post_build.h"

/* More than any feed of recent posts needs; a larger body is refused before parsing. */
#define FEED_MAX_BODY_BYTES (16L * 1024 * 1024)
#define FEED_MAX_URL_BYTES 4096
#define MAX_PLAIN_ID_BYTES 128
#define HASHED_ID_HEX 32
/* The scorer needs the words, not a book: longer text is cut (the raw item keeps all of it), which
 * also keeps one post message well under the stream's 4 MiB limit. */
#define MAX_TEXT_BYTES (256 * 1024)
#define MAX_AUTHOR_BYTES 256
#define MAX_LANG_BYTES 35
#define MAX_CATEGORY_BYTES 256
#define MAX_ALT_BYTES (8 * 1024)
/* Per item; beyond these an item is still one post. */
#define MAX_ITEM_CATEGORIES 64
#define MAX_ITEM_LINKS 32
#define MAX_ITEM_MEDIA 32
#define MAX_TIME_BYTES 64

static const char accept_header[] =
    "Accept: application/feed+json, application/atom+xml, application/rss+xml, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1";

static const char ellipsis[] = "\xE2\x80\xA6"; /* U+2026 */

static int space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

int feed_blank(const char *text)
{
    if (text == NULL)
        return 1;
    while (space(*text))
        text++;
    return *text == '\0';
}

/* The span of s without surrounding ASCII whitespace; s may be NULL (an empty span). */
static const char *trim(const char *s, size_t *len)
{
    if (s == NULL) {
        *len = 0;
        return "";
    }
    while (space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && space(s[n - 1]))
        n--;
    *len = n;
    return s;
}

/* The longest prefix of s[0..len) of at most max bytes that ends on a character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static char *copy_span(const char *s, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

static int http_url(const char *url)
{
    size_t scheme = strncasecmp(url, "https://", 8) == 0  ? 8
                    : strncasecmp(url, "http://", 7) == 0 ? 7
                                                          : 0;
    if (scheme == 0 || url[scheme] == '\0' || url[scheme] == '/')
        return 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return 0;
    return strlen(url) <= FEED_MAX_URL_BYTES;
}

char *feed_resolve_url(const char *href, const char *base)
{
    size_t len;
    const char *start = trim(href, &len);
    if (len == 0 || len > FEED_MAX_URL_BYTES)
        return NULL;
    char *trimmed = copy_span(start, len);
    if (trimmed == NULL)
        return NULL;
    char *url = NULL;
    xmlChar *built = xmlBuildURI((const xmlChar *)trimmed, (const xmlChar *)base);
    if (built != NULL && http_url((const char *)built) &&
        utf8_valid((const char *)built, strlen((const char *)built), NULL))
        url = strdup((const char *)built);
    xmlFree(built);
    free(trimmed);
    /* Schemes are case-insensitive; whoever reads the post compares them in lowercase. */
    for (char *p = url; p != NULL && *p != ':'; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    return url;
}

int feed_parse_admit(struct feed_parse *parse, const char *prefix, char label[FEED_LABEL_LEN])
{
    snprintf(label, FEED_LABEL_LEN, "%s[%zu]", prefix, parse->items_met);
    parse->items_met++;
    if (parse->items_met <= FEED_MAX_ITEMS)
        return 1;
    feed_parse_skip(parse, "%s: beyond the first %d items read from one feed", label,
                    FEED_MAX_ITEMS);
    return 0;
}

int feed_parse_skip(struct feed_parse *parse, const char *fmt, ...)
{
    parse->result->skipped++;
    if (parse->result->first_skip_reason != NULL)
        return 0;
    char reason[NETRA_ERR_LEN];
    va_list args;
    va_start(args, fmt);
    vsnprintf(reason, sizeof(reason), fmt, args);
    va_end(args);
    /* Out of memory loses the reason, not the count. */
    parse->result->first_skip_reason = strdup(reason);
    return 0;
}

static int set_trimmed(char **slot, const char *value, size_t max)
{
    size_t len;
    const char *start = trim(value, &len);
    len = utf8_cut(start, len, max);
    if (len == 0 || *slot != NULL || !utf8_valid(start, len, NULL))
        return 0;
    *slot = copy_span(start, len);
    return *slot == NULL ? -1 : 0;
}

int feed_parse_set_author(struct feed_parse *parse, const char *author)
{
    return set_trimmed(&parse->feed_author, author, MAX_AUTHOR_BYTES);
}

static int lang_valid(const char *lang, size_t len)
{
    if (len == 0 || len > MAX_LANG_BYTES)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = lang[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            return 0;
    }
    return 1;
}

int feed_parse_set_lang(struct feed_parse *parse, const char *lang)
{
    size_t len;
    const char *start = trim(lang, &len);
    if (!lang_valid(start, len))
        return 0;
    return set_trimmed(&parse->feed_lang, start, MAX_LANG_BYTES);
}

int feed_add_category(struct post_message *message, const char *category)
{
    char err[NETRA_ERR_LEN];
    size_t len;
    const char *start = trim(category, &len);
    while (len > 0 && *start == '#') {
        start++;
        len--;
    }
    if (len == 0 || len > MAX_CATEGORY_BYTES || message->hashtags.count >= MAX_ITEM_CATEGORIES ||
        !utf8_valid(start, len, NULL))
        return 0;
    char *tag = copy_span(start, len);
    if (tag == NULL)
        return -1;
    int rc = post_build_add_string(&message->hashtags, tag, err, sizeof(err));
    free(tag);
    return rc;
}

int feed_add_link(struct post_message *message, const char *url)
{
    char err[NETRA_ERR_LEN];
    if (url == NULL || !http_url(url) || message->links.count >= MAX_ITEM_LINKS ||
        !utf8_valid(url, strlen(url), NULL))
        return 0;
    return post_build_add_string(&message->links, url, err, sizeof(err));
}

static int starts_with_case(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* A MIME type or a Media RSS medium as one of the post message's media types. */
static const char *media_type(const char *kind)
{
    size_t len;
    const char *start = trim(kind, &len);
    if (starts_with_case(start, "image"))
        return "image";
    if (starts_with_case(start, "video"))
        return "video";
    if (starts_with_case(start, "audio"))
        return "audio";
    /* YouTube's feeds give each video as its (former) Flash player URL. */
    if (starts_with_case(start, "application/x-shockwave-flash"))
        return "video";
    return "unknown";
}

int feed_add_media(struct post_message *message, const char *kind, const char *url, const char *alt)
{
    char err[NETRA_ERR_LEN];
    if (url == NULL || !http_url(url) || message->media_count >= MAX_ITEM_MEDIA ||
        !utf8_valid(url, strlen(url), NULL))
        return 0;
    for (size_t i = 0; i < message->media_count; i++)
        if (message->media[i].url != NULL && strcmp(message->media[i].url, url) == 0)
            return 0;
    size_t alt_len;
    const char *alt_start = trim(alt, &alt_len);
    alt_len = utf8_cut(alt_start, alt_len, MAX_ALT_BYTES);
    char *alt_copy = NULL;
    if (alt_len > 0 && utf8_valid(alt_start, alt_len, NULL)) {
        alt_copy = copy_span(alt_start, alt_len);
        if (alt_copy == NULL)
            return -1;
    }
    int rc = post_build_add_media(message, media_type(kind), url, alt_copy, err, sizeof(err));
    free(alt_copy);
    return rc;
}

/* 1 with the time in out and *unix_s, 0 when value is absent or blank, -1 when it is no time. */
static int read_time(const char *value, char out[32], long long *unix_s)
{
    char err[NETRA_ERR_LEN];
    char text[MAX_TIME_BYTES + 1];
    size_t len;
    const char *start = trim(value, &len);
    if (len == 0)
        return 0;
    if (len > MAX_TIME_BYTES)
        return -1;
    memcpy(text, start, len);
    text[len] = '\0';
    return post_build_time(text, out, unix_s, err, sizeof(err)) == 0 ? 1 : -1;
}

/* created_at is the publication time, or the update time when there is none; an item counts as
 * changed at the later of the two. */
static int item_times(const struct feed_item *item, char created[32], char changed[32],
                      long long *changed_s, char *err, size_t err_len)
{
    char updated[32], show[ADAPTER_SHOWN_LEN];
    long long published_s = 0, updated_s = 0;
    int has_published = read_time(item->published, created, &published_s);
    int has_updated = read_time(item->updated, updated, &updated_s);
    if (has_published == 1 && (has_updated != 1 || published_s >= updated_s)) {
        memcpy(changed, created, 32);
        *changed_s = published_s;
        return 0;
    }
    if (has_updated == 1) {
        if (has_published != 1)
            memcpy(created, updated, 32);
        memcpy(changed, updated, 32);
        *changed_s = updated_s;
        return 0;
    }
    if (has_published == -1)
        return error_set(err, err_len, "%s \"%s\" is not a date", item->published_name,
                         error_shown(show, sizeof(show), item->published));
    if (has_updated == -1)
        return error_set(err, err_len, "%s \"%s\" is not a date", item->updated_name,
                         error_shown(show, sizeof(show), item->updated));
    if (item->updated_name != NULL)
        return error_set(err, err_len, "no %s or %s", item->published_name, item->updated_name);
    return error_set(err, err_len, "no %s", item->published_name);
}

static int id_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=%", ch) != NULL);
}

static void item_native_id(const struct feed_item *item, char out[MAX_PLAIN_ID_BYTES + 1])
{
    char hex[65];
    size_t len;
    const char *id = trim(item->id, &len);
    if (len == 0)
        id = trim(item->url, &len);
    if (len == 0) {
        post_sha256_hex(item->raw, item->raw_len, hex);
        snprintf(out, MAX_PLAIN_ID_BYTES + 1, "sha256:%.*s", HASHED_ID_HEX, hex);
        return;
    }
    int plain = len <= MAX_PLAIN_ID_BYTES;
    for (size_t i = 0; plain && i < len; i++)
        plain = id_char((unsigned char)id[i]);
    if (plain) {
        memcpy(out, id, len);
        out[len] = '\0';
        return;
    }
    post_sha256_hex(id, len, hex);
    snprintf(out, MAX_PLAIN_ID_BYTES + 1, "sha256:%.*s", HASHED_ID_HEX, hex);
}

/* Microblog feeds repeat the post's opening as the item title, often cut short with an ellipsis;
 * writing it twice would double every term the scorer counts. */
static int title_repeats_body(const char *title, size_t title_len, const char *body,
                              size_t body_len)
{
    size_t n = title_len;
    if (n >= 3 && memcmp(title + n - 3, "...", 3) == 0)
        n -= 3;
    else if (n >= 3 && memcmp(title + n - 3, ellipsis, 3) == 0)
        n -= 3;
    while (n > 0 && space(title[n - 1]))
        n--;
    return n <= body_len && memcmp(title, body, n) == 0;
}

/* title + "\n" + body, either alone when the other is empty, cut to MAX_TEXT_BYTES. */
static char *item_text(const struct feed_item *item)
{
    size_t title_len, body_len;
    const char *title = trim(item->title, &title_len);
    const char *body = trim(item->body, &body_len);
    if (body_len > 0 && title_repeats_body(title, title_len, body, body_len))
        title_len = 0;
    size_t len = title_len + (title_len > 0 && body_len > 0) + body_len;
    char *text = malloc(len + 1);
    if (text == NULL)
        return NULL;
    memcpy(text, title, title_len);
    if (title_len > 0 && body_len > 0)
        text[title_len] = '\n';
    memcpy(text + len - body_len, body, body_len);
    text[utf8_cut(text, len, MAX_TEXT_BYTES)] = '\0';
    return text;
}

/* Puts url first among the links: it is the post itself, the rest are what it carries. */
static int add_permalink(struct post_message *message, const char *url, char *err, size_t err_len)
{
    size_t before = message->links.count;
    if (post_build_add_string(&message->links, url, err, err_len) != 0)
        return -1;
    if (message->links.count > before) {
        char **items = message->links.items;
        char *added = items[before];
        memmove(items + 1, items, before * sizeof(*items));
        items[0] = added;
    }
    return 0;
}

static int keep(struct feed_parse *parse, struct post_message *message)
{
    struct adapter_result *result = parse->result;
    if (result->count == parse->capacity) {
        size_t capacity = parse->capacity ? parse->capacity * 2 : 16;
        struct post_message **posts = realloc(result->posts, capacity * sizeof(*posts));
        if (posts == NULL)
            return -1;
        result->posts = posts;
        parse->capacity = capacity;
    }
    result->posts[result->count++] = message;
    return 0;
}

/* *slot = a copy of s[0..len), cut to max bytes. */
static int set_span(char **slot, const char *s, size_t len, size_t max, char *err, size_t err_len)
{
    char *copy = copy_span(s, utf8_cut(s, len, max));
    if (copy == NULL)
        return error_set(err, err_len, "out of memory");
    int rc = post_build_set(slot, copy, err, err_len);
    free(copy);
    return rc;
}

static int complete(struct feed_parse *parse, struct post_message *message,
                    const struct feed_item *item, const char *created, char *err, size_t err_len)
{
    char native[MAX_PLAIN_ID_BYTES + 1];
    size_t author_len, lang_len;
    const char *author = trim(item->author, &author_len);
    const char *lang = trim(item->lang, &lang_len);
    item_native_id(item, native);
    if (post_build_set_id(message, "feed", native, err, err_len) != 0 ||
        post_build_set(&message->created_at, created, err, err_len) != 0)
        return -1;
    char *text = item_text(item);
    if (text == NULL)
        return error_set(err, err_len, "out of memory");
    int rc = post_build_set(&message->text, text, err, err_len);
    free(text);
    if (rc != 0)
        return -1;
    if (author_len > 0 && utf8_valid(author, author_len, NULL)) {
        if (set_span(&message->author, author, author_len, MAX_AUTHOR_BYTES, err, err_len) != 0)
            return -1;
    } else if (parse->feed_author != NULL &&
               post_build_set(&message->author, parse->feed_author, err, err_len) != 0) {
        return -1;
    }
    if (item->url != NULL && (post_build_set(&message->url, item->url, err, err_len) != 0 ||
                              add_permalink(message, item->url, err, err_len) != 0))
        return -1;
    if (lang_valid(lang, lang_len)) {
        if (set_span(&message->lang, lang, lang_len, MAX_LANG_BYTES, err, err_len) != 0)
            return -1;
    } else if (parse->feed_lang != NULL &&
               post_build_set(&message->lang, parse->feed_lang, err, err_len) != 0) {
        return -1;
    }
    message->kind = POST_KIND_POST;
    if (post_message_set_raw(message, item->raw, item->raw_len) != 0)
        return error_set(err, err_len, "out of memory");
    return post_build_scan_text(message, err, err_len);
}

void feed_parse_add(struct feed_parse *parse, struct post_message *message,
                    const struct feed_item *item)
{
    char err[NETRA_ERR_LEN] = "";
    char created[32], changed[32];
    long long changed_s = 0;
    if (item_times(item, created, changed, &changed_s, err, sizeof(err)) != 0)
        goto skip;
    if (parse->context->since_s > 0 && changed_s < parse->context->since_s) {
        post_message_free(message);
        return;
    }
    if (complete(parse, message, item, created, err, sizeof(err)) != 0)
        goto skip;
    if (keep(parse, message) != 0) {
        error_set(err, sizeof(err), "out of memory");
        goto skip;
    }
    if (changed_s > parse->newest_s) {
        parse->newest_s = changed_s;
        memcpy(parse->newest, changed, sizeof(parse->newest));
    }
    return;
skip:
    feed_parse_skip(parse, "%s: %s", item->label, err);
    post_message_free(message);
}

static int feed_url_valid(const char *url)
{
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p >= 0x7F) /* a URL is ASCII: anything else must be percent-encoded */
            return 0;
    return http_url(url);
}

static int build_request(const struct adapter_context *context, struct adapter_request *out,
                         char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    const char *url = context->account->handle;
    memset(out, 0, sizeof(*out));
    if (context->page != NULL)
        return error_set(err, err_len, "feed: a feed has no pages (asked for page \"%s\")",
                         error_shown(show, sizeof(show), context->page));
    if (url == NULL || !feed_url_valid(url))
        return error_set(err, err_len, "feed: handle \"%s\" is not an http:// or https:// URL",
                         error_shown(show, sizeof(show), url));
    out->url = strdup(url);
    out->headers[0] = strdup(accept_header);
    out->header_count = 1;
    if (out->url == NULL || out->headers[0] == NULL) {
        adapter_request_free(out);
        return error_set(err, err_len, "feed: out of memory");
    }
    return 0;
}

/* The new cursor, when a normal crawl saw an item newer than the old one. An old cursor that is
 * no time (never crawled, or damaged) is replaced. */
static int update_cursor(struct feed_parse *parse, char *err, size_t err_len)
{
    char old[32];
    long long old_s = 0;
    if (parse->context->since_s > 0 || parse->newest[0] == '\0')
        return 0;
    if (read_time(parse->context->cursor, old, &old_s) == 1 && old_s >= parse->newest_s)
        return 0;
    parse->result->new_cursor = strdup(parse->newest);
    if (parse->result->new_cursor == NULL)
        return error_set(err, err_len, "feed: out of memory");
    return 0;
}

static int parse(const struct adapter_context *context, const struct adapter_response *response,
                 struct adapter_result *out, char *err, size_t err_len)
{
    struct feed_parse feed = {.context = context, .result = out, .newest_s = -1};
    char reason[NETRA_ERR_LEN], show[ADAPTER_SHOWN_LEN];
    const char *body = response->body == NULL ? "" : response->body;
    size_t len = response->body == NULL ? 0 : response->body_len;
    size_t start = 0;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (len > (size_t)FEED_MAX_BODY_BYTES) {
        error_set(err, err_len, "feed: body is %zu bytes (limit %ld)", len, FEED_MAX_BODY_BYTES);
        goto cleanup;
    }
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
        start = 3;
    while (start < len && space(body[start]))
        start++;
    if (start == len) {
        error_set(err, err_len, "feed: empty body");
        goto cleanup;
    }
    /* Anything that does not open like JSON goes to libxml2, which also reads UTF-16 and
     * legacy encodings and says precisely where a non-feed body stops looking like XML. */
    if (body[start] == '{' || body[start] == '[')
        rc = feed_json_read(&feed, body, len, reason, sizeof(reason));
    else
        rc = feed_xml_read(&feed, body, len, reason, sizeof(reason));
    if (rc != 0) {
        if (response->content_type != NULL)
            error_set(err, err_len, "feed: %s (Content-Type \"%s\")", reason,
                      error_shown(show, sizeof(show), response->content_type));
        else
            error_set(err, err_len, "feed: %s", reason);
        goto cleanup;
    }
    rc = update_cursor(&feed, err, err_len);
cleanup:
    free(feed.feed_author);
    free(feed.feed_lang);
    if (rc != 0)
        adapter_result_free(out);
    return rc;
}

const struct adapter adapter_feed = {"feed", build_request, parse, ADAPTER_LISTS_POSTS};
