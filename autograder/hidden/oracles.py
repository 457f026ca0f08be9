"""Independent oracles for the hidden tests of exercise 1, and a random expression maker.

An expression is a Python string over variables such as ``x`` and ``y`` and
the names ``sin cos exp log sqrt tanh``. The student's code evaluates it with
their AutoDiff; the oracle evaluates the very same string on float64 torch
tensors and differentiates it with `torch.func.jvp`. Central differences give
a second, library-free check.
"""

from __future__ import annotations

import re
import zlib
from typing import Any, Callable, Sequence

import numpy as np


class GraderBug(RuntimeError):
    """The reference solution and the oracle disagree: a score would be untrustworthy."""


def _torch_namespace() -> dict[str, Any]:
    import torch

    def lifted(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
        # A constant sub-expression such as sin(1.2) reaches the oracle as a plain float.
        return lambda value: function(torch.as_tensor(value, dtype=torch.float64))

    names = ("sin", "cos", "exp", "log", "sqrt", "tanh")
    return {name: lifted(getattr(torch, name)) for name in names}


def numpy_function(expression: str, variables: Sequence[str]) -> Callable[..., Any]:
    """The expression on plain float64 numbers, for central differences."""
    namespace = {name: getattr(np, name) for name in ("sin", "cos", "exp", "log", "sqrt", "tanh")}
    return eval(f"lambda {', '.join(variables)}: {expression}", namespace)  # noqa: S307


def torch_function(expression: str, variables: Sequence[str]) -> Callable[..., Any]:
    namespace = _torch_namespace()
    return eval(f"lambda {', '.join(variables)}: {expression}", namespace)  # noqa: S307 - the grader's own text


def torch_jvp(expression: str, variables: Sequence[str], primals: Sequence[Any], tangents: Sequence[Any]
              ) -> tuple[np.ndarray, np.ndarray]:
    """(value, directional derivative) of `expression` in float64, via torch.func.jvp."""
    import torch

    as_tensor = [torch.as_tensor(np.asarray(p, dtype=np.float64)) for p in primals]
    directions = [torch.as_tensor(np.asarray(t, dtype=np.float64)) for t in tangents]
    value, tangent = torch.func.jvp(torch_function(expression, variables), tuple(as_tensor), tuple(directions))
    return value.detach().numpy(), tangent.detach().numpy()


def torch_gradient(expression: str, variables: Sequence[str], point: Sequence[float]) -> list[float]:
    """Gradient by reverse mode (a different algorithm from the student's forward mode)."""
    import torch

    inputs = tuple(torch.tensor(float(p), dtype=torch.float64, requires_grad=True) for p in point)
    output = torch_function(expression, variables)(*inputs)
    return [float(g) for g in torch.autograd.grad(output, inputs, allow_unused=False)]


def central_difference(function: Callable[[float], float], x: float, step: float = 1e-5) -> float:
    return (function(x + step) - function(x - step)) / (2 * step)


def agreed(oracle: Any, reference: Any, *, rtol: float = 1e-8, atol: float = 1e-10) -> Any:
    """The expected value, once the reference and the oracle agree on it."""
    oracle_flat = np.asarray(_flatten(oracle), dtype=float)
    reference_flat = np.asarray(_flatten(reference), dtype=float)
    if oracle_flat.shape != reference_flat.shape or not np.allclose(reference_flat, oracle_flat, rtol=rtol, atol=atol):
        raise GraderBug(f"the reference solution gave {reference!r} but the oracle gave {oracle!r}")
    return oracle


def _flatten(value: Any) -> list[float]:
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in _flatten(item)]
    return [float(x) for x in np.ravel(np.asarray(value, dtype=float))]


# -- random expressions -------------------------------------------------------------------

#: Templates that stay inside every function's domain when their holes take any real value.
ARITHMETIC = [
    "({a} + {b})", "({a} - {b})", "({a} * {b})", "({a} / (2.5 + {b} * {b}))", "(-{a})",
    "({c} + {a})", "({c} - {a})", "({c} * {a})", "({c} / (1.5 + {a} * {a}))", "({a} ** 3)", "({a} ** 2)",
    "((1.5 + {a} * {a}) ** ({b} / 4))", "({k} ** ({a} / 3))", "((2.0 + {a} * {a}) ** -0.5)",
]
FUNCTIONS = [
    "sin({a})", "cos({a})", "tanh({a})", "exp(sin({a}))", "log(1.5 + {a} * {a})", "sqrt(2.0 + {a} * {a})",
    "exp({a} / 4)", "log(exp({a} / 3) + 1.0)", "sqrt(1.0 + tanh({a}) ** 2)",
]
#: Reverse mode's Node (Task 1.6) takes plain-number exponents only: every template but the two with a varying one.
VARYING_EXPONENTS = ["((1.5 + {a} * {a}) ** ({b} / 4))", "({k} ** ({a} / 3))"]
REVERSE = [template for template in ARITHMETIC + FUNCTIONS if template not in VARYING_EXPONENTS]


def random_expression(rng: np.random.Generator, variables: Sequence[str], depth: int = 3,
                      with_functions: bool = True, templates: Sequence[str] | None = None,
                      constants: bool = True) -> str:
    """A random expression that uses at least one of `variables`.

    `templates` replaces the default ARITHMETIC (+ FUNCTIONS); without `constants` every leaf is a
    variable, so no function is ever applied to a plain number.
    """
    chosen = list(templates) if templates is not None else ARITHMETIC + (FUNCTIONS if with_functions else [])
    while True:
        expression = _random_expression(rng, variables, depth, chosen, constants)
        if any(uses(expression, name) for name in variables):
            return expression


def fixed_expressions(name: str, count: int, variables: Sequence[str], depth: int = 3,
                      with_functions: bool = True, use_all: bool = False, templates: Sequence[str] | None = None,
                      constants: bool = True) -> list[str]:
    """`count` random expressions that are the same on every grading seed (seeded by `name`).

    The shape of a question (which operations, nested how) decides which rules a
    test checks, so it must not change with the seed: only the points at which the
    expressions are evaluated are drawn from the grading seed. `use_all` keeps only
    expressions that use every variable; `templates` and `constants` are as in `random_expression`.
    """
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    found: list[str] = []
    while len(found) < count:
        expression = random_expression(rng, variables, depth, with_functions, templates, constants)
        if not use_all or all(uses(expression, variable) for variable in variables):
            found.append(expression)
    return found


def uses(expression: str, variable: str) -> bool:
    """Whether `variable` appears as a name (the x in exp is not the variable x)."""
    return re.search(rf"\b{variable}\b", expression) is not None


def well_conditioned(*values: Any, limit: float = 1e6) -> bool:
    """True when every number is finite and moderate, so tight tolerances are fair."""
    flat = np.asarray(_flatten(values), dtype=float)
    return bool(np.all(np.isfinite(flat)) and np.all(np.abs(flat) < limit))


def _random_expression(rng: np.random.Generator, variables: Sequence[str], depth: int, templates: list[str],
                       constants: bool) -> str:
    if depth == 0 or rng.random() < 0.15:
        if not constants or rng.random() < 0.8:
            return str(rng.choice(list(variables)))
        return f"{rng.uniform(0.5, 2.5):.3f}"
    template = str(rng.choice(templates))
    holes = {
        "a": _random_expression(rng, variables, depth - 1, templates, constants),
        "b": _random_expression(rng, variables, depth - 1, templates, constants),
        "c": f"{rng.uniform(-3, 3):.3f}",
        "k": f"{rng.uniform(0.5, 3.0):.3f}",
    }
    return template.format(**holes)
