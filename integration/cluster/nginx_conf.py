"""The nginx front of a ModelFleet cluster: round-robin over the registry replicas for the API, and a
shared cache for chunk GETs.

Chunks are immutable and named by their digest (the registry sends `Cache-Control: public, immutable`
and a strong ETag), so a cached copy never goes stale. A cached chunk is still only served to a caller
the registry accepts: every chunk GET first asks a replica with `auth_request` (a HEAD of the same
chunk with the caller's token, no body), so the cache saves the replicas the bytes, not the check.
"""


def render(work, port, replicas, cache_size="1g"):
    upstream = "\n".join(f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=2s;" for p in replicas)
    # nginx inherits proxy_set_header from the server only into locations that set none of their own, so the
    # chunk locations repeat these. Without `Connection ""` nginx sent those requests with `Connection: close`
    # on pooled keep-alive connections: the replica closed each after its answer (which does not say `close`),
    # nginx put it back in the pool, and the next request on it failed ("upstream prematurely closed
    # connection", a 400, then "no live upstreams"): agents' chunk downloads failed at random.
    forward = """proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"""
    return f"""worker_processes 2;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    # The combined format, then how long each request took and which replica answered it.
    log_format timed '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" '
                     '"$http_user_agent" $request_time $upstream_addr $upstream_status';
    access_log {work}/nginx-access.log timed;
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    fastcgi_temp_path {work}/nginx-fastcgi;
    uwsgi_temp_path {work}/nginx-uwsgi;
    scgi_temp_path {work}/nginx-scgi;
    proxy_cache_path {work}/nginx-cache levels=2:2 keys_zone=chunks:32m max_size={cache_size} inactive=30d use_temp_path=off;
    client_max_body_size 64m;

    upstream registry {{
{upstream}
        keepalive 64;
    }}

    server {{
        listen 127.0.0.1:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        # A replica that dies mid-request: idempotent requests go to the next one. Not on a replica's 503: that is
        # its verdict on what all replicas share (PostgreSQL or S3 unreachable), which the next one would repeat,
        # and nginx counts it against max_fails: a burst of them marked every replica down, and clients got
        # nginx's "502 Bad Gateway" page instead of the registry's 503 saying what is wrong.
        proxy_next_upstream error timeout http_502;

        location / {{
            proxy_pass http://registry;
        }}

        # Chunk bytes: immutable, cached whole by digest, after the registry accepted the caller's token.
        # Ranges are cut from the cached whole chunk; uploads (PUT) go straight to a replica.
        location ~ "^/v1/chunks/sha256:[0-9a-f]{{64}}$" {{
            error_page 418 = @upload;
            if ($request_method = PUT) {{ return 418; }}
            auth_request /_chunk-auth;
            proxy_cache chunks;
            proxy_cache_key $uri;
            proxy_cache_valid 200 365d;
            proxy_cache_lock on;
            {forward}
            proxy_set_header Range "";
            proxy_set_header If-Range "";
            proxy_force_ranges on;
            add_header X-Cache-Status $upstream_cache_status always;
            proxy_pass http://registry;
        }}

        location @upload {{
            proxy_pass http://registry;
        }}

        location = /_chunk-auth {{
            internal;
            proxy_method HEAD;
            proxy_pass_request_body off;
            {forward}
            proxy_set_header Content-Length "";
            proxy_pass http://registry$request_uri;
        }}
    }}
}}
"""
