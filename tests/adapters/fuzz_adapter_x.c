/* Any bytes as an X API answer, read as a lookup, a first page (with and without a cursor), a
 * later page and a rescan page: no crash, no leak, and what comes out keeps the contract: posts
 * that survive the post message codec, a next page that only ever becomes a query value of a
 * request to the configured host, errors that are one printable line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"
#include "crawler/adapters/adapter.h"

#define BASE "http://127.0.0.1:8080/x"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *text)
{
    if (text == NULL || text[0] == '\0' || strchr(text, '\n') != NULL ||
        !utf8_valid(text, strlen(text), NULL))
        abort();
}

static void check_post(const struct post_message *post)
{
    if (strncmp(post->id, "x:", 2) != 0 || strcmp(post->platform, "x") != 0 ||
        strncmp(post->url, "https://x.com/", 14) != 0 || strlen(post->created_at) != 20 ||
        post->raw == NULL || strlen(post->sha256) != 64 ||
        !utf8_valid(post->text, strlen(post->text), NULL))
        abort();
    /* What the crawler will queue must decode again as the same message. */
    char *json = post_message_to_json(post);
    if (json == NULL)
        abort();
    struct post_message *decoded = NULL;
    char err[NETRA_ERR_LEN];
    if (post_message_from_json(json, strlen(json), &decoded, err, sizeof(err)) != 0 ||
        strcmp(decoded->text, post->text) != 0)
        abort();
    post_message_free(decoded);
    free(json);
}

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
        char err[NETRA_ERR_LEN] = "";
        if (adapter_x.parse(&contexts[c], &response, &result, err, sizeof(err)) != 0) {
            check_line(err);
            if (result.count != 0 || result.posts != NULL || result.next_page != NULL ||
                result.native_id != NULL)
                abort();
            continue;
        }
        for (size_t i = 0; i < result.count; i++)
            check_post(result.posts[i]);
        if (result.first_skip_reason != NULL)
            check_line(result.first_skip_reason);
        if ((result.skipped == 0) != (result.first_skip_reason == NULL))
            abort();
        if (result.native_id != NULL && strspn(result.native_id, "0123456789") !=
                                            strlen(result.native_id))
            abort();
        if (result.next_page != NULL)
            check_next_request(&contexts[c], result.next_page);
        adapter_result_free(&result);
    }
    return 0;
}
