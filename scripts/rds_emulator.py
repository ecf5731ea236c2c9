"""Ferry's RDS emulator: moto's RDS, made as strict as Amazon RDS where Ferry's DR workflows care.

Stock moto (5.2) is lenient where real RDS is not: every snapshot is `available` at once, describes return
everything in one page, copies and manual snapshots are unlimited, encryption rules are not enforced and a
snapshot can be deleted in any state. This module patches moto's RDS response class (moto/rds/responses.py,
`RDSResponse`) in this process, before the server starts, so that the emulator behaves as AWS documents:

  Statuses      A snapshot made by CreateDBSnapshot / CreateDBClusterSnapshot shows `creating`; a copy made by
                CopyDBSnapshot shows `pending` in the copy response, then `creating`; a copy made by
                CopyDBClusterSnapshot shows `copying`. All of them carry a rising PercentProgress (0..100) until
                `available`. A copy whose source snapshot is deleted while it is in progress becomes `failed`
                (it stays listed, and may be deleted). A copy names its source as RDS does:
                SourceDBSnapshotIdentifier (the source ARN) and, across regions, SourceRegion; a cluster
                snapshot copy SourceDBClusterSnapshotArn. Instances and clusters made by CreateDBInstance,
                RestoreDBInstanceFromDBSnapshot, CreateDBCluster and RestoreDBClusterFromSnapshot show `creating`.
  Progress      Per region, one of two modes:
                - poll mode (the default): a new snapshot stays in progress for FERRY_MOTO_SNAPSHOT_POLLS
                  describes (DescribeDBSnapshots / DescribeDBClusterSnapshots responses that include it), an
                  instance or cluster for FERRY_MOTO_INSTANCE_POLLS describes; 0 means `available` at once.
                  A DB snapshot copy shows `pending` in the first of its describes, then `creating`.
                - time mode (once the control API has configured the region): a snapshot made in the region is
                  available when the region's emulator clock reaches its creation + snapshot_seconds, a copy
                  into it creation + copy_seconds, an instance or cluster creation + instance_seconds;
                  PercentProgress is the elapsed share; a DB snapshot copy is `pending` until 1% has elapsed.
                  Describes do not count there.
  Pagination    DescribeDBSnapshots, DescribeDBClusterSnapshots, DescribeDBInstances and DescribeDBClusters
                honour MaxRecords (default 100; outside 20..100: InvalidParameterValue) and return a Marker
                while more remain. Items are ordered by identifier (then ARN); a Marker is an opaque token
                naming the last item returned, so pages stay consistent when items come and go in between.
  Quotas        SnapshotQuotaExceeded when a copy would exceed the copies in progress into its destination
                region (20 DB snapshot copies, 5 DB cluster snapshot copies: cross-region copies whose status is
                pending/creating/copying), or when CreateDBSnapshot/CopyDBSnapshot (resp. the cluster variants)
                would exceed the region's manual snapshot quota (100 each; only `manual` snapshots count).
                DescribeAccountAttributes reports ManualSnapshots, ManualClusterSnapshots, DBInstances and
                DBClusters (Used from the emulator's state, Max from the limits in force in the region).
  Encryption    A cross-region copy of an encrypted snapshot needs KmsKeyId (InvalidParameterValue); a copy of an
                unencrypted DB cluster snapshot must not name one (InvalidDBClusterSnapshotStateFault). A copy of
                an unencrypted DB snapshot with KmsKeyId is encrypted under that key (moto already does this).
  Deletes       DeleteDBSnapshot / DeleteDBClusterSnapshot refuse a snapshot that is neither `available` nor
                `failed` (InvalidDBSnapshotState / InvalidDBClusterSnapshotStateFault), and a copy's source must
                be `available` to be copied.
  Outages       A region set `down` through the control API answers no AWS call: every call whose region is
                that region (RDS, KMS, SNS, STS, any service moto serves; the region as moto would read it: the
                host's `.<region>.amazonaws.com`, else `region/<region>` in the User-Agent, else the SigV4
                credential scope, else us-east-1) is read to its end, counted, and its connection closed without
                an HTTP response, as when a region's endpoints stop answering; moto never sees it, so it takes no
                effect. Clients see a transport failure (curl: "Empty reply from server"; botocore:
                ConnectionClosedError), never an answer they could take for the service's. Where the server offers
                no socket to close (a WSGI server other than werkzeug's), the call is answered HTTP 503
                ServiceUnavailable instead (an RDS-style <ErrorResponse>, JSON for X-Amz-Target calls).

Errors are moto's own `RDSClientError`s raised inside the response methods, so moto serialises them from
botocore's RDS model exactly as it does its own (`<ErrorResponse><Error><Type>Sender</Type><Code>…`, HTTP 400,
404 for the NotFound codes).

Design. A call into a region that is down is refused in front of moto, by the WSGI wrapper of the control API
(`wsgi`), and counted there. Every other RDS API call runs `RDSResponse.call_action` under one lock (moto's
server is threaded; the quota checks are check-then-act), which is also where calls are counted per region and
action. Progress lives on moto's stored model objects, as a `Progress` record under the attribute
`_ferry_progress`: the kind of resource, its region, when it was made on the region's emulator clock, the polls
it waits, the describes seen, and for a copy its source. Statuses are computed from the record when a response
shows the object (the create/copy response, a describe page); a describe page first counts one poll on each
object it returns. Only API calls count: moto's internal describes (e.g. inside a restore) do not, and snapshots
moto takes by itself (automated backups) carry no record and are `available`. moto's DBCluster turns `creating`
into `available` the first time its status is read; its getter is wrapped to leave a cluster in progress alone.

Control API, on the server's port, JSON in and out (`wsgi(app)` wraps moto's WSGI application):

  GET    /ferry-api/regions/<region>   the settings in force: {"region", "mode": "polls"|"time", "now", "down",
                                       "manual_snapshots", "manual_cluster_snapshots", "instance_copies",
                                       "cluster_copies", "db_instances", "db_clusters", "snapshot_seconds",
                                       "copy_seconds", "instance_seconds", "page_size", "snapshot_polls",
                                       "instance_polls"}
                                       (db_instances / db_clusters are reported by DescribeAccountAttributes, not
                                       enforced; limits are whole numbers, seconds numbers, all >= 0; page_size,
                                       20-100, caps every describe page of the region whatever MaxRecords asks)
  POST   /ferry-api/regions/<region>   any of the settings above from "manual_snapshots" to "page_size":
                                       overrides them for the region (the destination region for copy limits)
                                       and switches the region to time mode (seconds default to 0); and/or
                                       "down": true (the region is in an outage: see Outages) or false (it is
                                       back), which leaves the region's mode and other settings as they are;
                                       returns GET's
  DELETE /ferry-api/regions/<region>   back to AWS's limits and poll mode, and up if it was down; returns GET's
  GET    /ferry-api/clock              {"now": epoch seconds, "now_iso", "advanced_seconds", "regions":
                                       {"<region>": {"now", "now_iso", "advanced_seconds"}}} (regions whose clock
                                       was advanced on its own)
  POST   /ferry-api/clock              {"advance_seconds": S} advances every region's clock; with "region": "r"
                                       or "regions": ["r", ...] only those; returns GET's. The clock otherwise
                                       follows real time.
  GET    /ferry-api/calls              {"<region>": {"<Action>": count}} for every RDS API call received,
                                       refused ones of a down region included, and every call of another
                                       service (KMS, SNS, STS, CloudWatch, …) as "<service>:<Action>" (e.g.
                                       "kms:DescribeKey"): what a policy must allow; ?region=r for one region
  POST   /ferry-api/calls/reset        forgets the counts, of {"region": "r"} / {"regions": [...]} only if given
  POST   /ferry-api/kills              {"region", "action", "pid", "skip": n}: once the (n+1)th call of that
                                       action in that region has taken effect, and before it is answered,
                                       SIGKILL process pid (crash tests: a worker dies between an AWS call and
                                       what it records of it)

A bad request answers 400 {"error": "..."}; an unknown path 404, a wrong method 405. Everything is per region so
that tests running in parallel against one emulator isolate themselves by using regions nobody else uses (a
global clock advance moves every time-mode region: parallel tests should name their regions). AWS's default
limits are AWS_LIMITS below, in one place.

Not modelled: the final snapshot of DeleteDBInstance / DeleteDBCluster bypasses the manual quota; restores do not
insist on an `available` snapshot; a deleted snapshot vanishes at once (no `deleting`); a region's settings
apply to objects already in progress when they change; a region that is down still serves as the source of a
cross-region copy called in another region (the copy reads moto's state directly), and copies out of it that are
in progress carry on; moto's /moto-api/reset does not reset the emulator's settings, clock or call counts.
"""
from __future__ import annotations

import base64
import io
import binascii
import json
import math
import os
import re
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import parse_qs

from moto.core.responses import ActionResult
from moto.rds.exceptions import RDSClientError
from moto.rds.models import DBCluster, rds_backends
from moto.rds.responses import RDSResponse
from werkzeug.wrappers import Request, Response

# AWS's default quotas (Amazon RDS User Guide: "Quotas in Amazon RDS"; "Copying a DB snapshot": 20 copies in
# progress into one destination region; Aurora User Guide: 5 cluster snapshot copies), in one place.
AWS_LIMITS: dict[str, int] = {
    "manual_snapshots": 100,  # manual DB snapshots per region
    "manual_cluster_snapshots": 100,  # manual DB cluster snapshots per region
    "instance_copies": 20,  # DB snapshot copies in progress into one destination region
    "cluster_copies": 5,  # DB cluster snapshot copies in progress into one destination region
    "db_instances": 40,  # DB instances per region (reported by DescribeAccountAttributes, not enforced)
    "db_clusters": 40,  # DB clusters per region (reported, not enforced)
}
# Time mode: how long things take in a region configured through the control API, unless it says otherwise.
TIME_DEFAULTS: dict[str, float] = {"snapshot_seconds": 0, "copy_seconds": 0, "instance_seconds": 0}
# The most items a describe page of the region holds, whatever MaxRecords asks: 20 tests paging at its
# smallest (what a caller asking for MaxRecords=20 would see).
PAGING_DEFAULTS: dict[str, int] = {"page_size": 100}
SETTINGS = (*AWS_LIMITS, *TIME_DEFAULTS, *PAGING_DEFAULTS)

PAGE_DEFAULT, PAGE_MIN, PAGE_MAX = 100, 20, 100
IN_PROGRESS = ("pending", "creating", "copying")
RECORD = "_ferry_progress"  # the attribute holding a model object's Progress

# Kinds of Progress, with the setting that times them and the status they show until `available`.
SNAPSHOT, DB_COPY, CLUSTER_COPY, RESOURCE = "snapshot", "db-copy", "cluster-copy", "resource"
DURATION = {SNAPSHOT: "snapshot_seconds", DB_COPY: "copy_seconds", CLUSTER_COPY: "copy_seconds",
            RESOURCE: "instance_seconds"}


def running_status(kind: str, queued: bool) -> str:
    if kind == DB_COPY:
        return "pending" if queued else "creating"
    return "copying" if kind == CLUSTER_COPY else "creating"


@dataclass
class Progress:
    kind: str
    region: str  # where the object lives (a copy: its destination region)
    started: float  # the region's emulator clock when it was made
    polls: int  # poll mode: the describes it stays in progress for
    seen: int = 0  # describes that included it
    source: tuple[str, str, str, str] | None = None  # a copy's source: (account, region, kind, identifier)
    cross_region: bool = False
    done: bool = False
    failed: bool = False
    percent: int = 0


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


# The two kinds of snapshot, as moto stores them.
@dataclass(frozen=True)
class SnapshotKind:
    name: str  # "snapshot" | "cluster-snapshot", as in ARNs
    store: str  # the RDSBackend attribute holding them
    identifier: str  # the model attribute holding the identifier
    result_key: str  # the key of the create/copy/delete result
    source_param: str
    target_param: str
    copy_kind: str
    copies_limit: str
    quota: str
    state_fault: str  # code of the "invalid state" error

    def stored(self, backend: Any) -> dict[str, Any]:
        return getattr(backend, self.store)


DB_SNAPSHOTS = SnapshotKind("snapshot", "database_snapshots", "db_snapshot_identifier", "DBSnapshot",
                            "SourceDBSnapshotIdentifier", "TargetDBSnapshotIdentifier", DB_COPY, "instance_copies",
                            "manual_snapshots", "InvalidDBSnapshotStateFault")
CLUSTER_SNAPSHOTS = SnapshotKind("cluster-snapshot", "cluster_snapshots", "db_cluster_snapshot_identifier",
                                 "DBClusterSnapshot", "SourceDBClusterSnapshotIdentifier",
                                 "TargetDBClusterSnapshotIdentifier", CLUSTER_COPY, "cluster_copies",
                                 "manual_cluster_snapshots", "InvalidDBClusterSnapshotStateFault")


def error(code: str, message: str) -> RDSClientError:
    # moto looks the code up in botocore's model (shape name or code) for the HTTP status and <Code>.
    return RDSClientError(code, message)


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat().replace("+00:00", "Z")


class Emulator:
    def __init__(self, snapshot_polls: int = 0, instance_polls: int = 0):
        self.lock = threading.RLock()
        self.snapshot_polls = snapshot_polls
        self.instance_polls = instance_polls
        self.overrides: dict[str, dict[str, float]] = {}  # region → settings given through the control API
        self.advanced = 0.0  # seconds the clock of every region was advanced
        self.region_advanced: dict[str, float] = {}  # seconds one region's clock was advanced on its own
        self.kills: list[dict[str, Any]] = []  # crash-test hooks: SIGKILL a caller after a call (POST /ferry-api/kills)
        self.calls: dict[str, dict[str, int]] = {}
        self.down: set[str] = set()  # regions in an outage (POST /ferry-api/regions/<region> {"down": true})

    # ---- settings and clock

    def time_mode(self, region: str) -> bool:
        return region in self.overrides

    def settings(self, region: str) -> dict[str, Any]:
        merged: dict[str, Any] = {**AWS_LIMITS, **TIME_DEFAULTS, **PAGING_DEFAULTS, **self.overrides.get(region, {})}
        return merged

    def now(self, region: str) -> float:
        return time.time() + self.advanced + self.region_advanced.get(region, 0.0)

    def region_view(self, region: str) -> dict[str, Any]:
        return {"region": region, "mode": "time" if self.time_mode(region) else "polls", "now": self.now(region),
                "down": region in self.down, **self.settings(region), "snapshot_polls": self.snapshot_polls,
                "instance_polls": self.instance_polls}

    def configure(self, region: str, body: Any) -> None:
        if not isinstance(body, dict):
            raise ControlError(400, "expected a JSON object of settings")
        unknown = sorted(set(body) - set(SETTINGS) - {"down"})
        if unknown:
            raise ControlError(400, f"unknown settings {unknown}; known: {[*SETTINGS, 'down']}")
        body = dict(body)
        down = body.pop("down", None)
        if down is not None and not isinstance(down, bool):
            raise ControlError(400, f"down must be true or false, not {down!r}")
        for key, value in body.items():
            if key in PAGING_DEFAULTS:
                if isinstance(value, bool) or not isinstance(value, int) or not PAGE_MIN <= value <= PAGE_MAX:
                    raise ControlError(400, f"{key} must be a whole number from {PAGE_MIN} to {PAGE_MAX}, not {value!r}")
            elif key in AWS_LIMITS:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ControlError(400, f"{key} must be a whole number >= 0, not {value!r}")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or math.isinf(value):
                raise ControlError(400, f"{key} must be a number of seconds >= 0, not {value!r}")
        # Only the settings of time mode switch the region to it: {"down": ...} alone leaves its mode alone.
        if body or down is None:
            self.overrides.setdefault(region, {}).update(body)
        if down is True:
            self.down.add(region)
        elif down is False:
            self.down.discard(region)

    def clock_view(self) -> dict[str, Any]:
        now = self.now("")
        return {"now": now, "now_iso": iso(now), "advanced_seconds": self.advanced,
                "regions": {region: {"now": self.now(region), "now_iso": iso(self.now(region)),
                                     "advanced_seconds": self.advanced + offset}
                            for region, offset in sorted(self.region_advanced.items())}}

    def advance(self, body: Any) -> None:
        if not isinstance(body, dict) or set(body) - {"advance_seconds", "region", "regions"}:
            raise ControlError(400, 'expected {"advance_seconds": S} and optionally "region" or "regions"')
        seconds = body.get("advance_seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0 or math.isinf(seconds):
            raise ControlError(400, f"advance_seconds must be a number of seconds >= 0, not {seconds!r}")
        regions = regions_of(body)
        if regions is None:
            self.advanced += seconds
        for region in regions or []:
            self.region_advanced[region] = self.region_advanced.get(region, 0.0) + seconds

    # ---- progress

    def track(self, model: Any, kind: str, region: str, polls: int, **extra: Any) -> None:
        setattr(model, RECORD, Progress(kind, region, self.now(region), polls, **extra))
        self.show(model, poll=False)

    def state(self, record: Progress) -> tuple[str, int]:
        if record.failed:
            return "failed", record.percent
        if record.done:
            return "available", 100
        if self.time_mode(record.region):
            duration = float(self.settings(record.region)[DURATION[record.kind]])
            elapsed = max(0.0, self.now(record.region) - record.started)
            if elapsed >= duration:
                return "available", 100
            percent = min(99, int(100 * elapsed / duration))
            queued = percent == 0
        else:
            if record.polls <= 0 or record.seen > record.polls:
                return "available", 100
            percent = 0 if record.seen == 0 else int(100 * (record.seen - 1) / record.polls)
            queued = record.seen <= 1
        return running_status(record.kind, queued), percent

    def status(self, model: Any) -> str:
        record = getattr(model, RECORD, None)
        return self.state(record)[0] if record is not None else str(model.status)

    def show(self, model: Any, poll: bool) -> None:
        """Brings the model's status (and PercentProgress) up to date before a response shows it."""
        record: Progress | None = getattr(model, RECORD, None)
        if record is None:
            return
        if poll and not record.done and not record.failed:
            record.seen += 1
        status, percent = self.state(record)
        record.done = record.done or status == "available"
        record.percent = percent
        model.status = status
        if record.kind != RESOURCE:
            model.percent_progress = percent

    def in_progress(self, model: Any) -> bool:
        record = getattr(model, RECORD, None)
        return record is not None and self.state(record)[0] in IN_PROGRESS

    # ---- what the checks count

    def manual_snapshots(self, backend: Any, kind: SnapshotKind) -> int:
        return sum(1 for snapshot in kind.stored(backend).values() if snapshot.snapshot_type == "manual")

    def copies_in_progress(self, backend: Any, kind: SnapshotKind) -> int:
        return sum(1 for snapshot in kind.stored(backend).values()
                   if (record := getattr(snapshot, RECORD, None)) is not None and record.kind == kind.copy_kind
                   and record.cross_region and self.state(record)[0] in IN_PROGRESS)

    def check_manual_quota(self, backend: Any, region: str, kind: SnapshotKind) -> None:
        limit = self.settings(region)[kind.quota]
        if self.manual_snapshots(backend, kind) >= limit:
            what = "manual snapshots" if kind is DB_SNAPSHOTS else "manual cluster snapshots"
            raise error("SnapshotQuotaExceeded", f"Cannot create more than {limit} {what}")

    def check_copy_limit(self, backend: Any, region: str, kind: SnapshotKind) -> None:
        limit = self.settings(region)[kind.copies_limit]
        if self.copies_in_progress(backend, kind) >= limit:
            raise error("SnapshotQuotaExceeded", f"Cannot copy more than {limit} snapshots across regions")

    def fail_copies_of(self, account: str, region: str, kind: SnapshotKind, identifier: str) -> None:
        """A copy whose source is deleted while it is in progress fails, in whichever region it is."""
        source = (account, region, kind.name, identifier.lower())
        for backend in list(rds_backends[account].values()):
            for snapshot in kind.stored(backend).values():
                record = getattr(snapshot, RECORD, None)
                if record is not None and record.source == source and self.state(record)[0] in IN_PROGRESS:
                    record.failed = True
                    snapshot.status = "failed"

    # ---- the patched RDS actions

    def install(self) -> "Emulator":
        # moto's own snapshot quota (MOTO_RDS_SNAPSHOT_LIMIT, 1000 snapshots of any type) must never get in first.
        os.environ.setdefault("MOTO_RDS_SNAPSHOT_LIMIT", str(10**9))
        self.wrap("call_action", self.call_action)
        for kind in (DB_SNAPSHOTS, CLUSTER_SNAPSHOTS):
            create = "create_db_snapshot" if kind is DB_SNAPSHOTS else "create_db_cluster_snapshot"
            copy = "copy_db_snapshot" if kind is DB_SNAPSHOTS else "copy_db_cluster_snapshot"
            delete = "delete_db_snapshot" if kind is DB_SNAPSHOTS else "delete_db_cluster_snapshot"
            self.wrap(create, self.creating(kind))
            self.wrap(copy, self.copying(kind))
            self.wrap(delete, self.deleting(kind))
        self.wrap("describe_db_snapshots", self.describing("DBSnapshots", "db_snapshot_identifier"))
        self.wrap("describe_db_cluster_snapshots",
                  self.describing("DBClusterSnapshots", "db_cluster_snapshot_identifier"))
        self.wrap("describe_db_instances", self.describing("DBInstances", "db_instance_identifier"))
        self.wrap("describe_db_clusters", self.describing("DBClusters", "db_cluster_identifier"))
        for action, key, stored in [
            ("create_db_instance", "DBInstance", returned_model),
            ("restore_db_instance_from_db_snapshot", "DBInstance", returned_model),
            ("create_db_cluster", "DBCluster", stored_cluster),
            ("restore_db_cluster_from_snapshot", "DBCluster", stored_cluster),
        ]:
            self.wrap(action, self.making_resource(key, stored))
        RDSResponse.describe_account_attributes = self.describe_account_attributes_action()
        keep_clusters_in_progress()
        return self

    @staticmethod
    def wrap(action: str, make: Callable[[Callable[[RDSResponse], Any]], Callable[[RDSResponse], Any]]) -> None:
        setattr(RDSResponse, action, make(getattr(RDSResponse, action)))

    def call_action(self, original: Callable[[RDSResponse], Any]) -> Callable[[RDSResponse], Any]:
        emulator = self

        def call_action(response: RDSResponse) -> Any:
            with emulator.lock:
                counts = emulator.calls.setdefault(response.region, {})
                action = response._get_action() or "(none)"
                counts[action] = counts.get(action, 0) + 1
                result = original(response)
                emulator.kill_if_asked(response.region, action)
                return result

        return call_action

    def creating(self, kind: SnapshotKind) -> Callable[[Callable[[RDSResponse], Any]], Callable[[RDSResponse], Any]]:
        emulator = self
        parent_param, parents = (("DBInstanceIdentifier", "databases") if kind is DB_SNAPSHOTS
                                 else ("DBClusterIdentifier", "clusters"))
        target_param = "DBSnapshotIdentifier" if kind is DB_SNAPSHOTS else "DBClusterSnapshotIdentifier"

        def make(original: Callable[[RDSResponse], Any]) -> Callable[[RDSResponse], Any]:
            def create(response: RDSResponse) -> Any:
                backend = response.backend
                parent, target = response.params.get(parent_param), response.params.get(target_param)
                # moto's own errors (no such instance, snapshot exists) come first.
                if parent in getattr(backend, parents) and str(target or "").lower() not in kind.stored(backend):
                    emulator.check_manual_quota(backend, response.region, kind)
                result = original(response)
                emulator.track(result.result[kind.result_key], SNAPSHOT, response.region, emulator.snapshot_polls)
                return result

            return create

        return make

    def copying(self, kind: SnapshotKind) -> Callable[[Callable[[RDSResponse], Any]], Callable[[RDSResponse], Any]]:
        emulator = self

        def make(original: Callable[[RDSResponse], Any]) -> Callable[[RDSResponse], Any]:
            def copy(response: RDSResponse) -> Any:
                region, account, backend = response.region, response.current_account, response.backend
                source_region, source_name = split_source(str(response.params.get(kind.source_param) or ""), region)
                source = find_snapshot(account, source_region, kind, source_name)
                target = str(response.params.get(kind.target_param) or "").lower()
                if source is None or target in kind.stored(backend):
                    return original(response)  # moto's errors: no such snapshot, or the target exists
                cross_region = source_region != region
                emulator.check_copy_source(source, kind, cross_region, response.params.get("KmsKeyId"))
                if cross_region:
                    emulator.check_copy_limit(backend, region, kind)
                emulator.check_manual_quota(backend, region, kind)
                result = original(response)
                copied = result.result[kind.result_key]
                if kind is DB_SNAPSHOTS:
                    copied.source_db_snapshot_identifier = source.arn
                    if cross_region:
                        copied.source_region = source_region
                else:
                    copied.source_db_cluster_snapshot_arn = source.arn
                source_id = str(getattr(source, kind.identifier)).lower()
                emulator.track(copied, kind.copy_kind, region, emulator.snapshot_polls,
                               source=(account, source_region, kind.name, source_id), cross_region=cross_region)
                return result

            return copy

        return make

    def check_copy_source(self, source: Any, kind: SnapshotKind, cross_region: bool, kms_key_id: Any) -> None:
        identifier = getattr(source, kind.identifier)
        status = self.status(source)
        if status != "available":
            raise error(kind.state_fault, f"Snapshot {identifier} is {status}: only an available snapshot can be copied.")
        encrypted = bool(source.encrypted)
        if kind is CLUSTER_SNAPSHOTS and kms_key_id and not encrypted:
            raise error(kind.state_fault,
                        f"DB cluster snapshot {identifier} is not encrypted: KmsKeyId cannot be specified when copying "
                        "an unencrypted DB cluster snapshot.")
        if cross_region and encrypted and not kms_key_id:
            raise error("InvalidParameterValue", "Must specify new KMS key for cross region encrypted snapshot copy.")

    def deleting(self, kind: SnapshotKind) -> Callable[[Callable[[RDSResponse], Any]], Callable[[RDSResponse], Any]]:
        emulator = self
        param = "DBSnapshotIdentifier" if kind is DB_SNAPSHOTS else "DBClusterSnapshotIdentifier"
        what = "DB snapshot" if kind is DB_SNAPSHOTS else "DB cluster snapshot"

        def make(original: Callable[[RDSResponse], Any]) -> Callable[[RDSResponse], Any]:
            def delete(response: RDSResponse) -> Any:
                identifier = str(response.params.get(param) or "")
                snapshot = kind.stored(response.backend).get(identifier)
                if snapshot is not None:
                    status = emulator.status(snapshot)
                    if status not in ("available", "failed"):
                        raise error(kind.state_fault, f"Cannot delete {what} {identifier} while it is {status}: only "
                                                      "available or failed snapshots can be deleted.")
                result = original(response)
                emulator.fail_copies_of(response.current_account, response.region, kind, identifier)
                return result

            return delete

        return make

    def describing(self, key: str, identifier: str) -> Callable[[Callable[[RDSResponse], Any]], Callable[[RDSResponse], Any]]:
        emulator = self

        def order(model: Any) -> tuple[str, str]:
            return str(getattr(model, identifier)).lower(), str(getattr(model, "arn", ""))

        def make(original: Callable[[RDSResponse], Any]) -> Callable[[RDSResponse], Any]:
            def describe(response: RDSResponse) -> Any:
                max_records = min(page_size(response.params.get("MaxRecords")), emulator.settings(response.region)["page_size"])
                after = decode_marker(response.params.get("Marker"))
                result = original(response)  # moto's describe; for instances a PaginatedResult not yet paginated
                items = sorted(result.result[key], key=order)
                if after is not None:
                    items = [item for item in items if order(item) > after]
                page = items[:max_records]
                for model in page:
                    emulator.show(model, poll=True)
                marker = encode_marker(order(page[-1])) if len(items) > max_records else None
                return ActionResult({key: page, "Marker": marker})

            return describe

        return make

    def making_resource(self, key: str, stored: Callable[[RDSResponse, Any], Any]) -> Callable[[Callable[[RDSResponse], Any]], Callable[[RDSResponse], Any]]:
        emulator = self

        def make(original: Callable[[RDSResponse], Any]) -> Callable[[RDSResponse], Any]:
            def create(response: RDSResponse) -> Any:
                result = original(response)
                if emulator.instance_polls > 0 or emulator.time_mode(response.region):
                    model = stored(response, result.result[key])
                    model.status = "creating"
                    emulator.track(model, RESOURCE, response.region, emulator.instance_polls)
                    if model is not result.result[key]:
                        result.result[key].status = model.status
                return result

            return create

        return make

    def describe_account_attributes_action(self) -> Callable[[RDSResponse], Any]:
        emulator = self

        def describe_account_attributes(response: RDSResponse) -> ActionResult:
            backend, limits = response.backend, emulator.settings(response.region)
            quotas = [
                ("DBInstances", len(backend.databases), limits["db_instances"]),
                ("DBClusters", len(backend.clusters), limits["db_clusters"]),
                ("ManualSnapshots", emulator.manual_snapshots(backend, DB_SNAPSHOTS), limits["manual_snapshots"]),
                ("ManualClusterSnapshots", emulator.manual_snapshots(backend, CLUSTER_SNAPSHOTS),
                 limits["manual_cluster_snapshots"]),
            ]
            return ActionResult({"AccountQuotas": [
                {"AccountQuotaName": name, "Used": used, "Max": maximum} for name, used, maximum in quotas]})

        return describe_account_attributes

    # ---- the control API

    def wsgi(self, app: Callable[..., Any]) -> Callable[..., Any]:
        """`app` (moto's WSGI application) with /ferry-api/ in front of it."""
        emulator = self

        def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            path = environ.get("PATH_INFO", "")
            if path != "/ferry-api" and not path.startswith("/ferry-api/"):
                if path.startswith("/moto-api"):
                    return app(environ, start_response)
                region, (service, action) = request_region(environ), call_of(environ)
                if region in emulator.down:
                    return emulator.refuse(environ, start_response, region, service, action)
                if service != "rds":  # RDS calls are counted where moto has resolved them (call_action)
                    emulator.count(region, f"{service}:{action}")
                return app(environ, start_response)
            request = Request(environ)
            try:
                with emulator.lock:
                    status, body = 200, emulator.control(request)
            except ControlError as failure:
                status, body = failure.status, {"error": str(failure)}
            return Response(json.dumps(body, sort_keys=True), status=status, mimetype="application/json")(
                environ, start_response)

        return application

    def count(self, region: str, key: str) -> None:
        with self.lock:
            counts = self.calls.setdefault(region, {})
            counts[key] = counts.get(key, 0) + 1

    def refuse(self, environ: dict[str, Any], start_response: Callable[..., Any], region: str, service: str, action: str) -> Any:
        """A call into a region that is down: counted, never shown to moto, and answered by closing the
        connection without a response (a 503 ServiceUnavailable where the server offers no socket)."""
        self.count(region, action if service == "rds" else f"{service}:{action}")
        connection = environ.get("werkzeug.socket")
        if connection is not None:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            # werkzeug's server takes a ConnectionError for a dropped connection: it sends nothing, logs nothing.
            raise RegionDown(f"{region} is down: {service} {action} refused")
        message = f"The service is unavailable in {region}."
        if environ.get("HTTP_X_AMZ_TARGET"):
            body, mimetype = json.dumps({"__type": "ServiceUnavailableException", "message": message}), "application/x-amz-json-1.1"
        else:
            body, mimetype = ("<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
                              f"<Message>{message}</Message></Error><RequestId>ferry-region-down</RequestId>"
                              "</ErrorResponse>"), "text/xml"
        return Response(body, status=503, mimetype=mimetype)(environ, start_response)

    def kill_if_asked(self, region: str, action: str) -> None:
        """A crash test's hook: after a call took effect and before its answer leaves, SIGKILL the caller."""
        for hook in self.kills:
            if hook["region"] == region and hook["action"] == action:
                if hook["skip"] > 0:
                    hook["skip"] -= 1
                    return
                self.kills.remove(hook)
                try:
                    os.kill(hook["pid"], signal.SIGKILL)
                except ProcessLookupError:
                    pass
                return

    def control(self, request: Request) -> Any:
        parts = [part for part in request.path.split("/") if part][1:]
        method = request.method
        if parts == []:
            allow(method, "GET")
            return {"emulator": "ferry rds", "paths": ["/ferry-api/regions/<region>", "/ferry-api/clock",
                                                       "/ferry-api/calls", "/ferry-api/calls/reset", "/ferry-api/kills"]}
        if len(parts) == 2 and parts[0] == "regions":
            region = parts[1]
            allow(method, "GET", "POST", "DELETE")
            if method == "POST":
                self.configure(region, json_body(request))
            elif method == "DELETE":
                self.overrides.pop(region, None)
                self.down.discard(region)
            return self.region_view(region)
        if parts == ["clock"]:
            allow(method, "GET", "POST")
            if method == "POST":
                self.advance(json_body(request))
            return self.clock_view()
        if parts == ["calls"]:
            allow(method, "GET")
            region = request.args.get("region")
            if region is not None:
                return {region: dict(sorted(self.calls.get(region, {}).items()))}
            return {region: dict(sorted(counts.items())) for region, counts in sorted(self.calls.items())}
        if parts == ["kills"]:
            allow(method, "POST")
            body = json_body(request)
            if not isinstance(body, dict) or not isinstance(body.get("region"), str) or not isinstance(body.get("action"), str) \
                    or not isinstance(body.get("pid"), int) or not isinstance(body.get("skip", 0), int):
                raise ControlError(400, 'expected {"region": str, "action": str, "pid": int, "skip": int}')
            with self.lock:
                self.kills.append({"region": body["region"], "action": body["action"], "pid": body["pid"], "skip": body.get("skip", 0)})
            return {"kills": len(self.kills)}
        if parts == ["calls", "reset"]:
            allow(method, "POST")
            regions = regions_of(json_body(request, empty={}))
            for region in list(self.calls) if regions is None else regions:
                self.calls.pop(region, None)
            return {region: dict(sorted(counts.items())) for region, counts in sorted(self.calls.items())}
        raise ControlError(404, f"no such path: {request.path}")


# ---- helpers


class RegionDown(ConnectionAbortedError):
    """Raised out of the WSGI application to drop a call into a region that is down."""


def request_region(environ: dict[str, Any]) -> str:
    """The region moto serves a request in, found as moto's BaseResponse.get_region_from_url finds it: the
    host's `.<region>.amazonaws.com`, else `region/<region>` in the User-Agent, else the SigV4 credential
    scope of the Authorization header, else us-east-1."""
    url = f"{environ.get('HTTP_HOST', '')}{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
    match = re.search(r"\.(?P<region>[^.]+)\.amazonaws\.com", url) \
        or re.search(r"region/(?P<region>[a-z]{2}-[a-z]+-\d{1})", environ.get("HTTP_USER_AGENT", ""))
    if match:
        return match.group("region")
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if "AWS4" in authorization:
        scope = authorization.split(",")[0].split("/")
        if len(scope) > 2:
            return scope[2]
    return "us-east-1"


def call_of(environ: dict[str, Any]) -> tuple[str, str]:
    """(service, action) of an AWS request: the service of the SigV4 credential scope (else the host's first
    label); the action of a Query call (`Action` in the query string or form body) or of a JSON call
    (X-Amz-Target). Reads the body (so that the client has sent it all before a connection of a region that
    is down is closed) and puts it back for moto."""
    stream = environ.get("wsgi.input")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = b""
    if stream is not None and (length > 0 or environ.get("wsgi.input_terminated")):
        body = stream.read(length) if length > 0 else stream.read()
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
    scope = environ.get("HTTP_AUTHORIZATION", "").split(",")[0].split("/")
    service = scope[3] if len(scope) > 3 else environ.get("HTTP_HOST", "").split(".")[0] or "unknown"
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return service, target.rsplit(".", 1)[-1]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        query = {**parse_qs(body.decode("utf-8", "replace")), **query}
    return service, (query.get("Action") or ["(none)"])[0]


def allow(method: str, *methods: str) -> None:
    if method not in methods:
        raise ControlError(405, f"{method} is not allowed here; use {' or '.join(methods)}")


def json_body(request: Request, empty: Any = None) -> Any:
    data = request.get_data(as_text=True)
    if not data.strip():
        if empty is not None:
            return empty
        raise ControlError(400, "expected a JSON body")
    try:
        return json.loads(data)
    except ValueError as failure:
        raise ControlError(400, f"the body is not JSON: {failure}")


def regions_of(body: Any) -> list[str] | None:
    if not isinstance(body, dict):
        raise ControlError(400, "expected a JSON object")
    if "region" in body and "regions" in body:
        raise ControlError(400, 'give "region" or "regions", not both')
    if "region" in body:
        regions = [body["region"]]
    elif "regions" in body:
        regions = body["regions"]
    else:
        return None
    if not isinstance(regions, list) or not all(isinstance(region, str) and region for region in regions):
        raise ControlError(400, '"region" must be a region name, "regions" a list of them')
    return regions


def page_size(value: Any) -> int:
    if value is None:
        return PAGE_DEFAULT
    if isinstance(value, bool) or not isinstance(value, int) or not PAGE_MIN <= value <= PAGE_MAX:
        raise error("InvalidParameterValue",
                    f"Invalid value {value} for MaxRecords. Must be between {PAGE_MIN} and {PAGE_MAX}")
    return value


def encode_marker(position: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(["ferry-v1", *position]).encode()).decode().rstrip("=")


def decode_marker(marker: Any) -> tuple[str, str] | None:
    if marker is None or marker == "":
        return None
    try:
        text = str(marker)
        decoded = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error):
        decoded = None
    if not (isinstance(decoded, list) and len(decoded) == 3 and decoded[0] == "ferry-v1"
            and all(isinstance(part, str) for part in decoded[1:])):
        raise error("InvalidParameterValue", f"The marker {marker} is not valid.")
    return decoded[1], decoded[2]


def split_source(source: str, region: str) -> tuple[str, str]:
    """(region, identifier) of a copy's source: an ARN names its region, a plain identifier is the request's."""
    if source.startswith("arn:"):
        parts = source.split(":")
        if len(parts) >= 7:
            return parts[3], parts[-1].lower()
    return region, source.lower()


def find_snapshot(account: str, region: str, kind: SnapshotKind, identifier: str) -> Any:
    try:
        backend = rds_backends[account][region]
    except KeyError:
        return None
    return kind.stored(backend).get(identifier)


def returned_model(response: RDSResponse, model: Any) -> Any:
    return model


def stored_cluster(response: RDSResponse, returned: DBCluster) -> DBCluster:
    # CreateDBCluster returns a copy of the cluster it stored; the describes list the stored one.
    return response.backend.clusters[returned.db_cluster_identifier]


def keep_clusters_in_progress() -> None:
    original = DBCluster.status

    def status(self: DBCluster) -> str:
        record = getattr(self, RECORD, None)
        return self._status if record is not None and not record.done else original.fget(self)

    DBCluster.status = property(status, original.fset)


def polls_from_environment(name: str) -> int:
    text = os.environ.get(name, "0")
    if not text.isdigit():
        sys.exit(f"moto-server.py: {name} must be a whole number of polls, not {text!r}")
    return int(text)


def install_from_environment() -> Emulator:
    """Patches moto with FERRY_MOTO_SNAPSHOT_POLLS / FERRY_MOTO_INSTANCE_POLLS from the environment."""
    return Emulator(polls_from_environment("FERRY_MOTO_SNAPSHOT_POLLS"),
                    polls_from_environment("FERRY_MOTO_INSTANCE_POLLS")).install()
