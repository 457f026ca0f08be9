"""Exercise 5's shared test pieces: hints, probe helpers that read and forge checkpoints, and the resume check.

The public tests (exercises/tests/test_ex05_checkpointing.py) and the hidden
ones import these, so a mistake gets the same hint on a student's machine and
in the grade. None of it saves, loads or resumes a checkpoint the way the
exercise asks: files are read back with ``torch.load`` itself, and a file
"saved on a GPU" is forged by tagging storages while ``torch.save`` writes.
"""

from __future__ import annotations

from typing import Any

from hardway import expect
from hardway.testkit import identical

# -- what the messages must say, and the hints for the usual mistakes ----------------------------------------

#: Words that the docstrings ask a CheckpointError's message to hold, for each kind of bad file.
UNSAFE = "not a safe checkpoint"
CORRUPT = "truncated or corrupt"

ATOMIC_HINT = ("write to a temporary file in the same folder, then os.replace it onto the target: "
               "never write into the target itself")
CLEANUP_HINT = ("when the write fails, delete the temporary file and re-raise; use try/finally or "
                "except BaseException, since KeyboardInterrupt is not an Exception")
RERAISE_HINT = "clean up, then re-raise: a failed save must not look like a successful one"
WEIGHTS_ONLY_HINT = "call torch.load(..., weights_only=True) and turn pickle.UnpicklingError into CheckpointError"
MAP_LOCATION_HINT = "pass map_location to torch.load, so that tensors saved on a GPU come back where you ask"
MODEL_TO_DEVICE_HINT = "move the model to the device (model.to(device)) before loading into it"
PLAIN_STATE_HINT = "keep only tensors, ints, floats, strings, tuples, lists and dicts: convert numpy's array"
NUMPY_STATE_HINT = ("restore all five parts of np.random.get_state(), including the cached Gaussian "
                    "(has_gauss and its value)")
RECIPE_HINT = "seed_everything(seed), make_model(), make_optimizer(model), then train_one_epoch per epoch"
STOP_HINT = "stop_after=k returns once k epochs are finished"
STOP_IN_ALL_HINT = "stop_after=k stops once k epochs are finished in all, counting those before the resume"
NEW_PROCESS_HINT = "the new process only has the checkpoint file: everything must come from there"
EPOCH_HINT = ("the checkpoint's epoch counts the epochs already finished: resume at the epoch after it, "
              "or the run repeats or skips an epoch")
OPTIMIZER_HINT = ("the optimizer restarted from scratch after resuming: save optimizer.state_dict() and load it "
                  "back, because Adam's moments and step count live there")
RNG_HINT = ("restore the random generators from the checkpoint (after building the model, which draws its "
            "initial weights): the shuffle order, dropout masks and augmentation depend on them")
PRUNE_HINT = ("keep the newest keep_last checkpoints by step number: sorted as text, step_10.pt comes before "
              "step_9.pt")
LATEST_HINT = "the latest checkpoint has the highest step"
BEST_ON_DISK_HINT = "the best of the checkpoints still on disk (the best one may have been pruned)"

#: The random generators a checkpoint captures, as the messages name them.
GENERATORS = {"python": "Python's random", "numpy": "numpy's global generator", "torch": "torch's generator",
              "cuda": "CUDA's generator"}


def generator_hint(name: str) -> str:
    """What to do when generator `name` ("python", "numpy", ...) does not replay after a restore."""
    if name == "numpy":
        return NUMPY_STATE_HINT
    if name == "cuda":
        return "when torch.cuda.is_available(), capture torch.cuda.get_rng_state_all() and restore it"
    return f"capture and restore {GENERATORS[name]} too"


# -- probe helpers: they travel with a probe to where the student's code runs ---------------------------------


def read_checkpoint(path: str) -> Any:
    """What torch.load(path, weights_only=True) reads (never the code under test); a string says why it could not."""
    import torch

    try:
        return torch.load(path, weights_only=True)
    except Exception as problem:  # noqa: BLE001 - any failure is an answer to show
        return f"unreadable: {type(problem).__name__}: {problem}"


def save_as_if_on_gpu(contents: Any, path: str) -> None:
    """torch.save with every storage tagged as living on cuda:0: the file a GPU machine would have written."""
    import torch

    real_tag = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        torch.save(contents, path)
    finally:
        torch.serialization.location_tag = real_tag


def cuda_usable() -> bool:
    """Whether a tensor can really be made on the GPU (in a sandbox with a memory cap, CUDA may be listed but fail)."""
    import torch

    try:
        return torch.cuda.is_available() and torch.zeros(1, device="cuda").device.type == "cuda"
    except Exception:  # noqa: BLE001 - any failure means no usable GPU
        return False


def checkpoint_summary(path: str) -> dict[str, Any]:
    """What a test compares in a training checkpoint (read with torch.load): epoch, losses, weights, Adam's state."""
    import torch

    stored = torch.load(path, weights_only=True)
    states = list(stored["optimizer_state_dict"]["state"].values())
    return {"epoch": stored["epoch"], "loss": stored.get("loss"), "losses": list(stored["losses"]),
            "weights": dict(stored["model_state_dict"]), "steps": [float(state["step"]) for state in states],
            "moments": [state["exp_avg"] for state in states] + [state["exp_avg_sq"] for state in states]}


def file_name(path: Any) -> str | None:
    """The last part of a path that save() or best() returned (None stays None)."""
    import os

    return None if path is None else os.path.basename(os.fspath(path))


def train_in_a_new_process(module_file: str | None, path: str, n: int, data_seed: int, epochs: int, seed: int,
                           stop_after: int | None = None) -> tuple[Any, str | None] | None:
    """Resume `path` with train_resumable in a new process, as a real restart would: (losses, None), or
    (None, its error) if it failed.

    The new process (`hardway.new_process`) imports `module_file`, the module under test, afresh.
    None where no new process can run it: code living in a notebook has no module file to import, and a
    sandbox may forbid new processes; the caller then simulates one by re-seeding every generator.
    """
    import os

    from hardway.new_process import run_in_new_process

    if not module_file or os.path.basename(module_file) != "ex05_checkpointing.py":
        return None

    def resume(module: Any) -> list[float]:
        data = module.make_classification_data(n, data_seed)
        until = {} if stop_after is None else {"stop_after": stop_after}
        losses = module.train_resumable(module.make_small_mlp, data, epochs, path, seed, **until)
        return [float(loss) for loss in losses]

    until = "" if stop_after is None else f", stop_after={stop_after}"
    script = (
        "import json\n"
        "from ex05_checkpointing import make_classification_data, make_small_mlp, train_resumable\n"
        f"data = make_classification_data({n}, {data_seed})\n"
        f"losses = train_resumable(make_small_mlp, data, {epochs}, {path!r}, {seed}{until})\n"
        "print(json.dumps([float(loss) for loss in losses]))\n"
    )
    return run_in_new_process(module_file, resume, script)


# -- checks, in the test's own process ---------------------------------------------------------------------


def check_reported_as_corrupt(call: str, error: Any) -> None:
    """`error` (from ``raised``) is a CheckpointError that calls a damaged file truncated or corrupt, not unsafe."""
    __tracebackhide__ = True
    expect.rejects(call, error, "CheckpointError", mentions=(CORRUPT,),
                   hint="open the file with zipfile.ZipFile first; a cut-off or garbage file fails there")
    if UNSAFE in error[1].lower():
        expect.fail(call, f"{error[0]}: {error[1]}", f"a message that says {CORRUPT!r}, not {UNSAFE!r}",
                    hint="a damaged file makes torch.load raise UnpicklingError too: check the archive first")


def check_resumed(call: str, full: list[float], resumed: Any, full_stored: dict[str, Any],
                  stored: dict[str, Any], finished_before: int) -> None:
    """Compare a resumed run with the uninterrupted one (`checkpoint_summary` of each), naming the first difference."""
    __tracebackhide__ = True
    epochs = len(full)
    if not isinstance(resumed, list) or len(resumed) != epochs:
        expect.fail(call, resumed, f"{epochs} losses, one per epoch, as in the uninterrupted run", hint=EPOCH_HINT)
    expect.equal(f"the first {finished_before} losses returned by {call}", resumed[:finished_before],
                 full[:finished_before],
                 hint="return every epoch's loss, those finished before the interruption too (they are saved)")
    expect.equal(f"torch.load(path)['epoch'] after {call}", stored["epoch"], epochs, hint=EPOCH_HINT)
    if stored["steps"] != full_stored["steps"]:
        expect.fail(f"Adam's step counts in the checkpoint after {call}", stored["steps"],
                    f"{full_stored['steps']}, as after the uninterrupted run", hint=OPTIMIZER_HINT)
    if resumed != full:
        first = next(index for index, (a, b) in enumerate(zip(resumed, full, strict=True)) if a != b)
        expect.fail(f"{call} (losses from epoch {first + 1} on)", resumed[first:],
                    f"{full[first:]}, exactly the losses of the uninterrupted run", hint=RNG_HINT)
    if not identical(stored["weights"], full_stored["weights"]):
        expect.fail(f"the final weights after {call}", stored["weights"], "exactly those of the uninterrupted run",
                    hint=RNG_HINT)
    if not identical(stored["moments"], full_stored["moments"]):
        expect.fail(f"Adam's moments after {call}", stored["moments"], "exactly those of the uninterrupted run",
                    hint=OPTIMIZER_HINT)
