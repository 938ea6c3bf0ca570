/* The HTTP side of netra-sim: libmicrohttpd in thread-per-connection mode, request dispatch to
 * the platforms and the control endpoints, faults and rate budgets, and sending replies
 * (gzip, and the transport faults: stall, truncated, oversized, slow drip). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "config/log.h"
#include "sim/gzip.h"
#include "sim/inject.h"
#include "sim/platforms.h"
#include "sim/sim.h"
#include "sim/timefmt.h"

/* Control requests carry small JSON documents. */
#define MAX_UPLOAD_BYTES (64 * 1024)
#define SLOW_DRIP_INTERVAL_S 0.2
/* Connections served at once; beyond this MHD refuses new ones rather than spawn threads. */
#define MAX_CONNECTIONS 512
#define IDLE_TIMEOUT_S 120

static const struct platform_routes *const platforms[] = {
    &mastodon_routes, &bluesky_routes, &x_routes, &feed_routes, &jsonapi_routes,
};

/* Per request (MHD's con_cls): the upload so far and the account whose request is in flight.
 * A request stops being in flight when its answer is handed to the connection (a streamed one
 * when the stream ends), not when the connection is cleaned up: by then the client may already
 * have sent its next request, and two sequential fetches would look concurrent. */
struct request_state {
    struct buf upload;
    int upload_too_large;
    size_t account; /* SIZE_MAX: none in flight */
};

static void request_done(struct sim *sim, struct request_state *state)
{
    if (state->account != SIZE_MAX)
        stats_account_end(&sim->stats, state->account);
    state->account = SIZE_MAX;
}

const char *request_query(const struct sim_request *req, const char *key)
{
    return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, key);
}

struct query_values {
    const char *key;
    const char **out;
    size_t max;
    size_t count;
};

static enum MHD_Result collect_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    struct query_values *q = cls;
    if (value != NULL && strcmp(key, q->key) == 0) {
        if (q->count < q->max)
            q->out[q->count] = value;
        q->count++;
    }
    return MHD_YES;
}

size_t request_query_all(const struct sim_request *req, const char *key, const char **out,
                         size_t max)
{
    struct query_values q = {key, out, max, 0};
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, collect_value, &q);
    return q.count;
}

const char *request_header(const struct sim_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

/* Streams for the transport faults. */
struct stream {
    struct sim *sim;
    char *data;
    size_t len;        /* bytes of data */
    size_t send_limit; /* truncated: stop after this many */
    uint64_t total;    /* oversized: bytes to produce */
    enum reply_transport transport;
    size_t account;    /* in flight until the stream ends; SIZE_MAX: none */
};

static void stream_free(void *cls)
{
    struct stream *s = cls;
    if (s->account != SIZE_MAX)
        stats_account_end(&s->sim->stats, s->account);
    free(s->data);
    free(s);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct stream *s = cls;
    switch (s->transport) {
    case REPLY_TRUNCATED: {
        if (pos >= s->send_limit)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        size_t n = s->send_limit - (size_t)pos;
        if (n > max)
            n = max;
        memcpy(out, s->data + pos, n);
        return (ssize_t)n;
    }
    case REPLY_SLOW_DRIP:
        if (pos >= s->len)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (sim_wait_or_stop(s->sim, SLOW_DRIP_INTERVAL_S))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        out[0] = s->data[pos];
        return 1;
    case REPLY_OVERSIZED: {
        /* A JSON object holding one enormous string: {"filler":"xxxx...x"} */
        static const char head[] = "{\"filler\":\"";
        static const char tail[] = "\"}";
        if (pos >= s->total)
            return MHD_CONTENT_READER_END_OF_STREAM;
        size_t n = 0;
        while (n < max && pos + n < s->total) {
            uint64_t at = pos + n;
            if (at < sizeof(head) - 1)
                out[n] = head[at];
            else if (at >= s->total - (sizeof(tail) - 1))
                out[n] = tail[at - (s->total - (sizeof(tail) - 1))];
            else
                out[n] = 'x';
            n++;
        }
        return (ssize_t)n;
    }
    case REPLY_NORMAL:
    case REPLY_STALL:
        break;
    }
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

static struct MHD_Response *make_response(struct sim *sim, const struct sim_request *req,
                                          struct request_state *state, struct sim_reply *reply)
{
    struct MHD_Response *response = NULL;
    size_t len = 0;
    char *body = buf_steal(&reply->body, &len);
    if (body == NULL) {
        reply->status = 500;
        body = strdup("{\"error\":\"out of memory\"}");
        if (body == NULL)
            return NULL;
        len = strlen(body);
        reply->transport = REPLY_NORMAL;
    }

    if (reply->transport == REPLY_NORMAL) {
        if (len > 0 && gzip_accepted(request_header(req, MHD_HTTP_HEADER_ACCEPT_ENCODING))) {
            char *compressed = NULL;
            size_t compressed_len = 0;
            if (gzip_compress(body, len, &compressed, &compressed_len) == 0) {
                free(body);
                body = compressed;
                len = compressed_len;
                reply_header(reply, "Content-Encoding", "gzip");
            }
        }
        response = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (response == NULL)
            free(body);
    } else {
        struct stream *s = calloc(1, sizeof(*s));
        if (s == NULL) {
            free(body);
            return NULL;
        }
        s->sim = sim;
        s->account = SIZE_MAX;
        s->data = body;
        s->len = len;
        s->transport = reply->transport;
        uint64_t announced = len;
        if (reply->transport == REPLY_TRUNCATED)
            s->send_limit = len / 2;
        if (reply->transport == REPLY_OVERSIZED) {
            s->total = reply->oversized_bytes;
            announced = s->total;
        }
        response = MHD_create_response_from_callback(announced, 16 * 1024, stream_read, s,
                                                     stream_free);
        if (response == NULL) {
            stream_free(s);
        } else {
            s->account = state->account;
            state->account = SIZE_MAX;
        }
    }
    if (response == NULL)
        return NULL;
    if (reply->content_type[0] != '\0')
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply->content_type);
    MHD_add_response_header(response, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    for (size_t i = 0; i < reply->header_count; i++)
        MHD_add_response_header(response, reply->headers[i].name, reply->headers[i].value);
    return response;
}

static const struct platform_routes *platform_for(const char *path, const char **subpath)
{
    for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
        size_t n = strlen(platforms[i]->prefix);
        if (strncmp(path, platforms[i]->prefix, n) == 0 && (path[n] == '/' || path[n] == '\0')) {
            *subpath = path + n;
            return platforms[i];
        }
    }
    return NULL;
}

static void rate_key(struct sim *sim, const struct platform_routes *routes, char *out, size_t len)
{
    if (routes->platform == SIM_X)
        snprintf(out, len, "x#%.40s", sim->options.token);
    else
        snprintf(out, len, "%s", sim_platform_name(routes->platform));
}

/* A platform request: resolve, authorize, fault, budget, render. The world is locked for the
 * whole of it, so a render sees one consistent instant. */
static void handle_platform(struct sim *sim, const struct platform_routes *routes,
                            struct sim_request *req, struct request_state *state,
                            struct sim_reply *reply)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        routes->error(reply, 405, "Method Not Allowed");
        reply_header(reply, "Allow", "GET, HEAD");
        return;
    }
    world_lock(&sim->world);
    int64_t now = world_now_ms(&sim->world);
    if (routes->resolve(sim, req) != 0) {
        routes->error(reply, 404, "Not Found");
        goto unlock;
    }
    /* Only the account asked about needs its posts up to now. */
    if (req->account != NULL && world_advance_account(&sim->world, req->account, now) != 0) {
        routes->error(reply, 500, "out of memory generating posts");
        goto unlock;
    }
    if (req->account != NULL) {
        state->account = (size_t)(req->account - sim->world.accounts);
        stats_account_begin(&sim->stats, state->account);
    }
    if (routes->authorize != NULL && routes->authorize(sim, req, reply) != 0)
        goto unlock;

    struct fault fault;
    if (faults_take(&sim->faults, req->account != NULL ? req->account->id : NULL, &fault)) {
        inject_fault(sim, routes, req, &fault, now, reply);
        goto unlock;
    }

    char key[64];
    rate_key(sim, routes, key, sizeof(key));
    struct rate_state budget;
    rate_limits_spend(&sim->limits, key, &budget);
    if (budget.exceeded) {
        int64_t wait_ms = budget.reset_ms - time_real_ms();
        routes->error(reply, 429, "Too Many Requests");
        reply_header(reply, "Retry-After", "%lld", (long long)((wait_ms + 999) / 1000));
    } else if (req->account == NULL && !req->accountless) {
        routes->gone(sim, req, reply);
    } else {
        routes->render(sim, req, now, reply);
    }
    if (routes->rate_headers != NULL)
        routes->rate_headers(reply, &budget);
unlock:
    world_unlock(&sim->world);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct sim *sim = cls;
    struct request_state *state = *con_cls;
    if (state == NULL) {
        state = calloc(1, sizeof(*state));
        if (state == NULL)
            return MHD_NO;
        buf_init(&state->upload);
        state->account = SIZE_MAX;
        *con_cls = state;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (state->upload.len + *upload_size > MAX_UPLOAD_BYTES)
            state->upload_too_large = 1;
        else
            buf_append(&state->upload, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }

    stats_request(&sim->stats, url);
    struct sim_request req = {
        .connection = connection,
        .method = method,
        .path = url,
        .subpath = url,
        .body = state->upload.data != NULL ? state->upload.data : "",
        .body_len = state->upload.len,
    };
    struct sim_reply reply;
    reply_init(&reply);

    const struct platform_routes *routes = NULL;
    if (state->upload_too_large || buf_failed(&state->upload)) {
        reply_json_error(&reply, 413, "request body over 64 KiB");
    } else if (strncmp(url, "/_sim/", 6) == 0) {
        control_handle(sim, &req, &reply);
    } else if ((routes = platform_for(url, &req.subpath)) != NULL) {
        handle_platform(sim, routes, &req, state, &reply);
    } else {
        reply_json_error(&reply, 404, "no such path: platforms live under /mastodon, /bluesky, "
                                      "/x, /feed and /jsonapi, the controls under /_sim/");
    }

    enum MHD_Result result = MHD_NO;
    if (reply.transport == REPLY_STALL) {
        /* Nothing at all goes back; the connection closes when the stall ends. */
        sim_wait_or_stop(sim, reply.seconds);
        goto done;
    }
    struct MHD_Response *response = make_response(sim, &req, state, &reply);
    if (response == NULL)
        goto done;
    stats_status(&sim->stats, reply.status);
    result = MHD_queue_response(connection, (unsigned int)reply.status, response);
    MHD_destroy_response(response);
done:
    request_done(sim, state);
    reply_free(&reply);
    return result;
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)connection;
    (void)code;
    struct sim *sim = cls;
    struct request_state *state = *con_cls;
    if (state == NULL)
        return;
    request_done(sim, state);
    buf_free(&state->upload);
    free(state);
    *con_cls = NULL;
}

/* libmicrohttpd's own messages (a connection closed early, a stall ending) are routine here. */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt,
                                                             va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_debug("libmicrohttpd: %s", line);
}

int sim_start(struct sim *sim, char *err, size_t err_len)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)sim->options.port);
    if (inet_pton(AF_INET, sim->options.listen_host, &addr.sin_addr) != 1)
        return error_set(err, err_len, "listen address \"%s\" is not an IPv4 address",
                         sim->options.listen_host);
    if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127)
        return error_set(err, err_len,
                         "listen address %s is not loopback: netra-sim only listens on 127.0.0.0/8",
                         sim->options.listen_host);
    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
        NULL, NULL, on_request, sim, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, sim, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)IDLE_TIMEOUT_S,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
    if (daemon == NULL)
        return error_set(err, err_len, "cannot listen on %s:%d (in use, or not allowed)",
                         sim->options.listen_host, sim->options.port);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    sim->port = info != NULL ? info->port : sim->options.port;
    sim->daemon = daemon;
    char base[96];
    snprintf(base, sizeof(base), "http://%s:%d", sim->options.listen_host, sim->port);
    world_lock(&sim->world);
    world_set_base_url(&sim->world, base);
    world_unlock(&sim->world);
    return 0;
}

void sim_stop(struct sim *sim)
{
    pthread_mutex_lock(&sim->stop_lock);
    sim->stopping = 1;
    pthread_cond_broadcast(&sim->stop_cond);
    pthread_mutex_unlock(&sim->stop_lock);
    if (sim->daemon != NULL)
        MHD_stop_daemon(sim->daemon);
    sim->daemon = NULL;
}
