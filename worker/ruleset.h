/* ruleset: one file of config/rules (NAME.jsonc), parsed and checked, not yet compiled.
 *
 * A ruleset is data: named lists of terms, and rules over those lists (see docs/rules.md).
 * Exactly one ruleset in a folder is national (no "region"); the others are regional and apply
 * to accounts whose region slug is "region" or one of "also", or to every account when
 * "region" is "all" (campaign accounts of one election kept in a file of their own). The
 * national one also carries the categories and the normaliser's tables (slang, number words,
 * markers, dictionary words).
 *
 * Every problem is refused with one message naming the file, the JSON path and what is wrong:
 * "config/rules/aceh.jsonc: rules[3].weight: must be a number in 0..1". Sizes are bounded
 * (RULESET_MAX_*), so a hostile file costs at most a few megabytes. */
#ifndef NETRA_WORKER_RULESET_H
#define NETRA_WORKER_RULESET_H

#include <stddef.h>
#include <stdint.h>

#include "queue/post_message.h"

#define RULESET_MAX_FILE_BYTES (1024 * 1024)
#define RULESET_MAX_FILES 64
#define RULESET_MAX_LISTS 256
#define RULESET_MAX_TERMS 4096 /* per list */
#define RULESET_MAX_TERM_BYTES 128
#define RULESET_MAX_RULES 512
#define RULESET_MAX_RULE_LISTS 16
#define RULESET_MAX_CATEGORIES 32
#define RULESET_MAX_TABLE 8192 /* entries of each normaliser table */
#define RULESET_MAX_WINDOW 64
#define RULESET_MAX_NAME 64

#define RULESET_REGION_ALL "all" /* the "region" of a ruleset for every account */

/* Where a piece of a message comes from; rules may be limited to some of them. The target
 * fields are those of a follow (the account followed) or a like (the post liked). */
enum rule_field {
    RULE_FIELD_TEXT,
    RULE_FIELD_REPOST_TEXT,
    RULE_FIELD_REPOST_AUTHOR,
    RULE_FIELD_MEDIA_ALT,
    RULE_FIELD_HASHTAG,
    RULE_FIELD_MENTION,
    RULE_FIELD_TARGET_ACCOUNT,
    RULE_FIELD_TARGET_ACCOUNT_ID, /* "target.account" in a rule names both */
    RULE_FIELD_TARGET_NAME,
    RULE_FIELD_TARGET_TEXT,
    RULE_FIELD_COUNT
};
#define RULE_FIELDS_ALL ((1u << RULE_FIELD_COUNT) - 1)
/* Not a field a rule names: an explanation entry of a rule without lists, which fired on the
 * message's kind ("like"). */
#define RULE_FIELD_KIND RULE_FIELD_COUNT

/* "text", "repost_of.text", "repost_of.author", "media.alt", "hashtags", "mentions",
 * "target.account", "target.account_id", "target.name", "target.text"; "kind" */
const char *rule_field_name(enum rule_field field);

/* Message kinds a rule applies to, a bit set of enum post_kind. A rule without "kinds" reads
 * posts and likes: a follow has no words of its own, only the followed account's name and bio,
 * so only rules written for follows (naming "follow") score or dampen one. */
#define RULE_KINDS_ALL ((1u << (POST_KIND_LIKE + 1)) - 1)
#define RULE_KINDS_DEFAULT (RULE_KINDS_ALL & ~(1u << POST_KIND_FOLLOW))

enum rule_kind {
    RULE_TERM,     /* any match of `lists` fires */
    RULE_NEAR,     /* a match of `lists` within `window` tokens of a match of `near` fires */
    RULE_SUPPRESS, /* matches of `targets` within `window` tokens of `lists` are ignored */
    RULE_DAMPEN    /* any match of `lists` multiplies partisan by `factor` */
};

struct rule_names {
    char **items;
    size_t count;
};

struct rule {
    char *id;
    enum rule_kind kind;
    char *category;       /* term and near; NULL otherwise */
    double weight;        /* term and near */
    double factor;        /* dampen */
    unsigned window;      /* near and suppress; 0 = anywhere in the post */
    unsigned fields;      /* bit set of enum rule_field */
    unsigned kinds;       /* bit set of enum post_kind */
    struct rule_names lists;   /* empty only for a dampen rule limited by kinds */
    struct rule_names near;    /* near */
    struct rule_names targets; /* suppress */
};

#define RULE_TERM_UPPER 0x01   /* "=AMIN": only when written in capitals */
#define RULE_TERM_HASHTAG 0x02 /* "#satuputaran": only inside a hashtag */
#define RULE_TERM_ACCOUNT 0x04 /* "@prabowo": an account handle */

/* "@x:prabowo": one account of one platform (a watchlist platform name), by handle or native
 * id, matched whole and case-insensitive against the account fields of that platform's
 * messages only. Always with RULE_TERM_ACCOUNT. */
#define RULE_TERM_PLATFORM 0x08

struct rule_term {
    char *text;     /* without its =, # or @ prefix, and without "platform:" */
    char *platform; /* RULE_TERM_PLATFORM: "x", "bluesky", ...; else NULL */
    uint8_t flags;
};

struct rule_list {
    char *name;
    struct rule_term *terms;
    size_t count;
};

struct rule_category {
    char *name;
    double weight;
    int partisan; /* counts towards partisan as well as political */
};

struct rule_slang {
    char *from;
    char *to;
};

struct rule_number_word {
    char *word;
    uint32_t value;
};

struct ruleset {
    char *path;
    char *name;
    char *version;
    char *region;            /* NULL: national; RULESET_REGION_ALL: every account */
    struct rule_names also;  /* more regions it applies to */
    struct rule_category *categories;
    size_t category_count;
    struct rule_list *lists;
    size_t list_count;
    struct rule *rules;
    size_t rule_count;
    struct rule_slang *slang;
    size_t slang_count;
    struct rule_number_word *number_words;
    size_t number_word_count;
    struct rule_names markers;
    struct rule_names words;
};

/* Parses text[0..len) (JSON with comments) read from path (used in messages only). */
int ruleset_parse(const char *path, const char *text, size_t len, struct ruleset **out, char *err,
                  size_t err_len);
int ruleset_load(const char *path, struct ruleset **out, char *err, size_t err_len);
void ruleset_free(struct ruleset *ruleset);

/* Every *.jsonc of dir, in name order. Returns 0 with *out (an array the caller frees with
 * ruleset_free_all) or -1 with the first problem. */
int ruleset_load_dir(const char *dir, struct ruleset ***out, size_t *count, char *err,
                     size_t err_len);
void ruleset_free_all(struct ruleset **rulesets, size_t count);

/* Replaces // and block comments of text[0..len) with spaces in place, keeping newlines and
 * strings, so parser offsets still point at the original line and column. */
void jsonc_strip_comments(char *text, size_t len);

#endif
