"""Run a student's module in a locked-down child process and talk to it.

The grader's process holds the tests, the expected values and the scores; the
student's code only ever runs in the child started here (`hardway.worker`):

* `python -I -S`, an environment with nothing but a few harmless variables,
  a fresh temporary directory holding only a copy of the student's file;
* limits on memory (data size), CPU time, file size and processes, and a
  wall-clock timeout per call enforced from this side, which kills the
  child's whole process group;
* replies are size-capped JSON decoded by `hardway.plaindata` (never pickle).

One child serves all of a topic's tests and is restarted only after it died
or timed out, so grading costs one interpreter start plus the tests' compute.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hardway
from hardway import plaindata
from hardway.catalogue import Topic
from hardway.policy import PolicyError, check_source
from hardway.submission import (
    StudentCodeRaised,
    SubmissionCrashed,
    SubmissionError,
    SubmissionImportFailed,
    SubmissionNotFound,
    SubmissionPolicyError,
    SubmissionTimedOut,
    missing_message,
)
from hardway.snippets import one_line

#: Largest reply (bytes) the grader reads from the child.
MAX_REPLY_BYTES = 64 * 1024 * 1024
#: Packages the child may never import, whatever the exercise.
GRADER_PACKAGES = ("autograder", "solutions")
#: Variables passed through to the child; everything else (tokens, paths) stays out.
PASSED_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "CUDA_VISIBLE_DEVICES")


@dataclass(frozen=True)
class Limits:
    memory_mib: int = 2048
    cpu_seconds: int = 300
    output_mib: int = 8
    max_processes: int = 64
    start_timeout_s: float = 30.0
    call_timeout_s: float = 10.0

    @classmethod
    def for_topic(cls, topic: Topic) -> "Limits":
        return cls(memory_mib=topic.memory_limit_mib, call_timeout_s=topic.call_timeout_s,
                   output_mib=topic.file_size_limit_mib)


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def describe_exit(returncode: int | None) -> str:
    """Say in words how the child ended, with the likely cause."""
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        name = _signal_name(returncode)
        causes = {
            "SIGSEGV": "a crash inside a C extension, or recursion too deep",
            "SIGKILL": "it was killed, usually for using too much memory",
            "SIGXCPU": "it used up its CPU-time limit",
            "SIGABRT": "an internal abort, often a failed memory allocation",
        }
        return f"was killed by {name} ({causes.get(name, 'an unexpected signal')})"
    return f"exited with status {returncode} (did your code call os._exit or exit the interpreter?)"


class IsolatedSubmission:
    """A student's module living in a child process; `run` sends it one snippet."""

    def __init__(self, topic: Topic, directory: Path, limits: Limits | None = None) -> None:
        self.topic = topic
        self.directory = Path(directory)
        self.limits = limits or Limits.for_topic(topic)
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._import_error: SubmissionError | None = None
        self._next_id = 0
        self._output: list[str] = []
        self._refusal: Exception | None = self._precheck()

    # -- before anything runs ---------------------------------------------------------

    def _precheck(self) -> Exception | None:
        """Missing file or policy breach: decided once, without running any student code."""
        path = self.directory / self.topic.filename
        if path.is_symlink():
            return SubmissionNotFound(f"{self.topic.filename} is a symbolic link; submit the file itself.")
        if not path.is_file():
            return SubmissionNotFound(missing_message(self.topic, self.directory))
        try:
            source = path.read_bytes().decode("utf-8", errors="replace")
            check_source(source, self.topic, path.name)
        except PolicyError as error:
            return SubmissionPolicyError(str(error))
        return None

    # -- the child's life -----------------------------------------------------------------

    def _spawn(self) -> None:
        self.close()
        self.starts += 1
        self._workdir = Path(tempfile.mkdtemp(prefix="hardway-sandbox-"))
        sandbox = self._workdir / "work"
        library = self._workdir / "lib"
        sandbox.mkdir()
        shutil.copytree(Path(hardway.__file__).parent, library / "hardway", ignore=shutil.ignore_patterns("__pycache__"))
        student_file = sandbox / self.topic.filename
        shutil.copyfile(self.directory / self.topic.filename, student_file)
        config = {
            "module_path": str(student_file),
            "module_name": self.topic.module,
            "output_path": str(self._workdir / "output.txt"),
            "blocked_imports": list(self.topic.forbidden_imports) + list(GRADER_PACKAGES),
            "blocked_reason": self.topic.forbidden_reason or "the grader's own code is off limits",
            "memory_mib": self.limits.memory_mib,
            "cpu_seconds": self.limits.cpu_seconds,
            "output_mib": self.limits.output_mib,
            "max_processes": self.limits.max_processes,
            "preload": list(self.topic.preload),
        }
        search_path = [str(library)] + sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
        bootstrap = f"import sys; sys.path[:0] = {search_path!r}; from hardway.worker import main; main()"
        environment = {"PATH": os.defpath, "HOME": str(sandbox), "TMPDIR": str(sandbox), "LANG": "C.UTF-8",
                       "LC_ALL": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                       "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
        environment.update({name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ})
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", bootstrap, json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=sandbox, env=environment, start_new_session=True,
        )
        hello = self._receive(self.limits.start_timeout_s, "importing your module")
        self._output.append(str(hello.get("output", "")))
        error = hello.get("import_error")
        self._import_error = None
        if error:
            where = f"\n{error['traceback']}" if error.get("traceback") else ""
            self._import_error = SubmissionImportFailed(
                f"{self.topic.filename} could not be imported: {error['type']}: {error['message']}{where}"
                "Fix this first: no test can run until the module imports."
            )

    def close(self) -> None:
        """Kill the child and its whole process group, and remove its directory."""
        if self._process is not None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                if stream:
                    stream.close()
            self._process = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> "IsolatedSubmission":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one exchange ------------------------------------------------------------------

    def _receive(self, timeout: float, doing: str) -> dict[str, Any]:
        """Read one reply line within `timeout` seconds, or kill the child and say why."""
        assert self._process is not None and self._process.stdout is not None
        stream = self._process.stdout
        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        size = 0
        with selectors.DefaultSelector() as selector:
            selector.register(stream, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    self.close()
                    raise SubmissionTimedOut(
                        f"your code did not finish within {timeout:g} s while {doing}. "
                        "Look for a loop that never ends (or one that is far too slow)."
                    )
                chunk = os.read(stream.fileno(), 1 << 20)
                if not chunk:
                    returncode = self._process.wait()
                    self.close()
                    raise SubmissionCrashed(f"the process running your code {describe_exit(returncode)} while {doing}.")
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    self.close()
                    raise SubmissionCrashed(f"your code returned more than {MAX_REPLY_BYTES // 2**20} MiB of data while {doing}.")
                if chunk.endswith(b"\n"):
                    break
        try:
            return json.loads(b"".join(chunks))
        except json.JSONDecodeError:
            self.close()
            raise SubmissionCrashed(f"the process running your code sent a garbled reply while {doing}.") from None

    def take_output(self) -> str:
        """What the student's code printed since the last call of this method."""
        text, self._output = "".join(self._output), []
        return text

    def run(self, source: str, *, timeout: float | None = None, **inputs: Any) -> Any:
        if self._refusal is not None:
            raise self._refusal
        if self._process is None or self._process.poll() is not None:
            self._spawn()
        if self._import_error is not None:
            raise self._import_error
        self._next_id += 1
        request = {"id": self._next_id, "source": source, "inputs": plaindata.to_plain(inputs)}
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request, allow_nan=False).encode() + b"\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            returncode = self._process.wait()
            self.close()
            raise SubmissionCrashed(f"the process running your code {describe_exit(returncode)}.") from None
        reply = self._receive(timeout or self.limits.call_timeout_s, f"running: {one_line(source)}")
        self._output.append(str(reply.get("output", "")))
        if reply.get("id") != self._next_id:
            self.close()
            raise SubmissionCrashed("the process running your code answered out of turn; it was restarted.")
        if not reply.get("ok"):
            error = reply.get("error") or {}
            raise StudentCodeRaised(str(error.get("type")), str(error.get("message")), str(error.get("traceback", "")), source)
        try:
            return plaindata.from_plain(reply.get("value"))
        except plaindata.PlainDataError as error:
            raise SubmissionCrashed(f"your code's result could not be read back ({error}).") from None

