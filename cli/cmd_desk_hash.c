/* netra desk-hash: the hash string of a password or token for desk.users in netra.jsonc. The
 * secret is read from stdin (never the command line, where ps and shell history would keep it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/commands.h"
#include "config/log.h"
#include "desk/auth.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: netra desk-hash [--token] < secret\n\n"
            "Reads a password (or, with --token, a bearer token) from the first line of stdin\n"
            "and prints the hash string to put in desk.users[].password or .token:\n"
            "pbkdf2-sha256$<iterations>$<salt>$<hash>. Passwords get %d PBKDF2-HMAC-SHA256\n"
            "iterations; tokens, which should be 32 random bytes (e.g. `openssl rand -hex 32`),\n"
            "get %d so that every API call stays fast.\n",
            DESK_PASSWORD_ITERATIONS, DESK_TOKEN_ITERATIONS);
}

int cmd_desk_hash(int argc, char **argv)
{
    int iterations = DESK_PASSWORD_ITERATIONS;
    char secret[DESK_SECRET_MAX_LEN + 2], hash[DESK_HASH_LEN], err[NETRA_ERR_LEN];
    int rc = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--token") == 0) {
            iterations = DESK_TOKEN_ITERATIONS;
            continue;
        }
        fprintf(stderr, "netra desk-hash: unknown argument \"%.60s\"\n", argv[i]);
        usage(stderr);
        return 2;
    }
    if (fgets(secret, sizeof(secret), stdin) == NULL) {
        fprintf(stderr, "netra desk-hash: no secret on stdin\n");
        goto cleanup;
    }
    size_t len = strcspn(secret, "\r\n");
    if (secret[len] == '\0' && len > DESK_SECRET_MAX_LEN) {
        fprintf(stderr, "netra desk-hash: the secret is longer than %d bytes\n",
                DESK_SECRET_MAX_LEN);
        goto cleanup;
    }
    secret[len] = '\0';
    if (len == 0) {
        fprintf(stderr, "netra desk-hash: the secret is empty\n");
        goto cleanup;
    }
    if (desk_hash_secret(secret, len, iterations, hash, sizeof(hash), err, sizeof(err)) != 0) {
        fprintf(stderr, "netra desk-hash: %s\n", err);
        goto cleanup;
    }
    printf("%s\n", hash);
    rc = 0;
cleanup:
    OPENSSL_cleanse(secret, sizeof(secret));
    return rc;
}
