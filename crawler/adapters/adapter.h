/* A platform adapter: two pure functions, no network, no Redis, no clock of its own.
 *
 *   build_request(context) -> the HTTP request to send next for this account
 *   parse(context, response) -> post messages, the next page to fetch (if any), the new cursor
 *
 * A crawl of one account is a sequence of pages. The engine calls build_request with page NULL,
 * sends it, calls parse on the answer, and while parse returns a next_page it calls build_request
 * again with that page. Cursor semantics are the adapter's own and opaque to the engine:
 *
 *   cursor  persisted in acct:<id> between crawls: the newest thing already seen ("" = never
 *           crawled). Any parse may return new_cursor (NULL = no change); the engine keeps the
 *           last one returned and stores it only when the crawl completes (next_page NULL) with
 *           every page's posts in the stream. A crawl cut short (max pages, error, shutdown)
 *           stores nothing, so the next one starts from the old cursor and dedup absorbs the
 *           repeats. An adapter pages until it reaches the old cursor, or, in a rescan (since_s
 *           > 0, cursor ignored and left unchanged), until posts are older than since_s.
 *   page    a continuation inside one crawl, only from the previous parse of the same crawl.
 *
 * When an account needs its native id first (Mastodon accounts/lookup, Bluesky resolveHandle,
 * X users/by/username) and account->native_id is "", build_request returns the lookup request
 * and parse returns native_id (or gone = 1); the engine stores it and starts the crawl proper.
 *
 * parse is called for a 2xx answer, and for a 4xx other than 404, 410 and 429 so that a
 * platform that signals a missing account in a 400 body (Bluesky) can say gone; for those it
 * returns gone or -1, never posts. A 404 or 410 is gone without asking the adapter. Bytes are
 * hostile: any malformed body is -1 with err
 * naming what and where (e.g. "statuses[3].created_at: expected an RFC 3339 time"); a single
 * malformed item inside a good page is skipped, counted in skipped, and reported in
 * first_skip_reason, without losing the other items.
 *
 * Posts come out with id ("<platform>:<native id>"), platform, author, url, created_at (RFC 3339
 * UTC), kind, text (plain, HTML stripped, entities decoded), hashtags, mentions, links, media,
 * repost_of, lang, and raw (the item's bytes, re-serialised compactly by the parser) set;
 * account, fetched_at, region and rescan are the engine's to fill.
 *
 * Engagement adapters (mastodon-following, bluesky-follows, bluesky-likes, x-following, x-liked;
 * adapter_engagement() lists a platform's) keep the same contract but return messages of kind
 * follow or like (queue/post_message.h): id "<platform>:follow:<watched native id>:<target id>" or
 * "<platform>:like:<watched native id>:<liked post id>", author the watched account's handle, url
 * and target.url the followed profile or the liked post, target.id / account / account_id / name /
 * text the followed account (its bio) or the liked post (its text) and its author, text "",
 * created_at only when the platform says when the like happened (Bluesky), raw the item as
 * served. Follow listings have no cursor (new_cursor is always NULL): every crawl reads the whole
 * list, and only a crawl that ends with next_page NULL has seen all of it. Like listings keep as
 * cursor the newest like of the last complete crawl and page until they reach it. Bluesky likes
 * take two requests per batch (the like records, then the liked posts): their page strings carry
 * the records between the two, so a crawl's page count includes both.
 *
 * Everything a struct adapter_request / adapter_result holds is owned by it and released by
 * adapter_request_free() / adapter_result_free(). */
#ifndef NETRA_CRAWLER_ADAPTERS_ADAPTER_H
#define NETRA_CRAWLER_ADAPTERS_ADAPTER_H

#include <stddef.h>

#include "queue/post_message.h"

#define ADAPTER_MAX_HEADERS 8

/* What the engine knows of the platform (from the config's platforms.<name> section). */
struct adapter_settings {
    const char *base_url; /* "https://mastodon.example" (no trailing slash); unused by feed */
    const char *token;    /* bearer token, or NULL */
    /* bluesky-likes only: the PDS where the account's like records are listed
     * (com.atproto.repo.listRecords); NULL or "" = base_url, else https://bsky.social. */
    const char *pds_url;
    int page_size;        /* items asked for per page (the adapter clamps it to the platform's max) */
    /* jsonapi only: the account's URL template ("{handle}", "{cursor}" are replaced, URL-encoded)
     * and RFC 6901 JSON pointers into the body and into each item. */
    const char *jsonapi_url;
    const char *jsonapi_items;      /* "/data" : the array of items */
    const char *jsonapi_id;         /* "/id" in an item */
    const char *jsonapi_text;       /* "/body" */
    const char *jsonapi_created_at; /* "/created" */
    const char *jsonapi_url_field;  /* "/permalink", or NULL */
    const char *jsonapi_author;     /* "/user/name", or NULL */
    const char *jsonapi_next;       /* "/next_cursor" in the body, or NULL: one page only */
};

struct adapter_account {
    const char *id;        /* watchlist id */
    const char *handle;
    const char *native_id; /* "" until resolved */
};

struct adapter_context {
    const struct adapter_settings *settings;
    const struct adapter_account *account;
    const char *cursor; /* "" when never crawled */
    const char *page;   /* NULL on the first request of a crawl */
    long long since_s;  /* rescan: page back to this Unix time; 0 for a normal crawl */
};

struct adapter_request {
    char *url;                             /* absolute http(s) URL */
    char *headers[ADAPTER_MAX_HEADERS];    /* "Name: value" */
    size_t header_count;
    int is_lookup;                         /* the native-id lookup, not a page of posts */
};

/* The parts of an HTTP answer an adapter may read (the engine owns the bytes). */
struct adapter_response {
    long status;
    const char *body;
    size_t body_len;
    const char *content_type; /* or NULL */
    const char *link;         /* the Link header, or NULL */
};

struct adapter_result {
    struct post_message **posts;
    size_t count;
    char *next_page;  /* NULL: the crawl is complete */
    char *new_cursor; /* NULL: keep the cursor */
    char *native_id;  /* lookup answers only */
    int gone;         /* the account no longer exists (lookup or page) */
    size_t skipped;   /* malformed items left out */
    char *first_skip_reason;
};

/* What an adapter lists. A following list is read whole on every crawl, so the engine can tell
 * the accounts no longer followed from a complete listing; posts and likes page to a cursor. */
enum adapter_listing { ADAPTER_LISTS_POSTS, ADAPTER_LISTS_FOLLOWS, ADAPTER_LISTS_LIKES };

struct adapter {
    const char *name; /* the watchlist platform name, or the engagement adapter's name */
    int (*build_request)(const struct adapter_context *context, struct adapter_request *out,
                         char *err, size_t err_len);
    int (*parse)(const struct adapter_context *context, const struct adapter_response *response,
                 struct adapter_result *out, char *err, size_t err_len);
    enum adapter_listing listing;
};

/* The adapter for a watchlist platform name or an engagement adapter name ("bluesky-likes"), or
 * NULL. */
const struct adapter *adapter_find(const char *platform);

/* The engagement adapters of a watchlist platform (mastodon: following; bluesky: follows,
 * likes; x: following, liked), *count of them; NULL and 0 for a platform without any. */
const struct adapter *const *adapter_engagement(const char *platform, size_t *count);

void adapter_request_free(struct adapter_request *request);
void adapter_result_free(struct adapter_result *result);

extern const struct adapter adapter_mastodon;
extern const struct adapter adapter_bluesky;
extern const struct adapter adapter_x;
extern const struct adapter adapter_feed;
extern const struct adapter adapter_jsonapi;
extern const struct adapter adapter_mastodon_following;
extern const struct adapter adapter_bluesky_follows;
extern const struct adapter adapter_bluesky_likes;
extern const struct adapter adapter_x_following;
extern const struct adapter adapter_x_liked;

#endif
