#!/usr/bin/env python3
"""An AWS endpoint on loopback that answers every request with garbage, for the hostile-answer tests.

    hostile_endpoint.py --mode deep|markers|huge

`deep`: HTTP 200 with 200,000 nested XML elements. `markers`: for any Action, an empty page of the
`<Action>Response` shape with a fresh `<Marker>` every time (pagination that never ends). `huge`: HTTP 200
with a 20 MB body. Prints its port on the first line of stdout. GET /stats answers {"requests": N}.
"""
import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

STATE = {"requests": 0}
LOCK = threading.Lock()
DEPTH = 200_000


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # a thousand keep-alive pages must not each wait for a delayed ACK
    mode = "deep"

    def log_message(self, *args):
        pass

    def reply(self, body, content_type="text/xml"):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                return self.reply(json.dumps(STATE).encode(), "application/json")
        self.answer("Unknown")

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        self.answer(form.get("Action", ["Unknown"])[0])

    def answer(self, action):
        with LOCK:
            STATE["requests"] += 1
            count = STATE["requests"]
        if self.mode == "deep":
            self.reply(b"<a>" * DEPTH + b"</a>" * DEPTH)
        elif self.mode == "markers":
            self.reply((f"<{action}Response><{action}Result><Marker>marker-{count}</Marker>"
                        f"<DBSnapshots/><DBInstances/></{action}Result></{action}Response>").encode())
        else:
            self.reply(b"<x>" + b" " * (20 << 20) + b"</x>")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["deep", "markers", "huge"], required=True)
    Hostile.mode = parser.parse_args().mode
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
