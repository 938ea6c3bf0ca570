/* The helpers every adapter builds post messages with: hostile strings, HTML, platform times,
 * and tags and mentions in plain text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/log.h"
#include "crawler/adapters/post_build.h"

static char *html_text(const char *html)
{
    char *text = NULL;
    char err[NETRA_ERR_LEN];
    if (post_build_html_to_text(html, strlen(html), &text, err, sizeof(err)) != 0)
        fail_msg("refused %s: %s", html, err);
    return text;
}

static void assert_html_text(const char *html, const char *expected)
{
    char *text = html_text(html);
    assert_string_equal(text, expected);
    free(text);
}

static void html_paragraphs_and_breaks_become_lines(void **state)
{
    (void)state;
    assert_html_text("<p>Selamat pagi</p><p>Semangat kerja!</p>", "Selamat pagi\nSemangat kerja!");
    assert_html_text("<p>baris satu<br>baris dua<br/>baris tiga</p>",
                     "baris satu\nbaris dua\nbaris tiga");
    assert_html_text("<p>a</p>\n\n<p></p><p>b</p>", "a\nb");
    assert_html_text("", "");
    assert_html_text("plain words", "plain words");
}

static void html_entities_are_decoded_and_tags_dropped(void **state)
{
    (void)state;
    assert_html_text("<p>Tom &amp; Jerry &#39;97 &lt;3 &quot;ok&quot; &#x1F600;</p>",
                     "Tom & Jerry '97 <3 \"ok\" \xF0\x9F\x98\x80");
    assert_html_text("<p>Ikut <a href=\"https://x.example/tags/pemilu\" class=\"mention hashtag\">"
                     "#<span>pemilu</span></a> ya</p>",
                     "Ikut #pemilu ya");
    assert_html_text("<p>a<script>alert(1)</script>b<style>p{}</style></p>", "ab");
}

static void html_whitespace_collapses_like_a_browser(void **state)
{
    (void)state;
    assert_html_text("<p>  banyak \n\t  spasi   di sini  </p>", "banyak spasi di sini");
    assert_html_text("<ul><li>satu</li><li>dua</li></ul>", "satu\ndua");
}

static void html_that_is_not_utf8_is_refused(void **state)
{
    (void)state;
    char *text = NULL;
    char err[NETRA_ERR_LEN];
    assert_int_equal(post_build_html_to_text("<p>a\xff</p>", 8, &text, err, sizeof(err)), -1);
    assert_null(text);
    assert_string_equal(err, "HTML is not valid UTF-8 at byte 4");
}

static void deeply_nested_html_does_not_exhaust_the_stack(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *html = malloc(depth * 5 + 16);
    assert_non_null(html);
    size_t at = 0;
    for (size_t i = 0; i < depth; i++)
        at += (size_t)sprintf(html + at, "<div>");
    at += (size_t)sprintf(html + at, "deep");
    char *text = NULL;
    char err[NETRA_ERR_LEN];
    assert_int_equal(post_build_html_to_text(html, at, &text, err, sizeof(err)), 0);
    free(text);
    free(html);
}

static void assert_time(const char *text, const char *expected, long long expected_unix)
{
    char out[32];
    long long unix_s = 0;
    char err[NETRA_ERR_LEN];
    if (post_build_time(text, out, &unix_s, err, sizeof(err)) != 0)
        fail_msg("refused \"%s\": %s", text, err);
    assert_string_equal(out, expected);
    assert_int_equal(unix_s, expected_unix);
}

static void times_in_any_offset_become_utc(void **state)
{
    (void)state;
    assert_time("2024-01-05T10:00:00Z", "2024-01-05T10:00:00Z", 1704448800);
    assert_time("2024-01-05T17:00:00+07:00", "2024-01-05T10:00:00Z", 1704448800);
    assert_time("2024-01-05T17:00:00.123+0700", "2024-01-05T10:00:00Z", 1704448800);
    assert_time("2024-01-05T00:30:00-05:00", "2024-01-05T05:30:00Z", 1704432600);
    assert_time("2024-01-01T03:00:00+07:00", "2023-12-31T20:00:00Z", 1704052800);
    assert_time("2024-02-29T12:00:00.000Z", "2024-02-29T12:00:00Z", 1709208000);
    assert_time("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z", -1);
}

static void rss_times_are_read_too(void **state)
{
    (void)state;
    assert_time("Fri, 05 Jan 2024 17:00:00 +0700", "2024-01-05T10:00:00Z", 1704448800);
    assert_time("Fri, 05 Jan 2024 10:00:00 GMT", "2024-01-05T10:00:00Z", 1704448800);
    assert_time("5 Jan 2024 17:00 WIB", "2024-01-05T10:00:00Z", 1704448800);
    assert_time("Fri, 05 Jan 24 10:00:00 UT", "2024-01-05T10:00:00Z", 1704448800);
}

static void malformed_times_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "yesterday",
        "2024-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2024-01-05T24:00:00Z",
        "2024-01-05T10:00:00+25:00",
        "2024-01-05T10:00:00Zjunk",
        "2024-01-05",
        "Fri, 05 Foo 2024 10:00:00 GMT",
        "Fri, 05 Jan 2024 10:00:00 XYZ",
        "99999-01-05T10:00:00Z",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char out[32];
        char err[NETRA_ERR_LEN] = "";
        if (post_build_time(bad[i], out, NULL, err, sizeof(err)) == 0)
            fail_msg("accepted \"%s\" as %s", bad[i], out);
        assert_true(err[0] != '\0');
    }
}

static struct post_message *scanned(const char *text)
{
    struct post_message *message = post_message_new();
    char err[NETRA_ERR_LEN];
    assert_non_null(message);
    assert_int_equal(post_build_set(&message->text, text, err, sizeof(err)), 0);
    assert_int_equal(post_build_scan_text(message, err, sizeof(err)), 0);
    return message;
}

static void tags_and_mentions_are_found_in_plain_text(void **state)
{
    (void)state;
    struct post_message *m = scanned("Ayo #Pemilu2024 bersama @budi_s dan @rina@mastodon.example. "
                                     "#pemilu2024 #Pemilu2024 #1 https://x.example/#frag a#b "
                                     "mail@host.example #ÇaVa #coblos\xF0\x9F\x97\xB3");
    assert_int_equal(m->hashtags.count, 4);
    assert_string_equal(m->hashtags.items[0], "Pemilu2024");
    assert_string_equal(m->hashtags.items[1], "pemilu2024");
    assert_string_equal(m->hashtags.items[2], "ÇaVa");
    assert_string_equal(m->hashtags.items[3], "coblos");
    assert_int_equal(m->mentions.count, 2);
    assert_string_equal(m->mentions.items[0], "budi_s");
    assert_string_equal(m->mentions.items[1], "rina@mastodon.example");
    post_message_free(m);
}

static void lists_are_deduplicated_and_capped(void **state)
{
    (void)state;
    struct post_strings list = {0};
    char err[NETRA_ERR_LEN], item[32];
    for (int i = 0; i < POST_MESSAGE_MAX_LIST + 50; i++) {
        snprintf(item, sizeof(item), "tag%d", i % (POST_MESSAGE_MAX_LIST + 10));
        assert_int_equal(post_build_add_string(&list, item, err, sizeof(err)), 0);
    }
    assert_int_equal(list.count, POST_MESSAGE_MAX_LIST);
    assert_int_equal(post_build_add_string(&list, "\xC0\xAF", err, sizeof(err)), 0);
    for (size_t i = 0; i < list.count; i++)
        free(list.items[i]);
    free(list.items);
}

static void invalid_utf8_and_bad_ids_are_refused(void **state)
{
    (void)state;
    struct post_message *m = post_message_new();
    char err[NETRA_ERR_LEN];
    assert_int_equal(post_build_set(&m->text, "ok\xC3", err, sizeof(err)), -1);
    assert_string_equal(err, "invalid UTF-8 at byte 2");
    assert_int_equal(post_build_set_id(m, "x", "", err, sizeof(err)), -1);
    assert_int_equal(post_build_set_id(m, "x", "12 34", err, sizeof(err)), -1);
    assert_int_equal(post_build_set_id(m, "x", "1234", err, sizeof(err)), 0);
    assert_string_equal(m->id, "x:1234");
    assert_string_equal(m->platform, "x");
    assert_int_equal(post_build_add_media(m, "photo", "https://m.example/1.jpg", "foto", err,
                                          sizeof(err)),
                     0);
    assert_int_equal(post_build_add_media(m, "image", "https://m.example/2.jpg", "", err,
                                          sizeof(err)),
                     0);
    assert_string_equal(m->media[0].type, "unknown");
    assert_string_equal(m->media[0].alt, "foto");
    assert_null(m->media[1].alt);
    post_message_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_paragraphs_and_breaks_become_lines),
        cmocka_unit_test(html_entities_are_decoded_and_tags_dropped),
        cmocka_unit_test(html_whitespace_collapses_like_a_browser),
        cmocka_unit_test(html_that_is_not_utf8_is_refused),
        cmocka_unit_test(deeply_nested_html_does_not_exhaust_the_stack),
        cmocka_unit_test(times_in_any_offset_become_utc),
        cmocka_unit_test(rss_times_are_read_too),
        cmocka_unit_test(malformed_times_are_refused),
        cmocka_unit_test(tags_and_mentions_are_found_in_plain_text),
        cmocka_unit_test(lists_are_deduplicated_and_capped),
        cmocka_unit_test(invalid_utf8_and_bad_ids_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
