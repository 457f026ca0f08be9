"""An independent, correct implementation of exercise 2 (gradient descent by hand).

It keeps the public API of ``solutions/ex02_gradient_descent.py`` but is built
differently on purpose: the Rosenbrock gradient comes from the multiplied-out
polynomial, central differences are taken for all coordinates at once from the
rows of an identity matrix, descent fills a preallocated array in a while
loop, the parabola is written in vertex form, the sine loss uses dot products,
and the plot builds its grid by broadcasting instead of ``np.meshgrid``.
Running the tests against it shows that the grader's tolerances accept any
correct solution, not just the reference one. It is test data, not course
material.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes


def rosenbrock(x: Any, y: Any = 1.0, a: float = 1.0, b: float = 100.0) -> Any:
    x_squared = x * x
    return a * a - 2 * a * x + x_squared + b * (y * y - 2 * y * x_squared + x_squared * x_squared)


def rosenbrock_grad(x: Any, y: Any = 1.0, a: float = 1.0, b: float = 100.0) -> tuple[Any, Any]:
    x_squared = x * x
    return 2 * (x - a) + 4 * b * x * (x_squared - y), 2 * b * (y - x_squared)


def numerical_gradient(f: Callable[[np.ndarray], float], point: Sequence[float] | np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    base = np.asarray(point, dtype=float)
    flat = base.ravel()
    nudges = np.eye(flat.size) * eps
    slopes = [(f((flat + row).reshape(base.shape)) - f((flat - row).reshape(base.shape))) / (2 * eps) for row in nudges]
    return np.array(slopes, dtype=float).reshape(base.shape)


def relative_error(a: Any, b: Any) -> float:
    left, right = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    scale = np.abs(left) + np.abs(right)
    scale[scale < 1e-8] = 1e-8
    return max(float(value) for value in np.abs(left - right) / scale)


class DivergenceError(FloatingPointError):
    """Descent reached inf or nan: the learning rate is too large."""


def gradient_descent(grad: Callable[[np.ndarray], Any], x0: Any, lr: float, steps: int,
                     tol: float | None = None) -> np.ndarray:
    start = np.atleast_1d(np.array(x0, dtype=float))
    if start.ndim != 1:
        raise ValueError(f"x0 must be a number or a 1-D array, not shape {start.shape}")
    rows = np.empty((steps + 1, start.size))
    rows[0] = start
    done = 0
    while done < steps:
        slope = np.asarray(grad(rows[done].copy()), dtype=float).reshape(start.size)
        if tol is not None and np.sqrt(slope @ slope) < tol:
            break
        with np.errstate(all="ignore"):
            rows[done + 1] = rows[done] - lr * slope
        done += 1
        if not np.isfinite(rows[done]).all():
            raise DivergenceError(f"step {done} left the finite numbers (lr = {lr}); "
                                  "the learning rate is probably too large")
    return rows[: done + 1].copy()


def parabola(x: Any) -> Any:
    return 3.0 * (x + 1.0 / 3.0) ** 2 - 1.0 / 3.0 - 1.2


def parabola_grad(x: Any) -> Any:
    return 6.0 * (x + 1.0 / 3.0)


def minimise_parabola(x0: float = 2.0, lr: float = 0.1, steps: int = 100) -> float:
    return float(gradient_descent(parabola_grad, x0, lr, steps)[-1][0])


def make_sine_data(n: int = 100, omega: float = 2.0, t: float = 0.5, noise: float = 0.1,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2.5, 2.5, size=n))
    return x, np.sin(omega * x + t) + noise * rng.normal(size=n)


def sine_model(x: Any, omega: float, t: float) -> Any:
    return np.sin(np.multiply(x, omega) + t)


def sine_mse(x: Any, y: Any, omega: float, t: float) -> float:
    residual = np.ravel(sine_model(x, omega, t) - np.asarray(y, dtype=float))
    return float(residual @ residual) / (2 * residual.size)


def sine_mse_grad(x: Any, y: Any, omega: float, t: float) -> tuple[float, float]:
    x = np.ravel(np.asarray(x, dtype=float))
    angle = omega * x + t
    weight = (np.sin(angle) - np.ravel(y)) * np.cos(angle) / x.size
    return float(weight @ x), float(weight.sum())


def fit_sine(x: Any, y: Any, omega0: float, t0: float, lr: float, steps: int) -> tuple[float, float]:
    path = gradient_descent(lambda p: sine_mse_grad(x, y, *p), np.array([omega0, t0]), lr, steps)
    return float(path[-1, 0]), float(path[-1, 1])


def _span(values: np.ndarray) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    pad = 0.5 if high - low < 1e-12 else 0.25 * (high - low)
    return low - pad, high + pad


def plot_descent(f: Callable[..., Any], trajectory: Any, ax: Axes | None = None) -> Axes:
    points = np.asarray(trajectory, dtype=float)
    points = points.reshape(len(points), -1)
    if ax is None:
        ax = plt.figure().add_subplot()
    if points.shape[1] == 1:
        xs = np.linspace(*_span(points[:, 0]), 400)
        ax.plot(xs, f(xs), "k-", linewidth=1)
        ax.plot(points[:, 0], f(points[:, 0]), marker="s", color="orange")
    elif points.shape[1] == 2:
        xs = np.linspace(*_span(points[:, 0]), 90)
        ys = np.linspace(*_span(points[:, 1]), 110)
        ax.contourf(xs, ys, f(xs[None, :], ys[:, None]), levels=15, cmap="magma")
        ax.plot(points[:, 0], points[:, 1], marker=".", color="cyan")
    else:
        raise ValueError(f"can only plot 1-D or 2-D paths, not shape {points.shape}")
    return ax


def quadratic_hessian(A: Any) -> np.ndarray:
    matrix = np.array(A, dtype=float)
    return (matrix + matrix.swapaxes(0, 1)) * 0.5


def contraction_factors(A: Any, lr: float) -> np.ndarray:
    # The eigenvalues of I - lr H are 1 - lr lambda_i; for lr > 0 the largest belongs to the smallest lambda_i.
    step_matrix = np.eye(len(quadratic_hessian(A))) - lr * quadratic_hessian(A)
    return np.sort(np.linalg.eigh(step_matrix)[0])[::-1]


def largest_stable_lr(A: Any) -> float:
    hessian = quadratic_hessian(A)
    try:
        np.linalg.cholesky(hessian)  # succeeds exactly for a positive definite matrix
    except np.linalg.LinAlgError:
        raise ValueError("f has no minimum: its Hessian is not positive definite") from None
    return 2.0 / float(np.linalg.norm(hessian, 2))  # for a positive definite H its 2-norm is lambda_max


def descent_distances(A: Any, b: Any, x0: Any, factor: float, steps: int) -> np.ndarray:
    hessian = quadratic_hessian(A)
    target = np.asarray(b, dtype=float).ravel()
    minimiser = np.linalg.lstsq(hessian, target, rcond=None)[0]
    rows = gradient_descent(lambda x: hessian.dot(x) - target, x0, factor * largest_stable_lr(A), steps)
    return np.sqrt(((rows - minimiser) ** 2).sum(axis=1))
