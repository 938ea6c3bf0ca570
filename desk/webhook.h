/* Webhook push of every confirmed finding to the receivers in desk.webhooks.
 *
 * A background thread of netra-desk (the pusher) reads each shard's alerts stream in the consumer
 * group "webhooks" and, for every new entry and every receiver, records a delivery in the
 * receiver's webhook:<id> hash (keys_webhook) before it acknowledges the entry; so a crash or a
 * restart loses no alert and the group never hands an entry out twice. Deliveries are then tried
 * from that hash: a POST of the alert JSON (alert_to_json) with
 *     X-Netra-Timestamp: <Unix seconds>
 *     X-Netra-Signature: sha256=<hex HMAC-SHA256(secret, timestamp "." body)>
 *     X-Netra-Delivery:  <shard>/<alert entry id>   (the same on every retry: receivers dedupe)
 * A 2xx answer delivers it; anything else is retried after desk.webhook_backoff_ms, doubling per
 * attempt up to 5 minutes, desk.webhook_max_attempts times in all. A finished delivery (delivered
 * or failed) leaves the hash for the capped webhook:<id>:log stream. Delivery is at least once:
 * a crash between a receiver's answer and its record repeats that one delivery.
 *
 * One pusher per Redis deployment: two netra-desk with webhooks would both try the same
 * deliveries (receivers would see duplicates, which X-Netra-Delivery lets them drop).
 *
 * It is a thread, not a process of its own, because it needs nothing netra-desk lacks (the
 * config, Redis, libcurl) and its state is all in Redis; blocking libcurl calls keep it simple
 * and never touch the HTTP server's threads. */
#ifndef NETRA_DESK_WEBHOOK_H
#define NETRA_DESK_WEBHOOK_H

#include <stddef.h>

#include "config/config.h"
#include "desk/desk.h"

#define WEBHOOK_GROUP "webhooks"
#define WEBHOOK_CONSUMER "netra-desk"
/* "sha256=" and 64 hex digits. */
#define WEBHOOK_SIGNATURE_LEN 71
/* A receiver's id: the first 16 hex digits of SHA-256 of its URL. */
#define WEBHOOK_ID_LEN 16
#define WEBHOOK_BACKOFF_MAX_MS 300000
#define WEBHOOK_LOG_MAX 1000

/* The X-Netra-Signature value of body sent at timestamp (decimal Unix seconds). */
int webhook_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
                 char out[WEBHOOK_SIGNATURE_LEN + 1]);

void webhook_id(const char *url, char out[WEBHOOK_ID_LEN + 1]);

/* The wait before the next try after `attempts` failed ones (>= 1). */
long long webhook_backoff_ms(const struct netra_config *config, int attempts);

struct webhook_pusher;

/* Checks every receiver (an http or https URL, a secret) and starts the thread; *out is NULL and
 * no thread runs when no receiver is configured. The config must outlive the pusher. */
int webhook_pusher_start(const struct netra_config *config, struct webhook_pusher **out,
                         char *err, size_t err_len);
/* Stops the thread (a request in flight is aborted) and frees the pusher; NULL is fine. */
void webhook_pusher_stop(struct webhook_pusher *pusher);

/* GET /api/webhooks (staff): per receiver, its deliveries still being tried and the latest
 * finished ones. Receiver URLs are shown without credentials or query. */
desk_handler_fn webhooks_state;

#endif
