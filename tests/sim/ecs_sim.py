#!/usr/bin/env python3
"""Loopback simulator of the Alibaba Cloud ECS API (version 2014-05-26), as far
as check_ecs_invocation uses it: DescribeInvocations and
DescribeInvocationResults, signed with RPC signature v1 (HMAC-SHA1) or V3
(ACS3-HMAC-SHA256); the STS action AssumeRole (version 2015-04-01) on the same
listener; and, on a second plain-HTTP listener, the ECS instance metadata
service's RAM-role credentials (IMDSv1 and IMDSv2).

It is strict on purpose: a request the real service would refuse is refused
here with the real error shape, so that the plugin's tests prove something.
The facts it follows are in the project's API notes (aliyun-api.md); where the
notes leave a behaviour open, the choice made here is marked "assumption".

Usage:
  ecs_sim.py --scenarios DIR --keys FILE --log FILE --ready-file FILE
             [--port 0] [--tls-cert CERT --tls-key KEY]
             [--clock-offset SECONDS] [--clock-file FILE] [--clock-frozen-at UNIX]
             [--metadata-port PORT] [--imds-v2-only]
             [--relax-replay] [--log-bodies] [--signature-log FILE]
             [--issued-log FILE]

The server binds 127.0.0.1 only, writes the port it got to the ready file
(atomically, once it listens; with --metadata-port a second line
"metadata PORT"), logs one JSON object per request to the log file, and
serves until SIGTERM or SIGINT. SIGHUP resets the fault counters of every
scenario (and logs {"event": "reset"}); SIGUSR1 sets the clock offset to the
number in --clock-file (and logs {"event": "clock"}). With --clock-frozen-at
the clock stands still at that Unix time (plus the offset): every Date header
and timestamp check of the run sees the same second, so tests of ages and
durations get exact answers however slowly they run.

Scenario files (DIR/<InvokeId>.json) are described in scenarios/README.md.
"""

import argparse
import base64
import copy
import datetime
import email.utils
import hashlib
import itertools
import json
import os
import re
import select
import signal
import socket
import socketserver
import ssl
import sys
import threading
import time
import secrets
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, unquote_plus

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import aliyun_sign as sign  # noqa: E402

API_VERSION = "2014-05-26"
ACTIONS = ("DescribeInvocations", "DescribeInvocationResults")
STS_API_VERSION = "2015-04-01"
STS_ACTIONS = ("AssumeRole",)
STS_HOST_ID = "sts.aliyuncs.com"
STS_DURATION_MIN, STS_DURATION_MAX, STS_DURATION_DEFAULT = 900, 43200, 3600
ROLE_ARN_RE = re.compile(r"^acs:ram::[0-9]{1,32}:role/[A-Za-z0-9._-]{1,64}$")
SESSION_NAME_RE = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")
MAX_ISSUED = 20000              # temporary keys remembered (oldest dropped)
# ECS instance metadata service (aliyun-api.md §9.5)
IMDS_TOKEN_PATH = "/latest/api/token"
IMDS_ROLE_PREFIX = "/latest/meta-data/ram/security-credentials/"
IMDS_TTL_HEADER = "X-aliyun-ecs-metadata-token-ttl-seconds"
IMDS_TOKEN_HEADER = "X-aliyun-ecs-metadata-token"
IMDS_TTL_MAX = 21600
IMDS_CRED_LIFETIME = 6 * 3600   # Expiration of role credentials
IMDS_CRED_REFRESH = 3600        # the same credentials are served this long
MAX_IMDS_TOKENS = 10000
CLOCK_WINDOW = 15 * 60          # allowed skew of Timestamp / x-acs-date
NONCE_TTL = 15 * 60             # how long a used nonce is remembered
MAX_REQUEST_BODY = 1 << 20
MAX_TOKENS = 100000
DEFAULT_REGION = "cn-hangzhou"
HOST_ID = "ecs.aliyuncs.com"
TIMESTAMP_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")
SAFE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")

# Region ids the real ECS API knows (public regions); any other RegionId is
# answered with InvalidRegionId.NotFound.
KNOWN_REGIONS = frozenset("""
cn-hangzhou cn-shanghai cn-beijing cn-qingdao cn-zhangjiakou cn-huhehaote
cn-wulanchabu cn-shenzhen cn-heyuan cn-guangzhou cn-chengdu cn-nanjing
cn-fuzhou cn-wuhan-lr cn-hongkong ap-northeast-1 ap-northeast-2
ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-5 ap-southeast-6
ap-southeast-7 ap-south-1 us-east-1 us-west-1 eu-west-1 eu-central-1
me-east-1 me-central-1 cn-shanghai-finance-1 cn-shenzhen-finance-1
cn-beijing-finance-1 cn-north-2-gov-1
""".split())

# Code -> (HTTP status, message). Statuses and messages follow aliyun-api.md
# §5; codes the notes list without a status are marked as assumptions.
ERRORS = {
    "SignatureDoesNotMatch": (400, "Specified signature is not matched with "
                              "our calculation. server string to sign is:"),
    "IncompleteSignature": (400, "The request signature does not conform to "
                            "Aliyun standards."),
    "SignatureNonceUsed": (400, "Specified signature nonce was used already."),
    "InvalidTimeStamp.Expired": (400, "Specified time stamp or date value is "
                                 "expired."),
    "IllegalTimestamp": (400, "The input parameter \"Timestamp\" that is "
                         "mandatory for processing this request is not "
                         "supplied or not in the format "
                         "yyyy-MM-ddTHH:mm:ssZ."),
    "InvalidAccessKeyId.NotFound": (404, "Specified access key is not found."),
    "Forbidden.AccessKeyDisabled": (403, "The Access Key is disabled."),
    # assumption: 400 for the STS token codes (the notes say "4xx").
    "MissingSecurityToken": (400, "SecurityToken is mandatory for this "
                             "AccessKeyId."),
    "InvalidSecurityToken.MismatchWithAccessKey": (
        400, "Specified SecurityToken mismatch with the AccessKey."),
    # assumption: 400 (the notes list the code with "4xx"); the message is
    # the one third-party STS clients quote.
    "InvalidSecurityToken.Expired": (400, "Specified SecurityToken is "
                                     "expired."),
    # STS AssumeRole (2015-04-01). Codes and messages of PolicyGrammar,
    # RoleSessionName, DurationSeconds and NoPermission are those of
    # Alibaba's "STS common errors" page (doc-detail 42775); every HTTP
    # status below, MissingRoleArn / MissingRoleSessionName (modelled on the
    # documented "SecurityToken is mandatory for this action."),
    # InvalidParameter.RoleArn and the EntityNotExist.Role message are
    # assumptions.
    "MissingRoleArn": (400, "RoleArn is mandatory for this action."),
    "MissingRoleSessionName": (400, "RoleSessionName is mandatory for this "
                               "action."),
    "InvalidParameter.RoleArn": (400, "The parameter RoleArn is wrongly "
                                 "formed."),
    "InvalidParameter.RoleSessionName": (400, "The parameter RoleSessionName "
                                         "is wrongly formed."),
    # The page says "15min/1hr" (the old maximum); the maximum is now 12 h.
    "InvalidParameter.DurationSeconds": (400, "The Min/Max value of "
                                         "DurationSeconds is 15min/12hr."),
    "InvalidParameter.PolicyGrammar": (400, "The parameter Policy has not "
                                       "passed grammar check."),
    "EntityNotExist.Role": (404, "The specified Role not exists: %s"),
    "NoPermission": (403, "You are not authorized to do this action. You "
                     "should be authorized by RAM."),
    "Forbidden.RAM": (403, "User not authorized to operate on the specified "
                      "resource."),
    "Throttling.User": (400, "Request was denied due to user flow control."),
    "Throttling": (400, "Request was denied due to request throttling."),
    "ServiceUnavailable": (503, "The request has failed due to a temporary "
                           "failure of the server."),
    "InternalError": (500, "The request processing has failed due to some "
                      "unknown error, exception or failure."),
    "InvalidRegionId.NotFound": (404, "The specified RegionId does not "
                                 "exist."),
    "MissingParameter.RegionId": (400, "The input parameter \"RegionId\" that "
                                  "is mandatory for processing this request "
                                  "is not supplied."),
    "MissingParameter": (400, "The input parameter \"%s\" that is mandatory "
                         "for processing this request is not supplied."),
    "InvalidParameter": (400, "The specified parameter \"%s\" is not valid."),
    "InvalidParameter.MaxResults": (400, "The specified parameter "
                                    "\"MaxResults\" is not valid."),
    "InvalidParameter.NextToken": (400, "The specified parameter "
                                   "\"NextToken\" is not valid."),
    "InvalidParam.PageSize": (400, "The specified parameter \"PageSize\" is "
                              "not valid."),
    "InvalidParam.PageNumber": (400, "The specified parameter \"PageNumber\" "
                                "is not valid."),
    # assumption: the notes say IncludeHistory=true needs a Period or
    # EveryReboot execution but name no error code; this one is ours.
    "InvalidParameter.IncludeHistory": (400, "IncludeHistory is only "
                                        "supported for invocations whose "
                                        "RepeatMode is Period or "
                                        "EveryReboot."),
    # assumption: code for a ContentEncoding other than PlainText/Base64.
    "InvalidParameter.ContentEncoding": (400, "The specified parameter "
                                         "\"ContentEncoding\" is not "
                                         "valid."),
    "InvalidAction.NotFound": (400, "Specified api is not found, please "
                               "check your url and method."),
    "InvalidVersion": (400, "Specified parameter Version is not valid."),
    "UnsupportedHTTPMethod": (403, "This http method is not supported."),
    "InvalidInvokeId.NotFound": (404, "The specified invoke ID does not "
                                 "exist."),
    "RequestEntityTooLarge": (413, "The request body is too large."),
}


class ApiError(Exception):
    """An error answer in the real shape."""

    def __init__(self, code, message=None, status=None, headers=None,
                 detail=None, close=False):
        super().__init__(code)
        st, msg = ERRORS.get(code, (400, code))
        self.code = code
        self.status = status or st
        self.message = msg if message is None else message
        self.headers = headers or {}
        self.detail = detail
        self.close = close


def missing(name):
    return ApiError("MissingParameter", ERRORS["MissingParameter"][1] % name)


def invalid(name):
    return ApiError("InvalidParameter", ERRORS["InvalidParameter"][1] % name)


class ScenarioError(Exception):
    pass


# ------------------------------------------------------------ status model

def legacy_instance_status(status, d):
    """Legacy InstanceInvokeStatus the real API sends beside InvocationStatus
    (aliyun-api.md §3.4; the 2021 samples show a failed-by-exit-code run as
    Finished)."""
    if status in ("Pending", "Scheduled", "Running", "Stopping"):
        return "Running"
    if status == "Success":
        return "Finished"
    if status == "Failed":
        if "ExitCode" in d and d.get("ErrorCode", "") in ("",
                                                          "ExitCodeNonzero"):
            return "Finished"
        return "Failed"
    if status in ("Invalid", "Aborted", "Error", "Timeout"):
        return "Failed"
    if status in ("Stopped", "Cancelled", "Terminated"):
        return "Stopped"
    return None


def legacy_record_status(status, d):
    """InvokeRecordStatus (§3.5): like the above, but it knows Stopping."""
    if status == "Stopping":
        return "Stopping"
    return legacy_instance_status(status, d)


def legacy_invoke_status(status, repeat_mode):
    """Invocation-level InvokeStatus (§3.1)."""
    if repeat_mode in ("Period", "EveryReboot") and status not in (
            "Stopped", "Stopping"):
        return "Running"
    return {
        "Pending": "Running", "Scheduled": "Running", "Running": "Running",
        "Stopping": "Stopping", "Success": "Finished", "Failed": "Failed",
        "PartialFailed": "PartialFailed", "Stopped": "Stopped",
    }.get(status)


# ---------------------------------------------------------------- scenarios

INVOCATION_DEFAULTS = {
    "CommandType": "RunShellScript",
    "CommandDescription": "",
    "CommandContent": "",
    "Parameters": "{}",
    "RepeatMode": "Once",
    "Frequency": "",
    "Timed": False,
    "Username": "root",
    "WorkingDir": "",
    "Timeout": 60,
    "TerminationMode": "Process",
}
INVOCATION_ORDER = [
    "InvokeId", "CommandId", "CommandName", "CommandType",
    "CommandDescription", "CommandContent", "Parameters", "RepeatMode",
    "Frequency", "Timed", "CreationTime", "InvocationStatus", "InvokeStatus",
    "Username", "WorkingDir", "Timeout", "TerminationMode", "Launcher",
    "ContainerId", "ContainerName", "OssOutputDelivery",
]
INSTANCE_ORDER = [
    "InstanceId", "InvocationStatus", "InstanceInvokeStatus", "ExitCode",
    "ErrorCode", "ErrorInfo", "Output", "Dropped", "Repeats", "CreationTime",
    "StartTime", "FinishTime", "StopTime", "UpdateTime", "Timed",
    "OssOutputStatus", "OssOutputUri", "OssOutputErrorCode",
    "OssOutputErrorInfo",
]
RECORD_ORDER = [
    "InvokeId", "CommandId", "InstanceId", "InvocationStatus",
    "InvokeRecordStatus", "ExitCode", "ErrorCode", "ErrorInfo", "Output",
    "Dropped", "Repeats", "StartTime", "FinishedTime", "StopTime", "Username",
    "TerminationMode", "Launcher", "ContainerId", "ContainerName",
    "OssOutputDelivery", "OssOutputStatus", "OssOutputUri",
    "OssOutputErrorCode", "OssOutputErrorInfo",
]
# Fields copied from a run record to the instance view (DescribeInvocations
# shows the latest run only, §4).
RUN_TO_INSTANCE = ["InvocationStatus", "ExitCode", "ErrorCode", "ErrorInfo",
                   "StartTime", "StopTime", "Dropped", "Output",
                   "OutputBase64"]
SIM_ONLY_KEYS = ("runs", "OutputBase64")
FAULT_TYPES = ("error", "delay", "trickle", "hang", "cut", "raw", "huge",
               "mutate")
SCENARIO_KEYS = {"region", "class", "description", "invocation", "instances",
                 "generate", "faults", "expect", "derive_legacy",
                 "history_order", "stuck_paging", "endless_paging", "stages"}


class Fault:
    """One fault of a scenario, with its own request counter."""

    def __init__(self, spec, where):
        if not isinstance(spec, dict) or spec.get("type") not in FAULT_TYPES:
            raise ScenarioError("%s: fault needs a type among %s"
                                % (where, ", ".join(FAULT_TYPES)))
        self.spec = spec
        self.type = spec["type"]
        self.action = spec.get("action")
        if self.action is not None and self.action not in ACTIONS:
            raise ScenarioError("%s: unknown fault action %r"
                                % (where, self.action))
        self.first = spec.get("first")
        if self.first is not None and (not isinstance(self.first, int)
                                       or self.first < 1):
            raise ScenarioError("%s: first must be a positive integer" % where)
        if self.type == "error":
            for k in ("status", "code"):
                if k not in spec:
                    raise ScenarioError("%s: error fault needs %s" % (where, k))
            if "date" in spec and not (spec["date"] is None or isinstance(spec["date"], str)):
                raise ScenarioError("%s: date is a string or null" % where)
            m = spec.get("string_to_sign_method")
            if m is not None and (spec["code"] != "SignatureDoesNotMatch"
                                  or m not in ("GET", "POST")):
                raise ScenarioError("%s: string_to_sign_method (GET or POST) "
                                    "goes with SignatureDoesNotMatch" % where)
        self.count = 0
        self.lock = threading.Lock()

    def consider(self, action):
        """Count a request; say whether this fault answers it."""
        if self.action is not None and self.action != action:
            return False
        with self.lock:
            self.count += 1
            n = self.count
        return self.first is None or n <= self.first

    def reset(self):
        with self.lock:
            self.count = 0

    def api_error(self):
        s = self.spec
        headers = dict(s.get("headers", {}))
        if "retry_after_ms" in s:
            headers["x-acs-retry-after"] = str(s["retry_after_ms"])
        if "date" in s:
            # A gateway that drops or garbles the Date header: null leaves
            # it out, a string replaces it.
            headers["Date"] = s["date"]
        return ApiError(s["code"], s.get("message", ERRORS.get(
            s["code"], (0, s["code"]))[1]), status=s["status"],
            headers=headers)


def _sort_time(value):
    return value if isinstance(value, str) else ""


class Scenario:
    """One invocation: header, instances (with run history for periodic
    ones), optional faults. Built from DIR/<InvokeId>.json."""

    def __init__(self, sid, data):
        where = sid
        if not isinstance(data, dict):
            raise ScenarioError("%s: top level must be an object" % where)
        unknown = set(data) - SCENARIO_KEYS
        if unknown:
            raise ScenarioError("%s: unknown keys %s" % (where, sorted(unknown)))
        inv = data.get("invocation")
        if not isinstance(inv, dict):
            raise ScenarioError("%s: needs an \"invocation\" object" % where)
        inv = dict(inv)
        inv.setdefault("InvokeId", sid)
        if inv["InvokeId"] != sid:
            raise ScenarioError("%s: InvokeId %r differs from the file name"
                                % (where, inv["InvokeId"]))
        self.id = sid
        self.region = data.get("region", DEFAULT_REGION)
        self.cls = data.get("class", "normal")
        self.expect = data.get("expect")
        self.derive_legacy = data.get("derive_legacy", True)
        self.invocation = inv
        self.repeat_mode = inv.get("RepeatMode", "Once")
        instances = data.get("instances", [])
        if not isinstance(instances, list):
            raise ScenarioError("%s: instances must be a list" % where)
        self.instances = [self._prepare(dict(i), where) for i in instances]
        gen = data.get("generate")
        if gen is not None:
            self.instances.extend(self._generate(gen, where))
        self.faults = [Fault(f, "%s fault %d" % (where, n))
                       for n, f in enumerate(data.get("faults", []))]
        # The real order of history records is undocumented: a scenario may
        # ask for oldest first, so clients that assume an order are caught.
        self.history_order = data.get("history_order", "newest")
        if self.history_order not in ("newest", "oldest"):
            raise ScenarioError("%s: history_order must be newest or oldest"
                                % where)
        # A broken server that never advances its NextToken.
        self.stuck_paging = bool(data.get("stuck_paging", False))
        self.endless_paging = bool(data.get("endless_paging", False))
        # An invocation that progresses while a client polls it: each stage
        # applies from the read after its "after_reads" DescribeInvocations
        # reads of this scenario (SIGHUP starts it over).
        self.first_invocation = dict(self.invocation)
        self.first_instances = self.instances
        self.stages = []
        for n, stage in enumerate(data.get("stages", [])):
            if not isinstance(stage, dict) or not isinstance(stage.get("after_reads"), int):
                raise ScenarioError("%s stage %d: needs an integer after_reads" % (where, n))
            step = stage.get("clock_step", 0)
            if isinstance(step, bool) or not isinstance(step, (int, float)):
                raise ScenarioError("%s stage %d: clock_step is a number of seconds" % (where, n))
            self.stages.append((stage["after_reads"], dict(stage.get("invocation", {})),
                                [self._prepare(dict(i), where) for i in stage.get("instances", [])]
                                if "instances" in stage else None, step))
        self.reads = 0
        self.clock_stepped = 0      # seconds the stages moved the clock by
        # records() answers, kept until the scenario's state moves on, so
        # that a page costs its 50 records and not all of them (the
        # benchmark measures clients, not this simulator).
        self.records_cache = {}

    @staticmethod
    def _prepare(inst, where):
        if "InstanceId" not in inst:
            raise ScenarioError("%s: every instance needs an InstanceId"
                                % where)
        runs = inst.get("runs")
        if runs is not None:
            if not isinstance(runs, list) or not runs:
                raise ScenarioError("%s: runs must be a non-empty list"
                                    % where)
            runs = sorted((dict(r) for r in runs),
                          key=lambda r: _sort_time(r.get("StartTime")))
            for n, run in enumerate(runs, 1):
                run.setdefault("Repeats", n)
            inst["runs"] = runs
        return inst

    @staticmethod
    def _generate(gen, where):
        try:
            count = int(gen["count"])
            pattern = gen["instance_id"]
            template = gen.get("template", {})
            rules = gen.get("rules", [])
        except (KeyError, TypeError, ValueError) as e:
            raise ScenarioError("%s: bad generate block (%s)" % (where, e))
        out = []
        for n in range(1, count + 1):
            inst = copy.deepcopy(template)
            inst["InstanceId"] = pattern.format(n=n)
            for rule in rules:
                every = int(rule.get("every", 1))
                offset = int(rule.get("offset", 0))
                if every > 0 and (n - offset) % every == 0 and n > offset:
                    inst.update(copy.deepcopy(rule.get("set", {})))
            out.append(Scenario._prepare(inst, where))
        return out

    def reset_faults(self):
        """Start over; returns the clock steps to take back."""
        for f in self.faults:
            f.reset()
        stepped, self.clock_stepped = self.clock_stepped, 0
        self.reads = 0
        self.invocation = dict(self.first_invocation)
        self.instances = self.first_instances
        self.records_cache = {}
        return stepped

    def count_read(self):
        """One more DescribeInvocations read: move to the stage it reaches.
        Returns the seconds the simulator's clock steps by now (a stage's
        clock_step, once, as when NTP steps a clock in the middle of a run)."""
        self.reads += 1
        step = 0
        if self.stages:
            self.records_cache = {}
        for after, invocation, instances, clock_step in self.stages:
            if self.reads > after:
                self.invocation = dict(self.first_invocation)
                self.invocation.update(invocation)
                if instances is not None:
                    self.instances = instances
            if self.reads == after + 1:
                step += clock_step
        self.clock_stepped += step
        return step

    def pick_fault(self, action):
        chosen = None
        for f in self.faults:
            if f.consider(action) and chosen is None:
                chosen = f
        return chosen

    # ---- views (unencoded: Output stays bytes under "_output")

    def invocation_view(self):
        d = dict(INVOCATION_DEFAULTS)
        d.update(self.invocation)
        if self.derive_legacy and "InvokeStatus" not in self.invocation:
            st = legacy_invoke_status(d.get("InvocationStatus"),
                                      d.get("RepeatMode"))
            if st:
                d["InvokeStatus"] = st
        return d

    def instance_view(self, inst):
        base = {}
        runs = inst.get("runs")
        if runs:
            last = runs[-1]
            for k in RUN_TO_INSTANCE:
                if k in last:
                    base[k] = last[k]
            if "FinishedTime" in last:
                base["FinishTime"] = last["FinishedTime"]
            base["Repeats"] = len(runs)
        for k, v in inst.items():
            if k == "runs":
                continue
            if k == "Output":
                base.pop("OutputBase64", None)
            if k == "OutputBase64":
                base.pop("Output", None)
            base[k] = v
        base.setdefault("CreationTime", self.invocation.get("CreationTime"))
        base.setdefault("ErrorCode", "")
        base.setdefault("ErrorInfo", "")
        base.setdefault("Dropped", 0)
        base.setdefault("Repeats", 1 if base.get("StartTime") else 0)
        base.setdefault("StopTime", "")
        base.setdefault("Timed", self.invocation.get("Timed", False))
        base.setdefault("UpdateTime", base.get("FinishTime")
                        or base.get("StartTime") or base.get("CreationTime"))
        if self.derive_legacy and "InstanceInvokeStatus" not in inst \
                and "InvocationStatus" in base:
            legacy = legacy_instance_status(base["InvocationStatus"], base)
            if legacy:
                base["InstanceInvokeStatus"] = legacy
        return base

    def _record(self, inst, src, finished_key):
        inv = self.invocation_view()
        rec = {"InvokeId": self.id, "CommandId": inv.get("CommandId"),
               "InstanceId": inst["InstanceId"]}
        for k, v in src.items():
            if k in ("runs", "InstanceInvokeStatus", "CreationTime",
                     "UpdateTime", "Timed"):
                continue
            if k == finished_key:
                rec["FinishedTime"] = v
                continue
            rec[k] = v
        rec.setdefault("ErrorCode", "")
        rec.setdefault("ErrorInfo", "")
        rec.setdefault("Dropped", 0)
        rec.setdefault("StopTime", "")
        rec.setdefault("Username", inv.get("Username"))
        rec.setdefault("TerminationMode", inv.get("TerminationMode"))
        if "InvokeRecordStatus" not in rec:
            legacy = None
            if "InvocationStatus" in rec:
                if self.derive_legacy:
                    legacy = legacy_record_status(rec["InvocationStatus"], rec)
            else:
                legacy = src.get("InstanceInvokeStatus")
            if legacy:
                rec["InvokeRecordStatus"] = legacy
        return rec

    def records(self, include_history):
        """DescribeInvocationResults records: one per instance (its newest
        run for periodic ones), or every run, newest first. The list and
        its records are shared: callers copy what they change."""
        cache = self.records_cache
        hit = cache.get(include_history)
        if hit is None:
            hit = cache[include_history] = self._records(include_history)
        return hit

    def _records(self, include_history):
        if not include_history:
            out = []
            for inst in self.instances:
                runs = inst.get("runs")
                if runs:
                    out.append(self._record(inst, runs[-1], "FinishedTime"))
                else:
                    out.append(self._record(inst, self.instance_view(inst),
                                            "FinishTime"))
            return out
        out = []
        for inst in self.instances:
            for run in inst.get("runs") or []:
                out.append(self._record(inst, run, "FinishedTime"))
        # newest first by StartTime, then by instance id (§2; order is
        # undocumented, this is the simulator's choice)
        out.sort(key=lambda r: str(r.get("InstanceId")))
        out.sort(key=lambda r: _sort_time(r.get("StartTime")),
                 reverse=self.history_order == "newest")
        return out


class ScenarioStore:
    """Loads DIR/<InvokeId>.json on demand, reloading a file that changed."""

    def __init__(self, directory):
        self.dir = directory
        self.cache = {}
        self.lock = threading.Lock()

    def get(self, invoke_id):
        if not isinstance(invoke_id, str) or not SAFE_ID_RE.match(invoke_id):
            return None
        path = os.path.join(self.dir, invoke_id + ".json")
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = (st.st_mtime_ns, st.st_size)
        with self.lock:
            hit = self.cache.get(invoke_id)
        if hit and hit[0] == key:
            return hit[1]
        try:
            with open(path, "rb") as f:
                data = json.loads(f.read().decode("utf-8"))
        except (OSError, ValueError) as e:
            raise ScenarioError("%s: %s" % (path, e))
        sc = Scenario(invoke_id, data)
        with self.lock:
            self.cache[invoke_id] = (key, sc)
        return sc

    def ids(self):
        try:
            names = os.listdir(self.dir)
        except OSError:
            return []
        return sorted(n[:-5] for n in names
                      if n.endswith(".json") and SAFE_ID_RE.match(n[:-5]))

    def all(self):
        out = []
        for sid in self.ids():
            sc = self.get(sid)
            if sc is not None:
                out.append(sc)
        return out

    def reset_faults(self):
        with self.lock:
            scenarios = [v[1] for v in self.cache.values()]
        stepped = 0
        for sc in scenarios:
            stepped += sc.reset_faults()
        return stepped


# ------------------------------------------------------------------ helpers

def output_bytes(d):
    if "OutputBase64" in d:
        return base64.b64decode(d["OutputBase64"])
    out = d.get("Output")
    if out is None:
        return b""
    if isinstance(out, str):
        return out.encode("utf-8")
    return out          # a wrongly typed Output passes through unchanged


def encode_text(raw, encoding):
    if not isinstance(raw, (bytes, bytearray)):
        return raw
    if encoding == "PlainText":
        return raw.decode("utf-8", "replace")
    return base64.b64encode(raw).decode("ascii")


def ordered(d, order):
    out = {}
    for k in order:
        if k in d and d[k] is not None:
            out[k] = d[k]
    for k, v in d.items():
        if k not in out and k not in order and v is not None \
                and k not in SIM_ONLY_KEYS and not k.startswith("_"):
            out[k] = v
    return out


def iso_time(unix):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


def parse_timestamp(value):
    m = TIMESTAMP_RE.match(value or "")
    if not m:
        raise ValueError(value)
    dt = datetime.datetime(*map(int, m.groups()),
                           tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def parse_pairs(text):
    """Decode a query string or form body into a list of (name, value)."""
    out = []
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        try:
            out.append((unquote_plus(name, errors="strict"),
                        unquote_plus(value, errors="strict")))
        except UnicodeDecodeError:
            raise ApiError("InvalidParameter", "The request contains a "
                           "parameter that is not valid UTF-8.")
    return out


def redact_token(text, token):
    """text with the security token, as sent and percent-encoded once or
    twice (as a v1 string-to-sign holds it), replaced: the log keeps no
    token."""
    if not token or not isinstance(text, str):
        return text
    once = sign.percent_encode(token)
    for form in (sign.percent_encode(once), once, token):
        text = text.replace(form, "(token)")
    return text


def pairs_to_dict(pairs, into=None):
    d = {} if into is None else into
    for name, value in pairs:
        if name in d:
            # assumption: a repeated parameter name is refused rather than
            # silently resolved one way or the other.
            raise ApiError("InvalidParameter", "The parameter \"%s\" is "
                           "given more than once." % name)
        d[name] = value
    return d


def set_path(obj, path, value, delete=False):
    """Set (or delete) a dotted path like Invocations.Invocation.0.X."""
    parts = path.split(".")
    cur = obj
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur[p]
    last = parts[-1]
    if isinstance(cur, list):
        last = int(last)
    if delete:
        del cur[last]
    else:
        cur[last] = value


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(v):
    if isinstance(v, bool):
        v = "true" if v else "false"
    v = str(v)
    v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _XML_BAD.sub("\ufffd", v)


def to_xml(root, obj):
    parts = ["<?xml version='1.0' encoding='UTF-8'?>"]

    def emit(name, value):
        if isinstance(value, list):
            for item in value:
                emit(name, item)
        elif isinstance(value, dict):
            parts.append("<%s>" % name)
            for k, v in value.items():
                emit(k, v)
            parts.append("</%s>" % name)
        elif value is None:
            parts.append("<%s/>" % name)
        else:
            parts.append("<%s>%s</%s>" % (name, _xml_text(value), name))

    emit(root, obj)
    return "".join(parts).encode("utf-8")


# ---------------------------------------------------------------- simulator

class SimState:
    """Everything the request threads share."""

    def __init__(self, args):
        with open(args.keys, "rb") as f:
            keys = json.loads(f.read().decode("utf-8"))
        # Role tables live beside the keys; they are not key ids.
        self.ecs_roles = keys.pop("ecs_roles", {}) or {}
        self.ram_roles = keys.pop("ram_roles", {}) or {}
        self.keys = keys
        self.store = ScenarioStore(args.scenarios)
        self.clock_offset = float(args.clock_offset)
        self.clock_file = getattr(args, "clock_file", None)
        frozen = getattr(args, "clock_frozen_at", None)
        self.clock_frozen_at = float(frozen) if frozen is not None else None
        self.imds_v2_only = bool(getattr(args, "imds_v2_only", False))
        self.imds_v1_only = bool(getattr(args, "imds_v1_only", False))
        # Temporary keys issued by AssumeRole and the metadata service:
        # id -> {"secret", "security_token", "expires" (simulator clock),
        # "expired" (refused from the start)}.
        self.issued_lock = threading.Lock()
        self.issued = {}
        self.role_cache = {}        # ECS role name -> (issued at, creds)
        self.imds_lock = threading.Lock()
        self.imds_tokens = {}       # token -> expiry (simulator clock)
        self.relax_replay = bool(args.relax_replay)
        self.log_path = args.log
        self.signature_log = getattr(args, "signature_log", None)
        self.issued_log = getattr(args, "issued_log", None)
        self.log_bodies = bool(args.log_bodies)
        self.stop = threading.Event()
        self.log_lock = threading.Lock()
        self.nonce_lock = threading.Lock()
        self.nonces = {}
        self.token_lock = threading.Lock()
        self.tokens = {}
        self.conn_counter = itertools.count(1)
        self.conn_lock = threading.Lock()

    def now(self):
        base = self.clock_frozen_at if self.clock_frozen_at is not None else time.time()
        return base + self.clock_offset

    def reload_clock(self):
        """SIGUSR1: take the clock offset from --clock-file."""
        if not self.clock_file:
            return None
        try:
            with open(self.clock_file) as f:
                self.clock_offset = float(f.read().strip())
        except (OSError, ValueError) as e:
            sys.stderr.write("ecs_sim: bad --clock-file: %s\n" % e)
            return None
        return self.clock_offset

    # ---- temporary credentials (STS AssumeRole, metadata service)

    def issue_credentials(self, lifetime, expired=False):
        """A new STS key valid for lifetime seconds on the simulator clock
        (or refused as expired from the start). Returns (dict with the
        API's field names, unix expiry)."""
        ak = "STS." + "".join(secrets.choice(
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
            for _ in range(25))
        secret = secrets.token_urlsafe(30).replace("-", "x").replace("_", "y")
        # Like real ones: long, base64, with '+', '/' and '=' to encode.
        while True:
            token = "CAIS" + base64.b64encode(os.urandom(160)).decode("ascii")
            if "+" in token and "/" in token:
                break
        expires = int(self.now()) + int(lifetime)
        with self.issued_lock:
            if len(self.issued) >= MAX_ISSUED:
                for k in list(self.issued)[:MAX_ISSUED // 10]:
                    del self.issued[k]
            self.issued[ak] = {"secret": secret, "security_token": token,
                               "expires": expires, "expired": bool(expired)}
        creds = {"AccessKeyId": ak, "AccessKeySecret": secret,
                 "SecurityToken": token, "Expiration": iso_time(expires)}
        self.log_issued(creds)
        return creds, expires

    def find_key(self, access_key_id):
        key = self.keys.get(access_key_id)
        if isinstance(key, dict):
            return key
        with self.issued_lock:
            return self.issued.get(access_key_id)

    def key_expired(self, key):
        if key.get("expired"):
            return True
        exp = key.get("expires")
        return exp is not None and self.now() >= exp

    def role_credentials(self, role, spec):
        """The metadata service's credentials for an ECS role: the same ones
        for IMDS_CRED_REFRESH seconds, then fresh ones."""
        now = self.now()
        with self.issued_lock:
            hit = self.role_cache.get(role)
        if hit is not None and now < hit[0] + IMDS_CRED_REFRESH \
                and now < hit[2]:
            return hit[1], hit[0]
        creds, expires = self.issue_credentials(
            IMDS_CRED_LIFETIME, expired=bool(spec.get("expired")))
        with self.issued_lock:
            self.role_cache[role] = (int(now), creds, expires)
        return creds, int(now)

    def new_imds_token(self, ttl):
        token = secrets.token_urlsafe(32)
        now = self.now()
        with self.imds_lock:
            if len(self.imds_tokens) >= MAX_IMDS_TOKENS:
                for k in [k for k, e in self.imds_tokens.items() if e <= now]:
                    del self.imds_tokens[k]
                for k in list(self.imds_tokens)[:MAX_IMDS_TOKENS // 10]:
                    del self.imds_tokens[k]
            self.imds_tokens[token] = now + ttl
        return token

    def imds_token_valid(self, token):
        with self.imds_lock:
            exp = self.imds_tokens.get(token)
        return exp is not None and self.now() < exp

    def next_conn(self):
        with self.conn_lock:
            return next(self.conn_counter)

    def log(self, entry):
        line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
                + "\n").encode("utf-8")
        with self.log_lock:
            # O_APPEND and one open per line: a harness that truncates the
            # file between tests loses nothing that comes after.
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                         0o644)
            try:
                view = memoryview(line)
                while view:
                    n = os.write(fd, view)
                    view = view[n:]
            finally:
                os.close(fd)

    def log_signature(self, signature):
        """--signature-log: every signature a client sent, one a line, for
        tests that make sure no signature shows up anywhere else. Never in
        the request log."""
        if not self.signature_log or not signature:
            return
        self._append(self.signature_log, signature.replace("\n", " "))

    def log_issued(self, creds):
        """--issued-log: every temporary key issued (AssumeRole, the
        metadata service), one JSON object a line with the API's field
        names, for tests that look for its secret and token. Never in the
        request log."""
        if self.issued_log:
            self._append(self.issued_log, json.dumps(creds, sort_keys=True))

    def _append(self, path, text):
        line = (text + "\n").encode("utf-8")
        with self.log_lock:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)

    def use_nonce(self, access_key_id, nonce):
        """Remember a nonce; False if it was seen within NONCE_TTL."""
        now = time.time()
        key = (access_key_id, nonce)
        with self.nonce_lock:
            if len(self.nonces) > 10000:
                for k in [k for k, t in self.nonces.items()
                          if now - t > NONCE_TTL]:
                    del self.nonces[k]
            seen = self.nonces.get(key)
            if seen is not None and now - seen <= NONCE_TTL:
                return False
            self.nonces[key] = now
            return True

    def new_token(self, scope, offset):
        # Opaque, base64-like, and made to contain '+' and '/' so that a
        # client that does not percent-encode it sends a different token.
        while True:
            tok = "AAAAA" + base64.b64encode(os.urandom(33)).decode("ascii")
            if "+" in tok and "/" in tok:
                break
        with self.token_lock:
            if len(self.tokens) >= MAX_TOKENS:
                for k in list(self.tokens)[:MAX_TOKENS // 10]:
                    del self.tokens[k]
            self.tokens[tok] = (scope, offset)
        return tok

    def lookup_token(self, token, scope):
        with self.token_lock:
            hit = self.tokens.get(token)
        if hit is None or hit[0] != scope:
            raise ApiError("InvalidParameter.NextToken")
        return hit[1]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, addr, handler, state):
        self.state = state
        super().__init__(addr, handler)

    def server_bind(self):
        # HTTPServer.server_bind would do a reverse DNS look-up; not needed.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError)):
            return      # client went away, TLS refused by the client, ...
        super().handle_error(request, client_address)


class BodyReader:
    """Reads a request body (Content-Length or chunked) within
    MAX_REQUEST_BODY; shared by the API and the metadata handlers."""

    def read_body(self):
        te = self.headers.get("Transfer-Encoding")
        if te is not None:
            if te.strip().lower() != "chunked":
                raise ApiError("InvalidParameter", "Unsupported "
                               "Transfer-Encoding.", close=True)
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise ApiError("InvalidParameter", "Malformed chunked "
                                   "body.", close=True)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    break
                total += size
                if total > MAX_REQUEST_BODY:
                    raise ApiError("RequestEntityTooLarge", close=True)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
            return b"".join(chunks)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            n = int(cl)
            if n < 0:
                raise ValueError
        except ValueError:
            raise ApiError("InvalidParameter", "Bad Content-Length.",
                           close=True)
        if n > MAX_REQUEST_BODY:
            raise ApiError("RequestEntityTooLarge", close=True)
        return self.rfile.read(n)


class Handler(BodyReader, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ecs-sim/1.0"
    sys_version = ""
    timeout = 120           # idle keep-alive connections are closed after it

    def setup(self):
        super().setup()
        self.conn_id = self.server.state.next_conn()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                       1)
        except OSError:
            pass
        if isinstance(self.connection, ssl.SSLSocket):
            # Handshake here rather than on the first read, so that every
            # completed one is logged: a client's handshakes per run are
            # counted from the log, not guessed from its connections.
            self.connection.do_handshake()
            self.server.state.log({
                "event": "tls", "t": round(time.time(), 6),
                "conn": self.conn_id, "version": self.connection.version(),
                "resumed": self.connection.session_reused})

    def log_message(self, fmt, *args):
        pass                # the JSON request log replaces the access log

    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(self.server.state.now(), usegmt=True)

    def do_GET(self):
        self.api()

    def do_POST(self):
        self.api()

    def _unsupported(self):
        self.api(unsupported=True)

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _unsupported

    # ------------------------------------------------------------ request

    def api(self, unsupported=False):
        st = self.server.state
        self.rec = {
            "t": round(time.time(), 6), "conn": self.conn_id,
            "method": self.command, "action": None, "sig_version": None,
            "verdict": None, "nonce": None, "invoke_id": None,
            "max_results": None, "next_token": None,
            "include_history": None, "status": None, "access_key_id": None,
        }
        self.service = self.rec["service"] = "ecs"
        self.request_id = str(uuid.uuid4()).upper()
        auth = self.headers.get("Authorization")
        self.is_v3 = auth is not None and auth.strip().startswith("ACS3-")
        # Best guess of the answer's format before the strict parse, so that
        # even a request refused as unparsable is answered in its Format.
        m = re.search(r"(?:^|[?&])Format=([^&]*)", self.path)
        fmt = m.group(1).lower() if m else None
        self.want_json = fmt == "json" or (self.is_v3 and fmt in (None,
                                                                  "json"))
        self.logged = False
        try:
            if unsupported:
                self.close_connection = True
                raise ApiError("UnsupportedHTTPMethod")
            body = self.read_body()
            result = self.process(body, auth)
        except ApiError as e:
            if e.close:
                self.close_connection = True
            self.send_error_reply(e)
            return
        except ScenarioError as e:
            sys.stderr.write("ecs_sim: bad scenario: %s\n" % e)
            self.send_error_reply(ApiError("InternalError"))
            return
        except (OSError, ssl.SSLError):
            raise               # the connection itself failed
        except Exception:       # a simulator bug: say so, answer 500
            import traceback
            sys.stderr.write("ecs_sim: internal error\n%s"
                             % traceback.format_exc())
            self.close_connection = True
            self.send_error_reply(ApiError("InternalError"))
            return
        payload, root, fault = result
        self.send_payload(200, payload, root, fault)

    def process(self, body, auth):
        st = self.server.state
        path, _, rawq = self.path.partition("?")
        self.sent_pairs = parse_pairs(rawq)
        self.sent_body = body
        query = pairs_to_dict(self.sent_pairs)
        params = dict(query)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if self.command == "POST" and body and \
                ctype.strip().lower() == "application/x-www-form-urlencoded":
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise ApiError("InvalidParameter", "The request body is not "
                               "valid UTF-8.")
            form = parse_pairs(text)
            pairs_to_dict(form, params)
            self.sent_pairs = self.sent_pairs + form
            self.sent_body = b""
        fmt = params.get("Format")
        if self.is_v3:
            self.want_json = fmt is None or fmt.lower() == "json"
        else:
            self.want_json = fmt is not None and fmt.lower() == "json"

        rec = self.rec
        rec["invoke_id"] = params.get("InvokeId")
        rec["accept_encoding"] = self.headers.get("Accept-Encoding")
        rec["max_results"] = params.get("MaxResults")
        rec["next_token"] = params.get("NextToken")
        rec["include_history"] = params.get("IncludeHistory")
        if self.is_v3:
            rec["sig_version"] = 3
            rec["nonce"] = self.headers.get("x-acs-signature-nonce")
            rec["timestamp"] = self.headers.get("x-acs-date")
        elif auth is None and any(k in params for k in (
                "Signature", "AccessKeyId", "SignatureMethod")):
            rec["sig_version"] = 1
            rec["nonce"] = params.get("SignatureNonce")
            rec["timestamp"] = params.get("Timestamp")

        if path != "/":
            raise ApiError("InvalidAction.NotFound")
        if self.is_v3:
            action = self.headers.get("x-acs-action")
            version = self.headers.get("x-acs-version")
            if not action:
                raise missing("x-acs-action")
        else:
            action = params.get("Action")
            version = params.get("Version")
            if not action:
                raise missing("Action")
        rec["action"] = action
        if action in STS_ACTIONS:
            # STS shares the listener (sts_url = url): the action decides.
            self.service = rec["service"] = "sts"
            want_version = STS_API_VERSION
        elif action in ACTIONS:
            want_version = API_VERSION
        else:
            raise ApiError("InvalidAction.NotFound")
        if not version:
            raise missing("x-acs-version" if self.is_v3 else "Version")
        if version != want_version:
            raise ApiError("InvalidVersion")

        if auth is not None and not self.is_v3:
            raise ApiError("IncompleteSignature", ERRORS[
                "IncompleteSignature"][1] + " Unsupported Authorization "
                "scheme.")
        if self.is_v3:
            self.verify_v3(auth, path, query, body)
        else:
            self.verify_v1(params)

        if self.service == "sts":
            return self.assume_role(params)
        region = params.get("RegionId")
        rec["region"] = region          # as sent, also when refused
        if not region:
            raise ApiError("MissingParameter.RegionId")
        if region not in KNOWN_REGIONS:
            raise ApiError("InvalidRegionId.NotFound")
        if action == "DescribeInvocations":
            return self.describe_invocations(params, region)
        return self.describe_invocation_results(params, region)

    # --------------------------------------------------------- signatures

    def check_time(self, value, name):
        try:
            ts = parse_timestamp(value)
        except (ValueError, OverflowError):
            raise ApiError("IllegalTimestamp", ERRORS["IllegalTimestamp"][1]
                           .replace("Timestamp", name))
        st = self.server.state
        if not st.relax_replay and abs(ts - st.now()) > CLOCK_WINDOW:
            raise ApiError("InvalidTimeStamp.Expired")

    def lookup_key(self, access_key_id, token):
        st = self.server.state
        self.rec["access_key_id"] = access_key_id
        key = st.find_key(access_key_id)
        if not isinstance(key, dict) or "secret" not in key:
            raise ApiError("InvalidAccessKeyId.NotFound")
        if key.get("disabled"):
            raise ApiError("Forbidden.AccessKeyDisabled")
        want = key.get("security_token")
        self.rec["security_token_sent"] = bool(token)
        if want is None:
            if token:
                raise ApiError("InvalidSecurityToken.MismatchWithAccessKey")
        else:
            if not token:
                raise ApiError("MissingSecurityToken")
            if not sign.constant_time_equal(token, want):
                raise ApiError("InvalidSecurityToken.MismatchWithAccessKey")
            # Checked before the signature: the real gateway has to open the
            # token before it knows the secret to verify with.
            if st.key_expired(key):
                raise ApiError("InvalidSecurityToken.Expired")
        return key["secret"]

    def check_nonce(self, access_key_id, nonce):
        st = self.server.state
        if st.relax_replay:
            return
        if not st.use_nonce(access_key_id, nonce):
            raise ApiError("SignatureNonceUsed")

    def note_exposure(self, secret, token, param=None, header=None):
        """Log whether the request carries the secret anywhere (it never
        should), and the security token anywhere but its own field (param
        for v1, header for v3): names and values of the query and form
        parameters (decoded), the path, every header, the body."""
        texts = [unquote(self.path.partition("?")[0])]
        for name, value in self.sent_pairs:
            if name != param:
                texts += [name, value]
        for name, value in self.headers.items():
            if name.lower() != header:
                texts += [name, value]
        texts.append(self.sent_body.decode("utf-8", "replace"))
        blob = "\n".join(texts)
        self.sent_token = token
        self.rec["secret_seen"] = any(
            form in blob for form in (secret, sign.percent_encode(secret)))
        self.rec["token_outside"] = bool(token) and any(
            form in blob for form in (token, sign.percent_encode(token)))

    def verify_v1(self, params):
        for name in ("AccessKeyId", "SignatureMethod", "SignatureVersion",
                     "SignatureNonce", "Timestamp"):
            if not params.get(name):
                raise missing(name)
        if not params.get("Signature"):
            raise ApiError("IncompleteSignature", ERRORS[
                "IncompleteSignature"][1] + " Signature is missing.")
        if params["SignatureMethod"] != "HMAC-SHA1":
            raise ApiError("IncompleteSignature", ERRORS[
                "IncompleteSignature"][1] + " SignatureMethod must be "
                "HMAC-SHA1.")
        if params["SignatureVersion"] != "1.0":
            raise ApiError("IncompleteSignature", ERRORS[
                "IncompleteSignature"][1] + " SignatureVersion must be 1.0.")
        self.check_time(params["Timestamp"], "Timestamp")
        ak = params["AccessKeyId"]
        token = params.get("SecurityToken")
        self.server.state.log_signature(params["Signature"])
        secret = self.lookup_key(ak, token)
        self.note_exposure(secret, token, param="SecurityToken")
        signed = {k: v for k, v in params.items() if k != "Signature"}
        self.string_to_sign_as = lambda method: sign.v1_string_to_sign(
            method, signed)
        want = sign.v1_signature(secret, self.command, signed)
        if not sign.constant_time_equal(params["Signature"], want):
            sts = sign.v1_string_to_sign(self.command, signed)
            self.rec["server_string_to_sign"] = redact_token(sts, token)
            raise ApiError("SignatureDoesNotMatch",
                           ERRORS["SignatureDoesNotMatch"][1] + sts)
        self.check_nonce(ak, params["SignatureNonce"])

    def verify_v3(self, auth, path, query, body):
        try:
            a = sign.parse_v3_authorization(auth)
        except ValueError as e:
            raise ApiError("IncompleteSignature", ERRORS[
                "IncompleteSignature"][1] + " Authorization: %s." % e)
        if a["algorithm"] != sign.V3_ALGORITHM:
            raise ApiError("IncompleteSignature", ERRORS[
                "IncompleteSignature"][1] + " Unsupported algorithm %s."
                % a["algorithm"])
        headers = {}
        for name in self.headers.keys():
            lname = name.lower()
            if lname in headers:
                continue
            values = sorted(v.strip() for v in self.headers.get_all(name))
            headers[lname] = ",".join(values)
        for name in ("x-acs-date", "x-acs-signature-nonce",
                     "x-acs-content-sha256"):
            if not headers.get(name):
                raise missing(name)
        signed = a["signed_headers"]
        bad = ERRORS["IncompleteSignature"][1]
        if len(set(signed)) != len(signed) or any(
                not n or n != n.lower() for n in signed):
            raise ApiError("IncompleteSignature", bad + " SignedHeaders "
                           "must be distinct lower-case names.")
        if "host" not in signed:
            raise ApiError("IncompleteSignature", bad + " The host header "
                           "must be signed.")
        for name in headers:
            if name.startswith("x-acs-") and name not in signed:
                raise ApiError("IncompleteSignature", bad + " Header %s is "
                               "sent but not signed." % name)
        for name in signed:
            if name not in headers:
                raise ApiError("IncompleteSignature", bad + " Signed header "
                               "%s is not in the request." % name)
        # assumption: the code for a body that does not match its declared
        # hash; the notes only say the two must be equal.
        if headers["x-acs-content-sha256"] != sign.sha256_hex(body):
            raise ApiError("IncompleteSignature", bad + " x-acs-content-"
                           "sha256 does not match the request body.")
        self.check_time(headers["x-acs-date"], "x-acs-date")
        ak = a["credential"]
        token = headers.get("x-acs-security-token")
        self.server.state.log_signature(a["signature"])
        secret = self.lookup_key(ak, token)
        self.note_exposure(secret, token, header="x-acs-security-token")
        if "x-acs-accesskey-id" in headers and headers[
                "x-acs-accesskey-id"] != ak:
            raise ApiError("IncompleteSignature", bad + " x-acs-accesskey-id "
                           "differs from the Credential.")
        creq = sign.v3_canonical_request(self.command, path, query, headers,
                                         signed,
                                         headers["x-acs-content-sha256"])
        self.string_to_sign_as = lambda method: sign.v3_string_to_sign(
            sign.v3_canonical_request(method, path, query, headers, signed,
                                      headers["x-acs-content-sha256"]))
        sts = sign.v3_string_to_sign(creq)
        want = sign.v3_signature(secret, sts)
        if not sign.constant_time_equal(a["signature"], want):
            self.rec["server_string_to_sign"] = sts
            self.rec["server_canonical_request"] = redact_token(creq, token)
            raise ApiError("SignatureDoesNotMatch",
                           ERRORS["SignatureDoesNotMatch"][1] + sts)
        self.check_nonce(ak, headers["x-acs-signature-nonce"])

    # ------------------------------------------------------------ actions

    @staticmethod
    def param_bool(params, name, default=False):
        v = params.get(name)
        if v is None or v == "":
            return default
        if v.lower() == "true":
            return True
        if v.lower() == "false":
            return False
        raise invalid(name)

    @staticmethod
    def param_encoding(params):
        v = params.get("ContentEncoding")
        if v is None or v == "":
            return "Base64"
        for known in ("PlainText", "Base64"):
            if v.lower() == known.lower():
                return known
        raise ApiError("InvalidParameter.ContentEncoding")

    def paging(self, params, scope):
        """Returns (offset, size, page_number)."""
        st = self.server.state
        token = params.get("NextToken") or None
        mr = params.get("MaxResults")
        if mr is not None or token is not None:
            size = 10
            if mr is not None:
                if not re.match(r"^[0-9]{1,9}$", mr) or not 1 <= int(mr) <= 50:
                    raise ApiError("InvalidParameter.MaxResults")
                size = int(mr)
            offset = st.lookup_token(token, scope) if token else 0
            return offset, size, offset // size + 1
        ps, pn = params.get("PageSize"), params.get("PageNumber")
        size, page = 10, 1
        if ps is not None:
            if not re.match(r"^[0-9]{1,9}$", ps) or not 1 <= int(ps) <= 50:
                raise ApiError("InvalidParam.PageSize")
            size = int(ps)
        if pn is not None:
            if not re.match(r"^[0-9]{1,9}$", pn) or int(pn) < 1:
                raise ApiError("InvalidParam.PageNumber")
            page = int(pn)
        return (page - 1) * size, size, page

    def visible(self, invoke_id, region):
        sc = self.server.state.store.get(invoke_id)
        if sc is None or sc.region != region:
            return None
        return sc

    def fault_for(self, sc, action):
        if sc is None:
            return None
        fault = sc.pick_fault(action)
        if fault is None:
            return None
        self.rec["fault"] = fault.type
        if fault.type == "error":
            e = fault.api_error()
            method = fault.spec.get("string_to_sign_method")
            if method is not None:
                # What the server answers when the request it checks is not
                # the one that was signed (a proxy that changed the method):
                # its own string-to-sign, which differs from the client's.
                sts = self.string_to_sign_as(method)
                e.message = ERRORS["SignatureDoesNotMatch"][1] + sts
                self.rec["server_string_to_sign"] = redact_token(
                    sts, self.sent_token)
            raise e
        return fault

    def describe_invocations(self, params, region):
        st = self.server.state
        action = "DescribeInvocations"
        encoding = self.param_encoding(params)
        include_output = self.param_bool(params, "IncludeOutput")
        timed = self.param_bool(params, "Timed", None)
        invoke_id = params.get("InvokeId") or None
        filters = ("InvokeId", "CommandId", "CommandName", "CommandType",
                   "InstanceId", "InvokeStatus", "RepeatMode", "Timed",
                   "ResourceGroupId")
        scope = (action, region) + tuple(params.get(k) for k in filters)
        offset, size, page = self.paging(params, scope)
        if invoke_id is not None:
            sc = self.visible(invoke_id, region)
            fault = self.fault_for(sc, action)
            if sc is not None:
                st.clock_offset += sc.count_read()
            candidates = [sc] if sc is not None else []
        else:
            fault = None
            candidates = [s for s in st.store.all() if s.region == region]
        # IncludeOutput needs InvokeId or InstanceId (§1.1); assumption:
        # without them the Output field is simply left out.
        if invoke_id is None and not params.get("InstanceId"):
            include_output = False
        matches = []
        for sc in candidates:
            inv = sc.invocation_view()
            if any(params.get(k) and params[k] != inv.get(k) for k in (
                    "CommandId", "CommandName", "CommandType",
                    "RepeatMode")):
                continue
            want_status = params.get("InvokeStatus")
            if want_status and want_status not in (
                    inv.get("InvocationStatus"), inv.get("InvokeStatus")):
                continue
            # Timed filters only when it is given (the documented default
            # "false" would hide running periodic tasks; not emulated).
            if timed is not None and bool(inv.get("Timed")) != timed:
                continue
            iid = params.get("InstanceId")
            if iid and not any(str(i.get("InstanceId")) == iid
                               for i in sc.instances):
                continue
            matches.append(sc)
        chosen = matches[offset:offset + size]
        more = offset + size < len(matches)
        payload = {
            "RequestId": self.request_id,
            "TotalCount": len(matches),
            "PageNumber": page,
            "PageSize": size,
            "NextToken": st.new_token(scope, offset + size) if more else "",
            "Invocations": {"Invocation": [
                self.render_invocation(sc, include_output, encoding)
                for sc in chosen]},
        }
        return payload, "DescribeInvocationsResponse", fault

    def render_invocation(self, sc, include_output, encoding):
        inv = sc.invocation_view()
        content = inv.get("CommandContent")
        if isinstance(content, str):
            inv["CommandContent"] = encode_text(content.encode("utf-8"),
                                                encoding)
        out = ordered(inv, INVOCATION_ORDER)
        instances = []
        for inst in sc.instances:
            view = sc.instance_view(inst)
            if include_output:
                view["Output"] = encode_text(output_bytes(view), encoding)
            else:
                view.pop("Output", None)
            view.pop("OutputBase64", None)
            instances.append(ordered(view, INSTANCE_ORDER))
        out["InvokeInstances"] = {"InvokeInstance": instances}
        out["Tags"] = {"Tag": list(inv.get("Tags", []))} \
            if isinstance(inv.get("Tags", []), list) else inv["Tags"]
        return out

    def describe_invocation_results(self, params, region):
        st = self.server.state
        action = "DescribeInvocationResults"
        encoding = self.param_encoding(params)
        include_history = self.param_bool(params, "IncludeHistory")
        invoke_id = params.get("InvokeId") or None
        if include_history and invoke_id is None:
            # assumption: the notes say InvokeId is then mandatory.
            raise missing("InvokeId")
        filters = ("InvokeId", "InstanceId", "CommandId",
                   "InvokeRecordStatus", "IncludeHistory", "ResourceGroupId")
        scope = (action, region, include_history) + tuple(
            params.get(k) for k in filters)
        offset, size, page = self.paging(params, scope)
        if invoke_id is not None:
            sc = self.visible(invoke_id, region)
            if sc is not None and include_history and \
                    sc.repeat_mode not in ("Period", "EveryReboot"):
                raise ApiError("InvalidParameter.IncludeHistory")
            fault = self.fault_for(sc, action)
            scenarios = [sc] if sc is not None else []
        else:
            fault = None
            scenarios = [s for s in st.store.all() if s.region == region]
        records = []
        for sc in scenarios:
            for r in sc.records(include_history):
                if params.get("InstanceId") and \
                        str(r.get("InstanceId")) != params["InstanceId"]:
                    continue
                if params.get("CommandId") and \
                        r.get("CommandId") != params["CommandId"]:
                    continue
                if params.get("InvokeRecordStatus") and \
                        r.get("InvokeRecordStatus") != \
                        params["InvokeRecordStatus"]:
                    continue
                records.append(r)
        chosen = records[offset:offset + size]
        more = offset + size < len(records)
        next_token = st.new_token(scope, offset + size) if more else ""
        if invoke_id is not None and sc is not None and sc.stuck_paging:
            next_token = params.get("NextToken") or st.new_token(scope, offset)
        if invoke_id is not None and sc is not None and sc.endless_paging \
                and not more:
            next_token = st.new_token(scope, 0)     # the list starts over
        rendered = []
        for r in chosen:
            r = dict(r)
            r["Output"] = encode_text(output_bytes(r), encoding)
            r.pop("OutputBase64", None)
            rendered.append(ordered(r, RECORD_ORDER))
        payload = {
            "RequestId": self.request_id,
            "Invocation": {
                "PageSize": size,
                "PageNumber": page,
                "TotalCount": len(records),
                "NextToken": next_token,
                "InvocationResults": {"InvocationResult": rendered},
            },
        }
        return payload, "DescribeInvocationResultsResponse", fault

    def assume_role(self, params):
        """STS AssumeRole, after the signature was verified."""
        st = self.server.state
        rec = self.rec
        arn = params.get("RoleArn")
        session = params.get("RoleSessionName")
        duration = params.get("DurationSeconds")
        policy = params.get("Policy")
        rec["role_arn"] = arn
        rec["role_session_name"] = session
        rec["duration_seconds"] = duration
        rec["policy_sent"] = policy is not None
        if not arn:
            raise ApiError("MissingRoleArn")
        if not ROLE_ARN_RE.match(arn):
            raise ApiError("InvalidParameter.RoleArn")
        if not session:
            raise ApiError("MissingRoleSessionName")
        if not SESSION_NAME_RE.match(session):
            raise ApiError("InvalidParameter.RoleSessionName")
        if duration is None or duration == "":
            lifetime = STS_DURATION_DEFAULT
        elif re.match(r"^[0-9]{1,9}$", duration) and \
                STS_DURATION_MIN <= int(duration) <= STS_DURATION_MAX:
            lifetime = int(duration)
        else:
            raise ApiError("InvalidParameter.DurationSeconds")
        if policy is not None:
            try:
                doc = json.loads(policy)
            except ValueError:
                doc = None
            # assumption: only "is a JSON object" is checked, no RAM grammar.
            if not isinstance(doc, dict):
                raise ApiError("InvalidParameter.PolicyGrammar")
        role = st.ram_roles.get(arn)
        if not isinstance(role, dict):
            raise ApiError("EntityNotExist.Role",
                           ERRORS["EntityNotExist.Role"][1] % arn)
        if rec.get("access_key_id") not in role.get("allowed_keys", []):
            raise ApiError("NoPermission")
        if role.get("error"):
            # A role whose every AssumeRole fails with this code, after
            # the signature and timestamp passed (for the clients' tests).
            raise ApiError(role["error"])
        creds, _ = st.issue_credentials(lifetime,
                                        expired=bool(role.get("expired")))
        rec["issued_access_key_id"] = creds["AccessKeyId"]
        role_id = role.get("role_id") or str(
            int(hashlib.sha256(arn.encode()).hexdigest(), 16))[:18]
        payload = {
            "RequestId": self.request_id,
            "AssumedRoleUser": {
                "Arn": "%s/%s" % (arn, session),
                "AssumedRoleId": "%s:%s" % (role_id, session),
            },
            "Credentials": creds,
        }
        return payload, "AssumeRoleResponse", None

    # ------------------------------------------------------------ replies

    def finish_log(self, status, body_obj=None):
        st = self.server.state
        if self.logged:
            return
        self.logged = True
        self.rec["status"] = status
        self.rec["request_id"] = self.request_id
        if st.log_bodies and body_obj is not None:
            if isinstance(body_obj, dict) and "Credentials" in body_obj:
                body_obj = dict(body_obj, Credentials={
                    k: (v if k in ("AccessKeyId", "Expiration")
                        else "(redacted)")
                    for k, v in body_obj["Credentials"].items()})
            self.rec["body"] = body_obj
        st.log(self.rec)

    def serialize(self, obj, root):
        if self.want_json:
            return (json.dumps(obj, ensure_ascii=False,
                               separators=(",", ":")).encode("utf-8"),
                    "application/json;charset=utf-8")
        return to_xml(root, obj), "text/xml;charset=utf-8"

    def start_reply(self, status, ctype, length=None, headers=None,
                    chunked=False, body=None):
        """Status line and headers; with body, all in one write (no
        header/body split for delayed ACKs to stall on)."""
        headers = dict(headers or {})
        date = headers.pop("Date", False)
        if date is False:
            self.send_response(status)
        else:
            self.send_response_only(status)
            self.send_header("Server", self.version_string())
            if date is not None:
                self.send_header("Date", date)
        self.send_header("Content-Type", ctype)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.send_header("x-acs-request-id", self.request_id)
        for k, v in headers.items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        if body is None:
            self.end_headers()
            return
        self._headers_buffer.append(b"\r\n")
        data = b"".join(self._headers_buffer) + body
        self._headers_buffer = []
        self.wfile.write(data)

    def send_error_reply(self, e):
        self.rec["verdict"] = e.code
        sts = self.service == "sts"
        obj = {
            "RequestId": self.request_id,
            "HostId": STS_HOST_ID if sts else HOST_ID,
            "Code": e.code,
            "Message": e.message,
            "Recommend": "https://api.aliyun.com/troubleshoot?q=%s"
                         "&product=%s&requestId=%s" % (
                             e.code, "Sts" if sts else "Ecs",
                             self.request_id),
        }
        body, ctype = self.serialize(obj, "Error")
        self.finish_log(e.status, obj)
        try:
            self.start_reply(e.status, ctype, len(body), e.headers, body=body)
        except OSError:
            self.close_connection = True

    def send_payload(self, status, payload, root, fault):
        st = self.server.state
        self.rec["verdict"] = "ok"
        ftype = fault.type if fault else None
        spec = fault.spec if fault else {}
        try:
            if ftype == "mutate":
                payload = copy.deepcopy(payload)
                for path, value in spec.get("set", {}).items():
                    set_path(payload, path, value)
                for path in spec.get("delete", []):
                    set_path(payload, path, None, delete=True)
            if ftype == "huge":
                self.finish_log(status)
                self.send_huge(spec)
                return
            if ftype == "raw":
                status = spec.get("status", 200)
                if "body_base64" in spec:
                    body = base64.b64decode(spec["body_base64"])
                else:
                    body = spec.get("body", "").replace(
                        "{RequestId}", self.request_id).encode("utf-8")
                ctype = spec.get("content_type",
                                 "application/json;charset=utf-8")
                self.finish_log(status)
            else:
                body, ctype = self.serialize(payload, root)
                self.finish_log(status, payload)
            if ftype == "hang":
                self.close_connection = True
                self.hang()
                return
            if ftype == "delay":
                if st.stop.wait(float(spec.get("seconds", 20))):
                    self.close_connection = True
                    return
            if ftype == "cut":
                self.close_connection = True
                declared = len(body) + max(len(body), 1024)
                self.start_reply(status, ctype, declared)
                self.wfile.write(body[:len(body) // 2])
                self.wfile.flush()
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if ftype != "trickle":
                self.start_reply(status, ctype, len(body), body=body)
                return
            self.start_reply(status, ctype, len(body))
            if ftype == "trickle":
                interval = float(spec.get("interval", 1.0))
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    if st.stop.wait(interval):
                        self.close_connection = True
                        return
        except OSError:
            self.close_connection = True

    def hang(self):
        """Accept the request and never answer: wait until the client gives
        up (closes) or the simulator stops."""
        st = self.server.state
        sock = self.connection
        while not st.stop.is_set():
            try:
                r, _, _ = select.select([sock], [], [], 0.5)
                if r:
                    data = sock.recv(4096)
                    if not data:
                        return
            except ssl.SSLWantReadError:
                continue
            except (OSError, ValueError):
                return

    def send_huge(self, spec):
        """A valid JSON body larger than the 32 MiB cap, streamed from a
        64 KiB block (never held whole in memory)."""
        size = int(spec.get("size_mib", 34)) << 20
        block = b"A" * 65536
        n_blocks = (size + len(block) - 1) // len(block)
        prefix = (
            '{"RequestId":"%s","TotalCount":1,"PageNumber":1,"PageSize":10,'
            '"NextToken":"","Invocations":{"Invocation":[{"InvokeId":"%s",'
            '"InvocationStatus":"Success","InvokeInstances":'
            '{"InvokeInstance":[{"InstanceId":"i-bp1huge0000000000",'
            '"InvocationStatus":"Success","ExitCode":0,"Output":"'
            % (self.request_id, self.rec.get("invoke_id") or "")
        ).encode("ascii")
        suffix = b'"}]}}]}}'
        chunked = bool(spec.get("chunked", False))
        total = len(prefix) + n_blocks * len(block) + len(suffix)
        self.close_connection = True
        self.start_reply(200, "application/json;charset=utf-8", total,
                         chunked=chunked)

        def put(data):
            if chunked:
                self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")
            else:
                self.wfile.write(data)

        put(prefix)
        for _ in range(n_blocks):
            if self.server.state.stop.is_set():
                return
            put(block)
        put(suffix)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


# ------------------------------------------------------- metadata service

class ImdsHandler(BodyReader, BaseHTTPRequestHandler):
    """The ECS instance metadata service, as far as RAM-role credentials go
    (aliyun-api.md §9.5). Plain HTTP, text/plain answers."""

    protocol_version = "HTTP/1.1"
    server_version = "ecs-sim-imds/1.0"
    sys_version = ""
    timeout = 120

    def setup(self):
        super().setup()
        self.conn_id = self.server.state.next_conn()

    log_message = Handler.log_message
    date_time_string = Handler.date_time_string

    def do_GET(self):
        self.imds()

    do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    def imds(self):
        st = self.server.state
        h = self.headers
        self.rec = rec = {
            "t": round(time.time(), 6), "conn": self.conn_id,
            "service": "imds", "method": self.command,
            "path": self.path[:256], "role": None,
            "token_sent": h.get(IMDS_TOKEN_HEADER) is not None,
            "ttl_sent": h.get(IMDS_TTL_HEADER) is not None,
            "ttl": (h.get(IMDS_TTL_HEADER) or "")[:32] or None,
            "forwarded_for": h.get("X-Forwarded-For") is not None,
            "verdict": None, "status": None,
        }
        try:
            self.read_body()
        except ApiError as e:
            self.close_connection = True
            return self.answer(e.status, "bad request body")
        except OSError:
            self.close_connection = True
            return
        try:
            status, verdict, body, ctype = self.route()
        except Exception:       # a simulator bug: say so, answer 500
            import traceback
            sys.stderr.write("ecs_sim: imds internal error\n%s"
                             % traceback.format_exc())
            self.close_connection = True
            status, verdict, body, ctype = 500, "internal-error", \
                "500 - Internal Server Error", "text/plain"
        rec["verdict"] = verdict
        self.answer(status, body, ctype, log=False)

    def route(self):
        """(status, verdict for the log, body, content type)."""
        st = self.server.state
        h = self.headers
        path = self.path.split("?", 1)[0]
        # The real service refuses anything that looks proxied (§9.5).
        if h.get("X-Forwarded-For") is not None:
            return 403, "forwarded", "403 - Forbidden", "text/plain"
        if path == IMDS_TOKEN_PATH:
            if st.imds_v1_only:
                # An older service (or a proxy in front) without IMDSv2:
                # the token path does not exist.
                return 404, "no-v2", "404 - Not Found", "text/plain"
            if self.command != "PUT":
                # assumption: 405 for another method on the token path.
                return 405, "method", "405 - Method Not Allowed", \
                    "text/plain"
            ttl = h.get(IMDS_TTL_HEADER)
            if ttl is None:
                return 400, "ttl-missing", "400 - Bad Request", "text/plain"
            ttl = ttl.strip()
            if not re.match(r"^[0-9]{1,9}$", ttl) or \
                    not 1 <= int(ttl) <= IMDS_TTL_MAX:
                return 400, "ttl-invalid", "400 - Bad Request", "text/plain"
            return 200, "ok", st.new_imds_token(int(ttl)), "text/plain"
        if self.command != "GET":
            return 405, "method", "405 - Method Not Allowed", "text/plain"
        token = h.get(IMDS_TOKEN_HEADER)
        if token is not None:
            if not st.imds_token_valid(token.strip()):
                return 401, "token-invalid", "401 - Unauthorized", \
                    "text/plain"
        elif st.imds_v2_only:
            # "security hardening mode": IMDSv1 refused.
            return 401, "token-required", "401 - Unauthorized", "text/plain"
        if not path.startswith(IMDS_ROLE_PREFIX):
            return 404, "not-found", "404 - Not Found", "text/plain"
        name = unquote(path[len(IMDS_ROLE_PREFIX):])
        if name == "":
            names = [n for n, spec in st.ecs_roles.items()
                     if isinstance(spec, dict) and spec.get("listed", True)]
            if not names:
                return 404, "no-role", "404 - Not Found", "text/plain"
            return 200, "ok", "\n".join(names), "text/plain"
        self.rec["role"] = name[:128]
        spec = st.ecs_roles.get(name)
        if not isinstance(spec, dict):
            return 404, "no-such-role", "404 - Not Found", "text/plain"
        creds, updated = st.role_credentials(name, spec)
        code = spec.get("code", "Success")
        doc = {
            "AccessKeyId": creds["AccessKeyId"],
            "AccessKeySecret": creds["AccessKeySecret"],
            "Expiration": creds["Expiration"],
            "SecurityToken": creds["SecurityToken"],
            "LastUpdated": iso_time(updated),
            "Code": code,
        }
        # Pretty-printed, " : " separators and text/plain, like the real one
        # (assumption for the content type: the service labels everything
        # text/plain, so a client must not insist on application/json).
        body = json.dumps(doc, indent=2, separators=(",", " : "))
        return 200, "ok" if code == "Success" else "code-" + str(code), \
            body, "text/plain"

    def answer(self, status, body, ctype="text/plain", log=True):
        st = self.server.state
        if log:
            self.rec["verdict"] = self.rec["verdict"] or "bad-request"
        self.rec["status"] = status
        st.log(self.rec)
        data = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self._headers_buffer.append(b"\r\n")
            self.wfile.write(b"".join(self._headers_buffer)
                             + (b"" if self.command == "HEAD" else data))
            self._headers_buffer = []
        except OSError:
            self.close_connection = True


# --------------------------------------------------------------------- main

def write_ready(path, port, metadata_port=None):
    """First line: the API port (what older harnesses read); then, with the
    metadata service, "metadata PORT"."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
        if metadata_port is not None:
            f.write("metadata %d\n" % metadata_port)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", required=True)
    ap.add_argument("--keys", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--clock-offset", type=float, default=0.0)
    ap.add_argument("--clock-file",
                    help="on SIGUSR1, set the clock offset to the number "
                         "of seconds in this file")
    ap.add_argument("--clock-frozen-at", type=float, default=None,
                    help="stop the clock at this Unix time (plus the "
                         "offset), for exact ages in tests")
    ap.add_argument("--metadata-port", type=int, default=None,
                    help="also serve the ECS metadata service (plain HTTP) "
                         "on this port (0 = any)")
    ap.add_argument("--imds-v2-only", action="store_true",
                    help="metadata service in security hardening mode: "
                         "requests without a token are refused")
    ap.add_argument("--imds-v1-only", action="store_true",
                    help="metadata service without IMDSv2: the token path "
                         "answers 404, so clients must fall back to IMDSv1")
    ap.add_argument("--relax-replay", action="store_true",
                    help="skip nonce and timestamp-window checks "
                         "(benchmark baseline only)")
    ap.add_argument("--log-bodies", action="store_true",
                    help="also log each JSON response body (SDK test)")
    ap.add_argument("--signature-log",
                    help="append every signature a client sends to this "
                         "file, one a line (tests that look for leaks)")
    ap.add_argument("--issued-log",
                    help="append every temporary key issued (AssumeRole, "
                         "metadata service) to this file, one JSON object "
                         "a line (tests that look for leaks)")
    args = ap.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")

    state = SimState(args)
    server = Server(("127.0.0.1", args.port), Handler, state)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # handshake in the connection's own thread, not in accept()
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)

    imds = None
    if args.metadata_port is not None:
        imds = Server(("127.0.0.1", args.metadata_port), ImdsHandler, state)
        threading.Thread(target=imds.serve_forever, kwargs={
            "poll_interval": 0.2}, daemon=True).start()
    servers = [s for s in (server, imds) if s is not None]

    def stop(signum, frame):
        if not state.stop.is_set():
            state.stop.set()
            for s in servers:
                threading.Thread(target=s.shutdown, daemon=True).start()

    def reset(signum, frame):
        # The clock steps of stages are taken back with the stages.
        state.clock_offset -= state.store.reset_faults()
        state.log({"event": "reset", "t": round(time.time(), 6)})

    def clock(signum, frame):
        offset = state.reload_clock()
        state.log({"event": "clock", "t": round(time.time(), 6),
                   "offset": offset})

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reset)
    signal.signal(signal.SIGUSR1, clock)
    open(args.log, "a").close()
    write_ready(args.ready_file, server.server_address[1],
                imds.server_address[1] if imds else None)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        state.stop.set()
        if imds is not None:
            imds.shutdown()
        for s in servers:
            s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
