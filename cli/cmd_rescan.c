/* netra rescan: ask the crawlers to fetch one account again back to a date, and follow it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "config/config.h"
#include "config/log.h"
#include "crawler/adapters/post_build.h"
#include "queue/accounts.h"
#include "queue/keys.h"
#include "queue/redis_sync.h"
#include "queue/rescan.h"

#define WAIT_POLL_US 500000

static void usage(FILE *out)
{
    fprintf(out,
            "usage: netra rescan ID [--since DATE] [--wait [--scoring-wait SECONDS]]\n\n"
            "Asks a crawler to fetch account ID again, paging back to DATE whatever its cursor\n"
            "says (\"this account was reported to us\"). DATE is YYYY-MM-DD (UTC midnight) or an\n"
            "RFC 3339 time; the default is retention.unflagged_days ago. Rescans go before due\n"
            "accounts; the posts are queued as usual, each marked with the request's id, which\n"
            "is printed.\n\n"
            "  --wait   follow it: a progress line (pages, posts new and seen, errors, then the\n"
            "           workers' scored and suspects) while it runs, then its totals; exit 0\n"
            "           when it is done, 1 when it failed\n"
            "  --scoring-wait SECONDS\n"
            "           after the crawl, how long to wait for the workers to score what it\n"
            "           queued (default 60; the totals then say how many are scored so far)\n");
}

/* "2024-01-05" or an RFC 3339 time -> Unix seconds. */
static int parse_since(const char *text, long long *since_s, char *err, size_t err_len)
{
    char full[64], rfc3339[32];
    if (strlen(text) == 10 && text[4] == '-' && text[7] == '-')
        snprintf(full, sizeof(full), "%sT00:00:00Z", text);
    else
        snprintf(full, sizeof(full), "%.40s", text);
    if (post_build_time(full, rfc3339, since_s, err, err_len) != 0)
        return error_set(err, err_len, "--since \"%.40s\": expected YYYY-MM-DD or an RFC 3339 time",
                         text);
    if (*since_s <= 0)
        return error_set(err, err_len, "--since \"%.40s\": must be after 1970", text);
    if (*since_s > (long long)time(NULL))
        return error_set(err, err_len, "--since \"%.40s\": is in the future", text);
    return 0;
}

static void format_time(long long unix_s, char out[32])
{
    time_t t = (time_t)unix_s;
    struct tm utc;
    gmtime_r(&t, &utc);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &utc);
}

static void show_line(int tty, const char *line, char last[256])
{
    if (strcmp(line, last) == 0)
        return;
    if (tty)
        printf("\r\033[K%s", line);
    else
        printf("%s\n", line);
    fflush(stdout);
    snprintf(last, 256, "%s", line);
}

/* Follows the progress until the crawl ends and the workers have scored what it queued (or
 * scoring_wait_s passed: with no worker running, scoring waits for one): 0 done, 1 failed or
 * lost. */
static int wait_for(struct redis_sync *redis, const struct netra_config *config,
                    const char *account, const char *rid, long long scoring_wait_s)
{
    int tty = isatty(STDOUT_FILENO);
    char err[NETRA_ERR_LEN], line[256] = "", last[256] = "";
    long long crawl_ended_polls = -1;
    for (;;) {
        struct rescan_progress progress;
        int found;
        if (rescan_progress_get(redis, config, account, rid, &progress, &found, err,
                                sizeof(err)) != 0) {
            fprintf(stderr, "%snetra rescan: %s\n", tty && last[0] ? "\n" : "", err);
            return 1;
        }
        if (!found) {
            fprintf(stderr, "%snetra rescan: the progress of %s is gone (expired?)\n",
                    tty && last[0] ? "\n" : "", rid);
            return 1;
        }
        const char *status = progress.status != NULL ? progress.status : "?";
        int failed = strcmp(status, "failed") == 0;
        int crawled = strcmp(status, "done") == 0;
        if (crawled && crawl_ended_polls < 0)
            crawl_ended_polls = 0;
        int scored = progress.scored >= progress.counts.posts_new;
        int waited_out = crawl_ended_polls * WAIT_POLL_US >= scoring_wait_s * 1000000;
        if (strcmp(status, "queued") == 0)
            snprintf(line, sizeof(line), "rescan %s: waiting for a crawler", rid);
        else
            snprintf(line, sizeof(line),
                     "rescan %s: %s, pages %lld, posts new %lld, seen %lld, errors %lld, "
                     "scored %lld, suspects %lld",
                     rid, crawled && !scored ? "scoring" : status, progress.counts.pages,
                     progress.counts.posts_new, progress.counts.posts_seen,
                     progress.counts.errors, progress.scored, progress.suspects);
        show_line(tty, line, last);
        if (failed || (crawled && (scored || waited_out))) {
            if (tty)
                printf("\n");
            if (failed)
                printf("rescan %s failed: %s\n", rid,
                       progress.error != NULL && progress.error[0] ? progress.error : "?");
            else
                printf("rescan %s done: %lld pages, %lld posts read, %lld new, %lld errors; "
                       "%lld scored, %lld suspects%s\n",
                       rid, progress.counts.pages, progress.counts.posts_seen,
                       progress.counts.posts_new, progress.counts.errors, progress.scored,
                       progress.suspects,
                       scored ? "" : " so far (the rest are scored when a worker takes them)");
            rescan_progress_free(&progress);
            return failed;
        }
        if (crawl_ended_polls >= 0)
            crawl_ended_polls++;
        rescan_progress_free(&progress);
        usleep(WAIT_POLL_US);
    }
}

int cmd_rescan(int argc, char **argv)
{
    const char *account_id = NULL, *since_text = NULL;
    int wait = 0;
    long long scoring_wait_s = 60;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(arg, "--since") == 0 && i + 1 < argc) {
            since_text = argv[++i];
        } else if (strcmp(arg, "--wait") == 0) {
            wait = 1;
        } else if (strcmp(arg, "--scoring-wait") == 0 && i + 1 < argc) {
            char *end;
            scoring_wait_s = strtoll(argv[++i], &end, 10);
            if (*end != '\0' || end == argv[i] || scoring_wait_s < 0 || scoring_wait_s > 86400) {
                fprintf(stderr, "netra rescan: --scoring-wait: expected 0..86400 seconds, got "
                                "\"%s\"\n",
                        argv[i]);
                return 2;
            }
        } else if (arg[0] != '-' && account_id == NULL) {
            account_id = arg;
        } else {
            fprintf(stderr, "netra rescan: unexpected argument \"%s\"\n\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (account_id == NULL) {
        usage(stderr);
        return 2;
    }

    struct netra_config *config = NULL;
    struct redis_sync *redis = NULL;
    struct account *account = NULL;
    char err[NETRA_ERR_LEN], rid[RESCAN_ID_MAX + 1], since_shown[32];
    long long since_s = 0;
    int rc = 1;
    if (config_load(NULL, &config, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra rescan: %s\n", err);
        goto done;
    }
    if (since_text != NULL && parse_since(since_text, &since_s, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra rescan: %s\n", err);
        rc = 2;
        goto done;
    }
    /* Older posts would expire as soon as they are queued. */
    if (since_text == NULL)
        since_s = (long long)time(NULL) - (long long)config->retention.unflagged_days * 86400;
    int shard = keys_shard(account_id, config->redis.shards);
    if (redis_sync_open(config, config_shard_url(config, shard), &redis, err, sizeof(err)) != 0 ||
        accounts_get(redis, config, account_id, &account, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra rescan: %s\n", err);
        goto done;
    }
    if (account == NULL) {
        fprintf(stderr, "netra rescan: no account \"%s\" on the watchlist\n", account_id);
        goto done;
    }
    if (rescan_new_id(rid, err, sizeof(err)) != 0 ||
        rescan_queue(redis, config, rid, account_id, since_s, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra rescan: %s\n", err);
        goto done;
    }
    format_time(since_s, since_shown);
    printf("rescan %s queued: %s (%s %s) back to %s\n", rid, account_id, account->platform,
           account->handle, since_shown);
    fflush(stdout);
    rc = wait ? wait_for(redis, config, account_id, rid, scoring_wait_s) : 0;

done:
    account_free(account);
    redis_sync_close(redis);
    config_free(config);
    return rc;
}
