/* GET /healthz, the one path without authentication: 200 {"redis":"ok"} when every shard's
 * Redis answers PING, else 503 {"redis":"unreachable"}. What failed is logged, not shown. */
#include <cjson/cJSON.h>

#include "config/log.h"
#include "desk/desk.h"
#include "desk/server.h"

desk_handler_fn desk_healthz;

int desk_healthz(struct desk *desk, const struct desk_request *request,
                 struct desk_response *response, char *err, size_t err_len)
{
    char problem[NETRA_ERR_LEN];
    int reachable = 1;
    (void)request;
    (void)err;
    (void)err_len;
    struct shards *shards = desk_shards(desk, problem, sizeof(problem));
    if (shards == NULL)
        reachable = 0;
    for (int i = 0; reachable && i < shards_count(shards); i++) {
        redisReply *reply = NULL;
        if (redis_sync_commandv(shards_get(shards, i), &reply, problem, sizeof(problem), "PING",
                                NULL) != 0 ||
            redis_reply_check(reply, "PING", problem, sizeof(problem)) != 0)
            reachable = 0;
        freeReplyObject(reply);
    }
    if (!reachable) {
        log_warn("desk: healthz: %s", problem);
        desk_shards_reset(desk);
    }
    cJSON *json = cJSON_CreateObject();
    if (json != NULL)
        cJSON_AddStringToObject(json, "redis", reachable ? "ok" : "unreachable");
    return desk_json(response, reachable ? 200 : 503, json);
}
