#include "desk/alerts.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "config/log.h"
#include "config/utf8.h"
#include "queue/cases.h"
#include "queue/keys.h"

static const char *const field_names[ALERT_FIELD_COUNT] = {
    [ALERT_CASE] = "case",
    [ALERT_ACCOUNT] = "account",
    [ALERT_NAME] = "name",
    [ALERT_AGENCY] = "agency",
    [ALERT_REGION] = "region",
    [ALERT_NIP] = "nip",
    [ALERT_PLATFORM] = "platform",
    [ALERT_AUTHOR] = "author",
    [ALERT_URL] = "url",
    [ALERT_POST_ID] = "post_id",
    [ALERT_TEXT] = "text",
    [ALERT_CREATED_AT] = "created_at",
    [ALERT_FETCHED_AT] = "fetched_at",
    [ALERT_CATEGORY] = "category",
    [ALERT_NOTE] = "note",
    [ALERT_PARTISAN] = "partisan",
    [ALERT_CONFIRMED_BY] = "confirmed_by",
    [ALERT_CONFIRMED_AT] = "confirmed_at",
    [ALERT_EVIDENCE] = "evidence",
    [ALERT_CHAIN_POSITION] = "chain_position",
    [ALERT_KIND] = "kind",
    [ALERT_TARGET_ID] = "target_id",
    [ALERT_TARGET_ACCOUNT] = "target_account",
    [ALERT_TARGET_ACCOUNT_ID] = "target_account_id",
    [ALERT_TARGET_NAME] = "target_name",
    [ALERT_TARGET_URL] = "target_url",
    [ALERT_TARGET_TEXT] = "target_text",
};

/* The target fields and their members in the message's (and the JSON's) target object. */
static const struct {
    enum alert_field field;
    const char *member;
} target_fields[] = {
    {ALERT_TARGET_ID, "id"},          {ALERT_TARGET_ACCOUNT, "account"},
    {ALERT_TARGET_ACCOUNT_ID, "account_id"}, {ALERT_TARGET_NAME, "name"},
    {ALERT_TARGET_URL, "url"},        {ALERT_TARGET_TEXT, "text"},
};
#define TARGET_FIELD_COUNT (sizeof(target_fields) / sizeof(target_fields[0]))

/* Entries fetched from one shard per round trip. */
#define SHARD_BATCH 64

const char *alert_field_name(enum alert_field f)
{
    return field_names[f];
}

void alert_free(struct alert *alert)
{
    for (size_t i = 0; i < ALERT_FIELD_COUNT; i++)
        free(alert->fields[i]);
    memset(alert, 0, sizeof(*alert));
}

void alert_page_free(struct alert_page *page)
{
    for (size_t i = 0; i < page->count; i++)
        alert_free(&page->items[i]);
    free(page->items);
    memset(page, 0, sizeof(*page));
}

static int parse_ll(const char *s, long long *out)
{
    char *end;
    if (s == NULL || s[0] == '\0')
        return -1;
    errno = 0;
    long long value = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = value;
    return 0;
}

/* "<ms>-<seq>" of a stream entry id. */
static int parse_entry_id(const char *id, unsigned long long *ms, unsigned long long *seq)
{
    char *end;
    if (id[0] < '0' || id[0] > '9')
        return -1;
    errno = 0;
    *ms = strtoull(id, &end, 10);
    if (errno != 0 || *end != '-' || end[1] < '0' || end[1] > '9')
        return -1;
    *seq = strtoull(end + 1, &end, 10);
    return errno != 0 || *end != '\0' ? -1 : 0;
}

int alerts_decode(const redisReply *entry, int shard, struct alert *out, char *err,
                  size_t err_len)
{
    unsigned long long ms, seq;
    memset(out, 0, sizeof(*out));
    out->shard = shard;
    if (entry == NULL || entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        !redis_reply_is_string(entry->element[0]) ||
        entry->element[1]->type != REDIS_REPLY_ARRAY)
        return error_set(err, err_len, "alerts of shard %d: an entry is not [id, fields]", shard);
    const redisReply *id = entry->element[0], *fields = entry->element[1];
    if (id->len >= sizeof(out->entry_id) || parse_entry_id(id->str, &ms, &seq) != 0)
        return error_set(err, err_len, "alerts of shard %d: bad entry id", shard);
    memcpy(out->entry_id, id->str, id->len + 1);

    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *name = fields->element[i], *value = fields->element[i + 1];
        if (!redis_reply_is_string(name) || !redis_reply_is_string(value))
            continue;
        for (size_t f = 0; f < ALERT_FIELD_COUNT; f++) {
            if (out->fields[f] != NULL || strlen(field_names[f]) != name->len ||
                memcmp(field_names[f], name->str, name->len) != 0)
                continue;
            out->fields[f] = malloc(value->len + 1);
            if (out->fields[f] == NULL)
                goto oom;
            memcpy(out->fields[f], value->str, value->len);
            out->fields[f][value->len] = '\0';
        }
    }
    for (size_t f = 0; f < ALERT_FIELD_COUNT; f++) {
        if (out->fields[f] == NULL && (out->fields[f] = strdup("")) == NULL)
            goto oom;
    }
    if (!cases_id_valid(out->fields[ALERT_CASE])) {
        error_set(err, err_len, "alerts of shard %d, entry %s: no valid case id", shard,
                  out->entry_id);
        alert_free(out);
        return -1;
    }
    if (parse_ll(out->fields[ALERT_CONFIRMED_AT], &out->confirmed_at_ms) != 0)
        out->confirmed_at_ms = 0;
    return 0;

oom:
    alert_free(out);
    return error_set(err, err_len, "alerts of shard %d: out of memory", shard);
}

char *alert_clean_text(const char *s, size_t len)
{
    unsigned char *out = malloc(len * 3 + 1), *w = out;
    const unsigned char *p = (const unsigned char *)s;
    if (out == NULL)
        return NULL;
    while (len > 0) {
        uint32_t cp;
        size_t used = utf8_decode(p, len, &cp);
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
            cp == 0xFFFF)
            cp = UTF8_REPLACEMENT;
        w += utf8_encode(cp, w);
        p += used;
        len -= used;
    }
    *w = '\0';
    return (char *)out;
}

void alert_format_time(long long ms, char out[32])
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || gmtime_r(&seconds, &tm) == NULL) {
        snprintf(out, 32, "1970-01-01T00:00:00.000Z");
        return;
    }
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

/* Reads exactly n decimal digits. */
static int digits(const char **p, int n, int *out)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    *p += n;
    *out = value;
    return 0;
}

int alert_parse_time(const char *s, long long *ms)
{
    struct tm tm = {0};
    int year, month, day, hour = 0, minute = 0, second = 0, millis = 0, offset_min = 0;
    const char *p = s;
    if (digits(&p, 4, &year) != 0 || *p++ != '-' || digits(&p, 2, &month) != 0 ||
        *p++ != '-' || digits(&p, 2, &day) != 0)
        return -1;
    if (*p != '\0') {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return -1;
        p++;
        if (digits(&p, 2, &hour) != 0 || *p++ != ':' || digits(&p, 2, &minute) != 0 ||
            *p++ != ':' || digits(&p, 2, &second) != 0)
            return -1;
        if (*p == '.') {
            int scale = 100, any = 0;
            for (p++; *p >= '0' && *p <= '9'; p++, any = 1) {
                millis += (*p - '0') * scale;
                scale /= 10;
            }
            if (!any)
                return -1;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om;
            if (digits(&p, 2, &oh) != 0 || *p++ != ':' || digits(&p, 2, &om) != 0 || oh > 23 ||
                om > 59)
                return -1;
            offset_min = sign * (oh * 60 + om);
        } else {
            return -1;
        }
        if (*p != '\0')
            return -1;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
        second > 60)
        return -1;
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *ms = ((long long)t - (long long)offset_min * 60) * 1000 + millis;
    return 0;
}

int alert_is_engagement(const struct alert *alert)
{
    return strcmp(alert->fields[ALERT_KIND], "follow") == 0 ||
           strcmp(alert->fields[ALERT_KIND], "like") == 0;
}

/* Replaces an empty field by a copy of value. */
static int field_fill(struct alert *alert, enum alert_field f, const char *value)
{
    if (alert->fields[f][0] != '\0' || value[0] == '\0')
        return 0;
    char *copy = strdup(value);
    if (copy == NULL)
        return -1;
    free(alert->fields[f]);
    alert->fields[f] = copy;
    return 0;
}

static const char *member_string(const cJSON *object, const char *name)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsString(value) ? value->valuestring : "";
}

int alerts_read_engagement(struct redis_sync *redis, const struct netra_config *config,
                           struct alert *alert, char *err, size_t err_len)
{
    char key[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    cJSON *message = NULL;
    int rc = -1;
    if (keys_case(key, sizeof(key), config->redis.key_prefix, alert->shard,
                  alert->fields[ALERT_CASE], err, err_len) != 0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "HGET", key, "message", (char *)NULL) !=
            0)
        goto cleanup;
    if (redis_reply_is_string(reply))
        message = cJSON_ParseWithLength(reply->str, reply->len);
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(message, "target");
    if (field_fill(alert, ALERT_KIND, member_string(message, "kind")) != 0 ||
        field_fill(alert, ALERT_KIND, "post") != 0)
        goto oom;
    for (size_t i = 0; i < TARGET_FIELD_COUNT; i++)
        if (field_fill(alert, target_fields[i].field,
                       member_string(target, target_fields[i].member)) != 0)
            goto oom;
    rc = 0;
    goto cleanup;
oom:
    error_set(err, err_len, "alert of case %s: out of memory", alert->fields[ALERT_CASE]);
cleanup:
    cJSON_Delete(message);
    freeReplyObject(reply);
    return rc;
}

static int add_clean(cJSON *object, const char *name, const char *value)
{
    char *clean = alert_clean_text(value, strlen(value));
    cJSON *item = clean == NULL ? NULL : cJSON_AddStringToObject(object, name, clean);
    free(clean);
    return item == NULL ? -1 : 0;
}

void *alert_to_json(const struct alert *alert)
{
    char text[96], when[32];
    cJSON *json = cJSON_CreateObject();
    if (json == NULL)
        goto fail;
    snprintf(text, sizeof(text), "urn:netra:alert:%s", alert->fields[ALERT_CASE]);
    if (cJSON_AddStringToObject(json, "id", text) == NULL)
        goto fail;
    snprintf(text, sizeof(text), "%d/%s", alert->shard, alert->entry_id);
    if (cJSON_AddStringToObject(json, "alert", text) == NULL)
        goto fail;
    for (size_t f = 0; f < ALERT_KIND; f++) {
        long long number;
        char *end;
        const char *value = alert->fields[f];
        if (f == ALERT_CONFIRMED_AT) {
            alert_format_time(alert->confirmed_at_ms, when);
            value = when;
        } else if (f == ALERT_CHAIN_POSITION && parse_ll(value, &number) == 0) {
            if (cJSON_AddNumberToObject(json, field_names[f], (double)number) == NULL)
                goto fail;
            continue;
        } else if (f == ALERT_PARTISAN && value[0] != '\0') {
            double score = strtod(value, &end);
            if (*end == '\0' && score >= 0 && score <= 1) {
                if (cJSON_AddNumberToObject(json, field_names[f], score) == NULL)
                    goto fail;
                continue;
            }
        }
        if (add_clean(json, field_names[f], value) != 0)
            goto fail;
    }
    if (add_clean(json, "kind", alert->fields[ALERT_KIND][0] != '\0' ? alert->fields[ALERT_KIND]
                                                                     : "post") != 0)
        goto fail;
    if (!alert_is_engagement(alert)) {
        if (cJSON_AddNullToObject(json, "target") == NULL)
            goto fail;
        return json;
    }
    cJSON *target = cJSON_AddObjectToObject(json, "target");
    if (target == NULL)
        goto fail;
    for (size_t i = 0; i < TARGET_FIELD_COUNT; i++)
        if (add_clean(target, target_fields[i].member, alert->fields[target_fields[i].field]) != 0)
            goto fail;
    return json;

fail:
    cJSON_Delete(json);
    return NULL;
}

/* The order of the merged feed: newer first; in one millisecond and sequence, the higher shard
 * first. */
struct position {
    unsigned long long ms, seq;
    int shard;
};

static int position_before(const struct position *a, const struct position *b)
{
    if (a->ms != b->ms)
        return a->ms > b->ms;
    if (a->seq != b->seq)
        return a->seq > b->seq;
    return a->shard > b->shard;
}

static int cursor_parse(const char *cursor, int shard_count, struct position *out)
{
    char id[ALERT_ENTRY_ID_LEN];
    const char *dot = strchr(cursor, '.');
    long long shard;
    if (dot == NULL || (size_t)(dot - cursor) >= sizeof(id))
        return -1;
    memcpy(id, cursor, (size_t)(dot - cursor));
    id[dot - cursor] = '\0';
    if (parse_entry_id(id, &out->ms, &out->seq) != 0 || parse_ll(dot + 1, &shard) != 0 ||
        shard < 0 || shard >= shard_count)
        return -1;
    out->shard = (int)shard;
    return 0;
}

/* One shard's stream, read backwards a batch at a time. */
struct shard_reader {
    int shard;
    char key[KEYS_MAX_LEN];
    char end[ALERT_ENTRY_ID_LEN + 1]; /* XREVRANGE's end for the next batch */
    redisReply *batch;
    size_t next;                      /* in batch->element */
    int exhausted;
};

static int reader_fill(struct shard_reader *reader, struct redis_sync *redis, char *err,
                       size_t err_len)
{
    char count[16];
    if (reader->exhausted || (reader->batch != NULL && reader->next < reader->batch->elements))
        return 0;
    freeReplyObject(reader->batch);
    reader->batch = NULL;
    reader->next = 0;
    snprintf(count, sizeof(count), "%d", SHARD_BATCH);
    if (redis_sync_commandv(redis, &reader->batch, err, err_len, "XREVRANGE", reader->key,
                            reader->end, "-", "COUNT", count, (char *)NULL) != 0 ||
        redis_reply_expect(reader->batch, REDIS_REPLY_ARRAY, 0, "XREVRANGE alerts", err,
                           err_len) != 0)
        return -1;
    if (reader->batch->elements < SHARD_BATCH)
        reader->exhausted = 1;
    if (reader->batch->elements > 0) {
        const redisReply *last = reader->batch->element[reader->batch->elements - 1];
        if (last->type != REDIS_REPLY_ARRAY || last->elements < 1 ||
            !redis_reply_is_string(last->element[0]) ||
            last->element[0]->len >= ALERT_ENTRY_ID_LEN)
            return error_set(err, err_len, "alerts of shard %d: bad XREVRANGE reply",
                             reader->shard);
        snprintf(reader->end, sizeof(reader->end), "(%s", last->element[0]->str);
    }
    return 0;
}

/* The position of the reader's next entry; 0 when it has none. */
static int reader_head(const struct shard_reader *reader, struct position *out)
{
    if (reader->batch == NULL || reader->next >= reader->batch->elements)
        return 0;
    const redisReply *entry = reader->batch->element[reader->next];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 1 ||
        !redis_reply_is_string(entry->element[0]) ||
        parse_entry_id(entry->element[0]->str, &out->ms, &out->seq) != 0)
        return 0;
    out->shard = reader->shard;
    return 1;
}

/* 1 when alert is its case's standing confirmation (see the header); 0 when it is not. */
static int alert_standing(struct redis_sync *redis, const struct netra_config *config,
                          const struct alert *alert, int *standing, char *err, size_t err_len)
{
    char key[KEYS_MAX_LEN];
    redisReply *reply = NULL;
    long long case_confirmed_at;
    int rc = -1;
    *standing = 1;
    if (keys_case(key, sizeof(key), config->redis.key_prefix, alert->shard,
                  alert->fields[ALERT_CASE], err, err_len) != 0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "HMGET", key, "status", "confirmed_at",
                            (char *)NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 2, "HMGET case", err, err_len) != 0)
        goto cleanup;
    const redisReply *status = reply->element[0], *confirmed_at = reply->element[1];
    if (redis_reply_is_string(status) && strcmp(status->str, "confirmed") != 0)
        *standing = 0;
    else if (redis_reply_integer(confirmed_at, &case_confirmed_at) == 0 &&
             alert->confirmed_at_ms > 0 && case_confirmed_at > alert->confirmed_at_ms)
        *standing = 0;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

static int alert_matches(const struct alert *alert, const struct alert_query *query)
{
    if (query->region != NULL && strcmp(alert->fields[ALERT_REGION], query->region) != 0)
        return 0;
    if (query->agency != NULL && strcmp(alert->fields[ALERT_AGENCY], query->agency) != 0)
        return 0;
    return query->since_ms <= 0 || alert->confirmed_at_ms >= query->since_ms;
}

static int page_has_case(const struct alert_page *page, const char *case_id)
{
    for (size_t i = 0; i < page->count; i++) {
        if (strcmp(page->items[i].fields[ALERT_CASE], case_id) == 0)
            return 1;
    }
    return 0;
}

int alerts_page(struct shards *shards, const struct netra_config *config,
                const struct alert_query *query, struct alert_page *out, int *bad_request,
                char *err, size_t err_len)
{
    int count = shards_count(shards);
    struct shard_reader *readers = calloc((size_t)count, sizeof(*readers));
    struct position cursor, last = {0, 0, 0};
    size_t examined = 0;
    int have_last = 0, rc = -1;

    memset(out, 0, sizeof(*out));
    *bad_request = 0;
    out->items = calloc(query->limit > 0 ? query->limit : 1, sizeof(*out->items));
    if (readers == NULL || out->items == NULL) {
        error_set(err, err_len, "alerts: out of memory");
        goto cleanup;
    }
    if (query->cursor != NULL && cursor_parse(query->cursor, count, &cursor) != 0) {
        *bad_request = 1;
        error_set(err, err_len, "cursor: not a cursor of this feed");
        goto cleanup;
    }
    for (int s = 0; s < count; s++) {
        readers[s].shard = s;
        if (keys_alerts(readers[s].key, sizeof(readers[s].key), config->redis.key_prefix, s,
                        err, err_len) != 0)
            goto cleanup;
        if (query->cursor == NULL)
            snprintf(readers[s].end, sizeof(readers[s].end), "+");
        else
            snprintf(readers[s].end, sizeof(readers[s].end), "%s%llu-%llu",
                     s < cursor.shard ? "" : "(", cursor.ms, cursor.seq);
    }

    while (out->count < query->limit && examined < ALERTS_SCAN_MAX) {
        struct position head, best;
        int chosen = -1;
        for (int s = 0; s < count; s++) {
            if (reader_fill(&readers[s], shards_get(shards, s), err, err_len) != 0)
                goto cleanup;
            if (reader_head(&readers[s], &head) &&
                (query->since_ms <= 0 || head.ms >= (unsigned long long)query->since_ms) &&
                (chosen < 0 || position_before(&head, &best))) {
                best = head;
                chosen = s;
            }
        }
        if (chosen < 0)
            break;
        struct shard_reader *reader = &readers[chosen];
        struct alert *alert = &out->items[out->count];
        const redisReply *entry = reader->batch->element[reader->next++];
        int standing = 0;
        last = best;
        have_last = 1;
        examined++;
        if (alerts_decode(entry, chosen, alert, err, err_len) != 0) {
            log_warn("feeds: skipping an alert: %s", err);
            continue;
        }
        if (!alert_matches(alert, query) || page_has_case(out, alert->fields[ALERT_CASE])) {
            alert_free(alert);
            continue;
        }
        if (alert_standing(shards_get(shards, chosen), config, alert, &standing, err,
                           err_len) != 0) {
            alert_free(alert);
            goto cleanup;
        }
        if (!standing) {
            alert_free(alert);
            continue;
        }
        if (alerts_read_engagement(shards_get(shards, chosen), config, alert, err, err_len) !=
            0) {
            alert_free(alert);
            goto cleanup;
        }
        out->count++;
    }

    /* A next link only when something older is left to read. */
    if (have_last) {
        int more = 0;
        for (int s = 0; s < count && !more; s++) {
            struct position head;
            if (reader_fill(&readers[s], shards_get(shards, s), err, err_len) != 0)
                goto cleanup;
            more = reader_head(&readers[s], &head) &&
                   (query->since_ms <= 0 || head.ms >= (unsigned long long)query->since_ms);
        }
        if (more)
            snprintf(out->next_cursor, sizeof(out->next_cursor), "%llu-%llu.%d", last.ms,
                     last.seq, last.shard);
    }
    rc = 0;

cleanup:
    if (readers != NULL) {
        for (int s = 0; s < count; s++)
            freeReplyObject(readers[s].batch);
    }
    free(readers);
    if (rc != 0)
        alert_page_free(out);
    return rc;
}
