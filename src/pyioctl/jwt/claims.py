"""The registered claims: their types, time validity, scope and subject.

Types are checked strictly (an ``exp`` of ``"1700000000"``, ``1.7e9`` or ``true`` is
malformed, not coerced) because a claim one verifier reads as a number and another as
absent is exactly where two services end up disagreeing about whether a token is live.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from .errors import (
    GO_NOT_VALID_YET,
    GO_USED_BEFORE_ISSUED,
    ExpiredTokenError,
    InsufficientScopeError,
    MalformedTokenError,
    NotYetValidError,
    WrongAudienceError,
    WrongSubjectError,
)

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
# The claims antenna-go's struct knows; Go's decoder matches them case-insensitively.
REGISTERED = frozenset({"aud", "exp", "jti", "iat", "iss", "nbf", "sub", "scope"})
# Go's time.Duration saturates at this many nanoseconds; golang-jwt prints it as such.
_GO_MAX_DURATION = "2562047h47m16.854775807s"


def go_duration(seconds: int) -> str:
    """Go's ``time.Duration.String()`` for a whole number of seconds (``1h1m1s``)."""
    if seconds < 0:
        return "-" + go_duration(-seconds)
    if seconds * 1_000_000_000 > INT64_MAX:
        return _GO_MAX_DURATION
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def _go_fold(name: str) -> str:
    # Go's encoding/json folds names with Unicode simple folding: ASCII case, and the
    # long s (U+017F) as "s"; no other fold reaches the letters of the registered names.
    return name.lower().replace("\u017f", "s")


def _claim_problem(claims: dict[str, Any]) -> str:
    """Which registered claim has the wrong type; only run once a check has failed."""
    if type(claims.get("iss")) is not str:
        return "claim 'iss' (the issuer's public key) is required and must be a string"
    for name in ("sub", "scope", "jti"):
        if name in claims and type(claims[name]) is not str:
            return f"claim {name!r} must be a string"
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name)
        if name in claims and (type(value) is not int or not INT64_MIN <= value <= INT64_MAX):
            return f"claim {name!r} must be an integer within int64"
    return "claim 'aud' must be a string or a list of strings"


def read_registered(
    claims: dict[str, Any],
) -> tuple[str, str, str, int | None, int | None, int | None]:
    """``iss, sub, scope, exp, iat, nbf`` after type checks; absent times are None."""
    if not REGISTERED.issuperset(claims):
        for name in claims:
            if name not in REGISTERED and _go_fold(name) in REGISTERED:
                # Go would read "ISS" or "Exp" as the registered claim and we would not.
                raise MalformedTokenError("a claim name is a case variant of a registered one")
    iss = claims.get("iss")
    sub = claims.get("sub", "")
    scope = claims.get("scope", "")
    exp = claims.get("exp")
    iat = claims.get("iat")
    nbf = claims.get("nbf")
    # One combined test keeps the valid path short; _claim_problem names the culprit.
    if (
        type(iss) is not str
        or type(sub) is not str
        or type(scope) is not str
        # type() rather than isinstance(): bool is an int subclass and true is not a time.
        or (exp is not None and (type(exp) is not int or not INT64_MIN <= exp <= INT64_MAX))
        or (iat is not None and (type(iat) is not int or not INT64_MIN <= iat <= INT64_MAX))
        or (nbf is not None and (type(nbf) is not int or not INT64_MIN <= nbf <= INT64_MAX))
        or (("aud" in claims or "jti" in claims) and not _aud_jti_ok(claims))
        # JSON null is no time: Go reads it as absent, we refuse to guess.
        or (exp is None and "exp" in claims)
        or (iat is None and "iat" in claims)
        or (nbf is None and "nbf" in claims)
    ):
        raise MalformedTokenError(_claim_problem(claims))
    return iss, sub, scope, exp, iat, nbf


def _aud_jti_ok(claims: dict[str, Any]) -> bool:
    aud = claims.get("aud", "")
    return type(claims.get("jti", "")) is str and (type(aud) is str or _is_str_list(aud))


def _is_str_list(value: Any) -> bool:
    return type(value) is list and all(type(item) is str for item in value)


def check_times(
    exp: int | None,
    iat: int | None,
    nbf: int | None,
    now: int,
    leeway: int,
    require_exp: bool,
    max_lifetime: int | None,
) -> None:
    """Expiry first: an expired token can never become valid, so it is the answer that
    stops a client retrying, even where Go would report the ``iat`` failure instead."""
    if exp is None:
        if require_exp:
            raise ExpiredTokenError("token has no expiry (exp) and one is required")
    elif now > exp + leeway:
        raise ExpiredTokenError(f"token is expired by {go_duration(now - exp)}")
    if max_lifetime is not None:
        if exp is None or iat is None:
            raise ExpiredTokenError("token lacks iat or exp, so its lifetime is unbounded")
        if exp - iat > max_lifetime:
            raise ExpiredTokenError(
                f"token lifetime {go_duration(exp - iat)} exceeds {go_duration(max_lifetime)}"
            )
    if iat is not None and iat > now + leeway:
        raise NotYetValidError(GO_USED_BEFORE_ISSUED)
    if nbf is not None and nbf > now + leeway:
        raise NotYetValidError(GO_NOT_VALID_YET)


# Only ASCII letters fold. Unicode folding maps other letters onto ASCII (casefold turns
# "ſ", the Kelvin sign, "ß" and "ﬁ" into s, k, ss and fi), so a token granted "ﬁles"
# held "files": a right its issuer never wrote, and one that an issuer's allow list, Go's
# strings.EqualFold or JavaScript's toLowerCase sees as another name.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=1024)
def scope_rights(scope: str) -> frozenset[str]:
    """The rights a ``scope`` string grants: separated by spaces (U+0020 only), with ASCII
    letters compared in any case and every other character exactly.

    The one definition for the library, the policy and the web adapters, so a token is
    read the same way wherever it is checked.
    """
    if scope.isascii():
        return frozenset(right for right in scope.lower().split(" ") if right)
    return frozenset(right for right in scope.translate(_ASCII_LOWER).split(" ") if right)


@lru_cache(maxsize=256)
def _required_rights(scope: str) -> frozenset[str]:
    rights = scope_rights(scope)
    if not rights:
        raise ValueError("scope to require must name at least one right")
    return rights


def check_scope(token_scope: str, required: str | Iterable[str]) -> None:
    """Every required right (space-separated, any case) must be in the token's scope."""
    if isinstance(required, str):
        wanted = _required_rights(required)
    else:
        wanted = frozenset().union(*map(_required_rights, required))
        if not wanted:
            raise ValueError("scope to require must name at least one right")
    missing = wanted - scope_rights(token_scope)
    if missing:
        raise InsufficientScopeError(f"token scope lacks {' '.join(sorted(missing))}")


def check_subject(subject: str, expected: str) -> None:
    # The token's own subject stays out of the message: it is the sender's text.
    if subject != expected:
        raise WrongSubjectError("token subject is not the expected one")


def audiences(audience: str | Iterable[str]) -> frozenset[str]:
    """The audiences a caller accepts, as a set; an empty one is always a caller's mistake."""
    wanted = frozenset((audience,) if isinstance(audience, str) else audience)
    if not wanted or not all(isinstance(a, str) and a for a in wanted):
        raise ValueError("audience must name at least one non-empty string")
    return wanted


def check_audience(aud: Any, accepted: frozenset[str], required: bool) -> None:
    """``aud`` (already type-checked: absent, a string or a list of strings) must name one
    of ``accepted``. An empty ``aud`` names nobody and counts as absent, as in Go's
    ``VerifyAudience``; the token's own values stay out of the messages."""
    if not aud:
        if required:
            raise WrongAudienceError("token has no audience (aud) and one is required")
        return
    if isinstance(aud, str):
        if aud in accepted:
            return
    elif not accepted.isdisjoint(aud):
        return
    raise WrongAudienceError("token audience (aud) does not name this service")
