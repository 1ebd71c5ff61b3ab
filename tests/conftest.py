"""Shared fixtures: a temp HOME, the installed ``ioctl`` runner, light-scrypt test wallets.

Key files written for tests use ``LIGHT`` scrypt parameters (N=2^10) through the keystore
API so tests that only decrypt stay fast; the few end-to-end tests that prove the CLI
writes ioctl's own parameters (N=2^18) create their accounts through the CLI instead.
Every test gets its own HOME: nothing is shared between tests (they run under xdist).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import LIGHT, NGINX_ENABLE, NGINX_MISSING, VECTOR_KEY, IoctlRunner, snapshot
from pyioctl.config import ConfigFile
from pyioctl.keys import PrivateKey
from pyioctl.keystore import Keystore, ScryptParams


@pytest.fixture(autouse=True)
def _clean_network_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # In-process tests must not inherit a testnet setting from the developer's shell.
    monkeypatch.delenv("IOTEX_NETWORK_TYPE", raising=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def config_dir(home: Path) -> Path:
    """``$HOME/.config/ioctl/default`` (not created: the first run creates it)."""
    return home / ".config" / "ioctl" / "default"


@pytest.fixture
def ioctl(home: Path) -> IoctlRunner:
    """``ioctl(*args, input=…, env=…) -> (rc, stdout, stderr)`` with HOME = the temp home."""
    return IoctlRunner(home)


@dataclass
class WalletAccount:
    key: PrivateKey
    password: str
    alias: str | None
    path: Path

    @property
    def address(self) -> str:
        return self.key.address


class WalletSetup:
    """Sets up a config dir and keystore in-process, as a previous ioctl run would have."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        ConfigFile.open(directory)  # first run: writes the default config.default

    def open(self) -> ConfigFile:
        return ConfigFile.open(self.directory)

    @property
    def config_path(self) -> Path:
        return self.directory / "config.default"

    @property
    def wallet_dir(self) -> Path:
        return self.open().wallet_dir

    def add(
        self,
        key_hex: str | None = None,
        password: str = "pw",
        alias: str | None = None,
        params: ScryptParams = LIGHT,
    ) -> WalletAccount:
        key = PrivateKey.from_hex(key_hex) if key_hex else PrivateKey.generate()
        account = Keystore(self.wallet_dir).store(key, password, params=params)
        if alias is not None:
            self.set_alias(alias, key.address)
        return WalletAccount(key, password, alias, account.path)

    def set_alias(self, name: str, address: str) -> None:
        opened = self.open()
        opened.config.aliases[name] = address
        opened.save()

    def set(self, **values: object) -> None:
        opened = self.open()
        for name, value in values.items():
            setattr(opened.config, name, value)
        opened.save()


@pytest.fixture
def wallet(config_dir: Path) -> WalletSetup:
    return WalletSetup(config_dir)


@pytest.fixture
def light_account(wallet: WalletSetup) -> WalletAccount:
    """The vector key (io187wzp…) in the wallet under alias ``k1``, password ``pw``, N=2^10."""
    return wallet.add(VECTOR_KEY, "pw", alias="k1")


@pytest.fixture
def unchanged(home: Path):
    """Call once before and assert once after: ``check = unchanged(); …; check()``.

    Proves a failing command left every file and directory under HOME byte-identical.
    """

    def start():
        before = snapshot(home)

        def check() -> None:
            after = snapshot(home)
            assert after.keys() == before.keys()
            for name, entry in before.items():
                assert after[name] == entry, f"{name} changed"

        return check

    return start


class _NginxSkips:
    """Counts the nginx tests skipped for want of the binary and says so on the last line.

    With ``PYIOCTL_REQUIRE_NGINX=1`` (CI, which installs nginx) any such skip fails the run.
    """

    def __init__(self) -> None:
        self.count = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Under xdist the controller sees every worker's reports here.
        if report.skipped and NGINX_MISSING in str(report.longrepr):
            self.count += 1

    # Outermost wrapper: runs after the terminal reporter's "N passed" line, so this is last.
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None]:
        result = yield
        if self.count and not hasattr(session.config, "workerinput"):
            tests = "test" if self.count == 1 else "tests"
            line = f"{self.count} nginx {tests} skipped: nginx is not installed"
            if os.environ.get("PYIOCTL_REQUIRE_NGINX") == "1":
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
                line += " (PYIOCTL_REQUIRE_NGINX=1: failing)"
            else:
                line += f"; enable them with: sudo {NGINX_ENABLE}"
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(line, yellow=True)
        return result


@pytest.fixture(scope="session")
def issuer() -> PrivateKey:
    """The account whose tokens the policies under test trust."""
    return PrivateKey.generate()


@pytest.fixture(scope="session")
def stranger() -> PrivateKey:
    """An account no policy under test trusts."""
    return PrivateKey.generate()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "package: builds the sdist and wheel and installs it in a fresh venv (~15 s)"
    )
    config.pluginmanager.register(_NginxSkips(), "pyioctl-nginx-skips")
