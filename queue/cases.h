/* Results and cases in Redis: what the worker writes for every scored post, in one script per
 * post (script_post_record), on the shard of the post's account.
 *
 *   result:<post id>  hash  entry (the posts stream entry), account, verdict, political, partisan,
 *                           categories (comma-separated), ruleset, explanation (JSON), scored_at
 *                           (server ms), case (when a case holds the post). Expires after
 *                           retention.unflagged_days unless a case holds it.
 *   case:<cid>        hash  id, account, post_id, platform, author, url, created_at, fetched_at,
 *                           region, entry, content, the result's fields, the evidence (message:
 *                           the post message JSON; message_sha256; raw: the raw platform bytes
 *                           deflated; raw_sha256; evidence: the evidence hash), its link
 *                           (chain_position, chain_id: the evidence stream entry, chain), created
 *                           (server ms), status ("pending" until a reviewer decides), priority,
 *                           versions and the later versions (below). Never expires.
 *   review            zset  case ids; the script's comment in scripts.c gives the priority.
 *   rescan:<rid>      hash  scored and suspects are counted up when it still exists.
 *
 * A case is opened once per (account, post id): cid = the first 32 hex digits of
 * SHA-256(account "\n" post id), so a redelivery or a later version of the post finds it. A
 * redelivered stream entry (its id already in the result, or in any version the case holds)
 * writes nothing at all. The link is hashed here from the caller's cached chain head and
 * check-and-set by the script; when another worker moved the head, cases_record hashes again
 * from the new head and retries.
 *
 * Versions: a post edited after its case was opened comes back with a new content hash. Whatever
 * its verdict, that version is kept with the case, under the field names of version 1 prefixed
 * "v<k>." (k = 2, 3, ...): entry, content, fetched_at, message, message_sha256, raw, raw_sha256,
 * evidence, the result's fields, recorded (server ms) and its own link (chain_position, chain_id,
 * chain); `versions` counts them (absent: 1). A content hash the case holds already adds nothing.
 * The case's own verdict and scores stay those of the version that opened it: the breach, if
 * any, happened when that was public, and an edit does not undo it. Its priority only rises, to
 * the highest of its versions, and only while pending: an edit that softens a post never moves
 * it down the review queue, and a decided case is not reopened by one. At most
 * CASES_MAX_VERSIONS versions are kept, the first ones (each is a link of an append-only chain);
 * later ones are counted in versions_dropped (per delivery: one delivered again after a later
 * entry counts again) and leave only their result. A purged case (queue/retention.h) keeps no
 * new version.
 *
 * Case hashes read back (struct case_fields) own their values: case_fields_free(). */
#ifndef NETRA_QUEUE_CASES_H
#define NETRA_QUEUE_CASES_H

#include <stddef.h>

#include "config/config.h"
#include "queue/evidence.h"
#include "queue/redis_sync.h"

#define CASE_ID_LEN 32
/* How often cases_record hashes a link again because other workers kept moving the head. */
#define CASES_MAX_CHAIN_RETRIES 64
/* Versions of a post a case keeps, the first included: bounds a case whose post is edited
 * without end (each version holds up to POST_MESSAGE_MAX_RAW_BYTES, deflated). */
#define CASES_MAX_VERSIONS 16

void cases_id(const char *account, const char *post_id, char out[CASE_ID_LEN + 1]);
/* 1 when id is CASE_ID_LEN lower-case hex digits. */
int cases_id_valid(const char *id);

/* One scored post to write. Strings are borrowed; NULL optional strings are written as "". */
struct post_record {
    const char *entry_id;
    const char *post_id;
    const char *account;
    const char *rescan; /* the rescan request id, or NULL */

    const char *verdict;
    double political; /* written with three decimals, as explanations show them */
    double partisan;
    const char *categories; /* comma-separated */
    const char *ruleset;
    const char *explanation; /* JSON */

    const char *content; /* the post's content hash (post_message_content_hash) */

    /* The case, opened when open_case. The fields below are filled when open_case or
     * has_evidence (for a version of a post not suspect). */
    int open_case;
    int has_evidence;
    int priority; /* partisan in thousandths, 0..1000 */
    char case_id[CASE_ID_LEN + 1];
    const char *platform, *author, *url, *created_at, *fetched_at, *region;
    const char *message_json;
    const unsigned char *raw_deflated;
    size_t raw_deflated_len;
    char raw_sha256[EVIDENCE_HASH_LEN + 1];
    char message_sha256[EVIDENCE_HASH_LEN + 1];
    char evidence[EVIDENCE_HASH_LEN + 1];
};

/* CASE_VERSION: a new version kept; CASE_VERSION_DROPPED: a new version over the cap. */
enum case_outcome { CASE_NONE, CASE_CREATED, CASE_EXISTING, CASE_VERSION, CASE_VERSION_DROPPED };

struct record_outcome {
    int duplicate;         /* the entry was recorded before: nothing written */
    int needs_evidence;    /* a case keeps this as a new version: nothing written; record again
                              with has_evidence */
    enum case_outcome kase;
    long long chain_position; /* of the link appended (CASE_CREATED, CASE_VERSION) */
    long long version;        /* which version that link is */
};

/* 0 when every key record needs can be named; -1 with err when one cannot (an id too long),
 * which no retry will change. */
int cases_record_check(const struct netra_config *config, int shard,
                       const struct post_record *record, char *err, size_t err_len);

/* Writes record on its shard's connection. head is the caller's cache of the shard's chain head
 * (evidence_head_init() at first): the link is hashed from it, and it follows the chain. -1 with
 * err when Redis failed or the head kept moving; nothing half-written either way. */
int cases_record(struct redis_sync *redis, const struct netra_config *config, int shard,
                 const struct post_record *record, struct evidence_head *head,
                 struct record_outcome *out, char *err, size_t err_len);

struct case_field {
    char *name;
    char *value; /* NUL-terminated after len bytes; may hold NUL bytes (raw) */
    size_t len;
};

struct case_fields {
    struct case_field *items;
    size_t count;
};

void case_fields_free(struct case_fields *fields);

/* The whole case hash; *found = 0 when there is no such case. */
int cases_get(struct redis_sync *redis, const struct netra_config *config, int shard,
              const char *case_id, struct case_fields *out, int *found, char *err,
              size_t err_len);

/* A field's value, or NULL when absent. The _string form is also NULL for a value holding a NUL
 * byte, so text compared or hashed is exactly what is stored. */
const struct case_field *case_field(const struct case_fields *fields, const char *name);
const char *case_string(const struct case_fields *fields, const char *name);

/* The same for version k of the case's post (k >= 1; 1 is the unprefixed fields). */
const struct case_field *case_version_field(const struct case_fields *fields, long long version,
                                            const char *name);
const char *case_version_string(const struct case_fields *fields, long long version,
                                const char *name);
/* How many versions the case holds ("versions"; 1 when absent); 0 when the field is malformed. */
long long case_versions(const struct case_fields *fields);

#endif
