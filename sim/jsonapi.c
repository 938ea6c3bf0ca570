/* A plain JSON list endpoint, the shape other collection tools export:
 *   GET /jsonapi/accounts/<handle>/posts[?cursor=C][&limit=N]
 *   -> {"data":[{"id","body","created","permalink","user":{"name"}}, ...],
 *       "next_cursor": "..." | null}
 * Newest first, 20 a page (limit 1..100). The cursor is opaque to clients (it is the id of the
 * last item served); next_cursor is null on the last page. created is RFC 3339 in +07:00. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/platforms.h"
#include "sim/timefmt.h"

#define DEFAULT_LIMIT 20
#define MAX_LIMIT 100

enum { ENDPOINT_POSTS = 1 };

static int resolve(struct sim *sim, struct sim_request *req)
{
    const char *prefix = "/accounts/";
    const char *p = req->subpath;
    if (strncmp(p, prefix, strlen(prefix)) != 0)
        return -1;
    p += strlen(prefix);
    size_t len = strcspn(p, "/");
    if (len == 0 || len >= sizeof(req->arg) || strcmp(p + len, "/posts") != 0)
        return -1;
    memcpy(req->arg, p, len);
    req->arg[len] = '\0';
    req->endpoint = ENDPOINT_POSTS;
    req->account = world_account_by_username(&sim->world, SIM_JSONAPI, req->arg);
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
    reply_json_error(reply, 404, "account not found");
}

static void render(struct sim *sim, struct sim_request *req, int64_t now, struct sim_reply *reply)
{
    (void)sim;
    long limit = DEFAULT_LIMIT;
    const char *limit_text = request_query(req, "limit");
    if (limit_text != NULL) {
        char *end = NULL;
        limit = strtol(limit_text, &end, 10);
        if (*end != '\0' || limit < 1 || limit > MAX_LIMIT) {
            error_reply(reply, 400, "limit must be 1..100");
            return;
        }
    }
    uint64_t below = UINT64_MAX;
    const char *cursor = request_query(req, "cursor");
    if (cursor != NULL && cursor[0] != '\0') {
        char *end = NULL;
        below = strtoull(cursor, &end, 10);
        if (*end != '\0' || below == 0) {
            error_reply(reply, 400, "invalid cursor");
            return;
        }
    }
    size_t count = 0;
    struct sim_post **posts = world_visible_posts(req->account, now, &count);
    if (posts == NULL) {
        error_reply(reply, 500, "out of memory");
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *data = cJSON_AddArrayToObject(doc, "data");
    long served = 0;
    const struct sim_post *last = NULL;
    int more = 0;
    for (size_t i = count; i > 0; i--) {
        const struct sim_post *post = posts[i - 1];
        if (post->seq >= below)
            continue;
        if (served == limit) {
            more = 1;
            break;
        }
        char created[SIM_TIME_LEN], link[512];
        time_rfc3339_wib(post->created_ms, created);
        snprintf(link, sizeof(link), "https://portal.sim.example/%s/posts/%s",
                 req->account->username, post->native_id);
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "id", post->native_id);
        cJSON_AddStringToObject(item, "body", sim_post_text(post, now));
        cJSON_AddStringToObject(item, "created", created);
        cJSON_AddStringToObject(item, "permalink", link);
        cJSON *user = cJSON_AddObjectToObject(item, "user");
        cJSON_AddStringToObject(user, "name", req->account->person.name);
        cJSON_AddItemToArray(data, item);
        served++;
        last = post;
    }
    if (more && last != NULL) {
        char next[32];
        snprintf(next, sizeof(next), "%" PRIu64, last->seq);
        cJSON_AddStringToObject(doc, "next_cursor", next);
    } else {
        cJSON_AddNullToObject(doc, "next_cursor");
    }
    free(posts);
    reply_json(reply, 200, doc);
}

const struct platform_routes jsonapi_routes = {
    .platform = SIM_JSONAPI,
    .prefix = "/jsonapi",
    .resolve = resolve,
    .authorize = NULL,
    .render = render,
    .error = error_reply,
    .gone = gone,
    .rate_headers = NULL,
};
