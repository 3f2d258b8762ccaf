"""Finding and comparing the repository's notebooks (shared by the notebook tests)."""

from pathlib import Path

import nbformat

from autograder.instructor.paths import REPO

FOLDERS = ("notebooks", "source", "release")


def committed_notebooks() -> list[Path]:
    """Every notebook of notebooks/, source/ and release/ (checkpoints excluded)."""
    return sorted(
        path
        for folder in FOLDERS
        for path in (REPO / folder).rglob("*.ipynb")
        if ".ipynb_checkpoints" not in path.parts
    )


def comparable(nb: nbformat.NotebookNode) -> dict:
    """A notebook as plain data without cell ids (nbgrader may renumber them)."""
    data = nbformat.from_dict(nb)
    for cell in data.cells:
        cell.pop("id", None)
    return data
