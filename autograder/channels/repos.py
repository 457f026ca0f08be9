"""Authoritative grading of pushed work: one student's repository, or a whole class.

A student's repository is treated as data. It is cloned without running hooks,
without submodules or LFS downloads and with symbolic links checked out as
plain files (so a link to the grader's own solutions is just a short text
file), then graded by `autograder.grading` with the hidden tests, which live
only in the instructor's copy of the kit.

The repository URL, ref and student name come from a roster or a command line,
so they are untrusted too. git reads any argument that starts with `-` as an
option (`--upload-pack=CMD` runs CMD on the grading host) and hands
`<transport>::<address>` to a helper (`ext::CMD` runs CMD). So every such
string is checked before git sees it (`check_repository`, `check_ref`,
`check_student`), and every URL or path handed to git comes after `--`.

`grade_roster` grades a class in parallel. Each student's results are written
atomically as soon as they are ready, so a crash halfway loses nothing: the
next run skips every student whose graded commit is still their latest and
whose grade covers the same exercises and tests (`graded_scope`). A roster
row that cannot be graded becomes that student's error row.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from rich.markup import escape

from autograder.batch import Outcome, make_executor, run_batch
from autograder.channels.shards import Shard, write_manifest
from autograder.class_report import write_class_report
from autograder.grading import grade
from autograder.results import GradeReport
from hardway.catalogue import TOPICS, Topic

#: git settings that keep a clone inert: no hooks, no symlinks, no prompts, no command-running transport.
SAFE_GIT = ["-c", "core.hooksPath=/dev/null", "-c", "core.symlinks=false", "-c", "protocol.file.allow=always",
            "-c", "protocol.ext.allow=never", "-c", "submodule.recurse=false"]


class CloneError(RuntimeError):
    """The repository or commit could not be fetched; the message says which and why."""


class RepoInputError(ValueError):
    """A repository, ref or student name the grader will not hand to git; the message says why and what to use."""


# -- what may be handed to git ------------------------------------------------------------

#: The URL schemes a student's work may be fetched over.
URL_SCHEMES = ("https", "http", "ssh", "git", "file")
USE_INSTEAD = "use https://, ssh://, git@host:path or a local folder"
USE_A_REF = "give a branch, a tag or a 40-character commit sha"

#: A host name or IPv4 address: letters, digits, dots and inner hyphens, so never an option like `-oProxyCommand`.
HOST = r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"
#: `user@host:path`, git's scp-like ssh syntax. The path may not start with `-` or `:`.
SCP_STYLE = re.compile(rf"[A-Za-z0-9._][A-Za-z0-9._-]*@{HOST}:[^\s:-]\S*")
#: git reads `name::address` as "run the helper git-remote-name" (`ext::` runs any command).
TRANSPORT_HELPER = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)::")
#: `scheme://`, as git itself recognises a URL.
URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
FULL_SHA = re.compile(r"[0-9a-fA-F]{40}")


def _refuse_unprintable(what: str, value: str) -> None:
    """A newline or other control character could smuggle a second line into a CSV, a log or a git argument."""
    if not value.isprintable():
        raise RepoInputError(f"{what} {value!r} contains a control character (a newline, tab or similar): "
                             f"write it on one line")


def _refuse_option(what: str, value: str, advice: str) -> None:
    """git would read a leading `-` as an option, whatever follows it."""
    if value.startswith("-"):
        raise RepoInputError(f"{what} {value!r} starts with '-', which git would read as an option: {advice}")


def check_repository(repo: str, base: Path) -> str:
    """`repo` in the form git should get it, or RepoInputError.

    Accepted: a URL with a scheme from URL_SCHEMES, `user@host:path`, or an
    existing folder (relative to `base`), returned as an absolute path so git
    cannot mistake it for `host:path` or `name::address`.
    """
    _refuse_unprintable("repo", repo)
    _refuse_option("repo", repo, USE_INSTEAD)
    helper = TRANSPORT_HELPER.match(repo)
    if helper:
        raise RepoInputError(f"repo {repo!r} asks git for its {helper.group(1)!r} transport helper, which the grader "
                             f"does not use ('ext::' would run a command): {USE_INSTEAD}")
    if URL_SCHEME.match(repo):
        return _check_url(repo)
    if SCP_STYLE.fullmatch(repo):
        return repo
    return _check_folder(repo, base)


def _check_url(url: str) -> str:
    """A `scheme://` URL of a known scheme with a plausible host (never one git could read as an option)."""
    scheme = url.split("://", 1)[0].lower()
    if scheme not in URL_SCHEMES:
        raise RepoInputError(f"repo {url!r} uses the {scheme!r} scheme, which the grader does not fetch from: "
                             f"{USE_INSTEAD}")
    if any(character.isspace() for character in url):
        raise RepoInputError(f"repo {url!r} contains a space: write it as %20, or {USE_INSTEAD}")
    parts = urlsplit(url)
    if scheme == "file":
        if not parts.path:
            raise RepoInputError(f"repo {url!r} names no folder: write file:///absolute/path, or {USE_INSTEAD}")
        return url
    if not re.fullmatch(HOST, parts.hostname or "") or (parts.username or "").startswith("-"):
        raise RepoInputError(f"repo {url!r} has no usable host name: {USE_INSTEAD}")
    try:
        parts.port  # noqa: B018 - parsing it raises ValueError unless it is a number
    except ValueError:
        raise RepoInputError(f"repo {url!r} has a port that is not a number: {USE_INSTEAD}") from None
    return url


def _check_folder(repo: str, base: Path) -> str:
    """An existing folder, as an absolute path (relative ones are taken from `base`)."""
    folder = (base / repo).resolve()
    if not folder.exists():
        raise RepoInputError(f"repo {repo!r} is not a repository URL or folder (there is no folder {folder}): "
                             f"{USE_INSTEAD}")
    if not folder.is_dir():
        raise RepoInputError(f"repo {repo!r} is a file, not a repository folder: {USE_INSTEAD}")
    return str(folder)


def check_ref(ref: str) -> str:
    """`ref` if git can only read it as a branch, tag or commit name, or RepoInputError.

    A full sha is taken as it is; anything else must be a valid ref name
    (`git check-ref-format`), which rules out `..`, `~`, `^`, `@{`, spaces and the like.
    """
    _refuse_unprintable("ref", ref)
    _refuse_option("ref", ref, USE_A_REF)
    if FULL_SHA.fullmatch(ref):
        return ref.lower()
    checked = subprocess.run(["git", "check-ref-format", "--allow-onelevel", ref], capture_output=True, timeout=60)
    if checked.returncode != 0:
        raise RepoInputError(f"ref {ref!r} is not a valid branch or tag name (see `git check-ref-format`): "
                             f"{USE_A_REF}")
    return ref


def check_student(student: str) -> str:
    """`student` if it is safe as the name of a folder under the grades folder, or RepoInputError."""
    if not student:
        raise RepoInputError("the row has no student name: fill in the student column")
    _refuse_unprintable("student name", student)
    if any(part in student for part in ("/", "\\", "..")):
        raise RepoInputError(f"student name {student!r} must not contain path separators or '..'")
    if student.startswith(("-", ".")):
        raise RepoInputError(f"student name {student!r} must not start with '-' or '.': "
                             f"start it with a letter or digit")
    return student


# -- git ----------------------------------------------------------------------------------


def _git(*args: str, cwd: Path | None = None) -> str:
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_LFS_SKIP_SMUDGE": "1", "GIT_CONFIG_NOSYSTEM": "1"}
    completed = subprocess.run(["git", *SAFE_GIT, *args], cwd=cwd, capture_output=True, text=True,
                               env=environment, timeout=300)
    if completed.returncode != 0:
        raise CloneError(f"git {' '.join(args[:2])} failed: {completed.stderr.strip()[-500:]}")
    return completed.stdout.strip()


def resolve_commit(url: str, ref: str | None = None) -> str:
    """The commit `ref` (default: the remote's HEAD) points to, without cloning."""
    url, ref = check_repository(url, Path.cwd()), check_ref(ref or "HEAD")
    if FULL_SHA.fullmatch(ref):
        return ref
    listed = _git("ls-remote", "--", url, ref).splitlines()
    if not listed:
        raise CloneError(_no_such_ref(url, ref))
    return listed[0].split()[0]


def _no_such_ref(url: str, ref: str) -> str:
    if ref != "HEAD":
        return f"{url} has no ref {ref!r}: check the branch or tag name (`git ls-remote {url}` lists them)"
    return (f"{url} has no ref 'HEAD': its HEAD names a branch that was never pushed (say 'master' when the work "
            f"is on 'main'). Pass --ref BRANCH (in a roster: fill the ref column), or set the repository's "
            f"default branch to the one the work is on")


def clone_commit(url: str, ref: str | None, into: Path) -> str:
    """Check out `ref` of `url` into `into` as plain files; return the commit's sha."""
    url = check_repository(url, Path.cwd())
    commit = resolve_commit(url, ref)  # any branch or tag of the remote, as a sha git cannot misread
    _git("clone", "--quiet", "--no-checkout", "--", url, str(into))
    _git("switch", "--quiet", "--detach", "--end-of-options", commit, cwd=into)
    return _git("rev-parse", "--verify", "--end-of-options", "HEAD^{commit}", cwd=into)


def grade_repo(url: str, ref: str | None = None, *, out: Path | None = None, seed: int | None = None,
               topics: list[Topic] | None = None, call_timeout_s: float | None = None) -> GradeReport:
    """Clone one student's commit and grade it; write the reports to `out` if given.

    A bad `url` or `ref` raises RepoInputError before git runs; one git cannot fetch raises CloneError.
    """
    url = check_repository(url, Path.cwd())
    with tempfile.TemporaryDirectory(prefix="hardway-repo-") as scratch:
        checkout = Path(scratch) / "checkout"
        commit = clone_commit(url, ref, checkout)
        report = grade(checkout, seed=seed, topics=topics, call_timeout_s=call_timeout_s)
    report.submission = f"{url}@{commit[:12]}"
    report.metadata.update({"repository": url, "commit": commit, "ref": ref or "HEAD", "scope": graded_scope(topics)})
    if out is not None:
        report.write(out)
    return report


# -- a class ------------------------------------------------------------------------------


ROSTER_HEADER = "student,repo[,ref]"


@dataclass(frozen=True)
class RosterEntry:
    """One roster row. When `problem` says why it cannot be graded, `student` is only a label (maybe the row's
    `roster.csv:N`), never a folder name."""

    student: str
    repo: str
    ref: str | None
    problem: str | None = None


def read_roster(path: Path) -> list[RosterEntry]:
    """Rows of `student,repo[,ref]`; relative repo paths are taken from the roster's folder.

    A row that cannot be graded (a hostile or mistyped repo, a bad ref or name) comes back with its `problem`
    set, so one bad row does not stop the class; only a file without the header row raises ValueError.
    """
    entries: list[RosterEntry] = []
    students: set[str] = set()
    with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: a spreadsheet's byte-order mark
        reader = csv.DictReader(handle)
        _check_header(path, reader.fieldnames)
        reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
        for row in reader:
            where = f"{path}:{reader.line_num}"  # the line the row ends on
            entry = _roster_entry(row, where, path.parent)
            if entry.student in students:
                entry = RosterEntry(where, entry.repo, entry.ref,
                                    f"{where}: student {entry.student!r} already has a row: give each student one row")
            students.add(entry.student)
            entries.append(entry)
    return entries


def _check_header(path: Path, fieldnames: Sequence[str] | None) -> None:
    """Without the header, csv would take the first student's row as column names and report nonsense."""
    names = {name.strip().lower() for name in fieldnames or []}
    if not {"student", "repo"} <= names:
        found = f"the first line is {','.join(fieldnames)!r}" if fieldnames else "the file is empty"
        raise ValueError(f"{path}:1: the header row `{ROSTER_HEADER}` is missing ({found}): "
                         f"make it the file's first line")


def _roster_entry(row: dict[str, str | None], where: str, base: Path) -> RosterEntry:
    """One row, checked; a problem is recorded in the entry (prefixed with `where`) rather than raised."""
    student, repo = (row.get("student") or "").strip(), (row.get("repo") or "").strip()
    ref = (row.get("ref") or "").strip() or None
    try:
        student = check_student(student)
    except RepoInputError as error:
        return RosterEntry(where, repo, ref, f"{where}: {error}")
    try:
        if not repo:
            raise RepoInputError(f"the row has no repo: {USE_INSTEAD}")
        return RosterEntry(student, check_repository(repo, base), check_ref(ref) if ref else None)
    except RepoInputError as error:
        return RosterEntry(student, repo, ref, f"{where}: {error}")


def graded_scope(topics: list[Topic] | None, include_hidden: bool = True) -> str:
    """What a grade covers, as recorded in results.json: the exercises, and whether hidden tests ran."""
    names = ",".join(topic.module for topic in TOPICS if topics is None or topic in topics)
    return f"{names}; {'public+hidden' if include_hidden else 'public'} tests"


def already_graded(folder: Path, commit: str, scope: str, seed: int | None = None) -> bool:
    """Whether `folder` holds a grade of this very commit that covers what is asked now (`graded_scope`).

    A grade of one exercise (`--topic`) does not stand for a grade of all five, nor the other way round;
    when a `seed` is asked for, only a grade with that seed stands.
    """
    results = folder / "results.json"
    if not results.exists():
        return False
    try:
        extra = json.loads(results.read_text())["extra_data"]
        return extra["commit"] == commit and extra["scope"] == scope and seed in (None, extra["seed"])
    except (KeyError, ValueError, TypeError):
        return False


@dataclass(frozen=True)
class GradeRosterEntry:
    """Grade one roster entry's latest commit (a batch job), unless its grade of that commit covers this scope."""

    entry: RosterEntry
    out: Path
    force: bool = False
    topics: tuple[str, ...] | None = None
    call_timeout_s: float | None = None
    seed: int | None = None

    @property
    def label(self) -> str:
        return self.entry.student

    def run(self) -> str:
        """"graded", or "unchanged" when the student's folder already holds a grade of this commit and scope."""
        commit = resolve_commit(self.entry.repo, self.entry.ref)
        chosen = [topic for topic in TOPICS if self.topics is None or topic.module in self.topics]
        folder = self.out / self.entry.student
        if not self.force and already_graded(folder, commit, graded_scope(chosen), self.seed):
            return "unchanged"
        grade_repo(self.entry.repo, commit, out=folder, seed=self.seed, topics=chosen,
                   call_timeout_s=self.call_timeout_s)
        return "graded"


def grade_roster(roster: Path, out: Path, *, jobs: int = 2, force: bool = False, topics: list[str] | None = None,
                 call_timeout_s: float | None = None, seed: int | None = None, shard: Shard | None = None,
                 executor: str = "local") -> dict[str, str]:
    """Grade every student in `roster` (or its `shard`), `jobs` at a time on `executor`; return each one's status.

    A status is "graded", "unchanged" or "error: " and why (a row that cannot be graded, a failed clone or grading).
    `seed`: every student's grading seed (default: a fresh one each). At the end, `grades.csv` and the class
    report; for a shard, then its `shard.json` (see `autograder.channels.shards`).
    """
    entries = read_roster(roster)
    everyone = [entry.student for entry in entries]
    if shard is not None:
        mine = set(shard.choose(everyone))
        entries = [entry for entry in entries if entry.student in mine]
    with make_executor(jobs, engine=executor) as running:  # first: a wrong --executor is said before any work
        out.mkdir(parents=True, exist_ok=True)
        statuses = {entry.student: f"error: {entry.problem}" for entry in entries if entry.problem}
        work = [GradeRosterEntry(entry, out, force, tuple(topics) if topics else None, call_timeout_s, seed)
                for entry in entries if not entry.problem]

        def status(outcome: Outcome[str]) -> str:
            return outcome.value if outcome.value is not None else f"error: {outcome.error}"

        outcomes = run_batch(running, work, note=lambda outcome: escape(f"{outcome.label}: {status(outcome)[:40]}"))
    statuses.update({outcome.label: status(outcome) for outcome in outcomes})
    write_class_csv(entries, statuses, out / "grades.csv")
    write_class_report(out)
    if shard is not None:
        write_manifest(out, shard, everyone, [entry.student for entry in entries])
    return statuses


def write_class_csv(entries: list[RosterEntry], statuses: dict[str, str], path: Path) -> None:
    """One row per student from their results.json, with per-topic scores and the grading status."""
    columns = ["student", "repo", "commit", "score", "max_score", *[t.module for t in TOPICS], "seed", "status"]
    rows = []
    for entry in entries:
        row = {"student": entry.student, "repo": entry.repo, "status": statuses.get(entry.student, "not run")}
        results = path.parent / entry.student / "results.json"
        if not entry.problem and results.exists():
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
