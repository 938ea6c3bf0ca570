#include "tests/queue/queue_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/test_support.h"

static char *copy(const char *s)
{
    char *c = strdup(s);
    assert_non_null(c);
    return c;
}

struct netra_config *queue_test_config(const char *url, const char *test_name)
{
    struct netra_config *config = NULL;
    char err[NETRA_ERR_LEN], prefix[128];
    if (config_load_defaults(&config, err, sizeof(err)) != 0)
        fail_msg("config_load_defaults: %s", err);
    test_key_prefix(prefix, sizeof(prefix), test_name);
    free(config->redis.url);
    config->redis.url = copy(url);
    free(config->redis.key_prefix);
    config->redis.key_prefix = copy(prefix);
    return config;
}

struct post_message *queue_test_post(const char *id, const char *account, const char *text)
{
    struct post_message *message = post_message_new();
    assert_non_null(message);
    message->id = copy(id);
    message->platform = copy("mastodon");
    message->account = copy(account);
    message->author = copy("someone@example.org");
    message->url = copy("https://example.org/@someone/1");
    message->created_at = copy("2024-01-05T10:00:00Z");
    message->fetched_at = copy("2024-01-05T10:05:00Z");
    message->kind = POST_KIND_POST;
    message->text = copy(text);
    assert_int_equal(post_message_set_raw(message, text, strlen(text)), 0);
    return message;
}
