/* Follows and likes: whom each Mastodon, Bluesky and X account follows and which posts it likes.
 *
 * Nothing is stored for the generated world: an account's following list at a time is a pure
 * function of (seed, account, time). Each candidate target (every bank author, and the account's
 * neighbours: watched accounts of its platform near it in round-robin order) gets, from a hash,
 * whether the account ever follows it, since when (mostly before start, some later: new follows)
 * and sometimes until when (an unfollow). A few percent of accounts follow one campaign account
 * (a bank author that is a candidate, party or campaign team). Likes come from the account's own
 * rng stream (stream number | ENGAGE_STREAM), replayed from the start of history on each call:
 * likes of bank authors' posts at exponential gaps, some undone later; the liked post (author,
 * text, time) is encoded in its id, so a liked post is found again from its id alone.
 *
 * Control requests (/_sim/follow, unfollow, like, unlike) are edits: a bounded list, applied in
 * order over the generated state; a like made through control may name a watched account as
 * author (a new post of that account is published and liked) and carries its own text.
 *
 * Concurrency: callers hold world_lock(). Lists returned are new arrays the caller frees with
 * engage_follows_free / engage_likes_free; pointers in them point into the world and the edits,
 * which live until engage_free(). */
#ifndef NETRA_SIM_ENGAGE_H
#define NETRA_SIM_ENGAGE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/world.h"

/* Control edits kept, and the longest liked post text: at most ~100 MB between them. */
#define ENGAGE_MAX_EDITS 20000
#define ENGAGE_MAX_TEXT_BYTES 5000
/* Ors into an account's number for its likes' rng stream. */
#define ENGAGE_STREAM (1ull << 40)

enum engage_target_kind { ENGAGE_AUTHOR, ENGAGE_ACCOUNT };

/* Someone followed or liked: a bank author (index for bank_author_at) or a watched account
 * (index into the world's accounts). */
struct engage_target {
    enum engage_target_kind kind;
    size_t index;
};

struct engage_follow {
    struct engage_target target;
    uint64_t key; /* unique in the list, grows with since_ms: the paging position */
    int64_t since_ms;
};

/* A liked post, as the platform shows it. */
struct engage_post {
    struct engage_target author;
    const struct sim_post *post; /* the post, when the author is a watched account */
    char native_id[SIM_ID_LEN];  /* bluesky: at:// URI; x: tweet id */
    char cid[64];                /* bluesky */
    int64_t created_ms;
    const char *text; /* as shown (owned by the list or the edits) */
    const char *lang;
    int category;     /* enum bank_category, or -1 for a post made through control */
};

struct engage_like {
    struct engage_post post;
    int64_t liked_ms;
    char rkey[16];    /* bluesky: the like record's key (TID) */
    uint64_t key;     /* unique in the list, grows with liked_ms: the paging position */
    char *owned_text; /* the converted bank text, freed with the list */
};

struct engage_edit {
    size_t account;
    int is_like;
    int on; /* 1 follow / like, 0 unfollow / unlike */
    int64_t at_ms;
    struct engage_target target; /* follows */
    struct engage_like like;     /* likes: the post (unlike: only native_id is used) */
    char *text;                  /* owned: a liked post's text given through control */
};

struct engage {
    struct engage_edit *edits;
    size_t count;
    size_t capacity;
};

void engage_init(struct engage *engage);
void engage_free(struct engage *engage);

/* The account's following list at now_ms, newest follow first. 0, or -1 on allocation
 * failure. Accounts of feed and jsonapi platforms follow nobody. */
int engage_follows(const struct sim_world *world, const struct engage *engage,
                   const struct sim_account *account, int64_t now_ms,
                   struct engage_follow **out, size_t *count);
void engage_follows_free(struct engage_follow *list);

/* The account's likes at now_ms, newest first (Bluesky and X accounts only). */
int engage_likes(const struct sim_world *world, const struct engage *engage,
                 const struct sim_account *account, int64_t now_ms, struct engage_like **out,
                 size_t *count);
void engage_likes_free(struct engage_like *list, size_t count);

/* A handle as `platform` shows it -> a bank author or a watched account of that platform (not
 * `self`). Mastodon: "user" or "user@sim.mastodon"; Bluesky: "user.bsky.sim" or a DID; X: the
 * username, any case. 0, or -1 when nobody has it. */
int engage_find_target(struct sim_world *world, enum sim_platform platform, const char *handle,
                       struct engage_target *out);
/* The target's handle on `platform` (contract form: Mastodon user@domain) and native id. */
void engage_target_handle(const struct sim_world *world, enum sim_platform platform,
                          const struct engage_target *target, char *out, size_t out_len);
void engage_target_native_id(const struct sim_world *world, enum sim_platform platform,
                             const struct engage_target *target, char *out, size_t out_len);

int engage_follow_edit(struct sim_world *world, struct engage *engage,
                       const struct sim_account *account, const struct engage_target *target,
                       int on, char *err, size_t err_len);
/* A new like by `account` of a new post by `author` with `text`; *out describes the post. */
int engage_like_add(struct sim_world *world, struct engage *engage, struct sim_account *account,
                    const struct engage_target *author, const char *text,
                    struct engage_post *out, char *err, size_t err_len);
/* engage_like_again and engage_unlike return 0 when done, 1 when the account's likes forbid it
 * (it likes the post already, or does not like it; err says which), -1 on other errors. */

/* Likes again a post liked through control before (by any account of the platform), when the
 * account does not like it now. */
int engage_like_again(struct sim_world *world, struct engage *engage,
                      const struct sim_account *account, const char *native_id,
                      struct engage_post *out, char *err, size_t err_len);
/* Whether the account follows the target now: 1 or 0, -1 on allocation failure. */
int engage_is_following(const struct sim_world *world, const struct engage *engage,
                        const struct sim_account *account, const struct engage_target *target,
                        int64_t now_ms);
/* Undoes the account's like of the post with this native id (URI or tweet id). */
int engage_unlike(struct sim_world *world, struct engage *engage,
                  const struct sim_account *account, const char *native_id, char *err,
                  size_t err_len);

/* A Bluesky post URI -> the post, for getPosts: a liked post of a bank author (generated or
 * liked through control) or a watched account's visible post. 0, or -1 when unknown. */
int engage_find_post(struct sim_world *world, const struct engage *engage, const char *uri,
                     int64_t now_ms, struct engage_post *out, char **owned_text);

#endif
