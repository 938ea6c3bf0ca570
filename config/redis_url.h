/* Redis connection URLs, as given in the config (untrusted text).
 *
 *   redis://[[user]:password@]host[:port][/db]   host: name, IPv4 or [IPv6]; port 6379, db 0
 *   unix:///absolute/path[?db=N]
 *
 * user and password may be percent-encoded (%40 for '@'). Anything else — other schemes, query
 * strings, fragments, control or non-ASCII bytes, empty or oversized parts — is refused with a
 * reason that never repeats the password and leaves naming the setting to the caller. A struct
 * redis_url is plain data (no pointers). */
#ifndef NETRA_CONFIG_REDIS_URL_H
#define NETRA_CONFIG_REDIS_URL_H

#include <stddef.h>

#define REDIS_URL_MAX_LEN 2048
#define REDIS_URL_MAX_DB 1000000

enum redis_url_kind { REDIS_URL_TCP, REDIS_URL_UNIX };

struct redis_url {
    enum redis_url_kind kind;
    char host[256];     /* TCP: without the IPv6 brackets */
    int port;           /* TCP */
    char path[108];     /* UNIX: fits sockaddr_un.sun_path */
    char user[129];     /* "" when AUTH takes the password alone */
    char password[513]; /* "" when no AUTH is sent */
    int db;
};

int redis_url_parse(const char *text, struct redis_url *out, char *err, size_t err_len);

/* The URL without the password, for messages: "redis://user@host:6379/0", "unix:///run/r.sock". */
void redis_url_display(const struct redis_url *url, char *out, size_t out_len);

#endif
