"""Grade a class of local student repositories with `autograder grade-roster`, and time it.

    python benchmarks/roster_speed.py [--students 20] [--jobs 2] [--topic ex01_forward_autodiff]

Builds N bare git repositories from the student template (a mix of finished,
partly finished and untouched work), writes a roster, grades it, then grades
it again to show that unchanged commits are skipped.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import paths  # noqa: E402
from autograder.authoring.stubgen import make_skeleton  # noqa: E402
from autograder.channels.student_repo import release_template  # noqa: E402
from hardway.catalogue import TOPICS  # noqa: E402

KEEP = [frozenset(), frozenset({"add", "mul", "square"}), None]  # untouched, partial, finished


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=s", "-c", "user.email=s@x", *args], cwd=cwd, check=True,
                   capture_output=True)


def make_class(root: Path, students: int) -> Path:
    template = root / "template"
    release_template(template)
    roster = root / "roster.csv"
    with roster.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "repo"])
        for index in range(students):
            name = f"student{index:02d}"
            work, remote = root / name, root / f"{name}.git"
            shutil.copytree(template, work)
            keep = KEEP[index % len(KEEP)]
            for topic in TOPICS:
                solution = (paths.SOLUTIONS_DIR / topic.filename).read_text()
                text = solution if keep is None else make_skeleton(solution, keep=keep)
                (work / topic.filename).write_text(text)
            git("init", "--quiet", "--bare", str(remote), cwd=root)
            git("init", "--quiet", cwd=work)
            git("add", "-A", cwd=work)
            git("commit", "--quiet", "-m", "work", cwd=work)
            git("push", "--quiet", str(remote), "HEAD:refs/heads/main", cwd=work)
            git("symbolic-ref", "HEAD", "refs/heads/main", cwd=remote)
            writer.writerow([name, str(remote)])
    return roster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--topic", action="append", default=None)
    args = parser.parse_args()
    topics = [arg for name in (args.topic or []) for arg in ("--topic", name)]
    with tempfile.TemporaryDirectory() as scratch:
        roster = make_class(Path(scratch), args.students)
        command = [sys.executable, "-m", "autograder", "grade-roster", str(roster), "--out",
                   str(Path(scratch) / "grades"), "--jobs", str(args.jobs), *topics]
        timings = []
        for label in ("first run", "second run (nothing changed)"):
            started = time.perf_counter()
            run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            timings.append((label, time.perf_counter() - started, run.stdout.strip().splitlines()[-1:]))
        grades = list(csv.DictReader((Path(scratch) / "grades" / "grades.csv").open()))
    print(f"{args.students} students, {args.jobs} jobs, topics: {args.topic or 'all'}")
    for label, seconds, tail in timings:
        print(f"  {label}: {seconds:.1f} s ({seconds / args.students:.2f} s per student)  {' '.join(tail)}")
    scores = sorted({(row['score'], row['max_score']) for row in grades})
    print(f"  distinct scores: {', '.join(f'{s}/{m}' for s, m in scores)}")


if __name__ == "__main__":
    main()
