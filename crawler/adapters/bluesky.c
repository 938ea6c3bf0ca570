/* The Bluesky adapter: the AT Protocol's public AppView (app.bsky.* XRPC), no login needed.
 *
 * Base URL: settings.base_url, else https://public.api.bsky.app.
 *
 * Lookup: GET {base}/xrpc/com.atproto.identity.resolveHandle?handle=H -> the account's DID.
 * A 400 answer with error InvalidRequest or HandleNotFound (the handle resolves to nobody) means
 * gone, and so does a 400 to a feed page saying the profile is not found, taken down or
 * deactivated.
 *
 * Feed: GET {base}/xrpc/app.bsky.feed.getAuthorFeed?actor=<DID>&limit=N (N <= 100)[&cursor=P],
 * the account's posts, replies and reposts, newest first, paged by the answer's cursor until an
 * answer has no cursor or no items.
 *
 * Post ids are full at:// URIs of the post (an rkey is unique only within one account). A repost's
 * id is its own repost record's URI (reason.uri), or "repost:<reposter DID>:<post URI>" from an
 * AppView that does not send it.
 *
 * Cursor: the platform has no "since" parameter, so a crawl pages back until it meets what the
 * last one saw. The stored cursor is "<time> <post id>" of the newest item of the last complete
 * crawl, where time is the earlier of the post's createdAt and indexedAt (a repost: the reason's
 * indexedAt). The AppView orders the feed by the earlier of those two and shows that time as the
 * post's indexedAt, so a post from a client whose clock runs behind is indexed after the last
 * crawl yet sorts below its newest item. A crawl therefore reads SKEW_WINDOW_S below the stored
 * time again and stops at the first item whose later time is before that: every item after it
 * sorts lower still and was seen then (dedup absorbs the window's repeats). A post backdated
 * further than the window sorts below it, and only a rescan finds it. A rescan (since_s)
 * ignores the cursor and pages back until an item's later time is before since_s. Pinned posts
 * (reason #reasonPin, sent only with includePins, which is not asked for) are out of time order:
 * they are kept but never stop a crawl nor become the cursor.
 *
 * An item becomes one post message: reason #reasonRepost -> kind repost (the reposted post's text,
 * the reposter as author, the repost's time, repost_of = the post); an embedded post
 * (app.bsky.embed.record or recordWithMedia) -> quote, repost_of from the embedded view;
 * record.reply -> reply; else post. Facets give mentions (the text at their UTF-8 byte offsets,
 * without '@'), links and tags; a facet whose offsets fall outside the text or inside a character
 * is left out. Images and video come with their alt text; an external embed is a link. The url is
 * https://bsky.app/profile/<handle>/post/<rkey>; an account whose handle does not verify is named
 * by its DID, there and as author. */
#include "crawler/adapters/adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "config/log.h"
#include "config/utf8.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/adapter_platform.h"
#include "crawler/adapters/post_build.h"

#define PLATFORM "bluesky"
#define DEFAULT_BASE_URL BLUESKY_APPVIEW_URL
#define PAGE_SIZE_MAX 100
#define DID_MAX BLUESKY_DID_MAX
#define HANDLE_MAX BLUESKY_HANDLE_MAX
#define RKEY_MAX BLUESKY_RKEY_MAX
#define PAGE_TOKEN_MAX 1024
#define POST_COLLECTION "app.bsky.feed.post"
#define REASON_REPOST "app.bsky.feed.defs#reasonRepost"
#define REASON_PIN "app.bsky.feed.defs#reasonPin"
/* How far behind the newest item of the last crawl a new post's createdAt may be and still be
 * found by the next crawl: phones minutes slow, drafts sent late. An hour of an account's feed
 * is one page for nearly every watched account. */
#define SKEW_WINDOW_S 3600

/* ---- small helpers ---------------------------------------------------------------------- */

static int only_chars(const char *s, size_t max, const char *allowed)
{
    size_t n = strlen(s);
    return n >= 1 && n <= max && strspn(s, allowed) == n;
}

/* did:<method>:<id> (the AT Protocol's DID syntax). */
int bluesky_did_valid(const char *did)
{
    if (strncmp(did, "did:", 4) != 0 || strlen(did) > DID_MAX)
        return 0;
    const char *method = did + 4;
    size_t method_len = strspn(method, "abcdefghijklmnopqrstuvwxyz");
    const char *id = method + method_len;
    return method_len > 0 && id[0] == ':' && id[1] != '\0' && id[strlen(id) - 1] != ':' &&
           only_chars(id + 1, DID_MAX,
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:%-");
}

int bluesky_handle_valid(const char *handle)
{
    return only_chars(handle, HANDLE_MAX,
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") &&
           strchr(handle, '.') != NULL && handle[0] != '.' && strcmp(handle, "handle.invalid") != 0;
}

int bluesky_at_uri_split(const char *uri, struct bluesky_at_uri *out)
{
    if (strncmp(uri, "at://", 5) != 0)
        return -1;
    const char *authority = uri + 5;
    const char *slash = strchr(authority, '/');
    const char *second = slash != NULL ? strchr(slash + 1, '/') : NULL;
    if (second == NULL || strchr(second + 1, '/') != NULL)
        return -1;
    size_t authority_len = (size_t)(slash - authority);
    size_t collection_len = (size_t)(second - slash - 1);
    if (authority_len == 0 || authority_len > DID_MAX || collection_len == 0 ||
        collection_len > HANDLE_MAX)
        return -1;
    memcpy(out->authority, authority, authority_len);
    out->authority[authority_len] = '\0';
    memcpy(out->collection, slash + 1, collection_len);
    out->collection[collection_len] = '\0';
    if (strlen(second + 1) > RKEY_MAX)
        return -1;
    strcpy(out->rkey, second + 1);
    return bluesky_did_valid(out->authority) || bluesky_handle_valid(out->authority) ? 0 : -1;
}

int bluesky_rkey_valid(const char *rkey)
{
    return only_chars(rkey, RKEY_MAX,
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:~-") &&
           strcmp(rkey, ".") != 0 && strcmp(rkey, "..") != 0;
}

/* The bsky.app page of a post URI, or NULL (no page: not a post, or a malformed URI). who is the
 * author's handle, used when it is a valid one (the page also works with the DID). */
char *bluesky_post_page_url(const char *uri, const char *who)
{
    struct bluesky_at_uri parts;
    if (bluesky_at_uri_split(uri, &parts) != 0 || strcmp(parts.collection, POST_COLLECTION) != 0 ||
        !bluesky_rkey_valid(parts.rkey))
        return NULL;
    return adapter_format("https://bsky.app/profile/%s/post/%s",
                          who != NULL && bluesky_handle_valid(who) ? who : parts.authority,
                          parts.rkey);
}

int bluesky_page_token_valid(const char *token)
{
    size_t n = strlen(token);
    if (n == 0 || n > PAGE_TOKEN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)token[i] < 0x20 || token[i] == 0x7F)
            return 0;
    return 1;
}

/* The "$type" of a union member, or "". */
static const char *type_of(const cJSON *object)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(object, "$type");
    return cJSON_IsString(type) && type->valuestring != NULL ? type->valuestring : "";
}

/* Who a profile view names: its handle, or its DID when the handle is missing or does not verify
 * ("handle.invalid"); NULL when it has neither. */
const char *bluesky_profile_name(const cJSON *profile)
{
    const cJSON *handle = cJSON_GetObjectItemCaseSensitive(profile, "handle");
    const cJSON *did = cJSON_GetObjectItemCaseSensitive(profile, "did");
    if (cJSON_IsString(handle) && bluesky_handle_valid(handle->valuestring))
        return handle->valuestring;
    if (cJSON_IsString(did) && bluesky_did_valid(did->valuestring))
        return did->valuestring;
    return NULL;
}

static int build_request(const struct adapter_context *context, struct adapter_request *out,
                         char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    char *base = NULL, *value = NULL, *page = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (context == NULL || context->account == NULL || context->account->handle == NULL) {
        error_set(err, err_len, "no account to crawl");
        goto cleanup;
    }
    if (adapter_base_url(PLATFORM, context->settings != NULL ? context->settings->base_url : NULL,
                         DEFAULT_BASE_URL, &base, err, err_len) != 0)
        goto cleanup;
    const char *handle = context->account->handle;
    const char *did = context->account->native_id;
    if (did == NULL || did[0] == '\0') {
        if (!bluesky_handle_valid(handle)) {
            error_set(err, err_len,
                      "handle \"%s\": expected a domain name such as name.bsky.social",
                      error_shown(show, sizeof(show), handle));
            goto cleanup;
        }
        value = adapter_percent_encode(handle);
        if (value == NULL) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
        out->url =
            adapter_format("%s/xrpc/com.atproto.identity.resolveHandle?handle=%s", base, value);
        out->is_lookup = 1;
    } else {
        if (!bluesky_did_valid(did)) {
            error_set(err, err_len, "account DID \"%s\": not a DID",
                      error_shown(show, sizeof(show), did));
            goto cleanup;
        }
        if (context->page != NULL && !bluesky_page_token_valid(context->page)) {
            error_set(err, err_len, "page \"%s\": not a feed cursor",
                      error_shown(show, sizeof(show), context->page));
            goto cleanup;
        }
        value = adapter_percent_encode(did);
        page = context->page != NULL ? adapter_percent_encode(context->page) : NULL;
        if (value == NULL || (context->page != NULL && page == NULL)) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
        out->url = adapter_format("%s/xrpc/app.bsky.feed.getAuthorFeed?actor=%s&limit=%d%s%s", base,
                                  value, adapter_page_size(context->settings, 1, PAGE_SIZE_MAX),
                                  page != NULL ? "&cursor=" : "", page != NULL ? page : "");
    }
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
    free(value);
    free(page);
    free(base);
    return rc;
}

/* ---- answers that are not 2xx ----------------------------------------------------------- */

static int gone_error(int lookup, const char *error, const char *message)
{
    if (lookup)
        return strcmp(error, "InvalidRequest") == 0 || strcmp(error, "HandleNotFound") == 0;
    if (strcmp(error, "AccountTakedown") == 0 || strcmp(error, "AccountDeactivated") == 0 ||
        strcmp(error, "NotFound") == 0)
        return 1;
    /* The AppView answers a deleted account's feed with InvalidRequest "Profile not found". */
    if (strcmp(error, "InvalidRequest") != 0)
        return 0;
    for (const char *p = message; *p != '\0'; p++)
        if (strncasecmp(p, "not found", 9) == 0)
            return 1;
    return 0;
}

int bluesky_answer_not_ok(int lookup, const struct adapter_response *response,
                          struct adapter_result *out, char *err, size_t err_len)
{
    char show_error[ADAPTER_SHOWN_REASON_LEN], show_message[ADAPTER_SHOWN_REASON_LEN];
    char scratch[NETRA_ERR_LEN];
    cJSON *root = NULL;
    const char *error = NULL, *message = NULL;
    if (adapter_json_parse(response->body, response->body_len, "body", &root, scratch,
                           sizeof(scratch)) == 0 &&
        cJSON_IsObject(root)) {
        adapter_json_string(root, "error", 0, "body", &error, scratch, sizeof(scratch));
        adapter_json_string(root, "message", 0, "body", &message, scratch, sizeof(scratch));
    }
    error = error != NULL ? error : "";
    message = message != NULL ? message : "";
    int rc = 0;
    if (response->status == 400 && gone_error(lookup, error, message))
        out->gone = 1;
    else
        rc = error_set(err, err_len, "HTTP %ld%s%s%s%s", response->status,
                       error[0] != '\0' ? ": " : "",
                       error_shown(show_error, sizeof(show_error), error),
                       message[0] != '\0' ? ": " : "",
                       error_shown(show_message, sizeof(show_message), message));
    cJSON_Delete(root);
    return rc;
}

/* ---- lookup ----------------------------------------------------------------------------- */

static int parse_lookup(const cJSON *root, struct adapter_result *out, char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    const char *did;
    if (!cJSON_IsObject(root))
        return error_set(err, err_len, "body: expected an object with a did");
    if (adapter_json_string(root, "did", 1, "body", &did, err, err_len) != 0)
        return -1;
    if (!bluesky_did_valid(did))
        return error_set(err, err_len, "body.did \"%s\": not a DID",
                         error_shown(show, sizeof(show), did));
    out->native_id = strdup(did);
    return out->native_id != NULL ? 0 : error_set(err, err_len, "out of memory");
}

/* ---- one feed item ---------------------------------------------------------------------- */

/* What paging needs to know of an item before it is built. */
struct item_place {
    int pinned;
    char *id;            /* the post message's native id (malloc'd) */
    char created_at[32]; /* the message's created_at */
    char earliest[32];   /* the earlier of the item's times, for the cursor */
    long long earliest_s, latest_s;
};

static int facet_index(const cJSON *facet, size_t text_len, size_t *start, size_t *end)
{
    const cJSON *index = cJSON_GetObjectItemCaseSensitive(facet, "index");
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(index, "byteStart");
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(index, "byteEnd");
    if (!cJSON_IsNumber(from) || !cJSON_IsNumber(to))
        return -1;
    double a = from->valuedouble, b = to->valuedouble;
    if (!(a >= 0 && b <= (double)text_len && a < b) || (double)(size_t)a != a ||
        (double)(size_t)b != b)
        return -1;
    *start = (size_t)a;
    *end = (size_t)b;
    return 0;
}

/* A mention facet names a DID; the handle a reader sees is the text it covers. */
static int add_mention_slice(const char *text, size_t start, size_t end,
                             struct post_message *message, char *err, size_t err_len)
{
    if (text[start] == '@')
        start++;
    if (start >= end || !utf8_valid(text + start, end - start, NULL))
        return 0;
    /* A slice ending inside a character: its last byte starts or continues a sequence. */
    if (end < strlen(text) && ((unsigned char)text[end] & 0xC0) == 0x80)
        return 0;
    char *handle = strndup(text + start, end - start);
    if (handle == NULL)
        return error_set(err, err_len, "out of memory");
    int rc = post_build_add_string(&message->mentions, handle, err, err_len);
    free(handle);
    return rc;
}

/* Mentions, links and tags from record.facets. Facets are advisory: one with offsets outside the
 * text or a feature of the wrong shape is left out, and the post is kept. */
static int add_facets(const cJSON *record, const char *text, struct post_message *message,
                      char *err, size_t err_len)
{
    const cJSON *facets = cJSON_GetObjectItemCaseSensitive(record, "facets");
    const cJSON *facet, *feature;
    size_t text_len = strlen(text);
    if (!cJSON_IsArray(facets))
        return 0;
    cJSON_ArrayForEach(facet, facets) {
        size_t start = 0, end = 0;
        const cJSON *features = cJSON_GetObjectItemCaseSensitive(facet, "features");
        if (!cJSON_IsObject(facet) || !cJSON_IsArray(features))
            continue;
        int have_index = facet_index(facet, text_len, &start, &end) == 0;
        cJSON_ArrayForEach(feature, features) {
            const char *type = type_of(feature);
            const cJSON *value;
            int rc = 0;
            if (strcmp(type, "app.bsky.richtext.facet#mention") == 0 && have_index) {
                rc = add_mention_slice(text, start, end, message, err, err_len);
            } else if (strcmp(type, "app.bsky.richtext.facet#link") == 0) {
                value = cJSON_GetObjectItemCaseSensitive(feature, "uri");
                if (cJSON_IsString(value) &&
                    utf8_valid(value->valuestring, strlen(value->valuestring), NULL))
                    rc = post_build_add_string(&message->links, value->valuestring, err, err_len);
            } else if (strcmp(type, "app.bsky.richtext.facet#tag") == 0) {
                value = cJSON_GetObjectItemCaseSensitive(feature, "tag");
                if (cJSON_IsString(value)) {
                    const char *tag = value->valuestring + (value->valuestring[0] == '#');
                    if (utf8_valid(tag, strlen(tag), NULL))
                        rc = post_build_add_string(&message->hashtags, tag, err, err_len);
                }
            }
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

static int add_images(const cJSON *view, const char *where, struct post_message *message, char *err,
                      size_t err_len)
{
    cJSON *images;
    const cJSON *image;
    char image_where[ADAPTER_WHERE_LEN], reason[NETRA_ERR_LEN];
    if (adapter_json_array(view, "images", 1, where, &images, err, err_len) != 0)
        return -1;
    size_t i = 0;
    cJSON_ArrayForEach(image, images) {
        const char *fullsize, *thumb, *alt;
        adapter_where_index(image_where, where, ".images", i++);
        if (!cJSON_IsObject(image))
            return error_set(err, err_len, "%s: expected an object", image_where);
        if (adapter_json_string(image, "fullsize", 0, image_where, &fullsize, err, err_len) != 0 ||
            adapter_json_string(image, "thumb", 0, image_where, &thumb, err, err_len) != 0 ||
            adapter_json_string(image, "alt", 0, image_where, &alt, err, err_len) != 0)
            return -1;
        if (post_build_add_media(message, "image", fullsize != NULL ? fullsize : thumb, alt, reason,
                                 sizeof(reason)) != 0)
            return error_set(err, err_len, "%s: %s", image_where, reason);
    }
    return 0;
}

/* Images, video or an external link card: a post's own embed, or the media beside a quote. */
static int add_media_view(const cJSON *view, const char *where, struct post_message *message,
                          char *err, size_t err_len)
{
    const char *type = type_of(view);
    char reason[NETRA_ERR_LEN];
    if (strcmp(type, "app.bsky.embed.images#view") == 0)
        return add_images(view, where, message, err, err_len);
    if (strcmp(type, "app.bsky.embed.video#view") == 0) {
        const char *playlist, *alt;
        if (adapter_json_string(view, "playlist", 1, where, &playlist, err, err_len) != 0 ||
            adapter_json_string(view, "alt", 0, where, &alt, err, err_len) != 0)
            return -1;
        if (post_build_add_media(message, "video", playlist, alt, reason, sizeof(reason)) != 0)
            return error_set(err, err_len, "%s: %s", where, reason);
        return 0;
    }
    if (strcmp(type, "app.bsky.embed.external#view") == 0) {
        cJSON *external;
        const char *uri;
        char external_where[ADAPTER_WHERE_LEN];
        adapter_where(external_where, where, ".external");
        if (adapter_json_object(view, "external", 1, where, &external, err, err_len) != 0 ||
            adapter_json_string(external, "uri", 1, external_where, &uri, err, err_len) != 0)
            return -1;
        if (post_build_add_string(&message->links, uri, reason, sizeof(reason)) != 0)
            return error_set(err, err_len, "%s.uri: %s", external_where, reason);
    }
    return 0;
}

/* repost_of from an embedded record's view: a post (viewRecord), or one that cannot be shown
 * (viewNotFound, viewBlocked, viewDetached) of which only the URI is known. Feed generators,
 * lists and the like are not posts: *is_post stays 0. */
static int quote_from_view(const cJSON *record, const char *where, struct post_message *message,
                           int *is_post, char *err, size_t err_len)
{
    const char *type = type_of(record);
    const char *uri, *handle = NULL, *text = NULL;
    cJSON *author = NULL, *value = NULL;
    char value_where[ADAPTER_WHERE_LEN], reason[NETRA_ERR_LEN];
    struct bluesky_at_uri parts;
    int viewable = strcmp(type, "app.bsky.embed.record#viewRecord") == 0;

    *is_post = 0;
    if (!viewable && strcmp(type, "app.bsky.embed.record#viewNotFound") != 0 &&
        strcmp(type, "app.bsky.embed.record#viewBlocked") != 0 &&
        strcmp(type, "app.bsky.embed.record#viewDetached") != 0)
        return 0;
    if (adapter_json_string(record, "uri", 1, where, &uri, err, err_len) != 0)
        return -1;
    if (bluesky_at_uri_split(uri, &parts) != 0 || strcmp(parts.collection, POST_COLLECTION) != 0)
        return 0;
    *is_post = 1;
    if (viewable) {
        adapter_where(value_where, where, ".value");
        if (adapter_json_object(record, "author", 1, where, &author, err, err_len) != 0 ||
            adapter_json_object(record, "value", 1, where, &value, err, err_len) != 0 ||
            adapter_json_string(value, "text", 0, value_where, &text, err, err_len) != 0)
            return -1;
        handle = bluesky_profile_name(author);
    }
    char *url = bluesky_post_page_url(uri, handle);
    int rc = 0;
    if ((handle != NULL &&
         post_build_set(&message->repost_of.author, handle, reason, sizeof(reason)) != 0) ||
        (url != NULL &&
         post_build_set(&message->repost_of.url, url, reason, sizeof(reason)) != 0) ||
        (text != NULL &&
         post_build_set(&message->repost_of.text, text, reason, sizeof(reason)) != 0))
        rc = error_set(err, err_len, "%s: %s", where, reason);
    free(url);
    return rc;
}

/* The post's embed view: media, link cards and quoted posts. */
static int add_embed(const cJSON *post, const char *where, struct post_message *message,
                     int *quotes, char *err, size_t err_len)
{
    cJSON *embed, *record, *media;
    char embed_where[ADAPTER_WHERE_LEN], record_where[ADAPTER_WHERE_LEN],
        inner_where[ADAPTER_WHERE_LEN];
    *quotes = 0;
    adapter_where(embed_where, where, ".embed");
    if (adapter_json_object(post, "embed", 0, where, &embed, err, err_len) != 0)
        return -1;
    if (embed == NULL)
        return 0;
    const char *type = type_of(embed);
    adapter_where(record_where, embed_where, ".record");
    if (strcmp(type, "app.bsky.embed.record#view") == 0) {
        if (adapter_json_object(embed, "record", 1, embed_where, &record, err, err_len) != 0)
            return -1;
        return quote_from_view(record, record_where, message, quotes, err, err_len);
    }
    if (strcmp(type, "app.bsky.embed.recordWithMedia#view") == 0) {
        cJSON *inner;
        char media_where[ADAPTER_WHERE_LEN];
        adapter_where(inner_where, record_where, ".record");
        adapter_where(media_where, embed_where, ".media");
        if (adapter_json_object(embed, "record", 1, embed_where, &record, err, err_len) != 0 ||
            adapter_json_object(record, "record", 1, record_where, &inner, err, err_len) != 0 ||
            adapter_json_object(embed, "media", 1, embed_where, &media, err, err_len) != 0)
            return -1;
        if (quote_from_view(inner, inner_where, message, quotes, err, err_len) != 0)
            return -1;
        return add_media_view(media, media_where, message, err, err_len);
    }
    return add_media_view(embed, embed_where, message, err, err_len);
}

/* When the AppView sent no embed view, a quote still shows in the record itself. */
static int record_quotes_post(const cJSON *record)
{
    const cJSON *embed = cJSON_GetObjectItemCaseSensitive(record, "embed");
    const char *type = type_of(embed);
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(embed, "record");
    if (strcmp(type, "app.bsky.embed.recordWithMedia") == 0)
        ref = cJSON_GetObjectItemCaseSensitive(ref, "record");
    else if (strcmp(type, "app.bsky.embed.record") != 0)
        return 0;
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(ref, "uri");
    struct bluesky_at_uri parts;
    return cJSON_IsString(uri) && bluesky_at_uri_split(uri->valuestring, &parts) == 0 &&
           strcmp(parts.collection, POST_COLLECTION) == 0;
}

static int set_lang(const cJSON *record, struct post_message *message, char *err, size_t err_len)
{
    const cJSON *langs = cJSON_GetObjectItemCaseSensitive(record, "langs");
    const cJSON *first = cJSON_IsArray(langs) ? cJSON_GetArrayItem(langs, 0) : NULL;
    if (!cJSON_IsString(first) || first->valuestring[0] == '\0')
        return 0;
    return post_build_set(&message->lang, first->valuestring, err, err_len);
}

/* One feed item -> *out. -1 with err naming the field when the item is malformed. */
static int item_message(const cJSON *item, const char *where, const struct item_place *place,
                        struct post_message **out, char *err, size_t err_len)
{
    cJSON *post, *author, *record, *reason, *by = NULL;
    const char *uri, *text;
    char post_where[ADAPTER_WHERE_LEN], record_where[ADAPTER_WHERE_LEN],
        reason_where[ADAPTER_WHERE_LEN];
    char fail[NETRA_ERR_LEN];
    char *url = NULL;
    int quotes = 0;
    struct post_message *message = post_message_new();
    int rc = -1;

    *out = NULL;
    if (message == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (adapter_json_set_raw(message, item, where, err, err_len) != 0)
        goto cleanup;
    adapter_where(post_where, where, ".post");
    adapter_where(record_where, post_where, ".record");
    adapter_where(reason_where, where, ".reason");
    if (adapter_json_object(item, "post", 1, where, &post, err, err_len) != 0 ||
        adapter_json_string(post, "uri", 1, post_where, &uri, err, err_len) != 0 ||
        adapter_json_object(post, "author", 1, post_where, &author, err, err_len) != 0 ||
        adapter_json_object(post, "record", 1, post_where, &record, err, err_len) != 0 ||
        adapter_json_string(record, "text", 1, record_where, &text, err, err_len) != 0 ||
        adapter_json_object(item, "reason", 0, where, &reason, err, err_len) != 0)
        goto cleanup;
    int repost = reason != NULL && strcmp(type_of(reason), REASON_REPOST) == 0;
    if (repost && adapter_json_object(reason, "by", 1, reason_where, &by, err, err_len) != 0)
        goto cleanup;

    const char *handle = bluesky_profile_name(author);
    url = bluesky_post_page_url(uri, handle);
    const char *writer = repost ? bluesky_profile_name(by) : handle;
    if (post_build_set_id(message, PLATFORM, place->id, fail, sizeof(fail)) != 0 ||
        post_build_set(&message->created_at, place->created_at, fail, sizeof(fail)) != 0 ||
        (writer != NULL && post_build_set(&message->author, writer, fail, sizeof(fail)) != 0) ||
        (url != NULL && post_build_set(&message->url, url, fail, sizeof(fail)) != 0) ||
        set_lang(record, message, fail, sizeof(fail)) != 0) {
        error_set(err, err_len, "%s: %s", where, fail);
        goto cleanup;
    }
    if (post_build_set(&message->text, text, fail, sizeof(fail)) != 0) {
        error_set(err, err_len, "%s.text: %s", record_where, fail);
        goto cleanup;
    }
    if (add_facets(record, text, message, err, err_len) != 0 ||
        add_embed(post, post_where, message, &quotes, err, err_len) != 0)
        goto cleanup;

    if (repost) {
        /* The reposted post is repost_of; a post it quotes stays out of it. */
        free(message->repost_of.author);
        free(message->repost_of.url);
        free(message->repost_of.text);
        message->repost_of.author = message->repost_of.url = message->repost_of.text = NULL;
        message->kind = POST_KIND_REPOST;
        if ((handle != NULL &&
             post_build_set(&message->repost_of.author, handle, err, err_len) != 0) ||
            (url != NULL && post_build_set(&message->repost_of.url, url, err, err_len) != 0) ||
            post_build_set(&message->repost_of.text, text, err, err_len) != 0)
            goto cleanup;
    } else if (quotes || record_quotes_post(record)) {
        message->kind = POST_KIND_QUOTE;
    } else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(record, "reply"))) {
        message->kind = POST_KIND_REPLY;
    }
    *out = message;
    message = NULL;
    rc = 0;

cleanup:
    free(url);
    post_message_free(message);
    return rc;
}

/* Reads a time member into text (RFC 3339 UTC) and seconds; 0 when it is absent or unreadable
 * (the caller decides whether it can do without). */
static int read_time(const cJSON *object, const char *name, char text[32], long long *seconds)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, name);
    char scratch[NETRA_ERR_LEN];
    return cJSON_IsString(value) &&
           post_build_time(value->valuestring, text, seconds, scratch, sizeof(scratch)) == 0;
}

/* The id and times of an item, enough to decide whether it stops the crawl. */
static int item_place_read(const cJSON *item, const char *where, struct item_place *place,
                           char *err, size_t err_len)
{
    cJSON *post, *reason;
    const cJSON *record;
    const char *uri;
    char post_where[ADAPTER_WHERE_LEN], reason_where[ADAPTER_WHERE_LEN], show[ADAPTER_SHOWN_LEN];
    struct bluesky_at_uri parts;

    memset(place, 0, sizeof(*place));
    adapter_where(post_where, where, ".post");
    adapter_where(reason_where, where, ".reason");
    if (!cJSON_IsObject(item))
        return error_set(err, err_len, "%s: expected a feedViewPost object", where);
    if (adapter_json_object(item, "post", 1, where, &post, err, err_len) != 0 ||
        adapter_json_string(post, "uri", 1, post_where, &uri, err, err_len) != 0 ||
        adapter_json_object(item, "reason", 0, where, &reason, err, err_len) != 0)
        return -1;
    if (bluesky_at_uri_split(uri, &parts) != 0)
        return error_set(err, err_len, "%s.uri \"%s\": not an at:// URI", post_where,
                         error_shown(show, sizeof(show), uri));
    place->pinned = reason != NULL && strcmp(type_of(reason), REASON_PIN) == 0;

    if (reason != NULL && strcmp(type_of(reason), REASON_REPOST) == 0) {
        const cJSON *by = cJSON_GetObjectItemCaseSensitive(reason, "by");
        const cJSON *did = cJSON_GetObjectItemCaseSensitive(by, "did");
        const cJSON *repost_uri = cJSON_GetObjectItemCaseSensitive(reason, "uri");
        if (!read_time(reason, "indexedAt", place->created_at, &place->latest_s))
            return error_set(err, err_len, "%s.indexedAt: expected an RFC 3339 time", reason_where);
        place->earliest_s = place->latest_s;
        memcpy(place->earliest, place->created_at, sizeof(place->earliest));
        if (cJSON_IsString(repost_uri) &&
            bluesky_at_uri_split(repost_uri->valuestring, &parts) == 0)
            place->id = strdup(repost_uri->valuestring);
        else if (cJSON_IsString(did) && bluesky_did_valid(did->valuestring))
            place->id = adapter_format("repost:%s:%s", did->valuestring, uri);
        else
            return error_set(err, err_len, "%s.by.did: expected a DID", reason_where);
    } else {
        char created[32], indexed[32];
        long long created_s = 0, indexed_s = 0;
        record = cJSON_GetObjectItemCaseSensitive(post, "record");
        int have_created = read_time(record, "createdAt", created, &created_s);
        int have_indexed = read_time(post, "indexedAt", indexed, &indexed_s);
        if (!have_created && !have_indexed)
            return error_set(err, err_len,
                             "%s: neither record.createdAt nor indexedAt is an RFC 3339 time",
                             post_where);
        if (!have_created) {
            created_s = indexed_s;
            memcpy(created, indexed, sizeof(created));
        }
        if (!have_indexed) {
            indexed_s = created_s;
            memcpy(indexed, created, sizeof(indexed));
        }
        memcpy(place->created_at, created, sizeof(place->created_at));
        int created_first = created_s <= indexed_s;
        place->earliest_s = created_first ? created_s : indexed_s;
        place->latest_s = created_first ? indexed_s : created_s;
        memcpy(place->earliest, created_first ? created : indexed, sizeof(place->earliest));
        place->id = strdup(uri);
    }
    return place->id != NULL ? 0 : error_set(err, err_len, "out of memory");
}

/* ---- a page of the feed ----------------------------------------------------------------- */

/* The time of the stored cursor "<time> <post id>" ("" = never crawled). The id names the item
 * for a reader; the crawl stops by time alone, since a post may sort below that item. */
struct stored_cursor {
    int set;
    long long earliest_s;
};

static int stored_cursor_read(const char *text, struct stored_cursor *cursor, char *err,
                              size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN], time[32], scratch[NETRA_ERR_LEN];
    memset(cursor, 0, sizeof(*cursor));
    if (text == NULL || text[0] == '\0')
        return 0;
    const char *space = strchr(text, ' ');
    size_t time_len = space != NULL ? (size_t)(space - text) : 0;
    if (space == NULL || space[1] == '\0' || time_len >= sizeof(time))
        return error_set(err, err_len, "cursor \"%s\": expected \"<time> <post id>\"",
                         error_shown(show, sizeof(show), text));
    memcpy(time, text, time_len);
    time[time_len] = '\0';
    char normal[32];
    if (post_build_time(time, normal, &cursor->earliest_s, scratch, sizeof(scratch)) != 0)
        return error_set(err, err_len, "cursor \"%s\": expected \"<time> <post id>\"",
                         error_shown(show, sizeof(show), text));
    cursor->set = 1;
    return 0;
}

struct page_scope {
    const struct adapter_context *context;
    struct stored_cursor cursor; /* unset in a rescan */
    int cursor_taken;            /* the first page's newest item became new_cursor */
};

static int page_item(struct page_scope *scope, const cJSON *item, size_t index,
                     struct adapter_result *out, int *stop, char *err, size_t err_len)
{
    char where[ADAPTER_WHERE_LEN], reason[NETRA_ERR_LEN];
    struct item_place place;
    struct post_message *message = NULL;
    int rc = -1;

    adapter_where_index(where, "", "feed", index);
    if (item_place_read(item, where, &place, reason, sizeof(reason)) != 0) {
        rc = adapter_result_skip(out, reason, err, err_len);
        goto cleanup;
    }
    if (!place.pinned) {
        const struct stored_cursor *cursor = &scope->cursor;
        if ((cursor->set && place.latest_s < cursor->earliest_s - SKEW_WINDOW_S) ||
            (scope->context->since_s > 0 && place.latest_s < scope->context->since_s)) {
            *stop = 1;
            rc = 0;
            goto cleanup;
        }
        if (!scope->cursor_taken && scope->context->page == NULL && scope->context->since_s <= 0) {
            scope->cursor_taken = 1;
            out->new_cursor = adapter_format("%s %s", place.earliest, place.id);
            if (out->new_cursor == NULL) {
                error_set(err, err_len, "out of memory");
                goto cleanup;
            }
        }
    }
    if (item_message(item, where, &place, &message, reason, sizeof(reason)) != 0)
        rc = adapter_result_skip(out, reason, err, err_len);
    else
        rc = adapter_result_add(out, message, err, err_len);

cleanup:
    free(place.id);
    return rc;
}

static int parse_page(const struct adapter_context *context, const cJSON *root,
                      struct adapter_result *out, char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    cJSON *feed;
    const cJSON *item;
    const char *next;
    struct page_scope scope = {context, {0, 0}, 0};
    int stop = 0;
    size_t index = 0;

    if (!cJSON_IsObject(root))
        return error_set(err, err_len, "body: expected an object with a feed");
    if (adapter_json_array(root, "feed", 1, "body", &feed, err, err_len) != 0 ||
        adapter_json_string(root, "cursor", 0, "body", &next, err, err_len) != 0)
        return -1;
    if (context->since_s <= 0 &&
        stored_cursor_read(context->cursor, &scope.cursor, err, err_len) != 0)
        return -1;
    cJSON_ArrayForEach(item, feed) {
        if (page_item(&scope, item, index++, out, &stop, err, err_len) != 0)
            return -1;
        if (stop)
            return 0;
    }
    if (index == 0 || next == NULL || next[0] == '\0')
        return 0;
    if (!bluesky_page_token_valid(next))
        return error_set(err, err_len, "body.cursor \"%s\": not a feed cursor",
                         error_shown(show, sizeof(show), next));
    if (context->page != NULL && strcmp(next, context->page) == 0)
        return error_set(err, err_len, "body.cursor repeats the page just fetched");
    out->next_page = strdup(next);
    return out->next_page != NULL ? 0 : error_set(err, err_len, "out of memory");
}

static int parse(const struct adapter_context *context, const struct adapter_response *response,
                 struct adapter_result *out, char *err, size_t err_len)
{
    cJSON *root = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (context == NULL || context->account == NULL || response == NULL) {
        error_set(err, err_len, "no account or no answer to parse");
        goto cleanup;
    }
    const char *did = context->account->native_id;
    int lookup = did == NULL || did[0] == '\0';
    if (response->status < 200 || response->status > 299) {
        rc = bluesky_answer_not_ok(lookup, response, out, err, err_len);
        goto cleanup;
    }
    if (adapter_json_parse(response->body, response->body_len, "body", &root, err, err_len) != 0)
        goto cleanup;
    rc = lookup ? parse_lookup(root, out, err, err_len)
                : parse_page(context, root, out, err, err_len);

cleanup:
    if (rc != 0)
        adapter_result_free(out);
    cJSON_Delete(root);
    return rc;
}

const struct adapter adapter_bluesky = {PLATFORM, build_request, parse, ADAPTER_LISTS_POSTS};
