#include "queue/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "queue/keys.h"
#include "queue/scripts.h"

void cases_id(const char *account, const char *post_id, char out[CASE_ID_LEN + 1])
{
    char full[EVIDENCE_HASH_LEN + 1];
    const char *parts[] = {account, "\n", post_id};
    evidence_sha256_text(parts, 3, full);
    memcpy(out, full, CASE_ID_LEN);
    out[CASE_ID_LEN] = '\0';
}

int cases_id_valid(const char *id)
{
    if (id == NULL || strlen(id) != CASE_ID_LEN)
        return 0;
    for (; *id; id++)
        if (!((*id >= '0' && *id <= '9') || (*id >= 'a' && *id <= 'f')))
            return 0;
    return 1;
}

struct record_keys {
    char result[KEYS_MAX_LEN];
    char kase[KEYS_MAX_LEN];
    char review[KEYS_MAX_LEN];
    char evidence[KEYS_MAX_LEN];
    char head[KEYS_MAX_LEN];
    char rescan[KEYS_MAX_LEN];
};

static int record_keys(const struct netra_config *config, int shard,
                       const struct post_record *record, struct record_keys *keys, char *err,
                       size_t err_len)
{
    const char *prefix = config->redis.key_prefix;
    if (keys_shard_check(shard, config->redis.shards, err, err_len) != 0 ||
        keys_result(keys->result, KEYS_MAX_LEN, prefix, shard, record->post_id, err, err_len) !=
            0 ||
        keys_case(keys->kase, KEYS_MAX_LEN, prefix, shard, record->case_id, err, err_len) != 0 ||
        keys_review(keys->review, KEYS_MAX_LEN, prefix, shard, err, err_len) != 0 ||
        keys_evidence(keys->evidence, KEYS_MAX_LEN, prefix, shard, err, err_len) != 0 ||
        keys_evidence_head(keys->head, KEYS_MAX_LEN, prefix, shard, err, err_len) != 0)
        return -1;
    keys->rescan[0] = '\0';
    if (record->rescan != NULL &&
        keys_rescan_progress(keys->rescan, KEYS_MAX_LEN, prefix, shard, record->rescan, err,
                             err_len) != 0)
        return -1;
    return 0;
}

int cases_record_check(const struct netra_config *config, int shard,
                       const struct post_record *record, char *err, size_t err_len)
{
    struct record_keys keys;
    if (record->entry_id == NULL || record->post_id == NULL || record->account == NULL ||
        !cases_id_valid(record->case_id))
        return error_set(err, err_len, "record: entry id, post id, account and case id needed");
    return record_keys(config, shard, record, &keys, err, err_len);
}

static void add_pair(struct redis_args *call, const char *name, const char *value)
{
    redis_args_add_str(call, name);
    redis_args_add_str(call, value != NULL ? value : "");
}

static void add_score_pairs(struct redis_args *call, const struct post_record *record)
{
    char political[32], partisan[32];
    snprintf(political, sizeof(political), "%.3f", record->political);
    snprintf(partisan, sizeof(partisan), "%.3f", record->partisan);
    add_pair(call, "account", record->account);
    add_pair(call, "verdict", record->verdict);
    add_pair(call, "political", political);
    add_pair(call, "partisan", partisan);
    add_pair(call, "categories", record->categories);
    add_pair(call, "ruleset", record->ruleset);
    add_pair(call, "explanation", record->explanation);
}
#define SCORE_PAIR_ARGS 14 /* what add_score_pairs adds */

static int record_has_evidence(const struct post_record *record)
{
    return record->open_case || record->has_evidence;
}

/* What each version keeps of its evidence, under its prefix (queue/cases.h). */
static void add_evidence_pairs(struct redis_args *call, const struct post_record *record)
{
    add_pair(call, "fetched_at", record->fetched_at);
    add_pair(call, "entry", record->entry_id);
    add_pair(call, "content", record->content);
    add_pair(call, "message", record->message_json);
    add_pair(call, "message_sha256", record->message_sha256);
    redis_args_add_str(call, "raw");
    redis_args_add(call, record->raw_deflated, record->raw_deflated_len);
    add_pair(call, "raw_sha256", record->raw_sha256);
    add_pair(call, "evidence", record->evidence);
}
#define EVIDENCE_PAIR_ARGS 16 /* what add_evidence_pairs adds */

static int record_args(const struct netra_config *config, const struct record_keys *keys,
                       const struct post_record *record, const char *prev, const char *chain,
                       struct redis_args *call, char *err, size_t err_len)
{
    int has_rescan = keys->rescan[0] != '\0';
    redis_args_add_long(call, has_rescan ? 6 : 5);
    redis_args_add_str(call, keys->result);
    redis_args_add_str(call, keys->kase);
    redis_args_add_str(call, keys->review);
    redis_args_add_str(call, keys->evidence);
    redis_args_add_str(call, keys->head);
    if (has_rescan)
        redis_args_add_str(call, keys->rescan);
    redis_args_add_str(call, record->entry_id);
    redis_args_add_long(call, (long long)config->retention.unflagged_days * 86400000LL);
    redis_args_add_str(call, record->open_case ? "1" : "0");
    redis_args_add_str(call, record->case_id);
    redis_args_add_str(call, prev);
    redis_args_add_str(call, chain);
    redis_args_add_str(call, record->evidence);
    redis_args_add_str(call, record->fetched_at != NULL ? record->fetched_at : "");
    redis_args_add_long(call, record->priority);
    redis_args_add_str(call, record_has_evidence(record) ? "1" : "0");
    redis_args_add_str(call, record->content != NULL ? record->content : "");
    redis_args_add_long(call, CASES_MAX_VERSIONS);
    redis_args_add_long(call, SCORE_PAIR_ARGS);
    redis_args_add_long(call, record_has_evidence(record) ? EVIDENCE_PAIR_ARGS : 0);
    add_score_pairs(call, record);
    if (record_has_evidence(record))
        add_evidence_pairs(call, record);
    if (record->open_case) {
        add_pair(call, "id", record->case_id);
        add_pair(call, "post_id", record->post_id);
        add_pair(call, "platform", record->platform);
        add_pair(call, "author", record->author);
        add_pair(call, "url", record->url);
        add_pair(call, "created_at", record->created_at);
        add_pair(call, "region", record->region);
        redis_args_add_str(call, "priority");
        redis_args_add_long(call, record->priority);
    }
    return redis_args_ok(call, err, err_len);
}

/* {"written"|"duplicate", state, position, version}, {"needs_evidence", ...} or {"moved", head
 * chain, head position, 0}. Returns 1 for "moved" (head updated), 0 when done (out filled), -1
 * on a reply of another shape. */
static int record_parse(const redisReply *reply, struct evidence_head *head,
                        struct record_outcome *out, char *err, size_t err_len)
{
    static const struct {
        const char *state;
        enum case_outcome kase;
    } states[] = {{"none", CASE_NONE},       {"created", CASE_CREATED},
                  {"existing", CASE_EXISTING}, {"version", CASE_VERSION},
                  {"dropped", CASE_VERSION_DROPPED}};
    long long number, version;
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 4, "post_record", err, err_len) != 0)
        return -1;
    const redisReply *what = reply->element[0], *detail = reply->element[1];
    if (!redis_reply_is_string(what) || !redis_reply_is_string(detail) ||
        redis_reply_integer(reply->element[2], &number) != 0 ||
        redis_reply_integer(reply->element[3], &version) != 0)
        return error_set(err, err_len, "post_record: unexpected reply");
    if (redis_reply_equals(what, "moved")) {
        if (detail->len != EVIDENCE_HASH_LEN ||
            redis_reply_copy(detail, head->chain, sizeof(head->chain)) != 0)
            return error_set(err, err_len, "post_record: the chain head is malformed");
        head->position = number;
        head->stream_id[0] = '\0';
        return 1;
    }
    memset(out, 0, sizeof(*out));
    out->duplicate = redis_reply_equals(what, "duplicate");
    out->needs_evidence = redis_reply_equals(what, "needs_evidence");
    if (!out->duplicate && !out->needs_evidence && !redis_reply_equals(what, "written"))
        return error_set(err, err_len, "post_record: unexpected reply \"%.40s\"", what->str);
    size_t i = 0;
    while (i < sizeof(states) / sizeof(states[0]) && !redis_reply_equals(detail, states[i].state))
        i++;
    if (i == sizeof(states) / sizeof(states[0]))
        return error_set(err, err_len, "post_record: unexpected case state \"%.40s\"",
                         detail->str);
    out->kase = states[i].kase;
    out->chain_position = number;
    out->version = version;
    return 0;
}

int cases_record(struct redis_sync *redis, const struct netra_config *config, int shard,
                 const struct post_record *record, struct evidence_head *head,
                 struct record_outcome *out, char *err, size_t err_len)
{
    struct record_keys keys;
    if (cases_record_check(config, shard, record, err, err_len) != 0 ||
        record_keys(config, shard, record, &keys, err, err_len) != 0)
        return -1;
    for (int attempt = 0; attempt <= CASES_MAX_CHAIN_RETRIES; attempt++) {
        char chain[EVIDENCE_HASH_LEN + 1] = "";
        struct redis_args call;
        redisReply *reply = NULL;
        if (record_has_evidence(record))
            evidence_link_hash(head->chain, record->case_id, record->evidence,
                               record->fetched_at != NULL ? record->fetched_at : "", chain);
        redis_args_init(&call);
        int rc = record_args(config, &keys, record, head->chain, chain, &call, err, err_len);
        if (rc == 0)
            rc = scripts_run_sync(redis, &script_post_record, &call, &reply, err, err_len);
        if (rc == 0)
            rc = record_parse(reply, head, out, err, err_len);
        freeReplyObject(reply);
        redis_args_free(&call);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (out->kase == CASE_CREATED || out->kase == CASE_VERSION) {
                head->position = out->chain_position;
                memcpy(head->chain, chain, sizeof(chain));
                head->stream_id[0] = '\0';
            }
            return 0;
        }
    }
    return error_set(err, err_len, "post %s: the evidence chain head of shard %d kept moving "
                     "(%d attempts)", record->post_id, shard, CASES_MAX_CHAIN_RETRIES + 1);
}

void case_fields_free(struct case_fields *fields)
{
    for (size_t i = 0; i < fields->count; i++) {
        free(fields->items[i].name);
        free(fields->items[i].value);
    }
    free(fields->items);
    memset(fields, 0, sizeof(*fields));
}

static char *bytes_copy(const char *data, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, data, len);
        copy[len] = '\0';
    }
    return copy;
}

int cases_get(struct redis_sync *redis, const struct netra_config *config, int shard,
              const char *case_id, struct case_fields *out, int *found, char *err,
              size_t err_len)
{
    char key[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    *found = 0;
    if (keys_shard_check(shard, config->redis.shards, err, err_len) != 0 ||
        keys_case(key, sizeof(key), config->redis.key_prefix, shard, case_id, err, err_len) != 0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "HGETALL", key, (char *)NULL) != 0 ||
        redis_reply_expect_pairs(reply, "HGETALL case", err, err_len) != 0)
        goto cleanup;
    if (reply->elements == 0) {
        rc = 0;
        goto cleanup;
    }
    if ((out->items = calloc(reply->elements / 2, sizeof(*out->items))) == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const redisReply *name = reply->element[i], *value = reply->element[i + 1];
        if (!redis_reply_is_string(name) || !redis_reply_is_string(value)) {
            error_set(err, err_len, "HGETALL case: unexpected reply");
            goto cleanup;
        }
        struct case_field *field = &out->items[out->count++];
        field->name = bytes_copy(name->str, name->len);
        field->value = bytes_copy(value->str, value->len);
        field->len = value->len;
        if (field->name == NULL || field->value == NULL) {
            error_set(err, err_len, "out of memory");
            goto cleanup;
        }
    }
    *found = 1;
    rc = 0;

cleanup:
    if (rc != 0)
        case_fields_free(out);
    freeReplyObject(reply);
    return rc;
}

const struct case_field *case_field(const struct case_fields *fields, const char *name)
{
    for (size_t i = 0; i < fields->count; i++)
        if (strcmp(fields->items[i].name, name) == 0)
            return &fields->items[i];
    return NULL;
}

const char *case_string(const struct case_fields *fields, const char *name)
{
    const struct case_field *field = case_field(fields, name);
    if (field == NULL || memchr(field->value, '\0', field->len) != NULL)
        return NULL;
    return field->value;
}

const struct case_field *case_version_field(const struct case_fields *fields, long long version,
                                            const char *name)
{
    char prefixed[128];
    if (version <= 1)
        return case_field(fields, name);
    int len = snprintf(prefixed, sizeof(prefixed), "v%lld.%s", version, name);
    if (len < 0 || (size_t)len >= sizeof(prefixed))
        return NULL;
    return case_field(fields, prefixed);
}

const char *case_version_string(const struct case_fields *fields, long long version,
                                const char *name)
{
    const struct case_field *field = case_version_field(fields, version, name);
    if (field == NULL || memchr(field->value, '\0', field->len) != NULL)
        return NULL;
    return field->value;
}

long long case_versions(const struct case_fields *fields)
{
    const char *text = case_string(fields, "versions");
    char *end = NULL;
    if (text == NULL)
        return 1;
    long long versions = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || versions < 1 || versions > CASES_MAX_VERSIONS)
        return 0;
    return versions;
}
