#include "sim/world.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "sim/ids.h"
#include "sim/timefmt.h"

#define DAY_MS 86400000LL
/* Post ids carry 10 bits of the account's number (see next_seq). */
#define ID_ACCOUNT_BITS 10
/* The history is generated account by account as requests name them; all of it at once (for
 * /_sim/posts, say) takes seconds and some 2 GB at this cap. */
#define MAX_HISTORY_POSTS 5000000
/* Tries at a free username or native id before giving up; a clash is rare, two in a row rarer. */
#define MAX_NAME_ATTEMPTS 1000

static const char *const platform_names[SIM_PLATFORM_COUNT] = {"mastodon", "bluesky", "x", "feed",
                                                               "jsonapi"};
static const char *const kind_names[] = {"post", "repost", "reply", "quote"};
static const char *const feed_extensions[] = {"rss", "atom", "json"};
static const int intervals_s[] = {900, 1200, 1800, 2700, 3600, 7200};

const char *sim_platform_name(enum sim_platform platform)
{
    return platform_names[platform];
}

int sim_platform_from_name(const char *name, enum sim_platform *platform)
{
    for (int p = 0; p < SIM_PLATFORM_COUNT; p++) {
        if (strcmp(name, platform_names[p]) == 0) {
            *platform = (enum sim_platform)p;
            return 0;
        }
    }
    return -1;
}

const char *sim_kind_name(enum sim_kind kind)
{
    return kind_names[kind];
}

const char *sim_feed_extension(enum sim_feed_format format)
{
    return feed_extensions[format];
}

void world_lock(struct sim_world *world)
{
    pthread_mutex_lock(&world->lock);
}

void world_unlock(struct sim_world *world)
{
    pthread_mutex_unlock(&world->lock);
}

int64_t world_now_ms(const struct sim_world *world)
{
    double elapsed = (double)(time_monotonic_ms() - world->monotonic_start_ms);
    return world->options.start_ms + (int64_t)(elapsed * world->options.speed);
}

/* Platform usernames from the person's "first.family": Mastodon and X take [a-z0-9_], X at
 * most 15; Bluesky is a domain name under bsky.sim (dots dropped); feeds keep the dot. A clash
 * gets the account number appended (attempt 1), then the number and the attempt. */
static void make_username(const struct sim_account *account, size_t number, unsigned attempt,
                          char *out, size_t out_len)
{
    const char *base = account->person.username;
    char plain[48];
    size_t n = 0;
    for (const char *p = base; *p && n + 1 < sizeof(plain); p++) {
        if (*p != '.')
            plain[n++] = *p;
        else if (account->platform != SIM_BLUESKY)
            plain[n++] = '_';
    }
    plain[n] = '\0';
    char suffix[24] = "";
    if (attempt == 1)
        snprintf(suffix, sizeof(suffix), "%zu", number);
    else if (attempt > 1)
        snprintf(suffix, sizeof(suffix), "%zu%u", number, attempt);
    switch (account->platform) {
    case SIM_MASTODON:
        snprintf(out, out_len, "%s%s", plain, suffix);
        break;
    case SIM_BLUESKY:
        snprintf(out, out_len, "%s%s.bsky.sim", plain, suffix);
        break;
    case SIM_X:
        snprintf(out, out_len, "%.*s%s", (int)(15 - strlen(suffix)), plain, suffix);
        break;
    case SIM_FEED:
        snprintf(out, out_len, "%s%s", base, suffix);
        break;
    case SIM_JSONAPI:
    case SIM_PLATFORM_COUNT:
        snprintf(out, out_len, "portal-%06u%s", (unsigned)(sim_hash64(account->rng.state) % 1000000),
                 suffix);
        break;
    }
}

/* The account's id on its platform, drawn from h; attempt > 0 draws again after a clash. A
 * Mastodon id is its creation day in milliseconds above its number's 16 low bits; accounts whose
 * numbers share those bits are 1 ms apart per 65536 (creation days all fall on the same
 * millisecond of the day), so they never clash. */
static void make_native_id(const struct sim_account *account, size_t index, uint64_t h,
                           unsigned attempt, char *out, size_t out_len)
{
    if (attempt > 0)
        h = sim_hash64(h + attempt);
    switch (account->platform) {
    case SIM_MASTODON:
        snprintf(out, out_len, "%" PRIu64,
                 ids_mastodon(account->created_ms + (int64_t)(index >> 16) + (int64_t)attempt * 8,
                              (uint32_t)index));
        break;
    case SIM_BLUESKY:
        ids_did(h, out, out_len);
        break;
    case SIM_X:
        snprintf(out, out_len, "%" PRIu64, (uint64_t)(1000000000ull + h % 1800000000000000000ull));
        break;
    case SIM_FEED: {
        char code[23];
        ids_shortcode(h, 22, code);
        snprintf(out, out_len, "UC%s", code);
        break;
    }
    case SIM_JSONAPI:
    case SIM_PLATFORM_COUNT:
        snprintf(out, out_len, "%s", account->username);
        break;
    }
}

/* The first time in the account's class at or after ms: see next_seq. */
static int64_t post_time(const struct sim_world *world, const struct sim_account *account,
                         int64_t ms)
{
    int64_t spread = world->id_spread;
    int64_t class = (int64_t)((size_t)(account - world->accounts) >> ID_ACCOUNT_BITS);
    return ms + (((class - ms) % spread) + spread) % spread;
}

static int account_init(struct sim_world *world, size_t index, char *err, size_t err_len)
{
    struct sim_account *account = &world->accounts[index];
    size_t number = index + 1;
    snprintf(account->id, sizeof(account->id), "acc-%zu", number);
    /* Round robin keeps every platform present in small worlds and makes acc-N's platform easy
     * to know: acc-1 mastodon, acc-2 bluesky, acc-3 x, acc-4 feed, acc-5 jsonapi, ... */
    size_t platforms = world->options.platform_count;
    account->platform = world->options.platforms[index % platforms];
    account->feed_format = (enum sim_feed_format)((index / platforms) % 3);
    sim_rng_init(&account->rng, world->options.seed, number);
    account->region = (size_t)sim_rng_below(&account->rng, people_region_count());
    people_make(&account->rng, account->region, &account->person);
    account->interval_s = intervals_s[sim_rng_below(&account->rng, sizeof(intervals_s) / sizeof(intervals_s[0]))];
    account->created_ms = world->options.start_ms -
                          (int64_t)(400 + sim_rng_below(&account->rng, 2000)) * DAY_MS;

    unsigned attempt = 0;
    do
        make_username(account, number, attempt, account->username, sizeof(account->username));
    while (account_index_find(&world->usernames, (int)account->platform, account->username) !=
               SIZE_MAX &&
           ++attempt < MAX_NAME_ATTEMPTS);
    uint64_t h = sim_hash64(world->options.seed ^ sim_hash64(number));
    unsigned id_attempt = 0;
    do
        make_native_id(account, index, h, id_attempt, account->native_id,
                       sizeof(account->native_id));
    while (account_index_find(&world->native_ids, (int)account->platform, account->native_id) !=
               SIZE_MAX &&
           ++id_attempt < MAX_NAME_ATTEMPTS);
    if (attempt == MAX_NAME_ATTEMPTS || id_attempt == MAX_NAME_ATTEMPTS ||
        account_index_add(&world->usernames, (int)account->platform, account->username, index) != 0 ||
        account_index_add(&world->native_ids, (int)account->platform, account->native_id, index) != 0)
        return error_set(err, err_len, "%s: no free username or native id", account->id);

    double mean_gap_ms = (double)DAY_MS / world->options.posts_per_day;
    int64_t history_start = world->options.start_ms - (int64_t)(world->options.history_days * DAY_MS);
    account->next_post_ms = post_time(world, account,
                                      history_start + (int64_t)(sim_rng_unit(&account->rng) * mean_gap_ms));
    return 0;
}

int world_init(struct sim_world *world, const struct sim_world_options *options, char *err,
               size_t err_len)
{
    memset(world, 0, sizeof(*world));
    if (options->accounts < 1 || options->accounts > SIM_MAX_ACCOUNTS)
        return error_set(err, err_len, "accounts: %zu is out of range (1..%d)", options->accounts,
                         SIM_MAX_ACCOUNTS);
    if (options->platform_count > SIM_PLATFORM_COUNT)
        return error_set(err, err_len, "platforms: at most %d", SIM_PLATFORM_COUNT);
    for (size_t i = 0; i < options->platform_count; i++)
        if ((int)options->platforms[i] < 0 || options->platforms[i] >= SIM_PLATFORM_COUNT)
            return error_set(err, err_len, "platforms: unknown platform number %d",
                             (int)options->platforms[i]);
    if (!(options->speed > 0) || options->speed > 1e6)
        return error_set(err, err_len, "speed: must be > 0 and at most 1000000");
    if (!(options->posts_per_day > 0) || options->posts_per_day > 100000)
        return error_set(err, err_len, "posts per day: must be > 0 and at most 100000");
    if (!(options->history_days >= 0) || options->history_days > 3650)
        return error_set(err, err_len, "history days: must be 0..3650");
    double history_posts = (double)options->accounts * options->posts_per_day * options->history_days;
    if (history_posts > MAX_HISTORY_POSTS)
        return error_set(err, err_len,
                         "accounts x posts per day x history days is %.0f posts: at most %d",
                         history_posts, MAX_HISTORY_POSTS);
    world->options = *options;
    if (world->options.platform_count == 0) {
        for (int p = 0; p < SIM_PLATFORM_COUNT; p++)
            world->options.platforms[p] = (enum sim_platform)p;
        world->options.platform_count = SIM_PLATFORM_COUNT;
    }
    world->id_spread = (int64_t)((options->accounts + (1u << ID_ACCOUNT_BITS) - 1) >> ID_ACCOUNT_BITS);
    world->accounts = calloc(options->accounts, sizeof(*world->accounts));
    if (world->accounts == NULL || account_index_init(&world->usernames, options->accounts, 1) != 0 ||
        account_index_init(&world->native_ids, options->accounts, 0) != 0) {
        error_set(err, err_len, "out of memory for %zu accounts", options->accounts);
        goto fail;
    }
    world->account_count = options->accounts;
    for (size_t i = 0; i < world->account_count; i++)
        if (account_init(world, i, err, err_len) != 0)
            goto fail;
    snprintf(world->base_url, sizeof(world->base_url), "http://127.0.0.1:0");
    world->monotonic_start_ms = time_monotonic_ms();
    world->generated_until_ms = INT64_MIN;
    pthread_mutex_init(&world->lock, NULL);
    return 0;

fail:
    account_index_free(&world->usernames);
    account_index_free(&world->native_ids);
    free(world->accounts);
    memset(world, 0, sizeof(*world));
    return -1;
}

static void post_free(struct sim_post *post)
{
    free(post->text);
    free(post->edited_text);
    free(post->ref.text);
    free(post);
}

void world_free(struct sim_world *world)
{
    if (world->accounts == NULL)
        return;
    for (size_t i = 0; i < world->account_count; i++) {
        struct sim_account *account = &world->accounts[i];
        for (size_t j = 0; j < account->post_count; j++)
            post_free(account->posts[j]);
        free(account->posts);
    }
    free(world->accounts);
    account_index_free(&world->usernames);
    account_index_free(&world->native_ids);
    pthread_mutex_destroy(&world->lock);
    memset(world, 0, sizeof(*world));
}

void world_set_base_url(struct sim_world *world, const char *base_url)
{
    snprintf(world->base_url, sizeof(world->base_url), "%s", base_url);
}

/* Bluesky mentions are handles: "@KPU_ID" becomes "@kpu-id.bsky.sim". Other platforms keep the
 * bank's text. */
char *world_platform_text(enum sim_platform platform, const char *text)
{
    if (platform != SIM_BLUESKY)
        return strdup(text);
    static const char suffix[] = ".bsky.sim";
    size_t len = strlen(text), mentions = 0;
    for (size_t i = 0; i < len; i++)
        mentions += text[i] == '@';
    char *out = malloc(len + mentions * (sizeof(suffix) - 1) + 1);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        int starts = text[i] == '@' && (i == 0 || !isalnum((unsigned char)text[i - 1])) &&
                     (isalnum((unsigned char)text[i + 1]) || text[i + 1] == '_');
        out[n++] = text[i++];
        if (!starts)
            continue;
        for (; i < len && (isalnum((unsigned char)text[i]) || text[i] == '_'); i++)
            out[n++] = text[i] == '_' ? '-' : (char)tolower((unsigned char)text[i]);
        memcpy(out + n, suffix, sizeof(suffix) - 1);
        n += sizeof(suffix) - 1;
    }
    out[n] = '\0';
    return out;
}

static char *join_text(const char *a, const char *sep, const char *b)
{
    size_t len = strlen(a) + strlen(sep) + strlen(b);
    char *out = malloc(len + 1);
    if (out != NULL)
        snprintf(out, len + 1, "%s%s%s", a, sep, b);
    return out;
}

/* A post's number: its time in the high bits (ids grow with time), then 10 bits of the account
 * and a serial. Accounts whose numbers share the 10 bits (worlds of over 1024 accounts) are
 * told apart by time instead: account n posts only at milliseconds congruent to n >> 10 modulo
 * the world's id_spread (post_time), and a post made now (publish) takes the last such
 * millisecond, so no two accounts of a platform ever get the same number. */
static uint64_t next_seq(const struct sim_world *world, struct sim_account *account, int64_t ms)
{
    size_t index = (size_t)(account - world->accounts);
    uint32_t serial = account->serial++;
    int64_t after = post_time(world, account, ms);
    if (after != ms)
        ms = after - world->id_spread;
    uint64_t seq;
    if (account->platform == SIM_X)
        seq = ids_x(ms, (uint32_t)((index & 0x3FF) << 12) | (serial & 0xFFF));
    else
        seq = ids_mastodon(ms, (uint32_t)((index & 0x3FF) << 6) | (serial & 0x3F));
    if (seq <= account->last_seq)
        seq = account->last_seq + 1;
    account->last_seq = seq;
    return seq;
}

/* The id a feed carries for an item: RSS guid (a permalink), Atom id (YouTube's yt:video:), JSON
 * Feed id (a permalink). */
static void feed_item_id(const struct sim_account *account, struct sim_post *post)
{
    char code[16];
    ids_shortcode(post->seq, 11, code);
    switch (account->feed_format) {
    case SIM_FEED_RSS:
        snprintf(post->native_id, sizeof(post->native_id), "https://www.instagram.com/p/%s/", code);
        break;
    case SIM_FEED_ATOM:
        snprintf(post->native_id, sizeof(post->native_id), "yt:video:%s", code);
        break;
    case SIM_FEED_JSON:
        snprintf(post->native_id, sizeof(post->native_id),
                 "https://www.tiktok.com/@%s/video/%" PRIu64, account->username, post->seq);
        break;
    }
}

static void assign_ids(struct sim_world *world, struct sim_account *account, struct sim_post *post)
{
    post->seq = next_seq(world, account, post->created_ms);
    switch (account->platform) {
    case SIM_BLUESKY:
        ids_tid(post->created_ms * 1000 + (int64_t)(post->seq & 0x3F),
                (uint32_t)(sim_hash64(post->seq) & 0x3FF), post->rkey);
        snprintf(post->native_id, sizeof(post->native_id), "at://%s/%s/%s", account->native_id,
                 post->kind == SIM_KIND_REPOST ? "app.bsky.feed.repost" : "app.bsky.feed.post",
                 post->rkey);
        break;
    case SIM_FEED:
        feed_item_id(account, post);
        break;
    case SIM_MASTODON:
    case SIM_X:
    case SIM_JSONAPI:
    case SIM_PLATFORM_COUNT:
        snprintf(post->native_id, sizeof(post->native_id), "%" PRIu64, post->seq);
        break;
    }
}

static int add_post(struct sim_account *account, struct sim_post *post)
{
    if (account->post_count == account->post_capacity) {
        size_t capacity = account->post_capacity ? account->post_capacity * 2 : 64;
        struct sim_post **grown = realloc(account->posts, capacity * sizeof(*grown));
        if (grown == NULL)
            return -1;
        account->posts = grown;
        account->post_capacity = capacity;
    }
    account->posts[account->post_count++] = post;
    return 0;
}

/* The post someone else wrote that a repost, reply or quote refers to. */
static int make_ref(struct sim_world *world, struct sim_account *account, struct sim_post *post,
                    enum bank_category category)
{
    struct sim_rng *rng = &account->rng;
    const struct bank_text *original = bank_pick_text(rng, category);
    post->ref.author = bank_pick_author(rng, category);
    post->ref.created_ms = post->created_ms - 60000 - (int64_t)sim_rng_below(rng, 3 * DAY_MS);
    post->ref.alt = original->alt;
    post->ref.text = world_platform_text(account->platform, original->text);
    if (post->ref.text == NULL)
        return -1;
    uint64_t h = sim_hash_bytes(post->ref.author->handle, strlen(post->ref.author->handle),
                                world->options.seed) ^ (uint64_t)post->ref.created_ms;
    switch (account->platform) {
    case SIM_BLUESKY: {
        /* The DID its author's profile shows (bluesky.c), so the URI names the author. */
        char did[64], rkey[14], handle[128];
        bank_bluesky_handle(post->ref.author, handle, sizeof(handle));
        ids_external_account("bluesky", handle, did, sizeof(did));
        ids_tid(post->ref.created_ms * 1000, (uint32_t)(h & 0x3FF), rkey);
        snprintf(post->ref.native_id, sizeof(post->ref.native_id), "at://%s/app.bsky.feed.post/%s",
                 did, rkey);
        ids_cid(h, post->ref.cid, sizeof(post->ref.cid));
        break;
    }
    case SIM_X:
        snprintf(post->ref.native_id, sizeof(post->ref.native_id), "%" PRIu64,
                 ids_x(post->ref.created_ms, (uint32_t)(h & 0xFFF)));
        break;
    default:
        snprintf(post->ref.native_id, sizeof(post->ref.native_id), "%" PRIu64,
                 ids_mastodon(post->ref.created_ms, (uint32_t)(0x8000 | (h & 0x7FFF))));
        break;
    }
    return 0;
}

static int generate_post(struct sim_world *world, struct sim_account *account, int64_t ms)
{
    struct sim_rng *rng = &account->rng;
    struct sim_post *post = calloc(1, sizeof(*post));
    if (post == NULL)
        return -1;
    post->account = (size_t)(account - world->accounts);
    post->created_ms = ms;
    enum bank_category category = bank_pick_category(rng);
    post->category = (int)category;

    /* Feeds and the JSON API carry only an author's own posts. */
    uint64_t roll = sim_rng_below(rng, 100);
    int social = account->platform == SIM_MASTODON || account->platform == SIM_BLUESKY ||
                 account->platform == SIM_X;
    if (!social || roll < 70)
        post->kind = SIM_KIND_POST;
    else if (roll < 82)
        post->kind = SIM_KIND_REPOST;
    else if (roll < 92)
        post->kind = SIM_KIND_REPLY;
    else
        post->kind = SIM_KIND_QUOTE;

    const struct bank_text *own = post->kind == SIM_KIND_POST ? bank_pick_text(rng, category)
                                                              : bank_pick_comment(rng, category);
    post->lang = own->lang;
    if (post->kind != SIM_KIND_POST && make_ref(world, account, post, category) != 0)
        goto fail;
    switch (post->kind) {
    case SIM_KIND_POST:
        post->text = world_platform_text(account->platform, own->text);
        post->alt = own->alt != NULL ? own->alt : (sim_rng_chance(rng, 0.1) ? bank_pick_alt(rng) : NULL);
        break;
    case SIM_KIND_REPOST:
        post->text = strdup(post->ref.text);
        break;
    case SIM_KIND_REPLY: {
        char mention[96];
        snprintf(mention, sizeof(mention), "@%s", post->ref.author->handle);
        char *mention_text = world_platform_text(account->platform, mention);
        char *comment = world_platform_text(account->platform, own->text);
        if (mention_text != NULL && comment != NULL)
            post->text = join_text(mention_text, " ", comment);
        free(mention_text);
        free(comment);
        break;
    }
    case SIM_KIND_QUOTE:
        post->text = world_platform_text(account->platform, own->text);
        post->alt = sim_rng_chance(rng, 0.3) ? bank_pick_alt(rng) : NULL;
        break;
    }
    if (post->text == NULL)
        goto fail;
    post->unlisted = account->platform == SIM_MASTODON && sim_rng_chance(rng, 0.1);

    /* Later edits and deletions happen only after start, so the history a crawler first sees
     * is stable. */
    int64_t start = world->options.start_ms;
    if (post->kind != SIM_KIND_REPOST && sim_rng_chance(rng, 0.06)) {
        int64_t at = ms + 300000 + (int64_t)sim_rng_below(rng, DAY_MS);
        const char *note = bank_pick_edit_note(rng);
        if (at > start) {
            post->edited_ms = at;
            post->edited_text = join_text(post->text, "\n\n", note);
            if (post->edited_text == NULL)
                goto fail;
        }
    }
    if (sim_rng_chance(rng, 0.03)) {
        int64_t at = ms + 1800000 + (int64_t)sim_rng_below(rng, 2 * DAY_MS);
        if (at > start)
            post->deleted_ms = at;
    }

    assign_ids(world, account, post);
    if (account->platform == SIM_BLUESKY && account->pinned_seq == 0 && post->kind == SIM_KIND_POST &&
        ms < start && (sim_hash64(world->options.seed + post->account) & 1))
        account->pinned_seq = post->seq;
    if (add_post(account, post) != 0)
        goto fail;
    return 0;

fail:
    post_free(post);
    return -1;
}

int world_advance_account(struct sim_world *world, struct sim_account *account, int64_t now_ms)
{
    double mean_gap_ms = (double)DAY_MS / world->options.posts_per_day;
    while (account->next_post_ms <= now_ms) {
        if (generate_post(world, account, account->next_post_ms) != 0)
            return -1;
        double u = sim_rng_unit(&account->rng);
        int64_t gap = (int64_t)(-log(1.0 - u) * mean_gap_ms);
        account->next_post_ms = post_time(world, account,
                                          account->next_post_ms + (gap > 1000 ? gap : 1000));
    }
    return 0;
}

int64_t world_advance(struct sim_world *world)
{
    int64_t now = world_now_ms(world);
    if (now <= world->generated_until_ms)
        return world->generated_until_ms;
    for (size_t i = 0; i < world->account_count; i++)
        if (world_advance_account(world, &world->accounts[i], now) != 0)
            return -1;
    world->generated_until_ms = now;
    return now;
}

/* "acc-N" names account N - 1: no table needed. */
struct sim_account *world_account_by_id(struct sim_world *world, const char *id)
{
    if (strncmp(id, "acc-", 4) != 0 || id[4] < '1' || id[4] > '9')
        return NULL;
    size_t number = 0;
    const char *p = id + 4;
    for (; *p >= '0' && *p <= '9' && number <= world->account_count; p++)
        number = number * 10 + (size_t)(*p - '0');
    if (*p != '\0' || number > world->account_count)
        return NULL;
    return &world->accounts[number - 1];
}

struct sim_account *world_account_by_username(struct sim_world *world, enum sim_platform platform,
                                              const char *username)
{
    if (platform == SIM_FEED) {
        struct sim_account *account = world_account_by_id(world, username);
        return account != NULL && account->platform == SIM_FEED ? account : NULL;
    }
    char local[ACCOUNT_INDEX_MAX_NAME + 1];
    if (strlen(username) >= sizeof(local))
        return NULL;
    snprintf(local, sizeof(local), "%s", username);
    if (platform == SIM_MASTODON) {
        /* Mastodon's lookup takes "user" or "user@domain"; the domain must be ours. */
        char *at = strchr(local, '@');
        if (at != NULL) {
            if (strcasecmp(at + 1, "sim.mastodon") != 0)
                return NULL;
            *at = '\0';
        }
    }
    size_t index = account_index_find(&world->usernames, (int)platform, local);
    return index == SIZE_MAX ? NULL : &world->accounts[index];
}

struct sim_account *world_account_by_native_id(struct sim_world *world,
                                               enum sim_platform platform, const char *native_id)
{
    size_t index = account_index_find(&world->native_ids, (int)platform, native_id);
    return index == SIZE_MAX ? NULL : &world->accounts[index];
}

void world_account_handle(const struct sim_world *world, const struct sim_account *account,
                          char *out, size_t out_len)
{
    switch (account->platform) {
    case SIM_MASTODON:
        snprintf(out, out_len, "%s@sim.mastodon", account->username);
        break;
    case SIM_FEED:
        snprintf(out, out_len, "%s/feed/%s.%s", world->base_url, account->id,
                 sim_feed_extension(account->feed_format));
        break;
    default:
        snprintf(out, out_len, "%s", account->username);
        break;
    }
}

int sim_post_visible(const struct sim_post *post, int64_t now_ms)
{
    return post->created_ms <= now_ms && !(post->deleted_ms != 0 && post->deleted_ms <= now_ms);
}

int sim_post_edited(const struct sim_post *post, int64_t now_ms)
{
    return post->edited_text != NULL && post->edited_ms <= now_ms;
}

const char *sim_post_text(const struct sim_post *post, int64_t now_ms)
{
    return sim_post_edited(post, now_ms) ? post->edited_text : post->text;
}

int64_t sim_post_updated_ms(const struct sim_post *post, int64_t now_ms)
{
    return sim_post_edited(post, now_ms) ? post->edited_ms : post->created_ms;
}

struct sim_post **world_visible_posts(const struct sim_account *account, int64_t now_ms,
                                      size_t *count)
{
    struct sim_post **list = malloc((account->post_count + 1) * sizeof(*list));
    *count = 0;
    if (list == NULL)
        return NULL;
    for (size_t i = 0; i < account->post_count; i++)
        if (sim_post_visible(account->posts[i], now_ms))
            list[(*count)++] = account->posts[i];
    return list;
}

struct sim_post *world_post_by_id(struct sim_world *world, const char *id)
{
    const char *colon = strchr(id, ':');
    if (colon == NULL)
        return NULL;
    char platform_name[16];
    size_t len = (size_t)(colon - id);
    if (len >= sizeof(platform_name))
        return NULL;
    memcpy(platform_name, id, len);
    platform_name[len] = '\0';
    enum sim_platform platform;
    if (sim_platform_from_name(platform_name, &platform) != 0)
        return NULL;
    for (size_t i = 0; i < world->account_count; i++) {
        struct sim_account *account = &world->accounts[i];
        if (account->platform != platform)
            continue;
        for (size_t j = 0; j < account->post_count; j++)
            if (strcmp(account->posts[j]->native_id, colon + 1) == 0)
                return account->posts[j];
    }
    return NULL;
}

struct sim_post *world_publish(struct sim_world *world, struct sim_account *account,
                               const char *text, char *err, size_t err_len)
{
    int64_t now = world_now_ms(world);
    if (world_advance_account(world, account, now) != 0) {
        error_set(err, err_len, "out of memory generating posts");
        return NULL;
    }
    struct sim_post *post = calloc(1, sizeof(*post));
    if (post == NULL || (post->text = strdup(text)) == NULL) {
        free(post);
        error_set(err, err_len, "out of memory for a new post");
        return NULL;
    }
    post->account = (size_t)(account - world->accounts);
    post->created_ms = now;
    post->kind = SIM_KIND_POST;
    post->category = -1;
    post->lang = "id";
    assign_ids(world, account, post);
    if (add_post(account, post) != 0) {
        post_free(post);
        error_set(err, err_len, "out of memory for a new post");
        return NULL;
    }
    return post;
}

int world_edit(struct sim_world *world, struct sim_post *post, const char *text, char *err,
               size_t err_len)
{
    char *copy = strdup(text);
    if (copy == NULL)
        return error_set(err, err_len, "out of memory for the edited text");
    free(post->edited_text);
    post->edited_text = copy;
    post->edited_ms = world_now_ms(world);
    return 0;
}

void world_delete(struct sim_world *world, struct sim_post *post)
{
    if (post->deleted_ms == 0 || post->deleted_ms > world_now_ms(world))
        post->deleted_ms = world_now_ms(world);
}
