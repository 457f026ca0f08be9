"""Take a submission in: copy its exercise modules into a fresh folder, following no links.

Everything the grader later reads of a submission comes from this copy, so a
folder that is a symbolic link (`exercises -> <kit>/solutions`), a module that
is a link, a device, a FIFO or a huge file can never make the grader read
something the student did not write. Each refused file gets a message that
says why; the rest of the submission is still graded.

`locate_modules` is the one place that decides where a submission keeps its
modules: at the top of the folder, or in `exercises/` (a student's checkout).
The tests never search: they read the modules from the folder they are given
(`hardway.pytest_plugin.tested_modules_folder`), which for the grader is the
private copy made here.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hardway.catalogue import TOPICS, Topic
from hardway.submission import missing_message

#: Largest exercise module taken in (a solution is a few hundred lines).
MAX_MODULE_BYTES = 1024 * 1024


@dataclass
class Intake:
    """The copied modules (in `folder`) and why any exercise's module was refused."""

    folder: Path
    source: Path
    refused: dict[str, str] = field(default_factory=dict)


def _is_real_directory(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def locate_modules(directory: Path) -> Path:
    """`directory` itself, or its `exercises/` folder when the modules live there (never through a link)."""
    def holds_modules(folder: Path) -> bool:
        return any(os.path.lexists(folder / topic.filename) for topic in TOPICS)

    nested = directory / "exercises"
    if not holds_modules(directory) and _is_real_directory(nested) and holds_modules(nested):
        return nested
    return directory


def _read_module(path: Path) -> bytes:
    """The bytes of a regular file at `path`, opened without following a link; ValueError says why not."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if os.path.islink(path):
            raise ValueError(f"{path.name} is a symbolic link; submit the file itself.") from None
        raise ValueError(f"{path.name} could not be read ({error.strerror}).") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path.name} is not a regular file; submit the Python file itself.")
        if info.st_size > MAX_MODULE_BYTES:
            raise ValueError(f"{path.name} is {info.st_size / 2**20:.1f} MiB, more than the "
                             f"{MAX_MODULE_BYTES // 2**20} MiB a module may have; remove data or generated code.")
        data = handle.read(MAX_MODULE_BYTES + 1)
    if len(data) > MAX_MODULE_BYTES:
        raise ValueError(f"{path.name} grew while it was read; submit a finished file.")
    return data


def take_in(directory: Path, topics: tuple[Topic, ...] | list[Topic] = TOPICS) -> Intake:
    """Copy the modules of `topics` from `directory` into a new private folder (the caller removes it)."""
    directory = Path(directory).resolve()  # the folder named on the command line is the instructor's choice
    source = locate_modules(directory)
    intake = Intake(Path(tempfile.mkdtemp(prefix="hardway-intake-")), source)
    for topic in topics:
        path = source / topic.filename
        if not os.path.lexists(path):
            intake.refused[topic.module] = missing_message(topic, source)
            continue
        try:
            (intake.folder / topic.filename).write_bytes(_read_module(path))
        except ValueError as error:
            intake.refused[topic.module] = str(error)
    return intake
