/* The watchlist file: who netra watches.
 *
 * CSV (RFC 4180, UTF-8, optional BOM, CRLF or LF; header
 * id,platform,handle,name,nip,agency,region,interval in any column order) or a JSON array of
 * objects with the same fields. Parsing is pure: bytes in, entries and row errors out. A bad row
 * (unknown platform, duplicate id, bad interval, missing id or handle, non-UTF-8 bytes, a field
 * over its size limit) becomes a watchlist_error naming its line and reason, and every other row
 * is still returned. Only a file that cannot be read as a watchlist at all (no header, not
 * CSV/JSON, over the size limit) fails the whole parse.
 *
 * Everything inside a struct watchlist is owned by it and released by watchlist_free(). */
#ifndef NETRA_CONFIG_WATCHLIST_H
#define NETRA_CONFIG_WATCHLIST_H

#include <stddef.h>

#define WATCHLIST_MAX_FILE_BYTES (256L * 1024 * 1024)
#define WATCHLIST_MAX_FIELD_BYTES 1024
/* A file of a million bad rows must not cost a million messages: past this many, bad rows are
 * only counted. */
#define WATCHLIST_MAX_ERRORS 1000

struct watchlist_entry {
    char *id;       /* the watchlist id: [A-Za-z0-9._-]{1,64} */
    char *platform; /* mastodon | bluesky | x | feed | jsonapi */
    char *handle;   /* @user@host, handle.bsky.social, username, feed URL, ... */
    char *name;     /* may be "" */
    char *nip;      /* civil-servant number, may be "" */
    char *agency;   /* may be "" */
    char *region;   /* province, may be "" */
    int interval_s; /* 0 when the row gave none (the schedule default applies) */
    size_t line;    /* where the row starts in the file (1-based; JSON: the object's line) */
};

struct watchlist_error {
    size_t line;
    char *message; /* "line 7: unknown platform \"fb\" (expected mastodon, bluesky, x, feed, jsonapi)" */
};

struct watchlist {
    struct watchlist_entry *entries;
    size_t count;
    struct watchlist_error *errors; /* the first WATCHLIST_MAX_ERRORS bad rows */
    size_t error_count;
    size_t bad_rows; /* every bad row, also those past WATCHLIST_MAX_ERRORS */
};

/* Detects the format from the first non-blank byte ('[' is JSON, anything else CSV). */
int watchlist_parse(const char *data, size_t len, struct watchlist *out, char *err, size_t err_len);
int watchlist_parse_csv(const char *data, size_t len, struct watchlist *out, char *err,
                        size_t err_len);
int watchlist_parse_json(const char *data, size_t len, struct watchlist *out, char *err,
                         size_t err_len);
void watchlist_free(struct watchlist *list);

/* "900", "90s", "15m", "2h", "1d" -> seconds (60 s .. 30 d); -1 when malformed or out of range. */
int watchlist_parse_interval(const char *text);

/* 1 when name is a platform netra has an adapter for. */
int watchlist_platform_known(const char *name);

#endif
