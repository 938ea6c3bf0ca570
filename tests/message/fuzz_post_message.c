/* Feeds any bytes to the post message decoder. A refusal must explain itself; a message that
 * decodes must survive encode -> decode unchanged, field by field, and keep its content hash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/post_message.h"

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_post_message: %s: %s\n", what, detail);
    abort();
}

static int same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int same_strings(const struct post_strings *a, const struct post_strings *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++) {
        if (strcmp(a->items[i], b->items[i]) != 0)
            return 0;
    }
    return 1;
}

/* Everything the JSON carries (raw bytes travel beside it). The encoder writing a field the
 * decoder then loses, or not writing it at all, both show here. */
static int same_message(const struct post_message *a, const struct post_message *b)
{
    if (a->media_count != b->media_count)
        return 0;
    for (size_t i = 0; i < a->media_count; i++) {
        if (!same_string(a->media[i].type, b->media[i].type) ||
            !same_string(a->media[i].url, b->media[i].url) ||
            !same_string(a->media[i].alt, b->media[i].alt))
            return 0;
    }
    return same_string(a->id, b->id) && same_string(a->platform, b->platform) &&
           same_string(a->account, b->account) && same_string(a->author, b->author) &&
           same_string(a->url, b->url) && same_string(a->created_at, b->created_at) &&
           same_string(a->fetched_at, b->fetched_at) && a->kind == b->kind &&
           same_string(a->text, b->text) && same_strings(&a->hashtags, &b->hashtags) &&
           same_strings(&a->mentions, &b->mentions) && same_strings(&a->links, &b->links) &&
           same_string(a->repost_of.author, b->repost_of.author) &&
           same_string(a->repost_of.url, b->repost_of.url) &&
           same_string(a->repost_of.text, b->repost_of.text) &&
           same_string(a->lang, b->lang) && same_string(a->region, b->region) &&
           same_string(a->rescan, b->rescan) && strcmp(a->sha256, b->sha256) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[NETRA_ERR_LEN] = "";
    struct post_message *message = NULL;
    struct post_message *again = NULL;
    char hash[65], hash_again[65];

    if (post_message_from_json((const char *)data, size, &message, err, sizeof(err)) != 0) {
        if (message != NULL || err[0] == '\0')
            fail("refusal", "no reason given, or a message returned anyway");
        return 0;
    }
    char *json = post_message_to_json(message);
    if (json == NULL)
        fail("encode", "NULL");
    if (post_message_from_json(json, strlen(json), &again, err, sizeof(err)) != 0)
        fail("decoding the encoder's output", err);
    if (!same_message(message, again))
        fail("round trip changed the message", json);
    post_message_content_hash(message, hash);
    post_message_content_hash(again, hash_again);
    if (strlen(hash) != 64 || strcmp(hash, hash_again) != 0)
        fail("content hash changed in the round trip", json);

    free(json);
    post_message_free(again);
    post_message_free(message);
    return 0;
}
