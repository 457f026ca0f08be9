"""Mistakes in exercise 1 (forward-mode autodiff) that the tests must catch and name."""

from mutants import Mutant

EX01 = "ex01_forward_autodiff"

MUTANTS: list[Mutant] = [
    Mutant("tuple product rule with one term", EX01, "return (u * v, du * v + u * dv)", "return (u * v, du * v)",
           "the product rule has two terms"),
    Mutant("product rule with one term", EX01,
           "self.gradient * other.value + self.value * other.gradient)", "self.gradient * other.value)",
           "the product rule has two terms"),
    Mutant("rsub in the wrong order", EX01, "return _lift(other) - self", "return self - _lift(other)",
           "must give 2.0 - x, not x - 2.0"),
    Mutant("quotient rule with the wrong sign", EX01,
           "(self.gradient - quotient * other.gradient) / other.value",
           "(self.gradient + quotient * other.gradient) / other.value", "(u/v)' = (u'v - uv') / v^2"),
    Mutant("chain rule forgets the inner derivative", EX01,
           "_plain(np.cos(x.value)) * x.gradient)", "_plain(np.cos(x.value)))", "the chain rule"),
    Mutant("AutoDiff exponent ignores b' ln a", EX01,
           "power * (other.gradient * log_base + other.value * self.gradient / self.value)",
           "power * (other.value * self.gradient / self.value)", "(u^v)' = u^v (v' ln u + v u'/u)"),
    Mutant("log accepts non-positive values", EX01,
           "    if np.any(np.asarray(value) <= 0):\n        raise ValueError(f\"log is only defined",
           "    if False:\n        raise ValueError(f\"log is only defined", "expected a ValueError"),
    Mutant("gradient seeds every input at once", EX01,
           "inputs = [AutoDiff(p, 1.0 if j == i else 0.0) for j, p in enumerate(point)]",
           "inputs = [AutoDiff(p, 1.0) for j, p in enumerate(point)]", "seed that input with 1.0"),
    Mutant("jacobian transposed", EX01, "return [list(row) for row in zip(*columns)]",
           "return [list(column) for column in columns]", "rows are outputs, columns are inputs"),
    Mutant("derivative returns a numpy scalar", EX01, "return _read(f(AutoDiff(x, 1.0)))[1]",
           "return np.float64(_read(f(AutoDiff(x, 1.0)))[1])", "expected a Python float"),
]
