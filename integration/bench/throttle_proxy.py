#!/usr/bin/env python3
"""A link simulator on loopback: forwards to UPSTREAM_PORT, adds LATENCY_MS before each response and
shapes the bytes of all responses together to RATE bytes/s (one shared token bucket).
Counts the response bytes it carried; GET /link-stats returns them.

usage: throttle_proxy.py UPSTREAM_PORT RATE LATENCY_MS      (prints "port N" once listening)
"""
import http.server
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from httprelay import fetch_upstream, send_head, send_json  # noqa: E402

UPSTREAM, RATE, LATENCY = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000
LOCK = threading.Lock()
STATE = {"next_free": time.monotonic(), "bytes": 0, "requests": 0}


def pace(n):
    """Books n bytes on the shared link; returns when they would have finished arriving."""
    with LOCK:
        start = max(time.monotonic(), STATE["next_free"])
        STATE["next_free"] = start + n / RATE
        STATE["bytes"] += n
        wake = STATE["next_free"]
    delay = wake - time.monotonic()
    if delay > 0:
        time.sleep(delay)


class Link(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def relay(self, method):
        if self.path == "/link-stats":
            send_json(self, json.dumps(STATE).encode())
            return
        status, headers, payload = fetch_upstream(self, method, UPSTREAM)
        with LOCK:
            STATE["requests"] += 1
        time.sleep(LATENCY)
        send_head(self, status, headers, len(payload))
        for start in range(0, len(payload), 16384):
            piece = payload[start:start + 16384]
            pace(len(piece))
            self.wfile.write(piece)

    def do_GET(self):
        self.relay("GET")

    def do_POST(self):
        self.relay("POST")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Link)
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
