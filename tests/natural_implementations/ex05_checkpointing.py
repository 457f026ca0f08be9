"""Exercise 5 as a strong student writes it from the skeleton's docstrings and public tests alone.

Written to check that the contract a student reads is the contract the grader
checks, so it follows the docstrings, not the reference solution. Where the
skeleton leaves a choice open this file takes another reasonable one: the
temporary file removed with ``os.path.exists`` and ``os.remove``, missing and
unexpected keys reported one kind at a time, numpy's key array kept as a list
of ints, CUDA's generators restored one device at a time, a ``while`` loop for
the epochs, and the best checkpoint found by a running comparison. The given
code (constants, data, model, optimizer, seeding, one epoch, ``_sync_folder``)
is copied from the skeleton.
"""

from __future__ import annotations

import os
import pickle
import random
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

PathLike = str | os.PathLike
Data = tuple[torch.Tensor, torch.Tensor]

#: Samples per mini-batch in `train_one_epoch`.
BATCH_SIZE = 16
#: Adam's learning rate in `make_optimizer`.
LEARNING_RATE = 0.01
#: Chance that a mini-batch gets Gaussian noise added (a random augmentation).
AUGMENT_PROBABILITY = 0.5
#: Standard deviation of that noise.
AUGMENT_NOISE = 0.05


class CheckpointError(Exception):
    """A checkpoint file that cannot, or must not, be loaded; the message says which problem."""


# -- Given: data, model, optimizer, seeding and one epoch of training ---------------------


def make_classification_data(n: int, seed: int, features: int = 4, classes: int = 3) -> Data:
    """`n` labelled points: inputs (float32, shape (n, features)) and class labels (int64, shape (n,)).

    The labels come from a random linear "teacher" plus noise, so a small
    network can learn them but not perfectly. A private generator makes the
    data, so making data never disturbs the global random generators.
    """
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, features, generator=generator, dtype=torch.float32)
    teacher = torch.randn(features, classes, generator=generator, dtype=torch.float32)
    scores = inputs @ teacher + 0.3 * torch.randn(n, classes, generator=generator, dtype=torch.float32)
    return inputs, scores.argmax(dim=1)


def make_small_mlp(features: int = 4, hidden: int = 16, classes: int = 3, dropout: float = 0.2) -> nn.Module:
    """A two-layer perceptron with dropout; its initial weights come from torch's global generator.

    The dtype is fixed to float32 so that the model is the same in every
    process, whatever default dtype someone else has set.
    """
    return nn.Sequential(
        nn.Linear(features, hidden, dtype=torch.float32),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(hidden, classes, dtype=torch.float32),
    )


def make_optimizer(model: nn.Module) -> torch.optim.Optimizer:
    """Adam, whose running moments and step count are exactly the state a resume must not lose."""
    return torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, numpy's global generator and torch's (which also seeds CUDA's)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train_one_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, data: Data,
                    batch_size: int = BATCH_SIZE) -> float:
    """One pass over `data` in shuffled mini-batches; returns the mean of the batch losses.

    All three global generators are used, as in real training code: torch's
    for the shuffle order (``torch.randperm``) and the dropout masks, Python's
    to decide whether a batch is augmented, numpy's for the augmentation noise.
    """
    inputs, labels = data
    model.train()
    order = torch.randperm(len(inputs))
    total, batches = 0.0, 0
    for start in range(0, len(inputs), batch_size):
        chosen = order[start:start + batch_size]
        batch = inputs[chosen]
        if random.random() < AUGMENT_PROBABILITY:
            noise = np.random.normal(0.0, AUGMENT_NOISE, size=tuple(batch.shape))
            batch = batch + torch.from_numpy(noise).to(batch.dtype)
        loss = nn.functional.cross_entropy(model(batch), labels[chosen])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    return total / batches


def _sync_folder(folder: Path) -> None:
    """Make a rename inside `folder` durable too (POSIX only; elsewhere there is nothing to do)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def save_checkpoint(path: PathLike, model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int, loss: float,
                    **extra: Any) -> Path:
    path = Path(path)
    checkpoint = {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                  "epoch": epoch, "loss": loss}
    checkpoint.update(extra)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with open(fd, "wb") as f:
            torch.save(checkpoint, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)
        raise
    _sync_folder(path.parent)
    return path


def load_checkpoint(path: PathLike, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    map_location: Any = "cpu") -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    try:
        with zipfile.ZipFile(path) as archive:
            bad_entry = archive.testzip()
    except zipfile.BadZipFile as e:
        raise CheckpointError(f"{path}: file is truncated or corrupt ({e})") from e
    if bad_entry is not None:
        raise CheckpointError(f"{path}: file is truncated or corrupt (bad CRC in {bad_entry})")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise CheckpointError(f"{path} is not a safe checkpoint: {e}") from e
    if "model_state_dict" not in checkpoint:
        raise CheckpointError(f"{path} has no model_state_dict")
    if optimizer is not None and "optimizer_state_dict" not in checkpoint:
        raise CheckpointError(f"{path} has no optimizer_state_dict")
    saved = checkpoint["model_state_dict"]
    expected = model.state_dict()
    missing = [key for key in expected if key not in saved]
    unexpected = [key for key in saved if key not in expected]
    if missing:
        raise CheckpointError(f"checkpoint does not match the model: missing keys {missing}")
    if unexpected:
        raise CheckpointError(f"checkpoint does not match the model: unexpected keys {unexpected}")
    for key, value in expected.items():
        if saved[key].shape != value.shape:
            raise CheckpointError(f"shape mismatch for {key}: checkpoint {list(saved[key].shape)}, "
                                  f"model {list(value.shape)}")
    model.load_state_dict(saved)
    if optimizer is not None:
        optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint


def capture_rng_state() -> dict[str, Any]:
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    rng = {
        "python": random.getstate(),
        "numpy": [kind, keys.tolist(), int(pos), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    return rng


def restore_rng_state(state: dict[str, Any]) -> None:
    python_state = state["python"]
    random.setstate((python_state[0], tuple(python_state[1]), python_state[2]))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        for device, generator_state in enumerate(state["cuda"]):
            torch.cuda.set_rng_state(generator_state.cpu(), device)


def train_resumable(make_model: Callable[[], nn.Module], data: Data, epochs: int, ckpt_path: PathLike, seed: int,
                    stop_after: int | None = None) -> list[float]:
    if os.path.exists(ckpt_path):
        model = make_model()
        optimizer = make_optimizer(model)
        checkpoint = load_checkpoint(ckpt_path, model, optimizer)
        restore_rng_state(checkpoint["rng_state"])
        losses = list(checkpoint["losses"])
        done = checkpoint["epoch"]
    else:
        seed_everything(seed)
        model = make_model()
        optimizer = make_optimizer(model)
        losses = []
        done = 0
    while done < epochs:
        if stop_after is not None and done >= stop_after:
            break
        loss = train_one_epoch(model, optimizer, data)
        losses.append(loss)
        done += 1
        save_checkpoint(ckpt_path, model, optimizer, epoch=done, loss=loss, rng_state=capture_rng_state(),
                        losses=losses)
    return losses


class CheckpointManager:
    NAME = re.compile(r"step_(\d+)\.pt")

    def __init__(self, directory: PathLike, keep_last: int = 3) -> None:
        if keep_last < 1:
            raise ValueError("keep_last must be 1 or more")
        self.directory = Path(directory)
        os.makedirs(self.directory, exist_ok=True)
        self.keep_last = keep_last

    def path_for(self, step: int) -> Path:
        return self.directory / f"step_{step}.pt"

    def checkpoints(self) -> list[tuple[int, Path]]:
        result = []
        for name in os.listdir(self.directory):
            match = self.NAME.fullmatch(name)
            if match:
                result.append((int(match.group(1)), self.directory / name))
        result.sort(key=lambda item: item[0])
        return result

    def save(self, step: int, model: nn.Module, optimizer: torch.optim.Optimizer, metrics: dict[str, float],
             **extra: Any) -> Path:
        path = save_checkpoint(self.path_for(step), model, optimizer, epoch=step, loss=metrics.get("loss"),
                               step=step, metrics=metrics, **extra)
        all_checkpoints = self.checkpoints()
        if len(all_checkpoints) > self.keep_last:
            for _, old_path in all_checkpoints[:len(all_checkpoints) - self.keep_last]:
                os.remove(old_path)
        return path

    def latest(self) -> Path | None:
        all_checkpoints = self.checkpoints()
        if not all_checkpoints:
            return None
        return all_checkpoints[-1][1]

    def best(self, metric: str, mode: str = "min") -> Path | None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode}")
        best_path, best_value = None, None
        for _, path in self.checkpoints():
            metrics = torch.load(path, map_location="cpu", weights_only=True).get("metrics", {})
            if metric not in metrics:
                continue
            value = metrics[metric]
            if best_value is None or (value < best_value if mode == "min" else value > best_value):
                best_path, best_value = path, value
        return best_path


def load_for_device(path: PathLike, model: nn.Module, device: str | torch.device) -> dict[str, Any]:
    model.to(device)
    return load_checkpoint(path, model, map_location=device)
