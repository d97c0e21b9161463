"""Files operators send, in internal chat and in patron chats: one set of rules for both.

A file is refused when it is empty, too big (`LIBCHAT_MAX_UPLOAD_MB`), of a type outside the
allowlist (read from its bytes, never from the browser) or named unlike what it holds; a kept
file is stored under a random name and served as a download that no browser sniffs or renders.
"""

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext

from libchat.core.refusals import Refusal

# Detected type -> the file name extensions that may carry it.
ALLOWED_FILE_TYPES = {
    "image/jpeg": {"jpg", "jpeg"},
    "image/png": {"png"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "application/pdf": {"pdf"},
    "application/msword": {"doc"},
    "application/vnd.ms-excel": {"xls"},
    "application/vnd.ms-powerpoint": {"ppt"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"xlsx"},
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": {"pptx"},
    "text/plain": {"txt", "csv", "md"},
}


class FileRefused(Refusal):
    """A file refused (or missing from an upload); nothing was stored."""


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    extension: str
    content_type: str

    def described(self) -> dict:
        """The fields of a `libchat.core.models.StoredFile` that describe this file."""
        return {
            "original_name": self.name,
            "size": self.upload.size,
            "content_type": self.content_type,
        }


def file_check(*, upload: UploadedFile) -> CheckedFile:
    """Refuse a file that is too big, empty, of a disallowed type, or whose name lies or has a
    path; the type is read from the file's bytes, never from the browser."""
    name = upload.name or ""
    if not name or "/" in name or "\\" in name or "\x00" in name or name in {".", ".."}:
        raise FileRefused(
            "bad_file_name", gettext("The file name must be a plain name, without a path.")
        )
    if upload.size == 0:
        raise FileRefused("empty_file", gettext("The file is empty."))
    limit = settings.LIBCHAT_MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise FileRefused(
            "file_too_big",
            gettext("Files can be %(max)s MB at most.") % {"max": settings.LIBCHAT_MAX_UPLOAD_MB},
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        content_type = kind.mime
    elif b"\x00" not in head and _decodes(head):
        content_type = "text/plain"
    else:
        content_type = "application/octet-stream"
    extension = PurePath(name).suffix.lower().removeprefix(".")
    allowed = ALLOWED_FILE_TYPES.get(content_type)
    if allowed is None:
        raise FileRefused(
            "file_type", gettext("Send images, PDF, office documents or plain text files only.")
        )
    if extension not in allowed:
        raise FileRefused(
            "file_type_mismatch", gettext("The file's name does not match what it contains.")
        )
    return CheckedFile(upload, name[:200], extension, content_type)


def _decodes(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


@dataclass
class StoredFiles:
    """Files already on disk for a write that has not happened yet: (checked file, stored
    name) pairs. The write calls `keep()` once its rows name them."""

    files: list[tuple[CheckedFile, str]]
    kept: bool = False

    def __iter__(self) -> Iterator[tuple[CheckedFile, str]]:
        return iter(self.files)

    def keep(self) -> None:
        self.kept = True


@contextmanager
def files_storing(folder: str, checked: Sequence[CheckedFile]) -> Iterator[StoredFiles]:
    """Save the files under random names in `folder`, then run the block with them: the bytes
    go to disk before the block takes its locks and opens its transaction, so no lock waits on
    the disk. Files the block does not `keep()` are deleted again: all of them when it fails
    (its transaction rolls back), or when it ends without storing them (a retry answered with
    the earlier message)."""
    stored = StoredFiles([])
    try:
        for item in checked:
            name = default_storage.save(
                f"{folder}/{uuid.uuid4().hex}.{item.extension}", item.upload
            )
            stored.files.append((item, name))
        yield stored
    except BaseException:
        _files_delete(stored)
        raise
    if not stored.kept:
        _files_delete(stored)


def _files_delete(stored: StoredFiles) -> None:
    for _, name in stored:
        default_storage.delete(name)


def file_download(*, file: FieldFile, name: str, content_type: str) -> FileResponse:
    """A stored file as a download under its original name, never sniffed or shown inline."""
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def file_send_arguments(request: HttpRequest) -> dict:
    """The message a file upload form posts (`file`, optional `body`, `client_msg_id`), as
    keyword arguments of a message_send service; FileRefused without a file."""
    upload = request.FILES.get("file")
    if upload is None:
        raise FileRefused("no_file", gettext("Choose a file to send."))
    return {
        "body": request.POST.get("body", ""),
        "client_msg_id": request.POST.get("client_msg_id", ""),
        "files": [upload],
    }
