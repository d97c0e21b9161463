"""Watching sent files reach storage."""

from libchat.core import uploads


def watch_file_writes(monkeypatch, probe) -> list:
    """Record `probe()` each time a sent file is written to storage."""
    seen = []
    storage = uploads.default_storage

    class Watched:
        def save(self, name, content):
            seen.append(probe())
            return storage.save(name, content)

        def delete(self, name):
            storage.delete(name)

    monkeypatch.setattr(uploads, "default_storage", Watched())
    return seen
