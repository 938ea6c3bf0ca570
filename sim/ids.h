/* Platform-shaped identifiers: time-ordered numeric ids (Mastodon's and X's snowflakes), AT
 * Protocol TIDs, DIDs and CIDs, and the short codes feeds put in their links. All are pure
 * functions of their inputs, so the world stays deterministic. */
#ifndef NETRA_SIM_IDS_H
#define NETRA_SIM_IDS_H

#include <stddef.h>
#include <stdint.h>

/* X's snowflake epoch (2010-11-04T01:42:54.657Z). */
#define IDS_X_EPOCH_MS 1288834974657LL

/* Mastodon: milliseconds in the high bits, 16 low bits of `salt`. */
uint64_t ids_mastodon(int64_t ms, uint32_t salt);
/* X: milliseconds since the X epoch above bit 22, 22 low bits of `salt`. */
uint64_t ids_x(int64_t ms, uint32_t salt);
/* An AT Protocol TID: 13 base32-sortable characters from microseconds and a 10-bit clock id. */
void ids_tid(int64_t micros, uint32_t clock_id, char out[14]);
/* The inverse of ids_tid: 0, or -1 when tid is not 13 base32-sortable characters. */
int ids_tid_parse(const char *tid, int64_t *micros, uint32_t *clock_id);
/* "did:plc:" and 24 base32 characters from h. */
void ids_did(uint64_t h, char *out, size_t out_len);
/* A CIDv1 (dag-cbor, sha-256) lookalike: "bafyrei" and 52 base32 characters from h. */
void ids_cid(uint64_t h, char *out, size_t out_len);
/* len characters of base64url alphabet from h (YouTube video ids, Instagram short codes). */
void ids_shortcode(uint64_t h, size_t len, char *out);
/* The account id of someone outside the watchlist, by handle: mastodon and x give a decimal id,
 * bluesky a DID. platform is "mastodon", "x" or "bluesky". */
void ids_external_account(const char *platform, const char *handle, char *out, size_t out_len);

#endif
