"""``ioctl jwt revoke``: add a token to the revocation store(s) a policy names."""

from __future__ import annotations

import re

import click

from .cobra_style import IoctlCommand, pass_app
from .context import App
from .output import CliError, GoCode, wrapped
from .serve import policy_option

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


@click.command("revoke", cls=IoctlCommand)
@click.argument("token", required=False, metavar="[TOKEN|-]")
@click.option("--digest", metavar="HEX", help="Revoke by SHA-256 hex digest instead of the token.")
@policy_option("The service's YAML policy: its revoked: section names the file and/or Redis.")
@click.option("--list", "show", is_flag=True, help="Show the revoked digests and their stores.")
@pass_app
def revoke(app: App, token: str | None, digest: str | None, policy_path: str, show: bool) -> None:
    """Revoke a token for every service that reads POLICY's revocation stores.

    The token's SHA-256 is appended to the revocation file (atomically) and, when the
    policy names Redis, added there and announced to every replica at once. The service
    also refuses the token's S-flipped twin. Prints the digest.

    \b
    Example:
      ioctl jwt revoke "$TOKEN" --policy /etc/ioctl/policy.yaml
      ioctl jwt revoke --digest 3f1c...e9 --policy /etc/ioctl/policy.yaml
      ioctl jwt revoke --list --policy /etc/ioctl/policy.yaml
    """
    import logging

    from ..policy import load_policy, token_digest

    # The store's own warnings (e.g. Redis unreachable) would be a second stderr line:
    # the command reports its failure itself.
    logging.getLogger("pyioctl.policy").addHandler(logging.NullHandler())
    logging.getLogger("pyioctl.policy").propagate = False
    if show and (token is not None or digest is not None):
        raise CliError("--list takes no token or --digest", GoCode.FLAG, usage=True)
    if not show and (token is None) == (digest is None):
        raise CliError("give a token (or - for stdin) or --digest HEX", GoCode.FLAG, usage=True)
    with wrapped(GoCode.CONFIG):
        policy = load_policy(policy_path)
    revoked = policy.revoked
    if revoked.path is None and revoked.store is None:
        raise CliError(
            f"{policy_path}: the policy names no revocation file or Redis", GoCode.CONFIG
        )
    if show:
        with wrapped(GoCode.READ_FILE, "cannot list revocations"):
            entries = revoked.entries()
        lines = [f"{d}  {','.join(stores)}" for d, stores in entries.items()]
        app.out.result("\n".join(lines) if lines else "no revoked tokens", entries)
        return
    if digest is not None:
        if not _HEX64.fullmatch(digest):
            raise CliError("--digest must be 64 hex digits (a SHA-256)", GoCode.FLAG)
        digest = digest.lower()
    else:
        from .. import jwt as _jwt
        from .prompt import read_token

        text = read_token(token, "ioctl jwt revoke")
        with wrapped(GoCode.VALIDATION, "malformed token"):
            _jwt.decode(text)  # a typo would revoke nothing
        digest = token_digest(text)
    with wrapped(GoCode.WRITE_FILE, "cannot revoke"):
        revoked.record([digest])
    app.out.result(digest, {"digest": digest})
