#!/usr/bin/env python3
"""Signs requests with botocore's own SigV4 signer, for comparison with Ferry's.

Reads a JSON list of cases on stdin, writes a JSON list of results on stdout. A case has: method, host,
path (as on the wire), query (list of [name, value], raw), headers (list of [name, value]), body (text),
region, service, time (Unix seconds), access_key, secret_key, token (or null), presign (bool), expires.
A result is {"authorization": ..., "date": ...} for header signing or {"url": ...} for presigning.
"""
import datetime
import json
import sys
from unittest import mock
from urllib.parse import quote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(case):
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in case["query"])
    url = f"http://{case['host']}{case['path']}" + (f"?{query}" if query else "")
    request = AWSRequest(method=case["method"], url=url, data=case["body"].encode("utf-8"))
    for name, value in case["headers"]:
        request.headers[name] = value
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    when = datetime.datetime.fromtimestamp(case["time"], tz=datetime.timezone.utc).replace(tzinfo=None)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        if case["presign"]:
            signer = botocore.auth.SigV4QueryAuth(credentials, case["service"], case["region"], case["expires"])
            signer.add_auth(request)
            return {"url": request.url}
        botocore.auth.SigV4Auth(credentials, case["service"], case["region"]).add_auth(request)
        return {"authorization": request.headers["Authorization"], "date": request.headers["X-Amz-Date"]}


if __name__ == "__main__":
    json.dump([sign(case) for case in json.load(sys.stdin)], sys.stdout)
