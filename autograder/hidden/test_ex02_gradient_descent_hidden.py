"""Hidden tests for exercise 2 (never shipped to students).

They check only what the skeleton's docstrings and the public tests state. The
shape of each question (dimensions, which function, a float or an array x0,
where zeros sit) is the same on every grading seed; the numbers are drawn from
`rng`, which the grading seed fixes, so every grading run asks new questions,
a grade does not depend on the seed, and any run can be repeated with it. Expected
values come from independent oracles (autograder/hidden/oracles_ex02.py: the
expanded Rosenbrock polynomial, closed-form descent on quadratic bowls, the
sine loss written with dot products) and must agree with the reference
solution before a student's answer is judged; a disagreement is a grader bug,
never a lost point.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

from autograder.hidden.oracles import GraderBug, agreed
from autograder.hidden.oracles_ex02 import (
    bowl_closed_form,
    central_differences,
    distances_in_the_eigenbasis,
    distances_of_a_loop,
    first_non_finite_update,
    gradient_norms,
    hessian_by_second_differences,
    interior_probes,
    lower_triangle_eigenvalues,
    random_bowl,
    random_quadratic,
    relative_error_loop,
    rosenbrock_expanded,
    rosenbrock_gradient_expanded,
    sine_descent,
    sine_gradient,
    sine_loss,
)
from hardway import expect
from hardway.testkit_ex02 import check_the_axes, check_the_contours, check_the_curve, check_the_path, draw, matches

CASES = 8


def shown(array: np.ndarray) -> list:
    return np.round(np.asarray(array, dtype=float), 6).tolist()


def random_rosenbrock_inputs(rng: np.random.Generator, size: int) -> dict[str, Any]:
    """Arrays x and y of `size` points in [-2, 2], a in [-2, 2] and b in [1, 200]: Rosenbrock's inputs."""
    x, y = rng.uniform(-2.0, 2.0, size=(2, size))
    return {"x": x, "y": y, "a": float(rng.uniform(-2.0, 2.0)), "b": float(rng.uniform(1.0, 200.0))}


def shown_inputs(inputs: dict[str, Any]) -> str:
    """Rosenbrock's inputs as a message shows them: the arrays rounded, the parameters exact."""
    return f"x = {shown(inputs['x'])}, y = {shown(inputs['y'])}, a = {inputs['a']!r}, b = {inputs['b']!r}"


# -- 2.1 ----------------------------------------------------------------------------------------


def rosenbrock_hint(got, x, y, a, b) -> str:
    valley = y - x * x
    if isinstance(got, (tuple, list)) and len(got) == 2:
        right = -2 * (a - x) - 4 * b * x * valley
        if matches(got[0], -2 * (a - x) + 2 * b * valley, rtol=1e-6) and not matches(got[0], right, rtol=1e-6):
            return ("df/dx is missing the chain-rule factor: differentiating b (y - x^2)^2 by x brings in "
                    "d(y - x^2)/dx = -2x")
        if (matches(got[0], 2 * (a - x) - 4 * b * x * valley, rtol=1e-6)
                or matches(got[0], -2 * (a - x) + 4 * b * x * valley, rtol=1e-6)
                or matches(got[1], -2 * b * valley, rtol=1e-6)):
            return "a sign error: d/dx (a - x)^2 = -2 (a - x) and d/dx (y - x^2) = -2x; check each term's sign"
    return "use the chain rule on each squared term, and pass a and b through"


@pytest.mark.task("2.1")
def test_rosenbrock_on_random_points_and_parameters(submission, reference, rng):
    for _ in range(CASES):
        inputs = random_rosenbrock_inputs(rng, 6)
        x, y, a, b = inputs.values()
        call = "rosenbrock(x, y, a=a, b=b), rosenbrock(float(x[0]), float(y[0]), a, b)"
        oracle = (rosenbrock_expanded(x, y, a, b), float(rosenbrock_expanded(x[0], y[0], a, b)))
        expected = agreed(oracle, reference.run(call, **inputs))
        expect.close(f"{call} with {shown_inputs(inputs)}", submission.run(call, **inputs), expected,
                     rtol=1e-9, atol=1e-9,
                     hint="(a - x)^2 + b (y - x^2)^2, using the a and b you are given")


@pytest.mark.task("2.1", points=2)
def test_rosenbrock_gradient_on_random_arrays(submission, reference, rng):
    for _ in range(CASES):
        inputs = random_rosenbrock_inputs(rng, 5)
        x, y, a, b = inputs.values()
        call = "rosenbrock_grad(x, y, a, b)"
        expected = agreed(rosenbrock_gradient_expanded(x, y, a, b), reference.run(call, **inputs))
        got = submission.run(call, **inputs)
        expect.close(f"{call} with {shown_inputs(inputs)}", got, expected,
                     rtol=1e-9, atol=1e-8, hint=rosenbrock_hint(got, x, y, a, b))


@pytest.mark.task("2.1")
def test_rosenbrock_gradient_matches_central_differences(submission, rng):
    for _ in range(CASES):
        point = rng.uniform(-2.0, 2.0, size=2)
        a, b = float(rng.uniform(-2.0, 2.0)), float(rng.uniform(1.0, 200.0))
        expected = central_differences(lambda p, a=a, b=b: rosenbrock_expanded(p[0], p[1], a, b), point, 1e-5)
        call = "rosenbrock_grad(px, py, a, b)"
        got = submission.run(call, px=float(point[0]), py=float(point[1]), a=a, b=b)
        # Truncation (about 1e-10 * 24 b |x|) and rounding (about 1e-16 f / 1e-5) stay far below 1e-4.
        expect.close(f"{call} with px, py = {shown(point)}, a = {a!r}, b = {b!r}", got, tuple(expected),
                     rtol=1e-6, atol=1e-4, hint=rosenbrock_hint(got, point[0], point[1], a, b))


# -- 2.2 ----------------------------------------------------------------------------------------

FUNCTIONS = [
    ("lambda p: float(p @ Q @ p + w @ np.sin(p))",
     lambda p, Q, w, c: float(p @ Q @ p + w @ np.sin(p))),
    ("lambda p: float(np.sum(np.exp(w * p)) + c * p[0] * p[-1])",
     lambda p, Q, w, c: float(np.sum(np.exp(w * p)) + c * p[0] * p[-1])),
    ("lambda p: float(c * np.log(1.0 + p @ p) + w @ p ** 3)",
     lambda p, Q, w, c: float(c * np.log(1.0 + p @ p) + w @ p**3)),
]


@pytest.mark.task("2.2", points=2)
def test_numerical_gradient_of_random_functions(submission, reference, rng):
    for case in range(CASES):
        source, function = FUNCTIONS[case % len(FUNCTIONS)]
        dims = 1 + case % 5
        inputs = {"Q": rng.normal(size=(dims, dims)), "w": rng.uniform(-1.0, 1.0, size=dims),
                  "c": float(rng.uniform(-2.0, 2.0)), "point": rng.uniform(-1.5, 1.5, size=dims),
                  "eps": [1e-3, 1e-4, 1e-5][case // 3 % 3]}
        call = f"numerical_gradient({source}, point, eps=eps)"
        oracle = central_differences(lambda p, f=function, q=inputs: f(p, q["Q"], q["w"], q["c"]), inputs["point"],
                                     inputs["eps"])
        expected = agreed(oracle, reference.run(call, **inputs), atol=1e-8)
        got = submission.run(call, **inputs)
        hint = ("divide by 2 * eps: x + eps and x - eps are 2 eps apart" if matches(got, 2 * expected, rtol=1e-6)
                else "central differences: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), one coordinate at a time")
        expect.close(f"{call} with point = {shown(inputs['point'])}, eps = {inputs['eps']!r}", got, expected,
                     rtol=1e-6, atol=1e-7, hint=hint)


@pytest.mark.task("2.2")
def test_numerical_gradient_keeps_the_shape_and_the_point(submission, rng):
    point = rng.uniform(-2.0, 2.0, size=4)
    weights = rng.uniform(-3.0, 3.0, size=point.size)
    call = "grad = numerical_gradient(lambda p: float(weights @ p), point)\ngrad, point"
    got = submission.run(call, point=point, weights=weights)
    grad, after = got if isinstance(got, tuple) and len(got) == 2 else (got, None)
    expect.close(f"numerical_gradient(lambda p: float(weights @ p), point) with weights = {shown(weights)}", grad,
                 weights, rtol=1e-6, atol=1e-6, hint="a linear function's gradient is its weight vector; return "
                 "a float array shaped like point")
    expect.close(call, after, point, rtol=0.0, atol=1e-12, hint="leave `point` unchanged: nudge a copy")


@pytest.mark.task("2.2")
def test_relative_error_on_random_arrays(submission, reference, rng):
    for case in range(CASES):
        size = [3, 1, 5, 2, 7, 4, 6, 3][case]
        a = rng.normal(size=size) * 10.0 ** rng.uniform(-3, 3, size=size)
        b = a * (1 + rng.normal(size=size) * 10.0 ** rng.uniform(-9, -1, size=size))
        both_zero = np.arange(size) % 3 == 1  # where the 1e-8 floor keeps 0/0 away
        a[both_zero], b[both_zero] = 0.0, 0.0
        call = "relative_error(a, b)"
        expected = agreed(relative_error_loop(a, b), reference.run(call, a=a, b=b))
        got = submission.run(call, a=a, b=b)
        got_nan = isinstance(got, float) and math.isnan(got)
        hint = ("the floor max(1e-8, |a| + |b|) keeps 0/0 from giving nan" if got_nan
                else "largest over elements of |a - b| / max(1e-8, |a| + |b|)")
        expect.close(f"{call} with a = {a.tolist()}, b = {b.tolist()}", got, expected, rtol=1e-9, atol=1e-15,
                     hint=hint)
        expect.is_float(call, got)


# -- 2.3 ----------------------------------------------------------------------------------------


def descent_hint(got, expected: np.ndarray, matrix, bottom, x0, lr, steps) -> str:
    if expected.shape[1] == 1 and matches(got, expected[:, 0]):
        return "a float x0 counts as one dimension: return shape (k + 1, 1)"
    if len(expected) > 1 and matches(got, expected[1:]):
        return "the trajectory must start with x0 itself as row 0"
    if len(expected) > 1 and matches(got, expected[:-1]):
        return "the last point is missing: make exactly `steps` updates"
    if matches(got, bowl_closed_form(matrix, bottom, x0, -lr, steps)):
        return "the path goes uphill: the update is x - lr * grad(x)"
    return "row j is the point after j updates x <- x - lr * grad(x); row 0 is x0"


@pytest.mark.task("2.3", points=2)
def test_descent_on_random_bowls_follows_the_closed_form(submission, reference, rng):
    for case in range(CASES):
        dims = 1 + case % 4
        matrix, bottom = random_bowl(rng, dims)
        lr = float(rng.uniform(0.1, 1.9) / np.linalg.eigvalsh(matrix).max())
        steps = int(rng.integers(1, 40))
        x0 = rng.uniform(-5.0, 5.0, size=dims)
        start = float(x0[0]) if case == 0 else x0  # a float x0 once, an array of one value once (case 4)
        call = "gradient_descent(lambda x: A @ (x - m), x0, lr, steps)"
        inputs = {"A": matrix, "m": bottom, "x0": start, "lr": lr, "steps": steps}
        oracle = bowl_closed_form(matrix, bottom, x0, lr, steps)
        expected = agreed(oracle, reference.run(call, **inputs), atol=1e-9)
        got = submission.run(call, **inputs)
        expect.close(f"{call} with A = {shown(matrix)}, m = {shown(bottom)}, x0 = {start!r}, lr = {lr!r}, "
                     f"steps = {steps}", got, expected, rtol=1e-8, atol=1e-9,
                     hint=descent_hint(got, expected, matrix, bottom, x0, lr, steps))


@pytest.mark.task("2.3", points=2)
def test_early_stopping_on_random_bowls(submission, reference, rng):
    for case in range(CASES):
        dims = 1 + case % 3
        matrix, bottom = random_bowl(rng, dims)
        lr = float(rng.uniform(0.2, 1.8) / np.linalg.eigvalsh(matrix).max())
        x0 = rng.uniform(-5.0, 5.0, size=dims)
        # |A (x_k - m)| shrinks at every step; a tol between two of them stops exactly at row stop_at.
        # Only rows whose gradient stands well above rounding noise (1e-6) are candidates.
        norms = gradient_norms(matrix, bottom, bowl_closed_form(matrix, bottom, x0, lr, 25))
        stop_at = int(rng.integers(1, max(2, int(np.sum(norms[1:] > 1e-6)) + 1)))
        tol = float(np.sqrt(norms[stop_at - 1] * norms[stop_at]))
        steps = stop_at + int(rng.integers(0, 20)) if case % 4 else int(rng.integers(1, stop_at + 1))
        if case == 0:
            x0, stop_at, tol, steps = bottom.copy(), 0, float(rng.uniform(1e-6, 1e-3)), 10
        call = "gradient_descent(lambda x: A @ (x - m), x0, lr, steps, tol=tol)"
        inputs = {"A": matrix, "m": bottom, "x0": x0, "lr": lr, "steps": steps, "tol": tol}
        oracle = bowl_closed_form(matrix, bottom, x0, lr, min(stop_at, steps))
        expected = agreed(oracle, reference.run(call, **inputs), atol=1e-9)
        got = submission.run(call, **inputs)
        if matches(np.shape(got), (len(expected) + 1, dims)):
            hint = ("one update too many: check the gradient at the current point before each update, and stop "
                    "there without updating when its norm is below tol")
        elif len(np.shape(got)) == 2 and np.shape(got)[0] > len(expected) + 1:
            hint = f"the loop ignores tol: stop once the gradient norm at the current point is below tol={tol!r}"
        else:
            hint = "before each update, stop if the gradient's Euclidean norm at the current point is below tol"
        expect.close(f"{call} with A = {shown(matrix)}, m = {shown(bottom)}, x0 = {shown(x0)}, lr = {lr!r}, "
                     f"steps = {steps}, tol = {tol!r}", got, expected, rtol=1e-8, atol=1e-9, hint=hint)


@pytest.mark.task("2.3", points=2)
def test_divergence_on_random_bowls_names_the_step(submission, reference, rng):
    for case in range(CASES // 2):
        dims = 1 + case % 3
        matrix, bottom = random_bowl(rng, dims, diagonal=True)
        scale = np.diag(matrix).copy()
        lr = float(rng.uniform(2.5, 6.0) / scale.max())
        x0 = rng.uniform(-5.0, 5.0, size=dims)
        step = first_non_finite_update(scale, bottom, x0, lr, 4000)
        if step is None:
            raise GraderBug(f"a case drawn to diverge did not: s = {scale}, lr = {lr}")
        call = "raised(lambda: gradient_descent(lambda x: s * (x - m), x0, lr, 4000))"
        inputs = {"s": scale, "m": bottom, "x0": x0, "lr": lr}
        described = f"{call} with s = {shown(scale)}, m = {shown(bottom)}, x0 = {shown(x0)}, lr = {lr!r}"
        reference_error = reference.run(call, **inputs)
        if not (reference_error and re.search(rf"(?<![\d.]){step}(?![\d.])", reference_error[1])):
            raise GraderBug(f"the reference gave {reference_error!r}, not a DivergenceError at step {step}")
        got = submission.run(call, **inputs)
        expect.rejects(described, got, "DivergenceError", mentions=("learning rate",),
                       hint="raise the DivergenceError given in the module as soon as a point is inf or nan, "
                            "instead of returning NaN or inf, and say that the learning rate is probably too large")
        if not re.search(rf"(?<![\d.]){step}(?![\d.])", got[1]):
            expect.fail(described, got, f"a message naming step {step}, the update that first gave inf or nan",
                        hint="count updates from 1: step j is the update that would have made row j")


# -- 2.4 ----------------------------------------------------------------------------------------


@pytest.mark.task("2.4")
def test_parabola_on_random_arrays(submission, reference, rng):
    xs = rng.uniform(-10.0, 10.0, size=7)
    call = "parabola(xs), parabola_grad(xs), parabola(float(xs[0]))"
    # The oracle in vertex form: 3 (x + 1/3)^2 - 1/3 - 1.2, slope 6 (x + 1/3).
    oracle = (3 * (xs + 1 / 3) ** 2 - 1 / 3 - 1.2, 6 * (xs + 1 / 3), float(3 * (xs[0] + 1 / 3) ** 2 - 1 / 3 - 1.2))
    expected = agreed(oracle, reference.run(call, xs=xs))
    expect.close(f"{call} with xs = {shown(xs)}", submission.run(call, xs=xs), expected, rtol=1e-9, atol=1e-9,
                 hint="f(x) = 3x^2 + 2x - 1.2 and f'(x) = 6x + 2, elementwise")


@pytest.mark.task("2.4", points=2)
def test_minimise_parabola_with_random_settings(submission, reference, rng):
    for _ in range(CASES):
        x0 = float(rng.uniform(-5.0, 5.0))
        lr = float(rng.uniform(0.01, 0.3))
        steps = int(rng.integers(1, 80))
        call = "minimise_parabola(x0=x0, lr=lr, steps=steps)"
        # Each step multiplies the distance to the minimiser -1/3 by 1 - 6 lr.
        oracle = -1 / 3 + (1 - 6 * lr) ** steps * (x0 + 1 / 3)
        expected = agreed(oracle, reference.run(call, x0=x0, lr=lr, steps=steps))
        got = submission.run(call, x0=x0, lr=lr, steps=steps)
        expect.close(f"{call} with x0 = {x0!r}, lr = {lr!r}, steps = {steps}", got, expected, rtol=1e-9,
                     atol=1e-12, hint="exactly `steps` updates from x0 with this lr; return the last x")
        expect.is_float(call, got)


# -- 2.5 ----------------------------------------------------------------------------------------


def random_sine_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float, float]:
    omega, t = float(rng.uniform(1.0, 3.0)), float(rng.uniform(-1.0, 1.0))
    x = np.sort(rng.uniform(-2.5, 2.5, size=int(rng.integers(40, 120))))
    y = np.sin(omega * x + t) + float(rng.uniform(0.0, 0.15)) * rng.normal(size=x.size)
    return x, y, omega, t


@pytest.mark.task("2.5")
def test_sine_model_and_mse_on_random_data(submission, reference, rng):
    for _ in range(CASES):
        x, y, omega, t = random_sine_data(rng)
        omega, t = omega + float(rng.normal()), t + float(rng.normal())
        call = "sine_model(x, omega, t), sine_mse(x, y, omega, t)"
        inputs = {"x": x, "y": y, "omega": omega, "t": t}
        expected = agreed((np.sin(omega * x + t), sine_loss(x, y, omega, t)), reference.run(call, **inputs))
        got = submission.run(call, **inputs)
        loss_hint = ("sine_mse has a factor 1/2: it is 1/2 * mean((model - y)^2)"
                     if isinstance(got, tuple) and len(got) == 2 and matches(got[1], 2 * expected[1])
                     else "1/2 * mean((sin(omega x + t) - y)^2)")
        expect.close(f"{call} with omega = {omega!r}, t = {t!r} on {x.size} random points", got, expected,
                     rtol=1e-9, atol=1e-12, hint=loss_hint)


@pytest.mark.task("2.5", points=2)
def test_sine_mse_gradient_on_random_data(submission, reference, rng):
    for _ in range(CASES):
        x, y, omega, t = random_sine_data(rng)
        omega, t = omega + float(rng.normal()), t + float(rng.normal())
        call = "sine_mse_grad(x, y, omega, t)"
        inputs = {"x": x, "y": y, "omega": omega, "t": t}
        oracle = sine_gradient(x, y, omega, t)
        check = central_differences(lambda p, x=x, y=y: sine_loss(x, y, p[0], p[1]), np.array([omega, t]), 1e-6)
        agreed(check, oracle, rtol=1e-5, atol=1e-7)
        expected = agreed(oracle, reference.run(call, **inputs))
        got = submission.run(call, **inputs)
        weight = (np.sin(omega * x + t) - y) * np.cos(omega * x + t)
        if matches(got, (2 * expected[0], 2 * expected[1]), rtol=1e-6):
            hint = ("the gradient is twice too large: it is the gradient of mean((model - y)^2); the 1/2 in "
                    "sine_mse cancels the 2 from differentiating the square")
        elif isinstance(got, tuple) and len(got) == 2 and matches(got[0], weight.mean(), rtol=1e-6):
            hint = "d/d omega of sin(omega x + t) is x cos(omega x + t): keep the factor x from the chain rule"
        else:
            hint = "chain rule on 1/2 mean(r^2) with r = sin(omega x + t) - y"
        expect.close(f"{call} with omega = {omega!r}, t = {t!r} on {x.size} random points", got, expected,
                     rtol=1e-8, atol=1e-10, hint=hint)


@pytest.mark.task("2.5", points=2)
def test_fit_sine_matches_an_independent_descent(submission, reference, rng):
    for _ in range(CASES // 2):
        while True:
            x, y, omega, t = random_sine_data(rng)
            omega0, t0 = omega + float(rng.uniform(-0.3, 0.3)), t + float(rng.uniform(-0.3, 0.3))
            lr, steps = float(rng.uniform(0.3, 1.0)), int(rng.integers(150, 400))
            oracle = sine_descent(x, y, omega0, t0, lr, steps)
            if abs(oracle[0] - omega) < 0.1 and abs(oracle[1] - t) < 0.1:
                break  # a case where descent really finds the truth
        call = "fit_sine(x, y, omega0, t0, lr, steps)"
        inputs = {"x": x, "y": y, "omega0": omega0, "t0": t0, "lr": lr, "steps": steps}
        expected = agreed(oracle, reference.run(call, **inputs))
        got = submission.run(call, **inputs)
        hint = ("return (omega, t) in that order" if matches(got, expected[::-1], rtol=1e-6)
                else "run gradient_descent on p = (omega, t) with grad(p) = sine_mse_grad(x, y, p[0], p[1]), "
                     "exactly `steps` updates from (omega0, t0)")
        expect.close(f"{call} with omega0 = {omega0!r}, t0 = {t0!r}, lr = {lr!r}, steps = {steps} on data made "
                     f"with omega = {omega!r}, t = {t!r}", got, expected, rtol=1e-7, atol=1e-9, hint=hint)


# -- 2.6 ----------------------------------------------------------------------------------------


@pytest.mark.task("2.6", points=2)
def test_plot_random_one_dimensional_paths(submission, rng):
    for case in range(3):
        k, c, q = float(rng.uniform(0.5, 3.0)), float(rng.uniform(-3.0, 3.0)), float(rng.uniform(0.0, 0.05))
        function = "lambda x: k * (x - c) ** 2 + q * x ** 4"

        def f(x, k=k, c=c, q=q):
            return k * (x - c) ** 2 + q * x**4

        x, lr = float(rng.uniform(-3.0, 3.0)), float(rng.uniform(0.02, 0.15))
        points = [x]
        for _ in range(int(rng.integers(3, 15))):
            x = x - lr * (2 * k * (x - c) + 4 * q * x**3)
            points.append(x)
        path = np.array(points) if case % 2 else np.array(points)[:, None]
        on_given_ax = bool(case % 2)
        call, drawn = draw(submission, function, path, on_given_ax, k=k, c=c, q=q)
        call += f" and k = {k!r}, c = {c!r}, q = {q!r}"
        check_the_axes(call, drawn, on_given_ax)
        xs = np.ravel(path)
        index = check_the_path(call, drawn, np.column_stack([xs, f(xs)]))
        check_the_curve(call, drawn, f, xs, index)


@pytest.mark.task("2.6", points=2)
def test_plot_random_two_dimensional_paths(submission, rng):
    for case in range(3):
        p, q = rng.uniform(0.5, 3.0, size=2)
        r = float(rng.uniform(-1.0, 1.0) * np.sqrt(p * q))
        cx, cy = float(rng.uniform(1.0, 3.0)), float(rng.uniform(-3.0, -1.0))
        function = "lambda x, y: p * (x - cx) ** 2 + q * (y - cy) ** 2 + r * (x - cx) * (y - cy)"
        inputs = {"p": float(p), "q": float(q), "r": r, "cx": cx, "cy": cy}

        def f(x, y, p=p, q=q, r=r, cx=cx, cy=cy):
            return p * (x - cx) ** 2 + q * (y - cy) ** 2 + r * (x - cx) * (y - cy)

        def grad(point, p=p, q=q, r=r, cx=cx, cy=cy):
            dx, dy = point[0] - cx, point[1] - cy
            return np.array([2 * p * dx + r * dy, 2 * q * dy + r * dx])

        # Start well away from the bottom, on the far side in x, so the box is lopsided and a swap shows.
        point = np.array([cx - float(rng.uniform(3.0, 5.0)), cy + float(rng.uniform(0.5, 1.5))])
        lr = float(rng.uniform(0.05, 0.5) / (max(p, q) + abs(r)))
        points = [point]
        for _ in range(int(rng.integers(5, 20))):
            points.append(points[-1] - lr * grad(points[-1]))
        path = np.array(points)
        probes = interior_probes(rng, path, 6)
        on_given_ax = bool(case % 2)
        call, drawn = draw(submission, function, path, on_given_ax, probes=probes, **inputs)
        call += " and " + ", ".join(f"{name} = {value:.4g}" for name, value in inputs.items())
        check_the_axes(call, drawn, on_given_ax)
        check_the_path(call, drawn, path)
        check_the_contours(call, drawn, f, path, probes)


# -- 2.7 ----------------------------------------------------------------------------------------

TRIANGLE_HINT = ("take the eigenvalues of H = quadratic_hessian(A), not of A: np.linalg.eigvalsh reads only one "
                 "triangle of its argument, so a non-symmetric A gives the eigenvalues of another matrix")


@pytest.mark.task("2.7")
def test_quadratic_hessian_of_random_matrices(submission, reference, rng):
    for case in range(CASES // 2):
        matrix, _, _ = random_quadratic(rng, 1 + case)
        start = matrix.tolist() if case == 1 else matrix  # a nested list once, as the docstring allows
        call = "H = quadratic_hessian(A)\nH, A"
        expected = agreed((hessian_by_second_differences(matrix), start), reference.run(call, A=start))
        got = submission.run(call, A=start)
        hessian = got[0] if isinstance(got, tuple) and len(got) == 2 else got
        hint = ("x^T A x = x^T A^T x, so f only sees the symmetric part (A + A^T) / 2, not A: that is the Hessian"
                if len(matrix) > 1 and matches(hessian, matrix) else
                "H = (A + A^T) / 2 as a new float array; leave A unchanged")
        expect.close(f"{call} with A = {shown(matrix)}", got, expected, rtol=1e-9, atol=1e-9, hint=hint)


@pytest.mark.task("2.7", points=2)
def test_largest_stable_lr_of_random_quadratics(submission, reference, rng):
    for case in range(CASES):
        dims = 1 + case % 4
        matrix, eigenvalues, _ = random_quadratic(rng, dims)
        call = "largest_stable_lr(A)"
        expected = agreed(float(2.0 / eigenvalues[-1]), reference.run(call, A=matrix))
        got = submission.run(call, A=matrix)
        if dims > 1 and matches(got, 2.0 / eigenvalues[0], rtol=1e-6):
            hint = ("lr < 2 / lambda_i must hold for every eigenvalue at once, and the tightest of these bounds "
                    "comes from the largest eigenvalue, not the smallest")
        elif matches(got, 1.0 / eigenvalues[-1], rtol=1e-6):
            hint = ("the steepest factor 1 - lr * lambda_max may go down to -1, which allows lr up to "
                    "2 / lambda_max, not 1 / lambda_max")
        elif dims > 1 and matches(got, 2.0 / lower_triangle_eigenvalues(matrix)[-1], rtol=1e-6):
            hint = TRIANGLE_HINT
        else:
            hint = "2 / lambda_max, with lambda_max the largest eigenvalue of H = quadratic_hessian(A)"
        expect.close(f"{call} with A = {shown(matrix)} (its symmetric part has the eigenvalues {shown(eigenvalues)})",
                     got, expected, rtol=1e-9, atol=1e-12, hint=hint)
        expect.is_float(call, got)


@pytest.mark.task("2.7")
def test_largest_stable_lr_refuses_random_quadratics_without_a_minimum(submission, reference, rng):
    for case in range(CASES // 2):
        # The smallest eigenvalue of the symmetric part is well below 0: f falls away along its eigenvector.
        matrix, eigenvalues, _ = random_quadratic(rng, 2 + case % 3, lowest=(-0.9, -0.1))
        call = "raised(lambda: largest_stable_lr(A))"
        described = f"{call} with A = {shown(matrix)} (its symmetric part has the eigenvalues {shown(eigenvalues)})"
        if (reference.run(call, A=matrix) or ("",))[0] != "ValueError":
            raise GraderBug(f"the reference accepted a quadratic without a minimum: {described}")
        expect.rejects(described, submission.run(call, A=matrix), "ValueError",
                       mentions=("positive definite", "positive-definite"),
                       hint="when the smallest eigenvalue of H is <= 0, no learning rate converges: raise "
                            "ValueError saying that the Hessian is not positive definite")


def drawn_factor(rng: np.random.Generator, case: int) -> float:
    """A multiple of the stability limit, below it on even cases and above it on odd ones."""
    return float(rng.uniform(0.3, 0.97) if case % 2 == 0 else rng.uniform(1.03, 1.5))


@pytest.mark.task("2.7")
def test_contraction_factors_on_both_sides_of_the_limit(submission, reference, rng):
    for case in range(CASES):
        dims = 1 + case % 4
        matrix, eigenvalues, _ = random_quadratic(rng, dims)
        limit = float(2.0 / eigenvalues[-1])
        lr = drawn_factor(rng, case) * limit
        call = "contraction_factors(A, lr)"
        expected = agreed(1.0 - lr * eigenvalues, reference.run(call, A=matrix, lr=lr))
        got = submission.run(call, A=matrix, lr=lr)
        if matches(got, 1.0 + lr * eigenvalues, rtol=1e-6):
            hint = ("a sign error: one step maps the error e to (I - lr H) e, so the factors are 1 - lr * lambda_i, "
                    "with a minus")
        elif dims > 1 and matches(got, expected[::-1], rtol=1e-6):
            hint = "keep the order of np.linalg.eigvalsh: the first factor belongs to the smallest eigenvalue"
        elif dims > 1 and matches(got, 1.0 - lr * lower_triangle_eigenvalues(matrix), rtol=1e-6):
            hint = TRIANGLE_HINT
        else:
            hint = "one factor 1 - lr * lambda_i per eigenvalue lambda_i of H = quadratic_hessian(A), ascending"
        expect.close(f"{call} with A = {shown(matrix)}, lr = {lr!r} (2 / lambda_max = {limit!r})",
                     got, expected, rtol=1e-9, atol=1e-12, hint=hint)


@pytest.mark.task("2.7")
def test_descent_distances_on_both_sides_of_the_limit(submission, reference, rng):
    for case in range(CASES // 2 + 2):
        dims = 2 + case % 3
        matrix, eigenvalues, eigenvectors = random_quadratic(rng, dims)
        b, x0 = rng.uniform(-3.0, 3.0, size=(2, dims))
        factor, steps = drawn_factor(rng, case), int(rng.integers(5, 30))
        lr = factor * float(2.0 / eigenvalues[-1])
        call = "descent_distances(A, b, x0, factor, steps)"
        inputs = {"A": matrix, "b": b, "x0": x0, "factor": factor, "steps": steps}
        oracle = distances_in_the_eigenbasis(eigenvalues, eigenvectors, b, x0, lr, steps)
        expected = agreed(oracle, reference.run(call, **inputs), rtol=1e-7, atol=1e-9)
        got = submission.run(call, **inputs)
        minimiser = np.linalg.solve((matrix + matrix.T) / 2, b)
        if matches(got, distances_of_a_loop(matrix, b, x0, lr, steps, minimiser), rtol=1e-6, atol=1e-9):
            hint = ("the gradient of 1/2 x^T A x - b^T x is H x - b with H = (A + A^T) / 2; A x - b is right only "
                    "for a symmetric A")
        elif matches(got, distances_in_the_eigenbasis(eigenvalues, eigenvectors, b, x0, factor, steps),
                     rtol=1e-6, atol=1e-9):
            hint = "factor is a multiple of the limit, not the learning rate: lr = factor * largest_stable_lr(A)"
        else:
            hint = ("run gradient_descent from x0 with the gradient H x - b at lr = factor * largest_stable_lr(A) "
                    "for exactly `steps` updates, and return |x_k - x*| for k = 0, ..., steps, where H x* = b")
        expect.close(f"{call} with A = {shown(matrix)}, b = {shown(b)}, x0 = {shown(x0)}, factor = {factor!r}, "
                     f"steps = {steps}", got, expected, rtol=1e-7, atol=1e-9, hint=hint)
