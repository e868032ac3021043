#!/usr/bin/env python3
"""Drives one routing run of bench/routing-run: POST /v1/classify (score mode, every policy) for
each item, --clients at a time, then reads /metrics. Prints one JSON line: items/s, the servers'
prompt and cached tokens, and each server's jobs. Fails on any answer but 200 or any verdict that
is not ok."""
import argparse
import gzip
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return r.status, json.loads(r.read())


def metrics(base):
    with urllib.request.urlopen(base + "/metrics", timeout=30) as r:
        text = r.read().decode()
    servers = {}
    for line in text.splitlines():
        if not line.startswith("arbiter_remote_server_"):
            continue
        name, value = line.rsplit(" ", 1)
        server = name.split('server="', 1)[1].split('"', 1)[0]
        s = servers.setdefault(server, {"jobs": 0, "prompt": 0, "cached": 0})
        if name.startswith("arbiter_remote_server_jobs_total"):
            s["jobs"] = float(value)
        elif 'kind="prompt"' in name:
            s["prompt"] = float(value)
        elif 'kind="cached"' in name:
            s["cached"] = float(value)
    return servers


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--items", type=int, required=True)
    p.add_argument("--clients", type=int, required=True)
    p.add_argument("--policies", required=True, help="comma-separated ids")
    a = p.parse_args()
    with gzip.open(a.data, "rt") as f:
        texts = [json.loads(line)["prompt"][:1500] for _, line in zip(range(a.items), f)]
    policies = a.policies.split(",")

    def one(text):
        status, body = post(a.url + "/v1/classify", {"policies": policies, "content": text, "mode": "score"})
        bad = [v for v in body.get("verdicts", []) if v.get("status") != "ok"]
        if status != 200 or bad or len(body.get("verdicts", [])) != len(policies):
            raise SystemExit(f"routing-drive: HTTP {status}: {json.dumps(body)[:300]}")

    started = time.monotonic()
    with ThreadPoolExecutor(a.clients) as pool:
        list(pool.map(one, texts))
    elapsed = time.monotonic() - started
    servers = metrics(a.url)
    print(json.dumps({"items_per_s": len(texts) / elapsed, "seconds": elapsed, "servers": servers}))


if __name__ == "__main__":
    sys.exit(main())
