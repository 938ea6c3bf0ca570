/* The simulated world: accounts on five platforms, their posts, and virtual time.
 *
 * Everything follows from the seed: the same seed (and --start) gives the same accounts, post
 * times, ids and texts. Time is virtual: now = start + real elapsed * speed. Each account has
 * history_days of posts before start and keeps posting as virtual time passes (exponential gaps
 * averaging posts_per_day); some posts are edited or deleted later. Posts are generated lazily
 * up to now (world_advance), each account from its own rng stream, so when the world is
 * advanced never changes what it contains.
 *
 * Accounts are found by id, username or native id in constant time (hash indexes), and a
 * platform request only generates the posts of the account it names (world_advance_account), so
 * serving one account costs the same in a world of 50 accounts or of 200,000.
 *
 * Concurrency: one mutex guards everything. Callers hold world_lock() around any use of the
 * accounts or posts (routes render under it) and call world_advance() first. The world owns every
 * account and post; pointers into it stay valid until world_free() (posts are never freed or
 * moved: deletion only marks them). */
#ifndef NETRA_SIM_WORLD_H
#define NETRA_SIM_WORLD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/account_index.h"
#include "sim/bank.h"
#include "sim/people.h"
#include "sim/rng.h"

enum sim_platform { SIM_MASTODON, SIM_BLUESKY, SIM_X, SIM_FEED, SIM_JSONAPI, SIM_PLATFORM_COUNT };
enum sim_feed_format { SIM_FEED_RSS, SIM_FEED_ATOM, SIM_FEED_JSON };
enum sim_kind { SIM_KIND_POST, SIM_KIND_REPOST, SIM_KIND_REPLY, SIM_KIND_QUOTE };

#define SIM_ID_LEN 160
#define SIM_MAX_TEXT_BYTES 20000

/* The other post a repost, reply or quote points at, written by someone outside the watchlist. */
struct sim_ref {
    const struct bank_author *author;
    char native_id[SIM_ID_LEN]; /* its id on the platform (Bluesky: its at:// URI) */
    char cid[64];               /* Bluesky only */
    char *text;                 /* owned; as the platform shows it */
    const char *alt;            /* its photo's alt text, or NULL */
    int64_t created_ms;
};

struct sim_post {
    size_t account;             /* index into the world's accounts */
    uint64_t seq;               /* the time-ordered number behind native_id, unique per platform */
    char native_id[SIM_ID_LEN]; /* mastodon/x/jsonapi: decimal id; bluesky: at:// URI; feed: guid */
    char rkey[16];              /* Bluesky: the record key (TID) */
    int64_t created_ms;
    int64_t edited_ms;  /* 0: never; the edit shows once now >= edited_ms */
    int64_t deleted_ms; /* 0: never; gone once now >= deleted_ms */
    enum sim_kind kind;
    int category; /* enum bank_category, or -1 for a post made through /_sim/publish */
    char *text;   /* owned; as written, before any edit */
    char *edited_text; /* owned; NULL until an edit exists */
    const char *lang;
    const char *alt; /* the attached photo's alt text (static), or NULL when it has no photo */
    int unlisted;    /* Mastodon visibility "unlisted" instead of "public" */
    struct sim_ref ref; /* for repost, reply and quote */
};

struct sim_account {
    char id[32]; /* the watchlist id: "acc-7" */
    enum sim_platform platform;
    enum sim_feed_format feed_format; /* feed accounts only */
    size_t region;
    struct sim_person person;
    char username[64];  /* mastodon: rizal_maulana; bluesky: rizalmaulana.bsky.sim; x: rizal_maulana;
                           feed: rizal.maulana; jsonapi: portal-123456 */
    char native_id[64]; /* mastodon/x: decimal id; bluesky: did:plc:...; feed: channel id;
                           jsonapi: the handle */
    int interval_s;
    int64_t created_ms;
    uint64_t pinned_seq; /* Bluesky: the seq of its pinned post, 0 = none */

    struct sim_rng rng;
    int64_t next_post_ms;
    uint64_t last_seq;
    uint32_t serial;
    struct sim_post **posts; /* ascending by created_ms and by seq */
    size_t post_count;
    size_t post_capacity;
};

/* Accounts in a world: 1..SIM_MAX_ACCOUNTS. */
#define SIM_MAX_ACCOUNTS 200000

struct sim_world_options {
    uint64_t seed;
    size_t accounts;
    /* The platforms accounts go round robin over, in this order; platform_count 0 means all
     * five in enum order (acc-1 mastodon, acc-2 bluesky, ...). */
    enum sim_platform platforms[SIM_PLATFORM_COUNT];
    size_t platform_count;
    int64_t start_ms;
    double speed;
    double posts_per_day;
    double history_days;
};

struct sim_world {
    struct sim_world_options options;
    struct sim_account *accounts;
    size_t account_count;
    struct account_index usernames;  /* (platform, username), any case; feeds: none */
    struct account_index native_ids; /* (platform, native id) */
    /* Post ids keep 10 bits for the account; accounts that share them post at different
     * milliseconds modulo id_spread (1 in worlds of up to 1024 accounts). */
    int64_t id_spread;
    int64_t monotonic_start_ms;
    int64_t generated_until_ms;
    char base_url[96]; /* "http://127.0.0.1:PORT", set once listening */
    pthread_mutex_t lock;
};

const char *sim_platform_name(enum sim_platform platform);
int sim_platform_from_name(const char *name, enum sim_platform *platform);
const char *sim_kind_name(enum sim_kind kind);
const char *sim_feed_extension(enum sim_feed_format format);

int world_init(struct sim_world *world, const struct sim_world_options *options, char *err,
               size_t err_len);
void world_free(struct sim_world *world);
void world_set_base_url(struct sim_world *world, const char *base_url);

void world_lock(struct sim_world *world);
void world_unlock(struct sim_world *world);

/* Virtual now, in Unix milliseconds. */
int64_t world_now_ms(const struct sim_world *world);
/* Generates every account's posts due by virtual now; returns now. -1 on allocation failure.
 * Costs a pass over every account: for control requests, not for platform requests. */
int64_t world_advance(struct sim_world *world);
/* Generates the posts of one account due by now_ms (a value of world_now_ms() taken under the
 * lock, never decreasing). 0, or -1 on allocation failure. */
int world_advance_account(struct sim_world *world, struct sim_account *account, int64_t now_ms);

struct sim_account *world_account_by_id(struct sim_world *world, const char *id);
/* By the platform's own name for it: mastodon acct ("user" or "user@sim.mastodon"), bluesky
 * handle, x username (case-insensitive), jsonapi handle, feed id. */
struct sim_account *world_account_by_username(struct sim_world *world, enum sim_platform platform,
                                              const char *username);
struct sim_account *world_account_by_native_id(struct sim_world *world,
                                               enum sim_platform platform, const char *native_id);
/* The watchlist handle: user@sim.mastodon, user.bsky.sim, user_name, the feed URL, the jsonapi
 * handle. */
void world_account_handle(const struct sim_world *world, const struct sim_account *account,
                          char *out, size_t out_len);

int sim_post_visible(const struct sim_post *post, int64_t now_ms);
int sim_post_edited(const struct sim_post *post, int64_t now_ms);
const char *sim_post_text(const struct sim_post *post, int64_t now_ms);
/* The time of the last change anyone could see (creation or edit). */
int64_t sim_post_updated_ms(const struct sim_post *post, int64_t now_ms);

/* The account's posts visible at now, oldest first, as a new array (free() it; the posts stay
 * the world's). NULL on allocation failure; an account with no posts gives a non-NULL empty
 * array. */
struct sim_post **world_visible_posts(const struct sim_account *account, int64_t now_ms,
                                      size_t *count);

/* "<platform>:<native id>" -> the post, or NULL (also for posts not yet generated: call
 * world_advance() first). A scan of every post: for control requests only. */
struct sim_post *world_post_by_id(struct sim_world *world, const char *id);

/* A bank text as a platform shows it (Bluesky mentions become handles), as a new string (free()
 * it), or NULL on allocation failure. */
char *world_platform_text(enum sim_platform platform, const char *text);

/* A new post of `account` dated now, text as given (valid UTF-8, checked by the caller). */
struct sim_post *world_publish(struct sim_world *world, struct sim_account *account,
                               const char *text, char *err, size_t err_len);
int world_edit(struct sim_world *world, struct sim_post *post, const char *text, char *err,
               size_t err_len);
void world_delete(struct sim_world *world, struct sim_post *post);

#endif
