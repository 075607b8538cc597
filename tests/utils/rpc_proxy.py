"""A JSON-RPC proxy in front of a node, for outage tests: it can go down (every request gets its connection
closed without an answer) and can lose the answer to the next `eth_sendRawTransaction` (forwarded to the node,
then the connection is dropped and the proxy stays down for a while)."""

import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        proxy: RpcProxy = self.server.proxy  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if proxy.is_down():
            self.close_connection = True
            return
        request = urllib.request.Request(
            proxy.upstream, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = response.read()
        if proxy.drop_next_send and b"eth_sendRawTransaction" in body:
            proxy.drop_next_send = False
            proxy.sends_forwarded += 1
            proxy.go_down(proxy.outage_seconds)
            self.close_connection = True
            return
        if b"eth_sendRawTransaction" in body:
            proxy.sends_forwarded += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class RpcProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.proxy = self  # type: ignore[attr-defined]
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.drop_next_send = False
        self.outage_seconds = 2.0
        self.sends_forwarded = 0
        self._down_until = 0.0
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def go_down(self, seconds: float) -> None:
        self._down_until = time.monotonic() + seconds

    def is_down(self) -> bool:
        return time.monotonic() < self._down_until
