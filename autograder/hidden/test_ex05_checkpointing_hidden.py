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
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.hidden.oracles_ex05 import (
    FORGE,
    MODEL,
    RECIPE,
    SUMMARY,
    confirmed,
    same_state,
    same_tensor,
    same_tensors,
)
from hardway import expect

UNSAFE = "not a safe checkpoint"
CORRUPT = "truncated or corrupt"
ATOMIC_HINT = ("write to a temporary file in the same folder, then os.replace it onto the target: "
               "never write into the target itself")
CLEANUP_HINT = ("when the write fails, delete the temporary file and re-raise; use try/finally or "
                "except BaseException, since KeyboardInterrupt is not an Exception")
WEIGHTS_ONLY_HINT = "call torch.load(..., weights_only=True) and turn pickle.UnpicklingError into CheckpointError"
EPOCH_HINT = ("the checkpoint's epoch counts the epochs already finished: resume at the epoch after it, "
              "or the run repeats or skips an epoch")
OPTIMIZER_HINT = ("the optimizer restarted from scratch after resuming: save optimizer.state_dict() and load it "
                  "back, because Adam's moments and step count live there")
RNG_HINT = ("restore the random generators from the checkpoint (after building the model, which draws its "
            "initial weights): the shuffle order, dropout masks and augmentation depend on them")
PRUNE_HINT = ("keep the newest keep_last checkpoints by step number: sorted as text, step_10.pt comes before "
              "step_9.pt")
MAP_LOCATION_HINT = "pass map_location to torch.load, so that tensors saved on a GPU come back where you ask"


def model_inputs(rng: np.random.Generator) -> dict[str, int]:
    return {"model_seed": int(rng.integers(0, 10_000)), "inputs": int(rng.integers(2, 6)),
            "width": int(rng.integers(3, 9))}


# -- 5.1 ------------------------------------------------------------------------------------

CRASH = MODEL + """
import time
failures = {"OSError": OSError, "RuntimeError": RuntimeError, "KeyboardInterrupt": KeyboardInterrupt}
with tempfile.TemporaryDirectory() as folder:
    target = os.path.join(folder, "run.pt")
    if existing:
        save_checkpoint(target, model, optimizer, epoch=1, loss=0.5)
    real_save = torch.save
    def crash_halfway(obj, f, *args, **kwargs):
        garbage = os.urandom(garbage_bytes)
        if isinstance(f, (str, bytes, os.PathLike)):
            with open(f, "wb") as handle:
                handle.write(garbage)
        else:
            f.write(garbage)
        raise failures[failure]("simulated crash in the middle of torch.save")
    torch.save = crash_halfway
    try:
        save_checkpoint(target, model, optimizer, epoch=2, loss=0.25)
        error = None
    except NotImplementedError:
        raise
    except BaseException as problem:
        error = type(problem).__name__
    finally:
        torch.save = real_save
    stored = read(target) if os.path.exists(target) else None
    result = (error, stored["epoch"] if isinstance(stored, dict) else stored, sorted(os.listdir(folder)))
result
"""


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
        expected = confirmed(oracle, reference.run(CRASH, **inputs), "crash test")
        call = (f"save_checkpoint(target, ..., epoch=2) while torch.save writes {inputs['garbage_bytes']} bytes "
                f"then raises {failure}" + (" (target held epoch 1)" if existing else " (no file at target yet)"))
        error, epoch, files = submission.run(CRASH, **inputs)
        expect.equal(f"the checkpoint at target after {call}", epoch, expected[1], hint=ATOMIC_HINT)
        expect.equal(f"the error that reached the caller of {call}", error, failure,
                     hint="clean up, then re-raise: a failed save must not look like a successful one")
        expect.equal(f"the files in the folder after {call}", files, expected[2], hint=CLEANUP_HINT)


RENAME_FAILS = MODEL + """
with tempfile.TemporaryDirectory() as folder:
    target = os.path.join(folder, "run.pt")
    save_checkpoint(target, model, optimizer, epoch=1, loss=0.5)
    real = (os.replace, os.rename)
    def refuse(source, destination, *args, **kwargs):
        raise OSError("simulated crash just before the rename")
    os.replace = os.rename = refuse
    try:
        error = raised(lambda: save_checkpoint(target, model, optimizer, epoch=2, loss=0.25))
    finally:
        os.replace, os.rename = real
    stored = read(target)
    result = (error, stored["epoch"] if isinstance(stored, dict) else stored, sorted(os.listdir(folder)))
result
"""


@pytest.mark.task("5.1")
def test_a_crash_before_the_rename_keeps_the_previous_checkpoint(submission, rng):
    call = "save_checkpoint(target, ..., epoch=2) when os.replace and os.rename raise OSError"
    error, epoch, files = submission.run(RENAME_FAILS, **model_inputs(rng))
    if error is None or error[0] != "OSError":
        expect.fail(call, "no error" if error is None else f"{error[0]}: {error[1]}",
                    "the OSError from the rename to reach the caller", hint=ATOMIC_HINT)
    expect.equal(f"the epoch in target (it held epoch 1) after {call}", epoch, 1, hint=ATOMIC_HINT)
    expect.equal(f"the files in the folder after {call}", files, ["run.pt"], hint=CLEANUP_HINT)


CONTENTS = MODEL + """
with tempfile.TemporaryDirectory() as folder:
    target = os.path.join(folder, "nested name.pt")
    extras = {"note": note, "history": history, "table": torch.tensor(table)}
    save_checkpoint(pathlib_target(target) if as_path else target, model, optimizer, epoch=epoch, loss=loss, **extras)
    stored = read(target)
    result = {
        "keys": sorted(stored) if isinstance(stored, dict) else stored,
        "plain": [stored.get(k) for k in ("epoch", "loss", "note", "history")] if isinstance(stored, dict) else None,
        "table": stored.get("table") if isinstance(stored, dict) else None, "expected_table": extras["table"],
        "weights": dict(stored.get("model_state_dict") or {}) if isinstance(stored, dict) else None,
        "expected_weights": dict(model.state_dict()),
        "adam": [[s.get("exp_avg"), s.get("exp_avg_sq"), s.get("step")]
                 for s in stored["optimizer_state_dict"]["state"].values()]
        if isinstance(stored, dict) and "optimizer_state_dict" in stored else None,
        "expected_adam": adam_state(optimizer), "files": sorted(os.listdir(folder)),
    }
result
"""


@pytest.mark.task("5.1")
def test_random_contents_are_stored_exactly(submission, rng):
    inputs = dict(model_inputs(rng), note=f"run-{int(rng.integers(1000))}", history=rng.uniform(0, 2, 4).tolist(),
                  table=rng.normal(size=(2, 3)).tolist(), epoch=int(rng.integers(1, 500)),
                  loss=float(rng.uniform(0.01, 3.0)), as_path=True)  # a Path here; the public tests use a str
    snippet = "from pathlib import Path as pathlib_target\n" + CONTENTS
    call = "save_checkpoint(target, model, optimizer, epoch, loss, note=..., history=..., table=...)"
    got = submission.run(snippet, **inputs)
    if isinstance(got["keys"], str):
        expect.fail(call, got["keys"], "a file that torch.load(target, weights_only=True) reads")
    expect.equal(f"sorted(torch.load(target)) after {call}", got["keys"],
                 ["epoch", "history", "loss", "model_state_dict", "note", "optimizer_state_dict", "table"])
    expect.equal(f"[epoch, loss, note, history] stored by {call}", got["plain"],
                 [inputs["epoch"], inputs["loss"], inputs["note"], inputs["history"]])
    if not same_tensor(got["table"], got["expected_table"]):
        expect.fail(f"torch.load(target)['table'] after {call}", got["table"], "the tensor passed as table")
    if not same_state(got["weights"], got["expected_weights"]):
        expect.fail(f"torch.load(target)['model_state_dict'] after {call}", got["weights"], "model.state_dict()")
    if not same_tensors(got["adam"], got["expected_adam"]):
        expect.fail(f"Adam's state in torch.load(target)['optimizer_state_dict'] after {call}", got["adam"],
                    "the optimizer's exp_avg, exp_avg_sq and step", hint="store optimizer.state_dict()")
    expect.equal(f"the files in the folder after {call}", got["files"], ["nested name.pt"])


# -- 5.2 ------------------------------------------------------------------------------------

DAMAGED = MODEL + """
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
        model_again, optimizer_again = fresh_pair()
        errors.append(raised(lambda: load_checkpoint(path, model_again, optimizer_again)))
    result = errors
result
"""


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
    for error in reference.run(DAMAGED, **inputs):
        confirmed(True, error is not None and error[0] == "CheckpointError" and CORRUPT in error[1].lower(),
                  "damaged file")
    for (cut, garbage), error in zip(damage, submission.run(DAMAGED, **inputs)):
        what = f"the first {cut:.1%} of a checkpoint" if garbage is None else f"{len(garbage)} bytes of garbage"
        call = f"load_checkpoint(path, model, optimizer) on {what}"
        expect.rejects(call, error, "CheckpointError", mentions=(CORRUPT,),
                       hint="open the file with zipfile.ZipFile first; a cut-off or garbage file fails there")
        if UNSAFE in error[1].lower():
            expect.fail(call, f"{error[0]}: {error[1]}", f"a message that says {CORRUPT!r}, not {UNSAFE!r}",
                        hint="a damaged file makes torch.load raise UnpicklingError too: check the archive first")


UNSAFE_OBJECTS = MODEL + """
import argparse, datetime, fractions, pathlib
class Trap:
    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(marker),))
def unsafe_object(kind):
    return {"trap": Trap, "array": lambda: np.arange(3.0), "numpy scalar": lambda: np.float64(0.5),
            "fraction": lambda: fractions.Fraction(1, 3), "date": lambda: datetime.date(2024, 1, 1),
            "namespace": lambda: argparse.Namespace(lr=0.1)}[kind]()
with tempfile.TemporaryDirectory() as folder:
    marker = os.path.join(folder, "code_ran_here")
    path = os.path.join(folder, "unsafe.pt")
    torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                "epoch": 1, "loss": 0.5, where: unsafe_object(kind)}, path)
    model_again, optimizer_again = fresh_pair()
    error = raised(lambda: load_checkpoint(path, model_again, optimizer_again))
    result = (error, os.path.exists(marker))
result
"""


@pytest.mark.task("5.2")
def test_unsafe_objects_are_refused(submission, rng):
    for kind in rng.permutation(["trap", "array", "numpy scalar", "fraction", "date", "namespace"]):  # all six
        where = str(rng.choice(["extra", "loss_history", "config"]))
        call = f"load_checkpoint(path, model, optimizer) on a checkpoint whose {where!r} entry holds a {kind}"
        error, code_ran = submission.run(UNSAFE_OBJECTS, kind=str(kind), where=where, **model_inputs(rng))
        if code_ran:
            expect.fail(call, "a file created by code inside the checkpoint", "the file refused before anything runs",
                        hint=WEIGHTS_ONLY_HINT)
        expect.rejects(call, error, "CheckpointError", mentions=(UNSAFE,), hint=WEIGHTS_ONLY_HINT)
        if CORRUPT in error[1].lower():
            expect.fail(call, f"{error[0]}: {error[1]}", f"a message that says {UNSAFE!r} and not {CORRUPT!r}")


MISFITS = """
import os, tempfile, torch
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
    result = raised(lambda: load_checkpoint(path, target, optimizer))
result
"""


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
        error = submission.run(MISFITS, case=case, saved_hidden=saved_hidden, loaded_hidden=loaded_hidden)
        expect.rejects(call, error, "CheckpointError", mentions=words,
                       hint="compare the checkpoint with model.state_dict() before loading and say what does not fit")
        if name is not None and name not in error[1]:
            expect.fail(call, f"{error[0]}: {error[1]}", f"a message that names {name!r}")


LOAD = MODEL + """
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "by_torch.pt")
    torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                "epoch": epoch, "loss": loss, "note": note}, path)
    model_again, optimizer_again = fresh_pair()
    returned = load_checkpoint(path, model_again, optimizer_again)
    result = {"returned": [returned.get(k) for k in ("epoch", "loss", "note")] if isinstance(returned, dict) else None,
              "weights": dict(model_again.state_dict()), "expected": dict(model.state_dict()),
              "adam": adam_state(optimizer_again), "expected_adam": adam_state(optimizer)}
result
"""


@pytest.mark.task("5.2")
def test_random_checkpoints_restore_model_and_adam_exactly(submission, rng):
    inputs = dict(model_inputs(rng), epoch=int(rng.integers(1, 99)), loss=float(rng.uniform(0, 2)),
                  note=f"n{int(rng.integers(99))}")
    call = "load_checkpoint(path, model, optimizer) on a file torch.save wrote"
    got = submission.run(LOAD, **inputs)
    if not same_state(got["weights"], got["expected"]):
        expect.fail(f"model.state_dict() after {call}", got["weights"], "the saved weights")
    if not same_tensors(got["adam"], got["expected_adam"]):
        expect.fail(f"Adam's state after {call}", got["adam"], "the saved exp_avg, exp_avg_sq and step",
                    hint="optimizer.load_state_dict(checkpoint['optimizer_state_dict'])")
    expect.equal(f"[epoch, loss, note] returned by {call}", got["returned"],
                 [inputs["epoch"], inputs["loss"], inputs["note"]])


DEFAULT_MAP = MODEL + FORGE + """
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "from_gpu.pt")
    save_as_if_on_gpu({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                       "epoch": 2, "loss": 0.5}, path)
    receiver, receiver_optimizer = fresh_pair()
    loaded = []
    error = raised(lambda: loaded.append(load_checkpoint(path, receiver, receiver_optimizer)))
    result = (error, sorted(devices(loaded[0])) if loaded else None,
              sorted({str(v.device) for s in receiver_optimizer.state.values() for v in s.values()}))
result
"""


@pytest.mark.task("5.2")
def test_load_checkpoint_maps_to_the_cpu_by_default(submission, rng):
    call = "load_checkpoint(path, model, optimizer) on a checkpoint saved on cuda:0 (map_location left at 'cpu')"
    error, returned, optimizer_devices = submission.run(DEFAULT_MAP, **model_inputs(rng))
    if error is not None:
        expect.fail(call, f"{error[0]}: {error[1][:300]}", "the checkpoint, on the CPU", hint=MAP_LOCATION_HINT)
    expect.equal(f"the devices of the tensors returned by {call}", returned, ["cpu"], hint=MAP_LOCATION_HINT)
    expect.equal(f"the devices of the optimizer's state after {call}", optimizer_devices, ["cpu"],
                 hint=MAP_LOCATION_HINT)


# -- 5.3 ------------------------------------------------------------------------------------

GENERATORS = """
import os, random, tempfile, torch
def cuda_usable():
    try:
        return torch.cuda.is_available() and torch.zeros(1, device="cuda").device.type == "cuda"
    except Exception:
        return False
def draws():
    found = {"python": [random.random() for _ in range(count)] + [random.randint(0, 10**9)],
             "numpy": np.random.standard_normal(count).tolist() + np.random.rand(2).tolist()
                      + np.random.randint(0, 10**9, size=2).tolist(),
             "torch": torch.rand(count).tolist() + torch.randperm(7).tolist()}
    if with_cuda and cuda_usable():  # only in the CUDA run, a check worth no points
        found["cuda"] = torch.rand(count, device="cuda").tolist()
    return found
random.seed(seed); np.random.seed(seed); torch.manual_seed(seed)
np.random.standard_normal(warmup)
random.random(); torch.rand(warmup)
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
(problem, first, results)
"""

LABELS = {"python": "Python's random", "numpy": "numpy's global generator", "torch": "torch's generator",
          "cuda": "CUDA's generator"}


@pytest.mark.task("5.3", points=2)
def test_random_draw_sequences_replay_exactly(submission, rng, device):
    # An odd number of numpy Gaussians always leaves the second of a pair in numpy's cache.
    inputs = {"seed": int(rng.integers(0, 2**31)), "warmup": 2 * int(rng.integers(0, 3)) + 1,
              "count": int(rng.integers(1, 5)), "with_cuda": device == "cuda"}
    call = (f"torch.save(capture_rng_state(), path) after {inputs['warmup']} numpy Gaussians, then "
            "restore_rng_state(torch.load(path, weights_only=True)), twice")
    problem, first, results = submission.run(GENERATORS, **inputs)
    if problem is not None:
        expect.fail(call, f"{problem[0]}: {problem[1][:300]}", "a state that weights_only=True loads",
                    hint="keep only tensors, ints, floats, strings, tuples, lists and dicts: convert numpy's array")
    for attempt, again in enumerate(results, start=1):
        for name, label in LABELS.items():
            if name not in first:
                continue
            hint = f"capture and restore {label} too"
            if name == "numpy":
                hint = ("restore all five parts of np.random.get_state(), including the cached Gaussian "
                        "(has_gauss and its value)")
            if name == "cuda":
                hint = "when torch.cuda.is_available(), capture torch.cuda.get_rng_state_all() and restore it"
            expect.equal(f"draws from {label} after restore number {attempt} of {call}", again[name], first[name],
                         hint=hint + "; restoring must not change the saved state")


# -- 5.4 ------------------------------------------------------------------------------------

REFERENCE_RUN = RECIPE + """
with tempfile.TemporaryDirectory() as folder:
    result = (recipe, train_resumable(make_small_mlp, data, epochs, os.path.join(folder, "full.pt"), seed))
result
"""

FIRST_PART = RECIPE + """
import shutil
folder = tempfile.mkdtemp(prefix="ex05-hidden-")
try:
    full = train_resumable(make_small_mlp, data, epochs, os.path.join(folder, "full.pt"), seed)
    part = train_resumable(make_small_mlp, data, epochs, os.path.join(folder, "interrupted.pt"), seed,
                           stop_after=first)
except BaseException:
    shutil.rmtree(folder, ignore_errors=True)
    raise
(folder, recipe, full, part)
"""

#: The middle part runs in a new Python process (simulated by re-seeding every generator where there is
#: no module file to import, as in a notebook, or where the sandbox may not start processes).
MIDDLE_PART = """
import json, os, random, subprocess, sys, torch
module_file = globals().get("__file__")
path = os.path.join(folder, "interrupted.pt")
child = (
    "import json\\n"
    "from ex05_checkpointing import make_classification_data, make_small_mlp, train_resumable\\n"
    f"losses = train_resumable(make_small_mlp, make_classification_data({n}, {data_seed}), {epochs}, {path!r}, "
    f"{seed}, stop_after={second})\\n"
    "print(json.dumps([float(loss) for loss in losses]))\\n"
)
done = None
if module_file and os.path.basename(module_file) == "ex05_checkpointing.py":
    try:
        done = subprocess.run([sys.executable, "-c", child], cwd=os.path.dirname(os.path.abspath(module_file)),
                              capture_output=True, text=True, timeout=50,
                              env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1", OMP_NUM_THREADS="1"))
    except OSError:  # a sandbox that may not start processes: simulate the new one below
        done = None
if done is not None:
    result = ((json.loads(done.stdout.strip().splitlines()[-1]), None) if done.returncode == 0
              else (None, done.stderr[-1500:]))
else:
    random.seed(seed + 1); np.random.seed(seed + 1); torch.manual_seed(seed + 1)
    result = (train_resumable(make_small_mlp, make_classification_data(n, data_seed), epochs, path, seed,
                              stop_after=second), None)
result
"""

LAST_PART = SUMMARY + """
import os, random, shutil, torch
try:
    random.seed(seed + 2); np.random.seed(seed + 2); torch.manual_seed(seed + 2)
    path = os.path.join(folder, "interrupted.pt")
    resumed = train_resumable(make_small_mlp, make_classification_data(n, data_seed), epochs, path, seed)
    result = (resumed, summary(os.path.join(folder, "full.pt")), summary(path))
finally:
    shutil.rmtree(folder, ignore_errors=True)
result
"""


def check_resumed(call: str, full: list[float], resumed: list[float], full_stored: dict, stored: dict,
                  finished_before: int) -> None:
    """Compare a resumed run with the uninterrupted one, naming the first thing that differs."""
    epochs = len(full)
    if not isinstance(resumed, list) or len(resumed) != epochs:
        expect.fail(call, resumed, f"{epochs} losses, one per epoch, as in the uninterrupted run", hint=EPOCH_HINT)
    expect.equal(f"the first {finished_before} losses returned by {call}", resumed[:finished_before],
                 full[:finished_before], hint="return every epoch's loss, those finished before a resume too")
    expect.equal(f"torch.load(path)['epoch'] after {call}", stored["epoch"], epochs, hint=EPOCH_HINT)
    if stored["steps"] != full_stored["steps"]:
        expect.fail(f"Adam's step counts in the checkpoint after {call}", stored["steps"],
                    f"{full_stored['steps']}, as after the uninterrupted run", hint=OPTIMIZER_HINT)
    if resumed != full:
        first = next(index for index, (a, b) in enumerate(zip(resumed, full)) if a != b)
        expect.fail(f"{call} (losses from epoch {first + 1} on)", resumed[first:],
                    f"{full[first:]}, exactly the losses of the uninterrupted run", hint=RNG_HINT)
    if not same_state(stored["weights"], full_stored["weights"]):
        expect.fail(f"the final weights after {call}", stored["weights"], "exactly those of the uninterrupted run",
                    hint=RNG_HINT)
    if not same_tensors(stored["moments"], full_stored["moments"]):
        expect.fail(f"Adam's moments after {call}", stored["moments"], "exactly those of the uninterrupted run",
                    hint=OPTIMIZER_HINT)


@pytest.mark.task("5.4", points=3)
def test_a_run_interrupted_twice_resumes_bit_for_bit(submission, reference, rng):
    epochs = int(rng.integers(3, 6))
    first = int(rng.integers(1, epochs - 1))
    second = int(rng.integers(first + 1, epochs))
    inputs = {"n": int(rng.integers(20, 70)), "data_seed": int(rng.integers(10_000)), "epochs": epochs,
              "seed": int(rng.integers(0, 2**31 - 3))}
    reference_recipe, reference_full = reference.run(REFERENCE_RUN, **inputs)
    confirmed(reference_recipe, reference_full, "the uninterrupted run")
    folder, recipe, full, part = submission.run(FIRST_PART, first=first, **inputs)
    run = f"train_resumable(make_small_mlp, make_classification_data({inputs['n']}, ...), {epochs}, path, seed)"
    try:
        expect.equal(run, full, recipe,
                     hint="seed_everything(seed), make_model(), make_optimizer(model), then train_one_epoch per epoch")
        expect.equal(f"{run[:-1]}, stop_after={first})", part, recipe[:first],
                     hint="stop_after=k returns once k epochs are finished")
        middle, crash = submission.run(MIDDLE_PART, folder=folder, second=second, **inputs)
        call = f"{run[:-1]}, stop_after={second}) in a new process, resuming after epoch {first}"
        if crash is not None:
            expect.fail(call, f"a crash:\n{crash}", "a resumed run",
                        hint="the new process only has the checkpoint file: everything must come from there")
        if not isinstance(middle, list) or len(middle) != second:
            expect.fail(call, middle, f"{second} losses",
                        hint="stop_after=k stops once k epochs are finished in all, counting those before the resume")
        expect.equal(call, middle, recipe[:second], hint=RNG_HINT)
    except expect.ExpectationFailed:
        submission.run("import shutil\nshutil.rmtree(folder, ignore_errors=True)", folder=folder)
        raise
    resumed, full_stored, stored = submission.run(LAST_PART, folder=folder, **inputs)
    check_resumed(f"{run} resuming after epoch {second}, with every generator re-seeded", full, resumed,
                  full_stored, stored, second)


FINISHED = RECIPE + SUMMARY + """
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "run.pt")
    full = train_resumable(make_small_mlp, data, epochs, path, seed)
    before = summary(path)
    again = train_resumable(make_small_mlp, data, epochs, path, seed + 1)
    result = (recipe, full, again, before, summary(path))
result
"""


@pytest.mark.task("5.4")
def test_a_finished_run_stays_finished(submission, rng):
    inputs = {"n": int(rng.integers(16, 50)), "data_seed": int(rng.integers(10_000)),
              "epochs": int(rng.integers(1, 4)), "seed": int(rng.integers(0, 2**31 - 2))}
    recipe, full, again, before, after = submission.run(FINISHED, **inputs)
    call = f"train_resumable(make_small_mlp, data, {inputs['epochs']}, path, seed) on a finished run's checkpoint"
    expect.equal("the first run", full, recipe,
                 hint="seed_everything(seed), make_model(), make_optimizer(model), then train_one_epoch per epoch")
    expect.equal(call, again, full, hint="a finished run has nothing left to do: return its saved losses")
    expect.equal(f"torch.load(path)['epoch'] after {call}", after["epoch"], inputs["epochs"], hint=EPOCH_HINT)
    if not same_state(after["weights"], before["weights"]):
        expect.fail(f"the weights after {call}", after["weights"], "the finished run's weights, untouched",
                    hint=EPOCH_HINT)


# -- 5.5 ------------------------------------------------------------------------------------

MANAGER = """
import os, tempfile, torch
torch.manual_seed(0)
model = torch.nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
def name(path):
    return None if path is None else os.path.basename(os.fspath(path))
with tempfile.TemporaryDirectory() as folder:
    for other in others:
        with open(os.path.join(folder, other), "w") as handle:
            handle.write("not the manager's")
    manager = CheckpointManager(folder, keep_last=keep)
    saved = []
    for index, (step, loss, accuracy) in enumerate(zip(steps, losses, accuracies)):
        if index == reopen_at:
            manager = CheckpointManager(folder, keep_last=keep)
        saved.append(name(manager.save(step, model, optimizer, {"loss": loss, "accuracy": accuracy})))
    files = sorted(os.listdir(folder))
    reopened = CheckpointManager(folder, keep_last=keep)
    result = {"saved": saved, "files": files,
              "answers": [name(m.latest()) for m in (manager, reopened)]
                         + [name(m.best("loss")) for m in (manager, reopened)]
                         + [name(m.best("accuracy", mode="max")) for m in (manager, reopened)],
              "steps": {file: torch.load(os.path.join(folder, file), weights_only=True)["step"]
                        for file in files if file not in others}}
result
"""


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
    reference_got = reference.run(MANAGER, **inputs)
    names = reference_got["saved"]
    oracle = {"files": sorted([names[i] for i in kept] + others),
              "answers": [names[kept[-1]]] * 2 + [names[best_loss]] * 2 + [names[best_accuracy]] * 2,
              "steps": {names[i]: steps[i] for i in kept}}
    expected = confirmed(oracle, {key: reference_got[key] for key in oracle}, "manager")
    call = (f"CheckpointManager(folder, keep_last={keep}).save(step, ...) for step in {steps}"
            f"{' with ' + ' and '.join(others) + ' in the folder' if others else ''}")
    got = submission.run(MANAGER, **inputs)
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
    hints = ["the latest checkpoint has the highest step"] * 2 + [
        "the best of the checkpoints still on disk (the best one may have been pruned)"] * 4
    for question, got_answer, wanted, hint in zip(questions, got["answers"], answers, hints):
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


MOVES = MODEL + FORGE + """
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "moved.pt")
    payload = {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
               "epoch": 2, "loss": 0.5, "extra": torch.arange(3.0)}
    real_gpu = saved_on == "cuda" and cuda_usable()
    if real_gpu:
        gpu_model, gpu_optimizer = fresh_pair()
        gpu_model.load_state_dict(model.state_dict())
        gpu_model.to("cuda")
        gpu_optimizer.load_state_dict(optimizer.state_dict())
        torch.save({"model_state_dict": gpu_model.state_dict(), "optimizer_state_dict": gpu_optimizer.state_dict(),
                    "epoch": 2, "loss": 0.5, "extra": torch.arange(3.0, device="cuda")}, path)
    else:
        save_as_if_on_gpu(payload, path)
    outcomes = {}
    targets = [target for target in targets if target != "cuda" or cuda_usable()]
    for target in targets:
        receiver, _ = fresh_pair()
        loaded = []
        error = raised(lambda: loaded.append(load_for_device(path, receiver, target)))
        outcomes[target] = {
            "error": error, "returned": sorted(devices(loaded[0])) if loaded else None,
            "parameters": sorted({str(p.device) for p in receiver.parameters()}),
            "weights": {k: v.cpu() for k, v in receiver.state_dict().items()} if target != "meta" else None}
    result = {"real_gpu": real_gpu, "outcomes": outcomes, "expected": dict(model.state_dict())}
result
"""


@pytest.mark.task("5.6", points=3)
def test_checkpoints_move_between_devices(submission, device, rng):
    targets = ["cpu", "meta"] + (["cuda"] if device == "cuda" else [])
    got = submission.run(MOVES, saved_on=device, targets=targets, **model_inputs(rng))
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
                     hint="move the model to the device (model.to(device)) before loading into it")
        if target != "meta" and not same_state(outcome["weights"], got["expected"]):
            expect.fail(f"model.state_dict() after {call}", outcome["weights"], "the saved weights, exactly")
