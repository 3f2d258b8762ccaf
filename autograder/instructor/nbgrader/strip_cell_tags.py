"""nbgrader plug-ins used by nbgrader_config.py."""

from nbgrader.preprocessors import NbGraderPreprocessor


class StripCellTags(NbGraderPreprocessor):
    """Drop every cell tag of a submission before it is executed for grading.

    nbclient skips cells tagged ``skip-execution`` (nbgrader passes that option through), and the
    checksum nbgrader uses to restore locked cells does not cover tags, so a student could tag a
    test cell to have it skipped and scored as passed. No tag means anything to grading.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        cell.metadata.pop("tags", None)
        return cell, resources
