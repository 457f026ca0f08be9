"""Exercise 1: automatic differentiation, forward mode and then reverse.

Here you build, from nothing but arithmetic, a machine that differentiates
programs. The idea is the *dual number*: instead of computing with a value x
alone, compute with the pair (x, x'), the value and its derivative with respect
to one chosen input. Every elementary operation knows one rule of calculus (the
sum rule, the product rule, the chain rule for sin, ...), so if each operation
updates both halves of the pair, the derivative of a whole program comes out
exactly (not approximately, as with finite differences) at the end of a single
forward run. This is forward-mode autodiff. Its sibling, reverse mode, is
backpropagation: the algorithm PyTorch's autograd runs for you from exercise 3
on. You build it too, in Tasks 1.6 and 1.7, and see why deep learning trains
with it: forward mode needs one pass per input to find a gradient, reverse
mode one pass for all of them.

Work through the tasks in order; each function names its task in its docstring.

* Task 1.1 - duals as plain ``(value, derivative)`` tuples: ``add``, ``mul``,
  ``square``.
* Task 1.2 - the ``AutoDiff`` class, so that ordinary operators (``+ - * / **``,
  unary ``-`` and comparisons) carry derivatives along. ``__add__`` is given as
  a worked example; read it first.
* Task 1.3 - elementary functions ``sin cos exp log sqrt tanh`` and the chain
  rule.
* Task 1.4 - tools on top: ``derivative``, ``gradient``, ``jacobian``, ``jvp``.
* Task 1.5 - vectorised duals: value and gradient may be numpy arrays, and the
  same formulas then work element by element (``AutoDiff.sum`` and
  ``vectorised_derivative``).
* Task 1.6 - reverse mode: ``Node``, a scalar that records the computation
  graph (its parents and the local derivatives), ``topological_order`` and
  ``Node.backward``, which is backpropagation. ``Node.__add__`` is given as a
  worked example.
* Task 1.7 - ``reverse_gradient``: the whole gradient in one forward pass and
  one backward pass, where ``gradient`` (Task 1.4) needs one pass per input.

Domains: where the real result does not exist, raise ``ValueError``, never
return nan. That is log of u <= 0, sqrt of u < 0, a negative base to a
non-integer power (``x ** 0.5`` at x < 0, just as ``sqrt``), and a base <= 0
when the exponent is an AutoDiff (its derivative needs ln of the base). The
message says why: it names the function (log, sqrt) or the domain, and for a
power it says that the base is negative or must be positive. With arrays, one
element outside the domain is enough. Every operation in Tasks 1.2 and 1.3
must accept arrays (Task 1.5 relies on them), so check a domain with
``np.any(...)``: ``if value <= 0`` asks an array for a single truth value and
fails. Reverse mode's ``Node`` (Task 1.6) is simpler: it holds one Python float
and needs no domain checks (its inputs are assumed to stay inside every
function's domain).

Check your work with::

    pytest exercises/tests/test_ex01_forward_autodiff.py

Use only numpy and the standard library: the point is to see every rule.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, Sequence, Union

import numpy as np

Number = Union[int, float, np.number, np.ndarray]
Dual = tuple[float, float]


# -- Task 1.1: dual numbers as (value, derivative) tuples -----------------------------


def add(left: Dual, right: Dual) -> Dual:
    """Sum rule: (u + v)' = u' + v'.

    `left` and `right` are ``(value, derivative)`` pairs; return the pair for
    their sum. Task 1.1.
    """
    ### BEGIN SOLUTION
    return (left[0] + right[0], left[1] + right[1])
    ### END SOLUTION


def mul(left: Dual, right: Dual) -> Dual:
    """Product rule: (u v)' = u' v + u v'.

    `left` and `right` are ``(value, derivative)`` pairs; return the pair for
    their product. Task 1.1.
    """
    ### BEGIN SOLUTION
    (u, du), (v, dv) = left, right
    return (u * v, du * v + u * dv)
    ### END SOLUTION


def square(n: Dual) -> Dual:
    """Square: (u^2)' = 2 u u', a product of a dual with itself.

    `n` is a ``(value, derivative)`` pair; return the pair for its square.
    Task 1.1.
    """
    ### BEGIN SOLUTION
    return mul(n, n)
    ### END SOLUTION


# -- Given helpers ----------------------------------------------------------------------


def _is_plain(x: Any) -> bool:
    """True for the plain numbers we accept next to an AutoDiff: int, float, numpy scalar or array."""
    return isinstance(x, (numbers.Real, np.generic, np.ndarray))


def _plain(result: Any) -> Any:
    """A numpy result as the caller expects it: a python float for a scalar, else the array."""
    return float(result) if np.ndim(result) == 0 else result


def _lift(x: Any) -> AutoDiff:
    """Treat a plain number as a constant: it does not depend on the input, so its gradient is 0."""
    if isinstance(x, AutoDiff):
        return x
    if _is_plain(x):
        return AutoDiff(x, 0.0)
    raise TypeError(f"cannot combine AutoDiff with {type(x).__name__}")


def _value_of(x: Any) -> Any:
    """The value part of an AutoDiff, or a plain number itself (used by comparisons)."""
    return x.value if isinstance(x, AutoDiff) else x


# -- Task 1.2: the AutoDiff class -------------------------------------------------------


class AutoDiff:
    """A dual number: a value together with its derivative (gradient) w.r.t. one input.

    ``AutoDiff(3.0)`` is the input variable itself at 3.0 (its derivative with
    respect to itself is 1); ``AutoDiff(3.0, 0.0)`` is a constant. Every
    operation returns a new AutoDiff and leaves its operands untouched.
    """

    # Make numpy hand `array * AutoDiff` over to our reflected operators instead of
    # looping over the array itself.
    __array_ufunc__ = None

    def __init__(self, value: Number | Sequence[float], gradient: Number | Sequence[float] = 1.0) -> None:
        if isinstance(value, (list, tuple)):
            value = np.asarray(value, dtype=float)
        if isinstance(gradient, (list, tuple)):
            gradient = np.asarray(gradient, dtype=float)
        if isinstance(value, np.ndarray) and np.ndim(gradient) == 0:
            gradient = np.full(value.shape, float(gradient))
        self.value = value
        self.gradient = gradient

    def __add__(self, other: AutoDiff | Number) -> AutoDiff:
        """Sum rule: (u + v)' = u' + v'.

        `other` may be another AutoDiff or a plain number. A plain number c is a
        constant, so `_lift` turns it into ``AutoDiff(c, 0.0)``: its gradient is 0
        and adding it shifts the value but leaves the gradient alone. This method
        is given complete as the pattern for the others.
        """
        other = _lift(other)
        return AutoDiff(self.value + other.value, self.gradient + other.gradient)

    def __radd__(self, other: Number) -> AutoDiff:
        """``other + self`` where `other` is a plain number (Python calls this for ``3.0 + x``).

        Addition commutes, so the sum rule gives the same pair as ``self + other``.
        Task 1.2.
        """
        ### BEGIN SOLUTION
        return self + other
        ### END SOLUTION

    def __sub__(self, other: AutoDiff | Number) -> AutoDiff:
        """Difference rule: (u - v)' = u' - v'. Returns ``self - other``. Task 1.2."""
        ### BEGIN SOLUTION
        other = _lift(other)
        return AutoDiff(self.value - other.value, self.gradient - other.gradient)
        ### END SOLUTION

    def __rsub__(self, other: Number) -> AutoDiff:
        """``other - self`` for a plain number `other`: (c - v)' = -v'.

        Mind the order: this is ``other - self``, not ``self - other``. Task 1.2.
        """
        ### BEGIN SOLUTION
        return _lift(other) - self
        ### END SOLUTION

    def __mul__(self, other: AutoDiff | Number) -> AutoDiff:
        """Product rule: (u v)' = u' v + u v'. Returns ``self * other``. Task 1.2."""
        ### BEGIN SOLUTION
        other = _lift(other)
        return AutoDiff(self.value * other.value, self.gradient * other.value + self.value * other.gradient)
        ### END SOLUTION

    def __rmul__(self, other: Number) -> AutoDiff:
        """``other * self`` for a plain number: (c v)' = c v'. Task 1.2."""
        ### BEGIN SOLUTION
        return self * other
        ### END SOLUTION

    def __truediv__(self, other: AutoDiff | Number) -> AutoDiff:
        """Quotient rule: (u / v)' = u' / v - u v' / v^2 = (u' v - u v') / v^2.

        Returns ``self / other``. Task 1.2.
        """
        ### BEGIN SOLUTION
        other = _lift(other)
        quotient = self.value / other.value
        return AutoDiff(quotient, (self.gradient - quotient * other.gradient) / other.value)
        ### END SOLUTION

    def __rtruediv__(self, other: Number) -> AutoDiff:
        """``other / self`` for a plain number: (c / v)' = -c v' / v^2. Task 1.2."""
        ### BEGIN SOLUTION
        return _lift(other) / self
        ### END SOLUTION

    def __neg__(self) -> AutoDiff:
        """Negation: (-u)' = -u'. Task 1.2."""
        ### BEGIN SOLUTION
        return AutoDiff(-self.value, -self.gradient)
        ### END SOLUTION

    def __pow__(self, other: AutoDiff | Number) -> AutoDiff:
        """Powers, ``self ** other``.

        With a plain-number exponent n, the power rule (u^n)' = n u^(n-1) u'
        holds for every real base where u^n is defined: x**2 at x = -3 is fine,
        but a negative base to a non-integer power has no real value, so raise
        ValueError there (as `sqrt` does). u^0 is the constant 1. With an
        AutoDiff exponent both sides vary: (a^b)' = a^b (b' ln a + b a' / a),
        which needs ln a, so raise ValueError unless the base is positive.
        Values may be numpy arrays: then every element must pass the check.
        Task 1.2.
        """
        ### BEGIN SOLUTION
        if not isinstance(other, AutoDiff):
            if not _is_plain(other):
                return NotImplemented
            if np.any((np.asarray(self.value) < 0) & (np.mod(other, 1) != 0)):
                raise ValueError(f"a negative base has no real power {other} (not a whole number), "
                                 f"got base {self.value}")
            power = _plain(np.float_power(self.value, other))
            if np.all(np.asarray(other) == 0):
                return AutoDiff(power, 0.0 * self.gradient)
            slope = _plain(other * np.float_power(self.value, np.subtract(other, 1)))
            return AutoDiff(power, slope * self.gradient)
        if np.any(np.asarray(self.value) <= 0):
            raise ValueError(f"the base must be positive when the exponent is an AutoDiff "
                             f"(a^b needs ln a), got base {self.value}")
        power = _plain(np.float_power(self.value, other.value))
        log_base = _plain(np.log(self.value))
        return AutoDiff(power, power * (other.gradient * log_base + other.value * self.gradient / self.value))
        ### END SOLUTION

    def __rpow__(self, other: Number) -> AutoDiff:
        """``other ** self`` for a plain number base c: (c^b)' = c^b ln(c) b'.

        ln c only exists for c > 0, so raise ValueError for a non-positive base
        (for an array base, if any element is non-positive). Task 1.2.
        """
        ### BEGIN SOLUTION
        if np.any(np.asarray(other) <= 0):
            raise ValueError(f"the base must be positive for number ** AutoDiff (c^b needs ln c), got base {other}")
        return _lift(other) ** self
        ### END SOLUTION

    def __lt__(self, other: AutoDiff | Number) -> Any:
        """``self < other``, comparing values only; gradients play no part. Task 1.2."""
        ### BEGIN SOLUTION
        return self.value < _value_of(other)
        ### END SOLUTION

    def __le__(self, other: AutoDiff | Number) -> Any:
        """``self <= other``, comparing values only. Task 1.2."""
        ### BEGIN SOLUTION
        return self.value <= _value_of(other)
        ### END SOLUTION

    def __gt__(self, other: AutoDiff | Number) -> Any:
        """``self > other``, comparing values only. Task 1.2."""
        ### BEGIN SOLUTION
        return self.value > _value_of(other)
        ### END SOLUTION

    def __ge__(self, other: AutoDiff | Number) -> Any:
        """``self >= other``, comparing values only. Task 1.2."""
        ### BEGIN SOLUTION
        return self.value >= _value_of(other)
        ### END SOLUTION

    def __repr__(self) -> str:
        """The text ``AutoDiff(value=..., gradient=...)``, each number as Python prints it.

        Show both numbers in full, the way ``repr`` or ``str`` shows a float
        (``AutoDiff(1 / 3, 0.5)`` shows 0.3333333333333333 and 0.5): a rounded
        form such as ``:.2f`` hides the digits you debug with.
        ``rosenbrock(AutoDiff(2.0))`` reads ``AutoDiff(value=901.0, gradient=2402.0)``.
        Task 1.2.
        """
        ### BEGIN SOLUTION
        return f"AutoDiff(value={self.value}, gradient={self.gradient})"
        ### END SOLUTION

    def sum(self) -> AutoDiff:
        """Sum of the elements of a vectorised dual: (sum u_i)' = sum u_i'.

        Returns a scalar AutoDiff whose value is the sum of the values and whose
        gradient is the sum of the gradients. Task 1.5.
        """
        ### BEGIN SOLUTION
        return AutoDiff(_plain(np.sum(self.value)), _plain(np.sum(self.gradient)))
        ### END SOLUTION


def rosenbrock(x: Any, y: Any = 1.0, a: float = 1.0, b: float = 100.0) -> Any:
    """The Rosenbrock function (a - x)^2 + b (y - x^2)^2, a classic optimisation test.

    Written with ordinary operators only, so it works on plain numbers and on
    AutoDiff alike; ``rosenbrock(AutoDiff(2.0))`` has value 901 and gradient 2402.
    """
    return (a - x) ** 2 + b * (y - x**2) ** 2


# -- Task 1.3: elementary functions and the chain rule ----------------------------------


def sin(x: AutoDiff | Number) -> AutoDiff | Number:
    """Chain rule for sine: (sin u)' = cos(u) u'.

    An AutoDiff gives an AutoDiff; a plain number or array gives the plain
    result (a python float for a python number). A ``Node`` (reverse mode, the
    last part of this exercise) is handed to its own method by the given first
    lines, here and in the five functions below. Task 1.3.
    """
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.sin()
    ### BEGIN SOLUTION
    if isinstance(x, AutoDiff):
        return AutoDiff(_plain(np.sin(x.value)), _plain(np.cos(x.value)) * x.gradient)
    return _plain(np.sin(x))
    ### END SOLUTION


def cos(x: AutoDiff | Number) -> AutoDiff | Number:
    """Chain rule for cosine: (cos u)' = -sin(u) u'. Plain input, plain output. Task 1.3."""
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.cos()
    ### BEGIN SOLUTION
    if isinstance(x, AutoDiff):
        return AutoDiff(_plain(np.cos(x.value)), -_plain(np.sin(x.value)) * x.gradient)
    return _plain(np.cos(x))
    ### END SOLUTION


def exp(x: AutoDiff | Number) -> AutoDiff | Number:
    """Chain rule for the exponential: (e^u)' = e^u u'. Plain input, plain output. Task 1.3."""
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.exp()
    ### BEGIN SOLUTION
    if isinstance(x, AutoDiff):
        value = _plain(np.exp(x.value))
        return AutoDiff(value, value * x.gradient)
    return _plain(np.exp(x))
    ### END SOLUTION


def log(x: AutoDiff | Number) -> AutoDiff | Number:
    """Chain rule for the natural logarithm: (ln u)' = u' / u.

    ln u is only defined for u > 0: raise ValueError otherwise (for an array,
    if any element is out of the domain). Plain input, plain output. Task 1.3.
    """
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.log()
    ### BEGIN SOLUTION
    value = _value_of(x)
    if np.any(np.asarray(value) <= 0):
        raise ValueError(f"log is only defined for positive values, got {value}")
    if isinstance(x, AutoDiff):
        return AutoDiff(_plain(np.log(value)), x.gradient / value)
    return _plain(np.log(value))
    ### END SOLUTION


def sqrt(x: AutoDiff | Number) -> AutoDiff | Number:
    """Chain rule for the square root: (sqrt u)' = u' / (2 sqrt u).

    sqrt u is only defined for u >= 0: raise ValueError for a negative value
    (for an array, if any element is negative). At u = 0 the slope is infinite.
    Plain input, plain output. Task 1.3.
    """
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.sqrt()
    ### BEGIN SOLUTION
    value = _value_of(x)
    if np.any(np.asarray(value) < 0):
        raise ValueError(f"sqrt is only defined for non-negative values, got {value}")
    root = np.sqrt(value)
    if isinstance(x, AutoDiff):
        with np.errstate(divide="ignore"):
            return AutoDiff(_plain(root), _plain(0.5 / root) * x.gradient)
    return _plain(root)
    ### END SOLUTION


def tanh(x: AutoDiff | Number) -> AutoDiff | Number:
    """Chain rule for the hyperbolic tangent: (tanh u)' = (1 - tanh(u)^2) u'.

    Plain input, plain output. Task 1.3.
    """
    if isinstance(x, Node):  # reverse mode (Task 1.6): the Node records its own rule
        return x.tanh()
    ### BEGIN SOLUTION
    if isinstance(x, AutoDiff):
        value = _plain(np.tanh(x.value))
        return AutoDiff(value, (1.0 - value * value) * x.gradient)
    return _plain(np.tanh(x))
    ### END SOLUTION


# -- Task 1.4: derivatives, gradients, Jacobians and JVPs -------------------------------


def _read(output: Any) -> tuple[float, float]:
    """(value, tangent) of one output of f as python floats; a plain number is a constant (tangent 0)."""
    if isinstance(output, AutoDiff):
        return float(output.value), float(output.gradient)
    return float(output), 0.0


def derivative(f: Callable[[AutoDiff], Any], x: float) -> float:
    """The derivative f'(x) of a function of one scalar, in one forward pass.

    Seed the input with gradient 1.0 (dx/dx = 1), run f, and read the output's
    gradient. If f returns a plain number it did not depend on x: return 0.0.
    Task 1.4.
    """
    ### BEGIN SOLUTION
    return _read(f(AutoDiff(x, 1.0)))[1]
    ### END SOLUTION


def gradient(f: Callable[..., Any], point: Sequence[float]) -> list[float]:
    """The gradient [df/dx_0, ..., df/dx_{n-1}] of a scalar function of n scalars.

    f takes ``len(point)`` positional arguments. Forward mode finds one partial
    derivative per pass: for input i, seed gradient 1.0 on x_i and 0.0 on all the
    others (one tangent at a time), run f, and read the output's gradient. So
    f is called exactly ``len(point)`` times, once per input, and never once
    more (n passes for n inputs is the cost of forward mode). A plain-number
    output has partial derivative 0.0. Returns a list of Python floats.
    Task 1.4.
    """
    ### BEGIN SOLUTION
    partials = []
    for i in range(len(point)):
        inputs = [AutoDiff(p, 1.0 if j == i else 0.0) for j, p in enumerate(point)]
        partials.append(_read(f(*inputs))[1])
    return partials
    ### END SOLUTION


def jacobian(f: Callable[..., Sequence[Any]], point: Sequence[float]) -> list[list[float]]:
    """The Jacobian J[i][j] = d out_i / d x_j of a function returning several outputs.

    f takes ``len(point)`` positional scalars and returns a sequence of outputs.
    Seeding input j alone gives, in one pass, the whole column j (the derivatives
    of every output with respect to x_j); build the matrix column by column and
    return it as a list of rows. Task 1.4.
    """
    ### BEGIN SOLUTION
    columns = []
    for j in range(len(point)):
        inputs = [AutoDiff(p, 1.0 if k == j else 0.0) for k, p in enumerate(point)]
        columns.append([_read(out)[1] for out in f(*inputs)])
    if not columns:
        return [[] for _ in f()]
    return [list(row) for row in zip(*columns, strict=True)]
    ### END SOLUTION


def jvp(f: Callable[..., Any], primals: Sequence[float], tangents: Sequence[float]) -> tuple[Any, Any]:
    """Jacobian-vector product: the outputs of f and J @ tangents, in one pass.

    Like ``torch.func.jvp``: f takes ``len(primals)`` positional arguments; seed
    input i with value primals[i] and gradient tangents[i]. The output gradients
    are then sum_j (d out / d x_j) tangents[j], the directional derivative. If f
    returns one value, return ``(value, tangent)`` as floats; if it returns a
    tuple or list, return ``(values, tangents_out)`` as tuples of floats.
    Task 1.4.
    """
    ### BEGIN SOLUTION
    if len(primals) != len(tangents):
        raise ValueError(f"need one tangent per primal, got {len(primals)} primals and {len(tangents)} tangents")
    outputs = f(*[AutoDiff(p, t) for p, t in zip(primals, tangents, strict=True)])
    if isinstance(outputs, (tuple, list)):
        pairs = [_read(out) for out in outputs]
        return tuple(v for v, _ in pairs), tuple(t for _, t in pairs)
    return _read(outputs)
    ### END SOLUTION


# -- Task 1.5: vectorised duals -----------------------------------------------------------


def vectorised_derivative(f: Callable[[AutoDiff], Any], xs: Sequence[float] | np.ndarray) -> np.ndarray:
    """f'(x) at every point of `xs` in ONE forward pass, for an elementwise f.

    When f acts element by element, output i depends on input i only, so seeding
    the whole array with gradient ones gives every f'(x_i) at once. A constant
    output has derivative 0 everywhere. Returns a float array shaped like `xs`.
    Task 1.5.
    """
    ### BEGIN SOLUTION
    xs = np.asarray(xs, dtype=float)
    output = f(AutoDiff(xs, np.ones_like(xs)))
    slopes = output.gradient if isinstance(output, AutoDiff) else 0.0
    return np.zeros_like(xs) + slopes
    ### END SOLUTION


# -- Task 1.6: reverse mode (backpropagation) ---------------------------------------------


def _as_node(x: Any) -> Node:
    """Treat a plain number as a constant: a leaf Node with no parents (nothing reads its grad)."""
    if isinstance(x, Node):
        return x
    if isinstance(x, (numbers.Real, np.generic)):
        return Node(x)
    raise TypeError(f"cannot combine Node with {type(x).__name__}")


class Node:
    """A scalar in a computation graph, for reverse-mode autodiff (backpropagation).

    Forward mode pushes a derivative along with every value. Reverse mode
    instead *records* the computation and differentiates it afterwards, from
    the output back. Each Node keeps its ``value``; the ``parents`` it was
    computed from; its ``local_derivatives``, the partial derivative
    d(self)/d(parent) for each parent, in the same order, worked out from the
    values when the node is made; and ``grad``, d(output)/d(self), which
    ``output.backward()`` fills in (0.0 until then). ``Node(3.0)`` is an input:
    a leaf, with no parents.

    Every operation returns a new Node and leaves its operands untouched. Its
    parents are its operands, ``self`` first: ``x * y`` at x = 2, y = 3 has
    value 6.0, parents ``(x, y)`` and local derivatives ``(3.0, 2.0)``, since
    d(xy)/dx = y and d(xy)/dy = x. A node used twice is a parent twice:
    ``x * x`` has parents ``(x, x)``. A one-operand operation (``-x``,
    ``x ** 3``, ``sin(x)``) has the one parent ``(x,)``. A plain number is a
    constant: lift it to a leaf Node with ``_as_node``, as ``__add__`` does.

    A Node holds one Python float, no arrays, and needs no domain checks: its
    inputs are assumed to stay inside every function's domain.
    """

    # Make numpy hand `np.float64(2.0) * node` over to our reflected operators.
    __array_ufunc__ = None

    def __init__(self, value: float, parents: Sequence[Node] = (), local_derivatives: Sequence[float] = ()) -> None:
        self.value = float(value)
        self.parents = tuple(parents)
        self.local_derivatives = tuple(float(slope) for slope in local_derivatives)
        self.grad = 0.0

    def __repr__(self) -> str:
        return f"Node(value={self.value}, grad={self.grad})"

    def __add__(self, other: Node | float) -> Node:
        """u + v, whose local derivatives are d(u + v)/du = 1 and d(u + v)/dv = 1.

        Given complete as the pattern for the others: lift a plain number, work
        out the value, and record the parents with their local derivatives. No
        gradient moves yet; that is ``backward``'s job.
        """
        other = _as_node(other)
        return Node(self.value + other.value, (self, other), (1.0, 1.0))

    def __radd__(self, other: float) -> Node:
        """``other + self`` for a plain number `other`. Task 1.6."""
        ### BEGIN SOLUTION
        return self + other
        ### END SOLUTION

    def __sub__(self, other: Node | float) -> Node:
        """u - v: local derivatives 1 (for u) and -1 (for v). Task 1.6."""
        ### BEGIN SOLUTION
        other = _as_node(other)
        return Node(self.value - other.value, (self, other), (1.0, -1.0))
        ### END SOLUTION

    def __rsub__(self, other: float) -> Node:
        """``other - self`` for a plain number `other` (mind the order). Task 1.6."""
        ### BEGIN SOLUTION
        return _as_node(other) - self
        ### END SOLUTION

    def __mul__(self, other: Node | float) -> Node:
        """u v: local derivatives v (for u) and u (for v), each the other factor. Task 1.6."""
        ### BEGIN SOLUTION
        other = _as_node(other)
        return Node(self.value * other.value, (self, other), (other.value, self.value))
        ### END SOLUTION

    def __rmul__(self, other: float) -> Node:
        """``other * self`` for a plain number `other`. Task 1.6."""
        ### BEGIN SOLUTION
        return self * other
        ### END SOLUTION

    def __truediv__(self, other: Node | float) -> Node:
        """u / v: local derivatives 1 / v (for u) and -u / v^2 (for v). Task 1.6."""
        ### BEGIN SOLUTION
        other = _as_node(other)
        quotient = self.value / other.value
        return Node(quotient, (self, other), (1.0 / other.value, -quotient / other.value))
        ### END SOLUTION

    def __rtruediv__(self, other: float) -> Node:
        """``other / self`` for a plain number `other`. Task 1.6."""
        ### BEGIN SOLUTION
        return _as_node(other) / self
        ### END SOLUTION

    def __neg__(self) -> Node:
        """-u: local derivative -1. Task 1.6."""
        ### BEGIN SOLUTION
        return Node(-self.value, (self,), (-1.0,))
        ### END SOLUTION

    def __pow__(self, exponent: float) -> Node:
        """u ** n for a plain number n: local derivative n u^(n-1) (the power rule).

        The exponent is always a plain number here (a negative base only with a
        whole exponent). Task 1.6.
        """
        ### BEGIN SOLUTION
        return Node(self.value**exponent, (self,), (exponent * self.value ** (exponent - 1),))
        ### END SOLUTION

    def sin(self) -> Node:
        """sin u: local derivative cos u. ``sin(x)`` calls this for a Node x. Task 1.6."""
        ### BEGIN SOLUTION
        return Node(np.sin(self.value), (self,), (np.cos(self.value),))
        ### END SOLUTION

    def cos(self) -> Node:
        """cos u: local derivative -sin u. Task 1.6."""
        ### BEGIN SOLUTION
        return Node(np.cos(self.value), (self,), (-np.sin(self.value),))
        ### END SOLUTION

    def exp(self) -> Node:
        """e^u: local derivative e^u. Task 1.6."""
        ### BEGIN SOLUTION
        value = np.exp(self.value)
        return Node(value, (self,), (value,))
        ### END SOLUTION

    def log(self) -> Node:
        """ln u: local derivative 1 / u. Task 1.6."""
        ### BEGIN SOLUTION
        return Node(np.log(self.value), (self,), (1.0 / self.value,))
        ### END SOLUTION

    def sqrt(self) -> Node:
        """sqrt u: local derivative 1 / (2 sqrt u). Task 1.6."""
        ### BEGIN SOLUTION
        root = np.sqrt(self.value)
        return Node(root, (self,), (0.5 / root,))
        ### END SOLUTION

    def tanh(self) -> Node:
        """tanh u: local derivative 1 - tanh(u)^2. Task 1.6."""
        ### BEGIN SOLUTION
        value = np.tanh(self.value)
        return Node(value, (self,), (1.0 - value * value,))
        ### END SOLUTION

    def backward(self) -> None:
        """Backpropagation: set ``node.grad`` = d(self)/d(node) for every node that self depends on.

        First seed ``self.grad = 1.0``, since d(self)/d(self) = 1. Then walk
        ``topological_order(self)`` backwards, from self to the inputs. A node's
        users all come after it in that order, so when the walk reaches a node,
        every user has already added its share and the node's grad is complete;
        the node then passes it on to each parent by the chain rule,

            parent's grad += (the local derivative for that parent) * node's grad.

        Add, never overwrite: a node used twice (x in ``x * x``, or in
        ``x * y + x``) gets one share from each use, and its grad is their sum.

        Worked example, f = m + x with m = x * y, at x = 2, y = 3: the order
        [x, y, m, f] walked backwards starts with f.grad = 1; f passes 1 * 1 to m
        and 1 * 1 to x; m passes y * 1 = 3 to x and x * 1 = 2 to y. So x.grad =
        1 + 3 = 4 (df/dx = y + 1) and y.grad = 2 (df/dy = x).

        Call it once on a freshly built graph (every grad 0.0): like torch's
        ``backward()``, a second call adds the gradients again. Task 1.6.
        """
        ### BEGIN SOLUTION
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            for parent, local in zip(node.parents, node.local_derivatives, strict=True):
                parent.grad += local * node.grad
        ### END SOLUTION


def topological_order(output: Node) -> list[Node]:
    """Every node that `output` depends on, `output` and constant leaves included, each once, parents first.

    Visit depth first: a node's parents before the node itself, appending the
    node to the list once they are all in, and skipping a node you have seen
    already (compare nodes by identity, ``is`` or ``id``: a node used twice
    is listed once). `output` comes last. For f = m + x with m = x * y, both
    [x, y, m, f] and [y, x, m, f] are right; [x, m, y, f] is not (m before its
    parent y), and neither is [f, m, x, y] (the wrong way round). A recursive
    helper is fine for these graphs (a few hundred nodes deep). Task 1.6.
    """
    ### BEGIN SOLUTION
    order: list[Node] = []
    seen: set[int] = set()

    def visit(node: Node) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(output)
    return order
    ### END SOLUTION


# -- Task 1.7: one backward pass for the whole gradient -----------------------------------


def reverse_gradient(f: Callable[..., Any], point: Sequence[float]) -> list[float]:
    """The gradient [df/dx_0, ..., df/dx_{n-1}] by reverse mode: one call of f, one backward pass.

    Make an input ``Node`` for each number of `point`, call f on them once,
    call ``backward()`` once on its output and read every input's ``grad``. f
    takes ``len(point)`` positional arguments; written with operators and
    ``sin cos exp log sqrt tanh``, the same f runs on AutoDiff and on Node, so
    the list is the one forward mode's ``gradient(f, point)`` gives.

    The cost is what differs. Forward mode finds one partial derivative per
    pass, so n inputs cost n runs of f; reverse mode runs f once, whatever n
    is, and one backward pass that visits each node once more. A neural
    network has millions of inputs (its weights) and one output (the loss),
    which is why it trains by backpropagation.

    Example: f(x, y) = x * y + x at [2.0, 3.0] gives [4.0, 2.0] from one call
    of f. If f returns a plain number it did not depend on its inputs: every
    partial is 0.0; an input f never uses keeps grad 0.0. Returns a list of
    floats. Task 1.7.
    """
    ### BEGIN SOLUTION
    inputs = [Node(p) for p in point]
    output = f(*inputs)
    if not isinstance(output, Node):  # f ignored its inputs: a constant
        return [0.0 for _ in inputs]
    output.backward()
    return [x.grad for x in inputs]
    ### END SOLUTION


if __name__ == "__main__":
    # Try it, once the tasks work: on the left (1.2, 1.3, 1.5) a function and its exact derivative next to
    # finite differences; on the right (1.4, 1.6, 1.7) what one gradient costs in forward and in reverse mode.
    import argparse
    import os
    import time

    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="Plot f and f' by AutoDiff, and what a gradient costs in each mode")
    parser.add_argument("--save", metavar="PATH", help="save the picture to PATH (a .png) instead of showing it")
    args, _ = parser.parse_known_args()  # known ones only: a notebook's kernel passes arguments of its own

    def f(x):  # any program made of AutoDiff's operations
        return sin(x) * exp(-x / 3)

    def chain(*xs):  # a function of n inputs, about 4 operations per input
        return sum(sin(a) * b for a, b in zip(xs, xs[1:] + xs[:1], strict=True))

    def seconds(find_gradient, point):  # the best of three runs, against the machine's noise
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            find_gradient(chain, point)
            best = min(best, time.perf_counter() - start)
        return best

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    xs = np.linspace(0.0, 10.0, 200)
    central = (f(AutoDiff(xs + 1e-4)).value - f(AutoDiff(xs - 1e-4)).value) / 2e-4
    left.plot(xs, f(AutoDiff(xs)).value, label="f(x) = sin(x) exp(-x/3)")
    left.plot(xs, vectorised_derivative(f, xs), label="f'(x) by AutoDiff, exact, one pass")
    left.plot(xs[::8], central[::8], "k.", label="f'(x) by central differences")
    left.set_xlabel("x")
    left.legend()

    sizes = list(range(2, 61, 6))
    points = [np.random.default_rng(n).uniform(-1.0, 1.0, size=n).tolist() for n in sizes]
    right.plot(sizes, [1e3 * seconds(gradient, point) for point in points], "o-",
               label="forward mode, gradient: n passes")
    right.plot(sizes, [1e3 * seconds(reverse_gradient, point) for point in points], "o-",
               label="reverse mode, reverse_gradient: 1 pass + backward")
    right.set_title("one gradient of f(x_1, ..., x_n) = sum of sin(x_i) x_(i+1)")
    right.set_xlabel("n, the number of inputs")
    right.set_ylabel("milliseconds")
    right.legend(loc="upper left")
    if args.save or plt.get_backend().lower() == "agg":  # Agg: matplotlib found no display
        plt.savefig(args.save or "tryit_ex01.png", dpi=120, bbox_inches="tight")
        print("saved the picture to", os.path.abspath(args.save or "tryit_ex01.png"))
    else:
        plt.show()
