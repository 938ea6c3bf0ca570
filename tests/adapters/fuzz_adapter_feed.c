/* Any bytes as a feed body (and as a feed URL): no crash, no leak, and whatever comes out keeps
 * the adapter contract: posts the stream's decoder accepts, bounded and valid UTF-8, with their
 * raw bytes; or an error on one line and an empty result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"
#include "crawler/adapters/adapter.h"
#include "queue/post_message.h"

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

static void check_post(const struct post_message *message)
{
    if (message->id == NULL || strncmp(message->id, "feed:", 5) != 0 ||
        strlen(message->id) > 5 + 128 || message->platform == NULL ||
        strcmp(message->platform, "feed") != 0 || message->text == NULL ||
        message->kind != POST_KIND_POST || message->raw == NULL || message->sha256[0] == '\0' ||
        message->media_count > 32 || message->links.count > 32)
        abort();
    check_time(message->created_at);
    check_string(message->text, 256 * 1024);
    check_string(message->author, 256);
    check_string(message->lang, 35);
    if (message->url != NULL && strncmp(message->url, "http", 4) != 0)
        abort();
    for (size_t i = 0; i < message->media_count; i++)
        if (message->media[i].url == NULL || strncmp(message->media[i].url, "http", 4) != 0)
            abort();
    char *json = post_message_to_json(message);
    struct post_message *decoded = NULL;
    char err[NETRA_ERR_LEN];
    if (json == NULL || post_message_from_json(json, strlen(json), &decoded, err, sizeof(err)) != 0)
        abort();
    post_message_free(decoded);
    free(json);
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
    char err[NETRA_ERR_LEN] = "";
    if (adapter_feed.parse(&context, &response, &result, err, sizeof(err)) == 0) {
        if (result.next_page != NULL || result.count > 1000 || (since_s > 0 && result.new_cursor))
            abort();
        if (result.new_cursor != NULL)
            check_time(result.new_cursor);
        if (result.skipped > 0 && result.first_skip_reason != NULL &&
            strchr(result.first_skip_reason, '\n') != NULL)
            abort();
        for (size_t i = 0; i < result.count; i++)
            check_post(result.posts[i]);
    } else if (result.count != 0 || result.posts != NULL || err[0] == '\0' ||
               strchr(err, '\n') != NULL) {
        abort();
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
        if (strcmp(request.url, handle) != 0 || strncmp(handle, "http", 4) != 0)
            abort();
        adapter_request_free(&request);
    }
    return 0;
}
