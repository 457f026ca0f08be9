"""The grader's side of warm jailed workers: keep zygotes, ask them for one fresh worker per student.

A zygote (`hardway.zygote`, whose docstring says how each worker is walled
off) is a jailed process that has already imported an exercise's libraries.
This module keeps the zygotes of one grading process, one per *view* (the
libraries shown, the modules preloaded, the process cap and the environment),
and more of a view only when several of its students are graded at once: a
zygote serves one worker at a time, and forks the next only once the last
one's pid namespace is empty. The zygote and its workers share one `pids`
cgroup (`autograder.sandbox.cgroup`), so the cap counts the zygote's few
processes too.

Nothing here trusts a worker: its replies travel on pipes the launcher reads
as before. The zygote is trusted (it runs no student code), but if it dies or
stops answering it is killed and a new one started; only its worker of the
moment is lost with it.
"""

from __future__ import annotations

import atexit
import json
import multiprocessing.util
import os
import signal
import socket
import subprocess
import threading
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any, BinaryIO

from autograder.sandbox import jail, view
from autograder.sandbox.cgroup import ProcessCap

#: Seconds a zygote may take to start and import its libraries (torch on a loaded 2-core machine: ~10 s).
ZYGOTE_START_TIMEOUT_S = 120.0
#: Seconds a zygote may take to fork a worker, or to tell how the last one ended.
ZYGOTE_ANSWER_TIMEOUT_S = 20.0
MAX_MESSAGE = 1 << 16


class ZygoteFailed(RuntimeError):
    """A zygote could not start, fork or answer: a problem of the grading machine, not of the submission."""


@dataclass(frozen=True)
class View:
    """What makes two workers interchangeable: they can come from the same zygote."""

    libraries: tuple[str, ...]
    preload: tuple[str, ...]
    max_processes: int
    environment: tuple[tuple[str, str], ...]


def bootstrap(entry: str, config: dict[str, Any]) -> list[str]:
    """`python` arguments that run `hardway.<entry>.main()` with only the view's folders on the path."""
    search_path = [view.LIBRARY_MOUNT, view.SITE_MOUNT]
    code = f"import sys; sys.path[:0] = {search_path!r}; from hardway.{entry} import main; main()"
    return ["-I", "-S", "-c", code, json.dumps(config)]


class Zygote:
    """One jailed zygote process and its control socket."""

    def __init__(self, view_: View, *, probe: bool = False) -> None:
        self.view = view_
        self.process_cap = ProcessCap.make(view_.max_processes)
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = jail.zygote_command(bootstrap("zygote", {"preload": list(view_.preload), "probe": probe}),
                                      libraries=view_.libraries, environment=dict(view_.environment),
                                      allow_gpu="torch" in view_.libraries,
                                      die_with_parent=threading.current_thread() is threading.main_thread())
        try:
            self.process = subprocess.Popen(command, stdin=theirs.fileno(), stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True,
                                            preexec_fn=self.process_cap.join if self.process_cap else None)
        except OSError as error:
            self._control.close()
            if self.process_cap is not None:
                self.process_cap.remove()
            raise ZygoteFailed(f"the grading jail could not be started ({error})") from None
        finally:
            theirs.close()
        self.facts: dict[str, Any] | None = None
        self.busy = False

    def receive(self, timeout: float, doing: str) -> dict[str, Any]:
        """The zygote's next message; ZygoteFailed (and the zygote closed) if none comes in time."""
        self._control.settimeout(timeout)
        try:
            data = self._control.recv(MAX_MESSAGE)
        except (TimeoutError, OSError) as error:
            self.close()
            raise ZygoteFailed(f"the grading jail did not answer while {doing} ({error or 'timed out'})") from None
        if not data:
            returncode = self.process.poll()
            self.close()
            raise ZygoteFailed(f"the grading jail ended (status {returncode}) while {doing}")
        return json.loads(data)

    def message_if_any(self) -> dict[str, Any] | None:
        """The zygote's next message if one is waiting (an empty one if the zygote is gone), else None."""
        self._control.setblocking(False)
        try:
            data = self._control.recv(MAX_MESSAGE)
        except BlockingIOError:
            return None
        except OSError:
            data = b""
        return json.loads(data) if data else {}

    def send(self, message: dict[str, Any], fds: Sequence[int] = ()) -> None:
        try:
            socket.send_fds(self._control, [json.dumps(message).encode()], list(fds))
        except OSError as error:
            self.close()
            raise ZygoteFailed(f"the grading jail could not be reached ({error})") from None

    def ready(self) -> dict[str, Any]:
        """Wait for the zygote's libraries to be imported; its facts (seconds, CUDA untouched, threads)."""
        if self.facts is None:
            facts = self.receive(ZYGOTE_START_TIMEOUT_S, f"importing {', '.join(self.view.preload)}")
            if not facts.get("ready"):
                self.close()
                raise ZygoteFailed(f"the grading jail could not import its libraries:\n{facts.get('error')}")
            if facts.get("cuda_initialized"):
                self.close()
                raise ZygoteFailed("the grading jail initialised CUDA before forking; its workers could not use it")
            self.facts = facts
        return self.facts

    def alive(self) -> bool:
        return self.process.poll() is None and self._control.fileno() >= 0

    def state(self) -> dict[str, Any]:
        """The zygote's facts now (for tests): CUDA still untouched, its thread count, its pid."""
        self.ready()
        self.send({"state": True})
        return self.receive(ZYGOTE_ANSWER_TIMEOUT_S, "telling its state")

    def fork(self, config: dict[str, Any], source: BinaryIO) -> "ForkedWorker":
        """A new worker for one student's module (`source`); its pipes are the grader's."""
        self.ready()
        requests_read, requests_write = os.pipe()
        replies_read, replies_write = os.pipe()
        try:
            self.send({"fork": config}, [requests_read, replies_write, source.fileno()])
        finally:
            os.close(requests_read)
            os.close(replies_write)
        answer = self.receive(ZYGOTE_ANSWER_TIMEOUT_S, "starting a worker")
        if "forked" not in answer:
            os.close(requests_write)
            os.close(replies_read)
            self.close()
            raise ZygoteFailed(f"the grading jail could not start a worker: {answer.get('error')}")
        self.busy = True
        return ForkedWorker(self, os.fdopen(requests_write, "wb"), os.fdopen(replies_read, "rb", buffering=0))

    def close(self) -> None:
        """Kill the zygote and every worker in it; remove its cgroup."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
        self._control.close()
        if self.process_cap is not None:
            self.process_cap.remove()
            self.process_cap = None


class ForkedWorker:
    """A worker forked by a zygote: the launcher writes `stdin`, reads `stdout`, and kills it when done."""

    def __init__(self, zygote: Zygote, stdin: BinaryIO, stdout: BinaryIO) -> None:
        self.zygote = zygote
        self.stdin = stdin
        self.stdout = stdout
        self._ended: dict[str, Any] | None = None

    def _take_end(self, timeout: float) -> dict[str, Any]:
        if self._ended is None:
            try:
                self._ended = self.zygote.receive(timeout, "ending a worker")
            except ZygoteFailed:  # the zygote died, and the worker with it: nothing more to learn
                self._ended = {"ended": None}
        return self._ended

    def alive(self) -> bool:
        """Still running: the zygote has not said that it ended (asked without waiting)."""
        if self._ended is not None or not self.zygote.alive():
            return False
        message = self.zygote.message_if_any()
        if message is None:
            return True
        self._ended = message or {"ended": None}
        return False

    def wait(self, timeout: float = ZYGOTE_ANSWER_TIMEOUT_S) -> int | None:
        """How the worker ended (its return code, negative for a signal), once it has; None if unknown.

        Raises ZygoteFailed if the worker could not build its walls (the zygote says so; no student can).
        """
        ended = self._take_end(timeout)
        if ended.get("error"):
            raise ZygoteFailed(f"the grading jail could not prepare a worker: {ended['error']}")
        return ended.get("ended")

    def kill(self) -> None:
        """End the worker and everything it started; the zygote is free again once its namespace is empty."""
        if self._ended is None and self.alive():
            try:
                self.zygote.send({"kill": True})
            except ZygoteFailed:
                pass
        if self.zygote.alive():
            self._take_end(ZYGOTE_ANSWER_TIMEOUT_S)
        for stream in (self.stdin, self.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.zygote.busy = False
        POOL.release(self.zygote)


class ZygotePool:
    """The zygotes of this grading process, by view; closed when the process exits."""

    def __init__(self) -> None:
        self._zygotes: dict[View, list[Zygote]] = {}
        self._owner = os.getpid()
        atexit.register(self.close)
        # A multiprocessing worker (the batch executor's) ends with os._exit, which skips atexit.
        multiprocessing.util.Finalize(self, self.close, exitpriority=10)

    def _mine(self) -> dict[View, list[Zygote]]:
        if os.getpid() != self._owner:  # a forked grader must not share its parent's zygotes
            self._zygotes = {}
            self._owner = os.getpid()
        return self._zygotes

    def warm(self, view_: View) -> None:
        """Start a zygote of this view if none is there, without waiting for it."""
        zygotes = self._mine().setdefault(view_, [])
        if not any(zygote.alive() for zygote in zygotes):
            zygotes.append(Zygote(view_))

    def worker(self, view_: View, config: dict[str, Any], source: BinaryIO) -> ForkedWorker:
        """A fresh worker from an idle zygote of the view (one is started if there is none)."""
        zygotes = self._mine().setdefault(view_, [])
        for dead in [zygote for zygote in zygotes if not zygote.alive()]:
            dead.close()
            zygotes.remove(dead)
        zygote = next((zygote for zygote in zygotes if not zygote.busy), None)
        if zygote is None:
            zygote = Zygote(view_)
            zygotes.append(zygote)
        return zygote.fork(config, source)

    def release(self, zygote: Zygote) -> None:
        """A zygote whose worker ended: closed and forgotten if it died, else kept for the next student."""
        if not zygote.alive():
            zygote.close()
            zygotes = self._mine().get(zygote.view, [])
            if zygote in zygotes:
                zygotes.remove(zygote)

    def zygotes(self, view_: View) -> list[Zygote]:
        return list(self._mine().get(view_, []))

    def close(self) -> None:
        for zygotes in self._mine().values():
            for zygote in zygotes:
                zygote.close()
        self._zygotes = {}


POOL = ZygotePool()


def probe_worker() -> str | None:
    """Why no worker can be walled off here (None if one can): a bare zygote forks one that stops when ready."""
    import tempfile

    from autograder.sandbox.limits import Limits
    from hardway.catalogue import TOPICS

    limits = Limits()
    probe = View(libraries=(), preload=(), max_processes=limits.max_processes,
                 environment=(("PATH", os.defpath),))
    zygote = None
    try:
        zygote = Zygote(probe, probe=True)
        with tempfile.TemporaryFile() as empty:
            config = worker_config(TOPICS[0].module, limits, max_source_bytes=16)
            worker = zygote.fork({**config, "probe": True}, empty)
        hello = worker.stdout.readline()
        worker.stdin.close()
        returncode = worker.wait()
        if b'"ready"' not in hello or returncode != 0:
            return f"a jailed worker could not start here: {hello.decode(errors='replace')[:300]} (status {returncode})"
        return None
    except (ZygoteFailed, OSError) as error:
        return f"a jailed worker could not start here: {error}"
    finally:
        if zygote is not None:
            zygote.close()


def worker_config(module: str, limits: Any, *, max_source_bytes: int, blocked_imports: Sequence[str] = (),
                  blocked_reason: str = "", preload: Sequence[str] = ()) -> dict[str, Any]:
    """A jailed worker's configuration: what `hardway.worker.serve` needs, and the folders made fresh for it."""
    disk = limits.disk_mib * 1024 * 1024
    folders = {view.STUDENT_HOME: {"bytes": disk, "mode": "0777"}, "/tmp": {"bytes": disk, "mode": "1777"},
               "/dev/shm": {"bytes": disk, "mode": "1777"},
               view.RUNTIME_DIR: {"bytes": 2 * limits.file_size_mib * 1024 * 1024, "mode": "0777"}}
    return {"module_path": f"{view.STUDENT_HOME}/{module}.py", "module_name": module,
            "output_path": f"{view.RUNTIME_DIR}/output.txt", "fresh_folders": folders,
            "max_source_bytes": max_source_bytes, "memory_mib": limits.memory_mib, "cpu_seconds": limits.cpu_seconds,
            "file_size_mib": limits.file_size_mib, "max_processes": limits.max_processes,
            "blocked_imports": list(blocked_imports), "blocked_reason": blocked_reason, "preload": list(preload)}
