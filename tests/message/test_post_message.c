/* The post message codec: what crawlers write is what workers read, hostile bytes are refused
 * with the field named, and the content hash changes exactly when what a reader sees changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <zlib.h>

#include "config/log.h"
#include "queue/post_message.h"

#define MIB (1024L * 1024)

/* ---- helpers ---- */

static char *copy_string(const char *s)
{
    char *copy = strdup(s);
    assert_non_null(copy);
    return copy;
}

static void add_string(struct post_strings *list, const char *s)
{
    char **items = realloc(list->items, (list->count + 1) * sizeof(char *));
    assert_non_null(items);
    list->items = items;
    list->items[list->count++] = copy_string(s);
}

static struct post_message *decode_len(const char *json, size_t len)
{
    char err[NETRA_ERR_LEN] = "";
    struct post_message *message = NULL;
    if (post_message_from_json(json, len, &message, err, sizeof(err)) != 0)
        fail_msg("refused %.200s: %s", json, err);
    assert_non_null(message);
    return message;
}

static struct post_message *decode(const char *json)
{
    return decode_len(json, strlen(json));
}

static void expect_refused_len(const char *json, size_t len, const char *expected)
{
    char err[NETRA_ERR_LEN] = "";
    struct post_message *message = (struct post_message *)&err; /* must be reset to NULL */
    if (post_message_from_json(json, len, &message, err, sizeof(err)) == 0)
        fail_msg("accepted %.200s, expected an error containing '%s'", json, expected);
    assert_null(message);
    if (strstr(err, expected) == NULL)
        fail_msg("%.200s: error '%s' does not contain '%s'", json, err, expected);
}

static void expect_refused(const char *json, const char *expected)
{
    expect_refused_len(json, strlen(json), expected);
}

struct refusal {
    const char *json;
    const char *expected;
};

static void expect_all_refused(const struct refusal *cases, size_t count)
{
    for (size_t i = 0; i < count; i++)
        expect_refused(cases[i].json, cases[i].expected);
}

static void assert_same_string(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void assert_same_strings(const struct post_strings *a, const struct post_strings *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++)
        assert_string_equal(a->items[i], b->items[i]);
}

/* Everything the JSON carries; raw bytes travel beside it. */
static void assert_messages_equal(const struct post_message *a, const struct post_message *b)
{
    assert_same_string(a->id, b->id);
    assert_same_string(a->platform, b->platform);
    assert_same_string(a->account, b->account);
    assert_same_string(a->author, b->author);
    assert_same_string(a->url, b->url);
    assert_same_string(a->created_at, b->created_at);
    assert_same_string(a->fetched_at, b->fetched_at);
    assert_int_equal(a->kind, b->kind);
    assert_same_string(a->text, b->text);
    assert_same_strings(&a->hashtags, &b->hashtags);
    assert_same_strings(&a->mentions, &b->mentions);
    assert_same_strings(&a->links, &b->links);
    assert_int_equal(a->media_count, b->media_count);
    for (size_t i = 0; i < a->media_count; i++) {
        assert_same_string(a->media[i].type, b->media[i].type);
        assert_same_string(a->media[i].url, b->media[i].url);
        assert_same_string(a->media[i].alt, b->media[i].alt);
    }
    assert_same_string(a->repost_of.author, b->repost_of.author);
    assert_same_string(a->repost_of.url, b->repost_of.url);
    assert_same_string(a->repost_of.text, b->repost_of.text);
    assert_same_string(a->lang, b->lang);
    assert_same_string(a->region, b->region);
    assert_same_string(a->rescan, b->rescan);
    assert_string_equal(a->sha256, b->sha256);
}

static const char raw_page[] = "{\"id\":\"111\",\"content\":\"<p>Ayo coblos!</p>\",\"likes\":12}";

static struct post_message *full_message(void)
{
    struct post_message *message = post_message_new();
    assert_non_null(message);
    message->id = copy_string("mastodon:111");
    message->platform = copy_string("mastodon");
    message->account = copy_string("asn-0042");
    message->author = copy_string("budi@mastodon.social");
    message->url = copy_string("https://mastodon.social/@budi/111");
    message->created_at = copy_string("2024-01-05T10:00:00Z");
    message->fetched_at = copy_string("2024-01-05T10:03:12.481Z");
    message->kind = POST_KIND_QUOTE;
    message->text = copy_string("Ayo coblos! \"nomor 2\"\n\\ \xE2\x9C\x8C\xEF\xB8\x8F");
    add_string(&message->hashtags, "Pemilu2024");
    add_string(&message->hashtags, "Coblos");
    add_string(&message->mentions, "relawan");
    add_string(&message->links, "https://example.org/a?b=1&c=2");
    message->media = calloc(2, sizeof(struct post_media));
    assert_non_null(message->media);
    message->media_count = 2;
    message->media[0].type = copy_string("image");
    message->media[0].url = copy_string("https://files.example/a.jpg");
    message->media[0].alt = copy_string("Dua jari");
    message->media[1].type = copy_string("video");
    message->media[1].url = copy_string("https://files.example/b.mp4");
    message->repost_of.author = copy_string("timses");
    message->repost_of.url = copy_string("https://mastodon.social/@timses/99");
    message->repost_of.text = copy_string("Pilih nomor 2");
    message->lang = copy_string("id");
    message->region = copy_string("Jawa Tengah");
    message->rescan = copy_string("rescan-7");
    assert_int_equal(post_message_set_raw(message, raw_page, strlen(raw_page)), 0);
    return message;
}

static struct post_message *round_trip(const struct post_message *message)
{
    char *json = post_message_to_json(message);
    assert_non_null(json);
    struct post_message *decoded = decode(json);
    free(json);
    return decoded;
}

static void content_hash_of(const char *json, char out[65])
{
    struct post_message *message = decode(json);
    post_message_content_hash(message, out);
    assert_int_equal(strlen(out), 64);
    post_message_free(message);
}

/* Deflates `total` zero bytes in pieces, so the bomb never exists inflated in this process. */
static unsigned char *deflate_zeros(size_t total, size_t *out_len)
{
    static const unsigned char zeros[64 * 1024];
    z_stream stream;
    size_t capacity = 4 * MIB;
    unsigned char *out = malloc(capacity);
    assert_non_null(out);
    memset(&stream, 0, sizeof(stream));
    assert_int_equal(deflateInit(&stream, Z_BEST_COMPRESSION), Z_OK);
    stream.next_out = out;
    stream.avail_out = (uInt)capacity;
    for (size_t fed = 0; fed < total; fed += sizeof(zeros)) {
        stream.next_in = (Bytef *)zeros;
        stream.avail_in = sizeof(zeros);
        assert_int_equal(deflate(&stream, Z_NO_FLUSH), Z_OK);
        assert_int_equal(stream.avail_in, 0);
    }
    assert_int_equal(deflate(&stream, Z_FINISH), Z_STREAM_END);
    *out_len = capacity - stream.avail_out;
    deflateEnd(&stream);
    return out;
}

static long peak_rss_bytes(void)
{
    struct rusage usage;
    assert_int_equal(getrusage(RUSAGE_SELF, &usage), 0);
    return usage.ru_maxrss * 1024L;
}

/* ---- raw bytes ---- */

/* First in the suite, so the peak RSS it compares against is not already raised by other tests. */
static void inflate_refuses_a_bomb_without_allocating_it(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN] = "";
    size_t bomb_len;
    unsigned char *bomb = deflate_zeros((size_t)(100 * MIB), &bomb_len);
    unsigned char *out = (unsigned char *)err;
    size_t out_len = 99;

    long peak_before = peak_rss_bytes();
    assert_int_equal(post_raw_inflate(bomb, bomb_len, (size_t)MIB, &out, &out_len, err,
                                      sizeof(err)),
                     -1);
    long grown = peak_rss_bytes() - peak_before;
    assert_null(out);
    assert_int_equal(out_len, 0);
    assert_non_null(strstr(err, "over the limit"));
    if (grown > 32 * MIB)
        fail_msg("inflating a 100 MiB bomb with a 1 MiB limit raised the peak RSS by %ld bytes",
                 grown);
    free(bomb);
}

static void deflate_inflate_round_trip(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    size_t len = 300000;
    unsigned char *raw = malloc(len);
    assert_non_null(raw);
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u; /* poorly compressible, so the output buffer must grow */
        raw[i] = i % 3 == 0 ? (unsigned char)(x >> 24) : (unsigned char)raw_page[i % 50];
    }
    unsigned char *deflated, *inflated;
    size_t deflated_len, inflated_len;
    assert_int_equal(post_raw_deflate(raw, len, &deflated, &deflated_len, err, sizeof(err)), 0);
    assert_true(deflated_len > 0 && deflated_len < len);
    assert_int_equal(post_raw_inflate(deflated, deflated_len, len, &inflated, &inflated_len, err,
                                      sizeof(err)),
                     0);
    assert_int_equal(inflated_len, len);
    assert_memory_equal(inflated, raw, len);
    free(inflated);

    /* Exactly max_len is allowed, one byte less is not. */
    assert_int_equal(post_raw_inflate(deflated, deflated_len, len - 1, &inflated, &inflated_len,
                                      err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "over the limit"));
    free(deflated);
    free(raw);

    assert_int_equal(post_raw_deflate("", 0, &deflated, &deflated_len, err, sizeof(err)), 0);
    assert_int_equal(post_raw_inflate(deflated, deflated_len, 0, &inflated, &inflated_len, err,
                                      sizeof(err)),
                     0);
    assert_int_equal(inflated_len, 0);
    free(inflated);
    free(deflated);
}

static void inflate_refuses_corrupt_or_truncated_input(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    unsigned char *deflated, *out;
    size_t deflated_len, out_len;
    assert_int_equal(post_raw_deflate(raw_page, sizeof(raw_page), &deflated, &deflated_len, err,
                                      sizeof(err)),
                     0);
    unsigned char *longer = malloc(deflated_len + 1);
    assert_non_null(longer);
    memcpy(longer, deflated, deflated_len);
    longer[deflated_len] = 'x';

    struct {
        const void *data;
        size_t len;
    } bad[] = {
        {"", 0},
        {"this is not deflate data", 24},
        {deflated, deflated_len - 4}, /* the Adler-32 trailer cut off */
        {deflated, deflated_len / 2},
        {longer, deflated_len + 1}, /* trailing garbage */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        out = (unsigned char *)err;
        err[0] = '\0';
        if (post_raw_inflate(bad[i].data, bad[i].len, MIB, &out, &out_len, err, sizeof(err)) != -1)
            fail_msg("case %zu inflated", i);
        assert_null(out);
        assert_non_null(strstr(err, "inflate: "));
    }

    deflated[deflated_len / 2] ^= 0x55;
    assert_int_equal(post_raw_inflate(deflated, deflated_len, MIB, &out, &out_len, err,
                                      sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "inflate: "));
    free(longer);
    free(deflated);
}

/* ---- hashes ---- */

static void sha256_matches_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    post_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    post_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void set_raw_copies_the_bytes_and_sets_sha256(void **state)
{
    (void)state;
    struct post_message *message = post_message_new();
    char raw[] = "abc";
    assert_int_equal(post_message_set_raw(message, "first", 5), 0);
    assert_int_equal(post_message_set_raw(message, raw, 3), 0); /* replaces, no leak */
    raw[0] = 'X';
    assert_int_equal(message->raw_len, 3);
    assert_memory_equal(message->raw, "abc", 3);
    assert_string_equal(message->sha256,
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(post_message_set_raw(message, NULL, 3), -1);
    assert_memory_equal(message->raw, "abc", 3);
    assert_int_equal(post_message_set_raw(message, "", 0), 0);
    assert_null(message->raw);
    assert_int_equal(message->raw_len, 0);
    assert_string_equal(message->sha256, "");
    post_message_free(message);
}

static const char hash_base[] =
    "{\"id\":\"m:1\",\"kind\":\"post\",\"text\":\"Ayo\",\"hashtags\":[\"ab\",\"c\"],"
    "\"mentions\":[\"x\"],\"links\":[\"https://a\"],"
    "\"media\":[{\"type\":\"image\",\"url\":\"https://i\",\"alt\":\"dua jari\"}],"
    "\"repost_of\":{\"author\":\"t\",\"url\":\"https://r\",\"text\":\"r\"}";

static void content_hash_ignores_fetch_details(void **state)
{
    (void)state;
    char base[65], other[65];
    char json[1024];
    snprintf(json, sizeof(json), "%s}", hash_base);
    content_hash_of(json, base);

    const char *same[] = {
        ",\"fetched_at\":\"2024-01-05T10:03:12Z\"",
        ",\"sha256\":\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"",
        ",\"rescan\":\"rescan-1\"",
        ",\"region\":\"Aceh\"",
        ",\"account\":\"asn-1\"",
        ",\"lang\":\"id\"",
        ",\"likes\":13",
    };
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        snprintf(json, sizeof(json), "%s%s}", hash_base, same[i]);
        content_hash_of(json, other);
        if (strcmp(base, other) != 0)
            fail_msg("adding %s changed the content hash", same[i]);
    }

    /* The raw bytes differ only in a like counter. */
    struct post_message *a = full_message(), *b = full_message();
    char hash_a[65], hash_b[65];
    assert_int_equal(post_message_set_raw(b, "{\"likes\":13}", 12), 0);
    assert_string_not_equal(a->sha256, b->sha256);
    post_message_content_hash(a, hash_a);
    post_message_content_hash(b, hash_b);
    assert_string_equal(hash_a, hash_b);
    post_message_free(a);
    post_message_free(b);
}

static void content_hash_follows_what_a_reader_sees(void **state)
{
    (void)state;
    char base[65], other[65];
    char json[1024];
    snprintf(json, sizeof(json), "%s}", hash_base);
    content_hash_of(json, base);

    /* Each pair replaces the first occurrence of one piece of hash_base. */
    const char *fields[][2] = {
        {"\"id\":\"m:1\"", "\"id\":\"m:2\""},
        {"\"text\":\"Ayo\"", "\"text\":\"Ayo!\""},
        {"\"kind\":\"post\"", "\"kind\":\"quote\""},
        {"[\"ab\",\"c\"]", "[\"a\",\"bc\"]"},
        {"[\"ab\",\"c\"]", "[\"ab\",\"c\",\"d\"]"},
        {"\"mentions\":[\"x\"]", "\"mentions\":[\"y\"]"},
        {"\"links\":[\"https://a\"]", "\"links\":[\"https://b\"]"},
        {"\"alt\":\"dua jari\"", "\"alt\":\"satu jari\""},
        {"\"url\":\"https://i\"", "\"url\":\"https://j\""},
        {"\"type\":\"image\"", "\"type\":\"video\""},
        {"\"text\":\"r\"}", "\"text\":\"r2\"}"},
        {"\"author\":\"t\"", "\"author\":\"u\""},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *at = strstr(hash_base, fields[i][0]);
        assert_non_null(at);
        snprintf(json, sizeof(json), "%.*s%s%s}", (int)(at - hash_base), hash_base, fields[i][1],
                 at + strlen(fields[i][0]));
        content_hash_of(json, other);
        if (strcmp(base, other) == 0)
            fail_msg("changing %s to %s kept the content hash", fields[i][0], fields[i][1]);
    }
}

static void content_hash_is_unambiguous(void **state)
{
    (void)state;
    const char *pairs[][2] = {
        {"{\"id\":\"m:1\",\"text\":\"\",\"hashtags\":[\"ab\",\"c\"]}",
         "{\"id\":\"m:1\",\"text\":\"\",\"hashtags\":[\"a\",\"bc\"]}"},
        {"{\"id\":\"m:1\",\"text\":\"\",\"hashtags\":[\"a\"]}",
         "{\"id\":\"m:1\",\"text\":\"\",\"mentions\":[\"a\"]}"},
        {"{\"id\":\"m:1\",\"text\":\"a\"}", "{\"id\":\"m:1a\",\"text\":\"\"}"},
        {"{\"id\":\"m:1\",\"text\":\"\",\"media\":[{\"url\":\"x\"}]}",
         "{\"id\":\"m:1\",\"text\":\"\",\"media\":[{\"alt\":\"x\"}]}"},
        {"{\"id\":\"m:1\",\"text\":\"\",\"hashtags\":[\"\"]}", "{\"id\":\"m:1\",\"text\":\"\"}"},
    };
    char a[65], b[65];
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        content_hash_of(pairs[i][0], a);
        content_hash_of(pairs[i][1], b);
        if (strcmp(a, b) == 0)
            fail_msg("%s and %s have the same content hash", pairs[i][0], pairs[i][1]);
    }

    /* A reader cannot tell an absent alt text from an empty one. */
    content_hash_of("{\"id\":\"m:1\",\"text\":\"\",\"media\":[{\"url\":\"x\"}]}", a);
    content_hash_of("{\"id\":\"m:1\",\"text\":\"\",\"media\":[{\"url\":\"x\",\"alt\":\"\"}]}", b);
    assert_string_equal(a, b);
}

/* ---- round trips ---- */

static void full_message_round_trips(void **state)
{
    (void)state;
    struct post_message *message = full_message();
    struct post_message *decoded = round_trip(message);
    assert_messages_equal(message, decoded);
    assert_null(decoded->raw); /* raw bytes travel beside the JSON */
    char a[65], b[65];
    post_message_content_hash(message, a);
    post_message_content_hash(decoded, b);
    assert_string_equal(a, b);
    post_message_free(decoded);
    post_message_free(message);
}

static void every_field_decodes_by_its_design_name(void **state)
{
    (void)state;
    struct post_message *m = decode(
        "{\"id\":\"mastodon:1\",\"platform\":\"mastodon\",\"account\":\"asn-1\",\"author\":\"budi\","
        "\"url\":\"https://m/1\",\"created_at\":\"2024-02-29T23:59:59.123456Z\","
        "\"fetched_at\":\"2016-12-31T23:59:60Z\",\"kind\":\"reply\",\"text\":\"Halo\","
        "\"hashtags\":[\"a\",\"b\"],\"mentions\":[\"c\"],\"links\":[\"https://l\"],"
        "\"media\":[{\"type\":\"gifv\",\"url\":\"https://g\",\"alt\":\"jari\"}],"
        "\"repost_of\":{\"author\":\"t\",\"url\":\"https://r\",\"text\":\"asli\"},"
        "\"lang\":\"id\",\"region\":\"Bali\",\"rescan\":\"r-9\","
        "\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}");
    assert_string_equal(m->id, "mastodon:1");
    assert_string_equal(m->platform, "mastodon");
    assert_string_equal(m->account, "asn-1");
    assert_string_equal(m->author, "budi");
    assert_string_equal(m->url, "https://m/1");
    assert_string_equal(m->created_at, "2024-02-29T23:59:59.123456Z");
    assert_string_equal(m->fetched_at, "2016-12-31T23:59:60Z");
    assert_int_equal(m->kind, POST_KIND_REPLY);
    assert_string_equal(m->text, "Halo");
    assert_int_equal(m->hashtags.count, 2);
    assert_string_equal(m->hashtags.items[1], "b");
    assert_int_equal(m->mentions.count, 1);
    assert_string_equal(m->mentions.items[0], "c");
    assert_string_equal(m->links.items[0], "https://l");
    assert_int_equal(m->media_count, 1);
    assert_string_equal(m->media[0].type, "gifv");
    assert_string_equal(m->media[0].url, "https://g");
    assert_string_equal(m->media[0].alt, "jari");
    assert_string_equal(m->repost_of.author, "t");
    assert_string_equal(m->repost_of.url, "https://r");
    assert_string_equal(m->repost_of.text, "asli");
    assert_string_equal(m->lang, "id");
    assert_string_equal(m->region, "Bali");
    assert_string_equal(m->rescan, "r-9");
    assert_string_equal(m->sha256,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_null(m->raw);
    post_message_free(m);
}

static void minimal_message_has_defaults(void **state)
{
    (void)state;
    struct post_message *m = decode("{\"id\":\"bluesky:3k\",\"text\":\"\"}");
    assert_string_equal(m->id, "bluesky:3k");
    assert_string_equal(m->text, "");
    assert_int_equal(m->kind, POST_KIND_POST);
    assert_null(m->platform);
    assert_null(m->author);
    assert_null(m->created_at);
    assert_int_equal(m->hashtags.count, 0);
    assert_int_equal(m->media_count, 0);
    assert_null(m->repost_of.text);
    assert_string_equal(m->sha256, "");
    struct post_message *again = round_trip(m);
    assert_messages_equal(m, again);
    post_message_free(again);
    post_message_free(m);
}

static void encoder_leaves_out_absent_fields_only(void **state)
{
    (void)state;
    struct post_message *m = decode("{\"id\":\"x:1\",\"text\":\"\"}");
    free(m->author);
    m->author = copy_string(""); /* present though empty: written */
    m->repost_of.url = copy_string("https://r");
    m->hashtags.items = calloc(1, sizeof(char *)); /* allocated, but count 0: absent */
    char *json = post_message_to_json(m);
    assert_non_null(json);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);

    const char *written[] = {"id", "kind", "text", "author", "repost_of"};
    size_t members = 0;
    for (const cJSON *item = root->child; item != NULL; item = item->next)
        members++;
    assert_int_equal(members, sizeof(written) / sizeof(written[0]));
    for (size_t i = 0; i < sizeof(written) / sizeof(written[0]); i++)
        assert_non_null(cJSON_GetObjectItemCaseSensitive(root, written[i]));
    const cJSON *repost = cJSON_GetObjectItemCaseSensitive(root, "repost_of");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(repost, "url"));
    assert_null(cJSON_GetObjectItemCaseSensitive(repost, "text"));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "kind")->valuestring, "post");

    cJSON_Delete(root);
    free(json);
    post_message_free(m);
}

static void indonesian_text_with_emoji_survives(void **state)
{
    (void)state;
    /* ✌️ is U+270C U+FE0F; 🤟 is U+1F91F, a surrogate pair in JSON escapes. */
    static const char expected[] =
        "Salam dua jari \xE2\x9C\x8C\xEF\xB8\x8F dan metal \xF0\x9F\xA4\x9F, coblos!";
    struct post_message *escaped = decode(
        "{\"id\":\"x:1\",\"text\":\"Salam dua jari \\u270c\\ufe0f dan metal \\ud83e\\udd1f, "
        "coblos!\",\"hashtags\":[\"Pemilu\\u00e9\"]}");
    assert_string_equal(escaped->text, expected);
    assert_string_equal(escaped->hashtags.items[0], "Pemilu\xC3\xA9");

    char json[256];
    snprintf(json, sizeof(json), "{\"id\":\"x:1\",\"text\":\"%s\"}", expected);
    struct post_message *raw = decode(json);
    assert_string_equal(raw->text, expected);

    struct post_message *again = round_trip(escaped);
    assert_messages_equal(escaped, again);
    post_message_free(again);
    post_message_free(raw);
    post_message_free(escaped);
}

static void unknown_fields_and_nulls_are_ignored(void **state)
{
    (void)state;
    struct post_message *m = decode(
        "{\"id\":\"x:1\",\"text\":\"a\",\"likes\":12,\"future\":{\"deep\":[1,{\"x\":null}]},"
        "\"author\":null,\"hashtags\":null,\"repost_of\":null,\"sha256\":null,\"kind\":null,"
        "\"media\":[{\"type\":\"image\",\"url\":\"https://i\",\"width\":640,\"alt\":null}],"
        "\"Text\":\"case differs, so unknown\"}");
    assert_string_equal(m->text, "a");
    assert_null(m->author);
    assert_int_equal(m->hashtags.count, 0);
    assert_null(m->repost_of.author);
    assert_string_equal(m->sha256, "");
    assert_int_equal(m->kind, POST_KIND_POST);
    assert_int_equal(m->media_count, 1);
    assert_string_equal(m->media[0].url, "https://i");
    assert_null(m->media[0].alt);
    post_message_free(m);
}

/* ---- refusals ---- */

static void required_fields_are_refused_when_missing_or_wrong(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"{\"text\":\"a\"}", "field \"id\": missing"},
        {"{\"id\":\"x:1\"}", "field \"text\": missing"},
        {"{\"id\":null,\"text\":\"a\"}", "field \"id\": expected a string"},
        {"{\"id\":7,\"text\":\"a\"}", "field \"id\": expected a string"},
        {"{\"id\":\"\",\"text\":\"a\"}", "field \"id\": empty"},
        {"{\"id\":\"x:1\",\"text\":null}", "field \"text\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":[\"a\"]}", "field \"text\": expected a string"},
    };
    expect_all_refused(cases, sizeof(cases) / sizeof(cases[0]));
}

static void wrong_types_name_the_field(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"{\"id\":\"x:1\",\"text\":\"a\",\"platform\":true}", "field \"platform\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"account\":{}}", "field \"account\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"author\":1}", "field \"author\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"url\":[]}", "field \"url\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"lang\":1}", "field \"lang\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"region\":1}", "field \"region\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"rescan\":1}", "field \"rescan\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"created_at\":1704448800}",
         "field \"created_at\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"hashtags\":\"a\"}",
         "field \"hashtags\": expected an array of strings"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"hashtags\":[\"a\",2]}",
         "field \"hashtags[1]\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"mentions\":[null]}",
         "field \"mentions[0]\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"links\":{}}", "field \"links\": expected an array"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"media\":{}}", "field \"media\": expected an array"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"media\":[{},\"x\"]}",
         "field \"media[1]\": expected an object"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"media\":[{\"url\":5}]}",
         "field \"media[0].url\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"repost_of\":\"x\"}",
         "field \"repost_of\": expected an object"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"repost_of\":{\"author\":[]}}",
         "field \"repost_of.author\": expected a string"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"sha256\":1}",
         "field \"sha256\": expected 64 lowercase hex digits"},
    };
    expect_all_refused(cases, sizeof(cases) / sizeof(cases[0]));
}

static void unknown_kind_is_refused(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"{\"id\":\"x:1\",\"text\":\"a\",\"kind\":\"story\"}",
         "field \"kind\": expected one of post, repost, reply, quote, follow, like"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"kind\":\"Post\"}", "field \"kind\": expected one of"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"kind\":0}", "field \"kind\": expected one of"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"kind\":\"post\\u0000x\"}", "field \"kind\""},
    };
    expect_all_refused(cases, sizeof(cases) / sizeof(cases[0]));
}

static void kind_names_round_trip(void **state)
{
    (void)state;
    enum post_kind kinds[] = {POST_KIND_POST,  POST_KIND_REPOST, POST_KIND_REPLY,
                              POST_KIND_QUOTE, POST_KIND_FOLLOW, POST_KIND_LIKE};
    const char *names[] = {"post", "repost", "reply", "quote", "follow", "like"};
    for (size_t i = 0; i < 6; i++) {
        enum post_kind kind;
        assert_string_equal(post_kind_name(kinds[i]), names[i]);
        assert_int_equal(post_kind_from_name(names[i], &kind), 0);
        assert_int_equal(kind, kinds[i]);
    }
    enum post_kind kind = POST_KIND_QUOTE;
    assert_int_equal(post_kind_from_name("retweet", &kind), -1);
    assert_int_equal(post_kind_from_name("", &kind), -1);
    assert_int_equal(post_kind_from_name(NULL, &kind), -1);
    assert_int_equal(kind, POST_KIND_QUOTE);
    assert_null(post_kind_name((enum post_kind)6));
    assert_false(post_kind_is_engagement(POST_KIND_QUOTE));
    assert_true(post_kind_is_engagement(POST_KIND_FOLLOW));
    assert_true(post_kind_is_engagement(POST_KIND_LIKE));
}

static void engagement_target_round_trips_and_decodes_by_name(void **state)
{
    (void)state;
    struct post_message *m = decode(
        "{\"id\":\"bluesky:like:did:plc:asn:at://did:plc:c/app.bsky.feed.post/3k\","
        "\"kind\":\"like\",\"text\":\"\",\"target\":{\"id\":\"at://did:plc:c/app.bsky.feed.post/3k\","
        "\"account\":\"capres.bsky.social\",\"account_id\":\"did:plc:c\",\"name\":\"Capres\","
        "\"url\":\"https://bsky.app/profile/did:plc:c/post/3k\",\"text\":\"coblos nomor 2\"}}");
    assert_int_equal(m->kind, POST_KIND_LIKE);
    assert_string_equal(m->target.id, "at://did:plc:c/app.bsky.feed.post/3k");
    assert_string_equal(m->target.account, "capres.bsky.social");
    assert_string_equal(m->target.account_id, "did:plc:c");
    assert_string_equal(m->target.name, "Capres");
    assert_string_equal(m->target.url, "https://bsky.app/profile/did:plc:c/post/3k");
    assert_string_equal(m->target.text, "coblos nomor 2");
    struct post_message *again = round_trip(m);
    assert_string_equal(again->target.text, "coblos nomor 2");
    assert_string_equal(again->target.account_id, "did:plc:c");
    post_message_free(again);
    post_message_free(m);
}

/* A follow is the same event however the followed account's bio reads on another day only when
 * the bio is unchanged: the target is what a reader sees of an engagement. A post's hash does not
 * look at target, so the hashes of posts already in seen keys stay what they were. */
static void content_hash_covers_the_target_of_engagements_only(void **state)
{
    (void)state;
    struct post_message *follow = decode(
        "{\"id\":\"x:follow:1:2\",\"kind\":\"follow\",\"text\":\"\","
        "\"target\":{\"account\":\"prabowo\",\"account_id\":\"2\",\"text\":\"bio\"}}");
    struct post_message *changed = decode(
        "{\"id\":\"x:follow:1:2\",\"kind\":\"follow\",\"text\":\"\","
        "\"target\":{\"account\":\"prabowo\",\"account_id\":\"2\",\"text\":\"bio baru\"}}");
    struct post_message *post = decode("{\"id\":\"x:3\",\"text\":\"halo\"}");
    struct post_message *post_with_target = decode(
        "{\"id\":\"x:3\",\"text\":\"halo\",\"target\":{\"account\":\"prabowo\"}}");
    char a[65], b[65];
    post_message_content_hash(follow, a);
    post_message_content_hash(changed, b);
    assert_string_not_equal(a, b);
    post_message_content_hash(post, a);
    post_message_content_hash(post_with_target, b);
    assert_string_equal(a, b);
    post_message_free(follow);
    post_message_free(changed);
    post_message_free(post);
    post_message_free(post_with_target);
}

static void timestamps_must_be_rfc3339_utc(void **state)
{
    (void)state;
    const char *bad[] = {
        "2024-01-05 10:00:00Z",      "2024-01-05T10:00:00+07:00", "2024-01-05T10:00:00",
        "2024-01-05T10:00:00z",      "2024-13-05T10:00:00Z",      "2024-00-05T10:00:00Z",
        "2023-02-29T10:00:00Z",      "2024-04-31T10:00:00Z",      "2024-01-05T24:00:00Z",
        "2024-01-05T10:60:00Z",      "2024-01-05T10:00:61Z",      "2024-01-05T10:00:00.Z",
        "2024-1-5T10:00:00Z",        "",                          "2024-01-05T10:00:00ZZ",
        ("\xd9\xa2" "024-01-05T10:00:00Z"), /* Arabic-Indic digit two */
    };
    char json[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(json, sizeof(json), "{\"id\":\"x:1\",\"text\":\"a\",\"created_at\":\"%s\"}",
                 bad[i]);
        expect_refused(json, "field \"created_at\": expected an RFC 3339 UTC time");
        snprintf(json, sizeof(json), "{\"id\":\"x:1\",\"text\":\"a\",\"fetched_at\":\"%s\"}",
                 bad[i]);
        expect_refused(json, "field \"fetched_at\"");
    }
}

static void sha256_must_be_64_lowercase_hex(void **state)
{
    (void)state;
    const char *bad[] = {
        "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015add",
        "ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "",
    };
    char json[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(json, sizeof(json), "{\"id\":\"x:1\",\"text\":\"a\",\"sha256\":\"%s\"}", bad[i]);
        expect_refused(json, "field \"sha256\": expected 64 lowercase hex digits");
    }
}

static void invalid_utf8_is_refused_in_every_string(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"{\"id\":\"x:1\",\"text\":\"ab\xC3(\"}", "field \"text\": invalid UTF-8 at byte 2"},
        {"{\"id\":\"x:\xFF\",\"text\":\"a\"}", "field \"id\": invalid UTF-8"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"author\":\"\xED\xA0\x80\"}",
         "field \"author\": invalid UTF-8"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"hashtags\":[\"ok\",\"\xC0\xAF\"]}",
         "field \"hashtags[1]\": invalid UTF-8"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"media\":[{\"alt\":\"\xF4\x90\x80\x80\"}]}",
         "field \"media[0].alt\": invalid UTF-8"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"repost_of\":{\"text\":\"\xE2\x9C\"}}",
         "field \"repost_of.text\": invalid UTF-8"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"text2\":\"ok\",\"lang\":\"\x80\"}",
         "field \"lang\": invalid UTF-8"},
        /* A lone surrogate escape cannot become UTF-8 at all. */
        {"{\"id\":\"x:1\",\"text\":\"\\ud83e\"}", "message: invalid JSON"},
    };
    expect_all_refused(cases, sizeof(cases) / sizeof(cases[0]));
}

static void nul_characters_are_refused(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"{\"id\":\"x:1\",\"text\":\"ab\\u0000cd\"}",
         "field \"text\": NUL character (\\u0000) at byte 2"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"mentions\":[\"b\",\"\\u0000\"]}",
         "field \"mentions[1]\": NUL"},
        {"{\"id\":\"x:1\\u0000evil\",\"text\":\"a\"}", "field \"id\": NUL"},
    };
    expect_all_refused(cases, sizeof(cases) / sizeof(cases[0]));

    static const char raw_nul[] = "{\"id\":\"x:1\",\"text\":\"ab\0cd\"}";
    expect_refused_len(raw_nul, sizeof(raw_nul) - 1, "field \"text\": NUL");
    static const char nul_between[] = "{\"id\":\"x:1\",\0\"text\":\"a\"}";
    expect_refused_len(nul_between, sizeof(nul_between) - 1, "message: invalid JSON");

    /* An escaped backslash followed by "u0000" is text, not a NUL. */
    struct post_message *m = decode("{\"id\":\"x:1\",\"text\":\"C:\\\\u0000\"}");
    assert_string_equal(m->text, "C:\\u0000");
    post_message_free(m);
}

/* cJSON would read these as U+0000 and cut the text there, hiding what follows from the scorer. */
static void unicode_escapes_without_four_hex_digits_are_refused(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"{\"id\":\"x:1\",\"text\":\"ayo \\uZZZZ coblos nomor 2\"}",
         "message: invalid JSON at byte 24: \\u needs four hex digits"},
        {"{\"id\":\"x:1\",\"text\":\"a\\u00G0\"}", "message: invalid JSON at byte 21"},
        {"{\"id\":\"x:1\",\"text\":\"a\\u12\"}", "message: invalid JSON at byte 21"},
        {"{\"id\":\"x:1\",\"text\":\"a\\u", "message: invalid JSON at byte 21"},
    };
    expect_all_refused(cases, sizeof(cases) / sizeof(cases[0]));

    struct post_message *m = decode("{\"id\":\"x:1\",\"text\":\"\\\\uZZZZ \\u00e9\"}");
    assert_string_equal(m->text, "\\uZZZZ \xC3\xA9");
    post_message_free(m);
}

static void malformed_json_is_refused(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        {"", "message: invalid JSON"},
        {"{", "message: invalid JSON"},
        {"{\"id\":\"x:1\",\"text\":\"a\"}x", "message: invalid JSON"},
        {"{\"id\":\"x:1\",\"text\":\"a\"} {}", "message: invalid JSON"},
        {"[{\"id\":\"x:1\",\"text\":\"a\"}]", "message: expected a JSON object"},
        {"\"id\"", "message: expected a JSON object"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"text\":\"b\"}", "field \"text\": appears twice"},
        {"{\"id\":\"x:1\",\"text\":\"a\",\"repost_of\":{\"url\":\"a\",\"url\":\"b\"}}",
         "field \"repost_of.url\": appears twice"},
    };
    expect_all_refused(cases, sizeof(cases) / sizeof(cases[0]));

    /* Trailing whitespace is still one JSON value. */
    struct post_message *m = decode("{\"id\":\"x:1\",\"text\":\"a\"} \n");
    post_message_free(m);
}

static void oversized_json_is_refused(void **state)
{
    (void)state;
    static const char head[] = "{\"id\":\"x:1\",\"text\":\"";
    size_t len = (size_t)POST_MESSAGE_MAX_JSON_BYTES;
    char *json = malloc(len + 2);
    assert_non_null(json);
    memcpy(json, head, sizeof(head) - 1);
    memset(json + sizeof(head) - 1, 'a', len + 2 - sizeof(head) - 1);
    memcpy(json + len - 2, "\"}", 3);

    struct post_message *m = decode_len(json, len);
    assert_int_equal(strlen(m->text), len - (sizeof(head) - 1) - 2);
    post_message_free(m);

    memcpy(json + len - 2, "a\"}", 4);
    expect_refused_len(json, len + 1, "message: 4194305 bytes, over the limit");
    free(json);
}

static char *list_json(const char *field, const char *item, size_t count)
{
    size_t capacity = 64 + count * (strlen(item) + 1);
    char *json = malloc(capacity);
    assert_non_null(json);
    size_t used = (size_t)snprintf(json, capacity, "{\"id\":\"x:1\",\"text\":\"a\",\"%s\":[", field);
    for (size_t i = 0; i < count; i++)
        used += (size_t)snprintf(json + used, capacity - used, "%s%s", i ? "," : "", item);
    snprintf(json + used, capacity - used, "]}");
    return json;
}

static void too_long_lists_are_refused(void **state)
{
    (void)state;
    char *json = list_json("hashtags", "\"a\"", POST_MESSAGE_MAX_LIST);
    struct post_message *m = decode(json);
    assert_int_equal(m->hashtags.count, POST_MESSAGE_MAX_LIST);
    post_message_free(m);
    free(json);

    const char *lists[][2] = {
        {"hashtags", "\"a\""}, {"mentions", "\"a\""}, {"links", "\"a\""}, {"media", "{}"}};
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        char expected[64];
        snprintf(expected, sizeof(expected), "field \"%s\": more than 1024 items", lists[i][0]);
        json = list_json(lists[i][0], lists[i][1], POST_MESSAGE_MAX_LIST + 1);
        expect_refused(json, expected);
        free(json);
    }
}

/* Where a refusal points: the byte where cJSON stopped, counted in the input as given. */
static void expect_error_exactly_len(const char *json, size_t len, const char *expected)
{
    char err[NETRA_ERR_LEN] = "";
    struct post_message *message = NULL;
    if (post_message_from_json(json, len, &message, err, sizeof(err)) == 0)
        fail_msg("accepted %.*s, expected '%s'", (int)len, json, expected);
    assert_null(message);
    assert_string_equal(err, expected);
}

static void expect_error_exactly(const char *json, const char *expected)
{
    expect_error_exactly_len(json, strlen(json), expected);
}

static void refusals_point_at_the_byte(void **state)
{
    (void)state;
    static const char trailing[] = "{\"id\":\"x:1\",\"text\":\"a\"} \t x";
    expect_error_exactly_len("", 0, "message: invalid JSON at byte 0");
    expect_error_exactly("{", "message: invalid JSON at byte 1");
    expect_error_exactly("{\"id\":\"x:1\",\"text\":\"a", "message: invalid JSON at byte 20");
    expect_error_exactly(trailing, "message: invalid JSON at byte 26");
    expect_error_exactly("{\"id\":\"x:1\",\"text\":\"a\",}", "message: invalid JSON at byte 24");
}

/* cJSON counts every byte from 1 to 32 as whitespace, and a UTF-8 byte order mark may open the
 * input. */
static void whitespace_and_a_byte_order_mark_around_the_object(void **state)
{
    (void)state;
    static const char spaced[] = " \r\n\t{\"id\":\"x:1\",\"text\":\"a\"}\x01\x1f \n";
    struct post_message *m = decode(spaced);
    assert_string_equal(m->text, "a");
    post_message_free(m);

    m = decode("\xEF\xBB\xBF{\"id\":\"x:1\",\"text\":\"a\"}");
    assert_string_equal(m->id, "x:1");
    post_message_free(m);
    expect_error_exactly("\xEF\xBB\xBF" "5", "message: expected a JSON object");
}

/* The decoder reads json[0..len) only: the bytes after it neither complete nor spoil it. */
static void only_len_bytes_are_read(void **state)
{
    (void)state;
    static const char message[] = "{\"id\":\"x:1\",\"text\":\"a\"}";
    char *buffer = malloc(sizeof(message) + 8);
    assert_non_null(buffer);
    memcpy(buffer, message, sizeof(message) - 1);
    memcpy(buffer + sizeof(message) - 1, "garbage!", 8); /* not NUL-terminated */
    struct post_message *m = decode_len(buffer, sizeof(message) - 1);
    assert_string_equal(m->text, "a");
    post_message_free(m);

    expect_error_exactly_len(message, sizeof(message) - 3, "message: invalid JSON at byte 20");
    free(buffer);
}

/* Strings are checked at every position, whatever their neighbours: the bad byte is found and
 * counted from the start of its string, and good multibyte text is kept as it is. */
static void utf8_and_nul_checks_hold_at_every_offset(void **state)
{
    (void)state;
    char json[128], text[64], expected[128];
    for (size_t pad = 0; pad < 20; pad++) {
        memset(text, 'a', pad);
        text[pad] = '\0';

        snprintf(json, sizeof(json), "{\"id\":\"x:1\",\"text\":\"%s\xC3\xA9\xF0\x9F\xA4\x9Fz\"}", text);
        struct post_message *m = decode(json);
        snprintf(expected, sizeof(expected), "%s\xC3\xA9\xF0\x9F\xA4\x9Fz", text);
        assert_string_equal(m->text, expected);
        post_message_free(m);

        snprintf(json, sizeof(json), "{\"id\":\"x:1\",\"text\":\"%s\xC3(\"}", text);
        snprintf(expected, sizeof(expected), "field \"text\": invalid UTF-8 at byte %zu", pad);
        expect_error_exactly(json, expected);

        snprintf(json, sizeof(json), "{\"id\":\"x:1\",\"text\":\"%s\\u0000\"}", text);
        snprintf(expected, sizeof(expected), "field \"text\": NUL character (\\u0000) at byte %zu",
                 pad);
        expect_error_exactly(json, expected);

        int len = snprintf(json, sizeof(json), "{\"id\":\"x:1\",\"text\":\"%sZ\"}", text);
        json[len - 3] = '\0';
        expect_error_exactly_len(json, (size_t)len, expected);
    }
}

static void deep_field_names_are_spelled_in_full(void **state)
{
    (void)state;
    char *json = list_json("media", "{\"url\":\"u\"}", 12);
    char *last = strstr(json, "]}");
    assert_non_null(last);
    memcpy(last - 1, "\"alt\":1}]}", 11); /* media[11] is now {"url":"u""alt":1}: invalid */
    expect_refused(json, "message: invalid JSON");
    memcpy(last - 1, ",\"alt\":1}]}", 12);
    expect_error_exactly(json, "field \"media[11].alt\": expected a string");
    free(json);

    json = list_json("links", "\"a\"", 12);
    last = strstr(json, "\"a\"]}");
    assert_non_null(last);
    memcpy(last, "\"\xFF\"]}", 6);
    expect_error_exactly(json, "field \"links[11]\": invalid UTF-8 at byte 0");
    free(json);

    expect_error_exactly("{\"id\":\"x:1\",\"text\":\"a\",\"repost_of\":{\"url\":\"a\",\"url\":null}}",
                         "field \"repost_of.url\": appears twice");
}

/* A short err buffer holds the start of the message, NUL-terminated. */
static void errors_are_cut_to_the_buffer(void **state)
{
    (void)state;
    char err[12];
    struct post_message *message = NULL;
    assert_int_equal(post_message_from_json("{\"id\":\"x:1\"}", 12, &message, err, sizeof(err)), -1);
    assert_string_equal(err, "field \"text");
    assert_null(message);
}

static void free_accepts_null(void **state)
{
    (void)state;
    post_message_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inflate_refuses_a_bomb_without_allocating_it),
        cmocka_unit_test(deflate_inflate_round_trip),
        cmocka_unit_test(inflate_refuses_corrupt_or_truncated_input),
        cmocka_unit_test(sha256_matches_known_vectors),
        cmocka_unit_test(set_raw_copies_the_bytes_and_sets_sha256),
        cmocka_unit_test(content_hash_ignores_fetch_details),
        cmocka_unit_test(content_hash_follows_what_a_reader_sees),
        cmocka_unit_test(content_hash_is_unambiguous),
        cmocka_unit_test(full_message_round_trips),
        cmocka_unit_test(every_field_decodes_by_its_design_name),
        cmocka_unit_test(minimal_message_has_defaults),
        cmocka_unit_test(encoder_leaves_out_absent_fields_only),
        cmocka_unit_test(indonesian_text_with_emoji_survives),
        cmocka_unit_test(unknown_fields_and_nulls_are_ignored),
        cmocka_unit_test(required_fields_are_refused_when_missing_or_wrong),
        cmocka_unit_test(wrong_types_name_the_field),
        cmocka_unit_test(unknown_kind_is_refused),
        cmocka_unit_test(kind_names_round_trip),
        cmocka_unit_test(engagement_target_round_trips_and_decodes_by_name),
        cmocka_unit_test(content_hash_covers_the_target_of_engagements_only),
        cmocka_unit_test(timestamps_must_be_rfc3339_utc),
        cmocka_unit_test(sha256_must_be_64_lowercase_hex),
        cmocka_unit_test(invalid_utf8_is_refused_in_every_string),
        cmocka_unit_test(nul_characters_are_refused),
        cmocka_unit_test(unicode_escapes_without_four_hex_digits_are_refused),
        cmocka_unit_test(malformed_json_is_refused),
        cmocka_unit_test(oversized_json_is_refused),
        cmocka_unit_test(too_long_lists_are_refused),
        cmocka_unit_test(refusals_point_at_the_byte),
        cmocka_unit_test(whitespace_and_a_byte_order_mark_around_the_object),
        cmocka_unit_test(only_len_bytes_are_read),
        cmocka_unit_test(utf8_and_nul_checks_hold_at_every_offset),
        cmocka_unit_test(deep_field_names_are_spelled_in_full),
        cmocka_unit_test(errors_are_cut_to_the_buffer),
        cmocka_unit_test(free_accepts_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
