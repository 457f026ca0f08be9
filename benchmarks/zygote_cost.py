"""What warm zygotes save: a student's sandbox, cold and warm, and whole gradings before and after.

    python benchmarks/zygote_cost.py [--repeat 3] [--checkouts DIR ...] [--skip-sandboxes]

Prints, in one run:

* per exercise, the wall time from asking for a sandbox to its first answer
  (the reference solution imported, one snippet run):
  - cold: a new zygote (bubblewrap, the interpreter, the exercise's libraries)
    and its first worker, which is what every sandbox cost before zygotes;
  - warm: a worker forked from the zygote already running (every later
    student of the same grading process);
  - process isolation (no jail: a plain child process imports everything);
* what a test that starts a new Python inside a worker pays (exercise 5's
  "resume in a new process" tests do): interpreter and torch, from scratch;
* each zygote's memory (resident set);
* `autograder grade solutions` (all five exercises, one student) with each of
  `--checkouts` (default: this one), e.g. the commit before zygotes and the
  same tree with them (`git archive` into two folders), run alternately so
  that machine load hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import paths  # noqa: E402
from autograder.sandbox import IsolatedSubmission, jail, zygote  # noqa: E402
from autograder.sandbox.launcher import jail_view  # noqa: E402
from autograder.sandbox.limits import Limits  # noqa: E402
from hardway.catalogue import TOPICS, topic_by_module  # noqa: E402

NEW_PYTHON = '''
def new_python():
    import subprocess, sys, time
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - started
'''


def first_answer(topic, mode: str) -> float:
    started = time.perf_counter()
    with IsolatedSubmission(topic, paths.SOLUTIONS_DIR) as sandbox:
        sandbox.isolation = mode
        sandbox.run("1")
    return time.perf_counter() - started


def cold(topic) -> float:
    zygote.POOL.close()  # forget every zygote: the next sandbox starts its own, as each did before zygotes
    return first_answer(topic, jail.NAMESPACES)


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}"


def sandbox_table(repeat: int) -> None:
    print("| exercise | cold: new zygote + first answer (s) | warm: fork + first answer (s) | process isolation (s) "
          "| zygote's imports (s) | zygote resident (MiB) |")
    print("|---|---|---|---|---|---|")
    for topic in TOPICS:
        colds = [cold(topic) for _ in range(repeat)]
        first_answer(topic, jail.NAMESPACES)  # make sure the zygote is up
        warms = [first_answer(topic, jail.NAMESPACES) for _ in range(repeat)]
        plains = [first_answer(topic, jail.PROCESS) for _ in range(repeat)]
        mother = zygote.POOL.zygotes(jail_view(topic, Limits.for_topic(topic)))[0]
        rss = resident_mib(mother.process.pid, mother.state()["pid"])
        print(f"| {topic.module} | {median(colds)} | {median(warms)} | {median(plains)} "
              f"| {mother.ready()['seconds']:.2f} | {rss:.0f} |")


def new_python_in_a_worker(repeat: int, folder: Path) -> None:
    topic = topic_by_module("ex05_checkpointing")
    (folder / topic.filename).write_text(NEW_PYTHON)
    with IsolatedSubmission(topic, folder, Limits(call_timeout_s=120)) as sandbox:
        seconds = [sandbox.run("new_python()") for _ in range(repeat)]
    print(f"\nA new Python importing torch, started inside a worker (exercise 5's resume tests): {median(seconds)} s")


def resident_mib(bwrap_pid: int, inner_pid: int) -> float:
    """The resident set of the zygote: the python process under bwrap (its own children aside)."""
    for path in Path("/proc").iterdir():
        if not path.name.isdigit():
            continue
        try:
            status = dict(line.split(":", 1) for line in (path / "status").read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if status.get("NSpid", "").split()[-1:] == [str(inner_pid)] and descends_from(int(path.name), bwrap_pid):
            return int(status["VmRSS"].split()[0]) / 1024
    return float("nan")


def descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
    return False


def grade_seconds(checkout: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder", "grade", "solutions", "--seed", "1", "--out", str(out)],
                   cwd=checkout, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def grade_table(repeat: int, checkouts: list[Path], scratch: Path) -> None:
    times: dict[Path, list[float]] = {checkout: [] for checkout in checkouts}
    for _ in range(repeat):
        for index, checkout in enumerate(checkouts):
            times[checkout].append(grade_seconds(checkout, scratch / f"grades-{index}"))
    print("\n| checkout: `autograder grade solutions` (5 exercises) | median wall (s) | runs |\n|---|---|---|")
    for checkout, seconds in times.items():
        print(f"| {checkout} | {median(seconds)} | {', '.join(f'{s:.1f}' for s in seconds)} |")


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--checkouts", type=Path, nargs="+", default=[ROOT],
                        help="checkouts of the kit to time `autograder grade solutions` with (default: this one)")
    parser.add_argument("--skip-sandboxes", action="store_true", help="time only the whole gradings")
    args = parser.parse_args()
    print(f"isolation here: {jail.isolation_mode()}\n")
    with tempfile.TemporaryDirectory() as scratch:
        if not args.skip_sandboxes:
            sandbox_table(args.repeat)
            new_python_in_a_worker(args.repeat, Path(scratch))
            zygote.POOL.close()
        grade_table(args.repeat, args.checkouts, Path(scratch))


if __name__ == "__main__":
    main()
