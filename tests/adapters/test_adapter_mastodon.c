/* The Mastodon adapter against statuses and accounts written from the REST API documentation:
 * requests only ever go to the configured instance, every kind of status becomes the right post,
 * paging never skips a status, and hostile answers are refused or skipped with the field named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define HANDLE "budi@mastodon.example"
#define ACCOUNT_ID "109348271623544701"
#define FIRST_LINK                                                                                 \
    "<https://mastodon.example/api/v1/accounts/109348271623544701/statuses?limit=40&max_id="       \
    "111734300000000000>; rel=\"next\", <https://mastodon.example/api/v1/accounts/"                \
    "109348271623544701/statuses?limit=40&min_id=111734300000000006>; rel=\"prev\""

/* ---- helpers ---- */

/* A crawl of budi@mastodon.example; native_id "" asks for the lookup. */
static void crawl_init(struct adapter_test_crawl *crawl, const char *native_id, const char *cursor,
                       const char *page, long long since_s)
{
    adapter_test_crawl_init(crawl, &adapter_mastodon, HANDLE, native_id, cursor, page, since_s);
}

static void expect_parse_refused(const struct adapter_test_crawl *crawl, long status,
                                 const char *body, const char *link, const char *expected)
{
    adapter_test_parse_refused(crawl, status, body, strlen(body), link, expected);
}

/* ---- requests ---- */

static void lookup_asks_the_handles_instance_for_the_bare_user(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_request request;
    crawl_init(&crawl, "", "", NULL, 0);
    assert_string_equal(adapter_test_request(&crawl, &request),
                        "https://mastodon.example/api/v1/accounts/lookup?acct=budi");
    assert_int_equal(request.is_lookup, 1);
    assert_int_equal(request.header_count, 1);
    assert_string_equal(request.headers[0], "Accept: application/json");
    adapter_request_free(&request);
}

static void lookup_goes_to_the_configured_base_url(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_request request;
    crawl_init(&crawl, "", "", NULL, 0);
    crawl.settings.base_url = "http://127.0.0.1:8080/mastodon/";
    crawl.settings.token = "s3cr3t-token";
    assert_string_equal(adapter_test_request(&crawl, &request),
                        "http://127.0.0.1:8080/mastodon/api/v1/accounts/lookup?acct=budi");
    assert_int_equal(request.header_count, 2);
    assert_string_equal(request.headers[1], "Authorization: Bearer s3cr3t-token");
    adapter_request_free(&request);
}

static void first_crawl_asks_for_the_newest_statuses(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_request request;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    assert_string_equal(adapter_test_request(&crawl, &request),
                        "https://mastodon.example/api/v1/accounts/109348271623544701/statuses"
                        "?limit=40");
    assert_int_equal(request.is_lookup, 0);
    adapter_request_free(&request);

    crawl.settings.page_size = 100; /* over Mastodon's maximum */
    assert_non_null(strstr(adapter_test_request(&crawl, &request), "?limit=40"));
    adapter_request_free(&request);
    crawl.settings.page_size = 20;
    assert_non_null(strstr(adapter_test_request(&crawl, &request), "?limit=20"));
    adapter_request_free(&request);
}

static void later_crawls_ask_since_the_cursor_and_page_with_max_id(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_request request;
    crawl_init(&crawl, ACCOUNT_ID, "111734300000000006", NULL, 0);
    assert_string_equal(adapter_test_request(&crawl, &request),
                        "https://mastodon.example/api/v1/accounts/109348271623544701/statuses"
                        "?limit=40&since_id=111734300000000006");
    adapter_request_free(&request);

    crawl.context.page = "111734300000000000";
    assert_string_equal(adapter_test_request(&crawl, &request),
                        "https://mastodon.example/api/v1/accounts/109348271623544701/statuses"
                        "?limit=40&since_id=111734300000000006&max_id=111734300000000000");
    adapter_request_free(&request);

    /* A rescan pages back from the newest status whatever the cursor says. */
    crawl.context.page = NULL;
    crawl.context.since_s = 1704067200;
    assert_string_equal(adapter_test_request(&crawl, &request),
                        "https://mastodon.example/api/v1/accounts/109348271623544701/statuses"
                        "?limit=40");
    adapter_request_free(&request);
}

static void requests_refuse_values_that_could_steer_them(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, "1/../../admin", "", NULL, 0);
    adapter_test_request_refused(&crawl, "account id \"1/../../admin\": not a Mastodon id");
    crawl_init(&crawl, ACCOUNT_ID, "1&limit=1000", NULL, 0);
    adapter_test_request_refused(&crawl, "cursor \"1&limit=1000\": not a status id");
    crawl_init(&crawl, ACCOUNT_ID, "", "5#x", 0);
    adapter_test_request_refused(&crawl, "page \"5#x\": not a status id");
    crawl_init(&crawl, "", "", NULL, 0);
    crawl.account.handle = "budi";
    adapter_test_request_refused(&crawl, "handle \"budi\": expected user@instance");
    crawl.account.handle = "budi@evil.example/path?";
    adapter_test_request_refused(&crawl, "the instance is not a host name");
    crawl_init(&crawl, "", "", NULL, 0);
    crawl.settings.token = "abc\r\nX-Injected: 1";
    adapter_test_request_refused(&crawl, "platforms.mastodon.token holds a space, control or "
                                         "non-ASCII byte at byte 3");
    crawl.settings.token = NULL;
    crawl.settings.base_url = "file:///etc/passwd";
    adapter_test_request_refused(&crawl, "expected an http:// or https:// URL");
}

/* ---- lookup ---- */

static void lookup_answer_gives_the_account_id(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, "", "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "lookup.json", NULL, &result);
    assert_string_equal(result.native_id, ACCOUNT_ID);
    assert_int_equal(result.gone, 0);
    assert_int_equal(result.count, 0);
    adapter_result_free(&result);
}

static void missing_or_suspended_accounts_are_gone(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    size_t len;
    char *body = adapter_test_fixture("mastodon", "record_not_found.json", &len);
    crawl_init(&crawl, "", "", NULL, 0);
    adapter_test_parse(&crawl, 404, body, len, NULL, &result);
    assert_int_equal(result.gone, 1);
    assert_null(result.native_id);
    adapter_result_free(&result);

    /* A page of a deleted account, and a suspension as servers before 3.3 answer it. */
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse(&crawl, 404, body, len, NULL, &result);
    assert_int_equal(result.gone, 1);
    adapter_result_free(&result);
    adapter_test_parse(&crawl, 410, "", 0, NULL, &result);
    assert_int_equal(result.gone, 1);
    adapter_result_free(&result);
    free(body);

    crawl_init(&crawl, "", "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "lookup_suspended.json", NULL, &result);
    assert_int_equal(result.gone, 1);
    assert_null(result.native_id);
    adapter_result_free(&result);
}

static void lookup_answer_for_another_account_is_refused(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    size_t len;
    char *body = adapter_test_fixture("mastodon", "lookup_other_account.json", &len);
    crawl_init(&crawl, "", "", NULL, 0);
    adapter_test_parse_refused(&crawl, 200, body, len, NULL,
                               "account.acct \"budi@elsewhere.example\": the lookup was for "
                               "budi@mastodon.example");
    free(body);
    expect_parse_refused(&crawl, 200, "{\"id\":\"../1\",\"acct\":\"budi\"}", NULL,
                         "account.id \"../1\": not a Mastodon id");
    expect_parse_refused(&crawl, 200, "{\"acct\":\"budi\"}", NULL, "account.id: missing");
}

/* ---- statuses ---- */

static void every_kind_of_status_becomes_the_right_post(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    assert_int_equal(result.count, 5);
    assert_int_equal(result.skipped, 0);

    const struct post_message *post = adapter_test_post(&result, "mastodon:111734300000000006");
    assert_int_equal(post->kind, POST_KIND_POST);
    assert_string_equal(post->platform, "mastodon");
    assert_string_equal(post->author, "budi@mastodon.example");
    assert_string_equal(post->url, "https://mastodon.example/@budi/111734300000000006");
    assert_string_equal(post->created_at, "2024-01-05T03:00:00Z");
    assert_string_equal(post->lang, "id");
    assert_null(post->repost_of.author);

    const struct post_message *reply = adapter_test_post(&result, "mastodon:111734300000000005");
    assert_int_equal(reply->kind, POST_KIND_REPLY);
    assert_string_equal(reply->text, "@sari Setuju, Bu!");

    const struct post_message *repost = adapter_test_post(&result, "mastodon:111734300000000004");
    assert_int_equal(repost->kind, POST_KIND_REPOST);
    assert_string_equal(repost->author, "budi@mastodon.example");
    assert_string_equal(repost->created_at, "2024-01-05T02:00:00Z");
    assert_string_equal(repost->text, "Pilih nomor 2 untuk perubahan! #Coblos2");
    assert_string_equal(repost->url, "https://partai.example/@caleg/111734200000000001");
    assert_string_equal(repost->repost_of.author, "caleg@partai.example");
    assert_string_equal(repost->repost_of.url, "https://partai.example/@caleg/111734200000000001");
    assert_string_equal(repost->repost_of.text, "Pilih nomor 2 untuk perubahan! #Coblos2");
    ASSERT_STRINGS(&repost->hashtags, "coblos2");
    assert_int_equal(repost->media_count, 1);
    assert_string_equal(repost->media[0].alt, "Poster kampanye nomor 2");

    const struct post_message *quote = adapter_test_post(&result, "mastodon:111734300000000002");
    assert_int_equal(quote->kind, POST_KIND_QUOTE);
    assert_string_equal(quote->repost_of.author, "berita@news.example");
    assert_string_equal(quote->repost_of.url, "https://news.example/@berita/111700000000000001");
    assert_string_equal(quote->repost_of.text, "KPU umumkan jadwal kampanye terbuka");
    adapter_result_free(&result);
}

static void html_entities_emoji_and_surrogate_pairs_become_plain_text(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    const struct post_message *post = adapter_test_post(&result, "mastodon:111734300000000006");
    /* &amp; &quot; &lt; decoded, <br> and </p> as new lines, the link's hidden spans kept so the
     * URL reads whole, the flag as it came, \ud83d\ude00 as one emoji. */
    assert_string_equal(post->text,
                        "Apel pagi bersama & doa untuk #Pemilu2024 \xF0\x9F\x87\xAE\xF0\x9F\x87\xA9"
                        " bareng @sari dan @humas\n"
                        "Info: https://www.kpu.go.id/berita/baca/123\n"
                        "Senyum \xF0\x9F\x98\x80 \"siap\" <3");
    adapter_result_free(&result);
}

static void tags_mentions_links_and_media_are_listed(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    const struct post_message *post = adapter_test_post(&result, "mastodon:111734300000000006");
    ASSERT_STRINGS(&post->hashtags, "pemilu2024");
    /* A local acct is written with the instance, so every mention names one account. */
    ASSERT_STRINGS(&post->mentions, "sari@mastodon.example", "humas@kominfo.social");
    /* Mention and hashtag links are not links; the card's url is the same page as the link. */
    ASSERT_STRINGS(&post->links, "https://www.kpu.go.id/berita/baca/123");
    assert_int_equal(post->media_count, 2);
    assert_string_equal(post->media[0].type, "image");
    assert_string_equal(post->media[0].url,
                        "https://files.mastodon.example/media/original/57859aede991da25.jpeg");
    assert_string_equal(post->media[0].alt, "Foto apel pagi di halaman kantor dinas");
    /* A video still processing has no url yet: the remote copy stands in; no description. */
    assert_string_equal(post->media[1].type, "video");
    assert_string_equal(post->media[1].url, "https://video.example/media/dab9a597f68b9745.mp4");
    assert_null(post->media[1].alt);

    const struct post_message *quote = adapter_test_post(&result, "mastodon:111734300000000002");
    ASSERT_STRINGS(&quote->links, "https://news.example/@berita/111700000000000001");
    adapter_result_free(&result);
}

static void statuses_that_are_not_public_are_left_out_uncounted(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    /* 7 statuses: the private and the direct one are not there, and not errors either. */
    assert_int_equal(result.count, 5);
    assert_int_equal(result.skipped, 0);
    assert_null(result.first_skip_reason);
    for (size_t i = 0; i < result.count; i++) {
        assert_string_not_equal(result.posts[i]->id, "mastodon:111734300000000003");
        assert_string_not_equal(result.posts[i]->id, "mastodon:111734300000000000");
    }
    adapter_result_free(&result);
}

static void missing_and_null_optional_fields_are_absent(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    /* url null -> the uri; language null; no card, no media_attachments; a content warning. */
    const struct post_message *post = adapter_test_post(&result, "mastodon:111734300000000001");
    assert_string_equal(post->url,
                        "https://mastodon.example/users/budi/statuses/111734300000000001");
    assert_null(post->lang);
    assert_int_equal(post->links.count, 0);
    assert_int_equal(post->media_count, 0);
    assert_string_equal(post->text, "Politik\n\nPendapat pribadi soal debat semalam");
    adapter_result_free(&result);
}

static void quotes_whose_status_is_not_shown_are_still_quotes(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "", "111734300000000000", 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_last_page.json", NULL, &result);
    assert_int_equal(result.count, 2);
    /* A pending quote, and a ShallowQuote that only names the quoted status's id. */
    for (size_t i = 0; i < result.count; i++) {
        assert_int_equal(result.posts[i]->kind, POST_KIND_QUOTE);
        assert_null(result.posts[i]->repost_of.text);
    }
    adapter_result_free(&result);
}

static void a_page_read_without_its_handle_keeps_accts_as_sent(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    /* netra parse on a saved page: no handle, an account id that is only a placeholder. */
    crawl_init(&crawl, "0", "", NULL, 0);
    crawl.account.handle = "";
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    assert_int_equal(result.count, 5);
    const struct post_message *post = adapter_test_post(&result, "mastodon:111734300000000006");
    assert_string_equal(post->author, "budi");
    ASSERT_STRINGS(&post->mentions, "sari", "humas@kominfo.social");
    assert_string_equal(result.next_page, "111734300000000000");
    adapter_result_free(&result);

    /* A relative Link target needs a base to resolve against. */
    size_t len;
    char *body = adapter_test_fixture("mastodon", "statuses_last_page.json", &len);
    adapter_test_parse_refused(&crawl, 200, body, len, "</x?max_id=5>; rel=\"next\"",
                               "Link rel=\"next\" </x?max_id=5>: not a URL");
    free(body);

    /* A lookup cannot be checked without knowing whom it was for. */
    crawl_init(&crawl, "", "", NULL, 0);
    crawl.account.handle = "";
    body = adapter_test_fixture("mastodon", "lookup.json", &len);
    adapter_test_parse_refused(&crawl, 200, body, len, NULL, "handle \"\": expected user@instance");
    free(body);
}

/* ---- paging and cursors ---- */

static void first_page_sets_the_cursor_and_follows_link_next(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    assert_string_equal(result.next_page, "111734300000000000");
    /* The newest status seen, even a private one, is where the next crawl starts. */
    assert_string_equal(result.new_cursor, "111734300000000006");
    adapter_result_free(&result);

    /* Further pages leave the cursor to the first one. */
    crawl.context.page = "111734300000000000";
    adapter_test_parse_fixture(
        &crawl, 200, "statuses_last_page.json",
        "<https://mastodon.example/api/v1/accounts/109348271623544701/statuses?"
        "max_id=111734200000000050&limit=40>; rel=\"next\"",
        &result);
    assert_string_equal(result.next_page, "111734200000000050");
    assert_null(result.new_cursor);
    adapter_result_free(&result);
}

static void link_without_next_or_an_empty_page_is_the_last_page(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "", "111734300000000000", 0);
    adapter_test_parse_fixture(
        &crawl, 200, "statuses_last_page.json",
        "<https://mastodon.example/api/v1/accounts/109348271623544701/statuses?"
        "min_id=111734200000000100>; rel=\"prev\"",
        &result);
    assert_int_equal(result.count, 2);
    assert_null(result.next_page);
    adapter_result_free(&result);

    adapter_test_parse(&crawl, 200, "[]", 2, NULL, &result);
    assert_int_equal(result.count, 0);
    assert_null(result.next_page);
    assert_null(result.new_cursor);
    adapter_result_free(&result);

    /* Nothing new since the cursor: the crawl is complete and the cursor stays. */
    crawl_init(&crawl, ACCOUNT_ID, "111734300000000006", NULL, 0);
    adapter_test_parse(&crawl, 200, " [ ] ", 5, NULL, &result);
    assert_null(result.next_page);
    assert_null(result.new_cursor);
    adapter_result_free(&result);
}

static void without_link_header_paging_continues_below_the_last_status(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", NULL, &result);
    assert_string_equal(result.next_page, "111734300000000000");
    adapter_result_free(&result);

    /* A relative target and a rel list are still understood. */
    adapter_test_parse_fixture(
        &crawl, 200, "statuses_first_page.json",
        "</api/v1/accounts/109348271623544701/statuses?max_id=111734300000000002>; "
        "title=\"older, and more\"; rel=\"next last\"",
        &result);
    assert_string_equal(result.next_page, "111734300000000002");
    adapter_result_free(&result);
}

static void crawl_stops_at_the_old_cursor(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    /* A server that ignores since_id: statuses at and below the cursor are already known. */
    crawl_init(&crawl, ACCOUNT_ID, "111734300000000004", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    assert_int_equal(result.count, 2);
    assert_string_equal(result.posts[0]->id, "mastodon:111734300000000006");
    assert_string_equal(result.posts[1]->id, "mastodon:111734300000000005");
    assert_null(result.next_page);
    assert_string_equal(result.new_cursor, "111734300000000006");
    adapter_result_free(&result);

    crawl_init(&crawl, ACCOUNT_ID, "111734300000000099", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    assert_int_equal(result.count, 0);
    assert_null(result.next_page);
    assert_null(result.new_cursor);
    adapter_result_free(&result);
}

static void rescan_pages_back_to_since_and_keeps_the_cursor(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    /* Since 2024-01-05T01:00:00Z: the quote at exactly that time is in, older ones are not. */
    crawl_init(&crawl, ACCOUNT_ID, "111734300000000006", NULL, 1704416400);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    assert_int_equal(result.count, 4);
    assert_string_equal(result.posts[3]->id, "mastodon:111734300000000002");
    assert_null(result.next_page);
    assert_null(result.new_cursor);
    adapter_result_free(&result);

    /* Everything on the page is recent enough: keep paging back. */
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 1704067200);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    assert_int_equal(result.count, 5);
    assert_string_equal(result.next_page, "111734300000000000");
    assert_null(result.new_cursor);
    adapter_result_free(&result);
}

static void a_link_repeating_the_page_is_refused(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    size_t len;
    char *body = adapter_test_fixture("mastodon", "statuses_last_page.json", &len);
    crawl_init(&crawl, ACCOUNT_ID, "", "111734200000000050", 0);
    adapter_test_parse_refused(
        &crawl, 200, body, len,
        "<https://mastodon.example/x?max_id=111734200000000050>; rel=\"next\"",
        "repeats the page just fetched");
    free(body);
}

/* ---- hostile answers ---- */

static void malformed_bodies_are_refused_with_the_position(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    expect_parse_refused(&crawl, 200, "[{\"id\": \"1\",}]", NULL,
                         "body: not valid JSON near byte 13 (line 1)");
    expect_parse_refused(&crawl, 200, "[] trailing", NULL,
                         "body: not valid JSON near byte 3 (line 1)");
    expect_parse_refused(&crawl, 200, "", NULL, "body: not valid JSON near byte 0 (line 1)");
    adapter_test_parse_refused(&crawl, 200, "[\"a\0\"]", 6, NULL, "body: NUL byte at offset 3");
    expect_parse_refused(&crawl, 200, "{\"error\":\"Record not found\"}", NULL,
                         "body: expected an array of statuses");
    const char *one = "[{\"id\":\"1\",\"created_at\":\"2024-01-05T03:00:00Z\"}]";
    expect_parse_refused(&crawl, 200, one, "https://x/?max_id=1; rel=next",
                         "Link header: expected '<' at byte 0");
    expect_parse_refused(&crawl, 200, one, "<https://x/?max_id=1; rel=next", "is never closed");
    expect_parse_refused(&crawl, 200, one, "<https://x/?max_id=..%2Fadmin>; rel=\"next\"",
                         "max_id is not a status id");
    expect_parse_refused(&crawl, 200, one, "<https://x/?since_id=4>; rel=\"next\"", "no max_id");

    crawl_init(&crawl, "", "", NULL, 0);
    expect_parse_refused(&crawl, 200, "[]", NULL, "body: expected an Account object");
}

static void one_bad_status_is_skipped_and_counted(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_one_bad.json", NULL, &result);
    assert_int_equal(result.count, 2);
    assert_string_equal(result.posts[0]->text, "Pertama");
    assert_string_equal(result.posts[1]->text, "Ketiga");
    assert_int_equal(result.skipped, 1);
    assert_string_equal(result.first_skip_reason,
                        "statuses[1].created_at \"kemarin sore\": expected an RFC 3339 time");
    /* The newest status's id is the cursor; the page below starts under the last one. */
    assert_string_equal(result.new_cursor, "111734300000000010");
    assert_string_equal(result.next_page, "111734300000000008");
    adapter_result_free(&result);

    /* Wrong types name the field; the first reason is kept, every skip counted. */
    const char *bad =
        "[{\"id\":\"3\",\"created_at\":\"2024-01-05T03:00:00Z\",\"account\":{\"acct\":\"budi\"},"
        "\"content\":\"<p>a</p>\",\"tags\":\"pemilu\"},"
        "\"not a status\","
        "{\"id\":\"2\",\"created_at\":\"2024-01-05T02:00:00Z\",\"account\":{\"acct\":7},"
        "\"content\":\"<p>b</p>\"},"
        "{\"id\":\"1\",\"created_at\":\"2024-01-05T01:00:00Z\",\"account\":{\"acct\":\"budi\"},"
        "\"content\":\"<p>c</p>\"}]";
    adapter_test_parse(&crawl, 200, bad, strlen(bad), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_string_equal(result.posts[0]->text, "c");
    assert_int_equal(result.skipped, 3);
    assert_string_equal(result.first_skip_reason, "statuses[0].tags: expected an array");
    adapter_result_free(&result);

    const char *not_utf8 = "[{\"id\":\"1\",\"created_at\":\"2024-01-05T01:00:00Z\","
                           "\"account\":{\"acct\":\"budi\"},\"content\":\"<p>\xC3\x28</p>\"}]";
    adapter_test_parse(&crawl, 200, not_utf8, strlen(not_utf8), NULL, &result);
    assert_int_equal(result.skipped, 1);
    assert_non_null(
        strstr(result.first_skip_reason, "statuses[0].content: HTML is not valid UTF-8"));
    adapter_result_free(&result);
}

static void an_edit_changes_the_content_hash(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result before, after, again;
    char hash_before[65], hash_after[65], hash_again[65];
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "status_version_1.json", NULL, &before);
    adapter_test_parse_fixture(&crawl, 200, "status_version_2.json", NULL, &after);
    adapter_test_parse_fixture(&crawl, 200, "status_version_1.json", NULL, &again);
    assert_string_equal(before.posts[0]->id, after.posts[0]->id);
    post_message_content_hash(before.posts[0], hash_before);
    post_message_content_hash(after.posts[0], hash_after);
    post_message_content_hash(again.posts[0], hash_again);
    assert_string_not_equal(hash_before, hash_after);
    assert_string_equal(hash_before, hash_again);
    adapter_result_free(&before);
    adapter_result_free(&after);
    adapter_result_free(&again);
}

static void raw_bytes_are_the_status_itself(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    char hash[65];
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "statuses_first_page.json", FIRST_LINK, &result);
    const struct post_message *repost = adapter_test_post(&result, "mastodon:111734300000000004");
    cJSON *raw = cJSON_ParseWithLength((const char *)repost->raw, repost->raw_len);
    assert_non_null(raw);
    assert_string_equal(cJSON_GetObjectItem(raw, "id")->valuestring, "111734300000000004");
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(raw, "reblog"), "content"));
    assert_null(memchr(repost->raw, '\n', repost->raw_len));
    post_sha256_hex(repost->raw, repost->raw_len, hash);
    assert_string_equal(repost->sha256, hash);
    cJSON_Delete(raw);
    adapter_result_free(&result);
}

/* The evidence hashes of the fixture statuses, as netra has always computed them: a change to how
 * raw bytes are printed must not change a byte of them. */
static void raw_bytes_of_the_fixtures_keep_their_evidence_hashes(void **state)
{
    (void)state;
    static const struct {
        const char *fixture, *id, *sha256;
        size_t raw_len;
    } expected[] = {
        {"statuses_first_page.json", "mastodon:111734300000000006",
         "539c4933768f5e9e9c4b9fa635d8a5439a49f2fc7f383358269c658eb23b6c4c", 3063},
        {"statuses_first_page.json", "mastodon:111734300000000005",
         "e1c7810c50a02ed075be76b736ffad3a300a514eb890b88e7931d3f4afbf0e17", 1388},
        {"statuses_first_page.json", "mastodon:111734300000000004",
         "fdeca3d3a4aa28bee2155c38fb868fc2b3b5f9f7bbf4b4df9d8726dbec23e434", 2545},
        {"statuses_first_page.json", "mastodon:111734300000000002",
         "52c1a6484b5cc892f36fd0e9cb55ec0aa473fe00279db2995fd17c51a642be3a", 2445},
        {"statuses_first_page.json", "mastodon:111734300000000001",
         "81a701371094a12da16471d9df7d2b24b3f7e6ae3d8df53db7e6306060d84239", 1068},
        {"statuses_last_page.json", "mastodon:111734200000000100",
         "01cc8b85fcee64edc713acab22d8f406ad2249c21de8988ae01ed8ecfd55de86", 1183},
        {"statuses_last_page.json", "mastodon:111734200000000050",
         "d9fe6492652481c26dedc1cd91c44f72c7cda91dac5c22a50a25b856c635e1af", 1192},
        {"statuses_one_bad.json", "mastodon:111734300000000010",
         "b5aad75a0758c9ff5348670ac91e1f2dcb28528ffab9d75283d139631893079b", 1115},
        {"statuses_one_bad.json", "mastodon:111734300000000008",
         "7b9039dcb3c7b5d385f431ecc663091d695bd93e9b5be36e239b9996d25deb6b", 1114},
        {"status_version_1.json", "mastodon:111734300000000020",
         "372c6155a780bf2ab68c973022a5b50034d2b3686e6c04460583a99502aa346a", 1134},
        {"status_version_2.json", "mastodon:111734300000000020",
         "30bf4e75477210194aea1b8933df9a54d78d0261b55b2020d74c7f472a90bced", 1154},
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        struct adapter_test_crawl crawl;
        struct adapter_result result;
        char hash[65];
        crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
        adapter_test_parse_fixture(&crawl, 200, expected[i].fixture, NULL, &result);
        const struct post_message *post = adapter_test_post(&result, expected[i].id);
        assert_int_equal(post->raw_len, expected[i].raw_len);
        post_sha256_hex(post->raw, post->raw_len, hash);
        assert_string_equal(hash, expected[i].sha256);
        assert_string_equal(post->sha256, expected[i].sha256);
        adapter_result_free(&result);
    }
}

static void an_escaped_nul_does_not_cut_the_text(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    const char *body = "[{\"id\":\"1\",\"created_at\":\"2024-01-05T01:00:00Z\","
                       "\"account\":{\"acct\":\"budi\"},\"content\":\"<p>awal\\u0000akhir "
                       "\\\\u0000</p>\"}]";
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    adapter_test_parse(&crawl, 200, body, strlen(body), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_string_equal(result.posts[0]->text, "awal\xEF\xBF\xBD"
                                               "akhir \\u0000");
    adapter_result_free(&result);
}

static void oversized_and_deeply_nested_input_is_handled(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);

    size_t depth = 200000;
    char *deep = malloc(depth + 1);
    assert_non_null(deep);
    memset(deep, '[', depth);
    deep[depth] = '\0';
    adapter_test_parse_refused(&crawl, 200, deep, depth, NULL, "body: not valid JSON");
    free(deep);

    /* A status of 2 MB between two ordinary ones is skipped; they are kept. */
    size_t big = 2 * 1024 * 1024;
    const char *head =
        "[{\"id\":\"3\",\"created_at\":\"2024-01-05T03:00:00Z\",\"account\":{\"acct\""
        ":\"budi\"},\"content\":\"<p>a</p>\"},{\"id\":\"2\",\"created_at\":\"2024-01-05T"
        "02:00:00Z\",\"account\":{\"acct\":\"budi\"},\"content\":\"<p>";
    const char *tail = "</p>\"},{\"id\":\"1\",\"created_at\":\"2024-01-05T01:00:00Z\",\"account\":"
                       "{\"acct\":\"budi\"},\"content\":\"<p>c</p>\"}]";
    size_t len = strlen(head) + big + strlen(tail);
    char *body = malloc(len + 1);
    assert_non_null(body);
    strcpy(body, head);
    memset(body + strlen(head), 'x', big);
    strcpy(body + strlen(head) + big, tail);
    adapter_test_parse(&crawl, 200, body, len, NULL, &result);
    assert_int_equal(result.count, 2);
    assert_int_equal(result.skipped, 1);
    assert_non_null(strstr(result.first_skip_reason, "statuses[1]: 2097"));
    adapter_result_free(&result);
    free(body);
}

static void other_http_errors_are_reported(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, ACCOUNT_ID, "", NULL, 0);
    expect_parse_refused(&crawl, 401, "{\"error\":\"This API requires an authenticated user\"}",
                         NULL, "HTTP 401: This API requires an authenticated user");
    expect_parse_refused(&crawl, 503, "<html>busy</html>", NULL, "HTTP 503");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookup_asks_the_handles_instance_for_the_bare_user),
        cmocka_unit_test(lookup_goes_to_the_configured_base_url),
        cmocka_unit_test(first_crawl_asks_for_the_newest_statuses),
        cmocka_unit_test(later_crawls_ask_since_the_cursor_and_page_with_max_id),
        cmocka_unit_test(requests_refuse_values_that_could_steer_them),
        cmocka_unit_test(lookup_answer_gives_the_account_id),
        cmocka_unit_test(missing_or_suspended_accounts_are_gone),
        cmocka_unit_test(lookup_answer_for_another_account_is_refused),
        cmocka_unit_test(every_kind_of_status_becomes_the_right_post),
        cmocka_unit_test(html_entities_emoji_and_surrogate_pairs_become_plain_text),
        cmocka_unit_test(tags_mentions_links_and_media_are_listed),
        cmocka_unit_test(statuses_that_are_not_public_are_left_out_uncounted),
        cmocka_unit_test(missing_and_null_optional_fields_are_absent),
        cmocka_unit_test(quotes_whose_status_is_not_shown_are_still_quotes),
        cmocka_unit_test(a_page_read_without_its_handle_keeps_accts_as_sent),
        cmocka_unit_test(first_page_sets_the_cursor_and_follows_link_next),
        cmocka_unit_test(link_without_next_or_an_empty_page_is_the_last_page),
        cmocka_unit_test(without_link_header_paging_continues_below_the_last_status),
        cmocka_unit_test(crawl_stops_at_the_old_cursor),
        cmocka_unit_test(rescan_pages_back_to_since_and_keeps_the_cursor),
        cmocka_unit_test(a_link_repeating_the_page_is_refused),
        cmocka_unit_test(malformed_bodies_are_refused_with_the_position),
        cmocka_unit_test(one_bad_status_is_skipped_and_counted),
        cmocka_unit_test(an_edit_changes_the_content_hash),
        cmocka_unit_test(raw_bytes_are_the_status_itself),
        cmocka_unit_test(raw_bytes_of_the_fixtures_keep_their_evidence_hashes),
        cmocka_unit_test(an_escaped_nul_does_not_cut_the_text),
        cmocka_unit_test(oversized_and_deeply_nested_input_is_handled),
        cmocka_unit_test(other_http_errors_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
