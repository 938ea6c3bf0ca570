/* The mastodon-following adapter: the accounts a watched Mastodon account follows.
 *
 * Request: GET {base}/api/v1/accounts/:id/following?limit=N (N <= 80)[&max_id=P], base and the
 * account id lookup as the mastodon adapter has them (the lookup is that adapter's own). Pages
 * follow the Link header's rel="next" (its max_id is an internal follow id, not an account id,
 * so a page without a Link header is the last: there is nothing else to page on). An empty page
 * is the last too.
 *
 * An account that hides whom it follows (hide_collections) is answered with an empty list, which
 * reads as following nobody; a server that shows no lists to anonymous clients answers 401 or
 * 403, which is an error (the listing is incomplete, so the crawler removes nothing).
 *
 * Each Account becomes one follow message: target.id and target.account_id its id,
 * target.account its acct as user@domain (a local acct gets the host of its url), target.name
 * its display_name, target.url and url its url, target.text its note as plain text, raw the
 * Account. No cursor: every crawl reads the whole list. */
#include "crawler/adapters/adapter.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "config/log.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/adapter_platform.h"
#include "crawler/adapters/engagement_build.h"
#include "crawler/adapters/post_build.h"

#define PLATFORM "mastodon"
#define PAGE_SIZE_MAX 80

static int build_request(const struct adapter_context *context, struct adapter_request *out,
                         char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    char *base = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (context == NULL || context->account == NULL)
        return error_set(err, err_len, "no account to crawl");
    const char *native_id = context->account->native_id;
    if (native_id == NULL || native_id[0] == '\0')
        return adapter_mastodon.build_request(context, out, err, err_len);
    if (!mastodon_id_valid(native_id)) {
        error_set(err, err_len, "account id \"%s\": not a Mastodon id",
                  error_shown(show, sizeof(show), native_id));
        goto cleanup;
    }
    if (context->page != NULL && !mastodon_id_valid(context->page)) {
        error_set(err, err_len, "page \"%s\": not a Mastodon max_id",
                  error_shown(show, sizeof(show), context->page));
        goto cleanup;
    }
    if (mastodon_base_url(context->settings, context->account->handle, &base, err, err_len) != 0)
        goto cleanup;
    /* Both ids hold unreserved characters only: they need no escaping. */
    out->url = adapter_format("%s/api/v1/accounts/%s/following?limit=%d%s%s", base, native_id,
                              adapter_page_size(context->settings, 1, PAGE_SIZE_MAX),
                              context->page != NULL ? "&max_id=" : "",
                              context->page != NULL ? context->page : "");
    if (out->url == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (adapter_request_json_headers(out, PLATFORM, context->settings, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    if (rc != 0)
        adapter_request_free(out);
    free(base);
    return rc;
}

/* *host = the host of an http(s) URL (curl_free() it), NULL when url is not one. */
static int url_host(const char *url, char **host, char *err, size_t err_len)
{
    *host = NULL;
    if (url == NULL || !adapter_http_url(url))
        return 0;
    CURLU *parsed = curl_url();
    if (parsed == NULL)
        return error_set(err, err_len, "out of memory");
    if (curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_HOST, host, 0) != CURLUE_OK) {
        curl_free(*host);
        *host = NULL;
    }
    curl_url_cleanup(parsed);
    return 0;
}

/* The acct as user@domain: a remote acct has its domain; a local one gets the host of the
 * account's url, else the instance of the watched handle (local to the same server). */
static char *full_acct(const char *acct, const char *url_host_name, const char *handle)
{
    if (strchr(acct, '@') != NULL)
        return strdup(acct);
    const char *at = handle != NULL ? strchr(handle, '@') : NULL;
    const char *host = url_host_name != NULL ? url_host_name : at != NULL ? at + 1 : NULL;
    return host != NULL && host[0] != '\0' ? adapter_format("%s@%s", acct, host) : strdup(acct);
}

static int account_message(const struct adapter_context *context, const cJSON *account,
                           const char *where, struct post_message **out, char *err,
                           size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN], reason[NETRA_ERR_LEN];
    const char *id, *acct, *url, *name, *note;
    char *host = NULL, *handle = NULL, *bio = NULL;
    struct post_message *message = NULL;
    int rc = -1;

    *out = NULL;
    if (!cJSON_IsObject(account)) {
        error_set(err, err_len, "%s: expected an Account object", where);
        goto cleanup;
    }
    if (adapter_json_string(account, "id", 1, where, &id, err, err_len) != 0 ||
        adapter_json_string(account, "acct", 1, where, &acct, err, err_len) != 0 ||
        adapter_json_string(account, "url", 0, where, &url, err, err_len) != 0 ||
        adapter_json_string(account, "display_name", 0, where, &name, err, err_len) != 0 ||
        adapter_json_string(account, "note", 0, where, &note, err, err_len) != 0)
        goto cleanup;
    if (!mastodon_id_valid(id)) {
        error_set(err, err_len, "%s.id \"%s\": not a Mastodon id", where,
                  error_shown(show, sizeof(show), id));
        goto cleanup;
    }
    if (acct[0] == '\0' || acct[0] == '@' || strchr(acct, ' ') != NULL ||
        (strchr(acct, '@') != NULL && strchr(strchr(acct, '@') + 1, '@') != NULL)) {
        error_set(err, err_len, "%s.acct \"%s\": expected user or user@domain", where,
                  error_shown(show, sizeof(show), acct));
        goto cleanup;
    }
    if (url != NULL && !adapter_http_url(url))
        url = NULL; /* not a page a reviewer can open */
    if (url_host(url, &host, err, err_len) != 0)
        goto cleanup;
    handle = full_acct(acct, host, context->account->handle);
    if (handle == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (note != NULL && post_build_html_to_text(note, strlen(note), &bio, reason,
                                                sizeof(reason)) != 0) {
        error_set(err, err_len, "%s.note: %s", where, reason);
        goto cleanup;
    }
    if (engagement_message_new(PLATFORM, POST_KIND_FOLLOW, context->account->native_id, id,
                               context->account->handle, &message, err, err_len) != 0 ||
        engagement_set(&message->url, url, where, "url", err, err_len) != 0 ||
        engagement_set(&message->target.account, handle, where, "acct", err, err_len) != 0 ||
        engagement_set(&message->target.account_id, id, where, "id", err, err_len) != 0 ||
        engagement_set(&message->target.name, name, where, "display_name", err, err_len) != 0 ||
        engagement_set(&message->target.url, url, where, "url", err, err_len) != 0 ||
        engagement_set(&message->target.text, bio, where, "note", err, err_len) != 0 ||
        adapter_json_set_raw(message, account, where, err, err_len) != 0)
        goto cleanup;
    *out = message;
    message = NULL;
    rc = 0;

cleanup:
    post_message_free(message);
    curl_free(host);
    free(handle);
    free(bio);
    return rc;
}

static int parse_page(const struct adapter_context *context,
                      const struct adapter_response *response, const cJSON *root,
                      struct adapter_result *out, char *err, size_t err_len)
{
    char *base = NULL;
    size_t index = 0;
    const cJSON *account;
    int rc = -1;

    if (!cJSON_IsArray(root)) {
        error_set(err, err_len, "body: expected an array of accounts");
        goto cleanup;
    }
    cJSON_ArrayForEach(account, root) {
        char where[ADAPTER_WHERE_LEN], reason[NETRA_ERR_LEN];
        struct post_message *message;
        adapter_where_index(where, "", "accounts", index++);
        if (account_message(context, account, where, &message, reason, sizeof(reason)) != 0) {
            if (adapter_result_skip(out, reason, err, err_len) != 0)
                goto cleanup;
            continue;
        }
        if (adapter_result_add(out, message, err, err_len) != 0)
            goto cleanup;
    }
    if (index == 0 || response->link == NULL) {
        rc = 0;
        goto cleanup;
    }
    /* The Link target is resolved against the instance; netra parse may know neither. */
    if (mastodon_base_url(context->settings, context->account->handle, &base, NULL, 0) != 0 &&
        adapter_base_url(PLATFORM, context->settings->base_url, NULL, &base, err, err_len) != 0)
        goto cleanup;
    if (mastodon_link_next_max_id(response->link, base, &out->next_page, err, err_len) != 0)
        goto cleanup;
    if (out->next_page != NULL && context->page != NULL &&
        strcmp(out->next_page, context->page) == 0) {
        error_set(err, err_len, "Link rel=\"next\" repeats the page just fetched");
        goto cleanup;
    }
    rc = 0;

cleanup:
    free(base);
    return rc;
}

static int parse(const struct adapter_context *context, const struct adapter_response *response,
                 struct adapter_result *out, char *err, size_t err_len)
{
    cJSON *root = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (context == NULL || context->account == NULL || context->settings == NULL ||
        response == NULL)
        return error_set(err, err_len, "no account or no answer to parse");
    const char *native_id = context->account->native_id;
    if (native_id == NULL || native_id[0] == '\0')
        return adapter_mastodon.parse(context, response, out, err, err_len);
    if (response->status < 200 || response->status > 299) {
        rc = mastodon_answer_not_ok(response, out, err, err_len);
        goto cleanup;
    }
    if (adapter_json_parse(response->body, response->body_len, "body", &root, err, err_len) != 0)
        goto cleanup;
    rc = parse_page(context, response, root, out, err, err_len);

cleanup:
    if (rc != 0)
        adapter_result_free(out);
    cJSON_Delete(root);
    return rc;
}

const struct adapter adapter_mastodon_following = {"mastodon-following", build_request,
                                                      parse, ADAPTER_LISTS_FOLLOWS};
