"""A student's notebook as a module file: the code the grader runs instead of trusting the kernel.

A notebook mixes answers with experiments: cells that print, plot, time a
loop, call `os._exit`, or patch the checking machinery. The grader keeps only
what an answer can depend on, so that the module it grades behaves like the
module channel's `exNN_topic.py`:

* every top-level function and class definition, in notebook order (a later
  definition replaces an earlier one, as it does in the kernel);
* imports and assignments, but only those that bind a name which the
  exercise's interface or a kept definition reads as a global (a constant such as
  `BATCH_SIZE = 16`, a type alias, `square = lambda n: mul(n, n)`);
* `from __future__` imports, moved to the top where Python requires them.

Definitions keep their text. A cell's imports and assignments run in a `try`
block (see `guarded`), so that one that fails (a library the grader's sandbox
does not have) leaves its names undefined instead of failing the whole module,
as a failing cell in the kernel did not stop the cells after it.

Everything else at the top level of a cell is left out: expressions
(`print(...)`, `plt.plot(...)`, `os._exit(0)`), loops, `if`/`with`/`try`
blocks, and assignments nothing uses (`x = AutoDiff(2.0)`). Test cells are
skipped. A cell that is not valid Python even after IPython's own rewriting of
magics (`%timeit`, `!pip`) is skipped too, as it would have defined nothing in
the kernel either. The rule is simple on purpose, and the notebook says it to
the student: code an answer needs belongs in a definition, an import or a
constant.
"""

from __future__ import annotations

import ast
import symtable
from collections.abc import Iterable
from dataclasses import dataclass

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from autograder import paths
from hardway.catalogue import topic_by_module

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
BINDINGS = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.AugAssign)


def is_test_cell(cell: nbformat.NotebookNode) -> bool:
    """An autograded test cell (graded, not an answer): it checks the answers and defines none."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def is_demonstration_cell(cell: nbformat.NotebookNode) -> bool:
    """The locked "Try it" cell (the module's `__main__` block): a picture for the student, not part of the module."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "given-try-it"


def student_code_cells(notebook: nbformat.NotebookNode) -> list[str]:
    """The source of every code cell except the test cells and the "Try it" cell, in notebook order."""
    return [cell.source for cell in notebook.cells
            if cell.cell_type == "code" and not is_test_cell(cell) and not is_demonstration_cell(cell)]


@dataclass
class Statement:
    """One top-level statement of a cell, with its own text (comments kept) and where it came from."""

    node: ast.stmt
    text: str
    cell: int


def cell_statements(source: str, cell: int = 0) -> list[Statement]:
    """A cell's top-level statements; magics become calls (left out later); [] if it is not Python."""
    try:
        python = TransformerManager().transform_cell(source)
        nodes = ast.parse(python).body
    except (SyntaxError, ValueError, RecursionError):
        return []
    lines = python.splitlines()
    shared = {node.lineno for node in nodes} & {node.end_lineno for node in nodes[:-1]}
    statements = []
    for node in nodes:
        first = min([node.lineno] + [decorator.lineno for decorator in getattr(node, "decorator_list", [])])
        if first in shared or node.end_lineno in shared:  # `a = 1; os._exit(0)`: keep only the statement itself
            text = ast.unparse(node)
        else:
            text = "\n".join(lines[first - 1:node.end_lineno])
        statements.append(Statement(node, text, cell))
    return statements


def bound_names(statement: ast.stmt) -> set[str]:
    """The top-level names a statement binds or changes (`a.b = 1` changes `a`)."""
    if isinstance(statement, DEFINITIONS):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    assert isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)), ast.dump(statement)
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    names = set()
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                names.add(node.id)
    return names


def global_reads(text: str) -> set[str]:
    """The module-level names a statement reads, when it runs or when functions it defines run.

    Python's own `symtable` tells a function's parameters and locals from the
    globals it reads, so `x = train(...)` in a scratch cell is not kept just
    because some function has a local variable called `x`.
    """
    table = symtable.symtable(text, "<cell>", "exec")
    names = {symbol.get_name() for symbol in table.get_symbols() if symbol.is_referenced()}
    nested = list(table.get_children())
    while nested:
        scope = nested.pop()
        names |= {symbol.get_name() for symbol in scope.get_symbols() if symbol.is_global()}
        nested.extend(scope.get_children())
    return names


def is_star_import(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.ImportFrom) and any(alias.name == "*" for alias in statement.names)


def keep_answer_code(statements: list[Statement], interface: Iterable[str]) -> list[Statement]:
    """The statements an answer can depend on, in order (see the module docstring)."""
    nodes = [statement.node for statement in statements]
    binds = [bound_names(node) if isinstance(node, DEFINITIONS + BINDINGS) else set() for node in nodes]
    kept = {index for index, node in enumerate(nodes) if isinstance(node, DEFINITIONS) or is_star_import(node)}
    needed = set(interface)
    added = kept
    while added:
        for index in added:
            needed |= global_reads(statements[index].text) | binds[index]
        added = {index for index, node in enumerate(nodes)
                 if index not in kept and isinstance(node, BINDINGS) and binds[index] & needed}
        kept |= added
    return [statement for index, statement in enumerate(statements) if index in kept]


def is_future_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__"


def guarded(statements: list[Statement]) -> str:
    """Imports and assignments of one cell in a `try` block: one that fails stops the block, not the module.

    That is how the kernel ran them: a cell that raised stopped there, and the
    cells after it ran on. (`ast.unparse` writes them back: a multi-line string
    keeps its value, which indenting its text would change.)
    """
    cell = statements[0].cell
    body = "".join(f"    {line}\n" for statement in statements for line in ast.unparse(statement.node).splitlines())
    return (f"try:\n{body}except Exception as _cell_error:\n"
            f"    print(f'code cell {cell} stopped: {{type(_cell_error).__name__}}: {{_cell_error}}')\n")


def module_source(cells: Iterable[str], interface: Iterable[str] = (), title: str = "") -> str:
    """One module from cell sources: what `keep_answer_code` keeps, future imports first.

    Definitions keep their text. Each cell's imports and assignments between
    definitions are `guarded`. A comment names each cell (counted from 1 among
    the code cells given), so a line in a traceback leads back to the notebook.
    """
    statements = [statement for number, source in enumerate(cells, start=1)
                  for statement in cell_statements(source, number)]
    futures = sorted({alias.name for statement in statements if isinstance(statement.node, ast.ImportFrom)
                      and is_future_import(statement.node) for alias in statement.node.names})
    parts = [f'"""{title}"""\n'] if title else []
    if futures:
        parts.append("".join(f"from __future__ import {name}\n" for name in futures))
    cell: int | None = None
    pending: list[Statement] = []
    for statement in keep_answer_code(statements, interface) + [None]:
        if pending and (statement is None or isinstance(statement.node, DEFINITIONS) or statement.cell != cell):
            parts.append(guarded(pending))
            pending = []
        if statement is None or is_future_import(statement.node):
            continue
        if statement.cell != cell:
            cell = statement.cell
            parts.append(f"# code cell {cell}\n")
        if isinstance(statement.node, DEFINITIONS):
            parts.append(statement.text + "\n")
        else:
            pending.append(statement)
    return "\n".join(parts)


def interface_names(module_text: str) -> set[str]:
    """The top-level names a module defines: what the tests may look up in a student's module."""
    names: set[str] = set()
    for node in ast.parse(module_text).body:
        if isinstance(node, DEFINITIONS + BINDINGS):
            names |= bound_names(node)
    return names


def topic_interface(notebook_name: str) -> set[str]:
    """The names an exercise's tests may look up, from its skeleton; empty for a notebook of no exercise."""
    try:
        topic = topic_by_module(notebook_name)
    except KeyError:
        return set()
    return interface_names((paths.EXERCISES_DIR / topic.filename).read_text(encoding="utf-8"))


def notebook_module(notebook: nbformat.NotebookNode, notebook_name: str) -> str:
    """The module the grader runs for a submitted notebook (see the module docstring)."""
    title = f"{notebook_name}: the code cells of a submitted notebook, as the grader runs them."
    return module_source(student_code_cells(notebook), topic_interface(notebook_name), title)
