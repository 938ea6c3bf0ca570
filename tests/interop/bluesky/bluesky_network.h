/* Helpers for netra's interop tests against Bluesky's reference servers (tests/interop/bluesky/run
 * starts them): accounts and records written through the real PDS by network.mjs's control port,
 * and the AppView's own answers read back to compare netra with.
 *
 * The URLs come from NETRA_BLUESKY_CONTROL_URL and NETRA_BLUESKY_APPVIEW_URL. Every helper fails
 * the running test on error instead of returning one; every write has been indexed by the AppView
 * when it returns. JSON returned is the caller's to cJSON_Delete(). */
#ifndef NETRA_TESTS_INTEROP_BLUESKY_NETWORK_H
#define NETRA_TESTS_INTEROP_BLUESKY_NETWORK_H

#include <cjson/cJSON.h>

#define BSKY_DID_MAX 128
#define BSKY_HANDLE_MAX 254
#define BSKY_URI_MAX 256

struct bsky_account {
    char handle[BSKY_HANDLE_MAX];
    char did[BSKY_DID_MAX];
};

/* A strong reference to a record (what replies, quotes and reposts point at). */
struct bsky_ref {
    char uri[BSKY_URI_MAX];
    char cid[BSKY_URI_MAX];
};

/* The AppView's base URL, as the crawler is given it. */
const char *bsky_appview_url(void);

/* createAccount on the PDS, then the profile record with display_name. */
void bsky_account_create(struct bsky_account *out, const char *handle, const char *display_name);

/* putRecord of the account's profile with display_name and description (its bio). */
void bsky_profile_set(const struct bsky_account *account, const char *display_name,
                      const char *description);

/* createRecord of `record` (taken over: deleted here) in collection; its reference in *out. */
void bsky_record_create(const struct bsky_account *account, const char *collection, cJSON *record,
                        struct bsky_ref *out);
/* deleteRecord of the record at uri. */
void bsky_record_delete(const struct bsky_account *account, const char *uri);
/* deactivateAccount: the AppView stops showing the account. */
void bsky_control_deactivate(const struct bsky_account *account);
/* uploadBlob; returns the blob reference (lexicon JSON) to put into a record. */
cJSON *bsky_blob_upload(const struct bsky_account *account, const void *data, size_t len,
                        const char *mime_type);

/* A new app.bsky.feed.post record with text and createdAt now; add facets and embeds to it. */
cJSON *bsky_post_record(const char *text);
/* Sets the record's createdAt to seconds before now, as a client with a clock behind (or one
 * posting a draft written earlier) does. */
void bsky_record_backdate(cJSON *record, long long seconds);
/* A new app.bsky.feed.repost record of subject, createdAt now (collection app.bsky.feed.repost). */
cJSON *bsky_repost_record(const struct bsky_ref *subject);
/* Facets over the first occurrence of `covered` in the post's text (the test fails when it does
 * not occur): a #mention of did, a #link to uri, a #tag of tag. */
void bsky_facet_mention(cJSON *post, const char *covered, const char *did);
void bsky_facet_link(cJSON *post, const char *covered, const char *uri);
void bsky_facet_tag(cJSON *post, const char *covered, const char *tag);
/* record.reply to parent, under root. */
void bsky_reply_to(cJSON *post, const struct bsky_ref *root, const struct bsky_ref *parent);
/* A strong reference as lexicon JSON ({uri, cid}). */
cJSON *bsky_ref_json(const struct bsky_ref *ref);

/* A new app.bsky.graph.follow record of the account did, createdAt now (collection
 * app.bsky.graph.follow); deleting it is an unfollow. */
cJSON *bsky_follow_record(const char *did);
/* A new app.bsky.feed.like record of subject, createdAt now (collection app.bsky.feed.like). */
cJSON *bsky_like_record(const struct bsky_ref *subject);

/* GET {appview}/xrpc/<method>?<query> answered 200, as JSON. */
cJSON *bsky_appview_get(const char *method, const char *query);
/* Every item of app.bsky.feed.getAuthorFeed for did, all pages, newest first, as one array. */
cJSON *bsky_author_feed(const char *did);
/* Every entry of the answers' array `list` of an actor listing (method with actor=did), all
 * pages in the AppView's order, as one array: app.bsky.graph.getFollows with "follows". */
cJSON *bsky_actor_list(const char *method, const char *did, const char *list);

#endif
