#!/usr/bin/env python3
"""A fault-injecting HTTP proxy on loopback, in front of a real registry, for the agent's tests.

usage: fault_proxy.py UPSTREAM_PORT
Forwards every request. The first response for each chunk URL (/v1/chunks/...) gets a fault, in turn:
  corrupt   one byte of the body flipped (status and length unchanged)
  truncate  half the body sent, then the connection closed
  busy      503 with Retry-After: 0
  slow      the body trickled out in small pieces with pauses
  pass      untouched
Later requests for the same chunk pass untouched. GET /proxy-stats returns what was done, as JSON.
Prints "port N" once listening; exits when its stdin closes (the test process ended).
"""
import http.server
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "integration", "tools"))
from httprelay import fetch_upstream, send_head, send_json  # noqa: E402

UPSTREAM = int(sys.argv[1])
FAULTS = ["corrupt", "truncate", "busy", "slow", "pass"]
LOCK = threading.Lock()
SEEN = {}
STATS = {"requests": {}, "faults": {}}


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self, method):
        if self.path == "/proxy-stats":
            send_json(self, json.dumps(STATS).encode())
            return
        status, headers, payload = fetch_upstream(self, method, UPSTREAM)
        fault = "pass"
        if self.path.startswith("/v1/chunks/") and method == "GET":
            with LOCK:
                STATS["requests"][self.path] = STATS["requests"].get(self.path, 0) + 1
                if self.path not in SEEN:
                    SEEN[self.path] = FAULTS[len(SEEN) % len(FAULTS)]
                    fault = SEEN[self.path]
                    STATS["faults"][self.path] = fault
        if fault == "busy":
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        send_head(self, status, headers, len(payload))
        if fault == "corrupt" and payload:
            middle = len(payload) // 2
            payload = payload[:middle] + bytes([payload[middle] ^ 0xFF]) + payload[middle + 1:]
        if fault == "truncate":
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault == "slow":
            for start in range(0, len(payload), 4096):
                self.wfile.write(payload[start:start + 4096])
                self.wfile.flush()
                time.sleep(0.01)
            return
        self.wfile.write(payload)

    def do_GET(self):
        self.forward("GET")

    def do_POST(self):
        self.forward("POST")

    def do_PUT(self):
        self.forward("PUT")


def exit_with_parent():
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=exit_with_parent, daemon=True).start()
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
