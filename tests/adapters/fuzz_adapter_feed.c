/* Any bytes as a feed body (and as a feed URL): no crash, no leak, and whatever comes out keeps
 * the adapter contract (adapter_check_parse) and the feed adapter's own bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/log.h"
#include "config/utf8.h"
#include "crawler/adapters/adapter.h"
#include "queue/post_message.h"
#include "tests/adapters/adapter_test.h"

static void check_string(const char *value, size_t max)
{
    if (value != NULL && (strlen(value) > max || !utf8_valid(value, strlen(value), NULL)))
        abort();
}

static void check_time(const char *value)
{
    /* 2024-01-05T10:00:00Z */
    if (value == NULL || strlen(value) != 20 || value[4] != '-' || value[10] != 'T' ||
        value[19] != 'Z')
        abort();
}

/* What the feed adapter adds to the contract adapter_check_parse checks. */
static void check_post(const struct post_message *message)
{
    if (strlen(message->id) > 5 + 128 || message->kind != POST_KIND_POST ||
        message->media_count > 32 || message->links.count > 32)
        abort();
    check_string(message->text, 256 * 1024);
    check_string(message->author, 256);
    check_string(message->lang, 35);
    if (message->url != NULL && strncmp(message->url, "http", 4) != 0)
        abort();
    for (size_t i = 0; i < message->media_count; i++)
        if (message->media[i].url == NULL || strncmp(message->media[i].url, "http", 4) != 0)
            abort();
}

static void parse_once(const char *body, size_t len, const char *cursor, long long since_s)
{
    struct adapter_settings settings = {0};
    struct adapter_account account = {
        .id = "a1", .handle = "https://feeds.example/f/", .native_id = ""};
    struct adapter_context context = {
        .settings = &settings, .account = &account, .cursor = cursor, .since_s = since_s};
    struct adapter_response response = {.status = 200, .body = body, .body_len = len};
    struct adapter_result result;
    char err[NETRA_ERR_LEN], why[NETRA_ERR_LEN];
    int accepted;
    if (adapter_check_parse(&adapter_feed, &context, &response, &result, err, &accepted, why,
                            sizeof(why)) != 0)
        adapter_check_abort("fuzz_adapter_feed", why);
    if (accepted) {
        if (result.next_page != NULL || result.count > 1000 || (since_s > 0 && result.new_cursor))
            abort();
        if (result.new_cursor != NULL)
            check_time(result.new_cursor);
        for (size_t i = 0; i < result.count; i++)
            check_post(result.posts[i]);
    }
    adapter_result_free(&result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_once((const char *)data, size, "", 0);
    parse_once((const char *)data, size, "2024-01-05T00:00:00Z", 1704412800);

    char handle[256];
    size_t n = size < sizeof(handle) - 1 ? size : sizeof(handle) - 1;
    memcpy(handle, data, n);
    handle[n] = '\0';
    struct adapter_settings settings = {0};
    struct adapter_account account = {.id = "a1", .handle = handle, .native_id = ""};
    struct adapter_context context = {.settings = &settings, .account = &account, .cursor = ""};
    struct adapter_request request;
    char err[NETRA_ERR_LEN];
    if (adapter_feed.build_request(&context, &request, err, sizeof(err)) == 0) {
        if (strcmp(request.url, handle) != 0 || strncasecmp(handle, "http", 4) != 0)
            abort();
        adapter_request_free(&request);
    }
    return 0;
}
