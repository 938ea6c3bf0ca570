/* Any bytes as a jsonapi answer, read with the operator's usual mapping on a first page, a later
 * page and a rescan, and with a hostile id pointer taken from the input's first line: no crash,
 * no leak, every answer keeps the adapter contract (adapter_check_parse), and a next page only
 * ever becomes the percent-encoded {cursor} of a request to the template's host and path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define PREFIX "http://127.0.0.1:8080/jsonapi/accounts/budi.santoso/posts?cursor="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_next_request(struct adapter_context *context, const char *page)
{
    struct adapter_request request;
    char err[NETRA_ERR_LEN];
    context->page = page;
    if (adapter_jsonapi.build_request(context, &request, err, sizeof(err)) != 0)
        abort();
    const char *cursor = request.url + strlen(PREFIX);
    if (strncmp(request.url, PREFIX, strlen(PREFIX)) != 0 ||
        strspn(cursor, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%") !=
            strlen(cursor))
        abort();
    adapter_request_free(&request);
    context->page = NULL;
}

static void run(struct adapter_context *context, const char *body, size_t len)
{
    struct adapter_response response = {200, body, len, "application/json", NULL};
    struct adapter_result result;
    char err[NETRA_ERR_LEN], why[NETRA_ERR_LEN];
    int accepted;
    if (adapter_check_parse(&adapter_jsonapi, context, &response, &result, err, &accepted, why,
                            sizeof(why)) != 0)
        adapter_check_abort("fuzz_adapter_jsonapi", why);
    if (!accepted)
        return;
    for (size_t i = 0; i < result.count; i++)
        if (result.posts[i]->author == NULL || result.posts[i]->kind != POST_KIND_POST ||
            (result.posts[i]->url != NULL && strncmp(result.posts[i]->url, "http", 4) != 0))
            adapter_check_abort("post without author, of another kind or with a bad url",
                                result.posts[i]->id);
    if (result.next_page != NULL)
        check_next_request(context, result.next_page);
    adapter_result_free(&result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct adapter_settings settings = adapter_test_jsonapi_settings;
    struct adapter_account account = {"j1", "budi.santoso", ""};
    struct adapter_context contexts[] = {
        {&settings, &account, "", NULL, 0},
        {&settings, &account, "2024-05-14T01:00:00Z 9003", "c2", 0},
        {&settings, &account, "", NULL, 1715644800},
    };
    for (size_t c = 0; c < sizeof(contexts) / sizeof(contexts[0]); c++)
        run(&contexts[c], (const char *)data, size);

    /* The first line as the id pointer, the rest as the body. */
    const uint8_t *newline = memchr(data, '\n', size < 300 ? size : 300);
    if (newline == NULL)
        return 0;
    size_t pointer_len = (size_t)(newline - data);
    char *pointer = malloc(pointer_len + 1);
    if (pointer == NULL)
        return 0;
    memcpy(pointer, data, pointer_len);
    pointer[pointer_len] = '\0';
    settings.jsonapi_id = pointer;
    struct adapter_request request;
    char err[NETRA_ERR_LEN] = "";
    if (adapter_jsonapi.build_request(&contexts[0], &request, err, sizeof(err)) == 0)
        adapter_request_free(&request);
    else if (err[0] == '\0' || strchr(err, '\n') != NULL || !utf8_valid(err, strlen(err), NULL))
        adapter_check_abort("build_request refused without a one-line reason", err);
    run(&contexts[0], (const char *)newline + 1, size - pointer_len - 1);
    free(pointer);
    return 0;
}
