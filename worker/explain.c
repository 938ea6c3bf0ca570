#include "worker/explain.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void explain_field_name(const struct score_match *match, char *out, size_t out_len)
{
    switch (match->field) {
    case RULE_FIELD_MEDIA_ALT:
        snprintf(out, out_len, "media[%u].alt", match->index);
        break;
    case RULE_FIELD_HASHTAG:
    case RULE_FIELD_MENTION:
        snprintf(out, out_len, "%s[%u]", rule_field_name(match->field), match->index);
        break;
    default: {
        /* The common case, without snprintf's cost. */
        const char *name = rule_field_name(match->field);
        size_t len = strlen(name);
        if (len >= out_len)
            len = out_len > 0 ? out_len - 1 : 0;
        if (out_len > 0) {
            memcpy(out, name, len);
            out[len] = '\0';
        }
        break;
    }
    }
}

/* Three decimals: enough for a reviewer, and stable across compilers. */
static double rounded(double value)
{
    return round(value * 1000.0) / 1000.0;
}

/* ---- numbers ------------------------------------------------------------------------------
 * cJSON prints a number with %1.15g, or %1.17g when that does not read back, through snprintf
 * and sscanf: most of the time of a result. The numbers here are offsets and thousandths, whose
 * %1.15g text is known without that round trip, so they are formatted directly and handed to
 * cJSON as raw items with the same bytes (test_explain holds them to cJSON's own output).
 * Anything else is left to cJSON. */

#define NUMBER_TEXT 24

/* Decimal digits of value at the end of out[..end), returning where they start. */
static char *put_digits(unsigned long long value, char *end)
{
    do {
        *--end = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    return end;
}

/* Ten digits at most: %1.15g prints every uint32_t as an integer. */
static void format_offset(uint32_t value, char *out)
{
    char digits[NUMBER_TEXT], *end = digits + sizeof(digits);
    char *start = put_digits(value, end);
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
}

/* value = k / 1000 for an integer k, |value| < 1e9: at most twelve significant digits, which
 * %1.15g prints exactly (trailing zeros and point dropped) and which read back to value. */
static int format_thousandths(double value, char *out)
{
    if (!(fabs(value) < 1e9))
        return -1;
    long long k = (long long)round(value * 1000.0);
    if ((double)k / 1000.0 != value)
        return -1;
    unsigned long long magnitude = k < 0 ? (unsigned long long)-k : (unsigned long long)k;
    unsigned fraction = (unsigned)(magnitude % 1000);
    char digits[NUMBER_TEXT], *end = digits + sizeof(digits) - 4, *start;
    size_t len = 0;
    if (fraction != 0) {
        char decimals[3] = {(char)('0' + fraction / 100), (char)('0' + fraction / 10 % 10),
                            (char)('0' + fraction % 10)};
        size_t kept = decimals[2] != '0' ? 3 : decimals[1] != '0' ? 2 : 1;
        end[0] = '.';
        memcpy(end + 1, decimals, kept);
        len = kept + 1;
    }
    start = put_digits(magnitude / 1000, end);
    if (k < 0 || signbit(value)) /* cJSON prints -0.0 as "-0" */
        *--start = '-';
    len += (size_t)(end - start);
    memcpy(out, start, len);
    out[len] = '\0';
    return 0;
}

/* ---- the tree -----------------------------------------------------------------------------
 * One tree serves result after result and allocates only while it grows: every item is a
 * reference set per result (the id and the scorer's names outlive each printing), numbers are
 * raw items over text kept beside them, and the items of categories and matches are kept in
 * pools, attached to their array for a result and detached after it. */

struct pooled_match {
    cJSON *object, *rule, *category, *term, *field, *start, *end, *weight;
    char field_text[48];
    char numbers[3][NUMBER_TEXT];
};

struct explain_tree {
    cJSON *root, *id, *political, *partisan, *verdict, *categories, *matches, *ruleset;
    char scores[2][NUMBER_TEXT];
    cJSON *category_pool[RULESET_MAX_CATEGORIES];
    size_t category_pooled;
    struct pooled_match match_pool[SCORE_MAX_EXPLAIN];
    size_t match_pooled;
};

/* A string reference under key in object. */
static cJSON *reference(cJSON *object, const char *key)
{
    cJSON *item = cJSON_CreateStringReference("");
    if (item != NULL && !cJSON_AddItemToObjectCS(object, key, item)) {
        cJSON_Delete(item);
        item = NULL;
    }
    return item;
}

static void detach_all(cJSON *array)
{
    while (array->child != NULL)
        cJSON_DetachItemViaPointer(array, array->child);
}

static void tree_free(struct explain_tree *tree)
{
    if (tree == NULL)
        return;
    if (tree->categories != NULL)
        detach_all(tree->categories);
    if (tree->matches != NULL)
        detach_all(tree->matches);
    for (size_t i = 0; i < tree->category_pooled; i++)
        cJSON_Delete(tree->category_pool[i]);
    for (size_t i = 0; i < tree->match_pooled; i++)
        cJSON_Delete(tree->match_pool[i].object);
    cJSON_Delete(tree->root);
    free(tree);
}

static struct explain_tree *tree_new(void)
{
    /* Not zeroed whole: the pools and texts (most of its size) are written before read. */
    struct explain_tree *tree = malloc(sizeof(*tree));
    if (tree == NULL)
        return NULL;
    tree->id = tree->political = tree->partisan = tree->verdict = NULL;
    tree->categories = tree->matches = tree->ruleset = NULL;
    tree->category_pooled = tree->match_pooled = 0;
    cJSON *root = tree->root = cJSON_CreateObject();
    if (root == NULL || (tree->id = reference(root, "id")) == NULL ||
        (tree->political = reference(root, "political")) == NULL ||
        (tree->partisan = reference(root, "partisan")) == NULL ||
        (tree->verdict = reference(root, "verdict")) == NULL ||
        (tree->categories = cJSON_AddArrayToObject(root, "categories")) == NULL ||
        (tree->matches = cJSON_AddArrayToObject(root, "matches")) == NULL ||
        (tree->ruleset = reference(root, "ruleset")) == NULL) {
        tree_free(tree);
        return NULL;
    }
    return tree;
}

/* item (a reference item of the tree) shows value: raw text when formatted, else a number.
 * Its key stays as it was added (constant). */
static void set_number(cJSON *item, double value, int formatted, char *text)
{
    int key = item->type & cJSON_StringIsConst;
    if (formatted == 0) {
        item->type = key | cJSON_Raw | cJSON_IsReference;
        item->valuestring = text;
    } else {
        item->type = key | cJSON_Number | cJSON_IsReference;
        item->valuestring = NULL;
        cJSON_SetNumberHelper(item, value);
    }
}

static int pool_match(struct pooled_match *m)
{
    if ((m->object = cJSON_CreateObject()) == NULL)
        return -1;
    if ((m->rule = reference(m->object, "rule")) == NULL ||
        (m->category = reference(m->object, "category")) == NULL ||
        (m->term = reference(m->object, "term")) == NULL ||
        (m->field = reference(m->object, "field")) == NULL ||
        (m->start = reference(m->object, "start")) == NULL ||
        (m->end = reference(m->object, "end")) == NULL ||
        (m->weight = reference(m->object, "weight")) == NULL) {
        cJSON_Delete(m->object);
        m->object = NULL;
        return -1;
    }
    return 0;
}

static void set_match(struct pooled_match *m, const struct score_match *match)
{
    double weight = rounded(match->weight);
    explain_field_name(match, m->field_text, sizeof(m->field_text));
    m->rule->valuestring = (char *)match->rule;
    m->category->valuestring = (char *)match->category;
    m->term->valuestring = (char *)match->term;
    m->field->valuestring = m->field_text;
    format_offset(match->start, m->numbers[0]);
    set_number(m->start, match->start, 0, m->numbers[0]);
    format_offset(match->end, m->numbers[1]);
    set_number(m->end, match->end, 0, m->numbers[1]);
    set_number(m->weight, weight, format_thousandths(weight, m->numbers[2]), m->numbers[2]);
}

static int tree_fill(struct explain_tree *tree, const char *id, const struct score_result *result)
{
    double political = rounded(result->political), partisan = rounded(result->partisan);
    if (id == NULL || result->category_count > RULESET_MAX_CATEGORIES ||
        result->match_count > SCORE_MAX_EXPLAIN)
        return -1;
    tree->id->valuestring = (char *)id;
    set_number(tree->political, political, format_thousandths(political, tree->scores[0]),
               tree->scores[0]);
    set_number(tree->partisan, partisan, format_thousandths(partisan, tree->scores[1]),
               tree->scores[1]);
    tree->verdict->valuestring = (char *)score_verdict_name(result->verdict);
    tree->ruleset->valuestring = (char *)result->ruleset;
    detach_all(tree->categories);
    detach_all(tree->matches);
    for (size_t i = 0; i < result->category_count; i++) {
        if (i == tree->category_pooled) {
            if ((tree->category_pool[i] = cJSON_CreateStringReference("")) == NULL)
                return -1;
            tree->category_pooled++;
        }
        tree->category_pool[i]->valuestring = (char *)result->categories[i];
        if (!cJSON_AddItemToArray(tree->categories, tree->category_pool[i]))
            return -1;
    }
    for (size_t i = 0; i < result->match_count; i++) {
        struct pooled_match *m = &tree->match_pool[i];
        if (i == tree->match_pooled) {
            if (pool_match(m) != 0)
                return -1;
            tree->match_pooled++;
        }
        set_match(m, &result->matches[i]);
        if (!cJSON_AddItemToArray(tree->matches, m->object))
            return -1;
    }
    return 0;
}

char *explain_to_json(const char *id, const struct score_result *result)
{
    struct explain_tree *tree = tree_new();
    char *json = tree != NULL && tree_fill(tree, id, result) == 0
                     ? cJSON_PrintUnformatted(tree->root)
                     : NULL;
    tree_free(tree);
    return json;
}

void explain_writer_init(struct explain_writer *writer)
{
    memset(writer, 0, sizeof(*writer));
}

void explain_writer_free(struct explain_writer *writer)
{
    tree_free(writer->tree);
    free(writer->buffer);
    explain_writer_init(writer);
}

const char *explain_write(struct explain_writer *writer, const char *id,
                          const struct score_result *result, size_t *len)
{
    if (writer->tree == NULL && (writer->tree = tree_new()) == NULL)
        return NULL;
    if (tree_fill(writer->tree, id, result) != 0)
        return NULL;
    cJSON *root = writer->tree->root;
    if (writer->cap > 0 && cJSON_PrintPreallocated(root, writer->buffer, (int)writer->cap, 0)) {
        *len = strlen(writer->buffer);
        return writer->buffer;
    }
    /* Too small (cJSON cannot say by how much): print once with allocation, then keep room
     * for a line this long. */
    const char *line = NULL;
    char *json = cJSON_PrintUnformatted(root);
    if (json == NULL)
        return NULL;
    size_t json_len = strlen(json), cap = writer->cap ? writer->cap : 4096;
    while (cap < json_len + 64)
        cap *= 2;
    char *buffer = cap <= INT_MAX ? realloc(writer->buffer, cap) : NULL;
    if (buffer != NULL) {
        memcpy(buffer, json, json_len + 1);
        writer->buffer = buffer;
        writer->cap = cap;
        line = buffer;
        *len = json_len;
    }
    cJSON_free(json);
    return line;
}
