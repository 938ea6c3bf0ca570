/* What the JSON adapters share (crawler/adapters/adapter_json.h): the one repair policy for
 * escapes no post can hold, where a refused body went wrong, members named by their path, hostile
 * text made safe for a message, request parts that cannot steer a request, and a result that
 * grows to any page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "crawler/adapters/adapter_json.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */
#define EMOJI_GRIN "\xF0\x9F\x98\x80"
/* A body and its length. */
#define BODY(literal) literal, sizeof(literal) - 1

static cJSON *parse_ok(const char *body, size_t len)
{
    char err[NETRA_ERR_LEN] = "";
    cJSON *root;
    if (adapter_json_parse(body, len, "body", &root, err, sizeof(err)) != 0)
        fail_msg("refused %s: %s", body, err);
    return root;
}

static void parse_fails(const char *body, size_t len, const char *expected)
{
    char err[NETRA_ERR_LEN] = "";
    cJSON *root = (cJSON *)1;
    assert_int_equal(adapter_json_parse(body, len, "body", &root, err, sizeof(err)), -1);
    assert_null(root);
    assert_string_equal(err, expected);
}

static void assert_element(const cJSON *array, int index, const char *expected)
{
    const cJSON *item = cJSON_GetArrayItem(array, index);
    assert_true(cJSON_IsString(item));
    assert_string_equal(item->valuestring, expected);
}

/* ---- bodies --------------------------------------------------------------------------------- */

static void escaped_nuls_and_lone_surrogates_become_replacement_characters(void **state)
{
    (void)state;
    cJSON *root = parse_ok(BODY("[\"a\\u0000b\", \"cut \\ud83d\", \"\\udc00 low\", "
                                "\"\\uD83D\\uDE00\", \"\\ud800\\ud83d\\ude00\", \"\\\\u0000\", "
                                "\"\\\\\\u0000\", \"\\u0041\\n\"]"));
    assert_element(root, 0, "a" REPLACEMENT "b");
    assert_element(root, 1, "cut " REPLACEMENT);
    assert_element(root, 2, REPLACEMENT " low");
    assert_element(root, 3, EMOJI_GRIN);
    /* A high half followed by a whole pair: only the first is alone. */
    assert_element(root, 4, REPLACEMENT EMOJI_GRIN);
    /* An escaped backslash before "u0000" is text; one before a real escape is not. */
    assert_element(root, 5, "\\u0000");
    assert_element(root, 6, "\\" REPLACEMENT);
    assert_element(root, 7, "A\n");
    cJSON_Delete(root);
}

static void a_refused_body_says_where_it_went_wrong(void **state)
{
    (void)state;
    parse_fails(BODY(""), "body: not valid JSON near byte 0 (line 1)");
    parse_fails(BODY("{\"a\":\n [1,]}"), "body: not valid JSON near byte 10 (line 2)");
    parse_fails(BODY("{} {}"), "body: not valid JSON near byte 3 (line 1)");
    parse_fails(BODY("[\"a\",\n\"b\0\"]"), "body: NUL byte at offset 8 (line 2)");
    parse_fails(NULL, 5, "body: not valid JSON near byte 0 (line 1)");

    char err[NETRA_ERR_LEN];
    cJSON *root;
    assert_int_equal(adapter_json_parse("{", 1, "JSON Feed", &root, err, sizeof(err)), -1);
    assert_string_equal(err, "JSON Feed: not valid JSON near byte 1 (line 1)");
    /* The size is checked before a byte is read. */
    assert_int_equal(adapter_json_parse("", ADAPTER_JSON_MAX_BODY + 1, "body", &root, err,
                                        sizeof(err)),
                     -1);
    assert_string_equal(err, "body: 16777217 bytes, over the limit of 16777216");
}

/* cJSON would read these as U+0000 and cut the text there, hiding what follows from the scorer. */
static void a_unicode_escape_without_four_hex_digits_is_refused(void **state)
{
    (void)state;
    parse_fails(BODY("{\"text\":\"ayo \\uZZZZ coblos nomor 2\"}"),
                "body: not valid JSON near byte 13 (line 1): \\u needs four hex digits");
    parse_fails(BODY("[\"a\",\n\"\\u12\"]"),
                "body: not valid JSON near byte 7 (line 2): \\u needs four hex digits");
    parse_fails(BODY("[\"\\u"), "body: not valid JSON near byte 2 (line 1): \\u needs four hex digits");
    /* An escaped backslash and then the letter u is text. */
    cJSON *root = parse_ok(BODY("[\"\\\\uZZZZ\", \"\\u00e9\"]"));
    assert_element(root, 0, "\\uZZZZ");
    assert_element(root, 1, "\xC3\xA9");
    cJSON_Delete(root);
}

static void a_byte_order_mark_and_surrounding_space_are_passed_over(void **state)
{
    (void)state;
    cJSON *root = parse_ok(BODY("\xEF\xBB\xBF \n{\"a\":\"b\"}\r\n"));
    assert_string_equal(cJSON_GetObjectItem(root, "a")->valuestring, "b");
    cJSON_Delete(root);
}

/* ---- members -------------------------------------------------------------------------------- */

static void members_are_read_by_type_and_named_by_path_on_error(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    cJSON *root = parse_ok(BODY("{\"s\":\"text\",\"a\":[],\"o\":{},\"n\":null,\"i\":7}"));
    cJSON *value;
    const char *text;

    assert_int_equal(adapter_json_string(root, "s", 1, "post", &text, err, sizeof(err)), 0);
    assert_string_equal(text, "text");
    assert_int_equal(adapter_json_array(root, "a", 1, "post", &value, err, sizeof(err)), 0);
    assert_true(cJSON_IsArray(value));
    assert_int_equal(adapter_json_object(root, "o", 1, "post", &value, err, sizeof(err)), 0);
    assert_true(cJSON_IsObject(value));

    /* Absent and null are the same: nothing when optional, "missing" when required. */
    assert_int_equal(adapter_json_string(root, "n", 0, "post", &text, err, sizeof(err)), 0);
    assert_null(text);
    assert_int_equal(adapter_json_object(root, "none", 0, "post", &value, err, sizeof(err)), 0);
    assert_null(value);
    assert_int_equal(adapter_json_string(root, "n", 1, "feed[2].post", &text, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "feed[2].post.n: missing");

    assert_int_equal(adapter_json_string(root, "i", 0, "post", &text, err, sizeof(err)), -1);
    assert_null(text);
    assert_string_equal(err, "post.i: expected a string");
    assert_int_equal(adapter_json_array(root, "o", 0, "", &value, err, sizeof(err)), -1);
    assert_null(value);
    assert_string_equal(err, "o: expected an array");
    assert_int_equal(adapter_json_object(root, "a", 0, "body", &value, NULL, 0), -1);
    assert_int_equal(adapter_json_object(NULL, "a", 0, "body", &value, err, sizeof(err)), 0);
    assert_null(value);
    cJSON_Delete(root);
}

static void the_evidence_is_the_item_compact_and_bounded(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    struct post_message *message = post_message_new();
    cJSON *root = parse_ok(BODY("{ \"id\" : 7,\n \"text\" : \"a\\u0000b\" }"));
    assert_int_equal(adapter_json_set_raw(message, root, "data[0]", err, sizeof(err)), 0);
    static const char compact[] = "{\"id\":7,\"text\":\"a" REPLACEMENT "b\"}";
    assert_int_equal(message->raw_len, sizeof(compact) - 1);
    assert_memory_equal(message->raw, compact, sizeof(compact) - 1);
    cJSON_Delete(root);

    char *big = malloc(ADAPTER_ITEM_MAX_BYTES + 1);
    assert_non_null(big);
    memset(big, 'x', ADAPTER_ITEM_MAX_BYTES - 1);
    big[ADAPTER_ITEM_MAX_BYTES - 1] = '\0';
    root = cJSON_CreateString(big);
    assert_non_null(root);
    assert_int_equal(adapter_json_set_raw(message, root, "data[1]", err, sizeof(err)), -1);
    assert_string_equal(err, "data[1]: 1048577 bytes, over the 1048576 an item may have");
    cJSON_Delete(root);
    free(big);
    post_message_free(message);
}

/* Items of every size print as cJSON prints them compactly: small ones without a heap buffer,
 * large ones with one, and those in between (a number's room estimated near the end) alike. */
static void the_evidence_is_cjsons_compact_print_at_any_size(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    size_t lengths[] = {0, 1, 1000, 16 * 1024 - 64, 16 * 1024 + 64, 200 * 1024};
    char *text = malloc(200 * 1024 + 1);
    assert_non_null(text);
    for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
        for (size_t extra = 0; extra < (lengths[l] == 16 * 1024 - 64 ? 128 : 1); extra++) {
            size_t length = lengths[l] + extra;
            memset(text, 'x', length);
            text[length] = '\0';
            cJSON *item = cJSON_CreateObject();
            assert_non_null(item);
            assert_non_null(cJSON_AddStringToObject(item, "text", text));
            assert_non_null(cJSON_AddNumberToObject(item, "favourites_count", 1234567));
            assert_non_null(cJSON_AddNumberToObject(item, "ratio", 0.1));
            struct post_message *message = post_message_new();
            assert_non_null(message);
            assert_int_equal(adapter_json_set_raw(message, item, "data[0]", err, sizeof(err)), 0);
            char *printed = cJSON_PrintUnformatted(item);
            assert_non_null(printed);
            assert_int_equal(message->raw_len, strlen(printed));
            assert_memory_equal(message->raw, printed, message->raw_len);
            cJSON_free(printed);
            post_message_free(message);
            cJSON_Delete(item);
        }
    }
    free(text);
}

static void paths_are_cut_to_fit(void **state)
{
    (void)state;
    char where[ADAPTER_WHERE_LEN], alt_where[ADAPTER_WHERE_LEN], long_name[300];
    adapter_where_index(where, "feed[3].post", ".images", 2);
    assert_string_equal(where, "feed[3].post.images[2]");
    adapter_where(alt_where, where, ".alt");
    assert_string_equal(alt_where, "feed[3].post.images[2].alt");
    memset(long_name, 'x', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    adapter_where(where, long_name, long_name);
    assert_true(strlen(where) < ADAPTER_WHERE_LEN);
    assert_int_equal(strlen(where), 80 + 40);
    adapter_where_index(where, "", "statuses", 0);
    assert_string_equal(where, "statuses[0]");
    adapter_where_index(where, long_name, long_name, SIZE_MAX);
    char expected[ADAPTER_WHERE_LEN];
    snprintf(expected, sizeof(expected), "%.80s%.20s[%zu]", long_name, long_name, (size_t)SIZE_MAX);
    assert_string_equal(where, expected);
}

/* ---- text for messages ---------------------------------------------------------------------- */

static void hostile_text_is_shown_on_one_line_of_ascii(void **state)
{
    (void)state;
    char out[ADAPTER_SHOWN_LEN], long_value[200];
    assert_string_equal(error_shown(out, sizeof(out), "budi@mastodon.example"),
                        "budi@mastodon.example");
    assert_string_equal(error_shown(out, sizeof(out), "a\"b\\c\r\nd\xC3\xA9\x7F"),
                        "a\\x22b\\x5Cc\\x0D\\x0Ad\\xC3\\xA9\\x7F");
    assert_string_equal(error_shown(out, sizeof(out), NULL), "");
    memset(long_value, 'v', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    error_shown(out, sizeof(out), long_value);
    assert_int_equal(strlen(out), sizeof(out) - 1);
    assert_string_equal(out + sizeof(out) - 4, "...");
}

/* ---- requests ------------------------------------------------------------------------------- */

static void a_percent_encoded_value_cannot_steer_a_url(void **state)
{
    (void)state;
    char *encoded = adapter_percent_encode("a b/../?x=1&y#z%~._-\xC3\xA9");
    assert_string_equal(encoded, "a%20b%2F..%2F%3Fx%3D1%26y%23z%25~._-%C3%A9");
    free(encoded);
}

static void base_urls_are_http_without_trailing_slashes(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN], long_url[2100];
    char *base;
    assert_int_equal(adapter_base_url("bluesky", NULL, "https://public.api.bsky.app", &base, err,
                                      sizeof(err)),
                     0);
    assert_string_equal(base, "https://public.api.bsky.app");
    free(base);
    assert_int_equal(adapter_base_url("x", "http://127.0.0.1:8080/x//", "https://api.x.com", &base,
                                      err, sizeof(err)),
                     0);
    assert_string_equal(base, "http://127.0.0.1:8080/x");
    free(base);
    assert_int_equal(adapter_base_url("mastodon", "", NULL, &base, err, sizeof(err)), 0);
    assert_null(base);
    assert_int_equal(adapter_base_url("x", "file:///etc/passwd", NULL, &base, err, sizeof(err)),
                     -1);
    assert_null(base);
    assert_string_equal(err, "platforms.x.base_url \"file:///etc/passwd\": expected an http:// or "
                             "https:// URL");
    snprintf(long_url, sizeof(long_url), "https://%02090d", 0);
    assert_int_equal(adapter_base_url("x", long_url, NULL, &base, err, sizeof(err)), -1);
}

static void page_sizes_are_clamped(void **state)
{
    (void)state;
    struct adapter_settings settings = {0};
    assert_int_equal(adapter_page_size(NULL, 5, 100), 100);
    assert_int_equal(adapter_page_size(&settings, 5, 100), 100);
    settings.page_size = 3;
    assert_int_equal(adapter_page_size(&settings, 5, 100), 5);
    settings.page_size = 40;
    assert_int_equal(adapter_page_size(&settings, 5, 100), 40);
    settings.page_size = 500;
    assert_int_equal(adapter_page_size(&settings, 5, 100), 100);
}

static void headers_carry_a_token_only_when_it_fits_in_a_header(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    struct adapter_settings settings = {.token = "s3cret"};
    struct adapter_request request = {0};
    assert_int_equal(adapter_request_json_headers(&request, "jsonapi", &settings, err,
                                                  sizeof(err)),
                     0);
    assert_int_equal(request.header_count, 2);
    assert_string_equal(request.headers[0], "Accept: application/json");
    assert_string_equal(request.headers[1], "Authorization: Bearer s3cret");
    adapter_request_free(&request);

    assert_int_equal(adapter_request_json_headers(&request, "jsonapi", NULL, err, sizeof(err)), 0);
    assert_int_equal(request.header_count, 1);
    adapter_request_free(&request);

    settings.token = "abc\r\nX-Injected: 1";
    assert_int_equal(adapter_request_bearer(&request, "mastodon", settings.token, err,
                                            sizeof(err)),
                     -1);
    assert_int_equal(request.header_count, 0);
    assert_string_equal(err, "platforms.mastodon.token holds a space, control or non-ASCII byte "
                             "at byte 3: it cannot go in an HTTP header");

    for (size_t i = 0; i < ADAPTER_MAX_HEADERS; i++)
        assert_int_equal(adapter_request_bearer(&request, "x", "t", err, sizeof(err)), 0);
    assert_int_equal(adapter_request_bearer(&request, "x", "t", err, sizeof(err)), -1);
    assert_int_equal(request.header_count, ADAPTER_MAX_HEADERS);
    adapter_request_free(&request);
}

/* ---- results -------------------------------------------------------------------------------- */

static void a_result_takes_a_page_of_any_size_and_keeps_the_first_skip_reason(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    struct adapter_result result = {0};
    struct post_message *added[1000];
    for (size_t i = 0; i < 1000; i++) {
        added[i] = post_message_new();
        assert_non_null(added[i]);
        assert_int_equal(adapter_result_add(&result, added[i], err, sizeof(err)), 0);
    }
    assert_int_equal(result.count, 1000);
    for (size_t i = 0; i < 1000; i++)
        assert_ptr_equal(result.posts[i], added[i]);
    assert_int_equal(adapter_result_skip(&result, "feed[3]: first", err, sizeof(err)), 0);
    assert_int_equal(adapter_result_skip(&result, "feed[4]: second", err, sizeof(err)), 0);
    assert_int_equal(result.skipped, 2);
    assert_string_equal(result.first_skip_reason, "feed[3]: first");
    adapter_result_free(&result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escaped_nuls_and_lone_surrogates_become_replacement_characters),
        cmocka_unit_test(a_refused_body_says_where_it_went_wrong),
        cmocka_unit_test(a_byte_order_mark_and_surrounding_space_are_passed_over),
        cmocka_unit_test(a_unicode_escape_without_four_hex_digits_is_refused),
        cmocka_unit_test(members_are_read_by_type_and_named_by_path_on_error),
        cmocka_unit_test(the_evidence_is_the_item_compact_and_bounded),
        cmocka_unit_test(the_evidence_is_cjsons_compact_print_at_any_size),
        cmocka_unit_test(paths_are_cut_to_fit),
        cmocka_unit_test(hostile_text_is_shown_on_one_line_of_ascii),
        cmocka_unit_test(a_percent_encoded_value_cannot_steer_a_url),
        cmocka_unit_test(base_urls_are_http_without_trailing_slashes),
        cmocka_unit_test(page_sizes_are_clamped),
        cmocka_unit_test(headers_carry_a_token_only_when_it_fits_in_a_header),
        cmocka_unit_test(a_result_takes_a_page_of_any_size_and_keeps_the_first_skip_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
