#include "crawler/adapters/adapter.h"

#include <stdlib.h>
#include <string.h>

static const struct adapter *const adapters[] = {
    &adapter_mastodon,           &adapter_bluesky,         &adapter_x,
    &adapter_feed,               &adapter_jsonapi,         &adapter_mastodon_following,
    &adapter_bluesky_follows,    &adapter_bluesky_likes,   &adapter_x_following,
    &adapter_x_liked,
};

static const struct adapter *const mastodon_engagement[] = {&adapter_mastodon_following};
static const struct adapter *const bluesky_engagement[] = {&adapter_bluesky_follows,
                                                           &adapter_bluesky_likes};
static const struct adapter *const x_engagement[] = {&adapter_x_following, &adapter_x_liked};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static const struct {
    const char *platform;
    const struct adapter *const *adapters;
    size_t count;
} engagement[] = {
    {"mastodon", mastodon_engagement, COUNT(mastodon_engagement)},
    {"bluesky", bluesky_engagement, COUNT(bluesky_engagement)},
    {"x", x_engagement, COUNT(x_engagement)},
};

const struct adapter *adapter_find(const char *platform)
{
    for (size_t i = 0; i < COUNT(adapters); i++)
        if (strcmp(adapters[i]->name, platform) == 0)
            return adapters[i];
    return NULL;
}

const struct adapter *const *adapter_engagement(const char *platform, size_t *count)
{
    for (size_t i = 0; i < COUNT(engagement); i++)
        if (strcmp(engagement[i].platform, platform) == 0) {
            *count = engagement[i].count;
            return engagement[i].adapters;
        }
    *count = 0;
    return NULL;
}

void adapter_request_free(struct adapter_request *request)
{
    free(request->url);
    for (size_t i = 0; i < request->header_count; i++)
        free(request->headers[i]);
    memset(request, 0, sizeof(*request));
}

void adapter_result_free(struct adapter_result *result)
{
    for (size_t i = 0; i < result->count; i++)
        post_message_free(result->posts[i]);
    free(result->posts);
    free(result->next_page);
    free(result->new_cursor);
    free(result->native_id);
    free(result->first_skip_reason);
    memset(result, 0, sizeof(*result));
}
