/* netra.jsonc, the environment and the built-in defaults, turned into one checked netra_config.
 *
 * Every key is one row of config_keys: its dotted path, type, place in the struct, range and
 * default. Defaults, the file, the environment variable names, the checks and config_free() all
 * walk that table, so a new key is one field in config.h and one row here. A path has two parts
 * (section.key) or three (platforms.<name>.key): the file's objects nest the same way. */
#include "config/config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/redis_url.h"
#include "config/utf8.h"

/* A real config is a few kilobytes; a file near this size is a mistake or an attack. */
#define CONFIG_MAX_BYTES ((size_t)4 << 20)
#define CONFIG_MAX_SHARDS 1024
#define URL_MAX_LEN 2048
#define TOKEN_MAX_LEN 4096
#define POINTER_MAX_LEN 256
#define HOST_MAX_LEN 253
#define SECRET_PREFIX "$ENV:"
#define ENV_PREFIX "NETRA_"

/* Sizes of the pieces of an error line; hostile names are cut to fit by error_shown(). */
#define SHOWN_LEN 72
#define SOURCE_LEN 160
#define LABEL_LEN (SOURCE_LEN + 2 * SHOWN_LEN + 8)

enum config_type {
    CONFIG_INT,
    CONFIG_LONG,
    CONFIG_DOUBLE,
    CONFIG_STRING,
    CONFIG_STRING_LIST,
    CONFIG_LOG_LEVEL,
    CONFIG_BOOL,
    CONFIG_RECORD_LIST, /* a list of objects whose members are strings (desk.users) */
};

/* One string member of the objects of a CONFIG_RECORD_LIST key. */
struct config_member {
    const char *name;
    size_t offset; /* in the record */
    double min, max; /* length in bytes */
    int required;    /* else it defaults to "" */
    int (*check)(const char *value, char *problem, size_t problem_len);
};

struct config_key {
    /* "section.name" or "platforms.<p>.name"; NETRA_SECTION_NAME (dots as _) is its variable */
    const char *path;
    enum config_type type;
    size_t offset;
    size_t count_offset;   /* CONFIG_STRING_LIST: where its entry count lives */
    double min, max;       /* numbers: the value; strings and list entries: the length in bytes */
    double number_default; /* numbers and log levels */
    const char *text_default;                /* strings; a list starts empty */
    /* 0 when the text is fine, else -1 with what is wrong in problem */
    int (*check)(const char *value, char *problem, size_t problem_len);
    const char *description;
    size_t max_entries;     /* lists */
    const char *list_noun;  /* lists: "a list of <noun>" in errors */
    /* CONFIG_RECORD_LIST: the members of each object, the record's size, and a check of record
     * i against itself and the records before it (uniqueness) */
    const struct config_member *members;
    size_t member_count;
    size_t record_size;
    int (*check_record)(const void *records, size_t index, char *problem, size_t problem_len);
};

static int check_redis_url(const char *url, char *problem, size_t problem_len);
static int check_key_prefix(const char *prefix, char *problem, size_t problem_len);
static int check_base_url(const char *url, char *problem, size_t problem_len);
static int check_url_template(const char *url, char *problem, size_t problem_len);
static int check_host(const char *host, char *problem, size_t problem_len);
static int check_json_pointer(const char *pointer, char *problem, size_t problem_len);
static int check_listen(const char *listen, char *problem, size_t problem_len);
static int check_http_url(const char *url, char *problem, size_t problem_len);
static int check_language(const char *language, char *problem, size_t problem_len);
static int check_user_name(const char *name, char *problem, size_t problem_len);
static int check_role(const char *role, char *problem, size_t problem_len);
static int check_secret_hash(const char *hash, char *problem, size_t problem_len);
static int check_webhook_url(const char *url, char *problem, size_t problem_len);
static int check_user_record(const void *records, size_t index, char *problem,
                             size_t problem_len);
static int check_webhook_record(const void *records, size_t index, char *problem,
                                size_t problem_len);

/* offsetof that refuses to compile when the field is not of the row's C type. */
#define FIELD(field, ctype)                                                                        \
    (offsetof(struct netra_config, field) +                                                        \
     0 * sizeof(char[_Generic(((struct netra_config *)0)->field, ctype: 1)]))

#define INT_KEY(path, field, min, max, def, what)                                                  \
    {path, CONFIG_INT, FIELD(field, int), 0, min, max, def, NULL, NULL, what, 0, NULL, NULL, 0, 0, \
     NULL}
#define LONG_KEY(path, field, min, max, def, what)                                                 \
    {path, CONFIG_LONG, FIELD(field, long), 0, min, max, def, NULL, NULL, what, 0, NULL, NULL, 0, \
     0, NULL}
#define DOUBLE_KEY(path, field, min, max, def, what)                                               \
    {path, CONFIG_DOUBLE, FIELD(field, double), 0, min, max, def, NULL, NULL, what, 0, NULL,      \
     NULL, 0, 0, NULL}
#define STRING_KEY(path, field, min_len, max_len, def, check, what)                                \
    {path, CONFIG_STRING, FIELD(field, char *), 0, min_len, max_len, 0, def, check, what, 0, NULL, \
     NULL, 0, 0, NULL}
#define LIST_KEY(path, field, count_field, max_len, check, max_entries, noun, what)               \
    {path,     CONFIG_STRING_LIST, FIELD(field, char **), FIELD(count_field, size_t), 1, max_len,  \
     0,        NULL,               check,                 what,                       max_entries, \
     noun,     NULL,               0,                     0,                          NULL}
#define URL_LIST_KEY(path, field, count_field, what)                                               \
    LIST_KEY(path, field, count_field, REDIS_URL_MAX_LEN, check_redis_url, CONFIG_MAX_SHARDS,      \
             "URLs", what)

/* The section of one platform. Rate settings are per host (X: per host and token), as the
 * platforms count them. */
#define PLATFORM_KEYS(name, url_default, page_default, connections_default, interval_default)    \
    STRING_KEY("platforms." #name ".base_url", platforms.name.base_url, 0, URL_MAX_LEN,           \
               url_default, check_base_url, "where the platform's API is"),                       \
    STRING_KEY("platforms." #name ".token", platforms.name.token, 0, TOKEN_MAX_LEN, "", NULL,     \
               "bearer token sent with every request"),                                          \
    INT_KEY("platforms." #name ".page_size", platforms.name.page_size, 1, 1000, page_default,     \
            "items asked for per page"),                                                          \
    INT_KEY("platforms." #name ".max_connections", platforms.name.max_connections, 1, 1024,        \
            connections_default, "requests at once to one host"),                                 \
    INT_KEY("platforms." #name ".min_interval_ms", platforms.name.min_interval_ms, 0, 3600000,    \
            interval_default, "milliseconds between the starts of two requests to one host"),     \
    LIST_KEY("platforms." #name ".allowed_hosts", platforms.name.allowed_hosts,                   \
             platforms.name.allowed_host_count, HOST_MAX_LEN, check_host,                         \
             CONFIG_MAX_ALLOWED_HOSTS, "host names",                                              \
             "hosts requests and redirects may reach; none: the host of base_url")
/* Which engagement listings of a platform are crawled, for the platforms that show them. */
#define FOLLOWS_KEY(name, def)                                                                     \
    BOOL_KEY("platforms." #name ".follows", platforms.name.follows, def,                          \
             "crawl the accounts a watched account follows")
#define LIKES_KEY(name, def)                                                                       \
    BOOL_KEY("platforms." #name ".likes", platforms.name.likes, def,                              \
             "crawl the posts a watched account likes")
#define POINTER_KEY(path, field, def, what)                                                        \
    STRING_KEY(path, field, 0, POINTER_MAX_LEN, def, check_json_pointer, what)
#define LOG_LEVEL_KEY(path, field, def, what)                                                      \
    {path, CONFIG_LOG_LEVEL, FIELD(field, enum log_level), 0, 0, 0, def, NULL, NULL, what, 0,      \
     NULL, NULL, 0, 0, NULL}
#define BOOL_KEY(path, field, def, what)                                                           \
    {path, CONFIG_BOOL, FIELD(field, int), 0, 0, 1, def, NULL, NULL, what, 0, NULL, NULL, 0, 0,   \
     NULL}
#define RECORD_LIST_KEY(path, field, count_field, rtype, members, max_entries, noun, check, what) \
    {path,     CONFIG_RECORD_LIST, FIELD(field, rtype *), FIELD(count_field, size_t), 0, 0, 0,      \
     NULL,     NULL,               what,                  max_entries,                noun,       \
     members,  sizeof(members) / sizeof(members[0]),      sizeof(rtype),              check}

#define HASH_MAX_LEN 256
#define MEMBER(rtype, name, min, max, required, check)                                            \
    {#name, offsetof(rtype, name), min, max, required, check}

static const struct config_member desk_user_members[] = {
    MEMBER(struct desk_user_config, name, 1, 64, 1, check_user_name),
    MEMBER(struct desk_user_config, role, 1, 16, 1, check_role),
    MEMBER(struct desk_user_config, password, 0, HASH_MAX_LEN, 0, check_secret_hash),
    MEMBER(struct desk_user_config, token, 0, HASH_MAX_LEN, 0, check_secret_hash),
};

static const struct config_member desk_webhook_members[] = {
    MEMBER(struct desk_webhook_config, url, 1, URL_MAX_LEN, 1, check_webhook_url),
    MEMBER(struct desk_webhook_config, secret, 16, TOKEN_MAX_LEN, 1, NULL),
};

static const struct config_key config_keys[] = {
    STRING_KEY("redis.url", redis.url, 1, REDIS_URL_MAX_LEN, "redis://127.0.0.1:6379/0",
               check_redis_url, "the Redis of every shard that has no URL of its own"),
    URL_LIST_KEY("redis.shard_urls", redis.shard_urls, redis.shard_url_count,
                 "one Redis URL per shard, or none to keep every shard on redis.url"),
    STRING_KEY("redis.key_prefix", redis.key_prefix, 1, 64, "netra:", check_key_prefix,
               "starts every Redis key netra uses"),
    INT_KEY("redis.shards", redis.shards, 1, CONFIG_MAX_SHARDS, 1,
            "accounts are split into this many shards, one posts stream each"),
    INT_KEY("redis.connect_timeout_ms", redis.connect_timeout_ms, 1, 600000, 2000,
            "a connection attempt gives up after this long"),
    INT_KEY("redis.command_timeout_ms", redis.command_timeout_ms, 1, 600000, 5000,
            "a command still without a reply after this long fails"),
    INT_KEY("redis.reconnect_min_ms", redis.reconnect_min_ms, 1, 3600000, 100,
            "first wait before reconnecting; it doubles after each failure"),
    INT_KEY("redis.reconnect_max_ms", redis.reconnect_max_ms, 1, 3600000, 30000,
            "longest wait between reconnect attempts"),
    LONG_KEY("stream.max_len", stream.max_len, 1000, 1000000000, 1000000,
             "approximate cap of each posts stream"),
    INT_KEY("stream.batch", stream.batch, 1, 10000, 64,
            "messages read or acknowledged per round trip"),
    INT_KEY("stream.block_ms", stream.block_ms, 1, 600000, 2000,
            "how long a read waits for new messages"),
    INT_KEY("stream.reclaim_idle_ms", stream.reclaim_idle_ms, 1000, 86400000, 60000,
            "a message idle this long in a dead consumer is reclaimed"),
    INT_KEY("stream.max_deliveries", stream.max_deliveries, 1, 1000, 5,
            "delivered this often without an ack, a message moves to posts:dead"),
    INT_KEY("schedule.lease_ms", schedule.lease_ms, 1000, 86400000, 120000,
            "a claimed account comes back to the schedule after this long"),
    INT_KEY("schedule.jitter_pct", schedule.jitter_pct, 0, 50, 10,
            "next due times spread by +/- this percentage of the interval"),
    INT_KEY("schedule.default_interval_s", schedule.default_interval_s, 1, 2592000, 900,
            "fetch interval of an account without one of its own"),
    INT_KEY("schedule.min_interval_s", schedule.min_interval_s, 1, 86400, 60,
            "no account is fetched more often than this"),
    INT_KEY("crawler.max_in_flight", crawler.max_in_flight, 1, 100000, 64,
            "accounts fetched at once by one crawler"),
    INT_KEY("crawler.claim_batch", crawler.claim_batch, 1, 10000, 32,
            "accounts claimed per round trip"),
    LONG_KEY("crawler.max_body_bytes", crawler.max_body_bytes, 1024, 1073741824, 8388608,
             "a larger response, also after decompression, is aborted"),
    STRING_KEY("crawler.user_agent", crawler.user_agent, 1, 256,
               "netra/0.1 (+ASN neutrality monitoring)", NULL, "User-Agent of every request"),
    INT_KEY("crawler.connect_timeout_ms", crawler.connect_timeout_ms, 1, 600000, 10000,
            "a connection attempt gives up after this long"),
    INT_KEY("crawler.total_timeout_ms", crawler.total_timeout_ms, 1, 3600000, 60000,
            "a request, redirects included, gives up after this long"),
    INT_KEY("crawler.low_speed_bytes", crawler.low_speed_bytes, 1, 1073741824, 100,
            "a transfer slower than this many bytes per second ..."),
    INT_KEY("crawler.low_speed_time_s", crawler.low_speed_time_s, 1, 3600, 30,
            "... for this many seconds is aborted"),
    INT_KEY("crawler.max_pages", crawler.max_pages, 1, 100000, 20,
            "pages one crawl of one account may fetch"),
    INT_KEY("crawler.rescan_max_pages", crawler.rescan_max_pages, 1, 1000000, 1000,
            "pages one rescan may fetch going back to its date"),
    INT_KEY("crawler.backoff_min_s", crawler.backoff_min_s, 1, 86400, 60,
            "wait after an account's first failed crawl; it doubles with each failure"),
    INT_KEY("crawler.backoff_max_s", crawler.backoff_max_s, 1, 604800, 3600,
            "longest wait after failed crawls"),
    INT_KEY("crawler.poll_interval_ms", crawler.poll_interval_ms, 10, 600000, 1000,
            "how often an idle crawler looks for due accounts and rescan requests"),
    INT_KEY("crawler.shutdown_grace_ms", crawler.shutdown_grace_ms, 0, 600000, 10000,
            "on SIGTERM, crawls in flight may run on this long before they are released"),
    INT_KEY("crawler.deletion_check_s", crawler.deletion_check_s, 0, 604800, 3600,
            "seconds between two check listings of a Mastodon, X or Bluesky account (0: none)"),
    INT_KEY("crawler.deletion_window_s", crawler.deletion_window_s, 60, 2592000, 172800,
            "how far back a check listing reads, in seconds"),
    INT_KEY("crawler.deleted_priority_boost", crawler.deleted_priority_boost, 0, 1000, 250,
            "review priority a pending case gains when its post is deleted (thousandths)"),
    INT_KEY("engagement.interval_s", engagement.interval_s, 1, 2592000, 86400,
            "seconds between two engagement crawls (follows, likes) of one account"),
    INT_KEY("engagement.max_pages", engagement.max_pages, 1, 100000, 50,
            "pages one engagement crawl may fetch per listing"),
    BOOL_KEY("engagement.enabled", engagement.enabled, 1,
             "engagement crawls run, and imported accounts enter their schedule"),
    PLATFORM_KEYS(mastodon, "", 40, 2, 1000),
    /* Mastodon shows whom an account follows, never what it favourites. */
    FOLLOWS_KEY(mastodon, 1),
    PLATFORM_KEYS(bluesky, "https://public.api.bsky.app", 100, 2, 200),
    FOLLOWS_KEY(bluesky, 1),
    LIKES_KEY(bluesky, 1),
    STRING_KEY("platforms.bluesky.pds_url", platforms.bluesky.pds_url, 0, URL_MAX_LEN, "",
               check_base_url, "the PDS like records are listed from; \"\": base_url"),
    PLATFORM_KEYS(x, "https://api.x.com", 100, 1, 1000),
    FOLLOWS_KEY(x, 1),
    /* Liked tweets need a paid API tier. */
    LIKES_KEY(x, 0),
    PLATFORM_KEYS(feed, "", 50, 2, 1000),
    PLATFORM_KEYS(jsonapi, "", 50, 2, 1000),
    STRING_KEY("platforms.jsonapi.url", platforms.jsonapi_map.url, 0, URL_MAX_LEN, "",
               check_url_template, "URL of an account's posts, with {handle} and {cursor}"),
    POINTER_KEY("platforms.jsonapi.items", platforms.jsonapi_map.items, "/data",
                "JSON pointer to the array of posts in the body"),
    POINTER_KEY("platforms.jsonapi.id", platforms.jsonapi_map.id, "/id",
                "JSON pointer to a post's id"),
    POINTER_KEY("platforms.jsonapi.text", platforms.jsonapi_map.text, "/body",
                "JSON pointer to a post's text"),
    POINTER_KEY("platforms.jsonapi.created_at", platforms.jsonapi_map.created_at, "/created",
                "JSON pointer to a post's time"),
    POINTER_KEY("platforms.jsonapi.url_field", platforms.jsonapi_map.url_field, "/permalink",
                "JSON pointer to a post's link; \"\" for none"),
    POINTER_KEY("platforms.jsonapi.author", platforms.jsonapi_map.author, "/user/name",
                "JSON pointer to a post's author; \"\" for none"),
    POINTER_KEY("platforms.jsonapi.next", platforms.jsonapi_map.next, "/next_cursor",
                "JSON pointer to the next page's cursor in the body; \"\" for one page only"),
    STRING_KEY("worker.rules_dir", worker.rules_dir, 1, 4096, "config/rules", NULL,
               "folder of *.jsonc rulesets"),
    DOUBLE_KEY("worker.political_threshold", worker.political_threshold, 0, 1, 0.35,
               "political score from which a post is at least \"political\""),
    DOUBLE_KEY("worker.suspect_threshold", worker.suspect_threshold, 0, 1, 0.6,
               "partisan score from which a post is \"suspect\""),
    INT_KEY("retention.unflagged_days", retention.unflagged_days, 1, 3650, 30,
            "posts and results that no case holds expire after this many days"),
    DOUBLE_KEY("retention.dismissed_days", retention.dismissed_days, 0.00001, 36500, 365,
               "a dismissed case is purged this many days after its dismissal"),
    DOUBLE_KEY("retention.confirmed_days", retention.confirmed_days, 0, 36500, 0,
               "a confirmed case and its alert are purged this many days after the "
               "confirmation; 0: kept forever"),
    DOUBLE_KEY("retention.audit_days", retention.audit_days, 0, 36500, 1825,
               "audit entries are purged after this many days; 0: kept forever"),
    STRING_KEY("desk.listen", desk.listen, 3, 300, "127.0.0.1:8480", check_listen,
               "address and port netra-desk listens on"),
    INT_KEY("desk.threads", desk.threads, 1, 256, 4, "threads serving requests"),
    LONG_KEY("desk.max_body_bytes", desk.max_body_bytes, 1024, 67108864, 1048576,
             "a larger request body is refused (413)"),
    INT_KEY("desk.max_header_bytes", desk.max_header_bytes, 4096, 1048576, 16384,
            "request line and headers together; more is refused (431)"),
    INT_KEY("desk.session_ttl_s", desk.session_ttl_s, 60, 2592000, 28800,
            "a console login lasts this long"),
    BOOL_KEY("desk.four_eyes", desk.four_eyes, 0,
             "a confirmation needs two different reviewers"),
    STRING_KEY("desk.web_dir", desk.web_dir, 1, 4096, "desk/web", NULL,
               "folder of the web console's files"),
    STRING_KEY("desk.public_url", desk.public_url, 1, URL_MAX_LEN, "http://127.0.0.1:8480",
               check_base_url, "the address feeds link back to"),
    STRING_KEY("desk.language", desk.language, 2, 2, "id", check_language,
               "the console's default language: id or en"),
    RECORD_LIST_KEY("desk.users", desk.users, desk.user_count, struct desk_user_config,
                    desk_user_members, CONFIG_MAX_DESK_USERS, "users", check_user_record,
                    "who may use netra-desk: name, role, password and token hashes"),
    RECORD_LIST_KEY("desk.webhooks", desk.webhooks, desk.webhook_count,
                    struct desk_webhook_config, desk_webhook_members, CONFIG_MAX_DESK_WEBHOOKS,
                    "webhooks", check_webhook_record,
                    "receivers of every confirmed finding: url and HMAC secret"),
    INT_KEY("desk.webhook_max_attempts", desk.webhook_max_attempts, 1, 100, 8,
            "deliveries of one finding to one webhook before it is given up"),
    INT_KEY("desk.webhook_backoff_ms", desk.webhook_backoff_ms, 10, 300000, 1000,
            "wait before the first webhook retry; it doubles up to 5 minutes"),
    INT_KEY("process.heartbeat_interval_ms", process.heartbeat_interval_ms, 100, 600000, 5000,
            "how often a process refreshes its proc:<name> heartbeat"),
    INT_KEY("process.heartbeat_ttl_s", process.heartbeat_ttl_s, 1, 3600, 30,
            "a process whose heartbeat is this old counts as dead"),
    LOG_LEVEL_KEY("process.log_level", process.log_level, LOG_LEVEL_INFO,
                  "lowest level logged: debug, info, warn or error"),
};

#define KEY_COUNT (sizeof(config_keys) / sizeof(config_keys[0]))

/* Keys whose values must keep an order: low < high (strict) or low <= high, high first multiplied
 * by high_scale to bring it to low's unit. */
struct config_relation {
    const char *low, *high;
    double high_scale;
    bool strict;
};

static const struct config_relation config_relations[] = {
    /* The reconnect backoff grows from min to max. */
    {"redis.reconnect_min_ms", "redis.reconnect_max_ms", 1, false},
    /* A blocking read that outlasts the command timeout fails whenever the stream is quiet. */
    {"stream.block_ms", "redis.command_timeout_ms", 1, true},
    {"schedule.min_interval_s", "schedule.default_interval_s", 1, false},
    /* A live process must beat again before its last heartbeat expires. */
    {"process.heartbeat_interval_ms", "process.heartbeat_ttl_s", 1000, true},
    {"crawler.connect_timeout_ms", "crawler.total_timeout_ms", 1, false},
    {"crawler.backoff_min_s", "crawler.backoff_max_s", 1, false},
};

/* Every problem found, one a line, in the caller's err buffer. Lines that no longer fit are
 * counted and summed up at the end, so err is always a complete, NUL-terminated list. */
struct report {
    char *buf;
    size_t size, used;
    size_t problems;
    size_t dropped;
};

/* Room kept free for the "... and N more" line. */
#define REPORT_RESERVE 32

/* One load in progress. */
struct load {
    struct netra_config *config;
    struct report report;
    char source[SOURCE_LEN]; /* how error lines name the text; "" for no name */
    char prefix[SOURCE_LEN + 2];
    unsigned char seen[KEY_COUNT];   /* set by the file, so a second setting is an error */
    unsigned char failed[KEY_COUNT]; /* had a bad value, so relations with it are not checked */
};

static int report_add(struct report *report, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int report_add(struct report *report, const char *fmt, ...)
{
    report->problems++;
    if (report->buf == NULL || report->size == 0)
        return -1;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int formatted = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    size_t length = formatted < 0 ? 0 : (size_t)formatted;
    if (length >= sizeof(line))
        length = sizeof(line) - 1;
    if (report->used > 0) {
        if (report->used + 1 + length + 1 + REPORT_RESERVE > report->size) {
            report->dropped++;
            return -1;
        }
        report->buf[report->used++] = '\n';
    }
    if (length > report->size - report->used - 1)
        length = report->size - report->used - 1;
    memcpy(report->buf + report->used, line, length);
    report->used += length;
    report->buf[report->used] = '\0';
    return -1;
}

static void report_finish(struct report *report)
{
    if (report->dropped > 0 && report->buf != NULL && report->used < report->size)
        snprintf(report->buf + report->used, report->size - report->used, "\n... and %zu more",
                 report->dropped);
}

/* What an error line says a value was. A value read from a secret is never shown. */
static const char *describe(char *out, size_t out_len, const cJSON *item, const char *secret)
{
    char shown[SHOWN_LEN];
    if (secret != NULL)
        snprintf(out, out_len, "the value of $%s", error_shown(shown, sizeof(shown), secret));
    else if (cJSON_IsNumber(item))
        snprintf(out, out_len, "%.15g", item->valuedouble);
    else if (cJSON_IsString(item))
        snprintf(out, out_len, "\"%s\"", error_shown(shown, sizeof(shown), item->valuestring));
    else if (cJSON_IsBool(item))
        snprintf(out, out_len, "%s", cJSON_IsTrue(item) ? "true" : "false");
    else if (cJSON_IsNull(item))
        snprintf(out, out_len, "null");
    else if (cJSON_IsArray(item))
        snprintf(out, out_len, "a list");
    else
        snprintf(out, out_len, "an object");
    return out;
}

static void *field_at(struct netra_config *config, const struct config_key *key)
{
    return (char *)config + key->offset;
}

/* 1 when some key's path starts with section and a dot. */
static bool is_section(const char *section)
{
    size_t section_len = strlen(section);
    for (size_t i = 0; i < KEY_COUNT; i++)
        if (strncmp(config_keys[i].path, section, section_len) == 0 &&
            config_keys[i].path[section_len] == '.')
            return true;
    return false;
}

static const struct config_key *find_path(const char *path)
{
    for (size_t i = 0; i < KEY_COUNT; i++)
        if (strcmp(config_keys[i].path, path) == 0)
            return &config_keys[i];
    return NULL;
}

static bool is_number(const struct config_key *key)
{
    return key->type == CONFIG_INT || key->type == CONFIG_LONG || key->type == CONFIG_DOUBLE;
}

/* Text from the environment as the item the file would hold: a number key reads it as JSON, so
 * both sources accept the same spellings; anything else is a string. NULL when out of memory. */
static cJSON *item_from_text(const struct config_key *key, const char *text)
{
    if (is_number(key) || key->type == CONFIG_BOOL || key->type == CONFIG_RECORD_LIST) {
        cJSON *parsed = cJSON_ParseWithOpts(text, NULL, true);
        if ((is_number(key) && cJSON_IsNumber(parsed)) ||
            (key->type == CONFIG_BOOL && cJSON_IsBool(parsed)) ||
            (key->type == CONFIG_RECORD_LIST && cJSON_IsArray(parsed)))
            return parsed;
        cJSON_Delete(parsed);
    }
    return cJSON_CreateString(text);
}

/* "a, b,c" as a list of strings; "" is the empty list. Stops after one entry more than the
 * key's list may hold, which is enough to refuse it. NULL when out of memory. */
static cJSON *list_from_text(const struct config_key *key, const char *text)
{
    cJSON *list = cJSON_CreateArray();
    char *copy = strdup(text);
    if (list == NULL || copy == NULL)
        goto fail;
    size_t count = 0;
    for (char *entry = copy, *next; *copy != '\0' && entry != NULL && count <= key->max_entries;
         entry = next, count++) {
        next = strchr(entry, ',');
        if (next != NULL)
            *next++ = '\0';
        entry += strspn(entry, " \t");
        size_t length = strlen(entry);
        while (length > 0 && (entry[length - 1] == ' ' || entry[length - 1] == '\t'))
            entry[--length] = '\0';
        cJSON *item = cJSON_CreateString(entry);
        if (item == NULL)
            goto fail;
        cJSON_AddItemToArray(list, item);
    }
    free(copy);
    return list;
fail:
    free(copy);
    cJSON_Delete(list);
    return NULL;
}

static bool is_variable_name(const char *name)
{
    if (*name == '\0' || (*name >= '0' && *name <= '9'))
        return false;
    for (; *name != '\0'; name++)
        if (!(*name == '_' || (*name >= 'A' && *name <= 'Z') || (*name >= 'a' && *name <= 'z') ||
              (*name >= '0' && *name <= '9')))
            return false;
    return true;
}

/* A string "$ENV:NAME" stands for the variable NAME, so secrets need not sit in the file.
 * Returns 0 with *resolved, a new item holding NAME's value (NULL when item refers to nothing),
 * and *secret = NAME; -1 when NAME is unset or empty. */
static int resolve_reference(struct load *load, const struct config_key *key, const cJSON *item,
                             const char *label, cJSON **resolved, const char **secret)
{
    *resolved = NULL;
    *secret = NULL;
    if (!cJSON_IsString(item) ||
        strncmp(item->valuestring, SECRET_PREFIX, strlen(SECRET_PREFIX)) != 0)
        return 0;
    const char *name = item->valuestring + strlen(SECRET_PREFIX);
    char shown[SHOWN_LEN];
    if (!is_variable_name(name))
        return report_add(&load->report, "%s: \"%s%s\" does not name an environment variable",
                          label, SECRET_PREFIX, error_shown(shown, sizeof(shown), name));
    const char *text = getenv(name);
    if (text == NULL || *text == '\0')
        return report_add(&load->report, "%s: environment variable %s is not set", label, name);
    *resolved = item_from_text(key, text);
    if (*resolved == NULL)
        return report_add(&load->report, "%s: out of memory", label);
    *secret = name;
    return 0;
}

static int store_number(struct load *load, const struct config_key *key, const cJSON *item,
                        const char *label, const char *secret, void *slot)
{
    char got[SHOWN_LEN + 24];
    const char *expected = key->type == CONFIG_DOUBLE ? "a number" : "an integer";
    if (!cJSON_IsNumber(item))
        return report_add(&load->report, "%s: expected %s, got %s", label, expected,
                          describe(got, sizeof(got), item, secret));
    double value = item->valuedouble;
    if (!(value >= key->min && value <= key->max))
        return report_add(&load->report, "%s: must be %.15g..%.15g, got %s", label, key->min,
                          key->max, describe(got, sizeof(got), item, secret));
    /* In range, so the cast is defined; it drops any fraction. */
    if (key->type != CONFIG_DOUBLE && (double)(long long)value != value)
        return report_add(&load->report, "%s: expected %s, got %s", label, expected,
                          describe(got, sizeof(got), item, secret));
    if (key->type == CONFIG_INT)
        *(int *)slot = (int)value;
    else if (key->type == CONFIG_LONG)
        *(long *)slot = (long)value;
    else
        *(double *)slot = value;
    return 0;
}

/* Strings and list entries: length, UTF-8, no control characters, and the row's own check.
 * Values are not shown, as any string may be a secret. */
static int store_string(struct load *load, const struct config_key *key, const cJSON *item,
                        const char *label, const char *secret, char **slot)
{
    char got[SHOWN_LEN + 24];
    if (!cJSON_IsString(item))
        return report_add(&load->report, "%s: expected a string, got %s", label,
                          describe(got, sizeof(got), item, secret));
    const char *text = item->valuestring;
    size_t length = strlen(text), bad;
    if ((double)length < key->min || (double)length > key->max)
        return report_add(&load->report, "%s: must be %.15g..%.15g bytes long, got %zu", label,
                          key->min, key->max, length);
    if (!utf8_valid(text, length, &bad))
        return report_add(&load->report, "%s: invalid UTF-8 at byte %zu", label, bad);
    for (const char *p = text; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            return report_add(&load->report, "%s: must not contain control characters", label);
    char problem[NETRA_ERR_LEN];
    if (key->check != NULL && key->check(text, problem, sizeof(problem)) != 0)
        return report_add(&load->report, "%s: %s", label, problem);
    char *copy = strdup(text);
    if (copy == NULL)
        return report_add(&load->report, "%s: out of memory", label);
    free(*slot);
    *slot = copy;
    return 0;
}

static int store_log_level(struct load *load, const cJSON *item, const char *label,
                           const char *secret, enum log_level *slot)
{
    char got[SHOWN_LEN + 24];
    if (!cJSON_IsString(item) || log_level_from_name(item->valuestring, slot) != 0)
        return report_add(&load->report, "%s: must be debug, info, warn or error, got %s", label,
                          describe(got, sizeof(got), item, secret));
    return 0;
}

static int store_bool(struct load *load, const cJSON *item, const char *label,
                      const char *secret, int *slot)
{
    char got[SHOWN_LEN + 24];
    if (!cJSON_IsBool(item))
        return report_add(&load->report, "%s: expected true or false, got %s", label,
                          describe(got, sizeof(got), item, secret));
    *slot = cJSON_IsTrue(item) ? 1 : 0;
    return 0;
}

/* Stores item, after resolving a "$ENV:" reference, into slot: the field of a scalar key or one
 * entry of a list. Nothing is stored when it is refused. */
static int store_value(struct load *load, const struct config_key *key, const cJSON *item,
                       const char *label, void *slot)
{
    cJSON *resolved;
    const char *secret;
    if (resolve_reference(load, key, item, label, &resolved, &secret) != 0)
        return -1;
    if (resolved != NULL)
        item = resolved;
    int rc;
    switch (key->type) {
    case CONFIG_STRING:
    case CONFIG_STRING_LIST:
        rc = store_string(load, key, item, label, secret, slot);
        break;
    case CONFIG_LOG_LEVEL:
        rc = store_log_level(load, item, label, secret, slot);
        break;
    case CONFIG_BOOL:
        rc = store_bool(load, item, label, secret, slot);
        break;
    default:
        rc = store_number(load, key, item, label, secret, slot);
        break;
    }
    cJSON_Delete(resolved);
    return rc;
}

static void free_list(char **entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(entries[i]);
    free(entries);
}

/* A list replaces the one before only when every entry is good; an empty list means none. */
static int store_list(struct load *load, const struct config_key *key, const cJSON *list,
                      const char *label)
{
    char got[SHOWN_LEN + 24];
    if (!cJSON_IsArray(list))
        return report_add(&load->report, "%s: expected a list of %s, got %s", label,
                          key->list_noun, describe(got, sizeof(got), list, NULL));
    int count = cJSON_GetArraySize(list);
    if ((size_t)count > key->max_entries)
        return report_add(&load->report, "%s: must have at most %zu entries", label,
                          key->max_entries);
    char **entries = NULL;
    if (count > 0 && (entries = calloc((size_t)count, sizeof(*entries))) == NULL)
        return report_add(&load->report, "%s: out of memory", label);
    int rc = 0;
    size_t stored = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, list) {
        char entry_label[LABEL_LEN + 16];
        snprintf(entry_label, sizeof(entry_label), "%s[%zu]", label, stored);
        if (store_value(load, key, entry, entry_label, &entries[stored]) != 0)
            rc = -1;
        stored++;
    }
    if (rc != 0) {
        free_list(entries, stored);
        return -1;
    }
    char ***slot = field_at(load->config, key);
    size_t *slot_count = (size_t *)((char *)load->config + key->count_offset);
    free_list(*slot, *slot_count);
    *slot = entries;
    *slot_count = stored;
    return 0;
}

static void free_records(const struct config_key *key, void *records, size_t count)
{
    for (size_t i = 0; records != NULL && i < count; i++)
        for (size_t m = 0; m < key->member_count; m++)
            free(*(char **)((char *)records + i * key->record_size + key->members[m].offset));
    free(records);
}

/* The members of one object of a record list into record; every member not given is "". */
static int store_record(struct load *load, const struct config_key *key, const cJSON *object,
                        const char *label, void *record)
{
    char got[SHOWN_LEN + 24];
    unsigned char given[16] = {0};
    int rc = 0;
    if (!cJSON_IsObject(object))
        return report_add(&load->report, "%s: expected an object, got %s", label,
                          describe(got, sizeof(got), object, NULL));
    const cJSON *entry;
    cJSON_ArrayForEach(entry, object) {
        char member_label[LABEL_LEN + 96], shown[SHOWN_LEN];
        snprintf(member_label, sizeof(member_label), "%s.%s", label,
                 error_shown(shown, sizeof(shown), entry->string));
        size_t m = 0;
        while (m < key->member_count && strcmp(key->members[m].name, entry->string) != 0)
            m++;
        if (m == key->member_count) {
            rc = report_add(&load->report, "%s: unknown key", member_label);
            continue;
        }
        if (given[m]) {
            rc = report_add(&load->report, "%s: given more than once", member_label);
            continue;
        }
        given[m] = 1;
        const struct config_member *member = &key->members[m];
        struct config_key as_string = {.path = member->name, .type = CONFIG_STRING,
                                       .min = member->min, .max = member->max,
                                       .check = member->check};
        if (store_value(load, &as_string, entry, member_label,
                        (char *)record + member->offset) != 0)
            rc = -1;
    }
    for (size_t m = 0; m < key->member_count; m++) {
        char **slot = (char **)((char *)record + key->members[m].offset);
        if (given[m] && *slot != NULL)
            continue;
        if (key->members[m].required && !given[m])
            rc = report_add(&load->report, "%s: missing %s", label, key->members[m].name);
        if (*slot == NULL && (*slot = strdup("")) == NULL)
            rc = report_add(&load->report, "%s: out of memory", label);
    }
    return rc;
}

/* Like store_list, for a list of objects: it replaces the one before only when all are good. */
static int store_records(struct load *load, const struct config_key *key, const cJSON *list,
                         const char *label)
{
    char got[SHOWN_LEN + 24];
    if (!cJSON_IsArray(list))
        return report_add(&load->report, "%s: expected a list of %s, got %s", label,
                          key->list_noun, describe(got, sizeof(got), list, NULL));
    int count = cJSON_GetArraySize(list);
    if ((size_t)count > key->max_entries)
        return report_add(&load->report, "%s: must have at most %zu entries", label,
                          key->max_entries);
    char *records = NULL;
    if (count > 0 && (records = calloc((size_t)count, key->record_size)) == NULL)
        return report_add(&load->report, "%s: out of memory", label);
    int rc = 0;
    size_t stored = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, list) {
        char entry_label[LABEL_LEN + 16], problem[NETRA_ERR_LEN];
        snprintf(entry_label, sizeof(entry_label), "%s[%zu]", label, stored);
        void *record = records + stored * key->record_size;
        if (store_record(load, key, entry, entry_label, record) != 0)
            rc = -1;
        else if (key->check_record(records, stored, problem, sizeof(problem)) != 0)
            rc = report_add(&load->report, "%s: %s", entry_label, problem);
        stored++;
    }
    if (rc != 0) {
        free_records(key, records, stored);
        return -1;
    }
    void **slot = field_at(load->config, key);
    size_t *slot_count = (size_t *)((char *)load->config + key->count_offset);
    free_records(key, *slot, *slot_count);
    *slot = records;
    *slot_count = stored;
    return 0;
}

static int apply_value(struct load *load, const struct config_key *key, const cJSON *item,
                       const char *label)
{
    if (key->type == CONFIG_RECORD_LIST)
        return store_records(load, key, item, label);
    if (key->type == CONFIG_STRING_LIST)
        return store_list(load, key, item, label);
    return store_value(load, key, item, label, field_at(load->config, key));
}

/* Line and column (in characters, from 1) of a byte offset, as an editor shows them. */
static void line_column(const char *text, size_t offset, size_t *line, size_t *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *column = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            (*column)++;
        }
    }
}

static void report_at(struct load *load, const char *text, size_t offset, const char *problem)
{
    size_t line, column;
    line_column(text, offset, &line, &column);
    if (load->source[0] != '\0')
        report_add(&load->report, "%s:%zu:%zu: %s", load->source, line, column, problem);
    else
        report_add(&load->report, "%zu:%zu: %s", line, column, problem);
}

/* Copies text into out (len + 1 bytes) with every comment byte but newlines made a space, so
 * cJSON reads plain JSON and its error offsets still point into the file. Returns -1 with
 * *unterminated at the start of a block comment that never ends. */
static int strip_comments(const char *text, size_t len, char *out, size_t *unterminated)
{
    enum { CODE, STRING, STRING_ESCAPE, LINE_COMMENT, BLOCK_COMMENT } state = CODE;
    size_t opened = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        char next = i + 1 < len ? text[i + 1] : '\0';
        out[i] = c;
        switch (state) {
        case CODE:
            if (c == '"') {
                state = STRING;
            } else if (c == '/' && next == '/') {
                state = LINE_COMMENT;
                out[i] = ' ';
            } else if (c == '/' && next == '*') {
                state = BLOCK_COMMENT;
                opened = i;
                out[i] = ' ';
                out[++i] = ' ';
            }
            break;
        case STRING:
            if (c == '\\')
                state = STRING_ESCAPE;
            else if (c == '"')
                state = CODE;
            break;
        case STRING_ESCAPE:
            state = STRING;
            break;
        case LINE_COMMENT:
            if (c == '\n')
                state = CODE;
            else
                out[i] = ' ';
            break;
        case BLOCK_COMMENT:
            if (c == '*' && next == '/') {
                state = CODE;
                out[i] = ' ';
                out[++i] = ' ';
            } else if (c != '\n') {
                out[i] = ' ';
            }
            break;
        }
    }
    out[len] = '\0';
    if (state == BLOCK_COMMENT) {
        *unterminated = opened;
        return -1;
    }
    return 0;
}

/* The members of object, whose dotted path is `path` ("" at the top) and whose error label is
 * `label`: each one a key, or a section whose members are applied in turn. A name holding a
 * dot is never a path: "crawler.max_in_flight" at the top is an unknown section. */
static void apply_object(struct load *load, const cJSON *object, const char *path,
                         const char *label)
{
    char got[SHOWN_LEN + 24];
    const cJSON *entry;
    cJSON_ArrayForEach(entry, object) {
        char child_path[128], child_label[LABEL_LEN], shown[SHOWN_LEN];
        error_shown(shown, sizeof(shown), entry->string);
        snprintf(child_label, sizeof(child_label), "%s%s%s", label, path[0] ? "." : "", shown);
        int length = snprintf(child_path, sizeof(child_path), "%s%s%s", path, path[0] ? "." : "",
                              entry->string);
        bool fits = length > 0 && (size_t)length < sizeof(child_path) &&
                    strchr(entry->string, '.') == NULL;
        const struct config_key *key = fits ? find_path(child_path) : NULL;
        if (key == NULL && fits && is_section(child_path)) {
            if (cJSON_IsObject(entry))
                apply_object(load, entry, child_path, child_label);
            else
                report_add(&load->report, "%s: expected an object, got %s", child_label,
                           describe(got, sizeof(got), entry, NULL));
            continue;
        }
        if (key == NULL) {
            report_add(&load->report, "%s: unknown %s", child_label,
                       path[0] ? "key" : "section");
            continue;
        }
        size_t index = (size_t)(key - config_keys);
        if (load->seen[index]) {
            report_add(&load->report, "%s: given more than once", child_label);
            load->failed[index] = 1;
            continue;
        }
        load->seen[index] = 1;
        if (apply_value(load, key, entry, child_label) != 0)
            load->failed[index] = 1;
    }
}

static void apply_text(struct load *load, const char *text, size_t len)
{
    char *json = NULL;
    cJSON *root = NULL;
    size_t offset;
    char got[SHOWN_LEN + 24];
    if (len > CONFIG_MAX_BYTES) {
        report_add(&load->report, "%slarger than %zu bytes (4 MiB)", load->prefix,
                   CONFIG_MAX_BYTES);
        goto cleanup;
    }
    if (!utf8_valid(text, len, &offset)) {
        report_at(load, text, offset, "invalid UTF-8");
        goto cleanup;
    }
    const char *nul = memchr(text, '\0', len);
    if (nul != NULL) {
        report_at(load, text, (size_t)(nul - text), "NUL byte");
        goto cleanup;
    }
    json = malloc(len + 1);
    if (json == NULL) {
        report_add(&load->report, "%sout of memory", load->prefix);
        goto cleanup;
    }
    if (strip_comments(text, len, json, &offset) != 0) {
        report_at(load, text, offset, "unterminated /* comment");
        goto cleanup;
    }
    /* The length counts the NUL, which cJSON needs to see to refuse trailing garbage. */
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(json, len + 1, &end, true);
    if (root == NULL) {
        report_at(load, text, end != NULL ? (size_t)(end - json) : 0, "invalid JSON");
        goto cleanup;
    }
    if (!cJSON_IsObject(root)) {
        report_add(&load->report, "%sexpected an object at the top, got %s", load->prefix,
                   describe(got, sizeof(got), root, NULL));
        goto cleanup;
    }
    apply_object(load, root, "", load->prefix);
cleanup:
    cJSON_Delete(root);
    free(json);
}

/* "crawler.max_in_flight" -> "NETRA_CRAWLER_MAX_IN_FLIGHT". */
static void env_name(const struct config_key *key, char *out, size_t out_len)
{
    size_t used = strlen(ENV_PREFIX);
    memcpy(out, ENV_PREFIX, used);
    for (const char *p = key->path; *p != '\0' && used + 1 < out_len; p++)
        out[used++] = *p == '.' ? '_' : (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
    out[used] = '\0';
}

static void apply_environment(struct load *load)
{
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct config_key *key = &config_keys[i];
        char name[64];
        env_name(key, name, sizeof(name));
        const char *text = getenv(name);
        if (text == NULL)
            continue;
        cJSON *item =
            key->type == CONFIG_STRING_LIST ? list_from_text(key, text) : item_from_text(key, text);
        if (item == NULL)
            report_add(&load->report, "%s: out of memory", name);
        if (item == NULL || apply_value(load, key, item, name) != 0)
            load->failed[i] = 1;
        cJSON_Delete(item);
    }
}

static double number_at(struct netra_config *config, const struct config_key *key)
{
    const void *field = field_at(config, key);
    if (key->type == CONFIG_INT)
        return *(const int *)field;
    if (key->type == CONFIG_LONG)
        return (double)*(const long *)field;
    return *(const double *)field;
}

/* Checks between keys, skipped for a key that already had a bad value of its own. */
static void check_relations(struct load *load)
{
    struct netra_config *config = load->config;
    for (size_t i = 0; i < sizeof(config_relations) / sizeof(config_relations[0]); i++) {
        const struct config_relation *relation = &config_relations[i];
        const struct config_key *low = find_path(relation->low);
        const struct config_key *high = find_path(relation->high);
        if (load->failed[low - config_keys] || load->failed[high - config_keys])
            continue;
        double low_value = number_at(config, low), high_value = number_at(config, high);
        double limit = high_value * relation->high_scale;
        if (relation->strict ? low_value < limit : low_value <= limit)
            continue;
        report_add(&load->report, "%s: must be %s %s, got %.15g and %.15g", low->path,
                   relation->strict ? "less than" : "at most", high->path, low_value,
                   high_value);
    }
    const struct config_key *shards = find_path("redis.shards");
    const struct config_key *urls = find_path("redis.shard_urls");
    if (!load->failed[shards - config_keys] && !load->failed[urls - config_keys] &&
        config->redis.shard_url_count != 0 &&
        config->redis.shard_url_count != (size_t)config->redis.shards)
        report_add(&load->report, "%s: must have one URL per shard (%s is %d), got %zu",
                   urls->path, shards->path, config->redis.shards,
                   config->redis.shard_url_count);
}

/* The built-in defaults; NULL when out of memory. */
static struct netra_config *config_new(void)
{
    struct netra_config *config = calloc(1, sizeof(*config));
    if (config == NULL)
        return NULL;
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct config_key *key = &config_keys[i];
        void *field = field_at(config, key);
        switch (key->type) {
        case CONFIG_INT:
            *(int *)field = (int)key->number_default;
            break;
        case CONFIG_LONG:
            *(long *)field = (long)key->number_default;
            break;
        case CONFIG_DOUBLE:
            *(double *)field = key->number_default;
            break;
        case CONFIG_STRING:
            if ((*(char **)field = strdup(key->text_default)) == NULL)
                goto fail;
            break;
        case CONFIG_STRING_LIST:
        case CONFIG_RECORD_LIST:
            break;
        case CONFIG_LOG_LEVEL:
            *(enum log_level *)field = (enum log_level)key->number_default;
            break;
        case CONFIG_BOOL:
            *(int *)field = (int)key->number_default;
            break;
        }
    }
    return config;
fail:
    config_free(config);
    return NULL;
}

/* Defaults, then text (when not NULL), then the environment (when asked), then the relations. */
static int config_build(const char *text, size_t len, const char *source_name,
                        bool use_environment, struct netra_config **out, char *err,
                        size_t err_len)
{
    struct load load;
    memset(&load, 0, sizeof(load));
    load.report.buf = err;
    load.report.size = err_len;
    if (err != NULL && err_len > 0)
        err[0] = '\0';
    *out = NULL;

    load.config = config_new();
    if (load.config == NULL) {
        report_add(&load.report, "out of memory");
        goto cleanup;
    }
    if (source_name != NULL) {
        error_shown(load.source, sizeof(load.source), source_name);
        snprintf(load.prefix, sizeof(load.prefix), "%s: ", load.source);
        if ((load.config->path = strdup(source_name)) == NULL) {
            report_add(&load.report, "%sout of memory", load.prefix);
            goto cleanup;
        }
    }
    if (text != NULL)
        apply_text(&load, text, len);
    if (use_environment)
        apply_environment(&load);
    check_relations(&load);

cleanup:
    if (load.report.problems > 0) {
        report_finish(&load.report);
        config_free(load.config);
        return -1;
    }
    *out = load.config;
    return 0;
}

/* Reads at most one byte more than a config may have, so a larger file (or an endless one such
 * as a pipe) is refused without reading it all. */
static int read_file(const char *path, char **text, size_t *len, char *err, size_t err_len)
{
    char shown[SOURCE_LEN];
    size_t capacity = 1 << 16, used = 0;
    char *data = NULL;
    int rc = -1;
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        error_set(err, err_len, "%s: cannot open: %s", error_shown(shown, sizeof(shown), path),
                  strerror(errno));
        goto cleanup;
    }
    if ((data = malloc(capacity)) == NULL) {
        error_set(err, err_len, "%s: out of memory", error_shown(shown, sizeof(shown), path));
        goto cleanup;
    }
    while (used <= CONFIG_MAX_BYTES) {
        if (used == capacity) {
            size_t grown_capacity =
                capacity * 2 > CONFIG_MAX_BYTES + 1 ? CONFIG_MAX_BYTES + 1 : capacity * 2;
            char *grown = realloc(data, grown_capacity);
            if (grown == NULL) {
                error_set(err, err_len, "%s: out of memory", error_shown(shown, sizeof(shown), path));
                goto cleanup;
            }
            data = grown;
            capacity = grown_capacity;
        }
        size_t n = fread(data + used, 1, capacity - used, file);
        if (n == 0)
            break;
        used += n;
    }
    if (ferror(file)) {
        error_set(err, err_len, "%s: cannot read: %s", error_shown(shown, sizeof(shown), path),
                  strerror(errno));
        goto cleanup;
    }
    *text = data;
    *len = used;
    data = NULL;
    rc = 0;
cleanup:
    if (file != NULL)
        fclose(file);
    free(data);
    return rc;
}

int config_parse(const char *text, size_t len, const char *source_name, struct netra_config **out,
                 char *err, size_t err_len)
{
    return config_build(text, len, source_name, true, out, err, err_len);
}

int config_load(const char *path, struct netra_config **out, char *err, size_t err_len)
{
    char *text = NULL;
    size_t len = 0;
    /* An empty NETRA_CONFIG is treated as unset, as shells and compose files leave them so. */
    if (path == NULL && (path = getenv("NETRA_CONFIG")) != NULL && *path == '\0')
        path = NULL;
    if (path != NULL && read_file(path, &text, &len, err, err_len) != 0) {
        *out = NULL;
        return -1;
    }
    int rc = config_build(text, len, path, true, out, err, err_len);
    free(text);
    return rc;
}

int config_load_defaults(struct netra_config **out, char *err, size_t err_len)
{
    return config_build(NULL, 0, NULL, false, out, err, err_len);
}

void config_free(struct netra_config *config)
{
    if (config == NULL)
        return;
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct config_key *key = &config_keys[i];
        if (key->type == CONFIG_STRING)
            free(*(char **)field_at(config, key));
        else if (key->type == CONFIG_STRING_LIST)
            free_list(*(char ***)field_at(config, key),
                      *(size_t *)((char *)config + key->count_offset));
        else if (key->type == CONFIG_RECORD_LIST)
            free_records(key, *(void **)field_at(config, key),
                         *(size_t *)((char *)config + key->count_offset));
    }
    free(config->path);
    free(config);
}

const char *config_shard_url(const struct netra_config *config, int shard)
{
    if (config->redis.shard_urls != NULL && shard >= 0 &&
        (size_t)shard < config->redis.shard_url_count)
        return config->redis.shard_urls[shard];
    return config->redis.url;
}

/* One parser owns the URL grammar: the one the queue layer connects with. */
static int check_redis_url(const char *url, char *problem, size_t problem_len)
{
    struct redis_url parsed;
    return redis_url_parse(url, &parsed, problem, problem_len);
}

/* Braces would change the hash tag Redis Cluster reads from every key. */
static int check_key_prefix(const char *prefix, char *problem, size_t problem_len)
{
    if (strpbrk(prefix, "{}") == NULL)
        return 0;
    snprintf(problem, problem_len, "must not contain { or }");
    return -1;
}

const struct platform_config *config_platform(const struct netra_config *config, const char *name)
{
    const struct {
        const char *name;
        const struct platform_config *platform;
    } platforms[] = {
        {"mastodon", &config->platforms.mastodon}, {"bluesky", &config->platforms.bluesky},
        {"x", &config->platforms.x},               {"feed", &config->platforms.feed},
        {"jsonapi", &config->platforms.jsonapi},
    };
    for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++)
        if (strcmp(platforms[i].name, name) == 0)
            return platforms[i].platform;
    return NULL;
}

int config_engagement_on(const struct netra_config *config, const char *platform)
{
    const struct platform_config *section = config_platform(config, platform);
    return config->engagement.enabled && section != NULL && (section->follows || section->likes);
}

/* The length of "http://" or "https://" at the start of url, else 0. */
static size_t http_scheme_length(const char *url)
{
    if (strncmp(url, "http://", 7) == 0)
        return 7;
    if (strncmp(url, "https://", 8) == 0)
        return 8;
    return 0;
}

/* What every URL setting shares: "" (unset) or http(s)://host..., no spaces. The URL grammar
 * itself is curl's, when the crawler uses it; this only refuses what is surely not meant. */
static int check_http_url(const char *url, char *problem, size_t problem_len)
{
    if (url[0] == '\0')
        return 0;
    size_t scheme = http_scheme_length(url);
    if (scheme == 0) {
        snprintf(problem, problem_len, "must start with http:// or https://");
        return -1;
    }
    if (strchr(url, ' ') != NULL) {
        snprintf(problem, problem_len, "must not contain spaces");
        return -1;
    }
    if (strchr("/?#", url[scheme]) != NULL) {
        snprintf(problem, problem_len, "missing host");
        return -1;
    }
    return 0;
}

/* Adapters append paths and queries to it, so it is only scheme, host and a path prefix. */
static int check_base_url(const char *url, char *problem, size_t problem_len)
{
    if (check_http_url(url, problem, problem_len) != 0)
        return -1;
    if (strpbrk(url, "?#") != NULL) {
        snprintf(problem, problem_len, "must not have a query or fragment");
        return -1;
    }
    if (url[0] != '\0' && url[strlen(url) - 1] == '/') {
        snprintf(problem, problem_len, "must not end with /");
        return -1;
    }
    return 0;
}

/* A placeholder in the host would let an account's handle pick the host a request goes to. */
static int check_url_template(const char *url, char *problem, size_t problem_len)
{
    if (check_http_url(url, problem, problem_len) != 0)
        return -1;
    const char *host = url + http_scheme_length(url);
    const char *host_end = host + strcspn(host, "/?#");
    const char *brace = strchr(host, '{');
    if (brace != NULL && brace < host_end) {
        snprintf(problem, problem_len, "placeholders are only allowed after the host");
        return -1;
    }
    return 0;
}

/* A DNS name or IP address as URLs carry it: letters, digits, '-', '.', '_', or an IPv6 address
 * in brackets. No scheme, port, path or user. */
static int check_host(const char *host, char *problem, size_t problem_len)
{
    size_t length = strlen(host);
    bool bracketed = host[0] == '[';
    if (bracketed && (length < 3 || host[length - 1] != ']')) {
        snprintf(problem, problem_len, "an IPv6 address must be in brackets, e.g. [::1]");
        return -1;
    }
    for (size_t i = bracketed ? 1 : 0; i < (bracketed ? length - 1 : length); i++) {
        char c = host[i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (bracketed ? c == ':' || c == '.' : c == '-' || c == '.' || c == '_');
        if (!ok) {
            snprintf(problem, problem_len,
                     "must be a host name or address only (no scheme, port or path)");
            return -1;
        }
    }
    return 0;
}

/* RFC 6901: "" (the whole document) or "/" segments, where '~' is only ever "~0" or "~1". */
static int check_json_pointer(const char *pointer, char *problem, size_t problem_len)
{
    if (pointer[0] != '\0' && pointer[0] != '/') {
        snprintf(problem, problem_len, "must be a JSON pointer: \"\" or starting with /");
        return -1;
    }
    for (const char *p = pointer; *p != '\0'; p++) {
        if (*p == '~' && p[1] != '0' && p[1] != '1') {
            snprintf(problem, problem_len, "~ must be followed by 0 or 1 in a JSON pointer");
            return -1;
        }
    }
    return 0;
}

/* "host:port", "[v6]:port"; the host is an address or name, the port 1..65535. */
static int check_listen(const char *listen, char *problem, size_t problem_len)
{
    const char *colon = strrchr(listen, ':');
    char *end = NULL;
    long port = colon != NULL ? strtol(colon + 1, &end, 10) : 0;
    if (colon == NULL || colon == listen || colon[1] == '\0' || *end != '\0' || port < 1 ||
        port > 65535) {
        snprintf(problem, problem_len, "must be host:port, e.g. 127.0.0.1:8480");
        return -1;
    }
    char host[300];
    snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
    return check_host(host, problem, problem_len);
}

static int check_language(const char *language, char *problem, size_t problem_len)
{
    if (strcmp(language, "id") == 0 || strcmp(language, "en") == 0)
        return 0;
    snprintf(problem, problem_len, "must be \"id\" or \"en\"");
    return -1;
}

/* Names appear in the audit log, cookies and CSV files: a plain character set keeps them inert
 * everywhere. */
static int check_user_name(const char *name, char *problem, size_t problem_len)
{
    for (const char *p = name; *p != '\0'; p++) {
        char c = *p;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '_' || c == '@' || c == '-')) {
            snprintf(problem, problem_len, "must hold only letters, digits, . _ @ -");
            return -1;
        }
    }
    return 0;
}

static int check_role(const char *role, char *problem, size_t problem_len)
{
    if (strcmp(role, "reviewer") == 0 || strcmp(role, "supervisor") == 0 ||
        strcmp(role, "feed") == 0)
        return 0;
    snprintf(problem, problem_len, "must be \"reviewer\", \"supervisor\" or \"feed\"");
    return -1;
}

/* Only the shape: netra-desk parses the parts when it loads the users. A plain secret here
 * would be a password sitting in the file. */
static int check_secret_hash(const char *hash, char *problem, size_t problem_len)
{
    if (hash[0] == '\0' || strncmp(hash, "pbkdf2-sha256$", 14) == 0)
        return 0;
    snprintf(problem, problem_len,
             "must be a hash \"pbkdf2-sha256$...\" from `netra desk-hash`, not the secret");
    return -1;
}

static int check_webhook_url(const char *url, char *problem, size_t problem_len)
{
    return check_http_url(url, problem, problem_len);
}

static int check_user_record(const void *records, size_t index, char *problem,
                             size_t problem_len)
{
    const struct desk_user_config *users = records;
    for (size_t i = 0; i < index; i++) {
        if (strcmp(users[i].name, users[index].name) == 0) {
            snprintf(problem, problem_len, "user \"%s\" is listed twice", users[index].name);
            return -1;
        }
    }
    return 0;
}

static int check_webhook_record(const void *records, size_t index, char *problem,
                                size_t problem_len)
{
    const struct desk_webhook_config *webhooks = records;
    for (size_t i = 0; i < index; i++) {
        if (strcmp(webhooks[i].url, webhooks[index].url) == 0) {
            snprintf(problem, problem_len, "url is listed twice");
            return -1;
        }
    }
    return 0;
}
