#include "queue/scripts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "config/log.h"

/* Millisecond server time, shared by every script that decides by the clock. */
#define LUA_NOW                                                                                  \
    "local t = redis.call('TIME')\n"                                                             \
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

/* Moves one pending entry to the dead stream with the reason, its delivery count and its
 * original fields, and acks it. An entry no longer pending (acked, or already dead-lettered by
 * a racing worker) is left alone, so dead-lettering twice is harmless. */
#define LUA_DEAD_LETTER                                                                          \
    "local function dead_letter(stream, dead, group, max_len, id, reason)\n"                     \
    "  local pending = redis.call('XPENDING', stream, group, id, id, 1)\n"                        \
    "  if #pending == 0 then return 0 end\n"                                                     \
    "  local fields = {'reason', reason, 'stream_id', id, 'deliveries', tostring(pending[1][4])}\n" \
    "  local entry = redis.call('XRANGE', stream, id, id)\n"                                     \
    "  if entry[1] then\n"                                                                       \
    "    for _, v in ipairs(entry[1][2]) do fields[#fields + 1] = v end\n"                       \
    "  end\n"                                                                                    \
    "  redis.call('XADD', dead, 'MAXLEN', '~', max_len, '*', unpack(fields))\n"                  \
    "  redis.call('XACK', stream, group, id)\n"                                                  \
    "  return 1\n"                                                                               \
    "end\n"

/* One page of posts in one call, in their order: a post whose id came earlier in the same page
 * is compared with what that one left, exactly as if each had been its own call. */
const struct redis_script script_posts_publish = {
    "posts_publish",
    "local stored = redis.call('MGET', unpack(KEYS, 2))\n"
    "local written, out = {}, {}\n"
    "for i = 2, #KEYS do\n"
    "  local a = 4 * i - 5\n"
    "  local prev = written[KEYS[i]]\n"
    "  if prev == nil then prev = stored[i - 1] end\n"
    "  if prev == ARGV[a] then\n"
    "    out[#out + 1] = 0\n"
    "    out[#out + 1] = ''\n"
    "  else\n"
    "    out[#out + 1] = prev and 2 or 1\n"
    "    out[#out + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',\n"
    "                               'msg', ARGV[a + 1], 'raw', ARGV[a + 2],\n"
    "                               'sha256', ARGV[a + 3], 'content', ARGV[a])\n"
    "    redis.call('SET', KEYS[i], ARGV[a], 'PX', ARGV[1])\n"
    "    written[KEYS[i]] = ARGV[a]\n"
    "  end\n"
    "end\n"
    "return out\n",
};

/* A target seen before only moves to this listing's stamp; one not in the set is a new follow.
 * A complete listing then drops every member another listing stamped: neither side of the
 * stamp, so a listing stamped by a crawler whose clock runs behind still removes the right ones.
 * ZREMRANGEBYSCORE on a missing key is 0. */
const struct redis_script script_follows_publish = {
    "follows_publish",
    "local out = {}\n"
    "for i = 4, #ARGV, 5 do\n"
    "  if redis.call('ZSCORE', KEYS[2], ARGV[i]) then\n"
    "    out[#out + 1] = 0\n"
    "  else\n"
    "    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'msg', ARGV[i + 2],\n"
    "               'raw', ARGV[i + 3], 'sha256', ARGV[i + 4], 'content', ARGV[i + 1])\n"
    "    out[#out + 1] = 1\n"
    "  end\n"
    "  redis.call('ZADD', KEYS[2], ARGV[1], ARGV[i])\n"
    "end\n"
    "local removed = 0\n"
    "if ARGV[3] == '1' then\n"
    "  removed = redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1]) +\n"
    "            redis.call('ZREMRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf')\n"
    "end\n"
    "out[#out + 1] = removed\n"
    "return out\n",
};

const struct redis_script script_posts_dead_letter = {
    "posts_dead_letter",
    LUA_DEAD_LETTER
    "local moved = 0\n"
    "for i = 3, #ARGV - 1, 2 do\n"
    "  moved = moved + dead_letter(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[i], ARGV[i + 1])\n"
    "end\n"
    "return moved\n",
};

/* XAUTOCLAIM counts a delivery; an entry past max_deliveries goes to the dead stream instead of
 * back to a consumer that would likely fail on it again. */
const struct redis_script script_posts_reclaim = {
    "posts_reclaim",
    LUA_DEAD_LETTER
    "local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[3], ARGV[4], ARGV[5],\n"
    "                     'COUNT', ARGV[6])\n"
    "local out, moved = {}, 0\n"
    "for _, e in ipairs(r[2]) do\n"
    "  if e then\n"
    "    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)\n"
    "    local n = p[1] and p[1][4] or 0\n"
    "    if n > tonumber(ARGV[7]) then\n"
    "      moved = moved + dead_letter(KEYS[1], KEYS[2], ARGV[1], ARGV[2], e[1],\n"
    "                                  'delivered ' .. n .. ' times without an ack')\n"
    "    else\n"
    "      out[#out + 1] = {e[1], e[2], n}\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return {r[1], out, moved}\n",
};

/* The token names this claim alone (owner, time, a per-shard sequence), so a completion that
 * comes after the lease passed to someone else cannot match. */
const struct redis_script script_sched_claim = {
    "sched_claim",
    LUA_NOW
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))\n"
    "local lease_until = now + tonumber(ARGV[3])\n"
    "local out = {}\n"
    "for _, id in ipairs(due) do\n"
    "  local seq = redis.call('HINCRBY', KEYS[2], '#seq', 1)\n"
    "  local token = ARGV[1] .. '/' .. now .. '/' .. seq\n"
    "  redis.call('ZADD', KEYS[1], lease_until, id)\n"
    "  redis.call('HSET', KEYS[2], id, token)\n"
    "  out[#out + 1] = id\n"
    "  out[#out + 1] = token\n"
    "end\n"
    "return {now, lease_until, out}\n",
};

/* While leased, the account's score is the lease's end: past it, the lease is over even if no
 * one has claimed the account again yet. */
const struct redis_script script_sched_finish = {
    "sched_finish",
    LUA_NOW
    "if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end\n"
    "redis.call('HDEL', KEYS[2], ARGV[1])\n"
    "local score = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "if not score then return -1 end\n"
    "if tonumber(score) < now then return 0 end\n"
    "redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[3]), ARGV[1])\n"
    "return 1\n",
};

/* Only the live holder may extend, so a crawl that lost its lease cannot take it back. */
const struct redis_script script_sched_extend = {
    "sched_extend",
    LUA_NOW
    "if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end\n"
    "local score = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "if not score or tonumber(score) < now then return 0 end\n"
    "local lease_until = now + tonumber(ARGV[3])\n"
    "redis.call('ZADD', KEYS[1], 'XX', lease_until, ARGV[1])\n"
    "return lease_until\n",
};

/* A rescan crawls its account under the same lease as a scheduled crawl, so the two never fetch
 * one account at once: it takes the lease whatever the due time, unless someone holds it. A
 * request whose progress says it already ended (its crawler died before acknowledging it) is
 * not run again. The token has sched_claim's form. */
const struct redis_script script_rescan_begin = {
    "rescan_begin",
    LUA_NOW
    "local status = redis.call('HGET', KEYS[1], 'status')\n"
    "if status == 'done' or status == 'failed' then return {'finished'} end\n"
    "if redis.call('EXISTS', KEYS[2]) == 0 then return {'no_account'} end\n"
    "local held = redis.call('HGET', KEYS[4], ARGV[1])\n"
    "local score = redis.call('ZSCORE', KEYS[3], ARGV[1])\n"
    "if held and score and tonumber(score) >= now then return {'busy'} end\n"
    "local seq = redis.call('HINCRBY', KEYS[4], '#seq', 1)\n"
    "local token = ARGV[2] .. '/' .. now .. '/' .. seq\n"
    "local lease_until = now + tonumber(ARGV[3])\n"
    "redis.call('ZADD', KEYS[3], lease_until, ARGV[1])\n"
    "redis.call('HSET', KEYS[4], ARGV[1], token)\n"
    "redis.call('HSET', KEYS[1], 'status', 'running', 'started', now, 'crawler', ARGV[4])\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[5])\n"
    "return {'taken', token, lease_until}\n",
};

/* The group is created from the stream's start, so requests queued before any crawler ran are
 * read. XAUTOCLAIM lists entries deleted meanwhile as nil (Redis 6.2) or apart (7.0). */
const struct redis_script script_rescan_read = {
    "rescan_read",
    "redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')\n"
    "local out = {}\n"
    "local stale = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[4], '0-0',\n"
    "                         'COUNT', ARGV[3])\n"
    "for _, e in ipairs(stale[2]) do\n"
    "  if e then out[#out + 1] = e end\n"
    "end\n"
    "local left = tonumber(ARGV[3]) - #out\n"
    "if left > 0 then\n"
    "  local new = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', left,\n"
    "                         'STREAMS', KEYS[1], '>')\n"
    "  if new then\n"
    "    for _, e in ipairs(new[1][2]) do out[#out + 1] = e end\n"
    "  end\n"
    "end\n"
    "return out\n",
};

const struct redis_script script_rescan_write = {
    "rescan_write",
    LUA_NOW
    "if #ARGV > 2 then redis.call('HSET', KEYS[1], unpack(ARGV, 3)) end\n"
    "if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], ARGV[2], now) end\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
    "return 1\n",
};

/* Identity fields only. A new handle or platform is another account on the platform, so its
 * crawl position (native id, cursors, validators, followed set) starts over; otherwise crawl
 * state is kept. The account is in the engage schedule exactly when engage is 1 (its platform has
 * engagement crawls switched on). */
const struct redis_script script_accounts_upsert = {
    "accounts_upsert",
    LUA_NOW
    "local old = redis.call('HMGET', KEYS[1], 'platform', 'handle')\n"
    "local new = redis.call('EXISTS', KEYS[1]) == 0\n"
    "redis.call('HSET', KEYS[1], 'id', ARGV[1], 'platform', ARGV[2], 'handle', ARGV[3],\n"
    "           'name', ARGV[4], 'nip', ARGV[5], 'agency', ARGV[6], 'region', ARGV[7],\n"
    "           'interval', ARGV[8])\n"
    "if new then\n"
    "  redis.call('HSET', KEYS[1], 'status', 'active', 'error_count', '0')\n"
    "elseif old[1] ~= ARGV[2] or old[2] ~= ARGV[3] then\n"
    "  redis.call('HDEL', KEYS[1], 'native_id', 'cursor', 'etag', 'last_modified')\n"
    "  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do\n"
    "    if string.sub(field, 1, 7) == 'cursor:' then redis.call('HDEL', KEYS[1], field) end\n"
    "  end\n"
    "  redis.call('DEL', KEYS[4])\n"
    "end\n"
    "redis.call('ZADD', KEYS[2], 'NX', now, ARGV[1])\n"
    "if ARGV[9] == '1' then\n"
    "  redis.call('ZADD', KEYS[3], 'NX', now, ARGV[1])\n"
    "else\n"
    "  redis.call('ZREM', KEYS[3], ARGV[1])\n"
    "end\n"
    "if new then return 1 end\n"
    "return 0\n",
};

const struct redis_script script_accounts_remove = {
    "accounts_remove",
    "redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "redis.call('HDEL', KEYS[3], ARGV[1])\n"
    "redis.call('ZREM', KEYS[4], ARGV[1])\n"
    "redis.call('HDEL', KEYS[5], ARGV[1])\n"
    "redis.call('DEL', KEYS[6], KEYS[7], KEYS[8])\n"
    "return redis.call('DEL', KEYS[1])\n",
};

const struct redis_script script_hash_update = {
    "hash_update",
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
    "redis.call('HSET', KEYS[1], unpack(ARGV))\n"
    "return 1\n",
};

const struct redis_script script_heartbeat = {
    "heartbeat",
    LUA_NOW
    "redis.call('HSET', KEYS[1], 'last_seen', now, unpack(ARGV, 2))\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[1])\n"
    "return 1\n",
};

static const struct redis_script *const all_scripts[] = {
    &script_posts_publish, &script_posts_dead_letter, &script_posts_reclaim,
    &script_sched_claim,   &script_sched_finish,      &script_accounts_upsert,
    &script_accounts_remove, &script_hash_update, &script_heartbeat,
    &script_sched_extend,  &script_rescan_begin,      &script_rescan_read,
    &script_rescan_write,   &script_post_record,      &script_follows_publish,
    &script_deletions_index, &script_deletions_detect, &script_deletions_apply,
};

void scripts_sha1(const struct redis_script *script, char out[41])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    out[0] = '\0';
    if (EVP_Digest(script->source, strlen(script->source), digest, &len, EVP_sha1(), NULL) != 1 ||
        len != 20)
        return;
    for (unsigned int i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

int scripts_load(struct redis_sync *redis, char *err, size_t err_len)
{
    for (size_t i = 0; i < sizeof(all_scripts) / sizeof(all_scripts[0]); i++) {
        redisReply *reply = NULL;
        char sha[41];
        scripts_sha1(all_scripts[i], sha);
        int rc = redis_sync_commandv(redis, &reply, err, err_len, "SCRIPT", "LOAD",
                                     all_scripts[i]->source, (char *)NULL);
        if (rc == 0)
            rc = redis_reply_expect(reply, REDIS_REPLY_STRING, 0, all_scripts[i]->name, err,
                                    err_len);
        if (rc == 0 && !redis_reply_equals(reply, sha))
            rc = error_set(err, err_len, "SCRIPT LOAD %s: unexpected SHA-1", all_scripts[i]->name);
        freeReplyObject(reply);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* EVALSHA <sha> call... or EVAL <source> call... */
static void script_command(struct redis_args *out, const struct redis_script *script, int by_sha,
                           const struct redis_args *call)
{
    redis_args_init(out);
    if (by_sha) {
        char sha[41];
        scripts_sha1(script, sha);
        redis_args_add_str(out, "EVALSHA");
        redis_args_add_str(out, sha);
    } else {
        redis_args_add_str(out, "EVAL");
        redis_args_add_str(out, script->source);
    }
    redis_args_append(out, call);
}

int scripts_run_sync(struct redis_sync *redis, const struct redis_script *script,
                     const struct redis_args *call, redisReply **reply, char *err,
                     size_t err_len)
{
    *reply = NULL;
    int rc = -1;
    for (int by_sha = 1; by_sha >= 0; by_sha--) {
        struct redis_args command;
        script_command(&command, script, by_sha, call);
        rc = redis_sync_command(redis, &command, 0, reply, err, err_len);
        redis_args_free(&command);
        if (rc != 0)
            return -1;
        if (!(by_sha && redis_reply_is_error(*reply, "NOSCRIPT")))
            break;
        freeReplyObject(*reply);
        *reply = NULL;
    }
    if (redis_reply_check(*reply, script->name, err, err_len) != 0) {
        freeReplyObject(*reply);
        *reply = NULL;
        return -1;
    }
    return 0;
}

struct async_script_call {
    const struct redis_script *script;
    struct redis_args call;
    redis_async_fn *fn;
    void *data;
};

static void on_script_reply(struct redis_async *redis, redisReply *reply, const char *error,
                            void *data)
{
    struct async_script_call *pending = data;
    char message[NETRA_ERR_LEN];
    if (redis_reply_is_error(reply, "NOSCRIPT")) {
        struct redis_args command;
        script_command(&command, pending->script, 0, &pending->call);
        int rc = redis_async_command(redis, &command, 0, on_script_reply, pending);
        redis_args_free(&command);
        if (rc == 0)
            return;
        error = "cannot resend the script (closed or out of memory)";
        reply = NULL;
    }
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        redis_reply_check(reply, pending->script->name, message, sizeof(message));
        error = message;
        reply = NULL;
    }
    pending->fn(redis, reply, error, pending->data);
    redis_args_free(&pending->call);
    free(pending);
}

int scripts_run_async(struct redis_async *redis, const struct redis_script *script,
                      const struct redis_args *call, redis_async_fn *fn, void *data)
{
    struct async_script_call *pending = calloc(1, sizeof(*pending));
    if (pending == NULL)
        return -1;
    pending->script = script;
    pending->fn = fn;
    pending->data = data;
    redis_args_init(&pending->call);
    redis_args_append(&pending->call, call);
    struct redis_args command;
    script_command(&command, script, 1, call);
    int rc = redis_async_command(redis, &command, 0, on_script_reply, pending);
    redis_args_free(&command);
    if (rc != 0) {
        redis_args_free(&pending->call);
        free(pending);
    }
    return rc;
}

/* One scored post, all or nothing: its result and, for a suspect, its case, its place in review
 * and its link in the evidence chain; for a new version of a post a case holds, whatever its
 * verdict, that version and its own link (queue/cases.h). A redelivered stream entry finds its
 * own result, or its version in the case, and writes nothing, so counters move once per entry. A
 * new version sent without its evidence writes nothing either: the caller builds it only then
 * and calls again. The link was hashed by the caller from prev (Lua has no SHA-256): if the head
 * moved meanwhile, nothing is written and the caller hashes again from the head returned. Review
 * priority: partisan in thousandths times 1e10, plus 9999999999 minus the creation time in Unix
 * seconds, so the highest partisan score comes first and, among equals, the oldest case; a
 * version only raises it. A result a case holds does not expire; others expire after ttl_ms, as
 * does the rescan's progress. A case retention purged (queue/retention.h) holds nothing: a post
 * of it scored again finds it "existing" (its suspicion was decided) and its result expires like
 * any other.
 *
 * ARGV: entry ttl_ms open_case cid prev chain evidence fetched_at priority has_evidence content
 * max_versions ns ne, then ns score pair args, ne evidence pair args, the case's own pairs. */
const struct redis_script script_post_record = {
    "post_record",
    LUA_NOW
    "local duplicate = {'duplicate', 'none', 0, 0}\n"
    "if redis.call('HGET', KEYS[1], 'entry') == ARGV[1] then return duplicate end\n"
    "local ns, ne = tonumber(ARGV[13]), tonumber(ARGV[14])\n"
    "local c = redis.call('HMGET', KEYS[2], 'status', 'entry', 'content', 'versions', 'priority',\n"
    "                     'created')\n"
    "local has_case = c[1] ~= false\n"
    "local versions = math.min(tonumber(c[4]) or 1, tonumber(ARGV[12]))\n"
    "local function version_field(k, name)\n"
    "  return redis.call('HGET', KEYS[2], 'v' .. k .. '.' .. name)\n"
    "end\n"
    "if has_case then\n"
    "  if c[2] == ARGV[1] then return duplicate end\n"
    "  for k = 2, versions do\n"
    "    if version_field(k, 'entry') == ARGV[1] then return duplicate end\n"
    "  end\n"
    "end\n"
    "local state, position, version = 'none', 0, 0\n"
    "if has_case and c[1] ~= 'purged' then\n"
    "  state = 'existing'\n"
    "  local known = ARGV[11] == '' or c[3] == ARGV[11]\n"
    "  for k = 2, versions do\n"
    "    if not known and version_field(k, 'content') == ARGV[11] then known = true end\n"
    "  end\n"
    "  if not known and versions >= tonumber(ARGV[12]) then\n"
    "    redis.call('HINCRBY', KEYS[2], 'versions_dropped', 1)\n"
    "    state = 'dropped'\n"
    "  elseif not known then\n"
    "    if ARGV[10] ~= '1' then return {'needs_evidence', 'none', 0, 0} end\n"
    "    version = versions + 1\n"
    "  end\n"
    "elseif not has_case and ARGV[3] == '1' then\n"
    "  version = 1\n"
    "end\n"
    "if version > 0 then\n"
    "  local head = redis.call('HMGET', KEYS[5], 'position', 'chain')\n"
    "  local current = head[2] or string.rep('0', 64)\n"
    "  position = tonumber(head[1]) or 0\n"
    "  if current ~= ARGV[5] then return {'moved', current, position, 0} end\n"
    "  position = position + 1\n"
    "  local sid = redis.call('XADD', KEYS[4], '*', 'position', position, 'case', ARGV[4],\n"
    "                         'evidence', ARGV[7], 'fetched_at', ARGV[8], 'prev', ARGV[5],\n"
    "                         'chain', ARGV[6], 'version', version)\n"
    "  redis.call('HSET', KEYS[5], 'position', position, 'chain', ARGV[6], 'stream_id', sid)\n"
    "  if version == 1 then\n"
    "    redis.call('HSET', KEYS[2], 'chain_position', position, 'chain_id', sid,\n"
    "               'chain', ARGV[6], 'created', now, 'status', 'pending', 'versions', 1,\n"
    "               unpack(ARGV, 15))\n"
    "    redis.call('ZADD', KEYS[3], tonumber(ARGV[9]) * 1e10 + 9999999999 - tonumber(t[1]),\n"
    "               ARGV[4])\n"
    "    state, has_case = 'created', true\n"
    "  else\n"
    "    local p = 'v' .. version .. '.'\n"
    "    local fields = {'versions', version, p .. 'chain_position', position, p .. 'chain_id',\n"
    "                    sid, p .. 'chain', ARGV[6], p .. 'recorded', now}\n"
    "    for i = 15, 14 + ns + ne, 2 do\n"
    "      fields[#fields + 1] = p .. ARGV[i]\n"
    "      fields[#fields + 1] = ARGV[i + 1]\n"
    "    end\n"
    "    redis.call('HSET', KEYS[2], unpack(fields))\n"
    "    if c[1] == 'pending' and tonumber(ARGV[9]) > (tonumber(c[5]) or 0) then\n"
    "      redis.call('HSET', KEYS[2], 'priority', ARGV[9])\n"
    "      if redis.call('ZSCORE', KEYS[3], ARGV[4]) then\n"
    "        redis.call('ZADD', KEYS[3], tonumber(ARGV[9]) * 1e10 + 9999999999 -\n"
    "                   math.floor((tonumber(c[6]) or 0) / 1000), ARGV[4])\n"
    "      end\n"
    "    end\n"
    "    state = 'version'\n"
    "  end\n"
    "end\n"
    "redis.call('HSET', KEYS[1], 'entry', ARGV[1], 'scored_at', now, unpack(ARGV, 15, 14 + ns))\n"
    "if has_case and c[1] ~= 'purged' then\n"
    "  redis.call('HSET', KEYS[1], 'case', ARGV[4])\n"
    "  redis.call('PERSIST', KEYS[1])\n"
    "else\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    "end\n"
    "if KEYS[6] and redis.call('EXISTS', KEYS[6]) == 1 then\n"
    "  redis.call('HINCRBY', KEYS[6], 'scored', 1)\n"
    "  if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[6], 'suspects', 1) end\n"
    "  redis.call('PEXPIRE', KEYS[6], ARGV[2])\n"
    "end\n"
    "return {'written', state, position, version}\n",
};

/* A page's own posts join the index under the listing's stamp, except those already found
 * deleted (their tombstone stands), so a post deleted once is never purged twice. Members older
 * than the horizon (retention.unflagged_days) leave it, a bounded number per call. */
const struct redis_script script_deletions_index = {
    "deletions_index",
    "for i = 4, #ARGV, 2 do\n"
    "  if redis.call('EXISTS', KEYS[(i - 4) / 2 + 3]) == 0 then\n"
    "    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])\n"
    "    redis.call('HSET', KEYS[2], ARGV[i], ARGV[1])\n"
    "  end\n"
    "end\n"
    "local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3], 'LIMIT', 0, 256)\n"
    "if #old > 0 then\n"
    "  redis.call('ZREM', KEYS[1], unpack(old))\n"
    "  redis.call('HDEL', KEYS[2], unpack(old))\n"
    "end\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    "redis.call('PEXPIRE', KEYS[2], ARGV[2])\n"
    "return #old\n",
};

/* Reads only: the known posts created after after_ms that the listing stamped stamp did not
 * show, at most limit of them. */
const struct redis_script script_deletions_detect = {
    "deletions_detect",
    "local out, limit = {}, tonumber(ARGV[3])\n"
    "for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')) do\n"
    "  if #out >= 2 * limit then break end\n"
    "  local listed = redis.call('HGET', KEYS[2], id) or '0'\n"
    "  if tonumber(listed) < tonumber(ARGV[2]) then\n"
    "    out[#out + 1] = id\n"
    "    out[#out + 1] = listed\n"
    "  end\n"
    "end\n"
    "return out\n",
};

/* Each post found missing, again checked missing from the listing stamped stamp, leaves the
 * index. Under a case (not a retention tombstone) the case records it once (deleted_at = stamp,
 * the first listing that missed it; deleted_last_seen; deleted_how), its evidence untouched, an
 * audit entry says so, and a pending case's review priority rises by boost. Under no case its
 * result and the result's stream entry go, the seen key stays (the id stays deduplicated) and
 * deleted:<id> records the deletion for as long as the seen key lives. */
const struct redis_script script_deletions_apply = {
    "deletions_apply",
    LUA_NOW
    "local out = {}\n"
    "for j = 5, #ARGV, 2 do\n"
    "  local k = 6 + (j - 5) * 2\n"
    "  local id, cid = ARGV[j], ARGV[j + 1]\n"
    "  local listed = redis.call('HGET', KEYS[2], id) or '0'\n"
    "  if not redis.call('ZSCORE', KEYS[1], id) or tonumber(listed) >= tonumber(ARGV[1]) then\n"
    "    out[#out + 1] = 0\n"
    "  else\n"
    "    redis.call('ZREM', KEYS[1], id)\n"
    "    redis.call('HDEL', KEYS[2], id)\n"
    "    local status = redis.call('HGET', KEYS[k + 2], 'status')\n"
    "    if status and status ~= 'purged' then\n"
    "      if not redis.call('HGET', KEYS[k + 2], 'deleted_at') then\n"
    "        redis.call('HSET', KEYS[k + 2], 'deleted_at', ARGV[1], 'deleted_last_seen', listed,\n"
    "                   'deleted_how', ARGV[4])\n"
    "        if status == 'pending' and redis.call('ZSCORE', KEYS[3], cid) then\n"
    "          redis.call('ZINCRBY', KEYS[3], tonumber(ARGV[2]) * 1e10, cid)\n"
    "        end\n"
    "        redis.call('XADD', KEYS[5], '*', 'at', now, 'who', 'netra-crawler', 'role',\n"
    "          'crawler', 'action', 'case.deleted_after_flag', 'subject', cid, 'from', '',\n"
    "          'details', cjson.encode({post_id = id, deleted_at = tonumber(ARGV[1]),\n"
    "                                   last_seen = tonumber(listed), how = ARGV[4]}))\n"
    "      end\n"
    "      out[#out + 1] = 1\n"
    "    else\n"
    "      local entry = redis.call('HGET', KEYS[k + 1], 'entry')\n"
    "      if entry then redis.call('XDEL', KEYS[4], entry) end\n"
    "      redis.call('DEL', KEYS[k + 1])\n"
    "      local ttl = redis.call('PTTL', KEYS[k])\n"
    "      if ttl <= 0 then ttl = ARGV[3] end\n"
    "      redis.call('SET', KEYS[k + 3], cjson.encode({deleted_at = tonumber(ARGV[1]),\n"
    "                 last_seen = tonumber(listed), how = ARGV[4]}), 'PX', ttl)\n"
    "      out[#out + 1] = 2\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return out\n",
};
