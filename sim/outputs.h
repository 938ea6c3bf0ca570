/* Files netra-sim writes for its users once it listens: the port file, a watchlist of its
 * accounts, a ruleset of its campaign accounts, and the platforms section of a netra.jsonc pointing every platform at it. Each file
 * is written to "<path>.tmp" and renamed into place, so a reader never sees half of it. */
#ifndef NETRA_SIM_OUTPUTS_H
#define NETRA_SIM_OUTPUTS_H

#include <stddef.h>

#include "sim/sim.h"

int outputs_write_atomic(const char *path, const char *data, size_t len, char *err,
                         size_t err_len);
/* "127.0.0.1:PORT\n" */
int outputs_write_port_file(const struct sim *sim, const char *path, char *err, size_t err_len);
/* CSV, header id,platform,handle,name,nip,agency,region,interval. */
int outputs_write_watchlist(struct sim *sim, const char *path, char *err, size_t err_len);
/* JSONC: {"platforms": {...}} with the X token as "$ENV:NETRA_X_TOKEN". */
int outputs_write_config(const struct sim *sim, const char *path, char *err, size_t err_len);

/* JSONC ruleset "sim-campaign-accounts", region "all": the world's campaign accounts (bank
 * authors that are a candidate, party or campaign team) as qualified account terms per platform
 * of the world ("@x:gerindra", "@bluesky:gerindra.bsky.sim" and its DID,
 * "@mastodon:gerindra@sim.mastodon"), in lists candidate_account, party_account and
 * campaign_team_account. */
int outputs_write_rules(const struct sim *sim, const char *path, char *err, size_t err_len);

#endif
