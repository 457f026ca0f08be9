"""The grading sandbox: where a student's code runs, and the walls around it.

Threat model. A submission is hostile code. It may read any file it can see,
write anywhere it can write, signal any process it can see, fork daemons,
stall, flood, and lie in any value it returns. A score counts only if nothing
the submission did could raise it or lower another student's.

How a submission runs. Each grading process keeps, per view (the libraries an
exercise shows, the modules it preloads, its process cap), a warm **zygote**:
a jailed process that has imported numpy, torch or matplotlib once
(`autograder.sandbox.zygote`, `hardway.zygote`). Each student's topic gets a
**worker** forked from it, which builds its own walls before it receives the
student's file, then runs `hardway.worker.serve`.

Which layer stops which attack (attack: wall, in which module):

* read `solutions/`, the hidden tests, the grader's environment or `/proc`: not
  in the jail's filesystem; the worker's own pid namespace and fresh `/proc`;
  a cleared environment (`view`, `jail`, `hardway.zygote`);
* write the kit, its venv or site-packages, the output folder: read-only binds,
  nothing else mounted (`jail`, `hardway.zygote`);
* change the kernel's settings through `/proc/sys` or sysrq: read-only in every
  worker (`hardway.zygote`);
* outlive grading (double fork, `setsid`), signal or trace the grader, the
  zygote or another student: the worker's own pid namespace, emptied before the
  next fork, with the zygote and the grader outside it (`hardway.zygote`);
* leave something for the next student: see "Nothing carries over" below;
* fill the disk: size-capped tmpfs folders, per-file `RLIMIT_FSIZE`
  (`hardway.zygote`, `hardway.worker`);
* exhaust memory or CPU: `RLIMIT_DATA`, `RLIMIT_CPU` (`hardway.worker`);
* fork bomb: a `pids` cgroup per zygote where one can be made, `RLIMIT_NPROC`
  where the grader is not root (`cgroup`, `hardway.worker`);
* reach the network: a network namespace with no interfaces (`jail`, `hardway.zygote`);
* regain privileges: user 65534 in its own user namespace, no capabilities
  (the bounding set emptied too), no_new_privs, no further user namespaces
  (`hardway.zygote`);
* use a forbidden library (exercises 1 and 2: torch): the library is not on the
  jail's disk (`view`);
* stall (a slow import, hanging or crashing calls): a per-call timeout, a sticky
  import failure, topic and submission budgets (`launcher`, `limits`);
* lie in a reply (not JSON, too deep, too big, odd numbers):
  `hardway.protocol.decode_reply`, `hardway.plaindata.from_plain`, size caps (`launcher`).

Nothing carries over from one worker to the next, nor into the zygote:

* **memory**: a worker is a fork, so everything it changes (a patched
  `numpy.pi`, a replaced `torch.tensor`) is on its own copy-on-write pages. The
  zygote never reads a student's byte: the file travels as a descriptor that
  only the worker, already unprivileged, reads. The zygote runs no student
  code, so its memory is what its imports made it.
* **files**: every mount a worker inherits is made read-only in its own mount
  namespace; where it may write (its home, `/tmp`, `/dev/shm`, the output
  capture folder) are tmpfs mounted afresh for it, gone with its namespace.
  No writable file is shared with the zygote or any other worker.
* **processes**: a worker's pid namespace has its own init, and when the
  worker ends the kernel kills everything left in it; the zygote forks the
  next worker only once that namespace is empty (it serves one worker at a
  time, so a zygote slot's `pids` cgroup counts one student's processes plus
  the zygote's own). Two students graded at once come from two zygotes.
* **kernel objects**: System V and POSIX IPC, abstract sockets and the
  hostname live in the worker's own ipc, network and uts namespaces.
* **random states**: Python's `random` reseeds itself after a fork and the
  worker reseeds numpy's global generator, as a new interpreter would.

`tests/test_zygote.py` checks each of these with one student's attack and the
next student's view; `tests/test_hostile.py` grades the whole catalogue of
attacks in a batch. The child side (the zygote's steps, the worker and the
protocol) lives in the public `hardway` package because the jail shows only
that package. Where namespaces cannot be made (see `jail.why_no_namespaces`),
the worker runs as a plain child process that imports its libraries itself
(isolation "process"): the limits, budgets and reply checks still hold, the
filesystem walls do not, and authoritative commands refuse to grade that way
unless told to.
"""

from autograder.sandbox.jail import NAMESPACES, PROCESS, isolation_mode, why_no_namespaces
from autograder.sandbox.launcher import IsolatedSubmission, warm_up
from autograder.sandbox.limits import Budget, Limits

__all__ = ["NAMESPACES", "PROCESS", "Budget", "IsolatedSubmission", "Limits", "isolation_mode", "warm_up",
           "why_no_namespaces"]
