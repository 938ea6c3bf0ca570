#include "sim/gzip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* Accept-Encoding is a comma-separated list of "coding[;q=value]". */
int gzip_accepted(const char *accept_encoding)
{
    if (accept_encoding == NULL)
        return 0;
    const char *p = accept_encoding;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *name = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t name_len = (size_t)(p - name);
        const char *params = p;
        while (*p && *p != ',')
            p++;
        int is_gzip = (name_len == 4 && strncasecmp(name, "gzip", 4) == 0) ||
                      (name_len == 6 && strncasecmp(name, "x-gzip", 6) == 0);
        if (!is_gzip)
            continue;
        const char *q = params;
        while (q < p && *q != 'q' && *q != 'Q')
            q++;
        if (q < p && q + 1 < p && q[1] == '=') {
            double weight = strtod(q + 2, NULL);
            if (weight <= 0)
                return 0;
        }
        return 1;
    }
    return 0;
}

int gzip_compress(const char *data, size_t len, char **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    /* windowBits 15 + 16 asks zlib for a gzip header and trailer instead of zlib's. */
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    int rc = -1;
    uLong bound = deflateBound(&zs, (uLong)len) + 32;
    char *compressed = malloc(bound);
    if (compressed == NULL)
        goto cleanup;
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)compressed;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        goto cleanup;
    *out = compressed;
    *out_len = bound - zs.avail_out;
    compressed = NULL;
    rc = 0;
cleanup:
    free(compressed);
    deflateEnd(&zs);
    return rc;
}
