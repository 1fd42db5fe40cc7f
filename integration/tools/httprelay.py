"""Forwarding for the loopback link simulators (integration/bench/throttle_proxy.py and the agent
tests' fault_proxy.py): fetch the upstream answer to the request a handler received, then replay it."""
import http.client

HOP_BY_HOP = ("connection", "transfer-encoding", "content-length")


def fetch_upstream(handler, method, upstream_port):
    """Sends the handler's request to 127.0.0.1:upstream_port; returns (status, headers, body)."""
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else None
    upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
    headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")}
    upstream.request(method, handler.path, body=body, headers=headers)
    response = upstream.getresponse()
    payload = response.read()
    upstream.close()
    return response.status, response.getheaders(), payload


def send_head(handler, status, headers, length):
    """Writes the status line and the upstream headers, with our own Content-Length."""
    handler.send_response(status)
    for key, value in headers:
        if key.lower() not in HOP_BY_HOP:
            handler.send_header(key, value)
    handler.send_header("Content-Length", str(length))
    handler.end_headers()


def send_json(handler, data):
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
