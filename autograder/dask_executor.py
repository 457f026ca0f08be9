"""Grading a batch on a Dask cluster: the executor behind `--executor dask` and `--executor dask://HOST:PORT`.

A class too big for one machine is graded where instructors already compute:
a Dask cluster. Each job goes to the cluster as one task, `batch.run_job(index,
job)`, exactly what a local worker process runs, so the jobs and their outcomes
travel by pickle as they do to `LocalExecutor`'s processes. A task that the
cluster itself loses (its worker died, again and again) becomes that job's
failed outcome, never the batch's.

* `--executor dask` starts a `distributed.LocalCluster` on this machine with
  `--jobs` worker **processes** of one thread each, and stops it afterwards;
* `--executor dask://HOST:PORT` uses a running scheduler (`dask scheduler`)
  and its workers (`dask worker tcp://HOST:PORT --nthreads 1`), and leaves
  them running. Start that scheduler with
  `DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=1.0` so that, as on the
  local cluster, a job goes to a worker only once the worker is free.

What a worker needs: the kit installed in the same version (it imports
`autograder` to unpickle a job), bubblewrap where the jail is to be made, and
the paths the jobs name (the submissions, the output folder) on a filesystem it
shares with this machine. A roster's jobs clone their own repositories, so only
the output folder must be shared; without a shared folder, shard the roster
over CI runners instead (`grade-roster --shard i/N`).

One job at a time per worker process: grading runs pytest in the worker's
process, and two pytest sessions in one process would mix their plugins and
captured output. A worker started with several threads still grades one job
at a time (`run_job_alone` holds a lock), so give each worker one thread and
start as many workers as the machine has cores to spare.

Dask is imported only here, and this module only when a command asks for it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from autograder.batch import Executor, Job, Outcome, R, failed, run_job

#: `dask://HOST:PORT` on the command line: the scheduler of a running cluster.
SCHEDULER_SPEC = re.compile(r"dask://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:]+\])"
                            r":(?P<port>[0-9]{1,5})")
INSTALL_DASK = ("install it into the kit's venv: `.venv/bin/pip install -e '.[dask]'` in the kit's folder, or "
                "`pip install 'dask[distributed]'`")
#: How long to wait for a running scheduler to answer before saying it cannot be reached.
CONNECT_TIMEOUT_S = 30

#: One grading at a time in each worker process, however many threads the worker was started with.
_ONE_AT_A_TIME = threading.Lock()


class DaskUnavailable(RuntimeError):
    """Dask is not installed, or the scheduler cannot be reached; the message says what to do."""


def scheduler_address(spec: str) -> str:
    """The scheduler's `tcp://` address for `dask://HOST:PORT`; ValueError says what a spec looks like."""
    match = SCHEDULER_SPEC.fullmatch(spec)
    if not match or not 0 < int(match["port"]) < 65536:
        raise ValueError(f"--executor {spec!r} is not a Dask scheduler: write dask://HOST:PORT (the address "
                         "`dask scheduler` prints, port 8786 by default), or `dask` for a cluster on this machine")
    return f"tcp://{match['host']}:{match['port']}"


def run_job_alone(index: int, job: Job[R]) -> Outcome[R]:
    """`run_job`, once no other job is grading in this worker process (see the module's docstring)."""
    with _ONE_AT_A_TIME:
        return run_job(index, job)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as error:
        raise DaskUnavailable(f"--executor dask needs Dask's distributed scheduler, which is not installed "
                              f"({error}): {INSTALL_DASK}") from None
    return distributed


class DaskExecutor(Executor):
    """The jobs of a batch as tasks of a Dask cluster: a running one (`address`), or a local one of `workers`."""

    def __init__(self, address: str | None = None, workers: int = 2) -> None:
        distributed = _import_distributed()
        self._cluster = None
        if address is None:
            import dask

            # Worker processes that may start processes of their own (multiprocessing refuses a daemon that);
            # a job sent to a worker only when it is free (saturation 1.0: no job waits on a worker that may die
            # under another), and one retry for a job whose worker died: a second death is the job's own doing.
            with dask.config.set({"distributed.worker.daemon": False, "distributed.scheduler.worker-saturation": 1.0,
                                  "distributed.scheduler.allowed-failures": 1}):
                self._cluster = distributed.LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                                         processes=True, dashboard_address=None)
            self._client = distributed.Client(self._cluster)
        else:
            try:
                self._client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
            except OSError as error:
                raise DaskUnavailable(f"could not reach the Dask scheduler at {address} ({error}): start it with "
                                      "`dask scheduler` and its workers with `dask worker "
                                      f"{address} --nthreads 1`, or check the host and port") from None

    @property
    def workers(self) -> int:
        """How many workers the cluster has now."""
        return len(self._client.scheduler_info()["workers"])

    def run(self, jobs: Sequence[Job[R]]) -> Iterator[Outcome[R]]:
        distributed = _import_distributed()
        # pure=False: two equal jobs (the same folder twice) are still two gradings, each with its own outcome.
        futures = {self._client.submit(run_job_alone, index, job, pure=False): index
                   for index, job in enumerate(jobs)}
        try:
            for future in distributed.as_completed(futures):
                index = futures[future]
                try:
                    yield future.result()
                except Exception as error:  # noqa: BLE001 - the cluster lost the task (KilledWorker): this job failed
                    yield failed(index, jobs[index], error)
        finally:
            self._client.cancel(list(futures))  # nothing of this batch keeps running once its caller stops reading

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
