/* netra watchlist: import, list and remove the watched accounts in Redis. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/commands.h"
#include "config/config.h"
#include "config/log.h"
#include "config/watchlist.h"
#include "queue/accounts.h"
#include "queue/shards.h"

static const char usage_text[] =
    "usage: netra watchlist import FILE\n"
    "       netra watchlist list [--json]\n"
    "       netra watchlist remove ID\n\n"
    "import   reads a CSV or JSON watchlist; each bad row is reported as\n"
    "         \"FILE: line N: reason\" and skipped, the good rows are added or updated (crawl\n"
    "         state and schedule of existing accounts are kept; new accounts are due at once).\n"
    "         Exit 1 if any row was bad.\n"
    "list     every account with its platform, handle and crawl status (--json: one array)\n"
    "remove   stops watching an account and deletes its state\n";

struct session {
    struct netra_config *config;
    struct shards *shards;
};

static int session_open(struct session *s, char *err, size_t err_len)
{
    memset(s, 0, sizeof(*s));
    if (config_load(NULL, &s->config, err, err_len) != 0)
        return -1;
    if (shards_open(s->config, &s->shards, err, err_len) != 0) {
        config_free(s->config);
        s->config = NULL;
        return -1;
    }
    return 0;
}

static void session_close(struct session *s)
{
    shards_close(s->shards);
    config_free(s->config);
}

static char *read_file(const char *path, size_t *len, char *err, size_t err_len)
{
    FILE *file = fopen(path, "rb");
    char *data = NULL;
    size_t used = 0, capacity = 0;
    if (file == NULL) {
        error_set(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (used == capacity) {
            if (capacity >= (size_t)WATCHLIST_MAX_FILE_BYTES) {
                error_set(err, err_len, "%s: larger than %ld bytes", path,
                          WATCHLIST_MAX_FILE_BYTES);
                goto fail;
            }
            capacity = capacity ? capacity * 2 : 65536;
            char *grown = realloc(data, capacity + 1);
            if (grown == NULL) {
                error_set(err, err_len, "%s: out of memory", path);
                goto fail;
            }
            data = grown;
        }
        size_t n = fread(data + used, 1, capacity - used, file);
        used += n;
        if (n == 0)
            break;
    }
    if (ferror(file)) {
        error_set(err, err_len, "cannot read %s: %s", path, strerror(errno));
        goto fail;
    }
    fclose(file);
    if (data == NULL && (data = malloc(1)) == NULL) {
        error_set(err, err_len, "%s: out of memory", path);
        return NULL;
    }
    data[used] = '\0';
    *len = used;
    return data;

fail:
    fclose(file);
    free(data);
    return NULL;
}

static int watchlist_import(const char *path)
{
    char err[NETRA_ERR_LEN];
    struct watchlist list;
    struct session s;
    size_t len = 0, created = 0, updated = 0, failed = 0;
    char *data = read_file(path, &len, err, sizeof(err));
    int rc = 1;
    memset(&list, 0, sizeof(list));
    if (data == NULL) {
        fprintf(stderr, "netra watchlist import: %s\n", err);
        return 1;
    }
    if (watchlist_parse(data, len, &list, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra watchlist import: %s: %s\n", path, err);
        free(data);
        return 1;
    }
    free(data);
    for (size_t i = 0; i < list.error_count; i++)
        fprintf(stderr, "%s: %s\n", path, list.errors[i].message);
    if (list.bad_rows > list.error_count)
        fprintf(stderr, "%s: %zu more bad rows not shown\n", path,
                list.bad_rows - list.error_count);
    if (session_open(&s, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra watchlist import: %s\n", err);
        goto cleanup;
    }
    for (size_t i = 0; i < list.count; i++) {
        const struct watchlist_entry *entry = &list.entries[i];
        int is_new = 0;
        if (accounts_upsert(shards_for_account(s.shards, entry->id), s.config, entry, &is_new,
                            err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: line %zu: %s: %s\n", path, entry->line, entry->id, err);
            failed++;
            continue;
        }
        if (is_new)
            created++;
        else
            updated++;
    }
    printf("imported %zu accounts (%zu new, %zu updated), %zu bad rows\n", created + updated,
           created, updated, list.bad_rows);
    if (failed > 0)
        fprintf(stderr, "netra watchlist import: %zu accounts could not be written\n", failed);
    rc = list.bad_rows > 0 || failed > 0 ? 1 : 0;
    session_close(&s);

cleanup:
    watchlist_free(&list);
    return rc;
}

static cJSON *account_json(const struct account *a)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    const struct {
        const char *name;
        const char *value;
    } strings[] = {
        {"id", a->id},           {"platform", a->platform},   {"handle", a->handle},
        {"native_id", a->native_id}, {"name", a->name},       {"nip", a->nip},
        {"agency", a->agency},   {"region", a->region},       {"status", a->status},
        {"cursor", a->cursor},   {"last_error", a->last_error},
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        if (cJSON_AddStringToObject(o, strings[i].name, strings[i].value) == NULL)
            goto fail;
    if (cJSON_AddNumberToObject(o, "interval_s", a->interval_s) == NULL ||
        cJSON_AddNumberToObject(o, "last_fetch_ms", (double)a->last_fetch_ms) == NULL ||
        cJSON_AddNumberToObject(o, "last_ok_ms", (double)a->last_ok_ms) == NULL ||
        cJSON_AddNumberToObject(o, "error_count", (double)a->error_count) == NULL)
        goto fail;
    return o;

fail:
    cJSON_Delete(o);
    return NULL;
}

static int watchlist_list(int json)
{
    char err[NETRA_ERR_LEN];
    struct session s;
    cJSON *array = NULL;
    int rc = 1;
    if (session_open(&s, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra watchlist list: %s\n", err);
        return 1;
    }
    if (json && (array = cJSON_CreateArray()) == NULL) {
        fprintf(stderr, "netra watchlist list: out of memory\n");
        goto cleanup;
    }
    for (int shard = 0; shard < shards_count(s.shards); shard++) {
        struct account **accounts;
        size_t count;
        if (accounts_list(shards_get(s.shards, shard), s.config, shard, &accounts, &count, err,
                          sizeof(err)) != 0) {
            fprintf(stderr, "netra watchlist list: %s\n", err);
            goto cleanup;
        }
        for (size_t i = 0; i < count; i++) {
            const struct account *a = accounts[i];
            if (!json) {
                printf("%-24s %-9s %-40s %s%s%s\n", a->id, a->platform, a->handle, a->status,
                       a->last_error[0] ? " " : "", a->last_error);
                continue;
            }
            cJSON *item = account_json(a);
            if (item == NULL || !cJSON_AddItemToArray(array, item)) {
                cJSON_Delete(item);
                accounts_list_free(accounts, count);
                fprintf(stderr, "netra watchlist list: out of memory\n");
                goto cleanup;
            }
        }
        accounts_list_free(accounts, count);
    }
    if (json) {
        char *text = cJSON_Print(array);
        if (text == NULL) {
            fprintf(stderr, "netra watchlist list: out of memory\n");
            goto cleanup;
        }
        printf("%s\n", text);
        free(text);
    }
    rc = 0;

cleanup:
    cJSON_Delete(array);
    session_close(&s);
    return rc;
}

static int watchlist_remove(const char *id)
{
    char err[NETRA_ERR_LEN];
    struct session s;
    int removed = 0, rc = 1;
    if (session_open(&s, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra watchlist remove: %s\n", err);
        return 1;
    }
    if (accounts_remove(shards_for_account(s.shards, id), s.config, id, &removed, err,
                        sizeof(err)) != 0) {
        fprintf(stderr, "netra watchlist remove: %s\n", err);
    } else if (!removed) {
        fprintf(stderr, "netra watchlist remove: no account \"%s\"\n", id);
    } else {
        printf("removed %s\n", id);
        rc = 0;
    }
    session_close(&s);
    return rc;
}

static int is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int cmd_watchlist(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    const char *sub = argv[1];
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_text, stdout);
            return 0;
        }
    }
    if (strcmp(sub, "import") == 0 && argc == 3)
        return watchlist_import(argv[2]);
    if (strcmp(sub, "list") == 0 && argc == 2)
        return watchlist_list(0);
    if (strcmp(sub, "list") == 0 && argc == 3 && strcmp(argv[2], "--json") == 0)
        return watchlist_list(1);
    if (strcmp(sub, "remove") == 0 && argc == 3)
        return watchlist_remove(argv[2]);
    fprintf(stderr, "netra watchlist: bad arguments\n\n%s", usage_text);
    return 2;
}
