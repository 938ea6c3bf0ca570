/* Slowing down password and token guessing, per remote address, in this process's memory.
 *
 * After DESK_THROTTLE_FREE_FAILURES failures from one address, none of them more than
 * DESK_THROTTLE_WINDOW_MS after the one before, the address must wait before its next attempt:
 * 1 s after the 5th failure, doubling with each further one up to DESK_THROTTLE_MAX_WAIT_S. A
 * success, or a window without failures, forgets the address.
 * The table has a fixed size: when it is full, the address not heard from for longest is
 * forgotten, so memory stays bounded whatever the number of addresses. Thread-safe. */
#ifndef NETRA_DESK_THROTTLE_H
#define NETRA_DESK_THROTTLE_H

#define DESK_THROTTLE_FREE_FAILURES 5
#define DESK_THROTTLE_WINDOW_MS (10LL * 60 * 1000)
#define DESK_THROTTLE_MAX_WAIT_S 900
#define DESK_THROTTLE_ADDRESSES 4096

struct desk_throttle;

struct desk_throttle *desk_throttle_new(void);
void desk_throttle_free(struct desk_throttle *throttle);

/* 0 when address may try now, else the seconds it must still wait (for Retry-After). */
long desk_throttle_wait_s(struct desk_throttle *throttle, const char *address, long long now_ms);
void desk_throttle_failure(struct desk_throttle *throttle, const char *address, long long now_ms);
void desk_throttle_success(struct desk_throttle *throttle, const char *address);

#endif
