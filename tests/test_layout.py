"""The layers of the kit import in one direction only, as docs/ARCHITECTURE.md draws them.

hardway (what students receive) <- the grading core <- authoring tools <- delivery channels <- the CLI.
Every import counts, those inside functions too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autograder import paths

KIT = paths.KIT_ROOT
CHANNELS, AUTHORING, ENTRY = "autograder.channels", "autograder.authoring", ("autograder.cli", "autograder.__main__",
                                                                      "autograder.demo")


def module_name(path: Path) -> str:
    parts = path.relative_to(KIT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module `path` imports (for `from package import name`, also `package.name`, which may be a module)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parent = package[: len(package) - node.level + 1] if node.level else []  # `from . import x`
            base = ".".join([*parent, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def modules(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (KIT / folder).rglob("*.py"))


def within(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


RULES = {
    "hardway imports nothing of the grader": (modules("hardway"), ("autograder",)),
    "the core imports no channel, authoring tool or CLI": (
        [path for path in modules("autograder") if not within(module_name(path), CHANNELS, AUTHORING, *ENTRY)],
        (CHANNELS, AUTHORING, *ENTRY)),
    "authoring imports no channel or CLI": (modules("autograder/authoring"), (CHANNELS, *ENTRY)),
    "a channel imports no CLI": (modules("autograder/channels"), ENTRY),
}


@pytest.mark.parametrize("rule", RULES)
def test_imports_point_one_way(rule):
    files, forbidden = RULES[rule]
    assert files, "the rule must look at some files"
    wrong = {f"{path.relative_to(KIT)} imports {name}" for path in files for name in imported(path)
             if within(name, *forbidden)}
    assert not wrong, f"{rule}: " + "; ".join(sorted(wrong))


def test_the_import_reader_sees_imports_inside_functions():
    """The rules above would pass if the reader found nothing: it finds top-level and deferred imports."""
    assert "autograder.grading" in imported(KIT / "autograder" / "channels" / "repos.py")
    assert "autograder.channels.nbgrader_loop" in imported(KIT / "autograder" / "cli.py"), "imported in a function"
