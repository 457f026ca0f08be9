"""Grading on a Dask cluster (`--executor dask`): the same outcomes, and the same grades, as on this machine.

One LocalCluster of two worker processes serves the executor's tests; the command line's own cluster
grades exercise 1 of two submissions, which must get the grades a local run gives with the same seed.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from dataclasses import dataclass

import pytest

from autograder import dask_executor
from autograder.batch import make_executor, run_batch
from autograder.dask_executor import DaskExecutor, DaskUnavailable, scheduler_address
from helpers import reference_source, run_cli, write_submission
from mutants import all_mutants


@dataclass(frozen=True)
class Where:
    """A job that takes a moment and says which process ran it; -1 fails."""

    number: int

    @property
    def label(self) -> str:
        return f"job {self.number}"

    def run(self) -> tuple[int, int]:
        if self.number < 0:
            raise ValueError("a negative job")
        time.sleep(0.3)
        return self.number, os.getpid()


@dataclass(frozen=True)
class Dies:
    """A job that takes its worker process down with it, as one killed for memory would."""

    label: str = "dies"

    def run(self) -> None:
        os._exit(3)


@pytest.fixture(scope="module")
def cluster():
    with DaskExecutor(workers=2) as executor:
        yield executor


def test_every_job_gets_its_outcome_in_order_from_two_worker_processes(cluster):
    jobs = [Where(number) for number in (1, 2, -1, 3, 4, 5, 6)]
    outcomes = run_batch(cluster, jobs, show_progress=False)
    assert [outcome.label for outcome in outcomes] == [job.label for job in jobs]
    assert [outcome.value[0] if outcome.value else None for outcome in outcomes] == [1, 2, None, 3, 4, 5, 6]
    assert (outcomes[2].error, outcomes[2].error_type) == ("a negative job", "ValueError")
    workers = {outcome.value[1] for outcome in outcomes if outcome.value}
    assert len(workers) == 2 and os.getpid() not in workers, "two worker processes, neither of them this one"


def test_a_job_that_kills_its_worker_is_that_job_s_failure_and_the_cluster_goes_on(cluster):
    outcomes = run_batch(cluster, [Where(7), Dies(), Where(8)], show_progress=False)
    assert [outcome.ok for outcome in outcomes] == [True, False, True]
    assert outcomes[1].error_type == "KilledWorker"
    assert run_batch(cluster, [Where(9)], show_progress=False)[0].value[0] == 9


def test_a_scheduler_is_written_dask_host_port():
    assert scheduler_address("dask://grader-3.example.org:8786") == "tcp://grader-3.example.org:8786"
    for wrong in ("dask://host", "tcp://host:8786", "dask://host:99999", "dask://-oProxy:1"):
        with pytest.raises(ValueError, match="dask://HOST:PORT"):
            make_executor(2, engine=wrong)
    with pytest.raises(ValueError, match="is not an executor: where the jobs run"):
        make_executor(2, engine="ray")


def test_without_dask_the_message_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # what `import distributed` meets where it is missing
    with pytest.raises(DaskUnavailable, match=r"pip install 'dask\[distributed\]'"):
        make_executor(2, engine="dask")


def test_a_scheduler_that_does_not_answer_is_named_with_how_to_start_one(monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT_S", 2)
    with pytest.raises(DaskUnavailable, match=f"could not reach the Dask scheduler at tcp://127.0.0.1:{port}"):
        make_executor(2, engine=f"dask://127.0.0.1:{port}")


def test_grade_on_a_dask_cluster_gives_the_grades_of_a_local_run(tmp_path):
    mistake = next(m for m in all_mutants() if m.name == "tuple product rule with one term")
    folders = [str(write_submission(tmp_path / name, source)) for name, source in
               (("ann", reference_source()), ("ben", mistake.source()))]
    common = ("--topic", "ex01_forward_autodiff", "--seed", "11", "--jobs", "2")
    scores = {}
    for engine in ("local", "dask"):
        run = run_cli("grade", *folders, *common, "--executor", engine, "--out", str(tmp_path / engine), timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
        scores[engine] = {name: [(test["name"], test["score"]) for test in
                                 json.loads((tmp_path / engine / name / "results.json").read_text())["tests"]]
                          for name in ("ann", "ben")}
    assert scores["dask"] == scores["local"]
    ben = dict(scores["dask"]["ben"])
    assert ben["test_mul_follows_the_product_rule"] == 0 < sum(ben.values()), "the grades are real ones"
