"""``ioctl config get|set|reset|dump`` (go-ioctl.md §2.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .. import gojson
from ..errors import ConfigError
from .cobra_style import IoctlGroup, pass_app
from .context import App
from .output import CliError, GoCode, library_error

if TYPE_CHECKING:
    from ..config import Config

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
        app.out.result(cfg.get(variable))


@config.command()
@pass_app
def dump(app: App) -> None:
    """Print the whole config as JSON (same as ``config get all``).

    Example: ioctl config dump
    """
    _show_all(app)


def _custom_link(app: App) -> str:
    if app.prompt.non_interactive:
        raise CliError(
            "custom explorer requires interactive input; set explorer URL directly instead",
            GoCode.INPUT,
        )
    app.out.query('Please enter a custom link below:("Example: iotexscan.io/action/")')
    words = app.prompt.read_line("link").split()
    return words[0] if words else ""


@config.command("set", valid_args=SET_VARIABLES)
@click.argument("variable", type=click.Choice(SET_VARIABLES), metavar="VARIABLE")
@click.argument("value")
@click.option("--insecure", is_flag=True, help="With endpoint: connect without TLS.")
@pass_app
def set_(app: App, variable: str, value: str, insecure: bool) -> None:
    """Set a config value, validated as Go ioctl does.

    Example: ioctl config set defaultacc alice
    """
    link = _custom_link(app) if variable == "explorer" and value == "custom" else None

    def apply(config: Config) -> bool:
        if link is not None:
            config.set_explorer_link(link)
        else:
            config.set(variable, value, secure=not insecure)
        return True

    try:
        apply(app.config_file.config)  # refuses a bad value before the file is locked
    except ConfigError as exc:
        raise library_error(exc) from None
    app.update_config(apply)
    app.out.result(f"{variable[:1].upper()}{variable[1:]} is set to {value}")


@config.command()
@pass_app
def reset(app: App) -> None:
    """Reset the config to defaults (aliases are kept).

    Example: ioctl config reset
    """
    directory = str(app.config_file.directory)

    def reset_(config: Config) -> bool:
        config.reset(directory)
        return True

    app.update_config(reset_)
    app.out.result("Config set to default values")
