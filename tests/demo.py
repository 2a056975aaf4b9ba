#!/usr/bin/env python3
"""make demo: start the bundled ECS API simulator on loopback (HTTPS, with a
test CA made on the spot) and show what the plugin says about a few
invocations, exactly as a monitoring core would run it."""
import os
import shlex
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from ecstest import Simulator, plugin_env, run_plugin  # noqa: E402

STATES = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
DEMOS = [
    ("t-hz0finished", [], "every instance finished with exit code 0"),
    ("t-hz0partial", [], "one of four instances exited 1"),
    ("t-hz0running", [], "still running"),
    ("t-hz0periodic", ["-v"], "a periodic job, judged by each instance's latest completed run"),
    ("t-hz0bigfail", [], "1,000 instances, read in pages of 50; long output capped"),
    ("t-hz0throttle", ["-vv"], "the API throttles twice; the plugin backs off and retries"),
    ("t-hz0nosuch", [], "an id the API does not know"),
    ("t-hz0forbidden", [], "the RAM user may not read invocations"),
]


def main():
    with Simulator() as sim:
        print("Simulator listening on %s (test CA %s)\n" % (sim.url, sim.cacert))
        for invoke_id, extra, what in DEMOS:
            args = ["-i", invoke_id, "-r", "cn-hangzhou", "-e", sim.url, "--cacert", sim.cacert] + extra
            r = run_plugin(args, env=plugin_env(sim))
            print("## %s: %s" % (invoke_id, what))
            print("$ check_ecs_invocation " + " ".join(shlex.quote(a) for a in args))
            lines = r.stdout.rstrip("\n").split("\n")
            shown = lines[:8]
            print("\n".join(shown))
            if len(lines) > len(shown):
                print("[%d more lines]" % (len(lines) - len(shown)))
            print("=> exit %d (%s)\n" % (r.code, STATES.get(r.code, "?")))
            if r.stderr:
                print("stderr (a bug): " + r.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
