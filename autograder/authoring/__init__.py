"""Authoring tools: what an instructor runs to make the material students receive.

* `stubgen`: a skeleton from a reference solution (`generate-exercises`);
* `recorded_expectations`: the reference's answers written into the public tests
  (`record-expectations`);
* `notebook_builder`: the nbgrader source notebooks, their release and a course
  folder (`notebooks`, `course-init`).

They import the grading core (paths, points), never a delivery channel.
"""
