/* X API v2, as api.x.com answers it:
 *   GET /2/users/by/username/:username
 *   GET /2/users/:id
 *   GET /2/users/:id/tweets?max_results=&since_id=&until_id=&start_time=&end_time=
 *       &pagination_token=&exclude=&tweet.fields=&expansions=&media.fields=&user.fields=
 * Every request needs "Authorization: Bearer <token>" (401 otherwise). Tweets come newest first,
 * 5..100 a page (default 10), at most the newest 3200; only the fields asked for in tweet.fields
 * are present beyond id, text and edit_history_tweet_ids. includes holds the expanded users,
 * referenced tweets and media. meta has result_count, newest_id, oldest_id and next_token when
 * more remain. Retweets read "RT @user: ..." with referenced_tweets retweeted; links in text are
 * t.co links with the real URL in entities.urls; entity offsets count code points. A user that
 * does not exist is a 200 with an errors[] array, as X answers it.
 *   GET /2/users/:id/following?max_results=&pagination_token=&user.fields=
 *       users newest follow first, max_results 1..1000 (default 100)
 *   GET /2/users/:id/liked_tweets?max_results=&pagination_token=&expansions=&tweet.fields=
 *       &user.fields=   tweets newest like first, max_results 10..100 (default 100); with
 *       expansions=author_id, includes.users holds their authors
 * Both answer {data, includes, meta: {result_count, next_token}} (no data when empty). */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/buf.h"
#include "sim/entities.h"
#include "sim/ids.h"
#include "sim/platforms.h"
#include "sim/timefmt.h"

#define DEFAULT_RESULTS 10
#define MIN_RESULTS 5
#define MAX_RESULTS 100
#define TIMELINE_CAP 3200
#define RETWEET_CHARS 140
/* Keeps pagination tokens opaque without making them secret. */
#define TOKEN_MASK 0x5DEECE66DA3Bull

#define FOLLOWING_DEFAULT 100
#define FOLLOWING_MAX 1000
#define LIKED_MIN 10
#define LIKED_MAX 100

enum { ENDPOINT_BY_USERNAME = 1, ENDPOINT_USER, ENDPOINT_TWEETS, ENDPOINT_FOLLOWING, ENDPOINT_LIKED };

static int resolve(struct sim *sim, struct sim_request *req)
{
    const char *p = req->subpath;
    const char *by_name = "/2/users/by/username/";
    const char *users = "/2/users/";
    if (strncmp(p, by_name, strlen(by_name)) == 0) {
        p += strlen(by_name);
        if (*p == '\0' || strlen(p) >= sizeof(req->arg) || strchr(p, '/') != NULL)
            return -1;
        snprintf(req->arg, sizeof(req->arg), "%s", p);
        req->endpoint = ENDPOINT_BY_USERNAME;
        req->account = world_account_by_username(&sim->world, SIM_X, req->arg);
        return 0;
    }
    if (strncmp(p, users, strlen(users)) != 0)
        return -1;
    p += strlen(users);
    size_t len = strcspn(p, "/");
    if (len == 0 || len >= sizeof(req->arg))
        return -1;
    memcpy(req->arg, p, len);
    req->arg[len] = '\0';
    if (p[len] == '\0')
        req->endpoint = ENDPOINT_USER;
    else if (strcmp(p + len, "/tweets") == 0)
        req->endpoint = ENDPOINT_TWEETS;
    else if (strcmp(p + len, "/following") == 0)
        req->endpoint = ENDPOINT_FOLLOWING;
    else if (strcmp(p + len, "/liked_tweets") == 0)
        req->endpoint = ENDPOINT_LIKED;
    else
        return -1;
    req->account = world_account_by_native_id(&sim->world, SIM_X, req->arg);
    return 0;
}

static void problem(struct sim_reply *reply, int status, const char *title, const char *detail)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "title", title);
    cJSON_AddStringToObject(doc, "detail", detail);
    cJSON_AddStringToObject(doc, "type", "about:blank");
    cJSON_AddNumberToObject(doc, "status", status);
    reply_json(reply, status, doc);
}

static void error_reply(struct sim_reply *reply, int status, const char *message)
{
    problem(reply, status, message, message);
}

/* 400 for a bad parameter, in X's invalid-request shape. */
static void invalid_parameter(struct sim_reply *reply, const char *name, const char *value,
                              const char *why)
{
    char message[512];
    snprintf(message, sizeof(message), "The `%s` query parameter value [%.64s] %s", name, value,
             why);
    cJSON *doc = cJSON_CreateObject();
    cJSON *errors = cJSON_AddArrayToObject(doc, "errors");
    cJSON *error = cJSON_CreateObject();
    cJSON *parameters = cJSON_AddObjectToObject(error, "parameters");
    cJSON *values = cJSON_AddArrayToObject(parameters, name);
    cJSON_AddItemToArray(values, cJSON_CreateString(value));
    cJSON_AddStringToObject(error, "message", message);
    cJSON_AddItemToArray(errors, error);
    cJSON_AddStringToObject(doc, "title", "Invalid Request");
    cJSON_AddStringToObject(doc, "detail", "One or more parameters to your request was invalid.");
    cJSON_AddStringToObject(doc, "type", "https://api.twitter.com/2/problems/invalid-request");
    reply_json(reply, 400, doc);
}

static void gone(struct sim *sim, const struct sim_request *req, struct sim_reply *reply)
{
    (void)sim;
    int by_name = req->endpoint == ENDPOINT_BY_USERNAME;
    size_t valid = strspn(req->arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
    if (by_name && (valid != strlen(req->arg) || valid > 15)) {
        invalid_parameter(reply, "username", req->arg, "does not match ^[A-Za-z0-9_]{1,15}$");
        return;
    }
    char detail[512];
    snprintf(detail, sizeof(detail), "Could not find user with %s: [%s].",
             by_name ? "username" : "id", req->arg);
    cJSON *doc = cJSON_CreateObject();
    cJSON *errors = cJSON_AddArrayToObject(doc, "errors");
    cJSON *error = cJSON_CreateObject();
    cJSON_AddStringToObject(error, "value", req->arg);
    cJSON_AddStringToObject(error, "detail", detail);
    cJSON_AddStringToObject(error, "title", "Not Found Error");
    cJSON_AddStringToObject(error, "resource_type", "user");
    cJSON_AddStringToObject(error, "parameter", by_name ? "username" : "id");
    cJSON_AddStringToObject(error, "resource_id", req->arg);
    cJSON_AddStringToObject(error, "type", "https://api.twitter.com/2/problems/resource-not-found");
    cJSON_AddItemToArray(errors, error);
    reply_json(reply, 200, doc);
}

static void rate_headers(struct sim_reply *reply, const struct rate_state *state)
{
    reply_header(reply, "x-rate-limit-limit", "%ld", state->limit);
    reply_header(reply, "x-rate-limit-remaining", "%ld", state->remaining);
    reply_header(reply, "x-rate-limit-reset", "%lld", (long long)(state->reset_ms / 1000));
}

static int authorize(struct sim *sim, const struct sim_request *req, struct sim_reply *reply)
{
    const char *header = request_header(req, "Authorization");
    const char *prefix = "Bearer ";
    if (header != NULL && strncmp(header, prefix, strlen(prefix)) == 0 &&
        strcmp(header + strlen(prefix), sim->options.token) == 0)
        return 0;
    problem(reply, 401, "Unauthorized", "Unauthorized");
    return -1;
}

/* Is `name` in the comma-separated list `list`? */
static int listed(const char *list, const char *name)
{
    if (list == NULL)
        return 0;
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, name, len) == 0)
            return 1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

struct fields {
    const char *tweet;
    const char *expansions;
    const char *media;
    const char *user;
};

static cJSON *user_json(const char *id, const char *username, const char *name,
                        int64_t created_ms, const char *description, const struct fields *f)
{
    cJSON *u = cJSON_CreateObject();
    cJSON_AddStringToObject(u, "id", id);
    cJSON_AddStringToObject(u, "name", name);
    cJSON_AddStringToObject(u, "username", username);
    if (listed(f->user, "created_at")) {
        char created[SIM_TIME_LEN];
        time_rfc3339_ms(created_ms, created);
        cJSON_AddStringToObject(u, "created_at", created);
    }
    if (listed(f->user, "description"))
        cJSON_AddStringToObject(u, "description", description);
    if (listed(f->user, "url"))
        cJSON_AddStringToObject(u, "url", "");
    if (listed(f->user, "protected"))
        cJSON_AddBoolToObject(u, "protected", 0);
    if (listed(f->user, "verified"))
        cJSON_AddBoolToObject(u, "verified", 0);
    if (listed(f->user, "profile_image_url")) {
        char url[256];
        snprintf(url, sizeof(url), "https://pbs.twimg.com/profile_images/%s/photo_normal.jpg", id);
        cJSON_AddStringToObject(u, "profile_image_url", url);
    }
    return u;
}

static cJSON *own_user(const struct sim_account *account, const struct fields *f)
{
    char description[512];
    snprintf(description, sizeof(description), "ASN %s. Cuitan pribadi.", account->person.agency);
    return user_json(account->native_id, account->username, account->person.name,
                     account->created_ms, description, f);
}

static cJSON *external_user(const struct bank_author *author, const struct fields *f)
{
    char id[64];
    ids_external_account("x", author->handle, id, sizeof(id));
    return user_json(id, author->handle, author->name, 1262304000000LL, author->bio, f);
}

/* Text as X shows it: every link replaced by a t.co link, with entities pointing at the new
 * spans. media_url, when not NULL, is appended as the photo's t.co link. */
struct x_text {
    struct buf text;
    cJSON *entities;
};

static void tco(uint64_t h, char *out, size_t len)
{
    char code[11];
    ids_shortcode(h, 10, code);
    for (char *c = code; *c; c++)
        if (*c == '-' || *c == '_')
            *c = 'x';
    snprintf(out, len, "https://t.co/%s", code);
}

static size_t code_points(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if ((((unsigned char)s[i]) & 0xC0) != 0x80)
            n++;
    return n;
}

static void add_url_entity(cJSON *urls, size_t start, size_t end, const char *short_url,
                           const char *expanded, const char *display, const char *media_key)
{
    cJSON *u = cJSON_CreateObject();
    cJSON_AddNumberToObject(u, "start", (double)start);
    cJSON_AddNumberToObject(u, "end", (double)end);
    cJSON_AddStringToObject(u, "url", short_url);
    cJSON_AddStringToObject(u, "expanded_url", expanded);
    cJSON_AddStringToObject(u, "display_url", display);
    if (media_key != NULL)
        cJSON_AddStringToObject(u, "media_key", media_key);
    cJSON_AddItemToArray(urls, u);
}

static void x_text_build(struct x_text *out, const char *text, uint64_t salt,
                         const char *media_key, const char *media_page)
{
    buf_init(&out->text);
    out->entities = cJSON_CreateObject();
    cJSON *hashtags = cJSON_CreateArray(), *mentions = cJSON_CreateArray(),
          *urls = cJSON_CreateArray();
    struct entities found;
    entities_scan(text, &found);
    size_t at = 0;
    for (size_t i = 0; i < found.count; i++) {
        const struct entity *e = &found.items[i];
        buf_append(&out->text, text + at, e->byte_start - at);
        size_t start = code_points(out->text.data != NULL ? out->text.data : "", out->text.len);
        const char *span = text + e->byte_start;
        size_t len = e->byte_end - e->byte_start;
        char value[512];
        snprintf(value, sizeof(value), "%.*s", (int)len, span);
        if (e->type == ENTITY_LINK) {
            char short_url[64];
            tco(salt + i, short_url, sizeof(short_url));
            buf_puts(&out->text, short_url);
            const char *display = value + (strncmp(value, "https://", 8) == 0 ? 8 : 7);
            add_url_entity(urls, start, start + strlen(short_url), short_url, value, display, NULL);
        } else {
            buf_append(&out->text, span, len);
            cJSON *item = cJSON_CreateObject();
            cJSON_AddNumberToObject(item, "start", (double)start);
            cJSON_AddNumberToObject(item, "end", (double)(start + code_points(span, len)));
            if (e->type == ENTITY_HASHTAG) {
                cJSON_AddStringToObject(item, "tag", value + 1);
                cJSON_AddItemToArray(hashtags, item);
            } else {
                char id[64];
                ids_external_account("x", value + 1, id, sizeof(id));
                cJSON_AddStringToObject(item, "username", value + 1);
                cJSON_AddStringToObject(item, "id", id);
                cJSON_AddItemToArray(mentions, item);
            }
        }
        at = e->byte_end;
    }
    buf_puts(&out->text, text + at);
    if (media_key != NULL) {
        char short_url[64], display[96];
        tco(salt ^ 0x3D1Au, short_url, sizeof(short_url));
        buf_puts(&out->text, " ");
        size_t start = code_points(out->text.data, out->text.len);
        buf_puts(&out->text, short_url);
        snprintf(display, sizeof(display), "pic.x.com/%s", short_url + strlen("https://t.co/"));
        add_url_entity(urls, start, start + strlen(short_url), short_url, media_page, display,
                       media_key);
    }
    if (cJSON_GetArraySize(hashtags) > 0)
        cJSON_AddItemToObject(out->entities, "hashtags", hashtags);
    else
        cJSON_Delete(hashtags);
    if (cJSON_GetArraySize(mentions) > 0)
        cJSON_AddItemToObject(out->entities, "mentions", mentions);
    else
        cJSON_Delete(mentions);
    if (cJSON_GetArraySize(urls) > 0)
        cJSON_AddItemToObject(out->entities, "urls", urls);
    else
        cJSON_Delete(urls);
}

static void media_key(uint64_t seq, char *out, size_t len)
{
    snprintf(out, len, "3_%" PRIu64, seq + 7);
}

static cJSON *media_json(const char *key, const char *alt, const struct fields *f)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "media_key", key);
    cJSON_AddStringToObject(m, "type", "photo");
    if (listed(f->media, "url")) {
        char url[128];
        snprintf(url, sizeof(url), "https://pbs.twimg.com/media/%s.jpg", key + 2);
        cJSON_AddStringToObject(m, "url", url);
    }
    if (listed(f->media, "alt_text") && alt != NULL)
        cJSON_AddStringToObject(m, "alt_text", alt);
    if (listed(f->media, "width"))
        cJSON_AddNumberToObject(m, "width", 1280);
    if (listed(f->media, "height"))
        cJSON_AddNumberToObject(m, "height", 960);
    return m;
}

/* A tweet object with the requested fields. */
static cJSON *tweet_json(const char *id, const char *author_id, const char *username,
                         int64_t created_ms, const char *text, const char *lang,
                         const char *alt, uint64_t media_seq, const struct fields *f)
{
    char key[48] = "", page[256] = "";
    if (alt != NULL) {
        media_key(media_seq, key, sizeof(key));
        snprintf(page, sizeof(page), "https://x.com/%s/status/%s/photo/1", username, id);
    }
    struct x_text shown;
    x_text_build(&shown, text, sim_hash64(media_seq), alt != NULL ? key : NULL, page);
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "id", id);
    cJSON_AddStringToObject(t, "text", shown.text.data != NULL ? shown.text.data : "");
    buf_free(&shown.text);
    cJSON *history = cJSON_AddArrayToObject(t, "edit_history_tweet_ids");
    cJSON_AddItemToArray(history, cJSON_CreateString(id));
    if (listed(f->tweet, "created_at")) {
        char created[SIM_TIME_LEN];
        time_rfc3339_ms(created_ms, created);
        cJSON_AddStringToObject(t, "created_at", created);
    }
    if (listed(f->tweet, "author_id"))
        cJSON_AddStringToObject(t, "author_id", author_id);
    if (listed(f->tweet, "conversation_id"))
        cJSON_AddStringToObject(t, "conversation_id", id);
    if (listed(f->tweet, "lang"))
        cJSON_AddStringToObject(t, "lang", lang != NULL ? lang : "und");
    if (listed(f->tweet, "possibly_sensitive"))
        cJSON_AddBoolToObject(t, "possibly_sensitive", 0);
    if (listed(f->tweet, "entities") && cJSON_GetArraySize(shown.entities) > 0)
        cJSON_AddItemToObject(t, "entities", shown.entities);
    else
        cJSON_Delete(shown.entities);
    if (alt != NULL && listed(f->tweet, "attachments")) {
        cJSON *attachments = cJSON_AddObjectToObject(t, "attachments");
        cJSON *keys = cJSON_AddArrayToObject(attachments, "media_keys");
        cJSON_AddItemToArray(keys, cJSON_CreateString(key));
    }
    if (listed(f->tweet, "public_metrics")) {
        uint64_t h = sim_hash64(media_seq);
        cJSON *m = cJSON_AddObjectToObject(t, "public_metrics");
        cJSON_AddNumberToObject(m, "retweet_count", (double)(h % 9));
        cJSON_AddNumberToObject(m, "reply_count", (double)(h / 9 % 5));
        cJSON_AddNumberToObject(m, "like_count", (double)(h / 45 % 60));
        cJSON_AddNumberToObject(m, "quote_count", (double)(h / 2700 % 3));
    }
    return t;
}

/* "RT @user: text", cut to RETWEET_CHARS code points with an ellipsis as X does. */
static char *retweet_text(const struct sim_ref *ref)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "RT @%s: ", ref->author->handle);
    size_t room = RETWEET_CHARS > code_points(b.data, b.len) ? RETWEET_CHARS - code_points(b.data, b.len) : 0;
    size_t i = 0, chars = 0;
    const char *t = ref->text;
    while (t[i] != '\0' && chars < room) {
        i++;
        while ((((unsigned char)t[i]) & 0xC0) == 0x80)
            i++;
        chars++;
    }
    buf_append(&b, t, i);
    if (t[i] != '\0')
        buf_puts(&b, "…");
    return buf_steal(&b, NULL);
}

struct includes {
    cJSON *users;
    cJSON *tweets;
    cJSON *media;
};

static void include_once(cJSON *list, cJSON *item, const char *key_field)
{
    const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(item, key_field));
    cJSON *existing;
    cJSON_ArrayForEach(existing, list)
    {
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItem(existing, key_field));
        if (key != NULL && k != NULL && strcmp(key, k) == 0) {
            cJSON_Delete(item);
            return;
        }
    }
    cJSON_AddItemToArray(list, item);
}

static cJSON *post_tweet(const struct sim_account *account, const struct sim_post *post,
                         int64_t now, const struct fields *f, struct includes *inc)
{
    const struct sim_ref *ref = &post->ref;
    char ref_author[64] = "";
    if (post->kind != SIM_KIND_POST)
        ids_external_account("x", ref->author->handle, ref_author, sizeof(ref_author));
    cJSON *tweet;
    if (post->kind == SIM_KIND_REPOST) {
        char *text = retweet_text(ref);
        tweet = tweet_json(post->native_id, account->native_id, account->username,
                           post->created_ms, text != NULL ? text : "", "id", NULL, post->seq, f);
        free(text);
    } else {
        struct buf text;
        buf_init(&text);
        buf_puts(&text, sim_post_text(post, now));
        if (post->kind == SIM_KIND_QUOTE) {
            buf_printf(&text, " https://x.com/%s/status/%s", ref->author->handle, ref->native_id);
        }
        tweet = tweet_json(post->native_id, account->native_id, account->username,
                           post->created_ms, text.data != NULL ? text.data : "", post->lang,
                           post->alt, post->seq, f);
        buf_free(&text);
        if (post->alt != NULL && listed(f->expansions, "attachments.media_keys")) {
            char key[48];
            media_key(post->seq, key, sizeof(key));
            include_once(inc->media, media_json(key, post->alt, f), "media_key");
        }
    }
    if (post->kind == SIM_KIND_REPLY && listed(f->tweet, "in_reply_to_user_id"))
        cJSON_AddStringToObject(tweet, "in_reply_to_user_id", ref_author);
    if (post->kind != SIM_KIND_POST) {
        if (listed(f->tweet, "referenced_tweets")) {
            static const char *const types[] = {"", "retweeted", "replied_to", "quoted"};
            cJSON *refs = cJSON_AddArrayToObject(tweet, "referenced_tweets");
            cJSON *r = cJSON_CreateObject();
            cJSON_AddStringToObject(r, "type", types[post->kind]);
            cJSON_AddStringToObject(r, "id", ref->native_id);
            cJSON_AddItemToArray(refs, r);
        }
        if (listed(f->expansions, "referenced_tweets.id")) {
            uint64_t ref_seq = strtoull(ref->native_id, NULL, 10);
            cJSON *original = tweet_json(ref->native_id, ref_author, ref->author->handle,
                                         ref->created_ms, ref->text, "id", ref->alt, ref_seq, f);
            include_once(inc->tweets, original, "id");
            if (ref->alt != NULL && listed(f->expansions, "attachments.media_keys")) {
                char key[48];
                media_key(ref_seq, key, sizeof(key));
                include_once(inc->media, media_json(key, ref->alt, f), "media_key");
            }
        }
        if (listed(f->expansions, "referenced_tweets.id.author_id") ||
            listed(f->expansions, "in_reply_to_user_id"))
            include_once(inc->users, external_user(ref->author, f), "id");
    }
    return tweet;
}

static int parse_id(const char *text, uint64_t *out)
{
    if (text == NULL || *text == '\0' || strlen(text) > 19)
        return -1;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* An opaque pagination token for a paging position: base 36, lower case. */
static void token_from(uint64_t position, char *out, size_t out_len)
{
    uint64_t v = position ^ TOKEN_MASK;
    char digits[32];
    size_t n = 0;
    do {
        digits[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
        v /= 36;
    } while (v > 0);
    size_t i = 0;
    for (; i < n && i + 1 < out_len; i++)
        out[i] = digits[n - 1 - i];
    out[i] = '\0';
}

static int token_parse(const char *text, uint64_t *position)
{
    char *end = NULL;
    unsigned long long token = strtoull(text, &end, 36);
    if (end == text || *end != '\0')
        return -1;
    *position = (uint64_t)token ^ TOKEN_MASK;
    return 0;
}

static void render_tweets(struct sim_request *req, int64_t now, struct sim_reply *reply)
{
    struct fields f = {
        .tweet = request_query(req, "tweet.fields"),
        .expansions = request_query(req, "expansions"),
        .media = request_query(req, "media.fields"),
        .user = request_query(req, "user.fields"),
    };
    long max_results = DEFAULT_RESULTS;
    const char *text = request_query(req, "max_results");
    if (text != NULL) {
        char *end = NULL;
        max_results = strtol(text, &end, 10);
        if (end == text || *end != '\0' || max_results < MIN_RESULTS || max_results > MAX_RESULTS) {
            invalid_parameter(reply, "max_results", text, "is not between 5 and 100");
            return;
        }
    }
    uint64_t since_id = 0, until_id = UINT64_MAX, below = UINT64_MAX;
    int64_t start_ms = INT64_MIN, end_ms = INT64_MAX;
    const char *names[] = {"since_id", "until_id", "start_time", "end_time", "pagination_token"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = request_query(req, names[i]);
        if (v == NULL)
            continue;
        int bad = 0;
        if (i == 0)
            bad = parse_id(v, &since_id);
        else if (i == 1)
            bad = parse_id(v, &until_id);
        else if (i == 2)
            bad = time_parse_rfc3339(v, &start_ms);
        else if (i == 3)
            bad = time_parse_rfc3339(v, &end_ms);
        else
            bad = token_parse(v, &below);
        if (bad) {
            invalid_parameter(reply, names[i], v, "is not valid");
            return;
        }
    }
    const char *exclude = request_query(req, "exclude");

    size_t count = 0;
    struct sim_post **posts = world_visible_posts(req->account, now, &count);
    if (posts == NULL) {
        error_reply(reply, 500, "Internal Server Error");
        return;
    }
    struct includes inc = {cJSON_CreateArray(), cJSON_CreateArray(), cJSON_CreateArray()};
    cJSON *data = cJSON_CreateArray();
    long served = 0;
    int more = 0;
    const struct sim_post *newest = NULL, *oldest = NULL;
    size_t first = count > TIMELINE_CAP ? count - TIMELINE_CAP : 0;
    for (size_t i = count; i > first; i--) {
        const struct sim_post *post = posts[i - 1];
        if (post->seq >= below || post->seq >= until_id || post->seq <= since_id ||
            post->created_ms < start_ms || post->created_ms > end_ms ||
            (post->kind == SIM_KIND_REPOST && listed(exclude, "retweets")) ||
            (post->kind == SIM_KIND_REPLY && listed(exclude, "replies")))
            continue;
        if (served == max_results) {
            more = 1;
            break;
        }
        cJSON_AddItemToArray(data, post_tweet(req->account, post, now, &f, &inc));
        if (newest == NULL)
            newest = post;
        oldest = post;
        served++;
    }
    free(posts);

    cJSON *doc = cJSON_CreateObject();
    if (served > 0) {
        cJSON_AddItemToObject(doc, "data", data);
        if (listed(f.expansions, "author_id"))
            include_once(inc.users, own_user(req->account, &f), "id");
    } else {
        cJSON_Delete(data);
    }
    cJSON *includes = cJSON_CreateObject();
    if (cJSON_GetArraySize(inc.users) > 0)
        cJSON_AddItemToObject(includes, "users", inc.users);
    else
        cJSON_Delete(inc.users);
    if (cJSON_GetArraySize(inc.tweets) > 0)
        cJSON_AddItemToObject(includes, "tweets", inc.tweets);
    else
        cJSON_Delete(inc.tweets);
    if (cJSON_GetArraySize(inc.media) > 0)
        cJSON_AddItemToObject(includes, "media", inc.media);
    else
        cJSON_Delete(inc.media);
    if (cJSON_GetArraySize(includes) > 0)
        cJSON_AddItemToObject(doc, "includes", includes);
    else
        cJSON_Delete(includes);
    cJSON *meta = cJSON_AddObjectToObject(doc, "meta");
    cJSON_AddNumberToObject(meta, "result_count", (double)served);
    if (served > 0) {
        cJSON_AddStringToObject(meta, "newest_id", newest->native_id);
        cJSON_AddStringToObject(meta, "oldest_id", oldest->native_id);
    }
    if (more) {
        char token[32];
        token_from(oldest->seq, token, sizeof(token));
        cJSON_AddStringToObject(meta, "next_token", token);
    }
    reply_json(reply, 200, doc);
}

/* max_results in min..max (default def) and pagination_token; 0, or -1 with a 400 reply. */
static int paging_params(const struct sim_request *req, long min, long max, long def,
                         long *max_results, uint64_t *below, struct sim_reply *reply)
{
    *max_results = def;
    *below = UINT64_MAX;
    const char *text = request_query(req, "max_results");
    if (text != NULL) {
        char *end = NULL;
        *max_results = strtol(text, &end, 10);
        if (end == text || *end != '\0' || *max_results < min || *max_results > max) {
            char why[64];
            snprintf(why, sizeof(why), "is not between %ld and %ld", min, max);
            invalid_parameter(reply, "max_results", text, why);
            return -1;
        }
    }
    const char *token = request_query(req, "pagination_token");
    if (token != NULL && token_parse(token, below) != 0) {
        invalid_parameter(reply, "pagination_token", token, "is not valid");
        return -1;
    }
    return 0;
}

/* data, or nothing when the page is empty. */
static void add_data(cJSON *doc, cJSON *data, long served)
{
    if (served > 0)
        cJSON_AddItemToObject(doc, "data", data);
    else
        cJSON_Delete(data);
}

static void add_meta(cJSON *doc, long served, int more, uint64_t last)
{
    cJSON *meta = cJSON_AddObjectToObject(doc, "meta");
    cJSON_AddNumberToObject(meta, "result_count", (double)served);
    if (more) {
        char token[32];
        token_from(last, token, sizeof(token));
        cJSON_AddStringToObject(meta, "next_token", token);
    }
}

static void render_following(struct sim *sim, struct sim_request *req, int64_t now,
                             struct sim_reply *reply)
{
    struct fields f = {.user = request_query(req, "user.fields")};
    long max_results = 0;
    uint64_t below = 0;
    if (paging_params(req, 1, FOLLOWING_MAX, FOLLOWING_DEFAULT, &max_results, &below, reply) != 0)
        return;
    struct engage_follow *follows = NULL;
    size_t count = 0;
    if (engage_follows(&sim->world, &sim->engage, req->account, now, &follows, &count) != 0) {
        error_reply(reply, 500, "Internal Server Error");
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *data = cJSON_CreateArray();
    long served = 0;
    int more = 0;
    uint64_t last = 0;
    for (size_t i = 0; i < count; i++) {
        if (follows[i].key >= below)
            continue;
        if (served == max_results) {
            more = 1;
            break;
        }
        const struct engage_target *t = &follows[i].target;
        cJSON_AddItemToArray(data, t->kind == ENGAGE_ACCOUNT
                                       ? own_user(&sim->world.accounts[t->index], &f)
                                       : external_user(bank_author_at(t->index), &f));
        last = follows[i].key;
        served++;
    }
    engage_follows_free(follows);
    add_data(doc, data, served);
    add_meta(doc, served, more, last);
    reply_json(reply, 200, doc);
}

static void render_liked(struct sim *sim, struct sim_request *req, int64_t now,
                         struct sim_reply *reply)
{
    struct fields f = {
        .tweet = request_query(req, "tweet.fields"),
        .expansions = request_query(req, "expansions"),
        .media = request_query(req, "media.fields"),
        .user = request_query(req, "user.fields"),
    };
    long max_results = 0;
    uint64_t below = 0;
    if (paging_params(req, LIKED_MIN, LIKED_MAX, LIKED_MAX, &max_results, &below, reply) != 0)
        return;
    struct engage_like *likes = NULL;
    size_t count = 0;
    if (engage_likes(&sim->world, &sim->engage, req->account, now, &likes, &count) != 0) {
        error_reply(reply, 500, "Internal Server Error");
        return;
    }
    struct includes inc = {cJSON_CreateArray(), cJSON_CreateArray(), cJSON_CreateArray()};
    cJSON *doc = cJSON_CreateObject();
    cJSON *data = cJSON_CreateArray();
    long served = 0;
    int more = 0;
    uint64_t last = 0;
    int authors = listed(f.expansions, "author_id");
    for (size_t i = 0; i < count; i++) {
        const struct engage_like *like = &likes[i];
        if (like->key >= below)
            continue;
        if (served == max_results) {
            more = 1;
            break;
        }
        const struct engage_post *post = &like->post;
        if (post->post != NULL) {
            const struct sim_account *writer = &sim->world.accounts[post->author.index];
            cJSON_AddItemToArray(data, post_tweet(writer, post->post, now, &f, &inc));
            if (authors)
                include_once(inc.users, own_user(writer, &f), "id");
        } else {
            const struct bank_author *author = bank_author_at(post->author.index);
            char author_id[64];
            ids_external_account("x", author->handle, author_id, sizeof(author_id));
            cJSON_AddItemToArray(data, tweet_json(post->native_id, author_id, author->handle,
                                                  post->created_ms, post->text, post->lang, NULL,
                                                  strtoull(post->native_id, NULL, 10), &f));
            if (authors)
                include_once(inc.users, external_user(author, &f), "id");
        }
        last = like->key;
        served++;
    }
    engage_likes_free(likes, count);
    add_data(doc, data, served);
    cJSON *includes = cJSON_CreateObject();
    cJSON *lists[] = {inc.users, inc.tweets, inc.media};
    const char *names[] = {"users", "tweets", "media"};
    for (size_t i = 0; i < 3; i++) {
        if (cJSON_GetArraySize(lists[i]) > 0)
            cJSON_AddItemToObject(includes, names[i], lists[i]);
        else
            cJSON_Delete(lists[i]);
    }
    if (cJSON_GetArraySize(includes) > 0)
        cJSON_AddItemToObject(doc, "includes", includes);
    else
        cJSON_Delete(includes);
    add_meta(doc, served, more, last);
    reply_json(reply, 200, doc);
}

static void render(struct sim *sim, struct sim_request *req, int64_t now, struct sim_reply *reply)
{
    const char *user_fields = request_query(req, "user.fields");
    struct fields f = {.user = user_fields};
    switch (req->endpoint) {
    case ENDPOINT_BY_USERNAME:
    case ENDPOINT_USER: {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddItemToObject(doc, "data", own_user(req->account, &f));
        reply_json(reply, 200, doc);
        break;
    }
    case ENDPOINT_TWEETS:
        render_tweets(req, now, reply);
        break;
    case ENDPOINT_FOLLOWING:
        render_following(sim, req, now, reply);
        break;
    case ENDPOINT_LIKED:
        render_liked(sim, req, now, reply);
        break;
    default:
        error_reply(reply, 404, "Not Found");
        break;
    }
}

const struct platform_routes x_routes = {
    .platform = SIM_X,
    .prefix = "/x",
    .resolve = resolve,
    .authorize = authorize,
    .render = render,
    .error = error_reply,
    .gone = gone,
    .rate_headers = rate_headers,
};
