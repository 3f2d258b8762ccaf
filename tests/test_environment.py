"""environment.yml, .python-version, the Makefile and pyproject.toml tell the same story."""

import ast
import sys
import tomllib
from importlib import metadata

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from autograder.instructor.paths import REPO


def _environment():
    return yaml.safe_load((REPO / "environment.yml").read_text())


def _pyproject():
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_conda_python_is_the_default_version_and_supported():
    deps = _environment()["dependencies"]
    (python,) = [d for d in deps if isinstance(d, str) and d.startswith("python=")]
    version = python.removeprefix("python=")
    assert version == "3.12"
    assert f"{version}.0" in SpecifierSet(_pyproject()["project"]["requires-python"])
    assert (REPO / ".python-version").read_text().split()[0] == version
    assert "python3.12" in (REPO / "Makefile").read_text()


def test_conda_installs_this_package_with_the_same_extras_as_the_makefile():
    deps = _environment()["dependencies"]
    (pip,) = [d["pip"] for d in deps if isinstance(d, dict)]
    assert pip == ["-e .[dev]"]
    assert '-e ".[dev]"' in (REPO / "Makefile").read_text()
    assert "dev" in _pyproject()["project"]["optional-dependencies"]


def test_conda_lists_no_package_of_its_own():
    # Anything listed here besides python and pip would be a second source of truth.
    deps = _environment()["dependencies"]
    assert [d for d in deps if isinstance(d, str)] == ["python=3.12", "pip"]


def _names(requirements) -> set[str]:
    return {Requirement(r).name.lower().replace("_", "-") for r in requirements}


def test_pyproject_splits_the_dependencies_by_role():
    project = _pyproject()["project"]
    student = _names(project["dependencies"])
    extras = {k: _names(v) for k, v in project["optional-dependencies"].items()}
    assert {"django", "httpx", "jupyterlab", "nbgrader", "nest-asyncio", "uvicorn"} <= student
    # nothing only an instructor or a contributor needs is installed for every student
    assert not {"pytest", "tqdm", "ruff", "playwright", "jupyterhub"} & student
    assert "tqdm" in extras["instructor"]
    assert {"pytest", "pytest-xdist", "ruff", "async-django-hands-on"} <= extras["dev"]
    assert "jupyterhub" in extras["hub"]
    assert project["scripts"] == {"autograder": "autograder.instructor.cli:main"}


def _closure(requirements) -> set[str]:
    """The distributions that installing ``requirements`` brings, following their own needs."""
    seen, todo = set(), [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = requirement.name.lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for needed in metadata.requires(name) or []:
            needed = Requirement(needed)
            if needed.marker is None or needed.marker.evaluate({"extra": ""}):
                todo.append(needed)
        for extra in requirement.extras:
            for needed in metadata.requires(name) or []:
                needed = Requirement(needed)
                if needed.marker is not None and needed.marker.evaluate({"extra": extra}):
                    todo.append(needed)
    return seen


def _third_party_imports(folder) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names} - {"autograder", "demo_project"}


def test_what_a_students_kernel_imports_comes_with_the_student_dependencies():
    # autograder/runtime and demo_project run in the student's kernel (and a grading kernel):
    # whatever they import must be installed by `pip install .` alone, without extras.
    installed = _closure(_pyproject()["project"]["dependencies"])
    providers = metadata.packages_distributions()
    missing = {}
    for folder in (REPO / "autograder" / "runtime", REPO / "demo_project"):
        for module in _third_party_imports(folder):
            dists = {d.lower().replace("_", "-") for d in providers.get(module, [module])}
            if not dists & installed:
                missing[module] = sorted(dists)
    assert not missing, f"imported in the kernel, installed only by an extra: {missing}"


def test_the_check_of_kernel_imports_can_fail(tmp_path):
    (tmp_path / "view.py").write_text("import tqdm\nfrom django.http import JsonResponse\n")
    imported = _third_party_imports(tmp_path)
    assert imported == {"tqdm", "django"}
    assert "tqdm" not in _closure(_pyproject()["project"]["dependencies"])
