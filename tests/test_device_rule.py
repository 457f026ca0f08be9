"""The device rule: the same code gets the same grade on a grader with a GPU and on one without.

The rule (`hardway.pytest_plugin.task_marker`): a hidden test parametrised by
``device`` earns its points on its CPU run, which every grader makes; its CUDA
run, which only a grader with a GPU makes, is a check worth 0 points. In
exercises 4 and 5 device handling is graded on every machine by public tests on
torch's "meta" device, where code that puts a tensor or a model on a device of
its own choosing fails as it would on a GPU.

Proved here on this CPU-only machine: (1) the tests of exercises 3 to 5,
collected as a grader with a GPU collects them (``torch.cuda.is_available()``
made to answer True), carry exactly the points they carry without one, test by
test, and their extra CUDA runs are worth nothing; (2) code that ignores the
device loses points here, on the CPU, where before this rule it lost them only
on a GPU grader. That correct code keeps full marks on the CPU is
`tests/test_fairness_ex04_ex05.py`'s business.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import paths
from mutants import Mutant, all_mutants
from points_recorder import Records, exercise_tests, record_points, selected

TORCH_TOPICS = ["ex03_autograd_loops", "ex04_optimizers", "ex05_checkpointing"]


def record(topics: list[str], out: Path, *, gpu: bool, folder: Path | None = None, tasks: str = "",
           collect_only: bool = False) -> Records:
    """Each test's task, points and outcome (see `points_recorder`), collected or run as a grader would."""
    return record_points(exercise_tests(*topics), folder or paths.SOLUTIONS_DIR, out, gpu=gpu, tasks=tasks,
                         collect_only=collect_only, timeout=600)


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> tuple[Records, Records]:
    """The tests of exercises 3 to 5 with their points, as collected without a GPU and as with one."""
    folder = tmp_path_factory.mktemp("collected")
    return (record(TORCH_TOPICS, folder / "cpu.json", gpu=False, collect_only=True),
            record(TORCH_TOPICS, folder / "gpu.json", gpu=True, collect_only=True))


@pytest.mark.parametrize("topic", TORCH_TOPICS)
def test_a_gpu_changes_neither_the_maximum_nor_any_tests_points(collected, topic):
    without, with_gpu = ({nodeid: record for nodeid, record in records.items() if topic in nodeid}
                         for records in collected)
    cuda_runs = {nodeid for nodeid in with_gpu if nodeid not in without}
    assert cuda_runs and all("cuda" in nodeid for nodeid in cuda_runs), "the GPU grader's tests were not simulated"
    assert set(without) <= set(with_gpu)
    assert {nodeid: record["points"] for nodeid, record in without.items()} == {
        nodeid: with_gpu[nodeid]["points"] for nodeid in without}
    assert all(with_gpu[nodeid]["points"] == 0 for nodeid in cuda_runs)
    assert sum(r["points"] for r in with_gpu.values()) == sum(r["points"] for r in without.values()) > 0


#: Device-ignoring mistakes: each makes something on the CPU that should live where its inputs live.
DEVICE_MUTANTS = ["fit_line builds its model on the CPU", "adam keeps its moments on the CPU",
                  "loss_landscape makes its result on the CPU", "load_for_device always maps to the CPU",
                  "CUDA's generators forgotten", "to_numpy calls .numpy() without .cpu()"]


@pytest.fixture(scope="module")
def device_mutants_graded(request, tmp_path_factory) -> dict[str, Records]:
    """The selected device mutants graded on this machine (no GPU), each on its own task's tests: by name,
    what the run that graded it recorded.

    Mutants of different exercises share a submission folder and one run (one exercise's tests import only
    that exercise's module, and each task belongs to one exercise): three runs for six mutants, not six.
    """
    root = tmp_path_factory.mktemp("device-mutants")
    wanted = {name for (name,) in selected(request, "name")}
    groups: list[list[Mutant]] = []
    for mutant in (m for m in all_mutants() if m.name in wanted):
        group = next((group for group in groups if mutant.task and all(
            other.task and other.topic != mutant.topic for other in group)), None)
        if group is None:
            groups.append(group := [])
        group.append(mutant)
    records: dict[str, Records] = {}
    for number, group in enumerate(groups):
        folder = root / f"submission{number}"
        folder.mkdir()
        for mutant in group:
            (folder / f"{mutant.topic}.py").write_text(mutant.source())
        run = record([mutant.topic for mutant in group], root / f"mutants{number}.json", gpu=False, folder=folder,
                     tasks=",".join(mutant.task or "" for mutant in group))
        records.update({mutant.name: run for mutant in group})
    return records


@pytest.mark.parametrize("name", DEVICE_MUTANTS)
def test_ignoring_the_device_loses_points_on_a_machine_without_a_gpu(device_mutants_graded, name):
    mutant = next(m for m in all_mutants() if m.name == name)
    files = {path.relative_to(paths.KIT_ROOT).as_posix() for path in exercise_tests(mutant.topic)}
    graded = {nodeid: r for nodeid, r in device_mutants_graded[name].items()
              if nodeid.split("::")[0] in files and (mutant.task is None or r["task"] == mutant.task)}
    assert graded, f"{name}: none of its task's tests ran"
    lost = [nodeid for nodeid, r in graded.items() if not r["passed"] and r["points"] > 0]
    assert lost, f"{name} keeps full marks on a machine without a GPU"
    # None of the points it loses come from a device-parametrised run: they are lost on every machine alike.
    assert not any("[cuda" in nodeid or "-cuda" in nodeid for nodeid in lost)
