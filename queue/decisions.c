#include "queue/decisions.h"

#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/scripts.h"

const char *const decisions_categories[] = {
    "vote_call",       "candidate_praise",  "campaign_material",
    "campaign_symbol", "candidate_photo",   "campaign_team",
    "campaign_event",  "negative_campaign", "repost_candidate",
    NULL,
};

int decisions_category_valid(const char *category)
{
    if (category == NULL)
        return 0;
    for (size_t i = 0; decisions_categories[i] != NULL; i++)
        if (strcmp(category, decisions_categories[i]) == 0)
            return 1;
    return 0;
}

/* case, review, alerts, audit, acct, decided:dismissed, decided:confirmed | case_id by role action category note reason from four_eyes
 *   -> {"done", status, alert id or "", confirmed_category, confirmed_by, confirmed_at, decisions}
 *    | {"no_case"} | {"conflict", why}
 * The state check comes before any write, so a refused decision writes nothing. The priority a
 * reopened case gets back is the worker's (see script_post_record): partisan in thousandths
 * times 1e10 plus 9999999999 minus its creation time in Unix seconds. */
static const struct redis_script script_decide = {
    "decide",
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local function s(v) if v then return v end return '' end\n"
    "local c = redis.call('HMGET', KEYS[1], 'status', 'decisions', 'confirming_by',\n"
    "  'confirming_category', 'partisan', 'created', 'account', 'post_id', 'platform', 'author',\n"
    "  'url', 'created_at', 'fetched_at', 'region', 'message', 'evidence', 'chain_position',\n"
    "  'confirmed_category', 'confirmed_by', 'confirmed_at')\n"
    "if not c[1] then return {'no_case'} end\n"
    "local status, by, role, action = c[1], ARGV[2], ARGV[3], ARGV[4]\n"
    "local category, four_eyes = ARGV[5], ARGV[9] == '1'\n"
    "if action == 'reopen' then\n"
    "  if role ~= 'supervisor' then return {'conflict', 'only a supervisor can reopen a case'} end\n"
    "  if status ~= 'confirmed' and status ~= 'dismissed' then\n"
    "    return {'conflict', 'cannot reopen: the case is ' .. status}\n"
    "  end\n"
    "elseif status ~= 'pending' and status ~= 'confirming' and status ~= 'escalated' then\n"
    "  return {'conflict', 'cannot ' .. action .. ': the case is ' .. status}\n"
    "end\n"
    "local second = four_eyes and status == 'confirming' and c[3]\n"
    "if action == 'confirm' and second then\n"
    "  if c[3] == by then\n"
    "    return {'conflict', 'four-eyes: ' .. by .. ' already confirmed this case'}\n"
    "  end\n"
    "  if c[4] ~= category then\n"
    "    return {'conflict', 'four-eyes: the first confirmation gave category ' .. s(c[4]) ..\n"
    "            ', not ' .. category}\n"
    "  end\n"
    "end\n"
    "local function priority()\n"
    "  local p = math.floor((tonumber(c[5]) or 0) * 1000 + 0.5)\n"
    "  return p * 1e10 + 9999999999 - math.floor((tonumber(c[6]) or 0) / 1000)\n"
    "end\n"
    "local new_status, alert = status, ''\n"
    "local confirmed = {s(c[18]), s(c[19]), s(c[20])}\n"
    "if action == 'confirm' and four_eyes and not second then\n"
    "  new_status = 'confirming'\n"
    "  redis.call('HSET', KEYS[1], 'confirming_by', by, 'confirming_category', category)\n"
    "elseif action == 'confirm' then\n"
    "  new_status = 'confirmed'\n"
    "  local confirmed_by = by\n"
    "  if second then confirmed_by = c[3] .. ',' .. by end\n"
    "  confirmed = {category, confirmed_by, tostring(now)}\n"
    "  redis.call('HSET', KEYS[1], 'confirmed_category', category, 'confirmed_by', confirmed_by,\n"
    "             'confirmed_at', now)\n"
    "  redis.call('HDEL', KEYS[1], 'confirming_by', 'confirming_category')\n"
    "  redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "  redis.call('ZADD', KEYS[7], now, ARGV[1])\n"
    "  local text = ''\n"
    "  local ok, message = pcall(cjson.decode, s(c[15]))\n"
    "  if ok and type(message) == 'table' and type(message.text) == 'string' then\n"
    "    text = message.text\n"
    "  end\n"
    "  local a = redis.call('HMGET', KEYS[5], 'name', 'agency', 'nip', 'region')\n"
    "  local region = s(c[14])\n"
    "  if region == '' then region = s(a[4]) end\n"
    "  alert = redis.call('XADD', KEYS[3], '*', 'case', ARGV[1], 'account', s(c[7]),\n"
    "    'name', s(a[1]), 'agency', s(a[2]), 'region', region, 'nip', s(a[3]),\n"
    "    'platform', s(c[9]), 'author', s(c[10]), 'url', s(c[11]), 'post_id', s(c[8]),\n"
    "    'text', text, 'created_at', s(c[12]), 'fetched_at', s(c[13]), 'category', category,\n"
    "    'note', ARGV[6], 'partisan', s(c[5]), 'confirmed_by', confirmed_by,\n"
    "    'confirmed_at', now, 'evidence', s(c[16]), 'chain_position', s(c[17]))\n"
    "elseif action == 'dismiss' or action == 'escalate' then\n"
    "  new_status = action == 'dismiss' and 'dismissed' or 'escalated'\n"
    "  redis.call('HDEL', KEYS[1], 'confirming_by', 'confirming_category')\n"
    "  if action == 'dismiss' then\n"
    "    redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "    redis.call('ZADD', KEYS[6], now, ARGV[1])\n"
    "  elseif not redis.call('ZSCORE', KEYS[2], ARGV[1]) then\n"
    "    redis.call('ZADD', KEYS[2], priority(), ARGV[1])\n"
    "  end\n"
    "else\n"
    "  new_status = 'pending'\n"
    "  redis.call('ZADD', KEYS[2], priority(), ARGV[1])\n"
    "  redis.call('ZREM', KEYS[6], ARGV[1])\n"
    "  redis.call('ZREM', KEYS[7], ARGV[1])\n"
    "end\n"
    "local history = {}\n"
    "local ok, old = pcall(cjson.decode, s(c[2]))\n"
    "if ok and type(old) == 'table' then history = old end\n"
    "history[#history + 1] = {by = by, role = role, action = action, category = category,\n"
    "  note = ARGV[6], reason = ARGV[7], at = now}\n"
    "local decisions = cjson.encode(history)\n"
    "redis.call('HSET', KEYS[1], 'status', new_status, 'decisions', decisions)\n"
    "redis.call('XADD', KEYS[4], '*', 'at', now, 'who', by, 'role', role,\n"
    "  'action', 'decision.' .. action, 'subject', ARGV[1], 'from', ARGV[8],\n"
    "  'details', cjson.encode({action = action, category = category, note = ARGV[6],\n"
    "                           reason = ARGV[7], status = new_status, alert = alert}))\n"
    "return {'done', new_status, alert, confirmed[1], confirmed[2], confirmed[3], decisions}\n",
};

static int text_check(const char *name, const char *text, char *err, size_t err_len)
{
    if (text != NULL && strlen(text) > DECISION_MAX_TEXT)
        return error_set(err, err_len, "%s: longer than %d bytes", name, DECISION_MAX_TEXT);
    return 0;
}

static int nonempty(const char *s)
{
    return s != NULL && s[0] != '\0';
}

int decisions_check(const struct decision *decision, char *err, size_t err_len)
{
    const char *action = decision->action;
    if (!nonempty(decision->by) || !nonempty(decision->role) || !nonempty(decision->account))
        return error_set(err, err_len, "decision: missing user, role or account");
    if (action == NULL)
        return error_set(err, err_len, "action: missing (confirm, dismiss, escalate or reopen)");
    if (strcmp(action, "confirm") == 0) {
        if (!decisions_category_valid(decision->category))
            return error_set(err, err_len, "category: \"%s\" is not a category a case can be "
                             "confirmed with", decision->category ? decision->category : "");
    } else if (strcmp(action, "dismiss") == 0 || strcmp(action, "reopen") == 0) {
        if (!nonempty(decision->reason))
            return error_set(err, err_len, "reason: required to %s", action);
    } else if (strcmp(action, "escalate") != 0) {
        return error_set(err, err_len, "action: \"%s\" is not confirm, dismiss, escalate or "
                         "reopen", action);
    }
    if (strcmp(action, "confirm") != 0 && decision->category != NULL &&
        decision->category[0] != '\0')
        return error_set(err, err_len, "category: only a confirmation has one");
    if (text_check("note", decision->note, err, err_len) != 0 ||
        text_check("reason", decision->reason, err, err_len) != 0)
        return -1;
    return 0;
}

void decision_outcome_free(struct decision_outcome *outcome)
{
    free(outcome->message);
    free(outcome->status);
    free(outcome->alert_id);
    free(outcome->confirmed_category);
    free(outcome->confirmed_by);
    free(outcome->decisions);
    memset(outcome, 0, sizeof(*outcome));
}

static int decide_args(const struct netra_config *config, const struct decision *decision,
                       struct redis_args *call, char *err, size_t err_len)
{
    const char *prefix = config->redis.key_prefix;
    int shard = keys_shard(decision->account, config->redis.shards);
    char kase[KEYS_MAX_LEN], review[KEYS_MAX_LEN], alerts[KEYS_MAX_LEN], audit[KEYS_MAX_LEN],
        acct[KEYS_MAX_LEN], dismissed[KEYS_MAX_LEN], confirmed[KEYS_MAX_LEN];
    if (keys_case(kase, sizeof(kase), prefix, shard, decision->case_id, err, err_len) != 0 ||
        keys_review(review, sizeof(review), prefix, shard, err, err_len) != 0 ||
        keys_alerts(alerts, sizeof(alerts), prefix, shard, err, err_len) != 0 ||
        keys_audit(audit, sizeof(audit), prefix, shard, err, err_len) != 0 ||
        keys_acct(acct, sizeof(acct), prefix, shard, decision->account, err, err_len) != 0 ||
        keys_decided(dismissed, sizeof(dismissed), prefix, shard, "dismissed", err, err_len) !=
            0 ||
        keys_decided(confirmed, sizeof(confirmed), prefix, shard, "confirmed", err, err_len) != 0)
        return -1;
    const char *keys[] = {kase, review, alerts, audit, acct, dismissed, confirmed};
    const char *argv[] = {
        decision->case_id,
        decision->by,
        decision->role,
        decision->action,
        decision->category ? decision->category : "",
        decision->note ? decision->note : "",
        decision->reason ? decision->reason : "",
        decision->from ? decision->from : "",
        decision->four_eyes ? "1" : "0",
    };
    redis_args_add_long(call, (long long)(sizeof(keys) / sizeof(keys[0])));
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        redis_args_add_str(call, keys[i]);
    for (size_t i = 0; i < sizeof(argv) / sizeof(argv[0]); i++)
        redis_args_add_str(call, argv[i]);
    return redis_args_ok(call, err, err_len);
}

/* Element i of an array reply as a new string ("" becomes NULL when empty_is_null). */
static int reply_string(const redisReply *reply, size_t i, int empty_is_null, char **out,
                        char *err, size_t err_len)
{
    const redisReply *element = reply->element[i];
    *out = NULL;
    if (!redis_reply_is_string(element))
        return error_set(err, err_len, "decide: element %zu of the reply is not a string", i);
    if (empty_is_null && element->len == 0)
        return 0;
    *out = redis_reply_strdup(element);
    if (*out == NULL)
        return error_set(err, err_len, "decide: out of memory");
    return 0;
}

static int decide_parse(const redisReply *reply, struct decision_outcome *out, char *err,
                        size_t err_len)
{
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 1, "decide", err, err_len) != 0 ||
        !redis_reply_is_string(reply->element[0]))
        return error_set(err, err_len, "decide: unexpected reply");
    const redisReply *kind = reply->element[0];
    if (redis_reply_equals(kind, "no_case")) {
        out->result = DECISION_NO_CASE;
        return 0;
    }
    if (redis_reply_equals(kind, "conflict") && reply->elements == 2) {
        out->result = DECISION_CONFLICT;
        return reply_string(reply, 1, 0, &out->message, err, err_len);
    }
    if (!redis_reply_equals(kind, "done") || reply->elements != 7)
        return error_set(err, err_len, "decide: unexpected reply \"%s\"", kind->str);
    out->result = DECISION_DONE;
    char *confirmed_at = NULL;
    int rc = -1;
    if (reply_string(reply, 1, 0, &out->status, err, err_len) != 0 ||
        reply_string(reply, 2, 1, &out->alert_id, err, err_len) != 0 ||
        reply_string(reply, 3, 1, &out->confirmed_category, err, err_len) != 0 ||
        reply_string(reply, 4, 1, &out->confirmed_by, err, err_len) != 0 ||
        reply_string(reply, 5, 1, &confirmed_at, err, err_len) != 0 ||
        reply_string(reply, 6, 0, &out->decisions, err, err_len) != 0)
        goto cleanup;
    out->confirmed_at = confirmed_at ? strtoll(confirmed_at, NULL, 10) : 0;
    rc = 0;
cleanup:
    free(confirmed_at);
    return rc;
}

int decisions_decide(struct redis_sync *redis, const struct netra_config *config,
                     const struct decision *decision, struct decision_outcome *outcome,
                     char *err, size_t err_len)
{
    memset(outcome, 0, sizeof(*outcome));
    if (decisions_check(decision, err, err_len) != 0)
        return -1;
    struct redis_args call;
    redis_args_init(&call);
    redisReply *reply = NULL;
    int rc = decide_args(config, decision, &call, err, err_len);
    if (rc == 0)
        rc = scripts_run_sync(redis, &script_decide, &call, &reply, err, err_len);
    if (rc == 0)
        rc = decide_parse(reply, outcome, err, err_len);
    if (rc != 0)
        decision_outcome_free(outcome);
    freeReplyObject(reply);
    redis_args_free(&call);
    return rc;
}
