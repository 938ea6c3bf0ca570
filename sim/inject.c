#include "sim/inject.h"

#include <stdio.h>
#include <string.h>

#include "sim/timefmt.h"

/* The real answer, for faults that damage or slow it rather than replace it. */
static void render_real(struct sim *sim, const struct platform_routes *routes,
                        struct sim_request *req, int64_t now_ms, struct sim_reply *reply)
{
    if (req->account == NULL && !req->accountless)
        routes->gone(sim, req, reply);
    else
        routes->render(sim, req, now_ms, reply);
}

/* Cut the body in the middle and end it with bytes no JSON or XML parser accepts. */
static void break_body(struct sim_reply *reply)
{
    reply->body.len /= 2;
    if (reply->body.data != NULL)
        reply->body.data[reply->body.len] = '\0';
    buf_puts(&reply->body, "\x01<<{[\"broken");
}

void inject_fault(struct sim *sim, const struct platform_routes *routes, struct sim_request *req,
                  const struct fault *fault, int64_t now_ms, struct sim_reply *reply)
{
    double seconds = fault->seconds > 0 ? fault->seconds : fault_default_seconds(fault->mode);
    long whole_seconds = (long)(seconds + 0.999);
    switch (fault->mode) {
    case FAULT_RATE_LIMIT: {
        routes->error(reply, 429, "Too Many Requests");
        reply_header(reply, "Retry-After", "%ld", whole_seconds);
        if (routes->rate_headers != NULL) {
            struct rate_state state = {.limit = sim->options.rate_limit,
                                       .remaining = 0,
                                       .reset_ms = time_real_ms() + (int64_t)(seconds * 1000)};
            routes->rate_headers(reply, &state);
        }
        break;
    }
    case FAULT_ERROR_500:
        routes->error(reply, 500, "Internal Server Error");
        break;
    case FAULT_ERROR_503:
        routes->error(reply, 503, "Service Unavailable");
        if (fault->seconds > 0)
            reply_header(reply, "Retry-After", "%ld", whole_seconds);
        break;
    case FAULT_STALL:
        reply->transport = REPLY_STALL;
        reply->seconds = seconds;
        break;
    case FAULT_TRUNCATED:
        render_real(sim, routes, req, now_ms, reply);
        reply->transport = REPLY_TRUNCATED;
        break;
    case FAULT_INVALID_BODY:
        render_real(sim, routes, req, now_ms, reply);
        break_body(reply);
        reply->status = 200;
        break;
    case FAULT_OVERSIZED:
        reply_body(reply, 200, "application/json; charset=utf-8", "");
        reply->transport = REPLY_OVERSIZED;
        reply->oversized_bytes = (uint64_t)(seconds * 1024 * 1024);
        if (reply->oversized_bytes < 64)
            reply->oversized_bytes = 64;
        break;
    case FAULT_REDIRECT_LOOP:
        reply_body(reply, 302, "text/html; charset=utf-8", "<html><body>Moved</body></html>");
        reply_header(reply, "Location", "%s%s", sim->world.base_url, req->path);
        break;
    case FAULT_REDIRECT_OFFSITE:
        reply_body(reply, 302, "text/html; charset=utf-8", "<html><body>Moved</body></html>");
        reply_header(reply, "Location", "http://203.0.113.1%s", req->path);
        break;
    case FAULT_SLOW_DRIP:
        render_real(sim, routes, req, now_ms, reply);
        reply->transport = REPLY_SLOW_DRIP;
        break;
    case FAULT_GONE:
        routes->gone(sim, req, reply);
        break;
    case FAULT_MODE_COUNT:
        break;
    }
}
