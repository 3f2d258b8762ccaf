"""environment.yml, .python-version, the Makefile and pyproject.toml tell the same story."""

import tomllib

import yaml
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


def test_pyproject_names_the_course_dependencies():
    names = {
        d.split(">")[0].split("<")[0].split("=")[0].strip().lower()
        for d in _pyproject()["project"]["dependencies"]
    }
    assert {"django", "httpx", "jupyterlab", "nbgrader", "nest-asyncio", "pytest", "uvicorn"} <= (
        names
    )
