#include "worker/ruleset.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"
#include "config/watchlist.h"

static const char *const field_names[RULE_FIELD_COUNT] = {
    "text",           "repost_of.text", "repost_of.author",  "media.alt",   "hashtags",
    "mentions",       "target.account", "target.account_id", "target.name", "target.text"};

const char *rule_field_name(enum rule_field field)
{
    if ((unsigned)field == RULE_FIELD_KIND)
        return "kind";
    return (unsigned)field < RULE_FIELD_COUNT ? field_names[field] : "?";
}

/* The file being parsed, for messages. */
struct parse {
    const char *file;
    char *err;
    size_t err_len;
};

static int fail(struct parse *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, const char *path, const char *fmt, ...)
{
    char problem[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(problem, sizeof(problem), fmt, args);
    va_end(args);
    return error_set(p->err, p->err_len, "%s: %s: %s", p->file, path, problem);
}

void jsonc_strip_comments(char *text, size_t len)
{
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        if (in_string) {
            if (text[i] == '\\' && i + 1 < len)
                i++;
            else if (text[i] == '"')
                in_string = 0;
        } else if (text[i] == '"') {
            in_string = 1;
        } else if (text[i] == '/' && i + 1 < len && text[i + 1] == '/') {
            while (i < len && text[i] != '\n')
                text[i++] = ' ';
        } else if (text[i] == '/' && i + 1 < len && text[i + 1] == '*') {
            text[i] = text[i + 1] = ' ';
            for (i += 2; i < len && !(text[i] == '*' && i + 1 < len && text[i + 1] == '/'); i++)
                if (text[i] != '\n')
                    text[i] = ' ';
            if (i < len)
                text[i] = text[i + 1] = ' ', i++;
        }
    }
}

static void free_names(struct rule_names *names)
{
    for (size_t i = 0; i < names->count; i++)
        free(names->items[i]);
    free(names->items);
    names->items = NULL;
    names->count = 0;
}

void ruleset_free(struct ruleset *ruleset)
{
    if (ruleset == NULL)
        return;
    free(ruleset->path);
    free(ruleset->name);
    free(ruleset->version);
    free(ruleset->region);
    free_names(&ruleset->also);
    for (size_t i = 0; i < ruleset->category_count; i++)
        free(ruleset->categories[i].name);
    free(ruleset->categories);
    for (size_t i = 0; i < ruleset->list_count; i++) {
        for (size_t t = 0; t < ruleset->lists[i].count; t++) {
            free(ruleset->lists[i].terms[t].text);
            free(ruleset->lists[i].terms[t].platform);
        }
        free(ruleset->lists[i].terms);
        free(ruleset->lists[i].name);
    }
    free(ruleset->lists);
    for (size_t i = 0; i < ruleset->rule_count; i++) {
        struct rule *rule = &ruleset->rules[i];
        free(rule->id);
        free(rule->category);
        free_names(&rule->lists);
        free_names(&rule->near);
        free_names(&rule->targets);
    }
    free(ruleset->rules);
    for (size_t i = 0; i < ruleset->slang_count; i++) {
        free(ruleset->slang[i].from);
        free(ruleset->slang[i].to);
    }
    free(ruleset->slang);
    for (size_t i = 0; i < ruleset->number_word_count; i++)
        free(ruleset->number_words[i].word);
    free(ruleset->number_words);
    free_names(&ruleset->markers);
    free_names(&ruleset->words);
    free(ruleset);
}

void ruleset_free_all(struct ruleset **rulesets, size_t count)
{
    if (rulesets == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        ruleset_free(rulesets[i]);
    free(rulesets);
}

/* ---- typed getters ------------------------------------------------------------------- */

static int is_slug(const char *s, const char *extra)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr(extra, *s)))
            return 0;
    return 1;
}

static int get_string(struct parse *p, const cJSON *item, const char *path, size_t max,
                      char **out)
{
    if (!cJSON_IsString(item) || item->valuestring == NULL)
        return fail(p, path, "must be a string");
    size_t len = strlen(item->valuestring);
    if (len == 0 || len > max)
        return fail(p, path, "must be 1..%zu bytes", max);
    if (!utf8_valid(item->valuestring, len, NULL))
        return fail(p, path, "must be valid UTF-8");
    *out = strdup(item->valuestring);
    return *out != NULL ? 0 : fail(p, path, "out of memory");
}

static int get_weight(struct parse *p, const cJSON *item, const char *path, double *out)
{
    if (!cJSON_IsNumber(item) || !(item->valuedouble >= 0.0 && item->valuedouble <= 1.0))
        return fail(p, path, "must be a number in 0..1");
    *out = item->valuedouble;
    return 0;
}

/* A string or an array of strings; every one a slug when slug_extra is not NULL. */
static int get_names(struct parse *p, const cJSON *item, const char *path, size_t max,
                     const char *slug_extra, struct rule_names *out)
{
    char at[256];
    if (cJSON_IsString(item)) {
        out->items = calloc(1, sizeof(*out->items));
        if (out->items == NULL)
            return fail(p, path, "out of memory");
        if (get_string(p, item, path, RULESET_MAX_NAME, &out->items[0]) != 0)
            return -1;
        out->count = 1;
    } else if (cJSON_IsArray(item)) {
        int n = cJSON_GetArraySize(item);
        if (n < 1 || (size_t)n > max)
            return fail(p, path, "must list 1..%zu names", max);
        out->items = calloc((size_t)n, sizeof(*out->items));
        if (out->items == NULL)
            return fail(p, path, "out of memory");
        const cJSON *name;
        cJSON_ArrayForEach(name, item)
        {
            snprintf(at, sizeof(at), "%s[%zu]", path, out->count);
            if (get_string(p, name, at, RULESET_MAX_NAME, &out->items[out->count]) != 0)
                return -1;
            out->count++;
        }
    } else {
        return fail(p, path, "must be a string or an array of strings");
    }
    for (size_t i = 0; slug_extra != NULL && i < out->count; i++)
        if (!is_slug(out->items[i], slug_extra))
            return fail(p, path, "\"%s\": must be lower-case letters, digits and %s",
                        out->items[i], slug_extra);
    return 0;
}

/* Refuses keys the schema does not know: a typo must not silently disable a rule. */
static int check_keys(struct parse *p, const cJSON *object, const char *path,
                      const char *const *known)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, object)
    {
        int ok = 0;
        for (size_t i = 0; known[i] != NULL && !ok; i++)
            ok = strcmp(item->string, known[i]) == 0;
        if (!ok)
            return fail(p, path, "unknown key \"%s\"", item->string);
    }
    return 0;
}

static int get_object(struct parse *p, const cJSON *item, const char *path, size_t max)
{
    if (!cJSON_IsObject(item))
        return fail(p, path, "must be an object");
    if ((size_t)cJSON_GetArraySize(item) > max)
        return fail(p, path, "more than %zu entries", max);
    return 0;
}

/* ---- sections ------------------------------------------------------------------------ */

static int parse_categories(struct parse *p, const cJSON *item, struct ruleset *set)
{
    static const char *const keys[] = {"weight", "partisan", NULL};
    char path[256];
    if (get_object(p, item, "categories", RULESET_MAX_CATEGORIES) != 0)
        return -1;
    set->categories = calloc((size_t)cJSON_GetArraySize(item) + 1, sizeof(*set->categories));
    if (set->categories == NULL)
        return fail(p, "categories", "out of memory");
    const cJSON *category;
    cJSON_ArrayForEach(category, item)
    {
        struct rule_category *c = &set->categories[set->category_count];
        snprintf(path, sizeof(path), "categories.%.64s", category->string);
        if (!is_slug(category->string, "_") || strlen(category->string) > RULESET_MAX_NAME)
            return fail(p, path, "a category name must be lower-case letters and _");
        if (get_object(p, category, path, 2) != 0 || check_keys(p, category, path, keys) != 0)
            return -1;
        if ((c->name = strdup(category->string)) == NULL)
            return fail(p, path, "out of memory");
        set->category_count++;
        char at[300];
        snprintf(at, sizeof(at), "%s.weight", path);
        if (get_weight(p, cJSON_GetObjectItemCaseSensitive(category, "weight"), at, &c->weight))
            return -1;
        const cJSON *partisan = cJSON_GetObjectItemCaseSensitive(category, "partisan");
        snprintf(at, sizeof(at), "%s.partisan", path);
        if (!cJSON_IsBool(partisan))
            return fail(p, at, "must be true or false");
        c->partisan = cJSON_IsTrue(partisan);
    }
    return 0;
}

static int all_in(const char *s, size_t len, const char *extra)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c != '\0' && strchr(extra, c) != NULL)))
            return 0;
    }
    return len > 0;
}

/* A domain name: labels of letters, digits and -, at least two, a port allowed after ':'. */
static int is_domain(const char *s)
{
    size_t len = strcspn(s, ":");
    if (s[len] == ':' && !all_in(s + len + 1, strlen(s + len + 1), ""))
        return 0;
    if (!all_in(s, len, ".-") || s[0] == '.' || s[len - 1] == '.' || memchr(s, '.', len) == NULL)
        return 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '.' && s[i + 1] == '.')
            return 0;
    return 1;
}

/* Whether account has the shape of platform's handles or native ids: a typo must be refused,
 * not silently never match. NULL when it does, else what it should look like. */
static const char *account_problem(const char *platform, const char *account)
{
    size_t len = strlen(account);
    if (strcmp(platform, "x") == 0)
        return len <= 20 && all_in(account, len, "_")
                   ? NULL
                   : "not an X username or user id (1..20 letters, digits and _)";
    if (strcmp(platform, "bluesky") == 0) {
        const char *method_end = strncmp(account, "did:", 4) == 0 ? strchr(account + 4, ':') : NULL;
        if (method_end != NULL && all_in(account + 4, (size_t)(method_end - account - 4), "") &&
            all_in(method_end + 1, strlen(method_end + 1), ".:_%-"))
            return NULL;
        return strchr(account, ':') == NULL && is_domain(account)
                   ? NULL
                   : "not a Bluesky handle (a domain name: name.bsky.social) or DID "
                     "(did:method:id)";
    }
    if (strcmp(platform, "mastodon") == 0) {
        const char *at = strchr(account, '@');
        if (at == NULL ? strspn(account, "0123456789") == len
                       : all_in(account, (size_t)(at - account), "_.-") && is_domain(at + 1))
            return NULL;
        return "not a Mastodon account (user@domain) or account id (digits)";
    }
    for (const unsigned char *c = (const unsigned char *)account; *c != '\0'; c++)
        if (*c <= ' ' || *c == 0x7f)
            return "an account has no spaces or control characters";
    return NULL;
}

/* text is "platform:account" of a term "@platform:account". */
static int parse_platform_account(struct parse *p, const char *path, struct rule_term *term)
{
    char *colon = strchr(term->text, ':');
    const char *problem;
    *colon = '\0';
    if (!watchlist_platform_known(term->text))
        return fail(p, path, "\"@%s:%s\": unknown platform \"%s\" (expected mastodon, bluesky, "
                             "x, feed, jsonapi)",
                    term->text, colon + 1, term->text);
    if (colon[1] == '\0')
        return fail(p, path, "\"@%s:\": no account after the platform", term->text);
    if ((problem = account_problem(term->text, colon + 1)) != NULL)
        return fail(p, path, "\"@%s:%s\": %s", term->text, colon + 1, problem);
    char *account = strdup(colon + 1);
    if (account == NULL)
        return fail(p, path, "out of memory");
    term->platform = term->text;
    term->text = account;
    term->flags |= RULE_TERM_PLATFORM;
    return 0;
}

static int parse_term(struct parse *p, const cJSON *item, const char *path, struct rule_term *term)
{
    char *text;
    if (get_string(p, item, path, RULESET_MAX_TERM_BYTES, &text) != 0)
        return -1;
    const char *prefixes = "=#@";
    const char *at = strchr(prefixes, text[0]);
    if (text[0] != '\0' && at != NULL) {
        term->flags = (uint8_t)(at == prefixes ? RULE_TERM_UPPER
                                : at == prefixes + 1 ? RULE_TERM_HASHTAG
                                                     : RULE_TERM_ACCOUNT);
        memmove(text, text + 1, strlen(text));
    }
    term->text = text;
    if (text[0] == '\0')
        return fail(p, path, "empty after its prefix");
    if (term->flags & RULE_TERM_ACCOUNT && strchr(text, ':') != NULL)
        return parse_platform_account(p, path, term);
    return 0;
}

static int parse_lists(struct parse *p, const cJSON *item, struct ruleset *set)
{
    char path[256];
    if (get_object(p, item, "lists", RULESET_MAX_LISTS) != 0)
        return -1;
    set->lists = calloc((size_t)cJSON_GetArraySize(item) + 1, sizeof(*set->lists));
    if (set->lists == NULL)
        return fail(p, "lists", "out of memory");
    const cJSON *list;
    cJSON_ArrayForEach(list, item)
    {
        struct rule_list *l = &set->lists[set->list_count];
        snprintf(path, sizeof(path), "lists.%.64s", list->string);
        if (!is_slug(list->string, "_") || strlen(list->string) > RULESET_MAX_NAME)
            return fail(p, path, "a list name must be lower-case letters, digits and _");
        if ((l->name = strdup(list->string)) == NULL)
            return fail(p, path, "out of memory");
        set->list_count++;
        /* Empty is allowed: a list the national rules read that another file fills (the
         * campaign accounts of one election). */
        int n = cJSON_GetArraySize(list);
        if (!cJSON_IsArray(list) || n > RULESET_MAX_TERMS)
            return fail(p, path, "must be an array of 0..%d terms", RULESET_MAX_TERMS);
        if ((l->terms = calloc((size_t)n + 1, sizeof(*l->terms))) == NULL)
            return fail(p, path, "out of memory");
        const cJSON *term;
        cJSON_ArrayForEach(term, list)
        {
            char at[300];
            snprintf(at, sizeof(at), "%s[%zu]", path, l->count);
            if (parse_term(p, term, at, &l->terms[l->count]) != 0) {
                free(l->terms[l->count].text);
                free(l->terms[l->count].platform);
                return -1;
            }
            l->count++;
        }
    }
    return 0;
}

static int parse_kind(struct parse *p, const cJSON *item, const char *path, enum rule_kind *kind)
{
    static const char *const kinds[] = {"term", "near", "suppress", "dampen"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (cJSON_IsString(item) && strcmp(item->valuestring, kinds[i]) == 0) {
            *kind = (enum rule_kind)i;
            return 0;
        }
    return fail(p, path, "must be one of term, near, suppress, dampen");
}

static int parse_fields(struct parse *p, const cJSON *item, const char *path, unsigned *fields)
{
    struct rule_names names = {0};
    int rc = get_names(p, item, path, RULE_FIELD_COUNT, NULL, &names);
    *fields = 0;
    for (size_t i = 0; rc == 0 && i < names.count; i++) {
        unsigned f = 0;
        while (f < RULE_FIELD_COUNT && strcmp(names.items[i], field_names[f]) != 0)
            f++;
        if (f == RULE_FIELD_COUNT)
            rc = fail(p, path, "\"%s\": must be one of text, repost_of.text, repost_of.author, "
                               "media.alt, hashtags, mentions, target.account, "
                               "target.account_id, target.name, target.text",
                      names.items[i]);
        else
            *fields |= 1u << f;
    }
    if (*fields & 1u << RULE_FIELD_TARGET_ACCOUNT)
        *fields |= 1u << RULE_FIELD_TARGET_ACCOUNT_ID;
    free_names(&names);
    return rc;
}

static int parse_kinds(struct parse *p, const cJSON *item, const char *path, unsigned *kinds)
{
    struct rule_names names = {0};
    int rc = get_names(p, item, path, POST_KIND_LIKE + 1, NULL, &names);
    *kinds = 0;
    for (size_t i = 0; rc == 0 && i < names.count; i++) {
        enum post_kind kind;
        if (post_kind_from_name(names.items[i], &kind) != 0)
            rc = fail(p, path, "\"%s\": must be one of post, repost, reply, quote, follow, like",
                      names.items[i]);
        else
            *kinds |= 1u << kind;
    }
    free_names(&names);
    return rc;
}

/* Fetches key of rule into a path "rules[i].key"; NULL when absent. */
static const cJSON *rule_item(const cJSON *rule, size_t index, const char *key, char *path,
                              size_t path_len)
{
    snprintf(path, path_len, "rules[%zu].%s", index, key);
    return cJSON_GetObjectItemCaseSensitive(rule, key);
}

static int parse_rule(struct parse *p, const cJSON *item, size_t index, struct rule *rule)
{
    static const char *const keys[] = {"id",    "kind",  "category", "weight",  "factor",
                                       "window", "fields", "kinds",   "lists",   "near",
                                       "targets", "why",   NULL};
    char path[128];
    const cJSON *value;
    snprintf(path, sizeof(path), "rules[%zu]", index);
    if (get_object(p, item, path, 16) != 0 || check_keys(p, item, path, keys) != 0)
        return -1;
    rule->fields = RULE_FIELDS_ALL;
    rule->kinds = RULE_KINDS_DEFAULT;
    rule->window = 8;
    if (get_string(p, rule_item(item, index, "id", path, sizeof(path)), path, RULESET_MAX_NAME,
                   &rule->id) != 0 ||
        parse_kind(p, rule_item(item, index, "kind", path, sizeof(path)), path, &rule->kind) != 0)
        return -1;
    const cJSON *kinds = rule_item(item, index, "kinds", path, sizeof(path));
    if (kinds != NULL && parse_kinds(p, kinds, path, &rule->kinds) != 0)
        return -1;
    /* A dampen rule limited by kinds may have no lists: it weighs every message of those kinds
     * (a like counts less than writing the post). */
    value = rule_item(item, index, "lists", path, sizeof(path));
    if ((value != NULL || rule->kind != RULE_DAMPEN || kinds == NULL) &&
        get_names(p, value, path, RULESET_MAX_RULE_LISTS, "_", &rule->lists) != 0)
        return -1;
    int scored = rule->kind == RULE_TERM || rule->kind == RULE_NEAR;
    if ((value = rule_item(item, index, "category", path, sizeof(path))) != NULL || scored) {
        if (!scored && rule->kind != RULE_DAMPEN)
            return fail(p, path, "only term, near and dampen rules have a category");
        if (get_string(p, value, path, RULESET_MAX_NAME, &rule->category) != 0)
            return -1;
    }
    if ((value = rule_item(item, index, "weight", path, sizeof(path))) != NULL || scored) {
        if (!scored)
            return fail(p, path, "only term and near rules have a weight");
        if (get_weight(p, value, path, &rule->weight) != 0)
            return -1;
    }
    value = rule_item(item, index, "factor", path, sizeof(path));
    if ((value != NULL) != (rule->kind == RULE_DAMPEN))
        return fail(p, path, value ? "only dampen rules have a factor" : "required");
    if (value != NULL && get_weight(p, value, path, &rule->factor) != 0)
        return -1;
    if ((value = rule_item(item, index, "window", path, sizeof(path))) != NULL) {
        if (rule->kind != RULE_NEAR && rule->kind != RULE_SUPPRESS)
            return fail(p, path, "only near and suppress rules have a window");
        if (!cJSON_IsNumber(value) || value->valuedouble < 0 ||
            value->valuedouble > RULESET_MAX_WINDOW ||
            value->valuedouble != (int)value->valuedouble)
            return fail(p, path, "must be an integer in 0..%d", RULESET_MAX_WINDOW);
        rule->window = (unsigned)value->valueint;
    }
    if ((value = rule_item(item, index, "fields", path, sizeof(path))) != NULL &&
        parse_fields(p, value, path, &rule->fields) != 0)
        return -1;
    value = rule_item(item, index, "near", path, sizeof(path));
    if ((value != NULL) != (rule->kind == RULE_NEAR))
        return fail(p, path, value ? "only near rules have near" : "required");
    if (value != NULL &&
        get_names(p, value, path, RULESET_MAX_RULE_LISTS, "_", &rule->near) != 0)
        return -1;
    value = rule_item(item, index, "targets", path, sizeof(path));
    if ((value != NULL) != (rule->kind == RULE_SUPPRESS))
        return fail(p, path, value ? "only suppress rules have targets" : "required");
    if (value != NULL &&
        get_names(p, value, path, RULESET_MAX_RULE_LISTS, "_", &rule->targets) != 0)
        return -1;
    if ((value = rule_item(item, index, "why", path, sizeof(path))) != NULL &&
        !cJSON_IsString(value))
        return fail(p, path, "must be a string");
    return 0;
}

static int parse_rules(struct parse *p, const cJSON *item, struct ruleset *set)
{
    int n = cJSON_GetArraySize(item);
    if (!cJSON_IsArray(item) || n > RULESET_MAX_RULES)
        return fail(p, "rules", "must be an array of at most %d rules", RULESET_MAX_RULES);
    if ((set->rules = calloc((size_t)n + 1, sizeof(*set->rules))) == NULL)
        return fail(p, "rules", "out of memory");
    const cJSON *rule;
    cJSON_ArrayForEach(rule, item)
    {
        size_t index = set->rule_count++;
        if (parse_rule(p, rule, index, &set->rules[index]) != 0)
            return -1;
        for (size_t i = 0; i + 1 < set->rule_count; i++)
            if (strcmp(set->rules[i].id, set->rules[set->rule_count - 1].id) == 0) {
                char path[64];
                snprintf(path, sizeof(path), "rules[%zu].id", set->rule_count - 1);
                return fail(p, path, "\"%s\" is already the id of rules[%zu]", set->rules[i].id, i);
            }
    }
    return 0;
}

static int parse_normalize(struct parse *p, const cJSON *item, struct ruleset *set)
{
    static const char *const keys[] = {"slang", "number_words", "number_markers", "words", NULL};
    char path[256];
    const cJSON *entry, *section;
    if (get_object(p, item, "normalize", 4) != 0 || check_keys(p, item, "normalize", keys) != 0)
        return -1;
    if ((section = cJSON_GetObjectItemCaseSensitive(item, "slang")) != NULL) {
        if (get_object(p, section, "normalize.slang", RULESET_MAX_TABLE) != 0)
            return -1;
        set->slang = calloc((size_t)cJSON_GetArraySize(section) + 1, sizeof(*set->slang));
        if (set->slang == NULL)
            return fail(p, "normalize.slang", "out of memory");
        cJSON_ArrayForEach(entry, section)
        {
            struct rule_slang *s = &set->slang[set->slang_count];
            snprintf(path, sizeof(path), "normalize.slang.%.64s", entry->string);
            if ((s->from = strdup(entry->string)) == NULL)
                return fail(p, path, "out of memory");
            set->slang_count++;
            if (get_string(p, entry, path, RULESET_MAX_TERM_BYTES, &s->to) != 0)
                return -1;
        }
    }
    if ((section = cJSON_GetObjectItemCaseSensitive(item, "number_words")) != NULL) {
        if (get_object(p, section, "normalize.number_words", RULESET_MAX_TABLE) != 0)
            return -1;
        set->number_words =
            calloc((size_t)cJSON_GetArraySize(section) + 1, sizeof(*set->number_words));
        if (set->number_words == NULL)
            return fail(p, "normalize.number_words", "out of memory");
        cJSON_ArrayForEach(entry, section)
        {
            struct rule_number_word *w = &set->number_words[set->number_word_count];
            snprintf(path, sizeof(path), "normalize.number_words.%.64s", entry->string);
            if ((w->word = strdup(entry->string)) == NULL)
                return fail(p, path, "out of memory");
            set->number_word_count++;
            if (!cJSON_IsNumber(entry) || entry->valuedouble < 0 || entry->valuedouble > 99 ||
                entry->valuedouble != (int)entry->valuedouble)
                return fail(p, path, "must be an integer in 0..99");
            w->value = (uint32_t)entry->valueint;
        }
    }
    if ((section = cJSON_GetObjectItemCaseSensitive(item, "number_markers")) != NULL &&
        get_names(p, section, "normalize.number_markers", RULESET_MAX_TABLE, NULL,
                  &set->markers) != 0)
        return -1;
    if ((section = cJSON_GetObjectItemCaseSensitive(item, "words")) != NULL &&
        get_names(p, section, "normalize.words", RULESET_MAX_TABLE, NULL, &set->words) != 0)
        return -1;
    return 0;
}

static int parse_document(struct parse *p, const cJSON *root, struct ruleset *set)
{
    static const char *const keys[] = {"name",  "version", "region",    "also",  "description",
                                       "categories", "normalize", "lists", "rules", NULL};
    const cJSON *item;
    if (!cJSON_IsObject(root))
        return fail(p, "(top)", "must be an object");
    if (check_keys(p, root, "(top)", keys) != 0)
        return -1;
    if (get_string(p, cJSON_GetObjectItemCaseSensitive(root, "name"), "name", RULESET_MAX_NAME,
                   &set->name) != 0)
        return -1;
    if (!is_slug(set->name, "-_."))
        return fail(p, "name", "must be lower-case letters, digits, -, _ and .");
    if (get_string(p, cJSON_GetObjectItemCaseSensitive(root, "version"), "version", 32,
                   &set->version) != 0)
        return -1;
    if (!is_slug(set->version, ".-+"))
        return fail(p, "version", "must be digits, lower-case letters, ., - and +");
    if ((item = cJSON_GetObjectItemCaseSensitive(root, "region")) != NULL) {
        if (get_string(p, item, "region", RULESET_MAX_NAME, &set->region) != 0)
            return -1;
        if (!is_slug(set->region, "-"))
            return fail(p, "region", "must be a lower-case slug such as \"jawa-tengah\", or "
                                     "\"all\"");
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(root, "also")) != NULL) {
        if (set->region == NULL)
            return fail(p, "also", "only a regional ruleset applies to more regions");
        if (strcmp(set->region, RULESET_REGION_ALL) == 0)
            return fail(p, "also", "a ruleset of region \"all\" applies to every region");
        if (get_names(p, item, "also", 64, "-", &set->also) != 0)
            return -1;
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(root, "description")) != NULL &&
        !cJSON_IsString(item))
        return fail(p, "description", "must be a string");
    if ((item = cJSON_GetObjectItemCaseSensitive(root, "categories")) != NULL) {
        if (set->region != NULL)
            return fail(p, "categories", "only the national ruleset defines categories");
        if (parse_categories(p, item, set) != 0)
            return -1;
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(root, "normalize")) != NULL) {
        if (set->region != NULL)
            return fail(p, "normalize", "only the national ruleset has normaliser tables");
        if (parse_normalize(p, item, set) != 0)
            return -1;
    }
    if ((item = cJSON_GetObjectItemCaseSensitive(root, "lists")) != NULL &&
        parse_lists(p, item, set) != 0)
        return -1;
    if ((item = cJSON_GetObjectItemCaseSensitive(root, "rules")) != NULL &&
        parse_rules(p, item, set) != 0)
        return -1;
    return 0;
}

static void line_and_column(const char *text, size_t offset, size_t *line, size_t *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *column = 1;
        } else {
            (*column)++;
        }
    }
}

int ruleset_parse(const char *path, const char *text, size_t len, struct ruleset **out, char *err,
                  size_t err_len)
{
    struct parse p = {path, err, err_len};
    struct ruleset *set = NULL;
    cJSON *root = NULL;
    char *copy = NULL;
    int rc = -1;
    *out = NULL;
    if (len > RULESET_MAX_FILE_BYTES) {
        error_set(err, err_len, "%s: larger than %d bytes", path, RULESET_MAX_FILE_BYTES);
        goto done;
    }
    if ((copy = malloc(len + 1)) == NULL) {
        error_set(err, err_len, "%s: out of memory", path);
        goto done;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    jsonc_strip_comments(copy, len);
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(copy, len, &end, 0);
    if (root == NULL) {
        size_t line, column, offset = end != NULL && end >= copy ? (size_t)(end - copy) : 0;
        line_and_column(copy, offset < len ? offset : len, &line, &column);
        error_set(err, err_len, "%s:%zu:%zu: not valid JSON", path, line, column);
        goto done;
    }
    if ((set = calloc(1, sizeof(*set))) == NULL || (set->path = strdup(path)) == NULL) {
        error_set(err, err_len, "%s: out of memory", path);
        goto done;
    }
    if (parse_document(&p, root, set) != 0)
        goto done;
    *out = set;
    set = NULL;
    rc = 0;
done:
    ruleset_free(set);
    cJSON_Delete(root);
    free(copy);
    return rc;
}

int ruleset_load(const char *path, struct ruleset **out, char *err, size_t err_len)
{
    char *text = NULL;
    int rc = -1;
    FILE *file = fopen(path, "rb");
    *out = NULL;
    if (file == NULL)
        return error_set(err, err_len, "%s: %s", path, strerror(errno));
    if ((text = malloc(RULESET_MAX_FILE_BYTES + 1)) == NULL) {
        error_set(err, err_len, "%s: out of memory", path);
        goto done;
    }
    size_t len = fread(text, 1, RULESET_MAX_FILE_BYTES + 1, file);
    if (ferror(file)) {
        error_set(err, err_len, "%s: read error", path);
        goto done;
    }
    rc = ruleset_parse(path, text, len, out, err, err_len);
done:
    free(text);
    fclose(file);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ruleset_load_dir(const char *dir, struct ruleset ***out, size_t *count, char *err,
                     size_t err_len)
{
    char *names[RULESET_MAX_FILES];
    size_t name_count = 0, loaded = 0;
    struct ruleset **sets = NULL;
    int rc = -1;
    *out = NULL;
    *count = 0;
    DIR *folder = opendir(dir);
    if (folder == NULL)
        return error_set(err, err_len, "%s: %s", dir, strerror(errno));
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        size_t len = strlen(entry->d_name);
        if (entry->d_name[0] == '.' || len < 7 || strcmp(entry->d_name + len - 6, ".jsonc") != 0)
            continue;
        if (name_count == RULESET_MAX_FILES) {
            error_set(err, err_len, "%s: more than %d rulesets", dir, RULESET_MAX_FILES);
            goto done;
        }
        if ((names[name_count] = strdup(entry->d_name)) == NULL) {
            error_set(err, err_len, "%s: out of memory", dir);
            goto done;
        }
        name_count++;
    }
    if (name_count == 0) {
        error_set(err, err_len, "%s: no *.jsonc rulesets", dir);
        goto done;
    }
    qsort(names, name_count, sizeof(names[0]), by_name);
    if ((sets = calloc(name_count, sizeof(*sets))) == NULL) {
        error_set(err, err_len, "%s: out of memory", dir);
        goto done;
    }
    for (; loaded < name_count; loaded++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[loaded]);
        if (ruleset_load(path, &sets[loaded], err, err_len) != 0)
            goto done;
    }
    *out = sets;
    *count = loaded;
    sets = NULL;
    rc = 0;
done:
    ruleset_free_all(sets, loaded);
    for (size_t i = 0; i < name_count; i++)
        free(names[i]);
    closedir(folder);
    return rc;
}
