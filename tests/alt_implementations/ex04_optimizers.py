"""An independent, correct implementation of exercise 4 (training with torch.optim).

It keeps the public API of ``solutions/ex04_optimizers.py`` but is built
differently on purpose: optimizers come from a table, the loop zeroes
gradients in place instead of setting them to None, evaluation uses
``torch.inference_mode``, ``fit_line`` has its own loop, the hand-written
updates use torch's in-place forms (``add_(alpha=)``, ``lerp_``, ``addcmul_``)
and Adam's other algebraic arrangement, and ``loss_landscape`` never touches
the model at all: it evaluates it with ``torch.func.functional_call`` and
substitute parameters. The mini-batch loop adds up its losses as tensors and
divides by ``len(loader.dataset)``, the split uses ``index_select``, and early
stopping counts epochs without improvement and copies the best weights back
with ``copy_``. ``fit_line`` also copies its input with
``torch.tensor(tensor)`` on purpose, which makes torch print a harmless
UserWarning: a correct solution that warns must still get full marks. Running
the tests against this file shows that the grader's tolerances accept any
correct solution, not just the reference one. It is test data, not course
material.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

import matplotlib.pyplot as plt
import torch
from torch import nn


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


# -- optimizers by name -------------------------------------------------------------------------

_FACTORIES: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "sgd": lambda params, lr, options: torch.optim.SGD(params, lr, **options),
    "momentum": lambda params, lr, options: torch.optim.SGD(params, lr, **{"momentum": 0.9, **options}),
    "adam": lambda params, lr, options: torch.optim.Adam(params, lr, **options),
}


def make_optimizer(name: str, params: Iterable[torch.Tensor], lr: float, **kwargs: Any) -> torch.optim.Optimizer:
    factory = _FACTORIES.get(name)
    if factory is None:
        raise ValueError(f"no optimizer is called {name!r}. Valid names: {sorted(_FACTORIES)}")
    return factory(params, lr, kwargs)


# -- loop and evaluation ----------------------------------------------------------------------


def _mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return nn.functional.mse_loss(prediction, target)


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer,
          loss_fn: Any = None, epochs: int = 100) -> list[float]:
    criterion = loss_fn if loss_fn is not None else _mse
    history = []
    model.train()
    for _epoch in range(epochs):
        optimizer.zero_grad(set_to_none=False)
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        history.append(float(loss.detach()))
    return history


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    modes = {module: module.training for module in model.modules()}
    model.eval()
    try:
        yield
    finally:
        for module, mode in modes.items():
            module.training = mode


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: Any = None) -> float:
    criterion = loss_fn if loss_fn is not None else _mse
    with _eval_mode(model), torch.inference_mode():
        return float(criterion(model(x), y))


# -- linear models -----------------------------------------------------------------------------


class LinearRegression(nn.Module):
    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features=n_features, out_features=1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)[:, 0]


def fit_line(x: torch.Tensor, y: torch.Tensor, epochs: int = 500, lr: float = 0.1) -> tuple[float, float]:
    # Copy-constructing from a tensor makes torch warn; harmless, and kept on purpose (see the module docstring).
    column = torch.tensor(x, dtype=x.dtype, device=x.device).view(len(y), 1)
    targets = y.flatten()
    model = nn.Sequential(nn.Linear(1, 1), nn.Flatten(0, 1)).to(column)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(column), targets).backward()
        optimizer.step()
    weight, bias = model[0].weight, model[0].bias
    return float(weight.reshape(())), float(bias.reshape(()))


# -- update rules by hand ---------------------------------------------------------------------------


def sgd_step(params: Iterable[torch.Tensor], lr: float, momentum: float = 0.0,
             buffers: list[torch.Tensor | None] | None = None) -> list[torch.Tensor | None]:
    params = list(params)
    buffers = list(buffers) if buffers is not None else [None for _ in params]
    with torch.no_grad():
        for index, p in enumerate(params):
            grad = p.grad
            if grad is None:
                continue
            if momentum:
                if buffers[index] is None:
                    buffers[index] = grad.detach().clone()
                else:
                    buffers[index].mul_(momentum).add_(grad)
                grad = buffers[index]
            p.add_(grad, alpha=-lr)
    return buffers


def adam_step(params: Iterable[torch.Tensor], state: dict, lr: float = 1e-3,
              betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
    beta1, beta2 = betas
    with torch.no_grad():
        for index, p in enumerate(params):
            if p.grad is None:
                continue
            if index not in state:
                state[index] = (torch.zeros_like(p), torch.zeros_like(p), [0])
            first, second, count = state[index]
            count[0] += 1  # torch counts steps per parameter
            t = count[0]
            step_size = lr / (1.0 - beta1**t)
            root_correction = math.sqrt(1.0 - beta2**t)
            first.lerp_(p.grad, 1.0 - beta1)
            second.mul_(beta2).addcmul_(p.grad, p.grad, value=1.0 - beta2)
            p.addcdiv_(first, second.sqrt().div_(root_correction).add_(eps), value=-step_size)


# -- loss landscape ------------------------------------------------------------------------------


def the_linear_layer(model: nn.Module) -> nn.Linear:
    layers = [module for module in model.modules() if isinstance(module, nn.Linear)]
    if len(layers) != 1 or layers[0].in_features != 1 or layers[0].out_features != 1:
        raise ValueError("loss_landscape needs a model with exactly one nn.Linear(1, 1) layer")
    return layers[0]


def loss_landscape(model: nn.Module, x: torch.Tensor, y: torch.Tensor, weights: Sequence[float],
                   biases: Sequence[float], loss_fn: Any = None) -> torch.Tensor:
    criterion = loss_fn if loss_fn is not None else _mse
    layer = the_linear_layer(model)
    prefix = next(name for name, module in model.named_modules() if module is layer)
    weight_name = f"{prefix}.weight" if prefix else "weight"
    bias_name = f"{prefix}.bias" if prefix else "bias"
    like = layer.weight
    rows = []
    with torch.no_grad():
        for w in weights:
            row = []
            for b in biases:
                substitutes = {weight_name: torch.full_like(like, float(w)),
                               bias_name: torch.full_like(layer.bias, float(b))}
                row.append(criterion(torch.func.functional_call(model, substitutes, (x,)), y))
            rows.append(torch.stack(row))
    return torch.stack(rows).to(dtype=like.dtype, device=like.device)


# -- comparing optimizers ---------------------------------------------------------------------------


def compare_optimizers(make_model: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor,
                       names: Sequence[str] = ("sgd", "momentum", "adam"), lr: float = 0.05, epochs: int = 100,
                       seed: int = 0, loss_fn: Any = None) -> dict[str, list[float]]:
    def race(name: str) -> list[float]:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = make_model()
        return train(model, x, y, make_optimizer(name, model.parameters(), lr), loss_fn, epochs)

    return {name: race(name) for name in names}


def plot_losses(curves: dict[str, Sequence[float]], ax: Any = None) -> Any:
    axes = ax if ax is not None else plt.figure().add_subplot()
    for name in curves:
        axes.semilogy(curves[name], label=name)
    axes.set(xlabel="epoch", ylabel="loss", title="training loss by optimizer")
    axes.legend(loc="upper right")
    return axes


# -- mini-batches, validation, early stopping -----------------------------------------------------------


def make_loader(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int = 0, shuffle: bool = True) -> Any:
    from torch.utils.data import DataLoader, TensorDataset

    own = torch.Generator()
    own.manual_seed(seed)
    return DataLoader(dataset=TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle, generator=own,
                      num_workers=0, drop_last=False)


def train_minibatch(model: nn.Module, loader: Any, optimizer: torch.optim.Optimizer, loss_fn: Any = None,
                    epochs: int = 1) -> list[float]:
    criterion = loss_fn if loss_fn is not None else _mse
    history = []
    for _epoch in range(epochs):
        running = None
        for inputs, targets in loader:
            model.train()
            optimizer.zero_grad(set_to_none=False)
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()
            part = loss.detach().double() * targets.shape[0]
            running = part if running is None else running + part
        history.append(float(running) / len(loader.dataset))
    return history


_SUMMED_SCALE = {"sgd": True, "momentum": True, "adam": False}


def lr_for_summed_loss(name: str, lr: float, batch_size: int) -> float:
    if name not in _SUMMED_SCALE:
        raise ValueError(f"no optimizer is called {name!r}. Valid names: {sorted(_SUMMED_SCALE)}")
    return lr / batch_size if _SUMMED_SCALE[name] else float(lr)


def split_train_val(x: torch.Tensor, y: torch.Tensor, n_val: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    own = torch.Generator()
    own.manual_seed(seed)
    held_out, kept = torch.randperm(x.shape[0], generator=own).split([n_val, x.shape[0] - n_val])
    kept, held_out = kept.to(x.device), held_out.to(x.device)
    return x.index_select(0, kept), y.index_select(0, kept), x.index_select(0, held_out), y.index_select(0, held_out)


def fit_with_validation(model: nn.Module, train_loader: Any, x_val: torch.Tensor, y_val: torch.Tensor,
                        optimizer: torch.optim.Optimizer, loss_fn: Any = None, epochs: int = 10
                        ) -> tuple[list[float], list[float]]:
    pairs = [(train_minibatch(model, train_loader, optimizer, loss_fn, 1)[0], evaluate(model, x_val, y_val, loss_fn))
             for _ in range(epochs)]
    return [train for train, _ in pairs], [held for _, held in pairs]


def train_with_early_stopping(model: nn.Module, train_loader: Any, x_val: torch.Tensor, y_val: torch.Tensor,
                              optimizer: torch.optim.Optimizer, loss_fn: Any = None, max_epochs: int = 100,
                              patience: int = 5) -> tuple[list[float], list[float], int]:
    train_curve: list[float] = []
    val_curve: list[float] = []
    best, best_epoch, waited, kept = math.inf, 0, 0, None
    while len(val_curve) < max_epochs and waited < patience:
        train_loss, val_loss = fit_with_validation(model, train_loader, x_val, y_val, optimizer, loss_fn, 1)
        train_curve += train_loss
        val_curve += val_loss
        if kept is None or val_loss[0] < best:
            best, best_epoch, waited = val_loss[0], len(val_curve) - 1, 0
            kept = {name: tensor.clone() for name, tensor in model.state_dict().items()}
        else:
            waited += 1
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            tensor.copy_(kept[name])
    return train_curve, val_curve, best_epoch
