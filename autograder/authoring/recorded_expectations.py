"""Recorded expectations: the reference solution's answers to a public test's fixed cases.

Public tests go to students, so they must not hold a second implementation of a
graded task to compare with: a student could copy the answer out of the test.
Where an expected value is not a number worked out by hand, a public test names
the call in its ``CASES`` dict (name -> (snippet, inputs)) and compares the
student's answer with ``RECORDED[name]``, the reference solution's answer to
that very snippet, written as plain literals (``np.array(...)`` for arrays)
between the lines ``# BEGIN RECORDED`` and ``# END RECORDED`` at the end of the
file.

`record_all` runs every case on the reference solution and rewrites the block
(``autograder record-expectations``); with ``check`` it only reports the files
whose recorded values no longer match the reference (``--check``, and a kit test).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from autograder import paths
from hardway.catalogue import TOPICS, Topic
from hardway.plaindata import TensorRecord
from hardway.submission import InProcessSubmission

BEGIN, END = "# BEGIN RECORDED", "# END RECORDED"
WIDTH = 120
INDENT = "    "


class RecordingError(RuntimeError):
    """A case could not be recorded: the reference raised, or the file's block is malformed."""


# -- recording -------------------------------------------------------------------------------


def public_module(topic: Topic) -> ModuleType:
    """The topic's public test module (the kit's own code), for its CASES."""
    path = paths.public_tests(topic)
    spec = importlib.util.spec_from_file_location(f"_recording_{topic.module}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def record(topic: Topic) -> dict[str, Any] | None:
    """The reference's answer to each of the topic's CASES, in order (None: the file has no CASES)."""
    cases = getattr(public_module(topic), "CASES", None)
    if cases is None:
        return None
    reference = InProcessSubmission(topic, paths.SOLUTIONS_DIR, f"recording_reference_{topic.module}")
    answers = {}
    try:
        for name, (snippet, inputs) in cases.items():
            try:
                answers[name] = plain(reference.run(snippet, **inputs))
            except Exception as error:  # noqa: BLE001 - any failure of the reference stops the recording
                raise RecordingError(f"{paths.public_tests(topic).name}: case {name!r}: the reference raised "
                                     f"{type(error).__name__}: {error}") from error
    finally:
        reference.close()
    return answers


def plain(value: Any) -> Any:
    """A recorded answer as literals: numpy scalars become numbers, a tensor its values (as an array)."""
    if isinstance(value, TensorRecord):
        return np.array(value.data)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(plain(item) for item in value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str, np.ndarray)):
        return value
    raise RecordingError(f"cannot record a {type(value).__name__}: return plain data from the case's snippet")


# -- the RECORDED block ----------------------------------------------------------------------


def render(answers: dict[str, Any]) -> str:
    """``RECORDED = {...}`` with one entry per case, wrapped at WIDTH columns."""
    lines = ["RECORDED = {"]
    for name, value in answers.items():
        lines += _entry(f"{name!r}: ", value, 1, ",")
    return "\n".join([*lines, "}"]) + "\n"


def _entry(prefix: str, value: Any, depth: int, suffix: str) -> list[str]:
    """The lines for `prefix` + `value` + `suffix` at `depth` levels of indentation."""
    indent = INDENT * depth
    inline = f"{indent}{prefix}{_inline(value)}{suffix}"
    if len(inline) > WIDTH and isinstance(value, str) and len(value) > 16:
        # A long text (a recorded checkpoint file, in base64) as adjacent literals, one per line.
        size = WIDTH - len(INDENT * (depth + 1)) - 2
        chunks = [f"{INDENT * (depth + 1)}{value[start:start + size]!r}" for start in range(0, len(value), size)]
        return [f"{indent}{prefix}(", *chunks, f"{indent}){suffix}"]
    if len(inline) <= WIDTH or not _breakable(value):
        return [inline]
    if isinstance(value, np.ndarray):
        return _broken(f"{prefix}np.array(", value.tolist(), depth, f"){suffix}")
    return _broken(prefix, value, depth, suffix)


def _broken(prefix: str, value: Any, depth: int, suffix: str) -> list[str]:
    """`value` (a list, tuple or dict) split over lines: scalars packed, anything else one item a line."""
    indent = INDENT * depth
    inner = INDENT * (depth + 1)
    brackets: dict[type, tuple[str, str]] = {list: ("[", "]"), tuple: ("(", ")"), dict: ("{", "}")}
    opening, closing = brackets[type(value)]
    lines = [f"{indent}{prefix}{opening}"]
    if isinstance(value, dict):
        for key, item in value.items():
            lines += _entry(f"{key!r}: ", item, depth + 1, ",")
    elif all(not _breakable(item) for item in value):
        line = inner
        for item in value:
            piece = f"{_inline(item)},"
            if line != inner and len(line) + 1 + len(piece) > WIDTH:
                lines.append(line)
                line = inner
            line = f"{line} {piece}" if line != inner else f"{inner}{piece}"
        lines.append(line)
    else:
        for item in value:
            lines += _entry("", item, depth + 1, ",")
    return [*lines, f"{indent}{closing}{suffix}"]


def _breakable(value: Any) -> bool:
    return isinstance(value, (list, tuple, dict, np.ndarray)) and len(value) > 0


def _inline(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"np.array({_inline(value.tolist())})"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    if isinstance(value, tuple):
        inside = ", ".join(_inline(item) for item in value)
        return f"({inside},)" if len(value) == 1 else f"({inside})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {_inline(item)}" for key, item in value.items()) + "}"
    return repr(value)


def _block_span(lines: list[str], path: Path) -> tuple[int, int] | None:
    """The indices of the BEGIN and END lines, or None when the file has no block yet."""
    begins = [i for i, line in enumerate(lines) if line.rstrip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.rstrip() == END]
    if not begins and not ends:
        return None
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise RecordingError(f"{path.name}: expected one {BEGIN!r} line followed by one {END!r} line")
    return begins[0], ends[0]


def recorded_in(path: Path) -> dict[str, Any] | None:
    """The RECORDED dict as it stands in the file (None when it has no block)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    span = _block_span(lines, path)
    if span is None:
        return None
    namespace: dict[str, Any] = {"np": np}
    exec("\n".join(lines[span[0] + 1:span[1]]), namespace)  # noqa: S102 - the kit's own file
    return namespace.get("RECORDED")


def same(recorded: Any, wanted: Any) -> bool:
    """Equal structure and types, numbers equal to within the last bits (another machine may round differently)."""
    if isinstance(wanted, dict):
        return isinstance(recorded, dict) and list(recorded) == list(wanted) and all(
            same(recorded[key], wanted[key]) for key in wanted)
    if isinstance(wanted, (list, tuple)):
        return type(recorded) is type(wanted) and len(recorded) == len(wanted) and all(
            same(r, w) for r, w in zip(recorded, wanted, strict=True))
    if isinstance(wanted, np.ndarray):
        return (isinstance(recorded, np.ndarray) and recorded.shape == wanted.shape
                and bool(np.allclose(recorded, wanted, rtol=1e-12, atol=1e-15, equal_nan=True)))
    if isinstance(wanted, float):
        return type(recorded) is float and bool(np.isclose(recorded, wanted, rtol=1e-12, atol=1e-15, equal_nan=True))
    if isinstance(wanted, str) and isinstance(recorded, str) and _is_archive(wanted) and _is_archive(recorded):
        return _same_archive(recorded, wanted)
    return type(recorded) is type(wanted) and recorded == wanted


def _is_archive(text: str) -> bool:
    """Whether `text` is a file that torch.save wrote (a zip archive), in base64."""
    return text.startswith("UEsDB") and re.fullmatch(r"[A-Za-z0-9+/=]+", text) is not None


def _same_archive(recorded: str, wanted: str) -> bool:
    """Two recorded checkpoint files hold the same things (their bytes differ between torch versions)."""
    import torch

    def contents(text: str) -> Any:
        value = torch.load(io.BytesIO(base64.b64decode(text)), weights_only=True)
        return plain_tensors(value)

    return same(contents(recorded), contents(wanted))


def plain_tensors(value: Any) -> Any:
    """`value` read back from a file, with every tensor as a numpy array (what `same` compares)."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, (list, tuple)):
        return type(value)(plain_tensors(item) for item in value)
    if isinstance(value, dict):
        return {key: plain_tensors(item) for key, item in value.items()}
    return value


def record_all(topics: list[Topic] | None = None, check: bool = False) -> list[Path]:
    """Write (or, with `check`, compare) every public test's RECORDED block; return the files that were stale."""
    stale = []
    for topic in topics or TOPICS:
        answers = record(topic)
        if answers is None:
            continue
        path = paths.public_tests(topic)
        if check:
            if recorded_in(path) is None or not same(recorded_in(path), answers):
                stale.append(path)
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        span = _block_span([line.rstrip("\n") for line in lines], path)
        if span is None:
            body = "".join(lines).rstrip("\n") + "\n\n\n"
            new_text = f"{body}{BEGIN}\n{render(answers)}{END}\n"
        else:
            new_text = "".join(lines[:span[0] + 1]) + render(answers) + "".join(lines[span[1]:])
        if new_text != text:
            path.write_text(new_text, encoding="utf-8")
            stale.append(path)
    return stale
