/* The bluesky-follows adapter: the accounts a watched Bluesky account follows, from the AppView.
 *
 * Request: GET {base}/xrpc/app.bsky.graph.getFollows?actor=<DID>&limit=N (N <= 100)[&cursor=P],
 * base and the DID lookup as the bluesky adapter has them (the lookup is that adapter's own).
 * Pages follow the answer's cursor until an answer has no cursor or no follows. Follows are
 * public on Bluesky: no login. An answer whose subject is another account than the one asked
 * for is refused.
 *
 * Each profile view in follows becomes one follow message: target.id and target.account_id its
 * DID, target.account its handle (its DID when the handle does not verify), target.name its
 * displayName, target.url and url https://bsky.app/profile/<handle or DID>, target.text its
 * description, raw the profile view. No cursor: every crawl reads the whole list. */
#include "crawler/adapters/adapter.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config/log.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/adapter_platform.h"
#include "crawler/adapters/engagement_build.h"

#define PLATFORM "bluesky"
#define PAGE_SIZE_MAX 100

static int build_request(const struct adapter_context *context, struct adapter_request *out,
                         char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    char *base = NULL, *actor = NULL, *page = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (context == NULL || context->account == NULL)
        return error_set(err, err_len, "no account to crawl");
    const char *did = context->account->native_id;
    if (did == NULL || did[0] == '\0')
        return adapter_bluesky.build_request(context, out, err, err_len);
    if (!bluesky_did_valid(did)) {
        error_set(err, err_len, "account DID \"%s\": not a DID",
                  error_shown(show, sizeof(show), did));
        goto cleanup;
    }
    if (context->page != NULL && !bluesky_page_token_valid(context->page)) {
        error_set(err, err_len, "page \"%s\": not a getFollows cursor",
                  error_shown(show, sizeof(show), context->page));
        goto cleanup;
    }
    if (adapter_base_url(PLATFORM, context->settings != NULL ? context->settings->base_url : NULL,
                         BLUESKY_APPVIEW_URL, &base, err, err_len) != 0)
        goto cleanup;
    actor = adapter_percent_encode(did);
    page = context->page != NULL ? adapter_percent_encode(context->page) : NULL;
    if (actor == NULL || (context->page != NULL && page == NULL)) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    out->url = adapter_format("%s/xrpc/app.bsky.graph.getFollows?actor=%s&limit=%d%s%s", base,
                              actor, adapter_page_size(context->settings, 1, PAGE_SIZE_MAX),
                              page != NULL ? "&cursor=" : "", page != NULL ? page : "");
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
    free(actor);
    free(page);
    return rc;
}

static int follow_message(const struct adapter_context *context, const cJSON *profile,
                          const char *where, struct post_message **out, char *err,
                          size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    const char *did, *name, *description;
    char *page_url = NULL;
    struct post_message *message = NULL;
    int rc = -1;

    *out = NULL;
    if (!cJSON_IsObject(profile)) {
        error_set(err, err_len, "%s: expected a profile view", where);
        goto cleanup;
    }
    if (adapter_json_string(profile, "did", 1, where, &did, err, err_len) != 0 ||
        adapter_json_string(profile, "displayName", 0, where, &name, err, err_len) != 0 ||
        adapter_json_string(profile, "description", 0, where, &description, err, err_len) != 0)
        goto cleanup;
    if (!bluesky_did_valid(did)) {
        error_set(err, err_len, "%s.did \"%s\": not a DID", where,
                  error_shown(show, sizeof(show), did));
        goto cleanup;
    }
    const char *who = bluesky_profile_name(profile);
    page_url = adapter_format("https://bsky.app/profile/%s", who);
    if (page_url == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (engagement_message_new(PLATFORM, POST_KIND_FOLLOW, context->account->native_id, did,
                               context->account->handle, &message, err, err_len) != 0 ||
        engagement_set(&message->url, page_url, where, "handle", err, err_len) != 0 ||
        engagement_set(&message->target.account, who, where, "handle", err, err_len) != 0 ||
        engagement_set(&message->target.account_id, did, where, "did", err, err_len) != 0 ||
        engagement_set(&message->target.name, name, where, "displayName", err, err_len) != 0 ||
        engagement_set(&message->target.url, page_url, where, "handle", err, err_len) != 0 ||
        engagement_set(&message->target.text, description, where, "description", err,
                       err_len) != 0 ||
        adapter_json_set_raw(message, profile, where, err, err_len) != 0)
        goto cleanup;
    *out = message;
    message = NULL;
    rc = 0;

cleanup:
    post_message_free(message);
    free(page_url);
    return rc;
}

static int parse_page(const struct adapter_context *context, const cJSON *root,
                      struct adapter_result *out, char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    cJSON *follows, *subject;
    const char *subject_did, *cursor;
    const cJSON *profile;
    size_t index = 0;

    if (!cJSON_IsObject(root))
        return error_set(err, err_len, "body: expected an object with follows");
    if (adapter_json_array(root, "follows", 1, "body", &follows, err, err_len) != 0 ||
        adapter_json_object(root, "subject", 0, "body", &subject, err, err_len) != 0 ||
        adapter_json_string(subject, "did", 0, "body.subject", &subject_did, err, err_len) != 0 ||
        adapter_json_string(root, "cursor", 0, "body", &cursor, err, err_len) != 0)
        return -1;
    /* netra parse reads a saved page without knowing whose it is (no DID). */
    if (subject_did != NULL && bluesky_did_valid(context->account->native_id) &&
        strcmp(subject_did, context->account->native_id) != 0)
        return error_set(err, err_len, "body.subject.did \"%s\": the listing asked for is %s",
                         error_shown(show, sizeof(show), subject_did),
                         context->account->native_id);
    cJSON_ArrayForEach(profile, follows) {
        char where[ADAPTER_WHERE_LEN], reason[NETRA_ERR_LEN];
        struct post_message *message;
        adapter_where_index(where, "", "follows", index++);
        if (follow_message(context, profile, where, &message, reason, sizeof(reason)) != 0) {
            if (adapter_result_skip(out, reason, err, err_len) != 0)
                return -1;
            continue;
        }
        if (adapter_result_add(out, message, err, err_len) != 0)
            return -1;
    }
    if (index == 0 || cursor == NULL || cursor[0] == '\0')
        return 0;
    if (!bluesky_page_token_valid(cursor))
        return error_set(err, err_len, "body.cursor \"%s\": not a cursor",
                         error_shown(show, sizeof(show), cursor));
    /* The same cursor again would fetch the same page forever: this page is the last. */
    if (context->page != NULL && strcmp(context->page, cursor) == 0)
        return 0;
    out->next_page = strdup(cursor);
    return out->next_page != NULL ? 0 : error_set(err, err_len, "out of memory");
}

static int parse(const struct adapter_context *context, const struct adapter_response *response,
                 struct adapter_result *out, char *err, size_t err_len)
{
    cJSON *root = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (context == NULL || context->account == NULL || response == NULL)
        return error_set(err, err_len, "no account or no answer to parse");
    const char *did = context->account->native_id;
    if (did == NULL || did[0] == '\0')
        return adapter_bluesky.parse(context, response, out, err, err_len);
    if (response->status < 200 || response->status > 299) {
        rc = bluesky_answer_not_ok(0, response, out, err, err_len);
        goto cleanup;
    }
    if (adapter_json_parse(response->body, response->body_len, "body", &root, err, err_len) != 0)
        goto cleanup;
    rc = parse_page(context, root, out, err, err_len);

cleanup:
    if (rc != 0)
        adapter_result_free(out);
    cJSON_Delete(root);
    return rc;
}

const struct adapter adapter_bluesky_follows = {"bluesky-follows", build_request, parse,
                                                   ADAPTER_LISTS_FOLLOWS};
