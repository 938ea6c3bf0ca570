#include "crawler/platforms.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "config/log.h"
#include "queue/keys.h"

_Static_assert(CONFIG_MAX_ALLOWED_HOSTS <= FETCH_MAX_ALLOWED_HOSTS,
               "the fetch engine must take every allowed host the config may list");
_Static_assert(ADAPTER_MAX_HEADERS <= FETCH_MAX_HEADERS,
               "the fetch engine must take every header an adapter may build");

static const char *const platform_names[] = {"mastodon", "bluesky", "x", "feed", "jsonapi"};
#define PLATFORM_COUNT (sizeof(platform_names) / sizeof(platform_names[0]))

struct crawl_platforms {
    struct crawl_platform items[PLATFORM_COUNT];
    size_t count;
};

/* "" means none where the adapter takes NULL. */
static const char *or_null(const char *text)
{
    return text[0] != '\0' ? text : NULL;
}

int crawl_settings_from_config(const struct netra_config *config, const char *platform,
                               struct adapter_settings *out, char *err, size_t err_len)
{
    const struct platform_config *section = config_platform(config, platform);
    memset(out, 0, sizeof(*out));
    if (section == NULL || adapter_find(platform) == NULL)
        return error_set(err, err_len, "no adapter for platform \"%s\"", platform);
    out->base_url = or_null(section->base_url);
    out->pds_url = section->pds_url != NULL && section->pds_url[0] != '\0' ? section->pds_url
                                                                          : out->base_url;
    out->token = or_null(section->token);
    out->page_size = section->page_size;
    if (strcmp(platform, "jsonapi") == 0) {
        out->jsonapi_url = or_null(config->platforms.jsonapi_map.url);
        out->jsonapi_items = config->platforms.jsonapi_map.items;
        out->jsonapi_id = config->platforms.jsonapi_map.id;
        out->jsonapi_text = config->platforms.jsonapi_map.text;
        out->jsonapi_created_at = config->platforms.jsonapi_map.created_at;
        out->jsonapi_url_field = or_null(config->platforms.jsonapi_map.url_field);
        out->jsonapi_author = or_null(config->platforms.jsonapi_map.author);
        out->jsonapi_next = or_null(config->platforms.jsonapi_map.next);
    }
    return 0;
}

int crawl_url_host(const char *url, char out[CRAWL_HOST_MAX], char *err, size_t err_len)
{
    CURLU *parsed = curl_url();
    char *host = NULL;
    int rc = -1;
    if (parsed == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    if (curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
        error_set(err, err_len, "not a URL with a host");
        goto cleanup;
    }
    size_t length = strlen(host);
    if (length >= CRAWL_HOST_MAX) {
        error_set(err, err_len, "host longer than %d bytes", CRAWL_HOST_MAX - 1);
        goto cleanup;
    }
    for (size_t i = 0; i <= length; i++)
        out[i] = (char)tolower((unsigned char)host[i]);
    rc = 0;

cleanup:
    curl_free(host);
    curl_url_cleanup(parsed);
    return rc;
}

static int platform_open(uv_loop_t *loop, const struct netra_config *config, const char *name,
                         struct crawl_platform *platform, char *err, size_t err_len)
{
    char problem[NETRA_ERR_LEN];
    memset(platform, 0, sizeof(*platform));
    platform->name = name;
    platform->adapter = adapter_find(name);
    platform->config = config_platform(config, name);
    if (crawl_settings_from_config(config, name, &platform->settings, err, err_len) != 0)
        return -1;
    if (platform->config->base_url[0] != '\0' &&
        crawl_url_host(platform->config->base_url, platform->base_host, problem,
                       sizeof(problem)) != 0)
        return error_set(err, err_len, "platforms.%s.base_url: %s", name, problem);
    if (platform->settings.pds_url != NULL &&
        crawl_url_host(platform->settings.pds_url, platform->pds_host, problem,
                       sizeof(problem)) != 0)
        return error_set(err, err_len, "platforms.%s.pds_url: %s", name, problem);
    /* A tag, not the token: politeness keys show up in logs. */
    if (strcmp(name, "x") == 0 && platform->config->token[0] != '\0')
        snprintf(platform->token_tag, sizeof(platform->token_tag), "#%08x",
                 (unsigned)keys_fnv1a(platform->config->token, strlen(platform->config->token)));
    struct fetch_limits limits = {
        .connect_timeout_ms = config->crawler.connect_timeout_ms,
        .total_timeout_ms = config->crawler.total_timeout_ms,
        .low_speed_bytes = config->crawler.low_speed_bytes,
        .low_speed_time_s = config->crawler.low_speed_time_s,
        .max_body_bytes = config->crawler.max_body_bytes,
        .max_connections = platform->config->max_connections,
        .min_interval_ms = platform->config->min_interval_ms,
        /* Each crawl has at most one request out at a time. */
        .max_total_connections = config->crawler.max_in_flight,
        .user_agent = config->crawler.user_agent,
    };
    if (fetch_open(loop, &limits, &platform->fetch, problem, sizeof(problem)) != 0)
        return error_set(err, err_len, "%s: %s", name, problem);
    return 0;
}

int crawl_platforms_open(uv_loop_t *loop, const struct netra_config *config,
                         struct crawl_platforms **out, char *err, size_t err_len)
{
    struct crawl_platforms *platforms = calloc(1, sizeof(*platforms));
    *out = NULL;
    if (platforms == NULL)
        return error_set(err, err_len, "out of memory");
    for (size_t i = 0; i < PLATFORM_COUNT; i++) {
        if (platform_open(loop, config, platform_names[i], &platforms->items[i], err,
                          err_len) != 0) {
            crawl_platforms_free(platforms);
            return -1;
        }
        platforms->count++;
    }
    *out = platforms;
    return 0;
}

void crawl_platforms_close(struct crawl_platforms *platforms)
{
    if (platforms == NULL)
        return;
    for (size_t i = 0; i < platforms->count; i++) {
        if (platforms->items[i].fetch != NULL)
            fetch_close(platforms->items[i].fetch);
        platforms->items[i].fetch = NULL;
    }
}

void crawl_platforms_free(struct crawl_platforms *platforms)
{
    if (platforms == NULL)
        return;
    crawl_platforms_close(platforms);
    free(platforms);
}

struct crawl_platform *crawl_platforms_find(struct crawl_platforms *platforms, const char *name)
{
    for (size_t i = 0; i < platforms->count; i++)
        if (strcmp(platforms->items[i].name, name) == 0)
            return &platforms->items[i];
    return NULL;
}

int crawl_platform_request(const struct crawl_platform *platform,
                           const struct adapter_request *built, const char *first_host,
                           struct fetch_request *out, char key[CRAWL_KEY_MAX], char *err,
                           size_t err_len)
{
    char host[CRAWL_HOST_MAX], problem[NETRA_ERR_LEN];
    memset(out, 0, sizeof(*out));
    if (crawl_url_host(built->url, host, problem, sizeof(problem)) != 0)
        return error_set(err, err_len, "%s request: %s", platform->name, problem);
    out->url = built->url;
    for (size_t i = 0; i < built->header_count; i++)
        out->headers[i] = built->headers[i];
    out->header_count = built->header_count;
    snprintf(key, CRAWL_KEY_MAX, "%s%s", host, platform->token_tag);
    out->politeness_key = key;

    const struct platform_config *config = platform->config;
    if (config->allowed_host_count > 0) {
        for (size_t i = 0; i < config->allowed_host_count; i++)
            out->allowed_hosts[i] = config->allowed_hosts[i];
        out->allowed_host_count = config->allowed_host_count;
    } else if (platform->base_host[0] != '\0') {
        out->allowed_hosts[out->allowed_host_count++] = platform->base_host;
        if (platform->pds_host[0] != '\0' && strcmp(platform->pds_host, platform->base_host) != 0)
            out->allowed_hosts[out->allowed_host_count++] = platform->pds_host;
    } else if (strcmp(platform->name, "feed") != 0 && first_host != NULL &&
               first_host[0] != '\0') {
        out->allowed_hosts[0] = first_host;
        out->allowed_host_count = 1;
    } else {
        return error_set(err, err_len,
                         "host %s is not allowed: list it in platforms.%s.allowed_hosts", host,
                         platform->name);
    }
    return 0;
}
