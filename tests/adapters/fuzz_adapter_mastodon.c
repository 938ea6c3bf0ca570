/* Feeds any bytes to the Mastodon adapter as a lookup answer, a first page, a later page of an
 * incremental crawl and a rescan page. An input that starts with "Link: " carries that line as
 * the Link header. Every answer must keep the adapter contract (adapter_check_parse), and an
 * accepted page must give ids that are status ids and a next request to the same instance. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int id_like(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static void run(const struct adapter_context *context, const struct adapter_response *response)
{
    char err[NETRA_ERR_LEN], why[NETRA_ERR_LEN];
    struct adapter_result result;
    int accepted;
    if (adapter_check_parse(&adapter_mastodon, context, response, &result, err, &accepted, why,
                            sizeof(why)) != 0)
        adapter_check_abort("fuzz_adapter_mastodon", why);
    if (!accepted)
        return;
    if (result.next_page != NULL && !id_like(result.next_page))
        adapter_check_abort("next page is not a status id", result.next_page);
    if (result.new_cursor != NULL && !id_like(result.new_cursor))
        adapter_check_abort("new cursor is not a status id", result.new_cursor);
    if (result.native_id != NULL && !id_like(result.native_id))
        adapter_check_abort("native id is not an account id", result.native_id);

    /* Whatever the answer said, the next request goes to the configured instance. */
    if (result.next_page != NULL) {
        struct adapter_context next = *context;
        struct adapter_request request;
        next.page = result.next_page;
        if (adapter_mastodon.build_request(&next, &request, err, sizeof(err)) != 0)
            adapter_check_abort("next request", err);
        if (strncmp(request.url, "http://127.0.0.1:8080/mastodon/api/v1/accounts/", 47) != 0)
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
    run(&context, &response); /* a first crawl */
    context.cursor = "111734300000000004";
    context.page = "111734300000000009";
    run(&context, &response); /* a later page since a cursor */
    context.page = NULL;
    context.since_s = 1704416400;
    run(&context, &response); /* a rescan */
    response.status = 404;
    run(&context, &response);
    free(link);
    return 0;
}
