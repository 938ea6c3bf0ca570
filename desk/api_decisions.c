/* POST /api/cases/<cid>/decision: a reviewer's or supervisor's decision, validated here and
 * written (with its audit entry and, on confirmation, its alert) by queue/decisions.h. */
#include "desk/api.h"

#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "desk/auth.h"
#include "queue/decisions.h"
#include "queue/keys.h"

#define DECISION_SUFFIX "/decision"

/* The case's account and shard (*shard = -1 when no shard holds the case); *account is the
 * caller's to free. */
static int case_account(struct shards *shards, const struct netra_config *config,
                        const char *case_id, int *shard, char **account, char *err,
                        size_t err_len)
{
    *shard = -1;
    *account = NULL;
    for (int s = 0; s < shards_count(shards); s++) {
        char key[KEYS_MAX_LEN];
        redisReply *reply = NULL;
        if (keys_case(key, sizeof(key), config->redis.key_prefix, s, case_id, err, err_len) !=
                0 ||
            redis_sync_commandv(shards_get(shards, s), &reply, err, err_len, "HGET", key,
                                "account", (char *)NULL) != 0)
            return -1;
        if (redis_reply_is_string(reply)) {
            *account = redis_reply_strdup(reply);
            freeReplyObject(reply);
            if (*account == NULL)
                return error_set(err, err_len, "decision: out of memory");
            *shard = s;
            return 0;
        }
        freeReplyObject(reply);
    }
    return 0;
}

/* A string member of body: NULL when absent or null; -1 when present but not a string. */
static int body_string(const cJSON *body, const char *name, const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, name);
    *out = NULL;
    if (item == NULL || cJSON_IsNull(item))
        return 0;
    if (!cJSON_IsString(item))
        return -1;
    *out = item->valuestring;
    return 0;
}

static cJSON *outcome_json(const char *case_id, const struct decision_outcome *outcome)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *decisions = cJSON_Parse(outcome->decisions);
    if (!cJSON_IsArray(decisions)) {
        cJSON_Delete(decisions);
        decisions = cJSON_CreateArray();
    }
    cJSON *alert = outcome->alert_id ? cJSON_CreateString(outcome->alert_id) : cJSON_CreateNull();
    cJSON *category = outcome->confirmed_category
                          ? cJSON_CreateString(outcome->confirmed_category)
                          : cJSON_CreateNull();
    cJSON *confirmed_at = outcome->confirmed_at > 0
                              ? cJSON_CreateNumber((double)outcome->confirmed_at)
                              : cJSON_CreateNull();
    cJSON *confirmed_by = api_split_list(outcome->confirmed_by);
    cJSON *parts[] = {alert, category, confirmed_by, confirmed_at, decisions};
    const char *names[] = {"alert", "confirmed_category", "confirmed_by", "confirmed_at",
                           "decisions"};
    int ok = json != NULL && cJSON_AddStringToObject(json, "id", case_id) != NULL &&
             cJSON_AddStringToObject(json, "status", outcome->status) != NULL;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (ok && parts[i] != NULL && cJSON_AddItemToObject(json, names[i], parts[i])) {
            parts[i] = NULL;
            continue;
        }
        ok = 0;
        cJSON_Delete(parts[i]);
    }
    if (!ok) {
        cJSON_Delete(json);
        return NULL;
    }
    return json;
}

int api_case_decide(struct desk *desk, const struct desk_request *request,
                    struct desk_response *response, char *err, size_t err_len)
{
    const struct netra_config *config = desk_config(desk);
    char case_id[CASE_ID_LEN + 1];
    char *account = NULL;
    cJSON *body = NULL;
    struct decision_outcome outcome = {0};
    int rc = -1, shard;
    const char *rest = request->path_rest;
    if (strlen(rest) != CASE_ID_LEN + strlen(DECISION_SUFFIX) ||
        strcmp(rest + CASE_ID_LEN, DECISION_SUFFIX) != 0)
        return desk_error(response, 404, "no such path");
    memcpy(case_id, rest, CASE_ID_LEN);
    case_id[CASE_ID_LEN] = '\0';
    if (!cases_id_valid(case_id))
        return desk_error(response, 404, "no case %s", case_id);

    body = cJSON_ParseWithLength(request->body, request->body_len);
    struct decision decision = {.case_id = case_id,
                                .by = request->user->name,
                                .role = desk_role_name(request->user->role),
                                .from = request->remote_addr,
                                .four_eyes = config->desk.four_eyes};
    if (!cJSON_IsObject(body)) {
        rc = desk_error(response, 400, "body: expected a JSON object");
        goto cleanup;
    }
    if (body_string(body, "action", &decision.action) != 0 ||
        body_string(body, "category", &decision.category) != 0 ||
        body_string(body, "note", &decision.note) != 0 ||
        body_string(body, "reason", &decision.reason) != 0) {
        rc = desk_error(response, 400, "body: action, category, note and reason must be strings");
        goto cleanup;
    }
    if (decision.action != NULL && strcmp(decision.action, "reopen") == 0 &&
        request->user->role != DESK_ROLE_SUPERVISOR) {
        rc = desk_error(response, 403, "only a supervisor can reopen a case");
        goto cleanup;
    }
    char message[NETRA_ERR_LEN];
    /* Checked before the case is looked up, with a stand-in account, so a bad body is 400. */
    decision.account = "-";
    if (decisions_check(&decision, message, sizeof(message)) != 0) {
        rc = desk_error(response, 400, "%s", message);
        goto cleanup;
    }
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL ||
        case_account(shards, config, case_id, &shard, &account, err, err_len) != 0)
        goto cleanup;
    if (shard < 0 || account[0] == '\0') {
        rc = desk_error(response, 404, "no case %s", case_id);
        goto cleanup;
    }
    decision.account = account;
    if (keys_shard(account, config->redis.shards) != shard) {
        error_set(err, err_len, "case %s: its account %s belongs to shard %d, not %d", case_id,
                  account, keys_shard(account, config->redis.shards), shard);
        goto cleanup;
    }
    if (decisions_decide(shards_get(shards, shard), config, &decision, &outcome, err, err_len) !=
        0)
        goto cleanup;
    if (outcome.result == DECISION_NO_CASE) {
        rc = desk_error(response, 404, "no case %s", case_id);
    } else if (outcome.result == DECISION_CONFLICT) {
        rc = desk_error(response, 409, "%s", outcome.message);
    } else {
        cJSON *json = outcome_json(case_id, &outcome);
        if (json == NULL)
            error_set(err, err_len, "decision: out of memory");
        else
            rc = desk_json(response, 200, json);
    }
cleanup:
    decision_outcome_free(&outcome);
    cJSON_Delete(body);
    free(account);
    return rc;
}
