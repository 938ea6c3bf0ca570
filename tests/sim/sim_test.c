#include "sim_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "config/log.h"

static void sim_test_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void sim_test_fail(const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    fail_msg("%s", message);
    abort();
}

void sim_test_options(struct sim_options *options)
{
    sim_options_defaults(options);
    options->world.seed = 7;
    options->world.accounts = 10;
    options->world.start_ms = SIM_TEST_START_S * 1000;
    options->world.speed = 1e-6;
    options->world.posts_per_day = 8;
    options->world.history_days = 20;
}

struct sim *sim_test_start(const struct sim_options *options)
{
    struct sim *sim = malloc(sizeof(*sim));
    char err[NETRA_ERR_LEN];
    if (sim == NULL)
        sim_test_fail("out of memory");
    if (sim_init(sim, options, err, sizeof(err)) != 0)
        sim_test_fail("sim_init: %s", err);
    if (sim_start(sim, err, sizeof(err)) != 0)
        sim_test_fail("sim_start: %s", err);
    return sim;
}

void sim_test_stop(struct sim *sim)
{
    sim_free(sim);
    free(sim);
}

char *sim_test_url(const struct sim *sim, const char *path)
{
    size_t len = strlen(sim->world.base_url) + strlen(path) + 1;
    char *url = malloc(len);
    if (url == NULL)
        sim_test_fail("out of memory");
    snprintf(url, len, "%s%s", sim->world.base_url, path);
    return url;
}

struct sink {
    char *data;
    size_t len;
};

static size_t sink_write(char *data, size_t size, size_t count, void *cls)
{
    struct sink *s = cls;
    size_t n = size * count;
    char *grown = realloc(s->data, s->len + n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + s->len, data, n);
    s->data = grown;
    s->len += n;
    s->data[s->len] = '\0';
    return n;
}

void http_do(const char *url, const struct http_options *options, struct http_response *out)
{
    memset(out, 0, sizeof(*out));
    struct sink body = {NULL, 0}, headers = {NULL, 0};
    struct curl_slist *list = NULL;
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        sim_test_fail("curl_easy_init failed");
    for (const char *const *h = options->headers; h != NULL && *h != NULL; h++)
        list = curl_slist_append(list, *h);
    if (options->body != NULL)
        list = curl_slist_append(list, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, sink_write);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options->timeout_ms > 0 ? options->timeout_ms : 10000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    if (options->follow_redirects) {
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    }
    if (options->decode)
        curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
    if (options->body != NULL)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, options->body);
    if (options->method != NULL)
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, options->method);
    out->result = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &out->seconds);
    curl_easy_cleanup(curl);
    curl_slist_free_all(list);
    out->body = body.data != NULL ? body.data : strdup("");
    out->len = body.len;
    out->headers = headers.data != NULL ? headers.data : strdup("");
}

void http_get(const char *url, struct http_response *out)
{
    struct http_options options = {0};
    http_do(url, &options, out);
}

void http_response_free(struct http_response *response)
{
    free(response->body);
    free(response->headers);
    memset(response, 0, sizeof(*response));
}

char *http_header(const struct http_response *response, const char *name)
{
    char *found = NULL;
    size_t name_len = strlen(name);
    for (const char *line = response->headers; line != NULL && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        if (len > name_len && line[name_len] == ':' && strncasecmp(line, name, name_len) == 0) {
            const char *value = line + name_len + 1;
            while (*value == ' ')
                value++;
            free(found);
            found = strndup(value, len - (size_t)(value - line));
        }
        line = end != NULL ? end + 2 : NULL;
    }
    return found;
}

cJSON *http_json(const struct http_response *response)
{
    cJSON *doc = cJSON_ParseWithLength(response->body, response->len);
    if (doc == NULL)
        sim_test_fail("not JSON (status %ld): %.300s", response->status, response->body);
    return doc;
}

cJSON *sim_test_get_json(const struct sim *sim, const char *path, long status)
{
    char *url = sim_test_url(sim, path);
    struct http_response r;
    http_get(url, &r);
    free(url);
    if (r.result != CURLE_OK || r.status != status)
        sim_test_fail("GET %s: curl %d, status %ld (expected %ld): %.300s", path, (int)r.result, r.status,
             status, r.body);
    cJSON *doc = http_json(&r);
    http_response_free(&r);
    return doc;
}

cJSON *sim_test_post_json(const struct sim *sim, const char *path, const char *body, long status)
{
    char *url = sim_test_url(sim, path);
    struct http_options options = {.body = body};
    struct http_response r;
    http_do(url, &options, &r);
    free(url);
    if (r.result != CURLE_OK || r.status != status)
        sim_test_fail("POST %s: curl %d, status %ld (expected %ld): %.300s", path, (int)r.result, r.status,
             status, r.body);
    cJSON *doc = http_json(&r);
    http_response_free(&r);
    return doc;
}

const char *json_string(const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!cJSON_IsString(item))
        sim_test_fail("\"%s\" is missing or not a string", name);
    return item->valuestring;
}

int json_array_has(const cJSON *array, const char *s)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, array)
    {
        if (cJSON_IsString(item) && strcmp(item->valuestring, s) == 0)
            return 1;
    }
    return 0;
}

cJSON *sim_test_account(const struct sim *sim, const char *platform)
{
    cJSON *doc = sim_test_get_json(sim, "/_sim/accounts", 200);
    cJSON *account;
    cJSON_ArrayForEach(account, cJSON_GetObjectItem(doc, "accounts"))
    {
        if (strcmp(json_string(account, "platform"), platform) == 0) {
            cJSON *copy = cJSON_Duplicate(account, 1);
            cJSON_Delete(doc);
            return copy;
        }
    }
    cJSON_Delete(doc);
    sim_test_fail("no %s account", platform);
}

cJSON *sim_test_visible_ids(const struct sim *sim, const char *account)
{
    char path[128];
    snprintf(path, sizeof(path), "/_sim/posts?account=%s", account);
    cJSON *doc = sim_test_get_json(sim, path, 200);
    cJSON *ids = cJSON_CreateArray();
    cJSON *post;
    cJSON_ArrayForEach(post, cJSON_GetObjectItem(doc, "posts"))
    {
        if (!cJSON_IsTrue(cJSON_GetObjectItem(post, "deleted")))
            cJSON_AddItemToArray(ids, cJSON_CreateString(json_string(post, "id")));
    }
    cJSON_Delete(doc);
    return ids;
}
