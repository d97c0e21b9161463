"""A person's IP address, only ever as a keyed hash (DESIGN: patron IPs are never stored raw).

The hash is an HMAC keyed from SECRET_KEY (`salted_hmac`), so the database, the cache or a log
holding it cannot be turned back into the address by hashing every address there is. Each use
has its own salt: a patron's hash and an operator's log-in stand-in never match. Rotating
SECRET_KEY changes every hash, so counts and blocks by address start again (a block also holds
by the patron id their browser keeps).
"""

from django.http import HttpRequest
from django.utils.crypto import salted_hmac

PATRON_SALT = "libchat.patron-address"


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
