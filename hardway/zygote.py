"""The zygote: a warm, jailed process that forks one fresh worker per student.

`autograder.sandbox.zygote` starts this module inside the jail (the same
bubblewrap view a worker gets, see `autograder.sandbox.jail`), as user 0 of the
jail's own user namespace with two capabilities there, CAP_SYS_ADMIN and
CAP_SETFCAP, and none outside it. The zygote imports the exercise's libraries once (torch among them,
without ever initialising CUDA), then waits on its control socket. For each
student it forks a worker through three steps, all before the student's file
is even received:

    zygote --fork--> C1: new mount, pid, ipc, network and uts namespaces; forks; exits
                     `--> init (pid 1 of the new pid namespace): every mount it inherited made
                          read-only; a fresh /proc; fresh size-capped tmpfs over the home, /tmp,
                          /dev/shm and the output folder; forks; reaps until the worker ends
                          `--> worker (pid 2): a user namespace of its own, in which it is user
                               65534 and may make no further one; /proc/sys read-only; every
                               capability dropped (the bounding set too), no_new_privs; then
                               the student's file is copied in and `hardway.worker.serve` runs
                               on the grader's pipes.

Why nothing one student does reaches the next (or the zygote):

* memory: a worker is a fork, so its writes land on its own copy-on-write pages;
  the zygote never reads a student's byte (the file travels as a descriptor that
  only the worker reads) and runs none of their code;
* files: every mount the worker inherits is read-only, and the places it may
  write are tmpfs mounted afresh for it, gone with its mount namespace;
* processes: the worker's pid namespace dies with its init, which the kernel
  only lets go once every process in it is gone; the zygote forks the next
  worker only after that (one worker at a time), and a worker sees neither
  the zygote nor another worker, so it can signal or trace neither;
* kernel objects: System V and POSIX IPC, sockets and the hostname live in the
  worker's own namespaces.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import time
import traceback
from typing import Any

# Linux constants (linux/sched.h, linux/mount.h, linux/prctl.h, linux/capability.h).
CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 1024, 2048, 1 << 21, 1 << 24
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER, PR_CAP_AMBIENT = 24, 38, 36, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522

#: Mount options (as /proc/self/mountinfo spells them) that a remount must repeat, or the kernel refuses it.
MOUNT_OPTIONS = {"ro": MS_RDONLY, "nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                 "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}
#: Parts of /proc through which a process could change the kernel or the machine: read-only for workers.
PROC_COVERED = ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus")
#: The user and group a worker runs as, inside its own user namespace.
WORKER_ID = 65534
#: The modules a worker's `serve` needs, imported once here rather than in every worker.
WORKER_MODULES = ("hardway.worker", "hardway.plaindata", "hardway.protocol", "hardway.snippets",
                  "hardway.submission", "hardway.policy", "hardway.catalogue")
MAX_MESSAGE = 1 << 16

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


class SetupError(OSError):
    """A step of making a worker's walls failed; the worker is not started."""


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise SetupError(number, f"{what}: {os.strerror(number)}")


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), f"unshare({flags:#x})")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(_bytes(source), _bytes(target), _bytes(fstype), flags, _bytes(data)), f"mount {target}")


def prctl(option: int, argument: int = 0) -> None:
    _check(_libc.prctl(option, argument, 0, 0, 0), f"prctl({option}, {argument})")


# -- the filesystem -------------------------------------------------------------------------

def _unescape(field: str) -> str:
    """A path from /proc/self/mountinfo, whose spaces and odd bytes are written as octal escapes."""
    return field.encode().decode("unicode_escape").encode("latin-1").decode("utf-8", "surrogateescape")


def mounts() -> list[tuple[str, list[str]]]:
    """(mount point, per-mount options) of every mount this process sees, parents before children."""
    found = []
    with open("/proc/self/mountinfo") as table:
        for line in table:
            fields = line.split()
            found.append((_unescape(fields[4]), fields[5].split(",")))
    return found


def remount_read_only(path: str, options: list[str]) -> None:
    """Make one mount read-only, repeating the flags it has (a remount may not loosen a locked flag)."""
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY
    for option in options:
        flags |= MOUNT_OPTIONS.get(option, 0)
    mount(None, path, None, flags)


def freeze_inherited_mounts() -> None:
    """Every mount the worker would share with the zygote becomes read-only (/proc is replaced instead)."""
    for path, options in mounts():
        if path == "/proc" or path.startswith("/proc/") or "ro" in options:
            continue
        remount_read_only(path, options)


def fresh_folders(folders: dict[str, dict[str, Any]]) -> None:
    """A new, empty, size-capped tmpfs over each folder the student may write ({path: {"bytes", "mode"}})."""
    for path, spec in folders.items():
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(spec['bytes'])},mode={spec['mode']}")


def cover_proc() -> None:
    for path in PROC_COVERED:
        if os.path.lexists(path):
            mount(path, path, None, MS_BIND | MS_REC)
            remount_read_only(path, ["nosuid", "nodev", "noexec", "relatime"])


# -- the worker's identity -----------------------------------------------------------------------

class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def become_unprivileged_user() -> None:
    """A user namespace of the worker's own: user and group 65534, no way to make another user namespace.

    The zygote's namespace maps only user 0, so the worker makes a nested one
    mapping 65534 to it (as bubblewrap does), sets its limit of user namespaces
    to 0 while it still may, and covers /proc/sys and friends read-only.
    """
    unshare(CLONE_NEWUSER | CLONE_NEWNS)
    for name, text in (("setgroups", "deny"), ("uid_map", f"{WORKER_ID} 0 1"), ("gid_map", f"{WORKER_ID} 0 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)
    with open("/proc/sys/user/max_user_namespaces", "w") as handle:
        handle.write("0")
    cover_proc()


def drop_capabilities() -> None:
    """Empty the bounding, ambient, effective, permitted and inheritable sets; forbid gaining any back."""
    with open("/proc/sys/kernel/cap_last_cap") as handle:
        last = int(handle.read())
    for capability in range(last + 1):
        prctl(PR_CAPBSET_DROP, capability)
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    _check(_libc.capset(ctypes.byref(_CapHeader(LINUX_CAPABILITY_VERSION_3, 0)), (_CapData * 2)()), "capset")
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def set_worker_limits(config: dict[str, Any]) -> None:
    from hardway.worker import set_limits

    set_limits(config)


def receive_file(source_fd: int, path: str, max_bytes: int) -> None:
    """Copy the student's file from the descriptor the grader sent; done by the unprivileged worker."""
    with os.fdopen(source_fd, "rb") as source, open(path, "wb") as target:
        target.write(source.read(max_bytes + 1)[:max_bytes])
    os.chmod(path, 0o644)


def reseed_generators() -> None:
    """Give the worker fresh random states, as a new interpreter would have (Python's `random` does this itself)."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


# -- the three processes ------------------------------------------------------------------------

def _close_all_but(keep: set[int]) -> None:
    for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def lock_down(config: dict[str, Any], source: int) -> None:
    """The worker's own walls, then the student's file: nothing of theirs is read before this."""
    become_unprivileged_user()
    drop_capabilities()
    set_worker_limits(config)
    os.chdir(os.path.dirname(config["module_path"]))
    receive_file(source, config["module_path"], config["max_source_bytes"])


def run_worker(config: dict[str, Any], requests: int, replies: int, source: int, status: int) -> None:
    """Pid 2 of the new namespace: lock itself down, then serve the grader on its pipes.

    A failure to lock down is reported on the status pipe, which the worker
    closes before it receives the student's file, so no student can forge one.
    """
    _exit_after(lock_down, config, source, report=status, then=True)
    os.close(status)
    try:
        if config.get("probe"):  # the grader only asks whether the walls can be built here
            os.write(replies, b'{"ready": true}\n')
            os._exit(0)
        os.dup2(requests, 0)
        os.dup2(replies, 1)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
        _close_all_but({0, 1, 2})
        reseed_generators()
        from hardway.worker import serve

        serve(config)
    except BaseException:  # noqa: BLE001 - the worker ends here whatever happened; the grader sees the status
        os._exit(70)
    os._exit(0)


def run_init(config: dict[str, Any], requests: int, replies: int, source: int, status: int) -> None:
    """Pid 1 of the new namespace: build the filesystem, start the worker, report how it ended."""
    freeze_inherited_mounts()
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    fresh_folders(config["fresh_folders"])
    worker = os.fork()
    if worker == 0:
        run_worker(config, requests, replies, source, status)
    for fd in (requests, replies, source):
        os.close(fd)
    for number in signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD}:
        try:
            signal.signal(number, signal.SIG_IGN)  # the student's code may signal its pid 1; it is not heard
        except (OSError, ValueError):
            pass
    while True:
        pid, wait_status = os.waitpid(-1, 0)
        if pid == worker:
            os.write(status, f"{wait_status}\n".encode())
            os._exit(0)  # the kernel now ends every other process of the namespace


def run_c1(config: dict[str, Any], requests: int, replies: int, source: int, status: int) -> None:
    """The zygote's direct child: make the namespaces, fork their pid 1, say its pid, and go."""
    unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS)
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing mounted from here on propagates to the zygote
    init = os.fork()
    if init == 0:
        _exit_after(run_init, config, requests, replies, source, status, report=status)
    os.write(status, f"{init}\n".encode())
    os._exit(0)


def _exit_after(step: Any, *arguments: Any, report: int, then: bool = False) -> None:
    """Run one process's step, which never returns into the zygote's code.

    Exit 0 when the step is done (or return, if the process goes on `then`); on
    failure, write why to the status pipe `report` (one line, "error ...") and
    exit 70, so the grader can say what went wrong.
    """
    try:
        step(*arguments)
    except BaseException as error:  # noqa: BLE001 - a failed setup must end this process, never fall back
        try:
            where = traceback.extract_tb(error.__traceback__)[-1]
            text = f"{type(error).__name__}: {error} (in {where.name}, line {where.lineno})"
            os.write(report, f"error {text}\n".encode())
        finally:
            os._exit(70)
    if not then:
        os._exit(0)


# -- the zygote -----------------------------------------------------------------------------------

class Child:
    """The worker being served: its namespace's init (our child, once C1 is gone) and its status pipe.

    The pipe carries lines: init's pid (from C1), "error ..." from a step that
    failed, and the worker's wait status (from init), in whatever order they come.
    """

    def __init__(self, init: int, status: int) -> None:
        self.init = init
        self.status = status
        self.text = b""


def fork_worker(config: dict[str, Any], fds: list[int], control: socket.socket) -> Child:
    requests, replies, source = fds
    status_read, status_write = os.pipe()
    c1 = os.fork()
    if c1 == 0:
        control.close()
        os.close(status_read)
        _close_all_but({0, 1, 2, requests, replies, source, status_write})
        _exit_after(run_c1, config, requests, replies, source, status_write, report=status_write)
    for fd in (requests, replies, source, status_write):
        os.close(fd)
    os.waitpid(c1, 0)  # its child, the namespace's init, is ours now (we are a subreaper)
    child = Child(0, status_read)
    while not child.init:  # C1's line with init's pid; init's own lines may come first
        chunk = os.read(status_read, 4096)
        child.text += chunk
        numbers = [line for line in child.text.split(b"\n")[:-1] if line.isdigit()]
        if numbers:
            child.init = int(numbers[0])
        elif not chunk:
            os.close(status_read)
            said = child.text.decode(errors="replace").strip()
            raise SetupError(0, f"the worker's namespaces could not be made: {said}")
    return child


def finish(child: Child) -> dict[str, Any]:
    """Wait until the worker's namespace is empty; then say how the worker ended.

    "ended" is its return code (negative: the signal that killed it), or None
    when its init was killed first (the grader asked) or failed ("error").
    """
    os.waitpid(child.init, 0)
    os.close(child.status)
    lines = child.text.decode(errors="replace").splitlines()
    errors = [line[6:] for line in lines if line.startswith("error ")]
    numbers = [int(line) for line in lines if line.isdigit()][1:]  # the first is init's pid
    if errors:
        return {"ended": None, "error": errors[0]}
    return {"ended": os.waitstatus_to_exitcode(numbers[-1]) if numbers else None}


def preload(names: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    for name in names:
        importlib.import_module(name)
    return {"ready": True, "seconds": time.perf_counter() - started, "preloaded": names, **state()}


def state() -> dict[str, Any]:
    """Facts the grader checks: CUDA untouched (a fork of a CUDA process cannot use CUDA), one thread."""
    torch = sys.modules.get("torch")
    return {"cuda_initialized": bool(torch.cuda.is_initialized()) if torch is not None else None,
            "threads": len(os.listdir("/proc/self/task")), "pid": os.getpid()}


def send(control: socket.socket, message: dict[str, Any]) -> None:
    control.send(json.dumps(message).encode())


def serve_forks(control: socket.socket) -> None:
    """Answer the grader's requests: fork a worker, kill it, tell its end, tell the zygote's state."""
    child: Child | None = None
    with selectors.DefaultSelector() as selector:
        selector.register(control, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fileobj is control:
                    data, fds, _, _ = socket.recv_fds(control, MAX_MESSAGE, 8)
                    if not data:  # the grader is gone: so are we, and the worker with us
                        if child is not None:
                            os.kill(child.init, signal.SIGKILL)
                        return
                    request = json.loads(data)
                    if "fork" in request:
                        if child is not None or len(fds) != 3:
                            for fd in fds:
                                os.close(fd)
                            send(control, {"error": "a worker is still running" if child else "three descriptors"})
                            continue
                        try:
                            child = fork_worker(request["fork"], fds, control)
                        except OSError as error:
                            send(control, {"error": str(error)})
                            continue
                        selector.register(child.status, selectors.EVENT_READ)
                        send(control, {"forked": child.init})
                    elif "kill" in request and child is not None:
                        os.kill(child.init, signal.SIGKILL)
                    elif "state" in request:
                        send(control, state())
                elif child is not None:
                    chunk = os.read(child.status, 64)
                    child.text += chunk
                    if not chunk:
                        selector.unregister(child.status)
                        send(control, finish(child))
                        child = None


def main() -> None:
    """Entry point in the jail: `python -I -S -c <bootstrap> <config>`, the control socket on stdin."""
    sys.dont_write_bytecode = True
    config = json.loads(sys.argv[1])
    control = socket.socket(fileno=os.dup(0))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    try:
        ready = preload(config["preload"] + ([] if config.get("probe") else list(WORKER_MODULES)))
    except BaseException:  # noqa: BLE001 - the grader must hear why, whatever it was
        send(control, {"ready": False, "error": traceback.format_exc()[-4000:]})
        return
    send(control, ready)
    serve_forks(control)


if __name__ == "__main__":
    main()
