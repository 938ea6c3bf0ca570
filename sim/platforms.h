/* What each simulated platform plugs into the server.
 *
 * For a request under its prefix, the server asks the platform to resolve() the path into an
 * endpoint and the account it concerns, then settles faults and rate budgets, then asks it to
 * render() the answer, all with the world locked. resolve() returns -1 for a path that is not
 * one of the platform's endpoints; it leaves req->account NULL when the path names nobody in
 * the world, and the server answers with gone(), the platform's own not-found shape. */
#ifndef NETRA_SIM_PLATFORMS_H
#define NETRA_SIM_PLATFORMS_H

#include <stdint.h>

#include "sim/ratelimit.h"
#include "sim/reply.h"
#include "sim/sim.h"

struct platform_routes {
    enum sim_platform platform;
    const char *prefix;
    int (*resolve)(struct sim *sim, struct sim_request *req);
    /* 0 to go on; -1 with reply filled (X's bearer token check). NULL: no authorization. */
    int (*authorize)(struct sim *sim, const struct sim_request *req, struct sim_reply *reply);
    void (*render)(struct sim *sim, struct sim_request *req, int64_t now_ms,
                   struct sim_reply *reply);
    void (*error)(struct sim_reply *reply, int status, const char *message);
    void (*gone)(struct sim *sim, const struct sim_request *req, struct sim_reply *reply);
    /* Adds the platform's rate-limit headers; NULL for platforms that send none. */
    void (*rate_headers)(struct sim_reply *reply, const struct rate_state *state);
};

extern const struct platform_routes mastodon_routes;
extern const struct platform_routes bluesky_routes;
extern const struct platform_routes x_routes;
extern const struct platform_routes feed_routes;
extern const struct platform_routes jsonapi_routes;

/* The control endpoints under /_sim/. */
void control_handle(struct sim *sim, struct sim_request *req, struct sim_reply *reply);

#endif
