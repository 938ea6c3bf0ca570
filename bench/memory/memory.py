"""Measuring side of bench/memory/run: config, RSS sampling of running processes (VmRSS and
VmHWM from /proc/PID/status), and the markdown section.

Subcommands (run by bench/memory/run, never by hand):
  freeport                         print a free loopback TCP port
  config FRAGMENT OUT ...          the netra.jsonc of a phase
  idle --pid P --seconds S         RSS of a process doing nothing (median of samples), JSON
  crawler ...                      RSS of netra-crawler once `target` crawls are in flight,
                                   each with its request open at the sim
  scrapy ...                       RSS of the Scrapy peer once `target` requests are in flight
  worker ...                       RSS of netra-worker once it has scored `count` posts
  report WORK ROUND.json...        prints the markdown section, writes WORK/memory.json
"""
import argparse
import json
import os
import socket
import statistics
import sys
import time
import urllib.request

PREFIX = "netra:"


def log(*args):
    print("memory:", *args, file=sys.stderr, flush=True)


def die(message):
    log("error:", message)
    sys.exit(1)


def cmd_freeport(_args):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def merge(into, over):
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


def cmd_config(args):
    with open(args.fragment, encoding="utf-8") as f:
        config = json.loads("".join(l for l in f if not l.lstrip().startswith("//")))
    for platform in config["platforms"].values():
        # The sim is one host for every platform: each engine may open every crawl's request.
        merge(platform, {"min_interval_ms": 0, "max_connections": args.in_flight})
    merge(config, {
        "redis": {"url": f"redis://127.0.0.1:{args.redis_port}/0", "key_prefix": args.prefix},
        "schedule": {"lease_ms": 600000, "jitter_pct": 0},
        # Stalled requests must stay in flight for the whole measurement: no timeout ends them.
        "crawler": {"max_in_flight": args.in_flight, "claim_batch": 100, "poll_interval_ms": 50,
                    "total_timeout_ms": 600000, "low_speed_time_s": 600,
                    "shutdown_grace_ms": 0},
        # The peer holds post crawls only; so does the crawler measured beside it.
        "engagement": {"enabled": False},
        "worker": {"rules_dir": args.rules_dir},
        "process": {"heartbeat_interval_ms": 200, "heartbeat_ttl_s": 10, "log_level": "warn"},
    })
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)


def memory_kb(pid):
    """(VmRSS, VmHWM) in KiB."""
    values = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in ("VmRSS", "VmHWM", "State"):
                    values[name] = rest.split()[0]
    except FileNotFoundError:
        die(f"process {pid} is gone")
    if values.get("State") == "Z":
        die(f"process {pid} died")
    return int(values["VmRSS"]), int(values["VmHWM"])


def redis_client(port):
    import redis
    return redis.Redis(host="127.0.0.1", port=port, decode_responses=True)


def heartbeat_counter(r, name, counter, prefix=PREFIX):
    value = r.hget(f"{prefix}proc:{name}", counter)
    return None if value is None else int(value)


def sim_in_flight(sim_url):
    with urllib.request.urlopen(sim_url + "/_sim/stats", timeout=30) as answer:
        stats = json.load(answer)
    return sum(a.get("in_flight", 0) for a in stats.get("per_account", {}).values())


def hold(pid, seconds, extra=None):
    """Samples VmRSS every 0.2 s for `seconds` (and `extra()` every second)."""
    rss, extras = [], []
    end = time.time() + seconds
    next_extra = 0
    while time.time() < end:
        rss.append(memory_kb(pid)[0])
        if extra is not None and time.time() >= next_extra:
            extras.append(extra())
            next_extra = time.time() + 1
        time.sleep(0.2)
    return rss, extras


def write(path, figures):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(figures, f, indent=1)


def cmd_idle(args):
    rss, _ = hold(args.pid, args.seconds)
    write(args.out, {"rss_kb": statistics.median(rss), "hwm_kb": memory_kb(args.pid)[1]})


def wait_until(what, condition, timeout, pid):
    deadline = time.time() + timeout
    while True:
        memory_kb(pid)  # dies with the process
        value = condition()
        if value:
            return value
        if time.time() > deadline:
            die(f"{what} not reached within {timeout} s")
        time.sleep(0.2)


def cmd_crawler(args):
    r = redis_client(args.redis_port)

    def both():
        in_flight = heartbeat_counter(r, args.name, "in_flight", args.prefix) or 0
        return in_flight, sim_in_flight(args.sim_url)

    wait_until(f"{args.target} crawls in flight, each with its request open at the sim",
               lambda: min(both()) >= args.target, args.timeout, args.pid)
    rss, seen = hold(args.pid, args.hold, both)
    for crawler_side, sim_side in seen:
        if crawler_side != args.target or sim_side != args.target:
            die(f"{crawler_side} crawls in flight (heartbeat) and {sim_side} requests open at the "
                f"sim during the hold, not {args.target} and {args.target}")
    write(args.out, {"rss_kb": statistics.median(rss), "hwm_kb": memory_kb(args.pid)[1],
                     "in_flight": args.target, "sim_in_flight": args.target})
    log(f"crawler: {statistics.median(rss) / 1024:.1f} MiB with {args.target} crawls in flight "
        f"and {args.target} requests open at the sim")


def cmd_scrapy(args):
    wait_until(f"{args.target} Scrapy requests in flight at the sim",
               lambda: sim_in_flight(args.sim_url) >= args.target, args.timeout, args.pid)
    rss, seen = hold(args.pid, args.hold, lambda: sim_in_flight(args.sim_url))
    if min(seen) < args.target:
        die(f"Scrapy's requests in flight fell to {min(seen)} during the hold")
    write(args.out, {"rss_kb": statistics.median(rss), "hwm_kb": memory_kb(args.pid)[1],
                     "sim_in_flight": statistics.median(seen)})
    log(f"scrapy: {statistics.median(rss) / 1024:.1f} MiB with {statistics.median(seen):.0f} "
        f"requests open at the sim")


def cmd_worker(args):
    r = redis_client(args.redis_port)

    def scored():
        return heartbeat_counter(r, args.name, "scored") or 0

    wait_until(f"worker scoring {args.count} posts", lambda: scored() >= args.count,
               args.timeout, args.pid)
    rss, _ = hold(args.pid, 1)
    dead = r.xlen(f"{PREFIX}{{s0}}:posts:dead")
    if dead:
        die(f"{dead} dead letters")
    write(args.out, {"rss_kb": statistics.median(rss), "hwm_kb": memory_kb(args.pid)[1],
                     "scored": scored()})
    log(f"worker: {statistics.median(rss) / 1024:.1f} MiB after scoring {scored()} posts")


# ---------------------------------------------------------------- the section

def cmd_report(args):
    rounds = []
    for path in args.rounds:
        with open(path, encoding="utf-8") as f:
            rounds.append(json.load(f))
    p = json.loads(args.params)

    def values(phase, key, scale=1 / 1024):
        return [r[phase][key] * scale for r in rounds]

    def cell(vals, fmt="{:.1f}"):
        med = statistics.median(vals)
        if len(vals) == 1:
            return fmt.format(med)
        return f"{fmt.format(med)} ({fmt.format(min(vals))}..{fmt.format(max(vals))})"

    per_crawl = [(r["crawler_busy"]["rss_kb"] - r["crawler_idle"]["rss_kb"])
                 / r["crawler_busy"]["in_flight"] for r in rounds]
    per_scrapy = [(r["scrapy_busy"]["rss_kb"] - r["scrapy_idle"]["rss_kb"])
                  / r["scrapy_busy"]["sim_in_flight"] for r in rounds]
    ratio = [r["scrapy_busy"]["rss_kb"] / r["crawler_busy"]["rss_kb"] for r in rounds]
    hwm_ratio = [r["scrapy_busy"]["hwm_kb"] / r["crawler_busy"]["hwm_kb"] for r in rounds]
    import_s = [r["import_s"] for r in rounds]
    redis_per_account = [r["redis_bytes_per_account"] for r in rounds]

    out = [f"## Memory: crawler with {p['accounts']:,} accounts and {p['in_flight']} in flight; "
           f"worker with every ruleset\n"]
    if p["smoke"]:
        out.append("**Smoke run**: tiny sizes and windows, the figures mean nothing.\n")
    out.append(
        f"RSS is read from `/proc/PID/status` every 0.2 s: `VmRSS` (median over the hold) and "
        f"`VmHWM` (the peak since the process started). Build: `{p['build']}` "
        f"({p['build_type']}); Python {p['python']}, Scrapy {p['scrapy']}.\n")
    out.append(
        f"- **Crawler**: `netra-sim --accounts {p['accounts']}` (every platform, round robin); "
        f"its watchlist imported with `netra watchlist import` (timed; Redis `used_memory` read "
        f"before and after, the difference divided by the accounts), so {p['accounts']} "
        f"accounts are scheduled and due. Every sim request stalls (`POST /_sim/faults "
        f"{{\"mode\":\"stall\",\"seconds\":{p['stall_s']}}}`: read, then nothing sent), so each "
        f"crawl stays in flight with its request open. `crawler.max_in_flight` and every "
        f"platform's `max_connections` {p['in_flight']} (the sim is one host for all five "
        f"platforms), timeouts above the stall. *Idle*: the same crawler and config with a key "
        f"prefix holding no account ({p['idle_s']} s). *Busy*: once its heartbeat says "
        f"{p['in_flight']} crawls are in flight and the sim's `/_sim/stats` says {p['in_flight']} "
        f"requests are open, held {p['hold_s']} s, both checked every second to stay exactly "
        f"{p['in_flight']}; per crawl in flight = (busy - idle) / in flight.\n"
        f"- **Peer**: Scrapy (`bench/memory/scrapy_peer.py`) against a fresh sim with the same "
        f"stall, one request per watchlist account to the URL netra's crawl of it starts with, "
        f"`CONCURRENT_REQUESTS` = `CONCURRENT_REQUESTS_PER_DOMAIN` = {p['in_flight']}, no "
        f"retries, no robots.txt, no cookies, no AutoThrottle, no telnet. *Idle*: the spider "
        f"open with no request; *busy*: once the sim shows {p['in_flight']} of its requests "
        f"open, held {p['hold_s']} s. Scrapy keeps pending requests in memory but reads its "
        f"start requests lazily; netra keeps the schedule in Redis.\n"
        f"- **Worker**: `netra-worker` with `worker.rules_dir` = `config/rules` "
        f"({p['rulesets']} rulesets, every one loaded). *Idle*: rulesets compiled, empty "
        f"stream; *after scoring*: a sim of {p['worker_accounts']} accounts crawled into the "
        f"stream until the worker has scored {p['worker_posts']} posts (no dead letter).\n")
    out.append(
        f"Sides alternate which goes first each round; each side gets its own sim and key "
        f"prefix. Medians of {len(rounds)} round(s), min..max in brackets.\n")
    rows = [
        ("`netra watchlist import` of the accounts", cell(import_s, "{:.2f}"), "s"),
        ("crawler idle, VmRSS", cell(values("crawler_idle", "rss_kb")), "MiB"),
        (f"**crawler, {p['in_flight']} in flight, VmRSS**",
         cell(values("crawler_busy", "rss_kb")), "MiB"),
        ("**crawler peak, VmHWM**", cell(values("crawler_busy", "hwm_kb")), "MiB"),
        ("crawler per crawl in flight", cell(per_crawl, "{:.1f}"), "KiB"),
        ("crawls in flight (heartbeat) / requests open at the sim",
         f"{cell(values('crawler_busy', 'in_flight', 1), '{:.0f}')} / "
         f"{cell(values('crawler_busy', 'sim_in_flight', 1), '{:.0f}')}", ""),
        ("Redis `used_memory` added by the import, per account", cell(redis_per_account, "{:.0f}"),
         "bytes"),
        ("Scrapy idle, VmRSS", cell(values("scrapy_idle", "rss_kb")), "MiB"),
        (f"**Scrapy, {p['in_flight']} in flight, VmRSS**",
         cell(values("scrapy_busy", "rss_kb")), "MiB"),
        ("Scrapy peak, VmHWM", cell(values("scrapy_busy", "hwm_kb")), "MiB"),
        ("Scrapy per request in flight", cell(per_scrapy, "{:.1f}"), "KiB"),
        ("requests open at the sim (Scrapy)",
         cell(values("scrapy_busy", "sim_in_flight", 1), "{:.0f}"), ""),
        ("**Scrapy / netra-crawler, VmRSS busy**", cell(ratio, "{:.1f}"), "x"),
        ("Scrapy / netra-crawler, VmHWM", cell(hwm_ratio, "{:.1f}"), "x"),
        ("worker idle (rulesets loaded), VmRSS", cell(values("worker_idle", "rss_kb")), "MiB"),
        ("**worker after scoring, VmRSS**", cell(values("worker_busy", "rss_kb")), "MiB"),
        ("worker peak, VmHWM", cell(values("worker_busy", "hwm_kb")), "MiB"),
    ]
    out.append("| figure | median (min..max) | unit |\n|---|---:|---|")
    for name, value, unit in rows:
        out.append(f"| {name} | {value} | {unit} |")
    out.append("")
    out.append("The issue sets no numeric target for memory; no target is claimed met or "
               "missed.\n")
    out.append("Command:\n\n```sh\n" + p["command"] + "\n```\n")
    print("\n".join(out))

    figures = {
        "import_s": statistics.median(import_s),
        "crawler_idle_rss_mib": statistics.median(values("crawler_idle", "rss_kb")),
        "crawler_busy_rss_mib": statistics.median(values("crawler_busy", "rss_kb")),
        "crawler_peak_hwm_mib": statistics.median(values("crawler_busy", "hwm_kb")),
        "crawler_kib_per_in_flight": statistics.median(per_crawl),
        "crawler_sim_requests_open": statistics.median(values("crawler_busy", "sim_in_flight", 1)),
        "scrapy_idle_rss_mib": statistics.median(values("scrapy_idle", "rss_kb")),
        "scrapy_busy_rss_mib": statistics.median(values("scrapy_busy", "rss_kb")),
        "scrapy_kib_per_in_flight": statistics.median(per_scrapy),
        "scrapy_over_netra_rss": statistics.median(ratio),
        "worker_idle_rss_mib": statistics.median(values("worker_idle", "rss_kb")),
        "worker_busy_rss_mib": statistics.median(values("worker_busy", "rss_kb")),
        "worker_peak_hwm_mib": statistics.median(values("worker_busy", "hwm_kb")),
        "redis_bytes_per_account": statistics.median(redis_per_account),
    }
    with open(os.path.join(args.work, "memory.json"), "w", encoding="utf-8") as f:
        json.dump({"name": "memory", "smoke": p["smoke"], "rounds": len(rounds),
                   "figures": figures, "targets": []}, f, indent=1)


def cmd_combine(args):
    """Merges the phase files of one round into ROUND.json."""
    merged = {}
    for item in args.parts:
        name, path = item.split("=", 1)
        if path.endswith(".json"):
            with open(path, encoding="utf-8") as f:
                merged[name] = json.load(f)
        else:
            merged[name] = float(path)
    write(args.out, merged)


def main():
    parser = argparse.ArgumentParser(prog="memory.py")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("freeport").set_defaults(fn=cmd_freeport)
    p = sub.add_parser("config")
    p.set_defaults(fn=cmd_config)
    p.add_argument("fragment")
    p.add_argument("out")
    p.add_argument("--redis-port", type=int, required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--in-flight", type=int, required=True)
    p.add_argument("--rules-dir", required=True)
    p = sub.add_parser("idle")
    p.set_defaults(fn=cmd_idle)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--out", required=True)
    for name, fn in [("crawler", cmd_crawler), ("scrapy", cmd_scrapy), ("worker", cmd_worker)]:
        p = sub.add_parser(name)
        p.set_defaults(fn=fn)
        p.add_argument("--pid", type=int, required=True)
        p.add_argument("--timeout", type=float, required=True)
        p.add_argument("--out", required=True)
        if name in ("crawler", "scrapy"):
            p.add_argument("--sim-url", required=True)
            p.add_argument("--target", type=int, required=True)
            p.add_argument("--hold", type=float, required=True)
        if name in ("crawler", "worker"):
            p.add_argument("--redis-port", type=int, required=True)
            p.add_argument("--name", required=True)
        if name == "crawler":
            p.add_argument("--prefix", required=True)
        if name == "worker":
            p.add_argument("--count", type=int, required=True)
    p = sub.add_parser("combine")
    p.set_defaults(fn=cmd_combine)
    p.add_argument("out")
    p.add_argument("parts", nargs="+", help="name=FILE.json or name=NUMBER")
    p = sub.add_parser("report")
    p.set_defaults(fn=cmd_report)
    p.add_argument("work")
    p.add_argument("rounds", nargs="+")
    p.add_argument("--params", required=True)
    args = parser.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
