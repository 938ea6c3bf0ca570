/* Helpers for netra's end-to-end and fault tests: the whole pipeline as real processes on
 * loopback (netra-sim, netra-crawler, netra-worker, and netra-desk where a test needs it)
 * against one Redis under one key prefix, and the checks that say nothing was lost or doubled.
 *
 * Built on the crawler's harness (tests/crawler/crawler_test.h): a struct test_crawl is the
 * run's config, key prefix and Redis. Every helper fails the running test on error. The worker
 * binary comes from NETRA_WORKER_BIN, set by CTest. */
#ifndef NETRA_TESTS_E2E_E2E_TEST_H
#define NETRA_TESTS_E2E_E2E_TEST_H

#include <sys/types.h>

#include "tests/crawler/crawler_test.h"

/* test_crawl_setup with what a worker needs too (the shipped rulesets, short reads and
 * reclaims, quick Redis reconnects), on redis_url (NULL: the suite's) and under key_prefix
 * (NULL: a fresh one), `extra` merged over it. */
void e2e_setup(struct test_crawl *crawl, struct test_sim *sim, const char *name,
               const char *redis_url, const char *key_prefix, const char *extra);

/* Starts netra-worker --name name on the run's config; its log goes to <sim dir>/<name>.log. */
pid_t e2e_worker_start(struct test_crawl *crawl, const char *name);

/* Messages the consumer holds in shard 0's group "scorers" unacknowledged. */
long long e2e_pending_of(struct test_crawl *crawl, const char *consumer);

/* A field of result:<post id> ("" when absent), shard 0. */
char *e2e_result_field(struct test_crawl *crawl, const char *post_id, const char *field);

/* Waits up to deadline_ms until every post the sim shows (not deleted) has a result and the
 * stream has nothing pending, then checks that nothing was doubled: one case per (account,
 * post), one evidence link per case, every suspect result held by its case, no dead letter,
 * and `netra evidence verify` accepts the chain. Returns the number of posts checked. */
size_t e2e_check_all_scored_once(struct test_crawl *crawl, int deadline_ms);

/* Prints the end of each named process's log (NULL-terminated names), for a failing test. */
void e2e_report(struct test_crawl *crawl, ...);

#endif
