/* netra: the operator's command line. Dispatches to one cmd_* function per subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "config/log.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"watchlist", cmd_watchlist, "import, list and remove watched accounts"},
    {"status", cmd_status, "accounts, schedule, streams, dead letters and live processes"},
    {"score", cmd_score, "score post messages (JSONL) with the rulesets, no Redis needed"},
    {"eval", cmd_eval, "precision, recall and F1 of the rulesets on labelled posts"},
    {"parse", cmd_parse, "post messages a saved platform response yields, no network or Redis"},
    {"rescan", cmd_rescan, "fetch one account again back to a date, and follow it"},
    {"evidence", cmd_evidence, "verify the evidence chains, export a case's evidence bundle"},
    {"audit", cmd_audit, "the audit trail: decisions, logins, exports, rescans, watchlist"},
    {"desk-hash", cmd_desk_hash, "hash a netra-desk password or token (read from stdin)"},
    {"purge", cmd_purge, "forget expired data, or everything about one unconfirmed account"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: netra [--config FILE] COMMAND [ARGS]\n\n"
                 "Watches the public posts of registered civil servants for breaches of political\n"
                 "neutrality and puts suspects in front of human reviewers.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`netra COMMAND --help` describes one command. The config file comes from\n"
                 "--config, else $NETRA_CONFIG, else the built-in defaults.\n");
}

int main(int argc, char **argv)
{
    log_set_process("netra");
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--config") == 0) {
        /* Commands load their config through config_load(NULL, ...), which reads NETRA_CONFIG. */
        if (setenv("NETRA_CONFIG", argv[2], 1) != 0) {
            fprintf(stderr, "netra: cannot set NETRA_CONFIG\n");
            return 1;
        }
        first = 3;
    }
    if (argc <= first) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[first];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - first, argv + first);
    fprintf(stderr, "netra: unknown command \"%s\"\n\n", name);
    usage(stderr);
    return 2;
}
