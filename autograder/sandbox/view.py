"""The filesystem a jailed submission sees: the Python runtime and the libraries its exercise allows.

Nothing else of the machine is there: not the kit's checkout (so neither
`solutions/` nor the hidden tests), not the grader's output folder, not other
students' files, not the host's `/tmp` or `/proc`. Rules are enforced by
absence: exercise 1 forbids torch, so its view holds no torch at all, and no
trick of the student's process can import what is not on its disk.

A library is shown with everything it needs to import: the closure of its
declared requirements (`Requires-Dist`), each distribution's files taken from
its own install record.
"""

from __future__ import annotations

import sys
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

import hardway

#: Where things appear inside the jail.
LIBRARY_MOUNT = "/opt/hardway/lib"     # the kit's public `hardway` package
SITE_MOUNT = "/opt/hardway/site"       # the allowed libraries
STUDENT_HOME = "/home/student"         # the student's files (a private, size-capped tmpfs)
RUNTIME_DIR = "/run/hardway"           # the worker's output capture (tmpfs)
#: Where a worker may write: each a fresh, size-capped tmpfs of its own.
WRITABLE_FOLDERS = (STUDENT_HOME, "/tmp", "/dev/shm", RUNTIME_DIR)


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


@lru_cache(maxsize=None)
def requirement_closure(names: tuple[str, ...]) -> frozenset[str]:
    """The named distributions and everything they require (extras and unmet markers left out)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = _normalise(todo.pop())
        if name in seen:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional dependency that is not installed
        seen.add(name)
        for text in distribution.requires or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return frozenset(seen)


def _top_level_entries(distribution: metadata.Distribution) -> set[str]:
    """The names a distribution installs directly in site-packages (packages, modules, .libs, dist-info)."""
    entries = set()
    for file in distribution.files or ():
        parts = Path(file).parts
        if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith(".pth"):
            continue
        entries.add(parts[0])
    return entries


@lru_cache(maxsize=None)
def site_entries(libraries: tuple[str, ...]) -> tuple[Path, ...]:
    """Absolute paths of what the allowed libraries installed, to be shown read-only in the jail."""
    found: set[Path] = set()
    for name in requirement_closure(libraries):
        distribution = metadata.distribution(name)
        root = Path(str(distribution.locate_file("")))
        for entry in _top_level_entries(distribution):
            path = root / entry
            if path.exists():
                found.add(path)
    return tuple(sorted(found))


@dataclass(frozen=True)
class Runtime:
    """The interpreter the jail runs, and the installed-package folders of it to hide."""

    executable: Path
    prefix: Path
    hidden_site_dirs: tuple[Path, ...]


@lru_cache(maxsize=1)
def python_runtime() -> Runtime:
    executable = Path(sys.executable).resolve()
    prefix = Path(sys.base_prefix).resolve()
    base = {"base": sys.base_prefix, "platbase": sys.base_prefix}
    candidates = {sysconfig.get_paths(vars=base)[key] for key in ("purelib", "platlib")}
    candidates.add("/usr/lib/python3/dist-packages")  # Debian's system Python
    candidates.add(f"/usr/local/lib/python{sys.version_info.major}.{sys.version_info.minor}/dist-packages")
    hidden = tuple(sorted(Path(c).resolve() for c in candidates if Path(c).is_dir()))
    return Runtime(executable, prefix, hidden)


def library_source() -> Path:
    """The kit's public library (the folder of the `hardway` package)."""
    return Path(hardway.__file__).resolve().parent
