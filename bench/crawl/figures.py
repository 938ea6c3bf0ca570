"""Helpers of bench/crawl/run: the inputs from the simulator's ground truth, and the report.

    figures.py prepare WORK PAGE_SIZE   reads WORK/accounts.json and WORK/counts.json, writes
                                        WORK/wrk_paths.txt, WORK/peer_urls.txt,
                                        WORK/resolve.redis and prints the expected post count
    figures.py report WORK              reads WORK/rounds.jsonl and WORK/meta.json, prints the
                                        markdown section and writes WORK/crawl.json

Run with /usr/bin/python3.
"""

import json
import statistics
import sys


def prepare(work, page_size):
    with open(f"{work}/accounts.json", encoding="utf-8") as f:
        accounts = json.load(f)["accounts"]
    with open(f"{work}/counts.json", encoding="utf-8") as f:
        visible = json.load(f)["visible"]
    expected = 0
    with open(f"{work}/wrk_paths.txt", "w", encoding="utf-8") as wrk_paths, \
         open(f"{work}/peer_urls.txt", "w", encoding="utf-8") as peer, \
         open(f"{work}/resolve.redis", "w", encoding="utf-8") as resolve:
        for account in accounts:
            if account["platform"] != "mastodon":
                raise SystemExit(f"account {account['id']} is on {account['platform']}, not mastodon")
            path = f"/mastodon/api/v1/accounts/{account['native_id']}/statuses?limit={page_size}"
            wrk_paths.write(path + "\n")
            peer.write(f"{account['id']} {path}\n")
            # The crawler's account lookup is done once per account in its life; the benchmark
            # measures the steady state, where the native id is known.
            resolve.write(f'HSET "netra:{{s0}}:acct:{account["id"]}" native_id {account["native_id"]}\n')
            expected += min(page_size, visible[account["id"]])
    short = sum(1 for a in accounts if visible[a["id"]] < page_size)
    print(expected, short)


def spread(values):
    return statistics.median(values), min(values), max(values)


def fmt(value, digits=0):
    if digits == 0:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.{digits}f}"


def report(work):
    with open(f"{work}/meta.json", encoding="utf-8") as f:
        meta = json.load(f)
    with open(f"{work}/rounds.jsonl", encoding="utf-8") as f:
        rounds = [json.loads(line) for line in f if line.strip()]
    accounts = meta["accounts"]
    keys = {
        "wrk_requests_per_s": [r["wrk_rps"] for r in rounds],
        "netra_accounts_per_s": [accounts / r["netra_seconds"] for r in rounds],
        "netra_posts_per_s": [meta["expected_posts"] / r["netra_seconds"] for r in rounds],
        "netra_cpu_us_per_account": [r["netra_cpu_s"] / accounts * 1e6 for r in rounds],
        "netra_redis_commands_per_account": [r["netra_redis_commands"] / accounts for r in rounds],
        "scrapy_accounts_per_s": [accounts / r["scrapy_seconds"] for r in rounds],
        "scrapy_posts_per_s": [meta["expected_posts"] / r["scrapy_seconds"] for r in rounds],
        "scrapy_cpu_us_per_account": [r["scrapy_cpu_s"] / accounts * 1e6 for r in rounds],
        "netra_vs_wrk": [accounts / r["netra_seconds"] / r["wrk_rps"] for r in rounds],
        "netra_vs_scrapy": [r["scrapy_seconds"] / r["netra_seconds"] for r in rounds],
    }
    figures = {k: statistics.median(v) for k, v in keys.items()}
    targets = [
        {"what": "netra accounts/s >= 0.5 x wrk requests/s", "value": round(figures["netra_vs_wrk"], 3),
         "target": 0.5, "met": figures["netra_vs_wrk"] >= 0.5},
        {"what": "netra accounts/s >= 5 x scrapy accounts/s", "value": round(figures["netra_vs_scrapy"], 3),
         "target": 5, "met": figures["netra_vs_scrapy"] >= 5},
    ]
    with open(f"{work}/crawl.json", "w", encoding="utf-8") as f:
        json.dump({"name": "crawl", "smoke": meta["smoke"], "rounds": len(rounds),
                   "figures": figures, "targets": targets}, f, indent=1)

    def row(label, key, digits=0):
        med, lo, hi = spread(keys[key])
        return f"| {label} | {fmt(med, digits)} | {fmt(lo, digits)} .. {fmt(hi, digits)} |"

    out = []
    out.append("## crawl: netra-crawler vs wrk (the limit) and a Scrapy spider (the peer)")
    out.append("")
    if meta["smoke"]:
        out.append("**Smoke run: a tiny world, the figures mean nothing.**")
        out.append("")
    out.append(
        f"netra-sim serves {accounts} Mastodon accounts (`--platforms mastodon`, frozen clock "
        f"`--speed 0.000001`, {meta['posts_per_day']} posts a day for {meta['history_days']} days: "
        f"{meta['short_accounts']} accounts show fewer than {meta['page_size']} posts). Each side reads "
        f"the first page (`limit={meta['page_size']}`) of every account's "
        "`/mastodon/api/v1/accounts/<id>/statuses` once, gzip on, over kept-alive loopback "
        f"connections; the ground truth (`/_sim/counts`) says the pages hold {meta['expected_posts']} "
        "posts. The simulator's history is generated before the first round.")
    out.append("")
    out.append(f"- **limit, wrk**: `wrk -t{meta['wrk_threads']} -c{meta['wrk_connections']} "
               f"-d{meta['wrk_seconds']}s` with a Lua script cycling over the {accounts} URLs "
               "(`Accept-Encoding: deflate, gzip, br, zstd`, what the crawler's libcurl sends); "
               "two threads for two cores. Checked: no non-2xx answer, no socket error.")
    out.append("- **netra-crawler, the full path**: fetch, Mastodon adapter (JSON, HTML to text, "
               "entities), dedup and XADD of the post message with its raw bytes (one Lua call per "
               "page), cursor and state saved, lease handed back. Redis is flushed, the watchlist "
               "imported with `netra watchlist import` and the accounts' native ids written to "
               "`acct:<id>` (the crawler's one-time account lookup is not measured: every side "
               "reads the same URLs). Timed from the crawler's start until the stream holds every "
               "post; then checked: the stream length equals the ground truth, every account has "
               "`last_ok` set, the crawler exits 0 on SIGTERM. Settings: "
               f"`crawler.max_in_flight {meta['max_in_flight']}`, `claim_batch {meta['claim_batch']}`, "
               "`poll_interval_ms 10`, `max_pages 1`; `platforms.mastodon.page_size "
               f"{meta['page_size']}`, `max_connections {meta['max_connections']}`, "
               "`min_interval_ms 0`; `schedule.jitter_pct 0`. CPU is the crawler process's "
               "user+sys; Redis commands are the calls `INFO commandstats` counts during the crawl, "
               "the commands run inside netra's Lua scripts included (the benchmark's own XLEN "
               "polls left out).")
    out.append(f"- **peer, Scrapy {meta['scrapy_version']}** (`bench/crawl/scrapy_peer.py`, "
               "Debian python3-scrapy and python3-redis): the same URLs, `json.loads` of each "
               "page, per status a message like netra's (HTML to text with a regex and "
               "`html.unescape`, tags, mentions, media, sha256 of the raw bytes), SET NX of a seen "
               "key and XADD of the message and the deflated raw bytes, one Redis pipeline per "
               f"page. Settings: `CONCURRENT_REQUESTS {meta['scrapy_concurrency']}` (and per "
               "domain), `DOWNLOAD_DELAY 0`, AutoThrottle, robots.txt, cookies, retries, "
               "redirects, telnet and the HTTP cache off, `LOG_LEVEL WARNING`. Checked: every "
               "page 200, the stream holds every post.")
    out.append("")
    out.append(f"Rounds: {len(rounds)}, alternating the order (wrk, netra, Scrapy / Scrapy, netra, "
               "wrk). Medians, with min .. max of the rounds.")
    out.append("")
    out.append("| figure | median | min .. max |")
    out.append("|---|---:|---:|")
    out.append(row("wrk, requests/s (the limit)", "wrk_requests_per_s"))
    out.append(row("netra-crawler, accounts/s", "netra_accounts_per_s"))
    out.append(row("netra-crawler, posts/s", "netra_posts_per_s"))
    out.append(row("netra-crawler, CPU µs per account (user+sys)", "netra_cpu_us_per_account"))
    out.append(row("netra-crawler, Redis commands per account", "netra_redis_commands_per_account", 1))
    out.append(row("Scrapy, accounts/s", "scrapy_accounts_per_s"))
    out.append(row("Scrapy, posts/s", "scrapy_posts_per_s"))
    out.append(row("Scrapy, CPU µs per account (user+sys)", "scrapy_cpu_us_per_account"))
    out.append("")
    out.append("| target | value | met |")
    out.append("|---|---:|---|")
    for t in targets:
        out.append(f"| {t['what']} (target {t['target']}) | {t['value']:.2f} | "
                   f"{'met' if t['met'] else 'missed'} |")
    out.append("")
    out.append("Where the time goes, and what was changed for this benchmark with figures before "
               "and after, is under *Profiles* in bench/RESULTS.md.")
    out.append("")
    out.append("Command:")
    out.append("")
    out.append("```sh")
    out.append(meta["command"])
    out.append("```")
    print("\n".join(out))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "report":
        report(sys.argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
