/* fold: what one Unicode code point means to the normaliser, from compact range tables rather
 * than a Unicode library. Styled letters (mathematical bold/italic/script/..., full-width,
 * circled, squared) and Latin letters with diacritics fold to plain ASCII letters; digits of the
 * same styles fold to ASCII digits; emoji are their own class; variation selectors, skin tones,
 * joiners and combining marks vanish. Everything else is a separator or an unfolded letter. */
#ifndef NETRA_WORKER_FOLD_H
#define NETRA_WORKER_FOLD_H

#include <stdint.h>

enum fold_class {
    FOLD_SEPARATOR, /* spaces, punctuation, symbols that are not emoji */
    FOLD_LETTER,    /* folded to `cp`: an ASCII lowercase letter, or another script's letter */
    FOLD_DIGIT,     /* folded to an ASCII digit */
    FOLD_EMOJI,     /* a pictograph; `cp` is the code point itself */
    FOLD_IGNORE,    /* variation selector, skin tone, zero-width joiner, combining mark */
    FOLD_APOSTROPHE /* ' and its typographic forms: joins a word (Mas'ud) */
};

struct fold {
    enum fold_class cls;
    uint32_t cp;   /* the folded code point */
    int upper;     /* the original was an upper-case letter */
};

extern const struct fold fold_ascii[128];
struct fold fold_code_point_slow(uint32_t cp);

static inline struct fold fold_code_point(uint32_t cp)
{
    return cp < 0x80 ? fold_ascii[cp] : fold_code_point_slow(cp);
}

#endif
