#include "sim/ids.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/rng.h"

static const char base32_sortable[] = "234567abcdefghijklmnopqrstuvwxyz";
static const char base32_lower[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char base64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

uint64_t ids_mastodon(int64_t ms, uint32_t salt)
{
    return ((uint64_t)ms << 16) | (salt & 0xFFFFu);
}

uint64_t ids_x(int64_t ms, uint32_t salt)
{
    return ((uint64_t)(ms - IDS_X_EPOCH_MS) << 22) | (salt & 0x3FFFFFu);
}

void ids_tid(int64_t micros, uint32_t clock_id, char out[14])
{
    uint64_t v = (((uint64_t)micros & ((1ull << 53) - 1)) << 10) | (clock_id & 0x3FFu);
    for (int i = 12; i >= 0; i--) {
        out[i] = base32_sortable[v & 31];
        v >>= 5;
    }
    out[13] = '\0';
}

int ids_tid_parse(const char *tid, int64_t *micros, uint32_t *clock_id)
{
    if (strlen(tid) != 13)
        return -1;
    uint64_t v = 0;
    for (int i = 0; i < 13; i++) {
        const char *at = strchr(base32_sortable, tid[i]);
        if (tid[i] == '\0' || at == NULL || (i == 0 && at - base32_sortable >= 16))
            return -1;
        v = (v << 5) | (uint64_t)(at - base32_sortable);
    }
    *micros = (int64_t)(v >> 10);
    *clock_id = (uint32_t)(v & 0x3FFu);
    return 0;
}

static void base32_from(uint64_t h, size_t count, char *out)
{
    uint64_t v = h;
    for (size_t i = 0; i < count; i++) {
        if (i % 12 == 0)
            v = sim_hash64(h + i);
        out[i] = base32_lower[v & 31];
        v >>= 5;
    }
    out[count] = '\0';
}

void ids_did(uint64_t h, char *out, size_t out_len)
{
    char tail[25];
    base32_from(h, 24, tail);
    snprintf(out, out_len, "did:plc:%s", tail);
}

void ids_cid(uint64_t h, char *out, size_t out_len)
{
    char tail[53];
    base32_from(h, 52, tail);
    snprintf(out, out_len, "bafyrei%s", tail);
}

void ids_shortcode(uint64_t h, size_t len, char *out)
{
    uint64_t v = h;
    for (size_t i = 0; i < len; i++) {
        if (i % 10 == 0)
            v = sim_hash64(h ^ (i * 0x9E37u));
        out[i] = base64url[v & 63];
        v >>= 6;
    }
    out[len] = '\0';
}

void ids_external_account(const char *platform, const char *handle, char *out, size_t out_len)
{
    uint64_t h = sim_hash_bytes(handle, strlen(handle), sim_hash_bytes(platform, strlen(platform), 7));
    if (strcmp(platform, "bluesky") == 0)
        ids_did(h, out, out_len);
    else if (strcmp(platform, "x") == 0)
        snprintf(out, out_len, "%" PRIu64, (uint64_t)(100000000u + h % 1500000000000000000ull));
    else
        snprintf(out, out_len, "%" PRIu64, (uint64_t)(100000000000000000ull + h % 10000000000000000ull));
}
