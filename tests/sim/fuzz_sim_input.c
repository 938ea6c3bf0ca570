/* Fuzzes what netra-sim reads from its users: the --faults spec, control request bodies
 * (publish, edit, delete, faults, follow, unfollow, like, unlike) and post texts on their way to
 * the renderers. The first byte picks the target ('0'..'9', modulo 10); the rest is the input. Entity spans must stay inside the text and on
 * character boundaries, whatever the text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "config/utf8.h"
#include "sim/entities.h"
#include "sim/html.h"
#include "sim/platforms.h"
#include "sim/sim.h"

/* Published posts and control edits stay in the world; past this many, requests that add them
 * are skipped. */
#define MAX_POSTS 5000
#define MAX_EDITS 5000

static struct sim *fuzz_sim(void)
{
    static struct sim sim;
    static int ready;
    if (!ready) {
        struct sim_options options;
        sim_options_defaults(&options);
        options.world.accounts = 5;
        options.world.history_days = 1;
        options.world.start_ms = 1730000000000LL;
        options.world.speed = 1e-6;
        char err[NETRA_ERR_LEN];
        if (sim_init(&sim, &options, err, sizeof(err)) != 0)
            abort();
        ready = 1;
    }
    return &sim;
}

static void fuzz_spec(const char *text)
{
    struct faults faults;
    faults_init(&faults);
    char err[NETRA_ERR_LEN];
    faults_parse_spec(&faults, text, err, sizeof(err));
    faults_destroy(&faults);
}

static void fuzz_text(const char *text, size_t len)
{
    if (!utf8_valid(text, len, NULL) || strlen(text) != len)
        return;
    struct entities found;
    entities_scan(text, &found);
    size_t end = 0;
    for (size_t i = 0; i < found.count; i++) {
        const struct entity *e = &found.items[i];
        if (e->byte_start < end || e->byte_end <= e->byte_start || e->byte_end > len ||
            (((unsigned char)text[e->byte_start]) & 0xC0) == 0x80 ||
            (e->byte_end < len && (((unsigned char)text[e->byte_end]) & 0xC0) == 0x80) ||
            e->cp_end - e->cp_start > e->byte_end - e->byte_start)
            abort();
        end = e->byte_end;
    }
    struct buf html;
    buf_init(&html);
    html_from_text(&html, text, HTML_MASTODON, "https://sim.mastodon");
    html_from_text(&html, text, HTML_PLAIN, "https://sim.example");
    buf_free(&html);
}

static void fuzz_control(const char *path, const char *body, size_t len)
{
    struct sim *sim = fuzz_sim();
    size_t posts = 0;
    for (size_t i = 0; i < sim->world.account_count; i++)
        posts += sim->world.accounts[i].post_count;
    if ((strcmp(path, "/_sim/publish") == 0 || strcmp(path, "/_sim/like") == 0) &&
        posts > MAX_POSTS)
        return;
    if (sim->engage.count > MAX_EDITS)
        return;
    struct sim_request req = {
        .method = "POST", .path = path, .subpath = path, .body = body, .body_len = len,
    };
    struct sim_reply reply;
    reply_init(&reply);
    control_handle(sim, &req, &reply);
    if (reply.status < 200 || reply.status > 499)
        abort();
    reply_free(&reply);
    faults_clear(&sim->faults);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    switch ((uint8_t)(data[0] - '0') % 10) {
    case 0:
        fuzz_spec(text);
        break;
    case 1:
        fuzz_text(text, size - 1);
        break;
    case 2:
        fuzz_control("/_sim/publish", text, size - 1);
        break;
    case 3:
        fuzz_control("/_sim/edit", text, size - 1);
        break;
    case 4:
        fuzz_control("/_sim/delete", text, size - 1);
        break;
    case 5:
        fuzz_control("/_sim/faults", text, size - 1);
        break;
    case 6:
        fuzz_control("/_sim/follow", text, size - 1);
        break;
    case 7:
        fuzz_control("/_sim/unfollow", text, size - 1);
        break;
    case 8:
        fuzz_control("/_sim/like", text, size - 1);
        break;
    default:
        fuzz_control("/_sim/unlike", text, size - 1);
        break;
    }
    free(text);
    return 0;
}
