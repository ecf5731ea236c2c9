#!/usr/bin/env python3
"""The PreSignedUrl botocore's RDS client puts into a cross-region CopyDBSnapshot/CopyDBClusterSnapshot.

Reads one JSON case on stdin: operation, params (the call's parameters, with SourceRegion), region (the
destination), time (Unix seconds), access_key, secret_key, token. Nothing is sent: the request is caught
before it leaves. Writes {"body": <the form body botocore would send>} on stdout.
"""
import datetime
import json
import sys
from unittest import mock

import botocore.auth
import botocore.session
from botocore.awsrequest import AWSResponse

case = json.load(sys.stdin)
session = botocore.session.get_session()
client = session.create_client("rds", region_name=case["region"], aws_access_key_id=case["access_key"],
                               aws_secret_access_key=case["secret_key"], aws_session_token=case.get("token"))
captured = {}


class Raw:
    def stream(self, **kwargs):
        yield b""


def capture(request, **kwargs):
    captured["body"] = request.body.decode() if isinstance(request.body, bytes) else request.body
    name = case["operation"]
    return AWSResponse(request.url, 200, {}, Raw())


client.meta.events.register(f"before-send.rds.{case['operation']}", capture)
when = datetime.datetime.fromtimestamp(case["time"], tz=datetime.timezone.utc).replace(tzinfo=None)
with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
    try:
        getattr(client, botocore.xform_name(case["operation"]))(**case["params"])
    except Exception:
        pass  # the empty response does not parse; the request was captured before that
json.dump({"body": captured.get("body", "")}, sys.stdout)
