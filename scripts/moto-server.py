#!/usr/bin/env python3
"""The moto AWS server on loopback, as Ferry's tests and demo use it: moto with Ferry's RDS emulator.

    python3 scripts/moto-server.py --port PORT [--host 127.0.0.1]

scripts/rds_emulator.py (beside this file; its docstring explains the model) patches moto's RDS in this
process so that it behaves like Amazon RDS where Ferry cares (statuses, pagination, quotas, encryption rules,
deletes) and adds the control API under /ferry-api/ on the same port. Two environment variables make new
resources wait, in regions the control API has not switched to time mode:

  FERRY_MOTO_SNAPSHOT_POLLS=N   (default 0) a DB snapshot or DB cluster snapshot made by CreateDBSnapshot,
                                CreateDBClusterSnapshot, CopyDBSnapshot or CopyDBClusterSnapshot reports
                                `creating` (a DB snapshot copy: `pending`, then `creating`; a cluster
                                snapshot copy: `copying`) in the create/copy response and in the first N
                                DescribeDBSnapshots / DescribeDBClusterSnapshots responses that include it;
                                from the (N+1)th on, `available`.
  FERRY_MOTO_INSTANCE_POLLS=N   (default 0) likewise `creating` → `available` for a DB instance made by
                                CreateDBInstance or RestoreDBInstanceFromDBSnapshot and a DB cluster made by
                                CreateDBCluster or RestoreDBClusterFromSnapshot, counted over
                                DescribeDBInstances / DescribeDBClusters.
"""
import argparse
import signal
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

sys.dont_write_bytecode = True  # no scripts/__pycache__ in the work tree
import rds_emulator  # noqa: E402  (beside this file: the script's directory is on sys.path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    # A parent may hand down a signal mask that blocks SIGTERM (Swift's Foundation.Process does): unblock
    # everything so that the server stops when it is told to.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    emulator = rds_emulator.install_from_environment()
    # What moto's ThreadedMotoServer serves, with the emulator's control API in front.
    app = emulator.wsgi(DomainDispatcherApplication(create_backend_app))
    make_server(args.host, args.port, app, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
