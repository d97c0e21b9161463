"""Unguessable links and tokens are stored only as their SHA-256, so the database alone opens
nothing: patron chat tokens, patron file keys, meeting guest links."""

import hashlib


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
