/* normalize: post text -> normalised tokens, each mapped back to its bytes in the original.
 *
 * Hostile bytes are fine: invalid UTF-8 reads as U+FFFD (a separator), a field longer than
 * NORM_MAX_FIELD_BYTES is read up to that length, a word longer than NORM_MAX_WORD letters stays
 * one token that nothing matches, and a post gives at most NORM_MAX_TOKENS tokens.
 *
 * What one token is:
 *   word    lower-case ASCII after folding styled letters and diacritics (𝐏𝐫𝐚𝐛𝐨𝐰𝐨, ｐｒａｂｏｗｏ,
 *           é -> e), leetspeak undone where that makes a known word (c0bl0s -> coblos),
 *           letter runs shortened (pilihhhh -> pilih), slang expanded (yg -> yang; an expansion
 *           of several words gives several tokens over the same bytes);
 *   number  "2024", "01", "dua", "wahid"; with a marker before it ("no. 2", "nomer 2",
 *           "nomor urut 2") or zero-padded ("02") it is one token flagged NORM_BALLOT;
 *   emoji   one pictograph (✌️ -> ✌), variation selectors and skin tones dropped;
 *   mention "@handle", lower case.
 * A #hashtag is split at case changes and digits (#PrabowoGibran2024 -> prabowo gibran 2024) and
 * an all-lowercase part by the dictionary (#coblosnomor2 -> coblos, nomor 2 -> one number).
 *
 * The normaliser's tables (slang, number words, markers, dictionary) are data from the rulesets;
 * build it once, then normalize from any number of threads, each with its own scratch. */
#ifndef NETRA_WORKER_NORMALIZE_H
#define NETRA_WORKER_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "worker/strmap.h"

#define NORM_MAX_FIELD_BYTES (256u * 1024)
#define NORM_MAX_TOKENS (64u * 1024)
#define NORM_MAX_WORD 48

enum norm_kind { NORM_WORD, NORM_NUMBER, NORM_EMOJI, NORM_MENTION };

#define NORM_UPPER 0x01   /* every letter of the original was upper case (AMIN, PAN) */
#define NORM_HASHTAG 0x02 /* part of a #hashtag */
#define NORM_BALLOT 0x04  /* a number written as a ballot number */

struct norm_token {
    uint32_t text;  /* offset of the NUL-terminated normalised text in the scratch bytes */
    uint32_t len;
    uint32_t start; /* [start, end) in the original field text */
    uint32_t end;
    uint32_t value; /* numbers: the value, saturated at NORM_NUMBER_MAX */
    uint32_t hash;  /* strmap_hash of the text, for lookups by it */
    uint8_t kind;
    uint8_t flags;
    uint8_t field;  /* the caller's field id */
};

#define NORM_NUMBER_MAX 999999999u

struct norm_char;

/* Per-thread working memory reused from post to post: after the first posts it stops
 * allocating. norm_scratch_reset() empties it for the next post. */
struct norm_scratch {
    struct norm_token *tokens;
    size_t count;
    size_t cap;
    char *bytes;
    size_t used;
    size_t bytes_cap;
    struct norm_char *chars;
    size_t chars_cap;
};

void norm_scratch_init(struct norm_scratch *scratch);
void norm_scratch_reset(struct norm_scratch *scratch);
void norm_scratch_free(struct norm_scratch *scratch);

static inline const char *norm_token_text(const struct norm_scratch *scratch,
                                          const struct norm_token *token)
{
    return scratch->bytes + token->text;
}

struct normalizer {
    struct strmap slang;        /* word -> index in expansions */
    char **expansions;
    size_t expansion_count;
    struct strmap number_words; /* word -> value */
    struct strmap markers;      /* words that make the next number a ballot number */
    struct strmap words;        /* dictionary for hashtag splitting and leetspeak */
};

void normalizer_init(struct normalizer *normalizer);
void normalizer_free(struct normalizer *normalizer);

/* Table building; words are folded like post text first. -1 and err on a bad entry or OOM. */
int normalizer_add_slang(struct normalizer *normalizer, const char *from, const char *to,
                         char *err, size_t err_len);
int normalizer_add_number_word(struct normalizer *normalizer, const char *word, uint32_t value,
                               char *err, size_t err_len);
int normalizer_add_marker(struct normalizer *normalizer, const char *word, char *err,
                          size_t err_len);
/* Adds every word of text (which may be a phrase) to the dictionary. */
int normalizer_add_words(struct normalizer *normalizer, const char *text, char *err,
                         size_t err_len);

#define NORM_MODE_TEXT 0
#define NORM_MODE_HASHTAG 1 /* the whole text is one hashtag without its '#' */
#define NORM_MODE_HANDLE 2  /* the whole text is one account handle, with or without '@' */

/* Appends the tokens of text[0..len) to scratch, tagged with field. Returns 0, or -1 only when
 * out of memory (err says so). */
int normalize_text(const struct normalizer *normalizer, struct norm_scratch *scratch,
                   const char *text, size_t len, uint8_t field, int mode, char *err,
                   size_t err_len);

/* The longest account normalize_account reads: longer ones are nobody a ruleset can name. */
#define NORM_MAX_ACCOUNT_BYTES 256

/* Appends one mention token "@<platform>:<account>" spanning all of account[0..len) (a leading
 * '@' left out), ASCII letters lower-cased and nothing else changed, so it matches exactly the
 * qualified term naming that account of that platform: never a prefix, never another platform.
 * Nothing is appended for an empty account or one longer than NORM_MAX_ACCOUNT_BYTES. Returns
 * 0, or -1 only when out of memory. */
int normalize_account(struct norm_scratch *scratch, const char *platform, const char *account,
                      size_t len, uint8_t field, char *err, size_t err_len);

#endif
