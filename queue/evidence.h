/* The evidence chain of one shard: every case's evidence (each version of its post) hashed into
 * one chain, which `netra evidence verify` walks and a third party checks with sha256sum
 * (docs/evidence.md).
 *
 *   evidence hash = SHA-256(raw_sha256 || message_sha256)
 *   link hash     = SHA-256(prev || case id || evidence hash || fetched_at)
 *
 * over the ASCII text of each part: raw_sha256 is the hex SHA-256 of the raw platform bytes (of
 * no bytes when none came), message_sha256 that of the post message JSON kept with the case,
 * prev the previous link's hash (EVIDENCE_GENESIS before the first link), fetched_at as in the
 * message (RFC 3339, "" when absent). Every part but the last has a fixed length, so the
 * concatenation is unambiguous.
 *
 * In Redis, the stream `evidence` holds one entry per link (position, case, evidence, fetched_at,
 * prev, chain, version: which version of the case's post, absent in links written before
 * versions were kept) and `evidence:head` the last link (position, chain, stream_id). Redis's Lua has no
 * SHA-256, so the worker computes a link and the case script (queue/cases.h) appends it only when
 * the head is still the prev it was computed from. Entries are never trimmed. There is one chain
 * per shard: its keys carry the shard's hash tag, so an append stays one atomic script on Cluster.
 *
 * Links read back own their strings: evidence_links_free(). Stored values are hostile input to
 * a verifier: a value that is missing, not a string or holds a NUL byte reads as NULL. */
#ifndef NETRA_QUEUE_EVIDENCE_H
#define NETRA_QUEUE_EVIDENCE_H

#include <stddef.h>

#include "config/config.h"
#include "queue/redis_sync.h"

#define EVIDENCE_HASH_LEN 64
#define EVIDENCE_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define EVIDENCE_ID_LEN 48 /* a stream entry id, "1700000000000-0", and its NUL */

/* Hex SHA-256 of the concatenation of count NUL-terminated texts (OpenSSL EVP); "" when libcrypto
 * fails, which no stored hash equals. */
void evidence_sha256_text(const char *const *parts, size_t count, char out[EVIDENCE_HASH_LEN + 1]);

void evidence_hash(const char *raw_sha256, const char *message_sha256,
                   char out[EVIDENCE_HASH_LEN + 1]);
void evidence_link_hash(const char *prev, const char *case_id, const char *evidence,
                        const char *fetched_at, char out[EVIDENCE_HASH_LEN + 1]);

/* 1 when s is 64 lower-case hex digits. */
int evidence_hex_valid(const char *s);

struct evidence_link {
    char stream_id[EVIDENCE_ID_LEN];
    char *position; /* decimal text as stored */
    char *case_id;
    char *evidence;
    char *fetched_at;
    char *prev;
    char *chain;
    char *version; /* which version of the case's post it links (queue/cases.h); NULL: 1 */
};

struct evidence_links {
    struct evidence_link *items;
    size_t count;
};

void evidence_links_free(struct evidence_links *links);

/* Up to max links in chain order, from stream entry start ("-" for the first), start itself
 * included or not. Fewer than max means the chain ends there. */
int evidence_links_read(struct redis_sync *redis, const struct netra_config *config, int shard,
                        const char *start, int include_start, size_t max,
                        struct evidence_links *out, char *err, size_t err_len);

/* The last link: position 0 and EVIDENCE_GENESIS for a chain with no link yet. */
struct evidence_head {
    long long position;
    char chain[EVIDENCE_HASH_LEN + 1];
    char stream_id[EVIDENCE_ID_LEN];
};

void evidence_head_init(struct evidence_head *head);
/* -1 with err when Redis failed. A stored head that is malformed reads as *malformed = 1 with
 * the problem in err, and 0 returned. */
int evidence_head_read(struct redis_sync *redis, const struct netra_config *config, int shard,
                       struct evidence_head *out, int *malformed, char *err, size_t err_len);

#endif
