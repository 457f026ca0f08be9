"""Snippet pieces and checks for the hidden tests of exercise 5 (checkpoints).

The oracles here never call the code under test: file contents are read with
``torch.load`` itself, the uninterrupted training run is rebuilt from the
exercise's given helpers (seed, model, optimizer, one epoch at a time), and a
checkpoint "saved on a GPU" is made by tagging every storage as ``cuda:0``
while ``torch.save`` writes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.hidden.oracles import GraderBug
from hardway.plaindata import TensorRecord

#: Read a file back with torch alone; a string says why it could not be read.
READ = """
import os, tempfile, torch
def read(path):
    try:
        return torch.load(path, weights_only=True)
    except Exception as problem:
        return f"unreadable: {type(problem).__name__}: {problem}"
"""

#: A model of random width and an Adam optimizer that has taken a step, so both have state.
MODEL = READ + """
torch.manual_seed(model_seed)
model = torch.nn.Sequential(torch.nn.Linear(inputs, width), torch.nn.Tanh(), torch.nn.Linear(width, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
model(torch.randn(5, inputs)).square().mean().backward()
optimizer.step()
def fresh_pair():
    other = torch.nn.Sequential(torch.nn.Linear(inputs, width), torch.nn.Tanh(), torch.nn.Linear(width, 2))
    return other, torch.optim.Adam(other.parameters(), lr=0.01)
def adam_state(opt):
    return [[opt.state[p][name] for name in ("exp_avg", "exp_avg_sq", "step")]
            for group in opt.param_groups for p in group["params"]]
"""

#: The uninterrupted run, rebuilt from the given helpers: the yardstick for every resumed run.
RECIPE = """
import os, random, tempfile, torch
data = make_classification_data(n, data_seed)
seed_everything(seed)
recipe_model = make_small_mlp()
recipe_optimizer = make_optimizer(recipe_model)
recipe = [train_one_epoch(recipe_model, recipe_optimizer, data) for _ in range(epochs)]
"""

#: What a test compares in a training checkpoint, read with torch.load.
SUMMARY = """
def summary(path):
    stored = torch.load(path, weights_only=True)
    return {"epoch": stored["epoch"], "losses": [float(x) for x in stored["losses"]],
            "weights": dict(stored["model_state_dict"]),
            "steps": [float(state["step"]) for state in stored["optimizer_state_dict"]["state"].values()],
            "moments": [state["exp_avg"] for state in stored["optimizer_state_dict"]["state"].values()]
                       + [state["exp_avg_sq"] for state in stored["optimizer_state_dict"]["state"].values()]}
"""

#: Save a checkpoint whose storages say they live on cuda:0, as one written on a GPU would.
FORGE = """
def save_as_if_on_gpu(payload, path):
    real_tag = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        torch.save(payload, path)
    finally:
        torch.serialization.location_tag = real_tag
def devices(value):
    if isinstance(value, torch.Tensor):
        return {str(value.device)}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return set().union(*map(devices, value))
    return set()
def cuda_usable():
    # Inside a sandbox with a memory cap CUDA may be listed but unable to start: then use the forged file.
    try:
        return torch.cuda.is_available() and torch.zeros(1, device="cuda").device.type == "cuda"
    except Exception:
        return False
"""


def same_tensor(got: Any, expected: Any) -> bool:
    """Bit-for-bit equality of two tensors that came back from snippets."""
    return (isinstance(got, TensorRecord) and isinstance(expected, TensorRecord) and got.dtype == expected.dtype
            and got.data.shape == expected.data.shape and np.array_equal(got.data, expected.data))


def same_state(got: Any, expected: Any) -> bool:
    return isinstance(got, dict) and isinstance(expected, dict) and got.keys() == expected.keys() and all(
        same_tensor(got[name], expected[name]) for name in expected)


def same_tensors(got: Any, expected: Any) -> bool:
    """Nested lists of tensors, equal bit for bit."""
    if isinstance(expected, TensorRecord):
        return same_tensor(got, expected)
    if isinstance(expected, (list, tuple)):
        return (isinstance(got, (list, tuple)) and len(got) == len(expected)
                and all(same_tensors(a, b) for a, b in zip(got, expected)))
    return bool(got == expected)


def confirmed(oracle: Any, reference: Any, what: str) -> Any:
    """`oracle`, once the reference solution gives exactly the same (plain or tensor) value."""
    if not same_tensors(reference, oracle):
        raise GraderBug(f"{what}: the reference solution gave {reference!r} but the oracle gave {oracle!r}")
    return oracle
