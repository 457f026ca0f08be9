"""Independent oracles for the hidden tests of exercise 2 (gradient descent by hand).

Each oracle reaches the answer another way than the reference does: the
Rosenbrock function and its gradient from the expanded polynomial, descent on
a quadratic bowl from the closed form x_k = m + (I - lr A)^k (x0 - m), the sine
loss with dot products instead of means. The plot checks, which hold no
answer, are shared with the public tests in `hardway.testkit_ex02`; only the
random points at which to read a contour plot are drawn here.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

# -- Rosenbrock -------------------------------------------------------------------------------


def rosenbrock_expanded(x: Any, y: Any, a: float, b: float) -> Any:
    """a^2 - 2ax + x^2 + b (y^2 - 2 y x^2 + x^4): the same function, multiplied out."""
    return a * a - 2 * a * x + x * x + b * (y * y - 2 * y * x * x + x**4)


def rosenbrock_gradient_expanded(x: Any, y: Any, a: float, b: float) -> tuple[Any, Any]:
    """Term by term from the expanded form: d/dx = -2a + 2x - 4bxy + 4bx^3, d/dy = 2by - 2bx^2."""
    return -2 * a + 2 * x - 4 * b * x * y + 4 * b * x**3, 2 * b * y - 2 * b * x * x


def central_differences(f: Callable[[np.ndarray], float], point: np.ndarray, eps: float) -> np.ndarray:
    """Central differences along each axis, written with an identity matrix of nudges."""
    point = np.asarray(point, dtype=float)
    nudges = eps * np.eye(point.size)
    return np.array([(f(point + step) - f(point - step)) / (2 * eps) for step in nudges])


def relative_error_loop(a: np.ndarray, b: np.ndarray) -> float:
    """The CS231n relative error, one element at a time in plain Python."""
    worst = 0.0
    for left, right in zip(np.ravel(a).tolist(), np.ravel(b).tolist(), strict=True):
        worst = max(worst, abs(left - right) / max(1e-8, abs(left) + abs(right)))
    return worst


# -- quadratic bowls ----------------------------------------------------------------------------


def random_bowl(rng: np.random.Generator, dims: int, diagonal: bool = False,
                spread: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """(A, m): a symmetric positive definite A with eigenvalues in [1, spread], and a bottom m."""
    eigenvalues = np.concatenate([[1.0, spread], rng.uniform(1.0, spread, size=max(dims - 2, 0))])[:dims]
    eigenvalues = rng.permutation(eigenvalues) * rng.uniform(0.5, 2.0)
    if diagonal:
        matrix = np.diag(eigenvalues)
    else:
        rotation, _ = np.linalg.qr(rng.normal(size=(dims, dims)))
        matrix = rotation @ np.diag(eigenvalues) @ rotation.T
        matrix = (matrix + matrix.T) / 2
    return matrix, rng.uniform(-3.0, 3.0, size=dims)


def bowl_closed_form(matrix: np.ndarray, bottom: np.ndarray, x0: np.ndarray, lr: float, count: int) -> np.ndarray:
    """Rows x_0 .. x_count of descent on 1/2 (x - m)^T A (x - m), from powers of I - lr A."""
    contraction = np.eye(len(bottom)) - lr * matrix
    offset = np.asarray(x0, dtype=float) - bottom
    return np.array([bottom + np.linalg.matrix_power(contraction, k) @ offset for k in range(count + 1)])


def gradient_norms(matrix: np.ndarray, bottom: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """|A (x_k - m)| for every row x_k of a path."""
    return np.linalg.norm((rows - bottom) @ matrix.T, axis=1)


def first_non_finite_update(scale: np.ndarray, bottom: np.ndarray, x0: np.ndarray, lr: float, steps: int) -> int | None:
    """The update (from 1) that first gives inf or nan for grad(x) = scale * (x - bottom), or None."""
    x = np.asarray(x0, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, steps + 1):
            x = x - lr * (scale * (x - bottom))
            if not np.all(np.isfinite(x)):
                return step
    return None


# -- the sine fit ---------------------------------------------------------------------------------


def sine_loss(x: np.ndarray, y: np.ndarray, omega: float, t: float) -> float:
    residual = np.sin(omega * x + t) - y
    return float(residual @ residual / (2 * len(x)))


def sine_gradient(x: np.ndarray, y: np.ndarray, omega: float, t: float) -> tuple[float, float]:
    """(d/d omega, d/d t) of the loss, as dot products with the residual times the cosine."""
    weight = (np.sin(omega * x + t) - y) * np.cos(omega * x + t)
    return float(weight @ x / len(x)), float(weight.sum() / len(x))


def sine_descent(x: np.ndarray, y: np.ndarray, omega0: float, t0: float, lr: float, steps: int) -> tuple[float, float]:
    omega, t = omega0, t0
    for _ in range(steps):
        d_omega, d_t = sine_gradient(x, y, omega, t)
        omega, t = omega - lr * d_omega, t - lr * d_t
    return omega, t


# -- where to read a contour plot ----------------------------------------------------------------------


def interior_probes(rng: np.random.Generator, path: np.ndarray, count: int) -> np.ndarray:
    """Random points well inside the path's bounding box, where every correct grid has values."""
    low, high = path.min(axis=0), path.max(axis=0)
    inner_low, inner_high = low + 0.1 * (high - low), high - 0.1 * (high - low)
    return rng.uniform(inner_low, inner_high, size=(count, path.shape[1]))


# -- the stability of descent on a quadratic ----------------------------------------------------------


def random_quadratic(rng: np.random.Generator, dims: int,
                     lowest: tuple[float, float] = (0.2, 0.7)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A, eigenvalues, eigenvectors): a non-symmetric A whose symmetric part has exactly these eigenvalues.

    A = Q diag(lambda) Q^T + K, with Q a random rotation and K a random skew-symmetric matrix (K^T = -K), which
    the symmetric part (A + A^T) / 2 cancels. The eigenvalues are ascending; the largest is drawn from [1, 10]
    and the others from `lowest` times it, so every eigenvalue stands apart from the largest (a negative
    `lowest` makes a quadratic without a minimum). Q's columns are the eigenvectors.
    """
    top = float(rng.uniform(1.0, 10.0))
    eigenvalues = np.sort(np.concatenate([rng.uniform(*lowest, size=dims - 1) * top, [top]]))
    rotation, _ = np.linalg.qr(rng.normal(size=(dims, dims)))
    skew = rng.normal(scale=top / 2, size=(dims, dims))
    matrix = rotation @ np.diag(eigenvalues) @ rotation.T + (skew - skew.T)
    return matrix, eigenvalues, rotation


def hessian_by_second_differences(matrix: np.ndarray) -> np.ndarray:
    """The Hessian of f(x) = 1/2 x^T A x, read off f itself by second differences at 0 with steps of 1.

    For a quadratic, (f(e_i + e_j) - f(e_i - e_j) - f(e_j - e_i) + f(-e_i - e_j)) / 4 is exactly the second
    derivative d^2 f / dx_i dx_j (the linear term -b^T x cancels, so it is left out).
    """
    def f(x: np.ndarray) -> float:
        return 0.5 * float(x @ matrix @ x)

    units = np.eye(len(matrix))
    return np.array([[(f(u + v) - f(u - v) - f(v - u) + f(-u - v)) / 4.0 for v in units] for u in units])


def distances_in_the_eigenbasis(eigenvalues: np.ndarray, eigenvectors: np.ndarray, b: np.ndarray, x0: np.ndarray,
                                lr: float, steps: int) -> np.ndarray:
    """|x_k - x*| for k = 0..steps, from the error's coordinates c_i in the eigenbasis: c_i (1 - lr lambda_i)^k."""
    minimiser = eigenvectors @ ((eigenvectors.T @ b) / eigenvalues)
    coordinates = eigenvectors.T @ (np.asarray(x0, dtype=float) - minimiser)
    powers = (1.0 - lr * eigenvalues)[None, :] ** np.arange(steps + 1)[:, None]
    return np.sqrt(np.sum((powers * coordinates) ** 2, axis=1))


def distances_of_a_loop(gradient_matrix: np.ndarray, b: np.ndarray, x0: np.ndarray, lr: float, steps: int,
                        minimiser: np.ndarray) -> np.ndarray:
    """|x_k - minimiser| along descent with the gradient gradient_matrix @ x - b (used to name a wrong gradient)."""
    x = np.asarray(x0, dtype=float)
    distances = [float(np.linalg.norm(x - minimiser))]
    for _ in range(steps):
        x = x - lr * (gradient_matrix @ x - b)
        distances.append(float(np.linalg.norm(x - minimiser)))
    return np.array(distances)


def lower_triangle_eigenvalues(matrix: np.ndarray) -> np.ndarray:
    """What np.linalg.eigvalsh makes of a non-symmetric matrix: the eigenvalues of its lower triangle, mirrored."""
    lower = np.tril(matrix)
    return np.linalg.eigvalsh(lower + np.tril(matrix, -1).T)
