#!/usr/bin/env python3
"""The man page, --help and the option table cannot drift apart.

- The long options of plugin/options.c's option table, the option headings of
  --help and the option headings of doc/check_ecs_invocation.1 are the same
  set (--warning-total ... --critical-stopped written as --warning-METRIC and
  --critical-METRIC), with the same short letters; every long option either
  text mentions anywhere is a real one.
- --help keeps the Monitoring Plugins layout and 80 columns; so does the
  usage text printed after a usage error.
- groff renders the page without a warning (-ww), and so does man-db as
  lintian runs it (man --warnings, 80 columns); mandoc -Tlint too where it is
  installed. Without groff or man the check is skipped, unless
  ECS_REQUIRE_PACKAGING=1 (CI), where that fails.
- The version in the page, the plugin's -V, configure.ac, the Debian
  changelog and the RPM spec are the same.
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, SRCDIR, run_plugin  # noqa: E402

MAN = os.path.join(SRCDIR, "doc", "check_ecs_invocation.1")
OPTIONS_C = os.path.join(SRCDIR, "plugin", "options.c")
METRICS = ("total", "running", "finished", "failed", "stopped")
REQUIRE = os.environ.get("ECS_REQUIRE_PACKAGING") == "1"

t = TAP()


def norm(opt):
    """--critical-failed -> --critical-METRIC; anything else unchanged."""
    m = re.match(r"^--(warning|critical)-(\w+)$", opt)
    if m and (m.group(2) in METRICS or m.group(2) == "METRIC"):
        return "--%s-METRIC" % m.group(1)
    return opt


def long_opts(text):
    return {norm(o) for o in re.findall(r"(?<![\w-])--[A-Za-z][A-Za-z-]*[A-Za-z]", text)}


def pairs(line):
    """'-i, --invoke-id=ID' -> {('-i', '--invoke-id')}; a long option alone
    pairs with None."""
    m = re.match(r"^\s*(-[A-Za-z]), (--[A-Za-z][A-Za-z-]*)", line)
    if m:
        return {(m.group(1), norm(m.group(2)))}
    return {(None, norm(o)) for o in re.findall(r"(?<![\w-])--[A-Za-z][A-Za-z-]*[A-Za-z]", line)}


def missing_tool(name):
    if shutil.which(name):
        return False
    if REQUIRE:
        t.ok(False, "%s is installed (ECS_REQUIRE_PACKAGING=1)" % name,
             "packaging/install-deps.sh --test installs it")
    else:
        t.skip("%s checks" % name, "%s is not installed" % name)
    return True


# ---- the option table in the source: the truth the other two follow
with open(OPTIONS_C, encoding="utf-8") as f:
    src = f.read()
table = re.search(r"long_options\[\] = \{(.*?)\n\};", src, re.S).group(1)
entries = re.findall(r'\{ "([a-z-]+)", \w+, NULL, (\'.\'|\w+(?: \+ \w+)?) \}', table)
shorts = dict(re.findall(r'\{ "([a-z-]+)", \w+, NULL, \'(.)\' \}', table))
table_pairs = {("-" + shorts[name] if name in shorts else None, norm("--" + name))
               for name, _ in entries}
table_longs = {p[1] for p in table_pairs}
t.ok(len(entries) >= 30 and "--invoke-id" in table_longs and "--warning-METRIC" in table_longs,
     "read %d options from plugin/options.c's table" % len(entries), entries)

# ---- --help
r = run_plugin(["--help"])
help_text = r.stdout
t.is_(r.code, 3, "--help exits 3")
help_lines = help_text.split("\n")
too_long = [l for l in help_lines if len(l) > 80]
t.ok(not too_long, "no --help line is longer than 80 columns", "\n".join(too_long))
t.ok("\t" not in help_text, "--help has no tabs (their width is anyone's guess)")

headings = [l for l in help_lines if re.match(r"^ (-[A-Za-z], )?--", l)]
help_pairs = set()
for l in headings:
    help_pairs |= pairs(l)
help_longs = {p[1] for p in help_pairs}
t.is_(sorted(help_longs ^ table_longs), [],
      "--help has a heading for exactly the options in the table")
t.is_(sorted(p for p in help_pairs if p[0]), sorted(p for p in table_pairs if p[0]),
      "--help pairs each short option with its long one as the table does")
t.is_(sorted(long_opts(help_text) - table_longs), [],
      "every long option --help mentions is a real one")

# Layout (Monitoring Plugins print_help): version, copyright, what it does,
# usage, options with -h/-V first and -t/-v last, thresholds, examples,
# where to report.
t.like(help_lines[0], r"^check_ecs_invocation \d+\.\d+\.\d+$", "line 1: name and version")
t.like(help_lines[1], r"^Copyright ", "line 2: copyright")
order = [help_text.find(s) for s in ("\nUsage: ", "\nOptions:\n", "\nThresholds:",
                                    "guidelines.html#THRESHOLDFORMAT", "\nExamples:\n",
                                    "\nExit codes:", "Report bugs")]
t.ok(all(a >= 0 for a in order) and order == sorted(order),
     "usage, options, threshold notes, examples, exit codes, bug reports, in that order",
     order)
t.ok(headings[:2] == [" -h, --help", " -V, --version"], "-h and -V come first", headings[:3])
t.ok([h.split("=")[0] for h in headings[-2:]] == [" -t, --timeout", " -v, --verbose"],
     "-t and -v come last", headings[-3:])
desc_ok = all(re.match(r"^    \S", help_lines[help_lines.index(h) + 1]) for h in headings)
t.ok(desc_ok, "every option heading is followed by a description indented 4 spaces")

# The usage text of a usage error: short, as the guidelines ask.
r = run_plugin(["--no-such-option"])
usage = r.stdout.split("\n")[1:]
usage = [l for l in usage if l]
t.ok(r.code == 3 and usage and usage[0].startswith("Usage: "), "a usage error prints the usage",
     r.stdout)
t.ok(len(usage) <= 23 and max(len(l) for l in usage) <= 80,
     "the usage is at most 23 lines of 80 columns (%d lines)" % len(usage))
short_to_long = {p[0]: p[1] for p in table_pairs if p[0]}
named = long_opts("\n".join(usage)) | {
    short_to_long[o] for o in re.findall(r"(?<![\w-])-[A-Za-z](?![\w-])", "\n".join(usage))
    if o in short_to_long}
t.is_(sorted(named ^ table_longs), [], "the usage line names every option (short or long)")

# ---- the man page
with open(MAN, encoding="utf-8") as f:
    man_src = f.read()


def roff_line_text(line):
    """Text of one man(7) line: font macros (.B .I .BR .BI .IR .RB .IB .RI)
    joined as groff joins them, escapes undone."""
    m = re.match(r"^\.(B|I|BR|BI|IR|RB|IB|RI)\s+(.*)$", line)
    if m:
        args = [a[1:-1] if a.startswith('"') else a
                for a in re.findall(r'"[^"]*"|\S+', m.group(2))]
        line = (" " if m.group(1) in ("B", "I") else "").join(args)
    line = re.sub(r"\\f(\[[^]]*\]|.)", "", line)
    return line.replace("\\-", "-").replace("\\c", "").replace("\\e", "\\")


options_section = re.search(r"^\.SH OPTIONS\n(.*?)^\.SH ", man_src, re.S | re.M).group(1)
src_lines = options_section.split("\n")
man_pairs = set()
man_headings = []
for i, l in enumerate(src_lines):
    if l == ".TP":
        h = roff_line_text(src_lines[i + 1])
        man_headings.append(h)
        man_pairs |= pairs(h)
man_longs = {p[1] for p in man_pairs}
t.is_(sorted(man_longs ^ table_longs), [],
      "the man page's OPTIONS have a heading for exactly the options in the table")
t.is_(sorted(man_longs ^ help_longs), [],
      "every option heading of --help is one of the man page and vice versa")
t.is_(sorted(p for p in man_pairs if p[0]), sorted(p for p in help_pairs if p[0]),
      "the man page pairs short and long options as --help does")

# The status model: every per-instance status the man page sorts into
# running, finished, failed or stopped, --help's summary sorts the same way.
model = re.search(r"^\.SS Normalisation\n(.*?)^\.SS ", man_src, re.S | re.M).group(1)
man_states = {}
for state, body in re.findall(r"^\.TP\n\.B (running|finished|failed|stopped)\n(.*?)(?=^\.TP|^\.PP|\Z)",
                              model, re.S | re.M):
    first_sentence = " ".join(roff_line_text(l) for l in body.split("\n")).split(".")[0]
    man_states[state] = set(re.findall(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*\b", first_sentence))
help_model = " ".join(help_text.split("How an invocation is judged:", 1)[1].split("\n\n")[0].split())
help_states = {}
for state in ("running", "finished", "failed", "stopped"):
    m = re.search(r"\b%s \(([^)]*)\)" % state, help_model)
    help_states[state] = set(re.findall(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*\b", m.group(1))) if m else set()
t.ok(len(man_states) == 4 and "PartialFailed" in man_states.get("failed", ()),
     "read the man page's four states and their statuses", man_states)
t.is_({k: sorted(v) for k, v in help_states.items()}, {k: sorted(v) for k, v in man_states.items()},
      "--help sorts the same statuses into running, finished, failed and stopped as the man page")

groff = shutil.which("groff")
if groff:
    p = subprocess.run([groff, "-man", "-Tascii", "-P-c", "-P-b", "-P-o", "-P-u"],
                       stdin=open(MAN, "rb"), capture_output=True)
    rendered = p.stdout.decode("ascii", "replace")
    # Every --option the page mentions is a real one; --libexecdir is
    # configure's (in FILES).
    t.is_(sorted(long_opts(rendered) - table_longs - {"--libexecdir"}), [],
          "every long option the man page mentions is a real one")
    t.is_(sorted(long_opts(help_text) - long_opts(rendered)), [],
          "every long option --help mentions is in the man page")
    for sect in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "STATUS MODEL", "THRESHOLDS",
                 "EXIT STATUS", "OUTPUT", "PERFORMANCE DATA", "CREDENTIALS", "ENVIRONMENT",
                 "FILES", "EXAMPLES", "SEE ALSO"):
        if not re.search(r"^%s$" % sect, rendered, re.M):
            t.ok(False, "the man page has a %s section" % sect)
            break
    else:
        t.ok(True, "the man page has every section (NAME ... EXAMPLES, SEE ALSO)")
    for word in ("Normalisation", "Aggregation", "Periodic invocations", "PartialFailed",
                 "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "~/.alibabacloud/credentials", "time=",
                 "@N:M", "/usr/lib/nagios/plugins/check_ecs_invocation"):
        if word not in rendered:
            t.ok(False, "the man page says " + word)
            break
    else:
        t.ok(True, "the man page covers the status model, credentials, perfdata, ranges, files")

if not missing_tool("groff"):
    env = dict(os.environ, LC_ALL="C.UTF-8")
    p = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", MAN], capture_output=True, env=env)
    t.ok(p.returncode == 0 and p.stderr == b"", "groff -man -Tutf8 -ww renders it without a warning",
         p.stderr.decode("utf-8", "replace"))

if not missing_tool("man"):
    # What lintian runs (its manpages check), at the width it uses.
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80", MAN_DISABLE_SECCOMP="1")
    p = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", MAN],
                       capture_output=True, env=env)
    t.ok(p.returncode == 0 and p.stderr == b"", "man --warnings -l renders it without a warning",
         p.stderr.decode("utf-8", "replace"))
    p = subprocess.run(["man", "-l", MAN], capture_output=True, env=dict(env, MANPAGER="cat"))
    text = re.sub(r".\x08", "", p.stdout.decode("utf-8", "replace"))
    wide = [l for l in text.split("\n") if len(l) > 80]
    t.ok(p.returncode == 0 and text.startswith("CHECK_ECS_INVOCATION(1)") and not wide,
         "man -l shows it in 80 columns", "\n".join(wide) or text[:300])

if shutil.which("mandoc"):
    p = subprocess.run(["mandoc", "-Tlint", "-Wwarning", MAN], capture_output=True)
    t.ok(p.returncode == 0, "mandoc -Tlint finds no warning",
         (p.stdout + p.stderr).decode("utf-8", "replace"))
else:
    t.skip("mandoc -Tlint", "mandoc is not installed (groff and man-db check the page)")

# ---- one version everywhere
r = run_plugin(["-V"])
version = r.stdout.strip().split(" ")[-1]
with open(os.path.join(SRCDIR, "configure.ac"), encoding="utf-8") as f:
    ac = re.search(r"AC_INIT\(\[check_ecs_invocation\], \[([^]]+)\]", f.read()).group(1)
th = re.search(r'^\.TH \S+ 1 (\S+) "check_ecs_invocation (\S+)"', man_src, re.M)
with open(os.path.join(SRCDIR, "packaging", "debian", "changelog"), encoding="utf-8") as f:
    deb = re.match(r"^check-ecs-invocation \(([^)-]+)-[^)]+\)", f.read())
with open(os.path.join(SRCDIR, "packaging", "rpm", "check_ecs_invocation.spec"),
          encoding="utf-8") as f:
    rpm = re.search(r"^Version:\s*(\S+)$", f.read(), re.M)
got = {"-V": version, "configure.ac": ac, "man page": th and th.group(2),
       "debian/changelog": deb and deb.group(1), "rpm spec": rpm and rpm.group(1)}
t.ok(len(set(got.values())) == 1, "one version in -V, configure.ac, man page, Debian, RPM (%s)"
     % version, got)

t.done()
