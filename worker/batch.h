/* batch: what `netra score` and `netra eval` share — the scorer and thresholds from the config
 * or the command line, and post messages read one JSON object a line. A line longer than
 * POST_MESSAGE_MAX_JSON_BYTES is skipped whole and reported, never held in memory. */
#ifndef NETRA_WORKER_BATCH_H
#define NETRA_WORKER_BATCH_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "queue/post_message.h"
#include "worker/score.h"

struct batch_options {
    const char *rules_dir;   /* NULL: worker.rules_dir of the config */
    double political;        /* < 0: worker.political_threshold of the config */
    double suspect;          /* < 0: worker.suspect_threshold of the config */
};

/* Loads the config (config_load(NULL, ...)), then the scorer. */
int batch_open(const struct batch_options *options, struct scorer **scorer,
               struct score_thresholds *thresholds, char *err, size_t err_len);

#define BATCH_READ_AHEAD 16384

/* One per input stream: it holds the bytes read ahead of the current line. Zero-initialise. */
struct batch_line {
    char *text;
    size_t len;
    size_t cap;
    int too_long;
    char ahead[BATCH_READ_AHEAD];
    size_t ahead_at;
    size_t ahead_len;
};

void batch_line_free(struct batch_line *line);

/* Reads one line (without its newline). 1 when a line was read, 0 at the end of input. Reads
 * ahead: every read of `in` must go through the same line. */
int batch_read_line(FILE *in, struct batch_line *line);

/* Parses a line into a post message. When label is not NULL, the line's "label" member is
 * detached into *label (NULL when absent) for the caller to delete. */
int batch_parse_post(const struct batch_line *line, struct post_message **post, cJSON **label,
                     char *err, size_t err_len);

/* Reads the options both commands share (--rules DIR, --political-threshold X,
 * --suspect-threshold Y) at argv[*i], advancing *i past a value. Returns 1 when it took the
 * argument, 0 when the argument is not one of them, -1 with err on a bad value. */
int batch_parse_option(int argc, char **argv, int *i, struct batch_options *options, char *err,
                       size_t err_len);

#endif
