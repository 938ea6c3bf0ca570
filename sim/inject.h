/* Turns a fault into the reply a misbehaving platform would give: its error and rate-limit
 * shapes, a broken or oversized body, redirects, or a transport fault for the server to act
 * out. Called with the world locked. */
#ifndef NETRA_SIM_INJECT_H
#define NETRA_SIM_INJECT_H

#include <stdint.h>

#include "sim/faults.h"
#include "sim/platforms.h"

void inject_fault(struct sim *sim, const struct platform_routes *routes, struct sim_request *req,
                  const struct fault *fault, int64_t now_ms, struct sim_reply *reply);

#endif
