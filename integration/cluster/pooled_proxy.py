"""A forwarding proxy that sends every request over one kept-alive connection to one replica, as nginx's
`keepalive` pool does when traffic is light: requests of different clients follow each other on the same
upstream connection. check.py uses it to make that reuse certain (through nginx it is up to the pool)."""
import http.client
import http.server
import threading

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "host", "content-length"}


def start(listen_port, upstream_port):
    """Serves on 127.0.0.1:listen_port in a daemon thread; returns the server (call .shutdown())."""
    lock = threading.Lock()
    upstream = [None]

    class Forward(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            with lock:
                if upstream[0] is None:
                    upstream[0] = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                try:
                    upstream[0].request(self.command, self.path, body=body, headers=headers)
                    response = upstream[0].getresponse()
                    status, answer, reply_headers = response.status, response.read(), response.getheaders()
                except (OSError, http.client.HTTPException) as error:
                    upstream[0] = None
                    status, answer, reply_headers = 502, f"upstream failed: {error}".encode(), []
            self.send_response(status)
            for name, value in reply_headers:
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = forward

        def log_message(self, *arguments):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", listen_port), Forward)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
