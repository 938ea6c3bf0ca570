/* The invented civil servants the simulator watches: provinces, names, agencies and NIP-shaped
 * numbers. Everything is drawn from a caller's rng so a seed gives the same people. */
#ifndef NETRA_SIM_PEOPLE_H
#define NETRA_SIM_PEOPLE_H

#include <stddef.h>

#include "sim/rng.h"

struct sim_region {
    const char *slug; /* the watchlist's region: "aceh", "dki-jakarta", ... */
    const char *name; /* "Aceh", "DKI Jakarta", ... */
    const char *code; /* three letters for account ids shown to people: "ach" */
};

struct sim_person {
    char name[96];     /* "Teuku Rizal Maulana" */
    char username[48]; /* "rizal.maulana": ASCII, lower case, [a-z0-9.] */
    char nip[24];      /* 18 digits: birth date, appointment month, sex, serial */
    char agency[160];  /* "Dinas Pendidikan Kabupaten Pidie" */
};

size_t people_region_count(void);
const struct sim_region *people_region(size_t index);
/* A new person living in region `region_index` (< people_region_count()). */
void people_make(struct sim_rng *rng, size_t region_index, struct sim_person *out);

#endif
