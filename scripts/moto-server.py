#!/usr/bin/env python3
"""The moto AWS server on loopback, as Ferry's tests and demo use it.

Stock moto (5.2) makes every RDS snapshot, instance and cluster `available` the instant it is created, so
the waiting paths of Ferry's workflows would never run. Two environment variables make new resources wait:

  FERRY_MOTO_SNAPSHOT_POLLS=N   (default 0) a DB snapshot or DB cluster snapshot made by CreateDBSnapshot,
                                CreateDBClusterSnapshot, CopyDBSnapshot or CopyDBClusterSnapshot reports
                                `creating` (a copy: `copying`) in the create/copy response and in the first
                                N DescribeDBSnapshots / DescribeDBClusterSnapshots responses that include
                                it; from the (N+1)th on, `available`.
  FERRY_MOTO_INSTANCE_POLLS=N   (default 0) likewise `creating` → `available` for a DB instance made by
                                CreateDBInstance or RestoreDBInstanceFromDBSnapshot and a DB cluster made by
                                CreateDBCluster or RestoreDBClusterFromSnapshot, counted over
                                DescribeDBInstances / DescribeDBClusters.

The patch wraps those operations in moto's RDS response class (moto/rds/responses.py, `RDSResponse`), in
this process, before the server starts: a create/copy marks the stored model object pending and sets its
`status`; a describe, after moto has listed the objects and before they are serialised, counts one poll on
each pending object it returns and makes it `available` once its polls are used up. Only API calls count:
moto's internal describes (e.g. inside a restore) do not, and snapshots moto takes by itself (automated
backups) are not delayed. moto's DBCluster turns `creating` into `available` the first time its status is
read; its getter is wrapped to leave a pending cluster alone.
"""
import argparse
import os
import signal
import sys

from moto.rds.models import DBCluster
from moto.rds.responses import RDSResponse
from moto.server import ThreadedMotoServer

PENDING = "_ferry_pending"  # on a model object: [describes left before `available`, status shown until then]


def mark_pending(model: object, polls: int, status: str) -> None:
    setattr(model, PENDING, [polls, status])
    model.status = status


def count_poll(model: object) -> None:
    pending = getattr(model, PENDING, None)
    if pending is None:
        return
    if pending[0] > 0:
        pending[0] -= 1
    else:
        delattr(model, PENDING)
        model.status = "available"


def returned_model(response: RDSResponse, model: object) -> object:
    return model


def wrap_create(action: str, key: str, polls: int, status: str, stored=returned_model) -> None:
    original = getattr(RDSResponse, action)

    def create(self: RDSResponse):
        result = original(self)
        mark_pending(stored(self, result.result[key]), polls, status)
        return result

    setattr(RDSResponse, action, create)


def wrap_describe(action: str, key: str) -> None:
    original = getattr(RDSResponse, action)

    def describe(self: RDSResponse):
        result = original(self)
        for model in result.result[key]:
            count_poll(model)
        return result

    setattr(RDSResponse, action, describe)


def keep_pending_clusters_creating() -> None:
    original = DBCluster.status

    def status(self: DBCluster) -> str:
        return self._status if hasattr(self, PENDING) else original.fget(self)

    DBCluster.status = property(status, original.fset)


def stored_cluster(response: RDSResponse, returned: DBCluster) -> DBCluster:
    # CreateDBCluster returns a copy of the cluster it stored; the describes list the stored one.
    return response.backend.clusters[returned.db_cluster_identifier]


def install(snapshot_polls: int, instance_polls: int) -> None:
    if snapshot_polls > 0:
        wrap_create("create_db_snapshot", "DBSnapshot", snapshot_polls, "creating")
        wrap_create("copy_db_snapshot", "DBSnapshot", snapshot_polls, "copying")
        wrap_create("create_db_cluster_snapshot", "DBClusterSnapshot", snapshot_polls, "creating")
        wrap_create("copy_db_cluster_snapshot", "DBClusterSnapshot", snapshot_polls, "copying")
        wrap_describe("describe_db_snapshots", "DBSnapshots")
        wrap_describe("describe_db_cluster_snapshots", "DBClusterSnapshots")
    if instance_polls > 0:
        wrap_create("create_db_instance", "DBInstance", instance_polls, "creating")
        wrap_create("restore_db_instance_from_db_snapshot", "DBInstance", instance_polls, "creating")
        wrap_create("create_db_cluster", "DBCluster", instance_polls, "creating", stored_cluster)
        wrap_create("restore_db_cluster_from_snapshot", "DBCluster", instance_polls, "creating", stored_cluster)
        wrap_describe("describe_db_instances", "DBInstances")
        wrap_describe("describe_db_clusters", "DBClusters")
        keep_pending_clusters_creating()


def polls_from_environment(name: str) -> int:
    text = os.environ.get(name, "0")
    if not text.isdigit():
        sys.exit(f"moto-server.py: {name} must be a whole number of polls, not {text!r}")
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    # A parent may hand down a signal mask that blocks SIGTERM (Swift's Foundation.Process does): unblock
    # everything so that the server stops when it is told to.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    install(polls_from_environment("FERRY_MOTO_SNAPSHOT_POLLS"), polls_from_environment("FERRY_MOTO_INSTANCE_POLLS"))
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    server._thread.join()


if __name__ == "__main__":
    main()
