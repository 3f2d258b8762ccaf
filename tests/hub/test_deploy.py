"""deploy/ (Zero to JupyterHub) says the same names as the course and as ``make hub``.

Nothing is deployed: the files are parsed, and every name one of them gives another (course id,
service, group, image, volumes, paths, Jupyter configuration) must match.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from autograder.instructor.hub import COURSE_ID
from autograder.instructor.hub.launch import ROLE_EXTENSIONS
from autograder.instructor.paths import REPO

DEPLOY = REPO / "deploy"


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load((DEPLOY / "values.yaml").read_text())


@pytest.fixture(scope="module")
def objects():
    documents = yaml.safe_load_all((DEPLOY / "formgrader.yaml").read_text())
    return {(d["kind"], d["metadata"]["name"]): d for d in documents}


@pytest.fixture(scope="module")
def dockerfile():
    return (DEPLOY / "Dockerfile").read_text()


def config_assignments(path: Path) -> dict[str, str]:
    """``c.A.b = "literal"`` lines of an nbgrader config file, and its load_subconfig paths."""
    found = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            found[ast.unparse(node.targets[0])] = node.value.value
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "load_subconfig":
            found["load_subconfig"] = node.args[0].value
    return found


def formgrader_container(objects) -> dict:
    deployment = objects[("Deployment", f"formgrader-{COURSE_ID}")]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return container


def env_of(container) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in container["env"]}


def test_the_course_id_is_the_one_of_nbgrader_config(values, objects):
    repo_config = (REPO / "nbgrader_config.py").read_text()
    assert f'c.CourseDirectory.course_id = "{COURSE_ID}"' in repo_config
    for role in ("student", "grader"):
        config = config_assignments(DEPLOY / "jupyter" / role / "nbgrader_config.py")
        assert config["c.CourseDirectory.course_id"] == COURSE_ID
    assert list(values["hub"]["services"]) == [COURSE_ID]
    assert env_of(formgrader_container(objects))["JUPYTERHUB_SERVICE_NAME"] == COURSE_ID


def test_only_the_graders_group_reaches_the_formgrader_service(values):
    roles = values["hub"]["loadRoles"]
    group = f"formgrade-{COURSE_ID}"
    assert roles[group]["groups"] == [group]
    assert f"access:services!service={COURSE_ID}" in roles[group]["scopes"]
    assert group in values["hub"]["extraConfig"]["groups"]
    assert roles["server"]["scopes"] == ["inherit"]
    assert values["hub"]["config"]["Authenticator"]["allow_all"] is False
    assert values["hub"]["config"]["Authenticator"]["admin_users"] == []


def test_the_image_is_the_one_the_dockerfile_builds(values, objects, dockerfile):
    image = values["singleuser"]["image"]
    tagged = f"{image['name']}:{image['tag']}"
    assert f"-t {tagged} ." in dockerfile
    assert formgrader_container(objects)["image"] == tagged
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "hub" in pyproject["project"]["optional-dependencies"]
    assert 'pip install ".[hub]"' in dockerfile
    python = re.search(r"^FROM python:(\d+\.\d+)", dockerfile, re.M).group(1)
    assert python == (REPO / ".python-version").read_text().split()[0]  # the default Python


def test_every_server_and_the_formgrader_mount_the_exchange_where_nbgrader_looks(values, objects):
    exchange = {
        config_assignments(DEPLOY / "jupyter" / role / "nbgrader_config.py")["c.Exchange.root"]
        for role in ("student", "grader")
    }
    assert len(exchange) == 1
    [root] = exchange
    storage = values["singleuser"]["storage"]
    [mount] = storage["extraVolumeMounts"]
    [volume] = storage["extraVolumes"]
    assert mount["mountPath"] == root and mount["name"] == volume["name"]
    claim = volume["persistentVolumeClaim"]["claimName"]
    pvc = objects[("PersistentVolumeClaim", claim)]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]  # shared by every pod
    assert "nfs" in objects[("PersistentVolume", pvc["spec"]["volumeName"])]["spec"]
    grader_mounts = {
        m["mountPath"]: m["name"] for m in formgrader_container(objects)["volumeMounts"]
    }
    assert root in grader_mounts


def test_the_formgrader_service_url_is_its_kubernetes_service(values, objects):
    url = values["hub"]["services"][COURSE_ID]["url"]
    host, port = re.fullmatch(r"http://([\w-]+):(\d+)", url).groups()
    service = objects[("Service", host)]
    assert [p["port"] for p in service["spec"]["ports"]] == [int(port)]
    container = formgrader_container(objects)
    assert f"--port={port}" in container["command"]
    env = env_of(container)
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == f"/services/{COURSE_ID}/"
    assert env["JUPYTERHUB_CLIENT_ID"] == f"service-{COURSE_ID}"


def test_the_gradebook_is_postgresql_and_the_grader_config_reads_its_url(objects):
    postgres = objects[("StatefulSet", "gradebook-postgres")]
    assert postgres["spec"]["template"]["spec"]["containers"][0]["image"].startswith("postgres:")
    assert ("Service", "gradebook-postgres") in objects
    grader = (DEPLOY / "jupyter" / "grader" / "nbgrader_config.py").read_text()
    assert 'c.CourseDirectory.db_url = os.environ["GRADEBOOK_DB_URL"]' in grader
    names = [e["name"] for e in formgrader_container(objects)["env"]]
    assert "GRADEBOOK_DB_URL" in names


def test_paths_in_the_image_match_the_configuration(values, objects, dockerfile):
    repo_in_image = re.search(r"^COPY \. (\S+)$", dockerfile, re.M).group(1)
    configs_in_image = re.search(r"^COPY deploy/jupyter/ (\S+)$", dockerfile, re.M).group(1)
    grader = config_assignments(DEPLOY / "jupyter" / "grader" / "nbgrader_config.py")
    assert grader["load_subconfig"] == f"{repo_in_image}/nbgrader_config.py"
    container = formgrader_container(objects)
    assert grader["c.CourseDirectory.root"] == container["workingDir"]
    assert env_of(container)["JUPYTER_CONFIG_PATH"] == f"{configs_in_image.rstrip('/')}/grader"
    student_path = values["singleuser"]["extraEnv"]["JUPYTER_CONFIG_PATH"]
    assert student_path == f"{configs_in_image.rstrip('/')}/student"
    assert f"ENV JUPYTER_CONFIG_PATH={student_path}" in dockerfile


@pytest.mark.parametrize("role", ["student", "grader"])
def test_the_extensions_of_each_role_are_those_of_make_hub(role):
    folder = DEPLOY / "jupyter" / role
    server = json.loads((folder / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"] == ROLE_EXTENSIONS[role]["server"]
    lab = json.loads((folder / "labconfig" / "page_config.json").read_text())
    assert sorted(lab["disabledExtensions"]) == sorted(ROLE_EXTENSIONS[role]["lab"])
