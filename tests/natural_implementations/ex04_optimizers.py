"""Exercise 4 as a strong student writes it from the skeleton's docstrings and public tests alone.

Written to check that the contract a student reads is the contract the grader
checks, so it follows the docstrings, not the reference solution. Where the
skeleton leaves a choice open this file takes another reasonable one:
``loss_fn or nn.MSELoss()``, ``float(loss)``, ``view(-1)`` for the
predictions, the model moved with ``.to(x)``, Adam's state keyed by the
parameter's position with a dict per parameter, torch's in-place forms
(``mul_``, ``addcmul_``, ``addcdiv_``), a landscape made with
``torch.zeros``, plotted curves that start at x = 0, an epoch's loss divided by
``len(loader.dataset)`` and early stopping that counts epochs without
improvement from a best of infinity. The given helpers
(the data sets and ``the_linear_layer``) are copied from the skeleton.
"""

from __future__ import annotations

import copy
from typing import Callable, Iterable, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

LossFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

OPTIMIZER_NAMES = ("sgd", "momentum", "adam")


def make_regression_data(n: int = 200, n_features: int = 3, noise: float = 0.1, seed: int = 0,
                         dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, n_features, generator=generator, dtype=torch.float64)
    true_weights = torch.linspace(-2.0, 3.0, n_features, dtype=torch.float64)
    price = x @ true_weights + 1.5 + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return x.to(dtype), price.to(dtype)


def make_line_data(n: int = 50, slope: float = 2.0, intercept: float = -1.0, noise: float = 0.1, seed: int = 0,
                   dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    x = 2.0 * torch.rand(n, 1, generator=generator, dtype=torch.float64) - 1.0
    y = slope * x[:, 0] + intercept + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return x.to(dtype), y.to(dtype)


def make_optimizer(name: str, params: Iterable[torch.Tensor], lr: float, **kwargs: object) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, **kwargs)
    elif name == "momentum":
        options = {"momentum": 0.9}
        options.update(kwargs)
        return torch.optim.SGD(params, lr=lr, **options)
    elif name == "adam":
        return torch.optim.Adam(params, lr=lr, **kwargs)
    raise ValueError(f"Unknown optimizer '{name}'. Valid names are: sgd, momentum, adam")


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer,
          loss_fn: LossFunction | None = None, epochs: int = 100) -> list[float]:
    loss_fn = loss_fn or nn.MSELoss()
    history = []
    for _epoch in range(epochs):
        model.train()
        optimizer.zero_grad()
        prediction = model(x)
        loss = loss_fn(prediction, y)
        loss.backward()
        optimizer.step()
        history.append(float(loss))
    return history


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFunction | None = None) -> float:
    loss_fn = loss_fn or nn.MSELoss()
    mode = model.training
    model.eval()
    try:
        with torch.no_grad():
            loss = loss_fn(model(x), y)
        return loss.item()
    finally:
        model.train(mode)


class LinearRegression(nn.Module):
    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.linear = nn.Linear(n_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(-1)


def fit_line(x: torch.Tensor, y: torch.Tensor, epochs: int = 500, lr: float = 0.1) -> tuple[float, float]:
    x = x.view(-1, 1)
    y = y.view(-1)
    model = nn.Sequential(nn.Linear(1, 1), nn.Flatten(0, 1)).to(x)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    train(model, x, y, optimizer, nn.MSELoss(), epochs)
    layer = model[0]
    return layer.weight.item(), layer.bias.item()


def sgd_step(params: Iterable[torch.Tensor], lr: float, momentum: float = 0.0,
             buffers: list[torch.Tensor | None] | None = None) -> list[torch.Tensor | None]:
    params = list(params)
    if buffers is None:
        buffers = [None] * len(params)
    new_buffers = []
    with torch.no_grad():
        for p, buf in zip(params, buffers, strict=False):
            if p.grad is not None:
                g = p.grad
                if momentum != 0:
                    if buf is None:
                        buf = torch.clone(g).detach()
                    else:
                        buf = buf * momentum + g
                    g = buf
                p.sub_(lr * g)
            new_buffers.append(buf)
    return new_buffers


def adam_step(params: Iterable[torch.Tensor], state: dict, lr: float = 1e-3,
              betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
    beta1, beta2 = betas
    with torch.no_grad():
        for i, p in enumerate(params):
            if p.grad is None:
                continue
            s = state.setdefault(i, {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)})
            s["t"] += 1
            g = p.grad
            s["m"].mul_(beta1).add_(g, alpha=1 - beta1)
            s["v"].mul_(beta2).addcmul_(g, g, value=1 - beta2)
            m_hat = s["m"] / (1 - beta1 ** s["t"])
            v_hat = s["v"] / (1 - beta2 ** s["t"])
            p.addcdiv_(m_hat, v_hat.sqrt().add_(eps), value=-lr)


def the_linear_layer(model: nn.Module) -> nn.Linear:
    layers = [module for module in model.modules() if isinstance(module, nn.Linear)]
    if len(layers) != 1 or layers[0].in_features != 1 or layers[0].out_features != 1:
        raise ValueError("loss_landscape needs a model with exactly one nn.Linear(1, 1) layer")
    return layers[0]


def loss_landscape(model: nn.Module, x: torch.Tensor, y: torch.Tensor, weights: Sequence[float],
                   biases: Sequence[float], loss_fn: LossFunction | None = None) -> torch.Tensor:
    loss_fn = loss_fn or nn.MSELoss()
    layer = the_linear_layer(model)
    old_weight = layer.weight.detach().clone()
    old_bias = layer.bias.detach().clone()
    result = torch.zeros((len(weights), len(biases)), dtype=layer.weight.dtype, device=layer.weight.device)
    with torch.no_grad():
        try:
            for i, w in enumerate(weights):
                for j, b in enumerate(biases):
                    layer.weight.fill_(w)
                    layer.bias.fill_(b)
                    result[i, j] = loss_fn(model(x), y)
        finally:
            layer.weight.copy_(old_weight)
            layer.bias.copy_(old_bias)
    return result


def compare_optimizers(make_model: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor,
                       names: Sequence[str] = OPTIMIZER_NAMES, lr: float = 0.05, epochs: int = 100, seed: int = 0,
                       loss_fn: LossFunction | None = None) -> dict[str, list[float]]:
    results = {}
    for name in names:
        torch.manual_seed(seed)
        model = make_model()
        optimizer = make_optimizer(name, model.parameters(), lr)
        results[name] = train(model, x, y, optimizer, loss_fn, epochs)
    return results


def plot_losses(curves: dict[str, Sequence[float]], ax: Axes | None = None) -> Axes:
    if ax is None:
        fig, ax = plt.subplots()
    for name, losses in curves.items():
        ax.plot(losses, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    return ax


def make_loader(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int = 0, shuffle: bool = True) -> DataLoader:
    dataset = TensorDataset(x, y)
    g = torch.Generator()
    g.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=g)


def train_minibatch(model: nn.Module, loader: DataLoader, optimizer: torch.optim.Optimizer,
                    loss_fn: LossFunction | None = None, epochs: int = 1) -> list[float]:
    loss_fn = loss_fn or nn.MSELoss()
    history = []
    for _epoch in range(epochs):
        model.train()
        running = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            running += loss.item() * xb.size(0)
        history.append(running / len(loader.dataset))
    return history


def lr_for_summed_loss(name: str, lr: float, batch_size: int) -> float:
    if name == "adam":
        return lr
    elif name in ("sgd", "momentum"):
        return lr / batch_size
    raise ValueError(f"Unknown optimizer '{name}'. Valid names are: sgd, momentum, adam")


def split_train_val(x: torch.Tensor, y: torch.Tensor, n_val: int, seed: int = 0
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(x), generator=g)
    val_idx = perm[:n_val]
    train_idx = perm[n_val:]
    return x[train_idx], y[train_idx], x[val_idx], y[val_idx]


def fit_with_validation(model: nn.Module, train_loader: DataLoader, x_val: torch.Tensor, y_val: torch.Tensor,
                        optimizer: torch.optim.Optimizer, loss_fn: LossFunction | None = None, epochs: int = 10
                        ) -> tuple[list[float], list[float]]:
    train_losses, val_losses = [], []
    for _epoch in range(epochs):
        train_losses.append(train_minibatch(model, train_loader, optimizer, loss_fn, epochs=1)[0])
        val_losses.append(evaluate(model, x_val, y_val, loss_fn))
    return train_losses, val_losses


def train_with_early_stopping(model: nn.Module, train_loader: DataLoader, x_val: torch.Tensor, y_val: torch.Tensor,
                              optimizer: torch.optim.Optimizer, loss_fn: LossFunction | None = None,
                              max_epochs: int = 100, patience: int = 5) -> tuple[list[float], list[float], int]:
    train_losses, val_losses = [], []
    best_loss = float("inf")
    best_epoch = 0
    best_state = copy.deepcopy(model.state_dict())
    epochs_without_improvement = 0
    for epoch in range(max_epochs):
        t, v = fit_with_validation(model, train_loader, x_val, y_val, optimizer, loss_fn, epochs=1)
        train_losses.append(t[0])
        val_losses.append(v[0])
        if v[0] < best_loss:
            best_loss = v[0]
            best_epoch = epoch
            best_state = copy.deepcopy(model.state_dict())
            epochs_without_improvement = 0
        else:
            epochs_without_improvement += 1
            if epochs_without_improvement >= patience:
                break
    model.load_state_dict(best_state)
    return train_losses, val_losses, best_epoch
