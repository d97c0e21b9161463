"""The `libchat` app's models are the core's (`libchat.core.models`); Django looks for them here."""

from libchat.core.models import SiteSettings, StoredFile

__all__ = ["SiteSettings", "StoredFile"]
