"""The sandbox side of grading: the only process in which a student's code runs.

In the jail, `serve` runs in a process forked from a warm zygote
(`hardway.zygote`), which has already imported the exercise's libraries and
walled the process off; where no jail can be made, `autograder.sandbox` starts
this module as a plain child process with `python -I -S`. Either way the
environment is scrubbed and the working folder holds nothing but the
student's file. The worker:

1. moves the protocol off stdin/stdout (so a `print` can never forge a reply)
   and sends everything the student writes to a size-capped file;
2. sets its resource limits, imports the exercise's libraries, and checks the
   source against the exercise's rules (`hardway.policy`) before any of it runs,
   here where parsing a hostile file can only exhaust this process;
3. imports the student's module once, and reports how that went;
4. answers requests forever: run a snippet, reply with plain data only
   (`hardway.protocol` gives the message shapes).

The import blocker below is a courtesy that turns a forbidden import into a
clear message. It is not a wall: the student's code can remove it. The wall is
the jail's filesystem, which holds no forbidden library at all.

The grader kills this process whenever it misbehaves and starts a new one
(in the jail: forks a new one from the zygote).
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import signal
import sys
import time
import traceback
from importlib.abc import MetaPathFinder
from pathlib import Path
from typing import Any, BinaryIO

OUTPUT_TAIL_CHARS = 2000
_MIB = 1024 * 1024


class ImportBlocker(MetaPathFinder):
    """Refuses to import the named top-level packages, with the exercise's reason."""

    def __init__(self, blocked: list[str], reason: str) -> None:
        self.blocked = set(blocked)
        self.reason = reason

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.split(".", 1)[0] in self.blocked:
            raise ImportError(f"importing {fullname} is not allowed here: {self.reason}")
        return None


def set_limits(config: dict[str, Any]) -> None:
    """Cap memory, CPU time, file size and process count (soft and hard alike)."""
    limits = {
        # RLIMIT_DATA rather than RLIMIT_AS: it counts memory actually asked for, not address space that
        # CUDA and BLAS libraries reserve but never touch, which RLIMIT_AS would refuse outright.
        resource.RLIMIT_DATA: config["memory_mib"] * _MIB,
        resource.RLIMIT_CPU: config["cpu_seconds"],
        resource.RLIMIT_FSIZE: config["file_size_mib"] * _MIB,
        resource.RLIMIT_CORE: 0,
    }
    if os.geteuid() != 0:  # root ignores RLIMIT_NPROC; the parent's process group kill covers it
        limits[resource.RLIMIT_NPROC] = config["max_processes"]
    for which, value in limits.items():
        if value is not None:
            resource.setrlimit(which, (value, value))
    # Writing past the file-size cap then raises OSError in the student's print
    # instead of killing the process with SIGXFSZ.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def describe_error(error: BaseException, student_file: str) -> dict[str, str]:
    """Type, message and the student's own frames of the traceback."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == student_file]
    if isinstance(error, SystemExit):
        message = f"your code called sys.exit({error.code!r}); return a value instead of exiting"
    else:
        try:
            message = str(error)
        except BaseException:  # noqa: BLE001 - a broken __str__ must not stop the reply
            message = "<the exception's message could not be shown>"
    where = "".join(traceback.format_list(frames[-6:]))
    if isinstance(error, SyntaxError) and error.filename == student_file:
        where = f'  File "{os.path.basename(student_file)}", line {error.lineno}\n    {(error.text or "").strip()}\n'
    return {"type": type(error).__name__, "message": message[:2000], "traceback": where[-3000:]}


class Capture:
    """The file that receives the student's stdout and stderr; emptied after each request."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        os.dup2(self.fd, 1)
        os.dup2(self.fd, 2)
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)

    @staticmethod
    def _flush() -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass

    def take(self) -> str:
        """Everything written since the last call (its tail), then start afresh."""
        self._flush()
        size = os.fstat(self.fd).st_size
        start = max(0, size - OUTPUT_TAIL_CHARS * 4)
        data = os.pread(self.fd, size - start, start).decode("utf-8", errors="replace")
        os.ftruncate(self.fd, 0)
        self._flush()  # a flush refused at the size cap left data in the buffer: drop it too
        os.ftruncate(self.fd, 0)
        text = data[-OUTPUT_TAIL_CHARS:]
        if size > OUTPUT_TAIL_CHARS:
            text = f"[... {size:,} bytes of output in all; the last part follows ...]\n" + text
        return text


def send(channel: BinaryIO, message: dict[str, Any]) -> None:
    from hardway import plaindata, protocol

    if "value" in message:
        message["value"] = plaindata.to_plain(message["value"])
    channel.write(protocol.encode(message))
    channel.flush()


def policy_refusal(config: dict[str, Any]) -> str | None:
    """Why the exercise's rules refuse this file, or None (read as bytes, decoded as Python would)."""
    from hardway.catalogue import topic_by_module
    from hardway.policy import PolicyError, check_source

    path = Path(config["module_path"])
    try:
        check_source(path.read_bytes(), topic_by_module(config["module_name"]), path.name)
    except PolicyError as error:
        return str(error)
    return None


def serve(config: dict[str, Any]) -> None:
    sys.dont_write_bytecode = True  # leave the sandbox holding only the student's file
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    capture = Capture(config["output_path"])
    set_limits(config)

    for name in config["preload"]:  # before the blocker, so a library's own imports are unaffected
        importlib.import_module(name)

    from hardway import plaindata
    from hardway.snippets import run_snippet
    from hardway.submission import load_module_from

    sys.meta_path.insert(0, ImportBlocker(config["blocked_imports"], config["blocked_reason"]))
    student_file = config["module_path"]
    started = time.perf_counter()
    module = None
    ready: dict[str, Any] = {"ready": True, "refused": policy_refusal(config), "import_error": None}
    if ready["refused"] is None:
        try:
            module = load_module_from(Path(student_file), config["module_name"])
        except BaseException as error:  # noqa: BLE001 - report every failure, even SystemExit
            ready["import_error"] = describe_error(error, student_file)
    ready["seconds"] = time.perf_counter() - started
    ready["output"] = capture.take()
    send(replies, ready)

    for line in requests:
        request = json.loads(line)
        started = time.perf_counter()
        try:
            if module is None:
                raise RuntimeError("the module failed to import")
            inputs = plaindata.from_plain(request["inputs"])
            reply: dict[str, Any] = {"ok": True, "value": run_snippet(module, request["source"], inputs)}
        except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
            reply = {"ok": False, "error": describe_error(error, student_file)}
        reply["id"] = request["id"]
        reply["seconds"] = time.perf_counter() - started
        reply["output"] = capture.take()
        try:
            send(replies, reply)
        except (TypeError, ValueError) as error:  # an unencodable value must still get a reply
            send(replies, {"id": request["id"], "ok": False, "output": reply["output"], "seconds": reply["seconds"],
                           "error": {"type": type(error).__name__, "message": str(error), "traceback": ""}})


def main() -> None:
    serve(json.loads(sys.argv[1]))


if __name__ == "__main__":
    main()
