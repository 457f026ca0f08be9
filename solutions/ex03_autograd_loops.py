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

Devices and dtypes: every function must work on whatever device its tensor
inputs live on (CPU or CUDA) and keep their floating dtype. Create each new
tensor with the inputs' dtype and device; the given ``tensor_options`` tells
you which. Plain Python numbers mean float64 on the CPU.

Check your work with::

    pytest exercises/tests/test_ex03_autograd_loops.py
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, Union

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
    ### BEGIN SOLUTION
    options = tensor_options(w, x, b)
    w, x, b = (torch.tensor(float(value), requires_grad=True, **options) for value in (w, x, b))
    y = w * x + b
    y.backward()
    return {"dy_dw": w.grad.item(), "dy_dx": x.grad.item(), "dy_db": b.grad.item()}
    ### END SOLUTION


def cubic_grads(a: Scalar, b: Scalar) -> tuple[float, float]:
    """The pair (dy/da, dy/db) for y = 3 a^3 - b^2, found with backward().

    Same pattern as `linear_grads`; return a tuple of two Python floats.
    Task 3.1.
    """
    ### BEGIN SOLUTION
    options = tensor_options(a, b)
    a, b = (torch.tensor(float(value), requires_grad=True, **options) for value in (a, b))
    y = 3 * a**3 - b**2
    y.backward()
    return a.grad.item(), b.grad.item()
    ### END SOLUTION


# -- Task 3.2: the Rosenbrock gradient by autograd ------------------------------------------


def torch_rosenbrock_grad(x: Scalar, y: Scalar) -> tuple[float, float]:
    """The gradient (df/dx, df/dy) of `rosenbrock` (a = 1, b = 100) at (x, y), by autograd.

    It must equal the gradient you derived by hand in exercise 2 (your
    ``rosenbrock_grad(x, y)`` there), but here you never write a derivative:
    evaluate the given `rosenbrock` on two leaves and call backward(). x and y
    may be plain numbers or one-element tensors. Return two Python floats.
    Task 3.2.
    """
    ### BEGIN SOLUTION
    options = tensor_options(x, y)
    x, y = (torch.tensor(float(value), requires_grad=True, **options) for value in (x, y))
    rosenbrock(x, y).backward()
    return x.grad.item(), y.grad.item()
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x = torch.as_tensor(x0, **tensor_options(x0)).detach().clone().requires_grad_(True)
    history: list[float] = []
    steps = 0
    for _ in range(max_steps):
        loss = f(x)
        history.append(loss.item())
        loss.backward()
        if x.grad.norm().item() < grad_tol:
            break
        with torch.no_grad():
            x -= lr * x.grad
        x.grad.zero_()
        steps += 1
    return x.detach(), steps, history
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    options = tensor_options(x, y)
    x = torch.as_tensor(x, **options)
    targets = torch.as_tensor(y, **options).reshape(-1, 1)
    design = torch.stack([x**2, x, torch.ones_like(x)], dim=1)
    coefficients = torch.zeros(3, 1, requires_grad=True, **options)
    for _ in range(steps):
        loss = ((torch.mm(design, coefficients) - targets) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            coefficients -= lr * coefficients.grad
        coefficients.grad.zero_()
    return coefficients.detach().flatten()
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    options = tensor_options(x, y)
    x, y = torch.as_tensor(x, **options), torch.as_tensor(y, **options)
    omega = torch.tensor(float(omega0), requires_grad=True, **options)
    t = torch.tensor(float(t0), requires_grad=True, **options)
    for _ in range(steps):
        loss = 0.5 * ((torch.sin(omega * x + t) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            omega -= lr * omega.grad
            t -= lr * t.grad
        omega.grad.zero_()
        t.grad.zero_()
    return omega.item(), t.item()
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    options = tensor_options(pos, sigma)
    x, y = pos[0], pos[1]
    rows = torch.arange(size, **options).reshape(-1, 1)
    columns = torch.arange(size, **options).reshape(1, -1)
    return torch.exp(-((rows - y) ** 2 + (columns - x) ** 2) / (2 * sigma**2))
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    options = tensor_options(image)
    image = torch.as_tensor(image, **options)
    x, y, sigma = (torch.tensor(float(value), requires_grad=True, **options)
                   for value in (pos0[0], pos0[1], sigma0))
    for _ in range(steps):
        loss = ((gaussian_image(image.shape[0], (x, y), sigma) - image) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            for parameter in (x, y, sigma):
                parameter -= lr * parameter.grad
        for parameter in (x, y, sigma):
            parameter.grad.zero_()
    return (x.item(), y.item()), sigma.item()
    ### END SOLUTION


if __name__ == "__main__":
    # Try it, once task 3.5 work: autograd fits a sine wave to noisy data.
    import argparse
    import os

    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="Plot a sine fitted by autograd")
    parser.add_argument("--save", metavar="PATH", help="save the picture to PATH (a .png) instead of showing it")
    args, _ = parser.parse_known_args()  # known ones only: a notebook's kernel passes arguments of its own

    x, y = make_sine_data(omega=2.0, t=0.5)
    omega, t = fit_sine(x, y, omega0=1.5, t0=0.0, lr=0.5, steps=300)
    plt.plot(x, y, ".", color="grey", label="data: sin(2.0 x + 0.5) + noise")
    plt.plot(x, torch.sin(omega * x + t), label=f"fit: sin({omega:.2f} x + {t:.2f})")
    plt.xlabel("x")
    plt.legend()
    if args.save or plt.get_backend().lower() == "agg":  # Agg: matplotlib found no display
        plt.savefig(args.save or "tryit_ex03.png", dpi=120, bbox_inches="tight")
        print("saved the picture to", os.path.abspath(args.save or "tryit_ex03.png"))
    else:
        plt.show()
