#include "crawler/adapters/engagement_build.h"

#include <stdlib.h>

#include "config/log.h"
#include "crawler/adapters/adapter_json.h"
#include "crawler/adapters/post_build.h"

int engagement_message_new(const char *platform, enum post_kind kind, const char *watched_id,
                           const char *target_id, const char *author, struct post_message **out,
                           char *err, size_t err_len)
{
    struct post_message *message = post_message_new();
    char *native_id = NULL;
    int rc = -1;

    *out = NULL;
    if (message == NULL ||
        (native_id = adapter_format("%s:%s:%s", post_kind_name(kind), watched_id, target_id)) ==
            NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    message->kind = kind;
    if (post_build_set_id(message, platform, native_id, err, err_len) != 0 ||
        post_build_set(&message->text, "", err, err_len) != 0 ||
        post_build_set(&message->target.id, target_id, err, err_len) != 0 ||
        engagement_set(&message->author, author, "account", "handle", err, err_len) != 0)
        goto cleanup;
    *out = message;
    message = NULL;
    rc = 0;

cleanup:
    free(native_id);
    post_message_free(message);
    return rc;
}

int engagement_set(char **slot, const char *value, const char *where, const char *field,
                   char *err, size_t err_len)
{
    char why[NETRA_ERR_LEN / 2];
    if (value == NULL || value[0] == '\0')
        return 0;
    if (post_build_set(slot, value, why, sizeof(why)) != 0)
        return error_set(err, err_len, "%s.%s: %s", where, field, why);
    return 0;
}
