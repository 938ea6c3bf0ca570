#include "sim/account_index.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/rng.h"

int account_index_init(struct account_index *index, size_t capacity, int fold_case)
{
    memset(index, 0, sizeof(*index));
    /* At most half full keeps probe runs short. */
    size_t slots = 16;
    while (slots < capacity * 2)
        slots *= 2;
    index->entries = calloc(slots, sizeof(*index->entries));
    if (index->entries == NULL)
        return -1;
    index->mask = slots - 1;
    index->capacity = capacity;
    index->fold_case = fold_case;
    return 0;
}

void account_index_free(struct account_index *index)
{
    free(index->entries);
    memset(index, 0, sizeof(*index));
}

/* The slot to start probing at; -1 (as SIZE_MAX) when the name is too long to be indexed. */
static size_t home_slot(const struct account_index *index, int platform, const char *name)
{
    char key[ACCOUNT_INDEX_MAX_NAME + 1];
    size_t len = strnlen(name, sizeof(key));
    if (len == sizeof(key))
        return SIZE_MAX;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        key[i] = index->fold_case && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    return (size_t)sim_hash_bytes(key, len, (uint64_t)platform) & index->mask;
}

static int same_name(const struct account_index *index, const char *a, const char *b)
{
    return index->fold_case ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

size_t account_index_find(const struct account_index *index, int platform, const char *name)
{
    size_t slot = home_slot(index, platform, name);
    if (slot == SIZE_MAX)
        return SIZE_MAX;
    for (;; slot = (slot + 1) & index->mask) {
        const struct account_index_entry *e = &index->entries[slot];
        if (e->name == NULL)
            return SIZE_MAX;
        if (e->platform == platform && same_name(index, e->name, name))
            return e->account;
    }
}

int account_index_add(struct account_index *index, int platform, const char *name, size_t account)
{
    size_t slot = home_slot(index, platform, name);
    if (slot == SIZE_MAX || index->count == index->capacity)
        return -1;
    while (index->entries[slot].name != NULL)
        slot = (slot + 1) & index->mask;
    index->entries[slot] = (struct account_index_entry){name, account, platform};
    index->count++;
    return 0;
}
