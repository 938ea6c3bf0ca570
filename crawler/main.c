/* netra-crawler [--config FILE] [--name NAME]: fetches the watched accounts until SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/log.h"
#include "crawler/crawler.h"

static const char usage_text[] =
    "usage: netra-crawler [--config FILE] [--name NAME]\n\n"
    "Claims due accounts from the schedule and rescan requests, fetches them from their\n"
    "platforms and queues every new post version, until SIGTERM or SIGINT. The config comes\n"
    "from --config, else $NETRA_CONFIG, else the built-in defaults; NAME (default\n"
    "crawler@<host>:<pid>) names its heartbeat and its leases.\n";

int main(int argc, char **argv)
{
    const char *path = NULL, *name = NULL;
    char default_name[160], err[NETRA_ERR_LEN];
    log_set_process("netra-crawler");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
            name = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else {
            fprintf(stderr, "netra-crawler: unexpected argument \"%s\"\n\n%s", argv[i],
                    usage_text);
            return 2;
        }
    }
    struct netra_config *config = NULL;
    if (config_load(path, &config, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra-crawler: %s\n", err);
        return 1;
    }
    log_set_level(config->process.log_level);
    /* A peer that closes early must fail one write, not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    if (name == NULL) {
        crawler_default_name(default_name, sizeof(default_name));
        name = default_name;
    }
    int rc = crawler_run(config, name, err, sizeof(err));
    if (rc != 0)
        log_error("%s", err);
    config_free(config);
    return rc == 0 ? 0 : 1;
}
