#include "worker/score.h"

#include <string.h>
#include <strings.h>

#include "config/log.h"
#include "config/watchlist.h"
#include "worker/compile.h"

_Static_assert(SCORE_MAX_SOURCES <= 256, "a token names its source in a uint8_t");

const char *score_verdict_name(enum score_verdict verdict)
{
    switch (verdict) {
    case SCORE_CLEAR:
        return "clear";
    case SCORE_POLITICAL:
        return "political";
    case SCORE_SUSPECT:
        return "suspect";
    }
    return "?";
}

void score_scratch_init(struct score_scratch *scratch)
{
    memset(scratch, 0, sizeof(*scratch));
    norm_scratch_init(&scratch->norm);
    match_buffer_init(&scratch->matches);
}

void score_scratch_free(struct score_scratch *scratch)
{
    norm_scratch_free(&scratch->norm);
    match_buffer_free(&scratch->matches);
}

/* ---- reading the post ---------------------------------------------------------------- */

/* 1 when text holds marker followed by name (ASCII case-insensitive) ending at a word edge:
 * a hashtag or mention the text already shows is not read twice. */
static int shown_in_text(const char *text, char marker, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = text; (p = strchr(p, marker)) != NULL; p++) {
        if (strncasecmp(p + 1, name, len) != 0)
            continue;
        unsigned char after = (unsigned char)p[1 + len];
        if (!(after == '_' || (after >= '0' && after <= '9') || ((after | 0x20) >= 'a' &&
                                                                   (after | 0x20) <= 'z')))
            return 1;
    }
    return 0;
}

static int add_source(struct score_scratch *scratch, const struct normalizer *normalizer,
                      const char *text, enum rule_field field, unsigned index, int mode,
                      char *err, size_t err_len)
{
    if (text == NULL || text[0] == '\0' || scratch->source_count >= SCORE_MAX_SOURCES)
        return 0;
    size_t source = scratch->source_count++;
    scratch->sources[source] = (struct score_source){field, index};
    return normalize_text(normalizer, &scratch->norm, text, strlen(text), (uint8_t)source, mode,
                          err, err_len);
}

/* An account field: its handle read as today's unqualified terms see it (unless the text
 * already showed it), and the whole account qualified by the message's platform for
 * "@platform:account" terms. */
static int add_account(struct score_scratch *scratch, const struct normalizer *normalizer,
                       const char *platform, const char *account, enum rule_field field,
                       unsigned index, int shown, char *err, size_t err_len)
{
    if (account == NULL || account[0] == '\0' || scratch->source_count >= SCORE_MAX_SOURCES)
        return 0;
    size_t source = scratch->source_count++, len = strlen(account);
    scratch->sources[source] = (struct score_source){field, index};
    if (!shown && normalize_text(normalizer, &scratch->norm, account, len, (uint8_t)source,
                                 NORM_MODE_HANDLE, err, err_len) != 0)
        return -1;
    return platform == NULL ? 0
                            : normalize_account(&scratch->norm, platform, account, len,
                                                (uint8_t)source, err, err_len);
}

static int read_post(const struct scorer *scorer, struct score_scratch *scratch,
                     const struct post_message *post, char *err, size_t err_len)
{
    const struct normalizer *n = &scorer->normalizer;
    const char *text = post->text != NULL ? post->text : "";
    /* Only a platform netra knows qualifies accounts: its name holds no ':', so the key
     * "@platform:account" cannot be forged by a hostile platform string. */
    const char *platform =
        post->platform != NULL && watchlist_platform_known(post->platform) ? post->platform : NULL;
    if (add_source(scratch, n, text, RULE_FIELD_TEXT, 0, NORM_MODE_TEXT, err, err_len) != 0 ||
        add_source(scratch, n, post->repost_of.text, RULE_FIELD_REPOST_TEXT, 0, NORM_MODE_TEXT,
                   err, err_len) != 0 ||
        add_account(scratch, n, platform, post->repost_of.author, RULE_FIELD_REPOST_AUTHOR, 0, 0,
                    err, err_len) != 0 ||
        add_account(scratch, n, platform, post->target.account, RULE_FIELD_TARGET_ACCOUNT, 0, 0,
                    err, err_len) != 0 ||
        add_account(scratch, n, platform, post->target.account_id, RULE_FIELD_TARGET_ACCOUNT_ID,
                    0, 0, err, err_len) != 0 ||
        add_source(scratch, n, post->target.name, RULE_FIELD_TARGET_NAME, 0, NORM_MODE_TEXT, err,
                   err_len) != 0 ||
        add_source(scratch, n, post->target.text, RULE_FIELD_TARGET_TEXT, 0, NORM_MODE_TEXT, err,
                   err_len) != 0)
        return -1;
    for (size_t i = 0; i < post->media_count && i < SCORE_MAX_PER_FIELD; i++)
        if (add_source(scratch, n, post->media[i].alt, RULE_FIELD_MEDIA_ALT, (unsigned)i,
                       NORM_MODE_TEXT, err, err_len) != 0)
            return -1;
    for (size_t i = 0; i < post->hashtags.count && i < SCORE_MAX_PER_FIELD; i++)
        if (!shown_in_text(text, '#', post->hashtags.items[i]) &&
            add_source(scratch, n, post->hashtags.items[i], RULE_FIELD_HASHTAG, (unsigned)i,
                       NORM_MODE_HASHTAG, err, err_len) != 0)
            return -1;
    for (size_t i = 0; i < post->mentions.count && i < SCORE_MAX_PER_FIELD; i++) {
        int shown = shown_in_text(text, '@', post->mentions.items[i]);
        if ((!shown || platform != NULL) &&
            add_account(scratch, n, platform, post->mentions.items[i], RULE_FIELD_MENTION,
                        (unsigned)i, shown, err, err_len) != 0)
            return -1;
    }
    return 0;
}

/* ---- rules --------------------------------------------------------------------------- */

struct post_view {
    const struct scope *scope;
    struct score_scratch *scratch;
    struct list_set present; /* the lists of every match of the post */
};

static int meets(const struct list_set *a, const struct list_set *b)
{
    uint64_t common = 0;
    for (size_t i = 0; i < COMPILE_MAX_LISTS / 64; i++)
        common |= a->bits[i] & b->bits[i];
    return common != 0;
}

/* Most rules find none of their lists among the post's matches: they are passed over without
 * looking at each match. */
static int may_fire(const struct post_view *v, const struct compiled_rule *c)
{
    const struct list_set *other = c->rule->kind == RULE_NEAR       ? &c->near
                                   : c->rule->kind == RULE_SUPPRESS ? &c->targets
                                                                    : &c->lists;
    return meets(&v->present, &c->lists) && meets(&v->present, other);
}

static const struct norm_token *first_token(const struct post_view *v, const struct match *m)
{
    return &v->scratch->norm.tokens[m->first];
}

static enum rule_field match_field(const struct post_view *v, const struct match *m)
{
    return v->scratch->sources[first_token(v, m)->field].field;
}

static int eligible(const struct post_view *v, size_t i, const struct list_set *lists,
                    unsigned fields)
{
    const struct match *m = &v->scratch->matches.items[i];
    return !v->scratch->suppressed[i] && list_set_has(lists, v->scope->terms[m->payload].list) &&
           (fields >> match_field(v, m)) & 1;
}

/* Within window tokens of each other (0: anywhere in the post). Overlapping matches count only
 * when overlap is allowed: a cue never pairs with its own words, but an innocent phrase
 * ("pilih kasih") does cover the cue inside it. */
static int close_enough(const struct post_view *v, const struct match *a, const struct match *b,
                        unsigned window, int overlap)
{
    if (a->last >= b->first && b->last >= a->first)
        return overlap && first_token(v, a)->field == first_token(v, b)->field;
    if (window == 0)
        return 1;
    if (first_token(v, a)->field != first_token(v, b)->field)
        return 0;
    uint32_t gap = a->last < b->first ? b->first - a->last - 1 : a->first - b->last - 1;
    return gap <= window;
}

static void explain(struct post_view *v, const struct compiled_rule *c, const struct match *m,
                    double weight)
{
    struct score_scratch *s = v->scratch;
    const struct norm_token *first = first_token(v, m), *last = &s->norm.tokens[m->last];
    const struct score_source *source = &s->sources[first->field];
    struct score_match entry = {c->rule->id,
                                c->rule->category ? c->rule->category : "context",
                                v->scope->terms[m->payload].display,
                                source->field,
                                source->index,
                                first->start,
                                last->end,
                                weight};
    for (size_t i = 0; i < s->explain_count; i++) {
        const struct score_match *e = &s->explain[i];
        if (e->rule == entry.rule && e->term == entry.term && e->field == entry.field &&
            e->index == entry.index && e->start == entry.start && e->end == entry.end)
            return;
    }
    if (s->explain_count < SCORE_MAX_EXPLAIN)
        s->explain[s->explain_count++] = entry;
}

/* The matches that can lie within window tokens of m: matches are ordered by their last token
 * and span at most MATCHER_MAX_PATTERN_TOKENS, so a binary search bounds the scan and a post
 * full of matches costs n log n, not n^2. Window 0 (anywhere) scans them all. */
static void neighbours(const struct match_buffer *matches, const struct match *m,
                       unsigned window, size_t *from, size_t *to)
{
    *from = 0;
    *to = matches->count;
    if (window == 0)
        return;
    uint32_t reach = window + MATCHER_MAX_PATTERN_TOKENS;
    uint32_t low = m->first > reach ? m->first - reach : 0, high = m->last + reach;
    size_t lo = 0, hi = matches->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (matches->items[mid].last < low)
            lo = mid + 1;
        else
            hi = mid;
    }
    *from = lo;
    while (hi < matches->count && matches->items[hi].last <= high)
        hi++;
    *to = hi;
}

static void apply_suppress(struct post_view *v, const struct compiled_rule *c)
{
    const struct match_buffer *matches = &v->scratch->matches;
    for (size_t t = 0; t < matches->count; t++) {
        size_t from, to;
        if (!eligible(v, t, &c->targets, c->rule->fields))
            continue;
        neighbours(matches, &matches->items[t], c->rule->window, &from, &to);
        for (size_t k = from; k < to; k++)
            if (eligible(v, k, &c->lists, c->rule->fields) &&
                close_enough(v, &matches->items[t], &matches->items[k], c->rule->window, 1)) {
                v->scratch->suppressed[t] = 1;
                break;
            }
    }
}

/* 1 when the rule fired; its matches join the explanation. */
static int apply_rule(struct post_view *v, const struct compiled_rule *c, double weight)
{
    const struct match_buffer *matches = &v->scratch->matches;
    int fired = 0;
    for (size_t a = 0; a < matches->count; a++) {
        size_t from, to;
        if (!eligible(v, a, &c->lists, c->rule->fields))
            continue;
        if (c->rule->kind != RULE_NEAR) {
            explain(v, c, &matches->items[a], weight);
            fired = 1;
            continue;
        }
        neighbours(matches, &matches->items[a], c->rule->window, &from, &to);
        for (size_t b = from; b < to; b++)
            if (eligible(v, b, &c->near, c->rule->fields) &&
                close_enough(v, &matches->items[a], &matches->items[b], c->rule->window, 0)) {
                explain(v, c, &matches->items[a], weight);
                explain(v, c, &matches->items[b], weight);
                fired = 1;
            }
    }
    return fired;
}

/* A dampen rule without lists fires on the message's kind: the explanation shows it over the
 * bytes of "kind" ("like"), so a reviewer can account for the lower partisan score. */
static void weigh_kind(struct score_scratch *s, const struct compiled_rule *c, enum post_kind kind)
{
    const char *name = post_kind_name(kind);
    if (s->explain_count < SCORE_MAX_EXPLAIN)
        s->explain[s->explain_count++] = (struct score_match){
            c->rule->id, c->rule->category ? c->rule->category : "context", name,
            RULE_FIELD_KIND, 0, 0, (uint32_t)strlen(name), c->rule->factor};
}

/* ---- scoring ------------------------------------------------------------------------- */

static const struct scope *scope_for(const struct scorer *scorer, const char *region)
{
    uint32_t index;
    if (region != NULL && strmap_get(&scorer->regions, region, strlen(region), &index))
        return &scorer->scopes[index];
    return &scorer->scopes[0];
}

/* Distinct categories of the fired rules, strongest first. */
static void rank_categories(const struct scope *scope, const double *strength,
                            struct score_result *result)
{
    double best[RULESET_MAX_CATEGORIES];
    result->category_count = 0;
    for (size_t r = 0; r < scope->rule_count; r++) {
        const char *name = scope->rules[r].rule->category;
        if (strength[r] <= 0 || name == NULL)
            continue;
        size_t i = 0;
        while (i < result->category_count && strcmp(result->categories[i], name) != 0)
            i++;
        if (i == RULESET_MAX_CATEGORIES)
            continue;
        if (i == result->category_count) {
            result->categories[result->category_count++] = name;
            best[i] = 0;
        }
        if (strength[r] > best[i])
            best[i] = strength[r];
    }
    for (size_t i = 1; i < result->category_count; i++)
        for (size_t k = i; k > 0 && best[k] > best[k - 1]; k--) {
            double w = best[k];
            best[k] = best[k - 1];
            best[k - 1] = w;
            const char *name = result->categories[k];
            result->categories[k] = result->categories[k - 1];
            result->categories[k - 1] = name;
        }
}

int score_post(const struct scorer *scorer, struct score_scratch *scratch,
               const struct post_message *post, const char *region,
               const struct score_thresholds *thresholds, struct score_result *result, char *err,
               size_t err_len)
{
    struct post_view view = {scope_for(scorer, region), scratch, {{0}}};
    const struct scope *scope = view.scope;
    double strength[COMPILE_MAX_RULES];
    double political_keep = 1.0, partisan_keep = 1.0, damping = 1.0;
    norm_scratch_reset(&scratch->norm);
    scratch->source_count = 0;
    scratch->explain_count = 0;
    if (read_post(scorer, scratch, post, err, err_len) != 0)
        return -1;
    if (matcher_run(&scope->matcher, &scratch->norm, &scratch->matches) != 0)
        return error_set(err, err_len, "score: out of memory");
    memset(scratch->suppressed, 0, scratch->matches.count);
    for (size_t i = 0; i < scratch->matches.count; i++) {
        uint32_t list = scope->terms[scratch->matches.items[i].payload].list;
        view.present.bits[list / 64] |= (uint64_t)1 << (list % 64);
    }
    int matched = scratch->matches.count > 0;
    unsigned kind = (unsigned)post->kind <= POST_KIND_LIKE ? 1u << post->kind : 0;
    for (size_t r = 0; matched && r < scope->rule_count; r++)
        if (scope->rules[r].rule->kind == RULE_SUPPRESS && scope->rules[r].rule->kinds & kind &&
            may_fire(&view, &scope->rules[r]))
            apply_suppress(&view, &scope->rules[r]);
    for (size_t r = 0; r < scope->rule_count; r++) {
        const struct compiled_rule *c = &scope->rules[r];
        strength[r] = 0;
        if (!(c->rule->kinds & kind))
            continue;
        if (c->rule->lists.count == 0) {
            weigh_kind(scratch, c, post->kind);
            damping *= c->rule->factor;
            continue;
        }
        if (!matched || c->rule->kind == RULE_SUPPRESS || !may_fire(&view, c))
            continue;
        if (c->rule->kind == RULE_DAMPEN) {
            if (apply_rule(&view, c, c->rule->factor))
                damping *= c->rule->factor;
            continue;
        }
        if (!apply_rule(&view, c, c->weight))
            continue;
        strength[r] = c->weight;
        political_keep *= 1.0 - c->weight;
        if (c->partisan)
            partisan_keep *= 1.0 - c->weight;
    }
    result->partisan = (1.0 - partisan_keep) * damping;
    result->political = 1.0 - political_keep;
    if (result->political < result->partisan)
        result->political = result->partisan;
    result->verdict = result->partisan >= thresholds->suspect       ? SCORE_SUSPECT
                      : result->political >= thresholds->political ? SCORE_POLITICAL
                                                                   : SCORE_CLEAR;
    rank_categories(scope, strength, result);
    result->matches = scratch->explain;
    result->match_count = scratch->explain_count;
    result->ruleset = scope->label;
    return 0;
}
