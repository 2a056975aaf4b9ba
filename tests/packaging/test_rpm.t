#!/usr/bin/env python3
"""The RPM package: packaging/build-rpm.sh builds it from the make dist
tarball with rpmbuild (%check, i.e. make check, included), and rpm -qlp shows
the plugin in %{_libdir}/nagios/plugins, the man page and the licence. The
plugin unpacked from the RPM (rpm2archive; nothing is installed) then runs
against the API simulator.

On Debian rpmbuild gets --nodeps: its RPM database is empty, so the spec's
BuildRequires (Fedora's package names) cannot be checked there; the build
dependencies are present as Debian packages. Needs rpmbuild (Debian's rpm
package, packaging/install-deps.sh --test); without it the test is skipped,
unless ECS_REQUIRE_PACKAGING=1 (tests/run-all.sh, CI), where that fails.
"""
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, SRCDIR, Simulator, make_tmpdir, plugin_env, run_plugin  # noqa: E402

REQUIRE = os.environ.get("ECS_REQUIRE_PACKAGING") == "1"
SPEC = os.path.join(SRCDIR, "packaging", "rpm", "check_ecs_invocation.spec")

t = TAP()


def run(cmd, **kw):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, **kw)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def explain(log):
    """A failed build's telling lines on stderr, where prove shows them
    (it hides TAP comments): failed tests, errors, and the end of the log."""
    lines = log.split("\n")
    telling = [l for l in lines if re.search(r"^(not ok|FAIL:|ERROR:|E: )|\berror:|Error \d", l)]
    sys.stderr.write("\n".join(telling[:60] + ["..."] + lines[-40:]) + "\n")


missing = [x for x in ("rpmbuild", "rpm", "rpm2archive") if not shutil.which(x)]
if missing:
    why = "%s not installed (packaging/install-deps.sh --test)" % ", ".join(missing)
    if REQUIRE:
        t.ok(False, "can build the RPM (ECS_REQUIRE_PACKAGING=1)", why)
        t.done()
    t.skip_all(why)

with open(SPEC, encoding="utf-8") as f:
    spec = f.read()
name = re.search(r"^Name:\s*(\S+)$", spec, re.M).group(1)
version = re.search(r"^Version:\s*(\S+)$", spec, re.M).group(1)
libdir = run(["rpm", "--eval", "%{_libdir}"])[1].strip()
mandir = run(["rpm", "--eval", "%{_mandir}"])[1].strip()

out_dir = make_tmpdir("rpm-")
try:
    rc, out, err = run([os.path.join(SRCDIR, "packaging", "build-rpm.sh"), "--nodeps", out_dir])
    t.ok(rc == 0, "packaging/build-rpm.sh --nodeps builds the RPM, %check included",
         (out + err)[-4000:])
    rpm = out.strip().split("\n")[-1]
    if rc != 0 or not rpm.endswith(".rpm") or not os.path.isfile(rpm):
        explain(out + err)
        t.done()
    t.ok(re.search(r"^Executing\(%check\)", out + err, re.M)
         and re.search(r"^\+ \S*make .*\bcheck$", out + err, re.M),
         "rpmbuild ran make check in %check")

    rc, files, err = run(["rpm", "-qlp", rpm])
    files = files.split("\n")
    t.ok(rc == 0, "rpm -qlp lists it", err)
    plugin = "%s/nagios/plugins/check_ecs_invocation" % libdir
    t.ok(plugin in files, "it holds the plugin, " + plugin, "\n".join(files))
    t.ok(any(re.match(r"^%s/man1/check_ecs_invocation\.1(\.gz)?$" % re.escape(mandir), f)
             for f in files), "it holds the man page check_ecs_invocation(1)")
    t.ok(any(re.match(r"^/usr/share/licenses/%s[^/]*/COPYING$" % re.escape(name), f)
             for f in files), "it holds the licence, COPYING, as %license")
    t.ok("%s/nagios/plugins" % libdir in files, "and owns the plugin directory")

    rc, info, err = run(["rpm", "-qp", "--qf", "%{NAME} %{VERSION} %{LICENSE}", rpm])
    t.is_(info, "%s %s MIT" % (name, version), "name, version and licence")
    rc, requires, err = run(["rpm", "-qp", "--requires", rpm])
    t.ok(all(lib in requires for lib in ("libcurl.so.4", "libjansson.so.4", "libcrypto.so.3")),
         "rpm found the library dependencies in the binary", requires)

    # The plugin as the RPM ships it, unpacked without installing anything.
    p = subprocess.run(["rpm2archive", "-"], stdin=open(rpm, "rb"), capture_output=True)
    root = os.path.join(out_dir, "root")
    with tarfile.open(fileobj=io.BytesIO(p.stdout), mode="r:gz") as tar:
        tar.extractall(root)
    os.environ["ECS_PLUGIN"] = os.path.join(root, plugin.lstrip("/"))
    os.environ.pop("ECS_PLUGIN_WRAPPER", None)
    r = run_plugin(["-V"])
    t.is_(r.stdout, "check_ecs_invocation %s\n" % version, "the RPM's plugin says its version")
    with Simulator() as sim:
        r = run_plugin(sim.plugin_args("t-hz0failed"), env=plugin_env(sim))
        t.is_(r.code, 2, "the RPM's plugin: a failed invocation is CRITICAL")
        t.like(r.first_line, r"^ECS INVOCATION CRITICAL - t-hz0failed Failed: 2 of 2 instances "
               r"failed \|", "and says so")
        t.is_(r.stderr, "", "nothing on stderr")
finally:
    shutil.rmtree(out_dir, ignore_errors=True)

t.done()
