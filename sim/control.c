/* The control endpoints under /_sim/: publish, edit and delete posts, follow, unfollow, like
 * and unlike, list the ground truth, the accounts, set and clear faults, read the statistics.
 * Bodies in and out are JSON. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"
#include "sim/ids.h"
#include "sim/platforms.h"
#include "sim/timefmt.h"

static int method_is(const struct sim_request *req, const char *method)
{
    return strcmp(req->method, method) == 0;
}

/* The body as a JSON object, or NULL with a 400 reply naming the problem. */
static cJSON *parse_body(const struct sim_request *req, struct sim_reply *reply)
{
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(req->body, req->body_len, &end, 0);
    if (doc == NULL) {
        char message[160];
        size_t at = end != NULL && end >= req->body ? (size_t)(end - req->body) : 0;
        snprintf(message, sizeof(message), "request body is not JSON (near byte %zu)", at);
        reply_json_error(reply, 400, message);
        return NULL;
    }
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        reply_json_error(reply, 400, "request body must be a JSON object");
        return NULL;
    }
    return doc;
}

/* A required string field holding valid UTF-8 of 1..max bytes, or NULL with a 400 reply. */
static const char *string_field(cJSON *doc, const char *name, size_t max, struct sim_reply *reply)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, name);
    char message[160];
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        snprintf(message, sizeof(message), "\"%s\" is missing or not a string", name);
        reply_json_error(reply, 400, message);
        return NULL;
    }
    size_t len = strlen(item->valuestring);
    size_t bad = 0;
    if (len == 0 || len > max) {
        snprintf(message, sizeof(message), "\"%s\" must be 1..%zu bytes", name, max);
        reply_json_error(reply, 400, message);
        return NULL;
    }
    if (!utf8_valid(item->valuestring, len, &bad)) {
        snprintf(message, sizeof(message), "\"%s\" is not valid UTF-8 (byte %zu)", name, bad);
        reply_json_error(reply, 400, message);
        return NULL;
    }
    return item->valuestring;
}

static void post_id(const struct sim_world *world, const struct sim_post *post, char *out,
                    size_t len)
{
    snprintf(out, len, "%s:%s", sim_platform_name(world->accounts[post->account].platform),
             post->native_id);
}

static void handle_publish(struct sim *sim, const struct sim_request *req, struct sim_reply *reply)
{
    cJSON *doc = parse_body(req, reply);
    if (doc == NULL)
        return;
    const char *account_id = string_field(doc, "account", 64, reply);
    const char *text = account_id != NULL ? string_field(doc, "text", SIM_MAX_TEXT_BYTES, reply)
                                          : NULL;
    if (text == NULL)
        goto cleanup;
    world_lock(&sim->world);
    struct sim_account *account = world_account_by_id(&sim->world, account_id);
    char err[NETRA_ERR_LEN];
    struct sim_post *post = account != NULL ? world_publish(&sim->world, account, text, err,
                                                            sizeof(err))
                                            : NULL;
    if (account == NULL) {
        char message[160];
        snprintf(message, sizeof(message), "no account \"%.64s\"", account_id);
        reply_json_error(reply, 404, message);
    } else if (post == NULL) {
        reply_json_error(reply, 500, err);
    } else {
        char id[SIM_ID_LEN + 16], created[SIM_TIME_LEN];
        post_id(&sim->world, post, id, sizeof(id));
        time_rfc3339_ms(post->created_ms, created);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "id", id);
        cJSON_AddStringToObject(out, "platform", sim_platform_name(account->platform));
        cJSON_AddStringToObject(out, "native_id", post->native_id);
        cJSON_AddStringToObject(out, "account", account->id);
        cJSON_AddStringToObject(out, "created_at", created);
        reply_json(reply, 201, out);
    }
    world_unlock(&sim->world);
cleanup:
    cJSON_Delete(doc);
}

/* edit and delete: the post named by "id", published and not deleted. */
static void handle_change(struct sim *sim, const struct sim_request *req, struct sim_reply *reply,
                          int is_edit)
{
    cJSON *doc = parse_body(req, reply);
    if (doc == NULL)
        return;
    const char *id = string_field(doc, "id", SIM_ID_LEN + 16, reply);
    const char *text = NULL;
    if (id == NULL || (is_edit && (text = string_field(doc, "text", SIM_MAX_TEXT_BYTES, reply)) == NULL))
        goto cleanup;
    world_lock(&sim->world);
    int64_t now = world_advance(&sim->world);
    struct sim_post *post = world_post_by_id(&sim->world, id);
    char message[SIM_ID_LEN + 64];
    char err[NETRA_ERR_LEN];
    if (post == NULL) {
        snprintf(message, sizeof(message), "no post \"%s\"", id);
        reply_json_error(reply, 404, message);
    } else if (is_edit && !sim_post_visible(post, now)) {
        snprintf(message, sizeof(message), "post \"%s\" is deleted", id);
        reply_json_error(reply, 409, message);
    } else if (is_edit && world_edit(&sim->world, post, text, err, sizeof(err)) != 0) {
        reply_json_error(reply, 500, err);
    } else {
        if (!is_edit)
            world_delete(&sim->world, post);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "id", id);
        cJSON_AddBoolToObject(out, is_edit ? "edited" : "deleted", 1);
        reply_json(reply, 200, out);
    }
    world_unlock(&sim->world);
cleanup:
    cJSON_Delete(doc);
}

static cJSON *post_json(const struct sim_world *world, const struct sim_post *post, int64_t now)
{
    const struct sim_account *account = &world->accounts[post->account];
    char id[SIM_ID_LEN + 16], created[SIM_TIME_LEN];
    post_id(world, post, id, sizeof(id));
    time_rfc3339_ms(post->created_ms, created);
    cJSON *item = cJSON_CreateObject();
    if (item == NULL)
        return NULL;
    cJSON_AddStringToObject(item, "id", id);
    cJSON_AddStringToObject(item, "platform", sim_platform_name(account->platform));
    cJSON_AddStringToObject(item, "native_id", post->native_id);
    cJSON_AddStringToObject(item, "account", account->id);
    cJSON_AddStringToObject(item, "created_at", created);
    cJSON_AddStringToObject(item, "text", sim_post_text(post, now));
    cJSON_AddStringToObject(item, "kind", sim_kind_name(post->kind));
    cJSON_AddBoolToObject(item, "edited", sim_post_edited(post, now));
    cJSON_AddBoolToObject(item, "deleted", !sim_post_visible(post, now));
    if (post->category >= 0)
        cJSON_AddStringToObject(item, "category",
                                bank_category_name((enum bank_category)post->category));
    else
        cJSON_AddNullToObject(item, "category");
    return item;
}

/* Every post, or with ?account= one account's: only that account's history is generated. */
static void handle_posts(struct sim *sim, const struct sim_request *req, struct sim_reply *reply)
{
    const char *only = request_query(req, "account");
    world_lock(&sim->world);
    struct sim_account *account = only != NULL ? world_account_by_id(&sim->world, only) : NULL;
    int64_t now = world_now_ms(&sim->world);
    int failed = only == NULL ? world_advance(&sim->world) < 0
                              : account != NULL &&
                                    world_advance_account(&sim->world, account, now) != 0;
    cJSON *doc = cJSON_CreateObject();
    cJSON *posts = cJSON_AddArrayToObject(doc, "posts");
    failed = failed || doc == NULL || posts == NULL;
    size_t first = account != NULL ? (size_t)(account - sim->world.accounts) : 0;
    size_t end = only == NULL ? sim->world.account_count : account != NULL ? first + 1 : 0;
    for (size_t i = first; !failed && i < end; i++) {
        const struct sim_account *a = &sim->world.accounts[i];
        for (size_t j = 0; !failed && j < a->post_count; j++) {
            cJSON *item = post_json(&sim->world, a->posts[j], now);
            failed = item == NULL || !cJSON_AddItemToArray(posts, item);
        }
    }
    world_unlock(&sim->world);
    if (failed) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    reply_json(reply, 200, doc);
}

/* How many posts each account shows now: the ground truth of a benchmark that reads first pages,
 * without the size of every post's JSON. */
static void handle_counts(struct sim *sim, struct sim_reply *reply)
{
    world_lock(&sim->world);
    int64_t now = world_advance(&sim->world);
    cJSON *doc = cJSON_CreateObject();
    cJSON *visible = cJSON_AddObjectToObject(doc, "visible");
    int failed = now < 0 || doc == NULL || visible == NULL;
    if (!failed)
        cJSON_AddNumberToObject(doc, "now_ms", (double)now);
    for (size_t i = 0; !failed && i < sim->world.account_count; i++) {
        const struct sim_account *a = &sim->world.accounts[i];
        size_t count = 0;
        for (size_t j = 0; j < a->post_count; j++)
            count += (size_t)sim_post_visible(a->posts[j], now);
        failed = cJSON_AddNumberToObject(visible, a->id, (double)count) == NULL;
    }
    world_unlock(&sim->world);
    if (failed) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    reply_json(reply, 200, doc);
}

static void handle_accounts(struct sim *sim, struct sim_reply *reply)
{
    world_lock(&sim->world);
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(doc, "accounts");
    for (size_t i = 0; list != NULL && i < sim->world.account_count; i++) {
        const struct sim_account *account = &sim->world.accounts[i];
        char handle[256];
        world_account_handle(&sim->world, account, handle, sizeof(handle));
        cJSON *item = cJSON_CreateObject();
        if (item == NULL || !cJSON_AddItemToArray(list, item)) {
            cJSON_Delete(item);
            list = NULL;
            break;
        }
        cJSON_AddStringToObject(item, "id", account->id);
        cJSON_AddStringToObject(item, "platform", sim_platform_name(account->platform));
        cJSON_AddStringToObject(item, "handle", handle);
        cJSON_AddStringToObject(item, "native_id", account->native_id);
        cJSON_AddStringToObject(item, "region", people_region(account->region)->slug);
        cJSON_AddStringToObject(item, "name", account->person.name);
        cJSON_AddStringToObject(item, "nip", account->person.nip);
        cJSON_AddStringToObject(item, "agency", account->person.agency);
        if (account->platform == SIM_FEED)
            cJSON_AddStringToObject(item, "format", sim_feed_extension(account->feed_format));
    }
    world_unlock(&sim->world);
    if (list == NULL) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    reply_json(reply, 200, doc);
}

/* "account": a watched Mastodon, Bluesky or X account, or NULL with a 400/404 reply. Call with
 * the world locked. */
static struct sim_account *social_account(struct sim *sim, cJSON *doc, struct sim_reply *reply)
{
    const char *id = string_field(doc, "account", 64, reply);
    if (id == NULL)
        return NULL;
    struct sim_account *account = world_account_by_id(&sim->world, id);
    char message[160];
    if (account == NULL) {
        snprintf(message, sizeof(message), "\"account\": no account \"%.64s\"", id);
        reply_json_error(reply, 404, message);
        return NULL;
    }
    if (account->platform != SIM_MASTODON && account->platform != SIM_BLUESKY &&
        account->platform != SIM_X) {
        snprintf(message, sizeof(message),
                 "\"account\": %s is on %s, which has no follows or likes", account->id,
                 sim_platform_name(account->platform));
        reply_json_error(reply, 400, message);
        return NULL;
    }
    return account;
}

/* A bank author or a watched account named by `field` on the account's platform. */
static int target_field(struct sim *sim, cJSON *doc, const char *field,
                        const struct sim_account *account, struct engage_target *target,
                        struct sim_reply *reply)
{
    const char *handle = string_field(doc, field, ACCOUNT_INDEX_MAX_NAME, reply);
    if (handle == NULL)
        return -1;
    if (engage_find_target(&sim->world, account->platform, handle, target) != 0) {
        char message[256];
        snprintf(message, sizeof(message),
                 "\"%s\": no bank author or watched account \"%.100s\" on %s", field, handle,
                 sim_platform_name(account->platform));
        reply_json_error(reply, 404, message);
        return -1;
    }
    return 0;
}

static void handle_follow(struct sim *sim, const struct sim_request *req, struct sim_reply *reply,
                          int on)
{
    cJSON *doc = parse_body(req, reply);
    if (doc == NULL)
        return;
    world_lock(&sim->world);
    struct engage_target target;
    struct sim_account *account = social_account(sim, doc, reply);
    if (account == NULL || target_field(sim, doc, "target", account, &target, reply) != 0)
        goto unlock;
    char handle[256], native_id[96], err[NETRA_ERR_LEN];
    engage_target_handle(&sim->world, account->platform, &target, handle, sizeof(handle));
    engage_target_native_id(&sim->world, account->platform, &target, native_id, sizeof(native_id));
    int following = engage_is_following(&sim->world, &sim->engage, account, &target,
                                        world_now_ms(&sim->world));
    if (following < 0) {
        reply_json_error(reply, 500, "out of memory listing follows");
    } else if (following == on) {
        char message[400];
        snprintf(message, sizeof(message), "\"target\": %s %s %s", account->id,
                 on ? "already follows" : "does not follow", handle);
        reply_json_error(reply, 409, message);
    } else if (engage_follow_edit(&sim->world, &sim->engage, account, &target, on, err,
                                  sizeof(err)) != 0) {
        reply_json_error(reply, 400, err);
    } else {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "account", account->id);
        cJSON_AddStringToObject(out, "platform", sim_platform_name(account->platform));
        cJSON_AddStringToObject(out, "target", handle);
        cJSON_AddStringToObject(out, "target_id", native_id);
        cJSON_AddBoolToObject(out, "following", on);
        reply_json(reply, on ? 201 : 200, out);
    }
unlock:
    world_unlock(&sim->world);
    cJSON_Delete(doc);
}

/* The post's address on the platform's web site. */
static void post_url(const struct sim_world *world, enum sim_platform platform,
                     const struct engage_post *post, char *out, size_t out_len)
{
    char handle[256];
    engage_target_handle(world, platform, &post->author, handle, sizeof(handle));
    if (platform == SIM_BLUESKY) {
        const char *rkey = strrchr(post->native_id, '/');
        snprintf(out, out_len, "https://bsky.app/profile/%s/post/%s", handle,
                 rkey != NULL ? rkey + 1 : "");
    } else {
        snprintf(out, out_len, "https://x.com/%s/status/%s", handle, post->native_id);
    }
}

static cJSON *liked_post_json(const struct sim_world *world, const struct sim_account *account,
                              const struct engage_post *post)
{
    char id[SIM_ID_LEN + 16], url[512], handle[256], author_id[96], created[SIM_TIME_LEN];
    snprintf(id, sizeof(id), "%s:%s", sim_platform_name(account->platform), post->native_id);
    post_url(world, account->platform, post, url, sizeof(url));
    engage_target_handle(world, account->platform, &post->author, handle, sizeof(handle));
    engage_target_native_id(world, account->platform, &post->author, author_id,
                            sizeof(author_id));
    time_rfc3339_ms(post->created_ms, created);
    cJSON *out = cJSON_CreateObject();
    if (out == NULL)
        return NULL;
    cJSON_AddStringToObject(out, "id", id);
    cJSON_AddStringToObject(out, "native_id", post->native_id);
    if (account->platform == SIM_BLUESKY)
        cJSON_AddStringToObject(out, "uri", post->native_id);
    cJSON_AddStringToObject(out, "url", url);
    cJSON_AddStringToObject(out, "author", handle);
    cJSON_AddStringToObject(out, "author_id", author_id);
    cJSON_AddStringToObject(out, "created_at", created);
    if (post->category >= 0)
        cJSON_AddStringToObject(out, "category",
                                bank_category_name((enum bank_category)post->category));
    else
        cJSON_AddNullToObject(out, "category");
    return out;
}

/* {"account", "author", "text"}: a new post by author, liked; {"account", "post"}: a post liked
 * through control before, liked again. */
static void handle_like(struct sim *sim, const struct sim_request *req, struct sim_reply *reply)
{
    cJSON *doc = parse_body(req, reply);
    if (doc == NULL)
        return;
    world_lock(&sim->world);
    struct engage_post post;
    char err[NETRA_ERR_LEN];
    int rc;
    struct sim_account *account = social_account(sim, doc, reply);
    if (account == NULL)
        goto unlock;
    if (cJSON_GetObjectItemCaseSensitive(doc, "post") != NULL) {
        const char *native_id = string_field(doc, "post", SIM_ID_LEN - 1, reply);
        if (native_id == NULL)
            goto unlock;
        rc = engage_like_again(&sim->world, &sim->engage, account, native_id, &post, err,
                               sizeof(err));
    } else {
        struct engage_target author;
        if (target_field(sim, doc, "author", account, &author, reply) != 0)
            goto unlock;
        const char *text = string_field(doc, "text", ENGAGE_MAX_TEXT_BYTES, reply);
        if (text == NULL)
            goto unlock;
        rc = engage_like_add(&sim->world, &sim->engage, account, &author, text, &post, err,
                             sizeof(err));
    }
    if (rc != 0) {
        reply_json_error(reply, rc > 0 ? 409 : 400, err);
        goto unlock;
    }
    cJSON *out = liked_post_json(&sim->world, account, &post);
    if (out != NULL) {
        cJSON_AddStringToObject(out, "account", account->id);
        cJSON_AddBoolToObject(out, "liked", 1);
    }
    reply_json(reply, 201, out);
unlock:
    world_unlock(&sim->world);
    cJSON_Delete(doc);
}

static void handle_unlike(struct sim *sim, const struct sim_request *req, struct sim_reply *reply)
{
    cJSON *doc = parse_body(req, reply);
    if (doc == NULL)
        return;
    world_lock(&sim->world);
    char err[NETRA_ERR_LEN];
    const char *native_id = NULL;
    struct sim_account *account = social_account(sim, doc, reply);
    if (account == NULL || (native_id = string_field(doc, "post", SIM_ID_LEN - 1, reply)) == NULL)
        goto unlock;
    int rc = engage_unlike(&sim->world, &sim->engage, account, native_id, err, sizeof(err));
    if (rc != 0) {
        reply_json_error(reply, rc > 0 ? 409 : 500, err);
        goto unlock;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "account", account->id);
    cJSON_AddStringToObject(out, "post", native_id);
    cJSON_AddBoolToObject(out, "liked", 0);
    reply_json(reply, 200, out);
unlock:
    world_unlock(&sim->world);
    cJSON_Delete(doc);
}

/* ?account=acc-7: whom the account follows and what it likes now, as the platforms list them
 * (newest first): the ground truth of a complete follow or like crawl. */
static void handle_engagement(struct sim *sim, const struct sim_request *req,
                              struct sim_reply *reply)
{
    const char *id = request_query(req, "account");
    if (id == NULL) {
        reply_json_error(reply, 400, "\"account\" query argument is missing");
        return;
    }
    world_lock(&sim->world);
    struct sim_account *account = world_account_by_id(&sim->world, id);
    struct engage_follow *follows = NULL;
    struct engage_like *likes = NULL;
    size_t follow_count = 0, like_count = 0;
    int64_t now = world_now_ms(&sim->world);
    cJSON *doc = NULL;
    if (account == NULL) {
        char message[160];
        snprintf(message, sizeof(message), "\"account\": no account \"%.64s\"", id);
        reply_json_error(reply, 404, message);
        goto unlock;
    }
    if (engage_follows(&sim->world, &sim->engage, account, now, &follows, &follow_count) != 0 ||
        engage_likes(&sim->world, &sim->engage, account, now, &likes, &like_count) != 0) {
        reply_json_error(reply, 500, "out of memory listing follows and likes");
        goto unlock;
    }
    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "account", account->id);
    cJSON_AddStringToObject(doc, "platform", sim_platform_name(account->platform));
    cJSON_AddNumberToObject(doc, "now_ms", (double)now);
    cJSON_AddNumberToObject(doc, "follow_count", (double)follow_count);
    cJSON_AddNumberToObject(doc, "like_count", (double)like_count);
    cJSON *following = cJSON_AddArrayToObject(doc, "follows");
    for (size_t i = 0; following != NULL && i < follow_count; i++) {
        char handle[256], native_id[96], since[SIM_TIME_LEN];
        const struct engage_target *t = &follows[i].target;
        engage_target_handle(&sim->world, account->platform, t, handle, sizeof(handle));
        engage_target_native_id(&sim->world, account->platform, t, native_id, sizeof(native_id));
        time_rfc3339_ms(follows[i].since_ms, since);
        cJSON *item = cJSON_CreateObject();
        if (item == NULL || !cJSON_AddItemToArray(following, item)) {
            cJSON_Delete(item);
            following = NULL;
            break;
        }
        cJSON_AddStringToObject(item, "handle", handle);
        cJSON_AddStringToObject(item, "native_id", native_id);
        cJSON_AddStringToObject(item, "kind",
                                t->kind == ENGAGE_ACCOUNT ? "watched"
                                : bank_author_at(t->index)->role != BANK_ROLE_NONE
                                    ? "campaign"
                                    : bank_category_name(bank_author_category(t->index)));
        if (t->kind == ENGAGE_AUTHOR && bank_author_at(t->index)->role != BANK_ROLE_NONE)
            cJSON_AddStringToObject(item, "role", bank_role_name(bank_author_at(t->index)->role));
        cJSON_AddStringToObject(item, "since", since);
    }
    cJSON *liked = cJSON_AddArrayToObject(doc, "likes");
    for (size_t i = 0; liked != NULL && i < like_count; i++) {
        cJSON *item = liked_post_json(&sim->world, account, &likes[i].post);
        if (item == NULL || !cJSON_AddItemToArray(liked, item)) {
            cJSON_Delete(item);
            liked = NULL;
            break;
        }
        char at[SIM_TIME_LEN];
        time_rfc3339_ms(likes[i].liked_ms, at);
        cJSON_AddStringToObject(item, "liked_at", at);
        if (account->platform == SIM_BLUESKY)
            cJSON_AddStringToObject(item, "rkey", likes[i].rkey);
    }
    if (following == NULL || liked == NULL) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    reply_json(reply, 200, doc);
unlock:
    engage_follows_free(follows);
    engage_likes_free(likes, like_count);
    world_unlock(&sim->world);
}

static void handle_add_fault(struct sim *sim, const struct sim_request *req,
                             struct sim_reply *reply)
{
    cJSON *doc = parse_body(req, reply);
    if (doc == NULL)
        return;
    struct fault fault = {.remaining = -1};
    char message[NETRA_ERR_LEN];
    const char *mode = string_field(doc, "mode", 32, reply);
    if (mode == NULL)
        goto cleanup;
    if (fault_mode_from_name(mode, &fault.mode) != 0) {
        snprintf(message, sizeof(message), "unknown fault mode \"%s\"", mode);
        reply_json_error(reply, 400, message);
        goto cleanup;
    }
    cJSON *account = cJSON_GetObjectItemCaseSensitive(doc, "account");
    cJSON *count = cJSON_GetObjectItemCaseSensitive(doc, "count");
    cJSON *seconds = cJSON_GetObjectItemCaseSensitive(doc, "seconds");
    if (account != NULL && !cJSON_IsNull(account)) {
        const char *id = string_field(doc, "account", sizeof(fault.account) - 1, reply);
        if (id == NULL)
            goto cleanup;
        world_lock(&sim->world);
        int known = world_account_by_id(&sim->world, id) != NULL;
        world_unlock(&sim->world);
        if (!known) {
            snprintf(message, sizeof(message), "no account \"%s\"", id);
            reply_json_error(reply, 404, message);
            goto cleanup;
        }
        snprintf(fault.account, sizeof(fault.account), "%s", id);
    }
    if (count != NULL && !cJSON_IsNull(count)) {
        if (!cJSON_IsNumber(count) || count->valuedouble < 1 || count->valuedouble > 1e9 ||
            count->valuedouble != (double)(long)count->valuedouble) {
            reply_json_error(reply, 400, "\"count\" must be a whole number >= 1");
            goto cleanup;
        }
        fault.remaining = (long)count->valuedouble;
    }
    if (seconds != NULL && !cJSON_IsNull(seconds)) {
        if (!cJSON_IsNumber(seconds)) {
            reply_json_error(reply, 400, "\"seconds\" must be a number");
            goto cleanup;
        }
        fault.seconds = seconds->valuedouble;
    }
    if (faults_add(&sim->faults, &fault, message, sizeof(message)) != 0) {
        reply_json_error(reply, 400, message);
        goto cleanup;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "mode", fault_mode_name(fault.mode));
    if (fault.account[0] != '\0')
        cJSON_AddStringToObject(out, "account", fault.account);
    else
        cJSON_AddNullToObject(out, "account");
    cJSON_AddNumberToObject(out, "count", (double)fault.remaining);
    cJSON_AddNumberToObject(out, "seconds", fault.seconds);
    reply_json(reply, 201, out);
cleanup:
    cJSON_Delete(doc);
}

static void handle_list_faults(struct sim *sim, struct sim_reply *reply)
{
    struct fault *items = calloc(FAULTS_MAX, sizeof(*items));
    if (items == NULL) {
        reply_json(reply, 500, NULL);
        return;
    }
    size_t n = faults_list(&sim->faults, items, FAULTS_MAX);
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(doc, "faults");
    for (size_t i = 0; list != NULL && i < n; i++) {
        cJSON *item = cJSON_CreateObject();
        if (item == NULL || !cJSON_AddItemToArray(list, item)) {
            cJSON_Delete(item);
            list = NULL;
            break;
        }
        cJSON_AddStringToObject(item, "mode", fault_mode_name(items[i].mode));
        if (items[i].account[0] != '\0')
            cJSON_AddStringToObject(item, "account", items[i].account);
        else
            cJSON_AddNullToObject(item, "account");
        cJSON_AddNumberToObject(item, "count", (double)items[i].remaining);
        cJSON_AddNumberToObject(item, "seconds", items[i].seconds);
    }
    free(items);
    if (list == NULL) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    reply_json(reply, 200, doc);
}

static void handle_clock(struct sim *sim, struct sim_reply *reply)
{
    world_lock(&sim->world);
    int64_t now = world_now_ms(&sim->world);
    world_unlock(&sim->world);
    char text[SIM_TIME_LEN];
    time_rfc3339_ms(now, text);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "now", text);
    cJSON_AddNumberToObject(doc, "now_ms", (double)now);
    cJSON_AddNumberToObject(doc, "speed", sim->options.world.speed);
    reply_json(reply, 200, doc);
}

void control_handle(struct sim *sim, struct sim_request *req, struct sim_reply *reply)
{
    const char *what = req->path + strlen("/_sim/");
    if (strcmp(what, "publish") == 0 && method_is(req, "POST")) {
        handle_publish(sim, req, reply);
    } else if (strcmp(what, "edit") == 0 && method_is(req, "POST")) {
        handle_change(sim, req, reply, 1);
    } else if (strcmp(what, "delete") == 0 && method_is(req, "POST")) {
        handle_change(sim, req, reply, 0);
    } else if (strcmp(what, "follow") == 0 && method_is(req, "POST")) {
        handle_follow(sim, req, reply, 1);
    } else if (strcmp(what, "unfollow") == 0 && method_is(req, "POST")) {
        handle_follow(sim, req, reply, 0);
    } else if (strcmp(what, "like") == 0 && method_is(req, "POST")) {
        handle_like(sim, req, reply);
    } else if (strcmp(what, "unlike") == 0 && method_is(req, "POST")) {
        handle_unlike(sim, req, reply);
    } else if (strcmp(what, "engagement") == 0 && method_is(req, "GET")) {
        handle_engagement(sim, req, reply);
    } else if (strcmp(what, "posts") == 0 && method_is(req, "GET")) {
        handle_posts(sim, req, reply);
    } else if (strcmp(what, "accounts") == 0 && method_is(req, "GET")) {
        handle_accounts(sim, reply);
    } else if (strcmp(what, "counts") == 0 && method_is(req, "GET")) {
        handle_counts(sim, reply);
    } else if (strcmp(what, "faults") == 0 && method_is(req, "POST")) {
        handle_add_fault(sim, req, reply);
    } else if (strcmp(what, "faults") == 0 && method_is(req, "DELETE")) {
        faults_clear(&sim->faults);
        reply_json(reply, 200, cJSON_CreateObject());
    } else if (strcmp(what, "faults") == 0 && method_is(req, "GET")) {
        handle_list_faults(sim, reply);
    } else if (strcmp(what, "stats") == 0 && method_is(req, "GET")) {
        reply_json(reply, 200, stats_to_json(&sim->stats, sim->account_ids));
    } else if (strcmp(what, "stats") == 0 && method_is(req, "DELETE")) {
        stats_reset(&sim->stats);
        reply_json(reply, 200, cJSON_CreateObject());
    } else if (strcmp(what, "clock") == 0 && method_is(req, "GET")) {
        handle_clock(sim, reply);
    } else {
        reply_json_error(reply, 404, "no such control endpoint: publish, edit, delete, follow, "
                                     "unfollow, like, unlike (POST); posts, accounts, counts, "
                                     "engagement, clock (GET); faults (GET, POST, DELETE); "
                                     "stats (GET, DELETE)");
    }
}
