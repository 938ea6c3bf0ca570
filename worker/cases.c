#include "worker/cases.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config/log.h"
#include "queue/rescan.h"
#include "worker/explain.h"

void case_draft_free(struct case_draft *draft)
{
    free(draft->categories);
    cJSON_free(draft->explanation);
    free(draft->message_json);
    free(draft->raw_deflated);
    memset(draft, 0, sizeof(*draft));
}

static char *join_categories(const struct score_result *result)
{
    size_t len = 1;
    for (size_t i = 0; i < result->category_count; i++)
        len += strlen(result->categories[i]) + 1;
    char *joined = malloc(len);
    if (joined == NULL)
        return NULL;
    joined[0] = '\0';
    for (size_t i = 0; i < result->category_count; i++) {
        if (i > 0)
            strcat(joined, ",");
        strcat(joined, result->categories[i]);
    }
    return joined;
}

int case_draft_add_evidence(const struct post_message *message, struct case_draft *draft,
                            char *err, size_t err_len)
{
    struct post_record *record = &draft->record;
    if (record->has_evidence)
        return 0;
    if ((draft->message_json = post_message_to_json(message)) == NULL)
        return error_set(err, err_len, "post %s: out of memory encoding the message",
                         message->id);
    if (message->raw != NULL && message->raw_len > 0 &&
        post_raw_deflate(message->raw, message->raw_len, &draft->raw_deflated,
                         &record->raw_deflated_len, err, err_len) != 0)
        return -1;
    post_sha256_hex(message->raw, message->raw_len, record->raw_sha256);
    post_sha256_hex(draft->message_json, strlen(draft->message_json), record->message_sha256);
    evidence_hash(record->raw_sha256, record->message_sha256, record->evidence);
    record->message_json = draft->message_json;
    record->raw_deflated = draft->raw_deflated;
    record->platform = message->platform;
    record->author = message->author;
    record->url = message->url;
    record->created_at = message->created_at;
    record->fetched_at = message->fetched_at;
    record->region = message->region;
    record->has_evidence = 1;
    return 0;
}

int case_draft_build(const struct post_message *message, const char *entry_id,
                     const struct score_result *result, struct case_draft *out, char *err,
                     size_t err_len)
{
    struct post_record *record = &out->record;
    memset(out, 0, sizeof(*out));
    record->entry_id = entry_id;
    record->post_id = message->id;
    record->account = message->account;
    if (message->rescan != NULL && rescan_id_valid(message->rescan))
        record->rescan = message->rescan;
    out->rescan_refused = message->rescan != NULL && record->rescan == NULL;
    cases_id(message->account, message->id, record->case_id);
    post_message_content_hash(message, out->content);
    record->content = out->content;

    record->verdict = score_verdict_name(result->verdict);
    record->political = result->political;
    record->partisan = result->partisan;
    record->ruleset = result->ruleset;
    if ((out->categories = join_categories(result)) == NULL ||
        (out->explanation = explain_to_json(message->id, result)) == NULL) {
        error_set(err, err_len, "post %s: out of memory", message->id);
        goto fail;
    }
    record->categories = out->categories;
    record->explanation = out->explanation;

    record->open_case = result->verdict == SCORE_SUSPECT;
    record->priority = (int)lround(fmin(fmax(result->partisan, 0.0), 1.0) * 1000.0);
    if (record->open_case && case_draft_add_evidence(message, out, err, err_len) != 0)
        goto fail;
    return 0;

fail:
    case_draft_free(out);
    return -1;
}
