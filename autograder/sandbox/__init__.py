"""The grading sandbox: where a student's code runs, and the walls around it.

Threat model. A submission is hostile code. It may read any file it can see,
write anywhere it can write, signal any process it can see, fork daemons,
stall, flood, and lie in any value it returns. A score counts only if nothing
the submission did could raise it or lower another student's.

Which layer stops which attack:

| attack | wall | where |
|---|---|---|
| read `solutions/`, hidden tests, the grader's env or `/proc` | not in the jail's filesystem; own pid namespace; cleared environment | `view`, `jail` |
| write the kit, its venv or site-packages, the output folder | read-only binds; nothing else mounted | `jail` |
| outlive grading (double fork, `setsid`), signal the grader or other students | pid namespace torn down with the jail (`--die-with-parent`); the grader is not in it | `jail`, `launcher.close` |
| fill the disk | size-capped tmpfs folders, per-file `RLIMIT_FSIZE` | `jail`, `hardway.worker` |
| exhaust memory or CPU | `RLIMIT_DATA`, `RLIMIT_CPU` | `hardway.worker` |
| fork bomb | a `pids` cgroup per jail where one can be made, `RLIMIT_NPROC` where the grader is not root | `cgroup`, `hardway.worker` |
| reach the network | own network namespace with no interfaces | `jail` |
| use a forbidden library (exercise 1 and 2: torch) | the library is not on the jail's disk | `view` |
| stall: a slow import, hanging or crashing calls | per-call timeout, a sticky import failure, topic and submission budgets | `launcher`, `limits` |
| lie in a reply (not JSON, too deep, too big, odd numbers) | `hardway.protocol.decode_reply`, `hardway.plaindata.from_plain`, size caps | `launcher` |

The child side (the worker and the protocol) lives in the public `hardway`
package because the jail shows only that package. Where namespaces cannot be
made (see `jail.why_no_namespaces`), the worker runs as a plain child process
(isolation "process"): the limits, budgets and reply checks still hold, the
filesystem walls do not, and authoritative commands refuse to grade that way
unless told to.
"""

from autograder.sandbox.jail import NAMESPACES, PROCESS, isolation_mode, why_no_namespaces
from autograder.sandbox.launcher import IsolatedSubmission
from autograder.sandbox.limits import Budget, Limits

__all__ = ["NAMESPACES", "PROCESS", "Budget", "IsolatedSubmission", "Limits", "isolation_mode", "why_no_namespaces"]
