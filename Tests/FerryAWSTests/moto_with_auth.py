#!/usr/bin/env python3
"""A moto server that enforces IAM: it recomputes every request's SigV4 signature with botocore and
evaluates the caller's policy. Creates a user allowed only rds:DescribeDBSnapshots and
sts:GetCallerIdentity, writes its keys as JSON to the file named by --keys, then prints its port.
"""
import argparse
import json
import os
import socket

os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"  # the three IAM calls below; read when moto is imported

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["rds:DescribeDBSnapshots", "sts:GetCallerIdentity"], "Resource": "*"}]}

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", required=True)
    arguments = parser.parse_args()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{port}",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="ferry")
    key = iam.create_access_key(UserName="ferry")["AccessKey"]
    iam.put_user_policy(UserName="ferry", PolicyName="describe-only", PolicyDocument=json.dumps(POLICY))
    with open(arguments.keys, "w") as keys:
        json.dump({"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}, keys)
    print(port, flush=True)
    server._thread.join()
