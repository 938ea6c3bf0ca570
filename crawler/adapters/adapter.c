#include "crawler/adapters/adapter.h"

#include <stdlib.h>
#include <string.h>

static const struct adapter *const adapters[] = {
    &adapter_mastodon, &adapter_bluesky, &adapter_x, &adapter_feed, &adapter_jsonapi,
};

const struct adapter *adapter_find(const char *platform)
{
    for (size_t i = 0; i < sizeof(adapters) / sizeof(adapters[0]); i++)
        if (strcmp(adapters[i]->name, platform) == 0)
            return adapters[i];
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
