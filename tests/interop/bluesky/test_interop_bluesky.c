/* netra-crawler's bluesky platform against Bluesky's own reference servers (PLC, PDS and AppView
 * from @atproto/dev-env, started by tests/interop/bluesky/run), with netra's own Redis and
 * netra-worker on the shipped rulesets.
 *
 * Three watched civil servants and a candidate post through the real PDS: mentions, links and
 * hashtags as facets, images with alt text, a link card, a reply, quotes and a repost of the
 * candidate's post, a partisan post. Then: the posts stream holds exactly what getAuthorFeed
 * shows, each message read right; a second pass adds nothing; a post made after the first crawl
 * arrives within one interval, and an edit (delete and post again) keeps the earlier version; a
 * backdated post is found by a rescan, and one from a clock minutes behind by the next crawl; a
 * partisan post becomes a case whose evidence outlives the post's deletion on the PDS; a handle
 * nobody has and a deactivated account are gone, as the AppView's own errors say. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue/keys.h"
#include "tests/e2e/e2e_test.h"
#include "tests/interop/bluesky/bluesky_network.h"
#include "tests/support/test_support.h"

/* schedule.default_interval_s of the crawler harness's config. */
#define INTERVAL_MS 2000
/* A crawl waits for a lease and a poll before it starts: slack on top of one interval. */
#define QUEUED_WITHIN_MS (INTERVAL_MS + 2000)
#define FIRST_CRAWL_MS 60000
#define ITEMS_MAX 16
#define LIST_MAX 4
/* Feed items the watched accounts show at most (the test writes a dozen). */
#define SHOWN_MAX 64

#define PARTISAN_TEXT "Ayo coblos nomor 2, dukung Paslon 02 Hendra Wijaya untuk Gubernur! #Coblos02"
#define IMAGE_ALT "Foto upacara bendera di halaman kantor Dinas Pendidikan Kota Kendari"
#define SECOND_ALT "Kepala dinas menyapa warga di balai kelurahan"
#define JADWAL_URL "https://disdik.kendari.example/jadwal-upacara"
#define BERITA_URL "https://berita.kendari.example/hari-guru-2024"

/* A 1x1 PNG: uploadBlob wants an image's bytes, the AppView only their reference. */
static const unsigned char png_pixel[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
    0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
    0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

/* What netra must make of one feed item the test wrote. */
struct expected {
    char id[BSKY_URI_MAX + 16]; /* "bluesky:<uri>" */
    const char *account;        /* watchlist id */
    const char *author;         /* handle */
    const char *kind;
    const char *text;
    const char *hashtags[LIST_MAX];
    const char *mentions[LIST_MAX];
    const char *links[LIST_MAX];
    const char *alts[LIST_MAX];
    char repost_of_url[BSKY_URI_MAX]; /* "" when none */
    const char *repost_of_text;
};

static struct world {
    struct test_redis_server redis;
    struct test_sim none; /* no simulator: only the watchlist and the config's folder */
    struct test_crawl crawl;
    pid_t crawler, worker;
    struct bsky_account candidate, budi, siti, agus;
    int agus_gone; /* deactivated: his feed is gone, what was queued of it stays */
    struct bsky_ref candidate_post, partisan;
    struct expected items[ITEMS_MAX];
    size_t count;
    char deleted[ITEMS_MAX][BSKY_URI_MAX + 16]; /* ids of versions deleted on the PDS */
    size_t deleted_count;
} world;

/* ---- writing through the PDS, remembering what netra must see -------------------------------- */

static char *page_of(char *out, size_t out_len, const char *handle, const char *uri)
{
    int len =
        snprintf(out, out_len, "https://bsky.app/profile/%s/post/%s", handle, strrchr(uri, '/') + 1);
    assert_true(len > 0 && (size_t)len < out_len);
    return out;
}

static struct expected *expect(const char *account, const struct bsky_account *author,
                               const char *kind, const char *text, const struct bsky_ref *ref)
{
    assert_true(world.count < ITEMS_MAX);
    struct expected *e = &world.items[world.count++];
    memset(e, 0, sizeof(*e));
    snprintf(e->id, sizeof(e->id), "bluesky:%s", ref->uri);
    e->account = account;
    e->author = author->handle;
    e->kind = kind;
    e->text = text;
    return e;
}

/* Post id was deleted and no case holds it: netra forgets it (its stream entry and result go,
 * its dedup key and a tombstone stay), so the stream shows only what the AppView shows. */
static void deleted_and_forgotten(const char *id)
{
    for (size_t i = 0; i < world.count; i++)
        if (strcmp(world.items[i].id, id) == 0) {
            memmove(&world.items[i], &world.items[i + 1],
                    (world.count - i - 1) * sizeof(world.items[0]));
            world.count--;
            return;
        }
}

static int key_exists(const char *key)
{
    redisReply *reply = redisCommand(world.crawl.redis, "EXISTS %s", key);
    assert_non_null(reply);
    int exists = reply->integer == 1;
    freeReplyObject(reply);
    return exists;
}

/* The AppView no longer shows post id (deleted under a case, or its account deactivated): the
 * stream keeps what was queued of it. */
static void no_longer_shown(const char *id)
{
    assert_true(world.deleted_count < ITEMS_MAX);
    snprintf(world.deleted[world.deleted_count++], sizeof(world.deleted[0]), "%s", id);
    for (size_t i = 0; i < world.count; i++)
        if (strcmp(world.items[i].id, id) == 0) {
            memmove(&world.items[i], &world.items[i + 1],
                    (world.count - i - 1) * sizeof(world.items[0]));
            world.count--;
            break;
        }
}

static void post(const struct bsky_account *author, cJSON *record, struct bsky_ref *out)
{
    bsky_record_create(author, "app.bsky.feed.post", record, out);
}

static void write_world(void)
{
    struct bsky_ref ref, siti_post;
    cJSON *record;
    struct expected *e;

    bsky_account_create(&world.candidate, "hendra-wijaya.test", "Hendra Wijaya (Calon Gubernur)");
    bsky_account_create(&world.budi, "budi-santoso.test", "Budi Santoso, S.Pd.");
    bsky_account_create(&world.siti, "siti-rahayu.test", "Siti Rahayu Ningsih");
    bsky_account_create(&world.agus, "agus-salim.test", "Agus Salim");

    static const char candidate_text[] = "Bersama membangun Kendari yang maju. #Pilkada2024";
    record = bsky_post_record(candidate_text);
    bsky_facet_tag(record, "#Pilkada2024", "Pilkada2024");
    post(&world.candidate, record, &world.candidate_post);

    static const char siti_text[] = "Hari ini rapat persiapan Hari Guru di SMPN 3 Kendari.";
    post(&world.siti, bsky_post_record(siti_text), &siti_post);
    expect("asn-siti", &world.siti, "post", siti_text, &siti_post);

    static const char agus_text[] = "Selamat pagi rekan-rekan Kecamatan Poasia.";
    post(&world.agus, bsky_post_record(agus_text), &ref);
    expect("asn-agus", &world.agus, "post", agus_text, &ref);

    static const char facets_text[] =
        "Selamat #HariGuru untuk @siti-rahayu.test! Jadwal upacara: " JADWAL_URL;
    record = bsky_post_record(facets_text);
    bsky_facet_tag(record, "#HariGuru", "HariGuru");
    bsky_facet_mention(record, "@siti-rahayu.test", world.siti.did);
    bsky_facet_link(record, JADWAL_URL, JADWAL_URL);
    post(&world.budi, record, &ref);
    e = expect("asn-budi", &world.budi, "post", facets_text, &ref);
    e->hashtags[0] = "HariGuru";
    e->mentions[0] = "siti-rahayu.test";
    e->links[0] = JADWAL_URL;

    static const char image_text[] = "Upacara bendera pagi ini, khidmat dan tertib.";
    record = bsky_post_record(image_text);
    cJSON *image = cJSON_CreateObject();
    cJSON_AddItemToObject(image, "image",
                          bsky_blob_upload(&world.budi, png_pixel, sizeof(png_pixel), "image/png"));
    cJSON_AddStringToObject(image, "alt", IMAGE_ALT);
    cJSON *images = cJSON_AddObjectToObject(record, "embed");
    cJSON_AddStringToObject(images, "$type", "app.bsky.embed.images");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(images, "images"), image);
    post(&world.budi, record, &ref);
    e = expect("asn-budi", &world.budi, "post", image_text, &ref);
    e->alts[0] = IMAGE_ALT;

    static const char card_text[] = "Liputan Hari Guru di media lokal.";
    record = bsky_post_record(card_text);
    cJSON *card = cJSON_AddObjectToObject(record, "embed");
    cJSON_AddStringToObject(card, "$type", "app.bsky.embed.external");
    cJSON *external = cJSON_AddObjectToObject(card, "external");
    cJSON_AddStringToObject(external, "uri", BERITA_URL);
    cJSON_AddStringToObject(external, "title", "Hari Guru 2024 di Kendari");
    cJSON_AddStringToObject(external, "description", "Upacara dan lomba di sekolah-sekolah.");
    post(&world.budi, record, &ref);
    e = expect("asn-budi", &world.budi, "post", card_text, &ref);
    e->links[0] = BERITA_URL;

    static const char reply_text[] = "Siap, Bu Siti, saya bantu dokumentasi acaranya.";
    record = bsky_post_record(reply_text);
    bsky_reply_to(record, &siti_post, &siti_post);
    post(&world.budi, record, &ref);
    expect("asn-budi", &world.budi, "reply", reply_text, &ref);

    static const char quote_text[] = "Semoga Kendari makin maju.";
    record = bsky_post_record(quote_text);
    cJSON *quote = cJSON_AddObjectToObject(record, "embed");
    cJSON_AddStringToObject(quote, "$type", "app.bsky.embed.record");
    cJSON_AddItemToObject(quote, "record", bsky_ref_json(&world.candidate_post));
    post(&world.budi, record, &ref);
    e = expect("asn-budi", &world.budi, "quote", quote_text, &ref);
    page_of(e->repost_of_url, sizeof(e->repost_of_url), world.candidate.handle,
            world.candidate_post.uri);
    e->repost_of_text = candidate_text;

    static const char quote_media_text[] = "Dokumentasi kunjungan kemarin.";
    record = bsky_post_record(quote_media_text);
    cJSON *with_media = cJSON_AddObjectToObject(record, "embed");
    cJSON_AddStringToObject(with_media, "$type", "app.bsky.embed.recordWithMedia");
    cJSON *quoted = cJSON_AddObjectToObject(with_media, "record");
    cJSON_AddItemToObject(quoted, "record", bsky_ref_json(&world.candidate_post));
    cJSON *media = cJSON_AddObjectToObject(with_media, "media");
    cJSON_AddStringToObject(media, "$type", "app.bsky.embed.images");
    image = cJSON_CreateObject();
    cJSON_AddItemToObject(image, "image",
                          bsky_blob_upload(&world.budi, png_pixel, sizeof(png_pixel), "image/png"));
    cJSON_AddStringToObject(image, "alt", SECOND_ALT);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(media, "images"), image);
    post(&world.budi, record, &ref);
    e = expect("asn-budi", &world.budi, "quote", quote_media_text, &ref);
    e->alts[0] = SECOND_ALT;
    page_of(e->repost_of_url, sizeof(e->repost_of_url), world.candidate.handle,
            world.candidate_post.uri);
    e->repost_of_text = candidate_text;

    /* A repost is a record of its own; its post message carries the candidate's text. */
    record = bsky_repost_record(&world.candidate_post);
    bsky_record_create(&world.budi, "app.bsky.feed.repost", record, &ref);
    e = expect("asn-budi", &world.budi, "repost", candidate_text, &ref);
    e->hashtags[0] = "Pilkada2024";
    page_of(e->repost_of_url, sizeof(e->repost_of_url), world.candidate.handle,
            world.candidate_post.uri);
    e->repost_of_text = candidate_text;

    record = bsky_post_record(PARTISAN_TEXT);
    bsky_facet_tag(record, "#Coblos02", "Coblos02");
    post(&world.siti, record, &world.partisan);
    e = expect("asn-siti", &world.siti, "post", PARTISAN_TEXT, &world.partisan);
    e->hashtags[0] = "Coblos02";
}

/* ---- reading what netra queued --------------------------------------------------------------- */

/* Every post message in the stream, in order. */
static cJSON *stream_messages(void)
{
    char key[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_posts(key, sizeof(key), world.crawl.prefix, 0, err, sizeof(err)), 0);
    redisReply *reply = redisCommand(world.crawl.redis, "XRANGE %s - +", key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    cJSON *messages = cJSON_CreateArray();
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *fields = reply->element[i]->element[1];
        for (size_t f = 0; f + 1 < fields->elements; f += 2)
            if (strcmp(fields->element[f]->str, "msg") == 0) {
                cJSON *message = cJSON_Parse(fields->element[f + 1]->str);
                assert_non_null(message);
                cJSON_AddItemToArray(messages, message);
            }
    }
    freeReplyObject(reply);
    return messages;
}

static const char *string_of(const cJSON *object, const char *name)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsString(value) ? value->valuestring : "";
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids the AppView shows for the watched accounts now, plus the versions no longer shown,
 * sorted. */
static void ids_expected(struct test_ids *out)
{
    const struct bsky_account *watched[] = {&world.budi, &world.siti, &world.agus};
    memset(out, 0, sizeof(*out));
    out->ids = calloc(SHOWN_MAX + world.deleted_count, sizeof(char *));
    assert_non_null(out->ids);
    for (size_t a = 0; a < 3; a++) {
        if (watched[a] == &world.agus && world.agus_gone)
            continue;
        cJSON *feed = bsky_author_feed(watched[a]->did);
        const cJSON *item;
        cJSON_ArrayForEach(item, feed) {
            /* A repost is its own record: netra's id for it is the repost's URI. */
            const cJSON *reason = cJSON_GetObjectItemCaseSensitive(item, "reason");
            const cJSON *post_view = cJSON_GetObjectItemCaseSensitive(item, "post");
            const char *uri = string_of(reason != NULL ? reason : post_view, "uri");
            assert_true(out->count < SHOWN_MAX);
            char id[BSKY_URI_MAX + 16];
            snprintf(id, sizeof(id), "bluesky:%s", uri);
            out->ids[out->count++] = strdup(id);
        }
        cJSON_Delete(feed);
    }
    for (size_t i = 0; i < world.deleted_count; i++)
        out->ids[out->count++] = strdup(world.deleted[i]);
    qsort(out->ids, out->count, sizeof(char *), compare_strings);
}

/* The ids in the stream, sorted, repeats kept. */
static void ids_queued(struct test_ids *out)
{
    cJSON *messages = stream_messages();
    memset(out, 0, sizeof(*out));
    out->ids = calloc((size_t)cJSON_GetArraySize(messages) + 1, sizeof(char *));
    assert_non_null(out->ids);
    const cJSON *message;
    cJSON_ArrayForEach(message, messages)
        out->ids[out->count++] = strdup(string_of(message, "id"));
    cJSON_Delete(messages);
    qsort(out->ids, out->count, sizeof(char *), compare_strings);
}

static int ids_equal(const struct test_ids *a, const struct test_ids *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->ids[i], b->ids[i]) != 0)
            return 0;
    return 1;
}

static void ids_print(const char *what, const struct test_ids *ids)
{
    fprintf(stderr, "%s (%zu):\n", what, ids->count);
    for (size_t i = 0; i < ids->count; i++)
        fprintf(stderr, "  %s\n", ids->ids[i]);
}

static int stream_matches_feeds(void *arg)
{
    (void)arg;
    struct test_ids shown, queued;
    ids_expected(&shown);
    ids_queued(&queued);
    int equal = ids_equal(&shown, &queued);
    test_ids_free(&shown);
    test_ids_free(&queued);
    return equal;
}

static void report_and_fail(const char *why)
{
    struct test_ids shown, queued;
    ids_expected(&shown);
    ids_queued(&queued);
    ids_print("getAuthorFeed shows", &shown);
    ids_print("the posts stream holds", &queued);
    test_ids_free(&shown);
    test_ids_free(&queued);
    const char *accounts[] = {"asn-budi", "asn-siti"};
    for (size_t i = 0; i < 2; i++) {
        char *error = test_account_field(&world.crawl, accounts[i], "last_error");
        fprintf(stderr, "%s: last_ok %lld, last_error \"%s\"\n", accounts[i],
                test_account_number(&world.crawl, accounts[i], "last_ok"), error);
        free(error);
    }
    e2e_report(&world.crawl, "crawler", "worker", (char *)NULL);
    fail_msg("%s", why);
}

/* The message's string list `name` is exactly `want` (NULL-terminated, in order). */
static void check_list(const cJSON *message, const char *name, const char *const *want,
                       const char *field)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(message, name);
    size_t n = 0;
    while (n < LIST_MAX && want[n] != NULL)
        n++;
    int got = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;
    if ((size_t)got != n)
        fail_msg("%s: %s has %d entries, expected %zu", string_of(message, "id"), name, got, n);
    for (size_t i = 0; i < n; i++) {
        const cJSON *entry = cJSON_GetArrayItem(list, (int)i);
        const char *value = field != NULL ? string_of(entry, field)
                                          : (cJSON_IsString(entry) ? entry->valuestring : "");
        if (strcmp(value, want[i]) != 0)
            fail_msg("%s: %s[%zu] is \"%s\", expected \"%s\"", string_of(message, "id"), name, i,
                     value, want[i]);
    }
}

static void check_message(const cJSON *message, const struct expected *e)
{
    char page[BSKY_URI_MAX + 64];
    const char *id = string_of(message, "id");
    assert_string_equal(string_of(message, "platform"), "bluesky");
    assert_string_equal(string_of(message, "account"), e->account);
    assert_string_equal(string_of(message, "author"), e->author);
    if (strcmp(string_of(message, "kind"), e->kind) != 0)
        fail_msg("%s: kind \"%s\", expected \"%s\"", id, string_of(message, "kind"), e->kind);
    if (strcmp(string_of(message, "text"), e->text) != 0)
        fail_msg("%s: text \"%s\", expected \"%s\"", id, string_of(message, "text"), e->text);
    check_list(message, "hashtags", e->hashtags, NULL);
    check_list(message, "mentions", e->mentions, NULL);
    check_list(message, "links", e->links, NULL);
    check_list(message, "media", e->alts, "alt");
    const cJSON *repost_of = cJSON_GetObjectItemCaseSensitive(message, "repost_of");
    if (e->repost_of_url[0] != '\0') {
        if (!cJSON_IsObject(repost_of))
            fail_msg("%s: no repost_of", id);
        assert_string_equal(string_of(repost_of, "author"), world.candidate.handle);
        assert_string_equal(string_of(repost_of, "url"), e->repost_of_url);
        assert_string_equal(string_of(repost_of, "text"), e->repost_of_text);
        /* A repost's page is the reposted post's. */
        if (strcmp(e->kind, "repost") == 0)
            assert_string_equal(string_of(message, "url"), e->repost_of_url);
    } else {
        if (repost_of != NULL && !cJSON_IsNull(repost_of))
            fail_msg("%s: repost_of where none was made", id);
        const char *uri = e->id + strlen("bluesky:");
        assert_string_equal(string_of(message, "url"), page_of(page, sizeof(page), e->author, uri));
    }
    if (strcmp(e->kind, "repost") != 0)
        assert_string_equal(string_of(message, "lang"), "id");
}

/* ---- the world's life ------------------------------------------------------------------------ */

static long long last_ok_min(void)
{
    long long budi = test_account_number(&world.crawl, "asn-budi", "last_ok");
    long long siti = test_account_number(&world.crawl, "asn-siti", "last_ok");
    return budi < siti ? budi : siti;
}

struct crawled_after {
    long long since_ms;
};

static int both_crawled_after(void *arg)
{
    return last_ok_min() > ((struct crawled_after *)arg)->since_ms;
}

/* Waits until both accounts completed a crawl that started after now. */
static void wait_full_pass(void)
{
    struct crawled_after after = {test_now_ms()};
    /* last_ok is when a crawl ended; one that began before now may end after it. */
    if (!test_wait_for(both_crawled_after, &after, 3 * INTERVAL_MS + 4000))
        report_and_fail("the accounts were not crawled within three intervals");
    after.since_ms = test_now_ms();
    if (!test_wait_for(both_crawled_after, &after, 3 * INTERVAL_MS + 4000))
        report_and_fail("the accounts were not crawled again within three intervals");
}

static int group_setup(void **state)
{
    (void)state;
    test_redis_server_start(&world.redis);
    /* The crawler harness reads the suite's Redis from here: this run's is its own. */
    setenv("NETRA_TEST_REDIS_URL", world.redis.url, 1);

    long long started = test_now_ms();
    write_world();
    fprintf(stderr, "interop: %zu feed items written through the PDS in %lld ms\n", world.count,
            test_now_ms() - started);

    test_sim_none(&world.none,
                  "id,platform,handle,name,nip,agency,region,interval\n"
                  "asn-budi,bluesky,budi-santoso.test,Budi Santoso,198503122010011002,"
                  "Dinas Pendidikan,sulawesi-tenggara,\n"
                  "asn-siti,bluesky,siti-rahayu.test,Siti Rahayu Ningsih,198707242011012003,"
                  "SMPN 3 Kendari,sulawesi-tenggara,\n"
                  "asn-agus,bluesky,agus-salim.test,Agus Salim,,Kecamatan Poasia,"
                  "sulawesi-tenggara,\n"
                  /* A handle nobody on the network has. */
                  "asn-hilang,bluesky,pegawai-hilang.test,Pegawai Hilang,,Kecamatan Kambu,"
                  "sulawesi-tenggara,\n");
    /* Three items a page: the crawl pages with the AppView's own cursors. */
    char extra[512];
    snprintf(extra, sizeof(extra),
             "{\"platforms\": {\"bluesky\": {\"base_url\": \"%s\", \"min_interval_ms\": 0,"
             " \"page_size\": 3}}}",
             bsky_appview_url());
    e2e_setup(&world.crawl, &world.none, "interop-bluesky", world.redis.url, NULL, extra);
    test_crawl_import(&world.crawl);
    world.worker = e2e_worker_start(&world.crawl, "worker");
    world.crawler = test_crawler_start(&world.crawl, "crawler");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (world.crawler > 0)
        assert_int_equal(test_crawler_stop(world.crawler, SIGTERM, 10000), 0);
    if (world.worker > 0)
        assert_int_equal(test_crawler_stop(world.worker, SIGTERM, 10000), 0);
    test_crawl_teardown(&world.crawl);
    test_sim_stop(&world.none);
    test_redis_server_stop(&world.redis);
    return 0;
}

/* ---- the tests ------------------------------------------------------------------------------- */

static void test_stream_holds_exactly_what_the_appview_shows(void **state)
{
    (void)state;
    long long started = test_now_ms();
    if (!test_wait_for(stream_matches_feeds, NULL, FIRST_CRAWL_MS))
        report_and_fail("the posts stream does not hold what getAuthorFeed shows");
    fprintf(stderr, "interop: first crawl queued everything in %lld ms\n",
            test_now_ms() - started);

    /* Each item the test wrote is in the feed, and read right. */
    cJSON *messages = stream_messages();
    assert_int_equal(cJSON_GetArraySize(messages), (int)world.count);
    for (size_t i = 0; i < world.count; i++) {
        const cJSON *message, *found = NULL;
        cJSON_ArrayForEach(message, messages)
            if (strcmp(string_of(message, "id"), world.items[i].id) == 0)
                found = message;
        if (found == NULL)
            fail_msg("%s (%s) was not queued", world.items[i].id, world.items[i].kind);
        check_message(found, &world.items[i]);
    }
    cJSON_Delete(messages);
}

static void test_second_pass_adds_nothing(void **state)
{
    (void)state;
    long long before = test_stream_length(&world.crawl);
    wait_full_pass();
    assert_int_equal(test_stream_length(&world.crawl), before);
    assert_true(stream_matches_feeds(NULL));
}

static int is_queued(void *arg)
{
    struct test_ids queued;
    ids_queued(&queued);
    int found = test_ids_contains(&queued, arg);
    test_ids_free(&queued);
    return found;
}

static void test_new_post_and_edit_arrive_within_one_interval(void **state)
{
    (void)state;
    static const char first_text[] = "Rapat koordinasi guru pukul 09.00 di aula dinas.";
    static const char edited_text[] = "Rapat koordinasi guru pukul 10.00 di aula dinas (ralat).";
    struct bsky_ref first, edited;
    char first_id[BSKY_URI_MAX + 16];

    post(&world.budi, bsky_post_record(first_text), &first);
    long long posted = test_now_ms();
    struct expected *e = expect("asn-budi", &world.budi, "post", first_text, &first);
    if (!test_wait_for(is_queued, e->id, QUEUED_WITHIN_MS))
        report_and_fail("a new post was not queued within one interval");
    fprintf(stderr, "interop: a new post was queued %lld ms after the PDS took it\n",
            test_now_ms() - posted);

    /* Bluesky has no edit: the client deletes the post and posts the new text. The first version
     * was flagged by no one, so once a complete listing misses it netra forgets it. */
    bsky_record_delete(&world.budi, first.uri);
    snprintf(first_id, sizeof(first_id), "%s", e->id);
    deleted_and_forgotten(first_id);
    post(&world.budi, bsky_post_record(edited_text), &edited);
    e = expect("asn-budi", &world.budi, "post", edited_text, &edited);
    if (!test_wait_for(is_queued, e->id, QUEUED_WITHIN_MS))
        report_and_fail("an edited post was not queued within one interval");
    wait_full_pass();
    if (!test_wait_for(stream_matches_feeds, NULL, QUEUED_WITHIN_MS))
        report_and_fail("after the edit the stream is not what the feeds show: the earlier, "
                        "unflagged version should be forgotten");

    cJSON *messages = stream_messages();
    const cJSON *message;
    int edited_found = 0;
    cJSON_ArrayForEach(message, messages) {
        if (strcmp(string_of(message, "id"), e->id) == 0) {
            check_message(message, e);
            edited_found++;
        }
    }
    assert_int_equal(edited_found, 1);
    cJSON_Delete(messages);
    /* What stays of the earlier version: its id, deduplicated, and the fact it was deleted. */
    char key[600], err[256];
    const char *prefix = world.crawl.config->redis.key_prefix;
    assert_int_equal(keys_seen(key, sizeof(key), prefix, 0, first_id, err, sizeof(err)), 0);
    assert_true(key_exists(key));
    assert_int_equal(keys_deleted(key, sizeof(key), prefix, 0, first_id, err, sizeof(err)), 0);
    assert_true(key_exists(key));
    assert_int_equal(keys_result(key, sizeof(key), prefix, 0, first_id, err, sizeof(err)), 0);
    assert_false(key_exists(key));
}

/* The AppView sorts an author's feed by the earlier of a post's createdAt and the time it indexed
 * it, and shows that time as indexedAt: a post backdated below what the last crawl saw sorts
 * below it, where incremental crawls stop (docs/platforms/bluesky.md). A rescan from before its
 * date finds it. */
static void test_a_backdated_post_is_found_by_a_rescan(void **state)
{
    (void)state;
    static const char text[] = "Catatan rapat minggu lalu, baru sempat diunggah.";
    struct bsky_ref ref;
    cJSON *record = bsky_post_record(text);
    bsky_record_backdate(record, 3 * 24 * 3600);
    post(&world.budi, record, &ref);
    struct expected *e = expect("asn-budi", &world.budi, "post", text, &ref);

    char *out = NULL, rid[80];
    char since[32];
    time_t four_days_ago = time(NULL) - 4 * 24 * 3600;
    struct tm tm;
    gmtime_r(&four_days_ago, &tm);
    strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (test_netra(&world.crawl, &out, "rescan", "asn-budi", "--since", since, "--wait",
                   "--scoring-wait", "0", (char *)NULL) != 0)
        fail_msg("netra rescan asn-budi: %s", out);
    assert_int_equal(sscanf(out, "rescan %79s queued: asn-budi", rid), 1);
    free(out);
    if (!stream_matches_feeds(NULL))
        report_and_fail("after the rescan the stream is not what the feeds show");

    cJSON *messages = stream_messages();
    const cJSON *message;
    int found = 0;
    cJSON_ArrayForEach(message, messages)
        if (strcmp(string_of(message, "id"), e->id) == 0) {
            check_message(message, e);
            assert_string_equal(string_of(message, "rescan"), rid);
            found++;
        }
    assert_int_equal(found, 1);
    cJSON_Delete(messages);
}

/* A phone whose clock is two minutes slow posts right after a crawl: the AppView sorts the post
 * by its createdAt, below the newest post that crawl saw, and the next crawl still finds it. */
static void test_a_post_from_a_clock_behind_arrives_within_one_interval(void **state)
{
    (void)state;
    static const char text[] = "Dari ponsel yang jamnya terlambat dua menit.";
    struct bsky_ref ref;
    wait_full_pass();
    cJSON *record = bsky_post_record(text);
    bsky_record_backdate(record, 120);
    post(&world.budi, record, &ref);
    struct expected *e = expect("asn-budi", &world.budi, "post", text, &ref);
    if (!test_wait_for(is_queued, e->id, QUEUED_WITHIN_MS))
        report_and_fail("a post from a clock behind was not queued within one interval");
    wait_full_pass();
    if (!stream_matches_feeds(NULL))
        report_and_fail("the stream is not what the feeds show");
}

static int partisan_has_case(void *arg)
{
    char *case_id = e2e_result_field(&world.crawl, arg, "case");
    int has = case_id[0] != '\0';
    free(case_id);
    return has;
}

static void test_deleted_partisan_post_stays_in_its_case_evidence(void **state)
{
    (void)state;
    char id[BSKY_URI_MAX + 16];
    snprintf(id, sizeof(id), "bluesky:%s", world.partisan.uri);
    if (!test_wait_for(partisan_has_case, id, 30000))
        report_and_fail("the partisan post did not become a case within 30 s");
    char *verdict = e2e_result_field(&world.crawl, id, "verdict");
    char *case_id = e2e_result_field(&world.crawl, id, "case");
    assert_string_equal(verdict, "suspect");

    bsky_record_delete(&world.siti, world.partisan.uri);
    no_longer_shown(id);
    wait_full_pass();
    if (!stream_matches_feeds(NULL))
        report_and_fail("after the deletion the stream is not the feeds plus the deleted post");
    cJSON *feed = bsky_author_feed(world.siti.did);
    char *shown = cJSON_PrintUnformatted(feed);
    assert_null(strstr(shown, world.partisan.uri));
    free(shown);
    cJSON_Delete(feed);

    char *bundle_text = NULL;
    if (test_netra(&world.crawl, &bundle_text, "evidence", "export", case_id, (char *)NULL) != 0)
        fail_msg("netra evidence export %s: %s", case_id, bundle_text);
    cJSON *bundle = cJSON_Parse(bundle_text);
    assert_non_null(bundle);
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(bundle, "message");
    assert_string_equal(string_of(bundle, "post_id"), id);
    assert_string_equal(string_of(message, "text"), PARTISAN_TEXT);
    assert_string_equal(string_of(message, "author"), world.siti.handle);
    /* The raw bytes are the AppView's feed item: they name the post the PDS no longer has. */
    assert_true(strlen(string_of(bundle, "raw_base64")) > 0);
    cJSON_Delete(bundle);
    free(bundle_text);

    char *out = NULL;
    if (test_netra(&world.crawl, &out, "evidence", "verify", (char *)NULL) != 0)
        fail_msg("netra evidence verify: %s", out);
    fprintf(stderr, "interop: netra evidence verify: %s", out);
    free(out);
    free(verdict);
    free(case_id);
}

struct gone_wait {
    const char *account;
};

static int is_gone(void *arg)
{
    char *status = test_account_field(&world.crawl, ((struct gone_wait *)arg)->account, "status");
    int gone = strcmp(status, "gone") == 0;
    free(status);
    return gone;
}

/* A handle the AppView cannot resolve answers 400 InvalidRequest "Unable to resolve handle"; a
 * deactivated account's feed answers 400 InvalidRequest "Profile not found". Both are gone, and
 * what was queued from the deactivated account stays. */
static void check_gone(const char *account)
{
    struct gone_wait wait = {account};
    if (!test_wait_for(is_gone, &wait, 3 * INTERVAL_MS + 4000))
        report_and_fail("an account the AppView no longer shows was not marked gone");
    char *error = test_account_field(&world.crawl, account, "last_error");
    if (strstr(error, "HTTP 400") == NULL)
        fail_msg("%s: last_error \"%s\" does not name the AppView's answer", account, error);
    free(error);
}

static void test_accounts_the_appview_does_not_show_are_gone(void **state)
{
    (void)state;
    check_gone("asn-hilang");

    cJSON *feed = bsky_author_feed(world.agus.did);
    const cJSON *item;
    cJSON_ArrayForEach(item, feed) {
        char id[BSKY_URI_MAX + 16];
        snprintf(id, sizeof(id), "bluesky:%s",
                 string_of(cJSON_GetObjectItemCaseSensitive(item, "post"), "uri"));
        no_longer_shown(id);
    }
    assert_true(cJSON_GetArraySize(feed) > 0);
    cJSON_Delete(feed);
    bsky_control_deactivate(&world.agus);
    world.agus_gone = 1;
    check_gone("asn-agus");
    wait_full_pass();
    if (!stream_matches_feeds(NULL))
        report_and_fail("a deactivated account's posts left the stream, or others came");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_holds_exactly_what_the_appview_shows),
        cmocka_unit_test(test_second_pass_adds_nothing),
        cmocka_unit_test(test_new_post_and_edit_arrive_within_one_interval),
        cmocka_unit_test(test_a_backdated_post_is_found_by_a_rescan),
        cmocka_unit_test(test_a_post_from_a_clock_behind_arrives_within_one_interval),
        cmocka_unit_test(test_deleted_partisan_post_stays_in_its_case_evidence),
        cmocka_unit_test(test_accounts_the_appview_does_not_show_are_gone),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
