"""Exercise 2's shared test pieces: what plot_descent drew, read from the Axes, and the checks of each part.

The public tests (exercises/tests/test_ex02_gradient_descent.py) and the
hidden ones import these, so a plot gets the same verdict and hint on a
student's machine and in the grade. The plot is read from the data a
Matplotlib Axes holds (lines, filled contours), never from pixels; the
function and the path to compare with come from the test. Nothing here
descends or plots the way the exercise asks.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from hardway import expect


def matches(got: Any, expected: Any, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """Whether `got` has the shape and the values of `expected` (used to name a mistake)."""
    try:
        got_array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    expected_array = np.asarray(expected, dtype=float)
    return got_array.shape == expected_array.shape and bool(
        np.allclose(got_array, expected_array, rtol=rtol, atol=atol))


def brief(points: np.ndarray, shown: int = 4) -> str:
    """A few points of a line, rounded, for a message that stays readable."""
    points = np.asarray(points, dtype=float)
    text = str(np.round(points[:shown], 4).tolist())
    return text if len(points) <= shown else f"{text[:-1]}, ... ({len(points)} points)]"


# -- what a plot holds: a probe that runs where the student's code runs ------------------------------------


def what_plot_descent_draws(plot_descent: Callable[..., Any], function: str, constants: dict[str, float],
                            trajectory: Any, on_given_ax: bool, probes: Any) -> dict[str, Any]:
    """Call plot_descent (on a new Axes or on one it is given) and report what it drew, as plain data.

    `function` is the source of the function to plot, a lambda over `constants`. For each filled
    contour set, "bands" gives the band each of `probes` lies in (-1: none).
    """
    import matplotlib.axes
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    f = eval(function, {"np": np, **constants})  # noqa: S307 - the test's own lambda
    figures_before = set(plt.get_fignums())
    given_ax = Figure().add_subplot() if on_given_ax else None
    show_calls = []
    real_show = plt.show
    plt.show = lambda *args, **kwargs: show_calls.append(1)
    try:
        ax = plot_descent(f, trajectory, ax=given_ax)
    finally:
        plt.show = real_show
    new_figures = sorted(set(plt.get_fignums()) - figures_before)
    drawn: dict[str, Any] = {"returned": type(ax).__name__, "is_axes": isinstance(ax, matplotlib.axes.Axes),
                             "new_figures": len(new_figures), "show_calls": len(show_calls), "lines": [],
                             "contours": []}
    if drawn["is_axes"]:
        drawn["same_ax"] = ax is given_ax
        drawn["lines"] = [np.asarray(line.get_xydata(), dtype=float) for line in ax.lines]
        for artist in ax.collections:
            if hasattr(artist, "levels") and hasattr(artist, "get_paths"):
                bands = list(artist.get_paths())
                vertices = [path.vertices for path in bands if len(path.vertices)]
                corners = np.concatenate(vertices) if vertices else np.zeros((0, 2))
                box = corners.min(axis=0).tolist() + corners.max(axis=0).tolist() if len(corners) else []
                inside = [next((i for i, band in enumerate(bands) if len(band.vertices) and band.contains_point(p)),
                               -1) for p in probes]
                drawn["contours"].append({"filled": bool(getattr(artist, "filled", False)), "box": box,
                                          "bands": inside, "levels": np.asarray(artist.levels, dtype=float)})
    for number in new_figures:
        plt.close(number)
    return drawn


def draw(submission: Any, function: str, trajectory: np.ndarray, on_given_ax: bool,
         probes: np.ndarray | None = None, **constants: float) -> tuple[str, dict[str, Any]]:
    """Run plot_descent on `trajectory` and return (the call, for messages; what it drew).

    `function` is the source of a lambda; `constants` are the names it uses besides its arguments.
    """
    probes = np.zeros((0, 2)) if probes is None else probes
    call = f"plot_descent({function}, trajectory{', ax=ax' if on_given_ax else ''})"
    drawn = submission.call(what_plot_descent_draws, function=function, constants=constants,
                            trajectory=trajectory, on_given_ax=on_given_ax, probes=probes)
    return f"{call} with trajectory = {brief(trajectory)}", drawn


# -- the checks of each part of the plot, in the test's process --------------------------------------------


def check_the_axes(call: str, drawn: dict[str, Any], on_given_ax: bool) -> None:
    """Returned an Axes, drew on the one given (or made exactly one figure), and never showed."""
    if not drawn["is_axes"]:
        expect.fail(call, drawn["returned"], "a matplotlib Axes", hint="return the Axes you drew on")
    if on_given_ax and (not drawn["same_ax"] or drawn["new_figures"]):
        expect.fail(call, "a new figure" if drawn["new_figures"] else "another Axes", "the Axes passed as ax",
                    hint="draw on the ax you were given (ax.plot, ax.contourf), not with plt.plot or a new figure; "
                         "make a figure only when ax is None")
    if not on_given_ax and drawn["new_figures"] != 1:
        expect.fail(call, f"{drawn['new_figures']} new figures", "exactly one new figure",
                    hint="when ax is None, make one figure with plt.subplots() and draw on its Axes")
    if drawn["show_calls"]:
        expect.fail(call, "a call to plt.show()", "no call to plt.show()",
                    hint="never call plt.show() in plot_descent: the caller decides whether to show or save")


def find_line(lines: list[np.ndarray], expected: np.ndarray) -> int | None:
    """The index of the first line through `expected`'s points, or None."""
    for index, line in enumerate(lines):
        if matches(line, expected, rtol=1e-9, atol=1e-9):
            return index
    return None


def check_the_path(call: str, drawn: dict[str, Any], expected: np.ndarray) -> int | None:
    """The path is one of the lines, with x along the horizontal axis; returns its index."""
    index = find_line(drawn["lines"], expected)
    if index is None:
        if find_line(drawn["lines"], expected[:, ::-1]) is not None:
            hint = "x and y are swapped: ax.plot takes the horizontal coordinates first, then the vertical ones"
        else:
            hint = "the path is missing: draw the points of the trajectory on the plot with ax.plot(..., 'o-')"
        expect.fail(call, f"lines {', '.join(brief(line) for line in drawn['lines'][:4]) or 'none'}",
                    f"a line through the path's points {brief(expected)}", hint=hint)
    return index


def check_the_curve(call: str, drawn: dict[str, Any], f: Callable[[np.ndarray], np.ndarray], path_x: np.ndarray,
                    path_index: int | None) -> None:
    """Another line draws f itself, smoothly, over a range that covers the path."""
    for index, line in enumerate(drawn["lines"]):
        if index == path_index or len(line) < 50:
            continue
        covers = line[:, 0].min() <= path_x.min() + 1e-9 and line[:, 0].max() >= path_x.max() - 1e-9
        if covers and matches(line[:, 1], f(line[:, 0]), rtol=1e-9, atol=1e-9):
            return
        if matches(line[:, 0], f(line[:, 1]), rtol=1e-9, atol=1e-9):
            expect.fail(call, "a curve of x against f(x)", "f(x) against x",
                        hint="x and y are swapped: ax.plot(xs, f(xs)) puts x horizontally")
    expect.fail(call, f"{len(drawn['lines'])} lines, none of them f over the path's range",
                "a curve of f at 50 or more points covering every x of the path",
                hint="draw f itself as a line: xs = np.linspace(low, high, 200), then ax.plot(xs, f(xs))")


def check_the_contours(call: str, drawn: dict[str, Any], f: Callable[[Any, Any], Any], path: np.ndarray,
                       probes: np.ndarray) -> None:
    """Filled contours of f itself over a box that covers the path, with x horizontal."""
    filled = [contour for contour in drawn["contours"] if contour["filled"]]
    if not filled:
        expect.fail(call, "no filled contours", "filled contours of f (ax.contourf)",
                    hint="draw ax.contourf(X, Y, f(X, Y)) on a grid from np.meshgrid; ax.contour draws only lines")
    contour = filled[0]
    low, high = path.min(axis=0), path.max(axis=0)
    box = np.asarray(contour["box"], dtype=float)
    if box.size != 4 or not (np.all(box[:2] <= low + 1e-9) and np.all(box[2:] >= high - 1e-9)):
        swapped = box.size == 4 and np.all(box[:2] <= low[::-1] + 1e-9) and np.all(box[2:] >= high[::-1] - 1e-9)
        expect.fail(call, f"contours over x in [{box[0]:.4g}, {box[2]:.4g}], y in [{box[1]:.4g}, {box[3]:.4g}]"
                    if box.size == 4 else "empty contours",
                    f"a box covering the path, x in [{low[0]:.4g}, {high[0]:.4g}], y in [{low[1]:.4g}, {high[1]:.4g}]",
                    hint="x and y are swapped: contourf(X, Y, Z) takes the horizontal grid first" if swapped else
                    "choose the grid's x range from the path's x values and its y range from its y values")
    levels = contour["levels"]
    for probe, band in zip(probes, contour["bands"], strict=False):
        value = float(f(probe[0], probe[1]))
        near = band >= 0 and levels[max(band - 1, 0)] <= value <= levels[min(band + 2, len(levels) - 1)]
        if not near:
            expect.fail(call, f"f({probe[0]:.4g}, {probe[1]:.4g}) drawn in the band "
                        + (f"[{levels[band]:.4g}, {levels[band + 1]:.4g}]" if 0 <= band < len(levels) - 1
                           else "of no level"),
                        f"a band around f = {value:.4g} there",
                        hint="contour f itself, Z = f(X, Y) with X, Y = np.meshgrid(xs, ys) (not its log, "
                             "not transposed, x and y not swapped)")
