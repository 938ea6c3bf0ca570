/* netra-desk's HTTP server (libmicrohttpd): what desk/main.c and the server's own handlers
 * (login, health, metrics) need beyond desk.h.
 *
 * Every request passes, in order: the body cap (413; the header cap, 431, is libmicrohttpd's
 * memory limit), the route lookup, authentication (a bearer token, or the netra_session cookie
 * whose state-changing requests must carry X-CSRF-Token; 401 with WWW-Authenticate otherwise,
 * 429 while the address is throttled), the method (405) and the route's roles (403). Paths that
 * no route claims and that are not under /api/ or /feeds/ are the console's static files,
 * served without authentication: they hold no data. Every answer carries the security headers. */
#ifndef NETRA_DESK_SERVER_H
#define NETRA_DESK_SERVER_H

#include <stddef.h>

#include "config/config.h"
#include "desk/auth.h"
#include "desk/desk.h"
#include "desk/throttle.h"

/* Starts listening on config->desk.listen with the pool of config->desk.threads. config must
 * outlive the desk. */
int desk_start(const struct netra_config *config, struct desk **out, char *err, size_t err_len);
/* Stops accepting, lets requests in flight finish, closes every connection. NULL-safe. */
void desk_stop(struct desk *desk);

struct desk_auth *desk_auth_of(struct desk *desk);
struct desk_throttle *desk_throttle_of(struct desk *desk);
/* Drops this thread's Redis connections after a failure, so the next request connects afresh
 * instead of waiting out a reconnect backoff. */
void desk_shards_reset(struct desk *desk);

/* Adds a response header whose value is copied into response->header_storage; -1 when there is
 * no room left. */
int desk_response_header(struct desk_response *response, const char *name, const char *value);

/* Wall-clock milliseconds. */
long long desk_now_ms(void);

#endif
