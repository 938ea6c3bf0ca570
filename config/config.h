/* netra's configuration: one struct for every process, loaded from a netra.jsonc file.
 *
 * Sources, later ones winning: the built-in default of every key; the file (JSON with // and
 * block comments); the environment (NETRA_REDIS_URL, and NETRA_<SECTION>_<KEY> for every key,
 * e.g. NETRA_CRAWLER_MAX_IN_FLIGHT, NETRA_PLATFORMS_X_TOKEN; a list is comma-separated). Sections
 * may nest one level (platforms.<name>.<key>). A string value "$ENV:NAME" is replaced by the
 * environment variable NAME, so secrets never sit in the file; a missing variable is an error.
 * Unknown keys, wrong types and out-of-range values are errors naming the key and the problem,
 * e.g. "crawler.max_in_flight: must be 1..100000, got -3". All of them are reported, one a line.
 *
 * A loaded config is read-only and owned by the caller: config_free() releases it. */
#ifndef NETRA_CONFIG_CONFIG_H
#define NETRA_CONFIG_CONFIG_H

#include <stddef.h>

#include "config/log.h"

/* Most entries a platform's allowed_hosts may list. */
#define CONFIG_MAX_ALLOWED_HOSTS 8
/* Most users and webhooks netra-desk may list. */
#define CONFIG_MAX_DESK_USERS 1000
#define CONFIG_MAX_DESK_WEBHOOKS 16

/* One platform's section, platforms.<name>: where its API is and how hard netra may use it. */
struct platform_config {
    char *base_url;          /* "" = the adapter's own default (Mastodon: the handle's instance) */
    char *token;             /* bearer token, "" = none; write it as "$ENV:NAME" */
    int page_size;           /* items asked for per page */
    int max_connections;     /* transfers at once per host (X: per host and token) */
    int min_interval_ms;     /* between the starts of two requests to one host (or token) */
    char **allowed_hosts;    /* hosts requests and redirects may reach; NULL = base_url's host */
    size_t allowed_host_count;
    /* Engagement crawls (mastodon, bluesky and x only; 0 elsewhere): the accounts a watched
     * account follows, and the posts it likes. */
    int follows;
    int likes;
    char *pds_url; /* bluesky only: the PDS for like records; "" = base_url. NULL elsewhere */
};

/* One netra-desk user, desk.users[i]. Secrets are hash strings
 * "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>" (`netra desk-hash` makes them). */
struct desk_user_config {
    char *name;     /* 1..64 bytes: letters, digits, . _ @ - */
    char *role;     /* "reviewer" | "supervisor" | "feed" */
    char *password; /* hash string, "" = no password login */
    char *token;    /* hash string of the bearer token, "" = no token */
};

/* One webhook receiver of confirmed findings, desk.webhooks[i]. */
struct desk_webhook_config {
    char *url;
    char *secret; /* the HMAC-SHA256 key; write it as "$ENV:NAME" */
};

struct netra_config {
    char *path; /* the file it was loaded from, or NULL for defaults only */

    struct {
        char *url;           /* redis://[user:pass@]host:port/db or unix:///path */
        char **shard_urls;   /* NULL, or one URL per shard (shard i lives on shard_urls[i]) */
        size_t shard_url_count;
        char *key_prefix;    /* "netra:" */
        int shards;          /* 1..1024 */
        int connect_timeout_ms;
        int command_timeout_ms;
        int reconnect_min_ms;
        int reconnect_max_ms;
    } redis;

    struct {
        long max_len;        /* approximate cap of each posts stream (XADD MAXLEN ~) */
        int batch;           /* messages read or acknowledged per round trip */
        int block_ms;        /* XREADGROUP BLOCK */
        int reclaim_idle_ms; /* a message idle this long in a dead consumer is reclaimed */
        int max_deliveries;  /* delivered this often without an ack -> posts:dead */
    } stream;

    struct {
        int lease_ms;           /* how long a claimed account is held before it comes back */
        int jitter_pct;         /* next due time spread by +/- this percentage of the interval */
        int default_interval_s; /* an account with no interval of its own */
        int min_interval_s;     /* no account is fetched more often than this */
    } schedule;

    struct {
        int max_in_flight;   /* accounts fetched at once by one crawler */
        int claim_batch;     /* accounts claimed per round trip */
        long max_body_bytes; /* a larger response (also after decompression) is aborted */
        char *user_agent;
        int connect_timeout_ms;
        int total_timeout_ms;  /* one request, redirects included */
        int low_speed_bytes;   /* a transfer slower than this many bytes/s ... */
        int low_speed_time_s;  /* ... for this long is aborted */
        int max_pages;         /* pages one crawl of one account may fetch */
        int rescan_max_pages;  /* pages one rescan may fetch */
        int backoff_min_s;     /* first wait after a failed crawl; doubles per failure ... */
        int backoff_max_s;     /* ... up to this */
        int poll_interval_ms;  /* how often an idle crawler looks for due work */
        int shutdown_grace_ms; /* on SIGTERM, how long crawls in flight may run on */
        /* Deleted posts (queue/deletions.h): how often a Mastodon, X or Bluesky crawl is a check
         * listing (0: never), how far back it lists, and how much a pending case's review
         * priority rises when its post is deleted (partisan thousandths). */
        int deletion_check_s;
        int deletion_window_s;
        int deleted_priority_boost;
    } crawler;

    /* The engagement schedule: follows and likes, apart from posts and slower. */
    struct {
        int enabled;    /* 0: no account enters the engage schedule, no engagement crawl runs */
        int interval_s; /* between two engagement crawls of one account */
        int max_pages;  /* pages one engagement crawl may fetch per listing */
    } engagement;

    struct {
        struct platform_config mastodon, bluesky, x, feed, jsonapi;
        /* jsonapi: the URL template ("{handle}", "{cursor}") and RFC 6901 pointers into the
         * body and its items; "" for url_field, author and next means none. */
        struct {
            char *url;
            char *items;
            char *id;
            char *text;
            char *created_at;
            char *url_field;
            char *author;
            char *next;
        } jsonapi_map;
    } platforms;

    struct {
        char *rules_dir;            /* folder of *.jsonc rulesets */
        double political_threshold; /* political >= this -> at least "political" */
        double suspect_threshold;   /* partisan >= this -> "suspect" */
    } worker;

    struct {
        int unflagged_days; /* posts and results that no case holds */
        /* Days (fractions allowed) a decided case is kept after its decision; 0: forever. */
        double dismissed_days;
        double confirmed_days; /* also the confirmed findings' alerts */
        double audit_days;     /* audit entries; 0: forever */
    } retention;

    struct {
        char *listen;          /* "host:port" (IPv6 as "[::1]:8480") */
        int threads;           /* libmicrohttpd's thread pool */
        long max_body_bytes;   /* a larger request body is answered 413 */
        int max_header_bytes;  /* request line and headers together; more is answered 431 */
        int session_ttl_s;
        int four_eyes;         /* 1: a confirmation needs two different reviewers */
        char *web_dir;         /* the console's files */
        char *public_url;      /* how feeds link back to netra-desk */
        char *language;        /* the console's default: "id" or "en" */
        struct desk_user_config *users;
        size_t user_count;
        struct desk_webhook_config *webhooks;
        size_t webhook_count;
        int webhook_max_attempts;
        int webhook_backoff_ms; /* first retry wait; doubles per attempt up to 5 minutes */
    } desk;

    struct {
        int heartbeat_interval_ms;
        int heartbeat_ttl_s;
        enum log_level log_level;
    } process;
};

/* Loads path, or, when path is NULL, the file named by NETRA_CONFIG, or only the defaults when
 * that is unset too. Returns 0 and *out, or -1 with every problem in err. */
int config_load(const char *path, struct netra_config **out, char *err, size_t err_len);

/* config_load on netra.jsonc text already in memory (len bytes, not necessarily NUL-terminated):
 * the defaults, then text, then the environment. source_name, when not NULL, starts every error
 * line about the text and becomes config->path. */
int config_parse(const char *text, size_t len, const char *source_name, struct netra_config **out,
                 char *err, size_t err_len);

/* The defaults alone, with no file and no environment (tests, `netra config defaults`). */
int config_load_defaults(struct netra_config **out, char *err, size_t err_len);

void config_free(struct netra_config *config);

/* The section of a platform by its watchlist name, or NULL for a name netra does not know. */
const struct platform_config *config_platform(const struct netra_config *config,
                                              const char *name);

/* 1 when accounts of platform get engagement crawls: engagement.enabled, and
 * platforms.<platform>.follows or .likes on (only mastodon, bluesky and x have them). */
int config_engagement_on(const struct netra_config *config, const char *platform);

/* The Redis URL of shard n: redis.shard_urls[n] when given, else redis.url. */
const char *config_shard_url(const struct netra_config *config, int shard);

#endif
