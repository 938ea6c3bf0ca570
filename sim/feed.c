/* Per-account feeds: GET /feed/<account id>.rss | .atom | .json
 *   .rss   RSS 2.0 as RSSHub renders an Instagram account: content:encoded, dc:creator,
 *          category per hashtag, an enclosure for the photo, pubDate in RFC 822 with +0700;
 *   .atom  Atom 1.0 shaped like a YouTube channel feed (yt: and media: namespaces);
 *   .json  JSON Feed 1.1.
 * Each holds the newest feed_items posts. ETag (a hash of the document) and Last-Modified (the
 * latest creation, edit or deletion among the account's posts) come with every answer; a
 * matching If-None-Match, or failing that an If-Modified-Since not older than Last-Modified,
 * gets 304 with no body. XML is written with libxml2's xmlTextWriter. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/entities.h"
#include "sim/html.h"
#include "sim/ids.h"
#include "sim/platforms.h"
#include "sim/timefmt.h"

#define TITLE_CHARS 60

static int resolve(struct sim *sim, struct sim_request *req)
{
    const char *name = req->subpath;
    if (name[0] != '/')
        return -1;
    name++;
    const char *dot = strrchr(name, '.');
    if (dot == NULL || (size_t)(dot - name) >= sizeof(req->arg) || strchr(name, '/') != NULL)
        return -1;
    if (strcmp(dot, ".rss") == 0)
        req->endpoint = SIM_FEED_RSS;
    else if (strcmp(dot, ".atom") == 0)
        req->endpoint = SIM_FEED_ATOM;
    else if (strcmp(dot, ".json") == 0)
        req->endpoint = SIM_FEED_JSON;
    else
        return -1;
    memcpy(req->arg, name, (size_t)(dot - name));
    req->arg[dot - name] = '\0';
    req->account = world_account_by_username(&sim->world, SIM_FEED, req->arg);
    return 0;
}

static void error_reply(struct sim_reply *reply, int status, const char *message)
{
    char text[256];
    snprintf(text, sizeof(text), "%d %s\n", status, message);
    reply_body(reply, status, "text/plain; charset=utf-8", text);
}

static void gone(struct sim *sim, const struct sim_request *req, struct sim_reply *reply)
{
    (void)sim;
    (void)req;
    error_reply(reply, 404, "Not Found");
}

/* The first line of the text, cut at TITLE_CHARS code points with an ellipsis. */
static void make_title(const char *text, char *out, size_t out_len)
{
    size_t i = 0, chars = 0;
    while (text[i] != '\0' && text[i] != '\n' && chars < TITLE_CHARS && i + 8 < out_len) {
        i++;
        while ((((unsigned char)text[i]) & 0xC0) == 0x80)
            i++;
        chars++;
    }
    memcpy(out, text, i);
    out[i] = '\0';
    if (text[i] != '\0' && text[i] != '\n')
        snprintf(out + i, out_len - i, "…");
}

static void permalink(const struct sim_account *account, const struct sim_post *post, char *out,
                      size_t len)
{
    char code[16];
    ids_shortcode(post->seq, 11, code);
    switch (account->feed_format) {
    case SIM_FEED_ATOM:
        snprintf(out, len, "https://www.youtube.com/watch?v=%s", code);
        break;
    case SIM_FEED_RSS:
    case SIM_FEED_JSON:
        snprintf(out, len, "%s", post->native_id);
        break;
    }
}

static void image_url(const struct sim_post *post, char *out, size_t len)
{
    snprintf(out, len, "https://cdn.sim.example/media/%016" PRIx64 ".jpg", sim_hash64(post->seq));
}

/* The post as HTML, with its photo as an <img> carrying the alt text. */
static char *item_html(const struct sim_post *post, int64_t now)
{
    struct buf html;
    buf_init(&html);
    html_from_text(&html, sim_post_text(post, now), HTML_PLAIN, "https://www.instagram.com/explore");
    if (post->alt != NULL) {
        char url[128];
        image_url(post, url, sizeof(url));
        buf_printf(&html, "<img src=\"%s\" alt=\"", url);
        html_escape(&html, post->alt, strlen(post->alt));
        buf_puts(&html, "\">");
    }
    return buf_steal(&html, NULL);
}

/* The newest `max` posts, newest first (a new array), and the feed's Last-Modified. */
static struct sim_post **window(const struct sim_account *account, int64_t now, size_t max,
                                size_t *count, int64_t *last_modified)
{
    *last_modified = account->created_ms;
    for (size_t i = 0; i < account->post_count; i++) {
        const struct sim_post *p = account->posts[i];
        int64_t changed = sim_post_updated_ms(p, now);
        if (p->deleted_ms != 0 && p->deleted_ms <= now)
            changed = p->deleted_ms;
        if (changed <= now && changed > *last_modified)
            *last_modified = changed;
    }
    size_t visible = 0;
    struct sim_post **posts = world_visible_posts(account, now, &visible);
    if (posts == NULL)
        return NULL;
    for (size_t i = 0; i < visible / 2; i++) {
        struct sim_post *tmp = posts[i];
        posts[i] = posts[visible - 1 - i];
        posts[visible - 1 - i] = tmp;
    }
    *count = visible < max ? visible : max;
    return posts;
}

static void write_categories(xmlTextWriterPtr w, const char *text)
{
    struct entities found;
    entities_scan(text, &found);
    for (size_t i = 0; i < found.count; i++) {
        if (found.items[i].type != ENTITY_HASHTAG)
            continue;
        char tag[128];
        size_t len = found.items[i].byte_end - found.items[i].byte_start - 1;
        if (len >= sizeof(tag))
            continue;
        memcpy(tag, text + found.items[i].byte_start + 1, len);
        tag[len] = '\0';
        xmlTextWriterWriteElement(w, BAD_CAST "category", BAD_CAST tag);
    }
}

static int render_rss(struct sim *sim, const struct sim_account *account, struct sim_post **posts,
                      size_t count, int64_t now, int64_t last_modified, xmlTextWriterPtr w)
{
    char self[256], text[768], when[SIM_TIME_LEN];
    snprintf(self, sizeof(self), "%s/feed/%s.rss", sim->world.base_url, account->id);
    int rc = 0;
    rc |= xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST "rss") < 0;
    xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "2.0");
    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:content",
                                BAD_CAST "http://purl.org/rss/1.0/modules/content/");
    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:dc", BAD_CAST "http://purl.org/dc/elements/1.1/");
    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:atom", BAD_CAST "http://www.w3.org/2005/Atom");
    xmlTextWriterStartElement(w, BAD_CAST "channel");
    snprintf(text, sizeof(text), "%s (@%s) • Instagram", account->person.name, account->username);
    xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST text);
    snprintf(text, sizeof(text), "https://www.instagram.com/%s/", account->username);
    xmlTextWriterWriteElement(w, BAD_CAST "link", BAD_CAST text);
    xmlTextWriterStartElement(w, BAD_CAST "atom:link");
    xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST self);
    xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "self");
    xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "application/rss+xml");
    xmlTextWriterEndElement(w);
    snprintf(text, sizeof(text), "%s - %s", account->person.name, account->person.agency);
    xmlTextWriterWriteElement(w, BAD_CAST "description", BAD_CAST text);
    xmlTextWriterWriteElement(w, BAD_CAST "generator", BAD_CAST "netra-sim");
    xmlTextWriterWriteElement(w, BAD_CAST "language", BAD_CAST "id");
    time_rfc822_wib(last_modified, when);
    xmlTextWriterWriteElement(w, BAD_CAST "lastBuildDate", BAD_CAST when);
    xmlTextWriterWriteElement(w, BAD_CAST "ttl", BAD_CAST "60");
    for (size_t i = 0; i < count && rc == 0; i++) {
        const struct sim_post *post = posts[i];
        const char *body = sim_post_text(post, now);
        char title[256], link[512];
        make_title(body, title, sizeof(title));
        permalink(account, post, link, sizeof(link));
        char *html = item_html(post, now);
        if (html == NULL)
            return -1;
        xmlTextWriterStartElement(w, BAD_CAST "item");
        xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST title);
        xmlTextWriterWriteElement(w, BAD_CAST "description", BAD_CAST html);
        xmlTextWriterStartElement(w, BAD_CAST "content:encoded");
        if (strstr(html, "]]>") == NULL)
            xmlTextWriterWriteCDATA(w, BAD_CAST html);
        else
            xmlTextWriterWriteString(w, BAD_CAST html);
        xmlTextWriterEndElement(w);
        free(html);
        xmlTextWriterWriteElement(w, BAD_CAST "link", BAD_CAST link);
        xmlTextWriterStartElement(w, BAD_CAST "guid");
        xmlTextWriterWriteAttribute(w, BAD_CAST "isPermaLink", BAD_CAST "true");
        xmlTextWriterWriteString(w, BAD_CAST post->native_id);
        xmlTextWriterEndElement(w);
        time_rfc822_wib(post->created_ms, when);
        xmlTextWriterWriteElement(w, BAD_CAST "pubDate", BAD_CAST when);
        xmlTextWriterWriteElement(w, BAD_CAST "dc:creator", BAD_CAST account->person.name);
        write_categories(w, body);
        if (post->alt != NULL) {
            char url[128], length[32];
            image_url(post, url, sizeof(url));
            snprintf(length, sizeof(length), "%" PRIu64, 40000 + sim_hash64(post->seq) % 400000);
            xmlTextWriterStartElement(w, BAD_CAST "enclosure");
            xmlTextWriterWriteAttribute(w, BAD_CAST "url", BAD_CAST url);
            xmlTextWriterWriteAttribute(w, BAD_CAST "length", BAD_CAST length);
            xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "image/jpeg");
            xmlTextWriterEndElement(w);
        }
        rc |= xmlTextWriterEndElement(w) < 0;
    }
    rc |= xmlTextWriterEndDocument(w) < 0;
    return rc ? -1 : 0;
}

static int render_atom(struct sim *sim, const struct sim_account *account, struct sim_post **posts,
                       size_t count, int64_t now, xmlTextWriterPtr w)
{
    char self[256], text[768], when[SIM_TIME_LEN];
    snprintf(self, sizeof(self), "%s/feed/%s.atom", sim->world.base_url, account->id);
    int rc = 0;
    rc |= xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST "feed") < 0;
    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:yt", BAD_CAST "http://www.youtube.com/xml/schemas/2015");
    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:media", BAD_CAST "http://search.yahoo.com/mrss/");
    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST "http://www.w3.org/2005/Atom");
    xmlTextWriterStartElement(w, BAD_CAST "link");
    xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "self");
    xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST self);
    xmlTextWriterEndElement(w);
    snprintf(text, sizeof(text), "yt:channel:%s", account->native_id + 2);
    xmlTextWriterWriteElement(w, BAD_CAST "id", BAD_CAST text);
    xmlTextWriterWriteElement(w, BAD_CAST "yt:channelId", BAD_CAST account->native_id);
    xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST account->person.name);
    snprintf(text, sizeof(text), "https://www.youtube.com/channel/%s", account->native_id);
    xmlTextWriterStartElement(w, BAD_CAST "link");
    xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "alternate");
    xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST text);
    xmlTextWriterEndElement(w);
    xmlTextWriterStartElement(w, BAD_CAST "author");
    xmlTextWriterWriteElement(w, BAD_CAST "name", BAD_CAST account->person.name);
    xmlTextWriterWriteElement(w, BAD_CAST "uri", BAD_CAST text);
    xmlTextWriterEndElement(w);
    time_rfc3339_wib(account->created_ms, when);
    xmlTextWriterWriteElement(w, BAD_CAST "published", BAD_CAST when);
    for (size_t i = 0; i < count && rc == 0; i++) {
        const struct sim_post *post = posts[i];
        const char *body = sim_post_text(post, now);
        char title[256], link[512], video[16], thumb[128];
        make_title(body, title, sizeof(title));
        permalink(account, post, link, sizeof(link));
        snprintf(video, sizeof(video), "%s", post->native_id + strlen("yt:video:"));
        if (strncmp(post->native_id, "yt:video:", 9) != 0)
            ids_shortcode(post->seq, 11, video);
        rc |= xmlTextWriterStartElement(w, BAD_CAST "entry") < 0;
        xmlTextWriterWriteElement(w, BAD_CAST "id", BAD_CAST post->native_id);
        xmlTextWriterWriteElement(w, BAD_CAST "yt:videoId", BAD_CAST video);
        xmlTextWriterWriteElement(w, BAD_CAST "yt:channelId", BAD_CAST account->native_id);
        xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST title);
        xmlTextWriterStartElement(w, BAD_CAST "link");
        xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "alternate");
        xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST link);
        xmlTextWriterEndElement(w);
        xmlTextWriterStartElement(w, BAD_CAST "author");
        xmlTextWriterWriteElement(w, BAD_CAST "name", BAD_CAST account->person.name);
        xmlTextWriterWriteElement(w, BAD_CAST "uri", BAD_CAST text);
        xmlTextWriterEndElement(w);
        time_rfc3339_wib(post->created_ms, when);
        xmlTextWriterWriteElement(w, BAD_CAST "published", BAD_CAST when);
        time_rfc3339_wib(sim_post_updated_ms(post, now), when);
        xmlTextWriterWriteElement(w, BAD_CAST "updated", BAD_CAST when);
        xmlTextWriterStartElement(w, BAD_CAST "media:group");
        xmlTextWriterWriteElement(w, BAD_CAST "media:title", BAD_CAST title);
        snprintf(thumb, sizeof(thumb), "https://www.youtube.com/v/%s?version=3", video);
        xmlTextWriterStartElement(w, BAD_CAST "media:content");
        xmlTextWriterWriteAttribute(w, BAD_CAST "url", BAD_CAST thumb);
        xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "application/x-shockwave-flash");
        xmlTextWriterWriteAttribute(w, BAD_CAST "width", BAD_CAST "640");
        xmlTextWriterWriteAttribute(w, BAD_CAST "height", BAD_CAST "390");
        xmlTextWriterEndElement(w);
        snprintf(thumb, sizeof(thumb), "https://i1.ytimg.com/vi/%s/hqdefault.jpg", video);
        xmlTextWriterStartElement(w, BAD_CAST "media:thumbnail");
        xmlTextWriterWriteAttribute(w, BAD_CAST "url", BAD_CAST thumb);
        xmlTextWriterWriteAttribute(w, BAD_CAST "width", BAD_CAST "480");
        xmlTextWriterWriteAttribute(w, BAD_CAST "height", BAD_CAST "360");
        xmlTextWriterEndElement(w);
        xmlTextWriterWriteElement(w, BAD_CAST "media:description", BAD_CAST body);
        xmlTextWriterStartElement(w, BAD_CAST "media:community");
        xmlTextWriterStartElement(w, BAD_CAST "media:statistics");
        snprintf(thumb, sizeof(thumb), "%" PRIu64, sim_hash64(post->seq) % 50000);
        xmlTextWriterWriteAttribute(w, BAD_CAST "views", BAD_CAST thumb);
        xmlTextWriterEndElement(w);
        xmlTextWriterEndElement(w);
        xmlTextWriterEndElement(w);
        rc |= xmlTextWriterEndElement(w) < 0;
    }
    rc |= xmlTextWriterEndDocument(w) < 0;
    return rc ? -1 : 0;
}

static char *render_json(struct sim *sim, const struct sim_account *account,
                         struct sim_post **posts, size_t count, int64_t now)
{
    char url[256], when[SIM_TIME_LEN];
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "version", "https://jsonfeed.org/version/1.1");
    cJSON_AddStringToObject(doc, "title", account->person.name);
    snprintf(url, sizeof(url), "https://www.tiktok.com/@%s", account->username);
    cJSON_AddStringToObject(doc, "home_page_url", url);
    char self[256];
    snprintf(self, sizeof(self), "%s/feed/%s.json", sim->world.base_url, account->id);
    cJSON_AddStringToObject(doc, "feed_url", self);
    cJSON_AddStringToObject(doc, "language", "id");
    cJSON *authors = cJSON_AddArrayToObject(doc, "authors");
    cJSON *author = cJSON_CreateObject();
    cJSON_AddStringToObject(author, "name", account->person.name);
    cJSON_AddStringToObject(author, "url", url);
    cJSON_AddItemToArray(authors, author);
    cJSON *items = cJSON_AddArrayToObject(doc, "items");
    for (size_t i = 0; i < count; i++) {
        const struct sim_post *post = posts[i];
        const char *body = sim_post_text(post, now);
        cJSON *item = cJSON_CreateObject();
        cJSON_AddItemToArray(items, item);
        cJSON_AddStringToObject(item, "id", post->native_id);
        char link[512];
        permalink(account, post, link, sizeof(link));
        cJSON_AddStringToObject(item, "url", link);
        char *html = item_html(post, now);
        if (html != NULL)
            cJSON_AddStringToObject(item, "content_html", html);
        free(html);
        cJSON_AddStringToObject(item, "content_text", body);
        time_rfc3339_wib(post->created_ms, when);
        cJSON_AddStringToObject(item, "date_published", when);
        if (sim_post_edited(post, now)) {
            time_rfc3339_wib(post->edited_ms, when);
            cJSON_AddStringToObject(item, "date_modified", when);
        }
        cJSON *item_authors = cJSON_AddArrayToObject(item, "authors");
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "name", account->person.name);
        cJSON_AddItemToArray(item_authors, a);
        struct entities found;
        entities_scan(body, &found);
        cJSON *tags = NULL;
        for (size_t t = 0; t < found.count; t++) {
            if (found.items[t].type != ENTITY_HASHTAG)
                continue;
            if (tags == NULL)
                tags = cJSON_AddArrayToObject(item, "tags");
            char tag[128];
            size_t len = found.items[t].byte_end - found.items[t].byte_start - 1;
            if (len >= sizeof(tag))
                continue;
            memcpy(tag, body + found.items[t].byte_start + 1, len);
            tag[len] = '\0';
            cJSON_AddItemToArray(tags, cJSON_CreateString(tag));
        }
        if (post->alt != NULL) {
            char image[128];
            image_url(post, image, sizeof(image));
            cJSON_AddStringToObject(item, "image", image);
            cJSON *attachments = cJSON_AddArrayToObject(item, "attachments");
            cJSON *att = cJSON_CreateObject();
            cJSON_AddStringToObject(att, "url", image);
            cJSON_AddStringToObject(att, "mime_type", "image/jpeg");
            cJSON_AddStringToObject(att, "title", post->alt);
            cJSON_AddItemToArray(attachments, att);
        }
    }
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return text;
}

static int etag_matches(const char *header, const char *etag)
{
    if (header == NULL)
        return 0;
    if (strstr(header, "*") != NULL)
        return 1;
    /* A list of entity tags, possibly weak (W/"..."); weak comparison is what GET uses. */
    const char *p = header;
    size_t len = strlen(etag);
    while ((p = strstr(p, etag)) != NULL) {
        char after = p[len];
        if (after == '\0' || after == ',' || after == ' ')
            return 1;
        p += len;
    }
    return 0;
}

static void render(struct sim *sim, struct sim_request *req, int64_t now, struct sim_reply *reply)
{
    const struct sim_account *account = req->account;
    size_t count = 0;
    int64_t last_modified = 0;
    struct sim_post **posts = window(account, now, (size_t)sim->options.feed_items, &count,
                                     &last_modified);
    if (posts == NULL) {
        error_reply(reply, 500, "out of memory");
        return;
    }
    const char *type = "application/json; charset=utf-8";
    char *body = NULL;
    if (req->endpoint == SIM_FEED_JSON) {
        body = render_json(sim, account, posts, count, now);
        type = "application/feed+json; charset=utf-8";
    } else {
        xmlBufferPtr xml = xmlBufferCreate();
        xmlTextWriterPtr w = xml != NULL ? xmlNewTextWriterMemory(xml, 0) : NULL;
        int rc = -1;
        if (w != NULL) {
            rc = req->endpoint == SIM_FEED_RSS
                     ? render_rss(sim, account, posts, count, now, last_modified, w)
                     : render_atom(sim, account, posts, count, now, w);
            xmlFreeTextWriter(w);
        }
        if (rc == 0)
            body = strdup((const char *)xmlBufferContent(xml));
        if (xml != NULL)
            xmlBufferFree(xml);
        type = req->endpoint == SIM_FEED_RSS ? "application/rss+xml; charset=utf-8"
                                             : "application/atom+xml; charset=utf-8";
    }
    free(posts);
    if (body == NULL) {
        error_reply(reply, 500, "out of memory");
        return;
    }
    char etag[40], modified[SIM_TIME_LEN];
    snprintf(etag, sizeof(etag), "\"%016" PRIx64 "\"", sim_hash_bytes(body, strlen(body), 0));
    time_http_date(last_modified, modified);
    reply_header(reply, "ETag", "%s", etag);
    reply_header(reply, "Last-Modified", "%s", modified);
    reply_header(reply, "Cache-Control", "max-age=0, must-revalidate");

    const char *if_none_match = request_header(req, "If-None-Match");
    const char *if_modified_since = request_header(req, "If-Modified-Since");
    int64_t since = 0;
    int not_modified = if_none_match != NULL
                           ? etag_matches(if_none_match, etag)
                           : (if_modified_since != NULL &&
                              time_parse_http_date(if_modified_since, &since) == 0 &&
                              last_modified / 1000 * 1000 <= since);
    if (not_modified)
        reply_body(reply, 304, "", "");
    else
        reply_body(reply, 200, type, body);
    free(body);
}

const struct platform_routes feed_routes = {
    .platform = SIM_FEED,
    .prefix = "/feed",
    .resolve = resolve,
    .authorize = NULL,
    .render = render,
    .error = error_reply,
    .gone = gone,
    .rate_headers = NULL,
};
