/* The followed set of each watched account: zset follows:<account id> on the account's shard,
 * member the native id of an account it follows (a follow message's target.id), score the stamp
 * of the last listing that showed it.
 *
 * A following list is read page by page, each listing under a stamp of its own (its start in
 * Unix ms: unique per account, as one account's listings never overlap). follows_publish_page()
 * gives one page to one script: every target gets the listing's stamp, and the follow messages of
 * targets that were not in the set (new follows) are appended to the posts stream (fields as
 * posts_stream.h's publish), so a follow is published once, when it appears. Only on the last
 * page of a complete listing (complete = 1; it may carry no messages) does the same call remove
 * the members with another stamp, the accounts no longer followed: they are counted, never
 * published. A listing cut short (error, rate limit, max pages, stop) never says complete and so
 * removes no one. A target removed and followed again later is new again.
 *
 * Every message of a call must be a follow of account, with a target id. */
#ifndef NETRA_QUEUE_FOLLOWS_H
#define NETRA_QUEUE_FOLLOWS_H

#include <stddef.h>

#include "config/config.h"
#include "queue/post_message.h"
#include "queue/redis_async.h"
#include "queue/redis_cmd.h"
#include "queue/redis_sync.h"

/* Follows per call, as posts per publish call. */
#define FOLLOWS_PAGE_MAX 256

/* The call (numkeys key... arg...) of count messages (0 to FOLLOWS_PAGE_MAX). */
int follows_publish_args(const struct netra_config *config, const char *account,
                         long long stamp_ms, const struct post_message *const *messages,
                         size_t count, int complete, struct redis_args *call, char *err,
                         size_t err_len);

/* new_follows[i] is 1 when messages[i] was appended (its target was not in the set), else 0;
 * *removed counts the members a complete listing dropped (0 otherwise). */
int follows_publish_page(struct redis_sync *redis, const struct netra_config *config,
                         const char *account, long long stamp_ms,
                         const struct post_message *const *messages, size_t count, int complete,
                         int *new_follows, long long *removed, char *err, size_t err_len);

/* The loop's version: new_follows NULL with error when the call failed (then nothing is known of
 * any message); it lives until fn returns. -1 with err when the call cannot be built or sent;
 * otherwise fn is called once. */
typedef void follows_publish_fn(const int *new_follows, size_t count, long long removed,
                                const char *error, void *data);
int follows_publish_page_async(struct redis_async *redis, const struct netra_config *config,
                               const char *account, long long stamp_ms,
                               const struct post_message *const *messages, size_t count,
                               int complete, follows_publish_fn *fn, void *data, char *err,
                               size_t err_len);

/* The targets account follows, as the set holds them (sorted); the caller frees them with
 * follows_list_free(). */
int follows_list(struct redis_sync *redis, const struct netra_config *config, const char *account,
                 char ***targets, size_t *count, char *err, size_t err_len);
void follows_list_free(char **targets, size_t count);

#endif
