/* netra-crawler: one libuv loop drives the fetch engines and the async Redis connections of
 * every shard, with no blocking call on it.
 *
 * Every crawler.poll_interval_ms, while it has room (crawler.max_in_flight crawls at once), it
 * goes through the shards: rescan requests first, then due accounts claimed as leases,
 * crawler.claim_batch at a time (a full batch is followed at once by another round). Each
 * account is crawled by crawl.c; a failing account backs off on its own. Every
 * process.heartbeat_interval_ms it writes proc:<name> with its counters: fetches by status
 * class, bytes, posts new / changed / duplicate, items skipped, errors by kind, rate limits,
 * gone accounts, accounts backing off, crawls in flight.
 *
 * SIGTERM or SIGINT: it stops claiming and lets the crawls in flight run for up to
 * crawler.shutdown_grace_ms (a second signal cuts that short), then stops the rest, saves their
 * accounts' state, hands their leases back (due at once), closes and returns 0. */
#ifndef NETRA_CRAWLER_CRAWLER_H
#define NETRA_CRAWLER_CRAWLER_H

#include <stddef.h>

#include "config/config.h"

/* The default name: "crawler@<host>:<pid>". */
void crawler_default_name(char *out, size_t out_len);

/* Runs until a signal ends it: 0 after a clean shutdown, -1 with err when it cannot start.
 * name: 1..128 bytes without '/'. */
int crawler_run(const struct netra_config *config, const char *name, char *err, size_t err_len);

#endif
