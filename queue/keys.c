#include "queue/keys.h"

#include <stdio.h>
#include <string.h>

#include "config/log.h"

uint32_t keys_fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        hash ^= p[i];
        hash *= 16777619u;
    }
    return hash;
}

int keys_shard(const char *account_id, int shards)
{
    if (shards <= 1)
        return 0;
    return (int)(keys_fnv1a(account_id, strlen(account_id)) % (uint32_t)shards);
}

int keys_shard_check(int shard, int shards, char *err, size_t err_len)
{
    if (shard < 0 || shard >= (shards < 1 ? 1 : shards))
        return error_set(err, err_len, "shard %d out of range (%d shards)", shard, shards);
    return 0;
}

/* <prefix>{s<shard>}:<name>[:<suffix>], or <prefix><name>[:<suffix>] for shard < 0. */
static int key_format(char *out, size_t out_len, const char *prefix, int shard, const char *name,
                      const char *suffix, char *err, size_t err_len)
{
    if (suffix != NULL && suffix[0] == '\0')
        return error_set(err, err_len, "key %s: empty id", name);
    char tag[24] = "";
    if (shard >= 0)
        snprintf(tag, sizeof(tag), "{s%d}:", shard);
    int n = snprintf(out, out_len, "%s%s%s%s%s", prefix, tag, name, suffix ? ":" : "",
                     suffix ? suffix : "");
    if (n < 0 || (size_t)n >= out_len || (size_t)n >= KEYS_MAX_LEN)
        return error_set(err, err_len, "key %s: name longer than %d bytes", name,
                         KEYS_MAX_LEN - 1);
    return 0;
}

int keys_posts(char *out, size_t out_len, const char *prefix, int shard, char *err,
               size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "posts", NULL, err, err_len);
}

int keys_posts_dead(char *out, size_t out_len, const char *prefix, int shard, char *err,
                    size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "posts:dead", NULL, err, err_len);
}

int keys_sched(char *out, size_t out_len, const char *prefix, int shard, char *err,
               size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "sched", NULL, err, err_len);
}

int keys_lease(char *out, size_t out_len, const char *prefix, int shard, char *err,
               size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "lease", NULL, err, err_len);
}

int keys_engage(char *out, size_t out_len, const char *prefix, int shard, char *err,
                size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "engage", NULL, err, err_len);
}

int keys_engage_lease(char *out, size_t out_len, const char *prefix, int shard, char *err,
                      size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "engage:lease", NULL, err, err_len);
}

int keys_follows(char *out, size_t out_len, const char *prefix, int shard,
                 const char *account_id, char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "follows", account_id, err, err_len);
}

int keys_seen(char *out, size_t out_len, const char *prefix, int shard, const char *post_id,
              char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "seen", post_id, err, err_len);
}

int keys_acct(char *out, size_t out_len, const char *prefix, int shard, const char *account_id,
              char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "acct", account_id, err, err_len);
}

int keys_proc(char *out, size_t out_len, const char *prefix, const char *name, char *err,
              size_t err_len)
{
    return key_format(out, out_len, prefix, -1, "proc", name, err, err_len);
}

int keys_rescan(char *out, size_t out_len, const char *prefix, int shard, char *err,
                size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "rescan", NULL, err, err_len);
}

int keys_rescan_progress(char *out, size_t out_len, const char *prefix, int shard,
                         const char *rescan_id, char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "rescan", rescan_id, err, err_len);
}

/* A SCAN MATCH pattern for every key starting with `start`: glob characters escaped, then '*'. */
static int glob_prefix(char *out, size_t out_len, const char *start, char *err, size_t err_len)
{
    size_t used = 0;
    for (const char *p = start; *p; p++) {
        int special = strchr("*?[]\\", *p) != NULL;
        if (used + (size_t)special + 2 >= out_len)
            return error_set(err, err_len, "key pattern longer than %zu bytes", out_len - 1);
        if (special)
            out[used++] = '\\';
        out[used++] = *p;
    }
    out[used++] = '*';
    out[used] = '\0';
    return 0;
}

int keys_acct_pattern(char *out, size_t out_len, const char *prefix, int shard, char *err,
                      size_t err_len)
{
    char start[KEYS_MAX_LEN];
    if (key_format(start, sizeof(start), prefix, shard, "acct", NULL, err, err_len) != 0)
        return -1;
    strncat(start, ":", sizeof(start) - strlen(start) - 1);
    return glob_prefix(out, out_len, start, err, err_len);
}

int keys_proc_pattern(char *out, size_t out_len, const char *prefix, char *err, size_t err_len)
{
    char start[KEYS_MAX_LEN];
    if (key_format(start, sizeof(start), prefix, -1, "proc", NULL, err, err_len) != 0)
        return -1;
    strncat(start, ":", sizeof(start) - strlen(start) - 1);
    return glob_prefix(out, out_len, start, err, err_len);
}

/* What follows "<start of name>:" in key. */
static const char *key_suffix(const char *key, const char *prefix, int shard, const char *name)
{
    char start[KEYS_MAX_LEN];
    if (key_format(start, sizeof(start), prefix, shard, name, NULL, NULL, 0) != 0)
        return NULL;
    size_t len = strlen(start);
    if (strncmp(key, start, len) != 0 || key[len] != ':' || key[len + 1] == '\0')
        return NULL;
    return key + len + 1;
}

const char *keys_acct_id(const char *key, const char *prefix, int shard)
{
    return key_suffix(key, prefix, shard, "acct");
}

const char *keys_proc_name(const char *key, const char *prefix)
{
    return key_suffix(key, prefix, -1, "proc");
}

int keys_result(char *out, size_t out_len, const char *prefix, int shard, const char *post_id,
                char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "result", post_id, err, err_len);
}

int keys_case(char *out, size_t out_len, const char *prefix, int shard, const char *case_id,
              char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "case", case_id, err, err_len);
}

int keys_review(char *out, size_t out_len, const char *prefix, int shard, char *err,
                size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "review", NULL, err, err_len);
}

int keys_evidence(char *out, size_t out_len, const char *prefix, int shard, char *err,
                  size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "evidence", NULL, err, err_len);
}

int keys_evidence_head(char *out, size_t out_len, const char *prefix, int shard, char *err,
                       size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "evidence:head", NULL, err, err_len);
}

int keys_alerts(char *out, size_t out_len, const char *prefix, int shard, char *err,
                size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "alerts", NULL, err, err_len);
}

int keys_audit(char *out, size_t out_len, const char *prefix, int shard, char *err,
               size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "audit", NULL, err, err_len);
}

int keys_session(char *out, size_t out_len, const char *prefix, const char *session_hash,
                 char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, -1, "session", session_hash, err, err_len);
}

static int shard_pattern(char *out, size_t out_len, const char *prefix, int shard,
                         const char *name, char *err, size_t err_len)
{
    char start[KEYS_MAX_LEN];
    if (key_format(start, sizeof(start), prefix, shard, name, NULL, err, err_len) != 0)
        return -1;
    strncat(start, ":", sizeof(start) - strlen(start) - 1);
    return glob_prefix(out, out_len, start, err, err_len);
}

int keys_case_pattern(char *out, size_t out_len, const char *prefix, int shard, char *err,
                      size_t err_len)
{
    return shard_pattern(out, out_len, prefix, shard, "case", err, err_len);
}

int keys_result_pattern(char *out, size_t out_len, const char *prefix, int shard, char *err,
                        size_t err_len)
{
    return shard_pattern(out, out_len, prefix, shard, "result", err, err_len);
}

int keys_webhook(char *out, size_t out_len, const char *prefix, int shard, const char *webhook_id,
                 char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "webhook", webhook_id, err, err_len);
}

int keys_webhook_log(char *out, size_t out_len, const char *prefix, int shard,
                     const char *webhook_id, char *err, size_t err_len)
{
    char suffix[KEYS_MAX_LEN];
    if (webhook_id[0] == '\0')
        return error_set(err, err_len, "key webhook: empty id");
    snprintf(suffix, sizeof(suffix), "%s:log", webhook_id);
    return key_format(out, out_len, prefix, shard, "webhook", suffix, err, err_len);
}

int keys_decided(char *out, size_t out_len, const char *prefix, int shard, const char *status,
                 char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "decided", status, err, err_len);
}

int keys_shown(char *out, size_t out_len, const char *prefix, int shard, const char *account_id,
               char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "shown", account_id, err, err_len);
}

int keys_listed(char *out, size_t out_len, const char *prefix, int shard, const char *account_id,
                char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "listed", account_id, err, err_len);
}

int keys_deleted(char *out, size_t out_len, const char *prefix, int shard, const char *post_id,
                 char *err, size_t err_len)
{
    return key_format(out, out_len, prefix, shard, "deleted", post_id, err, err_len);
}
