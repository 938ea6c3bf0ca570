/* The jsonapi adapter: any JSON endpoint that lists an account's posts, mapped by the operator's
 * config (platforms.jsonapi.*):
 *
 *   url         the request. "{handle}" and "{cursor}" are replaced by the account's handle and
 *               the page's cursor, percent-encoded (every byte but A-Z a-z 0-9 - . _ ~), so they
 *               cannot change the template's host, path or other parameters. {cursor} is "" on
 *               a crawl's first page.
 *   items, next RFC 6901 JSON pointers into the body: the array of posts, and the cursor of the
 *               next page (a string or a whole number; missing, null or "" = the last page).
 *   id, text, created_at, url_field, author
 *               pointers into each item; url_field and author may be unset (the author is then
 *               the account's handle). created_at is an RFC 3339 or RFC 822 time.
 *
 * Posts must come newest first, pages going back in time, as timelines do. The cursor netra keeps
 * is the time and id of the newest post queued, "<RFC 3339 UTC> <id>": a crawl ends at that post
 * or at the first older one, a rescan at the first post older than since_s. Text is taken as
 * plain text, markup and all; kind is always post; hashtags and mentions are read from the text. */
#include "crawler/adapters/adapter.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/post_build.h"

#define JSONAPI_PLATFORM "jsonapi"
#define POINTER_MAX 256
#define TEMPLATE_MAX 4096
#define PAGE_CURSOR_MAX 1024
/* A JSON number names an id or cursor only while a double holds it exactly. */
#define WHOLE_NUMBER_MAX 9007199254740992.0 /* 2^53 */
#define RFC3339_UTC_LEN 20                  /* "2024-01-05T10:00:00Z" */
#define WHERE_MAX (2 * POINTER_MAX + 32)

/* ---- small helpers ------------------------------------------------------------------------- */

/* A JSON value as an id or cursor: a non-empty string, or a whole number written without a
 * fraction. NULL when it is neither. */
static bool text_of_scalar(const cJSON *value, char *number, size_t number_len, const char **out)
{
    *out = NULL;
    if (cJSON_IsString(value) && value->valuestring != NULL && value->valuestring[0] != '\0') {
        *out = value->valuestring;
        return true;
    }
    if (cJSON_IsNumber(value)) {
        double v = value->valuedouble;
        /* The range test comes first: converting an infinity to an integer is undefined. */
        if (v >= -WHOLE_NUMBER_MAX && v <= WHOLE_NUMBER_MAX && (double)(long long)v == v) {
            snprintf(number, number_len, "%lld", (long long)v);
            *out = number;
            return true;
        }
    }
    return false;
}

/* ---- JSON pointers (RFC 6901) -------------------------------------------------------------- */

/* "" (the whole value) or "/" tokens, in which "~0" is '~' and "~1" is '/'. */
static int pointer_check(const char *name, const char *pointer, bool required, char *err,
                         size_t err_len)
{
    char shown[ADAPTER_SHOWN_LEN];
    if (pointer == NULL) {
        if (required)
            return error_set(err, err_len, "platforms.jsonapi.%s is not set", name);
        return 0;
    }
    size_t length = strlen(pointer);
    if (length > POINTER_MAX || !utf8_valid(pointer, length, NULL))
        return error_set(err, err_len,
                         "platforms.jsonapi.%s: a JSON pointer of at most %d bytes of UTF-8", name,
                         POINTER_MAX);
    if (pointer[0] != '\0' && pointer[0] != '/')
        return error_set(err, err_len,
                         "platforms.jsonapi.%s \"%s\": not a JSON pointer (RFC 6901): it must "
                         "start with '/'",
                         name, error_shown(shown, sizeof(shown), pointer));
    for (size_t i = 0; i < length; i++)
        if ((unsigned char)pointer[i] < 0x20 || pointer[i] == 0x7F)
            return error_set(err, err_len,
                             "platforms.jsonapi.%s \"%s\": control byte at byte %zu (messages "
                             "quote the pointer)",
                             name, error_shown(shown, sizeof(shown), pointer), i);
    for (size_t i = 0; i < length; i++)
        if (pointer[i] == '~' && pointer[i + 1] != '0' && pointer[i + 1] != '1')
            return error_set(err, err_len,
                             "platforms.jsonapi.%s \"%s\": not a JSON pointer (RFC 6901): '~' at "
                             "byte %zu must be followed by 0 or 1",
                             name, error_shown(shown, sizeof(shown), pointer), i);
    return 0;
}

/* How an error line names the value a body-level pointer finds. */
static const char *pointer_name(const char *pointer)
{
    return pointer[0] != '\0' ? pointer : "the body";
}

/* An array index token: "0", or digits without a leading zero. "-" (past the end) is none. */
static cJSON *array_element(cJSON *array, const char *token)
{
    size_t digits = strspn(token, "0123456789");
    if (digits == 0 || token[digits] != '\0' || digits > 9 || (token[0] == '0' && digits > 1))
        return NULL;
    long index = strtol(token, NULL, 10);
    if (index >= cJSON_GetArraySize(array))
        return NULL;
    return cJSON_GetArrayItem(array, (int)index);
}

/* The value pointer (checked by pointer_check) names in root, or NULL when there is none. */
static cJSON *pointer_get(cJSON *root, const char *pointer)
{
    char token[POINTER_MAX + 1];
    cJSON *node = root;
    const char *p = pointer;
    while (node != NULL && *p == '/') {
        size_t n = 0;
        for (p++; *p != '\0' && *p != '/'; p++) {
            if (*p == '~')
                token[n++] = *++p == '0' ? '~' : '/';
            else
                token[n++] = *p;
        }
        token[n] = '\0';
        if (cJSON_IsObject(node))
            node = cJSON_GetObjectItemCaseSensitive(node, token);
        else if (cJSON_IsArray(node))
            node = array_element(node, token);
        else
            node = NULL;
    }
    return node;
}

/* ---- the settings -------------------------------------------------------------------------- */

static int template_check(const char *url, bool pages, char *err, size_t err_len)
{
    char shown[ADAPTER_SHOWN_LEN];
    if (url == NULL || url[0] == '\0')
        return error_set(err, err_len, "platforms.jsonapi.url is not set");
    if (!adapter_http_url(url) || strlen(url) > TEMPLATE_MAX)
        return error_set(err, err_len,
                         "platforms.jsonapi.url \"%s\": expected an http:// or https:// URL of at "
                         "most %d bytes",
                         error_shown(shown, sizeof(shown), url), TEMPLATE_MAX);
    for (const char *p = url; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7F)
            return error_set(err, err_len,
                             "platforms.jsonapi.url: a space or control byte at byte %zu",
                             (size_t)(p - url));
    if (strstr(url, "{handle}") == NULL)
        return error_set(err, err_len,
                         "platforms.jsonapi.url has no {handle}: every account would fetch the "
                         "same URL");
    if (pages && strstr(url, "{cursor}") == NULL)
        return error_set(err, err_len,
                         "platforms.jsonapi.next is set, but platforms.jsonapi.url has no {cursor} "
                         "to send it in");
    return 0;
}

static int settings_check(const struct adapter_settings *s, char *err, size_t err_len)
{
    const struct {
        const char *name;
        const char *pointer;
        bool required;
    } pointers[] = {
        {"items", s->jsonapi_items, true},
        {"id", s->jsonapi_id, true},
        {"text", s->jsonapi_text, true},
        {"created_at", s->jsonapi_created_at, true},
        {"url_field", s->jsonapi_url_field, false},
        {"author", s->jsonapi_author, false},
        {"next", s->jsonapi_next, false},
    };
    for (size_t i = 0; i < sizeof(pointers) / sizeof(pointers[0]); i++)
        if (pointer_check(pointers[i].name, pointers[i].pointer, pointers[i].required, err,
                          err_len) != 0)
            return -1;
    return template_check(s->jsonapi_url, s->jsonapi_next != NULL, err, err_len);
}

/* ---- requests ------------------------------------------------------------------------------ */

/* Writes the template with every {handle} and {cursor} replaced by the (encoded) values into
 * out, when out is not NULL, and returns its length. */
static size_t fill_template_into(char *out, const char *template, const char *handle,
                                 const char *cursor)
{
    static const char handle_mark[] = "{handle}", cursor_mark[] = "{cursor}";
    size_t used = 0;
    for (const char *p = template; *p != '\0';) {
        const char *piece = p;
        size_t piece_len = 1, skip = 1;
        if (strncmp(p, handle_mark, sizeof(handle_mark) - 1) == 0) {
            piece = handle, piece_len = strlen(handle), skip = sizeof(handle_mark) - 1;
        } else if (strncmp(p, cursor_mark, sizeof(cursor_mark) - 1) == 0) {
            piece = cursor, piece_len = strlen(cursor), skip = sizeof(cursor_mark) - 1;
        }
        if (out != NULL)
            memcpy(out + used, piece, piece_len);
        used += piece_len;
        p += skip;
    }
    return used;
}

static char *fill_template(const char *template, const char *handle, const char *cursor)
{
    size_t length = fill_template_into(NULL, template, handle, cursor);
    char *out = malloc(length + 1);
    if (out == NULL)
        return NULL;
    fill_template_into(out, template, handle, cursor);
    out[length] = '\0';
    return out;
}

static int build_request(const struct adapter_context *context, struct adapter_request *out,
                         char *err, size_t err_len)
{
    const struct adapter_settings *settings = context->settings;
    const char *handle = context->account->handle != NULL ? context->account->handle : "";
    char *handle_encoded = NULL, *cursor_encoded = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (settings_check(settings, err, err_len) != 0)
        goto cleanup;
    if (handle[0] == '\0' || !utf8_valid(handle, strlen(handle), NULL)) {
        error_set(err, err_len, "handle: expected a non-empty UTF-8 text");
        goto cleanup;
    }
    if (adapter_request_json_headers(out, JSONAPI_PLATFORM, settings, err, err_len) != 0)
        goto cleanup;
    handle_encoded = adapter_percent_encode(handle);
    cursor_encoded = adapter_percent_encode(context->page != NULL ? context->page : "");
    if (handle_encoded == NULL || cursor_encoded == NULL ||
        (out->url = fill_template(settings->jsonapi_url, handle_encoded, cursor_encoded)) ==
            NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    rc = 0;

cleanup:
    free(handle_encoded);
    free(cursor_encoded);
    if (rc != 0)
        adapter_request_free(out);
    return rc;
}

/* ---- the cursor kept between crawls -------------------------------------------------------- */

struct seen_mark {
    long long time_s; /* meaningful when id is not NULL */
    const char *id;   /* NULL: never crawled, or a rescan */
};

/* "<RFC 3339 UTC> <id>" as written by parse. */
static int seen_mark_read(const char *cursor, struct seen_mark *mark, char *err, size_t err_len)
{
    char shown[ADAPTER_SHOWN_LEN], when[RFC3339_UTC_LEN + 1], normal[32];
    mark->id = NULL;
    if (cursor == NULL || cursor[0] == '\0')
        return 0;
    bool readable = strlen(cursor) >= RFC3339_UTC_LEN + 2 && cursor[RFC3339_UTC_LEN] == ' ';
    if (readable) {
        memcpy(when, cursor, RFC3339_UTC_LEN);
        when[RFC3339_UTC_LEN] = '\0';
        readable = post_build_time(when, normal, &mark->time_s, NULL, 0) == 0;
    }
    if (!readable)
        return error_set(err, err_len, "cursor \"%s\": expected \"<RFC 3339 UTC time> <post id>\"",
                         error_shown(shown, sizeof(shown), cursor));
    mark->id = cursor + RFC3339_UTC_LEN + 1;
    return 0;
}

/* ---- a page -------------------------------------------------------------------------------- */

struct page {
    const struct adapter_context *context;
    struct seen_mark seen;
    /* the newest post of this page, for the new cursor */
    long long newest_s;
    char newest_time[32];
    char *newest_id;
};

/* One item into *out and its time. -1 with err naming the value by its pointer in the body. */
static int read_post(struct page *page, cJSON *item, const char *where, struct post_message **out,
                     long long *created_s, bool *already_seen, char *err, size_t err_len)
{
    const struct adapter_settings *settings = page->context->settings;
    struct post_message *message = post_message_new();
    char number[32], created_at[32], why[NETRA_ERR_LEN / 2];
    const char *id;
    int rc = -1;

    *out = NULL;
    *already_seen = false;
    if (message == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (!text_of_scalar(pointer_get(item, settings->jsonapi_id), number, sizeof(number), &id)) {
        error_set(err, err_len, "%s%s: expected a string or a whole number", where,
                  settings->jsonapi_id);
        goto cleanup;
    }
    if (page->seen.id != NULL && strcmp(id, page->seen.id) == 0) {
        *already_seen = true;
        rc = 0;
        goto cleanup;
    }
    if (post_build_set_id(message, JSONAPI_PLATFORM, id, why, sizeof(why)) != 0) {
        error_set(err, err_len, "%s%s: %s", where, settings->jsonapi_id, why);
        goto cleanup;
    }
    const char *created = cJSON_GetStringValue(pointer_get(item, settings->jsonapi_created_at));
    if (created == NULL || post_build_time(created, created_at, created_s, NULL, 0) != 0) {
        error_set(err, err_len, "%s%s: expected an RFC 3339 time", where,
                  settings->jsonapi_created_at);
        goto cleanup;
    }
    if (post_build_set(&message->created_at, created_at, why, sizeof(why)) != 0) {
        error_set(err, err_len, "%s%s: %s", where, settings->jsonapi_created_at, why);
        goto cleanup;
    }

    cJSON *text = pointer_get(item, settings->jsonapi_text);
    if (text == NULL || !(cJSON_IsString(text) || cJSON_IsNull(text))) {
        error_set(err, err_len, "%s%s: expected a string", where, settings->jsonapi_text);
        goto cleanup;
    }
    if (post_build_set(&message->text, cJSON_IsString(text) ? text->valuestring : "", why,
                       sizeof(why)) != 0) {
        error_set(err, err_len, "%s%s: %s", where, settings->jsonapi_text, why);
        goto cleanup;
    }
    if (settings->jsonapi_url_field != NULL) {
        cJSON *url = pointer_get(item, settings->jsonapi_url_field);
        if (url != NULL && !cJSON_IsNull(url) &&
            (!cJSON_IsString(url) || !adapter_http_url(url->valuestring))) {
            error_set(err, err_len, "%s%s: expected an http:// or https:// URL", where,
                      settings->jsonapi_url_field);
            goto cleanup;
        }
        if (cJSON_IsString(url) &&
            post_build_set(&message->url, url->valuestring, why, sizeof(why)) != 0) {
            error_set(err, err_len, "%s%s: %s", where, settings->jsonapi_url_field, why);
            goto cleanup;
        }
    }
    const char *author = page->context->account->handle;
    if (settings->jsonapi_author != NULL) {
        cJSON *value = pointer_get(item, settings->jsonapi_author);
        if (value != NULL && !cJSON_IsNull(value) && !cJSON_IsString(value)) {
            error_set(err, err_len, "%s%s: expected a string", where, settings->jsonapi_author);
            goto cleanup;
        }
        if (cJSON_IsString(value) && value->valuestring[0] != '\0')
            author = value->valuestring;
    }
    if (post_build_set(&message->author, author, why, sizeof(why)) != 0) {
        error_set(err, err_len, "%s%s: %s", where,
                  settings->jsonapi_author != NULL ? settings->jsonapi_author : " (handle)", why);
        goto cleanup;
    }
    message->kind = POST_KIND_POST;
    if (post_build_scan_text(message, why, sizeof(why)) != 0) {
        error_set(err, err_len, "%s%s: %s", where, settings->jsonapi_text, why);
        goto cleanup;
    }
    if (adapter_json_set_raw(message, item, where, err, err_len) != 0)
        goto cleanup;
    *out = message;
    message = NULL;
    rc = 0;

cleanup:
    post_message_free(message);
    return rc;
}

/* The next page's cursor, from the body; none when the crawl is complete. */
static int read_next(cJSON *root, const struct adapter_context *context,
                     struct adapter_result *out, char *err, size_t err_len)
{
    const char *pointer = context->settings->jsonapi_next;
    char number[32];
    const char *next;
    if (pointer == NULL)
        return 0;
    cJSON *value = pointer_get(root, pointer);
    if (value == NULL || cJSON_IsNull(value) ||
        (cJSON_IsString(value) && value->valuestring[0] == '\0'))
        return 0;
    if (!text_of_scalar(value, number, sizeof(number), &next))
        return error_set(err, err_len, "%s: expected a string or a whole number",
                         pointer_name(pointer));
    size_t length = strlen(next);
    if (length > PAGE_CURSOR_MAX)
        return error_set(err, err_len, "%s: %zu bytes, over the limit of %d",
                         pointer_name(pointer), length, PAGE_CURSOR_MAX);
    if (!utf8_valid(next, length, NULL))
        return error_set(err, err_len, "%s: invalid UTF-8", pointer_name(pointer));
    /* The same cursor again would fetch the same page forever: this page is the last. */
    if (context->page != NULL && strcmp(context->page, next) == 0)
        return 0;
    out->next_page = strdup(next);
    if (out->next_page == NULL)
        return error_set(err, err_len, "out of memory");
    return 0;
}

static int parse_page(cJSON *root, const struct adapter_context *context,
                      struct adapter_result *out, char *err, size_t err_len)
{
    const struct adapter_settings *settings = context->settings;
    struct page page = {.context = context};
    bool crawl = context->since_s <= 0;
    bool reached_end = false;
    cJSON *item;
    int rc = -1;

    if (seen_mark_read(crawl ? context->cursor : NULL, &page.seen, err, err_len) != 0)
        goto cleanup;
    cJSON *items = pointer_get(root, settings->jsonapi_items);
    if (items == NULL) {
        error_set(err, err_len, "platforms.jsonapi.items \"%s\": the body has no such value",
                  settings->jsonapi_items);
        goto cleanup;
    }
    if (!cJSON_IsArray(items) && !cJSON_IsNull(items)) {
        error_set(err, err_len, "%s: expected an array of posts",
                  pointer_name(settings->jsonapi_items));
        goto cleanup;
    }
    size_t i = 0;
    cJSON_ArrayForEach(item, items) /* a null has no children */
    {
        char where[WHERE_MAX], why[NETRA_ERR_LEN];
        struct post_message *message;
        long long created_s = 0;
        bool already_seen;
        snprintf(where, sizeof(where), "%s/%zu", settings->jsonapi_items, i++);
        if (read_post(&page, item, where, &message, &created_s, &already_seen, why,
                      sizeof(why)) != 0) {
            if (adapter_result_skip(out, why, err, err_len) != 0)
                goto cleanup;
            continue;
        }
        /* Newest first: the post the cursor names, or one older, or one older than the
         * rescan asked for, ends the crawl. */
        if (already_seen || (page.seen.id != NULL && created_s < page.seen.time_s) ||
            (!crawl && created_s < context->since_s)) {
            reached_end = true;
            post_message_free(message);
            continue;
        }
        if (page.newest_id == NULL || created_s > page.newest_s) {
            free(page.newest_id);
            /* The native id, past "jsonapi:" in the message's id. */
            page.newest_id = strdup(message->id + sizeof(JSONAPI_PLATFORM));
            if (page.newest_id == NULL) {
                post_message_free(message);
                error_set(err, err_len, "out of memory");
                goto cleanup;
            }
            page.newest_s = created_s;
            snprintf(page.newest_time, sizeof(page.newest_time), "%s", message->created_at);
        }
        if (adapter_result_add(out, message, err, err_len) != 0)
            goto cleanup;
    }
    if (crawl && context->page == NULL && page.newest_id != NULL) {
        size_t length = strlen(page.newest_time) + 1 + strlen(page.newest_id) + 1;
        if ((out->new_cursor = malloc(length)) == NULL) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
        snprintf(out->new_cursor, length, "%s %s", page.newest_time, page.newest_id);
    }
    if (!reached_end && read_next(root, context, out, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    free(page.newest_id);
    return rc;
}

static int parse(const struct adapter_context *context, const struct adapter_response *response,
                 struct adapter_result *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (settings_check(context->settings, err, err_len) != 0)
        return -1;
    cJSON *root;
    if (adapter_json_parse(response->body, response->body_len, "body", &root, err, err_len) != 0)
        return -1;
    int rc = parse_page(root, context, out, err, err_len);
    cJSON_Delete(root);
    if (rc != 0)
        adapter_result_free(out);
    return rc;
}

const struct adapter adapter_jsonapi = {JSONAPI_PLATFORM, build_request, parse, ADAPTER_LISTS_POSTS};
