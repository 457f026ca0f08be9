"""Probe helpers and checks for the hidden tests of exercise 5 (checkpoints).

The oracles here never call the code under test: file contents are read with
``torch.load`` itself (`hardway.testkit_ex05.read_checkpoint`), and the
uninterrupted training run is rebuilt from the exercise's given helpers (seed,
model, optimizer, one epoch at a time). The probe helpers travel as source with
the hidden tests' probes to where the student's code runs, so they import what
they need inside; the ones the public tests share live in `hardway.testkit_ex05`.
"""

from __future__ import annotations

from typing import Any, Callable

from autograder.hidden.oracles import GraderBug
from hardway.testkit import identical


def adam_model(model_seed: int, features: int, width: int) -> tuple[Any, Any]:
    """A small model of random width and an Adam optimizer that has taken a step, so both have state."""
    import torch

    torch.manual_seed(model_seed)
    model = torch.nn.Sequential(torch.nn.Linear(features, width), torch.nn.Tanh(), torch.nn.Linear(width, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.randn(5, features)).square().mean().backward()
    optimizer.step()
    return model, optimizer


def fresh_pair(features: int, width: int) -> tuple[Any, Any]:
    """A new model of `adam_model`'s shape (weights drawn afresh) and its own Adam optimizer, without state."""
    import torch

    other = torch.nn.Sequential(torch.nn.Linear(features, width), torch.nn.Tanh(), torch.nn.Linear(width, 2))
    return other, torch.optim.Adam(other.parameters(), lr=0.01)


def adam_state(optimizer: Any) -> list[list[Any]]:
    """[exp_avg, exp_avg_sq, step] of each parameter, in the optimizer's order."""
    return [[optimizer.state[p][name] for name in ("exp_avg", "exp_avg_sq", "step")]
            for group in optimizer.param_groups for p in group["params"]]


def recipe(make_classification_data: Callable[..., Any], seed_everything: Callable[[int], None],
           make_small_mlp: Callable[..., Any], make_optimizer: Callable[..., Any],
           train_one_epoch: Callable[..., float], n: int, data_seed: int, seed: int, epochs: int) -> tuple[Any, list]:
    """The uninterrupted run, rebuilt from the given helpers: the data, and each epoch's loss (the yardstick)."""
    data = make_classification_data(n, data_seed)
    seed_everything(seed)
    model = make_small_mlp()
    optimizer = make_optimizer(model)
    return data, [train_one_epoch(model, optimizer, data) for _ in range(epochs)]


def confirmed(oracle: Any, reference: Any, what: str) -> Any:
    """`oracle`, once the reference solution gives exactly the same (plain or tensor) value."""
    if not identical(reference, oracle):
        raise GraderBug(f"{what}: the reference solution gave {reference!r} but the oracle gave {oracle!r}")
    return oracle
