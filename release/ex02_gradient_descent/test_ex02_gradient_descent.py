"""Public tests for exercise 2: gradient descent by hand.

Run them with ``pytest exercises/tests/test_ex02_gradient_descent.py`` (add
``-x`` to stop at the first failure, ``--pdb`` to debug it). Each test names
its task. The expected values are worked out by hand (the comments show how),
come from closed forms (gradient descent on a quadratic bowl shrinks the
distance to the bottom by the same factor at every step), or were recorded
from the reference solution for these very cases: the ``RECORDED`` block at
the end of this file, written by the instructors' ``autograder
record-expectations``. This file never computes an answer a second way, so it
gives none away. The grader runs these tests too, plus hidden ones that draw
random inputs, so make your code right in general, not just for these numbers.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

from hardway import expect
from hardway.testkit_ex02 import check_the_axes, check_the_contours, check_the_curve, check_the_path, draw, matches

#: The fixed cases whose answers were recorded from the reference solution: name -> (snippet, inputs).
CASES: dict[str, tuple[str, dict[str, Any]]] = {}


# -- Task 2.1: the Rosenbrock function and its gradient --------------------------------------


def rosenbrock_gradient_hint(got: Any, expected: Any) -> str:
    """Name the usual slip from the way `got` differs from the right gradient `expected`."""
    if isinstance(got, (tuple, list)) and len(got) == 2:
        dx_right, dy_right = matches(got[0], expected[0], rtol=1e-6), matches(got[1], expected[1], rtol=1e-6)
        if dy_right and not dx_right:
            return ("df/dy is right, df/dx is not: differentiating b (y - x^2)^2 by x brings in the chain-rule "
                    "factor d(y - x^2)/dx = -2x, and d/dx (a - x)^2 = -2 (a - x); check each factor and its sign")
        if dx_right and not dy_right:
            return "df/dx is right, df/dy is not: only b (y - x^2)^2 depends on y; check its chain rule and sign"
    return ("return (df/dx, df/dy); use the chain rule on each squared term: the derivative of the outer "
            "square times the derivative of what is inside it")


@pytest.mark.task("2.1")
def test_rosenbrock_values(submission):
    call = "rosenbrock(2.0), rosenbrock(1.0), rosenbrock(0.5, 2.0, a=2.0, b=10.0)"
    # (1 - 2)^2 + 100 (1 - 4)^2 = 901; (1, 1) is the minimum; (2 - 0.5)^2 + 10 (2 - 0.25)^2 = 32.875
    expect.close(call, submission.run(call), (901.0, 0.0, 32.875),
                 hint="f(x, y) = (a - x)^2 + b (y - x^2)^2, with y = 1, a = 1, b = 100 by default")
    on_arrays = "rosenbrock(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 1.0]))"
    expect.close(on_arrays, submission.run(on_arrays), np.array([1.0, 0.0, 901.0]),
                 hint="use only elementwise operations (-, *, **) so that numpy arrays work too")


@pytest.mark.task("2.1")
def test_rosenbrock_gradient_by_hand(submission):
    # Worked out by hand: at (2, 1) with a = 1, b = 100 the valley term y - x^2 is -3; at (1, 1), the minimum,
    # the gradient is 0; at (0.5, 2) with a = 2, b = 10 the two terms of df/dx are -3 and -35.
    for call, expected in [("rosenbrock_grad(2.0)", (2402.0, -600.0)), ("rosenbrock_grad(1.0, 1.0)", (0.0, 0.0)),
                           ("rosenbrock_grad(0.5, 2.0, a=2.0, b=10.0)", (-38.0, 35.0))]:
        got = submission.run(call)
        expect.close(call, got, expected, hint=rosenbrock_gradient_hint(got, expected))


CASES["rosenbrock_grad on arrays"] = ("rosenbrock_grad(xs, ys, a=1.5, b=20.0)", {
    "xs": np.array([-1.5, -0.3, 0.4, 1.2, 2.1]), "ys": np.array([2.0, -0.5, 0.1, 1.5, 3.9])})


@pytest.mark.task("2.1")
def test_rosenbrock_gradient_works_element_by_element_on_arrays(submission):
    snippet, inputs = CASES["rosenbrock_grad on arrays"]
    got = submission.run(snippet, **inputs)
    expected = RECORDED["rosenbrock_grad on arrays"]
    expect.close(f"{snippet} with xs = {inputs['xs'].tolist()}, ys = {inputs['ys'].tolist()}", got, expected,
                 rtol=1e-9, atol=1e-9,
                 hint=rosenbrock_gradient_hint(got, expected) + " (use elementwise operations so arrays work)")


# -- Task 2.2: checking gradients numerically -------------------------------------------------


@pytest.mark.task("2.2", points=1.5)
def test_numerical_gradient_is_exact_on_a_quadratic(submission):
    # f = 3 p0^2 - 2 p0 p1 + 5 p1 + p2^2 / 2: central differences are exact on a quadratic
    # (up to rounding), so any other difference formula shows.
    function = "lambda p: 3 * p[0] ** 2 - 2 * p[0] * p[1] + 5 * p[1] + 0.5 * p[2] ** 2"
    call = f"point = np.array([1.0, -2.0, 4.0])\ngrad = numerical_gradient({function}, point, eps=1e-3)\ngrad, point"
    got = submission.run(call)
    grad, point = got if isinstance(got, tuple) else (got, None)
    exact = np.array([6 * 1.0 - 2 * -2.0, -2 * 1.0 + 5, 4.0])
    forward = exact + 1e-3 * np.array([3.0, 0.0, 0.5])  # one-sided: f'(x) + eps f''(x) / 2
    if matches(grad, 2 * exact):
        hint = "divide by 2 * eps: the two points x + eps and x - eps are 2 eps apart"
    elif matches(grad, forward, rtol=1e-6, atol=1e-8):
        hint = ("that is a one-sided (forward) difference; use the central difference "
                "(f(x + eps e_i) - f(x - eps e_i)) / (2 eps), which is exact on a quadratic")
    else:
        hint = "nudge one coordinate at a time, by +eps and by -eps, and divide the change in f by 2 eps"
    expect.close(f"numerical_gradient({function}, [1.0, -2.0, 4.0], eps=1e-3)", grad, exact, rtol=1e-7, atol=1e-7,
                 hint=hint)
    expect.close(call, point, np.array([1.0, -2.0, 4.0]),
                 hint="leave `point` as it was: nudge a copy, not the caller's array")


@pytest.mark.task("2.2", points=1.5)
def test_relative_error(submission):
    same = "relative_error(np.array([1.0, -2.0]), np.array([1.0, -2.0]))"
    got = submission.run(same)
    expect.close(same, got, 0.0)
    expect.is_float(same, got)
    zeros = "relative_error(np.zeros(3), np.zeros(3))"
    expect.close(zeros, submission.run(zeros), 0.0,
                 hint="two zero gradients agree perfectly; the max(1e-8, |a| + |b|) floor in the "
                      "denominator is what stops 0/0 from giving nan")
    a, b = np.array([1.0, 100.0, 0.0, -3.0]), np.array([1.1, 100.0, 0.0, -3.0])
    worst = 0.1 / 2.1  # the first element; the others agree exactly
    call = "relative_error(a, b)"
    got = submission.run(call, a=a, b=b)
    if matches(got, worst / 4):
        hint = "take the largest elementwise error (np.max), not the mean: one wrong element must not hide"
    elif matches(got, 0.1 / 200.0):
        hint = "divide element by element first, then take the max of the ratios"
    else:
        hint = "max over elements of |a - b| / max(1e-8, |a| + |b|)"
    expect.close(f"{call} with a = {a.tolist()}, b = {b.tolist()}", got, worst, hint=hint)
    scalars = "relative_error(1.0, 1.5)"
    expect.close(scalars, submission.run(scalars), 0.5 / 2.5, hint="plain numbers work too: |1 - 1.5| / (1 + 1.5)")


# -- Task 2.3: gradient descent -----------------------------------------------------------------


def trajectory_hint(got: Any, expected: np.ndarray, uphill: np.ndarray | None = None, steps: int | None = None,
                    tol: float | None = None) -> str:
    """Name the mistake when `got` differs from the right path `expected` in a known way.

    `uphill` is the path that steps with the gradient instead of against it; `steps` and `tol`
    are the call's, when it should stop early.
    """
    if matches(got, expected[:, 0]) and expected.shape[1] == 1:
        return "a float x0 counts as one dimension: return shape (k + 1, 1), one row per point"
    if len(expected) > 1 and matches(got, expected[1:]):
        return "the trajectory must start with x0 itself as row 0, then one row per update"
    if len(expected) > 1 and matches(got, expected[:-1]):
        return "the last point is missing: make exactly `steps` updates and keep every point, x0 included"
    if uphill is not None and matches(got, uphill):
        return "the path goes uphill: the update is x - lr * grad(x), against the gradient"
    if tol is not None and np.ndim(got) == 2 and len(got) > len(expected) and matches(got[:len(expected)], expected):
        if len(got) == steps + 1:
            return f"the loop ignores tol: stop as soon as the gradient norm at the current point is below tol={tol}"
        if len(got) == len(expected) + 1:
            return ("one update too many: check the gradient at the current point before each update, and "
                    "stop there without updating when its norm is below tol")
    return "row j is the point after j updates x <- x - lr * grad(x); row 0 is x0"


@pytest.mark.task("2.3")
def test_trajectory_starts_at_x0_and_makes_every_step(submission):
    # f(x) = (x - 3)^2, f'(x) = 2 (x - 3); with lr = 0.25 each step halves the distance to 3
    # (and a step uphill, x + lr f'(x), moves 1.5 times as far away instead).
    call = "gradient_descent(lambda x: 2 * (x - 3.0), 0.0, 0.25, 4)"
    expected = np.array([[0.0], [1.5], [2.25], [2.625], [2.8125]])
    uphill = np.array([[0.0], [-1.5], [-3.75], [-7.125], [-12.1875]])
    got = submission.run(call)
    expect.close(call, got, expected, hint=trajectory_hint(got, expected, uphill))


@pytest.mark.task("2.3")
def test_trajectory_in_two_dimensions(submission):
    # f(x, y) = (x - 1)^2 + 4 (y + 2)^2, a bowl whose bottom is (1, -2), with gradient (2 (x - 1), 8 (y + 2)).
    # With lr = 0.1 each step multiplies the distance to the bottom by 1 - 0.1 * 2 = 0.8 along x and by
    # 1 - 0.1 * 8 = 0.2 along y, so after k steps from (3, 0) the point is (1 + 2 * 0.8^k, -2 + 2 * 0.2^k);
    # uphill, the factors are 1.2 and 1.8.
    function = "lambda p: np.array([2 * (p[0] - 1.0), 8 * (p[1] + 2.0)])"
    call = f"x0 = np.array([3.0, 0.0])\npath = gradient_descent({function}, x0, 0.1, 10)\npath, x0"
    got = submission.run(call)
    path, x0 = got if isinstance(got, tuple) else (got, None)
    k = np.arange(11)[:, None]
    expected = np.array([1.0, -2.0]) + np.array([2.0, 2.0]) * np.array([0.8, 0.2]) ** k
    uphill = np.array([1.0, -2.0]) + np.array([2.0, 2.0]) * np.array([1.2, 1.8]) ** k
    expect.close(f"gradient_descent({function}, np.array([3.0, 0.0]), 0.1, 10)", path, expected,
                 hint=trajectory_hint(path, expected, uphill))
    expect.close(call, x0, np.array([3.0, 0.0]), hint="leave the caller's x0 unchanged: update a copy")


@pytest.mark.task("2.3")
def test_tol_stops_before_the_update_where_the_gradient_is_flat(submission):
    # Gradient norms along the path from 0: 6, 3, 1.5, 0.75, ...; the first below 1.0 is at x = 2.625.
    call = "gradient_descent(lambda x: 2 * (x - 3.0), 0.0, 0.25, 100, tol=1.0)"
    expected = np.array([[0.0], [1.5], [2.25], [2.625]])
    got = submission.run(call)
    expect.close(call, got, expected, hint=trajectory_hint(got, expected, steps=100, tol=1.0))
    at_the_minimum = "gradient_descent(lambda x: 2 * (x - 3.0), 3.0, 0.25, 10, tol=1e-3)"
    expect.close(at_the_minimum, submission.run(at_the_minimum), np.array([[3.0]]),
                 hint="when the gradient at x0 is already below tol, the path is x0 alone: check before updating")


@pytest.mark.task("2.3")
def test_a_too_large_learning_rate_raises_divergence_error(submission):
    # With lr = 1.5 every step doubles the distance to 3 and flips its side: before update k the point is
    # 3 - 3 (-2)^(k-1), where the gradient is 3 * 2^k in size and the step lr * grad is 4.5 * 2^k. The largest
    # float is just under 2^1024, so the step first overflows to inf at k = 1022 (4.5 * 2^1022 > 2^1024).
    call = "raised(lambda: gradient_descent(lambda x: 2 * (x - 3.0), 0.0, 1.5, 5000))"
    got = submission.run(call)
    expect.rejects(call, got, "DivergenceError", mentions=("learning rate",),
                   hint="raise the DivergenceError given in the module as soon as a point is inf or nan, "
                        "instead of returning NaN or inf, and say that the learning rate is probably too large")
    step = 1022
    if not re.search(rf"(?<![\d.]){step}(?![\d.])", got[1]):
        expect.fail(call, got, f"a message naming step {step}, the update that first gave inf or nan",
                    hint="count updates from 1: step j is the update that would have made row j of the trajectory")


# -- Task 2.4: minimising a parabola ------------------------------------------------------------


@pytest.mark.task("2.4")
def test_parabola_and_its_derivative(submission):
    call = "parabola(0.0), parabola(1.0), parabola(np.array([-1.0, 2.0]))"
    expect.close(call, submission.run(call), (-1.2, 3.8, np.array([3 - 2 - 1.2, 12 + 4 - 1.2])),
                 hint="3x^2 + 2x - 1.2, with elementwise operations so arrays work")
    slopes = "parabola_grad(np.array([-1 / 3, 0.0, 1.0]))"
    expect.close(slopes, submission.run(slopes), np.array([0.0, 2.0, 8.0]), atol=1e-12,
                 hint="differentiate term by term: d/dx 3x^2 = 6x, d/dx 2x = 2, and the constant drops out")


@pytest.mark.task("2.4")
def test_minimise_parabola_finds_minus_a_third(submission):
    call = "minimise_parabola()"
    got = submission.run(call)
    hint = ("return the minimiser x (where the slope 6x + 2 is zero), not the value of the parabola there"
            if matches(got, 3 / 9 - 2 / 3 - 1.2, rtol=1e-6) else "run gradient_descent with parabola_grad and "
            "return the last point as a float")
    expect.close(call, got, -1 / 3, atol=1e-9, hint=hint)
    expect.is_float(call, got)
    few_steps = "minimise_parabola(x0=-2.0, lr=0.05, steps=10)"
    # Each step multiplies the distance to -1/3 by 1 - 6 lr = 0.7.
    expect.close(few_steps, submission.run(few_steps), -1 / 3 + 0.7**10 * (-2.0 + 1 / 3),
                 hint="use exactly the x0, lr and steps you are given, with no early stop")


# -- Task 2.5: fitting a sine curve by hand ----------------------------------------------------


def sine_gradient_hint(got: Any, expected: tuple[float, float]) -> str:
    """Name the usual slip from the way `got` differs from the right gradient `expected`."""
    if matches(got, (2 * expected[0], 2 * expected[1]), rtol=1e-6):
        return ("the gradient is twice too large: it is the gradient of mean((model - y)^2); sine_mse has the "
                "factor 1/2, which cancels the 2 from differentiating the square")
    if isinstance(got, (tuple, list)) and len(got) == 2 and matches(got[0], expected[1], rtol=1e-6):
        return "d/d omega of sin(omega x + t) is x cos(omega x + t): keep the factor x from the chain rule"
    if matches(got, (-expected[0], -expected[1]), rtol=1e-6):
        return "a sign error: the residual is model - y, and the loss grows as the model moves away from y"
    return "chain rule: d/d omega = mean(r cos(omega x + t) x), d/d t = mean(r cos(omega x + t)), r = model - y"


@pytest.mark.task("2.5")
def test_sine_model_and_mse(submission):
    x = np.array([0.0, math.pi / 2, math.pi])
    model = "sine_model(x, 1.0, 0.0), sine_model(x, 2.0, 0.5)"
    expect.close(model, submission.run(model, x=x), (np.sin(x), np.sin(2 * x + 0.5)), atol=1e-12,
                 hint="sin(omega x + t), elementwise with np.sin")
    call = "sine_mse(x, np.zeros(3), 1.0, 0.0)"
    got = submission.run(call, x=x)
    # Squared residuals 0, 1, 0: their mean is 1/3, and half of it is 1/6.
    hint = ("sine_mse has a factor 1/2: it is 1/2 * mean((model - y)^2)" if matches(got, 1 / 3)
            else "1/2 * mean((sin(omega x + t) - y)^2)")
    expect.close(f"{call} with x = [0, pi/2, pi]", got, 1 / 6, atol=1e-12, hint=hint)
    expect.is_float(call, got)


CASES["sine_mse_grad on nine points"] = ("sine_mse_grad(x, y, 1.3, 0.4)", {
    "x": np.linspace(-2.0, 2.0, 9), "y": np.array([-0.9, -0.4, 0.3, 0.8, 1.0, 0.6, -0.1, -0.7, -1.0])})


@pytest.mark.task("2.5")
def test_sine_mse_gradient_on_nine_points(submission):
    snippet, inputs = CASES["sine_mse_grad on nine points"]
    got = submission.run(snippet, **inputs)
    expected = RECORDED["sine_mse_grad on nine points"]
    expect.close(f"{snippet} with x = {inputs['x'].tolist()}, y = {inputs['y'].tolist()}", got, expected,
                 rtol=1e-9, atol=1e-12, hint=sine_gradient_hint(got, expected))


@pytest.mark.task("2.5")
def test_fit_sine_recovers_omega_and_t(submission):
    call = "x, y = make_sine_data(n=100, omega=2.0, t=0.5, noise=0.1, seed=0)\nfit_sine(x, y, 1.7, 0.2, 0.5, 300)"
    got = submission.run(call)
    if isinstance(got, (tuple, list)) and len(got) == 2 and matches(got, (0.5, 2.0), atol=0.05):
        hint = "return (omega, t) in that order"
    else:
        hint = ("descend on the parameters p = (omega, t) with grad(p) = sine_mse_grad(x, y, p[0], p[1]); "
                "the noise moves the best fit only a little from the truth")
    expect.close(call, got, (2.0, 0.5), rtol=0.0, atol=0.05, hint=hint)
    for value in got:
        expect.is_float(call, value)


# -- Task 2.6: plotting the descent path -------------------------------------------------------

def bowl(x: Any, y: Any) -> Any:
    return (x - 3.0) ** 2 + 4.0 * (y + 2.0) ** 2


@pytest.mark.task("2.6", points=1.5)
def test_plot_descent_in_one_dimension(submission):
    function = "lambda x: (x - 1.0) ** 2 + 0.5"

    def f(x: np.ndarray) -> np.ndarray:
        return (x - 1.0) ** 2 + 0.5

    # The path of gradient descent with lr = 0.3 from x0 = -2: each step multiplies the distance to the
    # bottom at 1 by 1 - 0.3 * 2 = 0.4.
    path = (1.0 - 3.0 * 0.4 ** np.arange(9))[:, None]
    call, drawn = draw(submission, function, path, on_given_ax=False)
    check_the_axes(call, drawn, on_given_ax=False)
    index = check_the_path(call, drawn, np.column_stack([path[:, 0], f(path[:, 0])]))
    check_the_curve(call, drawn, f, path[:, 0], index)
    flat_call, flat = draw(submission, function, path[:, 0], on_given_ax=False)
    check_the_path(flat_call + " (a 1-D array)", flat, np.column_stack([path[:, 0], f(path[:, 0])]))


@pytest.mark.task("2.6", points=1.5)
def test_plot_descent_in_two_dimensions(submission):
    # A bowl with its bottom at (3, -2); the path's box is wider than it is tall, so a swap shows.
    function = "lambda x, y: (x - 3.0) ** 2 + 4.0 * (y + 2.0) ** 2"
    # The path of gradient descent with lr = 0.05 from (-1, 0.5): each step multiplies the distance to the
    # bottom by 1 - 0.05 * 2 = 0.9 along x and by 1 - 0.05 * 8 = 0.6 along y.
    k = np.arange(16)[:, None]
    path = np.array([3.0, -2.0]) + np.array([-4.0, 2.5]) * np.array([0.9, 0.6]) ** k
    probes = np.array([[0.0, -1.0], [1.5, 0.0], [2.0, -1.5], [-0.5, 0.2]])
    call, drawn = draw(submission, function, path, on_given_ax=True, probes=probes)
    check_the_axes(call, drawn, on_given_ax=True)
    check_the_path(call, drawn, path)
    check_the_contours(call, drawn, bowl, path, probes)


# -- Task 2.7: how large the learning rate may be ----------------------------------------------
# Every eigenvalue below is worked out by hand. LOPSIDED is not symmetric; its symmetric part
# H = [[6, 2], [2, 3]] has trace 9 and determinant 14, so its eigenvalues are 2 and 7 (eigenvectors (1, -2) and
# (2, 1)). Its lower triangle, read as a symmetric matrix (what np.linalg.eigvalsh makes of it), is
# [[6, 0], [0, 3]], with eigenvalues 3 and 6.

LOPSIDED = "np.array([[6.0, 4.0], [0.0, 3.0]])"
#: Eigenvalues of LOPSIDED's symmetric part, and of its lower triangle read as a symmetric matrix.
LOPSIDED_EIGENVALUES, LOWER_TRIANGLE_EIGENVALUES = np.array([2.0, 7.0]), np.array([3.0, 6.0])
TRIANGLE_HINT = ("take the eigenvalues of H = quadratic_hessian(A), not of A: np.linalg.eigvalsh reads only one "
                 "triangle of its argument, so a non-symmetric A gives the eigenvalues of another matrix")


@pytest.mark.task("2.7")
def test_quadratic_hessian_is_the_symmetric_part(submission):
    call = f"A = {LOPSIDED}\nH = quadratic_hessian(A)\nH, A"
    got = submission.run(call)
    hessian, after = got if isinstance(got, tuple) and len(got) == 2 else (got, None)
    if matches(hessian, [[6.0, 4.0], [0.0, 3.0]]):
        hint = ("x^T A x = x^T A^T x, so f only sees the symmetric part (A + A^T) / 2, not A: that is the "
                "Hessian")
    else:
        hint = "average A with its transpose: H = (A + A^T) / 2, the same shape as A"
    expect.close(f"quadratic_hessian({LOPSIDED})", hessian, np.array([[6.0, 2.0], [2.0, 3.0]]), hint=hint)
    expect.close(call, after, np.array([[6.0, 4.0], [0.0, 3.0]]), hint="leave A unchanged: build a new array")
    nested = "quadratic_hessian([[1.0, 2.0, 0.0], [0.0, 1.0, 4.0], [2.0, 0.0, 1.0]])"
    expect.close(nested, submission.run(nested), np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 2.0], [1.0, 2.0, 1.0]]),
                 hint="a nested list works too: make a float array of it first, with np.asarray(A, dtype=float)")


def contraction_hint(got: Any, lr: float) -> str:
    """Name the slip from the way `got` differs from 1 - lr * lambda_i for LOPSIDED."""
    if matches(got, 1.0 + lr * LOPSIDED_EIGENVALUES):
        return ("a sign error: one step maps the error e to (I - lr H) e, so the factors are 1 - lr * lambda_i, "
                "with a minus")
    if matches(got, (1.0 - lr * LOPSIDED_EIGENVALUES)[::-1]):
        return "keep the order of np.linalg.eigvalsh: the first factor belongs to the smallest eigenvalue"
    if matches(got, 1.0 - lr * LOWER_TRIANGLE_EIGENVALUES):
        return TRIANGLE_HINT
    return "one factor 1 - lr * lambda_i per eigenvalue lambda_i of H = quadratic_hessian(A), in ascending order"


@pytest.mark.task("2.7")
def test_contraction_factors_on_both_sides_of_the_limit(submission):
    # At lr = 0.25 the factors are 1 - 0.25 * 2 = 0.5 and 1 - 0.25 * 7 = -0.75: both errors shrink. At lr = 0.3,
    # just above 2 / 7 = 0.2857, they are 0.4 and 1 - 2.1 = -1.1: the error along (2, 1) grows and flips side.
    for lr, expected in [(0.25, [0.5, -0.75]), (0.3, [0.4, -1.1])]:
        call = f"contraction_factors({LOPSIDED}, {lr})"
        got = submission.run(call)
        expect.close(call, got, np.array(expected), hint=contraction_hint(got, lr))


def stable_lr_hint(got: Any, eigenvalues: np.ndarray, lower_triangle: np.ndarray | None = None) -> str:
    """Name the slip from the way `got` differs from 2 / lambda_max."""
    if len(eigenvalues) > 1 and matches(got, 2.0 / eigenvalues.min()):
        return ("lr < 2 / lambda_i must hold for every eigenvalue at once, and the tightest of these bounds comes "
                "from the largest eigenvalue, not the smallest")
    if matches(got, 1.0 / eigenvalues.max()):
        return ("the steepest factor 1 - lr * lambda_max may go down to -1, which allows lr up to "
                "2 / lambda_max, not 1 / lambda_max")
    if lower_triangle is not None and matches(got, 2.0 / lower_triangle.max()):
        return TRIANGLE_HINT
    return "2 / lambda_max, with lambda_max the largest eigenvalue of H = quadratic_hessian(A) (np.linalg.eigvalsh)"


@pytest.mark.task("2.7")
def test_largest_stable_lr_is_two_over_the_largest_eigenvalue(submission):
    call = f"largest_stable_lr({LOPSIDED})"
    got = submission.run(call)
    expect.close(call, got, 2.0 / 7.0, hint=stable_lr_hint(got, LOPSIDED_EIGENVALUES, LOWER_TRIANGLE_EIGENVALUES))
    expect.is_float(call, got)
    diagonal = "largest_stable_lr(np.diag([0.5, 4.0, 2.0]))"  # a diagonal matrix's eigenvalues are its diagonal
    got = submission.run(diagonal)
    expect.close(diagonal, got, 0.5, hint=stable_lr_hint(got, np.array([0.5, 2.0, 4.0])))


@pytest.mark.task("2.7")
def test_largest_stable_lr_refuses_a_quadratic_without_a_minimum(submission):
    # [[1, 2], [-2, 0]] has the symmetric part diag(1, 0): flat along the second axis. diag(2, -1) falls away.
    for matrix in ("[[1.0, 2.0], [-2.0, 0.0]]", "[[2.0, 0.0], [0.0, -1.0]]"):
        call = f"raised(lambda: largest_stable_lr({matrix}))"
        expect.rejects(call, submission.run(call), "ValueError",
                       mentions=("positive definite", "positive-definite"),
                       hint="when the smallest eigenvalue of H is <= 0, no learning rate converges: raise "
                            "ValueError saying that the Hessian is not positive definite")


#: Its symmetric part [[3, -1], [-1, 3]] has the eigenvalues 2 (along (1, 1)) and 4 (along (1, -1)).
SKEWED = "np.array([[3.0, -3.0], [1.0, 3.0]])"


@pytest.mark.task("2.7")
def test_descent_distances_shrink_below_the_limit_and_grow_above_it(submission):
    # The minimiser is x* = (1, 2), since H x* = (1, 5) = b. From x0 = (3, 2) the error (2, 0) = (1, 1) + (1, -1)
    # has length sqrt(2) along each eigenvector. lr = factor * 2 / 4, so one step scales those two parts by
    # 1 - 2 lr = 1 - factor and 1 - 4 lr = 1 - 2 factor, and |x_k - x*| = sqrt(2) sqrt(slow^(2k) + fast^(2k)).
    k = np.arange(9)
    for factor, slow, fast in [(0.9, 0.1, -0.8), (1.1, -0.1, -1.2)]:
        call = f"descent_distances({SKEWED}, [1.0, 5.0], [3.0, 2.0], {factor}, 8)"
        expected = np.sqrt(2.0) * np.sqrt(slow ** (2 * k) + fast ** (2 * k))
        expect.close(call, submission.run(call), expected, rtol=1e-9, atol=1e-12,
                     hint="run gradient_descent with the gradient H x - b, H = quadratic_hessian(A) (A x - b is "
                          "right only for a symmetric A), at lr = factor * largest_stable_lr(A), and return "
                          "|x_k - x*| for k = 0, ..., steps, where H x* = b")


# -- Recorded expectations ------------------------------------------------------------------
# The reference solution's answers to CASES, written by `autograder record-expectations`; never edit by hand.
# BEGIN RECORDED
RECORDED = {
    'rosenbrock_grad on arrays': (
        np.array([-36.0, -17.76, -0.27999999999999936, -6.360000000000005, 86.88000000000004]),
        np.array([-10.0, -23.599999999999998, -2.4000000000000012, 2.400000000000002, -20.40000000000001]),
    ),
    'sine_mse_grad on nine points': (-0.2793421046405075, -0.4940120893223903),
}
# END RECORDED
