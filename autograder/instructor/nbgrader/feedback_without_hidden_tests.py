"""``FeedbackWithoutHiddenTests`` runs in ``generate_feedback``.

Hidden test code is removed from the feedback (the region between the hidden-tests markers, and
the traceback frames that would quote it), while the message each failed test printed — what it
observed, what it means, what to change — stays.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor


class FeedbackWithoutHiddenTests(NbGraderPreprocessor):
    """Feedback that shows what each test observed but not the code of hidden tests.

    In a test cell that holds hidden tests, the hidden region is removed (nbgrader's own
    ClearHiddenTests) and an error keeps only its message, not the traceback frames that quote
    the test's code. A test that failed only because it wrote to stderr gets a note saying so.
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
        wrote_stderr = any(
            o.output_type == "stream" and o.get("name") == "stderr" for o in cell.outputs
        )
        if wrote_stderr and not errors:
            note = (
                "This test scored 0 because something was written to stderr while it ran "
                "(a warning, or output of your code): nbgrader counts any stderr as a failure."
            )
            cell.outputs.append(
                NotebookNode(
                    output_type="display_data",
                    metadata={},
                    data={"text/plain": note, "text/html": f"<p><b>{note}</b></p>"},
                )
            )
        return cell, resources
