"""Exercise 5: checkpoints that resume exactly.

A long training run will be interrupted: a machine is pre-empted, a job hits
its time limit, someone trips over a cable. A checkpoint is the note you leave
yourself so that the run can carry on as if nothing had happened. "As if
nothing had happened" is a strong promise. The weights alone are not enough:

* the optimizer carries state of its own (momentum buffers, Adam's running
  moments and its step count), and a fresh optimizer takes different steps;
* the epoch counter decides which epochs are still to run, and an off-by-one
  error repeats or skips an epoch;
* every random generator in play (Python's ``random``, numpy's global
  generator and torch's, plus CUDA's on a GPU) decides the shuffle order, the
  dropout masks and any random augmentation; a run that resumes with fresh
  generators sees different batches from then on.

Save all of that and a resumed run reproduces the uninterrupted one bit for
bit: the same losses, the same final weights, down to the last float. The
tests check exactly that, resuming in a brand-new Python process.

The file itself deserves care too. Writing a checkpoint over the previous one
in place means that a crash halfway through destroys both: write a temporary
file next to it, force it to disk, then rename it over the old one (a rename
within one folder is atomic). Loading is the mirror image: ``torch.load`` runs
the pickle machinery, and a pickle can carry code. ``weights_only=True``
restricts unpickling to tensors, primitive values and plain containers (plus
the few types torch allows), which blocks the classic pickle attacks: much
safer, though not a sandbox. Its protection depends on your torch: versions
before 2.6 have a published bypass (CVE-2025-32434, code execution despite
``weights_only=True``). This exercise runs on torch 2.2 or newer, which this kit
allows; load files from strangers only with torch 2.6 or newer, and better
still, not at all.

Work through the tasks in order; each function names its task in its docstring.

* Task 5.1 - ``save_checkpoint``: write a checkpoint atomically.
* Task 5.2 - ``load_checkpoint``: load it safely and say clearly why a file is
  refused (not a safe checkpoint, truncated or corrupt, keys that don't fit).
* Task 5.3 - ``capture_rng_state`` and ``restore_rng_state`` for every random
  generator, in types that ``weights_only=True`` accepts.
* Task 5.4 - ``train_resumable``: a training run that checkpoints every epoch
  and, restarted in a new process, carries on bit for bit.
* Task 5.5 - ``CheckpointManager``: numbered checkpoints in a folder, the
  latest and the best of them, and pruning of old ones.
* Task 5.6 - ``load_for_device``: a checkpoint saved on a GPU loaded on a
  machine without one (``map_location``).

A note on Task 5.6: the course machines have no GPU, so no checkpoint written
on a real GPU ships with this exercise. The tests make one anyway: a file that
``torch.save`` writes records, for every tensor, the device it lived on, and
the tests have ``torch.save`` record ``cuda:0`` for tensors that are really on
the CPU. Such a file loads exactly like one saved on a GPU: without
``map_location`` it fails on a machine without CUDA. Where a GPU is
available, the hidden tests also do a real round trip through it, as a check
worth no points: the same code gets the same grade on every machine. In the
same way, the tests check Task 5.3's CUDA part on every machine by standing in
for ``torch.cuda``'s generator functions.

Given code (outside the tasks): the data, the model, the optimizer, the seeding
helper and one epoch of training, so that the tasks are about checkpoints only.

Check your work with::

    pytest exercises/tests/test_ex05_checkpointing.py
"""

from __future__ import annotations

import contextlib
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


# -- Task 5.1: saving a checkpoint atomically ---------------------------------------------


def save_checkpoint(path: PathLike, model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int, loss: float,
                    **extra: Any) -> Path:
    """Write a checkpoint to `path` so that a crash can never leave a half-written file there.

    The file holds one dict with the keys ``model_state_dict``
    (``model.state_dict()``: the tensors, never the model object itself, which
    ``weights_only=True`` refuses to load), ``optimizer_state_dict``
    (``optimizer.state_dict()``), ``epoch`` and ``loss``, plus one key for each
    keyword in `extra` (for example ``rng_state=...``). Write it with
    ``torch.save``, and write it atomically:

    1. create a temporary file in the same folder as `path` (``tempfile.mkstemp``
       with ``dir=``); a rename is only atomic within one file system;
    2. ``torch.save`` into it, then ``flush()`` and ``os.fsync(fileno)`` so the
       bytes are on disk before the rename makes them official;
    3. ``os.replace`` the temporary file onto `path` (then `_sync_folder`,
       given below, makes the rename itself survive a power cut).

    If anything fails on the way (``torch.save`` raises, the disk is full, the
    user presses Ctrl-C, which raises ``KeyboardInterrupt``, not an
    ``Exception``), delete the temporary file and let the error reach the
    caller: the previous checkpoint at `path`, if any, stays exactly as it
    was, and no stray temporary file is left behind. Return `path` as a
    `Path`. Task 5.1.
    """
    ### BEGIN SOLUTION
    target = Path(path)
    payload = {
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "epoch": epoch,
        "loss": loss,
        **extra,
    }
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            torch.save(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(target.parent)
    return target
    ### END SOLUTION


def _sync_folder(folder: Path) -> None:
    """Make a rename inside `folder` durable too (POSIX only; elsewhere there is nothing to do)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# -- Task 5.2: loading safely -------------------------------------------------------------


def load_checkpoint(path: PathLike, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    map_location: Any = "cpu") -> dict[str, Any]:
    """Load the checkpoint at `path` into `model` (and `optimizer`, if given); return the whole dict.

    Always call ``torch.load(path, map_location=map_location, weights_only=True)``:
    a checkpoint is data, and ``weights_only=True`` refuses to rebuild anything
    but tensors, primitive values and plain containers, so a pickled object
    cannot run its code as the file loads (see the top of this file for which
    torch versions keep that promise). When a file cannot be used, raise
    `CheckpointError` with a message that names the problem, using these
    words:

    * ``"not a safe checkpoint"``: ``torch.load`` refused an object in the file
      (it raises ``pickle.UnpicklingError``), say a numpy array or any other
      pickled object;
    * ``"truncated or corrupt"``: the file is not an intact archive. Files
      that ``torch.save`` writes are zip archives, so open the file with
      ``zipfile.ZipFile`` first: it fails on a cut-off or garbage file, and
      ``testzip()`` finds a damaged entry by its checksum. (Checking first
      matters: a garbage file makes ``torch.load`` raise the very same
      ``UnpicklingError`` as an unsafe one.)
    * ``"missing keys"`` / ``"unexpected keys"``, naming them (``0.weight``,
      say), when the model expects parameters the checkpoint lacks or the
      checkpoint holds ones the model lacks; ``"shape mismatch"``, naming the
      parameter, when a parameter's shape differs. Compare the checkpoint's
      keys and shapes with ``model.state_dict()`` yourself, then load with
      ``load_state_dict``'s default ``strict=True`` (``strict=False`` would
      quietly skip the keys that don't fit);
    * no ``model_state_dict`` entry at all (or no ``optimizer_state_dict``
      when an optimizer is given): say which entry is missing.

    A missing file raises ``FileNotFoundError``, as usual. Task 5.2.
    """
    ### BEGIN SOLUTION
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"no checkpoint at {source}")
    try:
        with zipfile.ZipFile(source) as archive:
            damaged = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise CheckpointError(f"{source} is truncated or corrupt: it is not a complete archive ({error})") from None
    if damaged is not None:
        raise CheckpointError(f"{source} is truncated or corrupt: the entry {damaged!r} fails its checksum")
    try:
        checkpoint = torch.load(source, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        reason = str(error).split("WeightsUnpickler error:")[-1].strip().splitlines()[0]
        raise CheckpointError(f"{source} is not a safe checkpoint: weights_only=True refused it ({reason})") from None

    if not isinstance(checkpoint, dict) or "model_state_dict" not in checkpoint:
        raise CheckpointError(f"{source} is not a checkpoint: it has no 'model_state_dict' entry")
    state = checkpoint["model_state_dict"]
    wanted = model.state_dict()
    missing = sorted(set(wanted) - set(state))
    unexpected = sorted(set(state) - set(wanted))
    if missing or unexpected:
        problems = ([f"missing keys {missing}"] if missing else []) + (
            [f"unexpected keys {unexpected}"] if unexpected else [])
        raise CheckpointError(f"{source} does not fit this model: {'; '.join(problems)}")
    mismatched = [f"{name} is {tuple(state[name].shape)} in the checkpoint but {tuple(wanted[name].shape)} in the model"
                  for name in wanted if tuple(state[name].shape) != tuple(wanted[name].shape)]
    if mismatched:
        raise CheckpointError(f"{source} does not fit this model: shape mismatch: {'; '.join(mismatched)}")
    if optimizer is not None and "optimizer_state_dict" not in checkpoint:
        raise CheckpointError(f"{source} has no 'optimizer_state_dict' entry to restore the optimizer from")

    model.load_state_dict(state)
    if optimizer is not None:
        optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint
    ### END SOLUTION


# -- Task 5.3: every random generator -----------------------------------------------------


def capture_rng_state() -> dict[str, Any]:
    """The state of every random generator, as a dict that ``torch.load(weights_only=True)`` accepts.

    Include Python's ``random`` (``random.getstate()``, a tuple of ints, is
    fine as it is), numpy's global generator and torch's CPU generator
    (``torch.get_rng_state()``), plus CUDA's (``torch.cuda.get_rng_state_all()``)
    when ``torch.cuda.is_available()``. Use ``torch.cuda``'s own generator
    functions (``get_rng_state_all`` and ``set_rng_state_all``, or the
    per-device ``get_rng_state`` and ``set_rng_state``): on a machine without
    a GPU the tests stand in for them to check this part.

    ``np.random.get_state()`` is a tuple holding a numpy array, which
    ``weights_only=True`` refuses: keep its five parts as plain Python values
    and a tensor. All five matter: the fourth and fifth are a cached Gaussian
    that ``np.random.normal`` hands out next. Capturing must not draw from any
    generator. Task 5.3.
    """
    ### BEGIN SOLUTION
    name, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {
            "bit_generator": str(name),
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "position": int(position),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state
    ### END SOLUTION


def restore_rng_state(state: dict[str, Any]) -> None:
    """Put every generator back to what `capture_rng_state` recorded in `state`.

    After this, the next draws from ``random``, ``np.random`` and ``torch``
    are exactly those that followed the capture. `state` may have been through
    ``torch.save`` and ``torch.load`` (and a ``map_location``): move torch's
    state back to the CPU before handing it to ``torch.set_rng_state`` (and
    CUDA's, when the state has it and CUDA is available, to
    ``torch.cuda.set_rng_state_all``).
    Restoring must leave `state` itself unchanged, so it can be restored
    again. Task 5.3.
    """
    ### BEGIN SOLUTION
    version, internal, gauss_next = state["python"]
    random.setstate((int(version), tuple(int(word) for word in internal), gauss_next))
    numpy_state = state["numpy"]
    np.random.set_state((
        str(numpy_state["bit_generator"]),
        numpy_state["keys"].cpu().numpy().astype(np.uint32),
        int(numpy_state["position"]),
        int(numpy_state["has_gauss"]),
        float(numpy_state["cached_gaussian"]),
    ))
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([generator.cpu() for generator in state["cuda"]])
    ### END SOLUTION


# -- Task 5.4: training that resumes bit for bit ------------------------------------------


def train_resumable(make_model: Callable[[], nn.Module], data: Data, epochs: int, ckpt_path: PathLike, seed: int,
                    stop_after: int | None = None) -> list[float]:
    """Train for `epochs` epochs, checkpointing after each; resume from `ckpt_path` if it exists.

    Return the losses of every epoch finished so far (``train_one_epoch``'s
    return values), including those finished before a resume.

    A fresh start: ``seed_everything(seed)``, then build the model with
    ``make_model()``, then its optimizer with ``make_optimizer``. A resume
    (the file exists): build the model and the optimizer the same way,
    ``load_checkpoint`` into both, then restore the random generators from
    the checkpoint. Building a model draws its initial weights from torch's
    generator, so restore the generators *after* building it. The seed is not
    used when resuming.

    Then, for each epoch still to run, call ``train_one_epoch(model, optimizer,
    data)`` and ``save_checkpoint`` with ``epoch`` = the number of epochs
    finished so far (1 after the first), ``loss`` = that epoch's loss, and
    the extras ``rng_state=capture_rng_state()`` and ``losses`` (the list of
    all epoch losses so far). A resume starts at the epoch after the last one
    finished.

    `stop_after=k` simulates an interruption: return as soon as k epochs are
    finished in all (counting epochs finished before a resume), even if
    `epochs` is larger. Nothing but this recipe may draw from the random
    generators, or the resumed run sees different numbers. Task 5.4.
    """
    ### BEGIN SOLUTION
    checkpoint_file = Path(ckpt_path)
    if checkpoint_file.exists():
        model = make_model()
        optimizer = make_optimizer(model)
        checkpoint = load_checkpoint(checkpoint_file, model, optimizer)
        restore_rng_state(checkpoint["rng_state"])
        losses = [float(loss) for loss in checkpoint["losses"]]
        start = int(checkpoint["epoch"])
    else:
        seed_everything(seed)
        model = make_model()
        optimizer = make_optimizer(model)
        losses = []
        start = 0
    last = epochs if stop_after is None else min(epochs, stop_after)
    for finished in range(start + 1, last + 1):
        loss = train_one_epoch(model, optimizer, data)
        losses.append(loss)
        save_checkpoint(checkpoint_file, model, optimizer, epoch=finished, loss=loss,
                        rng_state=capture_rng_state(), losses=list(losses))
    return losses
    ### END SOLUTION


# -- Task 5.5: a checkpoint manager -------------------------------------------------------


class CheckpointManager:
    """Numbered checkpoints in one folder: save, find the latest and the best, prune old ones.

    Each checkpoint is the file ``step_<step>.pt`` in `directory` (use
    `path_for`). After every save, only the newest `keep_last` checkpoints (by
    step number, not by file name or time) stay; older ones are deleted. The
    best checkpoint is *not* protected from pruning: `best` looks only at the
    checkpoints still on disk. Files in the folder whose names don't follow
    the pattern are never touched. A new manager on an existing folder picks
    up the checkpoints already there.
    """

    NAME = re.compile(r"step_(\d+)\.pt")

    def __init__(self, directory: PathLike, keep_last: int = 3) -> None:
        """Remember the folder (create it if needed) and how many checkpoints to keep.

        `keep_last` below 1 is a ValueError. Task 5.5.
        """
        ### BEGIN SOLUTION
        if keep_last < 1:
            raise ValueError(f"keep_last must be at least 1, not {keep_last}")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.keep_last = keep_last
        ### END SOLUTION

    def path_for(self, step: int) -> Path:
        """The file that holds the checkpoint of `step` (given)."""
        return self.directory / f"step_{step}.pt"

    def checkpoints(self) -> list[tuple[int, Path]]:
        """Every checkpoint in the folder as ``(step, path)``, in increasing step order.

        Recognise them by their names (`NAME`), and sort by the step as a
        number: as text, ``step_10.pt`` comes before ``step_9.pt``. Task 5.5.
        """
        ### BEGIN SOLUTION
        found = []
        for entry in self.directory.iterdir():
            match = self.NAME.fullmatch(entry.name)
            if match is not None and entry.is_file():
                found.append((int(match.group(1)), entry))
        return sorted(found)
        ### END SOLUTION

    def save(self, step: int, model: nn.Module, optimizer: torch.optim.Optimizer, metrics: dict[str, float],
             **extra: Any) -> Path:
        """Save a checkpoint for `step` with `save_checkpoint`, prune, and return its path.

        Store ``epoch=step``, ``loss=metrics.get("loss")``, and the extras
        ``step=step`` and ``metrics=metrics`` besides any in `extra`. Then
        delete all but the newest `keep_last` checkpoints. Task 5.5.
        """
        ### BEGIN SOLUTION
        path = save_checkpoint(self.path_for(step), model, optimizer, epoch=step, loss=metrics.get("loss"),
                               step=step, metrics=dict(metrics), **extra)
        for _, old in self.checkpoints()[:-self.keep_last]:
            old.unlink(missing_ok=True)
        return path
        ### END SOLUTION

    def latest(self) -> Path | None:
        """The checkpoint with the highest step, or None if there is none. Task 5.5."""
        ### BEGIN SOLUTION
        found = self.checkpoints()
        return found[-1][1] if found else None
        ### END SOLUTION

    def best(self, metric: str, mode: str = "min") -> Path | None:
        """The checkpoint on disk whose ``metrics[metric]`` is lowest (`mode` "min") or highest ("max").

        Read the metrics from the files (``torch.load`` with
        ``weights_only=True``). Checkpoints without that metric don't count;
        None if no checkpoint has it. On a tie the lower step wins. Any other
        `mode` is a ValueError. Task 5.5.
        """
        ### BEGIN SOLUTION
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', not {mode!r}")
        sign = 1.0 if mode == "min" else -1.0
        scored = []
        for step, path in self.checkpoints():
            metrics = torch.load(path, map_location="cpu", weights_only=True).get("metrics") or {}
            if metric in metrics:
                scored.append((sign * float(metrics[metric]), step, path))
        return min(scored)[2] if scored else None
        ### END SOLUTION


# -- Task 5.6: a GPU checkpoint on a CPU-only machine -------------------------------------


def load_for_device(path: PathLike, model: nn.Module, device: str | torch.device) -> dict[str, Any]:
    """Load the checkpoint at `path` into `model` on `device`, wherever it was saved; return the dict.

    A file saved on a GPU remembers that its tensors lived on ``cuda:0``, and
    ``torch.load`` puts them back there, which fails outright on a machine
    without CUDA. ``map_location=device`` sends every tensor to `device`
    instead. Move `model` to `device` first, then load with
    `load_checkpoint(..., map_location=device)`: afterwards the model's
    parameters and every tensor in the returned dict are on `device`.

    To check this on a machine without a GPU, load onto the "meta" device:
    tensors there have shapes and dtypes but no data. Task 5.6.
    """
    ### BEGIN SOLUTION
    target = torch.device(device)
    model.to(target)
    return load_checkpoint(path, model, map_location=target)
    ### END SOLUTION


if __name__ == "__main__":
    # Try it, once tasks 5.1 to 5.4 work: a run interrupted and resumed retraces the uninterrupted one.
    import argparse
    import os

    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description="Plot the losses of a run stopped and resumed from its checkpoint")
    parser.add_argument("--save", metavar="PATH", help="save the picture to PATH (a .png) instead of showing it")
    args, _ = parser.parse_known_args()  # known ones only: a notebook's kernel passes arguments of its own

    data = make_classification_data(200, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        straight = train_resumable(make_small_mlp, data, 20, Path(folder) / "straight.pt", seed=0)
        train_resumable(make_small_mlp, data, 20, Path(folder) / "resumed.pt", seed=0, stop_after=8)
        resumed = train_resumable(make_small_mlp, data, 20, Path(folder) / "resumed.pt", seed=0)
    plt.plot(range(1, 21), straight, linewidth=6, alpha=0.4, label="20 epochs in one go")
    plt.plot(range(1, 21), resumed, "k.--", label="stopped after 8, resumed from the checkpoint")
    plt.axvline(8.5, color="grey", linestyle=":")
    plt.gca().set(xlabel="epoch", ylabel="training loss")
    plt.legend()
    if args.save or plt.get_backend().lower() == "agg":  # Agg: matplotlib found no display
        plt.savefig(args.save or "tryit_ex05.png", dpi=120, bbox_inches="tight")
        print("saved the picture to", os.path.abspath(args.save or "tryit_ex05.png"))
    else:
        plt.show()
