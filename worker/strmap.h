/* strmap: a string -> uint32 open-addressing hash map for tables built once and read often
 * (vocabulary, slang, dictionary). Keys are copied into the map; lookups take (bytes, len) so
 * callers can probe with slices of a larger buffer without copying. Not thread-safe for writes;
 * concurrent lookups on a map nobody writes to are safe. */
#ifndef NETRA_WORKER_STRMAP_H
#define NETRA_WORKER_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#define STRMAP_MAX_ENTRIES (1u << 22)

struct strmap_entry {
    char *key;      /* NUL-terminated copy, NULL when the slot is empty */
    uint32_t len;
    uint32_t value;
};

struct strmap {
    struct strmap_entry *slots;
    uint32_t *tags;  /* per slot: its key's hash with the low bit set, 0 when empty; probing
                        reads these few bytes and touches an entry only on a likely hit */
    size_t capacity; /* a power of two, or 0 before the first put */
    size_t count;
};

void strmap_init(struct strmap *map);
void strmap_free(struct strmap *map);

/* Sets key -> value (replacing an existing value). Returns 0, or -1 when out of memory or full. */
int strmap_put(struct strmap *map, const char *key, size_t len, uint32_t value);

/* 1 and *value when key is present, else 0. value may be NULL (membership test). */
int strmap_get(const struct strmap *map, const char *key, size_t len, uint32_t *value);

/* The hash of key in every map: computed once, it probes several maps (or one map later)
 * through strmap_get_hashed without hashing the key again. */
uint32_t strmap_hash(const char *key, size_t len);
int strmap_get_hashed(const struct strmap *map, const char *key, size_t len, uint32_t hash,
                      uint32_t *value);

/* The stored key of an entry equal to key, or NULL: lets tables hand out stable strings. */
const char *strmap_key(const struct strmap *map, const char *key, size_t len);

#endif
