#include "worker/strmap.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: short keys, no adversarial flooding concern because keys come from rulesets and the
 * map is only probed (never grown) with post text. */
static uint32_t hash_bytes(const char *key, size_t len)
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
    strmap_init(map);
}

static struct strmap_entry *find_slot(const struct strmap *map, const char *key, size_t len,
                                      uint32_t hash)
{
    size_t mask = map->capacity - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        struct strmap_entry *slot = &map->slots[i];
        if (slot->key == NULL)
            return slot;
        if (slot->hash == hash && slot->len == len && memcmp(slot->key, key, len) == 0)
            return slot;
    }
}

static int grow(struct strmap *map)
{
    size_t capacity = map->capacity ? map->capacity * 2 : 64;
    struct strmap_entry *slots = calloc(capacity, sizeof(*slots));
    if (slots == NULL)
        return -1;
    struct strmap old = *map;
    map->slots = slots;
    map->capacity = capacity;
    for (size_t i = 0; i < old.capacity; i++)
        if (old.slots[i].key != NULL)
            *find_slot(map, old.slots[i].key, old.slots[i].len, old.slots[i].hash) = old.slots[i];
    free(old.slots);
    return 0;
}

int strmap_put(struct strmap *map, const char *key, size_t len, uint32_t value)
{
    if (len > UINT32_MAX || map->count >= STRMAP_MAX_ENTRIES)
        return -1;
    if ((map->count + 1) * 4 > map->capacity * 3 && grow(map) != 0)
        return -1;
    uint32_t hash = hash_bytes(key, len);
    struct strmap_entry *slot = find_slot(map, key, len, hash);
    if (slot->key == NULL) {
        char *copy = malloc(len + 1);
        if (copy == NULL)
            return -1;
        memcpy(copy, key, len);
        copy[len] = '\0';
        slot->key = copy;
        slot->len = (uint32_t)len;
        slot->hash = hash;
        map->count++;
    }
    slot->value = value;
    return 0;
}

static const struct strmap_entry *lookup(const struct strmap *map, const char *key, size_t len)
{
    if (map->capacity == 0 || len > UINT32_MAX)
        return NULL;
    const struct strmap_entry *slot = find_slot(map, key, len, hash_bytes(key, len));
    return slot->key != NULL ? slot : NULL;
}

int strmap_get(const struct strmap *map, const char *key, size_t len, uint32_t *value)
{
    const struct strmap_entry *entry = lookup(map, key, len);
    if (entry == NULL)
        return 0;
    if (value != NULL)
        *value = entry->value;
    return 1;
}

const char *strmap_key(const struct strmap *map, const char *key, size_t len)
{
    const struct strmap_entry *entry = lookup(map, key, len);
    return entry != NULL ? entry->key : NULL;
}
