"""Run a test's snippet of code against a student's module.

Tests describe what to call as a short piece of Python, for example::

    y = AutoDiff(2.0) * AutoDiff(3.0, 0.0)
    y.value, y.gradient

The snippet runs with the student's module as its namespace; the value of its
last line is the result, like a notebook cell. The same function runs in the
student's own pytest process and inside the grading sandbox, so a test behaves
the same way in both.

A longer piece of test code is a real function of the test module, a *probe*:
``submission.call(probe, **inputs)`` sends its source (`probe_source`), with
the module-level functions it uses, to wherever the student's code runs. Each
parameter is bound by name, from the inputs or else from the student's module,
so a probe takes the student's functions it needs as parameters. Its code is
compiled under its own file and line numbers, so it is linted and highlighted
like any test code, and a traceback through it points at the test file. A
one-line call stays a string snippet: there the call text is the message.
"""

from __future__ import annotations

import __future__

import ast
import builtins
import dis
import inspect
import math
import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import CodeType, FunctionType, ModuleType
from typing import Any, Callable, Iterable

import numpy as np


def compile_snippet(source: str) -> tuple[Any, Any]:
    """Compile `source` into (statements, last expression or None)."""
    tree = ast.parse(textwrap.dedent(source).strip(), filename="<test snippet>", mode="exec")
    last = None
    if tree.body and isinstance(final := tree.body[-1], ast.Expr):
        tree.body.pop()
        last = ast.Expression(final.value)
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
    if is_probe(source):
        definitions, last = compile_probe(source)
    else:
        body, last = compile_snippet(source)
        definitions = [body]
    for code in definitions:
        exec(code, namespace)  # noqa: S102 - the snippet is the grader's code, not the student's
    return eval(last, namespace) if last is not None else None  # noqa: S307


def one_line(source: str, limit: int = 300) -> str:
    """A snippet written on one line (cut to `limit` characters), for messages; a probe as its call and place."""
    if is_probe(source):
        pieces, call = probe_pieces(source)
        text = f"{call} ({Path(pieces[-1].file).name}, line {pieces[-1].line})"
    else:
        lines = [line.strip() for line in textwrap.dedent(source).strip().splitlines() if line.strip()]
        text = "; ".join(lines)
    return text if len(text) <= limit else text[: limit - 5] + " ..."


# -- probes: test functions sent as source ------------------------------------------------------------------

#: Opens each function of a probe's source: where its first line stands in the test's files.
PIECE = "# probe piece: line {line} of {file}"
#: Opens the call that gives the probe's result.
CALL = "# probe call"
_PIECE = re.compile(r"^# probe piece: line (\d+) of (.+)$")
#: Functions of a probe compile as if their module said ``from __future__ import annotations``: their
#: annotations name test-side types (``Callable``) that the student's process need not have.
_ANNOTATIONS_AS_TEXT = __future__.annotations.compiler_flag


class ProbeError(TypeError):
    """A function that cannot run as a probe where the student's code runs; the message tells the test's author."""


@dataclass
class Piece:
    """One function of a probe's source: where its first line stands in its file, and its text."""

    file: str
    line: int
    text: str = ""


def is_probe(source: str) -> bool:
    """Whether `source` was made by `probe_source` (a probe), rather than written as a snippet."""
    return source.startswith("# probe piece: ")


def probe_pieces(source: str) -> tuple[list[Piece], str]:
    """The functions of a probe's source, and its call."""
    head, _, call = source.partition(f"\n{CALL}\n")
    pieces: list[Piece] = []
    for line in head.splitlines():
        found = _PIECE.match(line)
        if found:
            pieces.append(Piece(found.group(2), int(found.group(1))))
        else:
            pieces[-1].text += line + "\n"
    return pieces, call.strip()


def test_files(source: str) -> set[str]:
    """The file names that the frames of `source`'s own code carry: a snippet's, and a probe's test modules."""
    return {"<test snippet>"} | ({piece.file for piece in probe_pieces(source)[0]} if is_probe(source) else set())


def compile_probe(source: str) -> tuple[list[CodeType], CodeType]:
    """Compile a probe's source: each function under its own file and line numbers, then the call."""
    pieces, call = probe_pieces(source)
    definitions = []
    for piece in pieces:
        tree = ast.increment_lineno(ast.parse(piece.text, filename=piece.file), piece.line - 1)
        definitions.append(compile(tree, piece.file, "exec", flags=_ANNOTATIONS_AS_TEXT, dont_inherit=True))
    return definitions, compile(call, "<test snippet>", "eval")


def probe_source(probe: Callable[..., Any], inputs: Iterable[str] = ()) -> str:
    """The source that runs `probe(...)` where the student's code runs, each parameter bound by name.

    A parameter named in `inputs` takes that input; any other one without a default takes the student's
    module's name (`load_checkpoint`, say). The module-level functions the probe uses (from its own module
    or another) travel with it. Raises ProbeError when the probe would need anything else of the test's
    process: a closure's variables, a module or constant of the test module, a decorator, a computed default.
    """
    return _probe_source(probe, frozenset(inputs))


@lru_cache(maxsize=256)
def _probe_source(probe: Any, inputs: frozenset[str]) -> str:
    functions = _functions_used(_check_function(probe, "the probe"))
    names = {function.__name__ for function in functions}
    parameters = inspect.signature(probe).parameters
    unused = sorted(inputs - set(parameters))
    if unused:
        raise ProbeError(f"{probe.__name__} has no parameter named {', '.join(unused)}: every input of "
                         "submission.call(probe, **inputs) must be one of the probe's parameters")
    clashes = sorted(names & set(parameters))
    if clashes:
        raise ProbeError(f"{probe.__name__}'s parameter {clashes[0]} has the name of a function it uses; rename one")
    arguments, keywords_only = [], False
    for parameter in parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ProbeError(f"{probe.__name__} takes *args or **kwargs; a probe's parameters are bound by name")
        if parameter.name not in inputs and parameter.default is not parameter.empty:
            keywords_only = True  # left at its default: later parameters must be named
            continue
        named = keywords_only or parameter.kind is parameter.KEYWORD_ONLY
        arguments.append(f"{parameter.name}={parameter.name}" if named else parameter.name)
    parts = []
    for function in functions:
        lines, first = inspect.getsourcelines(function)
        parts += [PIECE.format(line=first, file=function.__code__.co_filename), "".join(lines).rstrip("\n")]
    return "\n".join(parts + [CALL, f"{probe.__name__}({', '.join(arguments)})"]) + "\n"


def _check_function(function: Any, role: str) -> FunctionType:
    """`function`, if its source alone can define it in another process; else ProbeError saying why."""
    if not isinstance(function, FunctionType):
        raise ProbeError(f"{role} must be a function defined with def, not {type(function).__name__}")
    name = function.__qualname__
    if function.__code__.co_freevars:
        raise ProbeError(f"{role} {name} uses {', '.join(function.__code__.co_freevars)} from the function around "
                         "it; it runs in the student's process, where those do not exist: define it at the top "
                         "level of the test module and pass values as inputs")
    if name != function.__name__ or name == "<lambda>":
        raise ProbeError(f"{role} {name} must be a function defined at the top level of its module")
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    definition = tree.body[0]
    assert isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef))
    if definition.decorator_list:
        raise ProbeError(f"{role} {name} is decorated; only its source travels, so it must be a plain function")
    for default in definition.args.defaults + [d for d in definition.args.kw_defaults if d is not None]:
        try:
            ast.literal_eval(default)
        except ValueError:
            raise ProbeError(f"{role} {name} has the default {ast.unparse(default)}, which is computed in the "
                             "test's process; give defaults as literals (numbers, strings, None)") from None
    return function


def _functions_used(probe: FunctionType) -> list[FunctionType]:
    """The probe and every module-level function it uses, directly or not; the probe last."""
    found: dict[str, FunctionType] = {}
    todo = [probe]
    while todo:
        function = todo.pop()
        if found.get(function.__name__) is function:
            continue
        if function.__name__ in found:
            raise ProbeError(f"two functions named {function.__name__} would travel with the probe; rename one")
        found[function.__name__] = function
        for name in sorted(_global_names(_compiled_as_sent(function))):
            helper = _shipped_helper(function, name)
            if helper is not None:
                todo.append(_check_function(helper, f"{function.__name__}'s helper"))
    return [function for function in found.values() if function is not probe] + [probe]


def _shipped_helper(function: FunctionType, name: str) -> FunctionType | None:
    """The function `name` stands for in `function`'s module, to travel with it; None if the name needs nothing.

    Raises ProbeError for a name the student's process would not have, or would have with another meaning.
    """
    scope = function.__globals__
    where = f"{function.__name__} (in {function.__module__})"
    if name.startswith("__") and name.endswith("__"):
        return None  # __name__, __file__: the student's module has its own
    if name not in scope:
        if hasattr(builtins, name):
            return None
        raise ProbeError(f"{where} uses {name}, which its module does not define; a name of the student's module "
                         "must be a parameter of the probe (it is bound from the student's module)")
    value = scope[name]
    if name in TEST_NAMES and value is TEST_NAMES[name]:
        return None
    if isinstance(value, FunctionType) and value.__name__ == name:
        return value
    raise ProbeError(f"{where} uses {name} ({type(value).__name__}) from its module's globals, which do not travel "
                     "to the student's process: import it inside the function, or pass its value as an input")


def _compiled_as_sent(function: FunctionType) -> CodeType:
    """`function`'s source compiled as `compile_probe` will compile it, annotations left as text."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return compile(tree, function.__code__.co_filename, "exec", flags=_ANNOTATIONS_AS_TEXT, dont_inherit=True)


def _global_names(code: CodeType) -> set[str]:
    """The global names that `code` and the code nested in it read (class bodies' own names left out)."""
    names: set[str] = set()
    instructions = [(instruction.opname, instruction.argval) for instruction in dis.get_instructions(code)]
    stored = {name for operation, name in instructions if operation == "STORE_NAME"}
    for operation, name in instructions:
        if operation == "LOAD_GLOBAL" or (operation == "LOAD_NAME" and name not in stored):
            names.add(name)
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            names |= _global_names(constant)
    return names
