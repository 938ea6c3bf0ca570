/* gzip for responses: whether a client takes it, and the compression itself (zlib). */
#ifndef NETRA_SIM_GZIP_H
#define NETRA_SIM_GZIP_H

#include <stddef.h>

/* 1 when an Accept-Encoding value lists gzip (or x-gzip) without q=0. NULL -> 0. */
int gzip_accepted(const char *accept_encoding);
/* A gzip member holding data[0..len); *out is the caller's to free(). -1 on failure. */
int gzip_compress(const char *data, size_t len, char **out, size_t *out_len);

#endif
