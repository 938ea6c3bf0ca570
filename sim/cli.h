/* netra-sim's command line:
 *   netra-sim [--listen 127.0.0.1:0] [--port-file FILE] [--seed N] [--accounts N]
 *             [--start UNIX_S] [--speed X] [--posts-per-day X] [--history-days X]
 *             [--faults SPEC] [--watchlist-out FILE] [--config-out FILE] [--rules-out FILE]
 *             [--token TOKEN]
 *             [--rate-limit N] [--rate-window S] [--feed-items N]
 * sim_cli_parse() fills the options (strings point into argv); sim_cli_run() serves until
 * SIGINT or SIGTERM and returns the exit status. */
#ifndef NETRA_SIM_CLI_H
#define NETRA_SIM_CLI_H

#include <stddef.h>

#include "sim/sim.h"

struct sim_cli {
    struct sim_options options;
    const char *port_file;
    const char *watchlist_out;
    const char *config_out;
    const char *rules_out;
    int help;
};

extern const char sim_cli_usage[];

int sim_cli_parse(int argc, char **argv, struct sim_cli *cli, char *err, size_t err_len);
int sim_cli_run(const struct sim_cli *cli);

#endif
