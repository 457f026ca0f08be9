"""autograder: the trusted half of the kit.

The grading core (grading, intake, results, batch) is at the top; `sandbox/` is
where student code runs, `hidden/` holds the hidden tests, `channels/` the ways
work arrives and grades leave, `authoring/` what an instructor generates.
docs/ARCHITECTURE.md follows one submission through them.
"""
