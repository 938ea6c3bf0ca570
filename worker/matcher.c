#include "worker/matcher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"

#define NO_OUTPUT UINT32_MAX

struct matcher_state {
    uint32_t fail;
    uint32_t first_child; /* trie children, for the breadth-first build */
    uint32_t next_sibling;
    uint32_t token;       /* the token id on the edge into this state */
    uint32_t output;      /* first of this state's own outputs, or NO_OUTPUT */
    uint32_t dict;        /* nearest state on the failure chain with outputs, or 0 */
};

struct matcher_output {
    uint32_t payload;
    uint32_t next;   /* next output of the same state, or NO_OUTPUT */
    uint8_t length;  /* tokens */
    uint8_t need_flags;
};

static uint64_t edge_hash(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return key;
}

void matcher_init(struct matcher *matcher)
{
    memset(matcher, 0, sizeof(*matcher));
    strmap_init(&matcher->vocab);
}

void matcher_free(struct matcher *matcher)
{
    strmap_free(&matcher->vocab);
    free(matcher->states);
    free(matcher->edge_keys);
    free(matcher->edge_targets);
    free(matcher->outputs);
    matcher_init(matcher);
}

static uint32_t edge_get(const struct matcher *matcher, uint32_t state, uint32_t token)
{
    if (matcher->edge_cap == 0)
        return 0;
    uint64_t key = ((uint64_t)state << 32 | token) + 1;
    size_t mask = matcher->edge_cap - 1;
    for (size_t i = edge_hash(key) & mask;; i = (i + 1) & mask) {
        if (matcher->edge_keys[i] == key)
            return matcher->edge_targets[i];
        if (matcher->edge_keys[i] == 0)
            return 0;
    }
}

static void edge_insert(uint64_t *keys, uint32_t *targets, size_t cap, uint64_t key,
                        uint32_t target)
{
    size_t mask = cap - 1;
    size_t i = edge_hash(key) & mask;
    while (keys[i] != 0)
        i = (i + 1) & mask;
    keys[i] = key;
    targets[i] = target;
}

static int edge_put(struct matcher *matcher, uint32_t state, uint32_t token, uint32_t target)
{
    if ((matcher->edge_count + 1) * 2 > matcher->edge_cap) {
        size_t cap = matcher->edge_cap ? matcher->edge_cap * 2 : 256;
        uint64_t *keys = calloc(cap, sizeof(*keys));
        uint32_t *targets = calloc(cap, sizeof(*targets));
        if (keys == NULL || targets == NULL) {
            free(keys);
            free(targets);
            return -1;
        }
        for (size_t i = 0; i < matcher->edge_cap; i++)
            if (matcher->edge_keys[i] != 0)
                edge_insert(keys, targets, cap, matcher->edge_keys[i], matcher->edge_targets[i]);
        free(matcher->edge_keys);
        free(matcher->edge_targets);
        matcher->edge_keys = keys;
        matcher->edge_targets = targets;
        matcher->edge_cap = cap;
    }
    edge_insert(matcher->edge_keys, matcher->edge_targets, matcher->edge_cap,
                ((uint64_t)state << 32 | token) + 1, target);
    matcher->edge_count++;
    return 0;
}

static int new_state(struct matcher *matcher, uint32_t *out)
{
    if (matcher->state_count == matcher->state_cap) {
        size_t cap = matcher->state_cap ? matcher->state_cap * 2 : 64;
        struct matcher_state *states = realloc(matcher->states, cap * sizeof(*states));
        if (states == NULL)
            return -1;
        matcher->states = states;
        matcher->state_cap = cap;
    }
    matcher->states[matcher->state_count] =
        (struct matcher_state){0, 0, 0, 0, NO_OUTPUT, 0};
    *out = (uint32_t)matcher->state_count++;
    return 0;
}

const char *matcher_token_key(const struct norm_scratch *scratch, const struct norm_token *token)
{
    if (token->kind == NORM_NUMBER) {
        if (token->value > 99)
            return "<big>";
        return token->flags & NORM_BALLOT ? "<ballot>" : "<num>";
    }
    return norm_token_text(scratch, token);
}

int matcher_add(struct matcher *matcher, const struct norm_scratch *scratch,
                const struct norm_token *tokens, size_t count, uint8_t need_flags,
                uint32_t payload, char *err, size_t err_len)
{
    uint32_t state = 0;
    if (matcher->built)
        return error_set(err, err_len, "matcher: already built");
    if (count == 0 || count > MATCHER_MAX_PATTERN_TOKENS)
        return error_set(err, err_len, "normalises to %zu tokens, must be 1..%d", count,
                         MATCHER_MAX_PATTERN_TOKENS);
    if (matcher->pattern_count >= MATCHER_MAX_PATTERNS)
        return error_set(err, err_len, "more than %d terms", MATCHER_MAX_PATTERNS);
    if (matcher->state_count == 0 && new_state(matcher, &state) != 0)
        return error_set(err, err_len, "out of memory");
    for (size_t i = 0; i < count; i++) {
        const char *key = matcher_token_key(scratch, &tokens[i]);
        size_t key_len = strlen(key);
        uint32_t id;
        if (!strmap_get(&matcher->vocab, key, key_len, &id)) {
            id = (uint32_t)matcher->vocab.count + 1;
            if (strmap_put(&matcher->vocab, key, key_len, id) != 0)
                return error_set(err, err_len, "out of memory");
        }
        uint32_t next = edge_get(matcher, state, id);
        if (next == 0) {
            if (new_state(matcher, &next) != 0 || edge_put(matcher, state, id, next) != 0)
                return error_set(err, err_len, "out of memory");
            struct matcher_state *child = &matcher->states[next];
            child->token = id;
            child->next_sibling = matcher->states[state].first_child;
            matcher->states[state].first_child = next;
        }
        state = next;
    }
    if (matcher->output_count == matcher->output_cap) {
        size_t cap = matcher->output_cap ? matcher->output_cap * 2 : 64;
        struct matcher_output *outputs = realloc(matcher->outputs, cap * sizeof(*outputs));
        if (outputs == NULL)
            return error_set(err, err_len, "out of memory");
        matcher->outputs = outputs;
        matcher->output_cap = cap;
    }
    matcher->outputs[matcher->output_count] = (struct matcher_output){
        payload, matcher->states[state].output, (uint8_t)count, need_flags};
    matcher->states[state].output = (uint32_t)matcher->output_count++;
    matcher->pattern_count++;
    return 0;
}

int matcher_build(struct matcher *matcher, char *err, size_t err_len)
{
    uint32_t root;
    if (matcher->state_count == 0 && new_state(matcher, &root) != 0)
        return error_set(err, err_len, "out of memory");
    uint32_t *queue = malloc(matcher->state_count * sizeof(*queue));
    if (queue == NULL)
        return error_set(err, err_len, "out of memory");
    size_t head = 0, tail = 0;
    for (uint32_t c = matcher->states[0].first_child; c != 0; c = matcher->states[c].next_sibling)
        queue[tail++] = c;
    while (head < tail) {
        uint32_t state = queue[head++];
        for (uint32_t c = matcher->states[state].first_child; c != 0;
             c = matcher->states[c].next_sibling) {
            uint32_t token = matcher->states[c].token;
            uint32_t fail = matcher->states[state].fail, target;
            while ((target = edge_get(matcher, fail, token)) == 0 && fail != 0)
                fail = matcher->states[fail].fail;
            uint32_t f = target != c ? target : 0;
            matcher->states[c].fail = f;
            matcher->states[c].dict =
                matcher->states[f].output != NO_OUTPUT ? f : matcher->states[f].dict;
            queue[tail++] = c;
        }
    }
    free(queue);
    matcher->built = 1;
    return 0;
}

void match_buffer_init(struct match_buffer *buffer)
{
    memset(buffer, 0, sizeof(*buffer));
}

void match_buffer_free(struct match_buffer *buffer)
{
    free(buffer->items);
    match_buffer_init(buffer);
}

static uint32_t token_id(const struct matcher *matcher, const struct norm_scratch *scratch,
                         const struct norm_token *token)
{
    static const struct {
        const char *text;
        size_t len;
    } clitics[] = {{"nya", 3}, {"lah", 3}, {"kah", 3}, {"pun", 3}, {"ku", 2}, {"mu", 2}};
    const char *key = matcher_token_key(scratch, token);
    size_t len = token->kind == NORM_NUMBER ? strlen(key) : token->len;
    uint32_t id;
    if (token->kind == NORM_NUMBER ? strmap_get(&matcher->vocab, key, len, &id)
                                   : strmap_get_hashed(&matcher->vocab, key, len, token->hash, &id))
        return id;
    if (token->kind != NORM_WORD)
        return 0;
    for (size_t i = 0; i < sizeof(clitics) / sizeof(clitics[0]); i++) {
        size_t n = clitics[i].len;
        const char *tail = key + len - n;
        /* The last letter first: it rules out most clitics without a compare. */
        if (len >= n + 3 && tail[n - 1] == clitics[i].text[n - 1] &&
            memcmp(tail, clitics[i].text, n) == 0 && strmap_get(&matcher->vocab, key, len - n, &id))
            return id;
    }
    return 0;
}

static int has_flags(const struct norm_scratch *scratch, uint32_t first, uint32_t last,
                     uint8_t flags)
{
    for (uint32_t i = first; i <= last; i++)
        if ((scratch->tokens[i].flags & flags) != flags)
            return 0;
    return 1;
}

static void emit(const struct matcher *matcher, const struct norm_scratch *scratch,
                 struct match_buffer *buffer, uint32_t state, uint32_t at)
{
    for (uint32_t s = state; s != 0; s = matcher->states[s].dict) {
        for (uint32_t o = matcher->states[s].output; o != NO_OUTPUT;
             o = matcher->outputs[o].next) {
            const struct matcher_output *out = &matcher->outputs[o];
            uint32_t first = at + 1 - out->length;
            if (buffer->count >= buffer->cap)
                return;
            if (out->need_flags != 0 && !has_flags(scratch, first, at, out->need_flags))
                continue;
            buffer->items[buffer->count++] = (struct match){out->payload, first, at};
        }
    }
}

int matcher_run(const struct matcher *matcher, const struct norm_scratch *scratch,
                struct match_buffer *buffer)
{
    buffer->count = 0;
    if (buffer->cap == 0) {
        buffer->items = malloc(MATCHER_MAX_MATCHES * sizeof(*buffer->items));
        if (buffer->items == NULL)
            return -1;
        buffer->cap = MATCHER_MAX_MATCHES;
    }
    if (!matcher->built)
        return 0;
    uint32_t state = 0;
    for (size_t i = 0; i < scratch->count; i++) {
        const struct norm_token *token = &scratch->tokens[i];
        if (i > 0 && token->field != scratch->tokens[i - 1].field)
            state = 0;
        uint32_t id = token_id(matcher, scratch, token);
        uint32_t next = 0;
        while (id != 0 && (next = edge_get(matcher, state, id)) == 0 && state != 0)
            state = matcher->states[state].fail;
        state = next;
        if (state != 0)
            emit(matcher, scratch, buffer, state, (uint32_t)i);
    }
    return 0;
}
