#include "desk/throttle.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Long enough for any IPv6 address in text. */
#define ADDRESS_LEN 64

struct throttle_entry {
    char address[ADDRESS_LEN]; /* "" = free */
    int failures;              /* since the address was last quiet for a window */
    long long last_ms;
    long long blocked_until_ms;
};

struct desk_throttle {
    pthread_mutex_t lock;
    struct throttle_entry entries[DESK_THROTTLE_ADDRESSES];
};

struct desk_throttle *desk_throttle_new(void)
{
    struct desk_throttle *throttle = calloc(1, sizeof(*throttle));
    if (throttle != NULL)
        pthread_mutex_init(&throttle->lock, NULL);
    return throttle;
}

void desk_throttle_free(struct desk_throttle *throttle)
{
    if (throttle == NULL)
        return;
    pthread_mutex_destroy(&throttle->lock);
    free(throttle);
}

static struct throttle_entry *find(struct desk_throttle *throttle, const char *address)
{
    for (size_t i = 0; i < DESK_THROTTLE_ADDRESSES; i++)
        if (strcmp(throttle->entries[i].address, address) == 0)
            return &throttle->entries[i];
    return NULL;
}

/* An entry whose window is over counts no failures any more. */
static void expire(struct throttle_entry *entry, long long now_ms)
{
    if (entry->address[0] != '\0' && now_ms >= entry->blocked_until_ms &&
        now_ms - entry->last_ms > DESK_THROTTLE_WINDOW_MS)
        memset(entry, 0, sizeof(*entry));
}

long desk_throttle_wait_s(struct desk_throttle *throttle, const char *address, long long now_ms)
{
    long wait_s = 0;
    if (address[0] == '\0')
        return 0;
    pthread_mutex_lock(&throttle->lock);
    struct throttle_entry *entry = find(throttle, address);
    if (entry != NULL) {
        expire(entry, now_ms);
        if (entry->blocked_until_ms > now_ms)
            wait_s = (long)((entry->blocked_until_ms - now_ms + 999) / 1000);
    }
    pthread_mutex_unlock(&throttle->lock);
    return wait_s;
}

void desk_throttle_failure(struct desk_throttle *throttle, const char *address, long long now_ms)
{
    if (address[0] == '\0' || strlen(address) >= ADDRESS_LEN)
        return;
    pthread_mutex_lock(&throttle->lock);
    struct throttle_entry *entry = find(throttle, address);
    if (entry == NULL) {
        struct throttle_entry *oldest = &throttle->entries[0];
        for (size_t i = 0; i < DESK_THROTTLE_ADDRESSES; i++) {
            expire(&throttle->entries[i], now_ms);
            if (throttle->entries[i].address[0] == '\0') {
                oldest = &throttle->entries[i];
                break;
            }
            if (throttle->entries[i].last_ms < oldest->last_ms)
                oldest = &throttle->entries[i];
        }
        entry = oldest;
        memset(entry, 0, sizeof(*entry));
        strcpy(entry->address, address);
    }
    entry->failures++;
    entry->last_ms = now_ms;
    if (entry->failures >= DESK_THROTTLE_FREE_FAILURES) {
        int doublings = entry->failures - DESK_THROTTLE_FREE_FAILURES;
        long wait_s = doublings >= 10 ? DESK_THROTTLE_MAX_WAIT_S : 1L << doublings;
        if (wait_s > DESK_THROTTLE_MAX_WAIT_S)
            wait_s = DESK_THROTTLE_MAX_WAIT_S;
        entry->blocked_until_ms = now_ms + wait_s * 1000;
    }
    pthread_mutex_unlock(&throttle->lock);
}

void desk_throttle_success(struct desk_throttle *throttle, const char *address)
{
    pthread_mutex_lock(&throttle->lock);
    struct throttle_entry *entry = find(throttle, address);
    if (entry != NULL)
        memset(entry, 0, sizeof(*entry));
    pthread_mutex_unlock(&throttle->lock);
}
