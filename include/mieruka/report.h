/* report.h - what `analyze` shows: terminal tables, the JSON document of
 * interface.md, and CSV files for Excel.  Reports read records only (model.h):
 * they never see packets. */
#ifndef MIERUKA_REPORT_H
#define MIERUKA_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mieruka/model.h"

struct mk_report {
	struct mk_capture_rec *captures;
	size_t n_captures;
	struct mk_asset_rec *assets;
	size_t n_assets;
	struct mk_conv_rec *convs;
	size_t n_convs;
	struct mk_counter_rec *counters;
	size_t n_counters;
};

/* The interface.md document ("schema": "mieruka/1"). Returns 0 or -1 (I/O). */
int mk_report_json(FILE *f, const struct mk_report *r);
/* assets.csv, communications.csv, captures.csv in dir (created if missing),
 * UTF-8 with BOM, CRLF, RFC 4180 quoting, cells starting with = + - @ TAB CR
 * prefixed with an apostrophe (formula injection).  The header row holds
 * stable English column ids (never translated; see src/report/csv.c).
 * Returns 0 or -1 with a message in err. */
int mk_report_csv(const char *dir, const struct mk_report *r, char *err, size_t errlen);
/* Human summary for a terminal, in the current language (mk_msg keys
 * report.*, role.*, op.* of data/i18n/messages.tsv); each table shows at most
 * max_rows rows. */
void mk_report_text(FILE *f, const struct mk_report *r, size_t max_rows);

#endif /* MIERUKA_REPORT_H */
