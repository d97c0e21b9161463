"""Logs without secrets: some paths carry their holder's only credential.

A patron's chat token (`/ws/widget/<token>/`), a patron file's key (`/widget/files/<key>/`) and
a meeting guest's link (`/meetings/join/<token>/`, `/ws/meetings/guest/<token>/`) are kept in
the database only as hashes; a log line must not keep them in clear either. `libchat.serve`
redacts daphne's access log, and `SecretPathFilter` Django's "Not Found: <path>" lines.
"""

import logging
import re

SECRET_IN_PATH = re.compile(
    r"(/ws/widget/|/widget/files/|/ws/meetings/guest/|/meetings/join/)[^/?#\s]+"
)


def path_redact(text: str) -> str:
    return SECRET_IN_PATH.sub(r"\1[secret]", text)


class SecretPathFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = path_redact(record.getMessage()), ()
        return True
