/* JSON Feed 1.1 and 1.0 (https://www.jsonfeed.org/version/1.1/) through cJSON, the body taken as
 * adapter_json.h says (escaped NULs and lone surrogates become U+FFFD).
 *
 * An item is skipped (and counted) when a field that carries its identity, time or text has the
 * wrong type; decorations of the wrong type (tags, authors, attachments, image, language,
 * external_url) are left out and the post kept. JSON null is the same as an absent field. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config/log.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/feed_reader.h"
#include "crawler/adapters/post_build.h"

/* Field names in reasons, such as "items[999].date_published". */
#define FIELD_NAME_LEN (FEED_LABEL_LEN + 32)
/* Integral ids up to 2^53 are printed without exponent or fraction. */
#define MAX_EXACT_DOUBLE 9007199254740992.0

/* A decoration: a string, or NULL whatever else it is. */
static const char *optional_string(const cJSON *object, const char *name)
{
    const char *value;
    return adapter_json_string(object, name, 0, "", &value, NULL, 0) == 0 ? value : NULL;
}

/* The name of the first author: JSON Feed 1.1 "authors" [{name}], or 1.0 "author" {name}. */
static const char *author_name(const cJSON *object)
{
    const cJSON *authors = cJSON_GetObjectItemCaseSensitive(object, "authors");
    const cJSON *author;
    if (cJSON_IsArray(authors)) {
        cJSON_ArrayForEach (author, authors) {
            const char *name = cJSON_IsObject(author) ? optional_string(author, "name") : NULL;
            if (name != NULL && name[0] != '\0')
                return name;
        }
    }
    author = cJSON_GetObjectItemCaseSensitive(object, "author");
    return cJSON_IsObject(author) ? optional_string(author, "name") : NULL;
}

/* The id as text: JSON Feed 1.1 says a reader coerces a numeric id to a string. */
static int item_id(const cJSON *item, char number[32], const char **out)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
    *out = NULL;
    if (id == NULL || cJSON_IsNull(id))
        return 0;
    if (cJSON_IsString(id) && id->valuestring != NULL) {
        *out = id->valuestring;
        return 0;
    }
    if (!cJSON_IsNumber(id) || !isfinite(id->valuedouble))
        return -1;
    double value = id->valuedouble;
    if (value >= -MAX_EXACT_DOUBLE && value <= MAX_EXACT_DOUBLE &&
        (double)(long long)value == value)
        snprintf(number, 32, "%lld", (long long)value);
    else
        snprintf(number, 32, "%.17g", value);
    *out = number;
    return 0;
}

static int read_decorations(const struct feed_parse *parse, struct post_message *message,
                            const cJSON *item)
{
    const char *feed_url = parse->context->account->handle;
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(item, "tags");
    const cJSON *attachments = cJSON_GetObjectItemCaseSensitive(item, "attachments");
    const cJSON *entry;
    char *url = NULL;
    int rc = -1;
    if (cJSON_IsArray(tags)) {
        cJSON_ArrayForEach (entry, tags) {
            if (cJSON_IsString(entry) && feed_add_category(message, entry->valuestring) != 0)
                goto cleanup;
        }
    }
    url = feed_resolve_url(optional_string(item, "external_url"), feed_url);
    if (feed_add_link(message, url) != 0)
        goto cleanup;
    free(url);
    url = feed_resolve_url(optional_string(item, "image"), feed_url);
    if (feed_add_media(message, "image", url, NULL) != 0)
        goto cleanup;
    if (cJSON_IsArray(attachments)) {
        cJSON_ArrayForEach (entry, attachments) {
            if (!cJSON_IsObject(entry))
                continue;
            free(url);
            url = feed_resolve_url(optional_string(entry, "url"), feed_url);
            if (feed_add_media(message, optional_string(entry, "mime_type"), url,
                               optional_string(entry, "title")) != 0 ||
                feed_add_link(message, url) != 0)
                goto cleanup;
        }
    }
    rc = 0;
cleanup:
    free(url);
    return rc;
}

struct json_fields {
    const char *id, *url, *title, *content_html, *content_text, *summary, *date_published,
        *date_modified;
};

/* The fields a post cannot do without in the right type; names the first that is not. */
static int read_fields(const cJSON *item, struct json_fields *f, char number[32], const char **bad)
{
    struct {
        const char *name;
        const char **slot;
    } strings[] = {
        {"url", &f->url},
        {"title", &f->title},
        {"content_html", &f->content_html},
        {"content_text", &f->content_text},
        {"summary", &f->summary},
        {"date_published", &f->date_published},
        {"date_modified", &f->date_modified},
    };
    if (item_id(item, number, &f->id) != 0) {
        *bad = "id";
        return -1;
    }
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        if (adapter_json_string(item, strings[i].name, 0, "", strings[i].slot, NULL, 0) != 0) {
            *bad = strings[i].name;
            return -1;
        }
    }
    return 0;
}

static void read_item(struct feed_parse *parse, const cJSON *item, const char *label)
{
    struct json_fields f = {0};
    char err[NETRA_ERR_LEN] = "out of memory";
    char number[32];
    const char *bad = NULL;
    char *body = NULL, *url = NULL, *raw = NULL;
    struct post_message *message = NULL;
    if (!cJSON_IsObject(item)) {
        error_set(err, sizeof(err), "expected an object");
        goto skip;
    }
    if (read_fields(item, &f, number, &bad) != 0) {
        error_set(err, sizeof(err), "\"%s\" has the wrong type", bad);
        goto skip;
    }
    message = post_message_new();
    if (message == NULL || read_decorations(parse, message, item) != 0)
        goto skip;
    if (f.content_html != NULL && post_build_html_to_text(f.content_html, strlen(f.content_html),
                                                          &body, err, sizeof(err)) != 0)
        goto skip;
    url = feed_resolve_url(f.url, parse->context->account->handle);
    raw = cJSON_PrintUnformatted(item);
    if (raw == NULL) {
        error_set(err, sizeof(err), "out of memory");
        goto skip;
    }
    const char *text = !feed_blank(body)             ? body
                       : !feed_blank(f.content_text) ? f.content_text
                                                     : f.summary;
    struct feed_item fields = {
        .label = label,
        .id = f.id,
        .url = url,
        .author = author_name(item),
        .title = f.title,
        .body = text,
        .published = f.date_published,
        .published_name = "date_published",
        .updated = f.date_modified,
        .updated_name = "date_modified",
        .lang = optional_string(item, "language"),
        .raw = raw,
        .raw_len = strlen(raw),
    };
    feed_parse_add(parse, message, &fields);
    message = NULL;
    goto cleanup;
skip:
    feed_parse_skip(parse, "%s: %s", label, err);
    post_message_free(message);
cleanup:
    free(body);
    free(url);
    cJSON_free(raw);
}

static int version_known(const char *version)
{
    static const char *const known[] = {
        "https://jsonfeed.org/version/1.1",
        "https://jsonfeed.org/version/1",
        "http://jsonfeed.org/version/1.1",
        "http://jsonfeed.org/version/1",
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(version, known[i]) == 0)
            return 1;
    return 0;
}

static int read_feed(struct feed_parse *parse, const cJSON *root, char *err, size_t err_len)
{
    char label[FEED_LABEL_LEN], show[ADAPTER_SHOWN_LEN];
    const char *version;
    if (!cJSON_IsObject(root))
        return error_set(err, err_len, "JSON Feed: the top level is not an object");
    if (adapter_json_string(root, "version", 1, "", &version, NULL, 0) != 0)
        return error_set(err, err_len, "JSON Feed: \"version\" is missing or not a string");
    if (!version_known(version))
        return error_set(err, err_len,
                         "JSON Feed: version \"%s\" is not https://jsonfeed.org/version/1.1 or "
                         "/1",
                         error_shown(show, sizeof(show), version));
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
    if (!cJSON_IsArray(items))
        return error_set(err, err_len, "JSON Feed: \"items\" is missing or not an array");
    if (feed_parse_set_author(parse, author_name(root)) != 0 ||
        feed_parse_set_lang(parse, optional_string(root, "language")) != 0)
        return error_set(err, err_len, "out of memory");
    const cJSON *item;
    cJSON_ArrayForEach (item, items) {
        if (feed_parse_admit(parse, "items", label))
            read_item(parse, item, label);
    }
    return 0;
}

int feed_json_read(struct feed_parse *parse, const char *body, size_t len, char *err,
                   size_t err_len)
{
    cJSON *root;
    if (adapter_json_parse(body, len, "JSON Feed", &root, err, err_len) != 0)
        return -1;
    int rc = read_feed(parse, root, err, err_len);
    cJSON_Delete(root);
    return rc;
}
