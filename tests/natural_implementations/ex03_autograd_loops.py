"""Exercise 3 as a strong student writes it from the skeleton's docstrings and public tests alone.

Written before reading the reference solution or the hidden tests, to check
that the contract a student reads is the contract the grader checks; changes
to the contract since then were made from the new docstrings alone. Where the
skeleton leaves a choice open, this file takes another reasonable one:
``x.grad = None`` instead of ``zero_()``, a helper that makes scalar leaves,
the design matrix built with ``torch.stack`` and predictions flattened with
``.squeeze(1)`` against a flat y. Tasks 3.7-3.9 came later and were written
the same way, from their docstrings and public tests: the Jacobian recomputes
f for every row and clears the gradient with ``zero_()``, so it copies each
row; Newton's stop is an ``if ... break`` inside the loop.
"""

from __future__ import annotations

from typing import Any, Sequence, Union

import torch

Scalar = Union[float, torch.Tensor]
Point = Union[float, Sequence[float], torch.Tensor]


def _first_tensor(values: Sequence[Any]) -> torch.Tensor | None:
    for value in values:
        if isinstance(value, torch.Tensor):
            return value
        if isinstance(value, (tuple, list)):
            inner = _first_tensor(value)
            if inner is not None:
                return inner
    return None


def tensor_options(*values: Any) -> dict[str, Any]:
    found = _first_tensor(values)
    if found is None:
        return {"dtype": torch.float64, "device": torch.device("cpu")}
    dtype = found.dtype if found.is_floating_point() else torch.float64
    return {"dtype": dtype, "device": found.device}


def square_slope(v: Scalar) -> float:
    leaf = torch.tensor(float(v), requires_grad=True, **tensor_options(v))
    result = leaf**2
    result.backward()
    return leaf.grad.item()


def rosenbrock(x, y, a=1.0, b=100.0):
    return (a - x) ** 2 + b * (y - x**2) ** 2


def make_parabola_data(n=50, coeffs=(1.5, -0.8, 0.3), noise=0.05, seed=0, device="cpu"):
    generator = torch.Generator().manual_seed(seed)
    x = torch.linspace(-1.0, 1.0, n, dtype=torch.float64)
    a, b, c = (float(value) for value in coeffs)
    y = a * x**2 + b * x + c + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return x.to(device), y.to(device)


def make_sine_data(n=100, omega=2.0, t=0.5, noise=0.1, seed=0, device="cpu"):
    generator = torch.Generator().manual_seed(seed)
    x = torch.sort(torch.rand(n, generator=generator, dtype=torch.float64) * 5.0 - 2.5).values
    y = torch.sin(omega * x + t) + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return x.to(device), y.to(device)


def _leaf(value, options):
    """A fresh scalar leaf holding `value` (a number or a one-element tensor)."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone().to(**options).reshape(()).requires_grad_(True)
    return torch.tensor(float(value), requires_grad=True, **options)


def linear_grads(w, x, b):
    options = tensor_options(w, x, b)
    w, x, b = (_leaf(v, options) for v in (w, x, b))
    y = w * x + b
    y.backward()
    return {"dy_dw": w.grad.item(), "dy_dx": x.grad.item(), "dy_db": b.grad.item()}


def cubic_grads(a, b):
    options = tensor_options(a, b)
    a, b = _leaf(a, options), _leaf(b, options)
    y = 3 * a**3 - b**2
    y.backward()
    return a.grad.item(), b.grad.item()


def torch_rosenbrock_grad(x, y):
    options = tensor_options(x, y)
    x, y = _leaf(x, options), _leaf(y, options)
    rosenbrock(x, y).backward()
    return x.grad.item(), y.grad.item()


def descend(f, x0, lr, max_steps=1000, grad_tol=1e-3):
    if isinstance(x0, torch.Tensor):
        x = x0.detach().clone()
        if not x.is_floating_point():
            x = x.to(torch.float64)
    else:
        x = torch.tensor(x0, dtype=torch.float64)
    x.requires_grad_(True)
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
        x.grad = None
        steps += 1
    return x.detach(), steps, history


def fit_parabola(x, y, lr, steps):
    options = tensor_options(x)
    X = torch.stack([x**2, x, torch.ones_like(x)], dim=1).to(**options)
    w = torch.zeros(3, 1, requires_grad=True, **options)
    for _ in range(steps):
        predictions = torch.mm(X, w).squeeze(1)
        loss = ((predictions - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad = None
    return w.detach().reshape(-1)


def fit_sine(x, y, omega0, t0, lr, steps):
    options = tensor_options(x)
    omega = torch.tensor(float(omega0), requires_grad=True, **options)
    t = torch.tensor(float(t0), requires_grad=True, **options)
    for _ in range(steps):
        loss = 0.5 * ((torch.sin(omega * x + t) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            omega -= lr * omega.grad
            t -= lr * t.grad
        omega.grad = None
        t.grad = None
    return omega.item(), t.item()


def gaussian_image(size, pos, sigma):
    options = tensor_options(pos, sigma)
    px, py = pos[0], pos[1]
    rows = torch.arange(size, **options).reshape(-1, 1)
    columns = torch.arange(size, **options).reshape(1, -1)
    return torch.exp(-((rows - py) ** 2 + (columns - px) ** 2) / (2 * sigma**2))


def fit_gaussian(image, pos0, sigma0, lr, steps):
    options = tensor_options(image)
    x = torch.tensor(float(pos0[0]), requires_grad=True, **options)
    y = torch.tensor(float(pos0[1]), requires_grad=True, **options)
    sigma = torch.tensor(float(sigma0), requires_grad=True, **options)
    size = image.shape[0]
    for _ in range(steps):
        loss = ((gaussian_image(size, (x, y), sigma) - image) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            for p in (x, y, sigma):
                p -= lr * p.grad
        for p in (x, y, sigma):
            p.grad = None
    return (x.item(), y.item()), sigma.item()


def vjp(f, x, v):
    x = x.clone().detach().requires_grad_(True)
    y = f(x)
    y.backward(v)
    return x.grad


def jacobian_by_rows(f, x):
    x = x.clone().detach().requires_grad_(True)
    m = f(x).shape[0]
    rows = []
    for i in range(m):
        if x.grad is not None:
            x.grad.zero_()
        e = torch.zeros(m, dtype=x.dtype, device=x.device)
        e[i] = 1.0
        f(x).backward(e)
        rows.append(x.grad.clone())
    return torch.stack(rows).detach()


def newton_sqrt(a, tol=1e-12, max_iter=50):
    y = a
    n = 0
    while n < max_iter:
        if torch.abs(y**2 - a) <= tol * a:
            break
        y = (y + a / y) / 2
        n += 1
    return y, n


def gradient_or_none(compute, x):
    x = x.clone().detach().requires_grad_(True)
    y = compute(x)
    if not y.requires_grad:
        return None
    y.sum().backward()
    if x.grad is None:
        return None
    return x.grad.detach()


def standardize(array, device="cpu"):
    t = torch.tensor(array, dtype=torch.float32, device=device)
    return (t - t.mean()) / t.std(correction=0)


def to_numpy(tensor):
    return tensor.detach().cpu().numpy()
