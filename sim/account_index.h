/* Accounts by name: an open-addressing hash table from (platform, name) to an account's index in
 * the world, so a request finds its account in constant time however large the world is.
 *
 * Names are borrowed: they point into the world's accounts, which outlive the index. An index
 * made with fold_case matches names whatever their ASCII case (usernames on Mastodon, Bluesky and
 * X). The table is sized once for the number of names it will hold and never grows. */
#ifndef NETRA_SIM_ACCOUNT_INDEX_H
#define NETRA_SIM_ACCOUNT_INDEX_H

#include <stddef.h>
#include <stdint.h>

/* Names longer than this are never indexed, so a longer lookup is simply not found. */
#define ACCOUNT_INDEX_MAX_NAME 127

struct account_index_entry {
    const char *name; /* NULL: empty slot */
    size_t account;
    int platform;
};

struct account_index {
    struct account_index_entry *entries;
    size_t mask;
    size_t count;
    size_t capacity; /* names it may hold */
    int fold_case;
};

/* Room for `capacity` names. -1 on allocation failure. */
int account_index_init(struct account_index *index, size_t capacity, int fold_case);
void account_index_free(struct account_index *index);
/* The account named `name` on `platform`, or SIZE_MAX. */
size_t account_index_find(const struct account_index *index, int platform, const char *name);
/* Adds a name not yet in the index. -1 when it is full or the name is too long. */
int account_index_add(struct account_index *index, int platform, const char *name, size_t account);

#endif
