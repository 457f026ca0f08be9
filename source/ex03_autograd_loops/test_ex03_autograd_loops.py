"""Public tests for exercise 3: PyTorch autograd loops.

Run them with ``pytest exercises/tests/test_ex03_autograd_loops.py`` (add
``-x`` to stop at the first failure, ``--pdb`` to debug it). Each test names
its task. The expected values are worked out by hand (the comments show how),
or were recorded from the reference solution for these very cases: the
``RECORDED`` block at the end of this file, written by the instructors'
``autograder record-expectations``. This file never computes an answer a second
way, so it gives none away. The grader also runs hidden tests with random
inputs, on a GPU too where one exists.
"""

from typing import Any

import numpy as np
import pytest

from hardway import expect
from hardway.plaindata import TensorRecord
from hardway.testkit import attempt
from hardway.testkit_ex03 import KNOWN_ERRORS, MISTAKE_HINTS, check_f_got_leaves, descent_result, floats
from hardway.testkit_ex03 import call as call_with_hints

#: Every snippet builds its tensors with T(...): float64 on the CPU.
TENSORS = "import torch\nT = lambda value: torch.tensor(value, dtype=torch.float64)"

#: The fixed cases whose answers were recorded from the reference solution: name -> (snippet, inputs).
CASES: dict[str, tuple[str, dict[str, Any]]] = {}


def call(submission, shown, expression, setup=TENSORS, known=KNOWN_ERRORS, **inputs):
    """Run `setup` (float64 tensors through T, unless told) and then `expression`; a torch error with a
    well-known cause (`known`) fails with its fix."""
    __tracebackhide__ = True
    return call_with_hints(submission, shown, expression, setup, known, **inputs)


def detached_values(shown, got, shape, not_a_tensor, dtype="float64"):
    """The data of a returned tensor, once it is known to be a detached `dtype` CPU tensor of `shape`."""
    __tracebackhide__ = True
    if not isinstance(got, TensorRecord):
        expect.fail(shown, got, f"a torch tensor of shape {shape}", not_a_tensor)
    if got.requires_grad or got.has_grad_fn:
        expect.fail(shown, got, "a detached tensor (requires_grad False, no grad_fn)",
                    "return x.detach(): a tensor that still requires grad drags its graph along with it")
    if got.data.shape != shape:
        expect.fail(shown, got, f"a tensor of shape {shape}, not {got.data.shape}")
    if got.dtype != dtype:
        expect.fail(shown, got, f"a {dtype} tensor, not {got.dtype}",
                    "create every new tensor with the input's dtype (**tensor_options(x))")
    return got.data


def matches(got, replay):
    try:
        return np.allclose(np.asarray(got, dtype=float), np.asarray(replay, dtype=float), rtol=1e-6, atol=1e-9)
    except (TypeError, ValueError):
        return False


# -- Task 3.1: gradients with backward() ------------------------------------------------------


@pytest.mark.task("3.1", points=2)
def test_linear_grads_of_w_x_plus_b(submission):
    shown = "linear_grads(2.0, -3.0, 0.5)"
    got = call(submission, shown, shown)
    if not isinstance(got, dict) or set(got) != {"dy_dw", "dy_dx", "dy_db"}:
        expect.fail(shown, got, "a dict with the keys 'dy_dw', 'dy_dx' and 'dy_db'")
    values = (got["dy_dw"], got["dy_dx"], got["dy_db"])
    floats(f"the values of {shown}", values, 3)
    # y = w x + b: each factor's derivative is the other factor, and b's is 1.
    expect.close(shown, values, (-3.0, 2.0, 1.0), rtol=1e-6, hint="y = w x + b, so dy/dw = x, dy/dx = w and dy/db = 1")


@pytest.mark.task("3.1")
def test_cubic_grads(submission):
    shown = "cubic_grads(1.5, -2.0)"
    got = call(submission, shown, shown)
    floats(shown, got, 2)
    # y = 3a^3 - b^2: dy/da = 9 a^2 = 20.25 and dy/db = -2 b = 4.
    expect.close(shown, got, (20.25, 4.0), rtol=1e-6,
                 hint="y = 3a^3 - b^2, so dy/da = 9a^2 and dy/db = -2b (mind the minus sign)")


# -- Task 3.2: the Rosenbrock gradient --------------------------------------------------------


@pytest.mark.task("3.2", points=2)
def test_rosenbrock_gradient_by_autograd(submission):
    # Worked out by hand, as in exercise 2: (2, 1) gives (2402, -600); (1, 1) is the minimum; at (-0.5, 0.75) the
    # terms of df/dx are -3 and 100; at (0.3, -1.2) they are -1.4 and 154.8.
    for (x, y), expected in [((2.0, 1.0), (2402.0, -600.0)), ((1.0, 1.0), (0.0, 0.0)),
                             ((-0.5, 0.75), (97.0, 100.0)), ((0.3, -1.2), (153.4, -258.0))]:
        shown = f"torch_rosenbrock_grad({x}, {y})"
        got = call(submission, shown, shown)
        floats(shown, got, 2)
        # Terms of a few hundred may cancel: the tolerance allows float32 rounding too.
        expect.close(shown, got, expected, rtol=1e-6, atol=1e-3,
                     hint="evaluate the given rosenbrock on two leaves with requires_grad=True, call backward() once, "
                          "and read x.grad and y.grad")


# -- Task 3.3: the descent loop ----------------------------------------------------------------

#: f(x) = sum(d (x - c)^2), a bowl whose bottom is c = (1, -2).
BOWL = "d = T([1.0, 3.0])\nc = T([1.0, -2.0])\nf = lambda x: (d * (x - c) ** 2).sum()"
CENTRE = np.array([1.0, -2.0])

CASES["descend into the bowl"] = (
    f"{TENSORS}\n{BOWL}\ndescend(f, [0.0, 0.0], 0.1, max_steps=500, grad_tol=1e-3)", {})


@pytest.mark.task("3.3", points=2)
def test_descend_matches_the_recorded_run(submission):
    snippet, inputs = CASES["descend into the bowl"]
    shown = snippet.removeprefix(f"{TENSORS}\n")
    got = call(submission, shown, snippet, setup="", **inputs)
    x_expected, steps_expected, history_expected = RECORDED["descend into the bowl"]
    x_got, steps_got, history_got = descent_result(shown, got)
    values = detached_values(shown, x_got, (2,), "return x itself, detached")
    hint = ""
    if len(history_got) > 2 and len(set(history_got)) == 1:
        hint = MISTAKE_HINTS["never moves"]
    elif len(history_got) > 1 and history_got[1] > history_got[0]:
        hint = MISTAKE_HINTS["ascends"]
    elif steps_got == 500:
        hint = "the loop never stopped early: stop as soon as the gradient norm falls below grad_tol"
    elif abs(steps_got - steps_expected) == 1 or len(history_got) != steps_got + 1:
        hint = ("check the gradient norm right after backward() and BEFORE the update, and stop without updating; "
                "`steps` counts updates and `history` has one loss per call of f")
    expect.close(f"steps of {shown}", steps_got, steps_expected, hint=hint, rtol=0, atol=0)
    expect.close(f"history of {shown}", history_got, history_expected, hint=hint, rtol=1e-9, atol=1e-12)
    expect.close(f"the final x of {shown}", values, x_expected, hint=hint, rtol=1e-9, atol=1e-12)


@pytest.mark.task("3.3", points=2)
def test_descend_zeroes_the_gradient_between_steps(submission):
    # f(x) = 2x has the gradient 2 everywhere, so with lr = 0.25 every update moves x by 0.5: 4 -> 3.5 -> 3 -> 2.5,
    # and the losses are 8, 7, 6. A gradient that is never zeroed grows to 2, 4, 6 and moves x by 0.5, 1, 1.5.
    # A float x0 gives a 0-d tensor x, as torch.tensor(4.0) is.
    expression = "descend(lambda x: 2 * x, 4.0, 0.25, max_steps=3, grad_tol=1e-9)"
    got = call(submission, expression, expression)
    x_got, steps_got, history_got = descent_result(expression, got)
    if isinstance(x_got, TensorRecord) and x_got.data.shape != ():
        expect.fail(expression, x_got, "a 0-d tensor x, like torch.tensor(4.0)",
                    "x keeps the shape of x0: a float x0 gives a 0-d tensor (torch.tensor(x0, dtype=torch.float64)), "
                    "not a tensor of shape (1,)")
    value = detached_values(expression, x_got, (), "return x itself, detached")
    if matches(history_got, [8.0, 7.0, 5.0]) or matches(value, 1.0):
        hint = MISTAKE_HINTS["keeps gradients"]
    elif matches(history_got, [8.0, 8.0, 8.0]):
        hint = MISTAKE_HINTS["never moves"]
    else:
        hint = "each of the 3 updates moves x by lr * 2 = 0.5"
    expect.close(f"(steps, history) of {expression}", (steps_got, history_got), (3, [8.0, 7.0, 6.0]), hint=hint)
    expect.close(f"the final x of {expression}", value, np.array(2.5), hint=hint)


@pytest.mark.task("3.3")
def test_descend_hands_f_a_leaf_and_returns_a_detached_copy(submission):
    setup = (f"{TENSORS}\n{BOWL}\nseen = []\n"
             "def recording(x):\n    seen.append((x.is_leaf, x.grad_fn is None, x.requires_grad))\n    return f(x)\n"
             "start = T([3.0, 1.0])")
    expression = "descend(recording, start, 0.1, max_steps=5, grad_tol=1e-9)"
    shown = f"{expression} with start = T([3.0, 1.0]), recording what f receives"
    got, seen, start_after = call(submission, shown, f"({expression}, seen, start.tolist())", setup)
    check_f_got_leaves(shown, seen)
    if start_after != [3.0, 1.0]:
        expect.fail(shown, f"start changed to {start_after}", "start left unchanged",
                    "copy x0 first (x0.detach().clone()): the caller's tensor must stay unchanged")
    detached_values(shown, descent_result(shown, got)[0], (2,), "return x itself, detached")


@pytest.mark.task("3.3")
def test_descend_stops_before_updating_a_flat_point(submission):
    expression = "descend(f, [1.0, -2.0], 0.1)"
    shown = f"{BOWL}\n{expression}"
    got = call(submission, shown, expression, setup=f"{TENSORS}\n{BOWL}")
    x_got, steps_got, history_got = descent_result(shown, got)
    expect.close(f"(steps, history) of {shown}", (steps_got, history_got), (0, [0.0]),
                 hint="at the minimum the gradient is 0: check it BEFORE the update, stop, and return x as it is")
    expect.close(f"the final x of {shown}", detached_values(shown, x_got, (2,), "return x, detached"), CENTRE)


@pytest.mark.task("3.3")
def test_descend_keeps_the_dtype_of_a_tensor_start(submission):
    # The bowl of the tests above in float32: one update from (0, 0) with lr = 0.1 moves x by 0.1 * 2 d (c - x).
    setup = ("import torch\nd = torch.tensor([1.0, 3.0])\nc = torch.tensor([1.0, -2.0])\n"
             "f = lambda x: (d * (x - c) ** 2).sum()")
    expression = "descend(f, torch.zeros(2), 0.1, max_steps=1, grad_tol=1e-9)"
    shown = f"{expression} with float32 tensors"
    got = call(submission, shown, expression, setup=setup)
    x_got = descent_result(shown, got)[0]
    if isinstance(x_got, TensorRecord) and x_got.dtype != "float32":
        expect.fail(shown, x_got, "a float32 tensor, like x0",
                    "a tensor x0 keeps its dtype: copy it with x0.detach().clone() rather than making float64")
    values = detached_values(shown, x_got, (2,), "return x itself, detached", dtype="float32")
    expect.close(shown, values, np.array([0.2, -1.2]), rtol=1e-6, atol=1e-6)


# -- Task 3.4: fitting a parabola ----------------------------------------------------------------

PARABOLA_X = np.linspace(-1.0, 1.0, 21)
PARABOLA_Y = 1.5 * PARABOLA_X**2 - 0.8 * PARABOLA_X + 0.3 + 0.05 * np.sin(7 * PARABOLA_X)
PARABOLA_DATA = {"x": PARABOLA_X, "y": PARABOLA_Y}

CASES["fit_parabola on 21 points"] = (f"{TENSORS}\nfit_parabola(T(x), T(y), 0.3, 25)", PARABOLA_DATA)
# Two usual slips give the right answer to another question, so the reference can record what they give:
# subtracting y of shape (n,) from predictions of shape (n, 1) averages over an (n, n) matrix, whose gradient
# is that of fitting every point to the mean of y; and the SUM of squared errors is n times the mean, which
# is the mean descended with n times the learning rate.
CASES["fit_parabola to the mean of y"] = (f"{TENSORS}\nfit_parabola(T(x), T(y).mean() + 0 * T(x), 0.3, 25)",
                                          PARABOLA_DATA)
CASES["fit_parabola at 21 times the learning rate"] = (f"{TENSORS}\nfit_parabola(T(x), T(y), 0.3 * 21, 25)",
                                                       PARABOLA_DATA)


def check_coefficients(shown, got, dtype="float64"):
    __tracebackhide__ = True
    if isinstance(got, TensorRecord) and got.data.size != 3:
        expect.fail(shown, got, "3 values (a, b, c)",
                    "the design matrix has three columns, x^2, x and a column of ones (the ones multiply c)")
    return detached_values(shown, got, (3,), "return the coefficients as a torch tensor: w.detach().flatten()",
                           dtype=dtype)


@pytest.mark.task("3.4", points=2)
def test_fit_parabola_matches_the_recorded_descent(submission):
    snippet, inputs = CASES["fit_parabola on 21 points"]
    shown = "fit_parabola(T(x), T(y), 0.3, 25) on 21 points of 1.5 x^2 - 0.8 x + 0.3 (plus a wiggle)"
    got = call(submission, shown, snippet, setup="", **inputs)
    values = check_coefficients(shown, got)
    expected = np.array(RECORDED["fit_parabola on 21 points"])
    hint = "start from w = 0 and make exactly `steps` updates of w -= lr * grad of mean((X w - y)^2)"
    if matches(values, RECORDED["fit_parabola to the mean of y"]):
        hint = ("the predictions have shape (n, 1) and y has shape (n,): their difference broadcasts to an (n, n) "
                "matrix. Reshape y to (n, 1) (or flatten the predictions) before subtracting")
    elif matches(values, RECORDED["fit_parabola at 21 times the learning rate"]):
        hint = "the loss is the MEAN of the squared errors, not their sum"
    elif matches(values, np.zeros(3)):
        hint = MISTAKE_HINTS["never moves"]
    elif np.allclose(values, expected, rtol=1e-4, atol=1e-6):
        hint = MISTAKE_HINTS["precision"]
    expect.close(shown, values, expected, rtol=1e-7, atol=1e-9, hint=hint)


@pytest.mark.task("3.4")
def test_fit_parabola_recovers_clean_coefficients(submission):
    expression = "x, y = make_parabola_data(30, (0.7, 0.4, -1.2), noise=0.0)\nfit_parabola(x, y, 0.5, 800)"
    got = call(submission, expression, "fit_parabola(x, y, 0.5, 800)",
               setup=f"{TENSORS}\nx, y = make_parabola_data(30, (0.7, 0.4, -1.2), noise=0.0)")
    values = check_coefficients(expression, got)
    expect.close(expression, values, np.array([0.7, 0.4, -1.2]), rtol=1e-6, atol=1e-6,
                 hint="with clean data and enough steps the fit must find (a, b, c); c needs the column of ones")


@pytest.mark.task("3.4")
def test_fit_parabola_keeps_the_dtype_of_its_data(submission):
    setup = "import torch\nx = torch.linspace(-1.0, 1.0, 5)\ny = 2.0 * x ** 2 - 1.0"
    expression = "fit_parabola(x, y, 0.5, 2000)"
    shown = f"{expression} on 5 float32 points of 2 x^2 - 1"
    got = call(submission, shown, expression, setup=setup)
    values = check_coefficients(shown, got, dtype="float32")
    expect.close(shown, values, np.array([2.0, 0.0, -1.0]), rtol=1e-4, atol=1e-4,
                 hint="float32 data gives float32 coefficients: create w with tensor_options(x)")


# -- Task 3.5: fitting a sine curve ---------------------------------------------------------------

SINE_X = np.linspace(-2.5, 2.5, 40)
SINE_DATA = {"x": SINE_X, "y": np.sin(1.7 * SINE_X + 0.4) + 0.1 * np.cos(5 * SINE_X)}
CASES["fit_sine on 40 points"] = (f"{TENSORS}\nfit_sine(T(x), T(y), 1.5, 0.1, 0.4, 20)", SINE_DATA)
# A loss without the 1/2 has twice the gradient: the same descent at twice the learning rate.
CASES["fit_sine at twice the learning rate"] = (f"{TENSORS}\nfit_sine(T(x), T(y), 1.5, 0.1, 0.8, 20)", SINE_DATA)


@pytest.mark.task("3.5", points=2)
def test_fit_sine_matches_the_recorded_descent(submission):
    snippet, inputs = CASES["fit_sine on 40 points"]
    shown = "fit_sine(T(x), T(y), 1.5, 0.1, 0.4, 20) on 40 points of sin(1.7 x + 0.4) (plus a wiggle)"
    got = call(submission, shown, snippet, setup="", **inputs)
    floats(shown, got, 2)
    expected = RECORDED["fit_sine on 40 points"]
    hint = "make exactly `steps` updates of both omega and t from the gradient of 1/2 * mean((sin(omega x + t) - y)^2)"
    if matches(got, RECORDED["fit_sine at twice the learning rate"]):
        hint = "the loss has a factor 1/2 in front: 1/2 * mean((sin(omega x + t) - y)^2), as in exercise 2"
    elif matches(got, (1.5, 0.1)):
        hint = MISTAKE_HINTS["never moves"]
    elif np.allclose(got, expected, rtol=1e-4, atol=1e-6):
        hint = MISTAKE_HINTS["precision"]
    # In float64 any correct loop agrees to about 1e-14; float32 parameters are off by about 1e-8.
    expect.close(shown, got, expected, rtol=1e-10, atol=1e-12, hint=hint)


# -- Task 3.6: a Gaussian blob ---------------------------------------------------------------------

CASES["a 5x5 blob at (1, 3)"] = ("gaussian_image(5, (1.0, 3.0), 1.0)", {})
CASES["a 20x20 blob at (8.3, 11.6)"] = ("gaussian_image(20, (8.3, 11.6), 2.5)", {})


@pytest.mark.task("3.6")
def test_gaussian_image_puts_x_along_the_columns(submission):
    expression, _ = CASES["a 5x5 blob at (1, 3)"]
    got = call(submission, expression, expression)
    values = detached_values(expression, got, (5, 5), "build the image with torch operations and return the tensor")
    expected = np.array(RECORDED["a 5x5 blob at (1, 3)"])
    hint = ("image[i, j] = exp(-((i - y)^2 + (j - x)^2) / (2 sigma^2)); mind the 2 and the square on sigma. "
            "The brightest pixel of a blob at (x, y) = (1, 3) is image[3, 1]")
    if np.allclose(values, expected.T):
        hint = ("pos is (x, y): x is the column index j and y the row index i, "
                "image[i, j] = exp(-((i - y)^2 + (j - x)^2) / (2 sigma^2))")
    expect.close(expression, values, expected, rtol=1e-12, atol=1e-14, hint=hint)


@pytest.mark.task("3.6", points=2)
def test_fit_gaussian_finds_a_clean_blob(submission):
    image = np.array(RECORDED["a 20x20 blob at (8.3, 11.6)"])
    expression = "fit_gaussian(T(image), (7.0, 12.5), 2.0, 0.1, 80)"
    shown = f"{expression} on a clean 20x20 blob at (x, y) = (8.3, 11.6) with sigma = 2.5"
    got = call(submission, shown, expression, image=image)
    if not (isinstance(got, (tuple, list)) and len(got) == 2 and isinstance(got[0], (tuple, list))):
        expect.fail(shown, got, "((x, y), sigma)", "return a pair: the position (x, y) and then sigma")
    floats(shown, (*got[0], got[1]), 3)
    hint = ("descend the SUM of squared differences over x, y and sigma together; pos is (x, y) with x the column "
            "index")
    if matches((*got[0], got[1]), (7.0, 12.5, 2.0)):
        hint = MISTAKE_HINTS["never moves"]
    expect.close(shown, got, ((8.3, 11.6), 2.5), rtol=0, atol=1e-4, hint=hint)


# -- Task 3.7: vector-Jacobian products ------------------------------------------------------------

#: f(x) = (x0 x1, x1^2 - x0) at x = (3, -1): its Jacobian is [[x1, x0], [-1, 2 x1]] = [[-1, 3], [-1, -2]].
SQUARE_MAP = "f = lambda x: torch.stack([x[0] * x[1], x[1] ** 2 - x[0]])\nx = T([3.0, -1.0])"


@pytest.mark.task("3.7", points=2)
def test_vjp_multiplies_the_vector_from_the_left(submission):
    expression = "vjp(f, x, T([2.0, 1.0]))"
    shown = f"{expression} with f(x) = (x0 x1, x1^2 - x0) and x = (3, -1)"
    got = call(submission, shown, expression, setup=f"{TENSORS}\n{SQUARE_MAP}")
    values = detached_values(shown, got, (2,), "return the leaf's gradient: a tensor with x's shape")
    # v^T J = 2 * (-1, 3) + 1 * (-1, -2) = (-3, 4), while J v = (-1*2 + 3*1, -1*2 - 2*1) = (1, -4).
    hint = MISTAKE_HINTS["wrong side"] if matches(values, (1.0, -4.0)) else "x.grad[j] = sum_i v[i] * dy_i/dx_j"
    expect.close(shown, values, np.array([-3.0, 4.0]), hint=hint)


@pytest.mark.task("3.7")
def test_vjp_from_three_inputs_to_two_outputs_leaves_x_alone(submission):
    setup = f"{TENSORS}\nf = lambda x: torch.stack([x[0] + 2 * x[1] - x[2], x[0] * x[2]])\nx = T([1.0, 2.0, 3.0])"
    expression = "vjp(f, x, T([1.0, -1.0]))"
    shown = f"{expression} with f(x) = (x0 + 2 x1 - x2, x0 x2) and x = (1, 2, 3)"
    got, x_requires_grad, x_grad_is_none = call(submission, shown, f"({expression}, x.requires_grad, x.grad is None)",
                                                setup=setup)
    values = detached_values(shown, got, (3,), "return the leaf's gradient: a tensor with x's shape (3 values)")
    # J = [[1, 2, -1], [x2, 0, x0]] = [[1, 2, -1], [3, 0, 1]], so v^T J = (1 - 3, 2 - 0, -1 - 1).
    expect.close(shown, values, np.array([-2.0, 2.0, -2.0]),
                 hint="v has one value per output (2) and v^T J one per input (3): x.grad[j] = sum_i v[i] dy_i/dx_j")
    expect.equal(f"(x.requires_grad, x.grad is None) after {shown}", (x_requires_grad, x_grad_is_none),
                 (False, True), hint=MISTAKE_HINTS["callers x"])


#: f(x) = (x0 x1, x1 x2, x0^2 + 3 x2) at (1, 2, 3): J = [[x1, x0, 0], [0, x2, x1], [2 x0, 0, 3]].
JACOBIAN_CASES = [
    ("f(x) = (x0 x1, x1 x2, x0^2 + 3 x2) at x = (1, 2, 3)",
     "f = lambda x: torch.stack([x[0] * x[1], x[1] * x[2], x[0] ** 2 + 3 * x[2]])\nx = T([1.0, 2.0, 3.0])",
     np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 2.0], [2.0, 0.0, 3.0]])),
    ("f(x) = (x0^2, x0 x1, 5 x1) at x = (2, -1)",
     "f = lambda x: torch.stack([x[0] ** 2, x[0] * x[1], 5 * x[1]])\nx = T([2.0, -1.0])",
     np.array([[4.0, 0.0], [-1.0, 2.0], [0.0, 5.0]])),
]


def jacobian_hint(values, expected):
    """Name the mistake when the matrix is J's transpose, J's rows summed, or one row repeated."""
    if values.shape == expected.T.shape and matches(values, expected.T):
        return "that is J transposed: row i of J is e_i^T J, the leaf's .grad after backward(gradient=e_i)"
    if matches(values, np.cumsum(expected, axis=0)):
        return ("row i came out as rows 0 to i summed: backward() ADDS into .grad, so clear the leaf's gradient "
                "before each row (leaf.grad = None, or leaf.grad.zero_())")
    if len(values) > 1 and all(matches(row, values[-1]) for row in values):
        return ("every row is the last one: the rows you kept are one .grad tensor, changed in place by each pass; "
                "keep a copy of each row (.clone()), or set leaf.grad = None before each pass")
    return "row i of J is the leaf's .grad after backward(gradient=e_i), with e_i the i-th unit vector"


@pytest.mark.task("3.7", points=2)
def test_jacobian_by_rows_builds_each_row_from_one_backward_pass(submission):
    for description, setup, expected in JACOBIAN_CASES:
        shown = f"jacobian_by_rows(f, x) with {description}"
        got, x_grad_is_none = call(submission, shown, "(jacobian_by_rows(f, x), x.grad is None)",
                                   setup=f"{TENSORS}\n{setup}")
        values = detached_values(shown, got, expected.shape,
                                 f"return J as one tensor of shape {expected.shape} (torch.stack the rows)")
        expect.close(shown, values, expected, hint=jacobian_hint(values, expected))
        expect.equal(f"x.grad is None after {shown}", x_grad_is_none, True, hint=MISTAKE_HINTS["callers x"])


# -- Task 3.8: control flow, and where the graph breaks -----------------------------------------

#: Calls newton_sqrt on a leaf a, differentiates y if it can and returns (result, y still in a graph, a.grad).
NEWTON = """a = T({a})
a.requires_grad_(True)
result = newton_sqrt(a{options})
y = result[0] if isinstance(result, tuple) and len(result) == 2 else None
attached = isinstance(y, torch.Tensor) and y.requires_grad
if attached:
    y.backward()
(result, attached, a.grad)"""


def newton_outcome(submission, a, options=""):
    """(what was shown, y, iterations, dy/da) for newton_sqrt(a, ...) on a float64 leaf a."""
    __tracebackhide__ = True
    shown = f"y, iterations = newton_sqrt(a{options}) with a = torch.tensor({a}, requires_grad=True); y.backward()"
    result, attached, slope = call(submission, shown, NEWTON.format(a=a, options=options))
    if not (isinstance(result, tuple) and len(result) == 2):
        expect.fail(shown, result, "a tuple (y, iterations)")
    y, iterations = result
    if not (isinstance(y, TensorRecord) and y.data.shape == ()):
        expect.fail(shown, y, "y as a 0-d tensor", "keep y a tensor: (y + a / y) / 2 with tensors stays a tensor")
    if not attached:
        expect.fail(shown, y, "a y that is still part of a's graph", MISTAKE_HINTS["no graph"])
    if type(iterations) is not int:
        expect.fail(shown, iterations, "`iterations` as a Python int", "count the replacements in a plain int")
    if not isinstance(slope, TensorRecord):
        expect.fail(f"a.grad after {shown}", slope, "the derivative dy/da",
                    "start from y = a itself, the caller's tensor: a copy of its value is a new leaf, not a")
    return shown, float(y.data), iterations, float(slope.data)


@pytest.mark.task("3.8", points=2)
def test_newton_sqrt_differentiates_the_two_steps_it_took(submission):
    shown, y, iterations, slope = newton_outcome(submission, 4.0, ", max_iter=2")
    # By hand: y goes 4 -> (4 + 1) / 2 = 2.5 -> (2.5 + 1.6) / 2 = 2.05, and dy/da goes
    # 1 -> (1 * (1 - 4/16) + 1/4) / 2 = 0.5 -> (0.5 * (1 - 4/6.25) + 1/2.5) / 2 = 0.29.
    expect.close(f"(y, iterations) of {shown}", (y, iterations), (2.05, 2),
                 hint="start from y = a and make at most max_iter replacements y = (y + a / y) / 2")
    # Started from a copy of a's value, dy_0/da would be 0, and dy/da 0 -> 0.125 -> 0.2225.
    hint = ("start from y = a itself, so that dy_0/da = 1: a copy of its value (a.item(), a.detach()) starts "
            "the derivative at 0") if abs(slope - 0.2225) < 1e-9 else \
        "dy/da follows the loop as it ran: 1 -> 0.5 -> 0.29 for the two replacements"
    expect.close(f"a.grad after {shown}", slope, 0.29, rtol=1e-9, hint=hint)


@pytest.mark.task("3.8")
def test_newton_sqrt_runs_until_the_tolerance_and_its_slope_nears_that_of_sqrt(submission):
    shown, y, iterations, slope = newton_outcome(submission, 4.0)
    # y: 4, 2.5, 2.05, 2.00061, 2.0000000929, 2.000000000000002; only the last has |y^2 - 4| <= 4e-12.
    expect.close(f"(y, iterations) of {shown}", (y, iterations), (2.0, 5), rtol=1e-12,
                 hint="loop while |y^2 - a| > tol * a (tol = 1e-12 by default), counting the replacements")
    # Once y has converged, the derivative of the loop is that of sqrt: 1 / (2 sqrt(4)) = 0.25.
    expect.close(f"a.grad after {shown}", slope, 0.25, rtol=1e-9,
                 hint="dy/da is the derivative of the loop that ran; converged, it is 1 / (2 sqrt(a))")


@pytest.mark.task("3.8")
def test_newton_sqrt_at_one_never_loops_so_its_slope_is_one(submission):
    shown, y, iterations, slope = newton_outcome(submission, 1.0)
    # |1^2 - 1| = 0: the loop never runs, y is a itself, and the derivative of y = a is 1 (not sqrt's 1/2).
    expect.close(f"(y, iterations, a.grad) of {shown}", (y, iterations, slope), (1.0, 0, 1.0), rtol=1e-12,
                 hint="at a = 1 the loop condition is false at once: return y = a itself, whose derivative is 1. "
                      "Autograd differentiates the path that ran, not the function you meant")


#: Four computations of x^2, three of which cut the graph somewhere, by name.
COMPUTATIONS = {
    "plain": "def plain(x):\n    return x * x",
    "half_detached": "def half_detached(x):\n    return x.detach() * x",
    "under_no_grad": "def under_no_grad(x):\n    with torch.no_grad():\n        return x * x",
    "through_numpy": "def through_numpy(x):\n    return torch.from_numpy(x.detach().cpu().numpy() ** 2)",
}
CUT_GRAPH_ERRORS = (
    ("does not require grad",
     "compute(leaf) came back without a graph (requires_grad False): then no gradient can reach x, so return None "
     "instead of calling backward()"),
    *KNOWN_ERRORS,
)


@pytest.mark.task("3.8", points=2)
def test_gradient_or_none_tells_which_computations_let_gradients_flow(submission):
    # x * x has the gradient 2x; in x.detach() * x the first factor is a constant, so the gradient is x;
    # under no_grad and through numpy nothing is recorded, so no gradient reaches x.
    cases = [("plain", np.array([2.0, 4.0, 6.0])), ("half_detached", np.array([1.0, 2.0, 3.0])),
             ("under_no_grad", None), ("through_numpy", None)]
    setup = "\n".join([TENSORS, *COMPUTATIONS.values(), "x = T([1.0, 2.0, 3.0])"])
    for name, expected in cases:
        shown = f"{COMPUTATIONS[name]}\ngradient_or_none({name}, x) with x = T([1.0, 2.0, 3.0])"
        got, unchanged = call(submission, shown, f"(gradient_or_none({name}, x), x.grad is None and "
                              "not x.requires_grad)", setup=setup, known=CUT_GRAPH_ERRORS)
        if expected is None:
            expect.equal(shown, got, None, hint="the result has no graph (requires_grad False): return None")
        else:
            values = detached_values(shown, got, (3,), "return the leaf's gradient: a tensor with x's shape")
            hint = ("x.detach() is a constant: in x.detach() * x only the second factor is differentiated"
                    if name == "half_detached" else "the gradient of sum(x * x) is 2x")
            expect.close(shown, values, expected, hint=hint)
        expect.equal(f"x.grad is None and not x.requires_grad, after {shown}", unchanged, True,
                     hint=MISTAKE_HINTS["callers x"])


# -- Task 3.9: tensors from numpy, dtypes and devices --------------------------------------------

def facts(value):
    """(device, dtype, shape) of a tensor, as text; the type's name of anything else."""
    import torch

    if isinstance(value, torch.Tensor):
        return (str(value.device), str(value.dtype), tuple(value.shape))
    return type(value).__name__


def standardize_on_meta(standardize):
    """(error, None) or (None, the result's facts) for standardize(np.arange(6.0).reshape(2, 3), 'meta')."""
    error, result = attempt(lambda: standardize(np.arange(6.0).reshape(2, 3), "meta"))
    return error, facts(result)


def to_numpy_on_meta(to_numpy):
    """The error to_numpy raises for a tensor on the meta device that requires grad, or None."""
    import torch

    t = torch.zeros(2, 3, device="meta", requires_grad=True)
    return attempt(lambda: to_numpy(t))[0]


def standardized(shown, got, shape, device="cpu"):
    """The values of a returned tensor, once it is a float32 tensor of `shape` on `device`."""
    __tracebackhide__ = True
    if not isinstance(got, TensorRecord):
        expect.fail(shown, got, f"a float32 torch tensor of shape {shape}",
                    "return a tensor: torch.from_numpy(array) or torch.tensor(array), converted and moved")
    if got.dtype != "float32":
        expect.fail(shown, got, f"a float32 tensor, not {got.dtype}", MISTAKE_HINTS["float32"])
    if got.data.shape != shape:
        expect.fail(shown, got, f"a tensor of the array's shape {shape}, not {got.data.shape}")
    if got.device != device:
        expect.fail(shown, got, f"a tensor on {device}", "move the data with .to(device)")
    return got.data


@pytest.mark.task("3.9", points=2)
def test_standardize_makes_float32_values_with_mean_0_and_std_1(submission):
    array = np.array([1.0, 2.0, 3.0, 4.0])
    shown = "standardize(np.array([1.0, 2.0, 3.0, 4.0]))"
    got, after = call(submission, shown, "(standardize(array), array)", setup="import torch", array=array)
    values = standardized(shown, got, (4,))
    # Mean 2.5; the squared deviations 2.25, 0.25, 0.25, 2.25 average 1.25, so std = sqrt(1.25).
    expected = (array - 2.5) / np.sqrt(1.25)
    hint = "(array - mean) / std over all the values"
    if matches(values, expected * np.sqrt(3 / 4)):
        hint = "std divides by n here (numpy's array.std(), torch's t.std(correction=0)), not by n - 1"
    expect.close(shown, values, expected, rtol=1e-6, atol=1e-6, hint=hint)
    expect.close(f"the caller's array after {shown}", after, array, rtol=0, atol=0, hint=MISTAKE_HINTS["shared memory"])


@pytest.mark.task("3.9")
def test_standardize_leaves_a_float32_array_alone(submission):
    array = np.array([[0.0, 2.0], [4.0, 6.0]], dtype=np.float32)
    shown = "standardize(np.array([[0.0, 2.0], [4.0, 6.0]], dtype=np.float32))"
    got, after = call(submission, shown, "(standardize(array), array)", setup="import torch", array=array)
    values = standardized(shown, got, (2, 2))
    # Mean 3 and std sqrt((9 + 1 + 1 + 9) / 4) = sqrt(5). From float32 to float32 torch copies nothing at all.
    expect.close(shown, values, np.array([[-3.0, -1.0], [1.0, 3.0]]) / np.sqrt(5.0), rtol=1e-6, atol=1e-6)
    expect.close(f"the caller's array after {shown}", after, array, rtol=0, atol=0, hint=MISTAKE_HINTS["shared memory"])


@pytest.mark.task("3.9")
def test_standardize_puts_the_data_on_the_device_it_is_given(submission):
    shown = "standardize(np.arange(6.0).reshape(2, 3), 'meta'), on torch's meta device (no numbers, only shapes)"
    error, result = submission.call(standardize_on_meta)
    if error is not None:
        hint = ("build the result with tensor operations only: meta tensors hold no numbers, so .item(), float() "
                "or .numpy() on them fail") if "meta" in error[1] else "move the data with .to(device)"
        expect.fail(shown, f"{error[0]}: {error[1][:300]}", "a float32 tensor on the meta device", hint)
    expect.equal(f"(device, dtype, shape) of {shown}", result, ("meta", "torch.float32", (2, 3)),
                 hint="convert to float32 and move to the device you are given: .to(device=device, "
                      "dtype=torch.float32)")


@pytest.mark.task("3.9")
def test_to_numpy_detaches_and_keeps_the_dtype(submission):
    setup = "import torch\nt = torch.tensor([[1.5, -2.0], [0.25, 4.0]], requires_grad=True)"
    expression = "(to_numpy(t), to_numpy(t * 2), t.requires_grad)"
    shown = "to_numpy(t) and to_numpy(t * 2) with t = torch.tensor([[1.5, -2.0], [0.25, 4.0]], requires_grad=True)"
    leaf, product, still_requires_grad = call(submission, shown, expression, setup=setup)
    for got, expected in ((leaf, [[1.5, -2.0], [0.25, 4.0]]), (product, [[3.0, -4.0], [0.5, 8.0]])):
        if isinstance(got, TensorRecord):
            expect.fail(shown, got, "a numpy array", "convert the tensor at the end with .numpy()")
        expect.close(shown, got, np.array(expected, dtype=np.float32), rtol=0, atol=0)
        expect.equal(f"the dtype of {shown}", str(got.dtype), "float32",
                     hint="keep the tensor's dtype: .numpy() does, while np.array(t.tolist()) makes float64")
    expect.equal(f"t.requires_grad after {shown}", still_requires_grad, True,
                 hint="leave the caller's tensor as it was: .detach() makes a new tensor and changes nothing")


@pytest.mark.task("3.9")
def test_to_numpy_copies_to_the_cpu_before_converting(submission):
    shown = "to_numpy(torch.zeros(2, 3, device='meta', requires_grad=True)), on torch's meta device"
    error = submission.call(to_numpy_on_meta)
    # Meta tensors hold no numbers: copying one to the CPU is where a correct to_numpy stops, with this error.
    if error is None or "Cannot copy out of meta tensor" not in error[1]:
        got = "no error" if error is None else f"{error[0]}: {error[1][:300]}"
        hint = "detach the tensor, copy it to the CPU with .cpu(), then call .numpy()"
        if error is not None and "numpy" in error[1]:
            hint = ("call .cpu() before .numpy(), always: numpy only reads CPU memory, and .cpu() costs nothing "
                    "for a tensor that is already there")
        expect.fail(shown, got, "the error of copying a meta tensor to the CPU ('Cannot copy out of meta tensor'), "
                    "which .cpu() raises there", hint)


# -- Recorded expectations ------------------------------------------------------------------
# The reference solution's answers to CASES, written by `autograder record-expectations`; never edit by hand.
# BEGIN RECORDED
RECORDED = {
    'descend into the bowl': (
        np.array([0.999594351807927, -1.9999999999999765]),
        35,
        [
            13.0, 2.559999999999999, 0.7167999999999995, 0.3112959999999999, 0.17563647999999996, 0.10863247359999999,
            0.06892080332799996, 0.04401267736575999, 0.02815265163182078, 0.01801522314320281, 0.011529346987463796,
            0.007378718740107061, 0.004722369860569364, 0.003022315089468527, 0.0019342813978525226,
            0.0012379400531204435, 0.0007922816273562534, 0.0005070602404454708, 0.00032451855371509763,
            0.00020769187435046104, 0.00013292279957994346, 8.507059173046828e-05, 5.444517870738763e-05,
            3.4844914372710517e-05, 2.23007451985323e-05, 1.427247692705988e-05, 9.134385233318115e-06,
            5.846006549323583e-06, 3.741444191567091e-06, 2.394524282603075e-06, 1.5324955408660781e-06,
            9.807971461543339e-07, 6.277101735387034e-07, 4.0173451106477016e-07, 2.5711008708143036e-07,
            1.6455045573209742e-07,
        ],
    ),
    'fit_parabola on 21 points': np.array([1.2180887394808757, -0.805711254235731, 0.41397031085597374]),
    'fit_parabola to the mean of y': np.array([0.07026443907758385, -2.4719809532669498e-17, 0.8215936853706731]),
    'fit_parabola at 21 times the learning rate': np.array([
        5.378333710121879e+27, -73344390362038.44, 1.3303577259050352e+28,
    ]),
    'fit_sine on 40 points': (1.7030476136992352, 0.40096966406103085),
    'fit_sine at twice the learning rate': (1.7034709289910541, 0.40397125377437476),
    'a 5x5 blob at (1, 3)': np.array([
        [
            0.006737946999085467, 0.011108996538242306, 0.006737946999085467, 0.0015034391929775724,
            0.00012340980408667956,
        ],
        [0.0820849986238988, 0.1353352832366127, 0.0820849986238988, 0.01831563888873418, 0.0015034391929775724],
        [0.36787944117144233, 0.6065306597126334, 0.36787944117144233, 0.0820849986238988, 0.006737946999085467],
        [0.6065306597126334, 1.0, 0.6065306597126334, 0.1353352832366127, 0.011108996538242306],
        [0.36787944117144233, 0.6065306597126334, 0.36787944117144233, 0.0820849986238988, 0.006737946999085467],
    ]),
    'a 20x20 blob at (8.3, 11.6)': np.array([
        [
            8.539314574244939e-08, 2.974558578334813e-07, 8.829475834462194e-07, 2.233367548787961e-06,
            4.813914401117767e-06, 8.841977563985944e-06, 1.3839274910597254e-05, 1.8458233995780558e-05,
            2.0978761272389353e-05, 2.031806837617725e-05, 1.6768641385342755e-05, 1.1793052158861367e-05,
            7.067526484648348e-06, 3.609288126284513e-06, 1.5706830021295984e-06, 5.824631006713395e-07,
            1.8406074462280736e-07, 4.956405319172498e-08, 1.1373269676862955e-08, 2.223907618199918e-09,
        ],
        [
            5.04347662567888e-07, 1.7568291378785248e-06, 5.21485121562512e-06, 1.3190680505944232e-05,
            2.8431865987561685e-05, 5.2222349675744776e-05, 8.173730914944421e-05, 0.00010901773309746238,
            0.00012390443189914756, 0.00012000225784310832, 9.903868763242697e-05, 6.965194031851007e-05,
            4.17421144481519e-05, 2.1317121113161325e-05, 9.276743395171415e-06, 3.4401344604594294e-06,
            1.0870966927603353e-06, 2.9273443620441086e-07, 6.717262758512753e-08, 1.3134808411777331e-08,
        ],
        [
            2.5383405937011308e-06, 8.841977563985944e-06, 2.6245920251392355e-05, 6.638761765307784e-05,
            0.00014309525937613294, 0.000262830820718942, 0.00041137720115041803, 0.0005486773467842054,
            0.0006236008859994445, 0.0006039615626808818, 0.000498453625985501, 0.00035055252688263275,
            0.0002100846527793716, 0.0001072873295117082, 4.668909184077525e-05, 1.7313915770550268e-05,
            5.471268867317029e-06, 1.4733085086755038e-06, 3.3807434839047367e-07, 6.610641796642339e-08,
        ],
        [
            1.0886359221635094e-05, 3.792120893076763e-05, 0.0001125627178118111, 0.00028472122907122546,
            0.0006137026687227347, 0.0011272209631614447, 0.0017643022368343355, 0.002353150995059021,
            0.002674480829233906, 0.0025902522867576683, 0.0021377530033873902, 0.0015034391929775739,
            0.0009010047756333551, 0.0004601306900629071, 0.00020023878071046542, 7.425540413255361e-05,
            2.3465014283569705e-05, 6.318681468331553e-06, 1.4499231542574696e-06, 2.835152282652149e-07,
        ],
        [
            3.978581962458964e-05, 0.00013858870057011476, 0.00041137720115041765, 0.0010405560970840164,
            0.0022428677194858034, 0.0041195967360942295, 0.006447905046018473, 0.008599940451421168,
            0.009774288143078643, 0.009466462401710323, 0.007812736440449795, 0.00549454223680854, 0.003292856018658762,
            0.0016816160725432229, 0.0007318024188804728, 0.0002713774233260188, 8.575638620478137e-05,
            2.3092561621948483e-05, 5.298959910321539e-06, 1.0361485876900888e-06,
        ],
        [
            0.00012390443189914734, 0.00043160488771653026, 0.0012811463703842113, 0.0032405895689705607,
            0.0069849321499479275, 0.01282960356367432, 0.020080622171543543, 0.026782676492638175, 0.03043993138797189,
            0.029481273907289954, 0.024331097847571013, 0.01711157746205803, 0.010254896296404031, 0.005237033850426631,
            0.0022790422273408772, 0.0008451469841451511, 0.00026706993634134353, 7.191684765732914e-05,
            1.650247810752551e-05, 3.2268633229688987e-06,
        ],
        [
            0.00032882002281403935, 0.0011454015554594299, 0.0033999314817144835, 0.008599940451421168,
            0.018536750572165746, 0.034047454734599344, 0.053290350791822524, 0.0710763946078907, 0.08078208971247933,
            0.07823798560064846, 0.06457034689316853, 0.04541104143908222, 0.02721464585612117, 0.013898143623924965,
            0.006048167169664751, 0.002242867719485805, 0.0007087554594672165, 0.00019085434737834791,
            4.379460157019658e-05, 8.563513469317008e-06,
        ],
        [
            0.0007436054298740145, 0.0025902522867576635, 0.007688727375438125, 0.01944821474538539,
            0.04191967465885763, 0.07699613909569016, 0.12051271656014938, 0.16073471595185043, 0.1826835240527347,
            0.176930195482497, 0.14602170557528082, 0.10269416290817684, 0.06154417926719392, 0.03142976201836774,
            0.013677542838356723, 0.005072101754709756, 0.0016028050956335234, 0.0004316048877165314,
            9.903868763242715e-05, 1.9365837457485542e-05,
        ],
        [
            0.0014329786916434599, 0.004991593906910213, 0.01481670527436206, 0.03747804440503493, 0.08078208971247929,
            0.14837684372696583, 0.23223627472975883, 0.3097468277032208, 0.35204368710198464, 0.3409566281377017,
            0.2813938470598097, 0.1978986990836148, 0.11859985678092208, 0.060567308207225584, 0.026357563640607713,
            0.009774288143078652, 0.0030887154082367744, 0.0008317322365595747, 0.00019085434737834791,
            3.7319297718292964e-05,
        ],
        [
            0.0023531509950590187, 0.008196893811104076, 0.024331097847570992, 0.061544179267193834,
            0.13265546508012166, 0.2436554845483348, 0.3813643734941895, 0.5086475186803138, 0.5781048646705197,
            0.5598983665654022, 0.46208796758370024, 0.3249772822060642, 0.19475751637158512, 0.09945997271768267,
            0.04328279790196593, 0.016050745209267785, 0.005072101754709756, 0.0013658204071675011,
            0.0003134094736116574, 6.128349505322224e-05,
        ],
        [
            0.0032928560186587562, 0.011470233392109133, 0.0340474547345993, 0.08612117179854413, 0.1856299691410579,
            0.3409566281377015, 0.5336580505029905, 0.7117703227626097, 0.8089646975664999, 0.7834876342628627,
            0.6466177259354399, 0.45475339316794033, 0.27253179303401276, 0.13917822123048382, 0.060567308207225556,
            0.02246043414862551, 0.007097589923177355, 0.0019112457966326394, 0.0004385661071702438,
            8.575638620478137e-05,
        ],
        [
            0.003926526838305621, 0.0136775428383567, 0.04059948082572214, 0.1026941629081767, 0.22135224002994675,
            0.406569659740599, 0.6363541697250868, 0.8487420218802066, 0.9646402934831231, 0.9342604735772136,
            0.7710515858035665, 0.5422652533139833, 0.3249772822060642, 0.1659614079305315, 0.07222276341632082,
            0.0267826764926382, 0.008463436349092161, 0.0022790422273408772, 0.0005229629174240671,
            0.00010225917868292657,
        ],
        [
            0.00398985655441924, 0.013898143623924927, 0.041254297079610994, 0.10435048475476494, 0.22492236067332413,
            0.4131270938782181, 0.6466177259354394, 0.8624311149420453, 0.9801986733067553, 0.9493288668428896,
            0.7834876342628627, 0.5510112789913408, 0.3302187385548934, 0.1686381472685956, 0.07338762164662144,
            0.02721464585612116, 0.008599940451421177, 0.002315800182452864, 0.0005313976217982534,
            0.00010390848480578912,
        ],
        [
            0.003454767906985331, 0.012034232284723764, 0.0357215903960298, 0.09035580625318981, 0.19475751637158492,
            0.35772168898045403, 0.5598983665654018, 0.7467685359733569, 0.8487420218802066, 0.8220122346781865,
            0.6784123432641042, 0.47711391552103444, 0.2859323598942481, 0.14602170557528082, 0.06354544244301402,
            0.023564828414585532, 0.007446583070924344, 0.0020052230049392044, 0.0004601306900629063,
            8.997308391272886e-05,
        ],
        [
            0.0025491380412338933, 0.008879589060673952, 0.026357563640607654, 0.06667001349082038, 0.14370394977770284,
            0.2639488353792867, 0.4131270938782181, 0.5510112789913406, 0.6262535236575558, 0.6065306597126333,
            0.5005739194116278, 0.35204368710198464, 0.21097829881783214, 0.10774370219636979, 0.046887695219988486,
            0.017387564711745587, 0.00549454223680854, 0.0014795755838511004, 0.0003395124296503247,
            6.638761765307784e-05,
        ],
        [
            0.001602805095633519, 0.005583161979996515, 0.016572675401761224, 0.04191967465885763, 0.09035580625318981,
            0.16596140793053132, 0.25975925999353106, 0.34645581033005735, 0.3937653915324699, 0.3813643734941895,
            0.3147426368427819, 0.22135224002994688, 0.13265546508012177, 0.06774531316443402, 0.029481273907289954,
            0.01093266699168384, 0.00345476790698534, 0.0009303032032049506, 0.00021347304205269875,
            4.174211444815197e-05,
        ],
        [
            0.0008587780939743357, 0.0029914412030467435, 0.008879589060673952, 0.02246043414862547,
            0.04841236609804922, 0.0889216174593863, 0.13917822123048365, 0.1856299691410579, 0.210978298817832,
            0.20433387108094214, 0.1686381472685955, 0.11859985678092202, 0.0710763946078907, 0.036297732689732784,
            0.01579597686768691, 0.0058576897133356225, 0.0018510541340099108, 0.0004984536259855019,
            0.00011437820647585303, 2.2365297927926534e-05,
        ],
        [
            0.000392097509649842, 0.0013658204071674987, 0.00405420769560091, 0.010254896296404014,
            0.022103926865965004, 0.04059948082572214, 0.06354544244301397, 0.08475419800212203, 0.09632763823049299,
            0.09329395166237621, 0.07699613909569009, 0.05414985409492424, 0.03245177947153861, 0.016572675401761255,
            0.007212064718189751, 0.002674480829233906, 0.0008451469841451511, 0.0002275819874728773,
            5.2222349675744776e-05, 1.0211459376581233e-05,
        ],
        [
            0.00015255276831970107, 0.0005313976217982515, 0.00157736428333677, 0.00398985655441924,
            0.008599940451421161, 0.015795976867686898, 0.024723526470339364, 0.032975184013502974, 0.03747804440503491,
            0.036297732689732756, 0.029956768099511505, 0.021067999523041413, 0.012625963372490532,
            0.006447905046018479, 0.002805986804260068, 0.0010405560970840172, 0.00032882002281403995,
            8.854496994814314e-05, 2.031806837617725e-05, 3.972956619573523e-06,
        ],
        [
            5.0577689392600176e-05, 0.000176180767843906, 0.0005229629174240662, 0.0013228060542798121,
            0.0028512436826796297, 0.005237033850426622, 0.008196893811104076, 0.010932666991683831,
            0.012425555496885296, 0.012034232284723764, 0.00993193456160688, 0.006984932149947921, 0.004186040415850672,
            0.0021377530033873902, 0.000930303203204949, 0.00034498831881961335, 0.00010901773309746238,
            2.935639934064664e-05, 6.736298283583444e-06, 1.317203011707747e-06,
        ],
    ]),
}
# END RECORDED
