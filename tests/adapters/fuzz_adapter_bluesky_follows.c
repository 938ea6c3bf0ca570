/* Feeds any bytes to the bluesky-follows adapter as a lookup answer, a first page, a later page
 * and a 400 answer. Every answer must keep the adapter contract, and a next page must lead to a
 * getFollows request of the same account on the configured AppView. */
#include <stdint.h>
#include <string.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define DID "did:plc:w4xbfzo7kqfes5zb7r6qv3rw"
#define NEXT "http://127.0.0.1:8080/bluesky/xrpc/app.bsky.graph.getFollows?actor=did%3Aplc%3A" \
             "w4xbfzo7kqfes5zb7r6qv3rw&limit=100&cursor="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const struct adapter_context *context, const struct adapter_response *response)
{
    char err[NETRA_ERR_LEN], why[NETRA_ERR_LEN];
    struct adapter_result result;
    int accepted;
    if (adapter_check_parse(&adapter_bluesky_follows, context, response, &result, err, &accepted,
                            why, sizeof(why)) != 0)
        adapter_check_abort("fuzz_adapter_bluesky_follows", why);
    if (accepted && result.new_cursor != NULL && context->account->native_id[0] != '\0')
        adapter_check_abort("a follow listing returned a cursor", result.new_cursor);
    if (accepted && result.next_page != NULL) {
        struct adapter_context next = *context;
        struct adapter_request request;
        next.page = result.next_page;
        if (adapter_bluesky_follows.build_request(&next, &request, err, sizeof(err)) != 0)
            adapter_check_abort("next request", err);
        if (strncmp(request.url, NEXT, sizeof(NEXT) - 1) != 0 ||
            strchr(request.url + sizeof(NEXT) - 1, '&') != NULL)
            adapter_check_abort("next request is not the next page", request.url);
        adapter_request_free(&request);
    }
    adapter_result_free(&result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct adapter_settings settings = {0};
    settings.base_url = "http://127.0.0.1:8080/bluesky";
    struct adapter_account account = {"asn-0002", "budi.bsky.social", ""};
    struct adapter_context context = {&settings, &account, "", NULL, 0};
    struct adapter_response response = {200, (const char *)data, size, "application/json", NULL};

    run(&context, &response); /* the lookup */
    account.native_id = DID;
    run(&context, &response); /* a first page */
    context.page = "3kxbqmonyxs2a";
    run(&context, &response); /* a later page */
    response.status = 400;
    run(&context, &response);
    return 0;
}
