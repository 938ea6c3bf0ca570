#include "worker/fold.h"

/* U+00C0..U+00FF and U+0100..U+017F, one base letter per code point; upper case marks an
 * upper-case original and '.' a code point that is not a letter (x and / signs). */
static const char latin1[] = "AAAAAAACEEEEIIIIDNOOOOO.OUUUUYTsaaaaaaaceeeeiiiidnooooo.ouuuuyty";
static const char latin_ext_a[] =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSs"
    "SsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

/* Alphabets of 26 consecutive letters of one case. */
struct alphabet {
    uint32_t first;
    int upper;
};

static const struct alphabet alphabets[] = {
    {0xFF21, 1},  /* full-width A-Z */
    {0xFF41, 0},  /* full-width a-z */
    {0x24B6, 1},  /* circled A-Z */
    {0x24D0, 0},  /* circled a-z */
    {0x1F130, 1}, /* squared A-Z */
    {0x1F150, 1}, /* negative circled A-Z */
    {0x1F170, 1}, /* negative squared A-Z */
};

static int in(uint32_t cp, uint32_t lo, uint32_t hi)
{
    return cp >= lo && cp <= hi;
}

static struct fold letter(char ascii)
{
    struct fold f = {FOLD_LETTER, (uint32_t)ascii, 0};
    if (ascii >= 'A' && ascii <= 'Z') {
        f.cp = (uint32_t)(ascii - 'A' + 'a');
        f.upper = 1;
    }
    return f;
}

static int is_emoji(uint32_t cp)
{
    return in(cp, 0x2190, 0x21FF) || in(cp, 0x2300, 0x23FF) || in(cp, 0x25A0, 0x27BF) ||
           in(cp, 0x2B00, 0x2BFF) || in(cp, 0x1F000, 0x1F0FF) || in(cp, 0x1F1E6, 0x1F2FF) ||
           in(cp, 0x1F300, 0x1F3FA) || in(cp, 0x1F400, 0x1FAFF) || cp == 0x3030 || cp == 0x303D;
}

static int is_ignorable(uint32_t cp)
{
    return in(cp, 0xFE00, 0xFE0F) || in(cp, 0x1F3FB, 0x1F3FF) || in(cp, 0x200B, 0x200F) ||
           in(cp, 0x0300, 0x036F) || in(cp, 0x1AB0, 0x1AFF) || in(cp, 0x20D0, 0x20FF) ||
           in(cp, 0xE0020, 0xE007F) || in(cp, 0xE0100, 0xE01EF) || cp == 0x2060 || cp == 0xFEFF ||
           cp == 0x00AD;
}

/* ASCII is most of every post: one table lookup, no branches. */
const struct fold fold_ascii[128] = {
    {FOLD_SEPARATOR, 0, 0}, {FOLD_SEPARATOR, 1, 0}, {FOLD_SEPARATOR, 2, 0},
    {FOLD_SEPARATOR, 3, 0}, {FOLD_SEPARATOR, 4, 0}, {FOLD_SEPARATOR, 5, 0},
    {FOLD_SEPARATOR, 6, 0}, {FOLD_SEPARATOR, 7, 0}, {FOLD_SEPARATOR, 8, 0},
    {FOLD_SEPARATOR, 9, 0}, {FOLD_SEPARATOR, 10, 0}, {FOLD_SEPARATOR, 11, 0},
    {FOLD_SEPARATOR, 12, 0}, {FOLD_SEPARATOR, 13, 0}, {FOLD_SEPARATOR, 14, 0},
    {FOLD_SEPARATOR, 15, 0}, {FOLD_SEPARATOR, 16, 0}, {FOLD_SEPARATOR, 17, 0},
    {FOLD_SEPARATOR, 18, 0}, {FOLD_SEPARATOR, 19, 0}, {FOLD_SEPARATOR, 20, 0},
    {FOLD_SEPARATOR, 21, 0}, {FOLD_SEPARATOR, 22, 0}, {FOLD_SEPARATOR, 23, 0},
    {FOLD_SEPARATOR, 24, 0}, {FOLD_SEPARATOR, 25, 0}, {FOLD_SEPARATOR, 26, 0},
    {FOLD_SEPARATOR, 27, 0}, {FOLD_SEPARATOR, 28, 0}, {FOLD_SEPARATOR, 29, 0},
    {FOLD_SEPARATOR, 30, 0}, {FOLD_SEPARATOR, 31, 0}, {FOLD_SEPARATOR, 32, 0},
    {FOLD_SEPARATOR, 33, 0}, {FOLD_SEPARATOR, 34, 0}, {FOLD_SEPARATOR, 35, 0},
    {FOLD_SEPARATOR, 36, 0}, {FOLD_SEPARATOR, 37, 0}, {FOLD_SEPARATOR, 38, 0},
    {FOLD_APOSTROPHE, 39, 0}, {FOLD_SEPARATOR, 40, 0}, {FOLD_SEPARATOR, 41, 0},
    {FOLD_SEPARATOR, 42, 0}, {FOLD_SEPARATOR, 43, 0}, {FOLD_SEPARATOR, 44, 0},
    {FOLD_SEPARATOR, 45, 0}, {FOLD_SEPARATOR, 46, 0}, {FOLD_SEPARATOR, 47, 0},
    {FOLD_DIGIT, '0', 0}, {FOLD_DIGIT, '1', 0}, {FOLD_DIGIT, '2', 0},
    {FOLD_DIGIT, '3', 0}, {FOLD_DIGIT, '4', 0}, {FOLD_DIGIT, '5', 0},
    {FOLD_DIGIT, '6', 0}, {FOLD_DIGIT, '7', 0}, {FOLD_DIGIT, '8', 0},
    {FOLD_DIGIT, '9', 0}, {FOLD_SEPARATOR, 58, 0}, {FOLD_SEPARATOR, 59, 0},
    {FOLD_SEPARATOR, 60, 0}, {FOLD_SEPARATOR, 61, 0}, {FOLD_SEPARATOR, 62, 0},
    {FOLD_SEPARATOR, 63, 0}, {FOLD_SEPARATOR, 64, 0}, {FOLD_LETTER, 'a', 1},
    {FOLD_LETTER, 'b', 1}, {FOLD_LETTER, 'c', 1}, {FOLD_LETTER, 'd', 1},
    {FOLD_LETTER, 'e', 1}, {FOLD_LETTER, 'f', 1}, {FOLD_LETTER, 'g', 1},
    {FOLD_LETTER, 'h', 1}, {FOLD_LETTER, 'i', 1}, {FOLD_LETTER, 'j', 1},
    {FOLD_LETTER, 'k', 1}, {FOLD_LETTER, 'l', 1}, {FOLD_LETTER, 'm', 1},
    {FOLD_LETTER, 'n', 1}, {FOLD_LETTER, 'o', 1}, {FOLD_LETTER, 'p', 1},
    {FOLD_LETTER, 'q', 1}, {FOLD_LETTER, 'r', 1}, {FOLD_LETTER, 's', 1},
    {FOLD_LETTER, 't', 1}, {FOLD_LETTER, 'u', 1}, {FOLD_LETTER, 'v', 1},
    {FOLD_LETTER, 'w', 1}, {FOLD_LETTER, 'x', 1}, {FOLD_LETTER, 'y', 1},
    {FOLD_LETTER, 'z', 1}, {FOLD_SEPARATOR, 91, 0}, {FOLD_SEPARATOR, 92, 0},
    {FOLD_SEPARATOR, 93, 0}, {FOLD_SEPARATOR, 94, 0}, {FOLD_SEPARATOR, 95, 0},
    {FOLD_APOSTROPHE, 96, 0}, {FOLD_LETTER, 'a', 0}, {FOLD_LETTER, 'b', 0},
    {FOLD_LETTER, 'c', 0}, {FOLD_LETTER, 'd', 0}, {FOLD_LETTER, 'e', 0},
    {FOLD_LETTER, 'f', 0}, {FOLD_LETTER, 'g', 0}, {FOLD_LETTER, 'h', 0},
    {FOLD_LETTER, 'i', 0}, {FOLD_LETTER, 'j', 0}, {FOLD_LETTER, 'k', 0},
    {FOLD_LETTER, 'l', 0}, {FOLD_LETTER, 'm', 0}, {FOLD_LETTER, 'n', 0},
    {FOLD_LETTER, 'o', 0}, {FOLD_LETTER, 'p', 0}, {FOLD_LETTER, 'q', 0},
    {FOLD_LETTER, 'r', 0}, {FOLD_LETTER, 's', 0}, {FOLD_LETTER, 't', 0},
    {FOLD_LETTER, 'u', 0}, {FOLD_LETTER, 'v', 0}, {FOLD_LETTER, 'w', 0},
    {FOLD_LETTER, 'x', 0}, {FOLD_LETTER, 'y', 0}, {FOLD_LETTER, 'z', 0},
    {FOLD_SEPARATOR, 123, 0}, {FOLD_SEPARATOR, 124, 0}, {FOLD_SEPARATOR, 125, 0},
    {FOLD_SEPARATOR, 126, 0}, {FOLD_SEPARATOR, 127, 0},
};

struct fold fold_code_point_slow(uint32_t cp)
{
    struct fold none = {FOLD_SEPARATOR, cp, 0};
    if (cp < 0x80)
        return fold_ascii[cp];
    if (in(cp, 0xC0, 0xFF) && latin1[cp - 0xC0] != '.')
        return letter(latin1[cp - 0xC0]);
    if (in(cp, 0x100, 0x17F))
        return letter(latin_ext_a[cp - 0x100]);
    if (in(cp, 0x2018, 0x2019) || cp == 0x02BC)
        return (struct fold){FOLD_APOSTROPHE, cp, 0};
    /* Mathematical alphanumerics: 13 styles of 52 letters (A-Z then a-z), holes included. */
    if (in(cp, 0x1D400, 0x1D6A3)) {
        uint32_t at = (cp - 0x1D400) % 52;
        return at < 26 ? letter((char)('A' + at)) : letter((char)('a' + at - 26));
    }
    if (in(cp, 0x1D7CE, 0x1D7FF))
        return (struct fold){FOLD_DIGIT, '0' + (cp - 0x1D7CE) % 10, 0};
    if (in(cp, 0xFF10, 0xFF19))
        return (struct fold){FOLD_DIGIT, '0' + (cp - 0xFF10), 0};
    for (unsigned i = 0; i < sizeof(alphabets) / sizeof(alphabets[0]); i++) {
        if (in(cp, alphabets[i].first, alphabets[i].first + 25)) {
            char base = (char)((alphabets[i].upper ? 'A' : 'a') + (cp - alphabets[i].first));
            return letter(base);
        }
    }
    if (is_ignorable(cp))
        return (struct fold){FOLD_IGNORE, cp, 0};
    if (is_emoji(cp))
        return (struct fold){FOLD_EMOJI, cp, 0};
    /* Greek, Cyrillic and other alphabets: letters, lower-cased only where it is a fixed offset. */
    if (in(cp, 0x391, 0x3A9))
        return (struct fold){FOLD_LETTER, cp + 0x20, 1};
    if (in(cp, 0x410, 0x42F))
        return (struct fold){FOLD_LETTER, cp + 0x20, 1};
    if (in(cp, 0x370, 0x3FF) || in(cp, 0x400, 0x52F) || in(cp, 0x5D0, 0x5EA) ||
        in(cp, 0x620, 0x64A) || in(cp, 0x900, 0xDFF) || in(cp, 0xE00, 0xE7F) ||
        in(cp, 0x3040, 0x30FF) || in(cp, 0x4E00, 0x9FFF) || in(cp, 0xAC00, 0xD7A3))
        return (struct fold){FOLD_LETTER, cp, 0};
    return none;
}

_Static_assert(sizeof(latin1) == 64 + 1, "one entry per code point U+00C0..U+00FF");
_Static_assert(sizeof(latin_ext_a) == 128 + 1, "one entry per code point U+0100..U+017F");
