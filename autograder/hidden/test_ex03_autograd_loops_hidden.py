"""Hidden tests for exercise 3 (never shipped to students).

They check only what the skeleton's docstrings and the public tests state. The
shape of each question (a float, 0-d or n-d start, whether max_steps cuts the
descent short, plain numbers or tensors) is the same on every grading seed;
the numbers are drawn from `rng`, fixed by the grading seed, so each grading
run asks new questions and a grade does not depend on the seed. Expected values come from independent float64 numpy
loops with hand-derived gradients (`oracles_ex03`) and must agree with the
reference solution before a student's answer is judged. Tensor inputs are
float64, so a correct solution matches the oracles to rounding error.

Every test that hands tensors to the student's code runs once per available
device (`device`: "cpu", plus "cuda" where torch sees a GPU), and checks that
results stay on that device.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograder.hidden.oracles import agreed
from autograder.hidden.oracles_ex03 import (
    CUT_GRAPH_CASES,
    MIXING_MAP,
    UNDER_NO_GRAD,
    closest_mistake,
    gaussian,
    gaussian_fit,
    mixing_jacobian,
    mixing_problem,
    newton_path,
    parabola_fit,
    quadratic_descent,
    random_quadratic,
    sine_fit,
    tensor_values,
)
from hardway import expect
from hardway.plaindata import TensorRecord
from hardway.testkit_ex03 import (
    KNOWN_ERRORS,
    MISTAKE_HINTS,
    call,
    check_f_got_leaves,
    descent_result,
    floats,
)

#: Tolerances for float64 loops: rounding differences stay far below these.
PATH_RTOL, PATH_ATOL = 1e-7, 1e-9
#: Each snippet builds its tensors from plain lists with this line.
TENSORS = "import torch\nT = lambda value: torch.tensor(value, dtype=torch.float64, device=device)"


def _available_devices() -> list[str]:
    import torch

    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(params=_available_devices())
def device(request: pytest.FixtureRequest) -> str:
    """The device the test's tensors live on."""
    return request.param


def _diagnosis(got: object, replays: dict[str, object], default: str = "", expected: object = None) -> str:
    """The hint naming the mistake whose replay `got` matches; else a precision hint when `got` is nearly right."""
    mistake = closest_mistake(got, replays, rtol=1e-6, atol=1e-8)
    if mistake:
        return MISTAKE_HINTS[mistake]
    if expected is not None and closest_mistake(got, {"precision": expected}, rtol=1e-4, atol=1e-6):
        return MISTAKE_HINTS["precision"]
    return default


# -- 3.1 ------------------------------------------------------------------------------------


@pytest.mark.task("3.1", points=3)
def test_line_and_cubic_gradients_on_random_inputs(submission, reference, rng, device):
    for case in range(8):
        w, x, b = (float(v) for v in rng.uniform(-5.0, 5.0, size=3))
        as_tensors = case % 2 == 1
        args = "T(w), T(x), T(b)" if as_tensors else "w, x, b"
        inputs = {"w": w, "x": x, "b": b, "device": device}
        expression = f"linear_grads({args})"
        where = f" as float64 tensors on {device}" if as_tensors else ""
        shown = f"{expression} with w = {w!r}, x = {x!r}, b = {b!r}{where}"
        got = call(submission, shown, expression, setup=TENSORS, **inputs)
        oracle = (x, w, 1.0)
        answer = reference.run(f"{TENSORS}\nd = {expression}\n(d['dy_dw'], d['dy_dx'], d['dy_db'])", **inputs)
        expected = agreed(oracle, answer)
        if not isinstance(got, dict) or set(got) != {"dy_dw", "dy_dx", "dy_db"}:
            expect.fail(shown, got, "a dict with the keys 'dy_dw', 'dy_dx' and 'dy_db'")
        values = (got["dy_dw"], got["dy_dx"], got["dy_db"])
        floats(shown, values, 3)
        expect.close(shown, values, expected, rtol=1e-6, atol=1e-9,
                     hint="y = w x + b, so dy/dw = x, dy/dx = w and dy/db = 1")

        a, c = (float(v) for v in rng.uniform(-3.0, 3.0, size=2))
        inputs = {"a": a, "c": c, "device": device}
        expression = "cubic_grads(T(a), T(c))" if as_tensors else "cubic_grads(a, c)"
        shown = f"{expression} with a = {a!r}, c = {c!r}"
        got = call(submission, shown, expression, setup=TENSORS, **inputs)
        expected = agreed((9 * a * a, -2 * c), reference.run(f"{TENSORS}\n{expression}", **inputs))
        floats(shown, got, 2)
        expect.close(shown, got, expected, rtol=1e-6, atol=1e-9,
                     hint="y = 3a^3 - b^2, so dy/da = 9a^2 and dy/db = -2b (mind the minus sign)")


# -- 3.2 ------------------------------------------------------------------------------------


@pytest.mark.task("3.2", points=3)
def test_rosenbrock_gradient_matches_the_analytic_one(submission, reference, rng, device):
    for case in range(10):
        x, y = (float(v) for v in rng.uniform(-2.0, 2.0, size=2))
        expression = "torch_rosenbrock_grad(T(x), T(y))" if case % 2 else "torch_rosenbrock_grad(x, y)"
        inputs = {"x": x, "y": y, "device": device}
        shown = f"{expression} with x = {x!r}, y = {y!r}"
        got = call(submission, shown, expression, setup=TENSORS, **inputs)
        oracle = (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x))
        expected = agreed(oracle, reference.run(f"{TENSORS}\n{expression}", **inputs))
        floats(shown, got, 2)
        # The terms reach a few thousand and may cancel: the tolerance scales with them (float32 passes too).
        scale = 2 * abs(1 - x) + 400 * abs(x) * (abs(y) + x * x) + 200 * (abs(y) + x * x)
        expect.close(shown, got, expected, rtol=1e-6, atol=1e-6 * scale,
                     hint="evaluate the given rosenbrock on two leaves with requires_grad=True, call backward() "
                          "once, and read x.grad and y.grad")


# -- 3.3 ------------------------------------------------------------------------------------

QUADRATIC = ("A = T(matrix)\nb = T(offset)\n"
             "def f(x):\n    flat = x.reshape(-1)\n    return 0.5 * flat @ A @ flat - b @ flat")


def _well_posed_descent(rng: np.random.Generator, dim: int, capped: bool, max_steps_cap: int = 300):
    """A random quadratic in `dim` dimensions (0: a scalar x) and a start whose stopping step is not decided by
    rounding; with `capped`, max_steps ends the descent before grad_tol does."""
    while True:
        matrix, offset = random_quadratic(rng, max(dim, 1))
        x0 = float(rng.uniform(-3, 3)) if dim == 0 else rng.uniform(-3.0, 3.0, size=dim)
        lr = float(rng.uniform(0.2, 0.6))
        grad_tol = float(10 ** rng.uniform(-4, -2))
        _, steps, _, norms = quadratic_descent(matrix, offset, x0, lr, max_steps_cap, grad_tol)
        if steps >= max_steps_cap or steps < 3:
            continue
        if min(abs(n - grad_tol) for n in norms) < 1e-6 * grad_tol:
            continue  # the stop would hinge on the last bits of a float
        max_steps = int(rng.integers(2, steps)) if capped else max_steps_cap
        return matrix, offset, x0, lr, grad_tol, max_steps


def _judge_descent(shown: str, got: object, oracle: tuple, replay_args: tuple, device: str) -> None:
    """Compare (x, steps, history) with the oracle's; name the mistake when a replay matches."""
    __tracebackhide__ = True
    x_expected, steps_expected, history_expected, _ = oracle
    x_got, steps_got, history_got = descent_result(shown, got)
    values = tensor_values(shown, x_got, np.shape(x_expected), device, not_a_tensor="return x itself, detached")
    replays = {name: quadratic_descent(*replay_args, mistake=name)[:3]
               for name in ("ignores grad_tol", "keeps gradients", "ascends", "checks after", "never moves")}
    got_plain = (values, steps_got, history_got)
    hint = _diagnosis(got_plain, {name: (r[0], r[1], r[2]) for name, r in replays.items()})
    if not hint and len(history_got) >= 2 and history_got[1] > history_got[0] > history_expected[1]:
        hint = MISTAKE_HINTS["ascends"]
    if not hint and steps_got == replay_args[4] > steps_expected:
        hint = MISTAKE_HINTS["ignores grad_tol"]
    if not hint and abs(steps_got - steps_expected) == 1:
        hint = MISTAKE_HINTS["checks after"]
    expect.close(f"steps of {shown}", steps_got, steps_expected, hint=hint, rtol=0, atol=0)
    expect.close(f"history of {shown}", history_got, history_expected, hint=hint, rtol=1e-8, atol=1e-10)
    expect.close(f"the final x of {shown}", values, np.asarray(x_expected, dtype=float), hint=hint,
                 rtol=1e-8, atol=1e-10)


@pytest.mark.task("3.3", points=3)
def test_descend_follows_an_independent_float64_loop(submission, reference, rng, device):
    for case in range(6):
        # Dimensions 0 (a scalar x, from a float once), 1, 2, 3, 4 and 0 again; max_steps cuts every third short.
        matrix, offset, x0, lr, grad_tol, max_steps = _well_posed_descent(rng, dim=case % 5, capped=case % 3 == 2)
        plain_start = case == 0 and device == "cpu"
        start = "x0" if plain_start else "T(x0)"
        x0_input = x0 if np.ndim(x0) == 0 else np.asarray(x0).tolist()
        inputs = {"matrix": matrix.tolist(), "offset": offset.tolist(), "x0": x0_input, "device": device}
        expression = f"descend(f, {start}, {lr!r}, max_steps={max_steps}, grad_tol={grad_tol!r})"
        shown = (f"{expression} for f(x) = 1/2 x.A.x - b.x with A = {np.round(matrix, 4).tolist()}, "
                 f"b = {np.round(offset, 4).tolist()}, x0 = {x0_input}")
        setup = f"{TENSORS}\n{QUADRATIC}"
        got = call(submission, shown, expression, setup=setup, **inputs)
        oracle = quadratic_descent(matrix, offset, x0, lr, max_steps, grad_tol)
        answer = reference.run(f"{setup}\nx, steps, history = {expression}\n(x.cpu().numpy(), steps, history)",
                               **inputs)
        agreed((oracle[0], oracle[1], oracle[2]), answer, rtol=1e-9, atol=1e-11)
        _judge_descent(shown, got, oracle, (matrix, offset, x0, lr, max_steps, grad_tol), device)


RECORDING = ("seen = []\n"
             "def f(x):\n"
             "    seen.append((bool(x.is_leaf), x.grad_fn is None, bool(x.requires_grad)))\n"
             "    flat = x.reshape(-1)\n"
             "    return 0.5 * flat @ A @ flat - b @ flat\n"
             "start = T(x0)\nkept = start.clone()")


@pytest.mark.task("3.3", points=2)
def test_descend_updates_a_leaf_under_no_grad_and_returns_it_detached(submission, reference, rng, device):
    for _ in range(2):
        matrix, offset = random_quadratic(rng, 3)
        x0 = rng.uniform(-3.0, 3.0, size=3).tolist()
        inputs = {"matrix": matrix.tolist(), "offset": offset.tolist(), "x0": x0, "device": device}
        setup = f"{TENSORS}\nA = T(matrix)\nb = T(offset)\n{RECORDING}"
        expression = "descend(f, start, 0.3, max_steps=60, grad_tol=1e-6)"
        shown = f"{expression} with a tensor start on {device}, recording what f receives"
        got, seen, start_kept = call(submission, shown, f"({expression}, seen, torch.equal(start, kept))",
                                     setup=setup, **inputs)
        reference_seen = reference.run(f"{setup}\n{expression}\nseen", **inputs)
        agreed(1.0, float(all(all(flags) for flags in reference_seen)))  # the reference hands f a leaf each time
        check_f_got_leaves(shown, seen)
        if not start_kept:
            expect.fail(shown, "a start tensor that had changed after the call", "x0 left unchanged",
                        "copy x0 first (x0.detach().clone()): the caller's tensor must stay unchanged")
        tensor_values(shown, descent_result(shown, got)[0], (3,), device, not_a_tensor="return x itself, detached")


@pytest.mark.task("3.3")
def test_descend_stops_at_once_where_the_gradient_is_already_small(submission, reference, rng, device):
    matrix, offset = random_quadratic(rng, 2)
    minimum = np.linalg.solve(matrix, offset)
    inputs = {"matrix": matrix.tolist(), "offset": offset.tolist(), "x0": minimum.tolist(), "device": device}
    setup = f"{TENSORS}\n{QUADRATIC}"
    expression = "descend(f, T(x0), 0.5, max_steps=50, grad_tol=1e-6)"
    shown = f"{expression} started at the minimum x0 = {minimum.tolist()}"
    got = call(submission, shown, expression, setup=setup, **inputs)
    loss = float(0.5 * minimum @ matrix @ minimum - offset @ minimum)
    answer = reference.run(f"{setup}\nx, steps, history = {expression}\n(x.cpu().numpy(), steps, history)", **inputs)
    agreed((minimum, 0, [loss]), answer)
    x_got, steps_got, history_got = descent_result(shown, got)
    values = tensor_values(shown, x_got, (2,), device, not_a_tensor="return x itself, detached")
    hint = MISTAKE_HINTS["checks after"]
    expect.close(f"(steps, len(history)) of {shown}", (steps_got, len(history_got)), (0, 1), hint=hint, rtol=0, atol=0)
    expect.close(f"the final x of {shown}", values, minimum, hint=hint, rtol=1e-12, atol=1e-12)


# -- 3.4 ------------------------------------------------------------------------------------

PARABOLA_TENSOR_HINT = "return the coefficients as a torch tensor: w.detach().flatten() gives (a, b, c)"


def _check_three_coefficients(shown: str, got: object) -> None:
    """A returned tensor must hold exactly (a, b, c); anything else is judged by `tensor_values`."""
    __tracebackhide__ = True
    if isinstance(got, TensorRecord) and got.data.size != 3:
        expect.fail(shown, got, "3 values (a, b, c)",
                    "the design matrix has three columns, x^2, x and a column of ones (the ones multiply c)")


@pytest.mark.task("3.4", points=3)
def test_fit_parabola_follows_an_independent_loop(submission, reference, rng, device):
    for _ in range(5):
        n = int(rng.integers(10, 60))
        x = np.sort(rng.uniform(-1.0, 1.0, size=n))
        coeffs = rng.uniform(-2.0, 2.0, size=3)
        y = coeffs[0] * x**2 + coeffs[1] * x + coeffs[2] + 0.1 * rng.normal(size=n)
        lr, steps = float(rng.uniform(0.1, 0.5)), int(rng.integers(5, 80))
        inputs = {"x": x.tolist(), "y": y.tolist(), "device": device}
        expression = f"fit_parabola(T(x), T(y), {lr!r}, {steps})"
        shown = f"{expression} on {n} points (true coefficients {np.round(coeffs, 3).tolist()})"
        got = call(submission, shown, expression, setup=TENSORS, **inputs)
        oracle = parabola_fit(x, y, lr, steps)
        expected = agreed(oracle, reference.run(f"{TENSORS}\n{expression}", **inputs).data)
        _check_three_coefficients(shown, got)
        values = tensor_values(shown, got, (3,), device, not_a_tensor=PARABOLA_TENSOR_HINT)
        replays = {name: parabola_fit(x, y, lr, steps, name) for name in ("broadcast", "keeps gradients", "sum",
                                                                           "ascends", "never moves")}
        expect.close(shown, values, expected, rtol=PATH_RTOL, atol=PATH_ATOL,
                     hint=_diagnosis(values, replays, "start from w = 0 and make exactly `steps` updates of "
                                                      "w -= lr * grad of mean((X w - y)^2)", expected))


@pytest.mark.task("3.4", points=2)
def test_fit_parabola_converges_to_the_least_squares_solution(submission, reference, rng, device):
    n = int(rng.integers(20, 50))
    x = np.linspace(-1.0, 1.0, n)
    coeffs = rng.uniform(-2.0, 2.0, size=3)
    coeffs[2] = np.sign(coeffs[2]) * max(abs(coeffs[2]), 0.5)  # a clear offset, which needs the column of ones
    y = coeffs[0] * x**2 + coeffs[1] * x + coeffs[2] + 0.05 * rng.normal(size=n)
    design = np.stack([x**2, x, np.ones_like(x)], axis=1)
    oracle = np.linalg.lstsq(design, y, rcond=None)[0]
    inputs = {"x": x.tolist(), "y": y.tolist(), "device": device}
    expression = "fit_parabola(T(x), T(y), 0.5, 700)"
    shown = f"{expression} on {n} points (true coefficients {np.round(coeffs, 3).tolist()})"
    got = call(submission, shown, expression, setup=TENSORS, **inputs)
    expected = agreed(oracle, reference.run(f"{TENSORS}\n{expression}", **inputs).data, rtol=1e-7, atol=1e-9)
    _check_three_coefficients(shown, got)
    values = tensor_values(shown, got, (3,), device, not_a_tensor=PARABOLA_TENSOR_HINT)
    expect.close(shown, values, expected, rtol=1e-6, atol=1e-8,
                 hint="after many steps gradient descent must reach the least-squares fit; check the design matrix "
                      "[x^2, x, 1] and the mean squared error")


# -- 3.5 ------------------------------------------------------------------------------------


def _sine_problem(rng: np.random.Generator, noise: float) -> tuple[np.ndarray, np.ndarray, float, float, float, float]:
    n = int(rng.integers(20, 60))
    x = np.sort(rng.uniform(-2.5, 2.5, size=n))
    omega, t = float(rng.uniform(0.8, 2.0)), float(rng.uniform(-1.0, 1.0))
    y = np.sin(omega * x + t) + noise * rng.normal(size=n)
    return x, y, omega, t, omega + float(rng.uniform(-0.3, 0.3)), t + float(rng.uniform(-0.3, 0.3))


@pytest.mark.task("3.5", points=3)
def test_fit_sine_matches_the_hand_derived_loop(submission, reference, rng, device):
    for _ in range(5):
        x, y, omega, t, omega0, t0 = _sine_problem(rng, noise=0.1)
        lr, steps = float(rng.uniform(0.2, 0.6)), int(rng.integers(5, 30))
        inputs = {"x": x.tolist(), "y": y.tolist(), "device": device}
        expression = f"fit_sine(T(x), T(y), {omega0!r}, {t0!r}, {lr!r}, {steps})"
        shown = f"{expression} on {len(x)} points of sin({omega:.3f} x + {t:.3f}) plus noise"
        got = call(submission, shown, expression, setup=TENSORS, **inputs)
        oracle = sine_fit(x, y, omega0, t0, lr, steps)
        expected = agreed(oracle, reference.run(f"{TENSORS}\n{expression}", **inputs))
        floats(shown, got, 2)
        replays = {name: sine_fit(x, y, omega0, t0, lr, steps, name)
                   for name in ("no half", "keeps gradients", "sum", "ascends", "never moves")}
        # Float32 parameters (with float64 data) lose about 1e-8 at every update: a tighter bound catches them.
        expect.close(shown, got, expected, rtol=1e-10, atol=1e-12,
                     hint=_diagnosis(got, replays, "make exactly `steps` updates of both omega and t from the gradient "
                                                   "of 1/2 * mean((sin(omega x + t) - y)^2)", expected))


@pytest.mark.task("3.5")
def test_fit_sine_recovers_a_clean_sine(submission, reference, rng, device):
    x, y, omega, t, omega0, t0 = _sine_problem(rng, noise=0.0)
    inputs = {"x": x.tolist(), "y": y.tolist(), "device": device}
    expression = f"fit_sine(T(x), T(y), {omega0!r}, {t0!r}, 0.5, 400)"
    shown = f"{expression} on {len(x)} noiseless points of sin({omega!r} x + {t!r})"
    got = call(submission, shown, expression, setup=TENSORS, **inputs)
    expected = agreed((omega, t), reference.run(f"{TENSORS}\n{expression}", **inputs), rtol=1e-7, atol=1e-7)
    floats(shown, got, 2)
    expect.close(shown, got, expected, rtol=1e-6, atol=1e-6,
                 hint="with clean data and enough steps the fit must land on the true omega and t")


# -- 3.6 ------------------------------------------------------------------------------------


@pytest.mark.task("3.6", points=2)
def test_gaussian_image_matches_the_formula(submission, reference, rng, device):
    for case in range(6):
        size = int(rng.integers(3, 30))
        x, y = (float(v) for v in rng.uniform(0.0, size - 1.0, size=2))
        sigma = float(rng.uniform(0.7, 4.0))
        on_device = case % 2 == 1
        expression = f"gaussian_image({size}, T([x, y]), {sigma!r})" if on_device else \
            f"gaussian_image({size}, (x, y), {sigma!r})"
        inputs = {"x": x, "y": y, "device": device}
        shown = f"{expression} with x = {x!r}, y = {y!r}"
        got = call(submission, shown, expression, setup=TENSORS, **inputs)
        oracle = gaussian(size, x, y, sigma)
        expected = agreed(oracle, reference.run(f"{TENSORS}\n{expression}", **inputs).data, rtol=1e-12, atol=1e-14)
        values = tensor_values(shown, got, (size, size), device if on_device else "cpu",
                               not_a_tensor="build the image with torch operations and return the tensor")
        hint = MISTAKE_HINTS["swapped"] if np.allclose(values, gaussian(size, x, y, sigma, swapped=True)) else \
            "image[i, j] = exp(-((i - y)^2 + (j - x)^2) / (2 sigma^2)); mind the 2 and the square on sigma"
        expect.close(shown, values, expected, rtol=1e-10, atol=1e-12, hint=hint)


@pytest.mark.task("3.6", points=3)
def test_fit_gaussian_follows_an_independent_loop_to_the_blob(submission, reference, rng, device):
    for _ in range(3):
        size = 24
        x, y = (float(v) for v in rng.uniform(8.0, 16.0, size=2))
        sigma = float(rng.uniform(2.0, 3.5))
        image = gaussian(size, x, y, sigma) + 0.02 * rng.normal(size=(size, size))
        pos0 = (x + float(rng.uniform(-2, 2)), y + float(rng.uniform(-2, 2)))
        sigma0 = sigma * float(rng.uniform(0.85, 1.2))
        inputs = {"image": image.tolist(), "device": device}
        expression = f"fit_gaussian(T(image), {pos0!r}, {sigma0!r}, 0.1, 50)"
        shown = f"{expression} on a noisy {size}x{size} blob at (x, y) = ({x:.3f}, {y:.3f}), sigma = {sigma:.3f}"
        got = call(submission, shown, expression, setup=TENSORS, **inputs)
        oracle = gaussian_fit(image, pos0, sigma0, 0.1, 50)
        # The oracle itself must land near the truth, or the problem was badly posed.
        agreed((x, y, sigma), (*oracle[0], oracle[1]), rtol=0, atol=0.3)
        expected = agreed(oracle, reference.run(f"{TENSORS}\n{expression}", **inputs))
        if not (isinstance(got, (tuple, list)) and len(got) == 2 and isinstance(got[0], (tuple, list))):
            expect.fail(shown, got, "((x, y), sigma)", "return a pair: the position (x, y) and then sigma")
        floats(shown, (*got[0], got[1]), 3)
        replays = {name: gaussian_fit(image, pos0, sigma0, 0.1, 50, name)
                   for name in ("swapped", "mean", "keeps gradients", "ascends", "never moves")}
        expect.close(shown, got, expected, rtol=PATH_RTOL, atol=PATH_ATOL,
                     hint=_diagnosis(got, replays, "make exactly `steps` updates of x, y and sigma together, on the "
                                                   "sum of squared differences", expected))


# -- 3.7 ------------------------------------------------------------------------------------


def _mixing_inputs(first: np.ndarray, second: np.ndarray, point: np.ndarray, device: str, **more: Any) -> dict:
    return {"first": first.tolist(), "second": second.tolist(), "point": point.tolist(), "device": device, **more}


def _mixing_shown(expression: str, first: np.ndarray, second: np.ndarray, point: np.ndarray) -> str:
    return (f"{expression} for f(x) = A tanh(x) + (B x)^2 with A = {np.round(first, 4).tolist()}, "
            f"B = {np.round(second, 4).tolist()}, x = {np.round(point, 4).tolist()}")


@pytest.mark.task("3.7", points=3)
def test_vjp_is_v_times_the_jacobian(submission, reference, rng, device):
    # Square Jacobians first (where J v has the right shape, so only its values can tell), then m != n.
    for outputs, inputs in ((3, 3), (4, 4), (2, 4), (5, 3)):
        first, second, point, vector = mixing_problem(rng, outputs, inputs)
        setup = f"{TENSORS}\n{MIXING_MAP}\nx = T(point)"
        expression = "vjp(f, x, T(vector))"
        values_in = _mixing_inputs(first, second, point, device, vector=vector.tolist())
        shown = _mixing_shown(expression, first, second, point) + f", v = {np.round(vector, 4).tolist()}"
        got, x_requires_grad, x_grad_is_none = call(
            submission, shown, f"({expression}, x.requires_grad, x.grad is None)", setup=setup, **values_in)
        jacobian = mixing_jacobian(first, second, point)
        expected = agreed(vector @ jacobian, reference.run(f"{setup}\n{expression}", **values_in).data)
        values = tensor_values(shown, got, (inputs,), device, not_a_tensor="return the leaf's gradient: a tensor "
                                                                           "with x's shape")
        replays = {"wrong side": jacobian @ vector} if outputs == inputs else {}
        expect.close(shown, values, expected, rtol=1e-10, atol=1e-12,
                     hint=_diagnosis(values, replays, "x.grad[j] = sum_i v[i] * dy_i/dx_j"))
        expect.equal(f"(x.requires_grad, x.grad is None) after {shown}", (x_requires_grad, x_grad_is_none),
                     (False, True), hint=MISTAKE_HINTS["callers x"])


@pytest.mark.task("3.7", points=2)
def test_jacobian_by_rows_is_torchs_jacobian(submission, reference, rng, device):
    for outputs, inputs in ((3, 3), (4, 2)):
        first, second, point, _ = mixing_problem(rng, outputs, inputs)
        setup = f"{TENSORS}\n{MIXING_MAP}\nx = T(point)"
        values_in = _mixing_inputs(first, second, point, device)
        shown = _mixing_shown("jacobian_by_rows(f, x)", first, second, point)
        got, x_grad_is_none = call(submission, shown, "(jacobian_by_rows(f, x), x.grad is None)", setup=setup,
                                   **values_in)
        jacobian = mixing_jacobian(first, second, point)
        expected = agreed(jacobian, reference.run(f"{setup}\njacobian_by_rows(f, x)", **values_in).data)
        values = tensor_values(shown, got, (outputs, inputs), device,
                               not_a_tensor=f"return J as one tensor of shape {(outputs, inputs)} (stack the rows)")
        replays = {"rows summed": np.cumsum(jacobian, axis=0), "rows shared": np.tile(jacobian[-1], (outputs, 1))}
        if outputs == inputs:
            replays["transposed"] = jacobian.T
        expect.close(shown, values, expected, rtol=1e-10, atol=1e-12,
                     hint=_diagnosis(values, replays, "row i of J is the leaf's .grad after backward(gradient=e_i), "
                                                      "with e_i the i-th unit vector"))
        expect.equal(f"x.grad is None after {shown}", x_grad_is_none, True, hint=MISTAKE_HINTS["callers x"])


# -- 3.8 ------------------------------------------------------------------------------------

#: Calls newton_sqrt on a leaf a, differentiates y if it can and returns (result, y still in a graph, a.grad).
NEWTON = ("a = T(value)\na.requires_grad_(True)\n"
          "result = newton_sqrt(a{options})\n"
          "y = result[0] if isinstance(result, tuple) and len(result) == 2 else None\n"
          "attached = isinstance(y, torch.Tensor) and y.requires_grad\n"
          "if attached:\n    y.backward()\n"
          "(result, attached, a.grad)")


def _newton_case(rng: np.random.Generator, capped: bool) -> tuple[float, float, int, str]:
    """(a, tol, max_iter, options) whose stop no rounding can move; `capped` runs out of max_iter first."""
    while True:
        a = float(10 ** rng.uniform(-1.3, 1.7))
        tol = float(10 ** rng.uniform(-12, -6))
        _, iterations, _, margin = newton_path(a, tol, 100)
        if iterations < 2 or margin < 1e-3:
            continue
        if capped:
            max_iter = int(rng.integers(1, iterations))
            return a, tol, max_iter, f", tol={tol!r}, max_iter={max_iter}"
        return a, tol, 100, f", tol={tol!r}"


@pytest.mark.task("3.8", points=3)
def test_newton_sqrt_differentiates_the_loop_that_ran(submission, reference, rng, device):
    for case in range(5):
        a, tol, max_iter, options = _newton_case(rng, capped=case % 2 == 1)
        snippet = NEWTON.format(options=options)
        inputs = {"value": a, "device": device}
        shown = (f"y, iterations = newton_sqrt(a{options}) with a = torch.tensor({a!r}, requires_grad=True) on "
                 f"{device}; y.backward()")
        result, attached, slope = call(submission, shown, snippet, setup=TENSORS, **inputs)
        y_oracle, iterations_oracle, slope_oracle, _ = newton_path(a, tol, max_iter)
        answer = reference.run(f"{TENSORS}\n{snippet}", **inputs)
        agreed((y_oracle, iterations_oracle, slope_oracle),
               (float(answer[0][0].data), answer[0][1], float(answer[2].data)), rtol=1e-12, atol=1e-14)
        if not (isinstance(result, tuple) and len(result) == 2):
            expect.fail(shown, result, "a tuple (y, iterations)")
        y, iterations = result
        if not (isinstance(y, TensorRecord) and y.data.shape == ()):
            expect.fail(shown, y, "y as a 0-d tensor", "keep y a tensor: (y + a / y) / 2 with tensors stays a tensor")
        if not y.device.startswith(device):
            expect.fail(shown, y, f"y on {device}, where a is", "compute y from a, with tensor operations")
        if not attached:
            expect.fail(shown, y, "a y that is still part of a's graph", MISTAKE_HINTS["no graph"])
        if type(iterations) is not int:
            expect.fail(shown, iterations, "`iterations` as a Python int", "count the replacements in a plain int")
        if not isinstance(slope, TensorRecord):
            expect.fail(f"a.grad after {shown}", slope, "the derivative dy/da", MISTAKE_HINTS["copied start"])
        expect.close(f"(y, iterations) of {shown}", (float(y.data), iterations), (y_oracle, iterations_oracle),
                     rtol=1e-12, atol=1e-14,
                     hint="start from y = a; replace y by (y + a / y) / 2 while |y^2 - a| > tol * a, at most "
                          "max_iter times")
        copied_slope = _slope_from_a_copy(a, iterations_oracle)
        expect.close(f"a.grad after {shown}", float(slope.data), slope_oracle, rtol=1e-9, atol=1e-12,
                     hint=_diagnosis(float(slope.data), {"copied start": copied_slope},
                                     "dy/da is the derivative of the loop as it ran, step by step"))


def _slope_from_a_copy(a: float, iterations: int) -> float:
    """dy/da of `iterations` Newton steps started from a constant copy of a (dy_0/da = 0)."""
    y, slope = a, 0.0
    for _ in range(iterations):
        y, slope = (y + a / y) / 2, (slope * (1 - a / y**2) + 1 / y) / 2
    return slope


@pytest.mark.task("3.8", points=2)
def test_gradient_or_none_on_computations_that_cut_the_graph_or_not(submission, reference, rng, device):
    point = rng.uniform(-2.0, 2.0, size=4)
    c = float(rng.uniform(0.5, 2.0)) * float(rng.choice([-1.0, 1.0]))
    setup = f"{TENSORS}\nimport numpy as np\nc = {c!r}\n{UNDER_NO_GRAD}\nx = T(point)"
    inputs = {"point": point.tolist(), "device": device}
    cut = (("does not require grad",
            "compute(leaf) came back without a graph (requires_grad False): then no gradient can reach x, so "
            "return None instead of calling backward()"), *KNOWN_ERRORS)
    for description, (computation, gradient) in CUT_GRAPH_CASES.items():
        expression = f"gradient_or_none({computation}, x)"
        shown = f"{expression} ({description}) with c = {c!r}, x = {np.round(point, 4).tolist()} on {device}"
        if computation == "under_no_grad":
            shown += f", where\n{UNDER_NO_GRAD}"
        got, unchanged = call(submission, shown, f"({expression}, x.grad is None and not x.requires_grad)",
                              setup=setup, known=cut, **inputs)
        answer = reference.run(f"{setup}\n{expression}", **inputs)
        if gradient is None:
            if answer is not None:
                raise AssertionError(f"the reference let a gradient through {description}")
            expect.equal(shown, got, None, hint="the result has no graph (requires_grad False): return None")
        else:
            expected = agreed(gradient(point, c), answer.data, rtol=1e-12, atol=1e-14)
            values = tensor_values(shown, got, (4,), device,
                                   not_a_tensor="return the leaf's gradient: a tensor with x's shape")
            expect.close(shown, values, expected, rtol=1e-10, atol=1e-12,
                         hint="a detached factor, or one computed in numpy, is a constant: only the rest is "
                              "differentiated")
        expect.equal(f"x.grad is None and not x.requires_grad, after {shown}", unchanged, True,
                     hint=MISTAKE_HINTS["callers x"])


# -- 3.9 ------------------------------------------------------------------------------------


@pytest.mark.task("3.9", points=2)
def test_standardize_random_arrays(submission, reference, rng, device):
    for shape, dtype in (((7,), "float64"), ((3, 5), "float32"), ((2, 3, 4), "float64")):
        array = (rng.normal(size=shape) * rng.uniform(0.5, 5.0) + rng.uniform(-10.0, 10.0)).astype(dtype)
        expression = "(standardize(array, device), array)"
        shown = f"standardize(array, {device!r}) for a {dtype} array of shape {shape}, {np.round(array, 3).tolist()}"
        got, after = call(submission, shown, expression, setup="import torch", array=array, device=device)
        oracle = (array.astype(np.float64) - array.mean(dtype=np.float64)) / array.astype(np.float64).std()
        expected = agreed(oracle, reference.run(f"import torch\n{expression}", array=array, device=device)[0].data,
                          rtol=1e-5, atol=1e-5)
        if isinstance(got, TensorRecord) and got.dtype != "float32":
            expect.fail(shown, got, f"a float32 tensor, not {got.dtype}", MISTAKE_HINTS["float32"])
        values = tensor_values(shown, got, shape, device, dtype="float32",
                               not_a_tensor="return a tensor: torch.from_numpy(array) or torch.tensor(array), "
                                            "converted and moved")
        expect.close(shown, values, expected, rtol=1e-5, atol=1e-5,
                     hint=_diagnosis(values, {"unbiased std": expected * np.sqrt((array.size - 1) / array.size)},
                                     "(array - mean) / std over all the values"))
        expect.close(f"the caller's array after {shown}", after, array, rtol=0, atol=0,
                     hint=MISTAKE_HINTS["shared memory"])


@pytest.mark.task("3.9", points=2)
def test_to_numpy_random_tensors(submission, reference, rng, device):
    cases = (("a float32 leaf that requires grad", "float32", (3, 4), "t = leaf"),
             ("a float64 tensor computed from a leaf (not a leaf itself)", "float64", (5,), "t = 2 * leaf + 1"),
             ("a float32 tensor that does not require grad", "float32", (2, 2, 2), "t = leaf.detach()"))
    for description, dtype, shape, make in cases:
        start = rng.normal(size=shape).astype(dtype)
        setup = (f"import torch\nleaf = torch.tensor(start, dtype=torch.{dtype}, device=device, requires_grad=True)"
                 f"\n{make}")
        expression = "(to_numpy(t), t.requires_grad)"
        shown = f"to_numpy(t) for {description} on {device}, shape {shape}: {make}"
        got, still = call(submission, shown, expression, setup=setup, start=start, device=device)
        oracle = 2 * start + 1 if "2 * leaf" in make else start  # the same float operations, in the same dtype
        expected = agreed(oracle, reference.run(f"{setup}\n{expression}", start=start, device=device)[0],
                          rtol=0, atol=0)
        if isinstance(got, TensorRecord):
            expect.fail(shown, got, "a numpy array", "convert the tensor at the end with .numpy()")
        expect.close(shown, got, np.asarray(expected, dtype=dtype), rtol=0, atol=0)
        expect.equal(f"the dtype of {shown}", str(got.dtype), dtype,
                     hint="keep the tensor's dtype: .numpy() does, while np.array(t.tolist()) makes float64")
        expect.equal(f"t.requires_grad after {shown}", still, make != "t = leaf.detach()",
                     hint="leave the caller's tensor as it was: .detach() makes a new tensor and changes nothing")
