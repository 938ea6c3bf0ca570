"""The scoring benchmark's Python peer: the national ruleset's terms as one compiled `re`
alternation, case-insensitive, longest term first, bounded by non-word characters on both
sides (so "pan" does not fire inside "panas"), searched in the "text" of every JSONL line.
A post counts as matched when the pattern is found at least once (re.search stops there).

    /usr/bin/python3 peer_re.py TERMS FILE ROUNDS

Standard library only. The texts are read and decoded first; only the scan is timed, in CPU
seconds of this process, best of ROUNDS. Prints {"posts", "terms", "scan_s", "matched"}.
"""
import json
import re
import sys
import time


def main():
    terms_path, posts_path, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(terms_path, encoding="utf-8") as f:
        terms = [line.rstrip("\n") for line in f if line.strip()]
    with open(posts_path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    alternation = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    pattern = re.compile(r"(?<!\w)(?:" + alternation + r")(?!\w)", re.IGNORECASE)
    search = pattern.search
    best, matched = None, 0
    for _ in range(rounds):
        start = time.process_time()
        matched = sum(1 for text in texts if search(text) is not None)
        took = time.process_time() - start
        best = took if best is None else min(best, took)
    print(json.dumps({"posts": len(texts), "terms": len(terms), "scan_s": best,
                      "matched": matched}))


if __name__ == "__main__":
    main()
