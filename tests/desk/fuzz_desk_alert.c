/* Fuzzes what the feeds make of an alerts entry written from hostile bytes (post text, names,
 * notes, a follow's or a like's target): alerts_decode on any field values (every field of enum
 * alert_field, kind and target ones too), alert_parse_time on any time, and the cleaned text
 * in XML and JSON. The input is a time, then field values, separated by 0x1f. Whatever comes in,
 * the JSON must parse back, and the XML libxml2 writes from the text must be well-formed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>
#include <libxml/parser.h>
#include <libxml/xmlwriter.h>

#include "config/log.h"
#include "config/utf8.h"
#include "desk/alerts.h"

static void fail(const char *what)
{
    log_error("fuzz_desk_alert: %s", what);
    abort();
}

static void check_xml(const char *text)
{
    xmlBufferPtr buffer = xmlBufferCreate();
    xmlTextWriterPtr writer = xmlNewTextWriterMemory(buffer, 0);
    if (writer == NULL || xmlTextWriterStartDocument(writer, NULL, "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElement(writer, BAD_CAST "content") < 0 ||
        xmlTextWriterWriteAttribute(writer, BAD_CAST "title", BAD_CAST text) < 0 ||
        xmlTextWriterWriteString(writer, BAD_CAST text) < 0 ||
        xmlTextWriterEndDocument(writer) < 0)
        fail("xmlTextWriter refused cleaned text");
    xmlFreeTextWriter(writer);
    xmlDocPtr doc = xmlReadMemory((const char *)xmlBufferContent(buffer), xmlBufferLength(buffer),
                                  "fuzz.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                        XML_PARSE_NOWARNING);
    if (doc == NULL)
        fail("cleaned text made XML that does not parse");
    xmlFreeDoc(doc);
    xmlBufferFree(buffer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    redisReply id = {.type = REDIS_REPLY_STRING, .str = "1700000000000-0", .len = 15};
    redisReply keys[ALERT_FIELD_COUNT], values[ALERT_FIELD_COUNT];
    redisReply *pairs[2 * ALERT_FIELD_COUNT];
    redisReply fields = {.type = REDIS_REPLY_ARRAY, .element = pairs};
    redisReply *parts[2] = {&id, &fields};
    redisReply entry = {.type = REDIS_REPLY_ARRAY, .elements = 2, .element = parts};
    char *copy = malloc(size + 1), *cursor = copy, err[NETRA_ERR_LEN];
    struct alert alert;
    long long ms;

    log_set_level(LOG_LEVEL_ERROR);
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *end = memchr(cursor, 0x1f, size);
    size_t first = end != NULL ? (size_t)(end - cursor) : size;
    char *time_text = strndup(cursor, first);
    if (alert_parse_time(time_text, &ms) == 0) {
        char formatted[32];
        alert_format_time(ms, formatted);
    }
    free(time_text);

    size_t offset = end != NULL ? first + 1 : size;
    for (size_t f = 0; f < ALERT_FIELD_COUNT; f++) {
        const char *start = copy + offset;
        const char *stop = offset < size ? memchr(start, 0x1f, size - offset) : NULL;
        size_t len = offset < size ? (stop != NULL ? (size_t)(stop - start) : size - offset) : 0;
        const char *name = alert_field_name((enum alert_field)f);
        keys[f] = (redisReply){.type = REDIS_REPLY_STRING, .str = (char *)name,
                               .len = strlen(name)};
        values[f] = (redisReply){.type = REDIS_REPLY_STRING, .str = (char *)start, .len = len};
        pairs[2 * f] = &keys[f];
        pairs[2 * f + 1] = &values[f];
        offset += len + (stop != NULL ? 1 : 0);
        if (offset > size)
            offset = size;
    }
    fields.elements = 2 * ALERT_FIELD_COUNT;

    if (alerts_decode(&entry, 0, &alert, err, sizeof(err)) == 0) {
        cJSON *json = alert_to_json(&alert);
        char *printed = json != NULL ? cJSON_PrintUnformatted(json) : NULL;
        cJSON *back = printed != NULL ? cJSON_Parse(printed) : NULL;
        if (back == NULL || !utf8_valid(printed, strlen(printed), NULL))
            fail("alert JSON does not parse back");
        cJSON_Delete(back);
        free(printed);
        cJSON_Delete(json);
        alert_free(&alert);
    }
    char *clean = alert_clean_text((const char *)data, size);
    if (clean == NULL || !utf8_valid(clean, strlen(clean), NULL))
        fail("cleaned text is not UTF-8");
    check_xml(clean);
    free(clean);
    free(copy);
    return 0;
}
