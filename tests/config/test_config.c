/* The config loader: defaults, then netra.jsonc, then the environment; every bad value refused
 * with a line naming the key and the problem, all of them at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "tests/support/test_support.h"

extern char **environ;

#define FOUR_MIB ((size_t)4 << 20)

/* config_parse on a NUL-terminated string, without a source name. */
static struct netra_config *parse_ok(const char *json)
{
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN];
    if (config_parse(json, strlen(json), NULL, &config, err, sizeof(err)) != 0)
        fail_msg("refused %s\n  with: %s", json, err);
    assert_non_null(config);
    return config;
}

/* The error text config_parse gives for json; it must refuse it. */
static const char *parse_error(const char *json)
{
    static char err[NETRA_ERR_LEN];
    struct netra_config *config = (struct netra_config *)&config;
    if (config_parse(json, strlen(json), NULL, &config, err, sizeof(err)) == 0)
        fail_msg("accepted %s", json);
    assert_null(config);
    return err;
}

/* The error text config_load gives for path; it must refuse it. */
static const char *load_error(const char *path)
{
    static char err[NETRA_ERR_LEN];
    struct netra_config *config = (struct netra_config *)&config;
    if (config_load(path, &config, err, sizeof(err)) == 0)
        fail_msg("accepted %s", path);
    assert_null(config);
    return err;
}

static char *write_config(const char *json)
{
    return test_write_temp_file(json, strlen(json), ".jsonc");
}

static void remove_config(char *path)
{
    unlink(path);
    free(path);
}

/* The values the design documents, written out here rather than read from the code, so a
 * changed default fails. */
static void assert_defaults(const struct netra_config *config)
{
    assert_string_equal(config->redis.url, "redis://127.0.0.1:6379/0");
    assert_null(config->redis.shard_urls);
    assert_int_equal(config->redis.shard_url_count, 0);
    assert_string_equal(config->redis.key_prefix, "netra:");
    assert_int_equal(config->redis.shards, 1);
    assert_int_equal(config->redis.connect_timeout_ms, 2000);
    assert_int_equal(config->redis.command_timeout_ms, 5000);
    assert_int_equal(config->redis.reconnect_min_ms, 100);
    assert_int_equal(config->redis.reconnect_max_ms, 30000);
    assert_int_equal(config->stream.max_len, 1000000);
    assert_int_equal(config->stream.batch, 64);
    assert_int_equal(config->stream.block_ms, 2000);
    assert_int_equal(config->stream.reclaim_idle_ms, 60000);
    assert_int_equal(config->stream.max_deliveries, 5);
    assert_int_equal(config->schedule.lease_ms, 120000);
    assert_int_equal(config->schedule.jitter_pct, 10);
    assert_int_equal(config->schedule.default_interval_s, 900);
    assert_int_equal(config->schedule.min_interval_s, 60);
    assert_int_equal(config->crawler.max_in_flight, 64);
    assert_int_equal(config->crawler.claim_batch, 32);
    assert_int_equal(config->crawler.max_body_bytes, 8 * 1024 * 1024);
    assert_string_equal(config->crawler.user_agent, "netra/0.1 (+ASN neutrality monitoring)");
    assert_int_equal(config->crawler.connect_timeout_ms, 10000);
    assert_int_equal(config->crawler.total_timeout_ms, 60000);
    assert_int_equal(config->crawler.low_speed_bytes, 100);
    assert_int_equal(config->crawler.low_speed_time_s, 30);
    assert_int_equal(config->crawler.max_pages, 20);
    assert_int_equal(config->crawler.rescan_max_pages, 1000);
    assert_int_equal(config->crawler.backoff_min_s, 60);
    assert_int_equal(config->crawler.backoff_max_s, 3600);
    assert_int_equal(config->crawler.poll_interval_ms, 1000);
    assert_int_equal(config->crawler.shutdown_grace_ms, 10000);
    const struct {
        const struct platform_config *platform;
        const char *base_url;
        int page_size, max_connections, min_interval_ms;
    } platforms[] = {
        {&config->platforms.mastodon, "", 40, 2, 1000},
        {&config->platforms.bluesky, "https://public.api.bsky.app", 100, 2, 200},
        {&config->platforms.x, "https://api.x.com", 100, 1, 1000},
        {&config->platforms.feed, "", 50, 2, 1000},
        {&config->platforms.jsonapi, "", 50, 2, 1000},
    };
    for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
        assert_string_equal(platforms[i].platform->base_url, platforms[i].base_url);
        assert_string_equal(platforms[i].platform->token, "");
        assert_int_equal(platforms[i].platform->page_size, platforms[i].page_size);
        assert_int_equal(platforms[i].platform->max_connections, platforms[i].max_connections);
        assert_int_equal(platforms[i].platform->min_interval_ms, platforms[i].min_interval_ms);
        assert_null(platforms[i].platform->allowed_hosts);
        assert_int_equal(platforms[i].platform->allowed_host_count, 0);
    }
    assert_true(config->engagement.enabled);
    assert_int_equal(config->engagement.interval_s, 86400);
    assert_int_equal(config->engagement.max_pages, 50);
    assert_true(config->platforms.mastodon.follows && config->platforms.bluesky.follows &&
                config->platforms.bluesky.likes && config->platforms.x.follows);
    assert_false(config->platforms.x.likes);
    assert_string_equal(config->platforms.bluesky.pds_url, "");
    assert_string_equal(config->platforms.jsonapi_map.url, "");
    assert_string_equal(config->platforms.jsonapi_map.items, "/data");
    assert_string_equal(config->platforms.jsonapi_map.id, "/id");
    assert_string_equal(config->platforms.jsonapi_map.text, "/body");
    assert_string_equal(config->platforms.jsonapi_map.created_at, "/created");
    assert_string_equal(config->platforms.jsonapi_map.url_field, "/permalink");
    assert_string_equal(config->platforms.jsonapi_map.author, "/user/name");
    assert_string_equal(config->platforms.jsonapi_map.next, "/next_cursor");
    assert_string_equal(config->worker.rules_dir, "config/rules");
    assert_float_equal(config->worker.political_threshold, 0.35, 1e-12);
    assert_float_equal(config->worker.suspect_threshold, 0.6, 1e-12);
    assert_int_equal(config->retention.unflagged_days, 30);
    assert_float_equal(config->retention.dismissed_days, 365, 1e-12);
    assert_float_equal(config->retention.confirmed_days, 0, 1e-12); /* forever */
    assert_float_equal(config->retention.audit_days, 1825, 1e-12);
    assert_int_equal(config->process.heartbeat_interval_ms, 5000);
    assert_int_equal(config->process.heartbeat_ttl_s, 30);
    assert_int_equal(config->process.log_level, LOG_LEVEL_INFO);
    assert_string_equal(config->desk.listen, "127.0.0.1:8480");
    assert_int_equal(config->desk.threads, 4);
    assert_int_equal(config->desk.max_body_bytes, 1048576);
    assert_int_equal(config->desk.max_header_bytes, 16384);
    assert_int_equal(config->desk.session_ttl_s, 28800);
    assert_int_equal(config->desk.four_eyes, 0);
    assert_string_equal(config->desk.web_dir, "desk/web");
    assert_string_equal(config->desk.public_url, "http://127.0.0.1:8480");
    assert_string_equal(config->desk.language, "id");
    assert_int_equal(config->desk.user_count, 0);
    assert_int_equal(config->desk.webhook_count, 0);
    assert_int_equal(config->desk.webhook_max_attempts, 8);
    assert_int_equal(config->desk.webhook_backoff_ms, 1000);
}

/* ---- defaults ---------------------------------------------------------------------------- */

static void defaults_are_the_documented_values(void **state)
{
    (void)state;
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN];
    assert_int_equal(config_load_defaults(&config, err, sizeof(err)), 0);
    assert_defaults(config);
    assert_null(config->path);
    config_free(config);
}

static void an_empty_object_leaves_the_defaults(void **state)
{
    (void)state;
    struct netra_config *config = parse_ok("{}");
    assert_defaults(config);
    config_free(config);
}

static void no_path_and_no_NETRA_CONFIG_loads_the_defaults(void **state)
{
    (void)state;
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN];
    assert_int_equal(config_load(NULL, &config, err, sizeof(err)), 0);
    assert_defaults(config);
    assert_null(config->path);
    config_free(config);

    setenv("NETRA_CONFIG", "", 1);
    assert_int_equal(config_load(NULL, &config, err, sizeof(err)), 0);
    assert_defaults(config);
    config_free(config);
    unsetenv("NETRA_CONFIG");
}

static void defaults_ignore_the_environment(void **state)
{
    (void)state;
    setenv("NETRA_CRAWLER_MAX_IN_FLIGHT", "10", 1);
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN];
    assert_int_equal(config_load_defaults(&config, err, sizeof(err)), 0);
    assert_int_equal(config->crawler.max_in_flight, 64);
    config_free(config);
    unsetenv("NETRA_CRAWLER_MAX_IN_FLIGHT");
}

static void the_example_file_is_the_defaults(void **state)
{
    (void)state;
    char *path = test_source_path("config/netra.example.jsonc");
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN];
    if (config_load(path, &config, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_defaults(config);
    assert_string_equal(config->path, path);
    config_free(config);
    free(path);
}

static void config_free_accepts_null(void **state)
{
    (void)state;
    config_free(NULL);
}

/* ---- the file ---------------------------------------------------------------------------- */

static const char every_key_changed[] =
    "{\n"
    "  \"redis\": {\n"
    "    \"url\": \"redis://db.example:6380/2\",\n"
    "    \"shard_urls\": [\"redis://s0.example:6379/0\", \"unix:///run/s1.sock\"],\n"
    "    \"key_prefix\": \"t:\",\n"
    "    \"shards\": 2,\n"
    "    \"connect_timeout_ms\": 1500,\n"
    "    \"command_timeout_ms\": 7000,\n"
    "    \"reconnect_min_ms\": 50,\n"
    "    \"reconnect_max_ms\": 60000\n"
    "  },\n"
    "  \"stream\": {\"max_len\": 5000000000, \"batch\": 128, \"block_ms\": 1000,\n"
    "             \"reclaim_idle_ms\": 90000, \"max_deliveries\": 7},\n"
    "  \"schedule\": {\"lease_ms\": 60000, \"jitter_pct\": 0, \"default_interval_s\": 1800,\n"
    "               \"min_interval_s\": 120},\n"
    "  \"crawler\": {\"max_in_flight\": 256, \"claim_batch\": 16, \"max_body_bytes\": 1048576,\n"
    "              \"user_agent\": \"netra-test/1\"},\n"
    "  \"worker\": {\"rules_dir\": \"/etc/netra/rules\", \"political_threshold\": 0.25,\n"
    "             \"suspect_threshold\": 0.75},\n"
    "  \"retention\": {\"unflagged_days\": 90, \"dismissed_days\": 0.5,\n"
    "                \"confirmed_days\": 3650, \"audit_days\": 2555},\n"
    "  \"process\": {\"heartbeat_interval_ms\": 2000, \"heartbeat_ttl_s\": 10,\n"
    "              \"log_level\": \"warn\"}\n"
    "}\n";

static void a_file_sets_every_key(void **state)
{
    (void)state;
    /* max_len above is out of range; the copy below fixes it, so the first load checks LONG
     * values past 2^32 are compared, not truncated. */
    assert_string_equal(parse_error(every_key_changed),
                        "stream.max_len: must be 1000..1000000000, got 5000000000");
    char json[sizeof(every_key_changed)];
    memcpy(json, every_key_changed, sizeof(json));
    memcpy(strstr(json, "5000000000"), " 500000000", 10);

    char *path = write_config(json);
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN];
    if (config_load(path, &config, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(config->path, path);
    assert_string_equal(config->redis.url, "redis://db.example:6380/2");
    assert_int_equal(config->redis.shard_url_count, 2);
    assert_string_equal(config->redis.shard_urls[0], "redis://s0.example:6379/0");
    assert_string_equal(config->redis.shard_urls[1], "unix:///run/s1.sock");
    assert_string_equal(config->redis.key_prefix, "t:");
    assert_int_equal(config->redis.shards, 2);
    assert_int_equal(config->redis.connect_timeout_ms, 1500);
    assert_int_equal(config->redis.command_timeout_ms, 7000);
    assert_int_equal(config->redis.reconnect_min_ms, 50);
    assert_int_equal(config->redis.reconnect_max_ms, 60000);
    assert_int_equal(config->stream.max_len, 500000000);
    assert_int_equal(config->stream.batch, 128);
    assert_int_equal(config->stream.block_ms, 1000);
    assert_int_equal(config->stream.reclaim_idle_ms, 90000);
    assert_int_equal(config->stream.max_deliveries, 7);
    assert_int_equal(config->schedule.lease_ms, 60000);
    assert_int_equal(config->schedule.jitter_pct, 0);
    assert_int_equal(config->schedule.default_interval_s, 1800);
    assert_int_equal(config->schedule.min_interval_s, 120);
    assert_int_equal(config->crawler.max_in_flight, 256);
    assert_int_equal(config->crawler.claim_batch, 16);
    assert_int_equal(config->crawler.max_body_bytes, 1048576);
    assert_string_equal(config->crawler.user_agent, "netra-test/1");
    assert_string_equal(config->worker.rules_dir, "/etc/netra/rules");
    assert_float_equal(config->worker.political_threshold, 0.25, 1e-12);
    assert_float_equal(config->worker.suspect_threshold, 0.75, 1e-12);
    assert_int_equal(config->retention.unflagged_days, 90);
    assert_float_equal(config->retention.dismissed_days, 0.5, 1e-12);
    assert_float_equal(config->retention.confirmed_days, 3650, 1e-12);
    assert_float_equal(config->retention.audit_days, 2555, 1e-12);
    assert_int_equal(config->process.heartbeat_interval_ms, 2000);
    assert_int_equal(config->process.heartbeat_ttl_s, 10);
    assert_int_equal(config->process.log_level, LOG_LEVEL_WARN);
    config_free(config);
    remove_config(path);
}

static void keys_left_out_keep_their_defaults(void **state)
{
    (void)state;
    struct netra_config *config = parse_ok("{\"crawler\": {\"max_in_flight\": 8}, \"worker\": {}}");
    assert_int_equal(config->crawler.max_in_flight, 8);
    assert_int_equal(config->crawler.claim_batch, 32);
    assert_string_equal(config->worker.rules_dir, "config/rules");
    config_free(config);
}

static void both_ends_of_every_range_are_allowed(void **state)
{
    (void)state;
    struct netra_config *config =
        parse_ok("{\"crawler\": {\"max_in_flight\": 1}, \"schedule\": {\"jitter_pct\": 0},"
                 " \"worker\": {\"political_threshold\": 0, \"suspect_threshold\": 1},"
                 " \"redis\": {\"shards\": 1024}}");
    assert_int_equal(config->crawler.max_in_flight, 1);
    assert_int_equal(config->schedule.jitter_pct, 0);
    assert_float_equal(config->worker.political_threshold, 0, 0);
    assert_float_equal(config->worker.suspect_threshold, 1, 0);
    assert_int_equal(config->redis.shards, 1024);
    config_free(config);

    config = parse_ok("{\"crawler\": {\"max_in_flight\": 100000}, \"schedule\": {\"jitter_pct\": 50},"
                      " \"retention\": {\"unflagged_days\": 3650}}");
    assert_int_equal(config->crawler.max_in_flight, 100000);
    assert_int_equal(config->schedule.jitter_pct, 50);
    assert_int_equal(config->retention.unflagged_days, 3650);
    config_free(config);
}

static void every_redis_url_form_is_accepted(void **state)
{
    (void)state;
    const char *urls[] = {
        "redis://127.0.0.1:6379/0",
        "redis://cache.internal",
        "redis://user:p%40ss@cache.internal:6380/15",
        "redis://:secret@cache-1.internal/",
        "redis://[::1]:6379/3",
        "redis://cache/1000000",
        "unix:///run/redis/redis.sock",
        "unix:///run/redis/redis.sock?db=4",
    };
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        char json[256];
        snprintf(json, sizeof(json), "{\"redis\": {\"url\": \"%s\"}}", urls[i]);
        struct netra_config *config = parse_ok(json);
        assert_string_equal(config->redis.url, urls[i]);
        config_free(config);
    }
}

static void each_shard_has_its_url_or_the_main_one(void **state)
{
    (void)state;
    struct netra_config *config = parse_ok(
        "{\"redis\": {\"url\": \"redis://main/0\", \"shards\": 2,"
        " \"shard_urls\": [\"redis://a/0\", \"redis://b/0\"]}}");
    assert_string_equal(config_shard_url(config, 0), "redis://a/0");
    assert_string_equal(config_shard_url(config, 1), "redis://b/0");
    config_free(config);

    config = parse_ok("{\"redis\": {\"url\": \"redis://main/0\", \"shards\": 3}}");
    assert_string_equal(config_shard_url(config, 0), "redis://main/0");
    assert_string_equal(config_shard_url(config, 2), "redis://main/0");
    config_free(config);

    config = parse_ok("{\"redis\": {\"shards\": 2, \"shard_urls\": []}}");
    assert_null(config->redis.shard_urls);
    assert_int_equal(config->redis.shard_url_count, 0);
    config_free(config);
}

/* ---- comments ---------------------------------------------------------------------------- */

static void line_and_block_comments_are_ignored(void **state)
{
    (void)state;
    struct netra_config *config = parse_ok("// leading comment\n"
                                           "{ /* before a key */ \"crawler\": {\n"
                                           "    \"max_in_flight\": 12, // trailing comment\n"
                                           "    /* a block\n"
                                           "       over lines, with // inside */\n"
                                           "    \"claim_batch\": /**/ 7 /***/\n"
                                           "  }\n"
                                           "} // last line without a newline");
    assert_int_equal(config->crawler.max_in_flight, 12);
    assert_int_equal(config->crawler.claim_batch, 7);
    config_free(config);
}

static void comment_marks_inside_strings_are_text(void **state)
{
    (void)state;
    struct netra_config *config =
        parse_ok("{\"crawler\": {\"user_agent\": \"a // b /* c */ \\\" // d\"},\n"
                 " \"redis\": {\"url\": \"redis://host/0\"}}");
    assert_string_equal(config->crawler.user_agent, "a // b /* c */ \" // d");
    assert_string_equal(config->redis.url, "redis://host/0");
    config_free(config);
}

static void an_unterminated_block_comment_is_refused_at_its_start(void **state)
{
    (void)state;
    assert_string_equal(parse_error("{\n  \"redis\": {} /* not closed\n}\n"),
                        "2:15: unterminated /* comment");
    /* The slash that follows the opening star does not close it. */
    assert_string_equal(parse_error("{} /*/"), "1:4: unterminated /* comment");
}

/* ---- the environment --------------------------------------------------------------------- */

static void environment_variables_override_the_file(void **state)
{
    (void)state;
    char *path = write_config("{\"crawler\": {\"max_in_flight\": 5, \"claim_batch\": 9}}");
    setenv("NETRA_CRAWLER_MAX_IN_FLIGHT", "10", 1);
    setenv("NETRA_REDIS_URL", "redis://from-env:6379/1", 1);
    setenv("NETRA_STREAM_MAX_LEN", "2000000", 1);
    setenv("NETRA_WORKER_POLITICAL_THRESHOLD", "0.5", 1);
    setenv("NETRA_CRAWLER_USER_AGENT", "netra-env", 1);
    setenv("NETRA_PROCESS_LOG_LEVEL", "debug", 1);
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN];
    if (config_load(path, &config, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(config->crawler.max_in_flight, 10);
    assert_int_equal(config->crawler.claim_batch, 9);
    assert_string_equal(config->redis.url, "redis://from-env:6379/1");
    assert_int_equal(config->stream.max_len, 2000000);
    assert_float_equal(config->worker.political_threshold, 0.5, 1e-12);
    assert_string_equal(config->crawler.user_agent, "netra-env");
    assert_int_equal(config->process.log_level, LOG_LEVEL_DEBUG);
    config_free(config);
    unsetenv("NETRA_CRAWLER_MAX_IN_FLIGHT");
    unsetenv("NETRA_REDIS_URL");
    unsetenv("NETRA_STREAM_MAX_LEN");
    unsetenv("NETRA_WORKER_POLITICAL_THRESHOLD");
    unsetenv("NETRA_CRAWLER_USER_AGENT");
    unsetenv("NETRA_PROCESS_LOG_LEVEL");
    remove_config(path);
}

static void shard_urls_come_from_a_comma_separated_variable(void **state)
{
    (void)state;
    setenv("NETRA_REDIS_SHARDS", "3", 1);
    setenv("NETRA_REDIS_SHARD_URLS", "redis://a/0, redis://b/0 ,unix:///c.sock", 1);
    struct netra_config *config = parse_ok("{\"redis\": {\"shard_urls\": [\"redis://x/0\"]}}");
    assert_int_equal(config->redis.shards, 3);
    assert_int_equal(config->redis.shard_url_count, 3);
    assert_string_equal(config->redis.shard_urls[0], "redis://a/0");
    assert_string_equal(config->redis.shard_urls[1], "redis://b/0");
    assert_string_equal(config->redis.shard_urls[2], "unix:///c.sock");
    config_free(config);

    /* Empty, it takes the file's list away. */
    setenv("NETRA_REDIS_SHARD_URLS", "", 1);
    config = parse_ok("{\"redis\": {\"shard_urls\": [\"redis://x/0\", \"redis://y/0\", \"redis://z/0\"]}}");
    assert_int_equal(config->redis.shard_url_count, 0);
    assert_null(config->redis.shard_urls);
    config_free(config);
    unsetenv("NETRA_REDIS_SHARDS");
    unsetenv("NETRA_REDIS_SHARD_URLS");
}

static void NETRA_CONFIG_names_the_file_when_no_path_is_given(void **state)
{
    (void)state;
    char *named = write_config("{\"retention\": {\"unflagged_days\": 7}}");
    char *given = write_config("{\"retention\": {\"unflagged_days\": 9}}");
    setenv("NETRA_CONFIG", named, 1);
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN];
    if (config_load(NULL, &config, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(config->retention.unflagged_days, 7);
    assert_string_equal(config->path, named);
    config_free(config);

    if (config_load(given, &config, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(config->retention.unflagged_days, 9);
    config_free(config);
    unsetenv("NETRA_CONFIG");
    remove_config(named);
    remove_config(given);
}

static void bad_environment_values_name_the_variable(void **state)
{
    (void)state;
    setenv("NETRA_CRAWLER_MAX_IN_FLIGHT", "-3", 1);
    assert_string_equal(parse_error("{}"), "NETRA_CRAWLER_MAX_IN_FLIGHT: must be 1..100000, got -3");
    setenv("NETRA_CRAWLER_MAX_IN_FLIGHT", "12abc", 1);
    assert_string_equal(parse_error("{}"),
                        "NETRA_CRAWLER_MAX_IN_FLIGHT: expected an integer, got \"12abc\"");
    setenv("NETRA_CRAWLER_MAX_IN_FLIGHT", "", 1);
    assert_string_equal(parse_error("{}"),
                        "NETRA_CRAWLER_MAX_IN_FLIGHT: expected an integer, got \"\"");
    unsetenv("NETRA_CRAWLER_MAX_IN_FLIGHT");

    setenv("NETRA_REDIS_SHARDS", "two", 1);
    assert_string_equal(parse_error("{}"), "NETRA_REDIS_SHARDS: expected an integer, got \"two\"");
    unsetenv("NETRA_REDIS_SHARDS");

    setenv("NETRA_WORKER_SUSPECT_THRESHOLD", "1.5", 1);
    assert_string_equal(parse_error("{}"), "NETRA_WORKER_SUSPECT_THRESHOLD: must be 0..1, got 1.5");
    unsetenv("NETRA_WORKER_SUSPECT_THRESHOLD");

    setenv("NETRA_REDIS_URL", "http://cache:6379", 1);
    assert_string_equal(parse_error("{}"), "NETRA_REDIS_URL: must start with redis:// or unix://");
    unsetenv("NETRA_REDIS_URL");

    setenv("NETRA_CRAWLER_USER_AGENT", "bad\r\nX-Injected: 1", 1);
    assert_string_equal(parse_error("{}"),
                        "NETRA_CRAWLER_USER_AGENT: must not contain control characters");
    setenv("NETRA_CRAWLER_USER_AGENT", "caf\xE9", 1);
    assert_string_equal(parse_error("{}"), "NETRA_CRAWLER_USER_AGENT: invalid UTF-8 at byte 3");
    unsetenv("NETRA_CRAWLER_USER_AGENT");

    setenv("NETRA_PROCESS_LOG_LEVEL", "verbose", 1);
    assert_string_equal(parse_error("{}"),
                        "NETRA_PROCESS_LOG_LEVEL: must be debug, info, warn or error, got \"verbose\"");
    unsetenv("NETRA_PROCESS_LOG_LEVEL");

    setenv("NETRA_REDIS_SHARD_URLS", "redis://a/0,,redis://c/0", 1);
    assert_string_equal(parse_error("{\"redis\": {\"shards\": 3}}"),
                        "NETRA_REDIS_SHARD_URLS[1]: must be 1..2048 bytes long, got 0");
    unsetenv("NETRA_REDIS_SHARD_URLS");
}

/* ---- secrets ----------------------------------------------------------------------------- */

static void an_ENV_reference_is_replaced_by_the_variable(void **state)
{
    (void)state;
    setenv("TEST_NETRA_REDIS_SECRET_URL", "redis://:s3cret@cache:6379/0", 1);
    setenv("TEST_NETRA_SHARD_1", "redis://:other@shard1/0", 1);
    setenv("TEST_NETRA_BATCH", "99", 1);
    struct netra_config *config = parse_ok(
        "{\"redis\": {\"url\": \"$ENV:TEST_NETRA_REDIS_SECRET_URL\", \"shards\": 2,"
        "             \"shard_urls\": [\"redis://shard0/0\", \"$ENV:TEST_NETRA_SHARD_1\"]},"
        " \"stream\": {\"batch\": \"$ENV:TEST_NETRA_BATCH\"}}");
    assert_string_equal(config->redis.url, "redis://:s3cret@cache:6379/0");
    assert_string_equal(config->redis.shard_urls[1], "redis://:other@shard1/0");
    assert_int_equal(config->stream.batch, 99);
    config_free(config);

    /* An override may point at a secret too. */
    setenv("NETRA_REDIS_URL", "$ENV:TEST_NETRA_REDIS_SECRET_URL", 1);
    config = parse_ok("{}");
    assert_string_equal(config->redis.url, "redis://:s3cret@cache:6379/0");
    config_free(config);
    unsetenv("NETRA_REDIS_URL");
    unsetenv("TEST_NETRA_REDIS_SECRET_URL");
    unsetenv("TEST_NETRA_SHARD_1");
    unsetenv("TEST_NETRA_BATCH");
}

static void a_missing_or_empty_secret_names_key_and_variable(void **state)
{
    (void)state;
    unsetenv("TEST_NETRA_MISSING");
    assert_string_equal(parse_error("{\"redis\": {\"url\": \"$ENV:TEST_NETRA_MISSING\"}}"),
                        "redis.url: environment variable TEST_NETRA_MISSING is not set");
    setenv("TEST_NETRA_EMPTY", "", 1);
    assert_string_equal(parse_error("{\"redis\": {\"url\": \"$ENV:TEST_NETRA_EMPTY\"}}"),
                        "redis.url: environment variable TEST_NETRA_EMPTY is not set");
    unsetenv("TEST_NETRA_EMPTY");
    assert_string_equal(
        parse_error("{\"redis\": {\"shard_urls\": [\"$ENV:TEST_NETRA_MISSING\"]}}"),
        "redis.shard_urls[0]: environment variable TEST_NETRA_MISSING is not set");
    setenv("NETRA_CRAWLER_USER_AGENT", "$ENV:TEST_NETRA_MISSING", 1);
    assert_string_equal(parse_error("{}"),
                        "NETRA_CRAWLER_USER_AGENT: environment variable TEST_NETRA_MISSING is not set");
    unsetenv("NETRA_CRAWLER_USER_AGENT");
    assert_string_equal(parse_error("{\"redis\": {\"url\": \"$ENV:\"}}"),
                        "redis.url: \"$ENV:\" does not name an environment variable");
    assert_string_equal(parse_error("{\"redis\": {\"url\": \"$ENV:A=B\"}}"),
                        "redis.url: \"$ENV:A=B\" does not name an environment variable");
}

static void a_bad_secret_is_never_shown(void **state)
{
    (void)state;
    setenv("TEST_NETRA_SECRET", "hunter2-not-a-url", 1);
    const char *err = parse_error("{\"redis\": {\"url\": \"$ENV:TEST_NETRA_SECRET\"},"
                                  " \"stream\": {\"batch\": \"$ENV:TEST_NETRA_SECRET\"},"
                                  " \"process\": {\"log_level\": \"$ENV:TEST_NETRA_SECRET\"}}");
    assert_string_equal(err, "redis.url: must start with redis:// or unix://\n"
                             "stream.batch: expected an integer, got the value of $TEST_NETRA_SECRET\n"
                             "process.log_level: must be debug, info, warn or error, got the value"
                             " of $TEST_NETRA_SECRET");
    assert_null(strstr(err, "hunter2"));

    setenv("TEST_NETRA_SECRET", "12345", 1);
    err = parse_error("{\"stream\": {\"batch\": \"$ENV:TEST_NETRA_SECRET\"}}");
    assert_string_equal(err, "stream.batch: must be 1..10000, got the value of $TEST_NETRA_SECRET");
    unsetenv("TEST_NETRA_SECRET");
}

/* ---- refusals ---------------------------------------------------------------------------- */

struct refusal {
    const char *json;
    const char *error;
};

static void assert_refusals(const struct refusal *refusals, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const char *err = parse_error(refusals[i].json);
        if (strcmp(err, refusals[i].error) != 0)
            fail_msg("%s\n  refused with: %s\n  expected:     %s", refusals[i].json, err,
                     refusals[i].error);
    }
}

#define ASSERT_REFUSALS(list) assert_refusals(list, sizeof(list) / sizeof(list[0]))

static void values_of_the_wrong_type_are_refused(void **state)
{
    (void)state;
    static const struct refusal refusals[] = {
        {"{\"redis\": {\"shards\": \"two\"}}", "redis.shards: expected an integer, got \"two\""},
        {"{\"stream\": {\"batch\": 2.5}}", "stream.batch: expected an integer, got 2.5"},
        {"{\"crawler\": {\"claim_batch\": true}}",
         "crawler.claim_batch: expected an integer, got true"},
        {"{\"crawler\": {\"max_body_bytes\": null}}",
         "crawler.max_body_bytes: expected an integer, got null"},
        {"{\"worker\": {\"political_threshold\": \"high\"}}",
         "worker.political_threshold: expected a number, got \"high\""},
        {"{\"worker\": {\"suspect_threshold\": [0.5]}}",
         "worker.suspect_threshold: expected a number, got a list"},
        {"{\"crawler\": {\"user_agent\": 42}}", "crawler.user_agent: expected a string, got 42"},
        {"{\"worker\": {\"rules_dir\": {}}}", "worker.rules_dir: expected a string, got an object"},
        {"{\"redis\": {\"shard_urls\": \"redis://a/0\"}}",
         "redis.shard_urls: expected a list of URLs, got \"redis://a/0\""},
        {"{\"redis\": {\"shards\": 2, \"shard_urls\": [\"redis://a/0\", 7]}}",
         "redis.shard_urls[1]: expected a string, got 7"},
        {"{\"process\": {\"log_level\": \"verbose\"}}",
         "process.log_level: must be debug, info, warn or error, got \"verbose\""},
        {"{\"process\": {\"log_level\": 1}}",
         "process.log_level: must be debug, info, warn or error, got 1"},
        {"{\"redis\": 3}", "redis: expected an object, got 3"},
        {"[1]", "expected an object at the top, got a list"},
    };
    ASSERT_REFUSALS(refusals);
}

static void values_out_of_range_are_refused(void **state)
{
    (void)state;
    static const struct refusal refusals[] = {
        {"{\"crawler\": {\"max_in_flight\": -3}}",
         "crawler.max_in_flight: must be 1..100000, got -3"},
        {"{\"crawler\": {\"max_in_flight\": 100001}}",
         "crawler.max_in_flight: must be 1..100000, got 100001"},
        {"{\"redis\": {\"shards\": 0}}", "redis.shards: must be 1..1024, got 0"},
        {"{\"redis\": {\"shards\": 1025}}", "redis.shards: must be 1..1024, got 1025"},
        {"{\"stream\": {\"batch\": 10001}}", "stream.batch: must be 1..10000, got 10001"},
        {"{\"stream\": {\"max_deliveries\": 0}}", "stream.max_deliveries: must be 1..1000, got 0"},
        {"{\"stream\": {\"max_len\": 999}}", "stream.max_len: must be 1000..1000000000, got 999"},
        {"{\"schedule\": {\"jitter_pct\": 51}}", "schedule.jitter_pct: must be 0..50, got 51"},
        {"{\"worker\": {\"political_threshold\": 1.5}}",
         "worker.political_threshold: must be 0..1, got 1.5"},
        {"{\"worker\": {\"suspect_threshold\": -0.1}}",
         "worker.suspect_threshold: must be 0..1, got -0.1"},
        {"{\"retention\": {\"unflagged_days\": 3651}}",
         "retention.unflagged_days: must be 1..3650, got 3651"},
        {"{\"retention\": {\"dismissed_days\": 0}}",
         "retention.dismissed_days: must be 1e-05..36500, got 0"},
        {"{\"retention\": {\"confirmed_days\": -1}}",
         "retention.confirmed_days: must be 0..36500, got -1"},
        {"{\"retention\": {\"audit_days\": 36501}}",
         "retention.audit_days: must be 0..36500, got 36501"},
        {"{\"crawler\": {\"max_body_bytes\": 1e300}}",
         "crawler.max_body_bytes: must be 1024..1073741824, got 1e+300"},
        {"{\"redis\": {\"command_timeout_ms\": 1e999}}",
         "redis.command_timeout_ms: must be 1..600000, got inf"},
        {"{\"process\": {\"heartbeat_ttl_s\": 0}}", "process.heartbeat_ttl_s: must be 1..3600, got 0"},
    };
    ASSERT_REFUSALS(refusals);
}

static void malformed_strings_are_refused(void **state)
{
    (void)state;
    static const struct refusal refusals[] = {
        {"{\"redis\": {\"key_prefix\": \"\"}}", "redis.key_prefix: must be 1..64 bytes long, got 0"},
        {"{\"redis\": {\"key_prefix\": \"n{s0}:\"}}", "redis.key_prefix: must not contain { or }"},
        {"{\"crawler\": {\"user_agent\": \"a\\r\\nX: y\"}}",
         "crawler.user_agent: must not contain control characters"},
        {"{\"worker\": {\"rules_dir\": \"\"}}", "worker.rules_dir: must be 1..4096 bytes long, got 0"},
        {"{\"redis\": {\"url\": \"http://cache:6379\"}}",
         "redis.url: must start with redis:// or unix://"},
        {"{\"redis\": {\"url\": \"redis://\"}}", "redis.url: missing host"},
        {"{\"redis\": {\"url\": \"redis://:pw@:6379/0\"}}", "redis.url: missing host"},
        {"{\"redis\": {\"url\": \"redis://ca che:6379\"}}",
         "redis.url: control, space or non-ASCII byte at offset 10"},
        {"{\"redis\": {\"url\": \"redis://[::1:6379\"}}",
         "redis.url: unterminated '[' in the host"},
        {"{\"redis\": {\"url\": \"redis://cache:0\"}}", "redis.url: port must be 1..65535"},
        {"{\"redis\": {\"url\": \"redis://cache:65536\"}}", "redis.url: port must be 1..65535"},
        {"{\"redis\": {\"url\": \"redis://cache:63x9/0\"}}", "redis.url: port must be 1..65535"},
        {"{\"redis\": {\"url\": \"redis://cache:/0\"}}", "redis.url: port must be 1..65535"},
        {"{\"redis\": {\"url\": \"redis://cache:6379/db\"}}", "redis.url: database must be a number 0..1000000"},
        {"{\"redis\": {\"url\": \"redis://cache/1000001\"}}", "redis.url: database must be a number 0..1000000"},
        {"{\"redis\": {\"url\": \"redis://cache:6379?db=1\"}}",
         "redis.url: query strings and fragments are not supported"},
        {"{\"redis\": {\"url\": \"unix://\"}}", "redis.url: unix:// needs an absolute path (unix:///path)"},
        {"{\"redis\": {\"url\": \"unix:///r.sock?timeout=1\"}}",
         "redis.url: the only unix:// option is ?db=N"},
        {"{\"redis\": {\"url\": \"unix://run/redis.sock\"}}",
         "redis.url: unix:// needs an absolute path (unix:///path)"},
        {"{\"redis\": {\"shard_urls\": [\"mysql://db\"]}}",
         "redis.shard_urls[0]: must start with redis:// or unix://"},
    };
    ASSERT_REFUSALS(refusals);
}

static void a_too_long_string_is_refused(void **state)
{
    (void)state;
    char json[400];
    int used = snprintf(json, sizeof(json), "{\"crawler\": {\"user_agent\": \"");
    memset(json + used, 'a', 257);
    snprintf(json + used + 257, sizeof(json) - (size_t)used - 257, "\"}}");
    assert_string_equal(parse_error(json), "crawler.user_agent: must be 1..256 bytes long, got 257");
}

static void unknown_and_repeated_keys_are_refused(void **state)
{
    (void)state;
    static const struct refusal refusals[] = {
        {"{\"crawler\": {\"max_in_fligth\": 1}}", "crawler.max_in_fligth: unknown key"},
        {"{\"crawlers\": {}}", "crawlers: unknown section"},
        {"{\"crawler\": {\"a\\nb\\\"\": 1}}", "crawler.a\\x0Ab\\x22: unknown key"},
        {"{\"redis\": {\"shards\": 2, \"shards\": 3}}", "redis.shards: given more than once"},
        {"{\"redis\": {\"shards\": 2}, \"redis\": {\"shards\": 3}}",
         "redis.shards: given more than once"},
    };
    ASSERT_REFUSALS(refusals);
}

static void keys_that_depend_on_each_other_are_checked_together(void **state)
{
    (void)state;
    static const struct refusal refusals[] = {
        {"{\"redis\": {\"reconnect_min_ms\": 500, \"reconnect_max_ms\": 100}}",
         "redis.reconnect_min_ms: must be at most redis.reconnect_max_ms, got 500 and 100"},
        {"{\"stream\": {\"block_ms\": 5000}}",
         "stream.block_ms: must be less than redis.command_timeout_ms, got 5000 and 5000"},
        {"{\"schedule\": {\"min_interval_s\": 1000}}",
         "schedule.min_interval_s: must be at most schedule.default_interval_s, got 1000 and 900"},
        {"{\"process\": {\"heartbeat_interval_ms\": 30000}}",
         "process.heartbeat_interval_ms: must be less than process.heartbeat_ttl_s, got 30000 and 30"},
        {"{\"redis\": {\"shards\": 2, \"shard_urls\": [\"redis://a/0\"]}}",
         "redis.shard_urls: must have one URL per shard (redis.shards is 2), got 1"},
        {"{\"redis\": {\"shard_urls\": [\"redis://a/0\", \"redis://b/0\"]}}",
         "redis.shard_urls: must have one URL per shard (redis.shards is 1), got 2"},
        /* A key already refused on its own is not compared again. */
        {"{\"redis\": {\"reconnect_min_ms\": 500, \"reconnect_max_ms\": \"x\"}}",
         "redis.reconnect_max_ms: expected an integer, got \"x\""},
        {"{\"redis\": {\"shards\": \"two\", \"shard_urls\": [\"redis://a/0\", \"redis://b/0\"]}}",
         "redis.shards: expected an integer, got \"two\""},
    };
    ASSERT_REFUSALS(refusals);
    /* Equal ends are allowed where the order is not strict. */
    struct netra_config *config =
        parse_ok("{\"redis\": {\"reconnect_min_ms\": 700, \"reconnect_max_ms\": 700},"
                 " \"schedule\": {\"min_interval_s\": 900}}");
    config_free(config);
}

static void more_shard_urls_than_shards_can_exist_are_refused(void **state)
{
    (void)state;
    size_t capacity = 1025 * 16 + 64;
    char *json = malloc(capacity);
    assert_non_null(json);
    size_t used = (size_t)snprintf(json, capacity, "{\"redis\": {\"shard_urls\": [");
    for (int i = 0; i < 1025; i++)
        used += (size_t)snprintf(json + used, capacity - used, "%s\"redis://h/0\"", i ? "," : "");
    snprintf(json + used, capacity - used, "]}}");
    assert_string_equal(parse_error(json), "redis.shard_urls: must have at most 1024 entries");
    free(json);
}

/* ---- platforms ------------------------------------------------------------------------- */

static void platform_sections_nest_one_level(void **state)
{
    (void)state;
    setenv("TEST_NETRA_X_TOKEN", "AAAA-bearer", 1);
    struct netra_config *config = parse_ok(
        "{\"platforms\": {\n"
        "  \"mastodon\": {\"base_url\": \"http://127.0.0.1:8080/mastodon\", \"page_size\": 20,\n"
        "                \"max_connections\": 4, \"min_interval_ms\": 0,\n"
        "                \"allowed_hosts\": [\"127.0.0.1\", \"localhost\", \"[::1]\"]},\n"
        "  \"x\": {\"token\": \"$ENV:TEST_NETRA_X_TOKEN\"},\n"
        "  \"feed\": {\"allowed_hosts\": [\"www.youtube.com\", \"rsshub.app\"]},\n"
        "  \"jsonapi\": {\"url\": \"https://api.example/u/{handle}/posts?c={cursor}\",\n"
        "              \"items\": \"\", \"id\": \"/meta/~1id~0\", \"url_field\": \"\",\n"
        "              \"next\": \"\"}\n"
        "}, \"crawler\": {\"max_pages\": 3, \"backoff_min_s\": 1, \"backoff_max_s\": 2}}");
    const struct platform_config *mastodon = config_platform(config, "mastodon");
    assert_ptr_equal(mastodon, &config->platforms.mastodon);
    assert_string_equal(mastodon->base_url, "http://127.0.0.1:8080/mastodon");
    assert_int_equal(mastodon->page_size, 20);
    assert_int_equal(mastodon->max_connections, 4);
    assert_int_equal(mastodon->min_interval_ms, 0);
    assert_int_equal(mastodon->allowed_host_count, 3);
    assert_string_equal(mastodon->allowed_hosts[0], "127.0.0.1");
    assert_string_equal(mastodon->allowed_hosts[1], "localhost");
    assert_string_equal(mastodon->allowed_hosts[2], "[::1]");
    assert_string_equal(config_platform(config, "x")->token, "AAAA-bearer");
    assert_string_equal(config_platform(config, "x")->base_url, "https://api.x.com");
    assert_int_equal(config_platform(config, "feed")->allowed_host_count, 2);
    assert_string_equal(config_platform(config, "feed")->allowed_hosts[1], "rsshub.app");
    assert_ptr_equal(config_platform(config, "bluesky"), &config->platforms.bluesky);
    assert_ptr_equal(config_platform(config, "jsonapi"), &config->platforms.jsonapi);
    assert_null(config_platform(config, "myspace"));
    assert_string_equal(config->platforms.jsonapi_map.url,
                        "https://api.example/u/{handle}/posts?c={cursor}");
    assert_string_equal(config->platforms.jsonapi_map.items, "");
    assert_string_equal(config->platforms.jsonapi_map.id, "/meta/~1id~0");
    assert_string_equal(config->platforms.jsonapi_map.text, "/body");
    assert_string_equal(config->platforms.jsonapi_map.url_field, "");
    assert_string_equal(config->platforms.jsonapi_map.next, "");
    assert_int_equal(config->crawler.max_pages, 3);
    assert_int_equal(config->crawler.backoff_min_s, 1);
    assert_int_equal(config->crawler.backoff_max_s, 2);
    config_free(config);
    unsetenv("TEST_NETRA_X_TOKEN");
}

static void platform_keys_come_from_the_environment_too(void **state)
{
    (void)state;
    setenv("NETRA_PLATFORMS_FEED_ALLOWED_HOSTS", "a.example, b.example", 1);
    setenv("NETRA_PLATFORMS_X_MIN_INTERVAL_MS", "250", 1);
    setenv("NETRA_PLATFORMS_JSONAPI_NEXT", "/paging/next", 1);
    setenv("NETRA_CRAWLER_SHUTDOWN_GRACE_MS", "0", 1);
    struct netra_config *config =
        parse_ok("{\"platforms\": {\"feed\": {\"allowed_hosts\": [\"file.example\"]}}}");
    assert_int_equal(config->platforms.feed.allowed_host_count, 2);
    assert_string_equal(config->platforms.feed.allowed_hosts[0], "a.example");
    assert_string_equal(config->platforms.feed.allowed_hosts[1], "b.example");
    assert_int_equal(config->platforms.x.min_interval_ms, 250);
    assert_string_equal(config->platforms.jsonapi_map.next, "/paging/next");
    assert_int_equal(config->crawler.shutdown_grace_ms, 0);
    config_free(config);

    setenv("NETRA_PLATFORMS_FEED_ALLOWED_HOSTS", "a,b,c,d,e,f,g,h,i", 1);
    assert_string_equal(parse_error("{}"),
                        "NETRA_PLATFORMS_FEED_ALLOWED_HOSTS: must have at most 8 entries");
    setenv("NETRA_PLATFORMS_FEED_ALLOWED_HOSTS", "https://a.example", 1);
    assert_string_equal(parse_error("{}"),
                        "NETRA_PLATFORMS_FEED_ALLOWED_HOSTS[0]: must be a host name or address "
                        "only (no scheme, port or path)");
    unsetenv("NETRA_PLATFORMS_FEED_ALLOWED_HOSTS");
    unsetenv("NETRA_PLATFORMS_X_MIN_INTERVAL_MS");
    unsetenv("NETRA_PLATFORMS_JSONAPI_NEXT");
    unsetenv("NETRA_CRAWLER_SHUTDOWN_GRACE_MS");
}

static void bad_platform_settings_are_refused(void **state)
{
    (void)state;
    static const struct refusal refusals[] = {
        {"{\"platforms\": {\"myspace\": {}}}", "platforms.myspace: unknown key"},
        {"{\"platforms\": {\"x\": {\"secret\": 1}}}", "platforms.x.secret: unknown key"},
        {"{\"platforms\": {\"x\": 1}}", "platforms.x: expected an object, got 1"},
        {"{\"platforms\": []}", "platforms: expected an object, got a list"},
        {"{\"platforms.x\": {}}", "platforms.x: unknown section"},
        {"{\"platforms\": {\"x.token\": \"t\"}}", "platforms.x.token: unknown key"},
        {"{\"platforms\": {\"x\": {\"token\": \"a\"}}, \"platforms\": {\"x\": {\"token\": \"b\"}}}",
         "platforms.x.token: given more than once"},
        {"{\"platforms\": {\"bluesky\": {\"base_url\": \"ftp://bsky.example\"}}}",
         "platforms.bluesky.base_url: must start with http:// or https://"},
        {"{\"platforms\": {\"bluesky\": {\"base_url\": \"https://bsky.example/\"}}}",
         "platforms.bluesky.base_url: must not end with /"},
        {"{\"platforms\": {\"bluesky\": {\"base_url\": \"https://bsky.example/?a=1\"}}}",
         "platforms.bluesky.base_url: must not have a query or fragment"},
        {"{\"platforms\": {\"x\": {\"base_url\": \"https:///2\"}}}",
         "platforms.x.base_url: missing host"},
        {"{\"platforms\": {\"x\": {\"base_url\": \"https://api x.com\"}}}",
         "platforms.x.base_url: must not contain spaces"},
        {"{\"platforms\": {\"x\": {\"token\": \"abc\\r\\nX-Evil: 1\"}}}",
         "platforms.x.token: must not contain control characters"},
        {"{\"platforms\": {\"x\": {\"page_size\": 0}}}",
         "platforms.x.page_size: must be 1..1000, got 0"},
        {"{\"platforms\": {\"x\": {\"max_connections\": 1025}}}",
         "platforms.x.max_connections: must be 1..1024, got 1025"},
        {"{\"platforms\": {\"x\": {\"min_interval_ms\": -1}}}",
         "platforms.x.min_interval_ms: must be 0..3600000, got -1"},
        {"{\"platforms\": {\"feed\": {\"allowed_hosts\": \"a.example\"}}}",
         "platforms.feed.allowed_hosts: expected a list of host names, got \"a.example\""},
        {"{\"platforms\": {\"feed\": {\"allowed_hosts\": [\"a.example:8080\"]}}}",
         "platforms.feed.allowed_hosts[0]: must be a host name or address only (no scheme, port "
         "or path)"},
        {"{\"platforms\": {\"feed\": {\"allowed_hosts\": [\"ok.example\", \"\"]}}}",
         "platforms.feed.allowed_hosts[1]: must be 1..253 bytes long, got 0"},
        {"{\"platforms\": {\"feed\": {\"allowed_hosts\": [\"::1\"]}}}",
         "platforms.feed.allowed_hosts[0]: must be a host name or address only (no scheme, port "
         "or path)"},
        {"{\"platforms\": {\"feed\": {\"allowed_hosts\": [\"[::1\"]}}}",
         "platforms.feed.allowed_hosts[0]: an IPv6 address must be in brackets, e.g. [::1]"},
        {"{\"platforms\": {\"feed\": {\"allowed_hosts\":"
         " [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}}}",
         "platforms.feed.allowed_hosts: must have at most 8 entries"},
        {"{\"platforms\": {\"jsonapi\": {\"url\": \"https://{handle}.example/posts\"}}}",
         "platforms.jsonapi.url: placeholders are only allowed after the host"},
        {"{\"platforms\": {\"jsonapi\": {\"url\": \"api.example/{handle}\"}}}",
         "platforms.jsonapi.url: must start with http:// or https://"},
        {"{\"platforms\": {\"jsonapi\": {\"items\": \"data\"}}}",
         "platforms.jsonapi.items: must be a JSON pointer: \"\" or starting with /"},
        {"{\"platforms\": {\"jsonapi\": {\"id\": \"/a~2b\"}}}",
         "platforms.jsonapi.id: ~ must be followed by 0 or 1 in a JSON pointer"},
        {"{\"platforms\": {\"jsonapi\": {\"text\": \"/body~\"}}}",
         "platforms.jsonapi.text: ~ must be followed by 0 or 1 in a JSON pointer"},
        {"{\"crawler\": {\"max_pages\": 0}}", "crawler.max_pages: must be 1..100000, got 0"},
        {"{\"crawler\": {\"poll_interval_ms\": 5}}",
         "crawler.poll_interval_ms: must be 10..600000, got 5"},
        {"{\"crawler\": {\"backoff_min_s\": 600, \"backoff_max_s\": 60}}",
         "crawler.backoff_min_s: must be at most crawler.backoff_max_s, got 600 and 60"},
        {"{\"crawler\": {\"connect_timeout_ms\": 70000}}",
         "crawler.connect_timeout_ms: must be at most crawler.total_timeout_ms, got 70000 and "
         "60000"},
    };
    ASSERT_REFUSALS(refusals);
}

/* ---- engagement -------------------------------------------------------------------------- */

static void engagement_defaults_follow_what_each_platform_shows(void **state)
{
    (void)state;
    struct netra_config *config = parse_ok("{}");
    assert_true(config->engagement.enabled);
    assert_int_equal(config->engagement.interval_s, 86400);
    assert_int_equal(config->engagement.max_pages, 50);
    assert_true(config->platforms.mastodon.follows);
    assert_false(config->platforms.mastodon.likes);
    assert_true(config->platforms.bluesky.follows);
    assert_true(config->platforms.bluesky.likes);
    assert_string_equal(config->platforms.bluesky.pds_url, "");
    assert_true(config->platforms.x.follows);
    assert_false(config->platforms.x.likes);
    assert_false(config->platforms.feed.follows || config->platforms.feed.likes);
    assert_false(config->platforms.jsonapi.follows || config->platforms.jsonapi.likes);
    assert_true(config_engagement_on(config, "mastodon"));
    assert_true(config_engagement_on(config, "bluesky"));
    assert_true(config_engagement_on(config, "x"));
    assert_false(config_engagement_on(config, "feed"));
    assert_false(config_engagement_on(config, "jsonapi"));
    assert_false(config_engagement_on(config, "myspace"));
    config_free(config);
}

static void engagement_is_switched_per_platform_and_as_a_whole(void **state)
{
    (void)state;
    struct netra_config *config = parse_ok(
        "{\"engagement\": {\"interval_s\": 3600, \"max_pages\": 5},\n"
        " \"platforms\": {\"x\": {\"follows\": false},\n"
        "               \"bluesky\": {\"likes\": false,\n"
        "                           \"pds_url\": \"https://pds.example\"}}}");
    assert_int_equal(config->engagement.interval_s, 3600);
    assert_int_equal(config->engagement.max_pages, 5);
    assert_false(config_engagement_on(config, "x"));
    assert_true(config_engagement_on(config, "bluesky"));
    assert_false(config->platforms.bluesky.likes);
    assert_string_equal(config->platforms.bluesky.pds_url, "https://pds.example");
    config_free(config);

    setenv("NETRA_ENGAGEMENT_ENABLED", "false", 1);
    setenv("NETRA_PLATFORMS_X_LIKES", "true", 1);
    setenv("NETRA_PLATFORMS_BLUESKY_PDS_URL", "http://127.0.0.1:9000", 1);
    config = parse_ok("{\"engagement\": {\"enabled\": true}}");
    assert_false(config->engagement.enabled);
    assert_true(config->platforms.x.likes);
    assert_string_equal(config->platforms.bluesky.pds_url, "http://127.0.0.1:9000");
    assert_false(config_engagement_on(config, "bluesky"));
    assert_false(config_engagement_on(config, "mastodon"));
    config_free(config);
    unsetenv("NETRA_ENGAGEMENT_ENABLED");
    unsetenv("NETRA_PLATFORMS_X_LIKES");
    unsetenv("NETRA_PLATFORMS_BLUESKY_PDS_URL");
}

static void bad_engagement_settings_are_refused(void **state)
{
    (void)state;
    static const struct refusal refusals[] = {
        {"{\"engagement\": {\"interval_s\": 0}}",
         "engagement.interval_s: must be 1..2592000, got 0"},
        {"{\"engagement\": {\"max_pages\": 0}}",
         "engagement.max_pages: must be 1..100000, got 0"},
        {"{\"engagement\": {\"enabled\": 1}}",
         "engagement.enabled: expected true or false, got 1"},
        {"{\"engagement\": {\"follows\": true}}", "engagement.follows: unknown key"},
        {"{\"platforms\": {\"x\": {\"likes\": \"yes\"}}}",
         "platforms.x.likes: expected true or false, got \"yes\""},
        {"{\"platforms\": {\"mastodon\": {\"likes\": true}}}",
         "platforms.mastodon.likes: unknown key"},
        {"{\"platforms\": {\"feed\": {\"follows\": true}}}",
         "platforms.feed.follows: unknown key"},
        {"{\"platforms\": {\"x\": {\"pds_url\": \"https://pds.example\"}}}",
         "platforms.x.pds_url: unknown key"},
        {"{\"platforms\": {\"bluesky\": {\"pds_url\": \"pds.example\"}}}",
         "platforms.bluesky.pds_url: must start with http:// or https://"},
        {"{\"platforms\": {\"bluesky\": {\"pds_url\": \"https://pds.example/\"}}}",
         "platforms.bluesky.pds_url: must not end with /"},
    };
    ASSERT_REFUSALS(refusals);
}

/* ---- the file's bytes -------------------------------------------------------------------- */

static void a_syntax_error_gives_line_and_column(void **state)
{
    (void)state;
    /* A missing comma: the error points at the key that follows it. */
    assert_string_equal(parse_error("{\n  \"redis\": {\n    \"shards\": 2\n    \"url\": \"redis://h/0\"\n  }\n}\n"),
                        "4:5: invalid JSON");
    assert_string_equal(parse_error("{\"a\": 1} trailing"), "1:10: invalid JSON");
    assert_string_equal(parse_error(""), "1:1: invalid JSON");
    assert_string_equal(parse_error("// only a comment\n"), "2:1: invalid JSON");
    /* Columns count characters, not bytes: "é" is one. */
    assert_string_equal(parse_error("{\"crawler\": {\"user_agent\": \"\xC3\xA9\" x}}"),
                        "1:32: invalid JSON");

    char *path = write_config("{\n  \"crawler\": {\"max_in_flight\": 1 \"claim_batch\": 2}\n}\n");
    char expected[300];
    snprintf(expected, sizeof(expected), "%s:2:34: invalid JSON", path);
    assert_string_equal(load_error(path), expected);
    remove_config(path);
}

static void bytes_that_are_not_utf8_are_refused_with_their_position(void **state)
{
    (void)state;
    assert_string_equal(parse_error("{\n\"crawler\": {\"user_agent\": \"caf\xE9\"}}"),
                        "2:31: invalid UTF-8");
    assert_string_equal(parse_error("// \xC0\xAF in a comment\n{}"), "1:4: invalid UTF-8");
    static const char with_nul[] = "{\"crawler\": {\"user_agent\": \"a\0b\"}}";
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN];
    assert_int_equal(config_parse(with_nul, sizeof(with_nul) - 1, NULL, &config, err, sizeof(err)),
                     -1);
    assert_null(config);
    assert_string_equal(err, "1:30: NUL byte");
}

static void a_file_over_4_MiB_is_refused(void **state)
{
    (void)state;
    char *data = malloc(FOUR_MIB + 1);
    assert_non_null(data);
    memset(data, ' ', FOUR_MIB + 1);
    memcpy(data, "{}", 2);

    char *path = test_write_temp_file(data, FOUR_MIB, ".jsonc");
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN];
    if (config_load(path, &config, err, sizeof(err)) != 0)
        fail_msg("exactly 4 MiB refused: %s", err);
    config_free(config);
    remove_config(path);

    path = test_write_temp_file(data, FOUR_MIB + 1, ".jsonc");
    char expected[300];
    snprintf(expected, sizeof(expected), "%s: larger than 4194304 bytes (4 MiB)", path);
    assert_string_equal(load_error(path), expected);
    remove_config(path);
    free(data);
}

static void a_file_that_cannot_be_read_is_named(void **state)
{
    (void)state;
    assert_string_equal(load_error("/nonexistent/netra.jsonc"),
                        "/nonexistent/netra.jsonc: cannot open: No such file or directory");
    assert_string_equal(load_error("/"), "/: cannot read: Is a directory");
}

/* ---- reporting --------------------------------------------------------------------------- */

static void every_problem_is_reported_one_a_line(void **state)
{
    (void)state;
    char *path = write_config("{\"crawler\": {\"max_in_flight\": -3, \"max_in_fligth\": 1},\n"
                              " \"redis\": {\"url\": \"http://x\", \"shards\": \"two\"}}");
    setenv("NETRA_STREAM_BATCH", "0", 1);
    char expected[1024];
    snprintf(expected, sizeof(expected),
             "%s: crawler.max_in_flight: must be 1..100000, got -3\n"
             "%s: crawler.max_in_fligth: unknown key\n"
             "%s: redis.url: must start with redis:// or unix://\n"
             "%s: redis.shards: expected an integer, got \"two\"\n"
             "NETRA_STREAM_BATCH: must be 1..10000, got 0",
             path, path, path, path);
    assert_string_equal(load_error(path), expected);
    unsetenv("NETRA_STREAM_BATCH");
    remove_config(path);
}

static void a_long_list_of_problems_is_cut_to_the_buffer(void **state)
{
    (void)state;
    char json[4096];
    size_t used = (size_t)snprintf(json, sizeof(json), "{\"crawler\": {");
    for (int i = 0; i < 100; i++)
        used += (size_t)snprintf(json + used, sizeof(json) - used, "%s\"k%02d\": 1", i ? "," : "", i);
    snprintf(json + used, sizeof(json) - used, "}}");

    struct netra_config *config = NULL;
    char err[128];
    memset(err, 'X', sizeof(err));
    assert_int_equal(config_parse(json, strlen(json), NULL, &config, err, sizeof(err)), -1);
    assert_null(config);
    assert_true(strlen(err) < sizeof(err));
    assert_string_equal(err, "crawler.k00: unknown key\n"
                             "crawler.k01: unknown key\n"
                             "crawler.k02: unknown key\n"
                             "... and 97 more");

    /* No room at all is not an overflow either. */
    assert_int_equal(config_parse(json, strlen(json), NULL, &config, NULL, 0), -1);
    assert_null(config);
}

/* The suite's own NETRA_* paths stay; anything else from the caller's shell would change what
 * the tests load. */
static void clear_netra_environment(void)
{
    static const char *const keep[] = {"NETRA_SOURCE_DIR=", "NETRA_BINARY_DIR=",
                                       "NETRA_SHARED_DIR=", "NETRA_TEST_"};
    for (size_t i = 0; environ[i] != NULL;) {
        const char *entry = environ[i];
        bool kept = strncmp(entry, "NETRA_", 6) != 0;
        for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]) && !kept; k++)
            kept = strncmp(entry, keep[k], strlen(keep[k])) == 0;
        if (kept) {
            i++;
            continue;
        }
        char name[256];
        size_t length = strcspn(entry, "=");
        snprintf(name, sizeof(name), "%.*s", (int)length, entry);
        unsetenv(name);
    }
}

/* ---- netra-desk ------------------------------------------------------------------------- */

#define HASH "pbkdf2-sha256$200000$MDEyMzQ1Njc4OWFiY2RlZg==$hRRjgXWkW8ResfIvBP99J/T4vkgEmMRV/0tJTOjR59I="

static void desk_users_and_webhooks_are_lists_of_objects(void **state)
{
    (void)state;
    setenv("NETRA_TEST_HOOK_SECRET", "0123456789abcdef0123", 1);
    struct netra_config *config = parse_ok(
        "{\"desk\": {\"four_eyes\": true, \"listen\": \"[::1]:9000\", \"language\": \"en\",\n"
        "  \"users\": [{\"name\": \"rina\", \"role\": \"reviewer\", \"password\": \"" HASH "\"},\n"
        "            {\"name\": \"bawaslu\", \"role\": \"feed\", \"token\": \"" HASH "\"}],\n"
        "  \"webhooks\": [{\"url\": \"https://bawaslu.example/hook\",\n"
        "               \"secret\": \"$ENV:NETRA_TEST_HOOK_SECRET\"}]}}");
    assert_int_equal(config->desk.four_eyes, 1);
    assert_string_equal(config->desk.listen, "[::1]:9000");
    assert_int_equal(config->desk.user_count, 2);
    assert_string_equal(config->desk.users[0].name, "rina");
    assert_string_equal(config->desk.users[0].role, "reviewer");
    assert_string_equal(config->desk.users[0].password, HASH);
    assert_string_equal(config->desk.users[0].token, "");
    assert_string_equal(config->desk.users[1].password, "");
    assert_string_equal(config->desk.users[1].token, HASH);
    assert_int_equal(config->desk.webhook_count, 1);
    assert_string_equal(config->desk.webhooks[0].url, "https://bawaslu.example/hook");
    assert_string_equal(config->desk.webhooks[0].secret, "0123456789abcdef0123");
    config_free(config);

    setenv("NETRA_DESK_FOUR_EYES", "true", 1);
    setenv("NETRA_DESK_USERS", "[{\"name\": \"sari\", \"role\": \"supervisor\"}]", 1);
    config = parse_ok("{}");
    assert_int_equal(config->desk.four_eyes, 1);
    assert_int_equal(config->desk.user_count, 1);
    assert_string_equal(config->desk.users[0].role, "supervisor");
    config_free(config);
    unsetenv("NETRA_DESK_FOUR_EYES");
    unsetenv("NETRA_DESK_USERS");
    unsetenv("NETRA_TEST_HOOK_SECRET");
}

static void bad_desk_users_and_webhooks_are_named(void **state)
{
    (void)state;
    const struct {
        const char *json, *error;
    } cases[] = {
        {"{\"desk\": {\"users\": [{\"name\": \"rina\", \"role\": \"admin\"}]}}",
         "desk.users[0].role: must be \"reviewer\", \"supervisor\" or \"feed\""},
        {"{\"desk\": {\"users\": [{\"role\": \"reviewer\"}]}}", "desk.users[0]: missing name"},
        {"{\"desk\": {\"users\": [{\"name\": \"a b\", \"role\": \"feed\"}]}}",
         "desk.users[0].name: must hold only letters, digits, . _ @ -"},
        {"{\"desk\": {\"users\": [{\"name\": \"r\", \"role\": \"feed\", \"password\": \"hunter2\"}]}}",
         "desk.users[0].password: must be a hash \"pbkdf2-sha256$...\" from `netra desk-hash`, "
         "not the secret"},
        {"{\"desk\": {\"users\": [{\"name\": \"r\", \"role\": \"feed\", \"pin\": \"1\"}]}}",
         "desk.users[0].pin: unknown key"},
        {"{\"desk\": {\"users\": [{\"name\": \"r\", \"role\": \"feed\"}, "
         "{\"name\": \"r\", \"role\": \"reviewer\"}]}}",
         "desk.users[1]: user \"r\" is listed twice"},
        {"{\"desk\": {\"users\": [\"rina\"]}}", "desk.users[0]: expected an object, got \"rina\""},
        {"{\"desk\": {\"users\": {}}}", "desk.users: expected a list of users, got an object"},
        {"{\"desk\": {\"webhooks\": [{\"url\": \"ftp://x\", \"secret\": \"0123456789abcdef\"}]}}",
         "desk.webhooks[0].url: must start with http:// or https://"},
        {"{\"desk\": {\"webhooks\": [{\"url\": \"https://x\", \"secret\": \"short\"}]}}",
         "desk.webhooks[0].secret: must be 16..4096 bytes long, got 5"},
        {"{\"desk\": {\"four_eyes\": 1}}", "desk.four_eyes: expected true or false, got 1"},
        {"{\"desk\": {\"listen\": \"127.0.0.1\"}}",
         "desk.listen: must be host:port, e.g. 127.0.0.1:8480"},
        {"{\"desk\": {\"listen\": \"127.0.0.1:99999\"}}",
         "desk.listen: must be host:port, e.g. 127.0.0.1:8480"},
        {"{\"desk\": {\"language\": \"fr\"}}", "desk.language: must be \"id\" or \"en\""},
        {"{\"desk\": {\"threads\": 0}}", "desk.threads: must be 1..256, got 0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(parse_error(cases[i].json), cases[i].error);
}

int main(void)
{
    clear_netra_environment();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_the_documented_values),
        cmocka_unit_test(an_empty_object_leaves_the_defaults),
        cmocka_unit_test(no_path_and_no_NETRA_CONFIG_loads_the_defaults),
        cmocka_unit_test(defaults_ignore_the_environment),
        cmocka_unit_test(the_example_file_is_the_defaults),
        cmocka_unit_test(config_free_accepts_null),
        cmocka_unit_test(a_file_sets_every_key),
        cmocka_unit_test(keys_left_out_keep_their_defaults),
        cmocka_unit_test(platform_sections_nest_one_level),
        cmocka_unit_test(platform_keys_come_from_the_environment_too),
        cmocka_unit_test(bad_platform_settings_are_refused),
        cmocka_unit_test(engagement_defaults_follow_what_each_platform_shows),
        cmocka_unit_test(engagement_is_switched_per_platform_and_as_a_whole),
        cmocka_unit_test(bad_engagement_settings_are_refused),
        cmocka_unit_test(both_ends_of_every_range_are_allowed),
        cmocka_unit_test(every_redis_url_form_is_accepted),
        cmocka_unit_test(each_shard_has_its_url_or_the_main_one),
        cmocka_unit_test(line_and_block_comments_are_ignored),
        cmocka_unit_test(comment_marks_inside_strings_are_text),
        cmocka_unit_test(an_unterminated_block_comment_is_refused_at_its_start),
        cmocka_unit_test(environment_variables_override_the_file),
        cmocka_unit_test(shard_urls_come_from_a_comma_separated_variable),
        cmocka_unit_test(NETRA_CONFIG_names_the_file_when_no_path_is_given),
        cmocka_unit_test(bad_environment_values_name_the_variable),
        cmocka_unit_test(an_ENV_reference_is_replaced_by_the_variable),
        cmocka_unit_test(a_missing_or_empty_secret_names_key_and_variable),
        cmocka_unit_test(a_bad_secret_is_never_shown),
        cmocka_unit_test(values_of_the_wrong_type_are_refused),
        cmocka_unit_test(values_out_of_range_are_refused),
        cmocka_unit_test(malformed_strings_are_refused),
        cmocka_unit_test(a_too_long_string_is_refused),
        cmocka_unit_test(unknown_and_repeated_keys_are_refused),
        cmocka_unit_test(keys_that_depend_on_each_other_are_checked_together),
        cmocka_unit_test(more_shard_urls_than_shards_can_exist_are_refused),
        cmocka_unit_test(a_syntax_error_gives_line_and_column),
        cmocka_unit_test(bytes_that_are_not_utf8_are_refused_with_their_position),
        cmocka_unit_test(a_file_over_4_MiB_is_refused),
        cmocka_unit_test(a_file_that_cannot_be_read_is_named),
        cmocka_unit_test(every_problem_is_reported_one_a_line),
        cmocka_unit_test(a_long_list_of_problems_is_cut_to_the_buffer),
        cmocka_unit_test(desk_users_and_webhooks_are_lists_of_objects),
        cmocka_unit_test(bad_desk_users_and_webhooks_are_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
