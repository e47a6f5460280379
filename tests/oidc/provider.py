"""A real OpenID Connect provider for the tests: ``node tests/oidc/server.mjs`` on loopback.

It stands in for the council's identity provider (panva's certified ``oidc-provider``), so
browser tests can sign in to the app through django-allauth's ``openid_connect`` provider.
Accounts live in a JSON file that the provider re-reads on every use, so a test can add,
change, disable or remove an account between journeys with ``set_account`` and
``remove_account``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVER = PROJECT_ROOT / "tests" / "oidc" / "server.mjs"
PACKAGE = PROJECT_ROOT / "node_modules" / "oidc-provider"
START_TIMEOUT = 15.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcProvider:
    """The test council's identity provider: one confidential client, accounts from a file."""

    def __init__(
        self,
        *,
        redirect_uris: list[str],
        post_logout_redirect_uris: list[str],
        client_id: str = "action-tracker",
        client_secret: str | None = None,
    ) -> None:
        self.redirect_uris = list(redirect_uris)
        self.post_logout_redirect_uris = list(post_logout_redirect_uris)
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._tmpdir = Path(tempfile.mkdtemp(prefix="test-oidc-"))
        self._accounts_file = self._tmpdir / "accounts.json"
        self._log_file = self._tmpdir / "server.log"
        self._accounts: dict[str, dict] = {}
        self._write_accounts()

    @property
    def issuer(self) -> str:
        if self.port is None:
            raise RuntimeError("The test OpenID Connect provider is not started")
        return f"http://127.0.0.1:{self.port}"

    # Accounts -----------------------------------------------------------------------------

    def set_account(
        self,
        login: str,
        *,
        email: str,
        name: str,
        groups=(),
        roles=(),
        email_verified: bool = True,
        disabled: bool = False,
    ) -> None:
        self._accounts[login] = {
            "email": email,
            "email_verified": email_verified,
            "name": name,
            "groups": list(groups),
            "roles": list(roles),
            "disabled": disabled,
        }
        self._write_accounts()

    def remove_account(self, login: str) -> None:
        self._accounts.pop(login, None)
        self._write_accounts()

    def _write_accounts(self) -> None:
        # Written whole and renamed into place: the provider never reads half a file.
        self._tmpdir.mkdir(parents=True, exist_ok=True)
        tmp = self._accounts_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._accounts, indent=2), encoding="utf-8")
        os.replace(tmp, self._accounts_file)

    # Process ------------------------------------------------------------------------------

    def output(self) -> str:
        """What the provider printed so far (stdout and stderr)."""
        try:
            return self._log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> OidcProvider:
        if self._process is not None:
            return self
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if not PACKAGE.is_dir():
            raise RuntimeError(
                "Run `make install`: the test OpenID Connect provider needs "
                "node_modules/oidc-provider"
            )
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("The test OpenID Connect provider needs Node.js (`node`) on PATH")
        self._write_accounts()  # again, after a stop()
        self.port = _free_port()
        env = {
            **os.environ,
            "OIDC_PORT": str(self.port),
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_REDIRECT_URIS": ",".join(self.redirect_uris),
            "OIDC_POST_LOGOUT_REDIRECT_URIS": ",".join(self.post_logout_redirect_uris),
            "OIDC_ACCOUNTS_FILE": str(self._accounts_file),
        }
        # A file, not a pipe: nobody reads a pipe while the tests run, and a full one would
        # block the server.
        with open(self._log_file, "wb") as log:
            self._process = subprocess.Popen(
                [node, str(SERVER)],
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        url = f"{self.issuer}/.well-known/openid-configuration"
        # Loopback only: no HTTP(S)_PROXY from the environment.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"The test OpenID Connect provider exited with code "
                    f"{self._process.returncode}:\n{self.output()}"
                )
            try:
                with opener.open(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        raise RuntimeError(
            f"The test OpenID Connect provider did not answer {url} within "
            f"{START_TIMEOUT:.0f} s:\n{self.output()}"
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_provider(
    *, redirect_uris: list[str], post_logout_redirect_uris: list[str]
) -> OidcProvider:
    """Start a provider for these URIs; the caller stops it (``provider.stop()``)."""
    return OidcProvider(
        redirect_uris=redirect_uris, post_logout_redirect_uris=post_logout_redirect_uris
    ).start()
