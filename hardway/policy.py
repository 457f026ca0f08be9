"""Static rules a submission must follow before any of its code runs.

Exercise 1 asks for automatic differentiation built by hand, so a module that
imports a library which differentiates for it (or reaches one through dynamic
imports, `exec` or `eval`) is turned away with an explanation. The check reads
the source with `ast`; it never imports the module.

The same names are also blocked at run time inside the grading sandbox (see
`hardway.worker`), so the two layers back each other up.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass

from hardway.catalogue import Topic

#: Built-in names that run code or import modules chosen at run time.
DYNAMIC_NAMES = ("__import__", "exec", "eval", "compile", "breakpoint", "__builtins__", "globals")
#: Modules whose purpose is importing or running other code by name.
DYNAMIC_MODULES = ("importlib", "imp", "runpy", "pkgutil", "ctypes", "code", "codeop", "builtins", "subprocess")


@dataclass(frozen=True)
class Violation:
    line: int
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}"


class PolicyError(Exception):
    """The submission breaks the exercise's rules; the message says which and why."""


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def find_violations(source: str, topic: Topic) -> list[Violation]:
    """Every place in `source` that imports a forbidden module or runs code dynamically."""
    if not topic.forbidden_imports:
        return []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # reported, with its line, when the module is imported
    banned = set(topic.forbidden_imports) | set(DYNAMIC_MODULES)
    found: list[Violation] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Violation(node.lineno, f"import {alias.name}")
                      for alias in node.names if _top(alias.name) in banned]
        elif isinstance(node, ast.ImportFrom) and node.module and _top(node.module) in banned:
            found.append(Violation(node.lineno, f"from {node.module} import ..."))
        elif isinstance(node, ast.Name) and node.id in DYNAMIC_NAMES:
            found.append(Violation(node.lineno, f"use of {node.id}"))
        elif isinstance(node, ast.Attribute) and node.attr in DYNAMIC_NAMES:
            found.append(Violation(node.lineno, f"use of .{node.attr}"))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and _top(node.value) in topic.forbidden_imports):
            found.append(Violation(node.lineno, f"the string {node.value!r} names a forbidden library"))
    return sorted(set(found), key=lambda v: (v.line, v.what))


def decode_source(data: bytes, filename: str) -> str:
    """The source text exactly as Python will read it, which must be UTF-8.

    Python honours a `# coding:` line; a checker that decoded otherwise would
    read different code from the code that runs (UTF-7 hides `exec` that way).
    So any other coding is refused, with a message that says how to fix it.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise PolicyError(f"{filename} was not run: {error.msg}. Save the file as UTF-8.") from None
    if encoding not in ("utf-8", "utf-8-sig"):
        raise PolicyError(f"{filename} was not run: it declares the coding {encoding!r}. Save it as UTF-8 "
                          "and remove the `# coding:` line.")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise PolicyError(f"{filename} was not run: byte {error.start} is not valid UTF-8. "
                          "Save the file as UTF-8.") from None


def check_source(source: bytes, topic: Topic, filename: str) -> None:
    """Raise PolicyError naming every violation, or return quietly."""
    text = decode_source(source, filename)
    try:
        violations = find_violations(text, topic)
    except (MemoryError, RecursionError):
        raise PolicyError(f"{filename} was not run: it is nested too deeply for Python to read it. "
                          "Split long expressions into several statements.") from None
    if violations:
        listed = "; ".join(str(v) for v in violations[:5])
        raise PolicyError(
            f"{filename} was not run: {topic.forbidden_reason}. Found {listed}. "
            f"Remove these and use only Python, math and numpy."
        )
