/* `netra parse`: a saved platform response in, the post messages the crawler would queue out,
 * with no network and no Redis; what it cannot read is reported with where, exit 1. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/log.h"
#include "queue/post_message.h"
#include "tests/support/test_support.h"

/* netra parse with args (NULL-terminated), stdin from input_path (NULL: /dev/null) and env
 * ("NAME=value" entries, NULL-terminated, or NULL). No Redis is reachable: NETRA_REDIS_URL
 * points at a closed port, so a parse that tried to connect would fail. */
static struct test_run run_parse(const char *input_path, const char *const *env, ...)
{
    const char *bin = getenv("NETRA_BIN");
    if (bin == NULL)
        fail_msg("NETRA_BIN is not set: run through ctest");
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)bin;
    argv[argc++] = "parse";
    va_list ap;
    va_start(ap, env);
    for (char *arg = va_arg(ap, char *); arg != NULL && argc < 15; arg = va_arg(ap, char *))
        argv[argc++] = arg;
    va_end(ap);
    argv[argc] = NULL;

    const char *all_env[16] = {"NETRA_CONFIG", "NETRA_REDIS_URL=redis://127.0.0.1:1/0"};
    size_t count = 2;
    for (size_t i = 0; env != NULL && env[i] != NULL && count < 15; i++)
        all_env[count++] = env[i];
    all_env[count] = NULL;
    return test_run_program(argv, all_env, NULL, input_path);
}

static char *fixture(const char *relative)
{
    char path[256];
    snprintf(path, sizeof(path), "tests/adapters/fixtures/%s", relative);
    return test_source_path(path);
}

/* Every stdout line is a valid post message; returns how many, ids into ids[]. */
static size_t read_posts(const char *out, char ids[][64], size_t max)
{
    size_t count = 0;
    for (const char *line = out; *line != '\0';) {
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        struct post_message *message = NULL;
        char err[NETRA_ERR_LEN];
        if (post_message_from_json(line, (size_t)(end - line), &message, err, sizeof(err)) != 0)
            fail_msg("not a post message: %.*s\n  %s", (int)(end - line), line, err);
        assert_true(count < max);
        snprintf(ids[count++], 64, "%s", message->id);
        assert_null(message->account); /* the crawler's to fill in */
        post_message_free(message);
        line = end + 1;
    }
    return count;
}

static void a_saved_page_gives_the_posts_the_crawler_would_queue(void **state)
{
    (void)state;
    char *path = fixture("mastodon/statuses_one_bad.json");
    struct test_run run = run_parse(NULL, NULL, "--platform", "mastodon", "--handle",
                               "budi@example.social", path, (char *)NULL);
    assert_int_equal(run.status, 0);
    char ids[8][64];
    assert_int_equal(read_posts(run.out, ids, 8), 2);
    assert_string_equal(ids[0], "mastodon:111734300000000010");
    assert_string_equal(ids[1], "mastodon:111734300000000008");
    /* What the operator asks "why not?" about: the item left out, and why. */
    assert_non_null(strstr(run.err, "2 posts; next page: 111734300000000008; new cursor: "
                                    "111734300000000010"));
    assert_non_null(strstr(run.err, "1 malformed items left out, the first: statuses[1]"));
    test_run_free(&run);
    free(path);
}

static void standard_input_and_the_configs_settings_are_used(void **state)
{
    (void)state;
    char *path = fixture("jsonapi/first_page.json");
    static const char *const mapping[] = {
        "NETRA_PLATFORMS_JSONAPI_URL=https://portal.example.go.id/api/{handle}?c={cursor}",
        "NETRA_PLATFORMS_JSONAPI_ITEMS=/data/posts", "NETRA_PLATFORMS_JSONAPI_ID=/post_id",
        "NETRA_PLATFORMS_JSONAPI_URL_FIELD=/links/self", NULL};
    struct test_run run = run_parse(path, mapping, "--platform", "jsonapi", "--handle", "budi", "-",
                               (char *)NULL);
    assert_int_equal(run.status, 0);
    char ids[8][64];
    assert_int_equal(read_posts(run.out, ids, 8), 4);
    assert_string_equal(ids[0], "jsonapi:9004");
    assert_string_equal(ids[3], "jsonapi:9001");
    test_run_free(&run);

    /* The shipped defaults do not fit this endpoint: said so, exit 1. */
    run = run_parse(path, NULL, "--platform", "jsonapi", "--handle", "budi", (char *)NULL);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.err, "platforms.jsonapi.url is not set"));
    assert_string_equal(run.out, "");
    test_run_free(&run);
    free(path);
}

static void a_lookup_answer_gives_the_native_id_or_gone(void **state)
{
    (void)state;
    char *found = fixture("x/lookup_found.json"), *missing = fixture("x/lookup_not_found.json");
    struct test_run run = run_parse(NULL, NULL, "--platform", "x", "--lookup", found, (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_string_equal(run.out, "native id: 2244994945\n");
    test_run_free(&run);
    run = run_parse(NULL, NULL, "--platform", "x", "--lookup", missing, (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "gone"));
    test_run_free(&run);
    free(found);
    free(missing);
}

static void what_cannot_be_read_is_reported_with_where(void **state)
{
    (void)state;
    char *json = test_write_temp_file("[{\"id\": \"1\"", 11, ".json");
    char *xml = test_write_temp_file("<rss><channel><item>", 20, ".rss");
    struct test_run run = run_parse(NULL, NULL, "--platform", "mastodon", "--handle", "a@b.example",
                               json, (char *)NULL);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.err, json));
    assert_non_null(strstr(run.err, "byte 11"));
    assert_string_equal(run.out, "");
    test_run_free(&run);
    run = run_parse(xml, NULL, "--platform", "feed", "--handle", "http://a.example/f.rss", "-",
                    (char *)NULL);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.err, "line 1, column 21"));
    test_run_free(&run);

    /* Larger than the crawler would ever read. */
    char big[4096];
    memset(big, ' ', sizeof(big));
    big[0] = '[';
    big[sizeof(big) - 1] = ']';
    char *large = test_write_temp_file(big, sizeof(big), ".json");
    static const char *const small_limit[] = {"NETRA_CRAWLER_MAX_BODY_BYTES=1024", NULL};
    run = run_parse(NULL, small_limit, "--platform", "mastodon", "--handle", "a@b.example", large,
                    (char *)NULL);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.err, "larger than 1024 bytes (crawler.max_body_bytes)"));
    test_run_free(&run);

    run = run_parse(NULL, NULL, "--platform", "mastodon", "/nonexistent/page.json", (char *)NULL);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.err, "/nonexistent/page.json: cannot open"));
    test_run_free(&run);
    unlink(json);
    unlink(xml);
    unlink(large);
    free(json);
    free(xml);
    free(large);
}

static void follows_and_likes_listings_give_engagement_messages(void **state)
{
    (void)state;
    char *following = fixture("mastodon-following/following_first_page.json");
    struct test_run run = run_parse(NULL, NULL, "--platform", "mastodon-following", "--handle",
                                    "budi@mastodon.example", following, (char *)NULL);
    assert_int_equal(run.status, 0);
    char ids[8][64];
    assert_int_equal(read_posts(run.out, ids, 8), 2);
    assert_string_equal(ids[0], "mastodon:follow:0:109301234567890123");
    assert_non_null(strstr(run.out, "\"account\":\"gerindra@kampanye.social\""));
    test_run_free(&run);

    char *liked = fixture("x-liked/liked_first_page.json");
    run = run_parse(NULL, NULL, "--platform", "x-liked", liked, (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_int_equal(read_posts(run.out, ids, 8), 3);
    assert_string_equal(ids[0], "x:like:0:1743000000000000005");
    test_run_free(&run);

    /* bluesky-likes: the listRecords body gives the page to read the getPosts body with. */
    char *records = fixture("bluesky-likes/records_first_page.json");
    char *posts = fixture("bluesky-likes/posts.json");
    run = run_parse(NULL, NULL, "--platform", "bluesky-likes", records, (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_string_equal(run.out, "");
    const char *from = strstr(run.err, "next page: ");
    const char *to = from != NULL ? strstr(from, "; new cursor: 3kzd7hxqf2k2c") : NULL;
    assert_non_null(to);
    char *page = strndup(from + 11, (size_t)(to - from - 11));
    test_run_free(&run);
    run = run_parse(NULL, NULL, "--platform", "bluesky-likes", "--page", page, posts,
                    (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "\"text\":\"Pilih nomor 2 pada 14 Februari! #Pemilu2024\""));
    assert_non_null(strstr(run.err, "3 posts; next page: {\"cursor\":\"3kzd4vvvvvv2d\"}"));
    test_run_free(&run);
    run = run_parse(NULL, NULL, "--platform", "bluesky-likes", "--page", "{", posts,
                    (char *)NULL);
    assert_int_equal(run.status, 1);
    assert_non_null(strstr(run.err, "page: not valid JSON"));
    test_run_free(&run);
    free(page);
    free(following);
    free(liked);
    free(records);
    free(posts);
}

static void bad_usage_exits_2(void **state)
{
    (void)state;
    struct test_run run = run_parse(NULL, NULL, (char *)NULL);
    assert_int_equal(run.status, 2);
    assert_non_null(strstr(run.err, "--platform is required"));
    test_run_free(&run);
    run = run_parse(NULL, NULL, "--platform", "myspace", (char *)NULL);
    assert_int_equal(run.status, 2);
    assert_non_null(strstr(run.err, "unknown platform \"myspace\""));
    test_run_free(&run);
    run = run_parse(NULL, NULL, "--platform", "x", "a.json", "b.json", (char *)NULL);
    assert_int_equal(run.status, 2);
    test_run_free(&run);
    run = run_parse(NULL, NULL, "--help", (char *)NULL);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "usage: netra parse"));
    test_run_free(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_saved_page_gives_the_posts_the_crawler_would_queue),
        cmocka_unit_test(standard_input_and_the_configs_settings_are_used),
        cmocka_unit_test(a_lookup_answer_gives_the_native_id_or_gone),
        cmocka_unit_test(what_cannot_be_read_is_reported_with_where),
        cmocka_unit_test(follows_and_likes_listings_give_engagement_messages),
        cmocka_unit_test(bad_usage_exits_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
