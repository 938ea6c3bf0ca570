/* netra-worker: scores the posts the crawlers queue and opens cases for suspects (worker.h).
 * SIGTERM/SIGINT: finish and acknowledge the batch in hand, exit 0. SIGHUP: reload rulesets. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "config/log.h"
#include "queue/redis_conn.h"
#include "worker/worker.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_stop(int signo)
{
    (void)signo;
    stop_requested = 1;
}

static void on_reload(int signo)
{
    (void)signo;
    reload_requested = 1;
}

static int install_signals(void)
{
    struct sigaction stop = {0}, reload = {0}, ignore = {0};
    stop.sa_handler = on_stop;
    reload.sa_handler = on_reload;
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&stop.sa_mask);
    sigemptyset(&reload.sa_mask);
    sigemptyset(&ignore.sa_mask);
    return sigaction(SIGTERM, &stop, NULL) == 0 && sigaction(SIGINT, &stop, NULL) == 0 &&
                   sigaction(SIGHUP, &reload, NULL) == 0 &&
                   sigaction(SIGPIPE, &ignore, NULL) == 0
               ? 0
               : -1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: netra-worker [--config FILE] [--name NAME]\n\n"
            "Reads the posts stream of every shard (consumer group \"scorers\"), scores each\n"
            "post with the rulesets of worker.rules_dir, writes its result and, for a suspect,\n"
            "opens a case with its evidence in the evidence chain.\n\n"
            "  --config FILE  the config (default: $NETRA_CONFIG, else built-in defaults)\n"
            "  --name NAME    consumer and heartbeat name (default: worker@HOST:PID)\n\n"
            "SIGHUP reloads the rulesets (refused ones leave the old in use); SIGTERM finishes\n"
            "the batch in hand and exits 0.\n");
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (!stop_requested && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL, *name = NULL;
    char default_name[160], host[64] = "localhost", err[NETRA_ERR_LEN];
    struct netra_config *config = NULL;
    struct worker *worker = NULL;
    int rc = 1;
    log_set_process("netra-worker");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
            name = argv[++i];
        } else {
            fprintf(stderr, "netra-worker: unexpected argument \"%s\"\n\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (config_load(config_path, &config, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra-worker: %s\n", err);
        return 1;
    }
    log_set_level(config->process.log_level);
    if (name == NULL) {
        gethostname(host, sizeof(host) - 1);
        host[sizeof(host) - 1] = '\0';
        snprintf(default_name, sizeof(default_name), "worker@%s:%ld", host, (long)getpid());
        name = default_name;
    }
    if (install_signals() != 0) {
        log_error("cannot install signal handlers");
        goto done;
    }
    if (worker_open(config, name, &worker, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto done;
    }
    /* Redis may come up after the worker (a whole installation booting): wait for it. */
    for (int attempt = 0; !stop_requested; attempt++) {
        if (worker_connect(worker, err, sizeof(err)) == 0) {
            worker_run(worker, &stop_requested, &reload_requested);
            break;
        }
        log_error("%s; trying again", err);
        sleep_ms(redis_backoff_ms(attempt < 20 ? attempt : 20, config->redis.reconnect_min_ms,
                                  config->redis.reconnect_max_ms));
    }
    rc = 0;

done:
    worker_close(worker);
    config_free(config);
    return rc;
}
