/* The X adapter: the requests it builds (lookup, timeline pages, rescans) and what it makes of
 * X API v2 answers, from fixtures written after X's documentation, and of broken ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "tests/adapters/adapter_test.h"

#define BASE "http://127.0.0.1:8080/x"
#define USER_ID "2244994945"
#define QUERY                                                                                      \
    "&tweet.fields=created_at,lang,entities,referenced_tweets,attachments,author_id,"              \
    "conversation_id,note_tweet"                                                                   \
    "&expansions=referenced_tweets.id,referenced_tweets.id.author_id,attachments.media_keys"      \
    "&media.fields=type,url,preview_image_url,alt_text&user.fields=username"
#define TIMELINE BASE "/2/users/" USER_ID "/tweets?max_results="
#define EMOJI_GRIN "\xF0\x9F\x98\x80"
#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */
/* A body and its length. */
#define BODY(literal) literal, sizeof(literal) - 1

static struct adapter_test_crawl crawl;

static int reset(void **state)
{
    (void)state;
    adapter_test_crawl_init(&crawl, &adapter_x, "budi_s", USER_ID, "", NULL, 0);
    crawl.settings =
        (struct adapter_settings){.base_url = BASE, .token = "tok-123", .page_size = 100};
    return 0;
}

static void request_fails(const char *expected)
{
    char err[NETRA_ERR_LEN];
    assert_string_equal(adapter_test_request_fails(&crawl, err), expected);
}

static void parse_fails(const char *body, size_t len, const char *expected)
{
    char err[NETRA_ERR_LEN];
    assert_string_equal(adapter_test_parse_fails(&crawl, 200, body, len, NULL, err), expected);
}

/* ---- requests ------------------------------------------------------------------------------ */

static void lookup_request_names_the_username_and_sends_the_bearer_token(void **state)
{
    (void)state;
    crawl.account.native_id = "";
    struct adapter_request request;
    adapter_test_request(&crawl, &request);
    assert_string_equal(request.url, BASE "/2/users/by/username/budi_s");
    assert_int_equal(request.is_lookup, 1);
    assert_int_equal(request.header_count, 1);
    assert_string_equal(request.headers[0], "Authorization: Bearer tok-123");
    adapter_request_free(&request);
}

static void requests_without_a_usable_token_handle_or_id_are_refused(void **state)
{
    (void)state;
    crawl.settings.token = NULL;
    request_fails("platforms.x.token is not set: the X API needs a bearer token");
    crawl.settings.token = "";
    request_fails("platforms.x.token is not set: the X API needs a bearer token");
    crawl.settings.token = "abc\r\nX-Evil: 1";
    request_fails("platforms.x.token holds a space, control or non-ASCII byte at byte 3: it "
                  "cannot go in an HTTP header");
    crawl.settings.token = "tok-123";

    crawl.account.native_id = "";
    crawl.account.handle = "budi santoso";
    request_fails("handle \"budi santoso\": an X username is 1 to 15 letters, digits or _");
    crawl.account.handle = "sixteen_letters_";
    request_fails("handle \"sixteen_letters_\": an X username is 1 to 15 letters, digits or _");
    crawl.account.handle = "../admin";
    request_fails("handle \"../admin\": an X username is 1 to 15 letters, digits or _");

    crawl.account.handle = "budi_s";
    crawl.account.native_id = "12/../3";
    request_fails("native id \"12/../3\": expected an X user id (digits)");
    crawl.account.native_id = USER_ID;
    crawl.context.cursor = "12&x=1";
    request_fails("cursor \"12&x=1\": expected an X post id (digits)");

    crawl.settings.base_url = "ftp://127.0.0.1/x";
    request_fails("platforms.x.base_url \"ftp://127.0.0.1/x\": expected an http:// or https:// "
                  "URL");
}

static void base_url_defaults_to_x_and_a_trailing_slash_is_tolerated(void **state)
{
    (void)state;
    crawl.account.native_id = "";
    crawl.settings.base_url = NULL;
    adapter_test_assert_url(&crawl, "https://api.x.com/2/users/by/username/budi_s");
    crawl.settings.base_url = "http://127.0.0.1:8080/x/";
    adapter_test_assert_url(&crawl, BASE "/2/users/by/username/budi_s");
}

static void first_page_asks_for_posts_newer_than_the_cursor(void **state)
{
    (void)state;
    adapter_test_assert_url(&crawl, TIMELINE "100" QUERY);
    crawl.context.cursor = "1790000000000000003";
    struct adapter_request request;
    adapter_test_request(&crawl, &request);
    assert_string_equal(request.url, TIMELINE "100&since_id=1790000000000000003" QUERY);
    assert_int_equal(request.is_lookup, 0);
    assert_string_equal(request.headers[0], "Authorization: Bearer tok-123");
    adapter_request_free(&request);
}

static void page_size_is_clamped_to_what_x_allows(void **state)
{
    (void)state;
    crawl.settings.page_size = 3;
    adapter_test_assert_url(&crawl, TIMELINE "5" QUERY);
    crawl.settings.page_size = 40;
    adapter_test_assert_url(&crawl, TIMELINE "40" QUERY);
    crawl.settings.page_size = 500;
    adapter_test_assert_url(&crawl, TIMELINE "100" QUERY);
    crawl.settings.page_size = 0;
    adapter_test_assert_url(&crawl, TIMELINE "100" QUERY);
}

static void next_page_sends_the_token_percent_encoded(void **state)
{
    (void)state;
    crawl.context.cursor = "17";
    crawl.context.page = "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i";
    adapter_test_assert_url(
        &crawl, TIMELINE
        "100&since_id=17&pagination_token=7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i" QUERY);
    /* Whatever a body puts in a token stays one query value. */
    crawl.context.page = "a/b?c#d&e=f g@h:i\xC3\xA9";
    adapter_test_assert_url(
        &crawl,
        TIMELINE "100&since_id=17&pagination_token=a%2Fb%3Fc%23d%26e%3Df%20g%40h%3Ai%C3%A9" QUERY);
}

static void a_rescan_asks_from_its_start_time_and_ignores_the_cursor(void **state)
{
    (void)state;
    crawl.context.cursor = "1790000000000000003";
    crawl.context.since_s = 1715601600;
    adapter_test_assert_url(&crawl, TIMELINE "100&start_time=2024-05-13T12:00:00Z" QUERY);
    /* X refuses a start_time before its archive begins. */
    crawl.context.since_s = 1000;
    adapter_test_assert_url(&crawl, TIMELINE "100&start_time=2010-11-06T00:00:00Z" QUERY);
    crawl.context.cursor = "not an id";
    crawl.context.page = "tok";
    crawl.context.since_s = 1715601600;
    adapter_test_assert_url(&crawl, TIMELINE
                            "100&start_time=2024-05-13T12:00:00Z&pagination_token=tok" QUERY);
}

/* ---- lookup answers ------------------------------------------------------------------------- */

static void lookup_answer_gives_the_native_id(void **state)
{
    (void)state;
    crawl.account.native_id = "";
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "lookup_found.json", NULL, &result);
    assert_string_equal(result.native_id, USER_ID);
    assert_int_equal(result.gone, 0);
    assert_int_equal(result.count, 0);
    assert_null(result.next_page);
    adapter_result_free(&result);
}

static void a_missing_or_suspended_user_is_gone(void **state)
{
    (void)state;
    crawl.account.native_id = "";
    const char *fixtures[] = {"lookup_not_found.json", "lookup_suspended.json"};
    for (size_t i = 0; i < 2; i++) {
        struct adapter_result result;
        adapter_test_parse_fixture(&crawl, 200, fixtures[i], NULL, &result);
        assert_int_equal(result.gone, 1);
        assert_null(result.native_id);
        assert_int_equal(result.count, 0);
        adapter_result_free(&result);
    }
}

/* An expired token or a missing access level: X's problem object, never an empty last page
 * (which would end the crawl as if the account had posted nothing). */
static void an_unauthorised_or_forbidden_answer_is_an_error_naming_the_problem(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    const char unauthorised[] =
        "{\"title\":\"Unauthorized\",\"type\":\"about:blank\",\"status\":401,"
        "\"detail\":\"Unauthorized\"}";
    assert_string_equal(adapter_test_parse_fails(&crawl, 401, unauthorised,
                                                 sizeof(unauthorised) - 1, NULL, err),
                        "HTTP 401: Unauthorized: Unauthorized");
    const char forbidden[] =
        "{\"client_id\":\"1\",\"detail\":\"When authenticating requests to the Twitter API v2 "
        "endpoints, you must use keys and tokens from a Twitter developer App that is attached "
        "to a Project.\",\"registration_url\":\"https://developer.twitter.com/\",\"title\":"
        "\"Client Forbidden\",\"required_enrollment\":\"Appropriate Level of API Access\","
        "\"reason\":\"client-not-enrolled\",\"type\":\"https://api.twitter.com/2/problems/"
        "client-forbidden\"}";
    adapter_test_assert_contains(
        adapter_test_parse_fails(&crawl, 403, forbidden, sizeof(forbidden) - 1, NULL, err),
        "HTTP 403: Client Forbidden");
    adapter_test_assert_contains(err, "(client-not-enrolled)");
    crawl.account.native_id = "";
    adapter_test_assert_contains(
        adapter_test_parse_fails(&crawl, 401, unauthorised, sizeof(unauthorised) - 1, NULL, err),
        "HTTP 401");
}

static void a_lookup_answer_without_a_user_id_is_an_error(void **state)
{
    (void)state;
    crawl.account.native_id = "";
    parse_fails(BODY("{\"data\":{\"id\":\"12a\",\"username\":\"budi_s\"}}"),
                "data.id \"12a\": expected an X user id (digits)");
    parse_fails(BODY("{\"data\":{\"username\":\"budi_s\"}}"),
                "data.id \"\": expected an X user id (digits)");
    parse_fails(BODY("{\"data\":[]}"), "data: expected an object");
    parse_fails(BODY("{}"), "body: neither data nor errors");
    parse_fails(BODY("{\"errors\":[{\"title\":\"Too\\nMany Requests\",\"detail\":\"slow down\"}]}"),
                "X answered with an error: Too\\x0AMany Requests: slow down");
}

/* ---- timeline pages ------------------------------------------------------------------------- */

static void a_plain_post_decodes_escapes_expands_links_and_keeps_emoji(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_first_page.json", NULL, &result);
    const struct post_message *p = adapter_test_post(&result, "x:1790000000000000005");
    assert_string_equal(p->platform, "x");
    assert_string_equal(p->author, "budi_s");
    assert_string_equal(p->url, "https://x.com/budi_s/status/1790000000000000005");
    assert_string_equal(p->created_at, "2024-05-14T03:15:00Z");
    assert_int_equal(p->kind, POST_KIND_POST);
    assert_string_equal(p->text, "Ayo cek DPT di https://kpu.go.id/berita/123 & jangan lupa "
                                 "#Pemilu2024 @KPU_ID " EMOJI_GRIN " <3");
    ASSERT_STRINGS(&p->hashtags, "Pemilu2024");
    ASSERT_STRINGS(&p->mentions, "KPU_ID");
    ASSERT_STRINGS(&p->links, "https://kpu.go.id/berita/123");
    assert_int_equal(p->media_count, 0);
    assert_null(p->repost_of.author);
    assert_null(p->repost_of.url);
    assert_string_equal(p->lang, "in");
    assert_null(p->account);
    assert_null(p->fetched_at);
    assert_int_equal(strlen(p->sha256), 64);
    adapter_result_free(&result);
}

static void a_retweet_carries_the_full_original_and_its_author(void **state)
{
    (void)state;
    static const char original[] =
        "Program kami untuk ASN: gaji naik, tunjangan kinerja dibayar tepat waktu, dan jenjang "
        "karier yang adil. Coblos nomor 1! #Coblos01 #AsnSejahtera "
        "https://kandidat-a.example/visi-misi";
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_first_page.json", NULL, &result);
    const struct post_message *p = adapter_test_post(&result, "x:1790000000000000004");
    assert_int_equal(p->kind, POST_KIND_REPOST);
    assert_string_equal(p->author, "budi_s");
    assert_string_equal(p->url, "https://x.com/budi_s/status/1790000000000000004");
    assert_string_equal(p->created_at, "2024-05-14T02:00:00Z");
    /* The long original from note_tweet, not the truncated "RT @kandidat_a: ..." */
    assert_string_equal(p->text, original);
    assert_string_equal(p->repost_of.text, original);
    assert_string_equal(p->repost_of.author, "kandidat_a");
    assert_string_equal(p->repost_of.url, "https://x.com/kandidat_a/status/1789999999999999999");
    ASSERT_STRINGS(&p->hashtags, "Coblos01", "AsnSejahtera");
    assert_int_equal(p->mentions.count, 0);
    ASSERT_STRINGS(&p->links, "https://kandidat-a.example/visi-misi");
    /* X does not expand a retweeted post's media for this request: its key resolves to nothing. */
    assert_int_equal(p->media_count, 0);
    adapter_result_free(&result);
}

static void a_reply_and_a_quote(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_first_page.json", NULL, &result);

    const struct post_message *reply = adapter_test_post(&result, "x:1790000000000000003");
    assert_int_equal(reply->kind, POST_KIND_REPLY);
    assert_string_equal(reply->text, "@warga_x Betul, ASN harus netral.");
    ASSERT_STRINGS(&reply->mentions, "warga_x");
    assert_null(reply->repost_of.url);

    const struct post_message *quote = adapter_test_post(&result, "x:1790000000000000002");
    assert_int_equal(quote->kind, POST_KIND_QUOTE);
    assert_string_equal(quote->text,
                        "Setuju sekali! https://twitter.com/partai_b/status/1788000000000000000");
    assert_string_equal(quote->repost_of.author, "partai_b");
    assert_string_equal(quote->repost_of.url, "https://x.com/partai_b/status/1788000000000000000");
    assert_string_equal(quote->repost_of.text,
                        "Partai B siap menang & membawa perubahan! #PartaiB");
    /* The quoted post's hashtag is context, not the quoting post's own. */
    assert_int_equal(quote->hashtags.count, 0);
    ASSERT_STRINGS(&quote->links, "https://twitter.com/partai_b/status/1788000000000000000");
    adapter_result_free(&result);
}

static void media_come_with_alt_text(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_first_page.json", NULL, &result);
    const struct post_message *p = adapter_test_post(&result, "x:1790000000000000001");
    assert_string_equal(p->created_at, "2024-05-13T01:00:00Z");
    assert_string_equal(p->text, "Foto kegiatan hari ini "
                                 "https://twitter.com/Budi_S/status/1790000000000000001/photo/1");
    assert_int_equal(p->media_count, 2);
    assert_string_equal(p->media[0].type, "image");
    assert_string_equal(p->media[0].url, "https://pbs.twimg.com/media/GNa1.jpg");
    assert_string_equal(p->media[0].alt, "Kepala dinas memberi sambutan di aula");
    assert_string_equal(p->media[1].type, "video");
    assert_string_equal(p->media[1].url,
                        "https://pbs.twimg.com/ext_tw_video_thumb/102/pu/img/v.jpg");
    assert_null(p->media[1].alt);
    adapter_result_free(&result);
}

static void raw_evidence_holds_the_item_and_what_its_post_was_built_from(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_first_page.json", NULL, &result);

    const struct post_message *quote = adapter_test_post(&result, "x:1790000000000000002");
    cJSON *raw = cJSON_ParseWithLength((const char *)quote->raw, quote->raw_len);
    assert_non_null(raw);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(raw, "data"), "id")->valuestring,
                        "1790000000000000002");
    cJSON *includes = cJSON_GetObjectItem(raw, "includes");
    cJSON *tweets = cJSON_GetObjectItem(includes, "tweets");
    assert_int_equal(cJSON_GetArraySize(tweets), 1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(tweets, 0), "id")->valuestring,
                        "1788000000000000000");
    cJSON *users = cJSON_GetObjectItem(includes, "users");
    assert_int_equal(cJSON_GetArraySize(users), 1);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(users, 0), "username")->valuestring, "partai_b");
    assert_null(cJSON_GetObjectItem(includes, "media"));
    cJSON_Delete(raw);

    /* Compact: what the parser re-serialised, no whitespace of the fixture's. */
    const struct post_message *plain = adapter_test_post(&result, "x:1790000000000000005");
    assert_null(memchr(plain->raw, '\n', plain->raw_len));
    assert_memory_equal(plain->raw, "{\"data\":{\"id\":\"1790000000000000005\",", 36);
    char *raw_text = strndup((const char *)plain->raw, plain->raw_len);
    assert_null(strstr(raw_text, "\"includes\""));
    free(raw_text);

    const struct post_message *photos = adapter_test_post(&result, "x:1790000000000000001");
    raw = cJSON_ParseWithLength((const char *)photos->raw, photos->raw_len);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(raw, "includes"),
                                                             "media")),
                     2);
    cJSON_Delete(raw);
    adapter_result_free(&result);
}

static void first_page_gives_the_new_cursor_and_the_next_page(void **state)
{
    (void)state;
    crawl.context.cursor = "1780000000000000000";
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_first_page.json", NULL, &result);
    assert_int_equal(result.count, 5);
    assert_int_equal(result.skipped, 0);
    assert_null(result.first_skip_reason);
    /* Newest first, as X sends them. */
    assert_string_equal(result.posts[0]->id, "x:1790000000000000005");
    assert_string_equal(result.posts[4]->id, "x:1790000000000000001");
    assert_string_equal(result.new_cursor, "1790000000000000005");
    assert_string_equal(result.next_page, "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i");
    assert_int_equal(result.gone, 0);
    adapter_result_free(&result);
}

static void later_pages_do_not_move_the_cursor(void **state)
{
    (void)state;
    crawl.context.page = "an-earlier-token";
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_first_page.json", NULL, &result);
    assert_int_equal(result.count, 5);
    assert_null(result.new_cursor);
    assert_string_equal(result.next_page, "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i");
    adapter_result_free(&result);
}

static void the_last_page_ends_the_crawl_and_a_lost_original_keeps_the_retweet(void **state)
{
    (void)state;
    crawl.context.page = "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i";
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_last_page.json", NULL, &result);
    assert_int_equal(result.count, 2);
    assert_null(result.next_page);
    assert_null(result.new_cursor);
    /* The page's errors name the deleted original, not the crawl.account. */
    assert_int_equal(result.gone, 0);
    const struct post_message *p = adapter_test_post(&result, "x:1780000000000000002");
    assert_int_equal(p->kind, POST_KIND_REPOST);
    assert_string_equal(p->text, "RT @akun_lama: Dukung terus perjuangan kami \xE2\x80\xA6");
    ASSERT_STRINGS(&p->mentions, "akun_lama");
    assert_string_equal(p->repost_of.url, "https://x.com/i/status/1700000000000000000");
    assert_null(p->repost_of.author);
    assert_null(p->repost_of.text);
    assert_null(adapter_test_post(&result, "x:1780000000000000001")->lang);
    adapter_result_free(&result);
}

static void an_empty_page_keeps_the_cursor_and_ends_the_crawl(void **state)
{
    (void)state;
    crawl.context.cursor = "1790000000000000005";
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_empty.json", NULL, &result);
    assert_int_equal(result.count, 0);
    assert_null(result.posts);
    assert_null(result.new_cursor);
    assert_null(result.next_page);
    assert_int_equal(result.gone, 0);
    adapter_result_free(&result);
}

static void posts_at_or_below_the_cursor_end_the_crawl(void **state)
{
    (void)state;
    /* As if X had ignored since_id. */
    crawl.context.cursor = "1790000000000000003";
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_first_page.json", NULL, &result);
    assert_int_equal(result.count, 2);
    assert_string_equal(result.posts[0]->id, "x:1790000000000000005");
    assert_string_equal(result.posts[1]->id, "x:1790000000000000004");
    assert_int_equal(result.skipped, 0);
    assert_null(result.next_page);
    assert_string_equal(result.new_cursor, "1790000000000000005");
    adapter_result_free(&result);

    /* Nothing newer: the cursor stays. Ids compare as numbers, not as text. */
    crawl.context.cursor = "10000000000000000000";
    adapter_test_parse_fixture(&crawl, 200, "timeline_first_page.json", NULL, &result);
    assert_int_equal(result.count, 0);
    assert_null(result.new_cursor);
    assert_null(result.next_page);
    adapter_result_free(&result);
}

static void a_rescan_stops_at_older_posts_and_keeps_the_cursor(void **state)
{
    (void)state;
    crawl.context.cursor = "1790000000000000005";
    crawl.context.since_s = 1715601600; /* 2024-05-13T12:00:00Z */
    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_first_page.json", NULL, &result);
    assert_int_equal(result.count, 3);
    assert_string_equal(result.posts[2]->id, "x:1790000000000000003");
    assert_null(result.next_page);
    assert_null(result.new_cursor);
    adapter_result_free(&result);
}

static void a_protected_timeline_is_an_error_and_a_deleted_user_is_gone(void **state)
{
    (void)state;
    size_t len;
    char *body = adapter_test_fixture("x", "timeline_protected.json", &len);
    parse_fails(body, len,
                "X answered with an error: Authorization Error: Sorry, you are not authorized "
                "to see the user with id: [2244994945].");
    free(body);

    struct adapter_result result;
    adapter_test_parse_fixture(&crawl, 200, "timeline_gone.json", NULL, &result);
    assert_int_equal(result.gone, 1);
    assert_int_equal(result.count, 0);
    assert_null(result.new_cursor);
    adapter_result_free(&result);
}

static void missing_and_null_optional_fields_are_absent(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse(
        &crawl, 200,
        BODY("{\"data\":[{\"id\":\"2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":"
             "\"halo\"},{\"id\":\"1\",\"created_at\":\"2024-01-01T00:00:00.000Z\",\"text\":"
             "\"apa kabar\",\"lang\":null,\"entities\":null,\"attachments\":null,"
             "\"referenced_tweets\":null,\"note_tweet\":null,\"author_id\":null}],"
             "\"includes\":null,\"meta\":{\"next_token\":null,\"result_count\":2}}"),
        NULL, &result);
    assert_int_equal(result.count, 2);
    assert_int_equal(result.skipped, 0);
    assert_null(result.next_page);
    assert_string_equal(result.new_cursor, "2");
    for (size_t i = 0; i < 2; i++) {
        const struct post_message *p = result.posts[i];
        assert_int_equal(p->kind, POST_KIND_POST);
        assert_string_equal(p->author, "budi_s");
        assert_null(p->lang);
        assert_int_equal(p->hashtags.count + p->mentions.count + p->links.count, 0);
        assert_int_equal(p->media_count, 0);
        assert_null(p->repost_of.url);
    }
    assert_string_equal(result.posts[1]->url, "https://x.com/budi_s/status/1");
    adapter_result_free(&result);
}

static void a_link_is_expanded_only_where_it_stands_whole(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse(
        &crawl, 200,
        BODY("{\"data\":[{\"id\":\"1\",\"created_at\":\"2024-01-01T00:00:00Z\","
             "\"text\":\"a https://t.co/ab, b https://t.co/abc c https://t.co/zz d "
             "https://bit.ly/q e https://t.co/ab\",\"entities\":{\"urls\":["
             "{\"url\":\"https://t.co/ab\",\"expanded_url\":\"https://e.example/1?x=1&y=2\"},"
             "{\"url\":\"https://t.co/zz\",\"expanded_url\":\"javascript:alert(1)\"},"
             "{\"url\":\"https://bit.ly/q\",\"expanded_url\":\"https://e.example/2\"}]}}]}"),
        NULL, &result);
    const struct post_message *p = result.posts[0];
    /* Only t.co addresses are X's own, and only whole ones are replaced; a javascript: link is
     * neither followed into the text nor listed. */
    assert_string_equal(p->text,
                        "a https://e.example/1?x=1&y=2, b https://t.co/abc c "
                        "https://t.co/zz d https://bit.ly/q e https://e.example/1?x=1&y=2");
    ASSERT_STRINGS(&p->links, "https://e.example/1?x=1&y=2", "https://e.example/2");
    adapter_result_free(&result);
}

static void a_medium_named_many_times_is_one_medium(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse(
        &crawl, 200,
        BODY("{\"data\":[{\"id\":\"1\",\"created_at\":\"2024-01-01T00:00:00Z\","
             "\"text\":\"foto\",\"attachments\":{\"media_keys\":[\"3_1\",\"3_1\",\"3_1\","
             "\"3_9\"]}}],\"includes\":{\"media\":[{\"media_key\":\"3_1\",\"type\":"
             "\"photo\",\"url\":\"https://pbs.twimg.com/media/1.jpg\",\"alt_text\":\"alt\"},"
             "{\"media_key\":\"3_9\",\"type\":\"animated_gif\",\"preview_image_url\":"
             "\"https://pbs.twimg.com/tweet_video_thumb/9.jpg\"}]}}"),
        NULL, &result);
    const struct post_message *p = result.posts[0];
    assert_int_equal(p->media_count, 2);
    assert_string_equal(p->media[0].alt, "alt");
    assert_string_equal(p->media[1].type, "gifv");
    cJSON *raw = cJSON_ParseWithLength((const char *)p->raw, p->raw_len);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(raw, "includes"), "media")), 2);
    cJSON_Delete(raw);
    adapter_result_free(&result);
}

static void one_bad_post_is_skipped_and_the_others_kept(void **state)
{
    (void)state;
    static const struct {
        const char *item;
        const char *reason;
    } bad[] = {
        {"{\"id\":\"2\",\"created_at\":\"kemarin\",\"text\":\"x\"}",
         "data[1].created_at: expected an RFC 3339 time"},
        {"{\"id\":\"2x\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"x\"}",
         "data[1].id: expected an X post id (digits)"},
        {"{\"id\":2,\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"x\"}",
         "data[1].id: expected a string"},
        {"{\"id\":\"2\",\"created_at\":\"2024-01-01T00:00:00Z\"}", "data[1].text: missing"},
        {"[\"2\"]", "data[1]: expected an object"},
        {"{\"id\":\"2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"x\",\"entities\":"
         "{\"hashtags\":[{\"tag\":7}]}}",
         "data[1].entities.hashtags[0].tag: expected a string"},
        {"{\"id\":\"2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"x\",\"referenced_"
         "tweets\":[{\"type\":\"quoted\",\"id\":\"../1\"}]}",
         "data[1].referenced_tweets[0].id: expected an X post id (digits)"},
        {"{\"id\":\"2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"x\",\"attachments\":"
         "{\"media_keys\":\"3_1\"}}",
         "data[1].attachments.media_keys: expected an array"},
        {"{\"id\":\"2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"x\",\"note_tweet\":"
         "{\"text\":[]}}",
         "data[1].note_tweet.text: expected a string"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char body[1024];
        snprintf(body, sizeof(body),
                 "{\"data\":[{\"id\":\"3\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":"
                 "\"satu\"},%s,{\"id\":\"1\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":"
                 "\"tiga\"}],\"meta\":{\"next_token\":\"n\"}}",
                 bad[i].item);
        struct adapter_result result;
        adapter_test_parse(&crawl, 200, body, strlen(body), NULL, &result);
        assert_int_equal(result.count, 2);
        assert_string_equal(result.posts[0]->text, "satu");
        assert_string_equal(result.posts[1]->text, "tiga");
        assert_int_equal(result.skipped, 1);
        assert_string_equal(result.first_skip_reason, bad[i].reason);
        assert_string_equal(result.next_page, "n");
        adapter_result_free(&result);
    }
}

static void a_bad_included_object_skips_the_post_that_needs_it(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse(
        &crawl, 200,
        BODY("{\"data\":[{\"id\":\"2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"RT"
             " @a: x\",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"9\"}]},{\"id\":"
             "\"1\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"ok\"}],\"includes\":"
             "{\"tweets\":[{\"id\":\"9\",\"text\":\"asli\",\"author_id\":\"5\"}],\"users\":"
             "[{\"id\":\"5\",\"username\":\"a/../b\"}]}}"),
        NULL, &result);
    assert_int_equal(result.count, 1);
    assert_int_equal(result.skipped, 1);
    assert_string_equal(result.first_skip_reason,
                        "includes.users[0].username: expected an X username");
    adapter_result_free(&result);
}

/* An author cannot hide a post by writing what no post can hold: it is kept, marked. Bytes that
 * are not UTF-8 at all spoil only their own post. */
static void an_escaped_nul_or_lone_surrogate_becomes_a_replacement_character(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse(
        &crawl, 200,
        BODY("{\"data\":[{\"id\":\"5\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"a\xC3("
             "\"},{\"id\":\"4\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"a\\u0000b\"},"
             "{\"id\":\"3\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"cut \\ud83d\"},"
             "{\"id\":\"2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"\\ude00 low\"},"
             "{\"id\":\"1\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":"
             "\"kept \\\\u0000 \\ud83d\\ude00\"}]}"),
        NULL, &result);
    assert_int_equal(result.count, 4);
    assert_int_equal(result.skipped, 1);
    assert_string_equal(result.first_skip_reason, "data[0].text: invalid UTF-8 at byte 1");
    assert_string_equal(adapter_test_post(&result, "x:4")->text, "a" REPLACEMENT "b");
    assert_string_equal(adapter_test_post(&result, "x:3")->text, "cut " REPLACEMENT);
    assert_string_equal(adapter_test_post(&result, "x:2")->text, REPLACEMENT " low");
    /* An escaped backslash before "u0000" is text, and a whole pair is an emoji. */
    assert_string_equal(adapter_test_post(&result, "x:1")->text, "kept \\u0000 " EMOJI_GRIN);
    adapter_result_free(&result);
}

static void a_retweet_with_its_original_does_not_need_its_own_truncated_text(void **state)
{
    (void)state;
    struct adapter_result result;
    adapter_test_parse(
        &crawl, 200,
        BODY("{\"data\":[{\"id\":\"2\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":\"RT"
             " @a: cut \\ud83d\",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"9\"}]}],"
             "\"includes\":{\"tweets\":[{\"id\":\"9\",\"text\":\"cut \\ud83d\\ude00 whole\","
             "\"author_id\":\"5\"}],\"users\":[{\"id\":\"5\",\"username\":\"a\"}]}}"),
        NULL, &result);
    assert_int_equal(result.count, 1);
    assert_int_equal(result.skipped, 0);
    assert_string_equal(result.posts[0]->text, "cut " EMOJI_GRIN " whole");
    assert_string_equal(result.posts[0]->repost_of.author, "a");
    adapter_result_free(&result);
}

static void malformed_bodies_name_the_position_or_field(void **state)
{
    (void)state;
    parse_fails(BODY(""), "body: not valid JSON near byte 0 (line 1)");
    parse_fails(BODY("{\"data\": ["), "body: not valid JSON near byte 10 (line 1)");
    parse_fails(BODY("{\"data\":[]} trailing"), "body: not valid JSON near byte 12 (line 1)");
    parse_fails(BODY("{\"data\":\n[\"a\0\"]}"), "body: NUL byte at offset 12 (line 2)");
    parse_fails(BODY("[]"), "body: expected a JSON object");
    parse_fails(BODY("{\"data\":{}}"), "data: expected an array");
    parse_fails(BODY("{\"data\":[],\"includes\":[]}"), "includes: expected an object");
    parse_fails(BODY("{\"data\":[],\"includes\":{\"tweets\":{}}}"),
                "includes.tweets: expected an array");
    parse_fails(BODY("{\"data\":[],\"meta\":[]}"), "meta: expected an object");
    parse_fails(BODY("{\"data\":[],\"meta\":{\"next_token\":5}}"),
                "meta.next_token: expected a string");
    parse_fails(BODY("{\"errors\":{}}"), "errors: expected an array");
    parse_fails(BODY("{\"data\":[],\"meta\":{\"next_token\":\"a\xC3\"}}"),
                "meta.next_token: invalid UTF-8");
    crawl.context.cursor = "abc";
    parse_fails(BODY("{\"data\":[]}"), "cursor \"abc\": expected an X post id (digits)");
}

static void a_next_token_must_be_bounded_and_advance(void **state)
{
    (void)state;
    char body[2048];
    char token[1025 + 1];
    memset(token, 'a', sizeof(token) - 1);
    token[sizeof(token) - 1] = '\0';
    snprintf(body, sizeof(body), "{\"data\":[],\"meta\":{\"next_token\":\"%s\"}}", token);
    parse_fails(body, strlen(body), "meta.next_token: 1025 bytes, over the limit of 1024");

    /* The same token as this page's would fetch it forever. */
    crawl.context.page = "same";
    struct adapter_result result;
    adapter_test_parse(&crawl, 200, BODY("{\"data\":[],\"meta\":{\"next_token\":\"same\"}}"), NULL,
                       &result);
    assert_null(result.next_page);
    adapter_result_free(&result);
}

static void a_page_repeating_its_includes_without_end_is_refused(void **state)
{
    (void)state;
    /* Ten retweets of one 1 MiB original: each post copies it three times (text, repost_of and
     * evidence), 30 MiB from a body of 1 MiB, more than X would ever make us hold. */
    size_t original_len = 1024 * 1024, posts = 10;
    size_t capacity = original_len + posts * 256 + 256, at = 0;
    char *body = malloc(capacity);
    assert_non_null(body);
    at += (size_t)sprintf(body + at, "{\"data\":[");
    for (size_t i = 0; i < posts; i++)
        at +=
            (size_t)sprintf(body + at,
                            "%s{\"id\":\"%zu\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":"
                            "\"RT\",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"9\"}]}",
                            i == 0 ? "" : ",", 100 - i);
    at += (size_t)sprintf(body + at, "],\"includes\":{\"tweets\":[{\"id\":\"9\",\"text\":\"");
    memset(body + at, 'b', original_len);
    at += original_len;
    at += (size_t)sprintf(body + at, "\"}]}}");
    char expected[256];
    snprintf(expected, sizeof(expected),
             "body: its posts repeat what it includes into over %zu bytes (8 times the body)",
             8 * at + 8 * 1024 * 1024);
    parse_fails(body, at, expected);
    free(body);
}

static void an_oversized_body_is_refused_unread(void **state)
{
    (void)state;
    size_t len = (size_t)POST_MESSAGE_MAX_RAW_BYTES + 1;
    /* Untouched anonymous pages cost no memory; reading them would be the failure. */
    char *data = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    assert_true(data != MAP_FAILED);
    parse_fails(data, len, "body: 16777217 bytes, over the limit of 16777216");
    munmap(data, len);
}

static void deeply_nested_input_is_refused_or_skipped(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *body = malloc(depth + 1);
    assert_non_null(body);
    memset(body, '[', depth);
    body[depth] = '\0';
    adapter_test_parse_refused(&crawl, 200, body, depth, NULL, "body: not valid JSON near byte ");
    free(body);

    struct adapter_result result;

    /* Deep, yet within what cJSON reads: the post holding it is skipped by name. */
    char nested[4096];
    int at = snprintf(nested, sizeof(nested),
                      "{\"data\":[{\"id\":\"1\",\"created_at\":\"2024-01-01T00:00:00Z\",\"text\":");
    for (int i = 0; i < 500; i++)
        nested[at++] = '[';
    for (int i = 0; i < 500; i++)
        nested[at++] = ']';
    at += snprintf(nested + at, sizeof(nested) - (size_t)at, "}]}");
    adapter_test_parse(&crawl, 200, nested, (size_t)at, NULL, &result);
    assert_int_equal(result.count, 0);
    assert_int_equal(result.skipped, 1);
    assert_string_equal(result.first_skip_reason, "data[0].text: expected a string");
    adapter_result_free(&result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(lookup_request_names_the_username_and_sends_the_bearer_token, reset),
        cmocka_unit_test_setup(requests_without_a_usable_token_handle_or_id_are_refused, reset),
        cmocka_unit_test_setup(base_url_defaults_to_x_and_a_trailing_slash_is_tolerated, reset),
        cmocka_unit_test_setup(first_page_asks_for_posts_newer_than_the_cursor, reset),
        cmocka_unit_test_setup(page_size_is_clamped_to_what_x_allows, reset),
        cmocka_unit_test_setup(next_page_sends_the_token_percent_encoded, reset),
        cmocka_unit_test_setup(a_rescan_asks_from_its_start_time_and_ignores_the_cursor, reset),
        cmocka_unit_test_setup(lookup_answer_gives_the_native_id, reset),
        cmocka_unit_test_setup(a_missing_or_suspended_user_is_gone, reset),
        cmocka_unit_test_setup(an_unauthorised_or_forbidden_answer_is_an_error_naming_the_problem,
                               reset),
        cmocka_unit_test_setup(a_lookup_answer_without_a_user_id_is_an_error, reset),
        cmocka_unit_test_setup(a_plain_post_decodes_escapes_expands_links_and_keeps_emoji, reset),
        cmocka_unit_test_setup(a_retweet_carries_the_full_original_and_its_author, reset),
        cmocka_unit_test_setup(a_reply_and_a_quote, reset),
        cmocka_unit_test_setup(media_come_with_alt_text, reset),
        cmocka_unit_test_setup(raw_evidence_holds_the_item_and_what_its_post_was_built_from, reset),
        cmocka_unit_test_setup(first_page_gives_the_new_cursor_and_the_next_page, reset),
        cmocka_unit_test_setup(later_pages_do_not_move_the_cursor, reset),
        cmocka_unit_test_setup(the_last_page_ends_the_crawl_and_a_lost_original_keeps_the_retweet,
                               reset),
        cmocka_unit_test_setup(an_empty_page_keeps_the_cursor_and_ends_the_crawl, reset),
        cmocka_unit_test_setup(posts_at_or_below_the_cursor_end_the_crawl, reset),
        cmocka_unit_test_setup(a_rescan_stops_at_older_posts_and_keeps_the_cursor, reset),
        cmocka_unit_test_setup(a_protected_timeline_is_an_error_and_a_deleted_user_is_gone, reset),
        cmocka_unit_test_setup(missing_and_null_optional_fields_are_absent, reset),
        cmocka_unit_test_setup(a_link_is_expanded_only_where_it_stands_whole, reset),
        cmocka_unit_test_setup(a_medium_named_many_times_is_one_medium, reset),
        cmocka_unit_test_setup(one_bad_post_is_skipped_and_the_others_kept, reset),
        cmocka_unit_test_setup(a_bad_included_object_skips_the_post_that_needs_it, reset),
        cmocka_unit_test_setup(an_escaped_nul_or_lone_surrogate_becomes_a_replacement_character,
                               reset),
        cmocka_unit_test_setup(a_retweet_with_its_original_does_not_need_its_own_truncated_text,
                               reset),
        cmocka_unit_test_setup(malformed_bodies_name_the_position_or_field, reset),
        cmocka_unit_test_setup(a_next_token_must_be_bounded_and_advance, reset),
        cmocka_unit_test_setup(a_page_repeating_its_includes_without_end_is_refused, reset),
        cmocka_unit_test_setup(an_oversized_body_is_refused_unread, reset),
        cmocka_unit_test_setup(deeply_nested_input_is_refused_or_skipped, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
