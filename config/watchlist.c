#include "config/watchlist.h"

#include <cjson/cJSON.h>
#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"

enum column {
    COLUMN_ID,
    COLUMN_PLATFORM,
    COLUMN_HANDLE,
    COLUMN_NAME,
    COLUMN_NIP,
    COLUMN_AGENCY,
    COLUMN_REGION,
    COLUMN_INTERVAL,
    COLUMN_COUNT
};

static const char *const column_names[COLUMN_COUNT] = {
    "id", "platform", "handle", "name", "nip", "agency", "region", "interval",
};

static const char *const platform_names[] = {"mastodon", "bluesky", "x", "feed", "jsonapi"};
#define PLATFORM_LIST "mastodon, bluesky, x, feed, jsonapi"

#define MAX_ID_BYTES 64
#define MAX_X_HANDLE_BYTES 15
#define MIN_INTERVAL_S 60
#define MAX_INTERVAL_S (30 * 86400)
#define REASON_LEN 320
/* A value quoted in an error message is cut to this many bytes. */
#define SHOWN_BYTES 48
#define SHOWN_LEN (SHOWN_BYTES + 4)
/* libcsv gets the input this many bytes at a time, so a field can outgrow
 * WATCHLIST_MAX_FIELD_BYTES by at most this much before csv_cap_field() cuts it back. */
#define CSV_CHUNK_BYTES 4096
#define CSV_OPTIONS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)
#define NO_FIELD SIZE_MAX

/* One record on its way to becoming an entry or an error. The values are owned copies. */
struct row {
    size_t line;
    const char *unit;            /* "column" (CSV) or "field" (JSON), for messages */
    char *value[COLUMN_COUNT];   /* NULL when the record lacks it or it is over the size limit */
    size_t length[COLUMN_COUNT]; /* its length in the input, kept even when the value was not */
    char problem[REASON_LEN];    /* a reason found while reading the record, "" when none */
};

struct builder {
    struct watchlist *list;
    size_t entry_capacity;
    size_t error_capacity;
    size_t *id_slots;  /* open addressing over entry index + 1; 0 marks a free slot */
    size_t slot_count; /* a power of two, kept above twice the entry count */
};

static void row_clear(struct row *row)
{
    for (int c = 0; c < COLUMN_COUNT; c++) {
        free(row->value[c]);
        row->value[c] = NULL;
        row->length[c] = 0;
    }
    row->problem[0] = '\0';
}

static int row_set(struct row *row, enum column c, const char *bytes, size_t length)
{
    row->length[c] = length;
    if (length > WATCHLIST_MAX_FIELD_BYTES)
        return 0;
    char *copy = malloc(length + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, bytes, length);
    copy[length] = '\0';
    row->value[c] = copy;
    return 0;
}

static char ascii_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static void lowercase(char *s)
{
    for (; *s; s++)
        *s = ascii_lower(*s);
}

static int all_chars_in(const char *s, const char *allowed)
{
    return s[strspn(s, allowed)] == '\0';
}

/* Messages are logged and shown to operators: a hostile value must not forge lines or flood. */
static const char *shown(const char *value, char out[SHOWN_LEN])
{
    size_t n = strlen(value);
    int cut = n > SHOWN_BYTES;
    if (cut) {
        n = SHOWN_BYTES;
        while (n > 0 && ((unsigned char)value[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)value[i];
        out[i] = ch < 0x20 || ch == 0x7F ? '?' : value[i];
    }
    memcpy(out + n, cut ? "..." : "", cut ? 4 : 1);
    return out;
}

int watchlist_platform_known(const char *name)
{
    if (name == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(platform_names) / sizeof(platform_names[0]); i++)
        if (strcmp(name, platform_names[i]) == 0)
            return 1;
    return 0;
}

int watchlist_parse_interval(const char *text)
{
    if (text == NULL)
        return -1;
    long long value = 0;
    size_t digits = 0;
    for (; text[digits] >= '0' && text[digits] <= '9'; digits++) {
        value = value * 10 + (text[digits] - '0');
        if (value > MAX_INTERVAL_S)
            return -1;
    }
    if (digits == 0)
        return -1;
    long long unit;
    switch (text[digits]) {
    case '\0':
    case 's':
        unit = 1;
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    default:
        return -1;
    }
    if (text[digits] != '\0' && text[digits + 1] != '\0')
        return -1;
    value *= unit;
    if (value < MIN_INTERVAL_S || value > MAX_INTERVAL_S)
        return -1;
    return (int)value;
}

static int id_valid(const char *id)
{
    size_t n = strlen(id);
    return n >= 1 && n <= MAX_ID_BYTES &&
           all_chars_in(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
}

static void strip_at(char *handle)
{
    if (handle[0] == '@')
        memmove(handle, handle + 1, strlen(handle));
}

static int x_handle_valid(const char *handle)
{
    size_t n = strlen(handle);
    return n >= 1 && n <= MAX_X_HANDLE_BYTES &&
           all_chars_in(handle, "abcdefghijklmnopqrstuvwxyz0123456789_");
}

static int bluesky_handle_valid(const char *handle)
{
    return handle[0] != '.' && strchr(handle, '.') != NULL &&
           all_chars_in(handle, "abcdefghijklmnopqrstuvwxyz0123456789.-");
}

static int mastodon_handle_valid(const char *handle)
{
    const char *at = strchr(handle, '@');
    return at != NULL && at != handle && at[1] != '\0' &&
           strspn(handle, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == (size_t)(at - handle) &&
           all_chars_in(at + 1, "abcdefghijklmnopqrstuvwxyz0123456789.-:");
}

static int feed_url_valid(const char *url)
{
    size_t scheme = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
    if (scheme == 0 || url[scheme] == '\0' || url[scheme] == '/')
        return 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p >= 0x7F) /* a URL is ASCII; the crawler refuses any other byte */
            return 0;
    return 1;
}

/* Brings a handle to the one spelling the adapters and the dedup keys expect. */
static int handle_normalise(const char *platform, char *handle, char reason[REASON_LEN])
{
    char show[SHOWN_LEN];
    const char *rule;
    int valid;
    if (strcmp(platform, "jsonapi") == 0)
        return 0;
    if (strcmp(platform, "feed") == 0) {
        valid = feed_url_valid(handle);
        rule = "must be an http:// or https:// URL";
    } else {
        /* These platforms match handles without regard to case, and people write them with '@'. */
        strip_at(handle);
        lowercase(handle);
        if (strcmp(platform, "x") == 0) {
            valid = x_handle_valid(handle);
            rule = "must be 1-15 letters, digits or _";
        } else if (strcmp(platform, "bluesky") == 0) {
            valid = bluesky_handle_valid(handle);
            rule = "must be a domain name such as name.bsky.social";
        } else {
            valid = mastodon_handle_valid(handle);
            rule = "must be user@host";
        }
    }
    if (valid)
        return 0;
    snprintf(reason, REASON_LEN, "%s handle \"%s\" %s", platform, shown(handle, show), rule);
    return -1;
}

/* Rulesets are chosen by region slug: "DKI  Jakarta" -> "dki-jakarta". */
static void region_slug(char *region)
{
    char *out = region;
    int gap = 0;
    for (const char *in = region; *in; in++) {
        unsigned char ch = (unsigned char)*in;
        if (ch <= 0x20 || ch == '_' || ch == '-') {
            gap = out != region;
            continue;
        }
        if (gap)
            *out++ = '-';
        gap = 0;
        *out++ = ascii_lower(*in);
    }
    *out = '\0';
}

static int empty(const char *value)
{
    return value == NULL || value[0] == '\0';
}

/* 0 when the row can be an entry (its values normalised in place), else -1 and the reason. */
static int row_check(struct row *row, int *interval_s, char reason[REASON_LEN])
{
    char show[SHOWN_LEN];
    if (row->problem[0] != '\0') {
        memcpy(reason, row->problem, REASON_LEN);
        return -1;
    }
    for (int c = 0; c < COLUMN_COUNT; c++) {
        if (row->length[c] > WATCHLIST_MAX_FIELD_BYTES) {
            snprintf(reason, REASON_LEN, "%s \"%s\" is %zu bytes (limit %d)", row->unit,
                     column_names[c], row->length[c], WATCHLIST_MAX_FIELD_BYTES);
            return -1;
        }
    }
    for (int c = 0; c < COLUMN_COUNT; c++) {
        size_t offset = 0;
        if (row->value[c] == NULL)
            continue;
        if (memchr(row->value[c], '\0', row->length[c]) != NULL) {
            snprintf(reason, REASON_LEN, "%s \"%s\" contains a NUL byte", row->unit,
                     column_names[c]);
            return -1;
        }
        if (!utf8_valid(row->value[c], row->length[c], &offset)) {
            snprintf(reason, REASON_LEN, "%s \"%s\" is not valid UTF-8 (bad byte at offset %zu)",
                     row->unit, column_names[c], offset);
            return -1;
        }
    }
    char *id = row->value[COLUMN_ID], *platform = row->value[COLUMN_PLATFORM];
    char *handle = row->value[COLUMN_HANDLE], *interval = row->value[COLUMN_INTERVAL];
    if (empty(id)) {
        snprintf(reason, REASON_LEN, "missing id");
        return -1;
    }
    if (!id_valid(id)) {
        snprintf(reason, REASON_LEN, "id \"%s\" must be 1-64 characters of A-Z a-z 0-9 . _ -",
                 shown(id, show));
        return -1;
    }
    if (empty(platform)) {
        snprintf(reason, REASON_LEN, "missing platform (expected " PLATFORM_LIST ")");
        return -1;
    }
    lowercase(platform);
    if (!watchlist_platform_known(platform)) {
        snprintf(reason, REASON_LEN, "unknown platform \"%s\" (expected " PLATFORM_LIST ")",
                 shown(platform, show));
        return -1;
    }
    if (empty(handle)) {
        snprintf(reason, REASON_LEN, "missing handle");
        return -1;
    }
    if (handle_normalise(platform, handle, reason) != 0)
        return -1;
    *interval_s = empty(interval) ? 0 : watchlist_parse_interval(interval);
    if (*interval_s < 0) {
        snprintf(
            reason, REASON_LEN,
            "bad interval \"%s\" (expected seconds, or a number with s, m, h or d; 60s to 30d)",
            shown(interval, show));
        return -1;
    }
    if (row->value[COLUMN_REGION] != NULL)
        region_slug(row->value[COLUMN_REGION]);
    return 0;
}

/* The array with room for one more item after count (possibly moved), or NULL when memory ran out
 * and the array is unchanged. */
static void *grow(void *array, size_t *capacity, size_t count, size_t item_size)
{
    if (count < *capacity)
        return array;
    size_t wanted = *capacity ? *capacity * 2 : 16;
    void *grown = realloc(array, wanted * item_size);
    if (grown != NULL)
        *capacity = wanted;
    return grown;
}

static int builder_error(struct builder *b, size_t line, const char *reason)
{
    struct watchlist *list = b->list;
    list->bad_rows++;
    if (list->error_count >= WATCHLIST_MAX_ERRORS)
        return 0;
    struct watchlist_error *errors =
        grow(list->errors, &b->error_capacity, list->error_count, sizeof(*errors));
    if (errors == NULL)
        return -1;
    list->errors = errors;
    int length = snprintf(NULL, 0, "line %zu: %s", line, reason);
    char *message = length < 0 ? NULL : malloc((size_t)length + 1);
    if (message == NULL)
        return -1;
    snprintf(message, (size_t)length + 1, "line %zu: %s", line, reason);
    list->errors[list->error_count++] = (struct watchlist_error){.line = line, .message = message};
    return 0;
}

static size_t id_hash(const char *id)
{
    uint64_t hash = 14695981039346656037ULL;
    for (; *id; id++)
        hash = (hash ^ (unsigned char)*id) * 1099511628211ULL;
    return (size_t)hash;
}

static size_t *builder_slot(struct builder *b, const char *id)
{
    size_t mask = b->slot_count - 1;
    for (size_t i = id_hash(id) & mask;; i = (i + 1) & mask) {
        size_t *slot = &b->id_slots[i];
        if (*slot == 0 || strcmp(b->list->entries[*slot - 1].id, id) == 0)
            return slot;
    }
}

static const struct watchlist_entry *builder_find(struct builder *b, const char *id)
{
    if (b->slot_count == 0)
        return NULL;
    size_t *slot = builder_slot(b, id);
    return *slot ? &b->list->entries[*slot - 1] : NULL;
}

/* Makes room in the id index for one more entry. */
static int builder_reserve_slot(struct builder *b)
{
    size_t count = b->list->count;
    if ((count + 1) * 2 <= b->slot_count)
        return 0;
    size_t slot_count = b->slot_count ? b->slot_count * 2 : 64;
    size_t *slots = calloc(slot_count, sizeof(*slots));
    if (slots == NULL)
        return -1;
    free(b->id_slots);
    b->id_slots = slots;
    b->slot_count = slot_count;
    for (size_t i = 0; i < count; i++)
        *builder_slot(b, b->list->entries[i].id) = i + 1;
    return 0;
}

static void entry_free(struct watchlist_entry *e)
{
    free(e->id);
    free(e->platform);
    free(e->handle);
    free(e->name);
    free(e->nip);
    free(e->agency);
    free(e->region);
}

/* The row's value for c, moved out of it; "" when the row has none. */
static char *take_value(struct row *row, enum column c)
{
    char *value = row->value[c];
    row->value[c] = NULL;
    return value ? value : strdup("");
}

static int builder_append(struct builder *b, struct row *row, int interval_s)
{
    struct watchlist *list = b->list;
    struct watchlist_entry *entries =
        grow(list->entries, &b->entry_capacity, list->count, sizeof(*entries));
    if (entries == NULL)
        return -1;
    list->entries = entries;
    if (builder_reserve_slot(b) != 0)
        return -1;
    struct watchlist_entry entry = {
        .id = take_value(row, COLUMN_ID),
        .platform = take_value(row, COLUMN_PLATFORM),
        .handle = take_value(row, COLUMN_HANDLE),
        .name = take_value(row, COLUMN_NAME),
        .nip = take_value(row, COLUMN_NIP),
        .agency = take_value(row, COLUMN_AGENCY),
        .region = take_value(row, COLUMN_REGION),
        .interval_s = interval_s,
        .line = row->line,
    };
    if (!entry.id || !entry.platform || !entry.handle || !entry.name || !entry.nip ||
        !entry.agency || !entry.region) {
        entry_free(&entry);
        return -1;
    }
    list->entries[list->count] = entry;
    *builder_slot(b, entry.id) = ++list->count;
    return 0;
}

/* Turns the row into an entry or an error and clears it; -1 only when memory runs out. */
static int builder_take_row(struct builder *b, struct row *row)
{
    char reason[REASON_LEN], show[SHOWN_LEN];
    int interval_s = 0, status;
    const struct watchlist_entry *first;
    if (row_check(row, &interval_s, reason) != 0) {
        status = builder_error(b, row->line, reason);
    } else if ((first = builder_find(b, row->value[COLUMN_ID])) != NULL) {
        snprintf(reason, REASON_LEN, "duplicate id \"%s\" (first used on line %zu)",
                 shown(first->id, show), first->line);
        status = builder_error(b, row->line, reason);
    } else {
        status = builder_append(b, row, interval_s);
    }
    row_clear(row);
    return status;
}

/* Empties out and checks the input as a whole; a NULL data of length 0 becomes "". */
static int builder_begin(struct builder *b, struct watchlist *out, const char **data, size_t len,
                         char *err, size_t err_len)
{
    *b = (struct builder){.list = out};
    *out = (struct watchlist){0};
    if (*data == NULL && len > 0)
        return error_set(err, err_len, "watchlist: no data");
    if (*data == NULL)
        *data = "";
    if (len > (size_t)WATCHLIST_MAX_FILE_BYTES)
        return error_set(err, err_len, "watchlist is %zu bytes (limit %ld)", len,
                         WATCHLIST_MAX_FILE_BYTES);
    return 0;
}

static int builder_end(struct builder *b, int status)
{
    free(b->id_slots);
    b->id_slots = NULL;
    if (status != 0)
        watchlist_free(b->list);
    return status;
}

static size_t skip_bom(const char *data, size_t len)
{
    return len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

static size_t skip_space(const char *data, size_t len, size_t pos)
{
    while (pos < len &&
           (data[pos] == ' ' || data[pos] == '\t' || data[pos] == '\r' || data[pos] == '\n'))
        pos++;
    return pos;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

struct csv_reader {
    struct builder *builder;
    struct csv_parser parser;
    size_t line;          /* the physical line being fed to libcsv, 1-based */
    int in_record;        /* a record has begun and its end has not been seen */
    size_t field_count;   /* fields of the current record so far */
    size_t field_dropped; /* bytes of the current field cut off by csv_cap_field() */
    int have_header;
    size_t header_fields;
    size_t field_of[COLUMN_COUNT]; /* where each column sits in the header, or NO_FIELD */
    struct row row;
    int failed; /* the whole parse failed and err says why */
    char *err;
    size_t err_len;
};

static void csv_fail_memory(struct csv_reader *r)
{
    r->failed = 1;
    error_set(r->err, r->err_len, "watchlist: out of memory");
}

static void csv_header_field(struct csv_reader *r, size_t index, const char *name, size_t length)
{
    r->header_fields = index + 1;
    for (int c = 0; c < COLUMN_COUNT; c++) {
        if (strlen(column_names[c]) != length)
            continue;
        size_t i = 0;
        while (i < length && ascii_lower(name[i]) == column_names[c][i])
            i++;
        if (i < length)
            continue;
        if (r->field_of[c] != NO_FIELD) {
            r->failed = 1;
            error_set(r->err, r->err_len, "line %zu: the header names column \"%s\" twice",
                      r->row.line, column_names[c]);
        }
        r->field_of[c] = index;
    }
}

static void csv_on_field(void *bytes, size_t len, void *data)
{
    struct csv_reader *r = data;
    size_t index = r->field_count++;
    size_t length = r->field_dropped + len;
    r->field_dropped = 0;
    if (r->failed)
        return;
    if (!r->in_record) {
        /* A bare CR ended the previous record in the middle of a physical line. */
        r->in_record = 1;
        r->row.line = r->line;
    }
    if (!r->have_header) {
        csv_header_field(r, index, bytes, length);
        return;
    }
    for (int c = 0; c < COLUMN_COUNT; c++) {
        if (r->field_of[c] == index) {
            if (row_set(&r->row, (enum column)c, bytes, length) != 0)
                csv_fail_memory(r);
            return;
        }
    }
    if (length > WATCHLIST_MAX_FIELD_BYTES && r->row.problem[0] == '\0')
        snprintf(r->row.problem, REASON_LEN, "column %zu is %zu bytes (limit %d)", index + 1,
                 length, WATCHLIST_MAX_FIELD_BYTES);
}

static void csv_header_done(struct csv_reader *r)
{
    r->have_header = 1;
    for (int c = COLUMN_ID; c <= COLUMN_HANDLE; c++) {
        if (r->field_of[c] == NO_FIELD) {
            r->failed = 1;
            error_set(r->err, r->err_len,
                      "line %zu: the header has no \"%s\" column (expected a header row such as "
                      "id,platform,handle,name,nip,agency,region,interval)",
                      r->row.line, column_names[c]);
            return;
        }
    }
}

static void csv_on_record_end(int terminator, void *data)
{
    (void)terminator;
    struct csv_reader *r = data;
    size_t fields = r->field_count;
    r->field_count = 0;
    r->in_record = 0;
    if (r->failed)
        return;
    if (!r->have_header) {
        csv_header_done(r);
        return;
    }
    if (fields != r->header_fields)
        snprintf(r->row.problem, REASON_LEN, "%zu columns, but the header has %zu", fields,
                 r->header_fields);
    if (builder_take_row(r->builder, &r->row) != 0)
        csv_fail_memory(r);
}

/* The record being read cannot be parsed: report it and restart libcsv on the next line. */
static void csv_reject_record(struct csv_reader *r, const char *reason)
{
    if (!r->have_header) {
        r->failed = 1;
        error_set(r->err, r->err_len, "line %zu: the header has %s", r->row.line, reason);
        return;
    }
    snprintf(r->row.problem, REASON_LEN, "%s", reason);
    if (builder_take_row(r->builder, &r->row) != 0) {
        csv_fail_memory(r);
        return;
    }
    csv_free(&r->parser);
    csv_init(&r->parser, CSV_OPTIONS);
    r->in_record = 0;
    r->field_count = 0;
    r->field_dropped = 0;
}

/* libcsv grows its field buffer without limit. Once a field is over the limit, its content no
 * longer matters, only its length: keep the last bytes, which libcsv will still take off when
 * the field ends (the trailing spaces and, in a quoted field, the closing quote), and count the
 * rest. spaces is only ever tested for zero or subtracted, so clamping it to 1 is safe. */
static void csv_cap_field(struct csv_reader *r)
{
    struct csv_parser *p = &r->parser;
    if (p->entry_pos <= WATCHLIST_MAX_FIELD_BYTES)
        return;
    if (p->spaces > 1)
        p->spaces = 1;
    size_t keep = p->spaces + 1;
    memmove(p->entry_buf, p->entry_buf + p->entry_pos - keep, keep);
    r->field_dropped += p->entry_pos - keep;
    p->entry_pos = keep;
}

/* Feeds one physical line at a time, so the line a record starts on is known exactly. */
static void csv_feed(struct csv_reader *r, const char *data, size_t len)
{
    size_t pos = 0;
    while (pos < len && !r->failed) {
        const char *newline = memchr(data + pos, '\n', len - pos);
        size_t end = newline ? (size_t)(newline - data) + 1 : len;
        r->line++;
        if (!r->in_record && skip_space(data, end, pos) < end) {
            r->in_record = 1;
            r->row.line = r->line;
        }
        while (pos < end && !r->failed) {
            size_t chunk = end - pos < CSV_CHUNK_BYTES ? end - pos : CSV_CHUNK_BYTES;
            size_t used =
                csv_parse(&r->parser, data + pos, chunk, csv_on_field, csv_on_record_end, r);
            if (used < chunk && csv_error(&r->parser) != CSV_EPARSE) {
                csv_fail_memory(r);
            } else if (used < chunk) {
                char reason[64];
                snprintf(reason, sizeof(reason), "a misplaced quote on line %zu", r->line);
                csv_reject_record(r, reason);
                pos = end;
            } else {
                csv_cap_field(r);
                pos += used;
            }
        }
    }
    if (!r->failed && csv_fini(&r->parser, csv_on_field, csv_on_record_end, r) != 0)
        csv_reject_record(r, "a quoted field that is never closed");
}

int watchlist_parse_csv(const char *data, size_t len, struct watchlist *out, char *err,
                        size_t err_len)
{
    struct builder builder;
    if (builder_begin(&builder, out, &data, len, err, err_len) != 0)
        return -1;
    size_t start = skip_bom(data, len);
    struct csv_reader reader = {
        .builder = &builder,
        .row = {.unit = "column"},
        .err = err,
        .err_len = err_len,
    };
    for (int c = 0; c < COLUMN_COUNT; c++)
        reader.field_of[c] = NO_FIELD;
    csv_init(&reader.parser, CSV_OPTIONS);
    csv_feed(&reader, data + start, len - start);
    if (!reader.failed && !reader.have_header) {
        reader.failed = 1;
        error_set(err, err_len, "watchlist has no header row (it is empty)");
    }
    csv_free(&reader.parser);
    row_clear(&reader.row);
    return builder_end(&builder, reader.failed ? -1 : 0);
}

/* ---- JSON --------------------------------------------------------------------------------- */

/* Turns byte offsets into line:column, walking forward only, so the whole file costs one pass. */
struct text_position {
    const char *text;
    size_t offset;
    size_t line;
    size_t line_start;
};

static void position_advance(struct text_position *at, size_t offset)
{
    for (; at->offset < offset; at->offset++) {
        if (at->text[at->offset] == '\n') {
            at->line++;
            at->line_start = at->offset + 1;
        }
    }
}

static int json_syntax_error(struct text_position *at, size_t offset, const char *what, char *err,
                             size_t err_len)
{
    position_advance(at, offset);
    return error_set(err, err_len, "invalid JSON at line %zu:%zu: %s", at->line,
                     at->offset - at->line_start + 1, what);
}

static const char *json_kind(const cJSON *item)
{
    if (cJSON_IsObject(item))
        return "an object";
    if (cJSON_IsArray(item))
        return "an array";
    if (cJSON_IsString(item))
        return "a string";
    if (cJSON_IsNumber(item))
        return "a number";
    if (cJSON_IsBool(item))
        return "a boolean";
    return "null";
}

static int json_take_element(struct builder *b, const cJSON *item, size_t line)
{
    struct row row = {.line = line, .unit = "field"};
    if (!cJSON_IsObject(item))
        snprintf(row.problem, REASON_LEN, "element is %s, not an object", json_kind(item));
    for (int c = 0; c < COLUMN_COUNT && row.problem[0] == '\0'; c++) {
        const cJSON *field = cJSON_GetObjectItemCaseSensitive(item, column_names[c]);
        char number[32];
        const char *text;
        if (field == NULL || cJSON_IsNull(field))
            continue;
        if (cJSON_IsString(field)) {
            text = field->valuestring;
        } else if (c == COLUMN_INTERVAL && cJSON_IsNumber(field)) {
            /* Whole seconds print as digits; anything else prints as itself and fails the check. */
            snprintf(number, sizeof(number), "%.15g", field->valuedouble);
            text = number;
        } else {
            snprintf(row.problem, REASON_LEN, "field \"%s\" is %s, not a string%s", column_names[c],
                     json_kind(field), c == COLUMN_INTERVAL ? " or a number" : "");
            break;
        }
        if (row_set(&row, (enum column)c, text, strlen(text)) != 0) {
            row_clear(&row);
            return -1;
        }
    }
    return builder_take_row(b, &row);
}

/* Reads the top-level array one element at a time: the line of each object is known, and only
 * one element's tree is in memory at once. */
static int json_read(struct builder *b, const char *data, size_t len, char *err, size_t err_len)
{
    struct text_position at = {.text = data, .line = 1};
    size_t pos = skip_space(data, len, skip_bom(data, len));
    if (pos == len || data[pos] != '[') {
        const char *end = NULL;
        cJSON *whole = cJSON_ParseWithLengthOpts(data + pos, len - pos, &end, 0);
        if (whole == NULL)
            return json_syntax_error(&at, end ? (size_t)(end - data) : pos, "not a JSON value", err,
                                     err_len);
        error_set(err, err_len, "a JSON watchlist must be an array of objects, not %s",
                  json_kind(whole));
        cJSON_Delete(whole);
        return -1;
    }
    pos = skip_space(data, len, pos + 1);
    int more = pos == len || data[pos] != ']';
    if (!more)
        pos++;
    while (more) {
        if (pos == len)
            return json_syntax_error(&at, pos, "the array is never closed", err, err_len);
        const char *end = NULL;
        cJSON *item = cJSON_ParseWithLengthOpts(data + pos, len - pos, &end, 0);
        if (item == NULL)
            return json_syntax_error(&at, end ? (size_t)(end - data) : pos, "not a JSON value", err,
                                     err_len);
        position_advance(&at, pos);
        int status = json_take_element(b, item, at.line);
        cJSON_Delete(item);
        if (status != 0)
            return error_set(err, err_len, "watchlist: out of memory");
        pos = skip_space(data, len, (size_t)(end - data));
        if (pos < len && data[pos] == ',') {
            pos = skip_space(data, len, pos + 1);
        } else if (pos < len && data[pos] == ']') {
            pos++;
            more = 0;
        } else {
            return json_syntax_error(&at, pos,
                                     pos == len ? "the array is never closed"
                                                : "expected ',' or ']' after an element",
                                     err, err_len);
        }
    }
    pos = skip_space(data, len, pos);
    if (pos != len)
        return json_syntax_error(&at, pos, "unexpected data after the array", err, err_len);
    return 0;
}

int watchlist_parse_json(const char *data, size_t len, struct watchlist *out, char *err,
                         size_t err_len)
{
    struct builder builder;
    if (builder_begin(&builder, out, &data, len, err, err_len) != 0)
        return -1;
    return builder_end(&builder, json_read(&builder, data, len, err, err_len));
}

int watchlist_parse(const char *data, size_t len, struct watchlist *out, char *err, size_t err_len)
{
    /* An oversized file is refused by the CSV reader before any byte of it is looked at. */
    int readable = data != NULL && len <= (size_t)WATCHLIST_MAX_FILE_BYTES;
    size_t first = readable ? skip_space(data, len, skip_bom(data, len)) : 0;
    if (readable && first < len && data[first] == '[')
        return watchlist_parse_json(data, len, out, err, err_len);
    return watchlist_parse_csv(data, len, out, err, err_len);
}

void watchlist_free(struct watchlist *list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < list->count; i++)
        entry_free(&list->entries[i]);
    for (size_t i = 0; i < list->error_count; i++)
        free(list->errors[i].message);
    free(list->entries);
    free(list->errors);
    *list = (struct watchlist){0};
}
