/* Time stamps in the shapes the platforms use. Times are Unix milliseconds (UTC). Output buffers
 * of SIM_TIME_LEN bytes are always enough. */
#ifndef NETRA_SIM_TIMEFMT_H
#define NETRA_SIM_TIMEFMT_H

#include <stdint.h>

#define SIM_TIME_LEN 48

/* "2024-02-14T03:04:05.678Z" (Mastodon, Bluesky, X). */
void time_rfc3339_ms(int64_t ms, char out[SIM_TIME_LEN]);
/* "2024-02-14T10:04:05+07:00": Western Indonesia Time, as Indonesian sites write it. */
void time_rfc3339_wib(int64_t ms, char out[SIM_TIME_LEN]);
/* "Wed, 14 Feb 2024 10:04:05 +0700" (RSS pubDate, RFC 822 with a four-digit year). */
void time_rfc822_wib(int64_t ms, char out[SIM_TIME_LEN]);
/* "Wed, 14 Feb 2024 03:04:05 GMT" (HTTP Last-Modified). */
void time_http_date(int64_t ms, char out[SIM_TIME_LEN]);
/* "2024-02-14T03:04:05Z" or with fraction/offset -> 0 and *ms; -1 when malformed. */
int time_parse_rfc3339(const char *text, int64_t *ms);
/* An HTTP date (If-Modified-Since) -> 0 and *ms (whole seconds); -1 when unreadable. */
int time_parse_http_date(const char *text, int64_t *ms);
/* Real wall-clock time now. */
int64_t time_real_ms(void);
/* A monotonic clock for measuring elapsed time. */
int64_t time_monotonic_ms(void);

#endif
