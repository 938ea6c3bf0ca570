#include "sim/engage.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/log.h"
#include "sim/ids.h"

#define DAY_MS 86400000LL
#define HOUR_MS 3600000LL
/* Accounts that follow one campaign account, in percent. */
#define CAMPAIGN_FOLLOWER_PERCENT 4
/* Watched accounts of the same platform on each side that may be followed. */
#define NEIGHBOURS_EACH_SIDE 4
/* Likes per account per day, as a share of its posts per day. */
#define LIKES_PER_POST 0.5
#define MASTODON_DOMAIN "sim.mastodon"

void engage_init(struct engage *engage)
{
    memset(engage, 0, sizeof(*engage));
}

void engage_free(struct engage *engage)
{
    for (size_t i = 0; i < engage->count; i++)
        free(engage->edits[i].text);
    free(engage->edits);
    memset(engage, 0, sizeof(*engage));
}

static int social(enum sim_platform platform)
{
    return platform == SIM_MASTODON || platform == SIM_BLUESKY || platform == SIM_X;
}

static size_t account_index(const struct sim_world *world, const struct sim_account *account)
{
    return (size_t)(account - world->accounts);
}

static uint64_t account_hash(const struct sim_world *world, size_t index, uint64_t purpose)
{
    return sim_hash64(sim_hash64(world->options.seed + purpose) ^ sim_hash64((uint64_t)index + 1));
}

/* 1 and the bank index of the campaign account it follows, for the few accounts that do. */
static int campaign_follower(const struct sim_world *world, size_t index, size_t *author)
{
    uint64_t h = account_hash(world, index, 0xCA3Bu);
    if (h % 100 >= CAMPAIGN_FOLLOWER_PERCENT)
        return 0;
    size_t campaign = 0;
    for (size_t i = 0; i < bank_author_count(); i++)
        campaign += bank_author_at(i)->role != BANK_ROLE_NONE;
    size_t pick = (size_t)(h / 100 % campaign);
    for (size_t i = 0; i < bank_author_count(); i++) {
        if (bank_author_at(i)->role == BANK_ROLE_NONE)
            continue;
        if (pick-- == 0) {
            *author = i;
            return 1;
        }
    }
    return 0;
}

void engage_target_handle(const struct sim_world *world, enum sim_platform platform,
                          const struct engage_target *target, char *out, size_t out_len)
{
    if (target->kind == ENGAGE_ACCOUNT) {
        world_account_handle(world, &world->accounts[target->index], out, out_len);
        return;
    }
    const struct bank_author *author = bank_author_at(target->index);
    if (platform == SIM_BLUESKY)
        bank_bluesky_handle(author, out, out_len);
    else if (platform == SIM_MASTODON)
        snprintf(out, out_len, "%s@" MASTODON_DOMAIN, author->handle);
    else
        snprintf(out, out_len, "%s", author->handle);
}

void engage_target_native_id(const struct sim_world *world, enum sim_platform platform,
                             const struct engage_target *target, char *out, size_t out_len)
{
    if (target->kind == ENGAGE_ACCOUNT) {
        snprintf(out, out_len, "%s", world->accounts[target->index].native_id);
        return;
    }
    const struct bank_author *author = bank_author_at(target->index);
    if (platform == SIM_BLUESKY) {
        char handle[128];
        bank_bluesky_handle(author, handle, sizeof(handle));
        ids_external_account("bluesky", handle, out, out_len);
    } else {
        ids_external_account(sim_platform_name(platform), author->handle, out, out_len);
    }
}

int engage_find_target(struct sim_world *world, enum sim_platform platform, const char *handle,
                       struct engage_target *out)
{
    if (!social(platform) || handle == NULL)
        return -1;
    if (handle[0] == '@')
        handle++;
    char name[ACCOUNT_INDEX_MAX_NAME + 1];
    if (strlen(handle) >= sizeof(name) || handle[0] == '\0')
        return -1;
    snprintf(name, sizeof(name), "%s", handle);
    if (platform == SIM_MASTODON) {
        char *at = strchr(name, '@');
        if (at != NULL) {
            if (strcasecmp(at + 1, MASTODON_DOMAIN) != 0)
                return -1;
            *at = '\0';
        }
    }
    for (size_t i = 0; i < bank_author_count(); i++) {
        struct engage_target author = {ENGAGE_AUTHOR, i};
        char shown[128];
        if (platform == SIM_BLUESKY && strncmp(name, "did:", 4) == 0)
            engage_target_native_id(world, platform, &author, shown, sizeof(shown));
        else if (platform == SIM_BLUESKY)
            bank_bluesky_handle(bank_author_at(i), shown, sizeof(shown));
        else
            snprintf(shown, sizeof(shown), "%s", bank_author_at(i)->handle);
        if (strcasecmp(shown, name) == 0) {
            *out = author;
            return 0;
        }
    }
    struct sim_account *account = platform == SIM_BLUESKY && strncmp(name, "did:", 4) == 0
                                      ? world_account_by_native_id(world, platform, name)
                                      : world_account_by_username(world, platform, name);
    if (account == NULL)
        return -1;
    out->kind = ENGAGE_ACCOUNT;
    out->index = account_index(world, account);
    return 0;
}

static int same_target(const struct engage_target *a, const struct engage_target *b)
{
    return a->kind == b->kind && a->index == b->index;
}

/* Whether the account ever follows the candidate, since when and until when (INT64_MAX:
 * still). */
static int candidate_follow(const struct sim_world *world, const struct sim_account *account,
                            const struct engage_target *target, int64_t *since, int64_t *until)
{
    size_t index = account_index(world, account);
    uint64_t h = sim_hash64(account_hash(world, index, 0xF0110u) ^
                            sim_hash64(((uint64_t)target->kind << 32) + target->index + 1));
    unsigned percent = 50;
    if (target->kind == ENGAGE_AUTHOR) {
        size_t campaign = 0;
        switch (bank_author_category(target->index)) {
        case BANK_EVERYDAY:
            percent = 45;
            break;
        case BANK_POLITICAL:
            percent = 60;
            break;
        case BANK_PARTISAN:
        case BANK_CATEGORY_COUNT:
            percent = campaign_follower(world, index, &campaign) && campaign == target->index ? 100
                                                                                              : 0;
            break;
        }
    }
    if (h % 100 >= percent)
        return 0;
    uint64_t h2 = sim_hash64(h);
    int64_t start = world->options.start_ms;
    if (h2 % 100 < 85)
        *since = account->created_ms + (int64_t)((h2 >> 8) % (uint64_t)(start - account->created_ms));
    else
        *since = start + (int64_t)((h2 >> 8) % (uint64_t)(30 * DAY_MS));
    /* Unfollows fall after start, so a crawler watching the world sees some happen. */
    uint64_t h3 = sim_hash64(h2);
    int64_t from = *since > start ? *since : start;
    *until = h3 % 100 < 5 ? from + DAY_MS + (int64_t)((h3 >> 8) % (uint64_t)(30 * DAY_MS))
                          : INT64_MAX;
    return 1;
}

static uint64_t follow_key(const struct engage_target *target, int64_t since_ms)
{
    uint32_t salt = target->kind == ENGAGE_AUTHOR ? (uint32_t)target->index
                                                  : 0x8000u | (uint32_t)(target->index & 0x7FFF);
    return ids_mastodon(since_ms, salt);
}

struct follow_list {
    struct engage_follow *items;
    size_t count;
    size_t capacity;
};

static int follow_add(struct follow_list *list, const struct engage_target *target, int64_t since)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 32;
        struct engage_follow *grown = realloc(list->items, capacity * sizeof(*grown));
        if (grown == NULL)
            return -1;
        list->items = grown;
        list->capacity = capacity;
    }
    struct engage_follow *f = &list->items[list->count++];
    f->target = *target;
    f->since_ms = since;
    f->key = follow_key(target, since);
    return 0;
}

static void follow_remove(struct follow_list *list, const struct engage_target *target)
{
    for (size_t i = 0; i < list->count; i++) {
        if (same_target(&list->items[i].target, target)) {
            list->items[i] = list->items[--list->count];
            return;
        }
    }
}

static int by_key_descending(const void *a, const void *b)
{
    uint64_t ka = ((const struct engage_follow *)a)->key, kb = ((const struct engage_follow *)b)->key;
    return ka < kb ? 1 : ka > kb ? -1 : 0;
}

int engage_follows(const struct sim_world *world, const struct engage *engage,
                   const struct sim_account *account, int64_t now_ms,
                   struct engage_follow **out, size_t *count)
{
    struct follow_list list = {0};
    *out = NULL;
    *count = 0;
    if (!social(account->platform))
        return 0;
    size_t index = account_index(world, account);
    int64_t since, until;
    for (size_t i = 0; i < bank_author_count(); i++) {
        struct engage_target t = {ENGAGE_AUTHOR, i};
        if (candidate_follow(world, account, &t, &since, &until) && since <= now_ms &&
            now_ms < until && follow_add(&list, &t, since) != 0)
            goto fail;
    }
    size_t step = world->options.platform_count;
    for (size_t k = 1; k <= NEIGHBOURS_EACH_SIDE; k++) {
        size_t sides[2] = {index >= k * step ? index - k * step : SIZE_MAX, index + k * step};
        for (int s = 0; s < 2; s++) {
            if (sides[s] >= world->account_count)
                continue;
            struct engage_target t = {ENGAGE_ACCOUNT, sides[s]};
            if (candidate_follow(world, account, &t, &since, &until) && since <= now_ms &&
                now_ms < until && follow_add(&list, &t, since) != 0)
                goto fail;
        }
    }
    for (size_t i = 0; i < engage->count; i++) {
        const struct engage_edit *e = &engage->edits[i];
        if (e->account != index || e->is_like || e->at_ms > now_ms)
            continue;
        follow_remove(&list, &e->target);
        if (e->on && follow_add(&list, &e->target, e->at_ms) != 0)
            goto fail;
    }
    qsort(list.items, list.count, sizeof(*list.items), by_key_descending);
    /* Keys must be unique for paging to list each follow once. */
    for (size_t i = 1; i < list.count; i++)
        if (list.items[i].key >= list.items[i - 1].key)
            list.items[i].key = list.items[i - 1].key - 1;
    *out = list.items;
    *count = list.count;
    return 0;
fail:
    free(list.items);
    return -1;
}

void engage_follows_free(struct engage_follow *list)
{
    free(list);
}

/* ---- likes ---- */

struct like_list {
    struct engage_like *items;
    size_t count;
    size_t capacity;
};

static struct engage_like *like_push(struct like_list *list)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 32;
        struct engage_like *grown = realloc(list->items, capacity * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        list->items = grown;
        list->capacity = capacity;
    }
    struct engage_like *like = &list->items[list->count++];
    memset(like, 0, sizeof(*like));
    return like;
}

/* A bank author's post of text `text_index` of `category` at created_ms, as `platform` names it:
 * the category and text travel in the id (Bluesky: the TID's clock id; X: the low bits). */
static void author_post_id(enum sim_platform platform, size_t author, enum bank_category category,
                           size_t text_index, int64_t created_ms, struct engage_post *out)
{
    uint32_t clock = ((uint32_t)category << 8) | (uint32_t)(text_index & 0xFF);
    if (platform == SIM_BLUESKY) {
        char did[80], rkey[14];
        struct engage_target t = {ENGAGE_AUTHOR, author};
        engage_target_native_id(NULL, SIM_BLUESKY, &t, did, sizeof(did));
        ids_tid(created_ms * 1000, clock, rkey);
        snprintf(out->native_id, sizeof(out->native_id), "at://%s/app.bsky.feed.post/%s", did,
                 rkey);
        ids_cid(sim_hash_bytes(out->native_id, strlen(out->native_id), 3), out->cid,
                sizeof(out->cid));
    } else {
        snprintf(out->native_id, sizeof(out->native_id), "%" PRIu64,
                 ids_x(created_ms, ((uint32_t)author << 12) | clock));
    }
}

static int fill_author_post(enum sim_platform platform, size_t author, enum bank_category category,
                            size_t text_index, int64_t created_ms, struct engage_post *out,
                            char **owned_text)
{
    const struct bank_text *text = bank_text_at(category, text_index);
    out->author.kind = ENGAGE_AUTHOR;
    out->author.index = author;
    out->post = NULL;
    out->created_ms = created_ms;
    out->lang = text->lang;
    out->category = (int)category;
    author_post_id(platform, author, category, text_index, created_ms, out);
    *owned_text = NULL;
    if (platform == SIM_BLUESKY) {
        *owned_text = world_platform_text(platform, text->text);
        if (*owned_text == NULL)
            return -1;
        out->text = *owned_text;
    } else {
        out->text = text->text;
    }
    return 0;
}

static void like_rkey(size_t index, int64_t liked_ms, unsigned serial, char *out)
{
    ids_tid(liked_ms * 1000 + serial, (uint32_t)((index + 1) & 0x3FF), out);
}

static void like_remove(struct like_list *list, const char *native_id)
{
    for (size_t i = 0; i < list->count;) {
        if (strcmp(list->items[i].post.native_id, native_id) == 0) {
            free(list->items[i].owned_text);
            memmove(&list->items[i], &list->items[i + 1],
                    (list->count - i - 1) * sizeof(*list->items));
            list->count--;
        } else {
            i++;
        }
    }
}

static int by_like_key_descending(const void *a, const void *b)
{
    uint64_t ka = ((const struct engage_like *)a)->key, kb = ((const struct engage_like *)b)->key;
    return ka < kb ? 1 : ka > kb ? -1 : 0;
}

int engage_likes(const struct sim_world *world, const struct engage *engage,
                 const struct sim_account *account, int64_t now_ms, struct engage_like **out,
                 size_t *count)
{
    struct like_list list = {0};
    *out = NULL;
    *count = 0;
    if (account->platform != SIM_BLUESKY && account->platform != SIM_X)
        return 0;
    size_t index = account_index(world, account);
    size_t campaign = 0;
    int follower = campaign_follower(world, index, &campaign);
    struct sim_rng rng;
    sim_rng_init(&rng, world->options.seed, ((uint64_t)index + 1) | ENGAGE_STREAM);
    double mean_gap_ms = (double)DAY_MS / (world->options.posts_per_day * LIKES_PER_POST);
    int64_t t = world->options.start_ms - (int64_t)(world->options.history_days * DAY_MS) +
                (int64_t)(sim_rng_unit(&rng) * mean_gap_ms);
    while (t <= now_ms) {
        uint64_t roll = sim_rng_below(&rng, 100);
        enum bank_category category = roll < (follower ? 70u : 80u) ? BANK_EVERYDAY
                                      : roll < 90 || !follower     ? BANK_POLITICAL
                                                                   : BANK_PARTISAN;
        size_t author = category == BANK_PARTISAN
                            ? campaign
                            : bank_author_index(bank_pick_author(&rng, category));
        size_t text_index = (size_t)sim_rng_below(&rng, bank_text_count(category));
        int64_t created = t - 60000 - (int64_t)sim_rng_below(&rng, (uint64_t)(2 * DAY_MS));
        int64_t unliked = sim_rng_chance(&rng, 0.03)
                              ? t + HOUR_MS + (int64_t)sim_rng_below(&rng, (uint64_t)(5 * DAY_MS))
                              : INT64_MAX;
        if (unliked > now_ms) {
            struct engage_like *like = like_push(&list);
            if (like == NULL ||
                fill_author_post(account->platform, author, category, text_index, created,
                                 &like->post, &like->owned_text) != 0)
                goto fail;
            like->liked_ms = t;
            like->key = (uint64_t)t << 8;
            like_rkey(index, t, 0, like->rkey);
        }
        double u = sim_rng_unit(&rng);
        int64_t gap = (int64_t)(-log(1.0 - u) * mean_gap_ms);
        t += gap > 1000 ? gap : 1000;
    }
    for (size_t i = 0; i < engage->count; i++) {
        const struct engage_edit *e = &engage->edits[i];
        if (e->account != index || !e->is_like || e->at_ms > now_ms)
            continue;
        like_remove(&list, e->like.post.native_id);
        if (!e->on)
            continue;
        if (e->like.post.post != NULL && !sim_post_visible(e->like.post.post, now_ms))
            continue; /* a deleted post drops out of the likes, as on the platforms */
        struct engage_like *like = like_push(&list);
        if (like == NULL)
            goto fail;
        *like = e->like;
        like->owned_text = NULL;
    }
    qsort(list.items, list.count, sizeof(*list.items), by_like_key_descending);
    *out = list.items;
    *count = list.count;
    return 0;
fail:
    engage_likes_free(list.items, list.count);
    return -1;
}

void engage_likes_free(struct engage_like *list, size_t count)
{
    for (size_t i = 0; list != NULL && i < count; i++)
        free(list[i].owned_text);
    free(list);
}

/* ---- control edits ---- */

static struct engage_edit *edit_push(struct engage *engage, char *err, size_t err_len)
{
    if (engage->count == ENGAGE_MAX_EDITS) {
        error_set(err, err_len, "too many follows and likes changed through control (%d)",
                  ENGAGE_MAX_EDITS);
        return NULL;
    }
    if (engage->count == engage->capacity) {
        size_t capacity = engage->capacity ? engage->capacity * 2 : 64;
        struct engage_edit *grown = realloc(engage->edits, capacity * sizeof(*grown));
        if (grown == NULL) {
            error_set(err, err_len, "out of memory for a control edit");
            return NULL;
        }
        engage->edits = grown;
        engage->capacity = capacity;
    }
    struct engage_edit *e = &engage->edits[engage->count];
    memset(e, 0, sizeof(*e));
    return e;
}

int engage_follow_edit(struct sim_world *world, struct engage *engage,
                       const struct sim_account *account, const struct engage_target *target,
                       int on, char *err, size_t err_len)
{
    if (target->kind == ENGAGE_ACCOUNT && &world->accounts[target->index] == account)
        return error_set(err, err_len, "\"target\": an account cannot follow itself");
    struct engage_edit *e = edit_push(engage, err, err_len);
    if (e == NULL)
        return -1;
    e->account = account_index(world, account);
    e->on = on;
    e->target = *target;
    e->at_ms = world_now_ms(world);
    engage->count++;
    return 0;
}

/* The serial that keeps keys of likes made in one millisecond apart. */
static unsigned like_serial(const struct engage *engage)
{
    return 1 + (unsigned)(engage->count & 0x7F);
}

int engage_like_add(struct sim_world *world, struct engage *engage, struct sim_account *account,
                    const struct engage_target *author, const char *text,
                    struct engage_post *out, char *err, size_t err_len)
{
    if (account->platform != SIM_BLUESKY && account->platform != SIM_X)
        return error_set(err, err_len, "\"account\": %s is on %s, where likes are not public",
                         account->id, sim_platform_name(account->platform));
    int64_t now = world_now_ms(world);
    struct engage_edit *e = edit_push(engage, err, err_len);
    if (e == NULL)
        return -1;
    struct engage_post *post = &e->like.post;
    post->author = *author;
    post->created_ms = now;
    post->category = -1;
    post->lang = "id";
    if (author->kind == ENGAGE_ACCOUNT) {
        struct sim_account *writer = &world->accounts[author->index];
        struct sim_post *published = world_publish(world, writer, text, err, err_len);
        if (published == NULL)
            return -1;
        post->post = published;
        post->text = published->text;
        snprintf(post->native_id, sizeof(post->native_id), "%s", published->native_id);
        ids_cid(published->seq, post->cid, sizeof(post->cid));
    } else {
        if ((e->text = strdup(text)) == NULL)
            return error_set(err, err_len, "out of memory for the liked post's text");
        post->text = e->text;
        /* A control post's id: the author's id at now, marked by text index 0xFF, which no bank
         * text has, so it never equals a generated liked post. */
        author_post_id(account->platform, author->index, BANK_EVERYDAY, 0xFF, now, post);
    }
    e->account = account_index(world, account);
    e->is_like = 1;
    e->on = 1;
    e->at_ms = now;
    e->like.liked_ms = now;
    unsigned serial = like_serial(engage);
    e->like.key = ((uint64_t)now << 8) | serial;
    like_rkey(e->account, now, serial, e->like.rkey);
    engage->count++;
    *out = *post;
    return 0;
}

static int likes_now(struct sim_world *world, const struct engage *engage,
                     const struct sim_account *account, const char *native_id, int64_t now)
{
    struct engage_like *likes = NULL;
    size_t count = 0;
    if (engage_likes(world, engage, account, now, &likes, &count) != 0)
        return -1;
    int found = 0;
    for (size_t i = 0; i < count && !found; i++)
        found = strcmp(likes[i].post.native_id, native_id) == 0;
    engage_likes_free(likes, count);
    return found;
}

int engage_is_following(const struct sim_world *world, const struct engage *engage,
                        const struct sim_account *account, const struct engage_target *target,
                        int64_t now_ms)
{
    struct engage_follow *follows = NULL;
    size_t count = 0;
    if (engage_follows(world, engage, account, now_ms, &follows, &count) != 0)
        return -1;
    int found = 0;
    for (size_t i = 0; i < count && !found; i++)
        found = same_target(&follows[i].target, target);
    engage_follows_free(follows);
    return found;
}

int engage_like_again(struct sim_world *world, struct engage *engage,
                      const struct sim_account *account, const char *native_id,
                      struct engage_post *out, char *err, size_t err_len)
{
    const struct engage_edit *earlier = NULL;
    for (size_t i = 0; i < engage->count && earlier == NULL; i++) {
        const struct engage_edit *e = &engage->edits[i];
        if (e->is_like && e->on && world->accounts[e->account].platform == account->platform &&
            strcmp(e->like.post.native_id, native_id) == 0)
            earlier = e;
    }
    if (earlier == NULL)
        return error_set(err, err_len, "\"post\": \"%.200s\" was never liked through control",
                         native_id);
    if (earlier->like.post.post != NULL &&
        !sim_post_visible(earlier->like.post.post, world_now_ms(world))) {
        error_set(err, err_len, "\"post\": \"%.200s\" is deleted", native_id);
        return 1;
    }
    int64_t now = world_now_ms(world);
    int liked = likes_now(world, engage, account, native_id, now);
    if (liked < 0)
        return error_set(err, err_len, "out of memory listing likes");
    if (liked) {
        error_set(err, err_len, "\"post\": %s already likes it", account->id);
        return 1;
    }
    struct engage_post post = earlier->like.post;
    struct engage_edit *e = edit_push(engage, err, err_len);
    if (e == NULL)
        return -1;
    e->account = account_index(world, account);
    e->is_like = 1;
    e->on = 1;
    e->at_ms = now;
    e->like.post = post;
    e->like.liked_ms = now;
    unsigned serial = like_serial(engage);
    e->like.key = ((uint64_t)now << 8) | serial;
    like_rkey(e->account, now, serial, e->like.rkey);
    engage->count++;
    *out = post;
    return 0;
}

int engage_unlike(struct sim_world *world, struct engage *engage,
                  const struct sim_account *account, const char *native_id, char *err,
                  size_t err_len)
{
    int64_t now = world_now_ms(world);
    int found = likes_now(world, engage, account, native_id, now);
    if (found < 0)
        return error_set(err, err_len, "out of memory listing likes");
    if (!found) {
        error_set(err, err_len, "\"post\": %s does not like \"%.200s\" now", account->id,
                  native_id);
        return 1;
    }
    struct engage_edit *e = edit_push(engage, err, err_len);
    if (e == NULL)
        return -1;
    e->account = account_index(world, account);
    e->is_like = 1;
    e->on = 0;
    e->at_ms = now;
    snprintf(e->like.post.native_id, sizeof(e->like.post.native_id), "%s", native_id);
    engage->count++;
    return 0;
}

/* at://DID/app.bsky.feed.post/RKEY -> DID and RKEY. */
static int split_post_uri(const char *uri, char *did, size_t did_len, char *rkey, size_t rkey_len)
{
    static const char collection[] = "/app.bsky.feed.post/";
    if (strncmp(uri, "at://", 5) != 0)
        return -1;
    const char *start = uri + 5;
    const char *slash = strchr(start, '/');
    if (slash == NULL || (size_t)(slash - start) >= did_len ||
        strncmp(slash, collection, sizeof(collection) - 1) != 0)
        return -1;
    const char *key = slash + sizeof(collection) - 1;
    if (strlen(key) >= rkey_len || strchr(key, '/') != NULL)
        return -1;
    snprintf(did, did_len, "%.*s", (int)(slash - start), start);
    snprintf(rkey, rkey_len, "%s", key);
    return 0;
}

int engage_find_post(struct sim_world *world, const struct engage *engage, const char *uri,
                     int64_t now_ms, struct engage_post *out, char **owned_text)
{
    char did[96], rkey[32];
    *owned_text = NULL;
    if (split_post_uri(uri, did, sizeof(did), rkey, sizeof(rkey)) != 0)
        return -1;
    struct sim_account *account = world_account_by_native_id(world, SIM_BLUESKY, did);
    if (account != NULL) {
        if (world_advance_account(world, account, now_ms) != 0)
            return -1;
        for (size_t i = 0; i < account->post_count; i++) {
            const struct sim_post *post = account->posts[i];
            if (strcmp(post->native_id, uri) == 0 && sim_post_visible(post, now_ms)) {
                memset(out, 0, sizeof(*out));
                out->author.kind = ENGAGE_ACCOUNT;
                out->author.index = account_index(world, account);
                out->post = post;
                snprintf(out->native_id, sizeof(out->native_id), "%s", uri);
                out->created_ms = post->created_ms;
                out->text = sim_post_text(post, now_ms);
                out->lang = post->lang;
                out->category = post->category;
                return 0;
            }
        }
        return -1;
    }
    for (size_t i = 0; i < engage->count; i++) {
        const struct engage_edit *e = &engage->edits[i];
        if (e->is_like && e->on && e->text != NULL && e->at_ms <= now_ms &&
            strcmp(e->like.post.native_id, uri) == 0) {
            *out = e->like.post;
            return 0;
        }
    }
    struct engage_target author;
    int64_t micros;
    uint32_t clock;
    if (engage_find_target(world, SIM_BLUESKY, did, &author) != 0 ||
        author.kind != ENGAGE_AUTHOR || ids_tid_parse(rkey, &micros, &clock) != 0)
        return -1;
    enum bank_category category = (enum bank_category)(clock >> 8);
    size_t text_index = clock & 0xFF;
    if (category >= BANK_CATEGORY_COUNT || text_index >= bank_text_count(category) ||
        micros % 1000 != 0 || micros / 1000 > now_ms)
        return -1;
    if (fill_author_post(SIM_BLUESKY, author.index, category, text_index, micros / 1000, out,
                         owned_text) != 0)
        return -1;
    if (strcmp(out->native_id, uri) != 0) {
        free(*owned_text);
        *owned_text = NULL;
        return -1;
    }
    return 0;
}
