#include "tests/desk/desk_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "config/log.h"
#include "desk/auth.h"
#include "queue/accounts.h"
#include "queue/evidence.h"
#include "queue/keys.h"
#include "queue/post_message.h"
#include "queue/shards.h"
#include "tests/support/test_support.h"
#include "worker/cases.h"
#include "worker/score.h"

#define START_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS 15000

const struct desk_test_auth desk_test_reviewer = {"token-rina-0123456789abcdef", NULL, NULL};
const struct desk_test_auth desk_test_reviewer2 = {"token-budi-0123456789abcdef", NULL, NULL};
const struct desk_test_auth desk_test_supervisor = {"token-sari-0123456789abcdef", NULL, NULL};
const struct desk_test_auth desk_test_feed = {"token-bawaslu-0123456789abcdef", NULL, NULL};

static const struct {
    const char *name, *role;
} test_users[] = {
    {"rina", "reviewer"},
    {"budi", "reviewer"},
    {"sari", "supervisor"},
    {"bawaslu", "feed"},
};
#define TEST_USER_COUNT (sizeof(test_users) / sizeof(test_users[0]))

static void sleep_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

/* Servers still running when a test fails are killed at exit, so none outlives the suite. */
static pid_t live_children[16];

static void kill_live_children(void)
{
    for (size_t i = 0; i < sizeof(live_children) / sizeof(live_children[0]); i++)
        if (live_children[i] > 0)
            kill(live_children[i], SIGKILL);
}

static void remember_child(pid_t pid)
{
    static int registered;
    if (!registered && atexit(kill_live_children) == 0)
        registered = 1;
    for (size_t i = 0; i < sizeof(live_children) / sizeof(live_children[0]); i++) {
        if (live_children[i] <= 0) {
            live_children[i] = pid;
            return;
        }
    }
}

static void forget_child(pid_t pid)
{
    for (size_t i = 0; i < sizeof(live_children) / sizeof(live_children[0]); i++)
        if (live_children[i] == pid)
            live_children[i] = 0;
}

static void print_log(const struct desk_test *desk)
{
    char *log = desk->log_path != NULL ? test_read_file(desk->log_path, NULL) : NULL;
    if (log != NULL)
        fprintf(stderr, "---- netra-desk log ----\n%s------------------------\n", log);
    free(log);
}

/* A loopback port nobody listens on now (the kernel picks it). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof(address);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&address, &len), 0);
    close(fd);
    return ntohs(address.sin_port);
}

/* The users' hash strings, made once per test process: PBKDF2 is slow on purpose. */
static const char *user_hashes(void)
{
    static char users_json[4096];
    char err[NETRA_ERR_LEN];
    if (users_json[0] != '\0')
        return users_json;
    size_t used = 0;
    for (size_t i = 0; i < TEST_USER_COUNT; i++) {
        char password[64], token[64], password_hash[DESK_HASH_LEN], token_hash[DESK_HASH_LEN];
        snprintf(password, sizeof(password), "pw-%s", test_users[i].name);
        snprintf(token, sizeof(token), "token-%s-0123456789abcdef", test_users[i].name);
        if (desk_hash_secret(password, strlen(password), DESK_PASSWORD_MIN_ITERATIONS,
                             password_hash, sizeof(password_hash), err, sizeof(err)) != 0 ||
            desk_hash_secret(token, strlen(token), DESK_TOKEN_ITERATIONS, token_hash,
                             sizeof(token_hash), err, sizeof(err)) != 0)
            fail_msg("desk_hash_secret: %s", err);
        used += (size_t)snprintf(users_json + used, sizeof(users_json) - used,
                                 "%s{\"name\": \"%s\", \"role\": \"%s\", \"password\": \"%s\", "
                                 "\"token\": \"%s\"}",
                                 i > 0 ? ", " : "", test_users[i].name, test_users[i].role,
                                 password_hash, token_hash);
        assert_true(used < sizeof(users_json));
    }
    return users_json;
}

static long healthz_status(const struct desk_test *desk)
{
    char url[128];
    long status = 0;
    snprintf(url, sizeof(url), "%s/healthz", desk->url);
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    return status;
}

void desk_test_start_on(struct desk_test *desk, const char *test_name, const char *redis_url,
                        const char *desk_members)
{
    char prefix[128], err[NETRA_ERR_LEN];
    static char config_text[16384];
    memset(desk, 0, sizeof(*desk));
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_key_prefix(prefix, sizeof(prefix), test_name);
    desk->port = free_port();
    snprintf(desk->url, sizeof(desk->url), "http://127.0.0.1:%d", desk->port);
    char *rules_dir = test_source_path("config/rules");
    char *web_dir = test_source_path("desk/web");
    int own_web_dir = desk_members != NULL && strstr(desk_members, "\"web_dir\"") != NULL;
    int n = snprintf(config_text, sizeof(config_text),
                     "{\n"
                     "  \"redis\": {\"url\": \"%s\", \"key_prefix\": \"%s\",\n"
                     "            \"reconnect_min_ms\": 10, \"reconnect_max_ms\": 100,\n"
                     "            \"connect_timeout_ms\": 1000, \"command_timeout_ms\": 3000},\n"
                     "  \"worker\": {\"rules_dir\": \"%s\"},\n"
                     "  \"process\": {\"log_level\": \"debug\"},\n"
                     "  \"desk\": {\"listen\": \"127.0.0.1:%d\", \"threads\": 2,\n"
                     "           %s%s%s\"public_url\": \"%s\",\n"
                     "           \"users\": [%s]%s%s}\n"
                     "}\n",
                     redis_url, prefix, rules_dir, desk->port, own_web_dir ? "" : "\"web_dir\": \"",
                     own_web_dir ? "" : web_dir, own_web_dir ? "" : "\", ", desk->url, user_hashes(),
                     desk_members != NULL ? ",\n           " : "",
                     desk_members != NULL ? desk_members : "");
    assert_true(n > 0 && (size_t)n < sizeof(config_text));
    free(rules_dir);
    free(web_dir);
    desk->config_path = test_write_temp_file(config_text, (size_t)n, ".jsonc");
    if (config_load(desk->config_path, &desk->config, err, sizeof(err)) != 0)
        fail_msg("desk test config: %s", err);
    desk->log_path = test_write_temp_file("", 0, ".log");
    desk->redis = test_redis_connect(redis_url);

    const char *binary = getenv("NETRA_DESK_BIN");
    if (binary == NULL)
        fail_msg("NETRA_DESK_BIN is not set: run this test through ctest");
    fflush(NULL);
    desk->pid = fork();
    assert_true(desk->pid >= 0);
    if (desk->pid == 0) {
        if (freopen(desk->log_path, "w", stderr) == NULL ||
            freopen("/dev/null", "w", stdout) == NULL)
            _exit(127);
        execl(binary, binary, "--config", desk->config_path, (char *)NULL);
        _exit(127);
    }
    remember_child(desk->pid);
    for (int waited = 0; waited < START_TIMEOUT_MS; waited += 20) {
        int status;
        if (waitpid(desk->pid, &status, WNOHANG) == desk->pid) {
            forget_child(desk->pid);
            desk->pid = 0;
            print_log(desk);
            fail_msg("netra-desk exited at start (status %d)", status);
        }
        /* 503 also means it is serving: a test may start it with Redis down on purpose. */
        long answer = healthz_status(desk);
        if (answer == 200 || answer == 503)
            return;
        sleep_ms(20);
    }
    print_log(desk);
    fail_msg("netra-desk did not answer /healthz within %d ms", START_TIMEOUT_MS);
}

void desk_test_start(struct desk_test *desk, const char *test_name, const char *desk_members)
{
    desk_test_start_on(desk, test_name, test_redis_url(), desk_members);
}

void desk_test_stop(struct desk_test *desk)
{
    if (desk->pid > 0) {
        int status = 0, exited = 0;
        kill(desk->pid, SIGTERM);
        for (int waited = 0; waited < STOP_TIMEOUT_MS && !exited; waited += 10) {
            if (waitpid(desk->pid, &status, WNOHANG) == desk->pid)
                exited = 1;
            else
                sleep_ms(10);
        }
        forget_child(desk->pid);
        if (!exited) {
            kill(desk->pid, SIGKILL);
            waitpid(desk->pid, &status, 0);
            print_log(desk);
            fail_msg("netra-desk did not stop within %d ms of SIGTERM", STOP_TIMEOUT_MS);
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            print_log(desk);
            fail_msg("netra-desk ended with status %d", status);
        }
        desk->pid = 0;
    }
    if (desk->redis != NULL && desk->config != NULL)
        test_redis_delete_prefix(desk->redis, desk->config->redis.key_prefix);
    if (desk->redis != NULL)
        redisFree(desk->redis);
    config_free(desk->config);
    if (desk->config_path != NULL)
        unlink(desk->config_path);
    if (desk->log_path != NULL)
        unlink(desk->log_path);
    free(desk->config_path);
    free(desk->log_path);
    memset(desk, 0, sizeof(*desk));
}

struct buffer {
    char *data;
    size_t len;
};

static size_t append(char *data, size_t size, size_t count, void *userdata)
{
    struct buffer *buffer = userdata;
    size_t len = size * count;
    char *grown = realloc(buffer->data, buffer->len + len + 1);
    assert_non_null(grown);
    memcpy(grown + buffer->len, data, len);
    buffer->data = grown;
    buffer->len += len;
    buffer->data[buffer->len] = '\0';
    return len;
}

void desk_test_request_typed(struct desk_test *desk, const char *method, const char *path,
                             const struct desk_test_auth *auth, const char *content_type,
                             const char *body, size_t body_len, struct desk_test_response *out)
{
    struct buffer received = {NULL, 0}, headers = {NULL, 0};
    struct curl_slist *sent = NULL;
    char line[512];
    memset(out, 0, sizeof(*out));
    size_t url_len = strlen(desk->url) + strlen(path) + 1;
    char *url = malloc(url_len);
    assert_non_null(url);
    snprintf(url, url_len, "%s%s", desk->url, path);
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, append);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        snprintf(line, sizeof(line), "Content-Type: %s", content_type);
        sent = curl_slist_append(sent, line);
    }
    if (auth != NULL && auth->token != NULL) {
        snprintf(line, sizeof(line), "Authorization: Bearer %s", auth->token);
        sent = curl_slist_append(sent, line);
    }
    if (auth != NULL && auth->cookie != NULL) {
        snprintf(line, sizeof(line), "netra_session=%s", auth->cookie);
        curl_easy_setopt(curl, CURLOPT_COOKIE, line);
    }
    if (auth != NULL && auth->csrf != NULL) {
        snprintf(line, sizeof(line), "X-CSRF-Token: %s", auth->csrf);
        sent = curl_slist_append(sent, line);
    }
    /* Large bodies go at once: the server answers 413 before reading them. */
    sent = curl_slist_append(sent, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, sent);
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        print_log(desk);
        fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(sent);
    curl_easy_cleanup(curl);
    free(url);
    out->body = received.data != NULL ? received.data : strdup("");
    out->body_len = received.len;
    out->headers = headers.data != NULL ? headers.data : strdup("");
    assert_non_null(out->body);
    assert_non_null(out->headers);
}

void desk_test_request(struct desk_test *desk, const char *method, const char *path,
                       const struct desk_test_auth *auth, const char *body,
                       struct desk_test_response *out)
{
    desk_test_request_typed(desk, method, path, auth, "application/json", body,
                            body != NULL ? strlen(body) : 0, out);
}

const char *desk_test_header(const struct desk_test_response *response, const char *name,
                             char *out, size_t out_len)
{
    size_t name_len = strlen(name);
    for (const char *line = response->headers; line != NULL && *line != '\0';) {
        const char *end = strstr(line, "\r\n");
        size_t line_len = end != NULL ? (size_t)(end - line) : strlen(line);
        if (line_len > name_len && strncasecmp(line, name, name_len) == 0 &&
            line[name_len] == ':') {
            const char *value = line + name_len + 1;
            while (*value == ' ')
                value++;
            snprintf(out, out_len, "%.*s", (int)(line + line_len - value), value);
            return out;
        }
        line = end != NULL ? end + 2 : NULL;
    }
    return NULL;
}

void desk_test_response_free(struct desk_test_response *response)
{
    free(response->body);
    free(response->headers);
    memset(response, 0, sizeof(*response));
}

/* The value of "key": "..." in a flat JSON text, for the login answer. */
static void json_string(const char *json, const char *key, char *out, size_t out_len)
{
    char pattern[64];
    snprintf(pattern, sizeof(pattern), "\"%s\":\"", key);
    const char *start = strstr(json, pattern);
    if (start == NULL)
        fail_msg("no \"%s\" in %s", key, json);
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    assert_non_null(end);
    snprintf(out, out_len, "%.*s", (int)(end - start), start);
}

void desk_test_login(struct desk_test *desk, const char *user, const char *password,
                     struct desk_test_session *out)
{
    char body[256], cookie[512];
    struct desk_test_response response;
    memset(out, 0, sizeof(*out));
    snprintf(body, sizeof(body), "{\"name\": \"%s\", \"password\": \"%s\"}", user, password);
    desk_test_request(desk, "POST", "/api/login", NULL, body, &response);
    if (response.status != 200)
        fail_msg("login %s: %ld %s", user, response.status, response.body);
    if (desk_test_header(&response, "Set-Cookie", cookie, sizeof(cookie)) == NULL ||
        strncmp(cookie, "netra_session=", 14) != 0)
        fail_msg("login %s: no session cookie in\n%s", user, response.headers);
    snprintf(out->cookie, sizeof(out->cookie), "%.*s", (int)strcspn(cookie + 14, ";"),
             cookie + 14);
    json_string(response.body, "csrf", out->csrf, sizeof(out->csrf));
    out->auth.cookie = out->cookie;
    out->auth.csrf = out->csrf;
    desk_test_response_free(&response);
}

static struct shards *open_shards(const struct desk_test *desk)
{
    struct shards *shards = NULL;
    char err[NETRA_ERR_LEN];
    if (shards_open(desk->config, &shards, err, sizeof(err)) != 0)
        fail_msg("shards_open: %s", err);
    return shards;
}

void desk_test_seed_account(struct desk_test *desk, const char *id, const char *platform,
                            const char *name, const char *agency, const char *region)
{
    char err[NETRA_ERR_LEN], handle[160];
    snprintf(handle, sizeof(handle), "%s@example.org", id);
    struct watchlist_entry entry = {
        .id = (char *)id,
        .platform = (char *)platform,
        .handle = handle,
        .name = (char *)name,
        .nip = (char *)"198001012005011001",
        .agency = (char *)agency,
        .region = (char *)region,
    };
    struct shards *shards = open_shards(desk);
    if (accounts_upsert(shards_for_account(shards, id), desk->config, &entry, NULL, err,
                        sizeof(err)) != 0)
        fail_msg("accounts_upsert %s: %s", id, err);
    shards_close(shards);
}

static char *copy(const char *s)
{
    char *c = strdup(s);
    assert_non_null(c);
    return c;
}

void desk_test_seed_case(struct desk_test *desk, const struct desk_test_post *post,
                         char case_id[CASE_ID_LEN + 1])
{
    static struct scorer *scorer;
    static unsigned long long entries;
    char err[NETRA_ERR_LEN], entry_id[48], raw[8192];
    if (scorer == NULL && scorer_load(desk->config->worker.rules_dir, &scorer, err,
                                      sizeof(err)) != 0)
        fail_msg("scorer_load: %s", err);
    struct post_message *message = post_message_new();
    assert_non_null(message);
    message->id = copy(post->post_id);
    message->platform = copy("mastodon");
    message->account = copy(post->account);
    message->author = copy("asn@example.org");
    message->url = copy("https://example.org/@asn/1");
    message->created_at = copy(post->created_at != NULL ? post->created_at : "2024-01-05T10:00:00Z");
    message->fetched_at = copy("2024-01-05T10:05:00Z");
    message->text = copy(post->text);
    if (post->region != NULL)
        message->region = copy(post->region);
    if (post->kind != NULL) {
        assert_int_equal(post_kind_from_name(post->kind, &message->kind), 0);
        const char *const values[] = {post->target.id,   post->target.account,
                                      post->target.account_id, post->target.name,
                                      post->target.url,  post->target.text};
        char **members[] = {&message->target.id,   &message->target.account,
                            &message->target.account_id, &message->target.name,
                            &message->target.url,  &message->target.text};
        for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
            if (values[i] != NULL)
                *members[i] = copy(values[i]);
    }
    snprintf(raw, sizeof(raw), "{\"id\": \"%s\", \"content\": %zu}", post->post_id,
             strlen(post->text));
    assert_int_equal(post_message_set_raw(message, raw, strlen(raw)), 0);

    struct score_scratch scratch;
    struct score_result result;
    struct score_thresholds thresholds = {desk->config->worker.political_threshold,
                                          desk->config->worker.suspect_threshold};
    score_scratch_init(&scratch);
    if (score_post(scorer, &scratch, message, post->region, &thresholds, &result, err,
                   sizeof(err)) != 0)
        fail_msg("score_post: %s", err);
    if (result.verdict != SCORE_SUSPECT) {
        result.verdict = SCORE_SUSPECT;
        result.partisan = 0.9;
    }
    snprintf(entry_id, sizeof(entry_id), "%lld-%llu", (long long)time(NULL) * 1000, ++entries);
    struct case_draft draft;
    if (case_draft_build(message, entry_id, &result, &draft, err, sizeof(err)) != 0)
        fail_msg("case_draft_build: %s", err);
    if (post->explanation != NULL)
        draft.record.explanation = post->explanation;

    struct shards *shards = open_shards(desk);
    int shard = keys_shard(post->account, shards_count(shards));
    struct evidence_head head;
    struct record_outcome outcome;
    evidence_head_init(&head);
    if (cases_record(shards_get(shards, shard), desk->config, shard, &draft.record, &head,
                     &outcome, err, sizeof(err)) != 0)
        fail_msg("cases_record: %s", err);
    assert_int_not_equal(outcome.kase, CASE_NONE);
    memcpy(case_id, draft.record.case_id, CASE_ID_LEN + 1);
    shards_close(shards);
    case_draft_free(&draft);
    score_scratch_free(&scratch);
    post_message_free(message);
}
