/* The feed adapter: what RSS 2.0, Atom 1.0 and JSON Feed 1.1 items become, which items are
 * skipped and why, how the cursor moves, and that hostile bodies are refused cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "queue/post_message.h"
#include "tests/adapters/adapter_test.h"

#define FEED_URL "https://feeds.example.go.id/feed.xml"
/* 2024-01-05T00:00:00Z */
#define JAN_5_2024 1704412800LL

struct run {
    struct adapter_settings settings;
    struct adapter_account account;
    struct adapter_context context;
    struct adapter_result result;
    char err[NETRA_ERR_LEN];
};

static void run_init(struct run *run, const char *feed_url)
{
    memset(run, 0, sizeof(*run));
    run->account = (struct adapter_account){.id = "a1", .handle = feed_url, .native_id = ""};
    run->context = (struct adapter_context){
        .settings = &run->settings, .account = &run->account, .cursor = "", .page = NULL};
}

/* What the adapter contract promises of any answer is checked on every parse. */
static int run_parse(struct run *run, const char *body, size_t len, const char *content_type)
{
    struct adapter_response response = {
        .status = 200, .body = body, .body_len = len, .content_type = content_type};
    char why[NETRA_ERR_LEN];
    int accepted;
    if (adapter_check_parse(&adapter_feed, &run->context, &response, &run->result, run->err,
                            &accepted, why, sizeof(why)) != 0)
        fail_msg("%s", why);
    return accepted ? 0 : -1;
}

static void parse_ok(struct run *run, const char *body, size_t len)
{
    if (run_parse(run, body, len, NULL) != 0)
        fail_msg("parse failed: %s", run->err);
    assert_null(run->result.next_page);
    assert_null(run->result.native_id);
    assert_int_equal(run->result.gone, 0);
}

/* The whole-body error; the result must come back empty. */
static const char *parse_fails(struct run *run, const char *body, size_t len,
                               const char *content_type)
{
    assert_int_equal(run_parse(run, body, len, content_type), -1);
    assert_int_equal(run->result.count, 0);
    assert_null(run->result.posts);
    assert_null(run->result.new_cursor);
    assert_true(run->err[0] != '\0');
    return run->err;
}

static void parse_fixture(struct run *run, const char *name)
{
    size_t len;
    char *body = adapter_test_fixture("feed", name, &len);
    parse_ok(run, body, len);
    free(body);
}

static const struct post_message *post(const struct run *run, size_t i)
{
    if (i >= run->result.count)
        fail_msg("only %zu posts, wanted #%zu", run->result.count, i);
    return run->result.posts[i];
}

static void assert_media(const struct post_message *message, size_t i, const char *type,
                         const char *url, const char *alt)
{
    if (i >= message->media_count)
        fail_msg("only %zu media, wanted #%zu", message->media_count, i);
    assert_string_equal(message->media[i].type, type);
    assert_string_equal(message->media[i].url, url);
    if (alt == NULL)
        assert_null(message->media[i].alt);
    else
        assert_string_equal(message->media[i].alt, alt);
}

static void assert_raw_contains(const struct post_message *message, const char *needle)
{
    assert_non_null(message->raw);
    char *raw = strndup((const char *)message->raw, message->raw_len);
    assert_non_null(raw);
    if (strstr(raw, needle) == NULL)
        fail_msg("raw bytes lack \"%s\": %.200s", needle, raw);
    free(raw);
    char sha[65];
    post_sha256_hex(message->raw, message->raw_len, sha);
    assert_string_equal(message->sha256, sha);
}

static void assert_hashed_id(const struct post_message *message, const void *bytes, size_t len)
{
    char sha[65], id[64];
    post_sha256_hex(bytes, len, sha);
    snprintf(id, sizeof(id), "feed:sha256:%.32s", sha);
    assert_string_equal(message->id, id);
}

/* A growing string for generated bodies. */
struct text {
    char *data;
    size_t len, capacity;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    assert_true(n >= 0);
    while (t->len + (size_t)n + 1 > t->capacity) {
        t->capacity = t->capacity ? t->capacity * 2 : 4096;
        t->data = realloc(t->data, t->capacity);
        assert_non_null(t->data);
    }
    va_start(args, fmt);
    vsnprintf(t->data + t->len, (size_t)n + 1, fmt, args);
    va_end(args);
    t->len += (size_t)n;
}

#define RSS_ITEM(guid, date, text)                                                                 \
    "<item><guid>" guid "</guid><pubDate>" date "</pubDate><description>" text                     \
    "</description></item>"
#define RSS(items) "<rss version=\"2.0\"><channel><title>t</title>" items "</channel></rss>"
#define TEXT(literal) literal, sizeof(literal) - 1

/* ---- The request -------------------------------------------------------------------------- */

static void request_is_a_get_of_the_feed_url_accepting_every_feed_format(void **state)
{
    (void)state;
    struct run run;
    struct adapter_request request;
    run_init(&run, "https://rsshub.example.go.id/instagram/user/budi.santoso?limit=20");
    assert_int_equal(adapter_feed.build_request(&run.context, &request, run.err, sizeof(run.err)),
                     0);
    assert_string_equal(request.url,
                        "https://rsshub.example.go.id/instagram/user/budi.santoso?limit=20");
    assert_int_equal(request.is_lookup, 0);
    assert_int_equal(request.header_count, 1);
    assert_true(strncmp(request.headers[0], "Accept: ", 8) == 0);
    assert_non_null(strstr(request.headers[0], "application/rss+xml"));
    assert_non_null(strstr(request.headers[0], "application/atom+xml"));
    assert_non_null(strstr(request.headers[0], "application/feed+json"));
    adapter_request_free(&request);
    assert_ptr_equal(adapter_find("feed"), &adapter_feed);
}

static void request_never_sends_the_platform_token_to_a_feed_host(void **state)
{
    (void)state;
    struct run run;
    struct adapter_request request;
    run_init(&run, FEED_URL);
    run.settings.token = "secret-token";
    assert_int_equal(adapter_feed.build_request(&run.context, &request, run.err, sizeof(run.err)),
                     0);
    for (size_t i = 0; i < request.header_count; i++)
        assert_null(strstr(request.headers[i], "secret-token"));
    assert_null(strstr(request.url, "secret-token"));
    adapter_request_free(&request);
}

static void request_refuses_a_handle_that_is_not_an_http_url(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "ftp://feeds.example/x.rss",
        "file:///etc/passwd",
        "http://",
        "https:///path",
        "http://host/with space",
        "http://host/\nHost: evil",
        "feeds.example/feed.xml",
        "javascript:alert(1)",
        "https://feeds.example/berita-\xC3\xBA.rss",
        "https://feeds.example/\x8f",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct run run;
        struct adapter_request request;
        run_init(&run, bad[i]);
        assert_int_equal(
            adapter_feed.build_request(&run.context, &request, run.err, sizeof(run.err)), -1);
        assert_null(request.url);
        assert_non_null(strstr(run.err, "is not an http:// or https:// URL"));
        assert_null(strchr(run.err, '\n'));
    }
}

static void request_refuses_a_page_because_feeds_have_none(void **state)
{
    (void)state;
    struct run run;
    struct adapter_request request;
    run_init(&run, FEED_URL);
    run.context.page = "https://evil.example/next";
    assert_int_equal(adapter_feed.build_request(&run.context, &request, run.err, sizeof(run.err)),
                     -1);
    assert_non_null(strstr(run.err, "a feed has no pages"));
}

/* ---- Atom: YouTube and a blog --------------------------------------------------------------- */

static void youtube_entries_become_posts_with_video_thumbnail_and_description(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, "https://www.youtube.com/feeds/videos.xml?channel_id=UCa1b2c3d4e5f6g7h8i9j0kl");
    parse_fixture(&run, "youtube.atom");
    assert_int_equal(run.result.count, 2);
    assert_int_equal(run.result.skipped, 0);
    const struct post_message *video = post(&run, 0);
    assert_string_equal(video->id, "feed:yt:video:Vid0000001a");
    assert_string_equal(video->platform, "feed");
    assert_string_equal(video->url, "https://www.youtube.com/watch?v=Vid0000001a");
    assert_string_equal(video->author, "Kominfo Kota Contoh");
    assert_string_equal(video->created_at, "2024-01-05T03:00:00Z");
    assert_int_equal(video->kind, POST_KIND_POST);
    assert_string_equal(video->text,
                        "Sosialisasi Netralitas ASN & Pemilu 2024 \xF0\x9F\x98\x80\n"
                        "Rekaman sosialisasi netralitas ASN menjelang #Pemilu2024 bersama "
                        "@bawaslu_ri.\nTonton sampai habis.");
    ASSERT_STRINGS(&video->hashtags, "Pemilu2024");
    ASSERT_STRINGS(&video->mentions, "bawaslu_ri");
    ASSERT_STRINGS(&video->links, "https://www.youtube.com/watch?v=Vid0000001a");
    const char *description = "Rekaman sosialisasi netralitas ASN menjelang #Pemilu2024 bersama "
                              "@bawaslu_ri.\nTonton sampai habis.";
    assert_int_equal(video->media_count, 2);
    assert_media(video, 0, "video", "https://www.youtube.com/v/Vid0000001a?version=3", description);
    assert_media(video, 1, "image", "https://i2.ytimg.com/vi/Vid0000001a/hqdefault.jpg",
                 description);
    assert_null(video->lang);
    assert_raw_contains(video, "<entry>");
    assert_raw_contains(video, "<yt:videoId>Vid0000001a</yt:videoId>");
    assert_raw_contains(video, "views=\"3456\"");
    /* Without a description the title is the whole text, and the media's alt. */
    const struct post_message *quiet = post(&run, 1);
    assert_string_equal(quiet->text, "Upacara Hari Amal Bakti");
    assert_media(quiet, 0, "video", "https://www.youtube.com/v/Vid0000002b?version=3",
                 "Upacara Hari Amal Bakti");
    /* The cursor is the newest time anything in the feed was published or updated. */
    assert_string_equal(run.result.new_cursor, "2024-01-06T08:30:12Z");
    adapter_result_free(&run.result);
}

static void atom_text_constructs_html_xhtml_and_text_become_plain_text(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, "https://blog.example.go.id/feed.atom");
    parse_fixture(&run, "blog.atom");
    assert_int_equal(run.result.count, 3);
    assert_int_equal(run.result.skipped, 0);
    const struct post_message *html = post(&run, 0);
    assert_string_equal(html->id, "feed:tag:blog.example.go.id,2024:post-42");
    assert_string_equal(html->text, "Musyawarah desa & warga\nMusyawarah berjalan lancar.\n"
                                    "Terima kasih \xE2\x80\x94 warga!");
    assert_string_equal(html->created_at, "2024-01-08T03:00:00Z");
    /* Relative links resolve against xml:base; the entry inherits the feed's author and
     * xml:lang. */
    assert_string_equal(html->url, "https://blog.example.go.id/posts/musyawarah");
    assert_string_equal(html->author, "Agus Camat");
    assert_string_equal(html->lang, "id");
    ASSERT_STRINGS(&html->hashtags, "Pemerintahan", "Musdes");
    assert_media(html, 0, "image", "https://blog.example.go.id/media/musyawarah.png",
                 "Foto musyawarah di balai desa");
    ASSERT_STRINGS(&html->links, "https://blog.example.go.id/posts/musyawarah",
                   "https://blog.example.go.id/media/musyawarah.png");

    const struct post_message *xhtml = post(&run, 1);
    assert_string_equal(xhtml->text, "English notes\nNotes in English.\nSecond\nline");
    assert_string_equal(xhtml->url, "https://blog.example.go.id/posts/english");
    assert_string_equal(xhtml->lang, "en");

    /* Out-of-line content (src) has no text here: the summary stands in. A text title keeps
     * what looks like a tag. */
    const struct post_message *text = post(&run, 2);
    assert_string_equal(text->text, "Tautan keluar <tidak> HTML\nRingkasan saja, isi ada di luar.");
    assert_string_equal(text->author, "Sekretariat");
    assert_string_equal(run.result.new_cursor, "2024-01-08T04:00:00Z");
    adapter_result_free(&run.result);
}

static void atom_entry_without_published_is_dated_by_updated(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, "https://blog.example.go.id/feed.atom");
    parse_fixture(&run, "blog.atom");
    assert_string_equal(post(&run, 1)->created_at, "2024-01-07T09:00:00Z");
    adapter_result_free(&run.result);
}

static void atom_entry_with_only_a_youtube_video_id_gets_that_id(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT("<feed xmlns=\"http://www.w3.org/2005/Atom\" "
                        "xmlns:yt=\"http://www.youtube.com/xml/schemas/2015\"><entry>"
                        "<yt:videoId>abcDEF12345</yt:videoId><title>t</title>"
                        "<published>2024-01-05T00:00:00Z</published></entry></feed>"));
    assert_string_equal(post(&run, 0)->id, "feed:yt:video:abcDEF12345");
    assert_null(post(&run, 0)->url);
    adapter_result_free(&run.result);
}

/* ---- RSS: RSSHub and WordPress -------------------------------------------------------------- */

static void rsshub_item_decodes_escaped_html_and_drops_a_title_that_repeats_the_text(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, "https://rsshub.example.go.id/instagram/user/budi.santoso");
    parse_fixture(&run, "rsshub-instagram.rss");
    assert_int_equal(run.result.count, 2);
    const struct post_message *photo = post(&run, 0);
    assert_string_equal(photo->id, "feed:https://www.instagram.com/p/C1aBcDeFgHi/");
    assert_string_equal(photo->url, "https://www.instagram.com/p/C1aBcDeFgHi/");
    assert_string_equal(photo->author, "budi.santoso");
    assert_string_equal(photo->created_at, "2024-01-05T10:00:00Z");
    assert_string_equal(photo->text, "Ayo datang ke TPS 14 Februari! #Pemilu2024 Pilih nomor 2 "
                                     "ya \xF0\x9F\x98\x80\nBersama @tim.pemenangan & relawan");
    ASSERT_STRINGS(&photo->hashtags, "Pemilu2024");
    ASSERT_STRINGS(&photo->mentions, "tim.pemenangan");
    assert_string_equal(photo->lang, "en");
    assert_media(photo, 0, "image", "https://scontent.cdninstagram.example/v/p1.jpg", NULL);
    ASSERT_STRINGS(&photo->links, "https://www.instagram.com/p/C1aBcDeFgHi/",
                   "https://scontent.cdninstagram.example/v/p1.jpg");
    assert_raw_contains(photo, "<item>");
    assert_raw_contains(photo, "C1aBcDeFgHi");

    const struct post_message *reel = post(&run, 1);
    assert_string_equal(reel->text, "Rapat koordinasi pagi ini bersama jajaran dinas.");
    assert_int_equal(reel->media_count, 2);
    assert_media(reel, 0, "image", "https://scontent.cdninstagram.example/v/r2.jpg", NULL);
    assert_media(reel, 1, "video", "https://scontent.cdninstagram.example/v/r2.mp4", NULL);
    assert_string_equal(run.result.new_cursor, "2024-01-05T10:00:00Z");
    adapter_result_free(&run.result);
}

static void wordpress_item_prefers_full_content_and_reads_creator_categories_and_media(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, "https://siti.example.id/feed/");
    parse_fixture(&run, "wordpress.rss");
    assert_int_equal(run.result.count, 3);
    const struct post_message *visit = post(&run, 0);
    assert_string_equal(visit->id, "feed:https://siti.example.id/?p=123");
    assert_string_equal(visit->text, "Kunjungan ke Sekolah \xE2\x80\x93 Hari Pertama\n"
                                     "Hari ini kami berkunjung ke SDN 1.\n"
                                     "Caf\xC3\xA9 di depan sekolah tutup & sepi.");
    assert_string_equal(visit->author, "Siti Rahma");
    assert_string_equal(visit->created_at, "2024-01-06T02:00:00Z");
    assert_string_equal(visit->lang, "id-ID");
    assert_string_equal(visit->url, "https://siti.example.id/2024/01/06/kunjungan/");
    ASSERT_STRINGS(&visit->hashtags, "Pendidikan", "Kegiatan Sekolah");
    assert_media(visit, 0, "image", "https://siti.example.id/wp-content/uploads/2024/01/sdn1.jpg",
                 "Halaman SDN 1");

    /* A relative link resolves against the feed's URL; WIB is UTC+7; "#3" is no hashtag. */
    const struct post_message *podcast = post(&run, 1);
    assert_string_equal(podcast->url, "https://siti.example.id/2024/01/05/podcast-guru-3/");
    assert_string_equal(podcast->created_at, "2024-01-05T13:00:00Z");
    assert_string_equal(podcast->text, "Podcast Guru #3\nObrolan tentang kurikulum merdeka.");
    assert_int_equal(podcast->hashtags.count, 0);
    assert_media(podcast, 0, "audio",
                 "https://siti.example.id/wp-content/uploads/2024/01/podcast-3.mp3", NULL);
    adapter_result_free(&run.result);
}

static void rss_guid_is_the_url_when_it_is_a_permalink_and_there_is_no_link(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, "https://siti.example.id/feed/");
    parse_fixture(&run, "wordpress.rss");
    const struct post_message *old = post(&run, 2);
    assert_string_equal(old->url, "https://siti.example.id/2023/12/31/catatan-lama/");
    assert_string_equal(old->text, "Catatan lama\nTutup tahun 2023.");
    assert_null(old->author);
    adapter_result_free(&run.result);

    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT(RSS("<item><guid isPermaLink=\"false\">https://x.example/1</guid>"
                            "<pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate></item>"
                            "<item><guid>12345</guid>"
                            "<pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate></item>")));
    assert_null(post(&run, 0)->url);
    /* A bare guid is no URL, whatever isPermaLink says. */
    assert_null(post(&run, 1)->url);
    assert_string_equal(post(&run, 1)->id, "feed:12345");
    adapter_result_free(&run.result);
}

static void rss_in_a_legacy_encoding_comes_out_as_utf8(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" RSS(
                       "<item><guid>g1</guid><pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate>"
                       "<title>Caf\xE9</title></item>")));
    assert_string_equal(post(&run, 0)->text, "Caf\xC3\xA9");
    adapter_result_free(&run.result);
}

static void rss_entities_and_numeric_references_are_decoded_once(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT(RSS("<item><guid>g1</guid><pubDate>Fri, 05 Jan 2024 10:00:00 GMT"
                            "</pubDate><title>Tom &amp; Jerry &#8211; &#x1F600;</title>"
                            "<description>&lt;p&gt;a &amp;lt;b&amp;gt; &amp;amp; "
                            "&amp;quot;c&amp;quot;&lt;/p&gt;</description></item>")));
    assert_string_equal(post(&run, 0)->text,
                        "Tom & Jerry \xE2\x80\x93 \xF0\x9F\x98\x80\na <b> & \"c\"");
    adapter_result_free(&run.result);
}

static void rss_empty_full_content_falls_back_to_the_description(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT("<rss version=\"2.0\" "
                        "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>"
                        "<item><guid>g1</guid><pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate>"
                        "<content:encoded><![CDATA[ <p> </p> ]]></content:encoded>"
                        "<description>Ringkasan</description></item></channel></rss>"));
    assert_string_equal(post(&run, 0)->text, "Ringkasan");
    adapter_result_free(&run.result);
}

/* ---- JSON Feed --------------------------------------------------------------------------------
 */

static void json_feed_items_become_posts(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, "https://rsshub.example.go.id/threads/rina.pns?format=json");
    parse_fixture(&run, "threads.json");
    assert_int_equal(run.result.count, 2);
    const struct post_message *html = post(&run, 0);
    assert_string_equal(html->id, "feed:https://www.threads.net/@rina.pns/post/C2xYzAbCdEf");
    assert_string_equal(html->url, "https://www.threads.net/@rina.pns/post/C2xYzAbCdEf");
    /* \ud83d\ude00 is one emoji; the title repeats the text's opening and is dropped. */
    assert_string_equal(html->text, "Dukung paslon nomor 1! \xF0\x9F\x98\x80 #MenangBersama\n"
                                    "Caf\xC3\xA9 & teh");
    assert_string_equal(html->created_at, "2024-01-07T12:30:00Z");
    assert_string_equal(html->author, "rina.pns");
    assert_string_equal(html->lang, "id");
    ASSERT_STRINGS(&html->hashtags, "Pilkada", "Jateng", "MenangBersama");
    assert_int_equal(html->media_count, 2);
    assert_media(html, 0, "image", "https://cdn.threads.example/C2xYz/1.jpg", NULL);
    assert_media(html, 1, "video", "https://cdn.threads.example/C2xYz/1.mp4",
                 "Video orasi di alun-alun");
    ASSERT_STRINGS(&html->links, "https://www.threads.net/@rina.pns/post/C2xYzAbCdEf",
                   "https://cdn.threads.example/C2xYz/1.mp4");
    assert_raw_contains(html, "{\"id\":\"https://www.threads.net/@rina.pns/post/C2xYzAbCdEf\"");
    assert_raw_contains(html, "\xF0\x9F\x98\x80");

    /* A numeric id is coerced to text; null fields are absent fields. */
    const struct post_message *plain = post(&run, 1);
    assert_string_equal(plain->id, "feed:123456789");
    assert_string_equal(plain->text, "Teks biasa tanpa HTML, untuk @rekan@mastodon.example");
    ASSERT_STRINGS(&plain->mentions, "rekan@mastodon.example");
    assert_string_equal(plain->author, "Rina Wulandari");
    assert_string_equal(plain->lang, "en");
    assert_null(plain->url);
    assert_int_equal(plain->media_count, 0);
    ASSERT_STRINGS(&plain->links, "https://news.example.id/berita/1");
    assert_string_equal(run.result.new_cursor, "2024-01-08T00:00:00Z");
    adapter_result_free(&run.result);
}

static void json_feed_1_0_with_a_single_author_object_is_read(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, "https://dinas.example.go.id/feed.json");
    parse_fixture(&run, "jsonfeed-1.0.json");
    assert_int_equal(run.result.count, 1);
    assert_string_equal(post(&run, 0)->author, "Humas Dinas");
    assert_string_equal(post(&run, 0)->text,
                        "Pengumuman\nKantor tutup pada hari pemungutan suara.");
    assert_string_equal(post(&run, 0)->created_at, "2024-02-10T01:00:00Z");
    adapter_result_free(&run.result);
}

static void json_lone_surrogates_and_escaped_nul_become_replacement_characters(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT("{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":["
                        "{\"id\":\"1\",\"content_text\":\"a\\ud800b \\\\ud800 \\udc00\","
                        "\"date_published\":\"2024-01-05T00:00:00Z\"},"
                        "{\"id\":\"2\",\"content_text\":\"hidden\\u0000 text\","
                        "\"date_published\":\"2024-01-05T00:00:00Z\"}]}"));
    assert_int_equal(run.result.count, 2);
    /* An escaped backslash before "ud800" is text, not an escape, and is left alone. */
    assert_string_equal(post(&run, 0)->text, "a\xEF\xBF\xBD"
                                             "b \\ud800 \xEF\xBF\xBD");
    assert_string_equal(post(&run, 1)->text, "hidden\xEF\xBF\xBD text");
    adapter_result_free(&run.result);
}

static void json_item_with_invalid_utf8_text_is_skipped_and_the_rest_kept(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT("{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":["
                        "{\"id\":\"1\",\"content_text\":\"bad \xC3\x28 byte\","
                        "\"date_published\":\"2024-01-05T00:00:00Z\"},"
                        "{\"id\":\"2\",\"content_text\":\"good\","
                        "\"date_published\":\"2024-01-05T00:00:00Z\",\"tags\":[\"x\xFF\"]}]}"));
    assert_int_equal(run.result.count, 1);
    assert_int_equal(run.result.skipped, 1);
    assert_string_equal(post(&run, 0)->id, "feed:2");
    /* A broken decoration is left out, not the post. */
    assert_int_equal(post(&run, 0)->hashtags.count, 0);
    assert_non_null(strstr(run.result.first_skip_reason, "items[0]: "));
    assert_non_null(strstr(run.result.first_skip_reason, "UTF-8"));
    adapter_result_free(&run.result);
}

/* ---- Items that are skipped ------------------------------------------------------------------ */

static void bad_items_are_skipped_and_counted_and_the_good_ones_kept(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, "https://siti.example.id/feed/");
    parse_fixture(&run, "wordpress.rss");
    assert_int_equal(run.result.count, 3);
    assert_int_equal(run.result.skipped, 1);
    assert_string_equal(run.result.first_skip_reason,
                        "item[2]: pubDate \"kemarin sore\" is not a date");
    adapter_result_free(&run.result);

    run_init(&run, "https://rsshub.example.go.id/threads/rina.pns?format=json");
    parse_fixture(&run, "threads.json");
    assert_int_equal(run.result.count, 2);
    assert_int_equal(run.result.skipped, 2);
    assert_string_equal(run.result.first_skip_reason,
                        "items[2]: \"date_published\" has the wrong type");
    adapter_result_free(&run.result);
}

static void item_without_any_date_is_skipped_with_the_fields_it_lacks(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>e1</id>"
                        "<title>no date</title></entry><entry><id>e2</id><title>ok</title>"
                        "<updated>2024-01-05T00:00:00Z</updated></entry></feed>"));
    assert_int_equal(run.result.count, 1);
    assert_int_equal(run.result.skipped, 1);
    assert_string_equal(run.result.first_skip_reason, "entry[0]: no published or updated");
    adapter_result_free(&run.result);

    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT("{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":["
                        "\"not an object\",{\"id\":[1],\"content_text\":\"x\"}]}"));
    assert_int_equal(run.result.count, 0);
    assert_int_equal(run.result.skipped, 2);
    assert_string_equal(run.result.first_skip_reason, "items[0]: expected an object");
    adapter_result_free(&run.result);
}

static void a_hostile_value_in_a_reason_is_cut_and_cannot_forge_lines(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT(RSS("<item><guid>g</guid><pubDate>line one\r\nline two &#9; and a "
                            "great deal more text than any reason needs to show</pubDate>"
                            "</item>")));
    assert_int_equal(run.result.skipped, 1);
    const char *reason = run.result.first_skip_reason;
    assert_null(strchr(reason, '\n'));
    assert_null(strchr(reason, '\r'));
    assert_null(strchr(reason, '\t'));
    assert_non_null(strstr(reason, "...\" is not a date"));
    assert_true(strlen(reason) < 120);
    adapter_result_free(&run.result);
}

/* ---- Ids ------------------------------------------------------------------------------------- */

static void long_or_unplain_ids_are_hashed(void **state)
{
    (void)state;
    struct run run;
    char guid[201];
    memset(guid, 'a', 200);
    guid[200] = '\0';
    struct text body = {0};
    text_add(&body,
             RSS("<item><guid>%s</guid><pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate>"
                 "</item><item><guid>  post nomor 1 \xC3\xA9 </guid>"
                 "<pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate></item>"),
             guid);
    run_init(&run, FEED_URL);
    parse_ok(&run, body.data, body.len);
    assert_int_equal(run.result.count, 2);
    assert_hashed_id(post(&run, 0), guid, 200);
    /* Surrounding whitespace is not part of the id. */
    assert_hashed_id(post(&run, 1), "post nomor 1 \xC3\xA9", strlen("post nomor 1 \xC3\xA9"));
    adapter_result_free(&run.result);
    free(body.data);
}

static void item_without_id_takes_its_link_else_the_hash_of_its_bytes(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT(RSS("<item><link>https://x.example/p/1</link><pubDate>Fri, 05 Jan 2024 "
                            "10:00:00 GMT</pubDate></item><item><title>only a title</title>"
                            "<pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate></item>")));
    assert_int_equal(run.result.count, 2);
    assert_string_equal(post(&run, 0)->id, "feed:https://x.example/p/1");
    const struct post_message *anonymous = post(&run, 1);
    assert_hashed_id(anonymous, anonymous->raw, anonymous->raw_len);
    adapter_result_free(&run.result);
}

/* ---- Media and links --------------------------------------------------------------------------
 */

static void media_alt_comes_from_media_description_or_title_and_urls_are_checked(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run,
             TEXT("<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel>"
                  "<item><guid>g</guid><pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate>"
                  "<media:content url=\"https://m.example/a.jpg\" medium=\"image\">"
                  "<media:description type=\"html\">Poster &lt;b&gt;paslon&lt;/b&gt;"
                  "</media:description></media:content>"
                  "<media:content url=\"https://m.example/b.mp4\" type=\"video/mp4\">"
                  "<media:title>Klip</media:title></media:content>"
                  "<media:content url=\"javascript:alert(1)\" medium=\"image\"/>"
                  "<media:content url=\"https://m.example/a.jpg\" medium=\"image\"/>"
                  "<media:content medium=\"image\"/>"
                  "<enclosure url=\"data:image/png;base64,AAAA\" type=\"image/png\"/>"
                  "<media:content url=\"https://m.example/c.bin\"/>"
                  "</item></channel></rss>"));
    const struct post_message *message = post(&run, 0);
    assert_int_equal(message->media_count, 3);
    assert_media(message, 0, "image", "https://m.example/a.jpg", "Poster paslon");
    assert_media(message, 1, "video", "https://m.example/b.mp4", "Klip");
    assert_media(message, 2, "unknown", "https://m.example/c.bin", NULL);
    assert_int_equal(message->links.count, 0);
    adapter_result_free(&run.result);
}

static void url_schemes_come_out_lowercase_and_only_http_urls_are_kept(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT(RSS("<item><guid>g1</guid><link>HTTPS://Feeds.Example/P/1</link>"
                            "<pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate></item>"
                            "<item><guid>g2</guid><link>javascript:alert(1)</link>"
                            "<pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate></item>")));
    assert_string_equal(post(&run, 0)->url, "https://Feeds.Example/P/1");
    assert_null(post(&run, 1)->url);
    assert_int_equal(post(&run, 1)->links.count, 0);
    adapter_result_free(&run.result);
}

/* ---- Empty feeds, the cursor, rescans -------------------------------------------------------- */

static void empty_feeds_give_no_posts_and_keep_the_cursor(void **state)
{
    (void)state;
    static const char *const empty[] = {
        RSS(""),
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed>",
        "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"t\",\"items\":[]}",
    };
    for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
        struct run run;
        run_init(&run, FEED_URL);
        run.context.cursor = "2024-01-01T00:00:00Z";
        parse_ok(&run, empty[i], strlen(empty[i]));
        assert_int_equal(run.result.count, 0);
        assert_int_equal(run.result.skipped, 0);
        assert_null(run.result.new_cursor);
        adapter_result_free(&run.result);
    }
}

static void whole_window_is_returned_whatever_the_cursor(void **state)
{
    (void)state;
    struct run run;
    /* Older items still come back (dedup decides): an RSS edit keeps its old date. */
    run_init(&run, FEED_URL);
    run.context.cursor = "2024-01-06T08:30:12Z";
    parse_fixture(&run, "youtube.atom");
    assert_int_equal(run.result.count, 2);
    assert_null(run.result.new_cursor);
    adapter_result_free(&run.result);

    /* A cursor far ahead (an item once dated in the future) never hides newer posts and never
     * moves back. */
    run_init(&run, FEED_URL);
    run.context.cursor = "2099-01-01T00:00:00Z";
    parse_fixture(&run, "youtube.atom");
    assert_int_equal(run.result.count, 2);
    assert_null(run.result.new_cursor);
    adapter_result_free(&run.result);
}

static void cursor_moves_to_the_newest_item_time(void **state)
{
    (void)state;
    static const char *const older[] = {"", "2024-01-01T00:00:00Z", "not a time"};
    for (size_t i = 0; i < sizeof(older) / sizeof(older[0]); i++) {
        struct run run;
        run_init(&run, FEED_URL);
        run.context.cursor = older[i];
        parse_fixture(&run, "youtube.atom");
        assert_string_equal(run.result.new_cursor, "2024-01-06T08:30:12Z");
        assert_null(run.result.next_page);
        adapter_result_free(&run.result);
    }
}

static void rescan_keeps_items_published_or_updated_since_and_leaves_the_cursor(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    run.context.cursor = "2020-01-01T00:00:00Z";
    run.context.since_s = JAN_5_2024;
    parse_fixture(&run, "youtube.atom");
    assert_int_equal(run.result.count, 1);
    assert_int_equal(run.result.skipped, 0);
    assert_string_equal(post(&run, 0)->id, "feed:yt:video:Vid0000001a");
    assert_null(run.result.new_cursor);
    assert_null(run.result.next_page);
    adapter_result_free(&run.result);

    /* Published before since_s but updated after: the edit is in the rescan's period. */
    run_init(&run, FEED_URL);
    run.context.since_s = JAN_5_2024 + 86400 * 2 + 13 * 3600;
    parse_fixture(&run, "threads.json");
    assert_int_equal(run.result.count, 1);
    assert_string_equal(post(&run, 0)->id, "feed:123456789");
    adapter_result_free(&run.result);
}

/* ---- Format detection and malformed bodies ------------------------------------------------ */

static void format_comes_from_the_body_not_the_content_type(void **state)
{
    (void)state;
    struct run run;
    size_t len;
    char *body = adapter_test_fixture("feed", "threads.json", &len);
    run_init(&run, FEED_URL);
    assert_int_equal(run_parse(&run, body, len, "text/html; charset=utf-8"), 0);
    assert_int_equal(run.result.count, 2);
    adapter_result_free(&run.result);
    free(body);

    static const char bom_json[] = "\xEF\xBB\xBF \n{\"version\":\"https://jsonfeed.org/version/1\","
                                   "\"items\":[{\"id\":\"1\",\"content_text\":\"x\","
                                   "\"date_published\":\"2024-01-05T00:00:00Z\"}]}";
    run_init(&run, FEED_URL);
    assert_int_equal(run_parse(&run, TEXT(bom_json), "application/rss+xml"), 0);
    assert_int_equal(run.result.count, 1);
    adapter_result_free(&run.result);

    static const char bom_rss[] =
        "\xEF\xBB\xBF" RSS(RSS_ITEM("g", "Fri, 05 Jan 2024 10:00:00 GMT", "x"));
    run_init(&run, FEED_URL);
    assert_int_equal(run_parse(&run, TEXT(bom_rss), "application/json"), 0);
    assert_int_equal(run.result.count, 1);
    adapter_result_free(&run.result);
}

static void malformed_xml_is_refused_naming_line_and_column(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    const char *err =
        parse_fails(&run, TEXT("<rss>\n<channel>\n<item><title>x</titel>"), "application/rss+xml");
    assert_non_null(strstr(err, "feed: XML line 3, column "));
    assert_non_null(strstr(err, "Content-Type \"application/rss+xml\""));
    assert_null(strchr(err, '\n'));
}

static void malformed_json_is_refused_naming_the_byte_and_line(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    const char *err =
        parse_fails(&run,
                    TEXT("{\"version\":\"https://jsonfeed.org/version/1.1\",\n\"items\":"
                         "[{\"id\":1,}]}"),
                    NULL);
    assert_string_equal(err, "feed: JSON Feed: not valid JSON near byte 65 (line 2)");
}

static void bodies_that_are_no_feed_are_refused_saying_what_they_are(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *reason;
    } cases[] = {
        {"", "feed: empty body"},
        {" \r\n\t", "feed: empty body"},
        {"<!DOCTYPE html><html><head><title>Masuk</title></head><body>Login</body></html>",
         "feed: XML root element <html> (namespace \"\") is neither RSS <rss> nor Atom 1.0 "
         "<feed> (Content-Type \"text/html\")"},
        {"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/>",
         "feed: XML root element <RDF> (namespace "
         "\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\") is neither RSS <rss> nor Atom 1.0 "
         "<feed> (Content-Type \"text/html\")"},
        {"<feed xmlns=\"http://purl.org/atom/ns#\"/>",
         "feed: XML root element <feed> (namespace \"http://purl.org/atom/ns#\") is neither RSS "
         "<rss> nor Atom 1.0 <feed> (Content-Type \"text/html\")"},
        {"<rss version=\"2.0\"></rss>", "feed: RSS: <rss> has no <channel> (Content-Type "
                                        "\"text/html\")"},
        {"[1,2]", "feed: JSON Feed: the top level is not an object (Content-Type \"text/html\")"},
        {"{\"items\":[]}", "feed: JSON Feed: \"version\" is missing or not a string "
                           "(Content-Type \"text/html\")"},
        {"{\"version\":\"https://example.com/version/9\",\"items\":[]}",
         "feed: JSON Feed: version \"https://example.com/version/9\" is not "
         "https://jsonfeed.org/version/1.1 or /1 (Content-Type \"text/html\")"},
        {"{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":{}}",
         "feed: JSON Feed: \"items\" is missing or not an array (Content-Type \"text/html\")"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run run;
        run_init(&run, FEED_URL);
        const char *content_type =
            cases[i].body[0] == '\0' || cases[i].body[0] == ' ' ? NULL : "text/html";
        assert_string_equal(parse_fails(&run, cases[i].body, strlen(cases[i].body), content_type),
                            cases[i].reason);
    }
}

static void json_with_a_raw_nul_byte_is_refused(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    const char *err = parse_fails(
        &run, TEXT("{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[\"a\0b\"]}"),
        NULL);
    assert_string_equal(err, "feed: JSON Feed: NUL byte at offset 57 (line 1)");
}

/* ---- Hostile XML and sizes --------------------------------------------------------------- */

static void entity_declarations_are_refused_so_no_bomb_expands(void **state)
{
    (void)state;
    static const char *const bombs[] = {
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c "
        "\"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e "
        "\"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g "
        "\"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
        "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\"><!ENTITY i "
        "\"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">"
        "]>" RSS("<item><guid>g</guid><pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate>"
                 "<title>&i;</title></item>"),
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>" RSS(
            "<item><guid>g</guid><pubDate>Fri, 05 Jan 2024 10:00:00 GMT</pubDate>"
            "<title>&xxe;</title></item>"),
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY % p SYSTEM \"http://127.0.0.1:9/x\"> "
        "%p;]>" RSS(""),
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!NOTATION n SYSTEM \"x\"><!ENTITY u SYSTEM "
        "\"http://127.0.0.1:9/u\" NDATA n>]>" RSS(""),
    };
    for (size_t i = 0; i < sizeof(bombs) / sizeof(bombs[0]); i++) {
        struct run run;
        clock_t start = clock();
        run_init(&run, FEED_URL);
        const char *err = parse_fails(&run, bombs[i], strlen(bombs[i]), NULL);
        assert_non_null(strstr(err, "declares an entity"));
        assert_true(clock() - start < CLOCKS_PER_SEC);
    }
}

static void a_doctype_without_entities_is_read_and_unknown_entities_dropped(void **state)
{
    (void)state;
    struct run run;
    run_init(&run, FEED_URL);
    parse_ok(&run, TEXT("<?xml version=\"1.0\"?><!DOCTYPE rss PUBLIC \"-//Netscape "
                        "Communications//DTD RSS 0.91//EN\" "
                        "\"http://my.netscape.com/publish/formats/rss-0.91.dtd\">" RSS(
                            "<item><guid>g</guid><pubDate>Fri, 05 Jan 2024 10:00:00 GMT"
                            "</pubDate><title>a&nbsp;b</title></item>")));
    assert_int_equal(run.result.count, 1);
    assert_string_equal(post(&run, 0)->text, "ab");
    adapter_result_free(&run.result);
}

static void deeply_nested_bodies_are_refused_without_exhausting_the_stack(void **state)
{
    (void)state;
    struct run run;
    struct text xml = {0}, json = {0};
    text_add(&xml, "<rss><channel><item>");
    for (int i = 0; i < 100000; i++)
        text_add(&xml, "<x>");
    run_init(&run, FEED_URL);
    assert_non_null(strstr(parse_fails(&run, xml.data, xml.len, NULL), "depth"));

    text_add(&json, "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[{\"id\":\"1\","
                    "\"x\":");
    for (int i = 0; i < 100000; i++)
        text_add(&json, "[");
    run_init(&run, FEED_URL);
    assert_non_null(strstr(parse_fails(&run, json.data, json.len, NULL), "not valid JSON"));
    free(xml.data);
    free(json.data);
}

static void nesting_inside_an_item_within_limits_still_reads(void **state)
{
    (void)state;
    struct run run;
    struct text body = {0};
    text_add(&body, "<rss><channel><item><guid>g</guid><pubDate>Fri, 05 Jan 2024 10:00:00 GMT"
                    "</pubDate><extra>");
    for (int i = 0; i < 200; i++)
        text_add(&body, "<x>");
    text_add(&body, "deep");
    for (int i = 0; i < 200; i++)
        text_add(&body, "</x>");
    text_add(&body, "</extra></item></channel></rss>");
    run_init(&run, FEED_URL);
    parse_ok(&run, body.data, body.len);
    assert_int_equal(run.result.count, 1);
    assert_raw_contains(post(&run, 0), "deep");
    adapter_result_free(&run.result);
    free(body.data);
}

static void oversized_body_is_refused_before_parsing(void **state)
{
    (void)state;
    struct run run;
    size_t len = 16 * 1024 * 1024 + 1;
    char *body = calloc(1, len);
    assert_non_null(body);
    run_init(&run, FEED_URL);
    assert_string_equal(parse_fails(&run, body, len, NULL),
                        "feed: body is 16777217 bytes (limit 16777216)");
    free(body);
}

static void items_beyond_the_per_feed_cap_are_skipped_and_counted(void **state)
{
    (void)state;
    struct run run;
    struct text body = {0};
    text_add(&body, "<rss><channel>");
    for (int i = 0; i < 1005; i++)
        text_add(&body, RSS_ITEM("g%d", "Fri, 05 Jan 2024 10:00:00 GMT", "post %d"), i, i);
    text_add(&body, "</channel></rss>");
    run_init(&run, FEED_URL);
    parse_ok(&run, body.data, body.len);
    assert_int_equal(run.result.count, 1000);
    assert_int_equal(run.result.skipped, 5);
    assert_string_equal(run.result.first_skip_reason,
                        "item[1000]: beyond the first 1000 items read from one feed");
    assert_string_equal(post(&run, 999)->id, "feed:g999");
    adapter_result_free(&run.result);
    free(body.data);
}

static void huge_text_is_cut_on_a_character_boundary_and_raw_keeps_it_all(void **state)
{
    (void)state;
    struct run run;
    struct text body = {0};
    text_add(&body, "<rss><channel><item><guid>g</guid><pubDate>Fri, 05 Jan 2024 10:00:00 GMT"
                    "</pubDate><description>");
    for (int i = 0; i < 200000; i++)
        text_add(&body, "\xC3\xA9 ");
    text_add(&body, "</description></item></channel></rss>");
    run_init(&run, FEED_URL);
    parse_ok(&run, body.data, body.len);
    const struct post_message *message = post(&run, 0);
    size_t len = strlen(message->text);
    assert_true(len <= 256 * 1024 && len > 255 * 1024);
    assert_true(((unsigned char)message->text[len - 1] & 0xC0) != 0xC0);
    assert_true(message->raw_len > 600000);
    char *json = post_message_to_json(message);
    assert_non_null(json);
    assert_true(strlen(json) < POST_MESSAGE_MAX_JSON_BYTES);
    free(json);
    adapter_result_free(&run.result);
    free(body.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_is_a_get_of_the_feed_url_accepting_every_feed_format),
        cmocka_unit_test(request_never_sends_the_platform_token_to_a_feed_host),
        cmocka_unit_test(request_refuses_a_handle_that_is_not_an_http_url),
        cmocka_unit_test(request_refuses_a_page_because_feeds_have_none),
        cmocka_unit_test(youtube_entries_become_posts_with_video_thumbnail_and_description),
        cmocka_unit_test(atom_text_constructs_html_xhtml_and_text_become_plain_text),
        cmocka_unit_test(atom_entry_without_published_is_dated_by_updated),
        cmocka_unit_test(atom_entry_with_only_a_youtube_video_id_gets_that_id),
        cmocka_unit_test(rsshub_item_decodes_escaped_html_and_drops_a_title_that_repeats_the_text),
        cmocka_unit_test(
            wordpress_item_prefers_full_content_and_reads_creator_categories_and_media),
        cmocka_unit_test(rss_guid_is_the_url_when_it_is_a_permalink_and_there_is_no_link),
        cmocka_unit_test(rss_in_a_legacy_encoding_comes_out_as_utf8),
        cmocka_unit_test(rss_entities_and_numeric_references_are_decoded_once),
        cmocka_unit_test(rss_empty_full_content_falls_back_to_the_description),
        cmocka_unit_test(json_feed_items_become_posts),
        cmocka_unit_test(json_feed_1_0_with_a_single_author_object_is_read),
        cmocka_unit_test(json_lone_surrogates_and_escaped_nul_become_replacement_characters),
        cmocka_unit_test(json_item_with_invalid_utf8_text_is_skipped_and_the_rest_kept),
        cmocka_unit_test(bad_items_are_skipped_and_counted_and_the_good_ones_kept),
        cmocka_unit_test(item_without_any_date_is_skipped_with_the_fields_it_lacks),
        cmocka_unit_test(a_hostile_value_in_a_reason_is_cut_and_cannot_forge_lines),
        cmocka_unit_test(long_or_unplain_ids_are_hashed),
        cmocka_unit_test(item_without_id_takes_its_link_else_the_hash_of_its_bytes),
        cmocka_unit_test(media_alt_comes_from_media_description_or_title_and_urls_are_checked),
        cmocka_unit_test(url_schemes_come_out_lowercase_and_only_http_urls_are_kept),
        cmocka_unit_test(empty_feeds_give_no_posts_and_keep_the_cursor),
        cmocka_unit_test(whole_window_is_returned_whatever_the_cursor),
        cmocka_unit_test(cursor_moves_to_the_newest_item_time),
        cmocka_unit_test(rescan_keeps_items_published_or_updated_since_and_leaves_the_cursor),
        cmocka_unit_test(format_comes_from_the_body_not_the_content_type),
        cmocka_unit_test(malformed_xml_is_refused_naming_line_and_column),
        cmocka_unit_test(malformed_json_is_refused_naming_the_byte_and_line),
        cmocka_unit_test(bodies_that_are_no_feed_are_refused_saying_what_they_are),
        cmocka_unit_test(json_with_a_raw_nul_byte_is_refused),
        cmocka_unit_test(entity_declarations_are_refused_so_no_bomb_expands),
        cmocka_unit_test(a_doctype_without_entities_is_read_and_unknown_entities_dropped),
        cmocka_unit_test(deeply_nested_bodies_are_refused_without_exhausting_the_stack),
        cmocka_unit_test(nesting_inside_an_item_within_limits_still_reads),
        cmocka_unit_test(oversized_body_is_refused_before_parsing),
        cmocka_unit_test(items_beyond_the_per_feed_cap_are_skipped_and_counted),
        cmocka_unit_test(huge_text_is_cut_on_a_character_boundary_and_raw_keeps_it_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
