#include "desk/feeds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libxml/xmlwriter.h>

#include "config/log.h"
#include "desk/alerts.h"

#define FEED_LIMIT_DEFAULT 50
#define FEED_ID "urn:netra:feed:alerts"
#define ATOM_NS "http://www.w3.org/2005/Atom"

/* The labels of an entry's text, in the console's default language. */
struct labels {
    const char *title;
    const char *category, *note, *account, *post, *confirmed_by, *evidence, *chain;
    const char *followed, *liked; /* "<actor> <followed> <target>", "<actor> <liked> <target>" */
};

static const struct labels labels_id = {
    "netra: temuan terkonfirmasi",
    "Kategori", "Catatan", "Akun", "Unggahan", "Dikonfirmasi oleh", "Bukti (SHA-256)",
    "posisi rantai", "mengikuti", "menyukai unggahan",
};
static const struct labels labels_en = {
    "netra: confirmed findings",
    "Category", "Note", "Account", "Post", "Confirmed by", "Evidence (SHA-256)",
    "chain position", "followed", "liked a post by",
};

static const struct labels *feed_labels(const struct netra_config *config)
{
    return strcmp(config->desk.language, "en") == 0 ? &labels_en : &labels_id;
}

/* The feed's query, from the request; 400 with a message naming the argument when bad. */
static int feed_query(const struct desk_request *request, struct alert_query *query,
                      char *err, size_t err_len)
{
    const char *since = desk_query(request, "since"), *limit = desk_query(request, "limit");
    memset(query, 0, sizeof(*query));
    query->region = desk_query(request, "region");
    query->agency = desk_query(request, "agency");
    query->cursor = desk_query(request, "cursor");
    query->limit = FEED_LIMIT_DEFAULT;
    if (query->region != NULL && query->region[0] == '\0')
        query->region = NULL;
    if (query->agency != NULL && query->agency[0] == '\0')
        query->agency = NULL;
    if (query->cursor != NULL && query->cursor[0] == '\0')
        query->cursor = NULL;
    if (since != NULL && since[0] != '\0' && alert_parse_time(since, &query->since_ms) != 0)
        return error_set(err, err_len,
                         "since: expected an RFC 3339 time or a date like 2026-11-22");
    if (limit != NULL && limit[0] != '\0') {
        char *end;
        long value = strtol(limit, &end, 10);
        if (*end != '\0' || value < 1 || value > ALERTS_PAGE_MAX)
            return error_set(err, err_len, "limit: must be 1..%d", ALERTS_PAGE_MAX);
        query->limit = (size_t)value;
    }
    return 0;
}

/* Appends "&name=<escaped value>" (or "?..." as the first) to a link. */
static int link_arg(char *link, size_t link_len, const char *name, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return 0;
    char *escaped = curl_easy_escape(NULL, value, 0);
    if (escaped == NULL)
        return -1;
    size_t used = strlen(link);
    int n = snprintf(link + used, link_len - used, "%s%s=%s", strchr(link, '?') ? "&" : "?",
                     name, escaped);
    curl_free(escaped);
    return n < 0 || (size_t)n >= link_len - used ? -1 : 0;
}

/* The feed's own URL with query, and with cursor instead of the query's (NULL: none). */
static int feed_link(const struct netra_config *config, const struct desk_request *request,
                     const char *path, const struct alert_query *query, const char *cursor,
                     char *link, size_t link_len)
{
    const char *base = config->desk.public_url;
    size_t base_len = strlen(base);
    char limit[16] = "";
    while (base_len > 0 && base[base_len - 1] == '/')
        base_len--;
    int n = snprintf(link, link_len, "%.*s%s", (int)base_len, base, path);
    if (n < 0 || (size_t)n >= link_len)
        return -1;
    if (query->limit != FEED_LIMIT_DEFAULT)
        snprintf(limit, sizeof(limit), "%zu", query->limit);
    if (link_arg(link, link_len, "region", query->region) != 0 ||
        link_arg(link, link_len, "agency", query->agency) != 0 ||
        link_arg(link, link_len, "since", desk_query(request, "since")) != 0 ||
        link_arg(link, link_len, "limit", limit) != 0)
        return -1;
    return link_arg(link, link_len, "cursor", cursor);
}

static void case_link(const struct netra_config *config, const char *case_id, char *out,
                      size_t out_len)
{
    const char *base = config->desk.public_url;
    size_t base_len = strlen(base);
    while (base_len > 0 && base[base_len - 1] == '/')
        base_len--;
    snprintf(out, out_len, "%.*s/#/cases/%s", (int)base_len, base, case_id);
}

/* Post URLs come from platforms: only http(s) ones become links. */
static int web_url(const char *url)
{
    return strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0;
}

/* Bytes of s that are safe to write in XML or JSON; the caller frees. */
static char *clean(const char *s)
{
    return alert_clean_text(s, strlen(s));
}

/* "<category>: <name> (<agency>, <region>)" */
static char *entry_title(const struct alert *alert)
{
    const char *const *f = (const char *const *)alert->fields;
    size_t len = strlen(f[ALERT_CATEGORY]) + strlen(f[ALERT_NAME]) + strlen(f[ALERT_AUTHOR]) +
                 strlen(f[ALERT_AGENCY]) + strlen(f[ALERT_REGION]) + 16;
    char *raw = malloc(len), *out;
    if (raw == NULL)
        return NULL;
    snprintf(raw, len, "%s: %s (%s, %s)", f[ALERT_CATEGORY],
             f[ALERT_NAME][0] != '\0' ? f[ALERT_NAME] : f[ALERT_AUTHOR], f[ALERT_AGENCY],
             f[ALERT_REGION]);
    out = clean(raw);
    free(raw);
    return out;
}

/* The post text and the finding, as the entry's plain-text content. */
static char *entry_text(const struct alert *alert, const struct labels *labels)
{
    const char *const *f = (const char *const *)alert->fields;
    char *raw = NULL, *out = NULL;
    size_t raw_len = 0;
    FILE *stream = open_memstream(&raw, &raw_len);
    if (stream == NULL)
        return NULL;
    if (alert_is_engagement(alert)) {
        /* "Budi followed Tim Kampanye (@timkampanye): https://...", then the bio or the liked
         * post's text: a follow or a like has no text of its own. */
        int follow = strcmp(f[ALERT_KIND], "follow") == 0;
        fprintf(stream, "%s %s %s", f[ALERT_NAME][0] != '\0' ? f[ALERT_NAME] : f[ALERT_AUTHOR],
                follow ? labels->followed : labels->liked,
                f[ALERT_TARGET_NAME][0] != '\0' ? f[ALERT_TARGET_NAME] : f[ALERT_TARGET_ACCOUNT]);
        if (f[ALERT_TARGET_NAME][0] != '\0' && f[ALERT_TARGET_ACCOUNT][0] != '\0')
            fprintf(stream, " (@%s)", f[ALERT_TARGET_ACCOUNT]);
        if (f[ALERT_TARGET_URL][0] != '\0')
            fprintf(stream, ": %s", f[ALERT_TARGET_URL]);
        fprintf(stream, "\n%s", f[ALERT_TARGET_TEXT]);
    } else {
        fputs(f[ALERT_TEXT], stream);
    }
    fprintf(stream, "\n\n%s: %s\n", labels->category, f[ALERT_CATEGORY]);
    if (f[ALERT_NOTE][0] != '\0')
        fprintf(stream, "%s: %s\n", labels->note, f[ALERT_NOTE]);
    fprintf(stream, "%s: %s, %s, %s", labels->account, f[ALERT_NAME], f[ALERT_AGENCY],
            f[ALERT_REGION]);
    if (f[ALERT_NIP][0] != '\0')
        fprintf(stream, " (NIP %s)", f[ALERT_NIP]);
    fprintf(stream, "\n%s: %s %s %s\n%s: %s\n%s: %s (%s %s)\n", labels->post, f[ALERT_PLATFORM],
            f[ALERT_AUTHOR], f[ALERT_URL], labels->confirmed_by, f[ALERT_CONFIRMED_BY],
            labels->evidence, f[ALERT_EVIDENCE], labels->chain, f[ALERT_CHAIN_POSITION]);
    if (fclose(stream) != 0) {
        free(raw);
        return NULL;
    }
    out = alert_clean_text(raw, raw_len);
    free(raw);
    return out;
}

/* created_at as written by the platform, when it is a time at all. */
static int post_published(const struct alert *alert, char out[32])
{
    long long ms;
    if (alert_parse_time(alert->fields[ALERT_CREATED_AT], &ms) != 0)
        return 0;
    alert_format_time(ms, out);
    return 1;
}

static int page_updated(const struct alert_page *page, char out[32])
{
    long long newest = 0;
    for (size_t i = 0; i < page->count; i++) {
        if (page->items[i].confirmed_at_ms > newest)
            newest = page->items[i].confirmed_at_ms;
    }
    if (newest == 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        newest = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    }
    alert_format_time(newest, out);
    return 0;
}

/* Reads the page of the request's query; 0 with response filled (400) when the query is bad. */
static int feed_page(struct desk *desk, const struct desk_request *request,
                     struct desk_response *response, struct alert_query *query,
                     struct alert_page *page, int *answered, char *err, size_t err_len)
{
    char message[NETRA_ERR_LEN];
    int bad_request = 0;
    *answered = 0;
    if (feed_query(request, query, message, sizeof(message)) != 0) {
        *answered = 1;
        return desk_error(response, 400, "%s", message);
    }
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL)
        return -1;
    if (alerts_page(shards, desk_config(desk), query, page, &bad_request, err, err_len) != 0) {
        if (!bad_request)
            return -1;
        *answered = 1;
        return desk_error(response, 400, "%s", err);
    }
    return 0;
}

static int xml_element(xmlTextWriterPtr writer, const char *name, const char *text)
{
    return xmlTextWriterWriteElement(writer, BAD_CAST name, BAD_CAST text) < 0 ? -1 : 0;
}

static int xml_link(xmlTextWriterPtr writer, const char *rel, const char *href,
                    const char *type)
{
    if (xmlTextWriterStartElement(writer, BAD_CAST "link") < 0 ||
        xmlTextWriterWriteAttribute(writer, BAD_CAST "rel", BAD_CAST rel) < 0 ||
        xmlTextWriterWriteAttribute(writer, BAD_CAST "href", BAD_CAST href) < 0 ||
        (type != NULL && xmlTextWriterWriteAttribute(writer, BAD_CAST "type", BAD_CAST type) < 0))
        return -1;
    return xmlTextWriterEndElement(writer) < 0 ? -1 : 0;
}

static int xml_category(xmlTextWriterPtr writer, const char *term, const char *scheme)
{
    if (term[0] == '\0')
        return 0;
    char *clean_term = clean(term);
    int rc = -1;
    if (clean_term != NULL && xmlTextWriterStartElement(writer, BAD_CAST "category") >= 0 &&
        xmlTextWriterWriteAttribute(writer, BAD_CAST "term", BAD_CAST clean_term) >= 0 &&
        xmlTextWriterWriteAttribute(writer, BAD_CAST "scheme", BAD_CAST scheme) >= 0 &&
        xmlTextWriterEndElement(writer) >= 0)
        rc = 0;
    free(clean_term);
    return rc;
}

static int atom_entry(xmlTextWriterPtr writer, const struct netra_config *config,
                      const struct alert *alert)
{
    const char *const *f = (const char *const *)alert->fields;
    char id[96], when[32], link[1024];
    char *title = entry_title(alert), *text = entry_text(alert, feed_labels(config));
    char *author = clean(f[ALERT_NAME][0] != '\0' ? f[ALERT_NAME] : f[ALERT_AUTHOR]);
    char *url = clean(f[ALERT_URL]);
    int rc = -1;
    if (title == NULL || text == NULL || author == NULL || url == NULL)
        goto cleanup;
    snprintf(id, sizeof(id), "urn:netra:alert:%s", f[ALERT_CASE]);
    alert_format_time(alert->confirmed_at_ms, when);
    case_link(config, f[ALERT_CASE], link, sizeof(link));
    if (xmlTextWriterStartElement(writer, BAD_CAST "entry") < 0 ||
        xml_element(writer, "id", id) != 0 || xml_element(writer, "title", title) != 0 ||
        xml_element(writer, "updated", when) != 0)
        goto cleanup;
    if (post_published(alert, when) && xml_element(writer, "published", when) != 0)
        goto cleanup;
    if (xmlTextWriterStartElement(writer, BAD_CAST "author") < 0 ||
        xml_element(writer, "name", author[0] != '\0' ? author : "-") != 0 ||
        xmlTextWriterEndElement(writer) < 0)
        goto cleanup;
    if (web_url(url) && xml_link(writer, "alternate", url, "text/html") != 0)
        goto cleanup;
    if (xml_link(writer, "related", link, "text/html") != 0 ||
        xml_category(writer, f[ALERT_CATEGORY], "urn:netra:category") != 0 ||
        xml_category(writer, f[ALERT_REGION], "urn:netra:region") != 0 ||
        xml_category(writer, f[ALERT_AGENCY], "urn:netra:agency") != 0 ||
        xml_category(writer, f[ALERT_PLATFORM], "urn:netra:platform") != 0 ||
        (alert_is_engagement(alert) && xml_category(writer, f[ALERT_KIND], "urn:netra:kind") != 0))
        goto cleanup;
    if (xmlTextWriterStartElement(writer, BAD_CAST "content") < 0 ||
        xmlTextWriterWriteAttribute(writer, BAD_CAST "type", BAD_CAST "text") < 0 ||
        xmlTextWriterWriteString(writer, BAD_CAST text) < 0 ||
        xmlTextWriterEndElement(writer) < 0 || xmlTextWriterEndElement(writer) < 0)
        goto cleanup;
    rc = 0;

cleanup:
    free(title);
    free(text);
    free(author);
    free(url);
    return rc;
}

static int atom_write(xmlTextWriterPtr writer, const struct netra_config *config,
                      const struct alert_page *page, const char *self, const char *next)
{
    char updated[32];
    page_updated(page, updated);
    if (xmlTextWriterStartDocument(writer, NULL, "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElement(writer, BAD_CAST "feed") < 0 ||
        xmlTextWriterWriteAttribute(writer, BAD_CAST "xmlns", BAD_CAST ATOM_NS) < 0 ||
        xml_element(writer, "id", FEED_ID) != 0 ||
        xml_element(writer, "title", feed_labels(config)->title) != 0 ||
        xml_element(writer, "updated", updated) != 0 ||
        xmlTextWriterStartElement(writer, BAD_CAST "author") < 0 ||
        xml_element(writer, "name", "netra") != 0 || xmlTextWriterEndElement(writer) < 0 ||
        xml_element(writer, "generator", "netra-desk") != 0 ||
        xml_link(writer, "self", self, "application/atom+xml") != 0 ||
        (next != NULL && xml_link(writer, "next", next, "application/atom+xml") != 0))
        return -1;
    for (size_t i = 0; i < page->count; i++) {
        if (atom_entry(writer, config, &page->items[i]) != 0)
            return -1;
    }
    return xmlTextWriterEndDocument(writer) < 0 ? -1 : 0;
}

int feeds_atom(struct desk *desk, const struct desk_request *request,
               struct desk_response *response, char *err, size_t err_len)
{
    const struct netra_config *config = desk_config(desk);
    struct alert_query query;
    struct alert_page page = {0};
    char self[4096], next[4096];
    xmlBufferPtr buffer = NULL;
    xmlTextWriterPtr writer = NULL;
    int answered, rc = -1;

    if (feed_page(desk, request, response, &query, &page, &answered, err, err_len) != 0)
        goto cleanup;
    if (answered) {
        rc = 0;
        goto cleanup;
    }
    if (feed_link(config, request, "/feeds/alerts.atom", &query, query.cursor, self,
                  sizeof(self)) != 0 ||
        feed_link(config, request, "/feeds/alerts.atom", &query, page.next_cursor, next,
                  sizeof(next)) != 0) {
        rc = desk_error(response, 400, "query: too long for a feed link");
        goto cleanup;
    }
    buffer = xmlBufferCreate();
    writer = buffer == NULL ? NULL : xmlNewTextWriterMemory(buffer, 0);
    if (writer == NULL || xmlTextWriterSetIndent(writer, 1) < 0 ||
        atom_write(writer, config, &page, self, page.next_cursor[0] != '\0' ? next : NULL) != 0) {
        error_set(err, err_len, "atom feed: libxml2 could not write it (out of memory?)");
        goto cleanup;
    }
    xmlFreeTextWriter(writer); /* flushes into buffer */
    writer = NULL;
    response->body_len = (size_t)xmlBufferLength(buffer);
    response->body = malloc(response->body_len + 1);
    if (response->body == NULL) {
        error_set(err, err_len, "atom feed: out of memory");
        goto cleanup;
    }
    memcpy(response->body, xmlBufferContent(buffer), response->body_len);
    response->body[response->body_len] = '\0';
    response->status = 200;
    response->content_type = "application/atom+xml; charset=utf-8";
    rc = 0;

cleanup:
    if (writer != NULL)
        xmlFreeTextWriter(writer);
    if (buffer != NULL)
        xmlBufferFree(buffer);
    alert_page_free(&page);
    return rc;
}

static int json_add_clean(cJSON *object, const char *name, const char *value)
{
    char *text = clean(value);
    cJSON *item = text == NULL ? NULL : cJSON_AddStringToObject(object, name, text);
    free(text);
    return item == NULL ? -1 : 0;
}

static cJSON *json_item(const struct netra_config *config, const struct alert *alert)
{
    const char *const *f = (const char *const *)alert->fields;
    char id[96], when[32];
    char *title = entry_title(alert), *text = entry_text(alert, feed_labels(config));
    cJSON *item = cJSON_CreateObject(), *authors, *author, *tags, *netra;
    int ok = 0;
    if (item == NULL || title == NULL || text == NULL)
        goto cleanup;
    snprintf(id, sizeof(id), "urn:netra:alert:%s", f[ALERT_CASE]);
    if (cJSON_AddStringToObject(item, "id", id) == NULL ||
        (web_url(f[ALERT_URL]) && json_add_clean(item, "url", f[ALERT_URL]) != 0) ||
        cJSON_AddStringToObject(item, "title", title) == NULL ||
        cJSON_AddStringToObject(item, "content_text", text) == NULL)
        goto cleanup;
    if (post_published(alert, when) &&
        cJSON_AddStringToObject(item, "date_published", when) == NULL)
        goto cleanup;
    alert_format_time(alert->confirmed_at_ms, when);
    if (cJSON_AddStringToObject(item, "date_modified", when) == NULL ||
        (authors = cJSON_AddArrayToObject(item, "authors")) == NULL ||
        (author = cJSON_CreateObject()) == NULL)
        goto cleanup;
    cJSON_AddItemToArray(authors, author);
    if (json_add_clean(author, "name",
                       f[ALERT_NAME][0] != '\0' ? f[ALERT_NAME] : f[ALERT_AUTHOR]) != 0 ||
        (tags = cJSON_AddArrayToObject(item, "tags")) == NULL)
        goto cleanup;
    /* Posts' tags are as they always were; a follow or a like adds its kind. */
    const enum alert_field tag_fields[] = {ALERT_CATEGORY, ALERT_REGION, ALERT_AGENCY,
                                           ALERT_PLATFORM, ALERT_KIND};
    for (size_t i = 0; i < sizeof(tag_fields) / sizeof(tag_fields[0]); i++) {
        if (f[tag_fields[i]][0] == '\0' ||
            (tag_fields[i] == ALERT_KIND && !alert_is_engagement(alert)))
            continue;
        char *tag = clean(f[tag_fields[i]]);
        cJSON *string = tag == NULL ? NULL : cJSON_CreateString(tag);
        free(tag);
        if (string == NULL)
            goto cleanup;
        cJSON_AddItemToArray(tags, string);
    }
    netra = alert_to_json(alert);
    if (netra == NULL)
        goto cleanup;
    cJSON_AddItemToObject(item, "_netra", netra);
    ok = 1;

cleanup:
    free(title);
    free(text);
    if (!ok) {
        cJSON_Delete(item);
        item = NULL;
    }
    return item;
}

int feeds_json(struct desk *desk, const struct desk_request *request,
               struct desk_response *response, char *err, size_t err_len)
{
    const struct netra_config *config = desk_config(desk);
    struct alert_query query;
    struct alert_page page = {0};
    char self[4096], next[4096], home[1024];
    cJSON *feed = NULL, *items;
    int answered, rc = -1;

    if (feed_page(desk, request, response, &query, &page, &answered, err, err_len) != 0)
        goto cleanup;
    if (answered) {
        rc = 0;
        goto cleanup;
    }
    if (feed_link(config, request, "/feeds/alerts.json", &query, query.cursor, self,
                  sizeof(self)) != 0 ||
        feed_link(config, request, "/feeds/alerts.json", &query, page.next_cursor, next,
                  sizeof(next)) != 0) {
        rc = desk_error(response, 400, "query: too long for a feed link");
        goto cleanup;
    }
    snprintf(home, sizeof(home), "%s", config->desk.public_url);
    feed = cJSON_CreateObject();
    if (feed == NULL ||
        cJSON_AddStringToObject(feed, "version", "https://jsonfeed.org/version/1.1") == NULL ||
        cJSON_AddStringToObject(feed, "title", feed_labels(config)->title) == NULL ||
        json_add_clean(feed, "home_page_url", home) != 0 ||
        json_add_clean(feed, "feed_url", self) != 0 ||
        (page.next_cursor[0] != '\0' && json_add_clean(feed, "next_url", next) != 0) ||
        cJSON_AddStringToObject(feed, "language",
                                feed_labels(config) == &labels_en ? "en" : "id") == NULL ||
        (items = cJSON_AddArrayToObject(feed, "items")) == NULL)
        goto oom;
    for (size_t i = 0; i < page.count; i++) {
        cJSON *item = json_item(config, &page.items[i]);
        if (item == NULL)
            goto oom;
        cJSON_AddItemToArray(items, item);
    }
    rc = desk_json(response, 200, feed);
    feed = NULL;
    if (rc == 0 && response->status == 200)
        response->content_type = "application/feed+json; charset=utf-8";
    goto cleanup;

oom:
    error_set(err, err_len, "json feed: out of memory");
cleanup:
    cJSON_Delete(feed);
    alert_page_free(&page);
    return rc;
}
