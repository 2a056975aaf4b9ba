#!/usr/bin/env python3
"""The Debian package, end to end, on this machine.

Builds the .deb with packaging/build-deb.sh (make dist tarball,
dpkg-buildpackage -us -uc -b with the distribution's flags, lintian), checks
that lintian reports no error, installs it with dpkg -i, runs the installed
/usr/lib/nagios/plugins/check_ecs_invocation against the API simulator (a
few scenarios here, then the package's own autopkgtest script), checks that
man finds the page and that the Icinga 2 and Nagios snippets are where
debian/rules puts them, and purges the package again, leaving the machine as
it was (the test refuses to start when the package or its files are already
there, so it never replaces an installation of someone else's).

Needs root (dpkg -i) and dpkg-buildpackage, dh and lintian
(packaging/install-deps.sh --test). Without them the test is skipped, unless
ECS_REQUIRE_PACKAGING=1 (tests/run-all.sh, CI), where that fails.
"""
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, SRCDIR, Simulator, make_tmpdir, plugin_env, run_plugin  # noqa: E402

PKG = "check-ecs-invocation"
PLUGIN = "/usr/lib/nagios/plugins/check_ecs_invocation"
MAN = "/usr/share/man/man1/check_ecs_invocation.1.gz"
ICINGA = "/usr/share/icinga2/include/plugins-contrib.d/ecs_invocation.conf"
NAGIOS = "/etc/nagios-plugins/config/ecs_invocation.cfg"
SNIPPETS = {ICINGA: "packaging/icinga2/check_ecs_invocation.conf",
            NAGIOS: "packaging/nagios/check_ecs_invocation.cfg"}
FILES = (PLUGIN, MAN, ICINGA, NAGIOS)
# Directories the package may create: after the purge each must exist
# exactly when it existed before.
DIRS = ("/usr/lib/nagios/plugins", "/usr/lib/nagios", "/etc/nagios-plugins/config",
        "/etc/nagios-plugins", "/usr/share/icinga2/include/plugins-contrib.d",
        "/usr/share/icinga2/include", "/usr/share/icinga2", "/usr/share/doc/" + PKG)
REQUIRE = os.environ.get("ECS_REQUIRE_PACKAGING") == "1"

t = TAP()


def run(cmd, **kw):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, **kw)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def explain(log):
    """A failed build's telling lines on stderr, where prove shows them
    (it hides TAP comments): failed tests, errors, and the end of the log."""
    lines = log.split("\n")
    telling = [l for l in lines if re.search(r"^(not ok|FAIL:|ERROR:|E: )|\berror:|Error \d", l)]
    sys.stderr.write("\n".join(telling[:60] + ["..."] + lines[-40:]) + "\n")


def dpkg(*args):
    """dpkg, waiting (up to 5 minutes) while another apt or dpkg holds its lock."""
    deadline = time.monotonic() + 300
    while True:
        rc, out = run(["dpkg"] + list(args))
        if rc == 0 or "lock" not in out or time.monotonic() > deadline:
            return rc, out
        time.sleep(5)


def status():
    rc, out = run(["dpkg-query", "-W", "-f=${Status} ${Version}", PKG])
    return out.strip() if rc == 0 else "not known to dpkg"


why = None
if os.geteuid() != 0:
    why = "not root: dpkg -i needs it"
else:
    missing = [x for x in ("dpkg-buildpackage", "dh", "lintian", "man") if not shutil.which(x)]
    if missing:
        why = "%s not installed (packaging/install-deps.sh --test)" % ", ".join(missing)
if why:
    if REQUIRE:
        t.ok(False, "can build and install the .deb (ECS_REQUIRE_PACKAGING=1)", why)
        t.done()
    t.skip_all(why)

before = status()
present = [f for f in FILES if os.path.lexists(f)]
if " installed " in before + " " or present:
    t.ok(False, "neither the package nor its files are on this machine before the test",
         "dpkg says: %s; present: %s. The test would replace them; remove them first "
         "(dpkg --purge %s)." % (before, present, PKG))
    t.done()
dirs_before = {d: os.path.isdir(d) for d in DIRS}

# ---- build and lint
out_dir = make_tmpdir("deb-")
rc, out = run([os.path.join(SRCDIR, "packaging", "build-deb.sh"), out_dir])
t.ok(rc == 0, "packaging/build-deb.sh builds the package", out[-4000:])
deb = out.strip().split("\n")[-1]
if rc != 0 or not deb.endswith(".deb") or not os.path.isfile(deb):
    explain(out)
    shutil.rmtree(out_dir, ignore_errors=True)
    t.done()
with open(os.path.join(out_dir, "lintian.txt"), encoding="utf-8") as f:
    lintian = f.read()
t.diag("lintian says:\n" + lintian.strip())
errors = [l for l in lintian.split("\n") if l.startswith("E: ")]
if not t.ok(not errors and "build-deb.sh: lintian" not in out, "lintian reports no error",
            "\n".join(errors)):
    explain(lintian)
with open(os.path.join(SRCDIR, "packaging", "debian", "changelog"), encoding="utf-8") as f:
    version = re.match(r"^\S+ \(([^)]+)\)", f.read()).group(1)
t.like(os.path.basename(deb), r"^%s_%s_[a-z0-9]+\.deb$" % (PKG, re.escape(version)),
       "the .deb is named for the changelog's version")

rc, listing = run(["dpkg-deb", "-c", deb])
paths = {re.sub(r"^\.", "", l.split()[-1]) for l in listing.split("\n") if l.strip()}
t.ok(set(FILES) <= paths, "the .deb holds the plugin, the man page and both snippets",
     "missing: %s" % sorted(set(FILES) - paths))
rc, conffiles = run(["dpkg-deb", "--info", deb, "conffiles"])
t.is_(conffiles.split(), [NAGIOS], "the Nagios snippet is a conffile; nothing else is")

# ---- install, use, remove
try:
    rc, out = dpkg("-i", deb)
    t.ok(rc == 0, "dpkg -i installs it", out)
    t.is_(status(), "install ok installed " + version, "dpkg knows it as installed, " + version)
    t.ok(os.access(PLUGIN, os.X_OK), "the plugin is " + PLUGIN)
    rc, owner = run(["dpkg", "-S", PLUGIN])
    t.like(owner, r"^%s: " % PKG, "and the package owns it")
    rc, libs = run(["ldd", PLUGIN])
    t.ok(rc == 0 and "libcurl" in libs and "asan" not in libs and "ubsan" not in libs,
         "built with the distribution's flags, not the test suite's sanitizers", libs)

    rc, where = run(["man", "-w", "check_ecs_invocation"])
    t.is_(where.strip(), MAN, "man -w check_ecs_invocation finds the installed page")
    rc, page = run(["man", "check_ecs_invocation"],
                   env=dict(os.environ, MANPAGER="cat", MANWIDTH="80", LC_ALL="C.UTF-8"))
    t.ok(rc == 0 and "--invoke-id" in re.sub(r".\x08", "", page), "man check_ecs_invocation shows it",
         page[:500])
    for installed, source in sorted(SNIPPETS.items()):
        with open(os.path.join(SRCDIR, source), "rb") as f:
            want = f.read()
        try:
            with open(installed, "rb") as f:
                got = f.read()
        except OSError as e:
            got = repr(e).encode()
        t.ok(got == want, "%s is installed as %s" % (source, installed))

    # The installed plugin against the simulator.
    os.environ["ECS_PLUGIN"] = PLUGIN
    os.environ.pop("ECS_PLUGIN_WRAPPER", None)
    r = run_plugin(["-V"])
    t.is_(r.stdout, "check_ecs_invocation %s\n" % version.rsplit("-", 1)[0],
          "the installed plugin says its version")
    with Simulator() as sim:
        r = run_plugin(sim.plugin_args("t-hz0finished"), env=plugin_env(sim))
        t.is_(r.code, 0, "installed plugin: a finished invocation is OK")
        t.like(r.first_line, r"^ECS INVOCATION OK - t-hz0finished Finished: 3 of 3 instances "
               r"finished \| total=3;;;0 running=0;;;0;3 ", "and says so with perfdata")
        r = run_plugin(sim.plugin_args("t-hz0partial", "-vv"), env=plugin_env(sim, sts=True))
        t.is_(r.code, 2, "installed plugin: a partly failed invocation is CRITICAL")
        t.like(r.stdout, r"^ECS INVOCATION CRITICAL - t-hz0partial PartialFailed: 1 of 4 "
               r"instances failed \|.*\ni-bp1aaa Failed exit=1 ExitCodeNonzero",
               "and names the failed instance")
        t.is_(r.stderr, "", "nothing on stderr")
        t.ok(len(sim.api_requests()) >= 4, "the simulator saw the installed plugin's requests")

    # The package's autopkgtest, run as autopkgtest would: from the top of
    # the source, against the installed package.
    tmp = make_tmpdir("autopkgtest-")
    rc, out = run([os.path.join(SRCDIR, "packaging", "debian", "tests", "installed-plugin")],
                  cwd=SRCDIR, env=dict(os.environ, AUTOPKGTEST_TMP=tmp))
    if not t.ok(rc == 0 and "not ok" not in out, "debian/tests/installed-plugin passes"):
        explain(out)
    shutil.rmtree(tmp, ignore_errors=True)
finally:
    rc, out = dpkg("--purge", PKG)
    t.ok(rc == 0, "dpkg --purge removes it", out)
    after = status()
    t.ok(after == "not known to dpkg" or after.startswith("unknown ok not-installed"),
         "dpkg has it as not installed", after)
    left = [f for f in FILES if os.path.lexists(f)]
    t.is_(left, [], "the plugin, the man page and the snippets are gone")
    t.is_({d: os.path.isdir(d) for d in DIRS}, dirs_before,
          "directories the package created are gone, the others still there")
    shutil.rmtree(out_dir, ignore_errors=True)

t.done()
