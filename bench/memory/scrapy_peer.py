"""The crawler-memory peer of bench/memory/run: a Scrapy spider holding `concurrency` GETs in
flight against netra-sim (whose `stall` fault keeps every request open), one per watchlist
account, to the URL netra's first request for that account goes to. Its RSS is read from outside
(/proc) by the bench; the spider only has to keep the requests in flight.

  /usr/bin/python3 scrapy_peer.py --watchlist CSV --sim URL --concurrency N [--idle]
                                  [--ready FILE]

--idle: no request at all; the spider stays open (the RSS of Scrapy itself, its baseline).
--ready: written once the spider is open. The bench ends it with SIGKILL once it has measured.
"""
import argparse
import csv
import urllib.parse

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import DontCloseSpider


def first_url(sim, platform, handle):
    """Where netra's crawl of this account starts (its first request)."""
    quote = urllib.parse.quote
    if platform == "mastodon":
        return f"{sim}/mastodon/api/v1/accounts/lookup?acct={quote(handle, safe='')}"
    if platform == "bluesky":
        return f"{sim}/bluesky/xrpc/com.atproto.identity.resolveHandle?handle={quote(handle)}"
    if platform == "x":
        return f"{sim}/x/2/users/by/username/{quote(handle)}"
    if platform == "feed":
        return handle
    if platform == "jsonapi":
        return f"{sim}/jsonapi/accounts/{quote(handle)}/posts?cursor=&limit=50"
    raise ValueError(f"unknown platform {platform}")


class StalledSpider(scrapy.Spider):
    name = "netra_memory_peer"

    def __init__(self, watchlist, sim, idle, ready, **kwargs):
        super().__init__(**kwargs)
        self.watchlist, self.sim, self.idle, self.ready = watchlist, sim, idle, ready

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.stay_open, signal=scrapy.signals.spider_idle)
        crawler.signals.connect(spider.opened, signal=scrapy.signals.spider_opened)
        return spider

    def opened(self):
        if self.ready:
            with open(self.ready, "w", encoding="ascii") as f:
                f.write("open\n")

    def stay_open(self):
        raise DontCloseSpider

    def start_requests(self):
        if self.idle:
            return
        with open(self.watchlist, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                yield scrapy.Request(
                    first_url(self.sim, row["platform"], row["handle"]),
                    headers={"Authorization": "Bearer netra-sim-token",
                             "Accept-Encoding": "gzip"},
                    dont_filter=True, callback=self.parse)

    def parse(self, response):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--watchlist", required=True)
    parser.add_argument("--sim", required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--idle", action="store_true")
    parser.add_argument("--ready")
    args = parser.parse_args()
    process = CrawlerProcess(settings={
        "CONCURRENT_REQUESTS": args.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
        "CONCURRENT_REQUESTS_PER_IP": 0,
        "DOWNLOAD_TIMEOUT": 3600,
        "RETRY_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "AUTOTHROTTLE_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "USER_AGENT": "netra-bench-peer",
    })
    process.crawl(StalledSpider, watchlist=args.watchlist, sim=args.sim, idle=args.idle,
                  ready=args.ready)
    process.start()


if __name__ == "__main__":
    main()
