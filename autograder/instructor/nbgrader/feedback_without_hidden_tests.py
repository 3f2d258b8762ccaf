"""``FeedbackWithoutHiddenTests`` runs in ``generate_feedback``.

Hidden test code is removed from the feedback (the region between the hidden-tests markers, and
the traceback frames that would quote it), while the message each failed test printed — what it
observed, what it means, what to change — stays.
"""

from __future__ import annotations

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor


class FeedbackWithoutHiddenTests(NbGraderPreprocessor):
    """Feedback that shows what each test observed but not the code of hidden tests.

    In a test cell that holds hidden tests, the hidden region is removed (nbgrader's own
    ClearHiddenTests) and an error keeps only its message, not the traceback frames that quote
    the test's code. (The judge writes every test cell's output, so there is no stderr of the
    student's code to explain here.)
    """

    def preprocess(self, nb, resources):
        self._clear = ClearHiddenTests(parent=self, enforce_metadata=False)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        hidden = self._clear._remove_hidden_test_region(cell)
        errors = [o for o in cell.outputs if o.output_type == "error"]
        for output in errors:
            if hidden:
                output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
