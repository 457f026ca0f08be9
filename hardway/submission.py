"""A student's module, as the tests see it.

A test never imports the student's module itself. It asks a `Submission` to
run a snippet (see `hardway.snippets`) and gets plain data back. Two kinds of
submission implement that one method:

* `InProcessSubmission` (here): the student's own `pytest` imports the module
  into the test process. Fast, and `pytest --pdb` stops inside their code.
* `IsolatedSubmission` (in `autograder.isolation`): the grader runs the module
  in a locked-down child process and only plain data comes back.

Both pass results through the same plain-data round trip, so a test that
passes on a student's machine passes in the grader, and the other way round.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from hardway import plaindata
from hardway.catalogue import Topic
from hardway.policy import PolicyError, check_source
from hardway.snippets import one_line, run_snippet


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

    def close(self) -> None: ...


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


class InProcessSubmission:
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
            self._module = load_module_from(path, self.module_name)
        return self._module

    def run(self, source: str, *, timeout: float | None = None, **inputs: Any) -> Any:
        module = self.module()
        try:
            result = run_snippet(module, source, plaindata.round_trip(inputs))
        except Exception as error:
            # Re-raise the student's own exception so `pytest --pdb` lands in their code.
            error.add_note(f"(while running the test snippet: {one_line(source)})")
            raise
        return plaindata.round_trip(result)

    def close(self) -> None:
        sys.modules.pop(self.module_name, None)
