"""Mistakes in exercise 2 (gradient descent by hand) that the tests must catch and name."""

from mutants import Mutant

EX02 = "ex02_gradient_descent"

_DIVERGENCE_CHECK = "        if not np.all(np.isfinite(x)):\n            raise DivergenceError("
_TOL_BEFORE_UPDATE = (
    "        if tol is not None and np.linalg.norm(slope) < tol:\n            break\n"
    "        with np.errstate(over=\"ignore\", invalid=\"ignore\"):\n            x = x - lr * slope\n"
)
_TOL_AFTER_UPDATE = (
    "        with np.errstate(over=\"ignore\", invalid=\"ignore\"):\n            x = x - lr * slope\n"
    "        if tol is not None and np.linalg.norm(slope) < tol:\n            path.append(x)\n            break\n"
)
_NUDGE_COPIES = (
    "    centre = np.array(point, dtype=float)\n    estimate = np.zeros_like(centre)\n"
    "    for i in range(centre.size):\n        nudge = np.zeros_like(centre)\n        nudge.flat[i] = eps\n"
    "        estimate.flat[i] = (float(f(centre + nudge)) - float(f(centre - nudge))) / (2.0 * eps)\n"
)
_NUDGE_IN_PLACE = (
    "    centre = np.asarray(point, dtype=float)\n    estimate = np.zeros_like(centre)\n"
    "    for i in range(centre.size):\n        centre.flat[i] += eps\n        up = float(f(centre))\n"
    "        centre.flat[i] -= 2 * eps\n        estimate.flat[i] = (up - float(f(centre))) / (2.0 * eps)\n"
)

MUTANTS: list[Mutant] = [
    # 2.1 -----------------------------------------------------------------------------------
    Mutant("rosenbrock ignores b", EX02, "return (a - x) ** 2 + b * (y - x**2) ** 2",
           "return (a - x) ** 2 + 100.0 * (y - x**2) ** 2", "(a - x)^2 + b (y - x^2)^2"),
    Mutant("x-derivative without the chain-rule factor -2x", EX02, "df_dx = -2.0 * (a - x) - 4.0 * b * x * valley",
           "df_dx = -2.0 * (a - x) + 2.0 * b * valley", "missing the chain-rule factor"),
    Mutant("x-derivative with a sign error", EX02, "df_dx = -2.0 * (a - x) - 4.0 * b * x * valley",
           "df_dx = 2.0 * (a - x) - 4.0 * b * x * valley", "a sign error"),
    # 2.2 -----------------------------------------------------------------------------------
    Mutant("forward differences", EX02,
           "(float(f(centre + nudge)) - float(f(centre - nudge))) / (2.0 * eps)",
           "(float(f(centre + nudge)) - float(f(centre))) / eps", "one-sided (forward) difference"),
    Mutant("central differences divided by eps", EX02,
           "(float(f(centre + nudge)) - float(f(centre - nudge))) / (2.0 * eps)",
           "(float(f(centre + nudge)) - float(f(centre - nudge))) / eps", "divide by 2 * eps"),
    Mutant("nudges the caller's point in place", EX02, _NUDGE_COPIES, _NUDGE_IN_PLACE, "leave `point`"),
    Mutant("relative error without the 1e-8 floor", EX02, "np.maximum(1e-8, np.abs(a) + np.abs(b))",
           "(np.abs(a) + np.abs(b))", "max(1e-8, |a| + |b|)"),
    Mutant("relative error averages", EX02, "return float(np.max(ratios))", "return float(np.mean(ratios))",
           "not the mean"),
    Mutant("relative error as a ratio of maxima", EX02,
           "ratios = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))",
           "ratios = np.max(np.abs(a - b)) / np.maximum(1e-8, np.max(np.abs(a) + np.abs(b)))",
           "divide element by element first"),
    # 2.3 -----------------------------------------------------------------------------------
    Mutant("update goes uphill", EX02, "x = x - lr * slope", "x = x + lr * slope", "the path goes uphill"),
    Mutant("trajectory without x0", EX02, "path = [x]\n", "path = []\n", "start with x0 itself"),
    Mutant("one update short", EX02, "for step in range(1, steps + 1):", "for step in range(1, steps):",
           "the last point is missing"),
    Mutant("float x0 gives a flat trajectory", EX02, "    return np.array(path)\n",
           "    return np.array(path)[:, 0] if x.size == 1 else np.array(path)\n",
           "a float x0 counts as one dimension"),
    Mutant("loop ignores tol", EX02, "        if tol is not None and np.linalg.norm(slope) < tol:\n            break\n",
           "", "the loop ignores tol"),
    Mutant("tol checked after the update", EX02, _TOL_BEFORE_UPDATE, _TOL_AFTER_UPDATE, "one update too many"),
    Mutant("returns NaNs instead of raising", EX02, _DIVERGENCE_CHECK,
           "        if False:\n            raise DivergenceError(", "instead of returning NaN or inf"),
    Mutant("divergence raises ValueError", EX02, "            raise DivergenceError(", "            raise ValueError(",
           "raise the DivergenceError given in the module"),
    Mutant("divergence message without the step", EX02, "diverged at step {step}: the point", "diverged: the point",
           "a message naming step"),
    Mutant("divergence steps counted from 0", EX02, "diverged at step {step}: the point",
           "diverged at step {step - 1}: the point", "count updates from 1"),
    # 2.4 -----------------------------------------------------------------------------------
    Mutant("parabola slope without the power rule's 2", EX02, "return 6.0 * x + 2.0", "return 3.0 * x + 2.0",
           "d/dx 3x^2 = 6x"),
    Mutant("minimise_parabola returns the minimum value", EX02, "return float(path[-1, 0])",
           "return float(parabola(path[-1, 0]))", "not the value of the parabola"),
    # 2.5 -----------------------------------------------------------------------------------
    Mutant("sine_mse without the half", EX02, "return float(0.5 * np.mean(residual**2))",
           "return float(np.mean(residual**2))", "sine_mse has a factor 1/2"),
    Mutant("sine gradient twice too large", EX02, "slope = residual * np.cos(phase)",
           "slope = 2.0 * residual * np.cos(phase)", "twice too large"),
    Mutant("omega derivative forgets the factor x", EX02, "return float(np.mean(slope * x)), float(np.mean(slope))",
           "return float(np.mean(slope)), float(np.mean(slope))", "keep the factor x"),
    Mutant("fit_sine returns (t, omega)", EX02, "return float(omega), float(t)", "return float(t), float(omega)",
           "return (omega, t) in that order"),
    # 2.6 -----------------------------------------------------------------------------------
    Mutant("plot forgets the 2-D path", EX02,
           'ax.plot(path[:, 0], path[:, 1], "o-", color="white", markersize=3, label="descent path")',
           'ax.set_title("descent")', "the path is missing"),
    Mutant("plot swaps x and y of the path", EX02,
           'ax.plot(path[:, 0], path[:, 1], "o-"', 'ax.plot(path[:, 1], path[:, 0], "o-"', "x and y are swapped"),
    Mutant("contour grid swapped", EX02, "ax.contourf(grid_x, grid_y, f(grid_x, grid_y)",
           "ax.contourf(grid_y, grid_x, f(grid_x, grid_y)", "x and y are swapped"),
    Mutant("contours of log f", EX02, "ax.contourf(grid_x, grid_y, f(grid_x, grid_y)",
           "ax.contourf(grid_x, grid_y, np.log1p(f(grid_x, grid_y))", "not its log"),
    Mutant("contour lines instead of filled contours", EX02, "filled = ax.contourf(", "filled = ax.contour(",
           "ax.contour draws only lines"),
    Mutant("1-D plot without the curve of f", EX02, 'ax.plot(curve, f(curve), color="tab:blue", label="f(x)")',
           'ax.set_title("f(x)")', "draw f itself as a line"),
    Mutant("plot ignores the given ax", EX02, "    if ax is None:\n        _, ax = plt.subplots()",
           "    _, ax = plt.subplots()", "draw on the ax you were given"),
    Mutant("plot calls plt.show", EX02, "    ax.legend()\n    return ax",
           "    ax.legend()\n    plt.show()\n    return ax", "never call plt.show()"),
    # 2.7 -----------------------------------------------------------------------------------
    Mutant("Hessian of 1/2 x^T A x taken as A", EX02, "    return (matrix + matrix.T) / 2.0\n",
           "    return matrix.copy()\n", "f only sees the symmetric part (A + A^T) / 2, not A"),
    Mutant("eigenvalues of the non-symmetrised A", EX02,
           "    eigenvalues = np.linalg.eigvalsh(quadratic_hessian(A))\n    if eigenvalues[0] <= 0.0:",
           "    eigenvalues = np.linalg.eigvalsh(np.asarray(A, dtype=float))\n    if eigenvalues[0] <= 0.0:",
           "np.linalg.eigvalsh reads only one triangle"),
    Mutant("stability limit from lambda_min", EX02, "return float(2.0 / eigenvalues[-1])",
           "return float(2.0 / eigenvalues[0])", "comes from the largest eigenvalue, not the smallest"),
    Mutant("stability limit 1 / lambda_max", EX02, "return float(2.0 / eigenvalues[-1])",
           "return float(1.0 / eigenvalues[-1])", "2 / lambda_max, not 1 / lambda_max"),
    Mutant("contraction factors 1 + lr lambda", EX02, "return 1.0 - lr * eigenvalues",
           "return 1.0 + lr * eigenvalues", "factors are 1 - lr * lambda_i, with a minus"),
    Mutant("descent with the gradient A x - b", EX02, "gradient_descent(lambda x: hessian @ x - b, x0, lr, steps)",
           "gradient_descent(lambda x: np.asarray(A, dtype=float) @ x - b, x0, lr, steps)",
           "A x - b is right only for a symmetric A"),
]
