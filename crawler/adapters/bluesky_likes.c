/* The bluesky-likes adapter: the posts a watched Bluesky account liked. Like records are public
 * data of the account's repository; reading them needs no login.
 *
 * Two requests per batch of likes, both inside the adapter contract:
 *   records  GET {pds}/xrpc/com.atproto.repo.listRecords?repo=<DID>&collection=app.bsky.feed.like
 *            &limit=N (N <= 100)[&cursor=C], newest first. {pds} is settings.pds_url, else
 *            base_url, else https://bsky.social. Its parse returns no messages: its next page
 *            carries the records read and the listRecords cursor to continue with.
 *   posts    GET {base}/xrpc/app.bsky.feed.getPosts?uris=<subject>&uris=... for the first 25 of
 *            those records ({base} as the bluesky adapter). Its parse emits their like messages
 *            and continues with the remaining records, then the next listRecords page, then ends.
 * The page string between them is compact JSON, {"records":[<record>...],"cursor":"C"} or
 * {"cursor":"C"}, opaque to the engine, at most PAGE_STATE_MAX bytes (100 records of at most
 * RECORD_MAX_BYTES each). The DID lookup is the bluesky adapter's.
 *
 * Cursor: the record key of the newest like of the last complete crawl. Record keys are TIDs,
 * which sort as they were made, and listRecords lists them newest first: a crawl stops at the
 * first record at or below the cursor. A rescan (since_s) ignores it and stops at the first like
 * created before since_s. Likes of anything but a post (a feed generator) are left out.
 *
 * Each like becomes one like message: id bluesky:like:<DID>:<post URI>, created_at the like's
 * createdAt, target.id the post URI, target.account / account_id / name its author's handle,
 * DID and displayName, target.text the post's text, url and target.url its bsky.app page, raw
 * {"like":<record>,"post":<post view>}. A post getPosts does not return (deleted, blocked, taken
 * down) still gives its like message, with "post":null, no text, and the author's DID from the
 * post URI. A post view that cannot be read (no author, an author who is not the URI's) counts
 * as skipped, and its like is kept as if the post had not been returned. */
#include "crawler/adapters/adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config/log.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/adapter_platform.h"
#include "crawler/adapters/engagement_build.h"
#include "crawler/adapters/post_build.h"

#define PLATFORM "bluesky"
#define DEFAULT_PDS_URL "https://bsky.social"
#define LIKE_COLLECTION "app.bsky.feed.like"
#define POST_COLLECTION "app.bsky.feed.post"
#define RECORDS_MAX 100
#define POSTS_PER_CALL 25 /* getPosts takes at most 25 uris */
/* A like record is a few hundred bytes; a larger one is skipped, which bounds the page string. */
#define RECORD_MAX_BYTES 2048
#define PAGE_STATE_MAX (RECORDS_MAX * (RECORD_MAX_BYTES + 1) + 2048)
#define TID_LEN 13

/* ---- the page string ---------------------------------------------------------------------- */

struct likes_page {
    cJSON *root;          /* owns what the others point into */
    const cJSON *records; /* NULL: a listRecords page is next */
    const char *cursor;   /* listRecords cursor, or NULL: no more pages after the records */
};

static int page_read(const char *text, struct likes_page *page, char *err, size_t err_len)
{
    cJSON *records;
    size_t length = strlen(text);
    memset(page, 0, sizeof(*page));
    if (length > PAGE_STATE_MAX)
        return error_set(err, err_len, "page: %zu bytes, over the %d a likes page may have",
                         length, PAGE_STATE_MAX);
    if (adapter_json_parse(text, length, "page", &page->root, err, err_len) != 0)
        return -1;
    if (!cJSON_IsObject(page->root) ||
        adapter_json_array(page->root, "records", 0, "page", &records, NULL, 0) != 0 ||
        adapter_json_string(page->root, "cursor", 0, "page", &page->cursor, NULL, 0) != 0 ||
        (records == NULL && page->cursor == NULL) ||
        (records != NULL && (cJSON_GetArraySize(records) == 0 ||
                             cJSON_GetArraySize(records) > RECORDS_MAX)) ||
        (page->cursor != NULL && !bluesky_page_token_valid(page->cursor))) {
        cJSON_Delete(page->root);
        memset(page, 0, sizeof(*page));
        return error_set(err, err_len, "page: not a page of the bluesky-likes adapter");
    }
    page->records = records;
    return 0;
}

/* out->next_page = the page holding records (NULL or empty: none) and cursor (NULL: none), or
 * no page when both are empty. records is printed, not taken. */
static int page_write(const cJSON *records, const char *cursor, struct adapter_result *out,
                      char *err, size_t err_len)
{
    int has_records = records != NULL && cJSON_GetArraySize(records) > 0;
    if (!has_records && cursor == NULL)
        return 0;
    cJSON *page = cJSON_CreateObject();
    int rc = -1;
    if (page == NULL)
        goto cleanup;
    if (has_records && !cJSON_AddItemReferenceToObject(page, "records", (cJSON *)records))
        goto cleanup;
    if (cursor != NULL && cJSON_AddStringToObject(page, "cursor", cursor) == NULL)
        goto cleanup;
    out->next_page = cJSON_PrintUnformatted(page);
    rc = out->next_page != NULL ? 0 : -1;

cleanup:
    cJSON_Delete(page);
    return rc == 0 ? 0 : error_set(err, err_len, "out of memory");
}

/* ---- requests ----------------------------------------------------------------------------- */

static char *records_url(const struct adapter_settings *settings, const char *did,
                         const char *cursor, char *err, size_t err_len)
{
    char *pds = NULL, *repo = NULL, *token = NULL, *url = NULL;
    const char *base = settings != NULL ? settings->base_url : NULL;
    if (adapter_base_url(PLATFORM, settings != NULL ? settings->pds_url : NULL,
                         base != NULL && base[0] != '\0' ? base : DEFAULT_PDS_URL, &pds, err,
                         err_len) != 0)
        goto cleanup;
    repo = adapter_percent_encode(did);
    token = cursor != NULL ? adapter_percent_encode(cursor) : NULL;
    if (repo == NULL || (cursor != NULL && token == NULL))
        goto cleanup;
    url = adapter_format("%s/xrpc/com.atproto.repo.listRecords?repo=%s&collection=" LIKE_COLLECTION
                         "&limit=%d%s%s",
                         pds, repo, adapter_page_size(settings, 1, RECORDS_MAX),
                         token != NULL ? "&cursor=" : "", token != NULL ? token : "");

cleanup:
    if (url == NULL && pds != NULL)
        error_set(err, err_len, "out of memory");
    free(pds);
    free(repo);
    free(token);
    return url;
}

/* The subject URI of a record the page holds; the page was written by page_write from records
 * record_read accepted, but it came back through the engine, so it is read as hostile again. */
static const char *record_subject(const cJSON *record)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(record, "value");
    const cJSON *subject = cJSON_GetObjectItemCaseSensitive(value, "subject");
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(subject, "uri"));
}

static char *posts_url(const struct adapter_settings *settings, const cJSON *records, char *err,
                       size_t err_len)
{
    char *base = NULL, *url = NULL;
    size_t used = 0, capacity = 0;
    int count = 0;
    const cJSON *record;
    if (adapter_base_url(PLATFORM, settings != NULL ? settings->base_url : NULL,
                         BLUESKY_APPVIEW_URL, &base, err, err_len) != 0)
        return NULL;
    url = adapter_format("%s/xrpc/app.bsky.feed.getPosts?", base);
    if (url == NULL)
        goto fail_memory;
    used = strlen(url);
    capacity = used + 1;
    cJSON_ArrayForEach(record, records) {
        if (count == POSTS_PER_CALL)
            break;
        const char *subject = record_subject(record);
        if (subject == NULL || strncmp(subject, "at://", 5) != 0) {
            error_set(err, err_len, "page: records[%d] has no subject URI", count);
            goto fail;
        }
        char *value = adapter_percent_encode(subject);
        if (value == NULL)
            goto fail_memory;
        size_t need = used + strlen(value) + sizeof("&uris=");
        if (need > capacity) {
            capacity = need * 2;
            char *grown = realloc(url, capacity);
            if (grown == NULL) {
                free(value);
                goto fail_memory;
            }
            url = grown;
        }
        used += (size_t)sprintf(url + used, "%suris=%s", count > 0 ? "&" : "", value);
        free(value);
        count++;
    }
    free(base);
    return url;

fail_memory:
    error_set(err, err_len, "out of memory");
fail:
    free(base);
    free(url);
    return NULL;
}

static int build_request(const struct adapter_context *context, struct adapter_request *out,
                         char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    struct likes_page page = {0};
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
    if (context->page != NULL && page_read(context->page, &page, err, err_len) != 0)
        goto cleanup;
    out->url = page.records != NULL
                   ? posts_url(context->settings, page.records, err, err_len)
                   : records_url(context->settings, did, page.cursor, err, err_len);
    if (out->url == NULL)
        goto cleanup;
    if (adapter_request_json_headers(out, PLATFORM, context->settings, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    if (rc != 0)
        adapter_request_free(out);
    cJSON_Delete(page.root);
    return rc;
}

/* ---- a listRecords page ------------------------------------------------------------------- */

/* 1 when record key a is not newer than b: TIDs of the same length sort by time; keys of any
 * other shape are only known to be equal or not. */
static int rkey_at_or_below(const char *a, const char *b)
{
    if (strlen(a) != TID_LEN || strlen(b) != TID_LEN)
        return strcmp(a, b) == 0;
    return strcmp(a, b) <= 0;
}

/* What paging needs of one like record. */
struct record_place {
    int is_post_like; /* 0: a like of something else, left out */
    char rkey[BLUESKY_RKEY_MAX + 1];
    long long created_s;
};

static int record_read(const char *did, const cJSON *record, const char *where,
                       struct record_place *place, char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN], value_where[ADAPTER_WHERE_LEN], subject_where[ADAPTER_WHERE_LEN];
    char created_at[32], reason[NETRA_ERR_LEN];
    struct bluesky_at_uri like, subject;
    const char *uri, *created, *subject_uri;
    cJSON *value, *subject_ref;

    memset(place, 0, sizeof(*place));
    if (!cJSON_IsObject(record))
        return error_set(err, err_len, "%s: expected a record", where);
    adapter_where(value_where, where, ".value");
    adapter_where(subject_where, value_where, ".subject");
    if (adapter_json_string(record, "uri", 1, where, &uri, err, err_len) != 0 ||
        adapter_json_object(record, "value", 1, where, &value, err, err_len) != 0 ||
        adapter_json_object(value, "subject", 1, value_where, &subject_ref, err, err_len) != 0 ||
        adapter_json_string(subject_ref, "uri", 1, subject_where, &subject_uri, err, err_len) !=
            0 ||
        adapter_json_string(value, "createdAt", 1, value_where, &created, err, err_len) != 0)
        return -1;
    if (bluesky_at_uri_split(uri, &like) != 0 || strcmp(like.collection, LIKE_COLLECTION) != 0 ||
        !bluesky_rkey_valid(like.rkey))
        return error_set(err, err_len, "%s.uri \"%s\": not a like record URI", where,
                         error_shown(show, sizeof(show), uri));
    if (bluesky_did_valid(did) && strcmp(like.authority, did) != 0)
        return error_set(err, err_len, "%s.uri \"%s\": a record of another repository", where,
                         error_shown(show, sizeof(show), uri));
    if (bluesky_at_uri_split(subject_uri, &subject) != 0 || !bluesky_rkey_valid(subject.rkey) ||
        !bluesky_did_valid(subject.authority))
        return error_set(err, err_len, "%s.uri \"%s\": not an at:// URI with a DID",
                         subject_where, error_shown(show, sizeof(show), subject_uri));
    if (post_build_time(created, created_at, &place->created_s, reason, sizeof(reason)) != 0)
        return error_set(err, err_len, "%s.createdAt \"%s\": expected an RFC 3339 time",
                         value_where, error_shown(show, sizeof(show), created));
    place->is_post_like = strcmp(subject.collection, POST_COLLECTION) == 0;
    strcpy(place->rkey, like.rkey);
    return 0;
}

/* The size of a record printed compactly, over RECORD_MAX_BYTES or not. */
static int record_fits(const cJSON *record)
{
    char printed[RECORD_MAX_BYTES + 1];
    return cJSON_PrintPreallocated((cJSON *)record, printed, (int)sizeof(printed), 0) != 0;
}

static int parse_records(const struct adapter_context *context, const struct likes_page *page,
                         const cJSON *root, struct adapter_result *out, char *err,
                         size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    cJSON *records, *kept = NULL;
    const cJSON *record;
    const char *next_cursor;
    const char *did = context->account->native_id;
    const char *cursor = context->since_s > 0 || context->cursor == NULL ? "" : context->cursor;
    char newest[BLUESKY_RKEY_MAX + 1] = "";
    size_t index = 0;
    int stop = 0, rc = -1;

    if (!cJSON_IsObject(root))
        return error_set(err, err_len, "body: expected an object with records");
    if (adapter_json_array(root, "records", 1, "body", &records, err, err_len) != 0 ||
        adapter_json_string(root, "cursor", 0, "body", &next_cursor, err, err_len) != 0)
        return -1;
    if (cJSON_GetArraySize(records) > RECORDS_MAX)
        return error_set(err, err_len, "body.records: %d records, over the %d asked for at most",
                         cJSON_GetArraySize(records), RECORDS_MAX);
    if (cursor[0] != '\0' && !bluesky_rkey_valid(cursor))
        return error_set(err, err_len, "cursor \"%s\": not a record key",
                         error_shown(show, sizeof(show), cursor));
    kept = cJSON_CreateArray();
    if (kept == NULL)
        return error_set(err, err_len, "out of memory");
    cJSON_ArrayForEach(record, records) {
        char where[ADAPTER_WHERE_LEN], reason[NETRA_ERR_LEN];
        struct record_place place;
        adapter_where_index(where, "", "records", index++);
        if (record_read(did, record, where, &place, reason, sizeof(reason)) != 0) {
            if (adapter_result_skip(out, reason, err, err_len) != 0)
                goto cleanup;
            continue;
        }
        if ((cursor[0] != '\0' && rkey_at_or_below(place.rkey, cursor)) ||
            (context->since_s > 0 && place.created_s < context->since_s)) {
            stop = 1;
            break;
        }
        if (newest[0] == '\0' || rkey_at_or_below(newest, place.rkey))
            strcpy(newest, place.rkey);
        if (!place.is_post_like)
            continue;
        if (!record_fits(record)) {
            snprintf(reason, sizeof(reason), "%s: over the %d bytes a like record may have",
                     where, RECORD_MAX_BYTES);
            if (adapter_result_skip(out, reason, err, err_len) != 0)
                goto cleanup;
            continue;
        }
        cJSON *copy = cJSON_Duplicate(record, 1);
        if (copy == NULL || !cJSON_AddItemToArray(kept, copy)) {
            cJSON_Delete(copy);
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
    }
    if (context->page == NULL && context->since_s <= 0 && newest[0] != '\0' &&
        (out->new_cursor = strdup(newest)) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (next_cursor != NULL && next_cursor[0] != '\0' && !bluesky_page_token_valid(next_cursor)) {
        error_set(err, err_len, "body.cursor \"%s\": not a cursor",
                  error_shown(show, sizeof(show), next_cursor));
        goto cleanup;
    }
    /* The same cursor again would list the same records forever: this page is the last. */
    if (stop || index == 0 || next_cursor == NULL || next_cursor[0] == '\0' ||
        (page->cursor != NULL && strcmp(page->cursor, next_cursor) == 0))
        next_cursor = NULL;
    rc = page_write(kept, next_cursor, out, err, err_len);

cleanup:
    cJSON_Delete(kept);
    return rc;
}

/* ---- a getPosts answer -------------------------------------------------------------------- */

/* The post view in posts whose uri is uri, or NULL. */
static const cJSON *post_find(const cJSON *posts, const char *uri)
{
    const cJSON *post;
    cJSON_ArrayForEach(post, posts) {
        const char *post_uri = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(post, "uri"));
        if (post_uri != NULL && strcmp(post_uri, uri) == 0)
            return post;
    }
    return NULL;
}

/* The liked post's author and text into message, from its post view. */
static int read_post(const cJSON *post, const char *where, struct post_message *message,
                     const char **who, char *err, size_t err_len)
{
    char author_where[ADAPTER_WHERE_LEN], record_where[ADAPTER_WHERE_LEN];
    cJSON *author, *record;
    const char *did, *name, *text;
    adapter_where(author_where, where, ".author");
    adapter_where(record_where, where, ".record");
    if (adapter_json_object(post, "author", 1, where, &author, err, err_len) != 0 ||
        adapter_json_object(post, "record", 0, where, &record, err, err_len) != 0 ||
        adapter_json_string(author, "did", 1, author_where, &did, err, err_len) != 0 ||
        adapter_json_string(author, "displayName", 0, author_where, &name, err, err_len) != 0 ||
        adapter_json_string(record, "text", 0, record_where, &text, err, err_len) != 0)
        return -1;
    if (!bluesky_did_valid(did) || strcmp(did, message->target.account_id) != 0)
        return error_set(err, err_len, "%s.did: not the author of the post URI", author_where);
    *who = bluesky_profile_name(author);
    if (engagement_set(&message->target.account, *who, author_where, "handle", err, err_len) !=
            0 ||
        engagement_set(&message->target.name, name, author_where, "displayName", err, err_len) !=
            0)
        return -1;
    /* An empty text is still the post's text: a post of only images says nothing. */
    char why[NETRA_ERR_LEN / 2];
    if (text != NULL && post_build_set(&message->target.text, text, why, sizeof(why)) != 0)
        return error_set(err, err_len, "%s.text: %s", record_where, why);
    return 0;
}

/* Forgets what read_post took from a post view it then refused. */
static void forget_post(struct post_message *message)
{
    free(message->target.account);
    free(message->target.name);
    free(message->target.text);
    message->target.account = message->target.name = message->target.text = NULL;
}

/* The like message of record. A post view that cannot be read leaves the message as if getPosts
 * had not returned the post (its bytes stay in raw), and says why in post_problem ("" else). */
static int like_message(const struct adapter_context *context, cJSON *record, const cJSON *posts,
                        const char *where, struct post_message **out, char *post_problem,
                        size_t problem_len, char *err, size_t err_len)
{
    char created_at[32], show[ADAPTER_SHOWN_LEN], post_where[ADAPTER_WHERE_LEN];
    struct bluesky_at_uri subject;
    const char *who = NULL;
    char *page_url = NULL;
    cJSON *raw = NULL;
    struct post_message *message = NULL;
    int rc = -1;

    *out = NULL;
    post_problem[0] = '\0';
    const char *uri = record_subject(record);
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(record, "value");
    const char *created =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(value, "createdAt"));
    if (uri == NULL || bluesky_at_uri_split(uri, &subject) != 0 ||
        !bluesky_did_valid(subject.authority) || created == NULL ||
        post_build_time(created, created_at, NULL, NULL, 0) != 0) {
        error_set(err, err_len, "%s: not a like record with a subject and createdAt", where);
        goto cleanup;
    }
    cJSON *post = (cJSON *)post_find(posts, uri);
    if (engagement_message_new(PLATFORM, POST_KIND_LIKE, context->account->native_id, uri,
                               context->account->handle, &message, err, err_len) != 0 ||
        post_build_set(&message->created_at, created_at, err, err_len) != 0 ||
        post_build_set(&message->target.account_id, subject.authority, err, err_len) != 0)
        goto cleanup;
    if (post != NULL) {
        snprintf(post_where, sizeof(post_where), "post %s",
                 error_shown(show, sizeof(show), uri));
        if (read_post(post, post_where, message, &who, post_problem, problem_len) != 0) {
            forget_post(message);
            who = NULL;
        }
    }
    page_url = bluesky_post_page_url(uri, who);
    if (engagement_set(&message->url, page_url, where, "subject", err, err_len) != 0 ||
        engagement_set(&message->target.url, page_url, where, "subject", err, err_len) != 0)
        goto cleanup;
    raw = cJSON_CreateObject();
    if (raw == NULL || !cJSON_AddItemReferenceToObject(raw, "like", record) ||
        (post != NULL ? !cJSON_AddItemReferenceToObject(raw, "post", post)
                      : cJSON_AddNullToObject(raw, "post") == NULL)) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (adapter_json_set_raw(message, raw, where, err, err_len) != 0)
        goto cleanup;
    *out = message;
    message = NULL;
    rc = 0;

cleanup:
    cJSON_Delete(raw);
    free(page_url);
    post_message_free(message);
    return rc;
}

static int parse_posts(const struct adapter_context *context, const struct likes_page *page,
                       const cJSON *root, struct adapter_result *out, char *err, size_t err_len)
{
    cJSON *posts, *rest = NULL;
    cJSON *record;
    int index = 0, rc = -1;

    if (!cJSON_IsObject(root))
        return error_set(err, err_len, "body: expected an object with posts");
    if (adapter_json_array(root, "posts", 1, "body", &posts, err, err_len) != 0)
        return -1;
    rest = cJSON_CreateArray();
    if (rest == NULL)
        return error_set(err, err_len, "out of memory");
    cJSON_ArrayForEach(record, page->records) {
        char where[ADAPTER_WHERE_LEN], reason[NETRA_ERR_LEN], problem[NETRA_ERR_LEN];
        struct post_message *message;
        if (index++ >= POSTS_PER_CALL) {
            if (!cJSON_AddItemReferenceToArray(rest, record)) {
                error_set(err, err_len, "out of memory");
                goto cleanup;
            }
            continue;
        }
        adapter_where_index(where, "", "likes", (size_t)(index - 1));
        if (like_message(context, record, posts, where, &message, problem, sizeof(problem),
                         reason, sizeof(reason)) != 0) {
            if (adapter_result_skip(out, reason, err, err_len) != 0)
                goto cleanup;
            continue;
        }
        if (adapter_result_add(out, message, err, err_len) != 0 ||
            (problem[0] != '\0' && adapter_result_skip(out, problem, err, err_len) != 0))
            goto cleanup;
    }
    rc = page_write(rest, page->cursor, out, err, err_len);

cleanup:
    cJSON_Delete(rest);
    return rc;
}

static int parse(const struct adapter_context *context, const struct adapter_response *response,
                 struct adapter_result *out, char *err, size_t err_len)
{
    struct likes_page page = {0};
    cJSON *root = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (context == NULL || context->account == NULL || response == NULL)
        return error_set(err, err_len, "no account or no answer to parse");
    const char *did = context->account->native_id;
    if (did == NULL || did[0] == '\0')
        return adapter_bluesky.parse(context, response, out, err, err_len);
    if (context->page != NULL && page_read(context->page, &page, err, err_len) != 0)
        goto cleanup;
    if (response->status < 200 || response->status > 299) {
        rc = bluesky_answer_not_ok(0, response, out, err, err_len);
        goto cleanup;
    }
    if (adapter_json_parse(response->body, response->body_len, "body", &root, err, err_len) != 0)
        goto cleanup;
    rc = page.records != NULL ? parse_posts(context, &page, root, out, err, err_len)
                              : parse_records(context, &page, root, out, err, err_len);

cleanup:
    if (rc != 0)
        adapter_result_free(out);
    cJSON_Delete(root);
    cJSON_Delete(page.root);
    return rc;
}

const struct adapter adapter_bluesky_likes = {"bluesky-likes", build_request, parse,
                                                 ADAPTER_LISTS_LIKES};
