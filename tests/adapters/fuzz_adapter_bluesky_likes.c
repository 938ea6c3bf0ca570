/* Feeds any bytes to the bluesky-likes adapter: as a lookup answer, as a listRecords page (first,
 * since a cursor, in a rescan), and as the getPosts answer to the page that listRecords parse
 * returned (the input read as both). An input that starts with "Page: " carries that line as a
 * page string from the engine, which must be refused or lead to a request on the configured PDS
 * or AppView. Every answer must keep the adapter contract, and every page returned must stay
 * within its bound and lead to such a request. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define PDS "http://127.0.0.1:8080/pds/xrpc/com.atproto.repo.listRecords?repo=did%3Aplc%3A"
#define APPVIEW "http://127.0.0.1:8080/bluesky/xrpc/app.bsky.feed.getPosts?uris=at%3A%2F%2F"
#define PAGE_BOUND (110 * 2049 + 2048)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const struct adapter_context *context, const char *page)
{
    char err[NETRA_ERR_LEN];
    struct adapter_request request;
    struct adapter_context next = *context;
    next.page = page;
    if (adapter_bluesky_likes.build_request(&next, &request, err, sizeof(err)) != 0)
        adapter_check_abort("a page the adapter returned cannot be requested", err);
    if (strncmp(request.url, PDS, sizeof(PDS) - 1) != 0 &&
        strncmp(request.url, APPVIEW, sizeof(APPVIEW) - 1) != 0)
        adapter_check_abort("next request leaves the PDS and AppView", request.url);
    adapter_request_free(&request);
}

/* Parses response in context; returns the next page (free() it) or NULL. */
static char *run(const struct adapter_context *context, const struct adapter_response *response)
{
    char err[NETRA_ERR_LEN], why[NETRA_ERR_LEN];
    struct adapter_result result;
    int accepted;
    char *next = NULL;
    if (adapter_check_parse(&adapter_bluesky_likes, context, response, &result, err, &accepted,
                            why, sizeof(why)) != 0)
        adapter_check_abort("fuzz_adapter_bluesky_likes", why);
    if (accepted && result.next_page != NULL && context->account->native_id[0] != '\0') {
        if (strlen(result.next_page) > PAGE_BOUND)
            adapter_check_abort("page over its bound", "");
        check_request(context, result.next_page);
        next = result.next_page;
        result.next_page = NULL;
    }
    adapter_result_free(&result);
    return next;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    size_t body_len = size;
    char *given = NULL;
    if (size > 6 && memcmp(data, "Page: ", 6) == 0) {
        const uint8_t *end = memchr(data, '\n', size);
        size_t line = end != NULL ? (size_t)(end - data) : size;
        given = malloc(line - 6 + 1);
        if (given == NULL)
            return 0;
        memcpy(given, data + 6, line - 6);
        given[line - 6] = '\0';
        body = end != NULL ? (const char *)end + 1 : "";
        body_len = end != NULL ? size - line - 1 : 0;
    }
    struct adapter_settings settings = {0};
    settings.base_url = "http://127.0.0.1:8080/bluesky";
    settings.pds_url = "http://127.0.0.1:8080/pds";
    struct adapter_account account = {"asn-0003", "budi.bsky.social", ""};
    struct adapter_context context = {&settings, &account, "", NULL, 0};
    struct adapter_response response = {200, body, body_len, "application/json", NULL};

    free(run(&context, &response)); /* the lookup */
    account.native_id = "did:plc:w4xbfzo7kqfes5zb7r6qv3rw";
    char *page = run(&context, &response); /* a first records page */
    if (page != NULL) {
        context.page = page;
        free(run(&context, &response)); /* the same bytes as the posts answer */
        context.page = NULL;
        free(page);
    }
    context.cursor = "3kzd5xxxxxx2c";
    free(run(&context, &response));
    context.since_s = 1704355200;
    free(run(&context, &response));
    context.since_s = 0;
    if (given != NULL) {
        char err[NETRA_ERR_LEN];
        struct adapter_request request;
        context.page = given;
        if (adapter_bluesky_likes.build_request(&context, &request, err, sizeof(err)) == 0) {
            if (strncmp(request.url, PDS, sizeof(PDS) - 1) != 0 &&
                strncmp(request.url, APPVIEW, sizeof(APPVIEW) - 1) != 0)
                adapter_check_abort("a page from outside leads elsewhere", request.url);
            adapter_request_free(&request);
        }
        free(run(&context, &response));
        free(given);
    }
    return 0;
}
