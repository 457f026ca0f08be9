"""Exercise 4: training with torch.optim.

In exercise 3 you wrote descent loops yourself: compute a loss, call
``backward()``, and nudge every tensor by hand inside ``torch.no_grad()``.
PyTorch packages that nudge as an *optimizer*: an object that holds references
to a model's parameters and, on ``step()``, updates each of them from the
gradient that ``backward()`` left in its ``.grad``. A model is an ``nn.Module``,
a container that knows its parameters, so the whole of training shrinks to
five lines that you will write many times in your life:

    model.train()            # layers such as dropout behave as in training
    optimizer.zero_grad()    # forget the previous gradient (backward adds to .grad)
    loss = loss_fn(model(x), y)
    loss.backward()          # fill every parameter's .grad
    optimizer.step()         # move the parameters

This exercise makes each of those lines earn its place. You build the loop and
its twin for evaluation, fit linear models with it, then open the box: you
write SGD with momentum and Adam yourself and check that your updates agree
with ``torch.optim``'s, up to rounding. You look at a loss landscape and at
the curves that different optimizers trace on the same problem. Finally you
train the way real data needs: in mini-batches, with a validation set held
out to tell learning from memorising, and with early stopping.

Work through the tasks in order; each function names its task in its docstring.

* Task 4.1 - ``make_optimizer``: plain SGD, SGD with momentum and Adam, by name.
* Task 4.2 - ``train`` (the canonical loop, one loss per epoch) and
  ``evaluate`` (eval mode, no gradients, the model's mode put back afterwards).
* Task 4.3 - ``LinearRegression``, a module holding one ``nn.Linear``, and
  ``fit_line``, which recovers the slope and intercept of noisy points.
* Task 4.4 - ``sgd_step`` and ``adam_step``: the update rules by hand.
* Task 4.5 - ``loss_landscape``: the loss over a grid of (weight, bias) pairs,
  computed without touching the model for good.
* Task 4.6 - ``compare_optimizers`` and ``plot_losses``.
* Task 4.7 - mini-batches: ``make_loader`` (a ``DataLoader`` shuffled
  reproducibly from a seed), ``train_minibatch`` (one step per batch, one
  loss per epoch) and ``lr_for_summed_loss`` (why a summed loss needs
  another learning rate than a mean one).
* Task 4.8 - ``split_train_val`` (a seeded split, every row in exactly one
  part) and ``fit_with_validation`` (the validation loss after every epoch).
* Task 4.9 - ``train_with_early_stopping``: stop when the validation loss
  stops improving, and keep the best weights, not the last.

The data sets are made here, with fixed seeds, by ``make_regression_data`` (a
small stand-in for a table of house features and prices) and
``make_line_data``; nothing is downloaded.

Check your work with::

    pytest exercises/tests/test_ex04_optimizers.py

Everything runs on whatever device the tensors you are given live on: create
new tensors and models on ``x.device`` (and with ``x.dtype``), never on a
device or dtype you picked yourself. The tests check this on every machine,
GPU or not, on torch's "meta" device: tensors there have a shape, a dtype and
a device but no values, so code that puts something on a device of its own
choosing mixes devices there and fails, just as it would on a GPU.
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

#: The names `make_optimizer` understands.
OPTIMIZER_NAMES = ("sgd", "momentum", "adam")


# -- Given: small data sets with fixed seeds ------------------------------------------------


def make_regression_data(n: int = 200, n_features: int = 3, noise: float = 0.1, seed: int = 0,
                         dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """A tiny stand-in for a housing table: `n` rows of standardised features and a price.

    Think of the columns as a house's size, age, distance to the centre and so
    on, already scaled to mean 0 and spread 1; the "price" is a fixed linear mix
    of them, plus an offset and Gaussian noise of standard deviation `noise`.
    The same seed always gives the same table. Returns ``x`` of shape
    ``(n, n_features)`` and ``y`` of shape ``(n,)``.
    """
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, n_features, generator=generator, dtype=torch.float64)
    true_weights = torch.linspace(-2.0, 3.0, n_features, dtype=torch.float64)
    price = x @ true_weights + 1.5 + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return x.to(dtype), price.to(dtype)


def make_line_data(n: int = 50, slope: float = 2.0, intercept: float = -1.0, noise: float = 0.1, seed: int = 0,
                   dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy points around the line ``y = slope * x + intercept``, with x spread over [-1, 1].

    Returns ``x`` of shape ``(n, 1)`` (one feature per row, as ``nn.Linear(1, 1)``
    expects) and ``y`` of shape ``(n,)``.
    """
    generator = torch.Generator().manual_seed(seed)
    x = 2.0 * torch.rand(n, 1, generator=generator, dtype=torch.float64) - 1.0
    y = slope * x[:, 0] + intercept + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return x.to(dtype), y.to(dtype)


# -- Task 4.1: optimizers by name -------------------------------------------------------------


def make_optimizer(name: str, params: Iterable[torch.Tensor], lr: float, **kwargs: object) -> torch.optim.Optimizer:
    """An optimizer over `params` chosen by name, so experiments can loop over names.

    * ``"sgd"``: ``torch.optim.SGD``, plain gradient descent;
    * ``"momentum"``: ``torch.optim.SGD`` with momentum 0.9, unless
      ``momentum=`` is given in `kwargs`;
    * ``"adam"``: ``torch.optim.Adam``.

    `lr` is the learning rate and any other keyword (``weight_decay``,
    ``betas``, ...) is handed to the optimizer unchanged. Any other name is a
    mistake worth stopping for: raise ``ValueError`` with a message that lists
    the valid names. Task 4.1.
    """
    ### BEGIN SOLUTION
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, **kwargs)
    if name == "momentum":
        kwargs.setdefault("momentum", 0.9)
        return torch.optim.SGD(params, lr=lr, **kwargs)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, **kwargs)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZER_NAMES)}")
    ### END SOLUTION


# -- Task 4.2: the training loop and evaluation -------------------------------------------


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer,
          loss_fn: LossFunction | None = None, epochs: int = 100) -> list[float]:
    """Train `model` on the whole of (x, y) for `epochs` steps; return one loss per epoch.

    Each epoch is one full-batch step of the canonical loop: ``model.train()``,
    ``optimizer.zero_grad()``, the forward pass, the loss, ``backward()`` and
    ``optimizer.step()``, in that order. The loss recorded for an epoch is the
    one computed in that epoch, before its step, as a Python float
    (``loss.item()``): a list of tensors would also keep every epoch's graph
    alive. `loss_fn` defaults to ``nn.MSELoss()``. Task 4.2.
    """
    ### BEGIN SOLUTION
    loss_fn = nn.MSELoss() if loss_fn is None else loss_fn
    losses: list[float] = []
    for _ in range(epochs):
        model.train()
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
    ### END SOLUTION


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFunction | None = None) -> float:
    """The loss of `model` on (x, y) as a Python float, measured the way a test set is.

    Switch the model to eval mode (dropout off, batch norm on its running
    statistics) and compute the loss under ``torch.no_grad()``, because nothing
    here will be differentiated. Afterwards put the model back in the mode it
    was in (``model.train(was_training)``), so that calling ``evaluate`` in the
    middle of training changes nothing. `loss_fn` defaults to ``nn.MSELoss()``.
    Task 4.2.
    """
    ### BEGIN SOLUTION
    loss_fn = nn.MSELoss() if loss_fn is None else loss_fn
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return loss_fn(model(x), y).item()
    finally:
        model.train(was_training)
    ### END SOLUTION


# -- Task 4.3: linear models ----------------------------------------------------------------


class LinearRegression(nn.Module):
    """``y = x @ w + b`` as a module: one ``nn.Linear(n_features, 1)`` stored as ``self.linear``.

    ``self.linear`` is the module's only submodule: ``list(model.modules())``
    is the model itself and that Linear, nothing else (no ``nn.Flatten``:
    reshape in ``forward`` instead). ``forward`` takes ``x`` of shape
    ``(n, n_features)`` and returns shape ``(n,)``, the shape of the targets,
    for every ``n``, 1 included: squeeze only the last dimension
    (``.squeeze(-1)``), because ``.squeeze()`` turns a ``(1, 1)`` output into
    shape ``()``. Returning ``(n, 1)`` is a classic bug: ``nn.MSELoss`` would
    broadcast an ``(n, 1)`` prediction against ``(n,)`` targets into an
    ``(n, n)`` table of every prediction minus every target.
    """

    def __init__(self, n_features: int) -> None:
        """Create ``self.linear``, the only layer, with `n_features` inputs and one output. Task 4.3."""
        ### BEGIN SOLUTION
        super().__init__()
        self.linear = nn.Linear(n_features, 1)
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predictions of shape ``(n,)`` for inputs of shape ``(n, n_features)``. Task 4.3."""
        ### BEGIN SOLUTION
        return self.linear(x).squeeze(-1)
        ### END SOLUTION


def fit_line(x: torch.Tensor, y: torch.Tensor, epochs: int = 500, lr: float = 0.1) -> tuple[float, float]:
    """Fit ``y ~ slope * x + intercept`` by gradient descent; return ``(slope, intercept)`` as floats.

    Build the model as ``nn.Sequential(nn.Linear(1, 1), nn.Flatten(0, 1))``
    (the Flatten turns the ``(n, 1)`` output into ``(n,)``) with the dtype and
    device of `x` (``.to(dtype=x.dtype, device=x.device)``: float32 parameters
    cannot multiply float64 data), and train it with ``torch.optim.SGD`` at
    rate `lr` and the mean squared error for `epochs` full-batch steps (your
    ``train`` does exactly this). `x` may have shape ``(n,)`` or ``(n, 1)``;
    `y` has ``n`` values. The slope is the Linear layer's weight and the
    intercept its bias, returned as Python floats, not tensors. Task 4.3.
    """
    ### BEGIN SOLUTION
    inputs, targets = x.reshape(-1, 1), y.reshape(-1)
    model = nn.Sequential(nn.Linear(1, 1), nn.Flatten(0, 1)).to(dtype=inputs.dtype, device=inputs.device)
    train(model, inputs, targets, torch.optim.SGD(model.parameters(), lr=lr), epochs=epochs)
    line = model[0]
    return line.weight.item(), line.bias.item()
    ### END SOLUTION


# -- Task 4.4: the update rules by hand ---------------------------------------------------


def sgd_step(params: Iterable[torch.Tensor], lr: float, momentum: float = 0.0,
             buffers: list[torch.Tensor | None] | None = None) -> list[torch.Tensor | None]:
    """One step of SGD with momentum, as ``torch.optim.SGD(params, lr=lr, momentum=momentum)`` takes it.

    That is torch's SGD with its other options at their defaults:
    ``dampening=0``, ``nesterov=False``, ``weight_decay=0`` and
    ``maximize=False``; the parameters must come out as torch's do, to
    rounding. For every parameter ``p`` whose ``.grad`` is set (skip the
    others, and leave their buffers as they are)::

        buf = grad                     on the first step (no buffer yet)
        buf = momentum * buf + grad    on later steps
        p  -= lr * buf

    This is torch's convention, not the textbook one (``v = momentum * v -
    lr * grad``, then ``p += v``): the two take the same steps while `lr`
    stays the same, and differ when `lr` changes from one step to the next,
    because torch's buffer adds up gradients and each step scales it by the
    `lr` of that step. With ``momentum == 0`` there is no buffer and the step
    is ``p -= lr * grad``.

    Update the parameters in place under ``torch.no_grad()``. `buffers` is the
    list this function returned last time, or ``None``: no buffers yet, a
    fresh start. Return the new list, one entry per parameter (``None`` where
    there is no buffer), for the caller to pass back next step; remember
    nothing else between calls (no module-level or default-argument state),
    so that every run that starts from ``None`` starts afresh. A new buffer
    lives where its parameter does (``grad.clone()``, ``torch.zeros_like``).
    Task 4.4.
    """
    ### BEGIN SOLUTION
    params = list(params)
    old_buffers = [None] * len(params) if buffers is None else list(buffers)
    new_buffers: list[torch.Tensor | None] = []
    with torch.no_grad():
        for p, buf in zip(params, old_buffers, strict=False):
            if p.grad is None:
                new_buffers.append(buf)
                continue
            direction = p.grad
            if momentum != 0:
                buf = p.grad.clone() if buf is None else momentum * buf + p.grad
                direction = buf
            p -= lr * direction
            new_buffers.append(buf)
    return new_buffers
    ### END SOLUTION


def adam_step(params: Iterable[torch.Tensor], state: dict, lr: float = 1e-3,
              betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
    """One step of Adam, as ``torch.optim.Adam(params, lr=lr, betas=betas, eps=eps)`` takes it.

    That is torch's Adam with its other options at their defaults:
    ``weight_decay=0``, ``amsgrad=False`` and ``maximize=False``; the
    parameters must come out as torch's do, to rounding.

    `state` is a dict that the caller creates empty (``{}``) and passes to
    every call, with the parameters in the same order each time. Keep in it,
    as torch does, for *each parameter*: its own step count ``t`` (from 0),
    and the running means ``m`` (of the gradient) and ``v`` (of its square),
    zero tensors like the parameter to begin with (``torch.zeros_like(p)``,
    so they live on its device, with its dtype). The keys are yours to
    choose (the parameter's position in the list, say). A parameter whose
    ``.grad`` is None takes no step at all: its ``t``, ``m`` and ``v`` stay
    as they are, so counts can differ between parameters. For each parameter
    with a gradient ``g``::

        t     = t + 1                          (this parameter's own count)
        m     = beta1 * m + (1 - beta1) * g
        v     = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)           (bias correction: m and v start
        v_hat = v / (1 - beta2 ** t)            at 0, so they are too small early on)
        p    -= lr * m_hat / (sqrt(v_hat) + eps)

    Update in place under ``torch.no_grad()``; nothing is returned. Task 4.4.
    """
    ### BEGIN SOLUTION
    beta1, beta2 = betas
    with torch.no_grad():
        for index, p in enumerate(params):
            if p.grad is None:
                continue
            if index not in state:
                state[index] = {"step": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)}
            moments = state[index]
            moments["step"] += 1
            t = moments["step"]
            g, m, v = p.grad, moments["m"], moments["v"]
            m.mul_(beta1).add_((1 - beta1) * g)
            v.mul_(beta2).add_((1 - beta2) * g * g)
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            p -= lr * m_hat / (v_hat.sqrt() + eps)
    ### END SOLUTION


# -- Task 4.5: a loss landscape -------------------------------------------------------------


def the_linear_layer(model: nn.Module) -> nn.Linear:
    """The one ``nn.Linear(1, 1)`` inside `model` (the model itself may be it).

    Raises ValueError if there is not exactly one, because a landscape over one
    weight and one bias only makes sense for such a model.
    """
    layers = [module for module in model.modules() if isinstance(module, nn.Linear)]
    if len(layers) != 1 or layers[0].in_features != 1 or layers[0].out_features != 1:
        raise ValueError("loss_landscape needs a model with exactly one nn.Linear(1, 1) layer")
    return layers[0]


def loss_landscape(model: nn.Module, x: torch.Tensor, y: torch.Tensor, weights: Sequence[float],
                   biases: Sequence[float], loss_fn: LossFunction | None = None) -> torch.Tensor:
    """The loss of a one-feature linear model at every (weight, bias) pair of a grid.

    Entry ``[i, j]`` of the result is the loss (``nn.MSELoss()`` unless `loss_fn`
    is given) of `model` on (x, y) with its weight set to ``weights[i]`` and its
    bias to ``biases[j]``; the result has shape ``(len(weights), len(biases))``
    and the model's dtype and device. Find the layer with the given
    ``the_linear_layer``. This is a measurement, not training: compute it under
    ``torch.no_grad()`` (so the result tracks no gradients) and leave the model
    exactly as it was, the same parameter objects holding the same values and
    still requiring gradients, even if something fails half-way.

    Make the result with the model's dtype and device (``torch.empty(...,
    dtype=..., device=...)``) and store each loss tensor straight into it
    (``result[i, j] = loss``), without turning it into a Python number
    (``.item()``, ``float``): the numbers stay where the model is, and the
    tests also run this on the "meta" device, where tensors have no values.
    Task 4.5.
    """
    ### BEGIN SOLUTION
    loss_fn = nn.MSELoss() if loss_fn is None else loss_fn
    linear = the_linear_layer(model)
    saved_weight, saved_bias = linear.weight.detach().clone(), linear.bias.detach().clone()
    landscape = torch.empty(len(weights), len(biases), dtype=linear.weight.dtype, device=linear.weight.device)
    try:
        with torch.no_grad():
            for i, w in enumerate(weights):
                for j, b in enumerate(biases):
                    linear.weight.fill_(float(w))
                    linear.bias.fill_(float(b))
                    landscape[i, j] = loss_fn(model(x), y)
    finally:
        with torch.no_grad():
            linear.weight.copy_(saved_weight)
            linear.bias.copy_(saved_bias)
    return landscape
    ### END SOLUTION


# -- Task 4.6: comparing optimizers ---------------------------------------------------------


def compare_optimizers(make_model: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor,
                       names: Sequence[str] = OPTIMIZER_NAMES, lr: float = 0.05, epochs: int = 100, seed: int = 0,
                       loss_fn: LossFunction | None = None) -> dict[str, list[float]]:
    """Train a fresh model with each named optimizer; return ``{name: losses per epoch}``.

    A fair race starts everyone from the same line: call
    ``torch.manual_seed(seed)`` right before ``make_model()`` for every name, so
    each optimizer gets identical initial weights. Then train with
    ``make_optimizer(name, model.parameters(), lr)`` and your ``train`` for
    `epochs` epochs. The dict's keys are the names, in the order given.
    Task 4.6.
    """
    ### BEGIN SOLUTION
    curves: dict[str, list[float]] = {}
    for name in names:
        torch.manual_seed(seed)
        model = make_model()
        optimizer = make_optimizer(name, model.parameters(), lr)
        curves[name] = train(model, x, y, optimizer, loss_fn=loss_fn, epochs=epochs)
    return curves
    ### END SOLUTION


def plot_losses(curves: dict[str, Sequence[float]], ax: Axes | None = None) -> Axes:
    """Draw each curve of `curves` (name -> losses per epoch) as one labelled line; return the Axes.

    Draw on `ax` if one is given, else on a new figure (``plt.subplots()``).
    Label each line with its name and add a legend. Use a logarithmic y axis
    (``ax.set_yscale("log")``): losses shrink by factors, and on a linear axis
    every curve looks flat after the first few epochs. Never call ``plt.show()``;
    whoever called you decides whether to show or save the figure. Task 4.6.
    """
    ### BEGIN SOLUTION
    if ax is None:
        _, ax = plt.subplots()
    for name, losses in curves.items():
        ax.plot(range(1, len(losses) + 1), list(losses), label=name)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.legend()
    return ax
    ### END SOLUTION


# -- Task 4.7: mini-batches ------------------------------------------------------------------


def make_loader(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int = 0, shuffle: bool = True) -> DataLoader:
    """A ``DataLoader`` over the rows of (x, y) in batches of `batch_size`, shuffled reproducibly from `seed`.

    Wrap the tensors in a ``TensorDataset(x, y)`` (row ``i`` is the pair
    ``(x[i], y[i])``) and hand it to ``DataLoader`` with ``batch_size=``,
    ``shuffle=`` and ``generator=torch.Generator().manual_seed(seed)``: a
    random generator of the loader's own. Each pass over the loader (an
    *epoch*) yields every row exactly once, in batches of `batch_size` rows;
    the last batch holds what is left (10 rows in batches of 4: 4, 4 and 2).
    With ``shuffle=True`` each epoch visits the rows in a new random order.

    Why a generator of its own: a loader made without one shuffles with
    torch's global random numbers, which everything else draws from too
    (initialising a model, dropout, ``torch.manual_seed`` calls elsewhere),
    so the order would depend on whatever ran before. With its own seeded
    generator, two loaders made with the same seed give the same batches,
    epoch after epoch, whatever else happens in between, and iterating never
    touches the global random numbers. Pass the generator as ``generator=``
    with ``shuffle=``, not inside a ``RandomSampler`` of your own: that draws
    its numbers in another order. Task 4.7.
    """
    ### BEGIN SOLUTION
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle, generator=generator)
    ### END SOLUTION


def train_minibatch(model: nn.Module, loader: DataLoader, optimizer: torch.optim.Optimizer,
                    loss_fn: LossFunction | None = None, epochs: int = 1) -> list[float]:
    """Train `model` for `epochs` passes over `loader`, one step per batch; return one loss per epoch.

    An *epoch* is one full pass over the data, so it takes ``len(loader)``
    optimizer *steps*, one per batch: 3 epochs of 10 rows in batches of 4
    are 9 steps, not 3. For every batch ``(xb, yb)`` run the canonical loop
    of ``train`` (task 4.2): ``model.train()``, ``optimizer.zero_grad()``,
    the forward pass, the loss, ``backward()``, ``optimizer.step()``.

    The loss of an epoch is the mean loss per row over that epoch: each
    batch's ``loss.item()`` (computed before its step) weighted by its number
    of rows ``len(yb)``, summed, and divided by the number of rows in the
    epoch. With 10 rows in batches of 4, 4 and 2 that is ``(4 l1 + 4 l2 +
    2 l3) / 10``; the plain mean of the three batch losses would count each
    row of the small last batch twice as much as the others. `loss_fn`
    (``nn.MSELoss()`` unless given) averages over its batch, as torch's
    losses do by default (``reduction="mean"``). Task 4.7.
    """
    ### BEGIN SOLUTION
    loss_fn = nn.MSELoss() if loss_fn is None else loss_fn
    losses: list[float] = []
    for _ in range(epochs):
        model.train()
        total, rows = 0.0, 0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
            rows += len(yb)
        losses.append(total / rows)
    return losses
    ### END SOLUTION


def lr_for_summed_loss(name: str, lr: float, batch_size: int) -> float:
    """The learning rate at which optimizer `name` takes the same steps on a summed loss as at `lr` on the mean.

    A loss can average over its batch (``reduction="mean"``, torch's
    default) or add up (``reduction="sum"``). For a batch of ``B`` rows the
    sum is ``B`` times the mean, so its gradient is ``B`` times bigger too,
    and a learning rate that works for one is wrong for the other:

    * ``"sgd"`` and ``"momentum"`` step by ``lr`` times the gradient (or
      times a buffer that adds up gradients), so ``lr / B`` on the sum takes
      exactly the steps that ``lr`` takes on the mean. Keep ``lr`` instead
      and every step is ``B`` times too long: training that worked now
      overshoots and diverges.
    * ``"adam"`` divides its step by the root of its running mean of squared
      gradients, so multiplying every gradient by ``B`` changes neither
      ``m_hat / sqrt(v_hat)`` nor the step (up to ``eps``): the same ``lr``.

    So ``lr_for_summed_loss("sgd", 0.1, 8)`` is ``0.0125``. Any other name
    raises ``ValueError`` listing the valid ones, as ``make_optimizer`` does.
    Task 4.7.
    """
    ### BEGIN SOLUTION
    if name in ("sgd", "momentum"):
        return lr / batch_size
    if name == "adam":
        return lr
    raise ValueError(f"lr_for_summed_loss knows no optimizer {name!r}; the names are {', '.join(OPTIMIZER_NAMES)}")
    ### END SOLUTION


# -- Task 4.8: a validation set ----------------------------------------------------------------


def split_train_val(x: torch.Tensor, y: torch.Tensor, n_val: int, seed: int = 0
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split the rows of (x, y) at random into a training and a validation part: ``(x_train, y_train, x_val, y_val)``.

    A validation set is data the model never trains on, so its loss tells
    you how the model does on data it has not seen. Every row goes to
    exactly one part: `n_val` rows to validation, the other ``len(x) - n_val``
    to training, none to both (a row in both parts makes the validation loss
    look better than it is) and none left out.

    Draw one random order of the rows from a generator of your own,
    ``torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))``,
    so that the same seed always gives the same split; its first `n_val`
    entries are the validation rows and the rest the training rows, each part
    in the order of the permutation (``x[order[:n_val]]``, ...). Leave
    torch's global random numbers alone. Task 4.8.
    """
    ### BEGIN SOLUTION
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x), generator=generator)
    val, train = order[:n_val], order[n_val:]
    return x[train], y[train], x[val], y[val]
    ### END SOLUTION


def fit_with_validation(model: nn.Module, train_loader: DataLoader, x_val: torch.Tensor, y_val: torch.Tensor,
                        optimizer: torch.optim.Optimizer, loss_fn: LossFunction | None = None, epochs: int = 10
                        ) -> tuple[list[float], list[float]]:
    """Train for `epochs` epochs, measuring the validation loss after each; return both curves.

    Each epoch is one epoch of ``train_minibatch`` over `train_loader`,
    whose loss goes into the training curve, then the validation loss on
    ``(x_val, y_val)``, measured as a test set is, with ``evaluate`` (task
    4.2: eval mode, so no dropout, no gradients, the mode put back), into the
    validation curve. Both use `loss_fn` (``nn.MSELoss()`` unless given).
    Returns ``(train_losses, val_losses)``, one Python float per epoch each.

    The training curve keeps falling as the model fits its training rows
    ever more closely; the validation curve falls too while the model learns
    what the rows have in common, and turns up once it starts learning the
    noise of its training rows (over-fitting). Plot both with
    ``plot_losses({"training": ..., "validation": ...})`` to see where.
    Task 4.8.
    """
    ### BEGIN SOLUTION
    loss_fn = nn.MSELoss() if loss_fn is None else loss_fn
    train_losses: list[float] = []
    val_losses: list[float] = []
    for _ in range(epochs):
        train_losses += train_minibatch(model, train_loader, optimizer, loss_fn, epochs=1)
        val_losses.append(evaluate(model, x_val, y_val, loss_fn))
    return train_losses, val_losses
    ### END SOLUTION


# -- Task 4.9: early stopping ------------------------------------------------------------------


def train_with_early_stopping(model: nn.Module, train_loader: DataLoader, x_val: torch.Tensor, y_val: torch.Tensor,
                              optimizer: torch.optim.Optimizer, loss_fn: LossFunction | None = None,
                              max_epochs: int = 100, patience: int = 5) -> tuple[list[float], list[float], int]:
    """Train epoch by epoch until the validation loss stops improving; keep the best weights.

    Each epoch is one epoch of ``fit_with_validation`` (training, then the
    validation loss). An epoch whose validation loss is strictly lower than
    every earlier one is the new best: remember it and a copy of the model's
    weights at that moment. Stop once `patience` epochs in a row have passed
    without a new best, or after `max_epochs` epochs (at least 1), whichever
    comes first: with the best at epoch ``b`` (counting from 0), training
    stops after epoch ``b + patience``, so ``b + patience + 1`` epochs run.

    Then put the best weights back into the model, in place (the same
    parameter objects, which the optimizer holds): the model you are left
    with is the one whose validation loss was lowest, not the one of the last
    epoch. Beware: ``model.state_dict()`` holds the live tensors, which later
    steps keep changing, so remember a copy (``copy.deepcopy``, or a clone
    of each tensor) and load it back with ``model.load_state_dict``.

    Returns ``(train_losses, val_losses, best_epoch)``: one float per epoch
    that ran in each list, and the index of the best epoch in ``val_losses``
    (the first of equal lowest values). `loss_fn` is ``nn.MSELoss()`` unless
    given. Task 4.9.
    """
    ### BEGIN SOLUTION
    train_losses: list[float] = []
    val_losses: list[float] = []
    best_epoch, best_weights = 0, None
    for epoch in range(max_epochs):
        train_loss, val_loss = fit_with_validation(model, train_loader, x_val, y_val, optimizer, loss_fn, epochs=1)
        train_losses += train_loss
        val_losses += val_loss
        if best_weights is None or val_losses[-1] < val_losses[best_epoch]:
            best_epoch, best_weights = epoch, copy.deepcopy(model.state_dict())
        elif epoch - best_epoch >= patience:
            break
    if best_weights is not None:
        model.load_state_dict(best_weights)
    return train_losses, val_losses, best_epoch
    ### END SOLUTION


if __name__ == "__main__":
    # Try it, once tasks 4.1, 4.2 and 4.6 to 4.9 work: three optimizers racing on one problem (left), and the
    # training and validation losses of a network that learns a wave, then starts to memorise its noise (right).
    import argparse
    import os

    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="Plot the losses of three optimizers, and training vs validation")
    parser.add_argument("--save", metavar="PATH", help="save the picture to PATH (a .png) instead of showing it")
    args, _ = parser.parse_known_args()  # known ones only: a notebook's kernel passes arguments of its own

    figure, (race, held_out) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    features, targets = make_regression_data(seed=1)
    curves = compare_optimizers(lambda: nn.Linear(features.shape[1], 1), features, targets.unsqueeze(1),
                                lr=0.05, epochs=100)
    plot_losses(curves, ax=race)
    race.set_title("three optimizers, one problem")

    wave = torch.Generator().manual_seed(1)
    x = 4.0 * torch.rand(30, 1, generator=wave) - 2.0
    y = torch.sin(2.0 * x[:, 0]) + 0.5 * torch.randn(30, generator=wave)
    x_train, y_train, x_val, y_val = split_train_val(x, y, n_val=15, seed=0)
    torch.manual_seed(0)
    network = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1),
                            nn.Flatten(0, 1))
    train_losses, val_losses, best = train_with_early_stopping(
        network, make_loader(x_train, y_train, batch_size=5, seed=0), x_val, y_val,
        make_optimizer("adam", network.parameters(), lr=0.005), max_epochs=600, patience=60)
    plot_losses({"training": train_losses, "validation": val_losses}, ax=held_out)
    held_out.axvline(best + 1, color="grey", linestyle="--", label=f"best epoch ({best + 1}): weights kept")
    held_out.set_ylabel("loss")
    held_out.set_title("15 rows to learn from, 15 held out")
    held_out.legend()
    if args.save or plt.get_backend().lower() == "agg":  # Agg: matplotlib found no display
        plt.savefig(args.save or "tryit_ex04.png", dpi=120, bbox_inches="tight")
        print("saved the picture to", os.path.abspath(args.save or "tryit_ex04.png"))
    else:
        plt.show()
