"""An independent, correct implementation of exercise 3 (PyTorch autograd loops).

Same public API as ``solutions/ex03_autograd_loops.py``, built differently on
purpose: the scalar tasks put all their inputs in one leaf vector and read
one .grad; the loops clear gradients with ``grad = None`` and either rebuild
a fresh leaf after each step or update through ``sub_``; the parabola's
design matrix comes from ``torch.vander`` and its loss from ``mse_loss``;
the sine and blob parameters live in a single vector; the blob is an outer
product of two one-dimensional Gaussians; a vector-Jacobian product is the
gradient of the scalar v . f(x); the Jacobian's rows come from
``torch.autograd.grad`` on a fresh graph each; Newton's loop is a for loop
that returns early; ``standardize`` computes in numpy's float64 and
``to_numpy`` goes through ``np.asarray``. Passing the tests with it shows the
grader accepts any correct solution, not just the reference. It is test data,
not course material.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F


def _where(*values: Any) -> dict[str, Any]:
    stack = list(values)
    while stack:
        value = stack.pop(0)
        if isinstance(value, torch.Tensor):
            return {"dtype": value.dtype if value.is_floating_point() else torch.float64, "device": value.device}
        if isinstance(value, (tuple, list)):
            stack[:0] = list(value)
    return {"dtype": torch.float64, "device": torch.device("cpu")}


tensor_options = _where


def _vector_leaf(values: Sequence[Any], options: dict[str, Any]) -> torch.Tensor:
    return torch.tensor([float(v) for v in values], **options).requires_grad_()


def square_slope(v: Any) -> float:
    leaf = _vector_leaf([v], _where(v))
    (leaf[0] * leaf[0]).backward()
    return float(leaf.grad[0])


def rosenbrock(x: Any, y: Any, a: float = 1.0, b: float = 100.0) -> Any:
    return (a - x) ** 2 + b * (y - x**2) ** 2


def make_parabola_data(n: int = 50, coeffs: Sequence[float] = (1.5, -0.8, 0.3), noise: float = 0.05,
                       seed: int = 0, device: Any = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.linspace(-1.0, 1.0, n, dtype=torch.float64)
    y = torch.vander(x, 3) @ torch.tensor([float(c) for c in coeffs], dtype=torch.float64)
    y = y + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return x.to(device), y.to(device)


def make_sine_data(n: int = 100, omega: float = 2.0, t: float = 0.5, noise: float = 0.1, seed: int = 0,
                   device: Any = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    x = (torch.rand(n, generator=generator, dtype=torch.float64) * 5.0 - 2.5).sort().values
    y = (omega * x + t).sin() + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return x.to(device), y.to(device)


def linear_grads(w: Any, x: Any, b: Any) -> dict[str, float]:
    leaf = _vector_leaf([w, x, b], _where(w, x, b))
    (leaf[0] * leaf[1] + leaf[2]).backward()
    dw, dx, db = leaf.grad.tolist()
    return {"dy_dw": dw, "dy_dx": dx, "dy_db": db}


def cubic_grads(a: Any, b: Any) -> tuple[float, float]:
    leaf = _vector_leaf([a, b], _where(a, b))
    (3.0 * leaf[0] ** 3 - leaf[1] * leaf[1]).backward()
    da, db = leaf.grad.tolist()
    return da, db


def torch_rosenbrock_grad(x: Any, y: Any) -> tuple[float, float]:
    leaf = _vector_leaf([x, y], _where(x, y))
    rosenbrock(*leaf.unbind()).backward()
    dx, dy = leaf.grad.tolist()
    return dx, dy


def descend(f: Callable[[torch.Tensor], torch.Tensor], x0: Any, lr: float, max_steps: int = 1000,
            grad_tol: float = 1e-3) -> tuple[torch.Tensor, int, list[float]]:
    start = x0 if isinstance(x0, torch.Tensor) else torch.tensor(x0, dtype=torch.float64)
    if not start.is_floating_point():
        start = start.double()
    x = start.detach().clone().requires_grad_()
    history: list[float] = []
    for steps in range(max_steps):
        loss = f(x)
        loss.backward()
        history.append(float(loss.detach()))
        if float(torch.linalg.vector_norm(x.grad)) < grad_tol:
            return x.detach(), steps, history
        # A fresh leaf each step: the old graph and its gradient are simply dropped.
        with torch.no_grad():
            x = (x - lr * x.grad).requires_grad_()
    return x.detach(), max_steps, history


def fit_parabola(x: torch.Tensor, y: torch.Tensor, lr: float, steps: int) -> torch.Tensor:
    options = _where(x, y)
    x, y = torch.as_tensor(x, **options), torch.as_tensor(y, **options)
    design = torch.vander(x, 3)  # columns x^2, x, 1
    weights = torch.zeros(3, 1, **options).requires_grad_()
    for _ in range(steps):
        F.mse_loss(torch.mm(design, weights).squeeze(1), y).backward()
        with torch.no_grad():
            weights.sub_(weights.grad, alpha=lr)
        weights.grad = None
    return weights.detach().reshape(3)


def fit_sine(x: torch.Tensor, y: torch.Tensor, omega0: float, t0: float, lr: float,
             steps: int) -> tuple[float, float]:
    options = _where(x, y)
    x, y = torch.as_tensor(x, **options), torch.as_tensor(y, **options)
    params = _vector_leaf([omega0, t0], options)
    for _ in range(steps):
        (F.mse_loss(torch.sin(params[0] * x + params[1]), y) / 2).backward()
        with torch.no_grad():
            params.sub_(lr * params.grad)
        params.grad = None
    omega, t = params.tolist()
    return omega, t


def gaussian_image(size: int, pos: Any, sigma: Any) -> torch.Tensor:
    options = _where(pos, sigma)
    grid = torch.arange(size, **options)
    down = torch.exp(-((grid - pos[1]) ** 2) / (2 * sigma * sigma))
    across = torch.exp(-((grid - pos[0]) ** 2) / (2 * sigma * sigma))
    return torch.outer(down, across)


def fit_gaussian(image: torch.Tensor, pos0: Sequence[float], sigma0: float, lr: float,
                 steps: int) -> tuple[tuple[float, float], float]:
    options = _where(image)
    image = torch.as_tensor(image, **options)
    params = _vector_leaf([pos0[0], pos0[1], sigma0], options)
    for _ in range(steps):
        model = gaussian_image(image.shape[-1], params[:2], params[2])
        torch.sum(torch.square(model - image)).backward()
        with torch.no_grad():
            params -= lr * params.grad
        params.grad = None
    x, y, sigma = params.tolist()
    return (x, y), sigma


def vjp(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    # v^T J is the gradient of the scalar v . f(x): no gradient= argument needed.
    leaf = x.detach().clone().requires_grad_()
    torch.dot(v, f(leaf)).backward()
    return leaf.grad


def jacobian_by_rows(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    # torch.autograd.grad on a fresh graph for every row: nothing accumulates, nothing is retained.
    leaf = x.detach().clone().requires_grad_()
    count = f(leaf).numel()
    units = torch.eye(count, dtype=x.dtype, device=x.device)
    return torch.stack([torch.autograd.grad(f(leaf), leaf, grad_outputs=unit)[0] for unit in units])


def newton_sqrt(a: torch.Tensor, tol: float = 1e-12, max_iter: int = 50) -> tuple[torch.Tensor, int]:
    y = a
    for done in range(max_iter):
        if not bool((y * y - a).abs() > tol * a):
            return y, done
        y = 0.5 * (y + a / y)
    return y, max_iter


def gradient_or_none(compute: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor | None:
    leaf = x.detach().clone().requires_grad_()
    result = compute(leaf)
    if not result.requires_grad:
        return None
    (gradient,) = torch.autograd.grad(result.sum(), leaf, allow_unused=True)
    return gradient


def standardize(array: Any, device: Any = "cpu") -> torch.Tensor:
    # The arithmetic in numpy's float64, on a copy; only the answer becomes a float32 tensor.
    scaled = (array - array.mean()) / array.std()
    return torch.tensor(scaled, dtype=torch.float32, device=device)


def to_numpy(tensor: torch.Tensor) -> Any:
    import numpy

    return numpy.asarray(tensor.detach().to("cpu"))
