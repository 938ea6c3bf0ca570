#include "sim/reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void reply_init(struct sim_reply *reply)
{
    memset(reply, 0, sizeof(*reply));
    reply->status = 200;
    buf_init(&reply->body);
}

void reply_free(struct sim_reply *reply)
{
    for (size_t i = 0; i < reply->header_count; i++)
        free(reply->headers[i].value);
    buf_free(&reply->body);
    reply->header_count = 0;
}

void reply_header(struct sim_reply *reply, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *value = n < 0 ? NULL : malloc((size_t)n + 1);
    if (value == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(value, (size_t)n + 1, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < reply->header_count; i++) {
        if (strcasecmp(reply->headers[i].name, name) == 0) {
            free(reply->headers[i].value);
            reply->headers[i].value = value;
            return;
        }
    }
    if (reply->header_count == REPLY_MAX_HEADERS) {
        free(value);
        return;
    }
    struct reply_header *h = &reply->headers[reply->header_count++];
    snprintf(h->name, sizeof(h->name), "%s", name);
    h->value = value;
}

const char *reply_header_value(const struct sim_reply *reply, const char *name)
{
    for (size_t i = 0; i < reply->header_count; i++)
        if (strcasecmp(reply->headers[i].name, name) == 0)
            return reply->headers[i].value;
    return NULL;
}

void reply_body(struct sim_reply *reply, int status, const char *content_type, const char *text)
{
    reply->status = status;
    snprintf(reply->content_type, sizeof(reply->content_type), "%s", content_type);
    reply->body.len = 0;
    buf_puts(&reply->body, text);
}

void reply_json(struct sim_reply *reply, int status, cJSON *doc)
{
    char *text = doc != NULL ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    if (text == NULL) {
        reply_body(reply, 500, "application/json; charset=utf-8",
                   "{\"error\":\"out of memory rendering the response\"}");
        return;
    }
    reply_body(reply, status, "application/json; charset=utf-8", text);
    free(text);
}

void reply_json_error(struct sim_reply *reply, int status, const char *message)
{
    cJSON *doc = cJSON_CreateObject();
    if (doc != NULL && cJSON_AddStringToObject(doc, "error", message) == NULL) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    reply_json(reply, status, doc);
}
