/* A request as the routes see it, and the reply they build.
 *
 * Routes never touch the HTTP library: they read query arguments and headers through
 * request_query() / request_header() and fill a sim_reply (status, headers, body, and how to
 * send it: normally, or as one of the transport faults). The server turns the reply into bytes
 * on the wire. A reply owns its body and header values; reply_free() releases them. */
#ifndef NETRA_SIM_REPLY_H
#define NETRA_SIM_REPLY_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/buf.h"
#include "sim/world.h"

struct sim_request {
    void *connection;   /* the server's handle, for request_query / request_header */
    const char *method;
    const char *path;    /* the whole path: "/mastodon/api/v1/accounts/lookup" */
    const char *subpath; /* the path below the platform prefix: "/api/v1/accounts/lookup" */
    const char *body;    /* the request body (POST), NUL-terminated */
    size_t body_len;
    int endpoint;                /* set by the platform's resolve() */
    struct sim_account *account; /* set by resolve(): whose data; NULL when nobody's */
    int accountless;             /* set by resolve(): an endpoint about no one account */
    char arg[SIM_ID_LEN];        /* a path parameter resolve() captured */
};

/* A query argument, percent-decoded, or NULL. */
const char *request_query(const struct sim_request *req, const char *key);
/* Every value of a query argument given more than once ("uris=a&uris=b"), in order: fills up to
 * max and returns how many there are in all. */
size_t request_query_all(const struct sim_request *req, const char *key, const char **out,
                         size_t max);
/* A request header (case-insensitive name), or NULL. */
const char *request_header(const struct sim_request *req, const char *name);

enum reply_transport {
    REPLY_NORMAL,
    REPLY_STALL,     /* send nothing for `seconds`, then close */
    REPLY_TRUNCATED, /* announce the whole body, send half of it, close */
    REPLY_OVERSIZED, /* a body of `oversized_bytes` */
    REPLY_SLOW_DRIP, /* one byte every 200 ms */
};

#define REPLY_MAX_HEADERS 16

struct reply_header {
    char name[48];
    char *value;
};

struct sim_reply {
    int status;
    char content_type[96];
    struct buf body;
    struct reply_header headers[REPLY_MAX_HEADERS];
    size_t header_count;
    enum reply_transport transport;
    double seconds;
    uint64_t oversized_bytes;
};

void reply_init(struct sim_reply *reply);
void reply_free(struct sim_reply *reply);
/* Adds (or replaces) a header. */
void reply_header(struct sim_reply *reply, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *reply_header_value(const struct sim_reply *reply, const char *name);
/* Serialises doc as the body (application/json) and deletes it; NULL doc means out of memory. */
void reply_json(struct sim_reply *reply, int status, cJSON *doc);
/* A plain body of the given type. */
void reply_body(struct sim_reply *reply, int status, const char *content_type, const char *text);
/* {"error": message} */
void reply_json_error(struct sim_reply *reply, int status, const char *message);

#endif
