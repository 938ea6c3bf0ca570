#include "sim/entities.h"

#include <string.h>

static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static size_t mention_end(const char *text, size_t at)
{
    size_t i = at + 1;
    if (!is_word((unsigned char)text[i]))
        return at;
    while (is_word((unsigned char)text[i]) || text[i] == '.' || text[i] == '-')
        i++;
    while (i > at + 1 && (text[i - 1] == '.' || text[i - 1] == '-'))
        i--;
    return i;
}

static size_t hashtag_end(const char *text, size_t at)
{
    size_t i = at + 1;
    int letters = 0;
    while (is_word((unsigned char)text[i])) {
        if (!(text[i] >= '0' && text[i] <= '9'))
            letters = 1;
        i++;
    }
    return letters ? i : at;
}

static size_t link_end(const char *text, size_t at)
{
    size_t i = at;
    while (text[i] != '\0' && !is_space((unsigned char)text[i]))
        i++;
    while (i > at && strchr(".,!?:;)'\"", text[i - 1]) != NULL)
        i--;
    return i;
}

static int starts_link(const char *text, size_t at)
{
    return strncmp(text + at, "https://", 8) == 0 || strncmp(text + at, "http://", 7) == 0;
}

void entities_scan(const char *text, struct entities *out)
{
    out->count = 0;
    size_t cp = 0;
    size_t i = 0;
    while (text[i] != '\0' && out->count < ENTITIES_MAX) {
        unsigned char c = (unsigned char)text[i];
        int boundary = i == 0 || (!is_word((unsigned char)text[i - 1]) && text[i - 1] != '&' &&
                                  text[i - 1] != '/' && text[i - 1] != '@' && text[i - 1] != '#');
        size_t end = i;
        enum entity_type type = ENTITY_LINK;
        if (c == '@' && boundary) {
            end = mention_end(text, i);
            type = ENTITY_MENTION;
        } else if (c == '#' && boundary) {
            end = hashtag_end(text, i);
            type = ENTITY_HASHTAG;
        } else if ((c == 'h') && (i == 0 || is_space((unsigned char)text[i - 1]) || text[i - 1] == '(') &&
                   starts_link(text, i)) {
            end = link_end(text, i);
            type = ENTITY_LINK;
        }
        if (end > i + 1) {
            struct entity *e = &out->items[out->count++];
            e->type = type;
            e->byte_start = i;
            e->byte_end = end;
            e->cp_start = cp;
            for (; i < end; i++)
                if ((((unsigned char)text[i]) & 0xC0) != 0x80)
                    cp++;
            e->cp_end = cp;
            continue;
        }
        if ((c & 0xC0) != 0x80)
            cp++;
        i++;
        /* Count continuation bytes as part of the code point just started. */
        while ((((unsigned char)text[i]) & 0xC0) == 0x80)
            i++;
    }
}
