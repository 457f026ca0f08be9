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
    # comparisons
    Mutant("<= compares strictly", EX01, "return self.value <= _value_of(other)",
           "return self.value < _value_of(other)", "the values are equal here"),
    Mutant("< compares the gradients", EX01, "return self.value < _value_of(other)",
           "return self.gradient < _lift(other).gradient", "the gradients play no part"),
    Mutant("repr rounds to two decimals", EX01, 'return f"AutoDiff(value={self.value}, gradient={self.gradient})"',
           'return f"AutoDiff(value={self.value:.2f}, gradient={self.gradient:.2f})"', "hides digits"),
    # powers: domains and arrays
    Mutant("negative base to a fractional power gives nan", EX01,
           "if np.any((np.asarray(self.value) < 0) & (np.mod(other, 1) != 0)):",
           "if False:", "has no real value (as with sqrt)"),
    Mutant("AutoDiff-exponent domain check asks an array for one truth value", EX01,
           "if np.any(np.asarray(self.value) <= 0):\n            raise ValueError(f\"the base must be positive",
           "if self.value <= 0:\n            raise ValueError(f\"the base must be positive", "np.any(...)"),
    # derivatives of the elementary functions
    Mutant("tanh derivative with a plus", EX01, "(1.0 - value * value) * x.gradient",
           "(1.0 + value * value) * x.gradient", "(tanh u)' = (1 - tanh(u)^2) u'"),
    Mutant("sqrt derivative without the 1/2", EX01, "_plain(0.5 / root) * x.gradient",
           "_plain(1.0 / root) * x.gradient", "(sqrt u)' = u' / (2 sqrt u)"),
    Mutant("log derivative multiplies by u", EX01, "return AutoDiff(_plain(np.log(value)), x.gradient / value)",
           "return AutoDiff(_plain(np.log(value)), x.gradient * value)", "(ln u)' = u' / u"),
    # tools on top
    Mutant("gradient calls f once more to look at its output", EX01, "    partials = []\n",
           "    partials = []\n    _read(f(*point))\n", "exactly four passes"),
    Mutant("jvp ignores the tangents", EX01, "outputs = f(*[AutoDiff(p, t) for p, t in zip(primals, tangents)])",
           "outputs = f(*[AutoDiff(p, 1.0) for p, t in zip(primals, tangents)])", "seed every input with its tangent"),
    Mutant("vectorised derivative of a constant is a plain 0.0", EX01, "    return np.zeros_like(xs) + slopes\n",
           "    return np.zeros_like(xs) + slopes if isinstance(output, AutoDiff) else 0.0\n",
           "an array of zeros shaped like xs"),
]
