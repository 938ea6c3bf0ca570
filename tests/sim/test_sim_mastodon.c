/* Mastodon's API as the simulator serves it: lookup, the account and statuses shapes, the
 * paging parameters and Link headers, filters, HTML content, rate headers, not found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_test.h"

struct fixture {
    struct sim *sim;
    cJSON *account;   /* from /_sim/accounts */
    char statuses[200]; /* /mastodon/api/v1/accounts/<id>/statuses */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct sim_options options;
    sim_test_options(&options);
    f->sim = sim_test_start(&options);
    f->account = sim_test_account(f->sim, "mastodon");
    snprintf(f->statuses, sizeof(f->statuses), "/mastodon/api/v1/accounts/%s/statuses",
             json_string(f->account, "native_id"));
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

static struct http_response get(struct fixture *f, const char *path)
{
    char *url = sim_test_url(f->sim, path);
    struct http_response r;
    http_get(url, &r);
    free(url);
    assert_int_equal(r.result, CURLE_OK);
    return r;
}

/* The URL inside <...>; rel="name" of a Link header, or NULL. */
static char *link_target(const char *link, const char *rel)
{
    char needle[32];
    snprintf(needle, sizeof(needle), "rel=\"%s\"", rel);
    const char *at = link != NULL ? strstr(link, needle) : NULL;
    if (at == NULL)
        return NULL;
    const char *close = at;
    while (close > link && *close != '>')
        close--;
    const char *open = close;
    while (open > link && *open != '<')
        open--;
    return strndup(open + 1, (size_t)(close - open - 1));
}

static void test_lookup_finds_the_account(void **state)
{
    struct fixture *f = *state;
    char path[256];
    const char *handle = json_string(f->account, "handle"); /* user@sim.mastodon */
    snprintf(path, sizeof(path), "/mastodon/api/v1/accounts/lookup?acct=%s", handle);
    cJSON *a = sim_test_get_json(f->sim, path, 200);
    assert_string_equal(json_string(a, "id"), json_string(f->account, "native_id"));
    assert_int_equal(strncmp(handle, json_string(a, "username"), strlen(json_string(a, "username"))), 0);
    assert_string_equal(json_string(a, "acct"), json_string(a, "username"));
    assert_non_null(strstr(json_string(a, "url"), "https://sim.mastodon/@"));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(a, "statuses_count")));
    cJSON_Delete(a);

    /* Without the domain, as Mastodon also accepts. */
    char user[128];
    snprintf(user, sizeof(user), "%.*s", (int)(strchr(handle, '@') - handle), handle);
    snprintf(path, sizeof(path), "/mastodon/api/v1/accounts/lookup?acct=%s", user);
    a = sim_test_get_json(f->sim, path, 200);
    assert_string_equal(json_string(a, "id"), json_string(f->account, "native_id"));
    cJSON_Delete(a);
}

static void test_unknown_account_is_record_not_found(void **state)
{
    struct fixture *f = *state;
    cJSON *e = sim_test_get_json(f->sim, "/mastodon/api/v1/accounts/lookup?acct=nobody@sim.mastodon", 404);
    assert_string_equal(json_string(e, "error"), "Record not found");
    cJSON_Delete(e);
    e = sim_test_get_json(f->sim, "/mastodon/api/v1/accounts/123/statuses", 404);
    assert_string_equal(json_string(e, "error"), "Record not found");
    cJSON_Delete(e);
    /* A user of another instance is not this instance's. */
    char path[256];
    snprintf(path, sizeof(path), "/mastodon/api/v1/accounts/lookup?acct=%.*s@mastodon.social",
             (int)strcspn(json_string(f->account, "handle"), "@"), json_string(f->account, "handle"));
    e = sim_test_get_json(f->sim, path, 404);
    cJSON_Delete(e);
}

static void test_statuses_shape(void **state)
{
    struct fixture *f = *state;
    char path[512];
    snprintf(path, sizeof(path), "%s?limit=40", f->statuses);
    cJSON *list = sim_test_get_json(f->sim, path, 200);
    assert_int_equal(cJSON_GetArraySize(list), 40);
    int reblogs = 0, replies = 0, html_ok = 0;
    cJSON *s;
    cJSON_ArrayForEach(s, list)
    {
        json_string(s, "id");
        json_string(s, "created_at");
        json_string(s, "uri");
        const char *visibility = json_string(s, "visibility");
        assert_true(strcmp(visibility, "public") == 0 || strcmp(visibility, "unlisted") == 0);
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(s, "media_attachments")));
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(s, "mentions")));
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(s, "tags")));
        assert_string_equal(json_string(cJSON_GetObjectItem(s, "account"), "id"),
                            json_string(f->account, "native_id"));
        cJSON *reblog = cJSON_GetObjectItem(s, "reblog");
        if (cJSON_IsObject(reblog)) {
            reblogs++;
            assert_string_equal(json_string(s, "content"), "");
            assert_true(strlen(json_string(reblog, "content")) > 7);
            assert_string_not_equal(json_string(cJSON_GetObjectItem(reblog, "account"), "id"),
                                    json_string(f->account, "native_id"));
        } else {
            assert_true(cJSON_IsNull(reblog));
            const char *content = json_string(s, "content");
            html_ok += strncmp(content, "<p>", 3) == 0;
        }
        if (cJSON_IsString(cJSON_GetObjectItem(s, "in_reply_to_id"))) {
            replies++;
            assert_true(cJSON_IsString(cJSON_GetObjectItem(s, "in_reply_to_account_id")));
            assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(s, "mentions")) >= 1);
        }
        cJSON *media;
        cJSON_ArrayForEach(media, cJSON_GetObjectItem(s, "media_attachments"))
        {
            assert_string_equal(json_string(media, "type"), "image");
            assert_true(strlen(json_string(media, "description")) > 0);
        }
    }
    assert_true(reblogs > 0);
    assert_true(replies > 0);
    assert_int_equal(html_ok, 40 - reblogs);
    cJSON_Delete(list);
}

static void test_limit_is_capped_at_40_and_defaults_to_20(void **state)
{
    struct fixture *f = *state;
    char path[512];
    snprintf(path, sizeof(path), "%s?limit=500", f->statuses);
    cJSON *list = sim_test_get_json(f->sim, path, 200);
    assert_int_equal(cJSON_GetArraySize(list), 40);
    cJSON_Delete(list);
    list = sim_test_get_json(f->sim, f->statuses, 200);
    assert_int_equal(cJSON_GetArraySize(list), 20);
    cJSON_Delete(list);
}

/* Following rel="next" from the top visits every visible status exactly once, newest first. */
static void test_link_next_pages_through_everything_once(void **state)
{
    struct fixture *f = *state;
    cJSON *truth = sim_test_visible_ids(f->sim, json_string(f->account, "id"));
    cJSON *seen = cJSON_CreateArray();
    char path[512];
    snprintf(path, sizeof(path), "%s?limit=7", f->statuses);
    char *url = sim_test_url(f->sim, path);
    unsigned long long previous = ~0ull;
    int pages = 0;
    while (url != NULL) {
        struct http_response r;
        http_get(url, &r);
        free(url);
        assert_int_equal(r.status, 200);
        cJSON *list = http_json(&r);
        cJSON *s;
        cJSON_ArrayForEach(s, list)
        {
            char id[128];
            snprintf(id, sizeof(id), "mastodon:%s", json_string(s, "id"));
            assert_false(json_array_has(seen, id));
            unsigned long long n = strtoull(json_string(s, "id"), NULL, 10);
            assert_true(n < previous);
            previous = n;
            cJSON_AddItemToArray(seen, cJSON_CreateString(id));
        }
        char *link = http_header(&r, "Link");
        url = link_target(link, "next");
        if (cJSON_GetArraySize(list) == 7)
            assert_non_null(url);
        else
            assert_null(url);
        char *prev = link_target(link, "prev");
        if (cJSON_GetArraySize(list) > 0)
            assert_non_null(prev);
        free(prev);
        free(link);
        cJSON_Delete(list);
        http_response_free(&r);
        pages++;
        assert_true(pages < 200);
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

static unsigned long long id_at(const cJSON *list, int i)
{
    return strtoull(json_string(cJSON_GetArrayItem(list, i), "id"), NULL, 10);
}

static void test_since_id_newest_min_id_oldest(void **state)
{
    struct fixture *f = *state;
    char path[512];
    snprintf(path, sizeof(path), "%s?limit=40", f->statuses);
    cJSON *all = sim_test_get_json(f->sim, path, 200);
    /* A bound 30 statuses down: above it are 29 newer ones. */
    const char *bound = json_string(cJSON_GetArrayItem(all, 29), "id");

    snprintf(path, sizeof(path), "%s?limit=5&since_id=%s", f->statuses, bound);
    cJSON *since = sim_test_get_json(f->sim, path, 200);
    assert_int_equal(cJSON_GetArraySize(since), 5);
    assert_true(id_at(since, 0) == id_at(all, 0)); /* the newest five */
    assert_true(id_at(since, 4) == id_at(all, 4));

    snprintf(path, sizeof(path), "%s?limit=5&min_id=%s", f->statuses, bound);
    cJSON *min = sim_test_get_json(f->sim, path, 200);
    assert_int_equal(cJSON_GetArraySize(min), 5);
    assert_true(id_at(min, 4) == id_at(all, 28)); /* the five just above the bound... */
    assert_true(id_at(min, 0) == id_at(all, 24)); /* ...still newest first */

    snprintf(path, sizeof(path), "%s?limit=5&max_id=%s", f->statuses, bound);
    cJSON *max = sim_test_get_json(f->sim, path, 200);
    assert_true(id_at(max, 0) == id_at(all, 30));
    cJSON_Delete(all);
    cJSON_Delete(since);
    cJSON_Delete(min);
    cJSON_Delete(max);
}

static void test_prev_link_uses_min_id_of_the_newest(void **state)
{
    struct fixture *f = *state;
    char path[512];
    snprintf(path, sizeof(path), "%s?limit=3", f->statuses);
    char *url = sim_test_url(f->sim, path);
    struct http_response r;
    http_get(url, &r);
    free(url);
    cJSON *list = http_json(&r);
    char *link = http_header(&r, "Link");
    char *prev = link_target(link, "prev");
    char *next = link_target(link, "next");
    char expected[128];
    snprintf(expected, sizeof(expected), "min_id=%s", json_string(cJSON_GetArrayItem(list, 0), "id"));
    assert_non_null(strstr(prev, expected));
    assert_non_null(strstr(prev, "limit=3"));
    snprintf(expected, sizeof(expected), "max_id=%s", json_string(cJSON_GetArrayItem(list, 2), "id"));
    assert_non_null(strstr(next, expected));
    assert_int_equal(strncmp(next, f->sim->world.base_url, strlen(f->sim->world.base_url)), 0);
    free(prev);
    free(next);
    free(link);
    cJSON_Delete(list);
    http_response_free(&r);
}

static void test_filters(void **state)
{
    struct fixture *f = *state;
    char path[512];
    snprintf(path, sizeof(path), "%s?limit=40&exclude_replies=true&exclude_reblogs=true", f->statuses);
    cJSON *list = sim_test_get_json(f->sim, path, 200);
    cJSON *s;
    cJSON_ArrayForEach(s, list)
    {
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(s, "reblog")));
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(s, "in_reply_to_id")));
    }
    cJSON_Delete(list);
    snprintf(path, sizeof(path), "%s?only_media=true", f->statuses);
    list = sim_test_get_json(f->sim, path, 200);
    assert_true(cJSON_GetArraySize(list) > 0);
    cJSON_ArrayForEach(s, list)
    {
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(s, "media_attachments")) > 0);
    }
    cJSON_Delete(list);
    snprintf(path, sizeof(path), "%s?pinned=true", f->statuses);
    list = sim_test_get_json(f->sim, path, 200);
    assert_int_equal(cJSON_GetArraySize(list), 0);
    cJSON_Delete(list);
}

static void test_rate_headers(void **state)
{
    struct fixture *f = *state;
    struct http_response r = get(f, f->statuses);
    char *limit = http_header(&r, "X-RateLimit-Limit");
    char *remaining = http_header(&r, "X-RateLimit-Remaining");
    char *reset = http_header(&r, "X-RateLimit-Reset");
    assert_string_equal(limit, "100000");
    assert_true(atol(remaining) > 0 && atol(remaining) < 100000);
    assert_int_equal(strlen(reset), 24); /* 2024-10-27T02:00:36.081Z */
    free(limit);
    free(remaining);
    free(reset);
    http_response_free(&r);
}

static void test_published_post_tops_the_timeline(void **state)
{
    struct fixture *f = *state;
    char body[256];
    snprintf(body, sizeof(body), "{\"account\":\"%s\",\"text\":\"Rapat & \\\"evaluasi\\\" <hari ini> #Kinerja @KPU_ID\"}",
             json_string(f->account, "id"));
    cJSON *made = sim_test_post_json(f->sim, "/_sim/publish", body, 201);
    cJSON *list = sim_test_get_json(f->sim, f->statuses, 200);
    cJSON *top = cJSON_GetArrayItem(list, 0);
    assert_string_equal(json_string(top, "id"), json_string(made, "native_id"));
    assert_string_equal(json_string(top, "content"),
                        "<p>Rapat &amp; &quot;evaluasi&quot; &lt;hari ini&gt; <a href=\"https://sim.mastodon/tags/Kinerja\" class=\"mention hashtag\" rel=\"tag\">#<span>Kinerja</span></a> "
                        "<span class=\"h-card\" translate=\"no\"><a href=\"https://sim.mastodon/@KPU_ID\" class=\"u-url mention\">@<span>KPU_ID</span></a></span></p>");
    assert_string_equal(json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(top, "tags"), 0), "name"), "kinerja");
    assert_string_equal(json_string(cJSON_GetArrayItem(cJSON_GetObjectItem(top, "mentions"), 0), "acct"), "KPU_ID");
    cJSON_Delete(list);
    cJSON_Delete(made);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_finds_the_account),
        cmocka_unit_test(test_unknown_account_is_record_not_found),
        cmocka_unit_test(test_statuses_shape),
        cmocka_unit_test(test_limit_is_capped_at_40_and_defaults_to_20),
        cmocka_unit_test(test_link_next_pages_through_everything_once),
        cmocka_unit_test(test_since_id_newest_min_id_oldest),
        cmocka_unit_test(test_prev_link_uses_min_id_of_the_newest),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_rate_headers),
        cmocka_unit_test(test_published_post_tops_the_timeline),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
