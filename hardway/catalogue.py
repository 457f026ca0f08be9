"""The list of exercises: one place that names every topic and every task.

Everything else (stub messages, test markers, the README's task table, the
grader's per-topic totals) refers back to the ids declared here, and the kit's
own tests check that they agree.
"""

from __future__ import annotations

from dataclasses import dataclass


#: What a torch exercise's sandbox imports before the student's module. torch imports `torch._dynamo`
#: (over 800 modules, about a second) the first time an optimizer steps or a meta tensor is computed; in
#: the warm zygote that is paid once per grading process instead of once per student.
TORCH_PRELOAD = ("numpy", "torch", "torch._dynamo")


@dataclass(frozen=True)
class Topic:
    """One exercise: a module the student completes, and the rules it runs under."""

    number: int
    module: str
    title: str
    tasks: dict[str, str]
    #: Top-level modules the student's code may not import (the exercise is to build them).
    forbidden_imports: tuple[str, ...] = ()
    #: Why they are forbidden, in words a student understands.
    forbidden_reason: str = ""
    #: Memory limit (MiB of data the sandbox may allocate) for the process that runs the student's code.
    memory_limit_mib: int = 2048
    #: Wall-clock seconds one call into the student's code may take.
    call_timeout_s: float = 10.0
    #: Largest file (MiB) the student's code may write; printing counts too.
    file_size_limit_mib: int = 8
    #: All the files (MiB) the student's code may write together, in the sandbox's private folders.
    disk_limit_mib: int = 64
    #: Wall-clock seconds that all of this exercise's calls into the student's code may take together.
    budget_s: float = 60.0
    #: The installed libraries (distributions) the grading sandbox shows; anything else is absent there.
    libraries: tuple[str, ...] = ("numpy",)
    #: Modules the sandbox imports before the student's module (their start-up cost is paid once).
    preload: tuple[str, ...] = ("numpy",)

    @property
    def filename(self) -> str:
        return f"{self.module}.py"

    @property
    def task_budget_s(self) -> float:
        """Wall-clock seconds one task's calls may take together: half the exercise's, so that one
        function that hangs uses up its own task's time and leaves the other tasks theirs."""
        return self.budget_s / 2


TOPICS: tuple[Topic, ...] = (
    Topic(
        number=1,
        module="ex01_forward_autodiff",
        title="Automatic differentiation: forward mode, then reverse",
        tasks={
            "1.1": "Dual numbers as (value, derivative) tuples: add, mul, square",
            "1.2": "The AutoDiff class: arithmetic, powers, comparisons, repr",
            "1.3": "Elementary functions: sin, cos, exp, log, sqrt, tanh",
            "1.4": "derivative, gradient, jacobian and jvp",
            "1.5": "Vectorised duals: numpy arrays as values and gradients",
            "1.6": "Reverse mode: a graph of Nodes and backward() in topological order",
            "1.7": "The whole gradient in one backward pass, where forward mode needs n",
        },
        forbidden_imports=("torch", "jax", "jaxlib", "autograd", "sympy", "tensorflow", "functorch"),
        forbidden_reason=(
            "this exercise is about building automatic differentiation by hand, "
            "so libraries that differentiate for you are not allowed here"
        ),
    ),
    Topic(
        number=2,
        module="ex02_gradient_descent",
        title="Gradient descent by hand",
        tasks={
            "2.1": "The Rosenbrock function and its analytic gradient",
            "2.2": "Checking gradients: central differences and relative error",
            "2.3": "Gradient descent: the trajectory, early stopping, divergence",
            "2.4": "Minimising a parabola",
            "2.5": "Fitting a sine curve by hand",
            "2.6": "Plotting the descent path",
            "2.7": "The stability condition: the largest stable learning rate, 2 / lambda_max",
        },
        forbidden_imports=("torch", "jax", "jaxlib", "autograd", "sympy", "tensorflow", "functorch"),
        forbidden_reason=(
            "this exercise is about deriving and following gradients by hand with numpy, "
            "so libraries that differentiate for you are not allowed here"
        ),
        preload=("numpy", "matplotlib", "matplotlib.pyplot"),
        libraries=("numpy", "matplotlib"),
    ),
    Topic(
        number=3,
        module="ex03_autograd_loops",
        title="PyTorch autograd loops",
        tasks={
            "3.1": "Gradients with backward(): a line and a cubic",
            "3.2": "The Rosenbrock gradient by autograd",
            "3.3": "A descent loop: no_grad updates, zeroed gradients, early stop",
            "3.4": "Fitting a parabola with a design matrix",
            "3.5": "Fitting a sine curve with autograd",
            "3.6": "Locating a Gaussian blob by least squares",
            "3.7": "Vector-Jacobian products: backward(gradient=v) is v^T J",
            "3.8": "Gradients through control flow, and where the graph breaks",
            "3.9": "Tensors from numpy, dtypes and devices",
        },
        memory_limit_mib=6144,
        call_timeout_s=60.0,
        budget_s=240.0,
        preload=TORCH_PRELOAD,
        libraries=("numpy", "torch"),
    ),
    Topic(
        number=4,
        module="ex04_optimizers",
        title="Training with torch.optim",
        tasks={
            "4.1": "Choosing an optimizer by name: SGD, momentum, Adam",
            "4.2": "The canonical training loop, and evaluation",
            "4.3": "Linear regression as an nn.Module",
            "4.4": "SGD with momentum and Adam by hand, matching torch",
            "4.5": "A loss landscape that leaves the model untouched",
            "4.6": "Comparing optimizers and plotting their losses",
            "4.7": "Mini-batches: a seeded DataLoader, epochs and steps, mean vs sum",
            "4.8": "A seeded train/validation split and the validation curve",
            "4.9": "Early stopping on the validation loss, keeping the best weights",
        },
        memory_limit_mib=6144,
        call_timeout_s=60.0,
        budget_s=240.0,
        preload=(*TORCH_PRELOAD, "matplotlib", "matplotlib.pyplot"),
        libraries=("numpy", "torch", "matplotlib"),
    ),
    Topic(
        number=5,
        module="ex05_checkpointing",
        title="Checkpoints that resume exactly",
        tasks={
            "5.1": "Saving a checkpoint atomically",
            "5.2": "Loading safely with weights_only",
            "5.3": "Capturing and restoring every random generator",
            "5.4": "Training that resumes bit for bit",
            "5.5": "A checkpoint manager: latest, best, pruning",
            "5.6": "Loading a GPU checkpoint on a CPU-only machine",
        },
        memory_limit_mib=6144,
        call_timeout_s=60.0,
        file_size_limit_mib=64,
        disk_limit_mib=256,
        budget_s=240.0,
        preload=TORCH_PRELOAD,
        libraries=("numpy", "torch"),
    ),
)


def topic_by_module(module: str) -> Topic:
    for topic in TOPICS:
        if topic.module == module:
            return topic
    known = ", ".join(t.module for t in TOPICS)
    raise KeyError(f"no exercise is called {module!r}; the exercises are: {known}")


def topic_of_task(task_id: str) -> Topic:
    """The topic a task id such as "1.2" belongs to."""
    for topic in TOPICS:
        if task_id in topic.tasks:
            return topic
    raise KeyError(
        f"task {task_id!r} is not in the catalogue (hardway/catalogue.py); "
        "add it there before using it in a test marker or a docstring"
    )
