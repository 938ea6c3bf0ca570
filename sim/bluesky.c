/* Bluesky's AppView (XRPC over HTTP), as public.api.bsky.app answers it:
 *   GET /xrpc/com.atproto.identity.resolveHandle?handle=H       -> {"did": ...}
 *   GET /xrpc/app.bsky.actor.getProfile?actor=DID|HANDLE
 *   GET /xrpc/app.bsky.feed.getAuthorFeed?actor=&limit=&cursor=&filter=&includePins=
 * The author feed lists app.bsky.feed.defs#feedViewPost items newest first (limit 1..100,
 * default 50): the post view with its record (text, createdAt, langs, facets with UTF-8 byte
 * offsets, reply refs, embeds) and embed views (images#view with alt, record#view,
 * recordWithMedia#view, external#view); reposts carry reason #reasonRepost and show the
 * original post; replies carry reply {root, parent}. With includePins=true the first page starts
 * with the pinned post (reason #reasonPin), which also keeps its place in time. cursor is opaque
 * (the record key of the last item); it is absent on the last page. Errors are
 * {"error": "InvalidRequest", "message": ...} with 400, as XRPC answers them.
 *
 * Follows and likes (the sim serves the PDS and the AppView on one host):
 *   GET /xrpc/app.bsky.graph.getFollows?actor=&limit=&cursor=
 *       {subject: profileView, follows: [profileView] newest follow first, cursor}
 *   GET /xrpc/com.atproto.repo.listRecords?repo=&collection=&limit=&cursor=&reverse=
 *       {records: [{uri, cid, value}], cursor}: app.bsky.feed.like records newest first
 *       (reverse=true: oldest first), other collections empty; an unknown repo is RepoNotFound
 *   GET /xrpc/app.bsky.feed.getPosts?uris=..&uris=..   (1..25)
 *       {posts: [postView]}: the liked posts and the watched accounts' posts; URIs it cannot
 *       resolve are left out, as the AppView does.
 * limit is 1..100 (default 50) on all three; cursors are opaque and absent on the last page. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/entities.h"
#include "sim/ids.h"
#include "sim/platforms.h"
#include "sim/timefmt.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 100
#define CDN "https://cdn.bsky.app/img"
#define MAX_URIS 25
/* When the bank's authors joined: 2010-01-01. */
#define EXTERNAL_CREATED_MS 1262304000000LL
#define LIKE_COLLECTION "app.bsky.feed.like"

enum {
    ENDPOINT_RESOLVE = 1,
    ENDPOINT_PROFILE,
    ENDPOINT_AUTHOR_FEED,
    ENDPOINT_FOLLOWS,
    ENDPOINT_LIST_RECORDS,
    ENDPOINT_GET_POSTS
};

static struct sim_account *by_actor(struct sim *sim, const char *actor)
{
    if (actor == NULL)
        return NULL;
    if (strncmp(actor, "did:", 4) == 0)
        return world_account_by_native_id(&sim->world, SIM_BLUESKY, actor);
    return world_account_by_username(&sim->world, SIM_BLUESKY, actor[0] == '@' ? actor + 1 : actor);
}

static int resolve(struct sim *sim, struct sim_request *req)
{
    const char *p = req->subpath;
    if (strcmp(p, "/xrpc/com.atproto.identity.resolveHandle") == 0) {
        req->endpoint = ENDPOINT_RESOLVE;
        const char *handle = request_query(req, "handle");
        if (handle != NULL)
            req->account = world_account_by_username(&sim->world, SIM_BLUESKY, handle);
    } else if (strcmp(p, "/xrpc/app.bsky.actor.getProfile") == 0) {
        req->endpoint = ENDPOINT_PROFILE;
        req->account = by_actor(sim, request_query(req, "actor"));
    } else if (strcmp(p, "/xrpc/app.bsky.feed.getAuthorFeed") == 0) {
        req->endpoint = ENDPOINT_AUTHOR_FEED;
        req->account = by_actor(sim, request_query(req, "actor"));
    } else if (strcmp(p, "/xrpc/app.bsky.graph.getFollows") == 0) {
        req->endpoint = ENDPOINT_FOLLOWS;
        req->account = by_actor(sim, request_query(req, "actor"));
    } else if (strcmp(p, "/xrpc/com.atproto.repo.listRecords") == 0) {
        req->endpoint = ENDPOINT_LIST_RECORDS;
        req->account = by_actor(sim, request_query(req, "repo"));
    } else if (strcmp(p, "/xrpc/app.bsky.feed.getPosts") == 0) {
        req->endpoint = ENDPOINT_GET_POSTS;
        req->accountless = 1;
    } else {
        return -1;
    }
    return 0;
}

static void xrpc_error(struct sim_reply *reply, int status, const char *error, const char *message)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "error", error);
    cJSON_AddStringToObject(doc, "message", message);
    reply_json(reply, status, doc);
}

static void error_reply(struct sim_reply *reply, int status, const char *message)
{
    const char *error = "InternalServerError";
    if (status == 429)
        error = "RateLimitExceeded";
    else if (status == 404)
        error = "MethodNotImplemented";
    else if (status == 503)
        error = "UpstreamFailure";
    else if (status == 405 || status == 400)
        error = "InvalidRequest";
    xrpc_error(reply, status, error, status == 429 ? "Rate Limit Exceeded" : message);
}

static void gone(struct sim *sim, const struct sim_request *req, struct sim_reply *reply)
{
    (void)sim;
    if (req->endpoint == ENDPOINT_LIST_RECORDS) {
        char message[256];
        const char *repo = request_query(req, "repo");
        snprintf(message, sizeof(message), "Could not find repo: %.200s", repo != NULL ? repo : "");
        xrpc_error(reply, 400, "RepoNotFound", message);
        return;
    }
    xrpc_error(reply, 400, "InvalidRequest",
               req->endpoint == ENDPOINT_RESOLVE ? "Unable to resolve handle" : "Profile not found");
}

static void rate_headers(struct sim_reply *reply, const struct rate_state *state)
{
    reply_header(reply, "RateLimit-Limit", "%ld", state->limit);
    reply_header(reply, "RateLimit-Remaining", "%ld", state->remaining);
    reply_header(reply, "RateLimit-Reset", "%lld", (long long)(state->reset_ms / 1000));
    reply_header(reply, "RateLimit-Policy", "%ld;w=%lld", state->limit,
                 (long long)((state->reset_ms - time_real_ms() + 999) / 1000));
}

static cJSON *profile_basic(const char *did, const char *handle, const char *name,
                            int64_t created_ms)
{
    char avatar[512], created[SIM_TIME_LEN], cid[80];
    ids_cid(sim_hash_bytes(did, strlen(did), 1), cid, sizeof(cid));
    snprintf(avatar, sizeof(avatar), CDN "/avatar/plain/%s/%s@jpeg", did, cid);
    time_rfc3339_ms(created_ms, created);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "did", did);
    cJSON_AddStringToObject(p, "handle", handle);
    cJSON_AddStringToObject(p, "displayName", name);
    cJSON_AddStringToObject(p, "avatar", avatar);
    cJSON_AddItemToObject(p, "labels", cJSON_CreateArray());
    cJSON_AddStringToObject(p, "createdAt", created);
    return p;
}

static cJSON *own_profile(const struct sim_account *account)
{
    return profile_basic(account->native_id, account->username, account->person.name,
                         account->created_ms);
}

/* Someone outside the watchlist, by the handle the bank gives them. */
static cJSON *external_profile(const struct bank_author *author, int64_t created_ms)
{
    char handle[160], did[80];
    bank_bluesky_handle(author, handle, sizeof(handle));
    ids_external_account("bluesky", handle, did, sizeof(did));
    return profile_basic(did, handle, author->name, created_ms);
}

static cJSON *strong_ref(const char *uri, const char *cid)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "uri", uri);
    cJSON_AddStringToObject(r, "cid", cid);
    return r;
}

static cJSON *facets_json(const char *text)
{
    struct entities found;
    entities_scan(text, &found);
    cJSON *facets = cJSON_CreateArray();
    for (size_t i = 0; i < found.count; i++) {
        const struct entity *e = &found.items[i];
        char value[512];
        size_t len = e->byte_end - e->byte_start;
        if (len >= sizeof(value))
            continue;
        memcpy(value, text + e->byte_start, len);
        value[len] = '\0';
        cJSON *facet = cJSON_CreateObject();
        cJSON_AddStringToObject(facet, "$type", "app.bsky.richtext.facet");
        cJSON *index = cJSON_AddObjectToObject(facet, "index");
        cJSON_AddNumberToObject(index, "byteStart", (double)e->byte_start);
        cJSON_AddNumberToObject(index, "byteEnd", (double)e->byte_end);
        cJSON *features = cJSON_AddArrayToObject(facet, "features");
        cJSON *feature = cJSON_CreateObject();
        if (e->type == ENTITY_MENTION) {
            char did[80];
            ids_external_account("bluesky", value + 1, did, sizeof(did));
            cJSON_AddStringToObject(feature, "$type", "app.bsky.richtext.facet#mention");
            cJSON_AddStringToObject(feature, "did", did);
        } else if (e->type == ENTITY_LINK) {
            cJSON_AddStringToObject(feature, "$type", "app.bsky.richtext.facet#link");
            cJSON_AddStringToObject(feature, "uri", value);
        } else {
            cJSON_AddStringToObject(feature, "$type", "app.bsky.richtext.facet#tag");
            cJSON_AddStringToObject(feature, "tag", value + 1);
        }
        cJSON_AddItemToArray(features, feature);
        cJSON_AddItemToArray(facets, facet);
    }
    return facets;
}

/* The first link in the text, for an external embed card. */
static int first_link(const char *text, char *out, size_t out_len)
{
    struct entities found;
    entities_scan(text, &found);
    for (size_t i = 0; i < found.count; i++) {
        size_t len = found.items[i].byte_end - found.items[i].byte_start;
        if (found.items[i].type == ENTITY_LINK && len < out_len) {
            memcpy(out, text + found.items[i].byte_start, len);
            out[len] = '\0';
            return 1;
        }
    }
    return 0;
}

struct image {
    const char *alt;
    uint64_t key;
    const char *did;
};

static cJSON *images_record(const struct image *img)
{
    char blob[80];
    ids_cid(img->key, blob, sizeof(blob));
    blob[1] = 'a'; /* raw-codec CIDs read "bafkrei..." */
    blob[2] = 'f';
    blob[3] = 'k';
    cJSON *embed = cJSON_CreateObject();
    cJSON_AddStringToObject(embed, "$type", "app.bsky.embed.images");
    cJSON *images = cJSON_AddArrayToObject(embed, "images");
    cJSON *image = cJSON_CreateObject();
    cJSON_AddStringToObject(image, "alt", img->alt);
    cJSON *ref = cJSON_AddObjectToObject(image, "image");
    cJSON_AddStringToObject(ref, "$type", "blob");
    cJSON *link = cJSON_AddObjectToObject(ref, "ref");
    cJSON_AddStringToObject(link, "$link", blob);
    cJSON_AddStringToObject(ref, "mimeType", "image/jpeg");
    cJSON_AddNumberToObject(ref, "size", (double)(50000 + img->key % 500000));
    cJSON *ratio = cJSON_AddObjectToObject(image, "aspectRatio");
    cJSON_AddNumberToObject(ratio, "width", 1280);
    cJSON_AddNumberToObject(ratio, "height", 960);
    cJSON_AddItemToArray(images, image);
    return embed;
}

static cJSON *images_view(const struct image *img)
{
    char blob[80], url[512];
    ids_cid(img->key, blob, sizeof(blob));
    blob[1] = 'a';
    blob[2] = 'f';
    blob[3] = 'k';
    cJSON *view = cJSON_CreateObject();
    cJSON_AddStringToObject(view, "$type", "app.bsky.embed.images#view");
    cJSON *images = cJSON_AddArrayToObject(view, "images");
    cJSON *image = cJSON_CreateObject();
    snprintf(url, sizeof(url), CDN "/feed_thumbnail/plain/%s/%s@jpeg", img->did, blob);
    cJSON_AddStringToObject(image, "thumb", url);
    snprintf(url, sizeof(url), CDN "/feed_fullsize/plain/%s/%s@jpeg", img->did, blob);
    cJSON_AddStringToObject(image, "fullsize", url);
    cJSON_AddStringToObject(image, "alt", img->alt);
    cJSON *ratio = cJSON_AddObjectToObject(image, "aspectRatio");
    cJSON_AddNumberToObject(ratio, "width", 1280);
    cJSON_AddNumberToObject(ratio, "height", 960);
    cJSON_AddItemToArray(images, image);
    return view;
}

/* A post record (app.bsky.feed.post) with the given text; embeds are added by the caller. */
static cJSON *post_record(const char *text, int64_t created_ms, const char *lang)
{
    char created[SIM_TIME_LEN];
    time_rfc3339_ms(created_ms, created);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "$type", "app.bsky.feed.post");
    cJSON_AddStringToObject(r, "createdAt", created);
    if (lang != NULL) {
        cJSON *langs = cJSON_AddArrayToObject(r, "langs");
        cJSON_AddItemToArray(langs, cJSON_CreateString(lang));
    }
    cJSON_AddStringToObject(r, "text", text);
    cJSON *facets = facets_json(text);
    if (cJSON_GetArraySize(facets) > 0)
        cJSON_AddItemToObject(r, "facets", facets);
    else
        cJSON_Delete(facets);
    return r;
}

static void add_counts(cJSON *view, uint64_t h)
{
    cJSON_AddNumberToObject(view, "replyCount", (double)(h % 4));
    cJSON_AddNumberToObject(view, "repostCount", (double)(h / 4 % 9));
    cJSON_AddNumberToObject(view, "likeCount", (double)(h / 64 % 40));
    cJSON_AddNumberToObject(view, "quoteCount", (double)(h / 4096 % 3));
}

static void ref_did(const struct sim_ref *ref, char *out, size_t len)
{
    /* at://did:plc:xxx/app.bsky.feed.post/rkey -> did:plc:xxx */
    const char *start = ref->native_id + 5;
    size_t n = strcspn(start, "/");
    snprintf(out, len, "%.*s", (int)n, start);
}

/* The other author's post as app.bsky.feed.defs#postView. */
static cJSON *ref_post_view(const struct sim_ref *ref)
{
    char did[80];
    ref_did(ref, did, sizeof(did));
    cJSON *view = cJSON_CreateObject();
    cJSON_AddStringToObject(view, "$type", "app.bsky.feed.defs#postView");
    cJSON_AddStringToObject(view, "uri", ref->native_id);
    cJSON_AddStringToObject(view, "cid", ref->cid);
    cJSON_AddItemToObject(view, "author", external_profile(ref->author, ref->created_ms - 86400000LL * 700));
    cJSON *record = post_record(ref->text, ref->created_ms, "id");
    struct image img = {.alt = ref->alt, .key = sim_hash64((uint64_t)ref->created_ms), .did = did};
    if (ref->alt != NULL)
        cJSON_AddItemToObject(record, "embed", images_record(&img));
    cJSON_AddItemToObject(view, "record", record);
    if (ref->alt != NULL)
        cJSON_AddItemToObject(view, "embed", images_view(&img));
    add_counts(view, sim_hash64((uint64_t)ref->created_ms));
    char indexed[SIM_TIME_LEN];
    time_rfc3339_ms(ref->created_ms + 150, indexed);
    cJSON_AddStringToObject(view, "indexedAt", indexed);
    cJSON_AddItemToObject(view, "labels", cJSON_CreateArray());
    return view;
}

/* The quoted post as app.bsky.embed.record#viewRecord. */
static cJSON *ref_view_record(const struct sim_ref *ref)
{
    cJSON *view = ref_post_view(ref);
    cJSON *record = cJSON_DetachItemFromObject(view, "record");
    cJSON *embed = cJSON_DetachItemFromObject(view, "embed");
    cJSON_ReplaceItemInObject(view, "$type", cJSON_CreateString("app.bsky.embed.record#viewRecord"));
    cJSON_AddItemToObject(view, "value", record);
    if (embed != NULL) {
        cJSON *embeds = cJSON_AddArrayToObject(view, "embeds");
        cJSON_AddItemToArray(embeds, embed);
    }
    return view;
}

static void post_cid(const struct sim_post *post, int64_t now, char *out, size_t len)
{
    ids_cid(post->seq ^ (sim_post_edited(post, now) ? 0xED17u : 0), out, len);
}

/* Our account's own post (post, reply or quote) as a postView. */
static cJSON *own_post_view(const struct sim_account *account, const struct sim_post *post,
                            int64_t now)
{
    char cid[80], indexed[SIM_TIME_LEN];
    post_cid(post, now, cid, sizeof(cid));
    const char *text = sim_post_text(post, now);
    cJSON *view = cJSON_CreateObject();
    cJSON_AddStringToObject(view, "uri", post->native_id);
    cJSON_AddStringToObject(view, "cid", cid);
    cJSON_AddItemToObject(view, "author", own_profile(account));
    cJSON *record = post_record(text, post->created_ms, post->lang);
    struct image img = {.alt = post->alt, .key = post->seq, .did = account->native_id};
    cJSON *embed_view = NULL;
    if (post->kind == SIM_KIND_QUOTE) {
        cJSON *quote_ref = strong_ref(post->ref.native_id, post->ref.cid);
        cJSON *embed = cJSON_CreateObject();
        cJSON *record_view = cJSON_CreateObject();
        cJSON_AddStringToObject(record_view, "$type", "app.bsky.embed.record#view");
        cJSON_AddItemToObject(record_view, "record", ref_view_record(&post->ref));
        if (post->alt != NULL) {
            cJSON_AddStringToObject(embed, "$type", "app.bsky.embed.recordWithMedia");
            cJSON *inner = cJSON_AddObjectToObject(embed, "record");
            cJSON_AddStringToObject(inner, "$type", "app.bsky.embed.record");
            cJSON_AddItemToObject(inner, "record", quote_ref);
            cJSON_AddItemToObject(embed, "media", images_record(&img));
            embed_view = cJSON_CreateObject();
            cJSON_AddStringToObject(embed_view, "$type", "app.bsky.embed.recordWithMedia#view");
            cJSON_AddItemToObject(embed_view, "record", record_view);
            cJSON_AddItemToObject(embed_view, "media", images_view(&img));
        } else {
            cJSON_AddStringToObject(embed, "$type", "app.bsky.embed.record");
            cJSON_AddItemToObject(embed, "record", quote_ref);
            embed_view = record_view;
        }
        cJSON_AddItemToObject(record, "embed", embed);
    } else if (post->alt != NULL) {
        cJSON_AddItemToObject(record, "embed", images_record(&img));
        embed_view = images_view(&img);
    } else {
        char link[512];
        if (first_link(text, link, sizeof(link))) {
            cJSON *embed = cJSON_CreateObject();
            cJSON_AddStringToObject(embed, "$type", "app.bsky.embed.external");
            cJSON *external = cJSON_AddObjectToObject(embed, "external");
            cJSON_AddStringToObject(external, "uri", link);
            cJSON_AddStringToObject(external, "title", link + (strncmp(link, "https://", 8) == 0 ? 8 : 7));
            cJSON_AddStringToObject(external, "description", "");
            cJSON_AddItemToObject(record, "embed", embed);
            embed_view = cJSON_CreateObject();
            cJSON_AddStringToObject(embed_view, "$type", "app.bsky.embed.external#view");
            cJSON_AddItemToObject(embed_view, "external", cJSON_Duplicate(external, 1));
        }
    }
    if (post->kind == SIM_KIND_REPLY) {
        cJSON *reply = cJSON_CreateObject();
        cJSON_AddItemToObject(reply, "root", strong_ref(post->ref.native_id, post->ref.cid));
        cJSON_AddItemToObject(reply, "parent", strong_ref(post->ref.native_id, post->ref.cid));
        cJSON_AddItemToObject(record, "reply", reply);
    }
    cJSON_AddItemToObject(view, "record", record);
    if (embed_view != NULL)
        cJSON_AddItemToObject(view, "embed", embed_view);
    add_counts(view, sim_hash64(post->seq));
    time_rfc3339_ms(post->created_ms + 120, indexed);
    cJSON_AddStringToObject(view, "indexedAt", indexed);
    cJSON_AddItemToObject(view, "labels", cJSON_CreateArray());
    return view;
}

static cJSON *feed_item(const struct sim_account *account, const struct sim_post *post,
                        int64_t now, int pinned)
{
    cJSON *item = cJSON_CreateObject();
    if (post->kind == SIM_KIND_REPOST) {
        char cid[80], indexed[SIM_TIME_LEN];
        cJSON_AddItemToObject(item, "post", ref_post_view(&post->ref));
        post_cid(post, now, cid, sizeof(cid));
        time_rfc3339_ms(post->created_ms, indexed);
        cJSON *reason = cJSON_AddObjectToObject(item, "reason");
        cJSON_AddStringToObject(reason, "$type", "app.bsky.feed.defs#reasonRepost");
        cJSON_AddItemToObject(reason, "by", own_profile(account));
        cJSON_AddStringToObject(reason, "uri", post->native_id);
        cJSON_AddStringToObject(reason, "cid", cid);
        cJSON_AddStringToObject(reason, "indexedAt", indexed);
        return item;
    }
    cJSON_AddItemToObject(item, "post", own_post_view(account, post, now));
    if (post->kind == SIM_KIND_REPLY) {
        cJSON *reply = cJSON_AddObjectToObject(item, "reply");
        cJSON_AddItemToObject(reply, "root", ref_post_view(&post->ref));
        cJSON_AddItemToObject(reply, "parent", ref_post_view(&post->ref));
    }
    if (pinned) {
        cJSON *reason = cJSON_AddObjectToObject(item, "reason");
        cJSON_AddStringToObject(reason, "$type", "app.bsky.feed.defs#reasonPin");
    }
    return item;
}

static int filter_keeps(const char *filter, const struct sim_post *post)
{
    if (filter == NULL || strcmp(filter, "posts_with_replies") == 0)
        return 1;
    if (strcmp(filter, "posts_no_replies") == 0 || strcmp(filter, "posts_and_author_threads") == 0)
        return post->kind != SIM_KIND_REPLY;
    if (strcmp(filter, "posts_with_media") == 0)
        return post->kind != SIM_KIND_REPOST && post->alt != NULL;
    return 0; /* posts_with_video: the simulated accounts post no video */
}

static void render_feed(struct sim_request *req, int64_t now, struct sim_reply *reply)
{
    long limit = DEFAULT_LIMIT;
    const char *limit_text = request_query(req, "limit");
    if (limit_text != NULL) {
        char *end = NULL;
        limit = strtol(limit_text, &end, 10);
        if (*end != '\0' || end == limit_text || limit < 1 || limit > MAX_LIMIT) {
            xrpc_error(reply, 400, "InvalidRequest",
                       limit < 1 ? "Error: limit can not be less than 1"
                                 : "Error: limit can not be greater than 100");
            return;
        }
    }
    const char *filter = request_query(req, "filter");
    if (filter != NULL && strcmp(filter, "posts_with_replies") != 0 &&
        strcmp(filter, "posts_no_replies") != 0 && strcmp(filter, "posts_with_media") != 0 &&
        strcmp(filter, "posts_and_author_threads") != 0 && strcmp(filter, "posts_with_video") != 0) {
        xrpc_error(reply, 400, "InvalidRequest", "Error: filter must be one of the enum values");
        return;
    }
    const char *pins = request_query(req, "includePins");
    int include_pins = pins != NULL && strcmp(pins, "true") == 0;
    size_t count = 0;
    struct sim_post **posts = world_visible_posts(req->account, now, &count);
    if (posts == NULL) {
        error_reply(reply, 500, "Internal Server Error");
        return;
    }
    uint64_t below = UINT64_MAX;
    const char *cursor = request_query(req, "cursor");
    if (cursor != NULL && cursor[0] != '\0') {
        below = 0;
        for (size_t i = 0; i < req->account->post_count && below == 0; i++)
            if (strcmp(req->account->posts[i]->rkey, cursor) == 0)
                below = req->account->posts[i]->seq;
        if (below == 0) {
            free(posts);
            xrpc_error(reply, 400, "InvalidRequest", "Malformed cursor");
            return;
        }
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *feed = cJSON_CreateArray();
    if (include_pins && below == UINT64_MAX && req->account->pinned_seq != 0) {
        for (size_t i = 0; i < count; i++)
            if (posts[i]->seq == req->account->pinned_seq)
                cJSON_AddItemToArray(feed, feed_item(req->account, posts[i], now, 1));
    }
    long served = 0;
    const struct sim_post *last = NULL;
    int more = 0;
    for (size_t i = count; i > 0; i--) {
        const struct sim_post *post = posts[i - 1];
        if (post->seq >= below || !filter_keeps(filter, post))
            continue;
        if (served == limit) {
            more = 1;
            break;
        }
        cJSON_AddItemToArray(feed, feed_item(req->account, post, now, 0));
        served++;
        last = post;
    }
    if (more && last != NULL)
        cJSON_AddStringToObject(doc, "cursor", last->rkey);
    cJSON_AddItemToObject(doc, "feed", feed);
    free(posts);
    reply_json(reply, 200, doc);
}

static cJSON *profile_detailed(const struct sim_account *account, int64_t now)
{
    cJSON *p = own_profile(account);
    char description[512], indexed[SIM_TIME_LEN];
    snprintf(description, sizeof(description), "ASN %s. Pendapat pribadi.", account->person.agency);
    cJSON_AddStringToObject(p, "description", description);
    size_t posts = 0;
    for (size_t i = 0; i < account->post_count; i++)
        posts += sim_post_visible(account->posts[i], now);
    cJSON_AddNumberToObject(p, "followersCount", 30 + (double)(account->created_ms / 1000 % 700));
    cJSON_AddNumberToObject(p, "followsCount", 20 + (double)(account->created_ms / 9000 % 200));
    cJSON_AddNumberToObject(p, "postsCount", (double)posts);
    time_rfc3339_ms(account->created_ms, indexed);
    cJSON_AddStringToObject(p, "indexedAt", indexed);
    return p;
}

/* limit=1..100, default 50; 0 to go on, -1 with a 400 reply. */
static int parse_limit(const struct sim_request *req, long *limit, struct sim_reply *reply)
{
    *limit = DEFAULT_LIMIT;
    const char *text = request_query(req, "limit");
    if (text == NULL)
        return 0;
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < 1 || v > MAX_LIMIT) {
        xrpc_error(reply, 400, "InvalidRequest",
                   v < 1 ? "Error: limit can not be less than 1"
                         : "Error: limit can not be greater than 100");
        return -1;
    }
    *limit = v;
    return 0;
}

/* profileView: the basic profile with its description and indexedAt. */
static cJSON *profile_view(const struct sim_world *world, const struct engage_target *target)
{
    char indexed[SIM_TIME_LEN], description[512];
    cJSON *p;
    if (target->kind == ENGAGE_ACCOUNT) {
        const struct sim_account *account = &world->accounts[target->index];
        p = own_profile(account);
        snprintf(description, sizeof(description), "ASN %s. Pendapat pribadi.",
                 account->person.agency);
        time_rfc3339_ms(account->created_ms, indexed);
    } else {
        const struct bank_author *author = bank_author_at(target->index);
        p = external_profile(author, EXTERNAL_CREATED_MS);
        snprintf(description, sizeof(description), "%s", author->bio);
        time_rfc3339_ms(EXTERNAL_CREATED_MS, indexed);
    }
    cJSON_AddStringToObject(p, "description", description);
    cJSON_AddStringToObject(p, "indexedAt", indexed);
    return p;
}

static void render_follows(struct sim *sim, struct sim_request *req, int64_t now,
                           struct sim_reply *reply)
{
    long limit = 0;
    if (parse_limit(req, &limit, reply) != 0)
        return;
    uint64_t below = UINT64_MAX;
    const char *cursor = request_query(req, "cursor");
    if (cursor != NULL && cursor[0] != '\0') {
        char *end = NULL;
        below = strtoull(cursor, &end, 10);
        if (*end != '\0' || cursor[0] < '0' || cursor[0] > '9') {
            xrpc_error(reply, 400, "InvalidRequest", "Malformed cursor");
            return;
        }
    }
    struct engage_follow *follows = NULL;
    size_t count = 0;
    if (engage_follows(&sim->world, &sim->engage, req->account, now, &follows, &count) != 0) {
        error_reply(reply, 500, "Internal Server Error");
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    struct engage_target self = {ENGAGE_ACCOUNT, (size_t)(req->account - sim->world.accounts)};
    cJSON_AddItemToObject(doc, "subject", profile_view(&sim->world, &self));
    cJSON *list = cJSON_AddArrayToObject(doc, "follows");
    long served = 0;
    uint64_t last = 0;
    int more = 0;
    for (size_t i = 0; i < count; i++) {
        if (follows[i].key >= below)
            continue;
        if (served == limit) {
            more = 1;
            break;
        }
        cJSON_AddItemToArray(list, profile_view(&sim->world, &follows[i].target));
        last = follows[i].key;
        served++;
    }
    if (more) {
        char text[32];
        snprintf(text, sizeof(text), "%" PRIu64, last);
        cJSON_AddStringToObject(doc, "cursor", text);
    }
    engage_follows_free(follows);
    reply_json(reply, 200, doc);
}

static void render_list_records(struct sim *sim, struct sim_request *req, int64_t now,
                                struct sim_reply *reply)
{
    long limit = 0;
    if (parse_limit(req, &limit, reply) != 0)
        return;
    const char *collection = request_query(req, "collection");
    if (collection == NULL || collection[0] == '\0') {
        xrpc_error(reply, 400, "InvalidRequest", "Error: Params must have the property \"collection\"");
        return;
    }
    const char *reverse_text = request_query(req, "reverse");
    int reverse = reverse_text != NULL && strcmp(reverse_text, "true") == 0;
    const char *cursor = request_query(req, "cursor");
    if (cursor != NULL && cursor[0] == '\0')
        cursor = NULL;
    struct engage_like *likes = NULL;
    size_t count = 0;
    if (strcmp(collection, LIKE_COLLECTION) == 0 &&
        engage_likes(&sim->world, &sim->engage, req->account, now, &likes, &count) != 0) {
        error_reply(reply, 500, "Internal Server Error");
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *records = cJSON_AddArrayToObject(doc, "records");
    long served = 0;
    const char *last = NULL;
    int more = 0;
    for (size_t n = 0; n < count; n++) {
        const struct engage_like *like = &likes[reverse ? count - 1 - n : n];
        if (cursor != NULL && (reverse ? strcmp(like->rkey, cursor) <= 0
                                       : strcmp(like->rkey, cursor) >= 0))
            continue;
        if (served == limit) {
            more = 1;
            break;
        }
        char uri[256], cid[80], created[SIM_TIME_LEN];
        snprintf(uri, sizeof(uri), "at://%s/" LIKE_COLLECTION "/%s", req->account->native_id,
                 like->rkey);
        ids_cid(sim_hash_bytes(uri, strlen(uri), 5), cid, sizeof(cid));
        time_rfc3339_ms(like->liked_ms, created);
        cJSON *record = cJSON_CreateObject();
        cJSON_AddStringToObject(record, "uri", uri);
        cJSON_AddStringToObject(record, "cid", cid);
        cJSON *value = cJSON_AddObjectToObject(record, "value");
        cJSON_AddStringToObject(value, "$type", LIKE_COLLECTION);
        cJSON_AddItemToObject(value, "subject", strong_ref(like->post.native_id, like->post.cid));
        cJSON_AddStringToObject(value, "createdAt", created);
        cJSON_AddItemToArray(records, record);
        last = like->rkey;
        served++;
    }
    if (more && last != NULL)
        cJSON_AddStringToObject(doc, "cursor", last);
    engage_likes_free(likes, count);
    reply_json(reply, 200, doc);
}

static void render_get_posts(struct sim *sim, struct sim_request *req, int64_t now,
                             struct sim_reply *reply)
{
    const char *uris[MAX_URIS];
    size_t count = request_query_all(req, "uris", uris, MAX_URIS);
    if (count == 0) {
        xrpc_error(reply, 400, "InvalidRequest", "Error: Params must have the property \"uris\"");
        return;
    }
    if (count > MAX_URIS) {
        xrpc_error(reply, 400, "InvalidRequest", "Error: uris must not have more than 25 elements");
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *posts = cJSON_AddArrayToObject(doc, "posts");
    for (size_t i = 0; i < count; i++) {
        struct engage_post post;
        char *owned = NULL;
        if (engage_find_post(&sim->world, &sim->engage, uris[i], now, &post, &owned) != 0)
            continue;
        if (post.post != NULL) {
            cJSON_AddItemToArray(posts, own_post_view(&sim->world.accounts[post.author.index],
                                                      post.post, now));
        } else {
            struct sim_ref ref = {.author = bank_author_at(post.author.index),
                                  .text = (char *)post.text,
                                  .created_ms = post.created_ms};
            snprintf(ref.native_id, sizeof(ref.native_id), "%s", post.native_id);
            snprintf(ref.cid, sizeof(ref.cid), "%s", post.cid);
            cJSON_AddItemToArray(posts, ref_post_view(&ref));
        }
        free(owned);
    }
    reply_json(reply, 200, doc);
}

static void render(struct sim *sim, struct sim_request *req, int64_t now, struct sim_reply *reply)
{
    switch (req->endpoint) {
    case ENDPOINT_RESOLVE: {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "did", req->account->native_id);
        reply_json(reply, 200, doc);
        break;
    }
    case ENDPOINT_PROFILE:
        reply_json(reply, 200, profile_detailed(req->account, now));
        break;
    case ENDPOINT_AUTHOR_FEED:
        render_feed(req, now, reply);
        break;
    case ENDPOINT_FOLLOWS:
        render_follows(sim, req, now, reply);
        break;
    case ENDPOINT_LIST_RECORDS:
        render_list_records(sim, req, now, reply);
        break;
    case ENDPOINT_GET_POSTS:
        render_get_posts(sim, req, now, reply);
        break;
    default:
        error_reply(reply, 404, "Method Not Implemented");
        break;
    }
}

const struct platform_routes bluesky_routes = {
    .platform = SIM_BLUESKY,
    .prefix = "/bluesky",
    .resolve = resolve,
    .authorize = NULL,
    .render = render,
    .error = error_reply,
    .gone = gone,
    .rate_headers = rate_headers,
};
