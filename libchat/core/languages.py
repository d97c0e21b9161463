"""The languages LibChat ships (settings.LANGUAGES) and which of them a patron's browser asks
for: a widget set to follow the browser speaks the first shipped language in Accept-Language."""

import hashlib
from functools import cache

from django.conf import settings
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

# What a patron reads when their browser asks for no language LibChat ships.
FALLBACK_LANGUAGE = "en"


def shipped_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_from_accept(header: str) -> str:
    """The first shipped language in an Accept-Language header (es-MX finds es), by its
    weights; English when none is."""
    for code, _weight in parse_accept_lang_header(header or ""):
        if code == "*":
            break
        try:
            found = get_supported_language_variant(code)
        except LookupError:
            continue
        if found in shipped_languages():
            return found
    return FALLBACK_LANGUAGE


def scope_accept_language(scope: dict) -> str:
    """A socket's Accept-Language, from its handshake, as a page's request would carry it."""
    return dict(scope.get("headers", [])).get(b"accept-language", b"").decode("latin-1")


@cache
def catalog_version() -> str:
    """A short hash of the compiled JavaScript catalogues: the widget asks for its texts with it
    in the address, so a browser that cached them an hour never runs new code with old texts."""
    digest = hashlib.sha256()
    for path in sorted(settings.BASE_DIR.glob("locale/*/LC_MESSAGES/djangojs.mo")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
