/* Per-account feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1) and the plain JSON API, as the
 * simulator serves them: their documented shapes (parsed with libxml2 and cJSON), conditional
 * GET (304), gzip, published posts showing up, jsonapi cursor paging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <zlib.h>

#include "sim_test.h"

struct fixture {
    struct sim *sim;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct sim_options options;
    sim_test_options(&options);
    options.world.accounts = 15; /* feeds acc-4 (rss), acc-9 (atom), acc-14 (json) */
    options.feed_items = 12;
    f->sim = sim_test_start(&options);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sim_test_stop(f->sim);
    free(f);
    xmlCleanupParser();
    return 0;
}

static struct http_response fetch(struct fixture *f, const char *path, const char *const *headers)
{
    char *url = sim_test_url(f->sim, path);
    struct http_options options = {.headers = headers};
    struct http_response r;
    http_do(url, &options, &r);
    free(url);
    assert_int_equal(r.result, CURLE_OK);
    return r;
}

struct xml {
    xmlDocPtr doc;
    xmlXPathContextPtr xpath;
};

static void xml_open(struct xml *x, const struct http_response *r)
{
    x->doc = xmlReadMemory(r->body, (int)r->len, "feed.xml", NULL, XML_PARSE_NONET);
    assert_non_null(x->doc);
    x->xpath = xmlXPathNewContext(x->doc);
    xmlXPathRegisterNs(x->xpath, BAD_CAST "content", BAD_CAST "http://purl.org/rss/1.0/modules/content/");
    xmlXPathRegisterNs(x->xpath, BAD_CAST "dc", BAD_CAST "http://purl.org/dc/elements/1.1/");
    xmlXPathRegisterNs(x->xpath, BAD_CAST "a", BAD_CAST "http://www.w3.org/2005/Atom");
    xmlXPathRegisterNs(x->xpath, BAD_CAST "yt", BAD_CAST "http://www.youtube.com/xml/schemas/2015");
    xmlXPathRegisterNs(x->xpath, BAD_CAST "media", BAD_CAST "http://search.yahoo.com/mrss/");
}

static void xml_close(struct xml *x)
{
    xmlXPathFreeContext(x->xpath);
    xmlFreeDoc(x->doc);
}

static int xml_count(struct xml *x, const char *path)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST path, x->xpath);
    assert_non_null(o);
    int n = o->nodesetval != NULL ? o->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(o);
    return n;
}

/* The string value of an XPath expression, a new string. */
static char *xml_text(struct xml *x, const char *path)
{
    char expr[512];
    snprintf(expr, sizeof(expr), "string(%s)", path);
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, x->xpath);
    assert_non_null(o);
    char *s = strdup((const char *)o->stringval);
    xmlXPathFreeObject(o);
    return s;
}

static void test_rss_shape(void **state)
{
    struct fixture *f = *state;
    struct http_response r = fetch(f, "/feed/acc-4.rss", NULL);
    assert_int_equal(r.status, 200);
    char *type = http_header(&r, "Content-Type");
    assert_non_null(strstr(type, "application/rss+xml"));
    free(type);
    struct xml x;
    xml_open(&x, &r);
    assert_int_equal(xml_count(&x, "/rss[@version='2.0']/channel"), 1);
    assert_int_equal(xml_count(&x, "/rss/channel/item"), 12);
    assert_int_equal(xml_count(&x, "/rss/channel/item[guid and link and pubDate and content:encoded and dc:creator and title and description]"), 12);
    char *date = xml_text(&x, "/rss/channel/item[1]/pubDate");
    assert_non_null(strstr(date, " +0700"));
    assert_int_equal(strlen(date), strlen("Wed, 14 Feb 2024 10:04:05 +0700"));
    free(date);
    char *guid = xml_text(&x, "/rss/channel/item[1]/guid");
    assert_int_equal(strncmp(guid, "https://www.instagram.com/p/", 28), 0);
    free(guid);
    /* The newest item first: it is the account's newest visible post in the ground truth. */
    cJSON *truth = sim_test_visible_ids(f->sim, "acc-4");
    char *first = xml_text(&x, "/rss/channel/item[1]/guid");
    char id[512];
    snprintf(id, sizeof(id), "feed:%s", first);
    assert_string_equal(cJSON_GetArrayItem(truth, cJSON_GetArraySize(truth) - 1)->valuestring, id);
    free(first);
    cJSON_Delete(truth);
    /* Photos come as enclosures, hashtags as categories. */
    assert_true(xml_count(&x, "/rss/channel/item/enclosure[@type='image/jpeg' and @url and @length]") +
                    xml_count(&x, "/rss/channel/item/category") > 0);
    xml_close(&x);
    http_response_free(&r);
}

static void test_atom_is_youtube_shaped(void **state)
{
    struct fixture *f = *state;
    struct http_response r = fetch(f, "/feed/acc-9.atom", NULL);
    assert_int_equal(r.status, 200);
    struct xml x;
    xml_open(&x, &r);
    assert_int_equal(xml_count(&x, "/a:feed/a:entry"), 12);
    assert_int_equal(xml_count(&x, "/a:feed/a:entry[a:id and yt:videoId and yt:channelId and a:published and a:updated and a:link[@rel='alternate']]"), 12);
    assert_int_equal(xml_count(&x, "/a:feed/a:entry/media:group[media:title and media:description and media:thumbnail]"), 12);
    char *id = xml_text(&x, "/a:feed/a:entry[1]/a:id");
    char *video = xml_text(&x, "/a:feed/a:entry[1]/yt:videoId");
    char expected[128];
    snprintf(expected, sizeof(expected), "yt:video:%s", video);
    assert_string_equal(id, expected);
    char *published = xml_text(&x, "/a:feed/a:entry[1]/a:published");
    assert_non_null(strstr(published, "+07:00"));
    free(id);
    free(video);
    free(published);
    xml_close(&x);
    http_response_free(&r);
}

static void test_json_feed_shape(void **state)
{
    struct fixture *f = *state;
    cJSON *doc = sim_test_get_json(f->sim, "/feed/acc-14.json", 200);
    assert_string_equal(json_string(doc, "version"), "https://jsonfeed.org/version/1.1");
    json_string(doc, "title");
    cJSON *items = cJSON_GetObjectItem(doc, "items");
    assert_int_equal(cJSON_GetArraySize(items), 12);
    cJSON *item;
    cJSON_ArrayForEach(item, items)
    {
        json_string(item, "id");
        json_string(item, "url");
        json_string(item, "content_html");
        json_string(item, "content_text");
        assert_non_null(strstr(json_string(item, "date_published"), "+07:00"));
        cJSON *attachment = cJSON_GetArrayItem(cJSON_GetObjectItem(item, "attachments"), 0);
        if (attachment != NULL) {
            assert_string_equal(json_string(attachment, "mime_type"), "image/jpeg");
            assert_true(strlen(json_string(attachment, "title")) > 0);
        }
    }
    cJSON_Delete(doc);
}

static void test_conditional_get(void **state)
{
    struct fixture *f = *state;
    struct http_response r = fetch(f, "/feed/acc-4.rss", NULL);
    char *etag = http_header(&r, "ETag");
    char *modified = http_header(&r, "Last-Modified");
    assert_non_null(etag);
    assert_non_null(modified);
    assert_non_null(strstr(modified, " GMT"));
    http_response_free(&r);

    char h1[256], h2[256];
    snprintf(h1, sizeof(h1), "If-None-Match: %s", etag);
    const char *match[] = {h1, NULL};
    r = fetch(f, "/feed/acc-4.rss", match);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.len, 0);
    http_response_free(&r);

    const char *other[] = {"If-None-Match: \"something-else\"", NULL};
    r = fetch(f, "/feed/acc-4.rss", other);
    assert_int_equal(r.status, 200);
    http_response_free(&r);

    snprintf(h2, sizeof(h2), "If-Modified-Since: %s", modified);
    const char *since[] = {h2, NULL};
    r = fetch(f, "/feed/acc-4.rss", since);
    assert_int_equal(r.status, 304);
    http_response_free(&r);

    const char *old[] = {"If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT", NULL};
    r = fetch(f, "/feed/acc-4.rss", old);
    assert_int_equal(r.status, 200);
    http_response_free(&r);

    /* A new post changes both validators. */
    cJSON *made = sim_test_post_json(f->sim, "/_sim/publish",
                                     "{\"account\":\"acc-4\",\"text\":\"Foto baru dari kegiatan hari ini #kegiatan\"}", 201);
    r = fetch(f, "/feed/acc-4.rss", match);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, json_string(made, "native_id")));
    assert_non_null(strstr(r.body, "<category>kegiatan</category>"));
    char *etag2 = http_header(&r, "ETag");
    assert_string_not_equal(etag, etag2);
    http_response_free(&r);
    r = fetch(f, "/feed/acc-4.rss", since);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    cJSON_Delete(made);
    free(etag);
    free(etag2);
    free(modified);
}

static void test_gzip_when_asked(void **state)
{
    struct fixture *f = *state;
    const char *gzip[] = {"Accept-Encoding: gzip", NULL};
    struct http_response plain = fetch(f, "/feed/acc-9.atom", NULL);
    struct http_response packed = fetch(f, "/feed/acc-9.atom", gzip);
    char *encoding = http_header(&packed, "Content-Encoding");
    assert_string_equal(encoding, "gzip");
    free(encoding);
    assert_null(http_header(&plain, "Content-Encoding"));
    assert_true(packed.len < plain.len);
    assert_int_equal((unsigned char)packed.body[0], 0x1f);
    assert_int_equal((unsigned char)packed.body[1], 0x8b);
    /* It inflates to exactly the plain body. */
    char *out = malloc(plain.len + 1);
    z_stream zs = {0};
    assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = (Bytef *)packed.body;
    zs.avail_in = (uInt)packed.len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)plain.len + 1;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.total_out, plain.len);
    assert_memory_equal(out, plain.body, plain.len);
    inflateEnd(&zs);
    free(out);
    http_response_free(&plain);
    http_response_free(&packed);

    /* Also for platform JSON, and undone transparently by a client that asks. */
    char *url = sim_test_url(f->sim, "/jsonapi/accounts/x/posts");
    struct http_options decode = {.decode = 1};
    struct http_response r;
    http_do(url, &decode, &r);
    assert_int_equal(r.status, 404);
    cJSON *doc = http_json(&r);
    cJSON_Delete(doc);
    http_response_free(&r);
    free(url);
}

static void test_unknown_feed_is_404(void **state)
{
    struct fixture *f = *state;
    struct http_response r = fetch(f, "/feed/acc-999.rss", NULL);
    assert_int_equal(r.status, 404);
    http_response_free(&r);
    r = fetch(f, "/feed/acc-1.rss", NULL); /* acc-1 is on Mastodon */
    assert_int_equal(r.status, 404);
    http_response_free(&r);
    r = fetch(f, "/feed/acc-4.txt", NULL);
    assert_int_equal(r.status, 404);
    http_response_free(&r);
}

static void test_jsonapi_pages_through_everything_once(void **state)
{
    struct fixture *f = *state;
    cJSON *accounts = sim_test_get_json(f->sim, "/_sim/accounts", 200);
    cJSON *account = cJSON_GetArrayItem(cJSON_GetObjectItem(accounts, "accounts"), 4); /* acc-5 */
    assert_string_equal(json_string(account, "platform"), "jsonapi");
    cJSON *truth = sim_test_visible_ids(f->sim, "acc-5");
    cJSON *seen = cJSON_CreateArray();
    char cursor[64] = "";
    for (int pages = 0;; pages++) {
        assert_true(pages < 100);
        char path[256];
        snprintf(path, sizeof(path), "/jsonapi/accounts/%s/posts?cursor=%s",
                 json_string(account, "handle"), cursor);
        cJSON *doc = sim_test_get_json(f->sim, path, 200);
        cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, "data"))
        {
            char id[128];
            snprintf(id, sizeof(id), "jsonapi:%s", json_string(item, "id"));
            assert_false(json_array_has(seen, id));
            cJSON_AddItemToArray(seen, cJSON_CreateString(id));
            json_string(item, "body");
            assert_non_null(strstr(json_string(item, "created"), "+07:00"));
            json_string(item, "permalink");
            json_string(cJSON_GetObjectItem(item, "user"), "name");
        }
        cJSON *next = cJSON_GetObjectItem(doc, "next_cursor");
        if (cJSON_IsNull(next)) {
            cJSON_Delete(doc);
            break;
        }
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "data")), 20);
        snprintf(cursor, sizeof(cursor), "%s", json_string(doc, "next_cursor"));
        cJSON_Delete(doc);
    }
    assert_int_equal(cJSON_GetArraySize(seen), cJSON_GetArraySize(truth));
    cJSON *id;
    cJSON_ArrayForEach(id, truth)
    {
        assert_true(json_array_has(seen, id->valuestring));
    }
    cJSON *e = sim_test_get_json(f->sim, "/jsonapi/accounts/portal-0/posts", 404);
    cJSON_Delete(e);
    char path[256];
    snprintf(path, sizeof(path), "/jsonapi/accounts/%s/posts?cursor=abc", json_string(account, "handle"));
    e = sim_test_get_json(f->sim, path, 400);
    cJSON_Delete(e);
    cJSON_Delete(seen);
    cJSON_Delete(truth);
    cJSON_Delete(accounts);
}

/* A window wider than the history lists every visible post, newest first. */
static void test_wide_feed_lists_everything_newest_first(void **state)
{
    (void)state;
    struct sim_options options;
    sim_test_options(&options);
    options.world.accounts = 15;
    options.feed_items = 1000;
    struct sim *sim = sim_test_start(&options);
    cJSON *truth = sim_test_visible_ids(sim, "acc-14");
    cJSON *doc = sim_test_get_json(sim, "/feed/acc-14.json", 200);
    cJSON *items = cJSON_GetObjectItem(doc, "items");
    int n = cJSON_GetArraySize(truth);
    assert_int_equal(cJSON_GetArraySize(items), n);
    for (int i = 0; i < n; i++) {
        char id[512];
        snprintf(id, sizeof(id), "feed:%s", json_string(cJSON_GetArrayItem(items, i), "id"));
        assert_string_equal(id, cJSON_GetArrayItem(truth, n - 1 - i)->valuestring);
    }
    cJSON_Delete(doc);
    cJSON_Delete(truth);
    sim_test_stop(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rss_shape),
        cmocka_unit_test(test_atom_is_youtube_shaped),
        cmocka_unit_test(test_json_feed_shape),
        cmocka_unit_test(test_conditional_get),
        cmocka_unit_test(test_gzip_when_asked),
        cmocka_unit_test(test_unknown_feed_is_404),
        cmocka_unit_test(test_jsonapi_pages_through_everything_once),
        cmocka_unit_test(test_wide_feed_lists_everything_newest_first),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
