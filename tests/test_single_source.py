"""One source of truth: skeletons, task ids, the README and CI all follow from one place."""

from __future__ import annotations

import re

import pytest

from autograder import paths
from autograder.task_points import POINTS_MODULE, marked_points, points_module_text, task_points
from autograder.authoring.stubgen import StubError, find_regions, generate, make_skeleton
from hardway.catalogue import TOPICS

README = paths.KIT_ROOT / "README.md"


def test_committed_skeletons_are_exactly_what_the_generator_makes():
    stale = generate(paths.SOLUTIONS_DIR, paths.EXERCISES_DIR, check=True)
    assert not stale, f"run `autograder generate-exercises`: {stale} differ from solutions/"


def test_the_public_points_table_is_what_the_tests_markers_say():
    assert POINTS_MODULE.read_text() == points_module_text(TOPICS), (
        "hardway/points.py is stale: run `autograder generate-exercises` after changing a test's points")
    from hardway.points import TASK_POINTS

    for topic in TOPICS:
        for task, points in task_points(topic).items():
            assert TASK_POINTS[task] == (points.public, points.hidden)
    assert set(TASK_POINTS) == {task for topic in TOPICS for task in topic.tasks}


def test_every_stub_names_its_task_and_function():
    skeleton = make_skeleton("def f(x):\n    '''Square it. Task 1.1.'''\n    ### BEGIN SOLUTION\n    return x * x\n"
                             "    ### END SOLUTION\n")
    assert 'raise NotImplementedError("Task 1.1: implement f (see its docstring)")' in skeleton
    assert "return x * x" not in skeleton and "'''Square it. Task 1.1.'''" in skeleton


def test_methods_get_their_class_in_the_stub_message():
    source = ("class A:\n    def g(self):\n        '''Task 1.2.'''\n        ### BEGIN SOLUTION\n        return 1\n"
              "        ### END SOLUTION\n")
    assert [region.qualname for region in find_regions(source)] == ["A.g"]


@pytest.mark.parametrize("source, problem", [
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "inside a function"),
    ("def f():\n    '''No id.'''\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", "must name its task"),
    ("def f():\n    '''Task 1.1.'''\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("def f():\n    '''Task 1.1, as in Task 1.2.'''\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
     "names tasks 1.1, 1.2"),
    ("def f():\n    '''Task 1.1.'''\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n    return x\n",
     "end of the function"),
])
def test_malformed_regions_are_reported_with_their_line(source, problem):
    with pytest.raises(StubError, match=problem):
        find_regions(source, "sol.py")


def test_no_solution_code_survives_in_the_skeletons():
    for topic in TOPICS:
        solution = (paths.SOLUTIONS_DIR / topic.filename).read_text()
        skeleton = (paths.EXERCISES_DIR / topic.filename).read_text()
        assert "### BEGIN SOLUTION" not in skeleton
        lines = solution.splitlines()
        regions = find_regions(solution)
        inside = {number for region in regions for number in range(region.begin, region.end - 1)}
        given = {line.strip() for number, line in enumerate(lines) if number not in inside}
        for region in regions:
            body = {line.strip() for line in lines[region.begin:region.end - 1] if len(line.strip()) > 25} - given
            assert not [line for line in body if line in skeleton], region.qualname


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.module)
def test_every_task_has_stubs_public_tests_hidden_tests_and_a_readme_row(topic):
    solution = (paths.SOLUTIONS_DIR / topic.filename).read_text()
    tasks = set(topic.tasks)
    assert {region.task for region in find_regions(solution)} == tasks
    assert set(marked_points(paths.public_tests(topic))) == tasks
    assert set(marked_points(paths.hidden_tests(topic))) == tasks
    readme_rows = dict(re.findall(r"^\| (\d+\.\d+) \| (.+?) \|", README.read_text(), flags=re.M))
    for task, title in topic.tasks.items():
        assert readme_rows.get(task) == title, f"README's task table should list {task} as {title!r}"


def quickstart_commands() -> list[str]:
    text = README.read_text()
    block = text.split("## Quickstart", 1)[1].split("```", 2)[1]
    return [line.strip() for line in block.splitlines()[1:] if line.strip()]


def test_the_readme_quickstart_has_two_commands_and_ci_runs_the_second():
    commands = quickstart_commands()
    assert len(commands) == 2
    assert commands[1] in (paths.KIT_ROOT / ".ci" / "run").read_text().splitlines()
