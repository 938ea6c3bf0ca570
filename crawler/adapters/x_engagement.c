/* The x-following and x-liked adapters: whom a watched X account follows, and the posts it liked,
 * through X API v2 with the app's bearer token (platforms.x.token), which needs an access level
 * that includes these endpoints. The user id lookup is the x adapter's own.
 *
 *   following  GET {base}/2/users/<id>/following?max_results=N (N <= 1000)
 *              &user.fields=description,url[&pagination_token=T]
 *   liked      GET {base}/2/users/<id>/liked_tweets?max_results=N (10..100)&expansions=author_id
 *              &tweet.fields=created_at,author_id,lang&user.fields=username,name
 *              [&pagination_token=T]
 * Both page through meta.next_token until an answer has none. An answer that is not 2xx is an
 * error with X's own title, detail and reason (a 403 "client-not-enrolled" says the access level
 * does not include the endpoint); a 200 whose errors say the user is not there is gone.
 *
 * A user object becomes a follow message: target.id and account_id its id, target.account its
 * username, target.name its name, target.text its description, url and target.url
 * https://x.com/<username>, raw the user object. No cursor.
 *
 * A post object becomes a like message: target.id its id, target.text its text (X's HTML escapes
 * decoded), target.account / account_id / name its author from includes.users, url and
 * target.url https://x.com/<username>/status/<id>, raw {"data":<post>,"includes":{"users":
 * [<author>]}}. X does not say when a like happened: created_at stays absent. Liked posts come
 * most recently liked first, but their ids are not in that order, so the cursor is the id of the
 * first liked post of the last complete crawl and a crawl stops when it meets that id (an unliked
 * cursor post makes the crawl read to the end, bounded by the engine's page limit). A rescan
 * reads to the end. */
#include "crawler/adapters/adapter.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config/log.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/adapter_platform.h"
#include "crawler/adapters/engagement_build.h"

#define PLATFORM "x"
#define FOLLOWING_PAGE_MAX 1000
#define LIKED_PAGE_MIN 10
#define LIKED_PAGE_MAX 100
/* includes.users of a page of liked posts names at most one author per post. */
#define INCLUDED_USERS_MAX 1000

enum listing { LISTING_FOLLOWING, LISTING_LIKED };

static const char liked_query[] = "&expansions=author_id&tweet.fields=created_at,author_id,lang"
                                  "&user.fields=username,name";

/* ---- requests ----------------------------------------------------------------------------- */

static int build(enum listing listing, const struct adapter_context *context,
                 struct adapter_request *out, char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    char *base = NULL, *token = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (context == NULL || context->account == NULL || context->settings == NULL)
        return error_set(err, err_len, "no account to crawl");
    const char *native_id = context->account->native_id;
    if (native_id == NULL || native_id[0] == '\0')
        return adapter_x.build_request(context, out, err, err_len);
    const struct adapter_settings *settings = context->settings;
    if (!x_is_id(native_id)) {
        error_set(err, err_len, "native id \"%s\": expected an X user id (digits)",
                  error_shown(show, sizeof(show), native_id));
        goto cleanup;
    }
    if (settings->token == NULL || settings->token[0] == '\0') {
        error_set(err, err_len, "platforms.x.token is not set: the X API needs a bearer token");
        goto cleanup;
    }
    if (adapter_base_url(PLATFORM, settings->base_url, X_API_URL, &base, err, err_len) != 0 ||
        adapter_request_bearer(out, PLATFORM, settings->token, err, err_len) != 0)
        goto cleanup;
    if (context->page != NULL && (token = adapter_percent_encode(context->page)) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (listing == LISTING_FOLLOWING)
        out->url = adapter_format(
            "%s/2/users/%s/following?max_results=%d&user.fields=description,url%s%s", base,
            native_id, adapter_page_size(settings, 1, FOLLOWING_PAGE_MAX),
            token != NULL ? "&pagination_token=" : "", token != NULL ? token : "");
    else
        out->url = adapter_format("%s/2/users/%s/liked_tweets?max_results=%d%s%s%s", base,
                                  native_id,
                                  adapter_page_size(settings, LIKED_PAGE_MIN, LIKED_PAGE_MAX),
                                  liked_query, token != NULL ? "&pagination_token=" : "",
                                  token != NULL ? token : "");
    if (out->url == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    rc = 0;

cleanup:
    if (rc != 0)
        adapter_request_free(out);
    free(base);
    free(token);
    return rc;
}

static int build_following(const struct adapter_context *context, struct adapter_request *out,
                           char *err, size_t err_len)
{
    return build(LISTING_FOLLOWING, context, out, err, err_len);
}

static int build_liked(const struct adapter_context *context, struct adapter_request *out,
                       char *err, size_t err_len)
{
    return build(LISTING_LIKED, context, out, err, err_len);
}

/* ---- answers ------------------------------------------------------------------------------ */

static int set_raw(struct post_message *message, cJSON *item, cJSON *author, const char *where,
                   char *err, size_t err_len)
{
    cJSON *raw = cJSON_CreateObject(), *includes, *users;
    int rc = -1;
    if (raw == NULL || !cJSON_AddItemReferenceToObject(raw, "data", item)) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (author != NULL &&
        ((includes = cJSON_AddObjectToObject(raw, "includes")) == NULL ||
         (users = cJSON_AddArrayToObject(includes, "users")) == NULL ||
         !cJSON_AddItemReferenceToArray(users, author))) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    rc = adapter_json_set_raw(message, raw, where, err, err_len);

cleanup:
    cJSON_Delete(raw);
    return rc;
}

static int follow_message(const struct adapter_context *context, cJSON *user, const char *where,
                          struct post_message **out, char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    const char *id, *username, *name, *description;
    char *profile = NULL;
    struct post_message *message = NULL;
    int rc = -1;

    *out = NULL;
    if (!cJSON_IsObject(user)) {
        error_set(err, err_len, "%s: expected a user object", where);
        goto cleanup;
    }
    if (adapter_json_string(user, "id", 1, where, &id, err, err_len) != 0 ||
        adapter_json_string(user, "username", 1, where, &username, err, err_len) != 0 ||
        adapter_json_string(user, "name", 0, where, &name, err, err_len) != 0 ||
        adapter_json_string(user, "description", 0, where, &description, err, err_len) != 0)
        goto cleanup;
    if (!x_is_id(id)) {
        error_set(err, err_len, "%s.id \"%s\": expected an X user id (digits)", where,
                  error_shown(show, sizeof(show), id));
        goto cleanup;
    }
    if (!x_is_username(username)) {
        error_set(err, err_len, "%s.username \"%s\": expected an X username", where,
                  error_shown(show, sizeof(show), username));
        goto cleanup;
    }
    profile = adapter_format("https://x.com/%s", username);
    if (profile == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (engagement_message_new(PLATFORM, POST_KIND_FOLLOW, context->account->native_id, id,
                               context->account->handle, &message, err, err_len) != 0 ||
        engagement_set(&message->url, profile, where, "username", err, err_len) != 0 ||
        engagement_set(&message->target.account, username, where, "username", err, err_len) !=
            0 ||
        engagement_set(&message->target.account_id, id, where, "id", err, err_len) != 0 ||
        engagement_set(&message->target.name, name, where, "name", err, err_len) != 0 ||
        engagement_set(&message->target.url, profile, where, "username", err, err_len) != 0 ||
        engagement_set(&message->target.text, description, where, "description", err,
                       err_len) != 0 ||
        set_raw(message, user, NULL, where, err, err_len) != 0)
        goto cleanup;
    *out = message;
    message = NULL;
    rc = 0;

cleanup:
    post_message_free(message);
    free(profile);
    return rc;
}

/* The user object of includes.users whose id is id, or NULL. */
static cJSON *included_user(const cJSON *users, const char *id)
{
    cJSON *user;
    cJSON_ArrayForEach(user, users) {
        const char *user_id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(user, "id"));
        if (user_id != NULL && id != NULL && strcmp(user_id, id) == 0)
            return user;
    }
    return NULL;
}

static int like_message(const struct adapter_context *context, cJSON *tweet, const cJSON *users,
                        const char *where, struct post_message **out, char *err, size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN], author_where[ADAPTER_WHERE_LEN] = "includes.users";
    const char *id, *text, *author_id, *username = NULL, *name = NULL;
    char *plain = NULL, *post_url = NULL;
    struct post_message *message = NULL;
    int rc = -1;

    *out = NULL;
    if (adapter_json_string(tweet, "id", 1, where, &id, err, err_len) != 0 ||
        adapter_json_string(tweet, "text", 1, where, &text, err, err_len) != 0 ||
        adapter_json_string(tweet, "author_id", 0, where, &author_id, err, err_len) != 0)
        goto cleanup;
    if (!x_is_id(id)) {
        error_set(err, err_len, "%s.id \"%s\": expected an X post id (digits)", where,
                  error_shown(show, sizeof(show), id));
        goto cleanup;
    }
    if (author_id != NULL && !x_is_id(author_id)) {
        error_set(err, err_len, "%s.author_id \"%s\": expected an X user id (digits)", where,
                  error_shown(show, sizeof(show), author_id));
        goto cleanup;
    }
    cJSON *author = included_user(users, author_id);
    if (author != NULL) {
        adapter_where(author_where, where, ".author (includes.users)");
        if (adapter_json_string(author, "username", 0, author_where, &username, err, err_len) !=
                0 ||
            adapter_json_string(author, "name", 0, author_where, &name, err, err_len) != 0)
            goto cleanup;
        if (username != NULL && !x_is_username(username)) {
            error_set(err, err_len, "%s.username \"%s\": expected an X username", author_where,
                      error_shown(show, sizeof(show), username));
            goto cleanup;
        }
    }
    plain = x_unescape_text(text);
    post_url = username != NULL ? adapter_format("https://x.com/%s/status/%s", username, id)
                                : adapter_format("https://x.com/i/status/%s", id);
    if (plain == NULL || post_url == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (engagement_message_new(PLATFORM, POST_KIND_LIKE, context->account->native_id, id,
                               context->account->handle, &message, err, err_len) != 0 ||
        engagement_set(&message->url, post_url, where, "id", err, err_len) != 0 ||
        engagement_set(&message->target.account, username, author_where, "username", err,
                       err_len) != 0 ||
        engagement_set(&message->target.account_id, author_id, where, "author_id", err,
                       err_len) != 0 ||
        engagement_set(&message->target.name, name, author_where, "name", err, err_len) != 0 ||
        engagement_set(&message->target.url, post_url, where, "id", err, err_len) != 0 ||
        engagement_set(&message->target.text, plain, where, "text", err, err_len) != 0 ||
        set_raw(message, tweet, author, where, err, err_len) != 0)
        goto cleanup;
    *out = message;
    message = NULL;
    rc = 0;

cleanup:
    post_message_free(message);
    free(plain);
    free(post_url);
    return rc;
}

static int parse_listing(enum listing listing, const struct adapter_context *context,
                         const cJSON *root, struct adapter_result *out, char *err,
                         size_t err_len)
{
    char show[ADAPTER_SHOWN_LEN];
    cJSON *data, *includes, *users = NULL, *item;
    int page_max = listing == LISTING_FOLLOWING ? FOLLOWING_PAGE_MAX : LIKED_PAGE_MAX;
    /* Only a crawl of likes has a cursor; a rescan reads to the end. */
    int uses_cursor = listing == LISTING_LIKED && context->since_s <= 0;
    const char *cursor = uses_cursor && context->cursor != NULL ? context->cursor : "";
    const char *first = NULL;
    bool reached_cursor = false;
    size_t index = 0;

    if (!cJSON_IsObject(root))
        return error_set(err, err_len, "body: expected a JSON object");
    if (cursor[0] != '\0' && !x_is_id(cursor))
        return error_set(err, err_len, "cursor \"%s\": expected an X post id (digits)",
                         error_shown(show, sizeof(show), cursor));
    if (adapter_json_array(root, "data", 0, "", &data, err, err_len) != 0 ||
        adapter_json_object(root, "includes", 0, "", &includes, err, err_len) != 0 ||
        adapter_json_array(includes, "users", 0, "includes", &users, err, err_len) != 0)
        return -1;
    if (data == NULL) {
        if (x_answer_without_data(root, false, &out->gone, err, err_len) != 0)
            return -1;
        return out->gone ? 0 : x_read_next_token(root, context, out, err, err_len);
    }
    if (cJSON_GetArraySize(data) > page_max)
        return error_set(err, err_len, "data: %d items, over the %d a page has at most",
                         cJSON_GetArraySize(data), page_max);
    if (cJSON_GetArraySize(users) > INCLUDED_USERS_MAX)
        return error_set(err, err_len, "includes.users: %d users, over the %d a page names",
                         cJSON_GetArraySize(users), INCLUDED_USERS_MAX);
    cJSON_ArrayForEach(item, data) {
        char where[ADAPTER_WHERE_LEN], reason[NETRA_ERR_LEN];
        struct post_message *message = NULL;
        adapter_where_index(where, "", "data", index++);
        if (listing == LISTING_LIKED) {
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "id"));
            if (cursor[0] != '\0' && id != NULL && strcmp(id, cursor) == 0) {
                reached_cursor = true; /* liked before the last complete crawl */
                break;
            }
        }
        int built = !cJSON_IsObject(item)
                        ? error_set(reason, sizeof(reason), "%s: expected an object", where)
                    : listing == LISTING_FOLLOWING
                        ? follow_message(context, item, where, &message, reason, sizeof(reason))
                        : like_message(context, item, users, where, &message, reason,
                                       sizeof(reason));
        if (built != 0) {
            if (adapter_result_skip(out, reason, err, err_len) != 0)
                return -1;
            continue;
        }
        if (first == NULL)
            first = message->target.id;
        if (adapter_result_add(out, message, err, err_len) != 0)
            return -1;
    }
    if (listing == LISTING_LIKED && context->page == NULL && context->since_s <= 0 &&
        first != NULL && (out->new_cursor = strdup(first)) == NULL)
        return error_set(err, err_len, "out of memory");
    if (reached_cursor)
        return 0;
    return x_read_next_token(root, context, out, err, err_len);
}

static int parse(enum listing listing, const struct adapter_context *context,
                 const struct adapter_response *response, struct adapter_result *out, char *err,
                 size_t err_len)
{
    cJSON *root = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (context == NULL || context->account == NULL || response == NULL)
        return error_set(err, err_len, "no account or no answer to parse");
    const char *native_id = context->account->native_id;
    if (native_id == NULL || native_id[0] == '\0')
        return adapter_x.parse(context, response, out, err, err_len);
    if (response->status < 200 || response->status > 299) {
        rc = x_answer_not_ok(response, err, err_len);
        goto cleanup;
    }
    if (adapter_json_parse(response->body, response->body_len, "body", &root, err, err_len) != 0)
        goto cleanup;
    rc = parse_listing(listing, context, root, out, err, err_len);

cleanup:
    if (rc != 0)
        adapter_result_free(out);
    cJSON_Delete(root);
    return rc;
}

static int parse_following(const struct adapter_context *context,
                           const struct adapter_response *response, struct adapter_result *out,
                           char *err, size_t err_len)
{
    return parse(LISTING_FOLLOWING, context, response, out, err, err_len);
}

static int parse_liked(const struct adapter_context *context,
                       const struct adapter_response *response, struct adapter_result *out,
                       char *err, size_t err_len)
{
    return parse(LISTING_LIKED, context, response, out, err, err_len);
}

const struct adapter adapter_x_following = {"x-following", build_following, parse_following,
                                            ADAPTER_LISTS_FOLLOWS};
const struct adapter adapter_x_liked = {"x-liked", build_liked, parse_liked, ADAPTER_LISTS_LIKES};
