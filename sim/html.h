/* A post's plain text as HTML, the way the platforms mark it up: paragraphs for blank-line
 * breaks, <br /> for single newlines, special characters as entities (' as &#39;, like
 * Mastodon), and mentions, hashtags and links as anchors, either in Mastodon's markup (h-card
 * mentions, "mention hashtag" tags, links split into invisible/ellipsis spans) or as plain
 * anchors (feeds). */
#ifndef NETRA_SIM_HTML_H
#define NETRA_SIM_HTML_H

#include "sim/buf.h"

enum html_markup { HTML_MASTODON, HTML_PLAIN };

/* instance: "https://sim.mastodon", the base for mention and tag links. */
void html_from_text(struct buf *out, const char *text, enum html_markup markup,
                    const char *instance);
/* Escapes text for HTML or XML character data and attribute values. */
void html_escape(struct buf *out, const char *text, size_t len);

#endif
