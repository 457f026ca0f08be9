"""Independent oracles and diagnosis helpers for the hidden tests of exercise 3.

Every loop of the exercise is re-run here in plain float64 numpy with the
gradients written out by hand, so none of it shares code (or autograd) with a
submission or the reference. Each loop can also replay one typical mistake
(gradients never zeroed, a step uphill, the wrong loss scale, ...): when a
submission's numbers match a mistaken replay, the test can say which mistake
it made instead of only "wrong number".

Task 3.7's Jacobians come from ``torch.autograd.functional.jacobian`` in the
grader's process, checked against the hand-derived Jacobian; task 3.8's
Newton loop carries its derivative in forward mode, by hand.

Torch's well-known errors and the run that turns them into hints are shared
with the public tests, in `hardway.testkit_ex03`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from hardway import expect
from hardway.plaindata import TensorRecord

# -- checking what came back -----------------------------------------------------------------


def tensor_values(call_text: str, got: Any, shape: tuple[int, ...], device: str, *,
                  not_a_tensor: str = "return a torch tensor here", dtype: str = "float64") -> np.ndarray:
    """The data of a returned tensor after checking it is a detached `dtype` tensor of `shape` on `device`."""
    __tracebackhide__ = True
    if not isinstance(got, TensorRecord):
        expect.fail(call_text, got, f"a torch tensor of shape {shape}", not_a_tensor)
    if got.requires_grad or got.has_grad_fn:
        expect.fail(call_text, got, "a detached tensor (requires_grad False, no grad_fn)",
                    "return x.detach(): a tensor that still requires grad drags its graph along with it")
    if tuple(got.data.shape) != tuple(shape):
        expect.fail(call_text, got, f"a tensor of shape {shape}, not {tuple(got.data.shape)}")
    if not got.device.startswith(device):
        expect.fail(call_text, got, f"a tensor on {device}, not on {got.device}",
                    "create every new tensor on the input's device (**tensor_options(x))")
    if got.dtype != dtype:
        expect.fail(call_text, got, f"a {dtype} tensor, not {got.dtype}",
                    "create every new tensor with the input's dtype (**tensor_options(x))")
    return got.data


def closest_mistake(got: Any, replays: dict[str, Any], rtol: float, atol: float) -> str | None:
    """The name of the first mistaken replay that `got` matches, if any."""
    flat = _flatten(got)
    if flat is None:
        return None
    for name, replay in replays.items():
        expected = _flatten(replay)
        if expected is not None and len(expected) == len(flat) and np.allclose(flat, expected, rtol=rtol, atol=atol,
                                                                              equal_nan=True):
            return name
    return None


def _flatten(value: Any) -> np.ndarray | None:
    if isinstance(value, TensorRecord):
        value = value.data
    if isinstance(value, (tuple, list)):
        parts = [_flatten(item) for item in value]
        if any(part is None for part in parts):
            return None
        return np.concatenate(parts) if parts else np.zeros(0)
    try:
        return np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        return None


# -- 3.3: descent on a quadratic -------------------------------------------------------------


def quadratic_descent(matrix: np.ndarray, offset: np.ndarray, x0: Any, lr: float, max_steps: int,
                      grad_tol: float, mistake: str | None = None) -> tuple[np.ndarray, int, list[float], list[float]]:
    """Descend f(x) = 1/2 x.A.x - b.x: (final x, updates, losses, gradient norms), as the task specifies.

    `x0` may be a scalar (then A and b have one entry); the final x has x0's shape.
    """
    shape = np.shape(x0)
    x = np.asarray(x0, dtype=np.float64).reshape(-1).copy()
    summed = np.zeros_like(x)
    history: list[float] = []
    norms: list[float] = []
    steps = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_steps):
            history.append(float(0.5 * x @ matrix @ x - offset @ x))
            gradient = matrix @ x - offset
            if mistake == "keeps gradients":
                summed = summed + gradient
                gradient = summed
            norms.append(float(np.linalg.norm(gradient)))
            if norms[-1] < grad_tol and mistake != "ignores grad_tol":
                if mistake == "checks after":
                    x = x - lr * gradient
                    steps += 1
                break
            if mistake != "never moves":  # (a gradient zeroed before the update moves nothing)
                x = x + lr * gradient if mistake == "ascends" else x - lr * gradient
            steps += 1
    return x.reshape(shape), steps, history, norms


def random_quadratic(rng: np.random.Generator, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """A symmetric positive definite A (eigenvalues in [0.5, 2]) and an offset b."""
    basis, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    matrix = basis @ np.diag(rng.uniform(0.5, 2.0, size=dim)) @ basis.T
    return (matrix + matrix.T) / 2, rng.uniform(-2.0, 2.0, size=dim)


# -- 3.4: fitting a parabola -----------------------------------------------------------------


def parabola_fit(x: np.ndarray, y: np.ndarray, lr: float, steps: int, mistake: str | None = None) -> np.ndarray:
    """Gradient descent on mean((X w - y)^2) with X = [x^2, x, 1], from w = 0; returns (a, b, c)."""
    design = np.stack([x**2, x, np.ones_like(x)], axis=1)
    weights = np.zeros(3)
    summed = np.zeros(3)
    count = len(x)
    if mistake == "never moves":
        return weights
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            residual = design @ weights - (np.mean(y) if mistake == "broadcast" else y)
            gradient = 2.0 * design.T @ residual / count
            if mistake == "sum":
                gradient = gradient * count
            if mistake == "keeps gradients":
                summed = summed + gradient
                gradient = summed
            weights = weights + lr * gradient if mistake == "ascends" else weights - lr * gradient
    return weights


# -- 3.5: fitting a sine ---------------------------------------------------------------------


def sine_fit(x: np.ndarray, y: np.ndarray, omega: float, t: float, lr: float, steps: int,
             mistake: str | None = None) -> tuple[float, float]:
    """Gradient descent on 1/2 mean((sin(omega x + t) - y)^2) with the hand-derived gradient."""
    summed = np.zeros(2)
    if mistake == "never moves":
        return float(omega), float(t)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            phase = omega * x + t
            pull = (np.sin(phase) - y) * np.cos(phase)
            gradient = np.array([np.mean(pull * x), np.mean(pull)])
            if mistake == "no half":
                gradient = 2 * gradient
            if mistake == "sum":
                gradient = gradient * len(x)
            if mistake == "keeps gradients":
                summed = summed + gradient
                gradient = summed
            sign = -1.0 if mistake == "ascends" else 1.0
            omega, t = omega - sign * lr * gradient[0], t - sign * lr * gradient[1]
    return float(omega), float(t)


# -- 3.6: a Gaussian blob --------------------------------------------------------------------


def gaussian(size: int, x: float, y: float, sigma: float, swapped: bool = False) -> np.ndarray:
    """image[i, j] = exp(-((i - y)^2 + (j - x)^2) / (2 sigma^2)); `swapped` exchanges the roles of x and y."""
    if swapped:
        x, y = y, x
    rows = np.arange(size, dtype=np.float64)[:, None]
    columns = np.arange(size, dtype=np.float64)[None, :]
    return np.exp(-((rows - y) ** 2 + (columns - x) ** 2) / (2 * sigma**2))


def gaussian_fit(image: np.ndarray, pos0: Sequence[float], sigma0: float, lr: float, steps: int,
                 mistake: str | None = None) -> tuple[tuple[float, float], float]:
    """Gradient descent on sum((gaussian - image)^2) over (x, y, sigma) with the hand-derived gradient."""
    size = image.shape[0]
    rows = np.arange(size, dtype=np.float64)[:, None]
    columns = np.arange(size, dtype=np.float64)[None, :]
    x, y, sigma = float(pos0[0]), float(pos0[1]), float(sigma0)
    summed = np.zeros(3)
    if mistake == "never moves":
        return (x, y), sigma
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(steps):
            across, down = (columns - y, rows - x) if mistake == "swapped" else (columns - x, rows - y)
            squared = across**2 + down**2
            model = np.exp(-squared / (2 * sigma**2))
            weight = 2 * (model - image) * model
            gradient = np.array([np.sum(weight * across) / sigma**2, np.sum(weight * down) / sigma**2,
                                 np.sum(weight * squared) / sigma**3])
            if mistake == "swapped":
                gradient[:2] = gradient[1::-1]
            if mistake == "mean":
                gradient = gradient / image.size
            if mistake == "keeps gradients":
                summed = summed + gradient
                gradient = summed
            sign = -1.0 if mistake == "ascends" else 1.0
            x, y, sigma = x - sign * lr * gradient[0], y - sign * lr * gradient[1], sigma - sign * lr * gradient[2]
    return (float(x), float(y)), float(sigma)


# -- 3.7: vector-Jacobian products -----------------------------------------------------------

#: The map the hidden tests differentiate, f(x) = A tanh(x) + (B x)^2, as the snippet writes it.
MIXING_MAP = "A = T(first)\nB = T(second)\nf = lambda x: A @ torch.tanh(x) + (B @ x) ** 2"


def mixing_jacobian(first: np.ndarray, second: np.ndarray, point: np.ndarray) -> np.ndarray:
    """The m x n Jacobian of f(x) = A tanh(x) + (B x)^2 at `point`, by torch.autograd.functional.jacobian.

    Torch's own Jacobian, in float64 on the CPU, in the grader's process: no backward(gradient=...) loop
    of the task's kind is involved, and the hand-derived form A diag(1 - tanh(x)^2) + 2 diag(B x) B must
    agree with it (a check of the oracle itself).
    """
    import torch

    first_t, second_t = (torch.tensor(np.asarray(m), dtype=torch.float64) for m in (first, second))

    def mixing(x: torch.Tensor) -> torch.Tensor:
        return first_t @ torch.tanh(x) + (second_t @ x) ** 2

    jacobian = torch.autograd.functional.jacobian(mixing, torch.tensor(np.asarray(point), dtype=torch.float64))
    jacobian = jacobian.numpy()
    by_hand = first * (1 - np.tanh(point) ** 2)[None, :] + 2 * (second @ point)[:, None] * second
    if not np.allclose(jacobian, by_hand, rtol=1e-12, atol=1e-12):
        raise AssertionError("torch's Jacobian and the hand-derived one disagree: the oracle is wrong")
    return jacobian


def mixing_problem(rng: np.random.Generator, outputs: int, inputs: int) -> tuple[np.ndarray, ...]:
    """(A, B, x, v) for f(x) = A tanh(x) + (B x)^2, with v^T J and (for a square J) J v clearly apart."""
    while True:
        first = rng.normal(0.0, 0.8, size=(outputs, inputs))
        second = rng.normal(0.0, 0.6, size=(outputs, inputs))
        point = rng.uniform(-1.5, 1.5, size=inputs)
        vector = rng.uniform(-2.0, 2.0, size=outputs)
        jacobian = mixing_jacobian(first, second, point)
        if outputs != inputs or np.linalg.norm(jacobian @ vector - vector @ jacobian) > 0.1:
            return first, second, point, vector


# -- 3.8: Newton's square root, and cut graphs -----------------------------------------------


def newton_path(a: float, tol: float, max_iter: int) -> tuple[float, int, float, float]:
    """Newton's iteration for sqrt(a) from y = a, as the task specifies: (y, replacements, dy/da, margin).

    dy/da is carried along in forward mode, dy_(k+1)/da = (dy_k/da (1 - a / y_k^2) + 1 / y_k) / 2 from
    dy_0/da = 1: the derivative of the loop as it ran. `margin` is the smallest relative distance between
    |y^2 - a| and tol * a over the checks made, so a test can skip stops that rounding could move.
    """
    y, slope, iterations, margin = a, 1.0, 0, np.inf
    while iterations < max_iter:
        residual = abs(y * y - a)
        margin = min(margin, abs(residual - tol * a) / (tol * a))
        if residual <= tol * a:
            break
        y, slope = (y + a / y) / 2, (slope * (1 - a / y**2) + 1 / y) / 2
        iterations += 1
    return y, iterations, slope, margin


#: The computations the hidden tests hand to gradient_or_none, with the gradient each lets through
#: (None: the graph is cut). `c` is a number drawn by the test.
CUT_GRAPH_CASES: dict[str, tuple[str, Any]] = {
    "a cube": ("lambda x: c * x ** 3", lambda x, c: 3 * c * x**2),
    "a product with a detached copy": ("lambda x: c * x.detach() ** 2 * x", lambda x, c: c * x**2),
    "a sine under no_grad": ("under_no_grad", None),
    "a cosine through numpy": ("lambda x: c * torch.from_numpy(np.cos(x.detach().cpu().numpy()))", None),
    "numpy's cosine times x": ("lambda x: torch.from_numpy(np.cos(x.detach().cpu().numpy())).to(x.device) * x",
                               lambda x, c: np.cos(x)),
}
UNDER_NO_GRAD = "def under_no_grad(x):\n    with torch.no_grad():\n        return torch.sin(c * x)"
