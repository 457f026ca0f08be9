"""Exercise 1 as a strong student writes it from the skeleton's docstrings and public tests alone.

Written before reading the reference solution or the hidden tests, to check
that the contract a student reads is the contract the grader checks; changes
to the contract since then were made from the new docstrings alone. Where the
skeleton leaves a choice open, this file takes another reasonable one: one
chain-rule helper for the elementary functions, the power rule written out
(u^0 as a special case), an f-string repr, explicit loops in gradient and
jacobian; for reverse mode (added later, from the new docstrings alone), a
helper for the one-parent operations, an explicit stack instead of recursion
in topological_order, and a constant output caught by asking for `backward`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence, Union

import numpy as np

Number = Union[int, float, np.number, np.ndarray]
Dual = tuple[float, float]


def add(left: Dual, right: Dual) -> Dual:
    (u, du), (v, dv) = left, right
    return (u + v, du + dv)


def mul(left: Dual, right: Dual) -> Dual:
    (u, du), (v, dv) = left, right
    return (u * v, du * v + u * dv)


def square(n: Dual) -> Dual:
    return mul(n, n)


def _is_plain(x: Any) -> bool:
    return isinstance(x, (numbers.Real, np.generic, np.ndarray))


def _plain(result: Any) -> Any:
    return float(result) if np.ndim(result) == 0 else result


def _lift(x: Any) -> AutoDiff:
    if isinstance(x, AutoDiff):
        return x
    if _is_plain(x):
        return AutoDiff(x, 0.0)
    raise TypeError(f"cannot combine AutoDiff with {type(x).__name__}")


def _value_of(x: Any) -> Any:
    return x.value if isinstance(x, AutoDiff) else x


class AutoDiff:
    __array_ufunc__ = None

    def __init__(self, value, gradient=1.0) -> None:
        if isinstance(value, (list, tuple)):
            value = np.asarray(value, dtype=float)
        if isinstance(gradient, (list, tuple)):
            gradient = np.asarray(gradient, dtype=float)
        if isinstance(value, np.ndarray) and np.ndim(gradient) == 0:
            gradient = np.full(value.shape, float(gradient))
        self.value = value
        self.gradient = gradient

    def __add__(self, other):
        other = _lift(other)
        return AutoDiff(self.value + other.value, self.gradient + other.gradient)

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        other = _lift(other)
        return AutoDiff(self.value - other.value, self.gradient - other.gradient)

    def __rsub__(self, other):
        return _lift(other) - self

    def __mul__(self, other):
        other = _lift(other)
        return AutoDiff(self.value * other.value, self.gradient * other.value + self.value * other.gradient)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        other = _lift(other)
        value = self.value / other.value
        grad = (self.gradient * other.value - self.value * other.gradient) / other.value ** 2
        return AutoDiff(value, grad)

    def __rtruediv__(self, other):
        return _lift(other) / self

    def __neg__(self):
        return AutoDiff(-self.value, -self.gradient)

    def __pow__(self, other):
        if isinstance(other, AutoDiff):
            if np.any(np.asarray(self.value) <= 0):
                raise ValueError("a ** b with a varying exponent needs a positive base (ln a)")
            value = self.value ** other.value
            grad = value * (other.gradient * np.log(self.value) + other.value * self.gradient / self.value)
            return AutoDiff(value, grad)
        n = other
        if np.any(np.asarray(self.value) < 0) and not float(n).is_integer():
            raise ValueError(f"a negative base has no real power {n}")
        if n == 0:
            return AutoDiff(np.ones_like(self.value, dtype=float) if isinstance(self.value, np.ndarray) else 1.0,
                            0.0)
        return AutoDiff(self.value ** n, n * self.value ** (n - 1) * self.gradient)

    def __rpow__(self, other):
        if np.any(np.asarray(other) <= 0):
            raise ValueError("c ** x needs a positive base c, since its derivative uses ln c")
        value = other ** self.value
        return AutoDiff(value, value * np.log(other) * self.gradient)

    def __lt__(self, other):
        return self.value < _value_of(other)

    def __le__(self, other):
        return self.value <= _value_of(other)

    def __gt__(self, other):
        return self.value > _value_of(other)

    def __ge__(self, other):
        return self.value >= _value_of(other)

    def __repr__(self) -> str:
        return f"AutoDiff(value={self.value}, gradient={self.gradient})"

    def sum(self):
        return AutoDiff(float(np.sum(self.value)), float(np.sum(self.gradient)))


def rosenbrock(x: Any, y: Any = 1.0, a: float = 1.0, b: float = 100.0) -> Any:
    return (a - x) ** 2 + b * (y - x**2) ** 2


def _apply(x, value_fn, slope_fn):
    """Chain rule: f(u)' = f'(u) u'; a plain input gives a plain output."""
    if isinstance(x, AutoDiff):
        return AutoDiff(value_fn(x.value), slope_fn(x.value) * x.gradient)
    return _plain(value_fn(x))


def sin(x):
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.sin()
    return _apply(x, np.sin, np.cos)


def cos(x):
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.cos()
    return _apply(x, np.cos, lambda u: -np.sin(u))


def exp(x):
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.exp()
    return _apply(x, np.exp, np.exp)


def log(x):
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.log()
    if np.any(np.asarray(_value_of(x)) <= 0):
        raise ValueError("log is only defined for positive values")
    return _apply(x, np.log, lambda u: 1.0 / u)


def sqrt(x):
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.sqrt()
    if np.any(np.asarray(_value_of(x)) < 0):
        raise ValueError("sqrt is not defined for negative values")
    with np.errstate(divide="ignore"):
        return _apply(x, np.sqrt, lambda u: 1.0 / (2.0 * np.sqrt(u)))


def tanh(x):
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.tanh()
    return _apply(x, np.tanh, lambda u: 1.0 - np.tanh(u) ** 2)


def derivative(f, x):
    out = f(AutoDiff(float(x), 1.0))
    if isinstance(out, AutoDiff):
        return float(out.gradient)
    return 0.0


def gradient(f, point):
    grads = []
    for i in range(len(point)):
        args = [AutoDiff(float(p), 1.0 if j == i else 0.0) for j, p in enumerate(point)]
        out = f(*args)
        grads.append(float(out.gradient) if isinstance(out, AutoDiff) else 0.0)
    return grads


def jacobian(f, point):
    columns = []
    for j in range(len(point)):
        args = [AutoDiff(float(p), 1.0 if k == j else 0.0) for k, p in enumerate(point)]
        outs = f(*args)
        columns.append([float(o.gradient) if isinstance(o, AutoDiff) else 0.0 for o in outs])
    return [list(row) for row in zip(*columns, strict=True)]


def jvp(f, primals, tangents):
    args = [AutoDiff(float(p), float(t)) for p, t in zip(primals, tangents, strict=True)]
    out = f(*args)

    def read(o):
        if isinstance(o, AutoDiff):
            return float(o.value), float(o.gradient)
        return float(o), 0.0

    if isinstance(out, (tuple, list)):
        pairs = [read(o) for o in out]
        return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
    return read(out)


def vectorised_derivative(f, xs):
    xs = np.asarray(xs, dtype=float)
    out = f(AutoDiff(xs, np.ones_like(xs)))
    if not isinstance(out, AutoDiff):
        return np.zeros_like(xs)
    return np.broadcast_to(np.asarray(out.gradient, dtype=float), xs.shape).copy()


# -- reverse mode --------------------------------------------------------------------------


def _as_node(x: Any) -> Node:
    if isinstance(x, Node):
        return x
    if isinstance(x, (numbers.Real, np.generic)):
        return Node(x)
    raise TypeError(f"cannot combine Node with {type(x).__name__}")


class Node:
    __array_ufunc__ = None

    def __init__(self, value: float, parents: Sequence[Node] = (), local_derivatives: Sequence[float] = ()) -> None:
        self.value = float(value)
        self.parents = tuple(parents)
        self.local_derivatives = tuple(float(slope) for slope in local_derivatives)
        self.grad = 0.0

    def __repr__(self) -> str:
        return f"Node(value={self.value}, grad={self.grad})"

    def __add__(self, other):
        other = _as_node(other)
        return Node(self.value + other.value, (self, other), (1.0, 1.0))

    def __radd__(self, other):
        return _as_node(other) + self

    def __sub__(self, other):
        other = _as_node(other)
        return Node(self.value - other.value, [self, other], [1.0, -1.0])

    def __rsub__(self, other):
        return _as_node(other) - self

    def __mul__(self, other):
        other = _as_node(other)
        return Node(self.value * other.value, [self, other], [other.value, self.value])

    def __rmul__(self, other):
        return _as_node(other) * self

    def __truediv__(self, other):
        other = _as_node(other)
        u, v = self.value, other.value
        return Node(u / v, [self, other], [1 / v, -u / v**2])

    def __rtruediv__(self, other):
        return _as_node(other) / self

    def _one_parent(self, value, slope):
        return Node(value, [self], [slope])

    def __neg__(self):
        return self._one_parent(-self.value, -1.0)

    def __pow__(self, n):
        return self._one_parent(self.value**n, n * self.value ** (n - 1))

    def sin(self):
        return self._one_parent(math.sin(self.value), math.cos(self.value))

    def cos(self):
        return self._one_parent(math.cos(self.value), -math.sin(self.value))

    def exp(self):
        return self._one_parent(math.exp(self.value), math.exp(self.value))

    def log(self):
        return self._one_parent(math.log(self.value), 1 / self.value)

    def sqrt(self):
        return self._one_parent(math.sqrt(self.value), 1 / (2 * math.sqrt(self.value)))

    def tanh(self):
        t = math.tanh(self.value)
        return self._one_parent(t, 1 - t**2)

    def backward(self):
        self.grad = 1.0
        for node in topological_order(self)[::-1]:
            for parent, slope in zip(node.parents, node.local_derivatives, strict=True):
                parent.grad += slope * node.grad


def topological_order(output):
    order, done, stack = [], set(), [(output, False)]
    while stack:
        node, parents_listed = stack.pop()
        if parents_listed:
            order.append(node)
            continue
        if id(node) in done:
            continue
        done.add(id(node))
        stack.append((node, True))
        for parent in reversed(node.parents):
            if id(parent) not in done:
                stack.append((parent, False))
    return order


def reverse_gradient(f, point):
    inputs = [Node(float(p)) for p in point]
    out = f(*inputs)
    if not hasattr(out, "backward"):
        return [0.0] * len(inputs)
    out.backward()
    return [float(node.grad) for node in inputs]
