#!/usr/bin/env python3
"""TAP test of the ECS API simulator: its signing functions against the
official vectors (aliyun-api.md §6.3, §6.4, §7.2, §7.3), its scenario files
against the product's status rules (product.md §2-§4), and its strict
behaviours end to end over TLS on loopback.

Run: python3 tests/sim/test_sim.t   (or prove tests/sim/test_sim.t)
"""

import base64
import http.client
import json
import os
import re
import socket
import ssl
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)

from ecstest import TAP, Simulator, utc_timestamp, parse_iso  # noqa: E402
import aliyun_sign as S  # noqa: E402
import ecs_sim  # noqa: E402

t = TAP()
HZ = "cn-hangzhou"
SCENARIOS = os.path.join(HERE, "scenarios")
UUID_RE = r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$"


# ------------------------------------------------------------------ vectors

def vectors():
    t.is_(S.percent_encode("a b*c~d/é"), "a%20b%2Ac~d%2F%C3%A9",
          "percent-encoding: space %20, * %2A, ~ kept, UTF-8 bytes")

    # §6.3 official example
    p = {"AccessKeyId": "testid", "Action": "DescribeRegions",
         "Format": "XML", "Version": "2014-05-26",
         "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
         "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
         "Timestamp": "2016-02-23T12:46:24Z"}
    t.is_(S.v1_string_to_sign("GET", p),
          "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26"
          "Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D"
          "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26"
          "Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
          "§6.3 string-to-sign")
    t.is_(S.v1_signature("testsecret", "GET", p),
          "OLeaidS1JvxuMvnyHOwuJ+uX5qY=", "§6.3 GET signature")
    t.is_(S.percent_encode(S.v1_signature("testsecret", "GET", p)),
          "OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D", "§6.3 URL form")
    t.is_(S.v1_signature("testsecret", "POST", p),
          "MxbnVAM4w6sft9xjVpe/GCKueuk=", "§6.3 POST signature")

    # §6.4
    p = {"Action": "DescribeInvocations", "Version": "2014-05-26",
         "Format": "JSON", "RegionId": "cn-hangzhou",
         "InvokeId": "t-hz0jdfwd9f****", "IncludeOutput": "true",
         "ContentEncoding": "Base64", "MaxResults": "50",
         "AccessKeyId": "STS.EXAMPLEID", "SecurityToken": "EXAMPLE-STS-TOKEN",
         "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
         "SignatureNonce": "0123456789abcdef0123456789abcdef",
         "Timestamp": "2024-01-02T03:04:05Z"}
    t.is_(S.v1_signature("EXAMPLESECRET", "GET", p),
          "H4it4V1xwSfF3itfXbblGI/Clr0=", "§6.4 GET signature")
    t.is_(S.v1_signature("EXAMPLESECRET", "POST", p),
          "U/+WLD7a+eaWROXl4H1tyHjWaNg=", "§6.4 POST signature")
    t.like(S.v1_canonical_query(p), r"InvokeId=t-hz0jdfwd9f%2A%2A%2A%2A&",
           "§6.4 '*' is %2A in the canonical query")
    t.like(S.v1_string_to_sign("GET", p), r"t-hz0jdfwd9f%252A%252A",
           "§6.4 and %252A in the string-to-sign")
    captured = ("Action=DescribeInvocations&Format=json&Version=2014-05-26&"
                "Timestamp=2026-11-29T04:14:27Z&SignatureNonce=e9ac0010ac3820"
                "418c0842b2038e299024707469135798720c23bba5edd83fff&"
                "ContentEncoding=PlainText&IncludeOutput=true&InvokeId="
                "t-hz0jdfwd9f****&MaxResults=50&RegionId=cn-hangzhou&"
                "SecurityToken=tok&SignatureMethod=HMAC-SHA1&"
                "SignatureVersion=1.0&AccessKeyId=testid")
    cp = dict(kv.split("=", 1) for kv in captured.split("&"))
    t.is_(S.v1_signature("testsecret", "POST", cp),
          "A0Dc/W5PKjIPi88JYi7vR71MZn8=", "§6.4 captured SDK v2 request")

    # §7.2 official V3 example
    h = {"host": "ecs.cn-shanghai.aliyuncs.com",
         "x-acs-action": "RunInstances", "x-acs-version": "2014-05-26",
         "x-acs-date": "2023-10-26T10:22:32Z",
         "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
         "x-acs-content-sha256": S.EMPTY_SHA256}
    q = {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
         "RegionId": "cn-shanghai"}
    creq = S.v3_canonical_request("POST", "/", q, h, list(h), S.EMPTY_SHA256)
    t.is_(S.sha256_hex(creq.encode()),
          "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259",
          "§7.2 hash of the canonical request")
    t.is_(S.v3_authorization("YourAccessKeyId", "YourAccessKeySecret", "POST",
                             "/", q, h, list(h), S.EMPTY_SHA256),
          "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;"
          "x-acs-action;x-acs-content-sha256;x-acs-date;"
          "x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96"
          "b81484da74bceab24a1d853912eee15083a6f0f3283c0",
          "§7.2 Authorization header")
    t.is_(S.EMPTY_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c"
          "a495991b7852b855", "§7.1 hash of the empty body")

    # §7.3 STS vector
    q = {"RegionId": "cn-hangzhou", "InvokeId": "t-hz0jdfwd9f****",
         "IncludeOutput": "true", "ContentEncoding": "Base64",
         "MaxResults": "50"}
    h = {"host": "ecs.cn-hangzhou.aliyuncs.com",
         "x-acs-action": "DescribeInvocations", "x-acs-version": "2014-05-26",
         "x-acs-date": "2024-01-02T03:04:05Z",
         "x-acs-signature-nonce": "0123456789abcdef0123456789abcdef",
         "x-acs-content-sha256": S.EMPTY_SHA256,
         "x-acs-security-token": "EXAMPLE-STS-TOKEN",
         "x-acs-accesskey-id": "STS.EXAMPLEID"}
    t.is_(S.v3_canonical_query(q),
          "ContentEncoding=Base64&IncludeOutput=true&InvokeId=t-hz0jdfwd9f"
          "%2A%2A%2A%2A&MaxResults=50&RegionId=cn-hangzhou",
          "§7.3 canonical query")
    t.is_(S.v3_canonical_headers(h, list(h))[1],
          "host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;"
          "x-acs-date;x-acs-security-token;x-acs-signature-nonce;"
          "x-acs-version", "§7.3 signed headers")
    creq = S.v3_canonical_request("POST", "/", q, h, list(h), S.EMPTY_SHA256)
    t.is_(S.sha256_hex(creq.encode()),
          "71aa774b72eace76ae6fe02d9ff183000c48ee2a8a7daaa49db25d8f3f8616a5",
          "§7.3 hash of the canonical request")
    t.is_(S.v3_signature("EXAMPLESECRET", S.v3_string_to_sign(creq)),
          "7284a088ff88298b5ec85c28f3c92b704aa906b1c0ddfe11fc1c7decaddd0769",
          "§7.3 signature")
    a = S.parse_v3_authorization(S.v3_authorization(
        "STS.EXAMPLEID", "EXAMPLESECRET", "POST", "/", q, h, list(h),
        S.EMPTY_SHA256))
    t.is_((a["credential"], a["signature"][:8]),
          ("STS.EXAMPLEID", "7284a088"), "Authorization parses back")


# ------------------------------------------------ product rules (reference)

RUNNING = {"Pending", "Scheduled", "Running", "Stopping"}
FAILED = {"Failed", "Invalid", "Aborted", "Error", "Timeout", "PartialFailed"}
STOPPED = {"Stopped", "Cancelled", "Terminated"}


class Unjudgeable(Exception):
    pass


def classify(rec, ok_codes=(0,)):
    st = rec.get("InvocationStatus") or rec.get("InstanceInvokeStatus") \
        or rec.get("InvokeRecordStatus")
    exit_rule = st in ("Success", "Finished") or (
        st == "Failed" and "ExitCode" in rec
        and rec.get("ErrorCode", "") in ("", "ExitCodeNonzero"))
    if exit_rule:
        if "ExitCode" not in rec:
            return "finished"
        return "finished" if rec["ExitCode"] in ok_codes else "failed"
    if st in RUNNING:
        return "running"
    if st in FAILED:
        return "failed"
    if st in STOPPED:
        return "stopped"
    raise Unjudgeable(st)


def aggregate(classes):
    n = len(classes)
    c = {k: classes.count(k) for k in ("running", "finished", "failed",
                                        "stopped")}
    if n == 0:
        return None, dict(c, total=0)
    if c["failed"] == n:
        agg = "Failed"
    elif c["failed"]:
        agg = "PartialFailed"
    elif c["running"]:
        agg = "Running"
    elif c["stopped"] == n:
        agg = "Stopped"
    else:
        agg = "Finished"
    return agg, dict(c, total=n)


def judge(client, sid, region=HZ, ok_codes=(0,)):
    """Read an invocation through the simulator and apply product.md."""
    r = client.call("DescribeInvocations", {
        "RegionId": region, "InvokeId": sid, "IncludeOutput": "true",
        "MaxResults": "50"})
    invs = r.json["Invocations"]["Invocation"]
    if not invs:
        return "NotFound", {}
    inv = invs[0]
    instances = inv["InvokeInstances"]["InvokeInstance"]
    mode = inv.get("RepeatMode")
    if mode in ("Period", "EveryReboot"):
        history, tok = [], None
        while True:
            p = {"RegionId": region, "InvokeId": sid,
                 "IncludeHistory": "true", "MaxResults": "50"}
            if tok:
                p["NextToken"] = tok
            page = client.call("DescribeInvocationResults", p).json
            history += page["Invocation"]["InvocationResults"][
                "InvocationResult"]
            tok = page["Invocation"]["NextToken"]
            if not tok:
                break
        classes = []
        for inst in instances:
            runs = [h for h in history
                    if h["InstanceId"] == inst["InstanceId"]]
            done = [(h["StartTime"], classify(h, ok_codes)) for h in runs
                    if classify(h, ok_codes) != "running"]
            classes.append(max(done)[1] if done else "running")
    else:
        classes = [classify(i, ok_codes) for i in instances]
    return aggregate(classes)


def scenario_checks(sim):
    sc_dir = ecs_sim.ScenarioStore(ecs_sim.os.path.join(HERE, "scenarios"))
    ids = sc_dir.ids()
    required = """t-hz0finished t-hz0partial t-hz0failed t-hz0running
        t-hz0stopped t-hz0finstop t-hz0partrun t-hz0exitcode t-hz0legacy
        t-hz0allstatus t-hz0unknownst t-hz0empty t-hz0periodic t-hz0periodok
        t-hz0reboot t-hz0big t-hz0bigfail t-hz0throttle t-hz0unavail
        t-hz0down t-hz0slow t-hz0trickle t-hz0hang t-hz0cut t-hz0badjson
        t-hz0huge t-hz0wrongtype t-hz0wrongshape t-hz0text t-hz0forbidden
        t-hz0notfound t-hz0nonce""".split()
    t.is_([r for r in required if r not in ids], [],
          "every required scenario file exists")
    bad = []
    for sid in ids:
        try:
            sc = sc_dir.get(sid)
            assert sc.expect is not None, "no expect block"
            assert sc.cls in ("normal", "api-error", "transport",
                              "bad-data"), "class"
        except Exception as e:       # noqa: BLE001
            bad.append("%s: %s" % (sid, e))
    t.is_(bad, [], "all %d scenario files load and carry expect/class"
          % len(ids))
    with open(os.path.join(HERE, "scenarios", "README.md")) as f:
        readme = f.read()
    t.is_([i for i in ids if "`%s`" % i not in readme], [],
          "scenarios/README.md lists every scenario")

    c = sim.client()
    for sid in ids:
        sc = sc_dir.get(sid)
        if sc.cls != "normal":
            continue
        e = sc.expect
        try:
            agg, counts = judge(c, sid, sc.region)
            got = {"aggregate": agg}
            got.update({k: counts[k] for k in counts})
        except Unjudgeable as u:
            got = {"aggregate": None, "unknown_status": str(u)}
        want = {k: e[k] for k in ("aggregate", "total", "running",
                                  "finished", "failed", "stopped",
                                  "unknown_status") if k in e}
        if want.get("aggregate") is None and "total" in want:
            got.pop("running", None)
            for k in ("finished", "failed", "stopped"):
                got.pop(k, None)
        t.is_({k: got.get(k) for k in want}, want,
              "%s: the data through the simulator gives %s"
              % (sid, want.get("aggregate") or want))
        for v in e.get("variants", []):
            codes = tuple(int(x) for x in v["args"][0].split("=")[1]
                          .split(","))
            agg, counts = judge(c, sid, sc.region, codes)
            t.is_((agg, counts["finished"], counts["failed"]),
                  (v["aggregate"], v["finished"], v["failed"]),
                  "%s with %s" % (sid, " ".join(v["args"])))
    c.close()


# ------------------------------------------------------------- end to end

def err_shape(t, r, code, status, name):
    ok = t.is_((r.status, r.code), (status, code), name)
    if r.json is not None and isinstance(r.json, dict):
        t.is_(sorted(r.json), ["Code", "HostId", "Message", "Recommend",
                               "RequestId"], name + ": error shape")
    return ok


def e2e(sim):
    c = sim.client()
    base = {"RegionId": HZ, "InvokeId": "t-hz0finished"}

    # good requests, every transport variant, one connection
    for sig, method, form in ((1, "GET", False), (1, "POST", False),
                              (1, "POST", True), (3, "POST", False),
                              (3, "GET", False), (3, "POST", True)):
        r = c.call("DescribeInvocations", base, sig=sig, method=method,
                   form=form)
        t.is_((r.status, r.json["Invocations"]["Invocation"][0]["InvokeId"]
               if r.json else None), (200, "t-hz0finished"),
              "v%d %s%s accepted" % (sig, method, " form" if form else ""))
    t.is_(sim.connections(), 1, "keep-alive: one connection for all")
    t.is_(sim.handshakes(), 1, "TLS: the handshake is logged, once per connection")
    other = sim.client()
    other.call("DescribeInvocations", base)
    other.close()
    t.is_((sim.connections(), sim.handshakes()), (2, 2),
          "TLS: a second client, a second handshake")
    log = sim.requests()
    t.is_(sorted({(x["sig_version"], x["verdict"]) for x in log}),
          [(1, "ok"), (3, "ok")], "log: both signature versions verified")
    want_keys = {"t", "conn", "method", "action", "sig_version", "verdict",
                 "nonce", "invoke_id", "max_results", "next_token",
                 "include_history", "status", "access_key_id"}
    t.ok(all(want_keys <= set(x) for x in log), "log lines carry every key")

    r = c.call("DescribeInvocations", base)
    t.like(r.json["RequestId"], UUID_RE, "RequestId is an upper-case UUID")
    r2 = c.call("DescribeInvocations", base)
    t.ok(r.json["RequestId"] != r2.json["RequestId"]
         and r2.headers.get("x-acs-request-id") == r2.json["RequestId"],
         "fresh RequestId per response, also in x-acs-request-id")
    date = ecs_sim.email.utils.parsedate_to_datetime(r.headers["date"])
    t.ok(abs(date.timestamp() - time.time()) < 5, "Date header is now")
    t.like(r.headers.get("content-type", ""), r"^application/json",
           "Format=JSON gives JSON")

    # wrong secret: server's string-to-sign in Message
    nonce = "fixed-nonce-for-wrong-secret"
    ts = utc_timestamp()
    r = c.call("DescribeInvocations", base, secret="wrong", nonce=nonce,
               timestamp=ts)
    err_shape(t, r, "SignatureDoesNotMatch", 400, "v1 wrong secret")
    mine = S.v1_string_to_sign("POST", {
        "Action": "DescribeInvocations", "Version": "2014-05-26",
        "Format": "JSON", "AccessKeyId": sim.access_key_id,
        "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
        "SignatureNonce": nonce, "Timestamp": ts, **base})
    t.is_(r.json.get("Message"), ecs_sim.ERRORS["SignatureDoesNotMatch"][1]
          + mine, "v1 Message ends with the server's string-to-sign")
    r = c.call("DescribeInvocations", base, secret="wrong", sig=3)
    err_shape(t, r, "SignatureDoesNotMatch", 400, "v3 wrong secret")
    t.like(r.json.get("Message", ""), r"server string to sign is:"
           r"ACS3-HMAC-SHA256\n[0-9a-f]{64}$", "v3 Message carries it too")
    # a POST signature replayed as GET: sign for POST, send GET
    p = {"Action": "DescribeInvocations", "Version": "2014-05-26",
         "Format": "JSON", "AccessKeyId": sim.access_key_id,
         "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
         "SignatureNonce": "m-" + os.urandom(6).hex(),
         "Timestamp": utc_timestamp(), **base}
    p["Signature"] = S.v1_signature(sim.access_key_secret, "POST", p)
    from ecstest import encode_params
    r = c.send("GET", "/?" + encode_params(p))
    t.is_(r.code, "SignatureDoesNotMatch", "a POST signature sent as GET is "
          "refused (the real method is signed)")

    # nonce reuse
    for sig in (1, 3):
        n = "reuse-%d-%s" % (sig, os.urandom(4).hex())
        r1 = c.call("DescribeInvocations", base, sig=sig, nonce=n)
        r2 = c.call("DescribeInvocations", base, sig=sig, nonce=n)
        t.is_((r1.status, r2.status, r2.code),
              (200, 400, "SignatureNonceUsed"), "v%d reused nonce" % sig)
    r = sim.client(sts=True).call("DescribeInvocations", base, nonce=n,
                                  sig=3)
    t.is_(r.status, 200, "nonces are per AccessKeyId")

    # timestamps
    for sig in (1, 3):
        r = c.call("DescribeInvocations", base, sig=sig,
                   timestamp=utc_timestamp(16 * 60))
        err_shape(t, r, "InvalidTimeStamp.Expired", 400,
                  "v%d timestamp 16 min ahead" % sig)
        t.is_(r.json.get("Message"), "Specified time stamp or date value is "
              "expired.", "v%d expired message" % sig)
        r = c.call("DescribeInvocations", base, sig=sig,
                   timestamp=utc_timestamp(-16 * 60))
        t.is_(r.code, "InvalidTimeStamp.Expired", "v%d 16 min behind" % sig)
        r = c.call("DescribeInvocations", base, sig=sig,
                   timestamp=utc_timestamp(-14 * 60))
        t.is_(r.status, 200, "v%d 14 min behind is accepted" % sig)
        r = c.call("DescribeInvocations", base, sig=sig,
                   timestamp=utc_timestamp().replace("Z", ".123Z"))
        t.is_((r.status, r.code), (400, "IllegalTimestamp"),
              "v%d malformed timestamp" % sig)

    # missing common parameters
    r = c.call("DescribeInvocations", base, drop=("Signature",))
    t.is_(r.code, "IncompleteSignature", "missing Signature")
    for name in ("SignatureNonce", "Timestamp", "AccessKeyId"):
        r = c.call("DescribeInvocations", base, drop=(name,))
        t.is_((r.status, r.code), (400, "MissingParameter"),
              "missing %s" % name)
        t.like(r.json.get("Message", ""), '"%s"' % name, "message names it")
    r = c.call("DescribeInvocations", base, extra={"SignatureMethod":
                                                   "HMAC-SHA256"})
    t.is_(r.code, "IncompleteSignature", "SignatureMethod HMAC-SHA256")
    r = c.call("DescribeInvocations", base, version="2016-03-14")
    t.is_(r.code, "InvalidVersion", "wrong Version")
    r = c.call("DescribeInvocationz", base)
    t.is_((r.status, r.code), (400, "InvalidAction.NotFound"),
          "unknown Action")
    r = c.call("DescribeInvocations", base, sig=3,
               drop=("x-acs-signature-nonce",))
    t.is_(r.code, "MissingParameter", "v3 without x-acs-signature-nonce")
    r = c.call("DescribeInvocations", base, sig=3,
               unsigned_headers={"x-acs-extra": "1"})
    t.is_(r.code, "IncompleteSignature", "v3 unsigned x-acs-* header")
    r = c.call("DescribeInvocations", base, sig=3,
               unsigned_headers={"x-acs-content-sha256": S.sha256_hex(b"x")})
    t.is_(r.code, "IncompleteSignature", "v3 wrong x-acs-content-sha256")
    r = c.call("DescribeInvocations", base, sig=3, unsigned_headers={
        "Authorization": "ACS3-HMAC-SHA256 Credential=testid"})
    t.is_(r.code, "IncompleteSignature", "v3 malformed Authorization")

    # hostile requests: refused in the real shape, never a traceback
    r = c.send("GET", "/?Format=JSON&Action=DescribeInvocations&RegionId=%FF")
    t.is_((r.status, r.code), (400, "InvalidParameter"),
          "invalid UTF-8 in the query")
    r = c.send("GET", "/?Format=JSON&Action=A&Action=B")
    t.is_((r.status, r.code), (400, "InvalidParameter"),
          "a parameter given twice")
    r = c.send("GET", "/?Format=JSON&Action=DescribeInvocations&Version="
               "2014-05-26", headers={"Authorization": "Bearer abc"})
    t.is_(r.code, "IncompleteSignature", "an Authorization that is not ACS3")
    r = c.send("GET", "/?Format=JSON&Action=DescribeInvocations&Version="
               "2014-05-26")
    t.is_(r.code, "MissingParameter", "no signature at all")
    r = c.send("GET", "/other?Format=JSON")
    t.is_(r.code, "InvalidAction.NotFound", "a path other than /")
    r = c.send("POST", "/?Format=JSON", b"",
               {"Content-Length": str((1 << 20) + 1)})
    t.is_((r.status, r.code), (413, "RequestEntityTooLarge"),
          "a request body over 1 MiB")

    # keys
    r = c.call("DescribeInvocations", base, access_key_id="nosuchkey")
    err_shape(t, r, "InvalidAccessKeyId.NotFound", 404, "unknown AccessKeyId")
    r = c.call("DescribeInvocations", base, sig=3, access_key_id="nosuchkey")
    t.is_((r.status, r.code), (404, "InvalidAccessKeyId.NotFound"),
          "unknown AccessKeyId (v3)")
    s = sim.client(sts=True)
    for sig in (1, 3):
        r = s.call("DescribeInvocations", base, sig=sig)
        t.is_(r.status, 200, "v%d STS key with its token" % sig)
        r = s.call("DescribeInvocations", base, sig=sig, token=None)
        t.is_((r.status, r.code), (400, "MissingSecurityToken"),
              "v%d STS key without a token" % sig)
        r = s.call("DescribeInvocations", base, sig=sig, token="wrong")
        t.is_(r.code, "InvalidSecurityToken.MismatchWithAccessKey",
              "v%d STS key with a wrong token" % sig)
    r = c.call("DescribeInvocations", base, token=sim.sts_token)
    t.is_(r.code, "InvalidSecurityToken.MismatchWithAccessKey",
          "a token with a plain key is refused")
    log = sim.requests()
    blob = open(sim.log_path, encoding="utf-8").read()
    t.ok(sim.access_key_secret not in blob
         and sim.sts_access_key_secret not in blob
         and not any("Signature" in x or "signature" in x for x in log),
         "the log holds no secret and no signature")

    # region
    r = c.call("DescribeInvocations", {"InvokeId": "t-hz0finished"})
    err_shape(t, r, "MissingParameter.RegionId", 400, "missing RegionId")
    r = c.call("DescribeInvocations", {"InvokeId": "t-hz0finished",
                                       "RegionId": "cn-nowhere"})
    t.is_((r.status, r.code), (404, "InvalidRegionId.NotFound"),
          "unknown RegionId")
    r = c.call("DescribeInvocations", {"InvokeId": "t-bj1finished",
                                       "RegionId": HZ})
    t.is_(r.json["TotalCount"], 0, "another region's invocation is unseen")
    r = c.call("DescribeInvocations", {"InvokeId": "t-bj1finished",
                                       "RegionId": "cn-beijing"})
    t.is_(r.json["TotalCount"], 1, "and seen in its own region")

    # not found
    r = c.call("DescribeInvocations", {"RegionId": HZ,
                                       "InvokeId": "t-hz0nosuch"})
    t.is_((r.status, r.json["TotalCount"],
           r.json["Invocations"]["Invocation"], r.json["NextToken"]),
          (200, 0, [], ""), "unknown InvokeId: 200, empty list")
    r = c.call("DescribeInvocationResults", {"RegionId": HZ,
                                             "InvokeId": "t-hz0nosuch"})
    t.is_(r.json["Invocation"]["InvocationResults"]["InvocationResult"], [],
          "unknown InvokeId: empty results too")

    # paging
    for bad in ("51", "0", "abc", ""):
        r = c.call("DescribeInvocationResults", {
            "RegionId": HZ, "InvokeId": "t-hz0big", "MaxResults": bad})
        t.is_((r.status, r.code), (400, "InvalidParameter.MaxResults"),
              "MaxResults=%r refused" % bad)
    r = c.call("DescribeInvocationResults", {"RegionId": HZ,
                                             "InvokeId": "t-hz0big"})
    inv = r.json["Invocation"]
    t.is_((len(inv["InvocationResults"]["InvocationResult"]),
           inv["PageSize"], inv["TotalCount"], bool(inv["NextToken"])),
          (10, 10, 1000, True), "default page size is 10")
    tok = inv["NextToken"]
    t.ok("+" in tok and "/" in tok, "NextToken needs percent-encoding")
    r = c.call("DescribeInvocationResults", {"RegionId": HZ, "InvokeId":
                                             "t-hz0big", "NextToken": tok})
    t.is_(r.json["Invocation"]["InvocationResults"]["InvocationResult"][0]
          ["InstanceId"], "i-bp1bg0011", "NextToken resumes where it ended")
    r = c.call("DescribeInvocationResults", {
        "RegionId": HZ, "InvokeId": "t-hz0big", "NextToken": "AAAAAbogus"})
    err_shape(t, r, "InvalidParameter.NextToken", 400, "unknown NextToken")
    r = c.call("DescribeInvocationResults", {
        "RegionId": HZ, "InvokeId": "t-hz0bigfail", "NextToken": tok})
    t.is_(r.code, "InvalidParameter.NextToken",
          "a NextToken from another query is refused")
    r = c.call("DescribeInvocationResults", {
        "RegionId": HZ, "InvokeId": "t-hz0big",
        "NextToken": tok.replace("+", " ")})
    t.is_(r.code, "InvalidParameter.NextToken",
          "a NextToken whose '+' became a space is refused")
    pages, ids, tok = 0, [], None
    while True:
        p = {"RegionId": HZ, "InvokeId": "t-hz0big", "MaxResults": "50"}
        if tok:
            p["NextToken"] = tok
        r = c.call("DescribeInvocationResults", p, sig=3)
        pages += 1
        ids += [x["InstanceId"] for x in r.json["Invocation"][
            "InvocationResults"]["InvocationResult"]]
        tok = r.json["Invocation"]["NextToken"]
        if not tok or pages > 30:
            break
    t.is_((pages, len(ids), len(set(ids))), (20, 1000, 1000),
          "t-hz0big: 20 pages of 50, last NextToken empty")
    r = c.call("DescribeInvocations", {"RegionId": HZ,
                                       "InvokeId": "t-hz0big"})
    t.is_(len(r.json["Invocations"]["Invocation"][0]["InvokeInstances"]
              ["InvokeInstance"]), 1000,
          "DescribeInvocations carries the full instance list")
    r = c.call("DescribeInvocations", {"RegionId": HZ, "PageSize": "51"})
    t.is_(r.code, "InvalidParam.PageSize", "legacy PageSize=51 refused")

    # fields and encodings
    q = {"RegionId": HZ, "InvokeId": "t-hz0partial"}
    inst = c.call("DescribeInvocations", q).json["Invocations"][
        "Invocation"][0]["InvokeInstances"]["InvokeInstance"]
    t.ok(all("Output" not in i for i in inst), "no Output by default")
    aaa = [i for i in inst if i["InstanceId"] == "i-bp1aaa"][0]
    t.is_((aaa["InvocationStatus"], aaa["ExitCode"], aaa["ErrorCode"],
           aaa["InstanceInvokeStatus"]),
          ("Failed", 1, "ExitCodeNonzero", "Finished"),
          "i-bp1aaa: Failed, exit 1 (a JSON number), legacy says Finished")
    inv = c.call("DescribeInvocations", dict(q, IncludeOutput="true")).json[
        "Invocations"]["Invocation"][0]
    aaa = [i for i in inv["InvokeInstances"]["InvokeInstance"]
           if i["InstanceId"] == "i-bp1aaa"][0]
    t.is_(base64.b64decode(aaa["Output"]), b"error: something broke\n",
          "IncludeOutput=true: Output in Base64")
    t.is_(base64.b64decode(inv["CommandContent"]), b"#!/bin/sh\necho ok\n",
          "CommandContent in Base64")
    t.is_(inv["Timed"], False, "booleans are JSON booleans")
    inv = c.call("DescribeInvocations", dict(
        q, IncludeOutput="true", ContentEncoding="PlainText")).json[
        "Invocations"]["Invocation"][0]
    t.is_(inv["InvokeInstances"]["InvokeInstance"][0]["Output"],
          "error: something broke\n", "ContentEncoding=PlainText")
    r = c.call("DescribeInvocations", dict(q, IncludeOutput="yes"))
    t.is_(r.status, 400, "IncludeOutput=yes refused")
    r = c.call("DescribeInvocations", q, fmt=None)
    t.ok(r.headers.get("content-type", "").startswith("text/xml")
         and r.body.startswith(b"<?xml")
         and b"<InvokeInstances><InvokeInstance><InstanceId>" in r.body,
         "no Format: XML, as the real service defaults")
    r = c.call("DescribeInvocations", dict(q, InvokeId="t-hz0nosuch"),
               fmt=None, secret="wrong")
    t.ok(r.body.startswith(b"<?xml") and b"<Error><RequestId>" in r.body
         and b"<Code>SignatureDoesNotMatch</Code>" in r.body,
         "errors in XML too")
    r = c.call("DescribeInvocations", q, fmt="json")
    t.ok(r.json is not None, "Format=json (lower case) gives JSON")
    r = c.call("DescribeInvocations", {"RegionId": HZ,
                                       "InvokeId": "t-hz0text",
                                       "IncludeOutput": "true"})
    out = [i for i in r.json["Invocations"]["Invocation"][0][
        "InvokeInstances"]["InvokeInstance"] if "Output" in i][1]["Output"]
    t.ok(b"\xff\xfe" in base64.b64decode(out),
         "t-hz0text: invalid UTF-8 bytes inside the Base64 Output")

    # history
    r = c.call("DescribeInvocationResults", {
        "RegionId": HZ, "InvokeId": "t-hz0finished",
        "IncludeHistory": "true"})
    t.is_((r.status, r.code), (400, "InvalidParameter.IncludeHistory"),
          "IncludeHistory on a Once invocation refused")
    r = c.call("DescribeInvocationResults", {
        "RegionId": HZ, "InvokeId": "t-hz0reboot", "IncludeHistory": "true"})
    t.is_(r.code, "InvalidParameter.IncludeHistory",
          "and on NextRebootOnly")
    r = c.call("DescribeInvocationResults", {
        "RegionId": HZ, "InvokeId": "t-hz0periodic", "MaxResults": "50",
        "IncludeHistory": "true"})
    recs = r.json["Invocation"]["InvocationResults"]["InvocationResult"]
    keys = [(x["StartTime"], x["InstanceId"]) for x in recs]
    want = sorted(sorted(keys, key=lambda k: k[1]), key=lambda k: k[0],
                  reverse=True)
    t.ok(len(recs) == 13 and keys == want,
         "history: every run, newest first, then by instance id", keys)
    r = c.call("DescribeInvocationResults", {
        "RegionId": HZ, "InvokeId": "t-hz0periodic"})
    recs = r.json["Invocation"]["InvocationResults"]["InvocationResult"]
    t.is_([(x["InstanceId"], x["InvocationStatus"]) for x in recs],
          [("i-per1", "Running"), ("i-per2", "Failed"),
           ("i-per3", "Running"), ("i-per4", "Success")],
          "without history: each instance's newest run")
    inst = c.call("DescribeInvocations", {
        "RegionId": HZ, "InvokeId": "t-hz0periodic"}).json["Invocations"][
        "Invocation"][0]["InvokeInstances"]["InvokeInstance"]
    t.is_([(x["InstanceId"], x["InvocationStatus"], x["Repeats"])
           for x in inst],
          [("i-per1", "Running", 4), ("i-per2", "Scheduled", 4),
           ("i-per3", "Running", 1), ("i-per4", "Scheduled", 4)],
          "DescribeInvocations shows only the latest state per instance")

    # faults
    for n in (1, 2):
        r = c.call("DescribeInvocations", {"RegionId": HZ,
                                           "InvokeId": "t-hz0throttle"})
        err_shape(t, r, "Throttling.User", 400, "throttle request %d" % n)
        t.is_(r.headers.get("x-acs-retry-after"), "200",
              "x-acs-retry-after: 200 (ms)")
    t.is_(r.json["Message"], "Request was denied due to user flow control.",
          "throttling message")
    r = c.call("DescribeInvocationResults", {"RegionId": HZ,
                                             "InvokeId": "t-hz0throttle"})
    t.is_(r.status, 200, "third request answered")
    sim.reset_faults()
    r = c.call("DescribeInvocations", {"RegionId": HZ,
                                       "InvokeId": "t-hz0throttle"})
    t.is_(r.code, "Throttling.User", "reset_faults() re-arms the fault")
    sim.reset_faults()
    for sid, code, status, then in (
            ("t-hz0unavail", "ServiceUnavailable", 503, 200),
            ("t-hz0down", "InternalError", 500, 500),
            ("t-hz0forbidden", "Forbidden.RAM", 403, 403),
            ("t-hz0notfound", "InvalidInvokeId.NotFound", 404, 404),
            ("t-hz0nonce", "SignatureNonceUsed", 400, 200)):
        r = c.call("DescribeInvocations", {"RegionId": HZ, "InvokeId": sid})
        err_shape(t, r, code, status, sid)
        r = c.call("DescribeInvocations", {"RegionId": HZ, "InvokeId": sid})
        t.is_(r.status, then, "%s: then %d" % (sid, then))
    t.is_([x["verdict"] for x in sim.requests()
           if x["invoke_id"] == "t-hz0down"], ["InternalError"] * 2,
          "log: fault verdicts are the error codes")
    c.close()


def transport_faults(sim):
    q = lambda sid: {"RegionId": HZ, "InvokeId": sid}  # noqa: E731

    c = sim.client()
    r = c.call("DescribeInvocations", q("t-hz0badjson"))
    t.ok(r.status == 200 and r.json is None and r.body.startswith(b'{"Req'),
         "t-hz0badjson: 200 with malformed JSON")
    r = c.call("DescribeInvocations", q("t-hz0wrongshape"))
    t.is_(r.json["Invocations"], "t-hz0wrongshape",
          "t-hz0wrongshape: Invocations is a string")
    r = c.call("DescribeInvocations", q("t-hz0wrongtype"))
    inst = r.json["Invocations"]["Invocation"][0]["InvokeInstances"][
        "InvokeInstance"]
    t.is_((inst[0]["ExitCode"], inst[1]["InstanceId"]), ("0", 12345),
          "t-hz0wrongtype: ExitCode string, InstanceId number")
    r = c.call("DescribeInvocationResults", q("t-hz0badjson"))
    t.ok(r.json is not None, "transport faults spare DescribeInvocationResults")
    try:
        c.call("DescribeInvocations", q("t-hz0cut"))
        t.ok(False, "t-hz0cut: short body detected")
    except http.client.IncompleteRead as e:
        t.ok(e.expected > 0, "t-hz0cut: short body, then close")
    c.close()

    for sid in ("t-hz0hang", "t-hz0slow"):
        c = sim.client(timeout=1.0)
        t0 = time.monotonic()
        try:
            c.call("DescribeInvocations", q(sid))
            t.ok(False, "%s: no answer within 1 s" % sid)
        except (socket.timeout, TimeoutError):
            t.ok(time.monotonic() - t0 < 3, "%s: no answer within 1 s" % sid)
        c.close()

    # trickle: headers at once, then one byte per second
    c = sim.client(timeout=5)
    conn = c._connection()
    import ecstest
    p = {"Action": "DescribeInvocations", "Version": "2014-05-26",
         "Format": "JSON", "AccessKeyId": sim.access_key_id,
         "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
         "SignatureNonce": os.urandom(8).hex(), "Timestamp": utc_timestamp(),
         **q("t-hz0trickle")}
    p["Signature"] = S.v1_signature(sim.access_key_secret, "GET", p)
    conn.request("GET", "/?" + ecstest.encode_params(p))
    resp = conn.getresponse()
    t0 = time.monotonic()
    got = resp.read(3)
    took = time.monotonic() - t0
    t.ok(resp.status == 200 and got == b'{"R' and 1.5 < took < 4.5,
         "t-hz0trickle: the body comes one byte per second (%.1f s for 3)"
         % took)
    c.close()

    for sid, chunked in (("t-hz0huge", True), ("t-hz0hugecl", False)):
        c = sim.client(timeout=30)
        conn = c._connection()
        p = dict(p, SignatureNonce=os.urandom(8).hex(), **q(sid))
        p.pop("Signature")
        p["Signature"] = S.v1_signature(sim.access_key_secret, "GET", p)
        conn.request("GET", "/?" + ecstest.encode_params(p))
        resp = conn.getresponse()
        n, head, tail = 0, b"", b""
        while True:
            block = resp.read(1 << 20)
            if not block:
                break
            if not head:
                head = block[:64]
            tail = (tail + block)[-16:]
            n += len(block)
        t.ok(n > 33 << 20 and head.startswith(b'{"RequestId"')
             and tail.endswith(b'"}]}}]}}')
             and (resp.getheader("Transfer-Encoding") == "chunked") == chunked,
             "%s: %.1f MiB of valid JSON, %s" % (
                 sid, n / 1048576.0,
                 "chunked" if chunked else "with Content-Length"))
        c.close()


def log_and_misc(sim):
    c = sim.client()
    sim.clear_log()
    t.is_(sim.requests(), [], "clear_log() empties the log")
    c.call("DescribeInvocations", {"RegionId": HZ,
                                   "InvokeId": "t-hz0finished",
                                   "MaxResults": "5"})
    log = sim.requests()
    t.is_([(x["action"], x["invoke_id"], x["max_results"], x["status"])
           for x in log],
          [("DescribeInvocations", "t-hz0finished", "5", 200)],
          "the simulator keeps logging after a truncation")
    r = c.send("PUT", "/?Format=JSON", b"", {})
    t.is_((r.status, r.code), (403, "UnsupportedHTTPMethod"), "PUT refused")
    c.close()


def clock_checks():
    with Simulator(clock_offset=3600) as sim:
        c = sim.client()
        r = c.call("DescribeInvocations", {"RegionId": HZ,
                                           "InvokeId": "t-hz0finished"})
        t.is_(r.code, "InvalidTimeStamp.Expired",
              "--clock-offset 3600: a local timestamp is expired")
        date = ecs_sim.email.utils.parsedate_to_datetime(r.headers["date"])
        t.ok(abs(date.timestamp() - time.time() - 3600) < 5,
             "and the Date header shows the simulator's clock")
        r = c.call("DescribeInvocations", {"RegionId": HZ,
                                           "InvokeId": "t-hz0finished"},
                   timestamp=utc_timestamp(3600))
        t.is_(r.status, 200, "a timestamp corrected by Date is accepted")
        c.close()
    # An error fault's "date" drops or replaces the Date header; a stage's
    # clock_step moves the clock once, when the stage is reached, and SIGHUP
    # takes it back; a role's "error" refuses AssumeRole after the checks.
    with open(os.path.join(SCENARIOS, "t-hz0finished.json")) as f:
        base = json.load(f)
    nodate = dict(base, faults=[{"type": "error", "status": 400, "code": "InvalidTimeStamp.Expired", "date": None}])
    nodate["invocation"] = dict(base["invocation"], InvokeId="t-hz0nodate")
    baddate = dict(base, faults=[{"type": "error", "status": 400, "code": "Throttling.User", "date": "yesterday"}])
    baddate["invocation"] = dict(base["invocation"], InvokeId="t-hz0baddate")
    step = dict(base, stages=[{"after_reads": 1, "clock_step": 7200}])
    step["invocation"] = dict(base["invocation"], InvokeId="t-hz0step")
    with Simulator(extra_scenarios={"t-hz0nodate": nodate, "t-hz0baddate": baddate, "t-hz0step": step}) as sim:
        c = sim.client()
        r = c.call("DescribeInvocations", {"RegionId": HZ, "InvokeId": "t-hz0nodate"})
        t.is_((r.code, "date" in r.headers), ("InvalidTimeStamp.Expired", False),
              "an error fault with date null has no Date header")
        r = c.call("DescribeInvocations", {"RegionId": HZ, "InvokeId": "t-hz0baddate"})
        t.is_((r.code, r.headers.get("date")), ("Throttling.User", "yesterday"),
              "an error fault's date string replaces the Date header")
        r = c.call("DescribeInvocations", {"RegionId": HZ, "InvokeId": "t-hz0finished"})
        t.ok(r.status == 200 and "date" in r.headers, "other answers keep their Date header")
        dates = []
        for n in range(3):
            r = c.call("DescribeInvocations", {"RegionId": HZ, "InvokeId": "t-hz0step"},
                       timestamp=utc_timestamp(7200 if n == 2 else 0))
            dates.append(ecs_sim.email.utils.parsedate_to_datetime(r.headers["date"]).timestamp() - time.time())
        t.ok(abs(dates[0]) < 5 and abs(dates[1] - 7200) < 5 and abs(dates[2] - 7200) < 5 and r.status == 200,
             "clock_step: the read that reaches the stage moves the clock by 7200 s, once", dates)
        r = c.call("DescribeInvocations", {"RegionId": HZ, "InvokeId": "t-hz0finished"})
        t.is_(r.code, "InvalidTimeStamp.Expired", "and the window moves with it")
        sim.reset_faults()
        r = c.call("DescribeInvocations", {"RegionId": HZ, "InvokeId": "t-hz0finished"})
        t.is_(r.status, 200, "SIGHUP takes the step back")
        r = c.assume_role("acs:ram::1234567890123456:role/stamp", sig=3)
        t.is_((r.status, r.code), (400, "InvalidTimeStamp.Expired"),
              "a role's error answers a signed, timely AssumeRole")
        c.close()
    frozen = 1780000000.0  # 2026-05-28T20:26:40Z
    with Simulator(clock_frozen_at=frozen) as sim:
        c = sim.client()
        dates = []
        for _ in range(2):
            r = c.call("DescribeInvocations", {"RegionId": HZ, "InvokeId": "t-hz0finished"},
                       timestamp=sim.timestamp())
            dates.append(r.headers["date"])
            time.sleep(1.1)
        t.is_((r.status, dates), (200, ["Thu, 28 May 2026 20:26:40 GMT"] * 2),
              "--clock-frozen-at: every Date header shows the same second")
        r = c.call("DescribeInvocations", {"RegionId": HZ, "InvokeId": "t-hz0finished"})
        t.is_(r.code, "InvalidTimeStamp.Expired", "and the timestamp window is around it, not around now")
        c.close()
    with Simulator(tls=False, relax_replay=True,
                   clock_at="2026-11-28T11:05:00Z") as sim:
        t.ok(sim.url.startswith("http://127.0.0.1:"), "plain HTTP simulator")
        c = sim.client()
        n = "same-nonce"
        codes = [c.call("DescribeInvocations", {"RegionId": HZ,
                                                "InvokeId": "t-hz0finished"},
                        nonce=n, timestamp="2020-01-01T00:00:00Z").status
                 for _ in range(2)]
        t.is_(codes, [200, 200], "--relax-replay: old timestamp and a "
              "reused nonce pass")
        r = c.call("DescribeInvocations", {"RegionId": HZ,
                                           "InvokeId": "t-hz0finished"},
                   timestamp="not-a-time")
        t.is_(r.code, "IllegalTimestamp", "but the format is still checked")
        date = ecs_sim.email.utils.parsedate_to_datetime(
            c.call("DescribeInvocations", {"RegionId": HZ}).headers["date"])
        t.ok(abs(date.timestamp() - parse_iso("2026-11-28T11:05:00Z")) < 5,
             "clock_at sets the simulator's clock")
        c.close()
        proc = sim.proc
        hang = sim.client(timeout=10)
        import threading
        th = threading.Thread(target=lambda: _swallow(
            hang.call, "DescribeInvocations",
            {"RegionId": HZ, "InvokeId": "t-hz0hang"}), daemon=True)
        th.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        sim.stop()
        t.ok(proc.returncode == 0 and time.monotonic() - t0 < 3,
             "SIGTERM stops it promptly even with a hanging request "
             "(exit %s)" % proc.returncode)


# ------------------------------------------------- metadata service (IMDS)

ROLE_PATH = "/latest/meta-data/ram/security-credentials/"
TTL = "X-aliyun-ecs-metadata-token-ttl-seconds"
TOK = "X-aliyun-ecs-metadata-token"
ISO_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def ecs_ok(sim, creds, name, sig_versions=(1, 3), timestamp=None):
    c = sim.client(creds=creds)
    for sig in sig_versions:
        r = c.call("DescribeInvocations", {"RegionId": HZ,
                                           "InvokeId": "t-hz0finished"},
                   sig=sig, timestamp=timestamp)
        t.is_((r.status, r.code), (200, None),
              "%s: accepted by the ECS API (v%d)" % (name, sig))
    c.close()


def ecs_expired(sim, creds, name, sig_versions=(1, 3), timestamp=None):
    c = sim.client(creds=creds)
    for sig in sig_versions:
        r = c.call("DescribeInvocations", {"RegionId": HZ,
                                           "InvokeId": "t-hz0finished"},
                   sig=sig, timestamp=timestamp)
        err_shape(t, r, "InvalidSecurityToken.Expired", 400,
                  "%s: InvalidSecurityToken.Expired (v%d)" % (name, sig))
        t.is_(r.json.get("Message"), "Specified SecurityToken is expired.",
              "%s: its message (v%d)" % (name, sig))
    c.close()


def imds_checks(sim):
    q = sim.imds_request
    t.like(sim.metadata_url or "", r"^http://127\.0\.0\.1:\d+$",
           "metadata service on plain HTTP, loopback")
    t.ok(sim.metadata_port != sim.port, "on its own port")

    # token PUT
    r = q("PUT", "/latest/api/token", {TTL: "21600"})
    token = r.body.decode()
    t.ok(r.status == 200 and r.headers.get("content-type", "")
         .startswith("text/plain") and re.match(r"^[A-Za-z0-9_-]{20,}$",
                                                token),
         "PUT /latest/api/token TTL 21600: 200, a text/plain token")
    t.is_(q("PUT", "/latest/api/token", {TTL: "1"}).status, 200,
          "TTL 1 accepted")
    t.ok(q("PUT", "/latest/api/token", {TTL: "60"}).body != r.body,
         "each PUT gives a new token")
    t.is_(q("PUT", "/latest/api/token").status, 400, "TTL header missing: 400")
    for bad in ("0", "21601", "99999999999", "abc", "-5", "1.5", ""):
        t.is_(q("PUT", "/latest/api/token", {TTL: bad}).status, 400,
              "TTL %r: 400" % bad)
    r = q("PUT", "/latest/api/token", {TTL: "21600",
                                       "X-Forwarded-For": "10.0.0.1"})
    t.is_(r.status, 403, "token PUT with X-Forwarded-For: 403")
    t.is_(q("GET", "/latest/api/token", {TTL: "60"}).status, 405,
          "GET on the token path: 405")

    # role list and credentials
    r = q("GET", ROLE_PATH, {TOK: token})
    t.is_((r.status, r.body), (200, b"MonitorRole"),
          "role list with a token: the attached role, text/plain")
    t.is_(q("GET", ROLE_PATH).status, 200, "role list without token (v1)")
    r = q("GET", ROLE_PATH + sim.ecs_role, {TOK: token})
    j = r.json or {}
    t.is_((r.status, sorted(j)),
          (200, ["AccessKeyId", "AccessKeySecret", "Code", "Expiration",
                 "LastUpdated", "SecurityToken"]),
          "role credentials with a token: every field")
    t.ok(j.get("Code") == "Success"
         and j.get("AccessKeyId", "").startswith("STS.")
         and len(j.get("AccessKeySecret", "")) >= 30
         and len(j.get("SecurityToken", "")) > 100,
         "Code Success, an STS. key id, a secret and a long token")
    t.ok(re.match(ISO_RE, j.get("Expiration", "")) and
         re.match(ISO_RE, j.get("LastUpdated", "")) and
         abs(parse_iso(j["Expiration"]) - time.time() - 6 * 3600) < 60 and
         abs(parse_iso(j["LastUpdated"]) - time.time()) < 60,
         "Expiration 6 h ahead, LastUpdated now (UTC, Z)", j)
    t.like(r.body.decode(), r'^\{\n  "AccessKeyId" : "STS\.',
           "pretty-printed like the real service")
    r1 = q("GET", ROLE_PATH + sim.ecs_role)
    t.ok(r1.status == 200 and r1.json["AccessKeyId"] == j["AccessKeyId"],
         "without token (IMDSv1) too, and the same credentials again")
    ecs_ok(sim, j, "role credentials")
    c = sim.client(creds=(j["AccessKeyId"], j["AccessKeySecret"], "x"))
    r = c.call("DescribeInvocations", {"RegionId": HZ})
    t.is_(r.code, "InvalidSecurityToken.MismatchWithAccessKey",
          "role key with another token refused")
    c.close()

    for bad in ("not-a-token", token + "x", ""):
        r = q("GET", ROLE_PATH + sim.ecs_role, {TOK: bad})
        t.is_(r.status, 401, "token %r: 401" % bad[:12])
    t.is_(q("GET", ROLE_PATH, {TOK: "bogus"}).status, 401,
          "role list with a bad token: 401")
    r = q("GET", ROLE_PATH + sim.ecs_role, {TOK: token,
                                            "X-Forwarded-For": "1.2.3.4"})
    t.is_(r.status, 403, "credentials GET with X-Forwarded-For: 403")
    r = q("GET", ROLE_PATH + "NoSuchRole", {TOK: token})
    t.ok(r.status == 404 and r.json is None, "unknown role: 404, text body")
    t.is_(q("GET", ROLE_PATH + sim.ecs_role + "/").status, 404,
          "role name with a trailing slash: 404")
    t.is_(q("GET", "/latest/meta-data/Ram/security-credentials/").status,
          404, "the path is case sensitive (the SDK's 'ram')")
    t.is_(q("POST", ROLE_PATH + sim.ecs_role, {TOK: token}).status, 405,
          "POST to the credentials: 405")
    r = q("GET", ROLE_PATH + sim.broken_ecs_role, {TOK: token})
    t.is_((r.status, (r.json or {}).get("Code")), (200, "Failed"),
          "BrokenRole: 200 with Code Failed")
    r = q("GET", ROLE_PATH + sim.expired_ecs_role, {TOK: token})
    t.is_((r.json or {}).get("Code"), "Success", "ExpiredRole: Code Success")
    ecs_expired(sim, r.json, "ExpiredRole credentials")

    # the log
    log = sim.requests("imds")
    want = {"t", "conn", "service", "method", "path", "token_sent",
            "ttl_sent", "ttl", "forwarded_for", "role", "verdict", "status"}
    t.ok(log and all(want <= set(x) for x in log), "IMDS log lines carry "
         "every key")
    t.ok(any(x["method"] == "PUT" and x["ttl"] == "21600" and x["status"]
             == 200 for x in log) and
         any(x["token_sent"] and x["status"] == 401 for x in log) and
         any(x["forwarded_for"] and x["status"] == 403 for x in log),
         "IMDS log: TTL, token sent, X-Forwarded-For, status")
    t.ok(len(sim.requests()) == len(sim.api_requests()) + len(log),
         "requests() has every service; api_requests() leaves IMDS out")
    blob = open(sim.log_path, encoding="utf-8").read()
    t.ok(token not in blob and j["AccessKeySecret"] not in blob
         and j["SecurityToken"] not in blob,
         "the log holds no metadata token, secret or security token")


def imds_v2_only_checks():
    with Simulator(imds_v2_only=True) as sim:
        q = sim.imds_request
        t.is_(q("GET", ROLE_PATH + sim.ecs_role).status, 401,
              "--imds-v2-only: credentials without a token: 401")
        t.is_(q("GET", ROLE_PATH).status, 401,
              "--imds-v2-only: role list without a token: 401")
        token = sim.imds_token(300)
        r = q("GET", ROLE_PATH + sim.ecs_role, {TOK: token})
        t.is_((r.status, (r.json or {}).get("Code")), (200, "Success"),
              "--imds-v2-only: with a token: 200")
        t.is_(q("PUT", "/latest/api/token", {TTL: "21601"}).status, 400,
              "--imds-v2-only: oversized TTL still 400")
    with Simulator(metadata=False) as sim:
        t.ok(sim.metadata_url is None and sim.sts_url == sim.url,
             "metadata=False: no metadata service; sts_url = url")


# -------------------------------------------------------- STS AssumeRole

STS_BASE = {"RegionId": HZ, "InvokeId": "t-hz0finished"}


def sts_shape(t, r, code, status, name):
    ok = t.is_((r.status, r.code), (status, code), name)
    if isinstance(r.json, dict):
        t.is_((sorted(r.json), r.json.get("HostId")),
              (["Code", "HostId", "Message", "Recommend", "RequestId"],
               "sts.aliyuncs.com"), name + ": STS error shape")
    return ok


def sts_checks(sim):
    c = sim.client()
    arn = sim.ram_role_arn
    for sig in (1, 3):
        r = c.assume_role(arn, "nagios-check", sig=sig)
        j = r.json or {}
        cr = j.get("Credentials", {})
        t.is_((r.status, sorted(j), sorted(j.get("AssumedRoleUser", {})),
               sorted(cr)),
              (200, ["AssumedRoleUser", "Credentials", "RequestId"],
               ["Arn", "AssumedRoleId"],
               ["AccessKeyId", "AccessKeySecret", "Expiration",
                "SecurityToken"]),
              "AssumeRole signed v%d: 200 and the real shape" % sig)
        t.ok(j["AssumedRoleUser"]["Arn"] == arn + "/nagios-check" and
             j["AssumedRoleUser"]["AssumedRoleId"].endswith(":nagios-check")
             and cr["AccessKeyId"].startswith("STS.") and
             re.match(ISO_RE, cr["Expiration"]) and
             abs(parse_iso(cr["Expiration"]) - time.time() - 3600) < 60 and
             r.headers.get("x-acs-request-id") == j["RequestId"],
             "v%d: role ARN/session, STS. key, Expiration default 1 h" % sig)
        ecs_ok(sim, cr, "AssumeRole v%d credentials" % sig)
    r = c.assume_role(arn, fmt=None)
    t.ok(r.status == 200 and r.body.startswith(b"<?xml") and
         b"<AssumeRoleResponse><RequestId>" in r.body and
         b"<Credentials><AccessKeyId>STS." in r.body,
         "v1 without Format: XML, as the real service defaults")
    for d in (900, 43200):
        r = c.assume_role(arn, duration=d, sig=3)
        exp = parse_iso(r.json["Credentials"]["Expiration"])
        t.ok(r.status == 200 and abs(exp - time.time() - d) < 60,
             "DurationSeconds=%d sets the Expiration" % d)
    r = c.assume_role(arn, policy=json.dumps({
        "Version": "1", "Statement": [{"Effect": "Allow", "Action":
                                       "ecs:Describe*", "Resource": "*"}]}))
    t.is_(r.status, 200, "a Policy that is a JSON object is accepted")
    for name in ("ab", "x" * 64, "a.b_c@d-e"):
        t.is_(c.assume_role(arn, name).status, 200,
              "RoleSessionName %r accepted" % name[:16])

    # signature, the same verifier as ECS
    for sig in (1, 3):
        r = c.assume_role(arn, sig=sig, secret="wrong")
        sts_shape(t, r, "SignatureDoesNotMatch", 400,
                  "AssumeRole v%d wrong secret" % sig)
        t.like(r.json["Message"], "server string to sign is:",
               "v%d: with the server's string-to-sign" % sig)
        n = "sts-nonce-%d-%s" % (sig, os.urandom(4).hex())
        r1 = c.assume_role(arn, sig=sig, nonce=n)
        r2 = c.assume_role(arn, sig=sig, nonce=n)
        t.is_((r1.status, r2.code), (200, "SignatureNonceUsed"),
              "AssumeRole v%d reused nonce" % sig)
        r = c.assume_role(arn, sig=sig, timestamp=utc_timestamp(-16 * 60))
        t.is_(r.code, "InvalidTimeStamp.Expired",
              "AssumeRole v%d stale timestamp" % sig)
    r = c.assume_role(arn, drop=("Signature",))
    t.is_(r.code, "IncompleteSignature", "AssumeRole without Signature")
    r = c.call("AssumeRole", {"RoleArn": arn, "RoleSessionName": "ab"})
    t.is_((r.status, r.code), (400, "InvalidVersion"),
          "AssumeRole with the ECS Version 2014-05-26")
    r = c.call("DescribeInvocations", STS_BASE, version="2015-04-01")
    t.is_(r.code, "InvalidVersion", "an ECS action with the STS Version")
    r = c.assume_role(arn, access_key_id="nosuchkey")
    t.is_((r.status, r.code), (404, "InvalidAccessKeyId.NotFound"),
          "AssumeRole with an unknown key")
    r = sim.client(sts=True).assume_role(arn, token=None)
    t.is_(r.code, "MissingSecurityToken",
          "AssumeRole with an STS key and no token")
    r = sim.client(sts=True).assume_role(arn)
    sts_shape(t, r, "NoPermission", 403, "AssumeRole with a key the role "
              "does not allow")

    # parameters
    for kw, code, name in (
            ({"role_arn": None}, "MissingRoleArn", "no RoleArn"),
            ({"role_arn": ""}, "MissingRoleArn", "empty RoleArn"),
            ({"role_arn": "monitor"}, "InvalidParameter.RoleArn",
             "RoleArn not an ARN"),
            ({"session_name": None}, "MissingRoleSessionName",
             "no RoleSessionName"),
            ({"session_name": "a"}, "InvalidParameter.RoleSessionName",
             "RoleSessionName of 1 char"),
            ({"session_name": "x" * 65}, "InvalidParameter.RoleSessionName",
             "RoleSessionName of 65 chars"),
            ({"session_name": "bad name"}, "InvalidParameter.RoleSessionName",
             "RoleSessionName with a space"),
            ({"session_name": "abc*abc"}, "InvalidParameter.RoleSessionName",
             "RoleSessionName with '*'"),
            ({"session_name": "n\u00e4me"},
             "InvalidParameter.RoleSessionName",
             "RoleSessionName not ASCII"),
            ({"duration": 899}, "InvalidParameter.DurationSeconds",
             "DurationSeconds 899"),
            ({"duration": 43201}, "InvalidParameter.DurationSeconds",
             "DurationSeconds 43201"),
            ({"duration": "abc"}, "InvalidParameter.DurationSeconds",
             "DurationSeconds abc"),
            ({"duration": "3600.0"}, "InvalidParameter.DurationSeconds",
             "DurationSeconds 3600.0"),
            ({"policy": "{not json"}, "InvalidParameter.PolicyGrammar",
             "Policy not JSON"),
            ({"policy": "[]"}, "InvalidParameter.PolicyGrammar",
             "Policy not an object")):
        args = dict({"role_arn": arn, "session_name": "nagios"}, **kw)
        for sig in (1, 3):
            r = c.assume_role(sig=sig, **args)
            sts_shape(t, r, code, 400, "%s: %s (v%d)" % (name, code, sig))
    bogus = "acs:ram::1234567890123456:role/nosuch"
    r = c.assume_role(bogus)
    sts_shape(t, r, "EntityNotExist.Role", 404, "unknown role")
    t.like(r.json["Message"], re.escape(bogus), "the message names the role")
    r = c.assume_role(sim.ram_role_arn_denied, sig=3)
    sts_shape(t, r, "NoPermission", 403, "role the key may not assume")
    t.is_(r.json["Message"], "You are not authorized to do this action. "
          "You should be authorized by RAM.", "NoPermission message")

    # expired credentials
    r = c.assume_role(sim.ram_role_arn_expired)
    t.is_(r.status, 200, "the expired role is assumed")
    ecs_expired(sim, r.json["Credentials"], "its credentials")
    ecs_expired(sim, sim.expired_sts, "STS.expired from keys.json")
    c.close()

    log = sim.requests("sts")
    t.ok(log and all(x["action"] == "AssumeRole" for x in log),
         "log: service sts, action AssumeRole")
    verdicts = {x["verdict"] for x in log}
    t.ok({"ok", "SignatureDoesNotMatch", "NoPermission",
          "EntityNotExist.Role", "InvalidParameter.RoleSessionName"}
         <= verdicts, "log: the verdicts", sorted(verdicts))
    t.ok(all(x["status"] == 200 and x["issued_access_key_id"]
             .startswith("STS.") for x in log if x["verdict"] == "ok"),
         "log: the issued key id on success")
    t.ok(all(x.get("service") == "ecs" for x in sim.requests("ecs")),
         "ECS lines say service ecs")


def clock_control_checks():
    """Expiry of tokens and temporary credentials, with a movable clock."""
    with Simulator(log_bodies=True) as sim:
        token = sim.imds_token(60)
        role = sim.role_credentials(token=token)
        short = sim.client().assume_role(sim.ram_role_arn, duration=900,
                                         sig=3).json["Credentials"]
        ecs_ok(sim, role, "IMDS credentials at t0", (3,))
        ecs_ok(sim, short, "900 s AssumeRole credentials at t0", (1,))
        sim.advance_clock(901)
        ts = sim.timestamp()
        r = sim.imds_request("GET", ROLE_PATH + sim.ecs_role, {TOK: token})
        t.is_(r.status, 401, "the 60 s metadata token has expired at +901 s")
        ecs_expired(sim, short, "AssumeRole credentials at +901 s",
                    timestamp=ts)
        ecs_ok(sim, role, "IMDS credentials still at +901 s", timestamp=ts)
        sim.advance_clock(6 * 3600)
        ts = sim.timestamp()
        ecs_expired(sim, role, "IMDS credentials after 6 h", timestamp=ts)
        fresh = sim.role_credentials()
        t.ok(fresh["AccessKeyId"] != role["AccessKeyId"] and
             parse_iso(fresh["Expiration"]) > parse_iso(role["Expiration"]),
             "the metadata service then serves fresh credentials")
        ecs_ok(sim, fresh, "the fresh ones", timestamp=ts)
        date = ecs_sim.email.utils.parsedate_to_datetime(
            sim.imds_request("GET", ROLE_PATH).headers["date"])
        t.ok(abs(date.timestamp() - time.time() - sim.clock_offset) < 5,
             "the metadata service's Date follows the moved clock")
        blob = open(sim.log_path, encoding="utf-8").read()
        t.ok(all(x not in blob for x in (
            short["AccessKeySecret"], short["SecurityToken"],
            role["AccessKeySecret"], role["SecurityToken"], token)) and
            '"AccessKeySecret":"(redacted)"' in blob,
            "--log-bodies: AssumeRole bodies are logged with the secrets "
            "redacted")
        t.is_(sim.stderr_text(), "", "nothing on the simulator's stderr")


def leak_and_signature_checks():
    """What the simulator keeps for tests that look for leaked secrets, and
    the SignatureDoesNotMatch of a request that was changed on its way."""
    with open(os.path.join(HERE, "scenarios", "t-hz0finished.json")) as f:
        data = json.load(f)
    endless = dict(data, endless_paging=True)
    endless["invocation"] = dict(data["invocation"], InvokeId="t-hz0endless")
    with Simulator(signature_log=True,
                   extra_scenarios={"t-hz0endless": endless}) as sim:
        base = {"RegionId": HZ, "InvokeId": "t-hz0finished"}
        c = sim.client()
        sts = sim.client(sts=True)
        for client, sig in ((c, 1), (c, 3), (sts, 1), (sts, 3)):
            r = client.call("DescribeInvocations", base, sig=sig)
            t.is_(r.status, 200, "v%d request accepted" % sig)
        log = sim.requests()
        sigs = sim.signatures()
        t.is_(len(sigs), 4, "--signature-log: one line per request")
        t.ok(all(re.match(r"^[A-Za-z0-9+/]{27}=$", x) for x in sigs[0::2])
             and all(re.match(r"^[0-9a-f]{64}$", x) for x in sigs[1::2]),
             "--signature-log: the v1 and v3 signatures as sent", sigs)
        with open(sim.log_path) as f:
            text = f.read()
        t.ok(not any(x in text for x in sigs),
             "the request log holds no signature")
        t.ok(all(x.get("secret_seen") is False
                 and x.get("token_outside") is False for x in log),
             "log: a good request carries neither secret nor misplaced "
             "token", log)

        # The secret or the token where they do not belong.
        sim.clear_log()
        t.is_(sim.signatures(), [], "clear_log() empties the signature log")
        c.call("DescribeInvocations", base,
               extra={"Note": sim.access_key_secret})
        c.call("DescribeInvocations", base, sig=3,
               unsigned_headers={"X-Note": S.percent_encode(
                   sim.access_key_secret)})
        sts.call("DescribeInvocations", base,
                 extra={"Remark": sim.sts_token})
        sts.call("DescribeInvocations", base, sig=3,
                 unsigned_headers={"User-Agent": "x " + sim.sts_token})
        log = sim.requests()
        t.is_([x.get("secret_seen") for x in log], [True, True, False,
                                                    False],
              "log: secret_seen when the secret is sent, raw or encoded")
        t.is_([x.get("token_outside") for x in log], [False, False, True,
                                                      True],
              "log: token_outside when the token is also elsewhere")

        # A wrong secret with STS keys: the Message has the real string to
        # sign, token and all; the log has it without the token.
        sim.clear_log()
        for sig in (1, 3):
            r = sts.call("DescribeInvocations", base, sig=sig,
                         secret="wrong")
            t.is_(r.code, "SignatureDoesNotMatch", "v%d STS wrong secret"
                  % sig)
        r = sts.call("DescribeInvocations", base, sig=1, secret="wrong")
        t.ok(S.percent_encode(S.percent_encode(sim.sts_token))
             in r.json["Message"], "v1: the Message holds the token, as "
             "the real string to sign does")
        with open(sim.log_path) as f:
            text = f.read()
        once = S.percent_encode(sim.sts_token)
        t.ok(not any(x in text for x in (sim.sts_token, once,
                                         S.percent_encode(once))),
             "the request log holds no token, in any encoding")
        t.ok(all("(token)" in x["server_string_to_sign"]
                 for x in sim.requests() if x.get("sig_version") == 1),
             "log: v1 server_string_to_sign with the token taken out")
        t.ok(all("(token)" in x["server_canonical_request"]
                 for x in sim.requests() if x.get("sig_version") == 3),
             "log: v3 server_canonical_request with the token taken out")

        # string_to_sign_method: SignatureDoesNotMatch with the string the
        # server built for another method than the one signed.
        prefix = ecs_sim.ERRORS["SignatureDoesNotMatch"][1]
        sp = {"RegionId": HZ, "InvokeId": "t-hz0sigproxy"}
        nonce, ts = "sigproxy-" + os.urandom(4).hex(), utc_timestamp()
        r = c.call("DescribeInvocations", sp, nonce=nonce, timestamp=ts)
        err_shape(t, r, "SignatureDoesNotMatch", 400, "t-hz0sigproxy v1")
        params = {"Action": "DescribeInvocations", "Version": "2014-05-26",
                  "Format": "JSON", "AccessKeyId": sim.access_key_id,
                  "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
                  "SignatureNonce": nonce, "Timestamp": ts, **sp}
        t.is_(r.json["Message"], prefix + S.v1_string_to_sign("GET", params),
              "t-hz0sigproxy v1: Message in the real format, the string to "
              "sign of a GET")
        t.ok(r.json["Message"] != prefix + S.v1_string_to_sign("POST",
                                                              params),
             "t-hz0sigproxy v1: not the client's (POST) string to sign")
        r = c.call("DescribeInvocations", sp, sig=3)
        err_shape(t, r, "SignatureDoesNotMatch", 400, "t-hz0sigproxy v3")
        t.like(r.json["Message"], r"server string to sign is:"
               r"ACS3-HMAC-SHA256\n[0-9a-f]{64}$",
               "t-hz0sigproxy v3: Message in the real format")
        try:
            ecs_sim.Fault({"type": "error", "status": 400,
                           "code": "Forbidden.RAM",
                           "string_to_sign_method": "GET"}, "test")
            refused = False
        except ecs_sim.ScenarioError:
            refused = True
        t.ok(refused, "string_to_sign_method only with "
             "SignatureDoesNotMatch")

        # endless_paging: past the last page, a fresh NextToken and the
        # list from the start.
        ep = {"RegionId": HZ, "InvokeId": "t-hz0endless", "MaxResults": "2"}
        r = c.call("DescribeInvocationResults", ep)
        first = r.json["Invocation"]
        t.ok(first["NextToken"], "endless_paging: a NextToken on page 1")
        r = c.call("DescribeInvocationResults",
                   dict(ep, NextToken=first["NextToken"]))
        second = r.json["Invocation"]
        t.ok(second["NextToken"] and second["NextToken"]
             != first["NextToken"], "endless_paging: a fresh NextToken "
             "after the last page")
        r = c.call("DescribeInvocationResults",
                   dict(ep, NextToken=second["NextToken"]))
        t.is_([x["InstanceId"] for x in r.json["Invocation"][
            "InvocationResults"]["InvocationResult"]],
            [x["InstanceId"] for x in first["InvocationResults"][
                "InvocationResult"]], "endless_paging: and the list again")
        c.close()
        sts.close()
        t.is_(sim.stderr_text(), "", "nothing on the simulator's stderr")


def _swallow(fn, *a):
    try:
        fn(*a)
    except Exception:          # noqa: BLE001
        pass


def main():
    vectors()
    with Simulator() as sim:
        t.like(sim.url, r"^https://127\.0\.0\.1:\d+$", "TLS simulator up")
        try:
            e2e(sim)
            scenario_checks(sim)
            transport_faults(sim)
            log_and_misc(sim)
            imds_checks(sim)
            sts_checks(sim)
        except Exception:
            import traceback
            t.ok(False, "no exception", traceback.format_exc())
        t.ok(sim.alive(), "the simulator survived all of it")
        err = sim.stderr_text()
        t.is_(err, "", "nothing on the simulator's stderr")
    clock_checks()
    leak_and_signature_checks()
    imds_v2_only_checks()
    clock_control_checks()
    t.done()


main()
