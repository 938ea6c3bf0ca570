/* A growable byte buffer for rendering responses.
 *
 * Appends never fail the caller midway: after an allocation failure the buffer is marked failed,
 * later appends do nothing, and buf_failed() tells the renderer to answer 500 instead of sending
 * a half-built body. The bytes are always NUL-terminated (len excludes the NUL). The buffer owns
 * its data; buf_steal() hands it to the caller. */
#ifndef NETRA_SIM_BUF_H
#define NETRA_SIM_BUF_H

#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
    int failed;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_failed(const struct buf *b);
/* The data (never NULL unless failed), now the caller's to free(); the buffer is left empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
