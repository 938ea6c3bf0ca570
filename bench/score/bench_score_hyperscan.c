/* bench_score_hyperscan TERMS FILE [ROUNDS]: the scoring benchmark's limit. Compiles the terms
 * of TERMS (one a line) as pure literals, caseless, one match per term (hs_compile_lit_multi,
 * HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, block mode), reads the "text" of every JSONL line of
 * FILE first, then scans each text on its own, as a scorer would, collecting every term found.
 * Prints {"posts", "terms", "scan_s", "matched"}: the best of ROUNDS (default 1) passes in CPU
 * seconds of this process, and how many texts held at least one term. */
#include <cjson/cJSON.h>
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct strings {
    char **items;
    size_t *lens;
    size_t count;
    size_t cap;
};

static double cpu_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static int push(struct strings *list, const char *text, size_t len)
{
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 1024;
        char **items = realloc(list->items, cap * sizeof(*items));
        if (items == NULL)
            return -1;
        list->items = items;
        size_t *lens = realloc(list->lens, cap * sizeof(*lens));
        if (lens == NULL)
            return -1;
        list->lens = lens;
        list->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    list->items[list->count] = copy;
    list->lens[list->count++] = len;
    return 0;
}

static void strings_free(struct strings *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    free(list->lens);
}

/* Every line of path; with json, the "text" member of each line's object. */
static int read_lines(const char *path, int json, struct strings *out)
{
    char *line = NULL;
    size_t cap = 0, number = 0;
    ssize_t len;
    int rc = -1;
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        fprintf(stderr, "bench_score_hyperscan: %s: cannot open\n", path);
        return -1;
    }
    while ((len = getline(&line, &cap, in)) >= 0) {
        number++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (!json) {
            if (len > 0 && push(out, line, (size_t)len) != 0)
                goto oom;
            continue;
        }
        cJSON *root = cJSON_ParseWithLength(line, (size_t)len);
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(root, "text");
        if (!cJSON_IsString(text)) {
            cJSON_Delete(root);
            fprintf(stderr, "bench_score_hyperscan: %s: line %zu: no \"text\" string\n", path,
                    number);
            goto done;
        }
        int pushed = push(out, text->valuestring, strlen(text->valuestring));
        cJSON_Delete(root);
        if (pushed != 0)
            goto oom;
    }
    rc = ferror(in) ? -1 : 0;
    goto done;
oom:
    fprintf(stderr, "bench_score_hyperscan: out of memory\n");
done:
    free(line);
    fclose(in);
    return rc;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *context)
{
    (void)id, (void)from, (void)to, (void)flags;
    (*(unsigned *)context)++;
    return 0;
}

int main(int argc, char **argv)
{
    struct strings terms = {0}, texts = {0};
    unsigned *flags = NULL, *ids = NULL;
    hs_database_t *database = NULL;
    hs_scratch_t *scratch = NULL;
    hs_compile_error_t *compile_error = NULL;
    double best = 0;
    size_t matched = 0;
    int rounds = argc == 4 ? atoi(argv[3]) : 1, rc = 1;
    if ((argc != 3 && argc != 4) || rounds < 1) {
        fprintf(stderr, "usage: bench_score_hyperscan TERMS FILE [ROUNDS]\n");
        return 2;
    }
    if (read_lines(argv[1], 0, &terms) != 0 || read_lines(argv[2], 1, &texts) != 0)
        goto done;
    if (terms.count == 0) {
        fprintf(stderr, "bench_score_hyperscan: %s: no terms\n", argv[1]);
        goto done;
    }
    flags = malloc(terms.count * sizeof(*flags));
    ids = malloc(terms.count * sizeof(*ids));
    if (flags == NULL || ids == NULL) {
        fprintf(stderr, "bench_score_hyperscan: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < terms.count; i++) {
        flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
        ids[i] = (unsigned)i;
    }
    if (hs_compile_lit_multi((const char *const *)terms.items, flags, ids, terms.lens,
                             (unsigned)terms.count, HS_MODE_BLOCK, NULL, &database,
                             &compile_error) != HS_SUCCESS) {
        fprintf(stderr, "bench_score_hyperscan: compiling the terms: %s\n",
                compile_error != NULL ? compile_error->message : "failed");
        goto done;
    }
    if (hs_alloc_scratch(database, &scratch) != HS_SUCCESS) {
        fprintf(stderr, "bench_score_hyperscan: cannot allocate scratch\n");
        goto done;
    }
    for (int round = 0; round < rounds; round++) {
        size_t with_term = 0;
        double start = cpu_seconds();
        for (size_t i = 0; i < texts.count; i++) {
            unsigned found = 0;
            if (hs_scan(database, texts.items[i], (unsigned)texts.lens[i], 0, scratch, on_match,
                        &found) != HS_SUCCESS) {
                fprintf(stderr, "bench_score_hyperscan: scanning text %zu failed\n", i + 1);
                goto done;
            }
            with_term += found > 0;
        }
        double took = cpu_seconds() - start;
        if (round == 0 || took < best)
            best = took;
        matched = with_term;
    }
    printf("{\"posts\":%zu,\"terms\":%zu,\"scan_s\":%.6f,\"matched\":%zu}\n", texts.count,
           terms.count, best, matched);
    rc = 0;
done:
    hs_free_compile_error(compile_error);
    hs_free_scratch(scratch);
    hs_free_database(database);
    free(flags);
    free(ids);
    strings_free(&terms);
    strings_free(&texts);
    return rc;
}
