#include "desk/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "config/log.h"
#include "desk/auth.h"
#include "queue/keys.h"
#include "queue/redis_cmd.h"

static void hex(const unsigned char *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}

static int random_hex(char *out, size_t bytes)
{
    unsigned char random[64];
    if (bytes > sizeof(random) || RAND_bytes(random, (int)bytes) != 1)
        return -1;
    hex(random, bytes, out);
    return 0;
}

static int valid_id(const char *id)
{
    size_t len = strspn(id, "0123456789abcdef");
    return len == DESK_SESSION_ID_LEN && id[len] == '\0';
}

static int session_key(char *out, size_t out_len, const struct netra_config *config,
                       const char *id, char *err, size_t err_len)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    char digest_hex[2 * SHA256_DIGEST_LENGTH + 1];
    SHA256((const unsigned char *)id, strlen(id), digest);
    hex(digest, sizeof(digest), digest_hex);
    return keys_session(out, out_len, config->redis.key_prefix, digest_hex, err, err_len);
}

int desk_session_create(struct redis_sync *redis, const struct netra_config *config,
                        const struct desk_user *user, char id[DESK_SESSION_ID_LEN + 1],
                        char csrf[DESK_CSRF_LEN + 1], char *err, size_t err_len)
{
    char key[KEYS_MAX_LEN], expires[32], ttl[32];
    redisReply *reply = NULL;
    long long now_ms;
    int rc = -1;
    if (random_hex(id, DESK_SESSION_ID_LEN / 2) != 0 || random_hex(csrf, DESK_CSRF_LEN / 2) != 0)
        return error_set(err, err_len, "no random bytes for a session");
    if (session_key(key, sizeof(key), config, id, err, err_len) != 0 ||
        redis_sync_time_ms(redis, &now_ms, err, err_len) != 0)
        return -1;
    snprintf(expires, sizeof(expires), "%lld", now_ms + config->desk.session_ttl_s * 1000LL);
    snprintf(ttl, sizeof(ttl), "%d", config->desk.session_ttl_s);
    if (redis_sync_commandv(redis, &reply, err, err_len, "HSET", key, "user", user->name, "role",
                            desk_role_name(user->role), "csrf", csrf, "expires", expires,
                            NULL) != 0 ||
        redis_reply_check(reply, "session HSET", err, err_len) != 0)
        goto cleanup;
    freeReplyObject(reply);
    reply = NULL;
    if (redis_sync_commandv(redis, &reply, err, err_len, "EXPIRE", key, ttl, NULL) != 0 ||
        redis_reply_check(reply, "session EXPIRE", err, err_len) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    freeReplyObject(reply);
    return rc;
}

int desk_session_find(struct redis_sync *redis, const struct netra_config *config, const char *id,
                      struct desk_session *session, int *found, char *err, size_t err_len)
{
    char key[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    long long now_ms, expires = 0;
    int rc = -1;
    *found = 0;
    memset(session, 0, sizeof(*session));
    if (!valid_id(id))
        return 0;
    if (session_key(key, sizeof(key), config, id, err, err_len) != 0)
        return -1;
    if (redis_sync_commandv(redis, &reply, err, err_len, "HMGET", key, "user", "role", "csrf",
                            "expires", NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 4, "session HMGET", err, err_len) != 0)
        goto cleanup;
    rc = 0;
    for (size_t i = 0; i < 4; i++)
        if (!redis_reply_is_string(reply->element[i]))
            goto cleanup;
    if (reply->element[0]->len >= sizeof(session->user) ||
        reply->element[1]->len >= sizeof(session->role) ||
        reply->element[2]->len != DESK_CSRF_LEN ||
        redis_reply_integer(reply->element[3], &expires) != 0)
        goto cleanup;
    /* The TTL removes it; the time check covers a key whose EXPIRE was lost. */
    if (redis_sync_time_ms(redis, &now_ms, err, err_len) != 0) {
        rc = -1;
        goto cleanup;
    }
    if (now_ms >= expires)
        goto cleanup;
    memcpy(session->user, reply->element[0]->str, reply->element[0]->len);
    memcpy(session->role, reply->element[1]->str, reply->element[1]->len);
    memcpy(session->csrf, reply->element[2]->str, DESK_CSRF_LEN);
    *found = 1;
cleanup:
    freeReplyObject(reply);
    return rc;
}

int desk_session_delete(struct redis_sync *redis, const struct netra_config *config,
                        const char *id, char *err, size_t err_len)
{
    char key[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    if (!valid_id(id))
        return 0;
    if (session_key(key, sizeof(key), config, id, err, err_len) != 0)
        return -1;
    int rc = redis_sync_commandv(redis, &reply, err, err_len, "DEL", key, NULL) == 0
                 ? redis_reply_check(reply, "session DEL", err, err_len)
                 : -1;
    freeReplyObject(reply);
    return rc;
}
