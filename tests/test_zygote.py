"""Warm zygotes: every student still gets a fresh process, filesystem and pid namespace, and nothing carries over.

Student A attacks what a forked worker could share with the next one (files in
/tmp, $HOME and /dev/shm, a daemon, patched libraries in its memory, signals
and ptrace at everything it can name); student B, forked next from the same
zygote, must see none of it, and the zygote must be untouched. Each attack is
bounded: daemons sleep at most 30 s, loops are short.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from autograder.sandbox import IsolatedSubmission, Limits, NAMESPACES, isolation_mode, why_no_namespaces
from autograder.sandbox import zygote
from hardway.catalogue import topic_by_module
from hardway.submission import SubmissionCrashed, SubmissionTimedOut

pytestmark = pytest.mark.skipif(isolation_mode() != NAMESPACES,
                                reason=f"the jail cannot be made here: {why_no_namespaces()}")

EX03 = topic_by_module("ex03_autograd_loops")
EX01 = topic_by_module("ex01_forward_autodiff")
MARKER = "hardway-zygote-daemon-3f9a"

STUDENT = f'''
import ctypes, os, signal, sys, time
import numpy, torch

MARKER = {MARKER!r}
PLACES = ("/tmp", os.environ["HOME"], "/dev/shm", "/run/hardway")


def leave_traces():
    """Everything a student might leave for the next one."""
    written = []
    for folder in PLACES:
        try:
            with open(os.path.join(folder, "left-by-a.txt"), "w") as handle:
                handle.write("A was here")
            written.append(folder)
        except OSError:
            pass
    numpy.pi = 3.0
    torch.tensor = lambda *args, **kwargs: "patched by A"
    sys.modules["math"].sqrt = lambda x: "patched by A"
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", "# " + MARKER + "\\nimport time; time.sleep(30)"])
        os._exit(0)
    time.sleep(0.5)
    return written


def what_is_there():
    """What a fresh worker finds: its folders, its libraries, the processes it can see."""
    import math
    found = {{folder: sorted(os.listdir(folder)) for folder in PLACES}}
    return {{"files": found, "pi": numpy.pi, "tensor": type(torch.tensor([1.0])).__name__,
             "sqrt": math.sqrt(4.0), "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
             "me": os.getpid()}}


def attack_everyone():
    """Signal and trace every process this worker can name, itself and its parent aside."""
    libc = ctypes.CDLL(None, use_errno=True)
    signalled, traced = [], []
    for pid in range(1, 4096):
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            signalled.append(pid)
        except OSError:
            pass
        if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
            traced.append(pid)
    return {{"signalled": signalled, "traced": traced}}


def identity():
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
    libc = ctypes.CDLL(None, use_errno=True)
    new_user = libc.unshare(0x10000000)
    new_mounts = libc.unshare(0x00020000)
    try:
        open("/proc/sys/kernel/hostname", "w").write("x")
        sysctl = "written"
    except OSError as error:
        sysctl = error.strerror
    return {{"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
             "caps": [status[name].strip() for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")],
             "no_new_privs": status["NoNewPrivs"].strip(), "new_user_namespace": new_user,
             "new_mount_namespace": new_mounts, "sysctl": sysctl, "hostname": os.uname().nodename}}


def double(x):
    return 2 * x


def spin():
    while True:
        pass


def nap(seconds):
    time.sleep(seconds)
'''


def submission(tmp_path: Path, name: str, topic=EX03, source: str = STUDENT, **limits) -> IsolatedSubmission:
    folder = tmp_path / name
    folder.mkdir()
    (folder / topic.filename).write_text(textwrap.dedent(source))
    return IsolatedSubmission(topic, folder, Limits(call_timeout_s=limits.pop("call_timeout_s", 30.0), **limits))


def zygote_of(sandbox: IsolatedSubmission) -> zygote.Zygote:
    worker = sandbox._worker
    assert isinstance(worker, zygote.ForkedWorker), "a jailed submission runs in a worker forked by a zygote"
    return worker.zygote


def daemons() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and MARKER.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def test_student_b_finds_nothing_student_a_left_in_the_same_zygote(tmp_path):
    with submission(tmp_path, "a") as student_a:
        written = student_a.run("leave_traces()")
        assert set(written) == {"/tmp", "/home/student", "/dev/shm", "/run/hardway"}
        assert daemons(), "A's daemon runs while A is graded (else this test proves nothing)"
        assert student_a.run("what_is_there()")["pi"] == 3.0
        mother = zygote_of(student_a)
    with submission(tmp_path, "b") as student_b:
        seen = student_b.run("what_is_there()")
        assert zygote_of(student_b) is mother, "B must come from the zygote A came from"
    assert seen["files"] == {"/tmp": [], "/home/student": [EX03.filename], "/dev/shm": [], "/run/hardway": [
        "output.txt"]}
    assert seen["pi"] == math.pi and seen["tensor"] == "Tensor" and seen["sqrt"] == 2.0
    assert seen["pids"] == [1, seen["me"]], "B sees only its namespace's init and itself"
    assert daemons() == [], "A's daemon died with A's pid namespace"


def test_a_worker_can_signal_or_trace_nothing_outside_its_own_namespace(tmp_path):
    with submission(tmp_path, "b") as student_b, submission(tmp_path, "a") as student_a:
        assert student_b.run("double(1)") == 2
        assert student_a.run("double(1)") == 2
        zygotes = {zygote_of(student_a), zygote_of(student_b)}
        assert len(zygotes) == 2, "two students at once: two zygotes of the view"
        struck = student_a.run("attack_everyone()")
        assert struck == {"signalled": [1], "traced": []}, "only its own init, which ignores every signal"
        assert student_a.run("double(2)") == 4 and student_b.run("double(3)") == 6
        assert all(z.alive() and z.state()["threads"] == 1 for z in zygotes)


def test_the_worker_is_user_65534_with_no_capabilities_and_no_way_to_get_any(tmp_path):
    with submission(tmp_path, "a") as student:
        me = student.run("identity()")
    assert (me["uid"], me["gid"], me["groups"]) == (65534, 65534, [])
    assert me["caps"] == ["0000000000000000"] * 5 and me["no_new_privs"] == "1"
    assert me["new_user_namespace"] == -1 and me["new_mount_namespace"] == -1
    assert me["sysctl"] == "Read-only file system" and me["hostname"] == "sandbox"


def test_the_zygote_is_one_thread_and_never_initialises_cuda(tmp_path):
    """A fork copies one thread (a zygote with more could hand a worker a held lock) and cannot use a parent's CUDA.

    On a machine without a GPU `torch.cuda.is_initialized()` stays False whatever the zygote does; the check
    bites where the grader has one (CI with a GPU), and the thread count bites everywhere.
    """
    with submission(tmp_path, "a") as student:
        student.run("double(1)")
        facts = zygote_of(student).state()
    assert facts["cuda_initialized"] is False and facts["threads"] == 1
    with submission(tmp_path, "c", topic=EX01, source="def double(x):\n    return 2 * x\n") as student:
        student.run("double(1)")
        assert zygote_of(student).state()["cuda_initialized"] is None, "exercise 1's view holds no torch"


def test_a_timeout_replaces_the_worker_not_the_zygote(tmp_path):
    with submission(tmp_path, "a", call_timeout_s=2.0) as student:
        assert student.run("double(1)") == 2
        mother = zygote_of(student)
        with pytest.raises(SubmissionTimedOut):
            student.run("spin()")
        assert student.run("double(2)") == 4
        assert zygote_of(student) is mother and mother.alive() and student.starts == 2


def test_a_dead_zygote_is_replaced_and_grading_goes_on(tmp_path):
    with submission(tmp_path, "a") as student:
        assert student.run("double(1)") == 2
        mother = zygote_of(student)
        killer = threading.Timer(1.0, os.killpg, (mother.process.pid, signal.SIGKILL))
        killer.start()
        with pytest.raises(SubmissionCrashed, match="stopped answering"):
            student.run("nap(20)")  # the zygote dies during the call, and its worker with it
        killer.join()
        assert student.run("double(3)") == 6, "the next call gets a worker from a new zygote"
        assert zygote_of(student) is not mother and not mother.alive()
        os.killpg(zygote_of(student).process.pid, signal.SIGKILL)
        zygote_of(student).process.wait()
        assert student.run("double(4)") == 8, "a zygote found dead between calls is replaced too"
        assert student.starts == 3


def test_a_zygote_started_from_a_pool_thread_outlives_the_thread_and_ends_with_its_socket(tmp_path):
    """Executors grade in threads (Dask); the zygote must not die with the thread that happened to start it."""
    started: list[zygote.Zygote] = []
    view = zygote.View(libraries=("numpy",), preload=(), max_processes=64, environment=(("PATH", os.defpath),))
    thread = threading.Thread(target=lambda: started.append(zygote.Zygote(view)))
    thread.start()
    thread.join()
    mother = started[0]
    try:
        assert mother.ready()["ready"] and mother.alive(), "alive after its thread ended"
        mother._control.close()
        mother.process.wait(timeout=30)
    finally:
        mother.close()


GRADER = '''
import os, sys, time
sys.path.insert(0, {kit!r})
from autograder.sandbox import zygote
mother = zygote.Zygote(zygote.View(libraries=("numpy",), preload=(), max_processes=64,
                                   environment=(("PATH", os.defpath),)))
mother.ready()
print(mother.process.pid, flush=True)
time.sleep(60)
'''


def test_a_zygote_ends_with_a_grader_killed_without_warning(tmp_path):
    from autograder import paths

    grader = subprocess.Popen([sys.executable, "-c", GRADER.format(kit=str(paths.KIT_ROOT))],
                              stdout=subprocess.PIPE, text=True)
    try:
        bwrap = int(grader.stdout.readline())
        os.kill(grader.pid, signal.SIGKILL)
        grader.wait()
        assert zygote_gone(bwrap, timeout=20), "the jail outlived its grader"
    finally:
        grader.kill()


def zygote_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_walls_that_cannot_be_built_are_the_grader_s_problem_and_say_why(tmp_path):
    """A failed step is reported by the zygote (a student cannot forge it), and the zygote serves on."""
    view = zygote.View(libraries=("numpy",), preload=(), max_processes=64, environment=(("PATH", os.defpath),))
    mother = zygote.Zygote(view)
    try:
        config = zygote.worker_config(EX01.module, Limits(), max_source_bytes=100)
        config["fresh_folders"]["/no/such/folder"] = {"bytes": 1 << 20, "mode": "0777"}
        source = tmp_path / "empty.py"
        source.write_text("")
        with source.open("rb") as handle:
            worker = mother.fork(config, handle)
        assert worker.stdout.read() == b"", "the worker never started"
        with pytest.raises(zygote.ZygoteFailed, match="could not prepare a worker: .*mount /no/such/folder"):
            worker.wait()
        assert mother.alive() and mother.state()["threads"] == 1
    finally:
        mother.close()
