#!/usr/bin/env python3
"""Checks scripts/moto-server.py's FERRY_MOTO_SNAPSHOT_POLLS / FERRY_MOTO_INSTANCE_POLLS with boto3.

Starts the launcher twice on free loopback ports (polls 2, then the default 0) and walks instances,
clusters, snapshots, cross-region copies and restores through their statuses. No pytest needed:
`python3 Tests/FerryDRTests/moto_polls_check.py` prints one line per check and exits 1 on the first failure.
"""
import os
import socket
import subprocess
import sys
import time
import urllib.request

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCOUNT = "123456789012"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(polls: int | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ)
    env.pop("FERRY_MOTO_SNAPSHOT_POLLS", None)
    env.pop("FERRY_MOTO_INSTANCE_POLLS", None)
    if polls is not None:
        env["FERRY_MOTO_SNAPSHOT_POLLS"] = env["FERRY_MOTO_INSTANCE_POLLS"] = str(polls)
    server = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "scripts", "moto-server.py"), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("moto server did not start")


def rds(url: str, region: str):
    return boto3.client(
        "rds", region_name=region, endpoint_url=url, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def check(label: str, actual: list[str], expected: list[str]) -> None:
    if actual != expected:
        print(f"FAIL {label}: {actual} != {expected}")
        sys.exit(1)
    print(f"ok   {label}: {' → '.join(actual)}")


def instance_status(client, name: str) -> str:
    return client.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]["DBInstanceStatus"]


def cluster_status(client, name: str) -> str:
    return client.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]["Status"]


def snapshot_status(client, name: str) -> str:
    return client.describe_db_snapshots(DBSnapshotIdentifier=name)["DBSnapshots"][0]["Status"]


def cluster_snapshot_status(client, name: str) -> str:
    return client.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=name)["DBClusterSnapshots"][0]["Status"]


def walk(first: str, describe, times: int) -> list[str]:
    return [first] + [describe() for _ in range(times)]


def with_two_polls(url: str) -> None:
    primary, dr = rds(url, "us-east-1"), rds(url, "us-west-2")
    created = primary.create_db_instance(
        DBInstanceIdentifier="orders-db", DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="ferry", MasterUserPassword="password123", AllocatedStorage=20,
    )["DBInstance"]["DBInstanceStatus"]
    check("instance", walk(created, lambda: instance_status(primary, "orders-db"), 3),
          ["creating", "creating", "creating", "available"])

    created = primary.create_db_snapshot(DBInstanceIdentifier="orders-db", DBSnapshotIdentifier="ferry-orders-db-1")
    check("snapshot", walk(created["DBSnapshot"]["Status"], lambda: snapshot_status(primary, "ferry-orders-db-1"), 3),
          ["creating", "creating", "creating", "available"])

    # A describe of all snapshots counts as a poll for each snapshot it lists.
    primary.create_db_snapshot(DBInstanceIdentifier="orders-db", DBSnapshotIdentifier="ferry-orders-db-2")
    listed = lambda: {s["DBSnapshotIdentifier"]: s["Status"] for s in primary.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]}
    check("list of snapshots", [str(listed()), str(listed()), str(listed())], [
        str({"ferry-orders-db-1": "available", "ferry-orders-db-2": "creating"}),
        str({"ferry-orders-db-1": "available", "ferry-orders-db-2": "creating"}),
        str({"ferry-orders-db-1": "available", "ferry-orders-db-2": "available"}),
    ])

    source_arn = f"arn:aws:rds:us-east-1:{ACCOUNT}:snapshot:ferry-orders-db-1"
    copied = dr.copy_db_snapshot(
        SourceDBSnapshotIdentifier=source_arn, TargetDBSnapshotIdentifier="ferry-orders-db-1", SourceRegion="us-east-1"
    )["DBSnapshot"]["Status"]
    # moto's restore describes the snapshot internally (and does not insist on `available`): that is no poll.
    restored = dr.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="orders-db-restored", DBSnapshotIdentifier="ferry-orders-db-1"
    )["DBInstance"]["DBInstanceStatus"]
    check("cross-region copy, polls untouched by the restore",
          walk(copied, lambda: snapshot_status(dr, "ferry-orders-db-1"), 3), ["pending", "pending", "creating", "available"])
    check("restored instance", walk(restored, lambda: instance_status(dr, "orders-db-restored"), 3),
          ["creating", "creating", "creating", "available"])

    created = primary.create_db_cluster(
        DBClusterIdentifier="billing", Engine="aurora-postgresql", MasterUsername="ferry", MasterUserPassword="password123"
    )["DBCluster"]["Status"]
    check("cluster", walk(created, lambda: cluster_status(primary, "billing"), 3),
          ["creating", "creating", "creating", "available"])

    created = primary.create_db_cluster_snapshot(DBClusterIdentifier="billing", DBClusterSnapshotIdentifier="ferry-billing-1")
    check("cluster snapshot",
          walk(created["DBClusterSnapshot"]["Status"], lambda: cluster_snapshot_status(primary, "ferry-billing-1"), 3),
          ["creating", "creating", "creating", "available"])

    copied = dr.copy_db_cluster_snapshot(
        SourceDBClusterSnapshotIdentifier=f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster-snapshot:ferry-billing-1",
        TargetDBClusterSnapshotIdentifier="ferry-billing-1", SourceRegion="us-east-1",
    )["DBClusterSnapshot"]["Status"]
    check("cross-region cluster copy", walk(copied, lambda: cluster_snapshot_status(dr, "ferry-billing-1"), 3),
          ["copying", "copying", "copying", "available"])

    restored = dr.restore_db_cluster_from_snapshot(
        DBClusterIdentifier="billing-restored", SnapshotIdentifier="ferry-billing-1", Engine="aurora-postgresql"
    )["DBCluster"]["Status"]
    check("restored cluster", walk(restored, lambda: cluster_status(dr, "billing-restored"), 3),
          ["creating", "creating", "creating", "available"])


def by_default(url: str) -> None:
    primary = rds(url, "us-east-1")
    primary.create_db_instance(
        DBInstanceIdentifier="orders-db", DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="ferry", MasterUserPassword="password123", AllocatedStorage=20,
    )
    created = primary.create_db_snapshot(DBInstanceIdentifier="orders-db", DBSnapshotIdentifier="s1")["DBSnapshot"]["Status"]
    check("default: snapshot", [created, snapshot_status(primary, "s1")], ["available", "available"])
    check("default: instance", [instance_status(primary, "orders-db")], ["available"])


def main() -> None:
    for polls, scenario in [(2, with_two_polls), (None, by_default)]:
        server, url = start_server(polls)
        try:
            scenario(url)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print("moto polls: all checks passed")


if __name__ == "__main__":
    main()
