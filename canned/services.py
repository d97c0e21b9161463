"""Every write of canned replies: create, update and delete, with the two refusals an operator or
an admin must read (a shortcut already used in the same scope, a body over the message limit)."""

import re

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext

from canned.models import CannedReply
from departments.models import Department
from libchat.core.messages import MESSAGE_MAX_CHARS
from libchat.core.refusals import Refusal
from libchat.core.richtext import body_has_text, body_sanitise
from systems.models import System
from systems.selectors import default_system

TITLE_MAX_CHARS = CannedReply._meta.get_field("title").max_length
SHORTCUT = re.compile(r"[a-z0-9][a-z0-9_-]{0,29}")


class CannedReplyRefused(Refusal):
    """A canned reply refused for what it holds; nothing was stored."""


def _count(number: int) -> str:
    """A count with the thousands grouped the reader's way (4,000; 4 000)."""
    return number_format(number, force_grouping=True)


def _shortcut_taken(reply: CannedReply, shortcut: str) -> str:
    """Why a shortcut is refused: it is used already where this reply is."""
    if reply.owner_id:
        text = gettext("The shortcut /%(shortcut)s is already used among your canned replies.")
    elif reply.department_id:
        text = gettext("The shortcut /%(shortcut)s is already used in %(department)s.")
    else:
        text = gettext(
            "The shortcut /%(shortcut)s is already used among the canned replies shared with "
            "everyone."
        )
    department = reply.department.name if reply.department_id else ""
    return text % {"shortcut": shortcut, "department": department}


def _checked(reply: CannedReply, *, title: str, shortcut: str, body: str) -> CannedReply:
    """Fill the reply from what was typed, cleaned, or raise CannedReplyRefused."""
    title = " ".join(title.split())
    shortcut = shortcut.strip().lstrip("/").lower()
    clean = body_sanitise(body)
    if not title:
        raise CannedReplyRefused("no_title", gettext("Give the canned reply a title."))
    if len(title) > TITLE_MAX_CHARS:
        raise CannedReplyRefused(
            "title_too_long",
            gettext("A title can be %(max)s characters at most.") % {"max": TITLE_MAX_CHARS},
        )
    if shortcut and not SHORTCUT.fullmatch(shortcut):
        raise CannedReplyRefused(
            "bad_shortcut",
            gettext(
                "A shortcut is one word of up to 30 letters, digits, - or _ (e.g. hours), "
                "typed after / in the reply box."
            ),
        )
    if not body_has_text(clean):
        raise CannedReplyRefused("empty", gettext("Write the reply's text."))
    # The same count as a message's (libchat.core.messages): the markup is counted too.
    if len(clean) > MESSAGE_MAX_CHARS:
        raise CannedReplyRefused(
            "too_long",
            gettext(
                "A canned reply can be %(max)s characters at most, as a message can; "
                "this one has %(length)s."
            )
            % {"max": _count(MESSAGE_MAX_CHARS), "length": _count(len(clean))},
        )
    if shortcut:
        same_scope = CannedReply.objects.filter(
            owner_id=reply.owner_id, department_id=reply.department_id, shortcut=shortcut
        ).exclude(pk=reply.pk)
        if not reply.owner_id and not reply.department_id:
            if reply.system_id is None:
                reply.system_id = default_system().pk
            same_scope = same_scope.filter(system_id=reply.system_id)
        if same_scope.exists():
            raise CannedReplyRefused("duplicate_shortcut", _shortcut_taken(reply, shortcut))
    reply.title, reply.shortcut, reply.body = title, shortcut, clean
    return reply


def _saved(reply: CannedReply) -> CannedReply:
    # Two saves racing past the check meet the database's unique constraint: the same refusal.
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError as exc:
        raise CannedReplyRefused(
            "duplicate_shortcut",
            _shortcut_taken(reply, reply.shortcut),
        ) from exc
    return reply


def canned_reply_check(*, reply: CannedReply, title: str, shortcut: str, body: str) -> CannedReply:
    """The reply filled from what was typed, unsaved, or CannedReplyRefused: for a form (the
    admin's) that shows a refusal beside its fields before it saves."""
    return _checked(reply, title=title, shortcut=shortcut, body=body)


def canned_reply_create(
    *,
    title: str,
    body: str,
    shortcut: str = "",
    owner: AbstractBaseUser | None = None,
    department: Department | None = None,
    system: System | None = None,
) -> CannedReply:
    """A personal reply (owner), one shared with a department, or with everyone (neither) of
    a system: the owner's, the department's, or the one given (the default system's when
    none is)."""
    if owner is not None and department is not None:
        raise CannedReplyRefused(
            "bad_scope", gettext("A canned reply is personal or shared, not both.")
        )
    reply = CannedReply(owner=owner, department=department)
    if owner is not None:
        reply.system_id = owner.system_id
    elif department is not None:
        reply.system_id = department.system_id
    elif system is not None:
        reply.system = system
    return _saved(_checked(reply, title=title, shortcut=shortcut, body=body))


def canned_reply_update(
    *,
    reply: CannedReply,
    title: str,
    body: str,
    shortcut: str = "",
    department: Department | None = None,
) -> CannedReply:
    """Change what a reply says; a shared one may also move to another department (or to
    everyone), a personal one stays its owner's."""
    if not reply.owner_id:
        reply.department = department
        if department is not None:
            reply.system_id = department.system_id
    return _saved(_checked(reply, title=title, shortcut=shortcut, body=body))


def canned_reply_delete(*, reply: CannedReply) -> None:
    reply.delete()
