/* netra-sim: simulated platforms on loopback for netra's demo, tests and benchmarks. */
#include <stdio.h>

#include "config/log.h"
#include "sim/cli.h"

int main(int argc, char **argv)
{
    log_set_process("netra-sim");
    struct sim_cli cli;
    char err[NETRA_ERR_LEN];
    if (sim_cli_parse(argc, argv, &cli, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra-sim: %s\n%s", err, sim_cli_usage);
        return 2;
    }
    if (cli.help) {
        fputs(sim_cli_usage, stdout);
        return 0;
    }
    return sim_cli_run(&cli);
}
