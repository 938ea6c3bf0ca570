/* GET /api/export/cases.csv: the cases for reports, as RFC 4180 CSV (UTF-8 with a byte order mark
 * so spreadsheets read it as UTF-8, CRLF line ends, a header row, every field quoted), one row per
 * case, newest first (by confirmation, else by opening), at most EXPORT_MAX_ROWS rows and
 * EXPORT_MAX_BYTES (more sets the header X-Netra-Export-Truncated: true). Columns in
 * docs/feeds.md; those added later (a follow's or a like's kind and target) come after the older
 * ones, so readers that pick columns by position keep working.
 *
 * Query: status (pending | confirming | confirmed | dismissed | escalated | all; default
 * confirmed), region (exact). A field that starts with = + - @ tab or CR gets a leading ' so no
 * spreadsheet runs it as a formula. Every export is audited (export.csv). */
#ifndef NETRA_DESK_EXPORT_H
#define NETRA_DESK_EXPORT_H

#include "desk/desk.h"

#define EXPORT_MAX_ROWS 20000
#define EXPORT_MAX_BYTES (64L * 1024 * 1024)

desk_handler_fn export_cases_csv;

#endif
