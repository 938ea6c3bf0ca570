/* The alert feeds for Bawaslu: GET /feeds/alerts.atom (Atom 1.0, RFC 4287, paged with RFC 5005
 * next links) and GET /feeds/alerts.json (JSON Feed 1.1), both of the confirmed findings newest
 * first (desk/alerts.h), one entry per case with the stable id "urn:netra:alert:<case id>".
 *
 * Query: region, agency (exact), since (RFC 3339 time or date: confirmed at or after), limit
 * (1..200, default 50), cursor (the next link's; a bad one is answered 400). Links start with
 * desk.public_url. Feeds are not audited per read (docs/feeds.md). */
#ifndef NETRA_DESK_FEEDS_H
#define NETRA_DESK_FEEDS_H

#include "desk/desk.h"

desk_handler_fn feeds_atom;
desk_handler_fn feeds_json;

#endif
