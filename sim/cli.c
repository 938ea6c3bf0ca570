#include "sim/cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "sim/outputs.h"

const char sim_cli_usage[] =
    "usage: netra-sim [options]\n"
    "  --listen HOST:PORT     loopback address to listen on (default 127.0.0.1:0, any free port)\n"
    "  --port-file FILE       write \"127.0.0.1:PORT\" here once listening\n"
    "  --seed N               world seed (default 1)\n"
    "  --accounts N           accounts, round robin over the platforms (default 50, at most 200000)\n"
    "  --platforms LIST       the platforms, comma-separated, in round-robin order (default\n"
    "                         mastodon,bluesky,x,feed,jsonapi)\n"
    "  --start UNIX_S         virtual time at start (default now; fix it for identical runs)\n"
    "  --speed X              virtual seconds per real second (default 1)\n"
    "  --posts-per-day X      average posts per account per day (default 6)\n"
    "  --history-days X       days of posts before start (default 7)\n"
    "  --faults SPEC          mode[:account][:count][:seconds],... set at start\n"
    "  --watchlist-out FILE   write a watchlist CSV of the accounts\n"
    "  --config-out FILE      write the platforms section of netra.jsonc\n"
    "  --rules-out FILE       write a ruleset (region \"all\") of the world's campaign accounts\n"
    "  --token TOKEN          the X API bearer token to accept (default " SIM_DEFAULT_TOKEN ")\n"
    "  --rate-limit N         requests per window per platform, X per token (default 100000)\n"
    "  --rate-window S        rate window in seconds (default 900)\n"
    "  --feed-items N         items per feed (default 30)\n";

enum {
    OPT_LISTEN = 1000,
    OPT_PORT_FILE,
    OPT_SEED,
    OPT_ACCOUNTS,
    OPT_START,
    OPT_SPEED,
    OPT_POSTS_PER_DAY,
    OPT_HISTORY_DAYS,
    OPT_FAULTS,
    OPT_WATCHLIST_OUT,
    OPT_CONFIG_OUT,
    OPT_TOKEN,
    OPT_RATE_LIMIT,
    OPT_RATE_WINDOW,
    OPT_FEED_ITEMS,
    OPT_PLATFORMS,
    OPT_RULES_OUT,
};

static const struct option long_options[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"port-file", required_argument, NULL, OPT_PORT_FILE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"accounts", required_argument, NULL, OPT_ACCOUNTS},
    {"start", required_argument, NULL, OPT_START},
    {"speed", required_argument, NULL, OPT_SPEED},
    {"posts-per-day", required_argument, NULL, OPT_POSTS_PER_DAY},
    {"history-days", required_argument, NULL, OPT_HISTORY_DAYS},
    {"faults", required_argument, NULL, OPT_FAULTS},
    {"watchlist-out", required_argument, NULL, OPT_WATCHLIST_OUT},
    {"config-out", required_argument, NULL, OPT_CONFIG_OUT},
    {"token", required_argument, NULL, OPT_TOKEN},
    {"rate-limit", required_argument, NULL, OPT_RATE_LIMIT},
    {"rate-window", required_argument, NULL, OPT_RATE_WINDOW},
    {"feed-items", required_argument, NULL, OPT_FEED_ITEMS},
    {"platforms", required_argument, NULL, OPT_PLATFORMS},
    {"rules-out", required_argument, NULL, OPT_RULES_OUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_integer(const char *name, const char *text, long long min, long long max,
                         long long *out, char *err, size_t err_len)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
        return error_set(err, err_len, "--%s: \"%s\" is not a whole number in %lld..%lld", name,
                         text, min, max);
    *out = v;
    return 0;
}

static int parse_number(const char *name, const char *text, double min, double max, double *out,
                        char *err, size_t err_len)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v) || v < min || v > max)
        return error_set(err, err_len, "--%s: \"%s\" is not a number in %g..%g", name, text, min,
                         max);
    *out = v;
    return 0;
}

/* HOST:PORT with HOST a dotted IPv4 address or "localhost"; loopback is checked at start. */
static int parse_listen(const char *text, struct sim_options *options, char *err, size_t err_len)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon == text || (size_t)(colon - text) >= sizeof(options->listen_host))
        return error_set(err, err_len, "--listen: \"%s\" is not HOST:PORT", text);
    long long port = 0;
    if (parse_integer("listen", colon + 1, 0, 65535, &port, err, err_len) != 0)
        return -1;
    size_t len = (size_t)(colon - text);
    if (len == 9 && strncmp(text, "localhost", 9) == 0)
        snprintf(options->listen_host, sizeof(options->listen_host), "127.0.0.1");
    else
        snprintf(options->listen_host, sizeof(options->listen_host), "%.*s", (int)len, text);
    options->port = (int)port;
    return 0;
}

/* "mastodon,x": known names, each at most once. */
static int parse_platforms(const char *text, struct sim_world_options *world, char *err,
                           size_t err_len)
{
    world->platform_count = 0;
    const char *p = text;
    for (;;) {
        size_t len = strcspn(p, ",");
        char name[16];
        enum sim_platform platform;
        if (len == 0 || len >= sizeof(name))
            return error_set(err, err_len, "--platforms: \"%s\" is not a list of platforms", text);
        memcpy(name, p, len);
        name[len] = '\0';
        if (sim_platform_from_name(name, &platform) != 0)
            return error_set(err, err_len,
                             "--platforms: unknown platform \"%s\" (mastodon, bluesky, x, feed, "
                             "jsonapi)",
                             name);
        for (size_t i = 0; i < world->platform_count; i++)
            if (world->platforms[i] == platform)
                return error_set(err, err_len, "--platforms: \"%s\" is listed twice", name);
        world->platforms[world->platform_count++] = platform;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

int sim_cli_parse(int argc, char **argv, struct sim_cli *cli, char *err, size_t err_len)
{
    memset(cli, 0, sizeof(*cli));
    sim_options_defaults(&cli->options);
    struct sim_options *o = &cli->options;
    optind = 1;
    opterr = 0;
    int c;
    long long n = 0;
    double x = 0;
    while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        const char *arg = optarg;
        int rc = 0;
        switch (c) {
        case OPT_LISTEN:
            rc = parse_listen(arg, o, err, err_len);
            break;
        case OPT_PORT_FILE:
            cli->port_file = arg;
            break;
        case OPT_SEED:
            if ((rc = parse_integer("seed", arg, 0, INT64_MAX, &n, err, err_len)) == 0)
                o->world.seed = (uint64_t)n;
            break;
        case OPT_ACCOUNTS:
            if ((rc = parse_integer("accounts", arg, 1, SIM_MAX_ACCOUNTS, &n, err, err_len)) == 0)
                o->world.accounts = (size_t)n;
            break;
        case OPT_START:
            if ((rc = parse_integer("start", arg, 946684800LL, 4102444800LL, &n, err, err_len)) == 0)
                o->world.start_ms = n * 1000;
            break;
        case OPT_SPEED:
            if ((rc = parse_number("speed", arg, 1e-6, 1e6, &x, err, err_len)) == 0)
                o->world.speed = x;
            break;
        case OPT_POSTS_PER_DAY:
            if ((rc = parse_number("posts-per-day", arg, 0.001, 100000, &x, err, err_len)) == 0)
                o->world.posts_per_day = x;
            break;
        case OPT_HISTORY_DAYS:
            if ((rc = parse_number("history-days", arg, 0, 3650, &x, err, err_len)) == 0)
                o->world.history_days = x;
            break;
        case OPT_FAULTS:
            o->faults = arg;
            break;
        case OPT_WATCHLIST_OUT:
            cli->watchlist_out = arg;
            break;
        case OPT_CONFIG_OUT:
            cli->config_out = arg;
            break;
        case OPT_RULES_OUT:
            cli->rules_out = arg;
            break;
        case OPT_TOKEN:
            if (arg[0] == '\0' || strlen(arg) > 512)
                rc = error_set(err, err_len, "--token: must be 1..512 bytes");
            o->token = arg;
            break;
        case OPT_RATE_LIMIT:
            if ((rc = parse_integer("rate-limit", arg, 1, 1000000000, &n, err, err_len)) == 0)
                o->rate_limit = (long)n;
            break;
        case OPT_RATE_WINDOW:
            if ((rc = parse_integer("rate-window", arg, 1, 86400, &n, err, err_len)) == 0)
                o->rate_window_s = (int)n;
            break;
        case OPT_FEED_ITEMS:
            if ((rc = parse_integer("feed-items", arg, 1, 1000, &n, err, err_len)) == 0)
                o->feed_items = (int)n;
            break;
        case OPT_PLATFORMS:
            rc = parse_platforms(arg, &o->world, err, err_len);
            break;
        case 'h':
            cli->help = 1;
            break;
        default:
            return error_set(err, err_len, "unknown or incomplete option \"%s\"",
                             argv[optind - 1]);
        }
        if (rc != 0)
            return -1;
    }
    if (optind < argc)
        return error_set(err, err_len, "unexpected argument \"%s\"", argv[optind]);
    return 0;
}

int sim_cli_run(const struct sim_cli *cli)
{
    char err[NETRA_ERR_LEN];
    /* Block the stop signals before any server thread exists, so only sigwait() sees them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sim sim;
    if (sim_init(&sim, &cli->options, err, sizeof(err)) != 0) {
        log_error("%s", err);
        return 2;
    }
    int status = 1;
    if (sim_start(&sim, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto cleanup;
    }
    if ((cli->watchlist_out != NULL &&
         outputs_write_watchlist(&sim, cli->watchlist_out, err, sizeof(err)) != 0) ||
        (cli->config_out != NULL && outputs_write_config(&sim, cli->config_out, err, sizeof(err)) != 0) ||
        (cli->rules_out != NULL && outputs_write_rules(&sim, cli->rules_out, err, sizeof(err)) != 0) ||
        (cli->port_file != NULL && outputs_write_port_file(&sim, cli->port_file, err, sizeof(err)) != 0)) {
        log_error("%s", err);
        goto cleanup;
    }
    printf("netra-sim listening on %s\n", sim.world.base_url);
    fflush(stdout);
    log_info("%zu accounts, seed %llu, speed %g", sim.world.account_count,
             (unsigned long long)cli->options.world.seed, cli->options.world.speed);
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    log_info("stopping on signal %d", signal_number);
    status = 0;
cleanup:
    sim_free(&sim);
    return status;
}
