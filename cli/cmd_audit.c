/* netra audit: the audit trail of every shard, merged by time, oldest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli/commands.h"
#include "config/config.h"
#include "config/log.h"
#include "crawler/adapters/post_build.h"
#include "queue/audit.h"
#include "queue/shards.h"

#define DEFAULT_LIMIT 1000
#define MAX_LIMIT 100000

static void usage(FILE *out)
{
    fprintf(out,
            "usage: netra audit [--since DATE] [--limit N] [--json]\n\n"
            "Prints the audit trail (decisions, logins, failed logins, logouts, exports, rescan\n"
            "requests, watchlist changes) of every shard, oldest first: time, who (role), what,\n"
            "subject, from where, details. DATE is YYYY-MM-DD (UTC midnight) or an RFC 3339\n"
            "time; the default is the beginning.\n\n"
            "  --limit N  at most N entries (default %d, at most %d)\n"
            "  --json     a JSON array of {id, shard, at (ms), who, role, action, subject, from,\n"
            "             details}\n",
            DEFAULT_LIMIT, MAX_LIMIT);
}

static int parse_since(const char *text, long long *since_ms, char *err, size_t err_len)
{
    char full[64], rfc3339[32];
    long long since_s;
    if (strlen(text) == 10 && text[4] == '-' && text[7] == '-')
        snprintf(full, sizeof(full), "%sT00:00:00Z", text);
    else
        snprintf(full, sizeof(full), "%.40s", text);
    if (post_build_time(full, rfc3339, &since_s, err, err_len) != 0 || since_s < 0)
        return error_set(err, err_len, "--since \"%.40s\": expected YYYY-MM-DD or an RFC 3339 time",
                         text);
    *since_ms = since_s * 1000;
    return 0;
}

static void format_ms(long long ms, char out[32])
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm utc;
    char whole[24];
    gmtime_r(&seconds, &utc);
    strftime(whole, sizeof(whole), "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(out, 32, "%s.%03lldZ", whole, ms % 1000);
}

/* What users and platforms wrote reaches a terminal only as printable text: control bytes
 * (escape sequences, newlines) are shown as \xNN. */
static void print_text(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7F)
            printf("\\x%02X", *p);
        else
            putchar(*p);
    }
}

static int print_json(const struct audit_record *records, size_t count)
{
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; array != NULL && i < count; i++) {
        const struct audit_record *r = &records[i];
        cJSON *entry = cJSON_CreateObject();
        if (entry == NULL) {
            cJSON_Delete(array);
            array = NULL;
            break;
        }
        cJSON_AddItemToArray(array, entry);
        cJSON_AddStringToObject(entry, "id", r->id);
        cJSON_AddNumberToObject(entry, "shard", r->shard);
        cJSON_AddNumberToObject(entry, "at", (double)r->at);
        cJSON_AddStringToObject(entry, "who", r->who);
        cJSON_AddStringToObject(entry, "role", r->role);
        cJSON_AddStringToObject(entry, "action", r->action);
        cJSON_AddStringToObject(entry, "subject", r->subject);
        cJSON_AddStringToObject(entry, "from", r->from);
        /* details is JSON written by netra; kept as text when it does not parse. */
        cJSON *details = cJSON_Parse(r->details);
        if (details != NULL)
            cJSON_AddItemToObject(entry, "details", details);
        else
            cJSON_AddStringToObject(entry, "details", r->details);
    }
    char *text = array != NULL ? cJSON_Print(array) : NULL;
    cJSON_Delete(array);
    if (text == NULL) {
        fprintf(stderr, "netra audit: out of memory\n");
        return 1;
    }
    printf("%s\n", text);
    free(text);
    return 0;
}

int cmd_audit(int argc, char **argv)
{
    long long since_ms = 0;
    long limit = DEFAULT_LIMIT;
    int json = 0, rc = 1;
    char err[NETRA_ERR_LEN];
    struct netra_config *config = NULL;
    struct shards *shards = NULL;
    struct audit_record *records = NULL;
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
            if (parse_since(argv[++i], &since_ms, err, sizeof(err)) != 0) {
                fprintf(stderr, "netra audit: %s\n", err);
                return 2;
            }
        } else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            char *end;
            limit = strtol(argv[++i], &end, 10);
            if (*end != '\0' || limit < 1 || limit > MAX_LIMIT) {
                fprintf(stderr, "netra audit: --limit must be 1..%d\n", MAX_LIMIT);
                return 2;
            }
        } else {
            fprintf(stderr, "netra audit: unknown argument \"%.60s\"\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (config_load(NULL, &config, err, sizeof(err)) != 0 ||
        shards_open(config, &shards, err, sizeof(err)) != 0 ||
        audit_read(shards, config, since_ms, (size_t)limit, AUDIT_OLDEST_FIRST, &records, &count,
                   err, sizeof(err)) != 0) {
        fprintf(stderr, "netra audit: %s\n", err);
        goto cleanup;
    }
    if (json) {
        rc = print_json(records, count);
        goto cleanup;
    }
    for (size_t i = 0; i < count; i++) {
        const struct audit_record *r = &records[i];
        char when[32];
        format_ms(r->at, when);
        printf("%s  ", when);
        print_text(r->who[0] != '\0' ? r->who : "-");
        printf(" (");
        print_text(r->role[0] != '\0' ? r->role : "-");
        printf(")  ");
        print_text(r->action);
        printf("  ");
        print_text(r->subject[0] != '\0' ? r->subject : "-");
        printf("  from ");
        print_text(r->from[0] != '\0' ? r->from : "-");
        if (strcmp(r->details, "{}") != 0) {
            printf("  ");
            print_text(r->details);
        }
        putchar('\n');
    }
    rc = 0;
cleanup:
    audit_records_free(records, count);
    shards_close(shards);
    config_free(config);
    return rc;
}
