/* The watchlist parser: what a CSV or JSON file becomes, which rows are refused and why, and
 * that hostile input stays bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "config/log.h"
#include "config/watchlist.h"
#include "tests/support/test_support.h"

#define HEADER "id,platform,handle,name,nip,agency,region,interval\n"
/* A string literal and its length, NUL bytes included. */
#define INTERVAL_HINT "(expected seconds, or a number with s, m, h or d; 60s to 30d)"
#define TEXT(literal) literal, sizeof(literal) - 1

static void parse_ok(const char *text, struct watchlist *list)
{
    char err[NETRA_ERR_LEN] = "";
    int rc = watchlist_parse(text, strlen(text), list, err, sizeof(err));
    if (rc != 0)
        fail_msg("parse failed: %s", err);
}

/* The whole-file error text; the list must come back empty. */
static void parse_fails(const char *text, size_t len, char *err, size_t err_len)
{
    struct watchlist list;
    err[0] = '\0';
    assert_int_equal(watchlist_parse(text, len, &list, err, err_len), -1);
    assert_int_equal(list.count, 0);
    assert_int_equal(list.error_count, 0);
    assert_null(list.entries);
    assert_true(err[0] != '\0');
}

/* Parses text that must give exactly one row error, and checks its line and message. */
static void assert_one_bad_row(const char *text, size_t line, const char *message)
{
    struct watchlist list;
    parse_ok(text, &list);
    if (list.error_count != 1)
        fail_msg("expected 1 error, got %zu (%s)", list.error_count,
                 list.error_count ? list.errors[0].message : "");
    assert_int_equal(list.errors[0].line, line);
    assert_string_equal(list.errors[0].message, message);
    watchlist_free(&list);
}

static const struct watchlist_entry *find(const struct watchlist *list, const char *id)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->entries[i].id, id) == 0)
            return &list->entries[i];
    fail_msg("no entry %s", id);
    return NULL;
}

static void reads_every_column_of_a_plain_row(void **state)
{
    (void)state;
    struct watchlist list;
    parse_ok(HEADER "a1,mastodon,budi.santoso@mastodon.example,Budi Santoso,198001012005011001,"
                    "BKPSDM Kota Semarang,jawa-tengah,15m\n",
             &list);
    assert_int_equal(list.count, 1);
    assert_int_equal(list.error_count, 0);
    const struct watchlist_entry *e = &list.entries[0];
    assert_string_equal(e->id, "a1");
    assert_string_equal(e->platform, "mastodon");
    assert_string_equal(e->handle, "budi.santoso@mastodon.example");
    assert_string_equal(e->name, "Budi Santoso");
    assert_string_equal(e->nip, "198001012005011001");
    assert_string_equal(e->agency, "BKPSDM Kota Semarang");
    assert_string_equal(e->region, "jawa-tengah");
    assert_int_equal(e->interval_s, 900);
    assert_int_equal(e->line, 2);
    watchlist_free(&list);
}

static void quoted_fields_keep_commas_quotes_and_newlines(void **state)
{
    (void)state;
    struct watchlist list;
    parse_ok(HEADER "a1,x,budi,\"Santoso, Budi\",,\"Dinas \"\"Pendidikan\"\"\",,\n"
                    "a2,x,siti,\"Siti\nRahma\",,,,\n"
                    "a3,x,rina,Rina,,,,\n",
             &list);
    assert_int_equal(list.error_count, 0);
    assert_int_equal(list.count, 3);
    assert_string_equal(find(&list, "a1")->name, "Santoso, Budi");
    assert_string_equal(find(&list, "a1")->agency, "Dinas \"Pendidikan\"");
    assert_string_equal(find(&list, "a2")->name, "Siti\nRahma");
    /* The embedded newline moves the next record one physical line further. */
    assert_int_equal(find(&list, "a2")->line, 3);
    assert_int_equal(find(&list, "a3")->line, 5);
    watchlist_free(&list);
}

static void bom_and_crlf_are_accepted(void **state)
{
    (void)state;
    struct watchlist list;
    parse_ok("\xEF\xBB\xBFid,platform,handle\r\na1,x,budi\r\n\r\na2,bluesky,siti.bsky.social\r\n",
             &list);
    assert_int_equal(list.error_count, 0);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.entries[0].handle, "budi");
    assert_string_equal(list.entries[1].handle, "siti.bsky.social");
    assert_int_equal(list.entries[1].line, 4);
    watchlist_free(&list);
}

static void columns_in_any_order_and_unknown_ones_ignored(void **state)
{
    (void)state;
    struct watchlist list;
    parse_ok("Region,notes,handle,ID,platform\n"
             "DKI Jakarta,anything \xFF goes here,@Budi_S,a1,X\n",
             &list);
    assert_int_equal(list.error_count, 0);
    assert_int_equal(list.count, 1);
    const struct watchlist_entry *e = &list.entries[0];
    assert_string_equal(e->id, "a1");
    assert_string_equal(e->platform, "x");
    assert_string_equal(e->handle, "budi_s");
    assert_string_equal(e->region, "dki-jakarta");
    assert_string_equal(e->name, "");
    assert_string_equal(e->nip, "");
    assert_int_equal(e->interval_s, 0);
    watchlist_free(&list);
}

static void blank_lines_skipped_and_unquoted_values_trimmed(void **state)
{
    (void)state;
    struct watchlist list;
    parse_ok("\n\n" HEADER "\n   \n  a1 , x ,  budi  ,  Budi Santoso ,,,\" Jawa Timur \", 2h \n\n",
             &list);
    assert_int_equal(list.error_count, 0);
    assert_int_equal(list.count, 1);
    const struct watchlist_entry *e = &list.entries[0];
    assert_int_equal(e->line, 6);
    assert_string_equal(e->id, "a1");
    assert_string_equal(e->handle, "budi");
    assert_string_equal(e->name, "Budi Santoso");
    assert_string_equal(e->region, "jawa-timur");
    assert_int_equal(e->interval_s, 7200);
    watchlist_free(&list);
}

static void whole_file_failures(void **state)
{
    (void)state;
    char err[NETRA_ERR_LEN];
    parse_fails("", 0, err, sizeof(err));
    assert_string_equal(err, "watchlist has no header row (it is empty)");
    parse_fails(TEXT("\xEF\xBB\xBF\r\n  \n"), err, sizeof(err));
    assert_string_equal(err, "watchlist has no header row (it is empty)");
    parse_fails(TEXT("\nid,platform,name\na1,x,budi\n"), err, sizeof(err));
    assert_non_null(strstr(err, "line 2: the header has no \"handle\" column"));
    parse_fails(TEXT("a1,x,budi\n"), err, sizeof(err));
    assert_non_null(strstr(err, "line 1: the header has no \"id\" column"));
    parse_fails(TEXT("id,platform,handle,ID\n"), err, sizeof(err));
    assert_string_equal(err, "line 1: the header names column \"id\" twice");
    parse_fails(TEXT("id,\"platform,handle\n"), err, sizeof(err));
    assert_string_equal(err, "line 1: the header has a quoted field that is never closed");
}

static void a_file_over_the_size_limit_is_refused_unread(void **state)
{
    (void)state;
    size_t len = (size_t)WATCHLIST_MAX_FILE_BYTES + 1;
    /* Untouched anonymous pages cost no memory; reading them would be the failure. */
    char *data = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    assert_true(data != MAP_FAILED);
    char err[NETRA_ERR_LEN];
    parse_fails(data, len, err, sizeof(err));
    assert_string_equal(err, "watchlist is 268435457 bytes (limit 268435456)");
    struct watchlist list;
    assert_int_equal(watchlist_parse_json(data, len, &list, err, sizeof(err)), -1);
    munmap(data, len);
}

static void unknown_platform_lists_the_known_ones(void **state)
{
    (void)state;
    assert_one_bad_row(
        HEADER "a1,x,budi,,,,,\n\na2,fb,siti,,,,,\n", 4,
        "line 4: unknown platform \"fb\" (expected mastodon, bluesky, x, feed, jsonapi)");
    assert_one_bad_row(HEADER "a1,,budi,,,,,\n", 2,
                       "line 2: missing platform (expected mastodon, bluesky, x, feed, jsonapi)");
}

static void second_use_of_an_id_is_refused_and_names_the_first(void **state)
{
    (void)state;
    struct watchlist list;
    parse_ok(HEADER "a1,x,budi,,,,,\na2,x,siti,,,,,\na1,x,rina,,,,,\n", &list);
    assert_int_equal(list.count, 2);
    assert_string_equal(find(&list, "a1")->handle, "budi");
    assert_int_equal(list.error_count, 1);
    assert_int_equal(list.errors[0].line, 4);
    assert_string_equal(list.errors[0].message,
                        "line 4: duplicate id \"a1\" (first used on line 2)");
    watchlist_free(&list);
}

static void many_ids_stay_distinct(void **state)
{
    (void)state;
    size_t rows = 5000, cap = 64 + rows * 32, used = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    used += (size_t)snprintf(text, cap, "id,platform,handle\n");
    for (size_t i = 0; i < rows; i++)
        used += (size_t)snprintf(text + used, cap - used, "id%zu,x,user%zu\n", i % 4000, i);
    struct watchlist list;
    char err[NETRA_ERR_LEN];
    assert_int_equal(watchlist_parse(text, used, &list, err, sizeof(err)), 0);
    assert_int_equal(list.count, 4000);
    assert_int_equal(list.error_count, 1000);
    assert_string_equal(list.errors[999].message,
                        "line 5001: duplicate id \"id999\" (first used on line 1001)");
    watchlist_free(&list);
    free(text);
}

static void bad_rows_past_the_cap_are_counted_not_kept(void **state)
{
    (void)state;
    size_t rows = WATCHLIST_MAX_ERRORS * 3, cap = 64 + rows * 32, used = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    used += (size_t)snprintf(text, cap, "id,platform,handle\n");
    for (size_t i = 0; i < rows; i++)
        used += (size_t)snprintf(text + used, cap - used, "id%zu,fb,user%zu\n", i, i);
    used += (size_t)snprintf(text + used, cap - used, "good,x,budi\n");
    struct watchlist list;
    char err[NETRA_ERR_LEN];
    assert_int_equal(watchlist_parse(text, used, &list, err, sizeof(err)), 0);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.entries[0].id, "good");
    assert_int_equal(list.error_count, WATCHLIST_MAX_ERRORS);
    assert_int_equal(list.bad_rows, rows);
    watchlist_free(&list);
    free(text);
}

static void ids_must_be_short_plain_names(void **state)
{
    (void)state;
    assert_one_bad_row(HEADER "a b,x,budi,,,,,\n", 2,
                       "line 2: id \"a b\" must be 1-64 characters of A-Z a-z 0-9 . _ -");
    assert_one_bad_row(HEADER ",x,budi,,,,,\n", 2, "line 2: missing id");
    char text[256];
    snprintf(text, sizeof(text), HEADER "%065d,x,budi,,,,,\n", 7);
    struct watchlist list;
    parse_ok(text, &list);
    assert_int_equal(list.count, 0);
    assert_int_equal(list.error_count, 1);
    assert_non_null(strstr(list.errors[0].message, "must be 1-64 characters"));
    watchlist_free(&list);
    snprintf(text, sizeof(text), HEADER "%064d,x,budi,,,,,\n", 7);
    parse_ok(text, &list);
    assert_int_equal(list.count, 1);
    watchlist_free(&list);
}

static void handle_is_required(void **state)
{
    (void)state;
    assert_one_bad_row(HEADER "a1,x,,Budi,,,,\n", 2, "line 2: missing handle");
    assert_one_bad_row("[{\"id\":\"a1\",\"platform\":\"x\"}]", 1, "line 1: missing handle");
}

static void handles_take_one_spelling_per_platform(void **state)
{
    (void)state;
    struct watchlist list;
    parse_ok(HEADER "m1,mastodon,@Budi.Santoso@Mastodon.Example,,,,,\n"
                    "m2,mastodon,siti_r@kolektiva.example,,,,,\n"
                    "b1,bluesky,@Rina.BSKY.social,,,,,\n"
                    "x1,x,@Budi_S,,,,,\n"
                    "f1,feed,https://rss.example/instagram/Budi,,,,,\n"
                    "f2,feed,http://rss.example/tiktok/siti,,,,,\n"
                    "j1,jsonapi,Any Thing / 42,,,,,\n",
             &list);
    assert_int_equal(list.error_count, 0);
    assert_string_equal(find(&list, "m1")->handle, "budi.santoso@mastodon.example");
    assert_string_equal(find(&list, "m2")->handle, "siti_r@kolektiva.example");
    assert_string_equal(find(&list, "b1")->handle, "rina.bsky.social");
    assert_string_equal(find(&list, "x1")->handle, "budi_s");
    assert_string_equal(find(&list, "f1")->handle, "https://rss.example/instagram/Budi");
    assert_string_equal(find(&list, "f2")->handle, "http://rss.example/tiktok/siti");
    assert_string_equal(find(&list, "j1")->handle, "Any Thing / 42");
    watchlist_free(&list);

    assert_one_bad_row(HEADER "m1,mastodon,budi,,,,,\n", 2,
                       "line 2: mastodon handle \"budi\" must be user@host");
    assert_one_bad_row(HEADER "m1,mastodon,budi@a@b,,,,,\n", 2,
                       "line 2: mastodon handle \"budi@a@b\" must be user@host");
    assert_one_bad_row(
        HEADER "f1,feed,ftp://rss.example/x,,,,,\n", 2,
        "line 2: feed handle \"ftp://rss.example/x\" must be an http:// or https:// URL");
    assert_one_bad_row(
        HEADER "f1,feed,\"https://rss.example/a b\",,,,,\n", 2,
        "line 2: feed handle \"https://rss.example/a b\" must be an http:// or https:// URL");
    assert_one_bad_row(
        HEADER "f1,feed,https://rss.example/berita-\xC3\xBA,,,,,\n", 2,
        "line 2: feed handle \"https://rss.example/berita-\xC3\xBA\" must be an http:// or "
        "https:// URL");
    assert_one_bad_row(HEADER "x1,x,budi santoso,,,,,\n", 2,
                       "line 2: x handle \"budi santoso\" must be 1-15 letters, digits or _");
    assert_one_bad_row(
        HEADER "b1,bluesky,rina,,,,,\n", 2,
        "line 2: bluesky handle \"rina\" must be a domain name such as name.bsky.social");
}

static void region_becomes_a_slug(void **state)
{
    (void)state;
    struct watchlist list;
    parse_ok(HEADER "a1,x,a,,,,DKI Jakarta,\n"
                    "a2,x,b,,,,\"  Kalimantan   Timur \",\n"
                    "a3,x,c,,,,Sulawesi_Tenggara,\n"
                    "a4,x,d,,,,aceh,\n",
             &list);
    assert_int_equal(list.error_count, 0);
    assert_string_equal(find(&list, "a1")->region, "dki-jakarta");
    assert_string_equal(find(&list, "a2")->region, "kalimantan-timur");
    assert_string_equal(find(&list, "a3")->region, "sulawesi-tenggara");
    assert_string_equal(find(&list, "a4")->region, "aceh");
    watchlist_free(&list);
}

static void intervals_table(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int seconds;
    } cases[] = {
        {"900", 900},
        {"90s", 90},
        {"15m", 900},
        {"2h", 7200},
        {"1d", 86400},
        {"60", 60},
        {"1m", 60},
        {"30d", 2592000},
        {"2592000", 2592000},
        {"59", -1},
        {"59s", -1},
        {"0", -1},
        {"31d", -1},
        {"2592001", -1},
        {"", -1},
        {"m", -1},
        {"15 m", -1},
        {" 15m", -1},
        {"-15m", -1},
        {"+15m", -1},
        {"1.5h", -1},
        {"15M", -1},
        {"15mm", -1},
        {"15w", -1},
        {"99999999999999999999999m", -1},
        {"720h", 2592000},
        {"721h", -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = watchlist_parse_interval(cases[i].text);
        if (got != cases[i].seconds)
            fail_msg("interval \"%s\": got %d, want %d", cases[i].text, got, cases[i].seconds);
    }
    assert_int_equal(watchlist_parse_interval(NULL), -1);
}

static void bad_interval_makes_a_bad_row(void **state)
{
    (void)state;
    assert_one_bad_row(HEADER "a1,x,budi,,,,,45s\n", 2, "line 2: bad interval \"45s\" " INTERVAL_HINT);
    struct watchlist list;
    parse_ok(HEADER "a1,x,budi,,,,,\n", &list);
    assert_int_equal(list.entries[0].interval_s, 0);
    watchlist_free(&list);
}

static void platforms_known(void **state)
{
    (void)state;
    const char *known[] = {"mastodon", "bluesky", "x", "feed", "jsonapi"};
    for (size_t i = 0; i < 5; i++)
        assert_true(watchlist_platform_known(known[i]));
    const char *unknown[] = {"", "X", "twitter", "feeds", "mastodon ", NULL};
    for (size_t i = 0; i < 6; i++)
        assert_false(watchlist_platform_known(unknown[i]));
}

static void non_utf8_bytes_name_the_column(void **state)
{
    (void)state;
    assert_one_bad_row(HEADER "a1,x,budi,Bud\xE9 Santoso,,,,\n", 2,
                       "line 2: column \"name\" is not valid UTF-8 (bad byte at offset 3)");
    assert_one_bad_row(HEADER "a1,x,budi,,,\"Dinas\xC0\xAF\",,\n", 2,
                       "line 2: column \"agency\" is not valid UTF-8 (bad byte at offset 5)");
    static const char nul_row[] = HEADER "a1,x,budi,Bu\0di,,,,\n";
    struct watchlist list;
    char err[NETRA_ERR_LEN];
    assert_int_equal(watchlist_parse(nul_row, sizeof(nul_row) - 1, &list, err, sizeof(err)), 0);
    assert_int_equal(list.error_count, 1);
    assert_string_equal(list.errors[0].message, "line 2: column \"name\" contains a NUL byte");
    watchlist_free(&list);
}

static void wrong_column_count_is_a_bad_row(void **state)
{
    (void)state;
    assert_one_bad_row(HEADER "a1,x,budi,,,,,,extra\n", 2,
                       "line 2: 9 columns, but the header has 8");
    assert_one_bad_row(HEADER "a1,x,budi\n", 2, "line 2: 3 columns, but the header has 8");
}

static void misplaced_quotes_spoil_only_their_row(void **state)
{
    (void)state;
    struct watchlist list;
    parse_ok(HEADER "a1,x,budi,Budi \"B\" Santoso,,,,\n"
                    "a2,x,siti,\"Siti\" R,,,,\n"
                    "a3,x,rina,Rina,,,,\n",
             &list);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.entries[0].id, "a3");
    assert_int_equal(list.error_count, 2);
    assert_string_equal(list.errors[0].message, "line 2: a misplaced quote on line 2");
    assert_string_equal(list.errors[1].message, "line 3: a misplaced quote on line 3");
    watchlist_free(&list);
    assert_one_bad_row(HEADER "a1,x,budi,,,,,\na2,x,siti,\"Siti\n", 3,
                       "line 3: a quoted field that is never closed");
}

#define HUGE_FIELD_BYTES (1024 * 1024)

/* before, then HUGE_FIELD_BYTES of fill, then after; the caller frees it. */
static char *with_huge_field(const char *before, char fill, const char *after, size_t *len)
{
    *len = strlen(before) + HUGE_FIELD_BYTES + strlen(after);
    char *text = malloc(*len + 1);
    assert_non_null(text);
    memcpy(text, before, strlen(before));
    memset(text + strlen(before), fill, HUGE_FIELD_BYTES);
    strcpy(text + strlen(before) + HUGE_FIELD_BYTES, after);
    return text;
}

/* A 1 MiB field: its row is refused with its length, its neighbours are untouched. */
static void huge_field_spoils_only_its_row(void **state)
{
    (void)state;
    size_t len;
    char *text =
        with_huge_field(HEADER "a1,x,budi,,,,,\na2,x,siti,", 'n', ",,,,\na3,x,rina,,,,,\n", &len);
    struct watchlist list;
    char err[NETRA_ERR_LEN];
    assert_int_equal(watchlist_parse(text, len, &list, err, sizeof(err)), 0);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.entries[0].id, "a1");
    assert_string_equal(list.entries[1].id, "a3");
    assert_int_equal(list.entries[1].line, 4);
    assert_int_equal(list.error_count, 1);
    assert_string_equal(list.errors[0].message,
                        "line 3: column \"name\" is 1048576 bytes (limit 1024)");
    watchlist_free(&list);

    /* Quoted, with spaces and a doubled quote at the end, in a column netra does not keep. */
    free(text);
    char *quoted = with_huge_field("id,platform,handle,notes\na1,x,budi,\"", ' ',
                                   "\"\"   \"\na2,x,siti,\n", &len);
    assert_int_equal(watchlist_parse(quoted, len, &list, err, sizeof(err)), 0);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.entries[0].id, "a2");
    assert_int_equal(list.error_count, 1);
    assert_string_equal(list.errors[0].message, "line 2: column 4 is 1048580 bytes (limit 1024)");
    watchlist_free(&list);
    free(quoted);
}

static void field_at_the_limit_is_kept(void **state)
{
    (void)state;
    char text[4096];
    int n = snprintf(text, sizeof(text), HEADER "a1,x,budi,%0*d,,,,\na2,x,siti,%0*d,,,,\n",
                     WATCHLIST_MAX_FIELD_BYTES, 0, WATCHLIST_MAX_FIELD_BYTES + 1, 0);
    assert_true(n > 0 && (size_t)n < sizeof(text));
    struct watchlist list;
    parse_ok(text, &list);
    assert_int_equal(list.count, 1);
    assert_int_equal(strlen(list.entries[0].name), WATCHLIST_MAX_FIELD_BYTES);
    assert_int_equal(list.error_count, 1);
    assert_string_equal(list.errors[0].message,
                        "line 3: column \"name\" is 1025 bytes (limit 1024)");
    watchlist_free(&list);
}

static void json_reads_the_same_fields(void **state)
{
    (void)state;
    struct watchlist list;
    parse_ok("\xEF\xBB\xBF  [\n"
             "  {\"id\": \"a1\", \"platform\": \"bluesky\", \"handle\": \"@Siti.bsky.social\",\n"
             "   \"name\": \"Siti \\\"Rahma\\\", S.Pd.\", \"nip\": \"198001012005012001\",\n"
             "   \"agency\": \"Dinas Kesehatan Kota Kendari\", \"region\": \"Sulawesi Tenggara\",\n"
             "   \"interval\": \"30m\", \"extra\": [1, 2]},\n"
             "  {\"id\": \"a2\", \"platform\": \"x\", \"handle\": \"budi\", \"interval\": 3600,\n"
             "   \"nip\": null}\n"
             "]\n",
             &list);
    assert_int_equal(list.error_count, 0);
    assert_int_equal(list.count, 2);
    const struct watchlist_entry *a1 = find(&list, "a1");
    assert_string_equal(a1->handle, "siti.bsky.social");
    assert_string_equal(a1->name, "Siti \"Rahma\", S.Pd.");
    assert_string_equal(a1->region, "sulawesi-tenggara");
    assert_int_equal(a1->interval_s, 1800);
    assert_int_equal(a1->line, 2);
    const struct watchlist_entry *a2 = find(&list, "a2");
    assert_int_equal(a2->interval_s, 3600);
    assert_string_equal(a2->nip, "");
    assert_int_equal(a2->line, 6);
    watchlist_free(&list);

    parse_ok("[]", &list);
    assert_int_equal(list.count, 0);
    assert_int_equal(list.error_count, 0);
    watchlist_free(&list);
}

static void json_bad_rows(void **state)
{
    (void)state;
    struct watchlist list;
    parse_ok("[\n"
             "{\"id\":\"a1\",\"platform\":\"x\",\"handle\":\"budi\"},\n"
             "\"a2\",\n"
             "{\"id\":\"a3\",\"platform\":\"x\",\"handle\":\"siti\",\"nip\":198001012005012001},\n"
             "{\"id\":\"a4\",\"platform\":\"x\",\"handle\":\"rina\",\"interval\":90.5},\n"
             "{\"id\":\"a5\",\"platform\":\"x\",\"handle\":\"rina\",\"interval\":true},\n"
             "{\"id\":\"a1\",\"platform\":\"x\",\"handle\":\"andi\"},\n"
             "{\"id\":\"a6\",\"platform\":\"myspace\",\"handle\":\"andi\"},\n"
             "{\"id\":\"a7\",\"platform\":\"x\",\"handle\":\"andi\",\"name\":\"Bud\xE9\"},\n"
             "{\"id\":\"a8\",\"platform\":\"x\",\"handle\":\"andi\",\"interval\":0}\n"
             "]",
             &list);
    assert_int_equal(list.count, 1);
    static const char *const expected[] = {
        "line 3: element is a string, not an object",
        "line 4: field \"nip\" is a number, not a string",
        ("line 5: bad interval \"90.5\" " INTERVAL_HINT),
        "line 6: field \"interval\" is a boolean, not a string or a number",
        "line 7: duplicate id \"a1\" (first used on line 2)",
        "line 8: unknown platform \"myspace\" (expected mastodon, bluesky, x, feed, jsonapi)",
        "line 9: field \"name\" is not valid UTF-8 (bad byte at offset 3)",
        ("line 10: bad interval \"0\" " INTERVAL_HINT),
    };
    assert_int_equal(list.error_count, sizeof(expected) / sizeof(expected[0]));
    for (size_t i = 0; i < list.error_count; i++)
        assert_string_equal(list.errors[i].message, expected[i]);
    watchlist_free(&list);
}

static void json_huge_field_is_a_bad_row(void **state)
{
    (void)state;
    size_t len;
    char *text =
        with_huge_field("[{\"id\":\"a1\",\"platform\":\"x\",\"handle\":\"budi\",\"agency\":\"", 'a',
                        "\"},\n{\"id\":\"a2\",\"platform\":\"x\",\"handle\":\"siti\"}]", &len);
    struct watchlist list;
    char err[NETRA_ERR_LEN];
    assert_int_equal(watchlist_parse(text, len, &list, err, sizeof(err)), 0);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.entries[0].id, "a2");
    assert_int_equal(list.entries[0].line, 2);
    assert_int_equal(list.error_count, 1);
    assert_string_equal(list.errors[0].message,
                        "line 1: field \"agency\" is 1048576 bytes (limit 1024)");
    watchlist_free(&list);
    free(text);
}

static void json_whole_file_failures(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        {"[\n  {\"id\": \"a1\",\n   \"platform\": x}\n]",
         "invalid JSON at line 3:16: not a JSON value"},
        {"[{\"id\":\"a1\"}", "invalid JSON at line 1:13: the array is never closed"},
        {"[{\"id\":\"a1\"} {}]", "invalid JSON at line 1:14: expected ',' or ']' after an element"},
        {"[{\"id\":\"a1\"},]", "invalid JSON at line 1:14: not a JSON value"},
        {"[]\n[]", "invalid JSON at line 2:1: unexpected data after the array"},
        {"{\"id\":\"a1\"}", "a JSON watchlist must be an array of objects, not an object"},
        {"\"a1\"", "a JSON watchlist must be an array of objects, not a string"},
        {"{\"id\":", "invalid JSON at line 1:6: not a JSON value"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct watchlist list;
        char err[NETRA_ERR_LEN] = "";
        assert_int_equal(
            watchlist_parse_json(cases[i].text, strlen(cases[i].text), &list, err, sizeof(err)),
            -1);
        assert_int_equal(list.count, 0);
        assert_string_equal(err, cases[i].error);
    }
}

static void format_follows_the_first_byte(void **state)
{
    (void)state;
    struct watchlist list;
    char err[NETRA_ERR_LEN];
    /* '[' after a BOM and blank lines means JSON: a CSV reading would fail for want of a header. */
    const char *json = "\xEF\xBB\xBF\r\n [{\"id\":\"a1\",\"platform\":\"x\",\"handle\":\"b\"}]";
    assert_int_equal(watchlist_parse(json, strlen(json), &list, err, sizeof(err)), 0);
    assert_int_equal(list.count, 1);
    assert_int_equal(list.entries[0].line, 2);
    watchlist_free(&list);
    assert_int_equal(watchlist_parse_csv(json, strlen(json), &list, err, sizeof(err)), -1);
    assert_int_equal(watchlist_parse(NULL, 0, &list, err, sizeof(err)), -1);
    assert_string_equal(err, "watchlist has no header row (it is empty)");
    watchlist_free(&list);
    watchlist_free(NULL);
}

static void example_file_is_clean_and_covers_every_platform(void **state)
{
    (void)state;
    char *path = test_source_path("config/watchlist.example.csv");
    size_t len;
    char *text = test_read_file(path, &len);
    struct watchlist list;
    char err[NETRA_ERR_LEN];
    assert_int_equal(watchlist_parse(text, len, &list, err, sizeof(err)), 0);
    if (list.error_count > 0)
        fail_msg("%s", list.errors[0].message);
    assert_in_range(list.count, 45, 60);
    const char *platforms[] = {"mastodon", "bluesky", "x", "feed", "jsonapi"};
    for (size_t p = 0; p < 5; p++) {
        size_t seen = 0;
        for (size_t i = 0; i < list.count; i++)
            seen += strcmp(list.entries[i].platform, platforms[p]) == 0;
        assert_true(seen >= 5);
    }
    for (size_t i = 0; i < list.count; i++) {
        const struct watchlist_entry *e = &list.entries[i];
        assert_int_equal(strlen(e->nip), 18);
        assert_true(strncmp(e->nip, "19", 2) == 0);
        assert_in_range(e->interval_s, 900, 6 * 3600);
        assert_null(strpbrk(e->region, "ABCDEFGHIJKLMNOPQRSTUVWXYZ "));
    }
    assert_string_equal(find(&list, "asn-dki-010")->name, "Hj. Siti Rahmawati, S.Pd., M.M.");
    assert_string_equal(find(&list, "asn-jtg-015")->name, "Ahmad \"Amat\" Fauzi");
    assert_string_equal(find(&list, "asn-dki-007")->region, "dki-jakarta");
    watchlist_free(&list);
    free(text);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_every_column_of_a_plain_row),
        cmocka_unit_test(quoted_fields_keep_commas_quotes_and_newlines),
        cmocka_unit_test(bom_and_crlf_are_accepted),
        cmocka_unit_test(columns_in_any_order_and_unknown_ones_ignored),
        cmocka_unit_test(blank_lines_skipped_and_unquoted_values_trimmed),
        cmocka_unit_test(whole_file_failures),
        cmocka_unit_test(a_file_over_the_size_limit_is_refused_unread),
        cmocka_unit_test(unknown_platform_lists_the_known_ones),
        cmocka_unit_test(second_use_of_an_id_is_refused_and_names_the_first),
        cmocka_unit_test(many_ids_stay_distinct),
        cmocka_unit_test(ids_must_be_short_plain_names),
        cmocka_unit_test(handle_is_required),
        cmocka_unit_test(handles_take_one_spelling_per_platform),
        cmocka_unit_test(region_becomes_a_slug),
        cmocka_unit_test(intervals_table),
        cmocka_unit_test(bad_interval_makes_a_bad_row),
        cmocka_unit_test(platforms_known),
        cmocka_unit_test(non_utf8_bytes_name_the_column),
        cmocka_unit_test(wrong_column_count_is_a_bad_row),
        cmocka_unit_test(misplaced_quotes_spoil_only_their_row),
        cmocka_unit_test(huge_field_spoils_only_its_row),
        cmocka_unit_test(field_at_the_limit_is_kept),
        cmocka_unit_test(json_reads_the_same_fields),
        cmocka_unit_test(json_bad_rows),
        cmocka_unit_test(json_huge_field_is_a_bad_row),
        cmocka_unit_test(json_whole_file_failures),
        cmocka_unit_test(format_follows_the_first_byte),
        cmocka_unit_test(bad_rows_past_the_cap_are_counted_not_kept),
        cmocka_unit_test(example_file_is_clean_and_covers_every_platform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
