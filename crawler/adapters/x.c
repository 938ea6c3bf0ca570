/* The X adapter: X API v2 with an app-only bearer token (platforms.x.token).
 *
 *   lookup    GET {base}/2/users/by/username/<username> -> data.id. X answers 200 also for a user
 *             that does not exist or is suspended: no data, and an error of type
 *             ".../problems/resource-not-found". That is gone, on a timeline page too.
 *   timeline  GET {base}/2/users/<id>/tweets, newest first, max_results 5..100, with the fields
 *             and expansions read below; further pages through meta.next_token
 *             (pagination_token=<token>, percent-encoded).
 *   cursor    the id of the newest post already queued (ids grow with time). A crawl asks
 *             since_id=<cursor>, so X pages back only to it; the new cursor is the greatest id
 *             on the first page (what X calls meta.newest_id, taken from the posts themselves).
 *             Should X send a post at or below the cursor anyway, it is dropped and the crawl
 *             ends there. A rescan asks start_time=<since_s> instead, ends at the first older
 *             post and leaves the cursor alone.
 *
 * A post's text is note_tweet.text (long posts) or text, with the HTML escapes X puts in text
 * decoded and each t.co link replaced by its expanded_url. A retweet's own text is a truncated
 * "RT @user: ..."; its post carries the original's text from includes.tweets instead. raw is
 * {"data": <the item>, "includes": {<only the objects the post was built from>}}, so the
 * evidence holds the text a retweet was scored on. */
#include "crawler/adapters/adapter.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/log.h"
#include "config/utf8.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/adapter_platform.h"
#include "crawler/adapters/post_build.h"

#define X_PLATFORM "x"
#define X_DEFAULT_BASE_URL X_API_URL
#define X_USERNAME_MAX 15
#define X_ID_MAX_DIGITS 20 /* ids are unsigned 64-bit numbers */
#define X_PAGE_MIN 5
#define X_PAGE_MAX 100
#define X_PAGE_TOKEN_MAX 1024
/* X refuses an older start_time; a rescan reaching further back asks from here. */
#define X_START_TIME_MIN 1289001600LL /* 2010-11-06T00:00:00Z */
#define X_START_TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */
/* A text whose t.co links would make it longer than this keeps them short (they are listed). */
#define X_TEXT_MAX ((size_t)256 * 1024)
/* Media kept per post; X attaches at most 4 photos, or one video or GIF. */
#define X_MEDIA_MAX 16
/* Posts share what a page includes, and each post copies what it uses (an original's text, alt
 * texts, their evidence): the posts of one page may outgrow its body, but not by more than this
 * factor (plus X_COPY_SLACK). */
#define X_COPY_GROWTH 8
#define X_COPY_SLACK ((size_t)8 * 1024 * 1024)
#define WHERE_MAX 96

static const char timeline_query[] =
    "&tweet.fields=created_at,lang,entities,referenced_tweets,attachments,author_id,"
    "conversation_id,note_tweet"
    "&expansions=referenced_tweets.id,referenced_tweets.id.author_id,attachments.media_keys"
    "&media.fields=type,url,preview_image_url,alt_text&user.fields=username";

/* ---- small helpers ------------------------------------------------------------------------- */

static bool is_ascii_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool x_is_username(const char *s)
{
    size_t length = 0;
    for (; s[length] != '\0'; length++)
        if (!is_ascii_alnum(s[length]) && s[length] != '_')
            return false;
    return length >= 1 && length <= X_USERNAME_MAX;
}

bool x_is_id(const char *s)
{
    size_t length = strspn(s, "0123456789");
    return length >= 1 && length <= X_ID_MAX_DIGITS && s[length] == '\0';
}

/* Ids are decimal numbers: the longer one is the larger, once leading zeros are gone. */
static int id_compare(const char *a, const char *b)
{
    while (a[0] == '0' && a[1] != '\0')
        a++;
    while (b[0] == '0' && b[1] != '\0')
        b++;
    size_t a_len = strlen(a), b_len = strlen(b);
    if (a_len != b_len)
        return a_len < b_len ? -1 : 1;
    return strcmp(a, b);
}

/* ---- requests ------------------------------------------------------------------------------ */

/* "&start_time=..." for a rescan, "&since_id=<cursor>" for a crawl that has one, else "". */
static int time_bound(const struct adapter_context *context, char *out, size_t out_len, char *err,
                      size_t err_len)
{
    char shown[ADAPTER_SHOWN_LEN];
    out[0] = '\0';
    if (context->since_s > 0) {
        if (context->since_s > X_START_TIME_MAX)
            return error_set(err, err_len, "rescan since %lld is after the year 9999",
                             context->since_s);
        time_t start = (time_t)(context->since_s < X_START_TIME_MIN ? X_START_TIME_MIN
                                                                     : context->since_s);
        struct tm tm;
        char when[32];
        if (gmtime_r(&start, &tm) == NULL ||
            strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
            return error_set(err, err_len, "rescan since %lld: not a time", context->since_s);
        snprintf(out, out_len, "&start_time=%s", when);
        return 0;
    }
    const char *cursor = context->cursor != NULL ? context->cursor : "";
    if (cursor[0] == '\0')
        return 0;
    if (!x_is_id(cursor))
        return error_set(err, err_len, "cursor \"%s\": expected an X post id (digits)",
                         error_shown(shown, sizeof(shown), cursor));
    snprintf(out, out_len, "&since_id=%s", cursor);
    return 0;
}

static int build_request(const struct adapter_context *context, struct adapter_request *out,
                         char *err, size_t err_len)
{
    const struct adapter_settings *settings = context->settings;
    const struct adapter_account *account = context->account;
    char shown[ADAPTER_SHOWN_LEN];
    char *base = NULL, *page_token = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (adapter_base_url(X_PLATFORM, settings->base_url, X_DEFAULT_BASE_URL, &base, err,
                         err_len) != 0)
        goto cleanup;
    if (settings->token == NULL || settings->token[0] == '\0') {
        error_set(err, err_len, "platforms.x.token is not set: the X API needs a bearer token");
        goto cleanup;
    }
    if (adapter_request_bearer(out, X_PLATFORM, settings->token, err, err_len) != 0)
        goto cleanup;

    const char *native_id = account->native_id != NULL ? account->native_id : "";
    if (native_id[0] == '\0') {
        const char *handle = account->handle != NULL ? account->handle : "";
        if (!x_is_username(handle)) {
            error_set(err, err_len, "handle \"%s\": an X username is 1 to 15 letters, digits or _",
                      error_shown(shown, sizeof(shown), handle));
            goto cleanup;
        }
        out->url = adapter_format("%s/2/users/by/username/%s", base, handle);
        out->is_lookup = 1;
    } else {
        char bound[64];
        if (!x_is_id(native_id)) {
            error_set(err, err_len, "native id \"%s\": expected an X user id (digits)",
                      error_shown(shown, sizeof(shown), native_id));
            goto cleanup;
        }
        if (time_bound(context, bound, sizeof(bound), err, err_len) != 0)
            goto cleanup;
        if (context->page != NULL) {
            page_token = adapter_percent_encode(context->page);
            if (page_token == NULL) {
                error_set(err, err_len, "out of memory");
                goto cleanup;
            }
        }
        out->url = adapter_format("%s/2/users/%s/tweets?max_results=%d%s%s%s%s", base, native_id,
                                  adapter_page_size(settings, X_PAGE_MIN, X_PAGE_MAX), bound,
                                  page_token != NULL ? "&pagination_token=" : "",
                                  page_token != NULL ? page_token : "", timeline_query);
    }
    if (out->url == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    rc = 0;

cleanup:
    free(base);
    free(page_token);
    if (rc != 0)
        adapter_request_free(out);
    return rc;
}

/* ---- errors X answers with a 200 ----------------------------------------------------------- */

/* An answer without data: gone when one of its errors says the user is not there (X reports a
 * suspended user the same way); X's own reason as the error when it names another problem;
 * without errors, an empty page, or an error when data was required (a lookup). */
int x_answer_without_data(const cJSON *root, bool data_required, int *gone, char *err,
                          size_t err_len)
{
    static const char not_found[] = "/resource-not-found";
    char title[ADAPTER_SHOWN_REASON_LEN], detail[ADAPTER_SHOWN_REASON_LEN];
    cJSON *errors, *entry;
    if (adapter_json_array(root, "errors", 0, "", &errors, err, err_len) != 0)
        return -1;
    if (errors == NULL || cJSON_GetArraySize(errors) == 0) {
        if (data_required)
            return error_set(err, err_len, "body: neither data nor errors");
        return 0;
    }
    cJSON_ArrayForEach(entry, errors)
    {
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "type"));
        const char *resource =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "resource_type"));
        size_t type_len = type != NULL ? strlen(type) : 0;
        if (type_len >= sizeof(not_found) - 1 &&
            strcmp(type + type_len - (sizeof(not_found) - 1), not_found) == 0 &&
            (resource == NULL || strcmp(resource, "user") == 0)) {
            *gone = 1;
            return 0;
        }
    }
    entry = cJSON_GetArrayItem(errors, 0);
    const char *first_title =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "title"));
    const char *first_detail =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "detail"));
    return error_set(err, err_len, "X answered with an error: %s: %s",
                     error_shown(title, sizeof(title),
                                   first_title != NULL ? first_title : "(no title)"),
                     error_shown(detail, sizeof(detail), first_detail));
}

static int parse_lookup(const cJSON *root, struct adapter_result *out, char *err, size_t err_len)
{
    char shown[ADAPTER_SHOWN_LEN];
    cJSON *data;
    const char *id;
    if (adapter_json_object(root, "data", 0, "", &data, err, err_len) != 0)
        return -1;
    if (data == NULL)
        return x_answer_without_data(root, true, &out->gone, err, err_len);
    if (adapter_json_string(data, "id", 0, "data", &id, err, err_len) != 0)
        return -1;
    if (id == NULL || !x_is_id(id))
        return error_set(err, err_len, "data.id \"%s\": expected an X user id (digits)",
                         error_shown(shown, sizeof(shown), id));
    out->native_id = strdup(id);
    if (out->native_id == NULL)
        return error_set(err, err_len, "out of memory");
    return 0;
}

/* ---- includes: the objects posts refer to, by id --------------------------------------------- */

struct index_entry {
    const char *key;
    cJSON *object;
    size_t position; /* in its includes array, for error lines */
};

struct index {
    struct index_entry *entries;
    size_t count;
};

struct includes {
    struct index tweets, users, media;
};

static int index_entry_compare(const void *a, const void *b)
{
    return strcmp(((const struct index_entry *)a)->key, ((const struct index_entry *)b)->key);
}

/* Sorted, so a page of many posts and includes costs n log n, not n squared. Entries that are
 * not objects with a string key cannot be referred to and are left out. */
static int index_build(struct index *index, const cJSON *includes, const char *list,
                       const char *key_name, char *err, size_t err_len)
{
    cJSON *array, *object;
    if (adapter_json_array(includes, list, 0, "includes", &array, err, err_len) != 0)
        return -1;
    int size = array != NULL ? cJSON_GetArraySize(array) : 0;
    if (size == 0)
        return 0;
    index->entries = calloc((size_t)size, sizeof(*index->entries));
    if (index->entries == NULL)
        return error_set(err, err_len, "includes.%s: out of memory", list);
    size_t position = 0;
    cJSON_ArrayForEach(object, array)
    {
        const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, key_name));
        if (cJSON_IsObject(object) && key != NULL)
            index->entries[index->count++] = (struct index_entry){key, object, position};
        position++;
    }
    qsort(index->entries, index->count, sizeof(*index->entries), index_entry_compare);
    return 0;
}

static const struct index_entry *index_find(const struct index *index, const char *key)
{
    if (key == NULL || index->count == 0)
        return NULL;
    struct index_entry wanted = {key, NULL, 0};
    return bsearch(&wanted, index->entries, index->count, sizeof(*index->entries),
                   index_entry_compare);
}

static void includes_free(struct includes *includes)
{
    free(includes->tweets.entries);
    free(includes->users.entries);
    free(includes->media.entries);
}

static int includes_build(const cJSON *root, struct includes *includes, char *err, size_t err_len)
{
    cJSON *object;
    memset(includes, 0, sizeof(*includes));
    if (adapter_json_object(root, "includes", 0, "", &object, err, err_len) != 0)
        return -1;
    if (object == NULL)
        return 0;
    if (index_build(&includes->tweets, object, "tweets", "id", err, err_len) != 0 ||
        index_build(&includes->users, object, "users", "id", err, err_len) != 0 ||
        index_build(&includes->media, object, "media", "media_key", err, err_len) != 0)
        return -1;
    return 0;
}

/* ---- one post -------------------------------------------------------------------------------- */

/* Everything one post is built from, for its raw evidence: cJSON arrays of references (NULL
 * until used) to the included objects it read. */
struct used_includes {
    cJSON *tweets, *users, *media;
};

/* Adds a reference to object unless the array holds one: 1 when it was new, 0 when it was
 * there, -1 on error. Each object is so in the evidence once, which keeps raw no larger than the
 * body however often a post names it. */
static int remember(cJSON **array, cJSON *object, char *err, size_t err_len)
{
    cJSON *seen;
    if (*array == NULL && (*array = cJSON_CreateArray()) == NULL)
        return error_set(err, err_len, "out of memory");
    /* A reference shares its object's children, so the same object is the same child list. */
    cJSON_ArrayForEach(seen, *array)
    {
        if (seen->child == object->child)
            return 0;
    }
    if (!cJSON_AddItemReferenceToArray(*array, object))
        return error_set(err, err_len, "out of memory");
    return 1;
}

static void used_includes_free(struct used_includes *used)
{
    cJSON_Delete(used->tweets);
    cJSON_Delete(used->users);
    cJSON_Delete(used->media);
}

struct page {
    const struct adapter_context *context;
    struct includes includes;
    struct used_includes used; /* of the post being built */
};

static int set_field(char **slot, const char *value, const char *where, const char *field,
                     char *err, size_t err_len)
{
    char why[NETRA_ERR_LEN / 2];
    if (post_build_set(slot, value, why, sizeof(why)) != 0)
        return error_set(err, err_len, "%s.%s: %s", where, field, why);
    return 0;
}

/* The HTML escapes X writes in post text. The text is otherwise plain, line breaks and all, so it
 * is not run through an HTML parser; the quote escapes of common HTML escapers are decoded too. */
static const struct {
    const char *escape;
    char plain;
} text_escapes[] = {
    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''},
};

/* One left-to-right pass, so "&amp;lt;" is "&lt;", as written. */
char *x_unescape_text(const char *text)
{
    char *out = malloc(strlen(text) + 1);
    if (out == NULL)
        return NULL;
    size_t used = 0;
    while (*text != '\0') {
        bool decoded = false;
        for (size_t i = 0; *text == '&' && i < sizeof(text_escapes) / sizeof(text_escapes[0]);
             i++) {
            size_t length = strlen(text_escapes[i].escape);
            if (strncmp(text, text_escapes[i].escape, length) == 0) {
                out[used++] = text_escapes[i].plain;
                text += length;
                decoded = true;
                break;
            }
        }
        if (!decoded)
            out[used++] = *text++;
    }
    out[used] = '\0';
    return out;
}

/* A t.co address of the text and what it stands for. */
struct link_swap {
    const char *short_url; /* "https://t.co/AbC123xyz9" */
    const char *expanded;
};

static int link_swap_compare(const void *a, const void *b)
{
    return strcmp(((const struct link_swap *)a)->short_url,
                  ((const struct link_swap *)b)->short_url);
}

/* Length of the t.co address at s ("http(s)://t.co/" and letters and digits), or 0. */
static size_t short_link_at(const char *s)
{
    static const char https[] = "https://t.co/", http[] = "http://t.co/";
    size_t prefix = strncmp(s, https, sizeof(https) - 1) == 0  ? sizeof(https) - 1
                    : strncmp(s, http, sizeof(http) - 1) == 0 ? sizeof(http) - 1
                                                               : 0;
    if (prefix == 0)
        return 0;
    size_t length = prefix;
    while (is_ascii_alnum(s[length]))
        length++;
    return length > prefix ? length : 0;
}

static const struct link_swap *swap_find(const struct link_swap *swaps, size_t count,
                                         const char *link, size_t length)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        const char *candidate = swaps[mid].short_url;
        int order = strncmp(link, candidate, length);
        if (order == 0 && candidate[length] != '\0')
            order = -1; /* link is a prefix of candidate: it sorts first */
        if (order == 0)
            return &swaps[mid];
        if (order < 0)
            high = mid;
        else
            low = mid + 1;
    }
    return NULL;
}

/* text with every t.co address that swaps (sorted) names replaced, written into out when out is
 * not NULL; returns the length. One pass, whatever the number of links. */
static size_t expand_into(char *out, const char *text, const struct link_swap *swaps,
                          size_t count)
{
    size_t used = 0;
    while (*text != '\0') {
        size_t length = *text == 'h' ? short_link_at(text) : 0;
        const struct link_swap *swap = length > 0 ? swap_find(swaps, count, text, length) : NULL;
        const char *piece = swap != NULL ? swap->expanded : text;
        size_t piece_len = swap != NULL ? strlen(swap->expanded) : length > 0 ? length : 1;
        if (out != NULL)
            memcpy(out + used, piece, piece_len);
        used += piece_len;
        text += length > 0 ? length : 1;
    }
    return used;
}

/* Puts each expanded address in place of its t.co one. X's entity offsets are not used: they
 * count code points of a text whose escapes are not yet decoded, and are known to be off at
 * times; the t.co address itself is exact. A text that would grow past X_TEXT_MAX keeps its
 * short links (the expanded ones are listed anyway). */
static int expand_links(char **text, struct link_swap *swaps, size_t count, char *err,
                        size_t err_len)
{
    if (count == 0)
        return 0;
    qsort(swaps, count, sizeof(*swaps), link_swap_compare);
    size_t length = expand_into(NULL, *text, swaps, count);
    if (length > X_TEXT_MAX && length > strlen(*text))
        return 0;
    char *out = malloc(length + 1);
    if (out == NULL)
        return error_set(err, err_len, "out of memory");
    expand_into(out, *text, swaps, count);
    out[length] = '\0';
    free(*text);
    *text = out;
    return 0;
}

/* Adds the string member `name` of each object in entities.<list> to strings. A list is read up
 * to POST_MESSAGE_MAX_LIST entries: a post keeps no more, and reading on would only cost time. */
static int add_entity_strings(const cJSON *entities, const char *list, const char *name,
                              struct post_strings *strings, const char *where, char *err,
                              size_t err_len)
{
    char here[WHERE_MAX * 3];
    cJSON *array, *entity;
    const char *value;
    snprintf(here, sizeof(here), "%s.entities", where);
    if (adapter_json_array(entities, list, 0, here, &array, err, err_len) != 0)
        return -1;
    size_t i = 0;
    cJSON_ArrayForEach(entity, array)
    {
        if (i == POST_MESSAGE_MAX_LIST)
            break;
        snprintf(here, sizeof(here), "%s.entities.%s[%zu]", where, list, i++);
        if (!cJSON_IsObject(entity))
            return error_set(err, err_len, "%s: expected an object", here);
        if (adapter_json_string(entity, name, 0, here, &value, err, err_len) != 0)
            return -1;
        if (value == NULL)
            continue;
        char why[NETRA_ERR_LEN / 2];
        if (post_build_add_string(strings, value, why, sizeof(why)) != 0)
            return error_set(err, err_len, "%s.%s: %s", here, name, why);
    }
    return 0;
}

/* Lists each entities.urls[] link (its expanded_url, else url; http and https only) and puts the
 * expanded address in place of the t.co one in text. Read up to POST_MESSAGE_MAX_LIST entries. */
static int add_links(struct post_message *message, const cJSON *entities, char **text,
                     const char *where, char *err, size_t err_len)
{
    char here[WHERE_MAX * 3];
    cJSON *urls, *entity;
    const char *short_url, *expanded;
    struct link_swap *swaps = NULL;
    size_t swap_count = 0;
    int rc = -1;

    snprintf(here, sizeof(here), "%s.entities", where);
    if (adapter_json_array(entities, "urls", 0, here, &urls, err, err_len) != 0)
        goto cleanup;
    int size = urls != NULL ? cJSON_GetArraySize(urls) : 0;
    if (size > POST_MESSAGE_MAX_LIST)
        size = POST_MESSAGE_MAX_LIST;
    if (size > 0 && (swaps = calloc((size_t)size, sizeof(*swaps))) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    size_t i = 0;
    cJSON_ArrayForEach(entity, urls)
    {
        if (i == (size_t)size)
            break;
        snprintf(here, sizeof(here), "%s.entities.urls[%zu]", where, i++);
        if (!cJSON_IsObject(entity)) {
            error_set(err, err_len, "%s: expected an object", here);
            goto cleanup;
        }
        if (adapter_json_string(entity, "url", 0, here, &short_url, err, err_len) != 0 ||
            adapter_json_string(entity, "expanded_url", 0, here, &expanded, err, err_len) != 0)
            goto cleanup;
        const char *link = expanded != NULL ? expanded : short_url;
        if (link == NULL || !adapter_http_url(link))
            continue;
        char why[NETRA_ERR_LEN / 2];
        if (post_build_add_string(&message->links, link, why, sizeof(why)) != 0) {
            error_set(err, err_len, "%s.%s: %s", here, expanded != NULL ? "expanded_url" : "url",
                      why);
            goto cleanup;
        }
        if (expanded != NULL && short_url != NULL && short_link_at(short_url) == strlen(short_url))
            swaps[swap_count++] = (struct link_swap){short_url, link};
    }
    rc = expand_links(text, swaps, swap_count, err, err_len);

cleanup:
    free(swaps);
    return rc;
}

/* The text of a post object as a reader sees it, and its hashtags, mentions and links into
 * message. A long post's full text and entities are in note_tweet; text holds its first 280
 * characters. */
static int read_text(struct post_message *message, const cJSON *tweet, const char *where,
                     char **text_out, char *err, size_t err_len)
{
    char note_where[WHERE_MAX * 2];
    cJSON *note, *entities;
    const char *text;
    char *plain = NULL;
    int rc = -1;

    *text_out = NULL;
    if (adapter_json_object(tweet, "note_tweet", 0, where, &note, err, err_len) != 0)
        goto cleanup;
    const cJSON *source = tweet;
    const char *source_where = where;
    if (note != NULL) {
        snprintf(note_where, sizeof(note_where), "%s.note_tweet", where);
        if (adapter_json_string(note, "text", 0, note_where, &text, err, err_len) != 0)
            goto cleanup;
        if (text != NULL) {
            source = note;
            source_where = note_where;
        }
    }
    if (adapter_json_string(source, "text", 0, source_where, &text, err, err_len) != 0)
        goto cleanup;
    if (text == NULL) {
        error_set(err, err_len, "%s.text: missing", source_where);
        goto cleanup;
    }
    size_t bad;
    if (!utf8_valid(text, strlen(text), &bad)) {
        error_set(err, err_len, "%s.text: invalid UTF-8 at byte %zu", source_where, bad);
        goto cleanup;
    }
    plain = x_unescape_text(text);
    if (plain == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (adapter_json_object(source, "entities", 0, source_where, &entities, err, err_len) != 0)
        goto cleanup;
    if (entities != NULL &&
        (add_entity_strings(entities, "hashtags", "tag", &message->hashtags, source_where, err,
                            err_len) != 0 ||
         add_entity_strings(entities, "mentions", "username", &message->mentions, source_where,
                            err, err_len) != 0 ||
         add_links(message, entities, &plain, source_where, err, err_len) != 0))
        goto cleanup;
    *text_out = plain;
    plain = NULL;
    rc = 0;

cleanup:
    free(plain);
    return rc;
}

static const char *media_type(const char *x_type)
{
    if (x_type == NULL)
        return "unknown";
    if (strcmp(x_type, "photo") == 0)
        return "image";
    if (strcmp(x_type, "video") == 0)
        return "video";
    if (strcmp(x_type, "animated_gif") == 0)
        return "gifv";
    return "unknown";
}

/* attachments.media_keys of a post object, through includes.media, up to X_MEDIA_MAX. A key X
 * left out of the includes (withheld, or a retweet's media it does not expand) is no media, not
 * an error. */
static int add_media(struct page *page, struct post_message *message, const cJSON *tweet,
                     const char *where, char *err, size_t err_len)
{
    char here[WHERE_MAX * 3];
    cJSON *attachments, *keys, *key;
    const char *type, *url, *preview, *alt;
    if (adapter_json_object(tweet, "attachments", 0, where, &attachments, err, err_len) != 0)
        return -1;
    if (attachments == NULL)
        return 0;
    snprintf(here, sizeof(here), "%s.attachments", where);
    if (adapter_json_array(attachments, "media_keys", 0, here, &keys, err, err_len) != 0)
        return -1;
    size_t i = 0;
    cJSON_ArrayForEach(key, keys)
    {
        if (message->media_count == X_MEDIA_MAX)
            break;
        if (!cJSON_IsString(key))
            return error_set(err, err_len, "%s.attachments.media_keys[%zu]: expected a string",
                             where, i);
        i++;
        const struct index_entry *entry = index_find(&page->includes.media, key->valuestring);
        if (entry == NULL)
            continue;
        /* A key named twice is one medium (and one copy of its alt text). */
        int fresh = remember(&page->used.media, entry->object, err, err_len);
        if (fresh <= 0) {
            if (fresh < 0)
                return -1;
            continue;
        }
        snprintf(here, sizeof(here), "includes.media[%zu]", entry->position);
        if (adapter_json_string(entry->object, "type", 0, here, &type, err, err_len) != 0 ||
            adapter_json_string(entry->object, "url", 0, here, &url, err, err_len) != 0 ||
            adapter_json_string(entry->object, "preview_image_url", 0, here, &preview, err,
                                err_len) != 0 ||
            adapter_json_string(entry->object, "alt_text", 0, here, &alt, err, err_len) != 0)
            return -1;
        /* A photo has its url; a video or GIF only the still X shows before it plays. */
        const char *address = url != NULL ? url : preview;
        char why[NETRA_ERR_LEN / 2];
        if (post_build_add_media(message, media_type(type), address, alt, why, sizeof(why)) != 0)
            return error_set(err, err_len, "%s: %s", here, why);
    }
    return 0;
}

/* The username of a post object's author_id from includes.users, or NULL when X did not include
 * it. A username that is not one is an error: it goes into a URL. */
static int author_of(struct page *page, const cJSON *tweet, const char *where,
                     const char **username, char *err, size_t err_len)
{
    char here[WHERE_MAX];
    const char *author_id, *name;
    *username = NULL;
    if (adapter_json_string(tweet, "author_id", 0, where, &author_id, err, err_len) != 0)
        return -1;
    const struct index_entry *entry = index_find(&page->includes.users, author_id);
    if (entry == NULL)
        return 0;
    snprintf(here, sizeof(here), "includes.users[%zu]", entry->position);
    if (adapter_json_string(entry->object, "username", 0, here, &name, err, err_len) != 0)
        return -1;
    if (name == NULL)
        return 0;
    if (!x_is_username(name))
        return error_set(err, err_len, "%s.username: expected an X username", here);
    *username = name;
    return remember(&page->used.users, entry->object, err, err_len) < 0 ? -1 : 0;
}

static char *post_url(const char *username, const char *id)
{
    if (username == NULL)
        return adapter_format("https://x.com/i/status/%s", id);
    return adapter_format("https://x.com/%s/status/%s", username, id);
}

/* The post a retweet repeats or a quote quotes, into repost_of. For a retweet it also gives the
 * post its text, tags, links and media: the retweet's own are a truncated copy. */
static int read_referenced(struct page *page, struct post_message *message, const char *ref_id,
                           bool is_retweet, const char *where, char **text, char *err,
                           size_t err_len)
{
    char here[WHERE_MAX * 3];
    const char *author = NULL;
    char *ref_text = NULL;
    int rc = -1;

    const struct index_entry *entry = index_find(&page->includes.tweets, ref_id);
    if (entry != NULL) {
        snprintf(here, sizeof(here), "%s: includes.tweets[%zu]", where, entry->position);
        struct post_message *scratch = post_message_new();
        if (scratch == NULL) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
        /* A quote's tags and links are the quoting post's own; the quoted text is context. */
        struct post_message *target = is_retweet ? message : scratch;
        int read = read_text(target, entry->object, here, &ref_text, err, err_len);
        if (read == 0 && is_retweet)
            read = add_media(page, message, entry->object, here, err, err_len);
        post_message_free(scratch);
        if (read != 0 || author_of(page, entry->object, here, &author, err, err_len) != 0 ||
            remember(&page->used.tweets, entry->object, err, err_len) < 0)
            goto cleanup;
    }
    char *url = post_url(author, ref_id);
    if (url == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    message->repost_of.url = url;
    if ((author != NULL && set_field(&message->repost_of.author, author, where,
                                     "repost_of.author", err, err_len) != 0) ||
        (ref_text != NULL && set_field(&message->repost_of.text, ref_text, where,
                                       "repost_of.text", err, err_len) != 0))
        goto cleanup;
    if (is_retweet && ref_text != NULL) {
        free(*text);
        *text = ref_text;
        ref_text = NULL;
    }
    rc = 0;

cleanup:
    free(ref_text);
    return rc;
}

struct reference {
    const char *retweeted, *quoted, *replied_to; /* ids, NULL when none */
};

static int read_references(const cJSON *tweet, const char *where, struct reference *ref,
                           char *err, size_t err_len)
{
    char here[WHERE_MAX * 3];
    cJSON *list, *entry;
    const char *type, *id;
    memset(ref, 0, sizeof(*ref));
    if (adapter_json_array(tweet, "referenced_tweets", 0, where, &list, err, err_len) != 0)
        return -1;
    size_t i = 0;
    cJSON_ArrayForEach(entry, list)
    {
        snprintf(here, sizeof(here), "%s.referenced_tweets[%zu]", where, i++);
        if (!cJSON_IsObject(entry))
            return error_set(err, err_len, "%s: expected an object", here);
        if (adapter_json_string(entry, "type", 0, here, &type, err, err_len) != 0 ||
            adapter_json_string(entry, "id", 0, here, &id, err, err_len) != 0)
            return -1;
        if (id == NULL || !x_is_id(id))
            return error_set(err, err_len, "%s.id: expected an X post id (digits)", here);
        const char *kind = type != NULL ? type : "";
        if (strcmp(kind, "retweeted") == 0)
            ref->retweeted = id;
        else if (strcmp(kind, "quoted") == 0)
            ref->quoted = id;
        else if (strcmp(kind, "replied_to") == 0)
            ref->replied_to = id;
    }
    return 0;
}

/* raw: the item and the included objects its post was built from, as one compact JSON object. */
static int set_raw(struct page *page, struct post_message *message, cJSON *item, char *err,
                   size_t err_len)
{
    cJSON *wrapper = cJSON_CreateObject();
    cJSON *includes = NULL;
    char *printed = NULL;
    int rc = -1;
    if (wrapper == NULL || !cJSON_AddItemReferenceToObject(wrapper, "data", item))
        goto cleanup;
    if (page->used.tweets != NULL || page->used.users != NULL || page->used.media != NULL) {
        includes = cJSON_AddObjectToObject(wrapper, "includes");
        if (includes == NULL)
            goto cleanup;
        cJSON **lists[] = {&page->used.tweets, &page->used.users, &page->used.media};
        const char *names[] = {"tweets", "users", "media"};
        for (size_t i = 0; i < 3; i++) {
            if (*lists[i] == NULL)
                continue;
            if (!cJSON_AddItemToObject(includes, names[i], *lists[i]))
                goto cleanup;
            *lists[i] = NULL; /* the wrapper owns it now */
        }
    }
    printed = cJSON_PrintUnformatted(wrapper);
    if (printed == NULL || post_message_set_raw(message, printed, strlen(printed)) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    if (rc != 0)
        error_set(err, err_len, "out of memory");
    free(printed);
    cJSON_Delete(wrapper);
    return rc;
}

/* One post of data[] into *out, and its id and Unix time. */
static int read_post(struct page *page, cJSON *item, const char *where,
                     struct post_message **out, long long *created_s, char *err, size_t err_len)
{
    struct post_message *message = post_message_new();
    const struct adapter_account *account = page->context->account;
    const char *id, *created, *lang;
    const char *author = NULL;
    char *text = NULL, *url = NULL;
    char created_at[32];
    int rc = -1;

    memset(&page->used, 0, sizeof(page->used));
    *out = NULL;
    if (message == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (adapter_json_string(item, "id", 0, where, &id, err, err_len) != 0)
        goto cleanup;
    if (id == NULL || !x_is_id(id)) {
        error_set(err, err_len, "%s.id: expected an X post id (digits)", where);
        goto cleanup;
    }
    if (adapter_json_string(item, "created_at", 0, where, &created, err, err_len) != 0)
        goto cleanup;
    if (created == NULL || post_build_time(created, created_at, created_s, NULL, 0) != 0) {
        error_set(err, err_len, "%s.created_at: expected an RFC 3339 time", where);
        goto cleanup;
    }
    if (adapter_json_string(item, "lang", 0, where, &lang, err, err_len) != 0)
        goto cleanup;

    struct reference ref;
    if (read_references(item, where, &ref, err, err_len) != 0)
        goto cleanup;
    /* A retweet's own text and entities are a truncated copy of the original's (cut, at times,
     * inside a character): with the original at hand they are not read. */
    bool has_original =
        ref.retweeted != NULL && index_find(&page->includes.tweets, ref.retweeted) != NULL;
    if (!has_original && read_text(message, item, where, &text, err, err_len) != 0)
        goto cleanup;
    if (ref.retweeted != NULL) {
        message->kind = POST_KIND_REPOST;
        if (read_referenced(page, message, ref.retweeted, true, where, &text, err, err_len) != 0)
            goto cleanup;
    } else {
        message->kind = ref.quoted != NULL       ? POST_KIND_QUOTE
                        : ref.replied_to != NULL ? POST_KIND_REPLY
                                                 : POST_KIND_POST;
        if ((ref.quoted != NULL &&
             read_referenced(page, message, ref.quoted, false, where, &text, err, err_len) != 0) ||
            add_media(page, message, item, where, err, err_len) != 0)
            goto cleanup;
    }
    if (author_of(page, item, where, &author, err, err_len) != 0)
        goto cleanup;
    if (author == NULL)
        author = account->handle;
    url = post_url(author, id);
    if (url == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    char why[NETRA_ERR_LEN / 2];
    if (post_build_set_id(message, X_PLATFORM, id, why, sizeof(why)) != 0) {
        error_set(err, err_len, "%s.id: %s", where, why);
        goto cleanup;
    }
    if (set_field(&message->author, author, where, "author", err, err_len) != 0 ||
        set_field(&message->url, url, where, "url", err, err_len) != 0 ||
        set_field(&message->created_at, created_at, where, "created_at", err, err_len) != 0 ||
        set_field(&message->text, text, where, "text", err, err_len) != 0 ||
        (lang != NULL && set_field(&message->lang, lang, where, "lang", err, err_len) != 0) ||
        set_raw(page, message, item, err, err_len) != 0)
        goto cleanup;
    *out = message;
    message = NULL;
    rc = 0;

cleanup:
    used_includes_free(&page->used);
    memset(&page->used, 0, sizeof(page->used));
    post_message_free(message);
    free(text);
    free(url);
    return rc;
}

/* ---- a page of the timeline ------------------------------------------------------------------ */

/* meta.next_token, the continuation, into out->next_page; none when the crawl is complete. */
int x_read_next_token(const cJSON *root, const struct adapter_context *context,
                      struct adapter_result *out, char *err, size_t err_len)
{
    cJSON *meta;
    const char *value;
    if (adapter_json_object(root, "meta", 0, "", &meta, err, err_len) != 0)
        return -1;
    if (meta == NULL)
        return 0;
    if (adapter_json_string(meta, "next_token", 0, "meta", &value, err, err_len) != 0)
        return -1;
    if (value == NULL || value[0] == '\0')
        return 0;
    size_t length = strlen(value);
    if (length > X_PAGE_TOKEN_MAX)
        return error_set(err, err_len, "meta.next_token: %zu bytes, over the limit of %d", length,
                         X_PAGE_TOKEN_MAX);
    if (!utf8_valid(value, length, NULL))
        return error_set(err, err_len, "meta.next_token: invalid UTF-8");
    /* The same token again would fetch the same page forever: this page is the last. */
    if (context->page != NULL && strcmp(context->page, value) == 0)
        return 0;
    out->next_page = strdup(value);
    if (out->next_page == NULL)
        return error_set(err, err_len, "out of memory");
    return 0;
}

/* The bytes a post holds that may come from a page's includes. */
static size_t post_size(const struct post_message *message)
{
    size_t size = message->raw_len + strlen(message->text);
    if (message->repost_of.text != NULL)
        size += strlen(message->repost_of.text);
    for (size_t i = 0; i < message->media_count; i++)
        size += strlen(message->media[i].url) +
                (message->media[i].alt != NULL ? strlen(message->media[i].alt) : 0);
    return size;
}

static int parse_timeline(const cJSON *root, size_t body_len,
                          const struct adapter_context *context, struct adapter_result *out,
                          char *err, size_t err_len)
{
    struct page page = {.context = context};
    char shown[ADAPTER_SHOWN_LEN];
    cJSON *data, *item;
    const char *newest = NULL;
    size_t copied = 0, copy_budget = X_COPY_GROWTH * body_len + X_COPY_SLACK;
    bool reached_end = false;
    bool crawl = context->since_s <= 0;
    const char *cursor = crawl && context->cursor != NULL ? context->cursor : "";
    int rc = -1;

    if (cursor[0] != '\0' && !x_is_id(cursor)) {
        error_set(err, err_len, "cursor \"%s\": expected an X post id (digits)",
                  error_shown(shown, sizeof(shown), cursor));
        goto cleanup;
    }
    if (adapter_json_array(root, "data", 0, "", &data, err, err_len) != 0)
        goto cleanup;
    if (data == NULL) {
        rc = x_answer_without_data(root, false, &out->gone, err, err_len);
        if (rc == 0 && out->gone == 0)
            rc = x_read_next_token(root, context, out, err, err_len);
        goto cleanup;
    }
    if (includes_build(root, &page.includes, err, err_len) != 0)
        goto cleanup;
    size_t i = 0;
    cJSON_ArrayForEach(item, data)
    {
        char where[WHERE_MAX], why[NETRA_ERR_LEN];
        struct post_message *message = NULL;
        long long created_s = 0;
        snprintf(where, sizeof(where), "data[%zu]", i++);
        if (!cJSON_IsObject(item)) {
            snprintf(why, sizeof(why), "%s: expected an object", where);
            if (adapter_result_skip(out, why, err, err_len) != 0)
                goto cleanup;
            continue;
        }
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "id"));
        if (cursor[0] != '\0' && id != NULL && x_is_id(id) && id_compare(id, cursor) <= 0) {
            reached_end = true; /* already queued by an earlier crawl */
            continue;
        }
        if (read_post(&page, item, where, &message, &created_s, why, sizeof(why)) != 0) {
            if (adapter_result_skip(out, why, err, err_len) != 0)
                goto cleanup;
            continue;
        }
        if (!crawl && created_s < context->since_s) {
            reached_end = true; /* older than the rescan asked for */
            post_message_free(message);
            continue;
        }
        copied += post_size(message);
        if (adapter_result_add(out, message, err, err_len) != 0)
            goto cleanup;
        if (newest == NULL || id_compare(id, newest) > 0)
            newest = id;
        if (copied > copy_budget) {
            error_set(err, err_len,
                      "body: its posts repeat what it includes into over %zu bytes (%d times "
                      "the body)",
                      copy_budget, X_COPY_GROWTH);
            goto cleanup;
        }
    }
    if (crawl && context->page == NULL && newest != NULL &&
        (out->new_cursor = strdup(newest)) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (!reached_end && x_read_next_token(root, context, out, err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    includes_free(&page.includes);
    return rc;
}

int x_answer_not_ok(const struct adapter_response *response, char *err, size_t err_len)
{
    char title[ADAPTER_SHOWN_REASON_LEN], detail[ADAPTER_SHOWN_REASON_LEN];
    char reason[ADAPTER_SHOWN_LEN], scratch[NETRA_ERR_LEN];
    cJSON *root = NULL;
    const char *title_text = NULL, *detail_text = NULL, *reason_text = NULL;
    if (adapter_json_parse(response->body, response->body_len, "body", &root, scratch,
                           sizeof(scratch)) == 0 &&
        cJSON_IsObject(root)) {
        title_text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "title"));
        detail_text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "detail"));
        reason_text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "reason"));
    }
    error_set(err, err_len, "HTTP %ld%s%s%s%s%s%s%s", response->status,
              title_text != NULL ? ": " : "",
              title_text != NULL ? error_shown(title, sizeof(title), title_text) : "",
              detail_text != NULL ? ": " : "",
              detail_text != NULL ? error_shown(detail, sizeof(detail), detail_text) : "",
              reason_text != NULL ? " (" : "",
              reason_text != NULL ? error_shown(reason, sizeof(reason), reason_text) : "",
              reason_text != NULL ? ")" : "");
    cJSON_Delete(root);
    return -1;
}

static int parse(const struct adapter_context *context, const struct adapter_response *response,
                 struct adapter_result *out, char *err, size_t err_len)
{
    cJSON *root;
    memset(out, 0, sizeof(*out));
    /* X answers an expired token or a missing access level with 401/403 and a problem object
     * without "data": read as a page it would look like an empty last page. */
    if (response->status < 200 || response->status > 299)
        return x_answer_not_ok(response, err, err_len);
    if (adapter_json_parse(response->body, response->body_len, "body", &root, err, err_len) != 0)
        return -1;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return error_set(err, err_len, "body: expected a JSON object");
    }
    const char *native_id = context->account->native_id;
    int rc = native_id == NULL || native_id[0] == '\0'
                 ? parse_lookup(root, out, err, err_len)
                 : parse_timeline(root, response->body_len, context, out, err, err_len);
    cJSON_Delete(root);
    if (rc != 0)
        adapter_result_free(out);
    return rc;
}

const struct adapter adapter_x = {X_PLATFORM, build_request, parse, ADAPTER_LISTS_POSTS};
