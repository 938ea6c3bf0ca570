/* Talking to the reference network: the control port (JSON over POST) and the AppView (XRPC GET),
 * with libcurl. Answers are bounded: a test reads its own small network. */
#include "tests/interop/bluesky/bluesky_network.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#define ANSWER_MAX (16 * 1024 * 1024)
#define FEED_PAGES_MAX 100

struct answer {
    char *data;
    size_t len;
};

static size_t answer_write(char *data, size_t size, size_t count, void *arg)
{
    struct answer *answer = arg;
    size_t n = size * count;
    if (answer->len + n > ANSWER_MAX)
        return 0;
    char *grown = realloc(answer->data, answer->len + n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + answer->len, data, n);
    answer->data = grown;
    answer->len += n;
    answer->data[answer->len] = '\0';
    return n;
}

static const char *url_of(const char *variable)
{
    const char *url = getenv(variable);
    if (url == NULL || url[0] == '\0')
        fail_msg("%s is not set: run this test through tests/interop/bluesky/run", variable);
    return url;
}

const char *bsky_appview_url(void)
{
    return url_of("NETRA_BLUESKY_APPVIEW_URL");
}

/* One request; body NULL is a GET. Returns the answer parsed, after checking it is 200. */
static cJSON *request(const char *url, const char *body)
{
    struct answer answer = {NULL, 0};
    long status = 0;
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, answer_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    /* A write waits for the AppView to index it: seconds, not minutes. */
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    }
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK)
        fail_msg("%s: %s", url, curl_easy_strerror(rc));
    if (status != 200)
        fail_msg("%s: HTTP %ld: %.500s", url, status, answer.data != NULL ? answer.data : "");
    cJSON *json = cJSON_ParseWithLength(answer.data, answer.len);
    if (json == NULL)
        fail_msg("%s: not JSON: %.500s", url, answer.data != NULL ? answer.data : "");
    free(answer.data);
    return json;
}

/* POSTs body (taken over) to the control port's path. */
static cJSON *control(const char *path, cJSON *body)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", url_of("NETRA_BLUESKY_CONTROL_URL"), path);
    char *text = cJSON_PrintUnformatted(body);
    assert_non_null(text);
    cJSON_Delete(body);
    cJSON *answer = request(url, text);
    free(text);
    return answer;
}

static void copy_string(char *out, size_t out_len, const cJSON *object, const char *name)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!cJSON_IsString(value) || strlen(value->valuestring) >= out_len)
        fail_msg("the network's answer has no usable \"%s\"", name);
    strcpy(out, value->valuestring);
}

void bsky_account_create(struct bsky_account *out, const char *handle, const char *display_name)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "handle", handle);
    cJSON_AddStringToObject(body, "displayName", display_name);
    cJSON *answer = control("/account", body);
    copy_string(out->handle, sizeof(out->handle), answer, "handle");
    copy_string(out->did, sizeof(out->did), answer, "did");
    cJSON_Delete(answer);
}

void bsky_profile_set(const struct bsky_account *account, const char *display_name,
                      const char *description)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "handle", account->handle);
    cJSON_AddStringToObject(body, "displayName", display_name);
    cJSON_AddStringToObject(body, "description", description);
    cJSON_Delete(control("/profile", body));
}

void bsky_record_create(const struct bsky_account *account, const char *collection, cJSON *record,
                        struct bsky_ref *out)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "handle", account->handle);
    cJSON_AddStringToObject(body, "collection", collection);
    cJSON_AddItemToObject(body, "record", record);
    cJSON *answer = control("/record", body);
    copy_string(out->uri, sizeof(out->uri), answer, "uri");
    copy_string(out->cid, sizeof(out->cid), answer, "cid");
    cJSON_Delete(answer);
}

void bsky_record_delete(const struct bsky_account *account, const char *uri)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "handle", account->handle);
    cJSON_AddStringToObject(body, "uri", uri);
    cJSON_Delete(control("/delete", body));
}

void bsky_control_deactivate(const struct bsky_account *account)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "handle", account->handle);
    cJSON_Delete(control("/deactivate", body));
}

cJSON *bsky_blob_upload(const struct bsky_account *account, const void *data, size_t len,
                        const char *mime_type)
{
    char *base64 = malloc(4 * ((len + 2) / 3) + 1);
    assert_non_null(base64);
    EVP_EncodeBlock((unsigned char *)base64, data, (int)len);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "handle", account->handle);
    cJSON_AddStringToObject(body, "mimeType", mime_type);
    cJSON_AddStringToObject(body, "base64", base64);
    free(base64);
    cJSON *answer = control("/blob", body);
    cJSON *blob = cJSON_DetachItemFromObjectCaseSensitive(answer, "blob");
    cJSON_Delete(answer);
    if (!cJSON_IsObject(blob))
        fail_msg("uploadBlob gave no blob reference");
    return blob;
}

/* seconds_ago before now as the AT Protocol writes datetimes: RFC 3339 UTC with milliseconds. */
static void set_created_at(cJSON *record, long long seconds_ago)
{
    char when[32];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t seconds = ts.tv_sec - (time_t)seconds_ago;
    gmtime_r(&seconds, &tm);
    size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof(when) - n, ".%03ldZ", ts.tv_nsec / 1000000);
    cJSON_DeleteItemFromObjectCaseSensitive(record, "createdAt");
    cJSON_AddStringToObject(record, "createdAt", when);
}

void bsky_record_backdate(cJSON *record, long long seconds)
{
    set_created_at(record, seconds);
}

cJSON *bsky_post_record(const char *text)
{
    cJSON *post = cJSON_CreateObject();
    cJSON_AddStringToObject(post, "$type", "app.bsky.feed.post");
    cJSON_AddStringToObject(post, "text", text);
    set_created_at(post, 0);
    cJSON *langs = cJSON_AddArrayToObject(post, "langs");
    cJSON_AddItemToArray(langs, cJSON_CreateString("id"));
    return post;
}

cJSON *bsky_repost_record(const struct bsky_ref *subject)
{
    cJSON *repost = cJSON_CreateObject();
    cJSON_AddStringToObject(repost, "$type", "app.bsky.feed.repost");
    cJSON_AddItemToObject(repost, "subject", bsky_ref_json(subject));
    set_created_at(repost, 0);
    return repost;
}

cJSON *bsky_follow_record(const char *did)
{
    cJSON *follow = cJSON_CreateObject();
    cJSON_AddStringToObject(follow, "$type", "app.bsky.graph.follow");
    cJSON_AddStringToObject(follow, "subject", did);
    set_created_at(follow, 0);
    return follow;
}

cJSON *bsky_like_record(const struct bsky_ref *subject)
{
    cJSON *like = cJSON_CreateObject();
    cJSON_AddStringToObject(like, "$type", "app.bsky.feed.like");
    cJSON_AddItemToObject(like, "subject", bsky_ref_json(subject));
    set_created_at(like, 0);
    return like;
}

/* A facet over `covered` with one feature of type `type` whose `name` is value. */
static void add_facet(cJSON *post, const char *covered, const char *type, const char *name,
                      const char *value)
{
    const char *text = cJSON_GetObjectItemCaseSensitive(post, "text")->valuestring;
    const char *at = strstr(text, covered);
    if (at == NULL)
        fail_msg("\"%s\" is not in the post \"%s\"", covered, text);
    cJSON *facets = cJSON_GetObjectItemCaseSensitive(post, "facets");
    if (facets == NULL)
        facets = cJSON_AddArrayToObject(post, "facets");
    cJSON *facet = cJSON_CreateObject();
    cJSON *index = cJSON_AddObjectToObject(facet, "index");
    /* Offsets are UTF-8 bytes, as strstr counts them. */
    cJSON_AddNumberToObject(index, "byteStart", (double)(at - text));
    cJSON_AddNumberToObject(index, "byteEnd", (double)(at - text + (ptrdiff_t)strlen(covered)));
    cJSON *feature = cJSON_CreateObject();
    cJSON_AddStringToObject(feature, "$type", type);
    cJSON_AddStringToObject(feature, name, value);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(facet, "features"), feature);
    cJSON_AddItemToArray(facets, facet);
}

void bsky_facet_mention(cJSON *post, const char *covered, const char *did)
{
    add_facet(post, covered, "app.bsky.richtext.facet#mention", "did", did);
}

void bsky_facet_link(cJSON *post, const char *covered, const char *uri)
{
    add_facet(post, covered, "app.bsky.richtext.facet#link", "uri", uri);
}

void bsky_facet_tag(cJSON *post, const char *covered, const char *tag)
{
    add_facet(post, covered, "app.bsky.richtext.facet#tag", "tag", tag);
}

cJSON *bsky_ref_json(const struct bsky_ref *ref)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "uri", ref->uri);
    cJSON_AddStringToObject(json, "cid", ref->cid);
    return json;
}

void bsky_reply_to(cJSON *post, const struct bsky_ref *root, const struct bsky_ref *parent)
{
    cJSON *reply = cJSON_AddObjectToObject(post, "reply");
    cJSON_AddItemToObject(reply, "root", bsky_ref_json(root));
    cJSON_AddItemToObject(reply, "parent", bsky_ref_json(parent));
}

cJSON *bsky_appview_get(const char *method, const char *query)
{
    char url[2048];
    int len = snprintf(url, sizeof(url), "%s/xrpc/%s?%s", bsky_appview_url(), method, query);
    if (len < 0 || (size_t)len >= sizeof(url))
        fail_msg("AppView URL for %s is too long", method);
    return request(url, NULL);
}

cJSON *bsky_author_feed(const char *did)
{
    cJSON *all = cJSON_CreateArray();
    char *cursor = NULL;
    for (int page = 0; page < FEED_PAGES_MAX; page++) {
        char query[1024];
        CURL *curl = curl_easy_init();
        char *did_value = curl_easy_escape(curl, did, 0);
        char *cursor_value = cursor != NULL ? curl_easy_escape(curl, cursor, 0) : NULL;
        snprintf(query, sizeof(query), "actor=%s&limit=100%s%s", did_value,
                 cursor_value != NULL ? "&cursor=" : "", cursor_value != NULL ? cursor_value : "");
        curl_free(did_value);
        curl_free(cursor_value);
        curl_easy_cleanup(curl);
        cJSON *answer = bsky_appview_get("app.bsky.feed.getAuthorFeed", query);
        cJSON *feed = cJSON_GetObjectItemCaseSensitive(answer, "feed");
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(answer, "cursor");
        assert_true(cJSON_IsArray(feed));
        int items = cJSON_GetArraySize(feed);
        while (cJSON_GetArraySize(feed) > 0)
            cJSON_AddItemToArray(all, cJSON_DetachItemFromArray(feed, 0));
        free(cursor);
        cursor = cJSON_IsString(next) && items > 0 ? strdup(next->valuestring) : NULL;
        cJSON_Delete(answer);
        if (cursor == NULL)
            return all;
    }
    fail_msg("getAuthorFeed of %s has more than %d pages", did, FEED_PAGES_MAX);
    return NULL;
}

cJSON *bsky_actor_list(const char *method, const char *did, const char *list)
{
    cJSON *all = cJSON_CreateArray();
    char *cursor = NULL;
    for (int page = 0; page < FEED_PAGES_MAX; page++) {
        char query[1024];
        CURL *curl = curl_easy_init();
        assert_non_null(curl);
        char *did_value = curl_easy_escape(curl, did, 0);
        char *cursor_value = cursor != NULL ? curl_easy_escape(curl, cursor, 0) : NULL;
        snprintf(query, sizeof(query), "actor=%s&limit=100%s%s", did_value,
                 cursor_value != NULL ? "&cursor=" : "", cursor_value != NULL ? cursor_value : "");
        curl_free(did_value);
        curl_free(cursor_value);
        curl_easy_cleanup(curl);
        cJSON *answer = bsky_appview_get(method, query);
        cJSON *items = cJSON_GetObjectItemCaseSensitive(answer, list);
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(answer, "cursor");
        if (!cJSON_IsArray(items))
            fail_msg("%s of %s: no array \"%s\" in the answer", method, did, list);
        int count = cJSON_GetArraySize(items);
        while (cJSON_GetArraySize(items) > 0)
            cJSON_AddItemToArray(all, cJSON_DetachItemFromArray(items, 0));
        free(cursor);
        cursor = cJSON_IsString(next) && count > 0 ? strdup(next->valuestring) : NULL;
        cJSON_Delete(answer);
        if (cursor == NULL)
            return all;
    }
    fail_msg("%s of %s has more than %d pages", method, did, FEED_PAGES_MAX);
    return NULL;
}
