#include "worker/explain.h"

#include <math.h>
#include <stdio.h>

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
    default:
        snprintf(out, out_len, "%s", rule_field_name(match->field));
        break;
    }
}

/* Three decimals: enough for a reviewer, and stable across compilers. */
static double rounded(double value)
{
    return round(value * 1000.0) / 1000.0;
}

static int add_match(cJSON *matches, const struct score_match *match)
{
    char field[48];
    cJSON *item = cJSON_CreateObject();
    if (item == NULL || !cJSON_AddItemToArray(matches, item))
        return cJSON_Delete(item), -1;
    explain_field_name(match, field, sizeof(field));
    if (cJSON_AddStringToObject(item, "rule", match->rule) == NULL ||
        cJSON_AddStringToObject(item, "category", match->category) == NULL ||
        cJSON_AddStringToObject(item, "term", match->term) == NULL ||
        cJSON_AddStringToObject(item, "field", field) == NULL ||
        cJSON_AddNumberToObject(item, "start", match->start) == NULL ||
        cJSON_AddNumberToObject(item, "end", match->end) == NULL ||
        cJSON_AddNumberToObject(item, "weight", rounded(match->weight)) == NULL)
        return -1;
    return 0;
}

cJSON *explain_to_cjson(const char *id, const struct score_result *result)
{
    cJSON *root = cJSON_CreateObject(), *categories, *matches;
    if (root == NULL || cJSON_AddStringToObject(root, "id", id) == NULL ||
        cJSON_AddNumberToObject(root, "political", rounded(result->political)) == NULL ||
        cJSON_AddNumberToObject(root, "partisan", rounded(result->partisan)) == NULL ||
        cJSON_AddStringToObject(root, "verdict", score_verdict_name(result->verdict)) == NULL ||
        (categories = cJSON_AddArrayToObject(root, "categories")) == NULL ||
        (matches = cJSON_AddArrayToObject(root, "matches")) == NULL)
        goto fail;
    for (size_t i = 0; i < result->category_count; i++) {
        cJSON *name = cJSON_CreateString(result->categories[i]);
        if (name == NULL || !cJSON_AddItemToArray(categories, name)) {
            cJSON_Delete(name);
            goto fail;
        }
    }
    for (size_t i = 0; i < result->match_count; i++)
        if (add_match(matches, &result->matches[i]) != 0)
            goto fail;
    if (cJSON_AddStringToObject(root, "ruleset", result->ruleset) == NULL)
        goto fail;
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

char *explain_to_json(const char *id, const struct score_result *result)
{
    cJSON *root = explain_to_cjson(id, result);
    char *json = root != NULL ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return json;
}
