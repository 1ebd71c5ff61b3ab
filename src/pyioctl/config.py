"""``config.default``: Go ioctl's configuration file, read and written compatibly (go-ioctl.md §2).

The file is YAML written by Go's yaml.v2. We read every scalar as text (BaseLoader) and
convert the typed fields ourselves, because PyYAML's YAML 1.1 resolver would turn the
plain contract addresses (``0x6325…``) into integers where yaml.v2 keeps them strings.
We write the keys in ioctl's order and quote scalars the way yaml.v2 does, so Go ioctl
reads our file and the first-run file is the one Go writes.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import address as _address
from . import plainyaml
from .errors import ConfigError, StorageError
from .fsutil import atomic_write, ensure_private_dir

CONFIG_FILENAME = "config.default"
AUTH_JWT_FILENAME = "auth.jwt"
DEFAULT_ENDPOINT = "api.iotex.one:443"
DEFAULT_NSV2_HEIGHT = 5165641
SUPPORTED_EXPLORERS = ("iotexscan", "iotxplorer")
SUPPORTED_LANGUAGES = ("English", "中文")
MAX_ALIAS_BYTES = 40

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
        for f in fields(self):
            key = f.metadata["yaml"]
            if key is None:
                continue
            value = getattr(self, f.name)
            if f.name == "aliases":
                value = dict(sorted(value.items(), key=lambda kv: go_bytes(kv[0])))
            elif f.name == "default_account":
                value = {"addressOrAlias": value}
            out[key] = value
        return out


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

_YAML11_BOOL_NULL = frozenset(
    [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "true",
        "True",
        "TRUE",
        "on",
        "On",
        "ON",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "false",
        "False",
        "FALSE",
        "off",
        "Off",
        "OFF",
        "~",
        "null",
        "Null",
        "NULL",
        ".nan",
        ".NaN",
        ".NAN",
        ".inf",
        ".Inf",
        ".INF",
        "+.inf",
        "+.Inf",
        "+.INF",
        "-.inf",
        "-.Inf",
        "-.INF",
        "<<",
    ]
)
_YAML11_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_YAML11_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_YAML11_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?")


def _yaml_v2_resolves_to_non_string(text: str) -> bool:
    """Whether yaml.v2 would read ``text`` as a plain scalar of another type.

    Mirrors yaml.v2's resolve(): integers must fit 64 bits (so a 160-bit 0x contract
    address stays a string), floats follow its regex, and base-60 floats are quoted too.
    """
    if text == "" or text in _YAML11_BOOL_NULL:
        return True
    if _YAML11_FLOAT.fullmatch(text) or _YAML11_BASE60.fullmatch(text):
        return True
    if _YAML11_TIMESTAMP.fullmatch(text):
        return True
    plain = text.replace("_", "")
    if not plain.isascii():  # int() would take other scripts' digits; yaml.v2 does not
        return False
    sign = -1 if plain.startswith("-") else 1
    body = plain.lstrip("+-")
    try:
        if body[:2].lower() == "0b":
            number = int(body[2:], 2)
        elif body[:2].lower() in ("0x", "0o"):
            number = int(body, 0)
        elif body.startswith("0") and len(body) > 1:
            number = int(body, 8)
        else:
            number = int(body, 10)
    except ValueError:
        return False
    return -(1 << 63) <= sign * number < 1 << 64


# Line breaks (YAML 1.1 counts NEL and U+2028/9 too) would make a quoted scalar span lines,
# which breaks the one-line ``key: value`` layout dump() writes.
_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")


def _scalar(text: str) -> str:
    import yaml

    if any("\ud800" <= c <= "\udfff" for c in text):
        # Invalid UTF-8 from argv or stdin: the emitter would write a \uDCxx escape that no
        # YAML reader (ours included) accepts, leaving config.default unreadable.
        raise ConfigError(f"failed to marshal config: {text!r} is not valid UTF-8")
    style = None
    if _yaml_v2_resolves_to_non_string(text) or any(
        (ord(c) < 32 and c != "\t") or c in _LINE_BREAKS for c in text
    ):
        # Double-quoted with YAML escapes (\x01, \N, \x7F…) as yaml.v2 writes them; a JSON
        # string would leave C1 controls such as \x85 or \x9f raw, and no YAML reader
        # accepts those: the whole config would become unreadable.
        style = '"'
    # Otherwise let the emitter's analysis pick plain or single-quoted, as yaml.v2's does;
    # the implicit flags stop PyYAML from quoting what its own resolver would retype.
    events = [
        yaml.StreamStartEvent(),
        yaml.DocumentStartEvent(explicit=False),
        yaml.ScalarEvent(None, None, (True, True), text, style=style),
        yaml.DocumentEndEvent(explicit=False),
        yaml.StreamEndEvent(),
    ]
    out = yaml.emit(events, allow_unicode=True, width=math.inf)
    # An empty root scalar gets an explicit "--- " document marker; it is not part of it.
    return out.removeprefix("--- ").removesuffix("\n").removesuffix("\n...")


def dump(config: Config) -> str:
    lines: list[str] = []
    for f in fields(config):
        key = f.metadata["yaml"]
        if key is None:
            continue
        value = getattr(config, f.name)
        if f.name == "aliases":
            if not value:
                lines.append(f"{key}: {{}}")
                continue
            lines.append(f"{key}:")
            for name in sorted(value, key=go_bytes):
                lines.append(f"  {_scalar(name)}: {_scalar(value[name])}")
        elif f.name == "default_account":
            lines.append(f"{key}:")
            lines.append(f"  addressOrAlias: {_scalar(value)}")
        elif isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key}: {value}")
        else:
            lines.append(f"{key}: {_scalar(value)}")
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
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"failed to read config file {path}: {exc}") from None
        if text is None:
            config = Config()
            config.reset(str(directory))
            config.fill_in(str(directory))
            opened = cls(directory, config, created=True)
            ensure_private_dir(directory)
            opened.save()
            return opened
        config = parse(text, where=str(path))
        opened = cls(directory, config)
        if config.fill_in(str(directory)):
            opened.save()
        return opened

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


def go_bytes(text: str) -> bytes:
    """The bytes Go would hold for ``text``: undecodable argv/stdin bytes (lone surrogates
    under Python's surrogateescape) become the single bytes they came from. Also the sort
    key for Go's byte-ordered map keys."""
    return text.encode("utf-8", "surrogateescape")


def byte_length(text: str) -> int:
    """Length in bytes as Go counts it."""
    return len(go_bytes(text))


def check_alias(alias: str) -> None:
    """ioctl's only alias rule: at most 40 bytes of UTF-8."""
    if byte_length(alias) > MAX_ALIAS_BYTES:
        raise ConfigError(
            "invalid long alias that is more than 40 characters", code="invalid_alias"
        )


def normalize_language(value: str) -> str | None:
    if value == "0" or value.lower() == "english":
        return "English"
    if value == "1" or value == "中文":
        return "中文"
    return None


def is_valid_default_account(value: str) -> bool:
    return byte_length(value) <= MAX_ALIAS_BYTES or _address.is_valid(value)
