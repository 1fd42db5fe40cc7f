#!/usr/bin/env python3
"""A real HTTP server on loopback that misbehaves on purpose, for FleetHTTP's download tests.

Serves one deterministic 300,000-byte blob at every path; the path picks the fault:
  /ok             honours single Range requests (206), like the registry
  /no-range       ignores Range and always sends the whole blob with 200 (like `python3 -m http.server`)
  /drop/N         first request per run closes the connection after sending half the body; later ones behave
  /busy/N         answers 503 (Retry-After: 0) to the first N requests, then behaves
  /silent         reads the request and never answers (a registry that accepts and hangs)
  /missing        404
Prints "port <n>" on its first line once listening. Counts requests per path at /stats.
"""
import http.server
import json
import random
import sys
import threading
import time

BLOB = random.Random(42).randbytes(300_000)
COUNTS = {}
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def count(self):
        with LOCK:
            COUNTS[self.path] = COUNTS.get(self.path, 0) + 1
            return COUNTS[self.path]

    def send_blob(self, honour_range=True, drop=False):
        start = 0
        header = self.headers.get("Range")
        if honour_range and header and header.startswith("bytes=") and header.endswith("-"):
            start = int(header[len("bytes="):-1])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(BLOB) - 1}/{len(BLOB)}")
        else:
            self.send_response(200)
        body = BLOB[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if drop:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)

    def do_GET(self):
        n = self.count()
        if self.path == "/stats":
            data = json.dumps(COUNTS).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif self.path == "/ok":
            self.send_blob()
        elif self.path == "/silent":
            time.sleep(3600)
        elif self.path == "/no-range":
            self.send_blob(honour_range=False)
        elif self.path.startswith("/drop/"):
            self.send_blob(drop=(n == 1))
        elif self.path.startswith("/busy/"):
            if n <= int(self.path.split("/")[2]):
                self.send_response(503)
                self.send_header("Retry-After", "0")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_blob()
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


def exit_with_parent():
    """The test process holds our stdin: when it ends, for any reason, so do we."""
    sys.stdin.read()
    import os
    os._exit(0)


threading.Thread(target=exit_with_parent, daemon=True).start()
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
