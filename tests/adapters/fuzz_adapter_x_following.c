/* Feeds any bytes to the x-following adapter as a lookup answer, a first page, a later page, a
 * rescan page and a 403 answer. Every answer must keep the adapter contract, and a next page must
 * lead to the same listing of the same account on the configured API. */
#include <stdint.h>
#include <string.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define NEXT "http://127.0.0.1:8080/x/2/users/1111111111/following?max_results="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const struct adapter_context *context, const struct adapter_response *response)
{
    char err[NETRA_ERR_LEN], why[NETRA_ERR_LEN];
    struct adapter_result result;
    int accepted;
    if (adapter_check_parse(&adapter_x_following, context, response, &result, err, &accepted, why,
                            sizeof(why)) != 0)
        adapter_check_abort("fuzz_adapter_x_following", why);
    if (accepted && result.next_page != NULL) {
        struct adapter_context next = *context;
        struct adapter_request request;
        next.page = result.next_page;
        if (adapter_x_following.build_request(&next, &request, err, sizeof(err)) != 0)
            adapter_check_abort("next request", err);
        if (strncmp(request.url, NEXT, sizeof(NEXT) - 1) != 0)
            adapter_check_abort("next request is not the next page", request.url);
        adapter_request_free(&request);
    }
    adapter_result_free(&result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct adapter_settings settings = {0};
    settings.base_url = "http://127.0.0.1:8080/x";
    settings.token = "AAAA-fuzz-token";
    struct adapter_account account = {"asn-0004", "budi_asn", ""};
    struct adapter_context context = {&settings, &account, "", NULL, 0};
    struct adapter_response response = {200, (const char *)data, size, "application/json", NULL};

    run(&context, &response); /* the lookup */
    account.native_id = "1111111111";
    run(&context, &response); /* a first page */
    context.page = "7140dib";
    run(&context, &response); /* a later page */
    context.page = NULL;
    context.since_s = 1700000000;
    run(&context, &response); /* a rescan */
    response.status = 403;
    run(&context, &response);
    return 0;
}
