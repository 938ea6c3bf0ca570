/* What a platform's post adapter (mastodon.c, bluesky.c, x.c) shares with the engagement adapters
 * of the same platform (mastodon_following.c, bluesky_follows.c, bluesky_likes.c,
 * x_engagement.c): identifier checks, the reading of the platform's error answers and paging
 * signals, so that one platform is read one way. Internal to netra_adapters.
 *
 * The native-id lookup is not here: an engagement adapter whose account has no native id yet
 * hands build_request and parse to the post adapter (adapter_mastodon, ...), which answers the
 * lookup exactly as it does for posts.
 *
 * Every function returning int 0/-1 sets err on -1; pointers returned point into the arguments
 * (a cJSON tree) unless said malloc'd. */
#ifndef NETRA_CRAWLER_ADAPTERS_ADAPTER_PLATFORM_H
#define NETRA_CRAWLER_ADAPTERS_ADAPTER_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "crawler/adapters/adapter.h"

/* ---- Mastodon ---- */

/* An account or status id: 1 to 64 of [A-Za-z0-9_-] (safe in a URL path and query). */
int mastodon_id_valid(const char *id);

/* *out = settings.base_url, else https://<instance> of the handle user@instance (malloc'd);
 * refused when the handle is not user@instance. */
int mastodon_base_url(const struct adapter_settings *settings, const char *handle, char **out,
                      char *err, size_t err_len);

/* A non-2xx answer: 404 and 410 are gone (0, out->gone = 1); anything else is -1 with
 * "HTTP <status>[: <the server's error>]". */
int mastodon_answer_not_ok(const struct adapter_response *response, struct adapter_result *out,
                           char *err, size_t err_len);

/* *max_id = the max_id of the Link header's rel="next" target (malloc'd, a valid id), NULL when
 * there is no rel="next"; the target is resolved against base (may be NULL). */
int mastodon_link_next_max_id(const char *link, const char *base, char **max_id, char *err,
                              size_t err_len);

/* ---- Bluesky ---- */

#define BLUESKY_APPVIEW_URL "https://public.api.bsky.app"
#define BLUESKY_DID_MAX 2048
#define BLUESKY_HANDLE_MAX 253
#define BLUESKY_RKEY_MAX 512

/* The parts of "at://<authority>/<collection>/<rkey>", copied. */
struct bluesky_at_uri {
    char authority[BLUESKY_DID_MAX + 1];
    char collection[BLUESKY_HANDLE_MAX + 1];
    char rkey[BLUESKY_RKEY_MAX + 1];
};

int bluesky_did_valid(const char *did);
int bluesky_handle_valid(const char *handle);
int bluesky_rkey_valid(const char *rkey);
/* 0 when uri is an at:// URI whose authority is a DID or a handle; -1 otherwise. */
int bluesky_at_uri_split(const char *uri, struct bluesky_at_uri *out);
/* The bsky.app page of a post URI (malloc'd), or NULL; who (may be NULL) names the author when
 * it is a valid handle. */
char *bluesky_post_page_url(const char *uri, const char *who);
/* A cursor from a body: 1 to 1024 bytes without control characters. */
int bluesky_page_token_valid(const char *token);
/* A profile view's handle, or its DID when the handle does not verify; NULL with neither. */
const char *bluesky_profile_name(const cJSON *profile);

/* A non-2xx answer: gone (0, out->gone = 1) when a 400's XRPC error says the handle (lookup 1)
 * or the profile (lookup 0) is not there; else -1 with "HTTP <status>: <error>: <message>". */
int bluesky_answer_not_ok(int lookup, const struct adapter_response *response,
                          struct adapter_result *out, char *err, size_t err_len);

/* ---- X ---- */

#define X_API_URL "https://api.x.com"

bool x_is_username(const char *s);
/* An X id: 1 to 20 decimal digits. */
bool x_is_id(const char *s);

/* A 200 answer without data: gone when an error says the user is not there, X's own reason as
 * the error for another problem, an empty page (or an error when data_required) without errors. */
int x_answer_without_data(const cJSON *root, bool data_required, int *gone, char *err,
                          size_t err_len);

/* Post text with the HTML escapes X writes in it decoded (malloc'd; NULL when out of memory). */
char *x_unescape_text(const char *text);
/* A non-2xx answer: -1 with X's problem object (title, detail, reason) as the error. */
int x_answer_not_ok(const struct adapter_response *response, char *err, size_t err_len);

/* meta.next_token into out->next_page (bounded, UTF-8, never the page just fetched); nothing at
 * the last page. */
int x_read_next_token(const cJSON *root, const struct adapter_context *context,
                      struct adapter_result *out, char *err, size_t err_len);

#endif
