"""The sandbox: a hostile or broken submission costs its author points, never the grader its run."""

import textwrap
import time

import pytest

from autograder.sandbox import IsolatedSubmission, Limits
from autograder.sandbox import cgroup, zygote
from hardway.catalogue import topic_by_module
from hardway.plaindata import Opaque
from hardway.submission import (
    StudentCodeRaised,
    SubmissionCrashed,
    SubmissionImportFailed,
    SubmissionNotFound,
    SubmissionPolicyError,
    SubmissionTimedOut,
)

EX01 = topic_by_module("ex01_forward_autodiff")

HOSTILE = '''
import os, signal, sys

def double(x):
    return 2 * x

def spin():
    while True:
        pass

def hard_exit():
    os._exit(0)

def polite_exit():
    sys.exit(3)

def segfault():
    os.kill(os.getpid(), signal.SIGSEGV)

def flood():
    while True:
        print("x" * 10_000)

def chatty():
    print("epoch 1: loss 0.5")
    return 1.5

def hog_memory():
    return bytearray(8 * 1024 ** 3)

class Liar(float):
    def __eq__(self, other):
        return True

def liar():
    return Liar(3.0)

def environment():
    return dict(os.environ)

def neighbours():
    return sorted(os.listdir("."))

def grader_import():
    import autograder
'''


def sandbox_for(tmp_path, source, **limits):
    (tmp_path / EX01.filename).write_text(textwrap.dedent(source))
    return IsolatedSubmission(EX01, tmp_path, Limits(call_timeout_s=limits.pop("call_timeout_s", 2.0), **limits))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    with sandbox_for(tmp_path_factory.mktemp("hostile"), HOSTILE) as sandbox:
        yield sandbox


def test_a_plain_call_returns_plain_data(hostile):
    assert hostile.run("double(x)", x=2.5) == 5.0


def test_an_infinite_loop_times_out_and_the_next_call_works(hostile):
    started = time.monotonic()
    with pytest.raises(SubmissionTimedOut, match="did not finish within 2 s"):
        hostile.run("spin()")
    assert time.monotonic() - started < 5
    assert hostile.run("double(2)") == 4


@pytest.mark.parametrize("call, error, words", [
    ("hard_exit()", SubmissionCrashed, "exited with status 0"),
    ("segfault()", SubmissionCrashed, "SIGSEGV"),
    ("polite_exit()", StudentCodeRaised, "sys.exit(3)"),
    ("flood()", StudentCodeRaised, "File too large"),
    ("hog_memory()", StudentCodeRaised, "MemoryError"),
    ("grader_import()", StudentCodeRaised, "not allowed"),
])
def test_misbehaviour_becomes_a_clear_error_and_the_sandbox_recovers(hostile, call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        hostile.run(call)
    assert hostile.run("double(3)") == 6


def test_printing_is_captured_not_mixed_into_the_reply(hostile):
    hostile.take_output()
    assert hostile.run("chatty()") == 1.5
    assert "epoch 1: loss 0.5" in hostile.take_output()


def test_a_lying_float_arrives_as_a_description(hostile):
    got = hostile.run("liar()")
    assert isinstance(got, Opaque) and got.type_name == "Liar"


def test_the_child_sees_a_scrubbed_environment_and_only_its_own_file(hostile, monkeypatch):
    environment = hostile.run("environment()")
    assert "SECRET_TOKEN" not in environment
    assert set(environment) <= {"PATH", "HOME", "TMPDIR", "USER", "LANG", "LC_ALL", "OMP_NUM_THREADS",
                                "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MPLBACKEND", "MPLCONFIGDIR",
                                "PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                "CUDA_VISIBLE_DEVICES", "LC_CTYPE", "PWD"}
    assert hostile.run("neighbours()") == [EX01.filename]


def test_one_child_serves_many_calls(tmp_path):
    with sandbox_for(tmp_path, "def double(x):\n    return 2 * x\n") as sandbox:
        assert [sandbox.run("double(i)", i=i) for i in range(50)] == [2 * i for i in range(50)]
        assert sandbox.starts == 1


def test_import_errors_are_reported_with_the_line(tmp_path):
    with sandbox_for(tmp_path, "def f(:\n    pass\n") as sandbox:
        with pytest.raises(SubmissionImportFailed, match="SyntaxError") as caught:
            sandbox.run("f()")
        assert "line 1" in str(caught.value)


def test_a_module_that_exits_while_importing_is_reported(tmp_path):
    with sandbox_for(tmp_path, "import os\nos._exit(1)\n") as sandbox:
        with pytest.raises(SubmissionCrashed, match="while importing your module"):
            sandbox.run("1")


def test_a_missing_file_is_named(tmp_path):
    sandbox = IsolatedSubmission(EX01, tmp_path)
    with pytest.raises(SubmissionNotFound, match="ex01_forward_autodiff.py was not found"):
        sandbox.run("1")


def test_a_forbidden_import_is_refused_before_anything_runs(tmp_path):
    with sandbox_for(tmp_path, "print('the module ran')\nimport torch\n") as sandbox:
        with pytest.raises(SubmissionPolicyError, match="by hand"):
            sandbox.run("1")
        assert "the module ran" not in sandbox.take_output()
        with pytest.raises(SubmissionPolicyError):  # decided once, not once per test
            sandbox.run("1")
        assert sandbox.starts == 1


def test_the_secret_environment_stays_in_the_grader(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", "hunter2")
    with sandbox_for(tmp_path, "import os\ndef env():\n    return dict(os.environ)\n") as sandbox:
        assert "SECRET_TOKEN" not in sandbox.run("env()")


FORK_BOMB = '''
import os, time

def fork_bomb():
    children = 0
    try:
        for _ in range(2000):
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
            children += 1
    except OSError:
        pass
    return children
'''


def tasks(cap: cgroup.ProcessCap) -> int:
    return int((cap.folder / "pids.current").read_text())


@pytest.mark.skipif(not cgroup.available(), reason="no pids cgroup can be made here")
def test_a_fork_bomb_meets_the_process_cap_and_leaves_nothing_behind(tmp_path):
    """In the jail the cap holds a zygote and its worker together; once the worker is gone, the zygote's remain."""
    with sandbox_for(tmp_path, FORK_BOMB, max_processes=64, call_timeout_s=20) as sandbox:
        sandbox.run("1")
        worker = sandbox._worker
        jailed = isinstance(worker, zygote.ForkedWorker)
        cap = worker.zygote.process_cap if jailed else worker.process_cap
        assert cap is not None
        before = tasks(cap)
        children = sandbox.run("fork_bomb()")
        assert 0 < children < 64
        assert tasks(cap) > children
    if jailed:
        assert tasks(cap) == before - 2, "the worker's namespace is empty (its init and itself were the 2 tasks)"
    else:
        assert not cap.folder.exists()


@pytest.mark.skipif(not cgroup.available(), reason="no pids cgroup can be made here")
def test_the_empty_cgroups_of_graders_that_are_gone_are_swept():
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    cap = cgroup.ProcessCap.make(8)
    assert cap is not None
    stale = cap.folder.parent / f"hardway-{int(gone.stdout)}-0badcafe"
    stale.mkdir()
    fresh = cgroup.ProcessCap.make(8)
    try:
        assert not stale.exists() and cap.folder.exists(), "only the cgroup of the grader that is gone is removed"
    finally:
        for made in (cap, fresh):
            if made is not None:
                made.remove()
