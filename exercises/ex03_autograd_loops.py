"""Exercise 3: PyTorch autograd loops.

In exercises 1 and 2 you produced every derivative yourself, first with dual
numbers and then with pen and paper. From now on PyTorch's autograd does the
calculus. The recipe has three moves:

1. create the tensors you want derivatives for with ``requires_grad=True``
   (they are the *leaves* of the computation graph);
2. compute with them as usual: every operation records how to differentiate
   itself, so the result carries a ``grad_fn``;
3. call ``backward()`` on a scalar result, and read each leaf's derivative
   from its ``.grad``.

The calculus is done for you; the loop around it is not, and that loop has
three traps that catch everyone once:

* ``backward()`` *adds* into ``.grad``, it never overwrites it. Zero the
  gradient after each update (``x.grad.zero_()``, or ``x.grad = None``), or
  every step follows the sum of all the gradients seen so far.
* The update must not be recorded in the graph. Write it inside
  ``with torch.no_grad():`` as an in-place ``x -= lr * x.grad``. Outside that
  block torch refuses the in-place update of a leaf, and the out-of-place
  ``x = x - lr * x.grad`` silently turns x into a non-leaf whose graph
  reaches back through every step so far (and whose ``.grad`` stays None).
* Hand back data, not graphs: ``x.detach()`` for a tensor, and
  ``.item()`` or ``float(...)`` for a number.

Work through the tasks in order; each function names its task in its docstring.

* Task 3.1 - ``linear_grads`` and ``cubic_grads``: first derivatives with
  ``backward()``. ``square_slope`` is given as the pattern; read it first.
* Task 3.2 - ``torch_rosenbrock_grad``: exercise 2's hand-derived gradient,
  now by autograd, on the given ``rosenbrock``.
* Task 3.3 - ``descend``: the gradient descent loop, with no_grad updates,
  zeroed gradients and an early stop.
* Task 3.4 - ``fit_parabola``: least squares through a design matrix and
  ``torch.mm``.
* Task 3.5 - ``fit_sine``: exercise 2.5 again, with autograd in place of the
  hand-derived gradient. Both must give the same numbers.
* Task 3.6 - ``gaussian_image`` and ``fit_gaussian``: find where a blurred
  spot sits in a noisy image by descending the squared error.
* Task 3.7 - ``vjp`` and ``jacobian_by_rows``: what ``backward(gradient=v)``
  computes when the output is a vector, and the whole Jacobian from it.
* Task 3.8 - ``newton_sqrt`` and ``gradient_or_none``: gradients through a
  Python ``while`` loop, and the three ways a graph gets cut (``detach``,
  ``no_grad`` and a trip through numpy).
* Task 3.9 - ``standardize`` and ``to_numpy``: numpy data into a float32
  tensor on a device, and tensors back into numpy, without the classic errors.

Devices and dtypes: every function must work on whatever device its tensor
inputs live on (CPU or CUDA) and keep their floating dtype. Create each new
tensor with the inputs' dtype and device; the given ``tensor_options`` tells
you which. Plain Python numbers mean float64 on the CPU. Task 3.9 is the one
exception, and says so: ``standardize`` is told its device and makes float32.

Check your work with::

    pytest exercises/tests/test_ex03_autograd_loops.py
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, Union

import numpy as np
import torch

Scalar = Union[float, torch.Tensor]
Point = Union[float, Sequence[float], torch.Tensor]


# -- Given helpers ----------------------------------------------------------------------


def _first_tensor(values: Sequence[Any]) -> torch.Tensor | None:
    """The first torch tensor in `values`, looking inside tuples and lists too."""
    for value in values:
        if isinstance(value, torch.Tensor):
            return value
        if isinstance(value, (tuple, list)):
            inner = _first_tensor(value)
            if inner is not None:
                return inner
    return None


def tensor_options(*values: Any) -> dict[str, Any]:
    """The dtype and device for new tensors, taken from the first tensor among `values`.

    Given. Code that creates tensors should put them where its inputs already
    are; otherwise it works on the CPU and fails on a GPU ("Expected all
    tensors to be on the same device"). A floating tensor gives its own dtype,
    an integer tensor gives float64 (gradients need floating point), and plain
    numbers give float64 on the CPU. Use it as a keyword bundle::

        torch.zeros(3, **tensor_options(x))   # float64 on the CPU, or x's dtype on x's device
    """
    found = _first_tensor(values)
    if found is None:
        return {"dtype": torch.float64, "device": torch.device("cpu")}
    dtype = found.dtype if found.is_floating_point() else torch.float64
    return {"dtype": dtype, "device": found.device}


def square_slope(v: Scalar) -> float:
    """The derivative of v**2 at v (that is, 2v), found by autograd.

    Given complete as the pattern for Task 3.1: make a leaf that records
    gradients, compute the result from it, call backward() on the (scalar)
    result, then read the leaf's .grad and turn it into a Python float.
    """
    leaf = torch.tensor(float(v), requires_grad=True, **tensor_options(v))
    result = leaf**2
    result.backward()
    return leaf.grad.item()


def rosenbrock(x: Scalar, y: Scalar, a: float = 1.0, b: float = 100.0) -> Scalar:
    """The Rosenbrock function (a - x)^2 + b (y - x^2)^2, minimum 0 at (a, a^2).

    Given. Built from ordinary operators only, so it accepts plain numbers and
    tensors alike (on tensors that require grad, autograd records every step).
    """
    return (a - x) ** 2 + b * (y - x**2) ** 2


def make_parabola_data(n: int = 50, coeffs: Sequence[float] = (1.5, -0.8, 0.3), noise: float = 0.05,
                       seed: int = 0, device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy samples (x, y) of y = a x^2 + b x + c with x evenly spaced in [-1, 1].

    Given. Synthetic and seeded (the same seed always gives the same data), in
    float64 on `device`. Task 3.4 recovers (a, b, c) from these samples.
    """
    generator = torch.Generator().manual_seed(seed)
    x = torch.linspace(-1.0, 1.0, n, dtype=torch.float64)
    a, b, c = (float(value) for value in coeffs)
    y = a * x**2 + b * x + c + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return x.to(device), y.to(device)


def make_sine_data(n: int = 100, omega: float = 2.0, t: float = 0.5, noise: float = 0.1, seed: int = 0,
                   device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy samples (x, y) of y = sin(omega x + t) with x sorted in [-2.5, 2.5].

    Given, like exercise 2's: synthetic, seeded, float64 on `device`.
    """
    generator = torch.Generator().manual_seed(seed)
    x = torch.sort(torch.rand(n, generator=generator, dtype=torch.float64) * 5.0 - 2.5).values
    y = torch.sin(omega * x + t) + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return x.to(device), y.to(device)


# -- Task 3.1: gradients with backward() ----------------------------------------------------


def linear_grads(w: Scalar, x: Scalar, b: Scalar) -> dict[str, float]:
    """The partial derivatives of y = w * x + b, found with backward().

    w, x and b may be plain numbers or one-element tensors. Make them leaf
    tensors that record gradients (with the dtype and device `tensor_options`
    gives), compute y, call ``y.backward()`` once, and
    return ``{"dy_dw": ..., "dy_dx": ..., "dy_db": ...}`` with plain Python
    floats as values (a tensor is not a float: use ``.item()``). One backward
    pass fills all three .grad fields at once. Task 3.1.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.1: implement linear_grads (see its docstring)")


def cubic_grads(a: Scalar, b: Scalar) -> tuple[float, float]:
    """The pair (dy/da, dy/db) for y = 3 a^3 - b^2, found with backward().

    Same pattern as `linear_grads`; return a tuple of two Python floats.
    Task 3.1.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.1: implement cubic_grads (see its docstring)")


# -- Task 3.2: the Rosenbrock gradient by autograd ------------------------------------------


def torch_rosenbrock_grad(x: Scalar, y: Scalar) -> tuple[float, float]:
    """The gradient (df/dx, df/dy) of `rosenbrock` (a = 1, b = 100) at (x, y), by autograd.

    It must equal the gradient you derived by hand in exercise 2 (your
    ``rosenbrock_grad(x, y)`` there), but here you never write a derivative:
    evaluate the given `rosenbrock` on two leaves and call backward(). x and y
    may be plain numbers or one-element tensors. Return two Python floats.
    Task 3.2.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.2: implement torch_rosenbrock_grad (see its docstring)")


# -- Task 3.3: the descent loop -------------------------------------------------------------


def descend(f: Callable[[torch.Tensor], torch.Tensor], x0: Point, lr: float, max_steps: int = 1000,
            grad_tol: float = 1e-3) -> tuple[torch.Tensor, int, list[float]]:
    """Minimise `f` by gradient descent with autograd; return ``(x, steps, history)``.

    `f` maps a tensor x to a scalar tensor. `x0` may be a float, a list or a
    tensor: make x a fresh leaf copy of it that requires grad, with x0's shape
    (a float gives a 0-d tensor, as ``torch.tensor(2.0)`` is; a list a 1-D
    one). A tensor x0 keeps its dtype and device and is never modified; a
    float or list becomes float64 on the CPU. Then make at most `max_steps`
    passes of:

    1. ``loss = f(x)``; append ``loss.item()`` to `history`;
    2. ``loss.backward()``;
    3. if the norm of x.grad is below `grad_tol`, stop here. The check comes
       BEFORE the update: a point that is already flat enough is returned
       as it is;
    4. update ``x -= lr * x.grad`` inside ``torch.no_grad()``;
    5. zero the gradient, so the next backward() starts from nothing.

    `steps` counts the updates made. So an early stop gives
    ``len(history) == steps + 1`` (the last loss is that of the point
    returned), and running out of passes gives ``steps == max_steps ==
    len(history)``. Return x detached (a leaf that does not require grad), with
    x0's shape, dtype and device, `steps` as an int and `history` as a list of
    Python floats. Task 3.3.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.3: implement descend (see its docstring)")


# -- Task 3.4: fitting a parabola with a design matrix --------------------------------------


def fit_parabola(x: torch.Tensor, y: torch.Tensor, lr: float, steps: int) -> torch.Tensor:
    """Fit y ~ a x^2 + b x + c by gradient descent on the mean squared error.

    Writing the model as one matrix product makes it a linear model: with the
    design matrix X, shape (n, 3), whose columns are x^2, x and a column of
    ones, and the parameters w = (a, b, c) as a (3, 1) tensor, the predictions
    are ``torch.mm(X, w)``, shape (n, 1). The column of ones is what lets c
    shift the curve.

    Start from w = 0 (with the dtype and device of x) and make `steps` updates
    of w -= lr * grad of ``mean((X w - y)^2)`` under no_grad, zeroing the
    gradient each time. Careful with shapes: y has shape (n,), the predictions
    (n, 1), and subtracting those two broadcasts to an (n, n) matrix. Return
    (a, b, c) as a detached 1-D tensor of 3 values on x's device. Task 3.4.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.4: implement fit_parabola (see its docstring)")


# -- Task 3.5: fitting a sine curve with autograd -------------------------------------------


def fit_sine(x: torch.Tensor, y: torch.Tensor, omega0: float, t0: float, lr: float,
             steps: int) -> tuple[float, float]:
    """Exercise 2.5 with autograd: fit omega and t in y ~ sin(omega x + t).

    The loss is the same as in exercise 2, ``1/2 * mean((sin(omega x + t) - y)^2)``.
    Make omega and t two scalar leaves (starting at omega0 and t0, with x's
    dtype and device), and make exactly `steps` updates of plain gradient
    descent, both parameters moving at once from the same gradient. The
    answer must match your hand-derived version of exercise 2 to rounding
    error. Return (omega, t) as Python floats. Task 3.5.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.5: implement fit_sine (see its docstring)")


# -- Task 3.6: locating a Gaussian blob -----------------------------------------------------


def gaussian_image(size: int, pos: Sequence[Scalar] | torch.Tensor, sigma: Scalar) -> torch.Tensor:
    """A size x size image of a round Gaussian spot centred at `pos`, with peak value 1.

    The coordinate convention, exactly: ``pos = (x, y)`` where x runs along a
    row (the column index j) and y runs down the image (the row index i),
    as in ``plt.imshow`` followed by ``plt.plot(x, y)``. So

        image[i, j] = exp(-((i - y)^2 + (j - x)^2) / (2 sigma^2))

    and the brightest pixel of ``gaussian_image(5, (1, 3), 1.0)`` is
    ``image[3, 1]``. pos may hold floats or scalar tensors (or be a tensor of
    two values); the image takes the dtype and device of the first tensor
    among pos and sigma (float64 on the CPU for plain numbers). Build it from
    tensor operations, so that autograd can differentiate it with respect to
    pos and sigma (Task 3.6's fit needs that). Task 3.6.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.6: implement gaussian_image (see its docstring)")


def fit_gaussian(image: torch.Tensor, pos0: Sequence[float], sigma0: float, lr: float,
                 steps: int) -> tuple[tuple[float, float], float]:
    """Find the centre and width of a Gaussian spot in a square image by least squares.

    Make x, y (from ``pos0 = (x0, y0)``, same convention as `gaussian_image`)
    and sigma three scalar leaves with the image's dtype and device. Then make
    exactly `steps` updates of plain gradient descent (all three parameters at
    once, learning rate `lr`) on the SUM of squared differences
    ``((gaussian_image(size, (x, y), sigma) - image) ** 2).sum()``. Return
    ``((x, y), sigma)`` as Python floats. Task 3.6.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.6: implement fit_gaussian (see its docstring)")


# -- Task 3.7: vector-Jacobian products -----------------------------------------------------


def vjp(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The vector-Jacobian product v^T J of `f` at `x`, from one ``backward(gradient=v)``.

    Let y = f(x) map n values to m values. Its Jacobian J is the m x n matrix
    of partial derivatives, J[i, j] = dy_i/dx_j. ``backward()`` without an
    argument works only on a scalar. On a vector y it needs a vector v with
    y's shape, and what it leaves in ``x.grad`` is the product with v from the
    LEFT:

        x.grad = v^T J,   that is   x.grad[j] = sum_i v[i] * dy_i/dx_j,

    a row vector of n values, x's shape. It is never J v, which sums over the
    other index (and has m values, not n). One way to remember it: v^T J is
    the gradient of the scalar sum_i v[i] * y[i], so a single backward pass
    gives it however many outputs f has, and autograd never builds J at all.

    Worked example: f(x) = (x0 x1, x0 + 3 x1) at x = (2, 5) has the Jacobian
    J = [[x1, x0], [1, 3]] = [[5, 2], [1, 3]]. With v = (1, 10),
    v^T J = (1*5 + 10*1, 1*2 + 10*3) = (15, 32), whereas J v = (25, 31).

    x is a 1-D tensor of n values, f(x) a 1-D tensor of m values, and v has m
    values with x's dtype and device. Make a fresh leaf copy of x that
    requires grad (the caller's x is left as it was: it gains neither
    requires_grad nor a .grad), run f on the leaf and backward with
    gradient=v, and return the leaf's gradient detached, with x's shape,
    dtype and device. Task 3.7.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.7: implement vjp (see its docstring)")


def jacobian_by_rows(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The whole Jacobian J of `f` at `x`, one row per backward pass.

    Row i of J is e_i^T J, where e_i is the i-th unit vector (1 in place i,
    0 elsewhere): a vector-Jacobian product, as in `vjp`. So m backward
    passes, with v = e_0, ..., e_(m-1), give J row by row (this is how
    ``torch.autograd.functional.jacobian`` works inside). In the worked
    example of `vjp`, e_0 gives the row (5, 2) and e_1 the row (1, 3). Three
    details decide whether it works:

    * backward() frees the graph it walks, so a second backward() over the
      same y fails ("Trying to backward through the graph a second time").
      Pass ``retain_graph=True`` to keep the graph, or compute y afresh for
      every row.
    * backward() ADDS into .grad. Clear the leaf's gradient before each row
      (``leaf.grad = None`` or ``leaf.grad.zero_()``), or row i comes out as
      rows 0 to i summed.
    * ``zero_()`` and the additions reuse one .grad tensor in place: keep a
      copy of each row (``.clone()``), or every row you kept changes with it.

    x is a 1-D tensor of n values and f(x) a 1-D tensor of m values. Return J
    as a detached tensor of shape (m, n) with x's dtype and device; the
    caller's x is left as it was. Task 3.7.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.7: implement jacobian_by_rows (see its docstring)")


# -- Task 3.8: control flow, and where the graph breaks -------------------------------------


def newton_sqrt(a: torch.Tensor, tol: float = 1e-12, max_iter: int = 50) -> tuple[torch.Tensor, int]:
    """sqrt(a) by Newton's iteration in a Python while loop, differentiable with respect to a.

    Start from y = a itself (the tensor, not a copy of its value), and, while
    |y^2 - a| > tol * a and fewer than `max_iter` replacements were made,
    replace y by (y + a / y) / 2. Return ``(y, iterations)``: y a 0-d tensor
    that is still part of a's graph (no torch.no_grad(), no .item() or
    .detach() on the way), and the number of replacements as a Python int.
    a is a positive 0-d tensor that requires grad; the caller differentiates
    y by calling ``y.backward()`` and reads ``a.grad``.

    The while condition reads a tensor's value, so Python, not autograd,
    decides how often the loop runs, and the answer depends on a. Autograd
    records only the operations that actually ran: ``y.backward()`` gives the
    derivative of the loop as it unrolled for this a,

        dy_0/da = 1,   dy_(k+1)/da = (dy_k/da * (1 - a / y_k^2) + 1 / y_k) / 2,

    which comes close to the derivative of sqrt, 1 / (2 sqrt(a)), once y has
    converged, and can be far from it before. An ``if`` on a tensor value
    behaves the same way: only the branch taken is in the graph.

    Worked example, a = 4: y goes 4 -> 2.5 -> 2.05 -> 2.00061 -> ..., and
    dy/da goes 1 -> (1 * (1 - 4/16) + 1/4) / 2 = 0.5 -> (0.5 * (1 - 4/6.25)
    + 1/2.5) / 2 = 0.29 -> ... So ``newton_sqrt(a, max_iter=2)`` returns
    (2.05, 2) with dy/da = 0.29, and with the default tolerance the loop
    stops after 5 replacements at y = 2 with dy/da = 0.25. At a = 1 the loop
    never runs: y is a itself, and dy/da = 1, not 1/2. Task 3.8.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.8: implement newton_sqrt (see its docstring)")


def gradient_or_none(compute: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor | None:
    """The gradient of ``compute(x).sum()`` with respect to x, or None when no gradient reaches x.

    Three ways of computing outside autograd look alike and differ:

    * ``x.detach()`` is x's values as a new tensor outside the graph, a
      constant. In ``x.detach() * x`` only the second factor is
      differentiated, so the gradient is x's values, not 2x. Use it to stop
      a gradient on purpose.
    * ``with torch.no_grad():`` records nothing at all inside the block: a
      result made there has requires_grad False and no grad_fn. Use it for
      parameter updates and evaluation, never for a loss you will
      differentiate.
    * a trip through numpy,
      ``torch.from_numpy(np.sin(x.detach().cpu().numpy()))``, gives a tensor
      with no history. Autograd cannot see inside numpy, and nothing warns
      you: the graph is silently cut. (``.numpy()`` refuses a tensor that
      requires grad or lives on a GPU, which is why .detach() and .cpu() come
      first; see task 3.9.)

    Make a fresh leaf copy of x that requires grad (the caller's x is left as
    it was) and compute y = compute(leaf). If y does not require grad, the
    graph was cut and no gradient can reach x: return None (backward() would
    raise "element 0 of tensors does not require grad"). Otherwise call
    backward() on y.sum() and return the leaf's gradient detached, with x's
    shape, dtype and device (None if the leaf's .grad stayed None).

    Worked example, x = (1, 2, 3): ``x * x`` gives (2, 4, 6); ``x.detach() *
    x`` gives (1, 2, 3); x * x computed under no_grad gives None, and so does
    ``torch.from_numpy(x.detach().cpu().numpy() ** 2)``. Task 3.8.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.8: implement gradient_or_none (see its docstring)")


# -- Task 3.9: tensors from numpy, dtypes and devices ---------------------------------------


def standardize(array: np.ndarray, device: str | torch.device = "cpu") -> torch.Tensor:
    """A numpy array as model input: standardised, in float32, on `device`, the caller's array untouched.

    Data usually arrives as numpy arrays, in float64 (numpy's default). Three
    facts decide how it becomes a tensor a model can use:

    * ``torch.from_numpy(array)`` copies nothing: the tensor SHARES the
      array's memory and keeps its dtype (float64 stays float64). An in-place
      change of that tensor (``t -= t.mean()``) changes the caller's array
      too. ``torch.tensor(array)`` makes a copy; so does a change of dtype.
    * Models compute in float32: ``nn.Linear``'s weights are float32, it is
      what GPUs are fastest at, and it needs half the memory of float64.
      Float64 data meeting float32 weights fails with a dtype mismatch
      ("mat1 and mat2 must have the same dtype", "expected scalar type Float
      but found Double"). Convert with ``.float()`` or
      ``.to(dtype=torch.float32)``.
    * Data goes where the model is: ``.to(device)`` (a string such as "cpu"
      or "cuda", or a torch.device). Tensors on two devices cannot meet in
      one operation.

    `array` is a float32 or float64 numpy array of any shape with at least two
    different values. Return (array - mean) / std over all its values, where
    std divides by n (numpy's ``array.std()``; in torch
    ``t.std(correction=0)``, whose default divides by n - 1), as a float32
    tensor of the array's shape on `device`. The caller's array must be
    unchanged afterwards. The tests also pass device="meta", torch's device
    whose tensors have a shape and a dtype but no numbers, which fails any
    code that leaves data on the CPU by mistake: there, compute with tensor
    operations (or in numpy before the tensor is made), and never read a
    number out of a tensor (.item(), float()). Worked example: (1, 2, 3, 4) has mean 2.5 and std
    sqrt(1.25), so it becomes about (-1.342, -0.447, 0.447, 1.342). Task 3.9.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.9: implement standardize (see its docstring)")


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A tensor's values as a numpy array, whatever its device and whether or not it requires grad.

    numpy lives on the CPU and knows nothing of autograd, so ``.numpy()``
    refuses a tensor that requires grad ("Use tensor.detach().numpy()
    instead") and a tensor on a GPU ("Use Tensor.cpu() to copy the tensor to
    host memory first"). So detach it, copy it to the CPU, and only then
    convert it. Copy it with ``.cpu()`` always, not only when you expect a
    GPU: on a tensor already on the CPU it costs nothing, and it keeps the
    code right on every device (the tests use torch's "meta" device, whose
    tensors hold no numbers, so there .cpu() is the step that must fail).

    Return a numpy array with the tensor's shape and dtype (float32 stays
    float32). The caller's tensor is left as it was: if it required grad, it
    still does. Task 3.9.
    """
    # YOUR CODE HERE
    raise NotImplementedError("Task 3.9: implement to_numpy (see its docstring)")


if __name__ == "__main__":
    # Try it, once tasks 3.5, 3.8 and 3.9 work: autograd fits a sine wave to noisy data (left), and
    # differentiates a Python while loop (right).
    import argparse
    import os

    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="Plot a sine fitted by autograd, and autograd through a while loop")
    parser.add_argument("--save", metavar="PATH", help="save the picture to PATH (a .png) instead of showing it")
    args, _ = parser.parse_known_args()  # known ones only: a notebook's kernel passes arguments of its own

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    x, y = make_sine_data(omega=2.0, t=0.5)
    omega, t = fit_sine(x, y, omega0=1.5, t0=0.0, lr=0.5, steps=300)
    left.plot(x, y, ".", color="grey", label="data: sin(2.0 x + 0.5) + noise")
    left.plot(x, torch.sin(omega * x + t), label=f"fit: sin({omega:.2f} x + {t:.2f})")
    left.set_xlabel("x")
    left.legend()

    def slope_of_newton_sqrt(value: float) -> float:
        a = torch.tensor(value, dtype=torch.float64, requires_grad=True)
        root, _ = newton_sqrt(a)
        root.backward()
        return a.grad.item()

    a_values = torch.linspace(0.2, 4.0, 191, dtype=torch.float64)  # 1.0 is one of them
    right.plot(to_numpy(a_values), [slope_of_newton_sqrt(value) for value in a_values.tolist()], ".",
               label="d newton_sqrt(a) / da, by autograd")
    right.plot(to_numpy(a_values), to_numpy(0.5 / a_values.sqrt()), label="1 / (2 sqrt(a))")
    right.plot([1.0], [slope_of_newton_sqrt(1.0)], "o", color="C3")
    right.annotate("a = 1: the loop never runs,\nso y = a and the slope is 1", (1.0, 1.0), xytext=(1.5, 0.7),
                   arrowprops={"arrowstyle": "->", "shrinkB": 6})
    right.set_xlabel("a")
    right.legend(loc="lower left")
    if args.save or plt.get_backend().lower() == "agg":  # Agg: matplotlib found no display
        plt.savefig(args.save or "tryit_ex03.png", dpi=120, bbox_inches="tight")
        print("saved the picture to", os.path.abspath(args.save or "tryit_ex03.png"))
    else:
        plt.show()
