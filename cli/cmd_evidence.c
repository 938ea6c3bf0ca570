/* netra evidence: verify the evidence chains, export one case's evidence bundle. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "config/config.h"
#include "config/log.h"
#include "queue/shards.h"
#include "worker/evidence.h"

static const char usage_text[] =
    "usage: netra evidence verify [--shard N]\n"
    "       netra evidence export CASE [-o FILE]\n\n"
    "verify  walks the evidence chain of every shard (or of shard N) from its first link and\n"
    "        recomputes each link from its case's stored evidence (each version of an edited\n"
    "        post is its own link). Prints \"N links verified\" and each chain's head hash\n"
    "        (keep it outside Redis: it pins the chain), exit 0;\n"
    "        or the first broken link of a chain with its position and why, exit 1.\n"
    "export  writes the evidence bundle of case CASE as JSON to FILE (default: stdout): the\n"
    "        post message, the raw platform bytes in base64, every hash and the chain links\n"
    "        around it, the same for every later version of the post, with the steps that\n"
    "        verify it with sha256sum, base64 and jq alone.\n";

static int verify(struct shards *shards, const struct netra_config *config, int only_shard)
{
    char err[NETRA_ERR_LEN];
    long long total = 0;
    int broken = 0;
    for (int shard = 0; shard < shards_count(shards); shard++) {
        struct evidence_report report;
        if (only_shard >= 0 && shard != only_shard)
            continue;
        if (evidence_verify(shards_get(shards, shard), config, shard, &report, err,
                            sizeof(err)) != 0) {
            fprintf(stderr, "netra evidence verify: shard %d: %s\n", shard, err);
            return 1;
        }
        if (report.broken) {
            broken = 1;
            printf("shard %d: link %lld is broken", shard, report.position);
            if (report.stream_id[0] != '\0')
                printf(" (entry %s", report.stream_id);
            if (report.case_id[0] != '\0')
                printf(", case %s", report.case_id);
            printf("%s: %s; %lld links before it verified\n",
                   report.stream_id[0] != '\0' ? ")" : "", report.why, report.links);
            continue;
        }
        total += report.links;
        printf("shard %d: %lld links verified", shard, report.links);
        if (report.purged > 0)
            printf(" (%lld of purged cases)", report.purged);
        printf(", head %s\n", report.head.chain);
    }
    if (broken)
        return 1;
    printf("%lld links verified\n", total);
    return 0;
}

static int export(struct shards *shards, const struct netra_config *config, const char *case_id,
                  const char *path)
{
    char err[NETRA_ERR_LEN], *json = NULL;
    int found = 0, rc = 1;
    FILE *out = NULL;
    if (evidence_export(shards, config, case_id, &json, &found, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra evidence export: %s\n", err);
        goto cleanup;
    }
    if (!found) {
        fprintf(stderr, "netra evidence export: no case %s\n", case_id);
        goto cleanup;
    }
    out = path != NULL ? fopen(path, "w") : stdout;
    if (out == NULL) {
        fprintf(stderr, "netra evidence export: %s: %s\n", path, strerror(errno));
        goto cleanup;
    }
    if (fprintf(out, "%s\n", json) < 0 || fflush(out) != 0) {
        fprintf(stderr, "netra evidence export: %s: write failed\n", path ? path : "stdout");
        goto cleanup;
    }
    rc = 0;

cleanup:
    if (out != NULL && out != stdout && fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "netra evidence export: %s: write failed\n", path);
        rc = 1;
    }
    free(json);
    return rc;
}

int cmd_evidence(int argc, char **argv)
{
    const char *action = NULL, *case_id = NULL, *path = NULL;
    int only_shard = -1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (action == NULL && (strcmp(arg, "verify") == 0 || strcmp(arg, "export") == 0)) {
            action = arg;
        } else if (action != NULL && strcmp(action, "verify") == 0 &&
                   strcmp(arg, "--shard") == 0 && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*argv[i] == '\0' || *end != '\0' || n < 0 || n > 1023) {
                fprintf(stderr, "netra evidence verify: --shard: not a shard number: %s\n",
                        argv[i]);
                return 2;
            }
            only_shard = (int)n;
        } else if (action != NULL && strcmp(action, "export") == 0 && strcmp(arg, "-o") == 0 &&
                   i + 1 < argc) {
            path = argv[++i];
        } else if (action != NULL && strcmp(action, "export") == 0 && case_id == NULL &&
                   arg[0] != '-') {
            case_id = arg;
        } else {
            fprintf(stderr, "netra evidence: unexpected argument \"%s\"\n\n%s", arg, usage_text);
            return 2;
        }
    }
    if (action == NULL || (strcmp(action, "export") == 0 && case_id == NULL)) {
        fputs(usage_text, stderr);
        return 2;
    }

    char err[NETRA_ERR_LEN];
    struct netra_config *config = NULL;
    struct shards *shards = NULL;
    int rc = 1;
    if (config_load(NULL, &config, err, sizeof(err)) != 0 ||
        shards_open(config, &shards, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra evidence: %s\n", err);
        goto cleanup;
    }
    if (only_shard >= shards_count(shards)) {
        fprintf(stderr, "netra evidence verify: --shard %d: there are %d shards\n", only_shard,
                shards_count(shards));
        rc = 2;
        goto cleanup;
    }
    rc = strcmp(action, "verify") == 0 ? verify(shards, config, only_shard)
                                       : export(shards, config, case_id, path);

cleanup:
    shards_close(shards);
    config_free(config);
    return rc;
}
