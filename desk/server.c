#include "desk/server.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "config/log.h"
#include "desk/session.h"
#include "desk/static_files.h"
#include "queue/audit.h"

#define CONNECTION_LIMIT 1024
#define CONNECTION_TIMEOUT_S 60
#define JSON_TYPE "application/json; charset=utf-8"
#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

struct desk {
    const struct netra_config *config;
    struct desk_auth *auth;
    struct desk_throttle *throttle;
    pthread_key_t shards_key;
    int shards_key_made;
    struct MHD_Daemon *daemon;
    char web_dir[PATH_MAX]; /* resolved; "" when the folder does not exist */
};

/* One request while its body arrives. */
struct request_state {
    char *body;
    size_t len, capacity;
    int too_large;
};

/* What public routes see as their user. */
static const struct desk_user anonymous = {"", 0};

long long desk_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

const struct netra_config *desk_config(const struct desk *desk)
{
    return desk->config;
}

struct desk_auth *desk_auth_of(struct desk *desk)
{
    return desk->auth;
}

struct desk_throttle *desk_throttle_of(struct desk *desk)
{
    return desk->throttle;
}

static void close_shards(void *shards)
{
    shards_close(shards);
}

struct shards *desk_shards(struct desk *desk, char *err, size_t err_len)
{
    struct shards *shards = pthread_getspecific(desk->shards_key);
    if (shards != NULL)
        return shards;
    if (shards_open(desk->config, &shards, err, err_len) != 0)
        return NULL;
    if (pthread_setspecific(desk->shards_key, shards) != 0) {
        shards_close(shards);
        error_set(err, err_len, "cannot keep this thread's Redis connections");
        return NULL;
    }
    return shards;
}

void desk_shards_reset(struct desk *desk)
{
    struct shards *shards = pthread_getspecific(desk->shards_key);
    if (shards == NULL)
        return;
    pthread_setspecific(desk->shards_key, NULL);
    shards_close(shards);
}

const char *desk_query(const struct desk_request *request, const char *name)
{
    return MHD_lookup_connection_value(request->connection, MHD_GET_ARGUMENT_KIND, name);
}

int desk_response_header(struct desk_response *response, const char *name, const char *value)
{
    size_t used = 0;
    /* Values already stored sit one after another at the start of header_storage. */
    for (size_t i = 0; i < response->header_count; i++) {
        const char *stored = response->headers[i][1];
        if (stored >= response->header_storage &&
            stored < response->header_storage + sizeof(response->header_storage))
            used = (size_t)(stored - response->header_storage) + strlen(stored) + 1;
    }
    size_t len = strlen(value);
    if (response->header_count >= DESK_MAX_RESPONSE_HEADERS ||
        used + len + 1 > sizeof(response->header_storage))
        return -1;
    memcpy(response->header_storage + used, value, len + 1);
    response->headers[response->header_count][0] = name;
    response->headers[response->header_count][1] = response->header_storage + used;
    response->header_count++;
    return 0;
}

int desk_error(struct desk_response *response, int status, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    cJSON *json = cJSON_CreateObject();
    if (json != NULL && cJSON_AddStringToObject(json, "error", message) == NULL) {
        cJSON_Delete(json);
        json = NULL;
    }
    return desk_json(response, status, json);
}

int desk_json(struct desk_response *response, int status, void *json)
{
    char *text = json != NULL ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    free(response->body);
    response->content_type = JSON_TYPE;
    if (text == NULL) {
        /* Out of memory: a static answer needs none. */
        static const char fallback[] = "{\"error\":\"out of memory\"}";
        response->status = 500;
        response->body = strdup(fallback);
        response->body_len = response->body != NULL ? strlen(fallback) : 0;
        return 0;
    }
    response->status = status;
    response->body = text;
    response->body_len = strlen(text);
    return 0;
}

int desk_audit(struct desk *desk, const struct desk_request *request, const char *action,
               const char *subject, const char *details_json, char *err, size_t err_len)
{
    struct shards *shards = desk_shards(desk, err, err_len);
    if (shards == NULL)
        return -1;
    struct audit_entry entry = {
        .who = request->user->name,
        .role = desk_role_name(request->user->role),
        .action = action,
        .subject = subject,
        .from = request->remote_addr,
        .details = details_json,
    };
    return audit_append(shards_get(shards, 0), desk->config, 0, &entry, err, err_len);
}

static void remote_address(struct MHD_Connection *connection, char *out, size_t out_len)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, out_len, "unknown");
    if (info == NULL || info->client_addr == NULL)
        return;
    const struct sockaddr *address = info->client_addr;
    socklen_t len = address->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                   : sizeof(struct sockaddr_in);
    if (getnameinfo(address, len, out, (socklen_t)out_len, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(out, out_len, "unknown");
}

static int is_state_changing(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

static int method_matches(const struct desk_route *route, const char *method)
{
    return strcmp(route->method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(route->method, "GET") == 0);
}

/* The length of route's path when it claims path, else 0. */
static size_t route_claims(const struct desk_route *route, const char *path)
{
    size_t len = strlen(route->path);
    if (len > 0 && route->path[len - 1] == '/')
        return strncmp(path, route->path, len) == 0 ? len : 0;
    return strcmp(path, route->path) == 0 ? len : 0;
}

/* The longest route claiming path with this method (*route), and whether any method's route
 * claims it (*claimed); *allowed lists the methods that do. */
static void find_route(const char *path, const char *method, const struct desk_route **route,
                       int *claimed, char *allowed, size_t allowed_len)
{
    size_t best = 0, claimed_len = 0;
    *route = NULL;
    *claimed = 0;
    allowed[0] = '\0';
    for (size_t i = 0; i < desk_route_count; i++)
        if (route_claims(&desk_routes[i], path) > claimed_len)
            claimed_len = route_claims(&desk_routes[i], path);
    for (size_t i = 0; i < desk_route_count; i++) {
        const struct desk_route *candidate = &desk_routes[i];
        size_t len = route_claims(candidate, path);
        if (len == 0 || len != claimed_len)
            continue;
        *claimed = 1;
        size_t used = strlen(allowed);
        snprintf(allowed + used, allowed_len - used, "%s%s", used > 0 ? ", " : "",
                 candidate->method);
        if (method_matches(candidate, method) && len > best) {
            best = len;
            *route = candidate;
        }
    }
}

static void unauthorized(struct desk_response *response, const char *why)
{
    desk_error(response, 401, "%s", why);
    desk_response_header(response, "WWW-Authenticate", "Bearer realm=\"netra-desk\"");
}

static void throttled(struct desk_response *response, long wait_s)
{
    char seconds[24];
    snprintf(seconds, sizeof(seconds), "%ld", wait_s);
    desk_error(response, 429, "too many failed attempts from this address; retry in %ld s",
               wait_s);
    desk_response_header(response, "Retry-After", seconds);
}

/* Who sent request: *user, or else a 401/403/429/503 answer in response. */
static void authenticate(struct desk *desk, struct MHD_Connection *connection,
                         struct desk_request *request, struct desk_session *session,
                         const struct desk_user **user, struct desk_response *response)
{
    *user = NULL;
    const char *authorization =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (authorization != NULL) {
        long wait_s = desk_throttle_wait_s(desk->throttle, request->remote_addr, desk_now_ms());
        if (wait_s > 0) {
            throttled(response, wait_s);
            return;
        }
        if (strncasecmp(authorization, "Bearer ", 7) != 0) {
            unauthorized(response, "Authorization must be a Bearer token");
            return;
        }
        const char *token = authorization + 7;
        while (*token == ' ')
            token++;
        *user = desk_auth_token(desk->auth, token);
        if (*user == NULL) {
            desk_throttle_failure(desk->throttle, request->remote_addr, desk_now_ms());
            log_warn("desk: invalid bearer token from %s for %s %s", request->remote_addr,
                     request->method, request->path);
            unauthorized(response, "invalid token");
        }
        return;
    }
    const char *cookie =
        MHD_lookup_connection_value(connection, MHD_COOKIE_KIND, DESK_SESSION_COOKIE);
    if (cookie == NULL) {
        unauthorized(response, "log in or send a bearer token");
        return;
    }
    char problem[NETRA_ERR_LEN];
    struct shards *shards = desk_shards(desk, problem, sizeof(problem));
    int found = 0;
    if (shards == NULL || desk_session_find(shards_get(shards, 0), desk->config, cookie, session,
                                            &found, problem, sizeof(problem)) != 0) {
        log_error("desk: sessions: %s", problem);
        desk_shards_reset(desk);
        desk_error(response, 503, "sessions are unavailable: Redis cannot be reached");
        return;
    }
    const struct desk_user *named = found ? desk_auth_user(desk->auth, session->user) : NULL;
    /* A user removed from the config, or given another role, loses the sessions they had. */
    if (named == NULL || strcmp(desk_role_name(named->role), session->role) != 0) {
        unauthorized(response, "the session has ended; log in again");
        return;
    }
    if (is_state_changing(request->method)) {
        const char *csrf = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-CSRF-Token");
        if (csrf == NULL || strlen(csrf) != DESK_CSRF_LEN ||
            CRYPTO_memcmp(csrf, session->csrf, DESK_CSRF_LEN) != 0) {
            desk_error(response, 403, "missing or wrong X-CSRF-Token");
            return;
        }
    }
    request->csrf = session->csrf;
    *user = named;
}

/* Everything after the body arrived: route, authenticate, authorise, run the handler. */
static int handle(struct desk *desk, struct MHD_Connection *connection,
                  struct desk_request *request, struct desk_response *response, char *err,
                  size_t err_len)
{
    const struct desk_route *route;
    int claimed;
    char allowed[128];
    struct desk_session session;
    find_route(request->path, request->method, &route, &claimed, allowed, sizeof(allowed));
    if (route != NULL && route->path[strlen(route->path) - 1] == '/')
        request->path_rest = request->path + strlen(route->path);
    int data_path = strncmp(request->path, "/api/", 5) == 0 ||
                    strncmp(request->path, "/feeds/", 7) == 0;
    if (!claimed && !data_path) {
        if (strcmp(request->method, "GET") != 0 && strcmp(request->method, "HEAD") != 0) {
            desk_error(response, 405, "only GET reads the console's files");
            return desk_response_header(response, "Allow", "GET, HEAD") == 0 ? 0 : -1;
        }
        if (desk->web_dir[0] == '\0')
            return desk_error(response, 404, "not found");
        return desk_static_file(desk->web_dir, request->path, response, err, err_len);
    }
    if (route != NULL && route->roles == 0) {
        request->user = &anonymous;
        return route->handler(desk, request, response, err, err_len);
    }
    const struct desk_user *user;
    authenticate(desk, connection, request, &session, &user, response);
    if (user == NULL)
        return 0;
    request->user = user;
    if (!claimed)
        return desk_error(response, 404, "no such endpoint: %s", request->path);
    if (route == NULL) {
        desk_error(response, 405, "%s is not allowed here", request->method);
        desk_response_header(response, "Allow", allowed);
        return 0;
    }
    if ((route->roles & (int)user->role) == 0)
        return desk_error(response, 403, "role %s may not %s %s", desk_role_name(user->role),
                          request->method, route->path);
    return route->handler(desk, request, response, err, err_len);
}

static enum MHD_Result send_response(struct MHD_Connection *connection, const char *path,
                                     struct desk_response *response)
{
    struct MHD_Response *answer = MHD_create_response_from_buffer(
        response->body_len, response->body, MHD_RESPMEM_MUST_FREE);
    if (answer == NULL) {
        free(response->body);
        return MHD_NO;
    }
    response->body = NULL;
    if (response->content_type != NULL)
        MHD_add_response_header(answer, MHD_HTTP_HEADER_CONTENT_TYPE, response->content_type);
    MHD_add_response_header(answer, "Content-Security-Policy", CSP);
    MHD_add_response_header(answer, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(answer, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(answer, "X-Frame-Options", "DENY");
    int is_data = strncmp(path, "/api/", 5) == 0 || strcmp(path, "/metrics") == 0 ||
                  strcmp(path, "/healthz") == 0;
    MHD_add_response_header(answer, MHD_HTTP_HEADER_CACHE_CONTROL,
                            is_data ? "no-store" : "no-cache");
    for (size_t i = 0; i < response->header_count; i++)
        MHD_add_response_header(answer, response->headers[i][0], response->headers[i][1]);
    enum MHD_Result queued = MHD_queue_response(connection, (unsigned int)response->status, answer);
    MHD_destroy_response(answer);
    return queued;
}

static enum MHD_Result answer_error(struct MHD_Connection *connection, const char *path,
                                    int status, const char *message)
{
    struct desk_response response;
    memset(&response, 0, sizeof(response));
    desk_error(&response, status, "%s", message);
    return send_response(connection, path, &response);
}

static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    size_t *total = cls;
    (void)kind;
    /* name, ": " or "=", value and the separator, as they came on the wire */
    *total += strlen(key) + (value != NULL ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* The request line and headers as sent, near enough: what desk.max_header_bytes limits. */
static size_t header_size(struct MHD_Connection *connection, const char *url, const char *method)
{
    size_t total = strlen(method) + strlen(url) + 16;
    MHD_get_connection_values(connection, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND,
                              add_header_size, &total);
    return total;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct desk *desk = cls;
    struct request_state *state = *con_cls;
    size_t max_body = (size_t)desk->config->desk.max_body_bytes;
    (void)version;
    if (state == NULL) {
        if ((state = calloc(1, sizeof(*state))) == NULL)
            return MHD_NO;
        *con_cls = state;
        if (header_size(connection, url, method) > (size_t)desk->config->desk.max_header_bytes)
            return answer_error(connection, url, 431, "request headers too large");
        const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        /* Refused before a byte of it is read. */
        if (length != NULL && strtoull(length, NULL, 10) > max_body)
            return answer_error(connection, url, 413, "request body too large");
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t chunk = *upload_data_size;
        *upload_data_size = 0;
        if (state->too_large || chunk > max_body - state->len) {
            state->too_large = 1;
            return MHD_YES;
        }
        if (state->len + chunk + 1 > state->capacity) {
            size_t capacity = state->capacity == 0 ? 4096 : state->capacity;
            while (capacity < state->len + chunk + 1)
                capacity *= 2;
            char *grown = realloc(state->body, capacity);
            if (grown == NULL)
                return MHD_NO;
            state->body = grown;
            state->capacity = capacity;
        }
        memcpy(state->body + state->len, upload_data, chunk);
        state->len += chunk;
        state->body[state->len] = '\0';
        return MHD_YES;
    }
    if (state->too_large)
        return answer_error(connection, url, 413, "request body too large");

    char remote[INET6_ADDRSTRLEN + 8], err[NETRA_ERR_LEN] = "";
    remote_address(connection, remote, sizeof(remote));
    struct desk_request request = {
        .method = method,
        .path = url,
        .path_rest = "",
        .body = state->body != NULL ? state->body : "",
        .body_len = state->len,
        .user = NULL,
        .remote_addr = remote,
        .csrf = NULL,
        .connection = connection,
    };
    struct desk_response response;
    memset(&response, 0, sizeof(response));
    if (handle(desk, connection, &request, &response, err, sizeof(err)) != 0) {
        log_error("desk: %s %s from %s: %s", method, url, remote, err);
        desk_shards_reset(desk);
        memset(response.headers, 0, sizeof(response.headers));
        response.header_count = 0;
        desk_error(&response, 500, "internal error");
    }
    if (response.status == 0)
        desk_error(&response, 500, "internal error: no answer");
    return send_response(connection, url, &response);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    struct request_state *state = *con_cls;
    (void)cls;
    (void)connection;
    (void)code;
    if (state == NULL)
        return;
    free(state->body);
    free(state);
    *con_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt,
                                                             va_list ap)
{
    char message[512];
    (void)cls;
    vsnprintf(message, sizeof(message), fmt, ap);
    size_t len = strlen(message);
    while (len > 0 && message[len - 1] == '\n')
        message[--len] = '\0';
    log_warn("desk: http: %s", message);
}

/* "host:port" or "[v6]:port" into an address to bind. */
static int resolve_listen(const char *listen, struct sockaddr_storage *out, socklen_t *out_len,
                          char *err, size_t err_len)
{
    char host[300];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL)
        return error_set(err, err_len, "desk.listen: must be host:port");
    const char *start = listen, *end = colon;
    if (*start == '[' && end > start && end[-1] == ']') {
        start++;
        end--;
    }
    snprintf(host, sizeof(host), "%.*s", (int)(end - start), start);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE};
    struct addrinfo *found = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &found);
    if (rc != 0 || found == NULL)
        return error_set(err, err_len, "desk.listen %s: %s", listen,
                         rc != 0 ? gai_strerror(rc) : "no address");
    memcpy(out, found->ai_addr, found->ai_addrlen);
    *out_len = found->ai_addrlen;
    freeaddrinfo(found);
    return 0;
}

int desk_start(const struct netra_config *config, struct desk **out, char *err, size_t err_len)
{
    struct sockaddr_storage address;
    socklen_t address_len;
    *out = NULL;
    struct desk *desk = calloc(1, sizeof(*desk));
    if (desk == NULL)
        return error_set(err, err_len, "out of memory");
    desk->config = config;
    if (pthread_key_create(&desk->shards_key, close_shards) != 0) {
        error_set(err, err_len, "cannot make thread-local Redis connections");
        goto fail;
    }
    desk->shards_key_made = 1;
    if (desk_auth_new(config, &desk->auth, err, err_len) != 0)
        goto fail;
    if ((desk->throttle = desk_throttle_new()) == NULL) {
        error_set(err, err_len, "out of memory");
        goto fail;
    }
    if (realpath(config->desk.web_dir, desk->web_dir) == NULL) {
        log_warn("desk: desk.web_dir %s cannot be opened; the console is not served",
                 config->desk.web_dir);
        desk->web_dir[0] = '\0';
    }
    if (resolve_listen(config->desk.listen, &address, &address_len, err, err_len) != 0)
        goto fail;
    (void)address_len;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
        flags |= MHD_USE_EPOLL;
    if (address.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* The pool holds the request line, the headers and MHD's own bookkeeping; on_request
     * measures the headers against the limit exactly, this only bounds the memory. */
    size_t memory_limit = (size_t)config->desk.max_header_bytes * 2 + 16384;
    desk->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, desk, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, desk,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)config->desk.threads,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory_limit, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)CONNECTION_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, on_completed, desk,
        MHD_OPTION_END);
    if (desk->daemon == NULL) {
        error_set(err, err_len, "cannot listen on %s (in use, or not an address of this host?)",
                  config->desk.listen);
        goto fail;
    }
    *out = desk;
    return 0;
fail:
    desk_stop(desk);
    return -1;
}

void desk_stop(struct desk *desk)
{
    if (desk == NULL)
        return;
    if (desk->daemon != NULL)
        MHD_stop_daemon(desk->daemon);
    if (desk->shards_key_made)
        pthread_key_delete(desk->shards_key);
    desk_throttle_free(desk->throttle);
    desk_auth_free(desk->auth);
    free(desk);
}
