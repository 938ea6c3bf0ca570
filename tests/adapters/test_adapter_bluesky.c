/* The Bluesky adapter against AppView answers written from the AT Protocol lexicons: requests go
 * only to the configured AppView, every kind of feed item becomes the right post, facets are read
 * by UTF-8 byte offsets, paging back reads an hour below what the last crawl saw, and hostile
 * answers are refused or skipped with the field named. */
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

#define HANDLE "budi.bsky.social"
#define DID "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
#define POST_URI(rkey) "at://" DID "/app.bsky.feed.post/" rkey
#define FIRST_PAGE_NEXT "2024-01-05T00:00:00.000Z"

/* ---- helpers ---- */

/* A crawl of budi.bsky.social; native_id "" asks for the lookup. */
static void crawl_init(struct adapter_test_crawl *crawl, const char *native_id, const char *cursor,
                       const char *page, long long since_s)
{
    adapter_test_crawl_init(crawl, &adapter_bluesky, HANDLE, native_id, cursor, page, since_s);
}

static void expect_parse_refused(const struct adapter_test_crawl *crawl, long status,
                                 const char *body, const char *expected)
{
    adapter_test_parse_refused(crawl, status, body, strlen(body), NULL, expected);
}

static void expect_fixture_refused(const struct adapter_test_crawl *crawl, long status,
                                   const char *name, const char *expected)
{
    size_t len;
    char *body = adapter_test_fixture("bluesky", name, &len);
    adapter_test_parse_refused(crawl, status, body, len, NULL, expected);
    free(body);
}

/* The first page with one item replaced by JSON text, for items of a hostile shape. */
static char *first_page_with_item(size_t index, const char *item_json)
{
    size_t len;
    char *text = adapter_test_fixture("bluesky", "feed_first_page.json", &len);
    cJSON *root = cJSON_Parse(text);
    cJSON *item = cJSON_Parse(item_json);
    assert_non_null(root);
    assert_non_null(item);
    assert_true(cJSON_ReplaceItemInArray(cJSON_GetObjectItem(root, "feed"), (int)index, item));
    char *page = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    free(text);
    return page;
}

/* ---- requests ---- */

static void lookup_resolves_the_handle_on_the_public_appview(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_request request;
    crawl_init(&crawl, "", "", NULL, 0);
    assert_string_equal(adapter_test_request(&crawl, &request),
                        "https://public.api.bsky.app/xrpc/com.atproto.identity.resolveHandle"
                        "?handle=budi.bsky.social");
    assert_int_equal(request.is_lookup, 1);
    assert_int_equal(request.header_count, 1);
    assert_string_equal(request.headers[0], "Accept: application/json");
    adapter_request_free(&request);
}

static void feed_request_names_the_did_and_pages_with_the_cursor(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_request request;
    crawl_init(&crawl, DID, "", NULL, 0);
    crawl.settings.base_url = "http://127.0.0.1:8080/bluesky/";
    assert_string_equal(adapter_test_request(&crawl, &request),
                        "http://127.0.0.1:8080/bluesky/xrpc/app.bsky.feed.getAuthorFeed"
                        "?actor=did%3Aplc%3Aewvi7nxzyoun6zhxrhs64oiz&limit=100");
    assert_int_equal(request.is_lookup, 0);
    adapter_request_free(&request);

    crawl.context.page = FIRST_PAGE_NEXT;
    crawl.settings.page_size = 30;
    assert_string_equal(adapter_test_request(&crawl, &request),
                        "http://127.0.0.1:8080/bluesky/xrpc/app.bsky.feed.getAuthorFeed"
                        "?actor=did%3Aplc%3Aewvi7nxzyoun6zhxrhs64oiz&limit=30"
                        "&cursor=2024-01-05T00%3A00%3A00.000Z");
    adapter_request_free(&request);

    crawl.settings.page_size = 500; /* over the lexicon's maximum */
    crawl.settings.token = "app-token";
    assert_non_null(strstr(adapter_test_request(&crawl, &request), "&limit=100&"));
    assert_string_equal(request.headers[1], "Authorization: Bearer app-token");
    adapter_request_free(&request);
}

static void requests_refuse_values_that_could_steer_them(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_request request;
    /* A cursor from an answer is only ever one query value. */
    crawl_init(&crawl, DID, "", "x&actor=did:plc:someoneelse#", 0);
    const char *url = adapter_test_request(&crawl, &request);
    assert_non_null(strstr(url, "&cursor=x%26actor%3Ddid%3Aplc%3Asomeoneelse%23"));
    assert_null(strstr(url, "someoneelse&"));
    adapter_request_free(&request);

    crawl_init(&crawl, "did:plc:abc/../../admin", "", NULL, 0);
    adapter_test_request_refused(&crawl, "account DID \"did:plc:abc/../../admin\": not a DID");
    crawl_init(&crawl, DID, "", "line\nbreak", 0);
    adapter_test_request_refused(&crawl, "not a feed cursor");
    crawl_init(&crawl, "", "", NULL, 0);
    crawl.account.handle = "budi.bsky.social/../x";
    adapter_test_request_refused(&crawl, "expected a domain name such as name.bsky.social");
    crawl.account.handle = HANDLE;
    crawl.settings.base_url = "gopher://appview.example";
    adapter_test_request_refused(&crawl, "expected an http:// or https:// URL");
}

/* ---- lookup and gone ---- */

static void lookup_answer_gives_the_did(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, "", "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "resolve_handle.json", NULL, &result);
    assert_string_equal(result.native_id, DID);
    assert_int_equal(result.gone, 0);
    adapter_result_free(&result);

    expect_parse_refused(&crawl, 200, "{\"did\":\"did:plc:x/../y\"}",
                         "body.did \"did:plc:x/../y\": not a DID");
    expect_parse_refused(&crawl, 200, "{\"handle\":\"budi.bsky.social\"}", "body.did: missing");
}

static void unresolvable_handle_or_missing_profile_is_gone(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, "", "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 400, "unable_to_resolve.json", NULL, &result);
    assert_int_equal(result.gone, 1);
    assert_null(result.native_id);
    adapter_result_free(&result);

    crawl_init(&crawl, DID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 400, "profile_not_found.json", NULL, &result);
    assert_int_equal(result.gone, 1);
    assert_int_equal(result.count, 0);
    adapter_result_free(&result);
    const char *takedown = "{\"error\":\"AccountTakedown\",\"message\":\"Account has been "
                           "suspended\"}";
    adapter_test_parse(&crawl, 400, takedown, strlen(takedown), NULL, &result);
    assert_int_equal(result.gone, 1);
    adapter_result_free(&result);

    /* Blocking is not deletion, and a bad request is a bug to see, not a gone account. */
    expect_fixture_refused(&crawl, 400, "blocked_actor.json",
                           "HTTP 400: BlockedActor: Requester has blocked actor");
    expect_parse_refused(&crawl, 400,
                         "{\"error\":\"InvalidRequest\",\"message\":\"Error: limit "
                         "must be <= 100\"}",
                         "HTTP 400: InvalidRequest: Error: limit must be");
    expect_parse_refused(&crawl, 502, "<html>Bad gateway</html>", "HTTP 502");
}

/* ---- feed items ---- */

static void every_kind_of_item_becomes_the_right_post(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    assert_int_equal(result.count, 8);
    assert_int_equal(result.skipped, 0);

    const struct post_message *post =
        adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa08"));
    assert_int_equal(post->kind, POST_KIND_POST);
    assert_string_equal(post->platform, "bluesky");
    assert_string_equal(post->author, HANDLE);
    assert_string_equal(post->url, "https://bsky.app/profile/budi.bsky.social/post/3kxaaaaaaaa08");
    assert_string_equal(post->created_at, "2024-01-05T03:00:00Z");
    assert_string_equal(post->lang, "id");

    assert_int_equal(adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa07"))->kind,
                     POST_KIND_REPLY);
    assert_int_equal(adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa06"))->kind,
                     POST_KIND_QUOTE);
    assert_int_equal(adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa05"))->kind,
                     POST_KIND_QUOTE);
    /* A link card, a video, and a shared feed generator (a record, but not a post). */
    assert_int_equal(adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa04"))->kind,
                     POST_KIND_POST);
    assert_int_equal(adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa03"))->kind,
                     POST_KIND_POST);
    const struct post_message *shared =
        adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa02"));
    assert_int_equal(shared->kind, POST_KIND_POST);
    assert_null(shared->repost_of.url);
    adapter_result_free(&result);
}

static void a_repost_is_the_reposters_act_on_another_post(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    const struct post_message *repost =
        adapter_test_post(&result, "bluesky:at://" DID "/app.bsky.feed.repost/3kxrepost0001");
    assert_int_equal(repost->kind, POST_KIND_REPOST);
    assert_string_equal(repost->author, HANDLE);
    assert_string_equal(repost->created_at, "2024-01-05T02:10:00Z");
    assert_string_equal(repost->text, "Coblos nomor 2! #Coblos2");
    assert_string_equal(repost->url,
                        "https://bsky.app/profile/caleg.bsky.social/post/3kxcaleg00001");
    assert_string_equal(repost->repost_of.author, "caleg.bsky.social");
    assert_string_equal(repost->repost_of.url,
                        "https://bsky.app/profile/caleg.bsky.social/post/3kxcaleg00001");
    assert_string_equal(repost->repost_of.text, "Coblos nomor 2! #Coblos2");
    ASSERT_STRINGS(&repost->hashtags, "Coblos2");
    adapter_result_free(&result);

    /* An AppView that does not send the repost record's URI: a stable id from who and what. */
    char *page = first_page_with_item(
        0,
        "{\"post\":{\"uri\":\"at://did:plc:calegcalegcalegcalegcale/app.bsky.feed.post/"
        "3kxcaleg00001\",\"cid\":\"bafy\",\"author\":{\"did\":\"did:plc:calegcalegcalegcalegcale\","
        "\"handle\":\"caleg.bsky.social\"},\"record\":{\"text\":\"Coblos!\",\"createdAt\":"
        "\"2024-01-04T12:00:00Z\"},\"indexedAt\":\"2024-01-04T12:00:00Z\"},\"reason\":{\"$type\":"
        "\"app.bsky.feed.defs#reasonRepost\",\"by\":{\"did\":\"" DID "\",\"handle\":\"" HANDLE
        "\"},\"indexedAt\":\"2024-01-05T04:00:00Z\"}}");
    adapter_test_parse(&crawl, 200, page, strlen(page), NULL, &result);
    assert_string_equal(result.posts[0]->id,
                        "bluesky:repost:" DID ":at://did:plc:calegcalegcalegcalegcale/"
                        "app.bsky.feed.post/3kxcaleg00001");
    adapter_result_free(&result);
    cJSON_free(page);
}

static void an_unverified_handle_is_named_by_its_did(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    char *page =
        first_page_with_item(0, "{\"post\":{\"uri\":\"" POST_URI(
                                    "3kxzzzzzzzzz9") "\",\"author\":{\"did\":\"" DID
                                                     "\",\"handle\":\"handle.invalid\"},\"record\":"
                                                     "{\"text\":\"a\",\"createdAt\":"
                                                     "\"2024-01-06T00:00:00Z\"}}}");
    crawl_init(&crawl, DID, "", NULL, 0);
    adapter_test_parse(&crawl, 200, page, strlen(page), NULL, &result);
    assert_string_equal(result.posts[0]->author, DID);
    assert_string_equal(result.posts[0]->url,
                        "https://bsky.app/profile/" DID "/post/3kxzzzzzzzzz9");
    adapter_result_free(&result);
    cJSON_free(page);
}

static void quotes_carry_the_quoted_post(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    const struct post_message *quote =
        adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa06"));
    assert_string_equal(quote->text, "Menarik untuk dibaca");
    assert_string_equal(quote->repost_of.author, "berita.bsky.social");
    assert_string_equal(quote->repost_of.url,
                        "https://bsky.app/profile/berita.bsky.social/post/3kxberita0001");
    assert_string_equal(quote->repost_of.text, "KPU umumkan jadwal kampanye terbuka");

    const struct post_message *with_media =
        adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa05"));
    assert_string_equal(with_media->repost_of.author, "caleg.bsky.social");
    assert_string_equal(with_media->repost_of.text, "Coblos nomor 2! #Coblos2");
    assert_int_equal(with_media->media_count, 1);
    assert_string_equal(with_media->media[0].alt, "Poster kampanye nomor 2");
    adapter_result_free(&result);

    /* The quoted post was deleted: still a quote, of which only the address is known. */
    crawl.context.page = FIRST_PAGE_NEXT;
    adapter_test_parse_fixture(&crawl, 200, "feed_last_page.json", NULL, &result);
    const struct post_message *orphan =
        adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa01"));
    assert_int_equal(orphan->kind, POST_KIND_QUOTE);
    assert_null(orphan->repost_of.author);
    assert_null(orphan->repost_of.text);
    assert_string_equal(orphan->repost_of.url,
                        "https://bsky.app/profile/did:plc:beritaberitaberitaberita/post/"
                        "3kxdeleted001");
    adapter_result_free(&result);
}

static void facets_are_read_by_utf8_byte_offsets(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    const struct post_message *post =
        adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa08"));
    /* The flag before the mention is 8 bytes, the escaped \ud83d\ude00 one emoji. */
    assert_string_equal(post->text, "Apel pagi \xF0\x9F\x87\xAE\xF0\x9F\x87\xA9 bersama "
                                    "@sari.bsky.social, info kpu.go.id/berita... #Pemilu2024 "
                                    "\xF0\x9F\x98\x80");
    /* Offsets past the end of the text or inside the flag are left out; the post is kept. */
    ASSERT_STRINGS(&post->mentions, "sari.bsky.social");
    ASSERT_STRINGS(&post->links, "https://www.kpu.go.id/berita/baca/123");
    ASSERT_STRINGS(&post->hashtags, "Pemilu2024");
    adapter_result_free(&result);
}

static void images_video_and_link_cards_keep_what_readers_see(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    const struct post_message *post =
        adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa08"));
    assert_int_equal(post->media_count, 2);
    assert_string_equal(post->media[0].type, "image");
    assert_string_equal(post->media[0].url, "https://cdn.bsky.app/img/feed_fullsize/plain/"
                                            "did:plc:ewvi7nxzyoun6zhxrhs64oiz/bafkreiimg1@jpeg");
    assert_string_equal(post->media[0].alt, "Peserta apel berbaris di halaman kantor");
    assert_null(post->media[1].alt);

    const struct post_message *video =
        adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa03"));
    assert_int_equal(video->media_count, 1);
    assert_string_equal(video->media[0].type, "video");
    assert_string_equal(video->media[0].alt, "Senam pagi bersama");

    const struct post_message *card =
        adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa04"));
    ASSERT_STRINGS(&card->links, "https://news.example/artikel/netralitas-asn");
    assert_int_equal(card->media_count, 0);
    adapter_result_free(&result);
}

static void missing_optional_fields_are_absent(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, "", FIRST_PAGE_NEXT, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_last_page.json", NULL, &result);
    assert_int_equal(result.count, 2);
    /* No langs; no indexedAt (createdAt is enough). */
    const struct post_message *first =
        adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa01"));
    assert_null(first->lang);
    const struct post_message *oldest =
        adapter_test_post(&result, "bluesky:" POST_URI("3kxaaaaaaaa00"));
    assert_string_equal(oldest->created_at, "2024-01-04T22:00:00Z");
    assert_int_equal(oldest->hashtags.count + oldest->mentions.count + oldest->links.count, 0);
    assert_int_equal(oldest->media_count, 0);
    adapter_result_free(&result);

    /* JSON nulls where the lexicon has optional fields read as absent. */
    const char *nulls = "{\"cursor\":null,\"feed\":[{\"post\":{\"uri\":\"" POST_URI(
        "3kxnull000001") "\",\"author\":{\"did\":\"" DID "\",\"handle\":\"" HANDLE "\"},"
                         "\"record\":{\"text\":\"kosong\",\"createdAt\":\"2024-01-04T21:00:00Z\","
                         "\"langs\":null,\"facets\":null,\"reply\":null,\"embed\":null},"
                         "\"embed\":null,\"indexedAt\":null},\"reason\":null,\"reply\":null}]}";
    adapter_test_parse(&crawl, 200, nulls, strlen(nulls), NULL, &result);
    assert_int_equal(result.count, 1);
    assert_int_equal(result.posts[0]->kind, POST_KIND_POST);
    assert_null(result.posts[0]->lang);
    assert_string_equal(result.posts[0]->created_at, "2024-01-04T21:00:00Z");
    assert_null(result.next_page);
    adapter_result_free(&result);
}

/* ---- paging and cursors ---- */

static void first_page_sets_the_cursor_and_the_next_page(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    assert_string_equal(result.next_page, FIRST_PAGE_NEXT);
    /* The earlier of createdAt (03:00:00) and indexedAt (03:00:01.234). */
    assert_string_equal(result.new_cursor, "2024-01-05T03:00:00Z " POST_URI("3kxaaaaaaaa08"));
    adapter_result_free(&result);

    crawl.context.page = FIRST_PAGE_NEXT;
    adapter_test_parse_fixture(&crawl, 200, "feed_last_page.json", NULL, &result);
    assert_null(result.next_page); /* no cursor in the answer: the last page */
    assert_null(result.new_cursor);
    adapter_result_free(&result);

    adapter_test_parse_fixture(&crawl, 200, "feed_empty.json", NULL, &result);
    assert_int_equal(result.count, 0);
    assert_null(result.next_page);
    adapter_result_free(&result);

    /* An empty feed with a cursor still ends the crawl. */
    const char *empty = "{\"feed\":[],\"cursor\":\"2024\"}";
    adapter_test_parse(&crawl, 200, empty, strlen(empty), NULL, &result);
    assert_null(result.next_page);
    adapter_result_free(&result);
}

static void crawl_reads_an_hour_below_what_it_saw_last_time(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    /* Cursor 02:00: the post, the reply and the repost above it, then the hour below it again
     * (02:00, 01:30, 01:00) for posts whose clock ran behind; 00:30 ends the crawl. */
    crawl_init(&crawl, DID, "2024-01-05T02:00:00Z " POST_URI("3kxaaaaaaaa06"), NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    assert_int_equal(result.count, 6);
    assert_string_equal(result.posts[5]->id, "bluesky:" POST_URI("3kxaaaaaaaa04"));
    assert_null(result.next_page);
    assert_string_equal(result.new_cursor, "2024-01-05T03:00:00Z " POST_URI("3kxaaaaaaaa08"));
    adapter_result_free(&result);

    /* The item seen last time was deleted since: its time still ends the crawl. */
    crawl_init(&crawl, DID, "2024-01-05T01:45:00Z " POST_URI("3kxdeleted999"), NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    assert_int_equal(result.count, 6);
    assert_null(result.next_page);
    adapter_result_free(&result);

    /* Nothing new: only the hour below the cursor is read again (dedup absorbs it), and the
     * cursor stays what it was. */
    crawl_init(&crawl, DID, "2024-01-05T03:00:00Z " POST_URI("3kxaaaaaaaa08"), NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    assert_int_equal(result.count, 4);
    assert_string_equal(result.new_cursor, "2024-01-05T03:00:00Z " POST_URI("3kxaaaaaaaa08"));
    assert_null(result.next_page);
    adapter_result_free(&result);

    /* Still above the cursor at the end of the page: on to the next one. */
    crawl_init(&crawl, DID, "2024-01-04T00:00:00Z " POST_URI("3kxolder00001"), NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    assert_int_equal(result.count, 8);
    assert_string_equal(result.next_page, FIRST_PAGE_NEXT);
    adapter_result_free(&result);
}

/* As the reference AppView answers a post made two minutes after the last crawl from a phone
 * whose clock is four minutes slow: sorted, and shown, by its createdAt, below the post that crawl
 * saw. */
static void a_post_from_a_clock_behind_is_found_below_the_cursor(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    static const char page[] =
        "{\"feed\":["
        "{\"post\":{\"uri\":\"" POST_URI("3kxseen000001") "\",\"cid\":\"bafyseen\","
        "\"author\":{\"did\":\"" DID "\",\"handle\":\"" HANDLE "\"},"
        "\"record\":{\"$type\":\"app.bsky.feed.post\",\"text\":\"Sudah dilihat\","
        "\"createdAt\":\"2024-01-05T03:00:00.000Z\"},\"indexedAt\":\"2024-01-05T03:00:00.000Z\"}},"
        "{\"post\":{\"uri\":\"" POST_URI("3kxslowclock1") "\",\"cid\":\"bafyslow\","
        "\"author\":{\"did\":\"" DID "\",\"handle\":\"" HANDLE "\"},"
        "\"record\":{\"$type\":\"app.bsky.feed.post\",\"text\":\"Dari ponsel yang lambat\","
        "\"createdAt\":\"2024-01-05T02:58:00.000Z\"},\"indexedAt\":\"2024-01-05T02:58:00.000Z\"}},"
        "{\"post\":{\"uri\":\"" POST_URI("3kxolder00001") "\",\"cid\":\"bafyold\","
        "\"author\":{\"did\":\"" DID "\",\"handle\":\"" HANDLE "\"},"
        "\"record\":{\"$type\":\"app.bsky.feed.post\",\"text\":\"Lama\","
        "\"createdAt\":\"2024-01-05T01:00:00.000Z\"},\"indexedAt\":\"2024-01-05T01:00:00.000Z\"}}"
        "],\"cursor\":\"1704416400000__bafyold\"}";
    crawl_init(&crawl, DID, "2024-01-05T03:00:00Z " POST_URI("3kxseen000001"), NULL, 0);
    adapter_test_parse(&crawl, 200, page, strlen(page), NULL, &result);
    assert_int_equal(result.count, 2);
    assert_string_equal(result.posts[1]->id, "bluesky:" POST_URI("3kxslowclock1"));
    assert_null(result.next_page);
    adapter_result_free(&result);
}

static void a_pinned_post_neither_stops_the_crawl_nor_becomes_the_cursor(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, "2024-01-06T08:00:00Z at://" DID "/app.bsky.feed.post/3kxnewer00001",
               NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_pinned_first.json", NULL, &result);
    /* The pinned post (from 2023) comes first and is far below the cursor, yet the newer post
     * after it is still read; so is the one at the cursor, within the hour read again, and the
     * crawl goes on to the next page for the rest of that hour. */
    assert_int_equal(result.count, 3);
    assert_string_equal(result.posts[0]->id, "bluesky:" POST_URI("3kxpinned0001"));
    assert_string_equal(result.posts[1]->id, "bluesky:" POST_URI("3kxnewer00002"));
    assert_string_equal(result.new_cursor, "2024-01-06T09:00:00Z " POST_URI("3kxnewer00002"));
    assert_string_equal(result.next_page, "2024-01-06T08:00:00.000Z");
    adapter_result_free(&result);
}

static void rescan_pages_back_to_since_and_keeps_the_cursor(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    /* Since 2024-01-05T01:00:00Z: the link card posted at exactly that time is in. */
    crawl_init(&crawl, DID, "2024-01-05T03:00:00Z " POST_URI("3kxaaaaaaaa08"), NULL, 1704416400);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    assert_int_equal(result.count, 6);
    assert_string_equal(result.posts[5]->id, "bluesky:" POST_URI("3kxaaaaaaaa04"));
    assert_null(result.next_page);
    assert_null(result.new_cursor);
    adapter_result_free(&result);
}

static void a_cursor_repeating_the_page_is_refused(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, DID, "", "2024-01-05T00:00:00.000Z", 0);
    expect_fixture_refused(&crawl, 200, "feed_first_page.json",
                           "body.cursor repeats the page just fetched");
}

/* ---- hostile answers ---- */

static void malformed_bodies_are_refused_with_the_position(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    crawl_init(&crawl, DID, "", NULL, 0);
    expect_parse_refused(&crawl, 200, "{\"feed\": [}",
                         "body: not valid JSON near byte 10 (line 1)");
    expect_parse_refused(&crawl, 200, "[]", "body: expected an object with a feed");
    expect_parse_refused(&crawl, 200, "{\"cursor\":\"x\"}", "body.feed: missing");
    expect_parse_refused(&crawl, 200, "{\"feed\":{}}", "body.feed: expected an array");
    expect_parse_refused(&crawl, 200, "{\"feed\":[],\"cursor\":7}",
                         "body.cursor: expected a string");
    adapter_test_parse_refused(&crawl, 200, "{\"feed\":[]}\0", 12, NULL,
                               "body: NUL byte at offset 11");

    char *page =
        first_page_with_item(0, "{\"post\":{\"uri\":\"" POST_URI(
                                    "3kxzzzzzzzzz9") "\",\"record\":{\"text\":\"a\",\"createdAt\":"
                                                     "\"2030-01-01T00:00:00Z\"}}}");
    cJSON *root = cJSON_Parse(page);
    cJSON_ReplaceItemInObject(root, "cursor", cJSON_CreateString("bad\ncursor"));
    char *bad_cursor = cJSON_PrintUnformatted(root);
    expect_parse_refused(&crawl, 200, bad_cursor,
                         "body.cursor \"bad\\x0Acursor\": not a feed cursor");
    cJSON_free(bad_cursor);
    cJSON_Delete(root);
    cJSON_free(page);

    crawl_init(&crawl, DID, "yesterday", NULL, 0);
    expect_fixture_refused(&crawl, 200, "feed_first_page.json",
                           "cursor \"yesterday\": expected \"<time> <post id>\"");
}

static void one_bad_item_is_skipped_and_counted(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_one_bad.json", NULL, &result);
    assert_int_equal(result.count, 2);
    assert_string_equal(result.posts[0]->text, "Pertama");
    assert_string_equal(result.posts[1]->text, "Ketiga");
    assert_int_equal(result.skipped, 1);
    assert_string_equal(result.first_skip_reason,
                        "feed[1].post: neither record.createdAt nor indexedAt is an RFC 3339 time");
    assert_string_equal(result.next_page, "2024-01-07T08:00:00.000Z");
    adapter_result_free(&result);

    const char *cases[][2] = {
        {"\"not an item\"", "feed[2]: expected a feedViewPost object"},
        {"{\"post\":{\"uri\":\"https://bsky.app/x\"}}", "feed[2].post.uri \"https://bsky.app/x\": "
                                                        "not an at:// URI"},
        {"{\"post\":{\"uri\":\"" POST_URI("3kx1") "\",\"author\":{\"did\":\"" DID "\"},\"record\":"
                                                  "{\"text\":5,\"createdAt\":\"2024-01-05T02:10:"
                                                  "00Z\"},\"indexedAt\":\"2024-01-05T02:10:00Z\"}}",
         "feed[2].post.record.text: expected a string"},
        {"{\"post\":{\"uri\":\"" POST_URI(
             "3kx2") "\",\"author\":{\"did\":\"" DID "\"},\"record\":"
                     "{\"text\":\"a\",\"createdAt\":\"2024-01-05T02:10:00Z\"},\"indexedAt\":\"2024-"
                     "01-05T02:10:00Z\","
                     "\"embed\":{\"$type\":\"app.bsky.embed.images#view\",\"images\":{}}}}",
         "feed[2].post.embed.images: expected an array"},
        {"{\"post\":{\"uri\":\"" POST_URI(
             "3kx3") "\",\"author\":{\"did\":\"" DID "\"},\"record\":"
                     "{\"text\":\"\xC3\x28\",\"createdAt\":\"2024-01-05T02:10:00Z\"}}}",
         "feed[2].post.record.text: invalid UTF-8 at byte 0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *page = first_page_with_item(2, cases[i][0]);
        adapter_test_parse(&crawl, 200, page, strlen(page), NULL, &result);
        assert_int_equal(result.count, 7);
        assert_int_equal(result.skipped, 1);
        assert_string_equal(result.first_skip_reason, cases[i][1]);
        adapter_result_free(&result);
        cJSON_free(page);
    }
}

static void raw_bytes_are_the_feed_item_itself(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    char hash[65];
    crawl_init(&crawl, DID, "", NULL, 0);
    adapter_test_parse_fixture(&crawl, 200, "feed_first_page.json", NULL, &result);
    const struct post_message *repost =
        adapter_test_post(&result, "bluesky:at://" DID "/app.bsky.feed.repost/3kxrepost0001");
    cJSON *raw = cJSON_ParseWithLength((const char *)repost->raw, repost->raw_len);
    assert_non_null(raw);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(raw, "reason"), "$type")->valuestring,
        "app.bsky.feed.defs#reasonRepost");
    assert_non_null(cJSON_GetObjectItem(raw, "post"));
    post_sha256_hex(repost->raw, repost->raw_len, hash);
    assert_string_equal(repost->sha256, hash);
    cJSON_Delete(raw);
    adapter_result_free(&result);
}

static void an_escaped_nul_does_not_cut_the_text(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    const char *body = "{\"feed\":[{\"post\":{\"uri\":\"" POST_URI(
        "3kxzzzzzzzzz9") "\","
                         "\"author\":{\"did\":\"" DID "\",\"handle\":\"" HANDLE "\"},"
                         "\"record\":{\"text\":\"awal\\u0000akhir\",\"createdAt\":"
                         "\"2024-01-06T00:00:00Z\"}}}]}";
    crawl_init(&crawl, DID, "", NULL, 0);
    adapter_test_parse(&crawl, 200, body, strlen(body), NULL, &result);
    assert_string_equal(result.posts[0]->text, "awal\xEF\xBF\xBD"
                                               "akhir");
    adapter_result_free(&result);
}

static void oversized_and_deeply_nested_input_is_handled(void **state)
{
    (void)state;
    struct adapter_test_crawl crawl;
    struct adapter_result result;
    crawl_init(&crawl, DID, "", NULL, 0);

    size_t depth = 200000;
    char *deep = malloc(depth + 12);
    assert_non_null(deep);
    strcpy(deep, "{\"feed\":");
    memset(deep + 8, '[', depth);
    deep[8 + depth] = '\0';
    expect_parse_refused(&crawl, 200, deep, "body: not valid JSON");
    free(deep);

    /* An item of 2 MB among ordinary ones is skipped; they are kept. */
    size_t big = 2 * 1024 * 1024;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, 'x', big);
    text[big] = '\0';
    cJSON *item = cJSON_CreateObject();
    cJSON *post = cJSON_AddObjectToObject(item, "post");
    cJSON_AddStringToObject(post, "uri", POST_URI("3kxbig0000001"));
    cJSON *record = cJSON_AddObjectToObject(post, "record");
    cJSON_AddStringToObject(record, "text", text);
    cJSON_AddStringToObject(record, "createdAt", "2024-01-05T02:20:00Z");
    char *item_json = cJSON_PrintUnformatted(item);
    char *page = first_page_with_item(2, item_json);
    adapter_test_parse(&crawl, 200, page, strlen(page), NULL, &result);
    assert_int_equal(result.count, 7);
    assert_int_equal(result.skipped, 1);
    assert_non_null(strstr(result.first_skip_reason, "feed[2]: 2097"));
    adapter_result_free(&result);
    cJSON_free(page);
    cJSON_free(item_json);
    cJSON_Delete(item);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookup_resolves_the_handle_on_the_public_appview),
        cmocka_unit_test(feed_request_names_the_did_and_pages_with_the_cursor),
        cmocka_unit_test(requests_refuse_values_that_could_steer_them),
        cmocka_unit_test(lookup_answer_gives_the_did),
        cmocka_unit_test(unresolvable_handle_or_missing_profile_is_gone),
        cmocka_unit_test(every_kind_of_item_becomes_the_right_post),
        cmocka_unit_test(a_repost_is_the_reposters_act_on_another_post),
        cmocka_unit_test(an_unverified_handle_is_named_by_its_did),
        cmocka_unit_test(quotes_carry_the_quoted_post),
        cmocka_unit_test(facets_are_read_by_utf8_byte_offsets),
        cmocka_unit_test(images_video_and_link_cards_keep_what_readers_see),
        cmocka_unit_test(missing_optional_fields_are_absent),
        cmocka_unit_test(first_page_sets_the_cursor_and_the_next_page),
        cmocka_unit_test(crawl_reads_an_hour_below_what_it_saw_last_time),
        cmocka_unit_test(a_post_from_a_clock_behind_is_found_below_the_cursor),
        cmocka_unit_test(a_pinned_post_neither_stops_the_crawl_nor_becomes_the_cursor),
        cmocka_unit_test(rescan_pages_back_to_since_and_keeps_the_cursor),
        cmocka_unit_test(a_cursor_repeating_the_page_is_refused),
        cmocka_unit_test(malformed_bodies_are_refused_with_the_position),
        cmocka_unit_test(one_bad_item_is_skipped_and_counted),
        cmocka_unit_test(raw_bytes_are_the_feed_item_itself),
        cmocka_unit_test(an_escaped_nul_does_not_cut_the_text),
        cmocka_unit_test(oversized_and_deeply_nested_input_is_handled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
