"""Public tests for exercise 5: checkpoints that resume exactly.

Run them with ``pytest exercises/tests/test_ex05_checkpointing.py`` (add ``-x``
to stop at the first failure, ``--pdb`` to debug it). Each test names its task.
The tests read the files you write with ``torch.load`` itself. The checkpoint
that your ``load_checkpoint`` and ``load_for_device`` read was written by the
reference solution's ``save_checkpoint`` and recorded in this file (the
``RECORDED`` block at the end, written by the instructors' ``autograder
record-expectations``), so no test here spells out a checkpoint for you. Your
own uninterrupted run is the yardstick for a resumed one: resumed losses and
weights must match it exactly, not approximately. One test resumes in a
brand-new Python process, as a real restart would. The grader runs these
tests too, plus hidden ones with other seeds and sizes.

What a test runs in your module is a *probe*, a function of this file:
``submission.call(probe, **inputs)`` runs it where your code runs, with each
parameter bound by name to an input or, failing that, to your function of that
name. A traceback through a probe points at its line in this file.
"""

import math
import os
from typing import Any, Callable

import numpy as np
import pytest

from hardway import expect
from hardway.snippets import probe_source, raised
from hardway.testkit import devices, identical
from hardway.testkit_ex05 import (
    ATOMIC_HINT,
    BEST_ON_DISK_HINT,
    CLEANUP_HINT,
    CORRUPT,
    GENERATORS,
    LATEST_HINT,
    MAP_LOCATION_HINT,
    MODEL_TO_DEVICE_HINT,
    NEW_PROCESS_HINT,
    PLAIN_STATE_HINT,
    PRUNE_HINT,
    RECIPE_HINT,
    RERAISE_HINT,
    STOP_HINT,
    STOP_IN_ALL_HINT,
    UNSAFE,
    WEIGHTS_ONLY_HINT,
    check_reported_as_corrupt,
    check_resumed,
    checkpoint_summary,
    file_name,
    generator_hint,
    read_checkpoint,
    save_as_if_on_gpu,
    train_in_a_new_process,
)

#: The fixed cases whose answers were recorded from the reference solution: name -> (snippet, inputs).
CASES: dict[str, tuple[str, dict[str, Any]]] = {}

# -- shared pieces of probes ---------------------------------------------------------------


def sgd_model(model_seed: int) -> tuple[Any, Any]:
    """A torch.nn.Linear(3, 2) and an SGD-with-momentum optimizer that has taken one step (so it has state)."""
    import torch

    torch.manual_seed(model_seed)
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(4, 3)).pow(2).sum().backward()
    optimizer.step()
    return model, optimizer


def record_a_checkpoint(save_checkpoint: Callable[..., Any], model_seed: int) -> str:
    """The bytes (as base64 text) of the checkpoint save_checkpoint writes for epoch 4, loss 0.125, tag="kept"."""
    import base64
    import os
    import tempfile

    model, optimizer = sgd_model(model_seed)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "recorded.pt")
        save_checkpoint(path, model, optimizer, epoch=4, loss=0.125, tag="kept")
        with open(path, "rb") as handle:
            return base64.b64encode(handle.read()).decode("ascii")


CASES["a checkpoint"] = (probe_source(record_a_checkpoint, ["model_seed"]), {"model_seed": 4})


def write_recorded(checkpoint: str, path: str) -> None:
    """Write the recorded checkpoint (base64 text) to `path`: a torch.nn.Linear(3, 2), SGD with momentum, epoch 4."""
    import base64

    with open(path, "wb") as handle:
        handle.write(base64.b64decode(checkpoint))


# -- Task 5.1: saving a checkpoint atomically ---------------------------------------------


def save_and_read_back(save_checkpoint: Callable[..., Any], model_seed: int) -> dict[str, Any]:
    """Save a checkpoint with two extras, then read it with torch.load: what it holds, and what it should."""
    import os
    import tempfile

    model, optimizer = sgd_model(model_seed)
    with tempfile.TemporaryDirectory() as folder:
        target = os.path.join(folder, "run.pt")
        returned = save_checkpoint(target, model, optimizer, epoch=7, loss=0.25, note="hello", step=70)
        stored = read_checkpoint(target)
        readable = isinstance(stored, dict)
        return {
            "returned": os.fspath(returned) == target if isinstance(returned, (str, os.PathLike)) else repr(returned),
            "keys": sorted(stored) if readable else stored,
            "values": [stored.get(key) for key in ("epoch", "loss", "note", "step")] if readable else None,
            "weights": dict(stored.get("model_state_dict") or {}) if readable else None,
            "momentum": [state.get("momentum_buffer") for state in stored["optimizer_state_dict"]["state"].values()]
            if readable and "optimizer_state_dict" in stored else None,
            "expected_weights": dict(model.state_dict()),
            "expected_momentum": [optimizer.state[p]["momentum_buffer"] for p in model.parameters()],
            "files": sorted(os.listdir(folder)),
        }


@pytest.mark.task("5.1", points=2)
def test_save_writes_every_entry(submission):
    call = "save_checkpoint(target, model, optimizer, epoch=7, loss=0.25, note='hello', step=70)"
    got = submission.call(save_and_read_back, model_seed=0)
    if isinstance(got["keys"], str):
        expect.fail(call, got["keys"], "a file that torch.load(target, weights_only=True) reads",
                    hint="save a dict of tensors and plain values with torch.save: model.state_dict(), not the "
                         "model itself (weights_only=True refuses a pickled module)")
    expect.equal(f"sorted(torch.load(target)) after {call}", got["keys"],
                 ["epoch", "loss", "model_state_dict", "note", "optimizer_state_dict", "step"],
                 hint="store model_state_dict, optimizer_state_dict, epoch and loss, plus one key per extra keyword")
    expect.equal(f"[epoch, loss, note, step] stored by {call}", got["values"], [7, 0.25, "hello", 70])
    if not identical(got["weights"], got["expected_weights"]):
        expect.fail(f"torch.load(target)['model_state_dict'] after {call}", got["weights"],
                    "exactly model.state_dict()", hint="store model.state_dict()")
    if not identical(got["momentum"], got["expected_momentum"]):
        expect.fail(f"the momentum buffers in torch.load(target)['optimizer_state_dict'] after {call}",
                    got["momentum"], "the optimizer's momentum buffers", hint="store optimizer.state_dict()")
    expect.equal(f"the path returned by {call} is target", got["returned"], True,
                 hint="return the checkpoint's path")
    expect.equal(f"the files in the folder after {call}", got["files"], ["run.pt"],
                 hint="the temporary file must become the checkpoint; nothing else may stay behind")


def save_three_times(save_checkpoint: Callable[..., Any], model_seed: int) -> tuple[Any, list[str]]:
    """Save epochs 1, 2 and 3 to one target: [epoch, loss] read back from it, and the files in its folder."""
    import os
    import tempfile

    model, optimizer = sgd_model(model_seed)
    with tempfile.TemporaryDirectory() as folder:
        target = os.path.join(folder, "run.pt")
        for epoch in (1, 2, 3):
            save_checkpoint(target, model, optimizer, epoch=epoch, loss=1.0 / epoch)
        stored = read_checkpoint(target)
        return ([stored["epoch"], stored["loss"]] if isinstance(stored, dict) else stored), sorted(os.listdir(folder))


@pytest.mark.task("5.1")
def test_saving_again_replaces_the_checkpoint(submission):
    call = "for epoch in (1, 2, 3): save_checkpoint(target, model, optimizer, epoch=epoch, loss=1.0 / epoch)"
    values, files = submission.call(save_three_times, model_seed=1)
    expect.equal(f"[epoch, loss] in target after {call}", values, [3, 1.0 / 3], hint="the newest save wins")
    expect.equal(f"the files in the folder after {call}", files, ["run.pt"],
                 hint="os.replace the temporary file onto the target; don't leave copies behind")


def save_while_torch_save_crashes(save_checkpoint: Callable[..., Any], model_seed: int) -> tuple[Any, Any, list[str]]:
    """Save epoch 1, then epoch 2 while torch.save writes half a file and raises OSError.

    Gives back the error that reached the caller, the epoch the target holds afterwards, and the folder's files.
    """
    import os
    import tempfile

    import torch

    def save_half_then_crash(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(f, (str, bytes, os.PathLike)):
            with open(f, "wb") as handle:
                handle.write(b"half a checkpoint")
        else:
            f.write(b"half a checkpoint")
        raise OSError("simulated crash: no space left on device")

    model, optimizer = sgd_model(model_seed)
    with tempfile.TemporaryDirectory() as folder:
        target = os.path.join(folder, "run.pt")
        save_checkpoint(target, model, optimizer, epoch=1, loss=0.5)
        real_save = torch.save
        torch.save = save_half_then_crash
        try:
            error = raised(lambda: save_checkpoint(target, model, optimizer, epoch=2, loss=0.25))
        finally:
            torch.save = real_save
        stored = read_checkpoint(target)
        return error, stored["epoch"] if isinstance(stored, dict) else stored, sorted(os.listdir(folder))


@pytest.mark.task("5.1", points=2)
def test_a_crash_while_writing_keeps_the_previous_checkpoint(submission):
    call = "save_checkpoint(target, ..., epoch=2) while torch.save writes half a file and raises OSError"
    error, epoch, files = submission.call(save_while_torch_save_crashes, model_seed=2)
    expect.equal(f"the epoch in target (it held epoch 1) after {call}", epoch, 1, hint=ATOMIC_HINT)
    if error is None or error[0] != "OSError":
        expect.fail(call, "no error" if error is None else f"{error[0]}: {error[1]}", "the OSError to reach the caller",
                    hint=RERAISE_HINT)
    expect.equal(f"the files in the folder after {call}", files, ["run.pt"], hint=CLEANUP_HINT)


def record_fsyncs_and_renames(save_checkpoint: Callable[..., Any], model_seed: int) -> tuple[str, list[list[str]]]:
    """Save once while recording each os.fsync and each os.replace/os.rename (with its real paths), in order."""
    import os
    import tempfile

    events: list[list[str]] = []
    real = {"fsync": os.fsync, "replace": os.replace, "rename": os.rename}

    def record_fsync(descriptor: int) -> None:
        events.append(["fsync"])
        return real["fsync"](descriptor)

    def recorder(name: str) -> Callable[..., Any]:
        def move(source: Any, destination: Any, *args: Any, **kwargs: Any) -> Any:
            events.append([name, os.path.realpath(source), os.path.realpath(destination)])
            return real[name](source, destination, *args, **kwargs)
        return move

    model, optimizer = sgd_model(model_seed)
    with tempfile.TemporaryDirectory() as folder:
        target = os.path.realpath(os.path.join(folder, "run.pt"))
        os.fsync, os.replace, os.rename = record_fsync, recorder("replace"), recorder("rename")
        try:
            save_checkpoint(target, model, optimizer, epoch=1, loss=0.5)
        finally:
            os.fsync, os.replace, os.rename = real["fsync"], real["replace"], real["rename"]
        return target, events


@pytest.mark.task("5.1")
def test_the_bytes_reach_the_disk_before_the_rename(submission):
    call = "save_checkpoint(target, model, optimizer, epoch=1, loss=0.5)"
    target, events = submission.call(record_fsyncs_and_renames, model_seed=3)
    moves = [index for index, event in enumerate(events) if event[0] != "fsync" and event[2] == target]
    if not moves:
        expect.fail(f"the os.replace/os.rename calls made by {call}", events, f"one that moves a file onto {target}",
                    hint=ATOMIC_HINT)
    source = events[moves[-1]][1]
    if os.path.dirname(source) != os.path.dirname(target):
        expect.fail(f"the file that {call} renamed onto the target", source, "a temporary file in the target's folder",
                    hint="a rename is only atomic within one file system: make the temporary file with dir=")
    if not any(event[0] == "fsync" for event in events[:moves[-1]]):
        expect.fail(f"the calls made by {call}", events, "os.fsync on the temporary file before the rename",
                    hint="flush() and os.fsync(handle.fileno()) first: a rename can reach the disk before the data")


# -- Task 5.2: loading safely ---------------------------------------------------------------


def load_into_a_fresh_pair(load_checkpoint: Callable[..., Any], checkpoint: str) -> dict[str, Any]:
    """Load the recorded checkpoint into a fresh model and optimizer; what they hold, and what the file holds."""
    import os
    import tempfile

    import torch

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "recorded.pt")
        write_recorded(checkpoint, path)
        in_file = torch.load(path, weights_only=True)
        torch.manual_seed(99)
        fresh = torch.nn.Linear(3, 2)
        fresh_optimizer = torch.optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
        returned = load_checkpoint(path, fresh, fresh_optimizer)
        return {
            "returned": [returned.get(key) for key in ("epoch", "loss", "tag")] if isinstance(returned, dict) else None,
            "weights": dict(fresh.state_dict()), "expected": dict(in_file["model_state_dict"]),
            "momentum": [fresh_optimizer.state[p].get("momentum_buffer") for p in fresh.parameters()],
            "expected_momentum": [state["momentum_buffer"]
                                  for state in in_file["optimizer_state_dict"]["state"].values()],
        }


@pytest.mark.task("5.2", points=2)
def test_load_restores_the_model_and_the_optimizer(submission):
    call = "load_checkpoint(path, fresh, fresh_optimizer) on the recorded checkpoint"
    got = submission.call(load_into_a_fresh_pair, checkpoint=RECORDED["a checkpoint"])
    if not identical(got["weights"], got["expected"]):
        expect.fail(f"fresh.state_dict() after {call}", got["weights"], "the saved weights",
                    hint="model.load_state_dict(checkpoint['model_state_dict'])")
    if not identical(got["momentum"], got["expected_momentum"]):
        expect.fail(f"the momentum buffers after {call}", got["momentum"], "the saved momentum buffers",
                    hint="optimizer.load_state_dict(checkpoint['optimizer_state_dict']) when an optimizer is given")
    expect.equal(f"[epoch, loss, tag] of the dict returned by {call}", got["returned"], [4, 0.125, "kept"],
                 hint="return the whole checkpoint dict")


def load_with_something_inside(load_checkpoint: Callable[..., Any], checkpoint: str, inside: str) -> Any:
    """The recorded checkpoint with one more entry, `inside`: an object whose unpickling runs code, or a numpy array.

    Gives back (the error load_checkpoint raised, whether the object's code ran).
    """
    import os
    import pathlib
    import tempfile

    import torch

    class Trap:
        """Unpickling this object calls pathlib.Path(marker).touch(): code that runs when the file loads."""

        def __init__(self, marker: str) -> None:
            self.marker = marker

        def __reduce__(self) -> Any:
            return (pathlib.Path.touch, (pathlib.Path(self.marker),))

    with tempfile.TemporaryDirectory() as folder:
        marker = os.path.join(folder, "code_ran_here")
        path = os.path.join(folder, "from_a_stranger.pt")
        write_recorded(checkpoint, path)
        contents = torch.load(path, weights_only=True)
        contents["gift"] = Trap(marker) if inside == "code" else np.random.get_state()
        torch.save(contents, path)
        error = raised(lambda: load_checkpoint(path, torch.nn.Linear(3, 2)))
        return error, os.path.exists(marker)


@pytest.mark.task("5.2", points=2)
def test_a_file_that_carries_code_is_refused_without_running_it(submission):
    call = "load_checkpoint(path, torch.nn.Linear(3, 2)) on a file holding a pickled object whose loading runs code"
    error, code_ran = submission.call(load_with_something_inside, checkpoint=RECORDED["a checkpoint"], inside="code")
    if code_ran:
        expect.fail(call, "a file created by the checkpoint's own code", "the file to be refused before anything runs",
                    hint=WEIGHTS_ONLY_HINT)
    expect.rejects(call, error, "CheckpointError", mentions=(UNSAFE,), hint=WEIGHTS_ONLY_HINT)


@pytest.mark.task("5.2")
def test_a_numpy_array_inside_makes_a_file_unsafe(submission):
    call = "load_checkpoint(path, model) on a file holding np.random.get_state() (a numpy array inside)"
    error, _ = submission.call(load_with_something_inside, checkpoint=RECORDED["a checkpoint"], inside="numpy")
    expect.rejects(call, error, "CheckpointError", mentions=(UNSAFE,),
                   hint="weights_only=True refuses numpy arrays too; say 'not a safe checkpoint'")
    if CORRUPT in error[1].lower():
        expect.fail(call, f"{error[0]}: {error[1]}", f"a message that says {UNSAFE!r} and not {CORRUPT!r}",
                    hint="the archive is intact here; check it with zipfile first to tell the two apart")


def load_damaged_copies(load_checkpoint: Callable[..., Any], checkpoint: str, sizes: list[int | None]) -> Any:
    """Load the first `size` bytes of the recorded checkpoint (None: garbage instead) for each size."""
    import base64
    import os
    import tempfile

    import torch

    whole = base64.b64decode(checkpoint)
    errors = []
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "cut.pt")
        for size in sizes:
            with open(path, "wb") as handle:
                handle.write(b"this is not a checkpoint" * 4 if size is None else whole[:size])
            errors.append(raised(lambda: load_checkpoint(path, torch.nn.Linear(3, 2))))
    return errors


@pytest.mark.task("5.2", points=2)
def test_truncated_and_garbage_files_are_reported_as_such(submission):
    sizes = [0, 3, 400, -1, None]
    errors = submission.call(load_damaged_copies, checkpoint=RECORDED["a checkpoint"], sizes=sizes)
    for size, error in zip(sizes, errors, strict=True):
        what = {None: "a file of garbage", -1: "a checkpoint without its last byte"}.get(
            size, f"the first {size} bytes of a checkpoint")
        check_reported_as_corrupt(f"load_checkpoint(path, model) on {what}", error)


def load_into_another_model(load_checkpoint: Callable[..., Any], make_small_mlp: Callable[..., Any],
                            checkpoint: str) -> Any:
    """Load the recorded checkpoint (of a torch.nn.Linear(3, 2)) into make_small_mlp(): the error raised."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "other_model.pt")
        write_recorded(checkpoint, path)
        return raised(lambda: load_checkpoint(path, make_small_mlp()))


@pytest.mark.task("5.2")
def test_keys_that_do_not_fit_the_model_are_named(submission):
    call = "load_checkpoint(path, make_small_mlp()) on a checkpoint of torch.nn.Linear(3, 2)"
    error = submission.call(load_into_another_model, checkpoint=RECORDED["a checkpoint"])
    expect.rejects(call, error, "CheckpointError", mentions=("missing keys",),
                   hint="compare the checkpoint's keys with model.state_dict()'s and name what is missing; "
                        "load_state_dict(strict=False) would skip them without a word")
    if "0.weight" not in error[1]:
        expect.fail(call, f"{error[0]}: {error[1]}", "a message naming the missing keys, such as '0.weight'")


def load_a_gpu_checkpoint(load: Callable[..., Any], checkpoint: str, device: str | None) -> Any:
    """The recorded checkpoint saved again as if on a GPU, then loaded into a fresh model (and optimizer).

    With `device` None, `load` is load_checkpoint (given an optimizer too); otherwise load_for_device onto `device`.
    Gives back the error, the devices of the returned tensors, the model's weights and the file's.
    """
    import os
    import tempfile

    import torch

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "from_gpu.pt")
        write_recorded(checkpoint, path)
        contents = torch.load(path, weights_only=True)
        save_as_if_on_gpu(contents, path)
        fresh = torch.nn.Linear(3, 2)
        fresh_optimizer = torch.optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
        loaded = []
        if device is None:
            error = raised(lambda: loaded.append(load(path, fresh, fresh_optimizer)))
        else:
            error = raised(lambda: loaded.append(load(path, fresh, device)))
        return (error, sorted(devices(loaded[0])) if loaded else None, dict(fresh.state_dict()),
                dict(contents["model_state_dict"]))


def gpu_checkpoint_by_load_checkpoint(load_checkpoint: Callable[..., Any], checkpoint: str) -> Any:
    """`load_a_gpu_checkpoint` with load_checkpoint (and its default map_location)."""
    return load_a_gpu_checkpoint(load_checkpoint, checkpoint, None)


def gpu_checkpoint_by_load_for_device(load_for_device: Callable[..., Any], checkpoint: str) -> Any:
    """`load_a_gpu_checkpoint` with load_for_device onto the CPU."""
    return load_a_gpu_checkpoint(load_for_device, checkpoint, "cpu")


def check_landed_on_the_cpu(call: str, got: Any) -> None:
    """What `load_a_gpu_checkpoint` gave back: no error, every returned tensor on the CPU, the saved weights."""
    __tracebackhide__ = True
    error, returned, weights, expected = got
    if error is not None:
        expect.fail(call, f"{error[0]}: {error[1][:300]}", "the checkpoint, loaded onto the CPU",
                    hint=MAP_LOCATION_HINT)
    expect.equal(f"the devices of the tensors returned by {call}", returned, ["cpu"], hint=MAP_LOCATION_HINT)
    if not identical(weights, expected):
        expect.fail(f"model.state_dict() after {call}", weights, "the saved weights")


@pytest.mark.task("5.2")
def test_map_location_decides_where_tensors_land(submission):
    call = "load_checkpoint(path, model, optimizer) on a checkpoint saved on cuda:0 (map_location left at 'cpu')"
    check_landed_on_the_cpu(call, submission.call(gpu_checkpoint_by_load_checkpoint,
                                                  checkpoint=RECORDED["a checkpoint"]))


# -- Task 5.3: every random generator -------------------------------------------------------


def seed_every_generator(seed: int) -> None:
    """Seed Python's, numpy's and torch's generators, then leave the second Gaussian of a pair in numpy's cache."""
    import random

    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    np.random.standard_normal()


def draws() -> dict[str, list[float]]:
    """A few numbers from each generator: Python's random, numpy's global generator and torch's."""
    import random

    import torch

    return {"python": [random.random() for _ in range(3)],
            "numpy": np.random.standard_normal(3).tolist() + np.random.rand(2).tolist(),
            "torch": torch.rand(3).tolist()}


def replay(capture_rng_state: Callable[[], Any], restore_rng_state: Callable[[Any], None], seed: int) -> Any:
    """Capture, draw, restore and draw again: both draws."""
    seed_every_generator(seed)
    state = capture_rng_state()
    first = draws()
    restore_rng_state(state)
    return first, draws()


def check_replay(call: str, first: dict, second: dict) -> None:
    for name in ("python", "numpy", "torch"):
        expect.equal(f"draws from {GENERATORS[name]} after {call}", second[name], first[name],
                     hint=generator_hint(name))


@pytest.mark.task("5.3", points=2)
def test_restoring_replays_every_generator(submission):
    call = "state = capture_rng_state(); <draw>; restore_rng_state(state); <draw again>"
    first, second = submission.call(replay, seed=5)
    check_replay(call, first, second)


def replay_after_a_weights_only_load(capture_rng_state: Callable[[], Any],
                                     restore_rng_state: Callable[[Any], None], seed: int) -> Any:
    """Save the captured state with torch.save, draw, load it with weights_only=True, restore and draw again.

    Gives back the error the load raised (or None) and both draws.
    """
    import io

    import torch

    seed_every_generator(seed)
    buffer = io.BytesIO()
    torch.save(capture_rng_state(), buffer)
    first = draws()
    buffer.seek(0)
    loaded = []
    problem = raised(lambda: loaded.append(torch.load(buffer, weights_only=True)))
    if loaded:
        restore_rng_state(loaded[0])
    return problem, first, draws() if loaded else None


@pytest.mark.task("5.3", points=2)
def test_the_state_survives_a_weights_only_load(submission):
    call = "torch.save(capture_rng_state(), f); restore_rng_state(torch.load(f, weights_only=True))"
    problem, first, second = submission.call(replay_after_a_weights_only_load, seed=11)
    if problem is not None:
        expect.fail(call, f"{problem[0]}: {problem[1][:300]}", "a state that weights_only=True loads",
                    hint=PLAIN_STATE_HINT)
    check_replay(call, first, second)


def capture_between_draws(capture_rng_state: Callable[[], Any], restore_rng_state: Callable[[Any], None],
                          seed: int) -> Any:
    """Draws right after a capture, the same draws with no capture, and the draws replayed by restoring."""
    seed_every_generator(seed)
    state = capture_rng_state()
    with_capture = draws()
    restore_rng_state(state)
    replayed = draws()
    seed_every_generator(seed)
    return with_capture, draws(), replayed


@pytest.mark.task("5.3")
def test_capturing_draws_nothing(submission):
    with_capture, without, replayed = submission.call(capture_between_draws, seed=17)
    for name in ("python", "numpy", "torch"):
        expect.equal(f"draws from {GENERATORS[name]} right after capture_rng_state()", with_capture[name],
                     without[name], hint="capturing must only read the states, never draw a number")
    # Drawing nothing counts only when something was captured: restoring it replays those draws.
    check_replay("state = capture_rng_state(); <draw>; restore_rng_state(state); <draw again>", with_capture, replayed)


def capture_with_a_simulated_gpu(capture_rng_state: Callable[[], Any], restore_rng_state: Callable[[Any], None]) -> Any:
    """Capture, save, load and restore as if the machine had two GPUs, standing in for torch.cuda's generator functions.

    Between the capture and the restore the two GPU generators move on. Gives back the error restore_rng_state
    raised (or None), the GPU generators' states after the restore, and their states at the capture.
    """
    import io

    import torch

    gpus = [torch.arange(8, dtype=torch.uint8), torch.arange(8, 16, dtype=torch.uint8)]
    captured = [state.tolist() for state in gpus]

    def index(device: Any = "cuda") -> int:
        return device if isinstance(device, int) else (torch.device(device).index or 0)

    def get_state(device: Any = "cuda") -> Any:
        return gpus[index(device)].clone()

    def set_state(new_state: Any, device: Any = "cuda") -> None:
        gpus[index(device)] = torch.as_tensor(new_state).clone()

    stand_ins = {"is_available": lambda: True, "device_count": lambda: len(gpus), "get_rng_state": get_state,
                 "set_rng_state": set_state, "get_rng_state_all": lambda: [state.clone() for state in gpus],
                 "set_rng_state_all": lambda states: [set_state(state, i) for i, state in enumerate(states)]}
    modules = [torch.cuda, torch.cuda.random]
    real = [{name: getattr(module, name) for name in stand_ins if hasattr(module, name)} for module in modules]
    for module, names in zip(modules, real, strict=True):
        for name in names:
            setattr(module, name, stand_ins[name])
    try:
        buffer = io.BytesIO()
        torch.save(capture_rng_state(), buffer)
        gpus[:] = [torch.full((8,), 99, dtype=torch.uint8), torch.full((8,), 77, dtype=torch.uint8)]  # moved on
        buffer.seek(0)
        problem = raised(lambda: restore_rng_state(torch.load(buffer, weights_only=True)))
    finally:
        for module, names in zip(modules, real, strict=True):
            for name, function in names.items():
                setattr(module, name, function)
    return problem, [state.tolist() for state in gpus], captured


@pytest.mark.task("5.3")
def test_cuda_generators_are_captured_when_there_is_a_gpu(submission):
    call = ("restore_rng_state(torch.load(f, weights_only=True)) after torch.save(capture_rng_state(), f), on a "
            "(simulated) machine with two GPUs whose generators moved on in between")
    problem, after, captured = submission.call(capture_with_a_simulated_gpu)
    hint = ("when torch.cuda.is_available(), capture CUDA's generators too (torch.cuda.get_rng_state_all()) and "
            "restore them (torch.cuda.set_rng_state_all(...))")
    if problem is not None:
        expect.fail(call, f"{problem[0]}: {problem[1][:300]}", "the states restored", hint=hint)
    expect.equal(f"the GPU generators' states after {call}", after, captured, hint=hint)


# -- Task 5.4: training that resumes bit for bit ----------------------------------------


def full_run(make_classification_data: Callable[..., Any], make_small_mlp: Callable[..., Any],
             train_resumable: Callable[..., Any], n: int, data_seed: int, epochs: int, seed: int) -> dict[str, Any]:
    """A whole run, on float64 data and without dropout: its losses, its checkpoint, and the keys of its rng_state.

    Numbers any machine reproduces to the last few bits, so the reference's run is recorded (RECORDED) and
    yours must match it.
    """
    import os
    import tempfile

    import torch

    inputs, labels = make_classification_data(n, data_seed)

    def make_model() -> Any:
        return make_small_mlp(dropout=0.0).double()

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "run.pt")
        losses = train_resumable(make_model, (inputs.double(), labels), epochs, path, seed)
        return {"losses": losses, "stored": checkpoint_summary(path),
                "rng_keys": sorted(torch.load(path, weights_only=True)["rng_state"])}


def full_run_to_record(make_classification_data: Callable[..., Any], make_small_mlp: Callable[..., Any],
                       train_resumable: Callable[..., Any], n: int, data_seed: int, epochs: int,
                       seed: int) -> dict[str, Any]:
    """What is recorded of `full_run`: the losses and the final weights."""
    run = full_run(make_classification_data, make_small_mlp, train_resumable, n, data_seed, epochs, seed)
    return {"losses": run["losses"], "weights": run["stored"]["weights"]}


FULL_RUN_INPUTS = {"n": 48, "data_seed": 1, "epochs": 3, "seed": 3}
CASES["a full run"] = (probe_source(full_run_to_record, FULL_RUN_INPUTS), FULL_RUN_INPUTS)


def batches_per_epoch(n: int) -> int:
    return math.ceil(n / 16)


@pytest.mark.task("5.4", points=2)
def test_a_full_run_follows_the_recipe_and_checkpoints_it(submission):
    n, epochs = 48, 3
    call = (f"train_resumable(lambda: make_small_mlp(dropout=0.0).double(), make_classification_data({n}, 1) "
            f"as float64, {epochs}, path, seed=3)")
    got = submission.call(full_run, **FULL_RUN_INPUTS)
    recorded = RECORDED["a full run"]
    expect.close(call, got["losses"], recorded["losses"], rtol=1e-8, atol=1e-10, hint=RECIPE_HINT)
    stored = got["stored"]
    expect.equal(f"torch.load(path)['epoch'] after {call}", stored["epoch"], epochs,
                 hint="epoch counts the epochs finished so far")
    expect.equal(f"torch.load(path)['losses'] after {call}", stored["losses"], got["losses"],
                 hint="store the list of every epoch's loss as the extra 'losses'")
    expect.equal(f"torch.load(path)['loss'] after {call}", stored["loss"], got["losses"][-1])
    weights = {name: getattr(value, "data", value) for name, value in stored["weights"].items()}
    expect.close(f"torch.load(path)['model_state_dict'] after {call}", weights, recorded["weights"],
                 rtol=1e-8, atol=1e-10, hint="save the checkpoint after every epoch, the last one included")
    expect.equal(f"Adam's step counts in torch.load(path)['optimizer_state_dict'] after {call}", stored["steps"],
                 [float(epochs * batches_per_epoch(n))] * 4, hint="save optimizer.state_dict()")
    if not {"python", "numpy", "torch"} <= set(got["rng_keys"]):
        expect.fail(f"sorted(torch.load(path)['rng_state']) after {call}", got["rng_keys"],
                    "the keys of capture_rng_state()'s dict", hint="store rng_state=capture_rng_state()")


def stop_then_go_on(make_classification_data: Callable[..., Any], make_small_mlp: Callable[..., Any],
                    train_resumable: Callable[..., Any], n: int, data_seed: int, epochs: int, seed: int,
                    stop: int) -> Any:
    """A whole run; a run stopped after `stop` epochs (and its checkpoint); that run resumed for one more epoch."""
    import os
    import tempfile

    data = make_classification_data(n, data_seed)
    with tempfile.TemporaryDirectory() as folder:
        full = train_resumable(make_small_mlp, data, epochs, os.path.join(folder, "full.pt"), seed)
        path = os.path.join(folder, "run.pt")
        losses = train_resumable(make_small_mlp, data, epochs, path, seed, stop_after=stop)
        stored = checkpoint_summary(path)
        later = train_resumable(make_small_mlp, data, epochs, path, seed, stop_after=stop + 1)
    return full, losses, stored["epoch"], stored["losses"], later


@pytest.mark.task("5.4")
def test_stop_after_interrupts_the_run(submission):
    n, epochs, stop = 32, 4, 2
    call = f"train_resumable(make_small_mlp, data, {epochs}, path, seed=8, stop_after={stop})"
    full, losses, epoch, stored, later = submission.call(stop_then_go_on, n=n, data_seed=2, epochs=epochs, seed=8,
                                                         stop=stop)
    if not isinstance(full, list) or len(full) != epochs:
        expect.fail(f"train_resumable(make_small_mlp, data, {epochs}, other_path, seed=8)", full,
                    f"{epochs} losses, one per epoch")
    expect.equal(f"{call}, compared with the whole run", losses, full[:stop], hint=STOP_HINT)
    expect.equal(f"torch.load(path)['epoch'] after {call}", epoch, stop, hint="epoch counts the epochs finished")
    expect.equal(f"torch.load(path)['losses'] after {call}", stored, full[:stop])
    expect.equal(f"{call[:-2]}{stop + 1}) right after it", later, full[:stop + 1], hint=STOP_IN_ALL_HINT)


def resume_after_reseeding(make_classification_data: Callable[..., Any], make_small_mlp: Callable[..., Any],
                           train_resumable: Callable[..., Any], n: int, data_seed: int, epochs: int, seed: int,
                           stop: int) -> Any:
    """A whole run, and a run stopped after `stop` epochs then resumed once every generator was re-seeded.

    Gives back both runs' losses and the `checkpoint_summary` of both checkpoints.
    """
    import os
    import random
    import tempfile

    import torch

    data = make_classification_data(n, data_seed)
    with tempfile.TemporaryDirectory() as folder:
        full = train_resumable(make_small_mlp, data, epochs, os.path.join(folder, "full.pt"), seed)
        path = os.path.join(folder, "interrupted.pt")
        train_resumable(make_small_mlp, data, epochs, path, seed, stop_after=stop)
        # A new process would start with other generator states: scramble them all.
        random.seed(2024)
        np.random.seed(2024)
        torch.manual_seed(2024)
        resumed = train_resumable(make_small_mlp, data, epochs, path, seed)
        return full, resumed, checkpoint_summary(os.path.join(folder, "full.pt")), checkpoint_summary(path)


@pytest.mark.task("5.4", points=2)
def test_resuming_after_the_generators_moved_on_matches_the_full_run(submission):
    n, epochs, stop = 40, 4, 2
    call = (f"train_resumable(make_small_mlp, data, {epochs}, path, seed=21) after stop_after={stop} and "
            "after every generator was re-seeded")
    full, resumed, full_stored, stored = submission.call(resume_after_reseeding, n=n, data_seed=4, epochs=epochs,
                                                         seed=21, stop=stop)
    check_resumed(call, full, resumed, full_stored, stored, stop)


def start_and_interrupt(make_classification_data: Callable[..., Any], make_small_mlp: Callable[..., Any],
                        train_resumable: Callable[..., Any], n: int, data_seed: int, epochs: int, seed: int,
                        stop: int) -> tuple[str, Any]:
    """In a new folder: a whole run (full.pt) and one stopped after `stop` epochs (interrupted.pt)."""
    import os
    import shutil
    import tempfile

    data = make_classification_data(n, data_seed)
    folder = tempfile.mkdtemp(prefix="ex05-resume-")
    try:
        full = train_resumable(make_small_mlp, data, epochs, os.path.join(folder, "full.pt"), seed)
        train_resumable(make_small_mlp, data, epochs, os.path.join(folder, "interrupted.pt"), seed, stop_after=stop)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder, full


def resume_in_a_new_process(make_classification_data: Callable[..., Any], make_small_mlp: Callable[..., Any],
                            train_resumable: Callable[..., Any], folder: str, n: int, data_seed: int, epochs: int,
                            seed: int) -> dict[str, Any]:
    """Resume interrupted.pt (from `start_and_interrupt`) in a new Python process, then remove the folder.

    Where no new process can run (`train_in_a_new_process`), one is simulated by re-seeding every generator,
    as in the test before. Gives back the losses (or the new process's error) and the `checkpoint_summary`
    of both checkpoints.
    """
    import os
    import random
    import shutil

    import torch

    path = os.path.join(folder, "interrupted.pt")
    try:
        result: dict[str, Any] = {"error": None}
        launched = train_in_a_new_process(globals().get("__file__"), path, n, data_seed, epochs, seed)
        if launched is not None:
            result["losses"], result["error"] = launched
        else:
            random.seed(31337)
            np.random.seed(31337)
            torch.manual_seed(31337)
            result["losses"] = train_resumable(make_small_mlp, make_classification_data(n, data_seed), epochs, path,
                                               seed)
        if result["error"] is None:
            result.update(full=checkpoint_summary(os.path.join(folder, "full.pt")), resumed=checkpoint_summary(path))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result


@pytest.mark.task("5.4", points=3)
def test_resuming_in_a_new_process_matches_the_full_run_bit_for_bit(submission):
    n, epochs, stop, seed = 40, 4, 2, 5
    folder, full = submission.call(start_and_interrupt, n=n, data_seed=6, epochs=epochs, seed=seed, stop=stop)
    got = submission.call(resume_in_a_new_process, folder=folder, n=n, data_seed=6, epochs=epochs, seed=seed)
    call = (f"train_resumable(make_small_mlp, data, {epochs}, path, seed={seed}) in a new process, "
            f"after stop_after={stop}")
    if got["error"] is not None:
        expect.fail(call, f"a crash:\n{got['error']}", "a resumed run", hint=NEW_PROCESS_HINT)
    check_resumed(call, full, got["losses"], got["full"], got["resumed"], stop)


# -- Task 5.5: a checkpoint manager ----------------------------------------------------------


def save_with_a_manager(CheckpointManager: type, steps: list[int], keep: int, losses: list[float],
                        accuracies: list[float]) -> dict[str, Any]:
    """Save one checkpoint per step with a manager that keeps `keep`; what is on disk and what it answers."""
    import os
    import tempfile

    import torch

    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with tempfile.TemporaryDirectory() as folder:
        manager = CheckpointManager(folder, keep_last=keep)
        saved = [file_name(manager.save(step, model, optimizer, {"loss": loss, "accuracy": accuracy}))
                 for step, loss, accuracy in zip(steps, losses, accuracies, strict=True)]
        files = sorted(os.listdir(folder))
        stored = {file: torch.load(os.path.join(folder, file), weights_only=True) for file in files}
        return {"saved": saved, "files": files, "latest": file_name(manager.latest()),
                "best_loss": file_name(manager.best("loss")),
                "best_accuracy": file_name(manager.best("accuracy", mode="max")),
                "unknown": file_name(manager.best("perplexity")),
                "contents": {file: [stored[file]["step"], dict(stored[file]["metrics"])] for file in files}}


def sorted_names(names: list[Any]) -> list[Any]:
    """File names in listing order; as they are if save() returned something other than paths (None, say)."""
    return sorted(names) if all(isinstance(name, str) for name in names) else names


@pytest.mark.task("5.5", points=2)
def test_only_the_newest_checkpoints_are_kept(submission):
    steps, keep = [7, 8, 9, 10, 11], 3
    losses, accuracies = [0.9, 0.8, 0.7, 0.6, 0.65], [0.1, 0.2, 0.3, 0.4, 0.35]
    call = f"manager = CheckpointManager(folder, keep_last={keep}); manager.save(step, ...) for step in {steps}"
    got = submission.call(save_with_a_manager, steps=steps, keep=keep, losses=losses, accuracies=accuracies)
    expect.equal(f"sorted(os.listdir(folder)) after {call}", got["files"], sorted_names(got["saved"][-keep:]),
                 hint=PRUNE_HINT)
    contents = [got["contents"][file] for file in got["saved"][-keep:]]
    expected = [[step, {"loss": loss, "accuracy": accuracy}]
                for step, loss, accuracy in list(zip(steps, losses, accuracies, strict=True))[-keep:]]
    expect.equal(f"[step, metrics] in the kept files after {call}", contents, expected,
                 hint="store the extras step=step and metrics=metrics in each checkpoint")
    expect.equal(f"manager.latest() after {call}", got["latest"], got["saved"][-1], hint=LATEST_HINT)


@pytest.mark.task("5.5", points=2)
def test_best_looks_at_the_checkpoints_on_disk(submission):
    steps, keep = [1, 2, 3, 4, 5, 6], 4
    losses, accuracies = [0.1, 0.5, 0.3, 0.4, 0.35, 0.6], [0.9, 0.5, 0.7, 0.2, 0.8, 0.1]
    call = f"CheckpointManager(folder, keep_last={keep}) after saving steps {steps} with losses {losses}"
    got = submission.call(save_with_a_manager, steps=steps, keep=keep, losses=losses, accuracies=accuracies)
    # The best is chosen among real files: the checkpoints that save() wrote and pruning kept.
    expect.equal(f"sorted(os.listdir(folder)) after {call}", got["files"], sorted_names(got["saved"][-keep:]),
                 hint="save() writes a checkpoint and returns its path; best() chooses among those still on disk")
    # Steps 1 and 2 are pruned, so the lowest loss on disk is step 3's and the highest accuracy step 5's.
    expect.equal(f"manager.best('loss') for {call}", got["best_loss"], got["saved"][2], hint=BEST_ON_DISK_HINT)
    expect.equal(f"manager.best('accuracy', mode='max') for {call}", got["best_accuracy"], got["saved"][4],
                 hint="mode='max' picks the highest value")
    expect.equal(f"manager.best('perplexity') for {call}", got["unknown"], None,
                 hint="no checkpoint has this metric: return None")


def reopen_a_folder(CheckpointManager: type) -> Any:
    """Save steps 1 and 2 beside two files that are not the manager's, then ask a new manager on the folder.

    Gives back the first two saves, the save of step 3 by the new manager, its (latest(), best('loss')) before
    that save, and the files in the end.
    """
    import os
    import tempfile

    import torch

    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with tempfile.TemporaryDirectory() as folder:
        for other in ("notes.txt", "final_model.pt"):
            with open(os.path.join(folder, other), "w") as handle:
                handle.write("not a checkpoint of the manager")
        first = CheckpointManager(folder, keep_last=2)
        early = [file_name(first.save(step, model, optimizer, {"loss": 1.0 / step})) for step in (1, 2)]
        second = CheckpointManager(folder, keep_last=2)
        before = (file_name(second.latest()), file_name(second.best("loss")))
        later = file_name(second.save(3, model, optimizer, {"loss": 0.5}))
        return early, later, before, sorted(os.listdir(folder))


@pytest.mark.task("5.5")
def test_a_new_manager_finds_old_checkpoints_and_spares_other_files(submission):
    call = "CheckpointManager(folder, keep_last=2) on a folder with steps 1 and 2, notes.txt and final_model.pt"
    early, later, before, files = submission.call(reopen_a_folder)
    expect.equal(f"(latest(), best('loss')) of {call}", before, (early[1], early[1]),
                 hint="find the checkpoints by listing the folder, not by remembering what this object saved")
    expect.equal(f"sorted(os.listdir(folder)) after saving step 3 with {call}", files,
                 sorted_names([early[1], later, "final_model.pt", "notes.txt"]),
                 hint="prune only files that follow the manager's own naming pattern")


def bad_arguments(CheckpointManager: type) -> list[Any]:
    """What CheckpointManager(folder, keep_last=0) and best('loss', mode='median') raise, in a fresh folder."""
    import shutil
    import tempfile

    folder = tempfile.mkdtemp()
    try:
        return [raised(lambda: CheckpointManager(folder, keep_last=0)),
                raised(lambda: CheckpointManager(folder).best("loss", mode="median"))]
    finally:
        shutil.rmtree(folder)


@pytest.mark.task("5.5")
def test_bad_arguments_are_refused(submission):
    calls = [("raised(lambda: CheckpointManager(folder, keep_last=0))", ("keep_last",)),
             ("raised(lambda: CheckpointManager(folder).best('loss', mode='median'))", ("mode",))]
    for (call, words), error in zip(calls, submission.call(bad_arguments), strict=True):
        expect.rejects(call, error, "ValueError", mentions=words)


# -- Task 5.6: a GPU checkpoint on a CPU-only machine ---------------------------------------


@pytest.mark.task("5.6", points=2)
def test_a_checkpoint_saved_on_a_gpu_loads_on_the_cpu(submission):
    call = "load_for_device(path, model, 'cpu') on a checkpoint whose tensors were saved on cuda:0"
    check_landed_on_the_cpu(call, submission.call(gpu_checkpoint_by_load_for_device,
                                                  checkpoint=RECORDED["a checkpoint"]))


def load_onto_meta(load_for_device: Callable[..., Any], checkpoint: str) -> Any:
    """Load the recorded checkpoint (saved on the CPU) onto the meta device: the error, and where everything went."""
    import os
    import tempfile

    import torch

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "plain.pt")
        write_recorded(checkpoint, path)
        fresh = torch.nn.Linear(3, 2)
        loaded = []
        error = raised(lambda: loaded.append(load_for_device(path, fresh, "meta")))
        return (error, sorted(devices(loaded[0])) if loaded else None,
                sorted({str(p.device) for p in fresh.parameters()}))


@pytest.mark.task("5.6", points=2)
def test_tensors_land_on_the_device_asked_for(submission):
    call = "load_for_device(path, model, 'meta') on a checkpoint saved on the CPU"
    error, returned, parameters = submission.call(load_onto_meta, checkpoint=RECORDED["a checkpoint"])
    if error is not None:
        expect.fail(call, f"{error[0]}: {error[1][:300]}", "the checkpoint, on the meta device",
                    hint=MODEL_TO_DEVICE_HINT + ", and load with map_location=device")
    expect.equal(f"the devices of the tensors returned by {call}", returned, ["meta"],
                 hint="load with map_location=device, not a fixed 'cpu'")
    expect.equal(f"the devices of the model's parameters after {call}", parameters, ["meta"],
                 hint=MODEL_TO_DEVICE_HINT)


# -- Recorded expectations ------------------------------------------------------------------
# The reference solution's answers to CASES, written by `autograder record-expectations`; never edit by hand.
# BEGIN RECORDED
RECORDED = {
    'a checkpoint': (
        'UEsDBAAACAgAAAAAAAAAAAAAAAAAAAAAAAAQABIAYXJjaGl2ZS9kYXRhLnBrbEZCDgBaWlpaWlpaWlpaWlpaWoACfXEAKFgQAAAAbW9kZWxfc3'
        'RhdGVfZGljdHEBY2NvbGxlY3Rpb25zCk9yZGVyZWREaWN0CnECKVJxAyhYBgAAAHdlaWdodHEEY3RvcmNoLl91dGlscwpfcmVidWlsZF90ZW5z'
        'b3JfdjIKcQUoKFgHAAAAc3RvcmFnZXEGY3RvcmNoCkZsb2F0U3RvcmFnZQpxB1gBAAAAMHEIWAMAAABjcHVxCUsGdHEKUUsASwJLA4ZxC0sDSw'
        'GGcQyJaAIpUnENdHEOUnEPWAQAAABiaWFzcRBoBSgoaAZoB1gBAAAAMXERaAlLAnRxElFLAEsChXETSwGFcRSJaAIpUnEVdHEWUnEXdX1xGFgJ'
        'AAAAX21ldGFkYXRhcRloAilScRpYAAAAAHEbfXEcWAcAAAB2ZXJzaW9ucR1LAXNzc2JYFAAAAG9wdGltaXplcl9zdGF0ZV9kaWN0cR59cR8oWA'
        'UAAABzdGF0ZXEgfXEhKEsAfXEiWA8AAABtb21lbnR1bV9idWZmZXJxI2gFKChoBmgHWAEAAAAycSRoCUsGdHElUUsASwJLA4ZxJksDSwGGcSeJ'
        'aAIpUnEodHEpUnEqc0sBfXEraCNoBSgoaAZoB1gBAAAAM3EsaAlLAnRxLVFLAEsChXEuSwGFcS+JaAIpUnEwdHExUnEyc3VYDAAAAHBhcmFtX2'
        'dyb3Vwc3EzXXE0fXE1KFgCAAAAbHJxNkc/uZmZmZmZmlgIAAAAbW9tZW50dW1xN0c/7MzMzMzMzVgJAAAAZGFtcGVuaW5ncThLAFgMAAAAd2Vp'
        'Z2h0X2RlY2F5cTlLAFgIAAAAbmVzdGVyb3ZxOolYCAAAAG1heGltaXplcTuJWAcAAABmb3JlYWNocTxOWA4AAABkaWZmZXJlbnRpYWJsZXE9iV'
        'gFAAAAZnVzZWRxPk5YBgAAAHBhcmFtc3E/XXFAKEsASwFldWF1WAUAAABlcG9jaHFBSwRYBAAAAGxvc3NxQkc/wAAAAAAAAFgDAAAAdGFncUNY'
        'BAAAAGtlcHRxRHUuUEsHCAEv9EcFAwAABQMAAFBLAwQAAAgIAAAAAAAAAAAAAAAAAAAAAAAAFwA2AGFyY2hpdmUvLmZvcm1hdF92ZXJzaW9uRk'
        'IyAFpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaMVBLBwi379yDAQAAAAEAAABQSwMEAAAICAAAAAAA'
        'AAAAAAAAAAAAAAAAABoANwBhcmNoaXZlLy5zdG9yYWdlX2FsaWdubWVudEZCMwBaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWl'
        'paWlpaWlpaWlpaWlpaWlo2NFBLBwg/d3HpAgAAAAIAAABQSwMEAAAICAAAAAAAAAAAAAAAAAAAAAAAABEAPwBhcmNoaXZlL2J5dGVvcmRlckZC'
        'OwBaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWmxpdHRsZVBLBwiFPeMZBgAAAAYAAA'
        'BQSwMEAAAICAAAAAAAAAAAAAAAAAAAAAAAAA4APgBhcmNoaXZlL2RhdGEvMEZCOgBaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa'
        'WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaNyvzveV19L3Oyii/B3XdPlQcSz44rHA+UEsHCEWckhEYAAAAGAAAAFBLAwQAAAgIAAAAAAAAAAAAAA'
        'AAAAAAAAAADgAsAGFyY2hpdmUvZGF0YS8xRkIoAFpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWloDWsM+/EifP1BLBwgB'
        'yuMXCAAAAAgAAABQSwMEAAAICAAAAAAAAAAAAAAAAAAAAAAAAA4APABhcmNoaXZlL2RhdGEvMkZCOABaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWl'
        'paWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWpwg8D+cIPA/nCDwP9SQ9cDUkPXA1JD1wFBLBwj9aIGJGAAAABgAAABQSwMEAAAICAAA'
        'AAAAAAAAAAAAAAAAAAAAAA4ALABhcmNoaXZlL2RhdGEvM0ZCKABaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpanCDwP9'
        'SQ9cBQSwcIczDZQggAAAAIAAAAUEsDBAAACAgAAAAAAAAAAAAAAAAAAAAAAAAPADsAYXJjaGl2ZS92ZXJzaW9uRkI3AFpaWlpaWlpaWlpaWlpa'
        'WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlozClBLBwjRnmdVAgAAAAIAAABQSwMEAAAICAAAAAAAAAAAAAAAAAAAAA'
        'AAAB4AMgBhcmNoaXZlLy5kYXRhL3NlcmlhbGl6YXRpb25faWRGQi4AWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa'
        'WlpaWjEwNzc4NjI3Mjk3OTk4NTQxNjI1MDM3Nzg4MDU3MDYyNDExNTI5NDRQSwcIhNocEygAAAAoAAAAUEsBAgAAAAAICAAAAAAAAAEv9EcFAw'
        'AABQMAABAAAAAAAAAAAAAAAAAAAAAAAGFyY2hpdmUvZGF0YS5wa2xQSwECAAAAAAgIAAAAAAAAt+/cgwEAAAABAAAAFwAAAAAAAAAAAAAAAABV'
        'AwAAYXJjaGl2ZS8uZm9ybWF0X3ZlcnNpb25QSwECAAAAAAgIAAAAAAAAP3dx6QIAAAACAAAAGgAAAAAAAAAAAAAAAADRAwAAYXJjaGl2ZS8uc3'
        'RvcmFnZV9hbGlnbm1lbnRQSwECAAAAAAgIAAAAAAAAhT3jGQYAAAAGAAAAEQAAAAAAAAAAAAAAAABSBAAAYXJjaGl2ZS9ieXRlb3JkZXJQSwEC'
        'AAAAAAgIAAAAAAAARZySERgAAAAYAAAADgAAAAAAAAAAAAAAAADWBAAAYXJjaGl2ZS9kYXRhLzBQSwECAAAAAAgIAAAAAAAAAcrjFwgAAAAIAA'
        'AADgAAAAAAAAAAAAAAAABoBQAAYXJjaGl2ZS9kYXRhLzFQSwECAAAAAAgIAAAAAAAA/WiBiRgAAAAYAAAADgAAAAAAAAAAAAAAAADYBQAAYXJj'
        'aGl2ZS9kYXRhLzJQSwECAAAAAAgIAAAAAAAAczDZQggAAAAIAAAADgAAAAAAAAAAAAAAAABoBgAAYXJjaGl2ZS9kYXRhLzNQSwECAAAAAAgIAA'
        'AAAAAA0Z5nVQIAAAACAAAADwAAAAAAAAAAAAAAAADYBgAAYXJjaGl2ZS92ZXJzaW9uUEsBAgAAAAAICAAAAAAAAITaHBMoAAAAKAAAAB4AAAAA'
        'AAAAAAAAAAAAUgcAAGFyY2hpdmUvLmRhdGEvc2VyaWFsaXphdGlvbl9pZFBLBgYsAAAAAAAAAB4DLQAAAAAAAAAAAAoAAAAAAAAACgAAAAAAAA'
        'CDAgAAAAAAAPgHAAAAAAAAUEsGBwAAAAB7CgAAAAAAAAEAAABQSwUGAAAAAAoACgCDAgAA+AcAAAAA'
    ),
    'a full run': {
        'losses': [1.1686037991783624, 1.0150398628942578, 0.8965435884709759],
        'weights': {
            '0.weight': np.array([
                [-0.4736383350937128, -0.371042915965095, -0.19310825715207394, -0.4515266263406828],
                [-0.050180637737994346, -0.3795755920060977, 0.32638468015219135, 0.1789362248019298],
                [0.15778338425186197, 0.47096403783342655, 0.03647707784168212, 0.2779059639123971],
                [-0.4301829829449493, -0.17514174794178305, -0.5222306290269685, -0.12392748902489224],
                [-0.28834497202889653, 0.37879435694673064, 0.26315381289040146, 0.46069288950136533],
                [0.16536190181220228, -0.20643649044906667, 0.4898970418891553, -0.4064421087679952],
                [-0.3473679462410519, -0.3935280225048448, -0.27984140691156034, 0.014360727969919431],
                [-0.3242920954139311, -0.30874140059422756, -0.17436921638853575, 0.3906592592848431],
                [-0.2864632992257469, -0.3709526843267993, -0.36982204537305974, -0.16678231005255717],
                [-0.18975677468331234, -0.5741179990211114, -0.30691841762962685, -0.07505082287025905],
                [0.06355665804876795, -0.14993619550884227, -0.01703539767265219, -0.41474726543457285],
                [0.25315772252577734, -0.206879896727813, -0.4109450844574422, -0.2070513835858003],
                [-0.12912243291194614, 0.5445322233503207, 0.3165847529168325, -0.28272558277675064],
                [-0.08951581124255434, 0.36308765007153, 0.31116199197596245, 0.038863058757982044],
                [-0.15523403308402284, 0.5024892100394004, 0.29523203442143237, -0.2463424662823358],
                [0.31028435712869623, -0.047883121677834393, -0.3358153869039789, -0.3096461728751957],
            ]),
            '0.bias': np.array([
                -0.4006428059649502, -0.46269724169450094, 0.09034909500242537, -0.2754947351197132, 0.1988322813261615,
                0.14709409816785585, 0.18698440510409498, 0.355375566818782, -0.3075759240620019, 0.08591025688320465,
                0.3921754085010105, 0.24395731132731757, 0.1446466982643807, 0.37874205555961704, 0.19488031755861263,
                0.4067851458780636,
            ]),
            '3.weight': np.array([
                [
                    -0.13256214586064985, -0.15972833622991384, -0.3104528929183857, 0.0984235122701998,
                    0.13145021677158095, -0.14902599978880993, 0.18074079122193173, -0.1500904496194779,
                    -0.08489086693354088, -0.0035516141719787123, -0.02228034380527949, 0.14700437835074526,
                    -0.28991950039425557, 0.1637237917422264, -0.018370938614660742, 0.15460549843872975,
                ],
                [
                    -0.25229564859256476, 0.0949777300603348, -0.10369745751032917, -0.20717553749167128,
                    0.11463785905091452, 0.1100768887366899, -0.057081619623184365, -0.1638133080584856,
                    -0.03506927686590361, -0.18030051055553709, -0.12128898971848498, -0.1695692825620693,
                    0.23145774533615476, -0.09128826019860602, 0.19068221996678708, 0.06936050523230576,
                ],
                [
                    -0.24832979302335448, -0.24688040855678753, -0.08097662655614526, -0.29662651578103666,
                    0.275875059654689, 0.13470704249965637, -0.11221612627584203, 0.17571758226668266,
                    -0.010013432408074185, -0.3235891351222979, -0.31571980674556377, -0.1883680244318262,
                    -0.3328706093768743, -0.13348658937980712, -0.01668742971484803, -0.07758243082935533,
                ],
            ]),
            '3.bias': np.array([0.013691235936281685, -0.011460794535925297, 0.15802612597732474]),
        },
    },
}
# END RECORDED
