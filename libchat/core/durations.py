"""How long something lasted, the way people say it: "17 s", "2 min 47 s", "1 h 5 min", in the
active language (the units are the same abbreviations in every shipped language today, but a
language may write them its own way).

Python code (the admin, the meeting end line) calls `duration_text`; templates use it as
`{% load durations %}{{ chat.handling_time|duration }}` (`libchat.templatetags.durations`). The
dashboard's scripts write the same texts through the JavaScript catalogue (reports.js).
"""

from datetime import timedelta

from django.utils.translation import gettext


def duration_text(delta: timedelta | None) -> str:
    """Seconds under a minute, minutes and seconds under an hour, then hours and minutes."""
    if delta is None:
        return ""
    hours, rest = divmod(max(0, round(delta.total_seconds())), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        if minutes:
            return gettext("%(h)s h %(min)s min") % {"h": hours, "min": minutes}
        return gettext("%(h)s h") % {"h": hours}
    if minutes:
        if seconds:
            return gettext("%(min)s min %(s)s s") % {"min": minutes, "s": seconds}
        return gettext("%(min)s min") % {"min": minutes}
    return gettext("%(s)s s") % {"s": seconds}
