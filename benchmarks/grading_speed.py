"""How long grading takes, measured side by side in one run.

    python benchmarks/grading_speed.py [--repeat 3] [--batch 10]

Prints the median wall time of:

* the floors every grader pays (an interpreter start, importing numpy, importing torch);
* `autograder grade` on each exercise, and on one submission with all five (public + hidden, sandboxed);
* `autograder grade` on a batch of submissions in one command, per submission.

Each measurement is a fresh process, as a user would run it. A student's `pytest`
on each exercise is measured by `benchmarks/class_speed.py` (its student loop),
in the student template with a student's plugins.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hardway.catalogue import TOPICS  # noqa: E402


def wall(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=False, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args()
    python = sys.executable
    rows: list[tuple[str, float]] = [
        ("python -c pass", wall([python, "-c", "pass"], args.repeat)),
        ("python -c 'import numpy'", wall([python, "-c", "import numpy"], args.repeat)),
        ("python -c 'import torch'", wall([python, "-c", "import torch"], args.repeat)),
    ]
    for topic in TOPICS:
        rows.append((f"autograder grade --topic {topic.module}", wall(
            [python, "-m", "autograder", "grade", "solutions", "--seed", "1", "--topic", topic.module], args.repeat)))
    rows.append(("autograder grade: one submission, all exercises", wall(
        [python, "-m", "autograder", "grade", "solutions", "--seed", "1"], args.repeat)))
    with tempfile.TemporaryDirectory() as scratch:
        folders = []
        for index in range(args.batch):
            folder = Path(scratch) / f"student{index:02d}"
            shutil.copytree(ROOT / "solutions", folder)
            folders.append(str(folder))
        batch = wall([python, "-m", "autograder", "grade", *folders, "--seed", "1"], 1)
    rows.append((f"autograder grade: batch of {args.batch}, whole run", batch))
    rows.append((f"autograder grade: batch of {args.batch}, per submission", batch / args.batch))
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  median wall time")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:6.2f} s")


if __name__ == "__main__":
    main()
