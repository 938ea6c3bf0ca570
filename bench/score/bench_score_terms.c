/* bench_score_terms RULES_DIR: prints the terms of the national ruleset of RULES_DIR (the rules
 * that score a post without a region), one a line, as the ruleset writes them without their
 * =, # or @ prefix, each once (ASCII case ignored). The scoring benchmark gives them to its
 * peers (Python re, Hyperscan), so the peers search for exactly what netra searches for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "worker/ruleset.h"
#include "worker/strmap.h"

static void lower_ascii(const char *text, char *out, size_t out_len)
{
    size_t i = 0;
    for (; text[i] != '\0' && i + 1 < out_len; i++)
        out[i] = text[i] >= 'A' && text[i] <= 'Z' ? (char)(text[i] | 0x20) : text[i];
    out[i] = '\0';
}

int main(int argc, char **argv)
{
    struct ruleset **rulesets = NULL;
    size_t count = 0, printed = 0;
    struct strmap seen;
    char err[NETRA_ERR_LEN];
    int rc = 1;
    strmap_init(&seen);
    if (argc != 2) {
        fprintf(stderr, "usage: bench_score_terms RULES_DIR\n");
        return 2;
    }
    if (ruleset_load_dir(argv[1], &rulesets, &count, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_score_terms: %s\n", err);
        goto done;
    }
    for (size_t r = 0; r < count; r++) {
        if (rulesets[r]->region != NULL)
            continue;
        for (size_t l = 0; l < rulesets[r]->list_count; l++) {
            const struct rule_list *list = &rulesets[r]->lists[l];
            for (size_t t = 0; t < list->count; t++) {
                char key[RULESET_MAX_TERM_BYTES + 1];
                lower_ascii(list->terms[t].text, key, sizeof(key));
                if (strmap_get(&seen, key, strlen(key), NULL))
                    continue;
                if (strmap_put(&seen, key, strlen(key), 1) != 0) {
                    fprintf(stderr, "bench_score_terms: out of memory\n");
                    goto done;
                }
                printf("%s\n", list->terms[t].text);
                printed++;
            }
        }
    }
    if (printed == 0) {
        fprintf(stderr, "bench_score_terms: %s: no national ruleset with terms\n", argv[1]);
        goto done;
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    strmap_free(&seen);
    ruleset_free_all(rulesets, count);
    return rc;
}
