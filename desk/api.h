/* The review API (docs/api.md): the queue, case detail, decisions, accounts, stats and the audit
 * log, as desk handlers, plus the case reading they share.
 *
 * Cases are read in batches (one script call per API_BATCH cases returns the summary fields of
 * each), from the review queues (open cases) or from a capped SCAN of a shard's case hashes.
 * A struct case_rows owns its rows: case_rows_free(). */
#ifndef NETRA_DESK_API_H
#define NETRA_DESK_API_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "desk/desk.h"
#include "queue/cases.h"

/* Most case or result keys one shard's scan looks at, and cases read per script call. */
#define API_SCAN_MAX 50000
#define API_SCAN_MAX_TEXT "50000"
#define API_BATCH 500

desk_handler_fn api_cases_list;     /* GET /api/cases */
desk_handler_fn api_case_get;       /* GET /api/cases/<cid> */
desk_handler_fn api_case_decide;    /* POST /api/cases/<cid>/decision */
desk_handler_fn api_account_get;    /* GET /api/accounts/<id> */
desk_handler_fn api_account_rescan; /* POST /api/accounts/<id>/rescan */
desk_handler_fn api_stats;          /* GET /api/stats */
desk_handler_fn api_audit;          /* GET /api/audit */

/* The summary of one case, as the queue lists it. Strings are "" when the case lacks them. */
struct case_row {
    char id[CASE_ID_LEN + 1];
    int shard;
    char *status, *account, *platform, *author, *url, *created_at, *region, *categories,
        *verdict, *decisions;
    long long partisan_milli; /* partisan in thousandths, the queue's sort key */
    double political;
    long long created_ms, confirmed_at_ms;
    long long deleted_at_ms; /* the post deleted on its platform after the flag; 0: not */
};

struct case_rows {
    struct case_row *items;
    size_t count;
    int truncated; /* a scan stopped at API_SCAN_MAX */
};

void case_rows_free(struct case_rows *rows);

enum case_source {
    CASES_OPEN,      /* the review queue of the shard */
    CASES_SCAN_ALL,  /* every case hash of the shard, up to API_SCAN_MAX */
};

/* Appends the cases of one shard to rows (those of account only, when account is not NULL). */
int case_rows_read(struct redis_sync *redis, const struct netra_config *config, int shard,
                   enum case_source source, const char *account, struct case_rows *rows,
                   char *err, size_t err_len);

/* The queue's JSON object of a row: its post text and account identity are read here. */
cJSON *case_row_json(struct redis_sync *redis, const struct netra_config *config,
                     const struct case_row *row, char *err, size_t err_len);

/* Every key matching pattern (SCAN), at most max (then *truncated = 1); *keys is the caller's:
 * api_keys_free(). */
int api_scan_keys(struct redis_sync *redis, const char *pattern, size_t max, char ***keys,
                  size_t *count, int *truncated, char *err, size_t err_len);
void api_keys_free(char **keys, size_t count);

/* HMGET of the same fields on count keys of one shard in one call: *reply is an array of count
 * arrays of field_count values (nil when absent); the caller frees it. count <= API_BATCH. */
int api_hmget_many(struct redis_sync *redis, char *const *keys, size_t count,
                   const char *const *fields, size_t field_count, redisReply **reply,
                   char *err, size_t err_len);

/* Splits "a,b" into a JSON array of strings (an empty string gives []). */
cJSON *api_split_list(const char *list);

#endif
