"""Public tests for exercise 3: PyTorch autograd loops.

Run them with ``pytest exercises/tests/test_ex03_autograd_loops.py`` (add
``-x`` to stop at the first failure, ``--pdb`` to debug it). Each test names
its task. The expected values come from numpy loops written out below with
hand-derived gradients (the method of exercise 2), never from a solution, so
you can read exactly what your autograd loop has to reproduce. The grader
also runs hidden tests with random inputs, on a GPU too where one exists.
"""

import numpy as np
import pytest

from hardway import expect
from hardway.plaindata import TensorRecord
from hardway.submission import StudentCodeRaised, SubmissionError

#: Every snippet builds its tensors with T(...): float64 on the CPU.
TENSORS = "import torch\nT = lambda value: torch.tensor(value, dtype=torch.float64)"
FLOAT_HINT = "return plain Python floats: call .item() on a one-element tensor (a tensor is not a float)"

# Torch's classic error messages, and the fix each one calls for.
KNOWN_ERRORS = (
    ("leaf Variable that requires grad is being used in an in-place operation",
     "an in-place update of a leaf that requires grad must run inside `with torch.no_grad():`"),
    ("does not require grad and does not have a grad_fn",
     "backward() found no tensor with requires_grad=True behind the result: create the leaves with "
     "requires_grad=True (and compute outside torch.no_grad())"),
    ("NoneType",
     "if that None was a .grad: only leaf tensors created with requires_grad=True get one, and an update outside "
     "torch.no_grad() turns x into a non-leaf whose .grad stays None"),
    ("backward through the graph a second time",
     "compute a fresh loss from the current parameters in every step before calling backward() again"),
    ("grad can be implicitly created only for scalar outputs",
     "backward() needs a scalar: reduce the loss to one number (.mean() or .sum()) first"),
    ("dtype", "create every new tensor with the inputs' dtype (**tensor_options(x), or dtype=x.dtype)"),
)

NEVER_ZEROED = ("the gradient was never zeroed: backward() adds into .grad, so every step followed the sum of all "
                "the gradients so far. Zero it after each update (x.grad.zero_() or x.grad = None)")
UPHILL = "the loss went up: step against the gradient, x -= lr * x.grad (a minus sign, not a plus)"


def call(submission, shown, expression, setup=TENSORS, **inputs):
    """Run `setup` and then `expression`; a torch error with a well-known cause fails with its fix."""
    __tracebackhide__ = True
    try:
        return submission.run(f"{setup}\n{expression}", **inputs)
    except Exception as error:
        if isinstance(error, StudentCodeRaised):
            name, message = error.type_name, error.message
        elif isinstance(error, (SubmissionError, NotImplementedError)):
            raise
        else:  # your own exception, when the tests import your module directly
            name, message = type(error).__name__, str(error)
        hints = [hint for fragment, hint in KNOWN_ERRORS if fragment in message]
        if not hints or name == "NotImplementedError":
            raise  # no known fix: see your traceback
        expect.fail(shown, f"{name}: {message[:300]}", "a result, not an error", hints[0])


def check_floats(shown, got, count):
    __tracebackhide__ = True
    if not isinstance(got, (tuple, list)) or len(got) != count:
        expect.fail(shown, got, f"a tuple of {count} Python floats", FLOAT_HINT)
    for item in got:
        expect.is_float(shown, item, hint=FLOAT_HINT)


def detached_values(shown, got, shape, not_a_tensor):
    """The data of a returned tensor, once it is known to be a detached float64 CPU tensor of `shape`."""
    __tracebackhide__ = True
    if not isinstance(got, TensorRecord):
        expect.fail(shown, got, f"a torch tensor of shape {shape}", not_a_tensor)
    if got.requires_grad or got.has_grad_fn:
        expect.fail(shown, got, "a detached tensor (requires_grad False, no grad_fn)",
                    "return x.detach(): a tensor that still requires grad drags its graph along with it")
    if got.data.shape != shape:
        expect.fail(shown, got, f"a tensor of shape {shape}, not {got.data.shape}")
    if got.dtype != "float64":
        expect.fail(shown, got, f"a float64 tensor, not {got.dtype}",
                    "create every new tensor with the input's dtype (**tensor_options(x))")
    return got.data


def descent_result(shown, got):
    """`got` split into (x, steps, history) once it has that shape."""
    __tracebackhide__ = True
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        expect.fail(shown, got, "a tuple (x, steps, history)")
    x_got, steps_got, history_got = got
    if type(steps_got) is not int:
        expect.fail(shown, steps_got, "`steps` as a Python int", "count the updates in a plain int")
    if not isinstance(history_got, list):
        expect.fail(shown, history_got, "`history` as a list of Python floats")
    for loss in history_got:
        expect.is_float(f"the losses in the history of {shown}", loss,
                        hint="append loss.item() to history, not the loss tensor itself")
    return x_got, steps_got, history_got


PRECISION = ("close, but not equal to rounding error: compute in float64, creating the parameters with the data's "
             "dtype (**tensor_options(x)); float32 keeps only about 7 digits")


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
    check_floats(f"the values of {shown}", values, 3)
    # y = w x + b: each factor's derivative is the other factor, and b's is 1.
    expect.close(shown, values, (-3.0, 2.0, 1.0), rtol=1e-6, hint="y = w x + b, so dy/dw = x, dy/dx = w and dy/db = 1")


@pytest.mark.task("3.1")
def test_cubic_grads(submission):
    shown = "cubic_grads(1.5, -2.0)"
    got = call(submission, shown, shown)
    check_floats(shown, got, 2)
    # y = 3a^3 - b^2: dy/da = 9 a^2 = 20.25 and dy/db = -2 b = 4.
    expect.close(shown, got, (20.25, 4.0), rtol=1e-6,
                 hint="y = 3a^3 - b^2, so dy/da = 9a^2 and dy/db = -2b (mind the minus sign)")


# -- Task 3.2: the Rosenbrock gradient --------------------------------------------------------


@pytest.mark.task("3.2", points=2)
def test_rosenbrock_gradient_by_autograd(submission):
    for x, y in [(2.0, 1.0), (1.0, 1.0), (-0.5, 0.75), (0.3, -1.2)]:
        shown = f"torch_rosenbrock_grad({x}, {y})"
        got = call(submission, shown, shown)
        check_floats(shown, got, 2)
        expected = (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x))
        # The terms may cancel, so the tolerance scales with them (float32 rounding passes too).
        scale = 2 * abs(1 - x) + 400 * abs(x) * (abs(y) + x * x) + 200 * (abs(y) + x * x)
        expect.close(shown, got, expected, rtol=1e-6, atol=1e-6 * scale,
                     hint="evaluate the given rosenbrock on two leaves with requires_grad=True, call backward() once, "
                          "and read x.grad and y.grad")


# -- Task 3.3: the descent loop ----------------------------------------------------------------

WEIGHTS, CENTRE = np.array([1.0, 3.0]), np.array([1.0, -2.0])
BOWL = "d = T([1.0, 3.0])\nc = T([1.0, -2.0])\nf = lambda x: (d * (x - c) ** 2).sum()"


def bowl_descent(x0, lr, max_steps, grad_tol, zero_grad=True):
    """The loop of Task 3.3 on f(x) = sum(d (x - c)^2), whose gradient is 2 d (x - c)."""
    x, total, history, steps = np.array(x0, dtype=float), np.zeros(2), [], 0
    for _ in range(max_steps):
        history.append(float(np.sum(WEIGHTS * (x - CENTRE) ** 2)))
        total = (total if not zero_grad else 0.0) + 2 * WEIGHTS * (x - CENTRE)
        if np.linalg.norm(total) < grad_tol:
            break
        x = x - lr * total
        steps += 1
    return x, steps, history


@pytest.mark.task("3.3", points=2)
def test_descend_matches_a_hand_written_loop(submission):
    expression = "descend(f, [0.0, 0.0], 0.1, max_steps=500, grad_tol=1e-3)"
    shown = f"{BOWL}\n{expression}"
    got = call(submission, shown, expression, setup=f"{TENSORS}\n{BOWL}")
    x_expected, steps_expected, history_expected = bowl_descent([0.0, 0.0], 0.1, 500, 1e-3)
    x_got, steps_got, history_got = descent_result(shown, got)
    values = detached_values(shown, x_got, (2,), "return x itself, detached")
    hint = ""
    if matches(history_got, bowl_descent([0.0, 0.0], 0.1, 500, 1e-3, zero_grad=False)[2]):
        hint = NEVER_ZEROED
    elif len(history_got) > 1 and history_got[1] > history_got[0]:
        hint = UPHILL
    elif steps_got == 500:
        hint = "the loop never stopped early: stop as soon as the gradient norm falls below grad_tol"
    elif abs(steps_got - steps_expected) == 1 or len(history_got) != steps_got + 1:
        hint = ("check the gradient norm right after backward() and BEFORE the update, and stop without updating; "
                "`steps` counts updates and `history` has one loss per call of f")
    expect.close(f"steps of {shown}", steps_got, steps_expected, hint=hint, rtol=0, atol=0)
    expect.close(f"history of {shown}", history_got, history_expected, hint=hint, rtol=1e-9, atol=1e-12)
    expect.close(f"the final x of {shown}", values, x_expected, hint=hint, rtol=1e-9, atol=1e-12)


@pytest.mark.task("3.3")
def test_descend_hands_f_a_leaf_and_returns_a_detached_copy(submission):
    setup = (f"{TENSORS}\n{BOWL}\nseen = []\n"
             "def recording(x):\n    seen.append((x.is_leaf, x.grad_fn is None, x.requires_grad))\n    return f(x)\n"
             "start = T([3.0, 1.0])")
    expression = "descend(recording, start, 0.1, max_steps=5, grad_tol=1e-9)"
    shown = f"{expression} with start = T([3.0, 1.0]), recording what f receives"
    got, seen, start_after = call(submission, shown, f"({expression}, seen, start.tolist())", setup)
    for number, (is_leaf, no_grad_fn, requires_grad) in enumerate(seen, start=1):
        if not (is_leaf and no_grad_fn):
            expect.fail(f"call {number} of f in {shown}", "an x that is not a leaf (it has a grad_fn)",
                        "a leaf tensor every time",
                        "x is not a leaf: the update ran outside torch.no_grad(), so x became the output of a graph "
                        "that grows with every step. Update in place inside `with torch.no_grad():`")
        if not requires_grad:
            expect.fail(f"call {number} of f in {shown}", "an x with requires_grad=False", "an x that requires grad",
                        "make x a leaf with requires_grad=True before the loop")
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


# -- Task 3.4: fitting a parabola ----------------------------------------------------------------


def parabola_descent(x, y, lr, steps, broadcast=False, zero_grad=True, summed=False):
    """Task 3.4's loop in numpy: the gradient of mean((X w - y)^2) is 2 X^T (X w - y) / n."""
    design = np.stack([x**2, x, np.ones_like(x)], axis=1)
    weights, total = np.zeros(3), np.zeros(3)
    for _ in range(steps):
        residual = design @ weights - (y.mean() if broadcast else y)
        total = (total if not zero_grad else 0.0) + 2 * design.T @ residual / (1 if summed else len(x))
        weights = weights - lr * total
    return weights


PARABOLA_X = np.linspace(-1.0, 1.0, 21)
PARABOLA_Y = 1.5 * PARABOLA_X**2 - 0.8 * PARABOLA_X + 0.3 + 0.05 * np.sin(7 * PARABOLA_X)


def check_coefficients(shown, got):
    __tracebackhide__ = True
    if isinstance(got, TensorRecord) and got.data.size != 3:
        expect.fail(shown, got, "3 values (a, b, c)",
                    "the design matrix has three columns, x^2, x and a column of ones (the ones multiply c)")
    return detached_values(shown, got, (3,), "return the coefficients as a torch tensor: w.detach().flatten()")


@pytest.mark.task("3.4", points=2)
def test_fit_parabola_follows_gradient_descent(submission):
    expression = "fit_parabola(T(x), T(y), 0.3, 25)"
    shown = f"{expression} on 21 points of 1.5 x^2 - 0.8 x + 0.3 (plus a wiggle)"
    got = call(submission, shown, expression, x=PARABOLA_X, y=PARABOLA_Y)
    values = check_coefficients(shown, got)
    hint = "start from w = 0 and make exactly `steps` updates of w -= lr * grad of mean((X w - y)^2)"
    if matches(values, parabola_descent(PARABOLA_X, PARABOLA_Y, 0.3, 25, broadcast=True)):
        hint = ("the predictions have shape (n, 1) and y has shape (n,): their difference broadcasts to an (n, n) "
                "matrix. Reshape y to (n, 1) (or flatten the predictions) before subtracting")
    elif matches(values, parabola_descent(PARABOLA_X, PARABOLA_Y, 0.3, 25, zero_grad=False)):
        hint = NEVER_ZEROED
    elif matches(values, parabola_descent(PARABOLA_X, PARABOLA_Y, 0.3, 25, summed=True)):
        hint = "the loss is the MEAN of the squared errors, not their sum"
    elif np.allclose(values, parabola_descent(PARABOLA_X, PARABOLA_Y, 0.3, 25), rtol=1e-4, atol=1e-6):
        hint = PRECISION
    expect.close(shown, values, parabola_descent(PARABOLA_X, PARABOLA_Y, 0.3, 25), rtol=1e-7, atol=1e-9, hint=hint)


@pytest.mark.task("3.4")
def test_fit_parabola_recovers_clean_coefficients(submission):
    expression = "x, y = make_parabola_data(30, (0.7, 0.4, -1.2), noise=0.0)\nfit_parabola(x, y, 0.5, 800)"
    got = call(submission, expression, "fit_parabola(x, y, 0.5, 800)",
               setup=f"{TENSORS}\nx, y = make_parabola_data(30, (0.7, 0.4, -1.2), noise=0.0)")
    values = check_coefficients(expression, got)
    expect.close(expression, values, np.array([0.7, 0.4, -1.2]), rtol=1e-6, atol=1e-6,
                 hint="with clean data and enough steps the fit must find (a, b, c); c needs the column of ones")


# -- Task 3.5: fitting a sine curve ---------------------------------------------------------------


def sine_descent(x, y, omega, t, lr, steps, half=True):
    """Exercise 2.5's loop: the gradient of 1/2 mean(r^2), r = sin(omega x + t) - y, written by hand."""
    for _ in range(steps):
        pull = (np.sin(omega * x + t) - y) * np.cos(omega * x + t) * (1.0 if half else 2.0)
        omega, t = omega - lr * np.mean(pull * x), t - lr * np.mean(pull)
    return omega, t


@pytest.mark.task("3.5", points=2)
def test_fit_sine_matches_the_hand_derived_loop(submission):
    x = np.linspace(-2.5, 2.5, 40)
    y = np.sin(1.7 * x + 0.4) + 0.1 * np.cos(5 * x)
    expression = "fit_sine(T(x), T(y), 1.5, 0.1, 0.4, 20)"
    shown = f"{expression} on 40 points of sin(1.7 x + 0.4) (plus a wiggle)"
    got = call(submission, shown, expression, x=x, y=y)
    check_floats(shown, got, 2)
    hint = "make exactly `steps` updates of both omega and t from the gradient of 1/2 * mean((sin(omega x + t) - y)^2)"
    if matches(got, sine_descent(x, y, 1.5, 0.1, 0.4, 20, half=False)):
        hint = "the loss has a factor 1/2 in front: 1/2 * mean((sin(omega x + t) - y)^2), as in exercise 2"
    elif np.allclose(got, sine_descent(x, y, 1.5, 0.1, 0.4, 20), rtol=1e-4, atol=1e-6):
        hint = PRECISION
    expect.close(shown, got, sine_descent(x, y, 1.5, 0.1, 0.4, 20), rtol=1e-7, atol=1e-9, hint=hint)


# -- Task 3.6: a Gaussian blob ---------------------------------------------------------------------


def blob(size, x, y, sigma):
    rows, columns = np.arange(size)[:, None], np.arange(size)[None, :]
    return np.exp(-((rows - y) ** 2 + (columns - x) ** 2) / (2 * sigma**2))


@pytest.mark.task("3.6")
def test_gaussian_image_puts_x_along_the_columns(submission):
    expression = "gaussian_image(5, (1.0, 3.0), 1.0)"
    got = call(submission, expression, expression)
    values = detached_values(expression, got, (5, 5), "build the image with torch operations and return the tensor")
    hint = ("image[i, j] = exp(-((i - y)^2 + (j - x)^2) / (2 sigma^2)); mind the 2 and the square on sigma. "
            "The brightest pixel of a blob at (x, y) = (1, 3) is image[3, 1]")
    if np.allclose(values, blob(5, 1.0, 3.0, 1.0).T):
        hint = ("pos is (x, y): x is the column index j and y the row index i, "
                "image[i, j] = exp(-((i - y)^2 + (j - x)^2) / (2 sigma^2))")
    expect.close(expression, values, blob(5, 1.0, 3.0, 1.0), rtol=1e-12, atol=1e-14, hint=hint)


@pytest.mark.task("3.6", points=2)
def test_fit_gaussian_finds_a_clean_blob(submission):
    image = blob(20, 8.3, 11.6, 2.5)
    expression = "fit_gaussian(T(image), (7.0, 12.5), 2.0, 0.1, 80)"
    shown = f"{expression} on a clean 20x20 blob at (x, y) = (8.3, 11.6) with sigma = 2.5"
    got = call(submission, shown, expression, image=image)
    if not (isinstance(got, (tuple, list)) and len(got) == 2 and isinstance(got[0], (tuple, list))):
        expect.fail(shown, got, "((x, y), sigma)", "return a pair: the position (x, y) and then sigma")
    check_floats(shown, (*got[0], got[1]), 3)
    expect.close(shown, got, ((8.3, 11.6), 2.5), rtol=0, atol=1e-4,
                 hint="descend the SUM of squared differences over x, y and sigma together; "
                      "pos is (x, y) with x the column index")
