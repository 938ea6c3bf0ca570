#include "sim/html.h"

#include <string.h>

#include "sim/entities.h"

#define LINK_DISPLAY_CHARS 30

void html_escape(struct buf *out, const char *text, size_t len)
{
    size_t plain = 0;
    for (size_t i = 0; i < len; i++) {
        const char *entity = NULL;
        switch (text[i]) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&#39;";
            break;
        default:
            continue;
        }
        buf_append(out, text + plain, i - plain);
        buf_puts(out, entity);
        plain = i + 1;
    }
    buf_append(out, text + plain, len - plain);
}

/* Text between entities: newlines become paragraph breaks or <br />. */
static void text_run(struct buf *out, const char *text, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '\n')
            continue;
        html_escape(out, text + start, i - start);
        if (i + 1 < len && text[i + 1] == '\n') {
            buf_puts(out, "</p><p>");
            while (i + 1 < len && text[i + 1] == '\n')
                i++;
        } else {
            buf_puts(out, "<br />");
        }
        start = i + 1;
    }
    html_escape(out, text + start, len - start);
}

static void mastodon_link(struct buf *out, const char *url, size_t len)
{
    size_t prefix = strncmp(url, "https://", 8) == 0 ? 8 : 7;
    if (len - prefix > 4 && strncmp(url + prefix, "www.", 4) == 0)
        prefix += 4;
    buf_puts(out, "<a href=\"");
    html_escape(out, url, len);
    buf_puts(out, "\" target=\"_blank\" rel=\"nofollow noopener noreferrer\" translate=\"no\">"
                  "<span class=\"invisible\">");
    html_escape(out, url, prefix);
    size_t rest = len - prefix;
    size_t shown = rest > LINK_DISPLAY_CHARS ? LINK_DISPLAY_CHARS : rest;
    buf_puts(out, rest > LINK_DISPLAY_CHARS ? "</span><span class=\"ellipsis\">"
                                            : "</span><span class=\"\">");
    html_escape(out, url + prefix, shown);
    buf_puts(out, "</span><span class=\"invisible\">");
    html_escape(out, url + prefix + shown, rest - shown);
    buf_puts(out, "</span></a>");
}

static void entity_html(struct buf *out, const char *text, const struct entity *e,
                        enum html_markup markup, const char *instance)
{
    const char *span = text + e->byte_start;
    size_t len = e->byte_end - e->byte_start;
    switch (e->type) {
    case ENTITY_MENTION:
        if (markup == HTML_MASTODON) {
            buf_printf(out, "<span class=\"h-card\" translate=\"no\"><a href=\"%s/@", instance);
            html_escape(out, span + 1, len - 1);
            buf_puts(out, "\" class=\"u-url mention\">@<span>");
            html_escape(out, span + 1, len - 1);
            buf_puts(out, "</span></a></span>");
        } else {
            html_escape(out, span, len);
        }
        break;
    case ENTITY_HASHTAG:
        buf_printf(out, "<a href=\"%s/tags/", instance);
        html_escape(out, span + 1, len - 1);
        buf_puts(out, markup == HTML_MASTODON ? "\" class=\"mention hashtag\" rel=\"tag\">#<span>"
                                              : "\" rel=\"tag\">#<span>");
        html_escape(out, span + 1, len - 1);
        buf_puts(out, "</span></a>");
        break;
    case ENTITY_LINK:
        if (markup == HTML_MASTODON) {
            mastodon_link(out, span, len);
        } else {
            buf_puts(out, "<a href=\"");
            html_escape(out, span, len);
            buf_puts(out, "\">");
            html_escape(out, span, len);
            buf_puts(out, "</a>");
        }
        break;
    }
}

void html_from_text(struct buf *out, const char *text, enum html_markup markup,
                    const char *instance)
{
    struct entities found;
    entities_scan(text, &found);
    buf_puts(out, "<p>");
    size_t at = 0;
    for (size_t i = 0; i < found.count; i++) {
        text_run(out, text + at, found.items[i].byte_start - at);
        entity_html(out, text, &found.items[i], markup, instance);
        at = found.items[i].byte_end;
    }
    text_run(out, text + at, strlen(text) - at);
    buf_puts(out, "</p>");
}
