"""Independent oracles for the hidden tests of exercise 2 (gradient descent by hand).

Each oracle reaches the answer another way than the reference does: the
Rosenbrock function and its gradient from the expanded polynomial, descent on
a quadratic bowl from the closed form x_k = m + (I - lr A)^k (x0 - m), the sine
loss with dot products instead of means, and the plot checks from the data a
Matplotlib Axes holds (never from pixels).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from hardway import expect

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


# -- what a plot holds ------------------------------------------------------------------------------

#: Calls plot_descent (on a new Axes or on one it is given) and reports what it drew, as plain data.
#: FUNCTION is replaced by the source of the function to plot.
PLOT_SNIPPET = """
import matplotlib.axes
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
figures_before = set(plt.get_fignums())
given_ax = Figure().add_subplot() if on_given_ax else None
show_calls = []
real_show = plt.show
plt.show = lambda *args, **kwargs: show_calls.append(1)
try:
    ax = plot_descent(FUNCTION, trajectory, ax=given_ax)
finally:
    plt.show = real_show
new_figures = sorted(set(plt.get_fignums()) - figures_before)
drawn = {"returned": type(ax).__name__, "is_axes": isinstance(ax, matplotlib.axes.Axes),
         "new_figures": len(new_figures), "show_calls": len(show_calls), "lines": [], "contours": []}
if drawn["is_axes"]:
    drawn["same_ax"] = ax is given_ax
    drawn["lines"] = [np.asarray(line.get_xydata(), dtype=float) for line in ax.lines]
    for artist in ax.collections:
        if hasattr(artist, "levels") and hasattr(artist, "get_paths"):
            bands = [path for path in artist.get_paths()]
            corners = [path.vertices for path in bands if len(path.vertices)]
            corners = np.concatenate(corners) if corners else np.zeros((0, 2))
            box = corners.min(axis=0).tolist() + corners.max(axis=0).tolist() if len(corners) else []
            inside = [next((i for i, band in enumerate(bands) if len(band.vertices) and band.contains_point(p)), -1)
                      for p in probes]
            drawn["contours"].append({"filled": bool(getattr(artist, "filled", False)), "box": box, "bands": inside,
                                      "levels": np.asarray(artist.levels, dtype=float)})
for number in new_figures:
    plt.close(number)
drawn
"""


def interior_probes(rng: np.random.Generator, path: np.ndarray, count: int) -> np.ndarray:
    """Random points well inside the path's bounding box, where every correct grid has values."""
    low, high = path.min(axis=0), path.max(axis=0)
    inner_low, inner_high = low + 0.1 * (high - low), high - 0.1 * (high - low)
    return rng.uniform(inner_low, inner_high, size=(count, path.shape[1]))


def matches(got: Any, expected: Any, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """Whether `got` has the shape and the values of `expected` (used to name a mistake)."""
    try:
        got_array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    expected_array = np.asarray(expected, dtype=float)
    return got_array.shape == expected_array.shape and bool(
        np.allclose(got_array, expected_array, rtol=rtol, atol=atol))


def brief(points: np.ndarray, shown: int = 4) -> str:
    """A few points of a line, rounded, for a message that stays readable."""
    points = np.asarray(points, dtype=float)
    text = str(np.round(points[:shown], 4).tolist())
    return text if len(points) <= shown else f"{text[:-1]}, ... ({len(points)} points)]"


def check_the_axes(call: str, drawn: dict[str, Any], on_given_ax: bool) -> None:
    """Returned an Axes, drew on the one given (or made exactly one figure), and never showed."""
    if not drawn["is_axes"]:
        expect.fail(call, drawn["returned"], "a matplotlib Axes", hint="return the Axes you drew on")
    if on_given_ax and (not drawn["same_ax"] or drawn["new_figures"]):
        expect.fail(call, "a new figure" if drawn["new_figures"] else "another Axes", "the Axes passed as ax",
                    hint="draw on the ax you were given (ax.plot, ax.contourf), not with plt.plot or a new figure; "
                         "make a figure only when ax is None")
    if not on_given_ax and drawn["new_figures"] != 1:
        expect.fail(call, f"{drawn['new_figures']} new figures", "exactly one new figure",
                    hint="when ax is None, make one figure with plt.subplots() and draw on its Axes")
    if drawn["show_calls"]:
        expect.fail(call, "a call to plt.show()", "no call to plt.show()",
                    hint="never call plt.show() in plot_descent: the caller decides whether to show or save")


def _find_line(lines: list[np.ndarray], expected: np.ndarray) -> int | None:
    for index, line in enumerate(lines):
        if matches(line, expected, rtol=1e-9, atol=1e-9):
            return index
    return None


def check_the_path(call: str, drawn: dict[str, Any], expected: np.ndarray) -> int:
    """The path is one of the lines, with x along the horizontal axis; returns its index."""
    index = _find_line(drawn["lines"], expected)
    if index is None:
        if _find_line(drawn["lines"], expected[:, ::-1]) is not None:
            hint = "x and y are swapped: ax.plot takes the horizontal coordinates first, then the vertical ones"
        else:
            hint = "the path is missing: draw the points of the trajectory on the plot with ax.plot(..., 'o-')"
        expect.fail(call, f"lines {', '.join(brief(line) for line in drawn['lines'][:4]) or 'none'}",
                    f"a line through the path's points {brief(expected)}", hint=hint)
    return index


def check_the_curve(call: str, drawn: dict[str, Any], f: Callable[[np.ndarray], np.ndarray], path_x: np.ndarray,
                    path_index: int) -> None:
    """Another line draws f itself, smoothly, over a range that covers the path."""
    for index, line in enumerate(drawn["lines"]):
        if index == path_index or len(line) < 50:
            continue
        covers = line[:, 0].min() <= path_x.min() + 1e-9 and line[:, 0].max() >= path_x.max() - 1e-9
        if covers and matches(line[:, 1], f(line[:, 0]), rtol=1e-9, atol=1e-9):
            return
        if matches(line[:, 0], f(line[:, 1]), rtol=1e-9, atol=1e-9):
            expect.fail(call, "a curve of x against f(x)", "f(x) against x",
                        hint="x and y are swapped: ax.plot(xs, f(xs)) puts x horizontally")
    expect.fail(call, f"{len(drawn['lines'])} lines, none of them f over the path's range",
                "a curve of f at 50 or more points covering every x of the path",
                hint="draw f itself as a line: xs = np.linspace(low, high, 200), then ax.plot(xs, f(xs))")


def check_the_contours(call: str, drawn: dict[str, Any], f: Callable[[Any, Any], Any], path: np.ndarray,
                       probes: np.ndarray) -> None:
    """Filled contours of f itself over a box that covers the path, with x horizontal."""
    filled = [contour for contour in drawn["contours"] if contour["filled"]]
    if not filled:
        expect.fail(call, "no filled contours", "filled contours of f (ax.contourf)",
                    hint="draw ax.contourf(X, Y, f(X, Y)) on a grid from np.meshgrid; ax.contour draws only lines")
    contour = filled[0]
    low, high = path.min(axis=0), path.max(axis=0)
    box = np.asarray(contour["box"], dtype=float)
    if box.size != 4 or not (np.all(box[:2] <= low + 1e-9) and np.all(box[2:] >= high - 1e-9)):
        swapped = box.size == 4 and np.all(box[:2] <= low[::-1] + 1e-9) and np.all(box[2:] >= high[::-1] - 1e-9)
        expect.fail(call, f"contours over x in [{box[0]:.4g}, {box[2]:.4g}], y in [{box[1]:.4g}, {box[3]:.4g}]"
                    if box.size == 4 else "empty contours",
                    f"a box covering the path, x in [{low[0]:.4g}, {high[0]:.4g}], y in [{low[1]:.4g}, {high[1]:.4g}]",
                    hint="x and y are swapped: contourf(X, Y, Z) takes the horizontal grid first" if swapped else
                    "choose the grid's x range from the path's x values and its y range from its y values")
    levels = contour["levels"]
    for probe, band in zip(probes, contour["bands"], strict=False):
        value = float(f(probe[0], probe[1]))
        near = band >= 0 and levels[max(band - 1, 0)] <= value <= levels[min(band + 2, len(levels) - 1)]
        if not near:
            expect.fail(call, f"f({probe[0]:.4g}, {probe[1]:.4g}) drawn in the band "
                        + (f"[{levels[band]:.4g}, {levels[band + 1]:.4g}]" if 0 <= band < len(levels) - 1
                           else "of no level"),
                        f"a band around f = {value:.4g} there",
                        hint="contour f itself, Z = f(X, Y) with X, Y = np.meshgrid(xs, ys) (not its log, "
                             "not transposed, x and y not swapped)")


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
