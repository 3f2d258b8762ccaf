"""The JupyterHub configuration of a class, from the class file the launcher writes.

``jupyterhub_config.py`` (beside this file) calls :func:`configure`; the class file
(``class.json`` in the hub's folder, readable by root only: it holds the passwords) says which
ports, accounts, folders and mode to use. Two modes:

* ``real-users`` (the hub runs as root): every account is a Unix user, passwords are checked by
  PAM, each student's server runs as that student (``LocalProcessSpawner``), the formgrader runs
  as the grader account.
* ``single-user`` (the fallback where the hub is not root): every server runs as the user who
  started the hub, each in a home folder of its own under the hub's folder
  (``SimpleLocalProcessSpawner``), and passwords are checked against the class's password file
  (:mod:`.passwords`). The hub still refuses one student another's server and the formgrader,
  but the students' processes share one Unix user, so files are not private between them: a
  way to try the class out, not to run one.

The pattern is nbgrader's demo "one class, multiple graders": the formgrader is a hub-managed
service named after the course, running as a grader account, reachable by the members of the
``formgrade-<course>`` group (the instructors) and nobody else.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from autograder.instructor.hub import COURSE_ID

PasswordFileAuthenticator = "autograder.instructor.hub.passwords.PasswordFileAuthenticator"


def load_class(path: str | os.PathLike) -> dict:
    return json.loads(Path(path).read_text())


def formgrader_roles(course: str, instructors: list[str]) -> tuple[dict, list[dict]]:
    """The group of the course's graders and the roles that let them (only) reach the service."""
    group = f"formgrade-{course}"
    groups = {group: {"users": instructors}}
    roles = [
        {
            "name": group,
            "groups": [group],
            "scopes": [
                f"access:services!service={course}",
                "list:services",
                f"read:services!service={course}",
            ],
        },
        # The course-list extension of an instructor's server asks the hub which courses the
        # instructor grades, with the server's token: let that token do what its owner may.
        {"name": "server", "scopes": ["inherit"]},
    ]
    return groups, roles


def service_environment(klass: dict) -> dict[str, str]:
    course_root = klass["course_root"]
    return {
        "JUPYTERHUB_DEFAULT_URL": "/lab",
        "JUPYTER_CONFIG_PATH": klass["config_dirs"]["grader"],
        "PATH": klass["path"],
        "HOME": klass["grader"]["home"],
        # nbgrader starts the formgrader on the course folder it is started in.
        "PWD": course_root,
    }


def role_of(klass: dict, name: str) -> str:
    for account in klass["accounts"]:
        if account["name"] == name:
            return account["role"]
    raise KeyError(name)


def configure(c, class_file: str | os.PathLike) -> dict:
    """Fill the JupyterHub config ``c`` for the class described in ``class_file``."""
    klass = load_class(class_file)
    course = klass["course_id"]
    state = Path(klass["state_dir"])
    people = [a["name"] for a in klass["accounts"] if a["role"] in ("instructor", "student")]
    instructors = [a["name"] for a in klass["accounts"] if a["role"] == "instructor"]

    c.JupyterHub.bind_url = f"http://127.0.0.1:{klass['port']}"
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{klass['hub_api_port']}"
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{klass['proxy_api_port']}"
    c.ConfigurableHTTPProxy.command = [klass["proxy_command"]]
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.cleanup_proxy = True
    # Only the class's accounts, and no admin: nobody may open somebody else's server.
    c.Authenticator.allowed_users = set(people)
    c.Authenticator.admin_users = set()
    c.Authenticator.allow_all = False

    if klass["mode"] == "real-users":
        c.JupyterHub.authenticator_class = "pam"
        # No PAM session: containers and minimal systems often lack the session modules.
        c.PAMAuthenticator.open_sessions = False
        c.JupyterHub.spawner_class = "localprocess"
    else:
        c.JupyterHub.authenticator_class = PasswordFileAuthenticator
        c.PasswordFileAuthenticator.password_file = str(state / "passwords.json")
        c.JupyterHub.spawner_class = "simple"
        c.SimpleLocalProcessSpawner.home_dir_template = str(state / "homes" / "{username}")

    def user_config_path(spawner) -> str:
        return klass["config_dirs"][role_of(klass, spawner.user.name)]

    c.Spawner.cmd = [str(Path(klass["venv_bin"]) / "jupyterhub-singleuser")]
    c.Spawner.default_url = "/lab"
    c.Spawner.environment = {
        "JUPYTER_CONFIG_PATH": user_config_path,
        "PATH": klass["path"],
    }
    # The fallback mode forced as root (--single-user): JupyterLab must be told that it is fine.
    as_root = klass["mode"] != "real-users" and os.geteuid() == 0
    c.Spawner.args = ["--allow-root"] if as_root else []
    c.Spawner.http_timeout = 90
    c.Spawner.start_timeout = 120

    groups, roles = formgrader_roles(course, instructors)
    c.JupyterHub.load_groups = groups
    c.JupyterHub.load_roles = roles
    service = {
        "name": course,
        "url": f"http://127.0.0.1:{klass['service_port']}",
        "command": [
            str(Path(klass["venv_bin"]) / "jupyterhub-singleuser"),
            *(["--allow-root"] if as_root else []),
        ],
        "cwd": klass["course_root"],
        "environment": service_environment(klass),
        "oauth_no_confirm": True,
    }
    if klass["mode"] == "real-users":
        service["user"] = klass["grader"]["name"]
    c.JupyterHub.services = [service]
    return klass


__all__ = ["COURSE_ID", "configure", "formgrader_roles", "load_class"]
