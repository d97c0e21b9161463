"""Storing sent files: written before the write that names them, gone again if it does not."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from libchat.core import uploads
from libchat.core.uploads import file_check, files_storing
from tests.files import watch_file_writes
from tests.internalchat.test_services import PDF, PNG


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def checked_files():
    return [
        file_check(upload=SimpleUploadedFile("map.png", PNG)),
        file_check(upload=SimpleUploadedFile("hours.pdf", PDF)),
    ]


def test_files_are_written_before_the_block_and_stay_when_kept(monkeypatch):
    in_block = False
    writes = watch_file_writes(monkeypatch, lambda: in_block)
    with files_storing("test", checked_files()) as stored:
        in_block = True
        names = [name for _, name in stored]
        assert all(default_storage.exists(name) for name in names)
        stored.keep()
    assert writes == [False, False]
    assert [item.name for item, _ in stored] == ["map.png", "hours.pdf"]
    assert [name.rsplit(".", 1)[1] for name in names] == ["png", "pdf"]
    assert all(name.startswith("test/") and default_storage.exists(name) for name in names)


def test_files_not_kept_or_of_a_failed_block_are_deleted():
    with files_storing("test", checked_files()) as stored:
        unused = [name for _, name in stored]
    assert unused and not any(default_storage.exists(name) for name in unused)
    with pytest.raises(RuntimeError), files_storing("test", checked_files()) as stored:
        failed = [name for _, name in stored]
        stored.keep()
        raise RuntimeError("the transaction rolled back")
    assert failed and not any(default_storage.exists(name) for name in failed)


def test_a_failed_write_deletes_the_files_written_before_it(monkeypatch):
    written = []
    storage = uploads.default_storage

    class SecondWriteFails:
        def save(self, name, content):
            if written:
                raise OSError("No space left on device")
            written.append(storage.save(name, content))
            return written[-1]

        def delete(self, name):
            storage.delete(name)

    monkeypatch.setattr(uploads, "default_storage", SecondWriteFails())
    with pytest.raises(OSError), files_storing("test", checked_files()):
        pytest.fail("the block runs only once every file is written")
    assert len(written) == 1 and not default_storage.exists(written[0])
