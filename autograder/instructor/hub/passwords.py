"""Passwords for the fallback mode (no real users): scrypt hashes in the class's password file.

The launcher gives every account a random password, prints it once and keeps only its hash
(``passwords.json``, mode 0600). :class:`PasswordFileAuthenticator` lets in an allowed user whose
password matches its hash, and nobody else: no password is shared and no name is let in
without one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from jupyterhub.auth import Authenticator
from traitlets import Unicode

SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = hash_password(password, base64.b64decode(salt)).split("$")[2]
    return hmac.compare_digest(expected, digest)


def write_password_file(path: Path, passwords: dict[str, str]) -> None:
    """``{name: password}`` -> a file of hashes that only its owner can read."""
    hashes = {name: hash_password(password) for name, password in passwords.items()}
    path.touch(mode=0o600)
    os.chmod(path, 0o600)
    path.write_text(json.dumps(hashes, indent=1))


class PasswordFileAuthenticator(Authenticator):
    """An allowed user with the password whose hash the class's password file keeps."""

    password_file = Unicode(help="JSON file of {username: scrypt hash}").tag(config=True)

    def _hashes(self) -> dict[str, str]:
        return json.loads(Path(self.password_file).read_text())

    async def authenticate(self, handler, data):
        name, password = data.get("username", ""), data.get("password", "")
        stored = self._hashes().get(name)
        if stored is None or not password_matches(password, stored):
            self.log.warning("Failed login for %r", name)
            return None
        return name
