/* seed-posts: queues the post messages of a JSON Lines file on netra's posts stream, as a
 * crawler would, so the real netra-worker scores them and opens cases for the browser tests.
 * Each line travels as its own raw platform bytes. Prints how many posts were queued.
 *
 * With --cases, each line is a case as the worker records it, for messages whose scoring is not
 * the console's to test (follows and likes): {"message": {...}, "political": 0.9, "partisan":
 * 0.95, "categories": ["campaign_team"], "ruleset": "...", "explanation": {"matches": [...]}}.
 * The case, its evidence and its link are written by the worker's own code (case_draft_build,
 * cases_record) with the message's JSON as its raw bytes. Prints how many cases were opened.
 *
 *   seed-posts CONFIG POSTS.jsonl
 *   seed-posts --cases CONFIG CASES.jsonl */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "config/log.h"
#include "queue/cases.h"
#include "queue/evidence.h"
#include "queue/keys.h"
#include "queue/post_message.h"
#include "queue/posts_stream.h"
#include "queue/shards.h"
#include "worker/cases.h"
#include "worker/score.h"

static int publish_line(struct shards *shards, const struct netra_config *config, const char *line,
                        size_t len, char *err, size_t err_len)
{
    struct post_message *post = NULL;
    enum posts_publish_result result;
    int rc = -1;
    if (post_message_from_json(line, len, &post, err, err_len) != 0)
        goto cleanup;
    if (post->account == NULL) {
        error_set(err, err_len, "post %s has no account", post->id);
        goto cleanup;
    }
    if (post_message_set_raw(post, line, len) != 0) {
        error_set(err, err_len, "post %s: out of memory", post->id);
        goto cleanup;
    }
    if (posts_stream_publish(shards_for_account(shards, post->account), config, post, &result, err,
                             err_len) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    post_message_free(post);
    return rc;
}

static double number_member(const cJSON *object, const char *name)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsNumber(value) ? value->valuedouble : 0;
}

static int record_case_line(struct shards *shards, const struct netra_config *config,
                            const char *line, size_t len, size_t number, char *err,
                            size_t err_len)
{
    cJSON *root = cJSON_ParseWithLength(line, len);
    char *message_json = NULL, *explanation = NULL;
    struct post_message *message = NULL;
    struct case_draft draft;
    int drafted = 0, rc = -1;
    if (root == NULL || !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "message"))) {
        error_set(err, err_len, "not an object with a \"message\" object");
        goto cleanup;
    }
    message_json = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(root, "message"));
    explanation = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(root, "explanation"));
    if (message_json == NULL || explanation == NULL) {
        error_set(err, err_len, "out of memory or no \"explanation\"");
        goto cleanup;
    }
    if (post_message_from_json(message_json, strlen(message_json), &message, err, err_len) != 0)
        goto cleanup;
    if (message->account == NULL) {
        error_set(err, err_len, "message %s has no account", message->id);
        goto cleanup;
    }
    if (post_message_set_raw(message, message_json, strlen(message_json)) != 0) {
        error_set(err, err_len, "message %s: out of memory", message->id);
        goto cleanup;
    }
    const cJSON *ruleset = cJSON_GetObjectItemCaseSensitive(root, "ruleset");
    struct score_result result = {
        .political = number_member(root, "political"),
        .partisan = number_member(root, "partisan"),
        .verdict = SCORE_SUSPECT,
        .ruleset = cJSON_IsString(ruleset) ? ruleset->valuestring : "",
    };
    const cJSON *category;
    cJSON_ArrayForEach(category, cJSON_GetObjectItemCaseSensitive(root, "categories"))
    {
        if (cJSON_IsString(category) && result.category_count < RULESET_MAX_CATEGORIES)
            result.categories[result.category_count++] = category->valuestring;
    }
    char entry_id[48];
    snprintf(entry_id, sizeof(entry_id), "%lld-%zu", (long long)time(NULL) * 1000, number);
    if (case_draft_build(message, entry_id, &result, &draft, err, err_len) != 0)
        goto cleanup;
    drafted = 1;
    draft.record.explanation = explanation;
    int shard = keys_shard(message->account, shards_count(shards));
    struct evidence_head head;
    struct record_outcome outcome;
    evidence_head_init(&head);
    if (cases_record(shards_get(shards, shard), config, shard, &draft.record, &head, &outcome,
                     err, err_len) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    if (drafted)
        case_draft_free(&draft);
    post_message_free(message);
    cJSON_free(explanation);
    cJSON_free(message_json);
    cJSON_Delete(root);
    return rc;
}

int main(int argc, char **argv)
{
    struct netra_config *config = NULL;
    struct shards *shards = NULL;
    FILE *in = NULL;
    char *line = NULL;
    size_t capacity = 0, line_number = 0, queued = 0;
    ssize_t len;
    char err[NETRA_ERR_LEN];
    int status = 1;

    log_set_process("seed-posts");
    int as_cases = argc == 4 && strcmp(argv[1], "--cases") == 0;
    if (argc != 3 && !as_cases) {
        fprintf(stderr, "usage: seed-posts [--cases] CONFIG FILE.jsonl\n");
        return 2;
    }
    argv += as_cases;
    if (config_load(argv[1], &config, err, sizeof(err)) != 0 ||
        shards_open(config, &shards, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto cleanup;
    }
    in = fopen(argv[2], "rb");
    if (in == NULL) {
        log_error("cannot open %s", argv[2]);
        goto cleanup;
    }
    while ((len = getline(&line, &capacity, in)) != -1) {
        line_number++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if ((as_cases ? record_case_line(shards, config, line, (size_t)len, line_number, err,
                                         sizeof(err))
                      : publish_line(shards, config, line, (size_t)len, err, sizeof(err))) != 0) {
            log_error("%s:%zu: %s", argv[2], line_number, err);
            goto cleanup;
        }
        queued++;
    }
    printf("%zu\n", queued);
    status = 0;
cleanup:
    free(line);
    if (in != NULL)
        fclose(in);
    shards_close(shards);
    config_free(config);
    return status;
}
