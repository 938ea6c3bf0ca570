#include "config/redis_url.h"

#include <stdio.h>
#include <string.h>

#include "config/log.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decimal digits only, no sign, no leading zeros beyond a lone "0", within [min, max]. */
static int parse_number(const char *s, size_t len, long min, long max, long *out)
{
    if (len == 0 || len > 9 || (len > 1 && s[0] == '0'))
        return -1;
    long value = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]))
            return -1;
        value = value * 10 + (s[i] - '0');
    }
    if (value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

/* Percent-decodes s[0..len) into out; NUL bytes (raw or %00) are refused since AUTH takes C
 * strings, and a truncated value would authenticate as someone else. */
static int percent_decode(const char *s, size_t len, char *out, size_t out_size)
{
    size_t used = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            if (c == '\0')
                return -1;
            i += 2;
        }
        if (used + 1 >= out_size)
            return -1;
        out[used++] = c;
    }
    out[used] = '\0';
    return 0;
}

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' ||
           c == '-' || c == '_';
}

static int parse_host_port(const char *s, size_t len, struct redis_url *out, char *err,
                           size_t err_len)
{
    const char *host = s, *port = NULL;
    size_t host_len, port_len = 0;
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (close == NULL)
            return error_set(err, err_len, "unterminated '[' in the host");
        host = s + 1;
        host_len = (size_t)(close - host);
        for (size_t i = 0; i < host_len; i++)
            if (hex_value(host[i]) < 0 && host[i] != ':' && host[i] != '.')
                return error_set(err, err_len, "bad character in the IPv6 address");
        if (host_len < 2)
            return error_set(err, err_len, "empty IPv6 address");
        const char *after = close + 1;
        size_t rest = len - (size_t)(after - s);
        if (rest > 0) {
            if (after[0] != ':')
                return error_set(err, err_len, "expected ':' after ']'");
            port = after + 1;
            port_len = rest - 1;
        }
    } else {
        const char *colon = memchr(s, ':', len);
        host_len = colon ? (size_t)(colon - s) : len;
        if (colon) {
            port = colon + 1;
            port_len = len - host_len - 1;
        }
        for (size_t i = 0; i < host_len; i++)
            if (!host_char(host[i]))
                return error_set(err, err_len, "bad character in the host");
    }
    if (host_len == 0)
        return error_set(err, err_len, "missing host");
    if (host_len >= sizeof(out->host))
        return error_set(err, err_len, "host longer than %zu bytes",
                         sizeof(out->host) - 1);
    memcpy(out->host, host, host_len);
    out->host[host_len] = '\0';

    out->port = 6379;
    if (port != NULL) {
        long value;
        if (parse_number(port, port_len, 1, 65535, &value) != 0)
            return error_set(err, err_len, "port must be 1..65535");
        out->port = (int)value;
    }
    return 0;
}

static int parse_userinfo(const char *s, size_t len, struct redis_url *out, char *err,
                          size_t err_len)
{
    const char *colon = memchr(s, ':', len);
    if (colon == NULL)
        return error_set(err, err_len,
                         "credentials must be user:password@ or :password@");
    size_t user_len = (size_t)(colon - s);
    if (percent_decode(s, user_len, out->user, sizeof(out->user)) != 0)
        return error_set(err, err_len, "bad or oversized user name");
    if (percent_decode(colon + 1, len - user_len - 1, out->password, sizeof(out->password)) != 0)
        return error_set(err, err_len, "bad or oversized password");
    if (out->password[0] == '\0')
        return error_set(err, err_len, "empty password");
    return 0;
}

static int parse_tcp(const char *s, struct redis_url *out, char *err, size_t err_len)
{
    size_t authority_len = strcspn(s, "/?#");
    const char *rest = s + authority_len;
    if (*rest == '?' || *rest == '#')
        return error_set(err, err_len, "query strings and fragments are not supported");

    /* The last '@' ends the credentials: a password may hold a raw '@', a host never does. */
    const char *at = NULL;
    for (const char *p = s; p < rest; p++)
        if (*p == '@')
            at = p;
    const char *hostport = s;
    if (at != NULL) {
        if (parse_userinfo(s, (size_t)(at - s), out, err, err_len) != 0)
            return -1;
        hostport = at + 1;
    }
    if (parse_host_port(hostport, (size_t)(rest - hostport), out, err, err_len) != 0)
        return -1;

    out->db = 0;
    if (*rest == '/' && rest[1] != '\0') {
        long db;
        if (parse_number(rest + 1, strlen(rest + 1), 0, REDIS_URL_MAX_DB, &db) != 0)
            return error_set(err, err_len, "database must be a number 0..%d",
                             REDIS_URL_MAX_DB);
        out->db = (int)db;
    }
    return 0;
}

static int parse_unix(const char *s, struct redis_url *out, char *err, size_t err_len)
{
    if (s[0] != '/')
        return error_set(err, err_len, "unix:// needs an absolute path (unix:///path)");
    size_t path_len = strcspn(s, "?#");
    if (s[path_len] == '#')
        return error_set(err, err_len, "fragments are not supported");
    if (path_len >= sizeof(out->path))
        return error_set(err, err_len, "socket path longer than %zu bytes",
                         sizeof(out->path) - 1);
    memcpy(out->path, s, path_len);
    out->path[path_len] = '\0';
    out->db = 0;
    const char *query = s + path_len;
    if (*query == '?') {
        long db;
        if (strncmp(query, "?db=", 4) != 0 ||
            parse_number(query + 4, strlen(query + 4), 0, REDIS_URL_MAX_DB, &db) != 0)
            return error_set(err, err_len, "the only unix:// option is ?db=N");
        out->db = (int)db;
    }
    return 0;
}

int redis_url_parse(const char *text, struct redis_url *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (text == NULL || text[0] == '\0')
        return error_set(err, err_len, "empty");
    size_t len = strnlen(text, REDIS_URL_MAX_LEN + 1);
    if (len > REDIS_URL_MAX_LEN)
        return error_set(err, err_len, "longer than %d bytes", REDIS_URL_MAX_LEN);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= ' ' || c >= 0x7f)
            return error_set(err, err_len,
                             "control, space or non-ASCII byte at offset %zu", i);
    }
    int rc;
    if (strncmp(text, "redis://", 8) == 0) {
        out->kind = REDIS_URL_TCP;
        rc = parse_tcp(text + 8, out, err, err_len);
    } else if (strncmp(text, "unix://", 7) == 0) {
        out->kind = REDIS_URL_UNIX;
        rc = parse_unix(text + 7, out, err, err_len);
    } else if (strncmp(text, "rediss://", 9) == 0) {
        rc = error_set(err, err_len, "TLS (rediss://) is not supported");
    } else {
        rc = error_set(err, err_len, "must start with redis:// or unix://");
    }
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* The user name percent-encoded as in a URL, so a name holding ':' or '@' cannot read as a
 * password in the display. */
static void user_encoded(const char *user, char *out, size_t out_len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)user; *p != '\0'; p++) {
        int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL;
        if (used + (plain ? 1 : 3) + 1 > out_len)
            break;
        if (plain) {
            out[used++] = (char)*p;
        } else {
            out[used++] = '%';
            out[used++] = hex[*p >> 4];
            out[used++] = hex[*p & 0xF];
        }
    }
    out[used] = '\0';
}

void redis_url_display(const struct redis_url *url, char *out, size_t out_len)
{
    if (url->kind == REDIS_URL_UNIX) {
        if (url->db)
            snprintf(out, out_len, "unix://%s?db=%d", url->path, url->db);
        else
            snprintf(out, out_len, "unix://%s", url->path);
        return;
    }
    char user[sizeof(url->user) * 3];
    user_encoded(url->user, user, sizeof(user));
    int v6 = strchr(url->host, ':') != NULL;
    snprintf(out, out_len, "redis://%s%s%s%s%s:%d/%d", user, url->user[0] ? "@" : "",
             v6 ? "[" : "", url->host, v6 ? "]" : "", url->port, url->db);
}
