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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libxml/tree.h>

#include "config/log.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/adapter_platform.h"
#include "crawler/adapters/post_build.h"

#define PLATFORM "mastodon"
#define PAGE_SIZE_MAX 40
/* Account and status ids: Mastodon's are decimal, other servers' base62 or ULIDs. They go into
 * URLs, so anything else is refused. */
#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define ID_MAX 64
#define HANDLE_PART_MAX 255

/* ---- small helpers ---------------------------------------------------------------------- */

int mastodon_id_valid(const char *id)
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
    char show[ADAPTER_SHOWN_LEN];
    const char *at = text != NULL ? strchr(text, '@') : NULL;
    if (at == NULL || at == text || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
        (size_t)(at - text) > HANDLE_PART_MAX || strlen(at + 1) > HANDLE_PART_MAX)
        return error_set(err, err_len, "handle \"%s\": expected user@instance",
                         error_shown(show, sizeof(show), text));
    memcpy(handle->user, text, (size_t)(at - text));
    handle->user[at - text] = '\0';
    strcpy(handle->host, at + 1);
    if (strspn(handle->host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") !=
        strlen(handle->host))
        return error_set(err, err_len, "handle \"%s\": the instance is not a host name",
                         error_shown(show, sizeof(show), text));
    return 0;
}

/* *out = settings.base_url, or https://<instance>; the caller frees it. With neither (no handle:
 * netra parse on a saved page) *out is NULL. */
static int base_url(const struct adapter_settings *settings, const struct handle *handle,
                    char **out, char *err, size_t err_len)
{
    char fallback[sizeof("https://") + HANDLE_PART_MAX];
    if (handle != NULL)
        snprintf(fallback, sizeof(fallback), "https://%s", handle->host);
    return adapter_base_url(PLATFORM, settings != NULL ? settings->base_url : NULL,
                            handle != NULL ? fallback : NULL, out, err, err_len);
}

int mastodon_base_url(const struct adapter_settings *settings, const char *handle_text,
                      char **out, char *err, size_t err_len)
{
    struct handle handle;
    *out = NULL;
    if (handle_split(handle_text, &handle, err, err_len) != 0)
        return -1;
    return base_url(settings, &handle, out, err, err_len);
}

/* "user" -> "user@host"; "user@other", and any acct when the host is unknown, stay. The caller
 * frees it. */
static char *full_acct(const char *acct, const char *host)
{
    return strchr(acct, '@') != NULL || host == NULL ? strdup(acct)
                                                     : adapter_format("%s@%s", acct, host);
}

/* ---- requests --------------------------------------------------------------------------- */

static char *statuses_url(const struct adapter_context *context, const char *base, char *err,
                          size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    const char *native_id = context->account->native_id;
    const char *since = context->since_s > 0 || context->cursor == NULL ? "" : context->cursor;
    const char *page = context->page;
    if (!mastodon_id_valid(native_id)) {
        error_set(err, err_len, "account id \"%s\": not a Mastodon id",
                  error_shown(show, sizeof(show), native_id));
        return NULL;
    }
    if (since[0] != '\0' && !mastodon_id_valid(since)) {
        error_set(err, err_len, "cursor \"%s\": not a status id",
                  error_shown(show, sizeof(show), since));
        return NULL;
    }
    if (page != NULL && !mastodon_id_valid(page)) {
        error_set(err, err_len, "page \"%s\": not a status id",
                  error_shown(show, sizeof(show), page));
        return NULL;
    }
    /* Ids are checked to hold unreserved characters only, so they need no escaping. */
    char *url = adapter_format("%s/api/v1/accounts/%s/statuses?limit=%d%s%s%s%s", base, native_id,
                               adapter_page_size(context->settings, 1, PAGE_SIZE_MAX),
                               since[0] != '\0' ? "&since_id=" : "", since,
                               page != NULL ? "&max_id=" : "", page != NULL ? page : "");
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
        user = adapter_percent_encode(handle.user);
        if (user == NULL) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
        out->url = adapter_format("%s/api/v1/accounts/lookup?acct=%s", base, user);
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
    if (adapter_request_json_headers(out, PLATFORM, context->settings, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    if (rc != 0)
        adapter_request_free(out);
    free(user);
    free(base);
    return rc;
}

/* ---- answers that are not 2xx ----------------------------------------------------------- */

int mastodon_answer_not_ok(const struct adapter_response *response, struct adapter_result *out,
                           char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_REASON_LEN];
    /* 404: no such account (lookup) or deleted since; 410: suspended (Mastodon 2.4 to 3.3). */
    if (response->status == 404 || response->status == 410) {
        out->gone = 1;
        return 0;
    }
    cJSON *root = NULL;
    const char *reason = "";
    char scratch[NETRA_ERR_LEN];
    if (adapter_json_parse(response->body, response->body_len, "body", &root, scratch,
                           sizeof(scratch)) == 0 &&
        cJSON_IsObject(root) &&
        adapter_json_string(root, "error", 1, "body", &reason, scratch, sizeof(scratch)) != 0)
        reason = "";
    error_set(err, err_len, "HTTP %ld%s%s", response->status, reason[0] != '\0' ? ": " : "",
              error_shown(show, sizeof(show), reason));
    cJSON_Delete(root);
    return -1;
}

/* ---- lookup ----------------------------------------------------------------------------- */

static int parse_lookup(const struct handle *handle, const cJSON *root, struct adapter_result *out,
                        char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    const char *id, *acct;
    if (!cJSON_IsObject(root))
        return error_set(err, err_len, "body: expected an Account object");
    if (adapter_json_string(root, "id", 1, "account", &id, err, err_len) != 0 ||
        adapter_json_string(root, "acct", 0, "account", &acct, err, err_len) != 0)
        return -1;
    if (!mastodon_id_valid(id))
        return error_set(err, err_len, "account.id \"%s\": not a Mastodon id",
                         error_shown(show, sizeof(show), id));
    /* The lookup asked for the bare user; an answer for anyone else is not our account. */
    if (acct != NULL && strcasecmp(acct, handle->user) != 0) {
        const char *at = strchr(acct, '@');
        if (at == NULL || (size_t)(at - acct) != strlen(handle->user) ||
            strncasecmp(acct, handle->user, (size_t)(at - acct)) != 0 ||
            strcasecmp(at + 1, handle->host) != 0)
            return error_set(err, err_len, "account.acct \"%s\": the lookup was for %s@%s",
                             error_shown(show, sizeof(show), acct), handle->user, handle->host);
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

/* The hrefs of the links in a status's HTML (doc, NULL for "") that are neither mentions nor
 * hashtags (Mastodon gives both the class "mention", hashtags also rel="tag"). The walk is
 * iterative: nesting depth comes from hostile input and must not grow the C stack. */
static int content_links(const xmlDoc *doc, struct post_message *message, char *err,
                         size_t err_len)
{
    int rc = 0;
    xmlNode *node = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
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
    return rc;
}

/* What a reader sees of a status: the spoiler (content warning), then its content. *text is
 * malloc'd. With doc not NULL, *doc = the content's HTML, parsed once for its links too (NULL
 * for ""; the caller xmlFreeDoc()s it, also on failure). */
static int status_text(const cJSON *status, const char *where, char **text, xmlDoc **doc,
                       char *err, size_t err_len)
{
    const char *spoiler, *html;
    char *body = NULL;
    xmlDoc *content = NULL;
    char reason[NETRA_ERR_LEN];
    int rc = -1;
    *text = NULL;
    if (adapter_json_string(status, "content", 1, where, &html, err, err_len) != 0 ||
        adapter_json_string(status, "spoiler_text", 0, where, &spoiler, err, err_len) != 0)
        goto cleanup;
    if (post_build_html_read(html, strlen(html), &content, reason, sizeof(reason)) != 0 ||
        post_build_html_doc_text(content, &body, reason, sizeof(reason)) != 0) {
        error_set(err, err_len, "%s.content: %s", where, reason);
        goto cleanup;
    }
    if (spoiler == NULL || spoiler[0] == '\0') {
        *text = body;
        body = NULL;
    } else {
        *text = adapter_format("%s\n\n%s", spoiler, body);
        if (*text == NULL) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
    }
    rc = 0;

cleanup:
    free(body);
    if (doc != NULL) {
        *doc = content;
        content = NULL;
    }
    xmlFreeDoc(content);
    return rc;
}

static int add_tags_and_mentions(const cJSON *status, const char *where, const char *host,
                                 struct post_message *message, char *err, size_t err_len)
{
    cJSON *tags, *mentions;
    const cJSON *item;
    char item_where[ADAPTER_WHERE_LEN];
    if (adapter_json_array(status, "tags", 0, where, &tags, err, err_len) != 0 ||
        adapter_json_array(status, "mentions", 0, where, &mentions, err, err_len) != 0)
        return -1;
    size_t i = 0;
    cJSON_ArrayForEach(item, tags) {
        const char *name;
        adapter_where_index(item_where, where, ".tags", i++);
        if (!cJSON_IsObject(item))
            return error_set(err, err_len, "%s: expected an object", item_where);
        if (adapter_json_string(item, "name", 1, item_where, &name, err, err_len) != 0 ||
            post_build_add_string(&message->hashtags, name, err, err_len) != 0)
            return -1;
    }
    i = 0;
    cJSON_ArrayForEach(item, mentions) {
        const char *acct;
        adapter_where_index(item_where, where, ".mentions", i++);
        if (!cJSON_IsObject(item))
            return error_set(err, err_len, "%s: expected an object", item_where);
        if (adapter_json_string(item, "acct", 1, item_where, &acct, err, err_len) != 0)
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
    cJSON *attachments;
    const cJSON *item;
    char item_where[ADAPTER_WHERE_LEN];
    if (adapter_json_array(status, "media_attachments", 0, where, &attachments, err, err_len) != 0)
        return -1;
    size_t i = 0;
    cJSON_ArrayForEach(item, attachments) {
        const char *type, *url, *remote_url, *preview_url, *description;
        adapter_where_index(item_where, where, ".media_attachments", i++);
        if (!cJSON_IsObject(item))
            return error_set(err, err_len, "%s: expected an object", item_where);
        if (adapter_json_string(item, "type", 0, item_where, &type, err, err_len) != 0 ||
            adapter_json_string(item, "url", 0, item_where, &url, err, err_len) != 0 ||
            adapter_json_string(item, "remote_url", 0, item_where, &remote_url, err,
                                err_len) != 0 ||
            adapter_json_string(item, "preview_url", 0, item_where, &preview_url, err,
                                err_len) != 0 ||
            adapter_json_string(item, "description", 0, item_where, &description, err,
                                err_len) != 0)
            return -1;
        /* url is null while the server still processes the file. */
        const char *best = url != NULL ? url : remote_url != NULL ? remote_url : preview_url;
        char reason[NETRA_ERR_LEN];
        if (post_build_add_media(message, type, best, description, reason, sizeof(reason)) != 0)
            return error_set(err, err_len, "%s: %s", item_where, reason);
    }
    return 0;
}

static int add_links(const cJSON *status, const char *where, const xmlDoc *content,
                     struct post_message *message, char *err, size_t err_len)
{
    cJSON *card;
    const char *card_url = NULL;
    if (content_links(content, message, err, err_len) != 0 ||
        adapter_json_object(status, "card", 0, where, &card, err, err_len) != 0)
        return -1;
    if (card != NULL) {
        char card_where[ADAPTER_WHERE_LEN];
        adapter_where(card_where, where, ".card");
        if (adapter_json_string(card, "url", 0, card_where, &card_url, err, err_len) != 0)
            return -1;
    }
    return card_url != NULL ? post_build_add_string(&message->links, card_url, err, err_len) : 0;
}

/* The author, url and text of a reblogged or quoted status, for repost_of. known_text is the
 * status's text when the caller already has it (a reblog's is the post's own), else NULL. */
static int set_repost_of(const cJSON *status, const char *where, const char *host,
                         const char *known_text, struct post_message *message, char *err,
                         size_t err_len)
{
    cJSON *account;
    const char *acct = NULL, *url, *uri;
    char *text = NULL, *author = NULL;
    char account_where[ADAPTER_WHERE_LEN];
    int rc = -1;

    adapter_where(account_where, where, ".account");
    if (adapter_json_object(status, "account", 0, where, &account, err, err_len) != 0 ||
        (account != NULL &&
         adapter_json_string(account, "acct", 1, account_where, &acct, err, err_len) != 0) ||
        adapter_json_string(status, "url", 0, where, &url, err, err_len) != 0 ||
        adapter_json_string(status, "uri", 0, where, &uri, err, err_len) != 0 ||
        (known_text == NULL && status_text(status, where, &text, NULL, err, err_len) != 0))
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
    if (post_build_set(&message->repost_of.text, known_text != NULL ? known_text : text, err,
                       err_len) != 0)
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
    cJSON *quoted;
    char quote_where[ADAPTER_WHERE_LEN];
    adapter_where(quote_where, where, ".quote");
    message->kind = POST_KIND_QUOTE;
    if (adapter_json_object(quote, "quoted_status", 0, quote_where, &quoted, err, err_len) != 0)
        return -1;
    if (quoted == NULL)
        return 0;
    char quoted_where[ADAPTER_WHERE_LEN];
    adapter_where(quoted_where, quote_where, ".quoted_status");
    return set_repost_of(quoted, quoted_where, host, NULL, message, err, err_len);
}

/* One public status -> *out. -1 with err naming the field when the status is malformed. */
static int status_message(const cJSON *status, const char *where, const char *id,
                          const char *created_at, const char *host, struct post_message **out,
                          char *err, size_t err_len)
{
    cJSON *account, *reblog, *quote;
    const char *acct, *url, *uri, *reply_to, *language;
    char *text = NULL, *author = NULL;
    xmlDoc *content = NULL;
    char source_where[ADAPTER_WHERE_LEN], account_where[ADAPTER_WHERE_LEN];
    struct post_message *message = post_message_new();
    int rc = -1;

    *out = NULL;
    if (message == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (adapter_json_set_raw(message, status, where, err, err_len) != 0)
        goto cleanup;
    adapter_where(account_where, where, ".account");
    if (adapter_json_object(status, "account", 0, where, &account, err, err_len) != 0)
        goto cleanup;
    if (account == NULL) {
        error_set(err, err_len, "%s.account: missing", where);
        goto cleanup;
    }
    if (adapter_json_string(account, "acct", 1, account_where, &acct, err, err_len) != 0 ||
        adapter_json_string(status, "url", 0, where, &url, err, err_len) != 0 ||
        adapter_json_string(status, "uri", 0, where, &uri, err, err_len) != 0 ||
        adapter_json_string(status, "in_reply_to_id", 0, where, &reply_to, err, err_len) != 0 ||
        adapter_json_object(status, "reblog", 0, where, &reblog, err, err_len) != 0)
        goto cleanup;

    /* A reblog's own content is empty: what a reader sees is the reblogged status. */
    const cJSON *source = reblog != NULL ? reblog : status;
    adapter_where(source_where, where, reblog != NULL ? ".reblog" : "");
    if (adapter_json_string(source, "language", 0, source_where, &language, err, err_len) != 0 ||
        adapter_json_object(source, "quote", 0, source_where, &quote, err, err_len) != 0 ||
        status_text(source, source_where, &text, &content, err, err_len) != 0)
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
        adapter_json_string(reblog, "url", 0, source_where, &url, err, err_len) != 0)
        goto cleanup;
    if ((url != NULL || uri != NULL) &&
        post_build_set(&message->url, url != NULL ? url : uri, err, err_len) != 0)
        goto cleanup;
    if (language != NULL && language[0] != '\0' &&
        post_build_set(&message->lang, language, err, err_len) != 0)
        goto cleanup;
    if (add_tags_and_mentions(source, source_where, host, message, err, err_len) != 0 ||
        add_media(source, source_where, message, err, err_len) != 0 ||
        add_links(source, source_where, content, message, err, err_len) != 0)
        goto cleanup;

    if (reblog != NULL) {
        message->kind = POST_KIND_REPOST;
        if (set_repost_of(reblog, source_where, host, text, message, err, err_len) != 0)
            goto cleanup;
    } else if (quote != NULL) {
        if (set_quote(quote, where, host, message, err, err_len) != 0)
            goto cleanup;
    } else if (reply_to != NULL) {
        message->kind = POST_KIND_REPLY;
    }

    *out = message;
    message = NULL;
    rc = 0;

cleanup:
    free(text);
    free(author);
    xmlFreeDoc(content);
    post_message_free(message);
    return rc;
}

/* ---- a page of statuses ----------------------------------------------------------------- */

/* The value of rel="next"'s max_id in a Link header (RFC 8288), resolved against base (NULL: only
 * absolute targets) by curl's URL parser; *max_id is NULL when there is no rel="next". */
int mastodon_link_next_max_id(const char *link, const char *base, char **max_id, char *err,
                              size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
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
        error_set(err, err_len, "base_url \"%s\": not a URL",
                  error_shown(show, sizeof(show), base));
        goto cleanup;
    }
    if (curl_url_set(url, CURLUPART_URL, target, 0) != CURLUE_OK) {
        error_set(err, err_len, "Link rel=\"next\" <%s>: not a URL",
                  error_shown(show, sizeof(show), target));
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
            if (*max_id == NULL || !mastodon_id_valid(*max_id)) {
                error_set(err, err_len, "Link rel=\"next\" <%s>: max_id is not a status id",
                          error_shown(show, sizeof(show), target));
                goto cleanup;
            }
        }
        p += field + (p[field] == '&');
    }
    if (*max_id == NULL) {
        error_set(err, err_len, "Link rel=\"next\" <%s>: no max_id",
                  error_shown(show, sizeof(show), target));
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
    char where[ADAPTER_WHERE_LEN], reason[NETRA_ERR_LEN], show[ADAPTER_SHOWN_LEN], created_at[32];
    const char *id, *created_text, *visibility;
    long long created_s = 0;
    struct post_message *message = NULL;

    adapter_where_index(where, "", "statuses", index);
    if (!cJSON_IsObject(status)) {
        snprintf(reason, sizeof(reason), "%s: expected a Status object", where);
        return adapter_result_skip(out, reason, err, err_len);
    }
    if (adapter_json_string(status, "id", 1, where, &id, reason, sizeof(reason)) != 0 ||
        adapter_json_string(status, "created_at", 1, where, &created_text, reason,
                            sizeof(reason)) != 0 ||
        adapter_json_string(status, "visibility", 0, where, &visibility, reason,
                            sizeof(reason)) != 0)
        return adapter_result_skip(out, reason, err, err_len);
    if (!mastodon_id_valid(id)) {
        snprintf(reason, sizeof(reason), "%s.id \"%s\": not a status id", where,
                 error_shown(show, sizeof(show), id));
        return adapter_result_skip(out, reason, err, err_len);
    }
    if (scope->cursor[0] != '\0' && id_at_or_below(id, scope->cursor)) {
        *stop = 1;
        return 0;
    }
    if (*newest == NULL || id_at_or_below(*newest, id))
        *newest = id;
    if (post_build_time(created_text, created_at, &created_s, reason, sizeof(reason)) != 0) {
        snprintf(reason, sizeof(reason), "%s.created_at \"%s\": expected an RFC 3339 time", where,
                 error_shown(show, sizeof(show), created_text));
        return adapter_result_skip(out, reason, err, err_len);
    }
    if (scope->context->since_s > 0 && created_s < scope->context->since_s) {
        *stop = 1;
        return 0;
    }
    if (visibility != NULL && strcmp(visibility, "public") != 0 &&
        strcmp(visibility, "unlisted") != 0)
        return 0;

    if (status_message(status, where, id, created_at, scope->host, &message, reason,
                       sizeof(reason)) != 0)
        return adapter_result_skip(out, reason, err, err_len);
    return adapter_result_add(out, message, err, err_len);
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
        if (cJSON_IsString(id) && mastodon_id_valid(id->valuestring))
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
        if (mastodon_link_next_max_id(response->link, base, &next, err, err_len) != 0)
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
        rc = mastodon_answer_not_ok(response, out, err, err_len);
        goto cleanup;
    }
    if (adapter_json_parse(response->body, response->body_len, "body", &root, err, err_len) != 0)
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
    char show[ADAPTER_SHOWN_LEN];
    if (cursor[0] != '\0' && !mastodon_id_valid(cursor)) {
        error_set(err, err_len, "cursor \"%s\": not a status id",
                  error_shown(show, sizeof(show), cursor));
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

const struct adapter adapter_mastodon = {PLATFORM, build_request, parse, ADAPTER_LISTS_POSTS};
