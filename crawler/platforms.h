/* The platforms as the crawler uses them: each one's adapter, its settings from the config's
 * platforms.<name> section, and its own fetch engine (rate settings are per platform, and an
 * engine holds one set of limits).
 *
 * What a request may reach is decided here, never by a response: the politeness key is the
 * URL's host (X: host and a tag of the token, as X counts by token), and the allowed hosts are
 * platforms.<name>.allowed_hosts, else the hosts of base_url and (Bluesky) pds_url, else, for
 * Mastodon (the handle's instance) and jsonapi (the host of platforms.jsonapi.url), the host of
 * the crawl's first request; feeds allow nothing until configured.
 *
 * crawl_platforms_open() borrows the config, which must outlive the platforms. Closing the
 * engines (crawl_platforms_close()) and freeing the platforms (crawl_platforms_free(), which
 * closes them too) are apart, so crawls cancelled by the close can still read their platform;
 * keep running the loop until the engines' handles are closed. */
#ifndef NETRA_CRAWLER_PLATFORMS_H
#define NETRA_CRAWLER_PLATFORMS_H

#include <stddef.h>

#include <uv.h>

#include "config/config.h"
#include "crawler/adapters/adapter.h"
#include "crawler/fetch.h"

#define CRAWL_HOST_MAX 256
#define CRAWL_KEY_MAX (CRAWL_HOST_MAX + 24)

struct crawl_platform {
    const char *name;
    const struct adapter *adapter;
    const struct platform_config *config;
    struct adapter_settings settings;
    struct fetch *fetch; /* NULL once closed */
    char base_host[CRAWL_HOST_MAX]; /* "" without base_url */
    char pds_host[CRAWL_HOST_MAX];  /* the host of settings.pds_url, "" without one */
    char token_tag[24];             /* "#<hash of the token>" for X, else "" */
};

struct crawl_platforms;

/* The adapter settings of one platform, pointing into config (no copies). -1 with err for a
 * platform netra has no adapter for. */
int crawl_settings_from_config(const struct netra_config *config, const char *platform,
                               struct adapter_settings *out, char *err, size_t err_len);

int crawl_platforms_open(uv_loop_t *loop, const struct netra_config *config,
                         struct crawl_platforms **out, char *err, size_t err_len);
/* fetch_close() of every engine, once: whatever they hold fails with FETCH_ERROR_CANCELLED. */
void crawl_platforms_close(struct crawl_platforms *platforms);
void crawl_platforms_free(struct crawl_platforms *platforms);

/* NULL for a platform netra has no adapter for. */
struct crawl_platform *crawl_platforms_find(struct crawl_platforms *platforms, const char *name);

/* The host of an http(s) URL (curl's parser), lower-cased. */
int crawl_url_host(const char *url, char out[CRAWL_HOST_MAX], char *err, size_t err_len);

/* The fetch request for what the adapter built: its URL and headers (borrowed from built), the
 * politeness key (written into key) and the allowed hosts. first_host is the host of the crawl's
 * first request, for the platforms whose default is that host. */
int crawl_platform_request(const struct crawl_platform *platform,
                           const struct adapter_request *built, const char *first_host,
                           struct fetch_request *out, char key[CRAWL_KEY_MAX], char *err,
                           size_t err_len);

#endif
