/* The bank of posts the simulated civil servants write: realistic Indonesian social-media text,
 * everyday (family, work, religion, food, traffic, sport), political but not partisan (news,
 * calls to vote, neutrality reminders) and partisan (support for or attacks on a candidate or
 * party, with invented candidates and the real parties). Drawn ~85% / 10% / 5%.
 *
 * Texts may carry @mentions of `bank_author` handles, #hashtags, links and emoji. Everything
 * returned points into static storage. */
#ifndef NETRA_SIM_BANK_H
#define NETRA_SIM_BANK_H

#include <stddef.h>

#include "sim/rng.h"

enum bank_category { BANK_EVERYDAY, BANK_POLITICAL, BANK_PARTISAN, BANK_CATEGORY_COUNT };

struct bank_text {
    const char *text;
    const char *alt;  /* the alt text of the photo that goes with it, or NULL */
    const char *lang; /* ISO 639-1 */
};

/* What an author officially is in an election: the partisan authors are all campaign accounts. */
enum bank_role { BANK_ROLE_NONE, BANK_ROLE_CANDIDATE, BANK_ROLE_PARTY, BANK_ROLE_CAMPAIGN_TEAM };

/* Someone the civil servants repost, reply to, quote, follow and like: friends, news outlets,
 * government bodies, and campaign accounts (for partisan reposts). */
struct bank_author {
    const char *handle; /* ASCII [A-Za-z0-9_], at most 15 bytes: X's username limit */
    const char *name;
    enum bank_role role;
    const char *bio; /* the profile's description, plain text */
};

const char *bank_category_name(enum bank_category category);
/* 85% everyday, 10% political, 5% partisan. */
enum bank_category bank_pick_category(struct sim_rng *rng);
const struct bank_text *bank_pick_text(struct sim_rng *rng, enum bank_category category);
/* A short reaction, used as a reply or as the comment on a quote. */
const struct bank_text *bank_pick_comment(struct sim_rng *rng, enum bank_category category);
const struct bank_author *bank_pick_author(struct sim_rng *rng, enum bank_category category);
/* An alt text for a photo that has none of its own. */
const char *bank_pick_alt(struct sim_rng *rng);
/* A line an author adds when editing a post. */
const char *bank_pick_edit_note(struct sim_rng *rng);
/* How many texts of a category the bank holds (for tests). */
size_t bank_text_count(enum bank_category category);
const struct bank_text *bank_text_at(enum bank_category category, size_t index);

/* Every author once, by a stable index 0..bank_author_count()-1, with the category it writes
 * (kompascom, in two, counts as everyday). */
size_t bank_author_count(void);
const struct bank_author *bank_author_at(size_t index);
enum bank_category bank_author_category(size_t index);
/* The index of an author returned by any bank function, or SIZE_MAX. */
size_t bank_author_index(const struct bank_author *author);
/* The author's handle on Bluesky: "KPU_ID" -> "kpu-id.bsky.sim". */
void bank_bluesky_handle(const struct bank_author *author, char *out, size_t out_len);
/* "none", "candidate", "party", "campaign_team" */
const char *bank_role_name(enum bank_role role);

#endif
