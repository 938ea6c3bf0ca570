/* Raw bytes deflated for the stream: a window sized to the input, read back by inflate like the
 * default-window streams written before, as small as zlib's default output, and byte for byte
 * zlib's default output from 32 KiB of input on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "config/log.h"
#include "queue/post_message.h"

/* Something like a platform's status: JSON with repeated names and varying text. */
static unsigned char *status_like(size_t len)
{
    static const char *const words[] = {"pemilu", "kampanye", "netralitas", "ASN", "warga",
                                        "desa", "pelayanan", "rapat", "kota", "jalan"};
    unsigned char *out = malloc(len + 1);
    assert_non_null(out);
    size_t used = 0;
    uint32_t x = 7;
    while (used < len) {
        x = x * 1103515245u + 12345u;
        char piece[128];
        int n = snprintf(piece, sizeof(piece),
                         "{\"id\":\"%u\",\"content\":\"<p>%s %s</p>\",\"visibility\":\"public\"},",
                         x >> 8, words[(x >> 4) % 10], words[(x >> 12) % 10]);
        size_t take = (size_t)n < len - used ? (size_t)n : len - used;
        memcpy(out + used, piece, take);
        used += take;
    }
    return out;
}

/* What post_raw_deflate wrote before: zlib's default window and memory level, level 6. */
static unsigned char *default_deflate(const unsigned char *raw, size_t len, size_t *out_len)
{
    uLongf capacity = compressBound((uLong)len);
    unsigned char *out = malloc(capacity);
    assert_non_null(out);
    assert_int_equal(compress2(out, &capacity, raw, (uLong)len, Z_DEFAULT_COMPRESSION), Z_OK);
    *out_len = capacity;
    return out;
}

static void inflates_to(const unsigned char *deflated, size_t deflated_len,
                        const unsigned char *raw, size_t len)
{
    char err[NETRA_ERR_LEN];
    unsigned char *inflated;
    size_t inflated_len;
    if (post_raw_inflate(deflated, deflated_len, len, &inflated, &inflated_len, err,
                         sizeof(err)) != 0)
        fail_msg("inflate of %zu bytes: %s", len, err);
    assert_int_equal(inflated_len, len);
    if (len > 0)
        assert_memory_equal(inflated, raw, len);
    free(inflated);
}

static void round_trips_at_every_window_size_edge(void **state)
{
    (void)state;
    /* A window of 2^bits bytes holds inputs up to 2^bits - 262 bytes; each side of each edge. */
    const size_t lengths[] = {0,    1,    250,  251,  762,   763,   3834,  3835,
                              7930, 7931, 16122, 16123, 32505, 32506, 100000};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        char err[NETRA_ERR_LEN];
        unsigned char *raw = status_like(lengths[i]), *deflated;
        size_t deflated_len;
        if (post_raw_deflate(raw, lengths[i], &deflated, &deflated_len, err, sizeof(err)) != 0)
            fail_msg("deflate of %zu bytes: %s", lengths[i], err);
        inflates_to(deflated, deflated_len, raw, lengths[i]);
        free(deflated);
        free(raw);
    }
}

static void a_post_sized_input_gets_a_small_window_and_no_larger_output(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    size_t len = 2000, deflated_len, default_len;
    unsigned char *raw = status_like(len), *deflated;
    assert_int_equal(post_raw_deflate(raw, len, &deflated, &deflated_len, err, sizeof(err)), 0);
    unsigned char *by_default = default_deflate(raw, len, &default_len);

    /* The zlib header's CINFO is log2(window) - 8: 4 KiB here, 32 KiB by default. */
    assert_int_equal(deflated[0] >> 4, 4);
    assert_int_equal(by_default[0] >> 4, 7);
    assert_true(deflated_len <= default_len);
    inflates_to(deflated, deflated_len, raw, len);
    free(by_default);
    free(deflated);
    free(raw);
}

static void streams_written_with_the_default_window_still_inflate(void **state)
{
    (void)state;
    const size_t lengths[] = {1, 2000, 40000};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        size_t default_len;
        unsigned char *raw = status_like(lengths[i]);
        unsigned char *by_default = default_deflate(raw, lengths[i], &default_len);
        inflates_to(by_default, default_len, raw, lengths[i]);
        free(by_default);
        free(raw);
    }
}

static void from_32_kib_on_the_output_is_zlibs_default(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    size_t len = 32506, deflated_len, default_len;
    unsigned char *raw = status_like(len), *deflated;
    assert_int_equal(post_raw_deflate(raw, len, &deflated, &deflated_len, err, sizeof(err)), 0);
    unsigned char *by_default = default_deflate(raw, len, &default_len);
    assert_int_equal(deflated_len, default_len);
    assert_memory_equal(deflated, by_default, default_len);
    free(by_default);
    free(deflated);
    free(raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trips_at_every_window_size_edge),
        cmocka_unit_test(a_post_sized_input_gets_a_small_window_and_no_larger_output),
        cmocka_unit_test(streams_written_with_the_default_window_still_inflate),
        cmocka_unit_test(from_32_kib_on_the_output_is_zlibs_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
