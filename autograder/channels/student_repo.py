"""Build the student starter repository: what a class clones, and nothing more.

It holds the skeletons, the public tests, the public `hardway` library the
tests need, a student README, a `.gitignore` and advisory CI for GitHub
Actions and GitLab. Never solutions, hidden tests or the grader: those stay in
the instructor's repository (see `autograder grade-repo`).

The skeletons are made from `solutions/` every time, never copied from the
working tree's `exercises/`, where an instructor may be trying answers out.
The student's repository has its tests in `tests/` (the kit has them in
`exercises/tests/`), so paths in the copied text are rewritten to match.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autograder import paths
from autograder.authoring.stubgen import make_skeleton
from hardway.catalogue import TOPICS

#: Where the public tests are in the kit, and where they are in a student's repository.
KIT_TESTS, STUDENT_TESTS = "exercises/tests/", "tests/"

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "student"

#: template file -> where it goes in the student's repository
STUDENT_FILES = {
    "README.md": "README.md",
    "conftest.py": "conftest.py",
    "pyproject.toml": "pyproject.toml",
    "requirements.txt": "requirements.txt",
    "gitignore": ".gitignore",
    "github-check.yml": ".github/workflows/check.yml",
    "gitlab-ci.yml": ".gitlab-ci.yml",
}


def task_table() -> str:
    rows = ["| task | what you build |", "|---|---|"]
    rows += [f"| {task} | {title} |" for topic in TOPICS for task, title in topic.tasks.items()]
    return "\n".join(rows)


def student_paths(text: str) -> str:
    """`text` with the kit's paths to the public tests rewritten to the student's repository's."""
    return text.replace(KIT_TESTS, STUDENT_TESTS)


def release_template(destination: Path) -> list[Path]:
    """Write the starter repository into `destination` (which must be empty or absent)."""
    if destination.exists() and any(destination.iterdir()):
        raise FileExistsError(f"{destination} is not empty; choose a new folder for the student template")
    destination.mkdir(parents=True, exist_ok=True)
    (destination / "tests").mkdir()
    for topic in TOPICS:
        solution = paths.SOLUTIONS_DIR / topic.filename
        skeleton = make_skeleton(solution.read_text(encoding="utf-8"), str(solution))
        (destination / topic.filename).write_text(student_paths(skeleton), encoding="utf-8")
        tests = paths.public_tests(topic)
        (destination / "tests" / tests.name).write_text(student_paths(tests.read_text(encoding="utf-8")),
                                                        encoding="utf-8")
    shutil.copytree(paths.KIT_ROOT / "hardway", destination / "hardway", ignore=shutil.ignore_patterns("__pycache__"))
    for source, target in STUDENT_FILES.items():
        text = (TEMPLATES / source).read_text(encoding="utf-8").replace("{task_table}", task_table())
        (destination / target).parent.mkdir(parents=True, exist_ok=True)
        (destination / target).write_text(text, encoding="utf-8")
    return sorted(path for path in destination.rglob("*") if path.is_file())
