#include "worker/normalize.h"

#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"
#include "worker/fold.h"

struct norm_char {
    uint32_t cp;    /* folded */
    uint32_t start; /* bytes of the original, widened over ignorable marks that follow */
    uint32_t end;
    uint8_t cls;    /* enum fold_class */
    uint8_t upper;
};

/* One field being normalised. */
struct pass {
    const struct normalizer *normalizer;
    struct norm_scratch *scratch;
    uint8_t field;
    int failed;
};

#define MAX_HASHTAG_PART 24

void norm_scratch_init(struct norm_scratch *scratch)
{
    memset(scratch, 0, sizeof(*scratch));
}

void norm_scratch_reset(struct norm_scratch *scratch)
{
    scratch->count = 0;
    scratch->used = 0;
}

void norm_scratch_free(struct norm_scratch *scratch)
{
    free(scratch->tokens);
    free(scratch->bytes);
    free(scratch->chars);
    norm_scratch_init(scratch);
}

void normalizer_init(struct normalizer *normalizer)
{
    memset(normalizer, 0, sizeof(*normalizer));
    strmap_init(&normalizer->slang);
    strmap_init(&normalizer->number_words);
    strmap_init(&normalizer->markers);
    strmap_init(&normalizer->words);
}

void normalizer_free(struct normalizer *normalizer)
{
    for (size_t i = 0; i < normalizer->expansion_count; i++)
        free(normalizer->expansions[i]);
    free(normalizer->expansions);
    strmap_free(&normalizer->slang);
    strmap_free(&normalizer->number_words);
    strmap_free(&normalizer->markers);
    strmap_free(&normalizer->words);
    normalizer_init(normalizer);
}

/* ---- output ---------------------------------------------------------------------------- */

static int push_bytes(struct norm_scratch *scratch, const char *text, size_t len, uint32_t *at)
{
    if (scratch->used + len + 1 > scratch->bytes_cap) {
        size_t cap = scratch->bytes_cap ? scratch->bytes_cap : 4096;
        while (cap < scratch->used + len + 1)
            cap *= 2;
        if (cap > UINT32_MAX)
            return -1;
        char *bytes = realloc(scratch->bytes, cap);
        if (bytes == NULL)
            return -1;
        scratch->bytes = bytes;
        scratch->bytes_cap = cap;
    }
    *at = (uint32_t)scratch->used;
    memcpy(scratch->bytes + scratch->used, text, len);
    scratch->bytes[scratch->used + len] = '\0';
    scratch->used += len + 1;
    return 0;
}

static void push_hashed_token(struct pass *pass, enum norm_kind kind, uint8_t flags,
                              const char *text, size_t len, uint32_t hash, uint32_t start,
                              uint32_t end, uint32_t value)
{
    struct norm_scratch *scratch = pass->scratch;
    if (pass->failed || scratch->count >= NORM_MAX_TOKENS)
        return;
    if (scratch->count == scratch->cap) {
        size_t cap = scratch->cap ? scratch->cap * 2 : 256;
        struct norm_token *tokens = realloc(scratch->tokens, cap * sizeof(*tokens));
        if (tokens == NULL) {
            pass->failed = 1;
            return;
        }
        scratch->tokens = tokens;
        scratch->cap = cap;
    }
    struct norm_token *token = &scratch->tokens[scratch->count];
    if (push_bytes(scratch, text, len, &token->text) != 0) {
        pass->failed = 1;
        return;
    }
    token->len = (uint32_t)len;
    token->start = start;
    token->end = end;
    token->value = value;
    token->hash = hash;
    token->kind = (uint8_t)kind;
    token->flags = flags;
    token->field = pass->field;
    scratch->count++;
}

static void push_token(struct pass *pass, enum norm_kind kind, uint8_t flags, const char *text,
                       size_t len, uint32_t start, uint32_t end, uint32_t value)
{
    push_hashed_token(pass, kind, flags, text, len, strmap_hash(text, len), start, end, value);
}

/* ---- words ----------------------------------------------------------------------------- */

/* Numbers are in many posts and snprintf's "%u" costs more than the rest of their token. */
#define NUMBER_DIGITS 11

static size_t format_number(uint32_t value, char out[NUMBER_DIGITS])
{
    char reversed[NUMBER_DIGITS];
    size_t n = 0;
    do {
        reversed[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = reversed[n - 1 - i];
    return n;
}

static size_t encode_cps(const uint32_t *cps, size_t n, char *out)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (cps[i] < 0x80)
            out[len++] = (char)cps[i];
        else
            len += utf8_encode(cps[i], (unsigned char *)out + len);
    }
    out[len] = '\0';
    return len;
}

static int known(const struct normalizer *normalizer, const char *word, size_t len)
{
    return strmap_get(&normalizer->words, word, len, NULL) ||
           strmap_get(&normalizer->slang, word, len, NULL) ||
           strmap_get(&normalizer->number_words, word, len, NULL) ||
           strmap_get(&normalizer->markers, word, len, NULL);
}

/* Shortens runs of one letter: runs of `keep_at` or more become `to` letters. */
static size_t shorten_runs(const uint32_t *cps, size_t n, size_t keep_at, size_t to, uint32_t *out)
{
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        size_t run = 1;
        while (i + run < n && cps[i + run] == cps[i])
            run++;
        size_t copy = run >= keep_at ? to : run;
        for (size_t k = 0; k < copy; k++)
            out[len++] = cps[i];
        i += run;
    }
    return len;
}

static int has_run_of_three(const uint32_t *cps, size_t n)
{
    for (size_t i = 2; i < n; i++)
        if (cps[i] == cps[i - 1] && cps[i] == cps[i - 2])
            return 1;
    return 0;
}

/* Letter runs: a word without a run of three letters is kept as written, so "saat" and "taat"
 * keep their double letters; otherwise the first known form of (runs of 3+ -> 1, runs of
 * 3+ -> 2, every run -> 1), else runs of 3+ -> 1, so "pilihhhh" and "mantaaap" read as words. */
static size_t reduce_runs(const struct normalizer *normalizer, const uint32_t *cps, size_t n,
                          char *out)
{
    uint32_t shorter[NORM_MAX_WORD];
    size_t len = encode_cps(cps, n, out);
    if (!has_run_of_three(cps, n) || known(normalizer, out, len))
        return len;
    static const size_t forms[][2] = {{3, 1}, {3, 2}, {2, 1}};
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        size_t m = shorten_runs(cps, n, forms[f][0], forms[f][1], shorter);
        if (m == n)
            continue;
        len = encode_cps(shorter, m, out);
        if (known(normalizer, out, len))
            return len;
    }
    return encode_cps(shorter, shorten_runs(cps, n, 3, 1, shorter), out);
}

/* A word in its final spelling (hash = strmap_hash of it): slang expanded, number words read. */
static void emit_word(struct pass *pass, const char *word, size_t len, uint32_t hash,
                      uint32_t start, uint32_t end, uint8_t flags)
{
    const struct normalizer *normalizer = pass->normalizer;
    uint32_t value;
    if (strmap_get_hashed(&normalizer->slang, word, len, hash, &value)) {
        const char *expansion = normalizer->expansions[value];
        while (*expansion != '\0') {
            size_t part = strcspn(expansion, " ");
            if (part > 0)
                push_token(pass, NORM_WORD, flags, expansion, part, start, end, 0);
            expansion += part;
            expansion += strspn(expansion, " ");
        }
        return;
    }
    if (strmap_get_hashed(&normalizer->number_words, word, len, hash, &value)) {
        char digits[NUMBER_DIGITS];
        size_t n_digits = format_number(value, digits);
        push_token(pass, NORM_NUMBER, flags, digits, n_digits, start, end, value);
        return;
    }
    push_hashed_token(pass, NORM_WORD, flags, word, len, hash, start, end, 0);
}

static void emit_letters(struct pass *pass, const uint32_t *cps, size_t n, uint32_t start,
                         uint32_t end, uint8_t flags)
{
    char word[NORM_MAX_WORD * 4 + 1];
    size_t len = reduce_runs(pass->normalizer, cps, n, word);
    emit_word(pass, word, len, strmap_hash(word, len), start, end, flags);
}

static void emit_number(struct pass *pass, const struct norm_char *chars, size_t n, uint8_t flags)
{
    uint32_t value = 0;
    for (size_t i = 0; i < n; i++)
        value = value > NORM_NUMBER_MAX / 10 ? NORM_NUMBER_MAX : value * 10 + (chars[i].cp - '0');
    if (value > NORM_NUMBER_MAX)
        value = NORM_NUMBER_MAX;
    /* "01", "02": the way ballot numbers of pairs are written. */
    if (n == 2 && chars[0].cp == '0' && value > 0)
        flags |= NORM_BALLOT;
    char digits[NUMBER_DIGITS];
    size_t len = format_number(value, digits);
    push_token(pass, NORM_NUMBER, flags, digits, len, chars[0].start, chars[n - 1].end, value);
}

static uint32_t leet_letter(uint32_t digit)
{
    static const char map[] = "oi.easgtbg"; /* 0..9; 2 is too often a real number */
    char letter = map[digit - '0'];
    return letter == '.' ? 0 : (uint32_t)letter;
}

static void emit_segment(struct pass *pass, const struct norm_char *chars, size_t n,
                         uint8_t flags);

/* A run of letters and digits, both present: leetspeak when that spells a known word
 * (c0bl0s), else split where letters and digits meet (capres01, 2024an). */
static void emit_mixed(struct pass *pass, const struct norm_char *chars, size_t n, uint8_t flags)
{
    uint32_t cps[NORM_MAX_WORD];
    char word[NORM_MAX_WORD * 4 + 1];
    int leet = 1;
    for (size_t i = 0; i < n && leet; i++) {
        cps[i] = chars[i].cls == FOLD_DIGIT ? leet_letter(chars[i].cp) : chars[i].cp;
        leet = cps[i] != 0;
    }
    size_t len = leet ? reduce_runs(pass->normalizer, cps, n, word) : 0;
    if (leet && known(pass->normalizer, word, len)) {
        emit_letters(pass, cps, n, chars[0].start, chars[n - 1].end, flags);
        return;
    }
    /* "sodara2", "rekan2": a trailing 2 after a word marks reduplication, not a number. */
    if (!(flags & NORM_HASHTAG) && n >= 4 && chars[n - 1].cp == '2' &&
        chars[n - 2].cls == FOLD_LETTER && chars[n - 3].cls == FOLD_LETTER) {
        struct norm_char base[NORM_MAX_WORD];
        memcpy(base, chars, (n - 1) * sizeof(*base));
        base[n - 2].end = chars[n - 1].end;
        emit_segment(pass, base, n - 1, flags);
        return;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && (chars[j].cls == FOLD_DIGIT) == (chars[i].cls == FOLD_DIGIT))
            j++;
        emit_segment(pass, chars + i, j - i, flags);
        i = j;
    }
}

/* Most segments are plain words: ASCII letters without a run of three. One pass spells and
 * hashes them as they are (what reduce_runs would give back unchanged); only the others take
 * the general path. */
static void emit_segment(struct pass *pass, const struct norm_char *chars, size_t n, uint8_t flags)
{
    uint32_t cps[NORM_MAX_WORD];
    char word[NORM_MAX_WORD];
    size_t digits = 0, upper = 0, run = 0;
    uint32_t wide = 0, last = UINT32_MAX, hash = 2166136261u;
    int run_of_three = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = chars[i].cp;
        digits += chars[i].cls == FOLD_DIGIT;
        upper += chars[i].upper;
        wide |= cp;
        word[i] = (char)cp;
        hash = (hash ^ (cp & 0xFF)) * 16777619u;
        run = cp == last ? run + 1 : 1;
        last = cp;
        run_of_three |= run >= 3;
    }
    size_t letters = n - digits;
    if (letters >= 2 && upper == letters)
        flags |= NORM_UPPER;
    if (letters == 0) {
        emit_number(pass, chars, n, flags);
        return;
    }
    if (digits > 0) {
        emit_mixed(pass, chars, n, flags);
        return;
    }
    if (wide < 0x80 && !run_of_three) {
        emit_word(pass, word, n, hash, chars[0].start, chars[n - 1].end, flags);
        return;
    }
    for (size_t i = 0; i < n; i++)
        cps[i] = chars[i].cp;
    emit_letters(pass, cps, n, chars[0].start, chars[n - 1].end, flags);
}

/* ---- hashtags -------------------------------------------------------------------------- */

/* Splits an all-lowercase part of a hashtag into dictionary words with as few pieces as
 * possible; a part that cannot be covered stays whole. */
static void emit_dictionary_split(struct pass *pass, const struct norm_char *chars, size_t n,
                                  uint8_t flags)
{
    char text[NORM_MAX_WORD + 1] = {0};
    uint8_t best[NORM_MAX_WORD + 1];
    uint8_t from[NORM_MAX_WORD + 1];
    for (size_t i = 0; i < n; i++) {
        if (chars[i].cp >= 0x80) {
            emit_segment(pass, chars, n, flags);
            return;
        }
        text[i] = (char)chars[i].cp;
    }
    if (known(pass->normalizer, text, n)) {
        emit_segment(pass, chars, n, flags);
        return;
    }
    memset(best, 0xFF, sizeof(best));
    best[0] = 0;
    for (size_t end = 2; end <= n; end++) {
        size_t shortest = end > MAX_HASHTAG_PART ? end - MAX_HASHTAG_PART : 0;
        for (size_t start = shortest; start + 2 <= end; start++) {
            if (best[start] == 0xFF || best[start] + 1 >= best[end])
                continue;
            if (known(pass->normalizer, text + start, end - start)) {
                best[end] = (uint8_t)(best[start] + 1);
                from[end] = (uint8_t)start;
            }
        }
    }
    if (best[n] == 0xFF) {
        emit_segment(pass, chars, n, flags);
        return;
    }
    size_t cuts[NORM_MAX_WORD + 1], count = 0;
    for (size_t at = n; at > 0; at = from[at])
        cuts[count++] = at;
    size_t start = 0;
    while (count > 0) {
        size_t end = cuts[--count];
        emit_segment(pass, chars + start, end - start, flags);
        start = end;
    }
}

static int is_boundary(const struct norm_char *chars, size_t n, size_t i)
{
    const struct norm_char *prev = &chars[i - 1], *cur = &chars[i];
    if ((prev->cls == FOLD_DIGIT) != (cur->cls == FOLD_DIGIT))
        return 1;
    if (cur->cls != FOLD_LETTER || prev->cls != FOLD_LETTER)
        return 0;
    if (!prev->upper && cur->upper)
        return 1; /* prabowoGibran */
    /* RKSuswono: the last capital of a run starts the next word */
    return prev->upper && cur->upper && i + 1 < n && chars[i + 1].cls == FOLD_LETTER &&
           !chars[i + 1].upper;
}

static void emit_hashtag(struct pass *pass, const struct norm_char *chars, size_t n)
{
    for (size_t start = 0; start < n;) {
        size_t end = start + 1;
        while (end < n && !is_boundary(chars, n, end))
            end++;
        if (chars[start].cls == FOLD_LETTER && end - start >= 4)
            emit_dictionary_split(pass, chars + start, end - start, NORM_HASHTAG);
        else
            emit_segment(pass, chars + start, end - start, NORM_HASHTAG);
        start = end;
    }
}

/* ---- ballot numbers -------------------------------------------------------------------- */

/* "nomor urut 2", "no. 2", "nomer wahid": markers and the number become one ballot number.
 * Markers are looked up only before a number, which keeps the common case to one pass. */
static int is_marker(const struct normalizer *normalizer, const struct norm_scratch *scratch,
                     const struct norm_token *token)
{
    return token->kind == NORM_WORD &&
           strmap_get_hashed(&normalizer->markers, norm_token_text(scratch, token), token->len,
                             token->hash, NULL);
}

static void merge_markers(const struct normalizer *normalizer, struct norm_scratch *scratch,
                          size_t first)
{
    struct norm_token *tokens = scratch->tokens;
    size_t kept = first;
    for (size_t at = first; at < scratch->count; at++) {
        if (!(tokens[at].kind == NORM_NUMBER && tokens[at].value <= 99)) {
            if (kept != at) /* most posts merge nothing: no copies until the first merge */
                tokens[kept] = tokens[at];
            kept++;
            continue;
        }
        struct norm_token token = tokens[at];
        size_t start = kept;
        while (start > first && is_marker(normalizer, scratch, &tokens[start - 1]))
            start--;
        if (start < kept) {
            token.start = tokens[start].start;
            token.flags |= NORM_BALLOT;
            kept = start;
        }
        tokens[kept++] = token;
    }
    scratch->count = kept;
}

/* ---- the scan -------------------------------------------------------------------------- */

static int decode(struct norm_scratch *scratch, const char *text, size_t len, size_t *out_count)
{
    if (len > NORM_MAX_FIELD_BYTES)
        len = NORM_MAX_FIELD_BYTES;
    if (len + 1 > scratch->chars_cap) {
        size_t cap = scratch->chars_cap ? scratch->chars_cap : 1024;
        while (cap < len + 1)
            cap *= 2;
        struct norm_char *chars = realloc(scratch->chars, cap * sizeof(*chars));
        if (chars == NULL)
            return -1;
        scratch->chars = chars;
        scratch->chars_cap = cap;
    }
    struct norm_char *chars = scratch->chars;
    size_t count = 0;
    for (size_t at = 0; at < len;) {
        unsigned char byte = (unsigned char)text[at];
        if (byte < 0x80) {
            /* Most of every post, and never ignorable: straight from the table. */
            const struct fold *f = &fold_ascii[byte];
            chars[count].cp = f->cp;
            chars[count].start = (uint32_t)at;
            chars[count].end = (uint32_t)(at + 1);
            chars[count].cls = (uint8_t)f->cls;
            chars[count].upper = (uint8_t)f->upper;
            count++;
            at++;
            continue;
        }
        uint32_t cp;
        size_t used = utf8_decode((const unsigned char *)text + at, len - at, &cp);
        struct fold f = fold_code_point(cp);
        if (f.cls == FOLD_IGNORE && count > 0) {
            chars[count - 1].end = (uint32_t)(at + used);
        } else if (f.cls != FOLD_IGNORE) {
            chars[count++] = (struct norm_char){f.cp, (uint32_t)at, (uint32_t)(at + used),
                                                (uint8_t)f.cls, (uint8_t)f.upper};
        }
        at += used;
    }
    *out_count = count;
    return 0;
}

/* A link is not words of the post: "http://", "https://" or "www." up to the next space. */
static size_t skip_link(const struct norm_char *chars, size_t count, size_t at)
{
    static const struct {
        const char *text;
        size_t len;
    } starts[] = {{"http://", 7}, {"https://", 8}, {"www.", 4}};
    if (chars[at].cp != 'h' && chars[at].cp != 'w')
        return at;
    for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
        size_t n = starts[s].len, i = 0;
        while (i < n && at + i < count && chars[at + i].cp == (unsigned char)starts[s].text[i])
            i++;
        if (i < n)
            continue;
        while (at < count && !(chars[at].cls == FOLD_SEPARATOR && chars[at].cp <= ' '))
            at++;
        return at;
    }
    return at;
}

static int is_word_char(const struct norm_char *c)
{
    return c->cls == FOLD_LETTER || c->cls == FOLD_DIGIT;
}

static int is_handle_char(const struct norm_char *c)
{
    return c->cp < 0x80 && (is_word_char(c) || c->cp == '_' || c->cp == '.');
}

/* 1 when chars[at], right after a word, continues it in a text (not a hashtag): an apostrophe,
 * @ or $ with a letter or digit after it (see collect_word). */
static int joins_words(const struct norm_char *chars, size_t count, size_t at)
{
    if (at + 1 >= count || !is_word_char(&chars[at + 1]))
        return 0;
    return chars[at].cls == FOLD_APOSTROPHE || chars[at].cp == '@' || chars[at].cp == '$';
}

/* Collects a word run from chars[at]: letters and digits, apostrophes between letters dropped,
 * @ and $ between letters read as a and s. Returns the index after the run. */
static size_t collect_word(const struct norm_char *chars, size_t count, size_t at, int hashtag,
                           struct norm_char *run, size_t *run_len, int *too_long)
{
    size_t n = 0;
    *too_long = 0;
    for (; at < count; at++) {
        struct norm_char c = chars[at];
        if (!is_word_char(&c)) {
            int inside = n > 0 && at + 1 < count && is_word_char(&chars[at + 1]);
            if (!inside)
                break;
            if (c.cls == FOLD_APOSTROPHE || (hashtag && c.cp == '_'))
                continue;
            if (hashtag || (c.cp != '@' && c.cp != '$'))
                break;
            c.cls = FOLD_LETTER;
            c.cp = c.cp == '@' ? 'a' : 's';
        }
        if (n < NORM_MAX_WORD)
            run[n++] = c;
        else
            *too_long = 1;
    }
    *run_len = n;
    return at;
}

int normalize_text(const struct normalizer *normalizer, struct norm_scratch *scratch,
                   const char *text, size_t len, uint8_t field, int mode, char *err,
                   size_t err_len)
{
    struct pass pass = {normalizer, scratch, field, 0};
    size_t count, first = scratch->count;
    if (decode(scratch, text, len, &count) != 0)
        return error_set(err, err_len, "normalize: out of memory");
    const struct norm_char *chars = scratch->chars;
    struct norm_char run[NORM_MAX_WORD];
    size_t at = 0;
    if (mode == NORM_MODE_HANDLE) {
        char handle[NORM_MAX_WORD + 2];
        size_t n = 0;
        handle[n++] = '@';
        for (size_t i = 0; i < count && n < sizeof(handle); i++)
            if (is_handle_char(&chars[i]))
                handle[n++] = (char)chars[i].cp;
        uint32_t end = (uint32_t)(len < NORM_MAX_FIELD_BYTES ? len : NORM_MAX_FIELD_BYTES);
        if (n > 1)
            push_token(&pass, NORM_MENTION, 0, handle, n, 0, end, 0);
        return pass.failed ? error_set(err, err_len, "normalize: out of memory") : 0;
    }
    if (mode == NORM_MODE_HASHTAG) {
        size_t n;
        int too_long;
        while (at < count && !is_word_char(&chars[at]))
            at++;
        at = collect_word(chars, count, at, 1, run, &n, &too_long);
        if (n > 0)
            emit_hashtag(&pass, run, n);
    }
    while (at < count && !pass.failed) {
        const struct norm_char *c = &chars[at];
        int starts_word = at == 0 || !is_word_char(&chars[at - 1]);
        size_t after_link = starts_word ? skip_link(chars, count, at) : at;
        if (after_link > at) {
            at = after_link;
        } else if (c->cp == '#' && at + 1 < count && is_word_char(&chars[at + 1]) && starts_word) {
            size_t n;
            int too_long;
            at = collect_word(chars, count, at + 1, 1, run, &n, &too_long);
            if (too_long)
                emit_segment(&pass, run, n, NORM_HASHTAG);
            else
                emit_hashtag(&pass, run, n);
        } else if (c->cp == '@' && at + 1 < count && is_handle_char(&chars[at + 1]) &&
                   chars[at + 1].cp != '.' && starts_word) {
            char handle[NORM_MAX_WORD + 2];
            size_t n = 0, end = at + 1;
            handle[n++] = '@';
            while (end < count && is_handle_char(&chars[end])) {
                if (n < NORM_MAX_WORD + 1)
                    handle[n++] = (char)chars[end].cp;
                end++;
            }
            while (end > at + 1 && chars[end - 1].cp == '.') {
                end--;
                n = n > 1 && handle[n - 1] == '.' ? n - 1 : n;
            }
            push_token(&pass, NORM_MENTION, 0, handle, n, c->start, chars[end - 1].end, 0);
            at = end;
        } else if (is_word_char(c)) {
            size_t n, end = at + 1;
            int too_long;
            while (end < count && is_word_char(&chars[end]))
                end++;
            if (end - at <= NORM_MAX_WORD && !joins_words(chars, count, end)) {
                /* The common word: its characters as they are, without a copy. */
                emit_segment(&pass, chars + at, end - at, 0);
                at = end;
                continue;
            }
            at = collect_word(chars, count, at, 0, run, &n, &too_long);
            emit_segment(&pass, run, n, 0);
        } else if (c->cls == FOLD_EMOJI) {
            char bytes[4];
            size_t n = utf8_encode(c->cp, (unsigned char *)bytes);
            push_token(&pass, NORM_EMOJI, 0, bytes, n, c->start, c->end, 0);
            at++;
        } else {
            at++;
        }
    }
    if (pass.failed)
        return error_set(err, err_len, "normalize: out of memory");
    merge_markers(normalizer, scratch, first);
    return 0;
}

int normalize_account(struct norm_scratch *scratch, const char *platform, const char *account,
                      size_t len, uint8_t field, char *err, size_t err_len)
{
    struct pass pass = {NULL, scratch, field, 0};
    char key[NORM_MAX_ACCOUNT_BYTES + 64];
    size_t skip = len > 0 && account[0] == '@', platform_len = strlen(platform);
    if (len == skip || len - skip > NORM_MAX_ACCOUNT_BYTES || platform_len > 32)
        return 0;
    size_t n = 0;
    key[n++] = '@';
    memcpy(key + n, platform, platform_len);
    n += platform_len;
    key[n++] = ':';
    for (size_t i = skip; i < len; i++) {
        char c = account[i];
        key[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    uint32_t end = (uint32_t)(len < NORM_MAX_FIELD_BYTES ? len : NORM_MAX_FIELD_BYTES);
    push_token(&pass, NORM_MENTION, 0, key, n, 0, end, 0);
    return pass.failed ? error_set(err, err_len, "normalize: out of memory") : 0;
}

/* ---- tables ---------------------------------------------------------------------------- */

/* The normalised form of a table word: a single plain word, checked so table entries can never
 * differ from what post text normalises to. */
static int table_word(const char *word, char *out, size_t out_len, char *err, size_t err_len)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)word; *p != '\0';) {
        uint32_t cp;
        p += utf8_decode(p, strlen((const char *)p), &cp);
        struct fold f = fold_code_point(cp);
        if (f.cls == FOLD_IGNORE || f.cls == FOLD_APOSTROPHE)
            continue;
        if ((f.cls != FOLD_LETTER && f.cls != FOLD_DIGIT) || f.cp >= 0x80)
            return error_set(err, err_len, "\"%s\": must be one word of letters and digits", word);
        if (n + 1 >= out_len || n >= NORM_MAX_WORD)
            return error_set(err, err_len, "\"%s\": longer than %d letters", word, NORM_MAX_WORD);
        out[n++] = (char)f.cp;
    }
    if (n == 0)
        return error_set(err, err_len, "empty word");
    out[n] = '\0';
    return 0;
}

int normalizer_add_slang(struct normalizer *normalizer, const char *from, const char *to,
                         char *err, size_t err_len)
{
    char key[NORM_MAX_WORD + 1];
    if (table_word(from, key, sizeof(key), err, err_len) != 0)
        return -1;
    size_t to_len = strlen(to);
    if (to_len == 0 || to_len > 4 * NORM_MAX_WORD)
        return error_set(err, err_len, "\"%s\": expansion must be 1..%d bytes", from,
                         4 * NORM_MAX_WORD);
    for (size_t i = 0; i < to_len; i++)
        if (!((to[i] >= 'a' && to[i] <= 'z') || to[i] == ' '))
            return error_set(err, err_len, "\"%s\": expansion must be lower-case words", from);
    char **grown = realloc(normalizer->expansions,
                           (normalizer->expansion_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return error_set(err, err_len, "out of memory");
    normalizer->expansions = grown;
    char *copy = strdup(to);
    if (copy == NULL)
        return error_set(err, err_len, "out of memory");
    normalizer->expansions[normalizer->expansion_count] = copy;
    if (strmap_put(&normalizer->slang, key, strlen(key), (uint32_t)normalizer->expansion_count)) {
        free(copy);
        return error_set(err, err_len, "out of memory");
    }
    normalizer->expansion_count++;
    return normalizer_add_words(normalizer, to, err, err_len);
}

int normalizer_add_number_word(struct normalizer *normalizer, const char *word, uint32_t value,
                               char *err, size_t err_len)
{
    char key[NORM_MAX_WORD + 1];
    if (table_word(word, key, sizeof(key), err, err_len) != 0)
        return -1;
    if (value > NORM_NUMBER_MAX)
        return error_set(err, err_len, "\"%s\": number too large", word);
    if (strmap_put(&normalizer->number_words, key, strlen(key), value) != 0)
        return error_set(err, err_len, "out of memory");
    return 0;
}

int normalizer_add_marker(struct normalizer *normalizer, const char *word, char *err,
                          size_t err_len)
{
    char key[NORM_MAX_WORD + 1];
    if (table_word(word, key, sizeof(key), err, err_len) != 0)
        return -1;
    if (strmap_put(&normalizer->markers, key, strlen(key), 1) != 0)
        return error_set(err, err_len, "out of memory");
    return 0;
}

int normalizer_add_words(struct normalizer *normalizer, const char *text, char *err,
                         size_t err_len)
{
    char word[NORM_MAX_WORD + 1];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text;; p++) {
        int letter = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
        if (letter && n < NORM_MAX_WORD) {
            word[n++] = (char)(*p | 0x20);
            continue;
        }
        if (!letter && n >= 2 && strmap_put(&normalizer->words, word, n, 1) != 0)
            return error_set(err, err_len, "out of memory");
        if (!letter)
            n = 0;
        if (*p == '\0')
            break;
    }
    return 0;
}
