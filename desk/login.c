/* The console's login: POST /api/login {name, password} opens a session (cookie netra_session,
 * HttpOnly, SameSite=Strict) and answers {user, role, csrf}; POST /api/logout ends it; GET
 * /api/me says who is asking. Logins, failed logins and logouts are audited; failed logins also
 * count towards the address's throttle. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config/log.h"
#include "desk/auth.h"
#include "desk/desk.h"
#include "desk/server.h"
#include "desk/session.h"
#include "desk/throttle.h"
#include "queue/audit.h"

#include <microhttpd.h>

#define NAME_MAX_LEN 64

desk_handler_fn desk_login;
desk_handler_fn desk_logout;
desk_handler_fn desk_me;

static cJSON *who_json(const struct desk_user *user, const char *csrf)
{
    cJSON *json = cJSON_CreateObject();
    if (json == NULL)
        return NULL;
    cJSON_AddStringToObject(json, "user", user->name);
    cJSON_AddStringToObject(json, "role", desk_role_name(user->role));
    if (csrf != NULL)
        cJSON_AddStringToObject(json, "csrf", csrf);
    else
        cJSON_AddNullToObject(json, "csrf");
    return json;
}

/* A name as the audit log may keep it: a name a user could have, else a placeholder, so hostile
 * bytes never reach the log. */
static const char *auditable_name(const char *name)
{
    size_t len = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-");
    return len > 0 && len <= NAME_MAX_LEN && name[len] == '\0' ? name : "(not a user name)";
}

static int audit_login(struct desk *desk, const struct desk_request *request, const char *name,
                       const char *role, const char *action, char *err, size_t err_len)
{
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL)
        return -1;
    struct audit_entry entry = {.who = auditable_name(name), .role = role, .action = action,
                                .subject = "", .from = request->remote_addr, .details = NULL};
    return audit_append(shards_get(shards, 0), desk_config(desk), 0, &entry, err, err_len);
}

static int session_cookie(struct desk *desk, struct desk_response *response, const char *id,
                          int max_age_s)
{
    char cookie[256];
    int secure = strncmp(desk_config(desk)->desk.public_url, "https://", 8) == 0;
    snprintf(cookie, sizeof(cookie), DESK_SESSION_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; "
             "SameSite=Strict%s", id, max_age_s, secure ? "; Secure" : "");
    return desk_response_header(response, "Set-Cookie", cookie);
}

int desk_login(struct desk *desk, const struct desk_request *request,
               struct desk_response *response, char *err, size_t err_len)
{
    const struct netra_config *config = desk_config(desk);
    struct desk_throttle *throttle = desk_throttle_of(desk);
    char id[DESK_SESSION_ID_LEN + 1], csrf[DESK_CSRF_LEN + 1];
    int rc = -1;
    long wait_s = desk_throttle_wait_s(throttle, request->remote_addr, desk_now_ms());
    if (wait_s > 0) {
        char seconds[24];
        snprintf(seconds, sizeof(seconds), "%ld", wait_s);
        desk_error(response, 429, "too many failed attempts from this address; retry in %ld s",
                   wait_s);
        return desk_response_header(response, "Retry-After", seconds);
    }
    cJSON *body = cJSON_ParseWithLength(request->body, request->body_len);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "name");
    const cJSON *password = cJSON_GetObjectItemCaseSensitive(body, "password");
    if (!cJSON_IsObject(body) || !cJSON_IsString(name) || !cJSON_IsString(password)) {
        rc = desk_error(response, 400, "expected a JSON object {\"name\": ..., \"password\": ...}");
        goto cleanup;
    }
    if (strlen(name->valuestring) > NAME_MAX_LEN ||
        strlen(password->valuestring) > DESK_SECRET_MAX_LEN) {
        rc = desk_error(response, 400, "name or password too long");
        goto cleanup;
    }
    const struct desk_user *user =
        desk_auth_password(desk_auth_of(desk), name->valuestring, password->valuestring);
    if (user == NULL) {
        desk_throttle_failure(throttle, request->remote_addr, desk_now_ms());
        log_warn("desk: failed login from %s", request->remote_addr);
        if (audit_login(desk, request, name->valuestring, "", "login_failed", err, err_len) != 0)
            goto cleanup;
        rc = desk_error(response, 401, "wrong name or password");
        goto cleanup;
    }
    desk_throttle_success(throttle, request->remote_addr);
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL ||
        desk_session_create(shards_get(shards, 0), config, user, id, csrf, err, err_len) != 0 ||
        audit_login(desk, request, user->name, desk_role_name(user->role), "login", err,
                    err_len) != 0)
        goto cleanup;
    desk_json(response, 200, who_json(user, csrf));
    if (session_cookie(desk, response, id, config->desk.session_ttl_s) != 0) {
        error_set(err, err_len, "no room for the session cookie");
        goto cleanup;
    }
    rc = 0;
cleanup:
    cJSON_Delete(body);
    return rc;
}

int desk_logout(struct desk *desk, const struct desk_request *request,
                struct desk_response *response, char *err, size_t err_len)
{
    const char *id =
        MHD_lookup_connection_value(request->connection, MHD_COOKIE_KIND, DESK_SESSION_COOKIE);
    if (request->csrf != NULL && id != NULL) {
        struct shards *shards = desk_shards(desk, err, err_len);
        if (shards == NULL ||
            desk_session_delete(shards_get(shards, 0), desk_config(desk), id, err, err_len) != 0)
            return -1;
    }
    if (desk_audit(desk, request, "logout", "", NULL, err, err_len) != 0)
        return -1;
    desk_json(response, 200, cJSON_CreateObject());
    return session_cookie(desk, response, "", 0);
}

int desk_me(struct desk *desk, const struct desk_request *request,
            struct desk_response *response, char *err, size_t err_len)
{
    (void)desk;
    (void)err;
    (void)err_len;
    return desk_json(response, 200, who_json(request->user, request->csrf));
}
