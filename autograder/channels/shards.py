"""A class graded in shards, and the merge that makes one class of them again.

Past one machine, a class re-grade is split over a CI matrix: each runner grades
a shard, `autograder grade-roster roster.csv --shard i/N`, and one last job
merges the shards' folders, `autograder merge-grades OUT SHARD_DIR...`, into the
one `grades.csv` and class report a single run would have written.

Which shard grades whom is decided from the roster alone, the same on every
runner: the roster's students sorted by name, the k-th (counting from 0) going
to shard `k % N + 1`. Shards differ in size by one student at most, and no
runner needs to hear from another. (A roster row that cannot be graded is
labelled by its line, `roster.csv:7`, and is placed the same way, so its error
row is in exactly one shard.)

A shard's folder holds its students' report folders, its `grades.csv` and
`shard.json`: which shard of how many it is, the roster's students in the
roster's order, and its own. `shard.json` is written last, so a shard whose
run died halfway has none and cannot be merged by mistake. The merge refuses,
naming the students or shards, when shards come from different rosters or
splits, when a shard is missing or given twice, and when a student is in no
shard or in two; otherwise it writes `grades.csv` with the rows in the
roster's order (the same file a single run with the same `--seed` writes)
and the class report.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

#: Written last into a shard's output folder: what the shard holds, for the merge.
MANIFEST = "shard.json"
SHARD_SPEC = re.compile(r"(\d+)/(\d+)")


class MergeError(ValueError):
    """The shard folders do not make up one class; the message names the shards or students and what to do."""


@dataclass(frozen=True)
class Shard:
    """Shard `index` (counting from 1) of `count`."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`i/N` as written after `--shard`; ValueError says what is wrong with it."""
        match = SHARD_SPEC.fullmatch(text.strip())
        if not match:
            raise ValueError(f"--shard {text!r} is not a shard: write i/N, e.g. --shard 1/4 for the first of four")
        index, count = int(match[1]), int(match[2])
        if not 1 <= index <= count:
            raise ValueError(f"--shard {text!r}: shards are numbered 1 to N, so i must be between 1 and {count} "
                             "(and N at least 1)")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def choose(self, students: list[str]) -> list[str]:
        """This shard's share of `students`, in their given order (see the module's docstring for the rule)."""
        mine = {name for position, name in enumerate(sorted(students)) if position % self.count == self.index - 1}
        return [name for name in students if name in mine]


def write_manifest(out: Path, shard: Shard, roster: list[str], students: list[str]) -> Path:
    """`shard.json` in `out`: this shard, the roster's students (in order) and the shard's own."""
    path = out / MANIFEST
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps({"shard": str(shard), "roster": roster, "students": students}, indent=2) + "\n",
                         encoding="utf-8")
    os.replace(temporary, path)
    return path


@dataclass(frozen=True)
class ShardOutput:
    """One shard's folder, as read by the merge."""

    folder: Path
    shard: Shard
    roster: list[str]
    students: list[str]
    columns: list[str]
    rows: list[dict[str, str]]


def read_shard(folder: Path) -> ShardOutput:
    """The manifest and `grades.csv` of the shard in `folder`; MergeError when either is missing or unreadable."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise MergeError(f"{folder} has no {MANIFEST}: it is not the output of `grade-roster --shard i/N`, or that "
                         "run did not finish (run the shard again)")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        shard = Shard.parse(data["shard"])
        roster, students = [str(name) for name in data["roster"]], [str(name) for name in data["students"]]
    except (ValueError, KeyError, TypeError) as error:
        raise MergeError(f"{manifest} is not a shard manifest ({error}): run the shard again") from None
    try:
        with (folder / "grades.csv").open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            columns = list(reader.fieldnames or [])
    except OSError as error:
        raise MergeError(f"{folder} has no readable grades.csv ({error}): run the shard again") from None
    return ShardOutput(folder, shard, roster, students, columns, rows)


def check_shards(shards: list[ShardOutput]) -> list[str]:
    """The class's students in the roster's order, if `shards` are all of one split of one roster; else MergeError."""
    if not shards:
        raise MergeError("no shard folders given: pass the output folder of every `grade-roster --shard i/N` run")
    first = shards[0]
    for other in shards[1:]:
        if other.roster != first.roster:
            raise MergeError(f"{first.folder} and {other.folder} were graded from different rosters: grade every "
                             "shard from the same roster.csv")
        if other.shard.count != first.shard.count:
            raise MergeError(f"{first.folder} is shard {first.shard} but {other.folder} is shard {other.shard}: "
                             "merge the shards of one split (the same N)")
        if other.columns != first.columns:
            raise MergeError(f"the grades.csv of {first.folder} and {other.folder} have different columns: grade "
                             "every shard with the same version of the kit")
    given: dict[int, Path] = {}
    for output in shards:
        if output.shard.index in given:
            raise MergeError(f"shard {output.shard} is given twice ({given[output.shard.index]} and {output.folder}): "
                             "pass each shard's folder once")
        given[output.shard.index] = output.folder
    missing_shards = [f"{index}/{first.shard.count}" for index in range(1, first.shard.count + 1) if index not in given]
    owner: dict[str, Path] = {}
    for output in shards:
        in_csv = [row.get("student", "") for row in output.rows]
        if sorted(in_csv) != sorted(output.students):
            raise MergeError(f"{output.folder}: its grades.csv and {MANIFEST} list different students: run the shard "
                             "again")
        for student in output.students:
            if student in owner:
                raise MergeError(f"student {student!r} is in two shards ({owner[student]} and {output.folder}): "
                                 "merge shards of one run of one split")
            owner[student] = output.folder
    unknown = sorted(set(owner) - set(first.roster))
    if unknown:
        raise MergeError(f"{owner[unknown[0]]} holds students the roster does not list ({', '.join(unknown[:5])}): "
                         "run the shard again")
    missing = [student for student in first.roster if student not in owner]
    if missing_shards or missing:
        names = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise MergeError(f"{len(missing)} student(s) of the roster are in no shard given ({names}); missing "
                         f"shard(s): {', '.join(missing_shards) or 'none'}. Pass every shard's folder (download "
                         "every shard's artifact), or run the missing shards")
    return first.roster


def merge_grades(out: Path, folders: list[Path]) -> list[str]:
    """Merge the shard outputs in `folders` into `out`: student folders, grades.csv, the class report.

    Returns the class's students in the roster's order; MergeError (nothing written) when the shards
    are not exactly one class.
    """
    from autograder.channels.repos import RepoInputError, check_student

    shards = [read_shard(folder) for folder in folders]
    roster = check_shards(shards)
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, str]] = {}
    for output in shards:
        for row in output.rows:
            rows[row["student"]] = row
            try:
                student = check_student(row["student"])  # a name that is safe as a folder, never a row's label
            except RepoInputError:
                continue
            source = output.folder / student
            if source.is_dir() and not source.is_symlink() and source.resolve() != (out / student).resolve():
                shutil.copytree(source, out / student, dirs_exist_ok=True)
    temporary = out / "grades.csv.tmp"
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=shards[0].columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows[student] for student in roster)
    os.replace(temporary, out / "grades.csv")
    from autograder.class_report import write_class_report

    write_class_report(out)
    return roster
