"""Strip outputs and editor metadata from notebooks before they are committed.

    .venv/bin/python -m autograder.instructor.clean_notebooks notebooks/*.ipynb source/*/*.ipynb

What tests/test_notebooks.py requires of a committed notebook: no outputs or execution counts,
notebook metadata that is only the kernelspec and language, and cell metadata that is only what
nbgrader and the tags need (JupyterLab adds ``collapsed``, ``scrolled`` and the like while you
work). The pre-commit hook in .pre-commit-config.yaml runs this; it exits 1 when it changed a
file, so that the commit stops and you can look at the change.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from autograder.instructor.authoring.cells import NOTEBOOK_METADATA

KEPT_CELL_METADATA = ("deletable", "editable", "nbgrader", "tags")


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as it should be committed (changed in place, and returned)."""
    nb.metadata = nbformat.from_dict(NOTEBOOK_METADATA)
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict(
            {key: cell.metadata[key] for key in KEPT_CELL_METADATA if key in cell.metadata}
        )
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def clean_file(path: Path) -> bool:
    """Clean one notebook file; True when it changed."""
    before = path.read_text(encoding="utf-8")
    nb = clean(nbformat.reads(before, as_version=4))
    after = nbformat.writes(nb) + "\n"
    if after == before:
        return False
    path.write_text(after, encoding="utf-8")
    return True


def main(argv: list[str]) -> int:
    changed = [path for path in map(Path, argv) if clean_file(path)]
    for path in changed:
        print(f"cleaned {path}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
