/* The console's files from desk.web_dir: "/" is index.html, any other path the file of that
 * name under web_dir. Only names of [A-Za-z0-9._-] segments, none starting with '.', resolving
 * (symbolic links followed) to a regular file inside web_dir, with a known extension, at most
 * DESK_STATIC_MAX_BYTES; anything else is 404. Content types come from a fixed table. */
#ifndef NETRA_DESK_STATIC_FILES_H
#define NETRA_DESK_STATIC_FILES_H

#include <stddef.h>

#include "desk/desk.h"

#define DESK_STATIC_MAX_BYTES (16L << 20)

/* Fills response (200 with the file, or 404); -1 with err only on an internal failure. web_dir
 * must be a resolved (realpath) folder. */
int desk_static_file(const char *web_dir, const char *path, struct desk_response *response,
                     char *err, size_t err_len);

#endif
