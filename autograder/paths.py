"""Where the kit keeps its parts. The grader runs from a checkout of the kit (`pip install -e .`)."""

from __future__ import annotations

from pathlib import Path

from hardway.catalogue import Topic

KIT_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = KIT_ROOT / "solutions"
EXERCISES_DIR = KIT_ROOT / "exercises"
PUBLIC_TESTS_DIR = EXERCISES_DIR / "tests"
HIDDEN_TESTS_DIR = Path(__file__).resolve().parent / "hidden"
GRADING_INI = Path(__file__).resolve().parent / "grading.ini"


def public_tests(topic: Topic) -> Path:
    return PUBLIC_TESTS_DIR / f"test_{topic.module}.py"


def hidden_tests(topic: Topic) -> Path:
    return HIDDEN_TESTS_DIR / f"test_{topic.module}_hidden.py"


def require_checkout() -> None:
    """Fail with instructions when the kit was installed without its exercise folders."""
    if not SOLUTIONS_DIR.is_dir() or not PUBLIC_TESTS_DIR.is_dir():
        raise SystemExit(
            f"autograder: the kit's folders were not found next to {Path(__file__).parent} "
            "(expected solutions/ and exercises/tests/). Install the kit from its checkout "
            "with `pip install -e .` and run the grader from there."
        )
