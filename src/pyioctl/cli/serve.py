"""``ioctl jwt serve``: run the forward-auth verifier service (pyioctl.web.server)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import PyioctlError
from .cobra_style import IoctlCommand

FC = TypeVar("FC", bound=Callable[..., Any])


def _check_listen(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from ..web.server import parse_listen

    try:
        parse_listen(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def policy_option(help_text: str, **extra: Any) -> Callable[[FC], FC]:
    """``--policy FILE``, the YAML policy the service and ``jwt revoke`` read."""
    return click.option(
        "--policy",
        "policy_path",
        required=True,
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help=help_text,
        **extra,
    )


def _env(option: str) -> dict[str, Any]:
    # Every option can come from IOCTL_SERVE_<OPTION>, as container deployments set them;
    # the command line wins over the environment.
    return {"envvar": "IOCTL_SERVE_" + option.upper().replace("-", "_"), "show_envvar": True}


@click.command("serve", cls=IoctlCommand)
@policy_option("YAML policy: trusted issuers, routes and scopes, revocation.", **_env("policy"))
@click.option(
    "--listen",
    default="127.0.0.1:8080",
    show_default=True,
    metavar="HOST:PORT",
    callback=_check_listen,
    help="Address to listen on (port 0 picks a free one, logged at start).",
    **_env("listen"),
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 256),
    metavar="N",
    help="Worker processes sharing the socket.",
    **_env("workers"),
)
@click.option(
    "--timeout-keep-alive",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    metavar="SECONDS",
    help="Close a connection idle this long after a response.",
    **_env("timeout-keep-alive"),
)
@click.option(
    "--timeout-headers",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    metavar="SECONDS",
    help="Close a connection whose request head is not complete this long after it "
    "opened or the request began (slowloris).",
    **_env("timeout-headers"),
)
@click.option(
    "--limit-concurrency",
    default=None,
    type=click.IntRange(1),
    metavar="N",
    help="Connections per worker beyond which requests get 503 (default: no limit).",
    **_env("limit-concurrency"),
)
@click.option(
    "--tls-cert",
    default=None,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="PEM certificate (chain) to serve HTTPS with; needs --tls-key.",
    **_env("tls-cert"),
)
@click.option(
    "--tls-key",
    default=None,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="PEM private key of --tls-cert.",
    **_env("tls-key"),
)
def serve(
    policy_path: str,
    listen: str,
    workers: int,
    timeout_keep_alive: float,
    timeout_headers: float,
    limit_concurrency: int | None,
    tls_cert: str | None,
    tls_key: str | None,
) -> None:
    """Verify bearer tokens for a reverse proxy (forward auth).

    Answers nginx auth_request, Traefik forwardAuth, Caddy forward_auth and Envoy ext_authz
    on every path except /healthz and /metrics: 200 with the policy's forward_headers
    (default X-Auth-Issuer, X-Auth-Subject, X-Auth-Scope) when the policy allows the
    request, else 401 or 403 with a WWW-Authenticate challenge.
    Each decision is logged as one JSON line on stdout; SIGHUP reloads the policy (a bad
    one is refused and the old one kept). Every option can also be set from the
    environment variable shown beside it.

    \b
    Example:
      ioctl jwt serve --policy /etc/ioctl/policy.yaml --listen 127.0.0.1:8080
      kill -HUP <pid>    # after editing the policy

    docs/protect-an-api.md has the policy format and a complete nginx configuration.
    """
    from ..web.server import ServerOptions
    from ..web.server import serve as run

    options = ServerOptions(
        timeout_keep_alive=timeout_keep_alive,
        timeout_headers=timeout_headers,
        limit_concurrency=limit_concurrency,
        tls_cert=tls_cert,
        tls_key=tls_key,
    )
    try:
        run(policy_path, listen=listen, workers=workers, options=options)
    except PyioctlError as exc:
        raise click.ClickException(exc.message) from None
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {listen}: {exc.strerror or exc}") from None
