#include "tests/crawler/fetch_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <microhttpd.h>
#include <zlib.h>

#define MAX_PATHS 32
#define STALL_LIMIT_MS 10000

struct path_stats {
    char path[64];
    int in_flight;
    struct fetch_test_hits hits;
};

struct fetch_test_server {
    struct MHD_Daemon *daemon;
    int port;
    pthread_mutex_t lock;
    volatile int stopping;
    struct path_stats paths[MAX_PATHS];
    int path_count;
    int connections;
};

/* What one connection is serving, for the completion callback. */
struct request_state {
    struct path_stats *stats;
};

long long fetch_test_wall_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Sleeps ms unless the server is stopping; 0 when it slept the whole time. */
static int nap(struct fetch_test_server *server, int ms)
{
    for (int slept = 0; slept < ms; slept += 10) {
        if (server->stopping)
            return -1;
        usleep(10000);
    }
    return 0;
}

static struct path_stats *stats_for(struct fetch_test_server *server, const char *path)
{
    for (int i = 0; i < server->path_count; i++)
        if (strcmp(server->paths[i].path, path) == 0)
            return &server->paths[i];
    if (server->path_count == MAX_PATHS)
        return NULL;
    struct path_stats *stats = &server->paths[server->path_count++];
    memset(stats, 0, sizeof(*stats));
    snprintf(stats->path, sizeof(stats->path), "%s", path);
    return stats;
}

static long argument(struct MHD_Connection *connection, const char *name, long fallback)
{
    const char *value = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, name);
    return value != NULL ? atol(value) : fallback;
}

static enum MHD_Result answer(struct MHD_Connection *connection, unsigned int status,
                              struct MHD_Response *response)
{
    enum MHD_Result result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return result;
}

static struct MHD_Response *text(const char *body, size_t len)
{
    return MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
}

static struct MHD_Response *gzipped(const char *body, size_t len)
{
    uLong bound = compressBound((uLong)len) + 64;
    unsigned char *out = malloc(bound);
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)body;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)bound;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t out_len = z.total_out;
    deflateEnd(&z);
    struct MHD_Response *response =
        MHD_create_response_from_buffer(out_len, out, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(response, "Content-Encoding", "gzip");
    return response;
}

static ssize_t read_truncated(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    if (pos >= 100)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = max < 100 - pos ? max : 100 - pos;
    memset(buf, 't', n);
    return (ssize_t)n;
}

static ssize_t read_drip(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct fetch_test_server *server = cls;
    (void)pos;
    if (max == 0 || nap(server, 300) != 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    buf[0] = 'd';
    return 1;
}

struct chunked_body {
    size_t size;
};

static ssize_t read_chunked(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct chunked_body *body = cls;
    if (pos >= body->size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = body->size - pos < max ? body->size - pos : max;
    memset(buf, 'c', n);
    return (ssize_t)n;
}

static void http_date(long long unix_s, char *out, size_t out_len)
{
    time_t when = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(out, out_len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static enum MHD_Result route(struct fetch_test_server *server, struct MHD_Connection *connection,
                             const char *path)
{
    static const char hello[] = "hello netra";
    char value[256];
    struct MHD_Response *response;
    if (strcmp(path, "/ok") == 0) {
        response = text(hello, strlen(hello));
        MHD_add_response_header(response, "Content-Type", "application/json; charset=utf-8");
        MHD_add_response_header(response, "ETag", "\"v1\"");
        MHD_add_response_header(response, "Last-Modified", "Sun, 22 Nov 2026 10:00:00 GMT");
        MHD_add_response_header(response, "Link", "<http://127.0.0.1/ok?max_id=1>; rel=\"next\"");
        return answer(connection, 200, response);
    }
    if (strcmp(path, "/etag") == 0) {
        const char *tag =
            MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "If-None-Match");
        response = text(hello, tag != NULL && strcmp(tag, "\"v1\"") == 0 ? 0 : strlen(hello));
        MHD_add_response_header(response, "ETag", "\"v1\"");
        return answer(connection, tag != NULL && strcmp(tag, "\"v1\"") == 0 ? 304 : 200,
                      response);
    }
    if (strcmp(path, "/gzip") == 0) {
        char body[1200];
        for (int i = 0; i < 100; i++)
            memcpy(body + i * 11, hello, 11);
        return answer(connection, 200, gzipped(body, 1100));
    }
    if (strcmp(path, "/bad-gzip") == 0) {
        response = text("this is not gzip at all", 23);
        MHD_add_response_header(response, "Content-Encoding", "gzip");
        return answer(connection, 200, response);
    }
    if (strcmp(path, "/gzip-bomb") == 0) {
        size_t n = (size_t)argument(connection, "n", 1 << 20);
        char *zeros = calloc(1, n);
        response = gzipped(zeros, n);
        free(zeros);
        return answer(connection, 200, response);
    }
    if (strcmp(path, "/big") == 0) {
        size_t n = (size_t)argument(connection, "n", 1 << 20);
        char *bytes = malloc(n);
        memset(bytes, 'b', n);
        return answer(connection, 200,
                      MHD_create_response_from_buffer(n, bytes, MHD_RESPMEM_MUST_FREE));
    }
    if (strcmp(path, "/big-chunked") == 0) {
        struct chunked_body *body = malloc(sizeof(*body));
        body->size = (size_t)argument(connection, "n", 1 << 20);
        return answer(connection, 200, MHD_create_response_from_callback(
                                           MHD_SIZE_UNKNOWN, 4096, read_chunked, body, free));
    }
    if (strcmp(path, "/redirect") == 0 || strcmp(path, "/loop") == 0) {
        const char *to = strcmp(path, "/loop") == 0
                             ? "/loop"
                             : MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND,
                                                           "to");
        response = text("", 0);
        MHD_add_response_header(response, "Location", to != NULL ? to : "");
        return answer(connection, 302, response);
    }
    if (strcmp(path, "/429") == 0) {
        response = text("slow down", 9);
        snprintf(value, sizeof(value), "%ld", argument(connection, "retry", 1));
        MHD_add_response_header(response, "Retry-After", value);
        return answer(connection, 429, response);
    }
    if (strcmp(path, "/503-date") == 0) {
        response = text("later", 5);
        http_date(fetch_test_wall_ms() / 1000 + argument(connection, "retry", 2), value,
                  sizeof(value));
        MHD_add_response_header(response, "Retry-After", value);
        return answer(connection, 503, response);
    }
    if (strcmp(path, "/ratelimit-mastodon") == 0) {
        response = text("[]", 2);
        time_t reset = (time_t)(fetch_test_wall_ms() / 1000 + argument(connection, "in", 1));
        struct tm tm;
        gmtime_r(&reset, &tm);
        strftime(value, sizeof(value), "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
        MHD_add_response_header(response, "X-RateLimit-Limit", "300");
        MHD_add_response_header(response, "X-RateLimit-Remaining", "0");
        MHD_add_response_header(response, "X-RateLimit-Reset", value);
        return answer(connection, 200, response);
    }
    if (strcmp(path, "/ratelimit-x") == 0) {
        response = text("{}", 2);
        snprintf(value, sizeof(value), "%lld",
                 fetch_test_wall_ms() / 1000 + argument(connection, "in", 1));
        MHD_add_response_header(response, "x-rate-limit-limit", "900");
        MHD_add_response_header(response, "x-rate-limit-remaining", "0");
        MHD_add_response_header(response, "x-rate-limit-reset", value);
        return answer(connection, 200, response);
    }
    if (strcmp(path, "/ratelimit-bluesky") == 0) {
        response = text("{}", 2);
        snprintf(value, sizeof(value), "%lld",
                 fetch_test_wall_ms() / 1000 + argument(connection, "in", 1));
        MHD_add_response_header(response, "RateLimit-Limit", "3000");
        MHD_add_response_header(response, "RateLimit-Remaining", "0");
        MHD_add_response_header(response, "RateLimit-Reset", value);
        MHD_add_response_header(response, "RateLimit-Policy", "3000;w=300");
        return answer(connection, 200, response);
    }
    if (strcmp(path, "/slow") == 0) {
        nap(server, (int)argument(connection, "ms", 150));
        return answer(connection, 200, text("slow", 4));
    }
    if (strcmp(path, "/stall") == 0) {
        nap(server, STALL_LIMIT_MS);
        return MHD_NO;
    }
    if (strcmp(path, "/truncate") == 0)
        return answer(connection, 200,
                      MHD_create_response_from_callback(1000, 4096, read_truncated, NULL, NULL));
    if (strcmp(path, "/drip") == 0)
        return answer(connection, 200, MHD_create_response_from_callback(
                                           MHD_SIZE_UNKNOWN, 64, read_drip, server, NULL));
    if (strcmp(path, "/many-headers") == 0) {
        response = text("", 0);
        for (int i = 0; i < 150; i++) {
            char name[32];
            snprintf(name, sizeof(name), "X-Junk-%d", i);
            MHD_add_response_header(response, name, "x");
        }
        return answer(connection, 200, response);
    }
    if (strcmp(path, "/long-header") == 0) {
        char *long_value = malloc(10001);
        memset(long_value, 'a', 10000);
        long_value[10000] = '\0';
        response = text("", 0);
        MHD_add_response_header(response, "X-Long", long_value);
        free(long_value);
        return answer(connection, 200, response);
    }
    return answer(connection, 404, text("not found", 9));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **state)
{
    struct fetch_test_server *server = cls;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    if (*state == NULL) {
        struct request_state *request = calloc(1, sizeof(*request));
        pthread_mutex_lock(&server->lock);
        request->stats = stats_for(server, url);
        if (request->stats != NULL) {
            struct fetch_test_hits *hits = &request->stats->hits;
            if (hits->count < FETCH_TEST_MAX_ARRIVALS)
                hits->arrived_ms[hits->count] = fetch_test_wall_ms();
            hits->count++;
            if (++request->stats->in_flight > hits->max_in_flight)
                hits->max_in_flight = request->stats->in_flight;
            const char *authorization =
                MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Authorization");
            snprintf(hits->authorization, sizeof(hits->authorization), "%s",
                     authorization != NULL ? authorization : "");
        }
        pthread_mutex_unlock(&server->lock);
        *state = request;
        return MHD_YES;
    }
    return route(server, connection, url);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **state,
                         enum MHD_RequestTerminationCode code)
{
    struct fetch_test_server *server = cls;
    (void)connection;
    (void)code;
    struct request_state *request = *state;
    if (request == NULL)
        return;
    pthread_mutex_lock(&server->lock);
    if (request->stats != NULL)
        request->stats->in_flight--;
    pthread_mutex_unlock(&server->lock);
    free(request);
    *state = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_state,
                          enum MHD_ConnectionNotificationCode code)
{
    struct fetch_test_server *server = cls;
    (void)connection;
    (void)socket_state;
    if (code != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    pthread_mutex_lock(&server->lock);
    server->connections++;
    pthread_mutex_unlock(&server->lock);
}

struct fetch_test_server *fetch_test_server_start(void)
{
    struct fetch_test_server *server = calloc(1, sizeof(*server));
    assert_non_null(server);
    pthread_mutex_init(&server->lock, NULL);
    struct sockaddr_in address;
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = 0;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
        NULL, NULL, on_request, server, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, server, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)30, MHD_OPTION_END);
    if (server->daemon == NULL)
        fail_msg("cannot start the test HTTP server");
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon,
                                                           MHD_DAEMON_INFO_BIND_PORT);
    server->port = info->port;
    return server;
}

void fetch_test_server_stop(struct fetch_test_server *server)
{
    server->stopping = 1;
    MHD_stop_daemon(server->daemon);
    pthread_mutex_destroy(&server->lock);
    free(server);
}

int fetch_test_server_port(const struct fetch_test_server *server)
{
    return server->port;
}

void fetch_test_server_hits(struct fetch_test_server *server, const char *path,
                            struct fetch_test_hits *hits)
{
    pthread_mutex_lock(&server->lock);
    struct path_stats *stats = stats_for(server, path);
    *hits = stats->hits;
    pthread_mutex_unlock(&server->lock);
}

int fetch_test_server_connections(struct fetch_test_server *server)
{
    pthread_mutex_lock(&server->lock);
    int connections = server->connections;
    pthread_mutex_unlock(&server->lock);
    return connections;
}
