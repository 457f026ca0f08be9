"""A new process for the tests that must show that a state survives on disk alone.

"Resume in a new process" asks: with nothing left of the first run but the
files it wrote, does training go on exactly as if never stopped? Starting a new
Python answers it, at the price of an interpreter start and torch's import
(over 2 s, once per test, once per student). A fork of the process that asks
costs a few milliseconds, and it becomes such a new process once it

* forgets the student's module, and every other module imported from that
  module's folder, so the module is imported afresh from its file and its
  globals start as a new interpreter's would;
* gives every random generator the state a new interpreter starts with:
  Python's and numpy's from the operating system's entropy, torch's its fixed
  default seed;
* runs torch on one thread, as the tests always have in a new process.

The fork keeps this process's walls (in the grader: the jailed worker's
namespaces, rlimits and read-only mounts) and ends with `os._exit`, so none of
the parent's code (pytest's, the grader's) ever runs in it. A process that has
initialised CUDA cannot use it in a fork, so there, and wherever fork itself
is refused, a new Python is started as before.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from importlib import import_module
from typing import Any, Callable

#: `torch.initial_seed()` in a new interpreter: torch's default generator starts from this fixed seed.
TORCH_DEFAULT_SEED = 67280421310721
ERROR_TAIL_CHARS = 1500


def run_in_new_process(module_file: str, work: Callable[[Any], Any], script: str,
                       timeout_s: float = 50.0) -> tuple[Any, str | None] | None:
    """`work(module)` in a new process that imports `module_file` afresh: (its JSON-able result, None), or
    (None, what went wrong); None where no new process may start at all.

    `script` is the same work as Python source for a new interpreter (it prints the result as JSON on its
    last line), used where no fork can serve.
    """
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_initialized():
        try:
            return _forked(module_file, work, timeout_s)
        except OSError:  # fork refused (a process cap): a new interpreter may still be allowed
            pass
    return _new_interpreter(module_file, script, timeout_s)


def _forked(module_file: str, work: Callable[[Any], Any], timeout_s: float) -> tuple[Any, str | None]:
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:
        os.close(read_end)
        _child(module_file, work, write_end)  # never returns
    os.close(write_end)
    message: bytes | None = None
    try:
        message = _read_all(read_end, timeout_s)
    finally:
        os.close(read_end)
        if message is None:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if message is None:
        return None, f"the new process took longer than {timeout_s:g} s"
    if not message:
        return None, f"the new process died without an answer (exit status {os.waitstatus_to_exitcode(status)})"
    try:
        reply = json.loads(message)
    except ValueError:
        return None, "the new process's answer was cut off"
    return reply.get("result"), reply.get("error")


def _read_all(fd: int, timeout_s: float) -> bytes | None:
    """Everything written to `fd` until its writer closes it; None if that takes longer than `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _child(module_file: str, work: Callable[[Any], Any], reply_fd: int) -> None:
    status = 0
    try:
        module = _fresh_import(module_file)
        reply: dict[str, Any] = {"result": work(module)}
    except BaseException:  # noqa: BLE001 - whatever the student's code did, the parent hears it
        reply = {"error": traceback.format_exc()[-ERROR_TAIL_CHARS:]}
        status = 1
    try:
        os.write(reply_fd, json.dumps(reply).encode())
    finally:
        os._exit(status)


def _fresh_import(module_file: str) -> Any:
    """Forget every module from `module_file`'s folder, re-seed the generators, import the module anew."""
    folder = os.path.dirname(os.path.abspath(module_file))
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and os.path.dirname(os.path.abspath(path)) == folder:
            del sys.modules[name]
    _reseed_as_new()
    os.chdir(folder)
    sys.path.insert(0, folder)
    return import_module(os.path.splitext(os.path.basename(module_file))[0])


def _reseed_as_new() -> None:
    import random

    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(TORCH_DEFAULT_SEED)
        torch.set_num_threads(1)


def _new_interpreter(module_file: str, script: str, timeout_s: float) -> tuple[Any, str | None] | None:
    try:
        done = subprocess.run([sys.executable, "-c", script], cwd=os.path.dirname(os.path.abspath(module_file)),
                              capture_output=True, text=True, timeout=timeout_s,
                              env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1", OMP_NUM_THREADS="1"))
    except subprocess.TimeoutExpired:
        return None, f"the new process took longer than {timeout_s:g} s"
    except OSError:  # a sandbox that may not start processes
        return None
    if done.returncode != 0:
        return None, done.stderr[-ERROR_TAIL_CHARS:]
    return json.loads(done.stdout.strip().splitlines()[-1]), None
