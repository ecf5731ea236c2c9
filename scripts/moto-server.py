#!/usr/bin/env python3
"""The moto AWS server on loopback, as Ferry's tests and demo use it.

Stock moto makes every RDS snapshot `available` the instant it is created, so the waiting path of the
backup cycle would never run. With FERRY_MOTO_SNAPSHOT_POLLS=N (default 0) every new DB snapshot and DB
cluster snapshot reports `creating` (a copy reports `copying`) for its first N describes, then `available`.
"""
import argparse
import os

from moto.server import ThreadedMotoServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    server._thread.join()


if __name__ == "__main__":
    main()
