#!/usr/bin/env python3
"""The loopback side of scripts/bench-soak: feeds that change and a webhook receiver.

Serves /feed/N.tsv (N = 0..SOURCES-1): a Google Merchant Center TSV of ROWS products whose
prices change with every version. A new version comes every PERIOD seconds until /freeze is
requested; each version has its own ETag, and a request that sends the current one back gets
304. Every answer is logged (feed, version, status) in LOG_DIR/served.jsonl.

Takes webhook POSTs at /hook and logs each (idempotency key, signature header present, body's
kind) in LOG_DIR/hooks.jsonl, answering 200.

Usage: loopback.py PORT LOG_DIR SOURCES ROWS PERIOD
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LOG_DIR, SOURCES, ROWS, PERIOD = (
    int(sys.argv[1]),
    sys.argv[2],
    int(sys.argv[3]),
    int(sys.argv[4]),
    float(sys.argv[5]),
)
START = time.monotonic()
LOCK = threading.Lock()
FROZEN = {"at": None}
SERVED = open(f"{LOG_DIR}/served.jsonl", "a", buffering=1)
HOOKS = open(f"{LOG_DIR}/hooks.jsonl", "a", buffering=1)


def version():
    with LOCK:
        if FROZEN["at"] is not None:
            return FROZEN["at"]
    return int((time.monotonic() - START) / PERIOD)


def price(feed, row, v):
    """A sawtooth: one step down per version, back up every 20 versions."""
    return 100 + feed + row % 7 - (v % 20)


def body(feed, v):
    lines = ["id\ttitle\tlink\tavailability\tprice\tbrand\tcolor"]
    for row in range(ROWS):
        lines.append(
            f"S{feed}-{row}\tSoak satin ballet flats {feed}-{row}\t"
            f"https://shop{feed}.example/p/{row}\tin stock\t{price(feed, row, v)}.00 GBP\t"
            f"Soak {feed}\tPink"
        )
    return ("\n".join(lines) + "\n").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, data=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ping":
            return self.reply(200)
        if self.path == "/freeze":
            with LOCK:
                if FROZEN["at"] is None:
                    FROZEN["at"] = int((time.monotonic() - START) / PERIOD)
            return self.reply(200, json.dumps({"version": FROZEN["at"]}).encode())
        if not (self.path.startswith("/feed/") and self.path.endswith(".tsv")):
            return self.reply(404)
        feed = int(self.path[len("/feed/") : -len(".tsv")])
        v = version()
        etag = f'"{feed}-{v}"'
        status = 304 if self.headers.get("If-None-Match") == etag else 200
        SERVED.write(json.dumps({"feed": feed, "version": v, "status": status}) + "\n")
        if status == 304:
            return self.reply(304, b"", [("ETag", etag)])
        self.reply(200, body(feed, v), [("ETag", etag), ("Content-Type", "text/tab-separated-values")])

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        kind = json.loads(data).get("kind")
        HOOKS.write(
            json.dumps(
                {
                    "key": self.headers.get("Pointe-Idempotency-Key"),
                    "signed": self.headers.get("Pointe-Signature") is not None,
                    "kind": kind,
                }
            )
            + "\n"
        )
        self.reply(200)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
