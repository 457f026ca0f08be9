"""A student's module, as the tests see it.

A test never imports the student's module itself. It asks a `Submission` to
run a snippet, or to call a probe (a function of the test module sent as
source; see `hardway.snippets`), and gets plain data back. Two kinds of
submission implement `run`, and `CallsProbes` gives both `call` on top of it:

* `InProcessSubmission` (here): the student's own `pytest` imports the module
  into the test process. Fast, and `pytest --pdb` stops inside their code.
* `IsolatedSubmission` (in `autograder.sandbox.launcher`): the grader runs the
  module in a jailed child process and only plain data comes back.

Both pass results through the same plain-data round trip, so a test that
passes on a student's machine passes in the grader, and the other way round.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Protocol

from hardway import plaindata
from hardway.catalogue import Topic
from hardway.policy import PolicyError, check_source
from hardway.snippets import one_line, probe_source, run_snippet, test_files


class SubmissionError(Exception):
    """The student's code could not give an answer; the message says why, in their terms."""


class SubmissionNotFound(SubmissionError):
    pass


class SubmissionImportFailed(SubmissionError):
    pass


class SubmissionPolicyError(SubmissionError):
    pass


class SubmissionTimedOut(SubmissionError):
    pass


class SubmissionCrashed(SubmissionError):
    pass


class StudentCodeRaised(SubmissionError):
    """The student's code raised; carries the exception's type name and their traceback."""

    def __init__(self, type_name: str, message: str, traceback: str, snippet: str) -> None:
        self.type_name = type_name
        self.message = message
        self.traceback = traceback
        self.snippet = snippet
        super().__init__(f"{one_line(snippet)} raised {type_name}: {message}")


class Submission(Protocol):
    topic: Topic

    def run(self, source: str, *, timeout: float | None = None, **inputs: Any) -> Any:
        """Run `source` against the student's module; return its last expression as plain data."""

    def call(self, probe: Callable[..., Any], /, *, timeout: float | None = None, **inputs: Any) -> Any:
        """Run the test function `probe` against the student's module; return its result as plain data."""

    def close(self) -> None: ...


class CallsProbes:
    """Gives a submission `call`: a probe (a function of the test module) run where `run` runs snippets."""

    def call(self: Submission, probe: Callable[..., Any], /, *, timeout: float | None = None, **inputs: Any) -> Any:
        """Run `probe` against the student's module, each parameter bound by name (see `hardway.snippets`).

        ``submission.call(load_twice, path="run.pt")`` calls ``load_twice(load_checkpoint, path)`` for a probe
        ``def load_twice(load_checkpoint, path)``: `path` is the input, `load_checkpoint` the student's function.
        """
        return self.run(probe_source(probe, inputs), timeout=timeout, **inputs)


#: Set on an exception raised by the student's code in-process: what the test was running when it was raised.
STUDENT_SNIPPET = "_hardway_snippet"
#: Set on an exception raised while importing the student's module in-process: the module's file name.
STUDENT_IMPORT = "_hardway_import"
#: Set on both: the file whose frames are the student's own (None: every frame outside the kit and the libraries).
STUDENT_FILE = "_hardway_student_file"


def student_frames(error: BaseException, student_file: str | None, limit: int = 6) -> str:
    """The frames of `error`'s traceback that are in the student's code, formatted like Python's traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    if student_file is not None:
        mine = [frame for frame in frames if frame.filename == student_file]
    else:  # a notebook: its cells have no file of their own; drop the kit's, the test's and libraries' frames
        tests = test_files(getattr(error, STUDENT_SNIPPET, None) or "")
        start = max((i for i, frame in enumerate(frames) if frame.filename in tests), default=-1)
        library = (str(Path(__file__).resolve().parent), sys.prefix, sys.base_prefix, "<")
        mine = [frame for frame in frames[start + 1:] if not frame.filename.startswith(library)
                and frame.filename not in tests]
    where = "".join(traceback.format_list(mine[-limit:]))
    if isinstance(error, SyntaxError) and error.filename and (student_file is None or error.filename == student_file):
        where = f'  File "{error.filename}", line {error.lineno}\n    {(error.text or "").strip()}\n'
    return where


def as_reported(error: BaseException) -> SubmissionError | None:
    """The grader's view of an exception the student's code raised in-process, or None if it is not one.

    `InProcessSubmission` re-raises the student's own exception (so `pytest --pdb` stops in their code) and
    tags it; this turns a tagged one into what an isolated submission reports for the same mistake.
    """
    student_file = getattr(error, STUDENT_FILE, None)
    snippet = getattr(error, STUDENT_SNIPPET, None)
    imported = getattr(error, STUDENT_IMPORT, None)
    if snippet is None and imported is None:
        return None
    try:
        message = str(error)
    except Exception:  # noqa: BLE001 - a broken __str__ must not hide the report
        message = "<the exception's message could not be shown>"
    where = student_frames(error, student_file)
    if imported is not None:
        where = f"\n{where}" if where else "\n"
        return SubmissionImportFailed(f"{imported} could not be imported: {type(error).__name__}: {message}{where}"
                                      "Fix this first: no test can run until the module imports.")
    return StudentCodeRaised(type(error).__name__, message, where, snippet or "")


def _tag(error: BaseException, **attributes: object) -> None:
    for name, value in attributes.items():
        try:
            setattr(error, name, value)
        except (AttributeError, TypeError):  # an exception type with __slots__: it keeps pytest's own report
            pass


def missing_message(topic: Topic, directory: Path) -> str:
    return (
        f"{topic.filename} was not found in {directory}. Put your solution of "
        f"exercise {topic.number} in a file with exactly that name."
    )


def load_module_from(path: Path, module_name: str) -> ModuleType:
    """Import a file as a module under `module_name` (also registered in sys.modules)."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


class InProcessSubmission(CallsProbes):
    """The student's module imported into this process (the student's own pytest run)."""

    def __init__(self, topic: Topic, directory: Path, module_name: str | None = None,
                 module: ModuleType | None = None) -> None:
        self.topic = topic
        self.directory = Path(directory)
        self.module_name = module_name or topic.module
        self._module: ModuleType | None = module  # given directly by a notebook's check cell

    def module(self) -> ModuleType:
        if self._module is None:
            path = self.directory / self.topic.filename
            if not path.is_file():
                raise SubmissionNotFound(missing_message(self.topic, self.directory))
            try:
                check_source(path.read_bytes(), self.topic, path.name)
            except PolicyError as error:
                raise SubmissionPolicyError(str(error)) from None
            try:
                self._module = load_module_from(path, self.module_name)
            except Exception as error:
                # Re-raised as it is, so `pytest --pdb` stops where the import failed; tagged for the report.
                _tag(error, **{STUDENT_IMPORT: self.topic.filename, STUDENT_FILE: str(path)})
                raise
        return self._module

    def run(self, source: str, *, timeout: float | None = None, **inputs: Any) -> Any:
        return plaindata.loads(self.answer_text(source, inputs))

    def answer_text(self, source: str, inputs: dict[str, Any]) -> str:
        """The snippet's answer as plain-data text, as the grader would receive it from a sandbox."""
        module = self.module()
        try:
            result = run_snippet(module, source, plaindata.round_trip(inputs))
        except Exception as error:
            # Re-raise the student's own exception so `pytest --pdb` lands in their code; the tags let the
            # report say what was called and show only the student's frames (see `as_reported`).
            error.add_note(f"(while running the test snippet: {one_line(source)})")
            _tag(error, **{STUDENT_SNIPPET: source, STUDENT_FILE: getattr(module, "__file__", None)})
            raise
        return plaindata.dumps(result)

    def close(self) -> None:
        sys.modules.pop(self.module_name, None)
