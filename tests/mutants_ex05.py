"""Mistakes in exercise 5 (checkpoints that resume exactly) that the tests must catch and name."""

from mutants import Mutant

EX05 = "ex05_checkpointing"

ATOMIC_BLOCK = '''\
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
'''

RESUME_BLOCK = '''\
        model = make_model()
        optimizer = make_optimizer(model)
        checkpoint = load_checkpoint(checkpoint_file, model, optimizer)
        restore_rng_state(checkpoint["rng_state"])
'''

ZIP_CHECK = '''\
    try:
        with zipfile.ZipFile(source) as archive:
            damaged = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise CheckpointError(f"{source} is truncated or corrupt: it is not a complete archive ({error})") from None
    if damaged is not None:
        raise CheckpointError(f"{source} is truncated or corrupt: the entry {damaged!r} fails its checksum")
'''

MUTANTS: list[Mutant] = [
    # 5.1: the file on disk
    Mutant("save writes straight into the target", EX05, ATOMIC_BLOCK, "    torch.save(payload, target)\n",
           "never write into the target itself"),
    Mutant("a failed save leaves its temporary file", EX05,
           "        with contextlib.suppress(FileNotFoundError):\n            os.unlink(temporary)\n", "",
           "delete the temporary file"),
    Mutant("cleanup misses KeyboardInterrupt", EX05, "    except BaseException:\n        with contextlib",
           "    except Exception:\n        with contextlib", "KeyboardInterrupt is not an Exception"),
    Mutant("optimizer state not saved", EX05, '        "optimizer_state_dict": optimizer.state_dict(),\n', "",
           "optimizer_state_dict"),
    # 5.2: loading
    Mutant("load with weights_only=False", EX05,
           "torch.load(source, map_location=map_location, weights_only=True)",
           "torch.load(source, map_location=map_location, weights_only=False)", "weights_only=True"),
    Mutant("damaged files are not told from unsafe ones", EX05, ZIP_CHECK, "",
           "open the file with zipfile.ZipFile first"),
    Mutant("load ignores map_location", EX05, "torch.load(source, map_location=map_location, weights_only=True)",
           "torch.load(source, weights_only=True)", "pass map_location to torch.load"),
    # 5.3: generators
    Mutant("numpy's cached Gaussian is dropped", EX05, '"has_gauss": int(has_gauss),', '"has_gauss": 0,',
           "cached Gaussian"),
    # 5.4: resuming
    Mutant("optimizer state not restored on resume", EX05,
           "checkpoint = load_checkpoint(checkpoint_file, model, optimizer)",
           "checkpoint = load_checkpoint(checkpoint_file, model)", "the optimizer restarted from scratch"),
    Mutant("resume skips an epoch", EX05, 'start = int(checkpoint["epoch"])', 'start = int(checkpoint["epoch"]) + 1',
           "repeats or skips an epoch"),
    Mutant("generators not restored on resume", EX05, '        restore_rng_state(checkpoint["rng_state"])\n', "",
           "restore the random generators"),
    Mutant("generators restored before building the model", EX05, RESUME_BLOCK,
           '        restore_rng_state(torch.load(checkpoint_file, weights_only=True)["rng_state"])\n'
           "        model = make_model()\n        optimizer = make_optimizer(model)\n"
           "        checkpoint = load_checkpoint(checkpoint_file, model, optimizer)\n",
           "after building the model"),
    Mutant("stop_after counts only this call's epochs", EX05,
           "last = epochs if stop_after is None else min(epochs, stop_after)",
           "last = epochs if stop_after is None else min(epochs, start + stop_after)",
           "counting those before the resume"),
    # 5.5: the manager
    Mutant("pruning sorts file names as text", EX05, "        return sorted(found)\n",
           "        return sorted(found, key=lambda pair: pair[1].name)\n", "by step number"),
    # 5.6: devices
    Mutant("load_for_device always maps to the CPU", EX05, "return load_checkpoint(path, model, map_location=target)",
           'return load_checkpoint(path, model, map_location="cpu")', "not a fixed 'cpu'"),
    Mutant("model not moved to the device", EX05, "    model.to(target)\n", "", "move the model to the device"),
    # Issue 10: the mistakes students really make.
    Mutant("checkpoint holds the whole model instead of its state_dict", EX05,
           '        "model_state_dict": model.state_dict(),\n', '        "model_state_dict": model,\n',
           "not the model itself"),
    Mutant("temporary file made outside the target's folder", EX05,
           'suffix=".partial", dir=target.parent)', 'suffix=".partial")', "make the temporary file with dir="),
    Mutant("no fsync before the rename", EX05, "            handle.flush()\n            os.fsync(handle.fileno())\n",
           "", "os.fsync(handle.fileno()) first"),
    Mutant("load_state_dict(strict=False) hides missing keys", EX05,
           "    missing = sorted(set(wanted) - set(state))\n    unexpected = sorted(set(state) - set(wanted))\n"
           "    if missing or unexpected:\n        problems = ([f\"missing keys {missing}\"] if missing else []) + (\n"
           "            [f\"unexpected keys {unexpected}\"] if unexpected else [])\n"
           "        raise CheckpointError(f\"{source} does not fit this model: {'; '.join(problems)}\")\n", "",
           "strict=False",
           also=(("for name in wanted if tuple(state[name].shape)", "for name in wanted if name in state and tuple(state[name].shape)"),
                 ("    model.load_state_dict(state)\n", "    model.load_state_dict(state, strict=False)\n"))),
    Mutant("a shape mismatch that does not name the parameter", EX05,
           'mismatched = [f"{name} is {tuple(state[name].shape)} in the checkpoint',
           'mismatched = [f"{tuple(state[name].shape)} in the checkpoint', "a message that names"),
    Mutant("Python's random generator forgotten", EX05, '        "python": random.getstate(),\n', "",
           "capture and restore Python's random too",
           also=(("    version, internal, gauss_next = state[\"python\"]\n"
                  "    random.setstate((int(version), tuple(int(word) for word in internal), gauss_next))\n", ""),)),
    Mutant("CUDA's generators forgotten", EX05,
           '    if torch.cuda.is_available():\n        state["cuda"] = torch.cuda.get_rng_state_all()\n', "",
           "capture CUDA's generators too"),
    Mutant("checkpoint epoch counted from 0", EX05, "epoch=finished, loss=loss", "epoch=finished - 1, loss=loss",
           "epoch counts the epochs finished"),
    Mutant("keep_last=0 accepted", EX05,
           '        if keep_last < 1:\n            raise ValueError(f"keep_last must be at least 1, not {keep_last}")\n',
           "", "a ValueError"),
    Mutant("pruning globs every .pt file", EX05, "        for _, old in self.checkpoints()[:-self.keep_last]:",
           '        for old in sorted(self.directory.glob("*.pt"))[:-self.keep_last]:',
           "never touched"),
    Mutant("best ignores mode", EX05, 'sign = 1.0 if mode == "min" else -1.0', "sign = 1.0",
           "mode='max' picks the highest value"),
]
