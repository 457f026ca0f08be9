"""hardway: the public half of the kit, shipped to students with the exercises.

It holds what a student's `pytest` needs (the catalogue of tasks, the pytest
plugin, the helpers that write teaching failure messages) and what the grading
sandbox runs (the worker and the plain-data codec). Nothing here is secret.
"""
