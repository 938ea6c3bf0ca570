#include "worker/batch.h"

#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/log.h"

int batch_open(const struct batch_options *options, struct scorer **scorer,
               struct score_thresholds *thresholds, char *err, size_t err_len)
{
    struct netra_config *config = NULL;
    if (config_load(NULL, &config, err, err_len) != 0)
        return -1;
    const char *dir = options->rules_dir ? options->rules_dir : config->worker.rules_dir;
    thresholds->political =
        options->political >= 0 ? options->political : config->worker.political_threshold;
    thresholds->suspect =
        options->suspect >= 0 ? options->suspect : config->worker.suspect_threshold;
    int rc = scorer_load(dir, scorer, err, err_len);
    config_free(config);
    return rc;
}

void batch_line_free(struct batch_line *line)
{
    free(line->text);
    memset(line, 0, sizeof(*line));
}

/* Appends bytes up to the line limit; the rest only marks the line too long. */
static void append(struct batch_line *line, const char *bytes, size_t count)
{
    size_t room = (size_t)POST_MESSAGE_MAX_JSON_BYTES - line->len;
    if (line->too_long)
        return;
    if (count > room) {
        count = room;
        line->too_long = 1;
    }
    if (line->len + count + 1 > line->cap) {
        size_t cap = line->cap ? line->cap : 4096;
        while (cap < line->len + count + 1)
            cap *= 2;
        char *text = realloc(line->text, cap);
        if (text == NULL) {
            line->too_long = 1;
            return;
        }
        line->text = text;
        line->cap = cap;
    }
    memcpy(line->text + line->len, bytes, count);
    line->len += count;
}

int batch_read_line(FILE *in, struct batch_line *line)
{
    int newline = 0;
    line->len = 0;
    line->too_long = 0;
    while (!newline) {
        if (line->ahead_at == line->ahead_len) {
            line->ahead_at = 0;
            line->ahead_len = fread(line->ahead, 1, sizeof(line->ahead), in);
            if (line->ahead_len == 0)
                break;
        }
        const char *start = line->ahead + line->ahead_at;
        size_t available = line->ahead_len - line->ahead_at;
        const char *end = memchr(start, '\n', available);
        size_t count = end != NULL ? (size_t)(end - start) : available;
        append(line, start, count);
        line->ahead_at += count + (end != NULL);
        newline = end != NULL;
    }
    if (line->text != NULL)
        line->text[line->len] = '\0';
    return newline || line->len > 0 || line->too_long;
}

int batch_parse_post(const struct batch_line *line, struct post_message **post, cJSON **label,
                     char *err, size_t err_len)
{
    *post = NULL;
    if (label != NULL)
        *label = NULL;
    if (line->too_long)
        return error_set(err, err_len, "longer than %ld bytes", POST_MESSAGE_MAX_JSON_BYTES);
    if (label == NULL)
        return post_message_from_json(line->text, line->len, post, err, err_len);
    cJSON *root = cJSON_ParseWithLength(line->text, line->len);
    if (root == NULL || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return error_set(err, err_len, "not a JSON object");
    }
    *label = cJSON_DetachItemFromObjectCaseSensitive(root, "label");
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (json == NULL)
        return error_set(err, err_len, "out of memory");
    int rc = post_message_from_json(json, strlen(json), post, err, err_len);
    free(json);
    return rc;
}

static int parse_threshold(const char *name, const char *text, double *out, char *err,
                           size_t err_len)
{
    char *end;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || !(value >= 0.0 && value <= 1.0))
        return error_set(err, err_len, "%s: must be a number in 0..1, got \"%s\"", name, text);
    *out = value;
    return 1;
}

int batch_parse_option(int argc, char **argv, int *i, struct batch_options *options, char *err,
                       size_t err_len)
{
    const char *arg = argv[*i];
    if (*i + 1 >= argc)
        return 0;
    if (strcmp(arg, "--rules") == 0) {
        options->rules_dir = argv[++*i];
        return 1;
    }
    if (strcmp(arg, "--political-threshold") == 0)
        return parse_threshold(arg, argv[++*i], &options->political, err, err_len);
    if (strcmp(arg, "--suspect-threshold") == 0)
        return parse_threshold(arg, argv[++*i], &options->suspect, err, err_len);
    return 0;
}
