/* netra-desk's feeds, CSV export and webhooks, through the real binary on loopback: the Atom
 * feed is well-formed Atom with the confirmed cases only, newest first, paged and filtered; the
 * JSON Feed has its required keys; the CSV round-trips through libcsv; a loopback receiver
 * verifies every webhook signature and sees the retries after its 500s; a confirmed follow or
 * like says in every feed, the CSV and the webhook whom the account followed or what it liked. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <csv.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "queue/decisions.h"
#include "queue/keys.h"
#include "queue/shards.h"
#include "tests/desk/desk_test.h"
#include "tests/support/test_support.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"
#define HOOK_SECRET "hook-secret-0123456789abcdef"

static void sleep_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

/* ---- seeding: cases recorded as the worker does, decided as desk-api does ---- */

static void decide(struct desk_test *desk, const char *case_id, const char *account,
                   const char *action, const char *note)
{
    struct shards *shards = NULL;
    struct decision_outcome outcome = {0};
    char err[NETRA_ERR_LEN];
    int reopen = strcmp(action, "reopen") == 0;
    struct decision decision = {
        .case_id = case_id,
        .account = account,
        .by = reopen ? "sari" : "rina",
        .role = reopen ? "supervisor" : "reviewer",
        .action = action,
        .category = strcmp(action, "confirm") == 0 ? decisions_categories[0] : NULL,
        .note = note,
        .reason = reopen ? "checked again" : NULL,
        .from = "127.0.0.1",
    };
    if (shards_open(desk->config, &shards, err, sizeof(err)) != 0)
        fail_msg("shards_open: %s", err);
    if (decisions_decide(shards_for_account(shards, account), desk->config, &decision, &outcome,
                         err, sizeof(err)) != 0)
        fail_msg("decide: %s", err);
    if (outcome.result != DECISION_DONE)
        fail_msg("decide %s %s: %s", action, case_id, outcome.message ? outcome.message : "?");
    decision_outcome_free(&outcome);
    shards_close(shards);
    /* Confirmation times (server ms) of consecutive decisions differ, so "newest first" has one
     * answer. */
    sleep_ms(3);
}

static void seed(struct desk_test *desk, const char *account, const char *post_id,
                 const char *text, char case_id[CASE_ID_LEN + 1])
{
    struct desk_test_post post = {.account = account, .post_id = post_id, .text = text};
    desk_test_seed_case(desk, &post, case_id);
}

/* Accounts in two regions and agencies; cases[0..2] confirmed in that order, cases[3] left
 * pending, cases[4] confirmed and then reopened. */
struct world {
    char cases[5][CASE_ID_LEN + 1];
};

static void seed_world(struct desk_test *desk, struct world *world)
{
    desk_test_seed_account(desk, "pns-aceh", "mastodon", "Teuku Ahmad", "Dinas Pendidikan",
                           "Aceh");
    desk_test_seed_account(desk, "pns-jabar", "mastodon", "Siti Rahma", "BKN", "Jawa Barat");
    seed(desk, "pns-aceh", "mastodon:1", "Ayo pilih pasangan nomor 1 & menangkan <b>Pilkada</b>!",
         world->cases[0]);
    seed(desk, "pns-jabar", "mastodon:2", "Coblos partai kita, \"pasti menang\"", world->cases[1]);
    seed(desk, "pns-aceh", "mastodon:3", "<script>alert(1)</script> dukung calon nomor 2",
         world->cases[2]);
    seed(desk, "pns-jabar", "mastodon:4", "Menangkan pasangan nomor 3 di Pilkada", world->cases[3]);
    seed(desk, "pns-aceh", "mastodon:5", "Kampanye untuk calon nomor 1", world->cases[4]);
    decide(desk, world->cases[0], "pns-aceh", "confirm", "first");
    decide(desk, world->cases[1], "pns-jabar", "confirm", "second");
    decide(desk, world->cases[2], "pns-aceh", "confirm", "third");
    decide(desk, world->cases[4], "pns-aceh", "confirm", "later withdrawn");
    decide(desk, world->cases[4], "pns-aceh", "reopen", NULL);
}

/* ---- Atom ---- */

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr node = parent->children; node != NULL; node = node->next) {
        if (node->type == XML_ELEMENT_NODE && xmlStrcmp(node->name, BAD_CAST name) == 0)
            return node;
    }
    return NULL;
}

/* The text of parent's child element name ("" when absent); the caller frees. */
static char *child_text(xmlNodePtr parent, const char *name)
{
    xmlNodePtr node = child(parent, name);
    xmlChar *text = node != NULL ? xmlNodeGetContent(node) : NULL;
    char *out = strdup(text != NULL ? (const char *)text : "");
    xmlFree(text);
    return out;
}

/* The href of parent's link with rel, or NULL; the caller frees. */
static char *link_href(xmlNodePtr parent, const char *rel)
{
    for (xmlNodePtr node = parent->children; node != NULL; node = node->next) {
        if (node->type != XML_ELEMENT_NODE || xmlStrcmp(node->name, BAD_CAST "link") != 0)
            continue;
        xmlChar *value = xmlGetProp(node, BAD_CAST "rel");
        int match = value != NULL && xmlStrcmp(value, BAD_CAST rel) == 0;
        xmlFree(value);
        if (match) {
            xmlChar *href = xmlGetProp(node, BAD_CAST "href");
            char *out = strdup((const char *)href);
            xmlFree(href);
            return out;
        }
    }
    return NULL;
}

struct atom {
    xmlDocPtr doc;
    xmlNodePtr feed;
    char ids[16][64];
    size_t count;
    char *next; /* the next link's path and query, or NULL */
};

static void atom_free(struct atom *atom)
{
    xmlFreeDoc(atom->doc);
    free(atom->next);
}

/* GETs path and checks what RFC 4287 requires of a feed and its entries. */
static void atom_get(struct desk_test *desk, const char *path, struct atom *atom)
{
    struct desk_test_response response;
    char type[128];
    memset(atom, 0, sizeof(*atom));
    desk_test_request(desk, "GET", path, &desk_test_feed, NULL, &response);
    assert_int_equal(response.status, 200);
    assert_non_null(desk_test_header(&response, "Content-Type", type, sizeof(type)));
    assert_non_null(strstr(type, "application/atom+xml"));
    atom->doc = xmlReadMemory(response.body, (int)response.body_len, "alerts.atom", NULL,
                              XML_PARSE_NONET);
    desk_test_response_free(&response);
    assert_non_null(atom->doc);
    atom->feed = xmlDocGetRootElement(atom->doc);
    assert_string_equal((const char *)atom->feed->name, "feed");
    assert_non_null(atom->feed->ns);
    assert_string_equal((const char *)atom->feed->ns->href, ATOM_NS);
    const char *required[] = {"id", "title", "updated"};
    for (size_t i = 0; i < 3; i++) {
        char *text = child_text(atom->feed, required[i]);
        assert_true(text[0] != '\0');
        free(text);
    }
    char *self = link_href(atom->feed, "self");
    assert_non_null(self);
    free(self);
    for (xmlNodePtr entry = atom->feed->children; entry != NULL; entry = entry->next) {
        if (entry->type != XML_ELEMENT_NODE || xmlStrcmp(entry->name, BAD_CAST "entry") != 0)
            continue;
        assert_true(atom->count < 16);
        for (size_t i = 0; i < 3; i++) {
            char *text = child_text(entry, required[i]);
            assert_true(text[0] != '\0');
            if (i == 0)
                snprintf(atom->ids[atom->count], sizeof(atom->ids[0]), "%s", text);
            free(text);
        }
        atom->count++;
    }
    char *next = link_href(atom->feed, "next");
    if (next != NULL) {
        assert_int_equal(strncmp(next, desk->url, strlen(desk->url)), 0);
        atom->next = strdup(next + strlen(desk->url));
        free(next);
    }
}

static void assert_entry_id(const char *id, const char *case_id)
{
    char expected[64];
    snprintf(expected, sizeof(expected), "urn:netra:alert:%s", case_id);
    assert_string_equal(id, expected);
}

static xmlNodePtr entry_of(const struct atom *atom, const char *case_id)
{
    char expected[64];
    snprintf(expected, sizeof(expected), "urn:netra:alert:%s", case_id);
    for (xmlNodePtr entry = atom->feed->children; entry != NULL; entry = entry->next) {
        if (entry->type != XML_ELEMENT_NODE || xmlStrcmp(entry->name, BAD_CAST "entry") != 0)
            continue;
        char *id = child_text(entry, "id");
        int match = strcmp(id, expected) == 0;
        free(id);
        if (match)
            return entry;
    }
    return NULL;
}

static void test_atom_feed_has_confirmed_cases_newest_first(void **state)
{
    (void)state;
    struct desk_test desk;
    struct world world;
    struct atom atom;
    desk_test_start(&desk, "feeds_atom", NULL);
    seed_world(&desk, &world);

    atom_get(&desk, "/feeds/alerts.atom", &atom);
    assert_int_equal(atom.count, 3);
    assert_entry_id(atom.ids[0], world.cases[2]);
    assert_entry_id(atom.ids[1], world.cases[1]);
    assert_entry_id(atom.ids[2], world.cases[0]);
    assert_null(atom.next);

    /* Markup in a post is text to the reader, and the entry links to the post and the case. */
    xmlNodePtr entry = entry_of(&atom, world.cases[2]);
    assert_non_null(entry);
    char *content = child_text(entry, "content");
    assert_non_null(strstr(content, "<script>alert(1)</script> dukung calon nomor 2"));
    assert_non_null(strstr(content, "Dinas Pendidikan"));
    free(content);
    assert_null(child(child(entry, "content"), "script"));
    char *alternate = link_href(entry, "alternate"), *related = link_href(entry, "related");
    assert_non_null(alternate);
    assert_non_null(related);
    assert_non_null(strstr(related, world.cases[2]));
    free(alternate);
    free(related);
    char *published = child_text(entry, "published");
    assert_string_equal(published, "2024-01-05T10:00:00.000Z");
    free(published);
    atom_free(&atom);

    /* The ids are the same on every read. */
    atom_get(&desk, "/feeds/alerts.atom", &atom);
    assert_entry_id(atom.ids[0], world.cases[2]);
    atom_free(&atom);
    desk_test_stop(&desk);
}

static void test_atom_feed_pages_and_filters(void **state)
{
    (void)state;
    struct desk_test desk;
    struct world world;
    struct atom atom;
    struct desk_test_response response;
    desk_test_start(&desk, "feeds_paging", NULL);
    seed_world(&desk, &world);

    atom_get(&desk, "/feeds/alerts.atom?limit=2", &atom);
    assert_int_equal(atom.count, 2);
    assert_entry_id(atom.ids[0], world.cases[2]);
    assert_entry_id(atom.ids[1], world.cases[1]);
    assert_non_null(atom.next);
    assert_non_null(strstr(atom.next, "limit=2"));
    char *next = strdup(atom.next);
    atom_free(&atom);
    atom_get(&desk, next, &atom);
    free(next);
    assert_int_equal(atom.count, 1);
    assert_entry_id(atom.ids[0], world.cases[0]);
    assert_null(atom.next);
    atom_free(&atom);

    atom_get(&desk, "/feeds/alerts.atom?region=Aceh", &atom);
    assert_int_equal(atom.count, 2);
    assert_entry_id(atom.ids[0], world.cases[2]);
    assert_entry_id(atom.ids[1], world.cases[0]);
    atom_free(&atom);

    atom_get(&desk, "/feeds/alerts.atom?agency=BKN", &atom);
    assert_int_equal(atom.count, 1);
    assert_entry_id(atom.ids[0], world.cases[1]);
    atom_free(&atom);

    atom_get(&desk, "/feeds/alerts.atom?region=Jawa%20Barat&agency=BKN", &atom);
    assert_int_equal(atom.count, 1);
    atom_free(&atom);

    atom_get(&desk, "/feeds/alerts.atom?since=2000-01-01", &atom);
    assert_int_equal(atom.count, 3);
    atom_free(&atom);
    atom_get(&desk, "/feeds/alerts.atom?since=2999-01-01T00:00:00Z", &atom);
    assert_int_equal(atom.count, 0);
    atom_free(&atom);

    const char *bad[] = {"/feeds/alerts.atom?since=yesterday", "/feeds/alerts.atom?cursor=zz",
                         "/feeds/alerts.atom?cursor=1-0.99", "/feeds/alerts.atom?limit=0",
                         "/feeds/alerts.json?limit=100000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        desk_test_request(&desk, "GET", bad[i], &desk_test_feed, NULL, &response);
        assert_int_equal(response.status, 400);
        desk_test_response_free(&response);
    }
    desk_test_stop(&desk);
}

/* ---- JSON Feed ---- */

static void test_json_feed_has_required_keys(void **state)
{
    (void)state;
    struct desk_test desk;
    struct world world;
    struct desk_test_response response;
    desk_test_start(&desk, "feeds_json", NULL);
    seed_world(&desk, &world);
    /* Reopened and confirmed again: one item, now the newest. */
    decide(&desk, world.cases[4], "pns-aceh", "confirm", "confirmed again");

    desk_test_request(&desk, "GET", "/feeds/alerts.json", &desk_test_feed, NULL, &response);
    assert_int_equal(response.status, 200);
    cJSON *feed = cJSON_Parse(response.body);
    assert_non_null(feed);
    assert_string_equal(cJSON_GetObjectItem(feed, "version")->valuestring,
                        "https://jsonfeed.org/version/1.1");
    assert_true(cJSON_IsString(cJSON_GetObjectItem(feed, "title")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(feed, "home_page_url")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(feed, "feed_url")));
    assert_null(cJSON_GetObjectItem(feed, "next_url"));
    cJSON *items = cJSON_GetObjectItem(feed, "items");
    assert_int_equal(cJSON_GetArraySize(items), 4);
    const char *order[] = {world.cases[4], world.cases[2], world.cases[1], world.cases[0]};
    for (int i = 0; i < 4; i++) {
        cJSON *item = cJSON_GetArrayItem(items, i);
        char id[64];
        snprintf(id, sizeof(id), "urn:netra:alert:%s", order[i]);
        assert_string_equal(cJSON_GetObjectItem(item, "id")->valuestring, id);
        assert_true(cJSON_IsString(cJSON_GetObjectItem(item, "content_text")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(item, "date_modified")));
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(item, "authors")));
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(item, "tags")));
        cJSON *netra = cJSON_GetObjectItem(item, "_netra");
        assert_string_equal(cJSON_GetObjectItem(netra, "case")->valuestring, order[i]);
        assert_string_equal(cJSON_GetObjectItem(netra, "category")->valuestring,
                            decisions_categories[0]);
        assert_int_equal(strlen(cJSON_GetObjectItem(netra, "evidence")->valuestring), 64);
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(netra, "chain_position")));
    }
    assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "content_text")
                               ->valuestring,
                           "confirmed again"));
    cJSON_Delete(feed);
    desk_test_response_free(&response);

    desk_test_request(&desk, "GET", "/feeds/alerts.json?limit=3", &desk_test_feed, NULL,
                      &response);
    feed = cJSON_Parse(response.body);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(feed, "items")), 3);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(feed, "next_url")));
    cJSON_Delete(feed);
    desk_test_response_free(&response);
    desk_test_stop(&desk);
}

/* ---- CSV ---- */

#define CSV_MAX_ROWS 16
#define CSV_MAX_FIELDS 32

struct csv_table {
    char *cells[CSV_MAX_ROWS][CSV_MAX_FIELDS];
    size_t fields[CSV_MAX_ROWS];
    size_t rows;
};

static void csv_on_field(void *data, size_t len, void *user)
{
    struct csv_table *table = user;
    assert_true(table->rows < CSV_MAX_ROWS && table->fields[table->rows] < CSV_MAX_FIELDS);
    char *cell = malloc(len + 1);
    memcpy(cell, data, len);
    cell[len] = '\0';
    table->cells[table->rows][table->fields[table->rows]++] = cell;
}

static void csv_on_row(int terminator, void *user)
{
    (void)terminator;
    ((struct csv_table *)user)->rows++;
}

static void csv_table_free(struct csv_table *table)
{
    for (size_t r = 0; r < CSV_MAX_ROWS; r++)
        for (size_t f = 0; f < table->fields[r]; f++)
            free(table->cells[r][f]);
}

static const char *csv_cell(const struct csv_table *table, size_t row, const char *column)
{
    for (size_t f = 0; f < table->fields[0]; f++) {
        if (strcmp(table->cells[0][f], column) == 0)
            return f < table->fields[row] ? table->cells[row][f] : NULL;
    }
    return NULL;
}

static void csv_get(struct desk_test *desk, const char *path, struct csv_table *table)
{
    struct desk_test_response response;
    struct csv_parser parser;
    memset(table, 0, sizeof(*table));
    desk_test_request(desk, "GET", path, &desk_test_feed, NULL, &response);
    assert_int_equal(response.status, 200);
    assert_true(response.body_len >= 3);
    assert_memory_equal(response.body, "\xEF\xBB\xBF", 3);
    assert_non_null(strstr(response.body, "\r\n"));
    assert_int_equal(csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI), 0);
    assert_int_equal(csv_parse(&parser, response.body + 3, response.body_len - 3, csv_on_field,
                               csv_on_row, table),
                     response.body_len - 3);
    assert_int_equal(csv_fini(&parser, csv_on_field, csv_on_row, table), 0);
    csv_free(&parser);
    desk_test_response_free(&response);
    assert_true(table->rows >= 1);
    for (size_t r = 1; r < table->rows; r++)
        assert_int_equal(table->fields[r], table->fields[0]);
}

static void test_csv_export_round_trips(void **state)
{
    (void)state;
    static const char hostile[] = "=HYPERLINK(\"http://x\") pilih \"nomor 1\", ya;\r\n"
                                  "baris baru \xF0\x9F\x97\xB3\xEF\xB8\x8F coblos";
    struct desk_test desk;
    struct world world;
    struct csv_table table;
    char hostile_case[CASE_ID_LEN + 1], expected[256];
    desk_test_start(&desk, "feeds_csv", NULL);
    seed_world(&desk, &world);
    seed(&desk, "pns-jabar", "mastodon:6", hostile, hostile_case);
    decide(&desk, hostile_case, "pns-jabar", "confirm", "@note");

    csv_get(&desk, "/api/export/cases.csv", &table);
    assert_int_equal(table.rows, 1 + 4);
    assert_string_equal(csv_cell(&table, 1, "case"), hostile_case);
    /* Newest confirmation first, the formula neutralised with a leading ' and nothing else
     * changed. */
    snprintf(expected, sizeof(expected), "'%s", hostile);
    assert_string_equal(csv_cell(&table, 1, "text"), expected);
    assert_string_equal(csv_cell(&table, 1, "status"), "confirmed");
    assert_string_equal(csv_cell(&table, 1, "name"), "Siti Rahma");
    assert_string_equal(csv_cell(&table, 1, "agency"), "BKN");
    assert_string_equal(csv_cell(&table, 1, "confirmed_category"), decisions_categories[0]);
    assert_string_equal(csv_cell(&table, 2, "case"), world.cases[2]);
    assert_string_equal(csv_cell(&table, 4, "case"), world.cases[0]);
    csv_table_free(&table);

    csv_get(&desk, "/api/export/cases.csv?status=pending", &table);
    assert_int_equal(table.rows, 1 + 2); /* the one never decided and the reopened one */
    csv_table_free(&table);

    csv_get(&desk, "/api/export/cases.csv?status=all&region=Aceh", &table);
    assert_int_equal(table.rows, 1 + 3);
    csv_table_free(&table);

    struct desk_test_response response;
    desk_test_request(&desk, "GET", "/api/export/cases.csv?status=deleted", &desk_test_feed, NULL,
                      &response);
    assert_int_equal(response.status, 400);
    desk_test_response_free(&response);

    /* Each export is on the audit trail, with who took it. */
    char audit[KEYS_MAX_LEN], err[NETRA_ERR_LEN];
    assert_int_equal(keys_audit(audit, sizeof(audit), desk.config->redis.key_prefix, 0, err,
                                sizeof(err)),
                     0);
    redisReply *entries = redisCommand(desk.redis, "XRANGE %s - +", audit);
    int exports = 0;
    for (size_t e = 0; e < entries->elements; e++) {
        redisReply *fields = entries->element[e]->element[1];
        int is_export = 0, by_feed = 0;
        for (size_t i = 0; i + 1 < fields->elements; i += 2) {
            is_export |= strcmp(fields->element[i]->str, "action") == 0 &&
                         strcmp(fields->element[i + 1]->str, "export.csv") == 0;
            by_feed |= strcmp(fields->element[i]->str, "who") == 0 &&
                       strcmp(fields->element[i + 1]->str, "bawaslu") == 0;
        }
        exports += is_export && by_feed;
    }
    freeReplyObject(entries);
    assert_int_equal(exports, 3);
    desk_test_stop(&desk);
}

/* ---- follows and likes ---- */

#define TEAM_ACCOUNT "timkampanye@kampanye.social"
#define TEAM_NAME "Tim Kampanye Prabowo"
#define TEAM_URL "https://kampanye.social/@timkampanye"
#define TEAM_BIO "Akun resmi tim kampanye nasional"
#define LIKED_URL "https://kampanye.social/@timkampanye/5501"
#define LIKED_TEXT "Coblos nomor 2, Prabowo-Gibran!"

/* A post, a follow of a campaign team's account and a like of its post, all confirmed (in that
 * order), by one account. */
struct engaged {
    char post[CASE_ID_LEN + 1], follow[CASE_ID_LEN + 1], like[CASE_ID_LEN + 1];
};

static void seed_like(struct desk_test *desk, char case_id[CASE_ID_LEN + 1])
{
    struct desk_test_post like = {
        .account = "pns-jatim", .post_id = "mastodon:like:7001:5501", .text = "",
        .kind = "like",
        .target = {.id = "5501", .account = TEAM_ACCOUNT, .account_id = "990",
                   .name = TEAM_NAME, .url = LIKED_URL, .text = LIKED_TEXT},
    };
    desk_test_seed_case(desk, &like, case_id);
}

static void seed_engaged(struct desk_test *desk, struct engaged *out)
{
    desk_test_seed_account(desk, "pns-jatim", "mastodon", "Budi Santoso", "Dinas Kesehatan",
                           "Jawa Timur");
    seed(desk, "pns-jatim", "mastodon:7001", "Ayo pilih pasangan nomor 2", out->post);
    struct desk_test_post follow = {
        .account = "pns-jatim", .post_id = "mastodon:follow:7001:990", .text = "",
        .kind = "follow",
        .target = {.id = "990", .account = TEAM_ACCOUNT, .account_id = "990", .name = TEAM_NAME,
                   .url = TEAM_URL, .text = TEAM_BIO},
    };
    desk_test_seed_case(desk, &follow, out->follow);
    seed_like(desk, out->like);
    decide(desk, out->post, "pns-jatim", "confirm", "post");
    decide(desk, out->follow, "pns-jatim", "confirm", "follow");
    decide(desk, out->like, "pns-jatim", "confirm", "like");
}

static const cJSON *feed_item(const cJSON *feed, const char *case_id)
{
    char id[64];
    const cJSON *item;
    snprintf(id, sizeof(id), "urn:netra:alert:%s", case_id);
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(feed, "items"))
    {
        if (strcmp(cJSON_GetObjectItem(item, "id")->valuestring, id) == 0)
            return item;
    }
    fail_msg("no item of case %s", case_id);
    return NULL;
}

static int has_tag(const cJSON *item, const char *tag)
{
    const cJSON *value;
    cJSON_ArrayForEach(value, cJSON_GetObjectItem(item, "tags"))
    {
        if (strcmp(value->valuestring, tag) == 0)
            return 1;
    }
    return 0;
}

static void assert_target(const cJSON *netra, const char *id, const char *url, const char *text)
{
    const cJSON *target = cJSON_GetObjectItem(netra, "target");
    assert_true(cJSON_IsObject(target));
    assert_string_equal(cJSON_GetObjectItem(target, "id")->valuestring, id);
    assert_string_equal(cJSON_GetObjectItem(target, "account")->valuestring, TEAM_ACCOUNT);
    assert_string_equal(cJSON_GetObjectItem(target, "account_id")->valuestring, "990");
    assert_string_equal(cJSON_GetObjectItem(target, "name")->valuestring, TEAM_NAME);
    assert_string_equal(cJSON_GetObjectItem(target, "url")->valuestring, url);
    assert_string_equal(cJSON_GetObjectItem(target, "text")->valuestring, text);
}

static void test_feeds_say_who_was_followed_and_what_was_liked(void **state)
{
    (void)state;
    struct desk_test desk;
    struct engaged engaged;
    struct desk_test_response response;
    desk_test_start(&desk, "feeds_engaged", NULL);
    seed_engaged(&desk, &engaged);

    desk_test_request(&desk, "GET", "/feeds/alerts.json", &desk_test_feed, NULL, &response);
    assert_int_equal(response.status, 200);
    cJSON *feed = cJSON_Parse(response.body);
    desk_test_response_free(&response);
    assert_non_null(feed);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(feed, "items")), 3);

    /* A post's item is as it always was, plus its kind. */
    const cJSON *item = feed_item(feed, engaged.post);
    const cJSON *netra = cJSON_GetObjectItem(item, "_netra");
    assert_string_equal(cJSON_GetObjectItem(netra, "kind")->valuestring, "post");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(netra, "target")));
    assert_false(has_tag(item, "post"));
    assert_int_equal(strncmp(cJSON_GetObjectItem(item, "content_text")->valuestring,
                             "Ayo pilih pasangan nomor 2\n", 27),
                     0);

    /* The follow: whom, in the text (in the feed's language), the tags and _netra. */
    item = feed_item(feed, engaged.follow);
    netra = cJSON_GetObjectItem(item, "_netra");
    assert_string_equal(cJSON_GetObjectItem(netra, "kind")->valuestring, "follow");
    assert_target(netra, "990", TEAM_URL, TEAM_BIO);
    assert_true(has_tag(item, "follow"));
    assert_string_equal(cJSON_GetObjectItem(item, "url")->valuestring,
                        "https://example.org/@asn/1");
    const char *text = cJSON_GetObjectItem(item, "content_text")->valuestring;
    assert_non_null(strstr(text, "Budi Santoso mengikuti " TEAM_NAME " (@" TEAM_ACCOUNT "): "
                                 TEAM_URL "\n" TEAM_BIO "\n"));

    /* The like: whose post, its link and its text. */
    item = feed_item(feed, engaged.like);
    netra = cJSON_GetObjectItem(item, "_netra");
    assert_string_equal(cJSON_GetObjectItem(netra, "kind")->valuestring, "like");
    assert_target(netra, "5501", LIKED_URL, LIKED_TEXT);
    assert_true(has_tag(item, "like"));
    text = cJSON_GetObjectItem(item, "content_text")->valuestring;
    assert_non_null(strstr(text, "Budi Santoso menyukai unggahan " TEAM_NAME " (@" TEAM_ACCOUNT
                                 "): " LIKED_URL "\n" LIKED_TEXT "\n"));
    cJSON_Delete(feed);

    /* Atom: the kind as a category of its own scheme, the same words in the content. */
    struct atom atom;
    atom_get(&desk, "/feeds/alerts.atom", &atom);
    assert_int_equal(atom.count, 3);
    xmlNodePtr entry = entry_of(&atom, engaged.like);
    assert_non_null(entry);
    int kinds = 0;
    for (xmlNodePtr node = entry->children; node != NULL; node = node->next) {
        if (node->type != XML_ELEMENT_NODE || xmlStrcmp(node->name, BAD_CAST "category") != 0)
            continue;
        xmlChar *scheme = xmlGetProp(node, BAD_CAST "scheme");
        xmlChar *term = xmlGetProp(node, BAD_CAST "term");
        if (xmlStrcmp(scheme, BAD_CAST "urn:netra:kind") == 0) {
            assert_string_equal((const char *)term, "like");
            kinds++;
        }
        xmlFree(scheme);
        xmlFree(term);
    }
    assert_int_equal(kinds, 1);
    char *content = child_text(entry, "content");
    assert_non_null(strstr(content, "menyukai unggahan " TEAM_NAME));
    assert_non_null(strstr(content, LIKED_TEXT));
    free(content);
    content = child_text(entry_of(&atom, engaged.follow), "content");
    assert_non_null(strstr(content, "mengikuti " TEAM_NAME));
    assert_non_null(strstr(content, TEAM_BIO));
    free(content);
    atom_free(&atom);

    /* CSV: the columns readers know keep their places; what was done comes after them. */
    struct csv_table table;
    csv_get(&desk, "/api/export/cases.csv", &table);
    assert_int_equal(table.rows, 1 + 3);
    assert_string_equal(table.cells[0][0], "case");
    assert_string_equal(table.cells[0][22], "opened_at");
    const char *added[] = {"kind", "target_account", "target_account_id", "target_name",
                           "target_url", "target_text"};
    assert_int_equal(table.fields[0], 23 + 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(table.cells[0][23 + i], added[i]);
    for (size_t r = 1; r < table.rows; r++) {
        const char *kase = csv_cell(&table, r, "case");
        if (strcmp(kase, engaged.post) == 0) {
            assert_string_equal(csv_cell(&table, r, "kind"), "post");
            assert_string_equal(csv_cell(&table, r, "target_account"), "");
            continue;
        }
        int like = strcmp(kase, engaged.like) == 0;
        assert_string_equal(csv_cell(&table, r, "kind"), like ? "like" : "follow");
        assert_string_equal(csv_cell(&table, r, "target_account"), TEAM_ACCOUNT);
        assert_string_equal(csv_cell(&table, r, "target_account_id"), "990");
        assert_string_equal(csv_cell(&table, r, "target_name"), TEAM_NAME);
        assert_string_equal(csv_cell(&table, r, "target_url"), like ? LIKED_URL : TEAM_URL);
        assert_string_equal(csv_cell(&table, r, "target_text"), like ? LIKED_TEXT : TEAM_BIO);
    }
    csv_table_free(&table);
    desk_test_stop(&desk);
}

/* ---- roles ---- */

static void test_feed_token_reads_feeds_but_cannot_decide(void **state)
{
    (void)state;
    struct desk_test desk;
    struct world world;
    struct desk_test_response response;
    char path[128];
    desk_test_start(&desk, "feeds_roles", NULL);
    seed_world(&desk, &world);

    const char *feeds[] = {"/feeds/alerts.atom", "/feeds/alerts.json", "/api/export/cases.csv"};
    for (size_t i = 0; i < 3; i++) {
        desk_test_request(&desk, "GET", feeds[i], NULL, NULL, &response);
        assert_int_equal(response.status, 401);
        desk_test_response_free(&response);
        desk_test_request(&desk, "GET", feeds[i], &desk_test_feed, NULL, &response);
        assert_int_equal(response.status, 200);
        desk_test_response_free(&response);
        desk_test_request(&desk, "GET", feeds[i], &desk_test_reviewer, NULL, &response);
        assert_int_equal(response.status, 200);
        desk_test_response_free(&response);
    }
    snprintf(path, sizeof(path), "/api/cases/%s/decision", world.cases[3]);
    desk_test_request(&desk, "POST", path, &desk_test_feed,
                      "{\"action\": \"dismiss\", \"reason\": \"feed tries\"}", &response);
    assert_int_equal(response.status, 403);
    desk_test_response_free(&response);
    desk_test_request(&desk, "GET", "/api/webhooks", &desk_test_feed, NULL, &response);
    assert_int_equal(response.status, 403);
    desk_test_response_free(&response);
    desk_test_request(&desk, "GET", "/api/webhooks", NULL, NULL, &response);
    assert_int_equal(response.status, 401);
    desk_test_response_free(&response);
    desk_test_stop(&desk);
}

/* ---- webhooks ---- */

/* A receiver on loopback that verifies each request's signature as docs/feeds.md tells
 * receivers to, answers 500 to the first `failures` requests and 200 after. */
struct receiver {
    struct MHD_Daemon *daemon;
    int port;
    pthread_mutex_t lock;
    int failures;
    int requests, bad_signatures;
    char delivery[128];
    int deliveries_differ;
    char *last_body;
};

struct upload {
    char *data;
    size_t len;
};

static int signature_valid(const char *timestamp, const char *signature, const char *body,
                           size_t body_len)
{
    unsigned char mac[32];
    unsigned int mac_len = sizeof(mac);
    char expected[80] = "sha256=";
    size_t message_len = strlen(timestamp) + 1 + body_len;
    unsigned char *message = malloc(message_len);
    memcpy(message, timestamp, strlen(timestamp));
    message[strlen(timestamp)] = '.';
    memcpy(message + strlen(timestamp) + 1, body, body_len);
    HMAC(EVP_sha256(), HOOK_SECRET, (int)strlen(HOOK_SECRET), message, message_len, mac,
         &mac_len);
    free(message);
    for (unsigned int i = 0; i < mac_len; i++)
        snprintf(expected + 7 + 2 * i, 3, "%02x", mac[i]);
    long long sent = atoll(timestamp), now = (long long)time(NULL);
    return strlen(signature) == strlen(expected) &&
           CRYPTO_memcmp(signature, expected, strlen(expected)) == 0 && sent > now - 300 &&
           sent < now + 300;
}

static enum MHD_Result receive(void *cls, struct MHD_Connection *connection, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    (void)url;
    (void)version;
    struct receiver *receiver = cls;
    struct upload *upload = *con_cls;
    if (upload == NULL) {
        *con_cls = calloc(1, sizeof(*upload));
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        upload->data = realloc(upload->data, upload->len + *upload_data_size + 1);
        memcpy(upload->data + upload->len, upload_data, *upload_data_size);
        upload->len += *upload_data_size;
        upload->data[upload->len] = '\0';
        *upload_data_size = 0;
        return MHD_YES;
    }
    const char *timestamp = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                        "X-Netra-Timestamp");
    const char *signature = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                        "X-Netra-Signature");
    const char *delivery = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                       "X-Netra-Delivery");
    int status;
    pthread_mutex_lock(&receiver->lock);
    receiver->requests++;
    if (strcmp(method, "POST") != 0 || timestamp == NULL || signature == NULL ||
        upload->data == NULL || !signature_valid(timestamp, signature, upload->data, upload->len))
        receiver->bad_signatures++;
    if (delivery != NULL && receiver->delivery[0] != '\0' &&
        strcmp(delivery, receiver->delivery) != 0)
        receiver->deliveries_differ = 1;
    if (delivery != NULL)
        snprintf(receiver->delivery, sizeof(receiver->delivery), "%s", delivery);
    status = receiver->requests <= receiver->failures ? 500 : 200;
    if (status == 200 && upload->data != NULL) {
        free(receiver->last_body);
        receiver->last_body = strdup(upload->data);
    }
    pthread_mutex_unlock(&receiver->lock);
    struct MHD_Response *response =
        MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result queued = MHD_queue_response(connection, (unsigned)status, response);
    MHD_destroy_response(response);
    return queued;
}

static void request_done(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)connection;
    (void)code;
    struct upload *upload = *con_cls;
    if (upload != NULL)
        free(upload->data);
    free(upload);
    *con_cls = NULL;
}

static void receiver_start(struct receiver *receiver, int failures)
{
    memset(receiver, 0, sizeof(*receiver));
    pthread_mutex_init(&receiver->lock, NULL);
    receiver->failures = failures;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    receiver->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, receive, receiver,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address, MHD_OPTION_NOTIFY_COMPLETED,
        request_done, NULL, MHD_OPTION_END);
    assert_non_null(receiver->daemon);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(receiver->daemon, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    receiver->port = info->port;
}

static void receiver_stop(struct receiver *receiver)
{
    MHD_stop_daemon(receiver->daemon);
    pthread_mutex_destroy(&receiver->lock);
    free(receiver->last_body);
}

static int receiver_requests(struct receiver *receiver)
{
    pthread_mutex_lock(&receiver->lock);
    int requests = receiver->requests;
    pthread_mutex_unlock(&receiver->lock);
    return requests;
}

/* /api/webhooks' only receiver. */
static cJSON *webhook_state(struct desk_test *desk, cJSON **root)
{
    struct desk_test_response response;
    desk_test_request(desk, "GET", "/api/webhooks", &desk_test_reviewer, NULL, &response);
    assert_int_equal(response.status, 200);
    *root = cJSON_Parse(response.body);
    desk_test_response_free(&response);
    assert_non_null(*root);
    cJSON *hooks = cJSON_GetObjectItem(*root, "webhooks");
    assert_int_equal(cJSON_GetArraySize(hooks), 1);
    return cJSON_GetArrayItem(hooks, 0);
}

static void test_webhook_is_signed_retried_and_delivered(void **state)
{
    (void)state;
    struct desk_test desk;
    struct receiver receiver;
    char members[512], case_id[CASE_ID_LEN + 1];
    receiver_start(&receiver, 2);
    snprintf(members, sizeof(members),
             "\"webhooks\": [{\"url\": \"http://user:pw@127.0.0.1:%d/hook?key=k\", "
             "\"secret\": \"%s\"}], \"webhook_backoff_ms\": 300, \"webhook_max_attempts\": 5",
             receiver.port, HOOK_SECRET);
    desk_test_start(&desk, "feeds_webhook", members);
    desk_test_seed_account(&desk, "pns-aceh", "mastodon", "Teuku Ahmad", "Dinas Pendidikan",
                           "Aceh");
    seed(&desk, "pns-aceh", "mastodon:1", "Ayo pilih pasangan nomor 1", case_id);
    decide(&desk, case_id, "pns-aceh", "confirm", "pushed");

    /* After the first 500 the delivery waits for its retry, visible to the console. */
    cJSON *root = NULL, *hook = NULL, *pending = NULL;
    for (int i = 0; i < 100; i++, sleep_ms(20)) {
        cJSON_Delete(root);
        hook = webhook_state(&desk, &root);
        pending = cJSON_GetArrayItem(cJSON_GetObjectItem(hook, "pending"), 0);
        if (pending != NULL && cJSON_GetObjectItem(pending, "attempts")->valueint >= 1)
            break;
    }
    assert_non_null(pending);
    assert_int_equal(cJSON_GetObjectItem(pending, "last_status")->valueint, 500);
    assert_string_equal(cJSON_GetObjectItem(pending, "case")->valuestring, case_id);
    /* The receiver's credentials and query stay out of the console. */
    char shown[64];
    snprintf(shown, sizeof(shown), "http://127.0.0.1:%d/hook", receiver.port);
    assert_string_equal(cJSON_GetObjectItem(hook, "url")->valuestring, shown);
    cJSON_Delete(root);

    for (int i = 0; i < 250 && receiver_requests(&receiver) < 3; i++)
        sleep_ms(20);
    sleep_ms(200);
    pthread_mutex_lock(&receiver.lock);
    assert_int_equal(receiver.requests, 3);
    assert_int_equal(receiver.bad_signatures, 0);
    assert_false(receiver.deliveries_differ);
    cJSON *body = cJSON_Parse(receiver.last_body);
    pthread_mutex_unlock(&receiver.lock);
    char id[64];
    snprintf(id, sizeof(id), "urn:netra:alert:%s", case_id);
    assert_string_equal(cJSON_GetObjectItem(body, "id")->valuestring, id);
    assert_string_equal(cJSON_GetObjectItem(body, "case")->valuestring, case_id);
    assert_string_equal(cJSON_GetObjectItem(body, "note")->valuestring, "pushed");
    cJSON_Delete(body);

    /* A tampered body does not verify. */
    assert_false(signature_valid("1700000000", "sha256=00", "{}", 2));

    hook = webhook_state(&desk, &root);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(hook, "pending")), 0);
    cJSON *recent = cJSON_GetArrayItem(cJSON_GetObjectItem(hook, "recent"), 0);
    assert_non_null(recent);
    assert_string_equal(cJSON_GetObjectItem(recent, "state")->valuestring, "delivered");
    assert_int_equal(cJSON_GetObjectItem(recent, "attempts")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItem(recent, "last_status")->valueint, 200);
    assert_string_equal(cJSON_GetObjectItem(recent, "case")->valuestring, case_id);
    cJSON_Delete(root);
    desk_test_stop(&desk);
    receiver_stop(&receiver);
}

static void test_webhook_says_what_was_liked(void **state)
{
    (void)state;
    struct desk_test desk;
    struct receiver receiver;
    char members[512], like[CASE_ID_LEN + 1];
    receiver_start(&receiver, 0);
    snprintf(members, sizeof(members),
             "\"webhooks\": [{\"url\": \"http://127.0.0.1:%d/hook\", \"secret\": \"%s\"}], "
             "\"webhook_backoff_ms\": 100",
             receiver.port, HOOK_SECRET);
    desk_test_start(&desk, "feeds_webhook_like", members);
    desk_test_seed_account(&desk, "pns-jatim", "mastodon", "Budi Santoso", "Dinas Kesehatan",
                           "Jawa Timur");
    seed_like(&desk, like);
    decide(&desk, like, "pns-jatim", "confirm", "like");
    for (int i = 0; i < 250 && receiver_requests(&receiver) < 1; i++)
        sleep_ms(20);
    pthread_mutex_lock(&receiver.lock);
    assert_int_equal(receiver.requests, 1);
    assert_int_equal(receiver.bad_signatures, 0);
    cJSON *body = cJSON_Parse(receiver.last_body);
    pthread_mutex_unlock(&receiver.lock);
    assert_non_null(body);
    assert_string_equal(cJSON_GetObjectItem(body, "case")->valuestring, like);
    assert_string_equal(cJSON_GetObjectItem(body, "kind")->valuestring, "like");
    assert_target(body, "5501", LIKED_URL, LIKED_TEXT);
    cJSON_Delete(body);
    desk_test_stop(&desk);
    receiver_stop(&receiver);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atom_feed_has_confirmed_cases_newest_first),
        cmocka_unit_test(test_atom_feed_pages_and_filters),
        cmocka_unit_test(test_json_feed_has_required_keys),
        cmocka_unit_test(test_csv_export_round_trips),
        cmocka_unit_test(test_feed_token_reads_feeds_but_cannot_decide),
        cmocka_unit_test(test_webhook_is_signed_retried_and_delivered),
        cmocka_unit_test(test_feeds_say_who_was_followed_and_what_was_liked),
        cmocka_unit_test(test_webhook_says_what_was_liked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
