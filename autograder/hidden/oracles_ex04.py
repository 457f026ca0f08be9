"""Independent oracles for the hidden tests of exercise 4 (training with torch.optim).

The expected values never come from the student's module or the reference.
A test describes a model as Python source (a seed, then an ``nn.Sequential``);
the snippet builds it from that source in the sandbox and this module builds
the identical one here, in the grader's process, from the same source and
seed. Then the grader trains its copy with ``torch.optim`` itself and a loop
written out below, or solves least squares in closed form with numpy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: Every snippet starts with these imports, so it never depends on what the student's module imports.
IMPORTS = "import torch\nfrom torch import nn\n"
#: Tensors from the plain-data inputs `xs` and `ys`, on the device under test.
DATA = "x = torch.tensor(xs, device=device)\ny = torch.tensor(ys, device=device)\n"
PARAMETERS = "[p.detach().cpu().numpy() for p in model.parameters()]"

ZERO_GRAD_HINT = ("the first loss is right but later ones drift: backward() adds to .grad, so gradients pile up "
                  "unless you call optimizer.zero_grad() every epoch")
STEP_HINT = ("the loss never changes. Either the parameters never moved (loss.backward() fills .grad and "
             "optimizer.step() uses it: call optimizer.step() after loss.backward(), with no zero_grad() between "
             "them), or the loss was computed once, before the loop (do the forward pass and the loss inside the "
             "loop, every epoch)")
LOOP_HINT = "each epoch is model.train(), optimizer.zero_grad(), forward, loss, loss.backward(), optimizer.step()"
ITEM_HINT = "return Python floats: use loss.item() (or float(...)), not the tensor itself"


def available_devices() -> list[str]:
    """"cpu", plus "cuda" when this machine has a GPU that torch can use."""
    import torch

    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def random_architecture(rng: np.random.Generator, n_in: int, dropout: float | None = None,
                        kind: str = "mlp") -> str:
    """Source of a small regression network with `n_in` inputs and outputs of shape (n,).

    The kind of network (one Linear layer, or two with a Tanh between them) is the test's choice, never the
    seed's: only sizes are drawn.
    """
    hidden = int(rng.integers(3, 7))
    if dropout is not None:
        return (f"nn.Sequential(nn.Linear({n_in}, {hidden}), nn.ReLU(), nn.Dropout({dropout!r}), "
                f"nn.Linear({hidden}, 1), nn.Flatten(0, 1))")
    if kind == "linear":
        return f"nn.Sequential(nn.Linear({n_in}, 1), nn.Flatten(0, 1))"
    return f"nn.Sequential(nn.Linear({n_in}, {hidden}), nn.Tanh(), nn.Linear({hidden}, 1), nn.Flatten(0, 1))"


def model_source(architecture: str) -> str:
    """Lines that seed torch and build `model` in float64 on `device`, identically on both sides."""
    return f"torch.manual_seed(seed)\nmodel = ({architecture}).to(dtype=torch.float64, device=device)\n"


def build(source: str, **values: Any) -> dict[str, Any]:
    """Run `source` here (the grader's own text) and give back its namespace."""
    import torch
    from torch import nn

    namespace: dict[str, Any] = {"torch": torch, "nn": nn, **values}
    exec(IMPORTS + source, namespace)  # noqa: S102 - trusted text written by the tests
    return namespace


def random_data(rng: np.random.Generator, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and smooth noisy targets, as float64 arrays."""
    n = int(rng.integers(12, 40))
    xs = rng.normal(size=(n, n_in))
    ys = np.tanh(xs @ rng.normal(size=n_in)) + 0.1 * rng.normal(size=n)
    return xs, ys


def tensors(xs: np.ndarray, ys: np.ndarray, device: str) -> tuple[Any, Any]:
    import torch

    return torch.tensor(xs, device=device), torch.tensor(ys, device=device)


def hand_loop(model: Any, x: Any, y: Any, optimizer: Any, loss_fn: Any, epochs: int) -> list[float]:
    """The canonical training loop, written independently of any solution."""
    losses = []
    for _ in range(epochs):
        model.train()
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def parameters_of(model: Any) -> list[np.ndarray]:
    return [p.detach().cpu().numpy() for p in model.parameters()]


def loop_hint(got: Any, expected: list[float]) -> str:
    """Name the likely mistake from the shape of a wrong loss curve."""
    if isinstance(got, list) and len(got) == len(expected) > 2 and all(type(v) is float for v in got):
        if len(set(got)) == 1 and len(set(expected)) > 1:
            return STEP_HINT
        if math.isclose(got[0], expected[0], rel_tol=1e-9, abs_tol=1e-12):
            return ZERO_GRAD_HINT
    return LOOP_HINT


def least_squares(x: Any, y: Any) -> np.ndarray:
    """Closed-form least squares with an intercept: the coefficients, then the intercept."""
    y = np.asarray(y, dtype=float)
    design = np.column_stack([np.asarray(x, dtype=float).reshape(len(y), -1), np.ones(len(y))])
    return np.linalg.lstsq(design, y, rcond=None)[0]
