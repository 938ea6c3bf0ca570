/* Finds the @mentions, #hashtags and links in a post's text, with both UTF-8 byte offsets
 * (Bluesky facets) and code point offsets (X entities), so every renderer marks up the same
 * spans. The text must be valid UTF-8 (the world only holds checked text). At most
 * ENTITIES_MAX are reported; the rest of the text stays plain. */
#ifndef NETRA_SIM_ENTITIES_H
#define NETRA_SIM_ENTITIES_H

#include <stddef.h>

#define ENTITIES_MAX 32

enum entity_type { ENTITY_MENTION, ENTITY_HASHTAG, ENTITY_LINK };

struct entity {
    enum entity_type type;
    size_t byte_start, byte_end; /* [start, end) in bytes, including the '@' or '#' */
    size_t cp_start, cp_end;     /* the same span in code points */
};

struct entities {
    struct entity items[ENTITIES_MAX];
    size_t count;
};

void entities_scan(const char *text, struct entities *out);

#endif
