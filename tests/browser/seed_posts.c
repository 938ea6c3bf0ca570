/* seed-posts: queues the post messages of a JSON Lines file on netra's posts stream, as a
 * crawler would, so the real netra-worker scores them and opens cases for the browser tests.
 * Each line travels as its own raw platform bytes. Prints how many posts were queued.
 *
 *   seed-posts CONFIG POSTS.jsonl */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "config/config.h"
#include "config/log.h"
#include "queue/post_message.h"
#include "queue/posts_stream.h"
#include "queue/shards.h"

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
    if (argc != 3) {
        fprintf(stderr, "usage: seed-posts CONFIG POSTS.jsonl\n");
        return 2;
    }
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
        if (publish_line(shards, config, line, (size_t)len, err, sizeof(err)) != 0) {
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
