/* The `netra` command's subcommands. Each takes the arguments after its own name (argv[0] is the
 * subcommand's name), prints its own --help, and returns the process exit code: 0 success,
 * 1 the work failed or found problems, 2 bad usage. */
#ifndef NETRA_CLI_COMMANDS_H
#define NETRA_CLI_COMMANDS_H

int cmd_watchlist(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_rescan(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_desk_hash(int argc, char **argv);
int cmd_purge(int argc, char **argv);

#endif
