/* libFuzzer target: any bytes as a Redis reply tree, through every reply helper and the parsers
 * built on them (a posts stream entry, a schedule claim). Whatever the shape, nothing is read out
 * of bounds, a copy holds exactly the reply's bytes, a field found is the value right after the
 * first name equal to it, and an accepted pairs array is even.
 *
 * Input, one node after another: a kind byte (mod 6: string, status, error, integer, nil,
 * array); a string's length byte (high bit set: one of netra's field names instead) and bytes;
 * an integer's 8 bytes; an array's count byte (mod 16) and its elements, at most 4 deep. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "config/log.h"
#include "queue/post_message.h"
#include "queue/posts_stream.h"
#include "queue/redis_reply.h"
#include "queue/sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"msg",     "raw",   "sha256",  "name",   "consumers",
                                    "pending", "rid",   "account", "since",  "status",
                                    "taken",   "moved", "0-0",     "1700-0", ""};
#define NAME_COUNT (sizeof(names) / sizeof(names[0]))

struct input {
    const uint8_t *data;
    size_t size;
};

static uint8_t take(struct input *in)
{
    if (in->size == 0)
        return 0;
    in->size--;
    return *in->data++;
}

static void reply_free(redisReply *reply)
{
    if (reply == NULL)
        return;
    for (size_t i = 0; i < reply->elements; i++)
        reply_free(reply->element[i]);
    free(reply->element);
    free(reply->str);
    free(reply);
}

/* hiredis NUL-terminates every string it hands out; so does this. */
static int string_new(struct input *in, redisReply *reply)
{
    uint8_t head = take(in);
    const char *bytes = NULL;
    size_t len;
    if (head & 0x80) {
        bytes = names[head % NAME_COUNT];
        len = strlen(bytes);
    } else {
        len = head < in->size ? head : in->size;
        bytes = (const char *)in->data;
        in->data += len;
        in->size -= len;
    }
    if ((reply->str = malloc(len + 1)) == NULL)
        return -1;
    memcpy(reply->str, bytes, len);
    reply->str[len] = '\0';
    reply->len = len;
    return 0;
}

static redisReply *reply_new(struct input *in, int depth)
{
    static const int kinds[] = {REDIS_REPLY_STRING, REDIS_REPLY_STATUS, REDIS_REPLY_ERROR,
                                REDIS_REPLY_INTEGER, REDIS_REPLY_NIL, REDIS_REPLY_ARRAY};
    redisReply *reply = calloc(1, sizeof(*reply));
    if (reply == NULL)
        return NULL;
    reply->type = kinds[take(in) % 6];
    if (reply->type == REDIS_REPLY_ARRAY && depth >= 4)
        reply->type = REDIS_REPLY_NIL;
    if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS ||
        reply->type == REDIS_REPLY_ERROR) {
        if (string_new(in, reply) != 0)
            goto fail;
    } else if (reply->type == REDIS_REPLY_INTEGER) {
        unsigned long long value = 0;
        for (int i = 0; i < 8; i++)
            value = value << 8 | take(in);
        reply->integer = (long long)value;
    } else if (reply->type == REDIS_REPLY_ARRAY) {
        size_t count = take(in) % 16;
        if (count > 0 && (reply->element = calloc(count, sizeof(*reply->element))) == NULL)
            goto fail;
        for (; reply->elements < count; reply->elements++)
            if ((reply->element[reply->elements] = reply_new(in, depth + 1)) == NULL)
                goto fail;
    }
    return reply;

fail:
    reply_free(reply);
    return NULL;
}

/* The value of name must be the one after the first pair name equal to it. */
static void check_field(const redisReply *reply, const char *name)
{
    const redisReply *found = redis_reply_field(reply, name);
    const redisReply *expected = NULL;
    if (reply->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; expected == NULL && i + 1 < reply->elements; i += 2)
            if (redis_reply_is_string(reply->element[i]) &&
                reply->element[i]->len == strlen(name) &&
                memcmp(reply->element[i]->str, name, reply->element[i]->len) == 0)
                expected = reply->element[i + 1];
    if (found != expected)
        abort();
}

static void check(const redisReply *reply)
{
    char err[NETRA_ERR_LEN], copy[48];
    long long number = 0;
    int is_string = redis_reply_is_string(reply);

    if (redis_reply_copy(reply, copy, sizeof(copy)) == 0) {
        if (!is_string || reply->len >= sizeof(copy) || copy[reply->len] != '\0' ||
            memcmp(copy, reply->str, reply->len) != 0)
            abort();
        if (memchr(copy, '\0', reply->len) == NULL && !redis_reply_equals(reply, copy))
            abort();
    } else if (is_string && reply->len < sizeof(copy)) {
        abort();
    }
    char *dup = redis_reply_strdup(reply);
    if (dup != NULL && (!is_string || dup[reply->len] != '\0' ||
                        memcmp(dup, reply->str, reply->len) != 0))
        abort();
    free(dup);

    if (redis_reply_integer(reply, &number) != 0 && reply->type == REDIS_REPLY_INTEGER)
        abort();
    if (reply->type == REDIS_REPLY_INTEGER && number != reply->integer)
        abort();

    err[0] = '\0';
    if (redis_reply_check(reply, "fuzz", err, sizeof(err)) == 0) {
        if (reply->type == REDIS_REPLY_ERROR)
            abort();
    } else if (reply->type != REDIS_REPLY_ERROR || err[0] == '\0') {
        abort();
    }
    err[0] = '\0';
    if (redis_reply_expect_pairs(reply, "fuzz", err, sizeof(err)) == 0) {
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 0)
            abort();
    } else if (err[0] == '\0') {
        abort();
    }
    for (size_t i = 0; i < NAME_COUNT; i++)
        check_field(reply, names[i]);
    for (size_t i = 0; i < reply->elements; i++)
        check(reply->element[i]);
}

static void parse(const redisReply *reply)
{
    char err[NETRA_ERR_LEN];
    struct posts_entry entry;
    if (posts_entry_decode(reply, &entry) == 0 && entry.message == NULL && entry.error == NULL)
        abort();
    post_message_free(entry.message);
    free(entry.error);

    struct sched_claims claims;
    if (sched_claim_parse(reply, 0, &claims, err, sizeof(err)) == 0)
        for (size_t i = 0; i < claims.count; i++)
            if (claims.items[i].account == NULL || claims.items[i].token == NULL)
                abort();
    sched_claims_free(&claims);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    redisReply *reply = reply_new(&in, 0);
    if (reply == NULL)
        return 0;
    check(reply);
    parse(reply);
    for (size_t i = 0; i < reply->elements; i++)
        parse(reply->element[i]);
    reply_free(reply);
    return 0;
}
