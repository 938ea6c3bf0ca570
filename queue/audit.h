/* The audit trail: every decision, login, failed login, export, rescan request and watchlist
 * change, appended to a shard's audit stream and never trimmed.
 *
 * An entry's fields: at (server milliseconds), who, role, action ("login", "login_failed",
 * "logout", "decision.confirm", "export.csv", "rescan.request", "watchlist.add", ...), subject
 * (case id, account id or ""), from (remote address), details (JSON, "{}" when none). Acts tied
 * to an account go to its shard (the decide script writes its entry itself, beside the case);
 * the others to shard 0. Readers merge every shard.
 *
 * Records read back own their strings: audit_records_free(). */
#ifndef NETRA_QUEUE_AUDIT_H
#define NETRA_QUEUE_AUDIT_H

#include <stddef.h>

#include "config/config.h"
#include "queue/redis_sync.h"
#include "queue/shards.h"

/* Longest details JSON appended; a longer one is refused. */
#define AUDIT_MAX_DETAILS 65536

/* What to append. NULL strings are written as "" (details as "{}"). */
struct audit_entry {
    const char *who;
    const char *role;
    const char *action; /* required */
    const char *subject;
    const char *from;
    const char *details; /* JSON object text */
};

int audit_append(struct redis_sync *redis, const struct netra_config *config, int shard,
                 const struct audit_entry *entry, char *err, size_t err_len);

struct audit_record {
    char *id; /* the stream entry id */
    int shard;
    long long at;
    char *who, *role, *action, *subject, *from, *details;
};

enum audit_order { AUDIT_OLDEST_FIRST, AUDIT_NEWEST_FIRST };

/* Entries of every shard with at >= since_ms, merged by time: the oldest `limit` ones
 * (AUDIT_OLDEST_FIRST) or the newest `limit` ones, newest first. limit 1..100000. */
int audit_read(const struct shards *shards, const struct netra_config *config, long long since_ms,
               size_t limit, enum audit_order order, struct audit_record **out, size_t *count,
               char *err, size_t err_len);
void audit_records_free(struct audit_record *records, size_t count);

#endif
