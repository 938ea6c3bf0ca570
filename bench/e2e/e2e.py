"""Measuring side of bench/e2e/run: the pipeline's inputs (config, watchlist), one measured
window on a running sim -> crawler -> Redis -> 2 workers, and the markdown section.

Subcommands (run by bench/e2e/run, never by hand):
  freeport                        print a free loopback TCP port
  config  FRAGMENT OUT ...        the netra.jsonc every process of a round reads
  watchlist IN OUT                the sim's watchlist with the interval column emptied
  measure ...                     warm up, measure one window, drain, check; writes round JSON
  report  WORK ROUND.json...      prints the markdown section, writes WORK/e2e.json

Clocks: the sim's created_at is virtual time, mapped to real time through /_sim/clock read
between two real-time stamps; scored_at (results) and stream entry ids are Redis TIME. All are
CLOCK_REALTIME of this one machine.
"""
import argparse
import csv
import json
import math
import os
import signal
import socket
import statistics
import sys
import time
import urllib.request

import redis

PREFIX = "netra:"
SHARD = "{s0}:"


def log(*args):
    print("e2e:", *args, file=sys.stderr, flush=True)


def die(message):
    log("error:", message)
    sys.exit(1)


# ---------------------------------------------------------------- inputs

def cmd_freeport(_args):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def read_jsonc_fragment(path):
    with open(path, encoding="utf-8") as f:
        return json.loads("".join(l for l in f if not l.lstrip().startswith("//")))


def merge(into, over):
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


def cmd_config(args):
    config = read_jsonc_fragment(args.fragment)
    for platform in config["platforms"].values():
        # The sim answers every platform on one host: no politeness wait between accounts.
        merge(platform, {"min_interval_ms": 0, "max_connections": args.connections})
    merge(config, {
        "redis": {"url": f"redis://127.0.0.1:{args.redis_port}/0", "key_prefix": PREFIX},
        "stream": {"batch": args.batch, "block_ms": 200},
        "schedule": {"lease_ms": 30000, "jitter_pct": 10,
                     "default_interval_s": args.interval, "min_interval_s": 1},
        "crawler": {"max_in_flight": args.in_flight, "claim_batch": args.claim_batch,
                    "poll_interval_ms": args.poll_ms, "shutdown_grace_ms": 2000},
        # Posts only: follows and likes would add messages the sim's post counts do not hold.
        "engagement": {"enabled": False},
        "worker": {"rules_dir": args.rules_dir},
        "process": {"heartbeat_interval_ms": 200, "heartbeat_ttl_s": 10, "log_level": "warn"},
    })
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)


def cmd_watchlist(args):
    with open(args.src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != ["id", "platform", "handle", "name", "nip", "agency", "region",
                               "interval"]:
        die(f"{args.src}: not the watchlist header netra expects")
    for row in rows[1:]:
        row[7] = ""  # schedule.default_interval_s applies to every account
    with open(args.dst, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


# ---------------------------------------------------------------- one measured window

def http_json(url, timeout=60):
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.load(answer)


def rfc3339_ms(text):
    """RFC 3339 UTC with milliseconds (what the sim writes) -> Unix ms."""
    from datetime import datetime, timezone
    when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return int(round(when.timestamp() * 1000))


class SimClock:
    """Virtual ms -> real Unix ms, from /_sim/clock read between two real-time stamps."""

    def __init__(self, base_url):
        before = time.time() * 1000
        clock = http_json(base_url + "/_sim/clock")
        after = time.time() * 1000
        self.real_ms = (before + after) / 2
        self.uncertainty_ms = (after - before) / 2
        self.virtual_ms = clock["now_ms"]
        self.speed = float(clock["speed"])

    def real_of(self, virtual_ms):
        return self.real_ms + (virtual_ms - self.virtual_ms) / self.speed


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime, stime are fields 14 and 15 of stat; here counted from field 3 (state) on.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def heartbeat(r, name):
    raw = r.hgetall(f"{PREFIX}proc:{name}")
    return {k.decode(): v.decode() for k, v in raw.items()}


def counter(beat, name):
    return int(beat.get(name, "0"))


def commandstats(r):
    calls = {}
    for name, stats in r.info("commandstats").items():
        calls[name.replace("cmdstat_", "")] = int(stats["calls"])
    return calls


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))  # nearest rank
    return ordered[rank]


def stream_backlog(r):
    for group in r.xinfo_groups(f"{PREFIX}{SHARD}posts"):
        if group["name"] == b"scorers":
            return int(group.get("lag") or 0) + int(group["pending"])
    return 0


def cmd_measure(args):
    r = redis.Redis(host="127.0.0.1", port=args.redis_port)
    pids = dict(item.split("=", 1) for item in args.pids.split(","))
    workers = [name for name in pids if name.startswith("worker")]
    procs = ["crawler"] + workers

    def alive_or_die():
        for name, pid in pids.items():
            if not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(
                    ")")[1].split()[0] == "Z":
                die(f"{name} (pid {pid}) died; see its log in the work dir")

    # Warm-up: every account crawled once and its history scored, then warmup_s more.
    deadline = time.time() + args.warmup_timeout
    while True:
        alive_or_die()
        beat = heartbeat(r, "crawler")
        crawled = counter(beat, "crawls_ok")
        backlog = stream_backlog(r) if r.exists(f"{PREFIX}{SHARD}posts") else -1
        if crawled >= args.accounts and backlog >= 0 and backlog < 5 * args.batch:
            break
        if time.time() > deadline:
            die(f"warm-up not done after {args.warmup_timeout} s: {crawled} of {args.accounts} "
                f"accounts crawled, stream backlog {backlog}")
        time.sleep(0.5)
    log(f"first pass done ({crawled} crawls); warming up {args.warmup} s more")
    time.sleep(args.warmup)
    alive_or_die()

    # The window. Only INFO and the heartbeat reads below touch Redis inside it (subtracted).
    clock_start = SimClock(args.sim_url)
    cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    stats0 = commandstats(r)
    beats0 = {name: heartbeat(r, name) for name in procs}
    t0 = time.time() * 1000
    time.sleep(args.window)
    t1 = time.time() * 1000
    beats1 = {name: heartbeat(r, name) for name in procs}
    stats1 = commandstats(r)
    cpu1 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    backlog_end = stream_backlog(r)
    clock_end = SimClock(args.sim_url)
    alive_or_die()
    wall_s = (t1 - t0) / 1000
    cpu = {name: 100 * (cpu1[name] - cpu0[name]) / wall_s for name in pids}
    drift_ms = abs(clock_start.real_of(clock_end.virtual_ms) - clock_end.real_ms)
    if drift_ms > 20 + clock_start.uncertainty_ms + clock_end.uncertainty_ms:
        die(f"the sim's clock does not map linearly to real time (drift {drift_ms:.1f} ms)")

    def delta(name, key):
        return counter(beats1[name], key) - counter(beats0[name], key)

    scored = sum(delta(w, "scored") for w in workers)
    scored_rate = sum(delta(w, "scored") / (delta(w, "last_seen") / 1000) for w in workers)
    queued = delta("crawler", "posts_new") + delta("crawler", "posts_changed")
    crawl_span_s = delta("crawler", "last_seen") / 1000
    crawls = delta("crawler", "crawls_ok")
    crawls_failed = delta("crawler", "crawls_failed")
    log("crawler heartbeat at window end: " + ", ".join(
        f"{k}={v}" for k, v in sorted(beats1["crawler"].items()) if v not in ("0", "")))
    if scored <= 0 or crawls <= 0:
        die(f"nothing happened in the window: {scored} posts scored, {crawls} crawls")
    calls = {name: stats1.get(name, 0) - stats0.get(name, 0) for name in stats1}
    calls.pop("info", None)  # the bench's own
    calls["hgetall"] = calls.get("hgetall", 0) - 2 * len(procs)  # the heartbeat reads above
    calls = {name: n for name, n in calls.items() if n > 0}
    total_calls = sum(calls.values())

    # Drain: every account crawled twice more after the window, so its second crawl began after
    # the window ended and read every post of the window (one crawler holds an account at a
    # time). Only Redis is polled: /_sim/posts is a large document that holds the sim up while
    # it is written, so it is read once, below, with the crawler stopped.
    accounts = [a["id"] for a in http_json(args.sim_url + "/_sim/accounts")["accounts"]]
    seen_ok = {account: set() for account in accounts}
    deadline = time.time() + args.drain_timeout
    while True:
        alive_or_die()
        pipe = r.pipeline(transaction=False)
        for account in accounts:
            pipe.hget(f"{PREFIX}{SHARD}acct:{account}", "last_ok")
        for account, last_ok in zip(accounts, pipe.execute()):
            if last_ok is not None and int(last_ok) > t1:
                seen_ok[account].add(int(last_ok))
        behind = [a for a, crawls in seen_ok.items() if len(crawls) < 2]
        if not behind:
            break
        if time.time() > deadline:
            die(f"{len(behind)} accounts not crawled twice within {args.drain_timeout} s after "
                f"the window, e.g. {behind[:3]}")
        time.sleep(0.2)

    # Freeze the stream: crawler stopped, workers drained; then the ground truth, results and
    # stream entries below are one consistent picture (edits after this have no new version).
    crawler_pid = int(pids.pop("crawler"))
    os.kill(crawler_pid, signal.SIGTERM)
    deadline = time.time() + 30
    while os.path.exists(f"/proc/{crawler_pid}") and open(
            f"/proc/{crawler_pid}/stat").read().split(")")[1].split()[0] != "Z":
        if time.time() > deadline:
            die("the crawler did not stop within 30 s of SIGTERM")
        time.sleep(0.1)
    deadline = time.time() + args.drain_timeout
    while stream_backlog(r) > 0:
        alive_or_die()
        if time.time() > deadline:
            die(f"the workers left {stream_backlog(r)} messages unscored")
        time.sleep(0.2)
    lo_virtual = clock_start.virtual_ms + (t0 - clock_start.real_ms) * clock_start.speed
    hi_virtual = clock_start.virtual_ms + (t1 - clock_start.real_ms) * clock_start.speed
    truth = {p["id"]: p for p in http_json(args.sim_url + "/_sim/posts", timeout=300)["posts"]
             if lo_virtual <= rfc3339_ms(p["created_at"]) < hi_virtual}
    if not truth:
        die("the sim published no post in the window")

    # Results and stream entries of the window's posts.
    pipe = r.pipeline(transaction=False)
    for post_id in truth:
        pipe.hmget(f"{PREFIX}{SHARD}result:{post_id}", "scored_at", "entry")
    results = dict(zip(truth, pipe.execute()))
    entries = {}
    start = f"{int(t0) - 1000}-0"  # a post of the window is queued after it appeared
    while True:
        chunk = r.xrange(f"{PREFIX}{SHARD}posts", min=start, max="+", count=5000)
        for entry_id, fields in chunk:
            post_id = json.loads(fields[b"msg"])["id"]
            if post_id in truth:
                entries.setdefault(post_id, []).append(entry_id.decode())
        if len(chunk) < 5000:
            break
        start = "(" + chunk[-1][0].decode()
    dead = r.xlen(f"{PREFIX}{SHARD}posts:dead") if r.exists(f"{PREFIX}{SHARD}posts:dead") else 0
    duplicates = sum(counter(heartbeat(r, w), "duplicates") for w in workers)

    problems = []
    if dead:
        problems.append(f"{dead} dead letters")
    if duplicates:
        problems.append(f"{duplicates} redelivered messages found already recorded")
    total_ms, found_ms, scoring_ms = [], [], []
    queued_twice = []
    for post_id, post in truth.items():
        scored_at, entry = results[post_id]
        versions = entries.get(post_id, [])
        if scored_at is None:
            if not post["deleted"]:
                problems.append(f"{post_id} of {post['account']} (created "
                                f"{post['created_at']}, {len(versions)} stream entries): no "
                                f"result")
            continue
        entry = entry.decode()
        if not versions or entry != versions[-1]:
            problems.append(f"{post_id}: result from entry {entry}, stream has {versions}")
            continue
        if len(versions) > 1 and not post["edited"]:
            queued_twice.append(f"{post_id} ({post['kind']}, entries {versions})")
        if post["edited"] or len(versions) > 1:
            continue  # its result is the later version's: no appearance time to compare with
        appeared = clock_start.real_of(rfc3339_ms(post["created_at"]))
        queued_at = int(entry.split("-")[0])
        scored_ms = int(scored_at)
        if scored_ms < appeared - 5:
            problems.append(f"{post_id}: scored {appeared - scored_ms:.0f} ms before it appeared")
        total_ms.append(scored_ms - appeared)
        found_ms.append(queued_at - appeared)
        scoring_ms.append(scored_ms - queued_at)
    if queued_twice:
        first_id = queued_twice[0].split(" ")[0]
        versions = [json.loads(r.xrange(f"{PREFIX}{SHARD}posts", min=e, max=e)[0][1][b"msg"])
                    for e in entries[first_id][:2]]
        differ = {k: [v.get(k) for v in versions] for k in set(versions[0]) | set(versions[1])
                  if versions[0].get(k) != versions[1].get(k)}
        log(f"{first_id}: the two versions queued differ in {json.dumps(differ)[:2000]}")
        problems.append(f"{len(queued_twice)} unedited posts queued more than once: "
                        + ", ".join(queued_twice[:3]))
    if problems:
        die("sanity check failed: " + "; ".join(problems[:10]))

    period_s = args.accounts / (crawls / crawl_span_s)
    round_figures = {
        "window_s": wall_s,
        "posts_appeared": len(truth),
        "appeared_per_s": len(truth) / wall_s,
        "results_per_s": scored_rate,
        "queued_per_s": queued / crawl_span_s,
        "crawls_per_s": crawls / crawl_span_s,
        "crawl_period_s": period_s,
        "posts_per_crawl": queued / crawls,
        "crawls_failed": crawls_failed,
        "crawls_in_flight": (counter(beats0["crawler"], "in_flight")
                             + counter(beats1["crawler"], "in_flight")) / 2,
        "backlog_end": backlog_end,
        "latency_posts": len(total_ms),
        "latency_p50_ms": percentile(total_ms, 50),
        "latency_p99_ms": percentile(total_ms, 99),
        "found_p50_ms": percentile(found_ms, 50),
        "found_p99_ms": percentile(found_ms, 99),
        "scoring_p50_ms": percentile(scoring_ms, 50),
        "scoring_p99_ms": percentile(scoring_ms, 99),
        "redis_cmds_per_post": total_calls / scored,
        "redis_scripts_per_post": (calls.get("evalsha", 0) + calls.get("eval", 0)) / scored,
        "cpu_pct": cpu,
        "commands": calls,
        "scored_in_window": scored,
        "deleted_before_crawl": sum(1 for p in truth.values()
                                    if p["deleted"] and results[p["id"]][0] is None),
        "edited": sum(1 for p in truth.values() if p["edited"]),
        "clock_uncertainty_ms": clock_start.uncertainty_ms,
        "loadavg": os.getloadavg()[0],
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(round_figures, f, indent=1)
    log(f"window {wall_s:.1f} s: {scored_rate:.0f} results/s, {len(truth)} posts appeared, "
        f"latency p50 {round_figures['latency_p50_ms']:.0f} ms p99 "
        f"{round_figures['latency_p99_ms']:.0f} ms, {total_calls / scored:.1f} Redis "
        f"commands/post")


# ---------------------------------------------------------------- the section

def median_range(rounds, key, sub=None):
    values = [(r[key][sub] if sub else r[key]) for r in rounds]
    return statistics.median(values), min(values), max(values)


def cmd_report(args):
    rounds = []
    for path in args.rounds:
        with open(path, encoding="utf-8") as f:
            rounds.append(json.load(f))
    params = json.loads(args.params)

    def cell(key, sub=None, fmt="{:.0f}"):
        med, lo, hi = median_range(rounds, key, sub)
        if len(rounds) == 1:
            return fmt.format(med)
        return f"{fmt.format(med)} ({fmt.format(lo)}..{fmt.format(hi)})"

    out = []
    out.append("## End to end: sim → crawler → Redis → 2 workers → results\n")
    if params["smoke"]:
        out.append("**Smoke run**: tiny sizes and windows, the figures mean nothing.\n")
    out.append(
        f"One `netra-sim` ({params['accounts']} accounts over its five platforms, posting at "
        f"{params['posts_per_day']} posts a virtual day each at `--speed {params['speed']}`, "
        f"history {params['history_days']} virtual days, feeds of `--feed-items "
        f"{params['feed_items']}` so a feed covers the posts between two crawls even when "
        f"they fall behind), one `redis-server` (no persistence), "
        f"one `netra-crawler` and two `netra-worker`s with every ruleset of `config/rules`, "
        f"all on loopback. The watchlist is the sim's, imported with `netra watchlist import` "
        f"with the interval column emptied, so every account is fetched every "
        f"`schedule.default_interval_s` = {params['interval']} s (jitter 10 %); crawler "
        f"`max_in_flight` {params['in_flight']}, `claim_batch` {params['claim_batch']}, "
        f"`poll_interval_ms` {params['poll_ms']}, platforms `min_interval_ms` 0 and "
        f"`max_connections` {params['connections']}; workers `stream.batch` {params['batch']}. "
        f"Build: `{params['build']}` ({params['build_type']}).\n")
    out.append(
        f"Each round starts everything afresh, waits until every account has been crawled once "
        f"and the history is scored, warms up {params['warmup']} s more, then measures a "
        f"{params['window']} s window:\n")
    out.append(
        "- **results/s**: posts recorded by the workers (their heartbeat counter `scored`, "
        "whose beats carry Redis's time) over the window; beside it the rate at which the sim "
        "published posts in the window (the offered load) and the crawler queued them.\n"
        "- **latency**: for every post the sim published in the window (ground truth "
        "`/_sim/posts`), from its appearance to its result. Appearance: the post's virtual "
        "`created_at` mapped to real time through `/_sim/clock` read between two real-time "
        "stamps (uncertainty: half that round trip, under 1 ms; the mapping is checked again "
        "at the end of the window). Result: `scored_at` of `result:<id>`, which the worker's "
        "record script takes from Redis `TIME` (same machine clock, ms). Split at the post's "
        "stream entry id (its XADD time): **found** = appearance → queued, which is the wait "
        "for the account's next crawl (uniform over the crawl period, so about half the period "
        "at p50 and the whole period at p99) plus the crawl itself; **scored** = queued → "
        "result, the latency net of the crawl interval. Edited posts (whose result is a later "
        "version's) are left out of the latency.\n"
        "- **Redis commands per post**: `INFO commandstats` delta over the window (commands "
        "run inside the Lua scripts included, as Redis counts them; the bench's own INFO and "
        "heartbeat reads subtracted) / posts recorded in the window; scripts per post "
        "(EVALSHA) beside it.\n"
        "- **CPU**: user + system time of each process over the window (/proc/PID/stat), in % "
        "of one core.\n")
    out.append(
        "Checked in every round (a failed check fails the run): every post the sim published "
        "in the window and did not delete before it was fetched has exactly one result, "
        "written from the last stream entry of that post; an unedited post was queued exactly "
        "once; no dead letter; no redelivered message; no result earlier than its post. "
        "No peer exists for this whole path (no open-source tool does crawl → queue → score "
        "for these platforms), so there is no ratio; the issue sets no target for it.\n")
    rows = [
        ("posts published by the sim (offered load)", cell("appeared_per_s"), "posts/s"),
        ("posts queued by the crawler", cell("queued_per_s"), "posts/s"),
        ("**results written (sustained)**", cell("results_per_s"), "posts/s"),
        ("crawls", cell("crawls_per_s"), "crawls/s"),
        ("posts queued per crawl", cell("posts_per_crawl", fmt="{:.2f}"), "posts"),
        ("crawls failed in the window", cell("crawls_failed"), "crawls"),
        ("crawls in flight (mean of window start and end)", cell("crawls_in_flight"),
         "crawls"),
        ("effective crawl period per account", cell("crawl_period_s", fmt="{:.2f}"), "s"),
        ("stream backlog at window end", cell("backlog_end"), "messages"),
        ("**latency p50**, appearance → result", cell("latency_p50_ms"), "ms"),
        ("**latency p99**, appearance → result", cell("latency_p99_ms"), "ms"),
        ("found p50 / p99 (appearance → queued)",
         f"{cell('found_p50_ms')} / {cell('found_p99_ms')}", "ms"),
        ("scored p50 / p99 (queued → result, net of the crawl interval)",
         f"{cell('scoring_p50_ms')} / {cell('scoring_p99_ms')}", "ms"),
        ("**Redis commands per post** (incl. inside scripts)",
         cell("redis_cmds_per_post", fmt="{:.1f}"), "commands"),
        ("Lua script calls per post", cell("redis_scripts_per_post", fmt="{:.2f}"), "calls"),
    ]
    for name in ["crawler", "worker-1", "worker-2", "redis", "sim"]:
        rows.append((f"CPU {name}", cell("cpu_pct", name), "% of a core"))
    rows.append(("posts measured for latency (per round)", cell("latency_posts"), "posts"))
    out.append("| figure | median (min..max of rounds) | unit |\n|---|---:|---|")
    for name, value, unit in rows:
        out.append(f"| {name} | {value} | {unit} |")
    out.append("")
    last = rounds[len(rounds) // 2]["commands"]
    top = sorted(last.items(), key=lambda kv: -kv[1])[:10]
    scored = rounds[len(rounds) // 2]["scored_in_window"]
    out.append(f"Redis commands per post by command (round {len(rounds) // 2 + 1}): " + ", ".join(
        f"{name} {n / scored:.2f}" for name, n in top) + ".\n")
    out.append(
        f"The crawl interval dominates the latency: a post waits for its account's next "
        f"crawl, {params['interval']} s apart here (the shortest `min_interval_s` allows is "
        f"1 s; the default is 900 s, where the wait is everything). Load average at the "
        f"windows' start: {', '.join('%.1f' % r['loadavg'] for r in rounds)} (2 cores).\n")
    out.append("Command:\n\n```sh\n" + params["command"] + "\n```\n")
    print("\n".join(out))

    figures = {
        "results_per_s": median_range(rounds, "results_per_s")[0],
        "offered_posts_per_s": median_range(rounds, "appeared_per_s")[0],
        "latency_p50_ms": median_range(rounds, "latency_p50_ms")[0],
        "latency_p99_ms": median_range(rounds, "latency_p99_ms")[0],
        "scored_p50_ms": median_range(rounds, "scoring_p50_ms")[0],
        "scored_p99_ms": median_range(rounds, "scoring_p99_ms")[0],
        "redis_cmds_per_post": median_range(rounds, "redis_cmds_per_post")[0],
        "crawl_interval_s": params["interval"],
        "crawl_period_s": median_range(rounds, "crawl_period_s")[0],
        "crawls_per_s": median_range(rounds, "crawls_per_s")[0],
        "redis_scripts_per_post": median_range(rounds, "redis_scripts_per_post")[0],
    }
    for name in ["crawler", "worker-1", "worker-2", "redis", "sim"]:
        figures[f"cpu_pct_{name}"] = median_range(rounds, "cpu_pct", name)[0]
    with open(os.path.join(args.work, "e2e.json"), "w", encoding="utf-8") as f:
        json.dump({"name": "e2e", "smoke": params["smoke"], "rounds": len(rounds),
                   "figures": figures, "targets": []}, f, indent=1)


def main():
    parser = argparse.ArgumentParser(prog="e2e.py")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("freeport").set_defaults(fn=cmd_freeport)
    p = sub.add_parser("config")
    p.set_defaults(fn=cmd_config)
    p.add_argument("fragment")
    p.add_argument("out")
    for name in ["redis-port", "interval", "in-flight", "claim-batch", "poll-ms", "connections",
                 "batch"]:
        p.add_argument("--" + name, type=int, required=True)
    p.add_argument("--rules-dir", required=True)
    p = sub.add_parser("watchlist")
    p.set_defaults(fn=cmd_watchlist)
    p.add_argument("src")
    p.add_argument("dst")
    p = sub.add_parser("measure")
    p.set_defaults(fn=cmd_measure)
    p.add_argument("--redis-port", type=int, required=True)
    p.add_argument("--sim-url", required=True)
    p.add_argument("--pids", required=True, help="name=pid,... (crawler, worker-*, redis, sim)")
    p.add_argument("--accounts", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    for name in ["warmup", "window", "warmup-timeout", "drain-timeout"]:
        p.add_argument("--" + name, type=float, required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.set_defaults(fn=cmd_report)
    p.add_argument("work")
    p.add_argument("rounds", nargs="+")
    p.add_argument("--params", required=True)
    args = parser.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
