"""``ioctl config get|set|reset|dump`` (go-ioctl.md §2.3)."""

from __future__ import annotations

import click

from .. import config as _config
from .. import gojson
from .app import App, pass_app
from .base import IoctlGroup
from .output import CliError, GoCode

# variable name → Config attribute, for the plain string settings
_PLAIN = {
    "wallet": "wallet",
    "explorer": "explorer",
    "language": "language",
    "nsv2height": "nsv2height",
    "analyserEndpoint": "analyser_endpoint",
    "wsEndpoint": "ws_endpoint",
    "ipfsEndpoint": "ipfs_endpoint",
    "ipfsGateway": "ipfs_gateway",
    "wsProjectRegisterContract": "ws_project_register_contract",
    "wsProjectStoreContract": "ws_project_store_contract",
    "wsFleetManagementContract": "ws_fleet_management_contract",
    "wsProverStoreContract": "ws_prover_store_contract",
    "wsProjectDevicesContract": "ws_project_devices_contract",
    "wsRouterContract": "ws_router_contract",
    "wsVmTypeContract": "ws_vm_type_contract",
}
# Go ioctl's order, shown in its "Valid arg(s)" message.
GET_VARIABLES = [
    "endpoint", "wallet", "explorer", "defaultacc", "language", "nsv2height",
    "analyserEndpoint", "wsEndpoint", "ipfsEndpoint", "ipfsGateway",
    "wsProjectRegisterContract", "wsProjectStoreContract", "wsFleetManagementContract",
    "wsProverStoreContract", "wsProjectDevicesContract", "wsRouterContract",
    "wsVmTypeContract", "all",
]  # fmt: skip
SET_VARIABLES = [v for v in GET_VARIABLES if v not in ("analyserEndpoint", "all")]


@click.group(cls=IoctlGroup)
def config() -> None:
    """Get, set, or reset configuration for ioctl."""


def _show_all(app: App) -> None:
    data = app.config_file.config.as_json()
    app.out.result(gojson.dumps(data, indent=True), data)


@config.command(valid_args=GET_VARIABLES)
@click.argument("variable", type=click.Choice(GET_VARIABLES), metavar="VARIABLE")
@pass_app
def get(app: App, variable: str) -> None:
    """Print a config value (one of the listed variables, or all).

    Example: ioctl config get endpoint
    """
    cfg = app.config_file.config
    if variable == "all":
        _show_all(app)
    elif variable == "endpoint":
        if not cfg.endpoint:
            raise CliError("no endpoint has been set", GoCode.CONFIG)
        secure = "true" if cfg.secure_connect else "false"
        app.out.result(
            f"{cfg.endpoint}    secure connect(TLS):{secure}",
            {"endpoint": cfg.endpoint, "secureConnect": cfg.secure_connect},
        )
    elif variable == "defaultacc":
        if not cfg.default_account:
            raise CliError("default account did not set", GoCode.CONFIG)
        data = {"addressOrAlias": cfg.default_account}
        app.out.result(gojson.dumps(data, indent=True), data)
    else:
        app.out.result(str(getattr(cfg, _PLAIN[variable])))


@config.command()
@pass_app
def dump(app: App) -> None:
    """Print the whole config as JSON (same as ``config get all``).

    Example: ioctl config dump
    """
    _show_all(app)


def _custom_explorer(app: App) -> str:
    if app.prompt.non_interactive:
        raise CliError(
            "custom explorer requires interactive input; set explorer URL directly instead",
            GoCode.INPUT,
        )
    app.out.query('Please enter a custom link below:("Example: iotexscan.io/action/")')
    words = app.prompt.read_line("link").split()
    link = words[0] if words else ""
    if not _config.is_valid_link(link):
        raise CliError("invalid link", GoCode.VALIDATION)
    return link


@config.command("set", valid_args=SET_VARIABLES)
@click.argument("variable", type=click.Choice(SET_VARIABLES), metavar="VARIABLE")
@click.argument("value")
@click.option("--insecure", is_flag=True, help="With endpoint: connect without TLS.")
@pass_app
def set_(app: App, variable: str, value: str, insecure: bool) -> None:
    """Set a config value, validated as Go ioctl does.

    Example: ioctl config set defaultacc alice
    """
    cfg = app.config_file.config
    if variable == "endpoint":
        if not _config.is_valid_endpoint(value):
            raise CliError(f"endpoint {value} is not valid", GoCode.CONFIG)
        cfg.endpoint, cfg.secure_connect = value, not insecure
    elif variable == "explorer":
        lowered = value.lower()
        if value == "custom":
            cfg.explorer = _custom_explorer(app)
        elif lowered in _config.SUPPORTED_EXPLORERS:
            cfg.explorer = lowered
        else:
            raise CliError(
                f"Explorer {value} is not valid\nValid explorers: [iotexscan iotxplorer custom]",
                GoCode.CONFIG,
            )
    elif variable == "defaultacc":
        if not _config.is_valid_default_account(value):
            raise CliError("failed to validate alias or address", GoCode.VALIDATION)
        cfg.default_account = value
    elif variable == "language":
        language = _config.normalize_language(value)
        if language is None:
            raise CliError(
                f"Language {value} is not supported\nSupported languages: [English 中文]",
                GoCode.CONFIG,
            )
        cfg.language = language
    elif variable == "nsv2height":
        # ASCII digits only, as Go's ParseUint: str.isdigit() also accepts "²" (which int()
        # then rejects: a crash) and "١٢" (stored as 12).
        if not (value.isascii() and value.isdigit()) or int(value) >= 1 << 64:
            raise CliError("invalid height", GoCode.VALIDATION)
        cfg.nsv2height = int(value)
    else:
        setattr(cfg, _PLAIN[variable], value)
    app.save_config()
    app.out.result(f"{variable[:1].upper()}{variable[1:]} is set to {value}")


@config.command()
@pass_app
def reset(app: App) -> None:
    """Reset the config to defaults (aliases are kept).

    Example: ioctl config reset
    """
    app.config_file.config.reset(str(app.config_file.directory))
    app.save_config()
    app.out.result("Config set to default values")
