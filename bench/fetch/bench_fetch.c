/* bench_fetch: N GETs of a small body from a local libmicrohttpd server, through netra's fetch
 * engine (libuv + curl_multi_socket_action, politeness bookkeeping, capped body and headers)
 * and through a plain curl multi loop driven by curl_multi_poll (the peer), side by side.
 *
 *   bench_fetch [requests] [connections] [rounds]     defaults: 20000 8 3
 *
 * The server runs in a child process, so the CPU time reported (getrusage) is the client's
 * alone. Both clients keep `connections` transfers in flight to one host over kept-alive
 * connections; every answer is checked (status 200, full body). Rounds alternate the two. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <uv.h>

#include "crawler/fetch.h"

#define BODY_BYTES 256
#define MAX_ROUNDS 15

struct run {
    double wall_ms, cpu_ms;
    long errors;
};

static char body[BODY_BYTES + 1];

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **state)
{
    (void)url, (void)method, (void)version, (void)upload_data, (void)upload_data_size;
    /* Answering before the request is fully read would make MHD close the connection. */
    if (*state == NULL) {
        *state = cls;
        return MHD_YES;
    }
    struct MHD_Response *response =
        MHD_create_response_from_buffer(BODY_BYTES, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(response, "Content-Type", "application/json");
    enum MHD_Result result = MHD_queue_response(connection, 200, response);
    MHD_destroy_response(response);
    return result;
}

/* Starts the server in a child; its port comes back through a pipe. */
static pid_t start_server(int *port)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        struct sockaddr_in address;
        memset(&address, 0, sizeof(address));
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        struct MHD_Daemon *daemon = MHD_start_daemon(
            MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, body, MHD_OPTION_SOCK_ADDR,
            (struct sockaddr *)&address, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
            MHD_OPTION_END);
        int bound = daemon != NULL
                        ? MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT)->port
                        : -1;
        if (write(fds[1], &bound, sizeof(bound)) != (ssize_t)sizeof(bound) || bound < 0)
            _exit(1);
        for (;;)
            pause();
    }
    close(fds[1]);
    ssize_t got = read(fds[0], port, sizeof(*port));
    close(fds[0]);
    if (got != (ssize_t)sizeof(*port) || *port < 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

static double cpu_ms(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

/* ---- netra's fetch engine ---- */

struct engine_bench {
    struct fetch *fetch;
    const char *url;
    long total, submitted, finished, errors;
};

static void on_engine_done(const struct fetch_response *response, void *data);

static void engine_submit(struct engine_bench *bench)
{
    struct fetch_request request;
    memset(&request, 0, sizeof(request));
    request.url = bench->url;
    request.politeness_key = "127.0.0.1";
    request.allowed_hosts[0] = "127.0.0.1";
    request.allowed_host_count = 1;
    char err[256];
    if (fetch_submit(bench->fetch, &request, on_engine_done, bench, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_fetch: fetch_submit: %s\n", err);
        exit(1);
    }
    bench->submitted++;
}

static void on_engine_done(const struct fetch_response *response, void *data)
{
    struct engine_bench *bench = data;
    bench->finished++;
    if (response->error != FETCH_OK || response->status != 200 ||
        response->body_len != BODY_BYTES)
        bench->errors++;
    if (bench->submitted < bench->total)
        engine_submit(bench);
}

static struct run run_engine(const char *url, long requests, int connections)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fetch_limits limits = {
        .connect_timeout_ms = 5000,
        .total_timeout_ms = 30000,
        .low_speed_bytes = 0,
        .low_speed_time_s = 0,
        .max_body_bytes = 1 << 20,
        .max_connections = connections,
        .min_interval_ms = 0,
        .max_total_connections = connections,
        .user_agent = "netra-bench/1",
    };
    struct engine_bench bench = {NULL, url, requests, 0, 0, 0};
    char err[256];
    if (fetch_open(&loop, &limits, &bench.fetch, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_fetch: fetch_open: %s\n", err);
        exit(1);
    }
    double cpu_start = cpu_ms();
    uint64_t start = uv_hrtime();
    /* Like the crawler: a few more submitted than may run, refilled as answers come. */
    while (bench.submitted < requests && bench.submitted < 2L * connections)
        engine_submit(&bench);
    while (bench.finished < requests)
        uv_run(&loop, UV_RUN_ONCE);
    struct run run = {(double)(uv_hrtime() - start) / 1e6, cpu_ms() - cpu_start, bench.errors};
    fetch_close(bench.fetch);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return run;
}

/* ---- the peer: a plain curl multi loop with curl_multi_poll ---- */

struct peer_transfer {
    CURL *easy;
    size_t received;
};

static size_t on_peer_body(char *data, size_t size, size_t count, void *user)
{
    (void)data;
    struct peer_transfer *transfer = user;
    transfer->received += size * count;
    return size * count;
}

static struct run run_peer(const char *url, long requests, int connections)
{
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)connections);
    struct peer_transfer *transfers = calloc((size_t)connections, sizeof(*transfers));
    double cpu_start = cpu_ms();
    uint64_t start = uv_hrtime();
    long started = 0, finished = 0, errors = 0;
    for (int i = 0; i < connections && started < requests; i++, started++) {
        CURL *easy = curl_easy_init();
        transfers[i].easy = easy;
        curl_easy_setopt(easy, CURLOPT_URL, url);
        curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfers[i]);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_peer_body);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfers[i]);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(easy, CURLOPT_USERAGENT, "netra-bench/1");
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 30000L);
        curl_multi_add_handle(multi, easy);
    }
    while (finished < requests) {
        int running;
        curl_multi_perform(multi, &running);
        CURLMsg *message;
        int left;
        while ((message = curl_multi_info_read(multi, &left)) != NULL) {
            if (message->msg != CURLMSG_DONE)
                continue;
            struct peer_transfer *transfer;
            curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&transfer);
            long status = 0;
            curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status);
            if (message->data.result != CURLE_OK || status != 200 ||
                transfer->received != BODY_BYTES)
                errors++;
            finished++;
            curl_multi_remove_handle(multi, transfer->easy);
            transfer->received = 0;
            if (started < requests) {
                curl_multi_add_handle(multi, transfer->easy);
                started++;
            }
        }
        if (finished < requests)
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    struct run run = {(double)(uv_hrtime() - start) / 1e6, cpu_ms() - cpu_start, errors};
    for (int i = 0; i < connections; i++) {
        if (transfers[i].easy != NULL)
            curl_easy_cleanup(transfers[i].easy);
    }
    curl_multi_cleanup(multi);
    free(transfers);
    return run;
}

/* The machine's load: on a shared machine the wall-clock figures mean little without it. */
static void print_load(const char *when)
{
    double load[3];
    if (getloadavg(load, 3) == 3)
        printf("load average %s: %.2f %.2f %.2f\n", when, load[0], load[1], load[2]);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof(*values), by_value);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

static void report(const char *name, struct run *runs, int rounds, long requests)
{
    double rate[MAX_ROUNDS], cpu[MAX_ROUNDS];
    long errors = 0;
    for (int i = 0; i < rounds; i++) {
        rate[i] = requests / (runs[i].wall_ms / 1e3);
        cpu[i] = runs[i].cpu_ms * 1e3 / requests;
        errors += runs[i].errors;
    }
    printf("%-22s %10.0f %14.1f %8ld\n", name, median(rate, rounds), median(cpu, rounds), errors);
}

int main(int argc, char **argv)
{
    long requests = argc > 1 ? atol(argv[1]) : 20000;
    int connections = argc > 2 ? atoi(argv[2]) : 8;
    int rounds = argc > 3 ? atoi(argv[3]) : 3;
    if (requests <= 0 || connections <= 0 || rounds <= 0 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: bench_fetch [requests] [connections] [rounds <= %d]\n",
                MAX_ROUNDS);
        return 2;
    }
    memset(body, 'x', BODY_BYTES);
    int port;
    pid_t server = start_server(&port);
    if (server < 0) {
        fprintf(stderr, "bench_fetch: cannot start the server: %s\n", strerror(errno));
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/small", port);

    printf("bench_fetch: %ld GETs of a %d-byte body per run, %d connections, %d rounds, "
           "libcurl %s, libuv %s\n",
           requests, BODY_BYTES, connections, rounds, curl_version_info(CURLVERSION_NOW)->version,
           uv_version_string());
    print_load("before");
    printf("\n%-6s %-22s %10s %10s %12s %8s\n", "round", "client", "wall ms", "req/s",
           "CPU us/req", "errors");
    struct run engine[MAX_ROUNDS], peer[MAX_ROUNDS];
    for (int i = 0; i < rounds; i++) {
        /* Alternate which goes first, so neither always gets the warm server. */
        if (i % 2 == 0) {
            engine[i] = run_engine(url, requests, connections);
            peer[i] = run_peer(url, requests, connections);
        } else {
            peer[i] = run_peer(url, requests, connections);
            engine[i] = run_engine(url, requests, connections);
        }
        struct run *pair[] = {&engine[i], &peer[i]};
        const char *names[] = {"netra fetch engine", "curl_multi_poll loop"};
        for (int j = 0; j < 2; j++)
            printf("%-6d %-22s %10.1f %10.0f %12.1f %8ld\n", i + 1, names[j], pair[j]->wall_ms,
                   requests / (pair[j]->wall_ms / 1e3), pair[j]->cpu_ms * 1e3 / requests,
                   pair[j]->errors);
    }
    printf("\nmedian of %d rounds      req/s     CPU us/req   errors\n", rounds);
    report("netra fetch engine", engine, rounds, requests);
    report("curl_multi_poll loop", peer, rounds, requests);
    print_load("after");

    curl_global_cleanup();
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    return 0;
}
