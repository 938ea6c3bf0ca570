#include "desk/auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "config/log.h"

#define HASH_SCHEME "pbkdf2-sha256"
#define SALT_LEN 16
#define DIGEST_LEN 32
#define MAX_ITERATIONS 100000000
/* Tokens verified once are remembered (by their SHA-256) so later calls skip PBKDF2. */
#define TOKEN_CACHE_SIZE 256

struct parsed_hash {
    int iterations;
    unsigned char salt[SALT_LEN];
    unsigned char digest[DIGEST_LEN];
};

struct user_entry {
    struct desk_user user; /* name borrowed from the config */
    int has_password, has_token;
    struct parsed_hash password, token;
};

struct token_cache_entry {
    unsigned char token_sha256[SHA256_DIGEST_LENGTH];
    const struct desk_user *user; /* NULL: empty slot */
};

struct desk_auth {
    struct user_entry *users;
    size_t user_count;
    pthread_mutex_t cache_lock;
    struct token_cache_entry cache[TOKEN_CACHE_SIZE];
    size_t cache_next;
};

int desk_role_parse(const char *name, enum desk_role *role)
{
    if (strcmp(name, "reviewer") == 0)
        *role = DESK_ROLE_REVIEWER;
    else if (strcmp(name, "supervisor") == 0)
        *role = DESK_ROLE_SUPERVISOR;
    else if (strcmp(name, "feed") == 0)
        *role = DESK_ROLE_FEED;
    else
        return -1;
    return 0;
}

const char *desk_role_name(enum desk_role role)
{
    switch (role) {
    case DESK_ROLE_REVIEWER:
        return "reviewer";
    case DESK_ROLE_SUPERVISOR:
        return "supervisor";
    case DESK_ROLE_FEED:
        return "feed";
    }
    return "";
}

static int pbkdf2(const char *secret, size_t len, const unsigned char *salt, int iterations,
                  unsigned char digest[DIGEST_LEN])
{
    return PKCS5_PBKDF2_HMAC(secret, (int)len, salt, SALT_LEN, iterations, EVP_sha256(),
                             DIGEST_LEN, digest) == 1
               ? 0
               : -1;
}

int desk_hash_secret(const char *secret, size_t len, int iterations, char *out, size_t out_len,
                     char *err, size_t err_len)
{
    unsigned char salt[SALT_LEN], digest[DIGEST_LEN];
    /* base64 of 16 and 32 bytes: 24 and 44 characters plus NUL */
    unsigned char salt_b64[32], digest_b64[48];
    if (len > DESK_SECRET_MAX_LEN)
        return error_set(err, err_len, "secret longer than %d bytes", DESK_SECRET_MAX_LEN);
    if (iterations < 1 || iterations > MAX_ITERATIONS)
        return error_set(err, err_len, "iterations must be 1..%d", MAX_ITERATIONS);
    if (RAND_bytes(salt, SALT_LEN) != 1)
        return error_set(err, err_len, "no random bytes for the salt");
    if (pbkdf2(secret, len, salt, iterations, digest) != 0)
        return error_set(err, err_len, "PBKDF2 failed");
    EVP_EncodeBlock(salt_b64, salt, SALT_LEN);
    EVP_EncodeBlock(digest_b64, digest, DIGEST_LEN);
    OPENSSL_cleanse(digest, sizeof(digest));
    int n = snprintf(out, out_len, HASH_SCHEME "$%d$%s$%s", iterations, (char *)salt_b64,
                     (char *)digest_b64);
    if (n < 0 || (size_t)n >= out_len)
        return error_set(err, err_len, "hash string longer than %zu bytes", out_len);
    return 0;
}

/* Decodes base64 text that must hold exactly want bytes. */
static int decode_exact(const char *text, size_t text_len, unsigned char *out, size_t want)
{
    unsigned char buffer[64];
    if (text_len == 0 || text_len % 4 != 0 || text_len / 4 * 3 > sizeof(buffer))
        return -1;
    int decoded = EVP_DecodeBlock(buffer, (const unsigned char *)text, (int)text_len);
    if (decoded < 0)
        return -1;
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    size_t padding = (text[text_len - 1] == '=') + (text[text_len - 2] == '=');
    if ((size_t)decoded - padding != want)
        return -1;
    memcpy(out, buffer, want);
    return 0;
}

static int parse_hash(const char *hash, struct parsed_hash *out, char *err, size_t err_len)
{
    const char *p = hash;
    if (strncmp(p, HASH_SCHEME "$", sizeof(HASH_SCHEME)) != 0)
        return error_set(err, err_len, "not a " HASH_SCHEME " hash");
    p += sizeof(HASH_SCHEME);
    char *end;
    long iterations = strtol(p, &end, 10);
    if (end == p || *end != '$' || iterations < 1 || iterations > MAX_ITERATIONS)
        return error_set(err, err_len, "bad iteration count in the hash");
    const char *salt = end + 1;
    const char *dollar = strchr(salt, '$');
    if (dollar == NULL)
        return error_set(err, err_len, "the hash has no digest part");
    const char *digest = dollar + 1;
    if (decode_exact(salt, (size_t)(dollar - salt), out->salt, SALT_LEN) != 0)
        return error_set(err, err_len, "the salt is not %d bytes of base64", SALT_LEN);
    if (decode_exact(digest, strlen(digest), out->digest, DIGEST_LEN) != 0)
        return error_set(err, err_len, "the digest is not %d bytes of base64", DIGEST_LEN);
    out->iterations = (int)iterations;
    return 0;
}

static int matches(const struct parsed_hash *hash, const char *secret, size_t len)
{
    unsigned char digest[DIGEST_LEN];
    if (len > DESK_SECRET_MAX_LEN || pbkdf2(secret, len, hash->salt, hash->iterations, digest) != 0)
        return 0;
    int equal = CRYPTO_memcmp(digest, hash->digest, DIGEST_LEN) == 0;
    OPENSSL_cleanse(digest, sizeof(digest));
    return equal;
}

int desk_hash_verify(const char *hash, const char *secret, size_t len, int min_iterations,
                     char *err, size_t err_len)
{
    struct parsed_hash parsed;
    if (parse_hash(hash, &parsed, err, err_len) != 0)
        return -1;
    if (parsed.iterations < min_iterations)
        return error_set(err, err_len, "%d iterations, fewer than the %d required",
                         parsed.iterations, min_iterations);
    return matches(&parsed, secret, len);
}

int desk_auth_new(const struct netra_config *config, struct desk_auth **out, char *err,
                  size_t err_len)
{
    struct desk_auth *auth = calloc(1, sizeof(*auth));
    char problem[NETRA_ERR_LEN];
    *out = NULL;
    if (auth == NULL)
        return error_set(err, err_len, "out of memory");
    pthread_mutex_init(&auth->cache_lock, NULL);
    size_t count = config->desk.user_count;
    if (count > 0 && (auth->users = calloc(count, sizeof(*auth->users))) == NULL) {
        error_set(err, err_len, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < count; i++) {
        const struct desk_user_config *user = &config->desk.users[i];
        struct user_entry *entry = &auth->users[i];
        entry->user.name = user->name;
        if (desk_role_parse(user->role, &entry->user.role) != 0) {
            error_set(err, err_len, "desk.users[%zu] (%s): unknown role", i, user->name);
            goto fail;
        }
        if (user->password[0] != '\0') {
            if (parse_hash(user->password, &entry->password, problem, sizeof(problem)) != 0) {
                error_set(err, err_len, "desk.users[%zu] (%s).password: %s", i, user->name,
                          problem);
                goto fail;
            }
            if (entry->password.iterations < DESK_PASSWORD_MIN_ITERATIONS) {
                error_set(err, err_len,
                          "desk.users[%zu] (%s).password: %d iterations, at least %d needed",
                          i, user->name, entry->password.iterations,
                          DESK_PASSWORD_MIN_ITERATIONS);
                goto fail;
            }
            entry->has_password = 1;
        }
        if (user->token[0] != '\0') {
            if (parse_hash(user->token, &entry->token, problem, sizeof(problem)) != 0) {
                error_set(err, err_len, "desk.users[%zu] (%s).token: %s", i, user->name,
                          problem);
                goto fail;
            }
            entry->has_token = 1;
        }
    }
    auth->user_count = count;
    *out = auth;
    return 0;
fail:
    desk_auth_free(auth);
    return -1;
}

void desk_auth_free(struct desk_auth *auth)
{
    if (auth == NULL)
        return;
    pthread_mutex_destroy(&auth->cache_lock);
    OPENSSL_cleanse(auth->cache, sizeof(auth->cache));
    free(auth->users);
    free(auth);
}

const struct desk_user *desk_auth_user(const struct desk_auth *auth, const char *name)
{
    for (size_t i = 0; i < auth->user_count; i++)
        if (strcmp(auth->users[i].user.name, name) == 0)
            return &auth->users[i].user;
    return NULL;
}

const struct desk_user *desk_auth_password(struct desk_auth *auth, const char *name,
                                           const char *password)
{
    struct user_entry *found = NULL;
    for (size_t i = 0; i < auth->user_count; i++)
        if (strcmp(auth->users[i].user.name, name) == 0 && auth->users[i].has_password)
            found = &auth->users[i];
    if (found == NULL) {
        /* As slow as a real check, so the answer time does not reveal which names exist. */
        struct parsed_hash decoy = {.iterations = DESK_PASSWORD_ITERATIONS};
        matches(&decoy, password, strlen(password));
        return NULL;
    }
    return matches(&found->password, password, strlen(password)) ? &found->user : NULL;
}

const struct desk_user *desk_auth_token(struct desk_auth *auth, const char *token)
{
    unsigned char token_sha256[SHA256_DIGEST_LENGTH];
    const struct desk_user *user = NULL;
    size_t len = strlen(token);
    if (len == 0 || len > DESK_SECRET_MAX_LEN)
        return NULL;
    SHA256((const unsigned char *)token, len, token_sha256);
    pthread_mutex_lock(&auth->cache_lock);
    for (size_t i = 0; i < TOKEN_CACHE_SIZE && user == NULL; i++)
        if (auth->cache[i].user != NULL &&
            CRYPTO_memcmp(auth->cache[i].token_sha256, token_sha256, sizeof(token_sha256)) == 0)
            user = auth->cache[i].user;
    pthread_mutex_unlock(&auth->cache_lock);
    if (user != NULL)
        return user;
    for (size_t i = 0; i < auth->user_count && user == NULL; i++)
        if (auth->users[i].has_token && matches(&auth->users[i].token, token, len))
            user = &auth->users[i].user;
    if (user == NULL)
        return NULL;
    pthread_mutex_lock(&auth->cache_lock);
    struct token_cache_entry *slot = &auth->cache[auth->cache_next];
    auth->cache_next = (auth->cache_next + 1) % TOKEN_CACHE_SIZE;
    memcpy(slot->token_sha256, token_sha256, sizeof(token_sha256));
    slot->user = user;
    pthread_mutex_unlock(&auth->cache_lock);
    return user;
}
