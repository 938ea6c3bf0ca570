/* X API v2 as the simulator serves it: the bearer token, user lookup and X's 200-with-errors
 * for unknown users, the tweets shape with fields and expansions, paging with next_token,
 * since_id, entity offsets in code points, parameter errors, and the per-token rate budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/utf8.h"
#include "sim_test.h"

#define TOKEN "test-token-123"
#define FIELDS                                                                                     \
    "tweet.fields=created_at,lang,entities,referenced_tweets,attachments,author_id"                \
    "&expansions=referenced_tweets.id,referenced_tweets.id.author_id,attachments.media_keys"       \
    "&media.fields=url,alt_text"

static const char *const auth[] = {"Authorization: Bearer " TOKEN, NULL};

struct fixture {
    struct sim *sim;
    cJSON *account;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct sim_options options;
    sim_test_options(&options);
    options.token = TOKEN;
    f->sim = sim_test_start(&options);
    f->account = sim_test_account(f->sim, "x");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    cJSON_Delete(f->account);
    sim_test_stop(f->sim);
    free(f);
    return 0;
}

static cJSON *x_get(struct fixture *f, const char *path, long status)
{
    char *url = sim_test_url(f->sim, path);
    struct http_options options = {.headers = auth};
    struct http_response r;
    http_do(url, &options, &r);
    free(url);
    assert_int_equal(r.result, CURLE_OK);
    if (r.status != status)
        fail_msg("GET %s: status %ld, expected %ld: %.300s", path, r.status, status, r.body);
    cJSON *doc = http_json(&r);
    http_response_free(&r);
    return doc;
}

static void test_bearer_token_is_required(void **state)
{
    struct fixture *f = *state;
    char path[256];
    snprintf(path, sizeof(path), "/x/2/users/by/username/%s", json_string(f->account, "handle"));
    cJSON *e = sim_test_get_json(f->sim, path, 401);
    assert_string_equal(json_string(e, "title"), "Unauthorized");
    cJSON_Delete(e);
    char *url = sim_test_url(f->sim, path);
    const char *wrong[] = {"Authorization: Bearer not-the-token", NULL};
    struct http_options options = {.headers = wrong};
    struct http_response r;
    http_do(url, &options, &r);
    assert_int_equal(r.status, 401);
    http_response_free(&r);
    free(url);
}

static void test_user_lookup_and_not_found(void **state)
{
    struct fixture *f = *state;
    char path[256];
    snprintf(path, sizeof(path), "/x/2/users/by/username/%s", json_string(f->account, "handle"));
    cJSON *doc = x_get(f, path, 200);
    cJSON *data = cJSON_GetObjectItem(doc, "data");
    assert_string_equal(json_string(data, "id"), json_string(f->account, "native_id"));
    assert_string_equal(json_string(data, "username"), json_string(f->account, "handle"));
    json_string(data, "name");
    cJSON_Delete(doc);

    doc = x_get(f, "/x/2/users/by/username/nobody_at_all", 200);
    assert_null(cJSON_GetObjectItem(doc, "data"));
    cJSON *error = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0);
    assert_string_equal(json_string(error, "title"), "Not Found Error");
    assert_string_equal(json_string(error, "type"), "https://api.twitter.com/2/problems/resource-not-found");
    assert_string_equal(json_string(error, "resource_id"), "nobody_at_all");
    cJSON_Delete(doc);

    doc = x_get(f, "/x/2/users/42/tweets", 200);
    assert_string_equal(json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0), "parameter"), "id");
    cJSON_Delete(doc);

    doc = x_get(f, "/x/2/users/by/username/bad-name!", 400);
    assert_string_equal(json_string(doc, "title"), "Invalid Request");
    cJSON_Delete(doc);
}

static void test_tweets_shape_fields_and_includes(void **state)
{
    struct fixture *f = *state;
    char path[1024];
    snprintf(path, sizeof(path), "/x/2/users/%s/tweets?max_results=100&" FIELDS,
             json_string(f->account, "native_id"));
    cJSON *doc = x_get(f, path, 200);
    cJSON *data = cJSON_GetObjectItem(doc, "data");
    cJSON *includes = cJSON_GetObjectItem(doc, "includes");
    assert_int_equal(cJSON_GetArraySize(data), 100);
    int retweets = 0, media = 0;
    cJSON *t;
    cJSON_ArrayForEach(t, data)
    {
        json_string(t, "id");
        json_string(t, "created_at");
        json_string(t, "lang");
        assert_string_equal(json_string(t, "author_id"), json_string(f->account, "native_id"));
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(t, "edit_history_tweet_ids")));
        const char *text = json_string(t, "text");
        cJSON *refs = cJSON_GetObjectItem(t, "referenced_tweets");
        if (refs != NULL) {
            cJSON *ref = cJSON_GetArrayItem(refs, 0);
            const char *type = json_string(ref, "type");
            if (strcmp(type, "retweeted") == 0) {
                retweets++;
                assert_int_equal(strncmp(text, "RT @", 4), 0);
            }
            /* The referenced tweet is in includes.tweets. */
            int found = 0;
            cJSON *inc;
            cJSON_ArrayForEach(inc, cJSON_GetObjectItem(includes, "tweets"))
            {
                found += strcmp(json_string(inc, "id"), json_string(ref, "id")) == 0;
            }
            assert_int_equal(found, 1);
        }
        cJSON *attachments = cJSON_GetObjectItem(t, "attachments");
        if (attachments != NULL) {
            const char *key = cJSON_GetArrayItem(cJSON_GetObjectItem(attachments, "media_keys"), 0)->valuestring;
            cJSON *m;
            int found = 0;
            cJSON_ArrayForEach(m, cJSON_GetObjectItem(includes, "media"))
            {
                if (strcmp(json_string(m, "media_key"), key) == 0) {
                    found++;
                    assert_true(strlen(json_string(m, "alt_text")) > 0);
                    json_string(m, "url");
                }
            }
            assert_int_equal(found, 1);
            media++;
        }
        /* Entity offsets are code points into text. */
        size_t cps = 0;
        for (const char *p = text; *p; p++)
            cps += (((unsigned char)*p) & 0xC0) != 0x80;
        cJSON *entities = cJSON_GetObjectItem(t, "entities");
        cJSON *tag;
        cJSON_ArrayForEach(tag, cJSON_GetObjectItem(entities, "hashtags"))
        {
            int start = cJSON_GetObjectItem(tag, "start")->valueint;
            int end = cJSON_GetObjectItem(tag, "end")->valueint;
            assert_true(start >= 0 && end > start && (size_t)end <= cps);
            /* Walk to the code point and check it is the '#'. */
            const char *p = text;
            for (int i = 0; i < start; p++)
                if ((((unsigned char)p[1]) & 0xC0) != 0x80)
                    i++;
            assert_int_equal(*p, '#');
            assert_int_equal(end - start, (int)strlen(json_string(tag, "tag")) + 1);
        }
    }
    assert_true(retweets > 0);
    assert_true(media > 0);
    cJSON *users = cJSON_GetObjectItem(includes, "users");
    assert_true(cJSON_GetArraySize(users) > 0);
    cJSON *meta = cJSON_GetObjectItem(doc, "meta");
    assert_int_equal(cJSON_GetObjectItem(meta, "result_count")->valueint, 100);
    assert_string_equal(json_string(meta, "newest_id"), json_string(cJSON_GetArrayItem(data, 0), "id"));
    assert_string_equal(json_string(meta, "oldest_id"), json_string(cJSON_GetArrayItem(data, 99), "id"));
    json_string(meta, "next_token");
    cJSON_Delete(doc);
}

static void test_only_requested_fields(void **state)
{
    struct fixture *f = *state;
    char path[256];
    snprintf(path, sizeof(path), "/x/2/users/%s/tweets", json_string(f->account, "native_id"));
    cJSON *doc = x_get(f, path, 200);
    cJSON *data = cJSON_GetObjectItem(doc, "data");
    assert_int_equal(cJSON_GetArraySize(data), 10);
    cJSON *t = cJSON_GetArrayItem(data, 0);
    assert_null(cJSON_GetObjectItem(t, "created_at"));
    assert_null(cJSON_GetObjectItem(t, "entities"));
    assert_null(cJSON_GetObjectItem(doc, "includes"));
    cJSON_Delete(doc);
}

static void test_next_token_pages_through_everything_once(void **state)
{
    struct fixture *f = *state;
    cJSON *truth = sim_test_visible_ids(f->sim, json_string(f->account, "id"));
    cJSON *seen = cJSON_CreateArray();
    char token[128] = "";
    for (int pages = 0;; pages++) {
        assert_true(pages < 100);
        char path[512];
        snprintf(path, sizeof(path), "/x/2/users/%s/tweets?max_results=7%s%s",
                 json_string(f->account, "native_id"), token[0] ? "&pagination_token=" : "", token);
        cJSON *doc = x_get(f, path, 200);
        cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(doc, "data"))
        {
            char id[128];
            snprintf(id, sizeof(id), "x:%s", json_string(t, "id"));
            assert_false(json_array_has(seen, id));
            cJSON_AddItemToArray(seen, cJSON_CreateString(id));
        }
        cJSON *next = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "next_token");
        if (next == NULL) {
            cJSON_Delete(doc);
            break;
        }
        snprintf(token, sizeof(token), "%s", next->valuestring);
        cJSON_Delete(doc);
    }
    assert_int_equal(cJSON_GetArraySize(seen), cJSON_GetArraySize(truth));
    cJSON *id;
    cJSON_ArrayForEach(id, truth)
    {
        assert_true(json_array_has(seen, id->valuestring));
    }
    cJSON_Delete(seen);
    cJSON_Delete(truth);
}

static void test_since_id_and_empty_meta(void **state)
{
    struct fixture *f = *state;
    char path[512];
    snprintf(path, sizeof(path), "/x/2/users/%s/tweets?max_results=20", json_string(f->account, "native_id"));
    cJSON *all = x_get(f, path, 200);
    const char *bound = json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(all, "data"), 12), "id");
    snprintf(path, sizeof(path), "/x/2/users/%s/tweets?max_results=5&since_id=%s",
             json_string(f->account, "native_id"), bound);
    /* Newer than the bound: 12 tweets, newest first, in pages of 5 down towards since_id. */
    cJSON *page = x_get(f, path, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(page, "data")), 5);
    assert_string_equal(json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(page, "data"), 0), "id"),
                        json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(all, "data"), 0), "id"));
    cJSON_Delete(page);

    const char *newest = json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(all, "data"), 0), "id");
    snprintf(path, sizeof(path), "/x/2/users/%s/tweets?since_id=%s", json_string(f->account, "native_id"), newest);
    page = x_get(f, path, 200);
    assert_null(cJSON_GetObjectItem(page, "data"));
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(page, "meta"), "result_count")->valueint, 0);
    cJSON_Delete(page);
    cJSON_Delete(all);
}

static void test_bad_parameters(void **state)
{
    struct fixture *f = *state;
    char path[512];
    snprintf(path, sizeof(path), "/x/2/users/%s/tweets?max_results=3", json_string(f->account, "native_id"));
    cJSON *e = x_get(f, path, 400);
    assert_non_null(strstr(json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "errors"), 0), "message"),
                           "max_results"));
    cJSON_Delete(e);
    snprintf(path, sizeof(path), "/x/2/users/%s/tweets?start_time=yesterday", json_string(f->account, "native_id"));
    e = x_get(f, path, 400);
    cJSON_Delete(e);
}

static void test_publish_shows_tco_links(void **state)
{
    struct fixture *f = *state;
    char body[256];
    snprintf(body, sizeof(body), "{\"account\":\"%s\",\"text\":\"Cek DPT 🗳️ di https://cekdptonline.kpu.go.id #Pemilu\"}",
             json_string(f->account, "id"));
    cJSON *made = sim_test_post_json(f->sim, "/_sim/publish", body, 201);
    char path[512];
    snprintf(path, sizeof(path), "/x/2/users/%s/tweets?max_results=5&tweet.fields=entities",
             json_string(f->account, "native_id"));
    cJSON *doc = x_get(f, path, 200);
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "data"), 0);
    assert_string_equal(json_string(t, "id"), json_string(made, "native_id"));
    assert_non_null(strstr(json_string(t, "text"), "https://t.co/"));
    cJSON *url = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "entities"), "urls"), 0);
    assert_string_equal(json_string(url, "expanded_url"), "https://cekdptonline.kpu.go.id");
    /* "Cek DPT " 8, ballot box + variation selector 2, " di " 4. */
    assert_int_equal(cJSON_GetObjectItem(url, "start")->valueint, 14);
    cJSON_Delete(doc);
    cJSON_Delete(made);
}

/* A budget of 3 requests: the fourth is 429 with Retry-After and zero remaining. */
static void test_rate_limit_per_token(void **state)
{
    (void)state;
    struct sim_options options;
    sim_test_options(&options);
    options.token = TOKEN;
    options.rate_limit = 3;
    options.rate_window_s = 60;
    struct sim *sim = sim_test_start(&options);
    char *url = sim_test_url(sim, "/x/2/users/by/username/somebody");
    struct http_options http = {.headers = auth};
    struct http_response r;
    for (int i = 0; i < 3; i++) {
        http_do(url, &http, &r);
        assert_int_equal(r.status, 200);
        char *remaining = http_header(&r, "x-rate-limit-remaining");
        assert_int_equal(atoi(remaining), 2 - i);
        free(remaining);
        http_response_free(&r);
    }
    http_do(url, &http, &r);
    assert_int_equal(r.status, 429);
    char *retry = http_header(&r, "Retry-After");
    char *reset = http_header(&r, "x-rate-limit-reset");
    char *remaining = http_header(&r, "x-rate-limit-remaining");
    assert_true(atoi(retry) >= 1 && atoi(retry) <= 60);
    assert_true(atoll(reset) > 1700000000LL);
    assert_string_equal(remaining, "0");
    free(retry);
    free(reset);
    free(remaining);
    http_response_free(&r);
    free(url);
    sim_test_stop(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bearer_token_is_required),
        cmocka_unit_test(test_user_lookup_and_not_found),
        cmocka_unit_test(test_tweets_shape_fields_and_includes),
        cmocka_unit_test(test_only_requested_fields),
        cmocka_unit_test(test_next_token_pages_through_everything_once),
        cmocka_unit_test(test_since_id_and_empty_meta),
        cmocka_unit_test(test_bad_parameters),
        cmocka_unit_test(test_publish_shows_tco_links),
        cmocka_unit_test(test_rate_limit_per_token),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
