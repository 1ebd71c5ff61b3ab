"""What ``account list`` and ``account ethaddr`` do and print.

Commands that scripts run most have their bodies here, free of click, so that
cli/fastpath.py can run them from a plain command line; the click commands in
cli/account.py call the same functions (cli/jwt_reports.py is the same for ``jwt``).
"""

from __future__ import annotations

from .. import address as _address
from .context import App
from .output import GoCode, wrapped


def list_accounts(app: App) -> None:
    with wrapped(GoCode.KEYSTORE):
        accounts = app.wallet.keystore.accounts()
    rows = [{"address": a.address, "alias": app.wallet.alias_of(a.address)} for a in accounts]
    text = "\n".join(f"{r['address']} - {r['alias']}" if r["alias"] else r["address"] for r in rows)
    app.out.result(text, {"accounts": rows or None})


def ethaddr(app: App, target: str) -> None:
    with wrapped(GoCode.ADDRESS):
        io_address = app.wallet.resolve(target)
        eth = _address.eth_checksum(_address.to_hash160(io_address))
    app.out.result(f"{io_address} - {eth}", {"ioAddr": io_address, "ethAddr": eth})
