"""Hidden tests for exercise 1 (never shipped to students).

They check only what the skeleton's docstrings and the public tests state. The
questions have the same shape on every grading seed (the expressions, which
operations meet arrays, which edge cases come up: `fixed_expressions`); only the
numbers are drawn from `rng`, which the grading seed fixes, so a grade does not
depend on the seed and any run can be repeated with it. Expected values come
from an independent oracle (torch forward and reverse mode in float64, or
central differences) and must agree with the reference solution before a
student's answer is judged; a disagreement is a grader bug, never a lost point.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from autograder.hidden.oracles import (
    ARITHMETIC,
    FUNCTIONS,
    REVERSE,
    GraderBug,
    agreed,
    central_difference,
    fixed_expressions,
    numpy_function,
    torch_gradient,
    torch_jvp,
    well_conditioned,
)
from hardway import expect

CASES = 20
RTOL, ATOL = 1e-7, 1e-9


def _dual_of(expression: str) -> str:
    return f"x = AutoDiff(x0, 1.0)\ny = {expression}\ny.value, y.gradient"


def _point(rng: np.random.Generator, expression: str) -> tuple[float, tuple[float, float]]:
    """A point where `expression` (in x) is well conditioned, and torch's (value, derivative) there."""
    for _ in range(1000):
        x0 = float(rng.uniform(-2.0, 2.0))
        value, slope = torch_jvp(expression, ["x"], [x0], [1.0])
        if well_conditioned(value, slope):
            return x0, (float(value), float(slope))
    raise GraderBug(f"no well-conditioned point found for {expression}")


def _points(rng: np.random.Generator, expressions: list[str], variables: list[str], size: int | None = None,
            low: float = -1.5, high: float = 1.5) -> Any:
    """A point (or, with `size`, an array of `size` values of x) where every expression's derivative is moderate."""
    for _ in range(1000):
        if size is None:
            point = rng.uniform(low, high, size=len(variables)).tolist()
            if well_conditioned([torch_gradient(expression, variables, point) for expression in expressions]):
                return point
        else:
            xs = rng.uniform(low, high, size=size)
            if all(well_conditioned(*torch_jvp(expression, ["x"], [xs], [np.ones_like(xs)]))
                   for expression in expressions):
                return xs
    raise GraderBug(f"no well-conditioned point found for {expressions}")


#: The expressions each test differentiates: the same on every seed (only the points vary).
ARITHMETIC_CASES = fixed_expressions("1.2 arithmetic", CASES, ["x"], with_functions=False)
FUNCTION_CASES = fixed_expressions("1.3 functions", CASES, ["x"])
DIFFERENCE_CASES = fixed_expressions("1.3 central differences", CASES // 2, ["x"])
DERIVATIVE_CASES = fixed_expressions("1.4 derivative", CASES, ["x"])
GRADIENT_CASES = fixed_expressions("1.4 gradient", CASES // 2, ["x", "y", "z"], use_all=True)
JACOBIAN_CASES = fixed_expressions("1.4 jacobian", 2 * (CASES // 4), ["x", "y", "z"], use_all=True)
JVP_CASES = fixed_expressions("1.4 jvp", CASES // 2, ["x", "y"], use_all=True)
VECTORISED_CASES = fixed_expressions("1.5 vectorised", CASES // 2, ["x"])
#: Reverse mode's programs: plain-number exponents only (REVERSE), and every leaf a variable, so no function is
#: applied to a plain number (that would need Task 1.3's plain branch, not reverse mode).
NODE_VARIABLES = ["x", "y", "z"]
BACKWARD_CASES = fixed_expressions("1.6 backward", CASES // 2, NODE_VARIABLES, use_all=True, templates=REVERSE,
                                   constants=False)
ORDER_CASES = fixed_expressions("1.6 topological order", 4, NODE_VARIABLES, use_all=True, templates=REVERSE,
                                constants=False)
REVERSE_GRADIENT_CASES = fixed_expressions("1.7 reverse_gradient", CASES // 2, NODE_VARIABLES, use_all=True,
                                           templates=REVERSE, constants=False)


# -- 1.1 ------------------------------------------------------------------------------------


@pytest.mark.task("1.1", points=2)
def test_tuple_duals_follow_the_sum_product_and_square_rules(submission, reference, rng):
    for _ in range(CASES):
        (a, da), (b, db) = rng.uniform(-5, 5, size=(2, 2)).tolist()
        checks = {
            "add(u, v)": (a + b, da + db),
            "mul(u, v)": (a * b, da * b + a * db),
            "square(u)": (a * a, 2 * a * da),
            "add(mul(u, v), square(v))": (a * b + b * b, da * b + a * db + 2 * b * db),
        }
        for call, oracle in checks.items():
            expected = agreed(oracle, reference.run(call, u=(a, da), v=(b, db)))
            expect.close(f"{call} with u = {(a, da)}, v = {(b, db)}", submission.run(call, u=(a, da), v=(b, db)),
                         expected, rtol=RTOL, atol=ATOL)


# -- 1.2 ------------------------------------------------------------------------------------


def check_against_torch(submission, reference, rng, expressions: list[str], hint: str) -> None:
    """Each expression's value and derivative at a random point, as torch.func.jvp gives them (and the reference)."""
    for expression in expressions:
        x0, oracle = _point(rng, expression)
        snippet = _dual_of(expression)
        expected = agreed(oracle, reference.run(snippet, x0=x0))
        expect.close(f"{snippet} at x0 = {x0!r}", submission.run(snippet, x0=x0), expected, rtol=RTOL, atol=ATOL,
                     hint=hint)




@pytest.mark.task("1.2", points=4)
def test_random_arithmetic_matches_torch(submission, reference, rng):
    check_against_torch(submission, reference, rng, ARITHMETIC_CASES,
                        hint="compare with torch.func.jvp on the same expression; check each rule on its own")


@pytest.mark.task("1.2", points=2)
def test_power_rules_on_random_inputs(submission, reference, rng):
    for case in range(CASES):
        base = float(rng.uniform(0.2, 3.0))
        # Whole and fractional exponents in turn (the last kind drawn anew, never a whole number).
        exponent = [-2.0, -1.0, 0.5, 2.0, 3.0, float(rng.uniform(-2, 3)) + 1e-3][case % 6]
        whole = int(exponent) if exponent.is_integer() else 2
        for expression in (f"x ** {exponent!r}", f"{base!r} ** x", "x ** x", f"(-x) ** {whole}"):
            x0 = float(rng.uniform(0.3, 2.5))
            oracle = tuple(float(v) for v in torch_jvp(expression, ["x"], [x0], [1.0]))
            snippet = _dual_of(expression)
            expected = agreed(oracle, reference.run(snippet, x0=x0))
            expect.close(f"{snippet} at x0 = {x0!r}", submission.run(snippet, x0=x0), expected, rtol=RTOL, atol=ATOL,
                         hint="(u^n)' = n u^(n-1) u'; (c^u)' = c^u ln(c) u'; (u^v)' = u^v (v' ln u + v u'/u)")


@pytest.mark.task("1.2")
def test_comparisons_on_random_values(submission, rng):
    for case in range(CASES):
        a, b, ga, gb = rng.uniform(-3, 3, size=4).tolist()
        b = a if case % 4 == 0 else b  # equal values every fourth case: < and <= differ there
        call = "p, q = AutoDiff(a, ga), AutoDiff(b, gb)\n(p < q, p <= q, p > q, p >= q, p < b, p >= b)"
        hint = ("the values are equal here: p <= q and p >= q are True, p < q and p > q are False" if a == b
                else "compare values only (never the gradients), and return the plain bool that comparing them gives")
        expect.equal(f"{call} with a={a!r}, b={b!r}", submission.run(call, a=a, b=b, ga=ga, gb=gb),
                     (a < b, a <= b, a > b, a >= b, a < b, a >= b), hint=hint)


@pytest.mark.task("1.2")
def test_repr_names_both_fields(submission, rng):
    value, slope = (float(v) for v in rng.uniform(-50, 50, size=2))  # all their digits, as the docstring asks
    call = "repr(AutoDiff(v, g))"
    text = submission.run(call, v=value, g=slope)
    if not (isinstance(text, str) and "AutoDiff" in text and repr(value) in text and repr(slope) in text):
        expect.fail(f"{call} with v={value!r}, g={slope!r}", text,
                    f"a string showing AutoDiff, {value!r} and {slope!r}")


# -- 1.3 ------------------------------------------------------------------------------------


@pytest.mark.task("1.3", points=4)
def test_random_compositions_of_functions_match_torch(submission, reference, rng):
    check_against_torch(submission, reference, rng, FUNCTION_CASES,
                        hint="the chain rule: (f(u))' = f'(u) u' for every function")


@pytest.mark.task("1.3", points=2)
def test_derivatives_match_central_differences(submission, rng):
    for expression in DIFFERENCE_CASES:
        x0, _ = _point(rng, expression)
        plain = numpy_function(expression, ["x"])
        expected = (float(plain(x0)), central_difference(plain, x0))
        snippet = _dual_of(expression)
        # Central differences are accurate to about 1e-9 relative here; the bound leaves room for that.
        expect.close(f"{snippet} at x0 = {x0!r}", submission.run(snippet, x0=x0), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.task("1.3")
def test_plain_numbers_give_plain_results(submission, rng):
    for value in rng.uniform(0.1, 4.0, size=5).tolist():
        call = "sin(v), cos(v), exp(v), log(v), sqrt(v), tanh(v)"
        got = submission.run(call, v=value)
        oracle = tuple(f(value) for f in (math.sin, math.cos, math.exp, math.log, math.sqrt, math.tanh))
        expect.close(f"{call} with v = {value!r}", got, oracle, rtol=1e-12, atol=1e-14)


@pytest.mark.task("1.3", points=2)
def test_domain_errors_on_random_inputs(submission, rng):
    for bad in (-rng.uniform(0.1, 10.0, size=3)).tolist():
        for call, words in [("raised(lambda: log(AutoDiff(v)))", ("positive", "log", "domain")),
                            ("raised(lambda: log(AutoDiff(0.0 * v)))", ("positive", "log", "domain")),
                            ("raised(lambda: sqrt(AutoDiff(v)))", ("negative", "sqrt", "domain")),
                            ("raised(lambda: v ** AutoDiff(1.5))", ("positive", "base", "negative")),
                            ("raised(lambda: AutoDiff(v) ** AutoDiff(2.0))", ("positive", "base", "negative"))]:
            expect.rejects(f"{call} with v = {bad!r}", submission.run(call, v=bad), "ValueError", mentions=words)


# -- 1.4 ------------------------------------------------------------------------------------


@pytest.mark.task("1.4", points=2)
def test_derivative_of_random_functions(submission, reference, rng):
    for expression in DERIVATIVE_CASES:
        x0, (_, slope) = _point(rng, expression)
        call = f"derivative(lambda x: {expression}, x0)"
        expected = agreed(slope, reference.run(call, x0=x0))
        got = submission.run(call, x0=x0)
        expect.close(f"{call} at x0 = {x0!r}", got, expected, rtol=RTOL, atol=ATOL)
        expect.is_float(call, got)


@pytest.mark.task("1.4", points=2)
def test_gradient_of_random_functions_matches_reverse_mode(submission, reference, rng):
    variables = ["x", "y", "z"]
    for expression in GRADIENT_CASES:
        point = _points(rng, [expression], variables)
        call = f"gradient(lambda x, y, z: {expression}, point)"
        expected = agreed(torch_gradient(expression, variables, point), reference.run(call, point=point))
        expect.close(f"{call} at point = {point}", submission.run(call, point=point), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.task("1.4", points=2)
def test_jacobian_of_random_vector_functions(submission, reference, rng):
    variables = ["x", "y", "z"]
    for rows in zip(JACOBIAN_CASES[::2], JACOBIAN_CASES[1::2], strict=True):
        point = _points(rng, list(rows), variables, low=-1.0, high=1.0)
        oracle = [torch_gradient(row, variables, point) for row in rows]
        call = f"jacobian(lambda x, y, z: [{rows[0]}, {rows[1]}], point)"
        expected = agreed(oracle, reference.run(call, point=point))
        expect.close(f"{call} at point = {point}", submission.run(call, point=point), expected, rtol=RTOL, atol=ATOL,
                     hint="J[i][j] = d(output i)/d(input j)")


@pytest.mark.task("1.4", points=2)
def test_jvp_of_random_functions_matches_torch_func_jvp(submission, reference, rng):
    variables = ["x", "y"]
    for expression in JVP_CASES:
        point = _points(rng, [expression], variables)
        tangents = rng.normal(size=2).tolist()
        value, tangent = torch_jvp(expression, variables, point, tangents)
        call = f"jvp(lambda x, y: {expression}, tuple(primals), tuple(tangents))"
        expected = agreed((float(value), float(tangent)), reference.run(call, primals=point, tangents=tangents))
        expect.close(f"{call} with primals = {point}, tangents = {tangents}",
                     submission.run(call, primals=point, tangents=tangents), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.task("1.4")
def test_jvp_of_a_function_with_two_outputs(submission, reference, rng):
    x, y, dx, dy = rng.uniform(0.5, 2.0, size=4).tolist()
    call = "jvp(lambda x, y: (x * y, x / y), (px, py), (tx, ty))"
    oracle = ((x * y, x / y), (dx * y + x * dy, dx / y - x * dy / y**2))
    inputs = {"px": x, "py": y, "tx": dx, "ty": dy}
    expected = agreed(oracle, reference.run(call, **inputs))
    expect.close(f"{call} with {inputs}", submission.run(call, **inputs), expected, rtol=RTOL, atol=ATOL,
                 hint="a function with several outputs gives a tuple of values and a tuple of tangents")


# -- 1.5 ------------------------------------------------------------------------------------


@pytest.mark.task("1.5", points=3)
def test_vectorised_duals_match_torch_elementwise(submission, reference, rng):
    for case, expression in enumerate(VECTORISED_CASES):
        xs = _points(rng, [expression], ["x"], size=2 + case % 7, low=-2.0, high=2.0)
        values, slopes = torch_jvp(expression, ["x"], [xs], [np.ones_like(xs)])
        # Through task 1.5's own vectorised_derivative: the element-wise rules of 1.2 and 1.3 alone earn nothing here.
        snippet = ("x = AutoDiff(xs, np.ones_like(xs))\n" f"y = {expression}\n"
                   f"y.value, vectorised_derivative(lambda x: {expression}, xs)")
        expected = agreed((values, slopes), reference.run(snippet, xs=xs))
        expect.close(f"{snippet} with xs = {xs.tolist()}", submission.run(snippet, xs=xs), expected,
                     rtol=RTOL, atol=ATOL, hint="every rule applies element by element; use numpy functions")


@pytest.mark.task("1.5", points=2)
def test_every_operation_works_elementwise_on_arrays(submission, reference, rng):
    # Each template of the random expressions once, with x in every hole: arrays meet every rule on every seed
    # (powers with an AutoDiff exponent included), however the random expressions above happen to be built.
    for template in ARITHMETIC + FUNCTIONS:
        expression = template.format(a="x", b="x", c=f"{rng.uniform(-3, 3):.3f}", k=f"{rng.uniform(0.5, 3.0):.3f}")
        xs = _points(rng, [expression], ["x"], size=5)
        values, slopes = torch_jvp(expression, ["x"], [xs], [np.ones_like(xs)])
        # Through task 1.5's own vectorised_derivative: the element-wise rules of 1.2 and 1.3 alone earn nothing here.
        snippet = ("x = AutoDiff(xs, np.ones_like(xs))\n" f"y = {expression}\n"
                   f"y.value, vectorised_derivative(lambda x: {expression}, xs)")
        expected = agreed((values, slopes), reference.run(snippet, xs=xs))
        expect.close(f"{snippet} with xs = {xs.tolist()}", submission.run(snippet, xs=xs), expected,
                     rtol=RTOL, atol=ATOL, hint="every rule applies element by element; check a domain with "
                                                "np.any(...), never `if value <= 0` on an array")


@pytest.mark.task("1.5")
def test_vectorised_derivative_of_random_functions(submission, reference, rng):
    expression = fixed_expressions("1.5 vectorised_derivative", 1, ["x"], depth=2)[0]
    xs = _points(rng, [expression], ["x"], size=6)
    _, slopes = torch_jvp(expression, ["x"], [xs], [np.ones_like(xs)])
    call = f"vectorised_derivative(lambda x: {expression}, xs)"
    expected = agreed(np.broadcast_to(slopes, xs.shape), reference.run(call, xs=xs))
    expect.close(f"{call} with xs = {xs.tolist()}", submission.run(call, xs=xs), np.asarray(expected), rtol=RTOL,
                 atol=ATOL)


@pytest.mark.task("1.5")
def test_array_domain_errors_are_caught(submission, rng):
    xs = rng.uniform(0.5, 2.0, size=4)
    xs[int(rng.integers(0, 4))] *= -1
    call = "raised(lambda: vectorised_derivative(log, xs))"
    expect.rejects(f"{call} with xs = {xs.tolist()}", submission.run(call, xs=xs), "ValueError",
                   mentions=("positive", "log", "domain"), hint="with arrays, check every element before computing")


# -- 1.6 ------------------------------------------------------------------------------------


def _node_snippet(expression: str, last: str) -> str:
    return f"x, y, z = (Node(p) for p in point)\nout = {expression}\n{last}"


@pytest.mark.task("1.6", points=4)
def test_backward_on_random_programs_matches_torch(submission, reference, rng):
    for expression in BACKWARD_CASES:
        point = _points(rng, [expression], NODE_VARIABLES)
        oracle = (float(numpy_function(expression, NODE_VARIABLES)(*point)),
                  torch_gradient(expression, NODE_VARIABLES, point))
        snippet = _node_snippet(expression, "out.backward()\nout.value, [x.grad, y.grad, z.grad]")
        expected = agreed(oracle, reference.run(snippet, point=point))
        expect.close(f"{snippet} with point = {point}", submission.run(snippet, point=point), expected,
                     rtol=RTOL, atol=ATOL,
                     hint="compare with torch's backward on the same program: check each operation's local "
                          "derivatives, then backward (seed 1.0, walk the order from the output, add with +=)")


#: One operation each, with the parents it records (by name) and the program torch differentiates for its local
#: derivatives: ``x * x`` as ``x * y`` at y = x, so that each of its two parents gets its own partial derivative.
SINGLE_OPERATIONS = [
    ("x - y", ["x", "y"], "x - y"), ("x * y", ["x", "y"], "x * y"), ("x * x", ["x", "x"], "x * y"),
    ("x / y", ["x", "y"], "x / y"), ("-x", ["x"], "-x"), ("x ** 3", ["x"], "x ** 3"),
    ("x ** -0.5", ["x"], "x ** -0.5"), ("x ** 2.5", ["x"], "x ** 2.5"), ("sin(x)", ["x"], "sin(x)"),
    ("cos(x)", ["x"], "cos(x)"), ("exp(x)", ["x"], "exp(x)"), ("log(x)", ["x"], "log(x)"),
    ("sqrt(x)", ["x"], "sqrt(x)"), ("tanh(x)", ["x"], "tanh(x)"),
]


@pytest.mark.task("1.6", points=2)
def test_each_operation_records_its_parents_and_local_derivatives(submission, reference, rng):
    snippet_end = ("names = {id(x): 'x', id(y): 'y'}\n"
                   "m.value, [names.get(id(p), 'another node') for p in m.parents], m.local_derivatives")
    for expression, parents, differentiated in SINGLE_OPERATIONS:
        a, b = rng.uniform(0.3, 2.0, size=2).tolist()
        b = a if expression == "x * x" else b
        variables = ["x", "y"] if "y" in differentiated else ["x"]
        value = float(numpy_function(expression, ["x", "y"])(a, b))
        slopes = tuple(torch_gradient(differentiated, variables, [a, b][: len(variables)]))
        snippet = f"x, y = Node(a), Node(b)\nm = {expression}\n{snippet_end}"
        answer = reference.run(snippet, a=a, b=b)
        if answer[1] != parents:
            raise GraderBug(f"the reference records the parents of {expression} as {answer[1]}, not {parents}")
        value, slopes = agreed((value, slopes), (answer[0], answer[2]))
        expect.close(f"{snippet} with a = {a!r}, b = {b!r}", submission.run(snippet, a=a, b=b),
                     (value, parents, slopes), rtol=RTOL, atol=ATOL,
                     hint="the parents are the operands, self first (x * x has parents (x, x)); each local "
                          "derivative is d(result)/d(that parent)")


@pytest.mark.task("1.6", points=2)
def test_topological_order_of_random_programs(submission, rng):
    # The property, on the student's own graph: each listed node once, out last, and every parent of a listed node
    # listed before it (so nothing out depends on is missing: its first listed user would show a missing parent).
    check = ("order = topological_order(out)\nplace = {id(node): i for i, node in enumerate(order)}\n"
             "len(place), len(order) > 0 and order[-1] is out, "
             "[[place.get(id(parent), -1) for parent in node.parents] for node in order]")
    for expression in ORDER_CASES:
        point = _points(rng, [expression], NODE_VARIABLES)
        distinct, last, parents = submission.run(_node_snippet(expression, check), point=point)
        listed = len(parents)
        missing = sum(place == -1 for places in parents for place in places)
        late = sum(0 <= place and place >= own for own, places in enumerate(parents) for place in places)
        call = f"topological_order(out) with out = {expression} at {point}"
        wanted = "every node out depends on, each once, every node after its parents, out last"
        found = (f"{listed} entries, {distinct} of them different nodes"
                 f"{f', {missing} parents missing' if missing else ''}{', out not last' if not last else ''}"
                 f"{f', {late} parents listed after their node' if late else ''}")
        if listed != distinct:
            expect.fail(call, found, wanted, hint="each node appears once: remember the nodes you have visited")
        if missing:
            expect.fail(call, found, wanted, hint="list every node that out depends on (inputs and constants too)")
        if late:
            expect.fail(call, found, wanted, hint="each node must come after all of its parents: append a node only "
                                                  "after visiting them")
        if not last:
            expect.fail(call, found, wanted, hint="out depends on every other node, so it comes last")


# -- 1.7 ------------------------------------------------------------------------------------


@pytest.mark.task("1.7", points=3)
def test_reverse_gradient_of_random_programs_matches_torch(submission, reference, rng):
    for expression in REVERSE_GRADIENT_CASES:
        point = _points(rng, [expression], NODE_VARIABLES)
        call = f"reverse_gradient(lambda x, y, z: {expression}, point)"
        expected = agreed(torch_gradient(expression, NODE_VARIABLES, point), reference.run(call, point=point))
        expect.close(f"{call} at point = {point}", submission.run(call, point=point), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.task("1.7")
def test_reverse_and_forward_mode_agree_with_torch(submission, reference, rng):
    # The same program on Node (reverse mode) and on AutoDiff (Task 1.4's forward mode): one gradient, two ways.
    for expression in REVERSE_GRADIENT_CASES[:4]:
        point = _points(rng, [expression], NODE_VARIABLES)
        call = f"f = lambda x, y, z: {expression}\nreverse_gradient(f, point), gradient(f, point)"
        oracle = torch_gradient(expression, NODE_VARIABLES, point)
        expected = agreed((oracle, oracle), reference.run(call, point=point))
        expect.close(f"{call} at point = {point}", submission.run(call, point=point), expected, rtol=RTOL, atol=ATOL,
                     hint="the first list is reverse mode's, the second forward mode's (Task 1.4): the same program "
                          "has one gradient, torch's, however it is found")


@pytest.mark.task("1.7")
def test_reverse_gradient_calls_f_once_for_many_inputs(submission, reference, rng):
    names = [f"x{i}" for i in range(8)]
    expression = " + ".join(f"sin({a}) * {b}" for a, b in zip(names, names[1:] + names[:1], strict=True))
    point = rng.uniform(-2.0, 2.0, size=len(names)).tolist()
    call = (f"calls = []\ndef f({', '.join(names)}):\n    calls.append(1)\n    return {expression}\n"
            "reverse_gradient(f, point), len(calls)")
    expected = agreed((torch_gradient(expression, names, point), 1), reference.run(call, point=point))
    expect.close(f"{call} with point = {point}", submission.run(call, point=point), expected, rtol=RTOL, atol=ATOL,
                 hint="reverse mode needs one call of f for the whole gradient, however many inputs f has")
