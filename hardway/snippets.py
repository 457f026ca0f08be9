"""Run a test's snippet of code against a student's module.

Tests describe what to call as a short piece of Python, for example::

    y = AutoDiff(2.0) * AutoDiff(3.0, 0.0)
    y.value, y.gradient

The snippet runs with the student's module as its namespace; the value of its
last line is the result, like a notebook cell. The same function runs in the
student's own pytest process and inside the grading sandbox, so a test behaves
the same way in both.
"""

from __future__ import annotations

import ast
import builtins
import math
import textwrap
from types import ModuleType
from typing import Any, Callable

import numpy as np


def compile_snippet(source: str) -> tuple[Any, Any]:
    """Compile `source` into (statements, last expression or None)."""
    tree = ast.parse(textwrap.dedent(source).strip(), filename="<test snippet>", mode="exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, "<test snippet>", "exec")
    return body, (compile(last, "<test snippet>", "eval") if last is not None else None)


def raised(action: Callable[[], Any]) -> tuple[str, str] | None:
    """Call `action`; give back (exception type name, message) if it raised, else None.

    Lets a one-line snippet check an error case: ``raised(lambda: log(AutoDiff(-1.0)))``.
    """
    try:
        action()
    except NotImplementedError:
        raise  # an unfinished stub is not the error a test is asking about
    except Exception as error:  # noqa: BLE001 - the test decides which types are right
        return type(error).__name__, str(error)
    return None


#: What every snippet may rely on, whatever the student's module defines.
TEST_NAMES: dict[str, Any] = {"np": np, "math": math, "raised": raised, "__builtins__": builtins}


def run_snippet(module: ModuleType, source: str, inputs: dict[str, Any]) -> Any:
    """Run `source` with the module's names in scope, then the test's own on top.

    The test's names (`np`, `math`, `raised`, the real builtins and `inputs`) come after the
    module's, so a module that binds `np` to something else (``import math as np``, a fake
    numpy) cannot change what the test's snippet computes, to pass it or to crash it.
    """
    namespace = dict(vars(module))
    namespace.update(TEST_NAMES)
    namespace.update(inputs)
    body, last = compile_snippet(source)
    exec(body, namespace)  # noqa: S102 - the snippet is the grader's code, not the student's
    return eval(last, namespace) if last is not None else None  # noqa: S307


def one_line(source: str, limit: int = 300) -> str:
    """A snippet written on one line (cut to `limit` characters), for messages."""
    lines = [line.strip() for line in textwrap.dedent(source).strip().splitlines() if line.strip()]
    text = "; ".join(lines)
    return text if len(text) <= limit else text[: limit - 5] + " ..."
