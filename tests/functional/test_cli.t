#!/usr/bin/env python3
"""The command line as an operator meets it: help and version exit UNKNOWN,
every usage error is one line that says what to fix (exit 3, nothing on
stderr, no network), credentials never come from arguments, and a plain
http:// endpoint (loopback only) is never reached through a proxy."""
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, Simulator, plugin_env, run_plugin, slack  # noqa: E402

t = TAP()
CREDS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret"}

r = run_plugin(["--help"])
t.is_(r.code, 3, "--help exits 3")
t.ok("Usage:" in r.stdout and "--invoke-id" in r.stdout, "--help shows usage and options")
t.ok(max(len(l) for l in r.stdout.split("\n")) <= 80, "--help fits 80 columns")
t.is_(r.stderr, "", "--help: nothing on stderr")
r = run_plugin(["-h"])
t.is_(r.code, 3, "-h exits 3")
r = run_plugin(["-V"])
t.is_(r.code, 3, "-V exits 3")
t.like(r.stdout, r"^check_ecs_invocation \d+\.\d+\.\d+\n$", "-V prints name and version")

CASES = [
    ([], {}, "missing -i/--invoke-id"),
    (["-i", "t-1"], CREDS, "missing region"),
    (["-i", "t-1", "-r", "cn-hangzhou"], {}, "no credentials"),
    (["-i", "t-1", "-r", "cn-hangzhou"], {"ALIBABA_CLOUD_ACCESS_KEY_ID": "x"}, "no secret"),
    (["-i", "t-1", "-r", "cn-hangzhou"], {"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "x"}, "no AccessKey id"),
    (["-i", "t-1", "-r", "cn-hangzhou", "-e", "http://ecs.cn-hangzhou.aliyuncs.com"], CREDS, "loopback"),
    # not an address, so libcurl would look it up in DNS: refused before that
    (["-i", "t-1", "-r", "cn-hangzhou", "-e", "http://127.999.999.999:5"], CREDS, "loopback"),
    (["-i", "t-1", "-r", "cn-hangzhou", "-t", "abc"], CREDS, "-t/--timeout"),
    (["-i", "t-1", "-r", "cn-hangzhou", "--critical-failed", "x"], CREDS, "not a range"),
    (["-i", "t-1", "-r", "cn-hangzhou", "--map", "Finished=great"], CREDS, "--map"),
    (["-i", "t-1", "-r", "cn-hangzhou", "--secret", "x"], CREDS, "unknown option '--secret'"),
    (["-i", "t;rm", "-r", "cn-hangzhou"], CREDS, "not an invocation id"),
]
for args, env, needle in CASES:
    r = run_plugin(args, env=env)
    first = r.stdout.split("\n")[0]
    name = " ".join(args) or "(no arguments)"
    t.is_(r.code, 3, name + ": exit 3")
    t.ok(first.startswith("ECS INVOCATION UNKNOWN - ") and needle in first, name + ": says " + needle, first)
    t.is_(r.stderr, "", name + ": nothing on stderr")
    t.ok(r.elapsed < slack(2), name + ": fails at once, before any network (%.2f s)" % r.elapsed)

# The secret from the environment never shows up, even in usage errors.
r = run_plugin(["-i", "t-1", "-r", "BAD REGION"], env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "id",
                                                      "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s3cr3t-value"})
t.ok("s3cr3t-value" not in r.stdout, "usage error does not echo the secret")

# A fault names the endpoint it could not reach, never more of the URL (the
# query string carries the signature).
r = run_plugin(["-i", "t-1", "-r", "cn-hangzhou", "-e", "https://127.0.0.1:1", "-t", "2"], env=CREDS)
first = r.stdout.split("\n")[0]
t.is_(r.code, 3, "unreachable endpoint is UNKNOWN")
t.ok("cannot connect to https://127.0.0.1:1 " in first, "names the endpoint", first)
t.ok("Signature" not in r.stdout and "AccessKeyId" not in r.stdout, "and nothing of the signed query")



class CountingProxy:
    """A proxy on loopback that only counts the connections it gets (and
    what they sent first), answering each with 502."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.seen = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.settimeout(2)
            try:
                self.seen.append(c.recv(4096).split(b"\r\n", 1)[0].decode("latin-1"))
                c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            c.close()

    def env(self):
        # libcurl reads http_proxy in lower case only; all_proxy in both.
        return {"http_proxy": self.url, "all_proxy": self.url, "ALL_PROXY": self.url,
                "no_proxy": None, "NO_PROXY": None}


# Plain http:// goes to loopback only; through a proxy the signed request,
# key id and security token would cross the network in the clear.
proxy = CountingProxy()
with Simulator(tls=False) as sim:
    env = dict(plugin_env(sim, sts=True), **proxy.env())
    r = run_plugin(["-i", "t-hz0finished", "-e", sim.url], env=env)
    t.is_(r.code, 0, "http:// to 127.0.0.1 with http_proxy set: OK, straight to the simulator")
    t.is_(proxy.seen, [], "http:// to 127.0.0.1: nothing went through the proxy")
    t.ok(sim.requests() and all(q.get("security_token_sent") for q in sim.requests()),
         "http:// to 127.0.0.1: the simulator got the STS-signed requests itself")
before = len(proxy.seen)
r = run_plugin(["-i", "t-1", "-r", "cn-hangzhou", "-e", "http://127.0.0.2:5", "-t", "5"],
               env=dict(CREDS, ALIBABA_CLOUD_SECURITY_TOKEN="token-for-the-proxy", **proxy.env()))
t.like(r.first_line, r"cannot connect to http://127\.0\.0\.2:5 ", "http:// to 127.0.0.2 with http_proxy set: "
       "connects to 127.0.0.2 itself (nothing listens there)")
t.is_(proxy.seen[before:], [], "http:// to 127.0.0.2: nothing went through the proxy")
proxy.sock.close()

r = run_plugin(["-i", "t-1", "-r", "x", "--verbose=2"], env=CREDS)
t.ok("option '--verbose=2' takes no value" in r.stdout, "--verbose=2: says -v takes no value", r.stdout)

t.done()
