"""Messages and keystores between iotex-antenna 0.31.7 and pyioctl, library and CLI.

antenna's ``Account.sign``/``recover`` read a string matching ``/^-?[0-9a-f]*$/i`` as hex
bytes and any other string (``0x…`` included) as UTF-8 text; ``ioctl account sign``
takes hex with an optional ``0x``. Its ``wallet.encrypt``/``decrypt`` (lib/account/
wallet.js) make and open v3 keystores with scrypt or pbkdf2-hmac-sha256.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import VECTOR_IO, VECTOR_KEY
from pyioctl import keystore
from pyioctl.hashes import keccak256
from pyioctl.keys import PrivateKey, recover_message_signer

ASCII_TEXT = "hello IoTeX <>&!"  # not hex, so antenna signs it as text


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300), secret=st.integers(1, 2**64))
def test_random_messages_cross_both_ways(antenna, data: bytes, secret: int) -> None:
    key = PrivateKey.from_hex(f"{secret:064x}")
    theirs = bytes.fromhex(antenna.call("messageSign", hex=data.hex(), privateKey=key.hex()))
    assert recover_message_signer(data, theirs, prefix="iotex") == key.public_key
    mine = key.sign_message(data, prefix="iotex")
    assert mine == theirs  # RFC 6979 and low S on both sides
    assert antenna.call("recover", hex=data.hex(), signature=mine.hex()) == key.address


def test_text_messages_cross_with_the_cli(ioctl, light_account, antenna) -> None:
    utf8 = ASCII_TEXT.encode().hex()
    theirs = antenna.call("textSign", text=ASCII_TEXT, privateKey=VECTOR_KEY)
    rc, out, err = ioctl("account", "recover", utf8, theirs, "--prefix", "iotex")
    assert rc == 0 and VECTOR_IO in out, err

    rc, out, err = ioctl(
        "account", "sign", "0x" + utf8, "-s", "k1", "--prefix", "iotex", input="pw\n"
    )
    assert rc == 0, err
    mine = out.strip().splitlines()[-1]
    assert mine == theirs
    assert antenna.call("textRecover", text=ASCII_TEXT, signature=mine) == VECTOR_IO

    # The 0x trap: antenna signs "0x…" as text (its 2 + n ASCII bytes), ioctl as hex.
    zero_x = antenna.call("textSign", text="0x" + utf8, privateKey=VECTOR_KEY)
    assert zero_x != mine
    rc, out, err = ioctl(
        "account", "recover", ("0x" + utf8).encode().hex(), zero_x, "--prefix", "iotex"
    )
    assert rc == 0 and VECTOR_IO in out, err


def test_non_ascii_text_is_signed_by_antenna_with_a_utf16_length(ioctl, antenna) -> None:
    """antenna's preamble counts a text's UTF-16 code units, not its bytes (``hashMessage``
    in lib/account/account.js writes ``bytes.length`` of the JS string), so its signature
    of non-ASCII text recovers to another signer in ioctl; the hex of the UTF-8 bytes
    crosses (docs/compatibility.md)."""
    text = "é 😀"  # 4 UTF-16 units, 7 UTF-8 bytes
    key = PrivateKey.from_hex(VECTOR_KEY)
    theirs = bytes.fromhex(antenna.call("textSign", text=text, privateKey=VECTOR_KEY))
    rc, out, err = ioctl(
        "account", "recover", text.encode().hex(), theirs.hex(), "--prefix", "iotex"
    )
    assert rc == 0, err
    assert VECTOR_IO not in out
    digest = keccak256(b"\x16IoTeX Signed Message:\n4" + text.encode())
    assert key.sign_recoverable_digest(digest) == theirs

    by_hex = antenna.call("messageSign", hex=text.encode().hex(), privateKey=VECTOR_KEY)
    assert bytes.fromhex(by_hex) == key.sign_message(text.encode(), prefix="iotex")


def test_pbkdf2_keystores_from_antenna_open_in_pyioctl(antenna) -> None:
    key = PrivateKey.generate()
    theirs = antenna.call(
        "encrypt", privateKey=key.hex(), password="pä55", options={"kdf": "pbkdf2", "c": 4096}
    )
    assert theirs["crypto"]["kdf"] == "pbkdf2"
    assert theirs["crypto"]["kdfparams"]["prf"] == "hmac-sha256"
    assert keystore.decrypt(theirs, "pä55").hex() == key.hex()
    try:
        keystore.decrypt(theirs, "pa55")
    except keystore.WrongPasswordError:
        pass
    else:
        raise AssertionError("a wrong password opened an antenna pbkdf2 keystore")


def test_cli_imports_antenna_keystores_and_antenna_opens_the_cli_key_file(
    ioctl, home: Path, config_dir: Path, antenna
) -> None:
    """Both ways through the files themselves: antenna's file into ``ioctl account import
    keystore``, and the file ioctl then writes (scrypt N=2^18, r=8) back into antenna."""
    key = PrivateKey.generate()
    source = home / "antenna.json"
    document = antenna.call("encrypt", privateKey=key.hex(), password="pä55", options={"n": 1024})
    source.write_text(json.dumps(document))
    rc, _, err = ioctl(
        "account", "import", "keystore", "ant", str(source), input="pä55\nnew pä55\nnew pä55\n"
    )
    assert rc == 0, err
    assert ioctl("account", "list").stdout == f"{key.address} - ant\n"

    (written,) = (p for p in config_dir.iterdir() if p.name.startswith("UTC--"))
    mine = json.loads(written.read_bytes())
    assert mine["crypto"]["kdfparams"]["n"] == 1 << 18  # ioctl's own parameters
    opened = antenna.call("decrypt", keystore=mine, password="new pä55")
    assert opened["privateKey"] == key.hex() and opened["address"] == key.address
