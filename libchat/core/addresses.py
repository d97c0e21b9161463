"""A person's IP address, only ever as a keyed hash (DESIGN: patron IPs are never stored raw),
and the checks that may turn a patron away by it.

The hash is an HMAC keyed from SECRET_KEY (`salted_hmac`), so the database, the cache or a log
holding it cannot be turned back into the address by hashing every address there is. Each use
has its own salt: a patron's hash and an operator's log-in stand-in never match. Rotating
SECRET_KEY changes every hash, so counts and blocks by address start again (a block also holds
by the patron id their browser keeps).

The gate is a registry so that the app that keeps blocks (`chats`) can be asked by the apps
below it (`widgets` draws the iframe page) without a sideways import.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.crypto import salted_hmac

PATRON_SALT = "libchat.patron-address"

PatronCheck = Callable[..., bool]
_patron_checks: list[PatronCheck] = []


def address_digest(address: str, *, salt: str = PATRON_SALT) -> bytes:
    """The HMAC-SHA256 of the address under `salt`: the same for the same address while
    SECRET_KEY lasts."""
    return salted_hmac(salt, address, algorithm="sha256").digest()


def address_hash(address: str, *, salt: str = PATRON_SALT) -> str:
    """The address's keyed hash as 64 hex digits, what blocks and rate limits keep."""
    return address_digest(address, salt=salt).hex()


def request_address_hash(request: HttpRequest) -> str:
    """The keyed hash of the address a request came from (daphne puts the client, or with
    --proxy-headers the first X-Forwarded-For, in REMOTE_ADDR)."""
    return address_hash(request.META.get("REMOTE_ADDR", ""))


def patron_check(check: PatronCheck) -> PatronCheck:
    """Register `check(*, system_id, address_hash, patron_ref) -> bool`: True turns the patron
    away from the widgets of that library system."""
    _patron_checks.append(check)
    return check


def patron_turned_away(*, system_id: int, address_hash: str, patron_ref: str = "") -> bool:
    """Whether any registered check turns away, from the widgets of this library system, the
    patron with this address hash (and, when known, the patron id their browser keeps)."""
    return any(
        check(system_id=system_id, address_hash=address_hash, patron_ref=patron_ref)
        for check in _patron_checks
    )
