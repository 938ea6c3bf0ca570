/* What the adapter tests and fuzz targets share: running an adapter's two functions on a context,
 * and checking what the adapter contract (crawler/adapters/adapter.h) promises of their output.
 *
 * The adapter_check_* functions use no cmocka: they return 0, or -1 with why, so a fuzz target
 * can abort on them. The adapter_test_* functions and ASSERT_STRINGS fail the running cmocka test
 * instead of returning an error. Strings returned are the caller's (fixtures) or the err buffer
 * passed in. */
#ifndef NETRA_TESTS_ADAPTERS_ADAPTER_TEST_H
#define NETRA_TESTS_ADAPTERS_ADAPTER_TEST_H

#include <stddef.h>

#include "config/log.h"
#include "crawler/adapters/adapter.h"

/* ---- contract checks, for tests and fuzz targets ---- */

/* A post a parse returned: id "<platform>:...", platform, UTF-8 text, an RFC 3339 UTC created_at,
 * raw with its SHA-256, and what the worker's decoder reads back is the same post. A follow or
 * like has text "" and a target.id, and a created_at only when the platform gives one. */
int adapter_check_post(const struct post_message *post, const char *platform, char *why,
                       size_t why_len);

/* Runs adapter->parse on response (its error into err) and checks the contract of its answer. A
 * refusal (*accepted 0) must say why on one line of UTF-8 and return nothing; an accepted result
 * (*accepted 1) must hold only posts adapter_check_post takes, and a skip count that agrees with
 * its first reason (one line of UTF-8 too). An engagement adapter's messages belong to its
 * platform (bluesky-likes: bluesky). The caller frees result either way. */
int adapter_check_parse(const struct adapter *adapter, const struct adapter_context *context,
                        const struct adapter_response *response, struct adapter_result *result,
                        char err[NETRA_ERR_LEN], int *accepted, char *why, size_t why_len);

/* The mapping the jsonapi tests and fuzz target read with: a list under /data/posts of
 * {post_id, body, created, links.self, user.name}, paged by /paging/next_cursor, from
 * http://127.0.0.1:8080/jsonapi/accounts/{handle}/posts?cursor={cursor}. */
extern const struct adapter_settings adapter_test_jsonapi_settings;

/* For a fuzz target: prints "<what>: <detail>" to stderr and aborts. */
void adapter_check_abort(const char *what, const char *detail) __attribute__((noreturn));

/* ---- cmocka helpers ---- */

/* One crawl of one watched account (its id "asn-test") by one adapter. */
struct adapter_test_crawl {
    const struct adapter *adapter;
    struct adapter_settings settings;
    struct adapter_account account;
    struct adapter_context context;
};

/* Zeroes crawl (no settings) and sets the adapter, the account and the crawl's position;
 * native_id "" asks for the lookup. */
void adapter_test_crawl_init(struct adapter_test_crawl *crawl, const struct adapter *adapter,
                             const char *handle, const char *native_id, const char *cursor,
                             const char *page, long long since_s);

/* The bytes of tests/adapters/fixtures/<platform>/<name>, NUL-terminated; free() them. */
char *adapter_test_fixture(const char *platform, const char *name, size_t *len);

/* build_request must succeed; returns request->url (adapter_request_free the request). */
const char *adapter_test_request(const struct adapter_test_crawl *crawl,
                                 struct adapter_request *request);

/* build_request must succeed with exactly this URL. */
void adapter_test_assert_url(const struct adapter_test_crawl *crawl, const char *expected);

/* build_request must fail and leave no request; returns its error (in err). */
const char *adapter_test_request_fails(const struct adapter_test_crawl *crawl,
                                       char err[NETRA_ERR_LEN]);

/* build_request must fail with an error that contains part. */
void adapter_test_request_refused(const struct adapter_test_crawl *crawl, const char *part);

/* parse must accept the answer (Content-Type application/json, link the Link header or NULL),
 * under adapter_check_parse. adapter_result_free the result. */
void adapter_test_parse(const struct adapter_test_crawl *crawl, long status, const char *body,
                        size_t len, const char *link, struct adapter_result *result);

/* adapter_test_parse of the fixture <adapter name>/<name>. */
void adapter_test_parse_fixture(const struct adapter_test_crawl *crawl, long status,
                                const char *name, const char *link, struct adapter_result *result);

/* parse must refuse the answer, under adapter_check_parse; returns its error (in err). */
const char *adapter_test_parse_fails(const struct adapter_test_crawl *crawl, long status,
                                     const char *body, size_t len, const char *link,
                                     char err[NETRA_ERR_LEN]);

/* parse must refuse the answer with an error that contains part. */
void adapter_test_parse_refused(const struct adapter_test_crawl *crawl, long status,
                                const char *body, size_t len, const char *link, const char *part);

/* text must contain part. */
void adapter_test_assert_contains(const char *text, const char *part);

/* The post with this id among the result's. */
const struct post_message *adapter_test_post(const struct adapter_result *result, const char *id);

/* list must hold exactly the expected strings, in order. */
void adapter_test_assert_strings(const struct post_strings *list, const char *const *expected,
                                 size_t count);

#define ASSERT_STRINGS(list, ...)                                                                  \
    do {                                                                                           \
        const char *const expected_[] = {__VA_ARGS__};                                             \
        adapter_test_assert_strings((list), expected_, sizeof(expected_) / sizeof(expected_[0]));  \
    } while (0)

#endif
