#!/usr/bin/env python3
"""A loopback stand-in for the EC2 instance metadata service (v2), the container credentials endpoint
and STS (AssumeRole, AssumeRoleWithWebIdentity), for the credential chain tests.

Prints its port on the first line of stdout, then serves until killed. GET /stats answers how many
times each credential document was served, so tests can check caching and refresh.
"""
import argparse
import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

COUNTS = {}
LOCK = threading.Lock()


def count(name):
    with LOCK:
        COUNTS[name] = COUNTS.get(name, 0) + 1


class Handler(BaseHTTPRequestHandler):
    expires_in = 3600

    def log_message(self, *args):
        pass

    def expiration(self):
        moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.expires_in)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def answer(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def credentials_json(self, key_id):
        return json.dumps({"Code": "Success", "AccessKeyId": key_id, "SecretAccessKey": "secret-" + key_id,
                           "Token": "token-" + key_id, "Expiration": self.expiration()})

    def do_PUT(self):
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.answer(200, "imds-session-token", "text/plain")
        self.answer(400, "bad token request", "text/plain")

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                return self.answer(200, json.dumps(COUNTS))
        if self.path.startswith("/latest/meta-data/iam/security-credentials/"):
            if self.headers.get("X-aws-ec2-metadata-token") != "imds-session-token":
                return self.answer(401, "", "text/plain")
            if self.path.endswith("/"):
                return self.answer(200, "ferry-role\n", "text/plain")
            count("imds")
            return self.answer(200, self.credentials_json("ASIAIMDS"))
        if self.path == "/container/credentials":
            if self.headers.get("Authorization") != "container-auth-token":
                return self.answer(401, json.dumps({"code": "Unauthorized"}))
            count("container")
            return self.answer(200, self.credentials_json("ASIACONTAINER"))
        self.answer(404, "", "text/plain")

    def do_POST(self):
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()).items()}
        action = form.get("Action")
        authorization = self.headers.get("Authorization", "")
        if action == "AssumeRoleWithWebIdentity" and form.get("WebIdentityToken") == "web-identity-token" and not authorization:
            count("web-identity")
            return self.answer(200, self.sts_xml(action, "ASIAWEB"), "text/xml")
        if action == "AssumeRole" and "Credential=AKIDSOURCE/" in authorization and form.get("RoleArn"):
            count("assume-role")
            return self.answer(200, self.sts_xml(action, "ASIAROLE"), "text/xml")
        self.answer(403, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>refused</Message></Error>"
                         "<RequestId>fake</RequestId></ErrorResponse>", "text/xml")

    def sts_xml(self, action, key_id):
        return (f"<{action}Response><{action}Result><Credentials><AccessKeyId>{key_id}</AccessKeyId>"
                f"<SecretAccessKey>secret-{key_id}</SecretAccessKey><SessionToken>token-{key_id}</SessionToken>"
                f"<Expiration>{self.expiration()}</Expiration></Credentials></{action}Result></{action}Response>")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--expires-in", type=int, default=3600)
    Handler.expires_in = parser.parse_args().expires_in
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
