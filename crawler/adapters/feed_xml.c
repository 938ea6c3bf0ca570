/* RSS 2.0 and Atom 1.0 (RFC 4287) through libxml2's tree parser, with the extensions the feeds of
 * watched accounts use: content:encoded, dc:creator and dc:date in RSS, Media RSS (media:content,
 * media:group, media:description, media:title, media:thumbnail) and YouTube's yt:videoId.
 *
 * The document is hostile. It is parsed without network (XML_PARSE_NONET), without loading any
 * DTD and without substituting entities (no XML_PARSE_DTDLOAD, no XML_PARSE_NOENT), and a document
 * that declares an entity of its own is refused the moment the declaration is read: feeds have no
 * use for them, and so neither an expansion bomb nor an external entity can grow or leak
 * anything. libxml2's limits without XML_PARSE_HUGE (element depth 256, 10 MB per text node) bound
 * the rest. Blank text nodes are kept: XML_PARSE_NOBLANKS guesses wrong between inline XHTML
 * elements and would glue words together. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "config/log.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/feed_reader.h"
#include "crawler/adapters/post_build.h"

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_MEDIA "http://search.yahoo.com/mrss/"
#define NS_YOUTUBE "http://www.youtube.com/xml/schemas/2015"

#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
/* libxml2's message about where a document broke, as quoted in the error. */
#define XML_MESSAGE_BYTES 200

struct xml_reader {
    struct feed_parse *parse;
    xmlDoc *doc;
    const char *feed_url; /* the base of relative links */
};

/* What the parser callbacks learn about the document while it is being read. */
struct parse_watch {
    int entity_declared;
    int fatal_seen; /* the first fatal error, the one that made the document unreadable */
    int line, column;
    char message[XML_MESSAGE_BYTES + 1];
};

static void refuse_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                          const xmlChar *system_id, xmlChar *content)
{
    xmlParserCtxt *ctxt = ctx;
    struct parse_watch *watch = ctxt->_private;
    (void)name;
    (void)type;
    (void)public_id;
    (void)system_id;
    (void)content;
    watch->entity_declared = 1;
    xmlStopParser(ctxt);
}

static void refuse_unparsed_entity(void *ctx, const xmlChar *name, const xmlChar *public_id,
                                   const xmlChar *system_id, const xmlChar *notation)
{
    (void)notation;
    refuse_entity(ctx, name, XML_EXTERNAL_GENERAL_UNPARSED_ENTITY, public_id, system_id, NULL);
}

static void ignore_message(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    (void)fmt;
}

/* libxml2 keeps only the last error, which after a fatal one is often a consequence of it. */
static void note_error(void *ctx, xmlError *error)
{
    xmlParserCtxt *ctxt = ctx;
    struct parse_watch *watch = ctxt->_private;
    char text[XML_MESSAGE_BYTES + 1];
    if (watch->fatal_seen || error->level != XML_ERR_FATAL)
        return;
    watch->fatal_seen = 1;
    watch->line = error->line;
    watch->column = error->int2;
    /* The message quotes the document (names, bytes): hostile text, cut anywhere. */
    snprintf(text, sizeof(text), "%s", error->message != NULL ? error->message : "");
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = '\0';
    error_shown(watch->message, sizeof(watch->message), text);
}

static int named(const xmlNode *node, const char *ns, const char *name)
{
    if (node->type != XML_ELEMENT_NODE || strcmp((const char *)node->name, name) != 0)
        return 0;
    if (ns == NULL)
        return node->ns == NULL;
    return node->ns != NULL && node->ns->href != NULL &&
           strcmp((const char *)node->ns->href, ns) == 0;
}

static const xmlNode *child(const xmlNode *parent, const char *ns, const char *name)
{
    for (const xmlNode *node = parent->children; node != NULL; node = node->next)
        if (named(node, ns, name))
            return node;
    return NULL;
}

static xmlChar *child_text(const xmlNode *parent, const char *ns, const char *name)
{
    const xmlNode *node = child(parent, ns, name);
    return node == NULL ? NULL : xmlNodeGetContent(node);
}

static xmlChar *attribute(const xmlNode *node, const char *name)
{
    return xmlGetNoNsProp(node, (const xmlChar *)name);
}

/* The first occurrence of an element wins; repeats are ignored. */
static void take(xmlChar **slot, const xmlNode *node)
{
    if (*slot == NULL)
        *slot = xmlNodeGetContent(node);
}

static int html_text(const xmlChar *html, char **out, char *err, size_t err_len)
{
    *out = NULL;
    if (html == NULL)
        return 0;
    return post_build_html_to_text((const char *)html, strlen((const char *)html), out, err,
                                   err_len);
}

static int plain_text(const xmlChar *text, char **out, char *err, size_t err_len)
{
    *out = NULL;
    if (text == NULL)
        return 0;
    *out = strdup((const char *)text);
    return *out == NULL ? error_set(err, err_len, "out of memory") : 0;
}

/* href made absolute against the node's xml:base, else the feed's URL. */
static char *resolved(const struct xml_reader *reader, const xmlNode *node, const xmlChar *href)
{
    if (href == NULL)
        return NULL;
    xmlChar *base = xmlNodeGetBase(reader->doc, node);
    char *url =
        feed_resolve_url((const char *)href, base != NULL ? (const char *)base : reader->feed_url);
    xmlFree(base);
    return url;
}

static char *resolved_attribute(const struct xml_reader *reader, const xmlNode *node,
                                const char *name)
{
    xmlChar *href = attribute(node, name);
    char *url = resolved(reader, node, href);
    xmlFree(href);
    return url;
}

/* media:title and media:description: plain text unless type="html". */
static int media_text(const xmlNode *node, char **out, char *err, size_t err_len)
{
    *out = NULL;
    if (node == NULL)
        return 0;
    xmlChar *type = attribute(node, "type");
    xmlChar *content = xmlNodeGetContent(node);
    int rc = type != NULL && strcasecmp((const char *)type, "html") == 0
                 ? html_text(content, out, err, err_len)
                 : plain_text(content, out, err, err_len);
    xmlFree(type);
    xmlFree(content);
    return rc;
}

/* Alt text of a Media RSS element: its media:description, else its media:title. */
static int media_alt(const xmlNode *node, char **out, char *err, size_t err_len)
{
    if (media_text(child(node, NS_MEDIA, "description"), out, err, err_len) != 0)
        return -1;
    if (!feed_blank(*out))
        return 0;
    free(*out);
    return media_text(child(node, NS_MEDIA, "title"), out, err, err_len);
}

/* The item's own media:description, else its media:group's (YouTube puts the video's
 * description there): the body of an item that has no other. */
static int media_description(const xmlNode *item, char **out, char *err, size_t err_len)
{
    const xmlNode *node = child(item, NS_MEDIA, "description");
    const xmlNode *group = child(item, NS_MEDIA, "group");
    if (node == NULL && group != NULL)
        node = child(group, NS_MEDIA, "description");
    return media_text(node, out, err, err_len);
}

/* A media:content (or media:thumbnail, always an image); alt text from the element, else from
 * what contains it. */
static int read_media_object(const struct xml_reader *reader, struct post_message *message,
                             const xmlNode *node, const char *outer_alt, char *err, size_t err_len)
{
    int thumbnail = named(node, NS_MEDIA, "thumbnail");
    char *url = resolved_attribute(reader, node, "url");
    xmlChar *medium = thumbnail ? NULL : attribute(node, "medium");
    xmlChar *type = thumbnail ? NULL : attribute(node, "type");
    char *alt = NULL;
    int rc = -1;
    if (url == NULL) {
        rc = 0;
        goto cleanup;
    }
    if (!thumbnail && media_alt(node, &alt, err, err_len) != 0)
        goto cleanup;
    const char *kind = thumbnail        ? "image"
                       : medium != NULL ? (const char *)medium
                                        : (const char *)type;
    if (feed_add_media(message, kind, url, feed_blank(alt) ? outer_alt : alt) != 0) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(url);
    xmlFree(medium);
    xmlFree(type);
    free(alt);
    return rc;
}

/* Media RSS in an item or entry: media:content and media:thumbnail, directly or in a
 * media:group (groups do not nest). */
static int read_media(const struct xml_reader *reader, struct post_message *message,
                      const xmlNode *parent, int is_group, const char *outer_alt, char *err,
                      size_t err_len)
{
    char *own_alt = NULL;
    int rc = -1;
    if (media_alt(parent, &own_alt, err, err_len) != 0)
        goto cleanup;
    const char *alt = feed_blank(own_alt) ? outer_alt : own_alt;
    for (const xmlNode *node = parent->children; node != NULL; node = node->next) {
        if (named(node, NS_MEDIA, "content") || named(node, NS_MEDIA, "thumbnail")) {
            if (read_media_object(reader, message, node, alt, err, err_len) != 0)
                goto cleanup;
        } else if (!is_group && named(node, NS_MEDIA, "group")) {
            if (read_media(reader, message, node, 1, alt, err, err_len) != 0)
                goto cleanup;
        }
    }
    rc = 0;
cleanup:
    free(own_alt);
    return rc;
}

/* An RSS <enclosure url type> or an Atom <link rel="enclosure" href type title>. */
static int read_enclosure(const struct xml_reader *reader, struct post_message *message,
                          const xmlNode *node, const char *url_name, const char *alt_name,
                          char *err, size_t err_len)
{
    char *url = resolved_attribute(reader, node, url_name);
    xmlChar *type = attribute(node, "type");
    xmlChar *alt = alt_name == NULL ? NULL : attribute(node, alt_name);
    int rc = 0;
    if (url != NULL && (feed_add_media(message, (const char *)type, url, (const char *)alt) != 0 ||
                        feed_add_link(message, url) != 0))
        rc = error_set(err, err_len, "out of memory");
    free(url);
    xmlFree(type);
    xmlFree(alt);
    return rc;
}

static int read_category(struct post_message *message, const xmlChar *category, char *err,
                         size_t err_len)
{
    if (category != NULL && feed_add_category(message, (const char *)category) != 0)
        return error_set(err, err_len, "out of memory");
    return 0;
}

/* The item's own bytes, as evidence of what the feed served. */
static xmlBuffer *item_bytes(const struct xml_reader *reader, xmlNode *node)
{
    xmlBuffer *buffer = xmlBufferCreate();
    if (buffer != NULL && xmlNodeDump(buffer, reader->doc, node, 0, 0) < 0) {
        xmlBufferFree(buffer);
        return NULL;
    }
    return buffer;
}

struct rss_fields {
    xmlChar *guid, *is_permalink, *link, *title, *description, *encoded, *pub_date, *dc_date,
        *creator, *author;
};

static void rss_fields_free(struct rss_fields *f)
{
    xmlChar *all[] = {f->guid,    f->is_permalink, f->link,    f->title,   f->description,
                      f->encoded, f->pub_date,     f->dc_date, f->creator, f->author};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        xmlFree(all[i]);
}

/* The scalar fields of an RSS item; categories and enclosures go straight into message. */
static int read_rss_fields(const struct xml_reader *reader, struct post_message *message,
                           const xmlNode *item, struct rss_fields *f, char *err, size_t err_len)
{
    for (const xmlNode *node = item->children; node != NULL; node = node->next) {
        if (named(node, NULL, "guid")) {
            if (f->guid == NULL)
                f->is_permalink = attribute(node, "isPermaLink");
            take(&f->guid, node);
        } else if (named(node, NULL, "link")) {
            take(&f->link, node);
        } else if (named(node, NULL, "title")) {
            take(&f->title, node);
        } else if (named(node, NULL, "description")) {
            take(&f->description, node);
        } else if (named(node, NULL, "pubDate")) {
            take(&f->pub_date, node);
        } else if (named(node, NULL, "author")) {
            take(&f->author, node);
        } else if (named(node, NS_CONTENT, "encoded")) {
            take(&f->encoded, node);
        } else if (named(node, NS_DC, "date")) {
            take(&f->dc_date, node);
        } else if (named(node, NS_DC, "creator")) {
            take(&f->creator, node);
        } else if (named(node, NULL, "category")) {
            xmlChar *category = xmlNodeGetContent(node);
            int rc = read_category(message, category, err, err_len);
            xmlFree(category);
            if (rc != 0)
                return -1;
        } else if (named(node, NULL, "enclosure")) {
            if (read_enclosure(reader, message, node, "url", NULL, err, err_len) != 0)
                return -1;
        }
    }
    return 0;
}

/* The item's full content:encoded, else its description (both HTML), else its Media RSS
 * description. */
static int rss_body(const xmlNode *item, const struct rss_fields *f, char **out, char *err,
                    size_t err_len)
{
    if (html_text(f->encoded, out, err, err_len) != 0)
        return -1;
    if (!feed_blank(*out))
        return 0;
    free(*out);
    if (html_text(f->description, out, err, err_len) != 0)
        return -1;
    if (!feed_blank(*out))
        return 0;
    free(*out);
    return media_description(item, out, err, err_len);
}

static void read_rss_item(const struct xml_reader *reader, xmlNode *item, const char *label)
{
    struct rss_fields f = {0};
    char err[NETRA_ERR_LEN] = "out of memory";
    char *title = NULL, *body = NULL, *url = NULL;
    xmlBuffer *raw = NULL;
    struct post_message *message = post_message_new();
    if (message == NULL || read_rss_fields(reader, message, item, &f, err, sizeof(err)) != 0 ||
        read_media(reader, message, item, 0, NULL, err, sizeof(err)) != 0)
        goto skip;
    url = resolved(reader, item, f.link);
    /* A guid is the permalink unless it says otherwise, but only an absolute one: a bare
     * "12345" made absolute against the feed's URL would point somewhere made up. */
    if (url == NULL && f.guid != NULL &&
        (f.is_permalink == NULL || strcasecmp((const char *)f.is_permalink, "false") != 0))
        url = feed_resolve_url((const char *)f.guid, NULL);
    /* RSS titles are meant as plain text, but feeds commonly escape HTML into them. */
    if (html_text(f.title, &title, err, sizeof(err)) != 0 ||
        rss_body(item, &f, &body, err, sizeof(err)) != 0)
        goto skip;
    raw = item_bytes(reader, item);
    if (raw == NULL) {
        error_set(err, sizeof(err), "out of memory");
        goto skip;
    }
    struct feed_item fields = {
        .label = label,
        .id = (const char *)f.guid,
        .url = url,
        .author = (const char *)(f.creator != NULL ? f.creator : f.author),
        .title = title,
        .body = body,
        .published = (const char *)f.pub_date,
        .published_name = "pubDate",
        .updated = (const char *)f.dc_date,
        .updated_name = "dc:date",
        .raw = xmlBufferContent(raw),
        .raw_len = (size_t)xmlBufferLength(raw),
    };
    feed_parse_add(reader->parse, message, &fields);
    message = NULL;
    goto cleanup;
skip:
    feed_parse_skip(reader->parse, "%s: %s", label, err);
    post_message_free(message);
cleanup:
    rss_fields_free(&f);
    free(title);
    free(body);
    free(url);
    if (raw != NULL)
        xmlBufferFree(raw);
}

static int read_rss(const struct xml_reader *reader, const xmlNode *root, char *err, size_t err_len)
{
    char label[FEED_LABEL_LEN];
    const xmlNode *channel = child(root, NULL, "channel");
    if (channel == NULL)
        return error_set(err, err_len, "RSS: <rss> has no <channel>");
    xmlChar *lang = child_text(channel, NULL, "language");
    xmlChar *author = child_text(channel, NS_DC, "creator");
    int rc = feed_parse_set_lang(reader->parse, (const char *)lang) != 0 ||
                     feed_parse_set_author(reader->parse, (const char *)author) != 0
                 ? error_set(err, err_len, "out of memory")
                 : 0;
    xmlFree(lang);
    xmlFree(author);
    for (xmlNode *node = channel->children; rc == 0 && node != NULL; node = node->next)
        if (named(node, NULL, "item") && feed_parse_admit(reader->parse, "item", label))
            read_rss_item(reader, node, label);
    return rc;
}

/* The plain text of an Atom text construct (RFC 4287 3.1) or atom:content (4.1.3): type text
 * (the default), html or xhtml, or a media type; out-of-line (src) and non-text content have
 * none. */
static int atom_text(const struct xml_reader *reader, const xmlNode *node, char **out, char *err,
                     size_t err_len)
{
    xmlChar *type = NULL, *src = NULL, *content = NULL;
    xmlBuffer *xhtml = NULL;
    int rc = 0;
    *out = NULL;
    if (node == NULL)
        return 0;
    type = attribute(node, "type");
    src = attribute(node, "src");
    const char *kind = type == NULL ? "text" : (const char *)type;
    if (src != NULL)
        goto cleanup;
    if (strcasecmp(kind, "xhtml") == 0 || strcasecmp(kind, "application/xhtml+xml") == 0) {
        xhtml = xmlBufferCreate();
        if (xhtml == NULL) {
            rc = error_set(err, err_len, "out of memory");
            goto cleanup;
        }
        for (xmlNode *part = node->children; part != NULL; part = part->next) {
            if (xmlNodeDump(xhtml, reader->doc, part, 0, 0) < 0) {
                rc = error_set(err, err_len, "out of memory");
                goto cleanup;
            }
        }
        if (xmlBufferLength(xhtml) > 0)
            rc = post_build_html_to_text((const char *)xmlBufferContent(xhtml),
                                         (size_t)xmlBufferLength(xhtml), out, err, err_len);
    } else if (strcasecmp(kind, "html") == 0 || strcasecmp(kind, "text/html") == 0) {
        content = xmlNodeGetContent(node);
        rc = html_text(content, out, err, err_len);
    } else if (strcasecmp(kind, "text") == 0 || strncasecmp(kind, "text/", 5) == 0) {
        content = xmlNodeGetContent(node);
        rc = plain_text(content, out, err, err_len);
    }
cleanup:
    xmlFree(type);
    xmlFree(src);
    xmlFree(content);
    if (xhtml != NULL)
        xmlBufferFree(xhtml);
    return rc;
}

struct atom_fields {
    xmlChar *id, *published, *updated, *video_id;
    const xmlNode *title, *content, *summary, *author;
    char *url;
};

static void atom_fields_free(struct atom_fields *f)
{
    xmlFree(f->id);
    xmlFree(f->published);
    xmlFree(f->updated);
    xmlFree(f->video_id);
    free(f->url);
}

static void take_node(const xmlNode **slot, const xmlNode *node)
{
    if (*slot == NULL)
        *slot = node;
}

/* A link without rel is an alternate (RFC 4287 4.2.7.2). */
static int read_atom_link(const struct xml_reader *reader, struct post_message *message,
                          const xmlNode *node, struct atom_fields *f, char *err, size_t err_len)
{
    xmlChar *rel = attribute(node, "rel");
    int rc = 0;
    if (rel == NULL || strcmp((const char *)rel, "alternate") == 0) {
        if (f->url == NULL)
            f->url = resolved_attribute(reader, node, "href");
    } else if (strcmp((const char *)rel, "enclosure") == 0) {
        rc = read_enclosure(reader, message, node, "href", "title", err, err_len);
    }
    xmlFree(rel);
    return rc;
}

static int read_atom_fields(const struct xml_reader *reader, struct post_message *message,
                            const xmlNode *entry, struct atom_fields *f, char *err, size_t err_len)
{
    for (const xmlNode *node = entry->children; node != NULL; node = node->next) {
        if (named(node, NS_ATOM, "id")) {
            take(&f->id, node);
        } else if (named(node, NS_ATOM, "published")) {
            take(&f->published, node);
        } else if (named(node, NS_ATOM, "updated")) {
            take(&f->updated, node);
        } else if (named(node, NS_YOUTUBE, "videoId")) {
            take(&f->video_id, node);
        } else if (named(node, NS_ATOM, "title")) {
            take_node(&f->title, node);
        } else if (named(node, NS_ATOM, "content")) {
            take_node(&f->content, node);
        } else if (named(node, NS_ATOM, "summary")) {
            take_node(&f->summary, node);
        } else if (named(node, NS_ATOM, "author")) {
            take_node(&f->author, node);
        } else if (named(node, NS_ATOM, "link")) {
            if (read_atom_link(reader, message, node, f, err, err_len) != 0)
                return -1;
        } else if (named(node, NS_ATOM, "category")) {
            xmlChar *term = attribute(node, "term");
            int rc = read_category(message, term, err, err_len);
            xmlFree(term);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

/* The entry's body: its content, else its summary, else its Media RSS description. */
static int atom_body(const struct xml_reader *reader, const xmlNode *entry,
                     const struct atom_fields *f, char **out, char *err, size_t err_len)
{
    if (atom_text(reader, f->content, out, err, err_len) != 0)
        return -1;
    if (!feed_blank(*out))
        return 0;
    free(*out);
    if (atom_text(reader, f->summary, out, err, err_len) != 0)
        return -1;
    if (!feed_blank(*out))
        return 0;
    free(*out);
    return media_description(entry, out, err, err_len);
}

static void read_atom_entry(const struct xml_reader *reader, xmlNode *entry, const char *label)
{
    struct atom_fields f = {0};
    char err[NETRA_ERR_LEN] = "out of memory";
    char *title = NULL, *body = NULL, *video_id = NULL;
    xmlChar *author = NULL, *lang = NULL;
    xmlBuffer *raw = NULL;
    struct post_message *message = post_message_new();
    if (message == NULL || read_atom_fields(reader, message, entry, &f, err, sizeof(err)) != 0 ||
        read_media(reader, message, entry, 0, NULL, err, sizeof(err)) != 0 ||
        atom_text(reader, f.title, &title, err, sizeof(err)) != 0 ||
        atom_body(reader, entry, &f, &body, err, sizeof(err)) != 0)
        goto skip;
    if (f.author != NULL)
        author = child_text(f.author, NS_ATOM, "name");
    lang = xmlNodeGetLang(entry);
    /* YouTube's own id for the video when the entry lacks the Atom one it should have. */
    if (f.id == NULL && f.video_id != NULL) {
        size_t len = strlen((const char *)f.video_id);
        video_id = malloc(len + sizeof("yt:video:"));
        if (video_id == NULL) {
            error_set(err, sizeof(err), "out of memory");
            goto skip;
        }
        memcpy(video_id, "yt:video:", sizeof("yt:video:") - 1);
        memcpy(video_id + sizeof("yt:video:") - 1, f.video_id, len + 1);
    }
    raw = item_bytes(reader, entry);
    if (raw == NULL) {
        error_set(err, sizeof(err), "out of memory");
        goto skip;
    }
    struct feed_item fields = {
        .label = label,
        .id = f.id != NULL ? (const char *)f.id : video_id,
        .url = f.url,
        .author = (const char *)author,
        .title = title,
        .body = body,
        .published = (const char *)f.published,
        .published_name = "published",
        .updated = (const char *)f.updated,
        .updated_name = "updated",
        .lang = (const char *)lang,
        .raw = xmlBufferContent(raw),
        .raw_len = (size_t)xmlBufferLength(raw),
    };
    feed_parse_add(reader->parse, message, &fields);
    message = NULL;
    goto cleanup;
skip:
    feed_parse_skip(reader->parse, "%s: %s", label, err);
    post_message_free(message);
cleanup:
    atom_fields_free(&f);
    free(title);
    free(body);
    free(video_id);
    xmlFree(author);
    xmlFree(lang);
    if (raw != NULL)
        xmlBufferFree(raw);
}

static int read_atom(const struct xml_reader *reader, const xmlNode *root, char *err,
                     size_t err_len)
{
    char label[FEED_LABEL_LEN];
    const xmlNode *author = child(root, NS_ATOM, "author");
    xmlChar *name = author == NULL ? NULL : child_text(author, NS_ATOM, "name");
    int rc = feed_parse_set_author(reader->parse, (const char *)name) != 0
                 ? error_set(err, err_len, "out of memory")
                 : 0;
    xmlFree(name);
    for (xmlNode *node = root->children; rc == 0 && node != NULL; node = node->next)
        if (named(node, NS_ATOM, "entry") && feed_parse_admit(reader->parse, "entry", label))
            read_atom_entry(reader, node, label);
    return rc;
}

static int xml_error(const struct parse_watch *watch, char *err, size_t err_len)
{
    if (!watch->fatal_seen)
        return error_set(err, err_len, "XML: not a well-formed document");
    return error_set(err, err_len, "XML line %d, column %d: %s", watch->line, watch->column,
                     watch->message);
}

static int read_document(const struct xml_reader *reader, char *err, size_t err_len)
{
    char name[ADAPTER_SHOWN_LEN], ns[ADAPTER_SHOWN_LEN];
    const xmlNode *root = xmlDocGetRootElement(reader->doc);
    if (root == NULL)
        return error_set(err, err_len, "XML: no root element");
    if (named(root, NULL, "rss"))
        return read_rss(reader, root, err, err_len);
    if (named(root, NS_ATOM, "feed"))
        return read_atom(reader, root, err, err_len);
    return error_set(
        err, err_len,
        "XML root element <%s> (namespace \"%s\") is neither RSS <rss> nor Atom 1.0 "
        "<feed>",
        error_shown(name, sizeof(name), (const char *)root->name),
        error_shown(ns, sizeof(ns), root->ns != NULL ? (const char *)root->ns->href : NULL));
}

int feed_xml_read(struct feed_parse *parse, const char *body, size_t len, char *err, size_t err_len)
{
    struct xml_reader reader = {.parse = parse, .feed_url = parse->context->account->handle};
    struct parse_watch watch = {0};
    int rc = -1;
    if (len > INT_MAX)
        return error_set(err, err_len, "XML: document of %zu bytes is too large", len);
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    if (ctxt == NULL)
        return error_set(err, err_len, "out of memory");
    ctxt->sax->entityDecl = refuse_entity;
    ctxt->sax->unparsedEntityDecl = refuse_unparsed_entity;
    ctxt->sax->serror = note_error;
    ctxt->_private = &watch;
    /* Encoding errors bypass the context and go to libxml2's (per-thread) generic channel,
     * stderr by default: a hostile feed must not write into the crawler's log. */
    xmlGenericErrorFunc saved_channel = xmlGenericError;
    void *saved_context = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, ignore_message);
    reader.doc = xmlCtxtReadMemory(ctxt, body, (int)len, reader.feed_url, NULL, XML_OPTIONS);
    xmlSetGenericErrorFunc(saved_context, saved_channel);
    /* A stopped parse can still hand back a (truncated) document: the flag decides. */
    if (watch.entity_declared)
        error_set(err, err_len,
                  "XML: the document declares an entity (refused: a feed has no "
                  "need of one, and entities are how XML bombs work)");
    else if (reader.doc == NULL)
        xml_error(&watch, err, err_len);
    else
        rc = read_document(&reader, err, err_len);
    xmlFreeDoc(reader.doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
