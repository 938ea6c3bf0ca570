/* netra-desk's users and their secrets.
 *
 * A secret (password or bearer token) is kept only as a hash string
 *     pbkdf2-sha256$<iterations>$<salt, base64>$<PBKDF2-HMAC-SHA256 of the secret, base64>
 * with a random 16-byte salt and a 32-byte hash; `netra desk-hash` makes them. Passwords need
 * DESK_PASSWORD_MIN_ITERATIONS. Tokens are 32 random bytes, which no dictionary guesses, so
 * DESK_TOKEN_ITERATIONS is enough for them and keeps each API call fast. Comparisons are
 * constant-time (CRYPTO_memcmp).
 *
 * struct desk_auth is read-only after desk_auth_new() except for its cache of tokens already
 * verified, which has its own lock: any thread may call it. */
#ifndef NETRA_DESK_AUTH_H
#define NETRA_DESK_AUTH_H

#include <stddef.h>

#include "config/config.h"
#include "desk/desk.h"

#define DESK_PASSWORD_MIN_ITERATIONS 100000
#define DESK_PASSWORD_ITERATIONS 200000
#define DESK_TOKEN_ITERATIONS 1000
/* Longest password or token read from a request. */
#define DESK_SECRET_MAX_LEN 1024
/* Room for a hash string. */
#define DESK_HASH_LEN 128

/* "reviewer" | "supervisor" | "feed" -> 0 and *role; else -1. */
int desk_role_parse(const char *name, enum desk_role *role);
const char *desk_role_name(enum desk_role role);

/* A hash string of secret (len bytes) with a fresh random salt. */
int desk_hash_secret(const char *secret, size_t len, int iterations, char *out, size_t out_len,
                     char *err, size_t err_len);
/* 1 when secret matches hash, 0 when it does not, -1 with err when hash is malformed or has
 * fewer than min_iterations. */
int desk_hash_verify(const char *hash, const char *secret, size_t len, int min_iterations,
                     char *err, size_t err_len);

struct desk_auth;

/* The users of config->desk.users; -1 with err naming the user whose hash is malformed. */
int desk_auth_new(const struct netra_config *config, struct desk_auth **out, char *err,
                  size_t err_len);
void desk_auth_free(struct desk_auth *auth);

/* The user a name denotes, or NULL. */
const struct desk_user *desk_auth_user(const struct desk_auth *auth, const char *name);
/* The user whose password this is, or NULL (unknown user, no password, wrong password). The
 * time taken does not tell an unknown name from a wrong password. */
const struct desk_user *desk_auth_password(struct desk_auth *auth, const char *name,
                                           const char *password);
/* The user whose bearer token this is, or NULL. */
const struct desk_user *desk_auth_token(struct desk_auth *auth, const char *token);

#endif
