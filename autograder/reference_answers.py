"""The reference solution's answers, remembered across the students of a batch.

A hidden test draws its inputs from the grading seed and asks the reference for
the expected answer; with one seed for a class, every student's test asks the
reference the same questions. A grading process that grades many students
(`grade-roster`, `grade --jobs`, the nbgrader loop) answers each question once
it has shown that the answer does not change:

* the first time a question is asked, the reference answers it;
* the second time, it answers again, and the two answers are compared; only an
  answer given twice alike is kept (a question whose answers differ, from a
  snippet that depends on something besides its inputs, is always computed);
* from the third time on, the kept answer is given, as a fresh copy.

A question is the reference's folder, the snippet's source and its inputs as
plain data. The student's
code runs in another process and none of what it returns is part of a
question, so it can never change what the reference answers.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, ClassVar

from hardway import plaindata
from hardway.submission import InProcessSubmission

#: Questions remembered at most (the oldest are forgotten first): far more than one student's tests ask.
MAX_QUESTIONS = 20_000

#: (the reference's folder, the exercise, the snippet's source, its inputs as plain-data text).
Question = tuple[str, str, str, str]


class RememberingReference(InProcessSubmission):
    """The reference solution, in-process, giving an answer it has given twice alike from memory."""

    #: question -> (its answer as plain-data text, whether a second answer agreed).
    _answers: ClassVar[OrderedDict[Question, tuple[str, bool]]] = OrderedDict()
    #: Questions whose two answers differed: always computed.
    _unstable: ClassVar[set[Question]] = set()

    def answer_text(self, source: str, inputs: dict[str, Any]) -> str:
        question = (str(self.directory), self.topic.module, source, plaindata.dumps(inputs))
        kept = self._answers.get(question)
        if kept is not None and kept[1]:
            self._answers.move_to_end(question)
            return kept[0]
        text = super().answer_text(source, inputs)
        if question in self._unstable:
            return text
        if kept is None:
            self._answers[question] = (text, False)
            while len(self._answers) > MAX_QUESTIONS:
                self._answers.popitem(last=False)
        elif kept[0] == text:
            self._answers[question] = (text, True)
        else:
            del self._answers[question]
            self._unstable.add(question)
        return text
