/* netra parse: a raw platform response in, the post messages the crawler would queue out (JSONL),
 * with no network and no Redis: the operator's "why was this post not picked up?". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "config/config.h"
#include "config/log.h"
#include "crawler/adapters/adapter.h"
#include "crawler/platforms.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: netra parse --platform P [--handle H] [--cursor C] [--page PAGE] [--lookup]\n"
            "                   [FILE|-]\n\n"
            "Reads a response body saved from platform P (mastodon, bluesky, x, feed, jsonapi)\n"
            "or from one of its follows and likes listings (mastodon-following, bluesky-follows,\n"
            "bluesky-likes, x-following, x-liked) from FILE or standard input and prints the\n"
            "post, follow or like messages the crawler makes of it, one JSON object a line, as\n"
            "they would be queued (without account and fetched_at).\n"
            "On stderr: how many posts, the next page and new cursor it found, and any item left\n"
            "out as malformed, with the reason. No network, no Redis; the config's\n"
            "platforms.<P> settings apply (jsonapi's pointers).\n\n"
            "  --handle H   the account's handle as the watchlist has it (Mastodon user@instance,\n"
            "               a feed's URL, ...); some platforms need it to read their answers\n"
            "  --cursor C   the account's stored cursor: a crawl stops reading there\n"
            "  --page PAGE  the page the answer belongs to, as the previous parse printed it\n"
            "               (\"next page: ...\"). bluesky-likes reads two answers per batch:\n"
            "               parse the listRecords body first, then the getPosts body with\n"
            "               --page set to the next page that first parse printed\n"
            "  --lookup     read the answer to the account lookup and print the native id\n\n"
            "An answer that cannot be read is reported with where it went wrong; exit 1.\n");
}

/* The whole input, at most max bytes: a larger one is refused, as the crawler refuses it. */
static int read_input(FILE *in, long max, char **out, size_t *len, char *err, size_t err_len)
{
    size_t capacity = 65536, used = 0;
    char *data = malloc(capacity + 1);
    if (data == NULL)
        return error_set(err, err_len, "out of memory");
    for (;;) {
        if (used == capacity) {
            if (capacity > (size_t)max) {
                free(data);
                return error_set(err, err_len,
                                 "larger than %ld bytes (crawler.max_body_bytes): the crawler "
                                 "would abort it too",
                                 max);
            }
            char *grown = realloc(data, capacity * 2 + 1);
            if (grown == NULL) {
                free(data);
                return error_set(err, err_len, "out of memory");
            }
            data = grown;
            capacity *= 2;
        }
        size_t n = fread(data + used, 1, capacity - used, in);
        used += n;
        if (n == 0)
            break;
    }
    if (ferror(in)) {
        free(data);
        return error_set(err, err_len, "read error: %s", strerror(errno));
    }
    if (used > (size_t)max) {
        free(data);
        return error_set(err, err_len,
                         "larger than %ld bytes (crawler.max_body_bytes): the crawler would "
                         "abort it too",
                         max);
    }
    data[used] = '\0';
    *out = data;
    *len = used;
    return 0;
}

/* Prints what one parse gave; 0, or 1 when a post could not be printed. */
static int print_result(const struct adapter_result *result, int lookup)
{
    if (lookup) {
        if (result->gone)
            printf("gone: the platform says the account does not exist\n");
        else
            printf("native id: %s\n", result->native_id != NULL ? result->native_id : "(none)");
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; i < result->count; i++) {
        char *json = post_message_to_json(result->posts[i]);
        if (json == NULL) {
            fprintf(stderr, "netra parse: post %zu: out of memory\n", i + 1);
            rc = 1;
            continue;
        }
        puts(json);
        free(json);
    }
    fprintf(stderr, "%zu posts%s; next page: %s; new cursor: %s\n", result->count,
            result->gone ? " (the platform says the account is gone)" : "",
            result->next_page != NULL ? result->next_page : "none (the last page)",
            result->new_cursor != NULL ? result->new_cursor : "unchanged");
    if (result->skipped > 0)
        fprintf(stderr, "%zu malformed items left out, the first: %s\n", result->skipped,
                result->first_skip_reason != NULL ? result->first_skip_reason : "?");
    return rc;
}

int cmd_parse(int argc, char **argv)
{
    const char *platform = NULL, *handle = "", *cursor = "", *page = NULL, *path = "-";
    int lookup = 0, have_path = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(arg, "--platform") == 0 && i + 1 < argc) {
            platform = argv[++i];
        } else if (strcmp(arg, "--handle") == 0 && i + 1 < argc) {
            handle = argv[++i];
        } else if (strcmp(arg, "--cursor") == 0 && i + 1 < argc) {
            cursor = argv[++i];
        } else if (strcmp(arg, "--page") == 0 && i + 1 < argc) {
            page = argv[++i];
        } else if (strcmp(arg, "--lookup") == 0) {
            lookup = 1;
        } else if ((arg[0] != '-' || strcmp(arg, "-") == 0) && !have_path) {
            path = arg;
            have_path = 1;
        } else {
            fprintf(stderr, "netra parse: unexpected argument \"%s\"\n\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (platform == NULL) {
        fprintf(stderr, "netra parse: --platform is required\n\n");
        usage(stderr);
        return 2;
    }

    struct netra_config *config = NULL;
    struct adapter_settings settings;
    struct adapter_result result;
    char err[NETRA_ERR_LEN], *body = NULL;
    size_t len = 0;
    int rc = 1;
    memset(&result, 0, sizeof(result));
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    const struct adapter *adapter = adapter_find(platform);
    if (adapter == NULL) {
        fprintf(stderr, "netra parse: unknown platform \"%s\" (mastodon, bluesky, x, feed, "
                        "jsonapi, mastodon-following, bluesky-follows, bluesky-likes, "
                        "x-following, x-liked)\n",
                platform);
        rc = 2;
        goto done;
    }
    if (in == NULL) {
        fprintf(stderr, "netra parse: %s: cannot open: %s\n", path, strerror(errno));
        goto done;
    }
    /* An engagement listing ("bluesky-likes") is read with its platform's settings. */
    char section[32];
    snprintf(section, sizeof(section), "%.*s", (int)strcspn(platform, "-"), platform);
    if (config_load(NULL, &config, err, sizeof(err)) != 0 ||
        crawl_settings_from_config(config, section, &settings, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra parse: %s\n", err);
        goto done;
    }
    if (read_input(in, config->crawler.max_body_bytes, &body, &len, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra parse: %s: %s\n", path, err);
        goto done;
    }
    /* A native id set makes the adapters read a page; any will do, the page names its posts. */
    struct adapter_account account = {"parse", handle, lookup ? "" : "0"};
    struct adapter_context context = {&settings, &account, cursor, page, 0};
    struct adapter_response response = {200, body, len, NULL, NULL};
    if (adapter->parse(&context, &response, &result, err, sizeof(err)) != 0) {
        fprintf(stderr, "netra parse: %s: %s\n", path, err);
        goto done;
    }
    rc = print_result(&result, lookup);

done:
    if (in != NULL && in != stdin)
        fclose(in);
    adapter_result_free(&result);
    free(body);
    config_free(config);
    return fflush(stdout) == 0 ? rc : 1;
}
