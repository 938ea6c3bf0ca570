/* The Mastodon adapter: REST API v1, anonymous (public statuses) or with a bearer token.
 *
 * Base URL: settings.base_url when set, else https://<instance> of the handle user@instance.
 * With base_url set, every watched account is taken to live on that server (one instance, or
 * netra-sim standing in for the handles' instances): the lookup asks for the bare user.
 *
 * Lookup: GET {base}/api/v1/accounts/lookup?acct=<user> -> the account's id. A suspended
 * account, and a 404 or 410 answer (to the lookup or to a page), mean gone.
 *
 * Statuses: GET {base}/api/v1/accounts/:id/statuses?limit=N (N <= 40) [&since_id=C][&max_id=P].
 * Paging goes back in time from the newest status: the first page is the newest statuses above
 * the cursor C (since_id), each next page starts right below the previous one (max_id from the
 * Link header's rel="next"; without a Link header, the last status's id), and the crawl is
 * complete when a page is empty, the Link header has no rel="next", or a status at or below C
 * shows up. Every page continues exactly where the previous one ended, so nothing between C and
 * the newest status is skipped. The new cursor is the id of the newest status of the first page;
 * statuses posted during a crawl lie above it and come with the next crawl. A rescan (since_s)
 * ignores C and pages back until a status created before since_s.
 *
 * A status becomes one post message: a reblog -> kind repost (text, tags, media... of the
 * reblogged status, repost_of from it), a quote (Mastodon 4.4+) -> quote, in_reply_to_id ->
 * reply, else post. Only public and unlisted statuses are public content; the others are left
 * out, not counted as errors. Text is spoiler_text, a blank line, then content as plain text.
 * Links are the card's url and the hrefs in content that are neither mentions nor hashtags.
 * A local acct ("user") is written "user@<instance of the handle>". */
#include "crawler/adapters/adapter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "config/log.h"
#include "crawler/adapters/post_build.h"

#define PLATFORM "mastodon"
#define PAGE_SIZE_MAX 40
/* Account and status ids: Mastodon's are decimal, other servers' base62 or ULIDs. They go into
 * URLs, so anything else is refused. */
#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define ID_MAX 64
#define HANDLE_PART_MAX 255
/* A status is a few kilobytes; one over this is refused rather than carried through the
 * pipeline (the post message decoder takes at most POST_MESSAGE_MAX_JSON_BYTES). */
#define ITEM_MAX_BYTES (1024 * 1024)
#define WHERE_LEN 128
/* A value quoted in an error message is cut to this many bytes. */
#define SHOWN_BYTES 48
#define SHOWN_LEN (SHOWN_BYTES + 4)

/* ---- small helpers ---------------------------------------------------------------------- */

/* Messages are logged and shown to operators: a hostile value must not forge lines or flood. */
static const char *shown(const char *value, char out[SHOWN_LEN])
{
    size_t n = strlen(value);
    int cut = n > SHOWN_BYTES;
    if (cut) {
        n = SHOWN_BYTES;
        while (n > 0 && ((unsigned char)value[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)value[i];
        out[i] = ch < 0x20 || ch == 0x7F ? '?' : value[i];
    }
    memcpy(out + n, cut ? "..." : "", cut ? 4 : 1);
    return out;
}

static char *format_string(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *format_string(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static int id_valid(const char *id)
{
    size_t n = strlen(id);
    return n >= 1 && n <= ID_MAX && strspn(id, ID_CHARS) == n;
}

static int all_digits(const char *s)
{
    return s[0] != '\0' && s[strspn(s, "0123456789")] == '\0';
}

/* 1 when status id a is not newer than b. Mastodon's ids are decimal and grow with time; ids of
 * other shapes are only known to be equal or not. */
static int id_at_or_below(const char *a, const char *b)
{
    if (!all_digits(a) || !all_digits(b))
        return strcmp(a, b) == 0;
    size_t la = strlen(a), lb = strlen(b);
    return la < lb || (la == lb && strcmp(a, b) <= 0);
}

/* The user and instance of a watchlist handle "user@instance". */
struct handle {
    char user[HANDLE_PART_MAX + 1];
    char host[HANDLE_PART_MAX + 1];
};

static int handle_split(const char *text, struct handle *handle, char *err, size_t err_len)
{
    char show[SHOWN_LEN];
    const char *at = text != NULL ? strchr(text, '@') : NULL;
    if (at == NULL || at == text || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
        (size_t)(at - text) > HANDLE_PART_MAX || strlen(at + 1) > HANDLE_PART_MAX)
        return error_set(err, err_len, "handle \"%s\": expected user@instance",
                         shown(text != NULL ? text : "", show));
    memcpy(handle->user, text, (size_t)(at - text));
    handle->user[at - text] = '\0';
    strcpy(handle->host, at + 1);
    if (strspn(handle->host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") !=
        strlen(handle->host))
        return error_set(err, err_len, "handle \"%s\": the instance is not a host name",
                         shown(text, show));
    return 0;
}

/* *out = settings.base_url without trailing slashes, or https://<instance>; the caller frees it.
 * With neither (no handle: netra parse on a saved page) *out is NULL. */
static int base_url(const struct adapter_settings *settings, const struct handle *handle,
                    char **out, char *err, size_t err_len)
{
    char show[SHOWN_LEN];
    const char *configured = settings != NULL ? settings->base_url : NULL;
    *out = NULL;
    if (configured == NULL || configured[0] == '\0') {
        if (handle == NULL)
            return 0;
        *out = format_string("https://%s", handle->host);
        return *out != NULL ? 0 : error_set(err, err_len, "out of memory");
    }
    if (strncmp(configured, "https://", 8) != 0 && strncmp(configured, "http://", 7) != 0)
        return error_set(err, err_len, "base_url \"%s\": expected an http:// or https:// URL",
                         shown(configured, show));
    size_t n = strlen(configured);
    while (n > 0 && configured[n - 1] == '/')
        n--;
    *out = strndup(configured, n);
    return *out != NULL ? 0 : error_set(err, err_len, "out of memory");
}

static int page_size(const struct adapter_settings *settings)
{
    int n = settings != NULL ? settings->page_size : 0;
    return n <= 0 || n > PAGE_SIZE_MAX ? PAGE_SIZE_MAX : n;
}

/* "user" -> "user@host"; "user@other", and any acct when the host is unknown, stay. The caller
 * frees it. */
static char *full_acct(const char *acct, const char *host)
{
    return strchr(acct, '@') != NULL || host == NULL ? strdup(acct)
                                                     : format_string("%s@%s", acct, host);
}

/* Names of nested fields in error messages: "statuses[3]" + ".reblog" -> "statuses[3].reblog".
 * The precisions keep every name within WHERE_LEN. */
static void where_member(char out[WHERE_LEN], const char *where, const char *member)
{
    snprintf(out, WHERE_LEN, "%.80s%.40s", where, member);
}

static void where_index(char out[WHERE_LEN], const char *where, const char *member, size_t index)
{
    snprintf(out, WHERE_LEN, "%.80s%.20s[%zu]", where, member, index);
}

/* ---- JSON ------------------------------------------------------------------------------- */

/* cJSON cuts a C string at an escaped NUL (\u0000) without a word; such an escape becomes
 * U+FFFD instead, so nothing after it is lost. A raw NUL byte is not JSON at all. */
static int json_parse(const char *body, size_t len, cJSON **root, char *err, size_t err_len)
{
    *root = NULL;
    if (body == NULL)
        len = 0;
    const char *nul = len > 0 ? memchr(body, '\0', len) : NULL;
    if (nul != NULL)
        return error_set(err, err_len, "body: NUL byte at offset %zu, not JSON",
                         (size_t)(nul - body));
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return error_set(err, err_len, "out of memory");
    for (size_t i = 0; i < len;) {
        if (body[i] == '\\' && len - i >= 6 && memcmp(body + i, "\\u0000", 6) == 0) {
            memcpy(copy + i, "\\uFFFD", 6);
            i += 6;
        } else if (body[i] == '\\' && len - i >= 2) {
            memcpy(copy + i, body + i, 2);
            i += 2;
        } else {
            copy[i] = body[i];
            i++;
        }
    }
    copy[len] = '\0';
    const char *end = NULL;
    *root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
    size_t at = end != NULL && end >= copy ? (size_t)(end - copy) : 0;
    free(copy);
    if (*root == NULL)
        return error_set(err, err_len, "body: not valid JSON (byte %zu)", at);
    return 0;
}

static int is_absent(const cJSON *value)
{
    return value == NULL || cJSON_IsNull(value);
}

/* A string member; an optional one may be absent or null (*out = NULL). */
static int get_string(const cJSON *object, const char *name, int required, const char *where,
                      const char **out, char *err, size_t err_len)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, name);
    *out = NULL;
    if (cJSON_IsString(value) && value->valuestring != NULL) {
        *out = value->valuestring;
        return 0;
    }
    if (!required && is_absent(value))
        return 0;
    return error_set(err, err_len, "%s.%s: %s", where, name,
                     is_absent(value) ? "missing" : "expected a string");
}

/* An optional member of the given cJSON type (cJSON_Object or cJSON_Array), or NULL. */
static int get_optional(const cJSON *object, const char *name, int type, const char *where,
                        const cJSON **out, char *err, size_t err_len)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, name);
    *out = NULL;
    if (is_absent(value))
        return 0;
    if ((value->type & 0xFF) != type)
        return error_set(err, err_len, "%s.%s: expected an %s", where, name,
                         type == cJSON_Array ? "array" : "object");
    *out = value;
    return 0;
}

/* ---- results ---------------------------------------------------------------------------- */

static int result_add(struct adapter_result *out, struct post_message *message, char *err,
                      size_t err_len)
{
    struct post_message **posts = realloc(out->posts, (out->count + 1) * sizeof(*posts));
    if (posts == NULL)
        return error_set(err, err_len, "out of memory");
    out->posts = posts;
    out->posts[out->count++] = message;
    return 0;
}

static int result_skip(struct adapter_result *out, const char *reason, char *err, size_t err_len)
{
    out->skipped++;
    if (out->first_skip_reason != NULL)
        return 0;
    out->first_skip_reason = strdup(reason);
    return out->first_skip_reason != NULL ? 0 : error_set(err, err_len, "out of memory");
}

/* ---- requests --------------------------------------------------------------------------- */

static int request_headers(const struct adapter_settings *settings, struct adapter_request *out,
                           char *err, size_t err_len)
{
    out->headers[out->header_count] = strdup("Accept: application/json");
    if (out->headers[out->header_count] == NULL)
        return error_set(err, err_len, "out of memory");
    out->header_count++;
    const char *token = settings != NULL ? settings->token : NULL;
    if (token == NULL || token[0] == '\0')
        return 0;
    for (const char *p = token; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7F)
            return error_set(err, err_len, "token: contains a space, control or non-ASCII byte");
    out->headers[out->header_count] = format_string("Authorization: Bearer %s", token);
    if (out->headers[out->header_count] == NULL)
        return error_set(err, err_len, "out of memory");
    out->header_count++;
    return 0;
}

static char *statuses_url(const struct adapter_context *context, const char *base, char *err,
                          size_t err_len)
{
    char show[SHOWN_LEN];
    const char *native_id = context->account->native_id;
    const char *since = context->since_s > 0 || context->cursor == NULL ? "" : context->cursor;
    const char *page = context->page;
    if (!id_valid(native_id)) {
        error_set(err, err_len, "account id \"%s\": not a Mastodon id", shown(native_id, show));
        return NULL;
    }
    if (since[0] != '\0' && !id_valid(since)) {
        error_set(err, err_len, "cursor \"%s\": not a status id", shown(since, show));
        return NULL;
    }
    if (page != NULL && !id_valid(page)) {
        error_set(err, err_len, "page \"%s\": not a status id", shown(page, show));
        return NULL;
    }
    /* Ids are checked to hold unreserved characters only, so they need no escaping. */
    char *url = format_string("%s/api/v1/accounts/%s/statuses?limit=%d%s%s%s%s", base, native_id,
                              page_size(context->settings), since[0] != '\0' ? "&since_id=" : "",
                              since, page != NULL ? "&max_id=" : "", page != NULL ? page : "");
    if (url == NULL)
        error_set(err, err_len, "out of memory");
    return url;
}

static int build_request(const struct adapter_context *context, struct adapter_request *out,
                         char *err, size_t err_len)
{
    struct handle handle;
    char *base = NULL;
    char *user = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (context == NULL || context->account == NULL) {
        error_set(err, err_len, "no account to crawl");
        goto cleanup;
    }
    if (handle_split(context->account->handle, &handle, err, err_len) != 0)
        goto cleanup;
    if (base_url(context->settings, &handle, &base, err, err_len) != 0)
        goto cleanup;
    const char *native_id = context->account->native_id;
    if (native_id == NULL || native_id[0] == '\0') {
        user = curl_easy_escape(NULL, handle.user, 0);
        if (user == NULL) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
        out->url = format_string("%s/api/v1/accounts/lookup?acct=%s", base, user);
        out->is_lookup = 1;
        if (out->url == NULL) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
    } else {
        out->url = statuses_url(context, base, err, err_len);
        if (out->url == NULL)
            goto cleanup;
    }
    if (request_headers(context->settings, out, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    if (rc != 0)
        adapter_request_free(out);
    curl_free(user);
    free(base);
    return rc;
}

/* ---- answers that are not 2xx ----------------------------------------------------------- */

static int answer_not_ok(const struct adapter_response *response, struct adapter_result *out,
                         char *err, size_t err_len)
{
    char show[SHOWN_LEN];
    /* 404: no such account (lookup) or deleted since; 410: suspended (Mastodon 2.4 to 3.3). */
    if (response->status == 404 || response->status == 410) {
        out->gone = 1;
        return 0;
    }
    cJSON *root = NULL;
    const char *reason = "";
    char scratch[NETRA_ERR_LEN];
    if (json_parse(response->body, response->body_len, &root, scratch, sizeof(scratch)) == 0 &&
        cJSON_IsObject(root) &&
        get_string(root, "error", 1, "body", &reason, scratch, sizeof(scratch)) != 0)
        reason = "";
    error_set(err, err_len, "HTTP %ld%s%s", response->status, reason[0] != '\0' ? ": " : "",
              shown(reason, show));
    cJSON_Delete(root);
    return -1;
}

/* ---- lookup ----------------------------------------------------------------------------- */

static int parse_lookup(const struct handle *handle, const cJSON *root, struct adapter_result *out,
                        char *err, size_t err_len)
{
    char show[SHOWN_LEN];
    const char *id, *acct;
    if (!cJSON_IsObject(root))
        return error_set(err, err_len, "body: expected an Account object");
    if (get_string(root, "id", 1, "account", &id, err, err_len) != 0 ||
        get_string(root, "acct", 0, "account", &acct, err, err_len) != 0)
        return -1;
    if (!id_valid(id))
        return error_set(err, err_len, "account.id \"%s\": not a Mastodon id", shown(id, show));
    /* The lookup asked for the bare user; an answer for anyone else is not our account. */
    if (acct != NULL && strcasecmp(acct, handle->user) != 0) {
        const char *at = strchr(acct, '@');
        if (at == NULL || (size_t)(at - acct) != strlen(handle->user) ||
            strncasecmp(acct, handle->user, (size_t)(at - acct)) != 0 ||
            strcasecmp(at + 1, handle->host) != 0)
            return error_set(err, err_len, "account.acct \"%s\": the lookup was for %s@%s",
                             shown(acct, show), handle->user, handle->host);
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "suspended"))) {
        out->gone = 1;
        return 0;
    }
    out->native_id = strdup(id);
    return out->native_id != NULL ? 0 : error_set(err, err_len, "out of memory");
}

/* ---- one status ------------------------------------------------------------------------- */

static int class_has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; *p != '\0';) {
        p += strspn(p, " \t\n\r\f");
        size_t word = strcspn(p, " \t\n\r\f");
        if (word == n && strncasecmp(p, token, n) == 0)
            return 1;
        p += word;
    }
    return 0;
}

static int link_is_kept(const xmlNode *anchor, const char *href)
{
    if (strncasecmp(href, "https://", 8) != 0 && strncasecmp(href, "http://", 7) != 0)
        return 0;
    xmlChar *class_list = xmlGetProp(anchor, (const xmlChar *)"class");
    xmlChar *rel = xmlGetProp(anchor, (const xmlChar *)"rel");
    int kept = !(class_list != NULL && (class_has_token((const char *)class_list, "mention") ||
                                        class_has_token((const char *)class_list, "hashtag"))) &&
               !(rel != NULL && class_has_token((const char *)rel, "tag"));
    xmlFree(class_list);
    xmlFree(rel);
    return kept;
}

/* The hrefs of the links in a status's HTML that are neither mentions nor hashtags (Mastodon
 * gives both the class "mention", hashtags also rel="tag"). The walk is iterative: nesting depth
 * comes from hostile input and must not grow the C stack. */
static int content_links(const char *html, struct post_message *message, char *err, size_t err_len)
{
    size_t len = strlen(html);
    if (len == 0)
        return 0;
    htmlDocPtr doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                                    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    if (doc == NULL)
        return 0;
    int rc = 0;
    xmlNode *node = xmlDocGetRootElement(doc);
    while (node != NULL && rc == 0) {
        if (node->type == XML_ELEMENT_NODE &&
            xmlStrcasecmp(node->name, (const xmlChar *)"a") == 0) {
            xmlChar *href = xmlGetProp(node, (const xmlChar *)"href");
            if (href != NULL && link_is_kept(node, (const char *)href))
                rc = post_build_add_string(&message->links, (const char *)href, err, err_len);
            xmlFree(href);
        }
        if (node->children != NULL) {
            node = node->children;
            continue;
        }
        while (node != NULL && node->next == NULL)
            node = node->parent;
        if (node != NULL)
            node = node->next;
    }
    xmlFreeDoc(doc);
    return rc;
}

/* What a reader sees of a status: the spoiler (content warning), then its content. *text is
 * malloc'd. */
static int status_text(const cJSON *status, const char *where, char **text, const char **html,
                       char *err, size_t err_len)
{
    const char *spoiler;
    char *body = NULL;
    *text = NULL;
    if (get_string(status, "content", 1, where, html, err, err_len) != 0 ||
        get_string(status, "spoiler_text", 0, where, &spoiler, err, err_len) != 0)
        return -1;
    if (post_build_html_to_text(*html, strlen(*html), &body, err, err_len) != 0) {
        char reason[NETRA_ERR_LEN];
        snprintf(reason, sizeof(reason), "%s", err);
        return error_set(err, err_len, "%s.content: %s", where, reason);
    }
    if (spoiler == NULL || spoiler[0] == '\0') {
        *text = body;
        return 0;
    }
    *text = format_string("%s\n\n%s", spoiler, body);
    free(body);
    return *text != NULL ? 0 : error_set(err, err_len, "out of memory");
}

static int add_tags_and_mentions(const cJSON *status, const char *where, const char *host,
                                 struct post_message *message, char *err, size_t err_len)
{
    const cJSON *tags, *mentions, *item;
    char item_where[WHERE_LEN];
    if (get_optional(status, "tags", cJSON_Array, where, &tags, err, err_len) != 0 ||
        get_optional(status, "mentions", cJSON_Array, where, &mentions, err, err_len) != 0)
        return -1;
    size_t i = 0;
    cJSON_ArrayForEach(item, tags) {
        const char *name;
        where_index(item_where, where, ".tags", i++);
        if (!cJSON_IsObject(item))
            return error_set(err, err_len, "%s: expected an object", item_where);
        if (get_string(item, "name", 1, item_where, &name, err, err_len) != 0 ||
            post_build_add_string(&message->hashtags, name, err, err_len) != 0)
            return -1;
    }
    i = 0;
    cJSON_ArrayForEach(item, mentions) {
        const char *acct;
        where_index(item_where, where, ".mentions", i++);
        if (!cJSON_IsObject(item))
            return error_set(err, err_len, "%s: expected an object", item_where);
        if (get_string(item, "acct", 1, item_where, &acct, err, err_len) != 0)
            return -1;
        char *full = full_acct(acct, host);
        if (full == NULL)
            return error_set(err, err_len, "out of memory");
        int rc = post_build_add_string(&message->mentions, full, err, err_len);
        free(full);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int add_media(const cJSON *status, const char *where, struct post_message *message,
                     char *err, size_t err_len)
{
    const cJSON *attachments, *item;
    char item_where[WHERE_LEN];
    if (get_optional(status, "media_attachments", cJSON_Array, where, &attachments, err, err_len) !=
        0)
        return -1;
    size_t i = 0;
    cJSON_ArrayForEach(item, attachments) {
        const char *type, *url, *remote_url, *preview_url, *description;
        where_index(item_where, where, ".media_attachments", i++);
        if (!cJSON_IsObject(item))
            return error_set(err, err_len, "%s: expected an object", item_where);
        if (get_string(item, "type", 0, item_where, &type, err, err_len) != 0 ||
            get_string(item, "url", 0, item_where, &url, err, err_len) != 0 ||
            get_string(item, "remote_url", 0, item_where, &remote_url, err, err_len) != 0 ||
            get_string(item, "preview_url", 0, item_where, &preview_url, err, err_len) != 0 ||
            get_string(item, "description", 0, item_where, &description, err, err_len) != 0)
            return -1;
        /* url is null while the server still processes the file. */
        const char *best = url != NULL ? url : remote_url != NULL ? remote_url : preview_url;
        char reason[NETRA_ERR_LEN];
        if (post_build_add_media(message, type, best, description, reason, sizeof(reason)) != 0)
            return error_set(err, err_len, "%s: %s", item_where, reason);
    }
    return 0;
}

static int add_links(const cJSON *status, const char *where, const char *html,
                     struct post_message *message, char *err, size_t err_len)
{
    const cJSON *card;
    const char *card_url = NULL;
    if (content_links(html, message, err, err_len) != 0 ||
        get_optional(status, "card", cJSON_Object, where, &card, err, err_len) != 0)
        return -1;
    if (card != NULL) {
        char card_where[WHERE_LEN];
        where_member(card_where, where, ".card");
        if (get_string(card, "url", 0, card_where, &card_url, err, err_len) != 0)
            return -1;
    }
    return card_url != NULL ? post_build_add_string(&message->links, card_url, err, err_len) : 0;
}

/* The author, url and text of a reblogged or quoted status, for repost_of. */
static int set_repost_of(const cJSON *status, const char *where, const char *host,
                         struct post_message *message, char *err, size_t err_len)
{
    const cJSON *account;
    const char *acct = NULL, *url, *uri, *html;
    char *text = NULL, *author = NULL;
    char account_where[WHERE_LEN];
    int rc = -1;

    where_member(account_where, where, ".account");
    if (get_optional(status, "account", cJSON_Object, where, &account, err, err_len) != 0 ||
        (account != NULL &&
         get_string(account, "acct", 1, account_where, &acct, err, err_len) != 0) ||
        get_string(status, "url", 0, where, &url, err, err_len) != 0 ||
        get_string(status, "uri", 0, where, &uri, err, err_len) != 0 ||
        status_text(status, where, &text, &html, err, err_len) != 0)
        goto cleanup;
    if (acct != NULL) {
        author = full_acct(acct, host);
        if (author == NULL) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
        if (post_build_set(&message->repost_of.author, author, err, err_len) != 0)
            goto cleanup;
    }
    if ((url != NULL || uri != NULL) &&
        post_build_set(&message->repost_of.url, url != NULL ? url : uri, err, err_len) != 0)
        goto cleanup;
    if (post_build_set(&message->repost_of.text, text, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    free(text);
    free(author);
    return rc;
}

/* The quote of a Mastodon 4.4+ status: a Quote (quoted_status) or a ShallowQuote
 * (quoted_status_id); the quoted status is only there when the quote was accepted. */
static int set_quote(const cJSON *quote, const char *where, const char *host,
                     struct post_message *message, char *err, size_t err_len)
{
    const cJSON *quoted;
    char quote_where[WHERE_LEN];
    where_member(quote_where, where, ".quote");
    message->kind = POST_KIND_QUOTE;
    if (get_optional(quote, "quoted_status", cJSON_Object, quote_where, &quoted, err, err_len) != 0)
        return -1;
    if (quoted == NULL)
        return 0;
    char quoted_where[WHERE_LEN];
    where_member(quoted_where, quote_where, ".quoted_status");
    return set_repost_of(quoted, quoted_where, host, message, err, err_len);
}

/* One public status (raw: its compact JSON) -> *out. -1 with err naming the field when the
 * status is malformed. */
static int status_message(const cJSON *status, const char *raw, const char *where, const char *id,
                          const char *created_at, const char *host, struct post_message **out,
                          char *err, size_t err_len)
{
    const cJSON *account, *reblog, *quote;
    const char *acct, *url, *uri, *reply_to, *language, *html;
    char *text = NULL, *author = NULL;
    char source_where[WHERE_LEN], account_where[WHERE_LEN];
    struct post_message *message = post_message_new();
    int rc = -1;

    *out = NULL;
    if (message == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    where_member(account_where, where, ".account");
    if (get_optional(status, "account", cJSON_Object, where, &account, err, err_len) != 0)
        goto cleanup;
    if (account == NULL) {
        error_set(err, err_len, "%s.account: missing", where);
        goto cleanup;
    }
    if (get_string(account, "acct", 1, account_where, &acct, err, err_len) != 0 ||
        get_string(status, "url", 0, where, &url, err, err_len) != 0 ||
        get_string(status, "uri", 0, where, &uri, err, err_len) != 0 ||
        get_string(status, "in_reply_to_id", 0, where, &reply_to, err, err_len) != 0 ||
        get_optional(status, "reblog", cJSON_Object, where, &reblog, err, err_len) != 0)
        goto cleanup;

    /* A reblog's own content is empty: what a reader sees is the reblogged status. */
    const cJSON *source = reblog != NULL ? reblog : status;
    where_member(source_where, where, reblog != NULL ? ".reblog" : "");
    if (get_string(source, "language", 0, source_where, &language, err, err_len) != 0 ||
        get_optional(source, "quote", cJSON_Object, source_where, &quote, err, err_len) != 0 ||
        status_text(source, source_where, &text, &html, err, err_len) != 0)
        goto cleanup;
    author = full_acct(acct, host);
    if (author == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (post_build_set_id(message, PLATFORM, id, err, err_len) != 0 ||
        post_build_set(&message->author, author, err, err_len) != 0 ||
        post_build_set(&message->created_at, created_at, err, err_len) != 0 ||
        post_build_set(&message->text, text, err, err_len) != 0)
        goto cleanup;
    if (url == NULL && reblog != NULL &&
        get_string(reblog, "url", 0, source_where, &url, err, err_len) != 0)
        goto cleanup;
    if ((url != NULL || uri != NULL) &&
        post_build_set(&message->url, url != NULL ? url : uri, err, err_len) != 0)
        goto cleanup;
    if (language != NULL && language[0] != '\0' &&
        post_build_set(&message->lang, language, err, err_len) != 0)
        goto cleanup;
    if (add_tags_and_mentions(source, source_where, host, message, err, err_len) != 0 ||
        add_media(source, source_where, message, err, err_len) != 0 ||
        add_links(source, source_where, html, message, err, err_len) != 0)
        goto cleanup;

    if (reblog != NULL) {
        message->kind = POST_KIND_REPOST;
        if (set_repost_of(reblog, source_where, host, message, err, err_len) != 0)
            goto cleanup;
    } else if (quote != NULL) {
        if (set_quote(quote, where, host, message, err, err_len) != 0)
            goto cleanup;
    } else if (reply_to != NULL) {
        message->kind = POST_KIND_REPLY;
    }

    if (post_message_set_raw(message, raw, strlen(raw)) != 0) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    *out = message;
    message = NULL;
    rc = 0;

cleanup:
    free(text);
    free(author);
    post_message_free(message);
    return rc;
}

/* ---- a page of statuses ----------------------------------------------------------------- */

/* The value of rel="next"'s max_id in a Link header (RFC 8288), resolved against base (NULL: only
 * absolute targets) by curl's URL parser; *max_id is NULL when there is no rel="next". */
static int link_next_max_id(const char *link, const char *base, char **max_id, char *err,
                            size_t err_len)
{
    char show[SHOWN_LEN];
    char *target = NULL, *query = NULL;
    CURLU *url = NULL;
    int rc = -1;
    *max_id = NULL;

    for (const char *p = link; *p != '\0';) {
        p += strspn(p, " \t,");
        if (*p == '\0')
            break;
        if (*p != '<') {
            error_set(err, err_len, "Link header: expected '<' at byte %zu", (size_t)(p - link));
            goto cleanup;
        }
        const char *close = strchr(p, '>');
        if (close == NULL) {
            error_set(err, err_len, "Link header: '<' at byte %zu is never closed",
                      (size_t)(p - link));
            goto cleanup;
        }
        const char *uri = p + 1;
        size_t uri_len = (size_t)(close - uri);
        int next = 0;
        p = close + 1;
        /* Parameters: ; name[=token | ="quoted string"] ... up to the ',' ending this link. */
        while (*p != '\0' && *p != ',') {
            p += strspn(p, " \t;");
            size_t name_len = strcspn(p, "=;, \t");
            const char *name = p;
            p += name_len;
            p += strspn(p, " \t");
            const char *value = "";
            size_t value_len = 0;
            if (*p == '=') {
                p++;
                p += strspn(p, " \t");
                if (*p == '"') {
                    value = ++p;
                    while (*p != '\0' && *p != '"')
                        p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
                    value_len = (size_t)(p - value);
                    if (*p == '"')
                        p++;
                } else {
                    value = p;
                    value_len = strcspn(p, ";, \t");
                    p += value_len;
                }
            }
            if (name_len == 3 && strncasecmp(name, "rel", 3) == 0) {
                for (size_t at = 0; at < value_len;) {
                    at += strspn(value + at, " ");
                    size_t word = 0;
                    while (at + word < value_len && value[at + word] != ' ')
                        word++;
                    if (word == 4 && strncasecmp(value + at, "next", 4) == 0)
                        next = 1;
                    at += word;
                }
            }
            if (name_len == 0 && *p != ',' && *p != ';' && *p != '\0')
                p++; /* a stray byte: step over it so the loop always advances */
        }
        if (next && target == NULL) {
            target = strndup(uri, uri_len);
            if (target == NULL) {
                error_set(err, err_len, "out of memory");
                goto cleanup;
            }
        }
    }
    if (target == NULL) {
        rc = 0;
        goto cleanup;
    }

    url = curl_url();
    if (url == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (base != NULL && curl_url_set(url, CURLUPART_URL, base, 0) != CURLUE_OK) {
        error_set(err, err_len, "base_url \"%s\": not a URL", shown(base, show));
        goto cleanup;
    }
    if (curl_url_set(url, CURLUPART_URL, target, 0) != CURLUE_OK) {
        error_set(err, err_len, "Link rel=\"next\" <%s>: not a URL", shown(target, show));
        goto cleanup;
    }
    CURLUcode got = curl_url_get(url, CURLUPART_QUERY, &query, 0);
    for (const char *p = got == CURLUE_OK ? query : ""; *p != '\0' && *max_id == NULL;) {
        size_t field = strcspn(p, "&");
        if (field > 7 && strncmp(p, "max_id=", 7) == 0) {
            int decoded_len = 0;
            char *decoded = curl_easy_unescape(NULL, p + 7, (int)(field - 7), &decoded_len);
            if (decoded == NULL) {
                error_set(err, err_len, "out of memory");
                goto cleanup;
            }
            *max_id = (size_t)decoded_len == strlen(decoded) ? strdup(decoded) : NULL;
            curl_free(decoded);
            if (*max_id == NULL || !id_valid(*max_id)) {
                error_set(err, err_len, "Link rel=\"next\" <%s>: max_id is not a status id",
                          shown(target, show));
                goto cleanup;
            }
        }
        p += field + (p[field] == '&');
    }
    if (*max_id == NULL) {
        error_set(err, err_len, "Link rel=\"next\" <%s>: no max_id", shown(target, show));
        goto cleanup;
    }
    rc = 0;

cleanup:
    if (rc != 0) {
        free(*max_id);
        *max_id = NULL;
    }
    curl_free(query);
    curl_url_cleanup(url);
    free(target);
    return rc;
}

struct page_scope {
    const struct adapter_context *context;
    const char *host;   /* the handle's instance, or NULL when the handle is unknown */
    const char *cursor; /* "" for a first crawl or a rescan */
};

/* One element of the statuses array: left out, skipped or added to out. *stop is set when it is
 * at or below the cursor, or older than the rescan's since_s. */
static int page_item(const struct page_scope *scope, const cJSON *status, size_t index,
                     struct adapter_result *out, const char **newest, int *stop, char *err,
                     size_t err_len)
{
    char where[WHERE_LEN], reason[NETRA_ERR_LEN], show[SHOWN_LEN], created_at[32];
    const char *id, *created_text, *visibility;
    long long created_s = 0;
    struct post_message *message = NULL;

    where_index(where, "", "statuses", index);
    if (!cJSON_IsObject(status)) {
        snprintf(reason, sizeof(reason), "%s: expected a Status object", where);
        return result_skip(out, reason, err, err_len);
    }
    if (get_string(status, "id", 1, where, &id, reason, sizeof(reason)) != 0 ||
        get_string(status, "created_at", 1, where, &created_text, reason, sizeof(reason)) != 0 ||
        get_string(status, "visibility", 0, where, &visibility, reason, sizeof(reason)) != 0)
        return result_skip(out, reason, err, err_len);
    if (!id_valid(id)) {
        snprintf(reason, sizeof(reason), "%s.id \"%s\": not a status id", where, shown(id, show));
        return result_skip(out, reason, err, err_len);
    }
    if (scope->cursor[0] != '\0' && id_at_or_below(id, scope->cursor)) {
        *stop = 1;
        return 0;
    }
    if (*newest == NULL || id_at_or_below(*newest, id))
        *newest = id;
    if (post_build_time(created_text, created_at, &created_s, reason, sizeof(reason)) != 0) {
        snprintf(reason, sizeof(reason), "%s.created_at \"%s\": expected an RFC 3339 time", where,
                 shown(created_text, show));
        return result_skip(out, reason, err, err_len);
    }
    if (scope->context->since_s > 0 && created_s < scope->context->since_s) {
        *stop = 1;
        return 0;
    }
    if (visibility != NULL && strcmp(visibility, "public") != 0 &&
        strcmp(visibility, "unlisted") != 0)
        return 0;

    char *raw = cJSON_PrintUnformatted(status);
    if (raw == NULL)
        return error_set(err, err_len, "out of memory");
    int rc;
    size_t raw_len = strlen(raw);
    if (raw_len > ITEM_MAX_BYTES) {
        snprintf(reason, sizeof(reason), "%s: %zu bytes, over the %d an item may have", where,
                 raw_len, ITEM_MAX_BYTES);
        rc = result_skip(out, reason, err, err_len);
    } else if (status_message(status, raw, where, id, created_at, scope->host, &message, reason,
                              sizeof(reason)) != 0) {
        rc = result_skip(out, reason, err, err_len);
    } else {
        rc = result_add(out, message, err, err_len);
        if (rc != 0)
            post_message_free(message);
    }
    cJSON_free(raw);
    return rc;
}

static int parse_page(const struct page_scope *scope, const struct adapter_response *response,
                      const char *base, const cJSON *root, struct adapter_result *out, char *err,
                      size_t err_len)
{
    const struct adapter_context *context = scope->context;
    const char *newest = NULL, *last_id = NULL;
    int stop = 0;
    size_t index = 0;
    const cJSON *status;

    if (!cJSON_IsArray(root))
        return error_set(err, err_len, "body: expected an array of statuses");
    cJSON_ArrayForEach(status, root) {
        if (page_item(scope, status, index, out, &newest, &stop, err, err_len) != 0)
            return -1;
        if (stop)
            break;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(status, "id");
        if (cJSON_IsString(id) && id_valid(id->valuestring))
            last_id = id->valuestring;
        index++;
    }
    if (context->page == NULL && context->since_s <= 0 && newest != NULL) {
        out->new_cursor = strdup(newest);
        if (out->new_cursor == NULL)
            return error_set(err, err_len, "out of memory");
    }
    if (stop || index == 0)
        return 0;

    char *next = NULL;
    if (response->link != NULL) {
        if (link_next_max_id(response->link, base, &next, err, err_len) != 0)
            return -1;
    } else if (last_id != NULL) {
        next = strdup(last_id);
        if (next == NULL)
            return error_set(err, err_len, "out of memory");
    } else {
        return error_set(err, err_len,
                         "statuses: no Link header and no readable status id to page on from");
    }
    if (next != NULL && context->page != NULL && strcmp(next, context->page) == 0) {
        free(next);
        return error_set(err, err_len, "Link rel=\"next\" repeats the page just fetched");
    }
    out->next_page = next;
    return 0;
}

static int parse(const struct adapter_context *context, const struct adapter_response *response,
                 struct adapter_result *out, char *err, size_t err_len)
{
    struct handle handle;
    cJSON *root = NULL;
    char *base = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (context == NULL || context->account == NULL || response == NULL) {
        error_set(err, err_len, "no account or no answer to parse");
        goto cleanup;
    }
    if (response->status < 200 || response->status > 299) {
        rc = answer_not_ok(response, out, err, err_len);
        goto cleanup;
    }
    if (json_parse(response->body, response->body_len, &root, err, err_len) != 0)
        goto cleanup;
    const char *native_id = context->account->native_id;
    if (native_id == NULL || native_id[0] == '\0') {
        if (handle_split(context->account->handle, &handle, err, err_len) == 0)
            rc = parse_lookup(&handle, root, out, err, err_len);
        goto cleanup;
    }
    /* A page needs the handle only to complete local accts: netra parse may not know it. */
    int have_handle = handle_split(context->account->handle, &handle, NULL, 0) == 0;
    if (base_url(context->settings, have_handle ? &handle : NULL, &base, err, err_len) != 0)
        goto cleanup;
    const char *cursor = context->since_s > 0 || context->cursor == NULL ? "" : context->cursor;
    char show[SHOWN_LEN];
    if (cursor[0] != '\0' && !id_valid(cursor)) {
        error_set(err, err_len, "cursor \"%s\": not a status id", shown(cursor, show));
        goto cleanup;
    }
    struct page_scope scope = {context, have_handle ? handle.host : NULL, cursor};
    rc = parse_page(&scope, response, base, root, out, err, err_len);

cleanup:
    if (rc != 0)
        adapter_result_free(out);
    cJSON_Delete(root);
    free(base);
    return rc;
}

const struct adapter adapter_mastodon = {PLATFORM, build_request, parse};
