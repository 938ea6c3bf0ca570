/* Any bytes as a jsonapi answer, read with the operator's usual mapping on a first page, a later
 * page and a rescan, and with a hostile id pointer taken from the input's first line: no crash,
 * no leak, posts that survive the post message codec, and a next page that only ever becomes the
 * percent-encoded {cursor} of a request to the template's host and path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"
#include "crawler/adapters/adapter.h"

#define PREFIX "http://127.0.0.1:8080/jsonapi/accounts/budi.santoso/posts?cursor="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *text)
{
    if (text == NULL || text[0] == '\0' || strchr(text, '\n') != NULL ||
        !utf8_valid(text, strlen(text), NULL))
        abort();
}

static void check_post(const struct post_message *post)
{
    if (strncmp(post->id, "jsonapi:", 8) != 0 || strlen(post->created_at) != 20 ||
        post->author == NULL || post->raw == NULL || post->kind != POST_KIND_POST ||
        (post->url != NULL && strncmp(post->url, "http", 4) != 0))
        abort();
    char *json = post_message_to_json(post);
    if (json == NULL)
        abort();
    struct post_message *decoded = NULL;
    char err[NETRA_ERR_LEN];
    if (post_message_from_json(json, strlen(json), &decoded, err, sizeof(err)) != 0 ||
        strcmp(decoded->text, post->text) != 0 || strcmp(decoded->id, post->id) != 0)
        abort();
    post_message_free(decoded);
    free(json);
}

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
    char err[NETRA_ERR_LEN] = "";
    if (adapter_jsonapi.parse(context, &response, &result, err, sizeof(err)) != 0) {
        check_line(err);
        if (result.count != 0 || result.posts != NULL || result.next_page != NULL)
            abort();
        return;
    }
    for (size_t i = 0; i < result.count; i++)
        check_post(result.posts[i]);
    if (result.first_skip_reason != NULL)
        check_line(result.first_skip_reason);
    if (result.next_page != NULL)
        check_next_request(context, result.next_page);
    adapter_result_free(&result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct adapter_settings settings = {
        .page_size = 50,
        .jsonapi_url = "http://127.0.0.1:8080/jsonapi/accounts/{handle}/posts?cursor={cursor}",
        .jsonapi_items = "/data/posts",
        .jsonapi_id = "/post_id",
        .jsonapi_text = "/body",
        .jsonapi_created_at = "/created",
        .jsonapi_url_field = "/links/self",
        .jsonapi_author = "/user/name",
        .jsonapi_next = "/paging/next_cursor",
    };
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
    else
        check_line(err);
    run(&contexts[0], (const char *)newline + 1, size - pointer_len - 1);
    free(pointer);
    return 0;
}
