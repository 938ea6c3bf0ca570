/* Console logins ("sessions"), kept in Redis so any netra-desk process serves any login.
 *
 * A session id is 32 random bytes in hex, sent only in the netra_session cookie; Redis holds
 * session:<SHA-256 of the id, hex> on shard 0 (keys_session) with user, role, csrf (32 random
 * bytes in hex, the token state-changing requests must echo in X-CSRF-Token) and expires (server
 * ms), and a TTL of desk.session_ttl_s, so a stolen copy of Redis holds no usable cookie. */
#ifndef NETRA_DESK_SESSION_H
#define NETRA_DESK_SESSION_H

#include <stddef.h>

#include "config/config.h"
#include "desk/desk.h"
#include "queue/redis_sync.h"

#define DESK_SESSION_ID_LEN 64
#define DESK_CSRF_LEN 64
#define DESK_SESSION_COOKIE "netra_session"

struct desk_session {
    char user[72];
    char role[16];
    char csrf[DESK_CSRF_LEN + 1];
};

int desk_session_create(struct redis_sync *redis, const struct netra_config *config,
                        const struct desk_user *user, char id[DESK_SESSION_ID_LEN + 1],
                        char csrf[DESK_CSRF_LEN + 1], char *err, size_t err_len);
/* *found = 1 and *session when id names a live session; 0 when it does not (malformed,
 * unknown or expired). -1 only when Redis failed. */
int desk_session_find(struct redis_sync *redis, const struct netra_config *config, const char *id,
                      struct desk_session *session, int *found, char *err, size_t err_len);
int desk_session_delete(struct redis_sync *redis, const struct netra_config *config,
                        const char *id, char *err, size_t err_len);

#endif
