#include "worker/compile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "worker/score.h"

static void free_scope(struct scope *scope)
{
    free(scope->label);
    matcher_free(&scope->matcher);
    strmap_free(&scope->list_ids);
    for (size_t i = 0; i < scope->term_count; i++)
        free(scope->terms[i].display);
    free(scope->terms);
    free(scope->rules);
}

void scorer_free(struct scorer *scorer)
{
    if (scorer == NULL)
        return;
    for (size_t i = 0; i < scorer->scope_count; i++)
        free_scope(&scorer->scopes[i]);
    free(scorer->scopes);
    normalizer_free(&scorer->normalizer);
    strmap_free(&scorer->regions);
    ruleset_free_all(scorer->rulesets, scorer->ruleset_count);
    free(scorer);
}

const struct normalizer *scorer_normalizer(const struct scorer *scorer)
{
    return &scorer->normalizer;
}

/* ---- the normaliser ------------------------------------------------------------------ */

static int build_normalizer(struct scorer *scorer, char *err, size_t err_len)
{
    char problem[NETRA_ERR_LEN];
    const struct ruleset *n = scorer->national;
    struct normalizer *normalizer = &scorer->normalizer;
    for (size_t i = 0; i < n->slang_count; i++)
        if (normalizer_add_slang(normalizer, n->slang[i].from, n->slang[i].to, problem,
                                 sizeof(problem)) != 0)
            return error_set(err, err_len, "%s: normalize.slang.%s: %s", n->path,
                             n->slang[i].from, problem);
    for (size_t i = 0; i < n->number_word_count; i++)
        if (normalizer_add_number_word(normalizer, n->number_words[i].word,
                                       n->number_words[i].value, problem, sizeof(problem)) != 0)
            return error_set(err, err_len, "%s: normalize.number_words.%s: %s", n->path,
                             n->number_words[i].word, problem);
    for (size_t i = 0; i < n->markers.count; i++)
        if (normalizer_add_marker(normalizer, n->markers.items[i], problem, sizeof(problem)) != 0)
            return error_set(err, err_len, "%s: normalize.number_markers[%zu]: %s", n->path, i,
                             problem);
    for (size_t i = 0; i < n->words.count; i++)
        if (normalizer_add_words(normalizer, n->words.items[i], err, err_len) != 0)
            return -1;
    /* Every word of every term joins the dictionary, so hashtags split into the words the rules
     * look for and leetspeak is undone towards them. */
    for (size_t s = 0; s < scorer->ruleset_count; s++) {
        const struct ruleset *set = scorer->rulesets[s];
        for (size_t l = 0; l < set->list_count; l++)
            for (size_t t = 0; t < set->lists[l].count; t++)
                if (!(set->lists[l].terms[t].flags & RULE_TERM_ACCOUNT) &&
                    normalizer_add_words(normalizer, set->lists[l].terms[t].text, err,
                                         err_len) != 0)
                    return -1;
    }
    return 0;
}

/* ---- one scope ----------------------------------------------------------------------- */

static int applies(const struct ruleset *set, const char *region)
{
    if (set->region == NULL || strcmp(set->region, RULESET_REGION_ALL) == 0)
        return 1;
    if (region == NULL)
        return 0;
    if (strcmp(set->region, region) == 0)
        return 1;
    for (size_t i = 0; i < set->also.count; i++)
        if (strcmp(set->also.items[i], region) == 0)
            return 1;
    return 0;
}

static int add_term(struct scorer *scorer, struct scope *scope, struct norm_scratch *scratch,
                    const struct ruleset *set, size_t list_index, size_t term_index,
                    uint32_t list, char *err, size_t err_len)
{
    const struct rule_term *term = &set->lists[list_index].terms[term_index];
    char problem[NETRA_ERR_LEN];
    int mode = term->flags & RULE_TERM_ACCOUNT ? NORM_MODE_HANDLE : NORM_MODE_TEXT;
    uint8_t need = (uint8_t)((term->flags & RULE_TERM_UPPER ? NORM_UPPER : 0) |
                             (term->flags & RULE_TERM_HASHTAG ? NORM_HASHTAG : 0));
    norm_scratch_reset(scratch);
    int normalized = term->flags & RULE_TERM_PLATFORM
                         ? normalize_account(scratch, term->platform, term->text,
                                             strlen(term->text), 0, problem, sizeof(problem))
                         : normalize_text(&scorer->normalizer, scratch, term->text,
                                          strlen(term->text), 0, mode, problem, sizeof(problem));
    if (normalized != 0 ||
        matcher_add(&scope->matcher, scratch, scratch->tokens, scratch->count, need,
                    (uint32_t)scope->term_count, problem, sizeof(problem)) != 0)
        return error_set(err, err_len, "%s: lists.%s[%zu]: \"%s\" %s", set->path,
                         set->lists[list_index].name, term_index, term->text, problem);
    char qualified[RULESET_MAX_TERM_BYTES + 2] = "@";
    if (term->flags & RULE_TERM_PLATFORM)
        snprintf(qualified, sizeof(qualified), "@%s:", term->platform);
    const char *prefix = term->flags & RULE_TERM_UPPER     ? "="
                         : term->flags & RULE_TERM_HASHTAG ? "#"
                         : term->flags & RULE_TERM_ACCOUNT ? qualified
                                                           : "";
    /* A term with a number reads as its classes ("coblos <ballot>"): "nomor 1" would tell a
     * reviewer the wrong number. */
    char words[RULESET_MAX_TERM_BYTES * 2] = "";
    size_t used = 0;
    int has_number = 0;
    for (size_t i = 0; i < scratch->count; i++) {
        has_number |= scratch->tokens[i].kind == NORM_NUMBER;
        used += (size_t)snprintf(words + used, sizeof(words) - used, "%s%s", i ? " " : "",
                                 matcher_token_key(scratch, &scratch->tokens[i]));
        if (used >= sizeof(words))
            used = sizeof(words) - 1;
    }
    const char *shown = has_number ? words : term->text;
    size_t display_len = strlen(prefix) + strlen(shown) + 1;
    char *display = malloc(display_len);
    if (display == NULL)
        return error_set(err, err_len, "out of memory");
    snprintf(display, display_len, "%s%s", prefix, shown);
    scope->terms[scope->term_count++] = (struct compiled_term){display, list};
    return 0;
}

static int resolve(const struct scope *scope, const struct ruleset *set, size_t rule_index,
                   const char *key, const struct rule_names *names, struct list_set *out,
                   char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < names->count; i++) {
        uint32_t id;
        if (!strmap_get(&scope->list_ids, names->items[i], strlen(names->items[i]), &id))
            return error_set(err, err_len, "%s: rules[%zu].%s[%zu]: unknown list \"%s\"",
                             set->path, rule_index, key, i, names->items[i]);
        out->bits[id / 64] |= 1ull << (id % 64);
    }
    return 0;
}

static int add_rule(const struct scorer *scorer, struct scope *scope, const struct ruleset *set,
                    size_t index, char *err, size_t err_len)
{
    const struct rule *rule = &set->rules[index];
    struct compiled_rule *c = &scope->rules[scope->rule_count];
    memset(c, 0, sizeof(*c));
    c->rule = rule;
    if (rule->category != NULL) {
        const struct ruleset *n = scorer->national;
        size_t k = 0;
        while (k < n->category_count && strcmp(n->categories[k].name, rule->category) != 0)
            k++;
        if (k == n->category_count)
            return error_set(err, err_len, "%s: rules[%zu].category: unknown category \"%s\"",
                             set->path, index, rule->category);
        c->weight = rule->weight * n->categories[k].weight;
        c->partisan = n->categories[k].partisan;
    }
    if (resolve(scope, set, index, "lists", &rule->lists, &c->lists, err, err_len) != 0 ||
        resolve(scope, set, index, "near", &rule->near, &c->near, err, err_len) != 0 ||
        resolve(scope, set, index, "targets", &rule->targets, &c->targets, err, err_len) != 0)
        return -1;
    scope->rule_count++;
    return 0;
}

static int build_scope(struct scorer *scorer, struct scope *scope, const char *region,
                       struct norm_scratch *scratch, char *err, size_t err_len)
{
    size_t term_total = 0, rule_total = 0, label_len = 1;
    matcher_init(&scope->matcher);
    strmap_init(&scope->list_ids);
    for (size_t s = 0; s < scorer->ruleset_count; s++) {
        const struct ruleset *set = scorer->rulesets[s];
        if (!applies(set, region))
            continue;
        for (size_t l = 0; l < set->list_count; l++) {
            term_total += set->lists[l].count;
            if (!strmap_get(&scope->list_ids, set->lists[l].name, strlen(set->lists[l].name),
                            NULL)) {
                if (scope->list_ids.count >= COMPILE_MAX_LISTS)
                    return error_set(err, err_len, "%s: lists: more than %d lists in region %s",
                                     set->path, COMPILE_MAX_LISTS, region ? region : "national");
                if (strmap_put(&scope->list_ids, set->lists[l].name, strlen(set->lists[l].name),
                               (uint32_t)scope->list_ids.count) != 0)
                    return error_set(err, err_len, "out of memory");
            }
        }
        rule_total += set->rule_count;
        label_len += strlen(set->name) + strlen(set->version) + 2;
    }
    if (rule_total > COMPILE_MAX_RULES)
        return error_set(err, err_len, "rules: more than %d rules apply in region %s",
                         COMPILE_MAX_RULES, region ? region : "national");
    scope->terms = calloc(term_total + 1, sizeof(*scope->terms));
    scope->rules = calloc(rule_total + 1, sizeof(*scope->rules));
    scope->label = calloc(label_len, 1);
    if (scope->terms == NULL || scope->rules == NULL || scope->label == NULL)
        return error_set(err, err_len, "out of memory");
    /* National first: its rules come first and its name leads the label. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t s = 0; s < scorer->ruleset_count; s++) {
            const struct ruleset *set = scorer->rulesets[s];
            if ((pass == 0) != (set->region == NULL) || !applies(set, region))
                continue;
            if (scope->label[0] != '\0')
                strcat(scope->label, "+");
            strcat(scope->label, set->name);
            strcat(scope->label, "@");
            strcat(scope->label, set->version);
            for (size_t l = 0; l < set->list_count; l++) {
                uint32_t list;
                strmap_get(&scope->list_ids, set->lists[l].name, strlen(set->lists[l].name),
                           &list);
                for (size_t t = 0; t < set->lists[l].count; t++)
                    if (add_term(scorer, scope, scratch, set, l, t, list, err, err_len) != 0)
                        return -1;
            }
            for (size_t r = 0; r < set->rule_count; r++)
                if (add_rule(scorer, scope, set, r, err, err_len) != 0)
                    return -1;
        }
    }
    return matcher_build(&scope->matcher, err, err_len);
}

/* ---- the whole scorer ---------------------------------------------------------------- */

static int find_national(struct scorer *scorer, char *err, size_t err_len)
{
    for (size_t i = 0; i < scorer->ruleset_count; i++) {
        const struct ruleset *set = scorer->rulesets[i];
        if (set->region != NULL)
            continue;
        if (scorer->national != NULL)
            return error_set(err, err_len,
                             "%s: a second national ruleset (no \"region\") beside %s",
                             set->path, scorer->national->path);
        scorer->national = set;
    }
    if (scorer->national == NULL)
        return error_set(err, err_len, "no national ruleset (a file without \"region\")");
    if (scorer->national->category_count == 0)
        return error_set(err, err_len, "%s: categories: the national ruleset must define them",
                         scorer->national->path);
    return 0;
}

/* Region slugs in first-seen order; every one gets a scope. */
static int collect_regions(struct scorer *scorer, char *err, size_t err_len)
{
    for (size_t i = 0; i < scorer->ruleset_count; i++) {
        const struct ruleset *set = scorer->rulesets[i];
        int regional = set->region != NULL && strcmp(set->region, RULESET_REGION_ALL) != 0;
        for (size_t k = 0; regional && k <= set->also.count; k++) {
            const char *slug = k == 0 ? set->region : set->also.items[k - 1];
            if (strmap_get(&scorer->regions, slug, strlen(slug), NULL))
                continue;
            if (strmap_put(&scorer->regions, slug, strlen(slug),
                           (uint32_t)scorer->regions.count + 1) != 0)
                return error_set(err, err_len, "out of memory");
        }
    }
    return 0;
}

int compile_scorer(struct ruleset **rulesets, size_t count, struct scorer **out, char *err,
                   size_t err_len)
{
    struct norm_scratch scratch;
    struct scorer *scorer = calloc(1, sizeof(*scorer));
    int rc = -1;
    *out = NULL;
    norm_scratch_init(&scratch);
    if (scorer == NULL) {
        ruleset_free_all(rulesets, count);
        return error_set(err, err_len, "out of memory");
    }
    scorer->rulesets = rulesets;
    scorer->ruleset_count = count;
    normalizer_init(&scorer->normalizer);
    strmap_init(&scorer->regions);
    if (find_national(scorer, err, err_len) != 0 || build_normalizer(scorer, err, err_len) != 0 ||
        collect_regions(scorer, err, err_len) != 0)
        goto done;
    scorer->scopes = calloc(scorer->regions.count + 1, sizeof(*scorer->scopes));
    if (scorer->scopes == NULL) {
        error_set(err, err_len, "out of memory");
        goto done;
    }
    scorer->scope_count = scorer->regions.count + 1;
    if (build_scope(scorer, &scorer->scopes[0], NULL, &scratch, err, err_len) != 0)
        goto done;
    for (size_t i = 0; i < scorer->regions.capacity; i++) {
        const struct strmap_entry *entry = &scorer->regions.slots[i];
        if (entry->key == NULL)
            continue;
        if (build_scope(scorer, &scorer->scopes[entry->value], entry->key, &scratch, err,
                        err_len) != 0)
            goto done;
    }
    *out = scorer;
    scorer = NULL;
    rc = 0;
done:
    norm_scratch_free(&scratch);
    scorer_free(scorer);
    return rc;
}

int scorer_load(const char *dir, struct scorer **out, char *err, size_t err_len)
{
    struct ruleset **rulesets;
    size_t count;
    if (ruleset_load_dir(dir, &rulesets, &count, err, err_len) != 0)
        return -1;
    return compile_scorer(rulesets, count, out, err, err_len);
}
