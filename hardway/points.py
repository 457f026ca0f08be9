"""What each task is worth: its public tests' points and the grader's hidden tests' points.

Generated from the tests' `@pytest.mark.task(..., points=...)` markers by
`autograder generate-exercises` (a test of the kit fails when it is stale); do
not edit. Students see the hidden points here (never the hidden tests), so
`python -m hardway.check` can say what the grade is out of.
"""

#: task id -> (public points, hidden points)
TASK_POINTS: dict[str, tuple[float, float]] = {
    "1.1": (5, 2),
    "1.2": (20, 8),
    "1.3": (7, 9),
    "1.4": (9, 9),
    "1.5": (6, 7),
    "1.6": (12, 8),
    "1.7": (5, 5),
    "2.1": (3, 4),
    "2.2": (3, 4),
    "2.3": (4, 6),
    "2.4": (2, 3),
    "2.5": (3, 5),
    "2.6": (3, 4),
    "2.7": (5, 6),
    "3.1": (3, 3),
    "3.2": (2, 3),
    "3.3": (7, 6),
    "3.4": (4, 5),
    "3.5": (2, 4),
    "3.6": (3, 5),
    "3.7": (5, 5),
    "3.8": (6, 5),
    "3.9": (6, 4),
    "4.1": (5, 3),
    "4.2": (11, 8),
    "4.3": (10, 7),
    "4.4": (13, 11),
    "4.5": (6, 4),
    "4.6": (6, 5),
    "4.7": (16, 7),
    "4.8": (9, 6),
    "4.9": (8, 4),
    "5.1": (6, 4),
    "5.2": (9, 7),
    "5.3": (6, 2),
    "5.4": (8, 4),
    "5.5": (6, 3),
    "5.6": (4, 3),
}
