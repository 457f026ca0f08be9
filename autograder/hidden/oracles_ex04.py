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


def least_squares(x: Any, y: Any) -> np.ndarray:
    """Closed-form least squares with an intercept: the coefficients, then the intercept."""
    y = np.asarray(y, dtype=float)
    design = np.column_stack([np.asarray(x, dtype=float).reshape(len(y), -1), np.ones(len(y))])
    return np.linalg.lstsq(design, y, rcond=None)[0]


# -- Tasks 4.7 to 4.9: mini-batches, validation, early stopping ------------------------------------

#: Source that builds `loader` over (x, y) with torch's own DataLoader, in the snippet: the grader's text, so the
#: tests of the loops do not depend on the student's `make_loader`.
TORCH_LOADER = ("from torch.utils.data import DataLoader as _DataLoader, TensorDataset as _TensorDataset\n"
                "loader = _DataLoader(_TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True, "
                "generator=torch.Generator().manual_seed(loader_seed))\n")


def torch_loader(x: Any, y: Any, batch_size: int, seed: int, shuffle: bool = True) -> Any:
    """torch's own DataLoader over (x, y), shuffled by a generator of its own seeded with `seed`."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle,
                      generator=torch.Generator().manual_seed(seed))


def uneven_batch_size(rng: np.random.Generator, n: int, low: int = 2, high: int = 7) -> int:
    """A batch size in [low, high) that does not divide `n`, so the last batch is a smaller one."""
    choices = [size for size in range(low, high) if n % size]
    return int(rng.choice(choices))


def minibatch_epochs(model: Any, loader: Any, optimizer: Any, loss_fn: Any, epochs: int) -> list[float]:
    """Epochs of one step per batch; each epoch's loss is the mean over its rows of each row's batch loss."""
    history = []
    for _ in range(epochs):
        model.train()
        weighted: list[tuple[float, int]] = []
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            weighted.append((loss.item(), targets.shape[0]))
        history.append(math.fsum(value * rows for value, rows in weighted) / sum(rows for _, rows in weighted))
    return history


def held_out_loss(model: Any, x: Any, y: Any, loss_fn: Any) -> float:
    """The loss on held-out rows in eval mode, without a graph; the model's mode is put back."""
    import torch

    mode = model.training
    model.eval()
    with torch.no_grad():
        value = loss_fn(model(x), y).item()
    model.train(mode)
    return value


def validation_run(model: Any, loader: Any, x_val: Any, y_val: Any, optimizer: Any, loss_fn: Any,
                   epochs: int) -> tuple[list[float], list[float]]:
    """Training and validation curves: an epoch of mini-batches, then the held-out loss, `epochs` times."""
    train_curve, val_curve = [], []
    for _ in range(epochs):
        train_curve += minibatch_epochs(model, loader, optimizer, loss_fn, 1)
        val_curve.append(held_out_loss(model, x_val, y_val, loss_fn))
    return train_curve, val_curve


def early_stopping_run(model: Any, loader: Any, x_val: Any, y_val: Any, optimizer: Any, loss_fn: Any,
                       max_epochs: int, patience: int) -> tuple[list[float], list[float], int]:
    """Validation curves until `patience` epochs pass without a strictly lower validation loss; best weights kept."""
    train_curve: list[float] = []
    val_curve: list[float] = []
    best_epoch, saved = 0, {name: value.detach().clone() for name, value in model.state_dict().items()}
    for epoch in range(max_epochs):
        more_train, more_val = validation_run(model, loader, x_val, y_val, optimizer, loss_fn, 1)
        train_curve += more_train
        val_curve += more_val
        if epoch == 0 or val_curve[-1] < min(val_curve[:-1]):
            best_epoch = epoch
            saved = {name: value.detach().clone() for name, value in model.state_dict().items()}
        if epoch - best_epoch == patience:
            break
    model.load_state_dict(saved)
    return train_curve, val_curve, best_epoch
