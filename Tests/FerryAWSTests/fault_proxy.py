#!/usr/bin/env python3
"""A fault-injecting HTTP proxy on loopback, in front of the moto server, for the retry tests.

    fault_proxy.py --upstream http://127.0.0.1:PORT --faults throttle,html500,reset,slow:3,truncate

The first requests get the listed faults, one each, in order; every later request is forwarded as is.
Faults: `throttle` (400 Throttling, as RDS sends it), `html500` (a 500 HTML page), `xml503` (503
ServiceUnavailable), `reset` (TCP reset, no answer), `slow:S` (wait S seconds, then forward), `truncate`
(forward, but cut the body short of its Content-Length). Prints its port on the first line of stdout.
GET /fault-proxy/stats answers {"requests": N, "faults": N}.
"""
import argparse
import http.client
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

STATE = {"requests": 0, "faults": 0}
LOCK = threading.Lock()
THROTTLE = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
            b"</Error><RequestId>fault-proxy</RequestId></ErrorResponse>")
UNAVAILABLE = (b"<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>Try again</Message>"
               b"</Error><RequestId>fault-proxy</RequestId></ErrorResponse>")


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None
    faults = []

    def log_message(self, *args):
        pass

    def next_fault(self):
        with LOCK:
            STATE["requests"] += 1
            if self.faults:
                STATE["faults"] += 1
                return self.faults.pop(0)
        return None

    def reply(self, status, body, content_type, declared_length=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(declared_length if declared_length is not None else len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/fault-proxy/stats":
            with LOCK:
                return self.reply(200, json.dumps(STATE).encode(), "application/json")
        self.forward(b"")

    def do_POST(self):
        self.forward(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def forward(self, body):
        fault = self.next_fault()
        if fault == "throttle":
            return self.reply(400, THROTTLE, "text/xml")
        if fault == "xml503":
            return self.reply(503, UNAVAILABLE, "text/xml")
        if fault == "html500":
            return self.reply(500, b"<!doctype html><title>500 Internal Server Error</title>", "text/html")
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if fault and fault.startswith("slow:"):
            time.sleep(float(fault.split(":", 1)[1]))
        target = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if fault == "truncate":
            self.reply(response.status, data[: len(data) // 2], response.getheader("Content-Type", "text/xml"), len(data))
            self.close_connection = True
            return
        self.reply(response.status, data, response.getheader("Content-Type", "text/xml"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--faults", default="")
    arguments = parser.parse_args()
    Proxy.upstream = arguments.upstream
    Proxy.faults = [f for f in arguments.faults.split(",") if f]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    print(server.server_address[1], flush=True)
    server.serve_forever()
