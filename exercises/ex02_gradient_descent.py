"""Exercise 2: gradient descent by hand.

Training a network is, at heart, one loop: stand at a point, ask which way is
downhill, take a small step that way, repeat. "Which way is downhill" is the
negative gradient, so the loop is

    x_{k+1} = x_k - lr * grad f(x_k)

where the learning rate ``lr`` sets the step size. In this exercise you write
that loop yourself, with nothing but numpy, and you also do the part a library
would normally hide: you derive every gradient with pen and paper, and you
check each derivation numerically before you trust it. Nothing here
differentiates for you.

Work through the tasks in order; each function names its task in its docstring.

* Task 2.1 - the Rosenbrock function (a long curved valley that is famously
  slow to descend) and its gradient, derived by hand with the chain rule.
* Task 2.2 - the safety net for every hand-derived gradient: central
  differences (``numerical_gradient``) and a way to compare two gradients
  relative to their size (``relative_error``).
* Task 2.3 - ``gradient_descent`` itself: it returns the whole path, not just
  the end point, it can stop early once the slope is flat, and it refuses to
  hand back NaNs when the steps blow up (``DivergenceError``, given below).
* Task 2.4 - a first real use: the minimum of the parabola 3x^2 + 2x - 1.2.
* Task 2.5 - curve fitting: recover the frequency and phase of a noisy sine
  wave by descending the mean squared error. This is a tiny version of what a
  training loop does with a network's weights.
* Task 2.6 - ``plot_descent``: draw the path over the function, so you can
  see what the learning rate does.
* Task 2.7 - how large the learning rate may be: on a quadratic bowl each
  step multiplies the error along every eigenvector of the Hessian by its own
  factor 1 - lr * lambda, so descent converges exactly when lr < 2 / lambda_max.
  You predict that limit from the Hessian and watch descent diverge just above it.

Check your work with::

    pytest exercises/tests/test_ex02_gradient_descent.py

Use only numpy, matplotlib and the standard library: the point is to see every
derivative and every step.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, Union

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

Number = Union[float, np.ndarray]


# -- Task 2.1: the Rosenbrock function and its gradient ---------------------------------


def rosenbrock(x: Number, y: Number = 1.0, a: float = 1.0, b: float = 100.0) -> Number:
    """The Rosenbrock function f(x, y) = (a - x)^2 + b (y - x^2)^2.

    Its minimum is 0 at (a, a^2), at the bottom of a narrow curved valley: easy
    to fall into, slow to follow, which makes it a classic test for optimisers.
    Works on floats and, element by element, on numpy arrays. Task 2.1.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.1: implement rosenbrock (see its docstring)")


def rosenbrock_grad(x: Number, y: Number = 1.0, a: float = 1.0, b: float = 100.0) -> tuple[Number, Number]:
    """The gradient (df/dx, df/dy) of `rosenbrock`, derived by hand.

    Differentiate each term with the chain rule: the inner function y - x^2
    contributes its own derivative with respect to the variable you are
    differentiating by. Return a tuple of two floats for float inputs, or two
    arrays (element by element) for array inputs. Task 2.1.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.1: implement rosenbrock_grad (see its docstring)")


# -- Task 2.2: checking gradients numerically ---------------------------------------------


def numerical_gradient(f: Callable[[np.ndarray], float], point: Sequence[float] | np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """The gradient of f at `point`, estimated by central differences.

    For each coordinate i, nudge the point by +eps and by -eps along that axis
    only and take (f(point + eps e_i) - f(point - eps e_i)) / (2 eps).

    Two errors compete. The truncation error (the curvature the formula leaves
    out) shrinks like eps^2 for this central form, against eps for a one-sided
    difference, which is why gradient checks use the central form. The rounding
    error grows as eps shrinks: f is known only to about 1e-16 of its size, and
    dividing by 2 eps magnifies that to roughly 1e-16 |f| / eps. In float64 an
    eps near 1e-5 or 1e-6 balances the two; a much smaller eps makes the
    estimate worse, not better.

    `f` takes one 1-D numpy array and returns a float. Returns a float array
    shaped like `point`; `point` itself is left unchanged. Task 2.2.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.2: implement numerical_gradient (see its docstring)")


def relative_error(a: Number | Sequence[float], b: Number | Sequence[float]) -> float:
    """How far apart two gradients are, relative to their size.

    For each element, |a - b| / max(1e-8, |a| + |b|); the result is the largest
    of these (the worst element), as a Python float. Where the gradients are
    large, dividing by |a| + |b| makes the measure ignore their scale: 1e-4 off
    on 1.0 reads like 1e4 off on 1e8. The 1e-8 floor is absolute, not
    relative: it stops 0/0 when both elements are exactly zero, but where both
    are tiny (near a minimum, where the true gradient is 0) the ratio becomes
    |a - b| / 1e-8, so two correct estimates that differ only by rounding, say
    1e-9 and 3e-9, read as 0.2 and look wrong. Check gradients away from a
    minimum. Elsewhere, roughly: below 1e-7 the two agree, above 1e-2 one of
    them is wrong. Task 2.2.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.2: implement relative_error (see its docstring)")


# -- Task 2.3: gradient descent --------------------------------------------------------------


class DivergenceError(FloatingPointError):
    """Gradient descent produced an iterate that is not finite (inf or NaN).

    This almost always means the learning rate is too large: each step
    overshoots the minimum by more than the last, until the numbers overflow.
    """


def as_point(x0: Number | Sequence[float]) -> np.ndarray:
    """A starting point as a fresh 1-D float array: a float becomes shape (1,).

    Given. Copying matters: the caller's array must never change under them.
    """
    point = np.array(x0, dtype=float)
    if point.ndim > 1:
        raise ValueError(f"the starting point must be a number or a 1-D array, got shape {point.shape}")
    return point.reshape(-1)


def gradient_descent(grad: Callable[[np.ndarray], Any], x0: Number | Sequence[float], lr: float, steps: int,
                     tol: float | None = None) -> np.ndarray:
    """Follow the negative gradient from x0; return the whole path.

    `grad` takes the current point as a 1-D float array of shape (d,) and
    returns the gradient there (anything numpy turns into d numbers). x0 may be
    a float (then d = 1) or a 1-D array. Each update is x <- x - lr * grad(x).

    The result has shape (k + 1, d): row 0 is x0 and row j the point after j
    updates, with k <= `steps` updates in all.

    Early stopping: when `tol` is not None, before each update look at the
    gradient at the current point; if its Euclidean norm is below `tol`
    (strictly), stop there without updating. Without `tol`, make exactly
    `steps` updates.

    Divergence: as soon as an update gives a point with an inf or NaN in it,
    raise `DivergenceError` (do not return it) with a message that says the
    learning rate is probably too large and names the step, counting updates
    from 1 (step j is the update that would have made row j). Task 2.3.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.3: implement gradient_descent (see its docstring)")


# -- Task 2.4: minimising a parabola ----------------------------------------------------------


def parabola(x: Number) -> Number:
    """The parabola 3x^2 + 2x - 1.2, on floats or element by element on arrays. Task 2.4."""
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.4: implement parabola (see its docstring)")


def parabola_grad(x: Number) -> Number:
    """The derivative of `parabola`, on floats or element by element on arrays. Task 2.4."""
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.4: implement parabola_grad (see its docstring)")


def minimise_parabola(x0: float = 2.0, lr: float = 0.1, steps: int = 100) -> float:
    """The point x where `parabola` is smallest, found by `gradient_descent`.

    Start at x0 and make `steps` updates with learning rate `lr` (no early
    stop); return the last x as a Python float. With the defaults it lands on
    the true minimiser x = -1/3 (where the derivative is zero) to many digits.
    Task 2.4.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.4: implement minimise_parabola (see its docstring)")


# -- Task 2.5: fitting a sine curve by hand -----------------------------------------------


def make_sine_data(n: int = 100, omega: float = 2.0, t: float = 0.5, noise: float = 0.1,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy samples (x, y) of y = sin(omega x + t), with x in [-2.5, 2.5].

    Given. Synthetic and seeded, so every run sees the same data: the task is
    to get omega and t back from (x, y) alone.
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2.5, 2.5, size=n))
    y = np.sin(omega * x + t) + noise * rng.normal(size=n)
    return x, y


def sine_model(x: Number, omega: float, t: float) -> Number:
    """The model sin(omega x + t): frequency omega, phase t. Task 2.5."""
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.5: implement sine_model (see its docstring)")


def sine_mse(x: np.ndarray, y: np.ndarray, omega: float, t: float) -> float:
    """The loss 1/2 * mean((sine_model(x, omega, t) - y)^2), as a Python float.

    The 1/2 is a convention that cancels the 2 from differentiating the
    square, so the gradient is simply the mean of residual times slope.
    Task 2.5.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.5: implement sine_mse (see its docstring)")


def sine_mse_grad(x: np.ndarray, y: np.ndarray, omega: float, t: float) -> tuple[float, float]:
    """The gradient (d loss / d omega, d loss / d t) of `sine_mse`, derived by hand.

    With residual r = sin(omega x + t) - y, the chain rule gives
    d/d omega = mean(r cos(omega x + t) x) and d/d t = mean(r cos(omega x + t)).
    Returns two Python floats. Task 2.5.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.5: implement sine_mse_grad (see its docstring)")


def fit_sine(x: np.ndarray, y: np.ndarray, omega0: float, t0: float, lr: float, steps: int) -> tuple[float, float]:
    """Fit omega and t to the data by `gradient_descent` on `sine_mse`.

    The parameters (omega, t) are the point being moved: start from
    (omega0, t0) and make `steps` updates with learning rate `lr` (no early
    stop). Returns the final (omega, t) as Python floats. Like any local
    method it needs a start in the right valley; within about 0.3 of the truth
    is close enough here. Task 2.5.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.5: implement fit_sine (see its docstring)")


# -- Task 2.6: plotting the descent path ----------------------------------------------------


def padded_range(values: np.ndarray, fraction: float = 0.15) -> tuple[float, float]:
    """(low, high) covering every value with a margin, never of zero width. Given."""
    low, high = float(np.min(values)), float(np.max(values))
    margin = fraction * (high - low) if high > low else max(1.0, abs(low))
    return low - margin, high + margin


def plot_descent(f: Callable[..., Any], trajectory: np.ndarray | Sequence[Any], ax: Axes | None = None) -> Axes:
    """Draw a descent path over the function it descended, and return the Axes.

    One dimension (trajectory of shape (k+1,) or (k+1, 1)): draw f as a curve,
    ``ax.plot(xs, f(xs))`` for at least 50 evenly spaced xs covering the path,
    then the path itself on the curve as a line with markers, at the points
    (x_j, f(x_j)). Here f takes an array of xs.

    Two dimensions (shape (k+1, 2)): filled contours of f itself,
    ``ax.contourf(X, Y, f(X, Y))`` on a ``np.meshgrid`` over a box that covers
    the whole path, and the path on top as a line with markers through the
    points (x_j, y_j). Here f takes two arrays X and Y (like `rosenbrock`).

    Draw on `ax` when one is given and return it; only when `ax` is None create
    a new figure (``plt.subplots()``). Never call ``plt.show()``: the caller
    decides whether to show or save. `padded_range` is there to help choose the
    range. Task 2.6.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.6: implement plot_descent (see its docstring)")


# -- Task 2.7: how large the learning rate may be ---------------------------------------


def quadratic_hessian(A: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    """The Hessian of the quadratic f(x) = 1/2 x^T A x - b^T x: the symmetric part H = (A + A^T) / 2.

    A need not be symmetric, but only its symmetric part shapes f. The number
    x^T A x equals its own transpose x^T A^T x, so it is also the average of
    the two, x^T H x, and f(x) = 1/2 x^T H x - b^T x. Differentiating that
    gives the gradient H x - b and the Hessian (the matrix of second
    derivatives, the same at every x) H, whatever skew part A carries.

    Example: A = [[2, 5], [1, 4]] gives H = [[2, 3], [3, 4]]; the 5 and the 1
    are averaged, the diagonal is kept.

    `A` is a (d, d) numpy array or nested list. Returns a new float array of
    shape (d, d) and leaves A unchanged. Task 2.7.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.7: implement quadratic_hessian (see its docstring)")


def contraction_factors(A: np.ndarray | Sequence[Sequence[float]], lr: float) -> np.ndarray:
    """The factors 1 - lr * lambda_i by which one descent step scales the error, eigenvector by eigenvector.

    The function descended is f(x) = 1/2 x^T A x - b^T x, with learning rate lr.

    Why one factor per direction. Let H = quadratic_hessian(A), and let x* be
    the minimiser, where the gradient H x* - b is zero. Follow the error
    e_k = x_k - x* of the k-th point of `gradient_descent`. One update gives

        e_{k+1} = x_k - lr (H x_k - b) - x* = e_k - lr (H x_k - H x*) = (I - lr H) e_k,

    using b = H x*. H is symmetric, so it has d orthonormal eigenvectors v_i
    with real eigenvalues lambda_i (H v_i = lambda_i v_i). Write the error in
    that basis, e_k = sum_i c_i v_i. Since (I - lr H) v_i = (1 - lr lambda_i) v_i,
    one step multiplies each coordinate c_i by its own factor 1 - lr lambda_i,
    untouched by the others, and k steps by (1 - lr lambda_i)^k.

    So along v_i the error shrinks exactly when |1 - lr lambda_i| < 1. A factor
    in (0, 1) creeps up on the minimum from one side; one in (-1, 0) overshoots
    it, by less each step; one below -1 overshoots by more each step, flipping
    side and growing: descent diverges. `largest_stable_lr` turns this into a
    bound on lr.

    The eigenvalues of a symmetric matrix come from ``np.linalg.eigvalsh``, in
    ascending order. Return the factors in that order (factor i belongs to the
    i-th smallest eigenvalue of H) as a float array of shape (d,).

    Example: A = [[3, 1], [1, 3]] is symmetric, so H = A; its eigenvalues are 2
    (eigenvector (1, -1)) and 4 (eigenvector (1, 1)). With lr = 0.4 the factors
    are [1 - 0.8, 1 - 1.6] = [0.2, -0.6]: both errors shrink. With lr = 0.55
    they are [-0.1, -1.2]: the error along (1, 1) grows by 1.2 each step. Task 2.7.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.7: implement contraction_factors (see its docstring)")


def largest_stable_lr(A: np.ndarray | Sequence[Sequence[float]]) -> float:
    """The stability limit 2 / lambda_max: descent on f(x) = 1/2 x^T A x - b^T x converges for 0 < lr < 2 / lambda_max.

    By `contraction_factors`, descent reaches the minimum from every start
    exactly when |1 - lr lambda_i| < 1 for every eigenvalue lambda_i of
    H = quadratic_hessian(A). For lr > 0 and lambda_i > 0 this reads
    0 < lr lambda_i < 2, that is lr < 2 / lambda_i, and the tightest of these
    bounds comes from the largest eigenvalue:

        0 < lr < 2 / lambda_max.

    The steepest direction breaks first: just above 2 / lambda_max its factor
    falls below -1, and the error along it flips sign and grows at every step,
    however gently every other direction converges. (The flattest direction,
    lambda_min, decides how slowly descent converges, not whether it does.)

    Take the eigenvalues of H, not of A: ``np.linalg.eigvalsh`` trusts that
    its argument is symmetric and reads only one triangle of it, so on a
    non-symmetric A it returns the eigenvalues of another matrix, without
    any warning. A = [[3, 2], [0, 3]], say, has H = [[3, 1], [1, 3]], but
    eigvalsh(A) reads its lower triangle as [[3, 0], [0, 3]].

    If lambda_min <= 0, f has no minimum (it is flat or falls away along that
    eigenvector) and no learning rate makes descent converge: raise
    ValueError, saying that the Hessian is not positive definite.

    Returns 2 / lambda_max as a Python float. Example: A = [[3, 1], [1, 3]]
    has eigenvalues 2 and 4, so descent is stable for lr < 2 / 4 = 0.5 (the
    factors at lr = 0.55 in `contraction_factors` show the error growing).
    Task 2.7.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.7: implement largest_stable_lr (see its docstring)")


def descent_distances(A: np.ndarray | Sequence[Sequence[float]], b: np.ndarray | Sequence[float],
                      x0: np.ndarray | Sequence[float], factor: float, steps: int) -> np.ndarray:
    """How far descent on f(x) = 1/2 x^T A x - b^T x is from the minimum, step by step, at a multiple of the limit.

    The gradient of f is H x - b with H = quadratic_hessian(A) (not A x - b,
    unless A is symmetric), and the minimiser x* solves H x* = b
    (``np.linalg.solve``). Run `gradient_descent` from x0 for exactly `steps`
    updates (no tol) with lr = factor * largest_stable_lr(A), and return the
    Euclidean distances |x_k - x*| for k = 0, ..., steps, a float array of
    shape (steps + 1,).

    `factor` says where lr sits against the limit: below 1 every direction
    contracts and the distances fall towards 0; just above 1 the factor along
    the steepest eigenvector is just below -1, and after the other directions
    have settled the distance grows by |1 - 2 factor| each step. That is the
    divergence 2 / lambda_max predicts. (For the sizes asked here nothing
    overflows; if `gradient_descent` raises DivergenceError, let it.)

    Example: A = [[3, 1], [1, 3]], b = [4, 4] and x0 = [2, 2]: x* = [1, 1], so
    the error (1, 1) lies along the eigenvector of lambda_max = 4 and starts
    at |x0 - x*| = sqrt(2). With factor = 0.9, lr = 0.45 and the distance is
    sqrt(2) * 0.8^k; with factor = 1.1, lr = 0.55 and it is sqrt(2) * 1.2^k.
    Task 2.7.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 2.7: implement descent_distances (see its docstring)")


if __name__ == "__main__":
    # Try it, once tasks 2.1, 2.3 and 2.6 work: gradient descent crawls along the Rosenbrock valley.
    import argparse
    import os

    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="Plot gradient descent on the Rosenbrock function")
    parser.add_argument("--save", metavar="PATH", help="save the picture to PATH (a .png) instead of showing it")
    args, _ = parser.parse_known_args()  # known ones only: a notebook's kernel passes arguments of its own

    start = np.array([-1.5, 2.0])
    path = gradient_descent(lambda p: np.array(rosenbrock_grad(p[0], p[1])), start, lr=2e-3, steps=5000)
    ax = plot_descent(lambda x, y: np.log1p(rosenbrock(x, y)), path[::50])  # log: the valley floor is very flat
    ax.figure.axes[-1].set_ylabel("log(1 + f(x, y))")  # the colourbar: label what is shown
    ax.plot(1.0, 1.0, "r*", markersize=14, label="minimum (1, 1)")
    ax.legend()
    ax.set_title(f"5000 steps from {start.tolist()} end at {np.round(path[-1], 3).tolist()}")
    if args.save or plt.get_backend().lower() == "agg":  # Agg: matplotlib found no display
        plt.savefig(args.save or "tryit_ex02.png", dpi=120, bbox_inches="tight")
        print("saved the picture to", os.path.abspath(args.save or "tryit_ex02.png"))
    else:
        plt.show()

    # Once task 2.7 works too: near (1, 1) f is close to a quadratic with this Hessian (by hand, with b = 100:
    # f_xx = 2 - 4b (y - x^2) + 8b x^2 = 802, f_xy = -4bx = -400, f_yy = 2b = 200), so 2.7's limit applies there.
    limit = largest_stable_lr(np.array([[802.0, -400.0], [-400.0, 200.0]]))
    print(f"near the minimum (1, 1), steps are stable for lr < {limit:.6f}; this run's lr = 0.002 is just above, "
          "so run it for longer (steps=50000) and it never settles: it ends bouncing across the valley's floor")
