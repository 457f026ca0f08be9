"""Delivery channels: the ways a submission reaches the grader and its grade goes back.

Each channel turns its input into a folder of exercise modules, calls
`autograder.grading.grade` (the same grader for all of them) and hands the
report back in that channel's form:

* `repos`: a student's git repository (`grade-repo`) or a class roster (`grade-roster`), and
  `shards`: a roster split over CI runners (`--shard i/N`) and merged again (`merge-grades`);
* `gradescope`: the bundle Gradescope runs (`gradescope-zip`);
* `student_repo`: the starter repository a class clones, with its advisory CI;
* `nbgrader_loop`: the instructor's nbgrader loop, with `nbgrader_preprocessors`
  (what nbgrader itself loads from the course's config), `kernel_jail` (where a
  student's kernel runs) and `notebook_code` (a notebook's code as a module).

A channel may import the grading core and the authoring tools; the core never
imports a channel.
"""
