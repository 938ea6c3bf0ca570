#include "worker/evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "queue/post_message.h"
#include "queue/retention.h"

/* Links read per round trip while walking a chain. */
#define VERIFY_PAGE 256

/* What a case's stored evidence recomputes to. */
struct case_check {
    struct post_message *message;
    unsigned char *raw; /* inflated; NULL when the case has no raw bytes */
    size_t raw_len;
    char raw_sha256[EVIDENCE_HASH_LEN + 1];
    char message_sha256[EVIDENCE_HASH_LEN + 1];
    char evidence[EVIDENCE_HASH_LEN + 1];
};

static void case_check_free(struct case_check *check)
{
    post_message_free(check->message);
    free(check->raw);
    memset(check, 0, sizeof(*check));
}

static int stored_equals(const struct case_fields *kase, long long version, const char *name,
                         const char *expected)
{
    const char *value = case_version_string(kase, version, name);
    return value != NULL && strcmp(value, expected) == 0;
}

/* Recomputes the evidence of version of kase (case case_id) and compares it with its stored
 * hashes. 0 when it holds, else -1 with the reason in why. */
static int check_case(const struct case_fields *kase, long long version, const char *case_id,
                      struct case_check *out, char *why, size_t why_len)
{
    char problem[NETRA_ERR_LEN], derived[CASE_ID_LEN + 1];
    const struct case_field *raw = case_version_field(kase, version, "raw");
    const char *message = case_version_string(kase, version, "message");
    memset(out, 0, sizeof(*out));
    if (message == NULL)
        return error_set(why, why_len, "the case has no message (version %lld)", version);
    if (raw != NULL && raw->len > 0 &&
        post_raw_inflate(raw->value, raw->len, (size_t)POST_MESSAGE_MAX_RAW_BYTES, &out->raw,
                         &out->raw_len, problem, sizeof(problem)) != 0)
        return error_set(why, why_len, "the raw bytes do not inflate: %s", problem);
    post_sha256_hex(out->raw, out->raw_len, out->raw_sha256);
    if (!stored_equals(kase, version, "raw_sha256", out->raw_sha256))
        return error_set(why, why_len, "the raw bytes do not match the case's raw_sha256");
    post_sha256_hex(message, strlen(message), out->message_sha256);
    if (!stored_equals(kase, version, "message_sha256", out->message_sha256))
        return error_set(why, why_len, "the message does not match the case's message_sha256");
    if (post_message_from_json(message, strlen(message), &out->message, problem,
                               sizeof(problem)) != 0) {
        out->message = NULL;
        return error_set(why, why_len, "the message is not a post message: %s", problem);
    }
    if (out->raw_len > 0 && strcmp(out->message->sha256, out->raw_sha256) != 0)
        return error_set(why, why_len, "the message names other raw bytes (its sha256)");
    if (out->message->account == NULL)
        return error_set(why, why_len, "the message has no account");
    cases_id(out->message->account, out->message->id, derived);
    if (strcmp(derived, case_id) != 0)
        return error_set(why, why_len,
                         "case id %s does not derive from the message's account and post id",
                         case_id);
    evidence_hash(out->raw_sha256, out->message_sha256, out->evidence);
    if (!stored_equals(kase, version, "evidence", out->evidence))
        return error_set(why, why_len, "the case's evidence hash does not match its evidence");
    return 0;
}

static const char *message_fetched_at(const struct case_check *check)
{
    return check->message->fetched_at != NULL ? check->message->fetched_at : "";
}

/* A tombstone's evidence: the hashes it kept, checked to make up its evidence hash. */
static int check_tombstone(const struct case_fields *kase, long long version,
                           struct case_check *out, char *why, size_t why_len)
{
    const char *raw = case_version_string(kase, version, "raw_sha256");
    const char *message = case_version_string(kase, version, "message_sha256");
    const char *evidence = case_version_string(kase, version, "evidence");
    memset(out, 0, sizeof(*out));
    if (retention_tombstone_check(raw, message, evidence, why, why_len) != 0)
        return -1;
    memcpy(out->raw_sha256, raw, sizeof(out->raw_sha256));
    memcpy(out->message_sha256, message, sizeof(out->message_sha256));
    memcpy(out->evidence, evidence, sizeof(out->evidence));
    return 0;
}

/* The version a link names: 1 when it names none (links from before versions were kept), 0 when
 * what it names is not a version number. */
static long long link_version(const struct evidence_link *link)
{
    char *end = NULL;
    if (link->version == NULL)
        return 1;
    long long version = strtoll(link->version, &end, 10);
    return end != link->version && *end == '\0' && version >= 1 ? version : 0;
}

/* Checks link number position against its case. 0 intact, 1 broken (why), -1 Redis failed.
 * *purged = 1 when the case is a tombstone. */
static int check_link(struct redis_sync *redis, const struct netra_config *config, int shard,
                      const struct evidence_link *link, long long position, const char *prev,
                      int *purged, char *why, size_t why_len, char *err, size_t err_len)
{
    struct case_fields kase = {0};
    struct case_check check = {0};
    char expected[32], chain[EVIDENCE_HASH_LEN + 1];
    int found = 0, rc = 1;
    snprintf(expected, sizeof(expected), "%lld", position);
    if (link->position == NULL || link->case_id == NULL || link->evidence == NULL ||
        link->fetched_at == NULL || link->prev == NULL || link->chain == NULL) {
        error_set(why, why_len, "the entry lacks a field (position, case, evidence, "
                                "fetched_at, prev, chain) or holds a malformed one");
        goto cleanup;
    }
    if (strcmp(link->position, expected) != 0) {
        error_set(why, why_len, "the entry says position %.30s: an entry before it was "
                                "deleted, inserted or moved", link->position);
        goto cleanup;
    }
    if (strcmp(link->prev, prev) != 0) {
        error_set(why, why_len, "its prev is not the hash of link %lld: an entry before it was "
                                "deleted, inserted, moved or altered", position - 1);
        goto cleanup;
    }
    if (!cases_id_valid(link->case_id)) {
        error_set(why, why_len, "the case id is malformed");
        goto cleanup;
    }
    if (cases_get(redis, config, shard, link->case_id, &kase, &found, err, err_len) != 0) {
        rc = -1;
        goto cleanup;
    }
    if (!found) {
        error_set(why, why_len, "case %s is missing", link->case_id);
        goto cleanup;
    }
    long long version = link_version(link), versions = case_versions(&kase);
    if (versions < 1) {
        error_set(why, why_len, "case %s: its versions count is malformed", link->case_id);
        goto cleanup;
    }
    if (version < 1 || version > versions) {
        error_set(why, why_len, "the entry names version %.20s of case %s, which holds %lld",
                  link->version, link->case_id, versions);
        goto cleanup;
    }
    *purged = retention_is_tombstone(case_string(&kase, "status"));
    if ((*purged ? check_tombstone(&kase, version, &check, why, why_len)
                 : check_case(&kase, version, link->case_id, &check, why, why_len)) != 0)
        goto cleanup;
    if (strcmp(link->evidence, check.evidence) != 0) {
        error_set(why, why_len, "the entry's evidence hash is not the case's evidence");
        goto cleanup;
    }
    const char *fetched_at = *purged ? case_version_string(&kase, version, "fetched_at")
                                     : message_fetched_at(&check);
    if (fetched_at == NULL || strcmp(link->fetched_at, fetched_at) != 0) {
        error_set(why, why_len, "the entry's fetched_at is not the message's");
        goto cleanup;
    }
    evidence_link_hash(prev, link->case_id, check.evidence, link->fetched_at, chain);
    if (strcmp(link->chain, chain) != 0) {
        error_set(why, why_len, "the link hash does not match what it links");
        goto cleanup;
    }
    if (!stored_equals(&kase, version, "chain_position", expected) ||
        !stored_equals(&kase, version, "chain", chain) ||
        !stored_equals(&kase, version, "chain_id", link->stream_id)) {
        error_set(why, why_len, "the case points at another link");
        goto cleanup;
    }
    rc = 0;

cleanup:
    case_check_free(&check);
    case_fields_free(&kase);
    return rc;
}

static void report_broken(struct evidence_report *report, long long position,
                          const struct evidence_link *link)
{
    report->broken = 1;
    report->position = position;
    if (link != NULL) {
        snprintf(report->stream_id, sizeof(report->stream_id), "%s", link->stream_id);
        if (link->case_id != NULL && cases_id_valid(link->case_id))
            snprintf(report->case_id, sizeof(report->case_id), "%s", link->case_id);
    }
}

/* With no head, the chain must be empty too: otherwise the head was deleted. A first link
 * appended since the head was read comes with a head, so the head is read once more. */
static int headless_chain(struct redis_sync *redis, const struct netra_config *config, int shard,
                          struct evidence_report *report, char *err, size_t err_len)
{
    struct evidence_links first;
    int malformed = 0;
    if (evidence_links_read(redis, config, shard, "-", 1, 1, &first, err, err_len) != 0)
        return -1;
    size_t links = first.count;
    evidence_links_free(&first);
    if (links == 0)
        return 0;
    if (evidence_head_read(redis, config, shard, &report->head, &malformed, err, err_len) != 0)
        return -1;
    if (malformed || report->head.position == 0) {
        report_broken(report, 1, NULL);
        error_set(report->why, sizeof(report->why),
                  "the chain has links but its head is %s", malformed ? "malformed" : "missing");
        return 0;
    }
    return evidence_verify(redis, config, shard, report, err, err_len);
}

int evidence_verify(struct redis_sync *redis, const struct netra_config *config, int shard,
                    struct evidence_report *report, char *err, size_t err_len)
{
    char prev[EVIDENCE_HASH_LEN + 1] = EVIDENCE_GENESIS, start[EVIDENCE_ID_LEN] = "-";
    char problem[NETRA_ERR_LEN];
    int include_start = 1, malformed = 0;
    memset(report, 0, sizeof(*report));
    if (evidence_head_read(redis, config, shard, &report->head, &malformed, problem,
                           sizeof(problem)) != 0)
        return error_set(err, err_len, "%s", problem);
    if (malformed) {
        report->broken = 1;
        snprintf(report->why, sizeof(report->why), "%s", problem);
        return 0;
    }
    if (report->head.position == 0)
        return headless_chain(redis, config, shard, report, err, err_len);
    while (report->links < report->head.position) {
        struct evidence_links page;
        long long left = report->head.position - report->links;
        size_t want = left < VERIFY_PAGE ? (size_t)left : VERIFY_PAGE;
        if (evidence_links_read(redis, config, shard, start, include_start, want, &page, err,
                                err_len) != 0)
            return -1;
        for (size_t i = 0; i < page.count; i++) {
            const struct evidence_link *link = &page.items[i];
            long long position = report->links + 1;
            int purged = 0;
            int rc = check_link(redis, config, shard, link, position, prev, &purged,
                                report->why, sizeof(report->why), err, err_len);
            if (rc != 0) {
                if (rc > 0)
                    report_broken(report, position, link);
                evidence_links_free(&page);
                return rc < 0 ? -1 : 0;
            }
            memcpy(prev, link->chain, sizeof(prev));
            report->links++;
            report->purged += purged;
        }
        if (page.count > 0)
            snprintf(start, sizeof(start), "%s", page.items[page.count - 1].stream_id);
        include_start = 0;
        size_t read = page.count;
        evidence_links_free(&page);
        if (read < want) {
            report_broken(report, report->links + 1, NULL);
            error_set(report->why, sizeof(report->why),
                      "the head says %lld links but the chain ends after %lld: entries were "
                      "deleted", report->head.position, report->links);
            return 0;
        }
    }
    if (strcmp(prev, report->head.chain) != 0) {
        report_broken(report, report->head.position, NULL);
        error_set(report->why, sizeof(report->why),
                  "the head's hash is not the hash of link %lld", report->head.position);
    }
    return 0;
}

/* ---- export ---- */

static char *base64_of(const unsigned char *data, size_t len)
{
    if (len > (size_t)POST_MESSAGE_MAX_RAW_BYTES)
        return NULL;
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out == NULL)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

static const char *const verify_steps[] = {
    "Every command reads this file as bundle.json; each printed hash must equal the field named.",
    "raw_sha256: jq -r .raw_base64 bundle.json | base64 -d | sha256sum",
    "message_sha256: jq -j .message_json bundle.json | sha256sum",
    "evidence_hash: jq -j '.raw_sha256 + .message_sha256' bundle.json | sha256sum",
    "chain.hash: jq -j '.chain.prev + .case + .evidence_hash + .fetched_at' bundle.json | "
    "sha256sum",
    "chain.next.hash (when there is a next link): jq -j '.chain.hash + .chain.next.case + "
    ".chain.next.evidence_hash + .chain.next.fetched_at' bundle.json | sha256sum",
    "case (its first 32 digits): jq -j .message_json bundle.json | jq -j '.account + \"\\n\" + "
    ".id' | sha256sum",
    "The message's sha256, account, id and fetched_at are those of the bundle: jq -r "
    ".message_json bundle.json | jq .",
    "Each of later_versions (the post as edited, each its own link) is checked the same way; "
    "for the first, later_versions[0]:",
    "later_versions[0].raw_sha256: jq -r '.later_versions[0].raw_base64' bundle.json | base64 -d "
    "| sha256sum",
    "later_versions[0].message_sha256: jq -j '.later_versions[0].message_json' bundle.json | "
    "sha256sum",
    "later_versions[0].evidence_hash: jq -j '.later_versions[0] | .raw_sha256 + .message_sha256' "
    "bundle.json | sha256sum",
    "later_versions[0].chain.hash: jq -j '.case as $c | .later_versions[0] | .chain.prev + $c + "
    ".evidence_hash + .fetched_at' bundle.json | sha256sum",
};

static cJSON *add_object(cJSON *parent, const char *name)
{
    return parent != NULL ? cJSON_AddObjectToObject(parent, name) : NULL;
}

static int add_string(cJSON *object, const char *name, const char *value)
{
    return object != NULL && cJSON_AddStringToObject(object, name, value ? value : "") != NULL
               ? 0
               : -1;
}

static int add_number(cJSON *object, const char *name, double value)
{
    return object != NULL && cJSON_AddNumberToObject(object, name, value) != NULL ? 0 : -1;
}

/* The stored JSON text as a JSON value, or as a string when it does not parse. */
static int add_json(cJSON *object, const char *name, const char *text)
{
    cJSON *value = text != NULL ? cJSON_Parse(text) : NULL;
    if (value == NULL)
        return add_string(object, name, text);
    if (object == NULL || !cJSON_AddItemToObject(object, name, value)) {
        cJSON_Delete(value);
        return -1;
    }
    return 0;
}

static int add_link(cJSON *chain, const char *name, const struct evidence_link *link)
{
    if (link == NULL)
        return chain != NULL && cJSON_AddNullToObject(chain, name) != NULL ? 0 : -1;
    cJSON *object = add_object(chain, name);
    return add_number(object, "position", link->position ? atof(link->position) : 0) != 0 ||
                   add_string(object, "stream_id", link->stream_id) != 0 ||
                   add_string(object, "case", link->case_id) != 0 ||
                   add_string(object, "evidence_hash", link->evidence) != 0 ||
                   add_string(object, "fetched_at", link->fetched_at) != 0 ||
                   add_string(object, "prev", link->prev) != 0 ||
                   add_string(object, "hash", link->chain) != 0
               ? -1
               : 0;
}

static char *utc_now(char *out, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

/* What one version's link adds to the bundle: its score, evidence and link. */
static int add_version(cJSON *object, const struct case_fields *kase, long long version,
                       const struct case_check *check, const struct evidence_link *link,
                       const struct evidence_link *next)
{
    char *raw = base64_of(check->raw, check->raw_len);
    cJSON *score = NULL, *chain = NULL;
    int rc = raw == NULL || add_number(object, "version", (double)version) != 0 ||
                     add_string(object, "fetched_at", message_fetched_at(check)) != 0 ||
                     (score = add_object(object, "score")) == NULL ||
                     add_string(score, "verdict", case_version_string(kase, version, "verdict")) !=
                         0 ||
                     add_string(score, "political",
                                case_version_string(kase, version, "political")) != 0 ||
                     add_string(score, "partisan",
                                case_version_string(kase, version, "partisan")) != 0 ||
                     add_string(score, "ruleset", case_version_string(kase, version, "ruleset")) !=
                         0 ||
                     add_json(score, "explanation",
                              case_version_string(kase, version, "explanation")) != 0 ||
                     add_string(object, "message_json",
                                case_version_string(kase, version, "message")) != 0 ||
                     add_json(object, "message", case_version_string(kase, version, "message")) !=
                         0 ||
                     add_string(object, "message_sha256", check->message_sha256) != 0 ||
                     add_string(object, "raw_base64", raw) != 0 ||
                     add_string(object, "raw_sha256", check->raw_sha256) != 0 ||
                     add_string(object, "evidence_hash", check->evidence) != 0 ||
                     (chain = add_object(object, "chain")) == NULL ||
                     add_number(chain, "position", atof(link->position)) != 0 ||
                     add_string(chain, "stream_id", link->stream_id) != 0 ||
                     add_string(chain, "prev", link->prev) != 0 ||
                     add_string(chain, "hash", link->chain) != 0 ||
                     add_link(chain, "next", next) != 0
                 ? -1
                 : 0;
    free(raw);
    return rc;
}

/* One version, verified, with its link and the one after it. */
struct version_evidence {
    struct case_check check;
    struct evidence_links links; /* [0] its link, [1] the next one when there is one */
};

static const struct evidence_link *next_link(const struct version_evidence *v)
{
    return v->links.count > 1 ? &v->links.items[1] : NULL;
}

static char *bundle_json(const struct case_fields *kase, const struct version_evidence *versions,
                         long long count, const char *case_id, int shard,
                         const struct evidence_head *head)
{
    const struct case_check *check = &versions[0].check;
    char now[32], *text = NULL;
    cJSON *root = cJSON_CreateObject(), *steps = NULL, *later = NULL;
    cJSON *chain = NULL, *head_json = NULL;
    if (root == NULL || add_string(root, "format", "netra-evidence-bundle/1") != 0 ||
        add_string(root, "case", case_id) != 0 || add_number(root, "shard", shard) != 0 ||
        add_string(root, "account", check->message->account) != 0 ||
        add_string(root, "post_id", check->message->id) != 0 ||
        add_string(root, "url", check->message->url) != 0 ||
        add_string(root, "status", case_string(kase, "status")) != 0 ||
        add_version(root, kase, 1, check, &versions[0].links.items[0], next_link(&versions[0])) !=
            0 ||
        (chain = cJSON_GetObjectItemCaseSensitive(root, "chain")) == NULL ||
        (head_json = add_object(chain, "head")) == NULL ||
        add_number(head_json, "position", (double)head->position) != 0 ||
        add_string(head_json, "hash", head->chain) != 0 ||
        add_string(head_json, "stream_id", head->stream_id) != 0 ||
        (later = cJSON_AddArrayToObject(root, "later_versions")) == NULL)
        goto cleanup;
    for (long long k = 2; k <= count; k++) {
        const struct version_evidence *v = &versions[k - 1];
        cJSON *object = cJSON_CreateObject();
        if (object == NULL || !cJSON_AddItemToArray(later, object)) {
            cJSON_Delete(object);
            goto cleanup;
        }
        if (add_number(object, "recorded",
                       atof(case_version_string(kase, k, "recorded") != NULL
                                ? case_version_string(kase, k, "recorded")
                                : "0")) != 0 ||
            add_version(object, kase, k, &v->check, &v->links.items[0], next_link(v)) != 0)
            goto cleanup;
    }
    if (add_number(root, "versions_dropped",
                   atof(case_string(kase, "versions_dropped") != NULL
                            ? case_string(kase, "versions_dropped")
                            : "0")) != 0 ||
        add_string(root, "exported_at", utc_now(now, sizeof(now))) != 0 ||
        (steps = cJSON_AddArrayToObject(root, "verify")) == NULL)
        goto cleanup;
    for (size_t i = 0; i < sizeof(verify_steps) / sizeof(verify_steps[0]); i++) {
        cJSON *step = cJSON_CreateString(verify_steps[i]);
        if (step == NULL || !cJSON_AddItemToArray(steps, step)) {
            cJSON_Delete(step);
            goto cleanup;
        }
    }
    text = cJSON_Print(root);

cleanup:
    cJSON_Delete(root);
    return text;
}

/* The link of a verified version: its entry must be the one the version names, and recompute. */
static int case_link(struct redis_sync *redis, const struct netra_config *config, int shard,
                     const struct case_fields *kase, long long version, const char *case_id,
                     const char *evidence, struct evidence_links *links, char *err,
                     size_t err_len)
{
    const char *chain_id = case_version_string(kase, version, "chain_id");
    if (chain_id == NULL || chain_id[0] == '\0' || strlen(chain_id) >= EVIDENCE_ID_LEN)
        return error_set(err, err_len, "case %s: version %lld names no evidence link", case_id,
                         version);
    if (evidence_links_read(redis, config, shard, chain_id, 1, 2, links, err, err_len) != 0)
        return -1;
    const struct evidence_link *link = links->count > 0 ? &links->items[0] : NULL;
    if (link == NULL || strcmp(link->stream_id, chain_id) != 0 || link->position == NULL ||
        link->prev == NULL || link->chain == NULL || link->case_id == NULL ||
        strcmp(link->case_id, case_id) != 0 || link_version(link) != version ||
        !stored_equals(kase, version, "chain", link->chain))
        return error_set(err, err_len, "case %s: the evidence link %s of version %lld is missing "
                         "or not its own; run netra evidence verify", case_id, chain_id, version);
    char chain[EVIDENCE_HASH_LEN + 1];
    evidence_link_hash(link->prev, case_id, evidence,
                       link->fetched_at != NULL ? link->fetched_at : "", chain);
    if (strcmp(chain, link->chain) != 0)
        return error_set(err, err_len, "case %s: the evidence link %s of version %lld does not "
                         "recompute; run netra evidence verify", case_id, chain_id, version);
    return 0;
}

static void versions_free(struct version_evidence *versions, long long count)
{
    for (long long k = 0; versions != NULL && k < count; k++) {
        case_check_free(&versions[k].check);
        evidence_links_free(&versions[k].links);
    }
    free(versions);
}

int evidence_export(struct shards *shards, const struct netra_config *config,
                    const char *case_id, char **json, int *found, char *err, size_t err_len)
{
    struct case_fields kase = {0};
    struct version_evidence *versions = NULL;
    struct evidence_head head;
    char why[NETRA_ERR_LEN];
    int shard = 0, malformed = 0, rc = -1;
    long long count = 0;
    *json = NULL;
    *found = 0;
    if (!cases_id_valid(case_id))
        return error_set(err, err_len, "\"%.40s\" is not a case id (32 hex digits)", case_id);
    for (; shard < shards_count(shards) && !*found; shard++) {
        case_fields_free(&kase);
        if (cases_get(shards_get(shards, shard), config, shard, case_id, &kase, found, err,
                      err_len) != 0)
            goto cleanup;
    }
    if (!*found) {
        rc = 0;
        goto cleanup;
    }
    shard--;
    struct redis_sync *redis = shards_get(shards, shard);
    if ((count = case_versions(&kase)) < 1) {
        error_set(err, err_len, "case %s: its versions count is malformed", case_id);
        goto cleanup;
    }
    if ((versions = calloc((size_t)count, sizeof(*versions))) == NULL) {
        error_set(err, err_len, "case %s: out of memory", case_id);
        goto cleanup;
    }
    for (long long k = 1; k <= count; k++) {
        struct version_evidence *v = &versions[k - 1];
        if (check_case(&kase, k, case_id, &v->check, why, sizeof(why)) != 0) {
            error_set(err, err_len, "case %s: its evidence does not verify (version %lld): %s",
                      case_id, k, why);
            goto cleanup;
        }
        if (case_link(redis, config, shard, &kase, k, case_id, v->check.evidence, &v->links, err,
                      err_len) != 0)
            goto cleanup;
    }
    if (evidence_head_read(redis, config, shard, &head, &malformed, err, err_len) != 0 ||
        malformed)
        goto cleanup;
    *json = bundle_json(&kase, versions, count, case_id, shard, &head);
    if (*json == NULL) {
        error_set(err, err_len, "case %s: out of memory building the bundle", case_id);
        goto cleanup;
    }
    rc = 0;

cleanup:
    versions_free(versions, count);
    case_fields_free(&kase);
    return rc;
}
