"""The crawl benchmark's peer: a Scrapy spider doing netra-crawler's work on the same URLs.

For every URL (the first page of one Mastodon account's statuses) it fetches the page, parses
the JSON, and for each status builds a post message like netra's (id, platform, account,
author, url, created_at, fetched_at, kind, plain text, hashtags, mentions, links, media,
repost_of, lang, sha256 of the raw bytes), checks it against a seen key (SET NX, netra's dedup)
and XADDs it with its raw bytes deflated to a Redis stream: one pipeline (one round trip) per
page. At the end it prints one JSON line: pages, posts, errors, seconds, CPU seconds.

Run with Debian's interpreter: /usr/bin/python3 scrapy_peer.py --urls FILE --base URL
    --redis-port P --stream KEY [--concurrency N]
"""

import argparse
import hashlib
import html
import json
import re
import resource
import sys
import time
import zlib

import redis
import scrapy
from scrapy.crawler import CrawlerProcess

TAG = re.compile(r"<[^>]+>")
BREAK = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)


def plain_text(content):
    """Mastodon's HTML content as text: breaks as newlines, tags dropped, entities decoded."""
    return html.unescape(TAG.sub("", BREAK.sub("\n", content))).strip()


def post_message(status, account_id, fetched_at):
    original = status.get("reblog")
    source = original if original else status
    kind = "post"
    if original:
        kind = "repost"
    elif status.get("quote"):
        kind = "quote"
    elif status.get("in_reply_to_id"):
        kind = "reply"
    raw = json.dumps(status, separators=(",", ":"), ensure_ascii=False).encode()
    message = {
        "id": "mastodon:" + status["id"],
        "platform": "mastodon",
        "account": account_id,
        "author": status["account"]["acct"],
        "url": status.get("url") or status.get("uri"),
        "created_at": status["created_at"],
        "fetched_at": fetched_at,
        "kind": kind,
        "text": plain_text(source.get("content") or ""),
        "hashtags": [t["name"] for t in source.get("tags", [])],
        "mentions": [m["acct"] for m in source.get("mentions", [])],
        "links": [],
        "media": [{"type": m.get("type"), "url": m.get("url"), "alt": m.get("description")}
                  for m in source.get("media_attachments", [])],
        "lang": source.get("language"),
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
    if original:
        message["repost_of"] = {"author": original["account"]["acct"], "url": original.get("url"),
                                "text": message["text"]}
    return message, raw


class StatusesSpider(scrapy.Spider):
    name = "netra-bench-peer"

    def __init__(self, urls, base, redis_port, stream, totals, **kwargs):
        super().__init__(**kwargs)
        self.urls = urls
        self.base = base
        self.stream = stream
        self.totals = totals
        self.redis = redis.Redis(host="127.0.0.1", port=redis_port)

    def start_requests(self):
        for account_id, path in self.urls:
            yield scrapy.Request(self.base + path, callback=self.parse_page,
                                 errback=self.failed, cb_kwargs={"account_id": account_id},
                                 dont_filter=True)

    def parse_page(self, response, account_id):
        if response.status != 200:
            self.totals["errors"] += 1
            return
        fetched_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        pipe = self.redis.pipeline(transaction=False)
        count = 0
        for status in json.loads(response.body):
            message, raw = post_message(status, account_id, fetched_at)
            seen = "bench:seen:" + message["id"]
            pipe.set(seen, message["sha256"], nx=True, px=30 * 86400000)
            pipe.xadd(self.stream, {"msg": json.dumps(message, ensure_ascii=False),
                                    "raw": zlib.compress(raw)})
            count += 1
        pipe.execute()
        self.totals["pages"] += 1
        self.totals["posts"] += count

    def failed(self, failure):
        self.totals["errors"] += 1
        self.logger.error("fetch failed: %s", failure.value)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--urls", required=True, help="lines of 'account_id path'")
    parser.add_argument("--base", required=True)
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("--stream", required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with open(args.urls, encoding="utf-8") as f:
        urls = [line.split() for line in f if line.strip()]

    totals = {"pages": 0, "posts": 0, "errors": 0}
    process = CrawlerProcess(settings={
        "CONCURRENT_REQUESTS": args.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
        "CONCURRENT_REQUESTS_PER_IP": 0,
        "DOWNLOAD_DELAY": 0,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "RETRY_ENABLED": False,
        "REDIRECT_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "DOWNLOAD_TIMEOUT": 60,
        "USER_AGENT": "netra-bench-peer",
        "DEFAULT_REQUEST_HEADERS": {"Accept": "application/json"},
    })
    start = time.monotonic()
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    process.crawl(StatusesSpider, urls=urls, base=args.base, redis_port=args.redis_port,
                  stream=args.stream, totals=totals)
    process.start()
    seconds = time.monotonic() - start
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    totals["seconds"] = seconds
    totals["cpu_seconds"] = (cpu.ru_utime - cpu_start.ru_utime) + (cpu.ru_stime - cpu_start.ru_stime)
    print(json.dumps(totals))
    return 0 if totals["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
