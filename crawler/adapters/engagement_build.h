/* What the engagement adapters share to build a follow or like message (queue/post_message.h):
 * its id, kind and author, and the target's fields from hostile strings (invalid UTF-8 refused,
 * the field named). Every function returns 0, or -1 with err. */
#ifndef NETRA_CRAWLER_ADAPTERS_ENGAGEMENT_BUILD_H
#define NETRA_CRAWLER_ADAPTERS_ENGAGEMENT_BUILD_H

#include <stddef.h>

#include "queue/post_message.h"

/* *out = a new message of kind (POST_KIND_FOLLOW or POST_KIND_LIKE): id
 * "<platform>:<follow|like>:<watched_id>:<target_id>", platform, kind, author (NULL or "": none),
 * text "" and target.id = target_id. The caller post_message_free()s it. */
int engagement_message_new(const char *platform, enum post_kind kind, const char *watched_id,
                           const char *target_id, const char *author, struct post_message **out,
                           char *err, size_t err_len);

/* *slot = a copy of value, for one of the message's optional strings; NULL or "" leaves it
 * absent. where.field names it in an error. */
int engagement_set(char **slot, const char *value, const char *where, const char *field,
                   char *err, size_t err_len);

#endif
