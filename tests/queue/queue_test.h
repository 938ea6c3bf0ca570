/* Helpers for the queue tests: a default config pointed at a test Redis under a private key
 * prefix, and post messages to publish. Both fail the test on error; the caller frees what they
 * return (config_free, post_message_free). */
#ifndef NETRA_TESTS_QUEUE_TEST_H
#define NETRA_TESTS_QUEUE_TEST_H

#include "config/config.h"
#include "queue/post_message.h"

struct netra_config *queue_test_config(const char *url, const char *test_name);
struct post_message *queue_test_post(const char *id, const char *account, const char *text);

#endif
