/* Helpers for the crawler's integration tests: a real netra-sim process on a free loopback port
 * (its command line and control endpoints are the contract), real netra-crawler processes, the
 * suite's Redis under a key prefix of the test's own, and a clock to poll conditions against.
 *
 * Every helper fails the running test on error instead of returning one. JSON documents and
 * strings returned are the caller's to free. The binaries come from NETRA_SIM_BIN,
 * NETRA_CRAWLER_BIN and NETRA_BIN, set by CTest. */
#ifndef NETRA_TESTS_CRAWLER_CRAWLER_TEST_H
#define NETRA_TESTS_CRAWLER_CRAWLER_TEST_H

#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "config/config.h"

/* X answers only this token; the crawler reads it from NETRA_X_TOKEN ("$ENV:" in the config). */
#define CRAWLER_TEST_X_TOKEN "netra-sim-token"

struct test_sim {
    pid_t pid;
    int port;
    char dir[256];        /* its files: port, watchlist, config fragment, logs */
    char base_url[64];    /* http://127.0.0.1:PORT */
    char watchlist[300];
    char fragment[300];   /* the platforms section it wrote */
};

/* Starts netra-sim with --seed, --accounts and any further arguments (NULL-terminated). */
void test_sim_start(struct test_sim *sim, int seed, int accounts, ...);
/* No simulator: only its folder, holding watchlist_csv and an empty platforms section. */
void test_sim_none(struct test_sim *sim, const char *watchlist_csv);
/* Stops the simulator (when one runs) and removes its folder. */
void test_sim_stop(struct test_sim *sim);

/* A control endpoint: method "GET", "POST" or "DELETE", body NULL or JSON; the answer must have
 * status `expect` (0: any 2xx). Returns the body as JSON (NULL when empty). */
cJSON *test_sim_call(const struct test_sim *sim, const char *method, const char *path,
                     const char *body, long expect);

/* Every post id the sim published (deleted ones too when with_deleted), for account or for
 * all accounts (NULL), as a sorted array of strings. */
struct test_ids {
    char **ids;
    size_t count;
};
void test_sim_post_ids(const struct test_sim *sim, const char *account, int with_deleted,
                       struct test_ids *out);
void test_ids_free(struct test_ids *ids);
int test_ids_contains(const struct test_ids *ids, const char *id);

/* One crawler test: its key prefix, its config file (the sim's platforms section plus short
 * intervals, engagement crawls off, and `extra`, a JSON object merged over them, or "") and a
 * connection to its Redis (the suite's, unless `extra` names another redis.url). */
struct test_crawl {
    struct test_sim *sim;
    char prefix[128];
    char config_path[320];
    struct netra_config *config; /* the same file, loaded */
    redisContext *redis;
};

void test_crawl_setup(struct test_crawl *crawl, struct test_sim *sim, const char *name,
                      const char *extra);
void test_crawl_teardown(struct test_crawl *crawl);

/* Imports the sim's watchlist without the accounts' intervals, so schedule.default_interval_s
 * applies to all. */
void test_crawl_import(struct test_crawl *crawl);

/* Starts netra-crawler --name name; its log goes to <sim dir>/<name>.log. */
pid_t test_crawler_start(struct test_crawl *crawl, const char *name);
/* Prints the crawler's heartbeat and the end of its log to stderr (for a failing test). */
void test_crawler_report(struct test_crawl *crawl, const char *name);
/* Sends signal and waits up to wait_ms for the exit; returns the exit code (-1: killed). */
int test_crawler_stop(pid_t pid, int signal, int wait_ms);
/* 1 while the process runs. */
int test_crawler_alive(pid_t pid);

/* Runs `netra` with args (NULL-terminated) against the test's config; the exit code, and
 * stdout (caller frees) in *out when out is not NULL. */
int test_netra(struct test_crawl *crawl, char **out, ...);

/* The post ids in the posts stream of a shard (test_stream_read: shard 0) in order, repeats
 * kept, and the rescan id of each entry ("" when none). */
struct test_stream {
    struct test_ids ids;
    char **rescans;
};
void test_stream_read(struct test_crawl *crawl, struct test_stream *out);
void test_stream_read_shard(struct test_crawl *crawl, int shard, struct test_stream *out);
void test_stream_free(struct test_stream *stream);
/* Entries in shard 0's posts stream. */
long long test_stream_length(struct test_crawl *crawl);

/* A field of acct:<id> ("" when unset), and as a number (on the account's shard, as the next
 * three). */
char *test_account_field(struct test_crawl *crawl, const char *account, const char *field);
long long test_account_number(struct test_crawl *crawl, const char *account, const char *field);
/* The account's score in the schedule (next due or lease end, Unix ms), -1 when absent. */
long long test_account_due(struct test_crawl *crawl, const char *account);
/* The holder's token of the account's lease, "" when none. */
char *test_account_lease(struct test_crawl *crawl, const char *account);
/* A counter of proc:<name>, -1 when absent. */
long long test_heartbeat_counter(struct test_crawl *crawl, const char *name,
                                 const char *counter);

/* Waits up to deadline_ms (heartbeats come every few hundred ms) for the counter to reach
 * value; returns whether it did. */
int test_heartbeat_reaches(struct test_crawl *crawl, const char *name, const char *counter,
                           long long value, int deadline_ms);

long long test_now_ms(void);
/* Polls cond every 50 ms until it holds or deadline_ms passes; returns whether it held. */
int test_wait_for(int (*cond)(void *), void *arg, int deadline_ms);

#endif
