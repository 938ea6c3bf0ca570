/* Mastodon's REST API v1, as an instance at https://sim.mastodon would answer it:
 *   GET /api/v1/accounts/lookup?acct=user[@sim.mastodon]
 *   GET /api/v1/accounts/:id
 *   GET /api/v1/accounts/:id/statuses?limit=&max_id=&since_id=&min_id=&exclude_replies=
 *       &exclude_reblogs=&only_media=&pinned=
 *   GET /api/v1/accounts/:id/following?limit=&max_id=&since_id=&min_id=
 * Statuses come newest first; limit defaults to 20 and is capped at 40 (Mastodon takes the
 * absolute value and caps it, so limit=0 gives an empty page). max_id keeps ids below it;
 * since_id returns the newest statuses above it, min_id the oldest statuses above it (both
 * still listed newest first). Link carries rel="next" (max_id = the oldest id on the page) when
 * the page is full and rel="prev" (min_id = the newest) when it is not empty. Private and
 * direct statuses do not exist here: an anonymous client would never see them.
 * following lists Account objects newest follow first, limit 40 by default and capped at 80;
 * its paging ids are the follows' own (not the accounts'), so they appear only in Link:
 * rel="next" (max_id) when the page is full, rel="prev" (since_id) when it is not empty. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/entities.h"
#include "sim/html.h"
#include "sim/ids.h"
#include "sim/platforms.h"
#include "sim/timefmt.h"

#define INSTANCE "https://sim.mastodon"
#define DEFAULT_LIMIT 20
#define MAX_LIMIT 40
#define FOLLOWING_DEFAULT_LIMIT 40
#define FOLLOWING_MAX_LIMIT 80
/* When the bank's authors joined: 2010-01-01. */
#define EXTERNAL_CREATED_MS 1262304000000LL

enum { ENDPOINT_LOOKUP = 1, ENDPOINT_ACCOUNT, ENDPOINT_STATUSES, ENDPOINT_FOLLOWING };

static int resolve(struct sim *sim, struct sim_request *req)
{
    const char *p = req->subpath;
    if (strcmp(p, "/api/v1/accounts/lookup") == 0) {
        req->endpoint = ENDPOINT_LOOKUP;
        const char *acct = request_query(req, "acct");
        if (acct != NULL)
            req->account = world_account_by_username(&sim->world, SIM_MASTODON, acct);
        return 0;
    }
    const char *prefix = "/api/v1/accounts/";
    if (strncmp(p, prefix, strlen(prefix)) != 0)
        return -1;
    p += strlen(prefix);
    size_t id_len = strcspn(p, "/");
    if (id_len == 0 || id_len >= sizeof(req->arg))
        return -1;
    memcpy(req->arg, p, id_len);
    req->arg[id_len] = '\0';
    if (strcmp(p + id_len, "") == 0)
        req->endpoint = ENDPOINT_ACCOUNT;
    else if (strcmp(p + id_len, "/statuses") == 0)
        req->endpoint = ENDPOINT_STATUSES;
    else if (strcmp(p + id_len, "/following") == 0)
        req->endpoint = ENDPOINT_FOLLOWING;
    else
        return -1;
    req->account = world_account_by_native_id(&sim->world, SIM_MASTODON, req->arg);
    return 0;
}

static void error_reply(struct sim_reply *reply, int status, const char *message)
{
    reply_json_error(reply, status, message);
}

static void gone(struct sim *sim, const struct sim_request *req, struct sim_reply *reply)
{
    (void)sim;
    (void)req;
    reply_json_error(reply, 404, "Record not found");
}

static void rate_headers(struct sim_reply *reply, const struct rate_state *state)
{
    char reset[SIM_TIME_LEN];
    time_rfc3339_ms(state->reset_ms, reset);
    reply_header(reply, "X-RateLimit-Limit", "%ld", state->limit);
    reply_header(reply, "X-RateLimit-Remaining", "%ld", state->remaining);
    reply_header(reply, "X-RateLimit-Reset", "%s", reset);
}

static cJSON *external_account_json(const char *handle, const char *name, const char *bio,
                                    int64_t created_ms)
{
    char id[64], created[SIM_TIME_LEN], url[512];
    ids_external_account("mastodon", handle, id, sizeof(id));
    time_rfc3339_ms(created_ms - created_ms % 86400000, created);
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "id", id);
    cJSON_AddStringToObject(a, "username", handle);
    cJSON_AddStringToObject(a, "acct", handle);
    cJSON_AddStringToObject(a, "display_name", name);
    cJSON_AddBoolToObject(a, "locked", 0);
    cJSON_AddBoolToObject(a, "bot", 0);
    cJSON_AddBoolToObject(a, "discoverable", 1);
    cJSON_AddBoolToObject(a, "group", 0);
    cJSON_AddStringToObject(a, "created_at", created);
    struct buf note;
    buf_init(&note);
    if (bio != NULL && bio[0] != '\0')
        html_from_text(&note, bio, HTML_MASTODON, INSTANCE);
    cJSON_AddStringToObject(a, "note", note.data != NULL ? note.data : "");
    buf_free(&note);
    snprintf(url, sizeof(url), INSTANCE "/@%s", handle);
    cJSON_AddStringToObject(a, "url", url);
    snprintf(url, sizeof(url), INSTANCE "/users/%s", handle);
    cJSON_AddStringToObject(a, "uri", url);
    cJSON_AddStringToObject(a, "avatar", INSTANCE "/avatars/original/missing.png");
    cJSON_AddStringToObject(a, "avatar_static", INSTANCE "/avatars/original/missing.png");
    cJSON_AddStringToObject(a, "header", INSTANCE "/headers/original/missing.png");
    cJSON_AddStringToObject(a, "header_static", INSTANCE "/headers/original/missing.png");
    cJSON_AddNumberToObject(a, "followers_count", 1000);
    cJSON_AddNumberToObject(a, "following_count", 10);
    cJSON_AddNumberToObject(a, "statuses_count", 500);
    cJSON_AddItemToObject(a, "emojis", cJSON_CreateArray());
    cJSON_AddItemToObject(a, "fields", cJSON_CreateArray());
    return a;
}

static cJSON *account_json(const struct sim_account *account, int64_t now)
{
    char created[SIM_TIME_LEN], url[512], note[512];
    time_rfc3339_ms(account->created_ms - account->created_ms % 86400000, created);
    size_t statuses = 0;
    int64_t last = 0;
    for (size_t i = 0; i < account->post_count; i++) {
        if (sim_post_visible(account->posts[i], now)) {
            statuses++;
            last = account->posts[i]->created_ms;
        }
    }
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "id", account->native_id);
    cJSON_AddStringToObject(a, "username", account->username);
    cJSON_AddStringToObject(a, "acct", account->username);
    cJSON_AddStringToObject(a, "display_name", account->person.name);
    cJSON_AddBoolToObject(a, "locked", 0);
    cJSON_AddBoolToObject(a, "bot", 0);
    cJSON_AddBoolToObject(a, "discoverable", 1);
    cJSON_AddBoolToObject(a, "group", 0);
    cJSON_AddStringToObject(a, "created_at", created);
    snprintf(note, sizeof(note), "<p>ASN %s. Akun pribadi, pendapat pribadi.</p>",
             account->person.agency);
    cJSON_AddStringToObject(a, "note", note);
    snprintf(url, sizeof(url), INSTANCE "/@%s", account->username);
    cJSON_AddStringToObject(a, "url", url);
    snprintf(url, sizeof(url), INSTANCE "/users/%s", account->username);
    cJSON_AddStringToObject(a, "uri", url);
    snprintf(url, sizeof(url), INSTANCE "/system/accounts/avatars/%s/original/avatar.jpg",
             account->native_id);
    cJSON_AddStringToObject(a, "avatar", url);
    cJSON_AddStringToObject(a, "avatar_static", url);
    cJSON_AddStringToObject(a, "header", INSTANCE "/headers/original/missing.png");
    cJSON_AddStringToObject(a, "header_static", INSTANCE "/headers/original/missing.png");
    cJSON_AddNumberToObject(a, "followers_count", 40 + (double)(account->created_ms / 1000 % 900));
    cJSON_AddNumberToObject(a, "following_count", 25 + (double)(account->created_ms / 7000 % 300));
    cJSON_AddNumberToObject(a, "statuses_count", (double)statuses);
    if (last > 0) {
        char day[SIM_TIME_LEN];
        time_rfc3339_ms(last, day);
        day[10] = '\0';
        cJSON_AddStringToObject(a, "last_status_at", day);
    } else {
        cJSON_AddNullToObject(a, "last_status_at");
    }
    cJSON_AddItemToObject(a, "emojis", cJSON_CreateArray());
    cJSON_AddItemToObject(a, "fields", cJSON_CreateArray());
    return a;
}

static void add_string_or_null(cJSON *obj, const char *name, const char *value)
{
    if (value != NULL)
        cJSON_AddStringToObject(obj, name, value);
    else
        cJSON_AddNullToObject(obj, name);
}

static cJSON *media_json(uint64_t key, const char *alt)
{
    char id[32], url[512];
    snprintf(id, sizeof(id), "%" PRIu64, key);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "id", id);
    cJSON_AddStringToObject(m, "type", "image");
    snprintf(url, sizeof(url), "https://files.sim.mastodon/media_attachments/files/%" PRIu64
                               "/original/image.jpg", key);
    cJSON_AddStringToObject(m, "url", url);
    snprintf(url, sizeof(url), "https://files.sim.mastodon/media_attachments/files/%" PRIu64
                               "/small/image.jpg", key);
    cJSON_AddStringToObject(m, "preview_url", url);
    cJSON_AddNullToObject(m, "remote_url");
    cJSON_AddNullToObject(m, "preview_remote_url");
    cJSON_AddNullToObject(m, "text_url");
    cJSON *meta = cJSON_AddObjectToObject(m, "meta");
    cJSON *original = cJSON_AddObjectToObject(meta, "original");
    cJSON_AddNumberToObject(original, "width", 1280);
    cJSON_AddNumberToObject(original, "height", 960);
    cJSON_AddStringToObject(original, "size", "1280x960");
    cJSON_AddNumberToObject(original, "aspect", 1.3333333333333333);
    add_string_or_null(m, "description", alt);
    cJSON_AddStringToObject(m, "blurhash", "UFBWY:8_0Jxu%MRjWBt7~qof%Mof-;j[M{Rj");
    return m;
}

/* tags[] and mentions[] from the text's entities. */
static void add_entities(cJSON *status, const char *text)
{
    struct entities found;
    entities_scan(text, &found);
    cJSON *mentions = cJSON_AddArrayToObject(status, "mentions");
    cJSON *tags = cJSON_AddArrayToObject(status, "tags");
    for (size_t i = 0; i < found.count; i++) {
        const struct entity *e = &found.items[i];
        char value[128], url[512], id[64];
        size_t len = e->byte_end - e->byte_start - 1;
        if (e->type == ENTITY_LINK || len >= sizeof(value))
            continue;
        memcpy(value, text + e->byte_start + 1, len);
        value[len] = '\0';
        if (e->type == ENTITY_MENTION) {
            ids_external_account("mastodon", value, id, sizeof(id));
            cJSON *m = cJSON_CreateObject();
            cJSON_AddStringToObject(m, "id", id);
            cJSON_AddStringToObject(m, "username", value);
            snprintf(url, sizeof(url), INSTANCE "/@%s", value);
            cJSON_AddStringToObject(m, "url", url);
            cJSON_AddStringToObject(m, "acct", value);
            cJSON_AddItemToArray(mentions, m);
        } else {
            for (char *c = value; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "name", value);
            snprintf(url, sizeof(url), INSTANCE "/tags/%s", value);
            cJSON_AddStringToObject(t, "url", url);
            cJSON_AddItemToArray(tags, t);
        }
    }
}

/* The fields every status has, for a status with this id, author and text. */
static cJSON *status_base(const char *id, const char *username, int64_t created_ms,
                          const char *text, const char *content_html, const char *lang)
{
    char created[SIM_TIME_LEN], url[512];
    time_rfc3339_ms(created_ms, created);
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "id", id);
    cJSON_AddStringToObject(s, "created_at", created);
    cJSON_AddNullToObject(s, "in_reply_to_id");
    cJSON_AddNullToObject(s, "in_reply_to_account_id");
    cJSON_AddBoolToObject(s, "sensitive", 0);
    cJSON_AddStringToObject(s, "spoiler_text", "");
    cJSON_AddStringToObject(s, "visibility", "public");
    add_string_or_null(s, "language", lang);
    snprintf(url, sizeof(url), INSTANCE "/users/%s/statuses/%s", username, id);
    cJSON_AddStringToObject(s, "uri", url);
    snprintf(url, sizeof(url), INSTANCE "/@%s/%s", username, id);
    cJSON_AddStringToObject(s, "url", url);
    cJSON_AddNumberToObject(s, "replies_count", (double)(created_ms / 1000 % 5));
    cJSON_AddNumberToObject(s, "reblogs_count", (double)(created_ms / 1000 % 7));
    cJSON_AddNumberToObject(s, "favourites_count", (double)(created_ms / 1000 % 23));
    cJSON_AddNullToObject(s, "edited_at");
    cJSON_AddStringToObject(s, "content", content_html);
    cJSON_AddNullToObject(s, "reblog");
    cJSON_AddItemToObject(s, "media_attachments", cJSON_CreateArray());
    add_entities(s, text);
    cJSON_AddItemToObject(s, "emojis", cJSON_CreateArray());
    cJSON_AddNullToObject(s, "card");
    cJSON_AddNullToObject(s, "poll");
    return s;
}

static cJSON *content_status(const char *id, const char *username, int64_t created_ms,
                             const char *text, const char *lang, const char *extra_html)
{
    struct buf html;
    buf_init(&html);
    html_from_text(&html, text, HTML_MASTODON, INSTANCE);
    if (extra_html != NULL)
        buf_puts(&html, extra_html);
    cJSON *s = status_base(id, username, created_ms, text, html.data != NULL ? html.data : "",
                           lang);
    buf_free(&html);
    return s;
}

/* The post someone else wrote, as a full status (the reblogged or quoted one). */
static cJSON *ref_status(const struct sim_post *post)
{
    const struct sim_ref *ref = &post->ref;
    cJSON *s = content_status(ref->native_id, ref->author->handle, ref->created_ms, ref->text,
                              "id", NULL);
    cJSON_AddItemToObject(s, "account",
                          external_account_json(ref->author->handle, ref->author->name,
                                                ref->author->bio, ref->created_ms - 86400000LL * 900));
    if (ref->alt != NULL)
        cJSON_AddItemToArray(cJSON_GetObjectItem(s, "media_attachments"),
                             media_json(sim_hash64((uint64_t)ref->created_ms), ref->alt));
    return s;
}

/* account: the author's Account object, copied into the status. */
static cJSON *status_json(const struct sim_account *account, const cJSON *author,
                          const struct sim_post *post, int64_t now)
{
    const char *text = sim_post_text(post, now);
    cJSON *s;
    if (post->kind == SIM_KIND_REPOST) {
        /* A reblog is a wrapper with empty content around the original status. */
        s = status_base(post->native_id, account->username, post->created_ms, "", "", NULL);
        char uri[512];
        snprintf(uri, sizeof(uri), INSTANCE "/users/%s/statuses/%s/activity", account->username,
                 post->native_id);
        cJSON_ReplaceItemInObject(s, "uri", cJSON_CreateString(uri));
        cJSON_ReplaceItemInObject(s, "url", cJSON_CreateString(uri));
        cJSON_ReplaceItemInObject(s, "reblog", ref_status(post));
    } else {
        char quote_html[1024] = "";
        if (post->kind == SIM_KIND_QUOTE)
            snprintf(quote_html, sizeof(quote_html),
                     "<p class=\"quote-inline\">RE: <a href=\"" INSTANCE "/@%s/%s\">" INSTANCE
                     "/@%s/%s</a></p>",
                     post->ref.author->handle, post->ref.native_id, post->ref.author->handle,
                     post->ref.native_id);
        s = content_status(post->native_id, account->username, post->created_ms, text, post->lang,
                           post->kind == SIM_KIND_QUOTE ? quote_html : NULL);
        if (post->unlisted)
            cJSON_ReplaceItemInObject(s, "visibility", cJSON_CreateString("unlisted"));
        if (post->kind == SIM_KIND_REPLY) {
            char id[64];
            ids_external_account("mastodon", post->ref.author->handle, id, sizeof(id));
            cJSON_ReplaceItemInObject(s, "in_reply_to_id", cJSON_CreateString(post->ref.native_id));
            cJSON_ReplaceItemInObject(s, "in_reply_to_account_id", cJSON_CreateString(id));
        }
        if (sim_post_edited(post, now)) {
            char edited[SIM_TIME_LEN];
            time_rfc3339_ms(post->edited_ms, edited);
            cJSON_ReplaceItemInObject(s, "edited_at", cJSON_CreateString(edited));
        }
        if (post->alt != NULL)
            cJSON_AddItemToArray(cJSON_GetObjectItem(s, "media_attachments"),
                                 media_json(post->seq ^ 0x5A5Au, post->alt));
        if (post->kind == SIM_KIND_QUOTE) {
            cJSON *quote = cJSON_CreateObject();
            cJSON_AddStringToObject(quote, "state", "accepted");
            cJSON_AddItemToObject(quote, "quoted_status", ref_status(post));
            cJSON_AddItemToObject(s, "quote", quote);
        }
    }
    cJSON_AddItemToObject(s, "account", cJSON_Duplicate(author, 1));
    return s;
}

static int flag(const struct sim_request *req, const char *name)
{
    const char *v = request_query(req, name);
    return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* A status id parameter: 0 when absent or not a number (no bound). */
static uint64_t id_param(const struct sim_request *req, const char *name)
{
    const char *v = request_query(req, name);
    if (v == NULL || *v == '\0')
        return 0;
    char *end = NULL;
    unsigned long long n = strtoull(v, &end, 10);
    return *end == '\0' ? (uint64_t)n : 0;
}

static void add_link_param(struct buf *link, const struct sim_request *req, const char *name)
{
    const char *v = request_query(req, name);
    if (v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "false") == 0))
        buf_printf(link, "&%s=%s", name, v);
}

static void page_link(struct buf *link, struct sim *sim, const struct sim_request *req,
                      long limit, const char *bound, const char *id, const char *rel)
{
    if (link->len > 0)
        buf_puts(link, ", ");
    buf_printf(link, "<%s/mastodon/api/v1/accounts/%s/statuses?limit=%ld", sim->world.base_url,
               req->arg, limit);
    add_link_param(link, req, "exclude_replies");
    add_link_param(link, req, "exclude_reblogs");
    add_link_param(link, req, "only_media");
    buf_printf(link, "&%s=%s>; rel=\"%s\"", bound, id, rel);
}

static void render_statuses(struct sim *sim, struct sim_request *req, int64_t now,
                            struct sim_reply *reply)
{
    long limit = DEFAULT_LIMIT;
    const char *limit_text = request_query(req, "limit");
    if (limit_text != NULL) {
        limit = labs(strtol(limit_text, NULL, 10));
        if (limit > MAX_LIMIT)
            limit = MAX_LIMIT;
    }
    uint64_t max_id = id_param(req, "max_id");
    uint64_t since_id = id_param(req, "since_id");
    uint64_t min_id = id_param(req, "min_id");
    int exclude_replies = flag(req, "exclude_replies");
    int exclude_reblogs = flag(req, "exclude_reblogs");
    int only_media = flag(req, "only_media");
    int pinned = flag(req, "pinned");

    size_t count = 0;
    struct sim_post **posts = world_visible_posts(req->account, now, &count);
    if (posts == NULL) {
        error_reply(reply, 500, "out of memory");
        return;
    }
    /* Keep what the filters and bounds allow, oldest first. */
    size_t kept = 0;
    for (size_t i = 0; i < count && !pinned; i++) {
        const struct sim_post *p = posts[i];
        if ((exclude_replies && p->kind == SIM_KIND_REPLY) ||
            (exclude_reblogs && p->kind == SIM_KIND_REPOST) || (only_media && p->alt == NULL) ||
            (max_id != 0 && p->seq >= max_id) || (since_id != 0 && p->seq <= since_id) ||
            (min_id != 0 && p->seq <= min_id))
            continue;
        posts[kept++] = posts[i];
    }
    /* min_id pages forward from the bound (the oldest above it), otherwise from the top. */
    size_t first = 0, last = kept;
    if ((size_t)limit < kept) {
        if (min_id != 0)
            last = (size_t)limit;
        else
            first = kept - (size_t)limit;
    }
    cJSON *list = cJSON_CreateArray();
    cJSON *author = account_json(req->account, now);
    for (size_t i = last; i > first; i--)
        cJSON_AddItemToArray(list, status_json(req->account, author, posts[i - 1], now));
    cJSON_Delete(author);
    if (last > first) {
        char newest[32], oldest[32];
        snprintf(newest, sizeof(newest), "%" PRIu64, posts[last - 1]->seq);
        snprintf(oldest, sizeof(oldest), "%" PRIu64, posts[first]->seq);
        struct buf link;
        buf_init(&link);
        if (last - first == (size_t)limit)
            page_link(&link, sim, req, limit, "max_id", oldest, "next");
        page_link(&link, sim, req, limit, "min_id", newest, "prev");
        if (link.data != NULL)
            reply_header(reply, "Link", "%s", link.data);
        buf_free(&link);
    }
    free(posts);
    reply_json(reply, 200, list);
}

static void following_link(struct buf *link, struct sim *sim, const struct sim_request *req,
                           long limit, const char *bound, uint64_t key, const char *rel)
{
    if (link->len > 0)
        buf_puts(link, ", ");
    buf_printf(link, "<%s/mastodon/api/v1/accounts/%s/following?limit=%ld&%s=%" PRIu64
                     ">; rel=\"%s\"",
               sim->world.base_url, req->arg, limit, bound, key, rel);
}

static void render_following(struct sim *sim, struct sim_request *req, int64_t now,
                             struct sim_reply *reply)
{
    long limit = FOLLOWING_DEFAULT_LIMIT;
    const char *limit_text = request_query(req, "limit");
    if (limit_text != NULL) {
        limit = labs(strtol(limit_text, NULL, 10));
        if (limit > FOLLOWING_MAX_LIMIT)
            limit = FOLLOWING_MAX_LIMIT;
    }
    uint64_t max_id = id_param(req, "max_id");
    uint64_t since_id = id_param(req, "since_id");
    uint64_t min_id = id_param(req, "min_id");
    struct engage_follow *follows = NULL;
    size_t count = 0;
    if (engage_follows(&sim->world, &sim->engage, req->account, now, &follows, &count) != 0) {
        error_reply(reply, 500, "out of memory");
        return;
    }
    /* Newest first; keep what the bounds allow. */
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t key = follows[i].key;
        if ((max_id != 0 && key >= max_id) || (since_id != 0 && key <= since_id) ||
            (min_id != 0 && key <= min_id))
            continue;
        follows[kept++] = follows[i];
    }
    /* min_id pages forward from the bound (the oldest above it), otherwise from the top. */
    size_t first = 0, end = kept;
    if ((size_t)limit < kept) {
        if (min_id != 0)
            first = kept - (size_t)limit;
        else
            end = (size_t)limit;
    }
    cJSON *list = cJSON_CreateArray();
    for (size_t i = first; list != NULL && i < end; i++) {
        const struct engage_target *t = &follows[i].target;
        cJSON *item;
        if (t->kind == ENGAGE_ACCOUNT) {
            struct sim_account *followed = &sim->world.accounts[t->index];
            if (world_advance_account(&sim->world, followed, now) != 0) {
                cJSON_Delete(list);
                list = NULL;
                break;
            }
            item = account_json(followed, now);
        } else {
            const struct bank_author *author = bank_author_at(t->index);
            item = external_account_json(author->handle, author->name, author->bio,
                                         EXTERNAL_CREATED_MS);
        }
        cJSON_AddItemToArray(list, item);
    }
    if (list != NULL && end > first) {
        struct buf link;
        buf_init(&link);
        if (end - first == (size_t)limit)
            following_link(&link, sim, req, limit, "max_id", follows[end - 1].key, "next");
        following_link(&link, sim, req, limit, "since_id", follows[first].key, "prev");
        if (link.data != NULL)
            reply_header(reply, "Link", "%s", link.data);
        buf_free(&link);
    }
    engage_follows_free(follows);
    reply_json(reply, 200, list);
}

static void render(struct sim *sim, struct sim_request *req, int64_t now, struct sim_reply *reply)
{
    switch (req->endpoint) {
    case ENDPOINT_LOOKUP:
    case ENDPOINT_ACCOUNT:
        reply_json(reply, 200, account_json(req->account, now));
        break;
    case ENDPOINT_STATUSES:
        render_statuses(sim, req, now, reply);
        break;
    case ENDPOINT_FOLLOWING:
        render_following(sim, req, now, reply);
        break;
    default:
        error_reply(reply, 404, "Not Found");
        break;
    }
}

const struct platform_routes mastodon_routes = {
    .platform = SIM_MASTODON,
    .prefix = "/mastodon",
    .resolve = resolve,
    .authorize = NULL,
    .render = render,
    .error = error_reply,
    .gone = gone,
    .rate_headers = rate_headers,
};
