"""A cap on the number of processes (and threads) a jail may hold: the kernel's `pids` cgroup.

`RLIMIT_NPROC` does not apply when the grader runs as root (the kernel exempts
root's processes, and a jail's user is root outside its namespace), so a fork
bomb would only be stopped by the call timeout. Where the grader may make a
`pids` cgroup (cgroup v1's `pids` hierarchy, or cgroup v2 with the controller
enabled), each jail gets its own with `pids.max` set, joined by the jail's
first process before it starts anything. Where it cannot, `ProcessCap.make`
returns None and the other walls still hold.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))


class ProcessCap:
    """One pids cgroup; `join` runs in the child between fork and exec."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def make(cls, limit: int) -> "ProcessCap | None":
        for root in ROOTS:
            if not (root / "cgroup.procs").exists() or not os.access(root, os.W_OK):
                continue
            if root == Path("/sys/fs/cgroup") and "pids" not in _read(root / "cgroup.subtree_control"):
                continue
            sweep_stale(root)
            folder = root / f"hardway-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            try:
                folder.mkdir()
                (folder / "pids.max").write_text(str(limit))
            except OSError:
                _remove(folder)
                continue
            return cls(folder)
        return None

    def join(self) -> None:
        """Move the calling process into the cgroup (its descendants follow)."""
        with open(self.folder / "cgroup.procs", "w") as handle:
            handle.write("0")

    def remove(self) -> None:
        _remove(self.folder)


def sweep_stale(root: Path) -> None:
    """Remove the empty cgroups of graders that are gone (killed, or ended without running their cleanup).

    A cgroup is named after the grader process that made it; one whose grader
    no longer exists and that holds no process is left over, and `rmdir`
    refuses any cgroup that still holds one.
    """
    for folder in root.glob("hardway-*-*"):
        grader = folder.name.split("-")[1]
        if grader.isdigit() and not Path(f"/proc/{grader}").exists():
            try:
                folder.rmdir()
            except OSError:
                pass


def available() -> bool:
    """Whether a pids cgroup can be made here (one is made and removed to find out)."""
    cap = ProcessCap.make(1)
    if cap is None:
        return False
    cap.remove()
    return True


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _remove(folder: Path) -> None:
    """rmdir the cgroup once the kernel has let go of its last process."""
    for _ in range(50):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)
