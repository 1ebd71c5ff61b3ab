"""``config.default``: Go ioctl's configuration file, read and written compatibly (go-ioctl.md §2).

The file is YAML written by Go's yaml.v2. We read every scalar as text (BaseLoader) and
convert the typed fields ourselves, because PyYAML's YAML 1.1 resolver would turn the
plain contract addresses (``0x6325…``) into integers where yaml.v2 keeps them strings.
We write the keys in ioctl's order and quote scalars the way yaml.v2 does, so Go ioctl
reads our file and the first-run file is the one Go writes.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import address as _address
from . import plainyaml
from .aliases import MAX_ALIAS_BYTES, sorted_items
from .errors import ConfigError, StorageError
from .fsutil import atomic_write, ensure_private_dir
from .gocompat import byte_length
from .goyaml import scalar

CONFIG_FILENAME = "config.default"
AUTH_JWT_FILENAME = "auth.jwt"
DEFAULT_ENDPOINT = "api.iotex.one:443"
DEFAULT_NSV2_HEIGHT = 5165641
SUPPORTED_EXPLORERS = ("iotexscan", "iotxplorer")
SUPPORTED_LANGUAGES = ("English", "中文")

_DEFAULT_STRINGS = {
    "explorer": "iotexscan",
    "language": "English",
    "analyser_endpoint": "https://iotex-analyser-api-mainnet.chainanalytics.org",
    "ws_endpoint": "https://sprout-testnet.w3bstream.com",
    "ipfs_endpoint": "ipfs.mainnet.iotex.io",
    "ipfs_gateway": "https://ipfs.io",
    "ws_project_register_contract": "0x6325D51b6F8bC78b00c55e6233e8824231C31DE2",
    "ws_project_store_contract": "0x3522bBB40D94D5027aB585e1796a68BE003bF36b",
    "ws_fleet_management_contract": "0x7f23447c0bC51b0532EB0D2C7f2D123304666524",
    "ws_prover_store_contract": "0x1BCe261009e73A2300A6144d5900062De7fd8365",
    "ws_project_devices_contract": "0xEA0B75d277AE1D13BBeAAe4537291319E2d3d1C2",
    "ws_router_contract": "0x749C1856D7fdF7b4a2BEBDa6c16E335CE6b33bAe",
    "ws_vm_type_contract": "0x3C296D654d33901F8c2D08386Bf438458c89dFaB",
    "ioid_project_register_contract": "0x601B655c0a20FA1465C9a18e39387A33eEe7F777",
    "ioid_project_store_contract": "0xa822Fd390e8eD3FEC80Bd26c77DD036935463b5E",
}
# Filled in at start-up when empty; any of these being empty makes Go rewrite the file.
_FILLED_WITH_REWRITE = (
    "explorer", "language", "analyser_endpoint", "ws_endpoint", "ipfs_endpoint", "ipfs_gateway",
    "ws_project_register_contract", "ws_project_store_contract", "ws_fleet_management_contract",
    "ws_prover_store_contract", "ws_project_devices_contract", "ws_router_contract",
    "ws_vm_type_contract",
)  # fmt: skip


@dataclass
class Config:
    """ioctl's Config struct; field order is the file's key order. ``yaml`` names the key."""

    wallet: str = field(default="", metadata={"yaml": "wallet"})
    endpoint: str = field(default="", metadata={"yaml": "endpoint"})
    secure_connect: bool = field(default=True, metadata={"yaml": "secureConnect"})
    aliases: dict[str, str] = field(default_factory=dict, metadata={"yaml": "aliases"})
    default_account: str = field(default="", metadata={"yaml": "defaultAccount"})
    explorer: str = field(default="", metadata={"yaml": "explorer"})
    language: str = field(default="", metadata={"yaml": "language"})
    nsv2height: int = field(default=0, metadata={"yaml": "nsv2height"})
    analyser_endpoint: str = field(default="", metadata={"yaml": "analyserEndpoint"})
    ws_endpoint: str = field(default="", metadata={"yaml": "wsEndpoint"})
    ipfs_endpoint: str = field(default="", metadata={"yaml": "ipfsEndpoint"})
    ipfs_gateway: str = field(default="", metadata={"yaml": "ipfsGateway"})
    ws_project_register_contract: str = field(
        default="", metadata={"yaml": "wsProjectRegisterContract"}
    )
    ws_project_store_contract: str = field(default="", metadata={"yaml": "wsProjectStoreContract"})
    ws_fleet_management_contract: str = field(
        default="", metadata={"yaml": "wsFleetManagementContract"}
    )
    ws_prover_store_contract: str = field(default="", metadata={"yaml": "wsProverStoreContract"})
    ws_project_devices_contract: str = field(
        default="", metadata={"yaml": "wsProjectDevicesContract"}
    )
    ws_router_contract: str = field(default="", metadata={"yaml": "wsRouterContract"})
    ws_vm_type_contract: str = field(default="", metadata={"yaml": "wsVmTypeContract"})
    ioid_project_register_contract: str = field(
        default="", metadata={"yaml": "ioidProjectRegisterContract"}
    )
    ioid_project_store_contract: str = field(
        default="", metadata={"yaml": "ioidProjectStoreContract"}
    )
    # Keys this version does not know; kept so a round trip loses nothing.
    extra: dict[str, Any] = field(default_factory=dict, metadata={"yaml": None})

    def reset(self, config_dir: str) -> None:
        """``ioctl config reset``: defaults, keeping aliases, nsv2height and the ioid keys."""
        self.wallet = config_dir
        self.endpoint = ""
        self.secure_connect = True
        self.default_account = ""
        for name, value in _DEFAULT_STRINGS.items():
            if not name.startswith("ioid_"):
                setattr(self, name, value)

    def get(self, name: str) -> str:
        """A single setting by its ``config get`` name, as text."""
        return str(getattr(self, _attribute(name)))

    def set(self, name: str, value: str, *, secure: bool = True) -> None:
        """``ioctl config set NAME VALUE``, validated as Go ioctl validates it.

        ``secure`` is the TLS choice that goes with an endpoint. ``explorer custom`` asks
        the user for a link: the caller asks and gives it to :meth:`set_explorer_link`.
        """
        if name == "endpoint":
            if not is_valid_endpoint(value):
                raise ConfigError(f"endpoint {value} is not valid", code="invalid_endpoint")
            self.endpoint, self.secure_connect = value, secure
        elif name == "explorer":
            lowered = value.lower()
            if lowered not in SUPPORTED_EXPLORERS:
                raise ConfigError(
                    f"Explorer {value} is not valid\n"
                    "Valid explorers: [iotexscan iotxplorer custom]",
                    code="invalid_explorer",
                )
            self.explorer = lowered
        elif name == "defaultacc":
            if not is_valid_default_account(value):
                raise ConfigError(
                    "failed to validate alias or address", code="invalid_default_account"
                )
            self.default_account = value
        elif name == "language":
            language = normalize_language(value)
            if language is None:
                raise ConfigError(
                    f"Language {value} is not supported\nSupported languages: [English 中文]",
                    code="invalid_language",
                )
            self.language = language
        elif name == "nsv2height":
            # ASCII digits only, as Go's ParseUint: str.isdigit() also accepts "²" (which
            # int() then rejects: a crash) and "١٢" (stored as 12).
            if not (value.isascii() and value.isdigit()) or int(value) >= 1 << 64:
                raise ConfigError("invalid height", code="invalid_height")
            self.nsv2height = int(value)
        else:
            setattr(self, _attribute(name), value)

    def set_explorer_link(self, link: str) -> None:
        """``config set explorer custom``: the link the user gave."""
        if not is_valid_link(link):
            raise ConfigError("invalid link", code="invalid_link")
        self.explorer = link

    def fill_in(self, config_dir: str) -> bool:
        """Go's start-up completeness fill-in; True when Go would rewrite the file."""
        rewrite = False
        if not self.wallet:
            self.wallet, rewrite = config_dir, True
        if not self.endpoint:
            self.endpoint, self.secure_connect, rewrite = DEFAULT_ENDPOINT, True, True
        if not self.nsv2height:
            self.nsv2height, rewrite = DEFAULT_NSV2_HEIGHT, True
        for name in _FILLED_WITH_REWRITE:
            if not getattr(self, name):
                setattr(self, name, _DEFAULT_STRINGS[name])
                rewrite = True
        for name in ("ioid_project_register_contract", "ioid_project_store_contract"):
            if not getattr(self, name):
                setattr(self, name, _DEFAULT_STRINGS[name])
        return rewrite

    def as_json(self) -> dict[str, Any]:
        """The config as ``config get all`` shows it (yaml names, sorted aliases)."""
        out: dict[str, Any] = {}
        for key, name, value in _in_file_order(self):
            if name == "aliases":
                value = dict(sorted_items(value))
            elif name == "default_account":
                value = {"addressOrAlias": value}
            out[key] = value
        return out


# The settings ``config get``/``set`` name that hold structures, not one value.
_STRUCTURED = ("aliases", "secure_connect", "default_account", "extra")


def _attribute(name: str) -> str:
    """The Config attribute behind a ``config get``/``set`` name: the file's key, or
    ``defaultacc`` as Go ioctl names the default account."""
    if name == "defaultacc":
        return "default_account"
    for f in fields(Config):
        if f.metadata["yaml"] == name and f.name not in _STRUCTURED:
            return f.name
    raise ConfigError(f"unknown config variable {name}", code="unknown_variable")


# ---------------------------------------------------------------- reading


def _as_bool(value: Any, key: str) -> bool:
    if isinstance(value, str) and value.lower() in ("true", "yes", "on", "y"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "no", "off", "n"):
        return False
    raise ConfigError(f"invalid value for {key}: expected true or false")


def _as_uint(value: Any, key: str) -> int:
    text = str(value).replace("_", "")
    try:
        # int() also takes other scripts' digits (١٢); Go's ParseUint takes ASCII only.
        if not text.isascii():
            raise ValueError(text)
        number = int(text, 0)
    except ValueError:
        raise ConfigError(f"invalid value for {key}: expected an unsigned integer") from None
    if not 0 <= number < 1 << 64:
        raise ConfigError(f"invalid value for {key}: out of range")
    return number


def parse(text: str, *, where: str = CONFIG_FILENAME) -> Config:
    """Parse config.default text; unknown keys are kept in ``extra``."""
    raw = plainyaml.load(text)  # the files ioctl writes; PyYAML only for the rest
    if raw is None:
        raw = _load_yaml(text, where)
    if raw is None or raw == "":
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"failed to parse config file {where}: not a mapping")
    config = Config()
    by_key = {f.metadata["yaml"]: f for f in fields(Config) if f.metadata["yaml"]}
    for key, value in raw.items():
        f = by_key.get(key)
        if f is None:
            config.extra[key] = value
        elif f.name == "secure_connect":
            config.secure_connect = _as_bool(value, key)
        elif f.name == "nsv2height":
            config.nsv2height = _as_uint(value, key)
        elif f.name == "aliases":
            if value in ("", None):
                value = {}
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"invalid value for {key}: expected a mapping of names")
            config.aliases = dict(value)
        elif f.name == "default_account":
            if value in ("", None):
                value = {}
            if not isinstance(value, dict):
                raise ConfigError(f"invalid value for {key}: expected addressOrAlias")
            config.default_account = str(value.get("addressOrAlias", ""))
        else:
            if not isinstance(value, str):
                raise ConfigError(f"invalid value for {key}: expected a string")
            setattr(config, f.name, value)
    return config


def _load_yaml(text: str, where: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader))
    except yaml.YAMLError as exc:
        raise ConfigError(f"failed to parse config file {where}: {exc}".splitlines()[0]) from None


# ---------------------------------------------------------------- writing


def _in_file_order(config: Config) -> Iterator[tuple[str, str, Any]]:
    """``(key, attribute, value)`` of each field the file holds, in the file's order."""
    for f in fields(config):
        key = f.metadata["yaml"]
        if key is not None:
            yield key, f.name, getattr(config, f.name)


def dump(config: Config) -> str:
    lines: list[str] = []
    for key, name, value in _in_file_order(config):
        if name == "aliases":
            if not value:
                lines.append(f"{key}: {{}}")
                continue
            lines.append(f"{key}:")
            for alias, address in sorted_items(value):
                lines.append(f"  {scalar(alias)}: {scalar(address)}")
        elif name == "default_account":
            lines.append(f"{key}:")
            lines.append(f"  addressOrAlias: {scalar(value)}")
        elif isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key}: {value}")
        else:
            lines.append(f"{key}: {scalar(value)}")
    text = "\n".join(lines) + "\n"
    if config.extra:
        import yaml

        text += yaml.safe_dump(config.extra, allow_unicode=True, sort_keys=False)
    return text


# ---------------------------------------------------------------- the file on disk


def config_dir(home: str | None = None) -> Path:
    """``$HOME/.config/ioctl/default``; a missing HOME is an error, not ``/.config``."""
    home = os.environ.get("HOME") if home is None else home
    if not home:
        raise ConfigError("HOME is not set: cannot locate ~/.config/ioctl/default")
    return Path(home + "/.config/ioctl/default")


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"failed to read config file {path}: {exc}") from None


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive flock on the config directory itself (no lock file for Go ioctl to
    find), released when the descriptor closes, also when the process dies. Where the
    directory cannot be opened or locked (a filesystem without flock) the change goes
    ahead unlocked, as before: the write itself stays atomic."""
    import fcntl

    try:
        fd: int | None = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        fd = None
    try:
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if fd is not None:
            os.close(fd)


@dataclass
class ConfigFile:
    """config.default in a config directory, loaded with Go ioctl's start-up rules."""

    directory: Path
    config: Config
    created: bool = False

    @property
    def path(self) -> Path:
        return self.directory / CONFIG_FILENAME

    @property
    def wallet_dir(self) -> Path:
        return Path(self.config.wallet)

    @property
    def auth_jwt_path(self) -> Path:
        return self.directory / AUTH_JWT_FILENAME

    @classmethod
    def open(cls, directory: Path | None = None) -> ConfigFile:
        """Load (creating on first run, as Go ioctl does) and fill in defaults."""
        directory = config_dir() if directory is None else directory
        path = directory / CONFIG_FILENAME
        text = _read_text(path)
        if text is not None:
            config = parse(text, where=str(path))
            if not config.fill_in(str(directory)):
                return cls(directory, config)
        # The first run or Go's start-up rewrite: decided again under the lock, on what
        # the file holds by then.
        ensure_private_dir(directory)
        opened = cls(directory, Config())
        opened.created = opened.update(lambda config: False)
        return opened

    def update(self, change: Callable[[Config], bool]) -> bool:
        """Apply ``change`` to config.default as it is now, and write it if ``change``
        returns True (or Go's start-up rules want a rewrite); returns whether the file
        was created. Runs under an exclusive lock on the directory, re-reading the file:
        a command that read it before waiting for a password must not write that old copy
        back over what another process saved meanwhile. ``change`` must not wait."""
        with _locked(self.directory):
            text = _read_text(self.path)
            config = Config()
            if text is None:
                config.reset(str(self.directory))
            else:
                config = parse(text, where=str(self.path))
            filled = config.fill_in(str(self.directory))
            changed = change(config)
            self.config = config
            if text is None or filled or changed:
                self.save()
        return text is None

    def save(self) -> None:
        try:
            atomic_write(self.path, dump(self.config).encode(), keep_existing_mode=True)
        except StorageError as exc:
            raise ConfigError(f"failed to write to config file {self.path}: {exc}") from None


# ---------------------------------------------------------------- validation (config set)

_IPV4 = r"((25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(25[0-5]|2[0-4]\d|[01]?\d\d?)"
_DOMAIN = (
    r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}(\.[a-zA-Z0-9][a-zA-Z0-9_-]{0,62})*"
    r"(\.[a-zA-Z][a-zA-Z0-9]{0,10}){1}"
)
# re.ASCII: Go's \d and \b are ASCII-only; Python's would accept e.g. Arabic-Indic digits.
_ENDPOINT = re.compile(rf"({_IPV4}|{_DOMAIN}|localhost)(:\d{{1,5}})?", re.ASCII)
_LINK = re.compile(r"[-a-zA-Z0-9@:%._\+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b", re.ASCII)


def is_valid_endpoint(endpoint: str) -> bool:
    return _ENDPOINT.fullmatch(endpoint) is not None


def is_valid_link(link: str) -> bool:
    return _LINK.search(link) is not None


def normalize_language(value: str) -> str | None:
    if value == "0" or value.lower() == "english":
        return "English"
    if value == "1" or value == "中文":
        return "中文"
    return None


def is_valid_default_account(value: str) -> bool:
    return byte_length(value) <= MAX_ALIAS_BYTES or _address.is_valid(value)
