"""The ``ioctl`` console script against the real iotex-antenna: tokens and messages."""

from __future__ import annotations

import json

from helpers import VECTOR_IO, VECTOR_KEY
from pyioctl import jwt
from pyioctl.keys import PrivateKey

KEY = PrivateKey.from_hex(VECTOR_KEY)


def test_jwt_sign_alg_ek256k_verifies_in_antenna(ioctl, light_account, antenna):
    args = '{"sub":"weather","scope":"Create"}'
    rc, out, err = ioctl(
        "jwt", "sign", "-s", "k1", "-P", "pw", "--alg", "EK256K", "--expires-in", "1h",
        "--with-arguments", args,
    )  # fmt: skip
    assert rc == 0, err
    token = next(line for line in out.splitlines() if line.startswith("JWT token: "))[11:]
    payload = antenna.call("verify", token=token)
    # antenna's own spelling: bare key, numeric times.
    assert payload["iss"] == KEY.public_key.hex()
    assert isinstance(payload["exp"], int) and isinstance(payload["iat"], int)
    assert payload["sub"] == "weather" and payload["scope"] == "Create"


def test_jwt_verify_and_decode_show_the_dialect(ioctl, antenna):
    token = antenna.call(
        "sign", payload={"iss": KEY.public_key.hex(), "sub": "s", "exp": 4_000_000_000},
        privateKey=KEY.hex(),
    )  # fmt: skip
    rc, out, err = ioctl("jwt", "verify", token, "--issuer", VECTOR_IO)
    assert rc == 0, err
    assert "EK256K" in out and VECTOR_IO in out
    rc, out, err = ioctl("jwt", "verify", token, "--issuer", VECTOR_IO, "-o", "json")
    assert rc == 0 and '"alg": "EK256K"' in out
    rc, out, err = ioctl("jwt", "decode", token)
    assert rc == 0 and "EK256K" in out and VECTOR_IO in out


def test_account_sign_and_recover_cross_with_antenna(ioctl, light_account, antenna):
    data = "é<>&".encode()
    rc, out, err = ioctl(
        "account", "sign", data.hex(), "-s", "k1", "--prefix", "iotex", input="pw\n"
    )
    assert rc == 0, err
    mine = out.strip().splitlines()[-1]
    assert antenna.call("recover", hex=data.hex(), signature=mine) == VECTOR_IO
    theirs = antenna.call("messageSign", hex=data.hex(), privateKey=KEY.hex())
    assert theirs == mine  # RFC 6979 on both sides
    rc, out, err = ioctl("account", "recover", data.hex(), theirs, "--prefix", "iotex")
    assert rc == 0 and VECTOR_IO in out
    # Without the flag the Go ioctl (Ethereum) preamble is used, so another signer comes out.
    rc, out, err = ioctl("account", "recover", data.hex(), theirs)
    assert rc == 0 and VECTOR_IO not in out


def test_account_verify_matches_antenna_account(ioctl, antenna):
    rc, out, err = ioctl("account", "verify", "-o", "json", input=VECTOR_KEY + "\n")
    assert rc == 0, err
    account = antenna.call("account", privateKey=VECTOR_KEY)
    assert account["address"] in out and account["publicKey"] in out
    assert jwt.parse_issuer(account["publicKey"]) == KEY.public_key.hash160
    json.dumps(account)
