/* netra purge: what outlived its lifetime (--expired), or everything about one account that no
 * confirmed case holds (--account). queue/retention.h says what each removes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "config/config.h"
#include "config/log.h"
#include "queue/retention.h"
#include "queue/shards.h"

static const char usage_text[] =
    "usage: netra purge --expired [--by NAME]\n"
    "       netra purge --account ID [--dry-run] [--remove-account] [--by NAME]\n\n"
    "--expired  on every shard, removes what outlived its lifetime in the config's retention\n"
    "           section: posts stream entries and dead letters older than unflagged_days,\n"
    "           dismissed cases older than dismissed_days, confirmed cases and alerts older than\n"
    "           confirmed_days (0: never), audit entries older than audit_days (0: never).\n"
    "           A purged case keeps only its evidence hashes, so the chain still verifies.\n"
    "           Run daily (deploy/systemd/netra-purge.timer).\n"
    "--account  removes everything about account ID that no confirmed case holds: its results,\n"
    "           dedup keys and cases (kept as hash-only tombstones), its followed set and its\n"
    "           schedule entries, so it is no longer crawled. Confirmed cases stay intact.\n"
    "           --remove-account also deletes the account itself (as `netra watchlist remove`);\n"
    "           --dry-run counts what would go and changes nothing.\n"
    "Audited with its counts and --by (default: $USER): purge.expired when it removed\n"
    "something, purge.account every time but a dry run.\n";

static int purge_expired(struct shards *shards, const struct netra_config *config,
                         const char *who)
{
    char err[NETRA_ERR_LEN];
    for (int shard = 0; shard < shards_count(shards); shard++) {
        struct retention_expired done;
        if (retention_purge_expired(shards_get(shards, shard), config, shard, who, &done, err,
                                    sizeof(err)) != 0) {
            fprintf(stderr, "netra purge: shard %d: %s\n", shard, err);
            return 1;
        }
        printf("shard %d: posts %lld, dead letters %lld, dismissed cases %lld, confirmed cases "
               "%lld, alerts %lld, audit entries %lld purged\n",
               shard, done.posts, done.dead_letters, done.dismissed_cases, done.confirmed_cases,
               done.alerts, done.audit);
    }
    return 0;
}

static int purge_account(struct shards *shards, const struct netra_config *config,
                         const struct retention_account_request *request)
{
    char err[NETRA_ERR_LEN];
    struct retention_account_counts done;
    if (retention_purge_account(shards, config, request, &done, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra purge: account %s: %s\n", request->account, err);
        return 1;
    }
    printf("account %s: %sresults %lld, dedup keys %lld, cases %lld, followed accounts %lld, "
           "schedule entries %lld, account %s; confirmed cases kept %lld\n",
           request->account, request->dry_run ? "would purge " : "purged ", done.results,
           done.seen, done.cases, done.follows, done.schedules,
           done.account_removed ? "removed" : "kept", done.confirmed_kept);
    return 0;
}

int cmd_purge(int argc, char **argv)
{
    struct retention_account_request request = {0};
    int expired = 0;
    const char *who = getenv("USER");
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(arg, "--expired") == 0) {
            expired = 1;
        } else if (strcmp(arg, "--account") == 0 && i + 1 < argc && argv[i + 1][0] != '\0') {
            request.account = argv[++i];
        } else if (strcmp(arg, "--by") == 0 && i + 1 < argc && argv[i + 1][0] != '\0') {
            who = argv[++i];
        } else if (strcmp(arg, "--dry-run") == 0) {
            request.dry_run = 1;
        } else if (strcmp(arg, "--remove-account") == 0) {
            request.remove_account = 1;
        } else {
            fprintf(stderr, "netra purge: unexpected argument \"%s\"\n\n%s", arg, usage_text);
            return 2;
        }
    }
    if (expired == (request.account != NULL) ||
        (expired && (request.dry_run || request.remove_account))) {
        fputs(usage_text, stderr);
        return 2;
    }
    request.who = who != NULL && who[0] != '\0' ? who : "operator";

    char err[NETRA_ERR_LEN];
    struct netra_config *config = NULL;
    struct shards *shards = NULL;
    int rc = 1;
    if (config_load(NULL, &config, err, sizeof(err)) != 0 ||
        shards_open(config, &shards, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra purge: %s\n", err);
        goto cleanup;
    }
    rc = expired ? purge_expired(shards, config, request.who)
                 : purge_account(shards, config, &request);

cleanup:
    shards_close(shards);
    config_free(config);
    return rc;
}
