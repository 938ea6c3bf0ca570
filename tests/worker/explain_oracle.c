#include "tests/worker/explain_oracle.h"

#include <cjson/cJSON.h>
#include <math.h>

#include "worker/explain.h"

static double rounded(double value)
{
    return round(value * 1000.0) / 1000.0;
}

static int add_match(cJSON *matches, const struct score_match *m)
{
    char field[48];
    cJSON *item = cJSON_CreateObject();
    if (item == NULL || !cJSON_AddItemToArray(matches, item))
        return cJSON_Delete(item), -1;
    explain_field_name(m, field, sizeof(field));
    if (cJSON_AddStringToObject(item, "rule", m->rule) == NULL ||
        cJSON_AddStringToObject(item, "category", m->category) == NULL ||
        cJSON_AddStringToObject(item, "term", m->term) == NULL ||
        cJSON_AddStringToObject(item, "field", field) == NULL ||
        cJSON_AddNumberToObject(item, "start", m->start) == NULL ||
        cJSON_AddNumberToObject(item, "end", m->end) == NULL ||
        cJSON_AddNumberToObject(item, "weight", rounded(m->weight)) == NULL)
        return -1;
    return 0;
}

char *explain_oracle_json(const char *id, const struct score_result *result)
{
    cJSON *root = cJSON_CreateObject(), *categories, *matches;
    char *json = NULL;
    if (root == NULL || cJSON_AddStringToObject(root, "id", id) == NULL ||
        cJSON_AddNumberToObject(root, "political", rounded(result->political)) == NULL ||
        cJSON_AddNumberToObject(root, "partisan", rounded(result->partisan)) == NULL ||
        cJSON_AddStringToObject(root, "verdict", score_verdict_name(result->verdict)) == NULL ||
        (categories = cJSON_AddArrayToObject(root, "categories")) == NULL ||
        (matches = cJSON_AddArrayToObject(root, "matches")) == NULL)
        goto done;
    for (size_t i = 0; i < result->category_count; i++) {
        cJSON *name = cJSON_CreateString(result->categories[i]);
        if (name == NULL || !cJSON_AddItemToArray(categories, name)) {
            cJSON_Delete(name);
            goto done;
        }
    }
    for (size_t i = 0; i < result->match_count; i++)
        if (add_match(matches, &result->matches[i]) != 0)
            goto done;
    if (cJSON_AddStringToObject(root, "ruleset", result->ruleset) == NULL)
        goto done;
    json = cJSON_PrintUnformatted(root);
done:
    cJSON_Delete(root);
    return json;
}
