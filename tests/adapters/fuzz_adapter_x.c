/* Any bytes as an X API answer, read as a lookup, a first page (with and without a cursor), a
 * later page and a rescan page: no crash, no leak, every answer keeps the adapter contract
 * (adapter_check_parse), posts link to x.com, and a next page only ever becomes a query value of
 * a request to the configured host. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define BASE "http://127.0.0.1:8080/x"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_next_request(struct adapter_context *context, const char *page)
{
    struct adapter_request request;
    char err[NETRA_ERR_LEN];
    context->page = page;
    if (adapter_x.build_request(context, &request, err, sizeof(err)) != 0)
        abort();
    static const char prefix[] = BASE "/2/users/2244994945/tweets?";
    if (strncmp(request.url, prefix, sizeof(prefix) - 1) != 0 ||
        strpbrk(request.url, " #\r\n") != NULL)
        abort();
    adapter_request_free(&request);
    context->page = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct adapter_settings settings = {.base_url = BASE, .token = "tok", .page_size = 100};
    struct adapter_account lookup = {"a1", "budi_s", ""};
    struct adapter_account known = {"a1", "budi_s", "2244994945"};
    struct adapter_context contexts[] = {
        {&settings, &lookup, "", NULL, 0},
        {&settings, &known, "", NULL, 0},
        {&settings, &known, "1790000000000000003", NULL, 0},
        {&settings, &known, "1790000000000000003", "page-2", 0},
        {&settings, &known, "", NULL, 1715601600},
    };
    struct adapter_response response = {200, (const char *)data, size, "application/json", NULL};
    for (size_t c = 0; c < sizeof(contexts) / sizeof(contexts[0]); c++) {
        struct adapter_result result;
        char err[NETRA_ERR_LEN], why[NETRA_ERR_LEN];
        int accepted;
        if (adapter_check_parse(&adapter_x, &contexts[c], &response, &result, err, &accepted, why,
                                sizeof(why)) != 0)
            adapter_check_abort("fuzz_adapter_x", why);
        if (!accepted)
            continue;
        for (size_t i = 0; i < result.count; i++)
            if (strncmp(result.posts[i]->url, "https://x.com/", 14) != 0)
                adapter_check_abort("post url is not on x.com", result.posts[i]->url);
        if (result.native_id != NULL &&
            strspn(result.native_id, "0123456789") != strlen(result.native_id))
            adapter_check_abort("native id is not an X user id", result.native_id);
        if (result.next_page != NULL)
            check_next_request(&contexts[c], result.next_page);
        adapter_result_free(&result);
    }
    return 0;
}
