/* libFuzzer target: any bytes as one posts stream entry, through what the worker does with it:
 * decode, score, build the case draft and name its keys, without Redis. Input: a flags byte,
 * then the msg field, a NUL, the raw field. Flag 1: the raw field is deflated here first (so
 * scoring and evidence are reached), else it is used as it came; flag 2: an honest sha256 field
 * is added. A draft must hold together, its evidence built at once (a suspect) or on request (a
 * version of a post under a case): its content hash is hex, its evidence hash recomputes, its raw
 * bytes inflate back to the message's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/log.h"
#include "queue/posts_stream.h"
#include "worker/cases.h"
#include "worker/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scorer *scorer;
static struct score_scratch scratch;
static struct netra_config *config;

static void setup(void)
{
    char err[NETRA_ERR_LEN], dir[4096];
    const char *source = getenv("NETRA_SOURCE_DIR");
    snprintf(dir, sizeof(dir), "%s/config/rules", source ? source : ".");
    if (scorer_load(dir, &scorer, err, sizeof(err)) != 0 ||
        config_load_defaults(&config, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_worker_entry: %s\n", err);
        abort();
    }
    score_scratch_init(&scratch);
}

static redisReply string_reply(const char *text, size_t len)
{
    redisReply reply = {.type = REDIS_REPLY_STRING, .str = (char *)text, .len = len};
    return reply;
}

static void check_draft(const struct post_message *message, const struct case_draft *draft)
{
    char evidence[EVIDENCE_HASH_LEN + 1], err[NETRA_ERR_LEN];
    const struct post_record *record = &draft->record;
    if (!cases_id_valid(record->case_id))
        abort();
    if (!evidence_hex_valid(record->content))
        abort();
    if (!record->open_case && !record->has_evidence)
        return;
    evidence_hash(record->raw_sha256, record->message_sha256, evidence);
    if (strcmp(evidence, record->evidence) != 0)
        abort();
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    if (record->raw_deflated_len > 0 &&
        post_raw_inflate(record->raw_deflated, record->raw_deflated_len,
                         (size_t)POST_MESSAGE_MAX_RAW_BYTES, &raw, &raw_len, err,
                         sizeof(err)) != 0)
        abort();
    if (raw_len != message->raw_len || (raw_len > 0 && memcmp(raw, message->raw, raw_len) != 0))
        abort();
    free(raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[NETRA_ERR_LEN], sha256[65];
    unsigned char *deflated = NULL;
    size_t deflated_len = 0;
    if (scorer == NULL)
        setup();
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    const char *msg = (const char *)data + 1;
    const char *nul = memchr(msg, '\0', size - 1);
    size_t msg_len = nul ? (size_t)(nul - msg) : size - 1;
    const char *raw = nul ? nul + 1 : "";
    size_t raw_len = nul ? size - 1 - msg_len - 1 : 0;
    if ((flags & 1) && raw_len > 0 &&
        post_raw_deflate(raw, raw_len, &deflated, &deflated_len, err, sizeof(err)) != 0)
        abort();
    post_sha256_hex(raw, raw_len, sha256);

    redisReply names[3] = {string_reply("msg", 3), string_reply("raw", 3),
                           string_reply("sha256", 6)};
    redisReply values[3] = {
        string_reply(msg, msg_len),
        (flags & 1) ? string_reply((const char *)deflated, deflated_len)
                    : string_reply(raw, raw_len),
        string_reply(sha256, 64),
    };
    redisReply *items[6] = {&names[0], &values[0], &names[1], &values[1], &names[2], &values[2]};
    redisReply fields = {.type = REDIS_REPLY_ARRAY, .elements = (flags & 2) ? 6 : 4,
                         .element = items};
    struct posts_entry entry = {.id = "1700000000000-0"};
    if (posts_entry_decode(&fields, &entry) != 0)
        abort();
    const struct post_message *message = entry.message;
    if (message != NULL && message->account != NULL && message->account[0] != '\0') {
        struct score_thresholds thresholds = {config->worker.political_threshold,
                                              config->worker.suspect_threshold};
        struct score_result result;
        struct case_draft draft;
        if (score_post(scorer, &scratch, message, message->region, &thresholds, &result, err,
                       sizeof(err)) != 0 ||
            case_draft_build(message, entry.id, &result, &draft, err, sizeof(err)) != 0)
            abort();
        check_draft(message, &draft);
        /* A version of a post under a case: the evidence is added to a draft built without. */
        if (!draft.record.open_case) {
            if (case_draft_add_evidence(message, &draft, err, sizeof(err)) != 0)
                abort();
            check_draft(message, &draft);
        }
        cases_record_check(config, 0, &draft.record, err, sizeof(err));
        case_draft_free(&draft);
    }
    post_message_free(entry.message);
    free(entry.error);
    free(deflated);
    return 0;
}
