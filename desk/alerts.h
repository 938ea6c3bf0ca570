/* Reading the confirmed findings (the alerts stream of every shard) for the feeds and webhooks.
 *
 * An alert is one stream entry written by a confirmation (fields in docs/feeds.md). Pages merge
 * every shard's stream newest first by entry id (time, then sequence, then shard). An entry is
 * shown only while it is its case's standing confirmation: when the case hash says the case is no
 * longer "confirmed" (reopened) or was confirmed again later, the entry is skipped, so a feed
 * holds each case once, at its newest confirmation.
 *
 * Every string of an alert was typed by a platform or a reviewer: alerts_decode() keeps it as
 * bytes; writers of XML or JSON pass it through alert_clean_text() first. A struct alert and a
 * struct alert_page own their strings: alert_free(), alert_page_free(). */
#ifndef NETRA_DESK_ALERTS_H
#define NETRA_DESK_ALERTS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "config/config.h"
#include "queue/shards.h"

/* Longest "<ms>-<seq>" stream id, and the cursor "<ms>-<seq>.<shard>". */
#define ALERT_ENTRY_ID_LEN 48
#define ALERT_CURSOR_LEN 64
#define ALERTS_PAGE_MAX 200
/* Most entries one page request looks at before it answers with what it found and a cursor to
 * continue from, so a filter matching nothing costs a bounded amount of work. */
#define ALERTS_SCAN_MAX 5000

enum alert_field {
    ALERT_CASE, ALERT_ACCOUNT, ALERT_NAME, ALERT_AGENCY, ALERT_REGION, ALERT_NIP, ALERT_PLATFORM,
    ALERT_AUTHOR, ALERT_URL, ALERT_POST_ID, ALERT_TEXT, ALERT_CREATED_AT, ALERT_FETCHED_AT,
    ALERT_CATEGORY, ALERT_NOTE, ALERT_PARTISAN, ALERT_CONFIRMED_BY, ALERT_CONFIRMED_AT,
    ALERT_EVIDENCE, ALERT_CHAIN_POSITION,
    /* What the finding is (post, repost, reply, quote, follow, like) and, for a follow or a like,
     * its target (queue/post_message.h). Confirmations do not write these into the entry: they
     * come from the case's message (alerts_read_engagement) unless the entry has them. */
    ALERT_KIND, ALERT_TARGET_ID, ALERT_TARGET_ACCOUNT, ALERT_TARGET_ACCOUNT_ID, ALERT_TARGET_NAME,
    ALERT_TARGET_URL, ALERT_TARGET_TEXT,
    ALERT_FIELD_COUNT
};

/* The entry field name of f ("case", "account", ...). */
const char *alert_field_name(enum alert_field f);

struct alert {
    int shard;
    char entry_id[ALERT_ENTRY_ID_LEN];
    char *fields[ALERT_FIELD_COUNT]; /* NUL-terminated copies; "" when the entry lacks one */
    long long confirmed_at_ms;       /* 0 when the entry's value is not a number */
};

void alert_free(struct alert *alert);

/* Decodes one entry (its id and its flat field/value array) of shard's stream. -1 with err when
 * the reply is not an entry or the entry has no valid case id. */
int alerts_decode(const redisReply *entry, int shard, struct alert *out, char *err,
                  size_t err_len);

/* Fills the alert's kind and target fields that its entry left "" from the message of its case
 * (one HGET; kind "post" when neither says). A case or message that is gone or unreadable leaves
 * the target fields ""; -1 with err only when Redis failed or memory ran out. */
int alerts_read_engagement(struct redis_sync *redis, const struct netra_config *config,
                           struct alert *alert, char *err, size_t err_len);

/* 1 when the alert is of a follow or a like. */
int alert_is_engagement(const struct alert *alert);

struct alert_query {
    const char *region;  /* exact match, or NULL */
    const char *agency;  /* exact match, or NULL */
    long long since_ms;  /* confirmed at or after, or 0 */
    const char *cursor;  /* from a previous page's next_cursor, or NULL for the newest */
    size_t limit;        /* 1..ALERTS_PAGE_MAX */
};

struct alert_page {
    struct alert *items;
    size_t count;
    char next_cursor[ALERT_CURSOR_LEN]; /* "" when nothing older is left */
};

void alert_page_free(struct alert_page *page);

/* One page of query. -1 with err on a bad cursor (status 400 for the caller: *bad_request = 1)
 * or a Redis failure (*bad_request = 0). */
int alerts_page(struct shards *shards, const struct netra_config *config,
                const struct alert_query *query, struct alert_page *out, int *bad_request,
                char *err, size_t err_len);

/* A copy of s (len bytes) that is valid UTF-8 and holds no character XML 1.0 forbids (controls
 * other than tab, LF and CR; U+FFFE, U+FFFF): each bad byte or character becomes U+FFFD. NULL
 * when out of memory. */
char *alert_clean_text(const char *s, size_t len);

/* RFC 3339 UTC with milliseconds ("2026-11-22T10:00:00.123Z") of a Unix time in ms. */
void alert_format_time(long long ms, char out[32]);
/* Parses an RFC 3339 date-time ("2026-11-22T10:00:00Z", "...+07:00", fraction allowed) or a
 * date ("2026-11-22", midnight UTC) into Unix ms. -1 when s is neither. */
int alert_parse_time(const char *s, long long *ms);

/* The alert as the JSON object webhooks post and the JSON Feed's _netra extends: every field as a
 * cleaned string, plus "id" ("urn:netra:alert:<case>"), "alert" ("<shard>/<entry id>"),
 * confirmed_at in RFC 3339, partisan and chain_position as numbers; "kind" and "target" (null for
 * posts, else {id, account, account_id, name, url, text} as strings). Returns a cJSON * the
 * caller owns, or NULL when out of memory. */
void *alert_to_json(const struct alert *alert);

#endif
