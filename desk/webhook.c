#include "desk/webhook.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "config/log.h"
#include "desk/alerts.h"
#include "queue/keys.h"
#include "queue/shards.h"

/* How often the pusher looks for new alerts and due retries. */
#define POLL_MS 200
/* ... and how long it waits after Redis failed it. */
#define RETRY_MS 1000
/* New alerts taken per shard and round. */
#define READ_COUNT 32
#define CONNECT_TIMEOUT_MS 5000
#define REQUEST_TIMEOUT_MS 15000
/* Most deliveries and log entries /api/webhooks lists per receiver and shard. */
#define LIST_MAX 50

struct receiver {
    const struct desk_webhook_config *config;
    char id[WEBHOOK_ID_LEN + 1];
};

struct webhook_pusher {
    const struct netra_config *config;
    struct receiver *receivers;
    size_t receiver_count;
    struct shards *shards;
    CURL *curl;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping; /* under lock */
};

int webhook_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
                 char out[WEBHOOK_SIGNATURE_LEN + 1])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac == NULL ? NULL : EVP_MAC_CTX_new(hmac);
    int rc = -1;
    if (ctx == NULL ||
        EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params) != 1 ||
        EVP_MAC_update(ctx, (const unsigned char *)timestamp, strlen(timestamp)) != 1 ||
        EVP_MAC_update(ctx, (const unsigned char *)".", 1) != 1 ||
        EVP_MAC_update(ctx, (const unsigned char *)body, body_len) != 1 ||
        EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) != 1 || mac_len != 32)
        goto cleanup;
    memcpy(out, "sha256=", 7);
    for (size_t i = 0; i < mac_len; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
    rc = 0;

cleanup:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(hmac);
    return rc;
}

void webhook_id(const char *url, char out[WEBHOOK_ID_LEN + 1])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)url, strlen(url), digest);
    for (int i = 0; i < WEBHOOK_ID_LEN / 2; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

long long webhook_backoff_ms(const struct netra_config *config, int attempts)
{
    long long wait = config->desk.webhook_backoff_ms;
    for (int i = 1; i < attempts && wait < WEBHOOK_BACKOFF_MAX_MS; i++)
        wait *= 2;
    return wait < WEBHOOK_BACKOFF_MAX_MS ? wait : WEBHOOK_BACKOFF_MAX_MS;
}

/* Copies what fits of src (messages are cut, never refused). */
static void copy_text(char *dst, size_t dst_len, const char *src)
{
    size_t len = strlen(src);
    if (len >= dst_len)
        len = dst_len - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static long long now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* "scheme://host[:port]/path" of url, without credentials or query; -1 when url is not a valid
 * http or https URL. */
static int receiver_display(const char *url, char *out, size_t out_len)
{
    CURLU *parsed = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    int rc = -1;
    if (parsed == NULL || curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        goto cleanup;
    curl_url_get(parsed, CURLUPART_PORT, &port, 0);
    snprintf(out, out_len, "%s://%s%s%s%s", scheme, host, port ? ":" : "", port ? port : "",
             path);
    rc = 0;

cleanup:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(parsed);
    return rc;
}

static int pusher_stopping(struct webhook_pusher *pusher)
{
    pthread_mutex_lock(&pusher->lock);
    int stopping = pusher->stopping;
    pthread_mutex_unlock(&pusher->lock);
    return stopping;
}

static size_t discard_body(char *data, size_t size, size_t count, void *user)
{
    (void)data;
    (void)user;
    return size * count;
}

static int abort_on_stop(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return pusher_stopping(user);
}

/* One POST; 0 with *status (the HTTP status, 0 when none came) and error text when not 2xx. */
static void post_once(struct webhook_pusher *pusher, const struct receiver *receiver,
                      const char *delivery, const char *body, long *status, char *error,
                      size_t error_len)
{
    char timestamp[24], signature[WEBHOOK_SIGNATURE_LEN + 1], header[160];
    char curl_error[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL, *more;
    CURL *curl = pusher->curl;
    *status = 0;
    error[0] = '\0';
    snprintf(timestamp, sizeof(timestamp), "%lld", (long long)time(NULL));
    if (webhook_sign(receiver->config->secret, timestamp, body, strlen(body), signature) != 0) {
        snprintf(error, error_len, "signing failed");
        return;
    }
    const char *lines[] = {"Content-Type: application/json", "X-Netra-Timestamp: ",
                           "X-Netra-Signature: ", "X-Netra-Delivery: ", "Expect:"};
    const char *values[] = {"", timestamp, signature, delivery, ""};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        snprintf(header, sizeof(header), "%s%s", lines[i], values[i]);
        if ((more = curl_slist_append(headers, header)) == NULL) {
            snprintf(error, error_len, "out of memory");
            goto cleanup;
        }
        headers = more;
    }
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, receiver->config->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)REQUEST_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "netra-desk");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_on_stop);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, pusher);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    if (code != CURLE_OK)
        snprintf(error, error_len, "%s", curl_error[0] ? curl_error : curl_easy_strerror(code));
    else if (*status < 200 || *status > 299)
        snprintf(error, error_len, "HTTP %ld", *status);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);

cleanup:
    curl_slist_free_all(headers);
}

/* The body of the alert entry_id of shard (its kind and target read from its case). NULL with err
 * and *lasting = 1 when the entry is gone or unreadable, which no retry changes; *lasting = 0 when
 * Redis failed or memory ran out. */
static char *alert_body(struct redis_sync *redis, const struct netra_config *config,
                        const char *stream, int shard, const char *entry_id, int *lasting,
                        char *err, size_t err_len)
{
    redisReply *reply = NULL;
    struct alert alert;
    cJSON *json = NULL;
    char *body = NULL;
    *lasting = 0;
    if (redis_sync_commandv(redis, &reply, err, err_len, "XRANGE", stream, entry_id, entry_id,
                            (char *)NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "XRANGE alerts", err, err_len) != 0)
        goto cleanup;
    *lasting = 1;
    if (reply->elements != 1) {
        error_set(err, err_len, "alert %d/%s is gone from the stream", shard, entry_id);
        goto cleanup;
    }
    if (alerts_decode(reply->element[0], shard, &alert, err, err_len) != 0)
        goto cleanup;
    *lasting = 0;
    if (alerts_read_engagement(redis, config, &alert, err, err_len) == 0) {
        json = alert_to_json(&alert);
        if (json == NULL || (body = cJSON_PrintUnformatted(json)) == NULL)
            error_set(err, err_len, "alert %d/%s: out of memory", shard, entry_id);
    }
    alert_free(&alert);

cleanup:
    cJSON_Delete(json);
    freeReplyObject(reply);
    return body;
}

struct delivery {
    char entry_id[ALERT_ENTRY_ID_LEN];
    char case_id[40];
    int attempts;
    long long next_at, first_at;
    long last_status;
    char last_error[256];
};

static void delivery_read(const char *entry_id, const char *json, struct delivery *out)
{
    cJSON *state = cJSON_Parse(json);
    const cJSON *item;
    memset(out, 0, sizeof(*out));
    copy_text(out->entry_id, sizeof(out->entry_id), entry_id);
    if ((item = cJSON_GetObjectItemCaseSensitive(state, "case")) && cJSON_IsString(item))
        copy_text(out->case_id, sizeof(out->case_id), item->valuestring);
    if ((item = cJSON_GetObjectItemCaseSensitive(state, "attempts")) && cJSON_IsNumber(item))
        out->attempts = item->valueint;
    if ((item = cJSON_GetObjectItemCaseSensitive(state, "next_at")) && cJSON_IsNumber(item))
        out->next_at = (long long)item->valuedouble;
    if ((item = cJSON_GetObjectItemCaseSensitive(state, "first_at")) && cJSON_IsNumber(item))
        out->first_at = (long long)item->valuedouble;
    if ((item = cJSON_GetObjectItemCaseSensitive(state, "last_status")) && cJSON_IsNumber(item))
        out->last_status = (long)item->valuedouble;
    if ((item = cJSON_GetObjectItemCaseSensitive(state, "last_error")) && cJSON_IsString(item))
        copy_text(out->last_error, sizeof(out->last_error), item->valuestring);
    cJSON_Delete(state);
}

static char *delivery_json(const struct delivery *delivery)
{
    cJSON *state = cJSON_CreateObject();
    char *out = NULL;
    if (state != NULL && cJSON_AddStringToObject(state, "case", delivery->case_id) != NULL &&
        cJSON_AddNumberToObject(state, "attempts", delivery->attempts) != NULL &&
        cJSON_AddNumberToObject(state, "next_at", (double)delivery->next_at) != NULL &&
        cJSON_AddNumberToObject(state, "first_at", (double)delivery->first_at) != NULL &&
        cJSON_AddNumberToObject(state, "last_status", (double)delivery->last_status) != NULL &&
        cJSON_AddStringToObject(state, "last_error", delivery->last_error) != NULL)
        out = cJSON_PrintUnformatted(state);
    cJSON_Delete(state);
    return out;
}

/* Moves a finished delivery from the hash to the log: the log first, so a crash in between
 * repeats the delivery rather than forgetting it. */
static int delivery_finish(struct redis_sync *redis, const char *hash, const char *log,
                           const struct delivery *delivery, int shard, const char *state,
                           char *err, size_t err_len)
{
    char alert[ALERT_ENTRY_ID_LEN + 16], attempts[16], status[16], at[24], max_len[16];
    redisReply *reply = NULL;
    int rc = -1;
    snprintf(alert, sizeof(alert), "%d/%s", shard, delivery->entry_id);
    snprintf(attempts, sizeof(attempts), "%d", delivery->attempts);
    snprintf(status, sizeof(status), "%ld", delivery->last_status);
    snprintf(at, sizeof(at), "%lld", now_ms());
    snprintf(max_len, sizeof(max_len), "%d", WEBHOOK_LOG_MAX);
    if (redis_sync_commandv(redis, &reply, err, err_len, "XADD", log, "MAXLEN", "~", max_len,
                            "*", "alert", alert, "case", delivery->case_id, "state", state,
                            "attempts", attempts, "last_status", status, "last_error",
                            delivery->last_error, "at", at, (char *)NULL) != 0 ||
        redis_reply_check(reply, "XADD webhook log", err, err_len) != 0)
        goto cleanup;
    freeReplyObject(reply);
    reply = NULL;
    if (redis_sync_commandv(redis, &reply, err, err_len, "HDEL", hash, delivery->entry_id,
                            (char *)NULL) != 0 ||
        redis_reply_check(reply, "HDEL webhook", err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

/* Tries one due delivery and records what came of it. */
static int delivery_try(struct webhook_pusher *pusher, struct redis_sync *redis, int shard,
                        const struct receiver *receiver, const char *hash, const char *log,
                        struct delivery *delivery, char *err, size_t err_len)
{
    char stream[KEYS_MAX_LEN], tag[ALERT_ENTRY_ID_LEN + 16], message[NETRA_ERR_LEN];
    char *body = NULL, *state = NULL;
    redisReply *reply = NULL;
    int rc = -1;
    if (keys_alerts(stream, sizeof(stream), pusher->config->redis.key_prefix, shard, err,
                    err_len) != 0)
        return -1;
    snprintf(tag, sizeof(tag), "%d/%s", shard, delivery->entry_id);
    int lasting;
    body = alert_body(redis, pusher->config, stream, shard, delivery->entry_id, &lasting, message,
                      sizeof(message));
    if (body == NULL && !lasting) {
        error_set(err, err_len, "alert %s: %s", tag, message);
        goto cleanup;
    }
    if (body == NULL) {
        /* Nothing to send will ever come back: give up at once, on the record. */
        delivery->attempts++;
        delivery->last_status = 0;
        copy_text(delivery->last_error, sizeof(delivery->last_error), message);
        rc = delivery_finish(redis, hash, log, delivery, shard, "failed", err, err_len);
        goto cleanup;
    }
    post_once(pusher, receiver, tag, body, &delivery->last_status, delivery->last_error,
              sizeof(delivery->last_error));
    if (delivery->last_error[0] != '\0' && pusher_stopping(pusher)) {
        rc = 0; /* aborted by the shutdown: tried again after the restart, not counted */
        goto cleanup;
    }
    delivery->attempts++;
    if (delivery->last_error[0] == '\0') {
        rc = delivery_finish(redis, hash, log, delivery, shard, "delivered", err, err_len);
        goto cleanup;
    }
    log_warn("webhook %s: alert %s attempt %d: %s", receiver->id, tag, delivery->attempts,
             delivery->last_error);
    if (delivery->attempts >= pusher->config->desk.webhook_max_attempts) {
        rc = delivery_finish(redis, hash, log, delivery, shard, "failed", err, err_len);
        goto cleanup;
    }
    delivery->next_at = now_ms() + webhook_backoff_ms(pusher->config, delivery->attempts);
    if ((state = delivery_json(delivery)) == NULL) {
        error_set(err, err_len, "webhook: out of memory");
        goto cleanup;
    }
    if (redis_sync_commandv(redis, &reply, err, err_len, "HSET", hash, delivery->entry_id, state,
                            (char *)NULL) != 0 ||
        redis_reply_check(reply, "HSET webhook", err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    freeReplyObject(reply);
    free(body);
    free(state);
    return rc;
}

/* Every due delivery of one receiver on one shard. */
static int deliver_due(struct webhook_pusher *pusher, int shard, const struct receiver *receiver,
                       char *err, size_t err_len)
{
    char hash[KEYS_MAX_LEN], log[KEYS_MAX_LEN];
    const char *prefix = pusher->config->redis.key_prefix;
    struct redis_sync *redis = shards_get(pusher->shards, shard);
    redisReply *reply = NULL;
    int rc = -1;
    if (keys_webhook(hash, sizeof(hash), prefix, shard, receiver->id, err, err_len) != 0 ||
        keys_webhook_log(log, sizeof(log), prefix, shard, receiver->id, err, err_len) != 0 ||
        redis_sync_commandv(redis, &reply, err, err_len, "HGETALL", hash, (char *)NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "HGETALL webhook", err, err_len) != 0)
        goto cleanup;
    for (size_t i = 0; i + 1 < reply->elements && !pusher_stopping(pusher); i += 2) {
        struct delivery delivery;
        if (!redis_reply_is_string(reply->element[i]) ||
            !redis_reply_is_string(reply->element[i + 1]))
            continue;
        delivery_read(reply->element[i]->str, reply->element[i + 1]->str, &delivery);
        if (delivery.next_at > now_ms())
            continue;
        if (delivery_try(pusher, redis, shard, receiver, hash, log, &delivery, err,
                         err_len) != 0)
            goto cleanup;
    }
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

/* Records a delivery per receiver for each entry of a XREADGROUP reply, then acknowledges the
 * entries. HSETNX keeps a delivery already recorded by an earlier run as it is. */
static int accept_entries(struct webhook_pusher *pusher, int shard, const char *stream,
                          const redisReply *reply, char *err, size_t err_len)
{
    const char *prefix = pusher->config->redis.key_prefix;
    struct redis_sync *redis = shards_get(pusher->shards, shard);
    if (reply->type == REDIS_REPLY_NIL)
        return 0;
    if (redis_reply_expect(reply, REDIS_REPLY_ARRAY, 1, "XREADGROUP alerts", err, err_len) != 0 ||
        redis_reply_expect(reply->element[0], REDIS_REPLY_ARRAY, 2, "XREADGROUP alerts", err,
                           err_len) != 0 ||
        redis_reply_expect(reply->element[0]->element[1], REDIS_REPLY_ARRAY, 0,
                           "XREADGROUP alerts", err, err_len) != 0)
        return -1;
    const redisReply *entries = reply->element[0]->element[1];
    for (size_t e = 0; e < entries->elements; e++) {
        const redisReply *entry = entries->element[e];
        struct alert alert;
        struct delivery delivery = {0};
        redisReply *done = NULL;
        char hash[KEYS_MAX_LEN], *state;
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 1 ||
            !redis_reply_is_string(entry->element[0]))
            return error_set(err, err_len, "XREADGROUP alerts: bad entry");
        if (alerts_decode(entry, shard, &alert, err, err_len) == 0) {
            snprintf(delivery.case_id, sizeof(delivery.case_id), "%s", alert.fields[ALERT_CASE]);
            alert_free(&alert);
        } else {
            log_warn("webhook: alert %d/%s is recorded anyway: %s", shard,
                     entry->element[0]->str, err);
        }
        delivery.first_at = now_ms();
        if ((state = delivery_json(&delivery)) == NULL)
            return error_set(err, err_len, "webhook: out of memory");
        for (size_t r = 0; r < pusher->receiver_count; r++) {
            if (keys_webhook(hash, sizeof(hash), prefix, shard, pusher->receivers[r].id, err,
                             err_len) != 0 ||
                redis_sync_commandv(redis, &done, err, err_len, "HSETNX", hash,
                                    entry->element[0]->str, state, (char *)NULL) != 0 ||
                redis_reply_check(done, "HSETNX webhook", err, err_len) != 0) {
                freeReplyObject(done);
                free(state);
                return -1;
            }
            freeReplyObject(done);
            done = NULL;
        }
        free(state);
        if (redis_sync_commandv(redis, &done, err, err_len, "XACK", stream, WEBHOOK_GROUP,
                                entry->element[0]->str, (char *)NULL) != 0 ||
            redis_reply_check(done, "XACK alerts", err, err_len) != 0) {
            freeReplyObject(done);
            return -1;
        }
        freeReplyObject(done);
    }
    return 0;
}

/* One shard: the group exists, entries handed out before (when first) and new ones are
 * recorded, due deliveries are tried. */
static int pusher_shard(struct webhook_pusher *pusher, int shard, int first, char *err,
                        size_t err_len)
{
    char stream[KEYS_MAX_LEN], count[16];
    struct redis_sync *redis = shards_get(pusher->shards, shard);
    redisReply *reply = NULL;
    int rc = -1;
    snprintf(count, sizeof(count), "%d", READ_COUNT);
    if (keys_alerts(stream, sizeof(stream), pusher->config->redis.key_prefix, shard, err,
                    err_len) != 0)
        return -1;
    if (first) {
        /* From the stream's start: findings confirmed before the pusher first ran are pushed. */
        if (redis_sync_commandv(redis, &reply, err, err_len, "XGROUP", "CREATE", stream,
                                WEBHOOK_GROUP, "0", "MKSTREAM", (char *)NULL) != 0 ||
            (!redis_reply_is_error(reply, "BUSYGROUP") &&
             redis_reply_check(reply, "XGROUP CREATE", err, err_len) != 0))
            goto cleanup;
        freeReplyObject(reply);
        reply = NULL;
        /* Entries read before a crash but never acknowledged. */
        if (redis_sync_commandv(redis, &reply, err, err_len, "XREADGROUP", "GROUP",
                                WEBHOOK_GROUP, WEBHOOK_CONSUMER, "COUNT", "100000", "STREAMS",
                                stream, "0", (char *)NULL) != 0 ||
            redis_reply_check(reply, "XREADGROUP alerts", err, err_len) != 0 ||
            accept_entries(pusher, shard, stream, reply, err, err_len) != 0)
            goto cleanup;
        freeReplyObject(reply);
        reply = NULL;
    }
    if (redis_sync_commandv(redis, &reply, err, err_len, "XREADGROUP", "GROUP", WEBHOOK_GROUP,
                            WEBHOOK_CONSUMER, "COUNT", count, "STREAMS", stream, ">",
                            (char *)NULL) != 0 ||
        redis_reply_check(reply, "XREADGROUP alerts", err, err_len) != 0 ||
        accept_entries(pusher, shard, stream, reply, err, err_len) != 0)
        goto cleanup;
    for (size_t r = 0; r < pusher->receiver_count && !pusher_stopping(pusher); r++) {
        if (deliver_due(pusher, shard, &pusher->receivers[r], err, err_len) != 0)
            goto cleanup;
    }
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

/* Sleeps ms or until stopped; 1 when stopping. */
static int pusher_wait(struct webhook_pusher *pusher, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&pusher->lock);
    while (!pusher->stopping && pthread_cond_timedwait(&pusher->wake, &pusher->lock, &until) == 0)
        ;
    int stopping = pusher->stopping;
    pthread_mutex_unlock(&pusher->lock);
    return stopping;
}

static void *pusher_run(void *data)
{
    struct webhook_pusher *pusher = data;
    char err[NETRA_ERR_LEN];
    int first = 1;
    long wait_ms;
    do {
        wait_ms = RETRY_MS;
        if (pusher->shards == NULL &&
            shards_open(pusher->config, &pusher->shards, err, sizeof(err)) != 0) {
            log_warn("webhook: %s; trying again", err);
            continue;
        }
        int failed = 0;
        for (int s = 0; s < shards_count(pusher->shards) && !pusher_stopping(pusher); s++) {
            if (pusher_shard(pusher, s, first, err, sizeof(err)) != 0) {
                log_warn("webhook: shard %d: %s", s, err);
                failed = 1;
            }
        }
        first = failed;
        if (!failed)
            wait_ms = POLL_MS;
    } while (!pusher_wait(pusher, wait_ms));
    return NULL;
}

int webhook_pusher_start(const struct netra_config *config, struct webhook_pusher **out,
                         char *err, size_t err_len)
{
    struct webhook_pusher *pusher = NULL;
    char display[1024];
    int locks = 0;
    *out = NULL;
    if (config->desk.webhook_count == 0)
        return 0;
    for (size_t i = 0; i < config->desk.webhook_count; i++) {
        const struct desk_webhook_config *hook = &config->desk.webhooks[i];
        if (receiver_display(hook->url, display, sizeof(display)) != 0)
            return error_set(err, err_len, "desk.webhooks[%zu].url: not an http or https URL",
                             i);
        if (hook->secret == NULL || hook->secret[0] == '\0')
            return error_set(err, err_len, "desk.webhooks[%zu].secret: must not be empty", i);
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return error_set(err, err_len, "webhook: libcurl cannot start");
    if ((pusher = calloc(1, sizeof(*pusher))) == NULL ||
        (pusher->receivers = calloc(config->desk.webhook_count, sizeof(*pusher->receivers))) ==
            NULL ||
        (pusher->curl = curl_easy_init()) == NULL) {
        error_set(err, err_len, "webhook: out of memory");
        goto fail;
    }
    pusher->config = config;
    pusher->receiver_count = config->desk.webhook_count;
    for (size_t i = 0; i < pusher->receiver_count; i++) {
        pusher->receivers[i].config = &config->desk.webhooks[i];
        webhook_id(config->desk.webhooks[i].url, pusher->receivers[i].id);
    }
    if (pthread_mutex_init(&pusher->lock, NULL) != 0)
        goto fail_thread;
    locks = 1;
    if (pthread_cond_init(&pusher->wake, NULL) != 0)
        goto fail_thread;
    locks = 2;
    if (pthread_create(&pusher->thread, NULL, pusher_run, pusher) != 0)
        goto fail_thread;
    *out = pusher;
    return 0;

fail_thread:
    error_set(err, err_len, "webhook: cannot start the pusher thread");
fail:
    if (locks == 2)
        pthread_cond_destroy(&pusher->wake);
    if (locks >= 1)
        pthread_mutex_destroy(&pusher->lock);
    if (pusher != NULL) {
        curl_easy_cleanup(pusher->curl);
        free(pusher->receivers);
    }
    free(pusher);
    curl_global_cleanup();
    return -1;
}

void webhook_pusher_stop(struct webhook_pusher *pusher)
{
    if (pusher == NULL)
        return;
    pthread_mutex_lock(&pusher->lock);
    pusher->stopping = 1;
    pthread_cond_broadcast(&pusher->wake);
    pthread_mutex_unlock(&pusher->lock);
    pthread_join(pusher->thread, NULL);
    pthread_cond_destroy(&pusher->wake);
    pthread_mutex_destroy(&pusher->lock);
    if (pusher->shards != NULL)
        shards_close(pusher->shards);
    curl_easy_cleanup(pusher->curl);
    free(pusher->receivers);
    free(pusher);
    curl_global_cleanup();
}

/* The receiver's deliveries still being tried on one shard, into pending. */
static int list_pending(struct redis_sync *redis, const char *hash, int shard, cJSON *pending,
                        long long *count, char *err, size_t err_len)
{
    redisReply *reply = NULL;
    char when[32], alert[ALERT_ENTRY_ID_LEN + 16];
    int rc = -1;
    if (redis_sync_commandv(redis, &reply, err, err_len, "HGETALL", hash, (char *)NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "HGETALL webhook", err, err_len) != 0)
        goto cleanup;
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        struct delivery delivery;
        cJSON *item;
        if (!redis_reply_is_string(reply->element[i]) ||
            !redis_reply_is_string(reply->element[i + 1]))
            continue;
        (*count)++;
        if (cJSON_GetArraySize(pending) >= LIST_MAX)
            continue;
        delivery_read(reply->element[i]->str, reply->element[i + 1]->str, &delivery);
        snprintf(alert, sizeof(alert), "%d/%s", shard, delivery.entry_id);
        alert_format_time(delivery.next_at, when);
        if ((item = cJSON_CreateObject()) == NULL)
            goto oom;
        cJSON_AddItemToArray(pending, item);
        if (cJSON_AddStringToObject(item, "alert", alert) == NULL ||
            cJSON_AddStringToObject(item, "case", delivery.case_id) == NULL ||
            cJSON_AddNumberToObject(item, "attempts", delivery.attempts) == NULL ||
            cJSON_AddNumberToObject(item, "last_status", (double)delivery.last_status) == NULL ||
            cJSON_AddStringToObject(item, "last_error", delivery.last_error) == NULL ||
            cJSON_AddStringToObject(item, "next_attempt_at", when) == NULL)
            goto oom;
    }
    rc = 0;
    goto cleanup;

oom:
    error_set(err, err_len, "webhooks: out of memory");
cleanup:
    freeReplyObject(reply);
    return rc;
}

/* The latest finished deliveries of one shard, into recent. */
static int list_recent(struct redis_sync *redis, const char *log, cJSON *recent, char *err,
                       size_t err_len)
{
    static const char *const fields[] = {"alert", "case", "state", "attempts", "last_status",
                                         "last_error", "at"};
    redisReply *reply = NULL;
    char count[16], when[32];
    int rc = -1;
    snprintf(count, sizeof(count), "%d", LIST_MAX);
    if (redis_sync_commandv(redis, &reply, err, err_len, "XREVRANGE", log, "+", "-", "COUNT",
                            count, (char *)NULL) != 0 ||
        redis_reply_expect(reply, REDIS_REPLY_ARRAY, 0, "XREVRANGE webhook log", err,
                           err_len) != 0)
        goto cleanup;
    for (size_t e = 0; e < reply->elements; e++) {
        const redisReply *entry = reply->element[e];
        cJSON *item;
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
            entry->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        if ((item = cJSON_CreateObject()) == NULL)
            goto oom;
        cJSON_AddItemToArray(recent, item);
        const redisReply *values = entry->element[1];
        for (size_t i = 0; i + 1 < values->elements; i += 2) {
            const redisReply *name = values->element[i], *value = values->element[i + 1];
            long long number;
            for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
                if (!redis_reply_is_string(name) || strcmp(name->str, fields[f]) != 0 ||
                    !redis_reply_is_string(value))
                    continue;
                cJSON *added;
                if (strcmp(fields[f], "at") == 0 && redis_reply_integer(value, &number) == 0) {
                    alert_format_time(number, when);
                    added = cJSON_AddStringToObject(item, "at", when);
                } else if ((strcmp(fields[f], "attempts") == 0 ||
                            strcmp(fields[f], "last_status") == 0) &&
                           redis_reply_integer(value, &number) == 0) {
                    added = cJSON_AddNumberToObject(item, fields[f], (double)number);
                } else {
                    char *text = alert_clean_text(value->str, value->len);
                    added = text == NULL ? NULL : cJSON_AddStringToObject(item, fields[f], text);
                    free(text);
                }
                if (added == NULL)
                    goto oom;
            }
        }
    }
    rc = 0;
    goto cleanup;

oom:
    error_set(err, err_len, "webhooks: out of memory");
cleanup:
    freeReplyObject(reply);
    return rc;
}

int webhooks_state(struct desk *desk, const struct desk_request *request,
                   struct desk_response *response, char *err, size_t err_len)
{
    (void)request;
    const struct netra_config *config = desk_config(desk);
    struct shards *shards = desk_shards(desk, err, err_len);
    cJSON *root = NULL, *list;
    if (shards == NULL)
        return -1;
    root = cJSON_CreateObject();
    if (root == NULL ||
        cJSON_AddNumberToObject(root, "max_attempts", config->desk.webhook_max_attempts) == NULL ||
        cJSON_AddNumberToObject(root, "backoff_ms", config->desk.webhook_backoff_ms) == NULL ||
        (list = cJSON_AddArrayToObject(root, "webhooks")) == NULL)
        goto oom;
    for (size_t r = 0; r < config->desk.webhook_count; r++) {
        char id[WEBHOOK_ID_LEN + 1], display[1024], hash[KEYS_MAX_LEN], log[KEYS_MAX_LEN];
        long long pending_count = 0;
        cJSON *hook = cJSON_CreateObject(), *pending, *recent;
        if (hook == NULL)
            goto oom;
        cJSON_AddItemToArray(list, hook);
        webhook_id(config->desk.webhooks[r].url, id);
        if (receiver_display(config->desk.webhooks[r].url, display, sizeof(display)) != 0)
            snprintf(display, sizeof(display), "(invalid URL)");
        if (cJSON_AddStringToObject(hook, "id", id) == NULL ||
            cJSON_AddStringToObject(hook, "url", display) == NULL ||
            (pending = cJSON_AddArrayToObject(hook, "pending")) == NULL ||
            (recent = cJSON_AddArrayToObject(hook, "recent")) == NULL)
            goto oom;
        for (int s = 0; s < shards_count(shards); s++) {
            struct redis_sync *redis = shards_get(shards, s);
            if (keys_webhook(hash, sizeof(hash), config->redis.key_prefix, s, id, err,
                             err_len) != 0 ||
                keys_webhook_log(log, sizeof(log), config->redis.key_prefix, s, id, err,
                                 err_len) != 0 ||
                list_pending(redis, hash, s, pending, &pending_count, err, err_len) != 0 ||
                list_recent(redis, log, recent, err, err_len) != 0) {
                cJSON_Delete(root);
                return -1;
            }
        }
        if (cJSON_AddNumberToObject(hook, "pending_count", (double)pending_count) == NULL)
            goto oom;
    }
    return desk_json(response, 200, root);

oom:
    cJSON_Delete(root);
    return error_set(err, err_len, "webhooks: out of memory");
}
