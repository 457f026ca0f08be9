"""Hidden tests for exercise 5 (never shipped to students).

Seeds, sizes, crash points and step sequences come from `rng`, so every
grading run asks new questions. The oracles are independent of the reference:
files are read back with ``torch.load``, the uninterrupted run is rebuilt from
the given helpers, and pruning is predicted from the list of saved steps. The
reference solution must agree with each oracle before a submission is judged.
Resumed runs must match exactly: no tolerance at all.

Only values are random. The cases that decide a requirement (each kind of
failure, with and without an earlier checkpoint; each kind of damage and of
unsafe object; a cached Gaussian in numpy's generator; step numbers that gain
a digit; files that are not the manager's) are in every run, so a grade never
depends on the seed. CUDA runs (`device` "cuda", only where the grader has a
GPU) are checks worth no points, by the kit's device rule.

What runs in the student's process is a probe, a function of this file sent
as source by ``submission.call`` (see `hardway.snippets`); it takes the
student's functions it uses as parameters.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from autograder.hidden.oracles_ex05 import adam_model, adam_state, confirmed, fresh_pair, recipe
from hardway import expect
from hardway.snippets import raised
from hardway.testkit import devices, identical
from hardway.testkit_ex05 import (
    ATOMIC_HINT,
    BEST_ON_DISK_HINT,
    CLEANUP_HINT,
    CORRUPT,
    EPOCH_HINT,
    GENERATORS,
    LATEST_HINT,
    MAP_LOCATION_HINT,
    MODEL_TO_DEVICE_HINT,
    NEW_PROCESS_HINT,
    PLAIN_STATE_HINT,
    PRUNE_HINT,
    RECIPE_HINT,
    RERAISE_HINT,
    RNG_HINT,
    STOP_HINT,
    STOP_IN_ALL_HINT,
    UNSAFE,
    WEIGHTS_ONLY_HINT,
    check_reported_as_corrupt,
    check_resumed,
    checkpoint_summary,
    cuda_usable,
    file_name,
    generator_hint,
    read_checkpoint,
    save_as_if_on_gpu,
    train_in_a_new_process,
)


def model_inputs(rng: np.random.Generator) -> dict[str, int]:
    """The inputs of `adam_model`: a seed, the number of input features and the hidden width."""
    return {"model_seed": int(rng.integers(0, 10_000)), "features": int(rng.integers(2, 6)),
            "width": int(rng.integers(3, 9))}


# -- 5.1 ------------------------------------------------------------------------------------


def save_while_torch_save_fails(save_checkpoint: Callable[..., Any], model_seed: int, features: int, width: int,
                                existing: bool, failure: str, garbage_bytes: int) -> Any:
    """Save epoch 2 (over epoch 1 if `existing`) while torch.save writes garbage, then raises `failure`.

    Gives back the name of the error that reached the caller, the epoch the target holds and the folder's files.
    """
    import os
    import tempfile

    import torch

    failures = {"OSError": OSError, "RuntimeError": RuntimeError, "KeyboardInterrupt": KeyboardInterrupt}

    def crash_halfway(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        garbage = os.urandom(garbage_bytes)
        if isinstance(f, (str, bytes, os.PathLike)):
            with open(f, "wb") as handle:
                handle.write(garbage)
        else:
            f.write(garbage)
        raise failures[failure]("simulated crash in the middle of torch.save")

    model, optimizer = adam_model(model_seed, features, width)
    with tempfile.TemporaryDirectory() as folder:
        target = os.path.join(folder, "run.pt")
        if existing:
            save_checkpoint(target, model, optimizer, epoch=1, loss=0.5)
        real_save = torch.save
        torch.save = crash_halfway
        try:
            save_checkpoint(target, model, optimizer, epoch=2, loss=0.25)
            error = None
        except NotImplementedError:
            raise
        except BaseException as problem:  # noqa: BLE001 - KeyboardInterrupt is one of the failures
            error = type(problem).__name__
        finally:
            torch.save = real_save
        stored = read_checkpoint(target) if os.path.exists(target) else None
        return error, stored["epoch"] if isinstance(stored, dict) else stored, sorted(os.listdir(folder))


@pytest.mark.task("5.1", points=2)
def test_crashes_at_random_points_never_damage_the_previous_checkpoint(submission, reference, rng):
    kinds = ["OSError", "RuntimeError", "KeyboardInterrupt"]
    # Every kind of failure over an earlier checkpoint, and one (of a random kind) with no file there yet.
    cases = [(str(kind), True) for kind in rng.permutation(kinds)] + [(str(rng.choice(kinds)), False)]
    for index in rng.permutation(len(cases)).tolist():
        failure, existing = cases[index]
        inputs = dict(model_inputs(rng), existing=existing, failure=failure,
                      garbage_bytes=int(rng.integers(0, 3000)))
        oracle = (failure, 1 if existing else None, ["run.pt"] if existing else [])
        expected = confirmed(oracle, reference.call(save_while_torch_save_fails, **inputs), "crash test")
        call = (f"save_checkpoint(target, ..., epoch=2) while torch.save writes {inputs['garbage_bytes']} bytes "
                f"then raises {failure}" + (" (target held epoch 1)" if existing else " (no file at target yet)"))
        error, epoch, files = submission.call(save_while_torch_save_fails, **inputs)
        expect.equal(f"the checkpoint at target after {call}", epoch, expected[1], hint=ATOMIC_HINT)
        expect.equal(f"the error that reached the caller of {call}", error, failure, hint=RERAISE_HINT)
        expect.equal(f"the files in the folder after {call}", files, expected[2], hint=CLEANUP_HINT)


def save_while_renames_fail(save_checkpoint: Callable[..., Any], model_seed: int, features: int, width: int) -> Any:
    """Save epoch 1, then epoch 2 while os.replace and os.rename raise OSError: (error, epoch in the file, files)."""
    import os
    import tempfile

    def refuse(source: Any, destination: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError("simulated crash just before the rename")

    model, optimizer = adam_model(model_seed, features, width)
    with tempfile.TemporaryDirectory() as folder:
        target = os.path.join(folder, "run.pt")
        save_checkpoint(target, model, optimizer, epoch=1, loss=0.5)
        real = (os.replace, os.rename)
        os.replace = os.rename = refuse
        try:
            error = raised(lambda: save_checkpoint(target, model, optimizer, epoch=2, loss=0.25))
        finally:
            os.replace, os.rename = real
        stored = read_checkpoint(target)
        return error, stored["epoch"] if isinstance(stored, dict) else stored, sorted(os.listdir(folder))


@pytest.mark.task("5.1")
def test_a_crash_before_the_rename_keeps_the_previous_checkpoint(submission, rng):
    call = "save_checkpoint(target, ..., epoch=2) when os.replace and os.rename raise OSError"
    error, epoch, files = submission.call(save_while_renames_fail, **model_inputs(rng))
    if error is None or error[0] != "OSError":
        expect.fail(call, "no error" if error is None else f"{error[0]}: {error[1]}",
                    "the OSError from the rename to reach the caller", hint=ATOMIC_HINT)
    expect.equal(f"the epoch in target (it held epoch 1) after {call}", epoch, 1, hint=ATOMIC_HINT)
    expect.equal(f"the files in the folder after {call}", files, ["run.pt"], hint=CLEANUP_HINT)


def save_random_contents(save_checkpoint: Callable[..., Any], model_seed: int, features: int, width: int,
                         note: str, history: list[float], table: list[list[float]], epoch: int, loss: float,
                         as_path: bool) -> dict[str, Any]:
    """Save with three extras (a pathlib.Path target if `as_path`), then read the file with torch.load."""
    import os
    import pathlib
    import tempfile

    import torch

    model, optimizer = adam_model(model_seed, features, width)
    with tempfile.TemporaryDirectory() as folder:
        target = os.path.join(folder, "nested name.pt")
        extras = {"note": note, "history": history, "table": torch.tensor(table)}
        save_checkpoint(pathlib.Path(target) if as_path else target, model, optimizer, epoch=epoch, loss=loss,
                        **extras)
        stored = read_checkpoint(target)
        readable = isinstance(stored, dict)
        return {
            "keys": sorted(stored) if readable else stored,
            "plain": [stored.get(k) for k in ("epoch", "loss", "note", "history")] if readable else None,
            "table": stored.get("table") if readable else None, "expected_table": extras["table"],
            "weights": dict(stored.get("model_state_dict") or {}) if readable else None,
            "expected_weights": dict(model.state_dict()),
            "adam": [[s.get("exp_avg"), s.get("exp_avg_sq"), s.get("step")]
                     for s in stored["optimizer_state_dict"]["state"].values()]
            if readable and "optimizer_state_dict" in stored else None,
            "expected_adam": adam_state(optimizer), "files": sorted(os.listdir(folder)),
        }


@pytest.mark.task("5.1")
def test_random_contents_are_stored_exactly(submission, rng):
    inputs = dict(model_inputs(rng), note=f"run-{int(rng.integers(1000))}", history=rng.uniform(0, 2, 4).tolist(),
                  table=rng.normal(size=(2, 3)).tolist(), epoch=int(rng.integers(1, 500)),
                  loss=float(rng.uniform(0.01, 3.0)), as_path=True)  # a Path here; the public tests use a str
    call = "save_checkpoint(target, model, optimizer, epoch, loss, note=..., history=..., table=...)"
    got = submission.call(save_random_contents, **inputs)
    if isinstance(got["keys"], str):
        expect.fail(call, got["keys"], "a file that torch.load(target, weights_only=True) reads")
    expect.equal(f"sorted(torch.load(target)) after {call}", got["keys"],
                 ["epoch", "history", "loss", "model_state_dict", "note", "optimizer_state_dict", "table"])
    expect.equal(f"[epoch, loss, note, history] stored by {call}", got["plain"],
                 [inputs["epoch"], inputs["loss"], inputs["note"], inputs["history"]])
    if not identical(got["table"], got["expected_table"]):
        expect.fail(f"torch.load(target)['table'] after {call}", got["table"], "the tensor passed as table")
    if not identical(got["weights"], got["expected_weights"]):
        expect.fail(f"torch.load(target)['model_state_dict'] after {call}", got["weights"], "model.state_dict()")
    if not identical(got["adam"], got["expected_adam"]):
        expect.fail(f"Adam's state in torch.load(target)['optimizer_state_dict'] after {call}", got["adam"],
                    "the optimizer's exp_avg, exp_avg_sq and step", hint="store optimizer.state_dict()")
    expect.equal(f"the files in the folder after {call}", got["files"], ["nested name.pt"])


# -- 5.2 ------------------------------------------------------------------------------------


def load_damaged_files(load_checkpoint: Callable[..., Any], model_seed: int, features: int, width: int,
                       damage: list[tuple[float, list[int] | None]]) -> list[Any]:
    """What loading raised, for each (cut, garbage): a file of torch.save's first `cut` (a fraction), or `garbage`."""
    import functools
    import os
    import tempfile

    import torch

    model, optimizer = adam_model(model_seed, features, width)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "damaged.pt")
        torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                    "epoch": 3, "loss": 0.5}, path)
        with open(path, "rb") as handle:
            whole = handle.read()
        errors = []
        for cut, garbage in damage:
            with open(path, "wb") as handle:
                handle.write(whole[:int(cut * len(whole))] if garbage is None else bytes(garbage))
            model_again, optimizer_again = fresh_pair(features, width)
            errors.append(raised(functools.partial(load_checkpoint, path, model_again, optimizer_again)))
        return errors


@pytest.mark.task("5.2", points=2)
def test_random_damage_is_reported_as_truncated_or_corrupt(submission, reference, rng):
    # Three cut-off files and two kinds of garbage, every time; where the cuts fall and the bytes are drawn.
    damage: list[tuple[float, list[int] | None]] = [(float(rng.uniform(0.0, 0.999)), None) for _ in range(3)]
    # Garbage that opens like a zip archive, or with a byte no pickle starts with: random bytes could
    # otherwise spell out a pickle that names a global, which is a matter of taste to classify.
    for start in ([0x00], [0x50, 0x4B, 0x03, 0x04]):
        damage.append((0.0, start + rng.integers(0, 256, size=int(rng.integers(0, 600))).tolist()))
    damage = [damage[index] for index in rng.permutation(len(damage)).tolist()]
    inputs = dict(model_inputs(rng), damage=damage)
    for error in reference.call(load_damaged_files, **inputs):
        confirmed(True, error is not None and error[0] == "CheckpointError" and CORRUPT in error[1].lower(),
                  "damaged file")
    for (cut, garbage), error in zip(damage, submission.call(load_damaged_files, **inputs), strict=True):
        what = f"the first {cut:.1%} of a checkpoint" if garbage is None else f"{len(garbage)} bytes of garbage"
        check_reported_as_corrupt(f"load_checkpoint(path, model, optimizer) on {what}", error)


def load_with_an_unsafe_object(load_checkpoint: Callable[..., Any], model_seed: int, features: int, width: int,
                               kind: str, where: str) -> Any:
    """A checkpoint whose entry `where` holds an object of `kind` that weights_only refuses; what loading raised.

    Gives back (the error, whether the object's code ran: a "trap" touches a file when it is unpickled).
    """
    import argparse
    import datetime
    import fractions
    import os
    import pathlib
    import tempfile

    import torch

    model, optimizer = adam_model(model_seed, features, width)
    with tempfile.TemporaryDirectory() as folder:
        marker = os.path.join(folder, "code_ran_here")

        class Trap:
            def __reduce__(self) -> Any:
                return (pathlib.Path.touch, (pathlib.Path(marker),))

        unsafe_objects = {"trap": Trap, "array": lambda: np.arange(3.0), "numpy scalar": lambda: np.float64(0.5),
                          "fraction": lambda: fractions.Fraction(1, 3), "date": lambda: datetime.date(2024, 1, 1),
                          "namespace": lambda: argparse.Namespace(lr=0.1)}
        path = os.path.join(folder, "unsafe.pt")
        torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                    "epoch": 1, "loss": 0.5, where: unsafe_objects[kind]()}, path)
        model_again, optimizer_again = fresh_pair(features, width)
        error = raised(lambda: load_checkpoint(path, model_again, optimizer_again))
        return error, os.path.exists(marker)


@pytest.mark.task("5.2")
def test_unsafe_objects_are_refused(submission, rng):
    for kind in rng.permutation(["trap", "array", "numpy scalar", "fraction", "date", "namespace"]):  # all six
        where = str(rng.choice(["extra", "loss_history", "config"]))
        call = f"load_checkpoint(path, model, optimizer) on a checkpoint whose {where!r} entry holds a {kind}"
        error, code_ran = submission.call(load_with_an_unsafe_object, kind=str(kind), where=where, **model_inputs(rng))
        if code_ran:
            expect.fail(call, "a file created by code inside the checkpoint", "the file refused before anything runs",
                        hint=WEIGHTS_ONLY_HINT)
        expect.rejects(call, error, "CheckpointError", mentions=(UNSAFE,), hint=WEIGHTS_ONLY_HINT)
        if CORRUPT in error[1].lower():
            expect.fail(call, f"{error[0]}: {error[1]}", f"a message that says {UNSAFE!r} and not {CORRUPT!r}")


def load_a_misfit(load_checkpoint: Callable[..., Any], make_small_mlp: Callable[..., Any],
                  make_optimizer: Callable[..., Any], case: str, saved_hidden: int, loaded_hidden: int) -> Any:
    """Load a checkpoint that does not fit its model in the way `case` names; the error raised."""
    import os
    import tempfile

    import torch

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "misfit.pt")
        torch.manual_seed(0)
        source = make_small_mlp(hidden=saved_hidden)
        state = dict(source.state_dict())
        if case == "unexpected":
            state["extra.weight"] = torch.zeros(2, 2)
        payload = {"model_state_dict": state, "epoch": 1, "loss": 0.5}
        if case == "no model_state_dict":
            payload = dict(source.state_dict())
        if case != "no optimizer_state_dict":
            payload["optimizer_state_dict"] = make_optimizer(source).state_dict()
        torch.save(payload, path)
        target = make_small_mlp(hidden=loaded_hidden)
        optimizer = make_optimizer(target) if case == "no optimizer_state_dict" else None
        return raised(lambda: load_checkpoint(path, target, optimizer))


@pytest.mark.task("5.2", points=2)
def test_checkpoints_that_do_not_fit_are_named(submission, rng):
    cases = {"shape": (("shape mismatch",), "0.weight"), "unexpected": (("unexpected keys",), "extra.weight"),
             "no model_state_dict": (("model_state_dict",), None),
             "no optimizer_state_dict": (("optimizer_state_dict",), None)}
    for case, (words, name) in cases.items():
        saved_hidden = int(rng.integers(4, 12))
        loaded_hidden = saved_hidden + int(rng.integers(1, 5)) if case == "shape" else saved_hidden
        call = {"shape": f"load_checkpoint(path, make_small_mlp(hidden={loaded_hidden})) on a checkpoint of "
                         f"make_small_mlp(hidden={saved_hidden})",
                "unexpected": "load_checkpoint(path, model) on a checkpoint with an extra key 'extra.weight'",
                "no model_state_dict": "load_checkpoint(path, model) on a bare state_dict saved with torch.save",
                "no optimizer_state_dict": "load_checkpoint(path, model, optimizer) on a checkpoint without "
                                           "optimizer state"}[case]
        error = submission.call(load_a_misfit, case=case, saved_hidden=saved_hidden, loaded_hidden=loaded_hidden)
        expect.rejects(call, error, "CheckpointError", mentions=words,
                       hint="compare the checkpoint with model.state_dict() before loading and say what does not fit")
        if name is not None and name not in error[1]:
            expect.fail(call, f"{error[0]}: {error[1]}", f"a message that names {name!r}")


def load_what_torch_saved(load_checkpoint: Callable[..., Any], model_seed: int, features: int, width: int,
                          epoch: int, loss: float, note: str) -> dict[str, Any]:
    """Load a file that torch.save wrote into a fresh pair: what they hold, what the file holds, what came back."""
    import os
    import tempfile

    import torch

    model, optimizer = adam_model(model_seed, features, width)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "by_torch.pt")
        torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                    "epoch": epoch, "loss": loss, "note": note}, path)
        model_again, optimizer_again = fresh_pair(features, width)
        returned = load_checkpoint(path, model_again, optimizer_again)
        return {"returned": [returned.get(k) for k in ("epoch", "loss", "note")] if isinstance(returned, dict)
                else None,
                "weights": dict(model_again.state_dict()), "expected": dict(model.state_dict()),
                "adam": adam_state(optimizer_again), "expected_adam": adam_state(optimizer)}


@pytest.mark.task("5.2")
def test_random_checkpoints_restore_model_and_adam_exactly(submission, rng):
    inputs = dict(model_inputs(rng), epoch=int(rng.integers(1, 99)), loss=float(rng.uniform(0, 2)),
                  note=f"n{int(rng.integers(99))}")
    call = "load_checkpoint(path, model, optimizer) on a file torch.save wrote"
    got = submission.call(load_what_torch_saved, **inputs)
    if not identical(got["weights"], got["expected"]):
        expect.fail(f"model.state_dict() after {call}", got["weights"], "the saved weights")
    if not identical(got["adam"], got["expected_adam"]):
        expect.fail(f"Adam's state after {call}", got["adam"], "the saved exp_avg, exp_avg_sq and step",
                    hint="optimizer.load_state_dict(checkpoint['optimizer_state_dict'])")
    expect.equal(f"[epoch, loss, note] returned by {call}", got["returned"],
                 [inputs["epoch"], inputs["loss"], inputs["note"]])


def load_a_gpu_file_by_default(load_checkpoint: Callable[..., Any], model_seed: int, features: int,
                               width: int) -> Any:
    """Load a checkpoint saved (as if) on cuda:0 with load_checkpoint's default map_location.

    Gives back the error, the devices of the returned tensors and those of the optimizer's state.
    """
    import os
    import tempfile

    model, optimizer = adam_model(model_seed, features, width)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "from_gpu.pt")
        save_as_if_on_gpu({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                           "epoch": 2, "loss": 0.5}, path)
        receiver, receiver_optimizer = fresh_pair(features, width)
        loaded = []
        error = raised(lambda: loaded.append(load_checkpoint(path, receiver, receiver_optimizer)))
        return (error, sorted(devices(loaded[0])) if loaded else None,
                sorted({str(v.device) for s in receiver_optimizer.state.values() for v in s.values()}))


@pytest.mark.task("5.2")
def test_load_checkpoint_maps_to_the_cpu_by_default(submission, rng):
    call = "load_checkpoint(path, model, optimizer) on a checkpoint saved on cuda:0 (map_location left at 'cpu')"
    error, returned, optimizer_devices = submission.call(load_a_gpu_file_by_default, **model_inputs(rng))
    if error is not None:
        expect.fail(call, f"{error[0]}: {error[1][:300]}", "the checkpoint, on the CPU", hint=MAP_LOCATION_HINT)
    expect.equal(f"the devices of the tensors returned by {call}", returned, ["cpu"], hint=MAP_LOCATION_HINT)
    expect.equal(f"the devices of the optimizer's state after {call}", optimizer_devices, ["cpu"],
                 hint=MAP_LOCATION_HINT)


# -- 5.3 ------------------------------------------------------------------------------------


def replay_twice(capture_rng_state: Callable[[], Any], restore_rng_state: Callable[[Any], None], seed: int,
                 warmup: int, count: int, with_cuda: bool) -> Any:
    """Save the captured state, draw, load it with weights_only=True, then twice: draw, restore, draw.

    Gives back the error the load raised (or None), the first draws, and the draws after each restore.
    """
    import os
    import random
    import tempfile

    import torch

    def draws() -> dict[str, list[float]]:
        found = {"python": [random.random() for _ in range(count)] + [random.randint(0, 10**9)],
                 "numpy": np.random.standard_normal(count).tolist() + np.random.rand(2).tolist()
                 + np.random.randint(0, 10**9, size=2).tolist(),
                 "torch": torch.rand(count).tolist() + torch.randperm(7).tolist()}
        if with_cuda and cuda_usable():  # only in the CUDA run, a check worth no points
            found["cuda"] = torch.rand(count, device="cuda").tolist()
        return found

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    np.random.standard_normal(warmup)
    random.random()
    torch.rand(warmup)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "generators.pt")
        torch.save(capture_rng_state(), path)
        first = draws()
        loaded = []
        problem = raised(lambda: loaded.append(torch.load(path, weights_only=True)))
        results = []
        if loaded:
            for _ in range(2):
                draws()
                restore_rng_state(loaded[0])
                results.append(draws())
    return problem, first, results


@pytest.mark.task("5.3", points=2)
def test_random_draw_sequences_replay_exactly(submission, rng, device):
    # An odd number of numpy Gaussians always leaves the second of a pair in numpy's cache.
    inputs = {"seed": int(rng.integers(0, 2**31)), "warmup": 2 * int(rng.integers(0, 3)) + 1,
              "count": int(rng.integers(1, 5)), "with_cuda": device == "cuda"}
    call = (f"torch.save(capture_rng_state(), path) after {inputs['warmup']} numpy Gaussians, then "
            "restore_rng_state(torch.load(path, weights_only=True)), twice")
    problem, first, results = submission.call(replay_twice, **inputs)
    if problem is not None:
        expect.fail(call, f"{problem[0]}: {problem[1][:300]}", "a state that weights_only=True loads",
                    hint=PLAIN_STATE_HINT)
    for attempt, again in enumerate(results, start=1):
        for name, label in GENERATORS.items():
            if name not in first:
                continue
            expect.equal(f"draws from {label} after restore number {attempt} of {call}", again[name], first[name],
                         hint=generator_hint(name) + "; restoring must not change the saved state")


# -- 5.4 ------------------------------------------------------------------------------------


def recipe_and_run(make_classification_data: Callable[..., Any], seed_everything: Callable[[int], None],
                   make_small_mlp: Callable[..., Any], make_optimizer: Callable[..., Any],
                   train_one_epoch: Callable[..., float], train_resumable: Callable[..., Any], n: int,
                   data_seed: int, epochs: int, seed: int) -> tuple[list, Any]:
    """The run rebuilt by `recipe`, and the losses of train_resumable's whole run on the same data."""
    import os
    import tempfile

    data, expected = recipe(make_classification_data, seed_everything, make_small_mlp, make_optimizer,
                            train_one_epoch, n, data_seed, seed, epochs)
    with tempfile.TemporaryDirectory() as folder:
        return expected, train_resumable(make_small_mlp, data, epochs, os.path.join(folder, "full.pt"), seed)


def start_and_interrupt(make_classification_data: Callable[..., Any], seed_everything: Callable[[int], None],
                        make_small_mlp: Callable[..., Any], make_optimizer: Callable[..., Any],
                        train_one_epoch: Callable[..., float], train_resumable: Callable[..., Any], n: int,
                        data_seed: int, epochs: int, seed: int, first: int) -> Any:
    """In a new folder: a whole run (full.pt) and one stopped after `first` epochs (interrupted.pt).

    Gives back the folder, the `recipe` run's losses, the whole run's and the stopped run's.
    """
    import os
    import shutil
    import tempfile

    data, expected = recipe(make_classification_data, seed_everything, make_small_mlp, make_optimizer,
                            train_one_epoch, n, data_seed, seed, epochs)
    folder = tempfile.mkdtemp(prefix="ex05-hidden-")
    try:
        full = train_resumable(make_small_mlp, data, epochs, os.path.join(folder, "full.pt"), seed)
        part = train_resumable(make_small_mlp, data, epochs, os.path.join(folder, "interrupted.pt"), seed,
                               stop_after=first)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder, expected, full, part


def resume_in_a_new_process(make_classification_data: Callable[..., Any], make_small_mlp: Callable[..., Any],
                            train_resumable: Callable[..., Any], folder: str, n: int, data_seed: int, epochs: int,
                            seed: int, second: int) -> Any:
    """Resume interrupted.pt until `second` epochs are done, in a new Python process: (losses, None) or (None, error).

    Where no new process can run (`train_in_a_new_process`), one is simulated by re-seeding every generator.
    """
    import os
    import random

    import torch

    path = os.path.join(folder, "interrupted.pt")
    launched = train_in_a_new_process(globals().get("__file__"), path, n, data_seed, epochs, seed, stop_after=second)
    if launched is not None:
        return launched
    random.seed(seed + 1)
    np.random.seed(seed + 1)
    torch.manual_seed(seed + 1)
    return (train_resumable(make_small_mlp, make_classification_data(n, data_seed), epochs, path, seed,
                            stop_after=second), None)


def resume_the_rest(make_classification_data: Callable[..., Any], make_small_mlp: Callable[..., Any],
                    train_resumable: Callable[..., Any], folder: str, n: int, data_seed: int, epochs: int,
                    seed: int) -> Any:
    """Re-seed every generator, resume interrupted.pt to the end, then remove the folder.

    Gives back the resumed losses and the `checkpoint_summary` of full.pt and of interrupted.pt.
    """
    import os
    import random
    import shutil

    import torch

    try:
        random.seed(seed + 2)
        np.random.seed(seed + 2)
        torch.manual_seed(seed + 2)
        path = os.path.join(folder, "interrupted.pt")
        resumed = train_resumable(make_small_mlp, make_classification_data(n, data_seed), epochs, path, seed)
        return resumed, checkpoint_summary(os.path.join(folder, "full.pt")), checkpoint_summary(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_folder(folder: str) -> None:
    """Remove a folder that a failed test leaves behind."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.task("5.4", points=3)
def test_a_run_interrupted_twice_resumes_bit_for_bit(submission, reference, rng):
    epochs = int(rng.integers(3, 6))
    first = int(rng.integers(1, epochs - 1))
    second = int(rng.integers(first + 1, epochs))
    inputs = {"n": int(rng.integers(20, 70)), "data_seed": int(rng.integers(10_000)), "epochs": epochs,
              "seed": int(rng.integers(0, 2**31 - 3))}
    reference_recipe, reference_full = reference.call(recipe_and_run, **inputs)
    confirmed(reference_recipe, reference_full, "the uninterrupted run")
    folder, expected, full, part = submission.call(start_and_interrupt, first=first, **inputs)
    run = f"train_resumable(make_small_mlp, make_classification_data({inputs['n']}, ...), {epochs}, path, seed)"
    try:
        expect.equal(run, full, expected, hint=RECIPE_HINT)
        expect.equal(f"{run[:-1]}, stop_after={first})", part, expected[:first], hint=STOP_HINT)
        middle, crash = submission.call(resume_in_a_new_process, folder=folder, second=second, **inputs)
        call = f"{run[:-1]}, stop_after={second}) in a new process, resuming after epoch {first}"
        if crash is not None:
            expect.fail(call, f"a crash:\n{crash}", "a resumed run", hint=NEW_PROCESS_HINT)
        if not isinstance(middle, list) or len(middle) != second:
            expect.fail(call, middle, f"{second} losses", hint=STOP_IN_ALL_HINT)
        expect.equal(call, middle, expected[:second], hint=RNG_HINT)
    except expect.ExpectationFailed:
        submission.call(remove_folder, folder=folder)
        raise
    resumed, full_stored, stored = submission.call(resume_the_rest, folder=folder, **inputs)
    check_resumed(f"{run} resuming after epoch {second}, with every generator re-seeded", full, resumed,
                  full_stored, stored, second)


def finish_then_run_again(make_classification_data: Callable[..., Any], seed_everything: Callable[[int], None],
                          make_small_mlp: Callable[..., Any], make_optimizer: Callable[..., Any],
                          train_one_epoch: Callable[..., float], train_resumable: Callable[..., Any], n: int,
                          data_seed: int, epochs: int, seed: int) -> Any:
    """A whole run, then train_resumable again on its checkpoint (with another seed).

    Gives back the `recipe` run's losses, both runs' losses, and the checkpoint's summary before and after.
    """
    import os
    import tempfile

    data, expected = recipe(make_classification_data, seed_everything, make_small_mlp, make_optimizer,
                            train_one_epoch, n, data_seed, seed, epochs)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "run.pt")
        full = train_resumable(make_small_mlp, data, epochs, path, seed)
        before = checkpoint_summary(path)
        again = train_resumable(make_small_mlp, data, epochs, path, seed + 1)
        return expected, full, again, before, checkpoint_summary(path)


@pytest.mark.task("5.4")
def test_a_finished_run_stays_finished(submission, rng):
    inputs = {"n": int(rng.integers(16, 50)), "data_seed": int(rng.integers(10_000)),
              "epochs": int(rng.integers(1, 4)), "seed": int(rng.integers(0, 2**31 - 2))}
    expected, full, again, before, after = submission.call(finish_then_run_again, **inputs)
    call = f"train_resumable(make_small_mlp, data, {inputs['epochs']}, path, seed) on a finished run's checkpoint"
    expect.equal("the first run", full, expected, hint=RECIPE_HINT)
    expect.equal(call, again, full, hint="a finished run has nothing left to do: return its saved losses")
    expect.equal(f"torch.load(path)['epoch'] after {call}", after["epoch"], inputs["epochs"], hint=EPOCH_HINT)
    if not identical(after["weights"], before["weights"]):
        expect.fail(f"the weights after {call}", after["weights"], "the finished run's weights, untouched",
                    hint=EPOCH_HINT)


# -- 5.5 ------------------------------------------------------------------------------------


def save_and_reopen(CheckpointManager: type, steps: list[int], keep: int, losses: list[float],
                    accuracies: list[float], others: list[str], reopen_at: int) -> dict[str, Any]:
    """Save one checkpoint per step beside `others`, with a new manager from save number `reopen_at` on.

    Gives back the saved names, the files, the answers of the last manager and of a new one on the folder, and
    the step stored in each of the manager's files.
    """
    import os
    import tempfile

    import torch

    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with tempfile.TemporaryDirectory() as folder:
        for other in others:
            with open(os.path.join(folder, other), "w") as handle:
                handle.write("not the manager's")
        manager = CheckpointManager(folder, keep_last=keep)
        saved = []
        for index, (step, loss, accuracy) in enumerate(zip(steps, losses, accuracies, strict=True)):
            if index == reopen_at:
                manager = CheckpointManager(folder, keep_last=keep)
            saved.append(file_name(manager.save(step, model, optimizer, {"loss": loss, "accuracy": accuracy})))
        files = sorted(os.listdir(folder))
        reopened = CheckpointManager(folder, keep_last=keep)
        managers = (manager, reopened)
        return {"saved": saved, "files": files,
                "answers": [file_name(m.latest()) for m in managers]
                + [file_name(m.best("loss")) for m in managers]
                + [file_name(m.best("accuracy", mode="max")) for m in managers],
                "steps": {file: torch.load(os.path.join(folder, file), weights_only=True)["step"]
                          for file in files if file not in others}}


@pytest.mark.task("5.5", points=3)
def test_random_save_sequences_keep_the_right_files(submission, reference, rng):
    count = int(rng.integers(4, 9))
    # The step numbers always gain a digit (9 to 10, 99 to 100 or 999 to 1000) after the first two saves,
    # pruning always deletes something, and the folder always holds files that are not the manager's.
    gaps = rng.integers(1, 4, size=count - 1)
    boundary = int(rng.choice([10, 100, 1000]))
    steps = (boundary - int(gaps[:2].sum()) + np.cumsum(np.concatenate([[0], gaps]))).tolist()
    keep = int(rng.integers(1, min(4, count - 1) + 1))
    losses = rng.uniform(0.1, 2.0, size=count).round(6).tolist()
    accuracies = rng.uniform(0.0, 1.0, size=count).round(6).tolist()
    others = ["notes.txt", "final_model.pt"]
    inputs = {"steps": steps, "keep": keep, "losses": losses, "accuracies": accuracies, "others": others,
              "reopen_at": int(rng.integers(1, count))}
    kept = list(range(count))[-keep:]
    best_loss = min(kept, key=lambda i: (losses[i], steps[i]))
    best_accuracy = min(kept, key=lambda i: (-accuracies[i], steps[i]))
    reference_got = reference.call(save_and_reopen, **inputs)
    names = reference_got["saved"]
    oracle = {"files": sorted([names[i] for i in kept] + others),
              "answers": [names[kept[-1]]] * 2 + [names[best_loss]] * 2 + [names[best_accuracy]] * 2,
              "steps": {names[i]: steps[i] for i in kept}}
    expected = confirmed(oracle, {key: reference_got[key] for key in oracle}, "manager")
    call = (f"CheckpointManager(folder, keep_last={keep}).save(step, ...) for step in {steps}"
            f"{' with ' + ' and '.join(others) + ' in the folder' if others else ''}")
    got = submission.call(save_and_reopen, **inputs)
    saved = got["saved"]
    if not all(isinstance(name, str) for name in saved):
        expect.fail(f"the paths returned by save(step, ...) for step in {steps}", saved, "one path per checkpoint",
                    hint="save() writes a checkpoint and returns its path")
    survivors = sorted([saved[i] for i in kept] + others)
    expect.equal(f"sorted(os.listdir(folder)) after {call}", got["files"], survivors,
                 hint=PRUNE_HINT + "; files that don't follow the manager's pattern are never touched")
    expect.equal(f"the step stored in each kept file after {call}", got["steps"],
                 {saved[i]: steps[i] for i in kept}, hint="store step=step in each checkpoint")
    questions = ["latest()", "latest() of a new manager on the folder", "best('loss')",
                 "best('loss') of a new manager", "best('accuracy', mode='max')",
                 "best('accuracy', mode='max') of a new manager"]
    answers = [saved[kept[-1]]] * 2 + [saved[best_loss]] * 2 + [saved[best_accuracy]] * 2
    assert len(expected["answers"]) == len(answers)
    hints = [LATEST_HINT] * 2 + [BEST_ON_DISK_HINT] * 4
    for question, got_answer, wanted, hint in zip(questions, got["answers"], answers, hints, strict=True):
        expect.equal(f"{question} after {call} (losses {losses}, accuracies {accuracies})", got_answer, wanted,
                     hint=hint)


# -- 5.6 ------------------------------------------------------------------------------------


def _devices() -> list[str]:
    import torch

    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(params=_devices())
def device(request: pytest.FixtureRequest) -> str:
    """Where the checkpoint was saved: "cpu" forges a GPU file; "cuda" (with a GPU) makes a real one."""
    return request.param


def move_between_devices(load_for_device: Callable[..., Any], model_seed: int, features: int, width: int,
                         saved_on: str, targets: list[str]) -> dict[str, Any]:
    """A checkpoint saved on a GPU (a real one where `saved_on` is "cuda" and one works, else forged) loaded by
    load_for_device onto each of `targets`: the error, and where the tensors and the model's parameters went."""
    import os
    import tempfile

    import torch

    model, optimizer = adam_model(model_seed, features, width)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "moved.pt")
        payload = {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                   "epoch": 2, "loss": 0.5, "extra": torch.arange(3.0)}
        real_gpu = saved_on == "cuda" and cuda_usable()
        if real_gpu:
            gpu_model, gpu_optimizer = fresh_pair(features, width)
            gpu_model.load_state_dict(model.state_dict())
            gpu_model.to("cuda")
            gpu_optimizer.load_state_dict(optimizer.state_dict())
            torch.save({"model_state_dict": gpu_model.state_dict(), "optimizer_state_dict": gpu_optimizer.state_dict(),
                        "epoch": 2, "loss": 0.5, "extra": torch.arange(3.0, device="cuda")}, path)
        else:
            save_as_if_on_gpu(payload, path)

        def load_onto(target: str) -> tuple[Any, list[Any], Any]:
            receiver, _ = fresh_pair(features, width)
            loaded: list[Any] = []
            return raised(lambda: loaded.append(load_for_device(path, receiver, target))), loaded, receiver

        outcomes = {}
        for target in [target for target in targets if target != "cuda" or cuda_usable()]:
            error, loaded, receiver = load_onto(target)
            outcomes[target] = {
                "error": error, "returned": sorted(devices(loaded[0])) if loaded else None,
                "parameters": sorted({str(p.device) for p in receiver.parameters()}),
                "weights": {k: v.cpu() for k, v in receiver.state_dict().items()} if target != "meta" else None}
        return {"real_gpu": real_gpu, "outcomes": outcomes, "expected": dict(model.state_dict())}


@pytest.mark.task("5.6", points=3)
def test_checkpoints_move_between_devices(submission, device, rng):
    targets = ["cpu", "meta"] + (["cuda"] if device == "cuda" else [])
    got = submission.call(move_between_devices, saved_on=device, targets=targets, **model_inputs(rng))
    origin = "a real GPU" if got["real_gpu"] else "cuda:0 (tagged as such while saving)"
    for target, outcome in got["outcomes"].items():
        call = f"load_for_device(path, model, {target!r}) on a checkpoint saved on {origin}"
        if outcome["error"] is not None:
            expect.fail(call, f"{outcome['error'][0]}: {outcome['error'][1][:300]}", f"the checkpoint, on {target}",
                        hint=MAP_LOCATION_HINT + "; move the model to the device (model.to(device)) before loading")
        place = "cuda:0" if target == "cuda" else target
        expect.equal(f"the devices of the tensors returned by {call}", outcome["returned"], [place],
                     hint=MAP_LOCATION_HINT + ": map_location=device, not a fixed 'cpu'")
        expect.equal(f"the devices of the model's parameters after {call}", outcome["parameters"], [place],
                     hint=MODEL_TO_DEVICE_HINT)
        if target != "meta" and not identical(outcome["weights"], got["expected"]):
            expect.fail(f"model.state_dict() after {call}", outcome["weights"], "the saved weights, exactly")
