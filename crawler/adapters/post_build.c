#include "crawler/adapters/post_build.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "config/log.h"
#include "config/utf8.h"

/* A post id longer than this is not a platform's id but an attack or a bug. */
#define NATIVE_ID_MAX 512

int post_build_set(char **slot, const char *text, char *err, size_t err_len)
{
    size_t bad;
    if (text == NULL)
        return error_set(err, err_len, "missing text");
    if (!utf8_valid(text, strlen(text), &bad))
        return error_set(err, err_len, "invalid UTF-8 at byte %zu", bad);
    char *copy = strdup(text);
    if (copy == NULL)
        return error_set(err, err_len, "out of memory");
    free(*slot);
    *slot = copy;
    return 0;
}

int post_build_set_id(struct post_message *message, const char *platform, const char *native_id,
                      char *err, size_t err_len)
{
    size_t length = native_id != NULL ? strlen(native_id) : 0;
    if (length == 0)
        return error_set(err, err_len, "missing post id");
    if (length > NATIVE_ID_MAX)
        return error_set(err, err_len, "post id longer than %d bytes", NATIVE_ID_MAX);
    for (const char *p = native_id; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7F)
            return error_set(err, err_len, "post id contains a space or control byte");
    if (!utf8_valid(native_id, length, NULL))
        return error_set(err, err_len, "post id is not valid UTF-8");

    size_t platform_len = strlen(platform);
    char *id = malloc(platform_len + 1 + length + 1);
    if (id == NULL)
        return error_set(err, err_len, "out of memory");
    memcpy(id, platform, platform_len);
    id[platform_len] = ':';
    memcpy(id + platform_len + 1, native_id, length + 1);
    if (post_build_set(&message->platform, platform, err, err_len) != 0) {
        free(id);
        return -1;
    }
    free(message->id);
    message->id = id;
    return 0;
}

/* Room for one more element in a list grown by doubling: sizes 0, 1, 2, 4, 8, ... */
static void *grow_for_one_more(void *items, size_t count, size_t item_size)
{
    if (count != 0 && (count & (count - 1)) != 0)
        return items;
    size_t capacity = count == 0 ? 1 : count * 2;
    return realloc(items, capacity * item_size);
}

int post_build_add_string(struct post_strings *list, const char *item, char *err, size_t err_len)
{
    if (item == NULL || item[0] == '\0' || list->count >= POST_MESSAGE_MAX_LIST)
        return 0;
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i], item) == 0)
            return 0;
    char *copy = NULL;
    if (post_build_set(&copy, item, err, err_len) != 0)
        return -1;
    char **items = grow_for_one_more(list->items, list->count, sizeof(*items));
    if (items == NULL) {
        free(copy);
        return error_set(err, err_len, "out of memory");
    }
    list->items = items;
    list->items[list->count++] = copy;
    return 0;
}

static const char *media_type_known(const char *type)
{
    static const char *const known[] = {"image", "video", "audio", "gifv"};
    for (size_t i = 0; type != NULL && i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(type, known[i]) == 0)
            return known[i];
    return "unknown";
}

int post_build_add_media(struct post_message *message, const char *type, const char *url,
                         const char *alt, char *err, size_t err_len)
{
    if (message->media_count >= POST_MESSAGE_MAX_LIST)
        return 0;
    struct post_media item = {0};
    int rc = -1;
    if (post_build_set(&item.type, media_type_known(type), err, err_len) != 0 ||
        post_build_set(&item.url, url != NULL ? url : "", err, err_len) != 0)
        goto cleanup;
    if (alt != NULL && alt[0] != '\0' && post_build_set(&item.alt, alt, err, err_len) != 0)
        goto cleanup;
    struct post_media *media =
        grow_for_one_more(message->media, message->media_count, sizeof(*media));
    if (media == NULL) {
        error_set(err, err_len, "out of memory");
        goto cleanup;
    }
    message->media = media;
    message->media[message->media_count++] = item;
    return 0;

cleanup:
    free(item.type);
    free(item.url);
    free(item.alt);
    return rc;
}

/* ---- HTML to text ---------------------------------------------------------------------- */

struct text_buffer {
    char *data;
    size_t len, capacity;
    bool failed;
    bool pending_space; /* whitespace seen since the last character written */
};

static void buffer_append(struct text_buffer *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 256;
        while (b->len + n + 1 > capacity)
            capacity *= 2;
        char *data = realloc(b->data, capacity);
        if (data == NULL) {
            b->failed = true;
            return;
        }
        b->data = data;
        b->capacity = capacity;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static bool at_line_start(const struct text_buffer *b)
{
    return b->len == 0 || b->data[b->len - 1] == '\n';
}

/* HTML's whitespace rule: any run of spaces, tabs and newlines inside text is one space, and
 * none at the start or end of a line. */
static void buffer_append_text(struct text_buffer *b, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f') {
            b->pending_space = true;
            continue;
        }
        if (b->pending_space && !at_line_start(b))
            buffer_append(b, " ", 1);
        b->pending_space = false;
        buffer_append(b, s, 1);
    }
}

static void buffer_newline(struct text_buffer *b)
{
    b->pending_space = false;
    if (b->len > 0 && b->data[b->len - 1] != '\n')
        buffer_append(b, "\n", 1);
}

static bool is_element(const xmlNode *node, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (xmlStrcasecmp(node->name, (const xmlChar *)names[i]) == 0)
            return true;
    return false;
}

static const char *const block_elements[] = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "tr", "pre", "section", "article", "header", "footer", "table", "dd", "dt", "figure",
};
static const char *const skipped_elements[] = {"script", "style", "head", "title", "template"};

/* An iterative walk: nesting depth comes from hostile input and must not grow the C stack. */
static void html_walk(const xmlNode *root, struct text_buffer *b)
{
    const xmlNode *node = root;
    while (node != NULL) {
        bool descend = false;
        if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            if (node->content != NULL)
                buffer_append_text(b, (const char *)node->content);
        } else if (node->type == XML_ELEMENT_NODE) {
            if (xmlStrcasecmp(node->name, (const xmlChar *)"br") == 0) {
                b->pending_space = false;
                buffer_append(b, "\n", 1);
            } else if (!is_element(node, skipped_elements,
                                   sizeof(skipped_elements) / sizeof(skipped_elements[0]))) {
                if (is_element(node, block_elements,
                               sizeof(block_elements) / sizeof(block_elements[0])))
                    buffer_newline(b);
                descend = node->children != NULL;
            }
        }
        if (descend) {
            node = node->children;
            continue;
        }
        while (node != NULL && node != root && node->next == NULL) {
            node = node->parent;
            if (node != NULL && node->type == XML_ELEMENT_NODE &&
                is_element(node, block_elements,
                           sizeof(block_elements) / sizeof(block_elements[0])))
                buffer_newline(b);
        }
        if (node == NULL || node == root)
            break;
        node = node->next;
    }
}

/* Trailing spaces on each line, blank lines, and leading/trailing newlines go. */
static void buffer_tidy(struct text_buffer *b)
{
    size_t out = 0;
    for (size_t in = 0; in < b->len; in++) {
        char c = b->data[in];
        if (c == '\n') {
            while (out > 0 && b->data[out - 1] == ' ')
                out--;
            if (out == 0 || b->data[out - 1] == '\n')
                continue;
        }
        b->data[out++] = c;
    }
    while (out > 0 && (b->data[out - 1] == '\n' || b->data[out - 1] == ' '))
        out--;
    b->len = out;
    b->data[out] = '\0';
}

int post_build_html_read(const char *html, size_t len, xmlDoc **doc, char *err, size_t err_len)
{
    size_t bad;
    *doc = NULL;
    if (len > INT32_MAX)
        return error_set(err, err_len, "HTML of %zu bytes is too large", len);
    if (!utf8_valid(html, len, &bad))
        return error_set(err, err_len, "HTML is not valid UTF-8 at byte %zu", bad);
    if (len == 0)
        return 0;
    *doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                          HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                              HTML_PARSE_NOBLANKS);
    return *doc != NULL ? 0 : error_set(err, err_len, "HTML could not be parsed");
}

int post_build_html_doc_text(const xmlDoc *doc, char **out, char *err, size_t err_len)
{
    struct text_buffer b = {0};
    *out = NULL;
    const xmlNode *root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
    if (root != NULL)
        html_walk(root, &b);
    buffer_append(&b, "", 0);
    if (b.failed) {
        free(b.data);
        return error_set(err, err_len, "out of memory");
    }
    buffer_tidy(&b);
    *out = b.data;
    return 0;
}

int post_build_html_to_text(const char *html, size_t len, char **out, char *err, size_t err_len)
{
    xmlDoc *doc;
    *out = NULL;
    if (post_build_html_read(html, len, &doc, err, err_len) != 0)
        return -1;
    int rc = post_build_html_doc_text(doc, out, err, err_len);
    xmlFreeDoc(doc);
    return rc;
}

/* ---- Times --------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long long days_from_civil(int year, int month, int day)
{
    year -= month <= 2;
    long long era = (year >= 0 ? year : year - 399) / 400;
    long long year_of_era = year - era * 400;
    long long day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    long long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static void civil_from_days(long long days, int *year, int *month, int *day)
{
    days += 719468;
    long long era = (days >= 0 ? days : days - 146096) / 146097;
    long long day_of_era = days - era * 146097;
    long long year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    long long day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    long long mp = (5 * day_of_year + 2) / 153;
    *day = (int)(day_of_year - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(year_of_era + era * 400 + (*month <= 2));
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* Exactly n decimal digits at *p, advancing it. */
static bool read_digits(const char **p, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *value = v;
    return true;
}

/* 1 or 2 digits (RFC 822 days and hours may be unpadded). */
static bool read_small_number(const char **p, int *value)
{
    if (!read_digits(p, 2, value) && !read_digits(p, 1, value))
        return false;
    return true;
}

/* "+07:00", "+0700", "-05", "Z" -> offset in seconds east of UTC. */
static bool read_numeric_offset(const char **p, int *offset_s)
{
    char sign = **p;
    int hours, minutes = 0;
    if (sign == 'Z' || sign == 'z') {
        (*p)++;
        *offset_s = 0;
        return true;
    }
    if (sign != '+' && sign != '-')
        return false;
    (*p)++;
    if (!read_digits(p, 2, &hours))
        return false;
    if (**p == ':')
        (*p)++;
    if (**p >= '0' && **p <= '9' && !read_digits(p, 2, &minutes))
        return false;
    if (hours > 23 || minutes > 59)
        return false;
    *offset_s = (sign == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
    return true;
}

struct broken_down {
    int year, month, day, hour, minute, second, offset_s;
};

static bool parse_rfc3339(const char *p, struct broken_down *t)
{
    if (!read_digits(&p, 4, &t->year) || *p++ != '-' || !read_digits(&p, 2, &t->month) ||
        *p++ != '-' || !read_digits(&p, 2, &t->day))
        return false;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return false;
    p++;
    if (!read_digits(&p, 2, &t->hour) || *p++ != ':' || !read_digits(&p, 2, &t->minute))
        return false;
    t->second = 0;
    if (*p == ':') {
        p++;
        if (!read_digits(&p, 2, &t->second))
            return false;
        if (*p == '.' || *p == ',') {
            p++;
            if (*p < '0' || *p > '9')
                return false;
            while (*p >= '0' && *p <= '9')
                p++;
        }
    }
    t->offset_s = 0;
    if (*p != '\0' && !read_numeric_offset(&p, &t->offset_s))
        return false;
    return *p == '\0';
}

static bool parse_rfc822(const char *p, struct broken_down *t)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const struct {
        const char *name;
        int offset_s;
    } zones[] = {{"GMT", 0},          {"UT", 0},           {"UTC", 0},         {"Z", 0},
                 {"WIB", 7 * 3600},   {"WITA", 8 * 3600},  {"WIT", 9 * 3600},  {"EST", -5 * 3600},
                 {"EDT", -4 * 3600},  {"CST", -6 * 3600},  {"CDT", -5 * 3600}, {"MST", -7 * 3600},
                 {"MDT", -6 * 3600},  {"PST", -8 * 3600},  {"PDT", -7 * 3600}};

    while (*p == ' ')
        p++;
    const char *comma = strchr(p, ',');
    if (comma != NULL && comma - p <= 9)
        p = comma + 1;
    while (*p == ' ')
        p++;
    if (!read_small_number(&p, &t->day) || *p++ != ' ')
        return false;
    t->month = 0;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(p, months[i], 3) == 0)
            t->month = i + 1;
    if (t->month == 0)
        return false;
    p += 3;
    while (*p != ' ' && *p != '\0') /* "Sept", "January" */
        p++;
    if (*p++ != ' ')
        return false;
    const char *year_start = p;
    if (read_digits(&p, 4, &t->year)) {
        /* four-digit year */
    } else {
        p = year_start;
        if (!read_digits(&p, 2, &t->year))
            return false;
        t->year += t->year < 50 ? 2000 : 1900;
    }
    if (*p++ != ' ' || !read_small_number(&p, &t->hour) || *p++ != ':' ||
        !read_digits(&p, 2, &t->minute))
        return false;
    t->second = 0;
    if (*p == ':') {
        p++;
        if (!read_digits(&p, 2, &t->second))
            return false;
    }
    while (*p == ' ')
        p++;
    t->offset_s = 0;
    if (*p == '+' || *p == '-') {
        if (!read_numeric_offset(&p, &t->offset_s))
            return false;
    } else if (*p != '\0') {
        size_t n = 0;
        while (p[n] >= 'A' && p[n] <= 'Z')
            n++;
        bool known = false;
        for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
            if (strlen(zones[i].name) == n && strncmp(p, zones[i].name, n) == 0) {
                t->offset_s = zones[i].offset_s;
                known = true;
            }
        if (!known)
            return false;
        p += n;
    }
    while (*p == ' ')
        p++;
    return *p == '\0';
}

int post_build_time(const char *text, char out[32], long long *unix_s, char *err, size_t err_len)
{
    struct broken_down t = {0};
    if (text == NULL || strlen(text) > 64 || (!parse_rfc3339(text, &t) && !parse_rfc822(text, &t)))
        return error_set(err, err_len, "not an RFC 3339 or RFC 822 time");
    if (t.year < 1900 || t.year > 9999 || t.month < 1 || t.month > 12 || t.day < 1 ||
        t.day > days_in_month(t.year, t.month) || t.hour > 23 || t.minute > 59 || t.second > 60)
        return error_set(err, err_len, "time out of range");
    if (t.second == 60) /* a leap second is shown as the second before it */
        t.second = 59;
    long long seconds = days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 +
                        t.minute * 60 + t.second - t.offset_s;
    long long days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    long long rest = seconds - days * 86400;
    int year, month, day;
    civil_from_days(days, &year, &month, &day);
    char shown[64];
    int length = snprintf(shown, sizeof(shown), "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day,
                          (int)(rest / 3600), (int)(rest % 3600 / 60), (int)(rest % 60));
    if (length != 20) /* a year pushed past 9999 or before 0 by its offset */
        return error_set(err, err_len, "time out of range");
    memcpy(out, shown, 21);
    if (unix_s != NULL)
        *unix_s = seconds;
    return 0;
}

/* ---- Hashtags and mentions in plain text --------------------------------------------------- */

/* Letters and digits of the scripts Indonesian posts are written in, and '_'. Emoji, symbols and
 * punctuation end a tag. */
static bool is_word_code_point(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
               cp == '_';
    if (cp >= 0xC0 && cp <= 0x24F)
        return cp != 0xD7 && cp != 0xF7;
    return (cp >= 0x370 && cp <= 0x1FFF) || (cp >= 0x3040 && cp <= 0x9FFF) ||
           (cp >= 0xAC00 && cp <= 0xD7AF);
}

/* Length in bytes of the run of word code points (plus the extra ASCII bytes allowed) at s. */
static size_t word_run(const char *s, size_t len, const char *extra)
{
    size_t at = 0;
    while (at < len) {
        uint32_t cp;
        size_t used = utf8_decode((const unsigned char *)s + at, len - at, &cp);
        if (!is_word_code_point(cp) && !(cp < 0x80 && cp != 0 && strchr(extra, (int)cp) != NULL))
            break;
        at += used;
    }
    return at;
}

static bool may_start_tag(const char *text, size_t at)
{
    if (at == 0)
        return true;
    char before = text[at - 1];
    if ((unsigned char)before >= 0x80)
        return false; /* inside a word of another script */
    return !is_word_code_point((unsigned char)before) && strchr("/&#@:.", before) == NULL;
}

static int add_slice(struct post_strings *list, const char *start, size_t len, char *err,
                     size_t err_len)
{
    char *item = strndup(start, len);
    if (item == NULL)
        return error_set(err, err_len, "out of memory");
    int rc = post_build_add_string(list, item, err, err_len);
    free(item);
    return rc;
}

int post_build_scan_text(struct post_message *message, char *err, size_t err_len)
{
    const char *text = message->text;
    size_t len = text != NULL ? strlen(text) : 0;
    for (size_t at = 0; at < len; at++) {
        char sigil = text[at];
        if ((sigil != '#' && sigil != '@') || !may_start_tag(text, at))
            continue;
        const char *start = text + at + 1;
        size_t run = word_run(start, len - at - 1, sigil == '@' ? ".-" : "");
        while (run > 0 && (start[run - 1] == '.' || start[run - 1] == '-'))
            run--;
        if (run == 0)
            continue;
        if (sigil == '#') {
            if (word_run(start, run, "") == run && strspn(start, "0123456789") < run &&
                add_slice(&message->hashtags, start, run, err, err_len) != 0)
                return -1;
        } else {
            size_t total = run;
            if (start[run] == '@') {
                size_t host = word_run(start + run + 1, len - at - 2 - run, ".-");
                while (host > 0 && (start[run + host] == '.' || start[run + host] == '-'))
                    host--;
                if (host > 0 && memchr(start + run + 1, '.', host) != NULL)
                    total = run + 1 + host;
            }
            if (add_slice(&message->mentions, start, total, err, err_len) != 0)
                return -1;
        }
        at += run;
    }
    return 0;
}
