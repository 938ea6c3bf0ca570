/* normalize_text as it was before its fast path, kept for tests only: normalize_text must give
 * the very same tokens (text, offsets, value, hash, kind, flags, field) for every input. */
#ifndef NETRA_TESTS_WORKER_NORMALIZE_ORACLE_H
#define NETRA_TESTS_WORKER_NORMALIZE_ORACLE_H

#include "worker/normalize.h"

int normalize_text_oracle(const struct normalizer *normalizer, struct norm_scratch *scratch,
                          const char *text, size_t len, uint8_t field, int mode, char *err,
                          size_t err_len);

#endif
