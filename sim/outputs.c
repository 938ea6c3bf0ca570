#include "sim/outputs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "sim/buf.h"
#include "sim/engage.h"

int outputs_write_atomic(const char *path, const char *data, size_t len, char *err,
                         size_t err_len)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return error_set(err, err_len, "%s: path too long", path);
    FILE *file = fopen(tmp, "wb");
    if (file == NULL)
        return error_set(err, err_len, "%s: cannot create: %s", tmp, strerror(errno));
    int failed = fwrite(data, 1, len, file) != len;
    failed |= fflush(file) != 0;
    failed |= fclose(file) != 0;
    if (failed) {
        remove(tmp);
        return error_set(err, err_len, "%s: cannot write: %s", tmp, strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        int saved = errno;
        remove(tmp);
        return error_set(err, err_len, "%s: cannot rename into place: %s", path, strerror(saved));
    }
    return 0;
}

int outputs_write_port_file(const struct sim *sim, const char *path, char *err, size_t err_len)
{
    char line[96];
    int n = snprintf(line, sizeof(line), "%s:%d\n", sim->options.listen_host, sim->port);
    return outputs_write_atomic(path, line, (size_t)n, err, err_len);
}

/* RFC 4180: quote a field holding a comma, quote or line break, doubling its quotes. */
static void csv_field(struct buf *out, const char *value, int last)
{
    if (strpbrk(value, ",\"\r\n") == NULL) {
        buf_puts(out, value);
    } else {
        buf_puts(out, "\"");
        for (const char *p = value; *p; p++) {
            if (*p == '"')
                buf_puts(out, "\"");
            buf_append(out, p, 1);
        }
        buf_puts(out, "\"");
    }
    buf_puts(out, last ? "\n" : ",");
}

int outputs_write_watchlist(struct sim *sim, const char *path, char *err, size_t err_len)
{
    struct buf csv;
    buf_init(&csv);
    buf_puts(&csv, "id,platform,handle,name,nip,agency,region,interval\n");
    world_lock(&sim->world);
    for (size_t i = 0; i < sim->world.account_count; i++) {
        const struct sim_account *a = &sim->world.accounts[i];
        char handle[256], interval[16];
        world_account_handle(&sim->world, a, handle, sizeof(handle));
        snprintf(interval, sizeof(interval), "%d", a->interval_s);
        csv_field(&csv, a->id, 0);
        csv_field(&csv, sim_platform_name(a->platform), 0);
        csv_field(&csv, handle, 0);
        csv_field(&csv, a->person.name, 0);
        csv_field(&csv, a->person.nip, 0);
        csv_field(&csv, a->person.agency, 0);
        csv_field(&csv, people_region(a->region)->slug, 0);
        csv_field(&csv, interval, 1);
    }
    world_unlock(&sim->world);
    int rc = buf_failed(&csv) ? error_set(err, err_len, "out of memory writing %s", path)
                              : outputs_write_atomic(path, csv.data, csv.len, err, err_len);
    buf_free(&csv);
    return rc;
}

int outputs_write_config(const struct sim *sim, const char *path, char *err, size_t err_len)
{
    const char *base = sim->world.base_url;
    const char *host = sim->options.listen_host;
    struct buf out;
    buf_init(&out);
    buf_printf(&out,
               "// The platforms section of netra.jsonc for netra-sim at %s.\n"
               "// Every platform's base_url points at the simulator. The X bearer token is read\n"
               "// from the environment: export NETRA_X_TOKEN to the simulator's --token (default\n"
               "// \"" SIM_DEFAULT_TOKEN "\").\n"
               "{\n"
               "    \"platforms\": {\n",
               base);
    static const char *const names[] = {"mastodon", "bluesky", "x", "feed"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        buf_printf(&out, "        \"%s\": {\n            \"base_url\": \"%s/%s\",\n", names[i], base,
                   names[i]);
        if (strcmp(names[i], "x") == 0)
            buf_puts(&out, "            \"token\": \"$ENV:NETRA_X_TOKEN\",\n");
        buf_printf(&out, "            \"allowed_hosts\": [\"%s\"]\n        },\n", host);
    }
    buf_printf(&out,
               "        \"jsonapi\": {\n"
               "            \"base_url\": \"%s/jsonapi\",\n"
               "            \"url\": \"%s/jsonapi/accounts/{handle}/posts?cursor={cursor}\",\n"
               "            \"items\": \"/data\",\n"
               "            \"id\": \"/id\",\n"
               "            \"text\": \"/body\",\n"
               "            \"created_at\": \"/created\",\n"
               "            \"url_field\": \"/permalink\",\n"
               "            \"author\": \"/user/name\",\n"
               "            \"next\": \"/next_cursor\",\n"
               "            \"allowed_hosts\": [\"%s\"]\n"
               "        }\n"
               "    }\n"
               "}\n",
               base, base, host);
    int rc = buf_failed(&out) ? error_set(err, err_len, "out of memory writing %s", path)
                              : outputs_write_atomic(path, out.data, out.len, err, err_len);
    buf_free(&out);
    return rc;
}

int outputs_write_rules(const struct sim *sim, const char *path, char *err, size_t err_len)
{
    static const enum bank_role roles[] = {BANK_ROLE_CANDIDATE, BANK_ROLE_PARTY,
                                           BANK_ROLE_CAMPAIGN_TEAM};
    static const char *const list_names[] = {"candidate_account", "party_account",
                                             "campaign_team_account"};
    const struct sim_world *world = &sim->world;
    int rc = -1;
    char *json = NULL;
    struct buf out;
    buf_init(&out);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "name", "sim-campaign-accounts");
    cJSON_AddStringToObject(doc, "version", "1.0.0");
    cJSON_AddStringToObject(doc, "region", "all");
    cJSON_AddStringToObject(doc, "description",
                            "netra-sim: the official candidate, party and campaign-team accounts "
                            "of its world");
    cJSON *lists = cJSON_AddObjectToObject(doc, "lists");
    for (size_t r = 0; lists != NULL && r < sizeof(roles) / sizeof(roles[0]); r++) {
        cJSON *terms = cJSON_AddArrayToObject(lists, list_names[r]);
        for (size_t p = 0; terms != NULL && p < world->options.platform_count; p++) {
            enum sim_platform platform = world->options.platforms[p];
            if (platform != SIM_MASTODON && platform != SIM_BLUESKY && platform != SIM_X)
                continue;
            for (size_t a = 0; a < bank_author_count(); a++) {
                if (bank_author_at(a)->role != roles[r])
                    continue;
                struct engage_target target = {ENGAGE_AUTHOR, a};
                char value[256], term[300];
                engage_target_handle(world, platform, &target, value, sizeof(value));
                snprintf(term, sizeof(term), "@%s:%s", sim_platform_name(platform), value);
                cJSON_AddItemToArray(terms, cJSON_CreateString(term));
                if (platform == SIM_BLUESKY) {
                    engage_target_native_id(world, platform, &target, value, sizeof(value));
                    snprintf(term, sizeof(term), "@bluesky:%s", value);
                    cJSON_AddItemToArray(terms, cJSON_CreateString(term));
                }
            }
        }
    }
    json = cJSON_Print(doc);
    if (json == NULL) {
        error_set(err, err_len, "%s: out of memory", path);
        goto cleanup;
    }
    buf_printf(&out, "// Written by netra-sim (seed %llu): its campaign accounts, for every "
                     "region.\n%s\n",
               (unsigned long long)world->options.seed, json);
    if (buf_failed(&out)) {
        error_set(err, err_len, "%s: out of memory", path);
        goto cleanup;
    }
    rc = outputs_write_atomic(path, out.data, out.len, err, err_len);
cleanup:
    free(json);
    buf_free(&out);
    cJSON_Delete(doc);
    return rc;
}
