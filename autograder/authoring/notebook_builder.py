"""The nbgrader channel's notebooks, generated from the exercise modules.

A source notebook is not a second copy of an exercise: it is cut from
`solutions/exNN_*.py` (narrative from the docstrings, one code cell per
definition, nbgrader's solution regions kept as they are) and ends with one
autograded test cell per task. Each test cell calls
`hardway.notebook_check.check_task`, which runs the very same public tests in the
student's kernel and raises when the task is not done yet. The grade itself
never comes from the kernel: `autograder.channels.nbgrader_loop` takes the student's code
out of the submitted notebook and grades it with the module channel's grader,
hidden tests included, so the two channels cannot drift apart.

`write_source` writes ``source/<exercise>/<exercise>.ipynb`` and a copy of
the public tests beside it (nbgrader releases both); `release_notebooks` runs
the real ``nbgrader generate_assignment`` to make ``release/``, where
`NamedStubs` (nbgrader's ClearSolutions, configured in the course's
``nbgrader_config.py``) replaces each answer by the module skeleton's stub,
which names its task and function. `init_course` makes a course folder of
its own for an instructor, away from the kit's checkout.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearSolutions

from autograder import paths
from autograder.authoring.stubgen import StubError, find_regions, make_skeleton
from autograder.task_points import task_points
from hardway.catalogue import TOPICS, Topic

SECTION = re.compile(r"^# -+ ?(.*?) ?-*$")
NBGRADER_CONFIG = paths.KIT_ROOT / "nbgrader_config.py"
SOURCE_DIR = paths.KIT_ROOT / "source"
RELEASE_DIR = paths.KIT_ROOT / "release"

TEST_CELL = '''# Task {task}: {title}.
# The public tests run here, in your notebook. Your grade comes from the grader, which runs
# your code by itself with these tests and hidden ones that draw new inputs.
from hardway.notebook_check import check_task

points = check_task("{task}", globals())
assert points == {public:g}, "Task {task} is not done yet: see the failures above."'''


def grade_id_of_task(task: str) -> str:
    """The nbgrader grade_id of task `task`'s test cell."""
    return f"test-task-{task.replace('.', '-')}"


def task_of_test_cell(grade_id: str) -> str | None:
    """The task whose test cell has nbgrader id `grade_id`, or None for any other cell."""
    if not grade_id.startswith("test-task-"):
        return None
    return grade_id.removeprefix("test-task-").replace("-", ".")


@dataclass
class Chunk:
    kind: str  # "markdown", "given" or "answer"
    text: str
    name: str


def _markdown(docstring: str) -> str:
    """reStructuredText habits (``code``, ``::``) written the Markdown way."""
    text = docstring.replace("``", "`")
    return re.sub(r"::\n\n((?:    .*\n?|\n)+)", lambda m: ":\n\n```\n" + re.sub(r"^    ", "", m.group(1), flags=re.M)
                  .strip("\n") + "\n```\n", text)


#: The module docstring's "how to check" paragraph, written for a module's users (`pytest exercises/tests/...`).
CHECK_WITH_PYTEST = re.compile(r"Check your work with::\n\n    pytest \S+(\n|$)")
CHECK_IN_NOTEBOOK = ("Check your work with the cells under **Check your work** at the end of this notebook: "
                     "each runs one task's public tests and shows the points earned so far.\\1")


def for_notebook(docstring: str) -> str:
    """A module docstring as a notebook's introduction: checked by its test cells, not by `pytest` on a file."""
    return CHECK_WITH_PYTEST.sub(CHECK_IN_NOTEBOOK, docstring)


def split_module(source: str) -> list[Chunk]:
    """Cut a solution module into notebook cells, in order."""
    tree = ast.parse(source)
    lines = source.splitlines()
    chunks: list[Chunk] = []
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        chunks.append(Chunk("markdown", _markdown(for_notebook(ast.get_docstring(tree) or "")), "introduction"))
        start = body.pop(0).end_lineno or 0
    else:
        start = 0
    for node in body:
        end = node.end_lineno or start
        while end < len(lines) and lines[end].startswith((" ", "\t")):
            end += 1  # indented comments after the last statement (### END SOLUTION) belong to the body
        text_lines = lines[start:end]
        start = end
        code: list[str] = []
        for line in text_lines:
            heading = SECTION.match(line)
            if heading and heading.group(1):
                chunks.append(Chunk("markdown", f"## {heading.group(1)}", heading.group(1)))
            else:
                code.append(line)
        text = "\n".join(code).strip("\n")
        if _is_main_guard(node):
            # `if __name__ == "__main__":` holds a demonstration (a plot, say): a "Try it" cell in the notebook.
            chunks.append(Chunk("markdown", "## Try it", "try-it"))
            chunks.append(Chunk("given", textwrap.dedent("\n".join(text.splitlines()[1:])), "try-it"))
            continue
        if not text:
            continue
        name = getattr(node, "name", "setup")
        kind = "answer" if "### BEGIN SOLUTION" in text else "given"
        if chunks and chunks[-1].kind == "given" and not isinstance(node, (ast.FunctionDef, ast.ClassDef)) \
                and chunks[-1].name == "setup":
            chunks[-1].text += "\n" + text
        else:
            chunks.append(Chunk(kind, text, name))
    return chunks


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__name__" in ast.unparse(node.test)


def _metadata(kind: str, grade_id: str, points: float | None = None) -> dict:
    meta = {"grade": kind == "test", "solution": kind == "answer", "locked": kind != "answer",
            "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def build_notebook(topic: Topic, source: str | None = None) -> nbformat.NotebookNode:
    """The nbgrader source notebook of `topic` (cut from `source`, by default the reference solution)."""
    if source is None:
        source = (paths.SOLUTIONS_DIR / topic.filename).read_text(encoding="utf-8")
    notebook = nbformat.v4.new_notebook()
    notebook.metadata.update({"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                              "language_info": {"name": "python"}})
    cells = [nbformat.v4.new_markdown_cell(f"# Exercise {topic.number}: {topic.title}", metadata=_metadata(
        "markdown", "title"))]
    used: set[str] = set()
    for chunk in split_module(source):
        grade_id = _unique(f"{chunk.kind}-{re.sub(r'[^A-Za-z0-9_-]', '-', chunk.name)}", used)
        if chunk.kind == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(chunk.text, metadata=_metadata("markdown", grade_id)))
        else:
            cells.append(nbformat.v4.new_code_cell(chunk.text, metadata=_metadata(chunk.kind, grade_id)))
    cells.append(nbformat.v4.new_markdown_cell(
        "## Check your work\n\nEach cell below runs the public tests of one task, shows the points you have "
        "earned so far, and stops with an error until the task is done. Run them after the cells above. "
        "When your notebook is graded, your code is taken out of the notebook and run by itself, so the "
        "answers must not depend on cells that only print, plot or experiment.",
        metadata=_metadata("markdown", "check-your-work")))
    points = task_points(topic)
    for task, title in topic.tasks.items():
        cells.append(nbformat.v4.new_code_cell(TEST_CELL.format(task=task, title=title, public=points[task].public),
                                               metadata=_metadata("test", grade_id_of_task(task), points[task].total)))
    notebook.cells = cells
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"{topic.module.replace('_', '-')}-{number:03d}"
    return notebook


def _unique(name: str, used: set[str]) -> str:
    candidate, counter = name, 2
    while candidate in used:
        candidate, counter = f"{name}-{counter}", counter + 1
    used.add(candidate)
    return candidate


def source_files(topic: Topic) -> dict[Path, str]:
    """Everything `source/<exercise>/` should hold, as path -> text."""
    folder = SOURCE_DIR / topic.module
    return {folder / f"{topic.module}.ipynb": nbformat.writes(build_notebook(topic)) + "\n",
            folder / paths.public_tests(topic).name: paths.public_tests(topic).read_text(encoding="utf-8")}


def write_source(check: bool = False) -> list[Path]:
    """Write every source notebook (with `check`: only report which are stale)."""
    stale = []
    for topic in TOPICS:
        for path, text in source_files(topic).items():
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
                if not check:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text, encoding="utf-8")
    return stale


class NamedStubs(ClearSolutions):
    """nbgrader's ClearSolutions, with the stub of the module skeleton in place of one text for every answer.

    Each solution region of a code cell becomes ``raise NotImplementedError("Task 1.2: implement
    AutoDiff.__mul__ (see its docstring)")`` (`autograder.authoring.stubgen`), so a notebook's failing test
    names the function to write, as the module's does. A cell the skeleton maker cannot read keeps
    nbgrader's own `code_stub`.
    """

    def _replace_solution_region(self, cell: nbformat.NotebookNode, language: str) -> bool:
        if cell.cell_type == "code" and language == "python":
            try:
                regions = find_regions(cell.source)
            except (SyntaxError, StubError):
                regions = []
            if regions:
                stubbed = make_skeleton(cell.source)
                cell.source = stubbed if cell.source.endswith("\n") else stubbed.removesuffix("\n")
                return True
        return super()._replace_solution_region(cell, language)


def _environment() -> dict[str, str]:
    """This process's environment with the kit's bin/ first on PATH (nbgrader runs `alembic` by name)."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def generate_release(course: Path, topics: list[Topic] | None = None) -> None:
    """Run the real `nbgrader generate_assignment` for each exercise (default: all) in `course`.

    All of them at once (one nbgrader, `*`) when `course/source` holds just the kit's exercises.
    """
    names = [topic.module for topic in topics or TOPICS]
    present = sorted(path.name for path in (course / "source").iterdir() if path.is_dir())
    for name in ["*"] if present == sorted(names) and len(names) > 1 else names:
        run = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force", "--create"],
                             cwd=course, capture_output=True, text=True, timeout=600, env=_environment())
        if run.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{run.stdout}{run.stderr}")


def init_course(destination: Path) -> list[str]:
    """Make a course folder: the kit's nbgrader_config.py and source/, then release/ and the gradebook.

    `destination` must be new or empty: a course holds students' data and belongs outside the kit's checkout.
    """
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise FileExistsError(f"{destination} is not an empty folder; choose a new folder for the course")
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(NBGRADER_CONFIG, destination / "nbgrader_config.py")
    shutil.copytree(SOURCE_DIR, destination / "source", ignore=shutil.ignore_patterns("__pycache__"))
    generate_release(destination)
    return [topic.module for topic in TOPICS]


def release_notebooks(check: bool = False) -> list[Path]:
    """Regenerate release/ with nbgrader from source/ (with `check`: only report differences)."""
    with tempfile.TemporaryDirectory(prefix="hardway-course-") as scratch:
        course = Path(scratch)
        shutil.copyfile(NBGRADER_CONFIG, course / "nbgrader_config.py")
        shutil.copytree(SOURCE_DIR, course / "source")
        generate_release(course)
        made = {path.relative_to(course / "release"): path.read_bytes()
                for path in (course / "release").rglob("*") if path.is_file()}
    current = {path.relative_to(RELEASE_DIR): path.read_bytes()
               for path in RELEASE_DIR.rglob("*") if path.is_file()} if RELEASE_DIR.exists() else {}
    stale = sorted(RELEASE_DIR / name for name in set(made) | set(current) if made.get(name) != current.get(name))
    if not check and stale:
        shutil.rmtree(RELEASE_DIR, ignore_errors=True)
        for name, data in made.items():
            (RELEASE_DIR / name).parent.mkdir(parents=True, exist_ok=True)
            (RELEASE_DIR / name).write_bytes(data)
    return stale
