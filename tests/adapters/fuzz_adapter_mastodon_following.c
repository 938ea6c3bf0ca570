/* Feeds any bytes to the mastodon-following adapter as a lookup answer, a first page and a later
 * page. An input that starts with "Link: " carries that line as the Link header. Every answer
 * must keep the adapter contract, and a next page must be a follow id that only ever leads to
 * the configured instance. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define BASE "http://127.0.0.1:8080/mastodon/api/v1/accounts/"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const struct adapter_context *context, const struct adapter_response *response)
{
    char err[NETRA_ERR_LEN], why[NETRA_ERR_LEN];
    struct adapter_result result;
    int accepted;
    if (adapter_check_parse(&adapter_mastodon_following, context, response, &result, err,
                            &accepted, why, sizeof(why)) != 0)
        adapter_check_abort("fuzz_adapter_mastodon_following", why);
    if (accepted && result.new_cursor != NULL && context->account->native_id[0] != '\0')
        adapter_check_abort("a follow listing returned a cursor", result.new_cursor);
    if (accepted && result.next_page != NULL) {
        struct adapter_context next = *context;
        struct adapter_request request;
        next.page = result.next_page;
        if (adapter_mastodon_following.build_request(&next, &request, err, sizeof(err)) != 0)
            adapter_check_abort("next request", err);
        if (strncmp(request.url, BASE, sizeof(BASE) - 1) != 0)
            adapter_check_abort("next request leaves the instance", request.url);
        adapter_request_free(&request);
    }
    adapter_result_free(&result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    size_t body_len = size;
    char *link = NULL;
    if (size > 6 && memcmp(data, "Link: ", 6) == 0) {
        const uint8_t *end = memchr(data, '\n', size);
        size_t line = end != NULL ? (size_t)(end - data) : size;
        link = malloc(line - 6 + 1);
        if (link == NULL)
            return 0;
        memcpy(link, data + 6, line - 6);
        link[line - 6] = '\0';
        body = end != NULL ? (const char *)end + 1 : "";
        body_len = end != NULL ? size - line - 1 : 0;
    }
    struct adapter_settings settings = {0};
    settings.base_url = "http://127.0.0.1:8080/mastodon";
    struct adapter_account account = {"asn-0001", "budi@mastodon.example", ""};
    struct adapter_context context = {&settings, &account, "", NULL, 0};
    struct adapter_response response = {200, body, body_len, "application/json", link};

    run(&context, &response); /* the lookup */
    account.native_id = "109348271623544701";
    run(&context, &response); /* a first page */
    context.page = "7163058";
    run(&context, &response); /* a later page */
    response.status = 403;
    run(&context, &response);
    free(link);
    return 0;
}
