"""What the jail costs, and what hostile replies and sources cost the grader, side by side in one run.

    python benchmarks/jail_cost.py [--repeat 5]

Prints the median wall time of:

* starting an empty jail (`bwrap ... /bin/true`) against starting nothing;
* starting a sandbox and getting its first answer, per exercise, in the jail
  ("namespaces": a worker forked from the exercise's warm zygote, once the
  first repetition has started it) and as a plain child process ("process":
  interpreter start, the exercise's libraries, the student's module);
  `benchmarks/zygote_cost.py` sets a cold zygote against a warm one;
* `autograder grade` of exercise 1's reference, both ways;

and the grader's peak memory (max RSS of the `autograder grade` process) and wall time for
an honest submission, one whose every call returns 60 MB, and sources of 2 and 4 MiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import paths  # noqa: E402
from autograder.sandbox import IsolatedSubmission, jail  # noqa: E402
from hardway.catalogue import TOPICS  # noqa: E402


def median_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def first_answer(topic, mode: str) -> None:
    with IsolatedSubmission(topic, paths.SOLUTIONS_DIR) as sandbox:
        sandbox.isolation = mode
        sandbox.run("1")


def grade_process(folder: Path, *extra: str) -> tuple[float, float]:
    """(wall seconds, peak MiB) of one `autograder grade` process on exercise 1."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(folder), "--topic",
                                "ex01_forward_autodiff", "--seed", "1", *extra], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bwrap = jail.bwrap_executable()
    print(f"isolation here: {jail.isolation_mode()} ({bwrap})\n")
    print("| what | seconds |\n|---|---|")
    print(f"| start /bin/true | {median_seconds(lambda: subprocess.run(['/bin/true']), args.repeat):.3f} |")
    empty_jail = [bwrap, *jail.NAMESPACE_FLAGS, "--die-with-parent", "--ro-bind", "/usr", "/usr",
                  "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                  "--proc", "/proc", "--dev", "/dev", "--", "/bin/true"]
    seconds = median_seconds(lambda: subprocess.run(empty_jail), args.repeat)
    print(f"| start an empty jail (bwrap, /bin/true) | {seconds:.3f} |")
    for topic in TOPICS:
        for mode in (jail.NAMESPACES, jail.PROCESS):
            seconds = median_seconds(lambda topic=topic, mode=mode: first_answer(topic, mode), args.repeat)
            print(f"| {topic.module}: sandbox start to first answer ({mode}) | {seconds:.3f} |")
    print()
    with tempfile.TemporaryDirectory() as scratch:
        folders = {}
        reference = (paths.SOLUTIONS_DIR / "ex01_forward_autodiff.py").read_text()
        for name, source in {
            "honest": reference,
            "60 MB replies": reference + "\n\ndef add(u, v):\n    return 'x' * 60_000_000\n",
            "2 MiB source": reference + "\n# " + "x" * (2 * 2**20) + "\n",
            "4 MiB source": reference + "\n# " + "x" * (4 * 2**20) + "\n",
            "0.9 MiB of unary minus": "x = " + "-" * 900_000 + "1\n",
        }.items():
            folder = Path(scratch, name.replace(" ", "_"))
            folder.mkdir()
            (folder / "ex01_forward_autodiff.py").write_text(source)
            folders[name] = folder
        print("| submission (exercise 1) | grader wall s | grader peak MiB |\n|---|---|---|")
        for name, folder in folders.items():
            seconds, peak = grade_process(folder)
            print(f"| {name} | {seconds:.1f} | {peak:.0f} |")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\n(this script's own peak: {usage.ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
