"""Where a student's notebook kernel runs while nbgrader autogrades it, and what outlives it: nothing.

Two mechanisms, each for its own attacks (`autograder.channels.nbgrader_loop` lists every layer):

* `JailedKernelManager` starts the kernel under bubblewrap. In its new mount
  namespace only the system's directories, the Python installation, the
  `hardway` package and the notebook's own folder exist, all read-only but that
  folder, with a private /tmp: the course directory (gradebook.db, submitted/,
  other students' folders), the grader package (`autograder`, hidden tests) and
  `solutions/` are not there to open. In its new PID namespace every process
  the kernel starts, a double-forked daemon too, is killed when the kernel
  goes, and no process outside can be seen or signalled. It has no
  capabilities and a scrubbed environment (no tokens from the grader's). It
  shares the machine's network, as nbgrader talks to it over local TCP; the
  gradebook is a file, so there is no service of the grader's to reach there,
  and another kernel's port is useless without that kernel's connection file.
* `run_reaped` runs one student's whole `nbgrader autograde` as a Linux child
  subreaper: a process orphaned anywhere below it is re-parented to it, not to
  init, so when the command ends it can find and kill everything left, even
  where bubblewrap cannot make namespaces (some containers, and Ubuntu's
  AppArmor rule against unprivileged user namespaces).

Run as a module, it is that reaper: ``python -m autograder.channels.kernel_jail [--timeout S] -- COMMAND...``.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import site
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Enum

from autograder import paths
from autograder.sandbox.jail import bwrap_executable
from hardway.zygote import PROC_COVERED

#: System directories a Python kernel needs, bound read-only where they exist.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: What it needs of /etc: the loader's cache, time zone, user names, localhost, fonts (not /etc/shadow).
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/passwd",
             "/etc/group", "/etc/hosts", "/etc/nsswitch.conf", "/etc/alternatives", "/etc/fonts")
#: The only variables of the grader's environment a kernel sees.
KEPT_ENVIRONMENT = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "OPENBLAS_NUM_THREADS", "PYTHONHASHSEED")
PR_SET_CHILD_SUBREAPER = 36


@functools.cache
def jail_works() -> bool:
    """Whether bubblewrap can make this jail's namespaces on this machine (try once, and remember)."""
    bwrap = bwrap_executable()
    if bwrap is None:
        return False
    probe = [bwrap, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--unshare-pid",
             "--die-with-parent", "--cap-drop", "ALL", "true"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def readable_paths() -> list[Path]:
    """What a kernel may read: the system, the Python installation and the public `hardway` package."""
    import hardway

    python = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
              Path(os.path.realpath(sys.executable)).parent.parent, Path(site.getusersitepackages())}
    found = [Path(path) for path in SYSTEM_DIRS + ETC_FILES if os.path.lexists(path)]
    found += sorted(path for path in python if path.is_dir())
    found.append(Path(hardway.__file__).resolve().parent)
    return found


def hidden_paths(course: Path) -> list[Path]:
    """The course and the grader's own parts: hidden even where a readable path holds them.

    (A course kept under the Python installation, or the kit installed without `-e`,
    puts them inside what `readable_paths` names.)
    """
    import autograder

    return [course, Path(autograder.__file__).resolve().parent, paths.SOLUTIONS_DIR, paths.HIDDEN_TESTS_DIR]


def _bind_readable(path: Path) -> list[str]:
    if path.is_symlink() and str(path) in SYSTEM_DIRS:  # /lib -> usr/lib on merged-/usr systems
        return ["--symlink", os.readlink(path), str(path)]
    return ["--ro-bind", str(path), str(path)]


def jail_argv(command: list[str], workdir: Path, connection_file: Path, course: Path, bwrap: str) -> list[str]:
    """`command` (a kernel) under bubblewrap, seeing only what `readable_paths` names, and `workdir`."""
    argv = [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--cap-drop", "ALL", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", "/tmp/home",
            "--clearenv"]
    # A grader running as root runs the kernel as uid 0 without capabilities, which still owns (and may write)
    # the kernel's settings and sysrq: cover them read-only, as the grading workers do (hardway/zygote.py).
    for covered in PROC_COVERED:
        if Path(covered).exists():
            argv += ["--ro-bind", covered, covered]
    readable = readable_paths()
    for path in readable:
        argv += _bind_readable(path)
    for path in hidden_paths(course):
        if path.is_dir() and any(path.is_relative_to(parent) and path != parent for parent in readable):
            argv += ["--tmpfs", str(path)]
    argv += ["--bind", str(workdir), str(workdir), "--ro-bind", str(connection_file), str(connection_file),
             "--chdir", str(workdir)]
    environment = {name: os.environ[name] for name in KEPT_ENVIRONMENT if name in os.environ}
    # JPY_PARENT_PID=1: ipykernel's parent watch would see the jail's init as its parent and quit at once;
    # --die-with-parent does that job.
    environment.update(HOME="/tmp/home", TMPDIR="/tmp", MPLCONFIGDIR="/tmp/home/matplotlib",
                       PYDEVD_DISABLE_FILE_VALIDATION="1", JPY_PARENT_PID="1")
    for name, value in environment.items():
        argv += ["--setenv", name, value]
    return argv + ["--", *command]


class JailedKernelManager(AsyncKernelManager):
    """A kernel manager that starts each kernel in a bubblewrap jail (see the module docstring)."""

    jail = Enum(["auto", "required", "off"], default_value="auto", help=(
        "auto: as the grader does, refuse to start a kernel that cannot be jailed unless "
        "HARDWAY_ALLOW_PROCESS_ISOLATION=1 (then warn, and start it unjailed); "
        "required: refuse without exception; off: no jail.")).tag(config=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        if self.jail == "off":
            return command
        if not jail_works():
            from autograder.grading import ALLOW_PROCESS_ISOLATION  # the grader's own switch (a heavy import)

            if self.jail == "required" or os.environ.get(ALLOW_PROCESS_ISOLATION) != "1":
                raise RuntimeError(
                    "bubblewrap cannot make namespaces here: not starting a student's kernel without its jail, "
                    "where it could read the hidden tests and write to the gradebook. Grade where user "
                    f"namespaces are allowed, or set {ALLOW_PROCESS_ISOLATION}=1 to grade anyway.")
            self.log.warning("bubblewrap cannot make namespaces here: the kernel runs without a jail")
            return command
        # SIGINT to the kernel's process group would stop bubblewrap itself, and the kernel with it:
        # interrupt by a message on the control channel instead (ipykernel then signals itself).
        assert self.kernel_spec is not None, "a kernel is started from its kernel spec"
        self.kernel_spec.interrupt_mode = "message"
        # jupyter_client keeps start_kernel's arguments (the notebook's folder as `cwd`) in _launch_args,
        # which its own format_kernel_cmd reads too.
        workdir = (self._launch_args or {}).get("cwd")
        if not workdir:
            raise RuntimeError("a jailed kernel needs the notebook's folder as its working directory")
        course = Path(self.config.get("CourseDirectory", {}).get("root") or os.getcwd()).resolve()
        return jail_argv(command, Path(os.path.abspath(str(workdir))), Path(os.path.realpath(self.connection_file)),
                         course, str(bwrap_executable()))


# -- the reaper ------------------------------------------------------------------------------------


def become_subreaper() -> bool:
    """Make orphans below this process re-parent to it (Linux); False where that is not possible."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children_of(pid: int) -> dict[int, bool]:
    """The processes whose parent is `pid`, read from /proc: process id -> whether it is still running."""
    children = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            state, parent = stat.rsplit(")", 1)[1].split()[:2]  # the fields after the command name
            if int(parent) == pid:
                children[int(entry.name)] = state != "Z"
    return children


def kill_leftovers() -> int:
    """Kill every process still below this one, orphans included, until none is left; return how many ran.

    (Orphans that had already exited are re-parented here too, as zombies: they are only reaped.)
    """
    killed = 0
    while leftovers := children_of(os.getpid()):
        for pid in leftovers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid, running in leftovers.items():
            with suppress(ChildProcessError):
                os.waitpid(pid, 0)
            killed += running
    return killed


#: The exit status of a command the reaper stopped at its time limit (as coreutils' `timeout` says it).
TIMED_OUT = 124


def run_reaped(command: list[str], timeout_s: float | None = None) -> int:
    """Run `command`; when it ends (or runs past `timeout_s`), kill whatever is left; return its exit status."""
    reaping = become_subreaper()
    child = subprocess.Popen(command, start_new_session=True)
    try:
        status = child.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        status = TIMED_OUT
        print(f"autograder: stopped {Path(command[0]).name} after {timeout_s:g} s", file=sys.stderr)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)  # its own process group, where a subreaper is not possible
    killed = kill_leftovers() if reaping and Path("/proc/self/stat").exists() else 0
    if killed:
        print(f"autograder: killed {killed} process(es) left running by {Path(command[0]).name}", file=sys.stderr)
    return status


def main(argv: list[str]) -> int:
    """``[--timeout SECONDS] -- COMMAND...``: run COMMAND reaped (see `run_reaped`)."""
    timeout_s = None
    if len(argv) >= 2 and argv[0] == "--timeout":
        timeout_s, argv = float(argv[1]), argv[2:]
    if not argv or argv[0] != "--" or len(argv) < 2:
        print("usage: python -m autograder.channels.kernel_jail [--timeout SECONDS] -- COMMAND [ARGUMENTS...]",
              file=sys.stderr)
        return 2
    return run_reaped(argv[1:], timeout_s)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
