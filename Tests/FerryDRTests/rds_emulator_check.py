#!/usr/bin/env python3
"""Checks scripts/rds_emulator.py (through scripts/moto-server.py) with boto3 and its control API.

Starts the launcher on a free loopback port with FERRY_MOTO_SNAPSHOT_POLLS=2 and FERRY_MOTO_INSTANCE_POLLS=2
(as scripts/services.sh's slow moto) and walks every behaviour the emulator adds to moto: pagination, copy
statuses, copy limits, manual snapshot quotas, DescribeAccountAttributes, the KMS rules of copies, deletes,
time mode with the emulator clock, call counts, crash-test kills and a region that is down. Each scenario uses regions of its own, as tests running in
parallel against one emulator do. No pytest needed: `python3 Tests/FerryDRTests/rds_emulator_check.py` prints
one line per check and exits 1 on the first failure.
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import http.client

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from moto_polls_check import ROOT, start_server  # the launcher, beside this file

ACCOUNT = "123456789012"
POLLS = 2


class Emulator:
    def __init__(self, url: str):
        self.url = url

    def client(self, service: str, region: str, attempts: int | None = None):
        config = Config(retries={"total_max_attempts": attempts}) if attempts else None
        return boto3.client(service, region_name=region, endpoint_url=self.url, config=config,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def rds(self, region: str):
        return self.client("rds", region)

    def api(self, method: str, path: str, body=None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as failure:
            return failure.code, json.loads(failure.read())

    def ok(self, method: str, path: str, body=None) -> dict:
        status, answer = self.api(method, path, body)
        if status != 200:
            fail(f"{method} {path}", f"HTTP {status}: {answer}")
        return answer


# ---- checking


def fail(label: str, why: str) -> None:
    print(f"FAIL {label}: {why}")
    sys.exit(1)


def check(label: str, actual, expected) -> None:
    if actual != expected:
        fail(label, f"{actual!r} != {expected!r}")
    shown = " → ".join(map(str, actual)) if isinstance(actual, list) and len(str(actual)) < 150 else "as expected"
    print(f"ok   {label}: {shown}")


def refused(label: str, call, code: str, status: int = 400, message: str | None = None) -> None:
    try:
        call()
    except ClientError as failure:
        error, http = failure.response["Error"], failure.response["ResponseMetadata"]["HTTPStatusCode"]
        if error.get("Code") != code or http != status or error.get("Type") != "Sender":
            fail(label, f"got {error} (HTTP {http}), expected {code} (HTTP {status}, Sender)")
        if message is not None and message not in error.get("Message", ""):
            fail(label, f"message {error.get('Message')!r} does not contain {message!r}")
        print(f"ok   {label}: {code} ({status}) {error.get('Message')}")
        return
    fail(label, f"succeeded; expected {code}")


# ---- fixtures


def make_instance(rds, name: str, **extra) -> None:
    rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="ferry", MasterUserPassword="password123", AllocatedStorage=20, **extra)


def make_cluster(rds, name: str, **extra) -> None:
    rds.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-postgresql", MasterUsername="ferry",
                          MasterUserPassword="password123", **extra)


def snapshot(rds, name: str) -> dict:
    return rds.describe_db_snapshots(DBSnapshotIdentifier=name)["DBSnapshots"][0]


def cluster_snapshot(rds, name: str) -> dict:
    return rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=name)["DBClusterSnapshots"][0]


def available_snapshot(rds, instance: str, name: str) -> str:
    """A manual DB snapshot of `instance`, described until available; its ARN."""
    rds.create_db_snapshot(DBInstanceIdentifier=instance, DBSnapshotIdentifier=name)
    for _ in range(POLLS + 1):
        described = snapshot(rds, name)
    if described["Status"] != "available":
        fail(f"snapshot {name}", f"still {described['Status']}")
    return described["DBSnapshotArn"]


def available_cluster_snapshot(rds, cluster: str, name: str) -> str:
    rds.create_db_cluster_snapshot(DBClusterIdentifier=cluster, DBClusterSnapshotIdentifier=name)
    for _ in range(POLLS + 1):
        described = cluster_snapshot(rds, name)
    if described["Status"] != "available":
        fail(f"cluster snapshot {name}", f"still {described['Status']}")
    return described["DBClusterSnapshotArn"]


def progress(item: dict) -> str:
    return f"{item['Status']} {item.get('PercentProgress')}%"


# ---- scenarios


def pagination(emulator: Emulator) -> None:
    region = "eu-west-1"
    rds = emulator.rds(region)
    make_instance(rds, "paged")
    for index in range(45):
        rds.create_db_snapshot(DBInstanceIdentifier="paged", DBSnapshotIdentifier=f"paged-{index:02d}")
    pages, marker = [], None
    while True:
        page = rds.describe_db_snapshots(SnapshotType="manual", MaxRecords=20, **({"Marker": marker} if marker else {}))
        pages.append([item["DBSnapshotIdentifier"] for item in page["DBSnapshots"]])
        marker = page.get("Marker")
        if not marker:
            break
        if len(pages) > 5:
            fail("pagination", "markers never end")
    check("45 snapshots at MaxRecords 20: page sizes", [len(page) for page in pages], [20, 20, 5])
    check("pages in identifier order, each snapshot once", sum(pages, []), [f"paged-{index:02d}" for index in range(45)])
    check("default MaxRecords 100: one page, no marker",
          [len(rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]),
           "Marker" in rds.describe_db_snapshots(SnapshotType="manual")],
          [45, False])
    # Describes count a poll only on the snapshots of the page they return.
    fresh_region = "eu-south-2"
    fresh = emulator.rds(fresh_region)
    make_instance(fresh, "paged")
    for index in range(25):
        fresh.create_db_snapshot(DBInstanceIdentifier="paged", DBSnapshotIdentifier=f"fresh-{index:02d}")
    for _ in range(POLLS + 1):
        first = fresh.describe_db_snapshots(SnapshotType="manual", MaxRecords=20)
    second = fresh.describe_db_snapshots(SnapshotType="manual", MaxRecords=20, Marker=first["Marker"])
    check("polls count only on the page returned",
          [sorted({item["Status"] for item in first["DBSnapshots"]}), sorted({item["Status"] for item in second["DBSnapshots"]})],
          [["available"], ["creating"]])
    # A region's page_size caps every page, whatever MaxRecords asks.
    emulator.ok("POST", f"/ferry-api/regions/{region}", {"page_size": 20})
    capped = rds.describe_db_snapshots(SnapshotType="manual")
    check("page_size 20 caps a default page", [len(capped["DBSnapshots"]), "Marker" in capped], [20, True])
    emulator.ok("DELETE", f"/ferry-api/regions/{region}")
    status, _ = emulator.api("POST", f"/ferry-api/regions/{region}", {"page_size": 10})
    check("page_size below 20 refused", status, 400)
    refused("MaxRecords 10", lambda: rds.describe_db_snapshots(MaxRecords=10), "InvalidParameterValue",
            message="Must be between 20 and 100")
    refused("MaxRecords 101", lambda: rds.describe_db_instances(MaxRecords=101), "InvalidParameterValue")
    refused("a marker the emulator did not make", lambda: rds.describe_db_snapshots(Marker="garbage"), "InvalidParameterValue")

    # Instances, clusters and cluster snapshots page the same way.
    for index in range(21):
        make_instance(rds, f"paged-{index:02d}")
    make_cluster(rds, "paged-cluster")
    for index in range(21):
        make_cluster(rds, f"paged-c{index:02d}")
    for index in range(22):
        rds.create_db_cluster_snapshot(DBClusterIdentifier="paged-cluster", DBClusterSnapshotIdentifier=f"pc-{index:02d}")

    def walk(describe, key: str) -> list[int]:
        sizes, marker = [], None
        while True:
            page = describe(MaxRecords=20, **({"Marker": marker} if marker else {}))
            sizes.append(len(page[key]))
            marker = page.get("Marker")
            if not marker:
                return sizes

    check("22 DB instances at MaxRecords 20", walk(rds.describe_db_instances, "DBInstances"), [20, 2])
    check("22 DB clusters at MaxRecords 20", walk(rds.describe_db_clusters, "DBClusters"), [20, 2])
    check("22 manual cluster snapshots at MaxRecords 20",
          walk(lambda **page: rds.describe_db_cluster_snapshots(SnapshotType="manual", **page), "DBClusterSnapshots"),
          [20, 2])


def copy_statuses(emulator: Emulator) -> None:
    primary_region, dr_region = "eu-north-1", "eu-south-1"
    primary, dr = emulator.rds(primary_region), emulator.rds(dr_region)
    make_instance(primary, "orders")
    created = primary.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="orders-1")["DBSnapshot"]
    check("snapshot: creating with progress, then available",
          [progress(created)] + [progress(snapshot(primary, "orders-1")) for _ in range(POLLS + 1)],
          ["creating 0%", "creating 0%", "creating 50%", "available 100%"])
    copied = dr.copy_db_snapshot(SourceDBSnapshotIdentifier=f"arn:aws:rds:{primary_region}:{ACCOUNT}:snapshot:orders-1",
                                 TargetDBSnapshotIdentifier="orders-1-dr", SourceRegion=primary_region)["DBSnapshot"]
    walked = [copied] + [snapshot(dr, "orders-1-dr") for _ in range(POLLS + 1)]
    check("DB snapshot copy: pending, then creating, then available",
          [progress(item) for item in walked], ["pending 0%", "pending 0%", "creating 50%", "available 100%"])
    check("the copy names its source", [copied.get("SourceRegion"), copied.get("SourceDBSnapshotIdentifier")],
          [primary_region, f"arn:aws:rds:{primary_region}:{ACCOUNT}:snapshot:orders-1"])

    make_cluster(primary, "billing")
    available_cluster_snapshot(primary, "billing", "billing-1")
    copied = dr.copy_db_cluster_snapshot(
        SourceDBClusterSnapshotIdentifier=f"arn:aws:rds:{primary_region}:{ACCOUNT}:cluster-snapshot:billing-1",
        TargetDBClusterSnapshotIdentifier="billing-1-dr", SourceRegion=primary_region)["DBClusterSnapshot"]
    walked = [copied] + [cluster_snapshot(dr, "billing-1-dr") for _ in range(POLLS + 1)]
    check("DB cluster snapshot copy: copying, then available",
          [progress(item) for item in walked], ["copying 0%", "copying 0%", "copying 50%", "available 100%"])
    check("the cluster copy names its source", [copied.get("SourceDBClusterSnapshotArn")],
          [f"arn:aws:rds:{primary_region}:{ACCOUNT}:cluster-snapshot:billing-1"])


def copy_limits(emulator: Emulator) -> None:
    primary_region, dr_region = "ap-southeast-1", "ap-southeast-2"
    primary, dr = emulator.rds(primary_region), emulator.rds(dr_region)
    make_instance(primary, "orders")
    source = available_snapshot(primary, "orders", "orders-1")
    for index in range(20):
        dr.copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier=f"copy-{index:02d}",
                            SourceRegion=primary_region)
    print("ok   20 DB snapshot copies in progress into one region")
    refused("the 21st DB snapshot copy",
            lambda: dr.copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier="copy-20",
                                        SourceRegion=primary_region),
            "SnapshotQuotaExceeded", message="Cannot copy more than 20 snapshots across regions")
    # Another destination region has its own allowance; a finished copy frees a place.
    other = emulator.rds("ap-southeast-3")
    other.copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier="copy-20", SourceRegion=primary_region)
    for _ in range(POLLS + 1):
        snapshot(dr, "copy-00")
    dr.copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier="copy-20", SourceRegion=primary_region)
    print("ok   another destination region, and a finished copy frees a place")

    # Copies racing into one region: the limit holds (the server is threaded).
    racing_region = "ap-south-1"
    clients = [emulator.rds(racing_region) for _ in range(30)]
    outcomes: list[str] = []

    def race(index: int) -> None:
        try:
            clients[index].copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier=f"race-{index:02d}",
                                            SourceRegion=primary_region)
            outcomes.append("copied")
        except ClientError as failure:
            outcomes.append(failure.response["Error"]["Code"])

    threads = [threading.Thread(target=race, args=(index,)) for index in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check("30 copies racing into one region", [outcomes.count("copied"), outcomes.count("SnapshotQuotaExceeded")], [20, 10])

    make_cluster(primary, "billing")
    source = available_cluster_snapshot(primary, "billing", "billing-1")
    for index in range(5):
        dr.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=source,
                                    TargetDBClusterSnapshotIdentifier=f"ccopy-{index}", SourceRegion=primary_region)
    print("ok   5 DB cluster snapshot copies in progress into one region")
    refused("the 6th DB cluster snapshot copy",
            lambda: dr.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=source,
                                                TargetDBClusterSnapshotIdentifier="ccopy-5", SourceRegion=primary_region),
            "SnapshotQuotaExceeded", message="Cannot copy more than 5 snapshots across regions")
    # The limits come from the region's settings.
    emulator.ok("POST", f"/ferry-api/regions/{dr_region}", {"cluster_copies": 6, "copy_seconds": 3600})
    dr.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=source,
                                TargetDBClusterSnapshotIdentifier="ccopy-5", SourceRegion=primary_region)
    refused("the 7th with cluster_copies 6",
            lambda: dr.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=source,
                                                TargetDBClusterSnapshotIdentifier="ccopy-6", SourceRegion=primary_region),
            "SnapshotQuotaExceeded", message="Cannot copy more than 6 snapshots across regions")


def manual_quota(emulator: Emulator) -> None:
    region, other_region = "eu-central-1", "eu-central-2"
    answer = emulator.ok("POST", f"/ferry-api/regions/{region}", {"manual_snapshots": 3, "manual_cluster_snapshots": 2})
    check("region settings in force",
          [answer["mode"], answer["manual_snapshots"], answer["manual_cluster_snapshots"], answer["instance_copies"],
           answer["cluster_copies"], answer["snapshot_seconds"]],
          ["time", 3, 2, 20, 5, 0])
    check("GET returns them", emulator.ok("GET", f"/ferry-api/regions/{region}")["manual_snapshots"], 3)
    rds, other = emulator.rds(region), emulator.rds(other_region)
    make_instance(rds, "orders")  # moto also takes an automated snapshot: it does not count
    for index in range(3):
        rds.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier=f"orders-{index}")
    refused("the 4th manual snapshot", lambda: rds.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="orders-3"),
            "SnapshotQuotaExceeded", message="Cannot create more than 3 manual snapshots")
    refused("a copy into the full region",
            lambda: rds.copy_db_snapshot(SourceDBSnapshotIdentifier="orders-0", TargetDBSnapshotIdentifier="orders-copy"),
            "SnapshotQuotaExceeded", message="manual snapshots")
    make_instance(other, "elsewhere")
    source = available_snapshot(other, "elsewhere", "elsewhere-1")
    refused("a cross-region copy into the full region",
            lambda: rds.copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier="elsewhere-1",
                                         SourceRegion=other_region),
            "SnapshotQuotaExceeded", message="manual snapshots")
    quotas = {q["AccountQuotaName"]: (q["Used"], q["Max"]) for q in rds.describe_account_attributes()["AccountQuotas"]}
    check("DescribeAccountAttributes of the region", [quotas.get(name) for name in
          ["ManualSnapshots", "ManualClusterSnapshots", "DBInstances", "DBClusters"]], [(3, 3), (0, 2), (1, 40), (0, 40)])
    rds.delete_db_snapshot(DBSnapshotIdentifier="orders-2")
    rds.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="orders-3")
    print("ok   a deleted snapshot frees a place")

    make_cluster(rds, "billing")
    for index in range(2):
        rds.create_db_cluster_snapshot(DBClusterIdentifier="billing", DBClusterSnapshotIdentifier=f"billing-{index}")
    refused("the 3rd manual cluster snapshot",
            lambda: rds.create_db_cluster_snapshot(DBClusterIdentifier="billing", DBClusterSnapshotIdentifier="billing-2"),
            "SnapshotQuotaExceeded", message="Cannot create more than 2 manual cluster snapshots")
    refused("a cluster copy into the full region",
            lambda: rds.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier="billing-0",
                                                 TargetDBClusterSnapshotIdentifier="billing-copy"),
            "SnapshotQuotaExceeded", message="manual cluster snapshots")
    quotas = {q["AccountQuotaName"]: (q["Used"], q["Max"]) for q in rds.describe_account_attributes()["AccountQuotas"]}
    check("DescribeAccountAttributes after the clusters", [quotas.get(name) for name in
          ["ManualSnapshots", "ManualClusterSnapshots", "DBInstances", "DBClusters"]], [(3, 3), (2, 2), (1, 40), (1, 40)])
    quotas = {q["AccountQuotaName"]: (q["Used"], q["Max"]) for q in other.describe_account_attributes()["AccountQuotas"]}
    check("DescribeAccountAttributes of a region on AWS's limits", [quotas.get(name) for name in
          ["ManualSnapshots", "ManualClusterSnapshots", "DBInstances", "DBClusters"]], [(1, 100), (0, 100), (1, 40), (0, 40)])
    answer = emulator.ok("DELETE", f"/ferry-api/regions/{region}")
    check("DELETE restores AWS's limits and poll mode", [answer["mode"], answer["manual_snapshots"]], ["polls", 100])


def kms_rules(emulator: Emulator) -> None:
    primary_region, dr_region = "us-east-2", "ca-central-1"
    primary, dr = emulator.rds(primary_region), emulator.rds(dr_region)
    primary_key = emulator.client("kms", primary_region).create_key(Description="primary")["KeyMetadata"]["Arn"]
    dr_key = emulator.client("kms", dr_region).create_key(Description="dr")["KeyMetadata"]["Arn"]

    make_instance(primary, "secret", StorageEncrypted=True, KmsKeyId=primary_key)
    encrypted = available_snapshot(primary, "secret", "secret-1")
    refused("cross-region copy of an encrypted DB snapshot without KmsKeyId",
            lambda: dr.copy_db_snapshot(SourceDBSnapshotIdentifier=encrypted, TargetDBSnapshotIdentifier="secret-1",
                                        SourceRegion=primary_region),
            "InvalidParameterValue", message="Must specify new KMS key")
    copied = dr.copy_db_snapshot(SourceDBSnapshotIdentifier=encrypted, TargetDBSnapshotIdentifier="secret-1",
                                 SourceRegion=primary_region, KmsKeyId=dr_key)["DBSnapshot"]
    check("with the DR region's key", [copied["Encrypted"], copied.get("KmsKeyId")], [True, dr_key])
    primary.copy_db_snapshot(SourceDBSnapshotIdentifier="secret-1", TargetDBSnapshotIdentifier="secret-1-local")
    print("ok   a same-region copy of an encrypted DB snapshot needs no KmsKeyId")

    make_instance(primary, "plain")
    plain = available_snapshot(primary, "plain", "plain-1")
    copied = dr.copy_db_snapshot(SourceDBSnapshotIdentifier=plain, TargetDBSnapshotIdentifier="plain-1",
                                 SourceRegion=primary_region, KmsKeyId=dr_key)["DBSnapshot"]
    check("cross-region copy of an unencrypted DB snapshot with KmsKeyId is encrypted",
          [copied["Encrypted"], copied.get("KmsKeyId"), snapshot(dr, "plain-1")["Encrypted"]], [True, dr_key, True])

    make_cluster(primary, "plain-cluster")
    plain = available_cluster_snapshot(primary, "plain-cluster", "plain-c1")
    refused("copy of an unencrypted DB cluster snapshot with KmsKeyId",
            lambda: dr.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=plain, TargetDBClusterSnapshotIdentifier="plain-c1",
                                                SourceRegion=primary_region, KmsKeyId=dr_key),
            "InvalidDBClusterSnapshotStateFault", message="not encrypted")
    refused("same-region copy of an unencrypted DB cluster snapshot with KmsKeyId",
            lambda: primary.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier="plain-c1",
                                                     TargetDBClusterSnapshotIdentifier="plain-c1-local", KmsKeyId=primary_key),
            "InvalidDBClusterSnapshotStateFault")
    copied = dr.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=plain, TargetDBClusterSnapshotIdentifier="plain-c1",
                                         SourceRegion=primary_region)["DBClusterSnapshot"]
    check("without KmsKeyId it copies, unencrypted", [copied["StorageEncrypted"]], [False])

    make_cluster(primary, "secret-cluster", StorageEncrypted=True, KmsKeyId=primary_key)
    encrypted = available_cluster_snapshot(primary, "secret-cluster", "secret-c1")
    refused("cross-region copy of an encrypted DB cluster snapshot without KmsKeyId",
            lambda: dr.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=encrypted,
                                                TargetDBClusterSnapshotIdentifier="secret-c1", SourceRegion=primary_region),
            "InvalidParameterValue", message="Must specify new KMS key")
    copied = dr.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=encrypted, TargetDBClusterSnapshotIdentifier="secret-c1",
                                         SourceRegion=primary_region, KmsKeyId=dr_key)["DBClusterSnapshot"]
    check("with the DR region's key", [copied["StorageEncrypted"], copied.get("KmsKeyId")], [True, dr_key])


def deletes(emulator: Emulator) -> None:
    primary_region, dr_region = "eu-west-2", "eu-west-3"
    primary, dr = emulator.rds(primary_region), emulator.rds(dr_region)
    make_instance(primary, "orders")
    primary.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="orders-1")
    refused("deleting a creating DB snapshot", lambda: primary.delete_db_snapshot(DBSnapshotIdentifier="orders-1"),
            "InvalidDBSnapshotState", message="creating")
    refused("copying a creating DB snapshot",
            lambda: dr.copy_db_snapshot(SourceDBSnapshotIdentifier=f"arn:aws:rds:{primary_region}:{ACCOUNT}:snapshot:orders-1",
                                        TargetDBSnapshotIdentifier="orders-1", SourceRegion=primary_region),
            "InvalidDBSnapshotState")
    refused("deleting a DB snapshot that does not exist", lambda: primary.delete_db_snapshot(DBSnapshotIdentifier="nope"),
            "DBSnapshotNotFound", status=404)
    make_cluster(primary, "billing")
    primary.create_db_cluster_snapshot(DBClusterIdentifier="billing", DBClusterSnapshotIdentifier="billing-1")
    refused("deleting a creating DB cluster snapshot",
            lambda: primary.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier="billing-1"),
            "InvalidDBClusterSnapshotStateFault")

    for _ in range(POLLS + 1):
        snapshot(primary, "orders-1")
        cluster_snapshot(primary, "billing-1")
    source = f"arn:aws:rds:{primary_region}:{ACCOUNT}:snapshot:orders-1"
    dr.copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier="orders-1", SourceRegion=primary_region)
    refused("deleting a pending copy", lambda: dr.delete_db_snapshot(DBSnapshotIdentifier="orders-1"), "InvalidDBSnapshotState")
    snapshot(dr, "orders-1")
    primary.delete_db_snapshot(DBSnapshotIdentifier="orders-1")
    check("deleting the source fails the copy in progress", [snapshot(dr, "orders-1")["Status"] for _ in range(POLLS + 2)],
          ["failed"] * (POLLS + 2))
    dr.delete_db_snapshot(DBSnapshotIdentifier="orders-1")
    check("a failed copy can be deleted", [len(dr.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"])], [0])

    cluster_source = f"arn:aws:rds:{primary_region}:{ACCOUNT}:cluster-snapshot:billing-1"
    dr.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=cluster_source, TargetDBClusterSnapshotIdentifier="billing-1",
                                SourceRegion=primary_region)
    primary.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier="billing-1")
    check("deleting the source fails the cluster copy in progress",
          [cluster_snapshot(dr, "billing-1")["Status"] for _ in range(POLLS + 2)], ["failed"] * (POLLS + 2))
    dr.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier="billing-1")
    print("ok   a failed cluster copy can be deleted")

    # A finished copy does not care about its source.
    source = available_snapshot(primary, "orders", "orders-2")
    dr.copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier="orders-2", SourceRegion=primary_region)
    for _ in range(POLLS + 1):
        snapshot(dr, "orders-2")
    primary.delete_db_snapshot(DBSnapshotIdentifier="orders-2")
    check("deleting the source of a finished copy", [snapshot(dr, "orders-2")["Status"]], ["available"])


def time_mode(emulator: Emulator) -> None:
    primary_region, dr_region = "ap-northeast-1", "ap-northeast-2"
    both = {"regions": [primary_region, dr_region]}
    for region in both["regions"]:
        emulator.ok("POST", f"/ferry-api/regions/{region}", {"snapshot_seconds": 600, "copy_seconds": 1200})
    primary, dr = emulator.rds(primary_region), emulator.rds(dr_region)
    created = primary.create_db_instance(DBInstanceIdentifier="orders", DBInstanceClass="db.t3.micro", Engine="postgres",
                                         MasterUsername="ferry", MasterUserPassword="password123", AllocatedStorage=20)
    check("time mode: instance_seconds 0 means available at once", [created["DBInstance"]["DBInstanceStatus"]], ["available"])
    created = primary.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="orders-1")["DBSnapshot"]
    walked = [progress(created)] + [progress(snapshot(primary, "orders-1")) for _ in range(POLLS + 2)]
    emulator.ok("POST", "/ferry-api/clock", {"advance_seconds": 300, **both})
    walked.append(progress(snapshot(primary, "orders-1")))
    emulator.ok("POST", "/ferry-api/clock", {"advance_seconds": 300, **both})
    walked.append(progress(snapshot(primary, "orders-1")))
    check("time mode: describes do not count, the clock does", walked,
          ["creating 0%"] * (POLLS + 3) + ["creating 50%", "available 100%"])

    source = snapshot(primary, "orders-1")["DBSnapshotArn"]
    copied = dr.copy_db_snapshot(SourceDBSnapshotIdentifier=source, TargetDBSnapshotIdentifier="orders-1",
                                 SourceRegion=primary_region)["DBSnapshot"]
    walked = [progress(copied), progress(snapshot(dr, "orders-1"))]
    for _ in range(2):
        emulator.ok("POST", "/ferry-api/clock", {"advance_seconds": 600, "region": dr_region})
        walked.append(progress(snapshot(dr, "orders-1")))
    check("time mode: a DB snapshot copy", walked, ["pending 0%", "pending 0%", "creating 50%", "available 100%"])

    make_cluster(primary, "billing")
    for _ in range(POLLS + 1):
        primary.describe_db_clusters(DBClusterIdentifier="billing")
    created = primary.create_db_cluster_snapshot(DBClusterIdentifier="billing", DBClusterSnapshotIdentifier="billing-1")
    emulator.ok("POST", "/ferry-api/clock", {"advance_seconds": 600, **both})
    source = cluster_snapshot(primary, "billing-1")["DBClusterSnapshotArn"]
    copied = dr.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=source, TargetDBClusterSnapshotIdentifier="billing-1",
                                         SourceRegion=primary_region)["DBClusterSnapshot"]
    walked = [progress(created["DBClusterSnapshot"]), progress(copied)]
    for _ in range(2):
        emulator.ok("POST", "/ferry-api/clock", {"advance_seconds": 900, "region": dr_region})
        walked.append(progress(cluster_snapshot(dr, "billing-1")))
    check("time mode: a DB cluster snapshot copy", walked, ["creating 0%", "copying 0%", "copying 75%", "available 100%"])

    # Time mode lets copies stay in progress, so a region's copy limit can be reached without describes counting.
    emulator.ok("POST", f"/ferry-api/regions/{dr_region}", {"instance_copies": 2})
    for index in range(2):
        dr.copy_db_snapshot(SourceDBSnapshotIdentifier=f"arn:aws:rds:{primary_region}:{ACCOUNT}:snapshot:orders-1",
                            TargetDBSnapshotIdentifier=f"limited-{index}", SourceRegion=primary_region)
    refused("time mode: instance_copies 2",
            lambda: dr.copy_db_snapshot(SourceDBSnapshotIdentifier=f"arn:aws:rds:{primary_region}:{ACCOUNT}:snapshot:orders-1",
                                        TargetDBSnapshotIdentifier="limited-2", SourceRegion=primary_region),
            "SnapshotQuotaExceeded", message="Cannot copy more than 2 snapshots across regions")
    emulator.ok("POST", "/ferry-api/clock", {"advance_seconds": 1200, "region": dr_region})
    dr.copy_db_snapshot(SourceDBSnapshotIdentifier=f"arn:aws:rds:{primary_region}:{ACCOUNT}:snapshot:orders-1",
                        TargetDBSnapshotIdentifier="limited-2", SourceRegion=primary_region)
    print("ok   time mode: copies finished by the clock free their places")

    emulator.ok("POST", f"/ferry-api/regions/{primary_region}", {"instance_seconds": 100})
    created = primary.create_db_instance(DBInstanceIdentifier="later", DBInstanceClass="db.t3.micro", Engine="postgres",
                                         MasterUsername="ferry", MasterUserPassword="password123", AllocatedStorage=20)
    walked = [created["DBInstance"]["DBInstanceStatus"]]
    walked += [primary.describe_db_instances(DBInstanceIdentifier="later")["DBInstances"][0]["DBInstanceStatus"] for _ in range(3)]
    emulator.ok("POST", "/ferry-api/clock", {"advance_seconds": 100, "region": primary_region})
    walked.append(primary.describe_db_instances(DBInstanceIdentifier="later")["DBInstances"][0]["DBInstanceStatus"])
    check("time mode: instance_seconds", walked, ["creating"] * 4 + ["available"])

    # The clock: every region's, or some regions' only.
    before = emulator.ok("GET", "/ferry-api/clock")
    after = emulator.ok("POST", "/ferry-api/clock", {"advance_seconds": 60})
    check("POST /ferry-api/clock advances every region's clock",
          [after["advanced_seconds"] - before["advanced_seconds"], 60 <= after["now"] - before["now"] < 70,
           60 <= after["regions"][dr_region]["now"] - before["regions"][dr_region]["now"] < 70],
          [60, True, True])
    check("regions advanced on their own", [primary_region in after["regions"], "eu-west-1" in after["regions"]], [True, False])


def calls(emulator: Emulator) -> None:
    region = "sa-east-1"
    emulator.ok("POST", "/ferry-api/calls/reset", {"region": region})
    rds = emulator.rds(region)
    rds.describe_db_snapshots()
    rds.describe_db_snapshots(SnapshotType="manual")
    rds.describe_db_instances()
    try:
        rds.delete_db_snapshot(DBSnapshotIdentifier="nope")
    except ClientError:
        pass
    rds.describe_account_attributes()
    # Other services' calls too, as service:Action (JSON and Query protocols), with their bodies reaching moto.
    key = emulator.client("kms", region).create_key(Description="counted")["KeyMetadata"]["KeyId"]
    topic = emulator.client("sns", region).create_topic(Name="counted")["TopicArn"]
    counted = emulator.ok("GET", f"/ferry-api/calls?region={region}")
    check("calls of one region, failed ones included", [counted, topic.endswith(":counted"), bool(key)],
          [{region: {"DeleteDBSnapshot": 1, "DescribeAccountAttributes": 1, "DescribeDBInstances": 1, "DescribeDBSnapshots": 2,
                     "kms:CreateKey": 1, "sns:CreateTopic": 1}}, True, True])
    everything = emulator.ok("GET", "/ferry-api/calls")
    check("calls of every region", [everything[region] == counted[region], everything["eu-west-1"]["CreateDBSnapshot"]],
          [True, 45])
    after = emulator.ok("POST", "/ferry-api/calls/reset", {"regions": [region]})
    check("a region's reset leaves the others", [region in after, after.get("eu-west-1", {}).get("CreateDBSnapshot")], [False, 45])
    emulator.ok("POST", "/ferry-api/calls/reset")
    check("a reset of everything", [emulator.ok("GET", "/ferry-api/calls")], [{}])

    check("control API: an unknown setting", [emulator.api("POST", "/ferry-api/regions/sa-east-1", {"snapshots": 1})[0]], [400])
    check("control API: a negative limit", [emulator.api("POST", "/ferry-api/regions/sa-east-1", {"manual_snapshots": -1})[0]], [400])
    check("control API: a wrong method", [emulator.api("DELETE", "/ferry-api/clock")[0]], [405])
    check("control API: an unknown path", [emulator.api("GET", "/ferry-api/nothing")[0]], [404])
    check("control API: refused settings change nothing", [emulator.ok("GET", "/ferry-api/regions/sa-east-1")["mode"]], ["polls"])


def kills(emulator: Emulator) -> None:
    """A crash test's hook: the caller is SIGKILLed after the call took effect, before the answer."""
    region = "ap-southeast-3"
    rds = emulator.rds(region)
    make_instance(rds, "killed")
    victim = subprocess.Popen(["sleep", "60"])
    emulator.ok("POST", "/ferry-api/kills", {"region": region, "action": "CreateDBSnapshot", "pid": victim.pid, "skip": 1})
    rds.create_db_snapshot(DBInstanceIdentifier="killed", DBSnapshotIdentifier="spared")
    check("skip 1: the first call spares the process", victim.poll(), None)
    rds.create_db_snapshot(DBInstanceIdentifier="killed", DBSnapshotIdentifier="fatal")
    check("the second call kills it", victim.wait(timeout=10), -9)
    check("and took effect", rds.describe_db_snapshots(DBSnapshotIdentifier="fatal")["DBSnapshots"][0]["DBSnapshotIdentifier"], "fatal")
    status, _ = emulator.api("POST", "/ferry-api/kills", {"region": region, "action": "CreateDBSnapshot"})
    check("a kill without a pid refused", status, 400)


def unanswered(label: str, call) -> None:
    """The call fails as a dropped connection (botocore: ConnectionClosedError), with no HTTP response."""
    try:
        call()
    except ConnectionClosedError as failure:
        print(f"ok   {label}: {type(failure).__name__}")
        return
    except ClientError as failure:
        fail(label, f"answered {failure.response['Error']} (HTTP {failure.response['ResponseMetadata']['HTTPStatusCode']})")
    fail(label, "succeeded; expected the connection to be closed without a response")


def outage(emulator: Emulator) -> None:
    """A region that is down answers no call of any service; its mode and settings stay; it comes back."""
    region, other = "ap-northeast-3", "ca-west-1"
    rds = emulator.rds(region)
    make_instance(rds, "survivor")
    emulator.ok("POST", "/ferry-api/calls/reset", {"regions": [region, other]})

    answer = emulator.ok("POST", f"/ferry-api/regions/{region}", {"down": True})
    check("down: the region is down, still in poll mode", [answer["down"], answer["mode"]], [True, "polls"])
    once = {service: emulator.client(service, region, attempts=1) for service in ("rds", "kms", "sns", "sts")}
    unanswered("RDS DescribeDBInstances", once["rds"].describe_db_instances)
    unanswered("RDS CreateDBSnapshot", lambda: once["rds"].create_db_snapshot(DBInstanceIdentifier="survivor",
                                                                               DBSnapshotIdentifier="never"))
    unanswered("KMS CreateKey", once["kms"].create_key)
    unanswered("SNS CreateTopic", lambda: once["sns"].create_topic(Name="alerts"))
    unanswered("STS GetCallerIdentity", once["sts"].get_caller_identity)
    unanswered("boto3's own retries, all refused", emulator.client("rds", region, attempts=3).describe_db_snapshots)

    # On the wire: the request is read to its end and the connection closed, without a status line.
    host, port = emulator.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    body = "Action=DescribeDBClusters&Version=2014-10-31"
    connection.request("POST", "/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20261201/{region}/rds/aws4_request, "
                         "SignedHeaders=host, Signature=0"})
    try:
        response = connection.getresponse()
        fail("raw request", f"answered HTTP {response.status}")
    except http.client.RemoteDisconnected as failure:
        print(f"ok   raw request: no status line ({failure})")
    finally:
        connection.close()

    check("another region answers meanwhile", [len(emulator.rds(other).describe_db_instances()["DBInstances"])], [0])
    counted = emulator.ok("GET", f"/ferry-api/calls?region={region}")[region]
    check("refused calls are counted", [counted], [{
        "CreateDBSnapshot": 1, "DescribeDBClusters": 1, "DescribeDBInstances": 1, "DescribeDBSnapshots": 3,
        "kms:CreateKey": 1, "sns:CreateTopic": 1, "sts:GetCallerIdentity": 1}])

    status, _ = emulator.api("POST", f"/ferry-api/regions/{region}", {"down": "yes"})
    check("down must be a boolean", status, 400)
    status, _ = emulator.api("POST", f"/ferry-api/regions/{other}", {"down": True, "snapshots": 1})
    check("a refused body takes nothing down", [status, emulator.ok("GET", f"/ferry-api/regions/{other}")["down"]], [400, False])

    answer = emulator.ok("DELETE", f"/ferry-api/regions/{region}")
    check("DELETE brings it back", [answer["down"], answer["mode"]], [False, "polls"])
    check("refused calls took no effect", [len(rds.describe_db_snapshots(DBInstanceIdentifier="survivor", SnapshotType="manual")["DBSnapshots"])],
          [0])
    check("what was there is still there", [[item["DBInstanceIdentifier"] for item in rds.describe_db_instances()["DBInstances"]]],
          [["survivor"]])

    # A region in time mode keeps its mode and settings through an outage; "down": false brings it back.
    emulator.ok("POST", f"/ferry-api/regions/{other}", {"snapshot_seconds": 60, "manual_snapshots": 7})
    answer = emulator.ok("POST", f"/ferry-api/regions/{other}", {"down": True})
    check("down keeps time mode and settings", [answer["down"], answer["mode"], answer["snapshot_seconds"], answer["manual_snapshots"]],
          [True, "time", 60, 7])
    unanswered("the time-mode region refuses calls", emulator.client("rds", other, attempts=1).describe_db_instances)
    answer = emulator.ok("POST", f"/ferry-api/regions/{other}", {"down": False})
    check('"down": false brings it back as it was', [answer["down"], answer["mode"], answer["snapshot_seconds"]], [False, "time", 60])
    check("and it answers", [len(emulator.rds(other).describe_db_instances()["DBInstances"])], [0])
    emulator.ok("DELETE", f"/ferry-api/regions/{other}")

    # Where the WSGI server offers no socket to close (werkzeug's test client here), a 503 ServiceUnavailable.
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    sys.dont_write_bytecode = True
    import rds_emulator
    from werkzeug.test import Client

    standalone = rds_emulator.Emulator()
    standalone.down.add(region)
    client = Client(standalone.wsgi(lambda environ, start_response: fail("fallback", "moto was called")))
    authorization = {"Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20261201/{region}/rds/aws4_request, "
                                      "SignedHeaders=host, Signature=0"}
    response = client.post("/", data={"Action": "DescribeDBInstances", "Version": "2014-10-31"}, headers=authorization)
    text = response.get_data(as_text=True)
    check("without a socket: HTTP 503 ServiceUnavailable",
          [response.status_code, "<Code>ServiceUnavailable</Code>" in text, standalone.calls], [503, True, {region: {"DescribeDBInstances": 1}}])


def main() -> None:
    started = time.monotonic()
    server, url = start_server(POLLS)
    try:
        emulator = Emulator(url)
        for scenario in [pagination, copy_statuses, copy_limits, manual_quota, kms_rules, deletes, time_mode, calls, kills,
                         outage]:
            print(f"---- {scenario.__name__}")
            scenario(emulator)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"rds emulator: all checks passed in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
