"""Build the student starter repository: what a class clones, and nothing more.

It holds the generated skeletons, the public tests, the public `hardway`
library the tests need, a student README, a `.gitignore` and advisory CI for
GitHub Actions and GitLab. Never solutions, hidden tests or the grader: those
stay in the instructor's repository (see `autograder grade-repo`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autograder import paths
from hardway.catalogue import TOPICS

TEMPLATES = Path(__file__).resolve().parent / "templates" / "student"

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


def release_template(destination: Path) -> list[Path]:
    """Write the starter repository into `destination` (which must be empty or absent)."""
    if destination.exists() and any(destination.iterdir()):
        raise FileExistsError(f"{destination} is not empty; choose a new folder for the student template")
    destination.mkdir(parents=True, exist_ok=True)
    (destination / "tests").mkdir()
    for topic in TOPICS:
        shutil.copyfile(paths.EXERCISES_DIR / topic.filename, destination / topic.filename)
        shutil.copyfile(paths.public_tests(topic), destination / "tests" / paths.public_tests(topic).name)
    shutil.copytree(paths.KIT_ROOT / "hardway", destination / "hardway", ignore=shutil.ignore_patterns("__pycache__"))
    for source, target in STUDENT_FILES.items():
        text = (TEMPLATES / source).read_text(encoding="utf-8").replace("{task_table}", task_table())
        (destination / target).parent.mkdir(parents=True, exist_ok=True)
        (destination / target).write_text(text, encoding="utf-8")
    return sorted(path for path in destination.rglob("*") if path.is_file())
