/* netra-desk: the reviewers' and Bawaslu's HTTP side of netra (libmicrohttpd, its own thread
 * pool). This header is the contract between the server (desk/server.c, desk/auth.c) and the
 * handlers (desk/api_*.c, desk/feeds.c, desk/export.c, desk/metrics.c): a handler gets an
 * authenticated, size-limited request and fills a response; the server owns sockets, parsing,
 * limits, authentication, CSRF, security headers and static files (desk/web/).
 *
 * Handlers run on the server's pool threads, several at once: they take Redis connections only
 * through desk_shards() (one set per thread, opened on first use) and keep no other state
 * between requests. Every string in a request is borrowed for the handler's duration; the
 * response's body is malloc'd by the handler and freed by the server. */
#ifndef NETRA_DESK_DESK_H
#define NETRA_DESK_DESK_H

#include <stddef.h>

#include "config/config.h"
#include "queue/shards.h"

enum desk_role {
    DESK_ROLE_FEED = 1,       /* feeds and exports only */
    DESK_ROLE_REVIEWER = 2,   /* works the queue */
    DESK_ROLE_SUPERVISOR = 4, /* also reopens decisions, rescans, watchlist, audit log */
};
#define DESK_ROLES_STAFF (DESK_ROLE_REVIEWER | DESK_ROLE_SUPERVISOR)
#define DESK_ROLES_ANY (DESK_ROLE_FEED | DESK_ROLE_REVIEWER | DESK_ROLE_SUPERVISOR)

struct desk;

struct desk_user {
    const char *name;
    enum desk_role role;
};

struct desk_request {
    const char *method;      /* "GET", "POST", ... */
    const char *path;        /* decoded path without the query, e.g. "/api/cases/ab12..." */
    const char *path_rest;   /* what follows the route's prefix, e.g. "ab12..." ("" if none) */
    const char *body;        /* NUL-terminated; "" when none; at most desk.max_body_bytes */
    size_t body_len;
    const struct desk_user *user; /* never NULL for a routed handler; a public route's (roles 0)
                                     is anonymous: name "", role 0 */
    const char *remote_addr; /* "127.0.0.1" */
    const char *csrf;        /* the console session's CSRF token; NULL with a bearer token */
    void *connection;        /* the struct MHD_Connection, for desk_query() */
};

/* A query argument (decoded by libmicrohttpd), or NULL. */
const char *desk_query(const struct desk_request *request, const char *name);

#define DESK_MAX_RESPONSE_HEADERS 6

struct desk_response {
    int status;
    char *body;               /* malloc'd, or NULL for none */
    size_t body_len;
    const char *content_type; /* static string, e.g. "application/json; charset=utf-8" */
    const char *headers[DESK_MAX_RESPONSE_HEADERS][2]; /* extra name/value pairs (static or
                                                          owned by header_storage) */
    size_t header_count;
    char header_storage[512];
};

/* Fills response with {"error": message} and status; returns 0 so handlers can
 * `return desk_error(response, 404, "no case %s", id);`. */
int desk_error(struct desk_response *response, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Takes ownership of json (cJSON *), prints it compactly into the body with status. */
int desk_json(struct desk_response *response, int status, void *json);

/* A handler returns 0 after filling response (any status), or -1 for an internal error (the
 * server answers 500 and logs err). */
typedef int desk_handler_fn(struct desk *desk, const struct desk_request *request,
                            struct desk_response *response, char *err, size_t err_len);

struct desk_route {
    const char *method;
    const char *path;  /* exact, or a prefix ending in '/' (the rest goes to path_rest) */
    int roles;         /* mask of enum desk_role allowed */
    desk_handler_fn *handler;
};

/* The routes table lives in desk/routes.c, one line per endpoint. */
extern const struct desk_route desk_routes[];
extern const size_t desk_route_count;

const struct netra_config *desk_config(const struct desk *desk);
/* This thread's connections to every shard (opened on first use); NULL with err when a shard's
 * Redis cannot be reached. */
struct shards *desk_shards(struct desk *desk, char *err, size_t err_len);

/* Appends an audit entry (who, when (server time), what, from where, details JSON or NULL) to the
 * audit stream; see queue/audit.h. */
int desk_audit(struct desk *desk, const struct desk_request *request, const char *action,
               const char *subject, const char *details_json, char *err, size_t err_len);

#endif
