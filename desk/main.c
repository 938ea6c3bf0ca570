/* netra-desk: the reviewers' console, JSON API, alert feeds and metrics. SIGTERM or SIGINT
 * stops it cleanly: requests in flight finish, connections close, exit 0. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/log.h"
#include "desk/server.h"
#include "desk/webhook.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: netra-desk [--config FILE]\n\n"
                 "Serves the reviewers' console, the JSON API, the Bawaslu alert feeds and\n"
                 "/metrics on desk.listen. See docs/desk.md.\n");
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    struct netra_config *config = NULL;
    struct desk *desk = NULL;
    struct webhook_pusher *pusher = NULL;
    char err[NETRA_ERR_LEN];
    int rc = 1;
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    log_set_process("netra-desk");
    for (int opt; (opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1;) {
        if (opt == 'c') {
            config_path = optarg;
        } else if (opt == 'h') {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (config_load(config_path, &config, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra-desk: %s\n", err);
        return 1;
    }
    log_set_level(config->process.log_level);

    /* Signals are taken by sigwait below, so every thread the server starts must block them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (desk_start(config, &desk, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto cleanup;
    }
    if (webhook_pusher_start(config, &pusher, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto cleanup;
    }
    log_info("listening on %s with %d threads, %zu users", config->desk.listen,
             config->desk.threads, config->desk.user_count);
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    log_info("%s: stopping", strsignal(signal_number));
    rc = 0;
cleanup:
    webhook_pusher_stop(pusher);
    desk_stop(desk);
    config_free(config);
    return rc;
}
