/* Feeds any bytes to the Bluesky adapter as a resolveHandle answer, a first feed page, a later
 * page of an incremental crawl, a rescan page and a 400 answer. Every answer must keep the adapter
 * contract (adapter_check_parse), and an accepted page must give a cursor the adapter can read
 * back and a next request that stays on the configured AppView. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define BASE_URL "http://127.0.0.1:8080/bluesky"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const struct adapter_context *context, const struct adapter_response *response)
{
    char err[NETRA_ERR_LEN], why[NETRA_ERR_LEN];
    struct adapter_result result;
    int accepted;
    if (adapter_check_parse(&adapter_bluesky, context, response, &result, err, &accepted, why,
                            sizeof(why)) != 0)
        adapter_check_abort("fuzz_adapter_bluesky", why);
    if (!accepted)
        return;
    if (result.native_id != NULL && strncmp(result.native_id, "did:", 4) != 0)
        adapter_check_abort("native id is not a DID", result.native_id);

    /* The cursor handed out must be one the next crawl can start from. */
    if (result.new_cursor != NULL) {
        struct adapter_result again;
        struct adapter_context next = *context;
        struct adapter_response empty = {200, "{\"feed\":[]}", 11, NULL, NULL};
        next.cursor = result.new_cursor;
        next.since_s = 0;
        if (adapter_bluesky.parse(&next, &empty, &again, err, sizeof(err)) != 0)
            adapter_check_abort("the new cursor cannot be read back", err);
        adapter_result_free(&again);
    }
    /* Whatever the answer said, the next request goes to the configured AppView. */
    if (result.next_page != NULL) {
        struct adapter_context next = *context;
        struct adapter_request request;
        next.page = result.next_page;
        if (adapter_bluesky.build_request(&next, &request, err, sizeof(err)) != 0)
            adapter_check_abort("next request", err);
        if (strncmp(request.url, BASE_URL "/xrpc/app.bsky.feed.getAuthorFeed?actor=did%3Aplc%3A",
                    strlen(BASE_URL) + 50) != 0 ||
            strstr(request.url, "&actor") != NULL)
            adapter_check_abort("next request leaves the account or the AppView", request.url);
        adapter_request_free(&request);
    }
    adapter_result_free(&result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct adapter_settings settings = {0};
    settings.base_url = BASE_URL;
    struct adapter_account account = {"asn-0002", "budi.bsky.social", ""};
    struct adapter_context context = {&settings, &account, "", NULL, 0};
    struct adapter_response response = {200, (const char *)data, size, "application/json", NULL};

    run(&context, &response); /* resolveHandle */
    account.native_id = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
    run(&context, &response); /* a first crawl */
    context.cursor = "2024-01-05T02:00:00Z at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/"
                     "app.bsky.feed.post/3kxaaaaaaaa06";
    context.page = "2024-01-05T00:00:00.000Z";
    run(&context, &response); /* a later page since a cursor */
    context.page = NULL;
    context.since_s = 1704416400;
    run(&context, &response); /* a rescan */
    response.status = 400;
    run(&context, &response);
    return 0;
}
