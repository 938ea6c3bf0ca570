#include "tests/adapters/adapter_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/utf8.h"
#include "tests/support/test_support.h"

/* ---- contract checks ------------------------------------------------------------------------ */

static int one_line(const char *text)
{
    return text != NULL && text[0] != '\0' && strchr(text, '\n') == NULL &&
           strchr(text, '\r') == NULL && utf8_valid(text, strlen(text), NULL);
}

static int rfc3339_utc(const char *time)
{
    /* 2024-01-05T10:00:00Z */
    return time != NULL && strlen(time) == 20 && time[4] == '-' && time[10] == 'T' &&
           time[19] == 'Z';
}

int adapter_check_post(const struct post_message *post, const char *platform, char *why,
                       size_t why_len)
{
    size_t prefix = strlen(platform);
    char err[NETRA_ERR_LEN];
    struct post_message *decoded = NULL;
    char *json = NULL;
    int rc = -1;

    if (post->id == NULL || strncmp(post->id, platform, prefix) != 0 || post->id[prefix] != ':' ||
        post->platform == NULL || strcmp(post->platform, platform) != 0) {
        error_set(why, why_len, "post %s: not a %s post", post->id != NULL ? post->id : "(no id)",
                  platform);
        goto cleanup;
    }
    /* Engagement: no platform says when a follow happened, and a like's time only on Bluesky. */
    int engagement = post_kind_is_engagement(post->kind);
    if (engagement && (post->target.id == NULL || post->text == NULL || post->text[0] != '\0' ||
                       (post->created_at != NULL && !rfc3339_utc(post->created_at)))) {
        error_set(why, why_len, "%s %s: no target.id, text not \"\" or a malformed created_at",
                  post_kind_name(post->kind), post->id);
        goto cleanup;
    }
    if (post->text == NULL || !utf8_valid(post->text, strlen(post->text), NULL) ||
        (!engagement && !rfc3339_utc(post->created_at)) || post->raw == NULL ||
        strlen(post->sha256) != 64) {
        error_set(why, why_len, "post %s: text, created_at, raw or sha256 missing or malformed",
                  post->id);
        goto cleanup;
    }
    json = post_message_to_json(post);
    if (json == NULL) {
        error_set(why, why_len, "post %s: cannot be encoded", post->id);
        goto cleanup;
    }
    if (post_message_from_json(json, strlen(json), &decoded, err, sizeof(err)) != 0) {
        error_set(why, why_len, "the worker's decoder refuses %.200s: %s", json, err);
        goto cleanup;
    }
    if (strcmp(decoded->id, post->id) != 0 || strcmp(decoded->text, post->text) != 0 ||
        decoded->kind != post->kind || decoded->mentions.count != post->mentions.count ||
        (engagement && (decoded->target.id == NULL ||
                        strcmp(decoded->target.id, post->target.id) != 0)) ||
        strcmp(decoded->sha256, post->sha256) != 0) {
        error_set(why, why_len, "post changed on its way to the worker: %.200s", json);
        goto cleanup;
    }
    rc = 0;

cleanup:
    post_message_free(decoded);
    free(json);
    return rc;
}

int adapter_check_parse(const struct adapter *adapter, const struct adapter_context *context,
                        const struct adapter_response *response, struct adapter_result *result,
                        char err[NETRA_ERR_LEN], int *accepted, char *why, size_t why_len)
{
    err[0] = '\0';
    *accepted = adapter->parse(context, response, result, err, NETRA_ERR_LEN) == 0;
    if (!*accepted) {
        if (!one_line(err))
            return error_set(why, why_len, "refusal without a one-line UTF-8 reason: \"%s\"",
                             err);
        if (result->count != 0 || result->posts != NULL || result->next_page != NULL ||
            result->new_cursor != NULL || result->native_id != NULL || result->gone != 0)
            return error_set(why, why_len, "refused (%s), yet something returned", err);
        return 0;
    }
    /* An engagement adapter ("bluesky-likes") speaks for its platform ("bluesky"). */
    char platform[32];
    snprintf(platform, sizeof(platform), "%.*s", (int)strcspn(adapter->name, "-"), adapter->name);
    for (size_t i = 0; i < result->count; i++)
        if (adapter_check_post(result->posts[i], platform, why, why_len) != 0)
            return -1;
    if ((result->skipped > 0) != (result->first_skip_reason != NULL))
        return error_set(why, why_len, "%zu skipped, but the first reason is %s",
                         result->skipped, result->first_skip_reason != NULL ? "set" : "missing");
    if (result->first_skip_reason != NULL && !one_line(result->first_skip_reason))
        return error_set(why, why_len, "skip reason not one line of UTF-8: \"%s\"",
                         result->first_skip_reason);
    return 0;
}

const struct adapter_settings adapter_test_jsonapi_settings = {
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

void adapter_check_abort(const char *what, const char *detail)
{
    fprintf(stderr, "%s: %s\n", what, detail);
    abort();
}

/* ---- cmocka helpers ------------------------------------------------------------------------- */

void adapter_test_crawl_init(struct adapter_test_crawl *crawl, const struct adapter *adapter,
                             const char *handle, const char *native_id, const char *cursor,
                             const char *page, long long since_s)
{
    memset(crawl, 0, sizeof(*crawl));
    crawl->adapter = adapter;
    crawl->account.id = "asn-test";
    crawl->account.handle = handle;
    crawl->account.native_id = native_id;
    crawl->context.settings = &crawl->settings;
    crawl->context.account = &crawl->account;
    crawl->context.cursor = cursor;
    crawl->context.page = page;
    crawl->context.since_s = since_s;
}

char *adapter_test_fixture(const char *platform, const char *name, size_t *len)
{
    char relative[256];
    snprintf(relative, sizeof(relative), "tests/adapters/fixtures/%s/%s", platform, name);
    char *path = test_source_path(relative);
    char *data = test_read_file(path, len);
    free(path);
    return data;
}

const char *adapter_test_request(const struct adapter_test_crawl *crawl,
                                 struct adapter_request *request)
{
    char err[NETRA_ERR_LEN] = "";
    if (crawl->adapter->build_request(&crawl->context, request, err, sizeof(err)) != 0)
        fail_msg("build_request refused: %s", err);
    return request->url;
}

void adapter_test_assert_url(const struct adapter_test_crawl *crawl, const char *expected)
{
    struct adapter_request request;
    assert_string_equal(adapter_test_request(crawl, &request), expected);
    adapter_request_free(&request);
}

const char *adapter_test_request_fails(const struct adapter_test_crawl *crawl,
                                       char err[NETRA_ERR_LEN])
{
    struct adapter_request request;
    err[0] = '\0';
    if (crawl->adapter->build_request(&crawl->context, &request, err, NETRA_ERR_LEN) == 0)
        fail_msg("build_request accepted: %s", request.url);
    assert_null(request.url);
    assert_int_equal(request.header_count, 0);
    if (!one_line(err))
        fail_msg("build_request refused without a one-line UTF-8 reason: \"%s\"", err);
    return err;
}

void adapter_test_request_refused(const struct adapter_test_crawl *crawl, const char *part)
{
    char err[NETRA_ERR_LEN];
    adapter_test_assert_contains(adapter_test_request_fails(crawl, err), part);
}

void adapter_test_parse(const struct adapter_test_crawl *crawl, long status, const char *body,
                        size_t len, const char *link, struct adapter_result *result)
{
    struct adapter_response response = {status, body, len, "application/json", link};
    char err[NETRA_ERR_LEN], why[NETRA_ERR_LEN];
    int accepted;
    if (adapter_check_parse(crawl->adapter, &crawl->context, &response, result, err, &accepted,
                            why, sizeof(why)) != 0)
        fail_msg("%s", why);
    if (!accepted)
        fail_msg("parse refused %.100s: %s", body, err);
}

void adapter_test_parse_fixture(const struct adapter_test_crawl *crawl, long status,
                                const char *name, const char *link, struct adapter_result *result)
{
    size_t len;
    char *body = adapter_test_fixture(crawl->adapter->name, name, &len);
    adapter_test_parse(crawl, status, body, len, link, result);
    free(body);
}

const char *adapter_test_parse_fails(const struct adapter_test_crawl *crawl, long status,
                                     const char *body, size_t len, const char *link,
                                     char err[NETRA_ERR_LEN])
{
    struct adapter_response response = {status, body, len, "application/json", link};
    struct adapter_result result;
    char why[NETRA_ERR_LEN];
    int accepted;
    if (adapter_check_parse(crawl->adapter, &crawl->context, &response, &result, err, &accepted,
                            why, sizeof(why)) != 0)
        fail_msg("%s", why);
    if (accepted) {
        adapter_result_free(&result);
        fail_msg("parse accepted %.100s", body);
    }
    return err;
}

void adapter_test_parse_refused(const struct adapter_test_crawl *crawl, long status,
                                const char *body, size_t len, const char *link, const char *part)
{
    char err[NETRA_ERR_LEN];
    adapter_test_assert_contains(adapter_test_parse_fails(crawl, status, body, len, link, err),
                                 part);
}

void adapter_test_assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

const struct post_message *adapter_test_post(const struct adapter_result *result, const char *id)
{
    for (size_t i = 0; i < result->count; i++)
        if (strcmp(result->posts[i]->id, id) == 0)
            return result->posts[i];
    fail_msg("no post %s among %zu", id, result->count);
    return NULL;
}

void adapter_test_assert_strings(const struct post_strings *list, const char *const *expected,
                                 size_t count)
{
    if (list->count != count)
        fail_msg("expected %zu strings, got %zu (first \"%s\")", count, list->count,
                 list->count > 0 ? list->items[0] : "");
    for (size_t i = 0; i < count; i++)
        assert_string_equal(list->items[i], expected[i]);
}
