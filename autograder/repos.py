"""Authoritative grading of pushed work: one student's repository, or a whole class.

A student's repository is treated as data. It is cloned without running hooks,
without submodules or LFS downloads and with symbolic links checked out as
plain files (so a link to the grader's own solutions is just a short text
file), then graded by `autograder.grading` with the hidden tests, which live
only in the instructor's copy of the kit.

`grade_roster` grades a class in parallel. Each student's results are written
atomically as soon as they are ready, so a crash halfway loses nothing: the
next run skips every student whose graded commit is still their latest.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from rich.progress import Progress

from autograder.grading import grade
from autograder.results import GradeReport
from hardway.catalogue import TOPICS, Topic

#: git settings that keep a clone inert: no hooks, no symlinks, no prompts.
SAFE_GIT = ["-c", "core.hooksPath=/dev/null", "-c", "core.symlinks=false", "-c", "protocol.file.allow=always",
            "-c", "submodule.recurse=false"]


class CloneError(RuntimeError):
    """The repository or commit could not be fetched; the message says which and why."""


def _git(*args: str, cwd: Path | None = None) -> str:
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_LFS_SKIP_SMUDGE": "1", "GIT_CONFIG_NOSYSTEM": "1"}
    completed = subprocess.run(["git", *SAFE_GIT, *args], cwd=cwd, capture_output=True, text=True,
                               env=environment, timeout=300)
    if completed.returncode != 0:
        raise CloneError(f"git {' '.join(args[:2])} failed: {completed.stderr.strip()[-500:]}")
    return completed.stdout.strip()


def resolve_commit(url: str, ref: str | None = None) -> str:
    """The commit `ref` (default: the remote's HEAD) points to, without cloning."""
    if ref and len(ref) == 40 and all(c in "0123456789abcdef" for c in ref.lower()):
        return ref.lower()
    listed = _git("ls-remote", url, ref or "HEAD").splitlines()
    if not listed:
        raise CloneError(f"{url} has no ref {ref or 'HEAD'!r}")
    return listed[0].split()[0]


def clone_commit(url: str, ref: str | None, into: Path) -> str:
    """Check out `ref` of `url` into `into` as plain files; return the commit's sha."""
    _git("clone", "--quiet", "--no-checkout", url, str(into))
    _git("checkout", "--quiet", "--detach", ref or "HEAD", cwd=into)
    return _git("rev-parse", "HEAD", cwd=into)


def grade_repo(url: str, ref: str | None = None, *, out: Path | None = None, seed: int | None = None,
               topics: list[Topic] | None = None, call_timeout_s: float | None = None) -> GradeReport:
    """Clone one student's commit and grade it; write the reports to `out` if given."""
    with tempfile.TemporaryDirectory(prefix="hardway-repo-") as scratch:
        checkout = Path(scratch) / "checkout"
        commit = clone_commit(url, ref, checkout)
        report = grade(checkout, seed=seed, topics=topics, call_timeout_s=call_timeout_s)
    report.submission = f"{url}@{commit[:12]}"
    report.metadata.update({"repository": url, "commit": commit, "ref": ref or "HEAD"})
    if out is not None:
        report.write(out)
    return report


# -- a class ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterEntry:
    student: str
    repo: str
    ref: str | None


def read_roster(path: Path) -> list[RosterEntry]:
    """Rows of `student,repo[,ref]`; relative repo paths are taken from the roster's folder."""
    entries = []
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            student, repo = (row.get("student") or "").strip(), (row.get("repo") or "").strip()
            if not student or not repo:
                raise ValueError(f"{path}:{number}: every row needs a student and a repo")
            if not ("://" in repo or repo.startswith("git@") or Path(repo).is_absolute()):
                repo = str((path.parent / repo).resolve())
            if any(part in student for part in ("/", "\\", "..")):
                raise ValueError(f"{path}:{number}: student name {student!r} must not contain path separators")
            entries.append(RosterEntry(student, repo, (row.get("ref") or "").strip() or None))
    return entries


def already_graded(folder: Path, commit: str) -> bool:
    results = folder / "results.json"
    if not results.exists():
        return False
    try:
        return json.loads(results.read_text())["extra_data"]["commit"] == commit
    except (KeyError, ValueError):
        return False


def _grade_entry(entry: RosterEntry, out: Path, force: bool, topics: list[str] | None,
                 call_timeout_s: float | None) -> tuple[str, str]:
    """Grade one roster entry (runs in a worker process); return (student, status)."""
    try:
        commit = resolve_commit(entry.repo, entry.ref)
        if not force and already_graded(out / entry.student, commit):
            return entry.student, "unchanged"
        chosen = [topic for topic in TOPICS if topics is None or topic.module in topics]
        grade_repo(entry.repo, commit, out=out / entry.student, topics=chosen, call_timeout_s=call_timeout_s)
        return entry.student, "graded"
    except Exception as error:  # noqa: BLE001 - one student's problem must not stop the class
        return entry.student, f"error: {error}"


def grade_roster(roster: Path, out: Path, *, jobs: int = 2, force: bool = False, topics: list[str] | None = None,
                 call_timeout_s: float | None = None) -> dict[str, str]:
    """Grade every student in `roster` (in parallel); return each student's status."""
    entries = read_roster(roster)
    out.mkdir(parents=True, exist_ok=True)
    statuses: dict[str, str] = {}
    with Progress() as progress, ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        bar = progress.add_task("grading", total=len(entries))
        futures = [pool.submit(_grade_entry, entry, out, force, topics, call_timeout_s) for entry in entries]
        for future in as_completed(futures):
            student, status = future.result()
            statuses[student] = status
            progress.update(bar, advance=1, description=f"{student}: {status[:40]}")
    write_class_csv(entries, statuses, out / "grades.csv")
    return statuses


def write_class_csv(entries: list[RosterEntry], statuses: dict[str, str], path: Path) -> None:
    """One row per student from their results.json, with per-topic scores and the grading status."""
    columns = ["student", "repo", "commit", "score", "max_score", *[t.module for t in TOPICS], "seed", "status"]
    rows = []
    for entry in entries:
        row = {"student": entry.student, "repo": entry.repo, "status": statuses.get(entry.student, "not run")}
        results = path.parent / entry.student / "results.json"
        if results.exists():
            data = json.loads(results.read_text())
            extra = data.get("extra_data", {})
            row.update(commit=extra.get("commit", ""), score=data["score"], max_score=data["max_score"],
                       seed=extra.get("seed", ""))
            row.update({name: totals["score"] for name, totals in extra.get("topics", {}).items()})
        rows.append(row)
    temporary = path.with_suffix(".csv.tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(temporary, path)
