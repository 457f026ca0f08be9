"""Start the worker in its jail, send it snippets, read its untrusted replies.

`IsolatedSubmission` is what a grading test's `submission` fixture is: `run`
sends one snippet and returns plain data. One worker serves all of a topic's
tests; it is replaced only after it died or timed out. In the jail a worker is
forked from a warm zygote (`autograder.sandbox.zygote`), so it starts with the
exercise's libraries already imported; without namespaces it is a plain child
process that imports them itself. Time spent waiting on the student's code
draws from the topic's budget and from the submission's, so no submission can
make grading last longer than its budget.
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
from pathlib import Path
from typing import IO, Any, BinaryIO

import hardway
from hardway import plaindata, protocol
from hardway.catalogue import Topic
from hardway.snippets import one_line
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

from autograder.sandbox import jail, view, zygote
from autograder.sandbox.cgroup import ProcessCap
from autograder.sandbox.limits import Budget, Limits

#: Largest reply (bytes) the grader reads from the worker unless a test asks for more.
MAX_REPLY_BYTES = 4 * 1024 * 1024
#: Largest source file the grader hands to a sandbox.
MAX_SOURCE_BYTES = 1024 * 1024
#: Packages the worker refuses to import with a message (the jail does not hold them anyway).
GRADER_PACKAGES = ("autograder", "solutions")
#: Variables passed through to the worker; everything else (tokens, paths) stays out.
PASSED_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "CUDA_VISIBLE_DEVICES")


def describe_exit(returncode: int | None) -> str:
    """Say in words how the worker ended, with the likely cause."""
    if returncode is None:
        return "stopped answering"
    if returncode < 0 or returncode > 128:
        number = -returncode if returncode < 0 else returncode - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        causes = {
            "SIGSEGV": "a crash inside a C extension, or recursion too deep",
            "SIGKILL": "it was killed, usually for using too much memory",
            "SIGXCPU": "it used up its CPU-time limit",
            "SIGABRT": "an internal abort, often a failed memory allocation",
        }
        return f"was killed by {name} ({causes.get(name, 'an unexpected signal')})"
    return f"exited with status {returncode} (did your code call os._exit or exit the interpreter?)"


class PlainWorker:
    """A worker run as a plain child process (isolation "process"), with its pids cgroup and private folder."""

    def __init__(self, process: subprocess.Popen[bytes], process_cap: ProcessCap | None, workdir: Path) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self.process_cap = process_cap
        self.workdir = workdir
        self.stdin: IO[bytes] = process.stdin
        self.stdout: IO[bytes] = process.stdout

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait(self) -> int | None:
        return self.process.wait()

    def kill(self) -> None:
        """Kill the worker and everything it started, and remove its folder."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        for stream in (self.stdin, self.stdout):
            stream.close()
        if self.process_cap is not None:
            self.process_cap.remove()
        shutil.rmtree(self.workdir, ignore_errors=True)


Worker = PlainWorker | zygote.ForkedWorker


def worker_environment(home: str, search_path: list[str], tmpdir: str) -> dict[str, str]:
    """The worker's whole environment: the grader's own variables stay out, bar a few hardware hints."""
    environment = {"PATH": os.defpath, "HOME": home, "TMPDIR": tmpdir, "USER": "student", "LANG": "C.UTF-8",
                   "LC_ALL": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{home}/.matplotlib",
                   "PYTHONDONTWRITEBYTECODE": "1",
                   # A new Python started by the student's code (e.g. to resume training) finds the same libraries.
                   "PYTHONPATH": os.pathsep.join(search_path)}
    environment.update({name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ})
    return environment


def jail_view(topic: Topic, limits: Limits) -> zygote.View:
    """The zygote view a topic's workers come from: libraries, preloaded modules, process cap, environment."""
    environment = worker_environment(view.STUDENT_HOME, [view.LIBRARY_MOUNT, view.SITE_MOUNT], "/tmp")
    return zygote.View(libraries=topic.libraries, preload=topic.preload, max_processes=limits.max_processes,
                       environment=tuple(sorted(environment.items())))


def warm_up(topics: list[Topic]) -> None:
    """Start the zygotes these topics need, without waiting: their imports overlap the grader's own start."""
    if jail.isolation_mode() == jail.NAMESPACES:
        for topic in topics:
            zygote.POOL.warm(jail_view(topic, Limits.for_topic(topic)))


class IsolatedSubmission(hardway.submission.CallsProbes):
    """A student's module living in a jailed worker process; `run` sends it one snippet."""

    def __init__(self, topic: Topic, directory: Path, limits: Limits | None = None, *,
                 budget: Budget | None = None, refusal: str | None = None) -> None:
        self.topic = topic
        self.directory = Path(directory)
        self.limits = limits or Limits.for_topic(topic)
        self.isolation = jail.isolation_mode()
        self.starts = 0
        self.topic_budget = Budget(self.limits.topic_budget_s, f"exercise {topic.number}")
        self.budget = budget  # shared by every topic of one submission
        #: The task whose test is running (the grading plugin sets it); its calls also draw from its own budget.
        self.task: str | None = None
        self._task_budgets: dict[str, Budget] = {}
        self._worker: Worker | None = None
        self._import_error: SubmissionError | None = None
        self._next_id = 0
        self._output: list[str] = []
        self._refusal: SubmissionError | None = SubmissionNotFound(refusal) if refusal else self._precheck()

    def _precheck(self) -> SubmissionError | None:
        """A missing, linked or oversized file: decided without running anything."""
        path = self.directory / self.topic.filename
        if path.is_symlink():
            return SubmissionNotFound(f"{self.topic.filename} is a symbolic link; submit the file itself.")
        if not path.is_file():
            return SubmissionNotFound(missing_message(self.topic, self.directory))
        if path.stat().st_size > MAX_SOURCE_BYTES:
            return SubmissionNotFound(f"{self.topic.filename} is larger than {MAX_SOURCE_BYTES // 1024} KiB; "
                                      "a solution is a few hundred lines: remove data or generated code from it.")
        return None

    # -- the worker's life ------------------------------------------------------------------

    def _config(self) -> dict[str, Any]:
        return zygote.worker_config(
            self.topic.module, self.limits, max_source_bytes=MAX_SOURCE_BYTES,
            blocked_imports=list(self.topic.forbidden_imports) + list(GRADER_PACKAGES),
            blocked_reason=self.topic.forbidden_reason or "the grader's own code is off limits",
            preload=list(self.topic.preload))

    def _start_jailed(self, source: BinaryIO) -> Worker:
        """A worker forked from the topic's warm zygote (see `autograder.sandbox.zygote`)."""
        return zygote.POOL.worker(jail_view(self.topic, self.limits), self._config(), source)

    def _start_plain(self, source: BinaryIO) -> Worker:
        """No namespaces here: a plain child process in a private temporary folder (see jail.why_no_namespaces)."""
        workdir = Path(tempfile.mkdtemp(prefix="hardway-sandbox-"))
        home, library = workdir / "work", workdir / "lib"
        home.mkdir()
        shutil.copytree(Path(hardway.__file__).parent, library / "hardway",
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copyfileobj(source, (home / self.topic.filename).open("wb"))
        search_path = [str(library)] + sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
        config = self._config()
        config.update(module_path=str(home / self.topic.filename), output_path=str(workdir / "output.txt"))
        process_cap = ProcessCap.make(self.limits.max_processes)
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _bootstrap(search_path), json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=home,
            env=worker_environment(str(home), search_path, str(home)), start_new_session=True,
            preexec_fn=process_cap.join if process_cap else None,
        )
        return PlainWorker(process, process_cap, workdir)

    def _spawn(self) -> None:
        self.close()
        self.starts += 1
        with (self.directory / self.topic.filename).open("rb") as source:
            jailed = self.isolation == jail.NAMESPACES
            self._worker = self._start_jailed(source) if jailed else self._start_plain(source)
        try:
            hello = self._receive(self.limits.start_timeout_s, "importing your module")
        except SubmissionError as error:  # a stalled or crashing import is not retried for every test
            self._import_error = type(error)(f"{error} Fix this first: no test can run until the module imports.")
            raise self._import_error from None
        self._output.append(str(hello.get("output", "")))
        if hello.get("refused"):
            self._refusal = SubmissionPolicyError(str(hello["refused"]))
            self.close()
            raise self._refusal
        import_error = hello.get("import_error")
        if import_error:
            kind, message, where = protocol.error_details(import_error)
            where = f"\n{where}" if where else ""
            self._import_error = SubmissionImportFailed(
                f"{self.topic.filename} could not be imported: {kind}: {message}{where}"
                "Fix this first: no test can run until the module imports."
            )

    def close(self) -> None:
        """End the worker and everything it started (a jailed worker's zygote stays, for the next student)."""
        if self._worker is not None:
            worker, self._worker = self._worker, None
            worker.kill()

    def __enter__(self) -> "IsolatedSubmission":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one exchange -----------------------------------------------------------------------

    def _budgets(self) -> list[Budget]:
        """The running task's budget (so one hanging function cannot starve the other tasks), the topic's
        and the submission's."""
        task_budget = None
        if self.task is not None:
            task_budget = self._task_budgets.setdefault(
                self.task, Budget(self.limits.task_budget_s, f"task {self.task}"))
        return [budget for budget in (task_budget, self.topic_budget, self.budget) if budget is not None]

    def _receive(self, timeout: float, doing: str, max_bytes: int = MAX_REPLY_BYTES) -> dict[str, Any]:
        """Read one reply line within `timeout` seconds (and the budgets), or kill the worker and say why."""
        budgets = self._budgets()
        limit = min([timeout, *(budget.remaining() for budget in budgets)])
        started = time.monotonic()
        try:
            raw = self._read_line(limit, doing, max_bytes)
        except SubmissionTimedOut:
            exhausted = [budget for budget in budgets if budget.remaining() <= limit]
            if exhausted:
                raise SubmissionTimedOut(exhausted[0].message()) from None
            raise
        finally:
            for budget in budgets:
                budget.charge(started)
        try:
            return protocol.decode_reply(raw)
        except protocol.ProtocolError as error:
            self.close()
            raise SubmissionCrashed(f"the process running your code sent {error} while {doing}.") from None

    def _read_line(self, timeout: float, doing: str, max_bytes: int) -> bytes:
        assert self._worker is not None
        stream = self._worker.stdout
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
                    returncode = self._worker.wait()
                    self.close()
                    raise SubmissionCrashed(f"the process running your code {describe_exit(returncode)} while {doing}.")
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    self.close()
                    raise SubmissionCrashed(f"your code returned more than {max_bytes / 2**20:g} MiB of data while "
                                            f"{doing}; the test expects much less.")
                if chunk.endswith(b"\n"):
                    return b"".join(chunks)

    def take_output(self) -> str:
        """What the student's code printed since the last call of this method."""
        text, self._output = "".join(self._output), []
        return text

    def blocking_error(self) -> SubmissionError | None:
        """Why no call can succeed any more (refused, not importable, out of time), or None."""
        if self._refusal is not None:
            return self._refusal
        if self._import_error is not None:
            return self._import_error
        for budget in self._budgets():
            if budget.exhausted:
                return SubmissionTimedOut(budget.message())
        return None

    def run(self, source: str, *, timeout: float | None = None, max_reply_bytes: int = MAX_REPLY_BYTES,
            **inputs: Any) -> Any:
        blocked = self.blocking_error()
        if blocked is not None:
            raise blocked
        if self._worker is None or not self._worker.alive():
            self._spawn()
            if self._import_error is not None:
                raise self._import_error
        self._next_id += 1
        request = {"id": self._next_id, "source": source, "inputs": plaindata.to_plain(inputs)}
        assert self._worker is not None
        try:
            self._worker.stdin.write(protocol.encode(request))
            self._worker.stdin.flush()
        except BrokenPipeError:
            returncode = self._worker.wait()
            self.close()
            raise SubmissionCrashed(f"the process running your code {describe_exit(returncode)}.") from None
        reply = self._receive(timeout or self.limits.call_timeout_s, f"running: {one_line(source)}", max_reply_bytes)
        self._output.append(str(reply.get("output", "")))
        if reply.get("id") != self._next_id:
            self.close()
            raise SubmissionCrashed("the process running your code answered out of turn; it was restarted.")
        if reply.get("ok") is not True:
            raise StudentCodeRaised(*protocol.error_details(reply.get("error")), source)
        try:
            return plaindata.from_plain(reply.get("value"))
        except (plaindata.PlainDataError, RecursionError, MemoryError) as error:
            raise SubmissionCrashed(f"your code's result could not be read back ({error}).") from None


def _bootstrap(search_path: list[str]) -> str:
    return f"import sys; sys.path[:0] = {search_path!r}; from hardway.worker import main; main()"
