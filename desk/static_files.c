#include "desk/static_files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/log.h"

static const struct {
    const char *extension;
    const char *content_type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *content_type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot == NULL || strchr(dot, '/') != NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
        if (strcmp(dot, content_types[i].extension) == 0)
            return content_types[i].content_type;
    return NULL;
}

/* "/a/b.js": segments of safe characters, none empty or starting with a dot (so no "..", no
 * hidden files). */
static int safe_path(const char *path)
{
    if (path[0] != '/' || strlen(path) > 1024)
        return 0;
    for (const char *segment = path + 1; *segment != '\0';) {
        size_t len = strspn(segment, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789._-");
        if (len == 0 || segment[0] == '.')
            return 0;
        if (segment[len] == '\0')
            return 1;
        if (segment[len] != '/')
            return 0;
        segment += len + 1;
    }
    return 0;
}

static int not_found(struct desk_response *response)
{
    return desk_error(response, 404, "not found");
}

int desk_static_file(const char *web_dir, const char *path, struct desk_response *response,
                     char *err, size_t err_len)
{
    char joined[PATH_MAX], resolved[PATH_MAX];
    char *body = NULL;
    int fd = -1, rc = -1;
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    const char *content_type = content_type_of(path);
    if (!safe_path(path) || content_type == NULL)
        return not_found(response);
    int n = snprintf(joined, sizeof(joined), "%s%s", web_dir, path);
    if (n < 0 || (size_t)n >= sizeof(joined))
        return not_found(response);
    /* A symbolic link inside web_dir must not lead out of it. */
    size_t dir_len = strlen(web_dir);
    if (realpath(joined, resolved) == NULL || strncmp(resolved, web_dir, dir_len) != 0 ||
        resolved[dir_len] != '/')
        return not_found(response);
    fd = open(resolved, O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
        info.st_size > DESK_STATIC_MAX_BYTES) {
        rc = not_found(response);
        goto cleanup;
    }
    size_t size = (size_t)info.st_size, used = 0;
    if ((body = malloc(size + 1)) == NULL) {
        error_set(err, err_len, "%s: out of memory", resolved);
        goto cleanup;
    }
    while (used < size) {
        ssize_t got = read(fd, body + used, size - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            error_set(err, err_len, "%s: cannot read: %s", resolved,
                      got < 0 ? strerror(errno) : "file shrank");
            goto cleanup;
        }
        used += (size_t)got;
    }
    response->status = 200;
    response->body = body;
    response->body_len = size;
    response->content_type = content_type;
    body = NULL;
    rc = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    free(body);
    return rc;
}
