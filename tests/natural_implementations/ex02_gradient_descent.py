"""Exercise 2 as a strong student writes it from the skeleton's docstrings and public tests alone.

Written before reading the reference solution or the hidden tests, to check
that the contract a student reads is the contract the grader checks; changes
to the contract since then were made from the new docstrings alone. Where the
skeleton leaves a choice open, this file takes another reasonable one: a loop
that keeps copies of the points in a list, the divergence check under
np.errstate, the plot drawn with plain `plot` and `contourf` calls.
"""

from __future__ import annotations

from typing import Union

import matplotlib.pyplot as plt
import numpy as np

Number = Union[float, np.ndarray]


def rosenbrock(x, y=1.0, a=1.0, b=100.0):
    return (a - x) ** 2 + b * (y - x**2) ** 2


def rosenbrock_grad(x, y=1.0, a=1.0, b=100.0):
    inner = y - x**2
    return -2 * (a - x) - 4 * b * x * inner, 2 * b * inner


def numerical_gradient(f, point, eps=1e-6):
    base = np.array(point, dtype=float)
    grad = np.zeros_like(base)
    for i in range(base.size):
        up, down = base.copy(), base.copy()
        up.flat[i] += eps
        down.flat[i] -= eps
        grad.flat[i] = (f(up) - f(down)) / (2 * eps)
    return grad


def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    errors = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return float(np.max(errors))


class DivergenceError(FloatingPointError):
    """Gradient descent produced an iterate that is not finite (inf or NaN)."""


def as_point(x0):
    point = np.array(x0, dtype=float)
    if point.ndim > 1:
        raise ValueError(f"the starting point must be a number or a 1-D array, got shape {point.shape}")
    return point.reshape(-1)


def gradient_descent(grad, x0, lr, steps, tol=None):
    x = as_point(x0)
    path = [x.copy()]
    for step in range(1, steps + 1):
        g = np.asarray(grad(x), dtype=float).reshape(x.shape)
        if tol is not None and np.linalg.norm(g) < tol:
            break
        with np.errstate(over="ignore", invalid="ignore"):
            x = x - lr * g
        if not np.all(np.isfinite(x)):
            raise DivergenceError(f"step {step} gave a non-finite point {x}: the learning rate {lr} "
                                  "is probably too large")
        path.append(x.copy())
    return np.array(path)


def parabola(x):
    return 3 * x**2 + 2 * x - 1.2


def parabola_grad(x):
    return 6 * x + 2


def minimise_parabola(x0=2.0, lr=0.1, steps=100):
    path = gradient_descent(parabola_grad, x0, lr, steps)
    return float(path[-1, 0])


def make_sine_data(n=100, omega=2.0, t=0.5, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2.5, 2.5, size=n))
    y = np.sin(omega * x + t) + noise * rng.normal(size=n)
    return x, y


def sine_model(x, omega, t):
    return np.sin(omega * x + t)


def sine_mse(x, y, omega, t):
    return float(0.5 * np.mean((sine_model(x, omega, t) - y) ** 2))


def sine_mse_grad(x, y, omega, t):
    r = sine_model(x, omega, t) - y
    c = np.cos(omega * x + t)
    return float(np.mean(r * c * x)), float(np.mean(r * c))


def fit_sine(x, y, omega0, t0, lr, steps):
    path = gradient_descent(lambda p: np.array(sine_mse_grad(x, y, p[0], p[1])), [omega0, t0], lr, steps)
    omega, t = path[-1]
    return float(omega), float(t)


def padded_range(values, fraction=0.15):
    low, high = float(np.min(values)), float(np.max(values))
    margin = fraction * (high - low) if high > low else max(1.0, abs(low))
    return low - margin, high + margin


def plot_descent(f, trajectory, ax=None):
    if ax is None:
        _, ax = plt.subplots()
    path = np.asarray(trajectory, dtype=float)
    if path.ndim == 1 or path.shape[1] == 1:
        xs_path = path.reshape(-1)
        low, high = padded_range(xs_path)
        xs = np.linspace(low, high, 200)
        ax.plot(xs, f(xs), label="f")
        ax.plot(xs_path, f(xs_path), "o-", label="path")
    else:
        xlow, xhigh = padded_range(path[:, 0])
        ylow, yhigh = padded_range(path[:, 1])
        X, Y = np.meshgrid(np.linspace(xlow, xhigh, 100), np.linspace(ylow, yhigh, 100))
        ax.contourf(X, Y, f(X, Y), levels=30)
        ax.plot(path[:, 0], path[:, 1], "o-", color="white")
    return ax


def quadratic_hessian(A):
    A = np.array(A, dtype=float)
    return 0.5 * (A + A.T)


def contraction_factors(A, lr):
    lambdas = np.linalg.eigvalsh(quadratic_hessian(A))
    return 1 - lr * lambdas


def largest_stable_lr(A):
    lambdas = np.linalg.eigvalsh(quadratic_hessian(A))
    if lambdas.min() <= 0:
        raise ValueError(f"the Hessian is not positive-definite (smallest eigenvalue {lambdas.min()}), "
                         "so f has no minimum")
    return float(2 / lambdas.max())


def descent_distances(A, b, x0, factor, steps):
    H = quadratic_hessian(A)
    b = np.asarray(b, dtype=float)
    x_star = np.linalg.solve(H, b)
    path = gradient_descent(lambda x: H @ x - b, x0, factor * largest_stable_lr(A), steps)
    return np.array([np.linalg.norm(point - x_star) for point in path])
