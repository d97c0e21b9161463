"""Fixed-window rate limits kept in the shared cache, so every daphne process counts together."""

import time

from django.core.cache import cache


def rate_limit_hit(*, key: str, limit: int, seconds: int) -> bool:
    """Count one attempt under `key`; True when it goes over `limit` in the current window."""
    window = int(time.time() // seconds)
    cache_key = f"ratelimit:{key}:{window}"
    cache.add(cache_key, 0, timeout=seconds * 2)
    try:
        return cache.incr(cache_key) > limit
    except ValueError:  # expired between add and incr: this is the first hit of a new window
        cache.set(cache_key, 1, timeout=seconds * 2)
        return False
