#include "queue/evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "config/log.h"
#include "queue/keys.h"

void evidence_sha256_text(const char *const *parts, size_t count, char out[EVIDENCE_HASH_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < count; i++)
        ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])) == 1;
    ok = ok && EVP_DigestFinal_ex(ctx, digest, &len) == 1 && len == 32;
    EVP_MD_CTX_free(ctx);
    out[0] = '\0';
    if (!ok)
        return;
    for (unsigned i = 0; i < len; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 0x0F];
    }
    out[2 * len] = '\0';
}

void evidence_hash(const char *raw_sha256, const char *message_sha256,
                   char out[EVIDENCE_HASH_LEN + 1])
{
    const char *parts[] = {raw_sha256, message_sha256};
    evidence_sha256_text(parts, 2, out);
}

void evidence_link_hash(const char *prev, const char *case_id, const char *evidence,
                        const char *fetched_at, char out[EVIDENCE_HASH_LEN + 1])
{
    const char *parts[] = {prev, case_id, evidence, fetched_at};
    evidence_sha256_text(parts, 4, out);
}

int evidence_hex_valid(const char *s)
{
    if (s == NULL || strlen(s) != EVIDENCE_HASH_LEN)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

void evidence_links_free(struct evidence_links *links)
{
    for (size_t i = 0; i < links->count; i++) {
        struct evidence_link *link = &links->items[i];
        free(link->position);
        free(link->case_id);
        free(link->evidence);
        free(link->fetched_at);
        free(link->prev);
        free(link->chain);
        free(link->version);
    }
    free(links->items);
    memset(links, 0, sizeof(*links));
}

/* A copy of a string value; NULL for anything else, or one holding a NUL byte (its text would
 * read as shorter than what is stored). *oom is set when the copy itself failed. */
static char *value_copy(const redisReply *value, int *oom)
{
    if (!redis_reply_is_string(value) || memchr(value->str, '\0', value->len) != NULL)
        return NULL;
    char *copy = redis_reply_strdup(value);
    if (copy == NULL)
        *oom = 1;
    return copy;
}

/* Fields of one stream entry ([name, value, ...]) into link; unknown names are ignored. */
static int link_decode(const redisReply *fields, struct evidence_link *link)
{
    struct {
        const char *name;
        char **slot;
    } known[] = {
        {"position", &link->position}, {"case", &link->case_id}, {"evidence", &link->evidence},
        {"fetched_at", &link->fetched_at}, {"prev", &link->prev}, {"chain", &link->chain},
        {"version", &link->version},
    };
    int oom = 0;
    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
        *known[k].slot = value_copy(redis_reply_field(fields, known[k].name), &oom);
    return oom ? -1 : 0;
}

int evidence_links_read(struct redis_sync *redis, const struct netra_config *config, int shard,
                        const char *start, int include_start, size_t max,
                        struct evidence_links *out, char *err, size_t err_len)
{
    char key[KEYS_MAX_LEN], from[EVIDENCE_ID_LEN + 1];
    struct redis_args args;
    redisReply *reply = NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    redis_args_init(&args);
    if (keys_shard_check(shard, config->redis.shards, err, err_len) != 0 ||
        keys_evidence(key, sizeof(key), config->redis.key_prefix, shard, err, err_len) != 0)
        goto cleanup;
    if (strlen(start) >= EVIDENCE_ID_LEN) {
        error_set(err, err_len, "evidence: stream id \"%.60s\" too long", start);
        goto cleanup;
    }
    snprintf(from, sizeof(from), "%s%s", include_start || strcmp(start, "-") == 0 ? "" : "(",
             start);
    redis_args_add_str(&args, "XRANGE");
    redis_args_add_str(&args, key);
    redis_args_add_str(&args, from);
    redis_args_add_str(&args, "+");
    redis_args_add_str(&args, "COUNT");
    redis_args_add_long(&args, (long long)max);
    if (redis_sync_command(redis, &args, 0, &reply, err, err_len) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "XRANGE evidence", err, err_len) != 0)
        goto cleanup;
    if (reply->elements > 0 &&
        (out->items = calloc(reply->elements, sizeof(*out->items))) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *entry = reply->element[i];
        struct evidence_link *link = &out->items[out->count++];
        if (entry == NULL || entry->type != REDIS_REPLY_ARRAY || entry->elements < 2 ||
            redis_reply_copy(entry->element[0], link->stream_id, sizeof(link->stream_id)) != 0) {
            error_set(err, err_len, "XRANGE evidence: unexpected reply");
            goto cleanup;
        }
        if (link_decode(entry->element[1], link) != 0) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
    }
    rc = 0;

cleanup:
    if (rc != 0)
        evidence_links_free(out);
    freeReplyObject(reply);
    redis_args_free(&args);
    return rc;
}

void evidence_head_init(struct evidence_head *head)
{
    memset(head, 0, sizeof(*head));
    memcpy(head->chain, EVIDENCE_GENESIS, sizeof(head->chain));
}

int evidence_head_read(struct redis_sync *redis, const struct netra_config *config, int shard,
                       struct evidence_head *out, int *malformed, char *err, size_t err_len)
{
    char key[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    int rc = -1;
    evidence_head_init(out);
    *malformed = 0;
    if (keys_shard_check(shard, config->redis.shards, err, err_len) != 0 ||
        keys_evidence_head(key, sizeof(key), config->redis.key_prefix, shard, err, err_len) != 0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "HMGET", key, "position", "chain",
                            "stream_id", (char *)NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 3, "HMGET evidence:head", err, err_len) != 0)
        goto cleanup;
    rc = 0;
    const redisReply *position = reply->element[0], *chain = reply->element[1],
                     *stream_id = reply->element[2];
    if (position->type == REDIS_REPLY_NIL && chain->type == REDIS_REPLY_NIL &&
        stream_id->type == REDIS_REPLY_NIL)
        goto cleanup;
    if (redis_reply_integer(position, &out->position) != 0 || out->position < 1 ||
        redis_reply_copy(chain, out->chain, sizeof(out->chain)) != 0 ||
        chain->len != EVIDENCE_HASH_LEN ||
        redis_reply_copy(stream_id, out->stream_id, sizeof(out->stream_id)) != 0) {
        *malformed = 1;
        goto cleanup;
    }
    *malformed = !evidence_hex_valid(out->chain);

cleanup:
    if (*malformed) {
        error_set(err, err_len, "shard %d: the evidence head %s is malformed", shard, key);
        evidence_head_init(out);
    }
    freeReplyObject(reply);
    return rc;
}
