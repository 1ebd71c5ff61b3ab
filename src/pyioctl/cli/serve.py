"""``ioctl jwt serve``: run the forward-auth verifier service (pyioctl.web.service)."""

from __future__ import annotations

import click

from ..errors import PyioctlError
from .base import IoctlCommand


def _check_listen(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from ..web.service import parse_listen

    try:
        parse_listen(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.command("serve", cls=IoctlCommand)
@click.option(
    "--policy",
    "policy_path",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="YAML policy: trusted issuers, routes and scopes, revocation.",
)
@click.option(
    "--listen",
    default="127.0.0.1:8080",
    show_default=True,
    metavar="HOST:PORT",
    callback=_check_listen,
    help="Address to listen on (port 0 picks a free one, logged at start).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 256),
    metavar="N",
    help="Worker processes sharing the socket.",
)
def serve(policy_path: str, listen: str, workers: int) -> None:
    """Verify bearer tokens for a reverse proxy (forward auth).

    Answers nginx auth_request, Traefik forwardAuth, Caddy forward_auth and Envoy ext_authz
    on every path except /healthz and /metrics: 200 with the policy's forward_headers
    (default X-Auth-Issuer, X-Auth-Subject, X-Auth-Scope) when the policy allows the
    request, else 401 or 403 with a WWW-Authenticate challenge.
    Each decision is logged as one JSON line on stdout; SIGHUP reloads the policy (a bad
    one is refused and the old one kept).

    \b
    Example:
      ioctl jwt serve --policy /etc/ioctl/policy.yaml --listen 127.0.0.1:8080
      kill -HUP <pid>    # after editing the policy

    docs/protect-an-api.md has the policy format and a complete nginx configuration.
    """
    from ..web.service import serve as run

    try:
        run(policy_path, listen=listen, workers=workers)
    except PyioctlError as exc:
        raise click.ClickException(exc.message) from None
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {listen}: {exc.strerror or exc}") from None
