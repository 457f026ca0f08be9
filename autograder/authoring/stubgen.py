"""Make a student skeleton from a reference solution.

The reference (`solutions/exNN_*.py`) marks each answer with nbgrader's
convention::

    def __mul__(self, other):
        \"\"\"Product rule ... Task 1.2.\"\"\"
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

`make_skeleton` replaces every marked region by a stub that raises
``NotImplementedError("Task 1.2: implement AutoDiff.__mul__ (see its docstring)")``,
taking the task id from the enclosing function's docstring and its name from
the code, so the message can never drift from the solution it stands for.
Everything outside the regions (narrative, imports, worked examples) is kept.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
TASK_IN_DOCSTRING = re.compile(r"\bTask (\d+\.\d+)\b")


class StubError(ValueError):
    """The solution file's regions are malformed; the message gives the line."""


@dataclass(frozen=True)
class Region:
    begin: int  # 1-based line of the BEGIN marker
    end: int  # 1-based line of the END marker
    indent: str
    qualname: str
    task: str


def _functions(tree: ast.Module) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function with its qualified name (Class.method)."""
    found: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((prefix + child.name, child))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return found


def find_regions(source: str, filename: str = "<solution>") -> list[Region]:
    """Locate every solution region and the function and task it belongs to."""
    lines = source.splitlines()
    functions = _functions(ast.parse(source, filename))
    regions: list[Region] = []
    open_at: int | None = None
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == BEGIN:
            if open_at is not None:
                raise StubError(f"{filename}:{number}: {BEGIN} inside another region (opened at line {open_at})")
            open_at = number
        elif marker == END:
            if open_at is None:
                raise StubError(f"{filename}:{number}: {END} without a matching {BEGIN}")
            regions.append(_region(filename, lines, open_at, number, functions))
            open_at = None
    if open_at is not None:
        raise StubError(f"{filename}:{open_at}: {BEGIN} is never closed")
    return regions


def _region(filename: str, lines: list[str], begin: int, end: int,
            functions: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]) -> Region:
    # ast line spans stop at the last statement, so the END comment may lie past them.
    enclosing = [(name, node) for name, node in functions if node.lineno < begin <= (node.end_lineno or 0)]
    if not enclosing:
        raise StubError(f"{filename}:{begin}: a solution region must sit inside a function body")
    qualname, function = max(enclosing, key=lambda pair: pair[1].lineno)  # the innermost
    docstring = ast.get_docstring(function) or ""
    tasks = sorted(set(TASK_IN_DOCSTRING.findall(docstring)))
    if not tasks:
        raise StubError(f"{filename}:{function.lineno}: {qualname}'s docstring must name its task, e.g. 'Task 1.2.'")
    if len(tasks) > 1:  # the stub would silently belong to whichever came first
        raise StubError(f"{filename}:{function.lineno}: {qualname}'s docstring names tasks {', '.join(tasks)}; "
                        "name only its own task as 'Task N.k' and mention others in lower case ('task 1.3').")
    if any(statement.lineno > end for statement in function.body):
        raise StubError(f"{filename}:{end}: the region in {qualname} must run to the end of the function")
    indent = lines[begin - 1][: len(lines[begin - 1]) - len(lines[begin - 1].lstrip())]
    return Region(begin, end, indent, qualname, tasks[0])


def make_skeleton(source: str, filename: str = "<solution>", keep: frozenset[str] = frozenset()) -> str:
    """The student's version of `source`: each region not named in `keep` becomes a stub."""
    lines = source.splitlines()
    output: list[str] = []
    position = 0
    for region in find_regions(source, filename):
        output += lines[position : region.begin - 1]
        if region.qualname in keep:
            output += lines[region.begin : region.end - 1]
        else:
            output.append(f"{region.indent}# YOUR CODE HERE")
            message = f"Task {region.task}: implement {region.qualname} (see its docstring)"
            output.append(f'{region.indent}raise NotImplementedError("{message}")')
        position = region.end
    output += lines[position:]
    return "\n".join(output) + "\n"


def skeleton_path(solution: Path, exercises_dir: Path) -> Path:
    return exercises_dir / solution.name


def generate(solutions_dir: Path, exercises_dir: Path, check: bool = False) -> list[Path]:
    """Write (or, with `check`, compare) every skeleton; return the files that were stale."""
    stale: list[Path] = []
    for solution in sorted(solutions_dir.glob("ex[0-9][0-9]_*.py")):
        target = skeleton_path(solution, exercises_dir)
        wanted = make_skeleton(solution.read_text(encoding="utf-8"), str(solution))
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != wanted:
            stale.append(target)
            if not check:
                target.write_text(wanted, encoding="utf-8")
    return stale
