"""How long something lasted, the way people say it: "17 s", "2 min 47 s", "1 h 5 min".

Python code (the admin, the meeting end line) calls `duration_text`; templates use it as
`{% load durations %}{{ chat.handling_time|duration }}` (`libchat.templatetags.durations`).
"""

from datetime import timedelta


def duration_text(delta: timedelta | None) -> str:
    """Seconds under a minute, minutes and seconds under an hour, then hours and minutes."""
    if delta is None:
        return ""
    hours, rest = divmod(max(0, round(delta.total_seconds())), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"
