#include "queue/redis_conn.h"

#include <stdlib.h>

int redis_backoff_ms(int attempt, int min_ms, int max_ms)
{
    if (min_ms < 1)
        min_ms = 1;
    if (max_ms < min_ms)
        max_ms = min_ms;
    long long delay = min_ms;
    for (int i = 0; i < attempt && delay < max_ms; i++)
        delay *= 2;
    if (delay > max_ms)
        delay = max_ms;
    long long half = delay / 2;
    return (int)(delay - half + (half > 0 ? random() % (half + 1) : 0));
}

int redis_handshake(const struct redis_url *url, struct redis_args cmds[2])
{
    int n = 0;
    if (url->password[0] != '\0') {
        redis_args_add_str(&cmds[n], "AUTH");
        if (url->user[0] != '\0')
            redis_args_add_str(&cmds[n], url->user);
        redis_args_add_str(&cmds[n], url->password);
        n++;
    }
    if (url->db != 0) {
        redis_args_add_str(&cmds[n], "SELECT");
        redis_args_add_long(&cmds[n], url->db);
        n++;
    }
    return n;
}
