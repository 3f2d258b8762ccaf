"""The hub's pieces without a hub: who may reach what, passwords, accounts, the interpreter view.

Quick checks of what the end-to-end test (test_class_on_the_hub.py) shows in a browser, so that
a change that would open the class is caught in seconds, and on machines without root too.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from traitlets.config import Config

from autograder.instructor.hub import COURSE_ID, accounts, interpreter
from autograder.instructor.hub.launch import ROLE_EXTENSIONS

pytest.importorskip("jupyterhub", reason="JupyterHub is not installed (make install-hub)")

from autograder.instructor.hub import config, passwords  # noqa: E402


def class_file(tmp_path, mode: str = "real-users"):
    people = accounts.class_accounts(2, prefix="x-")
    klass = {
        "course_id": COURSE_ID, "mode": mode, "state_dir": str(tmp_path),
        "port": 8000, "hub_api_port": 8081, "proxy_api_port": 8082, "service_port": 8083,
        "venv_bin": "/venv/bin", "path": "/venv/bin:/usr/bin:/bin",
        "proxy_command": "/chp", "exchange": str(tmp_path / "exchange"),
        "config_dirs": {role: str(tmp_path / "etc" / role) for role in ROLE_EXTENSIONS},
        "accounts": [a.as_dict() for a in people],
        "grader": next(a for a in people if a.role == "grader").as_dict() | {"home": "/home/g"},
        "course_root": "/home/g/course",
    }  # fmt: skip
    path = tmp_path / "class.json"
    path.write_text(json.dumps(klass))
    return path, klass


def configured(tmp_path, mode="real-users"):
    path, klass = class_file(tmp_path, mode)
    c = Config()
    config.configure(c, path)
    return c, klass


def test_only_the_instructor_may_reach_the_formgrader_service(tmp_path):
    c, klass = configured(tmp_path)
    [group] = c.JupyterHub.load_groups.values()
    assert group["users"] == ["x-instructor"]
    scopes = {
        scope for role in c.JupyterHub.load_roles for scope in role["scopes"] if role.get("groups")
    }
    assert f"access:services!service={COURSE_ID}" in scopes
    # No other role grants access to services or servers of others.
    for role in c.JupyterHub.load_roles:
        if not role.get("groups"):
            assert role["scopes"] == ["inherit"] and role["name"] == "server"
    [service] = c.JupyterHub.services
    assert service["name"] == COURSE_ID and service["user"] == "x-grader"
    assert service["url"].startswith("http://127.0.0.1:")


def test_the_class_list_is_the_only_way_in_and_nobody_is_admin(tmp_path):
    c, _ = configured(tmp_path)
    assert c.Authenticator.allowed_users == {"x-instructor", "x-student1", "x-student2"}
    assert c.Authenticator.admin_users == set()
    assert c.Authenticator.allow_all is False
    assert c.JupyterHub.authenticator_class == "pam"
    assert c.JupyterHub.spawner_class == "localprocess"
    assert c.JupyterHub.bind_url.startswith("http://127.0.0.1:")
    assert c.JupyterHub.hub_bind_url.startswith("http://127.0.0.1:")


def test_each_role_gets_its_own_jupyter_configuration(tmp_path):
    c, klass = configured(tmp_path)
    config_path = c.Spawner.environment["JUPYTER_CONFIG_PATH"]

    class Spawner:
        class user:
            name = "x-student1"

    assert config_path(Spawner) == klass["config_dirs"]["student"]
    Spawner.user.name = "x-instructor"
    assert config_path(Spawner) == klass["config_dirs"]["instructor"]
    # Students have neither formgrader nor the course list; only the grader has formgrader.
    student = ROLE_EXTENSIONS["student"]["server"]
    assert not student["nbgrader.server_extensions.formgrader"]
    assert "@jupyter/nbgrader:formgrader" in ROLE_EXTENSIONS["student"]["lab"]
    assert ROLE_EXTENSIONS["grader"]["server"]["nbgrader.server_extensions.formgrader"]


def test_fallback_mode_checks_passwords_against_the_password_file(tmp_path):
    c, _ = configured(tmp_path, mode="single-user")
    assert c.JupyterHub.authenticator_class == config.PasswordFileAuthenticator
    assert c.JupyterHub.spawner_class == "simple"
    assert "user" not in c.JupyterHub.services[0]  # the service runs as whoever runs the hub


def test_password_file_lets_in_the_right_password_only(tmp_path):
    path = tmp_path / "passwords.json"
    passwords.write_password_file(path, {"x-student1": "correct horse", "x-student2": "battery"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "correct horse" not in path.read_text()
    authenticator = passwords.PasswordFileAuthenticator(password_file=str(path))

    def login(name, password):
        data = {"username": name, "password": password}
        return asyncio.run(authenticator.authenticate(None, data))

    assert login("x-student1", "correct horse") == "x-student1"
    assert login("x-student1", "battery") is None  # another account's password
    assert login("x-student1", "") is None
    assert login("nobody", "battery") is None


def test_hub_accounts_never_take_over_a_user_of_the_machine():
    assert accounts.check_free(["root", "no-such-user-here"]) == ["root"]
    with pytest.raises(accounts.AccountError, match="the hub did not make it"):
        accounts.remove_unix_user("root")
    names = [a.name for a in accounts.class_accounts(3, "p-")]
    assert names == ["p-instructor", "p-student1", "p-student2", "p-student3", "p-grader"]
    people = accounts.class_accounts(3)
    assert len({a.password for a in people if a.password}) == 4  # each its own


def test_the_interpreter_view_finds_the_private_folder_on_the_way():
    # Not pytest's tmp_path: its parent folder is private to the user running the tests.
    tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))
    private = tmp_path / "private"
    inside = private / "python" / "lib"
    inside.mkdir(parents=True)
    tmp_path.chmod(0o755)
    private.chmod(0o700)
    if any(not os.stat(p).st_mode & stat.S_IXOTH for p in tmp_path.parents):
        pytest.skip(f"a parent of {tmp_path} is private already")
    assert interpreter.blocked_ancestor(str(inside)) == (str(private), "python")
    private.chmod(0o755)
    assert interpreter.blocked_ancestor(str(inside)) is None
    shutil.rmtree(tmp_path)
