#include "worker/strmap.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: short keys, no adversarial flooding concern because keys come from rulesets and the
 * map is only probed (never grown) with post text. */
uint32_t strmap_hash(const char *key, size_t len)
{
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        hash ^= (unsigned char)key[i];
        hash *= 16777619u;
    }
    return hash;
}

void strmap_init(struct strmap *map)
{
    memset(map, 0, sizeof(*map));
}

void strmap_free(struct strmap *map)
{
    for (size_t i = 0; i < map->capacity; i++)
        free(map->slots[i].key);
    free(map->slots);
    free(map->tags);
    strmap_init(map);
}

static uint32_t tag_of(uint32_t hash)
{
    return hash | 1u;
}

/* Keys are words: a plain loop beats a call to memcmp. */
static int same_bytes(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const struct strmap *map, const char *key, size_t len, uint32_t hash)
{
    size_t mask = map->capacity - 1;
    uint32_t tag = tag_of(hash);
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        if (map->tags[i] == 0)
            return i;
        if (map->tags[i] == tag && map->slots[i].len == len &&
            same_bytes(map->slots[i].key, key, len))
            return i;
    }
}

static int grow(struct strmap *map)
{
    size_t capacity = map->capacity ? map->capacity * 2 : 64;
    struct strmap_entry *slots = calloc(capacity, sizeof(*slots));
    uint32_t *tags = calloc(capacity, sizeof(*tags));
    if (slots == NULL || tags == NULL) {
        free(slots);
        free(tags);
        return -1;
    }
    struct strmap old = *map;
    map->slots = slots;
    map->tags = tags;
    map->capacity = capacity;
    for (size_t i = 0; i < old.capacity; i++) {
        if (old.tags[i] == 0)
            continue;
        size_t at = find_slot(map, old.slots[i].key, old.slots[i].len,
                              strmap_hash(old.slots[i].key, old.slots[i].len));
        map->slots[at] = old.slots[i];
        map->tags[at] = old.tags[i];
    }
    free(old.slots);
    free(old.tags);
    return 0;
}

int strmap_put(struct strmap *map, const char *key, size_t len, uint32_t value)
{
    if (len > UINT32_MAX || map->count >= STRMAP_MAX_ENTRIES)
        return -1;
    /* At most half full: most lookups are misses (post words no table holds), and a miss
     * probes a run of full slots. */
    if ((map->count + 1) * 2 > map->capacity && grow(map) != 0)
        return -1;
    uint32_t hash = strmap_hash(key, len);
    size_t at = find_slot(map, key, len, hash);
    struct strmap_entry *slot = &map->slots[at];
    if (map->tags[at] == 0) {
        char *copy = malloc(len + 1);
        if (copy == NULL)
            return -1;
        memcpy(copy, key, len);
        copy[len] = '\0';
        slot->key = copy;
        slot->len = (uint32_t)len;
        map->tags[at] = tag_of(hash);
        map->count++;
    }
    slot->value = value;
    return 0;
}

static const struct strmap_entry *lookup(const struct strmap *map, const char *key, size_t len,
                                         uint32_t hash)
{
    if (map->capacity == 0 || len > UINT32_MAX)
        return NULL;
    size_t at = find_slot(map, key, len, hash);
    return map->tags[at] != 0 ? &map->slots[at] : NULL;
}

int strmap_get_hashed(const struct strmap *map, const char *key, size_t len, uint32_t hash,
                      uint32_t *value)
{
    const struct strmap_entry *entry = lookup(map, key, len, hash);
    if (entry == NULL)
        return 0;
    if (value != NULL)
        *value = entry->value;
    return 1;
}

int strmap_get(const struct strmap *map, const char *key, size_t len, uint32_t *value)
{
    return strmap_get_hashed(map, key, len, strmap_hash(key, len), value);
}

const char *strmap_key(const struct strmap *map, const char *key, size_t len)
{
    const struct strmap_entry *entry = lookup(map, key, len, strmap_hash(key, len));
    return entry != NULL ? entry->key : NULL;
}
