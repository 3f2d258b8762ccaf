"""Imports go one way: runtime <- judge <- instructor, and no package imports in a circle.

The folder a module lives in says where it runs: ``autograder/runtime`` in the student's kernel
(a graded one too, where it is untrusted), ``autograder/judge`` in the grader's process (and as
Validate's preview in a student's kernel), ``autograder/instructor`` in the instructor's.
"""

from __future__ import annotations

import ast
from pathlib import Path

from autograder.instructor.paths import REPO

PACKAGE = REPO / "autograder"
WINGS = ("runtime", "judge", "instructor")
# who may import whom (besides itself and the standard library / third parties)
ALLOWED = {"runtime": set(), "judge": {"runtime"}, "instructor": {"runtime", "judge"}}


def _module(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The autograder modules a file imports (at any depth of its code)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("autograder"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("autograder"):
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def wing_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in WINGS else None


def forbidden(files: dict[str, Path]) -> list[str]:
    problems = []
    for module, path in files.items():
        wing = wing_of(module)
        for target in imports_of(path):
            other = wing_of(target)
            if module == "autograder.__main__" and other == "instructor":
                continue  # `python -m autograder` is the instructors' command line
            if wing is None and other is not None:
                problems.append(f"{module} (no wing) imports {target}")
            elif wing and other and other != wing and other not in ALLOWED[wing]:
                problems.append(f"{module} ({wing}) imports {target} ({other})")
    return problems


def cycles(files: dict[str, Path]) -> list[list[str]]:
    """Import cycles between modules (a module imports another that imports it back...)."""
    graph = {
        module: {t for t in imports_of(path) if t in files} - {module}
        for module, path in files.items()
    }
    found, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def course_files() -> dict[str, Path]:
    return {_module(p): p for p in PACKAGE.rglob("*.py")}


def test_imports_go_one_way_between_the_wings():
    assert forbidden(course_files()) == []


def test_no_module_imports_itself_back_through_others():
    # A package's __init__ importing its own submodules is how packages work, not a cycle.
    graph_files = {m: p for m, p in course_files().items() if not p.name == "__init__.py"}
    assert cycles(graph_files) == []


def test_the_check_fails_on_a_wrong_direction_and_on_a_cycle(tmp_path):
    runtime = tmp_path / "autograder" / "runtime"
    runtime.mkdir(parents=True)
    (runtime / "a.py").write_text("from autograder.judge import stage\n")
    (runtime / "b.py").write_text("import autograder.runtime.c\n")
    (runtime / "c.py").write_text("from autograder.runtime import b\n")
    files = {
        "autograder.runtime.a": runtime / "a.py",
        "autograder.runtime.b": runtime / "b.py",
        "autograder.runtime.c": runtime / "c.py",
    }
    assert set(forbidden(files)) == {
        "autograder.runtime.a (runtime) imports autograder.judge (judge)",
        "autograder.runtime.a (runtime) imports autograder.judge.stage (judge)",
    }
    assert cycles(files), "a cycle b -> c -> b went unnoticed"


def test_every_package_says_where_it_runs():
    for wing in WINGS:
        doc = ast.get_docstring(ast.parse((PACKAGE / wing / "__init__.py").read_text())) or ""
        assert "Runs in" in doc and "Imports" in doc, f"autograder/{wing}/__init__.py"
