"""`{% load durations %}{{ chat.wait|duration }}`: the core's `duration_text` as a filter."""

from django import template

from libchat.core.durations import duration_text

register = template.Library()
register.filter("duration", duration_text)
