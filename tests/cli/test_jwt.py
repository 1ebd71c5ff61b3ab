"""``ioctl jwt sign|verify|decode`` through the installed script (go-ioctl.md §7, issue 3)."""

from __future__ import annotations

import base64
import io
import json
import re
import stat
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import VECTOR_IO, VECTOR_KEY, VECTOR_PUB, check_error
from pyioctl import gojson
from pyioctl import jwt as pjwt
from pyioctl.cli.main import main
from pyioctl.keys import CURVE_ORDER, PrivateKey
from vectors import real_tokens

HEADER_SEGMENT = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9"
REAL_TOKENS = real_tokens()
KEY = PrivateKey.from_hex(VECTOR_KEY)
NO_DEFAULT = (
    'failed to get signer address: use "ioctl config set defaultacc ADDRESS|ALIAS" '
    "to config default account first"
)


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def token_of(stdout: str) -> str:
    line = next(x for x in stdout.splitlines() if x.startswith("JWT token: "))
    return line.removeprefix("JWT token: ")


def sign(ioctl, *extra: str, arguments: str | None = None, password: str = "pw"):
    args = ["jwt", "sign", "-s", "k1", "-P", password, *extra]
    if arguments is not None:
        args += ["--with-arguments", arguments]
    return ioctl(*args)


# ------------------------------------------------------------------------- jwt sign


def test_sign_output_and_token_bytes_match_go(ioctl, light_account):
    before = int(time.time())
    r = sign(ioctl, arguments='{"sub":"http://example.com/<1>","scope":"Read","zz":"é\u2028"}')
    after = int(time.time())
    assert r.rc == 0, r.stderr
    token = token_of(r.stdout)
    header, payload, _ = token.split(".")
    assert header == HEADER_SEGMENT
    iat = json.loads(b64decode(payload))["iat"]
    assert before <= iat <= after
    iss = "0x" + VECTOR_PUB
    # Go's payload: field order exp, iat, iss, sub, scope; exp 0 omitted; <> escaped.
    expected_payload = (
        f'{{"iat":{iat},"iss":"{iss}","sub":"http://example.com/\\u003c1\\u003e","scope":"Read"}}'
    )
    assert b64decode(payload).decode() == expected_payload
    claims = {"exp": "0", "iat": str(iat), "iss": iss, "scope": "Read",
              "sub": "http://example.com/<1>", "zz": "é\u2028"}  # fmt: skip
    assert r.stdout == (
        f"JWT token: {token}\n\nsigned by:\n{{\n  address: {VECTOR_IO}\n"
        f"  public key: {iss}\n}}\nwith following claims:\n"
        + gojson.dumps(claims, indent=True, sort_keys=True)
        + "\n"
    )
    assert '"zz": "é\\u2028"' in r.stdout
    assert pjwt.verify(token, issuers=[VECTOR_IO], now=iat).subject == "http://example.com/<1>"


def test_sign_prompts_for_password_like_go(ioctl, light_account):
    r = ioctl("jwt", "sign", "-s", "k1", "--with-arguments", '{"exp":"4102444800"}', input="pw\n")
    assert r.rc == 0, r.stderr
    assert r.stdout.startswith(f"Enter password for #{VECTOR_IO}:\n\nJWT token: ")
    assert '"exp": "4102444800"' in r.stdout
    assert r.stderr == ""  # has an expiry: no warning


def test_sign_json_mode_is_the_text_in_an_envelope(ioctl, light_account):
    r = ioctl("jwt", "sign", "-s", "k1", "-o", "json", "--with-arguments", '{"sub":"a&b"}',
              input="pw\n")  # fmt: skip
    assert r.rc == 0, r.stderr
    decoder = json.JSONDecoder()
    query, end = decoder.raw_decode(r.stdout)
    result, _ = decoder.raw_decode(r.stdout[end:].lstrip())
    assert query == {"messageType": "query", "message": f"Enter password for #{VECTOR_IO}:\n"}
    assert result["messageType"] == "result"
    assert result["message"].startswith("JWT token: ey")
    assert '"sub": "a\\u0026b"' in result["message"]
    assert "\\\\u0026" in r.stdout  # escaped again inside the JSON string, as Go does


def test_sign_uses_default_account(ioctl, wallet, light_account):
    wallet.set(default_account="k1")
    r = ioctl("jwt", "sign", "-P", "pw")
    assert r.rc == 0, r.stderr
    assert pjwt.decode(token_of(r.stdout)).issuer_address == VECTOR_IO


def test_sign_without_signer_or_default_account(ioctl, light_account):
    check_error(ioctl("jwt", "sign", "-P", "pw"), NO_DEFAULT)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ('{"exp":1}', "failed to unmarshal arguments: json: cannot unmarshal number into Go "
         "value of type string"),
        ('{"sub":{}}', "failed to unmarshal arguments: json: cannot unmarshal object into Go "
         "value of type string"),
        ('{"sub":true}', "failed to unmarshal arguments: json: cannot unmarshal bool into Go "
         "value of type string"),
        ("null", "failed to unmarshal arguments: json: cannot unmarshal null into Go value of "
         "type map[string]string"),
        ("[]", "failed to unmarshal arguments: json: cannot unmarshal array into Go value of "
         "type map[string]string"),
        ('{"exp":"12x"}', 'invalid expire time: strconv.ParseInt: parsing "12x": invalid syntax'),
        ('{"exp":"9223372036854775808"}', 'invalid expire time: strconv.ParseInt: parsing '
         '"9223372036854775808": value out of range'),
    ],
)  # fmt: skip
def test_sign_argument_errors(ioctl, light_account, unchanged, arguments, message):
    check = unchanged()
    check_error(sign(ioctl, arguments=arguments), message)
    check()


def test_sign_invalid_json_is_one_clear_line(ioctl, light_account):
    check_error(sign(ioctl, arguments="test"), startswith="failed to unmarshal arguments: ")


def test_sign_takes_no_positional_arguments(ioctl, light_account):
    check_error(ioctl("jwt", "sign", "extra", "-s", "k1"), "accepts 0 arg(s), received 1")


def test_sign_wrong_password(ioctl, light_account, unchanged):
    check = unchanged()
    check_error(sign(ioctl, password="nope"), "could not decrypt key with given password")
    check()


def test_sign_signer_not_in_keystore(ioctl, light_account):
    other = PrivateKey.generate().address
    check_error(ioctl("jwt", "sign", "-s", other, "-P", "pw"), f"invalid address #{other}")


def test_sign_accepts_0x_signer_and_ignored_write_flags(ioctl, light_account):
    eth = "0x" + light_account.key.public_key.hash160.hex()
    r = ioctl("jwt", "sign", "-s", eth, "-P", "pw", "-y", "-l", "5", "-p", "2", "-n", "3", "-w")
    assert r.rc == 0, r.stderr
    assert pjwt.decode(token_of(r.stdout)).issuer_address == VECTOR_IO


def test_sign_expires_in_sets_exp_relative_to_iat(ioctl, light_account):
    r = sign(ioctl, "--expires-in", "90m", arguments='{"sub":"weather"}')
    assert r.rc == 0, r.stderr
    claims = pjwt.decode(token_of(r.stdout)).claims
    assert claims["exp"] == claims["iat"] + 5400
    assert f'"exp": "{claims["exp"]}"' in r.stdout


@pytest.mark.parametrize("value", ["3600", "24h", "7d", "1h30m"])
def test_expires_in_forms(ioctl, light_account, value):
    seconds = {"3600": 3600, "24h": 86400, "7d": 604800, "1h30m": 5400}[value]
    r = sign(ioctl, "--expires-in", value)
    claims = pjwt.decode(token_of(r.stdout)).claims
    assert claims["exp"] - claims["iat"] == seconds


def test_expires_in_conflicts_with_exp_argument(ioctl, light_account):
    r = sign(ioctl, "--expires-in", "1h", arguments='{"exp":"4102444800"}')
    check_error(r, "--expires-in cannot be combined with an exp argument")


def test_expires_in_rejects_garbage(ioctl, light_account):
    check_error(sign(ioctl, "--expires-in", "soon"), startswith="Invalid value for '--expires-in'")


def test_sign_warns_when_token_never_expires(ioctl, light_account):
    r = sign(ioctl)
    assert r.rc == 0
    assert "no expiry" in r.stderr


def test_save_writes_bare_token_0600_atomically(ioctl, light_account, config_dir):
    r = sign(ioctl, "--save", "--expires-in", "1h")
    assert r.rc == 0, r.stderr
    path = config_dir / "auth.jwt"
    assert path.read_text() == token_of(r.stdout)  # no trailing newline: Go uses it verbatim
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"Token saved to {path}" in r.stderr
    assert not [p for p in config_dir.iterdir() if p.name.startswith(".auth.jwt")]


def test_alg_es256k_label(ioctl, light_account):
    r = sign(ioctl, "--alg", "ES256K", "--expires-in", "1h")
    token = token_of(r.stdout)
    assert json.loads(b64decode(token.split(".")[0])) == {"alg": "ES256K", "typ": "JWT"}
    assert pjwt.verify(token, issuers=[VECTOR_IO]).alg == "ES256K"


# ------------------------------------------------------------------------- jwt verify


@pytest.fixture
def token(light_account) -> str:
    now = int(time.time())
    return pjwt.sign(light_account.key, sub="weather", scope="Create", exp=now + 3600, iat=now)


@pytest.mark.parametrize("issuer", ["k1", VECTOR_IO, "0x" + VECTOR_PUB, VECTOR_PUB])
def test_verify_with_pinned_issuer(ioctl, token, issuer):
    r = ioctl("jwt", "verify", token, "--issuer", issuer, "--scope", "create", "--sub", "weather")
    assert r.rc == 0, r.stderr
    assert r.stdout.startswith("Token is valid.\n")
    assert f"issuer:     {VECTOR_IO}" in r.stdout
    assert re.search(r"expires at: \S+ \S+ UTC \(in (59m\d+s|1h0m0s)\)", r.stdout)
    assert r.stderr == ""


def test_verify_without_issuer_says_it_is_not_pinned(ioctl, token):
    r = ioctl("jwt", "verify", token)
    assert r.rc == 0
    assert r.stdout.startswith("Signature valid (issuer not pinned).")
    assert "issuer not pinned" in r.stderr


def test_verify_reads_stdin_and_json(ioctl, token):
    r = ioctl("jwt", "verify", "-", "--any-issuer", "-o", "json", input=token + "\n")
    assert r.rc == 0, r.stderr
    message = json.loads(r.stdout)["message"]
    assert message["valid"] is True and message["issuerPinned"] is False
    assert message["issuerAddress"] == VECTOR_IO
    assert (message["subject"], message["scope"]) == ("weather", "Create")
    assert r.stderr == ""  # --any-issuer is a deliberate choice: no warning


@pytest.mark.parametrize(
    ("args", "reason", "message"),
    [
        (["--issuer", "io1llupp3n8q5x8usnr5w08j6hc6hn55x64l46rr7"], "untrusted_issuer", None),
        (["--any-issuer", "--scope", "Delete"], "insufficient_scope", None),
        (["--any-issuer", "--sub", "other"], "wrong_subject", None),
        (["--any-issuer", "--at", "4102444800"], "expired", "invalid token: token is expired by "),
        (["--any-issuer", "--at", "1000"], "not_yet_valid",
         "invalid token: Token used before issued"),
        (["--any-issuer", "--max-lifetime", "10m"], "expired", None),
    ],
)  # fmt: skip
def test_verify_refusals(ioctl, token, args, reason, message):
    r = ioctl("jwt", "verify", token, *args)
    line = check_error(r)
    if message:
        assert line.startswith("Error: " + message)
    j = ioctl("jwt", "verify", token, *args, "-o", "json")
    assert j.rc == 1
    assert json.loads(j.stdout)["message"]["reason"] == reason


def test_verify_leeway(ioctl, token):
    exp = pjwt.decode(token).claims["exp"]
    assert ioctl("jwt", "verify", token, "--any-issuer", "--at", str(exp + 30)).rc == 1
    r = ioctl("jwt", "verify", token, "--any-issuer", "--at", str(exp + 30), "--leeway", "1m")
    assert r.rc == 0, r.stderr


def test_verify_strict_refuses_high_s(ioctl, token):
    head, payload, sig = token.split(".")
    raw = b64decode(sig)
    s = int.from_bytes(raw[32:], "big")
    high = raw[:32] + (CURVE_ORDER - s).to_bytes(32, "big")
    forged = f"{head}.{payload}.{base64.urlsafe_b64encode(high).rstrip(b'=').decode()}"
    assert ioctl("jwt", "verify", forged, "--any-issuer").rc == 0
    check_error(ioctl("jwt", "verify", forged, "--any-issuer", "--strict"))


def test_verify_real_go_tokens(ioctl):
    antenna = REAL_TOKENS["antenna-go-test"]
    r = ioctl("jwt", "verify", antenna["token"], "--issuer", antenna["claims"]["iss"])
    assert r.rc == 0, r.stderr
    assert "expires at: never (no exp claim)" in r.stdout
    docs = REAL_TOKENS["docs-example"]
    line = check_error(ioctl("jwt", "verify", docs["token"], "--any-issuer"))
    assert line.startswith("Error: invalid token: token is expired by ")


def test_verify_tampered_token(ioctl, token):
    tampered = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    check_error(ioctl("jwt", "verify", tampered, "--any-issuer"))


def test_verify_needs_a_token(ioctl):
    r = ioctl("jwt", "verify", input="")
    check_error(r, "no token given: pass it as an argument or on stdin")


def test_verify_unknown_issuer_alias(ioctl, token):
    check_error(ioctl("jwt", "verify", token, "--issuer", "nobody"),
                "invalid issuer nobody: cannot find address for alias nobody")  # fmt: skip


# ------------------------------------------------------------------------- jwt decode


def test_decode_shows_everything_labelled_unverified(ioctl, home):
    docs = REAL_TOKENS["docs-example"]
    r = ioctl("jwt", "decode", docs["token"])
    assert r.rc == 0, r.stderr
    assert r.stdout.startswith("UNVERIFIED: ")
    assert '"sub": "weather"' in r.stdout and '"alg": "ES256"' in r.stdout
    assert "expires at: 2020-11-20 11:37:29 UTC" in r.stdout
    assert not (home / ".config").exists()  # decode needs no wallet and creates none


def test_decode_works_on_a_bad_signature_and_json(ioctl, token):
    head, payload, sig = token.split(".")
    bad = f"{head}.{payload}.{sig[:10]}{'A' if sig[10] != 'A' else 'B'}{sig[11:]}"
    assert ioctl("jwt", "verify", bad, "--any-issuer").rc == 1
    r = ioctl("jwt", "decode", bad, "-o", "json")
    assert r.rc == 0, r.stderr
    message = json.loads(r.stdout)["message"]
    assert message["verified"] is False
    assert message["claims"]["sub"] == "weather"
    assert message["issuerAddress"] == VECTOR_IO


@pytest.mark.parametrize("bad", ["nope", "a.b", "a.b.c.d", "e30.W10.", "eyJhbGciOiJFUzI1NiJ9.=.x"])
def test_decode_malformed(ioctl, bad):
    check_error(ioctl("jwt", "decode", bad), startswith="malformed token: ")


def test_serve_without_uvicorn_says_which_extra_to_install(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"issuers: [{VECTOR_IO}]\nroutes:\n  - path: /x/**\n    subject: x\n")
    code = (
        "import sys; sys.modules['uvicorn'] = None\n"  # as if the server extra were missing
        "from pyioctl.cli.main import main\n"
        f"main(['jwt', 'serve', '--policy', {str(policy)!r}, '--listen', '127.0.0.1:0'])"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert r.stderr == (
        "Error: the verifier service needs uvicorn: pip install 'pyioctl[server]' "
        "(from a checkout: pip install '.[server]')\n"
    )


def test_verify_shows_hostile_claims_escaped(ioctl, light_account):
    sub = "weather\nissuer:     io1forged\x1b[31m"
    forged = pjwt.sign(light_account.key, sub=sub, scope="Read\u2028", exp=4102444800)
    r = ioctl("jwt", "verify", forged, "--any-issuer")
    assert r.rc == 0, r.stderr
    assert "\x1b" not in r.stdout and "\u2028" not in r.stdout
    assert [line for line in r.stdout.splitlines() if line.startswith("issuer:")] == [
        f"issuer:     {VECTOR_IO}"
    ]
    assert 'subject:    "weather\\nissuer:     io1forged\\u001b[31m"' in r.stdout


def signed_with_header(key: PrivateKey, header: dict, claims: dict) -> str:
    """A token with any header and claims (``iss`` added), signed by ``key``."""

    def b64(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = b64(header) + "." + b64({"iss": "0x" + key.public_key.hex(), **claims})
    signature = base64.urlsafe_b64encode(key.sign(signing_input.encode())).rstrip(b"=")
    return signing_input + "." + signature.decode()


# DEL, a C1 CSI (8-bit ESC [, which terminals act on), a bidi override that reorders
# what follows, a zero-width space and a tag character: none is a C0 control, which is
# all JSON escapes.
_UNSEEN = "w\x7f\x9b2J\u202eevil\u200b\U000e0041"


def test_decode_and_verify_escape_every_unprintable_character(ioctl, light_account):
    forged = signed_with_header(
        light_account.key,
        {"alg": "ES256", "typ": "JWT", "kid": _UNSEEN},
        {"sub": _UNSEEN, "scope": "Read", "exp": 4102444800, "note": _UNSEEN},
    )
    for args in (["jwt", "decode", forged], ["jwt", "verify", forged, "--any-issuer"]):
        r = ioctl(*args)
        assert r.rc == 0, r.stderr
        assert all(line.isprintable() for line in r.stdout.splitlines()), r.stdout
        assert "\\u009b2J\\u202eevil\\u200b\\udb40\\udc41" in r.stdout


@settings(max_examples=150, deadline=None)
@given(header=st.text(max_size=6), claim=st.text(max_size=6), sub=st.text(max_size=6))
def test_human_output_of_any_token_text_is_printable(
    header: str, claim: str, sub: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Whatever strings a token's header and claims hold, ``jwt decode`` and ``jwt verify``
    print only printable lines to the terminal, and the JSON shown reads back as them."""
    token = signed_with_header(
        KEY, {"alg": "ES256", "typ": "JWT", "kid": header}, {"sub": sub, "x": claim}
    )
    home = tmp_path_factory.mktemp("home")
    for args in (["jwt", "decode", token], ["jwt", "verify", token, "--any-issuer"]):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("HOME", str(home))
            out = io.StringIO()
            patch.setattr(sys, "stdout", out)
            patch.setattr(sys, "stderr", io.StringIO())
            assert main(args) == 0
        text = out.getvalue()
        assert all(line.isprintable() for line in text.splitlines()), text
        if args[1] == "decode":
            shown = json.loads(text.split("claims:\n", 1)[1].split("\n}\n", 1)[0] + "}")
            assert shown["x"] == claim


@pytest.mark.parametrize("scope", ["", "   "])
def test_verify_empty_scope_is_a_usage_error(ioctl, token, scope):
    check_error(ioctl("jwt", "verify", token, "--any-issuer", "--scope", scope),
                "--scope needs at least one right, e.g. Read")  # fmt: skip


def test_verify_reads_a_bounded_amount_of_stdin(ioctl):
    r = ioctl("jwt", "verify", "-", "--any-issuer", input="A" * 5_000_000)
    check_error(r, startswith="invalid token: ")
