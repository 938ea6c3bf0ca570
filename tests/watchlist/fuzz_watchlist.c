/* Any bytes, read as CSV and as JSON: no crash, no leak, and whatever comes out keeps the
 * contract (known platform, valid id, bounded fields, every error names its line). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"
#include "config/watchlist.h"

static void check_field(const char *value)
{
    if (value == NULL || strlen(value) > WATCHLIST_MAX_FIELD_BYTES ||
        !utf8_valid(value, strlen(value), NULL))
        abort();
}

static void check(const struct watchlist *list)
{
    for (size_t i = 0; i < list->count; i++) {
        const struct watchlist_entry *e = &list->entries[i];
        const char *fields[] = {e->id,  e->platform, e->handle, e->name,
                                e->nip, e->agency,   e->region};
        for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
            check_field(fields[f]);
        if (!watchlist_platform_known(e->platform) || e->handle[0] == '\0' || e->id[0] == '\0' ||
            strlen(e->id) > 64 || e->line == 0 || (e->interval_s != 0 && e->interval_s < 60))
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(list->entries[j].id, e->id) == 0)
                abort();
    }
    for (size_t i = 0; i < list->error_count; i++) {
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "line %zu: ", list->errors[i].line);
        if (list->errors[i].line == 0 ||
            strncmp(list->errors[i].message, prefix, strlen(prefix)) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int (*const parsers[])(const char *, size_t, struct watchlist *, char *,
                           size_t) = {watchlist_parse, watchlist_parse_csv, watchlist_parse_json};
    for (size_t p = 0; p < sizeof(parsers) / sizeof(parsers[0]); p++) {
        struct watchlist list;
        char err[NETRA_ERR_LEN];
        if (parsers[p]((const char *)data, size, &list, err, sizeof(err)) == 0)
            check(&list);
        else if (list.count != 0 || list.error_count != 0 || err[0] == '\0')
            abort();
        watchlist_free(&list);
    }
    char text[64];
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    int seconds = watchlist_parse_interval(text);
    if (seconds != -1 && (seconds < 60 || seconds > 30 * 86400))
        abort();
    return 0;
}
